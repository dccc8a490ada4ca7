//! pnpm content-addressable store index files.
//!
//! Verified against pnpm's source (`store/cafs`, `getIndexFilePathInCafs`,
//! `PackageFilesIndex`), not against real stores:
//!
//! - store `v3`: `files/<xx>/<rest of the tarball's sha512 hex>-index.json`,
//!   JSON with `files` and, since the field was added (pnpm 7/8),
//!   optional top-level `name` and `version`;
//! - later releases: `<hex64>-<package id>.json` (under `files/` and, from
//!   store `v10`, under `index/`), where the package id has `/ \ : * ? " < > |`
//!   replaced by `+` (`@tanstack+react-router@1.169.5`), and the JSON may
//!   hold a `manifest` object with `name` and `version`;
//! - the newest releases write the same file name with `.mpk`
//!   (MessagePack), which is not decoded: the identity is read from the
//!   file name alone.
//!
//! The identity comes from `name`/`version`, else `manifest.name`/
//! `manifest.version`, else the package id in the file name when it is a
//! registry id (`name@version` with a valid version; tarball and git ids
//! are not guessed at). An index file that yields none of these is a
//! [`Problem`]: its package could only be told by reading the content
//! files, which is not done. For a full `-index.json` name the tarball's
//! `sha512-…` integrity is rebuilt from the path and used as the hash.

use std::sync::Arc;

use serde_json::Value;
use shieldwall_core::{Ecosystem, EvidenceKind, Location, PackageRef, Version};

use super::{dir, is_hex};
use crate::{ExtractError, Extraction, Extractor, FileInput, Problem};

/// Reads pnpm store index files.
#[derive(Debug)]
pub(crate) struct PnpmStore;

/// The pnpm store index reader.
pub(crate) static PNPM_STORE: PnpmStore = PnpmStore;

/// The file name split into its hex digest and package id (`None` for
/// `-index.json`), and whether it is MessagePack.
pub(crate) struct IndexName<'a> {
    hex: &'a str,
    package_id: Option<&'a str>,
    msgpack: bool,
}

pub(crate) fn index_name(file_name: &str) -> Option<IndexName<'_>> {
    let (stem, msgpack) = if let Some(stem) = file_name.strip_suffix(".json") {
        (stem, false)
    } else {
        (file_name.strip_suffix(".mpk")?, true)
    };
    let (hex, rest) = stem.split_once('-')?;
    if hex.len() < 30 || !is_hex(hex, None) || rest.is_empty() {
        return None;
    }
    let package_id = (rest != "index").then_some(rest);
    if msgpack && package_id.is_none() {
        return None;
    }
    Some(IndexName {
        hex,
        package_id,
        msgpack,
    })
}

/// True for `v<N>/{files,index}/<xx>/<hex>-<index or id>.{json,mpk}`.
pub(crate) fn matches(parts: &[String]) -> bool {
    let store_version = |d: &str| {
        d.strip_prefix('v')
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
    };
    parts.last().is_some_and(|f| index_name(f).is_some())
        && dir(parts, 1).is_some_and(|d| is_hex(d, Some(2)))
        && dir(parts, 2).is_some_and(|d| d == "files" || d == "index")
        && dir(parts, 3).is_some_and(store_version)
}

