//! The Markdown report, for incident write-ups.

use std::fmt::Write;

use crate::model::HuntReport;
use crate::plan::kind_name;
use crate::render::{clean, summary_line};

/// Escapes a table cell.
fn cell(text: &str) -> String {
    clean(text).replace('|', "\\|").replace('`', "'")
}

/// Renders the report as Markdown.
pub fn render_markdown(report: &HuntReport) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# shieldwall hunt: `{}`\n", cell(&report.root));
    let _ = writeln!(out, "{}\n", summary_line(report));
    let _ = writeln!(out, "## Indicators of compromise\n");
    if report.indicators.is_empty() {
        let _ = writeln!(out, "None found.\n");
    } else {
        let _ = writeln!(
            out,
            "| kind | campaign | where | evidence | why |\n|---|---|---|---|---|"
        );
        for h in &report.indicators {
            let kind = serde_json::to_value(h.kind)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default();
            let dms = if h.dead_mans_switch {
                " **(dead-man's switch)**"
            } else {
                ""
            };
            let _ = writeln!(
                out,
                "| {kind} | {} | `{}` | {}{dms} | {} |",
                cell(&h.campaign),
                cell(&h.subject),
                cell(&h.evidence),
                cell(&h.why)
            );
        }
        out.push('\n');
    }
    let _ = writeln!(
        out,
        "## Exposure\n\nCredential material an infected process running as this user could read, by name, path and kind only.\n"
    );
    if report.exposure.is_empty() {
        let _ = writeln!(out, "None found.\n");
    } else {
        let _ = writeln!(out, "| kind | where | what |\n|---|---|---|");
        for e in &report.exposure {
            let _ = writeln!(
                out,
                "| {} | `{}` | {} |",
                kind_name(e.kind),
                cell(e.subject()),
                cell(&e.detail)
            );
        }
        out.push('\n');
    }
    if !report.plan.is_empty() {
        let _ = writeln!(out, "## Remediation plan\n");
        for step in &report.plan {
            let phase = serde_json::to_value(step.phase)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "{}. **{phase}**: {} — {}",
                step.order,
                clean(&step.action),
                clean(&step.why)
            );
            for t in &step.targets {
                let _ = writeln!(out, "   - `{}`", cell(t));
            }
        }
        out.push('\n');
    }
    if let Some(since) = &report.git_since {
        let _ = writeln!(
            out,
            "## Commits since {} touching dependency or CI files\n",
            cell(since)
        );
        if report.commits.is_empty() {
            let _ = writeln!(out, "None.\n");
        } else {
            let _ = writeln!(
                out,
                "| commit | time | author | committer | files | flags |\n|---|---|---|---|---|---|"
            );
            for c in &report.commits {
                let _ = writeln!(
                    out,
                    "| `{}` | {} | {} | {} | {} | {} |",
                    &c.hash[..c.hash.len().min(12)],
                    cell(&c.time),
                    cell(&c.author),
                    cell(&c.committer),
                    cell(&c.files.join(", ")),
                    cell(&c.flags.join("; "))
                );
            }
            out.push('\n');
        }
    }
    if !report.unchecked.is_empty() {
        let _ = writeln!(out, "## Advisory indicators not checked\n");
        for u in &report.unchecked {
            let _ = writeln!(
                out,
                "- `{}` ({}): {}",
                cell(&u.indicator),
                cell(&u.campaign),
                cell(&u.reason)
            );
        }
        out.push('\n');
    }
    let _ = writeln!(out, "## Could not read\n");
    if report.unreadable.is_empty() {
        let _ = writeln!(out, "Nothing: every path was read.");
    } else {
        for u in &report.unreadable {
            let _ = writeln!(out, "- `{}`: {}", cell(&u.path), cell(&u.error));
        }
    }
    out
}
