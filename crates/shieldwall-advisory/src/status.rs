//! Counts describing what the database holds: per source, per ecosystem,
//! and in total.

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::model::Advisory;

/// How many advisories and explicitly listed versions one ecosystem has.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EcosystemCounts {
    /// Advisories with at least one `affected` entry in the ecosystem.
    pub advisories: u64,
    /// Explicitly listed versions (`affected[].versions` entries).
    pub versions: u64,
    /// Whether `scan` matches packages of this ecosystem.
    pub matched: bool,
}

/// Where a source's advisories came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SourceKind {
    /// Compiled into the binary.
    Builtin,
    /// Imported with [`crate::import`] and kept in the store directory.
    Import,
}

/// What one source contributes to the database.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceStatus {
    /// The source's name: the feed name for built-in sources, the
    /// canonical import path for imports.
    pub source: String,
    /// Built in or imported.
    pub kind: SourceKind,
    /// When the source was imported (RFC 3339); `None` for built-in feeds.
    pub imported_at: Option<String>,
    /// How current the data is: the newest `modified` time of its records,
    /// or the date the feed states.
    pub snapshot: Option<String>,
    /// Advisories kept (records without an id are not).
    pub advisories: u64,
    /// Advisories classified as malicious packages.
    pub malicious: u64,
    /// Withdrawn advisories (kept, never matched).
    pub withdrawn: u64,
    /// Counts per ecosystem, by the name the data uses.
    pub by_ecosystem: BTreeMap<String, EcosystemCounts>,
}

/// What the whole database holds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DbStatus {
    /// Advisories over every source.
    pub total: u64,
    /// Malicious-package advisories over every source.
    pub malicious: u64,
    /// Withdrawn advisories over every source.
    pub withdrawn: u64,
    /// Counts per ecosystem over every source.
    pub by_ecosystem: BTreeMap<String, EcosystemCounts>,
    /// Each source, built-in ones first.
    pub sources: Vec<SourceStatus>,
}

impl DbStatus {
    pub(crate) fn from_sources(sources: Vec<SourceStatus>) -> Self {
        let mut by_ecosystem: BTreeMap<String, EcosystemCounts> = BTreeMap::new();
        for source in &sources {
            for (eco, counts) in &source.by_ecosystem {
                let entry = by_ecosystem.entry(eco.clone()).or_default();
                entry.advisories += counts.advisories;
                entry.versions += counts.versions;
                entry.matched = counts.matched;
            }
        }
        Self {
            total: sources.iter().map(|s| s.advisories).sum(),
            malicious: sources.iter().map(|s| s.malicious).sum(),
            withdrawn: sources.iter().map(|s| s.withdrawn).sum(),
            by_ecosystem,
            sources,
        }
    }
}

/// Accumulates a [`SourceStatus`] one advisory at a time.
#[derive(Debug)]
pub(crate) struct Tally {
    status: SourceStatus,
    newest: Option<Timestamp>,
}

impl Tally {
    pub(crate) fn new(source: String, kind: SourceKind, imported_at: Option<String>) -> Self {
        Self {
            status: SourceStatus {
                source,
                kind,
                imported_at,
                snapshot: None,
                advisories: 0,
                malicious: 0,
                withdrawn: 0,
                by_ecosystem: BTreeMap::new(),
            },
            newest: None,
        }
    }

    pub(crate) fn add(&mut self, advisory: &Advisory) {
        let s = &mut self.status;
        s.advisories += 1;
        s.malicious += u64::from(advisory.malicious);
        s.withdrawn += u64::from(advisory.is_withdrawn());
        let mut seen: Vec<&str> = Vec::new();
        for affected in &advisory.affected {
            let counts = s
                .by_ecosystem
                .entry(affected.ecosystem.clone())
                .or_default();
            counts.versions += affected.versions.len() as u64;
            counts.matched = affected.matchable_ecosystem().is_some();
            if !seen.contains(&affected.ecosystem.as_str()) {
                seen.push(&affected.ecosystem);
                counts.advisories += 1;
            }
        }
        if let Some(modified) = &advisory.modified
            && let Ok(ts) = modified.trim().parse::<Timestamp>()
            && self.newest.is_none_or(|n| ts > n)
        {
            self.newest = Some(ts);
            s.snapshot = Some(modified.trim().to_owned());
        }
    }

    /// Sets the snapshot when the source states its own date.
    pub(crate) fn set_snapshot(&mut self, snapshot: Option<String>) {
        if snapshot.is_some() {
            self.status.snapshot = snapshot;
        }
    }

    pub(crate) fn finish(self) -> SourceStatus {
        self.status
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Affected;

    fn adv(modified: Option<&str>, ecos: &[(&str, usize)]) -> Advisory {
        Advisory {
            id: "X".into(),
            modified: modified.map(str::to_owned),
            affected: ecos
                .iter()
                .map(|(e, n)| Affected {
                    ecosystem: (*e).to_owned(),
                    versions: vec!["1".into(); *n],
                    ..Affected::default()
                })
                .collect(),
            ..Advisory::default()
        }
    }

    #[test]
    fn tally_counts_and_snapshot() {
        let mut t = Tally::new("s".into(), SourceKind::Import, None);
        t.add(&adv(
            Some("2026-05-01T00:00:00Z"),
            &[("npm", 2), ("npm", 1)],
        ));
        t.add(&adv(Some("2026-05-12T10:00:00.5Z"), &[("crates.io", 1)]));
        t.add(&adv(Some("not a time"), &[("PyPI", 3)]));
        t.add(&adv(Some("2026-04-01T00:00:00Z"), &[]));
        let s = t.finish();
        assert_eq!(s.advisories, 4);
        assert_eq!(s.snapshot.as_deref(), Some("2026-05-12T10:00:00.5Z"));
        assert_eq!(
            s.by_ecosystem["npm"],
            EcosystemCounts {
                advisories: 1,
                versions: 3,
                matched: true
            }
        );
        assert!(!s.by_ecosystem["crates.io"].matched);
        assert_eq!(s.by_ecosystem["PyPI"].versions, 3);
    }
}
