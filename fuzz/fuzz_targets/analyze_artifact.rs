#![no_main]

use shieldwall_analyze::{Artifact, Options, inspect};
use shieldwall_archive::Limits;

// A whole inspection of arbitrary bytes read as each kind of artifact,
// with small limits: never a panic, and a verdict for every readable input.
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let limits = Limits { max_total_bytes: 1 << 20, max_entries: 256, max_file_bytes: 1 << 18, max_ratio: 100 };
    for name in ["pkg-1.0-py3-none-any.whl", "pkg-1.0.tar.gz", "pkg-1.0.tgz", "pkg-1.0.zip", "pkg-1.0.tar"] {
        if let Ok(artifact) = Artifact::from_bytes(name, data.to_vec(), &limits) {
            let report = inspect(&artifact, &Options::default());
            assert!(report.findings.iter().all(|f| !f.rule.is_empty()));
        }
    }
});
