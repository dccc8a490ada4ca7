//! Images built in the test from small inert text.

use std::io::Write;
use std::sync::Mutex;

use super::*;

const METADATA: &str = "usr/lib/python3.12/site-packages/mistralai-2.4.6.dist-info/METADATA";
const ROUTER: &str = "app/node_modules/@tanstack/react-router/package.json";

fn tar_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut builder = tar::Builder::new(Vec::new());
    for (path, data) in entries {
        let mut header = tar::Header::new_gnu();
        header.set_size(data.len() as u64);
        header.set_mode(0o644);
        header.set_cksum();
        builder.append_data(&mut header, path, *data).unwrap();
    }
    builder.into_inner().unwrap()
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap()
}

fn sha(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The three layers of the incident: a base, an install, a cleanup.
fn incident_layers(cleanup: &[(&str, &[u8])]) -> Vec<Vec<u8>> {
    let metadata = b"Metadata-Version: 2.1\nName: mistralai\nVersion: 2.4.6\n\n";
    let router = br#"{"name": "@tanstack/react-router", "version": "1.169.5"}"#;
    vec![
        tar_of(&[("etc/os-release", b"ID=test\n")]),
        tar_of(&[(METADATA, metadata), (ROUTER, router)]),
        tar_of(cleanup),
    ]
}

/// A legacy `docker save` archive: `<id>/layer.tar`, a config with the
/// diff ids, and `manifest.json` last.
fn docker_save(layers: &[Vec<u8>]) -> Vec<u8> {
    let ids: Vec<String> = layers.iter().map(|l| sha(l)).collect();
    let config = serde_json::json!({
        "rootfs": {"type": "layers", "diff_ids": ids.iter().map(|i| format!("sha256:{i}")).collect::<Vec<_>>()}
    })
    .to_string();
    let config_name = format!("{}.json", sha(config.as_bytes()));
    let manifest = serde_json::json!([{
        "Config": config_name,
        "RepoTags": ["app:latest"],
        "Layers": ids.iter().map(|i| format!("{i}/layer.tar")).collect::<Vec<_>>(),
    }])
    .to_string();
    let members: Vec<(String, &[u8])> = ids
        .iter()
        .zip(layers)
        .map(|(id, l)| (format!("{id}/layer.tar"), l.as_slice()))
        .collect();
    let mut entries: Vec<(&str, &[u8])> = members.iter().map(|(p, b)| (p.as_str(), *b)).collect();
    entries.push((&config_name, config.as_bytes()));
    entries.push(("manifest.json", manifest.as_bytes()));
    tar_of(&entries)
}

/// OCI layout files (relative path, bytes) with gzip layers.
fn oci_layout(layers: &[Vec<u8>]) -> Vec<(String, Vec<u8>)> {
    let mut files = vec![(
        "oci-layout".to_owned(),
        br#"{"imageLayoutVersion": "1.0.0"}"#.to_vec(),
    )];
    let mut descriptors = Vec::new();
    for layer in layers {
        let blob = gzip(layer);
        let digest = sha(&blob);
        descriptors.push(serde_json::json!({
            "mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
            "digest": format!("sha256:{digest}"),
            "size": blob.len(),
        }));
        files.push((format!("blobs/sha256/{digest}"), blob));
    }
    let config = br#"{"rootfs": {"type": "layers"}}"#.to_vec();
    let config_digest = sha(&config);
    files.push((format!("blobs/sha256/{config_digest}"), config.clone()));
    let manifest = serde_json::json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": format!("sha256:{config_digest}"), "size": config.len()},
        "layers": descriptors,
    })
    .to_string()
    .into_bytes();
    let manifest_digest = sha(&manifest);
    files.push((format!("blobs/sha256/{manifest_digest}"), manifest.clone()));
    let index = serde_json::json!({
        "schemaVersion": 2,
        "manifests": [{
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "digest": format!("sha256:{manifest_digest}"),
            "size": manifest.len(),
            "platform": {"os": "linux", "architecture": "amd64"},
        }],
    })
    .to_string()
    .into_bytes();
    files.push(("index.json".to_owned(), index));
    files
}

