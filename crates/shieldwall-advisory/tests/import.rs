//! Importing OSV fixtures (a directory, an `all.zip`, JSON Lines, a JSON
//! file) and matching against the stored result.

use std::io::Write;
use std::path::{Path, PathBuf};

use shieldwall_advisory::{
    AdvisoryDb, AdvisoryError, EVERY_VERSION, ImportReport, SHAI_HULUD_DETECT, import,
};
use shieldwall_core::{Ecosystem, Requirement};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn import_into(path: &Path) -> (tempfile::TempDir, ImportReport, AdvisoryDb) {
    let store = tempfile::tempdir().unwrap();
    let report = import(path, store.path()).unwrap();
    let db = AdvisoryDb::open(store.path()).unwrap();
    (store, report, db)
}

/// Ids of the imported (non built-in) advisories affecting a version.
fn hits(db: &AdvisoryDb, eco: Ecosystem, name: &str, version: &str) -> Vec<String> {
    db.affecting(eco, name, version)
        .into_iter()
        .filter(|a| a.source != SHAI_HULUD_DETECT && !a.id.starts_with("SHIELDWALL-"))
        .map(|a| a.id.clone())
        .collect()
}

#[test]
fn directory_import_report() {
    let (_store, report, _db) = import_into(&fixtures().join("osv"));
    assert_eq!(report.advisories, 8);
    assert_eq!(report.skipped_empty_id, 1);
    assert_eq!(report.withdrawn, 1);
    assert_eq!(report.malicious, 5);
    assert_eq!(report.files, 10);
    assert!(!report.replaced);
    assert_eq!(
        report.snapshot.as_deref(),
        Some("2026-05-25T00:00:00Z"),
        "newest modified"
    );
    let unknown: Vec<_> = report
        .unknown_ecosystems
        .iter()
        .map(|(k, v)| (k.as_str(), *v))
        .collect();
    assert_eq!(
        unknown,
        [
            ("Echo", 1),
            ("GitHub Actions", 1),
            ("Root:PyPI", 1),
            ("crates.io", 1)
        ]
    );
    let invalid: Vec<_> = report
        .invalid_versions
        .iter()
        .map(|i| {
            (
                i.advisory.as_str(),
                i.package.as_str(),
                i.field.as_str(),
                i.version.as_str(),
            )
        })
        .collect();
    assert_eq!(
        invalid,
        [
            (
                "GHSA-git0-befo-re00",
                "bad-range-fixture",
                "fixed",
                "not a version"
            ),
            (
                "PYSEC-2026-9100",
                "Scrapy",
                "versions",
                "langchain-openai==0.1.25"
            ),
        ]
    );
    assert_eq!(report.file_errors.len(), 1);
    let error = &report.file_errors[0];
    assert!(error.file.ends_with("nested/broken.json"), "{}", error.file);
    assert!(
        error.message.contains("is not a valid OSV record"),
        "{}",
        error.message
    );
}

