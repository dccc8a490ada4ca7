//! `pnpm-lock.yaml` (and pnpm's hidden `node_modules/.pnpm/lock.yaml`).
//!
//! Every YAML document is read: pnpm 11+ writes an environment document
//! (config and package-manager dependencies) before the project document,
//! and both list real packages.
//!
//! Package keys by `lockfileVersion`:
//! - 5.x: `/name/1.0.0`, `/@scope/name/1.0.0`, peer suffixes after `_`
//!   (`/acorn-jsx/5.3.2_acorn@8.8.0`, hashed `…_fzn43tb6…`);
//! - 6.x: `/name@1.0.0(peer@1)(peer@2)`;
//! - 9.x: `packages` keys `name@1.0.0` and `snapshots` keys with peers.
//!
//! An entry's own `name`/`version` fields (written for git and tarball
//! dependencies) win over the key. `link:` and directory entries are local
//! code and are skipped. The same version with different peers gives one
//! reference per key. Importers are read for `npm:` aliases (noted on the
//! real package) and for resolved versions missing from `packages` (such as
//! config dependencies). Lines: the line of each `packages`/`snapshots` key,
//! best effort.
//!
//! The text is read into a light tree by a line reader for the common,
//! well-formed shapes ([`super::pnpm_lines`]); a file it does not fully
//! understand is parsed with yaml-rust2's event parser into the same tree
//! ([`super::pnpm_fast`]); a file that tree does not model exactly
//! (anchors, aliases, tags, non-string keys, duplicate keys, syntax errors)
//! is read again with yaml-rust2's own loader, which also gives the errors.
//! All trees are read by the same code, through [`Tree`].

use std::collections::{HashMap, HashSet};

use shieldwall_core::EvidenceKind;
use yaml_rust2::{Yaml, YamlLoader};

use crate::yaml_depth::{MAX_DEPTH, too_deep};

use super::common::{Note, Source, npm_ref, split_descriptor, text};
use crate::{ExtractError, Extraction, Extractor, FileInput, Problem};

/// The newest `lockfileVersion` major this reader knows.
const NEWEST_KNOWN_MAJOR: u64 = 9;

/// Reads pnpm lockfiles.
#[derive(Debug)]
pub(crate) struct PnpmLock {
    /// The evidence kind of every entry.
    pub(crate) kind: EvidenceKind,
    /// The extractor id.
    pub(crate) id: &'static str,
}

/// The project lockfile reader.
pub(crate) static PNPM_LOCK: PnpmLock = PnpmLock {
    kind: EvidenceKind::Lockfile,
    id: "npm/pnpm-lock",
};

/// The hidden lockfile reader (`node_modules/.pnpm/lock.yaml`).
pub(crate) static PNPM_HIDDEN_LOCK: PnpmLock = PnpmLock {
    kind: EvidenceKind::Installed,
    id: "npm/pnpm-hidden-lock",
};

/// Dependency groups of an importer (or of a single-project document root).
const GROUPS: [(&str, Option<&str>); 5] = [
    ("dependencies", None),
    ("devDependencies", Some("dev")),
    ("optionalDependencies", Some("optional")),
    ("configDependencies", Some("config dependency")),
    ("packageManagerDependencies", Some("package manager")),
];

/// A resolved dependency of an importer.
struct ImporterDep {
    name: String,
    version: String,
    alias: Option<String>,
    group: Option<&'static str>,
    hash: Option<String>,
}

impl Extractor for PnpmLock {
    fn id(&self) -> &'static str {
        self.id
    }

    fn extract(&self, input: &FileInput<'_>) -> Result<Extraction, ExtractError> {
        self.extract_with(input, true)
    }
}