impl Extractor for PnpmStore {
    fn id(&self) -> &'static str {
        "cache/pnpm-store"
    }

    fn extract(&self, input: &FileInput<'_>) -> Result<Extraction, ExtractError> {
        let mut out = Extraction::default();
        let file_name = input
            .path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        let Some(name) = index_name(file_name) else {
            return Ok(out);
        };
        let from_file_name = name.package_id.and_then(registry_id);
        let from_content = if name.msgpack {
            None
        } else {
            let doc: Value = serde_json::from_slice(input.bytes).map_err(|e| {
                ExtractError::malformed(
                    input,
                    u32::try_from(e.line()).ok(),
                    "pnpm index file is not valid json",
                )
            })?;
            content_identity(&doc)
        };
        let (identity, note) = match (from_content, from_file_name) {
            (Some(id), _) => (id, "pnpm store"),
            (None, Some(id)) => (id, "pnpm store, identity from index file name"),
            (None, None) => {
                out.problems.push(Problem {
                    line: None,
                    message: "pnpm index file records no package name and version; \
                              its package is not read from the content files"
                        .to_owned(),
                });
                return Ok(out);
            }
        };
        let parent = input.path.parent().and_then(|p| p.file_name());
        let hash = match (name.package_id, parent.and_then(|p| p.to_str())) {
            (None, Some(prefix)) => sha512_integrity(prefix, name.hex),
            _ => None,
        };
        let location = Location::new(Arc::clone(input.display), EvidenceKind::Cache)
            .with_hash(hash)
            .with_note(Some(note.to_owned()));
        out.packages.push(PackageRef::new(
            Ecosystem::Npm,
            identity.0,
            identity.1,
            location,
        ));
        Ok(out)
    }
}

/// `name`/`version`, else `manifest.name`/`manifest.version`.
fn content_identity(doc: &Value) -> Option<(String, String)> {
    let pair = |v: &Value| {
        let name = v.get("name")?.as_str()?.trim();
        let version = v.get("version")?.as_str()?.trim();
        (!name.is_empty() && !version.is_empty()).then(|| (name.to_owned(), version.to_owned()))
    };
    pair(doc).or_else(|| doc.get("manifest").and_then(pair))
}

/// A registry package id from a file name: `@scope+name@1.0.0` →
/// (`@scope/name`, `1.0.0`); `None` for ids that are not `name@version`.
fn registry_id(id: &str) -> Option<(String, String)> {
    let at = id.rfind('@').filter(|&at| at > 0)?;
    let (name, version) = (&id[..at], &id[at + 1..]);
    Version::parse(Ecosystem::Npm, version).ok()?;
    let name = match name.strip_prefix('@') {
        Some(scoped) => {
            let (scope, base) = scoped.split_once('+')?;
            format!("@{scope}/{base}")
        }
        None => name.to_owned(),
    };
    let valid = |s: &str| !s.is_empty() && !s.contains(['+', '@', ' ']);
    let base = name.rsplit('/').next().unwrap_or_default();
    valid(base).then_some((name, version.to_owned()))
}

/// `sha512-<base64>` from the two-character directory and the rest of a
/// 128-digit hex digest.
fn sha512_integrity(prefix: &str, rest: &str) -> Option<String> {
    if prefix.len() != 2 || rest.len() != 126 {
        return None;
    }
    let hex = format!("{prefix}{rest}");
    let bytes: Option<Vec<u8>> = hex
        .as_bytes()
        .chunks(2)
        .map(|pair| {
            let text = std::str::from_utf8(pair).ok()?;
            u8::from_str_radix(text, 16).ok()
        })
        .collect();
    Some(format!("sha512-{}", base64(&bytes?)))
}

/// Standard base64 with padding.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk.first().copied().unwrap_or(0),
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                let index = (n >> (18 - 6 * i)) & 63;
                out.push(char::from(ALPHABET[index as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn package_ids() {
        assert_eq!(
            registry_id("@tanstack+react-router@1.169.5"),
            Some(("@tanstack/react-router".to_owned(), "1.169.5".to_owned()))
        );
        assert_eq!(
            registry_id("left-pad@1.3.0"),
            Some(("left-pad".to_owned(), "1.3.0".to_owned()))
        );
        assert_eq!(
            registry_id("https+++codeload.example.test+a+b+tar.gz+abc"),
            None
        );
        assert_eq!(registry_id("left-pad@latest"), None);
    }

    #[test]
    fn base64_encoding() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foob"), "Zm9vYg==");
    }
}
