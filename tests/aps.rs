//! One AP view across every source, against the lab: two Central accounts (the second
//! with smaller limits) and one Mobility Conductor, through the real engine (real TLS,
//! verification on) into the dashboard's real reducer and renderer.

mod common;

use std::sync::Arc;
use std::time::Duration;

use crossterm::event::KeyCode;
use netdash::engine::{self, EngineOptions, EngineRequest, Event};
use netdash::lab::{LabOptions, OtherCentral, Sim};
use netdash::tui::testing::Dashboard;

fn lab_options() -> LabOptions {
    LabOptions {
        central: 2,
        arubaos: 1,
        // Account 2: 3 calls a second, so a console flood beside polling must queue.
        other_central: OtherCentral {
            per_second: 3,
            daily: 2000,
            sites: 4,
            aps: 100,
        },
        ..LabOptions::none()
    }
}

fn central(tl: &common::TestLab, name: &str) -> Arc<netdash::lab::central::CentralSim> {
    match &tl.lab.device(name).expect("account").sim {
        Sim::Central(s) => s.clone(),
        _ => panic!("{name} is not a Central account"),
    }
}

fn command(d: &mut Dashboard, line: &str) {
    d.press(KeyCode::Char(':'));
    for c in line.chars() {
        d.press(KeyCode::Char(c));
    }
    d.press(KeyCode::Enter);
}

