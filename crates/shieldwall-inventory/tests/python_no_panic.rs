//! Regression: requirement lines that once made `pep508_rs` panic while
//! rendering its error (a byte slice inside a multi-byte character, found by
//! the `py_conda_environment` and `py_requirements` fuzz targets). A caught panic still prints a
//! message on the scanner's stderr, so no panic may happen at all.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use shieldwall_inventory::{Detected, FileInput, classify};

static PANICKED: AtomicBool = AtomicBool::new(false);

#[test]
fn malformed_non_ascii_requirements_are_problems_without_a_panic() {
    std::panic::set_hook(Box::new(|_| PANICKED.store(true, Ordering::SeqCst)));
    let inputs = [
        "litel[uncoslosed \u{feff}*(n[e -co p\n",
        "dependencies:\n  - pip:\n    - \"litel[uncoslosed \u{feff}*(n[e -co p\"\n",
        "é[ü==1\n",
        "name @ ü://\u{feff}\n",
        "mistralai==2.4.6 ; python_version >= \"3.9\"\u{d01}\n",
    ];
    for (file, text) in [
        ("requirements.txt", inputs[0]),
        ("environment.yml", inputs[1]),
        ("requirements.txt", inputs[2]),
        ("requirements.txt", inputs[3]),
    ] {
        let path = Path::new("/nonexistent-shieldwall-test").join(file);
        let Some(Detected::Extract(extractor)) = classify(&path) else {
            panic!("{file} not classified")
        };
        let display: Arc<str> = Arc::from(file);
        let input = FileInput {
            path: &path,
            display: &display,
            bytes: text.as_bytes(),
        };
        let extraction = extractor
            .extract(&input)
            .expect("a bad line is a problem, not a failed file");
        assert!(extraction.packages.is_empty(), "{text:?}");
        assert_eq!(
            extraction.problems.len(),
            1,
            "{text:?}: {:?}",
            extraction.problems
        );
    }
    // A pin whose marker holds a non-ASCII character is still read.
    let path = Path::new("/nonexistent-shieldwall-test/requirements.txt");
    let Some(Detected::Extract(extractor)) = classify(path) else {
        panic!("not classified")
    };
    let display: Arc<str> = Arc::from("requirements.txt");
    let input = FileInput {
        path,
        display: &display,
        bytes: inputs[4].as_bytes(),
    };
    let extraction = extractor.extract(&input).unwrap();
    assert_eq!(extraction.packages.len(), 1, "{:?}", extraction.problems);
    assert_eq!(extraction.packages[0].version, "2.4.6");
    let _ = std::panic::take_hook();
    assert!(
        !PANICKED.load(Ordering::SeqCst),
        "a panic happened (and was caught)"
    );
}
