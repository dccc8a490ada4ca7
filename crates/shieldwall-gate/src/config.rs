//! The gateway's configuration file (TOML).
//!
//! ```toml
//! listen = "127.0.0.1:8080"
//! state_dir = "/var/lib/shieldwall"
//! [pypi]
//! upstreams = ["http://127.0.0.1:9000/simple/"]   # simple-API roots, first = private
//! [npm]
//! upstreams = ["http://127.0.0.1:9000/npm/"]      # registry roots, first = private
//! [policy]
//! min_age = "48h"
//! ```
//!
//! Registry addresses are never defaults: every upstream comes from this
//! file (`shieldwall gate init` writes one from the local pip and npm
//! configuration).

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use crate::error::GateError;
use crate::policy::PolicyConfig;

/// The whole configuration file.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GateConfig {
    /// The address to listen on (`127.0.0.1:8080`).
    #[serde(default = "default_listen")]
    pub listen: String,
    /// Where the gateway keeps its record, artifacts and cached metadata.
    pub state_dir: PathBuf,
    /// The address clients reach the gateway at (`https://gate.example.com`),
    /// used in rewritten file and tarball URLs. Without it, the request's
    /// `Host` header (and `X-Forwarded-Proto`) decide.
    #[serde(default)]
    pub public_url: Option<String>,
    /// The Python simple-API upstreams.
    #[serde(default)]
    pub pypi: UpstreamsConfig,
    /// The npm registry upstreams.
    #[serde(default)]
    pub npm: UpstreamsConfig,
    /// The policy; reloaded while the gateway runs when the file changes.
    #[serde(default)]
    pub policy: PolicyConfig,
    /// Caching and upstream limits.
    #[serde(default)]
    pub cache: CacheConfig,
    /// Where imported advisories are read from (default: the `db import`
    /// store under the XDG cache directory).
    #[serde(default)]
    pub advisories: AdvisoriesConfig,
    /// The admin API.
    #[serde(default)]
    pub admin: AdminConfig,
    /// Client identities.
    #[serde(default)]
    pub auth: AuthConfig,
    /// The install record.
    #[serde(default)]
    pub record: RecordConfig,
    /// Serve HTTPS with this certificate and key (without it, plain HTTP,
    /// for a TLS reverse proxy in front or a trusted network).
    #[serde(default)]
    pub tls: Option<TlsConfig>,
}

/// The certificate and key the gateway serves HTTPS with. Relative paths
/// are read from the configuration file's directory.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TlsConfig {
    /// The certificate chain (PEM), the server's certificate first.
    pub cert: PathBuf,
    /// The private key (PEM: PKCS#8, PKCS#1 or SEC1).
    pub key: PathBuf,
}

fn default_listen() -> String {
    "127.0.0.1:8080".to_owned()
}

/// The upstreams of one ecosystem.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpstreamsConfig {
    /// Upstream roots, in order. The first is the private upstream: a name
    /// it serves is never taken from the ones after it.
    #[serde(default)]
    pub upstreams: Vec<String>,
}

/// Caching and upstream limits.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CacheConfig {
    /// How long fetched metadata is used before it is fetched again.
    pub metadata_ttl: String,
    /// How long an upstream request may take.
    pub upstream_timeout: String,
    /// The largest metadata document accepted from an upstream, in bytes.
    pub max_metadata_bytes: u64,
    /// The largest artifact accepted from an upstream, in bytes.
    pub max_artifact_bytes: u64,
    /// Memory for rendered index pages and packuments kept between
    /// requests, in bytes (half for each ecosystem; 0 turns it off).
    pub max_view_bytes: u64,
}

impl Default for CacheConfig {
    fn default() -> Self {
        Self {
            metadata_ttl: "5m".to_owned(),
            upstream_timeout: "30s".to_owned(),
            max_metadata_bytes: 64 << 20,
            max_artifact_bytes: 2 << 30,
            max_view_bytes: 16 << 20,
        }
    }
}

