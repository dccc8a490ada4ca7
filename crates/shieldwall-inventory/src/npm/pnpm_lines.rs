//! A line-oriented reader for the common, well-formed shapes of
//! `pnpm-lock.yaml`, building the same light tree as [`super::pnpm_fast`]
//! without running a YAML scanner.
//!
//! It reads block mappings indented with spaces, plain and single-line
//! quoted keys and values, and one-line flow mappings and sequences
//! (`resolution: {integrity: sha512-…}`, `cpu: [x64]`), in one or more
//! documents separated by `---`. Anything else — tabs, carriage returns,
//! non-ASCII bytes, comments after content, anchors, aliases, tags, block
//! sequences, block scalars, multi-line scalars or flow collections,
//! escapes in double quotes, odd indentation, duplicate keys, empty
//! documents — makes [`load`] return `None`, and the caller reads the file
//! with the event-based reader instead. When it returns a tree, that tree
//! equals the one [`super::pnpm_fast::load`] builds.

use super::pnpm_fast::{Node, has_duplicates, plain};

/// The longest key accepted, as written (YAML limits implicit keys to 1024
/// characters).
const MAX_KEY: usize = 1000;

/// The deepest flow nesting accepted on one line.
const MAX_FLOW_DEPTH: usize = 8;

/// The deepest block indentation accepted, in spaces.
const MAX_INDENT: usize = 64;

/// The documents of `text`, or `None` when the text leaves the shapes this
/// reader understands (see the module documentation).
pub(super) fn load(text: &str) -> Option<Vec<Node>> {
    if !text
        .bytes()
        .all(|b| b == b'\n' || (0x20..0x7f).contains(&b))
    {
        return None;
    }
    let mut docs = Vec::new();
    let mut doc = Block::default();
    let mut marker_pending = false;
    for line in crate::lines::lines(text) {
        if line.starts_with("---") || line.starts_with("...") {
            if line != "---" {
                return None;
            }
            if doc.has_content() {
                docs.push(std::mem::take(&mut doc).finish()?);
            } else if !docs.is_empty() || marker_pending {
                // An empty document: the event reader decides.
                return None;
            }
            marker_pending = true;
            continue;
        }
        let rest = line.trim_start_matches(' ');
        if rest.is_empty() || rest.starts_with('#') {
            continue;
        }
        marker_pending = false;
        doc.line(line.len() - rest.len(), rest.trim_end_matches(' '))?;
    }
    if doc.has_content() {
        docs.push(doc.finish()?);
    } else if marker_pending || docs.is_empty() {
        return None;
    }
    Some(docs)
}

/// An open block mapping: its indentation, its entries so far, and a key
/// whose value is still to come (`key:` at the end of a line).
struct Frame {
    indent: usize,
    entries: Vec<(String, Node)>,
    pending: Option<String>,
}

/// The block mappings of the document being read, outermost first.
#[derive(Default)]
struct Block {
    stack: Vec<Frame>,
}

impl Block {
    fn has_content(&self) -> bool {
        !self.stack.is_empty()
    }

    /// Reads one content line: `indent` spaces, then `rest` (trimmed).
    fn line(&mut self, indent: usize, rest: &str) -> Option<()> {
        if indent > MAX_INDENT || has_comment(rest) {
            return None;
        }
        let Some(top) = self.stack.last_mut() else {
            if indent != 0 {
                return None;
            }
            self.stack.push(Frame {
                indent,
                entries: Vec::new(),
                pending: None,
            });
            return self.entry(rest);
        };
        if top.pending.is_some() && indent > top.indent {
            self.stack.push(Frame {
                indent,
                entries: Vec::new(),
                pending: None,
            });
            return self.entry(rest);
        }
        self.close_pending();
        while self.stack.last().is_some_and(|f| indent < f.indent) {
            self.pop()?;
        }
        if self.stack.last()?.indent != indent {
            return None;
        }
        self.entry(rest)
    }

