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

#[test]
fn a_range_on_a_package_whose_every_version_is_malicious_is_critical() {
    let tmp = tempfile::tempdir().unwrap();
    let store = tmp.path().join("store");
    let squat = r#"{"id": "MAL-2099-0002", "summary": "typosquat (inert test record)",
        "affected": [{"package": {"ecosystem": "npm", "name": "reactt-router"},
                      "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}]}]}]}"#;
    write_tree(
        tmp.path(),
        &[
            ("osv/squat.json", squat),
            (
                "p/package.json",
                r#"{"dependencies": {"reactt-router": "^2.0.0"}}"#,
            ),
        ],
    );
    let import = shieldwall(&store)
        .current_dir(tmp.path())
        .args(["db", "import", "osv/squat.json"])
        .output()
        .unwrap();
    assert_eq!(
        import.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&import.stderr)
    );
    let scan = shieldwall(&store)
        .current_dir(tmp.path())
        .args(["scan", "p", "-f", "json"])
        .output()
        .unwrap();
    assert_eq!(scan.status.code(), Some(1));
    let report = json(&scan);
    let finding = &report["findings"][0];
    assert_eq!(finding["severity"], "critical");
    assert_eq!(finding["version"], "^2.0.0");
    assert_eq!(
        finding["locations"][0]["note"],
        "declared `^2.0.0`; every version is affected"
    );
}

/// Serves `body` once per connection on a local port, for `db update`.
fn serve(body: Vec<u8>, requests: usize) -> String {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming().take(requests) {
            let mut stream = stream.unwrap();
            let mut buf = [0u8; 4096];
            let _ = stream.read(&mut buf);
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/zip\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            stream.write_all(head.as_bytes()).unwrap();
            stream.write_all(&body).unwrap();
        }
    });
    format!("http://{addr}/PyPI/all.zip")
}

fn osv_zip() -> Vec<u8> {
    use std::io::Write;
    let mut cursor = std::io::Cursor::new(Vec::new());
    let mut zip = zip::ZipWriter::new(&mut cursor);
    zip.start_file(
        "MAL-2099-0001.json",
        zip::write::SimpleFileOptions::default(),
    )
    .unwrap();
    zip.write_all(OSV.as_bytes()).unwrap();
    zip.finish().unwrap();
    cursor.into_inner()
}

#[test]
fn update_downloads_the_configured_zip_and_imports_it() {
    let tmp = tempfile::tempdir().unwrap();
    let store = tmp.path().join("store");
    let url = serve(osv_zip(), 2);
    let config = tmp.path().join("shieldwall.toml");
    std::fs::write(&config, format!("[advisory]\nupdate_url = \"{url}\"\n")).unwrap();
    write_tree(
        tmp.path(),
        &[("proj/requirements.txt", "fixture-pkg==1.0.1\n")],
    );

    for _ in 0..2 {
        let update = shieldwall(&store)
            .args(["db", "update", "--config"])
            .arg(&config)
            .output()
            .unwrap();
        assert_eq!(
            update.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&update.stderr)
        );
        assert!(String::from_utf8_lossy(&update.stdout).contains("imported 1 advisories"));
    }
    let status = json(
        &shieldwall(&store)
            .args(["db", "status", "-f", "json"])
            .output()
            .unwrap(),
    );
    let imports = status["sources"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["kind"] == "import")
        .count();
    assert_eq!(
        imports, 1,
        "a second update of the same URL replaces the first"
    );

    let scan = shieldwall(&store)
        .current_dir(tmp.path())
        .args(["scan", "proj"])
        .output()
        .unwrap();
    assert_eq!(scan.status.code(), Some(1));
}

#[test]
fn a_malformed_config_names_the_file_and_line() {
    let tmp = tempfile::tempdir().unwrap();
    let config = tmp.path().join("shieldwall.toml");
    std::fs::write(&config, "[advisory]\nupdate_url = \n").unwrap();
    let output = shieldwall(tmp.path())
        .args(["db", "update", "--config"])
        .arg(&config)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("shieldwall.toml:2"), "{stderr}");
}
