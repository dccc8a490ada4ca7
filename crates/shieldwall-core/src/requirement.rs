use std::str::FromStr;

use crate::{Ecosystem, Version};

/// A declared version requirement that could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{input}` is not a valid {ecosystem} version requirement")]
pub struct RequirementError {
    /// The ecosystem whose syntax was applied.
    pub ecosystem: Ecosystem,
    /// The rejected input.
    pub input: String,
}

/// A declared version requirement from a manifest: an npm range
/// (`^6.0.0`, `>=1 <2 || 3.x`) or PEP 440 specifiers (`>=1.82.7,<1.83`).
#[derive(Clone, Debug)]
pub enum Requirement {
    /// An npm semver range.
    Npm(nodejs_semver::Range),
    /// PEP 440 version specifiers; empty means any version.
    PyPI(pep440_rs::VersionSpecifiers),
}

impl Requirement {
    /// Parses `input` in the requirement syntax of `ecosystem`.
    pub fn parse(ecosystem: Ecosystem, input: &str) -> Result<Self, RequirementError> {
        let err = || RequirementError {
            ecosystem,
            input: input.to_owned(),
        };
        match ecosystem {
            Ecosystem::Npm => nodejs_semver::Range::parse(input.trim())
                .map(Self::Npm)
                .map_err(|_| err()),
            Ecosystem::PyPI => pep440_rs::VersionSpecifiers::from_str(input.trim())
                .map(Self::PyPI)
                .map_err(|_| err()),
        }
    }

    /// True when a resolver honouring this requirement could pick `version`.
    pub fn admits(&self, version: &Version) -> bool {
        match (self, version) {
            (Self::Npm(range), Version::Npm(v)) => range.satisfies(v),
            (Self::PyPI(spec), Version::PyPI(v)) => spec.contains(v),
            _ => false,
        }
    }

    /// The one version this requirement pins, if it pins exactly one
    /// (`"6.0.0"`, `"=6.0.0"`, `==2.4.6`, `===2.4.6`).
    pub fn exact(ecosystem: Ecosystem, input: &str) -> Option<Version> {
        let input = input.trim();
        match ecosystem {
            Ecosystem::Npm => Version::parse(Ecosystem::Npm, input).ok(),
            Ecosystem::PyPI => {
                let rest = input
                    .strip_prefix("===")
                    .or_else(|| input.strip_prefix("=="))?;
                if rest.contains([',', '*']) {
                    return None;
                }
                Version::parse(Ecosystem::PyPI, rest).ok()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(e: Ecosystem, s: &str) -> Version {
        Version::parse(e, s).unwrap()
    }

    #[test]
    fn npm_ranges() {
        let r = Requirement::parse(Ecosystem::Npm, "^6.0.0").unwrap();
        assert!(r.admits(&v(Ecosystem::Npm, "6.0.0")));
        assert!(r.admits(&v(Ecosystem::Npm, "6.9.1")));
        assert!(!r.admits(&v(Ecosystem::Npm, "7.0.0")));
        let r = Requirement::parse(Ecosystem::Npm, ">=1 <2 || 3.x").unwrap();
        assert!(r.admits(&v(Ecosystem::Npm, "3.4.0")));
        assert!(!r.admits(&v(Ecosystem::Npm, "2.0.0")));
    }

    #[test]
    fn pep440_specifiers() {
        let r = Requirement::parse(Ecosystem::PyPI, ">=1.82.7,<1.83").unwrap();
        assert!(r.admits(&v(Ecosystem::PyPI, "1.82.8")));
        assert!(!r.admits(&v(Ecosystem::PyPI, "1.83.0")));
        let any = Requirement::parse(Ecosystem::PyPI, "").unwrap();
        assert!(any.admits(&v(Ecosystem::PyPI, "2.4.6")));
        assert!(!any.admits(&v(Ecosystem::Npm, "2.4.6")));
    }

    #[test]
    fn exact_pins() {
        assert_eq!(
            Requirement::exact(Ecosystem::Npm, "6.0.0"),
            Some(v(Ecosystem::Npm, "6.0.0"))
        );
        assert_eq!(
            Requirement::exact(Ecosystem::Npm, "=6.0.0"),
            Some(v(Ecosystem::Npm, "6.0.0"))
        );
        assert_eq!(Requirement::exact(Ecosystem::Npm, "^6.0.0"), None);
        assert_eq!(
            Requirement::exact(Ecosystem::PyPI, "==2.4.6"),
            Some(v(Ecosystem::PyPI, "2.4.6"))
        );
        assert_eq!(
            Requirement::exact(Ecosystem::PyPI, "===2.4.6"),
            Some(v(Ecosystem::PyPI, "2.4.6"))
        );
        assert_eq!(Requirement::exact(Ecosystem::PyPI, "==1.82.*"), None);
        assert_eq!(Requirement::exact(Ecosystem::PyPI, ">=2.4.6"), None);
    }

    #[test]
    fn bad_requirement_is_an_error() {
        let err = Requirement::parse(Ecosystem::PyPI, "=>1").unwrap_err();
        assert_eq!(
            err.to_string(),
            "`=>1` is not a valid PyPI version requirement"
        );
    }
}
