//! Installed distributions: `*.dist-info/METADATA`, `*.egg-info/PKG-INFO`,
//! `EGG-INFO/PKG-INFO`, and a legacy distutils `*.egg-info` file. The
//! identity comes from the `Name:`/`Version:` headers of the core metadata
//! (RFC 822 style: the first block up to a blank line, indented lines
//! continue a header), never from the directory name, which is escaped
//! and may differ in case (`PyYAML-6.0.1.dist-info` for `pyyaml`).
//!
//! When the files beside the metadata can be read, a `.pth` file listed in
//! the distribution's `RECORD` (or an egg's `installed-files.txt`) is noted
//! as `ships .pth startup hook <file>`: such files run code at every
//! interpreter start. The `INSTALLER` is noted too, and a PEP 610
//! `direct_url.json` (VCS commit, editable directory, or archive file name;
//! an archive's sha256 becomes the location hash; URLs themselves are not
//! copied, as they may carry credentials). Works in any
//! site-packages or dist-packages, whatever the surrounding path.

use std::path::Path;

use shieldwall_core::EvidenceKind;

use super::text::{Found, decode};
use crate::{ExtractError, Extraction, Extractor, FileInput};

/// The installed-metadata extractor (`python/installed`).
pub(crate) struct Installed;

/// Largest sibling file (`RECORD`, `INSTALLER`) read.
const MAX_SIBLING_BYTES: u64 = 8 * 1024 * 1024;

/// True for the metadata file of an installed distribution.
pub(crate) fn matches(path: &Path, file_name: &str) -> bool {
    let parent = path
        .parent()
        .and_then(Path::file_name)
        .and_then(|p| p.to_str())
        .unwrap_or_default()
        .to_ascii_lowercase();
    match file_name {
        "METADATA" => parent.ends_with(".dist-info"),
        "PKG-INFO" => parent.ends_with(".egg-info") || parent == "egg-info",
        _ => file_name.to_ascii_lowercase().ends_with(".egg-info"),
    }
}

/// One header of the first block, with its 1-based line.
struct Header<'a> {
    name: &'a str,
    value: String,
    line: u32,
}

/// Reads the header block of a core metadata file.
fn headers(text: &str) -> Vec<Header<'_>> {
    let mut out: Vec<Header<'_>> = Vec::new();
    for (idx, raw) in text.lines().enumerate() {
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        if line.trim().is_empty() {
            break;
        }
        if line.starts_with([' ', '\t']) {
            if let Some(last) = out.last_mut() {
                last.value.push(' ');
                last.value.push_str(line.trim());
            }
            continue;
        }
        if let Some((name, value)) = line.split_once(':') {
            out.push(Header {
                name: name.trim(),
                value: value.trim().to_owned(),
                line: u32::try_from(idx + 1).unwrap_or(u32::MAX),
            });
        }
    }
    out
}

/// The `Name` and `Version` headers of a core metadata text (`METADATA`,
/// `PKG-INFO`), with the 1-based line of `Name`. The error is the line,
/// when known, and a lowercase message.
pub(crate) fn core_identity(
    text: &str,
) -> Result<(String, String, u32), (Option<u32>, &'static str)> {
    let headers = headers(text);
    let find = |key: &str| {
        headers
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case(key) && !h.value.is_empty())
    };
    let Some(name) = find("Name") else {
        return Err((None, "core metadata has no Name header"));
    };
    let Some(version) = find("Version") else {
        return Err((Some(name.line), "core metadata has no Version header"));
    };
    Ok((name.value.clone(), version.value.clone(), name.line))
}

impl Extractor for Installed {
    fn id(&self) -> &'static str {
        "python/installed"
    }

    fn extract(&self, input: &FileInput<'_>) -> Result<Extraction, ExtractError> {
        let mut found = core_metadata(input)?;
        found.notes = sibling_notes(input.path);
        if let Some((notes, hash)) = direct_url(input.path) {
            found.notes.extend(notes);
            found.hash = hash;
        }
        let mut out = Extraction::default();
        out.packages
            .push(found.into_ref(input.display, EvidenceKind::Installed));
        Ok(out)
    }
}

/// The `Name:` and `Version:` of a core metadata file (`METADATA`,
/// `PKG-INFO`), with the line of the name; also used for the metadata
/// inside wheels, eggs and sdists.
pub(crate) fn core_metadata(input: &FileInput<'_>) -> Result<Found, ExtractError> {
    let text = decode(input)?;
    let (name, version, line) =
        core_identity(&text).map_err(|(line, msg)| ExtractError::malformed(input, line, msg))?;
    let mut found = Found::new(name, version);
    found.line = Some(line);
    Ok(found)
}

