//! The response size cap (`[settings] max_response_mb`): `netdash run` as a process against
//! a small ASA-like HTTPS server of this file (lab PKI, verification on) whose answers are
//! too big. A declared `Content-Length` over the cap is refused before the body is read, an
//! endless chunked body is cut at the cap, and in both cases the session is logged out.

mod common;

use common::Out;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use netdash::lab::tls::{Pki, serve};
use serde_json::Value;

const TOKEN: &str = "tok-0123456789";

#[derive(Default)]
struct Counts {
    logins: AtomicUsize,
    logouts: AtomicUsize,
}

/// One ASA-like device: token login, three answers of different sizes, token logout.
struct Device {
    counts: Arc<Counts>,
    /// Holds the config and the files netdash writes until the test ends.
    _dir: tempfile::TempDir,
    config: std::path::PathBuf,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Device {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// 64 KiB of JSON-safe filler, forever.
fn endless() -> Body {
    let chunk = Bytes::from(vec![b' '; 64 << 10]);
    Body::from_stream(futures::stream::repeat_with(move || {
        Ok::<_, std::io::Error>(chunk.clone())
    }))
}

/// `h2`: offer HTTP/2 by ALPN (as the lab does), else HTTP/1.1 only.
async fn start(settings: &str, h2: bool) -> Device {
    netdash::init_crypto();
    let pki = Pki::generate().expect("pki");
    let counts = Arc::new(Counts::default());
    let (c1, c2) = (counts.clone(), counts.clone());
    let app = Router::new()
        .route(
            "/api/tokenservices",
            post(move || async move {
                c1.logins.fetch_add(1, Ordering::SeqCst);
                (StatusCode::NO_CONTENT, [("x-auth-token", TOKEN)])
            }),
        )
        .route(
            "/api/tokenservices/{tok}",
            delete(move || async move {
                c2.logouts.fetch_add(1, Ordering::SeqCst);
                StatusCode::NO_CONTENT
            }),
        )
        // Chunked and never ending: what took `run` to 4.2 GB.
        .route(
            "/api/endless",
            get(|| async { ([(header::CONTENT_TYPE, "application/json")], endless()) }),
        )
        // Declares 5 GiB and then sends nothing: only the header can be judged.
        .route(
            "/api/declared",
            get(|| async {
                let mut r = Response::new(Body::from_stream(futures::stream::pending::<
                    Result<Bytes, std::io::Error>,
                >()));
                r.headers_mut().insert(
                    header::CONTENT_LENGTH,
                    HeaderValue::from_static("5368709120"),
                );
                r
            }),
        )
        // Just under 1 MiB in several chunks: must arrive whole.
        .route(
            "/api/under",
            get(|| async {
                let filler = "x".repeat((1 << 20) - 64);
                axum::Json(serde_json::json!({ "filler": filler })).into_response()
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let acceptor = if h2 {
        pki.acceptor.clone()
    } else {
        pki.http1_acceptor()
    };
    let task = tokio::spawn(serve(listener, acceptor, app));
    let dir = tempfile::tempdir().expect("tempdir");
    let ca = dir.path().join("ca.pem");
    std::fs::write(&ca, &pki.ca_pem).expect("ca");
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        format!(
            "[settings]\ntimeout_secs = 5\n{settings}\n\n[[devices]]\nname = \"fw\"\nkind = \"asa\"\nhost = \"{addr}\"\nusername = \"admin\"\npassword = \"pw-not-secret\"\nca_cert = {:?}\n",
            ca.display().to_string()
        ),
    )
    .expect("config");
    Device {
        counts,
        _dir: dir,
        config,
        task,
    }
}

async fn run(dev: &Device, path: &str) -> Out {
    common::netdash(&dev.config, &["run", "--json", "fw", "--", "GET", path]).await
}

fn error_of(o: &Out) -> String {
    let line = o
        .stdout
        .lines()
        .next()
        .unwrap_or_else(|| panic!("{}", o.stderr));
    let v: Value = serde_json::from_str(line).expect("json line");
    v["error"].as_str().unwrap_or_default().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn endless_chunked_body_stops_at_the_cap_and_the_session_is_logged_out() {
    // Over HTTP/1.1 the connection is dropped mid-body; over HTTP/2 the stream is reset.
    for h2 in [false, true] {
        let dev = start("max_response_mb = 1", h2).await;
        let o = run(&dev, "/endless").await;
        assert_eq!(o.code, 1, "h2 {h2}: {} {}", o.stdout, o.stderr);
        let e = error_of(&o);
        assert!(e.contains("response larger than 1 MiB"), "{e}");
        assert!(e.contains("max_response_mb"), "{e}");
        assert!(!e.contains('\n'));
        assert_eq!(dev.counts.logins.load(Ordering::SeqCst), 1);
        assert_eq!(
            dev.counts.logouts.load(Ordering::SeqCst),
            1,
            "h2 {h2}: no logout"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn declared_length_over_the_cap_is_refused_before_reading() {
    // The body never comes, so only a check of Content-Length can end this before the
    // timeout turns it into a different error.
    let dev = start("max_response_mb = 1", false).await;
    let o = run(&dev, "/declared").await;
    assert_eq!(o.code, 1, "{} {}", o.stdout, o.stderr);
    let e = error_of(&o);
    assert!(e.contains("response larger than 1 MiB"), "{e}");
    assert_eq!(dev.counts.logouts.load(Ordering::SeqCst), 1, "no logout");

    // Without the setting the cap is 64 MiB.
    let dev = start("", false).await;
    let e = error_of(&run(&dev, "/declared").await);
    assert!(e.contains("response larger than 64 MiB"), "{e}");
    assert_eq!(dev.counts.logouts.load(Ordering::SeqCst), 1, "no logout");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_under_the_cap_arrives_whole() {
    let dev = start("max_response_mb = 1", false).await;
    let o = run(&dev, "/under").await;
    assert_eq!(o.code, 0, "{} {}", o.stdout, o.stderr);
    let v: Value = serde_json::from_str(o.stdout.lines().next().expect("a line")).expect("json");
    let filler = v["output"]["filler"].as_str().expect("filler");
    assert_eq!(filler.len(), (1 << 20) - 64);
    assert_eq!(dev.counts.logouts.load(Ordering::SeqCst), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn max_response_mb_out_of_range_is_a_config_error() {
    let dev = start("max_response_mb = 0", false).await;
    let o = run(&dev, "/under").await;
    assert_eq!(o.code, 2, "{}", o.stderr);
    assert!(
        o.stderr.contains("max_response_mb") && o.stderr.contains("line 3"),
        "{}",
        o.stderr
    );
}
