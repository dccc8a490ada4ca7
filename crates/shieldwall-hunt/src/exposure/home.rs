//! Credential files in a home directory. Each is read only to count and
//! name its entries; no value leaves this module.

use std::path::Path;

use crate::exposure::env::looks_secret;
use crate::exposure::ssh;
use crate::model::{Exposure, ExposureKind};
use crate::scope::Scope;

/// How a credential file is summed up.
enum Count {
    /// Present is enough.
    Presence,
    /// Lines whose key (before `=` or `:`) contains one of these.
    Keys(&'static [&'static str]),
    /// Docker's `auths` entries.
    DockerAuths,
    /// Non-empty lines (one credential each).
    Lines,
}

/// Credential files relative to a home: path, kind, how to count.
const FILES: &[(&str, ExposureKind, Count)] = &[
    (
        ".aws/credentials",
        ExposureKind::Aws,
        Count::Keys(&["aws_secret_access_key", "aws_session_token"]),
    ),
    (
        ".npmrc",
        ExposureKind::NpmToken,
        Count::Keys(&["_authtoken", "_auth", "_password"]),
    ),
    (
        ".pypirc",
        ExposureKind::PypiToken,
        Count::Keys(&["password"]),
    ),
    (
        ".config/gh/hosts.yml",
        ExposureKind::GithubToken,
        Count::Keys(&["oauth_token"]),
    ),
    (
        ".git-credentials",
        ExposureKind::GitCredentials,
        Count::Lines,
    ),
    (
        ".netrc",
        ExposureKind::GitCredentials,
        Count::Keys(&["password"]),
    ),
    (
        ".docker/config.json",
        ExposureKind::DockerAuth,
        Count::DockerAuths,
    ),
    (".kube/config", ExposureKind::KubeConfig, Count::Presence),
    (
        ".config/gcloud/application_default_credentials.json",
        ExposureKind::Gcloud,
        Count::Presence,
    ),
    (
        ".config/gcloud/credentials.db",
        ExposureKind::Gcloud,
        Count::Presence,
    ),
    (
        ".config/gcloud/access_tokens.db",
        ExposureKind::Gcloud,
        Count::Presence,
    ),
    (
        ".azure/msal_token_cache.json",
        ExposureKind::Azure,
        Count::Presence,
    ),
    (
        ".azure/accessTokens.json",
        ExposureKind::Azure,
        Count::Presence,
    ),
    (
        ".azure/service_principal_entries.json",
        ExposureKind::Azure,
        Count::Presence,
    ),
    (
        ".claude/.credentials.json",
        ExposureKind::AiProvider,
        Count::Presence,
    ),
    (
        ".codex/auth.json",
        ExposureKind::AiProvider,
        Count::Presence,
    ),
    (
        ".cache/huggingface/token",
        ExposureKind::AiProvider,
        Count::Presence,
    ),
    (
        ".huggingface/token",
        ExposureKind::AiProvider,
        Count::Presence,
    ),
    (
        ".config/gemini/credentials.json",
        ExposureKind::AiProvider,
        Count::Presence,
    ),
];

/// Every credential file of one home.
pub(crate) fn check(scope: &Scope, home: &Path) -> Vec<Exposure> {
    let mut out = Vec::new();
    for (rel, kind, count) in FILES {
        let path = home.join(rel);
        if !path.is_file() {
            continue;
        }
        let detail = match count {
            Count::Presence => Some("present".to_owned()),
            Count::Keys(keys) => scope
                .read_text(&path)
                .map(|t| count_keys(&t, keys))
                .and_then(|n| (n > 0).then(|| plural(n, "credential entry", "credential entries"))),
            Count::Lines => scope
                .read_text(&path)
                .map(|t| t.lines().filter(|l| !l.trim().is_empty()).count())
                .and_then(|n| {
                    (n > 0).then(|| plural(n, "stored credential", "stored credentials"))
                }),
            Count::DockerAuths => scope.read_text(&path).and_then(|t| docker_auths(&t)),
        };
        if let Some(detail) = detail {
            out.push(Exposure {
                kind: *kind,
                path: Some(scope.show(&path)),
                name: None,
                detail,
            });
        }
    }
    if home.join(".config/gcloud/legacy_credentials").is_dir() {
        out.push(Exposure {
            kind: ExposureKind::Gcloud,
            path: Some(scope.show(&home.join(".config/gcloud/legacy_credentials"))),
            name: None,
            detail: "present".to_owned(),
        });
    }
    out.extend(ssh::check(scope, &home.join(".ssh")));
    out
}

