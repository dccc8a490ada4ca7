//! The running gateway's shared state: configuration, the policy and the
//! advisory database (both reloaded while it runs), overrides, the caches
//! and the record.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::SystemTime;

use jiff::Timestamp;
use shieldwall_advisory::AdvisoryDb;
use shieldwall_core::Ecosystem;

use crate::analysis::{self, Analyzer, Job, Outcome};
use crate::blobs::BlobStore;
use crate::config::GateConfig;
use crate::decision::{Decision, Inputs, Subject, decide};
use crate::error::GateError;
use crate::metacache::MetaCache;
use crate::metrics::Metrics;
use crate::npm::NpmState;
use crate::overrides::{Override, ecosystem_key};
use crate::policy::Policy;
use crate::pypi::Page;
use crate::pypi::ParsedPages;
use crate::record::Record;
use crate::upstream::Upstream;
use crate::views::{self, ViewCache};

/// The gateway.
pub struct Gate {
    /// The configuration it started with.
    pub config: GateConfig,
    config_path: Option<PathBuf>,
    config_mtime: RwLock<Option<SystemTime>>,
    policy: RwLock<Arc<Policy>>,
    advisory_dir: Option<PathBuf>,
    advisory_mtime: RwLock<Option<SystemTime>>,
    advisories: RwLock<Arc<AdvisoryDb>>,
    overrides: RwLock<Arc<Vec<Override>>>,
    /// Reloads of the policy, the advisory database and the overrides.
    policy_generation: AtomicU64,
    advisory_generation: AtomicU64,
    override_generation: AtomicU64,
    /// The HTTP client for upstreams.
    pub upstream: Upstream,
    /// The artifact cache.
    pub blobs: BlobStore,
    /// The record.
    pub record: Record,
    /// Cached upstream metadata.
    pub meta: MetaCache,
    /// Which project a Python file (by sha256) belongs to.
    pub pypi_files: RwLock<HashMap<String, String>>,
    /// Parsed Python project pages.
    pub pypi_pages: ParsedPages,
    /// Rendered Python index pages.
    pub pypi_views: ViewCache<Page>,
    /// Parsed packuments and tarball facts.
    pub npm: NpmState,
    /// Counters for `/metrics`.
    pub metrics: Metrics,
    /// Analyzer judgements.
    pub analyzer: Arc<Analyzer>,
    /// The admin token, if one is configured.
    pub admin_token: Option<String>,
}

impl Gate {
    /// Opens the gateway's state for `config` (read from `config_path`,
    /// which is watched for policy changes when given).
    pub fn open(config: GateConfig, config_path: Option<&Path>) -> Result<Arc<Self>, GateError> {
        let token = config
            .admin
            .token_env
            .as_deref()
            .and_then(|var| std::env::var(var).ok())
            .filter(|t| !t.is_empty());
        Self::open_with_token(config, config_path, token)
    }

    /// Like [`Gate::open`], with the admin token given (`None`: the admin
    /// API is off).
    pub fn open_with_token(
        config: GateConfig,
        config_path: Option<&Path>,
        admin_token: Option<String>,
    ) -> Result<Arc<Self>, GateError> {
        let state = &config.state_dir;
        std::fs::create_dir_all(state).map_err(|source| GateError::State {
            path: state.clone(),
            source,
        })?;
        let policy = config
            .policy
            .compile()
            .map_err(|message| GateError::Config {
                path: config_path.map(Path::to_owned).unwrap_or_default(),
                message: format!("`policy`: {message}"),
            })?;
        let advisory_dir = config
            .advisories
            .store_dir
            .clone()
            .or_else(shieldwall_advisory::default_store_dir);
        let advisories = match &advisory_dir {
            Some(dir) => AdvisoryDb::open(dir)?,
            None => AdvisoryDb::builtin(),
        };
        let record = Record::open(&state.join("record.db"))?;
        let overrides = record.overrides().map_err(|source| GateError::Record {
            path: record.path().to_owned(),
            source,
        })?;
        let view_budget = usize::try_from(config.cache.max_view_bytes / 2).unwrap_or(usize::MAX);
        let gate = Arc::new(Self {
            upstream: Upstream::new(config.upstream_timeout()),
            blobs: BlobStore::new(state.join("blobs")),
            meta: MetaCache::new(state.join("meta"), config.metadata_ttl()),
            config_mtime: RwLock::new(config_path.and_then(mtime)),
            config_path: config_path.map(Path::to_owned),
            policy: RwLock::new(Arc::new(policy)),
            advisory_mtime: RwLock::new(advisory_dir.as_deref().and_then(dir_mtime)),
            advisory_dir,
            advisories: RwLock::new(Arc::new(advisories)),
            overrides: RwLock::new(Arc::new(overrides)),
            policy_generation: AtomicU64::new(0),
            advisory_generation: AtomicU64::new(0),
            override_generation: AtomicU64::new(0),
            record,
            pypi_files: RwLock::new(HashMap::new()),
            pypi_pages: ParsedPages::default(),
            pypi_views: ViewCache::new(view_budget),
            npm: NpmState::new(view_budget),
            metrics: Metrics::default(),
            analyzer: Arc::new(Analyzer::default()),
            admin_token,
            config,
        });
        gate.revoke_malicious_overrides();
        Ok(gate)
    }

