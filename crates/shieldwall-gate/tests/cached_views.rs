//! Rendered index pages and packuments are kept between requests, and
//! never outlive what they were decided from: a file reaching the minimum
//! age, an override, a policy reload and an advisory import each show on
//! the very next request, with a metadata TTL of an hour.

mod support;

use std::path::Path;
use std::time::Duration;

use serde_json::{Value, json};
use support::{NpmUpstream, PyUpstream, RunningGate, hours_ago, npm_version, wheel};

const PIP_ACCEPT: &str = "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html; q=0.1, text/html; q=0.01";

fn config(dir: &Path, pypi: &str, npm: &str, policy: &str) -> String {
    format!(
        "state_dir = {:?}\n[pypi]\nupstreams = [{pypi:?}]\n[npm]\nupstreams = [{npm:?}]\n[advisories]\nstore_dir = {:?}\n[cache]\nmetadata_ttl = \"1h\"\n[policy]\nmin_age = \"48h\"\nhide = \"yank\"\n{policy}\n",
        dir.join("state"),
        dir.join("imports"),
    )
}

async fn page(gate: &RunningGate) -> Value {
    let response = reqwest::Client::new()
        .get(format!("{}demo/", gate.pypi_index()))
        .header("accept", PIP_ACCEPT)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

/// The yank reason of version `version`'s file (`None`: served).
fn held(page: &Value, version: &str) -> Option<String> {
    let file = page["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| {
            f["filename"]
                .as_str()
                .unwrap()
                .contains(&format!("-{version}-"))
        })
        .unwrap_or_else(|| panic!("no file of {version} on {page}"));
    match &file["yanked"] {
        Value::String(reason) => Some(reason.clone()),
        _ => None,
    }
}

fn counter(gate: &RunningGate, name: &str) -> u64 {
    let text = gate.gate.metrics.render();
    text.lines()
        .find_map(|l| l.strip_prefix(&format!("shieldwall_gate_{name} ")))
        .unwrap_or_else(|| panic!("no {name} in {text}"))
        .parse()
        .unwrap()
}

