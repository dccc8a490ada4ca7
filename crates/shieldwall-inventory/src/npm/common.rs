//! Helpers shared by the npm extractors: text decoding, JSON parsing with
//! lowercase error messages, key-line lookup for JSON files, npm name and
//! spec splitting, and location notes.

use std::borrow::Cow;
use std::collections::HashMap;
use std::path::{Component, Path};
use std::sync::LazyLock;

use memchr::memmem;

use serde_json::Value;
use shieldwall_core::{Ecosystem, EvidenceKind, Location, PackageRef};

use crate::{ExtractError, FileInput};

/// The UTF-8 byte order mark.
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// The bytes without a leading UTF-8 byte order mark.
pub(crate) fn strip_bom(bytes: &[u8]) -> &[u8] {
    bytes.strip_prefix(BOM).unwrap_or(bytes)
}

/// The file as UTF-8 text without a byte order mark; binary data (NUL
/// bytes, invalid UTF-8) is a [`ExtractError::Malformed`].
pub(crate) fn text<'a>(input: &FileInput<'a>, what: &str) -> Result<&'a str, ExtractError> {
    let bytes = strip_bom(input.bytes);
    if let Some(pos) = bytes.iter().position(|&b| b == 0) {
        return Err(ExtractError::malformed(
            input,
            Some(line_of_offset(bytes, pos)),
            format!("binary data (a NUL byte) where {what} text was expected"),
        ));
    }
    std::str::from_utf8(bytes).map_err(|e| {
        ExtractError::malformed(
            input,
            Some(line_of_offset(bytes, e.valid_up_to())),
            format!("{what} is not valid utf-8 text"),
        )
    })
}

/// The 1-based line of byte `offset`.
pub(crate) fn line_of_offset(bytes: &[u8], offset: usize) -> u32 {
    let end = offset.min(bytes.len());
    let newlines = bytes[..end].iter().filter(|&&b| b == b'\n').count();
    u32::try_from(newlines + 1).unwrap_or(u32::MAX)
}

/// Parses strict JSON (after a byte order mark, if any) into a value.
pub(crate) fn parse_json(input: &FileInput<'_>, what: &str) -> Result<Value, ExtractError> {
    let bytes = strip_bom(input.bytes);
    serde_json::from_slice(bytes).map_err(|e| json_error(input, what, &e))
}

/// A [`ExtractError::Malformed`] for a serde_json error, without the
/// position suffix serde_json appends (the line goes in its own field).
pub(crate) fn json_error(input: &FileInput<'_>, what: &str, e: &serde_json::Error) -> ExtractError {
    let full = e.to_string();
    let message = match full.rfind(" at line ") {
        Some(cut) => &full[..cut],
        None => full.as_str(),
    };
    let line = u32::try_from(e.line()).ok().filter(|&l| l > 0);
    ExtractError::malformed(
        input,
        line,
        format!("invalid {what} json: {}", lowercase_first(message)),
    )
}

/// `s` with its first character lowercased (`EOF while parsing` → `eOF`
/// is avoided: all-caps words are kept).
pub(crate) fn lowercase_first(s: &str) -> String {
    let mut chars = s.chars();
    match (chars.next(), chars.next()) {
        (Some(first), Some(second)) if first.is_uppercase() && second.is_lowercase() => {
            let mut out: String = first.to_lowercase().collect();
            out.push(second);
            out.push_str(chars.as_str());
            out
        }
        _ => s.to_owned(),
    }
}

/// Lines of selected object keys in a JSON (or JSONC) text, found in one
/// pass over the bytes without building a tree.
///
/// The scanner tracks strings, comments and nesting; a string followed by
/// `:` inside an object is a key. `want` sees the path of keys from the root
/// (arrays make a path unwanted) and decides what is recorded. Keys with
/// escapes are compared in their raw (escaped) form, so such keys may get no
/// line: lines are best effort.
#[derive(Debug, Default)]
pub(crate) struct KeyLines {
    lines: HashMap<Vec<u8>, u32>,
    duplicates: Vec<(String, u32)>,
}

