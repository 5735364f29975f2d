//! `netdash --kiosk` end to end: the real binary in tmux against the lab. Keys do nothing
//! (the screen stays as it was, clock and counters aside, and nothing reaches a device)
//! until the unlock chord and `y`; then keys work and read-only still holds; quitting logs
//! every session out.

mod common;

use std::path::Path;
use std::time::Duration;

use netdash::lab::{LabOptions, Sim};

use common::tmux::Tmux;

/// AOS-CX logins so far: `R` (log in again) or a command would add one.
fn cx_logins(tl: &common::TestLab) -> u64 {
    match tl.lab.device("lab-cx-01").map(|d| &d.sim) {
        Some(Sim::AosCx(s)) => s.logins(),
        _ => panic!("the lab has no lab-cx-01"),
    }
}

/// The screen with what moves by itself taken out: numbers (clock, ages, countdowns) and
/// the block characters of sparklines, gauges and the big digits; runs of spaces as one.
fn settled(screen: &str) -> Vec<String> {
    screen
        .lines()
        .map(|l| {
            let mut out = String::new();
            let mut last = ' ';
            for c in l.chars() {
                let c = match c {
                    '0'..='9' => '#',
                    '▀'..='█' | '░' => ' ',
                    c => c,
                };
                if (c == '#' && last == '#') || (c == ' ' && last == ' ') {
                    continue;
                }
                out.push(c);
                last = c;
            }
            out.trim_end().to_string()
        })
        .collect()
}

