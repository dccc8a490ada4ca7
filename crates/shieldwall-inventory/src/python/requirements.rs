//! pip requirements files: `requirements*.txt`, `*requirements*.txt`, any
//! `.txt` under a `requirements/` directory, `constraints*.txt`,
//! `requirements.in` and `requirements.lock`.
//!
//! Each logical line (after `\` continuations and `#` comments) is one of:
//! a PEP 508 requirement (markers kept, never dropped), a bare URL or path
//! to a wheel/sdist, an `-e`/`--editable` install, an `-r`/`-c` include, or
//! another pip option (ignored). `-r`/`--requirement` and
//! `-c`/`--constraint` includes are read from disk relative to the
//! including file, once each (cycle-safe), and their packages are located
//! in the included file. `==X`/`===X` is a [`EvidenceKind::ManifestPin`];
//! anything else a [`EvidenceKind::ManifestRange`] with the specifier text.

use std::collections::HashSet;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use shieldwall_core::EvidenceKind;

use super::spec::{mask_env_vars, parse_pep508, url_source};
use super::text::{Found, decode, decode_bytes, dist_from_file_name, url_file_name};
use crate::{ExtractError, Extraction, Extractor, FileInput, Problem};

/// Deepest include chain followed.
const MAX_DEPTH: usize = 16;
/// Largest included file read.
const MAX_INCLUDE_BYTES: u64 = 16 * 1024 * 1024;

/// The pip requirements extractor (`python/requirements`).
pub(crate) struct Requirements;

/// True when `path` is a requirements or constraints file by its name.
pub(crate) fn matches(path: &Path, file_name: &str) -> bool {
    let lower = file_name.to_ascii_lowercase();
    if lower == "requirements.in" || lower == "requirements.lock" {
        return true;
    }
    if lower.ends_with(".in") && lower.contains("requirements") {
        return true;
    }
    if !lower.ends_with(".txt") {
        return false;
    }
    if lower.contains("requirements") || lower.starts_with("constraints") {
        return true;
    }
    path.parent()
        .and_then(Path::file_name)
        .and_then(|d| d.to_str())
        .is_some_and(|d| d.eq_ignore_ascii_case("requirements"))
}

impl Extractor for Requirements {
    fn id(&self) -> &'static str {
        "python/requirements"
    }

    fn extract(&self, input: &FileInput<'_>) -> Result<Extraction, ExtractError> {
        let text = decode(input)?;
        let mut reader = Reader::default();
        reader.visited.insert(identity(input.path));
        let constraint = input
            .path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.to_ascii_lowercase().starts_with("constraints"));
        reader.read(&text, input.path, input.display, constraint, 0);
        Ok(reader.out)
    }
}

/// Reads requirement lines; shared with the conda `pip:` sub-list.
#[derive(Default)]
pub(crate) struct Reader {
    /// Packages and problems found so far.
    pub out: Extraction,
    visited: HashSet<PathBuf>,
}

/// One logical line: its text and its first physical line.
struct Logical {
    text: String,
    line: u32,
}

fn logical_lines(text: &str) -> Vec<Logical> {
    let mut out = Vec::new();
    let mut current: Option<Logical> = None;
    for (idx, raw) in text.lines().enumerate() {
        let number = u32::try_from(idx + 1).unwrap_or(u32::MAX);
        let raw = raw.strip_suffix('\r').unwrap_or(raw);
        let (content, had_comment) = strip_comment(raw);
        let (content, continues) = match content.strip_suffix('\\') {
            Some(rest) if !had_comment => (rest, true),
            _ => (content, false),
        };
        let entry = current.get_or_insert_with(|| Logical {
            text: String::new(),
            line: number,
        });
        if !entry.text.is_empty() {
            entry.text.push(' ');
        }
        entry.text.push_str(content.trim());
        if !continues && let Some(done) = current.take() {
            out.push(done);
        }
    }
    out.extend(current);
    out.retain(|l| !l.text.trim().is_empty());
    out
}

/// Cuts a `#` comment: at the line start or after whitespace, as pip does.
fn strip_comment(line: &str) -> (&str, bool) {
    let bytes = line.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        if b == b'#' && (i == 0 || bytes[i - 1].is_ascii_whitespace()) {
            return (&line[..i], true);
        }
    }
    (line, false)
}

/// Splits trailing per-requirement options (`--hash=…`) off a requirement.
fn split_options(text: &str) -> (&str, &str) {
    let mut search = 0;
    while let Some(pos) = text[search..].find(" -") {
        let at = search + pos;
        let after = &text[at + 1..];
        if after.starts_with("--") || after.starts_with("-e") {
            return (text[..at].trim(), after);
        }
        search = at + 2;
    }
    (text.trim(), "")
}

/// The first `--hash` value in an option string.
fn first_hash(options: &str) -> Option<String> {
    let mut tokens = options.split_whitespace();
    while let Some(token) = tokens.next() {
        if let Some(value) = token.strip_prefix("--hash=") {
            return Some(value.to_owned());
        }
        if token == "--hash" {
            return tokens.next().map(str::to_owned);
        }
    }
    None
}

