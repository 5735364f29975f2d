//! The real binary in a real terminal (tmux) against the lab: the dashboard connects to
//! every device, runs a console command, shows Central and the quota, quits cleanly, and a
//! killed terminal (SIGHUP) still logs every session out. README's first minute is followed
//! word for word on `netdash demo`.

mod common;

use std::time::Duration;

use netdash::lab::LabOptions;

use common::tmux::Tmux;

/// Every device's own row in the Devices pane reads `name kind [host] up`. (A screen line also
/// holds other panes: "lab-asa-01" in Sessions beside another device's "up" is no proof.)
fn all_connected(screen: &str, names: &[String]) -> bool {
    names.iter().all(|n| {
        screen.lines().any(|l| {
            let words: Vec<&str> = l.split_whitespace().collect();
            // name, kind, [host on wide screens], state
            (0..words.len()).any(|i| {
                words[i] == n
                    && (words.get(i + 2) == Some(&"up") || words.get(i + 3) == Some(&"up"))
            })
        })
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dashboard_end_to_end_in_tmux() {
    let tl = common::start(LabOptions::default()).await;
    let names: Vec<String> = tl.lab.devices.iter().map(|d| d.name.clone()).collect();
    let t = Tmux::new("e2e");
    t.start(&tl.config_path, tl.dir.path());
    t.wait_for("every device connected", 30, |s| all_connected(s, &names))
        .await;

    t.keys(&["3"]);
    t.keys(&["@lab-eos-01 show version", "Enter"]);
    t.wait_for("the version in the explorer", 15, |s| {
        s.contains("cEOSLab") && s.contains("4.30.0F")
    })
    .await;

    t.keys(&["Escape"]);
    tokio::time::sleep(Duration::from_millis(300)).await;
    t.keys(&["5"]);
    t.wait_for("Central sites", 20, |s| {
        s.contains("Roseville-01") && s.contains("5 Central")
    })
    .await;

    t.keys(&["2"]);
    t.wait_for("the daily quota", 15, |s| {
        s.contains("day ") && s.contains("/5000 used")
    })
    .await;

    let pid = t.pid();
    t.keys(&["q"]);
    Tmux::wait_exit(&pid).await;
    assert_eq!(tl.lab.open_sessions(), 0, "quit left sessions open");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_terminal_logs_sessions_out() {
    let tl = common::start(LabOptions::default()).await;
    let names: Vec<String> = tl.lab.devices.iter().map(|d| d.name.clone()).collect();
    let t = Tmux::new("hup");
    t.start(&tl.config_path, tl.dir.path());
    t.wait_for("every device connected", 30, |s| all_connected(s, &names))
        .await;
    let held = tl.lab.open_sessions_by_device();
    assert!(
        held.iter().map(|(_, n)| n).sum::<usize>() >= 3,
        "sessions are held while running: {held:?}\n{}",
        t.screen()
    );
    let pid = t.pid();
    // Killing the tmux session hangs up the terminal: SIGHUP, like a dropped SSH link.
    t.cmd(&["kill-session", "-t", "hup"]);
    Tmux::wait_exit(&pid).await;
    assert_eq!(tl.lab.open_sessions(), 0, "SIGHUP left sessions open");
}

/// README's first minute, as a newcomer reads it. The test fails if README's words change
/// without the keys below changing with them.
const README_FIRST_MINUTE: &str = "press `3`, type `@all show version` and press Enter; press `F4` (or `Alt-4`) to explore the answer; press `q` to quit";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readme_first_minute_word_for_word() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .expect("README.md");
    assert!(
        readme.replace('\n', " ").contains(README_FIRST_MINUTE),
        "README's first minute no longer says: {README_FIRST_MINUTE}"
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let t = Tmux::new("readme");
    // 80x24: the size of an SSH session, where panes are tabs and `4` must really switch.
    // remain-on-exit keeps the last words demo prints after the dashboard closes.
    let line = format!(
        "env TMPDIR={} {} demo; sleep 60",
        dir.path().display(),
        common::bin().display()
    );
    t.launch(&line, (80, 24));
    t.wait_for("the demo's devices up", 90, |s| s.contains("7 up"))
        .await;

    // "press `3`, type `@all show version` and press Enter"
    t.keys(&["3"]);
    t.keys(&["-l", "@all show version"]);
    t.keys(&["Enter"]);
    t.wait_for("every answer in the console", 60, |s| {
        s.contains("5/5 · 0 failed")
    })
    .await;
    // "press `F4` (or `Alt-4`) to explore the answer"
    t.keys(&["F4"]);
    let s = t
        .wait_for("the answer in the explorer", 30, |s| {
            // The first answer to arrive: a JSON tree, or ASA's text; each names the version.
            s.contains("4 Explorer: lab-") && s.contains("ersion")
        })
        .await;
    assert!(
        !s.contains("show version4"),
        "4 was typed into the input:\n{s}"
    );
    t.keys(&["3"]);
    t.wait_for("the console again", 10, |s| s.contains("input"))
        .await;
    t.keys(&["M-4"]);
    t.wait_for("Alt-4 explores too", 10, |s| s.contains("4 Explorer: lab-"))
        .await;
    // "press `q` to quit"
    t.keys(&["q"]);
    t.wait_for("every session logged out", 60, |s| {
        s.contains("sessions left open at the lab: 0")
    })
    .await;
}
