//! `shieldwall scan` end to end, on small inert trees built per test.

use crate::common::{json, shieldwall, write_tree};

const LOCK_V3: &str = r#"{
  "name": "web",
  "lockfileVersion": 3,
  "requires": true,
  "packages": {
    "": { "name": "web", "dependencies": { "@tanstack/react-router": "^1.169.0" } },
    "node_modules/@tanstack/react-router": {
      "version": "VERSION",
      "resolved": "https://registry.example.test/@tanstack/react-router/-/react-router-VERSION.tgz",
      "integrity": "sha512-ZmFrZQ=="
    },
    "node_modules/left-pad": { "version": "1.3.0", "dev": true }
  }
}
"#;

fn affected_tree(root: &std::path::Path, router: &str, mistral: &str) {
    let lock = LOCK_V3.replace("VERSION", router);
    let installed = format!(r#"{{"name": "@tanstack/react-router", "version": "{router}"}}"#);
    let metadata = format!("Metadata-Version: 2.1\nName: mistralai\nVersion: {mistral}\n\n");
    write_tree(
        root,
        &[
            ("web/package-lock.json", &lock),
            (
                "web/package.json",
                r#"{"name": "web", "dependencies": {"@tanstack/react-router": "^1.169.0"}}"#,
            ),
            (
                "web/node_modules/@tanstack/react-router/package.json",
                &installed,
            ),
            (
                "api/requirements.txt",
                &format!("requests==2.32.3\nmistralai=={mistral} ; python_version >= \"3.9\"\n"),
            ),
            (
                &format!(
                    "api/.venv/lib/python3.12/site-packages/mistralai-{mistral}.dist-info/METADATA"
                ),
                &metadata,
            ),
        ],
    );
}

#[test]
fn finds_bad_versions_everywhere_and_exits_1() {
    let tmp = tempfile::tempdir().unwrap();
    let tree = tmp.path().join("tree");
    affected_tree(&tree, "1.169.5", "2.4.6");
    write_tree(
        &tree,
        &[
            ("web/bun.lockb", "\0binary"),
            (
                "broken/package-lock.json",
                "{\"lockfileVersion\": 3, \"packages\": {",
            ),
        ],
    );

    let output = shieldwall(tmp.path())
        .current_dir(tmp.path())
        .args(["scan", "tree", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report = json(&output);
    assert_eq!(report["schema_version"], 1);
    let findings = report["findings"].as_array().unwrap();
    let find = |name: &str, severity: &str| {
        findings
            .iter()
            .find(|f| f["name"] == name && f["severity"] == severity)
            .unwrap_or_else(|| panic!("no {severity} finding for {name}: {findings:#?}"))
    };
    let router = find("@tanstack/react-router", "critical");
    assert_eq!(router["version"], "1.169.5");
    let kinds: Vec<&str> = router["locations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["kind"].as_str().unwrap())
        .collect();
    assert!(
        kinds.contains(&"lockfile") && kinds.contains(&"installed"),
        "{kinds:?}"
    );
    let lock_loc = router["locations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["kind"] == "lockfile")
        .unwrap();
    assert_eq!(lock_loc["path"], "tree/web/package-lock.json");
    assert_eq!(lock_loc["hash"], "sha512-ZmFrZQ==");
    assert!(lock_loc["line"].as_u64().is_some());

    let mistral = find("mistralai", "critical");
    assert_eq!(mistral["version"], "2.4.6");
    let paths: Vec<&str> = mistral["locations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["path"].as_str().unwrap())
        .collect();
    assert!(paths.contains(&"tree/api/requirements.txt"), "{paths:?}");
    assert!(
        paths
            .iter()
            .any(|p| p.ends_with("mistralai-2.4.6.dist-info/METADATA")),
        "{paths:?}"
    );
    assert!(!mistral["advisories"].as_array().unwrap().is_empty());

    // The declared range admits both bad router versions: a warning each.
    let warnings: Vec<&str> = findings
        .iter()
        .filter(|f| f["severity"] == "warning")
        .map(|f| f["version"].as_str().unwrap())
        .collect();
    assert!(
        warnings.contains(&"1.169.5") && warnings.contains(&"1.169.8"),
        "{warnings:?}"
    );

    let not_covered = report["not_covered"].as_array().unwrap();
    let nc = |path: &str| {
        not_covered
            .iter()
            .find(|n| n["path"] == path)
            .unwrap_or_else(|| panic!("{path} not listed: {not_covered:#?}"))
    };
    assert_eq!(nc("tree/web/bun.lockb")["kind"], "unsupported-format");
    assert_eq!(nc("tree/broken/package-lock.json")["kind"], "malformed");

    let summary = &report["summary"];
    assert!(summary["packages_checked"].as_u64().unwrap() >= 6);
    assert_eq!(summary["files_read"]["npm/package-lock"], 1);
    assert_eq!(summary["not_covered"], 2);
}

#[test]
fn clean_twin_exits_0() {
    let tmp = tempfile::tempdir().unwrap();
    let tree = tmp.path().join("tree");
    affected_tree(&tree, "1.169.4", "2.4.5");
    // Without the range-admits warnings, nothing is found at all.
    write_tree(
        &tree,
        &[(
            "web/package.json",
            r#"{"name": "web", "dependencies": {"@tanstack/react-router": "1.169.4"}}"#,
        )],
    );
    let output = shieldwall(tmp.path())
        .current_dir(tmp.path())
        .args(["scan", "tree"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.contains("no known-bad package versions found"),
        "{stdout}"
    );
    assert!(stdout.contains("0 affected"), "{stdout}");
}

#[test]
fn range_warning_exits_1_only_with_fail_on_warning() {
    let tmp = tempfile::tempdir().unwrap();
    write_tree(
        tmp.path(),
        &[(
            "p/package.json",
            r#"{"dependencies": {"@tanstack/react-router": "^1.169.0"}}"#,
        )],
    );
    let default = shieldwall(tmp.path())
        .current_dir(tmp.path())
        .args(["scan", "p"])
        .output()
        .unwrap();
    assert_eq!(default.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&default.stdout).contains("WARNING"));
    let strict = shieldwall(tmp.path())
        .current_dir(tmp.path())
        .args(["scan", "p", "--fail-on", "warning"])
        .output()
        .unwrap();
    assert_eq!(strict.status.code(), Some(1));
}

#[test]
fn table_output_snapshot() {
    let tmp = tempfile::tempdir().unwrap();
    let tree = tmp.path().join("tree");
    affected_tree(&tree, "1.169.5", "2.4.6");
    let output = shieldwall(tmp.path())
        .current_dir(tmp.path())
        .args(["scan", "tree"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stable = stdout
        .lines()
        .map(|l| {
            if l.starts_with("read ") {
                l.split(" in ").next().unwrap_or(l)
            } else {
                l
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    insta::assert_snapshot!(stable);
}

#[test]
fn every_format_renders() {
    let tmp = tempfile::tempdir().unwrap();
    affected_tree(&tmp.path().join("tree"), "1.169.5", "2.4.6");
    let sarif = shieldwall(tmp.path())
        .current_dir(tmp.path())
        .args(["scan", "tree", "-f", "sarif"])
        .output()
        .unwrap();
    let log = json(&sarif);
    assert_eq!(log["version"], "2.1.0");
    assert!(!log["runs"][0]["results"].as_array().unwrap().is_empty());
    let md = shieldwall(tmp.path())
        .current_dir(tmp.path())
        .args(["scan", "tree", "-f", "markdown"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&md.stdout);
    assert!(text.starts_with("# shieldwall scan report"), "{text}");
    assert!(text.contains("`mistralai`"));
    let out = tmp.path().join("report.json");
    let to_file = shieldwall(tmp.path())
        .current_dir(tmp.path())
        .args(["scan", "tree", "-f", "json", "-o"])
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(to_file.status.code(), Some(1));
    assert!(to_file.stdout.is_empty());
    assert!(String::from_utf8_lossy(&to_file.stderr).contains("affected"));
    let written: serde_json::Value = serde_json::from_slice(&std::fs::read(out).unwrap()).unwrap();
    assert_eq!(written["schema_version"], 1);
}

#[test]
fn missing_path_is_a_usage_error() {
    let tmp = tempfile::tempdir().unwrap();
    let output = shieldwall(tmp.path())
        .current_dir(tmp.path())
        .args(["scan", "does-not-exist"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.starts_with("error: cannot scan `does-not-exist`"),
        "{stderr}"
    );
    assert!(stderr.contains("hint:"), "{stderr}");
}

#[test]
fn bad_flag_is_a_usage_error() {
    let tmp = tempfile::tempdir().unwrap();
    let output = shieldwall(tmp.path())
        .args(["scan", "--format", "xml"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn symlinks_inside_the_tree_are_not_followed_but_listed() {
    let tmp = tempfile::tempdir().unwrap();
    let outside = tmp.path().join("outside");
    affected_tree(&outside, "1.169.5", "2.4.6");
    let tree = tmp.path().join("tree");
    std::fs::create_dir_all(&tree).unwrap();
    std::os::unix::fs::symlink(
        outside.join("web/package-lock.json"),
        tree.join("package-lock.json"),
    )
    .unwrap();
    std::os::unix::fs::symlink(&outside, tree.join("linked-dir")).unwrap();
    let output = shieldwall(tmp.path())
        .current_dir(tmp.path())
        .args(["scan", "tree", "-f", "json"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let report = json(&output);
    assert!(report["findings"].as_array().unwrap().is_empty());
    let nc = &report["not_covered"][0];
    assert_eq!(nc["path"], "tree/package-lock.json");
    assert_eq!(nc["reason"], "symbolic link not followed");
    // A root that is itself a link is walked: it was named on purpose.
    let linked_root = shieldwall(tmp.path())
        .current_dir(tmp.path())
        .args(["scan", "tree/linked-dir"])
        .output()
        .unwrap();
    assert_eq!(linked_root.status.code(), Some(1));
}

#[test]
fn unreadable_directories_are_listed_and_the_scan_goes_on() {
    // A directory whose path is longer than PATH_MAX cannot be opened by
    // anyone, root included; it is built with relative steps.
    let tmp = tempfile::tempdir().unwrap();
    affected_tree(&tmp.path().join("tree"), "1.169.5", "2.4.6");
    let segment = "d".repeat(250);
    let script = format!("cd tree && for i in $(seq 20); do mkdir {segment} && cd {segment}; done");
    assert!(
        std::process::Command::new("bash")
            .arg("-c")
            .arg(&script)
            .current_dir(tmp.path())
            .status()
            .unwrap()
            .success()
    );
    let output = shieldwall(tmp.path())
        .current_dir(tmp.path())
        .args(["scan", "tree", "-f", "json"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let report = json(&output);
    let unreadable: Vec<&serde_json::Value> = report["not_covered"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["kind"] == "unreadable")
        .collect();
    assert_eq!(unreadable.len(), 1, "{report:#}");
    assert!(
        unreadable[0]["path"]
            .as_str()
            .unwrap()
            .starts_with("tree/dddd")
    );
    assert!(
        unreadable[0]["reason"]
            .as_str()
            .unwrap()
            .contains("name too long")
    );
    assert!(!report["findings"].as_array().unwrap().is_empty());
}

#[test]
fn host_sweep_finds_global_installs_and_caches_of_every_user() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("disk");
    write_tree(
        &root,
        &[
            (
                "etc/passwd",
                "root:x:0:0::/root:/bin/sh\nci:x:1001:1001::/srv/ci:/bin/sh\n",
            ),
            (
                "usr/local/lib/node_modules/@tanstack/react-router/package.json",
                r#"{"name": "@tanstack/react-router", "version": "1.169.8"}"#,
            ),
            (
                "srv/ci/.local/lib/python3.12/site-packages/litellm-1.82.8.dist-info/METADATA",
                "Metadata-Version: 2.1\nName: litellm\nVersion: 1.82.8\n\n",
            ),
            (
                "home/dev/.npm/_npx/0a1b/node_modules/left-pad/package.json",
                r#"{"name": "left-pad", "version": "1.3.0"}"#,
            ),
            ("home/dev/projects/app/package-lock.json", "{}"),
        ],
    );
    let output = shieldwall(tmp.path())
        .args(["scan", "--host", "--host-root"])
        .arg(&root)
        .args(["-f", "json"])
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report = json(&output);
    let names: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"@tanstack/react-router") && names.contains(&"litellm"),
        "{names:?}"
    );
    // Only well-known locations are swept, not every project in a home.
    assert!(
        report["summary"]["files_read"]
            .get("npm/package-lock")
            .is_none(),
        "{report:#}"
    );
    assert_eq!(
        report["summary"]["files_read"]["npm/installed-package-json"],
        2
    );
}
