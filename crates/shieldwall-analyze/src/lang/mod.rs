//! What a source file does, as facts the rules read: calls with their
//! resolved callee and arguments, string literals, referenced names and
//! imports, each with the stage at which it runs.
//!
//! Python is parsed by a fast AST parser when it is valid Python 3, and by
//! tree-sitter (error-tolerant, so Python 2 and broken files still give
//! facts) otherwise; JavaScript by tree-sitter; shell text (npm scripts,
//! `.sh` files) is read as command words. A cheap lexical pass decides
//! first whether a file is worth parsing at all.

/// JavaScript facts.
pub mod javascript;
/// Byte-level facts.
pub mod lexical;
mod pystr;
/// Python facts.
pub mod python;
mod walk;

use crate::model::Stage;

/// The language a file is read as.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Lang {
    /// Python source (`.py`, `.pyw`, `.pth` lines, `setup.py`).
    Python,
    /// JavaScript (`.js`, `.cjs`, `.mjs`; TypeScript is read as text).
    JavaScript,
    /// Shell or batch text (`.sh`, `.bat`, `.ps1`, npm script lines).
    Shell,
    /// Anything else: only lexical checks apply.
    Other,
}

/// A call: `subprocess.Popen([...], start_new_session=True)`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Call {
    /// The callee with import aliases resolved (`subprocess.Popen`,
    /// `child_process.spawn`, `eval`); dynamic callees keep their text.
    pub callee: String,
    /// The 1-based line of the call.
    pub line: u32,
    /// When it runs.
    pub stage: Stage,
    /// Every string literal inside the arguments, decoded.
    pub strings: Vec<String>,
    /// Every callee called inside the arguments (`exec(b64decode(...))`
    /// gives `base64.b64decode`).
    pub inner_calls: Vec<String>,
    /// Every dotted name referenced inside the arguments
    /// (`sys.executable`, `process.env`).
    pub names: Vec<String>,
    /// Keyword arguments (Python) and option-object properties
    /// (JavaScript): name and source text of the value.
    pub keywords: Vec<(String, String)>,
}

/// A string literal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Literal {
    /// The decoded value.
    pub value: String,
    /// The 1-based line.
    pub line: u32,
    /// When the code holding it runs.
    pub stage: Stage,
}

/// A dotted name referenced (read, not called): `os.environ`,
/// `process.env`, `sys.executable`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NameRef {
    /// The name with import aliases resolved.
    pub name: String,
    /// The 1-based line.
    pub line: u32,
    /// When it runs.
    pub stage: Stage,
}

/// Everything the rules need to know about one source file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Facts {
    /// Calls, in source order.
    pub calls: Vec<Call>,
    /// String literals, in source order.
    pub strings: Vec<Literal>,
    /// Dotted names referenced outside calls' callee position.
    pub names: Vec<NameRef>,
    /// Modules imported or required (`subprocess`, `child_process`,
    /// `./lib/run.js`), with the stage of the import.
    pub imports: Vec<NameRef>,
    /// Whether the parser had to recover from syntax errors.
    pub had_errors: bool,
}

impl Facts {
    /// Calls whose callee matches `pattern` (see [`callee_matches`]).
    pub fn calls_to<'a>(&'a self, pattern: &'a str) -> impl Iterator<Item = &'a Call> + 'a {
        self.calls
            .iter()
            .filter(move |c| callee_matches(&c.callee, pattern))
    }
}

/// Whether `callee` matches `pattern`: an exact dotted name
/// (`os.system`), a prefix wildcard (`subprocess.*`), or a last-component
/// match (`*.b64decode`).
pub fn callee_matches(callee: &str, pattern: &str) -> bool {
    if let Some(prefix) = pattern.strip_suffix(".*") {
        callee
            .strip_prefix(prefix)
            .is_some_and(|rest| rest.starts_with('.'))
    } else if let Some(suffix) = pattern.strip_prefix("*.") {
        callee == suffix
            || callee
                .strip_suffix(suffix)
                .is_some_and(|head| head.ends_with('.'))
    } else {
        callee == pattern
    }
}

#[cfg(test)]
mod tests {
    use super::callee_matches;

    #[test]
    fn patterns() {
        assert!(callee_matches("os.system", "os.system"));
        assert!(callee_matches("subprocess.Popen", "subprocess.*"));
        assert!(!callee_matches("subprocessx.Popen", "subprocess.*"));
        assert!(callee_matches("base64.b64decode", "*.b64decode"));
        assert!(callee_matches("b64decode", "*.b64decode"));
        assert!(!callee_matches("xb64decode", "*.b64decode"));
    }
}
