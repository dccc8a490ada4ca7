use std::io::{Cursor, Write};
use std::path::Path;
use std::sync::Arc;

use super::*;

fn zip_with(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default();
    for (path, data) in entries {
        writer.start_file(*path, options).unwrap();
        writer.write_all(data).unwrap();
    }
    writer.finish().unwrap().into_inner()
}

fn tar_gz(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut builder = tar::Builder::new(flate2::write::GzEncoder::new(
        Vec::new(),
        flate2::Compression::default(),
    ));
    for (path, data) in entries {
        let mut header = tar::Header::new_gnu();
        header.set_size(data.len() as u64);
        header.set_mode(0o644);
        header.set_cksum();
        builder.append_data(&mut header, path, *data).unwrap();
    }
    builder.into_inner().unwrap().finish().unwrap()
}

fn run(path: &str, bytes: &[u8]) -> Result<Extraction, ExtractError> {
    let p = Path::new(path);
    let Some(Detected::Extract(extractor)) = crate::classify(p) else {
        panic!("{path} is not classified as an artifact");
    };
    let display: Arc<str> = Arc::from(path);
    extractor.extract(&FileInput {
        path: p,
        display: &display,
        bytes,
    })
}

fn one(path: &str, bytes: &[u8]) -> (String, String, shieldwall_core::Location) {
    let out = run(path, bytes).unwrap();
    assert_eq!(out.packages.len(), 1, "{out:?}");
    let p = out.packages.into_iter().next().unwrap();
    (p.name, p.version, p.location)
}

const METADATA: &[u8] = b"Metadata-Version: 2.1\nName: mistralai\nVersion: 2.4.6\n\nbody\n";

#[test]
fn wheel_identity_from_metadata() {
    let bytes = zip_with(&[
        ("mistralai/__init__.py", b"x = 1\n"),
        ("mistralai-2.4.6.dist-info/METADATA", METADATA),
    ]);
    let (name, version, loc) = one("dist/mistralai-2.4.6-py3-none-any.whl", &bytes);
    assert_eq!((name.as_str(), version.as_str()), ("mistralai", "2.4.6"));
    assert_eq!(&*loc.path, "dist/mistralai-2.4.6-py3-none-any.whl");
    assert_eq!(loc.kind, EvidenceKind::Artifact);
    assert_eq!(loc.hash, Some(file_hash(&bytes)));
    assert!(loc.hash.as_deref().unwrap().starts_with("sha256:"));
    assert_eq!(loc.note, None);
    assert_eq!(loc.line, None);
}

#[test]
fn renamed_wheel_gets_a_note() {
    let bytes = zip_with(&[("mistralai-2.4.6.dist-info/METADATA", METADATA)]);
    let (name, _, loc) = one("dist/harmless-1.0-py3-none-any.whl", &bytes);
    assert_eq!(name, "mistralai");
    assert_eq!(loc.note.as_deref(), Some("file name says harmless 1.0"));
}

#[test]
fn egg_identity() {
    let bytes = zip_with(&[("EGG-INFO/PKG-INFO", METADATA)]);
    let (name, version, loc) = one("eggs/mistralai-2.4.6-py3.12.egg", &bytes);
    assert_eq!((name.as_str(), version.as_str()), ("mistralai", "2.4.6"));
    assert_eq!(loc.kind, EvidenceKind::Artifact);
}

#[test]
fn sdist_prefers_egg_info() {
    let top = b"Metadata-Version: 2.1\nName: mistralai\nVersion: 0.0.0\n\n";
    let tar = tar_gz(&[
        ("mistralai-2.4.6/PKG-INFO", top),
        ("mistralai-2.4.6/src/mistralai.egg-info/PKG-INFO", METADATA),
        ("mistralai-2.4.6/setup.py", b"raise SystemExit\n"),
    ]);
    let (_, version, loc) = one("dist/mistralai-2.4.6.tar.gz", &tar);
    assert_eq!(version, "2.4.6");
    assert_eq!(loc.note, None);
    let zip = zip_with(&[("mistralai-2.4.6/PKG-INFO", METADATA)]);
    let (_, version, _) = one("dist/mistralai-2.4.6.zip", &zip);
    assert_eq!(version, "2.4.6");
}

