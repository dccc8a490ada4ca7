//! The advisory database of shieldwall: where known-malicious package
//! versions come from and how a package version is matched against them.
//!
//! - a compiled-in feed (the shai-hulud-detect compromised-package list and
//!   shieldwall's seed incidents), available with no download;
//! - [`import`] of OSV data (a directory tree, an `all.zip`, JSON Lines or a
//!   JSON file), stored in a compact indexed form in a store directory;
//! - [`AdvisoryDb`], which indexes both by (ecosystem, normalized name) and
//!   answers [`AdvisoryDb::affecting`] and [`AdvisoryDb::admitted_by`].
//!
//! ```
//! use shieldwall_advisory::AdvisoryDb;
//! use shieldwall_core::Ecosystem;
//!
//! let db = AdvisoryDb::builtin();
//! assert!(!db.affecting(Ecosystem::PyPI, "LiteLLM", "1.82.8").is_empty());
//! assert!(db.affecting(Ecosystem::PyPI, "litellm", "1.82.6").is_empty());
//! ```

mod builtin;
mod db;
mod error;
mod hash;
mod import;
mod matcher;
mod model;
mod osv;
mod status;
mod store;

use std::path::PathBuf;

pub use builtin::{SHAI_HULUD_DETECT, SHIELDWALL_SEEDS};
pub use db::AdvisoryDb;
pub use error::AdvisoryError;
pub use import::{FileError, ImportReport, InvalidVersion, import};
pub use matcher::EVERY_VERSION;
pub use model::{Advisory, Affected, Event, EventKind, Iocs, Range, RangeKind};
pub use status::{DbStatus, EcosystemCounts, SourceKind, SourceStatus};

/// The environment variable naming shieldwall's cache directory.
pub const CACHE_DIR_ENV: &str = "SHIELDWALL_CACHE_DIR";

/// The default store directory: `advisories` inside `$SHIELDWALL_CACHE_DIR`
/// when it is set and not empty, else inside the platform cache directory
/// for shieldwall (`$XDG_CACHE_HOME/shieldwall` or `~/.cache/shieldwall` on
/// Linux). `None` when neither can be found.
pub fn default_store_dir() -> Option<PathBuf> {
    let cache = match std::env::var_os(CACHE_DIR_ENV) {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => directories::ProjectDirs::from("", "", "shieldwall")?
            .cache_dir()
            .to_owned(),
    };
    Some(cache.join("advisories"))
}
