//! The default, human-readable report.

use std::fmt::Write;

use owo_colors::{OwoColorize, Style};
use shieldwall_core::{EvidenceKind, Location};

use crate::sanitize::escape_control;
use crate::{ScanReport, Severity, summary_line};

/// Renders the report for a terminal. With `color` false the output is
/// plain text that reads the same.
pub fn render_table(report: &ScanReport, color: bool) -> String {
    let paint = |text: &str, style: Style| {
        if color {
            text.style(style).to_string()
        } else {
            text.to_owned()
        }
    };
    let mut out = String::new();
    for finding in &report.findings {
        let style = match finding.severity {
            Severity::Critical => Style::new().red().bold(),
            Severity::High => Style::new().red(),
            Severity::Warning => Style::new().yellow(),
        };
        let _ = writeln!(
            out,
            "{}  {} {} {}  {}",
            paint(&finding.severity.as_str().to_uppercase(), style),
            finding.ecosystem,
            paint(&escape_control(&finding.name), Style::new().bold()),
            escape_control(&finding.version),
            finding.advisories.join(", "),
        );
        for advisory in &finding.advisory_details {
            let kind = if advisory.malicious {
                "malicious"
            } else {
                "vulnerable"
            };
            let date = advisory
                .published
                .as_deref()
                .map(|d| format!(", {d}"))
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "  {kind}: {} ({}{date})",
                escape_control(&advisory.summary),
                escape_control(&advisory.source)
            );
        }
        let _ = writeln!(out, "  found in:");
        for location in &finding.locations {
            let _ = writeln!(out, "    {}", describe_location(location));
        }
        let _ = writeln!(
            out,
            "  {} {}",
            paint("do:", Style::new().bold()),
            finding.remediation
        );
        out.push('\n');
    }
    if !report.not_covered.is_empty() {
        let _ = writeln!(out, "{}", paint("not covered:", Style::new().bold()));
        for item in &report.not_covered {
            let line = item.line.map(|l| format!(":{l}")).unwrap_or_default();
            let _ = writeln!(
                out,
                "  {}{line}  {}",
                escape_control(&item.path),
                escape_control(&item.reason)
            );
        }
        out.push('\n');
    }
    if report.findings.is_empty() {
        let _ = writeln!(
            out,
            "{}",
            paint("no known-bad package versions found", Style::new().green())
        );
    }
    let _ = writeln!(out, "{}", summary_line(report));
    out
}

/// `path:line  kind  hash  (note)` for one location.
pub(crate) fn describe_location(location: &Location) -> String {
    let mut text = escape_control(&location.path).into_owned();
    if let Some(line) = location.line {
        let _ = write!(text, ":{line}");
    }
    let _ = write!(text, "  {}", location.kind);
    if let Some(layer) = &location.layer {
        let _ = write!(
            text,
            " (layer {} {}",
            layer.index,
            escape_control(&layer.digest)
        );
        if layer.evidence != EvidenceKind::ImageLayer {
            let _ = write!(text, ", {}", layer.evidence);
        }
        if let Some(deleted) = layer.deleted_in {
            let _ = write!(text, ", deleted in layer {deleted}");
        }
        text.push(')');
    }
    if let Some(hash) = &location.hash {
        let _ = write!(text, "  {}", escape_control(hash));
    }
    if let Some(note) = &location.note {
        let _ = write!(text, "  ({})", escape_control(note));
    }
    text
}
