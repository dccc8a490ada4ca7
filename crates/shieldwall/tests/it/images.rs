//! `shieldwall scan` on build artifacts and container images, built per
//! test from small inert text.

use std::io::{Cursor, Write};

use crate::common::{json, shieldwall};

const METADATA: &str = "usr/lib/python3.12/site-packages/mistralai-2.4.6.dist-info/METADATA";
const ROUTER: &str = "app/node_modules/@tanstack/react-router/package.json";

fn tar_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut builder = tar::Builder::new(Vec::new());
    for (path, data) in entries {
        let mut header = tar::Header::new_gnu();
        header.set_size(data.len() as u64);
        header.set_mode(0o644);
        header.set_mtime(0);
        header.set_cksum();
        builder.append_data(&mut header, path, *data).unwrap();
    }
    builder.into_inner().unwrap()
}

/// A legacy `docker save` archive of three layers: a base, the install of
/// both bad versions, and a cleanup that deletes the Python package.
fn incident_image() -> Vec<u8> {
    let metadata = b"Metadata-Version: 2.1\nName: mistralai\nVersion: 2.4.6\n\n";
    let router = br#"{"name": "@tanstack/react-router", "version": "1.169.5"}"#;
    let layers = [
        tar_of(&[("etc/os-release", b"ID=test\n")]),
        tar_of(&[(METADATA, metadata), (ROUTER, router)]),
        tar_of(&[(
            "usr/lib/python3.12/site-packages/.wh.mistralai-2.4.6.dist-info",
            b"",
        )]),
    ];
    let ids: Vec<String> = (0..3).map(|i| format!("{i}").repeat(64)).collect();
    let config = format!(
        r#"{{"rootfs": {{"type": "layers", "diff_ids": ["sha256:{}", "sha256:{}", "sha256:{}"]}}}}"#,
        ids[0], ids[1], ids[2]
    );
    let config_name = format!("{}.json", "c".repeat(64));
    let manifest = format!(
        r#"[{{"Config": "{config_name}", "RepoTags": ["app:latest"], "Layers": ["{}/layer.tar", "{}/layer.tar", "{}/layer.tar"]}}]"#,
        ids[0], ids[1], ids[2]
    );
    let names: Vec<String> = ids.iter().map(|i| format!("{i}/layer.tar")).collect();
    let mut entries: Vec<(&str, &[u8])> = names
        .iter()
        .zip(&layers)
        .map(|(n, l)| (n.as_str(), l.as_slice()))
        .collect();
    entries.push((&config_name, config.as_bytes()));
    entries.push(("manifest.json", manifest.as_bytes()));
    tar_of(&entries)
}

fn wheel() -> Vec<u8> {
    let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default();
    writer
        .start_file("mistralai-2.4.6.dist-info/METADATA", options)
        .unwrap();
    writer
        .write_all(b"Metadata-Version: 2.1\nName: mistralai\nVersion: 2.4.6\n\n")
        .unwrap();
    writer.finish().unwrap().into_inner()
}

fn write(root: &std::path::Path, rel: &str, bytes: &[u8]) {
    let path = root.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, bytes).unwrap();
}

#[test]
fn finds_bad_versions_in_image_layers_and_artifacts() {
    let tmp = tempfile::tempdir().unwrap();
    let tree = tmp.path().join("tree");
    write(&tree, "images/app.tar", &incident_image());
    write(&tree, "dist/mistralai-2.4.6-py3-none-any.whl", &wheel());
    let broken = wheel();
    write(
        &tree,
        "dist/broken-1.0-py3-none-any.whl",
        &broken[..broken.len() / 3],
    );
    write(
        &tree,
        "backups/home.tar",
        &tar_of(&[("home/u/notes.txt", b"x")]),
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
    let findings = report["findings"].as_array().unwrap();
    let find = |name: &str| {
        findings
            .iter()
            .find(|f| f["name"] == name && f["severity"] == "critical")
            .unwrap_or_else(|| panic!("no finding for {name}: {findings:#?}"))
    };
    let mut locations: Vec<serde_json::Value> = ["mistralai", "@tanstack/react-router"]
        .iter()
        .flat_map(|name| find(name)["locations"].as_array().unwrap().clone())
        .collect();
    locations.sort_by_key(|l| l["path"].as_str().unwrap_or_default().to_owned());

    let layer = |path_end: &str| {
        locations
            .iter()
            .find(|l| l["kind"] == "image-layer" && l["path"].as_str().unwrap().ends_with(path_end))
            .unwrap_or_else(|| panic!("no image-layer location for {path_end}: {locations:#?}"))
    };
    let mistral = layer(METADATA);
    assert_eq!(mistral["layer"]["index"], 1);
    assert_eq!(mistral["layer"]["deleted_in"], 2);
    assert_eq!(mistral["layer"]["evidence"], "installed");
    let router = layer(ROUTER);
    assert_eq!(router["layer"]["index"], 1);
    assert!(router["layer"].get("deleted_in").is_none());

    let artifact = locations
        .iter()
        .find(|l| l["kind"] == "artifact")
        .expect("wheel artifact location");
    assert_eq!(
        artifact["path"],
        "tree/dist/mistralai-2.4.6-py3-none-any.whl"
    );
    assert!(artifact["hash"].as_str().unwrap().starts_with("sha256:"));

    let image_locations: Vec<&serde_json::Value> = locations
        .iter()
        .filter(|l| l["kind"] == "image-layer")
        .collect();
    insta::assert_json_snapshot!("image_layer_locations", image_locations);

    let not_covered = report["not_covered"].as_array().unwrap();
    let broken = not_covered
        .iter()
        .find(|n| n["path"] == "tree/dist/broken-1.0-py3-none-any.whl")
        .unwrap_or_else(|| panic!("broken wheel not listed: {not_covered:#?}"));
    assert_eq!(broken["kind"], "malformed");
    assert!(
        broken["reason"].as_str().unwrap().contains("zip archive"),
        "{broken}"
    );
    assert!(
        !not_covered
            .iter()
            .any(|n| n["path"].as_str().unwrap().contains("backups")),
        "{not_covered:#?}"
    );
    let files_read = &report["summary"]["files_read"];
    assert_eq!(files_read["image/docker-archive"], 1, "{files_read}");
    assert_eq!(files_read["python/wheel"], 1, "{files_read}");
}

#[test]
fn table_output_names_the_layer() {
    let tmp = tempfile::tempdir().unwrap();
    write(&tmp.path().join("tree"), "app.tar", &incident_image());
    let output = shieldwall(tmp.path())
        .current_dir(tmp.path())
        .args(["scan", "tree"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("deleted in layer 2"), "{stdout}");
}
