//! git checkouts under the root, read as text (git itself is never run on
//! the hunted tree, so none of its hooks or configured programs can run):
//! remotes pointing at repositories named like a campaign's exfiltration
//! repositories or containing a marker, and branches named like a
//! campaign's branches (loose refs and `packed-refs`).

use std::path::{Path, PathBuf};

use globset::{GlobBuilder, GlobMatcher};

use crate::catalog::{Indicator, PatternKind};
use crate::checks::{hit, strings_in};
use crate::model::{Hit, HitKind};
use crate::scope::Scope;
use crate::walk::git_ref;

/// Checks the `config`, `packed-refs` and loose ref files the walk found.
pub(crate) fn check(scope: &Scope, files: &[PathBuf]) -> Vec<Hit> {
    let repos = matchers(scope, PatternKind::Repo);
    let branches = matchers(scope, PatternKind::Branch);
    let mut hits = Vec::new();
    for path in files {
        if let Some((checkout, branch)) = git_ref(path) {
            hits.extend(branch_hits(scope, &branches, &checkout, &branch, "a ref"));
            continue;
        }
        let Some(checkout) = path.parent().and_then(Path::parent) else {
            continue;
        };
        let is_config = path.file_name().is_some_and(|n| n == "config");
        let Some(text) = scope.read_text(path) else {
            continue;
        };
        if is_config {
            for (remote, url) in remotes(&text) {
                let url = without_credentials(&url);
                let subject = format!("{} remote `{remote}`", scope.show(checkout));
                let name = repo_name(&url);
                for (glob, ind) in &repos {
                    if glob.is_match(name.to_lowercase()) {
                        hits.push(hit(
                            HitKind::Git,
                            Some(scope.show(path)),
                            subject.clone(),
                            ind,
                            format!(
                                "points at `{url}`, a repository named like `{}`",
                                ind.pattern
                            ),
                        ));
                    }
                }
                for ind in strings_in(scope, &url) {
                    hits.push(hit(
                        HitKind::Git,
                        Some(scope.show(path)),
                        subject.clone(),
                        ind,
                        format!("points at `{url}`, which contains `{}`", ind.pattern),
                    ));
                }
            }
        } else {
            for line in text.lines() {
                let Some(name) = line.split_whitespace().nth(1) else {
                    continue;
                };
                let branch = if let Some(b) = name.strip_prefix("refs/heads/") {
                    b
                } else if let Some(r) = name.strip_prefix("refs/remotes/") {
                    r.split_once('/').map_or("", |(_, b)| b)
                } else {
                    continue;
                };
                hits.extend(branch_hits(
                    scope,
                    &branches,
                    checkout,
                    branch,
                    "`packed-refs`",
                ));
            }
        }
    }
    hits
}

fn matchers(scope: &Scope, kind: PatternKind) -> Vec<(GlobMatcher, &Indicator)> {
    scope
        .catalog
        .of(kind)
        .filter_map(|i| {
            let glob = GlobBuilder::new(&i.pattern.to_lowercase())
                .literal_separator(true)
                .build()
                .ok()?;
            Some((glob.compile_matcher(), i))
        })
        .collect()
}

fn branch_hits(
    scope: &Scope,
    branches: &[(GlobMatcher, &Indicator)],
    checkout: &Path,
    branch: &str,
    seen_in: &str,
) -> Vec<Hit> {
    let lower = branch.to_lowercase();
    let last = lower.rsplit('/').next().unwrap_or(&lower);
    branches
        .iter()
        .filter(|(glob, _)| glob.is_match(&lower) || glob.is_match(last))
        .map(|(_, ind)| {
            hit(
                HitKind::Git,
                Some(scope.show(checkout)),
                format!("{} branch `{branch}`", scope.show(checkout)),
                ind,
                format!(
                    "a branch named like `{}` ({seen_in} of the checkout)",
                    ind.pattern
                ),
            )
        })
        .collect()
}

/// `(remote, url)` for every `url` (and `pushurl`) of every
/// `[remote "name"]` section of a git config file.
pub(crate) fn remotes(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut current: Option<String> = None;
    for raw in text.lines() {
        let line = raw.trim();
        if line.starts_with('[') {
            current = line
                .strip_prefix("[remote")
                .and_then(|r| r.trim().strip_suffix(']'))
                .map(|r| r.trim().trim_matches('"').to_owned());
            continue;
        }
        let Some(remote) = &current else { continue };
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        let key = key.trim().to_ascii_lowercase();
        if key == "url" || key == "pushurl" {
            let value = value.trim().trim_matches('"');
            if !value.is_empty() {
                out.push((remote.clone(), value.to_owned()));
            }
        }
    }
    out
}

/// A URL with any `user:password@` part removed: a remote URL can carry a
/// token, and no secret value reaches the report.
pub(crate) fn without_credentials(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..end].rfind('@') {
        Some(at) => format!("{scheme}://{}", &rest[at + 1..]),
        None => url.to_owned(),
    }
}

/// The repository name of a remote URL: its last path segment without
/// `.git` (`https://host/o/Shai-Hulud.git` and `git@host:o/Shai-Hulud`
/// are both `Shai-Hulud`).
pub(crate) fn repo_name(url: &str) -> String {
    let trimmed = url.trim_end_matches('/');
    let last = trimmed.rsplit(['/', ':']).next().unwrap_or(trimmed);
    last.strip_suffix(".git").unwrap_or(last).to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remote_sections_and_names() {
        let config = "[core]\n\turl = not-a-remote\n[remote \"origin\"]\n\turl = https://tok:DECOY@github.example/a/Shai-Hulud.git\n\tfetch = +refs/heads/*:refs/remotes/origin/*\n[remote \"up\"]\n\tpushurl = git@github.example:b/tool\n[branch \"main\"]\n\tremote = origin\n";
        let got = remotes(config);
        assert_eq!(
            got,
            [
                (
                    "origin".to_owned(),
                    "https://tok:DECOY@github.example/a/Shai-Hulud.git".to_owned()
                ),
                ("up".to_owned(), "git@github.example:b/tool".to_owned()),
            ]
        );
        let clean = without_credentials(&got[0].1);
        assert_eq!(clean, "https://github.example/a/Shai-Hulud.git");
        assert_eq!(repo_name(&clean), "Shai-Hulud");
        assert_eq!(repo_name(&got[1].1), "tool");
        assert_eq!(repo_name("git@h:o/x/"), "x");
        assert_eq!(without_credentials("git@h:o/x"), "git@h:o/x");
    }
}
