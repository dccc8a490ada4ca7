//! The Python simple repository API, served under `/pypi/simple/`, and
//! the files it links to, under `/pypi/files/SHA256/FILENAME`.
//!
//! Upstream pages are fetched as PEP 691 JSON (HTML upstreams are read
//! too), every file is decided on by itself (new files can be added to an
//! old release, so age is judged per file), and the page is written back
//! in the form the client asked for with file URLs pointing here. A file
//! request decides again (the advisory database may have changed since the
//! page was fetched), then serves the file from the cache or fetches it,
//! checking its bytes against the sha256 the upstream declared.

pub mod page;

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, RwLock};

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use bytes::Bytes;
use jiff::Timestamp;
use serde::Deserialize;
use serde_json::Value;
use shieldwall_core::Ecosystem;

use crate::blobs::{BlobError, Expected, is_sha256};
use crate::decision::{Decision, Subject};
use crate::metacache::{CachedDoc, FetchError};
use crate::metrics::Route;
use crate::policy::HideMode;
use crate::state::Gate;
use crate::views::Validity;
use crate::web::{self, Client, REQUEST_ID, STALE};

use page::{FileEntry, HTML_TYPE, JSON_TYPE, ProjectPage, file_version, project_candidates};

/// What the gateway asks upstreams for: JSON first (it has upload times).
const UPSTREAM_ACCEPT: &str = "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.1";

/// The routes of the Python side.
pub fn routes() -> Router<Arc<Gate>> {
    Router::new()
        .route(
            "/pypi/simple",
            get(|| async { Redirect::permanent("/pypi/simple/") }),
        )
        .route("/pypi/simple/", get(root))
        .route("/pypi/simple/{project}", get(project))
        .route("/pypi/simple/{project}/", get(project))
        .route("/pypi/files/{sha256}/{filename}", get(file))
}

/// Read pages by project name, reused while their cached document is the
/// same.
#[derive(Default)]
pub struct ParsedPages(RwLock<HashMap<String, Arc<Page>>>);

/// A project page as the gateway keeps it: the cached upstream document
/// (parsed again only to render a view) and what a file request needs of
/// each file. The parsed page is several times the size of its bytes, so
/// it is not kept.
#[derive(Debug)]
pub struct Page {
    /// The cached upstream document.
    doc: Arc<CachedDoc>,
    /// The project name the page gives.
    pub name: Box<str>,
    /// Its files.
    pub files: Vec<FileFacts>,
}

/// What a file request needs to know about one file of a page.
#[derive(Clone, Debug)]
pub struct FileFacts {
    /// The file name.
    pub filename: Box<str>,
    /// Its upstream URL (absolute).
    pub url: Box<str>,
    /// Its sha256, lowercase, if the upstream gave one.
    pub sha256: Option<Box<str>>,
    /// The sha256 of its metadata file, if one is offered with a hash.
    pub metadata_sha256: Option<Box<str>>,
    /// When it was uploaded, when the upstream says so.
    pub upload_time: Option<Timestamp>,
}

impl Page {
    /// Reads the page of project `name` in `doc`.
    fn read(doc: Arc<CachedDoc>, name: &str) -> Result<Self, LoadError> {
        let page = parse(&doc, name)?;
        let files = page
            .files
            .iter()
            .map(|f| FileFacts {
                filename: f.filename.as_str().into(),
                url: f.url.as_str().into(),
                sha256: f.sha256().map(String::into_boxed_str),
                metadata_sha256: f.metadata_sha256().map(String::into_boxed_str),
                upload_time: upload_time(f),
            })
            .collect();
        Ok(Self {
            doc,
            name: page.name.into_boxed_str(),
            files,
        })
    }

    /// The whole page, parsed again (for a view).
    fn full(&self) -> ProjectPage {
        parse(&self.doc, &self.name).expect("the page was read when it was cached")
    }
}

/// Parses the upstream page of project `name` in `doc`.
fn parse(doc: &CachedDoc, name: &str) -> Result<ProjectPage, LoadError> {
    let base = reqwest::Url::parse(&doc.url).map_err(|e| LoadError::Invalid(e.to_string()))?;
    ProjectPage::parse(&doc.body, doc.content_type.as_deref(), name, &base)
        .map_err(|e| LoadError::Invalid(format!("`{name}` from {}: {e}", doc.url)))
}

