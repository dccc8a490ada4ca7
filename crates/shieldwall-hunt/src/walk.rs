//! One walk of the whole tree under the root, collecting the paths the
//! checks want: files named by indicators, site-packages directories,
//! workflow files, editor and assistant configurations, runner
//! configurations, `.env` files, git checkouts' `config` and refs, and —
//! when asked — files where droppers land (to hash) and installed-package
//! records. Pseudo file systems (`proc`, `sys`,
//! `dev`) are not walked; `proc` is read by the process checks.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};

use crate::catalog::PatternKind;
use crate::scope::{Scope, file_name};

/// What the walk collected.
#[derive(Debug, Default)]
pub(crate) struct Found {
    /// Files matching a `file` indicator, with the indicator's index.
    pub(crate) files: Vec<(PathBuf, usize)>,
    /// `site-packages` and `dist-packages` directories.
    pub(crate) site_packages: Vec<PathBuf>,
    /// Files in `.github/workflows`.
    pub(crate) workflows: Vec<PathBuf>,
    /// `.claude/settings*.json` and `.vscode/tasks.json`.
    pub(crate) droppers: Vec<PathBuf>,
    /// Self-hosted runner configurations (`.runner`).
    pub(crate) runner_configs: Vec<PathBuf>,
    /// `.env` files.
    pub(crate) dotenvs: Vec<PathBuf>,
    /// Files where droppers land, to hash when `hash` indicators exist.
    pub(crate) hash_candidates: Vec<PathBuf>,
    /// Installed-package records: `*.dist-info/METADATA`,
    /// `*.egg-info/PKG-INFO`, `node_modules/*/package.json`.
    pub(crate) installed: Vec<PathBuf>,
    /// git checkouts' `config` and `packed-refs` files, and loose refs
    /// under `refs/heads` and `refs/remotes`.
    pub(crate) git_files: Vec<PathBuf>,
    /// Files walked.
    pub(crate) files_seen: u64,
}

/// Top-level directories never walked: pseudo file systems.
const PSEUDO: &[&str] = &["proc", "sys", "dev"];

/// The globs of the `file` indicators, relative to the root.
fn file_globs(scope: &Scope) -> (GlobSet, Vec<usize>) {
    let mut builder = GlobSetBuilder::new();
    let mut owners = Vec::new();
    for (idx, ind) in scope.catalog.indicators.iter().enumerate() {
        if ind.kind != PatternKind::File {
            continue;
        }
        let patterns: Vec<String> = if let Some(abs) = ind.pattern.strip_prefix('/') {
            vec![abs.to_owned()]
        } else if let Some(rel) = ind.pattern.strip_prefix("~/") {
            scope
                .homes
                .iter()
                .filter_map(|h| h.strip_prefix(&scope.root).ok())
                .map(|h| format!("{}/{rel}", h.display()))
                .collect()
        } else if ind.pattern.starts_with("**/") {
            vec![ind.pattern.clone()]
        } else {
            vec![format!("**/{}", ind.pattern)]
        };
        for pattern in patterns {
            if let Ok(glob) = GlobBuilder::new(&pattern).literal_separator(true).build() {
                builder.add(glob);
                owners.push(idx);
            }
        }
    }
    (builder.build().unwrap_or_else(|_| GlobSet::empty()), owners)
}

/// What the walk is asked to collect besides the checks' own files.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Wants {
    /// Files where droppers land, for `hash` indicators.
    pub(crate) hashes: bool,
    /// Installed-package records, for the advisory match.
    pub(crate) installed: bool,
}

