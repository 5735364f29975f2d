//! Aruba Central against the lab: bearer tokens, refresh with rotation persisted (0600)
//! before use and reused by a second instance, 429s waited out, the daily quota, errors.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::sync::Arc;
use std::time::Duration;

use common::{cmd, only, start};
use netdash::drivers::{Context, Session, VendorError};
use netdash::lab::Sim;
use netdash::lab::central::CentralSim;

fn sim(tl: &common::TestLab) -> Arc<CentralSim> {
    match &tl.lab.first("central").expect("central").sim {
        Sim::Central(s) => s.clone(),
        _ => panic!("not central"),
    }
}

fn token_file(s: &Session) -> std::path::PathBuf {
    s.central()
        .expect("a Central session")
        .token_file()
        .to_path_buf()
}

#[tokio::test]
async fn rest_with_paging() {
    let mut o = only("central");
    o.central_aps = 250;
    let tl = start(o).await;
    let mut s = tl.session("central");
    let out = s
        .execute(&cmd("GET /central/v2/sites?offset=0&limit=100"))
        .await
        .expect("sites");
    let v = out.to_value();
    assert_eq!(v["total"], 6);
    assert_eq!(v["sites"][0]["site_name"], "Roseville-01");
    let page2 = s
        .execute(&cmd("GET /monitoring/v2/aps?offset=200&limit=100"))
        .await
        .expect("aps");
    assert_eq!(page2.to_value()["count"], 50);
    assert_eq!(page2.to_value()["total"], 250);
    let down = s
        .execute(&cmd("GET /monitoring/v2/aps?status=Down&limit=1000"))
        .await
        .expect("down");
    assert!(
        down.to_value()["aps"]
            .as_array()
            .expect("aps")
            .iter()
            .all(|a| a["status"] == "Down")
    );
    let f = s.facts();
    let rate = f.rate.expect("rate headers recorded");
    assert_eq!(rate.limit_second, Some(7));
    assert_eq!(rate.limit_day, Some(5000));
    assert_eq!(rate.remaining_day, Some(4997));
    let e = s.execute(&cmd("show version")).await.expect_err("cli");
    assert!(matches!(e, VendorError::Unsupported(_)), "{e:?}");
    let e = s.execute(&cmd("GET /nothing/here")).await.expect_err("404");
    assert!(matches!(e, VendorError::Http { status: 404, .. }), "{e:?}");
}

#[tokio::test]
async fn expired_token_refreshes_rotates_and_persists_for_a_second_process() {
    let tl = start(only("central")).await;
    let sim = sim(&tl);
    let mut s = tl.session("central");
    s.execute(&cmd("GET /central/v2/sites"))
        .await
        .expect("seed token works");
    // The pasted pair's age is unknown: it is swapped for a fresh one at first use.
    assert_eq!(sim.refreshes(), 1);
    sim.expire_sessions();
    s.execute(&cmd("GET /central/v2/sites"))
        .await
        .expect("refreshed transparently");
    assert_eq!(sim.refreshes(), 2);
    // The pair is on disk, 0600, and the seed's refresh token is now dead at the lab.
    let file = token_file(&s);
    let mode = std::fs::metadata(&file)
        .expect("stored")
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(mode, 0o600);
    let stored: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&file).expect("read")).expect("json");
    assert!(
        !sim.refresh_token_valid(&sim.seed_refresh_token),
        "rotation must kill the old refresh token"
    );
    assert!(sim.refresh_token_valid(stored["refresh_token"].as_str().expect("rt")));
    // A second instance on the same files (another process) uses the stored pair: no refresh.
    let ctx2 = Context::new(tl.ctx.paths.clone(), Duration::from_secs(10));
    let c = tl.config.centrals().next().expect("central");
    let mut s2 = Session::for_central(c, &ctx2).expect("session");
    s2.execute(&cmd("GET /monitoring/v2/aps?limit=5"))
        .await
        .expect("stored pair works");
    assert_eq!(sim.refreshes(), 2);
    assert_eq!(sim.unauthorized(), 1, "only the expired call saw a 401");
}

#[tokio::test]
async fn short_lived_token_is_renewed_before_it_expires() {
    let mut o = only("central");
    o.lifetimes.central_access = Duration::from_secs(3);
    let tl = start(o).await;
    let sim = sim(&tl);
    let mut s = tl.session("central");
    // The seed's expiry is unknown, so begin from a refreshed pair with a known lifetime.
    sim.expire_sessions();
    s.execute(&cmd("GET /central/v2/sites"))
        .await
        .expect("first");
    let before = sim.unauthorized();
    for _ in 0..10 {
        s.execute(&cmd("GET /central/v2/sites"))
            .await
            .expect("call");
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    assert!(
        sim.refreshes() >= 2,
        "refreshed ahead of expiry: {}",
        sim.refreshes()
    );
    assert_eq!(
        sim.unauthorized(),
        before,
        "no 401 once lifetimes are known"
    );
}

#[tokio::test]
async fn rate_limit_429_is_waited_out_and_counted() {
    let mut o = only("central");
    o.limits.central_per_second = 1;
    let tl = start(o).await;
    let mut s = tl.session("central");
    let mut notes = Vec::new();
    for _ in 0..3 {
        let out = s
            .execute(&cmd("GET /central/v2/sites"))
            .await
            .expect("eventually ok");
        notes.extend(out.notes);
    }
    let throttled = s.facts().rate.expect("rate").throttled;
    assert!(throttled >= 1, "{throttled}");
    assert_eq!(throttled, sim(&tl).throttled());
    assert!(notes.iter().any(|n| n.contains("429")), "{notes:?}");
}

#[tokio::test]
async fn exhausted_daily_quota_is_a_clear_error() {
    let tl = start(only("central")).await;
    sim(&tl).set_daily_quota(2);
    let mut s = tl.session("central");
    s.execute(&cmd("GET /central/v2/sites")).await.expect("1");
    s.execute(&cmd("GET /central/v2/sites")).await.expect("2");
    let e = s
        .execute(&cmd("GET /central/v2/sites"))
        .await
        .expect_err("quota");
    assert!(matches!(e, VendorError::RateLimited(_)), "{e:?}");
    assert!(
        e.to_string().contains("daily quota of 2 calls exhausted"),
        "{e}"
    );
}

#[tokio::test]
async fn wrong_client_secret_is_named_without_secrets() {
    let tl = start(only("central")).await;
    sim(&tl).expire_sessions();
    let mut c = tl.config.centrals().next().expect("central").clone();
    c.client_secret = Some("Not-The-Secret-42".into());
    let mut s = Session::for_central(&c, &tl.ctx).expect("session");
    let e = s
        .execute(&cmd("GET /central/v2/sites"))
        .await
        .expect_err("bad secret");
    let m = e.to_string();
    assert!(m.contains("client_id/client_secret"), "{m}");
    for secret in [
        "Not-The-Secret-42",
        sim(&tl).seed_access_token.as_str(),
        sim(&tl).seed_refresh_token.as_str(),
    ] {
        assert!(!m.contains(secret), "{m}");
    }
}
