//! pip's cache.
//!
//! - `http-v2/<a>/<b>/<c>/<d>/<e>/<key>.body` (pip 23.3 and later): the
//!   raw body of a cached HTTP response. The body is sniffed: a zip
//!   (`PK\x03\x04`) is a wheel (its `<name>.dist-info/METADATA`) or a zip
//!   sdist (`<dir>/PKG-INFO`), gzip is a `.tar.gz` sdist (`<dir>/PKG-INFO`),
//!   text starting with `Metadata-Version:` is PEP 658 metadata fetched
//!   while resolving (reported with a `metadata only` note: the resolver
//!   looked at that version, it need not have been downloaded), anything
//!   else (index pages, JSON) holds no package and gives nothing.
//! - `wheels/<a>/<b>/<c>/<d>/…/*.whl`: wheels pip built locally and cached.
//! - `http/…` (before pip 23.3): serialized responses, not read.
//!
//! Only the one metadata member is decompressed, up to
//! [`MAX_METADATA_BYTES`]; a tar stream is decompressed up to
//! [`MAX_TAR_BYTES`] looking for it.

use std::io::{Cursor, Read};

use shieldwall_core::{Ecosystem, EvidenceKind, Location, PackageRef};

use super::dir;
use crate::python::{core_identity, decode_bytes};
use crate::{Detected, ExtractError, Extraction, Extractor, FileInput};

/// Largest metadata member read from an archive.
const MAX_METADATA_BYTES: u64 = 4 * 1024 * 1024;

/// Most decompressed tar bytes scanned for `PKG-INFO`.
const MAX_TAR_BYTES: u64 = 512 * 1024 * 1024;

/// Reads pip `http-v2` response bodies.
#[derive(Debug)]
pub(crate) struct PipHttp;

/// The pip `http-v2` body reader.
pub(crate) static PIP_HTTP: PipHttp = PipHttp;

/// Reads wheels in pip's wheel cache.
#[derive(Debug)]
pub(crate) struct PipWheel;

/// The pip wheel cache reader.
pub(crate) static PIP_WHEEL: PipWheel = PipWheel;

/// True when the directory `name` at `depth` (counting from the file) is a
/// pip cache subdirectory: its parent is `pip`, or `Cache`/`cache` inside
/// `pip` (Windows).
fn pip_subdir_at(parts: &[String], depth: usize, name: &str) -> bool {
    dir(parts, depth) == Some(name)
        && (dir(parts, depth + 1).is_some_and(|d| d.eq_ignore_ascii_case("pip"))
            || (dir(parts, depth + 1).is_some_and(|d| d.eq_ignore_ascii_case("cache"))
                && dir(parts, depth + 2).is_some_and(|d| d.eq_ignore_ascii_case("pip"))))
}

/// True when some directory above the file is the pip cache's `name`.
fn under_pip_subdir(parts: &[String], name: &str) -> bool {
    (1..parts.len()).any(|depth| pip_subdir_at(parts, depth, name))
}

/// Classifies pip cache files.
pub(crate) fn classify(parts: &[String], file_name: &str) -> Option<Detected> {
    if file_name.ends_with(".body") && pip_subdir_at(parts, 6, "http-v2") {
        return Some(Detected::Extract(&PIP_HTTP));
    }
    if file_name.to_ascii_lowercase().ends_with(".whl") && under_pip_subdir(parts, "wheels") {
        return Some(Detected::Extract(&PIP_WHEEL));
    }
    if super::is_hex(file_name, Some(56)) && pip_subdir_at(parts, 6, "http") {
        return Some(Detected::NotCovered(
            "pip cache entries in `http/` (pip before 23.3) are not read; pip 23.3 and later cache to `http-v2/`, which is read",
        ));
    }
    None
}

impl Extractor for PipHttp {
    fn id(&self) -> &'static str {
        "cache/pip-http"
    }

    fn extract(&self, input: &FileInput<'_>) -> Result<Extraction, ExtractError> {
        let bytes = input.bytes;
        let found = if bytes.starts_with(b"PK\x03\x04") {
            read_zip(bytes).map(|f| f.map(|(n, v, l)| (n, v, l, "pip cache")))
        } else if bytes.starts_with(&[0x1f, 0x8b]) {
            read_tar_gz(bytes).map(|f| f.map(|(n, v, l)| (n, v, l, "pip cache")))
        } else if bytes.starts_with(b"Metadata-Version:") {
            read_metadata(bytes).map(|(n, v, l)| Some((n, v, l, "pip cache, metadata only")))
        } else {
            return Ok(Extraction::default());
        };
        output(input, found)
    }
}

