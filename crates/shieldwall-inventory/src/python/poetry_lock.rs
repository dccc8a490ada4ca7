//! `poetry.lock`: lock-version 1.x (`[metadata.files]` hashes, `category`)
//! and 2.x (per-package `files`, `groups`). `[package.source]` of type
//! `git`, `directory`, `file`, `url` or `legacy` becomes a note (with the
//! resolved commit for git). Non-`main` groups and `category = "dev"` are
//! noted, never dropped.

use shieldwall_core::EvidenceKind;

use super::text::{Found, decode};
use super::tomldoc::{Doc, entries, get, get_str, items, major, strings};
use crate::{ExtractError, Extraction, Extractor, FileInput};

/// The `poetry.lock` extractor (`python/poetry-lock`).
pub(crate) struct PoetryLock;

impl Extractor for PoetryLock {
    fn id(&self) -> &'static str {
        "python/poetry-lock"
    }

    fn extract(&self, input: &FileInput<'_>) -> Result<Extraction, ExtractError> {
        let text = decode(input)?;
        let doc = Doc::parse(input, &text)?;
        let metadata = get(&doc.root, "metadata").map(|m| m.get_ref());
        if let Some(version) = metadata.and_then(|m| get_str(m, "lock-version"))
            && major(version).is_none_or(|m| m > 2)
        {
            return Err(ExtractError::unsupported(
                input,
                format!("poetry lock-version {version} is not supported"),
            ));
        }
        // lock-version 1.x keeps hashes in `[metadata.files]`, keyed by name.
        let legacy_files = metadata.map(|m| entries(m, "files")).unwrap_or_default();
        let mut out = Extraction::default();
        for package in doc.packages(input, "package")? {
            let table = package.get_ref();
            let Some(name) = get_str(table, "name") else {
                out.problems.push(crate::Problem {
                    line: doc.line(package),
                    message: "package entry without a name".to_owned(),
                });
                continue;
            };
            let version = get_str(table, "version").unwrap_or_default();
            let mut found = Found::new(name, version);
            found.line = doc.line(package);
            found.hash = items(table, "files")
                .iter()
                .find_map(|f| get_str(f.get_ref(), "hash"))
                .or_else(|| {
                    legacy_files
                        .iter()
                        .find(|(k, _)| k.get_ref().as_ref() == name)
                        .and_then(|(_, v)| v.get_ref().as_array())
                        .and_then(|a| a.iter().find_map(|f| get_str(f.get_ref(), "hash")))
                })
                .map(str::to_owned);
            if let Some(category) = get_str(table, "category")
                && category != "main"
            {
                found.notes.push(category.to_owned());
            }
            let groups = strings(table, "groups");
            if !groups.is_empty() && !groups.contains(&"main") {
                found.notes.push(format!("group {}", groups.join(" ")));
            }
            if let Some(source) = get(table, "source").map(|s| s.get_ref()) {
                found.notes.extend(source_note(source));
            }
            out.packages
                .push(found.into_ref(input.display, EvidenceKind::Lockfile));
        }
        Ok(out)
    }
}

fn source_note(source: &toml::de::DeValue<'_>) -> Option<String> {
    let kind = get_str(source, "type")?;
    let url = get_str(source, "url").unwrap_or_default();
    Some(match kind {
        "git" => {
            let rev = get_str(source, "resolved_reference")
                .or_else(|| get_str(source, "reference"))
                .unwrap_or_default();
            format!("git source {rev}").trim_end().to_owned()
        }
        "directory" | "file" => format!("local {kind} {url}").trim_end().to_owned(),
        "url" => "url source".to_owned(),
        "legacy" => format!(
            "private index {}",
            get_str(source, "reference").unwrap_or(url)
        )
        .trim_end()
        .to_owned(),
        other => format!("{other} source"),
    })
}
