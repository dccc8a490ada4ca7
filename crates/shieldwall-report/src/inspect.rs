//! Renderers for `shieldwall inspect`: a readable table, JSON (a versioned
//! contract: one object per artifact in `artifacts`) and SARIF 2.1.0 (one
//! rule per analyzer rule, its documentation as the help text).

use owo_colors::{OwoColorize, Style};
use serde::Serialize;
use serde_json::{Value, json};
use shieldwall_analyze::rules::catalog;
use shieldwall_analyze::{ArtifactReport, Severity, Verdict};

use crate::sanitize::escape_control;
use crate::sarif::path_to_uri;

/// The version of the inspect JSON contract.
pub const INSPECT_SCHEMA_VERSION: u32 = 1;

/// The result of inspecting one or more artifacts.
#[derive(Clone, Debug, Serialize)]
pub struct InspectReport {
    /// [`INSPECT_SCHEMA_VERSION`].
    pub schema_version: u32,
    /// The tool that made the report.
    pub tool: crate::Tool,
    /// One entry per artifact, in the order given.
    pub artifacts: Vec<ArtifactReport>,
    /// Artifacts that could not be read at all: path and reason.
    pub unreadable: Vec<Unreadable>,
    /// Counts.
    pub summary: InspectSummary,
}

/// An artifact that could not be read.
#[derive(Clone, Debug, Serialize)]
pub struct Unreadable {
    /// The path given.
    pub path: String,
    /// Why.
    pub reason: String,
}

/// Counts over the inspected artifacts.
#[derive(Clone, Debug, Default, Serialize)]
pub struct InspectSummary {
    /// Artifacts analyzed.
    pub artifacts: usize,
    /// At `block`.
    pub block: usize,
    /// At `warn`.
    pub warn: usize,
    /// At `pass`.
    pub pass: usize,
    /// Not readable.
    pub unreadable: usize,
    /// Wall time in milliseconds.
    pub elapsed_ms: u64,
}

impl InspectReport {
    /// A report over `artifacts`, with counts filled in.
    pub fn new(
        tool: crate::Tool,
        artifacts: Vec<ArtifactReport>,
        unreadable: Vec<Unreadable>,
        elapsed_ms: u64,
    ) -> Self {
        let count = |v: Verdict| artifacts.iter().filter(|a| a.verdict == v).count();
        let summary = InspectSummary {
            artifacts: artifacts.len(),
            block: count(Verdict::Block),
            warn: count(Verdict::Warn),
            pass: count(Verdict::Pass),
            unreadable: unreadable.len(),
            elapsed_ms,
        };
        Self {
            schema_version: INSPECT_SCHEMA_VERSION,
            tool,
            artifacts,
            unreadable,
            summary,
        }
    }
}

/// Renders the report as pretty-printed JSON.
pub fn render_inspect_json(report: &InspectReport) -> String {
    let mut text = serde_json::to_string_pretty(report)
        .unwrap_or_else(|e| format!("{{\"error\": \"report could not be serialized: {e}\"}}"));
    text.push('\n');
    text
}

