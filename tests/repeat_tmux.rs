//! `:every` in the real dashboard, in tmux, against the lab: the lab's counters grow
//! between runs and the view marks them with deltas and rates; Esc stops the repeat; the
//! AOS-CX switch's session stays open through the runs and after Esc, with no new login
//! per run; quitting logs it out.

mod common;

use std::time::Duration;

use netdash::lab::{LabOptions, Sim};

use common::tmux::Tmux;

fn cx_logins(tl: &common::TestLab) -> u64 {
    match &tl.lab.first("aoscx").expect("an AOS-CX switch").sim {
        Sim::AosCx(s) => s.logins(),
        _ => unreachable!("first(\"aoscx\") is an AOS-CX switch"),
    }
}

/// The number after "run " in the view's footer ("run 3 of 3 ·").
fn latest_run(screen: &str) -> u64 {
    screen
        .lines()
        .find(|l| l.contains("[ ] runs"))
        .and_then(|l| l.split("run ").nth(1))
        .and_then(|l| l.split(" of ").nth(1))
        .and_then(|s| s.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_in_tmux_marks_lab_counters_and_keeps_sessions() {
    let mut opts = LabOptions::none();
    opts.eos = 1;
    opts.aoscx = 1;
    let tl = common::start(opts).await;
    let t = Tmux::new("every");
    t.start(&tl.config_path, tl.dir.path());
    t.wait_for("the switches up", 30, |s| {
        s.lines().filter(|l| l.contains(" up ")).count() >= 2
    })
    .await;

    // EOS counters: changed values marked with a delta and a rate.
    t.command("every 1s @lab-eos-01 show interfaces counters");
    let s = t
        .wait_for("a third run with changes", 30, |s| {
            latest_run(s) >= 3 && s.contains("changes since the previous run")
        })
        .await;
    assert!(
        s.contains("4 Repeat: show interfaces counters · every 1 s"),
        "{s}"
    );
    assert!(
        s.lines()
            .any(|l| l.contains('~') && l.contains("inOctets: ") && l.contains("/s)")),
        "{s}"
    );
    t.keys(&["Escape"]);
    let s = t.wait_for("stopped", 10, |s| s.contains("· stopped")).await;
    let stopped_at = latest_run(&s);
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(latest_run(&t.screen()), stopped_at, "no run after Esc");

    // AOS-CX: the session the dashboard already holds serves every run.
    let logins = cx_logins(&tl);
    assert_eq!(
        tl.lab.open_sessions(),
        1,
        "{:?}",
        tl.lab.open_sessions_by_device()
    );
    t.keys(&["Escape"]);
    t.command("every 1s @lab-cx-01 GET /system");
    t.wait_for("three AOS-CX runs", 30, |s| {
        s.contains("4 Repeat: GET /system") && latest_run(s) >= 3
    })
    .await;
    assert_eq!(cx_logins(&tl), logins, "no login per run");
    t.keys(&["Escape"]);
    t.wait_for("stopped", 10, |s| s.contains("· stopped")).await;
    assert_eq!(
        tl.lab.open_sessions(),
        1,
        "Esc leaves the session open: {:?}",
        tl.lab.open_sessions_by_device()
    );

    let pid = t.pid();
    t.keys(&["q"]);
    Tmux::wait_exit(&pid).await;
    assert_eq!(tl.lab.open_sessions(), 0, "quit logs out");
}
