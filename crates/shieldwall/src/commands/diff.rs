//! `shieldwall diff OLD NEW`: behavior drift between two versions.

use anyhow::Context;
use shieldwall_analyze::diff::diff;
use shieldwall_analyze::{Artifact, Options, Severity, default_limits, inspect};
use shieldwall_report::Tool;
use shieldwall_report::inspect::{
    DiffReport, INSPECT_SCHEMA_VERSION, render_diff_json, render_diff_table,
};

use crate::cli::{DiffArgs, DiffFormat, DriftThreshold};
use crate::exit::{Exit, UsageError};
use crate::output;

pub(crate) fn run(args: &DiffArgs) -> anyhow::Result<Exit> {
    let open = |path: &std::path::Path| {
        Artifact::open(path, &default_limits()).map_err(|e| {
            UsageError::new(format!("cannot read `{}`: {e}", path.display()))
                .with_hint("pass two artifact files or package directories")
        })
    };
    let old = open(&args.old)?;
    let new = open(&args.new)?;
    for artifact in [&old, &new] {
        if let Some(error) = &artifact.error {
            output::warn(error);
        }
    }
    let options = Options::default();
    let drift = diff(&old, &new, &options);
    let report = DiffReport {
        schema_version: INSPECT_SCHEMA_VERSION,
        tool: Tool {
            name: "shieldwall".to_owned(),
            version: env!("CARGO_PKG_VERSION").to_owned(),
        },
        old: inspect(&old, &options),
        new: inspect(&new, &options),
        drift,
    };
    let text = match args.format {
        DiffFormat::Table => {
            render_diff_table(&report, args.output.is_none() && output::stdout_color())
        }
        DiffFormat::Json => render_diff_json(&report),
    };
    match &args.output {
        Some(path) => std::fs::write(path, text)
            .with_context(|| format!("cannot write the report to `{}`", path.display()))
            .map_err(|e| UsageError::new(format!("{e:#}")))?,
        None => output::print_stdout(&text)?,
    }
    let threshold = match args.fail_on {
        DriftThreshold::Low => Severity::Low,
        DriftThreshold::Medium => Severity::Medium,
        DriftThreshold::High => Severity::High,
        DriftThreshold::Critical => Severity::Critical,
        DriftThreshold::Never => return Ok(Exit::Clean),
    };
    Ok(if report.drift.severity.is_some_and(|s| s >= threshold) {
        Exit::Findings
    } else {
        Exit::Clean
    })
}
