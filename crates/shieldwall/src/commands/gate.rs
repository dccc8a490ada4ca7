//! `shieldwall gate`: run the registry gateway, write its starting
//! configuration, read its record, and manage overrides through its admin
//! API.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::Context;
use shieldwall_gate::record::{Event, Query, query_file};
use shieldwall_gate::{Gate, GateConfig};

use crate::cli::{GateArgs, GateCommand, GateLogFormat, LogFormat, OverrideCommand};
use crate::exit::{Exit, UsageError};
use crate::output;

pub(crate) fn run(args: GateArgs) -> anyhow::Result<Exit> {
    match args.command {
        GateCommand::Serve { config, log_format } => serve(&config.config, log_format),
        GateCommand::Init {
            output,
            state_dir,
            listen,
            force,
        } => init(&output, &state_dir, &listen, force),
        GateCommand::Log {
            config,
            name,
            version,
            ecosystem,
            since,
            until,
            client,
            kind,
            limit,
            format,
        } => {
            let config = load(&config.config)?;
            let query = Query {
                name: name.map(|n| match ecosystem.as_deref() {
                    Some("npm") => n,
                    _ if n.starts_with('@') => n,
                    _ => shieldwall_core::Ecosystem::PyPI
                        .normalize_name(&n)
                        .into_owned(),
                }),
                version,
                ecosystem,
                since: since.as_deref().map(time_arg).transpose()?,
                until: until.as_deref().map(time_arg).transpose()?,
                client,
                kind,
                limit: Some(limit),
            };
            log(&config, &query, format)
        }
        GateCommand::Override { command } => overrides(command),
        GateCommand::Status { config } => {
            let config = load(&config.config)?;
            let body = admin(&config, "GET", "/-/admin/status", None)?;
            output::print_stdout(&format!("{body}\n"))?;
            Ok(Exit::Clean)
        }
        GateCommand::ClientConfig { url, config } => client_config(url, config.as_deref()),
        GateCommand::Token { name } => token(&name),
    }
}

fn load(path: &Path) -> anyhow::Result<GateConfig> {
    GateConfig::load(path).map_err(|e| {
        UsageError::new(e.to_string())
            .with_hint("`shieldwall gate init` writes a starting configuration")
            .into()
    })
}

fn serve(config_path: &Path, log_format: LogFormat) -> anyhow::Result<Exit> {
    let config = load(config_path)?;
    let filter = tracing_subscriber::EnvFilter::try_from_env("SHIELDWALL_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match log_format {
        LogFormat::Json => builder.json().init(),
        LogFormat::Text => builder.init(),
    }
    if let Some(tls) = &config.tls {
        // Checked before anything starts, as a configuration error.
        shieldwall_gate::tls::server_config(tls).map_err(|e| {
            UsageError::new(e.to_string()).with_hint(
                "`[tls]` names a PEM certificate chain (`cert`) and its private key (`key`)",
            )
        })?;
    }
    let listen = config.listen.clone();
    let gate = Gate::open(config, Some(config_path)).map_err(|e| UsageError::new(e.to_string()))?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(&listen)
            .await
            .map_err(|e| UsageError::new(format!("cannot listen on `{listen}`: {e}")))?;
        let address = listener
            .local_addr()
            .context("reading the listen address")?;
        let scheme = if gate.config.tls.is_some() {
            "https"
        } else {
            "http"
        };
        tracing::info!(
            %address,
            policy_revision = %gate.policy().revision,
            "shieldwall gate listening: Python index {scheme}://{address}/pypi/simple/"
        );
        shieldwall_gate::server::serve(gate, listener, shutdown_signal())
            .await
            .map_err(|e| anyhow::anyhow!(e))?;
        tracing::info!("shieldwall gate stopped");
        Ok::<_, anyhow::Error>(())
    })?;
    Ok(Exit::Clean)
}

