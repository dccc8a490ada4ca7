//! Python facts: calls with callees resolved through imports and aliases
//! (`import subprocess as sp`, `from os import system`,
//! `__import__('os').system`), string literals, referenced names
//! (`os.environ`, `sys.executable`) and imports, each in the scope that
//! decides its stage.
//!
//! Two parsers give the same facts. Valid Python 3 of bounded nesting is
//! read by a fast recursive-descent parser ([`ast`]); everything else
//! (Python 2, syntax errors, hostile nesting) by tree-sitter ([`tree`]),
//! which recovers from errors and does not recurse.

mod ast;
mod nesting;
mod tree;

use super::Facts;
use crate::model::Stage;

/// Longest source text kept for a keyword argument's value.
const MAX_KEYWORD_TEXT: usize = 200;
/// Deepest attribute chain resolved.
const MAX_CHAIN: usize = 64;
/// The most pieces of a `+` chain of literals joined into one.
const MAX_JOINED_PARTS: usize = 256;
/// Builtins worth following through an alias (`e = exec`).
const DANGEROUS_BUILTINS: &[&str] = &["exec", "eval", "compile", "__import__", "getattr", "open"];

/// Which parser reads a file, for comparing the two.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Parser {
    /// The recursive-descent parser, which takes only valid Python 3 of
    /// bounded nesting.
    Ast,
    /// Tree-sitter, which takes everything: the reference walk.
    TreeSitter,
}

/// The facts of Python `source`. Code at module scope (and in the
/// functions module scope reaches) gets `load`; with `whole_file`, all of
/// it does (a script such as `setup.py` or a `.pth` line).
pub fn analyze(source: &str, load: Stage, whole_file: bool) -> Facts {
    ast::analyze(source, load, whole_file)
        .unwrap_or_else(|| tree::analyze(source, load, whole_file))
}

/// [`analyze`] with one parser only: `None` when it does not take the
/// file (the AST parser refuses syntax errors and deep nesting).
pub fn analyze_with(parser: Parser, source: &str, load: Stage, whole_file: bool) -> Option<Facts> {
    match parser {
        Parser::Ast => ast::analyze(source, load, whole_file),
        Parser::TreeSitter => Some(tree::analyze(source, load, whole_file)),
    }
}

/// Records `from module import imported as local` (`module` as written,
/// with its leading dots; `local` empty when unknown): the imports that
/// reach the module and the name, and the alias `local` → the dotted
/// name it stands for (absolute imports only).
fn from_import(
    out: &mut super::walk::Collector,
    aliases: &mut std::collections::HashMap<String, String>,
    [module, imported, local]: [&str; 3],
    line: u32,
    scope: super::walk::Scope,
) {
    let base = module.trim_start_matches('.');
    let full = if base.is_empty() {
        imported.to_owned()
    } else {
        format!("{base}.{imported}")
    };
    if module.starts_with('.') {
        // Relative: the module path as written, for reachability.
        let joined = if module.ends_with('.') {
            format!("{module}{imported}")
        } else {
            format!("{module}.{imported}")
        };
        out.import(joined, line, scope);
        out.import(module.to_owned(), line, scope);
    } else {
        out.import(full.clone(), line, scope);
        if !local.is_empty() {
            aliases.insert(local.to_owned(), full);
        }
    }
}

/// The owner of the code of a function `name` defined in `scope`: the
/// top-level function around it, else the method group of the class
/// whose body holds it (constructors share the class's own key), else
/// the function itself.
fn function_owner(
    out: &mut super::walk::Collector,
    scope: super::walk::Scope,
    class: Option<&str>,
    name: &str,
) -> u32 {
    match (scope.owner, class) {
        (Some(owner), _) => owner,
        (None, Some(class)) if is_constructor(name) => out.owner(class),
        (None, Some(class)) => out.owner(&format!("{class}.{name}")),
        (None, None) => out.owner(name),
    }
}

/// Methods that run when a class is instantiated.
fn is_constructor(name: &str) -> bool {
    matches!(
        name,
        "__init__" | "__new__" | "__post_init__" | "__call__" | "__enter__" | "__del__"
    )
}

