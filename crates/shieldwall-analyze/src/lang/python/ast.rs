//! Python facts from the syntax tree of a recursive-descent parser, for
//! valid Python 3 files of bounded nesting (see [`super::nesting`]): the
//! same facts, in the same order, as the tree-sitter walk in
//! [`super::tree`], about four times faster with
//! the token count and the walk (`examples/python_parsers`).
//!
//! The tree-sitter walk is the reference. Where this tree has no node for
//! what that one walks (parentheses, keyword and parameter names), the
//! source text and the node ranges stand in for it.

use std::collections::HashMap;

use ruff_python_ast::visitor::source_order::{
    SourceOrderVisitor, walk_except_handler, walk_expr, walk_keyword, walk_pattern,
};
use ruff_python_ast::{
    ArgOrKeyword, Arguments, ElifElseClause, ExceptHandler, Expr, Identifier, Keyword, Operator,
    Pattern, Stmt, WithItem,
};
use ruff_text_size::{Ranged, TextSize};

use super::super::walk::{Collector, Scope};
use super::super::{Call, Facts, pystr};
use super::{
    DANGEROUS_BUILTINS, MAX_CHAIN, MAX_JOINED_PARTS, MAX_KEYWORD_TEXT, floor_boundary, from_import,
    function_owner, nesting,
};
use crate::model::Stage;

/// The facts of `source`, when it parses as Python 3 without error and
/// is shallow enough to parse recursively; `None` otherwise.
pub(super) fn analyze(source: &str, load: Stage, whole_file: bool) -> Option<Facts> {
    if !nesting::shallow(source) {
        return None;
    }
    let parsed = ruff_python_parser::parse_module(source).ok()?;
    let mut walker = Walker {
        src: source,
        lines: Lines::new(source),
        aliases: HashMap::new(),
        out: Collector::default(),
        scope: Scope::default(),
        class: None,
        plus_operand: false,
    };
    walker.visit_body(&parsed.syntax().body);
    Some(walker.out.finish(load, whole_file, false))
}

/// Byte offsets of line starts, for 1-based line numbers (a line ends at
/// `\n`, as tree-sitter counts rows).
struct Lines(Vec<u32>);

impl Lines {
    fn new(source: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(memchr::memchr_iter(b'\n', source.as_bytes()).map(|i| i as u32 + 1));
        Self(starts)
    }

    fn of(&self, offset: TextSize) -> u32 {
        self.0.partition_point(|&start| start <= offset.to_u32()) as u32
    }
}

struct Walker<'s> {
    src: &'s str,
    lines: Lines,
    /// Local name → the dotted name it stands for.
    aliases: HashMap<String, String>,
    out: Collector,
    /// Where the walk is.
    scope: Scope,
    /// The class whose body the walk is in, for naming its methods.
    class: Option<String>,
    /// Whether the expression visited next is an unparenthesized operand
    /// of a `+` (so not the outermost `+` of a chain).
    plus_operand: bool,
}

impl<'s> Walker<'s> {
    fn line(&self, node: &impl Ranged) -> u32 {
        self.lines.of(node.start())
    }