/// The upload time of a file, when it is given and valid.
fn upload_time(file: &FileEntry) -> Option<Timestamp> {
    file.upload_time
        .as_deref()
        .and_then(|t| t.parse::<Timestamp>().ok())
}

/// The format a client asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Format {
    Json,
    Html,
    TextHtml,
}

impl Format {
    /// The key of rendered views in this format.
    fn key(self) -> &'static str {
        match self {
            Self::Json => "json",
            Self::Html => "html",
            Self::TextHtml => "text-html",
        }
    }

    fn content_type(self) -> &'static str {
        match self {
            Self::Json => JSON_TYPE,
            Self::Html => HTML_TYPE,
            Self::TextHtml => "text/html; charset=utf-8",
        }
    }
}

#[derive(Deserialize)]
struct FormatQuery {
    format: Option<String>,
}

/// Picks the response format from `Accept` (PEP 691, with q-values) or a
/// `?format=` parameter; `None` when nothing acceptable is offered.
fn negotiate(accept: Option<&str>, format: Option<&str>) -> Option<Format> {
    let by_type = |media: &str| match media {
        "application/vnd.pypi.simple.v1+json" | "application/vnd.pypi.simple.latest+json" => {
            Some(Format::Json)
        }
        "application/vnd.pypi.simple.v1+html" | "application/vnd.pypi.simple.latest+html" => {
            Some(Format::Html)
        }
        "text/html" | "text/*" | "*/*" => Some(Format::TextHtml),
        _ => None,
    };
    if let Some(format) = format {
        return by_type(format);
    }
    let Some(accept) = accept.filter(|a| !a.trim().is_empty()) else {
        return Some(Format::TextHtml);
    };
    let mut best: Option<(f32, Format)> = None;
    for item in accept.split(',') {
        let mut parts = item.split(';');
        let media = parts.next().unwrap_or("").trim().to_ascii_lowercase();
        let q = parts
            .filter_map(|p| p.trim().strip_prefix("q="))
            .find_map(|q| q.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        if q <= 0.0 {
            continue;
        }
        if let Some(format) = by_type(&media)
            && best.is_none_or(|(bq, _)| q > bq)
        {
            best = Some((q, format));
        }
    }
    best.map(|(_, f)| f)
}

async fn root(client: Client, headers: HeaderMap, Query(q): Query<FormatQuery>) -> Response {
    let accept = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok());
    let Some(format) = negotiate(accept, q.format.as_deref()) else {
        return web::error(StatusCode::NOT_ACCEPTABLE, "no acceptable format", &client);
    };
    // The gateway does not list every upstream project: clients ask for
    // projects by name.
    let body = match format {
        Format::Json => r#"{"meta":{"api-version":"1.1"},"projects":[]}"#.to_owned(),
        _ => "<!DOCTYPE html>\n<html><head><meta name=\"pypi:repository-version\" content=\"1.1\"><title>Simple index</title></head><body></body></html>\n".to_owned(),
    };
    respond(format, body.into(), &client, false)
}

fn respond(format: Format, body: Bytes, client: &Client, stale: bool) -> Response {
    let mut response = (StatusCode::OK, body).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(format.content_type()),
    );
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

async fn project(
    State(gate): State<Arc<Gate>>,
    Path(project): Path<String>,
    client: Client,
    headers: HeaderMap,
    Query(q): Query<FormatQuery>,
) -> Response {
    gate.metrics.count_request(Route::PypiMetadata);
    let name = Ecosystem::PyPI.normalize_name(&project).into_owned();
    if name != project || !is_valid_name(&name) {
        if !is_valid_name(&name) {
            return web::error(
                StatusCode::NOT_FOUND,
                format!("`{project}` is not a project name"),
                &client,
            );
        }
        return Redirect::permanent(&format!("{}/pypi/simple/{name}/", client.base_url))
            .into_response();
    }
    let accept = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok());
    let Some(format) = negotiate(accept, q.format.as_deref()) else {
        return web::error(
            StatusCode::NOT_ACCEPTABLE,
            "no acceptable format (the simple API serves PEP 691 JSON and HTML)",
            &client,
        );
    };
    let (page, stale) = match load_page(&gate, &name).await {
        Ok(loaded) => loaded,
        Err(response) => return response.into_response(&client),
    };
    let body = rendered_view(&gate, &page, format, &client);
    respond(format, body, &client, stale)
}

