//! Bounded, read-only reading of zip and tar archives into memory.
//!
//! Nothing is ever extracted to disk and nothing is executed. A caller
//! picks the members it wants with a predicate on their (normalized)
//! path, so scanning a multi-gigabyte image layer for a few metadata files
//! keeps only those files in memory; everything else is streamed past.
//!
//! Supported formats ([`Format`]): zip (wheels, eggs, jars, `.zip`), plain
//! tar, and tar compressed with gzip (`.tar.gz`, `.tgz`), bzip2
//! (`.tar.bz2`) or zstd (`.tar.zst`).
//!
//! Hostile input is expected:
//!
//! - paths with `..` components, absolute paths, symbolic and hard links,
//!   device files and duplicated paths are reported as [`ArchiveIssue`]s
//!   and never handed to the predicate or read;
//! - [`Limits`] bound the entries visited, the bytes decompressed, the size
//!   of one kept member and the compression ratio (zip bombs);
//! - a truncated or corrupt archive gives an [`ArchiveError`] naming the
//!   archive, **and** every member read before the damage.
//!
//! No input makes the reader panic.
//!
//! ```
//! use std::io::Cursor;
//! use shieldwall_archive::{Format, Limits, read_members};
//!
//! let mut builder = tar::Builder::new(Vec::new());
//! let mut header = tar::Header::new_gnu();
//! header.set_size(5);
//! header.set_mode(0o644);
//! header.set_cksum();
//! builder.append_data(&mut header, "pkg/PKG-INFO", &b"hello"[..]).unwrap();
//! let bytes = builder.into_inner().unwrap();
//!
//! let read = read_members(Cursor::new(bytes), Format::Tar, "pkg.tar", &Limits::default(), |p| {
//!     p.ends_with("/PKG-INFO")
//! });
//! assert_eq!(read.members[0].path, "pkg/PKG-INFO");
//! assert!(read.error.is_none() && read.issues.is_empty());
//! ```

mod meter;
mod path;
mod tar_read;
mod zip_read;

use std::fmt;
use std::io::{Read, Seek};

pub use path::normalize;

/// An archive format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    /// A zip archive (`.zip`, `.whl`, `.egg`, `.jar`, `.pyz`).
    Zip,
    /// An uncompressed tar archive.
    Tar,
    /// A gzip-compressed tar archive (`.tar.gz`, `.tgz`).
    TarGzip,
    /// A bzip2-compressed tar archive (`.tar.bz2`, `.tbz2`).
    TarBzip2,
    /// A zstd-compressed tar archive (`.tar.zst`, `.tzst`).
    TarZstd,
}

impl Format {
    /// The format a file name says (`foo-1.0-py3-none-any.whl` → zip),
    /// case-insensitively.
    pub fn from_file_name(name: &str) -> Option<Self> {
        let lower = name.to_ascii_lowercase();
        let has = |suffixes: &[&str]| suffixes.iter().any(|s| lower.ends_with(s));
        if has(&[".zip", ".whl", ".egg", ".jar", ".pyz", ".pex", ".vsix"]) {
            Some(Self::Zip)
        } else if has(&[".tar.gz", ".tgz"]) {
            Some(Self::TarGzip)
        } else if has(&[".tar.bz2", ".tbz2", ".tbz"]) {
            Some(Self::TarBzip2)
        } else if has(&[".tar.zst", ".tzst"]) {
            Some(Self::TarZstd)
        } else if has(&[".tar"]) {
            Some(Self::Tar)
        } else {
            None
        }
    }

