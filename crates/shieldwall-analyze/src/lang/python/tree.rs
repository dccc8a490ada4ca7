//! Python facts from a tree-sitter parse: the reference walk, and the
//! reader of every file the AST walk ([`super::ast`]) does not take
//! (Python 2, syntax errors, deep nesting), since tree-sitter recovers
//! from errors and does not recurse.

use std::cell::RefCell;
use std::collections::HashMap;

use tree_sitter::{Node, Parser};

use super::super::walk::{Collector, Scope};
use super::super::{Call, Facts, pystr};
use super::{
    DANGEROUS_BUILTINS, MAX_CHAIN, MAX_JOINED_PARTS, MAX_KEYWORD_TEXT, floor_boundary, from_import,
    function_owner,
};
use crate::model::Stage;

thread_local! {
    static PARSER: RefCell<Option<Parser>> = const { RefCell::new(None) };
}

/// The facts of Python `source` (see [`super::analyze`]).
pub(super) fn analyze(source: &str, load: Stage, whole_file: bool) -> Facts {
    let tree = PARSER.with(|cell| {
        let mut slot = cell.borrow_mut();
        let parser = slot.get_or_insert_with(|| {
            let mut parser = Parser::new();
            parser
                .set_language(&tree_sitter_python::LANGUAGE.into())
                .expect("the bundled Python grammar matches the tree-sitter version");
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
    /// Local name → the dotted name it stands for.
    aliases: HashMap<String, String>,
    out: Collector,
}

impl<'s> Walker<'s> {
    fn text(&self, node: Node<'_>) -> &'s str {
        node.utf8_text(self.src).unwrap_or("")
    }

    fn line(node: Node<'_>) -> u32 {
        node.start_position().row as u32 + 1
    }

    /// Walks the tree with an explicit stack (no recursion, so deeply
    /// nested input cannot overflow the stack).
    fn walk(&mut self, root: Node<'_>) {
        let mut stack = vec![(root, Scope::default(), None::<String>)];
        while let Some((node, scope, class)) = stack.pop() {
            match node.kind() {
                "function_definition" => {
                    let name = node
                        .child_by_field_name("name")
                        .map(|n| self.text(n))
                        .unwrap_or("");
                    let owner = function_owner(&mut self.out, scope, class.as_deref(), name);
                    let inner = Scope {
                        owner: Some(owner),
                        ..scope
                    };
                    if let Some(params) = node.child_by_field_name("parameters") {
                        push_children(params, scope, None, &mut stack);
                    }
                    if let Some(body) = node.child_by_field_name("body") {
                        stack.push((body, inner, None));
                    }
                }
                "class_definition" => {
                    let name = node
                        .child_by_field_name("name")
                        .map(|n| self.text(n).to_owned());
                    if let Some(supers) = node.child_by_field_name("superclasses") {
                        push_children(supers, scope, None, &mut stack);
                    }
                    if let Some(body) = node.child_by_field_name("body") {
                        let class = if scope.owner.is_none() { name } else { None };
                        stack.push((body, scope, class));
                    }
                }
                "if_statement" if scope.owner.is_none() && self.is_main_guard(node) => {
                    if let Some(body) = node.child_by_field_name("consequence") {
                        let guarded = Scope {
                            main_guard: true,
                            ..scope
                        };
                        stack.push((body, guarded, class.clone()));
                    }
                    let mut cursor = node.walk();
                    let alternatives: Vec<_> = node
                        .children_by_field_name("alternative", &mut cursor)
                        .collect();
                    for alt in alternatives.into_iter().rev() {
                        stack.push((alt, scope, class.clone()));
                    }
                }
                "binary_operator" => {
                    // `"ht" + "tp://" + "203.0." + "113.7"`: the joined
                    // text is a literal too (split strings hide URLs).
                    if let Some(joined) = self.joined_literals(node) {
                        self.out.string(joined, Self::line(node), scope);
                    }
                    push_children(node, scope, class, &mut stack);
                }
                "import_statement" => self.import(node, scope),
                "import_from_statement" => self.import_from(node, scope),
                "future_import_statement" => {}
                "call" => {
                    self.call(node, scope);
                    push_children(node, scope, class, &mut stack);
                }
                "exec_statement" => {
                    // Python 2: `exec code in ns`.
                    let mut call = Call {
                        callee: "exec".to_owned(),
                        line: Self::line(node),
                        ..Call::default()
                    };
                    self.arguments(node, &mut call);
                    self.out.call(call, scope);
                    push_children(node, scope, class, &mut stack);
                }
                "string" | "concatenated_string" => {
                    let value = self.string_value(node);
                    self.out.string(value, Self::line(node), scope);
                    // f-string fields may hold calls.
                    for field in interpolations(node).into_iter().rev() {
                        stack.push((field, scope, class.clone()));
                    }
                }
                "attribute" => {
                    if let Some(name) = self.resolve(node)
                        && name.contains('.')
                    {
                        let head = name.split('.').next().unwrap_or_default().to_owned();
                        self.out.reference(&head, scope);
                        self.out.name(name, Self::line(node), scope);
                    }
                    if let Some(object) = node.child_by_field_name("object")
                        && !matches!(object.kind(), "identifier" | "attribute")
                    {
                        stack.push((object, scope, class));
                    } else if let Some(object) = node.child_by_field_name("object")
                        && object.kind() == "attribute"
                    {
                        // Only the chain's calls and subscripts matter below.
                        push_non_chain(object, scope, class, &mut stack);
                    }
                }
                "identifier" => {
                    let ident = self.text(node);
                    self.out.reference(ident, scope);
                    if let Some(target) = self.aliases.get(ident)
                        && target.contains('.')
                    {
                        let target = target.clone();
                        self.out.name(target, Self::line(node), scope);
                    }
                }
                "assignment" => {
                    self.alias_assignment(node);
                    push_children(node, scope, class, &mut stack);
                }
                "as_pattern" => {
                    self.alias_with_item(node);
                    push_children(node, scope, class, &mut stack);
                }
                _ => push_children(node, scope, class, &mut stack),
            }
        }
    }

    fn is_main_guard(&self, node: Node<'_>) -> bool {
        node.child_by_field_name("condition").is_some_and(|c| {
            let text = self.text(c);
            text.contains("__name__") && text.contains("__main__")
        })
    }

    fn import(&mut self, node: Node<'_>, scope: Scope) {
        let mut cursor = node.walk();
        let names: Vec<_> = node.children_by_field_name("name", &mut cursor).collect();
        for name in names {
            let line = Self::line(name);
            match name.kind() {
                "aliased_import" => {
                    let module = name
                        .child_by_field_name("name")
                        .map(|n| self.text(n).to_owned())
                        .unwrap_or_default();
                    if let Some(alias) = name.child_by_field_name("alias") {
                        self.aliases
                            .insert(self.text(alias).to_owned(), module.clone());
                    }
                    self.out.import(module, line, scope);
                }
                _ => {
                    let module = self.text(name).to_owned();
                    let head = module.split('.').next().unwrap_or_default().to_owned();
                    self.aliases.insert(head.clone(), head);
                    self.out.import(module, line, scope);
                }
            }
        }
    }

    fn import_from(&mut self, node: Node<'_>, scope: Scope) {
        let module = node
            .child_by_field_name("module_name")
            .map(|n| self.text(n).to_owned())
            .unwrap_or_default();
        let line = Self::line(node);
        let mut cursor = node.walk();
        let names: Vec<_> = node.children_by_field_name("name", &mut cursor).collect();
        if names.is_empty() {
            // `from x import *`
            self.out.import(module.clone(), line, scope);
        }
        for name in names {
            let (imported, local) = match name.kind() {
                "aliased_import" => (
                    name.child_by_field_name("name")
                        .map(|n| self.text(n))
                        .unwrap_or(""),
                    name.child_by_field_name("alias")
                        .map(|n| self.text(n))
                        .unwrap_or(""),
                ),
                _ => (self.text(name), self.text(name)),
            };
            from_import(
                &mut self.out,
                &mut self.aliases,
                [&module, imported, local],
                line,
                scope,
            );
        }
    }

    /// `x = os.system`, `e = exec`: remember the alias.
    fn alias_assignment(&mut self, node: Node<'_>) {
        let (Some(left), Some(right)) = (
            node.child_by_field_name("left"),
            node.child_by_field_name("right"),
        ) else {
            return;
        };
        if left.kind() != "identifier"
            || !matches!(right.kind(), "identifier" | "attribute" | "call")
        {
            return;
        }
        self.alias(left, right);
    }

    /// `with socket.socket(...) as s:` makes `s` stand for the value, as
    /// an assignment would.
    fn alias_with_item(&mut self, node: Node<'_>) {
        let Some(value) = node.named_child(0) else {
            return;
        };
        let Some(target) = node
            .child_by_field_name("alias")
            .and_then(|a| {
                if a.kind() == "identifier" {
                    Some(a)
                } else {
                    a.named_child(0)
                }
            })
            .filter(|a| a.kind() == "identifier")
        else {
            return;
        };
        if matches!(value.kind(), "identifier" | "attribute" | "call") {
            self.alias(target, value);
        }
    }

    /// Records that the identifier `left` stands for the expression `right`.
    fn alias(&mut self, left: Node<'_>, right: Node<'_>) {
        let Some(mut target) = self.resolve(right) else {
            return;
        };
        // A socket wrapped in TLS is still a socket.
        if target.ends_with(".wrap_socket") || target == "wrap_socket" {
            target = "socket.socket".to_owned();
        }
        if target.contains('.') || DANGEROUS_BUILTINS.contains(&target.as_str()) {
            let local = self.text(left).to_owned();
            if local != target {
                self.aliases.insert(local, target);
            }
        }
    }

    fn call(&mut self, node: Node<'_>, scope: Scope) {
        let callee = node
            .child_by_field_name("function")
            .and_then(|f| self.resolve(f))
            .unwrap_or_else(|| "<dynamic>".to_owned());
        let mut call = Call {
            callee,
            line: Self::line(node),
            ..Call::default()
        };
        if let Some(args) = node.child_by_field_name("arguments") {
            self.arguments(args, &mut call);
        }
        self.out.call(call, scope);
    }

    /// Fills the strings, inner calls, names and keywords of `call` from
    /// the argument subtree `args`.
    fn arguments(&self, args: Node<'_>, call: &mut Call) {
        let mut stack = vec![(args, true)];
        while let Some((node, top)) = stack.pop() {
            match node.kind() {
                "string" | "concatenated_string" => {
                    call.strings.push(self.string_value(node));
                    // `post(u, data=f"{os.environ}")`: the fields are
                    // arguments too.
                    for field in interpolations(node).into_iter().rev() {
                        stack.push((field, false));
                    }
                    continue;
                }
                "call" => {
                    if let Some(name) = node
                        .child_by_field_name("function")
                        .and_then(|f| self.resolve(f))
                    {
                        call.inner_calls.push(name);
                    }
                }
                "attribute" => {
                    if let Some(name) = self.resolve(node) {
                        call.names.push(name);
                    }
                }
                "identifier" => {
                    if let Some(target) = self.aliases.get(self.text(node)) {
                        call.names.push(target.clone());
                    } else {
                        call.names.push(self.text(node).to_owned());
                    }
                }
                "keyword_argument" if top => {
                    if let (Some(name), Some(value)) = (
                        node.child_by_field_name("name"),
                        node.child_by_field_name("value"),
                    ) {
                        let text = self.text(value);
                        let text = &text[..floor_boundary(text, MAX_KEYWORD_TEXT)];
                        call.keywords
                            .push((self.text(name).to_owned(), text.to_owned()));
                    }
                }
                _ => {}
            }
            let mut cursor = node.walk();
            let top_level = node.kind() == "argument_list";
            let children: Vec<_> = node.named_children(&mut cursor).collect();
            for child in children.into_iter().rev() {
                stack.push((child, top_level));
            }
        }
    }

    /// The dotted name an expression stands for, aliases resolved.
    fn resolve(&self, node: Node<'_>) -> Option<String> {
        let mut parts = Vec::new();
        let mut current = node;
        for _ in 0..MAX_CHAIN {
            match current.kind() {
                "identifier" => {
                    let ident = self.text(current);
                    let head = self.aliases.get(ident).map_or(ident, String::as_str);
                    parts.push(head.to_owned());
                    parts.reverse();
                    return Some(parts.join("."));
                }
                "attribute" => {
                    parts.push(
                        self.text(current.child_by_field_name("attribute")?)
                            .to_owned(),
                    );
                    current = current.child_by_field_name("object")?;
                }
                // `"\n".join(...)`: a method of a string literal.
                "string" | "concatenated_string" => {
                    parts.push("str".to_owned());
                    parts.reverse();
                    return Some(parts.join("."));
                }
                "subscript" => {
                    let index = current.child_by_field_name("subscript")?;
                    if index.kind() != "string" {
                        return None;
                    }
                    parts.push(self.string_value(index));
                    current = current.child_by_field_name("value")?;
                }
                "call" => {
                    let function = current.child_by_field_name("function")?;
                    let name = self.resolve(function)?;
                    if matches!(name.as_str(), "__import__" | "importlib.import_module") {
                        let module = current
                            .child_by_field_name("arguments")
                            .and_then(|a| a.named_child(0))
                            .filter(|a| a.kind() == "string")
                            .map(|a| self.string_value(a))?;
                        parts.push(module);
                    } else {
                        parts.push(name);
                    }
                    parts.reverse();
                    return Some(parts.join("."));
                }
                "parenthesized_expression" => current = current.named_child(0)?,
                _ => return None,
            }
        }
        None
    }

    /// The text of a `+` chain made only of plain string literals, when
    /// `node` is the outermost `+` of one (inner ones give `None`, so a
    /// chain is joined once).
    fn joined_literals(&self, node: Node<'_>) -> Option<String> {
        let is_plus = |n: Node<'_>| {
            n.kind() == "binary_operator"
                && n.child_by_field_name("operator")
                    .is_some_and(|o| self.text(o) == "+")
        };
        if !is_plus(node) || node.parent().is_some_and(is_plus) {
            return None;
        }
        let mut parts = Vec::new();
        let mut stack = vec![node];
        while let Some(n) = stack.pop() {
            if parts.len() > MAX_JOINED_PARTS {
                return None;
            }
            match n.kind() {
                "string" if !interpolations(n).is_empty() => return None,
                "string" | "concatenated_string" => parts.push(self.string_value(n)),
                "parenthesized_expression" => stack.push(n.named_child(0)?),
                _ if is_plus(n) => {
                    stack.push(n.child_by_field_name("right")?);
                    stack.push(n.child_by_field_name("left")?);
                }
                _ => return None,
            }
        }
        (parts.len() > 1).then(|| parts.concat())
    }

    fn string_value(&self, node: Node<'_>) -> String {
        if node.kind() == "concatenated_string" {
            let mut cursor = node.walk();
            return node
                .named_children(&mut cursor)
                .filter(|c| c.kind() == "string")
                .map(|c| pystr::decode(self.text(c)))
                .collect();
        }
        pystr::decode(self.text(node))
    }
}

type Frame<'t> = (Node<'t>, Scope, Option<String>);

/// The `{…}` fields of an f-string, or of every f-string in an implicit
/// concatenation (`("a" f"{x}")`), in source order.
fn interpolations(node: Node<'_>) -> Vec<Node<'_>> {
    let mut cursor = node.walk();
    let parts: Vec<Node<'_>> = if node.kind() == "concatenated_string" {
        node.named_children(&mut cursor)
            .filter(|c| c.kind() == "string")
            .collect()
    } else {
        vec![node]
    };
    parts
        .into_iter()
        .flat_map(|part| {
            let mut cursor = part.walk();
            part.named_children(&mut cursor)
                .filter(|c| c.kind() == "interpolation")
                .collect::<Vec<_>>()
        })
        .collect()
}

/// Pushes the named children of `node`, first child on top.
fn push_children<'t>(
    node: Node<'t>,
    scope: Scope,
    class: Option<String>,
    stack: &mut Vec<Frame<'t>>,
) {
    let mut cursor = node.walk();
    let children: Vec<_> = node.named_children(&mut cursor).collect();
    for child in children.into_iter().rev() {
        stack.push((child, scope, class.clone()));
    }
}

/// Pushes the calls and subscripts inside an attribute chain, not the
/// chain itself.
fn push_non_chain<'t>(
    node: Node<'t>,
    scope: Scope,
    class: Option<String>,
    stack: &mut Vec<Frame<'t>>,
) {
    let mut current = node;
    for _ in 0..MAX_CHAIN {
        match current.kind() {
            "attribute" => match current.child_by_field_name("object") {
                Some(object) => current = object,
                None => return,
            },
            "identifier" => return,
            _ => {
                stack.push((current, scope, class));
                return;
            }
        }
    }
}
