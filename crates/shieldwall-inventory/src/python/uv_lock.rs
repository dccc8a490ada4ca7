//! `uv.lock` (and PEP 723 script locks `*.py.lock`): every `[[package]]`,
//! including the same package at several versions under
//! `resolution-markers` forks. `virtual` and `editable` sources are the
//! project and its workspace members and are skipped; `git`, `path`,
//! `directory` and `url` sources are noted. The first wheel hash (else the
//! sdist hash) is recorded.

use shieldwall_core::EvidenceKind;
use toml::de::DeValue;

use super::text::{Found, decode};
use super::tomldoc::{Doc, get, get_scalar, get_str, items, major};
use crate::{ExtractError, Extraction, Extractor, FileInput, Problem};

/// The `uv.lock` extractor (`python/uv-lock`).
pub(crate) struct UvLock;

impl Extractor for UvLock {
    fn id(&self) -> &'static str {
        "python/uv-lock"
    }

    fn extract(&self, input: &FileInput<'_>) -> Result<Extraction, ExtractError> {
        let text = decode(input)?;
        let doc = Doc::parse(input, &text)?;
        if let Some(version) = get_scalar(&doc.root, "version")
            && major(version).is_none_or(|m| m > 1)
        {
            return Err(ExtractError::unsupported(
                input,
                format!("uv.lock version {version} is not supported"),
            ));
        }
        let mut out = Extraction::default();
        for package in doc.packages(input, "package")? {
            let table = package.get_ref();
            let Some(name) = get_str(table, "name") else {
                out.problems.push(Problem {
                    line: doc.line(package),
                    message: "package entry without a name".to_owned(),
                });
                continue;
            };
            let source = get(table, "source").map(|s| s.get_ref());
            if source.is_some_and(|s| get(s, "virtual").is_some() || get(s, "editable").is_some()) {
                continue;
            }
            let mut found = Found::new(name, get_str(table, "version").unwrap_or_default());
            found.line = doc.line(package);
            found.hash = items(table, "wheels")
                .iter()
                .find_map(|w| get_str(w.get_ref(), "hash"))
                .or_else(|| get(table, "sdist").and_then(|s| get_str(s.get_ref(), "hash")))
                .map(str::to_owned);
            found.notes.extend(source.and_then(source_note));
            out.packages
                .push(found.into_ref(input.display, EvidenceKind::Lockfile));
        }
        Ok(out)
    }
}

fn source_note(source: &DeValue<'_>) -> Option<String> {
    if let Some(git) = get_str(source, "git") {
        let commit = git.rsplit_once('#').map(|(_, c)| c).unwrap_or_default();
        return Some(format!("git source {commit}").trim_end().to_owned());
    }
    for kind in ["path", "directory"] {
        if let Some(path) = get_str(source, kind) {
            return Some(format!("local {kind} {path}"));
        }
    }
    if get(source, "url").is_some() {
        return Some("url source".to_owned());
    }
    None
}
