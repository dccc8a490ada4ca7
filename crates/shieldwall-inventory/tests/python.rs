//! Python extractors on the inert fixtures in `tests/fixtures/python`:
//! one JSON snapshot per case directory (every file: its extractor and what
//! it found, or that no extractor classifies it), plus explicit checks of
//! the cases that matter most.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::{Value, json};
use shieldwall_core::{EvidenceKind, PackageRef};
use shieldwall_inventory::{Detected, ExtractError, Extraction, FileInput, classify};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/python")
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .expect("fixture dir")
        .map(|e| e.expect("dir entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            walk(&path, out);
        } else {
            out.push(path);
        }
    }
}

/// The fixture-relative path, with `/` separators.
fn shown(path: &Path) -> String {
    let rel = path.strip_prefix(root()).expect("under fixtures");
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}

fn run(path: &Path) -> Option<(&'static str, Result<Extraction, ExtractError>)> {
    let Some(Detected::Extract(extractor)) = classify(path) else {
        return None;
    };
    let bytes = std::fs::read(path).expect("fixture bytes");
    let display: Arc<str> = shown(path).into();
    let input = FileInput {
        path,
        display: &display,
        bytes: &bytes,
    };
    Some((extractor.id(), extractor.extract(&input)))
}

/// Classifies and extracts one fixture, which must be classified and read.
fn extract(rel: &str) -> Extraction {
    let path = root().join(rel);
    match run(&path) {
        Some((_, Ok(found))) => found,
        Some((id, Err(err))) => panic!("{rel}: {id} failed: {err}"),
        None => panic!("{rel} is not classified"),
    }
}

fn package_json(p: &PackageRef) -> Value {
    let mut row = json!({
        "name": p.name,
        "version": p.version,
        "kind": p.location.kind.as_str(),
        "path": &*p.location.path,
    });
    if let Some(line) = p.location.line {
        row["line"] = json!(line);
    }
    if let Some(hash) = &p.location.hash {
        row["hash"] = json!(hash);
    }
    if let Some(note) = &p.location.note {
        row["note"] = json!(note);
    }
    row
}

fn case_json(case: &Path) -> Value {
    let mut files = Vec::new();
    walk(case, &mut files);
    let mut rows = Vec::new();
    for file in files {
        let name = shown(&file);
        let row = match classify(&file) {
            None => json!({ "file": name, "classified": false }),
            Some(Detected::NotCovered(why)) => json!({ "file": name, "not_covered": why }),
            Some(Detected::Image) => json!({ "file": name, "image": true }),
            Some(Detected::Extract(_)) => {
                let (id, result) = run(&file).expect("classified");
                match result {
                    Ok(found) => json!({
                        "file": name,
                        "extractor": id,
                        "packages": found.packages.iter().map(package_json).collect::<Vec<_>>(),
                        "problems": found
                            .problems
                            .iter()
                            .map(|p| json!({ "line": p.line, "message": p.message }))
                            .collect::<Vec<_>>(),
                    }),
                    Err(err) => json!({ "file": name, "extractor": id, "error": err.to_string() }),
                }
            }
        };
        rows.push(row);
    }
    Value::Array(rows)
}

fn cases() -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(root()).expect("fixtures") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            out.push(path);
        }
    }
    out.sort();
    out
}

#[test]
fn snapshots_of_every_fixture_case() {
    let cases = cases();
    assert!(cases.len() > 20, "fixture cases missing");
    for case in cases {
        let name = case
            .file_name()
            .and_then(|n| n.to_str())
            .expect("case name")
            .to_owned();
        insta::assert_json_snapshot!(name.clone(), case_json(&case));
    }
}

fn find<'a>(found: &'a Extraction, name: &str, version: &str) -> Vec<&'a PackageRef> {
    found
        .packages
        .iter()
        .filter(|p| p.name == name && p.version == version)
        .collect()
}

fn one<'a>(found: &'a Extraction, name: &str, version: &str) -> &'a PackageRef {
    let hits = find(found, name, version);
    assert_eq!(hits.len(), 1, "{name} {version} in {:#?}", found.packages);
    hits[0]
}