fn events(path: &Path, shown: &str) -> Vec<WalkEvent> {
    let out = Mutex::new(Vec::new());
    scan(path, &Arc::from(shown), &|e| out.lock().unwrap().push(e));
    out.into_inner().unwrap()
}

fn packages(events: &[WalkEvent]) -> Vec<&PackageRef> {
    events
        .iter()
        .filter_map(|e| match e {
            WalkEvent::Extracted { extraction, .. } => Some(&extraction.packages),
            _ => None,
        })
        .flatten()
        .collect()
}

fn find<'a>(packages: &[&'a PackageRef], name: &str) -> &'a PackageRef {
    packages
        .iter()
        .find(|p| p.name == name)
        .unwrap_or_else(|| panic!("no {name} in {packages:#?}"))
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, bytes).unwrap();
    path
}

#[test]
fn docker_save_whiteout_keeps_deleted_packages() {
    let dir = tempfile::tempdir().unwrap();
    let layers = incident_layers(&[(
        "usr/lib/python3.12/site-packages/.wh.mistralai-2.4.6.dist-info",
        b"",
    )]);
    let path = write(dir.path(), "app.tar", &docker_save(&layers));
    let events = events(&path, "images/app.tar");
    let packages = packages(&events);
    assert_eq!(packages.len(), 2, "{events:#?}");

    let mistral = find(&packages, "mistralai");
    assert_eq!(mistral.version, "2.4.6");
    let loc = &mistral.location;
    assert_eq!(loc.kind, EvidenceKind::ImageLayer);
    let layer = loc.layer.as_deref().unwrap();
    assert_eq!(layer.index, 1);
    assert_eq!(layer.deleted_in, Some(2));
    assert_eq!(layer.evidence, EvidenceKind::Installed);
    assert_eq!(&*layer.image, "images/app.tar");
    let diff_id = format!("sha256:{}", sha(&layers[1]));
    assert_eq!(*layer.digest, *diff_id);
    assert_eq!(
        &*loc.path,
        format!("images/app.tar!{}!{METADATA}", &diff_id[..19])
    );

    let router = find(&packages, "@tanstack/react-router");
    assert_eq!(router.version, "1.169.5");
    let layer = router.location.layer.as_deref().unwrap();
    assert_eq!((layer.index, layer.deleted_in), (1, None));
    assert_eq!(layer.evidence, EvidenceKind::Installed);

    let summary = events.iter().find_map(|e| match e {
        WalkEvent::Extracted {
            extractor: DOCKER_ID,
            path,
            extraction,
        } => Some((path, extraction)),
        _ => None,
    });
    let (path, extraction) = summary.expect("image summary event");
    assert_eq!(&**path, "images/app.tar");
    assert!(extraction.problems.is_empty(), "{:?}", extraction.problems);
}

#[test]
fn opaque_directory_and_replacement_delete() {
    let dir = tempfile::tempdir().unwrap();
    let newer = b"Metadata-Version: 2.1\nName: mistralai\nVersion: 2.4.7\n\n";
    let layers = incident_layers(&[("app/node_modules/.wh..wh..opq", b""), (METADATA, newer)]);
    let path = write(dir.path(), "app.tar", &docker_save(&layers));
    let events = events(&path, "app.tar");
    let packages = packages(&events);
    let router = find(&packages, "@tanstack/react-router");
    assert_eq!(router.location.layer.as_ref().unwrap().deleted_in, Some(2));
    let old = packages
        .iter()
        .find(|p| p.version == "2.4.6")
        .expect("old version");
    let layer = old.location.layer.as_ref().unwrap();
    assert_eq!((layer.index, layer.deleted_in), (1, Some(2)));
    let new = packages.iter().find(|p| p.version == "2.4.7").unwrap();
    let layer = new.location.layer.as_ref().unwrap();
    assert_eq!((layer.index, layer.deleted_in), (2, None));
}