/// For the differential checks: the line reader's answer (its tree, then
/// the extraction) and the event reader's, or `None` when the line reader
/// leaves `bytes` to the YAML readers.
pub(crate) fn differential(bytes: &[u8]) -> Option<(String, String)> {
    let path = std::path::Path::new("pnpm-lock.yaml");
    let display: std::sync::Arc<str> = "pnpm-lock.yaml".into();
    let input = FileInput {
        path,
        display: &display,
        bytes,
    };
    let text = text(&input, "pnpm lockfile").ok()?;
    if too_deep(text).is_some() {
        return None;
    }
    let fast = super::pnpm_lines::load(text)?;
    let full = super::pnpm_fast::load(text);
    Some((
        format!(
            "{fast:#?}\n{}",
            render(&PNPM_LOCK.read_documents(&input, text, &fast))
        ),
        format!(
            "{}\n{}",
            full.map_or_else(
                || "the event reader gave up".to_owned(),
                |t| format!("{t:#?}")
            ),
            render(&PNPM_LOCK.extract_with(&input, false))
        ),
    ))
}

/// An extraction or its error, as text to compare.
fn render(result: &Result<Extraction, ExtractError>) -> String {
    match result {
        Ok(x) => format!("{:#?}\n{:#?}", x.packages, x.problems),
        Err(e) => format!("{e:?}"),
    }
}

impl PnpmLock {
    /// Reads `input`, trying the line reader first when `lines` is set.
    fn extract_with(&self, input: &FileInput<'_>, lines: bool) -> Result<Extraction, ExtractError> {
        let text = text(input, "pnpm lockfile")?;
        if let Some(line) = too_deep(text) {
            return Err(ExtractError::malformed(
                input,
                Some(line),
                format!("yaml nests deeper than {MAX_DEPTH} levels"),
            ));
        }
        let light = if lines {
            super::pnpm_lines::load(text).or_else(|| super::pnpm_fast::load(text))
        } else {
            super::pnpm_fast::load(text)
        };
        if let Some(docs) = light {
            return self.read_documents(input, text, &docs);
        }
        let docs = YamlLoader::load_from_str(text).map_err(|e| {
            let line = u32::try_from(e.marker().line()).ok().filter(|&l| l > 0);
            ExtractError::malformed(input, line, format!("invalid yaml: {}", e.info()))
        })?;
        self.read_documents(input, text, &docs)
    }
}

impl PnpmLock {
    /// Reads every document of a parsed file.
    fn read_documents<T: Tree>(
        &self,
        input: &FileInput<'_>,
        text: &str,
        docs: &[T],
    ) -> Result<Extraction, ExtractError> {
        let lines = KeyLines::scan(text);
        let mut out = Extraction::default();
        let mut any_lockfile = false;
        for (index, doc) in docs.iter().enumerate() {
            match doc.shape() {
                Shape::Map => {}
                Shape::Null => continue,
                Shape::Other => {
                    return Err(ExtractError::malformed(
                        input,
                        None,
                        format!("document {} is not a mapping", index + 1),
                    ));
                }
            }
            let Some(major) = doc.get("lockfileVersion").and_then(lockfile_major) else {
                continue;
            };
            any_lockfile = true;
            if major > NEWEST_KNOWN_MAJOR {
                let has_packages = doc.get("packages").is_some_and(|p| p.shape() == Shape::Map);
                if !has_packages {
                    return Err(ExtractError::unsupported(
                        input,
                        format!("lockfileVersion {major} is not supported"),
                    ));
                }
                out.problems.push(Problem {
                    line: None,
                    message: format!(
                        "lockfileVersion {major} is newer than known; read as version 9"
                    ),
                });
            }
            self.read_document(input, doc, major, lines.for_doc(index), &mut out);
        }
        if !any_lockfile && !docs.iter().all(|d| d.shape() == Shape::Null) {
            return Err(ExtractError::malformed(
                input,
                None,
                "not a pnpm lockfile: no document has a `lockfileVersion`",
            ));
        }
        Ok(out)
    }

