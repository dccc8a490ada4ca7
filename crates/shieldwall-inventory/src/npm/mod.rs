//! npm ecosystem extractors.

use std::path::Path;

use crate::{Detected, Extractor};

/// Classifies npm files by path.
pub(crate) fn classify(_path: &Path, file_name: &str) -> Option<Detected> {
    match file_name {
        "bun.lockb" => Some(Detected::NotCovered(
            "binary bun lockfile is not read; run `bun install --save-text-lockfile` to write `bun.lock`, or scan `node_modules`",
        )),
        _ => None,
    }
}

/// Every npm extractor.
pub(crate) fn extractors() -> Vec<&'static dyn Extractor> {
    Vec::new()
}
