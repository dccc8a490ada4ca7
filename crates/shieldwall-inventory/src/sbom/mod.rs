//! SBOM input: CycloneDX JSON (1.2–1.7) and SPDX JSON (2.2, 2.3).
//!
//! | id | files |
//! |---|---|
//! | `sbom/json` | `*.cdx.json`, `bom.json`, `*.bom.json`, `*.spdx.json`, `*sbom*.json`, `*cyclonedx*.json` |
//! | not covered | `*.cdx.xml`, `bom.xml`, `*.bom.xml`, `*.spdx` (tag-value), `*.spdx.yaml`, `*.spdx.yml`, `*.spdx.rdf`, `*.spdx.xml` |
//!
//! The file name only admits a file; the content decides: a document with
//! `"bomFormat": "CycloneDX"` is read as CycloneDX, one with
//! `spdxVersion` as SPDX 2, SPDX 3 JSON-LD is reported as unsupported, and
//! any other JSON gives nothing. Invalid JSON is an error only for the
//! conventional names (`*.cdx.json`, `*.spdx.json`, `bom.json`,
//! `*.bom.json`, `sbom.json`, `*.sbom.json`).
//!
//! Packages come from purls (`pkg:npm/…`, `pkg:pypi/…`; other types are
//! not ours and are skipped silently; purls that do not parse, such as a
//! double-encoded `%2540` scope, are [`Problem`]s). Without a purl, a name
//! and version are read only when the ecosystem is clear (see
//! [`cyclonedx`] and [`spdx`]); the others are counted in one problem.
//! The line is that of the purl's first occurrence in the file.

mod cyclonedx;
mod spdx;

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::Arc;

use serde_json::Value;
use shieldwall_core::{Ecosystem, EvidenceKind, Location, PackageRef, Purl, PurlError};

use crate::{Detected, ExtractError, Extraction, Extractor, FileInput, Problem};

/// Reads CycloneDX and SPDX JSON documents.
#[derive(Debug)]
pub(crate) struct SbomJson;

/// The SBOM reader.
pub(crate) static SBOM_JSON: SbomJson = SbomJson;

/// True for the conventional SBOM file names.
fn conventional(lower: &str) -> bool {
    [".cdx.json", ".spdx.json", ".bom.json", ".sbom.json"]
        .iter()
        .any(|s| lower.ends_with(s))
        || lower == "bom.json"
        || lower == "sbom.json"
}

/// Classifies SBOM files by name. Files inside installed packages
/// (`node_modules/`, `site-packages/`, `dist-packages/`) are package
/// payloads (test data, schemas), not SBOMs of the scanned tree, and are
/// not read.
pub(crate) fn classify(path: &Path, file_name: &str) -> Option<Detected> {
    let lower = file_name.to_ascii_lowercase();
    if !(lower.ends_with(".json") || lower.ends_with(".xml") || lower.contains(".spdx")) {
        return None;
    }
    let in_package = path.components().any(|c| {
        matches!(
            c.as_os_str().to_str(),
            Some("node_modules" | "site-packages" | "dist-packages")
        )
    });
    if in_package {
        return None;
    }
    if conventional(&lower)
        || (lower.ends_with(".json") && (lower.contains("sbom") || lower.contains("cyclonedx")))
    {
        return Some(Detected::Extract(&SBOM_JSON));
    }
    let other_format = [
        ".cdx.xml",
        ".bom.xml",
        ".spdx",
        ".spdx.yaml",
        ".spdx.yml",
        ".spdx.rdf",
        ".spdx.xml",
    ]
    .iter()
    .any(|s| lower.ends_with(s))
        || lower == "bom.xml";
    other_format.then_some(Detected::NotCovered(
        "sbom formats other than cyclonedx and spdx json are not read; export the sbom as json",
    ))
}

/// Every SBOM extractor.
pub(crate) fn extractors() -> Vec<&'static dyn Extractor> {
    vec![&SBOM_JSON]
}

