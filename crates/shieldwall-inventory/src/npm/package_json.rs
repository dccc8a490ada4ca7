//! `package.json`, in its two roles.
//!
//! - **Project manifest** (any `package.json` not under `node_modules/`):
//!   the declared dependencies of `dependencies`, `devDependencies`,
//!   `optionalDependencies` and `peerDependencies`, plus `overrides` (npm),
//!   `resolutions` (yarn) and `pnpm.overrides`. An exact version is a
//!   `manifest-pin`; anything else a `manifest-range` whose version is the
//!   declared text. `npm:real@range` aliases resolve to the real name; git,
//!   GitHub shorthand and tarball URL specs are reported as ranges with a
//!   `git source`/`tarball source` note; `file:`, `link:`, `workspace:` and
//!   `portal:` specs are local code and skipped. Names listed in
//!   `bundleDependencies` get a `bundled` note. The project's own
//!   name/version is not reported.
//! - **Installed package** (`node_modules/<name>/package.json` or
//!   `node_modules/@scope/<name>/package.json`, at any depth: nested
//!   installs, global roots, the pnpm store, npx and yarn caches): the
//!   package's own `name` and `version` fields, never the directory name.
//!   Without a version nothing is reported. The yarn classic cache layout
//!   (`…/npm-<name>-<version>-<hash>-integrity/node_modules/…`) is kind
//!   `cache`; everything else `installed`.

use serde_json::{Map, Value};
use shieldwall_core::{Ecosystem, EvidenceKind, Requirement};

use super::common::{KeyLines, Note, Source, components, npm_alias, npm_ref, parse_json};
use crate::{ExtractError, Extraction, Extractor, FileInput, Problem};

/// Reads project `package.json` manifests.
#[derive(Debug)]
pub(crate) struct PackageJson;

/// The project manifest reader.
pub(crate) static PACKAGE_JSON: PackageJson = PackageJson;

/// Reads the identity of installed packages from their `package.json`.
#[derive(Debug)]
pub(crate) struct InstalledPackageJson;

/// The installed package reader.
pub(crate) static INSTALLED_PACKAGE_JSON: InstalledPackageJson = InstalledPackageJson;

/// Dependency sections and the note they give.
const SECTIONS: [(&str, Option<&str>); 4] = [
    ("dependencies", None),
    ("devDependencies", Some("dev")),
    ("optionalDependencies", Some("optional")),
    ("peerDependencies", Some("peer")),
];

impl Extractor for PackageJson {
    fn id(&self) -> &'static str {
        "npm/package-json"
    }

    fn extract(&self, input: &FileInput<'_>) -> Result<Extraction, ExtractError> {
        let root = parse_json(input, "package.json")?;
        let Value::Object(root) = root else {
            return Err(ExtractError::malformed(
                input,
                None,
                "package.json is not a json object",
            ));
        };
        let lines = KeyLines::scan(input.bytes, |path| path.len() <= 2);
        let mut out = Extraction::default();
        let bundled = bundled_names(&root);
        for (section, section_note) in SECTIONS {
            let Some(deps) = root.get(section) else {
                continue;
            };
            let Value::Object(deps) = deps else {
                out.problems.push(Problem {
                    line: lines.get(&[section]),
                    message: format!("`{section}` is not an object"),
                });
                continue;
            };
            for (name, spec) in deps {
                let line = lines.get(&[section, name]);
                let Some(spec) = spec.as_str() else {
                    out.problems.push(Problem {
                        line,
                        message: format!("`{section}.{name}` is not a string"),
                    });
                    continue;
                };
                let mut note = Note::default();
                if let Some(n) = section_note {
                    note.add(n);
                }
                note.add_if(bundled.iter().any(|b| b == name), "bundled");
                push_declared(input, name, spec, line, note, &mut out);
            }
        }
        if let Some(overrides) = root.get("overrides") {
            read_overrides(input, overrides, None, &lines, &mut out);
        }
        if let Some(Value::Object(resolutions)) = root.get("resolutions") {
            for (selector, spec) in resolutions {
                if let (Some(name), Some(spec)) = (selector_name(selector), spec.as_str()) {
                    let mut note = Note::default();
                    note.add("resolution");
                    let line = lines.get(&["resolutions", selector]);
                    push_declared(input, name, spec, line, note, &mut out);
                }
            }
        }
        if let Some(Value::Object(overrides)) = root.get("pnpm").and_then(|p| p.get("overrides")) {
            for (selector, spec) in overrides {
                if let (Some(name), Some(spec)) = (selector_name(selector), spec.as_str()) {
                    let mut note = Note::default();
                    note.add("override");
                    push_declared(input, name, spec, None, note, &mut out);
                }
            }
        }
        Ok(out)
    }
}

