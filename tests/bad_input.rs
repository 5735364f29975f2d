//! Bad answers from a device get a clear one-line error: HTML instead of JSON, a truncated
//! body, a timeout, a refused connection. A raw TLS server (the lab's CA) plays the broken
//! device.

mod common;

use std::time::Duration;

use netdash::config::Config;
use netdash::drivers::{Context, Session, VendorError};
use netdash::lab::tls::Pki;
use netdash::paths::Paths;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// Serve every connection with `reply` (raw HTTP bytes), after `delay`, then close.
async fn broken_device(pki: &Pki, reply: &'static [u8], delay: Duration) -> std::net::SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let acceptor = pki.http1_acceptor();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let mut buf = vec![0u8; 65536];
                let _ = tls.read(&mut buf).await;
                tokio::time::sleep(delay).await;
                let _ = tls.write_all(reply).await;
                let _ = tls.shutdown().await;
            });
        }
    });
    addr
}

fn session_for(
    addr: &str,
    ca: &std::path::Path,
    dir: &std::path::Path,
    timeout: Duration,
) -> Session {
    let text = format!(
        "[[devices]]\nname = \"broken\"\nkind = \"eos\"\nhost = \"{addr}\"\nusername = \"admin\"\npassword = \"secret-pass-1\"\nca_cert = \"{}\"\n",
        ca.display()
    );
    let cfg = Config::parse(&text, std::path::Path::new("t.toml")).expect("parses");
    let ctx = Context::new(Paths::under(dir), timeout);
    Session::for_device(cfg.devices().next().expect("device"), &ctx).expect("session")
}

async fn error_for(reply: &'static [u8], delay: Duration, timeout: Duration) -> VendorError {
    let pki = Pki::generate().expect("pki");
    let dir = tempfile::tempdir().expect("dir");
    let ca = dir.path().join("ca.pem");
    std::fs::write(&ca, &pki.ca_pem).expect("ca");
    let addr = broken_device(&pki, reply, delay).await;
    let mut s = session_for(&addr.to_string(), &ca, dir.path(), timeout);
    let e = s
        .execute(&common::cmd("show version"))
        .await
        .expect_err("a broken device must fail");
    assert!(!e.to_string().contains("secret-pass-1"));
    e
}

#[tokio::test]
async fn html_instead_of_json() {
    let e = error_for(
        b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 38\r\nConnection: close\r\n\r\n<html><body>Please log in</body></html>",
        Duration::ZERO,
        Duration::from_secs(5),
    )
    .await;
    assert!(e.to_string().contains("HTML instead of JSON"), "{e}");
}

#[tokio::test]
async fn truncated_body() {
    let e = error_for(
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 400\r\nConnection: close\r\n\r\n{\"jsonrpc\": \"2.0\", \"result\": [{}, {\"ver",
        Duration::ZERO,
        Duration::from_secs(5),
    )
    .await;
    assert!(e.to_string().contains("truncated"), "{e}");
}

#[tokio::test]
async fn server_error_page() {
    let e = error_for(
        b"HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/plain\r\nContent-Length: 15\r\nConnection: close\r\n\r\nupstream failed",
        Duration::ZERO,
        Duration::from_secs(5),
    )
    .await;
    assert!(matches!(e, VendorError::Http { status: 502, .. }), "{e:?}");
    assert!(e.to_string().contains("upstream failed"), "{e}");
}

#[tokio::test]
async fn timeout() {
    let e = error_for(
        b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}",
        Duration::from_secs(5),
        Duration::from_secs(1),
    )
    .await;
    assert!(matches!(e, VendorError::Timeout(_, 1)), "{e:?}");
    assert!(e.to_string().contains("no answer"), "{e}");
}

#[tokio::test]
async fn connection_refused() {
    let pki = Pki::generate().expect("pki");
    let dir = tempfile::tempdir().expect("dir");
    let ca = dir.path().join("ca.pem");
    std::fs::write(&ca, &pki.ca_pem).expect("ca");
    let (_closed, port) = common::closed_port();
    let mut s = session_for(
        &format!("127.0.0.1:{port}"),
        &ca,
        dir.path(),
        Duration::from_secs(3),
    );
    let e = s
        .execute(&common::cmd("show version"))
        .await
        .expect_err("refused");
    assert!(matches!(e, VendorError::Connect(_)), "{e:?}");
    assert!(e.to_string().contains("connection refused"), "{e}");
}
