//! Reading an artifact into memory: a wheel, egg or zip, an sdist, an npm
//! tarball, or a directory. Nothing is extracted and nothing runs; the
//! bounded reader of `shieldwall-archive` reports hostile entries (path
//! traversal, links, duplicates, bombs) instead of following them.

use std::fs;
use std::io::{Cursor, Read};
use std::path::Path;

use shieldwall_archive::{ArchiveIssue, Format, IssueKind, Limits};

/// What kind of artifact was read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArtifactKind {
    /// A Python wheel (`.whl`).
    Wheel,
    /// A Python egg (`.egg`).
    Egg,
    /// A zip that is not a wheel or egg (a zip sdist, a `.pyz`).
    Zip,
    /// A tar archive (an sdist or an npm tarball).
    Tarball,
    /// A directory on disk.
    Directory,
}

/// One file of the artifact, in memory.
#[derive(Clone, Debug)]
pub struct ArtifactFile {
    /// The path relative to the package root (an sdist's `name-1.0/` or an
    /// npm tarball's `package/` stripped), with `/` separators.
    pub path: String,
    /// The contents.
    pub bytes: Vec<u8>,
}

/// An artifact read into memory.
#[derive(Clone, Debug)]
pub struct Artifact {
    /// The artifact as the caller named it.
    pub display: String,
    /// What kind of artifact it is.
    pub kind: ArtifactKind,
    /// Every regular file, in archive order.
    pub files: Vec<ArtifactFile>,
    /// The top directory stripped from every path (`package`, `name-1.0`).
    pub root: Option<String>,
    /// Entries that were not read: links, traversal, duplicates, bombs.
    pub issues: Vec<ArchiveIssue>,
    /// Why reading stopped early, if it did; `files` holds what was read.
    pub error: Option<String>,
}

/// Why an artifact could not be read at all.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The file could not be opened or read.
    #[error("{path}: {source}")]
    Io {
        /// The path.
        path: String,
        /// The error.
        source: std::io::Error,
    },
    /// Neither the name nor the first bytes say what archive format it is.
    #[error(
        "{path}: not a package artifact (expected a wheel, egg, zip, sdist, npm tarball or directory)"
    )]
    UnknownFormat {
        /// The path.
        path: String,
    },
}

/// Default bounds for reading one artifact: 512 MiB decompressed, 200,000
/// entries, 64 MiB per file, a compression ratio of 200.
pub fn default_limits() -> Limits {
    Limits {
        max_total_bytes: 512 << 20,
        max_entries: 200_000,
        max_file_bytes: 64 << 20,
        max_ratio: 200,
    }
}

impl Artifact {
    /// Reads the artifact at `path`: an archive file or a directory.
    pub fn open(path: &Path, limits: &Limits) -> Result<Self, LoadError> {
        let display = path.display().to_string();
        let io = |source| LoadError::Io {
            path: display.clone(),
            source,
        };
        let meta = fs::metadata(path).map_err(io)?;
        if meta.is_dir() {
            return Ok(read_directory(path, &display, limits));
        }
        let bytes = fs::read(path).map_err(io)?;
        Self::from_bytes(&display, bytes, limits)
    }

    /// Reads an archive held in memory; `name` is its file name or path,
    /// used to tell the format and to name it in messages.
    pub fn from_bytes(name: &str, bytes: Vec<u8>, limits: &Limits) -> Result<Self, LoadError> {
        let file_name = name.rsplit(['/', '\\']).next().unwrap_or(name);
        // A zip's magic bytes win over the name: some uploads are wheels
        // renamed `.tar.gz`.
        let sniffed = Format::sniff(&bytes).filter(|f| *f == Format::Zip);
        let format = sniffed
            .or_else(|| Format::from_file_name(file_name))
            .or_else(|| Format::sniff(&bytes))
            .ok_or_else(|| LoadError::UnknownFormat {
                path: name.to_owned(),
            })?;
        let lower = file_name.to_ascii_lowercase();
        let kind = match format {
            Format::Zip if lower.ends_with(".whl") => ArtifactKind::Wheel,
            Format::Zip if lower.ends_with(".egg") => ArtifactKind::Egg,
            Format::Zip => ArtifactKind::Zip,
            _ => ArtifactKind::Tarball,
        };
        let read =
            shieldwall_archive::read_members(Cursor::new(bytes), format, name, limits, |_| true);
        let files = read
            .members
            .into_iter()
            .map(|m| ArtifactFile {
                path: m.path,
                bytes: m.bytes,
            })
            .collect();
        let mut artifact = Self {
            display: name.to_owned(),
            kind,
            files,
            root: None,
            issues: read.issues,
            error: read.error.map(|e| e.to_string()),
        };
        if kind != ArtifactKind::Wheel {
            artifact.strip_common_root();
        }
        Ok(artifact)
    }

