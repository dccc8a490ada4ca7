//! Misbehaving upstreams and hostile requests: slow, oversized and
//! malformed answers become clear 502s, never hangs or crashes; health and
//! metrics answer.

mod support;

use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::Path;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use support::RunningGate;

async fn misbehaving(Path(name): Path<String>) -> axum::response::Response {
    match name.as_str() {
        "slow" => {
            tokio::time::sleep(Duration::from_secs(5)).await;
            "late".into_response()
        }
        "huge" => (
            [(header::CONTENT_TYPE, "application/vnd.pypi.simple.v1+json")],
            vec![b' '; 2 << 20],
        )
            .into_response(),
        "garbage" => (
            [(header::CONTENT_TYPE, "application/vnd.pypi.simple.v1+json")],
            "{\"files\": [",
        )
            .into_response(),
        _ => axum::http::StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_upstream_answers_become_clear_errors() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = Router::new().route("/simple/{name}/", get(misbehaving));
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let dir = tempfile::tempdir().unwrap();
    let config = format!(
        "state_dir = {:?}\n[pypi]\nupstreams = [\"http://{addr}/simple/\"]\n[npm]\nupstreams = [\"http://{addr}/npm/\"]\n[advisories]\nstore_dir = {:?}\n[cache]\nupstream_timeout = \"1s\"\nmax_metadata_bytes = 1048576\n",
        dir.path().join("state"),
        dir.path().join("none"),
    );
    let gate = RunningGate::start(dir.path(), &config).await;
    let client = reqwest::Client::new();
    for (name, expect) in [
        ("slow", "cannot be reached"),
        ("huge", "larger than"),
        ("garbage", "not valid"),
        ("broken", "500"),
    ] {
        let start = Instant::now();
        let r = client
            .get(format!("{}{name}/", gate.pypi_index()))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 502, "{name}");
        assert!(
            start.elapsed() < Duration::from_secs(4),
            "{name} took {:?}",
            start.elapsed()
        );
        let text = r.text().await.unwrap();
        assert!(text.contains(expect), "{name}: {text}");
    }
    let health = client
        .get(format!("http://{}/healthz", gate.addr))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
    let metrics = client
        .get(format!("http://{}/metrics", gate.addr))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains("shieldwall_gate_requests_total{route=\"pypi_metadata\"} 4"),
        "{metrics}"
    );
    assert!(
        metrics.contains("shieldwall_gate_upstream_errors_total"),
        "{metrics}"
    );
    // The admin API needs the token.
    let r = client
        .get(format!("http://{}/-/admin/overrides", gate.addr))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let r = client
        .get(format!("http://{}/-/admin/overrides", gate.addr))
        .bearer_auth("wrong")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let r = client
        .get(format!("http://{}/-/admin/status", gate.addr))
        .bearer_auth(&gate.token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let status: serde_json::Value = r.json().await.unwrap();
    assert!(status["policy_revision"].is_string());
}
