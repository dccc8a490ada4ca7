//! `setup.cfg` declared dependencies: `[options] install_requires` and
//! `setup_requires` (which run at build time), and every key of
//! `[options.extras_require]` (noted `extra <name>`). Values are read the
//! way configparser reads them: indented lines continue the value; one
//! PEP 508 requirement per line; `#`/`;` comment lines are skipped. A
//! `file: requirements.txt` value is followed like a `-r` include.

use super::requirements::Reader;
use super::spec::parse_pep508;
use super::text::decode;
use crate::{ExtractError, Extraction, Extractor, FileInput, Problem};

/// The `setup.cfg` extractor (`python/setup-cfg`).
pub(crate) struct SetupCfg;

/// One key of an INI section with its value lines.
struct Entry<'a> {
    section: String,
    key: String,
    /// Value lines (first line's remainder, then continuations), each with
    /// its 1-based line number.
    lines: Vec<(u32, &'a str)>,
}

fn read_ini(text: &str) -> Vec<Entry<'_>> {
    let mut out: Vec<Entry<'_>> = Vec::new();
    let mut section = String::new();
    let mut in_value = false;
    for (idx, raw) in text.lines().enumerate() {
        let number = u32::try_from(idx + 1).unwrap_or(u32::MAX);
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        let trimmed = line.trim();
        let indented = line.starts_with([' ', '\t']);
        if trimmed.is_empty() {
            continue;
        }
        if trimmed.starts_with('#') || trimmed.starts_with(';') {
            continue;
        }
        if indented && in_value {
            if let Some(entry) = out.last_mut() {
                entry.lines.push((number, trimmed));
            }
            continue;
        }
        in_value = false;
        if trimmed.starts_with('[') && trimmed.ends_with(']') {
            section = trimmed[1..trimmed.len() - 1].trim().to_owned();
            continue;
        }
        let Some(at) = trimmed.find(['=', ':']) else {
            continue;
        };
        let key = trimmed[..at].trim().to_ascii_lowercase();
        let value = trimmed[at + 1..].trim();
        let mut lines = Vec::new();
        if !value.is_empty() {
            lines.push((number, value));
        }
        out.push(Entry {
            section: section.clone(),
            key,
            lines,
        });
        in_value = true;
    }
    out
}

impl Extractor for SetupCfg {
    fn id(&self) -> &'static str {
        "python/setup-cfg"
    }

    fn extract(&self, input: &FileInput<'_>) -> Result<Extraction, ExtractError> {
        let text = decode(input)?;
        let mut out = Extraction::default();
        let mut reader = Reader::default();
        for entry in read_ini(&text) {
            let note = match (entry.section.as_str(), entry.key.as_str()) {
                ("options", "install_requires") => None,
                ("options", "setup_requires") => Some("build requirement".to_owned()),
                ("options.extras_require", extra) => Some(format!("extra {extra}")),
                _ => continue,
            };
            for (line, value) in entry.lines {
                let value = match value.find(" #") {
                    Some(at) => value[..at].trim(),
                    None => value,
                };
                if value.is_empty() || value.starts_with('#') {
                    continue;
                }
                if let Some(files) = value.strip_prefix("file:") {
                    for file in files.split(',').map(str::trim).filter(|f| !f.is_empty()) {
                        reader.follow(file, line, input.path, input.display);
                    }
                    continue;
                }
                match parse_pep508(value) {
                    Ok((mut found, kind)) => {
                        found.line = Some(line);
                        found.notes.splice(0..0, note.clone());
                        out.packages.push(found.into_ref(input.display, kind));
                    }
                    Err(err) => out.problems.push(Problem {
                        line: Some(line),
                        message: format!("cannot read requirement `{value}`: {err}"),
                    }),
                }
            }
        }
        out.packages.append(&mut reader.out.packages);
        out.problems.append(&mut reader.out.problems);
        Ok(out)
    }
}
