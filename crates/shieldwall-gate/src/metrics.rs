//! Counters served at `/metrics` in the Prometheus text format.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::decision::Action;

/// The gateway's counters.
#[derive(Debug, Default)]
pub struct Metrics {
    requests: [AtomicU64; 4],
    decisions: [AtomicU64; 4],
    upstream_errors: AtomicU64,
    integrity_failures: AtomicU64,
    artifacts_from_cache: AtomicU64,
    artifacts_from_upstream: AtomicU64,
    stale_metadata: AtomicU64,
    views_reused: AtomicU64,
    views_rendered: AtomicU64,
}

/// Which part of the gateway a request went to.
#[derive(Clone, Copy, Debug)]
pub enum Route {
    /// Python index pages.
    PypiMetadata = 0,
    /// Python files.
    PypiArtifact = 1,
    /// npm packuments.
    NpmMetadata = 2,
    /// npm tarballs.
    NpmArtifact = 3,
}

const ROUTES: [&str; 4] = [
    "pypi_metadata",
    "pypi_artifact",
    "npm_metadata",
    "npm_artifact",
];
const ACTIONS: [Action; 4] = [Action::Allow, Action::Warn, Action::Hold, Action::Deny];

impl Metrics {
    /// Counts a request.
    pub fn count_request(&self, route: Route) {
        self.requests[route as usize].fetch_add(1, Ordering::Relaxed);
    }

    /// Counts a decision.
    pub fn count_decision(&self, action: Action) {
        let i = ACTIONS.iter().position(|a| *a == action).unwrap_or(0);
        self.decisions[i].fetch_add(1, Ordering::Relaxed);
    }

    /// Counts an upstream failure.
    pub fn count_upstream_error(&self) {
        self.upstream_errors.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts bytes that did not match their declared hash.
    pub fn count_integrity_failure(&self) {
        self.integrity_failures.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts an artifact served, from the cache or fetched first.
    pub fn count_artifact(&self, from_cache: bool) {
        let counter = if from_cache {
            &self.artifacts_from_cache
        } else {
            &self.artifacts_from_upstream
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts a metadata view served from the view cache (`true`) or
    /// decided and rendered for the request.
    pub fn count_view(&self, reused: bool) {
        let counter = if reused {
            &self.views_reused
        } else {
            &self.views_rendered
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts metadata served stale.
    pub fn count_stale(&self) {
        self.stale_metadata.fetch_add(1, Ordering::Relaxed);
    }

    /// The Prometheus text exposition.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        out.push_str("# HELP shieldwall_gate_requests_total Requests by route.\n# TYPE shieldwall_gate_requests_total counter\n");
        for (name, counter) in ROUTES.iter().zip(&self.requests) {
            let _ = writeln!(
                out,
                "shieldwall_gate_requests_total{{route=\"{name}\"}} {}",
                get(counter)
            );
        }
        out.push_str("# HELP shieldwall_gate_decisions_total Policy decisions by action.\n# TYPE shieldwall_gate_decisions_total counter\n");
        for (action, counter) in ACTIONS.iter().zip(&self.decisions) {
            let _ = writeln!(
                out,
                "shieldwall_gate_decisions_total{{action=\"{}\"}} {}",
                action.as_str(),
                get(counter)
            );
        }
        for (name, help, counter) in [
            (
                "upstream_errors_total",
                "Upstream requests that failed.",
                &self.upstream_errors,
            ),
            (
                "integrity_failures_total",
                "Upstream bytes that did not match their declared hash.",
                &self.integrity_failures,
            ),
            (
                "artifacts_cached_total",
                "Artifacts served from the cache.",
                &self.artifacts_from_cache,
            ),
            (
                "artifacts_fetched_total",
                "Artifacts fetched from an upstream, checked and served.",
                &self.artifacts_from_upstream,
            ),
            (
                "stale_metadata_total",
                "Metadata served from the cache while the upstream was down.",
                &self.stale_metadata,
            ),
            (
                "views_reused_total",
                "Index pages and packuments served from the rendered-view cache (no new decisions).",
                &self.views_reused,
            ),
            (
                "views_rendered_total",
                "Index pages and packuments decided on and rendered for the request.",
                &self.views_rendered,
            ),
        ] {
            let _ = writeln!(
                out,
                "# HELP shieldwall_gate_{name} {help}\n# TYPE shieldwall_gate_{name} counter\nshieldwall_gate_{name} {}",
                get(counter)
            );
        }
        out
    }
}
