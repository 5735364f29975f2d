//! The engine, headless, against the lab: backoff for unreachable devices while others keep
//! working, and no session left open when the process is told to hang up.

mod common;

use std::sync::Arc;
use std::time::Duration;

use netdash::config::Config;
use netdash::engine::{self, EngineOptions, EngineRequest, Event, SessionState};
use netdash::lab::LabOptions;

fn eos_lab(n: usize) -> LabOptions {
    LabOptions {
        eos: n,
        asa: 0,
        aoscx: 0,
        arubaos: 0,
        central: 0,
        ..LabOptions::default()
    }
}

/// The lab config with every EOS device on session-cookie auth (sessions the lab can count).
fn with_eos_sessions(text: &str) -> String {
    text.replace("kind = \"eos\"", "kind = \"eos\"\nauth = \"session\"")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreachable_device_backs_off_while_others_work() {
    let tl = common::start(eos_lab(2)).await;
    // A third device on a port nobody listens on.
    let (_closed, port) = common::closed_port();
    let text = std::fs::read_to_string(&tl.config_path).expect("config")
        + &format!(
            "\n[[devices]]\nname = \"gone\"\nkind = \"eos\"\nhost = \"127.0.0.1:{port}\"\nusername = \"admin\"\npassword = \"x\"\n"
        );
    let cfg = Arc::new(Config::parse(&text, std::path::Path::new("t.toml")).expect("config"));
    let opts = EngineOptions {
        poll_interval: Some(Duration::from_millis(300)),
        backoff_base: Duration::from_millis(200),
        backoff_cap: Duration::from_secs(5),
        ..EngineOptions::default()
    };
    let mut e = engine::start(cfg, tl.ctx.clone(), opts);
    let mut polled_ok = std::collections::HashMap::<String, usize>::new();
    let mut gone_backoffs = 0;
    let mut gone_alarm = false;
    let mut gone_polls = 0;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(4);
    while let Ok(Some(ev)) = tokio::time::timeout_at(deadline, e.events.recv()).await {
        match ev {
            Event::Polled { target, .. } => *polled_ok.entry(target).or_default() += 1,
            Event::PollFailed { target, .. } if target == "gone" => gone_polls += 1,
            Event::Alarm {
                target,
                what: "down",
                raised: true,
                ..
            } if target == "gone" => gone_alarm = true,
            Event::Session {
                target,
                state: SessionState::BackingOff { reason, .. },
                ..
            } if target == "gone" => {
                assert!(reason.contains("connection refused"), "{reason}");
                gone_backoffs += 1;
            }
            _ => {}
        }
    }
    // The healthy devices kept being polled at the interval...
    for name in ["lab-eos-01", "lab-eos-02"] {
        assert!(
            polled_ok.get(name).copied().unwrap_or(0) >= 5,
            "{name}: {polled_ok:?}"
        );
    }
    // ...while the dead one was retried with growing gaps, far fewer times than polls.
    assert!(gone_backoffs >= 2, "backoffs: {gone_backoffs}");
    assert!(gone_alarm, "a device that went down raised an alarm");
    assert!(
        gone_polls < polled_ok["lab-eos-01"],
        "gone {gone_polls} vs {polled_ok:?}"
    );
    shut_down(&mut e).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fan_out_streams_results_and_progress() {
    let tl = common::start(eos_lab(5)).await;
    let cfg = Arc::new(tl.config.clone());
    let opts = EngineOptions {
        poll_interval: None,
        concurrency: 2,
        ..EngineOptions::default()
    };
    let mut e = engine::start(cfg, tl.ctx.clone(), opts);
    e.commands
        .send(EngineRequest::Run {
            id: 7,
            targets: vec!["@all".into()],
            line: "show hostname".into(),
            interactive: true,
        })
        .expect("send");
    let mut results = Vec::new();
    let mut last_progress = (0, 0, 0);
    while let Some(ev) = e.events.recv().await {
        match ev {
            Event::Result {
                id: 7,
                target,
                outcome,
                ..
            } => {
                assert!(outcome.is_ok());
                results.push(target);
            }
            Event::Progress {
                id: 7,
                done,
                failed,
                total,
            } => {
                assert_eq!(done, results.len());
                last_progress = (done, failed, total);
                if done == total {
                    break;
                }
            }
            _ => {}
        }
    }
    assert_eq!(last_progress, (5, 0, 5));
    results.sort();
    assert_eq!(
        results,
        (1..=5)
            .map(|i| format!("lab-eos-{i:02}"))
            .collect::<Vec<_>>()
    );
    // A bad target is rejected, not run.
    e.commands
        .send(EngineRequest::Run {
            id: 8,
            targets: vec!["nope".into()],
            line: "show version".into(),
            interactive: true,
        })
        .expect("send");
    loop {
        match e.events.recv().await {
            Some(Event::RunRejected { id: 8, error }) => {
                assert!(error.contains("unknown target"), "{error}");
                break;
            }
            Some(_) => {}
            None => panic!("engine stopped"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sighup_logs_every_session_out() {
    let tl = common::start(LabOptions::default()).await;
    let text = with_eos_sessions(&std::fs::read_to_string(&tl.config_path).expect("config"));
    std::fs::write(&tl.config_path, text).expect("write");
    let dir = tl.dir.path();
    let mut child = tokio::process::Command::new(common::bin())
        .arg("--config")
        .arg(&tl.config_path)
        .args(["watch", "--json"])
        .env("NETDASH_DATA_DIR", dir.join("data"))
        .env("NETDASH_STATE_DIR", dir.join("state"))
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("netdash watch starts");
    // Wait until every device that holds sessions has one open at the lab.
    let holders = tl
        .lab
        .devices
        .iter()
        .filter(|d| d.sim.kind() != "central")
        .count();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while tl.lab.open_sessions() < holders {
        assert!(
            tokio::time::Instant::now() < deadline,
            "only {} sessions opened",
            tl.lab.open_sessions()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    common::signal(&child, "-HUP");
    let status = tokio::time::timeout(Duration::from_secs(10), child.wait())
        .await
        .expect("netdash exits after SIGHUP")
        .expect("wait");
    assert!(status.success(), "{status:?}");
    assert_eq!(tl.lab.open_sessions(), 0, "sessions left open after SIGHUP");
}

fn central_only(tweak: impl FnOnce(&mut LabOptions)) -> LabOptions {
    let mut o = LabOptions {
        central: 1,
        ..LabOptions::none()
    };
    tweak(&mut o);
    o
}

fn central_sim(tl: &common::TestLab) -> Arc<netdash::lab::central::CentralSim> {
    match &tl.lab.first("central").expect("central").sim {
        netdash::lab::Sim::Central(s) => s.clone(),
        _ => panic!("not central"),
    }
}

/// Ask the engine to shut down and wait for its report: (sessions logged out, failures).
async fn shut_down(e: &mut engine::EngineHandle) -> (usize, Vec<(String, String)>) {
    let _ = e.commands.send(EngineRequest::Shutdown);
    while let Some(ev) = e.events.recv().await {
        if let Event::ShutdownComplete { logged_out, failed } = ev {
            return (logged_out, failed);
        }
    }
    panic!("the engine stopped without a shutdown report")
}

async fn flood(e: &mut engine::EngineHandle, target: &str, n: u64) -> (usize, usize) {
    for id in 0..n {
        e.commands
            .send(EngineRequest::Run {
                id,
                targets: vec![target.into()],
                line: "GET /central/v2/sites?limit=10".into(),
                interactive: true,
            })
            .expect("send");
    }
    let (mut ok, mut failed) = (0, 0);
    while ok + failed < n as usize {
        match tokio::time::timeout(Duration::from_secs(90), e.events.recv()).await {
            Ok(Some(Event::Result { outcome, .. })) => {
                if outcome.is_ok() {
                    ok += 1;
                } else {
                    failed += 1;
                }
            }
            Ok(Some(_)) => {}
            _ => panic!("engine stalled after {ok} ok, {failed} failed"),
        }
    }
    (ok, failed)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn central_flood_stays_within_seven_per_second() {
    let tl = common::start(central_only(|_| {})).await;
    let sim = central_sim(&tl);
    let opts = EngineOptions {
        poll_interval: None,
        ..EngineOptions::default()
    };
    let mut e = engine::start(Arc::new(tl.config.clone()), tl.ctx.clone(), opts);
    let start = std::time::Instant::now();
    let (ok, failed) = flood(&mut e, "lab-central-01", 200).await;
    let took = start.elapsed();
    assert_eq!((ok, failed), (200, 0));
    let arrivals = sim.arrivals();
    assert_eq!(arrivals.len(), 200, "no retries were needed");
    let max = common::max_in_a_second(&arrivals);
    assert!(max <= 7, "{max} calls arrived within one second");
    assert_eq!(sim.throttled(), 0, "zero 429s in normal running");
    // The budget is used, not wasted: 200 calls at 7/s need about 28.6 s.
    println!(
        "200 Central calls in {took:?}: {:.2} calls/s",
        200.0 / took.as_secs_f64()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn central_429_storm_is_survived() {
    // Other clients of the customer spend the budget (the next 10 calls get 429), and the
    // gateway allows 2/s while netdash believes 7/s: a storm, whatever the timing.
    let tl = common::start(central_only(|o| o.limits.central_per_second = 2)).await;
    let sim = central_sim(&tl);
    sim.others_use_the_budget(10);
    let opts = EngineOptions {
        poll_interval: None,
        ..EngineOptions::default()
    };
    let mut e = engine::start(Arc::new(tl.config.clone()), tl.ctx.clone(), opts);
    let (ok, failed) = flood(&mut e, "lab-central-01", 16).await;
    assert_eq!(
        (ok, failed),
        (16, 0),
        "every request succeeds after waiting"
    );
    assert!(sim.throttled() >= 10, "the storm happened");
    // The gateway's announced limit and Retry-After pause the whole account, so the storm
    // ends instead of every worker retrying into it: few 429s beyond the 10 forced ones.
    assert!(
        sim.throttled() <= 16,
        "{} 429s for 16 calls",
        sim.throttled()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn central_token_renewed_before_expiry_without_401() {
    let tl = common::start(central_only(|o| {
        o.lifetimes.central_access = Duration::from_secs(4);
        // Polling every 0.7 s would be stretched to fit a 5,000-call day.
        o.limits.central_daily = 10_000_000;
    }))
    .await;
    let sim = central_sim(&tl);
    // Start from a pair with a known lifetime (the pasted seed's age is unknown).
    sim.expire_sessions();
    let opts = EngineOptions {
        poll_interval: Some(Duration::from_millis(700)),
        central_workers: 2,
        ..EngineOptions::default()
    };
    let mut e = engine::start(Arc::new(tl.config.clone()), tl.ctx.clone(), opts);
    let mut polls = 0;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while let Ok(Some(ev)) = tokio::time::timeout_at(deadline, e.events.recv()).await {
        if let Event::Central { sites, .. } = ev {
            assert_eq!(sites.len(), 6);
            polls += 1;
        }
    }
    assert!(polls >= 5, "{polls} polls");
    assert!(
        sim.refreshes() >= 3,
        "renewed {} times over 10 s of 4 s tokens",
        sim.refreshes()
    );
    // The only 401 allowed is the first call with the deliberately expired seed.
    assert!(sim.unauthorized() <= 1, "{} 401s", sim.unauthorized());
    let _ = e.commands.send(EngineRequest::Shutdown);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn device_expired_sessions_are_reestablished_transparently() {
    let tl = common::start(LabOptions {
        aoscx: 1,
        arubaos: 1,
        ..LabOptions::none()
    })
    .await;
    let opts = EngineOptions {
        poll_interval: None,
        ..EngineOptions::default()
    };
    let mut e = engine::start(Arc::new(tl.config.clone()), tl.ctx.clone(), opts);
    let run = |id: u64| {
        e.commands
            .send(EngineRequest::Run {
                id,
                targets: vec!["lab-cx-01".into(), "lab-mc-01".into()],
                line: "show version".into(),
                interactive: true,
            })
            .expect("send");
    };
    let mut relogins = 0;
    let mut expired = false;
    for id in 1..=2 {
        run(id);
        let mut ok = 0;
        while ok < 2 {
            match e.events.recv().await.expect("event") {
                Event::Result {
                    outcome, id: rid, ..
                } => {
                    assert!(outcome.is_ok(), "run {rid}: {outcome:?}");
                    ok += 1;
                }
                Event::Session { session, .. } => relogins = relogins.max(session.relogins),
                _ => {}
            }
        }
        if id == 1 {
            // The devices drop every session (idle timeout, `session close all`).
            for d in &tl.lab.devices {
                d.sim.expire_sessions();
            }
            assert_eq!(tl.lab.open_sessions(), 0);
            expired = true;
        }
    }
    assert!(expired);
    assert!(relogins >= 1, "a transparent re-login was reported");
    // Per device, so a failure names the simulator that lost (or gained) a session.
    let held = tl.lab.open_sessions_by_device();
    assert!(
        held.iter().all(|(_, n)| *n == 1),
        "one session per device, no more: {held:?}, relogins {relogins}"
    );
    let (logged_out, failed) = shut_down(&mut e).await;
    assert_eq!((logged_out, failed.len()), (2, 0));
    assert_eq!(tl.lab.open_sessions(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn central_polling_leaves_the_daily_quota_to_people() {
    // 100 calls a day and a poll every 0.2 s: polling alone would use the day up in
    // seconds. The engine stretches its interval and says so.
    let tl = common::start(central_only(|o| o.limits.central_daily = 100)).await;
    let sim = central_sim(&tl);
    let opts = EngineOptions {
        poll_interval: Some(Duration::from_millis(200)),
        ..EngineOptions::default()
    };
    let mut e = engine::start(Arc::new(tl.config.clone()), tl.ctx.clone(), opts);
    let (mut polls, mut said) = (0, false);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(3);
    while let Ok(Some(ev)) = tokio::time::timeout_at(deadline, e.events.recv()).await {
        match ev {
            Event::Central { .. } => polls += 1,
            Event::Log { message } if message.contains("polls every") => said = true,
            _ => {}
        }
    }
    assert!(said, "the stretched interval is announced");
    // Unstretched that is 15 polls; stretched, one (a few in the last minute of a UTC day).
    assert!(polls <= 3, "{polls} polls");
    assert_eq!(sim.throttled(), 0);
    let _ = e.commands.send(EngineRequest::Shutdown);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_device_that_recovers_clears_its_alarm() {
    // The ASA allows one REST session and someone else holds it: netdash's login gets 503.
    let tl = common::start(LabOptions {
        asa: 1,
        limits: netdash::lab::Limits {
            asa_sessions: 1,
            ..netdash::lab::Limits::default()
        },
        ..LabOptions::none()
    })
    .await;
    let mut other = tl.session("asa");
    other.login().await.expect("the other user's session");
    let opts = EngineOptions {
        poll_interval: Some(Duration::from_millis(200)),
        backoff_base: Duration::from_millis(100),
        backoff_cap: Duration::from_millis(400),
        ..EngineOptions::default()
    };
    let mut e = engine::start(Arc::new(tl.config.clone()), tl.ctx.clone(), opts);
    let (mut raised, mut failures, mut held) = (0, 0, true);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let ev = tokio::time::timeout_at(deadline, e.events.recv())
            .await
            .expect("an alarm raised, then cleared, within 10 s")
            .expect("event");
        match ev {
            Event::Alarm { raised: true, .. } => raised += 1,
            Event::Alarm { raised: false, .. } => break,
            Event::Session {
                state: SessionState::BackingOff { .. },
                ..
            } => {
                failures += 1;
                // After a few failed retries the other user logs out: the next one gets in.
                if failures >= 3 && held {
                    other.logout().await.expect("logout");
                    held = false;
                }
            }
            _ => {}
        }
    }
    assert!(failures >= 3, "{failures} failed retries");
    assert_eq!(raised, 1, "raised once, not on every failed retry");
    shut_down(&mut e).await;
    assert_eq!(tl.lab.open_sessions(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_request_does_not_keep_a_session_open_at_shutdown() {
    let tl = common::start(common::only("aoscx")).await;
    let sim = match &tl.lab.first("aoscx").expect("aoscx").sim {
        netdash::lab::Sim::AosCx(s) => s.clone(),
        _ => panic!("not aoscx"),
    };
    let opts = EngineOptions {
        poll_interval: None,
        ..EngineOptions::default()
    };
    let mut e = engine::start(Arc::new(tl.config.clone()), tl.ctx.clone(), opts);
    let run = |id| EngineRequest::Run {
        id,
        targets: vec!["lab-cx-01".into()],
        line: "GET /system/vlans".into(),
        interactive: true,
    };
    e.commands.send(run(1)).expect("send");
    loop {
        if let Some(Event::Result { .. }) = e.events.recv().await {
            break;
        }
    }
    assert_eq!(tl.lab.open_sessions(), 1);
    // The switch is now slow: a request is in flight (holding the session) at shutdown.
    sim.set_slow(Duration::from_secs(8));
    e.commands.send(run(2)).expect("send");
    tokio::time::sleep(Duration::from_millis(300)).await;
    let asked = std::time::Instant::now();
    let (logged_out, failed) = shut_down(&mut e).await;
    // Bounded by the 3 s grace, not by the 8 s request; and the session is closed.
    assert!(
        asked.elapsed() < Duration::from_secs(5),
        "{:?}",
        asked.elapsed()
    );
    assert_eq!((logged_out, failed.len()), (1, 0), "{failed:?}");
    assert_eq!(
        tl.lab.open_sessions(),
        0,
        "the slow request kept the session open"
    );
}

/// Open lab sessions of `name` (0 when it has none).
fn held(tl: &common::TestLab, name: &str) -> usize {
    tl.lab
        .open_sessions_by_device()
        .into_iter()
        .find(|(n, _)| n == name)
        .map_or(0, |(_, k)| k)
}

/// `:reload`: a removed device is logged out, a new one gets a session, a changed one
/// starts again with one session, and shutdown still closes them all.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reload_logs_out_removed_devices_and_adds_new_ones() {
    let tl = common::start(eos_lab(3)).await;
    let text = with_eos_sessions(&std::fs::read_to_string(&tl.config_path).expect("config"));
    let full = Config::parse(&text, std::path::Path::new("t.toml")).expect("config");
    let keep = |names: &[&str]| {
        let mut c = full.clone();
        c.devices
            .retain(|d| names.contains(&d.get_ref().name.as_str()));
        c
    };
    let opts = EngineOptions {
        poll_interval: Some(Duration::from_millis(300)),
        ..EngineOptions::default()
    };
    let mut e = engine::start(
        Arc::new(keep(&["lab-eos-01", "lab-eos-02"])),
        tl.ctx.clone(),
        opts,
    );
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while held(&tl, "lab-eos-01") == 0 || held(&tl, "lab-eos-02") == 0 {
        assert!(tokio::time::Instant::now() < deadline, "no sessions");
        let _ = tokio::time::timeout(Duration::from_millis(100), e.events.recv()).await;
    }
    // lab-eos-01 goes, lab-eos-03 comes, lab-eos-02 gets a new tag (a changed device).
    let mut next = keep(&["lab-eos-02", "lab-eos-03"]);
    for d in &mut next.devices {
        if d.get_ref().name == "lab-eos-02" {
            d.get_mut().tags.push("reloaded".into());
        }
    }
    e.commands
        .send(EngineRequest::Reload {
            config: Arc::new(next),
            notes: vec![],
        })
        .expect("engine listens");
    let mut changed = None;
    let mut polled_new = false;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while changed.is_none() || !polled_new || held(&tl, "lab-eos-01") != 0 {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        assert!(
            !left.is_zero(),
            "reload not applied: {changed:?} {polled_new}"
        );
        match tokio::time::timeout(left.min(Duration::from_millis(100)), e.events.recv()).await {
            Ok(Some(Event::DevicesChanged { added, removed })) => {
                let added: Vec<String> = added.into_iter().map(|a| a.name).collect();
                changed = Some((added, removed));
            }
            Ok(Some(Event::Polled { target, .. })) if target == "lab-eos-03" => polled_new = true,
            _ => {}
        }
    }
    let (added, removed) = changed.expect("a DevicesChanged event");
    assert_eq!(added, ["lab-eos-02", "lab-eos-03"]);
    assert_eq!(removed, ["lab-eos-01", "lab-eos-02"]);
    // The changed device holds exactly one session: the old one was logged out.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while held(&tl, "lab-eos-02") != 1 || held(&tl, "lab-eos-03") != 1 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "{:?}",
            tl.lab.open_sessions_by_device()
        );
        let _ = tokio::time::timeout(Duration::from_millis(100), e.events.recv()).await;
    }
    // The removed device can no longer be asked for.
    e.commands
        .send(EngineRequest::Run {
            id: 7,
            targets: vec!["lab-eos-01".into()],
            line: "show version".into(),
            interactive: true,
        })
        .expect("engine listens");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    loop {
        match tokio::time::timeout_at(deadline, e.events.recv()).await {
            Ok(Some(Event::RunRejected { id: 7, error })) => {
                assert!(error.contains("lab-eos-01"), "{error}");
                break;
            }
            Ok(Some(_)) => {}
            other => panic!("no rejection: {other:?}"),
        }
    }
    e.commands
        .send(EngineRequest::Shutdown)
        .expect("engine listens");
    while let Ok(Some(ev)) = tokio::time::timeout(Duration::from_secs(5), e.events.recv()).await {
        if matches!(ev, Event::ShutdownComplete { .. }) {
            break;
        }
    }
    assert_eq!(
        tl.lab.open_sessions(),
        0,
        "{:?}",
        tl.lab.open_sessions_by_device()
    );
}