impl Extractor for SbomJson {
    fn id(&self) -> &'static str {
        "sbom/json"
    }

    fn extract(&self, input: &FileInput<'_>) -> Result<Extraction, ExtractError> {
        let bytes = input
            .bytes
            .strip_prefix(b"\xEF\xBB\xBF")
            .unwrap_or(input.bytes);
        let lower = input
            .path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_ascii_lowercase();
        let doc: Value = match serde_json::from_slice(bytes) {
            Ok(doc) => doc,
            Err(_) if !conventional(&lower) => return Ok(Extraction::default()),
            Err(e) => {
                return Err(ExtractError::malformed(
                    input,
                    u32::try_from(e.line()).ok().filter(|&l| l > 0),
                    "sbom is not valid json",
                ));
            }
        };
        let mut collector = Collector::new(input.display, bytes);
        if doc.get("bomFormat").and_then(Value::as_str) == Some("CycloneDX") {
            cyclonedx::read(&doc, &mut collector);
        } else if doc
            .get("spdxVersion")
            .and_then(Value::as_str)
            .is_some_and(|v| v.starts_with("SPDX-2"))
        {
            spdx::read(&doc, &mut collector);
        } else if is_spdx3(&doc) {
            return Err(ExtractError::unsupported(
                input,
                "spdx 3 json-ld is not read; export spdx 2.3 json or cyclonedx json",
            ));
        } else {
            return Ok(Extraction::default());
        }
        Ok(collector.finish())
    }
}

/// True for an SPDX 3 JSON-LD document (`@context` naming spdx 3).
fn is_spdx3(doc: &Value) -> bool {
    let names_spdx3 = |v: &Value| v.as_str().is_some_and(|s| s.contains("spdx.org/rdf/3"));
    match doc.get("@context") {
        Some(Value::Array(items)) => items.iter().any(names_spdx3),
        Some(other) => names_spdx3(other),
        None => false,
    }
}

/// Collects packages from one SBOM, deduplicating and locating them.
pub(crate) struct Collector<'a> {
    display: &'a Arc<str>,
    lines: HashMap<&'a str, u32>,
    seen: HashSet<(Ecosystem, String, String)>,
    out: Extraction,
    unknown_ecosystem: usize,
}

impl<'a> Collector<'a> {
    fn new(display: &'a Arc<str>, bytes: &'a [u8]) -> Self {
        Self {
            display,
            lines: purl_lines(bytes),
            seen: HashSet::new(),
            out: Extraction::default(),
            unknown_ecosystem: 0,
        }
    }

    /// Reads a purl; `version` is used when the purl has none.
    pub(crate) fn purl(&mut self, text: &str, version: Option<&str>, note: Option<&str>) {
        let line = self.lines.get(text).copied();
        match text.parse::<Purl>() {
            Ok(purl) => {
                let Some(version) = purl.version.as_deref().or(version) else {
                    self.out.problems.push(Problem {
                        line,
                        message: format!("package url `{text}` has no version"),
                    });
                    return;
                };
                let mut notes: Vec<&str> = note.into_iter().collect();
                if text.contains("repository_url=") {
                    notes.push("custom repository_url");
                }
                let note = (!notes.is_empty()).then(|| notes.join(", "));
                self.push(purl.ecosystem, &purl.name, version, line, note);
            }
            Err(PurlError::UnsupportedType(_)) => {}
            Err(e @ PurlError::Invalid(_)) => self.out.problems.push(Problem {
                line,
                message: e.to_string(),
            }),
        }
    }

    /// Records a package read from a name and version.
    pub(crate) fn named(&mut self, ecosystem: Ecosystem, name: &str, version: &str, note: &str) {
        self.push(ecosystem, name, version, None, Some(note.to_owned()));
    }

