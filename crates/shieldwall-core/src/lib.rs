//! The model shared by every part of shieldwall: ecosystems, normalized
//! package names, versions with each ecosystem's real ordering, affected
//! ranges, declared requirements, purls, and package references with the
//! place they were found.
//!
//! This crate is pure: it does no I/O.
//!
//! ```
//! use shieldwall_core::{Ecosystem, Version};
//!
//! let a = Version::parse(Ecosystem::PyPI, "2.6").unwrap();
//! let b = Version::parse(Ecosystem::PyPI, "2.6.0").unwrap();
//! assert_eq!(a, b);
//! assert_eq!(Ecosystem::PyPI.normalize_name("Lite_LLM"), "lite-llm");
//! ```

mod ecosystem;
mod package;
mod purl;
mod range;
mod requirement;
mod version;

pub use ecosystem::Ecosystem;
pub use package::{EvidenceKind, Layer, Location, PackageRef};
pub use purl::{Purl, PurlError};
pub use range::{AffectedRange, RangeEvent};
pub use requirement::{Requirement, RequirementError};
pub use version::{Version, VersionError};
