//! The analyzer as a policy input: an artifact the gateway fetches is read
//! by `shieldwall-analyze` (never run) and, when a previous version is at
//! hand, compared with it. A `block` verdict denies the file; a drift at or
//! above the configured severity holds it. Analysis has a bounded wait:
//! past it the file is held as "pending" and the analysis finishes in the
//! background, so the next request gets the answer.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use shieldwall_analyze::{Artifact, Options, Severity, Verdict, default_limits};
use tokio::sync::watch;

use crate::decision::{Action, Decision};
use crate::policy::FailMode;

/// The `[policy.analysis]` table.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct AnalysisConfig {
    /// Whether artifacts are analysed at all.
    pub enabled: bool,
    /// The verdict that denies a file: `block` (default), `warn`, or
    /// `never`.
    pub deny_verdict: VerdictThreshold,
    /// The drift severity (versus the previous version) that holds a file:
    /// `low`, `medium`, `high` (default), `critical`, or `never`.
    pub drift_hold: DriftThreshold,
    /// How long a request waits for an analysis before the file is held as
    /// pending.
    pub wait: String,
}

impl Default for AnalysisConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            deny_verdict: VerdictThreshold::Block,
            drift_hold: DriftThreshold::High,
            wait: "30s".to_owned(),
        }
    }
}

/// The verdict that denies a file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum VerdictThreshold {
    /// `block` verdicts.
    Block,
    /// `warn` and `block` verdicts.
    Warn,
    /// None.
    Never,
}

/// The drift severity that holds a file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DriftThreshold {
    /// Low or above.
    Low,
    /// Medium or above.
    Medium,
    /// High or above.
    High,
    /// Critical only.
    Critical,
    /// Never.
    Never,
}

impl DriftThreshold {
    fn reached_by(self, severity: Severity) -> bool {
        let floor = match self {
            Self::Low => Severity::Low,
            Self::Medium => Severity::Medium,
            Self::High => Severity::High,
            Self::Critical => Severity::Critical,
            Self::Never => return false,
        };
        severity >= floor
    }
}

/// What the analyzer said about one file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Judgement {
    /// The verdict.
    pub verdict: Verdict,
    /// The score.
    pub score: u32,
    /// The findings that decided it, in plain words.
    pub reasons: Vec<String>,
    /// The worst new behavior versus the previous version, and which.
    pub drift: Option<(Severity, String, Vec<String>)>,
    /// Why the file could not be analysed, if it could not.
    pub error: Option<String>,
}

/// An artifact to analyse: its stored file and name, and optionally the
/// previous version's.
#[derive(Clone, Debug)]
pub struct Job {
    /// The key judgements are kept under (sha256, or npm integrity).
    pub key: String,
    /// The stored file.
    pub path: PathBuf,
    /// Its file name (decides the format).
    pub file_name: String,
    /// The previous version: stored file, file name, version.
    pub previous: Option<(PathBuf, String, String)>,
}

/// Judgements, and analyses in flight.
#[derive(Default)]
pub struct Analyzer {
    done: RwLock<HashMap<String, Arc<Judgement>>>,
    /// Judgements recorded so far (cached views depend on them).
    generation: std::sync::atomic::AtomicU64,
    running: Mutex<HashMap<String, watch::Receiver<Option<Arc<Judgement>>>>>,
}

/// The outcome of waiting for an analysis.
#[derive(Clone, Debug)]
pub enum Outcome {
    /// The analysis finished.
    Done(Arc<Judgement>),
    /// It is still running.
    Pending,
}