/// The page as this client sees it, rendered: kept from an earlier
/// request while nothing it depends on changed (see [`crate::views`]).
fn rendered_view(gate: &Gate, page: &Arc<Page>, format: Format, client: &Client) -> Bytes {
    gate.cached_view(
        &gate.pypi_views,
        &page.name,
        page,
        format.key(),
        &client.base_url,
        |validity| {
            let view = filtered_view(gate, page.full(), client, validity);
            Bytes::from(match format {
                Format::Json => view.to_json(),
                Format::Html | Format::TextHtml => view.to_html().into_bytes(),
            })
        },
    )
}

/// Why a page could not be had, as a response.
#[derive(Debug)]
enum LoadError {
    NotFound(String),
    Outage(String),
    Invalid(String),
}

impl LoadError {
    fn into_response(self, client: &Client) -> Response {
        match self {
            Self::NotFound(name) => web::error(
                StatusCode::NOT_FOUND,
                format!("no upstream has `{name}`"),
                client,
            ),
            Self::Outage(message) => web::error(StatusCode::BAD_GATEWAY, message, client),
            Self::Invalid(message) => web::error(StatusCode::BAD_GATEWAY, message, client),
        }
    }
}

fn is_valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 200
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.' || b == b'_')
        && !name.starts_with('.')
}

/// The upstream page for `name` (normalized), parsed, and whether it came
/// from the cache because the upstream was down.
async fn load_page(gate: &Gate, name: &str) -> Result<(Arc<Page>, bool), LoadError> {
    let urls: Vec<String> = gate
        .config
        .pypi
        .upstreams
        .iter()
        .map(|root| format!("{}/{name}/", root.trim_end_matches('/')))
        .collect();
    let key = format!("pypi/{name}");
    let fetch = gate
        .meta
        .fetch(
            &gate.upstream,
            &key,
            &urls,
            UPSTREAM_ACCEPT,
            gate.config.cache.max_metadata_bytes,
        )
        .await
        .map_err(|e| match e {
            FetchError::NotFound => LoadError::NotFound(name.to_owned()),
            FetchError::Outage { url, error } => {
                gate.metrics.count_upstream_error();
                tracing::warn!(%url, %error, "upstream unavailable");
                LoadError::Outage(format!(
                    "the upstream for `{name}` cannot be reached and nothing is cached ({error})"
                ))
            }
        })?;
    if fetch.stale {
        gate.metrics.count_stale();
    }
    if let Some(page) = gate.pypi_pages.0.read().expect("page lock").get(name)
        && Arc::ptr_eq(&page.doc, &fetch.doc)
    {
        return Ok((page.clone(), fetch.stale));
    }
    let page = Page::read(fetch.doc, name)?;
    {
        let mut files = gate.pypi_files.write().expect("file index lock");
        for file in &page.files {
            if let Some(hash) = &file.sha256 {
                files.insert(hash.to_string(), name.to_owned());
            }
        }
    }
    let page = Arc::new(page);
    gate.pypi_pages
        .0
        .write()
        .expect("page lock")
        .insert(name.to_owned(), page.clone());
    Ok((page, fetch.stale))
}

/// Decides on one file (`filename`, uploaded at `published`) of project
/// `name`.
fn decide_file(
    gate: &Gate,
    name: &str,
    filename: &str,
    published: Option<Timestamp>,
    sha256: &str,
) -> (Decision, String, String) {
    let version = file_version(filename, name).unwrap_or_default();
    let (decision, policy) = gate.decide(&Subject {
        ecosystem: Ecosystem::PyPI,
        name,
        version: &version,
        sha256: Some(sha256),
        published,
        install_scripts: None,
    });
    (decision, version, policy.revision.clone())
}

