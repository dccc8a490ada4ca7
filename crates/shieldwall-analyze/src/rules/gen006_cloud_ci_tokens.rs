//! # SW-GEN-006: cloud metadata and CI tokens
//!
//! **What it does.** Finds the cloud instance-metadata endpoints
//! (`169.254.169.254`, `metadata.google.internal`, the ECS and Azure
//! equivalents) and CI token sources (`ACTIONS_ID_TOKEN_REQUEST_URL` and
//! `_TOKEN`, `ACTIONS_RUNTIME_TOKEN`, GitLab's `CI_JOB_TOKEN`, Azure
//! Pipelines' `SYSTEM_ACCESSTOKEN`, reads of a runner's process memory).
//!
//! **Why is this bad.** These hand out cloud and publishing credentials
//! to whatever code asks. The TanStack compromise minted OIDC tokens from
//! inside the runner; stealers query the metadata service for the
//! instance role.
//!
//! **Example.**
//!
//! ```python
//! requests.get("http://169.254.169.254/latest/meta-data/iam/security-credentials/")
//! ```
//!
//! **False positives.** Cloud SDKs and CI toolkits use exactly these
//! endpoints, when called; the rule is `low` then and `high` only for
//! code that runs by itself.

use std::collections::BTreeSet;

use super::{Context, Emit, Rule, is_network, Indicators};
use crate::model::Severity;

pub(crate) static RULE: Rule = Rule {
    id: "SW-GEN-006",
    title: "cloud metadata and CI tokens",
    source: include_str!("gen006_cloud_ci_tokens.rs"),
    check,
};

const INDICATORS: &[(&str, &str)] = &[
    ("169.254.169.254", "the cloud instance-metadata service"),
    ("metadata.google.internal", "the cloud instance-metadata service"),
    ("169.254.170.2", "the ECS task-metadata service"),
    ("fd00:ec2::254", "the cloud instance-metadata service"),
    ("/metadata/identity/oauth2/token", "the Azure managed-identity endpoint"),
    ("ACTIONS_ID_TOKEN_REQUEST_URL", "GitHub Actions OIDC tokens"),
    ("ACTIONS_ID_TOKEN_REQUEST_TOKEN", "GitHub Actions OIDC tokens"),
    ("ACTIONS_RUNTIME_TOKEN", "the GitHub Actions runtime token"),
    ("CI_JOB_TOKEN", "the GitLab CI job token"),
    ("SYSTEM_ACCESSTOKEN", "the Azure Pipelines access token"),
    ("Runner.Worker", "the CI runner's process"),
];

pub(crate) static MATCHER: Indicators =
    Indicators::new(|| INDICATORS.iter().map(|(p, _)| *p).collect());

fn check(cx: &Context<'_>, out: &mut Emit<'_>) {
    let mut seen = BTreeSet::new();
    for hit in cx.indicator_hits(&MATCHER) {
        let (pattern, what) = INDICATORS[hit.pattern];
        if !seen.insert((hit.file.path.as_str(), what)) {
            continue;
        }
        // A declared constant counts where it is used: in a call on its
        // line, an environment read of it, or a network call at its stage.
        let facts = hit.file.facts.as_ref();
        let used = hit.used
            || facts.is_some_and(|f| {
                f.names.iter().any(|n| n.stage == hit.stage && n.name.ends_with(pattern))
                    || f.calls.iter().any(|c| c.stage == hit.stage && is_network(&c.callee))
            });
        let stage = if used { hit.stage } else { crate::model::Stage::Runtime };
        let severity = if stage.is_automatic() { Severity::High } else { Severity::Low };
        out.finding(severity, hit.stage, &hit.file.path, Some(hit.line), format!("reaches {what} (`{pattern}`)"));
    }
}
