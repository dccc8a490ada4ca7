//! Test support: a local fake upstream registry serving generated
//! packages with chosen upload times, and a running gateway in front of it.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::io::Write as _;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{Path as UrlPath, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use base64::Engine;
use sha2::{Digest, Sha256};
use shieldwall_gate::{Gate, GateConfig};
use tokio::sync::oneshot;

/// One file a fake Python upstream serves.
#[derive(Clone, Debug)]
pub struct PyFile {
    /// The project name.
    pub project: String,
    /// The file name.
    pub filename: String,
    /// The bytes served.
    pub bytes: Vec<u8>,
    /// The sha256 declared on the index page (normally that of `bytes`).
    pub declared_sha256: String,
    /// The declared upload time.
    pub upload_time: Option<String>,
    /// The core metadata (`METADATA`) served at `<file>.metadata`.
    pub metadata: Option<Vec<u8>>,
}

/// A pure-Python wheel of `name` `version` holding a module that records
/// its version (inert).
pub fn wheel(name: &str, version: &str, upload_time: Option<&str>) -> PyFile {
    wheel_with(
        name,
        version,
        upload_time,
        &format!("VERSION = \"{version}\"\n"),
    )
}

/// A pure-Python wheel whose `__init__.py` is `init` (inert text the
/// analyzer reads; never run).
pub fn wheel_with(name: &str, version: &str, upload_time: Option<&str>, init: &str) -> PyFile {
    let module = name.replace('-', "_");
    let dist_info = format!("{module}-{version}.dist-info");
    let metadata =
        format!("Metadata-Version: 2.1\nName: {name}\nVersion: {version}\nSummary: test package\n");
    let files: Vec<(String, Vec<u8>)> = vec![
        (format!("{module}/__init__.py"), init.as_bytes().to_vec()),
        (format!("{dist_info}/METADATA"), metadata.clone().into_bytes()),
        (
            format!("{dist_info}/WHEEL"),
            b"Wheel-Version: 1.0\nGenerator: shieldwall-tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n".to_vec(),
        ),
    ];
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let mut record = String::new();
    for (path, data) in &files {
        record.push_str(&format!(
            "{path},sha256={},{}\n",
            b64.encode(Sha256::digest(data)),
            data.len()
        ));
    }
    record.push_str(&format!("{dist_info}/RECORD,,\n"));
    let mut out = std::io::Cursor::new(Vec::new());
    {
        let mut zip = zip::ZipWriter::new(&mut out);
        let options = zip::write::SimpleFileOptions::default();
        for (path, data) in files
            .iter()
            .chain([(format!("{dist_info}/RECORD"), record.into_bytes())].iter())
        {
            zip.start_file(path.as_str(), options).unwrap();
            zip.write_all(data).unwrap();
        }
        zip.finish().unwrap();
    }
    let bytes = out.into_inner();
    PyFile {
        project: name.to_owned(),
        filename: format!("{module}-{version}-py3-none-any.whl"),
        declared_sha256: hex::encode(Sha256::digest(&bytes)),
        bytes,
        upload_time: upload_time.map(str::to_owned),
        metadata: Some(metadata.into_bytes()),
    }
}

/// A fake Python simple-API upstream (PEP 691 JSON) on loopback.
pub struct PyUpstream {
    /// Its address.
    pub addr: SocketAddr,
    files: Arc<Mutex<Vec<PyFile>>>,
    stop: Option<oneshot::Sender<()>>,
    handle: Option<tokio::task::JoinHandle<()>>,
    /// Requests seen (paths).
    pub requests: Arc<Mutex<Vec<String>>>,
}

#[derive(Clone)]
struct UpState {
    files: Arc<Mutex<Vec<PyFile>>>,
    requests: Arc<Mutex<Vec<String>>>,
}

impl PyUpstream {
    /// Starts serving `files`.
    pub async fn start(files: Vec<PyFile>) -> Self {
        let files = Arc::new(Mutex::new(files));
        let requests = Arc::new(Mutex::new(Vec::new()));
        let state = UpState {
            files: files.clone(),
            requests: requests.clone(),
        };
        let app = Router::new()
            .route("/simple/{project}/", get(up_project))
            .route("/files/{filename}", get(up_file))
            .with_state(state);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = oneshot::channel::<()>();
        let handle = tokio::spawn(async move {
            axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await
                .unwrap();
        });
        Self {
            addr,
            files,
            stop: Some(stop),
            handle: Some(handle),
            requests,
        }
    }

    /// The simple-API root to configure as an upstream.
    pub fn simple_url(&self) -> String {
        format!("http://{}/simple/", self.addr)
    }

