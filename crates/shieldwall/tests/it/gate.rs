//! `shieldwall gate`: the binary serves, pip installs through it from a
//! plain static upstream (HTML pages, no upload times), and the record and
//! overrides are read and managed from the command line.

use std::io::Write as _;
use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

use crate::common::shieldwall;

/// A free loopback port.
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn wait_for(port: u16) {
    let start = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "port {port} never opened"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A pure-Python wheel (inert).
fn wheel(name: &str, version: &str) -> (String, Vec<u8>) {
    let dist_info = format!("{name}-{version}.dist-info");
    let mut out = std::io::Cursor::new(Vec::new());
    {
        let mut zip = zip::ZipWriter::new(&mut out);
        let options = zip::write::SimpleFileOptions::default();
        for (path, data) in [
            (
                format!("{name}/__init__.py"),
                format!("VERSION = \"{version}\"\n"),
            ),
            (
                format!("{dist_info}/METADATA"),
                format!("Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"),
            ),
            (
                format!("{dist_info}/WHEEL"),
                "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
                    .to_owned(),
            ),
            (format!("{dist_info}/RECORD"), String::new()),
        ] {
            zip.start_file(path, options).unwrap();
            zip.write_all(data.as_bytes()).unwrap();
        }
        zip.finish().unwrap();
    }
    (
        format!("{name}-{version}-py3-none-any.whl"),
        out.into_inner(),
    )
}

struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A static file server over `root` (a PEP 503 HTML upstream, as plain
/// mirrors are).
fn static_upstream(root: &Path) -> (Killed, u16) {
    let port = free_port();
    let child = Command::new("python3")
        .args([
            "-m",
            "http.server",
            &port.to_string(),
            "--bind",
            "127.0.0.1",
            "--directory",
        ])
        .arg(root)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("python3 starts a static file server");
    wait_for(port);
    (Killed(child), port)
}

#[test]
fn the_gateway_binary_serves_records_and_takes_overrides() {
    let tmp = tempfile::tempdir().unwrap();
    let upstream_root = tmp.path().join("upstream");
    let (file, bytes) = wheel("demo", "1.0");
    let sha = hex::encode(Sha256::digest(&bytes));
    std::fs::create_dir_all(upstream_root.join("simple/demo")).unwrap();
    std::fs::create_dir_all(upstream_root.join("files")).unwrap();
    std::fs::write(upstream_root.join("files").join(&file), &bytes).unwrap();
    std::fs::write(
        upstream_root.join("simple/demo/index.html"),
        format!("<html><body><a href=\"../../files/{file}#sha256={sha}\">{file}</a></body></html>"),
    )
    .unwrap();
    let (_upstream, up_port) = static_upstream(&upstream_root);

    let port = free_port();
    let config = tmp.path().join("gate.toml");
    // An HTML upstream gives no upload times: `demo` is exempt from the
    // minimum age, everything else fails closed.
    std::fs::write(
        &config,
        format!(
            "listen = \"127.0.0.1:{port}\"\nstate_dir = {:?}\n[pypi]\nupstreams = [\"http://127.0.0.1:{up_port}/simple/\"]\n[advisories]\nstore_dir = {:?}\n[policy]\nexempt = [\"pypi:demo\"]\n[admin]\ntoken_env = \"TEST_GATE_TOKEN\"\n",
            tmp.path().join("state"),
            tmp.path().join("advisories"),
        ),
    )
    .unwrap();
    let server = Command::new(assert_cmd::cargo::cargo_bin("shieldwall"))
        .args(["gate", "serve", "--log-format", "json", "--config"])
        .arg(&config)
        .env("TEST_GATE_TOKEN", "secret-token")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut server = Killed(server);
    wait_for(port);

    let target = tmp.path().join("target");
    let pip = Command::new("python3")
        .args([
            "-m",
            "pip",
            "install",
            "--no-cache-dir",
            "--no-deps",
            "--target",
        ])
        .arg(&target)
        .args([
            "--index-url",
            &format!("http://127.0.0.1:{port}/pypi/simple/"),
            "demo",
        ])
        .env("PIP_CONFIG_FILE", "/dev/null")
        .env_remove("PIP_INDEX_URL")
        .env_remove("PIP_FIND_LINKS")
        .output()
        .unwrap();
    assert!(
        pip.status.success(),
        "{}",
        String::from_utf8_lossy(&pip.stderr)
    );
    assert!(target.join("demo/__init__.py").is_file());

    // The record answers who installed demo 1.0, with which hash.
    let log = shieldwall(tmp.path())
        .args([
            "gate", "log", "--name", "demo", "--format", "json", "--config",
        ])
        .arg(&config)
        .output()
        .unwrap();
    assert!(
        log.status.success(),
        "{}",
        String::from_utf8_lossy(&log.stderr)
    );
    let rows: Vec<serde_json::Value> = String::from_utf8_lossy(&log.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0]["kind"], "download");
    assert_eq!(rows[0]["version"], "1.0");
    assert_eq!(rows[0]["sha256"], sha.as_str());
    assert_eq!(rows[0]["client"], "127.0.0.1");
    assert!(rows[0]["user_agent"].as_str().unwrap().contains("pip"));

    // Overrides through the admin API, from the command line.
    let add = shieldwall(tmp.path())
        .args([
            "gate",
            "override",
            "add",
            "pypi:demo@2.0",
            "--reason",
            "urgent fix",
            "--for",
            "2h",
            "--by",
            "alice",
            "--config",
        ])
        .arg(&config)
        .env("TEST_GATE_TOKEN", "secret-token")
        .output()
        .unwrap();
    assert!(
        add.status.success(),
        "{}",
        String::from_utf8_lossy(&add.stderr)
    );
    assert!(String::from_utf8_lossy(&add.stdout).contains("override #1 added"));
    let wrong = shieldwall(tmp.path())
        .args(["gate", "override", "list", "--config"])
        .arg(&config)
        .env("TEST_GATE_TOKEN", "wrong")
        .output()
        .unwrap();
    assert_eq!(wrong.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&wrong.stderr).contains("401"));
    let malicious = shieldwall(tmp.path())
        .args([
            "gate",
            "override",
            "add",
            "pypi:litellm@1.82.8",
            "--reason",
            "x",
            "--config",
        ])
        .arg(&config)
        .env("TEST_GATE_TOKEN", "secret-token")
        .output()
        .unwrap();
    assert_eq!(malicious.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&malicious.stderr).contains("malicious"));
    let revoke = shieldwall(tmp.path())
        .args([
            "gate", "override", "revoke", "1", "--reason", "fixed", "--config",
        ])
        .arg(&config)
        .env("TEST_GATE_TOKEN", "secret-token")
        .output()
        .unwrap();
    assert!(
        revoke.status.success(),
        "{}",
        String::from_utf8_lossy(&revoke.stderr)
    );
    let list = shieldwall(tmp.path())
        .args(["gate", "override", "list", "--config"])
        .arg(&config)
        .env("TEST_GATE_TOKEN", "secret-token")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&list.stdout);
    assert!(
        text.contains("revoked (fixed)") && text.contains("alice"),
        "{text}"
    );

    // SIGTERM stops it cleanly, with a log line saying so.
    Command::new("kill")
        .args(["-TERM", &server.0.id().to_string()])
        .status()
        .unwrap();
    let status = server.0.wait().unwrap();
    assert!(status.success(), "{status:?}");
    let mut logs = String::new();
    std::io::Read::read_to_string(server.0.stderr.as_mut().unwrap(), &mut logs).unwrap();
    assert!(
        logs.contains("listening") && logs.contains("stopped"),
        "{logs}"
    );
    assert!(
        logs.lines().all(|l| l.starts_with('{')),
        "json logs: {logs}"
    );
}