/// Renders the report as readable text.
pub fn render_inspect_table(report: &InspectReport, color: bool) -> String {
    let style = |s: Style| if color { s } else { Style::new() };
    let mut out = String::new();
    for a in &report.artifacts {
        let (label, s) = match a.verdict {
            Verdict::Block => ("BLOCK", style(Style::new().red().bold())),
            Verdict::Warn => ("WARN ", style(Style::new().yellow().bold())),
            Verdict::Pass => ("PASS ", style(Style::new().green())),
        };
        let name = match (&a.name, &a.version) {
            (Some(n), Some(v)) => format!(
                "{} {}",
                escape_control(n).into_owned(),
                escape_control(v).into_owned()
            ),
            (Some(n), None) => escape_control(n).into_owned(),
            _ => "(unknown package)".to_owned(),
        };
        let eco = a
            .ecosystem
            .map(|e| format!(" ({})", e.as_str()))
            .unwrap_or_default();
        out.push_str(&format!(
            "{}  {name}{eco}  score {}  {}\n",
            label.style(s),
            a.score,
            escape_control(&a.path).into_owned()
        ));
        for reason in &a.reasons {
            out.push_str(&format!("  - {}\n", escape_control(reason).into_owned()));
        }
        let notable: Vec<_> = a
            .findings
            .iter()
            .filter(|f| f.severity >= Severity::Low)
            .collect();
        if notable.len() > a.reasons.len() {
            out.push_str(&format!("  findings ({}):\n", notable.len()));
            for f in notable {
                let at = f.line.map(|l| format!(":{l}")).unwrap_or_default();
                out.push_str(&format!(
                    "    {:8} {:8} {} {}{at}  {}\n",
                    f.severity.as_str(),
                    f.stage.as_str(),
                    f.rule,
                    escape_control(&f.file).into_owned(),
                    escape_control(&f.message).into_owned()
                ));
            }
        }
        let automatic: Vec<_> = a
            .surface
            .iter()
            .filter(|e| e.stage.is_automatic())
            .collect();
        if !automatic.is_empty() {
            out.push_str("  runs by itself:\n");
            for e in automatic {
                out.push_str(&format!(
                    "    {:8} {}  {}\n",
                    e.stage.as_str(),
                    escape_control(&e.file).into_owned(),
                    escape_control(&e.trigger).into_owned()
                ));
            }
        }
        for e in &a.errors {
            out.push_str(&format!("  note: {}\n", escape_control(e).into_owned()));
        }
    }
    for u in &report.unreadable {
        out.push_str(&format!(
            "{}  {}: {}\n",
            "ERROR".style(style(Style::new().red())),
            escape_control(&u.path).into_owned(),
            escape_control(&u.reason).into_owned()
        ));
    }
    out.push_str(&inspect_summary_line(report));
    out.push('\n');
    out
}

/// One line summing up an inspection.
pub fn inspect_summary_line(report: &InspectReport) -> String {
    let s = &report.summary;
    let mut line = format!(
        "{} artifact{} inspected: {} block, {} warn, {} pass",
        s.artifacts,
        if s.artifacts == 1 { "" } else { "s" },
        s.block,
        s.warn,
        s.pass
    );
    if s.unreadable > 0 {
        line.push_str(&format!(", {} unreadable", s.unreadable));
    }
    line.push_str(&format!(" ({} ms)", s.elapsed_ms));
    line
}

/// Renders the report as a SARIF 2.1.0 log.
pub fn render_inspect_sarif(report: &InspectReport) -> String {
    let rules: Vec<Value> = catalog()
        .iter()
        .map(|r| {
            json!({
                "id": r.id,
                "name": r.title,
                "shortDescription": { "text": r.title },
                "help": { "text": r.doc(), "markdown": r.doc() },
                "properties": { "tags": ["security", "supply-chain", "behavior"] },
            })
        })
        .collect();
    let mut results = Vec::new();
    for a in &report.artifacts {
        for f in &a.findings {
            let level = match f.severity {
                Severity::Critical | Severity::High => "error",
                Severity::Medium => "warning",
                Severity::Low | Severity::Info => "note",
            };
            let mut region = serde_json::Map::new();
            if let Some(line) = f.line {
                region.insert("startLine".into(), json!(line));
            }
            let uri = if a.path.ends_with('/') || std::path::Path::new(&a.path).is_dir() {
                format!("{}/{}", a.path.trim_end_matches('/'), f.file)
            } else {
                a.path.clone()
            };
            let mut physical = json!({ "artifactLocation": { "uri": path_to_uri(&uri) } });
            if !region.is_empty() {
                physical["region"] = Value::Object(region);
            }
            results.push(json!({
                "ruleId": f.rule,
                "ruleIndex": catalog().iter().position(|r| r.id == f.rule),
                "level": level,
                "message": { "text": format!("{} ({}, runs at {}): {}", escape_control(&f.message).into_owned(), f.severity.as_str(), f.stage.as_str(), escape_control(&f.file).into_owned()) },
                "locations": [{
                    "physicalLocation": physical,
                    "logicalLocations": [{ "name": escape_control(&f.file).into_owned(), "kind": "module" }],
                }],
                "properties": { "stage": f.stage.as_str(), "severity": f.severity.as_str(), "file": f.file, "verdict": a.verdict.as_str() },
            }));
        }
    }
    let notifications: Vec<Value> = report
        .unreadable
        .iter()
        .map(|u| json!({ "level": "error", "message": { "text": format!("{}: {}", escape_control(&u.path).into_owned(), escape_control(&u.reason).into_owned()) } }))
        .collect();
    let log = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "shieldwall",
                "version": report.tool.version,
                "rules": rules,
            } },
            "results": results,
            "invocations": [{ "executionSuccessful": true, "toolExecutionNotifications": notifications }],
        }],
    });
    let mut text = serde_json::to_string_pretty(&log).unwrap_or_default();
    text.push('\n');
    text
}

