//! # SW-GEN-009: GitHub API writes and tokens
//!
//! **What it does.** Finds code that writes to GitHub through its REST or
//! GraphQL API — creating repositories (`/user/repos`, `createRepository`,
//! `createForAuthenticatedUser`), committing files (`/repos/…/contents/`,
//! `createCommitOnBranch`), adding workflows or secrets, registering a
//! self-hosted runner (`/actions/runners/registration-token`) — `git push`
//! to a URL carrying a token, and hard-coded GitHub (`ghp_…`,
//! `github_pat_…`, `gho_…`) and npm (`npm_…`) tokens.
//!
//! **Why is this bad.** The Shai-Hulud worms exfiltrate by creating a
//! repository with the victim's own token and committing the stolen
//! secrets to it, add workflows that dump every secret of a repository,
//! and register the victim's machine as a runner for later commands;
//! traffic to GitHub looks routine.
//!
//! **Example.**
//!
//! ```js
//! fetch(api + "/user/repos", { method: "POST",
//!   headers: { authorization: `token ${process.env.GITHUB_TOKEN}` },
//!   body: JSON.stringify({ name: "x", public: true }) });
//! ```
//!
//! **False positives.** Release tools and GitHub clients write through the
//! API on request: in code that only runs when called the rule is `low`.
//! Reading public releases is not reported. A hard-coded token is
//! `medium` wherever it is (it is a leak even when it is not malice).


use super::support;
use super::{Context, Emit, Rule, clip};
use crate::model::{Severity, Stage};
use crate::guarded::Guarded;

pub(crate) static RULE: Rule = Rule {
    id: "SW-GEN-009",
    title: "GitHub API writes and tokens",
    source: include_str!("gen009_github_api.rs"),
    check,
};

/// (pattern, what it does, whether it is severe on its own).
const WRITES: &[(&str, &str, bool)] = &[
    ("/user/repos", "creates or lists repositories through the GitHub API", false),
    ("/actions/runners/registration-token", "registers a self-hosted GitHub Actions runner", true),
    ("/actions/runners/registration_token", "registers a self-hosted GitHub Actions runner", true),
    ("/actions/secrets", "reads or writes GitHub Actions secrets", false),
    ("createrepository", "creates a repository through the GitHub GraphQL API", false),
    ("createcommitonbranch", "commits through the GitHub GraphQL API", false),
    ("createforauthenticateduser", "creates a repository through the GitHub API", false),
    ("createorupdatefilecontents", "commits files through the GitHub API", false),
    ("createinorg", "creates a repository through the GitHub API", false),
    ("createrepo", "creates a repository through the GitHub API", false),
    ("/git/refs", "writes git refs through the GitHub API", false),
    ("/git/trees", "writes git trees through the GitHub API", false),
];

pub(crate) static CONTENTS: Guarded = Guarded::new(
    &[".github/workflows", "contents/", "actions/workflows"],
    r"/repos/[^/\t\n\x0B\x0C\r ]+/[^/\t\n\x0B\x0C\r ]+/(?:contents/\S*\.github/workflows|contents/|actions/workflows)|\.github/workflows/[^\t\n\x0B\x0C\r ]*\.ya?ml",
);

pub(crate) static TOKEN: Guarded = Guarded::new(
    &["ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_", "npm_"],
    r"(?-u:\b)(?:gh[pousr]_[A-Za-z0-9]{36}|github_pat_[A-Za-z0-9_]{60,90}|npm_[A-Za-z0-9]{36})(?-u:\b)",
);

pub(crate) static TOKEN_URL: Guarded = Guarded::new(
    &["://"],
    r"(?i)https?://(?:x-access-token|oauth2|[^\t\n\x0B\x0C\r /:@]*:)?[^\t\n\x0B\x0C\r /@]*(?:token|gh[pous]_|github_pat_|\$\{|\{\})[^\t\n\x0B\x0C\r /@]*@[^\t\n\x0B\x0C\r /]+",
);