#[test]
fn npm_tarball() {
    let manifest = br#"{"name": "@tanstack/react-router", "version": "1.169.5"}"#;
    let tgz = tar_gz(&[
        ("package/README.md", b"hi"),
        ("package/package.json", manifest),
    ]);
    let (name, version, loc) = one("packs/tanstack-react-router-1.169.5.tgz", &tgz);
    assert_eq!(
        (name.as_str(), version.as_str()),
        ("@tanstack/react-router", "1.169.5")
    );
    assert_eq!(loc.kind, EvidenceKind::Artifact);
    assert_eq!(loc.note, None);
    let (_, _, loc) = one("packs/other.tgz", &tgz);
    assert_eq!(
        loc.note.as_deref(),
        Some("file name does not match @tanstack/react-router@1.169.5")
    );
    // A .tgz that is no package gives nothing.
    let other = tar_gz(&[("docs/index.html", b"x")]);
    assert!(run("site/backup.tgz", &other).unwrap().packages.is_empty());
}

#[test]
fn classification() {
    let id = |p: &str| match crate::classify(Path::new(p)) {
        Some(Detected::Extract(e)) => Some(e.id()),
        _ => None,
    };
    assert_eq!(id("dist/a-1.0-py3-none-any.whl"), Some("python/wheel"));
    assert_eq!(id("dist/a-1.0.egg"), Some("python/egg"));
    assert_eq!(id("dist/a-1.0.tar.gz"), Some("python/sdist"));
    assert_eq!(id("dist/a-1.0.tar.bz2"), Some("python/sdist"));
    assert_eq!(id("dist/a-1.0.zip"), Some("python/sdist"));
    assert_eq!(id("backup.tar.gz"), None);
    assert_eq!(id("photos.zip"), None);
    assert_eq!(id("a-1.0.0.tgz"), Some("npm/tarball"));
    assert_eq!(
        id("a/.yarn/cache/lodash-npm-4.17.21-6382451519-c08619f2bb.zip"),
        Some("npm/yarn-berry-cache")
    );
}

#[test]
fn corrupt_artifacts_are_malformed_with_the_reason() {
    let bytes = zip_with(&[("mistralai-2.4.6.dist-info/METADATA", METADATA)]);
    let err = run("dist/x-1.0-py3-none-any.whl", &bytes[..bytes.len() / 3]).unwrap_err();
    let text = err.to_string();
    assert!(text.starts_with("dist/x-1.0-py3-none-any.whl: "), "{text}");
    assert!(text.contains("zip archive"), "{text}");

    let tgz = tar_gz(&[("mistralai-2.4.6/PKG-INFO", METADATA)]);
    let err = run("dist/mistralai-2.4.6.tar.gz", &tgz[..tgz.len() / 2]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "dist/mistralai-2.4.6.tar.gz: truncated tar.gz archive"
    );

    let empty = zip_with(&[("x/__init__.py", b"")]);
    let err = run("dist/x-1.0-py3-none-any.whl", &empty).unwrap_err();
    assert_eq!(
        err.to_string(),
        "dist/x-1.0-py3-none-any.whl: wheel has no `*.dist-info/METADATA`"
    );

    let bad = zip_with(&[("x-1.0.dist-info/METADATA", b"Metadata-Version: 2.1\n")]);
    let err = run("dist/x-1.0-py3-none-any.whl", &bad).unwrap_err();
    assert_eq!(
        err.to_string(),
        "dist/x-1.0-py3-none-any.whl!x-1.0.dist-info/METADATA: core metadata has no Name header"
    );
}

#[test]
fn zip_bomb_beside_metadata_is_a_problem() {
    let zeros = vec![0u8; 4 << 20];
    let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let deflate = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    writer
        .start_file("x-1.0.dist-info/METADATA", deflate)
        .unwrap();
    writer.write_all(&zeros).unwrap();
    writer
        .start_file("y-1.0.dist-info/METADATA", deflate)
        .unwrap();
    writer.write_all(METADATA).unwrap();
    let bytes = writer.finish().unwrap().into_inner();
    let out = run("dist/mistralai-2.4.6-py3-none-any.whl", &bytes).unwrap();
    assert_eq!(out.packages[0].name, "mistralai");
    assert!(
        out.problems[0].message.contains("likely zip bomb"),
        "{:?}",
        out.problems
    );
}
