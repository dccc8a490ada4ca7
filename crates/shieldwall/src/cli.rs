//! Command-line arguments.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Defends npm and Python installs against supply-chain attacks.
///
/// Exit codes: 0 nothing at or above `--fail-on`; 1 findings at or above it;
/// 2 usage, input or configuration error; 3 internal error.
#[derive(Debug, Parser)]
#[command(name = "shieldwall", version, about, long_about = None)]
pub(crate) struct Cli {
    /// When to colour output: `auto` colours a terminal unless `NO_COLOR` is set.
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    pub(crate) color: ColorChoice,

    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Find known-bad package versions in repositories, lockfiles, installed
    /// environments, caches, artifacts, images and SBOMs. Reads bytes only;
    /// never runs anything from the scanned tree.
    Scan(ScanArgs),
    /// Judge package artifacts (wheels, sdists, npm tarballs, unpacked
    /// directories) by what their code does and when it runs: pass, warn or
    /// block. Reads bytes only; never installs, imports or runs anything.
    Inspect(InspectArgs),
    /// What a new version of a package can do that the old one could not:
    /// new hooks, capabilities, dependencies, binaries and size, with a
    /// drift severity.
    Diff(DiffArgs),
    /// Print the documentation of an analyzer rule, or list every rule.
    Rule {
        /// The rule id (`SW-GEN-001`); without it, every rule is listed.
        id: Option<String>,
    },
    /// Manage the advisory database: built-in feed and OSV imports.
    Db(DbArgs),
}

/// Output formats of `inspect`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum InspectFormat {
    /// Readable text.
    Table,
    /// JSON with `schema_version` and one object per artifact, for scripts.
    Json,
    /// SARIF 2.1.0, for code-scanning dashboards.
    Sarif,
}

/// Output formats of `diff`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum DiffFormat {
    /// Readable text.
    Table,
    /// JSON with `schema_version`, for scripts.
    Json,
}

/// The lowest drift severity that makes `diff` exit 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum DriftThreshold {
    /// Any new behavior rated low or above.
    Low,
    /// Medium or above.
    Medium,
    /// High or above.
    High,
    /// Only critical.
    Critical,
    /// Never: always exit 0 unless there is an error.
    Never,
}

#[derive(Debug, Args)]
pub(crate) struct DiffArgs {
    /// The old (trusted) version: an artifact file or a package directory.
    pub(crate) old: PathBuf,

    /// The new version to judge against it.
    pub(crate) new: PathBuf,

    /// Output format.
    #[arg(short, long, value_enum, default_value_t = DiffFormat::Table)]
    pub(crate) format: DiffFormat,

    /// Write the report to this file instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    pub(crate) output: Option<PathBuf>,

    /// The lowest drift severity that makes the command exit 1.
    #[arg(long, value_enum, default_value_t = DriftThreshold::High)]
    pub(crate) fail_on: DriftThreshold,
}

/// The lowest verdict that makes `inspect` exit 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum VerdictThreshold {
    /// `warn` or `block`.
    Warn,
    /// Only `block`.
    Block,
    /// Never: always exit 0 unless there is an error.
    Never,
}

#[derive(Debug, Args)]
pub(crate) struct InspectArgs {
    /// Artifacts to inspect: `.whl`, `.egg`, `.zip`, `.tar.gz`, `.tgz`,
    /// `.tar.bz2` files, package directories, or directories holding
    /// artifacts (each archive inside is inspected).
    #[arg(required = true)]
    pub(crate) paths: Vec<PathBuf>,

    /// Output format.
    #[arg(short, long, value_enum, default_value_t = InspectFormat::Table)]
    pub(crate) format: InspectFormat,

    /// Write the report to this file instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    pub(crate) output: Option<PathBuf>,

    /// The lowest verdict that makes the command exit 1.
    #[arg(long, value_enum, default_value_t = VerdictThreshold::Block)]
    pub(crate) fail_on: VerdictThreshold,

    /// The configuration file (default: `SHIELDWALL_CONFIG`, else
    /// `shieldwall.toml` in the XDG config directory); its `[inspect]`
    /// table sets the `warn` and `block` score thresholds.
    #[arg(long, value_name = "FILE")]
    pub(crate) config: Option<PathBuf>,

