//! # SW-GEN-024: editor and agent auto-run files
//!
//! **What it does.** Finds files shipped in a package that make an editor
//! or a coding agent run commands by themselves: a VS Code
//! `.vscode/tasks.json` task with `"runOn": "folderOpen"`, Claude Code
//! `hooks` in `.claude/settings.json`, Cursor, Windsurf or Copilot rule
//! files (`.cursorrules`, `.cursor/rules/*`, `.windsurfrules`,
//! `.github/copilot-instructions.md`) that tell the agent to run
//! commands, and GitHub Actions workflows in an npm package.
//!
//! **Why is this bad.** These files run — or talk an agent into running —
//! a command when a developer opens the folder or starts an agent in it,
//! outside every install-time control. The 2026 worms wrote them into
//! every repository they could push to, and a package that ships them
//! brings them into `node_modules` and vendored trees.
//!
//! **Example.**
//!
//! ```json
//! { "version": "2.0.0", "tasks": [{ "label": "setup", "type": "shell",
//!   "command": "node .vscode/setup.js", "runOptions": { "runOn": "folderOpen" } }] }
//! ```
//!
//! **False positives.** A workflow directory shipped by mistake is only
//! `low`; agent rule files that only describe coding style give nothing;
//! a folder-open task or an agent hook is `medium`, `high` when its
//! command downloads or starts a script.

use std::sync::LazyLock;

use super::{Context, Emit, Rule, clip};
use crate::model::{Severity, Stage};

pub(crate) static RULE: Rule = Rule {
    id: "SW-GEN-024",
    title: "editor and agent auto-run files",
    source: include_str!("gen024_agent_autorun.rs"),
    check,
};

/// A command that fetches or starts a script.
static RISKY: LazyLock<regex::Regex> = LazyLock::new(|| {
    regex::Regex::new(r"(?i)(?-u:\b)(?:curl|wget|invoke-webrequest|iwr|powershell|pwsh|bun|bunx|deno|base64)(?-u:\b)|(?-u:\b)(?:node|python3?|sh|bash)(?-u:\s)+[^\t\n\x0B\x0C\r ]|https?://")
        .expect("a valid regex")
});

/// An instruction to an agent to run something.
static INSTRUCTION: LazyLock<regex::Regex> = LazyLock::new(|| {
    regex::Regex::new(r"(?i)(?-u:\b)(?:run|execute|exec|invoke|launch|start)(?-u:\b)[^\n]{0,80}(?:`[^`]+`|(?-u:\b)(?:curl|wget|npm install|npx|node|bun|python|bash|sh -c|powershell)(?-u:\b))")
        .expect("a valid regex")
});

static COMMAND: LazyLock<regex::Regex> =
    LazyLock::new(|| regex::Regex::new(r#""command"(?-u:\s)*:(?-u:\s)*"((?:[^"\\]|\\.)*)""#).expect("a valid regex"));

fn commands(text: &str) -> Vec<&str> {
    COMMAND.captures_iter(text).filter_map(|c| c.get(1)).map(|m| m.as_str()).collect()
}

fn check(cx: &Context<'_>, out: &mut Emit<'_>) {
    let npm = cx.plan.manifest.is_some();
    for file in cx.files {
        let Some(text) = file.text.as_deref() else { continue };
        let path = file.path.as_str();
        let name = path.rsplit('/').next().unwrap_or(path);
        if path.ends_with(".vscode/tasks.json") && text.contains("folderOpen") {
            let cmds = commands(text);
            let risky = cmds.iter().find(|c| RISKY.is_match(c));
            let (severity, what) = match risky {
                Some(c) => (Severity::High, format!("a VS Code task runs `{}` when the folder is opened", clip(c, 80))),
                None => (Severity::Medium, "a VS Code task runs when the folder is opened".to_owned()),
            };
            out.finding(severity, Stage::Startup, path, None, what);
        } else if (path.ends_with(".claude/settings.json") || path.ends_with(".claude/settings.local.json"))
            && text.contains("\"hooks\"")
        {
            let cmds = commands(text);
            let risky = cmds.iter().find(|c| RISKY.is_match(c));
            let (severity, what) = match risky {
                Some(c) => (Severity::High, format!("a Claude Code hook runs `{}` on agent events", clip(c, 80))),
                None => (Severity::Medium, "Claude Code hooks run commands on agent events".to_owned()),
            };
            out.finding(severity, Stage::Startup, path, None, what);
        } else if name == ".cursorrules"
            || name == ".windsurfrules"
            || path.contains(".cursor/rules/")
            || path.ends_with(".github/copilot-instructions.md")
        {
            if let Some(m) = INSTRUCTION.find(text) {
                let line = crate::lang::lexical::line_of(text.as_bytes(), m.start());
                let severity = if RISKY.is_match(m.as_str()) { Severity::Medium } else { Severity::Low };
                out.finding(
                    severity,
                    Stage::Metadata,
                    path,
                    Some(line),
                    format!("agent rules tell the agent to run commands: `{}`", clip(m.as_str(), 80)),
                );
            }
        } else if npm
            && path.starts_with(".github/workflows/")
            && (path.ends_with(".yml") || path.ends_with(".yaml"))
        {
            let dumps = text.contains("toJSON(secrets)") || (text.contains("secrets.") && (text.contains("curl ") || text.contains("wget ")));
            let (severity, what) = if dumps {
                (Severity::Medium, "ships a GitHub Actions workflow that sends repository secrets out")
            } else {
                (Severity::Low, "ships a GitHub Actions workflow in an npm package")
            };
            out.finding(severity, Stage::Metadata, path, None, what);
        }
    }
}