    /// A `key:` left without a value is null.
    fn close_pending(&mut self) {
        if let Some(top) = self.stack.last_mut()
            && let Some(key) = top.pending.take()
        {
            top.entries.push((key, Node::Null));
        }
    }

    /// Closes the innermost mapping into its parent's pending key.
    fn pop(&mut self) -> Option<()> {
        let frame = self.stack.pop()?;
        if has_duplicates(&frame.entries) {
            return None;
        }
        let parent = self.stack.last_mut()?;
        let key = parent.pending.take()?;
        parent.entries.push((key, Node::Map(frame.entries)));
        Some(())
    }

    /// Reads `key: value` or `key:` into the innermost mapping.
    fn entry(&mut self, rest: &str) -> Option<()> {
        let (key, value) = split_entry(rest)?;
        let top = self.stack.last_mut()?;
        if value.is_empty() {
            top.pending = Some(key);
        } else {
            top.entries.push((key, block_value(value)?));
        }
        Some(())
    }

    /// The document's root mapping.
    fn finish(mut self) -> Option<Node> {
        self.close_pending();
        while self.stack.len() > 1 {
            self.pop()?;
        }
        let root = self.stack.pop()?;
        if has_duplicates(&root.entries) {
            return None;
        }
        Some(Node::Map(root.entries))
    }
}

/// True when `rest` holds ` #`, which may start a comment.
fn has_comment(rest: &str) -> bool {
    let bytes = rest.as_bytes();
    memchr::memchr_iter(b'#', bytes).any(|at| at > 0 && bytes[at - 1] == b' ')
}

/// Splits a block entry line into its key and the text after `: `
/// (empty for `key:`).
fn split_entry(rest: &str) -> Option<(String, &str)> {
    let (key, after) = match rest.as_bytes().first()? {
        b'\'' | b'"' => {
            let (key, after) = quoted(rest)?;
            if rest.len() - after.len() > MAX_KEY {
                return None;
            }
            let after = after.strip_prefix(':')?;
            if !(after.is_empty() || after.starts_with(' ')) {
                return None;
            }
            (key, after)
        }
        _ => {
            let end = match rest.find(": ") {
                Some(at) => at,
                None if rest.ends_with(':') => rest.len() - 1,
                None => return None,
            };
            let key = &rest[..end];
            if end > MAX_KEY || !plain_ok(key, false) {
                return None;
            }
            match plain(key.to_owned()) {
                Node::Str(key) => (key, &rest[end + 1..]),
                _ => return None,
            }
        }
    };
    Some((key, after.trim_start_matches(' ')))
}

/// A block value: a quoted scalar, a one-line flow collection or a plain
/// scalar, making up the whole rest of the line.
fn block_value(text: &str) -> Option<Node> {
    match text.as_bytes().first()? {
        b'\'' | b'"' => {
            let (value, after) = quoted(text)?;
            after.is_empty().then_some(Node::Str(value))
        }
        b'{' | b'[' => {
            let mut cursor = Cursor { rest: text };
            let node = cursor.flow(0)?;
            cursor.rest.is_empty().then_some(node)
        }
        _ => {
            if !plain_ok(text, false) || text.contains(": ") || text.ends_with(':') {
                return None;
            }
            Some(plain(text.to_owned()))
        }
    }
}

/// True when `text` is a plain scalar this reader resolves like the event
/// reader: not empty, no leading indicator, no flow indicators, no
/// surrounding spaces, and (in flow context) no `,`.
fn plain_ok(text: &str, flow: bool) -> bool {
    let bytes = text.as_bytes();
    let Some(&first) = bytes.first() else {
        return false;
    };
    if b"-?:,[]{}#&*!|>'\"%@`".contains(&first) || first == b' ' || text.ends_with(' ') {
        return false;
    }
    !bytes
        .iter()
        .any(|b| matches!(b, b'[' | b']' | b'{' | b'}') || (flow && *b == b','))
}