    fn text(&self, node: &impl Ranged) -> &'s str {
        &self.src[node.range()]
    }

    /// The dotted name an expression stands for, aliases resolved.
    fn resolve(&self, expr: &Expr) -> Option<String> {
        let mut parts = Vec::new();
        let mut current = expr;
        for _ in 0..MAX_CHAIN {
            match current {
                Expr::Name(name) => {
                    let ident = name.id.as_str();
                    let head = self.aliases.get(ident).map_or(ident, String::as_str);
                    parts.push(head.to_owned());
                    parts.reverse();
                    return Some(parts.join("."));
                }
                Expr::Attribute(attribute) => {
                    parts.push(attribute.attr.id.as_str().to_owned());
                    current = &attribute.value;
                }
                // `"\n".join(...)`: a method of a string literal.
                Expr::StringLiteral(_)
                | Expr::BytesLiteral(_)
                | Expr::FString(_)
                | Expr::TString(_) => {
                    parts.push("str".to_owned());
                    parts.reverse();
                    return Some(parts.join("."));
                }
                Expr::Subscript(subscript) => {
                    // `x['a', 'b']` reads as `x['a']`, as the reference
                    // walk takes the first subscript.
                    let index = match &*subscript.slice {
                        Expr::Tuple(tuple) if !tuple.parenthesized => tuple.elts.first()?,
                        index => index,
                    };
                    if !is_single_string(index)
                        || self.opens_paren(subscript.value.end(), index.start())
                    {
                        return None;
                    }
                    parts.push(self.string_value(index));
                    current = &subscript.value;
                }
                Expr::Call(call) => {
                    let name = self.resolve(&call.func)?;
                    if matches!(name.as_str(), "__import__" | "importlib.import_module") {
                        let first = call.arguments.arguments_source_order().next();
                        let module = match first {
                            Some(ArgOrKeyword::Arg(arg)) if is_single_string(arg) => {
                                self.string_value(arg)
                            }
                            _ => return None,
                        };
                        parts.push(module);
                    } else {
                        parts.push(name);
                    }
                    parts.reverse();
                    return Some(parts.join("."));
                }
                _ => return None,
            }
        }
        None
    }

    /// The decoded value of a string expression: its parts' values joined.
    fn string_value(&self, expr: &Expr) -> String {
        string_parts(expr)
            .map(|range| pystr::decode(&self.src[range]))
            .collect()
    }

    /// Whether a `(` opens between `from` and `to` (outside comments):
    /// whether the node starting at `to` is parenthesized, given that
    /// only brackets, operators and trivia lie in between.
    fn opens_paren(&self, from: TextSize, to: TextSize) -> bool {
        let between = &self.src[usize::from(from)..usize::from(to)];
        let mut in_comment = false;
        between.bytes().any(|b| {
            match b {
                b'#' => in_comment = true,
                b'\n' => in_comment = false,
                b'(' if !in_comment => return true,
                _ => {}
            }
            false
        })
    }

    /// The text of a `+` chain made only of string literals, when `expr`
    /// is its outermost `+`.
    fn joined_literals(&self, expr: &Expr) -> Option<String> {
        let mut parts = Vec::new();
        let mut stack = vec![expr];
        while let Some(node) = stack.pop() {
            if parts.len() > MAX_JOINED_PARTS {
                return None;
            }
            match node {
                Expr::BinOp(bin) if bin.op == Operator::Add => {
                    stack.push(&bin.right);
                    stack.push(&bin.left);
                }
                node if has_fields(node) => return None,
                node if is_string(node) => parts.push(self.string_value(node)),
                _ => return None,
            }
        }
        (parts.len() > 1).then(|| parts.concat())
    }

    /// Records that `local` stands for the expression `right`.
    fn alias(&mut self, local: &str, right: &Expr) {
        let Some(mut target) = self.resolve(right) else {
            return;
        };
        // A socket wrapped in TLS is still a socket.
        if target.ends_with(".wrap_socket") || target == "wrap_socket" {
            target = "socket.socket".to_owned();
        }
        if (target.contains('.') || DANGEROUS_BUILTINS.contains(&target.as_str()))
            && local != target
        {
            self.aliases.insert(local.to_owned(), target);
        }
    }

    /// An identifier read in the current scope.
    fn identifier(&mut self, ident: &str, line: u32) {
        self.out.reference(ident, self.scope);
        if let Some(target) = self.aliases.get(ident)
            && target.contains('.')
        {
            let target = target.clone();
            self.out.name(target, line, self.scope);
        }
    }

    fn call(&mut self, call: &ruff_python_ast::ExprCall) {
        let callee = self
            .resolve(&call.func)
            .unwrap_or_else(|| "<dynamic>".to_owned());
        let mut fact = Call {
            callee,
            line: self.line(call),
            ..Call::default()
        };
        ArgumentFacts::new(self, &mut fact).visit_arguments(&call.arguments);
        self.out.call(fact, self.scope);
        self.visit_expr(&call.func);
        self.visit_arguments(&call.arguments);
    }

    fn attribute(&mut self, expr: &Expr, attribute: &ruff_python_ast::ExprAttribute) {
        if let Some(name) = self.resolve(expr)
            && name.contains('.')
        {
            let head = name.split('.').next().unwrap_or_default().to_owned();
            self.out.reference(&head, self.scope);
            self.out.name(name, self.line(attribute), self.scope);
        }
        let value = &*attribute.value;
        let parenthesized = value.start() != attribute.start();
        match value {
            Expr::Name(_) if !parenthesized => {}
            // Only the chain's calls and subscripts matter below.
            Expr::Attribute(_) if !parenthesized => self.non_chain(value),
            _ => self.visit_expr(value),
        }
    }

    /// Visits the calls and subscripts inside an attribute chain, not the
    /// chain itself.
    fn non_chain(&mut self, chain: &Expr) {
        let mut current = chain;
        for _ in 0..MAX_CHAIN {
            match current {
                Expr::Attribute(attribute) => {
                    let value = &*attribute.value;
                    if value.start() != attribute.start() {
                        self.visit_expr(value);
                        return;
                    }
                    current = value;
                }
                Expr::Name(_) => return,
                _ => {
                    self.visit_expr(current);
                    return;
                }
            }
        }
    }

    fn function(&mut self, function: &ruff_python_ast::StmtFunctionDef) {
        for decorator in &function.decorator_list {
            self.visit_expr(&decorator.expression);
        }
        let name = function.name.id.as_str();
        let owner = function_owner(&mut self.out, self.scope, self.class.as_deref(), name);
        let outer = self.scope;
        let class = self.class.take();
        self.scope = Scope {
            owner: Some(owner),
            ..outer
        };
        self.visit_body(&function.body);
        self.scope = outer;
        self.visit_parameters(&function.parameters);
        self.class = class;
    }

    fn class(&mut self, class: &ruff_python_ast::StmtClassDef) {
        for decorator in &class.decorator_list {
            self.visit_expr(&decorator.expression);
        }
        let name = self
            .scope
            .owner
            .is_none()
            .then(|| class.name.id.as_str().to_owned());
        let outer = std::mem::replace(&mut self.class, name);
        self.visit_body(&class.body);
        self.class = None;
        if let Some(arguments) = &class.arguments {
            self.visit_arguments(arguments);
        }
        self.class = outer;
    }

    fn is_main_guard(&self, test: &Expr) -> bool {
        let text = self.text(test);
        text.contains("__name__") && text.contains("__main__")
    }

    /// `if __name__ == "__main__":` at module level: the other branches
    /// run as usual, the guarded body only as a script.
    fn main_guard(&mut self, body: &[Stmt], clauses: &[ElifElseClause]) {
        for clause in clauses {
            self.visit_elif_else_clause(clause);
        }
        let outer = self.scope;
        self.scope.main_guard = true;
        self.visit_body(body);
        self.scope = outer;
    }

    fn import(&mut self, names: &[ruff_python_ast::Alias]) {
        for alias in names {
            let line = self.line(alias);
            let module = alias.name.id.as_str().to_owned();
            match &alias.asname {
                Some(local) => {
                    self.aliases
                        .insert(local.id.as_str().to_owned(), module.clone());
                }
                None => {
                    let head = module.split('.').next().unwrap_or_default().to_owned();
                    self.aliases.insert(head.clone(), head);
                }
            }
            self.out.import(module, line, self.scope);
        }
    }

    fn import_from(&mut self, import: &ruff_python_ast::StmtImportFrom) {
        let written = import.module.as_ref().map_or("", |m| m.id.as_str());
        if import.level == 0 && written == "__future__" {
            return;
        }
        let module = ".".repeat(import.level as usize) + written;
        let line = self.line(import);
        let names: Vec<&ruff_python_ast::Alias> = import
            .names
            .iter()
            .filter(|a| a.name.id.as_str() != "*")
            .collect();
        if names.is_empty() {
            self.out.import(module.clone(), line, self.scope);
        }
        for alias in names {
            let imported = alias.name.id.as_str();
            let local = alias.asname.as_ref().map_or(imported, |a| a.id.as_str());
            from_import(
                &mut self.out,
                &mut self.aliases,
                [&module, imported, local],
                line,
                self.scope,
            );
        }
    }

    /// `x = os.system`, `a = b = exec`: the last target stands for the
    /// value (the reference walk nests chained assignments).
    fn assign(&mut self, targets: &[Expr], value: &Expr) {
        let Some((last, first)) = targets.split_last() else {
            return;
        };
        for target in first {
            self.visit_expr(target);
        }
        if let Expr::Name(name) = last
            && is_aliasable(value)
            && !self.opens_paren(last.end(), value.start())
        {
            self.alias(name.id.as_str(), value);
        }
        self.visit_expr(last);
        self.visit_expr(value);
    }

    /// A dotted pattern (`case Color.RED`), read as the reference walk
    /// reads a dotted name: identifier by identifier.
    fn dotted_identifiers(&mut self, expr: &Expr) {
        let mut chain = Vec::new();
        let mut current = expr;
        loop {
            match current {
                Expr::Attribute(attribute) => {
                    chain.push(&attribute.attr);
                    current = &attribute.value;
                }
                Expr::Name(name) => {
                    let line = self.line(name);
                    self.identifier(name.id.as_str(), line);
                    break;
                }
                _ => {
                    self.visit_expr(expr);
                    return;
                }
            }
        }
        for ident in chain.into_iter().rev() {
            let line = self.line(ident);
            self.identifier(ident.id.as_str(), line);
        }
    }
}

