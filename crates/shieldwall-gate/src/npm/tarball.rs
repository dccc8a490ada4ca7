//! What an npm tarball runs at install, read from the tarball itself (the
//! registry's `scripts` and `hasInstallScript` can differ from what the
//! tarball carries): the lifecycle scripts in its `package.json`, and a
//! `binding.gyp`, which makes npm run `node-gyp rebuild`. Read in memory,
//! bounded; nothing is extracted or run.

use std::io::Read;

use serde_json::Value;

use super::packument::INSTALL_SCRIPTS;

/// The most entries read from a tarball.
const MAX_ENTRIES: usize = 50_000;
/// The largest `package.json` read.
const MAX_MANIFEST: u64 = 4 << 20;

/// The install-time code a tarball declares, in words (`postinstall: node
/// setup.js`, `binding.gyp (node-gyp rebuild)`), or `None` when it has
/// none. An unreadable tarball is an error.
pub fn install_code(gzipped: impl Read) -> Result<Option<String>, String> {
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(gzipped));
    let entries = archive
        .entries()
        .map_err(|e| format!("not a gzipped tar: {e}"))?;
    let mut manifest: Option<Value> = None;
    let mut gyp = false;
    for (count, entry) in entries.enumerate() {
        if count >= MAX_ENTRIES {
            return Err(format!("more than {MAX_ENTRIES} entries"));
        }
        let mut entry = entry.map_err(|e| format!("unreadable entry: {e}"))?;
        let path = entry.path().map_err(|e| e.to_string())?.into_owned();
        let parts: Vec<_> = path.components().collect();
        // npm reads `package.json` and `binding.gyp` from the tarball's
        // one top directory, whatever its name.
        if parts.len() != 2 {
            continue;
        }
        match parts[1].as_os_str().to_str() {
            Some("package.json") if manifest.is_none() => {
                if entry.size() > MAX_MANIFEST {
                    return Err("package.json is larger than 4 MiB".to_owned());
                }
                let mut text = Vec::new();
                entry
                    .read_to_end(&mut text)
                    .map_err(|e| format!("package.json: {e}"))?;
                manifest =
                    Some(serde_json::from_slice(&text).map_err(|e| format!("package.json: {e}"))?);
            }
            Some("binding.gyp") => gyp = true,
            _ => {}
        }
    }
    let manifest = manifest.ok_or("no package.json")?;
    let scripts = manifest.get("scripts").and_then(Value::as_object);
    let mut found: Vec<String> = INSTALL_SCRIPTS
        .iter()
        .filter_map(|k| {
            let command = scripts?.get(*k)?.as_str().unwrap_or("");
            Some(format!(
                "{k}: {}",
                command.chars().take(120).collect::<String>()
            ))
        })
        .collect();
    let has_install =
        scripts.is_some_and(|s| s.contains_key("install") || s.contains_key("preinstall"));
    if gyp && !has_install {
        found.push("binding.gyp (node-gyp rebuild)".to_owned());
    }
    Ok((!found.is_empty()).then(|| found.join("; ")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tgz(files: &[(&str, &str)]) -> Vec<u8> {
        let mut builder = tar::Builder::new(flate2::write::GzEncoder::new(
            Vec::new(),
            flate2::Compression::fast(),
        ));
        for (path, data) in files {
            let mut header = tar::Header::new_gnu();
            header.set_size(data.len() as u64);
            header.set_mode(0o644);
            header.set_cksum();
            builder
                .append_data(&mut header, path, data.as_bytes())
                .unwrap();
        }
        builder.into_inner().unwrap().finish().unwrap()
    }

    #[test]
    fn scripts_and_gyp_files_are_found_in_the_tarball() {
        let plain = tgz(&[(
            "package/package.json",
            r#"{"name":"a","scripts":{"test":"x","prepare":"y"}}"#,
        )]);
        assert_eq!(install_code(&plain[..]).unwrap(), None);
        let hook = tgz(&[(
            "package/package.json",
            r#"{"name":"a","scripts":{"preinstall":"node setup_bun.js"}}"#,
        )]);
        assert_eq!(
            install_code(&hook[..]).unwrap().as_deref(),
            Some("preinstall: node setup_bun.js")
        );
        let gyp = tgz(&[
            ("pkg/package.json", r#"{"name":"a"}"#),
            ("pkg/binding.gyp", "{}"),
        ]);
        assert_eq!(
            install_code(&gyp[..]).unwrap().as_deref(),
            Some("binding.gyp (node-gyp rebuild)")
        );
        let nested = tgz(&[
            ("package/package.json", r#"{"name":"a"}"#),
            ("package/deps/binding.gyp", "{}"),
        ]);
        assert_eq!(install_code(&nested[..]).unwrap(), None);
    }

    #[test]
    fn broken_tarballs_are_errors() {
        assert!(install_code(&b"not gzip"[..]).is_err());
        let no_manifest = tgz(&[("package/index.js", "1")]);
        assert!(
            install_code(&no_manifest[..])
                .unwrap_err()
                .contains("package.json")
        );
        let bad_json = tgz(&[("package/package.json", "{")]);
        assert!(install_code(&bad_json[..]).is_err());
    }
}