#[test]
fn requirement_pins_with_case_extras_and_markers() {
    let found = extract("req-grammar/requirements.txt");
    let pin = one(&found, "LiteLLM", "1.82.8");
    assert_eq!(pin.location.kind, EvidenceKind::ManifestPin);
    assert_eq!(pin.location.line, Some(7));
    let marked: Vec<_> = find(&found, "litellm", "1.82.8");
    assert!(
        marked
            .iter()
            .all(|p| p.location.kind == EvidenceKind::ManifestPin)
    );
    assert!(
        marked.iter().any(|p| p.location.line == Some(10)
            && p.location.note.as_deref() == Some("marker python_version < \"3.13\"")),
        "{marked:#?}"
    );
    assert_eq!(one(&found, "Lite_LLM", "1.82.8").location.line, Some(8));
    assert_eq!(
        one(&found, "celery", "4.4.7").location.kind,
        EvidenceKind::ManifestPin
    );
    assert_eq!(
        one(&found, "mistralai", "2.4.6").location.kind,
        EvidenceKind::ManifestPin
    );
    for range in [">=1.82.7, <1.83", "==1.82.*"] {
        assert_eq!(
            one(&found, "litellm", range).location.kind,
            EvidenceKind::ManifestRange
        );
    }
    assert_eq!(
        one(&found, "requests", "").location.kind,
        EvidenceKind::ManifestRange
    );
    assert_eq!(
        one(&found, "foo", "1.0").location.note.as_deref(),
        Some("url source")
    );
    assert_eq!(
        one(&found, "qux", "3.1").location.kind,
        EvidenceKind::ManifestPin
    );
    let editable = one(&found, "editable-thing", "");
    assert_eq!(
        editable.location.note.as_deref(),
        Some("editable, git source dddddddddddddddddddddddddddddddddddddddd")
    );
    assert_eq!(found.problems.len(), 1, "{:#?}", found.problems);
    assert_eq!(found.problems[0].line, Some(30));
}

#[test]
fn pip_compile_hashes_and_continuations() {
    let found = extract("req-pip-compile/requirements.txt");
    let litellm = one(&found, "litellm", "1.82.8");
    assert_eq!(litellm.location.line, Some(9));
    assert_eq!(
        litellm.location.hash.as_deref(),
        Some("sha256:1111111111111111111111111111111111111111111111111111111111111111")
    );
    assert_eq!(found.packages.len(), 3);
    assert!(found.problems.is_empty());
}

#[test]
fn requirement_file_names_are_classified() {
    let dir = root().join("req-names");
    for name in [
        "requirements_dev.txt",
        "dev-requirements.txt",
        "requirements/prod.txt",
        "requirements.lock",
        "requirements.in",
        "constraints.txt",
        "requirements-test.txt",
    ] {
        match classify(&dir.join(name)) {
            Some(Detected::Extract(e)) => assert_eq!(e.id(), "python/requirements", "{name}"),
            other => panic!("{name}: {other:?}"),
        }
    }
    assert!(classify(&dir.join("notes.txt")).is_none());
    assert!(classify(Path::new("app/base.txt")).is_none());
    let prod = extract("req-names/requirements/prod.txt");
    assert_eq!(one(&prod, "lightning", "2.6.3").location.line, Some(1));
}

#[test]
fn includes_are_followed_and_located_in_the_included_file() {
    let found = extract("req-includes/app/requirements.txt");
    let base = one(&found, "litellm", "1.82.8");
    assert_eq!(&*base.location.path, "req-includes/app/base.txt");
    assert_eq!(base.location.line, Some(2));
    let nested = one(&found, "xinference", "2.6.1");
    assert_eq!(&*nested.location.path, "req-includes/app/nested/deeper.txt");
    let eq_form = one(&found, "lightning", "2.6.2");
    assert_eq!(&*eq_form.location.path, "req-includes/app/extra.txt");
    let parent = one(&found, "mistralai", "2.4.6");
    assert_eq!(&*parent.location.path, "req-includes/common/req.txt");
    let constraint = one(&found, "urllib3", "2.2.1");
    assert_eq!(constraint.location.note.as_deref(), Some("constraint"));
    assert_eq!(
        &*one(&found, "flask", "3.0.3").location.path,
        "req-includes/app/requirements.txt"
    );
    let messages: Vec<_> = found.problems.iter().map(|p| p.message.as_str()).collect();
    assert!(
        messages
            .iter()
            .any(|m| m.contains("req-includes/app/missing.txt") && m.contains("not found")),
        "{messages:?}"
    );
    assert!(messages.iter().any(|m| m.contains("remote include")));
}