impl KeyLines {
    /// Scans `bytes`; `want` receives the key path (innermost last). When
    /// a key repeats, the later line is kept (serde_json keeps the later
    /// value) and the repeat is listed in [`KeyLines::duplicates`].
    pub(crate) fn scan(bytes: &[u8], want: impl Fn(&[&[u8]]) -> bool) -> Self {
        #[derive(Clone, Copy)]
        enum Frame<'b> {
            Object(Option<&'b [u8]>),
            Array,
        }
        let mut lines = HashMap::new();
        let mut duplicates = Vec::new();
        let mut stack: Vec<Frame<'_>> = Vec::new();
        let mut path: Vec<&[u8]> = Vec::new();
        let mut line: u32 = 1;
        let mut i = 0;
        let n = bytes.len();
        while i < n {
            match bytes[i] {
                b'\n' => line = line.saturating_add(1),
                b'/' if bytes.get(i + 1) == Some(&b'/') => {
                    while i < n && bytes[i] != b'\n' {
                        i += 1;
                    }
                    continue;
                }
                b'/' if bytes.get(i + 1) == Some(&b'*') => {
                    i += 2;
                    while i < n && !(bytes[i] == b'*' && bytes.get(i + 1) == Some(&b'/')) {
                        if bytes[i] == b'\n' {
                            line = line.saturating_add(1);
                        }
                        i += 1;
                    }
                    i += 2;
                    continue;
                }
                b'{' => stack.push(Frame::Object(None)),
                b'[' => stack.push(Frame::Array),
                b'}' | b']' => {
                    stack.pop();
                }
                quote @ (b'"' | b'\'') => {
                    let start = i + 1;
                    let key_line = line;
                    i += 1;
                    while i < n && bytes[i] != quote {
                        if bytes[i] == b'\\' {
                            i += 1;
                        }
                        if i < n && bytes[i] == b'\n' {
                            line = line.saturating_add(1);
                        }
                        i += 1;
                    }
                    let end = i.min(n);
                    i += 1;
                    let mut j = i;
                    while j < n && bytes[j].is_ascii_whitespace() {
                        j += 1;
                    }
                    if bytes.get(j) == Some(&b':')
                        && let Some(Frame::Object(slot)) = stack.last_mut()
                    {
                        let key = &bytes[start..end];
                        *slot = Some(key);
                        path.clear();
                        let mut all_objects = true;
                        for frame in &stack {
                            match frame {
                                Frame::Object(Some(k)) => path.push(k),
                                Frame::Object(None) => {}
                                Frame::Array => all_objects = false,
                            }
                        }
                        if all_objects
                            && want(&path)
                            && lines.insert(path.join(&0u8), key_line).is_some()
                        {
                            // A later duplicate wins, as in serde_json.
                            duplicates.push((String::from_utf8_lossy(key).into_owned(), key_line));
                        }
                    }
                    continue;
                }
                _ => {}
            }
            i += 1;
        }
        Self { lines, duplicates }
    }

    /// Recorded keys that appeared more than once in the same object
    /// (the key and the line of the later copy).
    pub(crate) fn duplicates(&self) -> &[(String, u32)] {
        &self.duplicates
    }

    /// The line of the key at `path`, if it was recorded.
    pub(crate) fn get(&self, path: &[&str]) -> Option<u32> {
        let joined: Vec<u8> = path
            .iter()
            .map(|s| s.as_bytes())
            .collect::<Vec<_>>()
            .join(&0u8);
        self.lines.get(&joined).copied()
    }
}

/// Splits `name@version` at the last `@` that is not the scope's leading
/// `@`: `@scope/pkg@1.0.0` → (`@scope/pkg`, `1.0.0`). Without a version
/// part the whole text is the name.
pub(crate) fn split_name_version(s: &str) -> (&str, Option<&str>) {
    match s.rfind('@') {
        Some(at) if at > 0 => (&s[..at], Some(&s[at + 1..])),
        _ => (s, None),
    }
}

/// Splits a descriptor `name@range` at the first `@` after the name (scope
/// aware), so that an alias range keeps its own `@`s:
/// `string-width-cjs@npm:string-width@^4.2.0` → (`string-width-cjs`,
/// `npm:string-width@^4.2.0`).
pub(crate) fn split_descriptor(s: &str) -> (&str, Option<&str>) {
    let search_from = usize::from(s.starts_with('@'));
    match s[search_from..].find('@') {
        Some(at) => {
            let at = at + search_from;
            (&s[..at], Some(&s[at + 1..]))
        }
        None => (s, None),
    }
}

/// An `npm:` alias target: `npm:@scope/real@^1.0.0` → (`@scope/real`,
/// `^1.0.0`); the real name runs up to the last `@`. A target with no
/// version part gives an empty range.
pub(crate) fn npm_alias(spec: &str) -> Option<(&str, &str)> {
    let target = spec.trim().strip_prefix("npm:")?;
    let (name, range) = split_name_version(target);
    if name.is_empty() {
        return None;
    }
    Some((name, range.unwrap_or("")))
}