    /// The file at `path` (relative to the package root), if any.
    pub fn file(&self, path: &str) -> Option<&ArtifactFile> {
        self.files.iter().find(|f| f.path == path)
    }

    /// Total bytes of every file.
    pub fn total_bytes(&self) -> u64 {
        self.files.iter().map(|f| f.bytes.len() as u64).sum()
    }

    /// Strips a top directory every file sits under (`name-1.0/`,
    /// `package/`).
    fn strip_common_root(&mut self) {
        let Some(first) = self.files.first() else {
            return;
        };
        let Some((root, _)) = first.path.split_once('/') else {
            return;
        };
        let root = root.to_owned();
        let prefix = format!("{root}/");
        if !self.files.iter().all(|f| f.path.starts_with(&prefix)) {
            return;
        }
        for file in &mut self.files {
            file.path.drain(..prefix.len());
        }
        for issue in &mut self.issues {
            if let Some(rest) = issue.path.strip_prefix(&prefix) {
                issue.path = rest.to_owned();
            }
        }
        self.root = Some(root);
    }
}

/// Reads a directory tree without following links; links, unreadable and
/// oversized files become issues.
fn read_directory(root: &Path, display: &str, limits: &Limits) -> Artifact {
    let mut artifact = Artifact {
        display: display.to_owned(),
        kind: ArtifactKind::Directory,
        files: Vec::new(),
        root: None,
        issues: Vec::new(),
        error: None,
    };
    let mut total = 0u64;
    let mut entries = 0u64;
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let listing = match fs::read_dir(&dir) {
            Ok(listing) => listing,
            Err(e) => {
                artifact.issues.push(issue(root, &dir, unreadable(&e)));
                continue;
            }
        };
        let mut children: Vec<_> = listing.filter_map(Result::ok).collect();
        children.sort_by_key(|e| e.file_name());
        for child in children {
            entries += 1;
            if entries > limits.max_entries {
                artifact.error = Some(format!(
                    "{display}: entry count limit of {} reached, the rest was not read",
                    limits.max_entries
                ));
                return artifact;
            }
            let path = child.path();
            let Ok(kind) = child.file_type() else {
                continue;
            };
            if kind.is_symlink() {
                let target = fs::read_link(&path)
                    .map(|t| t.display().to_string())
                    .unwrap_or_default();
                artifact
                    .issues
                    .push(issue(root, &path, IssueKind::Symlink { target }));
            } else if kind.is_dir() {
                stack.push(path);
            } else if kind.is_file() {
                let size = child.metadata().map(|m| m.len()).unwrap_or(0);
                if size > limits.max_file_bytes {
                    artifact
                        .issues
                        .push(issue(root, &path, IssueKind::TooLarge { size }));
                    continue;
                }
                total += size;
                if total > limits.max_total_bytes {
                    artifact.error = Some(format!(
                        "{display}: decompressed size limit of {} reached, the rest was not read",
                        limits.max_total_bytes
                    ));
                    return artifact;
                }
                match read_file(&path, limits.max_file_bytes) {
                    Ok(bytes) => artifact.files.push(ArtifactFile {
                        path: relative(root, &path),
                        bytes,
                    }),
                    Err(e) => artifact.issues.push(issue(root, &path, unreadable(&e))),
                }
            } else {
                artifact
                    .issues
                    .push(issue(root, &path, IssueKind::SpecialFile));
            }
        }
    }
    artifact.files.sort_by(|a, b| a.path.cmp(&b.path));
    artifact
}

fn read_file(path: &Path, max: u64) -> std::io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    fs::File::open(path)?
        .take(max + 1)
        .read_to_end(&mut bytes)?;
    Ok(bytes)
}

fn unreadable(e: &std::io::Error) -> IssueKind {
    IssueKind::Unreadable {
        message: e.to_string().to_lowercase(),
    }
}

fn issue(root: &Path, path: &Path, kind: IssueKind) -> ArchiveIssue {
    ArchiveIssue {
        path: relative(root, path),
        kind,
    }
}

fn relative(root: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    #[test]
    fn a_zip_named_tar_gz_is_read_as_a_zip() {
        let mut bytes = Vec::new();
        {
            let mut zip = zip::ZipWriter::new(Cursor::new(&mut bytes));
            zip.start_file("pkg/__init__.py", zip::write::SimpleFileOptions::default())
                .expect("a zip entry");
            zip.write_all(b"x = 1\n").expect("zip bytes");
            zip.finish().expect("a finished zip");
        }
        let artifact =
            Artifact::from_bytes("pkg-1.0-py3-none-any.tar.gz", bytes, &default_limits())
                .expect("a readable artifact");
        assert_eq!(artifact.kind, ArtifactKind::Zip);
        assert_eq!(artifact.files.len(), 1);
    }
}