impl<'a> SourceOrderVisitor<'a> for Walker<'_> {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        match stmt {
            Stmt::FunctionDef(function) => self.function(function),
            Stmt::ClassDef(class) => self.class(class),
            Stmt::If(branch) if self.scope.owner.is_none() && self.is_main_guard(&branch.test) => {
                self.main_guard(&branch.body, &branch.elif_else_clauses);
            }
            Stmt::Import(import) => self.import(&import.names),
            Stmt::ImportFrom(import) => self.import_from(import),
            Stmt::Assign(assign) => self.assign(&assign.targets, &assign.value),
            Stmt::AnnAssign(assign) => {
                if let (Expr::Name(name), Some(value)) = (&*assign.target, &assign.value)
                    && is_aliasable(value)
                    && !self.opens_paren(assign.annotation.end(), value.start())
                {
                    self.alias(name.id.as_str(), value);
                }
                self.visit_expr(&assign.target);
                self.visit_expr(&assign.annotation);
                if let Some(value) = &assign.value {
                    self.visit_expr(value);
                }
            }
            _ => ruff_python_ast::visitor::source_order::walk_stmt(self, stmt),
        }
    }

    fn visit_expr(&mut self, expr: &'a Expr) {
        let plus_operand = std::mem::take(&mut self.plus_operand);
        match expr {
            Expr::Call(call) => self.call(call),
            Expr::Attribute(attribute) => self.attribute(expr, attribute),
            Expr::Name(name) => {
                let line = self.line(name);
                self.identifier(name.id.as_str(), line);
            }
            expr if is_string(expr) => {
                let value = self.string_value(expr);
                let line = self.line(expr);
                self.out.string(value, line, self.scope);
                // f-string fields may hold calls.
                walk_expr(self, expr);
            }
            Expr::BinOp(bin) => {
                let plus = bin.op == Operator::Add;
                // `"ht" + "tp://" + "203.0." + "113.7"`: the joined text
                // is a literal too (split strings hide URLs).
                if plus
                    && !plus_operand
                    && let Some(joined) = self.joined_literals(expr)
                {
                    let line = self.line(expr);
                    self.out.string(joined, line, self.scope);
                }
                self.plus_operand = plus && bin.left.start() == bin.start();
                self.visit_expr(&bin.left);
                self.plus_operand = plus && !self.opens_paren(bin.left.end(), bin.right.start());
                self.visit_expr(&bin.right);
            }
            _ => walk_expr(self, expr),
        }
    }

    fn visit_identifier(&mut self, identifier: &'a Identifier) {
        let line = self.line(identifier);
        self.identifier(identifier.id.as_str(), line);
    }

    fn visit_with_item(&mut self, item: &'a WithItem) {
        // `with socket.socket(...) as s:` makes `s` stand for the value.
        if let Some(Expr::Name(name)) = item.optional_vars.as_deref()
            && is_aliasable(&item.context_expr)
            && item.context_expr.start() == item.start()
        {
            self.alias(name.id.as_str(), &item.context_expr);
        }
        self.visit_expr(&item.context_expr);
        if let Some(target) = &item.optional_vars {
            self.visit_expr(target);
        }
    }

    fn visit_except_handler(&mut self, handler: &'a ExceptHandler) {
        let ExceptHandler::ExceptHandler(clause) = handler;
        // `except socket.error as e:` reads as `as` does in `with`.
        if let (Some(kind), Some(name)) = (&clause.type_, &clause.name)
            && is_aliasable(kind)
            && !self.opens_paren(clause.start(), kind.start())
        {
            self.alias(name.id.as_str(), kind);
        }
        walk_except_handler(self, handler);
    }

    fn visit_pattern(&mut self, pattern: &'a Pattern) {
        match pattern {
            Pattern::MatchValue(value) => self.dotted_identifiers(&value.value),
            Pattern::MatchClass(class) => {
                self.dotted_identifiers(&class.cls);
                self.visit_pattern_arguments(&class.arguments);
            }
            _ => walk_pattern(self, pattern),
        }
    }
}

