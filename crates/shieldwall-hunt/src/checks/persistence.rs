//! Persistence: systemd system and user units, cron, launchd plists, shell
//! start-up files and XDG autostart entries, matched by file name
//! (`persistence` indicators) and by marker strings inside them. Symbolic
//! links are judged by name only: on a mounted disk they point into the
//! host running the hunt.

use std::path::{Path, PathBuf};

use globset::{Glob, GlobMatcher};

use crate::catalog::{Indicator, PatternKind};
use crate::checks::{file_strings, hit};
use crate::model::{Hit, HitKind};
use crate::scope::Scope;

/// Directories of persistence entries, relative to the root.
const SYSTEM_DIRS: &[&str] = &[
    "etc/systemd/system",
    "etc/systemd/user",
    "usr/lib/systemd/system",
    "usr/lib/systemd/user",
    "lib/systemd/system",
    "usr/local/lib/systemd/system",
    "etc/cron.d",
    "etc/cron.hourly",
    "etc/cron.daily",
    "etc/cron.weekly",
    "etc/cron.monthly",
    "var/spool/cron",
    "Library/LaunchAgents",
    "Library/LaunchDaemons",
    "etc/xdg/autostart",
    "etc/profile.d",
    "etc/init.d",
];

/// Single persistence files, relative to the root.
const SYSTEM_FILES: &[&str] = &[
    "etc/crontab",
    "etc/profile",
    "etc/bash.bashrc",
    "etc/zsh/zshrc",
    "etc/zshrc",
    "etc/rc.local",
    "etc/environment",
];

/// Directories of persistence entries, relative to each home.
const HOME_DIRS: &[&str] = &[
    ".config/systemd/user",
    ".local/share/systemd/user",
    "Library/LaunchAgents",
    ".config/autostart",
];

/// Shell start-up files, relative to each home.
const HOME_FILES: &[&str] = &[
    ".bashrc",
    ".bash_profile",
    ".bash_login",
    ".profile",
    ".zshrc",
    ".zshenv",
    ".zprofile",
    ".zlogin",
    ".config/fish/config.fish",
    ".pam_environment",
];

/// How deep unit directories are followed (`*.wants/`, `crontabs/`).
const MAX_DEPTH: usize = 3;

/// Every persistence file to look at.
pub(crate) fn candidates(scope: &Scope) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut dirs: Vec<PathBuf> = SYSTEM_DIRS.iter().map(|d| scope.at(d)).collect();
    let mut files: Vec<PathBuf> = SYSTEM_FILES.iter().map(|f| scope.at(f)).collect();
    for home in &scope.homes {
        dirs.extend(HOME_DIRS.iter().map(|d| home.join(d)));
        files.extend(HOME_FILES.iter().map(|f| home.join(f)));
    }
    for dir in dirs {
        collect(scope, &dir, 0, &mut out);
    }
    out.extend(files.into_iter().filter(|f| f.symlink_metadata().is_ok()));
    out.sort();
    out.dedup();
    out
}

fn collect(scope: &Scope, dir: &Path, depth: usize, out: &mut Vec<PathBuf>) {
    for entry in scope.list(dir) {
        match entry.symlink_metadata() {
            Ok(meta) if meta.is_dir() && depth < MAX_DEPTH => {
                collect(scope, &entry, depth + 1, out)
            }
            Ok(meta) if !meta.is_dir() => out.push(entry),
            _ => {}
        }
    }
}

/// Checks every persistence file.
pub(crate) fn check(scope: &Scope) -> Vec<Hit> {
    let names: Vec<(GlobMatcher, &Indicator)> = scope
        .catalog
        .of(PatternKind::Persistence)
        .filter_map(|i| Some((Glob::new(&i.pattern).ok()?.compile_matcher(), i)))
        .collect();
    let mut hits = Vec::new();
    for path in candidates(scope) {
        let shown = scope.show(&path);
        let name = path.file_name().unwrap_or_default();
        let mut named = false;
        for (glob, ind) in &names {
            if glob.is_match(name) {
                named = true;
                hits.push(hit(
                    HitKind::Persistence,
                    Some(shown.clone()),
                    shown.clone(),
                    ind,
                    format!("persistence entry named like `{}`", ind.pattern),
                ));
            }
        }
        let is_link = path
            .symlink_metadata()
            .is_ok_and(|m| m.file_type().is_symlink());
        if is_link {
            continue;
        }
        if let Some(text) = scope.read_text(&path) {
            for h in file_strings(scope, HitKind::Persistence, &shown, &text) {
                // one entry per file when the name already matched the same switch
                if !(named && h.dead_mans_switch) {
                    hits.push(h);
                }
            }
        }
    }
    hits
}
