//! Cisco ASA driver against the simulated ASAv: token and Basic auth, CLI passthrough, REST,
//! session limits, expiry and re-login, error text.

mod common;

use std::time::Duration;

use common::{cmd, only};
use netdash::config::AuthMode;
use netdash::drivers::{Body, Session, VendorError};
use netdash::kind::AuthScheme;
use netdash::lab::{LabOptions, Sim};

fn asa_sim(t: &common::TestLab) -> std::sync::Arc<netdash::lab::asa::AsaSim> {
    match &t.lab.first("asa").expect("an asa").sim {
        Sim::Asa(s) => s.clone(),
        _ => unreachable!("first(\"asa\") is an ASA"),
    }
}

fn text(body: &Body) -> &str {
    match body {
        Body::Text(s) => s,
        Body::Json(v) => panic!("expected text, got {v}"),
    }
}

fn json(body: &Body) -> &serde_json::Value {
    match body {
        Body::Json(v) => v,
        Body::Text(s) => panic!("expected JSON, got text {s:?}"),
    }
}

/// A raw HTTPS client that trusts the lab CA.
fn raw_client(t: &common::TestLab) -> reqwest::Client {
    let ca = reqwest::Certificate::from_pem(t.lab.pki.ca_pem.as_bytes()).expect("lab CA");
    reqwest::Client::builder()
        .use_rustls_tls()
        .add_root_certificate(ca)
        .build()
        .expect("client")
}

#[tokio::test]
async fn token_login_cli_rest_logout() {
    let t = common::start(only("asa")).await;
    let name = t.lab.first("asa").expect("asa").name.clone();
    let mut s = t.session("asa");
    s.login().await.expect("login");
    assert_eq!(t.lab.open_sessions(), 1);
    let f = s.facts();
    assert_eq!(f.auth, AuthScheme::XAuthToken);
    assert!(f.logged_in);
    assert_eq!(f.idle_timeout, Some(Duration::from_secs(1200)));
    assert_eq!(f.limits.per_device, Some(25));

    let out = s.execute(&cmd("show version")).await.expect("show version");
    let v = text(&out.body);
    assert!(v.contains("Version 9.4(1)205"), "{v}");
    assert!(v.contains("Serial Number: 9AVP5MLG543"), "{v}");
    assert!(v.contains(&format!("{name} up ")), "{v}");

    let out = s.execute(&cmd("show hostname")).await.expect("hostname");
    assert_eq!(text(&out.body), format!("{name}\n"));

    let out = s
        .execute(&cmd("GET /monitoring/serialnumber"))
        .await
        .expect("serial");
    assert_eq!(json(&out.body)["serialNumber"], "9AVP5MLG543");

    // A path that already names /api is used as is.
    let out = s
        .execute(&cmd("GET /api/monitoring/device/components/version"))
        .await
        .expect("version");
    assert_eq!(json(&out.body)["asaVersion"], "9.4(1)205");
    assert_eq!(json(&out.body)["deviceType"], "ASAv");

    // Paging: the second page of one item.
    let out = s
        .execute(&cmd("GET /interfaces/physical?offset=1&limit=1"))
        .await
        .expect("physical page");
    let v = json(&out.body);
    assert_eq!(v["rangeInfo"]["offset"], 1);
    assert_eq!(v["rangeInfo"]["total"], 3);
    assert_eq!(v["items"].as_array().expect("items").len(), 1);
    assert_eq!(v["items"][0]["hardwareID"], "Management0/0");

    let out = s.execute(&cmd("GET /monitoring/arp")).await.expect("arp");
    assert_eq!(json(&out.body)["rangeInfo"]["total"], 4);

    let out = s
        .execute(&cmd("POST /commands/writemem"))
        .await
        .expect("writemem");
    assert!(
        out.to_value().to_string().contains("[OK]"),
        "{:?}",
        out.body
    );

    s.logout().await.expect("logout");
    assert!(!s.is_logged_in());
    assert_eq!(t.lab.open_sessions(), 0);
    assert_eq!(s.facts().relogins, 0);
}

