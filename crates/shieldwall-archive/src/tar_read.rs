//! Streaming tar reading, plain or compressed.

use std::cell::Cell;
use std::collections::HashSet;
use std::io::{self, Read};
use std::rc::Rc;

use tar::EntryType;

use crate::meter::{Counting, Metered};
use crate::{ArchiveError, Format, IssueKind, Limit, Limits, Member, Visit, normalize};

/// Streams a tar archive once, start to end.
pub(crate) fn read<R: Read>(
    reader: R,
    format: Format,
    archive: &str,
    limits: &Limits,
    mut want: impl FnMut(&str) -> bool,
    mut on_member: impl FnMut(Member),
) -> Visit {
    let mut visit = Visit::default();
    let compressed = Rc::new(Cell::new(0u64));
    let tripped = Rc::new(Cell::new(None));
    let counting = Counting {
        inner: reader,
        count: Rc::clone(&compressed),
    };
    let decoded: Box<dyn Read> = match format {
        Format::TarGzip => Box::new(flate2::read::MultiGzDecoder::new(counting)),
        Format::TarBzip2 => Box::new(bzip2::read::MultiBzDecoder::new(counting)),
        Format::TarZstd => match zstd::stream::read::Decoder::new(counting) {
            Ok(decoder) => Box::new(decoder),
            Err(e) => {
                visit.error = Some(io_error(archive, format, &e, None));
                return visit;
            }
        },
        Format::Tar | Format::Zip => Box::new(counting),
    };
    let metered = Metered {
        inner: decoded,
        compressed: (format != Format::Tar).then_some(compressed),
        out: 0,
        limits: *limits,
        tripped: Rc::clone(&tripped),
    };
    let mut tar = tar::Archive::new(metered);
    let entries = match tar.entries() {
        Ok(entries) => entries,
        Err(e) => {
            visit.error = Some(io_error(
                archive,
                format,
                &e,
                tripped.get().map(|l| (l, limits)),
            ));
            return visit;
        }
    };
    let mut seen = HashSet::new();
    for entry in entries {
        let mut entry = match entry {
            Ok(entry) => entry,
            Err(e) => {
                visit.error = Some(io_error(
                    archive,
                    format,
                    &e,
                    tripped.get().map(|l| (l, limits)),
                ));
                break;
            }
        };
        visit.entries += 1;
        if visit.entries > limits.max_entries {
            visit.error = Some(ArchiveError::LimitExceeded {
                archive: archive.to_owned(),
                limit: Limit::Entries,
                value: limits.max_entries,
            });
            break;
        }
        let entry_type = entry.header().entry_type();
        if matches!(
            entry_type,
            EntryType::XGlobalHeader
                | EntryType::XHeader
                | EntryType::GNULongName
                | EntryType::GNULongLink
        ) {
            continue;
        }
        let raw = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
        let path = match normalize(&raw) {
            Ok(path) => path,
            Err(kind) => {
                if !is_root(&raw) {
                    visit.issue(raw, kind);
                }
                continue;
            }
        };
        let target = || {
            entry
                .link_name_bytes()
                .map(|t| String::from_utf8_lossy(&t).into_owned())
                .unwrap_or_default()
        };
        match entry_type {
            EntryType::Directory => continue,
            EntryType::Symlink => {
                let target = target();
                visit.issue(path, IssueKind::Symlink { target });
                continue;
            }
            EntryType::Link => {
                let target = target();
                visit.issue(path, IssueKind::Hardlink { target });
                continue;
            }
            EntryType::Char | EntryType::Block | EntryType::Fifo => {
                visit.issue(path, IssueKind::SpecialFile);
                continue;
            }
            _ => {}
        }
        if !seen.insert(path.clone()) {
            visit.issue(path.clone(), IssueKind::Duplicate);
        }
        if !want(&path) {
            continue;
        }
        let size = entry.size();
        if size > limits.max_file_bytes {
            visit.issue(path, IssueKind::TooLarge { size });
            continue;
        }
        let mut bytes = Vec::with_capacity(usize::try_from(size.min(1 << 20)).unwrap_or(0));
        match (&mut entry)
            .take(limits.max_file_bytes.saturating_add(1))
            .read_to_end(&mut bytes)
        {
            Ok(_) => on_member(Member { path, bytes }),
            Err(e) => {
                visit.error = Some(io_error(
                    archive,
                    format,
                    &e,
                    tripped.get().map(|l| (l, limits)),
                ));
                break;
            }
        }
    }
    visit
}

