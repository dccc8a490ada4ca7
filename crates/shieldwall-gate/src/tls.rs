//! Serving HTTPS directly, from a certificate and key named in the
//! configuration (`[tls] cert = "…" key = "…"`). The alternative, a TLS
//! reverse proxy in front of a plain-HTTP gateway, needs nothing here.
//!
//! Handshakes run in their own tasks, with a time limit, so a client that
//! never finishes its handshake holds up no one else.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::connect_info::Connected;
use axum::serve::{IncomingStream, Listener};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::ServerConfig;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::server::TlsStream;

use crate::config::TlsConfig;
use crate::error::GateError;

/// How long a client may take to finish its TLS handshake.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Finished handshakes waiting for the server to take them.
const READY_CONNECTIONS: usize = 128;

/// Reads the certificate chain and private key named in `tls` and checks
/// that they belong together.
pub fn server_config(tls: &TlsConfig) -> Result<Arc<ServerConfig>, GateError> {
    let bad = |path: &Path, message: String| GateError::Tls {
        path: path.to_owned(),
        message,
    };
    let cert_pem = std::fs::read(&tls.cert).map_err(|e| bad(&tls.cert, e.to_string()))?;
    let chain = CertificateDer::pem_slice_iter(&cert_pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| bad(&tls.cert, format!("not a PEM certificate chain: {e}")))?;
    if chain.is_empty() {
        return Err(bad(
            &tls.cert,
            "holds no certificate (expected `-----BEGIN CERTIFICATE-----`)".to_owned(),
        ));
    }
    let key_pem = std::fs::read(&tls.key).map_err(|e| bad(&tls.key, e.to_string()))?;
    let key = PrivateKeyDer::from_pem_slice(&key_pem).map_err(|e| {
        bad(
            &tls.key,
            format!("no PEM private key (PKCS#8, PKCS#1 or SEC1) found: {e}"),
        )
    })?;
    let provider = Arc::new(tokio_rustls::rustls::crypto::ring::default_provider());
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| bad(&tls.cert, e.to_string()))?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(|e| {
            bad(
                &tls.key,
                format!(
                    "cannot be used with the certificate `{}`: {e}",
                    tls.cert.display()
                ),
            )
        })?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// The client's address on a TLS connection (what `ConnectInfo` holds).
#[derive(Clone, Copy, Debug)]
pub struct Peer(pub SocketAddr);

/// A listener whose connections have finished a TLS handshake.
pub struct TlsListener {
    ready: mpsc::Receiver<(TlsStream<TcpStream>, SocketAddr)>,
    local: SocketAddr,
    acceptor: tokio::task::JoinHandle<()>,
}

impl TlsListener {
    /// Accepts TCP connections on `listener` (with `TCP_NODELAY`) and
    /// hands out those whose handshake with `config` succeeds.
    pub fn new(listener: TcpListener, config: Arc<ServerConfig>) -> std::io::Result<Self> {
        let local = listener.local_addr()?;
        let (sender, ready) = mpsc::channel(READY_CONNECTIONS);
        let acceptor = tokio::spawn(accept_loop(listener, TlsAcceptor::from(config), sender));
        Ok(Self {
            ready,
            local,
            acceptor,
        })
    }
}

impl Drop for TlsListener {
    fn drop(&mut self) {
        self.acceptor.abort();
    }
}

async fn accept_loop(
    listener: TcpListener,
    acceptor: TlsAcceptor,
    ready: mpsc::Sender<(TlsStream<TcpStream>, SocketAddr)>,
) {
    loop {
        let (tcp, peer) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(error) => {
                // Out of file descriptors and the like: wait, as axum does.
                tracing::error!(%error, "accept error");
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        if let Err(error) = tcp.set_nodelay(true) {
            tracing::debug!(%error, "cannot set TCP_NODELAY");
        }
        let acceptor = acceptor.clone();
        let ready = ready.clone();
        tokio::spawn(async move {
            match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(tcp)).await {
                Ok(Ok(stream)) => {
                    let _ = ready.send((stream, peer)).await;
                }
                Ok(Err(error)) => tracing::debug!(%peer, %error, "TLS handshake failed"),
                Err(_) => tracing::debug!(%peer, "TLS handshake timed out"),
            }
        });
    }
}

impl Listener for TlsListener {
    type Io = TlsStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        match self.ready.recv().await {
            Some(ready) => ready,
            // The accept loop ends only when it is aborted, which happens
            // when this listener is dropped: no connection comes any more.
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        Ok(self.local)
    }
}

impl Connected<IncomingStream<'_, TlsListener>> for Peer {
    fn connect_info(stream: IncomingStream<'_, TlsListener>) -> Self {
        Self(*stream.remote_addr())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pair(dir: &Path, name: &str) -> TlsConfig {
        let key = rcgen::KeyPair::generate().unwrap();
        let cert = rcgen::CertificateParams::new(vec!["localhost".to_owned()])
            .unwrap()
            .self_signed(&key)
            .unwrap();
        let cert_path = dir.join(format!("{name}.pem"));
        let key_path = dir.join(format!("{name}-key.pem"));
        std::fs::write(&cert_path, cert.pem()).unwrap();
        std::fs::write(&key_path, key.serialize_pem()).unwrap();
        TlsConfig {
            cert: cert_path,
            key: key_path,
        }
    }

    #[test]
    fn a_matching_certificate_and_key_load() {
        let dir = tempfile::tempdir().unwrap();
        let config = server_config(&pair(dir.path(), "a")).unwrap();
        assert_eq!(config.alpn_protocols, vec![b"http/1.1".to_vec()]);
    }

    #[test]
    fn bad_files_are_named_in_the_error() {
        let dir = tempfile::tempdir().unwrap();
        let a = pair(dir.path(), "a");
        let b = pair(dir.path(), "b");

        let missing = TlsConfig {
            cert: dir.path().join("nope.pem"),
            key: a.key.clone(),
        };
        let err = server_config(&missing).unwrap_err().to_string();
        assert!(err.contains("nope.pem"), "{err}");

        let not_pem = dir.path().join("junk.pem");
        std::fs::write(&not_pem, "hello\n").unwrap();
        let err = server_config(&TlsConfig {
            cert: not_pem.clone(),
            key: a.key.clone(),
        })
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("junk.pem") && err.contains("no certificate"),
            "{err}"
        );
        let err = server_config(&TlsConfig {
            cert: a.cert.clone(),
            key: not_pem,
        })
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("junk.pem") && err.contains("private key"),
            "{err}"
        );

        // The key of another certificate.
        let err = server_config(&TlsConfig {
            cert: a.cert.clone(),
            key: b.key.clone(),
        })
        .unwrap_err()
        .to_string();
        assert!(
            err.contains(&b.key.display().to_string())
                && err.contains(&a.cert.display().to_string()),
            "{err}"
        );
    }
}