#[test]
fn oci_layout_directory_with_gzip_layers() {
    let dir = tempfile::tempdir().unwrap();
    let layers = incident_layers(&[("tmp/.keep", b"")]);
    for (rel, bytes) in oci_layout(&layers) {
        write(&dir.path().join("layout"), &rel, &bytes);
    }
    let events = events(
        &dir.path().join("layout/oci-layout"),
        "scan/layout/oci-layout",
    );
    let packages = packages(&events);
    let mistral = find(&packages, "mistralai");
    let layer = mistral.location.layer.as_deref().unwrap();
    assert_eq!(&*layer.image, "scan/layout");
    assert_eq!((layer.index, layer.deleted_in), (1, None));
    assert!(layer.digest.starts_with("sha256:"));
    assert!(mistral.location.path.starts_with("scan/layout!sha256:"));
    assert!(mistral.location.path.ends_with(&format!("!{METADATA}")));
}

#[test]
fn oci_archive_tar_is_an_image() {
    let dir = tempfile::tempdir().unwrap();
    let layers = incident_layers(&[("tmp/.keep", b"")]);
    let files = oci_layout(&layers);
    let entries: Vec<(&str, &[u8])> = files
        .iter()
        .map(|(p, b)| (p.as_str(), b.as_slice()))
        .collect();
    let path = write(dir.path(), "oci.tar", &tar_of(&entries));
    let events = events(&path, "oci.tar");
    let packages = packages(&events);
    assert_eq!(packages.len(), 2, "{events:#?}");
    assert!(events.iter().any(|e| matches!(
        e,
        WalkEvent::Extracted {
            extractor: OCI_ID,
            ..
        }
    )));
}

#[test]
fn plain_tar_is_not_an_image() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "backup.tar",
        &tar_of(&[("home/u/notes.txt", b"x"), (METADATA, b"Name: x\n")]),
    );
    assert!(events(&path, "backup.tar").is_empty());
}

#[test]
fn broken_layer_is_a_problem_and_the_rest_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let mut layers = incident_layers(&[("tmp/.keep", b"")]);
    // Layer 0 is cut short: the image is still read.
    let half = layers[0].len() / 2;
    layers[0].truncate(half + 7);
    let path = write(dir.path(), "app.tar", &docker_save(&layers));
    let events = events(&path, "app.tar");
    assert_eq!(packages(&events).len(), 2);
    let problems: Vec<&str> = events
        .iter()
        .filter_map(|e| match e {
            WalkEvent::Extracted {
                extractor: DOCKER_ID,
                extraction,
                ..
            } => Some(extraction.problems.iter().map(|p| p.message.as_str())),
            _ => None,
        })
        .flatten()
        .collect();
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(
        problems[0].starts_with("layer 0 (`sha256:") && problems[0].contains("truncated tar"),
        "{problems:?}"
    );
}

#[test]
fn walk_streams_images() {
    let dir = tempfile::tempdir().unwrap();
    let layers = incident_layers(&[("tmp/.keep", b"")]);
    write(dir.path(), "images/app.tar", &docker_save(&layers));
    let out = Mutex::new(Vec::new());
    crate::walk(
        &[dir.path().to_path_buf()],
        &crate::WalkOptions {
            max_file_size: 10,
            ..crate::WalkOptions::default()
        },
        &|e| out.lock().unwrap().push(e),
    )
    .unwrap();
    let events = out.into_inner().unwrap();
    assert_eq!(packages(&events).len(), 2, "{events:#?}");
}

#[test]
fn layout_paths() {
    assert!(is_layout_path("manifest.json"));
    assert!(is_layout_path("blobs/sha256/0123456789abcdef"));
    assert!(is_layout_path("0123456789abcdef0123/layer.tar"));
    assert!(!is_layout_path("etc/passwd"));
    assert!(!is_layout_path("notes.json"));
    assert_eq!(blob_member("sha256:ab12"), Some("blobs/sha256/ab12".into()));
    assert_eq!(blob_member("sha256:../../etc"), None);
}
