//! A fast reader for the common case, a v2/v3 file with a `packages`
//! object: typed visitors borrow strings from the input instead of
//! building a [`Value`] tree, and entry lines come from the byte offsets of
//! the borrowed keys, so no second pass over the text is needed.
//!
//! It gives up (returns `None`) on anything unusual, and the general reader
//! ([`PackageLock::extract_general`]) then reads the file: a syntax error,
//! a root that is not an object, no `packages` object, a
//! `lockfileVersion` that is not an unsigned integer, `packages` given
//! twice, or a root or `packages` key with escapes (whose line the general
//! reader finds by its raw text). Everything it accepts, serde_json would
//! accept as a [`Value`] too: ignored values are still parsed (numbers
//! range-checked, strings validated) through `deserialize_any`.

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