    /// The policy in force.
    pub fn policy(&self) -> Arc<Policy> {
        self.policy.read().expect("policy lock").clone()
    }

    /// The advisory database in force.
    pub fn advisories(&self) -> Arc<AdvisoryDb> {
        self.advisories.read().expect("advisory lock").clone()
    }

    /// Every override (active or not), newest first.
    pub fn overrides(&self) -> Arc<Vec<Override>> {
        self.overrides.read().expect("override lock").clone()
    }

    /// Re-reads the overrides from the record (after a change).
    pub fn reload_overrides(&self) {
        if let Ok(list) = self.record.overrides() {
            *self.overrides.write().expect("override lock") = Arc::new(list);
            // After the new list is in place: a view stamped with the new
            // generation was made from the new list.
            self.override_generation.fetch_add(1, Ordering::SeqCst);
        }
    }

    /// The generation of every decision input but the time. Read it
    /// before deciding: a change while a view is made then makes that
    /// view old at once.
    pub fn inputs(&self) -> views::Inputs {
        views::Inputs {
            policy: self.policy_generation.load(Ordering::SeqCst),
            advisories: self.advisory_generation.load(Ordering::SeqCst),
            overrides: self.override_generation.load(Ordering::SeqCst),
            approvals: self.record.approvals_generation(),
            judgements: self.analyzer.generation(),
        }
    }

    /// The rendered view of `source` named `name` in `format` for clients
    /// at `base_url`: kept in `views` from an earlier request while nothing
    /// it depends on changed, otherwise made by `render` (which narrows the
    /// validity it is handed) and kept.
    pub fn cached_view<S>(
        &self,
        views: &views::ViewCache<S>,
        name: &str,
        source: &Arc<S>,
        format: &'static str,
        base_url: &str,
        render: impl FnOnce(&mut views::Validity) -> bytes::Bytes,
    ) -> bytes::Bytes {
        let now = Timestamp::now();
        let inputs = self.inputs();
        if let Some(body) = views.get(name, source, format, base_url, inputs, now) {
            self.metrics.count_view(true);
            return body;
        }
        self.metrics.count_view(false);
        let mut validity = views::Validity::new(inputs, now, self.config.metadata_ttl());
        if let Some(at) = self.next_override_expiry(now) {
            validity.end_by(at);
        }
        let body = render(&mut validity);
        views.put(name, source, format, base_url, validity, body.clone());
        body
    }

    /// The earliest time an active override expires (a decision that
    /// relies on it changes then).
    pub fn next_override_expiry(&self, now: Timestamp) -> Option<Timestamp> {
        self.overrides()
            .iter()
            .filter(|o| o.is_active(now))
            .map(|o| o.expires_at)
            .min()
    }

    /// Decides on one version or file now.
    pub fn decide(&self, subject: &Subject<'_>) -> (Decision, Arc<Policy>) {
        let policy = self.policy();
        let advisories = self.advisories();
        let overrides = self.overrides();
        let approved = subject.sha256.is_some_and(|h| {
            self.record
                .is_approved(&ecosystem_key(subject.ecosystem), h)
        });
        let decision = decide(
            &Inputs {
                policy: &policy,
                advisories: &advisories,
                overrides: &overrides,
                approved,
                now: Timestamp::now(),
            },
            subject,
        );
        let decision = match self.judged(&policy, subject, &decision) {
            Some(stopped) => stopped,
            None => decision,
        };
        self.metrics.count_decision(decision.action);
        (decision, policy)
    }

    /// True when the analyzer has a say on a decision (nothing a person
    /// chose let the package through).
    pub fn analyzer_applies(policy: &Policy, decision: &Decision) -> bool {
        policy.analysis.enabled
            && decision.action.is_served()
            && !matches!(
                decision.rule.as_str(),
                "override" | "allow-list" | "approved-hash"
            )
    }

