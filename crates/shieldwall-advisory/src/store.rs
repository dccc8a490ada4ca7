//! The on-disk form of one imported source: the postcard-encoded records,
//! then a header holding the source's status, the name index and the record
//! offsets, then the header's length.
//!
//! ```text
//! magic (8) | records | header (postcard) | header length (u64 LE) | magic (8)
//! ```
//!
//! Records are streamed to disk as they are imported. Opening reads the
//! header only; a record is read from the file (and decoded) the first time
//! a lookup hits its package name.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use shieldwall_core::Ecosystem;
use tempfile::NamedTempFile;

use crate::error::AdvisoryError;
use crate::model::Advisory;
use crate::status::{SourceStatus, Tally};

/// File-name extension of store files.
pub(crate) const EXTENSION: &str = "swadv";
const MAGIC: &[u8; 8] = b"SWADV\0\0\x02";
/// Headers larger than this are treated as corrupt rather than allocated.
const MAX_HEADER: u64 = 1 << 32;

/// The header of a store file.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct Header {
    pub(crate) status: SourceStatus,
    pub(crate) index: Vec<IndexEntry>,
    /// End offset of each record in the record section.
    pub(crate) ends: Vec<u64>,
}

/// The records that affect one (ecosystem, normalized name). Most names
/// have one record, which `first` holds without an allocation.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct IndexEntry {
    pub(crate) ecosystem: Ecosystem,
    pub(crate) name: String,
    pub(crate) first: u32,
    pub(crate) more: Vec<u32>,
}

impl IndexEntry {
    /// Every record of the entry.
    pub(crate) fn records(&self) -> impl Iterator<Item = u32> + '_ {
        std::iter::once(self.first).chain(self.more.iter().copied())
    }
}

/// The matchable (ecosystem, normalized name) keys of an advisory, each
/// once.
pub(crate) fn index_keys(advisory: &Advisory) -> Vec<(Ecosystem, String)> {
    let mut keys: Vec<(Ecosystem, String)> = Vec::new();
    for affected in &advisory.affected {
        if let Some(eco) = affected.matchable_ecosystem() {
            let name = eco.normalize_name(&affected.name);
            if !name.is_empty() && !keys.iter().any(|(e, n)| *e == eco && n == &name) {
                keys.push((eco, name.into_owned()));
            }
        }
    }
    keys
}

/// Builds a store file one advisory at a time, streaming the records to a
/// temporary file in the store directory.
#[derive(Debug)]
pub(crate) struct Writer {
    dir: PathBuf,
    out: BufWriter<NamedTempFile>,
    buf: Vec<u8>,
    written: u64,
    ends: Vec<u64>,
    index: HashMap<(Ecosystem, String), Vec<u32>>,
    tally: Tally,
}

impl Writer {
    /// Starts a store file in `dir`.
    pub(crate) fn new(dir: &Path, tally: Tally) -> Result<Self, AdvisoryError> {
        let write_err = |source| AdvisoryError::Write {
            path: dir.to_owned(),
            source,
        };
        let tmp = NamedTempFile::new_in(dir).map_err(write_err)?;
        let mut out = BufWriter::with_capacity(1 << 20, tmp);
        out.write_all(MAGIC).map_err(write_err)?;
        Ok(Self {
            dir: dir.to_owned(),
            out,
            buf: Vec::new(),
            written: 0,
            ends: Vec::new(),
            index: HashMap::new(),
            tally,
        })
    }

    /// Adds one advisory. Its `source` is not stored: it is the source's
    /// name, set again on load.
    pub(crate) fn add(&mut self, advisory: &Advisory) -> Result<(), AdvisoryError> {
        let encode_err = |source| AdvisoryError::Encode {
            id: advisory.id.clone(),
            source,
        };
        let record = u32::try_from(self.ends.len())
            .map_err(|_| encode_err(postcard::Error::SerializeBufferFull))?;
        self.buf.clear();
        self.buf =
            postcard::to_extend(advisory, std::mem::take(&mut self.buf)).map_err(encode_err)?;
        self.out
            .write_all(&self.buf)
            .map_err(|source| AdvisoryError::Write {
                path: self.dir.clone(),
                source,
            })?;
        self.written += self.buf.len() as u64;
        self.ends.push(self.written);
        self.tally.add(advisory);
        for key in index_keys(advisory) {
            self.index.entry(key).or_default().push(record);
        }
        Ok(())
    }