/// The result of `shieldwall diff OLD NEW`.
#[derive(Clone, Debug, Serialize)]
pub struct DiffReport {
    /// [`INSPECT_SCHEMA_VERSION`].
    pub schema_version: u32,
    /// The tool that made the report.
    pub tool: crate::Tool,
    /// The old version's analysis.
    pub old: ArtifactReport,
    /// The new version's analysis.
    pub new: ArtifactReport,
    /// What the new version can do that the old could not.
    pub drift: shieldwall_analyze::diff::Drift,
}

/// Renders a diff as pretty-printed JSON.
pub fn render_diff_json(report: &DiffReport) -> String {
    let mut text = serde_json::to_string_pretty(report)
        .unwrap_or_else(|e| format!("{{\"error\": \"report could not be serialized: {e}\"}}"));
    text.push('\n');
    text
}

/// Renders a diff as readable text.
pub fn render_diff_table(report: &DiffReport, color: bool) -> String {
    let style = |s: Style| if color { s } else { Style::new() };
    let label = |a: &ArtifactReport| {
        let name = a
            .name
            .as_deref()
            .map(|n| escape_control(n).into_owned())
            .unwrap_or_else(|| "?".into());
        let version = a
            .version
            .as_deref()
            .map(|v| escape_control(v).into_owned())
            .unwrap_or_else(|| "?".into());
        format!("{name} {version} ({}, score {})", a.verdict, a.score)
    };
    let mut out = format!("{} -> {}\n", label(&report.old), label(&report.new));
    let drift = &report.drift;
    let (severity, s) = match drift.severity {
        Some(Severity::Critical) => ("critical", style(Style::new().red().bold())),
        Some(Severity::High) => ("high", style(Style::new().red())),
        Some(Severity::Medium) => ("medium", style(Style::new().yellow())),
        Some(Severity::Low) => ("low", style(Style::new())),
        Some(Severity::Info) | None => ("none", style(Style::new().green())),
    };
    out.push_str(&format!(
        "drift: {}  ({} -> {} files, {} -> {} bytes)\n",
        severity.style(s),
        drift.files.0,
        drift.files.1,
        drift.bytes.0,
        drift.bytes.1
    ));
    let version = report.new.version.as_deref().unwrap_or("the new version");
    for c in drift.changes.iter().filter(|c| c.severity > Severity::Info) {
        let at = match (c.file.is_empty(), c.line) {
            (true, _) => String::new(),
            (false, Some(l)) => format!(" in `{}:{l}`", escape_control(&c.file)),
            (false, None) => format!(" in `{}`", escape_control(&c.file)),
        };
        out.push_str(&format!(
            "  {:8} new in {}: {}{at}\n",
            c.severity.as_str(),
            escape_control(version),
            escape_control(&c.message)
        ));
    }
    if drift.changes.iter().all(|c| c.severity == Severity::Info) {
        out.push_str("  no new behavior\n");
    }
    out
}
