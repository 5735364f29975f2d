//! The lab's PKI and HTTPS serving: a fresh CA per lab, one leaf certificate for
//! localhost/127.0.0.1/::1, optional client certificates (eAPI certificate login), and an
//! accept loop that hands each request the client certificate's common name.

use std::sync::Arc;

use axum::Router;
use hyper_util::rt::{TokioExecutor, TokioIo};
use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair, KeyUsagePurpose,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;
use tower::ServiceExt;

/// The common name of the client certificate a connection presented, if any.
#[derive(Debug, Clone, Default)]
pub struct PeerCn(pub Option<String>);

/// A lab CA with its server configuration.
pub struct Pki {
    /// The CA certificate (PEM) clients must trust.
    pub ca_pem: String,
    issuer: CertifiedIssuer<'static, KeyPair>,
    /// Shared by every simulated device.
    pub acceptor: TlsAcceptor,
    config: Arc<rustls::ServerConfig>,
}

fn err(e: impl std::fmt::Display) -> std::io::Error {
    std::io::Error::other(e.to_string())
}

impl Pki {
    /// Generate a CA and a server certificate for the loopback names.
    pub fn generate() -> std::io::Result<Pki> {
        crate::init_crypto();
        let mut ca = CertificateParams::new(Vec::<String>::new()).map_err(err)?;
        ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca.distinguished_name
            .push(DnType::CommonName, "netdash lab CA");
        ca.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let issuer =
            CertifiedIssuer::self_signed(ca, KeyPair::generate().map_err(err)?).map_err(err)?;
        let ca_der: CertificateDer<'static> = issuer.der().clone();

        let mut leaf = CertificateParams::new(vec![
            "localhost".to_string(),
            "127.0.0.1".to_string(),
            "::1".to_string(),
        ])
        .map_err(err)?;
        leaf.distinguished_name
            .push(DnType::CommonName, "netdash lab device");
        let leaf_key = KeyPair::generate().map_err(err)?;
        let leaf_cert = leaf.signed_by(&leaf_key, &issuer).map_err(err)?;

        let mut roots = rustls::RootCertStore::empty();
        roots.add(ca_der).map_err(err)?;
        let verifier = rustls::server::WebPkiClientVerifier::builder(Arc::new(roots))
            .allow_unauthenticated()
            .build()
            .map_err(err)?;
        let mut cfg = rustls::ServerConfig::builder()
            .with_client_cert_verifier(verifier)
            .with_single_cert(
                vec![leaf_cert.der().clone()],
                PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der())),
            )
            .map_err(err)?;
        cfg.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        let config = Arc::new(cfg);
        Ok(Pki {
            ca_pem: issuer.pem(),
            issuer,
            acceptor: TlsAcceptor::from(config.clone()),
            config,
        })
    }

    /// An acceptor that offers HTTP/1.1 only (tests that write raw HTTP/1.1 answers).
    pub fn http1_acceptor(&self) -> TlsAcceptor {
        let mut cfg = (*self.config).clone();
        cfg.alpn_protocols = vec![b"http/1.1".to_vec()];
        TlsAcceptor::from(Arc::new(cfg))
    }

    /// A client certificate and key (PEM) with the given common name, signed by the lab CA.
    /// eAPI expects the CN to be "<username> <privilege>".
    pub fn client_cert(&self, cn: &str) -> std::io::Result<(String, String)> {
        let mut p = CertificateParams::new(Vec::<String>::new()).map_err(err)?;
        p.distinguished_name.push(DnType::CommonName, cn);
        let key = KeyPair::generate().map_err(err)?;
        let cert = p.signed_by(&key, &self.issuer).map_err(err)?;
        Ok((cert.pem(), key.serialize_pem()))
    }
}

/// Serve `app` over TLS on `listener` until the task is aborted.
pub async fn serve(listener: TcpListener, acceptor: TlsAcceptor, app: Router) {
    loop {
        let Ok((tcp, _)) = listener.accept().await else {
            // Out of file descriptors or similar: back off briefly rather than spin.
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            continue;
        };
        let _ = tcp.set_nodelay(true);
        let acceptor = acceptor.clone();
        let app = app.clone();
        tokio::spawn(async move {
            let Ok(tls) = acceptor.accept(tcp).await else {
                return;
            };
            let cn = tls
                .get_ref()
                .1
                .peer_certificates()
                .and_then(|c| c.first())
                .and_then(|c| common_name(c.as_ref()));
            let peer = PeerCn(cn);
            let svc = hyper::service::service_fn(
                move |mut req: hyper::Request<hyper::body::Incoming>| {
                    req.extensions_mut().insert(peer.clone());
                    app.clone().oneshot(req.map(axum::body::Body::new))
                },
            );
            let _ = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new())
                .serve_connection(TokioIo::new(tls), svc)
                .await;
        });
    }
}

fn common_name(der: &[u8]) -> Option<String> {
    let (_, cert) = x509_parser::parse_x509_certificate(der).ok()?;
    cert.subject()
        .iter_common_name()
        .next()
        .and_then(|cn| cn.as_str().ok())
        .map(str::to_string)
}
