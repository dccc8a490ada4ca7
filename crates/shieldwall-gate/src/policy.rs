//! The policy: what the gateway lets through, as written in the `[policy]`
//! table of the configuration file, and its compiled form.
//!
//! Package patterns read `[ECOSYSTEM:]NAME[@VERSION]`: `pypi:requests`,
//! `npm:@myorg/*`, `npm:left-pad@1.3.0`, `*-internal`. Names are compared
//! after normalization (PEP 503 for Python); `*` matches any run of
//! characters; a pattern without an ecosystem applies to both.

use std::time::Duration;

use globset::{Glob, GlobMatcher};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use shieldwall_core::{Ecosystem, Version};

use crate::analysis::AnalysisConfig;
use crate::config::parse_duration;

/// The `[policy]` table as written.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct PolicyConfig {
    /// The minimum age of a release before it is served (`48h`); judged
    /// per file for Python and per version for npm.
    pub min_age: String,
    /// Python-only settings.
    pub pypi: EcosystemPolicy,
    /// npm-only settings.
    pub npm: EcosystemPolicy,
    /// Packages the minimum age does not apply to.
    pub exempt: Vec<String>,
    /// Packages always served (except versions known to be malicious).
    pub allow: Vec<String>,
    /// Packages never served.
    pub deny: Vec<String>,
    /// npm packages with install-time code (lifecycle scripts or a
    /// `binding.gyp`): `block` (default), `warn` (serve and record) or
    /// `allow`.
    pub install_scripts: ScriptPolicy,
    /// npm packages whose install-time code is allowed.
    pub install_scripts_allow: Vec<String>,
    /// What to do when a policy input cannot be evaluated (no upload time,
    /// an unreadable tarball): `closed` (hold it, default) or `open`.
    pub fail: FailMode,
    /// How held Python files appear on index pages: `yank` (default; listed
    /// as yanked with the reason, so resolvers skip them and a client that
    /// pins one prints why before the download is refused) or `remove`.
    pub hide: HideMode,
    /// The analyzer as a policy input.
    pub analysis: AnalysisConfig,
}

impl Default for PolicyConfig {
    fn default() -> Self {
        Self {
            min_age: "48h".to_owned(),
            pypi: EcosystemPolicy::default(),
            npm: EcosystemPolicy::default(),
            exempt: Vec::new(),
            allow: Vec::new(),
            deny: Vec::new(),
            install_scripts: ScriptPolicy::Block,
            install_scripts_allow: Vec::new(),
            fail: FailMode::Closed,
            hide: HideMode::Yank,
            analysis: AnalysisConfig::default(),
        }
    }
}

/// Settings for one ecosystem that override the shared ones.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct EcosystemPolicy {
    /// This ecosystem's minimum age, instead of the shared one.
    #[serde(default)]
    pub min_age: Option<String>,
}

/// What to do with npm packages that run code at install.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ScriptPolicy {
    /// Refuse them unless allow-listed.
    #[default]
    Block,
    /// Serve them and record a warning.
    Warn,
    /// Serve them.
    Allow,
}

/// What to do when a policy input is missing.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FailMode {
    /// Hold the package.
    #[default]
    Closed,
    /// Serve the package and record that the check could not run.
    Open,
}

/// How held Python files appear on index pages.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum HideMode {
    /// Listed as yanked, with the reason.
    #[default]
    Yank,
    /// Left out.
    Remove,
}

/// The compiled policy.
#[derive(Debug)]
pub struct Policy {
    /// A short id of this policy's text, recorded with every decision.
    pub revision: String,
    min_age_pypi: Duration,
    min_age_npm: Duration,
    exempt: Patterns,
    allow: Patterns,
    deny: Patterns,
    /// The install-script policy.
    pub install_scripts: ScriptPolicy,
    install_scripts_allow: Patterns,
    /// The fail mode.
    pub fail: FailMode,
    /// How held Python files appear.
    pub hide: HideMode,
    /// The analyzer settings.
    pub analysis: AnalysisConfig,
    /// How long a request waits for an analysis.
    pub analysis_wait: Duration,
}