    /// The format the first bytes of an archive show, when they show one:
    /// zip, gzip, bzip2 and zstd magic numbers, or a `ustar` tar header.
    /// A compressed stream is assumed to hold a tar archive.
    pub fn sniff(head: &[u8]) -> Option<Self> {
        if head.starts_with(b"PK\x03\x04") || head.starts_with(b"PK\x05\x06") {
            Some(Self::Zip)
        } else if head.starts_with(&[0x1f, 0x8b]) {
            Some(Self::TarGzip)
        } else if head.starts_with(b"BZh") {
            Some(Self::TarBzip2)
        } else if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
            Some(Self::TarZstd)
        } else if head.get(257..262) == Some(b"ustar") {
            Some(Self::Tar)
        } else {
            None
        }
    }

    /// A short lowercase name (`zip`, `tar.gz`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Zip => "zip",
            Self::Tar => "tar",
            Self::TarGzip => "tar.gz",
            Self::TarBzip2 => "tar.bz2",
            Self::TarZstd => "tar.zst",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Bounds on what one read may cost.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Decompressed bytes the reader goes through, kept or streamed past
    /// (for tar streams this counts every byte of the tar stream, for zip
    /// the bytes of the members read). Reaching it stops the read with
    /// [`ArchiveError::LimitExceeded`].
    pub max_total_bytes: u64,
    /// Entries visited (files, directories, links). Reaching it stops the
    /// read with [`ArchiveError::LimitExceeded`].
    pub max_entries: u64,
    /// The largest member kept in memory; a wanted member over it is
    /// skipped with an [`IssueKind::TooLarge`] issue.
    pub max_file_bytes: u64,
    /// The largest decompressed-to-compressed ratio, checked once more than
    /// [`RATIO_GRACE_BYTES`] came out (per member for zip, over the whole
    /// stream for compressed tar); 0 turns the check off. Over it, a zip
    /// member is skipped with an [`IssueKind::HighRatio`] issue and a tar
    /// stream stops with [`ArchiveError::LimitExceeded`].
    pub max_ratio: u64,
}

/// Decompressed bytes always allowed before [`Limits::max_ratio`] applies,
/// so that small, very compressible files are not flagged.
pub const RATIO_GRACE_BYTES: u64 = 1 << 20;

impl Default for Limits {
    /// 4 GiB decompressed, 1,000,000 entries, 64 MiB per kept member, a
    /// ratio of 200.
    fn default() -> Self {
        Self {
            max_total_bytes: 4 << 30,
            max_entries: 1_000_000,
            max_file_bytes: 64 << 20,
            max_ratio: 200,
        }
    }
}

/// One member read into memory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Member {
    /// The normalized path inside the archive (see [`normalize`]).
    pub path: String,
    /// The decompressed contents.
    pub bytes: Vec<u8>,
}

/// Something suspicious about one entry; the entry was not read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ArchiveIssue {
    /// The entry's path: normalized when it could be, else as written.
    pub path: String,
    /// What is wrong with it.
    pub kind: IssueKind,
}

/// What is wrong with an entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum IssueKind {
    /// The path has a `..` component.
    PathTraversal,
    /// The path is absolute (`/etc/passwd`, `C:\…`).
    AbsolutePath,
    /// The path is empty, holds a NUL byte or is not valid text.
    InvalidPath,
    /// A symbolic link; not followed.
    Symlink {
        /// The link target, as written.
        target: String,
    },
    /// A hard link; not followed.
    Hardlink {
        /// The link target, as written.
        target: String,
    },
    /// A device, FIFO or other special entry.
    SpecialFile,
    /// A second entry with a path already seen. Tar members are still
    /// read (each occurrence is kept, in order); a zip's central
    /// directory only gives one of them.
    Duplicate,
    /// A wanted member larger than [`Limits::max_file_bytes`].
    TooLarge {
        /// Its size, or the bytes read before giving up.
        size: u64,
    },
    /// A zip member whose compression ratio is over [`Limits::max_ratio`].
    HighRatio {
        /// Its decompressed size, or the bytes read before giving up.
        size: u64,
        /// Its compressed size.
        compressed: u64,
    },
    /// A wanted member that could not be decompressed (its bytes are
    /// damaged or use an unsupported method); the other members were read.
    Unreadable {
        /// Why, lowercase.
        message: String,
    },
}