    fn read_document<T: Tree>(
        &self,
        input: &FileInput<'_>,
        doc: &T,
        major: u64,
        lines: Option<&DocLines<'_>>,
        out: &mut Extraction,
    ) {
        let deps = importer_deps(doc, major);
        // Notes the importers add to packages: aliases, config and
        // package-manager dependencies (not dev/optional, which only a
        // full graph walk could say of transitive packages).
        let mut extra: HashMap<(&str, &str), Vec<String>> = HashMap::new();
        for dep in &deps {
            let group = dep
                .group
                .filter(|g| matches!(*g, "config dependency" | "package manager"));
            if dep.alias.is_none() && group.is_none() {
                // Nothing to add: most dependencies, and no entry keeps
                // the map empty and its lookups skipped.
                continue;
            }
            let notes = extra
                .entry((dep.name.as_str(), dep.version.as_str()))
                .or_default();
            if let Some(alias) = &dep.alias {
                notes.push(format!("alias {alias}"));
            }
            if let Some(group) = group {
                notes.push(group.to_owned());
            }
        }
        let mut seen: HashSet<(String, String)> = HashSet::new();
        for section in ["packages", "snapshots"] {
            let Some(entries) = doc.get(section).and_then(Tree::entries) else {
                continue;
            };
            for (key, entry) in entries {
                let Some(key) = key else {
                    continue;
                };
                let line = lines.and_then(|l| l.get(section, key));
                let Some((name, version, source)) = resolve_entry(key, entry, major) else {
                    continue;
                };
                if source == Source::Local {
                    continue;
                }
                let Some(version) = version else {
                    if section == "snapshots" {
                        // Snapshots of non-registry packages carry no
                        // version; their `packages` entry was read.
                        continue;
                    }
                    out.problems.push(Problem {
                        line,
                        message: format!("entry `{key}` has no version"),
                    });
                    continue;
                };
                let identity = (name, version);
                if section == "snapshots" && seen.contains(&identity) {
                    continue;
                }
                let mut note = Note::default();
                note.add_if(flag(entry, "dev"), "dev")
                    .add_if(flag(entry, "optional"), "optional");
                let (name, version) = (&identity.0, &identity.1);
                if let Some(notes) = (!extra.is_empty())
                    .then(|| extra.get(&(name.as_str(), version.as_str())))
                    .flatten()
                {
                    for n in notes {
                        if !note_has(&note, n) {
                            note.add(n.clone());
                        }
                    }
                }
                if let Some(src) = source.note() {
                    note.add(src);
                }
                let hash = entry
                    .get("resolution")
                    .and_then(|r| r.get("integrity"))
                    .and_then(Tree::as_str);
                out.packages.push(npm_ref(
                    input,
                    self.kind,
                    name,
                    version,
                    line,
                    hash,
                    note.build(),
                ));
                seen.insert(identity);
            }
        }
        for dep in &deps {
            if seen.contains(&(dep.name.clone(), dep.version.clone())) {
                continue;
            }
            let mut note = Note::default();
            if let Some(group) = dep.group {
                note.add(group);
            }
            if let Some(alias) = &dep.alias {
                note.add(format!("alias {alias}"));
            }
            out.packages.push(npm_ref(
                input,
                self.kind,
                &dep.name,
                &dep.version,
                None,
                dep.hash.as_deref(),
                note.build(),
            ));
            seen.insert((dep.name.clone(), dep.version.clone()));
        }
    }
}

/// What a YAML node is, as far as the reader cares.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Shape {
    /// A mapping.
    Map,
    /// A null (an empty document).
    Null,
    /// Anything else.
    Other,
}

/// A parsed YAML node: yaml-rust2's [`Yaml`] or the light tree of
/// [`super::pnpm_fast`], read alike.
pub(super) trait Tree: Sized {
    /// What the node is.
    fn shape(&self) -> Shape;
    /// The value of the string key `key` of a mapping.
    fn get(&self, key: &str) -> Option<&Self>;
    /// The text of a string.
    fn as_str(&self) -> Option<&str>;
    /// The text of a plain scalar resolved as a float (`9.0`).
    fn as_real(&self) -> Option<&str>;
    /// An integer.
    fn as_int(&self) -> Option<i64>;
    /// A boolean.
    fn as_bool(&self) -> Option<bool>;
    /// The entries of a mapping in order, with the key's text when the
    /// key is a string.
    fn entries(&self) -> Option<impl Iterator<Item = (Option<&str>, &Self)>>;
}

