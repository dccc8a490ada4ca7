//! Renderer tests: snapshots of every format for one realistic report, and
//! validation of the SARIF output against the official 2.1.0 schema.

use std::collections::BTreeMap;
use std::sync::Arc;

use shieldwall_core::{Ecosystem, EvidenceKind, Layer, Location};
use shieldwall_report::{
    AdvisoryDbInfo, AdvisoryRef, Finding, NotCovered, NotCoveredKind, SCHEMA_VERSION, ScanReport,
    Severity, Summary, Tool, render_json, render_markdown, render_sarif, render_table,
};

fn sample() -> ScanReport {
    let mistral = AdvisoryRef {
        id: "SHIELDWALL-2026-0002".into(),
        aliases: vec!["MAL-2026-0000".into()],
        summary: "mistralai 2.4.6 runs a dropper at import".into(),
        source: "incident write-up".into(),
        published: Some("2026-05-12".into()),
        malicious: true,
    };
    let router = AdvisoryRef {
        id: "SHIELDWALL-2026-0001".into(),
        aliases: vec![],
        summary: "Mini Shai-Hulud worm in @tanstack packages".into(),
        source: "shai-hulud-detect".into(),
        published: Some("MAY 2026".into()),
        malicious: true,
    };
    let mut image_loc = Location::new(
        "images/app.tar!usr/lib/python3.12/site-packages/mistralai-2.4.6.dist-info/METADATA".into(),
        EvidenceKind::ImageLayer,
    );
    image_loc.layer = Some(Box::new(Layer {
        image: Arc::from("images/app.tar"),
        index: 2,
        digest: Arc::from("sha256:0123abcd"),
        evidence: EvidenceKind::Installed,
        deleted_in: Some(3),
    }));
    ScanReport {
        schema_version: SCHEMA_VERSION,
        tool: Tool {
            name: "shieldwall".into(),
            version: "0.0.0-test".into(),
        },
        advisory_db: AdvisoryDbInfo {
            advisories: 2,
            sources: vec!["built-in".into()],
            snapshot: None,
        },
        findings: vec![
            Finding {
                ecosystem: Ecosystem::Npm,
                name: "@tanstack/react-router".into(),
                version: "1.169.5".into(),
                purl: "pkg:npm/%40tanstack/react-router@1.169.5".into(),
                severity: Severity::Critical,
                advisories: vec![router.id.clone()],
                advisory_details: vec![router.clone()],
                locations: vec![
                    Location::new("web app/package-lock.json".into(), EvidenceKind::Lockfile)
                        .with_line(Some(42))
                        .with_hash(Some("sha512-AAAA".into()))
                        .with_note(Some("dev".into())),
                    Location::new(
                        "web app/node_modules/@tanstack/react-router/package.json".into(),
                        EvidenceKind::Installed,
                    ),
                ],
                remediation: "remove it and pin 1.169.4".into(),
            },
            Finding {
                ecosystem: Ecosystem::PyPI,
                name: "mistralai".into(),
                version: "2.4.6".into(),
                purl: "pkg:pypi/mistralai@2.4.6".into(),
                severity: Severity::Critical,
                advisories: vec![mistral.id.clone()],
                advisory_details: vec![mistral.clone()],
                locations: vec![image_loc],
                remediation: "rebuild the image".into(),
            },
            Finding {
                ecosystem: Ecosystem::Npm,
                name: "evil\u{1b}[31mname|x".into(),
                version: "1.0.0".into(),
                purl: "pkg:npm/evil@1.0.0".into(),
                severity: Severity::Warning,
                advisories: vec![router.id.clone()],
                advisory_details: vec![router],
                locations: vec![
                    Location::new("pkg/package.json".into(), EvidenceKind::ManifestRange)
                        .with_line(Some(7)),
                ],
                remediation: "pin a version below the bad one".into(),
            },
        ],
        not_covered: vec![NotCovered {
            path: "web app/bun.lockb".into(),
            line: None,
            kind: NotCoveredKind::UnsupportedFormat,
            reason: "binary bun lockfile is not read".into(),
        }],
        summary: Summary {
            roots: vec!["web app".into()],
            files_read: BTreeMap::from([
                ("npm/package-lock".into(), 1),
                ("npm/installed".into(), 1),
            ]),
            packages_checked: 1200,
            affected: 2,
            warnings: 1,
            not_covered: 1,
            duration_ms: 15,
        },
    }
}

#[test]
fn table_plain() {
    insta::assert_snapshot!(render_table(&sample(), false));
}

#[test]
fn table_color_only_adds_escapes() {
    let colored = render_table(&sample(), true);
    assert!(colored.contains("\u{1b}["));
    let stripped: String = strip_ansi(&colored);
    assert_eq!(stripped, render_table(&sample(), false));
}

#[test]
fn json_contract() {
    let json: serde_json::Value = serde_json::from_str(&render_json(&sample())).unwrap();
    assert_eq!(json["schema_version"], 1);
    let f = &json["findings"][0];
    for key in [
        "ecosystem",
        "name",
        "version",
        "advisories",
        "severity",
        "locations",
    ] {
        assert!(f.get(key).is_some(), "finding lacks {key}");
    }
    assert_eq!(f["locations"][0]["path"], "web app/package-lock.json");
    assert_eq!(f["locations"][0]["line"], 42);
    assert_eq!(f["locations"][0]["kind"], "lockfile");
    assert_eq!(json["findings"][1]["locations"][0]["kind"], "image-layer");
    assert_eq!(
        json["findings"][1]["locations"][0]["layer"]["deleted_in"],
        3
    );
    assert_eq!(
        json["not_covered"][0]["reason"],
        "binary bun lockfile is not read"
    );
    assert!(json["summary"].is_object());
    insta::assert_snapshot!(render_json(&sample()));
}

#[test]
fn markdown() {
    insta::assert_snapshot!(render_markdown(&sample()));
}

#[test]
fn sarif_is_valid_against_the_official_schema() {
    // The published schema's `language` pattern has a stray `]` that strict
    // regex engines reject (a known erratum); it is corrected here, the rest
    // of the schema is used as published.
    let text = include_str!("schemas/sarif-2.1.0.json").replace(
        r#"^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$"#,
        r#"^[a-zA-Z]{2}(-[a-zA-Z]{2})?$"#,
    );
    let schema: serde_json::Value = serde_json::from_str(&text).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let log: serde_json::Value = serde_json::from_str(&render_sarif(&sample())).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&log)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    assert_eq!(log["runs"][0]["results"].as_array().unwrap().len(), 4);
    // A document that breaks the schema is rejected, so the check above has teeth.
    let mut broken = log.clone();
    broken["runs"][0]["results"][0]["level"] = "fatal".into();
    assert!(!validator.is_valid(&broken));
    insta::assert_snapshot!(render_sarif(&sample()));
}

#[test]
fn empty_report_says_clean() {
    let mut report = sample();
    report.findings.clear();
    report.not_covered.clear();
    let text = render_table(&report, false);
    assert!(text.contains("no known-bad package versions found"));
    let log: serde_json::Value = serde_json::from_str(&render_sarif(&report)).unwrap();
    assert_eq!(log["runs"][0]["results"].as_array().unwrap().len(), 0);
}

fn strip_ansi(text: &str) -> String {
    let mut out = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' && chars.peek() == Some(&'[') {
            for d in chars.by_ref() {
                if d.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}
