//! The advisory record shieldwall keeps: the parts of an OSV record that
//! matching, reporting and hunting need, in a form that stores compactly.

use serde::{Deserialize, Serialize};
use shieldwall_core::Ecosystem;

/// One advisory: an OSV record, or a compiled-in feed entry, as shieldwall
/// keeps it.
///
/// Version strings are kept as the source wrote them; they are parsed with
/// each ecosystem's rules only when a lookup needs them.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Advisory {
    /// The OSV id (`MAL-2026-2144`, `GHSA-…`) or a shieldwall local id
    /// (`SHIELDWALL-…`).
    pub id: String,
    /// Other ids of the same advisory (`PYSEC-…`, `GHSA-…`).
    pub aliases: Vec<String>,
    /// One-line summary.
    pub summary: String,
    /// Longer description.
    pub details: String,
    /// The feed the advisory came from: `shai-hulud-detect`,
    /// `shieldwall-seeds`, or the path an import was made from.
    pub source: String,
    /// When the advisory was published (RFC 3339), if known.
    pub published: Option<String>,
    /// When the advisory was last modified (RFC 3339), if known.
    pub modified: Option<String>,
    /// When the advisory was withdrawn (RFC 3339); a withdrawn advisory
    /// never matches.
    pub withdrawn: Option<String>,
    /// When the incident happened, as the source states it
    /// (`MAY 2026`, `2026-05-12`), if it says.
    pub date: Option<String>,
    /// True for malicious-package advisories (as opposed to vulnerabilities).
    pub malicious: bool,
    /// Indicators of compromise the advisory carries.
    pub iocs: Iocs,
    /// The packages and versions the advisory affects.
    pub affected: Vec<Affected>,
    /// Reference URLs (write-ups, vendor advisories).
    pub references: Vec<String>,
    /// The record's top-level `database_specific` object as JSON text, if
    /// it had one.
    pub database_specific: Option<String>,
}

impl Advisory {
    /// True once the advisory has been withdrawn.
    pub fn is_withdrawn(&self) -> bool {
        self.withdrawn.is_some()
    }
}

/// Indicators of compromise from a malicious-package advisory
/// (`database_specific.iocs` in OpenSSF records).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Iocs {
    /// Domain names the malware contacts.
    pub domains: Vec<String>,
    /// URLs the malware contacts or downloads from.
    pub urls: Vec<String>,
    /// IP addresses the malware contacts.
    pub ip_addresses: Vec<String>,
    /// File hashes, each prefixed with its algorithm when the source names
    /// it (`sha256:…`).
    pub hashes: Vec<String>,
}

impl Iocs {
    /// True when there is no indicator at all.
    pub fn is_empty(&self) -> bool {
        self.domains.is_empty()
            && self.urls.is_empty()
            && self.ip_addresses.is_empty()
            && self.hashes.is_empty()
    }
}

/// One `affected[]` entry: a package and the versions of it an advisory
/// affects.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Affected {
    /// The ecosystem as the source names it (`npm`, `PyPI`, `crates.io`,
    /// `Root:PyPI`…); `npm` and `PyPI` are spelled canonically.
    pub ecosystem: String,
    /// The package name as the source wrote it.
    pub name: String,
    /// The package URL, if given.
    pub purl: Option<String>,
    /// Affected version ranges.
    pub ranges: Vec<Range>,
    /// Explicitly affected versions, as the source wrote them.
    pub versions: Vec<String>,
    /// The entry's `database_specific` object as JSON text, if it had one.
    pub database_specific: Option<String>,
}

impl Affected {
    /// The ecosystem if shieldwall matches it, `None` for every other one.
    pub fn matchable_ecosystem(&self) -> Option<Ecosystem> {
        Ecosystem::from_osv(&self.ecosystem)
    }
}

/// An OSV range: a kind and its events.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Range {
    /// How the events' versions are ordered.
    pub kind: RangeKind,
    /// The repository of a `GIT` range.
    pub repo: Option<String>,
    /// The events, in source order.
    pub events: Vec<Event>,
}

/// The type of an OSV range.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum RangeKind {
    /// `SEMVER`: SemVer 2.0 precedence.
    Semver,
    /// `ECOSYSTEM`: the package ecosystem's own ordering.
    Ecosystem,
    /// `GIT`: commit hashes; never evaluated against versions.
    Git,
    /// Any other type, kept as written; never evaluated.
    Other(String),
}

impl RangeKind {
    /// Parses an OSV range type.
    pub fn from_osv(kind: &str) -> Self {
        match kind {
            "SEMVER" => Self::Semver,
            "ECOSYSTEM" => Self::Ecosystem,
            "GIT" => Self::Git,
            other => Self::Other(other.to_owned()),
        }
    }

    /// True for the kinds evaluated against package versions.
    pub fn is_versioned(&self) -> bool {
        matches!(self, Self::Semver | Self::Ecosystem)
    }
}

/// One event of an OSV range.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    /// What the event marks.
    pub kind: EventKind,
    /// The version (or commit, for `GIT`) as written; `"0"` and `"*"` keep
    /// their OSV meaning.
    pub version: String,
}

/// The kind of an OSV range event.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum EventKind {
    /// `introduced`.
    Introduced,
    /// `fixed`.
    Fixed,
    /// `last_affected`.
    LastAffected,
    /// `limit`.
    Limit,
}

impl EventKind {
    /// The OSV key (`introduced`, `fixed`, `last_affected`, `limit`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Introduced => "introduced",
            Self::Fixed => "fixed",
            Self::LastAffected => "last_affected",
            Self::Limit => "limit",
        }
    }
}