/// Collects the strings, inner calls, names and keywords of one call's
/// argument subtree, as the reference walk does: every string, every
/// callee called, every name and identifier read, and the keyword
/// arguments of every call inside.
struct ArgumentFacts<'w, 's> {
    walker: &'w Walker<'s>,
    call: &'w mut Call,
}

impl<'w, 's> ArgumentFacts<'w, 's> {
    fn new(walker: &'w Walker<'s>, call: &'w mut Call) -> Self {
        Self { walker, call }
    }

    fn name(&mut self, ident: &str) {
        let name = self.walker.aliases.get(ident).map_or(ident, String::as_str);
        self.call.names.push(name.to_owned());
    }
}

impl<'a> SourceOrderVisitor<'a> for ArgumentFacts<'_, '_> {
    fn visit_arguments(&mut self, arguments: &'a Arguments) {
        ruff_python_ast::visitor::source_order::walk_arguments(self, arguments);
    }

    fn visit_expr(&mut self, expr: &'a Expr) {
        match expr {
            expr if is_string(expr) => {
                self.call.strings.push(self.walker.string_value(expr));
                // `post(u, data=f"{os.environ}")`: the fields are
                // arguments too.
                walk_expr(self, expr);
            }
            Expr::Call(call) => {
                if let Some(name) = self.walker.resolve(&call.func) {
                    self.call.inner_calls.push(name);
                }
                walk_expr(self, expr);
            }
            Expr::Attribute(_) => {
                if let Some(name) = self.walker.resolve(expr) {
                    self.call.names.push(name);
                }
                walk_expr(self, expr);
            }
            Expr::Name(name) => self.name(name.id.as_str()),
            _ => walk_expr(self, expr),
        }
    }

