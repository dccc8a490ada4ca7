//! The artifact cache: files stored by their sha256, written only after
//! their bytes matched the hash the upstream declared.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use base64::Engine;
use futures_util::StreamExt;
use sha1::Sha1;
use sha2::{Digest, Sha256, Sha512};
use tokio::io::AsyncWriteExt;
use tokio::sync::{Semaphore, SemaphorePermit};

use crate::upstream::{Upstream, UpstreamError};

/// The hash an upstream declared for a file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Expected {
    /// A hex sha256 (Python indexes).
    Sha256(String),
    /// A Subresource Integrity string (`sha512-…`, npm `dist.integrity`).
    Integrity(String),
    /// A hex sha1 (npm `dist.shasum`, for packages older than `integrity`).
    Sha1(String),
}

impl std::fmt::Display for Expected {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Sha256(hex) => write!(f, "sha256={hex}"),
            Self::Integrity(sri) => f.write_str(sri),
            Self::Sha1(hex) => write!(f, "sha1={hex}"),
        }
    }
}

/// Why a file could not be stored.
#[derive(Debug, thiserror::Error)]
pub enum BlobError {
    /// The upstream failed.
    #[error(transparent)]
    Upstream(#[from] UpstreamError),
    /// The bytes did not match the declared hash.
    #[error(
        "the upstream served bytes that do not match the declared hash (declared {expected}, got sha256={actual})"
    )]
    Mismatch {
        /// What the upstream declared.
        expected: String,
        /// The sha256 of what it served.
        actual: String,
    },
    /// The declared hash is in a form that cannot be checked.
    #[error("the declared hash `{0}` cannot be checked (need sha256 or sha512)")]
    Unverifiable(String),
    /// Writing the cache failed.
    #[error("cannot write to the artifact cache `{path}`: {source}")]
    Io {
        /// The path.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

/// The content-addressed artifact store under the state directory.
#[derive(Clone, Debug)]
pub struct BlobStore {
    root: PathBuf,
    reads: Arc<Semaphore>,
}

/// Cached files read on the blocking pool at a time, at most. Every
/// blocking thread keeps allocator pages of its own, and without a bound a
/// flood of downloads grows the pool to about one thread per connection
/// (139 threads and ~25 MB more memory at 64 connections); reading a
/// cached file takes microseconds, so a few threads keep up.
const READS: usize = 8;

impl BlobStore {
    /// A store rooted at `root` (created when needed).
    pub fn new(root: PathBuf) -> Self {
        Self {
            root,
            reads: Arc::new(Semaphore::new(READS)),
        }
    }

    /// Waits for a turn to read a cached file on the blocking pool; the
    /// turn lasts as long as the permit.
    pub async fn read_turn(&self) -> SemaphorePermit<'_> {
        self.reads
            .acquire()
            .await
            .expect("the read semaphore is never closed")
    }

    /// Where the file with `sha256` is kept; `None` unless `sha256` is 64
    /// hex digits (so no request can name a path outside the store).
    pub fn path(&self, sha256: &str) -> Option<PathBuf> {
        if !is_sha256(sha256) {
            return None;
        }
        let sha256 = sha256.to_ascii_lowercase();
        Some(self.root.join("sha256").join(&sha256[..2]).join(&sha256))
    }

    /// True when the file is in the store.
    pub fn contains(&self, sha256: &str) -> bool {
        self.path(sha256).is_some_and(|p| p.is_file())
    }

    /// Downloads `url`, checks it against `expected`, and stores it;
    /// returns its sha256 (hex). Nothing is stored unless the hash matched.
    pub async fn fetch(
        &self,
        upstream: &Upstream,
        url: &str,
        expected: &Expected,
        limit: u64,
    ) -> Result<String, BlobError> {
        if let Expected::Integrity(sri) = expected
            && !sri.split_whitespace().any(|h| {
                h.starts_with("sha512-") || h.starts_with("sha256-") || h.starts_with("sha1-")
            })
        {
            return Err(BlobError::Unverifiable(sri.clone()));
        }
        let tmp_dir = self.root.join("tmp");
        let io = |path: &Path| {
            let path = path.to_owned();
            move |source| BlobError::Io { path, source }
        };
        tokio::fs::create_dir_all(&tmp_dir)
            .await
            .map_err(io(&tmp_dir))?;
        let tmp = tmp_dir.join(format!("dl-{}", unique()));
        let result = self.download(upstream, url, &tmp, limit).await;
        let (sha256, sha512, sha1) = match result {
            Ok(hashes) => hashes,
            Err(e) => {
                let _ = tokio::fs::remove_file(&tmp).await;
                return Err(e);
            }
        };
        let matches = match expected {
            Expected::Sha256(hex) => hex.eq_ignore_ascii_case(&sha256),
            Expected::Integrity(sri) => sri_matches(sri, &sha256, &sha512, &sha1),
            Expected::Sha1(hex) => hex.eq_ignore_ascii_case(&hex::encode(&sha1)),
        };
        if !matches {
            let _ = tokio::fs::remove_file(&tmp).await;
            return Err(BlobError::Mismatch {
                expected: expected.to_string(),
                actual: sha256,
            });
        }
        let dest = self.path(&sha256).expect("a computed sha256 is hex");
        if let Some(dir) = dest.parent() {
            tokio::fs::create_dir_all(dir).await.map_err(io(dir))?;
        }
        tokio::fs::rename(&tmp, &dest).await.map_err(io(&dest))?;
        Ok(sha256)
    }

    async fn download(
        &self,
        upstream: &Upstream,
        url: &str,
        tmp: &Path,
        limit: u64,
    ) -> Result<(String, Vec<u8>, Vec<u8>), BlobError> {
        let io = |source| BlobError::Io {
            path: tmp.to_owned(),
            source,
        };
        let response = upstream.stream(url).await?;
        if response.content_length().is_some_and(|n| n > limit) {
            return Err(UpstreamError::TooLarge(limit).into());
        }
        let mut file = tokio::fs::File::create(tmp).await.map_err(io)?;
        let mut sha256 = Sha256::new();
        let mut sha512 = Sha512::new();
        let mut sha1 = Sha1::new();
        let mut written = 0u64;
        let mut stream = response.bytes_stream();
        while let Some(chunk) = stream.next().await {
            let chunk =
                chunk.map_err(|e| UpstreamError::Unreachable(e.without_url().to_string()))?;
            written += chunk.len() as u64;
            if written > limit {
                return Err(UpstreamError::TooLarge(limit).into());
            }
            sha256.update(&chunk);
            sha512.update(&chunk);
            sha1.update(&chunk);
            file.write_all(&chunk).await.map_err(io)?;
        }
        file.flush().await.map_err(io)?;
        file.sync_all().await.map_err(io)?;
        Ok((
            hex::encode(sha256.finalize()),
            sha512.finalize().to_vec(),
            sha1.finalize().to_vec(),
        ))
    }
}

