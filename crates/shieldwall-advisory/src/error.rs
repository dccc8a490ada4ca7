//! The one error type of this crate.

use std::path::PathBuf;

/// Everything that can go wrong importing, storing or opening advisories.
#[derive(Debug, thiserror::Error)]
pub enum AdvisoryError {
    /// A file or directory could not be read.
    #[error("cannot read `{}`", path.display())]
    Read {
        /// What was being read.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A file or directory could not be written.
    #[error("cannot write `{}`", path.display())]
    Write {
        /// What was being written.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A file (or zip entry, `archive.zip!entry.json`) is not valid OSV
    /// JSON.
    #[error("`{file}` is not a valid OSV record")]
    Json {
        /// The file, zip entry or `file:line` that failed.
        file: String,
        /// The parser's error.
        #[source]
        source: serde_json::Error,
    },
    /// A zip archive could not be read.
    #[error("`{}` is not a readable zip archive", path.display())]
    Zip {
        /// The archive.
        path: PathBuf,
        /// The archive reader's error.
        #[source]
        source: zip::result::ZipError,
    },
    /// The import path is neither a directory, a zip archive nor JSON.
    #[error("`{}` is not a directory, an OSV `all.zip`, a JSON or a JSON Lines file", path.display())]
    UnknownFormat {
        /// The rejected path.
        path: PathBuf,
    },
    /// An advisory could not be encoded for the store.
    #[error("cannot encode advisory `{id}` for the store")]
    Encode {
        /// The advisory's id.
        id: String,
        /// The encoder's error.
        #[source]
        source: postcard::Error,
    },
    /// A store file is damaged or was written by an incompatible version.
    #[error("store file `{}` is unusable ({reason}); import its source again", path.display())]
    CorruptStore {
        /// The store file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
}
