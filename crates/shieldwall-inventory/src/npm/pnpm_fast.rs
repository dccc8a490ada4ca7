//! A light YAML tree for `pnpm-lock.yaml`, built from yaml-rust2's parser
//! events: mappings are vectors of string keys and values, plain scalars
//! are resolved as yaml-rust2's loader resolves them, sequence items are
//! dropped (the reader only needs to know a value is a sequence).
//!
//! It models a file exactly as yaml-rust2's `YamlLoader` would, or gives
//! up: on anchors, aliases, tags, keys other than strings, duplicate keys
//! (which the loader rejects) and syntax errors, [`load`] returns `None`
//! and the caller reads the file with the loader.

use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::{Marker, TScalarStyle};

use super::pnpm_lock::{Shape, Tree};

/// A node of the light tree.
#[derive(Debug, PartialEq)]
pub(super) enum Node {
    /// A string: quoted, or plain text no other type claims.
    Str(String),
    /// A plain scalar read as a float, as written.
    Real(String),
    /// A plain integer.
    Int(i64),
    /// A plain boolean.
    Bool(bool),
    /// A plain null (`~`, `null`, empty).
    Null,
    /// A sequence (its items are not kept).
    Seq,
    /// A mapping with string keys, in order.
    Map(Vec<(String, Node)>),
    /// An empty document.
    Bad,
}

/// The documents of `text`, or `None` when the light tree cannot stand
/// for yaml-rust2's loader (see the module documentation).
pub(super) fn load(text: &str) -> Option<Vec<Node>> {
    let mut builder = Builder::default();
    let mut parser = Parser::new_from_str(text);
    parser.load(&mut builder, true).ok()?;
    (!builder.give_up).then_some(builder.docs)
}

/// A container being built.
enum Frame {
    Seq,
    Map {
        entries: Vec<(String, Node)>,
        key: Option<String>,
    },
}

/// The event receiver building the tree.
#[derive(Default)]
struct Builder {
    docs: Vec<Node>,
    stack: Vec<Frame>,
    root: Option<Node>,
    give_up: bool,
}

impl MarkedEventReceiver for Builder {
    fn on_event(&mut self, event: Event, _mark: Marker) {
        if self.give_up {
            return;
        }
        match event {
            Event::Nothing | Event::StreamStart | Event::StreamEnd | Event::DocumentStart => {}
            Event::DocumentEnd => {
                let root = self.root.take().unwrap_or(Node::Bad);
                if !self.stack.is_empty() {
                    self.give_up = true;
                }
                self.docs.push(root);
            }
            Event::SequenceStart(anchor, tag) => {
                if anchor != 0 || tag.is_some() {
                    self.give_up = true;
                }
                self.stack.push(Frame::Seq);
            }
            Event::MappingStart(anchor, tag) => {
                if anchor != 0 || tag.is_some() {
                    self.give_up = true;
                }
                self.stack.push(Frame::Map {
                    entries: Vec::new(),
                    key: None,
                });
            }
            Event::SequenceEnd => match self.stack.pop() {
                Some(Frame::Seq) => self.insert(Node::Seq),
                _ => self.give_up = true,
            },
            Event::MappingEnd => match self.stack.pop() {
                Some(Frame::Map { entries, key: None }) if !has_duplicates(&entries) => {
                    self.insert(Node::Map(entries));
                }
                _ => self.give_up = true,
            },
            Event::Scalar(text, style, anchor, tag) => {
                if anchor != 0 || tag.is_some() {
                    self.give_up = true;
                    return;
                }
                let node = if style == TScalarStyle::Plain {
                    plain(text)
                } else {
                    Node::Str(text)
                };
                self.insert(node);
            }
            Event::Alias(_) => self.give_up = true,
        }
    }
}

impl Builder {
    fn insert(&mut self, node: Node) {
        match self.stack.last_mut() {
            None => {
                if self.root.replace(node).is_some() {
                    self.give_up = true;
                }
            }
            Some(Frame::Seq) => {}
            Some(Frame::Map { entries, key }) => match key.take() {
                Some(k) => entries.push((k, node)),
                None => match node {
                    Node::Str(k) => *key = Some(k),
                    _ => self.give_up = true,
                },
            },
        }
    }
}

/// True when two entries share a key. Sorting, not hashing: the keys are
/// the file's, and sorting has no worst case an input can choose.
pub(super) fn has_duplicates(entries: &[(String, Node)]) -> bool {
    if entries.len() <= 8 {
        return entries
            .iter()
            .enumerate()
            .any(|(i, (k, _))| entries[..i].iter().any(|(other, _)| other == k));
    }
    let mut keys: Vec<&str> = entries.iter().map(|(k, _)| k.as_str()).collect();
    keys.sort_unstable();
    keys.windows(2).any(|w| w[0] == w[1])
}

