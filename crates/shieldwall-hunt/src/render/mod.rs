//! Renderers: a readable table, JSON (a versioned contract) and Markdown.
//! They return strings; printing is the CLI's job. Every string from the
//! hunted tree is stripped of control characters, so a crafted file name
//! cannot inject terminal escapes.

mod markdown;
mod table;

pub use markdown::render_markdown;
pub use table::render_table;

use crate::model::HuntReport;

/// Renders the report as pretty-printed JSON.
pub fn render_json(report: &HuntReport) -> String {
    let mut text = serde_json::to_string_pretty(report)
        .unwrap_or_else(|e| format!("{{\"error\": \"report could not be serialized: {e}\"}}"));
    text.push('\n');
    text
}

/// One line summing up a hunt.
pub fn summary_line(report: &HuntReport) -> String {
    format!(
        "{} indicator{}, {} exposed credential{}, {} commit{} in the window, {} unreadable path{} ({} ms)",
        report.indicators.len(),
        s(report.indicators.len()),
        report.exposure.len(),
        s(report.exposure.len()),
        report.commits.len(),
        s(report.commits.len()),
        report.unreadable.len(),
        s(report.unreadable.len()),
        report.elapsed_ms
    )
}

fn s(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// Replaces control characters with `?`.
pub(crate) fn clean(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { '?' } else { c })
        .collect()
}
