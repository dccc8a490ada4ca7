//! A Markdown report for incident write-ups and tickets.

use std::fmt::Write;

use crate::sanitize::escape_markdown;
use crate::{ScanReport, summary_line};

/// Renders the report as a Markdown document.
pub fn render_markdown(report: &ScanReport) -> String {
    let mut out = String::from("# shieldwall scan report\n\n");
    let roots = report
        .summary
        .roots
        .iter()
        .map(|r| format!("`{}`", escape_markdown(r)))
        .collect::<Vec<_>>()
        .join(", ");
    let _ = writeln!(out, "- scanned: {roots}");
    let _ = writeln!(
        out,
        "- advisory data: {} advisories from {}{}",
        report.advisory_db.advisories,
        report.advisory_db.sources.join(", "),
        report
            .advisory_db
            .snapshot
            .as_deref()
            .map(|s| format!(" (as of {s})"))
            .unwrap_or_default()
    );
    let _ = writeln!(out, "- result: {}\n", summary_line(report));

    if report.findings.is_empty() {
        out.push_str("No known-bad package versions were found.\n\n");
    } else {
        out.push_str("## Findings\n\n| severity | ecosystem | package | version | advisories | locations |\n|---|---|---|---|---|---|\n");
        for f in &report.findings {
            let _ = writeln!(
                out,
                "| {} | {} | `{}` | `{}` | {} | {} |",
                f.severity.as_str(),
                f.ecosystem,
                escape_markdown(&f.name),
                escape_markdown(&f.version),
                f.advisories.join(", "),
                f.locations.len()
            );
        }
        out.push('\n');
        for f in &report.findings {
            let _ = writeln!(
                out,
                "### `{}` {} ({})\n",
                escape_markdown(&f.name),
                escape_markdown(&f.version),
                f.severity.as_str()
            );
            for a in &f.advisory_details {
                let _ = writeln!(
                    out,
                    "- **{}**{}: {} (source: {}{})",
                    a.id,
                    if a.malicious { " (malicious)" } else { "" },
                    escape_markdown(&a.summary),
                    escape_markdown(&a.source),
                    a.published
                        .as_deref()
                        .map(|p| format!(", {p}"))
                        .unwrap_or_default()
                );
            }
            out.push_str("\n| location | line | kind | hash | note |\n|---|---|---|---|---|\n");
            for l in &f.locations {
                let _ = writeln!(
                    out,
                    "| `{}` | {} | {} | {} | {} |",
                    escape_markdown(&l.path),
                    l.line.map(|n| n.to_string()).unwrap_or_default(),
                    l.layer
                        .as_ref()
                        .map(|layer| format!("{} (layer {})", l.kind, layer.index))
                        .unwrap_or_else(|| l.kind.to_string()),
                    l.hash
                        .as_deref()
                        .map(|h| format!("`{}`", escape_markdown(h)))
                        .unwrap_or_default(),
                    l.note.as_deref().map(escape_markdown).unwrap_or_default()
                );
            }
            let _ = writeln!(out, "\n**What to do:** {}\n", f.remediation);
        }
    }
    if !report.not_covered.is_empty() {
        out.push_str("## Not covered\n\n| path | line | kind | reason |\n|---|---|---|---|\n");
        for n in &report.not_covered {
            let _ = writeln!(
                out,
                "| `{}` | {} | {} | {} |",
                escape_markdown(&n.path),
                n.line.map(|l| l.to_string()).unwrap_or_default(),
                n.kind.as_str(),
                escape_markdown(&n.reason)
            );
        }
        out.push('\n');
    }
    out
}
