//! Zip reading: through the central directory when the reader can seek,
//! through the local headers otherwise (and as a fallback when the
//! central directory is damaged).

use std::collections::{HashMap, HashSet};
use std::io::{self, Read, Seek, SeekFrom};

use zip::ZipArchive;
use zip::result::ZipError;

use crate::tar_read::lowercase;
use crate::{
    ArchiveError, Format, IssueKind, Limit, Limits, Member, RATIO_GRACE_BYTES, Visit, normalize,
};

/// Longest symbolic link target read for an issue.
const MAX_LINK_TARGET: u64 = 4096;

/// Shared bookkeeping while visiting one zip.
struct State<'a> {
    archive: &'a str,
    limits: &'a Limits,
    visit: Visit,
    seen: HashSet<String>,
    total: u64,
}

/// What to do with one entry after its header was looked at.
enum Admit {
    Skip,
    Read(String),
    Symlink(String),
}

impl State<'_> {
    fn new<'a>(archive: &'a str, limits: &'a Limits) -> State<'a> {
        State {
            archive,
            limits,
            visit: Visit::default(),
            seen: HashSet::new(),
            total: 0,
        }
    }

    /// Counts the entry and checks its path; false when the entry limit
    /// stopped the read.
    fn count(&mut self) -> bool {
        self.visit.entries += 1;
        if self.visit.entries > self.limits.max_entries {
            self.stop(Limit::Entries, self.limits.max_entries);
            return false;
        }
        true
    }

    fn stop(&mut self, limit: Limit, value: u64) {
        self.visit.error = Some(ArchiveError::LimitExceeded {
            archive: self.archive.to_owned(),
            limit,
            value,
        });
    }

    fn admit(&mut self, raw: &str, is_dir: bool, is_symlink: bool) -> Admit {
        let path = match normalize(raw) {
            Ok(path) => path,
            Err(kind) => {
                if !raw.chars().all(|c| c == '/' || c == '.') || raw.contains("..") {
                    self.visit.issue(raw, kind);
                }
                return Admit::Skip;
            }
        };
        if is_dir {
            return Admit::Skip;
        }
        if !self.seen.insert(path.clone()) {
            self.visit.issue(path.clone(), IssueKind::Duplicate);
        }
        if is_symlink {
            Admit::Symlink(path)
        } else {
            Admit::Read(path)
        }
    }

    /// Checks a wanted member's declared sizes before decompressing it.
    fn precheck(&mut self, path: &str, declared: u64, compressed: u64) -> bool {
        if declared > self.limits.max_file_bytes {
            self.visit
                .issue(path, IssueKind::TooLarge { size: declared });
            return false;
        }
        if over_ratio(self.limits, declared, compressed) {
            self.visit.issue(
                path,
                IssueKind::HighRatio {
                    size: declared,
                    compressed,
                },
            );
            return false;
        }
        true
    }

    /// Reads one member's data, enforcing the size, ratio and total limits
    /// on the bytes that actually come out. False when the read must stop.
    fn read_data(
        &mut self,
        path: String,
        compressed: u64,
        data: &mut dyn Read,
        on_member: &mut dyn FnMut(Member),
    ) -> bool {
        let limits = self.limits;
        let budget = limits.max_total_bytes.saturating_sub(self.total);
        let cap = limits.max_file_bytes.min(budget);
        let mut bytes = Vec::new();
        let mut chunk = [0u8; 16 * 1024];
        loop {
            let n = match data.read(&mut chunk) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    self.visit.issue(
                        path,
                        IssueKind::Unreadable {
                            message: lowercase(&e.to_string()),
                        },
                    );
                    return true;
                }
            };
            bytes.extend_from_slice(&chunk[..n]);
            let size = bytes.len() as u64;
            if over_ratio(limits, size, compressed) {
                self.total = self.total.saturating_add(size);
                self.visit
                    .issue(path, IssueKind::HighRatio { size, compressed });
                return true;
            }
            if size > cap {
                self.total = self.total.saturating_add(size);
                if size > limits.max_file_bytes {
                    self.visit.issue(path, IssueKind::TooLarge { size });
                    return true;
                }
                self.stop(Limit::TotalBytes, limits.max_total_bytes);
                return false;
            }
        }
        self.total = self.total.saturating_add(bytes.len() as u64);
        on_member(Member { path, bytes });
        true
    }
}

fn over_ratio(limits: &Limits, size: u64, compressed: u64) -> bool {
    limits.max_ratio > 0
        && size > RATIO_GRACE_BYTES
        && size > compressed.max(1).saturating_mul(limits.max_ratio)
}

fn link_target(data: &mut dyn Read) -> String {
    let mut target = Vec::new();
    let _ = data.take(MAX_LINK_TARGET).read_to_end(&mut target);
    String::from_utf8_lossy(&target).into_owned()
}

fn zip_error(archive: &str, error: &ZipError) -> ArchiveError {
    match error {
        ZipError::Io(e) if e.kind() == io::ErrorKind::UnexpectedEof => ArchiveError::Truncated {
            archive: archive.to_owned(),
            format: Format::Zip,
        },
        ZipError::Io(e) => ArchiveError::Io {
            archive: archive.to_owned(),
            message: e.to_string(),
        },
        other => ArchiveError::Corrupt {
            archive: archive.to_owned(),
            format: Format::Zip,
            message: lowercase(&other.to_string()),
        },
    }
}