#[test]
fn matching_cases() {
    let (_store, _report, db) = import_into(&fixtures().join("osv"));
    let cases: &[(Ecosystem, &str, &str, &[&str])] = &[
        // unsorted versions
        (
            Ecosystem::Npm,
            "@tanstack/react-router",
            "1.169.5",
            &["MAL-2026-3465"],
        ),
        (
            Ecosystem::Npm,
            "@tanstack/react-router",
            "1.169.8",
            &["MAL-2026-3465"],
        ),
        // a version only one origin claimed is not trusted
        (Ecosystem::Npm, "@tanstack/react-router", "0.10.1", &[]),
        // PEP 440 spellings of the same version, non-normalized names
        (Ecosystem::PyPI, "scrapy", "2.6.0", &["PYSEC-2026-9100"]),
        (Ecosystem::PyPI, "Scrapy", "2.6", &["PYSEC-2026-9100"]),
        (Ecosystem::PyPI, "scrapy", "1.0.0rc1", &["PYSEC-2026-9100"]),
        (Ecosystem::PyPI, "scrapy", "1.0.0-rc1", &["PYSEC-2026-9100"]),
        (Ecosystem::PyPI, "scrapy", "2.6.1", &[]),
        (Ecosystem::PyPI, "scrapy", "2.11", &["PYSEC-2026-9100"]),
        (Ecosystem::PyPI, "litellm", "1!2.0.0", &["PYSEC-2026-9100"]),
        (Ecosystem::PyPI, "lite_llm", "1!2.0.0", &[]),
        (Ecosystem::PyPI, "litellm", "2.0", &[]),
        // a non-version string never matches anything
        (Ecosystem::PyPI, "scrapy", "langchain-openai==0.1.25", &[]),
        // introduced "0" with no bound: every version, any spelling
        (
            Ecosystem::Npm,
            "reakt-dom-fixture",
            "0.0.1",
            &["MAL-2026-9001"],
        ),
        (
            Ecosystem::Npm,
            "reakt-dom-fixture",
            "99.1.0",
            &["MAL-2026-9001"],
        ),
        (
            Ecosystem::Npm,
            "reakt-dom-fixture",
            "1.0.0-beta.1",
            &["MAL-2026-9001"],
        ),
        (
            Ecosystem::Npm,
            "reakt-dom-fixture",
            "latest",
            &["MAL-2026-9001"],
        ),
        // limit
        (
            Ecosystem::Npm,
            "limit-fixture",
            "1.9.9",
            &["GHSA-lim1-t000-fix1"],
        ),
        (Ecosystem::Npm, "limit-fixture", "2.0.0", &[]),
        // unsorted events with prereleases
        (
            Ecosystem::Npm,
            "limit-fixture",
            "3.0.0-beta.11",
            &["GHSA-lim1-t000-fix1"],
        ),
        (Ecosystem::Npm, "limit-fixture", "3.0.0-beta.1", &[]),
        (Ecosystem::Npm, "limit-fixture", "3.0.0", &[]),
        // GIT range before the ECOSYSTEM range
        (
            Ecosystem::PyPI,
            "git-range-fixture",
            "3.1",
            &["GHSA-git0-befo-re00"],
        ),
        (Ecosystem::PyPI, "git-range-fixture", "3.2", &[]),
        (Ecosystem::PyPI, "git-range-fixture", "2.9", &[]),
        // last_affected is inclusive
        (
            Ecosystem::PyPI,
            "last-affected-fixture",
            "1.4",
            &["GHSA-git0-befo-re00"],
        ),
        (
            Ecosystem::PyPI,
            "last-affected-fixture",
            "1.4.0",
            &["GHSA-git0-befo-re00"],
        ),
        (Ecosystem::PyPI, "last-affected-fixture", "1.4.1", &[]),
        (Ecosystem::PyPI, "last-affected-fixture", "0.9", &[]),
        // a range with an unparsable event is left out, not widened
        (Ecosystem::PyPI, "bad-range-fixture", "1.0", &[]),
        // withdrawn never matches
        (Ecosystem::Npm, "withdrawn-fixture", "1.0.0", &[]),
        // multi-ecosystem record: the matchable entries only
        (
            Ecosystem::Npm,
            "trap-core-fixture",
            "5.0.0",
            &["MAL-2026-7777"],
        ),
        (
            Ecosystem::PyPI,
            "trap-core-fixture",
            "0.1.0",
            &["MAL-2026-7777"],
        ),
        (Ecosystem::PyPI, "trap-core-fixture", "0.1.1", &[]),
        (Ecosystem::PyPI, "root-trap-core-fixture", "0.1.0", &[]),
        // found by the recursive walk
        (Ecosystem::Npm, "deep-fixture", "0.0.1", &["MAL-2026-5555"]),
        // the empty-id record was skipped (the built-in feed still has litellm)
        (Ecosystem::PyPI, "litellm", "1.82.7", &[]),
    ];
    for (eco, name, version, want) in cases {
        assert_eq!(
            hits(&db, *eco, name, version),
            *want,
            "{eco} {name} {version}"
        );
    }
    // the empty-id record did not hide the built-in feed
    assert!(
        !db.affecting(Ecosystem::PyPI, "litellm", "1.82.7")
            .is_empty()
    );
}

