//! Python ecosystem extractors.

use std::path::Path;

use crate::{Detected, Extractor};

/// Classifies Python files by path.
pub(crate) fn classify(_path: &Path, _file_name: &str) -> Option<Detected> {
    None
}

/// Every Python extractor.
pub(crate) fn extractors() -> Vec<&'static dyn Extractor> {
    Vec::new()
}
