//! The hunt report: what was found, what is exposed, what to do, and what
//! could not be read.

use serde::Serialize;

use crate::advisory::{Pin, Unchecked};

/// The version of the JSON contract.
pub const SCHEMA_VERSION: u32 = 1;

/// Where an indicator was seen.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum HitKind {
    /// A persistence entry: systemd unit, cron, launchd plist, shell rc,
    /// autostart, or an editor/assistant hook.
    Persistence,
    /// A running process (its command line).
    Process,
    /// An environment variable of a running process.
    Env,
    /// An open network connection.
    Network,
    /// A file on disk.
    File,
    /// An installed package version a malicious-package advisory lists.
    Package,
    /// A `.pth` start-up file in a site-packages directory.
    Pth,
    /// A GitHub workflow file or runner configuration.
    Workflow,
    /// A git remote, branch or commit in a checked-out project (commits
    /// in the exposure window with `--repos`).
    Git,
}

/// One indicator found.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Hit {
    /// Where it was seen.
    pub kind: HitKind,
    /// The file, shown as a path on the hunted host (`/tmp/x`), if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// What it is about: the path, `pid 42 (python3)`, a variable name, an
    /// address, a commit.
    pub subject: String,
    /// The campaign (`generic` for heuristics not tied to one).
    pub campaign: String,
    /// What matched (never a secret value).
    pub evidence: String,
    /// Why it matters.
    pub why: String,
    /// This is a dead-man's switch: remove it before rotating tokens.
    pub dead_mans_switch: bool,
}

/// What kind of credential material is exposed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ExposureKind {
    /// A secret-looking environment variable.
    Env,
    /// AWS shared credentials.
    Aws,
    /// An SSH private key.
    SshKey,
    /// npm registry tokens.
    NpmToken,
    /// Python index upload credentials.
    PypiToken,
    /// GitHub CLI tokens.
    GithubToken,
    /// Stored git credentials or a `.netrc`.
    GitCredentials,
    /// Docker registry logins.
    DockerAuth,
    /// A Kubernetes configuration.
    KubeConfig,
    /// Google Cloud credentials.
    Gcloud,
    /// Azure credentials.
    Azure,
    /// A `.env` file in a project.
    Dotenv,
    /// An AI provider key or login.
    AiProvider,
}

/// One piece of credential material an infected process could read, by
/// name, path and kind only.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Exposure {
    /// The kind.
    pub kind: ExposureKind,
    /// The file, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// The variable or entry name, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// What is there (`unencrypted`, `2 auth tokens`), never a value.
    pub detail: String,
}

impl Exposure {
    /// The path or the name: what to show in one column.
    pub fn subject(&self) -> &str {
        self.path
            .as_deref()
            .or(self.name.as_deref())
            .unwrap_or_default()
    }
}

/// The phases of the remediation plan, in the order they must run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Phase {
    /// Stop and remove persistence and running payloads.
    RemovePersistence,
    /// Cut the host off.
    Isolate,
    /// Rotate every exposed credential.
    Rotate,
    /// Rebuild from a clean image.
    Rebuild,
}

/// One step of the remediation plan.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Step {
    /// 1-based position.
    pub order: usize,
    /// The phase.
    pub phase: Phase,
    /// What to do.
    pub action: String,
    /// Why here, in this order.
    pub why: String,
    /// The paths, units, processes or credentials it applies to.
    pub targets: Vec<String>,
}

/// A commit in the git exposure window that touched dependency or CI files.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Commit {
    /// The repository, as given.
    pub repo: String,
    /// Full hash.
    pub hash: String,
    /// Author name and email.
    pub author: String,
    /// Committer name and email.
    pub committer: String,
    /// Commit time (RFC 3339).
    pub time: String,
    /// First line of the message.
    pub subject: String,
    /// The dependency and CI files it touched.
    pub files: Vec<String>,
    /// Why it is suspicious, if it is.
    pub flags: Vec<String>,
}

/// A directory or file that could not be read: never skipped silently.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Unreadable {
    /// The path on the hunted host.
    pub path: String,
    /// Why.
    pub error: String,
}

/// The whole report.
#[derive(Clone, Debug, Serialize)]
pub struct HuntReport {
    /// The JSON contract version.
    pub schema_version: u32,
    /// The root that was hunted (`/` for the live host).
    pub root: String,
    /// The home directories looked at, as paths on the hunted host.
    pub homes: Vec<String>,
    /// Indicators found.
    pub indicators: Vec<Hit>,
    /// Credential material an infected process could read.
    pub exposure: Vec<Exposure>,
    /// What to do, in order.
    pub plan: Vec<Step>,
    /// Installed package versions that malicious-package advisories list,
    /// with the version to pin each back to when the advisory says.
    pub pins: Vec<Pin>,
    /// Advisory indicators that cannot be checked (a hash algorithm other
    /// than sha256), listed rather than dropped.
    pub unchecked: Vec<Unchecked>,
    /// Commits in the git exposure window (empty without `--repos`).
    pub commits: Vec<Commit>,
    /// The git window audited, when one was.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub git_since: Option<String>,
    /// What could not be read.
    pub unreadable: Vec<Unreadable>,
    /// How long the hunt took, in milliseconds.
    pub elapsed_ms: u64,
}

impl HuntReport {
    /// True when any indicator was found.
    pub fn compromised(&self) -> bool {
        !self.indicators.is_empty()
    }
}