#[test]
fn serve_names_an_unusable_tls_file_and_exits_2() {
    let tmp = tempfile::tempdir().unwrap();
    let config = tmp.path().join("gate.toml");
    std::fs::write(tmp.path().join("gate.key"), "not a key\n").unwrap();
    std::fs::write(
        &config,
        format!(
            "listen = \"127.0.0.1:0\"\nstate_dir = {:?}\n[advisories]\nstore_dir = {:?}\n[tls]\ncert = \"missing.crt\"\nkey = \"gate.key\"\n",
            tmp.path().join("state"),
            tmp.path().join("imports"),
        ),
    )
    .unwrap();
    let out = shieldwall(tmp.path())
        .args(["gate", "serve", "--config"])
        .arg(&config)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("missing.crt"), "{stderr}");
}

#[test]
fn init_writes_upstreams_from_the_local_client_configuration() {
    let tmp = tempfile::tempdir().unwrap();
    let out = shieldwall(tmp.path())
        .args(["gate", "init", "--output", "-", "--state-dir", "/srv/gate"])
        .env("PIP_INDEX_URL", "http://127.0.0.1:3141/root/simple/")
        .env("npm_config_registry", "http://127.0.0.1:4873/")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("upstreams = [\"http://127.0.0.1:3141/root/simple/\"]"),
        "{text}"
    );
    assert!(
        text.contains("upstreams = [\"http://127.0.0.1:4873/\"]"),
        "{text}"
    );
    assert!(text.contains("min_age = \"48h\""));
    assert!(
        text.contains("# [tls]\n# cert = ") && text.contains("\n# key = "),
        "the TLS keys are shown, commented out: {text}"
    );
    let path = tmp.path().join("g.toml");
    std::fs::write(&path, text.as_bytes()).unwrap();
    let again = shieldwall(tmp.path())
        .args(["gate", "init", "--output"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(
        again.status.code(),
        Some(2),
        "an existing file is not overwritten"
    );
    let snippet = shieldwall(tmp.path())
        .args([
            "gate",
            "client-config",
            "--url",
            "http://gate.internal:8080",
        ])
        .output()
        .unwrap();
    let snippet = String::from_utf8_lossy(&snippet.stdout);
    assert!(
        snippet.contains("index-url = http://gate.internal:8080/pypi/simple/"),
        "{snippet}"
    );
    assert!(
        snippet.contains("registry=http://gate.internal:8080/npm/"),
        "{snippet}"
    );
}

#[test]
fn a_bad_configuration_is_a_usage_error_naming_the_file() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("gate.toml");
    std::fs::write(&path, "state_dir = \"/x\"\n[policy]\nmin_age = \"soon\"\n").unwrap();
    let out = shieldwall(tmp.path())
        .args(["gate", "serve", "--config"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("gate.toml") && err.contains("min_age"),
        "{err}"
    );
}
