//! The real npm client (and pnpm) install through a running gateway from a
//! local fake registry: hidden versions, refusals the client prints, the
//! install-script policy read from tarballs, and hot-reloaded policy.

mod support;

use std::path::{Path, PathBuf};

use serde_json::json;
use support::{NpmUpstream, Output, RunningGate, hours_ago, npm_in, npm_version, run};

fn config(dir: &Path, upstream: &str, policy: &str) -> String {
    format!(
        "state_dir = {:?}\n[npm]\nupstreams = [{upstream:?}]\n[advisories]\nstore_dir = {:?}\n[cache]\nmetadata_ttl = \"0s\"\n[policy]\nmin_age = \"48h\"\n{policy}\n",
        dir.join("state"),
        dir.join("no-imports"),
    )
}

/// A fresh project directory with an empty package.json and npm config.
fn project(dir: &Path, name: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::create_dir_all(&p).unwrap();
    std::fs::write(
        p.join("package.json"),
        "{\"name\":\"app\",\"version\":\"1.0.0\",\"private\":true}\n",
    )
    .unwrap();
    std::fs::write(p.join(".npmrc"), "").unwrap();
    p
}

async fn npm(gate: &RunningGate, project: &Path, args: &[&str]) -> Output {
    npm_in(&gate.npm_registry(), project, args).await
}