    /// Finishes the file and renames it over `path` (atomically: readers
    /// see the old file or the new one), returning the source's status.
    pub(crate) fn finish(self, path: &Path) -> Result<SourceStatus, AdvisoryError> {
        let status = self.tally.finish();
        let mut index: Vec<IndexEntry> = self
            .index
            .into_iter()
            .filter_map(|((ecosystem, name), records)| {
                let (&first, more) = records.split_first()?;
                Some(IndexEntry {
                    ecosystem,
                    name,
                    first,
                    more: more.to_vec(),
                })
            })
            .collect();
        index.sort_by(|a, b| (a.ecosystem, &a.name).cmp(&(b.ecosystem, &b.name)));
        let header = Header {
            status,
            index,
            ends: self.ends,
        };
        let encoded = postcard::to_stdvec(&header).map_err(|source| AdvisoryError::Encode {
            id: header.status.source.clone(),
            source,
        })?;
        let write_err = |source| AdvisoryError::Write {
            path: path.to_owned(),
            source,
        };
        let mut out = self.out;
        out.write_all(&encoded).map_err(write_err)?;
        out.write_all(&(encoded.len() as u64).to_le_bytes())
            .map_err(write_err)?;
        out.write_all(MAGIC).map_err(write_err)?;
        let tmp = out.into_inner().map_err(|e| write_err(e.into_error()))?;
        tmp.persist(path).map_err(|e| write_err(e.error))?;
        Ok(header.status)
    }
}

/// An opened store file: its header, and the file to read records from.
#[derive(Debug)]
pub(crate) struct StoreFile {
    pub(crate) status: SourceStatus,
    pub(crate) index: Vec<IndexEntry>,
    file: File,
    ends: Vec<u64>,
}

impl StoreFile {
    /// Opens a store file, reading and checking its header.
    pub(crate) fn open(path: &Path) -> Result<Self, AdvisoryError> {
        let read_err = |source| AdvisoryError::Read {
            path: path.to_owned(),
            source,
        };
        let corrupt = |reason: &str| AdvisoryError::CorruptStore {
            path: path.to_owned(),
            reason: reason.to_owned(),
        };
        let mut file = File::open(path).map_err(read_err)?;
        let file_len = file.metadata().map_err(read_err)?.len();
        if file_len < 32 {
            return Err(corrupt("too short"));
        }
        let mut magic = [0u8; 8];
        file.read_exact(&mut magic).map_err(read_err)?;
        if &magic != MAGIC {
            return Err(corrupt("not a shieldwall store file of this version"));
        }
        let mut trailer = [0u8; 16];
        file.seek(SeekFrom::End(-16)).map_err(read_err)?;
        file.read_exact(&mut trailer).map_err(read_err)?;
        let (len_bytes, end_magic) = trailer.split_at(8);
        if end_magic != MAGIC {
            return Err(corrupt("incomplete file"));
        }
        let mut len = [0u8; 8];
        len.copy_from_slice(len_bytes);
        let header_len = u64::from_le_bytes(len);
        let records_end = (file_len - 16)
            .checked_sub(header_len)
            .filter(|&end| end >= 8 && header_len <= MAX_HEADER)
            .ok_or_else(|| corrupt("header length out of bounds"))?;
        let mut buf =
            vec![0u8; usize::try_from(header_len).map_err(|_| corrupt("header too large"))?];
        file.seek(SeekFrom::Start(records_end)).map_err(read_err)?;
        file.read_exact(&mut buf).map_err(read_err)?;
        let header: Header = postcard::from_bytes(&buf).map_err(|_| corrupt("bad header"))?;
        drop(buf);
        let record_bytes = records_end - 8;
        if header.ends.windows(2).any(|w| w[0] > w[1])
            || header.ends.last().is_some_and(|&end| end > record_bytes)
        {
            return Err(corrupt("record offsets out of bounds"));
        }
        let count = header.ends.len();
        if header
            .index
            .iter()
            .any(|e| e.records().any(|r| r as usize >= count))
        {
            return Err(corrupt("index names a missing record"));
        }
        Ok(Self {
            status: header.status,
            index: header.index,
            file,
            ends: header.ends,
        })
    }

    /// Reads and decodes record `i`; `None` when it cannot be read or
    /// decoded (the store was damaged after it was opened).
    pub(crate) fn record(&self, i: u32) -> Option<Advisory> {
        let i = i as usize;
        let end = *self.ends.get(i)?;
        let start = if i == 0 { 0 } else { *self.ends.get(i - 1)? };
        let mut buf = vec![0u8; usize::try_from(end.checked_sub(start)?).ok()?];
        read_at(&self.file, &mut buf, 8 + start).ok()?;
        let mut advisory: Advisory = postcard::from_bytes(&buf).ok()?;
        advisory.source.clone_from(&self.status.source);
        Some(advisory)
    }

