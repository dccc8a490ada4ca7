//! Every fuzz target that drives an extractor names a path that `classify`
//! really hands to an extractor; otherwise the target would fuzz nothing.

use std::path::Path;

use shieldwall_inventory::{Detected, classify};

#[test]
fn every_fuzz_target_path_is_classified_for_extraction() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/fuzz_targets");
    let mut checked = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let Some(start) = text.find("extract_as(\"") else {
            continue;
        };
        let rest = &text[start + "extract_as(\"".len()..];
        let typical = &rest[..rest.find('"').unwrap()];
        let full = Path::new("/nonexistent-shieldwall-fuzz").join(typical);
        assert!(
            matches!(classify(&full), Some(Detected::Extract(_))),
            "{}: `{typical}` is not classified for extraction",
            path.display()
        );
        checked += 1;
    }
    assert!(checked >= 25, "only {checked} extractor fuzz targets found");
}
