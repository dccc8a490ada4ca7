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
    /// The registry gateway: a proxy for pip, uv, poetry and npm, pnpm,
    /// yarn, bun that keeps known-malicious and too-fresh packages out and
    /// records every install.
    Gate(GateArgs),
    /// Hunt a host for indicators of compromise, list the credentials an
    /// infected process could read (names only), and order the
    /// remediation. Exits 1 when an indicator is found.
    Hunt(HuntArgs),
}

/// Output formats of `hunt`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum HuntFormat {
    /// Readable text.
    Table,
    /// JSON with `schema_version`, for scripts.
    Json,
    /// Markdown, for incident write-ups.
    Markdown,
}

#[derive(Debug, Args)]
pub(crate) struct HuntArgs {
    /// The file system root to hunt: the live host (`/`), a mounted disk,
    /// an unpacked image; `proc` under it is read for processes and
    /// connections.
    #[arg(long, value_name = "DIR", default_value = "/")]
    pub(crate) root: PathBuf,

    /// A home directory, as a path inside the root (repeatable; default:
    /// `/root` and every directory in `/home`).
    #[arg(long, value_name = "DIR")]
    pub(crate) home: Vec<PathBuf>,

    /// A git repository to audit over the exposure window (repeatable;
    /// needs `--since`).
    #[arg(long, value_name = "PATH", requires = "since")]
    pub(crate) repos: Vec<PathBuf>,

    /// The start of the exposure window: a time (RFC 3339) or a duration
    /// ago such as `72h`.
    #[arg(long, value_name = "TIME", requires = "repos")]
    pub(crate) since: Option<String>,

    /// More indicators, in the built-in catalog's TOML format.
    #[arg(long, value_name = "FILE")]
    pub(crate) indicators: Vec<PathBuf>,

    /// Read only the built-in advisory feed, ignoring imported advisories.
    #[arg(long)]
    pub(crate) builtin_only: bool,

    /// The advisory database directory, whose advisories' `iocs` are
    /// indicators and whose malicious versions are looked for among the
    /// installed packages [env: SHIELDWALL_CACHE_DIR, default: the XDG cache
    /// directory].
    #[arg(long, value_name = "DIR")]
    pub(crate) db_dir: Option<PathBuf>,

    /// Output format.
    #[arg(short, long, value_enum, default_value_t = HuntFormat::Table)]
    pub(crate) format: HuntFormat,

    /// Write the report to this file instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    pub(crate) output: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub(crate) struct GateArgs {
    #[command(subcommand)]
    pub(crate) command: GateCommand,
}

/// Where the gateway's configuration file is.
#[derive(Debug, Args)]
pub(crate) struct GateConfigArg {
    /// The gateway's configuration file.
    #[arg(long, value_name = "FILE", env = "SHIELDWALL_GATE_CONFIG")]
    pub(crate) config: PathBuf,
}

