//! `shieldwall db`.

use crate::common::{json, shieldwall, write_tree};

const OSV: &str = r#"{
  "id": "MAL-2099-0001",
  "summary": "Malicious code in fixture-pkg (inert test record)",
  "modified": "2099-01-02T00:00:00Z",
  "published": "2099-01-01T00:00:00Z",
  "affected": [{
    "package": {"ecosystem": "PyPI", "name": "Fixture_Pkg"},
    "versions": ["1.0.1"]
  }]
}"#;

#[test]
fn import_then_scan_uses_the_imported_advisory() {
    let tmp = tempfile::tempdir().unwrap();
    let store = tmp.path().join("store");
    write_tree(
        tmp.path(),
        &[
            ("osv/MAL-2099-0001.json", OSV),
            ("proj/requirements.txt", "fixture.pkg==1.0.1\n"),
        ],
    );

    let before = shieldwall(&store)
        .current_dir(tmp.path())
        .args(["scan", "proj"])
        .output()
        .unwrap();
    assert_eq!(before.status.code(), Some(0));

    let import = shieldwall(&store)
        .current_dir(tmp.path())
        .args(["db", "import", "osv"])
        .output()
        .unwrap();
    assert_eq!(
        import.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&import.stderr)
    );

    let after = shieldwall(&store)
        .current_dir(tmp.path())
        .args(["scan", "proj", "-f", "json"])
        .output()
        .unwrap();
    assert_eq!(after.status.code(), Some(1));
    let report = json(&after);
    assert_eq!(report["findings"][0]["advisories"][0], "MAL-2099-0001");

    let builtin_only = shieldwall(&store)
        .current_dir(tmp.path())
        .args(["scan", "proj", "--builtin-only"])
        .output()
        .unwrap();
    assert_eq!(builtin_only.status.code(), Some(0));

    let status = shieldwall(&store)
        .args(["db", "status", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(status.status.code(), Some(0));
    let status = json(&status);
    let versions: u64 = status["by_ecosystem"]
        .as_object()
        .unwrap()
        .values()
        .map(|c| c["versions"].as_u64().unwrap())
        .sum();
    assert!(versions >= 5782, "{status:#}");
    let sources: Vec<&str> = status["sources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["kind"].as_str().unwrap())
        .collect();
    assert!(
        sources.contains(&"builtin") && sources.contains(&"import"),
        "{sources:?}"
    );
}

#[test]
fn status_of_a_fresh_install_counts_the_builtin_feed() {
    let tmp = tempfile::tempdir().unwrap();
    let output = shieldwall(&tmp.path().join("none"))
        .args(["db", "status"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.contains("npm") && text.contains("PyPI"), "{text}");
}

#[test]
fn import_of_a_missing_path_is_a_usage_error() {
    let tmp = tempfile::tempdir().unwrap();
    let output = shieldwall(tmp.path())
        .args(["db", "import", "/nonexistent/osv"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("/nonexistent/osv"));
}

#[test]
fn update_without_a_url_explains_how_to_configure_one() {
    let tmp = tempfile::tempdir().unwrap();
    let output = shieldwall(tmp.path())
        .args(["db", "update"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("no advisory update URL is configured"),
        "{stderr}"
    );
    assert!(stderr.contains("hint: set `update_url`"), "{stderr}");
}
