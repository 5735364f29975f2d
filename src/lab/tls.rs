//! The lab's PKI and HTTPS serving: a fresh CA per lab, one leaf certificate for
//! `localhost/127.0.0.1/::1`, optional client certificates (eAPI certificate login), and an
//! accept loop that hands each request the client certificate's common name.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::Router;
use hyper_util::rt::{TokioExecutor, TokioIo};
use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair, KeyUsagePurpose,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;
use tower::ServiceExt;

use super::faults::{Fault, Faults};

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
    /// Same names, signed by a different CA no client trusts (the `wrong-ca` fault).
    pub wrong_ca_acceptor: TlsAcceptor,
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
            wrong_ca_acceptor: rogue_acceptor()?,
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

/// A server configuration for the loopback names signed by a fresh CA of its own.
fn rogue_acceptor() -> std::io::Result<TlsAcceptor> {
    let mut ca = CertificateParams::new(Vec::<String>::new()).map_err(err)?;
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name
        .push(DnType::CommonName, "some other CA");
    let issuer =
        CertifiedIssuer::self_signed(ca, KeyPair::generate().map_err(err)?).map_err(err)?;
    let leaf = CertificateParams::new(vec![
        "localhost".to_string(),
        "127.0.0.1".to_string(),
        "::1".to_string(),
    ])
    .map_err(err)?;
    let key = KeyPair::generate().map_err(err)?;
    let cert = leaf.signed_by(&key, &issuer).map_err(err)?;
    let mut cfg = rustls::ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(
            vec![cert.der().clone()],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
        )
        .map_err(err)?;
    cfg.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(TlsAcceptor::from(Arc::new(cfg)))
}

/// The acceptors a device's server chooses between.
#[derive(Clone)]
pub struct Acceptors {
    pub good: TlsAcceptor,
    /// Used while the `wrong-ca` fault is on.
    pub wrong_ca: TlsAcceptor,
}

/// Serve `app` over TLS on `listener` until the task is aborted.
pub async fn serve(listener: TcpListener, acceptor: TlsAcceptor, app: Router) {
    let acceptors = Acceptors {
        good: acceptor.clone(),
        wrong_ca: acceptor,
    };
    serve_with_faults(listener, acceptors, app, Faults::default()).await;
}

/// Serve `app` over TLS on `listener`, misbehaving as `faults` says, until aborted.
pub async fn serve_with_faults(
    listener: TcpListener,
    acceptors: Acceptors,
    app: Router,
    faults: Faults,
) {
    let Ok(addr) = listener.local_addr() else {
        return;
    };
    let mut rx = faults.subscribe();
    let mut listener = listener;
    loop {
        if faults.get() == Some(Fault::Refused) {
            // Close the port (pending connections are refused with it) and hold the
            // address bound, not listening, so no one else takes it; listen again on clear.
            drop(listener);
            let Some(l) = refuse_until_cleared(addr, &faults, &mut rx).await else {
                return;
            };
            listener = l;
            continue;
        }
        let accepted = tokio::select! {
            a = listener.accept() => a,
            changed = rx.changed() => {
                if changed.is_err() {
                    return;
                }
                continue;
            }
        };
        let Ok((tcp, _)) = accepted else {
            // Out of file descriptors or similar: back off briefly rather than spin.
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            continue;
        };
        let _ = tcp.set_nodelay(true);
        let fault = faults.get();
        let mut conn_rx = faults.subscribe();
        conn_rx.mark_unchanged();
        let acceptor = match fault {
            Some(Fault::WrongCa) => acceptors.wrong_ca.clone(),
            _ => acceptors.good.clone(),
        };
        let app = app.clone();
        tokio::spawn(async move {
            // The connection lives until it ends or a fault change concerns connections.
            let ends = async move {
                loop {
                    if conn_rx.changed().await.is_err() {
                        return;
                    }
                    let now = *conn_rx.borrow_and_update();
                    if fault.is_some_and(Fault::connection_level)
                        || now.is_some_and(Fault::connection_level)
                    {
                        return;
                    }
                }
            };
            tokio::select! {
                () = connection(tcp, fault, acceptor, app) => {}
                () = ends => {}
            }
        });
    }
}

/// Hold `addr` bound but not listening until the `refused` fault clears; then listen again.
async fn refuse_until_cleared(
    addr: std::net::SocketAddr,
    faults: &Faults,
    rx: &mut tokio::sync::watch::Receiver<Option<Fault>>,
) -> Option<TcpListener> {
    let socket = loop {
        match bound_socket(addr) {
            Ok(s) => break s,
            Err(_) => tokio::time::sleep(std::time::Duration::from_millis(50)).await,
        }
    };
    while faults.get() == Some(Fault::Refused) {
        rx.changed().await.ok()?;
    }
    match socket.listen(1024) {
        Ok(l) => Some(l),
        // Should not happen on a socket we hold; try once more on a fresh one.
        Err(_) => bound_socket(addr).and_then(|s| s.listen(1024)).ok(),
    }
}

fn bound_socket(addr: std::net::SocketAddr) -> std::io::Result<tokio::net::TcpSocket> {
    let s = if addr.is_ipv4() {
        tokio::net::TcpSocket::new_v4()?
    } else {
        tokio::net::TcpSocket::new_v6()?
    };
    s.set_reuseaddr(true)?;
    s.bind(addr)?;
    Ok(s)
}

/// One accepted connection, served according to the fault in force when it arrived.
async fn connection(tcp: TcpStream, fault: Option<Fault>, acceptor: TlsAcceptor, app: Router) {
    match fault {
        Some(Fault::Silent) => {
            // Accept, then say nothing until the fault changes (which ends this task).
            let _held = tcp;
            std::future::pending::<()>().await;
        }
        Some(Fault::Trickle) => serve_tls(Trickle::new(tcp), acceptor, app).await,
        _ => serve_tls(tcp, acceptor, app).await,
    }
}

async fn serve_tls<S>(tcp: S, acceptor: TlsAcceptor, app: Router)
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    {
        {
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
        }
    }
}

/// A stream that writes one byte at a time with a pause between (the `trickle` fault).
struct Trickle<S> {
    inner: S,
    pause: Option<Pin<Box<tokio::time::Sleep>>>,
}

/// Between two bytes of a trickled answer.
const TRICKLE_PAUSE: std::time::Duration = std::time::Duration::from_millis(2);

impl<S> Trickle<S> {
    fn new(inner: S) -> Self {
        Trickle { inner, pause: None }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Trickle<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Trickle<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        if let Some(p) = self.pause.as_mut() {
            if p.as_mut().poll(cx).is_pending() {
                return Poll::Pending;
            }
            self.pause = None;
        }
        let n = buf.len().min(1);
        let r = Pin::new(&mut self.inner).poll_write(cx, &buf[..n]);
        if matches!(r, Poll::Ready(Ok(_))) {
            self.pause = Some(Box::pin(tokio::time::sleep(TRICKLE_PAUSE)));
        }
        r
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
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
