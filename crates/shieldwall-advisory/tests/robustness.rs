//! No input makes the importer or the store reader panic: truncated and
//! bit-flipped OSV files and store files give errors or are skipped.

use std::path::Path;

use shieldwall_advisory::{AdvisoryDb, import};
use shieldwall_core::Ecosystem;

/// A small deterministic generator (xorshift64), so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(name),
    )
    .unwrap()
}

#[test]
fn mangled_osv_files_never_panic() {
    let tmp = tempfile::tempdir().unwrap();
    let store = tmp.path().join("store");
    let originals = [
        ("a.json", fixture("osv/pypi/GHSA-git-before-eco.json")),
        ("b.json", fixture("osv/npm/MAL-2026-3465.json")),
        ("c.jsonl", fixture("jsonl/records.jsonl")),
    ];
    let mut rng = Rng(0x5eed_1234_abcd_ef01);
    let mut imported = 0;
    for (name, original) in &originals {
        for round in 0..150 {
            let mut bytes = original.clone();
            match round % 3 {
                0 => bytes.truncate(rng.below(bytes.len())),
                1 => {
                    for _ in 0..1 + rng.below(4) {
                        let i = rng.below(bytes.len());
                        bytes[i] ^= 1 << rng.below(8);
                    }
                }
                _ => {
                    // replace a byte with a JSON-significant one
                    let i = rng.below(bytes.len());
                    bytes[i] = b"\"{}[]:,0-\\"[rng.below(10)];
                }
            }
            let path = tmp.path().join(name);
            std::fs::write(&path, &bytes).unwrap();
            if import(&path, &store).is_ok() {
                imported += 1;
                let db = AdvisoryDb::open(&store).unwrap();
                for eco in Ecosystem::ALL {
                    for n in ["git-range-fixture", "@tanstack/react-router", "jsonl-one"] {
                        let _ = db.affecting(eco, n, "1.0.0");
                    }
                }
            }
        }
    }
    assert!(imported > 0, "some mutations still import");
}

#[test]
fn mangled_store_files_never_panic() {
    let tmp = tempfile::tempdir().unwrap();
    let store = tmp.path().join("store");
    let report = import(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/osv"),
        &store,
    )
    .unwrap();
    let original = std::fs::read(&report.store_file).unwrap();
    let mut rng = Rng(0x0dd_ba11_cafe_f00d);
    for round in 0..400 {
        let mut bytes = original.clone();
        if round % 4 == 0 {
            bytes.truncate(rng.below(bytes.len()));
        } else {
            for _ in 0..1 + rng.below(3) {
                let i = rng.below(bytes.len());
                bytes[i] ^= 1 << rng.below(8);
            }
        }
        std::fs::write(&report.store_file, &bytes).unwrap();
        if let Ok(db) = AdvisoryDb::open(&store) {
            for (eco, name) in [
                (Ecosystem::PyPI, "scrapy"),
                (Ecosystem::Npm, "reakt-dom-fixture"),
                (Ecosystem::PyPI, "git-range-fixture"),
                (Ecosystem::Npm, "limit-fixture"),
            ] {
                let _ = db.affecting(eco, name, "2.6.0");
            }
            let _ = db.iter().count();
            let _ = db.status();
        }
    }
}
