//! # SW-GEN-025: archive anomalies
//!
//! **What it does.** Reports archive entries that are hostile to the tool
//! unpacking them: a path with `..` or an absolute path, a symbolic or
//! hard link that points outside the package, the same path twice (the
//! second copy silently replaces the first), two paths that differ only
//! in case (one hides the other on macOS and Windows), device files, and
//! a compression ratio that looks like a bomb. The archive reader never
//! writes, follows or extracts any of them; this rule turns what it
//! refused into findings.
//!
//! **Why is this bad.** Installers and build tools that unpack archives
//! themselves (`tar -x` in a build step, a naive unzip) write a `..` or
//! absolute entry over files outside the package — a `.bashrc`, a `.pth`
//! in site-packages — and follow a link to read or overwrite a secret.
//! Duplicates and case collisions let the code a reviewer reads differ
//! from the code that gets installed. No packaging tool produces them.
//!
//! **Example.**
//!
//! ```text
//! fixture-1.0/setup.py
//! fixture-1.0/../../.config/autostart/x.desktop     ← escapes with `..`
//! fixture-1.0/pkg/settings.cfg -> ../../../../home/u/.ssh/id_rsa
//! ```
//!
//! **False positives.** Links inside the package (`README -> README.md`)
//! are only noted (`info`), and a link out of a package read from a
//! directory on disk weighs `medium`; a duplicate whose copies are identical is
//! `low`, and so is a member just over the reader's compression-ratio
//! bound (native libraries padded with zeros). Old sdists made by hand now and then carry a duplicate entry;
//! alone it weighs `medium` and does not block.

use super::{Context, Emit, Rule};
use crate::artifact::ArtifactKind;
use crate::model::{Severity, Stage};
use shieldwall_archive::IssueKind;

pub(crate) static RULE: Rule = Rule {
    id: "SW-GEN-025",
    title: "archive anomalies",
    source: include_str!("gen025_archive_anomalies.rs"),
    check,
};

/// A compression ratio that only bombs reach (deflate tops out near
/// 1,000).
const BOMB_RATIO: u64 = 500;

/// Extensions of files whose shadowing changes what runs.
const CODE: &[&str] = &[
    ".py", ".pyw", ".pth", ".js", ".cjs", ".mjs", ".json", ".sh", ".gyp", ".cfg", ".toml",
];

fn check(cx: &Context<'_>, out: &mut Emit<'_>) {
    let artifact = cx.artifact;
    let mut duplicates = std::collections::HashSet::new();
    for issue in &artifact.issues {
        let path = issue.path.as_str();
        let (severity, message) = match &issue.kind {
            IssueKind::PathTraversal => (
                Severity::High,
                format!("the archive entry `{path}` escapes the package with `..`"),
            ),
            IssueKind::AbsolutePath => (
                Severity::High,
                format!("the archive entry `{path}` has an absolute path"),
            ),
            IssueKind::Symlink { target } => {
                if link_escapes(path, target) {
                    (
                        // A directory on disk is not an archive someone
                        // crafted; its links were made where it lives.
                        if artifact.kind == ArtifactKind::Directory {
                            Severity::Medium
                        } else {
                            Severity::High
                        },
                        format!("`{path}` is a symbolic link to `{target}`, outside the package"),
                    )
                } else {
                    (
                        Severity::Info,
                        format!("`{path}` is a symbolic link to `{target}` (not followed)"),
                    )
                }
            }
            IssueKind::Hardlink { target } => {
                if target.starts_with('/')
                    || shieldwall_archive::normalize(target).is_err()
                {
                    (
                        Severity::High,
                        format!("`{path}` is a hard link to `{target}`, outside the package"),
                    )
                } else {
                    (
                        Severity::Info,
                        format!("`{path}` is a hard link to `{target}` (not followed)"),
                    )
                }
            }
            IssueKind::Duplicate => {
                if !duplicates.insert(path) {
                    continue;
                }
                let copies: Vec<&[u8]> = artifact
                    .files
                    .iter()
                    .filter(|f| f.path == path)
                    .map(|f| f.bytes.as_slice())
                    .collect();
                if copies.len() >= 2 && copies.windows(2).all(|w| w[0] == w[1]) {
                    (
                        Severity::Low,
                        format!("`{path}` appears more than once in the archive (identical copies)"),
                    )
                } else {
                    (
                        Severity::Medium,
                        format!(
                            "`{path}` appears more than once in the archive: which copy gets installed depends on the tool"
                        ),
                    )
                }
            }
            IssueKind::HighRatio { size, compressed } => {
                // Reading stops at the bound, so `size` is a lower bound;
                // libraries padded with zeros pass the bound by a little,
                // bombs by five times.
                let bomb = *size >= BOMB_RATIO * (*compressed).max(1);
                (
                    if bomb { Severity::Medium } else { Severity::Low },
                    format!(
                        "`{path}` decompresses from {compressed} to over {size} bytes{}",
                        if bomb { ", a compression bomb" } else { "" }
                    ),
                )
            }
            IssueKind::SpecialFile => (
                Severity::Low,
                format!("`{path}` is a device or special file"),
            ),
            IssueKind::InvalidPath => (
                Severity::Low,
                format!("the archive entry `{path}` has an invalid path"),
            ),
            IssueKind::TooLarge { .. } | IssueKind::Unreadable { .. } => continue,
        };
        out.finding(severity, Stage::Metadata, path, None, message);
    }
    if let Some(error) = &artifact.error
        && error.contains("compression ratio limit")
    {
        out.finding(
            Severity::Medium,
            Stage::Metadata,
            &artifact.display,
            None,
            "the archive decompresses far beyond its size, a compression bomb; reading stopped",
        );
    }
    // Paths that differ only in case: on a case-insensitive file system
    // one replaces the other.
    let mut by_lower: std::collections::HashMap<String, &str> = std::collections::HashMap::new();
    let mut reported = std::collections::HashSet::new();
    for file in &artifact.files {
        let lower = file.path.to_lowercase();
        match by_lower.get(lower.as_str()) {
            Some(&first) if first != file.path => {
                if !reported.insert(lower.clone()) {
                    continue;
                }
                let code = CODE.iter().any(|e| lower.ends_with(e));
                out.finding(
                    if code { Severity::Medium } else { Severity::Low },
                    Stage::Metadata,
                    &file.path,
                    None,
                    format!(
                        "`{}` and `{first}` differ only in case: on macOS and Windows one replaces the other",
                        file.path
                    ),
                );
            }
            Some(_) => {}
            None => {
                by_lower.insert(lower, &file.path);
            }
        }
    }
}

/// Whether a symbolic link at `path` (relative to the package root) with
/// `target` points outside the package.
fn link_escapes(path: &str, target: &str) -> bool {
    let target = target.replace('\\', "/");
    let bytes = target.as_bytes();
    if target.starts_with('/') || (bytes.len() >= 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':') {
        return true;
    }
    let mut depth = path.matches('/').count() as i64;
    for part in target.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                depth -= 1;
                if depth < 0 {
                    return true;
                }
            }
            _ => depth += 1,
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::link_escapes;

    #[test]
    fn links() {
        assert!(!link_escapes("README", "README.md"));
        assert!(!link_escapes("docs/index.md", "../README.md"));
        assert!(link_escapes("docs/index.md", "../../x"));
        assert!(link_escapes("a", "/etc/passwd"));
        assert!(link_escapes("pkg/a", "../../../home/u/.ssh/id_rsa"));
        assert!(!link_escapes("pkg/a", "sub/../b"));
    }
}