fn read_sibling(path: &Path) -> Option<String> {
    let meta = std::fs::metadata(path).ok()?;
    if !meta.is_file() || meta.len() > MAX_SIBLING_BYTES {
        return None;
    }
    let bytes = std::fs::read(path).ok()?;
    Some(String::from_utf8_lossy(&bytes).into_owned())
}

/// Notes from the files beside the metadata: `.pth` hooks and installer.
fn sibling_notes(metadata: &Path) -> Vec<String> {
    let Some(dir) = metadata.parent() else {
        return Vec::new();
    };
    let is_dist_info = dir
        .file_name()
        .and_then(|d| d.to_str())
        .is_some_and(|d| d.to_ascii_lowercase().ends_with(".dist-info"));
    let mut notes = Vec::new();
    let listing = if is_dist_info {
        read_sibling(&dir.join("RECORD"))
    } else {
        read_sibling(&dir.join("installed-files.txt"))
    };
    let mut hooks: Vec<&str> = listing
        .as_deref()
        .unwrap_or_default()
        .lines()
        .filter_map(record_path)
        .filter(|p| p.to_ascii_lowercase().ends_with(".pth"))
        .map(|p| p.rsplit(['/', '\\']).next().unwrap_or(p))
        .collect();
    hooks.sort_unstable();
    hooks.dedup();
    if !hooks.is_empty() {
        notes.push(format!("ships .pth startup hook {}", hooks.join(" ")));
    }
    if is_dist_info
        && let Some(installer) = read_sibling(&dir.join("INSTALLER"))
        && let Some(first) = installer.lines().next().map(str::trim)
        && !first.is_empty()
        && first.len() <= 64
    {
        notes.push(format!("installer {first}"));
    }
    notes
}

/// Notes and archive hash from a PEP 610 `direct_url.json` beside the
/// metadata.
fn direct_url(metadata: &Path) -> Option<(Vec<String>, Option<String>)> {
    use serde_json::Value;
    let text = read_sibling(&metadata.parent()?.join("direct_url.json"))?;
    let doc: Value = serde_json::from_str(&text).ok()?;
    let url = doc.get("url").and_then(Value::as_str).unwrap_or_default();
    let mut notes = Vec::new();
    let mut hash = None;
    if let Some(vcs) = doc.get("vcs_info") {
        let kind = vcs.get("vcs").and_then(Value::as_str).unwrap_or("vcs");
        let commit = vcs
            .get("commit_id")
            .and_then(Value::as_str)
            .unwrap_or_default();
        notes.push(format!("{kind} source {commit}").trim_end().to_owned());
    } else if let Some(dir) = doc.get("dir_info") {
        if dir.get("editable").and_then(Value::as_bool) == Some(true) {
            notes.push("editable".to_owned());
        }
        notes.push("installed from local directory".to_owned());
    } else if let Some(archive) = doc.get("archive_info") {
        let file = super::text::url_file_name(url);
        let origin = if url.starts_with("file:") {
            "local file"
        } else {
            "direct url"
        };
        notes.push(
            format!("installed from {origin} {file}")
                .trim_end()
                .to_owned(),
        );
        hash = archive
            .get("hashes")
            .and_then(|h| h.get("sha256"))
            .and_then(Value::as_str)
            .map(|h| format!("sha256:{h}"))
            .or_else(|| {
                archive
                    .get("hash")
                    .and_then(Value::as_str)
                    .map(|h| h.replacen('=', ":", 1))
            });
    }
    Some((notes, hash))
}

/// The path field of a `RECORD` CSV row (or an `installed-files.txt`
/// line).
fn record_path(row: &str) -> Option<&str> {
    let row = row.trim();
    if row.is_empty() {
        return None;
    }
    if let Some(quoted) = row.strip_prefix('"') {
        return quoted.split('"').next();
    }
    row.split(',').next()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_block_with_continuations() {
        let h = headers(
            "Metadata-Version: 2.1\nName: PyYAML\nSummary: a\n  b\nVersion: 6.0.1\n\nName: body\n",
        );
        let names: Vec<_> = h
            .iter()
            .map(|h| (h.name, h.value.as_str(), h.line))
            .collect();
        assert_eq!(
            names,
            vec![
                ("Metadata-Version", "2.1", 1),
                ("Name", "PyYAML", 2),
                ("Summary", "a b", 3),
                ("Version", "6.0.1", 5)
            ]
        );
    }

    #[test]
    fn record_rows() {
        assert_eq!(
            record_path("litellm_init.pth,sha256=x,10"),
            Some("litellm_init.pth")
        );
        assert_eq!(record_path("\"a,b.pth\",sha256=x,1"), Some("a,b.pth"));
    }
}