#[test]
fn include_cycle_terminates() {
    let found = extract("req-cycle/requirements.txt");
    assert_eq!(found.packages.len(), 2, "{:#?}", found.packages);
    assert_eq!(
        &*one(&found, "mistralai", "2.4.6").location.path,
        "req-cycle/other.txt"
    );
    assert!(found.problems.is_empty());
}

#[test]
fn utf16_and_bom_requirements() {
    for case in ["req-utf16le", "req-utf16be", "req-utf8bom"] {
        let found = extract(&format!("{case}/requirements.txt"));
        assert_eq!(
            one(&found, "litellm", "1.82.8").location.line,
            Some(1),
            "{case}"
        );
        assert_eq!(
            one(&found, "mistralai", "2.4.6").location.line,
            Some(3),
            "{case}"
        );
    }
}

#[test]
fn clean_twin_is_reported_as_itself() {
    let found = extract("req-clean/requirements.txt");
    assert_eq!(
        one(&found, "litellm", "1.82.6").location.kind,
        EvidenceKind::ManifestPin
    );
    assert!(find(&found, "litellm", "1.82.8").is_empty());
    let installed =
        extract("installed/win/venv/Lib/site-packages/litellm-1.82.6.dist-info/METADATA");
    assert_eq!(
        one(&installed, "litellm", "1.82.6").location.kind,
        EvidenceKind::Installed
    );
}

#[test]
fn uv_fork_reports_both_versions_and_skips_the_project() {
    let found = extract("uv-lock/uv.lock");
    assert_eq!(
        one(&found, "litellm", "1.82.6").location.kind,
        EvidenceKind::Lockfile
    );
    let bad = one(&found, "litellm", "1.82.8");
    assert_eq!(bad.location.line, Some(40));
    assert!(
        found
            .packages
            .iter()
            .all(|p| p.name != "app" && p.name != "member")
    );
}