/// A plain scalar resolved as `yaml_rust2::Yaml::from_str` resolves it.
pub(super) fn plain(text: String) -> Node {
    match text.as_bytes().first() {
        // Only text starting with a digit, a sign or a dot can be a
        // number (a float also needs a digit somewhere).
        Some(b'0'..=b'9' | b'+' | b'-' | b'.') => {}
        _ => {
            return match text.as_str() {
                "" | "~" | "null" => Node::Null,
                "true" | "True" | "TRUE" => Node::Bool(true),
                "false" | "False" | "FALSE" => Node::Bool(false),
                _ => Node::Str(text),
            };
        }
    }
    let radix = |prefix: &str, radix: u32| {
        text.strip_prefix(prefix)
            .and_then(|n| i64::from_str_radix(n, radix).ok())
    };
    if let Some(i) = radix("0x", 16).or_else(|| radix("0o", 8)) {
        return Node::Int(i);
    }
    if !text.starts_with("0x")
        && !text.starts_with("0o")
        && let Some(i) = text.strip_prefix('+').and_then(|n| n.parse::<i64>().ok())
    {
        return Node::Int(i);
    }
    if let Ok(i) = text.parse::<i64>() {
        Node::Int(i)
    } else if is_float(&text) {
        Node::Real(text)
    } else {
        Node::Str(text)
    }
}

/// yaml-rust2's float test.
fn is_float(v: &str) -> bool {
    match v {
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" | "-.inf" | "-.Inf" | "-.INF"
        | ".nan" | ".NaN" | ".NAN" => true,
        _ => v.bytes().any(|b| b.is_ascii_digit()) && v.parse::<f64>().is_ok(),
    }
}

impl Tree for Node {
    fn shape(&self) -> Shape {
        match self {
            Node::Map(_) => Shape::Map,
            Node::Null => Shape::Null,
            _ => Shape::Other,
        }
    }

    fn get(&self, key: &str) -> Option<&Self> {
        match self {
            Node::Map(entries) => entries.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    fn as_str(&self) -> Option<&str> {
        match self {
            Node::Str(s) => Some(s),
            _ => None,
        }
    }

    fn as_real(&self) -> Option<&str> {
        match self {
            Node::Real(s) => Some(s),
            _ => None,
        }
    }

    fn as_int(&self) -> Option<i64> {
        match self {
            Node::Int(i) => Some(*i),
            _ => None,
        }
    }

    fn as_bool(&self) -> Option<bool> {
        match self {
            Node::Bool(b) => Some(*b),
            _ => None,
        }
    }

    fn entries(&self) -> Option<impl Iterator<Item = (Option<&str>, &Self)>> {
        match self {
            Node::Map(entries) => Some(entries.iter().map(|(k, v)| (Some(k.as_str()), v))),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use yaml_rust2::{Yaml, YamlLoader};

    use super::*;

    /// The light tree agrees with yaml-rust2's loader on how plain scalars
    /// resolve.
    #[test]
    fn plain_scalars_resolve_like_the_loader() {
        for text in [
            "",
            "~",
            "null",
            "Null",
            "true",
            "True",
            "TRUE",
            "tRUE",
            "false",
            "FALSE",
            "0x1F",
            "0xZZ",
            "0o17",
            "0o9",
            "+5",
            "+5.5",
            "-5",
            "5",
            "9.0",
            "'9.0'",
            "5.4",
            "1e3",
            "1.2.3",
            ".inf",
            "-.Inf",
            ".NaN",
            "inf",
            "nan",
            "infinity",
            "+.inf",
            "+",
            ".",
            "..",
            "0",
            "00",
            "-0",
            "1_000",
            "0b101",
            "99999999999999999999",
            "1.0.0-beta.1",
            "@scope/name@1.0.0",
            "/a/1.0.0",
            "sha512-abc==",
            "e5",
            "5e",
            "-e5",
            ".5",
            "5.",
            "+0x10",
            "0x",
            "0o",
            "1,2",
            "١",
        ] {
            let loaded = YamlLoader::load_from_str(&format!("k: {text}"))
                .ok()
                .and_then(|d| d.into_iter().next());
            let Some(loaded) = loaded else { continue };
            let want = &loaded["k"];
            let got = plain(text.to_owned());
            let same = match (want, &got) {
                (Yaml::String(a), Node::Str(b)) | (Yaml::Real(a), Node::Real(b)) => a == b,
                (Yaml::Integer(a), Node::Int(b)) => a == b,
                (Yaml::Boolean(a), Node::Bool(b)) => a == b,
                (Yaml::Null, Node::Null) => true,
                _ => false,
            };
            // Quoted text is not plain: skip what the loader read quoted.
            if !text.starts_with('\'') {
                assert!(same, "{text:?}: loader {want:?}, light tree {got:?}");
            }
        }
    }

    #[test]
    fn gives_up_on_what_it_does_not_model() {
        for text in [
            "a: &x 1\nb: *x\n",
            "a: !!str 1\n",
            "? [a]\n: 1\n",
            "1: a\n",
            "a: 1\na: 2\n",
            "a: [1\n",
            "a: {b: 1, b: 2}\n",
        ] {
            assert!(load(text).is_none(), "{text:?}");
        }
        assert!(load("a: 1\n---\nb: [1, {c: d}]\n").is_some());
    }
}
