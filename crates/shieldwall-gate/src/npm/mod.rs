//! The npm registry API, served under `/npm/`: packuments (full and
//! abbreviated, scoped names as `@scope/name` or `@scope%2fname`) and
//! tarballs, with the policy applied per version.
//!
//! The full packument is always fetched upstream (it has `time`); the view
//! leaves out held versions and recomputes `latest`, and the abbreviated
//! form is derived from it. A tarball request decides again, fetches the
//! tarball checked against `dist.integrity`, and reads the tarball's own
//! `package.json` and `binding.gyp` for install-time code before serving.

pub mod audit;
pub mod packument;
pub mod tarball;

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use bytes::Bytes;
use jiff::Timestamp;
use serde_json::Value;
use shieldwall_core::Ecosystem;

use crate::blobs::{BlobError, Expected};
use crate::decision::{Action, Decision, Subject};
use crate::metacache::FetchError;
use crate::metrics::Route;
use crate::policy::ScriptPolicy;
use crate::state::Gate;
use crate::views::{Validity, ViewCache};
use crate::web::{self, Client, REQUEST_ID, STALE};

use packument::{ABBREVIATED, Packument, VersionFacts};

/// The routes of the npm side.
pub fn routes() -> Router<Arc<Gate>> {
    Router::new()
        .route(
            "/npm/-/ping",
            get(|| async { axum::Json(serde_json::json!({})) }),
        )
        .route(
            "/npm/-/npm/v1/security/advisories/bulk",
            axum::routing::post(audit::bulk),
        )
        .route("/npm/{name}", get(packument_unscoped))
        .route("/npm/{first}/{second}", get(packument_or_version))
        .route("/npm/{name}/-/{file}", get(tarball_unscoped))
        .route("/npm/{scope}/{name}/{version}", get(version_scoped))
        .route("/npm/{scope}/{name}/-/{file}", get(tarball_scoped))
}

/// Read packuments and what is known about tarballs.
pub struct NpmState {
    /// Packuments by name, each with the cached document it was read from.
    parsed: RwLock<HashMap<String, Arc<Packument>>>,
    /// The install-time code found in a tarball, by sha256 (`None`: none).
    scripts: RwLock<HashMap<String, Option<String>>>,
    /// The sha256 of a tarball, by its integrity string.
    files: RwLock<HashMap<String, String>>,
    /// Rendered packuments.
    views: ViewCache<Packument>,
}

impl NpmState {
    /// Empty, keeping up to `view_budget` bytes of rendered packuments.
    pub fn new(view_budget: usize) -> Self {
        Self {
            parsed: RwLock::default(),
            scripts: RwLock::default(),
            files: RwLock::default(),
            views: ViewCache::new(view_budget),
        }
    }
}

/// True for names npm could publish (and nothing that walks paths).
fn is_valid_name(name: &str) -> bool {
    let bare = match name.strip_prefix('@') {
        Some(scoped) => match scoped.split_once('/') {
            Some((scope, rest)) if !scope.is_empty() && !rest.contains('/') => {
                if !ok_part(scope) {
                    return false;
                }
                rest
            }
            _ => return false,
        },
        None => name,
    };
    name.len() <= 214 && ok_part(bare)
}

fn ok_part(part: &str) -> bool {
    !part.is_empty()
        && !part.starts_with('.')
        && !part.starts_with('_')
        && part
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b))
}

fn not_found(name: &str, client: &Client) -> Response {
    let mut response = (
        StatusCode::NOT_FOUND,
        axum::Json(serde_json::json!({ "error": format!("Not found: {name}") })),
    )
        .into_response();
    if let Ok(id) = HeaderValue::from_str(&client.request_id) {
        response.headers_mut().insert(REQUEST_ID, id);
    }
    response
}

async fn packument_unscoped(
    State(gate): State<Arc<Gate>>,
    Path(name): Path<String>,
    client: Client,
    headers: HeaderMap,
) -> Response {
    serve_packument(&gate, &name, &client, &headers).await
}

async fn packument_or_version(
    State(gate): State<Arc<Gate>>,
    Path((first, second)): Path<(String, String)>,
    client: Client,
    headers: HeaderMap,
) -> Response {
    // `/@scope/name` is a packument; `/name/1.2.3`, `/name/latest` and
    // `/@scope%2fname/latest` are one version's manifest.
    if first.starts_with('@') && !first.contains('/') {
        return serve_packument(&gate, &format!("{first}/{second}"), &client, &headers).await;
    }
    serve_version(&gate, &first, &second, &client).await
}

