use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

use crate::Ecosystem;

/// A version string that is not valid in its ecosystem's syntax.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{input}` is not a valid {ecosystem} version")]
pub struct VersionError {
    /// The ecosystem whose syntax was applied.
    pub ecosystem: Ecosystem,
    /// The rejected input.
    pub input: String,
}

/// A parsed version with its ecosystem's real ordering: PEP 440 for PyPI
/// (epochs, pre/post/dev releases, local versions; `2.6 == 2.6.0`) and npm
/// semver for npm (prereleases ordered by identifier; build metadata
/// ignored).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Version {
    /// An npm semver version.
    Npm(nodejs_semver::Version),
    /// A PEP 440 version.
    PyPI(pep440_rs::Version),
}

impl Version {
    /// Parses `input` in the syntax of `ecosystem`.
    ///
    /// npm versions may carry a leading `v` or `=` (as npm itself accepts);
    /// surrounding whitespace is ignored for both ecosystems.
    pub fn parse(ecosystem: Ecosystem, input: &str) -> Result<Self, VersionError> {
        let trimmed = input.trim();
        let err = || VersionError {
            ecosystem,
            input: input.to_owned(),
        };
        if trimmed.is_empty() {
            return Err(err());
        }
        match ecosystem {
            Ecosystem::Npm => {
                let bare = trimmed
                    .trim_start_matches('=')
                    .trim_start_matches(['v', 'V']);
                let version = nodejs_semver::Version::parse(bare).map_err(|_| err())?;
                // The parser is lenient with prerelease and build parts
                // (`1.2.3abc` reads as `1.2.3-abc`) but refuses some of its
                // own renderings of them (the separator it adds can take the
                // text over npm's 256-character limit); keep only versions
                // whose text round-trips, so a stored version reads back.
                let loose = !version.pre_release().is_empty() || !version.build().is_empty();
                if loose && nodejs_semver::Version::parse(version.to_string()).is_err() {
                    return Err(err());
                }
                Ok(Self::Npm(version))
            }
            Ecosystem::PyPI => pep440_rs::Version::from_str(trimmed)
                .map(Self::PyPI)
                .map_err(|_| err()),
        }
    }

    /// The ecosystem this version belongs to.
    pub fn ecosystem(&self) -> Ecosystem {
        match self {
            Self::Npm(_) => Ecosystem::Npm,
            Self::PyPI(_) => Ecosystem::PyPI,
        }
    }

    /// True for prereleases (npm `-beta.1`; PEP 440 `a`, `b`, `rc`, `.dev`).
    pub fn is_prerelease(&self) -> bool {
        match self {
            Self::Npm(v) => v.is_prerelease(),
            Self::PyPI(v) => v.any_prerelease(),
        }
    }
}

impl PartialOrd for Version {
    /// Versions of different ecosystems are not comparable.
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        match (self, other) {
            (Self::Npm(a), Self::Npm(b)) => Some(a.cmp(b)),
            (Self::PyPI(a), Self::PyPI(b)) => Some(a.cmp(b)),
            _ => None,
        }
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Npm(v) => v.fmt(f),
            Self::PyPI(v) => v.fmt(f),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Found by fuzzing: a long, loosely written npm version rendered to
    /// text the parser refused (over npm's length limit).
    #[test]
    fn every_parsed_npm_version_renders_to_text_that_parses() {
        let long = format!("884.8.78{}", "GG4GG.G88.G7".repeat(21));
        assert!(Version::parse(Ecosystem::Npm, &long).is_err());
        for len in [100, 200, 240, 250, 251, 252, 255, 256, 300] {
            for sep in ["", "-", "+"] {
                let text = format!("1.2.3{sep}{}", "a".repeat(len));
                if let Ok(v) = Version::parse(Ecosystem::Npm, &text) {
                    assert_eq!(Version::parse(Ecosystem::Npm, &v.to_string()).unwrap(), v);
                }
            }
        }
        assert!(Version::parse(Ecosystem::Npm, "1.2.3-beta.1").is_ok());
        let crash =
            std::str::from_utf8(include_bytes!("../tests/data/fuzz-npm-long-version.txt")).unwrap();
        assert!(Version::parse(Ecosystem::Npm, crash).is_err());
    }

    fn py(s: &str) -> Version {
        Version::parse(Ecosystem::PyPI, s).unwrap()
    }
    fn npm(s: &str) -> Version {
        Version::parse(Ecosystem::Npm, s).unwrap()
    }

    #[test]
    fn pep440_equal_spellings() {
        assert_eq!(py("2.6"), py("2.6.0"));
        assert_eq!(py("1.0.0-rc1"), py("1.0.0rc1"));
        assert_eq!(py("1.0RC1"), py("1.0rc1"));
        assert_ne!(py("1.0+cu118"), py("1.0"));
    }

    #[test]
    fn pep440_ordering() {
        let ordered = [
            "1.0.dev1",
            "1.0a1",
            "1.0a2.dev1",
            "1.0a2",
            "1.0b1",
            "1.0rc1",
            "1.0",
            "1.0+local",
            "1.0.post1",
            "1.1",
            "2.6.0",
            "2.6.2",
            "2.6.10",
            "1!0.1",
        ];
        for pair in ordered.windows(2) {
            assert!(py(pair[0]) < py(pair[1]), "{} < {}", pair[0], pair[1]);
        }
    }

    #[test]
    fn semver_ordering_and_build_metadata() {
        let ordered = [
            "1.0.0-alpha",
            "1.0.0-alpha.1",
            "1.0.0-beta.2",
            "1.0.0-beta.11",
            "1.0.0-rc.1",
            "1.0.0",
            "1.169.4",
            "1.169.5",
            "1.169.10",
        ];
        for pair in ordered.windows(2) {
            assert!(npm(pair[0]) < npm(pair[1]), "{} < {}", pair[0], pair[1]);
        }
        assert_eq!(npm("1.0.0+build.5"), npm("1.0.0"));
        assert_eq!(npm("v1.2.3"), npm("1.2.3"));
        assert!(npm("0.0.1-security").is_prerelease());
    }

    #[test]
    fn invalid_versions_are_errors() {
        assert!(Version::parse(Ecosystem::PyPI, "langchain-openai==0.1.25").is_err());
        assert!(Version::parse(Ecosystem::Npm, "latest").is_err());
        assert!(Version::parse(Ecosystem::Npm, "").is_err());
        let err = Version::parse(Ecosystem::Npm, "nope").unwrap_err();
        assert_eq!(err.to_string(), "`nope` is not a valid npm version");
    }

    #[test]
    fn ecosystems_do_not_compare() {
        assert_eq!(py("1.0").partial_cmp(&npm("1.0.0")), None);
    }
}
