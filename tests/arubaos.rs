//! ArubaOS 8 Mobility Conductor driver against the simulated controller: UIDARUBA login,
//! show commands, configuration objects, session limit, expiry and re-login, error text.

mod common;

use std::time::Duration;

use common::{cmd, only};
use netdash::drivers::{Body, VendorError};
use netdash::kind::AuthScheme;
use netdash::lab::Sim;
use serde_json::Value;

fn mc_sim(t: &common::TestLab) -> std::sync::Arc<netdash::lab::arubaos::ArubaOsSim> {
    match &t.lab.first("arubaos").expect("a controller").sim {
        Sim::ArubaOs(s) => s.clone(),
        _ => unreachable!("first(\"arubaos\") is a controller"),
    }
}

fn json(body: &Body) -> &Value {
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
async fn login_show_config_logout() {
    let t = common::start(only("arubaos")).await;
    let sim = mc_sim(&t);
    let name = t.lab.first("arubaos").expect("mc").name.clone();
    let mut s = t.session("arubaos");
    s.login().await.expect("login");
    assert_eq!(t.lab.open_sessions(), 1);
    let f = s.facts();
    assert_eq!(f.auth, AuthScheme::Uidaruba);
    assert_eq!(f.idle_timeout, Some(Duration::from_secs(900)));
    assert_eq!(f.limits.per_device, Some(64));
    let uid = sim.live_tokens().pop().expect("a live token");

    let out = s.execute(&cmd("show version")).await.expect("show version");
    let v = json(&out.body);
    assert_eq!(v["Hostname"], name.as_str());
    assert!(v["_data"].is_array());
    assert_eq!(v["_global_result"]["status"], "0");
    // The controller echoes the token in _global_result; the driver must not pass it on.
    assert!(v["_global_result"].get("UIDARUBA").is_none(), "{v}");
    assert!(!v.to_string().contains(&uid), "{v}");

    let out = s
        .execute(&cmd("show ap database"))
        .await
        .expect("ap database");
    let v = json(&out.body);
    assert_eq!(v["AP Database"][0]["Name"], "AP-01");
    assert_eq!(v["_meta"][0], "Name");

    let out = s.execute(&cmd("show switches")).await.expect("switches");
    let rows = json(&out.body)["Switch List"]
        .as_array()
        .expect("rows")
        .clone();
    assert!(rows.iter().any(|r| r["Name"] == name.as_str()), "{rows:?}");

    let out = s
        .execute(&cmd("GET /configuration/object/ap_group?config_path=/md"))
        .await
        .expect("ap_group");
    let groups = json(&out.body)["_data"]["ap_group"]
        .as_array()
        .expect("groups")
        .clone();
    assert!(groups.iter().any(|g| g["profile-name"] == "default"));
    assert!(!groups.iter().any(|g| g["profile-name"] == "lab-new"));

    let out = s
        .execute(&cmd(
            r#"POST /configuration/object/ap_group?config_path=/md {"profile-name": "lab-new"}"#,
        ))
        .await
        .expect("create ap_group");
    assert_eq!(json(&out.body)["_global_result"]["status"], "0");

    // A path that already names /v1 is used as is.
    let out = s
        .execute(&cmd(
            "GET /v1/configuration/object/ap_group?config_path=/md",
        ))
        .await
        .expect("ap_group again");
    let groups = json(&out.body)["_data"]["ap_group"]
        .as_array()
        .expect("groups")
        .clone();
    assert!(groups.iter().any(|g| g["profile-name"] == "lab-new"));

    s.execute(&cmd(
        "POST /configuration/object/write_memory?config_path=/md",
    ))
    .await
    .expect("write memory");

    s.logout().await.expect("logout");
    assert!(!s.is_logged_in());
    assert_eq!(t.lab.open_sessions(), 0);
    assert_eq!(s.facts().relogins, 0);
}

#[tokio::test]
async fn session_limit_is_reported() {
    let mut opts = only("arubaos");
    opts.limits.arubaos_sessions = 2;
    let t = common::start(opts).await;
    let (mut a, mut b, mut c) = (
        t.session("arubaos"),
        t.session("arubaos"),
        t.session("arubaos"),
    );
    a.login().await.expect("first");
    b.login().await.expect("second");
    let e = c.login().await.expect_err("third is over the limit");
    assert!(matches!(e, VendorError::SessionLimit(_)), "{e:?}");
    assert!(e.to_string().contains("log out other sessions"), "{e}");
    a.logout().await.expect("logout");
    c.login().await.expect("a slot is free again");
    b.logout().await.expect("logout");
    c.logout().await.expect("logout");
    assert_eq!(t.lab.open_sessions(), 0);
}

#[tokio::test]
async fn unknown_show_command_is_a_command_error() {
    let t = common::start(only("arubaos")).await;
    let mut s = t.session("arubaos");
    let e = s
        .execute(&cmd("show flux capacitor"))
        .await
        .expect_err("unknown command");
    assert!(matches!(e, VendorError::Command(_)), "{e:?}");
    let m = e.to_string();
    assert!(m.contains("show flux capacitor"), "{m}");
    assert!(m.contains("invalid or unsupported show command"), "{m}");
    // The session is still good.
    s.execute(&cmd("show clock")).await.expect("show clock");
    assert_eq!(s.facts().relogins, 0);
    s.logout().await.expect("logout");
    assert_eq!(t.lab.open_sessions(), 0);
}

#[tokio::test]
async fn expired_session_is_replaced_transparently() {
    let t = common::start(only("arubaos")).await;
    let sim = mc_sim(&t);
    let mut s = t.session("arubaos");
    s.execute(&cmd("show switches")).await.expect("first");
    let before = sim.live_tokens();
    sim.expire_sessions();
    assert_eq!(t.lab.open_sessions(), 0);
    let out = s
        .execute(&cmd("show ap database"))
        .await
        .expect("after expiry");
    assert!(json(&out.body)["AP Database"].is_array());
    assert_eq!(s.facts().relogins, 1);
    let after = sim.live_tokens();
    assert_eq!(after.len(), 1);
    assert_ne!(before, after);
    s.logout().await.expect("logout");
    assert_eq!(t.lab.open_sessions(), 0);
}

#[tokio::test]
async fn idle_timeout_expires_sessions() {
    let mut opts = only("arubaos");
    opts.lifetimes.arubaos_idle = Duration::from_secs(1);
    let t = common::start(opts).await;
    let mut s = t.session("arubaos");
    s.login().await.expect("login");
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(t.lab.open_sessions(), 0, "the idle session timed out");
    s.execute(&cmd("GET /configuration/object/ssid_prof?config_path=/md"))
        .await
        .expect("re-login");
    assert_eq!(s.facts().relogins, 1);
    s.logout().await.expect("logout");
    assert_eq!(t.lab.open_sessions(), 0);
}

#[tokio::test]
async fn profile_already_exists_is_surfaced() {
    let t = common::start(only("arubaos")).await;
    let mut s = t.session("arubaos");
    let e = s
        .execute(&cmd(
            r#"POST /configuration/object/ap_group?config_path=/md {"profile-name": "default"}"#,
        ))
        .await
        .expect_err("duplicate profile");
    assert!(matches!(e, VendorError::Command(_)), "{e:?}");
    let m = e.to_string();
    assert!(m.contains("Profile already exists"), "{m}");
    assert!(
        m.starts_with("POST /v1/configuration/object/ap_group"),
        "{m}"
    );
    s.logout().await.expect("logout");
}

#[tokio::test]
async fn uidaruba_never_in_error_text() {
    let t = common::start(only("arubaos")).await;
    let sim = mc_sim(&t);
    let pw = netdash::lab::password("arubaos");
    let mut s = t.session("arubaos");
    s.login().await.expect("login");
    let uid = sim.live_tokens().pop().expect("token");
    let mut errors = Vec::new();
    for c in [
        "show nothing at all",
        "GET /configuration/object/no_such_object?config_path=/md",
        "GET /nowhere",
        r#"POST /configuration/object/ssid_prof?config_path=/md {"profile-name": "default"}"#,
        r#"POST /configuration/object/ssid_prof {"profile-name": "x"}"#,
    ] {
        errors.push(s.execute(&cmd(c)).await.expect_err(c).to_string());
    }
    assert!(errors[1].starts_with("HTTP 404"), "{}", errors[1]);
    assert!(errors[4].contains("config_path"), "{}", errors[4]);
    for e in &errors {
        assert!(!e.contains(&uid), "UIDARUBA in {e}");
        assert!(!e.contains(&pw), "password in {e}");
    }
    s.logout().await.expect("logout");
    assert_eq!(t.lab.open_sessions(), 0);
}

#[tokio::test]
async fn lab_is_strict_about_uidaruba() {
    let t = common::start(only("arubaos")).await;
    let base = format!("https://{}", t.lab.first("arubaos").expect("mc").addr);
    let client = raw_client(&t);
    let pw = netdash::lab::password("arubaos");

    // The doc's GET-with-parameters form of login works too.
    let r = client
        .get(format!("{base}/v1/api/login"))
        .query(&[
            ("username", netdash::lab::USERNAME),
            ("password", pw.as_str()),
        ])
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status(), 200);
    let cookie = r
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .expect("SESSION cookie")
        .to_string();
    let v: Value = r.json().await.expect("json");
    assert_eq!(v["_global_result"]["status"], "0");
    assert_eq!(
        v["_global_result"]["status_str"],
        "You've logged in successfully."
    );
    let uid = v["_global_result"]["UIDARUBA"]
        .as_str()
        .expect("uid")
        .to_string();
    assert!(cookie.starts_with(&format!("SESSION={uid}")), "{cookie}");

    // Without UIDARUBA: 401 with the failure body.
    let r = client
        .get(format!(
            "{base}/v1/configuration/showcommand?command=show+version"
        ))
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status(), 401);
    let v: Value = r.json().await.expect("json");
    assert_eq!(v["_global_result"]["status"], "1");

    // With it: the answer.
    let r = client
        .get(format!("{base}/v1/configuration/showcommand"))
        .query(&[("command", "show switches"), ("UIDARUBA", uid.as_str())])
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status(), 200);

    // Logout by cookie, as the doc shows.
    let r = client
        .get(format!("{base}/v1/api/logout"))
        .header("Cookie", format!("SESSION={uid}"))
        .send()
        .await
        .expect("sent");
    let v: Value = r.json().await.expect("json");
    assert_eq!(
        v["_global_result"]["status_str"],
        "You've been logged out successfully."
    );
    assert_eq!(v["_global_result"]["UIDARUBA"], "(null)");
    assert_eq!(t.lab.open_sessions(), 0);

    // Wrong password: HTTP 200 with status "1".
    let r = client
        .post(format!("{base}/v1/api/login"))
        .form(&[("username", netdash::lab::USERNAME), ("password", "nope")])
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.expect("json");
    assert_eq!(v["_global_result"]["status"], "1");
}
