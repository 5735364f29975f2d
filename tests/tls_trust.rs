//! Which certificates netdash trusts: the operating system's store (as OpenSSL finds it,
//! `SSL_CERT_FILE` / `SSL_CERT_DIR` included) plus a device's `ca_cert`; what an untrusted
//! certificate's error says; how `verify_tls = false` is made visible; Central over https
//! only. `netdash run` runs as a child process so the environment is its own.

mod common;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use netdash::app::state::Pane;
use netdash::config::Config;
use netdash::engine::messages::{Event, SessionState, SessionView};
use netdash::kind::{AuthScheme, TargetKind};
use netdash::tui::testing::Dashboard;
use serde_json::Value;

struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

/// `netdash --config CONFIG ARGS` with the trust-store variables set as given (and no
/// others inherited from the test's environment).
async fn netdash(config: &Path, args: &[&str], env: &[(&str, &Path)]) -> Out {
    let dir = config.parent().expect("dir");
    let mut c = tokio::process::Command::new(common::bin());
    c.arg("--config")
        .arg(config)
        .args(args)
        .env("NETDASH_DATA_DIR", dir.join("data"))
        .env("NETDASH_STATE_DIR", dir.join("state"))
        .env_remove("SSL_CERT_FILE")
        .env_remove("SSL_CERT_DIR");
    for (k, v) in env {
        c.env(k, v);
    }
    let out = c.output().await.expect("netdash runs");
    Out {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// The lab config with every `ca_cert` line removed (and `extra` lines appended to each
/// device), written beside the original.
fn config_without_ca(tl: &common::TestLab, name: &str, extra: &str) -> std::path::PathBuf {
    let text = std::fs::read_to_string(&tl.config_path).expect("config");
    let mut out = String::new();
    for l in text.lines() {
        if l.starts_with("ca_cert = ") {
            out.push_str(extra);
            continue;
        }
        out.push_str(l);
        out.push('\n');
    }
    let p = tl.dir.path().join(name);
    std::fs::write(&p, out).expect("write");
    p
}

fn ca_file(tl: &common::TestLab) -> std::path::PathBuf {
    tl.dir.path().join("ca.pem")
}

fn first_result(o: &Out) -> Value {
    let line = o
        .stdout
        .lines()
        .next()
        .unwrap_or_else(|| panic!("no output; stderr: {}", o.stderr));
    serde_json::from_str(line).expect("a JSON line")
}

/// The lab device's own certificate, fetched over TLS with the lab CA, and its SHA-256
/// fingerprint as `AB:CD:...`.
async fn leaf_fingerprint(tl: &common::TestLab) -> String {
    let mut roots = rustls::RootCertStore::empty();
    for c in rustls::pki_types::CertificateDer::pem_slice_iter(tl.lab.pki.ca_pem.as_bytes()) {
        roots.add(c.expect("pem")).expect("root");
    }
    let cfg = rustls::ClientConfig::builder()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let addr = tl.lab.first("eos").expect("eos").addr;
    let tcp = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let tls = tokio_rustls::TlsConnector::from(Arc::new(cfg))
        .connect(
            rustls::pki_types::ServerName::try_from("127.0.0.1").expect("name"),
            tcp,
        )
        .await
        .expect("handshake");
    let leaf = tls.get_ref().1.peer_certificates().expect("certs")[0].clone();
    let d = ring::digest::digest(&ring::digest::SHA256, leaf.as_ref());
    d.as_ref()
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(":")
}

use rustls::pki_types::pem::PemObject;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ca_in_ssl_cert_file_is_trusted_without_ca_cert() {
    let tl = common::start(common::only("eos")).await;
    let cfg = config_without_ca(&tl, "noca.toml", "");
    let ca = ca_file(&tl);
    let o = netdash(
        &cfg,
        &["run", "--json", "lab-eos-01", "--", "show", "version"],
        &[("SSL_CERT_FILE", &ca)],
    )
    .await;
    assert_eq!(o.code, 0, "{}\n{}", o.stdout, o.stderr);
    assert_eq!(first_result(&o)["ok"], true);
    assert_eq!(tl.lab.open_sessions(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ca_in_ssl_cert_dir_is_trusted_without_ca_cert() {
    let tl = common::start(common::only("eos")).await;
    let cfg = config_without_ca(&tl, "noca.toml", "");
    // An OpenSSL CA directory: the certificate under its subject-hash name, as
    // `openssl rehash` leaves it (any readable file name is loaded).
    let dir = tl.dir.path().join("certs");
    std::fs::create_dir_all(&dir).expect("dir");
    std::fs::copy(ca_file(&tl), dir.join("5d30f3c4.0")).expect("copy");
    let o = netdash(
        &cfg,
        &["run", "--json", "lab-eos-01", "--", "show", "version"],
        &[("SSL_CERT_DIR", &dir)],
    )
    .await;
    assert_eq!(o.code, 0, "{}\n{}", o.stdout, o.stderr);
    assert_eq!(first_result(&o)["ok"], true);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ca_cert_works_on_a_machine_without_a_system_store() {
    let tl = common::start(common::only("eos")).await;
    let nothing = tl.dir.path().join("no-such-bundle.pem");
    let o = netdash(
        &tl.config_path,
        &["run", "--json", "lab-eos-01", "--", "show", "version"],
        &[("SSL_CERT_FILE", &nothing)],
    )
    .await;
    assert_eq!(o.code, 0, "{}\n{}", o.stdout, o.stderr);

    // Neither a store nor ca_cert: nothing to trust, and the error says what to set.
    let cfg = config_without_ca(&tl, "noca.toml", "");
    let o = netdash(
        &cfg,
        &["run", "--json", "lab-eos-01", "--", "show", "version"],
        &[("SSL_CERT_FILE", &nothing)],
    )
    .await;
    assert_eq!(o.code, 1, "{}\n{}", o.stdout, o.stderr);
    let e = first_result(&o)["error"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(e.contains("no CA to trust") && e.contains("ca_cert"), "{e}");
}

/// A self-signed CA certificate (PEM) with common name `cn`.
fn some_ca(cn: &str) -> String {
    let mut p = rcgen::CertificateParams::new(Vec::<String>::new()).expect("params");
    p.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    p.distinguished_name.push(rcgen::DnType::CommonName, cn);
    let key = rcgen::KeyPair::generate().expect("key");
    p.self_signed(&key).expect("cert").pem()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_ca_names_issuer_and_fingerprint_and_suggests_ca_cert_first() {
    // The "system store" holds unrelated CAs only (hermetic, whatever this machine has):
    // one of another name, and one of the lab CA's own name but another key, as an old
    // lab CA left installed would be.
    for other in [some_ca("Some Public Root"), some_ca("netdash lab CA")] {
        unknown_ca_case(&other).await;
    }
}

async fn unknown_ca_case(other_ca_pem: &str) {
    let tl = common::start(common::only("eos")).await;
    let cfg = config_without_ca(&tl, "noca.toml", "");
    let store = tl.dir.path().join("other-ca.pem");
    std::fs::write(&store, other_ca_pem).expect("write");
    let o = netdash(
        &cfg,
        &["run", "--json", "lab-eos-01", "--", "show", "version"],
        &[("SSL_CERT_FILE", &store)],
    )
    .await;
    assert_eq!(o.code, 1, "{}\n{}", o.stdout, o.stderr);
    let e = first_result(&o)["error"]
        .as_str()
        .expect("an error")
        .to_string();
    let fp = leaf_fingerprint(&tl).await;
    assert!(e.contains("certificate not trusted"), "{e}");
    assert!(e.contains("issuer \"CN=netdash lab CA\""), "{e}");
    assert!(e.contains(&format!("SHA-256 {fp}")), "{e}\nwanted {fp}");
    let ca = e.find("ca_cert").expect("suggests ca_cert");
    let off = e.find("verify_tls = false").expect("names the last resort");
    assert!(ca < off, "ca_cert must come first: {e}");
    assert!(!e.contains('\n'), "one line: {e}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_tls_false_warns_once_on_stderr_and_in_the_log() {
    let tl = common::start(netdash::lab::LabOptions {
        eos: 2,
        asa: 0,
        aoscx: 0,
        arubaos: 0,
        central: 0,
        ..netdash::lab::LabOptions::default()
    })
    .await;
    let cfg = config_without_ca(&tl, "off.toml", "verify_tls = false\n");
    let o = netdash(
        &cfg,
        &["run", "--json", "@all", "--", "show", "version"],
        &[],
    )
    .await;
    assert_eq!(o.code, 0, "{}\n{}", o.stdout, o.stderr);
    let warnings: Vec<&str> = o
        .stderr
        .lines()
        .filter(|l| l.contains("verify_tls = false"))
        .collect();
    assert_eq!(warnings.len(), 1, "one line for all targets: {}", o.stderr);
    assert!(
        warnings[0].contains("lab-eos-01") && warnings[0].contains("lab-eos-02"),
        "{}",
        warnings[0]
    );
    let log = std::fs::read_to_string(tl.dir.path().join("state").join("netdash.log"))
        .expect("a log file");
    assert!(
        log.lines()
            .any(|l| l.contains("WARN") && l.contains("verify_tls = false")),
        "{log}"
    );
}

#[test]
fn central_base_url_must_be_https() {
    let text = "[[central]]\nname = \"c\"\nbase_url = \"http://gw.example.com\"\nclient_id = \"i\"\nclient_secret = \"s\"\ncustomer_id = \"c\"\n";
    let e = Config::parse(text, Path::new("c.toml")).expect_err("plain http");
    let m = e.to_string();
    assert!(
        m.contains("c.toml") && m.contains("line 1") && m.contains("https://"),
        "{m}"
    );
    let ok = text.replace("http://", "https://") + "refresh_token = \"r\"\n";
    assert!(Config::parse(&ok, Path::new("c.toml")).is_ok());
}

const PANES: &str = r#"
[[devices]]
name = "sw-checked"
kind = "aoscx"
host = "10.0.0.1"
username = "admin"
password = "x"

[[devices]]
name = "sw-open-in-building-7-floor-3-rack-12"
kind = "aoscx"
host = "10.0.0.2"
username = "admin"
password = "x"
verify_tls = false
"#;

#[test]
fn verify_tls_false_is_marked_in_the_devices_and_sessions_panes() {
    let mut d = Dashboard::from_config(PANES, true).expect("config");
    d.no_color = true;
    let now = netdash::tui::testing::t0();
    for target in ["sw-checked", "sw-open-in-building-7-floor-3-rack-12"] {
        d.event(Event::Session {
            target: target.into(),
            kind: TargetKind::Aoscx,
            state: SessionState::Connected,
            session: SessionView {
                auth: AuthScheme::CookieCsrf,
                held: 1,
                per_user_limit: Some(6),
                per_device_limit: None,
                since: Some(now),
                idle_deadline: None,
                hard_deadline: None,
                expires_at: None,
                relogins: 0,
                scope: None,
            },
        });
    }
    // Narrow: one pane at a time, so each is drawn focused on its own.
    for pane in [Pane::Devices, Pane::Sessions] {
        d.app.focus = pane;
        let screen = d.draw(80, 24);
        assert_marks(&pane_lines(&screen, pane, None), &screen);
    }
    // Wide: Devices and Sessions side by side; each judged on its own side of the border.
    d.app.focus = Pane::Devices;
    let screen = d.draw(160, 48);
    let split = screen
        .lines()
        .find_map(|l| {
            let chars: Vec<char> = l.chars().collect();
            let at = l.find("2 Sessions")?;
            let col = l[..at].chars().count();
            (0..col).rev().find(|&i| chars[i] == '┌' || chars[i] == '┏')
        })
        .expect("a Sessions pane");
    for pane in [Pane::Devices, Pane::Sessions] {
        assert_marks(&pane_lines(&screen, pane, Some(split)), &screen);
    }
}

/// The screen's lines, cut to one pane's columns when two sit side by side.
fn pane_lines(screen: &str, pane: Pane, split: Option<usize>) -> Vec<String> {
    screen
        .lines()
        .map(|l| match (split, pane) {
            (Some(at), Pane::Devices) => l.chars().take(at).collect(),
            (Some(at), _) => l.chars().skip(at).collect(),
            (None, _) => l.to_string(),
        })
        .collect()
}

/// One row per target; the unchecked one carries the mark, the checked one does not.
fn assert_marks(lines: &[String], screen: &str) {
    let open: Vec<&String> = lines.iter().filter(|l| l.contains("sw-open")).collect();
    let checked: Vec<&String> = lines.iter().filter(|l| l.contains("sw-checked")).collect();
    assert_eq!(open.len(), 1, "{screen}");
    assert_eq!(checked.len(), 1, "{screen}");
    assert!(open[0].contains("!tls"), "{screen}");
    assert!(!checked[0].contains("!tls"), "{screen}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_warns_once_about_verify_tls_false() {
    use tokio::io::AsyncReadExt;
    let tl = common::start(common::only("asa")).await;
    let cfg = config_without_ca(&tl, "off.toml", "verify_tls = false\n");
    let dir = tl.dir.path();
    let mut child = tokio::process::Command::new(common::bin())
        .arg("--config")
        .arg(&cfg)
        .args(["watch", "--json"])
        .env("NETDASH_DATA_DIR", dir.join("data"))
        .env("NETDASH_STATE_DIR", dir.join("state"))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("netdash watch starts");
    // Let it log in (an ASA token session) before stopping it, so a warning per session
    // or poll would show.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while tl.lab.open_sessions() < 1 {
        assert!(tokio::time::Instant::now() < deadline, "no session opened");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    common::signal(&child, "-HUP");
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .expect("stderr")
        .read_to_string(&mut stderr)
        .await
        .expect("read");
    let status = tokio::time::timeout(Duration::from_secs(10), child.wait())
        .await
        .expect("netdash exits after SIGHUP")
        .expect("wait");
    assert!(status.success(), "{status:?}");
    let warnings = stderr
        .lines()
        .filter(|l| l.contains("verify_tls = false") && l.contains("lab-asa-01"))
        .count();
    assert_eq!(warnings, 1, "{stderr}");
    assert_eq!(tl.lab.open_sessions(), 0);
}