async fn version_scoped(
    State(gate): State<Arc<Gate>>,
    Path((scope, name, version)): Path<(String, String, String)>,
    client: Client,
) -> Response {
    serve_version(&gate, &format!("{scope}/{name}"), &version, &client).await
}

/// One version's manifest (by version or dist-tag), from the filtered view.
async fn serve_version(gate: &Gate, name: &str, wanted: &str, client: &Client) -> Response {
    gate.metrics.count_request(Route::NpmMetadata);
    if !is_valid_name(name) {
        return not_found(name, client);
    }
    let (doc, stale) = match load(gate, name).await {
        Ok(loaded) => loaded,
        Err(LoadError::NotFound) => return not_found(name, client),
        Err(LoadError::Failed(message)) => {
            return web::error(StatusCode::BAD_GATEWAY, message, client);
        }
    };
    let mut validity = Validity::new(gate.inputs(), Timestamp::now(), Default::default());
    let full = doc.value();
    let upstream_version = full["dist-tags"]
        .get(wanted)
        .and_then(Value::as_str)
        .unwrap_or(wanted)
        .to_owned();
    let view = visible_view(gate, &doc, full, client, &mut validity);
    let version = view["dist-tags"]
        .get(wanted)
        .and_then(Value::as_str)
        .unwrap_or(wanted)
        .to_owned();
    if let Some(manifest) = view["versions"].get(&version) {
        return json_response(manifest, "application/json", client, stale);
    }
    // Held: say why, as a tarball request would.
    let held = doc
        .version(&upstream_version)
        .map(|f| (decide_version(gate, name, f).0, &f.version));
    match held {
        Some((decision, version)) if !decision.action.is_served() => {
            web::refusal(&decision, "npm", name, version, client, true)
        }
        _ => not_found(&format!("{name}@{wanted}"), client),
    }
}

async fn serve_packument(
    gate: &Gate,
    name: &str,
    client: &Client,
    headers: &HeaderMap,
) -> Response {
    gate.metrics.count_request(Route::NpmMetadata);
    if !is_valid_name(name) {
        return not_found(name, client);
    }
    let doc = match load(gate, name).await {
        Ok(loaded) => loaded,
        Err(LoadError::NotFound) => return not_found(name, client),
        Err(LoadError::Failed(message)) => {
            return web::error(StatusCode::BAD_GATEWAY, message, client);
        }
    };
    let (doc, stale) = doc;
    let accept = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let content_type = if wants_abbreviated(accept) {
        ABBREVIATED
    } else {
        "application/json"
    };
    let body = rendered_view(gate, name, &doc, content_type, client);
    bytes_response(body, content_type, client, stale)
}

/// The packument as this client sees it, rendered in `content_type`
/// (full or abbreviated): kept from an earlier request while nothing it
/// depends on changed (see [`crate::views`]).
fn rendered_view(
    gate: &Gate,
    name: &str,
    doc: &Arc<Packument>,
    content_type: &'static str,
    client: &Client,
) -> Bytes {
    gate.cached_view(
        &gate.npm.views,
        name,
        doc,
        content_type,
        &client.base_url,
        |validity| {
            let view = visible_view(gate, doc, doc.value(), client, validity);
            let body = if content_type == ABBREVIATED {
                serde_json::to_vec(&packument::abbreviated(&view))
            } else {
                serde_json::to_vec(&view)
            };
            Bytes::from(body.expect("JSON serializes"))
        },
    )
}

/// True when the client prefers the abbreviated form (npm and pnpm send
/// `application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8`).
fn wants_abbreviated(accept: &str) -> bool {
    let q = |media: &str| {
        accept.split(',').find_map(|item| {
            let mut parts = item.split(';');
            (parts.next()?.trim() == media).then(|| {
                parts
                    .find_map(|p| p.trim().strip_prefix("q=")?.parse::<f32>().ok())
                    .unwrap_or(1.0)
            })
        })
    };
    match (q(ABBREVIATED), q("application/json")) {
        (Some(a), Some(j)) => a >= j && a > 0.0,
        (Some(a), None) => a > 0.0,
        _ => false,
    }
}

fn json_response(
    value: &Value,
    content_type: &'static str,
    client: &Client,
    stale: bool,
) -> Response {
    let body = serde_json::to_vec(value).expect("JSON serializes");
    bytes_response(body.into(), content_type, client, stale)
}