impl Tree for Yaml {
    fn shape(&self) -> Shape {
        match self {
            Yaml::Hash(_) => Shape::Map,
            Yaml::Null => Shape::Null,
            _ => Shape::Other,
        }
    }

    /// `value[key]`, as yaml-rust2's `Index` gives it, without copying the
    /// key into a [`Yaml::String`] for small mappings (entries, importers,
    /// the document root), which are searched in order instead.
    fn get(&self, key: &str) -> Option<&Self> {
        match self {
            Yaml::Hash(map) if map.len() <= 16 => map
                .iter()
                .find_map(|(k, v)| matches!(k, Yaml::String(s) if s == key).then_some(v)),
            Yaml::Hash(map) => map.get(&Yaml::String(key.to_owned())),
            _ => None,
        }
    }

    fn as_str(&self) -> Option<&str> {
        Yaml::as_str(self)
    }

    fn as_real(&self) -> Option<&str> {
        match self {
            Yaml::Real(s) => Some(s),
            _ => None,
        }
    }

    fn as_int(&self) -> Option<i64> {
        Yaml::as_i64(self)
    }

    fn as_bool(&self) -> Option<bool> {
        Yaml::as_bool(self)
    }

    fn entries(&self) -> Option<impl Iterator<Item = (Option<&str>, &Self)>> {
        match self {
            Yaml::Hash(map) => Some(map.iter().map(|(k, v)| (k.as_str(), v))),
            _ => None,
        }
    }
}

fn note_has(note: &Note, part: &str) -> bool {
    note.build()
        .is_some_and(|n| n.split(", ").any(|p| p == part))
}

fn flag<T: Tree>(entry: &T, key: &str) -> bool {
    entry.get(key).and_then(Tree::as_bool).unwrap_or(false)
}

/// `lockfileVersion` as its major number (`5.4`, `'6.0'`, `'9.0'`, `5`).
fn lockfile_major<T: Tree>(v: &T) -> Option<u64> {
    let number: f64 = match (v.as_real().or(v.as_str()), v.as_int()) {
        (Some(s), _) => s.trim().parse().ok()?,
        (None, Some(i)) => i as f64,
        (None, None) => return None,
    };
    (number.is_finite() && number >= 0.0).then(|| number.trunc() as u64)
}

/// Name, version and source of a `packages`/`snapshots` entry.
fn resolve_entry<T: Tree>(
    key: &str,
    entry: &T,
    major: u64,
) -> Option<(String, Option<String>, Source)> {
    let (key_name, key_version) = parse_key(key, major);
    let str_at = |value: Option<&T>, key: &str| -> Option<String> {
        value
            .and_then(|v| v.get(key))
            .and_then(Tree::as_str)
            .map(str::to_owned)
    };
    let name = str_at(Some(entry), "name")
        .or(key_name)
        .filter(|n| !n.is_empty())?;
    let resolution = entry.get("resolution");
    let res_str = |key: &str| resolution.and_then(|r| r.get(key)).and_then(Tree::as_str);
    let source = if res_str("directory").is_some() {
        Source::Local
    } else if res_str("type") == Some("git") {
        Source::Git
    } else if let Some(tarball) = res_str("tarball") {
        Source::of_spec(tarball)
    } else {
        key_version
            .as_deref()
            .map_or(Source::Registry, Source::of_spec)
    };
    let version_value = entry.get("version");
    let version = version_value
        .and_then(|v| v.as_str().or(v.as_real()))
        .map(str::to_owned)
        .or_else(|| key_version.filter(|v| Source::of_spec(v) == Source::Registry));
    Some((name, version, source))
}

