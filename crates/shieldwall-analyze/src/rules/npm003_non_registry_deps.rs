//! # SW-NPM-003: dependencies from outside the registry
//!
//! **What it does.** Reads the dependency sections of `package.json`
//! (`dependencies`, `optionalDependencies`, `peerDependencies`,
//! `devDependencies`) for specs that do not come from the registry:
//! `git+…`, `git://`, `github:`/`gitlab:`/`bitbucket:`, bare
//! `owner/repo`, tarball URLs, and `file:`/`link:` paths that leave the
//! package.
//!
//! **Why is this bad.** A git or URL dependency escapes every registry
//! control (age, advisories, provenance, the gateway's verdict) and is
//! built on install: npm runs its `prepare` script. The TanStack worm
//! added an `optionalDependencies` entry pinned to a GitHub commit whose
//! `prepare` ran Bun; an optional dependency that fails to build fails
//! silently.
//!
//! **Example.**
//!
//! ```json
//! { "optionalDependencies": {
//!     "@scope/setup": "github:someone/repo#0123456789abcdef0123456789abcdef01234567" } }
//! ```
//!
//! **False positives.** Forks pinned while an upstream fix is pending.
//! Installed dependencies are `medium`, `devDependencies` (not installed
//! for consumers) `low`; a commit-pinned git dependency in
//! `optionalDependencies` is `high`, and `critical` when it is named into
//! the package's own scope (`@scope/setup` in an `@scope/…` package), as
//! the TanStack worm's was: a package never needs its own scope's code
//! from a git commit.

use std::sync::LazyLock;

use super::{Context, Emit, Rule};
use crate::model::{Severity, Stage};

pub(crate) static RULE: Rule = Rule {
    id: "SW-NPM-003",
    title: "dependencies from outside the registry",
    source: include_str!("npm003_non_registry_deps.rs"),
    check,
};

static BARE_REPO: LazyLock<regex::Regex> = LazyLock::new(|| {
    regex::Regex::new(r"^[A-Za-z0-9][A-Za-z0-9_.-]*/[A-Za-z0-9_.-]+(?:#.*)?$").expect("a valid regex")
});

static COMMIT: LazyLock<regex::Regex> =
    LazyLock::new(|| regex::Regex::new(r"#(?:commit=)?[0-9a-fA-F]{40}(?-u:\b)").expect("a valid regex"));

/// Where a dependency spec points, when it is not the registry.
pub(crate) fn source_kind(spec: &str) -> Option<&'static str> {
    let s = spec.trim().to_ascii_lowercase();
    if s.starts_with("git+") || s.starts_with("git://") || s.starts_with("git@") {
        Some("a git repository")
    } else if s.starts_with("github:") || s.starts_with("gitlab:") || s.starts_with("bitbucket:") || s.starts_with("gist:") {
        Some("a hosted git repository")
    } else if s.starts_with("http://") || s.starts_with("https://") {
        Some("a URL")
    } else if let Some(path) = s.strip_prefix("file:").or_else(|| s.strip_prefix("link:")) {
        let path = path.trim_start_matches("./");
        (path.starts_with("..") || path.starts_with('/') || path.starts_with('~') || path.contains(":\\"))
            .then_some("a path outside the package")
    } else if BARE_REPO.is_match(spec.trim()) && !s.starts_with('@') {
        Some("a GitHub repository")
    } else {
        None
    }
}

fn check(cx: &Context<'_>, out: &mut Emit<'_>) {
    let Some(manifest) = &cx.plan.manifest else { return };
    let text = cx
        .files
        .iter()
        .find(|f| f.path == "package.json")
        .and_then(|f| f.text.as_deref())
        .unwrap_or("");
    let own = manifest["name"]
        .as_str()
        .filter(|n| n.starts_with('@'))
        .and_then(|n| n.split_once('/'))
        .map(|(scope, _)| scope);
    for section in ["dependencies", "optionalDependencies", "peerDependencies", "devDependencies"] {
        for (name, spec) in manifest[section].as_object().into_iter().flatten() {
            let Some(spec) = spec.as_str() else { continue };
            // `npm:` aliases name a registry package.
            let Some(kind) = source_kind(spec) else { continue };
            let pinned = COMMIT.is_match(spec) && kind != "a URL" && kind != "a path outside the package";
            // An optional dependency under the package's own scope, built
            // from a pinned commit: the TanStack worm's shape.
            let own_scope = own.is_some_and(|scope| name.starts_with(&format!("{scope}/")));
            let (severity, stage) = match section {
                // Installed only by the package's own developers.
                "devDependencies" => (Severity::Low, Stage::Runtime),
                "optionalDependencies" if pinned && own_scope => (Severity::Critical, Stage::Install),
                "optionalDependencies" if pinned => (Severity::High, Stage::Install),
                _ => (Severity::Medium, Stage::Install),
            };
            let pin = match (pinned, own_scope && section == "optionalDependencies") {
                (true, true) => ", pinned to a commit and named into the package's own scope",
                (true, false) => ", pinned to a commit",
                _ => "",
            };
            let line = text
                .find(&format!("\"{name}\""))
                .map(|at| crate::lang::lexical::line_of(text.as_bytes(), at));
            out.finding(
                severity,
                stage,
                "package.json",
                line,
                format!("{section} `{name}` comes from {kind}{pin} (`{spec}`), outside the registry's controls"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::source_kind;

    #[test]
    fn kinds() {
        assert!(source_kind("github:o/r#0123456789abcdef0123456789abcdef01234567").is_some());
        assert!(source_kind("git+https://git.example.test/o/r.git").is_some());
        assert!(source_kind("o/r").is_some());
        assert!(source_kind("https://x.example.test/a.tgz").is_some());
        assert!(source_kind("file:../other").is_some());
        assert!(source_kind("file:./vendor/x").is_none());
        assert!(source_kind("^1.2.3").is_none());
        assert!(source_kind("npm:other@^1").is_none());
        assert!(source_kind("workspace:*").is_none());
        assert!(source_kind(">=1 <2 || 3.x").is_none());
        assert!(source_kind("latest").is_none());
    }
}
