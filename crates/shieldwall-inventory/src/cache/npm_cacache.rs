//! npm's `_cacache` index: `index-v5/<xx>/<yy>/<rest of sha256>` bucket
//! files, one entry per line as `<sha1 of the json>\t<json>` (a bucket
//! starts with an empty line and entries are appended). An entry whose
//! `key` is `make-fetch-happen:request-cache:<url>` and whose URL path ends
//! in a tarball, `…/<name>/-/<basename>-<version>.tgz` or
//! `…/@scope/<name>/-/<name>-<version>.tgz`, records a downloaded package:
//! its `integrity` becomes the location hash and its `time` a `fetched`
//! note. The registry host and any path prefix before the package name are
//! ignored: no host is trusted or distrusted. Packument keys
//! (`…/@scope%2fname`, `…/name`) are metadata, not downloads, and other
//! keys (`pacote:tarball:file:…`, local tarballs) name no registry
//! package; both are skipped. An entry with a `null` integrity was removed
//! from the cache later and is still reported, with a note. The line
//! checksum is not verified.

use std::collections::HashSet;
use std::sync::Arc;

use serde_json::Value;
use shieldwall_core::{Ecosystem, EvidenceKind, Location, PackageRef, Version};

use super::{dir, is_hex};
use crate::{ExtractError, Extraction, Extractor, FileInput, Problem};

/// Reads npm `_cacache` index buckets.
#[derive(Debug)]
pub(crate) struct NpmCacache;

/// The npm `_cacache` index reader.
pub(crate) static NPM_CACACHE: NpmCacache = NpmCacache;

/// The key prefix of HTTP responses cached by npm.
const REQUEST_KEY: &str = "make-fetch-happen:request-cache:";

/// True for `index-v5/<xx>/<yy>/<hex>`.
pub(crate) fn matches(parts: &[String]) -> bool {
    parts
        .last()
        .is_some_and(|f| is_hex(f, None) && f.len() >= 32)
        && dir(parts, 1).is_some_and(|d| is_hex(d, Some(2)))
        && dir(parts, 2).is_some_and(|d| is_hex(d, Some(2)))
        && dir(parts, 3) == Some("index-v5")
}

impl Extractor for NpmCacache {
    fn id(&self) -> &'static str {
        "cache/npm-cacache"
    }

    fn extract(&self, input: &FileInput<'_>) -> Result<Extraction, ExtractError> {
        let mut out = Extraction::default();
        let mut seen = HashSet::new();
        for (idx, raw) in input.bytes.split(|&b| b == b'\n').enumerate() {
            let line = u32::try_from(idx + 1).unwrap_or(u32::MAX);
            let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
            if raw.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            match read_line(raw) {
                Ok(Some(entry)) => {
                    if seen.insert((
                        entry.name.clone(),
                        entry.version.clone(),
                        entry.hash.clone(),
                    )) {
                        out.packages.push(entry.into_ref(input.display, line));
                    }
                }
                Ok(None) => {}
                Err(message) => out.problems.push(Problem {
                    line: Some(line),
                    message,
                }),
            }
        }
        Ok(out)
    }
}

/// A tarball download recorded in the index.
struct Entry {
    name: String,
    version: String,
    hash: Option<String>,
    note: String,
}

impl Entry {
    fn into_ref(self, path: &Arc<str>, line: u32) -> PackageRef {
        let location = Location::new(path.clone(), EvidenceKind::Cache)
            .with_line(Some(line))
            .with_hash(self.hash)
            .with_note(Some(self.note));
        PackageRef::new(Ecosystem::Npm, self.name, self.version, location)
    }
}

/// Reads one bucket line: `Ok(None)` for entries that are not tarball
/// downloads, `Err` with a lowercase message for unreadable lines.
fn read_line(raw: &[u8]) -> Result<Option<Entry>, String> {
    let text = std::str::from_utf8(raw).map_err(|_| "index line is not utf-8 text".to_owned())?;
    let Some((_checksum, json)) = text.split_once('\t') else {
        return Err("index line has no tab-separated `<hash>\\t<json>` entry".to_owned());
    };
    let entry: Value =
        serde_json::from_str(json).map_err(|e| format!("index entry is not valid json: {e}"))?;
    let Some(key) = entry.get("key").and_then(Value::as_str) else {
        return Err("index entry has no string `key`".to_owned());
    };
    let Some(url) = key.strip_prefix(REQUEST_KEY) else {
        return Ok(None);
    };
    let Some((name, version)) = tarball_identity(url)? else {
        return Ok(None);
    };
    let hash = match entry.get("integrity") {
        Some(Value::String(s)) => Some(s.clone()),
        _ => None,
    };
    let mut note = "npm cache".to_owned();
    if let Some(at) = entry.get("time").and_then(Value::as_i64).and_then(iso_utc) {
        note.push_str(", fetched ");
        note.push_str(&at);
    }
    if matches!(entry.get("integrity"), Some(Value::Null)) {
        note.push_str(", index entry removed");
    }
    Ok(Some(Entry {
        name,
        version,
        hash,
        note,
    }))
}