/// Reads an option's value: `-r x`, `-rx`, `--requirement x`,
/// `--requirement=x`.
fn option_value<'a>(text: &'a str, short: &str, long: &str) -> Option<&'a str> {
    let rest = if let Some(rest) = text.strip_prefix(long) {
        if !(rest.starts_with('=') || rest.starts_with(char::is_whitespace)) {
            return None;
        }
        rest
    } else {
        text.strip_prefix(short)?
    };
    let value = rest.trim_start().trim_start_matches('=').trim();
    Some(value)
}

/// A path's identity for cycle detection.
fn identity(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| lexical(path))
}

/// Resolves `.` and `..` without touching the file system.
fn lexical(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for comp in path.components() {
        match comp {
            Component::CurDir => {}
            Component::ParentDir => {
                let popped =
                    matches!(out.components().next_back(), Some(Component::Normal(_))) && out.pop();
                if !popped {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

impl Reader {
    /// Reads the requirement lines of `text`, found in the file at `path`
    /// shown as `display`. `constraint` marks packages from constraints
    /// files.
    pub(crate) fn read(
        &mut self,
        text: &str,
        path: &Path,
        display: &Arc<str>,
        constraint: bool,
        depth: usize,
    ) {
        for logical in logical_lines(text) {
            self.read_line(
                &logical.text,
                logical.line,
                path,
                display,
                constraint,
                depth,
            );
        }
    }

    /// Reads one logical requirement line.
    pub(crate) fn read_line(
        &mut self,
        text: &str,
        line: u32,
        path: &Path,
        display: &Arc<str>,
        constraint: bool,
        depth: usize,
    ) {
        let text = text.trim();
        if text.is_empty() {
            return;
        }
        let problem = |message: String| Problem {
            line: Some(line),
            message,
        };
        if let Some(target) = option_value(text, "-r", "--requirement") {
            self.include(target, line, path, display, constraint, depth);
            return;
        }
        if let Some(target) = option_value(text, "-c", "--constraint") {
            self.include(target, line, path, display, true, depth);
            return;
        }
        let (masked, vars) = mask_env_vars(text);
        let var_note = (!vars.is_empty()).then(|| {
            let names: Vec<String> = vars.iter().map(|v| format!("${{{v}}}")).collect();
            format!("unexpanded {}", names.join(" "))
        });
        if let Some(target) = option_value(&masked, "-e", "--editable") {
            let (target, _) = split_options(target);
            if let Some(mut found) = editable(target) {
                found.line = Some(line);
                found.notes.extend(var_note);
                self.push(found, EvidenceKind::ManifestRange, display, constraint);
            }
            return;
        }
        if text.starts_with('-') {
            // --index-url, --extra-index-url, --find-links, --pre, ...
            return;
        }
        if !vars.is_empty() && name_from_env(text) {
            self.out.problems.push(problem(format!(
                "cannot read requirement `{text}`: environment variable {} is not expanded",
                vars.join(", ")
            )));
            return;
        }
        let (requirement, options) = split_options(&masked);
        let hash = first_hash(options);
        let parsed = match parse_pep508(requirement) {
            Ok(ok) => Some(ok),
            Err(err) => match unnamed(requirement) {
                Some(ok) => Some(ok),
                None if unnamed_local(requirement) => return,
                None => {
                    let message = if vars.is_empty() {
                        format!("cannot read requirement `{requirement}`: {err}")
                    } else {
                        format!(
                            "cannot read requirement `{text}`: environment variable {} is not expanded",
                            vars.join(", ")
                        )
                    };
                    self.out.problems.push(problem(message));
                    return;
                }
            },
        };
        if let Some((mut found, kind)) = parsed {
            found.line = Some(line);
            found.hash = hash;
            found.notes.extend(var_note);
            self.push(found, kind, display, constraint);
        }
    }

    /// Follows a reference to a requirements file made by another format
    /// (`file: requirements.txt` in `setup.cfg`, setuptools' dynamic
    /// dependencies in `pyproject.toml`), relative to the file at `path`.
    pub(crate) fn follow(&mut self, target: &str, line: u32, path: &Path, display: &Arc<str>) {
        self.include(target, line, path, display, false, 0);
    }

    fn push(&mut self, mut found: Found, kind: EvidenceKind, display: &Arc<str>, constraint: bool) {
        if constraint {
            found.notes.insert(0, "constraint".to_owned());
        }
        self.out.packages.push(found.into_ref(display, kind));
    }

    fn include(
        &mut self,
        target: &str,
        line: u32,
        path: &Path,
        display: &Arc<str>,
        constraint: bool,
        depth: usize,
    ) {
        let problem = |message: String| Problem {
            line: Some(line),
            message,
        };
        let (target, _) = split_options(target);
        if target.is_empty() {
            self.out
                .problems
                .push(problem("include option without a file name".to_owned()));
            return;
        }
        if target.contains("://") {
            self.out.problems.push(problem(format!(
                "remote include `{target}` is not followed"
            )));
            return;
        }
        if depth >= MAX_DEPTH {
            self.out.problems.push(problem(format!(
                "include `{target}` is nested too deeply; not followed"
            )));
            return;
        }
        let real = path.parent().unwrap_or(Path::new("")).join(target);
        let shown_parent = Path::new(display.as_ref())
            .parent()
            .unwrap_or(Path::new(""));
        let shown: Arc<str> = lexical(&shown_parent.join(target))
            .to_string_lossy()
            .into_owned()
            .into();
        if !self.visited.insert(identity(&real)) {
            // Already read: an include cycle or a diamond.
            return;
        }
        let bytes = match read_limited(&real) {
            Ok(bytes) => bytes,
            Err(err) => {
                self.out.problems.push(problem(format!(
                    "cannot read included file `{shown}`: {err}"
                )));
                return;
            }
        };
        match decode_bytes(&bytes) {
            Ok(text) => self.read(&text, &real, &shown, constraint, depth + 1),
            Err(err) => self.out.problems.push(problem(format!(
                "cannot read included file `{shown}`: {err}"
            ))),
        }
    }
}

fn read_limited(path: &Path) -> Result<Vec<u8>, String> {
    let meta = std::fs::metadata(path).map_err(|e| io_message(&e))?;
    if !meta.is_file() {
        return Err("not a regular file".to_owned());
    }
    if meta.len() > MAX_INCLUDE_BYTES {
        return Err("file is too large".to_owned());
    }
    std::fs::read(path).map_err(|e| io_message(&e))
}

fn io_message(err: &std::io::Error) -> String {
    match err.kind() {
        std::io::ErrorKind::NotFound => "file not found".to_owned(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_owned(),
        _ => err.to_string().to_lowercase(),
    }
}

/// The name in an `#egg=name` URL fragment.
fn egg_name(url: &str) -> Option<String> {
    let fragment = url.split_once('#')?.1;
    let egg = fragment.split('&').find_map(|kv| kv.strip_prefix("egg="))?;
    let name = egg.split('[').next().unwrap_or(egg).trim();
    (!name.is_empty()).then(|| name.to_owned())
}

/// An `-e` target: a VCS URL with `#egg=name`, or a local path (skipped:
/// the project itself or a checkout, not a package from an index).
fn editable(target: &str) -> Option<Found> {
    let name = egg_name(target)?;
    let (version, source) = url_source(target);
    let mut found = Found::new(name, version.unwrap_or_default());
    found.notes.push("editable".to_owned());
    if source != "local file" {
        found.notes.push(source);
    }
    Some(found)
}

/// A requirement given as a bare URL or path: `git+https://…#egg=foo`,
/// `https://…/foo-1.0-py3-none-any.whl`, `./dist/foo-1.0.tar.gz`.
fn unnamed(text: &str) -> Option<(Found, EvidenceKind)> {
    let text = text.split(" ;").next().unwrap_or(text).trim();
    let (version, source) = url_source(text);
    if let Some(name) = egg_name(text) {
        let mut found = Found::new(name, version.clone().unwrap_or_default());
        found.notes.push(source);
        let kind = if version.is_some() {
            EvidenceKind::ManifestPin
        } else {
            EvidenceKind::ManifestRange
        };
        return Some((found, kind));
    }
    let (name, version) = dist_from_file_name(url_file_name(text))?;
    let mut found = Found::new(name, version);
    found.notes.push(source);
    Some((found, EvidenceKind::ManifestPin))
}

/// True when a `${VAR}` stands where the package name is.
fn name_from_env(text: &str) -> bool {
    let name_end = text
        .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')))
        .unwrap_or(text.len());
    text[name_end..].starts_with("${")
}

/// A bare local directory (`.`, `./libs/foo`): not an index package.
fn unnamed_local(text: &str) -> bool {
    text.starts_with('.') || text.starts_with('/') || text.starts_with("file:")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn continuation_and_comments() {
        let lines = logical_lines("a==1 \\\n    --hash=sha256:x # c\n# only\n\nb  # x\r\nc#d\n");
        let texts: Vec<_> = lines.iter().map(|l| (l.line, l.text.as_str())).collect();
        assert_eq!(
            texts,
            vec![(1, "a==1 --hash=sha256:x"), (5, "b"), (6, "c#d")]
        );
    }

    #[test]
    fn options() {
        assert_eq!(
            option_value("-r base.txt", "-r", "--requirement"),
            Some("base.txt")
        );
        assert_eq!(
            option_value("-rbase.txt", "-r", "--requirement"),
            Some("base.txt")
        );
        assert_eq!(
            option_value("--requirement=base.txt", "-r", "--requirement"),
            Some("base.txt")
        );
        assert_eq!(option_value("--requirementx", "-r", "--requirement"), None);
        assert_eq!(
            split_options("a==1 --hash=sha256:x"),
            ("a==1", "--hash=sha256:x")
        );
        assert_eq!(
            first_hash("--hash sha256:y --hash=sha256:z"),
            Some("sha256:y".into())
        );
    }
}
