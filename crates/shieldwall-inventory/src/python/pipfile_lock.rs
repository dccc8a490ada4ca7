//! `Pipfile.lock` (JSON): the `default` and `develop` sections; versions
//! are written `"==1.82.8"` and lose the `==`. Git and path entries have no
//! version and are noted; an editable `path = "."` entry is the project
//! itself and skipped. The first of `hashes` is recorded.

use serde_json::Value;
use shieldwall_core::EvidenceKind;

use super::text::{Found, LineIndex, decode};
use crate::{ExtractError, Extraction, Extractor, FileInput};

/// The `Pipfile.lock` extractor (`python/pipfile-lock`).
pub(crate) struct PipfileLock;

impl Extractor for PipfileLock {
    fn id(&self) -> &'static str {
        "python/pipfile-lock"
    }

    fn extract(&self, input: &FileInput<'_>) -> Result<Extraction, ExtractError> {
        let text = decode(input)?;
        let doc: Value = serde_json::from_str(&text).map_err(|e| {
            ExtractError::malformed(
                input,
                u32::try_from(e.line()).ok().filter(|&l| l > 0),
                format!("invalid json: {e}"),
            )
        })?;
        let Some(root) = doc.as_object() else {
            return Err(ExtractError::malformed(
                input,
                None,
                "expected a json object",
            ));
        };
        if let Some(spec) = root
            .get("_meta")
            .and_then(|m| m.get("pipfile-spec"))
            .and_then(Value::as_u64)
            && spec > 6
        {
            return Err(ExtractError::unsupported(
                input,
                format!("pipfile-spec {spec} is not supported"),
            ));
        }
        let lines = LineIndex::new(&text);
        let mut out = Extraction::default();
        for section in ["default", "develop"] {
            let Some(entries) = root.get(section).and_then(Value::as_object) else {
                continue;
            };
            let section_at = find_key(&text, section, 0).unwrap_or(0);
            for (name, entry) in entries {
                if entry.get("editable").and_then(Value::as_bool) == Some(true)
                    && entry.get("path").and_then(Value::as_str) == Some(".")
                {
                    continue;
                }
                let version = entry
                    .get("version")
                    .and_then(Value::as_str)
                    .map(|v| v.trim().trim_start_matches('=').trim())
                    .unwrap_or_default();
                let mut found = Found::new(name.as_str(), version);
                found.line = find_key(&text, name, section_at).and_then(|at| lines.line(at));
                found.hash = entry
                    .get("hashes")
                    .and_then(Value::as_array)
                    .and_then(|h| h.first())
                    .and_then(Value::as_str)
                    .map(str::to_owned);
                if section == "develop" {
                    found.notes.push("dev".to_owned());
                }
                if entry.get("git").is_some() {
                    let rev = entry.get("ref").and_then(Value::as_str).unwrap_or_default();
                    found
                        .notes
                        .push(format!("git source {rev}").trim_end().to_owned());
                } else if let Some(path) = entry.get("path").and_then(Value::as_str) {
                    found.notes.push(format!("local path {path}"));
                } else if entry.get("file").is_some() {
                    found.notes.push("url source".to_owned());
                }
                if entry.get("editable").and_then(Value::as_bool) == Some(true) {
                    found.notes.push("editable".to_owned());
                }
                if let Some(markers) = entry.get("markers").and_then(Value::as_str) {
                    found.notes.push(format!("marker {markers}"));
                }
                out.packages
                    .push(found.into_ref(input.display, EvidenceKind::Lockfile));
            }
        }
        super::pyproject::sort_by_line(&mut out);
        Ok(out)
    }
}

/// The byte offset of the JSON key `"key":` at or after `from`.
fn find_key(text: &str, key: &str, from: usize) -> Option<usize> {
    let quoted = serde_json::to_string(key).ok()?;
    let mut search = from;
    while let Some(pos) = text.get(search..)?.find(&quoted) {
        let at = search + pos;
        let after = text[at + quoted.len()..].trim_start();
        if after.starts_with(':') {
            return Some(at);
        }
        search = at + quoted.len();
    }
    None
}
