//! # SW-GEN-017: secret scanners
//!
//! **What it does.** Finds code that downloads or runs a secret scanner —
//! TruffleHog, Gitleaks, Nosey Parker, ggshield — or sweeps the file
//! system for secrets (`trufflehog filesystem ~`).
//!
//! **Why is this bad.** Shai-Hulud downloaded TruffleHog at install and
//! ran it over the home directory to find every token on the machine
//! before exfiltrating them; a package has no use for a secret scanner
//! while it is installed or imported.
//!
//! **Example.**
//!
//! ```js
//! spawn("trufflehog", ["filesystem", os.homedir(), "--json"]);
//! ```
//!
//! **False positives.** Wrappers that run a scanner in a pre-commit hook
//! or on request: in code that only runs when called the rule is `low`.
//! At install, startup or import, running or downloading one is `high`,
//! naming one `medium`.


use super::support;
use super::{Context, Emit, Rule, Indicators};
use crate::model::Severity;

pub(crate) static RULE: Rule = Rule {
    id: "SW-GEN-017",
    title: "secret scanners",
    source: include_str!("gen017_secret_scanner.rs"),
    check,
};

const SCANNERS: &[&str] = &["trufflehog", "trufflesecurity", "gitleaks", "noseyparker", "nosey-parker", "nosey_parker", "ggshield"];

pub(crate) static MATCHER: Indicators = Indicators::new(|| SCANNERS.to_vec());

fn check(cx: &Context<'_>, out: &mut Emit<'_>) {
    let mut by_file: std::collections::BTreeMap<&str, (Severity, crate::model::Stage, Option<u32>, String)> =
        Default::default();
    let mut put = |file, severity: Severity, stage: crate::model::Stage, line, message: String| {
        let points = crate::score::points(severity, stage);
        let entry = by_file.entry(file).or_insert((severity, stage, line, message.clone()));
        if (points, severity) > (crate::score::points(entry.0, entry.1), entry.0) {
            *entry = (severity, stage, line, message);
        }
    };
    // Running one: a command naming it.
    for t in support::texts(cx).iter().filter(|t| t.command) {
        let lower = t.text.to_ascii_lowercase();
        if let Some(name) = SCANNERS.iter().find(|s| lower.contains(*s)) {
            let sweep = lower.contains("filesystem") || lower.contains("--no-git") || lower.contains("detect --source") || lower.contains(" scan ");
            let severity = if t.stage.is_automatic() { Severity::High } else { Severity::Low };
            let what = if sweep { "sweeps the file system for secrets with" } else { "runs the secret scanner" };
            put(t.file, severity, t.stage, t.line, format!("{what} `{name}`"));
        }
    }
    // Naming or downloading one.
    for hit in cx.indicator_hits(&MATCHER) {
        let stage = support::hit_stage(&hit);
        let name = SCANNERS[hit.pattern];
        let fetching = support::acting_stage(hit.file).is_some_and(|s| s <= stage);
        let severity = match (stage.is_automatic(), fetching) {
            (true, true) => Severity::High,
            (true, false) => Severity::Medium,
            (false, _) => Severity::Low,
        };
        put(&hit.file.path, severity, stage, Some(hit.line), format!("refers to the secret scanner `{name}`"));
    }
    for (file, (severity, stage, line, message)) in by_file {
        out.finding(severity, stage, file, line, message);
    }
}
