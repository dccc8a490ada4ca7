//! `package-lock.json`, `npm-shrinkwrap.json` and npm's hidden lockfile
//! `node_modules/.package-lock.json`.
//!
//! - v1 (`lockfileVersion: 1` or absent): the recursive `dependencies` tree;
//!   `npm:` aliases (`"version": "npm:@scope/real@1.2.3"`) resolve to the real
//!   name, up to the last `@`.
//! - v2/v3: the flat `packages` map. The name is the entry's `name` when
//!   present (aliases) or the path after the last `node_modules/`, scope
//!   aware. The root `""`, workspace folders (keys outside `node_modules/`)
//!   and `link: true` entries are local code, not registry packages, and are
//!   skipped. A v2 file with both sections is read from `packages` only.
//! - Flags (`dev`, `optional`, `devOptional`, `peer`, `inBundle`,
//!   `extraneous`) do not hide an entry; they go in the note, as do git,
//!   file and tarball sources. `integrity` is the hash.
//!
//! Lines come from one pass over the bytes ([`KeyLines`]).

use serde_json::{Map, Value};
use shieldwall_core::EvidenceKind;

use super::common::{
    KeyLines, Note, Source, name_after_last_node_modules, npm_alias, npm_ref, parse_json, strip_bom,
};
use crate::{ExtractError, Extraction, Extractor, FileInput, Problem};

/// The newest `lockfileVersion` this extractor knows.
const NEWEST_KNOWN: u64 = 3;

/// Reads npm lockfiles: `package-lock.json`, `npm-shrinkwrap.json` (kind
/// `lockfile`) or the hidden `node_modules/.package-lock.json` (kind
/// `installed`: it describes what is in that `node_modules`).
#[derive(Debug)]
pub(crate) struct PackageLock {
    /// The evidence kind of every entry.
    pub(crate) kind: EvidenceKind,
    /// The extractor id.
    pub(crate) id: &'static str,
}

/// The project lockfile and shrinkwrap reader.
pub(crate) static PACKAGE_LOCK: PackageLock = PackageLock {
    kind: EvidenceKind::Lockfile,
    id: "npm/package-lock",
};

/// The hidden lockfile reader.
pub(crate) static HIDDEN_PACKAGE_LOCK: PackageLock = PackageLock {
    kind: EvidenceKind::Installed,
    id: "npm/hidden-package-lock",
};

impl Extractor for PackageLock {
    fn id(&self) -> &'static str {
        self.id
    }

    fn extract(&self, input: &FileInput<'_>) -> Result<Extraction, ExtractError> {
        match fast::read(strip_bom(input.bytes)) {
            Some(lock) => Ok(self.read_fast(input, lock)),
            None => self.extract_general(input),
        }
    }
}

impl PackageLock {
    /// Reads any lockfile version through a [`Value`] tree, with lines
    /// from [`KeyLines`]; [`fast::read`] covers the common case faster.
    fn extract_general(&self, input: &FileInput<'_>) -> Result<Extraction, ExtractError> {
        let root = parse_json(input, "lockfile")?;
        let Value::Object(root) = root else {
            return Err(ExtractError::malformed(
                input,
                None,
                "lockfile is not a json object",
            ));
        };
        let version = match root.get("lockfileVersion") {
            None => 1,
            Some(v) => v.as_u64().ok_or_else(|| {
                ExtractError::malformed(input, None, "`lockfileVersion` is not a number")
            })?,
        };
        let mut out = Extraction::default();
        if let Some(packages) = root.get("packages") {
            let Value::Object(packages) = packages else {
                return Err(ExtractError::malformed(
                    input,
                    None,
                    "`packages` is not an object",
                ));
            };
            if version > NEWEST_KNOWN {
                out.problems.push(Problem {
                    line: None,
                    message: format!(
                        "lockfileVersion {version} is newer than known; read its `packages` section as v3"
                    ),
                });
            }
            self.read_packages(input, packages, &mut out);
            return Ok(out);
        }
        if version > NEWEST_KNOWN {
            return Err(ExtractError::unsupported(
                input,
                format!("lockfileVersion {version} is not supported (newest known is 3)"),
            ));
        }
        match root.get("dependencies") {
            Some(Value::Object(deps)) => {
                let lines = KeyLines::scan(input.bytes, |path| {
                    path.len() % 2 == 0
                        && path
                            .iter()
                            .step_by(2)
                            .all(|k| *k == b"dependencies".as_slice())
                });
                push_duplicates(&lines, &mut out);
                let mut path = Vec::new();
                self.read_v1(input, deps, &lines, &mut path, &mut out);
            }
            Some(_) => {
                return Err(ExtractError::malformed(
                    input,
                    None,
                    "`dependencies` is not an object",
                ));
            }
            None => {}
        }
        Ok(out)
    }