/// The package and version of a registry tarball URL, `None` for URLs
/// that are not tarballs (packuments, searches), `Err` for a tarball URL
/// whose file name does not fit its package.
fn tarball_identity(url: &str) -> Result<Option<(String, String)>, String> {
    let without_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
    let path = without_scheme
        .find('/')
        .map_or("", |slash| &without_scheme[slash..]);
    let path = &path[..path.find(['?', '#']).unwrap_or(path.len())];
    let path = percent_decode(path);
    let Some((package_path, file)) = path.rsplit_once("/-/") else {
        return Ok(None);
    };
    let Some(stem) = file.strip_suffix(".tgz") else {
        return Ok(None);
    };
    if stem.contains('/') {
        return Ok(None);
    }
    let mut segments = package_path.rsplit('/');
    let base = segments.next().unwrap_or_default();
    let name = match segments.next() {
        Some(scope) if scope.len() > 1 && scope.starts_with('@') => format!("{scope}/{base}"),
        _ => base.to_owned(),
    };
    if base.is_empty() || base.starts_with('@') {
        return Err(format!("tarball url `{url}` names no package"));
    }
    let version = stem
        .strip_prefix(base)
        .and_then(|rest| rest.strip_prefix('-'))
        .ok_or_else(|| format!("tarball `{file}` does not match package `{name}`"))?;
    if Version::parse(Ecosystem::Npm, version).is_err() {
        return Err(format!(
            "tarball `{file}` of `{name}` has an invalid version `{version}`"
        ));
    }
    Ok(Some((name, version.to_owned())))
}

/// Decodes `%XX` escapes; invalid escapes are kept.
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        let hex = |j: usize| bytes.get(j).and_then(|c| (*c as char).to_digit(16));
        if b == b'%'
            && let (Some(h), Some(l)) = (hex(i + 1), hex(i + 2))
            && let Ok(decoded) = u8::try_from(h * 16 + l)
        {
            out.push(decoded);
            i += 3;
        } else {
            out.push(b);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Milliseconds since the Unix epoch as `YYYY-MM-DDTHH:MM:SSZ`.
fn iso_utc(ms: i64) -> Option<String> {
    let secs = ms.checked_div(1000)?;
    let days = secs.div_euclid(86_400);
    let of_day = secs.rem_euclid(86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days.checked_add(719_468)?;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    if !(1970..=9999).contains(&year) {
        return None;
    }
    Some(format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        of_day / 3600,
        of_day % 3600 / 60,
        of_day % 60
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(url: &str) -> Result<Option<(String, String)>, String> {
        tarball_identity(url)
    }

    #[test]
    fn tarball_urls() {
        let ok = |n: &str, v: &str| Ok(Some((n.to_owned(), v.to_owned())));
        assert_eq!(
            id("https://registry.example.test/@tanstack/react-router/-/react-router-1.169.5.tgz"),
            ok("@tanstack/react-router", "1.169.5")
        );
        assert_eq!(
            id("https://registry.example.test/@tanstack%2freact-router/-/react-router-1.169.5.tgz"),
            ok("@tanstack/react-router", "1.169.5")
        );
        assert_eq!(
            id(
                "https://mirror.example.test/api/npm/remote/left-pad/-/left-pad-1.3.0-beta.1.tgz?x=1"
            ),
            ok("left-pad", "1.3.0-beta.1")
        );
        assert_eq!(
            id("https://registry.example.test/@tanstack%2freact-router"),
            Ok(None)
        );
        assert_eq!(
            id("https://registry.example.test/-/v1/search?text=x"),
            Ok(None)
        );
        assert!(id("https://registry.example.test/left-pad/-/other-1.0.0.tgz").is_err());
        assert!(id("https://registry.example.test/left-pad/-/left-pad-latest.tgz").is_err());
    }

    #[test]
    fn timestamps() {
        assert_eq!(iso_utc(0).as_deref(), Some("1970-01-01T00:00:00Z"));
        assert_eq!(
            iso_utc(1_757_338_200_123).as_deref(),
            Some("2025-09-08T13:30:00Z")
        );
        assert_eq!(iso_utc(-5000), None);
        assert_eq!(iso_utc(i64::MAX), None);
    }
}
