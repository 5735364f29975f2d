//! Arista eAPI against the lab over real TLS with certificate verification on.

mod common;

use common::{cmd, only, start};
use netdash::config::{AuthMode, Config};
use netdash::drivers::{Body, Session, VendorError};
use netdash::kind::AuthScheme;
use netdash::lab::LabOptions;
use serde_json::{Value, json};

#[tokio::test]
async fn basic_auth_runs_show_commands() {
    let tl = start(only("eos")).await;
    let mut s = tl.session("eos");
    let out = s.execute(&cmd("show version")).await.expect("show version");
    let Body::Json(v) = &out.body else {
        panic!("json expected")
    };
    assert_eq!(v["modelName"], "cEOSLab");
    assert_eq!(v["serialNumber"], "LAB00000001");
    let out = s
        .execute(&cmd("show hostname"))
        .await
        .expect("show hostname");
    assert_eq!(out.to_value()["hostname"], "lab-eos-01");
    assert_eq!(s.facts().auth, AuthScheme::Basic);
    // Basic auth is stateless: the switch holds no session for us, even mid-use.
    assert_eq!(tl.lab.open_sessions(), 0);
    s.logout().await.expect("logout");
}

#[tokio::test]
async fn errors_are_mapped_by_code() {
    let tl = start(only("eos")).await;
    let mut s = tl.session("eos");
    let e = s
        .execute(&cmd("show bogus thing"))
        .await
        .expect_err("invalid");
    let m = e.to_string();
    assert!(
        m.contains("1002") && m.contains("'show bogus thing'") && m.contains("invalid command"),
        "{m}"
    );
    let e = s
        .execute(&cmd("show ip bgp summary"))
        .await
        .expect_err("bgp inactive");
    assert!(e.to_string().contains("BGP inactive"), "{e}");
    let e = s
        .execute(&cmd("show interfaces | grep Et1"))
        .await
        .expect_err("pipe");
    assert!(e.to_string().contains("pipes"), "{e}");
    let e = s.execute(&cmd("GET /system")).await.expect_err("rest");
    assert!(matches!(e, VendorError::Unsupported(_)), "{e:?}");
}

#[tokio::test]
async fn unconverted_command_is_rerun_as_text() {
    let tl = start(only("eos")).await;
    let mut s = tl.session("eos");
    let out = s.execute(&cmd("show logging")).await.expect("show logging");
    let Body::Text(t) = &out.body else {
        panic!("text expected: {out:?}")
    };
    assert!(t.contains("Syslog logging"), "{t}");
    assert!(
        out.notes
            .iter()
            .any(|n| n.contains("1003") && n.contains("format text")),
        "{:?}",
        out.notes
    );
}

#[tokio::test]
async fn config_needs_privilege() {
    let tl = start(only("eos")).await;
    // The admin may configure; several commands go in one request separated by ';'.
    let mut s = tl.session("eos");
    s.execute(&cmd("configure ; hostname renamed-01 ; end"))
        .await
        .expect("config");
    let out = s.execute(&cmd("show hostname")).await.expect("hostname");
    assert_eq!(out.to_value()["hostname"], "renamed-01");
    // The viewer (privilege 1) gets 1005.
    let mut d = tl.device_config("eos");
    d.username = netdash::lab::VIEWER.into();
    let mut v = Session::for_device(&d, &tl.ctx).expect("session");
    let e = v.execute(&cmd("configure")).await.expect_err("1005");
    let m = e.to_string();
    assert!(m.contains("1005") && m.contains("not authorized"), "{m}");
}

#[tokio::test]
async fn session_cookie_login_survives_expiry_and_logs_out() {
    let tl = start(only("eos")).await;
    let mut d = tl.device_config("eos");
    d.auth = Some(AuthMode::Session);
    let mut s = Session::for_device(&d, &tl.ctx).expect("session");
    s.login().await.expect("login");
    assert_eq!(tl.lab.open_sessions(), 1);
    assert_eq!(s.facts().auth, AuthScheme::SessionCookie);
    assert!(s.facts().expires_at.is_some());
    s.execute(&cmd("show version")).await.expect("works");
    // The switch forgets the session; the next command logs in again transparently.
    tl.lab.first("eos").expect("eos").sim.expire_sessions();
    s.execute(&cmd("show clock")).await.expect("re-login");
    assert_eq!(s.facts().relogins, 1);
    assert_eq!(tl.lab.open_sessions(), 1);
    s.logout().await.expect("logout");
    assert_eq!(tl.lab.open_sessions(), 0);
}