fn installed(project: &Path, name: &str) -> Option<String> {
    let text =
        std::fs::read_to_string(project.join("node_modules").join(name).join("package.json"))
            .ok()?;
    let v: serde_json::Value = serde_json::from_str(&text).ok()?;
    v["version"].as_str().map(str::to_owned)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn npm_installs_through_the_gateway_under_its_policy() {
    let dir = tempfile::tempdir().unwrap();
    let old = hours_ago(24 * 60);
    let young_demo = npm_version("demo", "2.0.0", &hours_ago(1), json!({}));
    let mut sneaky = npm_version(
        "sneaky",
        "1.0.0",
        &old,
        json!({"preinstall": "node setup.js"}),
    );
    // The registry says nothing about the script the tarball carries.
    sneaky.registry_scripts = json!({});
    let upstream = NpmUpstream::start(vec![
        npm_version("demo", "1.0.0", &old, json!({})),
        young_demo.clone(),
        npm_version("@tanstack/react-router", "1.169.4", &old, json!({})),
        npm_version("@tanstack/react-router", "1.169.5", &old, json!({})),
        npm_version(
            "addon",
            "1.0.0",
            &old,
            json!({"postinstall": "node build.js"}),
        ),
        sneaky,
    ])
    .await;
    let mut gate = RunningGate::start(
        dir.path(),
        &config(dir.path(), &upstream.registry_url(), ""),
    )
    .await;

    // The young version is left out: npm takes the older one.
    let p = project(dir.path(), "p1");
    let out = npm(&gate, &p, &["install", "demo"]).await;
    assert!(out.ok, "{}", out.text);
    assert_eq!(
        installed(&p, "demo").as_deref(),
        Some("1.0.0"),
        "{}",
        out.text
    );

    // A known-malicious version is left out, and `latest` moves back.
    let out = npm(&gate, &p, &["install", "@tanstack/react-router"]).await;
    assert!(out.ok, "{}", out.text);
    assert_eq!(
        installed(&p, "@tanstack/react-router").as_deref(),
        Some("1.169.4"),
        "{}",
        out.text
    );

    // A lockfile that pins the young version gets the gateway's refusal,
    // and npm prints it.
    let p2 = project(dir.path(), "p2");
    let lock = json!({
        "name": "app", "version": "1.0.0", "lockfileVersion": 3, "requires": true,
        "packages": {
            "": {"name": "app", "version": "1.0.0", "dependencies": {"demo": "2.0.0"}},
            "node_modules/demo": {
                "version": "2.0.0",
                "resolved": format!("{}demo/-/demo-2.0.0.tgz", gate.npm_registry()),
                "integrity": young_demo.integrity(),
            }
        }
    });
    std::fs::write(
        p2.join("package.json"),
        "{\"name\":\"app\",\"version\":\"1.0.0\",\"dependencies\":{\"demo\":\"2.0.0\"}}\n",
    )
    .unwrap();
    std::fs::write(p2.join("package-lock.json"), lock.to_string()).unwrap();
    let out = npm(&gate, &p2, &["ci"]).await;
    assert!(!out.ok, "{}", out.text);
    assert!(out.text.contains("403"), "{}", out.text);
    assert!(
        out.text.contains("shieldwall") && out.text.contains("held until"),
        "{}",
        out.text
    );

    // Install scripts are refused unless allow-listed, whether the
    // registry reports them or only the tarball carries them.
    let p3 = project(dir.path(), "p3");
    let out = npm(&gate, &p3, &["install", "addon@1.0.0"]).await;
    assert!(!out.ok, "{}", out.text);
    let out = npm(&gate, &p3, &["install", "sneaky"]).await;
    assert!(!out.ok, "{}", out.text);
    assert!(
        out.text.contains("runs code at install") && out.text.contains("preinstall"),
        "{}",
        out.text
    );

    // The policy reloads while the gateway runs.
    std::fs::write(
        &gate.config_path,
        config(
            dir.path(),
            &upstream.registry_url(),
            "install_scripts_allow = [\"npm:addon\"]",
        ),
    )
    .unwrap();
    let before = gate.gate.policy().revision.clone();
    let start = std::time::Instant::now();
    while gate.gate.policy().revision == before {
        assert!(
            start.elapsed().as_secs() < 20,
            "the policy was not reloaded"
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    let out = npm(&gate, &p3, &["install", "addon"]).await;
    assert!(out.ok, "{}", out.text);
    assert_eq!(installed(&p3, "addon").as_deref(), Some("1.0.0"));

    // An override lets the young version through.
    let (status, body) = gate
        .add_override(json!({
            "ecosystem": "npm", "name": "demo", "version": "2.0.0", "reason": "needed today",
            "requested_by": "bob", "duration": "1h"
        }))
        .await;
    assert_eq!(status, 201, "{body}");
    let out = npm(&gate, &p2, &["ci"]).await;
    assert!(out.ok, "{}", out.text);
    assert_eq!(installed(&p2, "demo").as_deref(), Some("2.0.0"));

    // The record names the client command and the tarball's hash.
    let rows = gate
        .gate
        .record
        .query(&shieldwall_gate::record::Query {
            ecosystem: Some("npm".to_owned()),
            ..Default::default()
        })
        .unwrap();
    assert!(
        rows.iter().any(|r| r.kind == "download"
            && r.name == "demo"
            && r.user_agent.contains("npm-command/ci")),
        "{rows:?}"
    );
    assert!(
        rows.iter()
            .any(|r| r.kind == "refused" && r.name == "sneaky" && r.rule == "install-scripts"),
        "{rows:?}"
    );
    gate.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn packuments_keep_registry_fields_in_both_forms() {
    let dir = tempfile::tempdir().unwrap();
    let old = hours_ago(24 * 60);
    let upstream = NpmUpstream::start(vec![
        npm_version("@scope/lib", "1.0.0", &old, json!({})),
        npm_version("@scope/lib", "1.1.0", &hours_ago(2), json!({})),
    ])
    .await;
    let gate = RunningGate::start(
        dir.path(),
        &config(dir.path(), &upstream.registry_url(), ""),
    )
    .await;
    let client = reqwest::Client::new();
    for path in ["@scope%2flib", "@scope%2Flib", "@scope/lib"] {
        let full: serde_json::Value = client
            .get(format!("{}{path}", gate.npm_registry()))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(full["dist-tags"]["latest"], "1.0.0", "{path}");
        assert!(full["versions"].get("1.1.0").is_none(), "{path}");
        assert!(full["time"]["1.0.0"].is_string());
        assert!(full["time"].get("1.1.0").is_none());
        let dist = &full["versions"]["1.0.0"]["dist"];
        assert!(dist["integrity"].as_str().unwrap().starts_with("sha512-"));
        assert_eq!(
            dist["tarball"],
            format!("{}@scope/lib/-/@scope__lib-1.0.0.tgz", gate.npm_registry())
        );
    }
    let short = client
        .get(format!("{}@scope%2flib", gate.npm_registry()))
        .header(
            "accept",
            "application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8, */*",
        )
        .send()
        .await
        .unwrap();
    assert_eq!(
        short.headers()["content-type"],
        "application/vnd.npm.install-v1+json"
    );
    let short: serde_json::Value = short.json().await.unwrap();
    // The audit endpoint answers from the advisory database.
    let audit = client
        .post(format!(
            "{}-/npm/v1/security/advisories/bulk",
            gate.npm_registry()
        ))
        .json(&json!({"@tanstack/react-router": ["1.169.4", "1.169.5"], "left-pad": ["1.3.0"]}))
        .send()
        .await
        .unwrap();
    let ping = client
        .get(format!("{}-/ping", gate.npm_registry()))
        .send()
        .await
        .unwrap();
    assert_eq!(ping.status(), 200);
    let status = audit.status();
    let text = audit.text().await.unwrap();
    assert_eq!(status, 200, "{text}");
    let audit: serde_json::Value = serde_json::from_str(&text).unwrap();
    let found = audit["@tanstack/react-router"].as_array().unwrap();
    assert_eq!(found[0]["vulnerable_versions"], "1.169.5", "{audit}");
    assert_eq!(found[0]["severity"], "critical");
    assert!(audit.get("left-pad").is_none());
    assert!(short["versions"]["1.0.0"]["dist"]["integrity"].is_string());
    assert!(short["modified"].is_string());
    for bad in ["..%2f..%2fetc", "@scope%2f..%2f..", "%2e%2e"] {
        let r = client
            .get(format!("{}{bad}", gate.npm_registry()))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 404, "{bad}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pnpm_installs_through_the_gateway_under_its_policy() {
    let dir = tempfile::tempdir().unwrap();
    let old = hours_ago(24 * 60);
    let upstream = NpmUpstream::start(vec![
        npm_version("demo", "1.0.0", &old, json!({})),
        npm_version("demo", "2.0.0", &hours_ago(1), json!({})),
        npm_version("@tanstack/react-router", "1.169.4", &old, json!({})),
        npm_version("@tanstack/react-router", "1.169.5", &old, json!({})),
        npm_version(
            "addon",
            "1.0.0",
            &old,
            json!({"postinstall": "node build.js"}),
        ),
    ])
    .await;
    let gate = RunningGate::start(
        dir.path(),
        &config(dir.path(), &upstream.registry_url(), ""),
    )
    .await;
    let p = project(dir.path(), "p");
    let registry = gate.npm_registry();
    let store = dir.path().join("pnpm-store");
    let pnpm = |args: &[&str]| {
        let mut all: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        all.extend([
            "--registry".to_owned(),
            registry.clone(),
            "--store-dir".to_owned(),
            store.to_str().unwrap().to_owned(),
            "--ignore-scripts".to_owned(),
            "--config.minimum-release-age=0".to_owned(),
        ]);
        all
    };
    let args = pnpm(&["add", "demo", "@tanstack/react-router"]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = run("pnpm", &args, &p).await;
    assert!(out.ok, "{}", out.text);
    assert_eq!(
        installed(&p, "demo").as_deref(),
        Some("1.0.0"),
        "{}",
        out.text
    );
    assert_eq!(
        installed(&p, "@tanstack/react-router").as_deref(),
        Some("1.169.4"),
        "{}",
        out.text
    );
    let args = pnpm(&["add", "addon"]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = run("pnpm", &args, &p).await;
    assert!(!out.ok, "{}", out.text);
    assert!(out.text.contains("403"), "{}", out.text);
    assert!(out.text.contains("runs code at install"), "{}", out.text);
}
