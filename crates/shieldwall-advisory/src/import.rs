//! Reads OSV records from a directory tree, an `all.zip`, a JSON Lines file
//! or a JSON file, and stores them with a report of everything left out.

use std::collections::{BTreeMap, HashSet};
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::AdvisoryError;
use crate::matcher::{BadVersion, bad_versions};
use crate::model::Advisory;
use crate::osv::OsvRecord;
use crate::status::{EcosystemCounts, SourceKind, Tally};
use crate::store;

/// Zip entries larger than this are reported and skipped.
const MAX_ZIP_ENTRY: u64 = 256 << 20;

/// What an import read, kept and left out.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportReport {
    /// The source's name: its canonical path.
    pub source: String,
    /// The store file written.
    pub store_file: PathBuf,
    /// True when an earlier import of the same source was replaced.
    pub replaced: bool,
    /// When the import ran (RFC 3339).
    pub imported_at: String,
    /// The newest `modified` time among the records.
    pub snapshot: Option<String>,
    /// Files (and zip entries) read.
    pub files: u64,
    /// Advisories stored.
    pub advisories: u64,
    /// Stored advisories classified as malicious packages.
    pub malicious: u64,
    /// Stored advisories that are withdrawn (kept, never matched).
    pub withdrawn: u64,
    /// Counts per ecosystem, by the name the data uses.
    pub by_ecosystem: BTreeMap<String, EcosystemCounts>,
    /// Records skipped because their id was empty (`MAL-0000-*`
    /// placeholders).
    pub skipped_empty_id: u64,
    /// Records skipped because a record with the same id was already read.
    pub duplicates: u64,
    /// `affected` entries of ecosystems shieldwall does not match, per
    /// ecosystem; they are kept in the record but not indexed.
    pub unknown_ecosystems: BTreeMap<String, u64>,
    /// Version strings that are not valid in their ecosystem and are left
    /// out of matching.
    pub invalid_versions: Vec<InvalidVersion>,
    /// Files or entries that could not be read or parsed; the import went
    /// on without them.
    pub file_errors: Vec<FileError>,
}

/// A version string left out of matching.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvalidVersion {
    /// The advisory's id.
    pub advisory: String,
    /// The ecosystem of the `affected` entry.
    pub ecosystem: String,
    /// The package name as written.
    pub package: String,
    /// Where the string was: `versions`, or the range event
    /// (`introduced`, `fixed`, `last_affected`, `limit`); a range with a bad
    /// event is left out whole.
    pub field: String,
    /// The string.
    pub version: String,
}

/// A file or zip entry the import could not use.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileError {
    /// The file, `file:line` or `archive.zip!entry`.
    pub file: String,
    /// What went wrong, with its causes.
    pub message: String,
}

/// Parses the OSV records at `path` and stores them in `store_dir` as one
/// source named by the canonical path; importing the same path again
/// replaces the earlier import.
///
/// `path` may be a directory (searched recursively for `.json`, `.jsonl`,
/// `.ndjson` and `.zip` files), an OSV `all.zip`, a JSON Lines file, or a
/// JSON file holding one record or an array of records. Broken files are
/// listed in [`ImportReport::file_errors`] and the rest is imported; the
/// import fails only when nothing could be read at all.
pub fn import(path: &Path, store_dir: &Path) -> Result<ImportReport, AdvisoryError> {
    let read_err = |source| AdvisoryError::Read {
        path: path.to_owned(),
        source,
    };
    let canonical = std::fs::canonicalize(path).map_err(read_err)?;
    let source = canonical.display().to_string();
    std::fs::create_dir_all(store_dir).map_err(|source| AdvisoryError::Write {
        path: store_dir.to_owned(),
        source,
    })?;
    let imported_at = now();
    let mut session = Session {
        writer: store::Writer::new(
            store_dir,
            Tally::new(
                source.clone(),
                SourceKind::Import,
                Some(imported_at.clone()),
            ),
        )?,
        seen: HashSet::new(),
        files: 0,
        skipped_empty_id: 0,
        duplicates: 0,
        unknown_ecosystems: BTreeMap::new(),
        invalid_versions: Vec::new(),
        errors: Vec::new(),
    };
    read_path(&canonical, &mut session)?;
    if session.seen.is_empty() && session.skipped_empty_id == 0 && !session.errors.is_empty() {
        return Err(session.errors.swap_remove(0));
    }
    let store_file = store_dir.join(store::file_name(&source));
    let replaced = store_file.exists();
    let status = session.writer.finish(&store_file)?;
    Ok(ImportReport {
        source,
        store_file,
        replaced,
        imported_at,
        snapshot: status.snapshot,
        files: session.files,
        advisories: status.advisories,
        malicious: status.malicious,
        withdrawn: status.withdrawn,
        by_ecosystem: status.by_ecosystem,
        skipped_empty_id: session.skipped_empty_id,
        duplicates: session.duplicates,
        unknown_ecosystems: session.unknown_ecosystems,
        invalid_versions: session.invalid_versions,
        file_errors: session.errors.iter().map(FileError::from_error).collect(),
    })
}

