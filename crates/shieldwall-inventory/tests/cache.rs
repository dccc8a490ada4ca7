//! Cache extractors on inert fixtures (`tests/fixtures/cache/<case>/`,
//! one JSON snapshot per case) and on wheel and sdist bodies built here in
//! memory, plus a walk over a temporary tree: "was it ever downloaded
//! here?"

mod support;

use std::io::{Cursor, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use shieldwall_core::{Ecosystem, EvidenceKind};
use shieldwall_inventory::{WalkEvent, WalkOptions, cache_root, walk};
use support::{FileResult, case, cases, find, refs, run};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/cache")
}

const T: &str = "@tanstack/react-router";

const LITELLM_METADATA: &str =
    "Metadata-Version: 2.1\nName: litellm\nVersion: 1.82.8\nSummary: inert fixture\n\n";

/// A zip holding `members` (name, contents).
fn zip_of(members: &[(&str, &str)]) -> Vec<u8> {
    let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, contents) in members {
        writer
            .start_file(*name, zip::write::SimpleFileOptions::default())
            .expect("start zip member");
        writer.write_all(contents.as_bytes()).expect("write member");
    }
    writer.finish().expect("finish zip").into_inner()
}

/// A `.tar.gz` holding `members` (name, contents).
fn tar_gz_of(members: &[(&str, &str)]) -> Vec<u8> {
    let encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    let mut builder = tar::Builder::new(encoder);
    for (name, contents) in members {
        let mut header = tar::Header::new_gnu();
        header.set_size(contents.len() as u64);
        header.set_mode(0o644);
        builder
            .append_data(&mut header, name, contents.as_bytes())
            .expect("append tar member");
    }
    builder
        .into_inner()
        .expect("finish tar")
        .finish()
        .expect("finish gzip")
}

fn wheel() -> Vec<u8> {
    zip_of(&[
        ("litellm/__init__.py", "# inert\n"),
        ("litellm-1.82.8.dist-info/METADATA", LITELLM_METADATA),
        ("litellm-1.82.8.dist-info/RECORD", ""),
    ])
}

fn sdist() -> Vec<u8> {
    tar_gz_of(&[
        ("litellm-1.82.7/setup.py", "# inert\n"),
        (
            "litellm-1.82.7/litellm.egg-info/PKG-INFO",
            "Metadata-Version: 2.1\nName: wrong\nVersion: 0\n",
        ),
        (
            "litellm-1.82.7/PKG-INFO",
            "Metadata-Version: 2.1\nName: litellm\nVersion: 1.82.7\n\n",
        ),
    ])
}

const BODY_DIR: &str = "pip/.cache/pip/http-v2/f/0/0/d/1";

/// The archives built in memory, at cache paths.
fn generated() -> Vec<FileResult> {
    let r = root();
    let mut truncated = wheel();
    truncated.truncate(40);
    vec![
        run(&r, &format!("{BODY_DIR}/wheel0123.body"), &wheel()),
        run(&r, &format!("{BODY_DIR}/sdist0123.body"), &sdist()),
        run(
            &r,
            &format!("{BODY_DIR}/sdistzip0123.body"),
            &zip_of(&[(
                "litellm-1.82.6/PKG-INFO",
                "Metadata-Version: 2.1\nName: litellm\nVersion: 1.82.6\n",
            )]),
        ),
        run(&r, &format!("{BODY_DIR}/truncated0123.body"), &truncated),
        run(
            &r,
            &format!("{BODY_DIR}/other0123.body"),
            &zip_of(&[("readme.txt", "not a python package\n")]),
        ),
        run(
            &r,
            "pip/.cache/pip/wheels/1a/2b/3c/4d5e/litellm-1.82.8-py3-none-any.whl",
            &wheel(),
        ),
        run(
            &r,
            "pip/AppData/Local/pip/Cache/wheels/1a/2b/litellm-1.82.8-py3-none-any.whl",
            &wheel(),
        ),
    ]
}

#[test]
fn snapshots_of_every_case() {
    let names = cases(&root());
    assert!(names.len() >= 6, "fixtures missing: {names:?}");
    for name in names {
        insta::assert_json_snapshot!(name.clone(), case(&root(), &name));
    }
    insta::assert_json_snapshot!("generated-archives", generated());
}