/// The largest char boundary of `text` at or below `max`.
pub(crate) fn floor_boundary(text: &str, max: usize) -> usize {
    if text.len() <= max {
        return text.len();
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    end
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The facts of `src` from both parsers, which must agree.
    fn facts(src: &str) -> Facts {
        let tree = analyze_with(Parser::TreeSitter, src, Stage::Import, false)
            .expect("tree-sitter takes every file");
        let ast = analyze_with(Parser::Ast, src, Stage::Import, false)
            .expect("the AST parser takes valid Python 3");
        assert_eq!(tree, ast, "the two parsers disagree on:\n{src}");
        ast
    }

    fn stage_of(f: &Facts, callee: &str) -> Option<Stage> {
        f.calls.iter().find(|c| c.callee == callee).map(|c| c.stage)
    }

    #[test]
    fn resolves_aliases_and_dynamic_imports() {
        let f = facts(
            "import subprocess as sp\nfrom os import system as s\nimport urllib.request\n\
             sp.Popen(['x'], start_new_session=True)\ns('id')\n__import__('os').popen('id')\n\
             urllib.request.urlopen('http://1.2.3.4/x').read()\n",
        );
        let callees: Vec<_> = f.calls.iter().map(|c| c.callee.as_str()).collect();
        assert!(callees.contains(&"subprocess.Popen"), "{callees:?}");
        assert!(callees.contains(&"os.system"));
        assert!(callees.contains(&"os.popen"));
        assert!(callees.contains(&"urllib.request.urlopen.read"));
        assert!(callees.contains(&"urllib.request.urlopen"));
        let popen = f
            .calls
            .iter()
            .find(|c| c.callee == "subprocess.Popen")
            .unwrap();
        assert_eq!(
            popen.keywords,
            vec![("start_new_session".into(), "True".into())]
        );
        assert_eq!(popen.strings, vec!["x".to_owned()]);
    }

    #[test]
    fn stages_follow_module_scope_and_calls() {
        let f = facts(
            "import os\ndef _bg():\n    os.system('a')\ndef unused():\n    os.system('b')\n\
             class K:\n    def __init__(self):\n        os.popen('c')\n    def m(self):\n        os.spawnl('d')\n\
             _bg()\nk = K()\nif __name__ == '__main__':\n    os.execv('e', [])\n",
        );
        let system: Vec<_> = f
            .calls
            .iter()
            .filter(|c| c.callee == "os.system")
            .map(|c| c.stage)
            .collect();
        assert_eq!(system, vec![Stage::Import, Stage::Runtime]);
        assert_eq!(stage_of(&f, "os.popen"), Some(Stage::Import));
        assert_eq!(stage_of(&f, "os.spawnl"), Some(Stage::Runtime));
        assert_eq!(stage_of(&f, "os.execv"), Some(Stage::Runtime));
    }

    #[test]
    fn sockets_resolve_through_with_and_tls() {
        let f = facts(
            "import socket, ssl\nwith socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:\n    s.sendto(b'x', ('h', 53))\n\
             ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)\nt = ctx.wrap_socket(socket.socket(), server_hostname='h')\nt.connect(('h', 443))\n",
        );
        assert_eq!(stage_of(&f, "socket.socket.sendto"), Some(Stage::Import));
        assert_eq!(stage_of(&f, "socket.socket.connect"), Some(Stage::Import));
    }

    #[test]
    fn fstring_fields_hold_calls_and_names() {
        let f = facts(
            "import os, json\ndata = (\"x\"\n    f\"{dict(os.environ).keys()}\"\n    f\"{os.uname()}\")\n\
             print(f\"{json.dumps(os.getcwd())}\")\n",
        );
        let dict = f
            .calls
            .iter()
            .find(|c| c.callee == "dict")
            .expect("dict() inside a concatenated f-string");
        assert!(
            dict.names.iter().any(|n| n == "os.environ"),
            "{:?}",
            dict.names
        );
        assert_eq!(stage_of(&f, "os.uname"), Some(Stage::Import));
        let print = f.calls.iter().find(|c| c.callee == "print").unwrap();
        assert!(
            print.inner_calls.iter().any(|c| c == "json.dumps"),
            "{:?}",
            print.inner_calls
        );
        assert!(print.inner_calls.iter().any(|c| c == "os.getcwd"));
        let f = facts(
            "u = \"ht\" + \"tp\" + \":\" + \"//\" + \"203.0\" + \".113.7\" + \"/x\"\nv = \"a\" + name\n",
        );
        let joined: Vec<_> = f
            .strings
            .iter()
            .map(|s| s.value.as_str())
            .filter(|s| s.len() > 6)
            .collect();
        assert_eq!(joined, vec!["http://203.0.113.7/x"]);
        let f =
            facts("import os\nenv = \"\\n\".join(f\"{k}={v}\" for k, v in os.environ.items())\n");
        let join = f
            .calls
            .iter()
            .find(|c| c.callee == "str.join")
            .expect("a string method resolves");
        assert!(join.inner_calls.iter().any(|c| c == "os.environ.items"));
    }

    #[test]
    fn thread_targets_run_at_load() {
        let f = facts(
            "import threading, subprocess\ndef run():\n    subprocess.Popen('x')\n\
             threading.Thread(target=run).start()\n",
        );
        assert_eq!(stage_of(&f, "subprocess.Popen"), Some(Stage::Import));
    }

    #[test]
    fn exec_of_decoded_data() {
        let f = facts("import base64, zlib\nexec(zlib.decompress(base64.b64decode('eJw=')))\n");
        let exec = f.calls.iter().find(|c| c.callee == "exec").unwrap();
        assert!(exec.inner_calls.contains(&"zlib.decompress".to_owned()));
        assert!(exec.inner_calls.contains(&"base64.b64decode".to_owned()));
    }

    #[test]
    fn python2_and_broken_code_still_give_facts() {
        let facts = |src: &str| {
            assert!(analyze_with(Parser::Ast, src, Stage::Import, false).is_none());
            analyze(src, Stage::Import, false)
        };
        let f = facts("import os\nprint 'hi'\nexec 'x=1'\nos.system('id')\n");
        assert!(f.calls.iter().any(|c| c.callee == "os.system"));
        assert!(f.calls.iter().any(|c| c.callee == "exec"));
        let f = facts("import os\ndef broken(:\nos.system('id')\n");
        assert!(f.had_errors);
        assert!(f.calls.iter().any(|c| c.callee == "os.system"));
    }

    #[test]
    fn names_and_strings() {
        let f = facts("import os, sys\nx = os.environ\ny = sys.executable\nz = 'a' 'b'\n");
        let names: Vec<_> = f.names.iter().map(|n| n.name.as_str()).collect();
        assert!(names.contains(&"os.environ") && names.contains(&"sys.executable"));
        assert!(f.strings.iter().any(|s| s.value == "ab"));
    }

    #[test]
    fn subscripted_builtins() {
        let f = facts("globals()['eval']('1')\n__builtins__.__dict__['exec']('x')\n");
        let callees: Vec<_> = f.calls.iter().map(|c| c.callee.as_str()).collect();
        assert!(callees.contains(&"globals.eval"), "{callees:?}");
        assert!(
            callees.contains(&"__builtins__.__dict__.exec"),
            "{callees:?}"
        );
    }

    #[test]
    fn deep_nesting_does_not_overflow() {
        let src = format!("x = {}1{}\n", "(".repeat(50_000), ")".repeat(50_000));
        let _ = analyze(&src, Stage::Import, false);
        let src = format!("x = {}\n", "a.".repeat(100_000) + "b");
        let _ = analyze(&src, Stage::Import, false);
    }

    /// The largest `n` for which `make(n)` passes the nesting check.
    fn deepest(make: &dyn Fn(usize) -> String) -> usize {
        let mut n = 1;
        while nesting::shallow(&make(n + 1)) {
            n += 1;
            assert!(n < 1_000, "no bound on {}", make(2));
        }
        n
    }

    #[test]
    fn parentheses_read_as_the_reference_walk_reads_them() {
        let f = facts("u = (\"ht\" + \"tp\") + \"://x\"\n");
        let values: Vec<_> = f.strings.iter().map(|s| s.value.as_str()).collect();
        assert!(
            values.contains(&"http://x") && values.contains(&"http"),
            "{values:?}"
        );
        let f = facts("import os\nx = (os.system)\nx('id')\nf(k=(1), j = 2)\n");
        assert!(f.calls.iter().any(|c| c.callee == "x"));
        let call = f.calls.iter().find(|c| c.callee == "f").unwrap();
        assert_eq!(
            call.keywords,
            vec![("k".into(), "(1)".into()), ("j".into(), "2".into())]
        );
        let f = facts("x['a', 'b'].c()\n");
        assert_eq!(f.calls[0].callee, "x.a.c");
    }

    #[test]
    fn aliases_through_except_and_chained_assignment() {
        let f = facts(
            "import socket, os\ntry:\n    pass\nexcept socket.error as e:\n    e.args\n\
             a = b = os.system\nb('x')\na('y')\n",
        );
        let names: Vec<_> = f.names.iter().map(|n| n.name.as_str()).collect();
        assert!(names.contains(&"socket.error.args"), "{names:?}");
        let callees: Vec<_> = f.calls.iter().map(|c| c.callee.as_str()).collect();
        assert_eq!(callees, vec!["os.system", "a"]);
    }

    #[test]
    fn lookalike_identifiers_read_as_python_reads_them() {
        // Python folds identifiers to NFKC: `𝐨𝐬` is `os`.
        let src = "import os\n\u{1d428}\u{1d42c}.system('id')\n";
        let f = analyze(src, Stage::Import, false);
        assert!(
            f.calls.iter().any(|c| c.callee == "os.system"),
            "{:?}",
            f.calls
        );
    }

    #[test]
    fn deepest_accepted_inputs_fit_a_small_stack() {
        let nested = |open: &'static str, core: &'static str, close: &'static str| {
            move |n: usize| format!("x = {}{core}{}\n", open.repeat(n), close.repeat(n))
        };
        let makers: Vec<Box<dyn Fn(usize) -> String + Send + Sync>> = vec![
            Box::new(nested("(", "1", ")")),
            Box::new(nested("[", "1", "]")),
            Box::new(nested("{1: ", "1", "}")),
            Box::new(nested("f(", "1", ")")),
            Box::new(nested("a[", "1", "]")),
            Box::new(nested("(-", "1", ")")),
            Box::new(nested("-", "1", "")),
            Box::new(nested("not ", "y", "")),
            Box::new(nested("~", "y", "")),
            Box::new(nested("lambda: ", "y", "")),
            Box::new(nested("[lambda a=1, b=2: ", "y", "]")),
            Box::new(nested("2 ** ", "1", "")),
            Box::new(nested("a if b else ", "1", "")),
            Box::new(nested("await ", "y", "")),
            Box::new(nested("*", "y", "")),
            Box::new(nested("f\"{", "1", "}\"")),
            Box::new(nested("(yield ", "1", ")")),
            Box::new(nested("a.", "b", "")),
            Box::new(nested("", "a", "()")),
            Box::new(nested("", "a", "[1]")),
            Box::new(nested("", "a", " + 'x'")),
            Box::new(nested("", "a", " | b")),
            Box::new(|n: usize| {
                let mut src = String::new();
                for i in 0..n {
                    src += &format!("{}def f{i}(a=(1)):\n", "    ".repeat(i));
                }
                src + &"    ".repeat(n) + "return os.system('x')\n"
            }),
            Box::new(|n: usize| {
                let mut src = String::new();
                for i in 0..n / 2 {
                    src += &format!("{}if x:\n", "    ".repeat(i));
                }
                let depth = n / 2;
                src + &"    ".repeat(depth)
                    + &format!("y = {}1{}\n", "(-".repeat(n - depth), ")".repeat(n - depth))
            }),
        ];
        let worker = std::thread::Builder::new()
            .stack_size(2 << 20)
            .spawn(move || {
                let mut taken = 0;
                for make in &makers {
                    let n = deepest(make.as_ref());
                    assert!(n >= 20, "real nesting must pass: {}", make(2));
                    let src = make(n);
                    if analyze_with(Parser::Ast, &src, Stage::Import, false).is_some() {
                        taken += 1;
                    }
                    let _ = analyze(&src, Stage::Import, false);
                }
                taken
            })
            .expect("a thread");
        let taken = worker.join().expect("no stack overflow");
        assert!(
            taken >= 15,
            "the AST parser took only {taken} of the deep inputs"
        );
    }
}