/// Finds `codeload.github.com` (git tarballs) in a lowercase spec.
static CODELOAD: LazyLock<memmem::Finder<'static>> =
    LazyLock::new(|| memmem::Finder::new("codeload.github.com"));

/// Finds `/-/` (the tarball directory of registry URLs) in a lowercase spec.
static REGISTRY_PATH: LazyLock<memmem::Finder<'static>> =
    LazyLock::new(|| memmem::Finder::new("/-/"));

/// Where a dependency spec or `resolved` value says the package came from
/// when that is not a registry version: `git source`, `file source`,
/// `tarball source`, or `link` for local directories (which are no
/// registry package at all).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Source {
    /// A registry version or range.
    Registry,
    /// A git repository (`git+ssh://…`, `github:org/repo`, `org/repo#sha`).
    Git,
    /// A local tarball or directory copied in (`file:`).
    File,
    /// A tarball URL that is not a registry path.
    Tarball,
    /// A symlinked local directory or workspace (`link:`, `workspace:`,
    /// `portal:`): not a registry package.
    Local,
}

impl Source {
    /// Classifies a spec (`^1.0.0`, `github:org/repo`, `file:../x`, …).
    pub(crate) fn of_spec(spec: &str) -> Self {
        let s = spec.trim();
        // Most specs hold no capitals: no copy is needed to compare them.
        let lower: Cow<'_, str> = if s.bytes().any(|b| b.is_ascii_uppercase()) {
            Cow::Owned(s.to_ascii_lowercase())
        } else {
            Cow::Borrowed(s)
        };
        if ["link:", "workspace:", "portal:", "root:"]
            .iter()
            .any(|p| lower.starts_with(p))
        {
            return Self::Local;
        }
        if lower.starts_with("file:") {
            return Self::File;
        }
        // Both `#` patterns below need a `#`; most specs have none.
        let has_hash = memchr::memchr(b'#', lower.as_bytes()).is_some();
        if [
            "git+",
            "git:",
            "git@",
            "github:",
            "gitlab:",
            "bitbucket:",
            "gist:",
        ]
        .iter()
        .any(|p| lower.starts_with(p))
            || ((has_hash && lower.contains(".git#")) || lower.ends_with(".git"))
            || CODELOAD.find(lower.as_bytes()).is_some()
            || (has_hash && lower.contains("#commit="))
        {
            return Self::Git;
        }
        if lower.starts_with("http://") || lower.starts_with("https://") {
            return if REGISTRY_PATH.find(lower.as_bytes()).is_some() {
                Self::Registry
            } else {
                Self::Tarball
            };
        }
        // GitHub shorthand `org/repo` or `org/repo#ref`.
        if !s.starts_with('@')
            && s.contains('/')
            && !s.contains(' ')
            && s.chars().next().is_some_and(|c| c.is_ascii_alphanumeric())
            && !s.contains(':')
        {
            return Self::Git;
        }
        Self::Registry
    }

    /// The location note for this source, if any.
    pub(crate) fn note(self) -> Option<&'static str> {
        match self {
            Self::Registry | Self::Local => None,
            Self::Git => Some("git source"),
            Self::File => Some("file source"),
            Self::Tarball => Some("tarball source"),
        }
    }
}

/// A comma-separated location note built from parts.
#[derive(Debug, Default)]
pub(crate) struct Note(Vec<String>);

impl Note {
    /// Adds `part` when `cond` holds.
    pub(crate) fn add_if(&mut self, cond: bool, part: impl Into<String>) -> &mut Self {
        if cond {
            self.0.push(part.into());
        }
        self
    }

    /// Adds `part`.
    pub(crate) fn add(&mut self, part: impl Into<String>) -> &mut Self {
        self.0.push(part.into());
        self
    }

    /// The note, `None` when empty.
    pub(crate) fn build(&self) -> Option<String> {
        if self.0.is_empty() {
            None
        } else {
            Some(self.0.join(", "))
        }
    }
}