#[test]
fn npm_cacache_index() {
    let results = case(&root(), "npm-cacache");
    let found = refs(&results);
    let router = find(&found, T, "1.169.5");
    assert_eq!(router.location.kind, EvidenceKind::Cache);
    assert_eq!(router.location.line, Some(2));
    assert_eq!(
        router.location.hash.as_deref(),
        Some("sha512-ZmFrZS1pbnRlZ3JpdHktZm9yLWEtdGVzdC1maXh0dXJlLW9ubHk=")
    );
    assert_eq!(
        router.location.note.as_deref(),
        Some("npm cache, fetched 2025-09-08T13:30:00Z")
    );
    assert_eq!(
        found.iter().filter(|r| r.name == T).count(),
        1,
        "the packument key and the repeated entry add nothing: {found:#?}"
    );
    let removed = find(&found, "left-pad", "1.3.0");
    assert!(removed.location.hash.is_none());
    assert!(
        removed
            .location
            .note
            .as_deref()
            .is_some_and(|n| n.contains("removed"))
    );
    let problems: Vec<&String> = results.iter().flat_map(|r| &r.problems).collect();
    assert!(
        problems
            .iter()
            .any(|p| p.starts_with("line 4: ") && p.contains("no tab")),
        "{problems:?}"
    );
    assert!(
        problems
            .iter()
            .any(|p| p.starts_with("line 5: ") && p.contains("not valid json"))
    );
    assert!(
        problems
            .iter()
            .any(|p| p.contains("`other-name-1.0.0.tgz`"))
    );
    assert_eq!(problems.len(), 3, "{problems:?}");
    assert!(
        results
            .iter()
            .any(|r| r.path.contains("content-v2") && r.detected == "unclassified"),
        "content files are not read"
    );
}

#[test]
fn pnpm_store_index_files() {
    let results = case(&root(), "pnpm-store");
    let found = refs(&results);
    let v3 = find(&found, T, "1.169.5");
    assert!(
        v3.location
            .hash
            .as_deref()
            .is_some_and(|h| h.starts_with("sha512-"))
    );
    assert_eq!(v3.location.note.as_deref(), Some("pnpm store"));
    let from_name = find(&found, T, "1.169.4");
    assert_eq!(
        from_name.location.note.as_deref(),
        Some("pnpm store, identity from index file name")
    );
    assert_eq!(
        find(&found, "left-pad", "1.3.0").location.kind,
        EvidenceKind::Cache
    );
    assert!(
        results.iter().any(|r| r
            .problems
            .iter()
            .any(|p| p.contains("no package name and version"))),
        "an index file without identity is a problem, not a guess"
    );
}

#[test]
fn pip_http_v2_wheel_body() {
    let results = generated();
    let wheel = &results[0];
    assert_eq!(wheel.detected, "cache/pip-http");
    let found = refs(std::slice::from_ref(wheel));
    let litellm = find(&found, "litellm", "1.82.8");
    assert_eq!(litellm.ecosystem, Ecosystem::PyPI);
    assert_eq!(litellm.location.kind, EvidenceKind::Cache);
    assert_eq!(litellm.location.note.as_deref(), Some("pip cache"));
    let found = refs(&results);
    assert!(
        found.iter().any(|r| r.version == "1.82.7"),
        "tar.gz sdist body"
    );
    assert!(
        found.iter().any(|r| r.version == "1.82.6"),
        "zip sdist body"
    );
    assert!(results[3].error.is_some(), "truncated zip");
    assert!(results[4].error.is_some(), "zip without metadata");
    assert_eq!(results[5].detected, "cache/pip-wheel");
    assert_eq!(results[6].detected, "cache/pip-wheel");
    let fixtures = case(&root(), "pip");
    let metadata_only = refs(&fixtures);
    assert_eq!(metadata_only.len(), 1, "{metadata_only:#?}");
    assert_eq!(
        metadata_only[0].location.note.as_deref(),
        Some("pip cache, metadata only")
    );
    assert!(
        fixtures
            .iter()
            .any(|r| r.detected.starts_with("not covered"))
    );
}

#[test]
fn uv_npx_and_bun_caches() {
    let uv = case(&root(), "uv");
    let litellm = find(&refs(&uv), "litellm", "1.82.8");
    assert_eq!(uv[0].detected, "python/installed");
    assert_eq!(litellm.location.kind, EvidenceKind::Cache);
    assert_eq!(litellm.location.note.as_deref(), Some("uv cache"));

    let npx = case(&root(), "npx");
    let found = refs(&npx);
    let installed = found
        .iter()
        .find(|r| r.location.kind == EvidenceKind::Cache)
        .expect("npx package as cache");
    assert_eq!(
        (installed.name.as_str(), installed.version.as_str()),
        (T, "1.169.5")
    );
    assert_eq!(installed.location.note.as_deref(), Some("npx cache"));

    let bun = case(&root(), "bun");
    let found = refs(&bun);
    assert_eq!(
        found.len(),
        2,
        "entry roots only, not their dependencies: {found:#?}"
    );
    let router = find(&found, T, "1.169.5");
    assert_eq!(router.location.kind, EvidenceKind::Cache);
    assert_eq!(router.location.note.as_deref(), Some("bun cache"));
    assert!(
        bun.iter()
            .any(|r| r.path.ends_with("dist/package.json") && r.detected == "unclassified")
    );
}