/// `.`, `./`, `/` and the like: the archive root, listed by some tools.
fn is_root(raw: &str) -> bool {
    raw.chars().all(|c| c == '.' || c == '/') && !raw.contains("..")
}

/// The error for a failed read of `archive`: a limit when the meter
/// tripped, truncation on an early end, corruption otherwise.
pub(crate) fn io_error(
    archive: &str,
    format: Format,
    error: &io::Error,
    tripped: Option<(Limit, &Limits)>,
) -> ArchiveError {
    if let Some((limit, limits)) = tripped {
        let value = match limit {
            Limit::TotalBytes => limits.max_total_bytes,
            Limit::Entries => limits.max_entries,
            Limit::Ratio => limits.max_ratio,
        };
        return ArchiveError::LimitExceeded {
            archive: archive.to_owned(),
            limit,
            value,
        };
    }
    let message = lowercase(&error.to_string());
    if error.kind() == io::ErrorKind::UnexpectedEof
        || message.contains("unexpected end")
        || message.contains("failed to read entire block")
        || message.contains("incomplete")
    {
        return ArchiveError::Truncated {
            archive: archive.to_owned(),
            format,
        };
    }
    ArchiveError::Corrupt {
        archive: archive.to_owned(),
        format,
        message,
    }
}

/// Longest message kept from an underlying error: tar errors quote the
/// damaged header, which can be junk.
const MAX_MESSAGE_CHARS: usize = 160;

/// `Invalid checksum` → `invalid checksum` (all-caps words are kept), cut
/// to [`MAX_MESSAGE_CHARS`] on one line.
pub(crate) fn lowercase(text: &str) -> String {
    let mut text: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(MAX_MESSAGE_CHARS)
        .collect();
    if text.chars().count() == MAX_MESSAGE_CHARS {
        text.push('…');
    }
    let mut chars = text.chars();
    match (chars.next(), chars.next()) {
        (Some(first), Some(second)) if first.is_uppercase() && !second.is_uppercase() => {
            let mut out: String = first.to_lowercase().collect();
            out.push(second);
            out.push_str(chars.as_str());
            out
        }
        _ => text,
    }
}

/// Lists the regular files of a seekable, uncompressed tar archive with
/// where their data starts, skipping over the data itself.
pub(crate) fn index<R: Read + io::Seek>(
    reader: R,
    archive: &str,
    limits: &Limits,
) -> crate::TarIndex {
    let mut out = crate::TarIndex::default();
    let mut tar = tar::Archive::new(reader);
    let entries = match tar.entries_with_seek() {
        Ok(entries) => entries,
        Err(e) => {
            out.error = Some(io_error(archive, Format::Tar, &e, None));
            return out;
        }
    };
    let mut visit = Visit::default();
    let mut seen = HashSet::new();
    for entry in entries {
        let entry = match entry {
            Ok(entry) => entry,
            Err(e) => {
                out.error = Some(io_error(archive, Format::Tar, &e, None));
                break;
            }
        };
        visit.entries += 1;
        if visit.entries > limits.max_entries {
            out.error = Some(ArchiveError::LimitExceeded {
                archive: archive.to_owned(),
                limit: Limit::Entries,
                value: limits.max_entries,
            });
            break;
        }
        let entry_type = entry.header().entry_type();
        let raw = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
        let path = match normalize(&raw) {
            Ok(path) => path,
            Err(kind) => {
                if !is_root(&raw) {
                    visit.issue(raw, kind);
                }
                continue;
            }
        };
        let target = entry
            .link_name_bytes()
            .map(|t| String::from_utf8_lossy(&t).into_owned())
            .unwrap_or_default();
        match entry_type {
            EntryType::Regular | EntryType::Continuous | EntryType::GNUSparse => {
                if !seen.insert(path.clone()) {
                    visit.issue(path.clone(), IssueKind::Duplicate);
                }
                out.files.push(crate::IndexEntry {
                    path,
                    offset: entry.raw_file_position(),
                    size: entry.size(),
                });
            }
            EntryType::Symlink => visit.issue(path, IssueKind::Symlink { target }),
            EntryType::Link => visit.issue(path, IssueKind::Hardlink { target }),
            EntryType::Char | EntryType::Block | EntryType::Fifo => {
                visit.issue(path, IssueKind::SpecialFile);
            }
            _ => {}
        }
    }
    out.entries = visit.entries;
    out.issues = visit.issues;
    out.issues_dropped = visit.issues_dropped;
    out
}