/// Where advisories come from.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AdvisoriesConfig {
    /// The store directory `shieldwall db import` writes to.
    #[serde(default)]
    pub store_dir: Option<PathBuf>,
}

/// The admin API.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AdminConfig {
    /// The environment variable holding the admin token; without a token
    /// the admin API answers 403 to everything.
    #[serde(default)]
    pub token_env: Option<String>,
}

/// Client identities: who installed what is recorded by name when clients
/// send a token (npm `_authToken`; pip and uv as the password of
/// `http://NAME:TOKEN@host/...`).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthConfig {
    /// Refuse package requests (401) that carry no known token.
    #[serde(default)]
    pub required: bool,
    /// Identity name to the sha256 (hex) of its token
    /// (`shieldwall gate token NAME` makes one).
    #[serde(default)]
    pub tokens: std::collections::BTreeMap<String, String>,
}

impl AuthConfig {
    /// The identity whose token is `token`, if any.
    pub fn identify(&self, token: &str) -> Option<&str> {
        use sha2::Digest;
        let digest = hex::encode(sha2::Sha256::digest(token.as_bytes()));
        self.tokens
            .iter()
            .find(|(_, hash)| hash.eq_ignore_ascii_case(&digest))
            .map(|(name, _)| name.as_str())
    }
}

/// The install record.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RecordConfig {
    /// How long rows are kept (`90d`).
    pub retention: String,
}

impl Default for RecordConfig {
    fn default() -> Self {
        Self {
            retention: "90d".to_owned(),
        }
    }
}

impl GateConfig {
    /// Reads and checks the configuration file at `path`.
    pub fn load(path: &Path) -> Result<Self, GateError> {
        let text = std::fs::read_to_string(path).map_err(|source| GateError::ConfigRead {
            path: path.to_owned(),
            source,
        })?;
        Self::parse(path, &text)
    }

    /// Parses and checks configuration text; `path` names it in errors.
    pub fn parse(path: &Path, text: &str) -> Result<Self, GateError> {
        let mut config: Self = toml::from_str(text).map_err(|e| GateError::Config {
            path: path.to_owned(),
            message: e.to_string(),
        })?;
        if let (Some(tls), Some(dir)) = (&mut config.tls, path.parent()) {
            tls.cert = dir.join(&tls.cert);
            tls.key = dir.join(&tls.key);
        }
        config.check(path)?;
        Ok(config)
    }

    fn check(&self, path: &Path) -> Result<(), GateError> {
        let bad = |message: String| GateError::Config {
            path: path.to_owned(),
            message,
        };
        for (key, value) in [
            ("cache.metadata_ttl", &self.cache.metadata_ttl),
            ("cache.upstream_timeout", &self.cache.upstream_timeout),
            ("record.retention", &self.record.retention),
        ] {
            parse_duration(value).map_err(|e| bad(format!("`{key}`: {e}")))?;
        }
        for (eco, upstreams) in [("pypi", &self.pypi), ("npm", &self.npm)] {
            for upstream in &upstreams.upstreams {
                let url = reqwest::Url::parse(upstream)
                    .map_err(|e| bad(format!("`{eco}.upstreams`: `{upstream}`: {e}")))?;
                if !matches!(url.scheme(), "http" | "https") {
                    return Err(bad(format!(
                        "`{eco}.upstreams`: `{upstream}` is not an http or https address"
                    )));
                }
            }
        }
        for (name, hash) in &self.auth.tokens {
            if !crate::blobs::is_sha256(hash) {
                return Err(bad(format!(
                    "`auth.tokens.{name}` must be the sha256 (64 hex digits) of the token, not the token"
                )));
            }
        }
        if let Some(url) = &self.public_url {
            reqwest::Url::parse(url).map_err(|e| bad(format!("`public_url`: {e}")))?;
        }
        self.policy
            .compile()
            .map_err(|e| bad(format!("`policy`: {e}")))?;
        Ok(())
    }