/// The current time, RFC 3339, to the second.
pub(crate) fn now() -> String {
    let now = jiff::Timestamp::now();
    now.round(jiff::Unit::Second).unwrap_or(now).to_string()
}

impl FileError {
    fn from_error(error: &AdvisoryError) -> Self {
        let file = match error {
            AdvisoryError::Json { file, .. } => file.clone(),
            AdvisoryError::Read { path, .. }
            | AdvisoryError::Write { path, .. }
            | AdvisoryError::Zip { path, .. }
            | AdvisoryError::UnknownFormat { path }
            | AdvisoryError::CorruptStore { path, .. } => path.display().to_string(),
            AdvisoryError::Encode { id, .. } => id.clone(),
        };
        let mut message = error.to_string();
        let mut cause = std::error::Error::source(error);
        while let Some(c) = cause {
            message.push_str(": ");
            message.push_str(&c.to_string());
            cause = c.source();
        }
        Self { file, message }
    }
}

/// The state of one import.
struct Session {
    writer: store::Writer,
    seen: HashSet<String>,
    files: u64,
    skipped_empty_id: u64,
    duplicates: u64,
    unknown_ecosystems: BTreeMap<String, u64>,
    invalid_versions: Vec<InvalidVersion>,
    errors: Vec<AdvisoryError>,
}

impl Session {
    fn record(&mut self, record: OsvRecord) -> Result<(), AdvisoryError> {
        let Some(advisory) = record.into_advisory() else {
            self.skipped_empty_id += 1;
            return Ok(());
        };
        if !self.seen.insert(advisory.id.clone()) {
            self.duplicates += 1;
            return Ok(());
        }
        self.check(&advisory);
        self.writer.add(&advisory)
    }

    fn check(&mut self, advisory: &Advisory) {
        for affected in &advisory.affected {
            if affected.matchable_ecosystem().is_none() {
                *self
                    .unknown_ecosystems
                    .entry(affected.ecosystem.clone())
                    .or_default() += 1;
                continue;
            }
            for bad in bad_versions(affected) {
                let (field, version) = match bad {
                    BadVersion::Listed(v) => ("versions".to_owned(), v),
                    BadVersion::RangeEvent(kind, v) => (kind.as_str().to_owned(), v),
                };
                self.invalid_versions.push(InvalidVersion {
                    advisory: advisory.id.clone(),
                    ecosystem: affected.ecosystem.clone(),
                    package: affected.name.clone(),
                    field,
                    version,
                });
            }
        }
    }

    fn error(&mut self, error: AdvisoryError) {
        self.errors.push(error);
    }
}

fn read_path(path: &Path, session: &mut Session) -> Result<(), AdvisoryError> {
    if path.is_dir() {
        read_dir(path, session)
    } else {
        read_file(path, session)
    }
}

