//! TLS as the hubble CLI's flags set it up: a private CA, the server name,
//! mutual TLS, `--tls-allow-insecure`, and the errors when it does not fit.

use std::path::PathBuf;
use std::sync::Arc;

use tokio_rustls::rustls::crypto::ring;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::rustls::server::WebPkiClientVerifier;
use tokio_rustls::rustls::{RootCertStore, ServerConfig};

use super::*;
use netpol_tui::source::flows::relay::TlsOptions;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/hubble_tls")
        .join(name)
}

fn certs(name: &str) -> Vec<CertificateDer<'static>> {
    CertificateDer::pem_file_iter(fixture(name))
        .expect("pem")
        .collect::<Result<_, _>>()
        .expect("certs")
}

/// The relay's TLS: its certificate, and with `mutual` a client
/// certificate signed by the CA is required.
fn server(mutual: bool) -> Arc<ServerConfig> {
    let provider = Arc::new(ring::default_provider());
    let b = ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .expect("versions");
    let b = if mutual {
        let mut roots = RootCertStore::empty();
        for c in certs("ca.pem") {
            roots.add(c).expect("ca");
        }
        let v = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
            .build()
            .expect("verifier");
        b.with_client_cert_verifier(v)
    } else {
        b.with_no_client_auth()
    };
    let key = PrivateKeyDer::from_pem_file(fixture("server.key")).expect("key");
    let mut cfg = b
        .with_single_cert(certs("server.pem"), key)
        .expect("server cert");
    cfg.alpn_protocols = vec![b"h2".to_vec()];
    Arc::new(cfg)
}

fn tls_opts(addr: &str, tls: TlsOptions) -> RelayOptions {
    RelayOptions {
        tls: Some(tls),
        ..opts(addr)
    }
}

fn with_ca() -> TlsOptions {
    TlsOptions {
        ca_cert_files: vec![fixture("ca.pem")],
        ..Default::default()
    }
}

async fn one_session(mutual: bool) -> FakeRelay {
    FakeRelay::start(
        vec![Session {
            responses: first_batch(),
            end: End::Ok,
        }],
        Some(server(mutual)),
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_with_a_private_ca_and_the_server_name_reads_the_flows() {
    let relay = one_session(false).await;
    // By IP (the certificate has 127.0.0.1), and by the name Cilium's relay
    // certificates carry, given with --tls-server-name.
    let addr = relay.addr.to_string();
    let rec = fetch(tls_opts(&addr, with_ca()), Window::Last(10))
        .await
        .expect("by IP");
    assert_eq!(conns(&rec), vec![(5432, 1, 0), (6379, 0, 1)]);
    let named = TlsOptions {
        server_name: Some("ui.hubble-relay.cilium.io".into()),
        ..with_ca()
    };
    fetch(tls_opts(&addr, named), Window::Last(10))
        .await
        .expect("by name");
    // tls:// turns TLS on by itself.
    let o = RelayOptions {
        addr: format!("tls://{addr}"),
        tls: Some(with_ca()),
        ..opts(&addr)
    };
    fetch(o, Window::Last(10)).await.expect("tls://");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_certificate_that_does_not_verify_is_refused_unless_insecure_is_asked_for() {
    let relay = one_session(false).await;
    let addr = relay.addr.to_string();
    let wrong_name = TlsOptions {
        server_name: Some("relay.example.org".into()),
        ..with_ca()
    };
    let e = fetch(tls_opts(&addr, wrong_name), Window::Last(10))
        .await
        .expect_err("the name does not match");
    assert!(e.to_string().contains("cannot connect"), "{e}");
    assert!(e.to_string().to_lowercase().contains("certificate"), "{e}");
    // The system's roots do not know the test CA.
    let e = fetch(tls_opts(&addr, TlsOptions::default()), Window::Last(10))
        .await
        .expect_err("unknown issuer");
    assert!(e.to_string().to_lowercase().contains("certificate"), "{e}");
    let insecure = TlsOptions {
        allow_insecure: true,
        ..Default::default()
    };
    fetch(tls_opts(&addr, insecure), Window::Last(10))
        .await
        .expect("--tls-allow-insecure");
    // Plaintext to a TLS relay fails, and says so.
    fetch(opts(&addr), Window::Last(10))
        .await
        .expect_err("plaintext to TLS");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mutual_tls_needs_the_client_certificate() {
    let relay = one_session(true).await;
    let addr = relay.addr.to_string();
    let mtls = TlsOptions {
        client_cert_file: Some(fixture("client.pem")),
        client_key_file: Some(fixture("client.key")),
        ..with_ca()
    };
    let rec = fetch(tls_opts(&addr, mtls), Window::Last(10))
        .await
        .expect("mTLS");
    assert_eq!(rec.records, 4);
    fetch(tls_opts(&addr, with_ca()), Window::Last(10))
        .await
        .expect_err("no client certificate");
    // A file that is not there is named.
    let missing = TlsOptions {
        ca_cert_files: vec![fixture("nope.pem")],
        ..Default::default()
    };
    let e = fetch(tls_opts(&addr, missing), Window::Last(10))
        .await
        .expect_err("no file");
    assert!(e.to_string().contains("nope.pem"), "{e}");
}
