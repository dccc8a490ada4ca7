//! `shieldwall hunt`: indicators of compromise on a host, the credentials
//! an infected process could read, and a safe remediation order.

use std::sync::Arc;

use anyhow::Context;
use shieldwall_advisory::AdvisoryDb;
use shieldwall_hunt::render::{render_json, render_markdown, render_table, summary_line};
use shieldwall_hunt::{Catalog, HuntError, Options, hunt};

use crate::cli::{HuntArgs, HuntFormat};
use crate::commands::db::open_db;
use crate::exit::{Exit, UsageError};
use crate::output;

pub(crate) fn run(args: &HuntArgs) -> anyhow::Result<Exit> {
    let mut catalog = Catalog::builtin();
    for file in &args.indicators {
        catalog.extend_from_file(file).map_err(|e| {
            UsageError::new(e.to_string()).with_hint(
                "each `[[indicator]]` needs `campaign`, `kind`, `pattern` and `why`; see README.md, `shieldwall hunt`",
            )
        })?;
    }
    let since = args.since.as_deref().map(time_arg).transpose()?;
    for repo in &args.repos {
        if !repo.is_dir() {
            return Err(
                UsageError::new(format!("`{}` is not a directory", repo.display()))
                    .with_hint("`--repos` takes the path of a git checkout")
                    .into(),
            );
        }
    }
    let db = if args.builtin_only {
        AdvisoryDb::builtin()
    } else {
        open_db(args.db_dir.as_deref())?
    };
    let options = Options {
        root: args.root.clone(),
        homes: args.home.clone(),
        catalog,
        repos: args.repos.clone(),
        since,
        db: Some(Arc::new(db)),
    };
    let report = hunt(&options).map_err(|e| match e {
        HuntError::BadRoot(_) => anyhow::Error::new(
            UsageError::new(e.to_string())
                .with_hint("`--root` takes the directory to hunt, `/` for this host"),
        ),
        HuntError::BadHome(_) => anyhow::Error::new(
            UsageError::new(e.to_string())
                .with_hint("`--home` takes a path inside the root, such as `/home/alice`"),
        ),
        HuntError::Git { .. } => anyhow::Error::new(
            UsageError::new(e.to_string()).with_hint("`--repos` takes the path of a git checkout"),
        ),
        other => anyhow::Error::new(UsageError::new(other.to_string())),
    })?;
    let text = match args.format {
        HuntFormat::Table => render_table(&report, args.output.is_none() && output::stdout_color()),
        HuntFormat::Json => render_json(&report),
        HuntFormat::Markdown => render_markdown(&report),
    };
    match &args.output {
        Some(path) => {
            std::fs::write(path, text)
                .with_context(|| format!("cannot write the report to `{}`", path.display()))
                .map_err(|e| UsageError::new(format!("{e:#}")))?;
            eprintln_summary(&summary_line(&report));
        }
        None => output::print_stdout(&text)?,
    }
    Ok(if report.compromised() {
        Exit::Findings
    } else {
        Exit::Clean
    })
}

fn eprintln_summary(line: &str) {
    use std::io::Write;
    let _ = writeln!(anstream::stderr(), "{line}");
}

/// A time (RFC 3339) or a duration ago (`72h`), as RFC 3339.
fn time_arg(text: &str) -> anyhow::Result<String> {
    if let Ok(t) = text.parse::<jiff::Timestamp>() {
        return Ok(t.to_string());
    }
    if let Ok(date) = text.parse::<jiff::civil::Date>()
        && let Ok(t) = date.to_zoned(jiff::tz::TimeZone::UTC)
    {
        return Ok(t.timestamp().to_string());
    }
    let ago = shieldwall_gate::config::parse_duration(text).map_err(|e| {
        UsageError::new(format!(
            "`{text}` is neither a time (RFC 3339) nor a duration: {e}"
        ))
        .with_hint("use `2026-05-11T19:00:00Z`, `2026-05-11` or `72h`")
    })?;
    let signed = jiff::SignedDuration::try_from(ago).unwrap_or_default();
    Ok((jiff::Timestamp::now() - signed).to_string())
}