fn plural(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// Lines whose key contains one of `keys` (case-insensitive) and that have a
/// non-empty value.
fn count_keys(text: &str, keys: &[&str]) -> usize {
    text.lines()
        .filter(|line| {
            let line = line.trim();
            if line.starts_with('#') || line.starts_with(';') {
                return false;
            }
            // `key = value`, `key: value`, or `.netrc`'s `password value`
            let (key, value) = line
                .split_once('=')
                .or_else(|| line.split_once(':'))
                .or_else(|| line.split_once(char::is_whitespace))
                .unwrap_or((line, ""));
            let key = key.trim().to_lowercase();
            !value.trim().is_empty() && keys.iter().any(|k| key.ends_with(k) || key == *k)
        })
        .count()
}

/// Docker logins stored in the file itself, or the helper that holds them.
fn docker_auths(text: &str) -> Option<String> {
    let value: serde_json::Value = serde_json::from_str(text).ok()?;
    let stored = value
        .get("auths")
        .and_then(|a| a.as_object())
        .map_or(0, |a| {
            a.values().filter(|v| v.get("auth").is_some()).count()
        });
    let helper = value.get("credsStore").and_then(|s| s.as_str());
    match (stored, helper) {
        (0, None) => None,
        (0, Some(h)) => Some(format!("logins held by the `{h}` credential helper")),
        (n, _) => Some(plural(
            n,
            "registry login stored in the file",
            "registry logins stored in the file",
        )),
    }
}

/// The secret-looking keys of a `.env` file (names only).
pub(crate) fn dotenv_secret_names(text: &str) -> Vec<String> {
    let mut names: Vec<String> = text
        .lines()
        .filter_map(|line| {
            let line = line.trim();
            let line = line.strip_prefix("export ").unwrap_or(line);
            let (key, value) = line.split_once('=')?;
            let key = key.trim();
            (!key.starts_with('#')
                && !value.trim().is_empty()
                && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
                && looks_secret(key))
            .then(|| key.to_owned())
        })
        .collect();
    names.sort();
    names.dedup();
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_keys_without_values_leaking() {
        let aws = "[default]\naws_access_key_id = AKIADECOY\naws_secret_access_key = decoy\n[p]\naws_secret_access_key=decoy2\n";
        assert_eq!(count_keys(aws, &["aws_secret_access_key"]), 2);
        let npmrc = "//registry.example/:_authToken=decoy\nfund=false\n";
        assert_eq!(count_keys(npmrc, &["_authtoken"]), 1);
        assert_eq!(
            count_keys("machine a login b password c\n", &["password"]),
            0
        );
        assert_eq!(count_keys("password c\n", &["password"]), 1);
    }

    #[test]
    fn dotenv_names_only() {
        let names = dotenv_secret_names(
            "# c\nexport OPENAI_API_KEY=decoy\nDEBUG=1\nDB_PASSWORD=\nSTRIPE_SECRET_KEY = x\n",
        );
        assert_eq!(names, ["OPENAI_API_KEY", "STRIPE_SECRET_KEY"]);
    }

    #[test]
    fn docker() {
        assert_eq!(
            docker_auths(r#"{"auths":{"r.example":{"auth":"ZGVjb3k="}}}"#).unwrap(),
            "1 registry login stored in the file"
        );
        assert!(
            docker_auths(r#"{"auths":{"r.example":{}},"credsStore":"desktop"}"#)
                .unwrap()
                .contains("desktop")
        );
        assert_eq!(docker_auths(r#"{"auths":{}}"#), None);
    }
}
