//! # SW-GEN-004: credential material
//!
//! **What it does.** Finds references to the files and stores where
//! credentials live: SSH private keys, `~/.aws`, gcloud and Azure
//! configuration, `~/.npmrc`, `~/.pypirc`, gh `hosts.yml`,
//! `.git-credentials` and `.netrc`, kube and docker configuration,
//! browser profiles (`Login Data`, `cookies.sqlite`, `key4.db`), crypto
//! wallets, shell history, Discord and Telegram session stores and AI
//! tool configuration.
//!
//! **Why is this bad.** Every 2025–2026 worm swept these paths first; a
//! package has no reason to read another tool's secrets, least of all
//! when it is installed or imported.
//!
//! **Example.**
//!
//! ```python
//! for p in ["~/.ssh/id_rsa", "~/.aws/credentials", "~/.npmrc"]:
//!     data[p] = open(os.path.expanduser(p)).read()
//! ```
//!
//! **False positives.** Client libraries read their own configuration:
//! an AWS SDK reads `~/.aws/credentials`, a Kubernetes client
//! `~/.kube/config`, an SSH library `~/.ssh/id_rsa`. One kind of
//! credential in code that only runs when called is `low`; the rule
//! rises with the number of kinds in one file and with code that runs by
//! itself.

use std::collections::BTreeMap;

use super::{Context, Emit, Rule, Indicators};
use crate::model::{Severity, Stage};

pub(crate) static RULE: Rule = Rule {
    id: "SW-GEN-004",
    title: "credential material",
    source: include_str!("gen004_credential_read.rs"),
    check,
};

/// (pattern, kind of credential).
pub(crate) const INDICATORS: &[(&str, &str)] = &[
    (".ssh/id_", "SSH private keys"),
    ("id_rsa", "SSH private keys"),
    ("id_ed25519", "SSH private keys"),
    ("id_ecdsa", "SSH private keys"),
    (".ssh/known_hosts", "SSH configuration"),
    (".aws/credentials", "AWS credentials"),
    (".aws/config", "AWS credentials"),
    ("application_default_credentials.json", "gcloud credentials"),
    (".config/gcloud", "gcloud credentials"),
    (".azure/", "Azure credentials"),
    ("accesstokens.json", "Azure credentials"),
    (".npmrc", "npm tokens"),
    (".pypirc", "PyPI tokens"),
    ("gh/hosts.yml", "GitHub CLI tokens"),
    (".git-credentials", "git credentials"),
    (".netrc", "netrc credentials"),
    (".kube/config", "Kubernetes configuration"),
    ("/var/run/secrets/kubernetes.io", "Kubernetes service-account tokens"),
    (".docker/config.json", "Docker registry credentials"),
    ("Login Data", "browser passwords"),
    ("logins.json", "browser passwords"),
    ("key4.db", "browser passwords"),
    ("Local State", "browser encryption keys"),
    ("cookies.sqlite", "browser cookies"),
    ("Network/Cookies", "browser cookies"),
    ("Web Data", "browser saved cards"),
    ("wallet.dat", "crypto wallets"),
    ("Exodus", "crypto wallets"),
    ("Electrum", "crypto wallets"),
    ("nkbihfbeogaeaoehlefnkodbefgpgknn", "crypto wallets"),
    ("bfnaelmomeimhlpmgjnjophhpkkoljpa", "crypto wallets"),
    ("Local Extension Settings", "browser extension stores"),
    (".bash_history", "shell history"),
    (".zsh_history", "shell history"),
    ("discord/Local Storage", "Discord tokens"),
    ("discordcanary", "Discord tokens"),
    ("Local Storage/leveldb", "Discord tokens"),
    ("tdata", "Telegram sessions"),
    ("/etc/shadow", "system password hashes"),
    (".claude.json", "AI tool credentials"),
    (".claude/.credentials", "AI tool credentials"),
    (".config/openai", "AI tool credentials"),
    (".gemini/", "AI tool credentials"),
    (".codex/auth.json", "AI tool credentials"),
    (".vault-token", "Vault tokens"),
    (".terraform.d/credentials", "Terraform tokens"),
];

pub(crate) static MATCHER: Indicators =
    Indicators::new(|| INDICATORS.iter().map(|(p, _)| *p).collect());

/// Kinds so often read by the tool they belong to that one alone says
/// little.
const COMMON_ALONE: &[&str] = &[
    "AWS credentials",
    "gcloud credentials",
    "Azure credentials",
    "Kubernetes configuration",
    "Docker registry credentials",
    "SSH configuration",
    "npm tokens",
    "PyPI tokens",
    "netrc credentials",
    "SSH private keys",
    "git credentials",
    "Telegram sessions",
    "Kubernetes service-account tokens",
];

fn check(cx: &Context<'_>, out: &mut Emit<'_>) {
    // Per file: the kinds seen, with the earliest stage and its line. A
    // constant declared at module scope is used elsewhere: it counts at
    // runtime unless several kinds are listed together (a target list).
    let mut by_file: BTreeMap<&str, BTreeMap<&str, (Stage, u32, bool)>> = BTreeMap::new();
    for hit in cx.indicator_hits(&MATCHER) {
        let kind = INDICATORS[hit.pattern].1;
        let entry = by_file
            .entry(&hit.file.path)
            .or_default()
            .entry(kind)
            .or_insert((hit.stage, hit.line, hit.used));
        if (hit.stage, !hit.used) < (entry.0, !entry.2) {
            *entry = (hit.stage, hit.line, hit.used);
        }
    }
    for (file, kinds) in by_file {
        let names: Vec<&str> = kinds.keys().copied().collect();
        let automatic = || kinds.values().filter(|(s, _, _)| s.is_automatic());
        let used = automatic().filter(|(_, _, used)| *used).min_by_key(|(s, l, _)| (*s, *l));
        let listed = automatic().count() >= 3;
        let (stage, line) = match (used, listed) {
            (Some((s, l, _)), _) => (*s, *l),
            (None, true) => automatic().map(|(s, l, _)| (*s, *l)).min().unwrap_or((Stage::Runtime, 0)),
            (None, false) => (Stage::Runtime, kinds.values().map(|(_, l, _)| *l).min().unwrap_or(0)),
        };
        let severity = match (names.len(), stage.is_automatic()) {
            (n, true) if n >= 3 => Severity::Critical,
            (_, true) => Severity::High,
            (n, false) if n >= 4 => Severity::High,
            (n, false) if n >= 2 => Severity::Medium,
            (_, false) if names.iter().all(|k| COMMON_ALONE.contains(k)) => Severity::Low,
            _ => Severity::Medium,
        };
        out.finding(severity, stage, file, Some(line), format!("refers to {}", names.join(", ")));
    }
}