    /// Adds a file.
    pub fn add(&self, file: PyFile) {
        self.files.lock().unwrap().push(file);
    }

    /// Stops serving (the port then refuses connections).
    pub async fn stop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(handle) = self.handle.take() {
            let _ = handle.await;
        }
    }
}

async fn up_project(State(state): State<UpState>, UrlPath(project): UrlPath<String>) -> Response {
    state
        .requests
        .lock()
        .unwrap()
        .push(format!("/simple/{project}/"));
    let files = state.files.lock().unwrap().clone();
    let mine: Vec<&PyFile> = files.iter().filter(|f| f.project == project).collect();
    if mine.is_empty() {
        return StatusCode::NOT_FOUND.into_response();
    }
    let mut versions = BTreeMap::new();
    let entries: Vec<serde_json::Value> = mine
        .iter()
        .map(|f| {
            let version = f.filename.split('-').nth(1).unwrap_or("").to_owned();
            versions.insert(version, ());
            let mut entry = serde_json::json!({
                "filename": f.filename,
                "url": format!("../../files/{}", f.filename),
                "hashes": {"sha256": f.declared_sha256},
                "requires-python": ">=3.7",
                "size": f.bytes.len(),
                "yanked": false,
            });
            if let Some(t) = &f.upload_time {
                entry["upload-time"] = serde_json::Value::String(t.clone());
            }
            if let Some(m) = &f.metadata {
                let hash = hex::encode(Sha256::digest(m));
                entry["core-metadata"] = serde_json::json!({"sha256": hash});
                entry["dist-info-metadata"] = serde_json::json!({"sha256": hash});
            }
            entry
        })
        .collect();
    let body = serde_json::json!({
        "meta": {"api-version": "1.1", "_last-serial": 1},
        "name": project,
        "versions": versions.keys().collect::<Vec<_>>(),
        "files": entries,
    });
    (
        [(header::CONTENT_TYPE, "application/vnd.pypi.simple.v1+json")],
        body.to_string(),
    )
        .into_response()
}

async fn up_file(State(state): State<UpState>, UrlPath(filename): UrlPath<String>) -> Response {
    state
        .requests
        .lock()
        .unwrap()
        .push(format!("/files/{filename}"));
    let files = state.files.lock().unwrap().clone();
    if let Some(stem) = filename.strip_suffix(".metadata")
        && let Some(f) = files.iter().find(|f| f.filename == stem)
        && let Some(m) = &f.metadata
    {
        return m.clone().into_response();
    }
    match files.iter().find(|f| f.filename == filename) {
        Some(f) => f.bytes.clone().into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

/// A gateway running in this process.
pub struct RunningGate {
    /// Its address.
    pub addr: SocketAddr,
    /// Its state.
    pub gate: Arc<Gate>,
    /// Its configuration file.
    pub config_path: PathBuf,
    stop: Option<oneshot::Sender<()>>,
    /// The admin token.
    pub token: String,
}

impl RunningGate {
    /// Starts a gateway with the configuration `text` (written to a file
    /// in `dir`, which also holds the state).
    pub async fn start(dir: &Path, text: &str) -> Self {
        let config_path = dir.join("gate.toml");
        std::fs::write(&config_path, text).unwrap();
        let config = GateConfig::load(&config_path).unwrap();
        let token = format!("token-{}", std::process::id());
        // SAFETY-free: tests set the token variable named in the config.
        let gate = Gate::open_with_token(config, Some(&config_path), Some(token.clone())).unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = oneshot::channel::<()>();
        let serving = gate.clone();
        tokio::spawn(async move {
            shieldwall_gate::server::serve(serving, listener, async {
                let _ = stopped.await;
            })
            .await
            .unwrap();
        });
        Self {
            addr,
            gate,
            config_path,
            stop: Some(stop),
            token,
        }
    }

    /// The registry URL for npm clients.
    pub fn npm_registry(&self) -> String {
        format!("http://{}/npm/", self.addr)
    }

    /// The record's events of `kind` (`download`, `refused`, …).
    pub fn events(&self, kind: &str) -> Vec<shieldwall_gate::record::Event> {
        self.gate
            .record
            .query(&shieldwall_gate::record::Query {
                kind: Some(kind.to_owned()),
                ..Default::default()
            })
            .unwrap()
    }

    /// The index URL for Python clients.
    pub fn pypi_index(&self) -> String {
        format!("http://{}/pypi/simple/", self.addr)
    }

    /// Adds an override through the admin API.
    pub async fn add_override(&self, body: serde_json::Value) -> (u16, String) {
        let response = reqwest::Client::new()
            .post(format!("http://{}/-/admin/overrides", self.addr))
            .bearer_auth(&self.token)
            .json(&body)
            .send()
            .await
            .unwrap();
        (response.status().as_u16(), response.text().await.unwrap())
    }

    /// Stops the gateway.
    pub fn stop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// The output of a client command.
#[derive(Debug)]
pub struct Output {
    /// Exit success.
    pub ok: bool,
    /// stdout and stderr together.
    pub text: String,
}

/// The interpreter `python3` stands for. Tests run it directly rather
/// than through a version manager's shim: pyenv's shim rehashes after every
/// `pip install`, and rehashes of tests running in parallel fail each other.
fn python3() -> &'static str {
    static PATH: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        std::process::Command::new("python3")
            .args(["-c", "import sys; print(sys.executable)"])
            .output()
            .ok()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
            .filter(|p| !p.is_empty())
            .unwrap_or_else(|| "python3".to_owned())
    });
    &PATH
}

