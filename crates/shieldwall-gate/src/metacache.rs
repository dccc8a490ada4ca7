//! Cached upstream metadata (project pages, packuments): raw documents as
//! the upstream sent them, in memory and on disk, each with the upstream it
//! came from. Views are computed from them on every request, so a cached
//! document never freezes a decision.
//!
//! Upstreams are asked in order, and the first one that has the name owns
//! it: a later (public) upstream is never asked for a name the first
//! (private) upstream serves, and when an earlier upstream cannot be
//! reached the name is not looked up further down (it might be a private
//! name), only served from the cache.

use std::collections::HashMap;
use std::io::Write as _;
use std::path::PathBuf;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use bytes::Bytes;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::upstream::{Upstream, UpstreamError};

/// A cached upstream document.
#[derive(Clone, Debug)]
pub struct CachedDoc {
    /// Which upstream (index into the configured list) it came from.
    pub upstream: usize,
    /// The URL it was fetched from.
    pub url: String,
    /// Its content type.
    pub content_type: Option<String>,
    /// The bytes.
    pub body: Bytes,
    /// When it was fetched.
    pub fetched_at: Timestamp,
}

#[derive(Serialize, Deserialize)]
struct DiskHeader {
    upstream: usize,
    url: String,
    content_type: Option<String>,
    fetched_at: Timestamp,
}

/// A document and whether it is stale (served from the cache because the
/// upstream could not be reached).
#[derive(Clone, Debug)]
pub struct Fetch {
    /// The document.
    pub doc: Arc<CachedDoc>,
    /// True when the upstream could not be reached and the cache answered.
    pub stale: bool,
}

/// Why no document could be had.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    /// No upstream has the name.
    #[error("no upstream has it")]
    NotFound,
    /// An upstream that might own the name could not answer, and nothing
    /// is cached.
    #[error("upstream `{url}` failed and nothing is cached: {error}")]
    Outage {
        /// The upstream URL asked.
        url: String,
        /// What went wrong.
        error: UpstreamError,
    },
}

/// The metadata cache.
pub struct MetaCache {
    dir: PathBuf,
    ttl: Duration,
    memory: RwLock<HashMap<String, Arc<CachedDoc>>>,
}

impl MetaCache {
    /// A cache keeping documents under `dir` for `ttl`.
    pub fn new(dir: PathBuf, ttl: Duration) -> Self {
        Self {
            dir,
            ttl,
            memory: RwLock::new(HashMap::new()),
        }
    }

    /// The document for `key`, fetched from the first of `urls` (one per
    /// upstream, in order) that has it, or from the cache while it is
    /// fresh, or (stale) when the owning upstream cannot be reached.
    pub async fn fetch(
        &self,
        upstream: &Upstream,
        key: &str,
        urls: &[String],
        accept: &str,
        limit: u64,
    ) -> Result<Fetch, FetchError> {
        let cached = self.lookup(key);
        if let Some(doc) = &cached
            && self.is_fresh(doc)
        {
            return Ok(Fetch {
                doc: doc.clone(),
                stale: false,
            });
        }
        for (index, url) in urls.iter().enumerate() {
            match upstream.get(url, accept, limit).await {
                Ok(fetched) => {
                    let doc = Arc::new(CachedDoc {
                        upstream: index,
                        url: fetched.url.to_string(),
                        content_type: fetched.content_type,
                        body: fetched.body,
                        fetched_at: Timestamp::now(),
                    });
                    self.store(key, doc.clone());
                    return Ok(Fetch { doc, stale: false });
                }
                Err(UpstreamError::NotFound) => continue,
                Err(error) => {
                    return match cached {
                        Some(doc) => {
                            tracing::warn!(%url, %error, "upstream failed; serving cached metadata");
                            Ok(Fetch { doc, stale: true })
                        }
                        None => Err(FetchError::Outage {
                            url: url.clone(),
                            error,
                        }),
                    };
                }
            }
        }
        // Every upstream said it does not have the name: forget the copy.
        if cached.is_some() {
            self.forget(key);
        }
        Err(FetchError::NotFound)
    }

    fn is_fresh(&self, doc: &CachedDoc) -> bool {
        let age = Timestamp::now().duration_since(doc.fetched_at);
        age.is_positive() && age.unsigned_abs() < self.ttl
    }

    fn disk_path(&self, key: &str) -> PathBuf {
        let digest = hex::encode(Sha256::digest(key.as_bytes()));
        self.dir.join(&digest[..2]).join(digest)
    }

    fn lookup(&self, key: &str) -> Option<Arc<CachedDoc>> {
        if let Some(doc) = self.memory.read().expect("cache lock").get(key) {
            return Some(doc.clone());
        }
        let bytes = std::fs::read(self.disk_path(key)).ok()?;
        let newline = bytes.iter().position(|&b| b == b'\n')?;
        let header: DiskHeader = serde_json::from_slice(&bytes[..newline]).ok()?;
        let doc = Arc::new(CachedDoc {
            upstream: header.upstream,
            url: header.url,
            content_type: header.content_type,
            body: Bytes::copy_from_slice(&bytes[newline + 1..]),
            fetched_at: header.fetched_at,
        });
        self.memory
            .write()
            .expect("cache lock")
            .insert(key.to_owned(), doc.clone());
        Some(doc)
    }

    fn store(&self, key: &str, doc: Arc<CachedDoc>) {
        let path = self.disk_path(key);
        let header = DiskHeader {
            upstream: doc.upstream,
            url: doc.url.clone(),
            content_type: doc.content_type.clone(),
            fetched_at: doc.fetched_at,
        };
        let written = (|| -> std::io::Result<()> {
            let dir = path.parent().expect("cache paths have a parent");
            std::fs::create_dir_all(dir)?;
            let tmp = path.with_extension("tmp");
            let mut file = std::fs::File::create(&tmp)?;
            serde_json::to_writer(&mut file, &header)?;
            file.write_all(b"\n")?;
            file.write_all(&doc.body)?;
            std::fs::rename(tmp, &path)
        })();
        if let Err(error) = written {
            tracing::warn!(path = %path.display(), %error, "cannot write the metadata cache");
        }
        self.memory
            .write()
            .expect("cache lock")
            .insert(key.to_owned(), doc);
    }

    fn forget(&self, key: &str) {
        self.memory.write().expect("cache lock").remove(key);
        let _ = std::fs::remove_file(self.disk_path(key));
    }

    /// How many documents are held in memory.
    pub fn len(&self) -> usize {
        self.memory.read().expect("cache lock").len()
    }

    /// True when no document is held in memory.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