/// The page (`page`, parsed in full) as this client may see it: file URLs
/// pointing at the gateway, files the policy does not serve marked yanked
/// with the reason (or left out), files without a sha256 left out (they
/// cannot be checked). Ends `validity` when a held file becomes available.
fn filtered_view(
    gate: &Gate,
    page: ProjectPage,
    client: &Client,
    validity: &mut Validity,
) -> ProjectPage {
    let hide = gate.policy().hide;
    let mut view = ProjectPage {
        meta: page.meta,
        name: page.name,
        files: Vec::with_capacity(page.files.len()),
        versions: None,
        extra: page.extra,
    };
    view.meta
        .entry("api-version")
        .or_insert_with(|| Value::String("1.1".to_owned()));
    let mut removed_versions = HashSet::new();
    let mut kept_versions = HashSet::new();
    let mut hidden = 0usize;
    for mut entry in page.files {
        let Some(sha256) = entry.sha256().filter(|h| is_sha256(h)) else {
            hidden += 1;
            continue;
        };
        let (decision, version, _) = decide_file(
            gate,
            &view.name,
            &entry.filename,
            upload_time(&entry),
            &sha256,
        );
        entry.url = format!(
            "{}/pypi/files/{sha256}/{}",
            client.base_url,
            urlencode(&entry.filename)
        );
        if !decision.action.is_served() {
            hidden += 1;
            if let Some(at) = decision.available_at {
                validity.end_by(at);
            }
            match hide {
                HideMode::Remove => {
                    removed_versions.insert(version);
                    continue;
                }
                HideMode::Yank => {
                    let mut reason = format!("shieldwall: {}", decision.reason);
                    if let Some(at) = decision.available_at {
                        reason.push_str(&format!(
                            "; available from {}",
                            at.strftime("%Y-%m-%d %H:%M UTC")
                        ));
                    }
                    entry.yanked = Some(Value::String(reason));
                }
            }
        }
        kept_versions.insert(version);
        view.files.push(entry);
    }
    view.versions = page.versions.map(|versions| {
        versions
            .into_iter()
            .filter(|v| kept_versions.contains(v) || !removed_versions.contains(v))
            .collect()
    });
    if hidden > 0 {
        tracing::debug!(project = %view.name, hidden, request = %client.request_id, "files held back");
    }
    view
}