#[derive(Debug, Subcommand)]
pub(crate) enum GateCommand {
    /// Run the gateway. Python clients use `http://HOST:PORT/pypi/simple/`
    /// as their index; the policy reloads when the file changes; SIGINT or
    /// SIGTERM stop it after requests in flight finish.
    Serve {
        #[command(flatten)]
        config: GateConfigArg,
        /// Log format on stderr: `json` (one object per line) or `text`.
        #[arg(long, value_enum, default_value_t = LogFormat::Text)]
        log_format: LogFormat,
    },
    /// Write a starting configuration whose upstreams are the registries
    /// the local pip and npm already use.
    Init {
        /// Where to write it (`-` for stdout).
        #[arg(short, long, default_value = "shieldwall-gate.toml")]
        output: PathBuf,
        /// The state directory to put in it.
        #[arg(long, default_value = "/var/lib/shieldwall")]
        state_dir: PathBuf,
        /// The listen address to put in it.
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: String,
        /// Overwrite an existing file.
        #[arg(long)]
        force: bool,
    },
    /// Who installed what, when, with which hash: rows of the record,
    /// newest first.
    Log {
        #[command(flatten)]
        config: GateConfigArg,
        /// Only this package (name as written; normalized for Python).
        #[arg(long)]
        name: Option<String>,
        /// Only this version.
        #[arg(long)]
        version: Option<String>,
        /// Only this ecosystem (`pypi` or `npm`).
        #[arg(long)]
        ecosystem: Option<String>,
        /// Only rows at or after this time (RFC 3339, or a duration ago
        /// such as `24h`).
        #[arg(long)]
        since: Option<String>,
        /// Only rows before this time (RFC 3339, or a duration ago).
        #[arg(long)]
        until: Option<String>,
        /// Only this client address.
        #[arg(long)]
        client: Option<String>,
        /// Only this kind of row: `download`, `refused`.
        #[arg(long)]
        kind: Option<String>,
        /// At most this many rows.
        #[arg(long, default_value_t = 100)]
        limit: u32,
        /// Output format: `table`, or `json` (JSON Lines, one row per line).
        #[arg(short, long, value_enum, default_value_t = GateLogFormat::Table)]
        format: GateLogFormat,
    },
    /// Overrides: let one version (or one file) through the policy for a
    /// while, with a reason. Talks to the running gateway's admin API with
    /// the token from the variable named by `admin.token_env`.
    Override {
        #[command(subcommand)]
        command: OverrideCommand,
    },
    /// The running gateway's status (policy revision, advisories, active
    /// overrides), from its admin API.
    Status {
        #[command(flatten)]
        config: GateConfigArg,
    },
    /// Make a client token for `NAME`: prints the token (give it to the
    /// client) and the `[auth] tokens` line to add to the configuration
    /// (only the token's sha256 is stored).
    Token {
        /// The identity the token stands for (`ci-main`, `alice`).
        name: String,
    },
    /// Print the pip.conf, uv.toml, .npmrc, .yarnrc.yml and bunfig.toml
    /// snippets that point clients at the gateway.
    ClientConfig {
        /// The gateway's address as clients reach it
        /// (default: `public_url`, else `listen`, from the configuration).
        #[arg(long)]
        url: Option<String>,
        /// The gateway's configuration file.
        #[arg(long, value_name = "FILE", env = "SHIELDWALL_GATE_CONFIG")]
        config: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum OverrideCommand {
    /// Add an override for `ECOSYSTEM:NAME@VERSION` (`pypi:demo@2.0`,
    /// `npm:@scope/pkg@1.2.3`). Known-malicious versions cannot be
    /// overridden, and an override is revoked if its version is later
    /// listed as malicious.
    Add {
        /// The package version: `pypi:NAME@VERSION` or `npm:NAME@VERSION`.
        package: String,
        /// Why (recorded and shown).
        #[arg(long)]
        reason: String,
        /// How long it lasts (`24h`, `7d`).
        #[arg(long = "for", value_name = "DURATION", default_value = "24h")]
        duration: String,
        /// Who asks [default: the current user].
        #[arg(long)]
        by: Option<String>,
        /// Who it is for (a team, a CI project); informational.
        #[arg(long)]
        scope: Option<String>,
        /// Cover only the file with this sha256 instead of the whole version.
        #[arg(long)]
        sha256: Option<String>,
        #[command(flatten)]
        config: GateConfigArg,
    },
    /// List overrides (active, expired and revoked).
    List {
        #[command(flatten)]
        config: GateConfigArg,
        /// Output format.
        #[arg(short, long, value_enum, default_value_t = GateLogFormat::Table)]
        format: GateLogFormat,
    },
    /// Revoke an override now.
    Revoke {
        /// The override's id (from `list`).
        id: i64,
        /// Why.
        #[arg(long)]
        reason: Option<String>,
        #[command(flatten)]
        config: GateConfigArg,
    },
}

/// Log formats of `gate serve`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum LogFormat {
    /// Readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

/// Output formats of `gate log` and `gate override list`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum GateLogFormat {
    /// Readable text.
    Table,
    /// JSON Lines.
    Json,
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
