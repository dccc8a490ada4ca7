//! `pyproject.toml` declared dependencies: PEP 621 `[project]
//! dependencies` and `optional-dependencies`, PEP 735
//! `[dependency-groups]`, `[build-system] requires` (these run at install
//! time too), `[tool.poetry.dependencies]`, `[tool.poetry.dev-dependencies]`
//! and `[tool.poetry.group.*.dependencies]` in Poetry's constraint syntax,
//! `[tool.uv] dev-dependencies` and `[tool.pdm.dev-dependencies]`.
//! setuptools' dynamic `dependencies = {file = [...]}` (and
//! `optional-dependencies`) are followed like `-r` includes.

use toml::Spanned;
use toml::de::DeValue;

use super::requirements::Reader;
use super::spec::{parse_pep508, parse_poetry_constraint, url_source};
use super::text::Found;
use super::tomldoc::{Doc, entries, get, get_bool, get_str, items};
use crate::{ExtractError, Extraction, Extractor, FileInput, Problem};

/// The `pyproject.toml` extractor (`python/pyproject`).
pub(crate) struct Pyproject;

impl Extractor for Pyproject {
    fn id(&self) -> &'static str {
        "python/pyproject"
    }

    fn extract(&self, input: &FileInput<'_>) -> Result<Extraction, ExtractError> {
        let text = super::text::decode(input)?;
        let doc = Doc::parse(input, &text)?;
        let mut out = Extraction::default();
        let root = &doc.root;
        if let Some(project) = get(root, "project").map(Spanned::get_ref) {
            pep508_list(&doc, &mut out, input, items(project, "dependencies"), None);
            for (extra, list) in entries(project, "optional-dependencies") {
                let note = format!("extra {}", extra.get_ref());
                pep508_array(&doc, &mut out, input, list, Some(&note));
            }
        }
        for (group, list) in entries(root, "dependency-groups") {
            let note = format!("group {}", group.get_ref());
            pep508_array(&doc, &mut out, input, list, Some(&note));
        }
        if let Some(build) = get(root, "build-system").map(Spanned::get_ref) {
            let note = "build requirement";
            pep508_list(&doc, &mut out, input, items(build, "requires"), Some(note));
        }
        let tool = get(root, "tool").map(Spanned::get_ref);
        if let Some(poetry) = tool.and_then(|t| get(t, "poetry")).map(Spanned::get_ref) {
            poetry_table(&doc, &mut out, input, poetry, "dependencies", None);
            poetry_table(
                &doc,
                &mut out,
                input,
                poetry,
                "dev-dependencies",
                Some("dev"),
            );
            for (group, body) in entries(poetry, "group") {
                let note = format!("group {}", group.get_ref());
                poetry_table(
                    &doc,
                    &mut out,
                    input,
                    body.get_ref(),
                    "dependencies",
                    Some(&note),
                );
            }
        }
        if let Some(uv) = tool.and_then(|t| get(t, "uv")).map(Spanned::get_ref) {
            pep508_list(
                &doc,
                &mut out,
                input,
                items(uv, "dev-dependencies"),
                Some("dev"),
            );
        }
        if let Some(pdm) = tool.and_then(|t| get(t, "pdm")).map(Spanned::get_ref) {
            for (group, list) in entries(pdm, "dev-dependencies") {
                let note = format!("group {}", group.get_ref());
                pep508_array(&doc, &mut out, input, list, Some(&note));
            }
        }
        sort_by_line(&mut out);
        if let Some(dynamic) = tool
            .and_then(|t| get(t, "setuptools"))
            .and_then(|s| get(s.get_ref(), "dynamic"))
        {
            dynamic_files(&doc, &mut out, input, dynamic.get_ref());
        }
        Ok(out)
    }
}

/// Orders packages by line: TOML tables are read in key order.
pub(crate) fn sort_by_line(out: &mut Extraction) {
    out.packages.sort_by_key(|p| p.location.line);
    out.problems.sort_by_key(|p| p.line);
}

/// Follows `[tool.setuptools.dynamic]` requirement files.
fn dynamic_files(
    doc: &Doc<'_>,
    out: &mut Extraction,
    input: &FileInput<'_>,
    dynamic: &DeValue<'_>,
) {
    let mut reader = Reader::default();
    let mut tables: Vec<&Spanned<DeValue<'_>>> = get(dynamic, "dependencies").into_iter().collect();
    tables.extend(
        entries(dynamic, "optional-dependencies")
            .into_iter()
            .map(|(_, v)| v),
    );
    for table in tables {
        let files: Vec<&Spanned<DeValue<'_>>> = match get(table.get_ref(), "file") {
            Some(f) if f.get_ref().as_array().is_some() => f
                .get_ref()
                .as_array()
                .map(|a| a.iter().collect())
                .unwrap_or_default(),
            Some(f) => vec![f],
            None => Vec::new(),
        };
        for file in files {
            if let Some(name) = file.get_ref().as_str() {
                let line = doc.line(file).unwrap_or(1);
                reader.follow(name, line, input.path, input.display);
            }
        }
    }
    out.packages.append(&mut reader.out.packages);
    out.problems.append(&mut reader.out.problems);
}

