//! `bun.lock`, bun's text lockfile: JSON with comments and trailing commas.
//!
//! `packages` maps an install path (`axios`, `wrap-ansi/string-width` for a
//! nested copy, an alias name) to a tuple whose first element is
//! `name@version` (scoped names split at the last `@`). Tuples vary in
//! arity; the integrity is the last string element starting with `sha`.
//! Workspace (`workspace:`), root (`root:`) and `link:` entries are local
//! code and skipped; git and tarball entries are reported with the spec as
//! version and a `git source`/`tarball source` note. When the install
//! path's last name differs from the real name the entry is an alias and
//! is noted so. The binary `bun.lockb` is not read (see
//! [`classify`](super::classify)).

use jsonc_parser::ParseOptions;
use serde_json::Value;
use shieldwall_core::EvidenceKind;

use super::common::{KeyLines, Note, Source, npm_ref, split_name_version, text};
use crate::{ExtractError, Extraction, Extractor, FileInput, Problem};

/// The newest `lockfileVersion` this reader knows.
const NEWEST_KNOWN: u64 = 1;

/// Reads `bun.lock`.
#[derive(Debug)]
pub(crate) struct BunLock;

/// The `bun.lock` reader.
pub(crate) static BUN_LOCK: BunLock = BunLock;

impl Extractor for BunLock {
    fn id(&self) -> &'static str {
        "npm/bun-lock"
    }

    fn extract(&self, input: &FileInput<'_>) -> Result<Extraction, ExtractError> {
        let text = text(input, "bun.lock")?;
        let root: Value = jsonc_parser::parse_to_serde_value(text, &ParseOptions::default())
            .map_err(|e| {
                ExtractError::malformed(
                    input,
                    u32::try_from(e.line_display()).ok(),
                    format!("invalid bun.lock jsonc: {}", e.kind()).to_lowercase(),
                )
            })?;
        let Value::Object(root) = root else {
            return Err(ExtractError::malformed(
                input,
                None,
                "bun.lock is not a json object",
            ));
        };
        let version = root
            .get("lockfileVersion")
            .and_then(Value::as_u64)
            .unwrap_or(0);
        let mut out = Extraction::default();
        let packages = match root.get("packages") {
            Some(Value::Object(p)) => p,
            Some(_) => {
                return Err(ExtractError::malformed(
                    input,
                    None,
                    "`packages` is not an object",
                ));
            }
            None if version > NEWEST_KNOWN => {
                return Err(ExtractError::unsupported(
                    input,
                    format!("lockfileVersion {version} is not supported"),
                ));
            }
            None => return Ok(out),
        };
        if version > NEWEST_KNOWN {
            out.problems.push(Problem {
                line: None,
                message: format!("lockfileVersion {version} is newer than known; read as 1"),
            });
        }
        let lines = KeyLines::scan(text.as_bytes(), |path| {
            path.len() == 2 && path[0] == b"packages".as_slice()
        });
        for (key, entry) in packages {
            let line = lines.get(&["packages", key]);
            let Some(tuple) = entry.as_array() else {
                out.problems.push(Problem {
                    line,
                    message: format!("entry `{key}` is not an array"),
                });
                continue;
            };
            let Some(spec) = tuple.first().and_then(Value::as_str) else {
                out.problems.push(Problem {
                    line,
                    message: format!("entry `{key}` has no `name@version` first element"),
                });
                continue;
            };
            let (name, version) = split_resolution(spec);
            let Some(version) = version.filter(|v| !v.is_empty()) else {
                out.problems.push(Problem {
                    line,
                    message: format!("entry `{key}` has no version"),
                });
                continue;
            };
            let source = Source::of_spec(version);
            if source == Source::Local {
                continue;
            }
            let mut note = Note::default();
            let leaf = leaf_name(key);
            note.add_if(!leaf.is_empty() && leaf != name, format!("alias {leaf}"));
            if let Some(src) = source.note() {
                note.add(src);
            }
            let hash = tuple
                .iter()
                .rev()
                .filter_map(Value::as_str)
                .find(|s| s.starts_with("sha"));
            out.packages.push(npm_ref(
                input,
                EvidenceKind::Lockfile,
                name,
                version,
                line,
                hash,
                note.build(),
            ));
        }
        Ok(out)
    }
}

/// `name@version`, `@scope/name@version`, `name@github:org/repo#sha`:
/// split at the first `@` after the name so that a git spec keeps its own
/// `@`s; a plain version never contains `@`.
fn split_resolution(spec: &str) -> (&str, Option<&str>) {
    let from = usize::from(spec.starts_with('@'));
    match spec[from..].find('@') {
        Some(at) => (&spec[..from + at], Some(&spec[from + at + 1..])),
        None => split_name_version(spec),
    }
}

/// The last package name of an install path: `wrap-ansi/string-width` →
/// `string-width`, `a/@s/b` → `@s/b`.
fn leaf_name(key: &str) -> &str {
    let parts: Vec<&str> = key.split('/').collect();
    match parts.as_slice() {
        [] => key,
        [.., scope, name] if scope.starts_with('@') => {
            let start = key.len() - name.len() - scope.len() - 1;
            &key[start..]
        }
        [.., name] => name,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leaf_names() {
        assert_eq!(leaf_name("axios"), "axios");
        assert_eq!(leaf_name("wrap-ansi/string-width"), "string-width");
        assert_eq!(leaf_name("@a/b"), "@a/b");
        assert_eq!(leaf_name("x/@a/b"), "@a/b");
    }

    #[test]
    fn resolutions() {
        assert_eq!(
            split_resolution("@tanstack/react-router@1.169.5"),
            ("@tanstack/react-router", Some("1.169.5"))
        );
        assert_eq!(
            split_resolution("ghostty-web@github:rcarmo/ghostty-web#6c1c75b"),
            ("ghostty-web", Some("github:rcarmo/ghostty-web#6c1c75b"))
        );
        assert_eq!(
            split_resolution("my-monorepo@root:"),
            ("my-monorepo", Some("root:"))
        );
    }
}