fn bytes_response(
    body: Bytes,
    content_type: &'static str,
    client: &Client,
    stale: bool,
) -> Response {
    let mut response = (StatusCode::OK, body).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(header::VARY, HeaderValue::from_static("Accept"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    if stale {
        headers.insert(STALE, HeaderValue::from_static("true"));
    }
    if let Ok(id) = HeaderValue::from_str(&client.request_id) {
        headers.insert(REQUEST_ID, id);
    }
    response
}

enum LoadError {
    NotFound,
    Failed(String),
}

/// The upstream packument of `name`, read, and whether it is stale.
async fn load(gate: &Gate, name: &str) -> Result<(Arc<Packument>, bool), LoadError> {
    let encoded = name.replacen('/', "%2f", 1);
    let urls: Vec<String> = gate
        .config
        .npm
        .upstreams
        .iter()
        .map(|root| format!("{}/{encoded}", root.trim_end_matches('/')))
        .collect();
    let fetch = gate
        .meta
        .fetch(
            &gate.upstream,
            &format!("npm/{name}"),
            &urls,
            "application/json",
            gate.config.cache.max_metadata_bytes,
        )
        .await
        .map_err(|e| match e {
            FetchError::NotFound => LoadError::NotFound,
            FetchError::Outage { url, error } => {
                gate.metrics.count_upstream_error();
                tracing::warn!(%url, %error, "upstream unavailable");
                LoadError::Failed(format!(
                    "the upstream for `{name}` cannot be reached and nothing is cached ({error})"
                ))
            }
        })?;
    if fetch.stale {
        gate.metrics.count_stale();
    }
    if let Some(parsed) = gate.npm.parsed.read().expect("npm lock").get(name)
        && Arc::ptr_eq(&parsed.doc, &fetch.doc)
    {
        return Ok((parsed.clone(), fetch.stale));
    }
    let packument = Packument::read(fetch.doc)
        .map_err(|e| LoadError::Failed(format!("the upstream packument of `{name}` {e}")))?;
    let packument = Arc::new(packument);
    gate.npm
        .parsed
        .write()
        .expect("npm lock")
        .insert(name.to_owned(), packument.clone());
    Ok((packument, fetch.stale))
}

/// The version a tarball file name belongs to: `NAME-VERSION.tgz` (the
/// unscoped name), else the version whose upstream tarball has that file
/// name.
fn version_of_file<'a>(doc: &'a Packument, name: &str, file: &str) -> Option<&'a VersionFacts> {
    let unscoped = name.rsplit('/').next().unwrap_or(name);
    let by_name = file
        .strip_suffix(".tgz")
        .and_then(|stem| stem.strip_prefix(unscoped))
        .and_then(|rest| rest.strip_prefix('-'))
        .and_then(|v| doc.version(v));
    by_name.or_else(|| doc.versions.iter().find(|f| f.tarball_file() == Some(file)))
}

/// Decides on one version from the registry's facts.
fn decide_version(gate: &Gate, name: &str, facts: &VersionFacts) -> (Decision, String) {
    let (decision, policy) = gate.decide(&Subject {
        ecosystem: Ecosystem::Npm,
        name,
        version: &facts.version,
        sha256: facts.integrity.as_deref(),
        published: facts.published,
        install_scripts: Some(facts.install_scripts),
    });
    (decision, policy.revision.clone())
}

/// The packument (`full`, the parsed document of `doc`) without the
/// versions the policy does not serve, with URLs pointing at the gateway.
/// Ends `validity` when a held version becomes available.
fn visible_view(
    gate: &Gate,
    doc: &Packument,
    full: Value,
    client: &Client,
    validity: &mut Validity,
) -> Value {
    let mut served = std::collections::HashSet::new();
    for facts in &doc.versions {
        let decision = decide_version(gate, &doc.name, facts).0;
        if decision.action.is_served() {
            served.insert(&*facts.version);
        } else if let Some(at) = decision.available_at {
            validity.end_by(at);
        }
    }
    packument::filtered(full, &client.base_url, |v| served.contains(v))
}

async fn tarball_unscoped(
    State(gate): State<Arc<Gate>>,
    Path((name, file)): Path<(String, String)>,
    client: Client,
) -> Response {
    serve_tarball(&gate, &name, &file, &client).await
}

async fn tarball_scoped(
    State(gate): State<Arc<Gate>>,
    Path((scope, name, file)): Path<(String, String, String)>,
    client: Client,
) -> Response {
    serve_tarball(&gate, &format!("{scope}/{name}"), &file, &client).await
}

