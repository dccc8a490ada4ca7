//! Secret-looking environment variable names, from the process table and,
//! on the live host, this process's own environment.

use crate::model::{Exposure, ExposureKind};
use crate::scope::Scope;

/// Name parts that mark a variable as secret (split on `_`).
const SECRET_PARTS: &[&str] = &[
    "TOKEN",
    "SECRET",
    "PASSWORD",
    "PASSWD",
    "PASSPHRASE",
    "APIKEY",
    "CREDENTIALS",
    "CREDENTIAL",
    "PAT",
];

/// Name parts that say the variable holds a reference, not a secret.
const NOT_SECRET_PARTS: &[&str] = &["FILE", "PATH", "SOCK", "DIR", "URL", "HOST", "USER", "ID"];

/// Known AI provider variables.
const AI_PROVIDERS: &[&str] = &[
    "OPENAI_API_KEY",
    "ANTHROPIC_API_KEY",
    "CLAUDE_CODE_OAUTH_TOKEN",
    "GEMINI_API_KEY",
    "GOOGLE_API_KEY",
    "MISTRAL_API_KEY",
    "COHERE_API_KEY",
    "GROQ_API_KEY",
    "HF_TOKEN",
    "HUGGING_FACE_HUB_TOKEN",
    "HUGGINGFACE_TOKEN",
    "REPLICATE_API_TOKEN",
    "TOGETHER_API_KEY",
    "OPENROUTER_API_KEY",
    "DEEPSEEK_API_KEY",
    "XAI_API_KEY",
    "AZURE_OPENAI_API_KEY",
];

/// Secrets whose name gives no hint.
const KNOWN: &[&str] = &[
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "NODE_AUTH_TOKEN",
];

/// True when the name of a variable looks like it holds a secret.
pub fn looks_secret(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    if AI_PROVIDERS.contains(&upper.as_str()) || KNOWN.contains(&upper.as_str()) {
        return true;
    }
    let parts: Vec<&str> = upper.split('_').collect();
    if parts.iter().any(|p| NOT_SECRET_PARTS.contains(p)) {
        return false;
    }
    let key = parts.windows(2).any(|w| {
        w[1] == "KEY"
            && matches!(
                w[0],
                "API" | "ACCESS" | "PRIVATE" | "SECRET" | "AUTH" | "SIGNING" | "ENCRYPTION"
            )
    });
    key || parts.iter().any(|p| SECRET_PARTS.contains(p)) || parts.last() == Some(&"AUTH")
}

/// The kind of a secret variable.
fn kind(name: &str) -> ExposureKind {
    if AI_PROVIDERS.contains(&name.to_ascii_uppercase().as_str()) {
        ExposureKind::AiProvider
    } else {
        ExposureKind::Env
    }
}

/// Exposure entries for secret variable names (values are never read
/// here: only names arrive).
pub(crate) fn check(scope: &Scope, proc_names: &[(String, String)]) -> Vec<Exposure> {
    let mut names: Vec<(String, String)> = proc_names.to_vec();
    if scope.live {
        for (name, _) in std::env::vars_os() {
            let name = name.to_string_lossy().into_owned();
            if looks_secret(&name) && !names.iter().any(|(n, _)| *n == name) {
                names.push((name, "this process".to_owned()));
            }
        }
    }
    names
        .into_iter()
        .map(|(name, source)| Exposure {
            kind: kind(&name),
            path: None,
            detail: format!("set in the environment of {source}"),
            name: Some(name),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::looks_secret;

    #[test]
    fn secret_names() {
        for yes in [
            "GITHUB_TOKEN",
            "NPM_TOKEN",
            "OPENAI_API_KEY",
            "AWS_SECRET_ACCESS_KEY",
            "AWS_ACCESS_KEY_ID",
            "DB_PASSWORD",
            "STRIPE_SECRET_KEY",
            "GH_PAT",
            "TWINE_PASSWORD",
            "HF_TOKEN",
        ] {
            assert!(looks_secret(yes), "{yes}");
        }
        for no in [
            "PATH",
            "HOME",
            "SSH_AUTH_SOCK",
            "XAUTHORITY",
            "GOOGLE_APPLICATION_CREDENTIALS_FILE",
            "TOKENIZERS_PARALLELISM",
            "KEYMAP",
            "MISTRAL_INIT",
            "AWS_PROFILE",
        ] {
            assert!(!looks_secret(no), "{no}");
        }
    }
}
