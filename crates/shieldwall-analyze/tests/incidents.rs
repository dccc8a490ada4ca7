//! The 2026 incidents, reconstructed as inert fixtures: each
//! `tests/fixtures/incidents/<name>/bad` is blocked, its `prev` (the last
//! clean version) passes, and `diff(prev, bad)` reports the new behavior
//! with a drift of at least `high`.

use std::path::Path;

use shieldwall_analyze::diff::diff;
use shieldwall_analyze::{Artifact, Options, Severity, Verdict, default_limits, inspect};

fn open(path: &Path) -> Artifact {
    Artifact::open(path, &default_limits()).expect("a readable fixture")
}

#[test]
fn incidents_are_blocked_and_their_drift_is_reported() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/incidents");
    let mut names: Vec<_> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    names.sort();
    assert!(!names.is_empty());
    let mut report = String::new();
    for dir in names {
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let bad = open(&dir.join("bad"));
        let verdict = inspect(&bad, &Options::default());
        assert_eq!(
            verdict.verdict,
            Verdict::Block,
            "{name}: {:#?}",
            verdict.findings
        );
        report.push_str(&format!("{name}: block, score {}\n", verdict.score));
        for reason in &verdict.reasons {
            report.push_str(&format!("  {reason}\n"));
        }
        let prev_dir = dir.join("prev");
        if prev_dir.exists() {
            let prev = open(&prev_dir);
            let clean = inspect(&prev, &Options::default());
            assert_eq!(
                clean.verdict,
                Verdict::Pass,
                "{name} prev: {:#?}",
                clean.findings
            );
            let drift = diff(&prev, &bad, &Options::default());
            assert!(drift.severity >= Some(Severity::High), "{name}: {drift:#?}");
            report.push_str(&format!("  drift {:?}\n", drift.severity.unwrap()));
            for change in drift
                .changes
                .iter()
                .filter(|c| c.severity >= Severity::Medium)
            {
                let line = change.line.map(|l| format!(":{l}")).unwrap_or_default();
                report.push_str(&format!(
                    "    {} {} {}{line}: {}\n",
                    change.severity, change.stage, change.file, change.message
                ));
            }
        }
    }
    insta::assert_snapshot!(report);
}

/// Legitimate packages that look like the incidents pass:
/// `tests/fixtures/lookalikes/*`, plus a large minified bundle built here.
#[test]
fn lookalikes_pass() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/lookalikes");
    let mut dirs: Vec<_> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    dirs.sort();
    assert!(dirs.len() >= 4);
    for dir in dirs {
        let report = inspect(&open(&dir), &Options::default());
        assert_eq!(
            report.verdict,
            Verdict::Pass,
            "{}: {:#?}",
            dir.display(),
            report.findings
        );
    }
    // A 700 KB minified bundle on one line, required as the main module.
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("package.json"),
        r#"{"name":"fixture-bundle","version":"1.0.0","main":"dist/bundle.min.js"}"#,
    )
    .unwrap();
    std::fs::create_dir(tmp.path().join("dist")).unwrap();
    let mut bundle = String::from("!function(e){\"use strict\";var t={};");
    for i in 0..12_000 {
        bundle.push_str(&format!(
            "function n{i}(e,t){{return e&&t?e.map(function(r){{return r+{i}}}):t||[]}}t.f{i}=n{i};"
        ));
    }
    bundle.push_str("e.lib=t}(this);");
    assert!(bundle.len() > 700_000);
    std::fs::write(tmp.path().join("dist/bundle.min.js"), bundle).unwrap();
    let report = inspect(&open(tmp.path()), &Options::default());
    assert_eq!(report.verdict, Verdict::Pass, "{:#?}", report.findings);
}
