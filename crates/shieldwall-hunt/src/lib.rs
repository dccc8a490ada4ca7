//! Host indicators of compromise and the credentials an infected process
//! could reach, with a safe remediation order.
//!
//! [`hunt`] reads a directory tree — the live host at `/`, a mounted disk,
//! an unpacked image, a test fixture — for the indicators of a [`Catalog`]:
//! files, persistence entries, `.pth` start-up lines, workflows, editor and
//! assistant droppers, process command lines and environments, and open
//! connections (from `<root>/proc`), git remotes and branches of checked-out
//! projects, the `iocs` of the advisory database's advisories, and installed
//! package versions that malicious-package advisories list (with the
//! version to pin each back to, when the advisory says). It lists the
//! credential material a
//! process running as the user could read, by name, path and kind only,
//! and orders a remediation plan. Nothing is ever executed from the tree;
//! the only process started is `git log` on the user's own repositories
//! for the exposure-window audit. Paths that cannot be read are listed.

mod advisory;
mod catalog;
mod checks;
mod error;
mod exposure;
pub mod git;
mod model;
mod plan;
pub mod render;
mod scope;
mod walk;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

pub use advisory::{Pin, Unchecked};
pub use catalog::{Catalog, Indicator, PatternKind};
pub use error::HuntError;
pub use exposure::env::looks_secret;
pub use model::{
    Commit, Exposure, ExposureKind, Hit, HitKind, HuntReport, Phase, SCHEMA_VERSION, Step,
    Unreadable,
};
pub use plan::{kind_name, plan};
use shieldwall_advisory::AdvisoryDb;

use crate::scope::Scope;

/// What to hunt and how.
#[derive(Clone, Debug)]
pub struct Options {
    /// The root of the tree (`/` for the live host).
    pub root: PathBuf,
    /// Home directories, as paths inside the root (`/home/alice`); empty:
    /// `/root` and every directory in `/home`.
    pub homes: Vec<PathBuf>,
    /// The indicators.
    pub catalog: Catalog,
    /// Repositories for the git exposure-window audit.
    pub repos: Vec<PathBuf>,
    /// The start of the window (RFC 3339), needed with `repos`.
    pub since: Option<String>,
    /// The advisory database: its advisories' `iocs` become indicators and
    /// installed package versions are matched against it; `None` leaves
    /// both out.
    pub db: Option<Arc<AdvisoryDb>>,
}

impl Options {
    /// Hunt `root` with the built-in catalog and the built-in advisory feed.
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self {
            root: root.into(),
            homes: Vec::new(),
            catalog: Catalog::builtin(),
            repos: Vec::new(),
            since: None,
            db: Some(Arc::new(AdvisoryDb::builtin())),
        }
    }
}

/// Runs every check and builds the report.
pub fn hunt(options: &Options) -> Result<HuntReport, HuntError> {
    let started = Instant::now();
    if !options.root.is_dir() {
        return Err(HuntError::BadRoot(options.root.clone()));
    }
    let root = options
        .root
        .canonicalize()
        .unwrap_or_else(|_| options.root.clone());
    let live = root == Path::new("/");
    let homes = homes(&root, &options.homes);
    if let Some(missing) = options
        .homes
        .iter()
        .zip(&homes)
        .find(|(_, real)| !real.is_dir())
    {
        return Err(HuntError::BadHome(missing.0.clone()));
    }
    let mut catalog = options.catalog.clone();
    let unchecked = match &options.db {
        Some(db) => advisory::add_iocs(&mut catalog, db),
        None => Vec::new(),
    };
    let wants = walk::Wants {
        hashes: catalog.of(PatternKind::Hash).next().is_some(),
        installed: options.db.is_some(),
    };
    let scope = Scope::new(root.clone(), homes, catalog, live);

    let found = walk::walk(&scope, wants);
    let mut hits = checks::files::check(&scope, &found.files);
    hits.extend(checks::files::check_hashes(&scope, &found.hash_candidates));
    hits.extend(checks::gitrepo::check(&scope, &found.git_files));
    let mut pins = Vec::new();
    if let Some(db) = &options.db {
        let (installed, found_pins) = advisory::installed(&scope, db, &found.installed);
        hits.extend(installed);
        pins = found_pins;
    }
    hits.extend(checks::persistence::check(&scope));
    hits.extend(checks::pth::check(&scope, &found.site_packages));
    hits.extend(checks::workflow::check(
        &scope,
        &found.workflows,
        &found.runner_configs,
    ));
    hits.extend(checks::dropper::check(&scope, &found.droppers));
    let processes = checks::process::check(&scope);
    hits.extend(processes.hits);
    hits.extend(checks::network::check(&scope));

    let mut commits = Vec::new();
    if let Some(since) = &options.since {
        for repo in &options.repos {
            let audit = git::audit(repo, since)?;
            commits.extend(audit.commits);
            hits.extend(audit.hits);
        }
    }
    hits.sort_by(|a, b| {
        (
            b.dead_mans_switch,
            a.kind,
            &a.subject,
            &a.campaign,
            &a.evidence,
        )
            .cmp(&(
                a.dead_mans_switch,
                b.kind,
                &b.subject,
                &b.campaign,
                &b.evidence,
            ))
    });
    hits.dedup();

    let exposure = exposure::inventory(&scope, &found.dotenvs, &processes.secret_names);
    let plan = plan::plan(&hits, &exposure, &pins);
    Ok(HuntReport {
        schema_version: SCHEMA_VERSION,
        root: root.display().to_string(),
        homes: scope.homes.iter().map(|h| scope.show(h)).collect(),
        indicators: hits,
        exposure,
        plan,
        pins,
        unchecked,
        commits,
        git_since: options.since.clone().filter(|_| !options.repos.is_empty()),
        unreadable: scope.take_unreadable(),
        elapsed_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
    })
}

/// The home directories under the root: the ones given (inside the root),
/// else `/root` and every directory in `/home`.
fn homes(root: &Path, given: &[PathBuf]) -> Vec<PathBuf> {
    let inside = |p: &Path| root.join(p.strip_prefix("/").unwrap_or(p));
    if !given.is_empty() {
        return given.iter().map(|p| inside(p)).collect();
    }
    let mut out = Vec::new();
    if root.join("root").is_dir() {
        out.push(root.join("root"));
    }
    if let Ok(entries) = std::fs::read_dir(root.join("home")) {
        let mut list: Vec<PathBuf> = entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.is_dir())
            .collect();
        list.sort();
        out.extend(list);
    }
    out
}
