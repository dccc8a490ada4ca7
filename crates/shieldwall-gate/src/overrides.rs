//! Overrides: a person lets one package version (or one file, by hash)
//! through the policy for a while, with a reason. They expire on their
//! own, never let a known-malicious version through, and are kept in the
//! record with who asked for them.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use shieldwall_core::Ecosystem;

use crate::policy::same_version;

/// One override.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Override {
    /// Its id in the record.
    pub id: i64,
    /// `pypi` or `npm`.
    pub ecosystem: String,
    /// The package name, normalized.
    pub name: String,
    /// The version it covers; `None` covers the one file named by `sha256`.
    pub version: Option<String>,
    /// The one file it covers, by sha256.
    pub sha256: Option<String>,
    /// Why.
    pub reason: String,
    /// Who asked.
    pub requested_by: String,
    /// Who it applies to (free text: a team, a CI project); informational.
    pub scope: Option<String>,
    /// When it was made.
    pub created_at: Timestamp,
    /// When it stops applying.
    pub expires_at: Timestamp,
    /// When it was revoked (by a person, or because the version was later
    /// listed as malicious), and why.
    pub revoked_at: Option<Timestamp>,
    /// Why it was revoked.
    pub revoked_reason: Option<String>,
}

impl Override {
    /// True when the override is in force at `now`.
    pub fn is_active(&self, now: Timestamp) -> bool {
        self.revoked_at.is_none() && now < self.expires_at
    }

    /// True when the override is in force at `now` and covers the package
    /// version or file.
    pub fn covers(
        &self,
        ecosystem: Ecosystem,
        name: &str,
        version: &str,
        sha256: Option<&str>,
        now: Timestamp,
    ) -> bool {
        if !self.is_active(now) || self.ecosystem != ecosystem_key(ecosystem) {
            return false;
        }
        if self.name != ecosystem.normalize_name(name) {
            return false;
        }
        match (&self.version, &self.sha256) {
            (_, Some(hash)) => sha256.is_some_and(|h| h.eq_ignore_ascii_case(hash)),
            (Some(v), None) => same_version(ecosystem, v, version),
            (None, None) => false,
        }
    }

    /// An override for tests.
    #[cfg(test)]
    pub(crate) fn example(eco: &str, name: &str, version: Option<&str>, expires: &str) -> Self {
        Self {
            id: 1,
            ecosystem: eco.to_owned(),
            name: name.to_owned(),
            version: version.map(str::to_owned),
            sha256: None,
            reason: "hotfix".to_owned(),
            requested_by: "alice".to_owned(),
            scope: None,
            created_at: "2026-01-01T00:00:00Z".parse().unwrap(),
            expires_at: expires.parse().unwrap(),
            revoked_at: None,
            revoked_reason: None,
        }
    }
}

/// The ecosystem key used in records and overrides (`pypi`, `npm`).
pub fn ecosystem_key(ecosystem: Ecosystem) -> String {
    ecosystem.as_str().to_ascii_lowercase()
}
