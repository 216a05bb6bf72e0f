//! HTTPS for the dev server and the gateway (`--tls`, `--cert`/`--key`): a certificate (made at
//! start for 127.0.0.1 and localhost, or loaded from PEM files), ALPN `h2` and `http/1.1` so
//! browsers speak HTTP/2 as they do behind any TLS proxy, and a listener for `axum::serve` that
//! hands out connections whose handshake finished (a failed handshake is logged and dropped; a
//! slow one holds up no other connection).

use std::io;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use base64::Engine;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio_rustls::server::TlsStream;
use tokio_rustls::{rustls, TlsAcceptor};

/// The TLS flags shared by the dev server and the gateway.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct TlsArgs {
    /// Serve HTTPS (ALPN h2 and http/1.1) with a self-signed certificate for 127.0.0.1 and
    /// localhost made at start; its SPKI hash is printed for Chromium's
    /// --ignore-certificate-errors-spki-list.
    #[arg(long)]
    pub tls: bool,
    /// Serve HTTPS with this PEM certificate chain instead (needs --key; implies --tls).
    #[arg(long, requires = "key")]
    pub cert: Option<PathBuf>,
    /// The PEM private key of --cert.
    #[arg(long, requires = "cert")]
    pub key: Option<PathBuf>,
}

impl TlsArgs {
    /// The TLS setup these flags ask for, if any.
    pub fn setup(&self) -> io::Result<Option<Tls>> {
        match (&self.cert, &self.key) {
            (Some(cert), Some(key)) => Tls::from_pem(cert, key).map(Some),
            _ if self.tls => Tls::self_signed().map(Some),
            _ => Ok(None),
        }
    }
}

/// A server certificate and the acceptor that offers it.
#[derive(Clone)]
pub struct Tls {
    acceptor: TlsAcceptor,
    /// base64 of the SHA-256 of the certificate's SubjectPublicKeyInfo.
    pub spki_sha256: String,
}

fn invalid(what: impl std::fmt::Display) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, what.to_string())
}

impl Tls {
    /// A self-signed certificate for `127.0.0.1`, `::1` and `localhost`.
    pub fn self_signed() -> io::Result<Tls> {
        let names = [
            "127.0.0.1".to_owned(),
            "::1".to_owned(),
            "localhost".to_owned(),
        ];
        let rcgen::CertifiedKey { cert, signing_key } =
            rcgen::generate_simple_self_signed(names).map_err(invalid)?;
        let key = PrivateKeyDer::try_from(signing_key.serialize_der()).map_err(invalid)?;
        let spki = spki_of(cert.der())?;
        Tls::new(vec![cert.der().clone()], key, &spki)
    }

    /// The certificate chain and key of two PEM files.
    pub fn from_pem(cert: &Path, key: &Path) -> io::Result<Tls> {
        let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert)
            .map_err(|e| invalid(format!("{}: {e}", cert.display())))?
            .collect::<Result<_, _>>()
            .map_err(|e| invalid(format!("{}: {e}", cert.display())))?;
        let first = chain
            .first()
            .ok_or_else(|| invalid(format!("{}: no certificate", cert.display())))?;
        let spki = spki_of(first)?;
        let key = PrivateKeyDer::from_pem_file(key)
            .map_err(|e| invalid(format!("{}: {e}", key.display())))?;
        Tls::new(chain, key, &spki)
    }

    fn new(
        chain: Vec<CertificateDer<'static>>,
        key: PrivateKeyDer<'static>,
        spki_der: &[u8],
    ) -> io::Result<Tls> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(invalid)?
            .with_no_client_auth()
            .with_single_cert(chain, key)
            .map_err(invalid)?;
        config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        let digest = ring::digest::digest(&ring::digest::SHA256, spki_der);
        Ok(Tls {
            acceptor: TlsAcceptor::from(Arc::new(config)),
            spki_sha256: base64::engine::general_purpose::STANDARD.encode(digest.as_ref()),
        })
    }

    /// Accepts TCP connections on `tcp` and hands out those whose TLS handshake succeeded.
    pub fn listen(&self, tcp: TcpListener) -> io::Result<TlsListener> {
        let local = tcp.local_addr()?;
        let (tx, rx) = mpsc::channel(64);
        let acceptor = self.acceptor.clone();
        tokio::spawn(async move {
            loop {
                let (stream, peer) = match tcp.accept().await {
                    Ok(c) => c,
                    Err(e) => {
                        tracing::warn!(error = %e, "accept failed");
                        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                        continue;
                    }
                };
                // Small gRPC messages must not wait for Nagle's algorithm.
                let _ = stream.set_nodelay(true);
                let acceptor = acceptor.clone();
                let handed = tx.clone();
                tokio::spawn(async move {
                    match acceptor.accept(stream).await {
                        Ok(tls) => {
                            let _ = handed.send((tls, peer)).await;
                        }
                        Err(e) => tracing::debug!(%peer, error = %e, "TLS handshake failed"),
                    }
                });
                if tx.is_closed() {
                    break;
                }
            }
        });
        Ok(TlsListener { rx, local })
    }
}

/// The DER SubjectPublicKeyInfo of a certificate (what Chromium's SPKI list hashes).
fn spki_of(cert: &CertificateDer<'_>) -> io::Result<Vec<u8>> {
    let parsed = webpki::EndEntityCert::try_from(cert).map_err(invalid)?;
    Ok(parsed.subject_public_key_info().as_ref().to_vec())
}

/// Connections whose TLS handshake finished (see [`Tls::listen`]).
pub struct TlsListener {
    rx: mpsc::Receiver<(TlsStream<TcpStream>, SocketAddr)>,
    local: SocketAddr,
}

impl axum::serve::Listener for TlsListener {
    type Io = TlsStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        match self.rx.recv().await {
            Some(c) => c,
            // The accept loop ended: no more connections.
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        Ok(self.local)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_printed_hash_is_that_of_the_certificates_public_key() {
        let rcgen::CertifiedKey { cert, signing_key } =
            rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
        let spki = rcgen::PublicKeyData::subject_public_key_info(&signing_key);
        assert_eq!(spki_of(cert.der()).unwrap(), spki);
        let dir = std::env::temp_dir().join(format!("arvak-tls-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let (c, k) = (dir.join("cert.pem"), dir.join("key.pem"));
        std::fs::write(&c, cert.pem()).unwrap();
        std::fs::write(&k, signing_key.serialize_pem()).unwrap();
        let loaded = Tls::from_pem(&c, &k).unwrap();
        let want = ring::digest::digest(&ring::digest::SHA256, &spki);
        assert_eq!(
            loaded.spki_sha256,
            base64::engine::general_purpose::STANDARD.encode(want.as_ref())
        );
        assert!(Tls::from_pem(&k, &c).is_err(), "a key is not a certificate");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