fn pep508_array(
    doc: &Doc<'_>,
    out: &mut Extraction,
    input: &FileInput<'_>,
    list: &Spanned<DeValue<'_>>,
    note: Option<&str>,
) {
    let values = list.get_ref().as_array().map_or(&[][..], |a| &a[..]);
    pep508_list(doc, out, input, values, note);
}

/// Reads an array of PEP 508 strings; `{include-group = …}` tables and
/// other non-strings are skipped.
fn pep508_list(
    doc: &Doc<'_>,
    out: &mut Extraction,
    input: &FileInput<'_>,
    values: &[Spanned<DeValue<'_>>],
    note: Option<&str>,
) {
    for value in values {
        let Some(text) = value.get_ref().as_str() else {
            continue;
        };
        match parse_pep508(text) {
            Ok((mut found, kind)) => {
                found.line = doc.line(value);
                found.notes.splice(0..0, note.map(str::to_owned));
                out.packages.push(found.into_ref(input.display, kind));
            }
            Err(err) => out.problems.push(Problem {
                line: doc.line(value),
                message: format!("cannot read requirement `{text}`: {err}"),
            }),
        }
    }
}

/// Reads a Poetry dependency table (`name = "^1.2"`, `name = {version =
/// …}`, `name = [{…}, {…}]`); the `python` entry is the interpreter.
fn poetry_table(
    doc: &Doc<'_>,
    out: &mut Extraction,
    input: &FileInput<'_>,
    parent: &DeValue<'_>,
    key: &str,
    note: Option<&str>,
) {
    for (name, value) in entries(parent, key) {
        if name.get_ref().eq_ignore_ascii_case("python") {
            continue;
        }
        let alternatives: Vec<&DeValue<'_>> = match value.get_ref().as_array() {
            Some(list) => list.iter().map(Spanned::get_ref).collect(),
            None => vec![value.get_ref()],
        };
        for alt in alternatives {
            let Some((mut found, kind)) = poetry_entry(name.get_ref(), alt) else {
                out.problems.push(Problem {
                    line: doc.line(name),
                    message: format!("cannot read poetry dependency `{}`", name.get_ref()),
                });
                continue;
            };
            found.line = doc.line(name);
            found.notes.splice(0..0, note.map(str::to_owned));
            out.packages.push(found.into_ref(input.display, kind));
        }
    }
}

fn poetry_entry(name: &str, value: &DeValue<'_>) -> Option<(Found, shieldwall_core::EvidenceKind)> {
    use shieldwall_core::EvidenceKind;
    if let Some(text) = value.as_str() {
        let (version, kind, original) = parse_poetry_constraint(text);
        let mut found = Found::new(name, version);
        found
            .notes
            .extend(original.map(|o| format!("poetry constraint {o}")));
        return Some((found, kind));
    }
    value.as_table()?;
    let mut found = Found::new(name, "");
    let mut kind = EvidenceKind::ManifestRange;
    if let Some(text) = get_str(value, "version") {
        let (version, k, original) = parse_poetry_constraint(text);
        found.version = version;
        kind = k;
        found
            .notes
            .extend(original.map(|o| format!("poetry constraint {o}")));
    }
    if get_str(value, "git").is_some() {
        let rev = ["rev", "tag", "branch"]
            .iter()
            .find_map(|k| get_str(value, k))
            .unwrap_or_default();
        found
            .notes
            .push(format!("git source {rev}").trim_end().to_owned());
    } else if let Some(path) = get_str(value, "path") {
        found.notes.push(format!("local path {path}"));
    } else if let Some(url) = get_str(value, "url") {
        let (version, note) = url_source(url);
        found.notes.push(note);
        if let Some(v) = version {
            found.version = v;
            kind = EvidenceKind::ManifestPin;
        }
    }
    if get_bool(value, "optional") == Some(true) {
        found.notes.push("optional".to_owned());
    }
    if let Some(source) = get_str(value, "source") {
        found.notes.push(format!("index {source}"));
    }
    if let Some(markers) = get_str(value, "markers") {
        found.notes.push(format!("marker {markers}"));
    }
    Some((found, kind))
}
