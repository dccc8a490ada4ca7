//! A fast reader for the TOML that uv writes in `uv.lock`: bare keys,
//! `[[package]]` tables, `[table]` and `[package.table]` headers, basic
//! and literal strings without escapes, plain integers, booleans, one-line
//! inline tables and (possibly multi-line) arrays.
//!
//! It checks what a TOML parser would check for that subset (duplicate
//! keys, tables defined twice, keys reused as tables) and keeps only what
//! the `uv.lock` reader uses. Anything outside the subset — escapes,
//! multi-line strings, floats, dates, dotted or quoted keys, comments after
//! content, tabs, carriage returns, other control characters, sub-tables of
//! the fields it reads — makes [`read`] return `None`, and the caller parses
//! the file with the TOML parser instead.

use std::collections::HashMap;

/// The longest integer accepted, in digits.
const MAX_DIGITS: usize = 18;

/// The deepest nesting of arrays and inline tables accepted.
const MAX_DEPTH: usize = 8;

/// A value, as far as the reader cares.
#[derive(Debug)]
pub(super) enum Value<'t> {
    /// A string.
    Str(&'t str),
    /// An integer, as written.
    Int(&'t str),
    /// An inline table's entries (kept only where the reader needs them).
    Table(Vec<(&'t str, Value<'t>)>),
    /// An array's items (kept only where the reader needs them).
    Array(Vec<Value<'t>>),
    /// Anything the reader does not look into.
    Other,
}

impl<'t> Value<'t> {
    /// `self[key]` of an inline table.
    pub(super) fn get(&self, key: &str) -> Option<&Value<'t>> {
        match self {
            Value::Table(entries) => entries.iter().find(|(k, _)| *k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The text of a string.
    pub(super) fn as_str(&self) -> Option<&'t str> {
        match self {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }
}

/// One `[[package]]` table: its line and the fields the reader uses.
#[derive(Debug, Default)]
pub(super) struct Package<'t> {
    /// The line of the `[[package]]` header.
    pub line: u32,
    /// `name`.
    pub name: Option<Value<'t>>,
    /// `version`.
    pub version: Option<Value<'t>>,
    /// `source`.
    pub source: Option<Value<'t>>,
    /// `sdist`.
    pub sdist: Option<Value<'t>>,
    /// `wheels`.
    pub wheels: Option<Value<'t>>,
}

/// What the reader uses of a `uv.lock`.
#[derive(Debug, Default)]
pub(super) struct Lock<'t> {
    /// The root `version`, a string or an integer.
    pub version: Option<Value<'t>>,
    /// Every `[[package]]`, in order.
    pub packages: Vec<Package<'t>>,
}

/// How a name in a table was defined.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Defined {
    /// By `key = value`.
    Value,
    /// By a `[header]`.
    Table,
    /// As the parent of a `[header]`.
    Implicit,
}

/// Names defined in one scope (the root, or one `[[package]]`), keyed by
/// (dotted table path, key).
type Names<'t> = HashMap<(&'t str, &'t str), Defined>;

/// Which table `key = value` lines go to.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Scope<'t> {
    /// The root table.
    Root,
    /// A root-level `[header]` table.
    RootTable(&'t str),
    /// The current `[[package]]`.
    Package,
    /// A `[package.header]` table of the current package.
    PackageTable(&'t str),
}

/// Reads `text`, or `None` when it leaves the subset (see the module
/// documentation).
pub(super) fn read(text: &str) -> Option<Lock<'_>> {
    if text.bytes().any(|b| (b < 0x20 && b != b'\n') || b == 0x7f) {
        return None;
    }
    let mut parser = Parser {
        text,
        pos: 0,
        line: 1,
    };
    let mut lock = Lock::default();
    let mut root: Names<'_> = HashMap::new();
    let mut package: Names<'_> = HashMap::new();
    let mut scope = Scope::Root;
    loop {
        parser.skip_spaces();
        let Some(byte) = parser.peek() else { break };
        match byte {
            b'\n' => parser.newline(),
            b'#' => parser.skip_comment(),
            b'[' => {
                scope = parser.header(&mut lock, &mut root, &mut package)?;
                parser.end_of_line()?;
            }
            _ => {
                let key = parser.bare_key()?;
                parser.skip_spaces();
                if !parser.eat(b'=') {
                    return None;
                }
                parser.skip_spaces();
                let (names, table) = match scope {
                    Scope::Root => (&mut root, ""),
                    Scope::RootTable(t) => (&mut root, t),
                    Scope::Package => (&mut package, ""),
                    Scope::PackageTable(t) => (&mut package, t),
                };
                if names.insert((table, key), Defined::Value).is_some() {
                    return None;
                }
                let slot = match (scope, key) {
                    (Scope::Root, "package") => return None,
                    (Scope::Root, "version") => Some(&mut lock.version),
                    (Scope::Package, _) => {
                        let current = lock.packages.last_mut()?;
                        match key {
                            "name" => Some(&mut current.name),
                            "version" => Some(&mut current.version),
                            "source" => Some(&mut current.source),
                            "sdist" => Some(&mut current.sdist),
                            "wheels" => Some(&mut current.wheels),
                            _ => None,
                        }
                    }
                    _ => None,
                };
                let keep = slot.is_some();
                let value = parser.value(keep, 0)?;
                if let Some(slot) = slot {
                    *slot = Some(value);
                }
                parser.end_of_line()?;
            }
        }
    }
    Some(lock)
}

/// The reading position in the text.
struct Parser<'t> {
    text: &'t str,
    pos: usize,
    line: u32,
}