async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(term) => term,
                Err(_) => {
                    let _ = interrupt.await;
                    return;
                }
            };
        tokio::select! {
            _ = interrupt => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = interrupt.await;
    }
    tracing::info!("shutting down: finishing requests in flight");
}

/// A time argument: RFC 3339, or a duration meaning that long ago.
fn time_arg(text: &str) -> anyhow::Result<String> {
    if let Ok(t) = text.parse::<jiff::Timestamp>() {
        return Ok(t.to_string());
    }
    let ago = shieldwall_gate::config::parse_duration(text).map_err(|e| {
        UsageError::new(format!(
            "`{text}` is neither a time (RFC 3339) nor a duration: {e}"
        ))
    })?;
    let signed = jiff::SignedDuration::try_from(ago).unwrap_or_default();
    Ok((jiff::Timestamp::now() - signed).to_string())
}

fn log(config: &GateConfig, query: &Query, format: GateLogFormat) -> anyhow::Result<Exit> {
    let path = config.state_dir.join("record.db");
    if !path.is_file() {
        return Err(UsageError::new(format!(
            "no record at `{}`: the gateway has not run with this state directory",
            path.display()
        ))
        .into());
    }
    let rows = query_file(&path, query).map_err(|e| {
        UsageError::new(format!("cannot read the record `{}`: {e}", path.display()))
    })?;
    let mut out = String::new();
    match format {
        GateLogFormat::Json => {
            for row in &rows {
                out.push_str(&serde_json::to_string(row)?);
                out.push('\n');
            }
        }
        GateLogFormat::Table => {
            out.push_str(&format_rows(&rows));
        }
    }
    output::print_stdout(&out)?;
    Ok(Exit::Clean)
}

fn format_rows(rows: &[Event]) -> String {
    let mut out = String::new();
    if rows.is_empty() {
        out.push_str("no rows match\n");
        return out;
    }
    for r in rows {
        out.push_str(&format!(
            "{}  {:<8} {:<5} {:<4} {}=={}  {}  sha256:{}  client {}  [{}] {}\n    {}\n",
            r.time,
            r.kind,
            r.decision,
            r.ecosystem,
            r.name,
            r.version.as_deref().unwrap_or("?"),
            r.file.as_deref().unwrap_or("-"),
            r.sha256.as_deref().map_or("-", |h| &h[..h.len().min(16)]),
            r.client,
            r.rule,
            r.user_agent,
            r.reason,
        ));
    }
    out
}

/// Calls the running gateway's admin API.
fn admin(
    config: &GateConfig,
    method: &str,
    path: &str,
    body: Option<serde_json::Value>,
) -> anyhow::Result<String> {
    let var = config.admin.token_env.as_deref().ok_or_else(|| {
        UsageError::new("the configuration names no admin token")
            .with_hint("set `[admin] token_env = \"SHIELDWALL_GATE_TOKEN\"` and that variable")
    })?;
    let token = std::env::var(var)
        .ok()
        .filter(|t| !t.is_empty())
        .ok_or_else(|| UsageError::new(format!("`{var}` is not set: it holds the admin token")))?;
    let base = config
        .public_url
        .clone()
        .unwrap_or_else(|| config.default_base_url());
    let url = format!("{}{path}", base.trim_end_matches('/'));
    let mut builder = ureq::Agent::config_builder().http_status_as_error(false);
    if let Some(tls) = &config.tls
        && config.public_url.is_none()
    {
        // Straight to the gateway's own HTTPS: trust the certificate it
        // serves (a self-signed one, or a chain that holds its root).
        let pem = std::fs::read(&tls.cert)
            .with_context(|| format!("reading the TLS certificate `{}`", tls.cert.display()))?;
        let certs = ureq::tls::parse_pem(&pem)
            .filter_map(|item| match item {
                Ok(ureq::tls::PemItem::Certificate(cert)) => Some(cert),
                _ => None,
            })
            .collect::<Vec<_>>();
        builder = builder.tls_config(
            ureq::tls::TlsConfig::builder()
                .root_certs(ureq::tls::RootCerts::new_with_certs(&certs))
                .build(),
        );
    }
    let agent: ureq::Agent = builder.build().into();
    let auth = format!("Bearer {token}");
    let result = match (method, body) {
        ("POST", Some(body)) => agent
            .post(&url)
            .header("authorization", &auth)
            .header("content-type", "application/json")
            .send(body.to_string().as_bytes()),
        ("POST", None) => agent.post(&url).header("authorization", &auth).send_empty(),
        _ => agent.get(&url).header("authorization", &auth).call(),
    };
    let mut response = result.map_err(|e| {
        UsageError::new(format!("cannot reach the gateway at `{base}`: {e}"))
            .with_hint("is `shieldwall gate serve` running with this configuration?")
    })?;
    let status = response.status();
    let text = response.body_mut().read_to_string().unwrap_or_default();
    if !status.is_success() {
        return Err(UsageError::new(format!(
            "the gateway answered {status}: {}",
            text.trim().trim_start_matches("shieldwall: ")
        ))
        .into());
    }
    Ok(text)
}

