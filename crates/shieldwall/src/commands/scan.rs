//! `shieldwall scan`.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use shieldwall_advisory::AdvisoryDb;
use shieldwall_inventory::{WalkEvent, WalkOptions, walk};
use shieldwall_report::{
    AdvisoryDbInfo, NotCovered, NotCoveredKind, SCHEMA_VERSION, ScanReport, Severity, Tool,
    render_json, render_markdown, render_sarif, render_table, summary_line,
};

use crate::cli::{FailOn, ScanArgs, ScanFormat};
use crate::commands::db::open_db;
use crate::exit::{Exit, UsageError};
use crate::host::host_roots;
use crate::output;
use crate::scan::Collector;

pub(crate) fn run(args: &ScanArgs) -> anyhow::Result<Exit> {
    let started = Instant::now();
    let db = if args.builtin_only {
        AdvisoryDb::builtin()
    } else {
        open_db(args.db_dir.as_deref())?
    };

    let mut roots: Vec<PathBuf> = args.paths.clone();
    let mut not_covered = Vec::new();
    if args.host {
        if !args.host_root.is_dir() {
            return Err(UsageError::new(format!(
                "cannot sweep `{}`: not a directory",
                args.host_root.display()
            ))
            .into());
        }
        let host = host_roots(&args.host_root);
        roots.extend(host.roots);
        not_covered.extend(
            host.unreadable
                .into_iter()
                .map(|(path, reason)| NotCovered {
                    path: path.display().to_string(),
                    line: None,
                    kind: NotCoveredKind::Unreadable,
                    reason,
                }),
        );
    } else if roots.is_empty() {
        roots.push(PathBuf::from("."));
    }
    for root in &roots {
        if let Err(e) = std::fs::symlink_metadata(root) {
            return Err(
                UsageError::new(format!("cannot scan `{}`: {e}", root.display()))
                    .with_hint("pass an existing file or directory")
                    .into(),
            );
        }
    }

    let collector = Collector::new(&db);
    let progress = progress_bar(args);
    let options = WalkOptions {
        max_file_size: args.max_file_size.saturating_mul(1 << 20),
        threads: args.threads,
        exclude: args.exclude.clone(),
    };
    let sink = |event: WalkEvent| {
        collector.accept(event);
        if let Some(bar) = &progress {
            bar.set_message(format!(
                "{} files, {} packages checked",
                collector.files_seen(),
                collector.packages_checked()
            ));
        }
    };
    walk(&roots, &options, &sink).map_err(|e| UsageError::new(e.to_string()))?;
    if let Some(bar) = progress {
        bar.finish_and_clear();
    }

    let duration_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    let root_names = roots.iter().map(|r| r.display().to_string()).collect();
    let (findings, mut walked_not_covered, mut summary) = collector.finish(root_names, duration_ms);
    not_covered.append(&mut walked_not_covered);
    summary.not_covered = not_covered.len();
    let status = db.status();
    let report = ScanReport {
        schema_version: SCHEMA_VERSION,
        tool: Tool {
            name: "shieldwall".into(),
            version: env!("CARGO_PKG_VERSION").into(),
        },
        advisory_db: AdvisoryDbInfo {
            advisories: usize::try_from(status.total).unwrap_or(usize::MAX),
            sources: status.sources.iter().map(|s| s.source.clone()).collect(),
            snapshot: status
                .sources
                .iter()
                .filter_map(|s| s.snapshot.clone())
                .max(),
        },
        findings,
        not_covered,
        summary,
    };

    let text = match args.format {
        ScanFormat::Table => render_table(&report, args.output.is_none() && output::stdout_color()),
        ScanFormat::Json => render_json(&report),
        ScanFormat::Sarif => render_sarif(&report),
        ScanFormat::Markdown => render_markdown(&report),
    };
    match &args.output {
        Some(path) => {
            std::fs::write(path, text)
                .with_context(|| format!("cannot write the report to `{}`", path.display()))
                .map_err(|e| UsageError::new(format!("{e:#}")))?;
            eprintln!("{}", summary_line(&report));
        }
        None => output::print_stdout(&text)?,
    }
    Ok(exit_for(&report, args.fail_on))
}

fn exit_for(report: &ScanReport, fail_on: FailOn) -> Exit {
    let threshold = match fail_on {
        FailOn::Warning => Severity::Warning,
        FailOn::High => Severity::High,
        FailOn::Critical => Severity::Critical,
        FailOn::Never => return Exit::Clean,
    };
    match report.worst() {
        Some(worst) if worst >= threshold => Exit::Findings,
        _ => Exit::Clean,
    }
}

fn progress_bar(args: &ScanArgs) -> Option<Arc<ProgressBar>> {
    if args.no_progress || !output::stderr_is_terminal() {
        return None;
    }
    let bar = ProgressBar::new_spinner();
    bar.set_style(ProgressStyle::with_template("{spinner} scanning: {msg} ({elapsed})").ok()?);
    bar.enable_steady_tick(Duration::from_millis(120));
    Some(Arc::new(bar))
}