    /// The number of records.
    pub(crate) fn len(&self) -> usize {
        self.ends.len()
    }
}

#[cfg(unix)]
fn read_at(file: &File, buf: &mut [u8], offset: u64) -> std::io::Result<()> {
    use std::os::unix::fs::FileExt;
    file.read_exact_at(buf, offset)
}

#[cfg(windows)]
fn read_at(file: &File, mut buf: &mut [u8], mut offset: u64) -> std::io::Result<()> {
    use std::os::windows::fs::FileExt;
    while !buf.is_empty() {
        match file.seek_read(buf, offset)? {
            0 => return Err(std::io::ErrorKind::UnexpectedEof.into()),
            n => {
                buf = &mut buf[n..];
                offset += n as u64;
            }
        }
    }
    Ok(())
}

#[cfg(not(any(unix, windows)))]
fn read_at(file: &File, buf: &mut [u8], offset: u64) -> std::io::Result<()> {
    use std::io::{Seek, SeekFrom};
    let mut f = file.try_clone()?;
    f.seek(SeekFrom::Start(offset))?;
    f.read_exact(buf)
}

/// The store file name for a source: a stable hash of its canonical path,
/// so importing the same source again replaces it.
pub(crate) fn file_name(source: &str) -> String {
    format!("{:016x}.{EXTENSION}", crate::hash::fnv1a(source.as_bytes()))
}

/// Every store file in `dir`, sorted by name; a missing directory has none.
pub(crate) fn list(dir: &Path) -> Result<Vec<PathBuf>, AdvisoryError> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(source) => {
            return Err(AdvisoryError::Read {
                path: dir.to_owned(),
                source,
            });
        }
    };
    let mut files = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|source| AdvisoryError::Read {
            path: dir.to_owned(),
            source,
        })?;
        let path = entry.path();
        let is_store = path.extension().is_some_and(|e| e == EXTENSION)
            && !entry.file_name().to_string_lossy().starts_with('.');
        if is_store && path.is_file() {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Affected;
    use crate::status::SourceKind;

    fn adv(id: &str, eco: &str, name: &str) -> Advisory {
        Advisory {
            id: id.into(),
            source: "ignored".into(),
            affected: vec![
                Affected {
                    ecosystem: eco.into(),
                    name: name.into(),
                    versions: vec!["1.0.0".into()],
                    ..Affected::default()
                };
                2
            ],
            ..Advisory::default()
        }
    }

    #[test]
    fn round_trip_and_corruption() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(file_name("src"));
        let mut w = Writer::new(
            dir.path(),
            Tally::new("src".into(), SourceKind::Import, None),
        )
        .unwrap();
        w.add(&adv("A", "PyPI", "Lite_LLM")).unwrap();
        w.add(&adv("B", "Echo", "x")).unwrap();
        w.add(&adv("C", "npm", "Left-Pad")).unwrap();
        let status = w.finish(&path).unwrap();
        assert_eq!(status.advisories, 3);

        let store = StoreFile::open(&path).unwrap();
        let keys: Vec<_> = store
            .index
            .iter()
            .map(|e| {
                (
                    e.ecosystem,
                    e.name.as_str(),
                    e.records().collect::<Vec<_>>(),
                )
            })
            .collect();
        assert_eq!(
            keys,
            [
                (Ecosystem::Npm, "Left-Pad", vec![2]),
                (Ecosystem::PyPI, "lite-llm", vec![0]),
            ]
        );
        let b = store.record(1).unwrap();
        assert_eq!(b.id, "B");
        assert_eq!(b.source, "src");
        assert!(store.record(3).is_none());
        assert_eq!(list(dir.path()).unwrap(), std::slice::from_ref(&path));

        let bytes = std::fs::read(&path).unwrap();
        for cut in [0, 10, 20, 40, bytes.len() - 20, bytes.len() - 1] {
            std::fs::write(&path, &bytes[..cut]).unwrap();
            let err = StoreFile::open(&path).unwrap_err();
            assert!(
                matches!(err, AdvisoryError::CorruptStore { .. }),
                "cut {cut}: {err}"
            );
        }
        let mut flipped = bytes.clone();
        flipped[3] ^= 0xff;
        std::fs::write(&path, &flipped).unwrap();
        assert!(StoreFile::open(&path).is_err());
    }

    #[test]
    fn missing_dir_lists_nothing() {
        assert!(
            list(Path::new("/nonexistent/shieldwall"))
                .unwrap()
                .is_empty()
        );
    }
}
