//! `yarn.lock`, both formats, read line by line.
//!
//! - Classic (v1): entry headers like `lodash@^4.17.21:` or
//!   `"@babel/code-frame@^7.0.0", "@babel/code-frame@^7.10.4":`, bodies with
//!   `version "4.17.21"`, `resolved "…"` and `integrity sha512-…`. Aliases
//!   (`string-width-cjs@npm:string-width@^4.2.0`) resolve to the real name.
//! - Berry (yarn 2+, detected by a `__metadata:` block): YAML-like entries
//!   `"@scope/pkg@npm:1.2.3, @scope/pkg@npm:^1.2.0":` with `version: 1.2.3`,
//!   `resolution: "@scope/pkg@npm:1.2.3"` and `checksum: …`. The name comes
//!   from `resolution` (so aliases get the real name), `patch:` locators
//!   (with `%3A`-encoded inner locators) give the patched package's name,
//!   and `workspace:`, `link:` and `portal:` entries (local code) are
//!   skipped. Strict YAML parsers reject the duplicate keys real berry
//!   files contain, so this is a line parser too; duplicates are simply
//!   read twice.
//!
//! Each package's line is the line of its entry header.

use shieldwall_core::EvidenceKind;

use super::common::{
    Note, Source, npm_alias, npm_ref, percent_decode, split_descriptor, split_name_version, text,
};
use crate::{ExtractError, Extraction, Extractor, FileInput, Problem};

/// Reads `yarn.lock` (classic v1 and berry).
#[derive(Debug)]
pub(crate) struct YarnLock;

/// The `yarn.lock` reader.
pub(crate) static YARN_LOCK: YarnLock = YarnLock;

/// One entry: its header and the body fields this reader uses, borrowed
/// from the text.
#[derive(Debug, Default)]
struct Entry<'t> {
    line: u32,
    descriptors: Vec<&'t str>,
    version: Option<&'t str>,
    resolved: Option<&'t str>,
    resolution: Option<&'t str>,
    hash: Option<&'t str>,
}

impl Extractor for YarnLock {
    fn id(&self) -> &'static str {
        "npm/yarn-lock"
    }

    fn extract(&self, input: &FileInput<'_>) -> Result<Extraction, ExtractError> {
        let text = text(input, "yarn.lock")?;
        let berry =
            crate::lines::lines(text).any(|l| l.trim_end_matches('\r').trim_end() == "__metadata:");
        let mut out = Extraction::default();
        let mut entries: Vec<Entry> = Vec::new();
        let mut bad_lines = Vec::new();
        let mut in_metadata = false;
        for (index, raw) in crate::lines::lines(text).enumerate() {
            let line_no = u32::try_from(index + 1).unwrap_or(u32::MAX);
            let line = raw.trim_end_matches('\r');
            let trimmed = line.trim();
            if trimmed.is_empty() || trimmed.starts_with('#') {
                continue;
            }
            let indent = line.len() - line.trim_start().len();
            if indent == 0 {
                in_metadata = false;
                let Some(header) = trimmed.strip_suffix(':') else {
                    bad_lines.push(line_no);
                    continue;
                };
                if header == "__metadata" {
                    in_metadata = true;
                    continue;
                }
                entries.push(Entry {
                    line: line_no,
                    descriptors: split_header(header),
                    ..Entry::default()
                });
                continue;
            }
            if in_metadata || indent > 2 {
                continue;
            }
            let Some(entry) = entries.last_mut() else {
                bad_lines.push(line_no);
                continue;
            };
            let (field, value) = if berry {
                match trimmed.split_once(':') {
                    Some((f, v)) => (f.trim(), unquote(v.trim())),
                    None => continue,
                }
            } else {
                match trimmed.split_once(' ') {
                    Some((f, v)) => (unquote(f), unquote(v.trim())),
                    None => continue,
                }
            };
            match field {
                "version" => entry.version = Some(value),
                "resolved" => entry.resolved = Some(value),
                "resolution" => entry.resolution = Some(value),
                "integrity" | "checksum" => entry.hash = Some(value),
                _ => {}
            }
        }
        if entries.is_empty() && !bad_lines.is_empty() {
            return Err(ExtractError::malformed(
                input,
                bad_lines.first().copied(),
                "not a yarn.lock: expected entry headers ending in `:`",
            ));
        }
        for line in bad_lines {
            out.problems.push(Problem {
                line: Some(line),
                message: "line is neither an entry header nor an indented field".to_owned(),
            });
        }
        for entry in &entries {
            if berry {
                read_berry(input, entry, &mut out);
            } else {
                read_classic(input, entry, &mut out);
            }
        }
        Ok(out)
    }
}

/// Splits a header (without its trailing `:`) into descriptors:
/// `"a@^1", "a@^1.2"` or `"a@npm:1, a@npm:^1"` or `a@^1, a@^1.2`.
fn split_header(header: &str) -> Vec<&str> {
    header
        .split(',')
        .map(|d| unquote(d.trim()).trim())
        .filter(|d| !d.is_empty())
        .collect()
}