    fn visit_keyword(&mut self, keyword: &'a Keyword) {
        if let Some(arg) = &keyword.arg {
            // The value's text as written, parentheses included.
            let text = self.walker.src[usize::from(arg.end())..usize::from(keyword.end())]
                .trim_start()
                .trim_start_matches('=')
                .trim_start();
            let text = &text[..floor_boundary(text, MAX_KEYWORD_TEXT)];
            self.call
                .keywords
                .push((arg.id.as_str().to_owned(), text.to_owned()));
        }
        walk_keyword(self, keyword);
    }

    fn visit_identifier(&mut self, identifier: &'a Identifier) {
        self.name(identifier.id.as_str());
    }
}

/// The source ranges of a string expression's parts.
fn string_parts(expr: &Expr) -> Box<dyn Iterator<Item = ruff_text_size::TextRange> + '_> {
    match expr {
        Expr::StringLiteral(s) => Box::new(s.value.iter().map(Ranged::range)),
        Expr::BytesLiteral(b) => Box::new(b.value.iter().map(Ranged::range)),
        Expr::FString(f) => Box::new(f.value.iter().map(Ranged::range)),
        Expr::TString(t) => Box::new(t.value.iter().map(Ranged::range)),
        _ => Box::new(std::iter::empty()),
    }
}

/// A string, bytes, f-string or t-string literal (implicitly
/// concatenated or not).
fn is_string(expr: &Expr) -> bool {
    matches!(
        expr,
        Expr::StringLiteral(_) | Expr::BytesLiteral(_) | Expr::FString(_) | Expr::TString(_)
    )
}

/// A string literal of one part.
fn is_single_string(expr: &Expr) -> bool {
    match expr {
        Expr::StringLiteral(s) => !s.value.is_implicit_concatenated(),
        Expr::BytesLiteral(b) => !b.value.is_implicit_concatenated(),
        Expr::FString(f) => !f.value.is_implicit_concatenated(),
        Expr::TString(t) => !t.value.is_implicit_concatenated(),
        _ => false,
    }
}

/// A single f-string (or t-string) with `{…}` fields.
fn has_fields(expr: &Expr) -> bool {
    let interpolation = |e: &ruff_python_ast::InterpolatedStringElement| e.is_interpolation();
    match expr {
        Expr::FString(f) if !f.value.is_implicit_concatenated() => {
            f.value.elements().any(interpolation)
        }
        Expr::TString(t) if !t.value.is_implicit_concatenated() => {
            t.value.elements().any(interpolation)
        }
        _ => false,
    }
}

/// Expressions an assignment's target can stand for.
fn is_aliasable(expr: &Expr) -> bool {
    matches!(expr, Expr::Name(_) | Expr::Attribute(_) | Expr::Call(_))
}
