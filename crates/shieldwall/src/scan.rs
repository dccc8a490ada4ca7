//! Matching walked packages against the advisory database and gathering
//! the report: one finding per affected package version, with every place
//! it was found.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use shieldwall_advisory::{Advisory, AdvisoryDb, EVERY_VERSION};
use shieldwall_core::{Ecosystem, EvidenceKind, Location, PackageRef, Purl, Requirement};
use shieldwall_inventory::{ExtractError, WalkEvent};
use shieldwall_report::{AdvisoryRef, Finding, NotCovered, NotCoveredKind, Severity, Summary};

/// Gathers walk events from many threads into findings and counts.
pub(crate) struct Collector<'db> {
    db: &'db AdvisoryDb,
    state: Mutex<State>,
    packages: AtomicU64,
    files: AtomicU64,
}

#[derive(Default)]
struct State {
    findings: HashMap<FindingKey, FindingDraft>,
    files_read: BTreeMap<String, u64>,
    not_covered: Vec<NotCovered>,
}

#[derive(Clone, PartialEq, Eq, Hash)]
struct FindingKey {
    ecosystem: Ecosystem,
    name: String,
    version: String,
    warning: bool,
}

struct FindingDraft {
    display_name: String,
    advisories: Vec<AdvisoryRef>,
    locations: Vec<Location>,
}

/// One package's matches, computed before the shared state is locked.
struct Hit {
    key: FindingKey,
    display_name: String,
    advisories: Vec<AdvisoryRef>,
    location: Location,
}

impl<'db> Collector<'db> {
    pub(crate) fn new(db: &'db AdvisoryDb) -> Self {
        Self {
            db,
            state: Mutex::new(State::default()),
            packages: AtomicU64::new(0),
            files: AtomicU64::new(0),
        }
    }

    /// Files seen so far (read, failed or not covered), for progress.
    pub(crate) fn files_seen(&self) -> u64 {
        self.files.load(Ordering::Relaxed)
    }

    /// Packages checked so far, for progress.
    pub(crate) fn packages_checked(&self) -> u64 {
        self.packages.load(Ordering::Relaxed)
    }

    /// Takes one walk event; called from the walker's threads.
    pub(crate) fn accept(&self, event: WalkEvent) {
        self.files.fetch_add(1, Ordering::Relaxed);
        match event {
            WalkEvent::Extracted {
                extractor,
                path,
                extraction,
            } => {
                self.packages
                    .fetch_add(extraction.packages.len() as u64, Ordering::Relaxed);
                let hits: Vec<Hit> = extraction
                    .packages
                    .into_iter()
                    .flat_map(|package| self.match_package(package))
                    .collect();
                let mut state = self.lock();
                *state.files_read.entry(extractor.to_owned()).or_default() += 1;
                for problem in extraction.problems {
                    state.not_covered.push(NotCovered {
                        path: path.to_string(),
                        line: problem.line,
                        kind: NotCoveredKind::Partial,
                        reason: problem.message,
                    });
                }
                for hit in hits {
                    let draft = state
                        .findings
                        .entry(hit.key)
                        .or_insert_with(|| FindingDraft {
                            display_name: hit.display_name,
                            advisories: Vec::new(),
                            locations: Vec::new(),
                        });
                    for advisory in hit.advisories {
                        if !draft.advisories.contains(&advisory) {
                            draft.advisories.push(advisory);
                        }
                    }
                    draft.locations.push(hit.location);
                }
            }
            WalkEvent::Failed { error, .. } => {
                let (path, line, kind, reason) = match error {
                    ExtractError::Malformed {
                        path,
                        line,
                        message,
                    } => (path, line, NotCoveredKind::Malformed, message),
                    ExtractError::Unsupported { path, message } => {
                        (path, None, NotCoveredKind::UnsupportedFormat, message)
                    }
                };
                self.push_not_covered(path.to_string(), line, kind, reason);
            }
            WalkEvent::NotCovered { path, reason } => self.push_not_covered(
                path.to_string(),
                None,
                NotCoveredKind::UnsupportedFormat,
                reason.to_owned(),
            ),
            WalkEvent::Unreadable { path, reason } => {
                self.push_not_covered(path.to_string(), None, NotCoveredKind::Unreadable, reason);
            }
            WalkEvent::TooLarge { path, size } => self.push_not_covered(
                path.to_string(),
                None,
                NotCoveredKind::TooLarge,
                format!("file is {size} bytes, over the `--max-file-size` limit"),
            ),
        }
    }

