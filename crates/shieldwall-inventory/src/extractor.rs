use std::path::Path;
use std::sync::Arc;

use shieldwall_core::PackageRef;

/// The bytes of one file, with the path they came from.
#[derive(Clone, Copy, Debug)]
pub struct FileInput<'a> {
    /// The real path, for extractors that must read a neighbouring file
    /// (a `-r` include, a sibling manifest). Inside archives and images
    /// there is no real path and neighbours cannot be read.
    pub path: &'a Path,
    /// The path as it appears in reports (archive members joined with `!`).
    pub display: &'a Arc<str>,
    /// The file's contents.
    pub bytes: &'a [u8],
}

/// A problem inside a file that did not stop the extractor: an entry it
/// could not read, an include it could not follow.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// The 1-based line, when known.
    pub line: Option<u32>,
    /// What went wrong, lowercase, no trailing period.
    pub message: String,
}

/// What an extractor read from one file.
#[derive(Clone, Debug, Default)]
pub struct Extraction {
    /// Every package version the file records.
    pub packages: Vec<PackageRef>,
    /// Entries that could not be read; the rest of the file was.
    pub problems: Vec<Problem>,
}

/// A file an extractor could not read at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExtractError {
    /// The file is not valid in its format (broken JSON, YAML or TOML, binary junk).
    #[error("{path}{}: {message}", line.map(|l| format!(":{l}")).unwrap_or_default())]
    Malformed {
        /// The file.
        path: Arc<str>,
        /// The 1-based line of the error, when known.
        line: Option<u32>,
        /// What is wrong, lowercase, no trailing period.
        message: String,
    },
    /// The file is well-formed but in a version of its format that is not
    /// read (a future `lockfileVersion`).
    #[error("{path}: {message}")]
    Unsupported {
        /// The file.
        path: Arc<str>,
        /// What is not supported, lowercase, no trailing period.
        message: String,
    },
}

impl ExtractError {
    /// A [`ExtractError::Malformed`] for `input`.
    pub fn malformed(input: &FileInput<'_>, line: Option<u32>, message: impl Into<String>) -> Self {
        Self::Malformed {
            path: input.display.clone(),
            line,
            message: message.into(),
        }
    }

    /// A [`ExtractError::Unsupported`] for `input`.
    pub fn unsupported(input: &FileInput<'_>, message: impl Into<String>) -> Self {
        Self::Unsupported {
            path: input.display.clone(),
            message: message.into(),
        }
    }
}

/// Reads one kind of file and lists the package versions it records.
///
/// Implementations are read-only and must never panic, whatever the bytes:
/// malformed input is an [`ExtractError`], a bad entry in a good file a
/// [`Problem`].
pub trait Extractor: Send + Sync {
    /// A stable id, `<ecosystem>/<format>` (`npm/package-lock`).
    fn id(&self) -> &'static str;

    /// Reads `input`.
    fn extract(&self, input: &FileInput<'_>) -> Result<Extraction, ExtractError>;
}
