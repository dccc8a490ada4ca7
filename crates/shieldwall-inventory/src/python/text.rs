//! Shared text helpers: decoding file bytes (UTF-8 with or without BOM,
//! UTF-16 with BOM), mapping byte offsets to line numbers, building
//! package references, and reading names and versions out of artifact file
//! names.

use std::borrow::Cow;
use std::sync::Arc;

use shieldwall_core::{Ecosystem, EvidenceKind, Location, PackageRef, Version};

use crate::{ExtractError, FileInput};

/// Decodes `bytes` as text: a UTF-8 BOM is dropped, UTF-16 LE/BE with a
/// BOM is transcoded, anything else must be UTF-8. Text holding NUL
/// characters is binary data, not text. The error is a lowercase message.
pub(crate) fn decode_bytes(bytes: &[u8]) -> Result<Cow<'_, str>, String> {
    let text: Cow<'_, str> = if let Some(rest) = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        Cow::Borrowed(utf8(rest)?)
    } else if let Some(rest) = bytes.strip_prefix(&[0xFF, 0xFE]) {
        Cow::Owned(utf16(rest, u16::from_le_bytes)?)
    } else if let Some(rest) = bytes.strip_prefix(&[0xFE, 0xFF]) {
        Cow::Owned(utf16(rest, u16::from_be_bytes)?)
    } else {
        Cow::Borrowed(utf8(bytes)?)
    };
    if text.contains('\0') {
        return Err("file holds binary data, not text".to_owned());
    }
    Ok(text)
}

fn utf8(bytes: &[u8]) -> Result<&str, String> {
    std::str::from_utf8(bytes).map_err(|e| {
        format!(
            "file is not utf-8 text (invalid byte at offset {})",
            e.valid_up_to()
        )
    })
}

fn utf16(bytes: &[u8], decode: fn([u8; 2]) -> u16) -> Result<String, String> {
    if !bytes.len().is_multiple_of(2) {
        return Err("utf-16 file has an odd number of bytes".to_owned());
    }
    let units = bytes.chunks_exact(2).map(|c| decode([c[0], c[1]]));
    char::decode_utf16(units)
        .collect::<Result<String, _>>()
        .map_err(|_| "file is not valid utf-16 text".to_owned())
}

/// [`decode_bytes`] for an extractor's input, failing as
/// [`ExtractError::Malformed`].
pub(crate) fn decode<'a>(input: &FileInput<'a>) -> Result<Cow<'a, str>, ExtractError> {
    decode_bytes(input.bytes).map_err(|msg| ExtractError::malformed(input, None, msg))
}

/// Maps byte offsets of a text to 1-based line numbers.
pub(crate) struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    /// Indexes the line starts of `text`.
    pub(crate) fn new(text: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        Self { starts }
    }

    /// The 1-based line holding byte `offset`.
    pub(crate) fn line(&self, offset: usize) -> Option<u32> {
        let idx = self.starts.partition_point(|&s| s <= offset);
        u32::try_from(idx.max(1)).ok()
    }
}

/// Joins non-empty notes with `, `; `None` when there are none.
pub(crate) fn join_notes<I, S>(notes: I) -> Option<String>
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    let joined = notes
        .into_iter()
        .filter(|n| !n.as_ref().is_empty())
        .map(|n| n.as_ref().to_owned())
        .collect::<Vec<_>>()
        .join(", ");
    (!joined.is_empty()).then_some(joined)
}

/// Everything one found package needs besides the file it is in.
#[derive(Clone, Debug, Default)]
pub(crate) struct Found {
    /// The name as written.
    pub name: String,
    /// The version (or declared requirement for ranges).
    pub version: String,
    /// The 1-based line.
    pub line: Option<u32>,
    /// The first artifact hash recorded for it.
    pub hash: Option<String>,
    /// Qualifiers, joined with `, ` into the location's note.
    pub notes: Vec<String>,
}