fn overrides(command: OverrideCommand) -> anyhow::Result<Exit> {
    match command {
        OverrideCommand::Add {
            package,
            reason,
            duration,
            by,
            scope,
            sha256,
            config,
        } => {
            let config = load(&config.config)?;
            let (ecosystem, name, version) = parse_package(&package)?;
            if version.is_none() && sha256.is_none() {
                return Err(UsageError::new(format!("`{package}` names no version"))
                    .with_hint("write `pypi:NAME@VERSION`, or give `--sha256` for one file")
                    .into());
            }
            let by = by
                .or_else(|| std::env::var("USER").ok())
                .unwrap_or_else(|| "unknown".to_owned());
            let body = serde_json::json!({
                "ecosystem": ecosystem, "name": name,
                "version": if sha256.is_some() { None } else { version },
                "sha256": sha256, "reason": reason, "requested_by": by, "scope": scope,
                "duration": duration,
            });
            let text = admin(&config, "POST", "/-/admin/overrides", Some(body))?;
            let o: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
            output::print_stdout(&format!(
                "override #{} added: {} {} until {}\n",
                o["id"],
                o["name"].as_str().unwrap_or(""),
                o["version"].as_str().or(o["sha256"].as_str()).unwrap_or(""),
                o["expires_at"].as_str().unwrap_or("")
            ))?;
            Ok(Exit::Clean)
        }
        OverrideCommand::List { config, format } => {
            let config = load(&config.config)?;
            let text = admin(&config, "GET", "/-/admin/overrides", None)?;
            let list: Vec<serde_json::Value> = serde_json::from_str(&text).unwrap_or_default();
            let mut out = String::new();
            let now = jiff::Timestamp::now();
            for o in &list {
                match format {
                    GateLogFormat::Json => {
                        out.push_str(&o.to_string());
                        out.push('\n');
                    }
                    GateLogFormat::Table => {
                        let expires: Option<jiff::Timestamp> =
                            o["expires_at"].as_str().and_then(|t| t.parse().ok());
                        let state = if !o["revoked_at"].is_null() {
                            format!("revoked ({})", o["revoked_reason"].as_str().unwrap_or(""))
                        } else if expires.is_some_and(|e| e <= now) {
                            "expired".to_owned()
                        } else {
                            "active".to_owned()
                        };
                        out.push_str(&format!(
                            "#{:<4} {:<4} {} {}  until {}  by {}  {}: {}\n",
                            o["id"],
                            o["ecosystem"].as_str().unwrap_or(""),
                            o["name"].as_str().unwrap_or(""),
                            o["version"].as_str().or(o["sha256"].as_str()).unwrap_or(""),
                            o["expires_at"].as_str().unwrap_or(""),
                            o["requested_by"].as_str().unwrap_or(""),
                            state,
                            o["reason"].as_str().unwrap_or(""),
                        ));
                    }
                }
            }
            if list.is_empty() && format == GateLogFormat::Table {
                out.push_str("no overrides\n");
            }
            output::print_stdout(&out)?;
            Ok(Exit::Clean)
        }
        OverrideCommand::Revoke { id, reason, config } => {
            let config = load(&config.config)?;
            let body = reason.map(|r| serde_json::json!({ "reason": r }));
            admin(
                &config,
                "POST",
                &format!("/-/admin/overrides/{id}/revoke"),
                body,
            )?;
            output::print_stdout(&format!("override #{id} revoked\n"))?;
            Ok(Exit::Clean)
        }
    }
}