/// True when `text` is a sha256 in hex.
pub fn is_sha256(text: &str) -> bool {
    text.len() == 64 && text.bytes().all(|b| b.is_ascii_hexdigit())
}

/// True when any of the SRI hashes in `sri` (space-separated) matches.
fn sri_matches(sri: &str, sha256_hex: &str, sha512: &[u8], sha1: &[u8]) -> bool {
    let b64 = base64::engine::general_purpose::STANDARD;
    sri.split_whitespace().any(|item| {
        let (algo, digest) = item.split_once('-').unwrap_or(("", ""));
        let digest = digest.split('?').next().unwrap_or("");
        match algo {
            "sha512" => b64.decode(digest).is_ok_and(|d| d == sha512),
            "sha256" => b64
                .decode(digest)
                .is_ok_and(|d| hex::encode(d) == sha256_hex),
            "sha1" => b64.decode(digest).is_ok_and(|d| d == sha1),
            _ => false,
        }
    })
}

fn unique() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    format!(
        "{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sri_strings_are_checked_against_the_bytes() {
        let data = b"hello";
        let sha256 = hex::encode(Sha256::digest(data));
        let sha512 = Sha512::digest(data).to_vec();
        let sha1 = Sha1::digest(data).to_vec();
        let b64 = base64::engine::general_purpose::STANDARD;
        let good = format!("sha512-{}", b64.encode(&sha512));
        assert!(sri_matches(&good, &sha256, &sha512, &sha1));
        assert!(sri_matches(
            &format!("sha1-xyz {good}"),
            &sha256,
            &sha512,
            &sha1
        ));
        let other = format!("sha512-{}", b64.encode(Sha512::digest(b"other")));
        assert!(!sri_matches(&other, &sha256, &sha512, &sha1));
        let sha1_sri = format!("sha1-{}", b64.encode(&sha1));
        assert!(sri_matches(&sha1_sri, &sha256, &sha512, &sha1));
        assert!(!sri_matches("sha1-abc", &sha256, &sha512, &sha1));
    }

    #[test]
    fn files_live_under_their_hash() {
        let store = BlobStore::new(PathBuf::from("/state/blobs"));
        let hash = "AB".repeat(32);
        assert_eq!(
            store.path(&hash),
            Some(PathBuf::from(format!(
                "/state/blobs/sha256/ab/{}",
                "ab".repeat(32)
            )))
        );
        assert_eq!(store.path("../../etc/passwd"), None);
        assert_eq!(store.path(&"g".repeat(64)), None);
    }
}
