//! From findings to a verdict. Each finding is worth points by severity
//! and stage (code that runs by itself — install, startup, import —
//! weighs far more than code someone must call); a rule counts once, at
//! its worst finding; the score is the sum over rules.

use serde::{Deserialize, Serialize};

use crate::model::{Finding, Severity, Stage, Verdict};

/// Score thresholds for the verdicts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Thresholds {
    /// At or above this score the verdict is `warn`.
    pub warn: u32,
    /// At or above this score the verdict is `block`.
    pub block: u32,
}

impl Default for Thresholds {
    /// `warn` at 5, `block` at 12: one critical finding at install, startup
    /// or import blocks on its own, as do two high ones.
    fn default() -> Self {
        Self { warn: 5, block: 12 }
    }
}

/// The points one finding is worth.
pub fn points(severity: Severity, stage: Stage) -> u32 {
    let automatic = stage.is_automatic() || stage == Stage::Metadata;
    match (severity, automatic) {
        (Severity::Critical, true) => 12,
        (Severity::Critical, false) => 6,
        (Severity::High, true) => 6,
        (Severity::High, false) => 3,
        (Severity::Medium, true) => 3,
        (Severity::Medium, false) => 1,
        (Severity::Low, true) => 1,
        (Severity::Low, false) | (Severity::Info, _) => 0,
    }
}

/// The points `finding` is worth: [`points`], except that a finding
/// marked [`Finding::any_stage`] counts as if its code ran by itself.
pub fn finding_points(finding: &Finding) -> u32 {
    let stage = if finding.any_stage {
        Stage::Import
    } else {
        finding.stage
    };
    points(finding.severity, stage)
}

/// The outcome of scoring.
#[derive(Clone, Debug)]
pub struct Scored {
    /// The verdict.
    pub verdict: Verdict,
    /// The score.
    pub score: u32,
    /// The deciding findings in plain words, worst first.
    pub reasons: Vec<String>,
    /// Every finding, worst first.
    pub findings: Vec<Finding>,
}

/// Scores `findings` against `thresholds`.
pub fn score(mut findings: Vec<Finding>, thresholds: &Thresholds) -> Scored {
    findings.sort_by(|a, b| {
        finding_points(b)
            .cmp(&finding_points(a))
            .then(b.severity.cmp(&a.severity))
            .then(a.stage.cmp(&b.stage))
            .then(a.rule.cmp(b.rule))
            .then(a.file.cmp(&b.file))
            .then(a.line.cmp(&b.line))
    });
    let mut seen = std::collections::HashSet::new();
    let mut score = 0;
    let mut reasons = Vec::new();
    for finding in &findings {
        let p = finding_points(finding);
        if p == 0 || !seen.insert(finding.rule) {
            continue;
        }
        score += p;
        if reasons.len() < 5 {
            reasons.push(reason(finding));
        }
    }
    let verdict = if score >= thresholds.block {
        Verdict::Block
    } else if score >= thresholds.warn {
        Verdict::Warn
    } else {
        Verdict::Pass
    };
    Scored {
        verdict,
        score,
        reasons,
        findings,
    }
}

/// `runs at import: … (pkg/__init__.py:12)`.
pub fn reason(finding: &Finding) -> String {
    let when = match finding.stage {
        Stage::Install => "runs at install",
        Stage::Startup => "runs at interpreter start",
        Stage::Import => "runs at import",
        Stage::Runtime => "runs when called",
        Stage::Metadata => "package metadata",
    };
    let at = match finding.line {
        Some(line) => format!("{}:{line}", finding.file),
        None => finding.file.clone(),
    };
    format!("{when}: {} ({at}) [{}]", finding.message, finding.rule)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(rule: &'static str, severity: Severity, stage: Stage) -> Finding {
        Finding {
            rule,
            severity,
            stage,
            file: "f.py".into(),
            line: Some(1),
            message: "m".into(),
            any_stage: false,
        }
    }

    #[test]
    fn stage_and_rule_weighting() {
        let t = Thresholds::default();
        let s = score(vec![finding("A", Severity::Critical, Stage::Import)], &t);
        assert_eq!(s.verdict, Verdict::Block);
        let s = score(vec![finding("A", Severity::Critical, Stage::Runtime)], &t);
        assert_eq!(s.verdict, Verdict::Warn);
        // One rule counts once.
        let s = score(
            vec![
                finding("A", Severity::High, Stage::Import),
                finding("A", Severity::High, Stage::Install),
            ],
            &t,
        );
        assert_eq!((s.score, s.verdict), (6, Verdict::Warn));
        let s = score(
            vec![
                finding("A", Severity::High, Stage::Import),
                finding("B", Severity::High, Stage::Install),
            ],
            &t,
        );
        assert_eq!(s.verdict, Verdict::Block);
        assert!(s.reasons[0].starts_with("runs at "));
    }

    #[test]
    fn theft_chains_weigh_at_any_stage() {
        let t = Thresholds::default();
        let chain = Finding {
            any_stage: true,
            ..finding("SW-GEN-028", Severity::Critical, Stage::Runtime)
        };
        let s = score(vec![chain], &t);
        assert_eq!((s.score, s.verdict), (12, Verdict::Block));
        let s = score(
            vec![finding("SW-GEN-001", Severity::Critical, Stage::Runtime)],
            &t,
        );
        assert_eq!(s.verdict, Verdict::Warn);
    }
}
