//! The indicator catalog: a built-in TOML file compiled in, plus user files
//! in the same format.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::HuntError;

/// The built-in catalog (`data/indicators.toml`).
const BUILTIN: &str = include_str!("../data/indicators.toml");

/// What an indicator pattern is matched against.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PatternKind {
    /// A path: `/abs/glob` under the root, `~/glob` under each home, or a
    /// bare glob matched against every path.
    File,
    /// A marker string looked for in command lines and start-up files.
    String,
    /// An environment variable name.
    Env,
    /// An IP address of an open TCP connection.
    Address,
    /// The file name glob of a unit, cron file, plist or autostart entry.
    Persistence,
    /// The file name glob of a GitHub workflow.
    Workflow,
    /// A self-hosted runner name.
    Runner,
    /// The sha256 (hex) of a file where droppers land: `/tmp`, `/var/tmp`,
    /// `.claude`, `.vscode`, `_runtime`, `.pth` files, workflows, and every
    /// file a `file` indicator names.
    Hash,
    /// The name (glob, any case) of a git branch in a checked-out project.
    Branch,
    /// The name (glob, any case) of the repository a git remote points at.
    Repo,
}

/// One indicator of compromise.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Indicator {
    /// The campaign it belongs to (`mistralai-2.4.6`).
    pub campaign: String,
    /// What the pattern is matched against.
    pub kind: PatternKind,
    /// The name, glob, string or address.
    pub pattern: String,
    /// Why it matters, in one line.
    pub why: String,
    /// For `file` entries: the file matches only with this sha256 (hex).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    /// Persistence that destroys data when its token is revoked.
    #[serde(default)]
    pub dead_mans_switch: bool,
    /// Where the indicator comes from: a write-up, an advisory id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CatalogFile {
    #[serde(default)]
    indicator: Vec<Indicator>,
}

/// A set of indicators.
#[derive(Clone, Debug, Default)]
pub struct Catalog {
    /// Every indicator, built-in first.
    pub indicators: Vec<Indicator>,
}

impl Catalog {
    /// The built-in catalog.
    pub fn builtin() -> Self {
        Self {
            indicators: parse(BUILTIN, Path::new("built-in"))
                .expect("the built-in indicator catalog is valid"),
        }
    }

    /// Adds the indicators of a user file in the same format.
    pub fn extend_from_file(&mut self, path: &Path) -> Result<(), HuntError> {
        let text = std::fs::read_to_string(path).map_err(|source| HuntError::ReadIndicators {
            path: path.to_owned(),
            source,
        })?;
        self.indicators.extend(parse(&text, path)?);
        Ok(())
    }

    /// The indicators of one kind.
    pub fn of(&self, kind: PatternKind) -> impl Iterator<Item = &Indicator> {
        self.indicators.iter().filter(move |i| i.kind == kind)
    }
}

/// Parses and checks a catalog file.
fn parse(text: &str, path: &Path) -> Result<Vec<Indicator>, HuntError> {
    let bad = |message: String| HuntError::BadIndicators {
        path: path.to_owned(),
        message,
    };
    let file: CatalogFile = toml::from_str(text).map_err(|e| bad(e.to_string()))?;
    for (n, ind) in file.indicator.iter().enumerate() {
        let which = format!("indicator {} (`{}`)", n + 1, ind.pattern);
        if ind.pattern.trim().is_empty() {
            return Err(bad(format!("indicator {}: empty `pattern`", n + 1)));
        }
        if let Some(hash) = &ind.sha256 {
            if ind.kind != PatternKind::File {
                return Err(bad(format!(
                    "{which}: `sha256` is only for `file` indicators"
                )));
            }
            if !is_sha256(hash) {
                return Err(bad(format!("{which}: `sha256` is not 64 hex digits")));
            }
        }
        if ind.kind == PatternKind::Address && ind.pattern.parse::<std::net::IpAddr>().is_err() {
            return Err(bad(format!("{which}: not an IP address")));
        }
        if ind.kind == PatternKind::Hash && !is_sha256(&ind.pattern) {
            return Err(bad(format!("{which}: a `hash` is 64 hex digits (sha256)")));
        }
        if matches!(
            ind.kind,
            PatternKind::File
                | PatternKind::Persistence
                | PatternKind::Workflow
                | PatternKind::Branch
                | PatternKind::Repo
        ) && globset::Glob::new(&ind.pattern).is_err()
        {
            return Err(bad(format!("{which}: not a valid glob")));
        }
    }
    Ok(file.indicator)
}

/// 64 hex digits.
pub(crate) fn is_sha256(text: &str) -> bool {
    text.len() == 64 && text.bytes().all(|b| b.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_parses_and_covers_every_kind() {
        let catalog = Catalog::builtin();
        for kind in [
            PatternKind::File,
            PatternKind::String,
            PatternKind::Env,
            PatternKind::Address,
            PatternKind::Persistence,
            PatternKind::Workflow,
            PatternKind::Runner,
            PatternKind::Branch,
            PatternKind::Repo,
        ] {
            assert!(catalog.of(kind).next().is_some(), "{kind:?}");
        }
        for ind in &catalog.indicators {
            assert!(ind.source.is_some(), "no source for `{}`", ind.pattern);
        }
        assert!(catalog.indicators.iter().any(|i| i.dead_mans_switch));
    }

    #[test]
    fn bad_files_are_refused_with_a_reason() {
        for (text, needle) in [
            (
                "[[indicator]]\ncampaign='c'\nkind='address'\npattern='nope'\nwhy='w'",
                "IP",
            ),
            (
                "[[indicator]]\ncampaign='c'\nkind='string'\npattern='x'\nwhy='w'\nsha256='00'",
                "only for",
            ),
            (
                "[[indicator]]\ncampaign='c'\nkind='file'\npattern='x'\nwhy='w'\nsha256='zz'",
                "64",
            ),
            (
                "[[indicator]]\ncampaign='c'\nkind='colour'\npattern='x'\nwhy='w'",
                "unknown",
            ),
            (
                "[[indicator]]\ncampaign='c'\nkind='file'\npattern=''\nwhy='w'",
                "empty",
            ),
            (
                "[[indicator]]\ncampaign='c'\nkind='hash'\npattern='abc'\nwhy='w'",
                "64 hex",
            ),
        ] {
            let err = parse(text, Path::new("f.toml")).unwrap_err().to_string();
            assert!(err.contains(needle), "{err}");
        }
    }
}