impl Found {
    /// A package named `name` at `version`.
    pub(crate) fn new(name: impl Into<String>, version: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            version: version.into(),
            ..Self::default()
        }
    }

    /// Builds the PyPI [`PackageRef`] found in `path` as `kind` evidence.
    pub(crate) fn into_ref(self, path: &Arc<str>, kind: EvidenceKind) -> PackageRef {
        let location = Location::new(path.clone(), kind)
            .with_line(self.line)
            .with_hash(self.hash)
            .with_note(join_notes(&self.notes));
        PackageRef::new(Ecosystem::PyPI, self.name, self.version, location)
    }
}

/// The last path segment of a URL or path, without query or fragment.
pub(crate) fn url_file_name(url: &str) -> &str {
    let end = url.find(['#', '?']).unwrap_or(url.len());
    let path = &url[..end];
    let path = path.trim_end_matches('/');
    path.rsplit(['/', '\\']).next().unwrap_or(path)
}

/// Reads `(name, version)` from a wheel, egg or sdist file name:
/// `litellm-1.82.8-py3-none-any.whl`, `litellm-1.82.8.tar.gz`. The version
/// must be a valid PEP 440 version.
pub(crate) fn dist_from_file_name(file: &str) -> Option<(String, String)> {
    let lower = file.to_ascii_lowercase();
    let (name, version) = if lower.ends_with(".whl") || lower.ends_with(".egg") {
        let stem = &file[..file.len() - 4];
        let mut parts = stem.split('-');
        let name = parts.next()?;
        let version = parts.next()?;
        if lower.ends_with(".whl") && stem.split('-').count() < 5 {
            return None;
        }
        (name, version)
    } else {
        let stem = [".tar.gz", ".tar.bz2", ".tar.xz", ".tgz", ".tar", ".zip"]
            .iter()
            .find(|ext| lower.ends_with(*ext))
            .map(|ext| &file[..file.len() - ext.len()])?;
        // The version starts after the last `-` that is followed by a digit.
        let split = stem
            .char_indices()
            .filter(|&(i, c)| {
                c == '-'
                    && stem[i + 1..]
                        .chars()
                        .next()
                        .is_some_and(|d| d.is_ascii_digit())
            })
            .map(|(i, _)| i)
            .next_back()?;
        (&stem[..split], &stem[split + 1..])
    };
    if name.is_empty() || Version::parse(Ecosystem::PyPI, version).is_err() {
        return None;
    }
    Some((name.to_owned(), version.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_boms_and_utf16() {
        assert_eq!(decode_bytes(b"\xEF\xBB\xBFa==1").unwrap(), "a==1");
        assert_eq!(decode_bytes(b"\xFF\xFEa\0=\0").unwrap(), "a=");
        assert_eq!(decode_bytes(b"\xFE\xFF\0a\0=").unwrap(), "a=");
        assert!(decode_bytes(b"\xFF\xFEa").is_err());
        assert!(decode_bytes(b"a\0b").is_err());
        assert!(decode_bytes(b"\xC3\x28").is_err());
    }

    #[test]
    fn line_index() {
        let idx = LineIndex::new("a\nbc\n\nd");
        assert_eq!(idx.line(0), Some(1));
        assert_eq!(idx.line(1), Some(1));
        assert_eq!(idx.line(2), Some(2));
        assert_eq!(idx.line(5), Some(3));
        assert_eq!(idx.line(6), Some(4));
    }

    #[test]
    fn artifact_names() {
        assert_eq!(
            dist_from_file_name("litellm-1.82.8-py3-none-any.whl"),
            Some(("litellm".into(), "1.82.8".into()))
        );
        assert_eq!(
            dist_from_file_name("lite-llm-1.82.8.tar.gz"),
            Some(("lite-llm".into(), "1.82.8".into()))
        );
        assert_eq!(dist_from_file_name("foo.whl"), None);
        assert_eq!(dist_from_file_name("foo-bar.tar.gz"), None);
        assert_eq!(
            url_file_name("https://h.example.test/a/foo-1.0-py3-none-any.whl#sha256=x"),
            "foo-1.0-py3-none-any.whl"
        );
    }
}