/// Percent-encodes the characters of a file name that cannot appear in a
/// URL path segment.
fn urlencode(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~+!".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

async fn file(
    State(gate): State<Arc<Gate>>,
    Path((sha256, filename)): Path<(String, String)>,
    client: Client,
) -> Response {
    gate.metrics.count_request(Route::PypiArtifact);
    let sha256 = sha256.to_ascii_lowercase();
    if !is_sha256(&sha256)
        || filename.is_empty()
        || filename.len() > 255
        || filename.starts_with('.')
        || filename.contains(['/', '\\', '\0'])
    {
        return web::error(StatusCode::NOT_FOUND, "no such file", &client);
    }
    let (artifact_name, metadata) = match filename.strip_suffix(".metadata") {
        Some(stem) => (stem.to_owned(), true),
        None => (filename.clone(), false),
    };
    let Some((page, entry)) = find_file(&gate, &sha256, &artifact_name).await else {
        return web::error(
            StatusCode::NOT_FOUND,
            format!("no upstream lists `{artifact_name}` with sha256 {sha256}"),
            &client,
        );
    };
    let (decision, version, revision) = decide_file(
        &gate,
        &page.name,
        &entry.filename,
        entry.upload_time,
        &sha256,
    );
    let mut event = client.event(
        if decision.action.is_served() {
            "download"
        } else {
            "refused"
        },
        "pypi",
        &page.name,
        &decision,
        &revision,
    );
    event.version = Some(version.clone());
    event.file = Some(filename.clone());
    event.sha256 = Some(sha256.clone());
    if !decision.action.is_served() {
        tracing::info!(project = %page.name, %version, file = %filename, rule = %decision.rule, request = %client.request_id, "refused");
        gate.record.log(event).await;
        return web::refusal(&decision, "pypi", &page.name, &version, &client, false);
    }
    let (want, url, limit) = if metadata {
        let Some(hash) = entry.metadata_sha256.as_deref().filter(|h| is_sha256(h)) else {
            return web::error(
                StatusCode::NOT_FOUND,
                format!("`{artifact_name}` has no metadata file with a hash"),
                &client,
            );
        };
        (
            hash.to_owned(),
            format!("{}.metadata", entry.url),
            gate.config.cache.max_metadata_bytes,
        )
    } else {
        (
            sha256.clone(),
            entry.url.to_string(),
            gate.config.cache.max_artifact_bytes,
        )
    };
    let cached = gate.blobs.contains(&want);
    if !cached {
        match gate
            .blobs
            .fetch(&gate.upstream, &url, &Expected::Sha256(want.clone()), limit)
            .await
        {
            Ok(_) => {}
            Err(BlobError::Mismatch { expected, actual }) => {
                gate.metrics.count_integrity_failure();
                tracing::error!(project = %page.name, file = %filename, %expected, %actual, upstream = %url, "integrity failure: upstream bytes do not match the declared hash");
                let failed = Decision {
                    action: crate::decision::Action::Deny,
                    rule: "integrity".to_owned(),
                    reason: format!(
                        "the upstream served bytes that do not match the declared hash (declared {expected}, got sha256={actual})"
                    ),
                    available_at: None,
                };
                let mut event = client.event("refused", "pypi", &page.name, &failed, &revision);
                event.version = Some(version.clone());
                event.file = Some(filename.clone());
                event.sha256 = Some(sha256.clone());
                gate.record.log(event).await;
                return web::error(StatusCode::BAD_GATEWAY, failed.reason, &client);
            }
            Err(error) => {
                gate.metrics.count_upstream_error();
                tracing::warn!(file = %filename, %error, "cannot fetch a file");
                return web::error(
                    StatusCode::BAD_GATEWAY,
                    format!("cannot fetch `{filename}`: {error}"),
                    &client,
                );
            }
        }
    }
    if !metadata
        && let Some(stopped) = gate
            .analyse(
                &decision,
                &sha256,
                &sha256,
                &entry.filename,
                previous_file(&gate, &page, &entry, &version),
            )
            .await
    {
        tracing::info!(project = %page.name, %version, file = %filename, rule = %stopped.rule, request = %client.request_id, "refused after analysis");
        let mut event = client.event("refused", "pypi", &page.name, &stopped, &revision);
        event.version = Some(version.clone());
        event.file = Some(filename.clone());
        event.sha256 = Some(sha256.clone());
        gate.record.log(event).await;
        return web::refusal(&stopped, "pypi", &page.name, &version, &client, false);
    }
    gate.metrics.count_artifact(cached);
    if !metadata {
        gate.record
            .approve("pypi", &sha256, &page.name, Some(&version));
        gate.record.log(event).await;
    }
    web::serve_blob(&gate, &want, &client).await
}

/// The previous version's file of the same kind (wheel or sdist), fetched:
/// its stored path, file name and version.
async fn previous_file(
    gate: &Gate,
    page: &Page,
    entry: &FileFacts,
    version: &str,
) -> Option<(std::path::PathBuf, String, String)> {
    let current = shieldwall_core::Version::parse(Ecosystem::PyPI, version).ok()?;
    let wheel = entry.filename.ends_with(".whl");
    let candidate = page
        .files
        .iter()
        .filter(|f| f.filename.ends_with(".whl") == wheel)
        .filter_map(|f| {
            let v = file_version(&f.filename, &page.name)?;
            let parsed = shieldwall_core::Version::parse(Ecosystem::PyPI, &v).ok()?;
            (parsed < current && f.sha256.as_deref().is_some_and(is_sha256))
                .then_some((parsed, v, f))
        })
        .max_by(|a, b| a.0.partial_cmp(&b.0).unwrap_or(std::cmp::Ordering::Equal))?;
    let (_, prev_version, file) = candidate;
    let hash = file.sha256.as_deref()?.to_owned();
    if !gate.blobs.contains(&hash) {
        gate.blobs
            .fetch(
                &gate.upstream,
                &file.url,
                &Expected::Sha256(hash.clone()),
                gate.config.cache.max_artifact_bytes,
            )
            .await
            .ok()?;
    }
    Some((
        gate.blobs.path(&hash)?,
        file.filename.to_string(),
        prev_version,
    ))
}

/// Finds the file with `sha256` and `filename` on its project's page.
async fn find_file(gate: &Gate, sha256: &str, filename: &str) -> Option<(Arc<Page>, FileFacts)> {
    let known = gate
        .pypi_files
        .read()
        .expect("file index lock")
        .get(sha256)
        .cloned();
    let candidates = known.into_iter().chain(project_candidates(filename));
    let mut tried = HashSet::new();
    for name in candidates {
        if !tried.insert(name.clone()) || !is_valid_name(&name) {
            continue;
        }
        let Ok((page, _)) = load_page(gate, &name).await else {
            continue;
        };
        if let Some(entry) = page
            .files
            .iter()
            .find(|f| &*f.filename == filename && f.sha256.as_deref() == Some(sha256))
        {
            return Some((page.clone(), entry.clone()));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_negotiation_follows_pep_691() {
        let pip = "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html; q=0.1, text/html; q=0.01";
        assert_eq!(negotiate(Some(pip), None), Some(Format::Json));
        assert_eq!(negotiate(Some("text/html"), None), Some(Format::TextHtml));
        assert_eq!(
            negotiate(
                Some(
                    "application/vnd.pypi.simple.v1+json;q=0.2, application/vnd.pypi.simple.v1+html"
                ),
                None
            ),
            Some(Format::Html)
        );
        assert_eq!(negotiate(None, None), Some(Format::TextHtml));
        assert_eq!(negotiate(Some("application/json"), None), None);
        assert_eq!(negotiate(Some("text/html;q=0"), None), None);
        assert_eq!(
            negotiate(Some("text/html"), Some(JSON_TYPE)),
            Some(Format::Json)
        );
    }

    #[test]
    fn a_kept_page_has_the_facts_of_its_files_and_parses_again_in_full() {
        let body = br#"{"meta":{"api-version":"1.1"},"name":"demo","versions":["1.0"],
          "files":[{"filename":"demo-1.0-py3-none-any.whl","url":"../../files/demo-1.0-py3-none-any.whl",
            "hashes":{"sha256":"AB"},"upload-time":"2026-01-01T00:00:00.000000Z",
            "core-metadata":{"sha256":"CD"},"x-custom":1},
            {"filename":"demo-1.0.tar.gz","url":"https://files.example.test/demo-1.0.tar.gz","hashes":{}}]}"#;
        let doc = Arc::new(CachedDoc {
            upstream: 0,
            url: "http://127.0.0.1:9000/simple/demo/".to_owned(),
            content_type: Some(JSON_TYPE.to_owned()),
            body: Bytes::from_static(body),
            fetched_at: Timestamp::now(),
        });
        let page = Page::read(doc, "demo").unwrap();
        assert_eq!(&*page.name, "demo");
        let wheel = &page.files[0];
        assert_eq!(
            &*wheel.url,
            "http://127.0.0.1:9000/files/demo-1.0-py3-none-any.whl"
        );
        assert_eq!(wheel.sha256.as_deref(), Some("ab"));
        assert_eq!(wheel.metadata_sha256.as_deref(), Some("cd"));
        assert_eq!(
            wheel.upload_time,
            Some("2026-01-01T00:00:00Z".parse().unwrap())
        );
        assert_eq!(page.files[1].sha256, None);
        assert_eq!(page.files[1].upload_time, None);
        let full = page.full();
        assert_eq!(full.files.len(), 2);
        assert_eq!(full.files[0].extra["x-custom"], 1);
        assert_eq!(full.versions.as_deref(), Some(&["1.0".to_owned()][..]));
        let broken = Arc::new(CachedDoc {
            body: Bytes::from_static(b"{"),
            ..(*page.doc).clone()
        });
        assert!(matches!(
            Page::read(broken, "demo"),
            Err(LoadError::Invalid(_))
        ));
    }

    #[test]
    fn file_names_are_encoded_for_urls() {
        assert_eq!(urlencode("demo-1.0+local.tar.gz"), "demo-1.0+local.tar.gz");
        assert_eq!(urlencode("a b#c"), "a%20b%23c");
    }
}
