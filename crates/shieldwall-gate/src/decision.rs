//! The decision on one package version or file: serve it, hold it
//! (quarantine: it may become available later) or deny it. A pure function
//! of the policy, the advisory database, the active overrides and the
//! facts about the file, so the same inputs always give the same answer
//! and every path (index page, artifact, cache hit) applies it alike.

use jiff::Timestamp;
use serde::Serialize;
use shieldwall_advisory::AdvisoryDb;
use shieldwall_core::Ecosystem;

use crate::overrides::Override;
use crate::policy::{FailMode, Policy, ScriptPolicy};

/// What happens to the package.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// Served.
    Allow,
    /// Served, and recorded with a warning.
    Warn,
    /// Not served for now (too young, pending): may become available.
    Hold,
    /// Not served.
    Deny,
}

impl Action {
    /// True when the package is served.
    pub fn is_served(self) -> bool {
        matches!(self, Self::Allow | Self::Warn)
    }

    /// The lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Allow => "allow",
            Self::Warn => "warn",
            Self::Hold => "hold",
            Self::Deny => "deny",
        }
    }
}

/// A decision and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Decision {
    /// What happens.
    pub action: Action,
    /// The rule that decided (`min-age`, `advisory`, `deny-list`, …).
    pub rule: String,
    /// Plain words for the client and the record.
    pub reason: String,
    /// When a held package becomes available, if that is known.
    pub available_at: Option<Timestamp>,
}

impl Decision {
    fn new(action: Action, rule: impl Into<String>, reason: impl Into<String>) -> Self {
        Self {
            action,
            rule: rule.into(),
            reason: reason.into(),
            available_at: None,
        }
    }
}

/// The facts about what is being decided on.
#[derive(Clone, Debug)]
pub struct Subject<'a> {
    /// The ecosystem.
    pub ecosystem: Ecosystem,
    /// The package name (any spelling).
    pub name: &'a str,
    /// The version.
    pub version: &'a str,
    /// The file's sha256, when deciding on one file.
    pub sha256: Option<&'a str>,
    /// When it was published (per file for Python, per version for npm);
    /// `None` when the upstream did not say.
    pub published: Option<Timestamp>,
    /// Whether it runs code at install (npm), when known.
    pub install_scripts: Option<bool>,
}

/// Everything else a decision depends on.
pub struct Inputs<'a> {
    /// The policy.
    pub policy: &'a Policy,
    /// Known-malicious versions.
    pub advisories: &'a AdvisoryDb,
    /// Active overrides for this package.
    pub overrides: &'a [Override],
    /// True when this exact file was served before (an existing lockfile
    /// may pin it).
    pub approved: bool,
    /// The current time.
    pub now: Timestamp,
}

/// Decides on `subject`. Order: known-malicious versions are denied first
/// (nothing overrides that); then the deny list; then an override, the
/// allow list or an already-served hash let the package through; then the
/// install-script policy and the minimum age apply.
pub fn decide(inputs: &Inputs<'_>, subject: &Subject<'_>) -> Decision {
    let Subject {
        ecosystem,
        name,
        version,
        ..
    } = *subject;
    let policy = inputs.policy;
    let malicious = inputs.advisories.affecting(ecosystem, name, version);
    if let Some(advisory) = malicious.first() {
        let ids: Vec<&str> = malicious.iter().map(|a| a.id.as_str()).collect();
        return Decision::new(
            Action::Deny,
            "advisory",
            format!(
                "{name} {version} is known to be malicious ({}): {}",
                ids.join(", "),
                advisory.summary
            ),
        );
    }
    if let Some(pattern) = policy.denied_by(ecosystem, name, version) {
        return Decision::new(
            Action::Deny,
            "deny-list",
            format!("{name} {version} is on the deny list (`{pattern}`)"),
        );
    }
    if let Some(o) = inputs
        .overrides
        .iter()
        .find(|o| o.covers(ecosystem, name, version, subject.sha256, inputs.now))
    {
        return Decision::new(
            Action::Allow,
            "override",
            format!(
                "override #{} by {} until {}: {}",
                o.id,
                o.requested_by,
                o.expires_at.strftime("%Y-%m-%d %H:%M UTC"),
                o.reason
            ),
        );
    }
    if let Some(pattern) = policy.allowed_by(ecosystem, name, version) {
        return Decision::new(
            Action::Allow,
            "allow-list",
            format!("on the allow list (`{pattern}`)"),
        );
    }
    if inputs.approved {
        return Decision::new(
            Action::Allow,
            "approved-hash",
            "this exact file was served before",
        );
    }
    if let Some(decision) = script_decision(policy, subject) {
        if !decision.action.is_served() {
            return decision;
        }
        return age_decision(inputs, subject).unwrap_or(decision);
    }
    age_decision(inputs, subject)
        .unwrap_or_else(|| Decision::new(Action::Allow, "policy", "meets the policy"))
}

