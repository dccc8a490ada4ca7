//! # SW-PY-004: wheel RECORD mismatches
//!
//! **What it does.** Compares the files of a wheel with its
//! `*.dist-info/RECORD`, the list of every file and its SHA-256 that the
//! build tool wrote. A file missing from the list, or a code file whose
//! hash does not match, is reported: `low` for data, `medium` for a
//! changed hash, `high` when the unlisted file is a `.pth` file or
//! executable code.
//!
//! **Why is this bad.** Build tools write RECORD themselves, so a wheel
//! whose contents disagree with it was changed by hand after the build:
//! the way a payload gets slipped into a legitimate release (an extra
//! `.pth` file, a patched `__init__.py`) without rebuilding it.
//!
//! **Example.**
//!
//! ```text
//! pkg-1.0.dist-info/RECORD lists pkg/__init__.py and pkg/core.py,
//! but the wheel also holds pkg_init.pth
//! ```
//!
//! **False positives.** A few hand-made wheels have sloppy RECORD files;
//! unlisted data files and hash mismatches alone do not block.

use std::collections::HashMap;

use base64::Engine;
use sha2::Digest;

use super::{Context, Emit, Rule};
use crate::artifact::ArtifactKind;
use crate::model::{Severity, Stage};

pub(crate) static RULE: Rule = Rule {
    id: "SW-PY-004",
    title: "wheel RECORD mismatches",
    source: include_str!("py004_wheel_record.rs"),
    check,
};

/// Files hashed to compare with RECORD: code that can run.
fn is_code(path: &str) -> bool {
    [".py", ".pth", ".pyc", ".js", ".sh", ".so", ".pyd", ".dylib", ".dll", ".exe"]
        .iter()
        .any(|ext| path.ends_with(ext))
}

/// Bytes hashed at most per artifact.
const HASH_BUDGET: usize = 64 << 20;

fn check(cx: &Context<'_>, out: &mut Emit<'_>) {
    if !matches!(cx.artifact.kind, ArtifactKind::Wheel | ArtifactKind::Directory) {
        return;
    }
    let Some(record) = cx.artifact.files.iter().find(|f| {
        f.path.ends_with(".dist-info/RECORD") && f.path.matches('/').count() == 1
    }) else {
        return;
    };
    let text = String::from_utf8_lossy(&record.bytes);
    let mut listed: HashMap<String, Option<String>> = HashMap::new();
    for line in text.lines() {
        let (path, hash) = split_record_line(line);
        if path.is_empty() {
            continue;
        }
        let hash = hash
            .strip_prefix("sha256=")
            .map(|h| h.trim_end_matches('=').to_owned());
        listed.insert(path, hash);
    }
    if listed.is_empty() {
        return;
    }
    let dist_info = record.path.rsplit_once('/').map_or("", |(d, _)| d);
    let mut unlisted: Vec<&str> = Vec::new();
    let mut worst_unlisted: Option<(&str, Severity)> = None;
    let mut mismatched: Vec<&str> = Vec::new();
    let mut budget = HASH_BUDGET;
    for file in &cx.artifact.files {
        let path = file.path.as_str();
        if path == record.path
            || path.starts_with(dist_info)
                && (path.ends_with("/RECORD.jws") || path.ends_with("/RECORD.p7s"))
        {
            continue;
        }
        match listed.get(path) {
            None => {
                unlisted.push(path);
                let severity = if path.ends_with(".pth") || path.ends_with(".py") || is_code(path) {
                    Severity::High
                } else {
                    Severity::Low
                };
                if worst_unlisted.is_none_or(|(_, s)| severity > s) {
                    worst_unlisted = Some((path, severity));
                }
            }
            Some(Some(expected)) if is_code(path) && file.bytes.len() <= budget => {
                budget -= file.bytes.len();
                let digest = sha2::Sha256::digest(&file.bytes);
                let actual = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest);
                if &actual != expected {
                    mismatched.push(path);
                }
            }
            _ => {}
        }
    }
    let record_path = record.path.as_str();
    if let Some((path, severity)) = worst_unlisted {
        let more = if unlisted.len() > 1 {
            format!(" (and {} more)", unlisted.len() - 1)
        } else {
            String::new()
        };
        let what = if path.ends_with(".pth") {
            "a `.pth` file"
        } else if severity == Severity::High {
            "code"
        } else {
            "a file"
        };
        out.finding(
            severity,
            Stage::Metadata,
            path,
            None,
            format!("{what} not listed in `{record_path}`{more}: added after the wheel was built"),
        );
    }
    if let Some(path) = mismatched.first() {
        let more = if mismatched.len() > 1 {
            format!(" (and {} more)", mismatched.len() - 1)
        } else {
            String::new()
        };
        out.finding(
            Severity::Medium,
            Stage::Metadata,
            path,
            None,
            format!("its SHA-256 differs from the one in `{record_path}`{more}: changed after the wheel was built"),
        );
    }
}

/// A RECORD line's path and hash fields (the path may be quoted CSV).
fn split_record_line(line: &str) -> (String, &str) {
    let line = line.trim_end_matches('\r');
    if let Some(rest) = line.strip_prefix('"') {
        let mut path = String::new();
        let mut chars = rest.char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            if c == '"' {
                if chars.peek().map(|(_, c)| *c) == Some('"') {
                    path.push('"');
                    chars.next();
                    continue;
                }
                let tail = &rest[i + 1..];
                let hash = tail.trim_start_matches(',').split(',').next().unwrap_or("");
                return (path, hash);
            }
            path.push(c);
        }
        return (path, "");
    }
    let mut fields = line.splitn(3, ',');
    let path = fields.next().unwrap_or("").to_owned();
    let hash = fields.next().unwrap_or("");
    (path, hash)
}

#[cfg(test)]
mod tests {
    use super::split_record_line;

    #[test]
    fn record_lines() {
        assert_eq!(split_record_line("a/b.py,sha256=xyz,12"), ("a/b.py".into(), "sha256=xyz"));
        assert_eq!(split_record_line("\"a,b.py\",sha256=q,1"), ("a,b.py".into(), "sha256=q"));
        assert_eq!(split_record_line("x.dist-info/RECORD,,"), ("x.dist-info/RECORD".into(), ""));
    }
}
