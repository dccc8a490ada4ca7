use std::borrow::Cow;
use std::fmt;

use serde::{Deserialize, Serialize};

/// A package ecosystem shieldwall understands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Ecosystem {
    /// The npm registry and its clients (npm, pnpm, yarn, bun).
    #[serde(rename = "npm")]
    Npm,
    /// The Python package index and its clients (pip, uv, poetry, pdm).
    #[serde(rename = "PyPI")]
    PyPI,
}

impl Ecosystem {
    /// Every ecosystem, in display order.
    pub const ALL: [Self; 2] = [Self::Npm, Self::PyPI];

    /// The ecosystem's name as OSV spells it (`npm`, `PyPI`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Npm => "npm",
            Self::PyPI => "PyPI",
        }
    }

    /// Parses an OSV ecosystem name. Matching is case-insensitive; variants
    /// with a `:` suffix (`PyPI:3.11`) or another ecosystem (`Root:PyPI`,
    /// `crates.io`) are not ours and return `None`.
    pub fn from_osv(name: &str) -> Option<Self> {
        if name.eq_ignore_ascii_case("npm") {
            Some(Self::Npm)
        } else if name.eq_ignore_ascii_case("pypi") {
            Some(Self::PyPI)
        } else {
            None
        }
    }

    /// The purl type (`npm`, `pypi`).
    pub fn purl_type(self) -> &'static str {
        match self {
            Self::Npm => "npm",
            Self::PyPI => "pypi",
        }
    }

    /// Normalizes a package name so that every spelling of one package
    /// compares equal.
    ///
    /// PyPI names follow PEP 503: lowercase, with every run of `-`, `_` and
    /// `.` replaced by one `-`. npm names keep their case (the registry
    /// treats legacy mixed-case names as distinct) and only lose surrounding
    /// whitespace.
    pub fn normalize_name(self, name: &str) -> Cow<'_, str> {
        let name = name.trim();
        match self {
            Self::Npm => Cow::Borrowed(name),
            Self::PyPI => normalize_pep503(name),
        }
    }
}

impl fmt::Display for Ecosystem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

fn normalize_pep503(name: &str) -> Cow<'_, str> {
    let already = name
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !name.contains("--");
    if already {
        return Cow::Borrowed(name);
    }
    let mut out = String::with_capacity(name.len());
    let mut in_separator = false;
    for ch in name.chars() {
        if matches!(ch, '-' | '_' | '.') {
            if !in_separator {
                out.push('-');
            }
            in_separator = true;
        } else {
            out.extend(ch.to_lowercase());
            in_separator = false;
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pep503_normalization() {
        for (raw, want) in [
            ("litellm", "litellm"),
            ("LiteLLM", "litellm"),
            ("Lite_LLM", "lite-llm"),
            ("lite.._-llm", "lite-llm"),
            ("PyYAML", "pyyaml"),
            ("zope.interface", "zope-interface"),
            ("a--b", "a-b"),
            ("  mistralai ", "mistralai"),
        ] {
            assert_eq!(Ecosystem::PyPI.normalize_name(raw), want, "{raw}");
        }
    }

    #[test]
    fn npm_names_keep_case_and_scope() {
        assert_eq!(
            Ecosystem::Npm.normalize_name("@tanstack/react-router"),
            "@tanstack/react-router"
        );
        assert_eq!(Ecosystem::Npm.normalize_name("JSONStream"), "JSONStream");
    }

    #[test]
    fn osv_ecosystem_names() {
        assert_eq!(Ecosystem::from_osv("npm"), Some(Ecosystem::Npm));
        assert_eq!(Ecosystem::from_osv("PyPI"), Some(Ecosystem::PyPI));
        assert_eq!(Ecosystem::from_osv("pypi"), Some(Ecosystem::PyPI));
        assert_eq!(Ecosystem::from_osv("Root:PyPI"), None);
        assert_eq!(Ecosystem::from_osv("Echo"), None);
        assert_eq!(Ecosystem::from_osv("crates.io"), None);
    }
}
