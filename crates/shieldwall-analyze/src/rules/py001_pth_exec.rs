//! # SW-PY-001: .pth files that execute
//!
//! **What it does.** Reads every `.pth` file that lands in
//! site-packages (the root of a wheel, a `*.data/purelib` or `platlib`
//! directory, the root of an sdist) and looks at its `import` lines,
//! which Python runs at every interpreter start. Lines that start a
//! process, run `exec`/`eval`, decode base64 or compressed data, or talk
//! to the network are `critical`, as is a line that starts `node` on a
//! shipped `.js` file; other executable lines that do more than import a
//! module are `medium`; the well-known harmless forms (setuptools'
//! `distutils-precedence.pth`, virtualenv's `_virtualenv.pth`,
//! coverage's and pytest-cov's hooks, editable-install finders,
//! namespace-package `-nspkg.pth` files) are left alone.
//!
//! **Why is this bad.** A `.pth` line runs in every Python process on
//! the machine, long after the install and whether or not the package
//! is ever imported. litellm 1.82.8 shipped `litellm_init.pth`, which
//! started a Python process on an embedded base64 payload every time
//! Python started.
//!
//! **Example.**
//!
//! ```text
//! # pkg_init.pth
//! import subprocess, sys; subprocess.Popen([sys.executable, "-c", "import base64; exec(base64.b64decode('...'))"])
//! ```
//!
//! **False positives.** Tools that hook interpreter start on purpose
//! (coverage, debuggers, tracers) import their own module from a short
//! line; such lines weigh nothing or `low`. A tracer whose `.pth` line
//! itself spawns processes is reported.

use super::{Context, Emit, Rule, clip};
use crate::model::{Severity, Stage};

pub(crate) static RULE: Rule = Rule {
    id: "SW-PY-001",
    title: ".pth files that execute",
    source: include_str!("py001_pth_exec.rs"),
    check,
};

/// Tokens that make an executable `.pth` line malicious on its own.
const DANGEROUS: &[&str] = &[
    "subprocess",
    "os.system",
    "popen",
    "Popen",
    "spawn",
    "os.exec",
    "b64decode",
    "base64",
    "b32decode",
    "a85decode",
    "fromhex",
    "unhexlify",
    "marshal",
    "zlib",
    "bz2",
    "lzma",
    "codecs.decode",
    "urlopen",
    "urllib",
    "urlretrieve",
    "requests",
    "http.client",
    "httpx",
    "socket",
    "ctypes",
    "node ",
    "\"node\"",
    "'node'",
    "curl",
    "wget",
    "/tmp/",
    "chmod",
    "threading",
    "multiprocessing",
];

/// Known harmless `.pth` file names.
fn known_harmless(name: &str) -> bool {
    name == "distutils-precedence.pth"
        || name == "_virtualenv.pth"
        || name.starts_with("__editable__")
        || name.starts_with("_editable_impl_")
        || name.ends_with("-nspkg.pth")
        || name.contains("coverage")
        || name == "pytest-cov.pth"
        || name == "pywin32.pth"
}

/// A known harmless line: `import x`, `import x; x.y()` with a plain
/// module, the setuptools shim, the editable finder hook.
fn harmless_line(line: &str) -> bool {
    let l = line.trim();
    let plain_import = l
        .strip_prefix("import ")
        .is_some_and(|rest| rest.split(',').all(|m| is_dotted(m.trim())));
    plain_import
        || l.contains("_distutils_hack")
        || l.contains("coverage.process_startup")
        || (l.contains("__editable__") && l.contains(".install("))
}

fn is_dotted(name: &str) -> bool {
    !name.is_empty()
        && name
            .split('.')
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_alphanumeric() || c == '_'))
}

/// The severity of an executable `.pth` line and why.
pub(crate) fn judge_line(line: &str, shipped_js: &[&str]) -> Option<(Severity, String)> {
    if !(line.starts_with("import ") || line.starts_with("import\t")) {
        return None;
    }
    if let Some(js) = shipped_js
        .iter()
        .find(|js| line.contains(**js) && line.contains("node"))
    {
        return Some((
            Severity::Critical,
            format!("starts `node` on the shipped `{js}` at every interpreter start"),
        ));
    }
    let found: Vec<&str> = DANGEROUS
        .iter()
        .copied()
        .filter(|t| line.contains(t))
        .collect();
    let runs_text = line.contains("exec(") || line.contains("eval(") || line.contains("compile(");
    if !found.is_empty() {
        return Some((
            Severity::Critical,
            format!(
                "runs `{}` at every interpreter start: `{}`",
                found.join("`, `").trim(),
                clip(line, 120)
            ),
        ));
    }
    if harmless_line(line) {
        return None;
    }
    if runs_text {
        return Some((
            Severity::Medium,
            format!("runs `exec`/`eval` at every interpreter start: `{}`", clip(line, 120)),
        ));
    }
    if line.len() > 400 {
        return Some((
            Severity::Medium,
            format!("a {}-byte line of code runs at every interpreter start", line.len()),
        ));
    }
    Some((
        Severity::Low,
        format!("runs code at every interpreter start: `{}`", clip(line, 120)),
    ))
}

fn check(cx: &Context<'_>, out: &mut Emit<'_>) {
    let shipped_js: Vec<&str> = cx
        .files
        .iter()
        .filter(|f| f.path.ends_with(".js") || f.path.ends_with(".cjs") || f.path.ends_with(".mjs"))
        .map(|f| f.path.rsplit('/').next().unwrap_or(&f.path))
        .collect();
    for file in cx.files.iter().filter(|f| f.path.ends_with(".pth")) {
        if file.role.as_ref().is_none_or(|r| r.stage != Stage::Startup) {
            continue;
        }
        let Some(text) = &file.text else { continue };
        let name = file.path.rsplit('/').next().unwrap_or(&file.path);
        let mut best: Option<(Severity, u32, String)> = None;
        for (n, line) in text.lines().enumerate() {
            let Some((severity, why)) = judge_line(line, &shipped_js) else { continue };
            let severity = if known_harmless(name) && severity < Severity::Critical {
                continue;
            } else {
                severity
            };
            if best.as_ref().is_none_or(|(s, _, _)| severity > *s) {
                best = Some((severity, n as u32 + 1, why));
            }
        }
        if let Some((severity, line, why)) = best {
            out.finding(severity, Stage::Startup, &file.path, Some(line), format!("`{name}` {why}"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::judge_line;
    use crate::model::Severity;

    #[test]
    fn lines() {
        let bad = "import subprocess, sys; subprocess.Popen([sys.executable, '-c', 'x'])";
        assert_eq!(judge_line(bad, &[]).unwrap().0, Severity::Critical);
        assert!(judge_line("import _virtualenv", &[]).is_none());
        assert!(judge_line("/usr/lib/extra", &[]).is_none());
        let shim = "import os; var = 'SETUPTOOLS_USE_DISTUTILS'; enabled = os.environ.get(var, 'local') == 'local'; enabled and __import__('_distutils_hack').add_shim(); ";
        assert!(judge_line(shim, &[]).is_none());
        let node = "import os; os.system('node hook.js &')";
        assert_eq!(judge_line(node, &["hook.js"]).unwrap().0, Severity::Critical);
        assert_eq!(judge_line("import tracer; tracer.start()", &[]).unwrap().0, Severity::Low);
    }
}
