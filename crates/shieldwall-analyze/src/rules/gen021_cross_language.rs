//! # SW-GEN-021: cross-language payloads
//!
//! **What it does.** Finds code of one language started by a package of
//! another at install, startup or import: a Python package whose
//! `setup.py` or module-level code starts a `.js` file with `node`, `bun`
//! or `deno` (or starts one of those runtimes at all), an npm package
//! whose install script runs a `.py` file it ships, and PowerShell,
//! batch or VBScript files run at install. Shipping such files is not
//! reported: only running them by itself is.
//!
//! **Why is this bad.** Scanners and reviewers read a Python package as
//! Python and an npm package as JavaScript; a payload written in the
//! other language slips past both. The `lightning` 2.6.2 compromise
//! started an obfuscated JavaScript file with a Bun runtime from its
//! Python package's import.
//!
//! **Example.**
//!
//! ```python
//! # pkg/__init__.py
//! subprocess.Popen(["node", os.path.join(HERE, "_runtime", "router.js")])
//! ```
//!
//! **False positives.** Python packages ship JavaScript for web UIs,
//! documentation and Jupyter extensions, and build steps run `npm` or
//! `jlpm` from a developer's checkout: neither is a `.js` file started at
//! install or import. Shell scripts run by `setup.py` (`autogen.sh` of a
//! vendored C library) are only noted (`info`).

use std::collections::HashSet;

use shieldwall_core::Ecosystem;

use super::{Context, Emit, Rule, clip, is_spawn};
use crate::lang::Lang;
use crate::model::Severity;

pub(crate) static RULE: Rule = Rule {
    id: "SW-GEN-021",
    title: "cross-language payloads",
    source: include_str!("gen021_cross_language.rs"),
    check,
};

const JS: &[&str] = &[".js", ".cjs", ".mjs", ".ts"];
const WINDOWS: &[&str] = &[".ps1", ".bat", ".cmd", ".vbs", ".vbe", ".wsf", ".hta"];
const JS_RUNTIMES: &[&str] = &["node", "nodejs", "bun", "deno"];

/// The artifact file a script argument names, seen from `from`: relative
/// to that file's directory, to the package root, or a unique file name.
fn resolve(cx: &Context<'_>, from: &str, spec: &str) -> Option<String> {
    let spec = spec.trim_matches(['"', '\'']).trim_start_matches("./");
    let dir = from.rsplit_once('/').map_or("", |(d, _)| d);
    for base in [dir, ""] {
        let candidate = if base.is_empty() {
            spec.to_owned()
        } else {
            format!("{base}/{spec}")
        };
        if cx.artifact.file(&candidate).is_some() {
            return Some(candidate);
        }
    }
    let name = spec.rsplit('/').next().unwrap_or(spec);
    let mut matches = cx
        .artifact
        .files
        .iter()
        .filter(|f| f.path == name || f.path.ends_with(&format!("/{name}")));
    let first = matches.next()?;
    matches.next().is_none().then(|| first.path.clone())
}

fn ends_with_any(path: &str, exts: &[&str]) -> bool {
    let lower = path.to_ascii_lowercase();
    exts.iter().any(|e| lower.ends_with(e))
}

fn check(cx: &Context<'_>, out: &mut Emit<'_>) {
    // A Python sdist may also carry a `package.json` (Jupyter extensions
    // do, and so could a payload hiding from this rule): Python metadata
    // or a build script makes it a Python package.
    let python_package = cx.identity.ecosystem == Some(Ecosystem::PyPI)
        || cx.artifact.files.iter().any(|f| {
            matches!(f.path.as_str(), "setup.py" | "pyproject.toml" | "PKG-INFO")
                || (f.path.ends_with(".dist-info/METADATA") && f.path.matches('/').count() == 1)
        });
    let npm_package = !python_package && cx.plan.manifest.is_some();
    let mut seen = HashSet::new();
    for command in cx.commands() {
        if !command.stage.is_automatic() {
            continue;
        }
        for script in crate::surface::script_files(&command.text) {
            let resolved = resolve(cx, command.file, &script);
            let shown = resolved.clone().unwrap_or_else(|| script.clone());
            let (severity, what) = if python_package && ends_with_any(&script, JS) {
                if resolved.is_some() {
                    (Severity::High, "starts the JavaScript file")
                } else {
                    (Severity::Medium, "starts a JavaScript file it does not ship,")
                }
            } else if npm_package && ends_with_any(&script, &[".py"]) && resolved.is_some() {
                (Severity::Medium, "runs the Python file")
            } else if ends_with_any(&script, WINDOWS) && resolved.is_some() {
                (Severity::Medium, "runs the Windows script")
            } else if ends_with_any(&script, &[".sh", ".bash", ".command"])
                && resolved.is_some()
                && python_package
            {
                (Severity::Info, "runs the shell script")
            } else {
                continue;
            };
            if !seen.insert(shown.clone()) {
                continue;
            }
            let package = if python_package {
                "a Python package"
            } else if npm_package {
                "an npm package"
            } else {
                "the package"
            };
            out.finding(
                severity,
                command.stage,
                command.file,
                command.line,
                format!("{package} {what} `{shown}`: `{}`", clip(&command.text, 100)),
            );
        }
    }
    if !python_package {
        return;
    }
    // Python code starting a JavaScript runtime or a .js file, however
    // the command line is put together (`[BUN, "run", path]`).
    for file in cx.code_files().filter(|f| f.lang == Lang::Python) {
        let Some(facts) = &file.facts else { continue };
        for call in facts
            .calls
            .iter()
            .filter(|c| c.stage.is_automatic() && is_spawn(&c.callee))
        {
            let script = call
                .strings
                .iter()
                .find(|s| ends_with_any(s, JS) && !s.contains(char::is_whitespace));
            let runtime = call.strings.iter().find(|s| {
                let program = s.rsplit(['/', '\\']).next().unwrap_or(s);
                let program = program.strip_suffix(".exe").unwrap_or(program);
                JS_RUNTIMES.contains(&program)
            });
            let (severity, message) = match (script, runtime) {
                (Some(script), _) => match resolve(cx, &file.path, script) {
                    Some(path) => {
                        if !seen.insert(path.clone()) {
                            continue;
                        }
                        (
                            Severity::High,
                            format!("a Python package starts the JavaScript file `{path}` with `{}`", call.callee),
                        )
                    }
                    None => {
                        if !seen.insert(script.clone()) {
                            continue;
                        }
                        (
                            Severity::Medium,
                            format!("a Python package starts a JavaScript file it does not ship, `{script}`, with `{}`", call.callee),
                        )
                    }
                },
                (None, Some(runtime)) => {
                    if !seen.insert(format!("runtime:{}", file.path)) {
                        continue;
                    }
                    (
                        Severity::Medium,
                        format!("a Python package starts the JavaScript runtime `{runtime}` with `{}`", call.callee),
                    )
                }
                (None, None) => continue,
            };
            out.finding(severity, call.stage, &file.path, Some(call.line), message);
        }
    }
}