/// A single-line quoted scalar at the start of `text`: its value and the
/// text after the closing quote. Double-quoted text with escapes is left
/// to the event reader.
fn quoted(text: &str) -> Option<(String, &str)> {
    let quote = text.as_bytes().first().copied()?;
    let body = &text[1..];
    if quote == b'"' {
        let end = body.find('"')?;
        let value = &body[..end];
        if value.contains('\\') {
            return None;
        }
        return Some((value.to_owned(), &body[end + 1..]));
    }
    // Single quotes: `''` stands for one quote.
    let mut value = String::new();
    let mut rest = body;
    loop {
        let end = rest.find('\'')?;
        value.push_str(&rest[..end]);
        rest = &rest[end + 1..];
        match rest.strip_prefix('\'') {
            Some(after) => {
                value.push('\'');
                rest = after;
            }
            None => return Some((value, rest)),
        }
    }
}

/// Where a plain scalar in a flow collection ends: at a flow indicator,
/// or at a `:` followed by a space, a flow indicator or the end.
fn flow_plain_end(text: &str) -> usize {
    let bytes = text.as_bytes();
    for (at, &b) in bytes.iter().enumerate() {
        match b {
            b',' | b'[' | b']' | b'{' | b'}' => return at,
            b':' if matches!(
                bytes.get(at + 1),
                None | Some(b' ' | b',' | b'[' | b']' | b'{' | b'}')
            ) =>
            {
                return at;
            }
            _ => {}
        }
    }
    bytes.len()
}

/// A position in a one-line flow collection.
struct Cursor<'t> {
    rest: &'t str,
}

impl Cursor<'_> {
    fn skip_spaces(&mut self) {
        self.rest = self.rest.trim_start_matches(' ');
    }

    fn eat(&mut self, byte: u8) -> bool {
        if self.rest.as_bytes().first() == Some(&byte) {
            self.rest = &self.rest[1..];
            true
        } else {
            false
        }
    }

    /// A flow node: a mapping, a sequence, a quoted or a plain scalar.
    fn flow(&mut self, depth: usize) -> Option<Node> {
        if depth > MAX_FLOW_DEPTH {
            return None;
        }
        match self.rest.as_bytes().first()? {
            b'{' => self.map(depth),
            b'[' => self.seq(depth),
            b'\'' | b'"' => {
                let (value, after) = quoted(self.rest)?;
                self.rest = after;
                Some(Node::Str(value))
            }
            _ => {
                let end = flow_plain_end(self.rest);
                let text = self.rest[..end].trim_end_matches(' ');
                if !plain_ok(text, true) {
                    return None;
                }
                self.rest = &self.rest[end..];
                Some(plain(text.to_owned()))
            }
        }
    }

    /// `{key: value, …}` on one line, string keys, no trailing comma.
    fn map(&mut self, depth: usize) -> Option<Node> {
        self.eat(b'{');
        self.skip_spaces();
        let mut entries = Vec::new();
        if !self.eat(b'}') {
            loop {
                let before = self.rest.len();
                let key = match self.flow(depth + 1)? {
                    Node::Str(key) if before - self.rest.len() <= MAX_KEY => key,
                    _ => return None,
                };
                self.skip_spaces();
                if !self.eat(b':') || !self.rest.starts_with(' ') {
                    return None;
                }
                self.skip_spaces();
                let value = self.flow(depth + 1)?;
                entries.push((key, value));
                self.skip_spaces();
                if self.eat(b'}') {
                    break;
                }
                if !self.eat(b',') {
                    return None;
                }
                self.skip_spaces();
            }
        }
        self.skip_spaces();
        (!has_duplicates(&entries)).then_some(Node::Map(entries))
    }

    /// `[item, …]` on one line, no trailing comma; items are not kept.
    fn seq(&mut self, depth: usize) -> Option<Node> {
        self.eat(b'[');
        self.skip_spaces();
        if !self.eat(b']') {
            loop {
                self.flow(depth + 1)?;
                self.skip_spaces();
                if self.eat(b']') {
                    break;
                }
                if !self.eat(b',') {
                    return None;
                }
                self.skip_spaces();
            }
        }
        self.skip_spaces();
        Some(Node::Seq)
    }
}