/// Splits a package key into name and version (peer suffixes removed).
fn parse_key(key: &str, major: u64) -> (Option<String>, Option<String>) {
    let slashed = key.starts_with('/');
    let k = key.strip_prefix('/').unwrap_or(key);
    if slashed && major < 6 {
        // `name/1.0.0_peer` or `@scope/name/1.0.0_peer`
        let split_at = if k.starts_with('@') {
            k.find('/')
                .and_then(|first| k[first + 1..].find('/').map(|second| first + 1 + second))
        } else {
            k.find('/')
        };
        return match split_at {
            Some(at) => {
                let version = &k[at + 1..];
                let version = version.split(['_', '(']).next().unwrap_or(version);
                (Some(k[..at].to_owned()), Some(version.to_owned()))
            }
            None => (Some(k.to_owned()), None),
        };
    }
    let base = k.split('(').next().unwrap_or(k);
    match split_descriptor(base) {
        (name, Some(version)) => (Some(name.to_owned()), Some(version.to_owned())),
        (name, None) => (Some(name.to_owned()), None),
    }
}

/// The text of a string or of a float (`version: 1.0`).
fn scalar_text<T: Tree>(value: &T) -> Option<&str> {
    value.as_str().or(value.as_real())
}

/// Resolved dependencies of every importer and of the document root.
fn importer_deps<T: Tree>(doc: &T, major: u64) -> Vec<ImporterDep> {
    let mut holders: Vec<&T> = vec![doc];
    if let Some(importers) = doc.get("importers").and_then(Tree::entries) {
        holders.extend(importers.map(|(_, v)| v));
    }
    let mut deps = Vec::new();
    for holder in holders {
        for (group, group_note) in GROUPS {
            let Some(map) = holder.get(group).and_then(Tree::entries) else {
                continue;
            };
            for (dep_name, value) in map {
                let Some(dep_name) = dep_name else {
                    continue;
                };
                let raw = match value.shape() {
                    Shape::Map => match value.get("version").and_then(scalar_text) {
                        Some(s) => s,
                        None => continue,
                    },
                    _ => match scalar_text(value) {
                        Some(s) => s,
                        None => continue,
                    },
                };
                if let Some(dep) = importer_dep(dep_name, raw, major, group_note) {
                    deps.push(dep);
                }
            }
        }
    }
    deps
}

/// One importer dependency: `1.0.0`, `1.0.0(peer@1)`, `1.0.0_peer`,
/// `@real/name@1.0.0` (v9 alias), `/@real/name/1.0.0` (v5 alias),
/// `1.0.0+sha512-…` (config dependency with its integrity), `link:…`.
fn importer_dep(
    dep_name: &str,
    raw: &str,
    major: u64,
    group: Option<&'static str>,
) -> Option<ImporterDep> {
    let raw = raw.trim();
    if Source::of_spec(raw) != Source::Registry {
        return None;
    }
    let (raw, hash) = match raw.find("+sha") {
        Some(at) => (&raw[..at], Some(raw[at + 1..].to_owned())),
        None => (raw, None),
    };
    let (name, version) = if raw.starts_with('/') {
        let (name, version) = parse_key(raw, major);
        (name?, version?)
    } else {
        let base = raw.split('(').next().unwrap_or(raw);
        let base = if major < 6 {
            base.split('_').next().unwrap_or(base)
        } else {
            base
        };
        match split_descriptor(base) {
            (real, Some(version)) => (real.to_owned(), version.to_owned()),
            (version, None) => (dep_name.to_owned(), version.to_owned()),
        }
    };
    if version.is_empty() || name.is_empty() {
        return None;
    }
    let alias = (name != dep_name).then(|| dep_name.to_owned());
    Some(ImporterDep {
        name,
        version,
        alias,
        group,
        hash,
    })
}

/// Lines of second-level keys (`packages:` / `snapshots:` children), per
/// document, found by scanning the text.
struct KeyLines<'t> {
    docs: Vec<DocLines<'t>>,
}

/// The key lines of one document: the first line of each key.
#[derive(Default)]
struct DocLines<'t> {
    packages: HashMap<&'t str, u32>,
    snapshots: HashMap<&'t str, u32>,
}

impl DocLines<'_> {
    /// The line of `key` in `section` (`packages` or `snapshots`).
    fn get(&self, section: &str, key: &str) -> Option<u32> {
        match section {
            "packages" => self.packages.get(key).copied(),
            "snapshots" => self.snapshots.get(key).copied(),
            _ => None,
        }
    }
}

