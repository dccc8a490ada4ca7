//! `shieldwall db`: import, status, update.

use std::io::Read;
use std::path::{Path, PathBuf};

use anyhow::Context;
use shieldwall_advisory::{AdvisoryDb, DbStatus, ImportReport, default_store_dir, import};

use crate::cli::{DbArgs, DbCommand, StatusFormat};
use crate::config;
use crate::exit::{Exit, UsageError};
use crate::output;

pub(crate) fn run(args: &DbArgs) -> anyhow::Result<Exit> {
    match &args.command {
        DbCommand::Import { path } => import_path(path, &store_dir(args.db_dir.as_deref())?),
        DbCommand::Status { format } => status(args.db_dir.as_deref(), *format),
        DbCommand::Update { url, config } => {
            update(args.db_dir.as_deref(), url.as_deref(), config.as_deref())
        }
    }
}

/// The advisory store: `--db-dir`, else `SHIELDWALL_CACHE_DIR`, else the XDG
/// cache directory.
pub(crate) fn store_dir(explicit: Option<&Path>) -> anyhow::Result<PathBuf> {
    explicit
        .map(Path::to_path_buf)
        .or_else(default_store_dir)
        .ok_or_else(|| {
            UsageError::new("cannot find a cache directory for the advisory database")
                .with_hint("pass `--db-dir DIR` or set `SHIELDWALL_CACHE_DIR`")
                .into()
        })
}

/// The built-in feed plus everything imported into the store.
pub(crate) fn open_db(explicit: Option<&Path>) -> anyhow::Result<AdvisoryDb> {
    let dir = store_dir(explicit)?;
    AdvisoryDb::open(&dir).map_err(|e| {
        UsageError::new(format!("cannot load the advisory database: {e}"))
            .with_hint(format!(
                "re-import your advisories, or remove `{}` to use the built-in feed only",
                dir.display()
            ))
            .into()
    })
}

fn import_path(path: &Path, store: &Path) -> anyhow::Result<Exit> {
    if !path.exists() {
        return Err(UsageError::new(format!(
            "cannot import `{}`: no such file or directory",
            path.display()
        ))
        .into());
    }
    let report = import(path, store).map_err(|e| UsageError::new(format!("import failed: {e}")))?;
    for problem in &report.file_errors {
        output::warn(&format!("{}: {}", problem.file, problem.message));
    }
    output::print_stdout(&render_import(&report))?;
    Ok(Exit::Clean)
}

fn status(explicit: Option<&Path>, format: StatusFormat) -> anyhow::Result<Exit> {
    let db = open_db(explicit)?;
    let status = db.status();
    let text = match format {
        StatusFormat::Json => {
            let mut text =
                serde_json::to_string_pretty(&status).context("serializing the status")?;
            text.push('\n');
            text
        }
        StatusFormat::Table => render_status(&status),
    };
    output::print_stdout(&text)?;
    Ok(Exit::Clean)
}

fn update(
    explicit: Option<&Path>,
    url: Option<&str>,
    config_file: Option<&Path>,
) -> anyhow::Result<Exit> {
    let config = config::load(config_file)?;
    let url = url
        .map(str::to_owned)
        .or(config.advisory.update_url)
        .ok_or_else(|| {
            UsageError::new("no advisory update URL is configured").with_hint(
                "set `update_url` under `[advisory]` in shieldwall.toml, or pass `--url`; \
             a mirror of an OSV ecosystem `all.zip` works",
            )
        })?;
    let store = store_dir(explicit)?;
    eprintln!("downloading {url}");
    let mut response = ureq::get(&url)
        .call()
        .map_err(|e| UsageError::new(format!("cannot download `{url}`: {e}")))?;
    let mut bytes = Vec::new();
    response
        .body_mut()
        .as_reader()
        .read_to_end(&mut bytes)
        .map_err(|e| UsageError::new(format!("cannot download `{url}`: {e}")))?;
    let download = download_path(&store, &url)?;
    std::fs::write(&download, &bytes)
        .with_context(|| format!("writing `{}`", download.display()))?;
    eprintln!(
        "downloaded {} bytes to `{}`",
        bytes.len(),
        download.display()
    );
    import_path(&download, &store)
}

/// Where the download of `url` is kept: one file per URL, so the next
/// update of the same URL replaces the same import source.
fn download_path(store: &Path, url: &str) -> anyhow::Result<PathBuf> {
    let dir = store.join("downloads");
    std::fs::create_dir_all(&dir).with_context(|| format!("creating `{}`", dir.display()))?;
    let name: String = url
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    Ok(dir.join(name))
}
fn render_import(report: &ImportReport) -> String {
    let mut out = format!(
        "imported {} advisories ({} malicious, {} withdrawn) from {} files of `{}`{}\n",
        report.advisories,
        report.malicious,
        report.withdrawn,
        report.files,
        report.source,
        if report.replaced {
            ", replacing the earlier import"
        } else {
            ""
        },
    );
    if let Some(snapshot) = &report.snapshot {
        out.push_str(&format!("  data as of {snapshot}\n"));
    }
    for (ecosystem, counts) in &report.by_ecosystem {
        out.push_str(&format!(
            "  {ecosystem}: {} advisories, {} listed versions\n",
            counts.advisories, counts.versions
        ));
    }
    if report.skipped_empty_id > 0 {
        out.push_str(&format!(
            "  skipped {} records without an id\n",
            report.skipped_empty_id
        ));
    }
    if report.duplicates > 0 {
        out.push_str(&format!(
            "  skipped {} duplicate records\n",
            report.duplicates
        ));
    }
    for (ecosystem, n) in &report.unknown_ecosystems {
        out.push_str(&format!(
            "  kept but not matched: {n} `{ecosystem}` entries\n"
        ));
    }
    for invalid in &report.invalid_versions {
        out.push_str(&format!(
            "  not a valid version, left out of matching: `{}` in {} of {} {} ({})\n",
            invalid.version, invalid.field, invalid.ecosystem, invalid.package, invalid.advisory
        ));
    }
    if !report.file_errors.is_empty() {
        out.push_str(&format!(
            "  {} files could not be read (see warnings above)\n",
            report.file_errors.len()
        ));
    }
    out
}

fn render_status(status: &DbStatus) -> String {
    let mut out = format!(
        "{} advisories ({} malicious, {} withdrawn) from {} sources\n\nby ecosystem:\n",
        status.total,
        status.malicious,
        status.withdrawn,
        status.sources.len()
    );
    for (ecosystem, counts) in &status.by_ecosystem {
        out.push_str(&format!(
            "  {ecosystem:<12} {:>7} advisories {:>7} versions{}\n",
            counts.advisories,
            counts.versions,
            if counts.matched {
                ""
            } else {
                "  (kept, not matched by scan)"
            }
        ));
    }
    out.push_str("\nby source:\n");
    for source in &status.sources {
        let when = match (&source.imported_at, &source.snapshot) {
            (Some(at), Some(snap)) => format!("imported {at}, data as of {snap}"),
            (Some(at), None) => format!("imported {at}"),
            (None, Some(snap)) => format!("built in, data as of {snap}"),
            (None, None) => "built in".to_owned(),
        };
        out.push_str(&format!(
            "  {}  {} advisories  ({when})\n",
            source.source, source.advisories
        ));
    }
    out
}
