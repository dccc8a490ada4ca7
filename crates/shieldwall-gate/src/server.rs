//! The HTTP server: routes, the admin API, health and metrics, background
//! reloading, and graceful shutdown.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Json;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::serve::ListenerExt as _;
use jiff::Timestamp;
use serde::Deserialize;
use shieldwall_core::Ecosystem;

use crate::error::GateError;
use crate::overrides::Override;
use crate::pypi;
use crate::record::Query as RecordQuery;
use crate::state::Gate;
use crate::web::{self, Client};

/// Every route of the gateway.
pub fn router(gate: Arc<Gate>) -> Router {
    let packages = Router::new()
        .merge(pypi::routes())
        .merge(crate::npm::routes())
        .route_layer(axum::middleware::from_fn_with_state(
            gate.clone(),
            web::require_identity,
        ));
    Router::new()
        .merge(packages)
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .route("/-/admin/status", get(status))
        .route("/-/admin/overrides", get(list_overrides).post(add_override))
        .route("/-/admin/overrides/{id}/revoke", post(revoke_override))
        .route("/-/admin/log", get(log))
        .with_state(gate)
}

/// Serves `gate` on `listener` until `shutdown` completes, then lets
/// requests in flight finish: HTTPS when the configuration has `[tls]`,
/// plain HTTP otherwise. Reloads the policy and the advisory database when
/// they change, and prunes the record daily.
pub async fn serve(
    gate: Arc<Gate>,
    listener: tokio::net::TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), GateError> {
    let address = listener
        .local_addr()
        .map(|a| a.to_string())
        .unwrap_or_default();
    let tls = match &gate.config.tls {
        Some(tls) => Some(crate::tls::server_config(tls)?),
        None => None,
    };
    let background = Background(tokio::spawn(maintain(gate.clone())));
    let app = router(gate);
    let result = match tls {
        Some(config) => {
            let listener = crate::tls::TlsListener::new(listener, config).map_err(|source| {
                GateError::Listen {
                    address: address.clone(),
                    source,
                }
            })?;
            let app = app.into_make_service_with_connect_info::<crate::tls::Peer>();
            axum::serve(listener, app)
                .with_graceful_shutdown(shutdown)
                .await
        }
        None => {
            // Without TCP_NODELAY a response written in two parts (headers,
            // then a streamed body) waits for the client's delayed ACK:
            // about 40 ms.
            let listener = listener.tap_io(|tcp| {
                if let Err(error) = tcp.set_nodelay(true) {
                    tracing::debug!(%error, "cannot set TCP_NODELAY");
                }
            });
            let app = app.into_make_service_with_connect_info::<SocketAddr>();
            axum::serve(listener, app)
                .with_graceful_shutdown(shutdown)
                .await
        }
    }
    .map_err(|source| GateError::Listen { address, source });
    drop(background);
    result
}

/// The reload and prune task, stopped when serving ends (however it ends).
struct Background(tokio::task::JoinHandle<()>);

impl Drop for Background {
    fn drop(&mut self) {
        self.0.abort();
    }
}

async fn maintain(gate: Arc<Gate>) {
    let mut tick = tokio::time::interval(Duration::from_secs(2));
    let mut last_prune = None::<std::time::Instant>;
    loop {
        tick.tick().await;
        let reloads = {
            let gate = gate.clone();
            tokio::task::spawn_blocking(move || gate.reload_if_changed())
                .await
                .unwrap_or_default()
        };
        for outcome in reloads {
            match outcome {
                Ok(message) => tracing::info!("{message}"),
                Err(error) => {
                    tracing::error!(%error, "reload failed; the previous version stays in force")
                }
            }
        }
        if last_prune.is_none_or(|t| t.elapsed() > Duration::from_secs(86_400)) {
            last_prune = Some(std::time::Instant::now());
            match gate.record.prune(gate.config.retention()) {
                Ok(0) => {}
                Ok(n) => tracing::info!(rows = n, "record pruned"),
                Err(error) => tracing::error!(%error, "cannot prune the record"),
            }
        }
    }
}

async fn healthz() -> &'static str {
    "ok\n"
}