/// Names in `bundleDependencies`/`bundledDependencies` (`true` means all
/// of `dependencies`).
fn bundled_names(root: &Map<String, Value>) -> Vec<String> {
    let list = root
        .get("bundleDependencies")
        .or_else(|| root.get("bundledDependencies"));
    match list {
        Some(Value::Array(names)) => names
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
        Some(Value::Bool(true)) => root
            .get("dependencies")
            .and_then(Value::as_object)
            .map(|d| d.keys().cloned().collect())
            .unwrap_or_default(),
        _ => Vec::new(),
    }
}

/// npm `overrides`: `{"foo": "1.0.0", "bar": {".": "2.0.0", "baz": "3"}}`,
/// keys possibly with a version selector (`foo@^1`); `$name` references
/// point at a direct dependency and are skipped.
fn read_overrides(
    input: &FileInput<'_>,
    value: &Value,
    parent: Option<&str>,
    lines: &KeyLines,
    out: &mut Extraction,
) {
    let Value::Object(map) = value else {
        return;
    };
    for (selector, spec) in map {
        let name = if selector == "." {
            parent
        } else {
            selector_name(selector)
        };
        match spec {
            Value::String(s) if !s.starts_with('$') => {
                if let Some(name) = name {
                    let mut note = Note::default();
                    note.add("override");
                    let line = if parent.is_none() {
                        lines.get(&["overrides", selector])
                    } else {
                        None
                    };
                    push_declared(input, name, s, line, note, out);
                }
            }
            Value::Object(_) => read_overrides(input, spec, name, lines, out),
            _ => {}
        }
    }
}

/// The package a `resolutions`/`overrides` selector names:
/// `**/foo` → `foo`, `a/@s/b` → `@s/b`, `foo@^1` → `foo`, `a>b@1` → `b`.
fn selector_name(selector: &str) -> Option<&str> {
    let last = selector.rsplit('>').next().unwrap_or(selector);
    let parts: Vec<&str> = last.split('/').collect();
    let leaf = match parts.as_slice() {
        [.., scope, _] if scope.starts_with('@') => {
            let start = last.rfind(scope).unwrap_or(0);
            &last[start..]
        }
        [.., name] => name,
        [] => last,
    };
    let search_from = usize::from(leaf.starts_with('@'));
    let name = match leaf[search_from..].find('@') {
        Some(at) => &leaf[..search_from + at],
        None => leaf,
    };
    (!name.is_empty() && name != "**" && name != "*").then_some(name)
}

/// Pushes one declared dependency.
fn push_declared(
    input: &FileInput<'_>,
    declared: &str,
    spec: &str,
    line: Option<u32>,
    mut note: Note,
    out: &mut Extraction,
) {
    let (name, spec) = match npm_alias(spec) {
        Some((real, range)) => {
            note.add(format!("alias {declared}"));
            (real, if range.is_empty() { "*" } else { range })
        }
        None => (declared, spec.trim()),
    };
    // An empty spec means any version, as npm reads it.
    let spec = if spec.is_empty() { "*" } else { spec };
    let source = Source::of_spec(spec);
    if matches!(source, Source::Local | Source::File) {
        // Local code (`file:`, `link:`, `workspace:`, `portal:`).
        return;
    }
    if let Some(src) = source.note() {
        note.add(src);
    }
    let exact = (source == Source::Registry)
        .then(|| Requirement::exact(Ecosystem::Npm, spec))
        .flatten();
    let (kind, version) = match exact {
        Some(_) => (
            EvidenceKind::ManifestPin,
            spec.trim_start_matches('=').trim_start_matches(['v', 'V']),
        ),
        None => (EvidenceKind::ManifestRange, spec),
    };
    out.packages.push(npm_ref(
        input,
        kind,
        name,
        version,
        line,
        None,
        note.build(),
    ));
}

