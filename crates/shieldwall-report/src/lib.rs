//! The scan report model and its renderers: a readable table, JSON (a
//! versioned contract for scripts), SARIF 2.1.0 for code-scanning
//! dashboards, and Markdown for incident write-ups.
//!
//! Renderers return strings; printing is the CLI's job. Every renderer
//! escapes control characters in names, versions and paths, so a crafted
//! lockfile cannot inject terminal escapes or CI workflow commands.

pub mod inspect;
mod markdown;
mod model;
mod sanitize;
mod sarif;
mod table;

pub use markdown::render_markdown;
pub use model::{
    AdvisoryDbInfo, AdvisoryRef, Finding, NotCovered, NotCoveredKind, SCHEMA_VERSION, ScanReport,
    Severity, Summary, Tool,
};
pub use sarif::render_sarif;
pub use table::render_table;

/// Renders the report as pretty-printed JSON.
pub fn render_json(report: &ScanReport) -> String {
    let mut text = serde_json::to_string_pretty(report)
        .unwrap_or_else(|e| format!("{{\"error\": \"report could not be serialized: {e}\"}}"));
    text.push('\n');
    text
}

/// One line summing up a scan: files read by kind, packages checked, and
/// what was found and not covered.
pub fn summary_line(report: &ScanReport) -> String {
    let s = &report.summary;
    let kinds = s
        .files_read
        .iter()
        .map(|(kind, n)| format!("{n} {kind}"))
        .collect::<Vec<_>>()
        .join(", ");
    let kinds = if kinds.is_empty() {
        String::new()
    } else {
        format!(" ({kinds})")
    };
    format!(
        "read {} files{kinds}, checked {} packages in {:.2} s: {} affected, {} {}, {} not covered",
        report.files_read(),
        s.packages_checked,
        s.duration_ms as f64 / 1000.0,
        s.affected,
        s.warnings,
        if s.warnings == 1 {
            "warning"
        } else {
            "warnings"
        },
        s.not_covered,
    )
}