    /// The scheme clients reach the gateway with when no `public_url` says
    /// otherwise: `https` when it serves TLS itself.
    pub fn default_base_url(&self) -> String {
        let scheme = if self.tls.is_some() { "https" } else { "http" };
        format!("{scheme}://{}", self.listen)
    }

    /// The metadata time-to-live.
    pub fn metadata_ttl(&self) -> Duration {
        parse_duration(&self.cache.metadata_ttl).unwrap_or(Duration::from_secs(300))
    }

    /// The upstream request timeout.
    pub fn upstream_timeout(&self) -> Duration {
        parse_duration(&self.cache.upstream_timeout).unwrap_or(Duration::from_secs(30))
    }

    /// How long record rows are kept.
    pub fn retention(&self) -> Duration {
        parse_duration(&self.record.retention).unwrap_or(Duration::from_secs(90 * 86_400))
    }
}

/// Parses a duration such as `48h`, `2d`, `90m`, `30s` or `1 day`
/// (days are 24 hours).
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let span: jiff::Span = text
        .trim()
        .parse()
        .map_err(|e| format!("`{text}` is not a duration (like `48h`, `2d`, `30m`): {e}"))?;
    let signed = span
        .to_duration(jiff::SpanRelativeTo::days_are_24_hours())
        .map_err(|e| format!("`{text}`: {e}"))?;
    Duration::try_from(signed).map_err(|_| format!("`{text}` is negative"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_like_people_write_them() {
        assert_eq!(
            parse_duration("48h").unwrap(),
            Duration::from_secs(48 * 3600)
        );
        assert_eq!(
            parse_duration("2d").unwrap(),
            Duration::from_secs(48 * 3600)
        );
        assert_eq!(parse_duration("90m").unwrap(), Duration::from_secs(5400));
        assert_eq!(
            parse_duration("1 day").unwrap(),
            Duration::from_secs(86_400)
        );
        assert!(parse_duration("soon").is_err());
        assert!(parse_duration("-1h").is_err());
    }

    #[test]
    fn the_documented_example_parses() {
        let text = r#"
listen = "127.0.0.1:8080"
state_dir = "/var/lib/shieldwall"
[pypi]
upstreams = ["http://127.0.0.1:9000/simple/"]
[npm]
upstreams = ["http://127.0.0.1:9000/npm/"]
[policy]
min_age = "48h"
"#;
        let config = GateConfig::parse(Path::new("gate.toml"), text).unwrap();
        assert_eq!(config.pypi.upstreams.len(), 1);
        assert_eq!(config.metadata_ttl(), Duration::from_secs(300));
    }

    #[test]
    fn mistakes_are_named() {
        let err = GateConfig::parse(Path::new("g.toml"), "state_dir = \"/x\"\nlisten_on = 1\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("g.toml") && err.contains("listen_on"), "{err}");
        let err = GateConfig::parse(
            Path::new("g.toml"),
            "state_dir = \"/x\"\n[pypi]\nupstreams = [\"ftp://h/\"]\n",
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("not an http"), "{err}");
        let err = GateConfig::parse(
            Path::new("g.toml"),
            "state_dir = \"/x\"\n[policy]\nmin_age = \"soon\"\n",
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("min_age"), "{err}");
    }

    #[test]
    fn tls_paths_are_read_from_the_configuration_directory() {
        let text =
            "state_dir = \"/x\"\n[tls]\ncert = \"certs/gate.pem\"\nkey = \"/etc/gate/key.pem\"\n";
        let config = GateConfig::parse(Path::new("/srv/gate/gate.toml"), text).unwrap();
        let tls = config.tls.as_ref().unwrap();
        assert_eq!(tls.cert, Path::new("/srv/gate/certs/gate.pem"));
        assert_eq!(tls.key, Path::new("/etc/gate/key.pem"));
        assert_eq!(config.default_base_url(), "https://127.0.0.1:8080");
        let err = GateConfig::parse(
            Path::new("g.toml"),
            "state_dir = \"/x\"\n[tls]\ncert = \"c.pem\"\n",
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("key"), "{err}");
    }
}