    fn push_not_covered(
        &self,
        path: String,
        line: Option<u32>,
        kind: NotCoveredKind,
        reason: String,
    ) {
        self.lock().not_covered.push(NotCovered {
            path,
            line,
            kind,
            reason,
        });
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn match_package(&self, package: PackageRef) -> Vec<Hit> {
        let PackageRef {
            ecosystem,
            name,
            version,
            location,
        } = package;
        if location.kind == EvidenceKind::ManifestRange {
            let Ok(requirement) = Requirement::parse(ecosystem, &version) else {
                return Vec::new();
            };
            let mut by_version: BTreeMap<String, Vec<&Advisory>> = BTreeMap::new();
            for (advisory, bad) in self.db.admitted_by(ecosystem, &name, &requirement) {
                by_version.entry(bad).or_default().push(advisory);
            }
            return by_version
                .into_iter()
                .map(|(bad, advisories)| {
                    // When every version is affected, whatever the range
                    // resolves to is bad: that is a finding, not a warning.
                    let every = bad == EVERY_VERSION;
                    let note = if every {
                        format!("declared `{version}`; every version is affected")
                    } else {
                        note_with_range(&location, &version)
                    };
                    Hit {
                        key: FindingKey {
                            ecosystem,
                            name: ecosystem.normalize_name(&name).into_owned(),
                            version: if every { version.clone() } else { bad },
                            warning: !every,
                        },
                        display_name: name.clone(),
                        advisories: advisories.into_iter().map(advisory_ref).collect(),
                        location: location.clone().with_note(Some(note)),
                    }
                })
                .collect();
        }
        let advisories = self.db.affecting(ecosystem, &name, &version);
        if advisories.is_empty() {
            return Vec::new();
        }
        vec![Hit {
            key: FindingKey {
                ecosystem,
                name: ecosystem.normalize_name(&name).into_owned(),
                version,
                warning: false,
            },
            display_name: name,
            advisories: advisories.into_iter().map(advisory_ref).collect(),
            location,
        }]
    }

    /// The findings, most severe first, and the counts.
    pub(crate) fn finish(
        self,
        roots: Vec<String>,
        duration_ms: u64,
    ) -> (Vec<Finding>, Vec<NotCovered>, Summary) {
        let packages_checked = self.packages.load(Ordering::Relaxed);
        let state = self
            .state
            .into_inner()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut findings: Vec<Finding> = state
            .findings
            .into_iter()
            .map(|(key, mut draft)| {
                draft
                    .locations
                    .sort_by(|a, b| (&a.path, a.line).cmp(&(&b.path, b.line)));
                draft.locations.dedup();
                draft.advisories.sort_by(|a, b| a.id.cmp(&b.id));
                let malicious = draft.advisories.iter().any(|a| a.malicious);
                let severity = if key.warning {
                    Severity::Warning
                } else if malicious {
                    Severity::Critical
                } else {
                    Severity::High
                };
                Finding {
                    ecosystem: key.ecosystem,
                    purl: Purl::new(key.ecosystem, &draft.display_name, Some(&key.version))
                        .to_string(),
                    remediation: remediation(severity, &draft.display_name, &key.version),
                    name: draft.display_name,
                    version: key.version,
                    severity,
                    advisories: draft.advisories.iter().map(|a| a.id.clone()).collect(),
                    advisory_details: draft.advisories,
                    locations: draft.locations,
                }
            })
            .collect();
        findings.sort_by(|a, b| {
            b.severity
                .cmp(&a.severity)
                .then_with(|| a.ecosystem.cmp(&b.ecosystem))
                .then_with(|| a.name.cmp(&b.name))
                .then_with(|| a.version.cmp(&b.version))
        });
        let mut not_covered = state.not_covered;
        not_covered.sort();
        not_covered.dedup();
        let summary = Summary {
            roots,
            files_read: state.files_read,
            packages_checked,
            affected: findings
                .iter()
                .filter(|f| f.severity > Severity::Warning)
                .count(),
            warnings: findings
                .iter()
                .filter(|f| f.severity == Severity::Warning)
                .count(),
            not_covered: not_covered.len(),
            duration_ms,
        };
        (findings, not_covered, summary)
    }
}

fn note_with_range(location: &Location, range: &str) -> String {
    let declared = format!("declared `{range}`");
    match &location.note {
        Some(note) => format!("{note}, {declared}"),
        None => declared,
    }
}

fn advisory_ref(advisory: &Advisory) -> AdvisoryRef {
    AdvisoryRef {
        id: advisory.id.clone(),
        aliases: advisory.aliases.clone(),
        summary: advisory.summary.clone(),
        source: advisory.source.clone(),
        published: advisory.published.clone().or_else(|| advisory.date.clone()),
        malicious: advisory.malicious,
    }
}

fn remediation(severity: Severity, name: &str, version: &str) -> String {
    match severity {
        Severity::Critical => format!(
            "remove {name} {version} from every location listed, pin a version outside the advisory's affected set, and treat any machine or CI runner that installed it as compromised: look for indicators and rotate the credentials it could read, removing persistence first"
        ),
        Severity::High => format!(
            "upgrade {name} from {version} to a version outside the advisory's affected set and regenerate the lockfile"
        ),
        Severity::Warning => format!(
            "the declared range admits the known-bad {name} {version}: pin a version outside the affected set, and check the lockfile and installed copy resolved to a clean one"
        ),
    }
}