/// An npm [`PackageRef`] for `input`.
pub(crate) fn npm_ref(
    input: &FileInput<'_>,
    kind: EvidenceKind,
    name: &str,
    version: &str,
    line: Option<u32>,
    hash: Option<&str>,
    note: Option<String>,
) -> PackageRef {
    let location = Location::new(input.display.clone(), kind)
        .with_line(line)
        .with_hash(hash.map(str::to_owned))
        .with_note(note);
    PackageRef::new(Ecosystem::Npm, name.trim(), version.trim(), location)
}

/// The path's normal components as text (lossy for non-UTF-8 names).
pub(crate) fn components(path: &Path) -> Vec<String> {
    path.components()
        .filter_map(|c| match c {
            Component::Normal(s) => Some(s.to_string_lossy().into_owned()),
            _ => None,
        })
        .collect()
}

/// True when any directory above the file is named `node_modules`.
pub(crate) fn under_node_modules(parts: &[String]) -> bool {
    parts
        .split_last()
        .is_some_and(|(_, dirs)| dirs.iter().any(|d| d == "node_modules"))
}

/// The package name that the last `node_modules/` segment of a lockfile
/// key or install path names: `node_modules/a/node_modules/@s/b` → `@s/b`.
pub(crate) fn name_after_last_node_modules(key: &str) -> Option<&str> {
    const SEGMENT: &str = "node_modules/";
    // The last `n` that starts the segment: cheaper than a substring
    // search, as the segment's only `n` is its first byte.
    let mut end = key.len();
    let tail = loop {
        let at = memchr::memrchr(b'n', key.as_bytes().get(..end)?)?;
        if let Some(tail) = key.get(at..).and_then(|k| k.strip_prefix(SEGMENT)) {
            break tail;
        }
        end = at;
    };
    let tail = tail.trim_end_matches('/');
    if tail.is_empty() { None } else { Some(tail) }
}

/// Decodes `%XX` escapes (yarn berry writes `npm%3A` inside patch
/// locators). Invalid escapes are kept as they are.
pub(crate) fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let (Some(h), Some(l)) = (
                bytes.get(i + 1).and_then(|b| (*b as char).to_digit(16)),
                bytes.get(i + 2).and_then(|b| (*b as char).to_digit(16)),
            )
        {
            out.push(u8::try_from(h * 16 + l).unwrap_or(b'?'));
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_versions_split_scope_aware() {
        assert_eq!(
            split_name_version("@tanstack/react-router@1.169.5"),
            ("@tanstack/react-router", Some("1.169.5"))
        );
        assert_eq!(split_name_version("@scope/x"), ("@scope/x", None));
        assert_eq!(
            split_descriptor("string-width-cjs@npm:string-width@^4.2.0"),
            ("string-width-cjs", Some("npm:string-width@^4.2.0"))
        );
        assert_eq!(
            npm_alias("npm:@bundled-es-modules/chai@4.2.2"),
            Some(("@bundled-es-modules/chai", "4.2.2"))
        );
        assert_eq!(npm_alias("^1.0.0"), None);
    }

    #[test]
    fn sources() {
        assert_eq!(Source::of_spec("^1.0.0"), Source::Registry);
        assert_eq!(Source::of_spec("github:org/repo#abc"), Source::Git);
        assert_eq!(Source::of_spec("org/repo"), Source::Git);
        assert_eq!(Source::of_spec("file:../x"), Source::File);
        assert_eq!(Source::of_spec("link:../x"), Source::Local);
        assert_eq!(
            Source::of_spec("https://registry.example.test/a/-/a-1.0.0.tgz"),
            Source::Registry
        );
        assert_eq!(
            Source::of_spec("https://files.example.test/a.tgz"),
            Source::Tarball
        );
        assert_eq!(Source::of_spec("latest"), Source::Registry);
    }

    #[test]
    fn key_lines_follow_paths() {
        let text = b"{\r\n \"packages\": {\r\n  \"\": {},\r\n  \"node_modules/a\": {\"x\": [1, {\"y\": 2}]},\n  /* c */ \"node_modules/b\": {}}}";
        let lines = KeyLines::scan(text, |p| p.len() == 2 && p[0] == b"packages");
        assert_eq!(lines.get(&["packages", "node_modules/a"]), Some(4));
        assert_eq!(lines.get(&["packages", "node_modules/b"]), Some(5));
        assert_eq!(lines.get(&["packages", "y"]), None);
    }

    #[test]
    fn percent_decoding() {
        assert_eq!(percent_decode("resolve@npm%3A1.22.8"), "resolve@npm:1.22.8");
        assert_eq!(percent_decode("bad%zz"), "bad%zz");
    }
}