async fn serve_tarball(gate: &Gate, name: &str, file: &str, client: &Client) -> Response {
    gate.metrics.count_request(Route::NpmArtifact);
    if !is_valid_name(name) || file.contains(['/', '\\']) || file.starts_with('.') {
        return not_found(&format!("{name}/-/{file}"), client);
    }
    let doc = match load(gate, name).await {
        Ok((doc, _)) => doc,
        Err(LoadError::NotFound) => return not_found(name, client),
        Err(LoadError::Failed(message)) => {
            return web::error(StatusCode::BAD_GATEWAY, message, client);
        }
    };
    let Some(facts) = version_of_file(&doc, name, file) else {
        return not_found(&format!("{name}/-/{file}"), client);
    };
    let version = &*facts.version;
    let (decision, revision) = decide_version(gate, name, facts);
    let event = |kind: &str, decision: &Decision, sha256: Option<&str>| {
        let mut event = client.event(kind, "npm", name, decision, &revision);
        event.version = Some(version.to_owned());
        event.file = Some(file.to_owned());
        event.sha256 = sha256.map(str::to_owned);
        event
    };
    if !decision.action.is_served() {
        tracing::info!(package = %name, %version, rule = %decision.rule, request = %client.request_id, "refused");
        gate.record.log(event("refused", &decision, None)).await;
        return web::refusal(&decision, "npm", name, version, client, true);
    }
    let Some(upstream_url) = facts.tarball.as_deref() else {
        return not_found(&format!("{name}@{version}"), client);
    };
    let expected = match facts.expected() {
        Some(expected) => expected,
        None => {
            let refused = Decision {
                action: Action::Deny,
                rule: "integrity".to_owned(),
                reason: "the registry declares no hash for this tarball, so it cannot be checked"
                    .to_owned(),
                available_at: None,
            };
            gate.record.log(event("refused", &refused, None)).await;
            return web::refusal(&refused, "npm", name, version, client, true);
        }
    };
    let key = facts.integrity.as_deref().unwrap_or_default().to_owned();
    let known = gate.npm.files.read().expect("npm lock").get(&key).cloned();
    let (sha256, cached) = match known.filter(|h| gate.blobs.contains(h)) {
        Some(sha256) => (sha256, true),
        None => match gate
            .blobs
            .fetch(
                &gate.upstream,
                upstream_url,
                &expected,
                gate.config.cache.max_artifact_bytes,
            )
            .await
        {
            Ok(sha256) => {
                gate.npm
                    .files
                    .write()
                    .expect("npm lock")
                    .insert(key.clone(), sha256.clone());
                (sha256, false)
            }
            Err(BlobError::Mismatch { expected, actual }) => {
                gate.metrics.count_integrity_failure();
                tracing::error!(package = %name, %version, %expected, %actual, upstream = %upstream_url, "integrity failure: upstream bytes do not match the declared hash");
                let refused = Decision {
                    action: Action::Deny,
                    rule: "integrity".to_owned(),
                    reason: format!(
                        "the upstream served bytes that do not match the declared hash (declared {expected}, got sha256={actual})"
                    ),
                    available_at: None,
                };
                gate.record.log(event("refused", &refused, None)).await;
                return web::error(StatusCode::BAD_GATEWAY, refused.reason, client);
            }
            Err(error) => {
                gate.metrics.count_upstream_error();
                tracing::warn!(package = %name, %version, %error, "cannot fetch a tarball");
                return web::error(
                    StatusCode::BAD_GATEWAY,
                    format!("cannot fetch `{file}`: {error}"),
                    client,
                );
            }
        },
    };
    // The tarball's own word on install-time code.
    if let Some(refused) = script_check(gate, name, version, &sha256, &decision).await {
        gate.record
            .log(event("refused", &refused, Some(&sha256)))
            .await;
        return web::refusal(&refused, "npm", name, version, client, true);
    }
    if let Some(stopped) = gate
        .analyse(
            &decision,
            &key,
            &sha256,
            file,
            previous_tarball(gate, &doc, version),
        )
        .await
    {
        tracing::info!(package = %name, %version, rule = %stopped.rule, request = %client.request_id, "refused after analysis");
        gate.record
            .log(event("refused", &stopped, Some(&sha256)))
            .await;
        return web::refusal(&stopped, "npm", name, version, client, true);
    }
    gate.metrics.count_artifact(cached);
    gate.record.approve("npm", &key, name, Some(version));
    gate.record
        .log(event("download", &decision, Some(&sha256)))
        .await;
    web::serve_blob(gate, &sha256, client).await
}