/// Asks for the page twice; the second answer must come from the view
/// cache and be the same.
async fn page_twice(gate: &RunningGate) -> Value {
    let first = page(gate).await;
    let reused = counter(gate, "views_reused_total");
    let second = page(gate).await;
    assert_eq!(
        counter(gate, "views_reused_total"),
        reused + 1,
        "the second request was not served from the view cache"
    );
    assert_eq!(first, second);
    second
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cached_view_follows_time_overrides_policy_and_advisories() {
    let dir = tempfile::tempdir().unwrap();
    // 2.0 reaches the minimum age 6 seconds from now; 3.0 in 47 hours.
    let matures = jiff::Timestamp::now() - jiff::SignedDuration::from_hours(48)
        + jiff::SignedDuration::from_secs(6);
    let upstream = PyUpstream::start(vec![
        wheel("demo", "1.0", Some(&hours_ago(24 * 30))),
        wheel("demo", "2.0", Some(&matures.to_string())),
        wheel("demo", "3.0", Some(&hours_ago(1))),
    ])
    .await;
    let npm = NpmUpstream::start(vec![]).await;
    let gate = RunningGate::start(
        dir.path(),
        &config(dir.path(), &upstream.simple_url(), &npm.registry_url(), ""),
    )
    .await;

    let p = page_twice(&gate).await;
    assert_eq!(held(&p, "1.0"), None);
    assert!(held(&p, "2.0").unwrap().contains("held until"), "{p}");
    assert!(held(&p, "3.0").is_some(), "{p}");

    // Time: 2.0 shows as soon as it is old enough, not an hour later.
    let start = std::time::Instant::now();
    while held(&page(&gate).await, "2.0").is_some() {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "2.0 stayed held after it reached the minimum age"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let p = page_twice(&gate).await;
    assert_eq!(held(&p, "2.0"), None);

    // An override: 3.0 shows on the next request.
    let (status, body) = gate
        .add_override(json!({
            "ecosystem": "pypi", "name": "demo", "version": "3.0", "reason": "hotfix",
            "requested_by": "alice", "duration": "1h"
        }))
        .await;
    assert_eq!(status, 201, "{body}");
    let p = page_twice(&gate).await;
    assert_eq!(held(&p, "3.0"), None, "{p}");

    // A policy reload: the deny list applies on the next request.
    std::fs::write(
        &gate.config_path,
        config(
            dir.path(),
            &upstream.simple_url(),
            &npm.registry_url(),
            "deny = [\"pypi:demo@1.0\"]",
        ),
    )
    .unwrap();
    let start = std::time::Instant::now();
    while gate
        .gate
        .policy()
        .denied_by(shieldwall_core::Ecosystem::PyPI, "demo", "1.0")
        .is_none()
    {
        gate.gate.reload_if_changed();
        assert!(start.elapsed() < Duration::from_secs(20), "no reload");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let p = page_twice(&gate).await;
    assert!(held(&p, "1.0").unwrap().contains("deny list"), "{p}");
    assert_eq!(held(&p, "2.0"), None);

    // An advisory import: 2.0 is refused on the next request (and the
    // override of 3.0, listed too, is revoked).
    let osv = dir.path().join("osv.json");
    std::fs::write(
        &osv,
        json!({
            "id": "MAL-2026-0002", "modified": "2026-06-01T00:00:00Z", "summary": "malicious demo",
            "affected": [{"package": {"ecosystem": "PyPI", "name": "demo"}, "versions": ["2.0", "3.0"]}]
        })
        .to_string(),
    )
    .unwrap();
    shieldwall_advisory::import(&osv, &dir.path().join("imports")).unwrap();
    let start = std::time::Instant::now();
    while gate
        .gate
        .advisories()
        .affecting(shieldwall_core::Ecosystem::PyPI, "demo", "2.0")
        .is_empty()
    {
        gate.gate.reload_if_changed();
        assert!(start.elapsed() < Duration::from_secs(20), "no reload");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let p = page_twice(&gate).await;
    assert!(held(&p, "2.0").unwrap().contains("MAL-2026-0002"), "{p}");
    assert!(held(&p, "3.0").unwrap().contains("MAL-2026-0002"), "{p}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn full_and_abbreviated_packuments_are_kept_apart() {
    let dir = tempfile::tempdir().unwrap();
    let old = hours_ago(24 * 30);
    let npm = NpmUpstream::start(vec![
        npm_version("demo", "1.0.0", &old, json!({})),
        npm_version("demo", "2.0.0", &hours_ago(1), json!({})),
    ])
    .await;
    let pypi = PyUpstream::start(vec![]).await;
    let gate = RunningGate::start(
        dir.path(),
        &config(dir.path(), &pypi.simple_url(), &npm.registry_url(), ""),
    )
    .await;
    let get = |accept: &'static str| {
        let url = format!("{}demo", gate.npm_registry());
        async move {
            let response = reqwest::Client::new()
                .get(url)
                .header("accept", accept)
                .send()
                .await
                .unwrap();
            let content_type = response.headers()["content-type"]
                .to_str()
                .unwrap()
                .to_owned();
            (content_type, response.json::<Value>().await.unwrap())
        }
    };
    let abbreviated = "application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8, */*";
    for _ in 0..2 {
        let (t, short) = get(abbreviated).await;
        assert_eq!(t, "application/vnd.npm.install-v1+json");
        assert!(short.get("modified").is_some(), "{short}");
        let (t, full) = get("application/json").await;
        assert_eq!(t, "application/json");
        assert!(full.get("modified").is_none(), "{full}");
        for doc in [&short, &full] {
            assert_eq!(doc["dist-tags"]["latest"], "1.0.0", "{doc}");
            assert!(doc["versions"].get("2.0.0").is_none(), "{doc}");
        }
    }
    assert_eq!(counter(&gate, "views_reused_total"), 2);
    assert_eq!(counter(&gate, "views_rendered_total"), 2);
}
