use std::fmt;
use std::str::FromStr;

use packageurl::PackageUrl;

use crate::Ecosystem;

/// A purl that could not be read as an npm or PyPI package.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PurlError {
    /// The text is not a valid purl.
    #[error("`{0}` is not a valid package URL")]
    Invalid(String),
    /// A valid purl of a type shieldwall does not cover.
    #[error("package URL type `{0}` is not npm or pypi")]
    UnsupportedType(String),
}

/// A package URL (purl) for an npm or PyPI package, optionally versioned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Purl {
    /// The ecosystem (`pkg:npm` or `pkg:pypi`).
    pub ecosystem: Ecosystem,
    /// The full package name, npm scope included (`@tanstack/react-router`).
    pub name: String,
    /// The version, when the purl carries one.
    pub version: Option<String>,
}

impl Purl {
    /// A purl for `name` at `version` in `ecosystem`.
    pub fn new(ecosystem: Ecosystem, name: &str, version: Option<&str>) -> Self {
        Self {
            ecosystem,
            name: name.to_owned(),
            version: version.map(str::to_owned),
        }
    }
}

impl FromStr for Purl {
    type Err = PurlError;

    /// Parses a purl; `%40` in an npm namespace is decoded, and a
    /// double-encoded `%2540` is rejected rather than read as a scope.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let invalid = || PurlError::Invalid(s.to_owned());
        let parsed = PackageUrl::from_str(s.trim()).map_err(|_| invalid())?;
        let ecosystem = match parsed.ty() {
            "npm" => Ecosystem::Npm,
            "pypi" => Ecosystem::PyPI,
            other => return Err(PurlError::UnsupportedType(other.to_owned())),
        };
        let name = match (ecosystem, parsed.namespace()) {
            (Ecosystem::Npm, Some(scope)) => {
                if scope.contains('%') {
                    return Err(invalid());
                }
                let scope = scope.trim_start_matches('@');
                format!("@{scope}/{}", parsed.name())
            }
            (_, _) => parsed.name().to_owned(),
        };
        if name.is_empty() || name.contains('%') {
            return Err(invalid());
        }
        Ok(Self {
            ecosystem,
            name,
            version: parsed.version().map(str::to_owned),
        })
    }
}

impl fmt::Display for Purl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (namespace, name) = match (self.ecosystem, self.name.split_once('/')) {
            (Ecosystem::Npm, Some((scope, name))) if scope.starts_with('@') => (Some(scope), name),
            _ => (None, self.name.as_str()),
        };
        let name = match self.ecosystem {
            Ecosystem::PyPI => self.ecosystem.normalize_name(name).into_owned(),
            Ecosystem::Npm => name.to_owned(),
        };
        let built = PackageUrl::new(self.ecosystem.purl_type(), name.as_str()).and_then(|mut p| {
            if let Some(ns) = namespace {
                p.with_namespace(ns)?;
            }
            if let Some(v) = &self.version {
                p.with_version(v.as_str())?;
            }
            Ok(p.to_string())
        });
        match built {
            Ok(text) => f.write_str(&text),
            Err(_) => write!(f, "pkg:{}/{}", self.ecosystem.purl_type(), self.name),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_scoped_npm_and_normalized_pypi() {
        let p = Purl::new(Ecosystem::Npm, "@tanstack/react-router", Some("1.169.5"));
        assert_eq!(p.to_string(), "pkg:npm/%40tanstack/react-router@1.169.5");
        let p = Purl::new(Ecosystem::PyPI, "LiteLLM", Some("1.82.8"));
        assert_eq!(p.to_string(), "pkg:pypi/litellm@1.82.8");
    }

    #[test]
    fn parses_and_round_trips() {
        for text in [
            "pkg:npm/%40tanstack/react-router@1.169.5",
            "pkg:pypi/litellm@1.82.8",
            "pkg:npm/lodash",
        ] {
            let p: Purl = text.parse().unwrap();
            assert_eq!(p.to_string(), text);
        }
        let p: Purl = "pkg:npm/%40tanstack/react-router@1.169.5?repository_url=x"
            .parse()
            .unwrap();
        assert_eq!(p.name, "@tanstack/react-router");
        assert_eq!(p.version.as_deref(), Some("1.169.5"));
    }

    #[test]
    fn rejects_double_encoding_and_other_types() {
        assert!(matches!(
            "pkg:npm/%2540tanstack/react-router@1.0.0".parse::<Purl>(),
            Err(PurlError::Invalid(_))
        ));
        assert!(matches!(
            "pkg:cargo/serde@1.0.0".parse::<Purl>(),
            Err(PurlError::UnsupportedType(t)) if t == "cargo"
        ));
        assert!("not a purl".parse::<Purl>().is_err());
    }
}
