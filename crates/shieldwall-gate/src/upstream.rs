//! Fetching from upstream registries, with a timeout and a size limit on
//! every response.

use std::time::Duration;

use bytes::Bytes;
use futures_util::StreamExt;
use reqwest::StatusCode;

/// Why an upstream request failed.
#[derive(Debug, thiserror::Error)]
pub enum UpstreamError {
    /// The upstream does not have it (404 or 410).
    #[error("not found upstream")]
    NotFound,
    /// The upstream answered with another error status.
    #[error("the upstream answered {0}")]
    Status(StatusCode),
    /// The response was larger than allowed.
    #[error("the upstream response is larger than {0} bytes")]
    TooLarge(u64),
    /// The request timed out, could not connect, or broke off.
    #[error("the upstream cannot be reached: {0}")]
    Unreachable(String),
}

impl UpstreamError {
    /// True when the upstream could not answer at all (as opposed to
    /// answering that it does not have the package).
    pub fn is_outage(&self) -> bool {
        !matches!(self, Self::NotFound)
    }
}

/// A fetched document.
#[derive(Clone, Debug)]
pub struct Fetched {
    /// The final URL (after redirects).
    pub url: reqwest::Url,
    /// The `Content-Type`, if any.
    pub content_type: Option<String>,
    /// The body.
    pub body: Bytes,
}

/// The HTTP client used for every upstream.
#[derive(Clone, Debug)]
pub struct Upstream {
    client: reqwest::Client,
}

impl Upstream {
    /// A client whose requests time out after `timeout`.
    pub fn new(timeout: Duration) -> Self {
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(10)))
            .user_agent(concat!("shieldwall-gate/", env!("CARGO_PKG_VERSION")))
            // Compressed transfer would change nothing the client sees,
            // and artifacts must never be transcoded.
            .no_gzip()
            .build()
            .expect("a TLS backend is compiled in");
        Self { client }
    }

    /// GETs `url` with `accept`, reading at most `limit` bytes of body.
    pub async fn get(&self, url: &str, accept: &str, limit: u64) -> Result<Fetched, UpstreamError> {
        let response = self
            .client
            .get(url)
            .header(reqwest::header::ACCEPT, accept)
            .send()
            .await
            .map_err(|e| UpstreamError::Unreachable(e.without_url().to_string()))?;
        Self::check_status(response.status())?;
        if response.content_length().is_some_and(|n| n > limit) {
            return Err(UpstreamError::TooLarge(limit));
        }
        let url = response.url().clone();
        let content_type = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let mut body = Vec::new();
        let mut stream = response.bytes_stream();
        while let Some(chunk) = stream.next().await {
            let chunk =
                chunk.map_err(|e| UpstreamError::Unreachable(e.without_url().to_string()))?;
            if body.len() as u64 + chunk.len() as u64 > limit {
                return Err(UpstreamError::TooLarge(limit));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Fetched {
            url,
            content_type,
            body: Bytes::from(body),
        })
    }

    /// Starts a GET of `url` for streaming (artifacts).
    pub async fn stream(&self, url: &str) -> Result<reqwest::Response, UpstreamError> {
        let response = self
            .client
            .get(url)
            .send()
            .await
            .map_err(|e| UpstreamError::Unreachable(e.without_url().to_string()))?;
        Self::check_status(response.status())?;
        Ok(response)
    }

    fn check_status(status: StatusCode) -> Result<(), UpstreamError> {
        match status {
            s if s.is_success() => Ok(()),
            StatusCode::NOT_FOUND | StatusCode::GONE => Err(UpstreamError::NotFound),
            s => Err(UpstreamError::Status(s)),
        }
    }
}