impl<'t> KeyLines<'t> {
    fn scan(text: &'t str) -> Self {
        let mut docs = vec![DocLines::default()];
        let mut content_seen = false;
        let mut section: &str = "";
        for (index, raw) in crate::lines::lines(text).enumerate() {
            let line_no = u32::try_from(index + 1).unwrap_or(u32::MAX);
            let line = raw.trim_end_matches('\r');
            if line.starts_with("---") {
                if content_seen {
                    docs.push(DocLines::default());
                    content_seen = false;
                }
                section = "";
                continue;
            }
            let trimmed = line.trim();
            if trimmed.is_empty() || trimmed.starts_with('#') {
                continue;
            }
            content_seen = true;
            let indent = line.len() - line.trim_start().len();
            if indent == 0 {
                section = key_of(trimmed).unwrap_or_default();
            } else if indent == 2
                && let Some(doc) = docs.last_mut()
                && let Some(map) = match section {
                    "packages" => Some(&mut doc.packages),
                    "snapshots" => Some(&mut doc.snapshots),
                    _ => None,
                }
                && let Some(key) = key_of(trimmed)
            {
                map.entry(key).or_insert(line_no);
            }
        }
        Self { docs }
    }

    fn for_doc(&self, index: usize) -> Option<&DocLines<'t>> {
        self.docs.get(index)
    }
}