/// True for the bytes of a TOML bare key.
fn is_bare(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-' || b == b'_'
}

impl<'t> Parser<'t> {
    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.pos).copied()
    }

    fn eat(&mut self, byte: u8) -> bool {
        if self.peek() == Some(byte) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn newline(&mut self) {
        self.pos += 1;
        self.line = self.line.saturating_add(1);
    }

    fn skip_spaces(&mut self) {
        while self.peek() == Some(b' ') {
            self.pos += 1;
        }
    }

    /// Spaces and line breaks (inside arrays).
    fn skip_blank(&mut self) {
        loop {
            match self.peek() {
                Some(b' ') => self.pos += 1,
                Some(b'\n') => self.newline(),
                _ => return,
            }
        }
    }

    fn skip_comment(&mut self) {
        let rest = &self.text[self.pos..];
        self.pos += rest.find('\n').unwrap_or(rest.len());
    }

    /// Trailing spaces, then the end of the line or of the text.
    fn end_of_line(&mut self) -> Option<()> {
        self.skip_spaces();
        match self.peek() {
            None => Some(()),
            Some(b'\n') => {
                self.newline();
                Some(())
            }
            Some(_) => None,
        }
    }

    fn bare_key(&mut self) -> Option<&'t str> {
        let start = self.pos;
        while self.peek().is_some_and(is_bare) {
            self.pos += 1;
        }
        (self.pos > start).then(|| &self.text[start..self.pos])
    }

    /// A `[[package]]` or `[a.b]` header; the scope it opens.
    fn header(
        &mut self,
        lock: &mut Lock<'t>,
        root: &mut Names<'t>,
        package: &mut Names<'t>,
    ) -> Option<Scope<'t>> {
        let rest = &self.text[self.pos..];
        if let Some(after) = rest.strip_prefix("[[") {
            if !after.starts_with("package]]") {
                return None;
            }
            let line = self.line;
            self.pos += "[[package]]".len();
            package.clear();
            lock.packages.push(Package {
                line,
                ..Package::default()
            });
            return Some(Scope::Package);
        }
        self.pos += 1;
        let start = self.pos;
        self.bare_key()?;
        while self.eat(b'.') {
            self.bare_key()?;
        }
        let path = &self.text[start..self.pos];
        if !self.eat(b']') {
            return None;
        }
        let (names, path, scope) = match path.strip_prefix("package.") {
            Some(sub) => {
                lock.packages.last()?;
                let first = sub.split('.').next().unwrap_or(sub);
                if matches!(first, "name" | "version" | "source" | "sdist" | "wheels") {
                    return None;
                }
                (package, sub, Scope::PackageTable(sub))
            }
            None if path == "package" => return None,
            None => (root, path, Scope::RootTable(path)),
        };
        define_table(names, path)?;
        Some(scope)
    }

    /// A value; inline tables and arrays keep their contents when `keep`.
    fn value(&mut self, keep: bool, depth: usize) -> Option<Value<'t>> {
        if depth > MAX_DEPTH {
            return None;
        }
        match self.peek()? {
            quote @ (b'"' | b'\'') => {
                let rest = &self.text[self.pos + 1..];
                let end = rest.find(char::from(quote))?;
                let body = &rest[..end];
                if end == 0 && rest.as_bytes().get(1) == Some(&quote) {
                    // `"""` or `'''`: a multi-line string.
                    return None;
                }
                if body.contains('\n') || (quote == b'"' && body.contains('\\')) {
                    return None;
                }
                self.pos += end + 2;
                Some(Value::Str(body))
            }
            b'{' => self.inline_table(keep, depth),
            b'[' => self.array(keep, depth),
            b't' | b'f' => {
                let rest = &self.text[self.pos..];
                let word = if rest.starts_with("true") {
                    4
                } else if rest.starts_with("false") {
                    5
                } else {
                    return None;
                };
                self.pos += word;
                self.delimited().then_some(Value::Other)
            }
            b'0'..=b'9' => {
                let start = self.pos;
                while self.peek().is_some_and(|b| b.is_ascii_digit()) {
                    self.pos += 1;
                }
                let digits = &self.text[start..self.pos];
                let ok = digits.len() <= MAX_DIGITS && (digits == "0" || !digits.starts_with('0'));
                (ok && self.delimited()).then_some(Value::Int(digits))
            }
            _ => None,
        }
    }

    /// True when what follows ends a scalar.
    fn delimited(&self) -> bool {
        matches!(self.peek(), None | Some(b' ' | b'\n' | b',' | b'}' | b']'))
    }

    /// `{ key = value, … }` on one line, bare keys, no trailing comma.
    fn inline_table(&mut self, keep: bool, depth: usize) -> Option<Value<'t>> {
        self.pos += 1;
        self.skip_spaces();
        let mut entries: Vec<(&'t str, Value<'t>)> = Vec::new();
        if self.eat(b'}') {
            return Some(if keep {
                Value::Table(entries)
            } else {
                Value::Other
            });
        }
        loop {
            let key = self.bare_key()?;
            if entries.iter().any(|(k, _)| *k == key) {
                return None;
            }
            self.skip_spaces();
            if !self.eat(b'=') {
                return None;
            }
            self.skip_spaces();
            let value = self.value(keep, depth + 1)?;
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
        Some(if keep {
            Value::Table(entries)
        } else {
            Value::Other
        })
    }

    /// `[ value, … ]`, over one or more lines, trailing comma allowed, no
    /// comments inside.
    fn array(&mut self, keep: bool, depth: usize) -> Option<Value<'t>> {
        self.pos += 1;
        let mut items = Vec::new();
        loop {
            self.skip_blank();
            if self.eat(b']') {
                break;
            }
            let item = self.value(keep, depth + 1)?;
            if keep {
                items.push(item);
            }
            self.skip_blank();
            if self.eat(b']') {
                break;
            }
            if !self.eat(b',') {
                return None;
            }
        }
        Some(if keep {
            Value::Array(items)
        } else {
            Value::Other
        })
    }
}

/// Records the header `[path]` in `names`: its parents may exist as
/// tables, but no name along it may be a value, and the table itself must
/// be new.
fn define_table<'t>(names: &mut Names<'t>, path: &'t str) -> Option<()> {
    let mut parent = "";
    for (at, _) in path.match_indices('.') {
        let key = &path[parent.len() + usize::from(!parent.is_empty())..at];
        match names.get(&(parent, key)) {
            Some(Defined::Value) => return None,
            Some(_) => {}
            None => {
                names.insert((parent, key), Defined::Implicit);
            }
        }
        parent = &path[..at];
    }
    let key = &path[parent.len() + usize::from(!parent.is_empty())..];
    match names.insert((parent, key), Defined::Table) {
        None => Some(()),
        Some(_) => None,
    }
}
