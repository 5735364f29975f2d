//! The binary with no terminal, a closed stderr, or a terminal it cannot take over: an
//! ordinary error (never a panic), no session left open, and the terminal as it was.

mod common;

use std::process::Stdio;
use std::time::Duration;

use common::netdash_cmd as netdash;

#[test]
fn closed_stderr_is_an_ordinary_error_not_a_panic() {
    let dir = tempfile::tempdir().expect("dir");
    // stderr is a pipe nobody reads any more (the terminal or the `2>&1 | head` is gone):
    // writes fail with EPIPE. (A closed descriptor is not enough: Rust ignores EBADF.)
    let (reader, writer) = std::io::pipe().expect("pipe");
    drop(reader);
    let out = std::process::Command::new(common::bin())
        .arg("--config")
        .arg(dir.path().join("missing.toml"))
        .args(["run", "nothing", "--", "show", "version"])
        .env("NETDASH_DATA_DIR", dir.path().join("data"))
        .env("NETDASH_STATE_DIR", dir.path().join("state"))
        .env("NETDASH_CONFIG_DIR", dir.path().join("config"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(writer)
        .status()
        .expect("runs");
    assert_eq!(out.code(), Some(2), "exit 101 is a panic");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dashboard_without_a_terminal_leaves_no_session_open() {
    let mut o = common::only("aoscx");
    o.aoscx = 4;
    o.arubaos = 4;
    let tl = common::start(o).await;
    let out = tokio::time::timeout(
        Duration::from_secs(60),
        netdash(tl.dir.path())
            .arg("--config")
            .arg(&tl.config_path)
            .output(),
    )
    .await
    .expect("ends")
    .expect("output");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("needs a terminal"), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
    // Anything that was logging in would show up here within the lab's idle checks.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(tl.lab.open_sessions(), 0);
}

/// `script` gives the command a pseudo-terminal; `stty -a` afterwards shows its mode.
#[tokio::test]
async fn terminal_is_not_left_in_raw_mode_when_taking_it_over_fails() {
    if which("script").is_none() {
        eprintln!("skipped: no `script` to make a pseudo-terminal");
        return;
    }
    let dir = tempfile::tempdir().expect("dir");
    let doc = dir.path().join("doc.json");
    std::fs::write(&doc, "{\"a\": 1}").expect("doc");
    // stdout cannot be written (ENOSPC): raw mode (on the terminal) works, the alternate
    // screen cannot be entered.
    let inner = format!(
        "{} explore {} >/dev/full ; stty -a",
        common::bin().display(),
        doc.display()
    );
    let out = tokio::time::timeout(
        Duration::from_secs(60),
        tokio::process::Command::new("script")
            .args(["-qec", &inner, "/dev/null"])
            .env("NETDASH_CONFIG_DIR", dir.path().join("config"))
            .env("NETDASH_DATA_DIR", dir.path().join("data"))
            .env("NETDASH_STATE_DIR", dir.path().join("state"))
            .stdin(Stdio::null())
            .output(),
    )
    .await
    .expect("ends")
    .expect("script runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("icanon"), "no stty output: {text}");
    assert!(!text.contains("-icanon"), "left in raw mode: {text}");
    assert!(!text.contains("-echo "), "left without echo: {text}");
}

fn which(cmd: &str) -> Option<std::path::PathBuf> {
    std::env::var_os("PATH").and_then(|p| {
        std::env::split_paths(&p)
            .map(|d| d.join(cmd))
            .find(|c| c.is_file())
    })
}