/// The previous release's tarball, fetched: its stored path, file name
/// and version (prereleases are compared only with a prerelease).
async fn previous_tarball(
    gate: &Gate,
    doc: &Packument,
    version: &str,
) -> Option<(std::path::PathBuf, String, String)> {
    let current = shieldwall_core::Version::parse(Ecosystem::Npm, version).ok()?;
    let (_, previous) = doc
        .versions
        .iter()
        .filter_map(|f| {
            let parsed = shieldwall_core::Version::parse(Ecosystem::Npm, &f.version).ok()?;
            let comparable =
                parsed < current && (current.is_prerelease() || !parsed.is_prerelease());
            comparable.then_some((parsed, f))
        })
        .max_by(|a, b| a.0.partial_cmp(&b.0).unwrap_or(std::cmp::Ordering::Equal))?;
    let url = previous.tarball.as_deref()?;
    let integrity = previous.integrity.as_deref()?.to_owned();
    let known = gate
        .npm
        .files
        .read()
        .expect("npm lock")
        .get(&integrity)
        .cloned();
    let sha256 = match known.filter(|h| gate.blobs.contains(h)) {
        Some(sha256) => sha256,
        None => {
            let sha256 = gate
                .blobs
                .fetch(
                    &gate.upstream,
                    url,
                    &Expected::Integrity(integrity.clone()),
                    gate.config.cache.max_artifact_bytes,
                )
                .await
                .ok()?;
            gate.npm
                .files
                .write()
                .expect("npm lock")
                .insert(integrity, sha256.clone());
            sha256
        }
    };
    let file = url.rsplit('/').next().unwrap_or("package.tgz").to_owned();
    Some((
        gate.blobs.path(&sha256)?,
        file,
        previous.version.to_string(),
    ))
}

/// Refuses a tarball whose own `package.json` or `binding.gyp` runs code
/// at install when the policy blocks that (and nothing let it through
/// already: an override, the allow list, an approved hash).
async fn script_check(
    gate: &Gate,
    name: &str,
    version: &str,
    sha256: &str,
    decision: &Decision,
) -> Option<Decision> {
    let policy = gate.policy();
    if policy.install_scripts != ScriptPolicy::Block
        || policy.scripts_allowed(Ecosystem::Npm, name, version)
        || matches!(
            decision.rule.as_str(),
            "override" | "allow-list" | "approved-hash"
        )
    {
        return None;
    }
    let known = gate
        .npm
        .scripts
        .read()
        .expect("npm lock")
        .get(sha256)
        .cloned();
    let found = match known {
        Some(found) => Ok(found),
        None => {
            let path = gate.blobs.path(sha256)?;
            let read = tokio::task::spawn_blocking(move || {
                std::fs::File::open(&path)
                    .map_err(|e| e.to_string())
                    .and_then(|f| tarball::install_code(std::io::BufReader::new(f)))
            })
            .await
            .unwrap_or_else(|e| Err(e.to_string()));
            if let Ok(found) = &read {
                gate.npm
                    .scripts
                    .write()
                    .expect("npm lock")
                    .insert(sha256.to_owned(), found.clone());
            }
            read
        }
    };
    match found {
        Ok(None) => None,
        Ok(Some(code)) => Some(Decision {
            action: Action::Deny,
            rule: "install-scripts".to_owned(),
            reason: format!(
                "{name} {version} runs code at install ({code}) and is not on `install_scripts_allow`"
            ),
            available_at: None,
        }),
        Err(error) => Some(Decision {
            action: Action::Deny,
            rule: "unreadable-tarball".to_owned(),
            reason: format!("the tarball cannot be read to check for install-time code: {error}"),
            available_at: None,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_checked_before_they_reach_a_url() {
        assert!(is_valid_name("left-pad"));
        assert!(is_valid_name("@tanstack/react-router"));
        assert!(is_valid_name("JSONStream"));
        for bad in [
            "..",
            "../etc",
            "@scope/../x",
            "@/x",
            "a/b",
            ".hidden",
            "@scope/a/b",
            "",
        ] {
            assert!(!is_valid_name(bad), "{bad}");
        }
    }

    #[test]
    fn npm_and_pnpm_accept_headers_choose_the_abbreviated_form() {
        assert!(wants_abbreviated(
            "application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8, */*"
        ));
        assert!(!wants_abbreviated("application/json"));
        assert!(!wants_abbreviated(""));
        assert!(!wants_abbreviated(
            "application/vnd.npm.install-v1+json; q=0.5, application/json"
        ));
    }
}