impl fmt::Display for ArchiveIssue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let path = &self.path;
        match &self.kind {
            IssueKind::PathTraversal => write!(f, "`{path}` escapes the archive with `..`"),
            IssueKind::AbsolutePath => write!(f, "`{path}` is an absolute path"),
            IssueKind::InvalidPath => write!(f, "`{path}` is not a valid member path"),
            IssueKind::Symlink { target } => {
                write!(f, "`{path}` is a symbolic link to `{target}`, not followed")
            }
            IssueKind::Hardlink { target } => {
                write!(f, "`{path}` is a hard link to `{target}`, not followed")
            }
            IssueKind::SpecialFile => write!(f, "`{path}` is a device or special file"),
            IssueKind::Duplicate => write!(f, "`{path}` appears more than once"),
            IssueKind::TooLarge { size } => {
                write!(f, "`{path}` is too large to read ({size} bytes)")
            }
            IssueKind::HighRatio { size, compressed } => write!(
                f,
                "`{path}` decompresses from {compressed} to over {size} bytes, a likely zip bomb"
            ),
            IssueKind::Unreadable { message } => write!(f, "`{path}` could not be read: {message}"),
        }
    }
}

/// Which of the [`Limits`] stopped a read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Limit {
    /// [`Limits::max_total_bytes`].
    TotalBytes,
    /// [`Limits::max_entries`].
    Entries,
    /// [`Limits::max_ratio`], over a whole compressed tar stream.
    Ratio,
}

impl fmt::Display for Limit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::TotalBytes => "decompressed size",
            Self::Entries => "entry count",
            Self::Ratio => "compression ratio",
        })
    }
}

/// Why a read stopped before the end of the archive.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ArchiveError {
    /// The archive is damaged or not in the format it claims.
    #[error("{archive}: corrupt {format} archive: {message}")]
    Corrupt {
        /// The archive, as the caller named it.
        archive: String,
        /// The format it was read as.
        format: Format,
        /// What is wrong, lowercase.
        message: String,
    },
    /// The archive ends before its format says it should.
    #[error("{archive}: truncated {format} archive")]
    Truncated {
        /// The archive, as the caller named it.
        archive: String,
        /// The format it was read as.
        format: Format,
    },
    /// One of the [`Limits`] was reached.
    #[error("{archive}: {limit} limit of {value} reached, the rest of the archive was not read")]
    LimitExceeded {
        /// The archive, as the caller named it.
        archive: String,
        /// Which limit.
        limit: Limit,
        /// The limit's value.
        value: u64,
    },
    /// The underlying reader failed (a disk error).
    #[error("{archive}: read error: {message}")]
    Io {
        /// The archive, as the caller named it.
        archive: String,
        /// The operating system's reason.
        message: String,
    },
}

impl ArchiveError {
    /// The message without the archive's name, for callers that print the
    /// name themselves (`truncated tar.gz archive`).
    pub fn reason(&self) -> String {
        match self {
            Self::Corrupt {
                format, message, ..
            } => format!("corrupt {format} archive: {message}"),
            Self::Truncated { format, .. } => format!("truncated {format} archive"),
            Self::LimitExceeded { limit, value, .. } => {
                format!("{limit} limit of {value} reached, the rest of the archive was not read")
            }
            Self::Io { message, .. } => format!("read error: {message}"),
        }
    }
}

/// What a read found.
#[derive(Clone, Debug, Default)]
pub struct ArchiveRead {
    /// The wanted members, in archive order.
    pub members: Vec<Member>,
    /// Suspicious entries (not read), at most [`MAX_ISSUES`].
    pub issues: Vec<ArchiveIssue>,
    /// Issues past [`MAX_ISSUES`] that were counted but not kept.
    pub issues_dropped: u64,
    /// Entries visited.
    pub entries: u64,
    /// Why the read stopped early; the members before it are kept.
    pub error: Option<ArchiveError>,
}

/// What a visit found, besides the members handed to the callback.
#[derive(Clone, Debug, Default)]
pub struct Visit {
    /// Suspicious entries (not read), at most [`MAX_ISSUES`].
    pub issues: Vec<ArchiveIssue>,
    /// Issues past [`MAX_ISSUES`] that were counted but not kept.
    pub issues_dropped: u64,
    /// Entries visited.
    pub entries: u64,
    /// Why the visit stopped early.
    pub error: Option<ArchiveError>,
}

/// Most issues kept per read; a layer full of symbolic links must not
/// cost unbounded memory.
pub const MAX_ISSUES: usize = 10_000;

