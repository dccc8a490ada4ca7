//! Inventory extractors: each one reads the bytes of one kind of file and
//! lists the package versions it records, with where it found them.
//!
//! Extractors never run anything: they read bytes. [`classify`] decides from
//! a path alone which extractor reads a file, or that the file is a format
//! shieldwall knows but does not read ([`Detected::NotCovered`]), so that it
//! can be listed in the report instead of being skipped silently.
//!
//! ```
//! use std::path::Path;
//! use shieldwall_inventory::{classify, Detected};
//!
//! assert!(matches!(classify(Path::new("app/bun.lockb")), Some(Detected::NotCovered(_))));
//! assert!(classify(Path::new("README.md")).is_none());
//! ```

mod artifact;
mod cache;
pub mod differential;
mod extractor;
mod image;
mod lines;
mod npm;
mod python;
mod sbom;
mod walk;
mod yaml_depth;

use std::path::Path;

pub use cache::{cache_root, mark_cached};
pub use extractor::{ExtractError, Extraction, Extractor, FileInput, Problem};
pub use walk::{WalkEvent, WalkOptions, walk};

/// What [`classify`] found a path to be.
#[derive(Clone, Copy)]
pub enum Detected {
    /// A file an extractor reads.
    Extract(&'static dyn Extractor),
    /// A package format shieldwall recognizes but does not read; the text
    /// says why and what to do instead.
    NotCovered(&'static str),
    /// A possible container image: a `*.tar` archive, or the `oci-layout`
    /// file of an OCI image layout directory. [`walk`] streams it layer by
    /// layer instead of reading it whole; a `.tar` that turns out not to
    /// be an image gives nothing.
    Image,
}

impl std::fmt::Debug for Detected {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Extract(e) => write!(f, "Extract({})", e.id()),
            Self::NotCovered(reason) => write!(f, "NotCovered({reason:?})"),
            Self::Image => f.write_str("Image"),
        }
    }
}

/// Decides from its path which extractor, if any, reads a file.
///
/// Only the path is looked at, so the walker can skip reading every file
/// no extractor wants.
pub fn classify(path: &Path) -> Option<Detected> {
    let file_name = path.file_name()?.to_str()?;
    if let Some(claimed) = cache::classify(path, file_name) {
        return claimed;
    }
    npm::classify(path, file_name)
        .or_else(|| python::classify(path, file_name))
        .or_else(|| sbom::classify(path, file_name))
        .or_else(|| artifact::classify(path, file_name))
        .or_else(|| image::classify(path, file_name))
}

/// Every extractor, for documentation and tests.
pub fn extractors() -> Vec<&'static dyn Extractor> {
    let mut all = npm::extractors();
    all.extend(python::extractors());
    all.extend(cache::extractors());
    all.extend(sbom::extractors());
    all.extend(artifact::extractors());
    all
}