/// The APs the pane lists, in order (the list is rebuilt as before a frame).
fn listed(d: &mut Dashboard) -> Vec<(String, String, bool)> {
    netdash::app::update::refresh_views(&mut d.app);
    let c = &d.app.central;
    (0..c.view.len())
        .filter_map(|i| netdash::app::central::ap_at(c, i))
        .map(|(src, ap)| (src.to_string(), ap.name.clone(), ap.up))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_source_lands_in_one_view_within_every_budget() {
    let tl = common::start(lab_options()).await;
    let text = std::fs::read_to_string(&tl.config_path).expect("config");
    assert!(
        text.contains("calls_per_second = 3"),
        "the lab config gives account 2 its own limit"
    );
    let mut d = Dashboard::from_config(&text, false).expect("lab config");
    let opts = EngineOptions {
        poll_interval: Some(Duration::from_millis(700)),
        central_workers: 2,
        ..EngineOptions::default()
    };
    let mut e = engine::start(Arc::new(tl.config.clone()), tl.ctx.clone(), opts);

    // Console calls to account 2 while it polls: its limiter must hold them to 3/s.
    for id in 0..12 {
        let _ = e.commands.send(EngineRequest::Run {
            id: 9000 + id,
            targets: vec!["lab-central-02".into()],
            line: "GET /central/v2/sites".into(),
            interactive: true,
        });
    }
    // Each account polls once at least (their daily quotas stretch the interval past the
    // test: 2,000 calls a day leave one poll a minute or so).
    let mut accounts = std::collections::HashSet::new();
    let (mut conductor_polls, mut results) = (0, 0);
    let mut conductor_sessions = 0;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(25);
    while accounts.len() < 2 || conductor_polls < 2 || results < 12 {
        let ev = tokio::time::timeout_at(deadline, e.events.recv())
            .await
            .unwrap_or_else(|_| {
                panic!("{accounts:?} polled, {conductor_polls} Conductor polls, {results}/12 results in 25 s")
            })
            .expect("engine runs");
        match &ev {
            Event::Central {
                account,
                calls,
                next_at,
                at,
                ..
            } => {
                assert_eq!(*calls, 2, "one page of sites, one of APs");
                assert!(next_at > at, "the next poll is ahead");
                accounts.insert(account.clone());
            }
            Event::ApDatabase { calls, .. } => {
                assert_eq!(*calls, 2, "show ap database long, show ap active");
                conductor_polls += 1;
            }
            Event::Result { outcome, .. } => {
                assert!(outcome.is_ok(), "{outcome:?}");
                results += 1;
            }
            _ => {}
        }
        conductor_sessions =
            conductor_sessions.max(tl.lab.first("arubaos").expect("mc").sim.open_sessions());
        d.event(ev);
    }

    // Account 2 never went past its own per-second limit, and the gateway never said 429.
    let two = central(&tl, "lab-central-02");
    assert_eq!(two.throttled(), 0, "429s at lab-central-02");
    let peak = common::max_in_a_second(&two.arrivals());
    assert!(peak <= 3, "{peak} calls in one second at a 3/s account");
    assert!(
        two.arrivals().len() >= 12 + 2,
        "the flood and the poll arrived"
    );
    assert_eq!(central(&tl, "lab-central-01").throttled(), 0);
    // The AP database rides on the health poll's session: one at the Conductor, ever.
    assert_eq!(
        conductor_sessions, 1,
        "one ArubaOS session for polls and AP database"
    );

    // Every source's APs, counted per source.
    let c = &d.app.central;
    let count = |n: &str| c.accounts.get(n).map_or(0, |a| a.aps.len());
    assert_eq!(count("lab-central-01"), 120);
    assert_eq!(count("lab-central-02"), 100);
    assert_eq!(count("lab-mc-01"), 30);
    let mc = c.accounts.get("lab-mc-01").expect("conductor");
    assert_eq!(mc.sites.len(), 3, "AP groups as sites");
    let ap02 = mc.aps.iter().find(|a| a.name == "AP-02").expect("AP-02");
    assert_eq!(ap02.clients, Some(14), "clients from show ap active");
    assert_eq!(ap02.firmware, "8.10.0.7", "the Conductor's version");
    assert_eq!(ap02.mac, "00:1a:1e:00:00:02");
    let names: std::collections::HashSet<&str> = c
        .accounts
        .values()
        .flat_map(|a| a.aps.iter().map(|ap| ap.name.as_str()))
        .collect();
    assert_eq!(names.len(), 250, "no AP name shared between sources");

    // Down first across all sources.
    let all = listed(&mut d);
    assert_eq!(all.len(), 250);
    let first_up = all.iter().position(|(_, _, up)| *up).expect("some up");
    assert!(
        all[first_up..].iter().all(|(_, _, up)| *up),
        "down APs first"
    );
    for src in ["lab-central-01", "lab-central-02", "lab-mc-01"] {
        assert!(
            all[..first_up].iter().any(|(s, _, _)| s == src),
            "{src} has down APs listed first"
        );
    }

    // On screen: per-source counts in the title, sites with their account as a prefix,
    // a refresh line per source.
    d.send(netdash::app::msg::Msg::Tick(std::time::SystemTime::now()));
    d.press(KeyCode::Char('5'));
    // 110x30: below 120x30 the focused pane has the whole width.
    let screen = d.draw(110, 30);
    assert!(
        screen.contains("250 APs · lab-central-01 120 · lab-central-02 100 · lab-mc-01 30"),
        "{screen}"
    );
    assert!(screen.contains("lab-central-02/Branch-"), "{screen}");
    assert!(screen.contains("2 showcommands, no quota"), "{screen}");
    assert!(screen.contains("2 calls of 3/s"), "{screen}");
    assert!(screen.contains("0s ago · next in"), "{screen}");

    // Filters: by source and status, by site, by model, and all cleared.
    command(&mut d, "aps source=lab-mc-01 status=down");
    let down: Vec<String> = listed(&mut d).into_iter().map(|(_, n, _)| n).collect();
    assert_eq!(down, ["AP-14", "AP-23", "AP-07"], "by AP group, then name");
    let screen = d.draw(110, 30);
    assert!(screen.contains("lab-mc-01/campus-aps"), "{screen}");
    assert!(
        screen.contains("(3 shown: down source lab-mc-01)"),
        "{screen}"
    );
    command(&mut d, "aps site=lab-central-02/Branch-");
    let l = listed(&mut d);
    assert_eq!(l.len(), 100);
    assert!(l.iter().all(|(s, _, _)| s == "lab-central-02"));
    command(&mut d, "aps model=515 source=lab-central-01");
    assert_eq!(
        listed(&mut d).len(),
        80,
        "two thirds of account 1's APs are AP-515"
    );
    command(&mut d, "aps status=sideways");
    assert_eq!(listed(&mut d).len(), 80, "a bad word changes nothing");
    assert!(
        d.app
            .status
            .as_deref()
            .is_some_and(|s| s.contains(":aps takes"))
    );
    command(&mut d, "aps");
    assert_eq!(listed(&mut d).len(), 250);
    // `a` walks the sources, then all again.
    for want in ["lab-central-01", "lab-central-02", "lab-mc-01"] {
        d.press(KeyCode::Char('a'));
        let l = listed(&mut d);
        assert!(
            !l.is_empty() && l.iter().all(|(s, _, _)| s == want),
            "{want}"
        );
    }
    d.press(KeyCode::Char('a'));
    assert_eq!(listed(&mut d).len(), 250);

    let _ = e.commands.send(EngineRequest::Shutdown);
    while let Some(ev) = e.events.recv().await {
        if let Event::ShutdownComplete { failed, .. } = ev {
            assert!(failed.is_empty(), "{failed:?}");
            break;
        }
    }
    assert_eq!(tl.lab.open_sessions(), 0, "a session was left open");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_json_reports_every_source_with_its_poll_cost() {
    use tokio::io::AsyncBufReadExt;
    let tl = common::start(lab_options()).await;
    let mut child = common::netdash_cmd(tl.dir.path())
        .arg("--config")
        .arg(&tl.config_path)
        .args(["watch", "--json"])
        .spawn()
        .expect("netdash watch starts");
    let mut lines = tokio::io::BufReader::new(child.stdout.take().expect("stdout")).lines();
    let (mut db, mut accounts) = (None, std::collections::BTreeMap::new());
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while db.is_none() || accounts.len() < 2 {
        let line = tokio::time::timeout_at(deadline, lines.next_line())
            .await
            .unwrap_or_else(|_| {
                panic!(
                    "in 20 s: AP database {}, accounts {accounts:?}",
                    db.is_some()
                )
            })
            .expect("read")
            .expect("watch runs");
        let v: serde_json::Value = serde_json::from_str(&line).expect("one JSON event a line");
        match v["event"].as_str() {
            Some("ap_database") => db = Some(v),
            Some("central") => {
                let calls = v["calls"].as_u64().expect("calls");
                assert!(v["next_at"].as_f64() > v["at"].as_f64(), "{line}");
                accounts.insert(v["account"].as_str().expect("account").to_string(), calls);
            }
            _ => {}
        }
    }
    let db = db.expect("ap_database");
    assert_eq!(db["conductor"], "lab-mc-01");
    assert_eq!(db["calls"], 2);
    let aps = db["aps"].as_array().expect("aps");
    assert_eq!(aps.len(), 30);
    let ap07 = aps.iter().find(|a| a["name"] == "AP-07").expect("AP-07");
    assert_eq!(ap07["up"], false);
    assert_eq!(ap07["clients"], 0);
    assert_eq!(ap07["site"], "campus-aps");
    assert_eq!(ap07["mac"], "00:1a:1e:00:00:07");
    assert_eq!(ap07["serial"], "AB1234507");
    assert_eq!(
        accounts.keys().map(String::as_str).collect::<Vec<_>>(),
        ["lab-central-01", "lab-central-02"]
    );
    assert!(accounts.values().all(|&c| c == 2), "{accounts:?}");
    common::signal(&child, "-TERM");
    let status = tokio::time::timeout(Duration::from_secs(10), child.wait())
        .await
        .expect("watch stops on SIGTERM")
        .expect("wait");
    assert!(status.success(), "{status}");
    assert_eq!(tl.lab.open_sessions(), 0, "a session was left open");
}