/// Splits `pypi:NAME@VERSION` (the version may be missing).
fn parse_package(text: &str) -> anyhow::Result<(String, String, Option<String>)> {
    let (ecosystem, rest) = match text.split_once(':') {
        Some((eco @ ("pypi" | "npm"), rest)) => (eco.to_owned(), rest),
        _ => {
            return Err(UsageError::new(format!("`{text}` names no ecosystem"))
                .with_hint("write `pypi:NAME@VERSION` or `npm:NAME@VERSION`")
                .into());
        }
    };
    let (name, version) = match rest.rfind('@') {
        Some(at) if at > 0 => (&rest[..at], Some(rest[at + 1..].to_owned())),
        _ => (rest, None),
    };
    if name.is_empty() || version.as_deref() == Some("") {
        return Err(UsageError::new(format!("`{text}` is not `ECOSYSTEM:NAME@VERSION`")).into());
    }
    Ok((ecosystem, name.to_owned(), version))
}

fn init(output_path: &Path, state_dir: &Path, listen: &str, force: bool) -> anyhow::Result<Exit> {
    let (pypi, pypi_from) = match pip_index() {
        Some(found) => (vec![found.0], found.1),
        None => (
            Vec::new(),
            "not found: set your Python index here".to_owned(),
        ),
    };
    let (npm, npm_from) = match npm_registry() {
        Some(found) => (vec![found.0], found.1),
        None => (
            Vec::new(),
            "not found: set your npm registry here".to_owned(),
        ),
    };
    let list = |v: &[String]| {
        v.iter()
            .map(|u| format!("{u:?}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let text = format!(
        r#"# shieldwall gate configuration, written by `shieldwall gate init`.
# Upstreams come from this machine's pip and npm configuration. Put a private
# registry first in a list: a name it serves is never taken from the ones
# after it (dependency confusion).
listen = "{listen}"
state_dir = {state_dir:?}
# The address clients use, for rewritten file URLs (default: the Host header).
# public_url = "https://gate.internal.example"

[pypi]
# from: {pypi_from}
upstreams = [{pypi}]

[npm]
# from: {npm_from}
upstreams = [{npm}]

[policy]
# Releases younger than this are held (per file for Python, per version for npm).
min_age = "48h"
# Packages the minimum age does not apply to: "pypi:NAME", "npm:@scope/*".
exempt = []
# Always served (except known-malicious versions).
allow = []
# Never served.
deny = []
# npm packages that run code at install: "block", "warn" or "allow".
install_scripts = "block"
install_scripts_allow = []
# When a check cannot run (no upload time): "closed" holds the package.
fail = "closed"
# Held Python files: "yank" lists them as yanked with the reason; "remove" hides them.
hide = "yank"

[cache]
metadata_ttl = "5m"
upstream_timeout = "30s"

[admin]
# The variable holding the admin token (overrides, status, log over HTTP).
token_env = "SHIELDWALL_GATE_TOKEN"

[record]
retention = "90d"

# Serve HTTPS directly with this certificate chain and private key (PEM;
# relative paths are read from this file's directory). Without [tls] the
# gateway speaks plain HTTP: put a TLS reverse proxy in front of it.
# [tls]
# cert = "/etc/shieldwall/gate.crt"
# key = "/etc/shieldwall/gate.key"
"#,
        state_dir = state_dir.display().to_string(),
        pypi = list(&pypi),
        npm = list(&npm),
    );
    GateConfig::parse(Path::new("(generated)"), &text)
        .context("the generated configuration is invalid")?;
    if output_path == Path::new("-") {
        output::print_stdout(&text)?;
        return Ok(Exit::Clean);
    }
    if output_path.exists() && !force {
        return Err(
            UsageError::new(format!("`{}` exists", output_path.display()))
                .with_hint("pass `--force` to overwrite it, or `--output -` to print")
                .into(),
        );
    }
    std::fs::write(output_path, &text)
        .with_context(|| format!("writing `{}`", output_path.display()))?;
    eprintln!(
        "wrote {}\n  pypi upstream: {}\n  npm upstream:  {}\nnext: shieldwall gate serve --config {}",
        output_path.display(),
        if pypi.is_empty() {
            "(none found)".to_owned()
        } else {
            pypi.join(", ")
        },
        if npm.is_empty() {
            "(none found)".to_owned()
        } else {
            npm.join(", ")
        },
        output_path.display()
    );
    Ok(Exit::Clean)
}

/// The index pip uses, and where that was found: `PIP_INDEX_URL`, then
/// pip's configuration files (later ones win, as in pip), then pip's own
/// default as pip reports it.
fn pip_index() -> Option<(String, String)> {
    if let Ok(url) = std::env::var("PIP_INDEX_URL")
        && !url.is_empty()
    {
        return Some((url, "PIP_INDEX_URL".to_owned()));
    }
    let home = std::env::var_os("HOME").map(PathBuf::from);
    let mut files: Vec<PathBuf> = vec![
        PathBuf::from("/etc/pip.conf"),
        PathBuf::from("/etc/xdg/pip/pip.conf"),
    ];
    if let Some(home) = &home {
        files.push(home.join(".pip/pip.conf"));
        files.push(home.join(".config/pip/pip.conf"));
    }
    if let Some(file) = std::env::var_os("PIP_CONFIG_FILE") {
        files.push(PathBuf::from(file));
    }
    let mut found = None;
    for file in files {
        let Ok(text) = std::fs::read_to_string(&file) else {
            continue;
        };
        if let Some(url) = ini_value(&text, &["global", "install"], "index-url") {
            found = Some((url, file.display().to_string()));
        }
    }
    if found.is_some() {
        return found;
    }
    let out = Command::new("python3")
        .args([
            "-c",
            "from pip._internal.models.index import PyPI; print(PyPI.simple_url)",
        ])
        .output()
        .ok()?;
    let url = String::from_utf8(out.stdout).ok()?.trim().to_owned();
    (out.status.success() && url.starts_with("http"))
        .then(|| (url, "pip's default index".to_owned()))
}

/// The registry npm uses, as npm reports it (`.npmrc` files and
/// environment included).
fn npm_registry() -> Option<(String, String)> {
    let out = Command::new("npm")
        .args(["config", "get", "registry"])
        .output()
        .ok()?;
    let url = String::from_utf8(out.stdout).ok()?.trim().to_owned();
    (out.status.success() && url.starts_with("http"))
        .then(|| (url, "`npm config get registry`".to_owned()))
}

/// The value of `key` in the first of `sections` that has it, in INI text.
fn ini_value(text: &str, sections: &[&str], key: &str) -> Option<String> {
    let mut section = String::new();
    let mut best: Option<(usize, String)> = None;
    for line in text.lines() {
        let line = line.trim();
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            section = name.trim().to_owned();
            continue;
        }
        let Some((k, v)) = line.split_once('=') else {
            continue;
        };
        if k.trim() != key {
            continue;
        }
        if let Some(rank) = sections.iter().position(|s| *s == section)
            && best.as_ref().is_none_or(|(r, _)| rank <= *r)
        {
            best = Some((rank, v.trim().to_owned()));
        }
    }
    best.map(|(_, v)| v)
}

fn token(name: &str) -> anyhow::Result<Exit> {
    use sha2::Digest;
    if name.is_empty()
        || !name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
    {
        return Err(UsageError::new(format!(
            "`{name}` is not a plain name (letters, digits, `-`, `_`, `.`)"
        ))
        .into());
    }
    let mut bytes = [0u8; 24];
    std::io::Read::read_exact(&mut std::fs::File::open("/dev/urandom")?, &mut bytes)
        .context("reading /dev/urandom")?;
    let token = hex::encode(bytes);
    let hash = hex::encode(sha2::Sha256::digest(token.as_bytes()));
    output::print_stdout(&format!(
        "token for {name}: {token}\n\nadd to the gateway configuration:\n[auth]\ntokens = {{ {name} = \"{hash}\" }}\n\nclients: npm `//HOST:PORT/npm/:_authToken={token}` in .npmrc; pip and uv `http://{name}:{token}@HOST:PORT/pypi/simple/`\n"
    ))?;
    Ok(Exit::Clean)
}

fn client_config(url: Option<String>, config: Option<&Path>) -> anyhow::Result<Exit> {
    let base = match (url, config) {
        (Some(url), _) => url,
        (None, Some(path)) => {
            let config = load(path)?;
            config
                .public_url
                .clone()
                .unwrap_or_else(|| config.default_base_url())
        }
        (None, None) => {
            return Err(UsageError::new("give the gateway's address")
                .with_hint("pass `--url http://HOST:PORT` or `--config FILE`")
                .into());
        }
    };
    let base = base.trim_end_matches('/');
    let text = format!(
        "# pip: ~/.config/pip/pip.conf (or /etc/pip.conf)\n[global]\nindex-url = {base}/pypi/simple/\n\n\
# uv: ~/.config/uv/uv.toml (or uv.toml in a project)\n[[index]]\nurl = \"{base}/pypi/simple/\"\ndefault = true\n\n\
# poetry: pyproject.toml\n[[tool.poetry.source]]\nname = \"shieldwall\"\nurl = \"{base}/pypi/simple/\"\npriority = \"primary\"\n\n\
# npm and pnpm: ~/.npmrc (or .npmrc in a project)\nregistry={base}/npm/\n\n\
# yarn (berry): .yarnrc.yml\nnpmRegistryServer: \"{base}/npm/\"\n\n\
# bun: bunfig.toml\n[install]\nregistry = \"{base}/npm/\"\n"
    );
    output::print_stdout(&text)?;
    Ok(Exit::Clean)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ini_values_follow_pip_sections() {
        let text =
            "[global]\nindex-url = http://a/simple/\n[install]\nindex-url = http://b/simple/\n";
        assert_eq!(
            ini_value(text, &["global", "install"], "index-url").as_deref(),
            Some("http://a/simple/")
        );
        assert_eq!(
            ini_value("[other]\nindex-url = x\n", &["global"], "index-url"),
            None
        );
    }

    #[test]
    fn package_arguments_name_their_ecosystem() {
        assert_eq!(
            parse_package("npm:@scope/pkg@1.2.3").unwrap(),
            (
                "npm".to_owned(),
                "@scope/pkg".to_owned(),
                Some("1.2.3".to_owned())
            )
        );
        assert_eq!(
            parse_package("pypi:demo@2.0").unwrap(),
            ("pypi".to_owned(), "demo".to_owned(), Some("2.0".to_owned()))
        );
        assert!(parse_package("demo@2.0").is_err());
        assert!(parse_package("pypi:demo@").is_err());
    }
}
