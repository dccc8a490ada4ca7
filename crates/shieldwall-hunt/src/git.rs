//! The git exposure-window audit: commits since a time that touched
//! dependency manifests, lockfiles, `setup.py`, `pyproject.toml` or CI
//! configuration, with author and committer; authors impersonating
//! automation or AI assistants and extra root (orphan) commits are flagged.
//! This runs `git log` on the user's own repository (never on a scanned
//! package).

use std::path::Path;
use std::process::Command;

use crate::error::HuntError;
use crate::model::{Commit, Hit, HitKind};

/// Separates records and fields in the `git log` format.
const RS: char = '\u{1e}';
const FS: char = '\u{1f}';

/// Dependency and CI file names (lowercase, exact).
const MANIFESTS: &[&str] = &[
    "package.json",
    "package-lock.json",
    "npm-shrinkwrap.json",
    "yarn.lock",
    "pnpm-lock.yaml",
    "pnpm-workspace.yaml",
    "bun.lock",
    "bun.lockb",
    ".npmrc",
    ".yarnrc.yml",
    "setup.py",
    "setup.cfg",
    "pyproject.toml",
    "poetry.lock",
    "pipfile",
    "pipfile.lock",
    "uv.lock",
    "pdm.lock",
    "pylock.toml",
    "cargo.toml",
    "cargo.lock",
    "go.mod",
    "go.sum",
    "gemfile",
    "gemfile.lock",
    ".gitlab-ci.yml",
    ".travis.yml",
    "jenkinsfile",
    "azure-pipelines.yml",
    "bitbucket-pipelines.yml",
    "action.yml",
    "action.yaml",
];

/// Directories whose files are CI configuration or start-up hooks.
const CI_DIRS: &[&str] = &[
    ".github/",
    ".circleci/",
    ".buildkite/",
    ".claude/",
    ".vscode/",
];

/// True when a changed path is a dependency or CI file.
pub fn is_watched(path: &str) -> bool {
    let lower = path.to_lowercase();
    let name = lower.rsplit('/').next().unwrap_or(&lower);
    MANIFESTS.contains(&name)
        || (name.starts_with("requirements") && name.ends_with(".txt"))
        || (name.starts_with("constraints") && name.ends_with(".txt"))
        || name.ends_with(".pth")
        || CI_DIRS
            .iter()
            .any(|d| lower.starts_with(d) || lower.contains(&format!("/{d}")))
}

/// Automation and assistants, and the email endings their real commits use.
const BOTS: &[(&str, &[&str])] = &[
    (
        "github-actions",
        &[
            "github-actions[bot]@users.noreply.github.com",
            "actions@github.com",
        ],
    ),
    (
        "dependabot",
        &[
            "dependabot[bot]@users.noreply.github.com",
            "support@github.com",
        ],
    ),
    (
        "renovate",
        &[
            "renovate[bot]@users.noreply.github.com",
            "bot@renovateapp.com",
        ],
    ),
    (
        "copilot",
        &[
            "copilot@users.noreply.github.com",
            "copilot[bot]@users.noreply.github.com",
        ],
    ),
    (
        "claude",
        &[
            "noreply@anthropic.com",
            "claude[bot]@users.noreply.github.com",
        ],
    ),
    ("[bot]", &["[bot]@users.noreply.github.com"]),
];

/// Why a name and email look like an impersonation, if they do.
pub fn impersonation(name: &str, email: &str) -> Option<String> {
    let name_l = name.to_lowercase();
    let email_l = email.to_lowercase();
    for (bot, emails) in BOTS {
        if name_l.contains(bot) {
            if emails.iter().any(|e| email_l.ends_with(e)) {
                return None;
            }
            return Some(format!(
                "`{name}` looks like automation or an AI assistant but the email `{email}` is not one it uses"
            ));
        }
    }
    None
}

/// What the audit found.
#[derive(Debug, Default)]
pub struct Audit {
    /// The commits that touched watched files.
    pub commits: Vec<Commit>,
    /// Flagged commits, as indicators.
    pub hits: Vec<Hit>,
}