/// The key of a `key:` or `key: value` line, unquoted.
fn key_of(line: &str) -> Option<&str> {
    for q in ['\'', '"'] {
        if let Some(rest) = line.strip_prefix(q) {
            let end = rest.find(q)?;
            return Some(&rest[..end]);
        }
    }
    if let Some(key) = line.strip_suffix(':') {
        return Some(key);
    }
    line.split_once(": ").map(|(k, _)| k)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(k: &str, major: u64) -> (String, String) {
        let (n, v) = parse_key(k, major);
        (n.unwrap_or_default(), v.unwrap_or_default())
    }

    #[test]
    fn keys_of_every_version() {
        let want = |n: &str, v: &str| (n.to_owned(), v.to_owned());
        assert_eq!(key("/acorn/8.8.0", 5), want("acorn", "8.8.0"));
        assert_eq!(key("/@babel/core/7.20.0", 5), want("@babel/core", "7.20.0"));
        assert_eq!(
            key("/acorn-jsx/5.3.2_acorn@8.8.0", 5),
            want("acorn-jsx", "5.3.2")
        );
        assert_eq!(
            key("/webpack-cli/4.10.0_fzn43tb6bdtdxy2s3aqevve2su", 5),
            want("webpack-cli", "4.10.0")
        );
        assert_eq!(
            key("/foo@1.0.0(react@18.2.0)(react-dom@18.2.0)", 6),
            want("foo", "1.0.0")
        );
        assert_eq!(key("/@babel/core@7.21.4", 6), want("@babel/core", "7.21.4"));
        assert_eq!(key("@babel/core@7.20.0", 9), want("@babel/core", "7.20.0"));
        assert_eq!(
            key("@tanstack/react-router@1.169.5(react@18.2.0)", 9),
            want("@tanstack/react-router", "1.169.5")
        );
    }

    /// Both trees, read alike, for text the light tree models.
    fn both_readers(text: &str) -> Option<(String, String)> {
        let fast = super::super::pnpm_fast::load(text)?;
        let slow = YamlLoader::load_from_str(text).expect("the light tree read it");
        let path = std::path::Path::new("pnpm-lock.yaml");
        let display: std::sync::Arc<str> = "pnpm-lock.yaml".into();
        let input = FileInput {
            path,
            display: &display,
            bytes: text.as_bytes(),
        };
        let run = |r: Result<Extraction, ExtractError>| match r {
            Ok(x) => format!("{:#?}\n{:#?}", x.packages, x.problems),
            Err(e) => format!("{e:?}"),
        };
        Some((
            run(PNPM_LOCK.read_documents(&input, text, &fast)),
            run(PNPM_LOCK.read_documents(&input, text, &slow)),
        ))
    }

    #[test]
    fn light_tree_reads_like_the_loader() {
        let fixtures = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/npm");
        let mut texts: Vec<String> = [
            "c22-pnpm-lock-v5.4",
            "c23-pnpm-lock-v6.0",
            "c24-pnpm-lock-v9.0",
            "c25-pnpm-lock-multi-document",
            "c26-pnpm-lock-same-version-different-peers",
            "future-pnpm-lock-v10",
            "clean-twin/sub",
        ]
        .iter()
        .map(|dir| std::fs::read_to_string(format!("{fixtures}/{dir}/pnpm-lock.yaml")).unwrap())
        .collect();
        texts.push(
            std::fs::read_to_string(format!(
                "{fixtures}/c30-hidden-lockfiles/pnpm/node_modules/.pnpm/lock.yaml"
            ))
            .unwrap(),
        );
        let many: String = (0..40)
            .map(|i| format!("  /p{i}/1.0.{i}:\n    resolution: {{integrity: sha512-{i}}}\n"))
            .collect();
        texts.extend(
            [
                "lockfileVersion: 5.4\npackages:\n  /a/1.0.0:\n    dev: true\n    version: 1.0\n",
                "lockfileVersion: 5\npackages:\n  /a/1.0.0: {dev: True, optional: 'true'}\n",
                "lockfileVersion: '9.0'\nimporters:\n  .:\n    dependencies:\n      x:\n        specifier: ^1\n        version: 1.0\n      y: 2.0.0\n      z: link:../z\n      al: '@real/n@3.0.0(p@1)'\npackages:\n  x@1.0: {}\n  '@real/n@3.0.0':\n    resolution: {integrity: sha512-q}\n",
                "lockfileVersion: 9.0\npackages:\n  \"q@1.0.0\":\n    resolution: {tarball: 'https://x/q.tgz'}\n  g@1.0.0:\n    resolution: {type: git, repo: r, commit: c}\n  d@1.0.0:\n    resolution: {directory: ../d}\n  nov: {}\nsnapshots:\n  q@1.0.0: {}\n  q@1.0.0(p@1): {}\n  other: {}\n",
                "lockfileVersion: 11.0\npackages:\n  a@1.0.0: {}\n",
                "lockfileVersion: 11.0\n",
                "---\n---\nlockfileVersion: '9.0'\n",
                "a: b\n",
                "- a\n",
                "",
                "~\n",
                "lockfileVersion: '9.0'\n---\n- x\n",
                "lockfileVersion: '6.0'\ndependencies:\n  a: 1.0.0\n  b: /@real/b/2.0.0\nconfigDependencies:\n  c: 1.0.0+sha512-c\npackageManagerDependencies:\n  pnpm: {specifier: 9, version: 9.1.0}\n",
                "lockfileVersion: null\npackages: {a@1.0.0: {}}\n",
                "lockfileVersion: [1]\n",
                "lockfileVersion: 0x9\npackages:\n  a@1.0.0: {}\n",
                "lockfileVersion: '9.0'\npackages:\n  a@1.0.0:\n    name: b\n    version: 2.0.0\n    cpu: [x64]\n    engines: {node: '>=8'}\n",
            ]
            .map(str::to_owned),
        );
        texts.push(format!("lockfileVersion: 5.4\npackages:\n{many}"));
        let mut compared = 0;
        for text in &texts {
            if let Some((fast, slow)) = both_readers(text) {
                assert_eq!(fast, slow, "{text}");
                compared += 1;
            }
        }
        assert_eq!(compared, texts.len(), "the light tree read every input");
    }

    #[test]
    fn yaml_key_lines() {
        assert_eq!(key_of("'@a/b@1.0.0':"), Some("@a/b@1.0.0"));
        assert_eq!(key_of("acorn@8.8.0: {}"), Some("acorn@8.8.0"));
        assert_eq!(key_of("/acorn/8.8.0:"), Some("/acorn/8.8.0"));
    }
}