#[tokio::test]
async fn basic_auth_mode_holds_no_session() {
    let t = common::start(only("asa")).await;
    let mut cfg = t.device_config("asa");
    cfg.auth = Some(AuthMode::Basic);
    let mut s = Session::for_device(&cfg, &t.ctx).expect("session");
    s.login().await.expect("basic login check");
    assert_eq!(s.facts().auth, AuthScheme::Basic);
    assert_eq!(
        t.lab.open_sessions(),
        0,
        "Basic auth must not create tokens"
    );
    let out = s.execute(&cmd("show clock")).await.expect("show clock");
    assert!(text(&out.body).contains(" UTC "), "{:?}", out.body);
    let out = s.execute(&cmd("GET /interfaces/vlan")).await.expect("vlan");
    assert_eq!(json(&out.body)["items"][0]["vlanID"], 2);
    s.logout().await.expect("logout is a no-op");
    assert_eq!(t.lab.open_sessions(), 0);

    // Basic mode with a wrong password is refused at login.
    cfg.password = Some("not-the-password".into());
    let mut s = Session::for_device(&cfg, &t.ctx).expect("session");
    let e = s.login().await.expect_err("wrong password");
    assert!(matches!(e, VendorError::Auth(_)), "{e:?}");
}

#[tokio::test]
async fn token_limit_is_a_session_limit_error() {
    let mut opts = only("asa");
    opts.limits.asa_sessions = 2;
    let t = common::start(opts).await;
    let mut a = t.session("asa");
    let mut b = t.session("asa");
    let mut c = t.session("asa");
    a.login().await.expect("first");
    b.login().await.expect("second");
    let e = c.login().await.expect_err("third is over the limit");
    assert!(matches!(e, VendorError::SessionLimit(_)), "{e:?}");
    assert!(
        e.to_string().contains("25 REST sessions per context"),
        "{e}"
    );
    assert_eq!(t.lab.open_sessions(), 2);
    // Logging one out frees a slot.
    a.logout().await.expect("logout");
    c.login().await.expect("third after a logout");
    b.logout().await.expect("logout");
    c.logout().await.expect("logout");
    assert_eq!(t.lab.open_sessions(), 0);
}

#[tokio::test]
async fn invalid_cli_is_a_command_error() {
    let t = common::start(only("asa")).await;
    let mut s = t.session("asa");
    let e = s
        .execute(&cmd("show bogus thing"))
        .await
        .expect_err("invalid CLI");
    assert!(matches!(e, VendorError::Command(_)), "{e:?}");
    let m = e.to_string();
    assert!(m.contains("show bogus thing"), "{m}");
    assert!(m.contains("ERROR: % Invalid input detected"), "{m}");
    // The session survives a CLI error.
    s.execute(&cmd("show hostname")).await.expect("still works");
    s.logout().await.expect("logout");
}

#[tokio::test]
async fn unknown_rest_path_is_a_readable_404() {
    let t = common::start(only("asa")).await;
    let mut s = t.session("asa");
    let e = s
        .execute(&cmd("GET /objects/nosuchthing"))
        .await
        .expect_err("404");
    assert!(matches!(e, VendorError::Http { status: 404, .. }), "{e:?}");
    assert_eq!(
        e.to_string(),
        "HTTP 404: GET /api/objects/nosuchthing: RESOURCE-NOT-FOUND: Requested resource not found"
    );
    s.logout().await.expect("logout");
    assert_eq!(t.lab.open_sessions(), 0);
}

#[tokio::test]
async fn expired_token_is_replaced_transparently() {
    let t = common::start(only("asa")).await;
    let sim = asa_sim(&t);
    let mut s = t.session("asa");
    s.execute(&cmd("show hostname")).await.expect("first");
    let before = sim.live_tokens();
    assert_eq!(before.len(), 1);
    sim.expire_sessions();
    assert_eq!(t.lab.open_sessions(), 0);
    s.execute(&cmd("GET /monitoring/serialnumber"))
        .await
        .expect("after expiry");
    assert_eq!(s.facts().relogins, 1);
    let after = sim.live_tokens();
    assert_eq!(after.len(), 1);
    assert_ne!(before, after, "a fresh token was issued");
    s.logout().await.expect("logout");
    assert_eq!(t.lab.open_sessions(), 0);
}

