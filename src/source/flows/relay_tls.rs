//! The connection to Hubble Relay: TCP, and TLS (rustls with ring, the stack
//! kube uses) configured like the `hubble` CLI's `--tls*` flags.

use std::io;
use std::path::Path;
use std::sync::Arc;

use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::rustls::client::danger::{
    HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier,
};
use tokio_rustls::rustls::crypto::{CryptoProvider, ring, verify_tls12_signature};
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use tokio_rustls::rustls::{self, ClientConfig, DigitallySignedStruct, RootCertStore};

use super::relay::TlsOptions;

pub(super) trait Stream: AsyncRead + AsyncWrite + Send + Unpin {}
impl<T: AsyncRead + AsyncWrite + Send + Unpin> Stream for T {}

/// What a TLS connection needs: the config and the name to verify.
pub(super) type Tls = (Arc<ClientConfig>, ServerName<'static>);

/// Opens `addr` (`host:port`), with TLS when given.
pub(super) async fn connect(addr: &str, tls: Option<Tls>) -> io::Result<TokioIo<Box<dyn Stream>>> {
    let tcp = TcpStream::connect(addr).await?;
    tcp.set_nodelay(true)?;
    let io: Box<dyn Stream> = match tls {
        None => Box::new(tcp),
        Some((config, name)) => Box::new(TlsConnector::from(config).connect(name, tcp).await?),
    };
    Ok(TokioIo::new(io))
}

fn certs(flag: &str, path: &Path) -> Result<Vec<CertificateDer<'static>>, String> {
    let show = format!("{flag} {}", path.display());
    let it = CertificateDer::pem_file_iter(path).map_err(|e| format!("{show}: {e}"))?;
    let certs: Vec<_> = it
        .collect::<Result<_, _>>()
        .map_err(|e| format!("{show}: {e}"))?;
    if certs.is_empty() {
        return Err(format!("{show}: no PEM certificate in it"));
    }
    Ok(certs)
}

/// The client config for `o`, and the name the server must prove, from
/// `--tls-server-name`, else `host`. Errors name the file or flag at fault.
pub(super) fn config(o: &TlsOptions, host: &str) -> Result<Tls, String> {
    let provider = Arc::new(ring::default_provider());
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS: {e}"))?;
    let mut roots = RootCertStore::empty();
    if o.ca_cert_files.is_empty() {
        // As the hubble CLI: the system's roots.
        let found = rustls_native_certs::load_native_certs();
        roots.add_parsable_certificates(found.certs);
    }
    for f in &o.ca_cert_files {
        for c in certs("--tls-ca-cert-files", f)? {
            roots
                .add(c)
                .map_err(|e| format!("--tls-ca-cert-files {}: {e}", f.display()))?;
        }
    }
    let builder = builder.with_root_certificates(roots);
    let mut config = match (&o.client_cert_file, &o.client_key_file) {
        (Some(c), Some(k)) => {
            let key = PrivateKeyDer::from_pem_file(k)
                .map_err(|e| format!("--tls-client-key-file {}: {e}", k.display()))?;
            builder
                .with_client_auth_cert(certs("--tls-client-cert-file", c)?, key)
                .map_err(|e| format!("--tls-client-cert-file {}: {e}", c.display()))?
        }
        (None, None) => builder.with_no_client_auth(),
        _ => {
            return Err(
                "--tls-client-cert-file and --tls-client-key-file go together (mutual TLS)".into(),
            );
        }
    };
    // gRPC is HTTP/2 only.
    config.alpn_protocols = vec![b"h2".to_vec()];
    if o.allow_insecure {
        config
            .dangerous()
            .set_certificate_verifier(Arc::new(NoVerify(provider)));
    }
    let name = o.server_name.as_deref().unwrap_or(host);
    let name = ServerName::try_from(name.to_string())
        .map_err(|e| format!("TLS server name {name:?}: {e}"))?;
    Ok((Arc::new(config), name))
}

/// `--tls-allow-insecure`: any certificate is accepted (the handshake's
/// signatures are still checked, so the peer holds the key it shows).
#[derive(Debug)]
struct NoVerify(Arc<CryptoProvider>);

impl ServerCertVerifier for NoVerify {
    fn verify_server_cert(
        &self,
        _: &CertificateDer<'_>,
        _: &[CertificateDer<'_>],
        _: &ServerName<'_>,
        _: &[u8],
        _: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}
