//! Behavior drift: what a new version of a package can do that the old
//! one could not — new install or startup hooks, new capabilities at each
//! stage (by rule and file), new dependencies (especially git and URL
//! ones), new native binaries, new large files, and size jumps — with a
//! drift severity a gateway can act on.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::analysis::{Analysis, Options, analyze};
use crate::artifact::Artifact;
use crate::model::{Severity, Stage};

/// What kind of change.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ChangeKind {
    /// A new place where code runs by itself (install, startup, import
    /// entry, editor or agent hook).
    Hook,
    /// A rule finding with no counterpart in the old version (same rule,
    /// stage and file).
    Capability,
    /// A dependency the old version did not declare, or one that moved to
    /// a git or URL source.
    Dependency,
    /// A native executable or library that is new.
    Binary,
    /// A large new file.
    File,
    /// The package grew by much more than usual.
    Size,
}

/// One difference between the old and the new version.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Change {
    /// What kind of change.
    pub kind: ChangeKind,
    /// How much it matters.
    pub severity: Severity,
    /// When the new code runs.
    pub stage: Stage,
    /// The file in the new version.
    pub file: String,
    /// The line, when known.
    pub line: Option<u32>,
    /// What changed, in plain words.
    pub message: String,
}

/// The drift between two versions.
#[derive(Clone, Debug, Serialize)]
pub struct Drift {
    /// The worst change (`none` when nothing changed that matters).
    pub severity: Option<Severity>,
    /// Every change, worst first.
    pub changes: Vec<Change>,
    /// Total bytes of the old and new versions.
    pub bytes: (u64, u64),
    /// File counts of the old and new versions.
    pub files: (usize, usize),
}

/// Files above this size are reported when new.
const LARGE_FILE: usize = 512 * 1024;

/// Compares two artifacts.
pub fn diff(old: &Artifact, new: &Artifact, options: &Options) -> Drift {
    let before = analyze(old, options);
    let after = analyze(new, options);
    let mut changes = Vec::new();
    hooks(&before, &after, &mut changes);
    capabilities(&before, &after, &mut changes);
    dependencies(old, new, &mut changes);
    files(&before, &after, &mut changes);
    let (old_bytes, new_bytes) = (old.total_bytes(), new.total_bytes());
    if new_bytes > 1 << 20 && new_bytes > old_bytes.saturating_mul(3) {
        changes.push(Change {
            kind: ChangeKind::Size,
            severity: Severity::Medium,
            stage: Stage::Metadata,
            file: String::new(),
            line: None,
            message: format!("the package grew from {old_bytes} to {new_bytes} bytes"),
        });
    }
    changes.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then(a.stage.cmp(&b.stage))
            .then(a.kind.cmp(&b.kind))
            .then(a.file.cmp(&b.file))
    });
    Drift {
        severity: changes
            .iter()
            .map(|c| c.severity)
            .filter(|s| *s > Severity::Info)
            .max(),
        changes,
        bytes: (old_bytes, new_bytes),
        files: (old.files.len(), new.files.len()),
    }
}

fn hooks(before: &Analysis, after: &Analysis, out: &mut Vec<Change>) {
    let old: BTreeSet<(Stage, &str, String)> = before
        .plan
        .entries
        .iter()
        .map(|e| (e.stage, e.file.as_str(), normalize(&e.trigger)))
        .collect();
    for entry in &after.plan.entries {
        if old.contains(&(entry.stage, entry.file.as_str(), normalize(&entry.trigger))) {
            continue;
        }
        let severity = match entry.stage {
            Stage::Install | Stage::Startup => Severity::High,
            Stage::Import if before.files.iter().any(|f| f.path == entry.file) => Severity::Low,
            Stage::Import => Severity::Medium,
            _ => Severity::Info,
        };
        out.push(Change {
            kind: ChangeKind::Hook,
            severity,
            stage: entry.stage,
            file: entry.file.clone(),
            line: None,
            message: format!("new {} hook: {}", entry.stage, entry.trigger),
        });
    }
}

fn capabilities(before: &Analysis, after: &Analysis, out: &mut Vec<Change>) {
    let old: BTreeSet<(&str, Stage, &str)> = before
        .findings
        .iter()
        .map(|f| (f.rule, f.stage, f.file.as_str()))
        .collect();
    let mut seen = BTreeSet::new();
    for f in &after.findings {
        let key = (f.rule, f.stage, f.file.as_str());
        if old.contains(&key) || !seen.insert(key) || f.severity == Severity::Info {
            continue;
        }
        let severity = if f.stage.is_automatic() {
            f.severity
        } else {
            f.severity.min(Severity::Medium)
        };
        out.push(Change {
            kind: ChangeKind::Capability,
            severity,
            stage: f.stage,
            file: f.file.clone(),
            line: f.line,
            message: format!("new {} capability: {} [{}]", f.stage, f.message, f.rule),
        });
    }
}

