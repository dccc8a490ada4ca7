//! `pdm.lock`: `[[package]]` entries with `groups` (non-`default` groups
//! are noted), `files = [{file, hash}]` (the first hash is recorded), and
//! git (`git` + `revision`), `path` and `url` sources noted.

use shieldwall_core::EvidenceKind;

use super::text::{Found, decode};
use super::tomldoc::{Doc, get, get_str, items, major, strings};
use crate::{ExtractError, Extraction, Extractor, FileInput, Problem};

/// The `pdm.lock` extractor (`python/pdm-lock`).
pub(crate) struct PdmLock;

impl Extractor for PdmLock {
    fn id(&self) -> &'static str {
        "python/pdm-lock"
    }

    fn extract(&self, input: &FileInput<'_>) -> Result<Extraction, ExtractError> {
        let text = decode(input)?;
        let doc = Doc::parse(input, &text)?;
        if let Some(version) =
            get(&doc.root, "metadata").and_then(|m| get_str(m.get_ref(), "lock_version"))
            && major(version).is_none_or(|m| m > 4)
        {
            return Err(ExtractError::unsupported(
                input,
                format!("pdm lock_version {version} is not supported"),
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
            let mut found = Found::new(name, get_str(table, "version").unwrap_or_default());
            found.line = doc.line(package);
            found.hash = items(table, "files")
                .iter()
                .find_map(|f| get_str(f.get_ref(), "hash"))
                .map(str::to_owned);
            let groups = strings(table, "groups");
            if !groups.is_empty() && !groups.contains(&"default") {
                found.notes.push(format!("group {}", groups.join(" ")));
            }
            if get(table, "git").is_some() {
                let rev = get_str(table, "revision").unwrap_or_default();
                found
                    .notes
                    .push(format!("git source {rev}").trim_end().to_owned());
            } else if let Some(path) = get_str(table, "path") {
                found.notes.push(format!("local path {path}"));
            } else if get(table, "url").is_some() {
                found.notes.push("url source".to_owned());
            }
            if get(table, "editable").and_then(|e| e.get_ref().as_bool()) == Some(true) {
                found.notes.push("editable".to_owned());
            }
            out.packages
                .push(found.into_ref(input.display, EvidenceKind::Lockfile));
        }
        Ok(out)
    }
}