/// Whether a token-shaped literal looks real (mixed characters, not a
/// placeholder like `ghp_xxxx…`).
fn real_token(token: &str) -> bool {
    let body = token.split_once('_').map_or(token, |(_, b)| b);
    let body = body.strip_prefix("pat_").unwrap_or(body);
    body.bytes().any(|b| b.is_ascii_digit())
        && body.bytes().any(|b| b.is_ascii_uppercase())
        && body.bytes().any(|b| b.is_ascii_lowercase())
        && crate::lang::lexical::entropy(body.as_bytes()) > 3.5
}

fn check(cx: &Context<'_>, out: &mut Emit<'_>) {
    let mut best: std::collections::BTreeMap<&str, (u32, Severity, Stage, Option<u32>, String)> = Default::default();
    let mut put = |file, severity: Severity, stage: Stage, line, message: String| {
        let key = (crate::score::points(severity, stage), severity);
        let entry = best.entry(file).or_insert((0, Severity::Info, stage, line, String::new()));
        if key > (entry.0, entry.1) || entry.4.is_empty() {
            *entry = (key.0, severity, stage, line, message);
        }
    };
    let texts = support::texts(cx);
    for group in support::groups(cx) {
      // What some text of the group can match; nothing, for most groups.
      let writes: Vec<_> = WRITES.iter().filter(|(p, _, _)| group.joined.holds_ignore_case(p)).collect();
      let contents = CONTENTS.within(&group.joined);
      let token_url = TOKEN_URL.within(&group.joined).filter(|_| group.joined.holds_ignore_case("git"));
      let token = TOKEN.within(&group.joined);
      if writes.is_empty() && contents.is_none() && token_url.is_none() && token.is_none() {
          continue;
      }
      for t in &texts[group.texts.clone()] {
        let text = t.text.as_ref();
        let lower = text.to_ascii_lowercase();
        let stage = t.acting_stage();
        let automatic = stage.is_automatic();
        let write = writes
            .iter()
            .find(|(p, _, _)| lower.contains(p))
            .map(|(_, what, severe)| (*what, *severe))
            .or_else(|| {
                contents.as_ref().is_some_and(|re| re.is_match(text)).then_some(("commits files or workflows through the GitHub API", false))
            });
        if let Some((what, severe)) = write {
            let severity = match (automatic, severe) {
                (true, true) => Severity::Critical,
                (true, false) => Severity::High,
                (false, _) => Severity::Low,
            };
            put(t.file, severity, stage, t.line, format!("{what}: `{}`", clip(text, 100)));
        }
        if (lower.contains("git push") || lower.contains("git remote") || lower.contains("git clone") || !t.command)
            && (lower.contains("git") || lower.contains(".git"))
            && token_url.as_ref().is_some_and(|re| re.is_match(text))
        {
            let severity = if automatic { Severity::High } else { Severity::Low };
            put(t.file, severity, stage, t.line, format!("uses git with a token in the URL: `{}`", clip(text, 100)));
        }
        for m in token.iter().flat_map(|re| re.find_iter(text)) {
            if real_token(m.as_str()) {
                let kind = if m.as_str().starts_with("npm_") { "an npm token" } else { "a GitHub token" };
                let shown: String = m.as_str().chars().take(8).collect();
                put(t.file, Severity::Medium, t.stage, t.line, format!("holds {kind} (`{shown}…`)"));
                break;
            }
        }
      }
    }
    for (file, (_, severity, stage, line, message)) in best {
        if !message.is_empty() {
            out.finding(severity, stage, file, line, message);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens() {
        assert!(!real_token("ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"));
        assert!(real_token("ghp_Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4zAb7c"));
        assert!(TOKEN_URL.is_match("https://x-access-token:${t}@github.example.test/o/r.git"));
        assert!(!TOKEN_URL.is_match("https://github.example.test/o/r.git"));
    }
}
