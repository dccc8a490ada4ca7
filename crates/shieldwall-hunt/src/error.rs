//! The errors of the hunt library.

use std::path::PathBuf;

/// What can stop a hunt before it starts (everything a hunt meets while
/// running is recorded in the report instead: unreadable directories are
/// listed, never fatal).
#[derive(Debug, thiserror::Error)]
pub enum HuntError {
    /// An indicator file could not be read.
    #[error("cannot read the indicator file `{path}`: {source}")]
    ReadIndicators {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// An indicator file is not valid.
    #[error("invalid indicator file `{path}`: {message}")]
    BadIndicators {
        /// The file (or `built-in`).
        path: PathBuf,
        /// What is wrong, with the line where TOML gives it.
        message: String,
    },
    /// The root to hunt is not a directory.
    #[error("`{0}` is not a directory")]
    BadRoot(PathBuf),
    /// A home directory given in the options is not a directory under the
    /// root.
    #[error("home `{0}` is not a directory under the root")]
    BadHome(PathBuf),
    /// A repository for the git audit could not be read.
    #[error("cannot audit the repository `{path}`: {message}")]
    Git {
        /// The repository.
        path: PathBuf,
        /// What git said.
        message: String,
    },
}