/// Reads a zip through its central directory.
pub(crate) fn read_seekable<R: Read + Seek>(
    mut reader: R,
    archive: &str,
    limits: &Limits,
    mut want: impl FnMut(&str) -> bool,
    mut on_member: impl FnMut(Member),
) -> Visit {
    let mut zip = match ZipArchive::new(&mut reader) {
        Ok(zip) => zip,
        Err(directory_error) => {
            // No usable central directory: read what the local headers
            // give, and report the damage.
            if let Err(e) = reader.seek(SeekFrom::Start(0)) {
                return Visit {
                    error: Some(ArchiveError::Io {
                        archive: archive.to_owned(),
                        message: e.to_string(),
                    }),
                    ..Visit::default()
                };
            }
            let mut visit = read_stream(&mut reader, archive, limits, want, on_member);
            if visit.error.is_none() {
                visit.error = Some(match directory_error {
                    ZipError::Io(_) => zip_error(archive, &directory_error),
                    other => ArchiveError::Corrupt {
                        archive: archive.to_owned(),
                        format: Format::Zip,
                        message: format!(
                            "unreadable central directory: {}",
                            lowercase(&other.to_string())
                        ),
                    },
                });
            }
            return visit;
        }
    };
    let mut state = State::new(archive, limits);
    for index in 0..zip.len() {
        if !state.count() {
            break;
        }
        let (raw, is_dir, is_symlink, declared, compressed) = match zip.by_index_data(index) {
            Ok(entry) => {
                let raw = match entry.name() {
                    Ok(name) => name.into_owned(),
                    Err(_) => String::from_utf8_lossy(entry.name_raw()).into_owned(),
                };
                (
                    raw,
                    entry.is_dir(),
                    entry.is_symlink(),
                    entry.size(),
                    entry.compressed_size(),
                )
            }
            Err(e) => {
                state.visit.error = Some(zip_error(archive, &e));
                break;
            }
        };
        match state.admit(&raw, is_dir, is_symlink) {
            Admit::Skip => {}
            Admit::Symlink(path) => {
                let target = match zip.by_index(index) {
                    Ok(mut file) => link_target(&mut file),
                    Err(_) => String::new(),
                };
                state.visit.issue(path, IssueKind::Symlink { target });
            }
            Admit::Read(path) => {
                if !want(&path) || !state.precheck(&path, declared, compressed) {
                    continue;
                }
                match zip.by_index(index) {
                    Ok(mut file) => {
                        if !state.read_data(path, compressed, &mut file, &mut on_member) {
                            break;
                        }
                    }
                    Err(e) => state.visit.issue(
                        path,
                        IssueKind::Unreadable {
                            message: lowercase(&e.to_string()),
                        },
                    ),
                }
            }
        }
    }
    if zip.has_duplicate_names() {
        drop(zip);
        for name in duplicated_names(&mut reader) {
            state.visit.issue(name, IssueKind::Duplicate);
        }
    }
    state.visit
}

/// The names a zip's local headers list more than once (the central
/// directory keeps only one of them).
fn duplicated_names<R: Read + Seek>(reader: &mut R) -> Vec<String> {
    let mut counts: HashMap<String, u32> = HashMap::new();
    if reader.seek(SeekFrom::Start(0)).is_err() {
        return Vec::new();
    }
    while let Ok(Some(file)) = zip::read::read_zipfile_from_stream(reader) {
        let name = String::from_utf8_lossy(file.name_raw()).into_owned();
        *counts.entry(name).or_default() += 1;
        if counts.len() > 1_000_000 {
            break;
        }
    }
    let mut names: Vec<String> = counts
        .into_iter()
        .filter(|&(_, n)| n > 1)
        .map(|(name, _)| normalize(&name).unwrap_or(name))
        .collect();
    names.sort();
    names
}

/// Reads a zip through its local headers, start to end.
pub(crate) fn read_stream<R: Read>(
    mut reader: R,
    archive: &str,
    limits: &Limits,
    mut want: impl FnMut(&str) -> bool,
    mut on_member: impl FnMut(Member),
) -> Visit {
    let mut state = State::new(archive, limits);
    loop {
        let mut file = match zip::read::read_zipfile_from_stream(&mut reader) {
            Ok(Some(file)) => file,
            Ok(None) => break,
            Err(e) => {
                state.visit.error = Some(zip_error(archive, &e));
                break;
            }
        };
        if !state.count() {
            break;
        }
        let raw = String::from_utf8_lossy(file.name_raw()).into_owned();
        let is_dir = raw.ends_with('/') || raw.ends_with('\\');
        let (declared, compressed) = (file.size(), file.compressed_size());
        match state.admit(&raw, is_dir, false) {
            Admit::Skip => {}
            Admit::Symlink(path) => {
                let target = link_target(&mut file);
                state.visit.issue(path, IssueKind::Symlink { target });
            }
            Admit::Read(path) => {
                if !want(&path) || !state.precheck(&path, declared, compressed) {
                    continue;
                }
                if !state.read_data(path, compressed, &mut file, &mut on_member) {
                    break;
                }
            }
        }
    }
    state.visit
}