    /// The decision a known judgement leads to, when it stops the package.
    fn judged(
        &self,
        policy: &Policy,
        subject: &Subject<'_>,
        decision: &Decision,
    ) -> Option<Decision> {
        if !Self::analyzer_applies(policy, decision) {
            return None;
        }
        let judgement = self.analyzer.known(subject.sha256?)?;
        analysis::decision(&policy.analysis, policy.fail, &judgement)
    }

    /// Runs (or waits for) the analysis of a fetched artifact, stored under
    /// `sha256` and judged under `key`; `previous` fetches the previous
    /// version's artifact (path, file name, version) and is awaited only
    /// when drift is configured to matter. Returns the decision that stops
    /// the artifact, if one does.
    pub async fn analyse(
        &self,
        decision: &Decision,
        key: &str,
        sha256: &str,
        file_name: &str,
        previous: impl std::future::Future<Output = Option<(PathBuf, String, String)>>,
    ) -> Option<Decision> {
        let policy = self.policy();
        if !Self::analyzer_applies(&policy, decision) {
            return None;
        }
        let previous = if policy.analysis.drift_hold == analysis::DriftThreshold::Never {
            None
        } else {
            previous.await
        };
        let job = Job {
            key: key.to_owned(),
            path: self.blobs.path(sha256)?,
            file_name: file_name.to_owned(),
            previous,
        };
        match self.analyzer.judge(job, policy.analysis_wait).await {
            Outcome::Done(judgement) => {
                analysis::decision(&policy.analysis, policy.fail, &judgement)
            }
            Outcome::Pending => Some(analysis::pending()),
        }
    }

    /// Reloads the policy when the configuration file changed and the
    /// advisory database when its store changed. Returns what was
    /// reloaded, for the log; a configuration that does not parse keeps
    /// the old policy and is reported as an error.
    pub fn reload_if_changed(&self) -> Vec<Result<String, String>> {
        let mut out = Vec::new();
        if let Some(path) = &self.config_path {
            let now = mtime(path);
            let mut seen = self.config_mtime.write().expect("mtime lock");
            if now != *seen {
                *seen = now;
                out.push(
                    GateConfig::load(path)
                        .map_err(|e| e.to_string())
                        .and_then(|c| c.policy.compile().map_err(|e| e.to_string()))
                        .map(|policy| {
                            let revision = policy.revision.clone();
                            *self.policy.write().expect("policy lock") = Arc::new(policy);
                            self.policy_generation.fetch_add(1, Ordering::SeqCst);
                            format!("policy reloaded: revision {revision}")
                        }),
                );
            }
        }
        if let Some(dir) = &self.advisory_dir {
            let now = dir_mtime(dir);
            let mut seen = self.advisory_mtime.write().expect("mtime lock");
            if now != *seen {
                *seen = now;
                out.push(AdvisoryDb::open(dir).map_err(|e| e.to_string()).map(|db| {
                    let n = db.len();
                    *self.advisories.write().expect("advisory lock") = Arc::new(db);
                    self.advisory_generation.fetch_add(1, Ordering::SeqCst);
                    format!("advisories reloaded: {n} advisories")
                }));
                drop(seen);
                self.revoke_malicious_overrides();
            }
        }
        out
    }

    /// Revokes every active override whose version is now known to be
    /// malicious.
    pub fn revoke_malicious_overrides(&self) {
        let advisories = self.advisories();
        let now = Timestamp::now();
        let mut changed = false;
        for o in self.overrides().iter().filter(|o| o.is_active(now)) {
            let Some(version) = &o.version else { continue };
            let ecosystem = match o.ecosystem.as_str() {
                "npm" => Ecosystem::Npm,
                _ => Ecosystem::PyPI,
            };
            if let Some(advisory) = advisories.affecting(ecosystem, &o.name, version).first() {
                let reason = format!("listed as malicious by {}", advisory.id);
                if self.record.revoke_override(o.id, &reason).unwrap_or(false) {
                    tracing::warn!(override_id = o.id, name = %o.name, version = %version, %reason, "override revoked");
                    changed = true;
                }
            }
        }
        if changed {
            self.reload_overrides();
        }
    }
}

fn mtime(path: &Path) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

/// The newest modification time of a directory and the files in it.
fn dir_mtime(dir: &Path) -> Option<SystemTime> {
    let own = mtime(dir);
    let files = std::fs::read_dir(dir)
        .ok()?
        .flatten()
        .filter_map(|e| mtime(&e.path()))
        .max();
    own.max(files)
}