/// Walks the tree under the root.
pub(crate) fn walk(scope: &Scope, wants: Wants) -> Found {
    let (globs, owners) = file_globs(scope);
    let found = Mutex::new(Found::default());
    let root = scope.root.clone();
    let prune_root = root.clone();
    let walker = ignore::WalkBuilder::new(&root)
        .standard_filters(false)
        .follow_links(false)
        .threads(2)
        .filter_entry(move |e| {
            let path = e.path();
            if e.depth() == 1 && path.parent() == Some(prune_root.as_path()) {
                let name = e.file_name().to_string_lossy();
                if PSEUDO.contains(&name.as_ref()) {
                    return false;
                }
            }
            // git object stores: compressed blobs, nothing a check reads
            !(e.file_name() == "objects"
                && path
                    .parent()
                    .is_some_and(|p| p.file_name().is_some_and(|n| n == ".git")))
        })
        .build_parallel();
    walker.run(|| {
        let globs = &globs;
        let owners = &owners;
        let found = &found;
        let root = &root;
        let mut batch = Batch {
            local: Found::default(),
            shared: found,
        };
        Box::new(move |entry| {
            match entry {
                Ok(entry) => classify(
                    root,
                    entry.path(),
                    entry.file_type(),
                    (globs, owners),
                    wants,
                    &mut batch.local,
                ),
                Err(err) => record(scope, &err),
            }
            ignore::WalkState::Continue
        })
    });
    let mut found = found
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    for list in [
        &mut found.site_packages,
        &mut found.workflows,
        &mut found.droppers,
        &mut found.runner_configs,
        &mut found.dotenvs,
        &mut found.hash_candidates,
        &mut found.installed,
        &mut found.git_files,
    ] {
        list.sort();
        list.dedup();
    }
    found.files.sort();
    found.files.dedup();
    found
}

fn merge(into: &Mutex<Found>, local: &mut Found) {
    let mut all = into
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let taken = std::mem::take(local);
    all.files.extend(taken.files);
    all.site_packages.extend(taken.site_packages);
    all.workflows.extend(taken.workflows);
    all.droppers.extend(taken.droppers);
    all.runner_configs.extend(taken.runner_configs);
    all.dotenvs.extend(taken.dotenvs);
    all.hash_candidates.extend(taken.hash_candidates);
    all.installed.extend(taken.installed);
    all.git_files.extend(taken.git_files);
    all.files_seen += taken.files_seen;
}

/// One walker thread's findings, merged into the shared list when the
/// thread is done.
struct Batch<'a> {
    local: Found,
    shared: &'a Mutex<Found>,
}

impl Drop for Batch<'_> {
    fn drop(&mut self) {
        merge(self.shared, &mut self.local);
    }
}

fn classify(
    root: &Path,
    path: &Path,
    file_type: Option<std::fs::FileType>,
    (globs, owners): (&GlobSet, &[usize]),
    wants: Wants,
    found: &mut Found,
) {
    let Some(ft) = file_type else { return };
    let name = file_name(path);
    if ft.is_dir() {
        if name == "site-packages" || name == "dist-packages" {
            found.site_packages.push(path.to_owned());
        }
        return;
    }
    found.files_seen += 1;
    let rel = path.strip_prefix(root).unwrap_or(path);
    let mut named = false;
    for m in globs.matches(rel) {
        found.files.push((path.to_owned(), owners[m]));
        named = true;
    }
    let parent = path.parent().map(file_name).unwrap_or_default();
    let grandparent = path
        .parent()
        .and_then(Path::parent)
        .map(file_name)
        .unwrap_or_default();
    if wants.hashes && ft.is_file() && (named || in_drop_zone(rel, &name, &parent)) {
        found.hash_candidates.push(path.to_owned());
    }
    if wants.installed && is_installed_record(path, &name, &parent) {
        found.installed.push(path.to_owned());
    }
    if ft.is_file() && is_git_file(path, &name, &parent) {
        found.git_files.push(path.to_owned());
        return;
    }
    if parent == "workflows" && grandparent == ".github" {
        found.workflows.push(path.to_owned());
    } else if (parent == ".claude" && name.starts_with("settings") && name.ends_with(".json"))
        || (parent == ".vscode" && name == "tasks.json")
    {
        found.droppers.push(path.to_owned());
    } else if name == ".runner" {
        found.runner_configs.push(path.to_owned());
    } else if is_dotenv(&name) {
        found.dotenvs.push(path.to_owned());
    }
}

