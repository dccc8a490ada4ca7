//! What an analysis produces: findings with their stage and severity, and
//! the verdict on an artifact.

use std::fmt;

use serde::Serialize;
use shieldwall_core::Ecosystem;

/// When a piece of code runs. The same call is far more dangerous at
/// install, startup or import than inside a function someone may call.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Stage {
    /// While the package is installed or built: npm lifecycle scripts,
    /// `binding.gyp`, `setup.py`, an in-tree PEP 517 backend.
    Install,
    /// At every interpreter start: executable `.pth` lines.
    Startup,
    /// When the package is imported or required: module scope of
    /// `__init__.py`, of the modules it imports, of npm's entry module.
    Import,
    /// Only when something calls it: function bodies, entry points, bins.
    #[default]
    Runtime,
    /// Not code: the manifest, the file layout, the name.
    Metadata,
}

impl Stage {
    /// The stage's name as written in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Install => "install",
            Self::Startup => "startup",
            Self::Import => "import",
            Self::Runtime => "runtime",
            Self::Metadata => "metadata",
        }
    }

    /// Whether code at this stage runs without anyone calling it: install,
    /// startup and import.
    pub fn is_automatic(self) -> bool {
        matches!(self, Self::Install | Self::Startup | Self::Import)
    }
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How bad one finding is on its own.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Context only; never moves the verdict.
    Info,
    /// Common in legitimate packages; weighs little.
    Low,
    /// Worth a look.
    Medium,
    /// Rare in legitimate packages.
    High,
    /// Malware behavior on its own.
    Critical,
}

impl Severity {
    /// The severity's name as written in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Info => "info",
            Self::Low => "low",
            Self::Medium => "medium",
            Self::High => "high",
            Self::Critical => "critical",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One thing a rule saw.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// The rule's stable id (`SW-PY-001`).
    pub rule: &'static str,
    /// How bad it is.
    pub severity: Severity,
    /// When the code runs.
    pub stage: Stage,
    /// The file inside the artifact, relative to the package root.
    pub file: String,
    /// The 1-based line, when known.
    pub line: Option<u32>,
    /// What was seen, in plain words.
    pub message: String,
    /// Whether the behavior is malicious whenever the code runs, so it
    /// weighs inside a function someone calls as much as at install,
    /// startup or import (a credential theft chain, `exec` of downloaded
    /// code).
    #[serde(
        rename = "weighs_at_any_stage",
        skip_serializing_if = "std::ops::Not::not"
    )]
    pub any_stage: bool,
}

/// The decision on an artifact.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// Nothing that weighs enough.
    Pass,
    /// Worth a human look.
    Warn,
    /// Do not install.
    Block,
}

impl Verdict {
    /// The verdict's name as written in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pass => "pass",
            Self::Warn => "warn",
            Self::Block => "block",
        }
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One place the package's code can run, and when.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SurfaceEntry {
    /// When it runs.
    pub stage: Stage,
    /// The file that runs, or the manifest that declares it.
    pub file: String,
    /// How it gets run (`npm postinstall: node setup.js`).
    pub trigger: String,
}

/// The analysis of one artifact.
#[derive(Clone, Debug, Serialize)]
pub struct ArtifactReport {
    /// The artifact as the caller named it.
    pub path: String,
    /// The ecosystem, when it could be told.
    pub ecosystem: Option<Ecosystem>,
    /// The package name from its metadata (or its file name).
    pub name: Option<String>,
    /// The package version from its metadata (or its file name).
    pub version: Option<String>,
    /// The decision.
    pub verdict: Verdict,
    /// The weighted score the verdict was read from.
    pub score: u32,
    /// The findings that decided the verdict, in plain words, worst first.
    pub reasons: Vec<String>,
    /// Every finding, worst first.
    pub findings: Vec<Finding>,
    /// Every place the package's code can run.
    pub surface: Vec<SurfaceEntry>,
    /// Files read and their total size.
    pub files: usize,
    /// Total bytes of the files read.
    pub bytes: u64,
    /// Problems reading the artifact (damaged archive, limits reached); the
    /// analysis covers what could be read.
    pub errors: Vec<String>,
}
