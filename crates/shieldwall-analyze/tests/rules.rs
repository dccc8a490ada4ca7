//! Every rule against its fixtures: each `bad-*` directory under
//! `tests/fixtures/rules/<RULE>/` must give at least one finding of that
//! rule that weighs in the verdict, and each `ok-*` directory none that
//! does (a `low` note on code that only runs when called is allowed: it
//! is context, worth no points); the findings on the `bad-*`
//! fixtures are snapshotted. Every rule must have both kinds of fixture
//! and a documentation comment with the four sections.

use std::fs;
use std::path::Path;

use shieldwall_analyze::analysis::{Options, analyze};
use shieldwall_analyze::rules::catalog;
use shieldwall_analyze::score::finding_points;
use shieldwall_analyze::{Artifact, default_limits};

fn fixtures_of(rule: &str) -> Vec<(String, std::path::PathBuf)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/rules")
        .join(rule);
    let mut cases: Vec<_> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{rule} has no fixtures in {}: {e}", dir.display()))
        .map(|e| e.expect("a readable fixture dir"))
        .map(|e| (e.file_name().to_string_lossy().into_owned(), e.path()))
        .collect();
    cases.sort();
    cases
}

#[test]
fn every_rule_fires_on_its_bad_fixtures_and_not_on_its_ok_fixtures() {
    let mut failures = Vec::new();
    for rule in catalog() {
        let cases = fixtures_of(rule.id);
        assert!(
            cases.iter().any(|(n, _)| n.starts_with("bad-")),
            "{} has no bad-* fixture",
            rule.id
        );
        assert!(
            cases.iter().any(|(n, _)| n.starts_with("ok-")),
            "{} has no ok-* fixture",
            rule.id
        );
        let mut snapshot = String::new();
        for (name, path) in cases {
            let artifact = Artifact::open(&path, &default_limits()).expect("a readable fixture");
            let analysis = analyze(&artifact, &Options::default());
            let mut hits: Vec<_> = analysis
                .findings
                .iter()
                .filter(|f| f.rule == rule.id)
                .collect();
            hits.sort_by(|a, b| (&a.file, a.line, &a.message).cmp(&(&b.file, b.line, &b.message)));
            let weighing = hits.iter().filter(|f| finding_points(f) > 0).count();
            if name.starts_with("bad-") {
                if weighing == 0 {
                    failures.push(format!("{}: {name} gave no finding", rule.id));
                }
                for f in &hits {
                    let line = f.line.map(|l| format!(":{l}")).unwrap_or_default();
                    snapshot.push_str(&format!(
                        "{name}: {} {} {}{line} {}\n",
                        f.severity, f.stage, f.file, f.message
                    ));
                }
            } else if weighing > 0 {
                failures.push(format!("{}: {name} gave {:?}", rule.id, hits));
            }
        }
        insta::assert_snapshot!(rule.id, snapshot);
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_rule_is_documented() {
    let mut ids = std::collections::HashSet::new();
    for rule in catalog() {
        assert!(ids.insert(rule.id), "duplicate id {}", rule.id);
        let doc = rule.doc();
        assert!(
            doc.starts_with(&format!("# {}: ", rule.id)),
            "{} doc must start with its id: {doc}",
            rule.id
        );
        for section in [
            "**What it does.**",
            "**Why is this bad.**",
            "**Example.**",
            "**False positives.**",
        ] {
            assert!(doc.contains(section), "{} doc lacks {section}", rule.id);
        }
    }
}

/// `docs/rules.md` is generated from the rules' documentation; this test
/// fails when it is stale. Regenerate with
/// `UPDATE_RULE_DOCS=1 cargo test -p shieldwall-analyze --test rules`.
#[test]
fn rule_reference_is_current() {
    let mut text = String::from(
        "# Analyzer rule reference\n\n\
         Generated from the rules' documentation comments by\n\
         `UPDATE_RULE_DOCS=1 cargo test -p shieldwall-analyze --test rules`;\n\
         do not edit by hand. `shieldwall rule ID` prints the same text.\n\n",
    );
    for rule in catalog() {
        text.push_str(&format!(
            "- [{}: {}](#{})\n",
            rule.id,
            rule.title,
            anchor(rule.id, rule.title)
        ));
    }
    for rule in catalog() {
        text.push('\n');
        text.push('#');
        text.push_str(&rule.doc());
        text.push('\n');
    }
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/rules.md");
    if std::env::var_os("UPDATE_RULE_DOCS").is_some() {
        fs::write(&path, &text).expect("docs/rules.md is writable");
    }
    let committed = fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == text,
        "docs/rules.md is stale: run `UPDATE_RULE_DOCS=1 cargo test -p shieldwall-analyze --test rules`"
    );
}

/// The Markdown heading anchor GitHub-style renderers give `# ID: title`.
fn anchor(id: &str, title: &str) -> String {
    format!("{id}: {title}")
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric() || *c == ' ' || *c == '-')
        .map(|c| if c == ' ' { '-' } else { c })
        .collect()
}