#[test]
fn stored_records_keep_their_fields() {
    let (_store, report, db) = import_into(&fixtures().join("osv"));
    let found = db.affecting(Ecosystem::Npm, "@tanstack/react-router", "1.169.5");
    let tanstack = found
        .iter()
        .find(|a| a.id == "MAL-2026-3465")
        .expect("fixture record");
    assert!(tanstack.malicious);
    assert_eq!(tanstack.source, report.source);
    assert_eq!(tanstack.aliases, ["GHSA-fx7t-fixt-ure1"]);
    assert_eq!(tanstack.published.as_deref(), Some("2026-05-11T21:00:00Z"));
    assert_eq!(tanstack.iocs.domains, ["git-tanstack.example"]);
    assert_eq!(
        tanstack.iocs.urls,
        ["https://git-tanstack.example/router_init.js"]
    );
    assert_eq!(tanstack.iocs.hashes.len(), 1);
    assert!(tanstack.iocs.hashes[0].starts_with("sha256:"));
    assert_eq!(
        tanstack.references,
        ["https://example.invalid/tanstack-postmortem"]
    );
    assert_eq!(tanstack.affected[0].versions, ["1.169.8", "1.169.5"]);
    assert!(
        tanstack
            .database_specific
            .as_deref()
            .unwrap()
            .contains("malicious-packages-origins")
    );
    let trap = db.for_package(Ecosystem::PyPI, "trap-core-fixture");
    let trap = trap.iter().find(|a| a.id == "MAL-2026-7777").unwrap();
    let ecosystems: Vec<_> = trap.affected.iter().map(|a| a.ecosystem.as_str()).collect();
    assert_eq!(
        ecosystems,
        [
            "npm",
            "PyPI",
            "crates.io",
            "Echo",
            "Root:PyPI",
            "GitHub Actions"
        ]
    );
    let withdrawn = db.for_package(Ecosystem::Npm, "withdrawn-fixture");
    assert_eq!(withdrawn.len(), 1);
    assert!(withdrawn[0].is_withdrawn());
}

#[test]
fn admitted_by_declared_ranges() {
    let (_store, _report, db) = import_into(&fixtures().join("osv"));
    let cases: &[(Ecosystem, &str, &str, &[&str])] = &[
        (Ecosystem::PyPI, "scrapy", ">=2.6,<3", &["2.6", "2.11.0"]),
        (Ecosystem::PyPI, "scrapy", "~=1.0.0rc1", &["1.0.0-rc1"]),
        (Ecosystem::PyPI, "scrapy", ">=3", &[]),
        (Ecosystem::PyPI, "last-affected-fixture", ">=1.2", &["1.4"]),
        (
            Ecosystem::PyPI,
            "last-affected-fixture",
            ">=1.0,<1.2",
            &["1.0"],
        ),
        (
            Ecosystem::Npm,
            "reakt-dom-fixture",
            "^2.0.0",
            &[EVERY_VERSION],
        ),
        (Ecosystem::Npm, "withdrawn-fixture", "*", &[]),
        (
            Ecosystem::Npm,
            "@tanstack/react-router",
            "~1.169.6",
            &["1.169.8"],
        ),
    ];
    for (eco, name, req, want) in cases {
        let requirement = Requirement::parse(*eco, req).unwrap();
        let got: Vec<String> = db
            .admitted_by(*eco, name, &requirement)
            .into_iter()
            .filter(|(a, _)| a.source != SHAI_HULUD_DETECT && !a.id.starts_with("SHIELDWALL-"))
            .map(|(_, v)| v)
            .collect();
        assert_eq!(got, *want, "{name} {req}");
    }
}

/// Builds an `all.zip` from the fixture records, plus a broken entry and a
/// file that is not JSON.
fn build_zip(dest: &Path, with_broken: bool) {
    let file = std::fs::File::create(dest).unwrap();
    let mut zip = zip::ZipWriter::new(file);
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for entry in walk(&fixtures().join("osv")) {
        let name = entry.file_name().unwrap().to_string_lossy().into_owned();
        if name == "broken.json" && !with_broken || !name.ends_with(".json") {
            continue;
        }
        zip.start_file(name, options).unwrap();
        zip.write_all(&std::fs::read(&entry).unwrap()).unwrap();
    }
    zip.start_file("README.txt", options).unwrap();
    zip.write_all(b"ignored").unwrap();
    zip.finish().unwrap();
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out.sort();
    out
}