impl PolicyConfig {
    /// Checks and compiles the policy.
    pub fn compile(&self) -> Result<Policy, String> {
        let age = |key: &str, text: &str| parse_duration(text).map_err(|e| format!("`{key}`: {e}"));
        let shared = age("min_age", &self.min_age)?;
        let min_age_pypi = match &self.pypi.min_age {
            Some(text) => age("pypi.min_age", text)?,
            None => shared,
        };
        let min_age_npm = match &self.npm.min_age {
            Some(text) => age("npm.min_age", text)?,
            None => shared,
        };
        let canonical = serde_json::to_vec(self).map_err(|e| e.to_string())?;
        let revision = hex::encode(&Sha256::digest(&canonical)[..6]);
        Ok(Policy {
            revision,
            min_age_pypi,
            min_age_npm,
            exempt: Patterns::compile("exempt", &self.exempt)?,
            allow: Patterns::compile("allow", &self.allow)?,
            deny: Patterns::compile("deny", &self.deny)?,
            install_scripts: self.install_scripts,
            install_scripts_allow: Patterns::compile(
                "install_scripts_allow",
                &self.install_scripts_allow,
            )?,
            fail: self.fail,
            hide: self.hide,
            analysis: self.analysis.clone(),
            analysis_wait: age("analysis.wait", &self.analysis.wait)?,
        })
    }
}

impl Policy {
    /// The minimum age for `ecosystem`.
    pub fn min_age(&self, ecosystem: Ecosystem) -> Duration {
        match ecosystem {
            Ecosystem::Npm => self.min_age_npm,
            _ => self.min_age_pypi,
        }
    }

    /// True when the minimum age does not apply to the package.
    pub fn is_exempt(&self, ecosystem: Ecosystem, name: &str, version: &str) -> bool {
        self.exempt.matches(ecosystem, name, version)
    }

    /// The allow-list pattern the package matches, if any.
    pub fn allowed_by(&self, ecosystem: Ecosystem, name: &str, version: &str) -> Option<&str> {
        self.allow.first_match(ecosystem, name, version)
    }

    /// The deny-list pattern the package matches, if any.
    pub fn denied_by(&self, ecosystem: Ecosystem, name: &str, version: &str) -> Option<&str> {
        self.deny.first_match(ecosystem, name, version)
    }

    /// True when the package's install-time code is allow-listed.
    pub fn scripts_allowed(&self, ecosystem: Ecosystem, name: &str, version: &str) -> bool {
        self.install_scripts_allow.matches(ecosystem, name, version)
    }
}

/// A list of package patterns.
#[derive(Debug, Default)]
struct Patterns(Vec<Pattern>);

#[derive(Debug)]
struct Pattern {
    text: String,
    ecosystem: Option<Ecosystem>,
    name: GlobMatcher,
    version: Option<String>,
}

impl Patterns {
    fn compile(key: &str, texts: &[String]) -> Result<Self, String> {
        texts
            .iter()
            .map(|text| Pattern::parse(text).map_err(|e| format!("`{key}`: `{text}`: {e}")))
            .collect::<Result<_, _>>()
            .map(Self)
    }

    fn first_match(&self, ecosystem: Ecosystem, name: &str, version: &str) -> Option<&str> {
        let normalized = ecosystem.normalize_name(name);
        self.0
            .iter()
            .find(|p| p.matches(ecosystem, &normalized, version))
            .map(|p| p.text.as_str())
    }

    fn matches(&self, ecosystem: Ecosystem, name: &str, version: &str) -> bool {
        self.first_match(ecosystem, name, version).is_some()
    }
}