#[tokio::test]
async fn idle_timeout_expires_tokens() {
    let mut opts = only("asa");
    opts.lifetimes.asa_idle = Duration::from_secs(1);
    let t = common::start(opts).await;
    let mut s = t.session("asa");
    s.login().await.expect("login");
    assert_eq!(t.lab.open_sessions(), 1);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(t.lab.open_sessions(), 0, "the idle token timed out");
    s.execute(&cmd("show hostname")).await.expect("re-login");
    assert_eq!(s.facts().relogins, 1);
    s.logout().await.expect("logout");
}

#[tokio::test]
async fn lab_requires_the_rest_api_agent_user_agent() {
    let t = common::start(only("asa")).await;
    let base = format!("https://{}", t.lab.first("asa").expect("asa").addr);
    let pw = netdash::lab::password("asa");
    let client = raw_client(&t);
    let login = |ua: &'static str| {
        client
            .post(format!("{base}/api/tokenservices"))
            .basic_auth(netdash::lab::USERNAME, Some(&pw))
            .header("User-Agent", ua)
            .header("Content-Type", "application/json")
            .body("")
    };
    let r = login("curl/8.5.0").send().await.expect("sent");
    assert_eq!(r.status(), 400);
    let body = r.text().await.expect("body");
    assert!(body.contains("User-Agent: REST API Agent"), "{body}");
    assert_eq!(t.lab.open_sessions(), 0);

    // The same request with the header gets a token.
    let r = login("REST API Agent").send().await.expect("sent");
    assert_eq!(r.status(), 204);
    let tok = r
        .headers()
        .get("x-auth-token")
        .and_then(|v| v.to_str().ok())
        .expect("token")
        .to_string();
    assert_eq!(t.lab.open_sessions(), 1);
    // A token without the User-Agent is still refused.
    let r = client
        .get(format!("{base}/api/monitoring/serialnumber"))
        .header("X-Auth-Token", &tok)
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status(), 400);
    let r = client
        .delete(format!("{base}/api/tokenservices/{tok}"))
        .header("X-Auth-Token", &tok)
        .header("User-Agent", "REST API Agent")
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status(), 204);
    assert_eq!(t.lab.open_sessions(), 0);
}

#[tokio::test]
async fn errors_never_carry_password_or_token() {
    let mut opts = LabOptions {
        asa: 1,
        ..LabOptions::none()
    };
    opts.limits.asa_sessions = 1;
    let t = common::start(opts).await;
    let sim = asa_sim(&t);
    let pw = netdash::lab::password("asa");
    let mut s = t.session("asa");
    s.login().await.expect("login");
    let tokens = sim.live_tokens();
    assert_eq!(tokens.len(), 1);

    let mut errors = Vec::new();
    for c in ["show bogus", "GET /nope", "PUT /monitoring/serialnumber {}"] {
        errors.push(s.execute(&cmd(c)).await.expect_err(c).to_string());
    }
    errors.push(
        t.session("asa")
            .login()
            .await
            .expect_err("limit")
            .to_string(),
    );
    let mut cfg = t.device_config("asa");
    cfg.password = Some(format!("{pw}-wrong"));
    let mut bad = Session::for_device(&cfg, &t.ctx).expect("session");
    errors.push(bad.login().await.expect_err("wrong").to_string());
    for e in &errors {
        assert!(!e.contains(&pw), "password in {e}");
        for tok in &tokens {
            assert!(!e.contains(tok.as_str()), "token in {e}");
        }
    }
    assert!(errors[2].contains("405"), "{}", errors[2]);
    s.logout().await.expect("logout");
    assert_eq!(t.lab.open_sessions(), 0);
}
