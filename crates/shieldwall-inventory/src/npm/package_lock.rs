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
            let mut note = Note::default();
            note.add_if(entry.dev.is_true(), "dev")
                .add_if(entry.optional.is_true(), "optional")
                .add_if(entry.dev_optional.is_true(), "dev optional")
                .add_if(entry.peer.is_true(), "peer")
                .add_if(entry.in_bundle.is_true(), "bundled")
                .add_if(entry.extraneous.is_true(), "extraneous");
            if name != path_name {
                note.add(format!("alias {path_name}"));
            }
            if let Some(src) = Source::of_spec(resolved).note() {
                note.add(src);
            }
            out.packages.push(npm_ref(
                input,
                self.kind,
                name,
                version,
                line,
                entry.integrity.as_str(),
                note.build(),
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
            let mut note = Note::default();
            note.add_if(flag(entry, "dev"), "dev")
                .add_if(flag(entry, "optional"), "optional")
                .add_if(flag(entry, "devOptional"), "dev optional")
                .add_if(flag(entry, "peer"), "peer")
                .add_if(flag(entry, "inBundle"), "bundled")
                .add_if(flag(entry, "extraneous"), "extraneous");
            if name != path_name {
                note.add(format!("alias {path_name}"));
            }
            if let Some(src) = Source::of_spec(resolved).note() {
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

/// A fast reader for the common case, a v2/v3 file with a `packages`
/// object: typed visitors borrow strings from the input instead of
/// building a [`Value`] tree, and entry lines come from the byte offsets of
/// the borrowed keys, so no second pass over the text is needed.
///
/// It gives up (returns `None`) on anything unusual, and the general reader
/// ([`PackageLock::extract_general`]) then reads the file: a syntax error,
/// a root that is not an object, no `packages` object, a
/// `lockfileVersion` that is not an unsigned integer, `packages` given
/// twice, or a root or `packages` key with escapes (whose line the general
/// reader finds by its raw text). Everything it accepts, serde_json would
/// accept as a [`Value`] too: ignored values are still parsed (numbers
/// range-checked, strings validated) through `deserialize_any`.
mod fast {
    /// The visitor methods for every JSON value that is not an object: the
    /// value is skipped (a sequence is still checked) and read as `None`.
    macro_rules! not_an_object_is_none {
        () => {
            fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
                Ok(None)
            }
            fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
                Ok(None)
            }
            fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
                Ok(None)
            }
            fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
                Ok(None)
            }
            fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
                Ok(None)
            }
            fn visit_unit<E>(self) -> Result<Self::Value, E> {
                Ok(None)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
                SkipVisitor(1).visit_seq(seq).map(|_| None)
            }
        };
    }

    use std::borrow::Cow;
    use std::fmt;

    use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

    /// Why the fast reader gave up before the end of the input.
    const GIVE_UP: &str = "not for the fast reader";

    /// A scalar field value, as far as the reader cares.
    #[derive(Debug, Default)]
    pub(super) enum Field<'a> {
        /// A string.
        Str(Cow<'a, str>),
        /// A boolean.
        Bool(bool),
        /// Any other value (or none).
        #[default]
        Other,
    }

    impl<'a> Field<'a> {
        /// The string, if the value is one.
        pub(super) fn as_str(&self) -> Option<&str> {
            match self {
                Self::Str(s) => Some(s),
                _ => None,
            }
        }

        /// True for a `true` boolean.
        pub(super) fn is_true(&self) -> bool {
            matches!(self, Self::Bool(true))
        }
    }

    /// The fields of a `packages` entry that the reader uses; a repeated
    /// field keeps its later value, as a [`serde_json::Map`] does.
    #[derive(Debug, Default)]
    pub(super) struct Fields<'a> {
        pub(super) name: Field<'a>,
        pub(super) version: Field<'a>,
        pub(super) resolved: Field<'a>,
        pub(super) integrity: Field<'a>,
        pub(super) link: Field<'a>,
        pub(super) dev: Field<'a>,
        pub(super) optional: Field<'a>,
        pub(super) dev_optional: Field<'a>,
        pub(super) peer: Field<'a>,
        pub(super) in_bundle: Field<'a>,
        pub(super) extraneous: Field<'a>,
    }

    /// A `packages` entry: an object, or any other value.
    #[derive(Debug)]
    pub(super) enum Entry<'a> {
        /// An object.
        Object(Box<Fields<'a>>),
        /// Anything else.
        NotObject,
    }

    /// One `packages` key in document order: the key, its byte offset in
    /// the input and its entry.
    #[derive(Debug)]
    pub(super) struct Keyed<'a> {
        pub(super) key: &'a str,
        pub(super) offset: usize,
        pub(super) entry: Entry<'a>,
    }

    /// What the fast reader found.
    #[derive(Debug)]
    pub(super) struct Lock<'a> {
        /// `lockfileVersion`, 1 when absent.
        pub(super) version: u64,
        /// The `packages` entries in document order.
        pub(super) packages: Vec<Keyed<'a>>,
    }

    /// Reads `bytes` (strict JSON without a byte order mark), or `None`
    /// when the general reader must.
    pub(super) fn read(bytes: &[u8]) -> Option<Lock<'_>> {
        let mut de = serde_json::Deserializer::from_slice(bytes);
        let root = RootSeed { base: bytes }.deserialize(&mut de).ok()?;
        de.end().ok()?;
        let root = root?;
        let version = match root.version {
            None => 1,
            Some(v) => v?,
        };
        Some(Lock {
            version,
            packages: root.packages?,
        })
    }

    /// How deep [`Skip`] goes through nested arrays and objects before it
    /// hands the rest to [`serde_json::Value`], whose recursion is compiled
    /// once in serde_json (this keeps the stack small in debug builds on
    /// input nested to serde_json's limit).
    const SKIP_DEPTH: u8 = 3;

    /// Any JSON value, parsed and dropped.
    struct Skip;

    impl<'de> de::Deserialize<'de> for Skip {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            SkipSeed(0).deserialize(d)
        }
    }

    /// [`Skip`] at a nesting depth.
    struct SkipSeed(u8);

    impl<'de> DeserializeSeed<'de> for SkipSeed {
        type Value = Skip;

        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Skip, D::Error> {
            if self.0 >= SKIP_DEPTH {
                <serde_json::Value as de::Deserialize>::deserialize(d).map(|_| Skip)
            } else {
                d.deserialize_any(SkipVisitor(self.0))
            }
        }
    }

    struct SkipVisitor(u8);

    impl<'de> Visitor<'de> for SkipVisitor {
        type Value = Skip;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("any value")
        }

        fn visit_bool<E>(self, _: bool) -> Result<Skip, E> {
            Ok(Skip)
        }
        fn visit_i64<E>(self, _: i64) -> Result<Skip, E> {
            Ok(Skip)
        }
        fn visit_u64<E>(self, _: u64) -> Result<Skip, E> {
            Ok(Skip)
        }
        fn visit_f64<E>(self, _: f64) -> Result<Skip, E> {
            Ok(Skip)
        }
        fn visit_str<E>(self, _: &str) -> Result<Skip, E> {
            Ok(Skip)
        }
        fn visit_unit<E>(self) -> Result<Skip, E> {
            Ok(Skip)
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Skip, A::Error> {
            while seq.next_element_seed(SkipSeed(self.0 + 1))?.is_some() {}
            Ok(Skip)
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Skip, A::Error> {
            while map.next_key_seed(SkipSeed(self.0 + 1))?.is_some() {
                map.next_value_seed(SkipSeed(self.0 + 1))?;
            }
            Ok(Skip)
        }
    }

    /// A key or string that borrows from the input, or `None` when it had
    /// escapes.
    struct Borrowed<'a>(Option<&'a str>);

    impl<'de> de::Deserialize<'de> for Borrowed<'de> {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            struct V;
            impl<'de> Visitor<'de> for V {
                type Value = Borrowed<'de>;
                fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                    f.write_str("a string")
                }
                fn visit_borrowed_str<E>(self, s: &'de str) -> Result<Self::Value, E> {
                    Ok(Borrowed(Some(s)))
                }
                fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
                    Ok(Borrowed(None))
                }
            }
            d.deserialize_any(V)
        }
    }

    /// An object key, borrowed from the input when it has no escapes.
    struct Key<'a>(Cow<'a, str>);

    impl<'de> de::Deserialize<'de> for Key<'de> {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            struct V;
            impl<'de> Visitor<'de> for V {
                type Value = Key<'de>;
                fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                    f.write_str("a string")
                }
                fn visit_borrowed_str<E>(self, s: &'de str) -> Result<Self::Value, E> {
                    Ok(Key(Cow::Borrowed(s)))
                }
                fn visit_str<E>(self, s: &str) -> Result<Self::Value, E> {
                    Ok(Key(Cow::Owned(s.to_owned())))
                }
            }
            d.deserialize_any(V)
        }
    }

    impl<'de> de::Deserialize<'de> for Field<'de> {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            struct V;
            impl<'de> Visitor<'de> for V {
                type Value = Field<'de>;
                fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                    f.write_str("any value")
                }
                fn visit_borrowed_str<E>(self, s: &'de str) -> Result<Self::Value, E> {
                    Ok(Field::Str(Cow::Borrowed(s)))
                }
                fn visit_str<E>(self, s: &str) -> Result<Self::Value, E> {
                    Ok(Field::Str(Cow::Owned(s.to_owned())))
                }
                fn visit_string<E>(self, s: String) -> Result<Self::Value, E> {
                    Ok(Field::Str(Cow::Owned(s)))
                }
                fn visit_bool<E>(self, b: bool) -> Result<Self::Value, E> {
                    Ok(Field::Bool(b))
                }
                fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
                    Ok(Field::Other)
                }
                fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
                    Ok(Field::Other)
                }
                fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
                    Ok(Field::Other)
                }
                fn visit_unit<E>(self) -> Result<Self::Value, E> {
                    Ok(Field::Other)
                }
                fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
                    SkipVisitor(1).visit_seq(seq).map(|_| Field::Other)
                }
                fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                    SkipVisitor(1).visit_map(map).map(|_| Field::Other)
                }
            }
            d.deserialize_any(V)
        }
    }

    /// The root object's fields; `None` for a root that is not an object.
    struct Root<'a> {
        /// `lockfileVersion` when present: its number, or `None` when it
        /// is not an unsigned integer.
        version: Option<Option<u64>>,
        packages: Option<Vec<Keyed<'a>>>,
    }

    struct RootSeed<'b> {
        base: &'b [u8],
    }

    impl<'de> DeserializeSeed<'de> for RootSeed<'de> {
        type Value = Option<Root<'de>>;

        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_any(self)
        }
    }

    impl<'de> Visitor<'de> for RootSeed<'de> {
        type Value = Option<Root<'de>>;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a lockfile")
        }

        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut root = Root {
                version: None,
                packages: None,
            };
            let mut packages_seen = false;
            while let Some(Borrowed(key)) = map.next_key::<Borrowed<'de>>()? {
                match key {
                    None => return Err(de::Error::custom(GIVE_UP)),
                    Some("lockfileVersion") => {
                        root.version = Some(map.next_value::<Version>()?.0);
                    }
                    Some("packages") => {
                        if packages_seen {
                            return Err(de::Error::custom(GIVE_UP));
                        }
                        packages_seen = true;
                        root.packages = map.next_value_seed(PackagesSeed { base: self.base })?;
                    }
                    Some(_) => {
                        map.next_value::<Skip>()?;
                    }
                }
            }
            Ok(Some(root))
        }

        not_an_object_is_none!();
    }

    /// `lockfileVersion`: the number when it is an unsigned integer.
    struct Version(Option<u64>);

    impl<'de> de::Deserialize<'de> for Version {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            struct V;
            impl<'de> Visitor<'de> for V {
                type Value = Version;
                fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                    f.write_str("any value")
                }
                fn visit_u64<E>(self, v: u64) -> Result<Version, E> {
                    Ok(Version(Some(v)))
                }
                fn visit_bool<E>(self, _: bool) -> Result<Version, E> {
                    Ok(Version(None))
                }
                fn visit_i64<E>(self, _: i64) -> Result<Version, E> {
                    Ok(Version(None))
                }
                fn visit_f64<E>(self, _: f64) -> Result<Version, E> {
                    Ok(Version(None))
                }
                fn visit_str<E>(self, _: &str) -> Result<Version, E> {
                    Ok(Version(None))
                }
                fn visit_unit<E>(self) -> Result<Version, E> {
                    Ok(Version(None))
                }
                fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Version, A::Error> {
                    SkipVisitor(1).visit_seq(seq).map(|_| Version(None))
                }
                fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Version, A::Error> {
                    SkipVisitor(1).visit_map(map).map(|_| Version(None))
                }
            }
            d.deserialize_any(V)
        }
    }

    /// The `packages` value: its entries when it is an object.
    struct PackagesSeed<'b> {
        base: &'b [u8],
    }

    impl<'de> DeserializeSeed<'de> for PackagesSeed<'de> {
        type Value = Option<Vec<Keyed<'de>>>;

        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_any(self)
        }
    }

    impl<'de> Visitor<'de> for PackagesSeed<'de> {
        type Value = Option<Vec<Keyed<'de>>>;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("the packages")
        }

        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut out = Vec::with_capacity(map.size_hint().unwrap_or(0));
            let base = self.base.as_ptr() as usize;
            while let Some(Borrowed(key)) = map.next_key::<Borrowed<'de>>()? {
                let Some(key) = key else {
                    return Err(de::Error::custom(GIVE_UP));
                };
                let offset = (key.as_ptr() as usize).wrapping_sub(base);
                let entry = map.next_value::<Entry<'de>>()?;
                out.push(Keyed { key, offset, entry });
            }
            Ok(Some(out))
        }

        not_an_object_is_none!();
    }

    impl<'de> de::Deserialize<'de> for Entry<'de> {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            struct V;
            impl<'de> Visitor<'de> for V {
                type Value = Entry<'de>;
                fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                    f.write_str("an entry")
                }
                fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Entry<'de>, A::Error> {
                    let mut fields = Box::<Fields<'de>>::default();
                    while let Some(Key(key)) = map.next_key::<Key<'de>>()? {
                        let slot = match key.as_ref() {
                            "name" => &mut fields.name,
                            "version" => &mut fields.version,
                            "resolved" => &mut fields.resolved,
                            "integrity" => &mut fields.integrity,
                            "link" => &mut fields.link,
                            "dev" => &mut fields.dev,
                            "optional" => &mut fields.optional,
                            "devOptional" => &mut fields.dev_optional,
                            "peer" => &mut fields.peer,
                            "inBundle" => &mut fields.in_bundle,
                            "extraneous" => &mut fields.extraneous,
                            _ => {
                                map.next_value::<Skip>()?;
                                continue;
                            }
                        };
                        *slot = map.next_value()?;
                    }
                    Ok(Entry::Object(fields))
                }
                fn visit_bool<E>(self, _: bool) -> Result<Entry<'de>, E> {
                    Ok(Entry::NotObject)
                }
                fn visit_i64<E>(self, _: i64) -> Result<Entry<'de>, E> {
                    Ok(Entry::NotObject)
                }
                fn visit_u64<E>(self, _: u64) -> Result<Entry<'de>, E> {
                    Ok(Entry::NotObject)
                }
                fn visit_f64<E>(self, _: f64) -> Result<Entry<'de>, E> {
                    Ok(Entry::NotObject)
                }
                fn visit_str<E>(self, _: &str) -> Result<Entry<'de>, E> {
                    Ok(Entry::NotObject)
                }
                fn visit_unit<E>(self) -> Result<Entry<'de>, E> {
                    Ok(Entry::NotObject)
                }
                fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Entry<'de>, A::Error> {
                    SkipVisitor(1).visit_seq(seq).map(|_| Entry::NotObject)
                }
            }
            d.deserialize_any(V)
        }
    }
}

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