    /// Worker threads (default: one per core).
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub(crate) threads: usize,

    /// Do not draw a progress bar on stderr.
    #[arg(long)]
    pub(crate) no_progress: bool,
}

/// Output formats of `scan`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum ScanFormat {
    /// Readable text.
    Table,
    /// JSON with `schema_version`, for scripts.
    Json,
    /// SARIF 2.1.0, for code-scanning dashboards.
    Sarif,
    /// Markdown, for incident write-ups.
    Markdown,
}

/// The lowest severity that makes `scan` exit 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum FailOn {
    /// Also a manifest range that merely admits a bad version.
    Warning,
    /// A present version with a known vulnerability or malware.
    High,
    /// Only a present known-malicious version.
    Critical,
    /// Never: always exit 0 unless there is an error.
    Never,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Args)]
pub(crate) struct ScanArgs {
    /// Files or directories to scan (default: the current directory, unless
    /// `--host` is given).
    pub(crate) paths: Vec<PathBuf>,

    /// Also sweep this machine's well-known package locations for every
    /// user it can read: global npm roots, npx/pnpm/yarn/pip/uv caches,
    /// user and system site-packages, pipx and uv tool environments.
    #[arg(long)]
    pub(crate) host: bool,

    /// The file system root `--host` sweeps (default `/`): a mounted disk,
    /// an unpacked image or a backup of another machine.
    #[arg(long, value_name = "DIR", requires = "host", default_value = "/")]
    pub(crate) host_root: PathBuf,

    /// Output format.
    #[arg(short, long, value_enum, default_value_t = ScanFormat::Table)]
    pub(crate) format: ScanFormat,

    /// Write the report to this file instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    pub(crate) output: Option<PathBuf>,

    /// The lowest severity that makes the scan exit 1.
    #[arg(long, value_enum, default_value_t = FailOn::High)]
    pub(crate) fail_on: FailOn,

    /// Skip paths matching this glob (repeatable), e.g. `**/testdata/**`.
    #[arg(long, value_name = "GLOB")]
    pub(crate) exclude: Vec<String>,

    /// Read only the built-in feed, ignoring imported advisories.
    #[arg(long)]
    pub(crate) builtin_only: bool,

    /// The advisory database directory [env: SHIELDWALL_CACHE_DIR, default:
    /// the XDG cache directory].
    #[arg(long, value_name = "DIR")]
    pub(crate) db_dir: Option<PathBuf>,

    /// Files larger than this many MiB are listed as not covered.
    #[arg(long, value_name = "MIB", default_value_t = 1024)]
    pub(crate) max_file_size: u64,

    /// Worker threads (default: one per core).
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub(crate) threads: usize,

    /// Do not draw a progress bar on stderr.
    #[arg(long)]
    pub(crate) no_progress: bool,
}

#[derive(Debug, Args)]
pub(crate) struct DbArgs {
    /// The advisory database directory [env: SHIELDWALL_CACHE_DIR, default:
    /// the XDG cache directory].
    #[arg(long, global = true, value_name = "DIR")]
    pub(crate) db_dir: Option<PathBuf>,

    #[command(subcommand)]
    pub(crate) command: DbCommand,
}

#[derive(Debug, Subcommand)]
pub(crate) enum DbCommand {
    /// Import OSV advisories from a directory of JSON files, an OSV
    /// `all.zip`, a JSON Lines file or one JSON file. Re-importing the same
    /// path replaces what it imported before.
    Import {
        /// The file or directory to import.
        path: PathBuf,
    },
    /// Show what the database holds: counts by ecosystem and source, and
    /// when each source was imported.
    Status {
        /// Output format.
        #[arg(short, long, value_enum, default_value_t = StatusFormat::Table)]
        format: StatusFormat,
    },
    /// Download an OSV zip from the URL in the configuration and import it.
    Update {
        /// The URL to fetch (default: `advisory.update_url` from the
        /// configuration file).
        #[arg(long)]
        url: Option<String>,
        /// The configuration file [env: SHIELDWALL_CONFIG, default:
        /// `shieldwall.toml` in the XDG config directory].
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
    },
}

/// Output formats of `db status`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum StatusFormat {
    /// Readable text.
    Table,
    /// JSON.
    Json,
}
