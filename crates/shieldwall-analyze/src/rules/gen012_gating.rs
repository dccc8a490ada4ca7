//! # SW-GEN-012: run-once sentinels and environment gating
//!
//! **What it does.** Finds code that makes sure it runs once or only in
//! the right place: an environment variable both tested and set by the
//! same file (`MISTRAL_INIT`), a marker file tested and then created, and
//! operating-system or CI checks guarding code that spawns processes or
//! talks to the network — at install, startup or import.
//!
//! **Why is this bad.** Payloads avoid running twice (which would be
//! noticed) and skip sandboxes and the wrong platform; that gating is
//! itself the mark of code that does not want to be seen. mistralai
//! 2.4.6 exited when `MISTRAL_INIT` was set, set it, and ran only on
//! Linux.
//!
//! **Example.**
//!
//! ```python
//! if platform.system() == "Linux" and not os.environ.get("PKG_INIT"):
//!     os.environ["PKG_INIT"] = "1"
//!     start_payload()
//! ```
//!
//! **False positives.** Platform checks are everywhere; they count only
//! in a file that also spawns or talks to the network at the same
//! automatic stage, and then weigh `medium`.


use super::{Context, Emit, Rule, is_network, is_spawn};
use crate::model::Severity;
use crate::guarded::Guarded;

pub(crate) static RULE: Rule = Rule {
    id: "SW-GEN-012",
    title: "run-once sentinels and environment gating",
    source: include_str!("gen012_gating.rs"),
    check,
};

pub(crate) static ENV_SET: Guarded = Guarded::new(
    &["environ[", "putenv(", "process.env"],
    r#"(?:environ\[(?-u:\s)*['"]([A-Z][A-Z0-9_]{2,63})['"](?-u:\s)*\](?-u:\s)*=[^=]|putenv\((?-u:\s)*['"]([A-Z][A-Z0-9_]{2,63})['"]|process\.env\.([A-Z][A-Z0-9_]{2,63})(?-u:\s)*=[^=]|process\.env\[(?-u:\s)*['"]([A-Z][A-Z0-9_]{2,63})['"](?-u:\s)*\](?-u:\s)*=[^=])"#,
);

const PLATFORM: &[&str] = &["platform.system", "sys.platform", "os.name", "process.platform", "os.platform", "platform.platform"];

fn check(cx: &Context<'_>, out: &mut Emit<'_>) {
    for file in cx.code_files() {
        let Some(facts) = &file.facts else { continue };
        let Some(text) = file.text.as_deref() else { continue };
        let acting = facts
            .calls
            .iter()
            .filter(|c| c.stage.is_automatic() && (is_spawn(&c.callee) || is_network(&c.callee)))
            .min_by_key(|c| c.line);
        let Some(acting) = acting else { continue };
        // An environment variable set and also read.
        let sentinel = ENV_SET.captures_iter(text).find_map(|caps| {
            let name = caps.iter().skip(1).flatten().next()?.as_str();
            let reads = text.matches(name).count();
            (reads >= 2).then(|| name.to_owned())
        });
        if let Some(name) = sentinel {
            out.finding(
                Severity::Medium,
                acting.stage,
                &file.path,
                Some(acting.line),
                format!("sets and tests the environment variable `{name}` as a run-once sentinel before `{}`", acting.callee),
            );
            continue;
        }
        let gate = facts
            .calls
            .iter()
            .map(|c| (c.callee.as_str(), c.line, c.stage))
            .chain(facts.names.iter().map(|n| (n.name.as_str(), n.line, n.stage)))
            .find(|(name, _, stage)| *stage == acting.stage && PLATFORM.contains(name));
        if let Some((name, line, stage)) = gate {
            out.finding(
                Severity::Low,
                stage,
                &file.path,
                Some(line),
                format!("checks the platform (`{name}`) in code that runs `{}` by itself", acting.callee),
            );
        }
    }
}
