//! # SW-GEN-002: process spawning
//!
//! **What it does.** Finds code that starts processes, and marks the
//! forms that hide what they start: detached children
//! (`start_new_session=True`, `preexec_fn=os.setsid`, `detached: true`,
//! `.unref()`, `nohup`, `setsid`, a trailing `&`, Windows
//! `DETACHED_PROCESS` or `CREATE_NO_WINDOW`), output thrown away, and a
//! re-run of the current interpreter (`sys.executable`,
//! `process.execPath`) on a file in a temporary directory.
//!
//! **Why is this bad.** A payload started detached outlives the install
//! or the import that started it and leaves no output behind; mistralai
//! 2.4.6 and lightning 2.6.2 both started their stealer that way.
//!
//! **Example.**
//!
//! ```python
//! subprocess.Popen([sys.executable, "/tmp/transformers.pyz"], start_new_session=True,
//!                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
//! ```
//!
//! **False positives.** Build steps in `setup.py` (`git`, compilers,
//! `cmake`) are `low`; process spawning inside functions (command-line
//! tools, test helpers) is `low` unless detached.

use super::{Context, Emit, Rule, SPAWN_CALLEES, clip};
use crate::lang::{Call, callee_matches};
use crate::model::{Severity, Stage};

pub(crate) static RULE: Rule = Rule {
    id: "SW-GEN-002",
    title: "process spawning",
    source: include_str!("gen002_process_spawn.rs"),
    check,
};

/// Programs a build runs as a matter of course.
const BUILD_TOOLS: &[&str] = &[
    "git", "gcc", "g++", "cc", "c++", "clang", "cmake", "make", "ninja", "pkg-config", "cython", "swig", "nvcc",
    "cl", "cl.exe", "xcrun", "uname", "sw_vers", "lsb_release", "ldconfig", "hg", "svn", "rustc", "cargo", "go",
    "node-gyp", "npm", "where", "which", "llvm-config", "pg_config", "mysql_config", "gfortran", "meson", "autoreconf",
];

fn check(cx: &Context<'_>, out: &mut Emit<'_>) {
    for file in cx.code_files() {
        let Some(facts) = &file.facts else { continue };
        let text = file.text.as_deref().unwrap_or("");
        let mut best: Option<(Severity, &Call, String)> = None;
        for call in facts.calls.iter().filter(|c| SPAWN_CALLEES.iter().any(|p| callee_matches(&c.callee, p))) {
            let (severity, what) = judge(call, text);
            if best.as_ref().is_none_or(|(s, c, _)| (severity, std::cmp::Reverse(call.stage)) > (*s, std::cmp::Reverse(c.stage))) {
                best = Some((severity, call, what));
            }
        }
        if let Some((severity, call, what)) = best
            && severity > Severity::Info
        {
            out.finding(severity, call.stage, &file.path, Some(call.line), what);
        }
    }
    for command in cx.commands().iter().filter(|c| c.file == "package.json" || c.file.ends_with(".gyp")) {
        if command.stage == Stage::Install && detached_shell(&command.text) {
            out.finding(
                Severity::High,
                command.stage,
                command.file,
                command.line,
                format!("starts a detached process: `{}`", clip(&command.text, 100)),
            );
        }
    }
}

/// How bad one spawning call is, and why.
fn judge(call: &Call, text: &str) -> (Severity, String) {
    let args = call.strings.join(" ");
    let shown = if args.is_empty() { String::new() } else { format!(" `{}`", clip(&args, 80)) };
    let detached = call.keywords.iter().any(|(k, v)| {
        (k == "start_new_session" && v == "True")
            || (k == "preexec_fn" && v.contains("setsid"))
            || (k == "detached" && v == "true")
            || (k == "creationflags" && (v.contains("DETACHED") || v.contains("NO_WINDOW") || v.contains("0x08000000") || v.contains("0x00000008")))
    }) || detached_shell(&args)
        || (callee_matches(&call.callee, "child_process.*") && text.contains(".unref()"));
    let silenced = call.keywords.iter().filter(|(k, v)| (k == "stdout" || k == "stderr") && v.contains("DEVNULL")).count() == 2
        || call.keywords.iter().any(|(k, v)| k == "stdio" && v.contains("ignore"));
    let reexec = call.names.iter().any(|n| n == "sys.executable" || n == "process.execPath" || n == "process.argv")
        && call.strings.iter().any(|s| is_temp_path(s))
        || call.strings.iter().any(|s| s.ends_with(".pyz") || s.ends_with(".exe") && is_temp_path(s));
    let program = call.strings.first().map(|s| s.split_whitespace().next().unwrap_or("")).unwrap_or("");
    let program = program.rsplit(['/', '\\']).next().unwrap_or(program);
    let build_tool = BUILD_TOOLS.contains(&program) || (call.strings.is_empty() && call.names.iter().any(|n| n.contains("cmd")));
    let automatic = call.stage.is_automatic();
    if reexec {
        let severity = if automatic { Severity::Critical } else { Severity::High };
        return (severity, format!("re-runs an interpreter on a temporary file with `{}`{shown}", call.callee));
    }
    if detached {
        let quiet = if silenced { ", output discarded" } else { "" };
        let severity = if automatic { Severity::High } else { Severity::Medium };
        return (severity, format!("starts a detached process{quiet} with `{}`{shown}", call.callee));
    }
    if !automatic {
        return (Severity::Info, String::new());
    }
    if build_tool {
        return (Severity::Low, format!("runs a build tool with `{}`{shown}", call.callee));
    }
    let severity = if silenced { Severity::High } else { Severity::Medium };
    (severity, format!("starts a process with `{}`{shown}", call.callee))
}

fn detached_shell(command: &str) -> bool {
    let lower = command.to_ascii_lowercase();
    let trimmed = lower.trim_end();
    lower.contains("nohup ")
        || lower.starts_with("setsid ")
        || lower.contains(" setsid ")
        || lower.contains("start /b")
        || lower.contains("disown")
        || (trimmed.ends_with('&') && !trimmed.ends_with("&&"))
        || lower.contains("pythonw")
}

fn is_temp_path(s: &str) -> bool {
    let lower = s.to_ascii_lowercase();
    lower.starts_with("/tmp/") || lower.starts_with("/var/tmp/") || lower.contains("\\temp\\") || lower.contains("appdata")
}
