use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::Ecosystem;

/// What kind of evidence says a package is present.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum EvidenceKind {
    /// A resolved entry in a lockfile (`package-lock.json`, `uv.lock`, ...).
    Lockfile,
    /// A manifest that pins one exact version (`"keyv": "6.0.0"`,
    /// `mistralai==2.4.6`).
    ManifestPin,
    /// A manifest range that merely admits versions (`^6.0.0`); the
    /// reference's `version` holds the declared requirement.
    ManifestRange,
    /// Installed package metadata (`node_modules/*/package.json`,
    /// `*.dist-info/METADATA`).
    Installed,
    /// A package manager cache entry: it was downloaded here.
    Cache,
    /// A package archive on disk (`.whl`, sdist, npm `.tgz`).
    Artifact,
    /// Found inside a container image layer; [`Layer::evidence`] says what
    /// kind of evidence it was inside the layer.
    ImageLayer,
    /// A component listed in an SBOM.
    Sbom,
}

impl EvidenceKind {
    /// The kebab-case name used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Lockfile => "lockfile",
            Self::ManifestPin => "manifest-pin",
            Self::ManifestRange => "manifest-range",
            Self::Installed => "installed",
            Self::Cache => "cache",
            Self::Artifact => "artifact",
            Self::ImageLayer => "image-layer",
            Self::Sbom => "sbom",
        }
    }
}

impl fmt::Display for EvidenceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The container image layer a package was found in.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Layer {
    /// The image archive or OCI layout directory.
    pub image: Arc<str>,
    /// The layer's position, counting from 0 at the base.
    pub index: u32,
    /// The layer's digest (`sha256:…`) or archive member name.
    pub digest: Arc<str>,
    /// The kind of evidence inside the layer (installed, lockfile, ...).
    pub evidence: EvidenceKind,
    /// The layer that deleted the file again, when a later layer did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deleted_in: Option<u32>,
}

/// Where a package was found.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Location {
    /// The file, as given on the command line plus the walked path; paths
    /// inside archives are joined with `!`.
    pub path: Arc<str>,
    /// The 1-based line, when the format gives one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    /// What kind of evidence this is.
    pub kind: EvidenceKind,
    /// The artifact hash the file records (`sha512-…`, `sha256:…`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hash: Option<String>,
    /// A short qualifier: `dev`, `alias router-alias`, `git source`, ...
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// The image layer, for packages found inside container images.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub layer: Option<Box<Layer>>,
}

impl Location {
    /// A location with no line, hash, note or layer.
    pub fn new(path: Arc<str>, kind: EvidenceKind) -> Self {
        Self {
            path,
            line: None,
            kind,
            hash: None,
            note: None,
            layer: None,
        }
    }

    /// Sets the 1-based line.
    #[must_use]
    pub fn with_line(mut self, line: Option<u32>) -> Self {
        self.line = line;
        self
    }

    /// Sets the recorded artifact hash.
    #[must_use]
    pub fn with_hash(mut self, hash: Option<String>) -> Self {
        self.hash = hash.filter(|h| !h.is_empty());
        self
    }

    /// Sets the qualifier note.
    #[must_use]
    pub fn with_note(mut self, note: Option<String>) -> Self {
        self.note = note.filter(|n| !n.is_empty());
        self
    }
}

/// A package version found somewhere, with where it was found.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PackageRef {
    /// The ecosystem.
    pub ecosystem: Ecosystem,
    /// The name as found (not normalized; see [`Ecosystem::normalize_name`]).
    pub name: String,
    /// The version as found; for [`EvidenceKind::ManifestRange`] the
    /// declared requirement instead.
    pub version: String,
    /// Where it was found.
    pub location: Location,
}

impl PackageRef {
    /// A reference to `name@version` found at `location`.
    pub fn new(
        ecosystem: Ecosystem,
        name: impl Into<String>,
        version: impl Into<String>,
        location: Location,
    ) -> Self {
        Self {
            ecosystem,
            name: name.into(),
            version: version.into(),
            location,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn location_json_omits_empty_fields() {
        let loc = Location::new("app/package-lock.json".into(), EvidenceKind::Lockfile)
            .with_line(Some(12))
            .with_hash(Some(String::new()));
        let json = serde_json::to_string(&loc).unwrap();
        assert_eq!(
            json,
            r#"{"path":"app/package-lock.json","line":12,"kind":"lockfile"}"#
        );
    }

    #[test]
    fn kinds_render_kebab_case() {
        assert_eq!(EvidenceKind::ManifestRange.to_string(), "manifest-range");
        assert_eq!(
            serde_json::to_string(&EvidenceKind::ImageLayer).unwrap(),
            "\"image-layer\""
        );
    }
}
