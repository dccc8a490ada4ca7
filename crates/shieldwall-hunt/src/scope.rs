//! The hunted tree: its root, its homes, and the list of what could not be
//! read. Every check reads through this, so every check works on a fake
//! root as well as on `/`.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use aho_corasick::AhoCorasick;

use crate::catalog::{Catalog, PatternKind};
use crate::model::Unreadable;

/// Files larger than this are read only up to it for content checks.
pub(crate) const MAX_READ: u64 = 4 << 20;

/// The tree being hunted and what the checks share.
pub(crate) struct Scope {
    /// The root (`/` on the live host).
    pub(crate) root: PathBuf,
    /// The home directories, as real paths (under the root).
    pub(crate) homes: Vec<PathBuf>,
    /// The indicators.
    pub(crate) catalog: Catalog,
    /// True on the live host: the current process environment counts too.
    pub(crate) live: bool,
    /// One automaton over every `string` and `runner` pattern, so that a
    /// catalog grown by a large advisory import is still matched in one
    /// pass over each text.
    pub(crate) strings: Option<AhoCorasick>,
    /// The catalog index of each automaton pattern.
    pub(crate) string_owners: Vec<usize>,
    unreadable: Mutex<Vec<Unreadable>>,
}

impl Scope {
    pub(crate) fn new(root: PathBuf, homes: Vec<PathBuf>, catalog: Catalog, live: bool) -> Self {
        let string_owners: Vec<usize> = catalog
            .indicators
            .iter()
            .enumerate()
            .filter(|(_, i)| matches!(i.kind, PatternKind::String | PatternKind::Runner))
            .map(|(n, _)| n)
            .collect();
        let strings = AhoCorasick::new(
            string_owners
                .iter()
                .map(|&n| catalog.indicators[n].pattern.as_str()),
        )
        .ok();
        Self {
            root,
            homes,
            catalog,
            live,
            strings,
            string_owners,
            unreadable: Mutex::new(Vec::new()),
        }
    }

    /// `rel` (like `etc/cron.d`) under the root.
    pub(crate) fn at(&self, rel: &str) -> PathBuf {
        self.root.join(rel)
    }

    /// A real path as shown in the report: a path on the hunted host.
    pub(crate) fn show(&self, path: &Path) -> String {
        match path.strip_prefix(&self.root) {
            Ok(rel) => format!("/{}", rel.display()),
            Err(_) => path.display().to_string(),
        }
    }

    /// Records a path that could not be read.
    pub(crate) fn unreadable(&self, path: &Path, error: impl std::fmt::Display) {
        let entry = Unreadable {
            path: self.show(path),
            error: error.to_string(),
        };
        self.unreadable
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(entry);
    }

    /// Takes the list of what could not be read, sorted and deduplicated.
    pub(crate) fn take_unreadable(&self) -> Vec<Unreadable> {
        let mut list = std::mem::take(
            &mut *self
                .unreadable
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        );
        list.sort();
        list.dedup();
        list
    }

    /// The entries of a directory, sorted; a missing directory is empty, any
    /// other error is recorded.
    pub(crate) fn list(&self, dir: &Path) -> Vec<PathBuf> {
        match std::fs::read_dir(dir) {
            Ok(entries) => {
                let mut out: Vec<PathBuf> =
                    entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
                out.sort();
                out
            }
            Err(e) if is_absent(&e) => Vec::new(),
            Err(e) => {
                self.unreadable(dir, e);
                Vec::new()
            }
        }
    }

    /// Reads up to [`MAX_READ`] bytes of a file as text (lossy); a missing
    /// file is `None`, any other error is recorded.
    pub(crate) fn read_text(&self, path: &Path) -> Option<String> {
        self.read_bytes(path)
            .map(|b| String::from_utf8_lossy(&b).into_owned())
    }

    /// Reads up to [`MAX_READ`] bytes of a regular file.
    /// Anything but a regular file (a FIFO, a device) is recorded, never
    /// opened: reading one could block or never end.
    pub(crate) fn read_bytes(&self, path: &Path) -> Option<Vec<u8>> {
        match std::fs::metadata(path) {
            Ok(meta) if meta.is_file() => {}
            Ok(_) => {
                self.unreadable(path, "not a regular file");
                return None;
            }
            Err(e) if is_absent(&e) => return None,
            Err(e) => {
                self.unreadable(path, e);
                return None;
            }
        }
        let result = std::fs::File::open(path).and_then(|f| {
            let mut buf = Vec::new();
            f.take(MAX_READ).read_to_end(&mut buf).map(|_| buf)
        });
        match result {
            Ok(bytes) => Some(bytes),
            Err(e) if is_absent(&e) => None,
            Err(e) => {
                self.unreadable(path, e);
                None
            }
        }
    }
}

/// A path that is simply not there (or vanished, like an exited process):
/// not worth reporting.
pub(crate) fn is_absent(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        std::io::ErrorKind::NotFound | std::io::ErrorKind::NotADirectory
    ) || e.raw_os_error() == Some(3) // ESRCH: the process exited
}

/// Lowercased file name.
pub(crate) fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().to_lowercase())
        .unwrap_or_default()
}
