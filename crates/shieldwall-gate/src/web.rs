//! What every handler needs from a request (who asks, where the gateway is
//! reached) and how refusals are written so that clients show them.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::body::Body;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use jiff::Timestamp;

use crate::decision::{Action, Decision};
use crate::record::Event;
use crate::state::Gate;

/// The header carrying the request id.
pub const REQUEST_ID: &str = "x-request-id";
/// The header saying metadata came from the cache while the upstream was down.
pub const STALE: &str = "x-shieldwall-stale";

/// Who is asking, and how they reach the gateway.
#[derive(Clone, Debug)]
pub struct Client {
    /// The peer address.
    pub address: String,
    /// The user agent, with npm's `npm-command` appended when sent.
    pub user_agent: String,
    /// The identity the client authenticated as, when known.
    pub identity: Option<String>,
    /// A new id for this request.
    pub request_id: String,
    /// The gateway's address as the client sees it (`http://host:port`).
    pub base_url: String,
}

impl Client {
    /// A record row for this client with the given facts.
    pub fn event(
        &self,
        kind: &str,
        ecosystem: &str,
        name: &str,
        decision: &Decision,
        revision: &str,
    ) -> Event {
        Event {
            time: Timestamp::now().to_string(),
            kind: kind.to_owned(),
            client: self.address.clone(),
            user_agent: self.user_agent.clone(),
            identity: self.identity.clone(),
            ecosystem: ecosystem.to_owned(),
            name: name.to_owned(),
            decision: decision.action.as_str().to_owned(),
            rule: decision.rule.clone(),
            reason: decision.reason.clone(),
            policy_revision: revision.to_owned(),
            request_id: self.request_id.clone(),
            ..Event::default()
        }
    }
}

impl FromRequestParts<Arc<Gate>> for Client {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        gate: &Arc<Gate>,
    ) -> Result<Self, Self::Rejection> {
        let headers = &parts.headers;
        let address = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0)
            .or_else(|| {
                parts
                    .extensions
                    .get::<ConnectInfo<crate::tls::Peer>>()
                    .map(|c| c.0.0)
            })
            .map(|a| a.ip().to_string())
            .unwrap_or_default();
        let text = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let mut user_agent = text("user-agent").unwrap_or_default();
        if let Some(command) = text("npm-command") {
            user_agent.push_str(&format!(" npm-command/{command}"));
        }
        let configured = gate.config.public_url.clone();
        let base_url =
            configured.unwrap_or_else(|| base_from_headers(headers, gate.config.tls.is_some()));
        Ok(Self {
            address,
            user_agent,
            identity: token(headers).and_then(|t| gate.config.auth.identify(&t).map(str::to_owned)),
            request_id: text(REQUEST_ID).unwrap_or_else(new_request_id),
            base_url: base_url.trim_end_matches('/').to_owned(),
        })
    }
}

/// The gateway's address as the client used it: its `Host`, and `https`
/// when the gateway serves TLS itself (else what a proxy's
/// `X-Forwarded-Proto` says).
fn base_from_headers(headers: &HeaderMap, tls: bool) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .filter(|h| {
            h.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b))
        })
        .unwrap_or("localhost");
    let proto = if tls {
        "https"
    } else {
        headers
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .filter(|p| *p == "https" || *p == "http")
            .unwrap_or("http")
    };
    format!("{proto}://{host}")
}

/// The token a client sent: a bearer token, or the password of basic
/// authentication.
fn token(headers: &HeaderMap) -> Option<String> {
    use base64::Engine;
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    if let Some(bearer) = value.strip_prefix("Bearer ") {
        return Some(bearer.trim().to_owned());
    }
    let encoded = value.strip_prefix("Basic ")?;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (_, password) = text.split_once(':')?;
    (!password.is_empty()).then(|| password.to_owned())
}

/// Refuses package requests without a known token when the configuration
/// requires one.
pub async fn require_identity(
    axum::extract::State(gate): axum::extract::State<Arc<Gate>>,
    client: Client,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    if gate.config.auth.required && client.identity.is_none() {
        let mut response = error(
            StatusCode::UNAUTHORIZED,
            "a token is required: npm `_authToken`, or `http://NAME:TOKEN@host/...` for pip and uv",
            &client,
        );
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Basic realm=\"shieldwall\""),
        );
        return response;
    }
    next.run(request).await
}

fn new_request_id() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    format!("{:x}-{n:x}", Timestamp::now().as_millisecond())
}

