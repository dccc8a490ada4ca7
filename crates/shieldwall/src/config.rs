//! `shieldwall.toml`: settings read from a file, overridable by
//! `SHIELDWALL_*` environment variables.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::exit::UsageError;

/// The configuration file's contents.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Config {
    /// Advisory database settings.
    #[serde(default)]
    pub(crate) advisory: AdvisoryConfig,
    /// `inspect` verdict thresholds (`warn`, `block`).
    #[serde(default)]
    pub(crate) inspect: shieldwall_analyze::score::Thresholds,
}

/// `[advisory]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct AdvisoryConfig {
    /// Where `db update` downloads an OSV zip from.
    pub(crate) update_url: Option<String>,
}

/// The configuration file to read: `--config`, else `SHIELDWALL_CONFIG`,
/// else `shieldwall.toml` in the XDG config directory.
pub(crate) fn config_path(explicit: Option<&Path>) -> Option<PathBuf> {
    explicit
        .map(Path::to_path_buf)
        .or_else(|| std::env::var_os("SHIELDWALL_CONFIG").map(PathBuf::from))
        .or_else(|| {
            directories::ProjectDirs::from("", "", "shieldwall")
                .map(|dirs| dirs.config_dir().join("shieldwall.toml"))
        })
}

/// Reads the configuration; a missing default file is an empty config, a
/// missing explicit file is an error.
pub(crate) fn load(explicit: Option<&Path>) -> anyhow::Result<Config> {
    let is_default = explicit.is_none() && std::env::var_os("SHIELDWALL_CONFIG").is_none();
    let Some(path) = config_path(explicit) else {
        return Ok(Config::default());
    };
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && is_default => {
            return Ok(Config::default());
        }
        Err(e) => {
            return Err(UsageError::new(format!(
                "cannot read configuration `{}`: {e}",
                path.display()
            ))
            .into());
        }
    };
    toml::from_str(&text).map_err(|e| {
        let line = e
            .span()
            .map(|span| text[..span.start.min(text.len())].lines().count().max(1));
        let at = line.map(|l| format!(":{l}")).unwrap_or_default();
        UsageError::new(format!(
            "invalid configuration `{}{at}`: {}",
            path.display(),
            e.message().trim_end_matches('.')
        ))
        .into()
    })
}
