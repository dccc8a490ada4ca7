//! The scan report: what `shieldwall scan` found, what it could not read,
//! and how much it read. Its JSON form is a contract (see `SCHEMA_VERSION`).

use std::collections::BTreeMap;

use serde::Serialize;
use shieldwall_core::{Ecosystem, Location};

/// The version of the JSON report layout. It changes only when a field is
/// removed or changes meaning; new fields may appear without a bump.
pub const SCHEMA_VERSION: u32 = 1;

/// How serious a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// A manifest range admits a known-bad version; nothing says it was
    /// installed.
    Warning,
    /// A version with a known vulnerability is present.
    High,
    /// A known-malicious version is present.
    Critical,
}

impl Severity {
    /// The lowercase name used in every format.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Warning => "warning",
            Self::High => "high",
            Self::Critical => "critical",
        }
    }
}

/// The complete result of one scan.
#[derive(Clone, Debug, Serialize)]
pub struct ScanReport {
    /// The JSON layout version, [`SCHEMA_VERSION`].
    pub schema_version: u32,
    /// The tool that wrote the report.
    pub tool: Tool,
    /// The advisory data the scan matched against.
    pub advisory_db: AdvisoryDbInfo,
    /// One entry per affected package version, most severe first.
    pub findings: Vec<Finding>,
    /// Files and entries that were not read, and why.
    pub not_covered: Vec<NotCovered>,
    /// Counts.
    pub summary: Summary,
}

/// The tool that wrote a report.
#[derive(Clone, Debug, Serialize)]
pub struct Tool {
    /// Always `shieldwall`.
    pub name: String,
    /// The tool's version.
    pub version: String,
}

/// The advisory data a scan matched against.
#[derive(Clone, Debug, Serialize)]
pub struct AdvisoryDbInfo {
    /// How many advisories were loaded.
    pub advisories: usize,
    /// The sources, built-in feed first.
    pub sources: Vec<String>,
    /// The newest modification time among imported advisories.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub snapshot: Option<String>,
}

/// One affected package version and every place it was found.
#[derive(Clone, Debug, Serialize)]
pub struct Finding {
    /// The ecosystem.
    pub ecosystem: Ecosystem,
    /// The package name, as the advisory spells it.
    pub name: String,
    /// The version found, or for a warning the bad version a range admits.
    pub version: String,
    /// The package URL.
    pub purl: String,
    /// How serious it is.
    pub severity: Severity,
    /// The matching advisory ids.
    pub advisories: Vec<String>,
    /// The matching advisories in full.
    pub advisory_details: Vec<AdvisoryRef>,
    /// Every place it was found.
    pub locations: Vec<Location>,
    /// What to do.
    pub remediation: String,
}

/// The part of an advisory a report shows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AdvisoryRef {
    /// The advisory id.
    pub id: String,
    /// Other ids for the same advisory.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    /// A one-line summary.
    pub summary: String,
    /// Where the advisory came from.
    pub source: String,
    /// When it was published, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub published: Option<String>,
    /// True for malicious-package advisories.
    pub malicious: bool,
}

/// Why something was not read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum NotCoveredKind {
    /// A package format shieldwall knows but does not read.
    UnsupportedFormat,
    /// A file that is not valid in its format.
    Malformed,
    /// A file the extractor read only in part; the rest was read.
    Partial,
    /// A file or directory that could not be opened.
    Unreadable,
    /// A file larger than the size limit.
    TooLarge,
}

impl NotCoveredKind {
    /// The kebab-case name used in every format.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::UnsupportedFormat => "unsupported-format",
            Self::Malformed => "malformed",
            Self::Partial => "partial",
            Self::Unreadable => "unreadable",
            Self::TooLarge => "too-large",
        }
    }
}

/// A file, directory or entry that was not read.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct NotCovered {
    /// The path.
    pub path: String,
    /// The 1-based line, for a bad entry inside a file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    /// The category.
    pub kind: NotCoveredKind,
    /// What happened, lowercase, no trailing period.
    pub reason: String,
}

/// Counts of what a scan read.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Summary {
    /// The paths given to scan.
    pub roots: Vec<String>,
    /// Files read, by extractor id (`npm/package-lock`, `python/uv-lock`, ...).
    pub files_read: BTreeMap<String, u64>,
    /// Package references checked against the advisory data.
    pub packages_checked: u64,
    /// Findings of severity critical or high.
    pub affected: usize,
    /// Findings of severity warning.
    pub warnings: usize,
    /// Entries in `not_covered`.
    pub not_covered: usize,
    /// Wall-clock time of the scan in milliseconds.
    pub duration_ms: u64,
}

impl ScanReport {
    /// The highest severity among the findings.
    pub fn worst(&self) -> Option<Severity> {
        self.findings.iter().map(|f| f.severity).max()
    }

    /// Total files read.
    pub fn files_read(&self) -> u64 {
        self.summary.files_read.values().sum()
    }
}