/// Reads one file: a zip archive (streamed from disk), JSON Lines or JSON.
fn read_file(path: &Path, session: &mut Session) -> Result<(), AdvisoryError> {
    let read_err = |source| AdvisoryError::Read {
        path: path.to_owned(),
        source,
    };
    let mut file = std::fs::File::open(path).map_err(read_err)?;
    let mut head = Vec::with_capacity(4);
    (&mut file)
        .take(4)
        .read_to_end(&mut head)
        .map_err(read_err)?;
    file.seek(SeekFrom::Start(0)).map_err(read_err)?;
    if is_zip(&head) || Kind::by_extension(path) == Some(Kind::Zip) {
        return read_zip(path, std::io::BufReader::new(file), session);
    }
    if Kind::by_extension(path) == Some(Kind::Lines) {
        session.files += 1;
        let name = path.display().to_string();
        return read_lines(&name, std::io::BufReader::new(file), session);
    }
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes).map_err(read_err)?;
    let name = path.display().to_string();
    match Kind::of(path, &bytes) {
        Some(Kind::Lines) => {
            session.files += 1;
            read_lines(&name, bytes.as_slice(), session)
        }
        Some(Kind::Json) => {
            session.files += 1;
            read_json(&name, &bytes, session)
        }
        Some(Kind::Zip) | None => Err(AdvisoryError::UnknownFormat {
            path: path.to_owned(),
        }),
    }
}

fn read_dir(dir: &Path, session: &mut Session) -> Result<(), AdvisoryError> {
    let walker = walkdir::WalkDir::new(dir)
        .follow_links(false)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.'));
    for entry in walker {
        let entry = match entry {
            Ok(entry) => entry,
            Err(e) => {
                let path = e.path().unwrap_or(dir).to_owned();
                let source = e
                    .into_io_error()
                    .unwrap_or_else(|| std::io::Error::other("filesystem loop"));
                session.error(AdvisoryError::Read { path, source });
                continue;
            }
        };
        let path = entry.path();
        // files, and symbolic links to files (links to directories are not
        // followed, so the walk cannot loop)
        let is_file = entry.file_type().is_file() || entry.path_is_symlink() && path.is_file();
        if !is_file || Kind::by_extension(path).is_none() {
            continue;
        }
        if let Err(e) = read_file(path, session) {
            session.error(e);
        }
    }
    Ok(())
}

/// The formats an import reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Zip,
    Lines,
    Json,
}

impl Kind {
    fn by_extension(path: &Path) -> Option<Self> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "zip" => Some(Self::Zip),
            "jsonl" | "ndjson" => Some(Self::Lines),
            "json" => Some(Self::Json),
            _ => None,
        }
    }

    /// Detects a file's format by content first, then by extension.
    fn of(path: &Path, bytes: &[u8]) -> Option<Self> {
        if is_zip(bytes) {
            return Some(Self::Zip);
        }
        Self::by_extension(path).or_else(|| match first_non_space(bytes) {
            Some(b'{' | b'[') => Some(Self::Json),
            _ => None,
        })
    }
}

fn is_zip(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06")
}

fn first_non_space(bytes: &[u8]) -> Option<u8> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    bytes.iter().copied().find(|b| !b.is_ascii_whitespace())
}

fn json_error(file: String) -> impl FnOnce(serde_json::Error) -> AdvisoryError {
    move |source| AdvisoryError::Json { file, source }
}

/// One record, an array of records, or several records one after another.
fn read_json(name: &str, bytes: &[u8], session: &mut Session) -> Result<(), AdvisoryError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if first_non_space(bytes) == Some(b'[') {
        let items: Vec<serde_json::Value> =
            serde_json::from_slice(bytes).map_err(json_error(name.to_owned()))?;
        for (i, item) in items.into_iter().enumerate() {
            match serde_json::from_value::<OsvRecord>(item) {
                Ok(record) => session.record(record)?,
                Err(e) => session.error(json_error(format!("{name}[{i}]"))(e)),
            }
        }
        return Ok(());
    }
    for item in serde_json::Deserializer::from_slice(bytes).into_iter::<OsvRecord>() {
        match item {
            Ok(record) => session.record(record)?,
            Err(e) => {
                session.error(json_error(name.to_owned())(e));
                break;
            }
        }
    }
    Ok(())
}