fn script_decision(policy: &Policy, subject: &Subject<'_>) -> Option<Decision> {
    let runs_scripts = subject.install_scripts?;
    if !runs_scripts || policy.scripts_allowed(subject.ecosystem, subject.name, subject.version) {
        return None;
    }
    let what = format!(
        "{} {} runs code at install (lifecycle scripts or binding.gyp)",
        subject.name, subject.version
    );
    match policy.install_scripts {
        ScriptPolicy::Allow => None,
        ScriptPolicy::Warn => Some(Decision::new(Action::Warn, "install-scripts", what)),
        ScriptPolicy::Block => Some(Decision::new(
            Action::Deny,
            "install-scripts",
            format!("{what} and is not on `install_scripts_allow`"),
        )),
    }
}

fn age_decision(inputs: &Inputs<'_>, subject: &Subject<'_>) -> Option<Decision> {
    let policy = inputs.policy;
    if policy.is_exempt(subject.ecosystem, subject.name, subject.version) {
        return None;
    }
    let min_age = policy.min_age(subject.ecosystem);
    if min_age.is_zero() {
        return None;
    }
    let Some(published) = subject.published else {
        let what = format!(
            "the upstream gives no publication time for {} {}",
            subject.name, subject.version
        );
        return Some(match policy.fail {
            FailMode::Closed => Decision::new(Action::Hold, "age-unknown", what),
            FailMode::Open => Decision::new(Action::Warn, "age-unknown", what),
        });
    };
    let available_at = published.checked_add(min_age).ok()?;
    if available_at <= inputs.now {
        return None;
    }
    Some(Decision {
        action: Action::Hold,
        rule: "min-age".to_owned(),
        reason: format!(
            "{} {} was published {} and is held until it is {} old",
            subject.name,
            subject.version,
            published.strftime("%Y-%m-%d %H:%M UTC"),
            human_duration(min_age)
        ),
        available_at: Some(available_at),
    })
}

