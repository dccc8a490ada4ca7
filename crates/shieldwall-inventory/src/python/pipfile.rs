//! `Pipfile` (TOML): `[packages]` and `[dev-packages]` (noted `dev`).
//! Values are PEP 440 specifier sets (`"==2.4.6"` is a pin, `"*"` any
//! version) or tables with `version`, `git`/`ref`, `path`, `file`,
//! `editable`, `markers`.

use shieldwall_core::EvidenceKind;
use toml::de::DeValue;

use super::spec::{parse_specifier_set, url_source};
use super::text::{Found, decode};
use super::tomldoc::{Doc, entries, get_bool, get_str};
use crate::{ExtractError, Extraction, Extractor, FileInput, Problem};

/// The `Pipfile` extractor (`python/pipfile`).
pub(crate) struct Pipfile;

impl Extractor for Pipfile {
    fn id(&self) -> &'static str {
        "python/pipfile"
    }

    fn extract(&self, input: &FileInput<'_>) -> Result<Extraction, ExtractError> {
        let text = decode(input)?;
        let doc = Doc::parse(input, &text)?;
        let mut out = Extraction::default();
        for (section, note) in [("packages", None), ("dev-packages", Some("dev"))] {
            for (name, value) in entries(&doc.root, section) {
                let (mut found, kind) = match entry(name.get_ref(), value.get_ref()) {
                    Entry::Package(found, kind) => (found, kind),
                    Entry::Project => continue,
                    Entry::Unreadable => {
                        out.problems.push(Problem {
                            line: doc.line(name),
                            message: format!("cannot read pipfile entry `{}`", name.get_ref()),
                        });
                        continue;
                    }
                };
                found.line = doc.line(name);
                found.notes.splice(0..0, note.map(str::to_owned));
                out.packages.push(found.into_ref(input.display, kind));
            }
        }
        super::pyproject::sort_by_line(&mut out);
        Ok(out)
    }
}

/// What one `Pipfile` entry is.
enum Entry {
    /// A package.
    Package(Found, EvidenceKind),
    /// The project itself (`{path = ".", editable = true}`).
    Project,
    /// Neither a string nor a table.
    Unreadable,
}

fn entry(name: &str, value: &DeValue<'_>) -> Entry {
    if let Some(text) = value.as_str() {
        let (version, kind) = parse_specifier_set(text);
        return Entry::Package(Found::new(name, version), kind);
    }
    if value.as_table().is_none() {
        return Entry::Unreadable;
    }
    let mut found = Found::new(name, "");
    let mut kind = EvidenceKind::ManifestRange;
    if let Some(text) = get_str(value, "version") {
        let (version, k) = parse_specifier_set(text);
        found.version = version;
        kind = k;
    }
    let editable = get_bool(value, "editable") == Some(true);
    if get_str(value, "git").is_some() {
        let rev = get_str(value, "ref").unwrap_or_default();
        found
            .notes
            .push(format!("git source {rev}").trim_end().to_owned());
    } else if let Some(path) = get_str(value, "path") {
        if editable && path == "." {
            return Entry::Project;
        }
        found.notes.push(format!("local path {path}"));
    } else if let Some(file) = get_str(value, "file") {
        let (version, note) = url_source(file);
        found.notes.push(note);
        if let Some(v) = version {
            found.version = v;
            kind = EvidenceKind::ManifestPin;
        }
    }
    if editable {
        found.notes.push("editable".to_owned());
    }
    if let Some(index) = get_str(value, "index") {
        found.notes.push(format!("index {index}"));
    }
    if let Some(markers) = get_str(value, "markers") {
        found.notes.push(format!("marker {markers}"));
    }
    Entry::Package(found, kind)
}
