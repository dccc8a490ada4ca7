//! SBOM input on inert fixtures (`tests/fixtures/sbom/<case>/`, one JSON
//! snapshot per case), with explicit checks of nested CycloneDX
//! components, SPDX purls, double-encoded purls and content sniffing.

mod support;

use std::path::{Path, PathBuf};

use shieldwall_core::{Ecosystem, EvidenceKind};
use support::{case, cases, find, refs, run};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/sbom")
}

const T: &str = "@tanstack/react-router";

#[test]
fn snapshots_of_every_case() {
    let names = cases(&root());
    assert!(names.len() >= 8, "fixtures missing: {names:?}");
    for name in names {
        insta::assert_json_snapshot!(name.clone(), case(&root(), &name));
    }
}

#[test]
fn cyclonedx_nested_components() {
    let results = case(&root(), "cyclonedx-1.6");
    let found = refs(&results);
    let router = find(&found, T, "1.169.5");
    assert_eq!(router.location.kind, EvidenceKind::Sbom);
    assert!(router.location.line.is_some());
    assert_eq!(
        found.iter().filter(|r| r.name == T).count(),
        1,
        "duplicates are reported once"
    );
    assert_eq!(
        find(&found, "fixture-app", "1.0.0")
            .location
            .note
            .as_deref(),
        Some("sbom subject")
    );
    assert_eq!(
        find(&found, "@fixture/no-purl", "0.1.0")
            .location
            .note
            .as_deref(),
        Some("sbom name and version"),
        "group is the npm scope when the tool says npm"
    );
    assert_eq!(find(&found, "litellm", "1.82.8").ecosystem, Ecosystem::PyPI);
    assert!(
        !found.iter().any(|r| r.name == "serde"),
        "other ecosystems are skipped"
    );
    let problems = &results[0].problems;
    assert!(
        problems.iter().any(|p| p.contains("%2540")),
        "a double-encoded scope is a problem: {problems:?}"
    );
    assert!(problems.iter().any(|p| p.contains("no version")));
}

#[test]
fn cyclonedx_without_purls() {
    let found_12 = case(&root(), "cyclonedx-1.2");
    let litellm = find(&refs(&found_12), "litellm", "1.82.8");
    assert_eq!(litellm.ecosystem, Ecosystem::PyPI);
    assert_eq!(
        refs(&found_12).len(),
        1,
        "operating systems are not packages"
    );
    let unknown = case(&root(), "cyclonedx-unknown");
    assert_eq!(
        find(&refs(&unknown), "tagged", "2.0.0").ecosystem,
        Ecosystem::Npm
    );
    assert_eq!(
        unknown[0].problems,
        vec!["1 package(s) without a purl and without a known ecosystem were not read".to_owned()]
    );
}

#[test]
fn spdx_purls() {
    let results = case(&root(), "spdx-2.3");
    let found = refs(&results);
    let router = find(&found, T, "1.169.5");
    assert_eq!(router.location.kind, EvidenceKind::Sbom);
    assert!(router.location.line.is_some());
    assert_eq!(find(&found, "litellm", "1.82.8").ecosystem, Ecosystem::PyPI);
    assert_eq!(find(&found, "left-pad", "1.3.0").ecosystem, Ecosystem::Npm);
    assert!(!found.iter().any(|r| r.name == "thing"));
    assert_eq!(results[0].problems.len(), 1, "{:?}", results[0].problems);
}

#[test]
fn sniffing_and_unclassified_files() {
    let results = case(&root(), "sniffed");
    let by_name = |suffix: &str| {
        results
            .iter()
            .find(|r| r.path.ends_with(suffix))
            .unwrap_or_else(|| panic!("{suffix} missing"))
    };
    assert_eq!(by_name("/data.json").detected, "unclassified");
    let release = by_name("/release-sbom.json");
    assert_eq!(release.detected, "sbom/json");
    assert_eq!(release.refs.len(), 1);
    let settings = by_name("/sbom-settings.json");
    assert!(settings.refs.is_empty() && settings.error.is_none());
    assert!(
        by_name("/notes-sbom.json").error.is_none(),
        "loose names tolerate non-json"
    );
    let broken = case(&root(), "broken");
    assert!(
        broken[0].error.is_some(),
        "a conventional name must hold json"
    );
    let spdx3 = case(&root(), "spdx-3");
    assert!(
        spdx3[0]
            .error
            .as_deref()
            .is_some_and(|e| e.contains("spdx 3"))
    );
    let xml = run(&root(), "other-formats/bom.xml", b"<bom/>");
    assert!(xml.detected.starts_with("not covered"));
}
