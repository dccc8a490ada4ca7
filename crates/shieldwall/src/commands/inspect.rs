//! `shieldwall inspect`: the analyzer's verdict on artifacts.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use rayon::prelude::*;
use shieldwall_analyze::{Artifact, ArtifactReport, Options, Verdict, default_limits, inspect};
use shieldwall_report::Tool;
use shieldwall_report::inspect::{
    InspectReport, Unreadable, inspect_summary_line, render_inspect_json, render_inspect_sarif,
    render_inspect_table,
};

use crate::cli::{InspectArgs, InspectFormat, VerdictThreshold};
use crate::config;
use crate::exit::{Exit, UsageError};
use crate::output;

/// File names of artifacts inside a directory of artifacts.
const ARCHIVE_SUFFIXES: &[&str] = &[
    ".whl", ".egg", ".zip", ".tar.gz", ".tgz", ".tar.bz2", ".tar.zst", ".tar",
];

/// Files whose presence makes a directory a package root.
const PACKAGE_MARKERS: &[&str] = &[
    "package.json",
    "setup.py",
    "pyproject.toml",
    "setup.cfg",
    "PKG-INFO",
];

pub(crate) fn run(args: &InspectArgs) -> anyhow::Result<Exit> {
    let started = Instant::now();
    let config = config::load(args.config.as_deref())?;
    let options = Options {
        thresholds: config.inspect,
        ..Options::default()
    };
    if options.thresholds.warn > options.thresholds.block {
        return Err(UsageError::new(format!(
            "invalid `[inspect]` thresholds: `warn` ({}) is above `block` ({})",
            options.thresholds.warn, options.thresholds.block
        ))
        .into());
    }
    let mut targets = Vec::new();
    for path in &args.paths {
        let meta = std::fs::metadata(path).map_err(|e| {
            UsageError::new(format!("cannot inspect `{}`: {e}", path.display()))
                .with_hint("pass an artifact file or a directory")
        })?;
        if meta.is_dir() && !is_package_root(path) {
            // A directory of artifacts, or else a package without a manifest.
            let before = targets.len();
            collect_archives(path, &mut targets);
            if targets.len() == before {
                targets.push(path.clone());
            }
        } else {
            targets.push(path.clone());
        }
    }
    let bar = progress_bar(args, targets.len());
    let one = |path: &PathBuf| {
        let result = Artifact::open(path, &default_limits())
            .map(|artifact| inspect(&artifact, &options))
            .map_err(|e| Unreadable {
                path: path.display().to_string(),
                reason: e.to_string(),
            });
        if let Some(bar) = &bar {
            bar.inc(1);
        }
        result
    };
    // One artifact or one thread: no worker threads to start and hand
    // the work to (a per-artifact process pays for them otherwise).
    let results: Vec<Result<ArtifactReport, Unreadable>> =
        if targets.len() == 1 || args.threads == 1 {
            targets.iter().map(one).collect()
        } else {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(args.threads)
                .build()
                .context("starting worker threads")?;
            pool.install(|| targets.par_iter().map(one).collect())
        };
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    let mut artifacts = Vec::new();
    let mut unreadable = Vec::new();
    for result in results {
        match result {
            Ok(report) => artifacts.push(report),
            Err(u) => {
                output::warn(&u.reason);
                unreadable.push(u);
            }
        }
    }
    let tool = Tool {
        name: "shieldwall".to_owned(),
        version: env!("CARGO_PKG_VERSION").to_owned(),
    };
    let report = InspectReport::new(
        tool,
        artifacts,
        unreadable,
        started.elapsed().as_millis() as u64,
    );
    let text = match args.format {
        InspectFormat::Table => {
            render_inspect_table(&report, args.output.is_none() && output::stdout_color())
        }
        InspectFormat::Json => render_inspect_json(&report),
        InspectFormat::Sarif => render_inspect_sarif(&report),
    };
    match &args.output {
        Some(path) => {
            std::fs::write(path, text)
                .with_context(|| format!("cannot write the report to `{}`", path.display()))
                .map_err(|e| UsageError::new(format!("{e:#}")))?;
            eprintln!("{}", inspect_summary_line(&report));
        }
        None => output::print_stdout(&text)?,
    }
    if !report.unreadable.is_empty() {
        return Ok(Exit::Usage);
    }
    let threshold = match args.fail_on {
        VerdictThreshold::Warn => Verdict::Warn,
        VerdictThreshold::Block => Verdict::Block,
        VerdictThreshold::Never => return Ok(Exit::Clean),
    };
    Ok(if report.artifacts.iter().any(|a| a.verdict >= threshold) {
        Exit::Findings
    } else {
        Exit::Clean
    })
}

fn is_package_root(dir: &Path) -> bool {
    PACKAGE_MARKERS.iter().any(|m| dir.join(m).is_file())
}

/// Archive files under `dir`, sorted, not following symbolic links.
fn collect_archives(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut found: Vec<PathBuf> = walk(dir)
        .into_iter()
        .filter(|p| {
            let name = p
                .file_name()
                .map(|n| n.to_string_lossy().to_ascii_lowercase())
                .unwrap_or_default();
            ARCHIVE_SUFFIXES.iter().any(|s| name.ends_with(s))
        })
        .collect();
    found.sort();
    out.extend(found);
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            output::warn(&format!("cannot read directory `{}`", dir.display()));
            continue;
        };
        for entry in entries.flatten() {
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            if kind.is_dir() {
                stack.push(entry.path());
            } else if kind.is_file() {
                files.push(entry.path());
            }
        }
    }
    files
}

fn progress_bar(args: &InspectArgs, total: usize) -> Option<ProgressBar> {
    if args.no_progress || total < 2 || !output::stderr_is_terminal() {
        return None;
    }
    let bar = ProgressBar::new(total as u64);
    bar.set_style(
        ProgressStyle::with_template("{bar:30} {pos}/{len} artifacts inspected ({elapsed})")
            .ok()?,
    );
    Some(bar)
}
