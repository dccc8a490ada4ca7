//! `uv.lock` (and PEP 723 script locks `*.py.lock`): every `[[package]]`,
//! including the same package at several versions under
//! `resolution-markers` forks. `virtual` and `editable` sources are the
//! project and its workspace members and are skipped; `git`, `path`,
//! `directory` and `url` sources are noted. The first wheel hash (else the
//! sdist hash) is recorded.
//!
//! The TOML uv writes is read by the fast reader of [`super::uv_lines`];
//! a file it leaves (anything unusual) is parsed with the TOML parser.
//! Both give the same packages, built by the same code here.

use shieldwall_core::EvidenceKind;

use super::text::{Found, decode};
use super::tomldoc::{Doc, get, get_scalar, get_str, items, major};
use super::uv_lines::{self, Value};
use crate::{ExtractError, Extraction, Extractor, FileInput, Problem};

/// The `uv.lock` extractor (`python/uv-lock`).
pub(crate) struct UvLock;

impl Extractor for UvLock {
    fn id(&self) -> &'static str {
        "python/uv-lock"
    }

    fn extract(&self, input: &FileInput<'_>) -> Result<Extraction, ExtractError> {
        let text = decode(input)?;
        match uv_lines::read(&text) {
            Some(lock) => read_fast(input, &lock),
            None => read_full(input, &text),
        }
    }
}

/// The fast reader's answer, or `None` when it leaves `input` to the
/// TOML parser.
fn extract_fast(input: &FileInput<'_>) -> Option<Result<Extraction, ExtractError>> {
    let text = match decode(input) {
        Ok(text) => text,
        Err(e) => return Some(Err(e)),
    };
    let lock = uv_lines::read(&text)?;
    Some(read_fast(input, &lock))
}

/// The TOML parser's answer, without trying the fast reader.
fn extract_full(input: &FileInput<'_>) -> Result<Extraction, ExtractError> {
    let text = decode(input)?;
    read_full(input, &text)
}

/// An unsupported lock `version` (a major other than 0 or 1).
fn check_version(input: &FileInput<'_>, version: Option<&str>) -> Result<(), ExtractError> {
    if let Some(version) = version
        && major(version).is_none_or(|m| m > 1)
    {
        return Err(ExtractError::unsupported(
            input,
            format!("uv.lock version {version} is not supported"),
        ));
    }
    Ok(())
}

/// One package's fields, from either reader.
struct Entry<'a> {
    line: Option<u32>,
    name: Option<&'a str>,
    version: Option<&'a str>,
    /// A `virtual` or `editable` source: the project or a workspace member.
    local: bool,
    note: Option<String>,
    hash: Option<&'a str>,
}

/// Adds one package (or its problem) to `out`.
fn push(input: &FileInput<'_>, entry: Entry<'_>, out: &mut Extraction) {
    let Some(name) = entry.name else {
        out.problems.push(Problem {
            line: entry.line,
            message: "package entry without a name".to_owned(),
        });
        return;
    };
    if entry.local {
        return;
    }
    let mut found = Found::new(name, entry.version.unwrap_or_default());
    found.line = entry.line;
    found.hash = entry.hash.map(str::to_owned);
    found.notes.extend(entry.note);
    out.packages
        .push(found.into_ref(input.display, EvidenceKind::Lockfile));
}

fn read_fast(input: &FileInput<'_>, lock: &uv_lines::Lock<'_>) -> Result<Extraction, ExtractError> {
    let version = match &lock.version {
        Some(Value::Str(s) | Value::Int(s)) => Some(*s),
        _ => None,
    };
    check_version(input, version)?;
    let mut out = Extraction::default();
    for package in &lock.packages {
        let source = package.source.as_ref();
        let field = |key: &str| source.and_then(|s| s.get(key)).map(Value::as_str);
        let wheels: &[Value<'_>] = match &package.wheels {
            Some(Value::Array(items)) => items,
            _ => &[],
        };
        let hash = wheels
            .iter()
            .find_map(|w| w.get("hash").and_then(Value::as_str))
            .or_else(|| {
                package
                    .sdist
                    .as_ref()
                    .and_then(|s| s.get("hash"))
                    .and_then(Value::as_str)
            });
        let entry = Entry {
            line: Some(package.line),
            name: package.name.as_ref().and_then(Value::as_str),
            version: package.version.as_ref().and_then(Value::as_str),
            local: is_local(field),
            note: source_note(field),
            hash,
        };
        push(input, entry, &mut out);
    }
    Ok(out)
}

fn read_full(input: &FileInput<'_>, text: &str) -> Result<Extraction, ExtractError> {
    let doc = Doc::parse(input, text)?;
    check_version(input, get_scalar(&doc.root, "version"))?;
    let mut out = Extraction::default();
    for package in doc.packages(input, "package")? {
        let table = package.get_ref();
        let source = get(table, "source").map(|s| s.get_ref());
        let field = |key: &str| {
            source
                .and_then(|s| get(s, key))
                .map(|v| v.get_ref().as_str())
        };
        let hash = items(table, "wheels")
            .iter()
            .find_map(|w| get_str(w.get_ref(), "hash"))
            .or_else(|| get(table, "sdist").and_then(|s| get_str(s.get_ref(), "hash")));
        let entry = Entry {
            line: doc.line(package),
            name: get_str(table, "name"),
            version: get_str(table, "version"),
            local: is_local(field),
            note: source_note(field),
            hash,
        };
        push(input, entry, &mut out);
    }
    Ok(out)
}

/// True when the `source` table (read through `field`: `Some(None)` is a
/// field that is not a string) is `virtual` or `editable`.
fn is_local<'a>(field: impl Fn(&str) -> Option<Option<&'a str>>) -> bool {
    field("virtual").is_some() || field("editable").is_some()
}

/// The note a `source` table gives (read as for [`is_local`]): its git
/// commit, local path or URL.
fn source_note<'a>(field: impl Fn(&str) -> Option<Option<&'a str>>) -> Option<String> {
    if let Some(git) = field("git").flatten() {
        let commit = git.rsplit_once('#').map(|(_, c)| c).unwrap_or_default();
        return Some(format!("git source {commit}").trim_end().to_owned());
    }
    for kind in ["path", "directory"] {
        if let Some(path) = field(kind).flatten() {
            return Some(format!("local {kind} {path}"));
        }
    }
    if field("url").is_some() {
        return Some("url source".to_owned());
    }
    None
}

/// For the differential checks: the fast reader's answer and the TOML
/// parser's, or `None` when the fast reader leaves `bytes` to the parser.
pub(crate) fn differential(bytes: &[u8]) -> Option<(String, String)> {
    let path = std::path::Path::new("uv.lock");
    let display: std::sync::Arc<str> = "uv.lock".into();
    let input = FileInput {
        path,
        display: &display,
        bytes,
    };
    let render = |result: Result<Extraction, ExtractError>| match result {
        Ok(x) => format!("{:#?}\n{:#?}", x.packages, x.problems),
        Err(e) => format!("{e:?}"),
    };
    let fast = extract_fast(&input)?;
    Some((render(fast), render(extract_full(&input))))
}