#[test]
fn walker_marks_cache_paths() {
    let dir = tempfile::tempdir().expect("temp dir");
    let base = dir.path();
    let write = |rel: &str, bytes: &[u8]| {
        let path = base.join(rel);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, bytes).expect("write");
    };
    write(
        ".npm/_npx/0a1b2c3d/node_modules/@tanstack/react-router/package.json",
        br#"{"name": "@tanstack/react-router", "version": "1.169.5"}"#,
    );
    write(
        "app/node_modules/left-pad/package.json",
        br#"{"name": "left-pad", "version": "1.3.0"}"#,
    );
    write(
        ".cache/uv/archive-v0/abc/litellm-1.82.8.dist-info/METADATA",
        LITELLM_METADATA.as_bytes(),
    );
    write(".cache/pip/http-v2/a/b/c/d/e/0123.body", &wheel());
    let found = Mutex::new(Vec::new());
    walk(&[base.to_path_buf()], &WalkOptions::default(), &|event| {
        if let WalkEvent::Extracted { extraction, .. } = event {
            found.lock().expect("lock").extend(extraction.packages);
        }
    })
    .expect("walk");
    let found = found.into_inner().expect("lock");
    let kind_note = |name: &str| {
        let p = found
            .iter()
            .find(|p| p.name == name)
            .unwrap_or_else(|| panic!("{name} not found in {found:#?}"));
        (p.location.kind, p.location.note.clone())
    };
    assert_eq!(
        kind_note(T),
        (EvidenceKind::Cache, Some("npx cache".to_owned()))
    );
    assert_eq!(kind_note("left-pad"), (EvidenceKind::Installed, None));
    assert_eq!(found.iter().filter(|p| p.name == "litellm").count(), 2);
    assert!(
        found
            .iter()
            .filter(|p| p.name == "litellm")
            .all(|p| p.location.kind == EvidenceKind::Cache)
    );
}

#[test]
fn cache_root_markers() {
    assert_eq!(
        cache_root("/home/u/.npm/_npx/ab/node_modules/x/package.json"),
        Some("npx cache")
    );
    assert_eq!(
        cache_root(r"C:\Users\u\AppData\Local\npm-cache\_npx\ab\node_modules\x\package.json"),
        Some("npx cache")
    );
    assert_eq!(
        cache_root("/home/u/.cache/pypoetry/artifacts/1a/x.whl"),
        Some("poetry cache")
    );
    assert_eq!(
        cache_root("/home/u/project/node_modules/x/package.json"),
        None
    );
}

/// Every cache and SBOM extractor survives junk, truncated archives and
/// deep nesting without panicking.
#[test]
fn cache_and_sbom_extractors_survive_junk() {
    let mut inputs: Vec<Vec<u8>> = vec![
        Vec::new(),
        b"PK\x03\x04".to_vec(),
        vec![0x1f, 0x8b, 0x08, 0, 0, 0],
        vec![0xff; 64],
        b"[".repeat(100_000),
        b"{\"components\":[".repeat(20_000),
        b"\n\t\n\t{}\n".to_vec(),
        b"Metadata-Version: 2.1\n".to_vec(),
    ];
    for whole in [wheel(), sdist()] {
        for cut in (0..whole.len()).step_by(37) {
            inputs.push(whole[..cut].to_vec());
        }
    }
    let paths = [
        ".npm/_cacache/index-v5/ab/cd/0123456789abcdef0123456789abcdef0123",
        "store/v3/files/ab/0123456789abcdef0123456789abcdef0123-index.json",
        "store/v10/index/ab/0123456789abcdef0123456789abcdef0123-@a+b@1.0.0.mpk",
        ".cache/pip/http-v2/a/b/c/d/e/0123.body",
        ".cache/pip/wheels/a/b/x-1.0-py3-none-any.whl",
        ".bun/install/cache/x@1.0.0@@@1/package.json",
        "bom.json",
        "release-sbom.json",
    ];
    for rel in paths {
        for bytes in &inputs {
            let result = run(&root(), rel, bytes);
            assert_ne!(result.detected, "unclassified", "{rel}");
            if let Some(error) = result.error {
                assert!(!error.is_empty());
            }
        }
    }
}