/// `48h`, `2d`, `90m`: the shortest exact rendering.
pub fn human_duration(d: std::time::Duration) -> String {
    let secs = d.as_secs();
    if secs.is_multiple_of(86_400) && secs >= 86_400 * 3 {
        format!("{}d", secs / 86_400)
    } else if secs.is_multiple_of(3600) {
        format!("{}h", secs / 3600)
    } else if secs.is_multiple_of(60) {
        format!("{}m", secs / 60)
    } else {
        format!("{secs}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::PolicyConfig;

    fn policy(text: &str) -> Policy {
        toml::from_str::<PolicyConfig>(text)
            .unwrap()
            .compile()
            .unwrap()
    }

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn subject<'a>(name: &'a str, version: &'a str, published: Option<&str>) -> Subject<'a> {
        Subject {
            ecosystem: Ecosystem::PyPI,
            name,
            version,
            sha256: None,
            published: published.map(ts),
            install_scripts: None,
        }
    }

    fn run(policy: &Policy, overrides: &[Override], approved: bool, s: &Subject<'_>) -> Decision {
        let db = AdvisoryDb::builtin();
        let inputs = Inputs {
            policy,
            advisories: &db,
            overrides,
            approved,
            now: ts("2026-06-10T12:00:00Z"),
        };
        decide(&inputs, s)
    }

    #[test]
    fn young_files_are_held_until_they_are_old_enough() {
        let p = policy("min_age = \"48h\"");
        let d = run(
            &p,
            &[],
            false,
            &subject("demo", "2.0", Some("2026-06-09T12:00:00Z")),
        );
        assert_eq!(d.action, Action::Hold);
        assert_eq!(d.rule, "min-age");
        assert_eq!(d.available_at, Some(ts("2026-06-11T12:00:00Z")));
        let d = run(
            &p,
            &[],
            false,
            &subject("demo", "1.0", Some("2026-06-01T12:00:00Z")),
        );
        assert_eq!(d.action, Action::Allow);
    }

    #[test]
    fn missing_times_fail_closed_unless_configured_open() {
        let d = run(&policy(""), &[], false, &subject("demo", "1.0", None));
        assert_eq!((d.action, d.rule.as_str()), (Action::Hold, "age-unknown"));
        let d = run(
            &policy("fail = \"open\""),
            &[],
            false,
            &subject("demo", "1.0", None),
        );
        assert_eq!(d.action, Action::Warn);
        let d = run(
            &policy("exempt = [\"demo\"]"),
            &[],
            false,
            &subject("demo", "1.0", None),
        );
        assert_eq!(d.action, Action::Allow);
    }

    #[test]
    fn malicious_versions_are_denied_whatever_else_says_yes() {
        let p = policy("allow = [\"litellm\"]");
        let o = Override::example("pypi", "litellm", Some("1.82.8"), "2027-01-01T00:00:00Z");
        let d = run(
            &p,
            &[o],
            true,
            &subject("LiteLLM", "1.82.8", Some("2026-01-01T00:00:00Z")),
        );
        assert_eq!((d.action, d.rule.as_str()), (Action::Deny, "advisory"));
        assert!(d.reason.contains("malicious"), "{}", d.reason);
    }

    #[test]
    fn overrides_let_a_young_version_through_until_they_expire() {
        let p = policy("");
        let young = subject("demo", "2.0", Some("2026-06-10T11:00:00Z"));
        let live = Override::example("pypi", "demo", Some("2.0"), "2026-06-11T00:00:00Z");
        assert_eq!(run(&p, &[live], false, &young).rule, "override");
        let expired = Override::example("pypi", "demo", Some("2.0"), "2026-06-10T00:00:00Z");
        assert_eq!(run(&p, &[expired], false, &young).action, Action::Hold);
        let other = Override::example("pypi", "demo", Some("1.0"), "2026-06-11T00:00:00Z");
        assert_eq!(run(&p, &[other], false, &young).action, Action::Hold);
    }

    #[test]
    fn deny_list_beats_allow_list_and_approved_hashes_pass() {
        let p = policy("deny = [\"demo\"]\nallow = [\"demo\"]");
        let s = subject("demo", "1.0", Some("2020-01-01T00:00:00Z"));
        assert_eq!(run(&p, &[], true, &s).rule, "deny-list");
        let young = subject("other", "1.0", Some("2026-06-10T11:00:00Z"));
        assert_eq!(run(&policy(""), &[], true, &young).rule, "approved-hash");
    }

    #[test]
    fn install_scripts_follow_their_policy() {
        let mut s = subject("addon", "1.0.0", Some("2020-01-01T00:00:00Z"));
        s.ecosystem = Ecosystem::Npm;
        s.install_scripts = Some(true);
        assert_eq!(run(&policy(""), &[], false, &s).action, Action::Deny);
        assert_eq!(
            run(
                &policy("install_scripts_allow = [\"npm:addon\"]"),
                &[],
                false,
                &s
            )
            .action,
            Action::Allow
        );
        assert_eq!(
            run(&policy("install_scripts = \"warn\""), &[], false, &s).action,
            Action::Warn
        );
        s.install_scripts = Some(false);
        assert_eq!(run(&policy(""), &[], false, &s).action, Action::Allow);
    }

    #[test]
    fn durations_render_short() {
        assert_eq!(
            human_duration(std::time::Duration::from_secs(48 * 3600)),
            "48h"
        );
        assert_eq!(
            human_duration(std::time::Duration::from_secs(7 * 86_400)),
            "7d"
        );
        assert_eq!(human_duration(std::time::Duration::from_secs(90)), "90s");
    }
}