#[test]
fn zip_import_matches_directory_import() {
    let tmp = tempfile::tempdir().unwrap();
    let zip_path = tmp.path().join("all.zip");
    build_zip(&zip_path, true);
    let (_store, report, db) = import_into(&zip_path);
    assert_eq!(report.advisories, 8);
    assert_eq!(report.skipped_empty_id, 1);
    assert_eq!(report.files, 10);
    assert_eq!(report.file_errors.len(), 1);
    assert!(
        report.file_errors[0].file.ends_with("all.zip!broken.json"),
        "{}",
        report.file_errors[0].file
    );
    assert_eq!(
        hits(&db, Ecosystem::PyPI, "scrapy", "2.6.0"),
        ["PYSEC-2026-9100"]
    );
    assert_eq!(
        hits(&db, Ecosystem::Npm, "reakt-dom-fixture", "7.0.0"),
        ["MAL-2026-9001"]
    );
}

#[test]
fn the_same_record_in_two_sources_is_one_finding() {
    let tmp = tempfile::tempdir().unwrap();
    let store = tmp.path().join("store");
    let npm_zip = tmp.path().join("npm-all.zip");
    let pypi_zip = tmp.path().join("pypi-all.zip");
    build_zip(&npm_zip, false);
    build_zip(&pypi_zip, false);
    import(&npm_zip, &store).unwrap();
    import(&pypi_zip, &store).unwrap();
    let db = AdvisoryDb::open(&store).unwrap();
    assert_eq!(db.status().sources.len(), 4);
    assert_eq!(
        hits(&db, Ecosystem::Npm, "trap-core-fixture", "1.0.0"),
        ["MAL-2026-7777"]
    );
}

#[test]
fn jsonl_import_skips_a_broken_line() {
    let (_store, report, db) = import_into(&fixtures().join("jsonl/records.jsonl"));
    assert_eq!(report.advisories, 3);
    assert_eq!(report.file_errors.len(), 1);
    assert!(
        report.file_errors[0].file.ends_with("records.jsonl:4"),
        "{}",
        report.file_errors[0].file
    );
    assert_eq!(
        hits(&db, Ecosystem::PyPI, "JSONL-Two", "2.0.0"),
        ["MAL-2026-8002"]
    );
    assert_eq!(
        hits(&db, Ecosystem::Npm, "jsonl-four", "4.0.0"),
        ["MAL-2026-8004"]
    );
}

#[test]
fn single_json_files_and_rescoping() {
    let tmp = tempfile::tempdir().unwrap();
    let store = tmp.path().join("store");
    let file = tmp.path().join("feed.json");
    // an array of records; first published as ">= 0"
    std::fs::write(
        &file,
        r#"[{"id": "GHSA-resc-oped-0001", "modified": "2026-05-01T00:00:00Z",
             "affected": [{"package": {"ecosystem": "npm", "name": "rescoped"},
                           "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}]}]}]},
            {"id": "GHSA-othe-r000-0002",
             "affected": [{"package": {"ecosystem": "npm", "name": "other"}, "versions": ["1.0.0"]}]}]"#,
    )
    .unwrap();
    let first = import(&file, &store).unwrap();
    assert_eq!(first.advisories, 2);
    let db = AdvisoryDb::open(&store).unwrap();
    assert_eq!(
        hits(&db, Ecosystem::Npm, "rescoped", "9.9.9"),
        ["GHSA-resc-oped-0001"]
    );
    drop(db);
    // then rescoped to two versions: importing the same source replaces it
    std::fs::write(
        &file,
        r#"{"id": "GHSA-resc-oped-0001", "modified": "2026-05-03T00:00:00Z",
            "affected": [{"package": {"ecosystem": "npm", "name": "rescoped"}, "versions": ["6.0.0", "5.9.1"]}]}"#,
    )
    .unwrap();
    let second = import(&file, &store).unwrap();
    assert!(second.replaced);
    assert_eq!(second.store_file, first.store_file);
    let db = AdvisoryDb::open(&store).unwrap();
    assert!(hits(&db, Ecosystem::Npm, "rescoped", "9.9.9").is_empty());
    assert_eq!(
        hits(&db, Ecosystem::Npm, "rescoped", "5.9.1"),
        ["GHSA-resc-oped-0001"]
    );
    assert!(hits(&db, Ecosystem::Npm, "other", "1.0.0").is_empty());
    let imports: Vec<_> = db
        .status()
        .sources
        .into_iter()
        .filter(|s| s.imported_at.is_some())
        .collect();
    assert_eq!(imports.len(), 1);
    assert_eq!(imports[0].advisories, 1);
}

