//! The readable text report.

use std::fmt::Write;

use crate::model::HuntReport;
use crate::plan::kind_name;
use crate::render::{clean, summary_line};

const BOLD: &str = "\x1b[1m";
const RED: &str = "\x1b[1;31m";
const GREEN: &str = "\x1b[1;32m";
const RESET: &str = "\x1b[0m";

/// Renders the report as text; `color` adds ANSI colour to headings.
pub fn render_table(report: &HuntReport, color: bool) -> String {
    let paint = |style: &str, text: &str| {
        if color {
            format!("{style}{text}{RESET}")
        } else {
            text.to_owned()
        }
    };
    let mut out = String::new();
    let _ = writeln!(
        out,
        "hunted `{}` (homes: {})",
        clean(&report.root),
        if report.homes.is_empty() {
            "none".to_owned()
        } else {
            clean(&report.homes.join(", "))
        }
    );
    out.push('\n');
    if report.indicators.is_empty() {
        let _ = writeln!(out, "{}", paint(GREEN, "no indicators of compromise found"));
    } else {
        let _ = writeln!(
            out,
            "{}",
            paint(
                RED,
                &format!("indicators of compromise ({})", report.indicators.len())
            )
        );
        let rows: Vec<[String; 4]> = report
            .indicators
            .iter()
            .map(|h| {
                let kind = serde_json::to_value(h.kind)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default();
                let evidence = if h.dead_mans_switch {
                    format!("{} [dead-man's switch]", h.evidence)
                } else {
                    h.evidence.clone()
                };
                [
                    kind,
                    clean(&h.campaign),
                    clean(&h.subject),
                    clean(&evidence),
                ]
            })
            .collect();
        grid(&mut out, ["kind", "campaign", "where", "evidence"], &rows);
    }
    out.push('\n');
    let _ = writeln!(
        out,
        "{}",
        paint(
            BOLD,
            &format!(
                "exposure: credentials an infected process could read ({}; names only, never values)",
                report.exposure.len()
            )
        )
    );
    if report.exposure.is_empty() {
        let _ = writeln!(out, "  none found");
    } else {
        let rows: Vec<[String; 3]> = report
            .exposure
            .iter()
            .map(|e| {
                [
                    kind_name(e.kind).to_owned(),
                    clean(e.subject()),
                    clean(&e.detail),
                ]
            })
            .collect();
        grid(&mut out, ["kind", "where", "what"], &rows);
    }
    if !report.plan.is_empty() {
        out.push('\n');
        let _ = writeln!(out, "{}", paint(BOLD, "remediation plan (in this order)"));
        for step in &report.plan {
            let phase = serde_json::to_value(step.phase)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default();
            let _ = writeln!(out, "  {}. [{phase}] {}", step.order, step.action);
            let _ = writeln!(out, "     why: {}", step.why);
            for t in &step.targets {
                let _ = writeln!(out, "     - {}", clean(t));
            }
        }
    }
    if let Some(since) = &report.git_since {
        out.push('\n');
        let _ = writeln!(
            out,
            "{}",
            paint(
                BOLD,
                &format!(
                    "commits since {} touching dependency or CI files ({})",
                    clean(since),
                    report.commits.len()
                )
            )
        );
        for c in &report.commits {
            let _ = writeln!(
                out,
                "  {} {} {}",
                &c.hash[..c.hash.len().min(12)],
                clean(&c.time),
                clean(&c.subject)
            );
            let _ = writeln!(
                out,
                "     author: {}  committer: {}",
                clean(&c.author),
                clean(&c.committer)
            );
            let _ = writeln!(out, "     files: {}", clean(&c.files.join(", ")));
            for f in &c.flags {
                let _ = writeln!(out, "     {}", paint(RED, &format!("flag: {}", clean(f))));
            }
        }
    }
    if !report.unchecked.is_empty() {
        out.push('\n');
        let _ = writeln!(
            out,
            "{}",
            paint(
                BOLD,
                &format!(
                    "advisory indicators not checked ({})",
                    report.unchecked.len()
                )
            )
        );
        for u in &report.unchecked {
            let _ = writeln!(
                out,
                "  {} ({}): {}",
                clean(&u.indicator),
                clean(&u.campaign),
                clean(&u.reason)
            );
        }
    }
    out.push('\n');
    let _ = writeln!(
        out,
        "{}",
        paint(
            BOLD,
            &format!("could not read ({})", report.unreadable.len())
        )
    );
    for u in &report.unreadable {
        let _ = writeln!(out, "  {}: {}", clean(&u.path), clean(&u.error));
    }
    out.push('\n');
    let _ = writeln!(out, "{}", summary_line(report));
    out
}

/// Left-aligned columns, two spaces apart; the last column is not padded.
fn grid<const N: usize>(out: &mut String, header: [&str; N], rows: &[[String; N]]) {
    let mut widths = header.map(|h| h.chars().count());
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut line = |cells: Vec<&str>| {
        let mut text = String::from(" ");
        for (i, cell) in cells.iter().enumerate() {
            text.push(' ');
            text.push_str(cell);
            if i + 1 < N {
                let pad = widths[i] - cell.chars().count();
                text.push_str(&" ".repeat(pad + 1));
            }
        }
        let _ = writeln!(out, "{}", text.trim_end());
    };
    line(header.to_vec());
    for row in rows {
        line(row.iter().map(String::as_str).collect());
    }
}