fn dependencies(old: &Artifact, new: &Artifact, out: &mut Vec<Change>) {
    let before = declared_dependencies(old);
    for (name, (spec, file)) in declared_dependencies(new) {
        let remote = is_remote_spec(&spec);
        let (severity, message) = match before.get(&name) {
            None if remote => (
                Severity::High,
                format!("new dependency `{name}` from a non-registry source `{spec}`"),
            ),
            None => (Severity::Low, format!("new dependency `{name}` `{spec}`")),
            Some((old_spec, _)) if remote && !is_remote_spec(old_spec) => (
                Severity::High,
                format!(
                    "dependency `{name}` moved from `{old_spec}` to a non-registry source `{spec}`"
                ),
            ),
            Some(_) => continue,
        };
        out.push(Change {
            kind: ChangeKind::Dependency,
            severity,
            stage: Stage::Install,
            file,
            line: None,
            message,
        });
    }
}

/// Declared dependencies: npm's four sections, or Python's
/// `Requires-Dist` lines: name → (spec, file).
fn declared_dependencies(artifact: &Artifact) -> BTreeMap<String, (String, String)> {
    let mut out = BTreeMap::new();
    if let Some(file) = artifact.file("package.json")
        && let Ok(json) = serde_json::from_slice::<serde_json::Value>(&file.bytes)
    {
        for section in [
            "dependencies",
            "optionalDependencies",
            "devDependencies",
            "peerDependencies",
        ] {
            for (name, spec) in json[section].as_object().into_iter().flatten() {
                let spec = spec.as_str().unwrap_or_default().to_owned();
                out.entry(name.clone())
                    .or_insert((spec, "package.json".to_owned()));
            }
        }
        return out;
    }
    let metadata = artifact.files.iter().find(|f| {
        (f.path.ends_with(".dist-info/METADATA") && f.path.matches('/').count() == 1)
            || f.path == "PKG-INFO"
    });
    if let Some(file) = metadata {
        for line in String::from_utf8_lossy(&file.bytes).lines() {
            let Some(req) = line.strip_prefix("Requires-Dist:") else {
                continue;
            };
            let req = req.trim();
            let name: String = req
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
                .collect::<String>()
                .to_ascii_lowercase()
                .replace(['_', '.'], "-");
            if !name.is_empty() {
                out.entry(name)
                    .or_insert((req.to_owned(), file.path.clone()));
            }
        }
    }
    out
}

fn is_remote_spec(spec: &str) -> bool {
    let s = spec.trim().to_ascii_lowercase();
    s.starts_with("git")
        || s.starts_with("http:")
        || s.starts_with("https:")
        || s.starts_with("github:")
        || s.starts_with("gitlab:")
        || s.starts_with("bitbucket:")
        || s.starts_with("file:")
        || s.contains(" @ ")
        || (s.contains('/') && !s.starts_with('@') && !s.starts_with("npm:") && !s.contains(' '))
}

fn files(before: &Analysis, after: &Analysis, out: &mut Vec<Change>) {
    let old: BTreeMap<&str, usize> = before
        .files
        .iter()
        .map(|f| (f.path.as_str(), f.size))
        .collect();
    for file in &after.files {
        let old_size = old.get(file.path.as_str()).copied();
        if let Some(format) = file.native
            && old_size.is_none()
        {
            out.push(Change {
                kind: ChangeKind::Binary,
                severity: Severity::Medium,
                stage: file.load_stage(),
                file: file.path.clone(),
                line: None,
                message: format!("new {format} binary ({} bytes)", file.size),
            });
            continue;
        }
        let grew = match old_size {
            None => file.size >= LARGE_FILE,
            Some(before) => file.size >= LARGE_FILE && file.size > before.saturating_mul(4),
        };
        if grew {
            let severity = if file.role.is_some() {
                Severity::Medium
            } else {
                Severity::Low
            };
            let message = match old_size {
                None => format!("new large file ({} bytes)", file.size),
                Some(before) => format!("file grew from {before} to {} bytes", file.size),
            };
            out.push(Change {
                kind: ChangeKind::File,
                severity,
                stage: file.load_stage(),
                file: file.path.clone(),
                line: None,
                message,
            });
        }
    }
}

/// Text with digits and quoted parts dropped, so that version numbers in
/// a hook's command do not count as a change.
fn normalize(text: &str) -> String {
    text.chars().filter(|c| !c.is_ascii_digit()).collect()
}

#[cfg(test)]
mod tests {
    use super::is_remote_spec;

    #[test]
    fn remote_specs() {
        assert!(is_remote_spec(
            "github:tanstack/router#0123456789abcdef0123456789abcdef01234567"
        ));
        assert!(is_remote_spec("git+https://example.test/x.git"));
        assert!(is_remote_spec("user/repo"));
        assert!(is_remote_spec("pkg @ https://example.test/pkg.whl"));
        assert!(!is_remote_spec("^1.2.3"));
        assert!(!is_remote_spec("npm:other@1"));
        assert!(!is_remote_spec("requests (>=2.0)"));
    }
}