async fn metrics(State(gate): State<Arc<Gate>>) -> Response {
    let mut text = gate.metrics.render();
    text.push_str(&format!(
        "# HELP shieldwall_gate_record_dropped_total Record rows dropped because the writer could not keep up.\n\
         # TYPE shieldwall_gate_record_dropped_total counter\n\
         shieldwall_gate_record_dropped_total {}\n\
         # HELP shieldwall_gate_record_queued Record rows waiting to be written.\n\
         # TYPE shieldwall_gate_record_queued gauge\n\
         shieldwall_gate_record_queued {}\n",
        gate.record.dropped(),
        gate.record.queued(),
    ));
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], text).into_response()
}

/// Checks the admin token; `Err` is the response to send.
fn authorize(gate: &Gate, headers: &HeaderMap, client: &Client) -> Result<(), Box<Response>> {
    let Some(token) = &gate.admin_token else {
        return Err(Box::new(web::error(
            StatusCode::FORBIDDEN,
            "the admin API is off: set `admin.token_env` in the configuration and that variable",
            client,
        )));
    };
    let sent = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    match sent {
        Some(sent) if constant_time_eq(sent.as_bytes(), token.as_bytes()) => Ok(()),
        _ => Err(Box::new(web::error(
            StatusCode::UNAUTHORIZED,
            "a valid admin token is required",
            client,
        ))),
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

async fn status(State(gate): State<Arc<Gate>>, headers: HeaderMap, client: Client) -> Response {
    if let Err(r) = authorize(&gate, &headers, &client) {
        return *r;
    }
    let policy = gate.policy();
    let now = Timestamp::now();
    Json(serde_json::json!({
        "policy_revision": policy.revision,
        "min_age": {
            "pypi": crate::decision::human_duration(policy.min_age(Ecosystem::PyPI)),
            "npm": crate::decision::human_duration(policy.min_age(Ecosystem::Npm)),
        },
        "advisories": gate.advisories().len(),
        "active_overrides": gate.overrides().iter().filter(|o| o.is_active(now)).count(),
        "record_rows": gate.record.count(),
        "cached_documents": gate.meta.len(),
        "upstreams": { "pypi": gate.config.pypi.upstreams, "npm": gate.config.npm.upstreams },
    }))
    .into_response()
}

async fn list_overrides(
    State(gate): State<Arc<Gate>>,
    headers: HeaderMap,
    client: Client,
) -> Response {
    if let Err(r) = authorize(&gate, &headers, &client) {
        return *r;
    }
    Json(gate.overrides().as_ref().clone()).into_response()
}

/// The body of `POST /-/admin/overrides`.
#[derive(Debug, Deserialize)]
pub struct NewOverride {
    /// `pypi` or `npm`.
    pub ecosystem: String,
    /// The package name.
    pub name: String,
    /// The version (or give `sha256`).
    pub version: Option<String>,
    /// One file, by sha256.
    pub sha256: Option<String>,
    /// Why.
    pub reason: String,
    /// Who asks.
    pub requested_by: String,
    /// Who it is for (informational).
    pub scope: Option<String>,
    /// How long it lasts (`24h`).
    pub duration: String,
}

async fn add_override(
    State(gate): State<Arc<Gate>>,
    headers: HeaderMap,
    client: Client,
    Json(new): Json<NewOverride>,
) -> Response {
    if let Err(r) = authorize(&gate, &headers, &client) {
        return *r;
    }
    let ecosystem = match new.ecosystem.as_str() {
        "pypi" => Ecosystem::PyPI,
        "npm" => Ecosystem::Npm,
        other => {
            return web::error(
                StatusCode::BAD_REQUEST,
                format!("unknown ecosystem `{other}` (use `pypi` or `npm`)"),
                &client,
            );
        }
    };
    if new.version.is_none() == new.sha256.is_none() {
        return web::error(
            StatusCode::BAD_REQUEST,
            "give exactly one of `version` and `sha256`",
            &client,
        );
    }
    if new.reason.trim().is_empty() || new.requested_by.trim().is_empty() {
        return web::error(
            StatusCode::BAD_REQUEST,
            "`reason` and `requested_by` are required",
            &client,
        );
    }
    if new
        .sha256
        .as_deref()
        .is_some_and(|h| !crate::blobs::is_sha256(h))
    {
        return web::error(
            StatusCode::BAD_REQUEST,
            "`sha256` must be 64 hex digits",
            &client,
        );
    }
    let duration = match crate::config::parse_duration(&new.duration) {
        Ok(d) if !d.is_zero() => d,
        Ok(_) => {
            return web::error(
                StatusCode::BAD_REQUEST,
                "`duration` must be more than zero",
                &client,
            );
        }
        Err(e) => return web::error(StatusCode::BAD_REQUEST, format!("`duration`: {e}"), &client),
    };
    let name = ecosystem.normalize_name(&new.name).into_owned();
    if let Some(version) = &new.version
        && let Some(advisory) = gate
            .advisories()
            .affecting(ecosystem, &name, version)
            .first()
    {
        return web::error(
            StatusCode::CONFLICT,
            format!(
                "{name} {version} is known to be malicious ({}); it cannot be overridden",
                advisory.id
            ),
            &client,
        );
    }
    let now = Timestamp::now();
    let Ok(expires_at) =
        now.checked_add(jiff::SignedDuration::try_from(duration).unwrap_or_default())
    else {
        return web::error(StatusCode::BAD_REQUEST, "`duration` is too long", &client);
    };
    let o = Override {
        id: 0,
        ecosystem: new.ecosystem,
        name,
        version: new.version,
        sha256: new.sha256.map(|h| h.to_ascii_lowercase()),
        reason: new.reason,
        requested_by: new.requested_by,
        scope: new.scope,
        created_at: now,
        expires_at,
        revoked_at: None,
        revoked_reason: None,
    };
    match gate.record.add_override(o) {
        Ok(o) => {
            tracing::info!(override_id = o.id, name = %o.name, version = ?o.version, requested_by = %o.requested_by, reason = %o.reason, expires_at = %o.expires_at, "override added");
            gate.reload_overrides();
            (StatusCode::CREATED, Json(o)).into_response()
        }
        Err(e) => web::error(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("cannot store the override: {e}"),
            &client,
        ),
    }
}

#[derive(Deserialize)]
struct RevokeBody {
    reason: Option<String>,
}

async fn revoke_override(
    State(gate): State<Arc<Gate>>,
    Path(id): Path<i64>,
    headers: HeaderMap,
    client: Client,
    body: Option<Json<RevokeBody>>,
) -> Response {
    if let Err(r) = authorize(&gate, &headers, &client) {
        return *r;
    }
    let reason = body
        .and_then(|Json(b)| b.reason)
        .unwrap_or_else(|| "revoked by an administrator".to_owned());
    match gate.record.revoke_override(id, &reason) {
        Ok(true) => {
            tracing::info!(override_id = id, %reason, "override revoked");
            gate.reload_overrides();
            StatusCode::NO_CONTENT.into_response()
        }
        Ok(false) => web::error(
            StatusCode::NOT_FOUND,
            format!("no active override #{id}"),
            &client,
        ),
        Err(e) => web::error(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("cannot revoke: {e}"),
            &client,
        ),
    }
}

/// The filters of `GET /-/admin/log`.
#[derive(Debug, Default, Deserialize)]
pub struct LogFilter {
    ecosystem: Option<String>,
    name: Option<String>,
    version: Option<String>,
    since: Option<String>,
    until: Option<String>,
    client: Option<String>,
    kind: Option<String>,
    limit: Option<u32>,
}

async fn log(
    State(gate): State<Arc<Gate>>,
    headers: HeaderMap,
    client: Client,
    Query(filter): Query<LogFilter>,
) -> Response {
    if let Err(r) = authorize(&gate, &headers, &client) {
        return *r;
    }
    let query = RecordQuery {
        name: filter.name.map(|n| match filter.ecosystem.as_deref() {
            Some("npm") => n,
            _ => Ecosystem::PyPI.normalize_name(&n).into_owned(),
        }),
        ecosystem: filter.ecosystem,
        version: filter.version,
        since: filter.since,
        until: filter.until,
        client: filter.client,
        kind: filter.kind,
        limit: Some(filter.limit.unwrap_or(1000).min(100_000)),
    };
    match gate.record.query(&query) {
        Ok(rows) => Json(rows).into_response(),
        Err(e) => web::error(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("cannot read the record: {e}"),
            &client,
        ),
    }
}