/// The whole kiosk frame is there: the header, both device rows up, the panes' last row.
fn kiosk_frame(s: &str) -> bool {
    let up = |n: &str| s.lines().any(|l| l.contains(n) && l.contains(" up "));
    s.contains("KIOSK") && s.contains("5 Central") && up("lab-eos-01") && up("lab-cx-01")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_do_nothing_in_kiosk_mode_but_the_unlock_chord() {
    let tl = common::start(LabOptions {
        eos: 1,
        aoscx: 1,
        ..LabOptions::none()
    })
    .await;
    let t = Tmux::new("kiosk");
    t.start_with(&tl.config_path, tl.dir.path(), &["--kiosk"], (160, 48));
    let before = t
        .wait_for("the kiosk with both devices up", 30, kiosk_frame)
        .await;
    // The big header, and none of the normal chrome.
    for want in ["DEVICES", "DOWN", "ALARMS", "UTC"] {
        assert!(before.contains(want), "{want:?} missing:\n{before}");
    }
    for unwanted in ["? help", "▶", "1-5 panes"] {
        assert!(
            !before.contains(unwanted),
            "{unwanted:?} on a kiosk:\n{before}"
        );
    }
    let logins = cx_logins(&tl);

    for k in [
        "1", "2", "3", "4", "5", "Tab", "BTab", ":", "r", "R", "/", "d", "?", "i", "w", "Enter",
        "C-c", "C-r", "F3", "Space", "j", "k", "a", "z", "@", "u", "Up", "Down",
    ] {
        t.keys(&[k]);
    }
    t.type_text("@all show version");
    t.keys(&["Enter"]);
    // Keys are read in order: once the quit question is up, every key above was seen.
    t.keys(&["q"]);
    t.wait_for("the quit question", 10, |s| s.contains("Quit netdash? y/n"))
        .await;
    t.keys(&["n"]);
    let after = t
        .wait_for("the question gone", 10, |s| {
            !s.contains("Quit netdash?") && kiosk_frame(s)
        })
        .await;
    assert_eq!(
        settled(&after),
        settled(&before),
        "the kiosk screen changed:\nbefore:\n{before}\nafter:\n{after}"
    );
    assert_eq!(cx_logins(&tl), logins, "a key reached a device");

    // The chord, then y: the normal dashboard, still read-only.
    t.keys(&["C-x", "u"]);
    t.wait_for("the unlock question", 10, |s| {
        s.contains("Unlock the kiosk? y/n")
    })
    .await;
    t.keys(&["y"]);
    t.wait_for("the normal dashboard", 10, |s| {
        s.contains("kiosk unlocked") && !s.contains("KIOSK") && s.contains("READ-ONLY")
    })
    .await;
    let s = t
        .wait_for("the console empty: nothing was run", 10, |s| {
            s.contains("type @target show version")
        })
        .await;
    assert!(!s.contains("@all show version"), "{s}");
    t.keys(&["3"]);
    t.type_text("@lab-cx-01 DELETE /system/vlans/10");
    t.keys(&["Enter"]);
    t.wait_for("the console focused and the change refused", 10, |s| {
        s.contains("▶ 3 Console") && s.contains("refused in read-only mode")
    })
    .await;
    t.keys(&["Escape"]);
    tokio::time::sleep(Duration::from_millis(300)).await;
    t.command("readonly off");
    t.wait_for(":readonly off refused", 10, |s| {
        s.contains("read-only was set at start")
    })
    .await;
    assert_eq!(cx_logins(&tl), logins, "a refused change reached a device");

    let pid = t.pid();
    t.keys(&["q"]);
    Tmux::wait_exit(&pid).await;
    assert_eq!(tl.lab.open_sessions(), 0, "quit left sessions open");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn q_then_y_quits_the_kiosk_and_logs_out() {
    let tl = common::start(LabOptions {
        eos: 1,
        aoscx: 1,
        ..LabOptions::none()
    })
    .await;
    let t = Tmux::new("kioskq");
    // 80x24: the one-line title with its badge, one pane and no tabs.
    t.start_with(&tl.config_path, tl.dir.path(), &["--kiosk"], (80, 24));
    let s = t
        .wait_for("the narrow kiosk", 30, |s| {
            s.contains("KIOSK")
                && s.contains("1 Devices")
                && s.lines()
                    .any(|l| l.contains("lab-cx-01") && l.contains(" up "))
        })
        .await;
    assert!(!s.contains("2 Sessions"), "tabs on a kiosk:\n{s}");
    assert!(tl.lab.open_sessions() > 0);
    let pid = t.pid();
    t.keys(&["C-c"]);
    t.keys(&["q"]);
    t.wait_for("the quit question", 10, |s| s.contains("Quit netdash? y/n"))
        .await;
    assert!(
        Path::new(&format!("/proc/{pid}")).exists(),
        "Ctrl-C quit a kiosk"
    );
    t.keys(&["y"]);
    Tmux::wait_exit(&pid).await;
    assert_eq!(tl.lab.open_sessions(), 0, "quit left sessions open");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_still_quits_a_locked_kiosk_and_logs_out() {
    let tl = common::start(LabOptions {
        eos: 1,
        aoscx: 1,
        ..LabOptions::none()
    })
    .await;
    let t = Tmux::new("kioskterm");
    t.start_with(&tl.config_path, tl.dir.path(), &["--kiosk"], (160, 48));
    t.wait_for("the kiosk with both devices up", 30, kiosk_frame)
        .await;
    assert!(tl.lab.open_sessions() > 0);
    let pid = t.pid();
    let ok = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("kill runs")
        .success();
    assert!(ok);
    Tmux::wait_exit(&pid).await;
    assert_eq!(tl.lab.open_sessions(), 0, "SIGTERM left sessions open");
}

#[test]
fn kiosk_with_another_subcommand_is_a_usage_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let o = std::process::Command::new(common::bin())
        .args(["--kiosk", "watch"])
        .env("NETDASH_CONFIG_DIR", dir.path().join("cfg"))
        .env("NETDASH_STATE_DIR", dir.path().join("state"))
        .env("NETDASH_DATA_DIR", dir.path().join("data"))
        .output()
        .expect("netdash runs");
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("--kiosk runs the dashboard as a wall screen"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");
}