/// The response refusing a package: 403, with the reason as the HTTP
/// reason phrase (pip shows it) and in the body (npm shows a JSON
/// `error`; other clients show text).
pub fn refusal(
    decision: &Decision,
    ecosystem: &str,
    name: &str,
    version: &str,
    client: &Client,
    json: bool,
) -> Response {
    let mut message = format!(
        "shieldwall: {name} {version} is not available: {}",
        decision.reason
    );
    if let Some(at) = decision.available_at {
        message.push_str(&format!(
            "; available from {}",
            at.strftime("%Y-%m-%d %H:%M UTC")
        ));
    }
    message.push_str(&format!(
        " [rule {}, request {}]",
        decision.rule, client.request_id
    ));
    let hint = match decision.action {
        Action::Deny if decision.rule == "advisory" => String::new(),
        _ => format!(
            "; to request an exception: shieldwall gate override add {ecosystem}:{name}@{version} --reason TEXT"
        ),
    };
    let full = format!("{message}{hint}");
    let body = if json {
        serde_json::json!({ "error": full, "rule": decision.rule, "available_at": decision.available_at.map(|t| t.to_string()) })
            .to_string()
    } else {
        format!("{full}\n")
    };
    let content_type = if json {
        "application/json"
    } else {
        "text/plain; charset=utf-8"
    };
    let mut response = (
        StatusCode::FORBIDDEN,
        [(header::CONTENT_TYPE, content_type)],
        body,
    )
        .into_response();
    let phrase: String = full
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() || c == ' ' {
                c
            } else {
                '?'
            }
        })
        .take(400)
        .collect();
    if let Ok(phrase) = hyper::ext::ReasonPhrase::try_from(phrase.into_bytes()) {
        response.extensions_mut().insert(phrase);
    }
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Ok(id) = HeaderValue::from_str(&client.request_id) {
        headers.insert(REQUEST_ID, id);
    }
    response
}

/// A plain error response with a message and the request id.
pub fn error(status: StatusCode, message: impl Into<String>, client: &Client) -> Response {
    let body = format!(
        "shieldwall: {} [request {}]\n",
        message.into(),
        client.request_id
    );
    let mut response = (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        body,
    )
        .into_response();
    if let Ok(id) = HeaderValue::from_str(&client.request_id) {
        response.headers_mut().insert(REQUEST_ID, id);
    }
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// Serves a stored file.
pub async fn serve_blob(gate: &Gate, sha256: &str, client: &Client) -> Response {
    let Some(path) = gate.blobs.path(sha256) else {
        return error(StatusCode::NOT_FOUND, "no such file", client);
    };
    // One trip to the blocking pool: open, size and, for a small file (most
    // wheels and tarballs), the whole read; larger files are streamed.
    let opened = {
        let path = path.clone();
        let _turn = gate.blobs.read_turn().await;
        tokio::task::spawn_blocking(move || -> std::io::Result<(Blob, u64)> {
            use std::io::Read as _;
            let mut file = std::fs::File::open(&path)?;
            let length = file.metadata()?.len();
            if length <= SMALL_BLOB {
                let mut bytes = Vec::with_capacity(length as usize);
                file.read_to_end(&mut bytes)?;
                let length = bytes.len() as u64;
                Ok((Blob::Whole(bytes), length))
            } else {
                Ok((Blob::Stream(file), length))
            }
        })
        .await
        .unwrap_or_else(|error| Err(std::io::Error::other(error)))
    };
    let (blob, length) = match opened {
        Ok(opened) => opened,
        Err(failure) => {
            tracing::error!(path = %path.display(), error = %failure, "cannot read a cached file");
            return error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "cannot read the cached file",
                client,
            );
        }
    };
    let length = Some(length);
    let body = match blob {
        Blob::Whole(bytes) => Body::from(bytes),
        Blob::Stream(file) => Body::from_stream(tokio_util::io::ReaderStream::with_capacity(
            tokio::fs::File::from_std(file),
            64 << 10,
        )),
    };
    let mut response = (StatusCode::OK, body).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/octet-stream"),
    );
    if let Some(length) = length {
        headers.insert(header::CONTENT_LENGTH, HeaderValue::from(length));
    }
    if let Ok(etag) = HeaderValue::from_str(&format!("\"{sha256}\"")) {
        headers.insert(header::ETAG, etag);
    }
    if let Ok(id) = HeaderValue::from_str(&client.request_id) {
        headers.insert(REQUEST_ID, id);
    }
    response
}

/// Files up to this size are read whole and sent in one body.
const SMALL_BLOB: u64 = 1 << 20;

/// A cached file opened for serving.
enum Blob {
    Whole(Vec<u8>),
    Stream(std::fs::File),
}