/// `pip install --no-cache-dir --no-deps --target TARGET --index-url INDEX
/// [EXTRA…] SPEC`, through [`run`].
pub async fn pip_install(index: &str, target: &Path, spec: &str, extra: &[&str]) -> Output {
    let target = target.to_str().unwrap();
    let mut args = vec![
        "-m",
        "pip",
        "install",
        "--no-cache-dir",
        "--no-deps",
        "--target",
        target,
        "--index-url",
        index,
    ];
    args.extend_from_slice(extra);
    args.push(spec);
    run("python3", &args, Path::new("/")).await
}

/// `npm ARGS…` in `project` against `registry`, with a cache inside the
/// project, no user configuration, and no scripts, audit, funding or
/// update notices, through [`run`].
pub async fn npm_in(registry: &str, project: &Path, args: &[&str]) -> Output {
    let cache = project.join(".npm-cache");
    let cache = cache.to_str().unwrap();
    let mut all: Vec<&str> = args.to_vec();
    all.extend([
        "--registry",
        registry,
        "--cache",
        cache,
        "--userconfig",
        "/dev/null",
        "--ignore-scripts",
        "--no-audit",
        "--no-fund",
        "--no-update-notifier",
    ]);
    run("npm", &all, project).await
}

/// Runs a client command (pip, uv, npm) with no user or site configuration;
/// `python3` is run as the interpreter it resolves to.
pub async fn run(program: &str, args: &[&str], cwd: &Path) -> Output {
    let program = if program == "python3" {
        python3()
    } else {
        program
    }
    .to_owned();
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    let cwd = cwd.to_owned();
    tokio::task::spawn_blocking(move || {
        let output = std::process::Command::new(&program)
            .args(&args)
            .current_dir(&cwd)
            .env("PIP_CONFIG_FILE", "/dev/null")
            .env("PIP_DISABLE_PIP_VERSION_CHECK", "1")
            .env("PIP_NO_INPUT", "1")
            .env("UV_NO_CONFIG", "1")
            .env_remove("PIP_INDEX_URL")
            .env_remove("PIP_FIND_LINKS")
            .env_remove("PIP_EXTRA_INDEX_URL")
            .env_remove("UV_INDEX_URL")
            .env_remove("UV_DEFAULT_INDEX")
            .env_remove("UV_EXTRA_INDEX_URL")
            // A machine-wide CA bundle would replace the one a test passes
            // (requests prefers these variables to pip's `--cert`).
            .env_remove("REQUESTS_CA_BUNDLE")
            .env_remove("CURL_CA_BUNDLE")
            .env_remove("PIP_CERT")
            .output()
            .unwrap_or_else(|e| {
                panic!("cannot start `{program}` (is it installed? .ci/run installs it): {e}")
            });
        Output {
            ok: output.status.success(),
            text: format!(
                "{}{}",
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            ),
        }
    })
    .await
    .unwrap()
}

/// An RFC 3339 time `hours` ago.
pub fn hours_ago(hours: i64) -> String {
    let t = jiff::Timestamp::now() - jiff::SignedDuration::from_hours(hours);
    t.to_string()
}

/// One version a fake npm upstream serves.
#[derive(Clone, Debug)]
pub struct NpmVersion {
    /// The package name.
    pub name: String,
    /// The version.
    pub version: String,
    /// The publication time.
    pub time: String,
    /// Lifecycle scripts in the tarball's package.json.
    pub tarball_scripts: serde_json::Value,
    /// Scripts the registry reports (normally the same).
    pub registry_scripts: serde_json::Value,
    /// The tarball.
    pub tarball: Vec<u8>,
}

