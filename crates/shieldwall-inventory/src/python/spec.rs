//! Reading declared requirements: PEP 508 dependency specifiers
//! (`litellm[proxy]==1.82.8 ; python_version < "3.13"`), bare PEP 440
//! specifier sets (`==2.4.6`, `>=1.82.7,<1.83`, `*`), and Poetry's own
//! constraint syntax (`^1.2`, `~1.2`, `2.4.6`).
//!
//! An exact pin (`==X`, `===X`, or a bare version where the format means
//! "exactly") becomes a [`EvidenceKind::ManifestPin`] with the version; any
//! other requirement a [`EvidenceKind::ManifestRange`] with the specifier
//! text (empty for "any version").

use std::borrow::Cow;
use std::str::FromStr;

use pep508_rs::pep440_rs::{Operator, VersionSpecifiers};
use pep508_rs::{VerbatimUrl, VersionOrUrl};
use shieldwall_core::{Ecosystem, EvidenceKind, Requirement, Version};

use super::text::{Found, dist_from_file_name, url_file_name};

/// Replaces every `${VAR}` with `VAR`, so nothing is read from the
/// scanner's own environment; returns the variable names it met.
pub(crate) fn mask_env_vars(text: &str) -> (Cow<'_, str>, Vec<String>) {
    if !text.contains("${") {
        return (Cow::Borrowed(text), Vec::new());
    }
    let mut out = String::with_capacity(text.len());
    let mut vars = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        match after.find('}') {
            Some(end) => {
                let name = &after[..end];
                vars.push(name.to_owned());
                out.push_str(name);
                rest = &after[end + 1..];
            }
            None => {
                out.push_str(&rest[start..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    (Cow::Owned(out), vars)
}

/// The name at the start of a requirement, as written.
fn leading_name(text: &str) -> &str {
    let text = text.trim_start();
    let end = text.find(|c: char| !is_name_char(c)).unwrap_or(text.len());
    &text[..end]
}

/// True for a character of a PEP 508 name or extra.
fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')
}

/// Rejects a name or extra that ends in `.`, `-` or `_`: invalid, and
/// `pep508_rs` 0.9 panics on some of them instead of failing.
fn precheck_names(text: &str) -> Result<(), String> {
    let name = leading_name(text);
    if name.ends_with(['.', '_', '-']) {
        return Err(format!(
            "package name `{name}` must end with a letter or digit"
        ));
    }
    let rest = text.trim_start()[name.len()..].trim_start();
    if let Some(extras) = rest.strip_prefix('[') {
        let extras = extras.split(']').next().unwrap_or(extras);
        let bad = extras
            .split(|c: char| !is_name_char(c))
            .find(|run| run.ends_with(['.', '_', '-']));
        if let Some(run) = bad {
            return Err(format!("extra `{run}` must end with a letter or digit"));
        }
    }
    Ok(())
}

/// The part of a requirement handed to `pep508_rs`, whose cursor slices
/// text at byte offsets and panics inside multi-byte characters. Names,
/// versions and operators are ASCII by the grammar, so only a marker may
/// hold other characters; such a marker is left out of parsing (it is
/// still shown in the note, as every marker is).
fn ascii_part(text: &str) -> Result<&str, String> {
    if text.is_ascii() {
        return Ok(text);
    }
    let marker_at = if text.contains("://") {
        text.find(" ;")
    } else {
        text.find(';')
    };
    match marker_at {
        Some(at) if text[..at].is_ascii() => Ok(text[..at].trim_end()),
        _ => Err("requirement has non-ASCII characters outside its marker".to_owned()),
    }
}

/// The marker text as written, after the `;`.
fn raw_marker(text: &str, has_url: bool) -> Option<&str> {
    let at = if has_url {
        text.find(" ;").map(|i| i + 1)
    } else {
        text.find(';')
    }?;
    let marker = text[at + 1..].trim();
    (!marker.is_empty()).then_some(marker)
}

/// The text following `==`/`===` in `text`, up to the next separator.
fn raw_pinned_version(text: &str) -> Option<&str> {
    let start = text.find("==")?;
    let rest = text[start..].trim_start_matches('=').trim_start();
    let end = rest
        .find(|c: char| c.is_whitespace() || matches!(c, ',' | ';' | ')'))
        .unwrap_or(rest.len());
    let version = &rest[..end];
    (!version.is_empty()).then_some(version)
}

/// The revision after the last `@` of a VCS URL's path
/// (`git+https://host/org/repo@<sha>#egg=x` → `<sha>`).
fn vcs_revision(url: &str) -> Option<&str> {
    let url = url.split('#').next().unwrap_or(url);
    let after_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
    let path = after_scheme.split_once('/').map(|(_, p)| p)?;
    let (_, rev) = path.rsplit_once('@')?;
    (!rev.is_empty()).then_some(rev)
}

/// Notes for a direct URL: its kind (`git source <rev>`, `url source`,
/// `local file`), and the version read from the file name when the URL
/// names a wheel or sdist.
pub(crate) fn url_source(url: &str) -> (Option<String>, String) {
    let lower = url.to_ascii_lowercase();
    let vcs = ["git+", "hg+", "svn+", "bzr+"]
        .iter()
        .find(|p| lower.starts_with(*p))
        .map(|p| &p[..p.len() - 1]);
    if let Some(vcs) = vcs {
        let note = match vcs_revision(url) {
            Some(rev) => format!("{vcs} source {rev}"),
            None => format!("{vcs} source"),
        };
        return (None, note);
    }
    let note = if lower.starts_with("file:") || !lower.contains("://") {
        "local file"
    } else {
        "url source"
    };
    let version = dist_from_file_name(url_file_name(url)).map(|(_, v)| v);
    (version, note.to_owned())
}

/// Reads one PEP 508 dependency specifier. `${VAR}` references are not
/// expanded (the caller masks them); the marker is kept in the notes.
pub(crate) fn parse_pep508(text: &str) -> Result<(Found, EvidenceKind), String> {
    let text = text.trim();
    precheck_names(text)?;
    let for_parser = ascii_part(text)?;
    // `pep508_rs` panics on a few malformed names and on non-ASCII text;
    // `precheck_names` and `ascii_part` keep those away from it, and a
    // panic that still slips through is a parse error.
    let parsed =
        std::panic::catch_unwind(|| pep508_rs::Requirement::<VerbatimUrl>::from_str(for_parser))
            .map_err(|_| "requirement cannot be parsed".to_owned())?
            // Only the error's message: its full rendering slices the input at
            // byte offsets and panics inside a multi-byte character.
            .map_err(|e| first_line(&e.message.to_string()))?;
    let name = leading_name(text);
    let name = if name.is_empty() {
        parsed.name.to_string()
    } else {
        name.to_owned()
    };
    let mut found = Found::new(name, "");
    let kind = match &parsed.version_or_url {
        None => EvidenceKind::ManifestRange,
        Some(VersionOrUrl::VersionSpecifier(specs)) => {
            let (version, kind) = from_specifiers(text, specs);
            found.version = version;
            kind
        }
        Some(VersionOrUrl::Url(url)) => {
            let given = url.given().map_or_else(|| url.to_string(), str::to_owned);
            let (version, note) = url_source(&given);
            found.notes.push(note);
            match version {
                Some(v) => {
                    found.version = v;
                    EvidenceKind::ManifestPin
                }
                None => EvidenceKind::ManifestRange,
            }
        }
    };
    let has_url = matches!(parsed.version_or_url, Some(VersionOrUrl::Url(_)));
    if let Some(marker) = raw_marker(text, has_url) {
        found.notes.push(format!("marker {marker}"));
    }
    Ok((found, kind))
}

fn from_specifiers(text: &str, specs: &VersionSpecifiers) -> (String, EvidenceKind) {
    if let [only] = &specs[..]
        && matches!(only.operator(), Operator::Equal | Operator::ExactEqual)
    {
        let raw = raw_pinned_version(text.split(';').next().unwrap_or(text));
        let version = raw
            .filter(|v| {
                Version::parse(Ecosystem::PyPI, v).is_ok()
                    || only.operator() == &Operator::ExactEqual
            })
            .map_or_else(|| only.version().to_string(), str::to_owned);
        return (version, EvidenceKind::ManifestPin);
    }
    (specs.to_string(), EvidenceKind::ManifestRange)
}

/// Reads a bare PEP 440 specifier set as Pipfile and lockfiles write it:
/// `"==2.4.6"` and a bare `"2.4.6"` are pins, `"*"` and `""` any version.
pub(crate) fn parse_specifier_set(text: &str) -> (String, EvidenceKind) {
    let text = text.trim();
    if text.is_empty() || text == "*" {
        return (String::new(), EvidenceKind::ManifestRange);
    }
    if Requirement::exact(Ecosystem::PyPI, text).is_some() {
        let version = text.trim_start_matches('=').trim();
        return (version.to_owned(), EvidenceKind::ManifestPin);
    }
    if text.starts_with(|c: char| c.is_ascii_digit())
        && Version::parse(Ecosystem::PyPI, text).is_ok()
    {
        return (text.to_owned(), EvidenceKind::ManifestPin);
    }
    match VersionSpecifiers::from_str(text) {
        Ok(specs) => from_specifiers(text, &specs),
        Err(_) => (text.to_owned(), EvidenceKind::ManifestRange),
    }
}

/// Reads a Poetry version constraint: a bare `"2.4.6"` or `"=2.4.6"` is an
/// exact pin; `^`, `~` and `.*` are turned into PEP 440 ranges so that the
/// matcher can evaluate them. The second value is the original text when
/// it was rewritten.
pub(crate) fn parse_poetry_constraint(text: &str) -> (String, EvidenceKind, Option<String>) {
    let text = text.trim();
    if text.is_empty() || text == "*" {
        return (String::new(), EvidenceKind::ManifestRange, None);
    }
    let single = text.strip_prefix('=').filter(|rest| !rest.starts_with('='));
    if let Some(v) = single.map(str::trim)
        && Version::parse(Ecosystem::PyPI, v).is_ok()
    {
        return (v.to_owned(), EvidenceKind::ManifestPin, None);
    }
    if text.contains('|') {
        return (text.to_owned(), EvidenceKind::ManifestRange, None);
    }
    let parts: Vec<&str> = text
        .split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect();
    let converted: Option<Vec<String>> = parts.iter().map(|p| poetry_part(p)).collect();
    match converted {
        Some(pieces) => {
            let joined = pieces.join(",");
            let (version, kind) = parse_specifier_set(&joined);
            let rewritten = text.contains('^') || text.replace("~=", "").contains('~');
            let original = rewritten.then(|| text.to_owned());
            (version, kind, original)
        }
        None => (text.to_owned(), EvidenceKind::ManifestRange, None),
    }
}

fn poetry_part(part: &str) -> Option<String> {
    if let Some(v) = part.strip_prefix('^') {
        let release = release_parts(v.trim())?;
        let first_nonzero = release.iter().position(|&n| n != 0);
        let bump_at = match first_nonzero {
            Some(i) => i,
            None => release.len().saturating_sub(1),
        };
        let mut upper: Vec<u64> = release[..=bump_at].to_vec();
        if let Some(last) = upper.last_mut() {
            *last += 1;
        }
        return Some(format!(">={},<{}", v.trim(), dotted(&upper)));
    }
    if let Some(v) = part.strip_prefix('~').filter(|v| !v.starts_with('=')) {
        let release = release_parts(v.trim())?;
        let keep = if release.len() >= 2 { 2 } else { 1 };
        let mut upper: Vec<u64> = release[..keep].to_vec();
        if let Some(last) = upper.last_mut() {
            *last += 1;
        }
        return Some(format!(">={},<{}", v.trim(), dotted(&upper)));
    }
    if part.starts_with(|c: char| c.is_ascii_digit()) {
        // A bare version (`2.4.6`) or wildcard (`1.82.*`).
        return Some(format!("=={part}"));
    }
    if let Some(v) = part.strip_prefix('=').filter(|v| !v.starts_with('=')) {
        return Some(format!("=={}", v.trim()));
    }
    Some(part.to_owned())
}

fn release_parts(version: &str) -> Option<Vec<u64>> {
    let release: String = version
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    let parts: Option<Vec<u64>> = release
        .split('.')
        .filter(|s| !s.is_empty())
        .map(|s| s.parse().ok())
        .collect();
    parts.filter(|p| !p.is_empty())
}

fn dotted(parts: &[u64]) -> String {
    parts
        .iter()
        .map(u64::to_string)
        .collect::<Vec<_>>()
        .join(".")
}

fn first_line(text: &str) -> String {
    let line = text.lines().next().unwrap_or(text).trim();
    let mut chars = line.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pep(text: &str) -> (String, String, EvidenceKind, Vec<String>) {
        let (f, k) = parse_pep508(text).unwrap();
        (f.name, f.version, k, f.notes)
    }

    #[test]
    fn pep508_pins_ranges_and_markers() {
        let (n, v, k, notes) = pep("litellm[proxy]==1.82.8 ; python_version < \"3.13\"");
        assert_eq!(
            (n.as_str(), v.as_str(), k),
            ("litellm", "1.82.8", EvidenceKind::ManifestPin)
        );
        assert_eq!(notes, vec!["marker python_version < \"3.13\"".to_owned()]);
        let (n, v, k, _) = pep("LiteLLM===1.82.8");
        assert_eq!(
            (n.as_str(), v.as_str(), k),
            ("LiteLLM", "1.82.8", EvidenceKind::ManifestPin)
        );
        let (_, v, k, _) = pep("litellm>=1.82.7,<1.83");
        assert_eq!(
            (v.as_str(), k),
            (">=1.82.7, <1.83", EvidenceKind::ManifestRange)
        );
        let (_, v, k, _) = pep("litellm==1.82.*");
        assert_eq!((v.as_str(), k), ("==1.82.*", EvidenceKind::ManifestRange));
        let (n, v, k, _) = pep("celery[redis, pytest]==4.4.7");
        assert_eq!(
            (n.as_str(), v.as_str(), k),
            ("celery", "4.4.7", EvidenceKind::ManifestPin)
        );
        let (_, v, k, notes) = pep("foo @ https://files.example.test/foo-1.0-py3-none-any.whl");
        assert_eq!((v.as_str(), k), ("1.0", EvidenceKind::ManifestPin));
        assert_eq!(notes, vec!["url source".to_owned()]);
    }

    #[test]
    fn poetry_constraints() {
        let p = |s| parse_poetry_constraint(s);
        assert_eq!(p("2.4.6").0, "2.4.6");
        assert_eq!(p("2.4.6").1, EvidenceKind::ManifestPin);
        assert_eq!(p("==2.4.6").1, EvidenceKind::ManifestPin);
        assert_eq!(p("=2.4.6").1, EvidenceKind::ManifestPin);
        assert_eq!(p("^1.2").0, ">=1.2, <2");
        assert_eq!(p("^0.2.3").0, ">=0.2.3, <0.3");
        assert_eq!(p("^0.0.3").0, ">=0.0.3, <0.0.4");
        assert_eq!(p("~1.2.3").0, ">=1.2.3, <1.3");
        assert_eq!(p("~1").0, ">=1, <2");
        assert_eq!(p("~=1.2").0, "~=1.2");
        assert_eq!(p("1.82.*").0, "==1.82.*");
        assert_eq!(p("*").1, EvidenceKind::ManifestRange);
        assert_eq!(p(">=1 || <0.5").0, ">=1 || <0.5");
    }

    #[test]
    fn names_that_crash_pep508_rs_are_errors() {
        for bad in ["1- x", "a. ==1", "a[b-]==1", "a[ b_ , c]", "a[x.]"] {
            assert!(parse_pep508(bad).is_err(), "{bad}");
        }
        assert!(parse_pep508("a[b-c, d]==1").is_ok());
    }

    #[test]
    fn env_vars_are_masked() {
        let (text, vars) = mask_env_vars("foo @ https://${TOKEN}@h.example.test/foo-1.0.tar.gz");
        assert_eq!(text, "foo @ https://TOKEN@h.example.test/foo-1.0.tar.gz");
        assert_eq!(vars, vec!["TOKEN".to_owned()]);
    }
}