    /// Reads what [`fast::read`] found, exactly as [`Self::extract_general`]
    /// reads the same file: entries in key order, a repeated key read from
    /// its later copy and reported, lines from the key offsets.
    fn read_fast(&self, input: &FileInput<'_>, lock: fast::Lock<'_>) -> Extraction {
        let mut out = Extraction::default();
        let version = lock.version;
        if version > NEWEST_KNOWN {
            out.problems.push(Problem {
                line: None,
                message: format!(
                    "lockfileVersion {version} is newer than known; read its `packages` section as v3"
                ),
            });
        }
        let bytes = strip_bom(input.bytes);
        let mut entries: Vec<(u32, fast::Keyed<'_>)> = Vec::with_capacity(lock.packages.len());
        let (mut line, mut at) = (1u32, 0usize);
        for keyed in lock.packages {
            let newlines = bytes
                .get(at..keyed.offset)
                .map_or(0, |b| memchr::memchr_iter(b'\n', b).count());
            line = line.saturating_add(u32::try_from(newlines).unwrap_or(u32::MAX));
            at = at.max(keyed.offset);
            entries.push((line, keyed));
        }
        // Key order, as a `serde_json::Map` iterates; the sort is stable,
        // so repeated keys stay in document order and the last one wins.
        entries.sort_by(|a, b| a.1.key.cmp(b.1.key));
        let mut duplicates: Vec<(usize, &str, u32)> = Vec::new();
        let mut winners: Vec<&(u32, fast::Keyed<'_>)> = Vec::with_capacity(entries.len());
        for (i, item) in entries.iter().enumerate() {
            match entries.get(i + 1) {
                Some(next) if next.1.key == item.1.key => {}
                _ => winners.push(item),
            }
            if i > 0
                && entries
                    .get(i - 1)
                    .is_some_and(|prev| prev.1.key == item.1.key)
            {
                duplicates.push((item.1.offset, item.1.key, item.0));
            }
        }
        duplicates.sort_by_key(|d| d.0);
        for (_, key, line) in duplicates {
            out.problems.push(Problem {
                line: Some(line),
                message: format!("entry `{key}` appears more than once; the last copy was read"),
            });
        }
        for (line, keyed) in winners {
            let key = keyed.key;
            if key.is_empty() {
                continue;
            }
            let line = Some(*line);
            let Some(path_name) = name_after_last_node_modules(key) else {
                continue;
            };
            let fast::Entry::Object(entry) = &keyed.entry else {
                out.problems.push(Problem {
                    line,
                    message: format!("entry `{key}` is not an object"),
                });
                continue;
            };
            if entry.link.is_true() {
                continue;
            }
            let name = match entry.name.as_str() {
                Some(n) if !n.is_empty() => n,
                _ => path_name,
            };
            let Some(version) = entry.version.as_str() else {
                out.problems.push(Problem {
                    line,
                    message: format!("entry `{key}` has no version"),
                });
                continue;
            };
            let resolved = entry.resolved.as_str().unwrap_or("");
            let flags = [
                entry.dev.is_true(),
                entry.optional.is_true(),
                entry.dev_optional.is_true(),
                entry.peer.is_true(),
                entry.in_bundle.is_true(),
                entry.extraneous.is_true(),
            ];
            let note = entry_note(flags, name, path_name, resolved);
            out.packages.push(npm_ref(
                input,
                self.kind,
                name,
                version,
                line,
                entry.integrity.as_str(),
                note,
            ));
        }
        out
    }

    fn read_packages(
        &self,
        input: &FileInput<'_>,
        packages: &Map<String, Value>,
        out: &mut Extraction,
    ) {
        let lines = KeyLines::scan(input.bytes, |path| {
            path.len() == 2 && path[0] == b"packages".as_slice()
        });
        push_duplicates(&lines, out);
        for (key, entry) in packages {
            if key.is_empty() {
                continue;
            }
            let line = lines.get(&["packages", key]);
            let Some(path_name) = name_after_last_node_modules(key) else {
                // A workspace folder (`packages/app`): the project's own code.
                continue;
            };
            let Value::Object(entry) = entry else {
                out.problems.push(Problem {
                    line,
                    message: format!("entry `{key}` is not an object"),
                });
                continue;
            };
            if flag(entry, "link") {
                continue;
            }
            let name = match entry.get("name").and_then(Value::as_str) {
                Some(n) if !n.is_empty() => n,
                _ => path_name,
            };
            let Some(version) = entry.get("version").and_then(Value::as_str) else {
                out.problems.push(Problem {
                    line,
                    message: format!("entry `{key}` has no version"),
                });
                continue;
            };
            let resolved = entry.get("resolved").and_then(Value::as_str).unwrap_or("");
            let flags = ENTRY_FLAGS.map(|(key, _)| flag(entry, key));
            let note = entry_note(flags, name, path_name, resolved);
            out.packages.push(npm_ref(
                input,
                self.kind,
                name,
                version,
                line,
                entry.get("integrity").and_then(Value::as_str),
                note,
            ));
        }
    }

    fn read_v1(
        &self,
        input: &FileInput<'_>,
        deps: &Map<String, Value>,
        lines: &KeyLines,
        path: &mut Vec<String>,
        out: &mut Extraction,
    ) {
        for (key, entry) in deps {
            path.push("dependencies".to_owned());
            path.push(key.clone());
            let line = {
                let refs: Vec<&str> = path.iter().map(String::as_str).collect();
                lines.get(&refs)
            };
            match entry {
                Value::Object(entry) => {
                    self.read_v1_entry(input, key, entry, line, out);
                    match entry.get("dependencies") {
                        Some(Value::Object(nested)) => {
                            self.read_v1(input, nested, lines, path, out);
                        }
                        Some(_) => out.problems.push(Problem {
                            line,
                            message: format!("`dependencies` of `{key}` is not an object"),
                        }),
                        None => {}
                    }
                }
                _ => out.problems.push(Problem {
                    line,
                    message: format!("entry `{key}` is not an object"),
                }),
            }
            path.truncate(path.len().saturating_sub(2));
        }
    }

    fn read_v1_entry(
        &self,
        input: &FileInput<'_>,
        key: &str,
        entry: &Map<String, Value>,
        line: Option<u32>,
        out: &mut Extraction,
    ) {
        let Some(raw) = entry.get("version").and_then(Value::as_str) else {
            out.problems.push(Problem {
                line,
                message: format!("entry `{key}` has no version"),
            });
            return;
        };
        let mut note = Note::default();
        note.add_if(flag(entry, "dev"), "dev")
            .add_if(flag(entry, "optional"), "optional")
            .add_if(flag(entry, "bundled"), "bundled");
        let (name, version) = match npm_alias(raw) {
            Some((real, version)) => {
                note.add(format!("alias {key}"));
                (real, version)
            }
            None => (key, raw),
        };
        let source = match Source::of_spec(version) {
            Source::Registry => {
                Source::of_spec(entry.get("resolved").and_then(Value::as_str).unwrap_or(""))
            }
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
            self.kind,
            name,
            version,
            line,
            entry.get("integrity").and_then(Value::as_str),
            note.build(),
        ));
    }
}

/// A problem for every entry key that appears twice in one object: only
/// the later copy is read.
fn push_duplicates(lines: &KeyLines, out: &mut Extraction) {
    for (key, line) in lines.duplicates() {
        out.problems.push(Problem {
            line: Some(*line),
            message: format!("entry `{key}` appears more than once; the last copy was read"),
        });
    }
}

fn flag(entry: &Map<String, Value>, key: &str) -> bool {
    entry.get(key).and_then(Value::as_bool).unwrap_or(false)
}

/// The flags of a v2/v3 `packages` entry, by key, with the note each adds.
const ENTRY_FLAGS: [(&str, &str); 6] = [
    ("dev", "dev"),
    ("optional", "optional"),
    ("devOptional", "dev optional"),
    ("peer", "peer"),
    ("inBundle", "bundled"),
    ("extraneous", "extraneous"),
];

/// The note of a v2/v3 entry: the flags that are set (in [`ENTRY_FLAGS`]
/// order), the alias when the entry's name differs from its path, and a
/// non-registry source.
fn entry_note(flags: [bool; 6], name: &str, path_name: &str, resolved: &str) -> Option<String> {
    let mut note = Note::default();
    for (set, (_, text)) in flags.into_iter().zip(ENTRY_FLAGS) {
        note.add_if(set, text);
    }
    if name != path_name {
        note.add(format!("alias {path_name}"));
    }
    if let Some(src) = Source::of_spec(resolved).note() {
        note.add(src);
    }
    note.build()
}

mod fast;

#[cfg(test)]
mod tests {
    use std::path::Path;
    use std::sync::Arc;

