//! The gateway's errors.

use std::path::PathBuf;

/// An error starting or running the gateway.
#[derive(Debug, thiserror::Error)]
pub enum GateError {
    /// The configuration file could not be read.
    #[error("cannot read the gateway configuration `{path}`: {source}")]
    ConfigRead {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The configuration file is not valid.
    #[error("invalid gateway configuration `{path}`: {message}")]
    Config {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// The state directory or a file in it could not be used.
    #[error("cannot use the state directory `{path}`: {source}")]
    State {
        /// The path.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The record database failed.
    #[error("the install record `{path}` failed: {source}")]
    Record {
        /// The database file.
        path: PathBuf,
        /// Why.
        source: rusqlite::Error,
    },
    /// The advisory database could not be opened.
    #[error(transparent)]
    Advisory(#[from] shieldwall_advisory::AdvisoryError),
    /// The TLS certificate or key named in the configuration cannot be used.
    #[error("TLS file `{path}`: {message}")]
    Tls {
        /// The certificate or key file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// The listen address could not be bound.
    #[error("cannot listen on `{address}`: {source}")]
    Listen {
        /// The address.
        address: String,
        /// Why.
        source: std::io::Error,
    },
}