/// An npm tarball of `name` `version` (inert: an index.js exporting the
/// version; scripts are only declared, never meant to run).
pub fn npm_version(
    name: &str,
    version: &str,
    time: &str,
    scripts: serde_json::Value,
) -> NpmVersion {
    let manifest = serde_json::json!({
        "name": name, "version": version, "main": "index.js", "scripts": scripts,
    });
    let mut builder = tar::Builder::new(flate2::write::GzEncoder::new(
        Vec::new(),
        flate2::Compression::fast(),
    ));
    for (path, data) in [
        ("package/package.json", manifest.to_string()),
        (
            "package/index.js",
            format!("module.exports = {version:?};\n"),
        ),
    ] {
        let mut header = tar::Header::new_gnu();
        header.set_size(data.len() as u64);
        header.set_mode(0o644);
        header.set_cksum();
        builder
            .append_data(&mut header, path, data.as_bytes())
            .unwrap();
    }
    let tarball = builder.into_inner().unwrap().finish().unwrap();
    NpmVersion {
        name: name.to_owned(),
        version: version.to_owned(),
        time: time.to_owned(),
        tarball_scripts: scripts.clone(),
        registry_scripts: scripts,
        tarball,
    }
}

impl NpmVersion {
    /// The SRI sha512 of the tarball.
    pub fn integrity(&self) -> String {
        let digest = sha2::Sha512::digest(&self.tarball);
        format!(
            "sha512-{}",
            base64::engine::general_purpose::STANDARD.encode(digest)
        )
    }
}

/// A fake npm registry on loopback.
pub struct NpmUpstream {
    /// Its address.
    pub addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
}

#[derive(Clone)]
struct NpmUpState {
    versions: Arc<Vec<NpmVersion>>,
    addr: SocketAddr,
}

impl NpmUpstream {
    /// Starts serving `versions`; `latest` is the highest-listed last.
    pub async fn start(versions: Vec<NpmVersion>) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let state = NpmUpState {
            versions: Arc::new(versions),
            addr,
        };
        let app = Router::new()
            .route("/registry/{name}", get(npm_packument))
            .route("/tarballs/{file}", get(npm_tarball))
            .with_state(state);
        let (stop, stopped) = oneshot::channel::<()>();
        tokio::spawn(async move {
            axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await
                .unwrap();
        });
        Self {
            addr,
            stop: Some(stop),
        }
    }

    /// The registry root to configure as an upstream.
    pub fn registry_url(&self) -> String {
        format!("http://{}/registry/", self.addr)
    }

    /// Stops serving.
    pub fn stop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

fn tarball_file(v: &NpmVersion) -> String {
    format!("{}-{}.tgz", v.name.replace('/', "__"), v.version)
}

async fn npm_packument(
    State(state): State<NpmUpState>,
    UrlPath(name): UrlPath<String>,
) -> Response {
    let mine: Vec<&NpmVersion> = state.versions.iter().filter(|v| v.name == name).collect();
    if mine.is_empty() {
        return (StatusCode::NOT_FOUND, "{\"error\":\"Not found\"}").into_response();
    }
    let mut versions = serde_json::Map::new();
    let mut time = serde_json::Map::new();
    time.insert("created".to_owned(), mine[0].time.clone().into());
    time.insert(
        "modified".to_owned(),
        mine.last().unwrap().time.clone().into(),
    );
    for v in &mine {
        versions.insert(
            v.version.clone(),
            serde_json::json!({
                "name": v.name, "version": v.version, "scripts": v.registry_scripts,
                "dist": {
                    "tarball": format!("http://{}/tarballs/{}", state.addr, tarball_file(v)),
                    "integrity": v.integrity(),
                    "shasum": hex::encode(sha1_digest(&v.tarball)),
                },
            }),
        );
        time.insert(v.version.clone(), v.time.clone().into());
    }
    let body = serde_json::json!({
        "name": name,
        "dist-tags": {"latest": mine.last().unwrap().version},
        "time": time,
        "versions": versions,
    });
    (
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

fn sha1_digest(data: &[u8]) -> Vec<u8> {
    use sha1::Digest as _;
    sha1::Sha1::digest(data).to_vec()
}

async fn npm_tarball(State(state): State<NpmUpState>, UrlPath(file): UrlPath<String>) -> Response {
    match state.versions.iter().find(|v| tarball_file(v) == file) {
        Some(v) => v.tarball.clone().into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}