    /// Counts a package whose ecosystem could not be told.
    pub(crate) fn unknown(&mut self) {
        self.unknown_ecosystem += 1;
    }

    fn push(
        &mut self,
        ecosystem: Ecosystem,
        name: &str,
        version: &str,
        line: Option<u32>,
        note: Option<String>,
    ) {
        let (name, version) = (name.trim(), version.trim());
        if name.is_empty() || version.is_empty() {
            return;
        }
        if !self
            .seen
            .insert((ecosystem, name.to_owned(), version.to_owned()))
        {
            return;
        }
        let location = Location::new(self.display.clone(), EvidenceKind::Sbom)
            .with_line(line)
            .with_note(note);
        self.out
            .packages
            .push(PackageRef::new(ecosystem, name, version, location));
    }

    fn finish(mut self) -> Extraction {
        if self.unknown_ecosystem > 0 {
            self.out.problems.push(Problem {
                line: None,
                message: format!(
                    "{} package(s) without a purl and without a known ecosystem were not read",
                    self.unknown_ecosystem
                ),
            });
        }
        self.out
    }
}

/// The first line of every string value of a `"purl"` or
/// `"referenceLocator"` key, found in one pass.
fn purl_lines(bytes: &[u8]) -> HashMap<&str, u32> {
    let mut lines = HashMap::new();
    let Ok(text) = std::str::from_utf8(bytes) else {
        return lines;
    };
    for key in ["\"purl\"", "\"referenceLocator\""] {
        let mut line = 1u32;
        let mut counted = 0usize;
        let mut from = 0;
        while let Some(found) = text.get(from..).and_then(|rest| rest.find(key)) {
            let at = from + found;
            from = at + key.len();
            let rest = text.get(from..).unwrap_or_default().trim_start();
            let Some(value) = rest
                .strip_prefix(':')
                .and_then(|r| r.trim_start().strip_prefix('"'))
            else {
                continue;
            };
            let Some(end) = value.find('"') else {
                continue;
            };
            line = line.saturating_add(count_newlines(text.get(counted..at).unwrap_or_default()));
            counted = at;
            lines.entry(&value[..end]).or_insert(line);
        }
    }
    lines
}

fn count_newlines(s: &str) -> u32 {
    u32::try_from(s.bytes().filter(|&b| b == b'\n').count()).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(name: &str) -> Option<&'static str> {
        match classify(Path::new(name), Path::new(name).file_name()?.to_str()?)? {
            Detected::Extract(e) => Some(e.id()),
            Detected::NotCovered(_) => Some("not-covered"),
            Detected::Image => Some("image"),
        }
    }

    #[test]
    fn classification() {
        for name in [
            "app.cdx.json",
            "bom.json",
            "x.bom.json",
            "x.spdx.json",
            "sbom.json",
            "x.sbom.json",
            "release-SBOM-2026.json",
            "bom.cyclonedx.json",
        ] {
            assert_eq!(id(name), Some("sbom/json"), "{name}");
        }
        assert_eq!(id("bom.xml"), Some("not-covered"));
        assert_eq!(id("x.spdx"), Some("not-covered"));
        assert_eq!(id("data.json"), None);
        assert_eq!(id("bomb.json"), None);
        assert_eq!(id("node_modules/x/test/sbom.json"), None);
        assert_eq!(id("lib/python3.12/site-packages/x/bom.json"), None);
        assert_eq!(id("dist/app.cdx.json"), Some("sbom/json"));
    }

    #[test]
    fn purl_lines_in_one_pass() {
        let text = b"{\n \"purl\" : \"pkg:npm/a@1\",\n\n \"purl\":\"pkg:npm/b@2\",\n \"purl\": \"pkg:npm/a@1\"}";
        let lines = purl_lines(text);
        assert_eq!(lines.get("pkg:npm/a@1"), Some(&2));
        assert_eq!(lines.get("pkg:npm/b@2"), Some(&4));
    }
}
