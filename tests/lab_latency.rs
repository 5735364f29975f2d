//! `netdash lab --latency-ms`: every simulator holds every request that long before it
//! answers, as devices across a WAN do (fan-out benchmarks rely on it).

mod common;

use std::time::{Duration, Instant};

use common::{cmd, start};
use netdash::lab::LabOptions;

#[tokio::test]
async fn every_simulator_answers_late_by_the_latency() {
    let latency = Duration::from_millis(300);
    let t = start(LabOptions {
        central: 0,
        latency,
        ..LabOptions::default()
    })
    .await;
    for (kind, line) in [
        ("eos", "show version"),
        ("asa", "show version"),
        ("aoscx", "GET /system"),
        ("arubaos", "show version"),
    ] {
        let mut s = t.session(kind);
        s.login().await.expect("login");
        let started = Instant::now();
        s.execute(&cmd(line)).await.expect("answer");
        let took = started.elapsed();
        s.logout().await.expect("logout");
        assert!(took >= latency, "{kind}: answered after {took:?}");
    }
    assert_eq!(t.lab.open_sessions(), 0);
}

#[tokio::test]
async fn central_answers_late_too() {
    let latency = Duration::from_millis(300);
    let t = start(LabOptions {
        central: 1,
        latency,
        ..LabOptions::none()
    })
    .await;
    let mut s = t.session("central");
    let started = Instant::now();
    s.execute(&cmd("GET /monitoring/v2/aps"))
        .await
        .expect("answer");
    assert!(started.elapsed() >= latency, "{:?}", started.elapsed());
}