/// JSON Lines: one record a line, streamed; a broken line is reported and
/// skipped.
fn read_lines(
    name: &str,
    mut reader: impl std::io::BufRead,
    session: &mut Session,
) -> Result<(), AdvisoryError> {
    let mut line = Vec::new();
    for number in 1u64.. {
        line.clear();
        match reader.read_until(b'\n', &mut line) {
            Ok(0) => break,
            Ok(_) => {}
            Err(source) => {
                session.error(AdvisoryError::Read {
                    path: PathBuf::from(format!("{name}:{number}")),
                    source,
                });
                break;
            }
        }
        let text = line.trim_ascii();
        let text = text.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(text);
        if text.is_empty() {
            continue;
        }
        match serde_json::from_slice::<OsvRecord>(text) {
            Ok(record) => session.record(record)?,
            Err(e) => session.error(json_error(format!("{name}:{number}"))(e)),
        }
    }
    Ok(())
}

fn read_zip<R: Read + Seek>(
    path: &Path,
    reader: R,
    session: &mut Session,
) -> Result<(), AdvisoryError> {
    let zip_err = |source| AdvisoryError::Zip {
        path: path.to_owned(),
        source,
    };
    let mut archive = zip::ZipArchive::new(reader).map_err(zip_err)?;
    let mut buf = Vec::new();
    for i in 0..archive.len() {
        let mut entry = match archive.by_index(i) {
            Ok(entry) => entry,
            Err(e) => {
                session.error(zip_err(e));
                continue;
            }
        };
        if entry.is_dir() {
            continue;
        }
        let raw_name = match entry.name() {
            Ok(name) => name.into_owned(),
            Err(e) => {
                session.error(zip_err(e));
                continue;
            }
        };
        let entry_name = format!("{}!{raw_name}", path.display());
        let kind = Kind::by_extension(Path::new(&raw_name));
        if !matches!(kind, Some(Kind::Json | Kind::Lines)) {
            continue;
        }
        if entry.size() > MAX_ZIP_ENTRY {
            session.error(AdvisoryError::Read {
                path: PathBuf::from(&entry_name),
                source: std::io::Error::other("zip entry too large"),
            });
            continue;
        }
        buf.clear();
        if let Err(source) = (&mut entry).take(MAX_ZIP_ENTRY).read_to_end(&mut buf) {
            session.error(AdvisoryError::Read {
                path: PathBuf::from(&entry_name),
                source,
            });
            continue;
        }
        drop(entry);
        session.files += 1;
        let result = if kind == Some(Kind::Lines) {
            read_lines(&entry_name, buf.as_slice(), session)
        } else {
            read_json(&entry_name, &buf, session)
        };
        if let Err(e) = result {
            session.error(e);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_detection() {
        let cases: &[(&str, &[u8], Option<Kind>)] = &[
            ("all.zip", b"PK\x03\x04rest", Some(Kind::Zip)),
            ("renamed.json", b"PK\x03\x04rest", Some(Kind::Zip)),
            ("a.jsonl", b"{}\n{}", Some(Kind::Lines)),
            ("a.NDJSON", b"{}", Some(Kind::Lines)),
            ("a.json", b"{}", Some(Kind::Json)),
            ("noext", b"  [ {} ]", Some(Kind::Json)),
            ("noext", b"\xEF\xBB\xBF{}", Some(Kind::Json)),
            ("notes.txt", b"hello", None),
        ];
        for (name, bytes, want) in cases {
            assert_eq!(Kind::of(Path::new(name), bytes), *want, "{name}");
        }
    }

    #[test]
    fn file_error_message_has_causes() {
        let err = serde_json::from_str::<OsvRecord>("{").unwrap_err();
        let fe = FileError::from_error(&AdvisoryError::Json {
            file: "x.json".into(),
            source: err,
        });
        assert_eq!(fe.file, "x.json");
        assert!(
            fe.message
                .starts_with("`x.json` is not a valid OSV record: EOF"),
            "{}",
            fe.message
        );
    }
}