#[test]
fn import_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let store = tmp.path().join("store");
    let broken = fixtures().join("osv/nested/broken.json");
    match import(&broken, &store) {
        Err(AdvisoryError::Json { file, .. }) => assert!(file.ends_with("broken.json")),
        other => panic!("expected a JSON error, got {other:?}"),
    }
    let notes = fixtures().join("osv/nested/notes.txt");
    let err = import(&notes, &store).unwrap_err();
    assert!(matches!(err, AdvisoryError::UnknownFormat { .. }), "{err}");
    assert!(err.to_string().starts_with('`'), "{err}");
    let missing = tmp.path().join("missing.zip");
    assert!(matches!(
        import(&missing, &store),
        Err(AdvisoryError::Read { .. })
    ));
    let fake_zip = tmp.path().join("fake.zip");
    std::fs::write(&fake_zip, b"PK\x03\x04 but not really").unwrap();
    assert!(matches!(
        import(&fake_zip, &store),
        Err(AdvisoryError::Zip { .. })
    ));
    // nothing was stored by the failed imports
    assert_eq!(
        AdvisoryDb::open(&store).unwrap().len(),
        AdvisoryDb::builtin().len()
    );
}

#[test]
fn open_without_a_store_is_builtin_only() {
    let tmp = tempfile::tempdir().unwrap();
    let db = AdvisoryDb::open(&tmp.path().join("does/not/exist")).unwrap();
    assert_eq!(db.len(), AdvisoryDb::builtin().len());
    assert_eq!(db.status(), AdvisoryDb::builtin().status());
}

#[test]
fn a_damaged_store_file_is_an_error_naming_it() {
    let (store, report, _db) = import_into(&fixtures().join("jsonl/records.jsonl"));
    let bytes = std::fs::read(&report.store_file).unwrap();
    std::fs::write(&report.store_file, &bytes[..bytes.len() / 2]).unwrap();
    let err = AdvisoryDb::open(store.path()).unwrap_err();
    let AdvisoryError::CorruptStore { path, .. } = &err else {
        panic!("expected a corrupt store error, got {err}");
    };
    assert_eq!(path, &report.store_file);
    assert!(err.to_string().contains("import its source again"), "{err}");
}

#[test]
fn status_snapshot() {
    let (_store, _report, db) = import_into(&fixtures().join("osv"));
    insta::assert_json_snapshot!(db.status(), {
        ".sources[2].source" => "[import path]",
        ".sources[2].imported_at" => "[import time]",
    });
}

#[cfg(unix)]
#[test]
fn symlinked_files_are_read_and_directory_loops_are_not_followed() {
    let tmp = tempfile::tempdir().unwrap();
    let feed = tmp.path().join("feed");
    std::fs::create_dir(&feed).unwrap();
    std::os::unix::fs::symlink(
        fixtures().join("osv/npm/MAL-2026-9001-typosquat.json"),
        feed.join("linked.json"),
    )
    .unwrap();
    std::os::unix::fs::symlink(&feed, feed.join("loop")).unwrap();
    let (_store, report, db) = import_into(&feed);
    assert_eq!(report.advisories, 1);
    assert!(report.file_errors.is_empty(), "{:?}", report.file_errors);
    assert_eq!(
        hits(&db, Ecosystem::Npm, "reakt-dom-fixture", "1.0.0"),
        ["MAL-2026-9001"]
    );
}

#[test]
fn lookups_from_many_threads_share_one_database() {
    let (_store, _report, db) = import_into(&fixtures().join("osv"));
    let db = std::sync::Arc::new(db);
    let threads: Vec<_> = (0..4)
        .map(|_| {
            let db = std::sync::Arc::clone(&db);
            std::thread::spawn(move || {
                (0..200)
                    .map(|_| hits(&db, Ecosystem::PyPI, "scrapy", "2.6.0").len())
                    .sum::<usize>()
            })
        })
        .collect();
    for t in threads {
        assert_eq!(t.join().unwrap(), 200);
    }
}