impl Analyzer {
    /// How many judgements were recorded: grows with every new one.
    pub fn generation(&self) -> u64 {
        self.generation.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// The judgement kept for `key`, if any.
    pub fn known(&self, key: &str) -> Option<Arc<Judgement>> {
        self.done.read().expect("judgement lock").get(key).cloned()
    }

    /// Analyses `job` (once, however many requests ask), waiting at most
    /// `wait`.
    pub async fn judge(self: &Arc<Self>, job: Job, wait: Duration) -> Outcome {
        if let Some(done) = self.known(&job.key) {
            return Outcome::Done(done);
        }
        let mut receiver = {
            let mut running = self.running.lock().expect("analysis lock");
            match running.get(&job.key) {
                Some(receiver) => receiver.clone(),
                None => {
                    let (sender, receiver) = watch::channel(None);
                    running.insert(job.key.clone(), receiver.clone());
                    let this = self.clone();
                    tokio::spawn(async move {
                        let key = job.key.clone();
                        let judgement = tokio::task::spawn_blocking(move || analyse(&job))
                            .await
                            .unwrap_or_else(|e| failed(format!("the analysis stopped: {e}")));
                        let judgement = Arc::new(judgement);
                        this.done
                            .write()
                            .expect("judgement lock")
                            .insert(key.clone(), judgement.clone());
                        this.generation
                            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                        this.running.lock().expect("analysis lock").remove(&key);
                        let _ = sender.send(Some(judgement));
                    });
                    receiver
                }
            }
        };
        if wait.is_zero() {
            return Outcome::Pending;
        }
        let waited = tokio::time::timeout(wait, async {
            loop {
                if let Some(done) = receiver.borrow().clone() {
                    return Some(done);
                }
                if receiver.changed().await.is_err() {
                    return None;
                }
            }
        })
        .await;
        match waited {
            Ok(Some(done)) => Outcome::Done(done),
            Ok(None) => Outcome::Done(Arc::new(failed("the analysis stopped".to_owned()))),
            Err(_) => Outcome::Pending,
        }
    }
}

fn failed(error: String) -> Judgement {
    Judgement {
        verdict: Verdict::Pass,
        score: 0,
        reasons: Vec::new(),
        drift: None,
        error: Some(error),
    }
}

/// Reads and judges one artifact (blocking).
fn analyse(job: &Job) -> Judgement {
    let limits = default_limits();
    let load = |path: &PathBuf, name: &str| -> Result<Artifact, String> {
        let bytes = std::fs::read(path).map_err(|e| e.to_string())?;
        Artifact::from_bytes(name, bytes, &limits).map_err(|e| e.to_string())
    };
    let artifact = match load(&job.path, &job.file_name) {
        Ok(a) => a,
        Err(e) => return failed(format!("cannot read `{}`: {e}", job.file_name)),
    };
    let options = Options::default();
    let report = shieldwall_analyze::inspect(&artifact, &options);
    let drift = job.previous.as_ref().and_then(|(path, name, version)| {
        let old = load(path, name).ok()?;
        let drift = shieldwall_analyze::diff::diff(&old, &artifact, &options);
        let severity = drift.severity?;
        let changes = drift
            .changes
            .iter()
            .take(3)
            .map(|c| c.message.clone())
            .collect();
        Some((severity, version.clone(), changes))
    });
    Judgement {
        verdict: report.verdict,
        score: report.score,
        reasons: report.reasons.iter().take(3).cloned().collect(),
        drift,
        error: None,
    }
}

/// The decision a judgement leads to, if it stops the file.
pub fn decision(
    config: &AnalysisConfig,
    fail: FailMode,
    judgement: &Judgement,
) -> Option<Decision> {
    if let Some(error) = &judgement.error {
        return (fail == FailMode::Closed).then(|| Decision {
            action: Action::Hold,
            rule: "analysis-failed".to_owned(),
            reason: format!("the artifact could not be analysed: {error}"),
            available_at: None,
        });
    }
    let denies = match config.deny_verdict {
        VerdictThreshold::Block => judgement.verdict == Verdict::Block,
        VerdictThreshold::Warn => judgement.verdict != Verdict::Pass,
        VerdictThreshold::Never => false,
    };
    if denies {
        return Some(Decision {
            action: Action::Deny,
            rule: "analyzer".to_owned(),
            reason: format!(
                "the analyzer's verdict is {} (score {}): {}",
                judgement.verdict.as_str(),
                judgement.score,
                judgement.reasons.join("; ")
            ),
            available_at: None,
        });
    }
    if let Some((severity, from, changes)) = &judgement.drift
        && config.drift_hold.reached_by(*severity)
    {
        return Some(Decision {
            action: Action::Hold,
            rule: "drift".to_owned(),
            reason: format!(
                "new behavior versus {from} ({} drift): {}; held in quarantine for review",
                severity.as_str(),
                changes.join("; ")
            ),
            available_at: None,
        });
    }
    None
}

/// The decision while an analysis is still running.
pub fn pending() -> Decision {
    Decision {
        action: Action::Hold,
        rule: "pending".to_owned(),
        reason: "the artifact is being analysed; try again in a minute".to_owned(),
        available_at: None,
    }
}