fn unquote(s: &str) -> &str {
    let s = s.trim();
    for q in ['"', '\''] {
        if let Some(inner) = s.strip_prefix(q).and_then(|r| r.strip_suffix(q)) {
            return inner;
        }
    }
    s.trim_start_matches('"').trim_end_matches('"')
}

fn read_classic(input: &FileInput<'_>, entry: &Entry, out: &mut Extraction) {
    let Some(first) = entry.descriptors.first() else {
        return;
    };
    let Some(version) = entry.version else {
        out.problems.push(Problem {
            line: Some(entry.line),
            message: format!("entry `{first}` has no version"),
        });
        return;
    };
    let (declared, range) = split_descriptor(first);
    let range = range.unwrap_or("");
    let mut note = Note::default();
    let name = match npm_alias(range) {
        Some((real, _)) => {
            note.add(format!("alias {declared}"));
            real
        }
        None => declared,
    };
    let source = match Source::of_spec(range) {
        Source::Registry => Source::of_spec(entry.resolved.unwrap_or("")),
        other => other,
    };
    if source == Source::Local {
        return;
    }
    if let Some(src) = source.note() {
        note.add(src);
    }
    out.packages.push(npm_ref(
        input,
        EvidenceKind::Lockfile,
        name,
        version,
        Some(entry.line),
        entry.hash,
        note.build(),
    ));
}

fn read_berry(input: &FileInput<'_>, entry: &Entry, out: &mut Extraction) {
    let Some(first) = entry.descriptors.first() else {
        return;
    };
    let (declared, _) = split_descriptor(first);
    // The locator: `name@reference`. Fall back to the first descriptor.
    let locator = entry.resolution.unwrap_or(first);
    let (name, reference) = split_descriptor(locator);
    let reference = reference.unwrap_or("");
    let mut note = Note::default();
    let mut version = entry.version.map(str::to_owned);
    if let Some(patch) = reference.strip_prefix("patch:") {
        // `patch:<inner locator, %-encoded>#<patch path>::version=…&hash=…`
        // The entry's own ident is the patched package's name.
        let inner = percent_decode(patch.split('#').next().unwrap_or(""));
        let (_, inner_ref) = split_descriptor(&inner);
        if version.is_none() {
            version = param(reference, "version")
                .map(str::to_owned)
                .or_else(|| inner_ref.and_then(npm_version).map(str::to_owned));
        }
        note.add("patched");
    } else if Source::of_spec(reference) == Source::Local || reference.starts_with("exec:") {
        return;
    } else if let Some(src) = Source::of_spec(reference).note() {
        note.add(src);
    } else if reference.contains("__archiveUrl=") {
        note.add("custom registry");
    }
    if version.is_none() {
        version = npm_version(reference).map(str::to_owned);
    }
    let Some(version) = version else {
        out.problems.push(Problem {
            line: Some(entry.line),
            message: format!("entry `{first}` has no version"),
        });
        return;
    };
    if declared != name && !declared.is_empty() {
        // An alias (`router-alias@npm:@scope/real@1.2.3`).
        note.add(format!("alias {declared}"));
    }
    out.packages.push(npm_ref(
        input,
        EvidenceKind::Lockfile,
        name,
        &version,
        Some(entry.line),
        entry.hash,
        note.build(),
    ));
}

/// `npm:1.2.3` or `npm:1.2.3::__archiveUrl=…` → `1.2.3`; an alias
/// reference `npm:@scope/real@1.2.3` → `1.2.3`.
fn npm_version(reference: &str) -> Option<&str> {
    let rest = reference.strip_prefix("npm:")?;
    let rest = rest.split("::").next().unwrap_or(rest);
    let version = match split_name_version(rest) {
        (_, Some(v)) => v,
        (v, None) => v,
    };
    (!version.is_empty()).then_some(version)
}

/// A `key=value` parameter after `::` in a locator.
fn param<'a>(reference: &'a str, key: &str) -> Option<&'a str> {
    let (_, params) = reference.split_once("::")?;
    params.split('&').find_map(|kv| {
        let (k, v) = kv.split_once('=')?;
        (k == key).then_some(v)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn berry_references() {
        assert_eq!(npm_version("npm:1.2.3"), Some("1.2.3"));
        assert_eq!(
            npm_version("npm:1.2.3::__archiveUrl=https%3A%2F%2Fx"),
            Some("1.2.3")
        );
        assert_eq!(npm_version("npm:@a/b@1.2.3"), Some("1.2.3"));
        assert_eq!(npm_version("workspace:."), None);
        assert_eq!(
            param(
                "patch:resolve@npm%3A1.22.8#optional!builtin<compat/resolve>::version=1.22.8&hash=c3c19d",
                "version"
            ),
            Some("1.22.8")
        );
    }

    #[test]
    fn headers() {
        assert_eq!(
            split_header(r#""@babel/code-frame@^7.0.0", "@babel/code-frame@^7.10.4""#),
            vec!["@babel/code-frame@^7.0.0", "@babel/code-frame@^7.10.4"]
        );
        assert_eq!(
            split_header(r#""a@npm:1.0.0, a@npm:^1.0.0""#),
            vec!["a@npm:1.0.0", "a@npm:^1.0.0"]
        );
        assert_eq!(split_header("lodash@^4.17.21"), vec!["lodash@^4.17.21"]);
    }
}