impl Extractor for PipWheel {
    fn id(&self) -> &'static str {
        "cache/pip-wheel"
    }

    fn extract(&self, input: &FileInput<'_>) -> Result<Extraction, ExtractError> {
        let found = read_zip(input.bytes).map(|f| f.map(|(n, v, l)| (n, v, l, "pip cache")));
        output(input, found)
    }
}

/// A name, version, metadata line and note, or an error message.
type Found = Result<Option<(String, String, Option<u32>, &'static str)>, String>;

fn output(input: &FileInput<'_>, found: Found) -> Result<Extraction, ExtractError> {
    let mut out = Extraction::default();
    match found {
        Ok(Some((name, version, _line, note))) => {
            let location = Location::new(input.display.clone(), EvidenceKind::Cache)
                .with_note(Some(note.to_owned()));
            out.packages
                .push(PackageRef::new(Ecosystem::PyPI, name, version, location));
            Ok(out)
        }
        Ok(None) => Err(ExtractError::malformed(
            input,
            None,
            "archive holds no `*.dist-info/METADATA` or `PKG-INFO`",
        )),
        Err(message) => Err(ExtractError::malformed(input, None, message)),
    }
}

/// Name, version and line of the `Name` header of a metadata text.
fn read_metadata(bytes: &[u8]) -> Result<(String, String, Option<u32>), String> {
    let text = decode_bytes(bytes)?;
    core_identity(&text)
        .map(|(n, v, l)| (n, v, Some(l)))
        .map_err(|(_, message)| message.to_owned())
}

/// Which archive member holds the metadata: `<x>.dist-info/METADATA`
/// (rank 0) or `<dir>/PKG-INFO` (rank 1), top level only.
fn metadata_rank(member: &str) -> Option<u8> {
    let (top, file) = member.split_once('/')?;
    if file.contains('/') || top.is_empty() {
        return None;
    }
    match file {
        "METADATA" if top.to_ascii_lowercase().ends_with(".dist-info") => Some(0),
        "PKG-INFO" => Some(1),
        _ => None,
    }
}

/// The metadata of a wheel or zip sdist.
fn read_zip(bytes: &[u8]) -> Result<Option<(String, String, Option<u32>)>, String> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| format!("zip archive is unreadable: {e}"))?;
    let best = archive
        .file_names()
        .filter_map(Result::ok)
        .filter_map(|name| metadata_rank(&name).map(|rank| (rank, name.into_owned())))
        .min();
    let Some((_, member)) = best else {
        return Ok(None);
    };
    let file = archive
        .by_name(&member)
        .map_err(|e| format!("zip member `{member}` is unreadable: {e}"))?;
    if file.size() > MAX_METADATA_BYTES {
        return Err(format!("zip member `{member}` is larger than the limit"));
    }
    let mut buf = Vec::new();
    file.take(MAX_METADATA_BYTES)
        .read_to_end(&mut buf)
        .map_err(|e| format!("zip member `{member}` is unreadable: {e}"))?;
    read_metadata(&buf).map(Some)
}

/// The `PKG-INFO` of a `.tar.gz` sdist.
fn read_tar_gz(bytes: &[u8]) -> Result<Option<(String, String, Option<u32>)>, String> {
    let stream = flate2::read::GzDecoder::new(bytes).take(MAX_TAR_BYTES);
    let mut archive = tar::Archive::new(stream);
    let entries = archive
        .entries()
        .map_err(|e| format!("tar archive is unreadable: {e}"))?;
    for entry in entries {
        let entry = entry.map_err(|e| format!("tar archive is unreadable: {e}"))?;
        let path = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
        let path = path.strip_prefix("./").unwrap_or(&path);
        if metadata_rank(path) != Some(1) {
            continue;
        }
        if entry.size() > MAX_METADATA_BYTES {
            return Err(format!("tar member `{path}` is larger than the limit"));
        }
        let mut buf = Vec::new();
        entry
            .take(MAX_METADATA_BYTES)
            .read_to_end(&mut buf)
            .map_err(|e| format!("tar member `{path}` is unreadable: {e}"))?;
        return read_metadata(&buf).map(Some);
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_members() {
        assert_eq!(metadata_rank("litellm-1.82.8.dist-info/METADATA"), Some(0));
        assert_eq!(metadata_rank("litellm-1.82.8/PKG-INFO"), Some(1));
        assert_eq!(metadata_rank("litellm-1.82.8/x.egg-info/PKG-INFO"), None);
        assert_eq!(metadata_rank("vendored/y.dist-info/x/METADATA"), None);
        assert_eq!(metadata_rank("METADATA"), None);
    }
}