#[tokio::test]
async fn client_certificate_auth() {
    let tl = start(only("eos")).await;
    let (cert, key) = tl.lab.pki.client_cert("admin 15").expect("client cert");
    let cert_path = tl.dir.path().join("me.crt");
    let key_path = tl.dir.path().join("me.key");
    std::fs::write(&cert_path, cert).expect("write");
    std::fs::write(&key_path, key).expect("write");
    let d = tl.device_config("eos");
    let text = format!(
        "[[devices]]\nname = \"cert\"\nkind = \"eos\"\nhost = \"{}\"\nusername = \"admin\"\nca_cert = \"{}\"\nclient_cert = \"{}\"\nclient_key = \"{}\"\n",
        d.host,
        d.ca_cert.as_ref().expect("ca").display(),
        cert_path.display(),
        key_path.display()
    );
    let cfg = Config::parse(&text, std::path::Path::new("cert.toml")).expect("parses");
    let dc = cfg.devices().next().expect("device");
    let mut s = Session::for_device(dc, &tl.ctx).expect("session");
    let out = s
        .execute(&cmd("show hostname"))
        .await
        .expect("cert auth works");
    assert_eq!(out.to_value()["hostname"], "lab-eos-01");
    assert_eq!(s.facts().auth, AuthScheme::ClientCertificate);
}

#[tokio::test]
async fn untrusted_ca_is_a_tls_error() {
    let tl = start(only("eos")).await;
    let mut d = tl.device_config("eos");
    d.ca_cert = None;
    let mut s = Session::for_device(&d, &tl.ctx).expect("session");
    let e = s.execute(&cmd("show version")).await.expect_err("tls");
    assert!(matches!(e, VendorError::Tls(_)), "{e:?}");
}

#[tokio::test]
async fn lab_speaks_json_rpc_errors() {
    let tl = start(LabOptions {
        eos: 1,
        asa: 0,
        aoscx: 0,
        arubaos: 0,
        central: 0,
        ..LabOptions::default()
    })
    .await;
    let addr = tl.lab.first("eos").expect("eos").addr;
    let client = reqwest::Client::builder()
        .add_root_certificate(
            reqwest::Certificate::from_pem(tl.lab.pki.ca_pem.as_bytes()).expect("ca"),
        )
        .build()
        .expect("client");
    let url = format!("https://{addr}/command-api");
    let pw = netdash::lab::password("eos");
    let call = |body: Value| {
        client
            .post(&url)
            .basic_auth("admin", Some(&pw))
            .json(&body)
            .send()
    };
    let v: Value = call(json!({"jsonrpc":"2.0","method":"runCmds","params":{"version":2,"cmds":["show version"]},"id":1}))
        .await.expect("send").json().await.expect("json");
    assert_eq!(v["error"]["code"], -32602);
    let v: Value = call(json!({"jsonrpc":"2.0","method":"nope","params":{},"id":"x"}))
        .await
        .expect("send")
        .json()
        .await
        .expect("json");
    assert_eq!(v["error"]["code"], -32601);
    assert_eq!(v["id"], "x");
    let v: Value = call(json!({"jsonrpc":"2.0","method":"runCmds","params":{"version":"latest","cmds":["enable","show vlan"]},"id":7}))
        .await.expect("send").json().await.expect("json");
    assert_eq!(v["result"][0], json!({}));
    assert!(v["result"][1]["vlans"].is_object());
    let r = client
        .post(&url)
        .json(&json!({}))
        .send()
        .await
        .expect("send");
    assert_eq!(r.status(), 401);
}

#[tokio::test]
async fn runcmds_version_latest_is_sent_when_configured() {
    let tl = start(only("eos")).await;
    let mut cfg = tl.device_config("eos");
    cfg.api_version = Some("latest".into());
    let mut s = netdash::drivers::Session::for_device(&cfg, &tl.ctx).expect("session");
    let out = s
        .execute(&cmd("show hostname"))
        .await
        .expect("latest works");
    assert_eq!(out.to_value()["hostname"], "lab-eos-01");
    let netdash::lab::Sim::Eos(sim) = &tl.lab.first("eos").expect("eos").sim else {
        panic!("not eos")
    };
    assert_eq!(sim.last_version(), Some(json!("latest")), "what was sent");
    // The default stays version 1.
    let mut s = tl.session("eos");
    s.execute(&cmd("show hostname")).await.expect("v1 works");
    assert_eq!(sim.last_version(), Some(json!(1)));
    // And a config that asks for a version eAPI does not have is refused with the line.
    let text = std::fs::read_to_string(&tl.config_path)
        .expect("config")
        .replace("kind = \"eos\"", "kind = \"eos\"\napi_version = \"2\"");
    let e = netdash::config::Config::parse(&text, std::path::Path::new("c.toml"))
        .expect_err("version 2 refused")
        .to_string();
    assert!(e.contains("api_version") && e.contains("line"), "{e}");
}