/// Where droppers land: up to two levels into `/tmp` and `/var/tmp`;
/// `.claude`, `.vscode` and `_runtime` directories; `.pth` files; GitHub
/// workflows.
fn in_drop_zone(rel: &Path, name: &str, parent: &str) -> bool {
    let mut parts = rel.components().map(|c| c.as_os_str());
    let first = parts.next().unwrap_or_default();
    let depth = rel.components().count();
    if (first == "tmp" && depth <= 3)
        || (first == "var" && parts.next().is_some_and(|p| p == "tmp") && depth <= 4)
    {
        return true;
    }
    name.ends_with(".pth")
        || parent == "workflows"
        || rel.components().any(|c| {
            let c = c.as_os_str();
            c == ".claude" || c == ".vscode" || c == "_runtime"
        })
}

/// A record of an installed package: `METADATA` in a `.dist-info`,
/// `PKG-INFO` in an `.egg-info`, or `node_modules/<name>/package.json`
/// (the inventory's classifier has the last word).
fn is_installed_record(path: &Path, name: &str, parent: &str) -> bool {
    let candidate = match name {
        "metadata" => parent.ends_with(".dist-info"),
        "pkg-info" => parent.ends_with(".egg-info"),
        "package.json" => path.components().any(|c| c.as_os_str() == "node_modules"),
        _ => false,
    };
    candidate
        && matches!(
            shieldwall_inventory::classify(path),
            Some(shieldwall_inventory::Detected::Extract(e))
                if matches!(e.id(), "python/installed" | "npm/installed-package-json")
        )
}

/// A git checkout's `config` or `packed-refs`, or a loose branch ref.
fn is_git_file(path: &Path, name: &str, parent: &str) -> bool {
    if parent == ".git" {
        return name == "config" || name == "packed-refs";
    }
    git_ref(path).is_some()
}

/// `(checkout, branch)` for a loose ref file `<checkout>/.git/refs/heads/<branch>`
/// or `<checkout>/.git/refs/remotes/<remote>/<branch>`.
pub(crate) fn git_ref(path: &Path) -> Option<(PathBuf, String)> {
    let text = path.to_str()?;
    let (checkout, rest) = text.split_once("/.git/refs/")?;
    let branch = if let Some(b) = rest.strip_prefix("heads/") {
        b
    } else {
        let remote = rest.strip_prefix("remotes/")?;
        remote.split_once('/')?.1
    };
    (!branch.is_empty() && branch != "HEAD").then(|| (PathBuf::from(checkout), branch.to_owned()))
}

/// `.env`, `.env.local`, `.env.production`; not the committed templates.
fn is_dotenv(name: &str) -> bool {
    if name == ".env" {
        return true;
    }
    name.strip_prefix(".env.").is_some_and(|suffix| {
        !matches!(
            suffix,
            "example" | "sample" | "template" | "dist" | "defaults" | "schema"
        )
    })
}

fn record(scope: &Scope, err: &ignore::Error) {
    fn path_of(err: &ignore::Error) -> Option<&Path> {
        match err {
            ignore::Error::WithPath { path, .. } => Some(path),
            ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
                path_of(err)
            }
            _ => None,
        }
    }
    fn io_of(err: &ignore::Error) -> Option<&std::io::Error> {
        match err {
            ignore::Error::Io(e) => Some(e),
            ignore::Error::WithPath { err, .. }
            | ignore::Error::WithDepth { err, .. }
            | ignore::Error::WithLineNumber { err, .. } => io_of(err),
            _ => None,
        }
    }
    if io_of(err).is_some_and(crate::scope::is_absent) {
        return;
    }
    let path = path_of(err).map(Path::to_owned).unwrap_or_default();
    let message = io_of(err).map_or_else(|| err.to_string(), ToString::to_string);
    scope.unreadable(&path, message);
}

#[cfg(test)]
mod tests {
    use super::is_dotenv;

    #[test]
    fn dotenv_names() {
        for yes in [".env", ".env.local", ".env.production"] {
            assert!(is_dotenv(yes), "{yes}");
        }
        for no in [
            ".env.example",
            ".env.sample",
            ".envrc",
            "env",
            ".env.template",
        ] {
            assert!(!is_dotenv(no), "{no}");
        }
    }
}
