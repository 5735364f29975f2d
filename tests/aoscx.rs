//! AOS-CX against the lab over real TLS: cookie + CSRF sessions, mapped CLI, REST, the
//! session limit, expiry and logout.

mod common;

use common::{cmd, only, start};
use netdash::drivers::{Body, Session, VendorError};
use netdash::kind::AuthScheme;
use netdash::lab::Sim;

fn cx_sim(tl: &common::TestLab) -> std::sync::Arc<netdash::lab::aoscx::AosCxSim> {
    match &tl.lab.first("aoscx").expect("cx").sim {
        Sim::AosCx(s) => s.clone(),
        _ => panic!("not an AOS-CX sim"),
    }
}

#[tokio::test]
async fn login_cli_rest_logout() {
    let tl = start(only("aoscx")).await;
    let mut s = tl.session("aoscx");
    s.login().await.expect("login");
    assert_eq!(tl.lab.open_sessions(), 1);
    assert_eq!(s.facts().auth, AuthScheme::CookieCsrf);
    let out = s.execute(&cmd("show version")).await.expect("show version");
    assert_eq!(out.to_value()["hostname"], "lab-cx-01");
    assert!(
        out.notes
            .iter()
            .any(|n| n.contains("no CLI over REST") && n.contains("/rest/latest/system")),
        "{:?}",
        out.notes
    );
    let out = s.execute(&cmd("show vlan")).await.expect("show vlan");
    assert_eq!(out.to_value()["10"]["name"], "users");
    // REST: depth 0 gives URIs, as in the REST guide.
    let out = s
        .execute(&cmd("GET /system/vlans?depth=0"))
        .await
        .expect("vlans");
    assert_eq!(out.to_value()["1"], "/rest/latest/system/vlans/1");
    let out = s
        .execute(&cmd(
            "GET /system/interfaces/1%2F1%2F1?attributes=name,link_state",
        ))
        .await
        .expect("interface");
    assert_eq!(
        out.to_value(),
        serde_json::json!({"name": "1/1/1", "link_state": "up"})
    );
    s.execute(&cmd(r#"POST /system/vlans {"id": 30, "name": "cameras"}"#))
        .await
        .expect("create");
    let e = s
        .execute(&cmd(r#"POST /system/vlans {"id": 30, "name": "again"}"#))
        .await
        .expect_err("exists");
    assert!(e.to_string().contains("already exists"), "{e}");
    let out = s
        .execute(&cmd("DELETE /system/vlans/30"))
        .await
        .expect("delete");
    assert_eq!(out.body, Body::Json(serde_json::Value::Null));
    let e = s
        .execute(&cmd("GET /system/vlans/30"))
        .await
        .expect_err("gone");
    assert!(matches!(e, VendorError::Http { status: 404, .. }), "{e:?}");
    s.logout().await.expect("logout");
    assert_eq!(tl.lab.open_sessions(), 0);
}

#[tokio::test]
async fn csrf_is_enforced_by_the_lab() {
    let tl = start(only("aoscx")).await;
    let addr = tl.lab.first("aoscx").expect("cx").addr;
    let client = reqwest::Client::builder()
        .add_root_certificate(
            reqwest::Certificate::from_pem(tl.lab.pki.ca_pem.as_bytes()).expect("ca"),
        )
        .build()
        .expect("client");
    let pw = netdash::lab::password("aoscx");
    // The seed's own curl: credentials in the query string.
    let r = client
        .post(format!(
            "https://{addr}/rest/latest/login?username=admin&password={pw}"
        ))
        .header("x-use-csrf-token", "true")
        .send()
        .await
        .expect("login");
    assert_eq!(r.status(), 200);
    let token = r
        .headers()
        .get("x-csrf-token")
        .expect("token")
        .to_str()
        .expect("ascii")
        .to_string();
    let id = r
        .headers()
        .get("set-cookie")
        .expect("cookie")
        .to_str()
        .expect("ascii")
        .split(';')
        .next()
        .expect("kv")
        .to_string();
    let url = format!("https://{addr}/rest/latest/system/vlans");
    let without = client
        .get(&url)
        .header("cookie", &id)
        .send()
        .await
        .expect("get");
    assert_eq!(
        without.status(),
        401,
        "the cookie alone must not be enough on 10.09"
    );
    let with = client
        .get(&url)
        .header("cookie", &id)
        .header("x-csrf-token", &token)
        .send()
        .await
        .expect("get");
    assert_eq!(with.status(), 200);
    let out = client
        .post(format!("https://{addr}/rest/latest/logout"))
        .header("cookie", &id)
        .header("x-csrf-token", &token)
        .send()
        .await
        .expect("logout");
    assert_eq!(out.status(), 200);
    assert_eq!(tl.lab.open_sessions(), 0);
}

#[tokio::test]
async fn legacy_firmware_uses_the_cookie_alone() {
    let tl = start(only("aoscx")).await;
    cx_sim(&tl).set_legacy_firmware(true);
    let mut s = tl.session("aoscx");
    let out = s
        .execute(&cmd("GET /firmware"))
        .await
        .expect("works without CSRF");
    assert_eq!(out.to_value()["current_version"], "GL.10.09.1010");
    assert_eq!(s.facts().auth, AuthScheme::Cookie);
    s.logout().await.expect("logout");
    assert_eq!(tl.lab.open_sessions(), 0);
}

#[tokio::test]
async fn wrong_password_and_session_limit_are_told_apart() {
    let mut opts = only("aoscx");
    opts.limits.aoscx_per_user = 2;
    let tl = start(opts).await;
    let mut d = tl.device_config("aoscx");
    d.password = Some("Wr0ng-pass".into());
    let mut bad = Session::for_device(&d, &tl.ctx).expect("session");
    let e = bad.login().await.expect_err("401");
    assert!(matches!(e, VendorError::Auth(_)), "{e:?}");
    assert!(!e.to_string().contains("Wr0ng-pass"));
    let mut a = tl.session("aoscx");
    let mut b = tl.session("aoscx");
    a.login().await.expect("first");
    b.login().await.expect("second");
    let mut c = tl.session("aoscx");
    let e = c.login().await.expect_err("third is over the limit");
    assert!(matches!(e, VendorError::SessionLimit(_)), "{e:?}");
    assert!(
        e.to_string()
            .contains("Login failed: session limit reached"),
        "{e}"
    );
    a.logout().await.expect("logout");
    b.logout().await.expect("logout");
    assert_eq!(tl.lab.open_sessions(), 0);
}

#[tokio::test]
async fn expired_session_is_reestablished() {
    let mut opts = only("aoscx");
    opts.lifetimes.aoscx_idle = std::time::Duration::from_secs(1);
    let tl = start(opts).await;
    let mut s = tl.session("aoscx");
    s.execute(&cmd("show system")).await.expect("first");
    tokio::time::sleep(std::time::Duration::from_millis(1300)).await;
    assert_eq!(
        tl.lab.open_sessions(),
        0,
        "the switch timed the session out"
    );
    s.execute(&cmd("show system"))
        .await
        .expect("transparently logged in again");
    assert_eq!(s.facts().relogins, 1);
    s.logout().await.expect("logout");
    assert_eq!(tl.lab.open_sessions(), 0);
}

#[tokio::test]
async fn unmapped_cli_suggests_a_path() {
    let tl = start(only("aoscx")).await;
    let mut s = tl.session("aoscx");
    let e = s
        .execute(&cmd("show lldp neighbors"))
        .await
        .expect_err("unmapped");
    assert!(matches!(e, VendorError::Unsupported(_)), "{e:?}");
    assert!(e.to_string().contains("try GET"), "{e}");
    assert!(
        !s.is_logged_in(),
        "no session is spent on a command AOS-CX cannot take"
    );
    s.logout().await.expect("logout");
}

#[tokio::test]
async fn a_second_401_after_a_fresh_login_is_an_error() {
    // Sessions that die at once: the retry after re-login is rejected too.
    let mut opts = only("aoscx");
    opts.lifetimes.aoscx_idle = std::time::Duration::ZERO;
    let tl = start(opts).await;
    let mut s = tl.session("aoscx");
    let e = s.execute(&cmd("GET /system")).await.expect_err("401 twice");
    // Expired, not Auth: the password worked, so the engine must not back off as for a bad one.
    assert!(matches!(e, VendorError::Expired(_)), "{e:?}");
    assert!(
        e.to_string().contains("rejected a fresh session too"),
        "{e}"
    );
}
