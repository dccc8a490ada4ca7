//! `.pth` files in every site-packages directory: Python runs each line
//! that starts with `import` at every interpreter start-up. An `import` line
//! that spawns a process, runs code, decodes a payload or opens the network
//! is how the litellm 1.82.8 compromise persisted. Legitimate ones
//! (setuptools' `distutils-precedence.pth`, `_virtualenv.pth`,
//! `__editable__` finders) only import a module and call it.

use std::path::Path;

use crate::checks::{file_strings, generic};
use crate::model::{Hit, HitKind};
use crate::scope::Scope;

/// What an `import` line must not do at start-up (lowercase).
const TOKENS: &[&str] = &[
    "subprocess",
    "popen",
    "os.system",
    "os.exec",
    "os.spawn",
    "exec(",
    "eval(",
    "compile(",
    "base64",
    "b64decode",
    "codecs.decode",
    "zlib",
    "marshal",
    "urllib",
    "urlopen",
    "http.client",
    "socket",
    "pty.",
];

/// Checks the `.pth` files of every site-packages directory.
pub(crate) fn check(scope: &Scope, site_packages: &[std::path::PathBuf]) -> Vec<Hit> {
    let mut hits = Vec::new();
    for dir in site_packages {
        for path in scope.list(dir) {
            if path.extension().is_some_and(|e| e == "pth") && path.is_file() {
                hits.extend(check_file(scope, &path));
            }
        }
    }
    hits
}

fn check_file(scope: &Scope, path: &Path) -> Vec<Hit> {
    let Some(text) = scope.read_text(path) else {
        return Vec::new();
    };
    let shown = scope.show(path);
    let mut hits = file_strings(scope, HitKind::Pth, &shown, &text);
    for (n, line) in text.lines().enumerate() {
        if let Some(found) = suspicious(line) {
            hits.push(generic(
                HitKind::Pth,
                shown.clone(),
                format!("line {}: an `import` line that uses {}", n + 1, found.join(", ")),
                "a `.pth` line starting with `import` runs at every Python start-up; this one spawns, executes, decodes or connects",
            ));
        }
    }
    hits
}

/// The dangerous tokens of an executable `.pth` line, if any.
fn suspicious(line: &str) -> Option<Vec<&'static str>> {
    let trimmed = line.trim_start();
    if !(trimmed.starts_with("import ") || trimmed.starts_with("import\t")) {
        return None;
    }
    let lower = trimmed.to_lowercase();
    let found: Vec<&str> = TOKENS
        .iter()
        .copied()
        .filter(|t| lower.contains(t))
        .collect();
    (!found.is_empty()).then_some(found)
}

#[cfg(test)]
mod tests {
    use super::suspicious;

    #[test]
    fn legitimate_pth_lines_pass() {
        for line in [
            "import os; var = 'SETUPTOOLS_USE_DISTUTILS'; enabled = os.environ.get(var, 'local') == 'local'; enabled and __import__('_distutils_hack').add_shim(); ",
            "import _virtualenv",
            "import __editable___demo_0_1_finder; __editable___demo_0_1_finder.install()",
            "/home/me/src/project",
            "# import subprocess in a comment",
            "import sys, types, os;has_mfs = sys.version_info > (3, 5);p = os.path.join(sys._getframe(1).f_locals['sitedir'], *('zope',))",
        ] {
            assert_eq!(suspicious(line), None, "{line}");
        }
    }

    #[test]
    fn executing_lines_are_caught() {
        for line in [
            "import os, subprocess, sys; subprocess.Popen([sys.executable, '-c', 'print(1)'])",
            "import base64; exec(base64.b64decode('cHJpbnQoMSk='))",
            "import os; os.system('true')",
            "import urllib.request as u; u.urlopen('http://192.0.2.1/')",
        ] {
            assert!(suspicious(line).is_some(), "{line}");
        }
    }
}