/// Audits one repository since `since` (anything `git log --since` takes;
/// the CLI passes RFC 3339).
pub fn audit(repo: &Path, since: &str) -> Result<Audit, HuntError> {
    let fail = |message: String| HuntError::Git {
        path: repo.to_owned(),
        message,
    };
    let roots = git(repo, &["rev-list", "--max-parents=0", "--all"]).map_err(fail)?;
    let roots: Vec<&str> = roots.lines().collect();
    let format = format!("--format={RS}%H{FS}%P{FS}%an{FS}%ae{FS}%cn{FS}%ce{FS}%cI{FS}%s");
    let since_arg = format!("--since={since}");
    let log = git(
        repo,
        &[
            "log",
            "--all",
            "--no-renames",
            "--name-only",
            &since_arg,
            &format,
        ],
    )
    .map_err(fail)?;
    let shown = repo.display().to_string();
    let mut out = Audit::default();
    for record in log.split(RS).filter(|r| !r.trim().is_empty()) {
        let mut lines = record.lines();
        let header = lines.next().unwrap_or_default();
        let f: Vec<&str> = header.split(FS).collect();
        if f.len() < 8 {
            continue;
        }
        let files: Vec<String> = lines
            .map(str::trim)
            .filter(|l| !l.is_empty() && is_watched(l))
            .map(str::to_owned)
            .collect();
        let mut flags = Vec::new();
        for (name, email) in [(f[2], f[3]), (f[4], f[5])] {
            if let Some(why) = impersonation(name, email)
                && !flags.contains(&why)
            {
                flags.push(why);
            }
        }
        if f[1].is_empty() && roots.len() > 1 {
            flags.push(format!(
                "a root commit with no parent in a repository with {} roots: an orphan branch",
                roots.len()
            ));
        }
        if files.is_empty() && flags.is_empty() {
            continue;
        }
        let commit = Commit {
            repo: shown.clone(),
            hash: f[0].to_owned(),
            author: format!("{} <{}>", f[2], f[3]),
            committer: format!("{} <{}>", f[4], f[5]),
            time: f[6].to_owned(),
            subject: f[7..].join(" "),
            files,
            flags,
        };
        for flag in &commit.flags {
            out.hits.push(Hit {
                kind: HitKind::Git,
                path: Some(shown.clone()),
                subject: format!("{} {}", shown, &commit.hash[..commit.hash.len().min(12)]),
                campaign: "generic".to_owned(),
                evidence: flag.clone(),
                why:
                    "stolen tokens are used to push commits under the names of bots and assistants"
                        .to_owned(),
                dead_mans_switch: false,
            });
        }
        out.commits.push(commit);
    }
    Ok(out)
}

fn git(repo: &Path, args: &[&str]) -> Result<String, String> {
    let output = Command::new("git")
        .arg("-C")
        .arg(repo)
        .args(args)
        .env("GIT_TERMINAL_PROMPT", "0")
        .output()
        .map_err(|e| format!("cannot run `git`: {e}"))?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        return Err(stderr.lines().next().unwrap_or("git failed").to_owned());
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn watched_paths() {
        for yes in [
            "package.json",
            "web/pnpm-lock.yaml",
            "requirements-dev.txt",
            "setup.py",
            "pyproject.toml",
            ".github/workflows/ci.yml",
            "sub/.github/workflows/x.yml",
            ".claude/settings.json",
        ] {
            assert!(is_watched(yes), "{yes}");
        }
        for no in ["src/main.rs", "README.md", "docs/setup.md"] {
            assert!(!is_watched(no), "{no}");
        }
    }

    #[test]
    fn impersonators() {
        assert!(
            impersonation(
                "github-actions[bot]",
                "41898282+github-actions[bot]@users.noreply.github.com"
            )
            .is_none()
        );
        assert!(
            impersonation(
                "dependabot[bot]",
                "49699333+dependabot[bot]@users.noreply.github.com"
            )
            .is_none()
        );
        assert!(impersonation("Claude", "noreply@anthropic.com").is_none());
        assert!(impersonation("github-actions", "gha@mail.example").is_some());
        assert!(impersonation("claude", "bot@evil.example").is_some());
        assert!(impersonation("Alice", "alice@example.com").is_none());
    }
}
