//! `scan --host`: the well-known places packages land on a machine, for
//! every user whose home can be read.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

/// Directories under each home that hold installed packages or caches.
/// Entries ending in `*` are expanded one level (e.g. every Python version).
const PER_HOME: &[&str] = &[
    ".npm/_cacache",
    ".npm/_npx",
    ".npm-global/lib/node_modules",
    ".nvm/versions/node",
    ".volta/tools/image/packages",
    ".local/share/pnpm",
    ".pnpm-store",
    ".cache/yarn",
    ".yarn/berry/cache",
    ".bun/install/cache",
    ".cache/pip",
    ".cache/uv",
    ".cache/pypoetry/artifacts",
    ".cache/pypoetry/virtualenvs",
    ".local/lib",
    ".local/pipx/venvs",
    ".local/share/pipx/venvs",
    ".local/share/uv/tools",
    ".local/share/virtualenvs",
    ".pyenv/versions",
    ".conda/envs",
    "miniconda3",
    "anaconda3",
    "miniforge3",
    ".virtualenvs",
    "Library/Caches/pip",
    "Library/Caches/Yarn",
    "Library/Caches/pypoetry",
    "Library/pnpm/store",
];

/// System-wide directories that hold packages.
const SYSTEM: &[&str] = &[
    "/usr/lib/node_modules",
    "/usr/local/lib/node_modules",
    "/opt/homebrew/lib/node_modules",
    "/usr/lib/python3*",
    "/usr/local/lib/python3*",
    "/usr/lib64/python3*",
    "/opt/conda",
    "/opt/miniconda3",
    "/usr/local/share/.cache/yarn",
];

/// The directories a host sweep walks, and those that exist but could not
/// be opened.
#[derive(Debug, Default)]
pub(crate) struct HostRoots {
    pub(crate) roots: Vec<PathBuf>,
    pub(crate) unreadable: Vec<(PathBuf, String)>,
}

/// Finds the host's package locations under `root` (`/` on a live host).
pub(crate) fn host_roots(root: &Path) -> HostRoots {
    let mut found = HostRoots::default();
    let mut seen = BTreeSet::new();
    for home in homes(root, &mut found) {
        for rel in PER_HOME {
            consider(&home.join(rel), &mut found, &mut seen);
        }
    }
    for pattern in SYSTEM {
        let rel = pattern.trim_start_matches('/');
        match rel.strip_suffix('*') {
            Some(prefix) => expand_prefix(&root.join(prefix), &mut found, &mut seen),
            None => consider(&root.join(rel), &mut found, &mut seen),
        }
    }
    found
}

/// Home directories: every entry of `/etc/passwd` plus every directory in
/// `/home`, and `/root`.
fn homes(root: &Path, found: &mut HostRoots) -> BTreeSet<PathBuf> {
    let mut homes = BTreeSet::new();
    if let Ok(passwd) = fs::read_to_string(root.join("etc/passwd")) {
        for line in passwd.lines() {
            if let Some(home) = line
                .split(':')
                .nth(5)
                .filter(|h| h.len() > 1 && h.starts_with('/'))
            {
                homes.insert(root.join(home.trim_start_matches('/')));
            }
        }
    }
    let home_dir = root.join("home");
    match fs::read_dir(&home_dir) {
        Ok(entries) => homes.extend(entries.flatten().map(|e| e.path()).filter(|p| p.is_dir())),
        Err(e) if home_dir.exists() => found.unreadable.push((home_dir, e.to_string())),
        Err(_) => {}
    }
    homes.insert(root.join("root"));
    homes.retain(|h| h.is_dir());
    homes
}

fn consider(path: &Path, found: &mut HostRoots, seen: &mut BTreeSet<PathBuf>) {
    if !seen.insert(path.to_path_buf()) {
        return;
    }
    match fs::read_dir(path) {
        Ok(_) => found.roots.push(path.to_path_buf()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotADirectory => {}
        Err(e) => found.unreadable.push((path.to_path_buf(), e.to_string())),
    }
}

/// Every directory whose path starts with `prefix` (`/usr/lib/python3` →
/// `/usr/lib/python3.11`, `/usr/lib/python3`).
fn expand_prefix(prefix: &Path, found: &mut HostRoots, seen: &mut BTreeSet<PathBuf>) {
    let (Some(parent), Some(stem)) = (prefix.parent(), prefix.file_name().and_then(|s| s.to_str()))
    else {
        return;
    };
    let Ok(entries) = fs::read_dir(parent) else {
        return;
    };
    let mut matches: Vec<PathBuf> = entries
        .flatten()
        .filter(|e| e.file_name().to_str().is_some_and(|n| n.starts_with(stem)))
        .map(|e| e.path())
        .collect();
    matches.sort();
    for path in matches {
        consider(&path, found, seen);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_per_user_and_system_locations() {
        let root = tempfile::tempdir().unwrap();
        let r = root.path();
        for dir in [
            "etc",
            "home/alice/.npm/_cacache",
            "home/alice/.cache/pip",
            "srv/bob/.local/pipx/venvs",
            "usr/lib/python3.11/site-packages",
            "usr/local/lib/node_modules",
        ] {
            fs::create_dir_all(r.join(dir)).unwrap();
        }
        fs::write(r.join("etc/passwd"), "root:x:0:0::/root:/bin/sh\nbob:x:1000:1000::/srv/bob:/bin/sh\nnobody:x:65534:65534::/:/usr/sbin/nologin\n").unwrap();
        let found = host_roots(r);
        let rel: Vec<String> = found
            .roots
            .iter()
            .map(|p| p.strip_prefix(r).unwrap().display().to_string())
            .collect();
        assert_eq!(
            rel,
            [
                "home/alice/.npm/_cacache",
                "home/alice/.cache/pip",
                "srv/bob/.local/pipx/venvs",
                "usr/local/lib/node_modules",
                "usr/lib/python3.11",
            ]
        );
        assert!(found.unreadable.is_empty());
    }
}
