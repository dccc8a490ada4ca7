//! Shared driver for the fuzz targets: hand arbitrary bytes to the
//! extractor that `classify` picks for a typical file path, and require
//! that it returns (an extraction or an error) without panicking.

use std::path::Path;
use std::sync::Arc;

use shieldwall_inventory::{Detected, FileInput, classify};

/// Runs the extractor for `typical_path` on `data`.
///
/// The path lies under a directory that does not exist, so extractors that
/// follow includes (`-r other.txt`) find nothing to read.
pub fn extract_as(typical_path: &str, data: &[u8]) {
    let path = Path::new("/nonexistent-shieldwall-fuzz").join(typical_path);
    let Some(Detected::Extract(extractor)) = classify(&path) else {
        panic!("`{typical_path}` is not classified for extraction");
    };
    let display: Arc<str> = Arc::from(typical_path);
    let input = FileInput { path: &path, display: &display, bytes: data };
    let _ = extractor.extract(&input);
}