impl Extractor for InstalledPackageJson {
    fn id(&self) -> &'static str {
        "npm/installed-package-json"
    }

    fn extract(&self, input: &FileInput<'_>) -> Result<Extraction, ExtractError> {
        let mut out = Extraction::default();
        let Some((root, name, version)) = identity(input)? else {
            return Ok(out);
        };
        let (name, version) = (name.as_str(), version.as_str());
        let lines = KeyLines::scan(input.bytes, |path| path.len() == 1);
        let parts = components(input.path);
        let kind = if in_yarn_classic_cache(&parts) {
            EvidenceKind::Cache
        } else {
            EvidenceKind::Installed
        };
        let mut note = Note::default();
        if let Some(place) = place_note(&parts) {
            note.add(place);
        }
        note.add_if(
            root.get("_inBundle").and_then(Value::as_bool) == Some(true),
            "bundled",
        );
        if let Some(src) = root
            .get("_resolved")
            .and_then(Value::as_str)
            .and_then(|r| Source::of_spec(r).note())
        {
            note.add(src);
        }
        out.packages.push(npm_ref(
            input,
            kind,
            name,
            version,
            lines.get(&["version"]),
            root.get("_integrity").and_then(Value::as_str),
            note.build(),
        ));
        Ok(out)
    }
}

/// A parsed `package.json` object with its `name` and `version`.
pub(crate) type Identity = (Map<String, Value>, String, String);

/// The parsed object and its `name` and `version` fields, when both are
/// non-empty strings; also used for the `package.json` inside npm
/// tarballs.
pub(crate) fn identity(input: &FileInput<'_>) -> Result<Option<Identity>, ExtractError> {
    let Value::Object(root) = parse_json(input, "package.json")? else {
        return Err(ExtractError::malformed(
            input,
            None,
            "package.json is not a json object",
        ));
    };
    let (Some(name), Some(version)) = (
        root.get("name").and_then(Value::as_str),
        root.get("version").and_then(Value::as_str),
    ) else {
        return Ok(None);
    };
    if name.trim().is_empty() || version.trim().is_empty() {
        return Ok(None);
    }
    let (name, version) = (name.to_owned(), version.to_owned());
    Ok(Some((root, name, version)))
}

/// True for the yarn classic cache layout
/// `…/v6/npm-<name>-<version>-<hash>-integrity/node_modules/<name>/package.json`.
fn in_yarn_classic_cache(parts: &[String]) -> bool {
    parts
        .iter()
        .any(|p| p.starts_with("npm-") && p.ends_with("-integrity"))
}

/// A note on where an installed package lives, when that says something:
/// the pnpm store, the npx cache, yarn's unplugged folder, bun's store, a
/// global root.
fn place_note(parts: &[String]) -> Option<&'static str> {
    let has = |name: &str| parts.iter().any(|p| p == name);
    if in_yarn_classic_cache(parts) {
        Some("yarn cache")
    } else if has(".pnpm") {
        Some("pnpm store")
    } else if has("_npx") {
        Some("npx cache")
    } else if has("unplugged") {
        Some("yarn unplugged")
    } else if has(".bun") {
        Some("bun store")
    } else if parts
        .iter()
        .position(|p| p == "node_modules")
        .is_some_and(|i| {
            let before = &parts[..i];
            before.ends_with(&["lib".to_owned()])
                || before.ends_with(&["Roaming".to_owned(), "npm".to_owned()])
        })
    {
        Some("global")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selectors() {
        assert_eq!(selector_name("foo"), Some("foo"));
        assert_eq!(selector_name("**/foo"), Some("foo"));
        assert_eq!(selector_name("a/@s/b"), Some("@s/b"));
        assert_eq!(selector_name("@s/b"), Some("@s/b"));
        assert_eq!(selector_name("foo@^1"), Some("foo"));
        assert_eq!(selector_name("@s/b@1"), Some("@s/b"));
        assert_eq!(selector_name("a@1>b@2"), Some("b"));
    }
}