impl Visit {
    pub(crate) fn issue(&mut self, path: impl Into<String>, kind: IssueKind) {
        if self.issues.len() < MAX_ISSUES {
            self.issues.push(ArchiveIssue {
                path: path.into(),
                kind,
            });
        } else {
            self.issues_dropped += 1;
        }
    }

    fn into_read(self, members: Vec<Member>) -> ArchiveRead {
        ArchiveRead {
            members,
            issues: self.issues,
            issues_dropped: self.issues_dropped,
            entries: self.entries,
            error: self.error,
        }
    }
}

/// Reads the members `want` accepts from a seekable archive (a file, an
/// in-memory buffer). Zip archives are read through their central
/// directory, falling back to their local headers when it is damaged;
/// tar archives are streamed.
///
/// `archive` names the archive in errors. `want` sees the normalized path
/// of every regular file.
pub fn read_members<R: Read + Seek>(
    reader: R,
    format: Format,
    archive: &str,
    limits: &Limits,
    want: impl FnMut(&str) -> bool,
) -> ArchiveRead {
    let mut members = Vec::new();
    let visit = visit(reader, format, archive, limits, want, |m| members.push(m));
    visit.into_read(members)
}

/// Reads the members `want` accepts from a stream that cannot seek (a
/// layer inside an image). Zip archives are read through their local
/// headers, which is less complete than [`read_members`].
pub fn read_stream<R: Read>(
    reader: R,
    format: Format,
    archive: &str,
    limits: &Limits,
    want: impl FnMut(&str) -> bool,
) -> ArchiveRead {
    let mut members = Vec::new();
    let visit = visit_stream(reader, format, archive, limits, want, |m| members.push(m));
    visit.into_read(members)
}

/// Like [`read_members`], but hands each wanted member to `on_member` as
/// soon as it is read instead of keeping them all.
pub fn visit<R: Read + Seek>(
    reader: R,
    format: Format,
    archive: &str,
    limits: &Limits,
    want: impl FnMut(&str) -> bool,
    on_member: impl FnMut(Member),
) -> Visit {
    match format {
        Format::Zip => zip_read::read_seekable(reader, archive, limits, want, on_member),
        _ => tar_read::read(reader, format, archive, limits, want, on_member),
    }
}

/// Like [`read_stream`], but hands each wanted member to `on_member` as
/// soon as it is read instead of keeping them all.
pub fn visit_stream<R: Read>(
    reader: R,
    format: Format,
    archive: &str,
    limits: &Limits,
    want: impl FnMut(&str) -> bool,
    on_member: impl FnMut(Member),
) -> Visit {
    match format {
        Format::Zip => zip_read::read_stream(reader, archive, limits, want, on_member),
        _ => tar_read::read(reader, format, archive, limits, want, on_member),
    }
}

/// One regular file of an uncompressed tar, located for random access.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IndexEntry {
    /// The normalized path.
    pub path: String,
    /// Where its data starts, from the start of the archive.
    pub offset: u64,
    /// Its size in bytes.
    pub size: u64,
}

/// The listing [`index_tar`] gives.
#[derive(Clone, Debug, Default)]
pub struct TarIndex {
    /// The regular files, in archive order (a duplicated path appears once
    /// per entry; the last one wins when extracting).
    pub files: Vec<IndexEntry>,
    /// Suspicious entries, links among them; at most [`MAX_ISSUES`].
    pub issues: Vec<ArchiveIssue>,
    /// Issues past [`MAX_ISSUES`] that were counted but not kept.
    pub issues_dropped: u64,
    /// Entries visited.
    pub entries: u64,
    /// Why the listing stopped early; the files before it are kept.
    pub error: Option<ArchiveError>,
}

/// Lists the regular files of a seekable, uncompressed tar (an image
/// archive on disk) without reading their data, so that a caller can then
/// read the few members it needs by offset. Only
/// [`Limits::max_entries`] applies; a peek at the first entries is a call
/// with a small limit (and an [`ArchiveError::LimitExceeded`] error).
pub fn index_tar<R: Read + Seek>(reader: R, archive: &str, limits: &Limits) -> TarIndex {
    tar_read::index(reader, archive, limits)
}

#[cfg(test)]
mod tests;