impl Pattern {
    fn parse(text: &str) -> Result<Self, String> {
        let (ecosystem, rest) = match text.split_once(':') {
            Some(("pypi", rest)) => (Some(Ecosystem::PyPI), rest),
            Some(("npm", rest)) => (Some(Ecosystem::Npm), rest),
            Some((other, _)) => {
                return Err(format!(
                    "unknown ecosystem `{other}` (use `pypi:` or `npm:`)"
                ));
            }
            None => (None, text),
        };
        // The version follows the last `@` that does not start a scope.
        let (name, version) = match rest.rfind('@') {
            Some(at) if at > 0 => (&rest[..at], Some(rest[at + 1..].to_owned())),
            _ => (rest, None),
        };
        if name.is_empty() {
            return Err("no package name".to_owned());
        }
        if version.as_deref() == Some("") {
            return Err("an `@` with no version after it".to_owned());
        }
        let name = match ecosystem {
            Some(Ecosystem::PyPI) => Ecosystem::PyPI.normalize_name(name).into_owned(),
            _ => name.to_owned(),
        };
        let glob = Glob::new(&name).map_err(|e| e.to_string())?;
        Ok(Self {
            text: text.to_owned(),
            ecosystem,
            name: glob.compile_matcher(),
            version,
        })
    }

    fn matches(&self, ecosystem: Ecosystem, normalized: &str, version: &str) -> bool {
        if self.ecosystem.is_some_and(|e| e != ecosystem) {
            return false;
        }
        if !self.name.is_match(normalized) {
            return false;
        }
        match &self.version {
            None => true,
            Some(want) => same_version(ecosystem, want, version),
        }
    }
}

/// True when two version strings name the same version in `ecosystem`
/// (`2.6` and `2.6.0` for Python), or are the same text.
pub fn same_version(ecosystem: Ecosystem, a: &str, b: &str) -> bool {
    if a == b {
        return true;
    }
    match (Version::parse(ecosystem, a), Version::parse(ecosystem, b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(toml_text: &str) -> Policy {
        let config: PolicyConfig = toml::from_str(toml_text).unwrap();
        config.compile().unwrap()
    }

    #[test]
    fn patterns_cover_names_scopes_and_versions() {
        let p = policy(
            r#"deny = ["npm:@evil/*", "pypi:Bad_Pkg", "left-pad@1.3.0"]
               allow = ["pypi:requests"]"#,
        );
        assert_eq!(
            p.denied_by(Ecosystem::Npm, "@evil/x", "1.0.0"),
            Some("npm:@evil/*")
        );
        assert!(p.denied_by(Ecosystem::Npm, "@good/x", "1.0.0").is_none());
        assert!(p.denied_by(Ecosystem::PyPI, "bad-pkg", "1").is_some());
        assert!(p.denied_by(Ecosystem::PyPI, "BAD.PKG", "1").is_some());
        assert!(p.denied_by(Ecosystem::Npm, "left-pad", "1.3.0").is_some());
        assert!(p.denied_by(Ecosystem::Npm, "left-pad", "1.3.1").is_none());
        assert!(p.allowed_by(Ecosystem::PyPI, "Requests", "2.0").is_some());
        assert!(p.allowed_by(Ecosystem::Npm, "requests", "2.0.0").is_none());
    }

    #[test]
    fn per_ecosystem_ages_override_the_shared_one() {
        let p = policy("min_age = \"2d\"\n[npm]\nmin_age = \"1h\"\n");
        assert_eq!(p.min_age(Ecosystem::PyPI), Duration::from_secs(172_800));
        assert_eq!(p.min_age(Ecosystem::Npm), Duration::from_secs(3600));
    }

    #[test]
    fn revision_follows_the_text() {
        let a = policy("min_age = \"2d\"");
        let b = policy("min_age = \"2d\"");
        let c = policy("min_age = \"3d\"");
        assert_eq!(a.revision, b.revision);
        assert_ne!(a.revision, c.revision);
    }

    #[test]
    fn bad_patterns_are_named() {
        let config: PolicyConfig = toml::from_str("deny = [\"cargo:serde\"]").unwrap();
        assert!(config.compile().unwrap_err().contains("cargo"));
        let config: PolicyConfig = toml::from_str("allow = [\"x@\"]").unwrap();
        assert!(config.compile().unwrap_err().contains("`allow`"));
    }

    #[test]
    fn versions_compare_by_meaning() {
        assert!(same_version(Ecosystem::PyPI, "2.6", "2.6.0"));
        assert!(!same_version(Ecosystem::PyPI, "2.6", "2.6.1"));
        assert!(same_version(Ecosystem::Npm, "v1.2.3", "1.2.3"));
    }
}