    use super::*;

    /// The fast and the general reader agree on `text`; returns whether
    /// the fast reader took it.
    fn agree(text: &str) -> bool {
        let display: Arc<str> = Arc::from("package-lock.json");
        let input = FileInput {
            path: Path::new("package-lock.json"),
            display: &display,
            bytes: text.as_bytes(),
        };
        let general = format!("{:?}", PACKAGE_LOCK.extract_general(&input));
        let both = format!("{:?}", PACKAGE_LOCK.extract(&input));
        assert_eq!(general, both, "readers disagree on {text}");
        fast::read(strip_bom(input.bytes)).is_some()
    }

    #[test]
    fn fast_reader_matches_the_general_one() {
        let fast = [
            "{\"lockfileVersion\": 3, \"packages\": {\"\": {\"name\": \"app\"},\n \"node_modules/b\": {\"version\": \"1.0.0\", \"dev\": true, \"peer\": true},\n \"node_modules/a\": {\"version\": \"2.0.0\", \"integrity\": \"sha512-x\", \"resolved\": \"git+ssh://x\"}}}",
            // Repeated keys: the later copy wins and is reported.
            "{\"lockfileVersion\": 2, \"packages\": {\n\"node_modules/a\": {\"version\": \"1\"},\n\"\": {},\n\"node_modules/a\": {\"version\": \"2\", \"version\": 3},\n\"\": {},\n\"node_modules/a\": {\"version\": \"4\"}}}",
            // Not objects, no versions, links, aliases, workspaces, escapes in values.
            "{\"packages\": {\"node_modules/x\": 1, \"node_modules/y\": {}, \"node_modules/z\": {\"link\": true},\n \"node_modules/al\": {\"name\": \"real\", \"version\": \"1\\u002e0\", \"inBundle\": true, \"extraneous\": true, \"optional\": true, \"devOptional\": true},\n \"packages/app\": {\"version\": \"1\"}, \"node_modules/n\": {\"name\": 5, \"version\": \"1\", \"dev\": \"yes\", \"x\": [1, {\"y\": null}]}}}",
            "\u{feff}{\"lockfileVersion\": 7, \"packages\": {\"node_modules/a\": {\"version\": \"1\"}}, \"dependencies\": {}}",
            "{\"packages\": {}}",
        ];
        for text in fast {
            assert!(agree(text), "fast reader gave up on {text}");
        }
        let general = [
            "{\"lockfileVersion\": 1, \"dependencies\": {\"a\": {\"version\": \"1.0.0\"}}}",
            "{\"lockfileVersion\": \"3\", \"packages\": {}}",
            "{\"lockfileVersion\": -3, \"packages\": {}}",
            "{\"lockfileVersion\": 9, \"dependencies\": {}}",
            "{\"packages\": []}",
            "{\"packages\": {}, \"packages\": {\"node_modules/a\": {\"version\": \"1\"}}}",
            "{\"pack\\u0061ges\": {\"node_modules/a\": {\"version\": \"1\"}}}",
            "{\"packages\": {\"node_modules/\\u0061\": {\"version\": \"1\"}, \"node_modules/a\": {}}}",
            "[1, 2]",
            "{\"packages\": {\"node_modules/a\": {\"version\": 1e999}}}",
            "{\"packages\": {\"node_modules/a\": {\"x\": \"\\ud800\"}}}",
            "{\"packages\": {}} x",
            "{\"packages\": {",
            "",
        ];
        for text in general {
            assert!(!agree(text), "fast reader took {text}");
        }
        let bad_utf8 = b"{\"packages\": {\"node_modules/a\": {\"x\": \"\xff\"}}}";
        assert!(fast::read(bad_utf8).is_none());
    }
}