#[test]
fn pylock_version_from_wheel_name() {
    let found = extract("pylock/pylock.toml");
    let litellm = one(&found, "litellm", "1.82.8");
    assert_eq!(
        litellm.location.note.as_deref(),
        Some("version from wheel file name")
    );
    one(&found, "lightning", "2.6.3");
    one(&found, "xinference", "2.6.0");
    assert!(found.packages.iter().all(|p| p.name != "app"));
    match classify(&root().join("pylock-named/pylock.dev.toml")) {
        Some(Detected::Extract(e)) => assert_eq!(e.id(), "python/pylock"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn dist_info_identity_comes_from_metadata() {
    let sp = "installed/venv/lib/python3.12/site-packages";
    let yaml = extract(&format!("{sp}/PyYAML-6.0.1.dist-info/METADATA"));
    let p = one(&yaml, "PyYAML", "6.0.1");
    assert_eq!(p.location.kind, EvidenceKind::Installed);
    let litellm = extract(&format!("{sp}/litellm-1.82.8.dist-info/METADATA"));
    assert_eq!(
        one(&litellm, "litellm", "1.82.8").location.note.as_deref(),
        Some("ships .pth startup hook litellm_init.pth, installer uv")
    );
    let legacy = extract(&format!("{sp}/lightning-2.6.2-py3.8.egg-info"));
    one(&legacy, "lightning", "2.6.2");
}

#[test]
fn lockfile_pins() {
    let poetry = extract("poetry-v1/poetry.lock");
    assert_eq!(
        one(&poetry, "litellm", "1.82.8").location.hash.as_deref(),
        Some("sha256:1111111111111111111111111111111111111111111111111111111111111111")
    );
    assert_eq!(
        one(&poetry, "pytest", "8.2.0").location.note.as_deref(),
        Some("dev")
    );
    let poetry2 = extract("poetry-v2/poetry.lock");
    one(&poetry2, "litellm", "1.82.8");
    let pipfile = extract("pipfile-lock/Pipfile.lock");
    assert_eq!(one(&pipfile, "litellm", "1.82.8").location.line, Some(9));
    assert_eq!(
        one(&pipfile, "litellm", "1.82.6").location.note.as_deref(),
        Some("dev")
    );
    let pdm = extract("pdm-lock/pdm.lock");
    one(&pdm, "litellm", "1.82.8");
}

#[test]
fn declared_manifest_pins_and_ranges() {
    let poetry = extract("pyproject-poetry/pyproject.toml");
    assert_eq!(
        one(&poetry, "mistralai", "2.4.6").location.kind,
        EvidenceKind::ManifestPin
    );
    assert_eq!(
        one(&poetry, "litellm", ">=1.82, <2").location.kind,
        EvidenceKind::ManifestRange
    );
    let pep621 = extract("pyproject-pep621/pyproject.toml");
    assert_eq!(
        one(&pep621, "litellm", "1.82.8").location.kind,
        EvidenceKind::ManifestPin
    );
    let cfg = extract("setup-cfg/setup.cfg");
    assert_eq!(one(&cfg, "litellm", "1.82.8").location.line, Some(9));
    let pipfile = extract("pipfile/Pipfile");
    assert_eq!(
        one(&pipfile, "mistralai", "2.4.6").location.kind,
        EvidenceKind::ManifestPin
    );
    let conda = extract("conda/environment.yml");
    assert_eq!(one(&conda, "litellm", "1.82.8").location.line, Some(10));
    assert_eq!(
        &*one(&conda, "lightning", "2.6.2").location.path,
        "conda/requirements-pip.txt"
    );
}

#[test]
fn malformed_inputs_fail_cleanly() {
    let dir = root().join("malformed");
    let mut files = Vec::new();
    walk(&dir, &mut files);
    for file in files {
        let Some((id, result)) = run(&file) else {
            panic!("{} is not classified", file.display());
        };
        if let Err(err) = &result {
            let text = err.to_string();
            assert!(text.starts_with("malformed/"), "{text}");
        }
        if let Ok(found) = &result {
            assert!(found.packages.is_empty(), "{id}: {:#?}", found.packages);
        }
    }
    let err = run(&dir.join("broken-toml/poetry.lock"))
        .expect("classified")
        .1;
    assert!(
        matches!(err, Err(ExtractError::Malformed { line: Some(_), .. })),
        "{err:?}"
    );
    let err = run(&dir.join("binary/uv.lock")).expect("classified").1;
    assert!(
        matches!(err, Err(ExtractError::Malformed { .. })),
        "{err:?}"
    );
    let err = run(&dir.join("truncated/site-packages/litellm-1.82.8.dist-info/METADATA"))
        .expect("classified")
        .1;
    assert!(
        matches!(err, Err(ExtractError::Malformed { .. })),
        "{err:?}"
    );
}

#[test]
fn unknown_lock_versions_are_unsupported() {
    for rel in [
        "poetry-future/poetry.lock",
        "uv-future/uv.lock",
        "pylock-future/pylock.toml",
    ] {
        let result = run(&root().join(rel)).expect("classified").1;
        assert!(
            matches!(result, Err(ExtractError::Unsupported { .. })),
            "{rel}: {result:?}"
        );
    }
}

#[test]
fn arbitrary_bytes_never_panic() {
    let mut seed: u64 = 0x5eed;
    let names = [
        "requirements.txt",
        "poetry.lock",
        "Pipfile.lock",
        "uv.lock",
        "pdm.lock",
        "pylock.toml",
        "pyproject.toml",
        "setup.cfg",
        "Pipfile",
        "environment.yml",
        "x.dist-info/METADATA",
    ];
    let display: Arc<str> = "fuzz".into();
    for round in 0..200 {
        let len = (round * 7) % 300;
        let bytes: Vec<u8> = (0..len)
            .map(|_| {
                seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
                let b = (seed >> 33) as u8;
                // Mostly printable ASCII with structure characters.
                if round % 2 == 0 {
                    b" =[]{}\"'\n-#:\\,.1a"[usize::from(b) % 17]
                } else {
                    b
                }
            })
            .collect();
        for name in names {
            let path = Path::new("/nonexistent-fuzz-dir").join(name);
            let Some(Detected::Extract(e)) = classify(&path) else {
                panic!("{name} not classified");
            };
            let input = FileInput {
                path: &path,
                display: &display,
                bytes: &bytes,
            };
            let _ = e.extract(&input);
        }
    }
}
