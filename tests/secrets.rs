//! Secrets and the processes that produce them, through the `netdash` binary: a
//! `password_cmd` that never answers does not keep Ctrl-C from ending `run`, and leaves no
//! process behind.

mod common;

use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

/// True once `pid` no longer runs (gone, or a zombie nobody reaped yet).
fn gone(pid: i32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/status")) {
        Err(_) => true,
        Ok(s) => s
            .lines()
            .any(|l| l.starts_with("State:") && l.contains('Z')),
    }
}

fn netdash(dir: &Path) -> tokio::process::Command {
    let mut c = tokio::process::Command::new(common::bin());
    c.env("NETDASH_CONFIG_DIR", dir.join("config"))
        .env("NETDASH_DATA_DIR", dir.join("data"))
        .env("NETDASH_STATE_DIR", dir.join("state"))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    c
}

#[tokio::test]
async fn ctrl_c_ends_run_while_password_cmd_hangs_and_kills_it() {
    let dir = tempfile::tempdir().expect("dir");
    let pidfile = dir.path().join("pid");
    // A prompt that never answers, started by the shell as `pass` starts gpg.
    let cfg = dir.path().join("config.toml");
    std::fs::write(
        &cfg,
        format!(
            "[[devices]]\nname = \"sw1\"\nkind = \"eos\"\nhost = \"127.0.0.1:9\"\nusername = \"admin\"\npassword_cmd = \"sleep 1000 & echo $! > {}; wait\"\n",
            pidfile.display()
        ),
    )
    .expect("config");
    let child = netdash(dir.path())
        .arg("--config")
        .arg(&cfg)
        .args(["run", "sw1", "--", "show", "version"])
        .spawn()
        .expect("netdash starts");
    let deadline = Instant::now() + Duration::from_secs(20);
    let sleeper: i32 = loop {
        if let Some(pid) = std::fs::read_to_string(&pidfile)
            .ok()
            .and_then(|s| s.trim().parse().ok())
        {
            break pid;
        }
        assert!(Instant::now() < deadline, "password_cmd never started");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let pid = nix::unistd::Pid::from_raw(child.id().expect("pid") as i32);
    nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGINT).expect("SIGINT");
    // Generous: this is "it ends at all", not a measure of speed.
    let out = tokio::time::timeout(Duration::from_secs(15), child.wait_with_output())
        .await
        .expect("run ends after Ctrl-C although password_cmd still runs")
        .expect("output");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("interrupted"), "{stderr}");
    let deadline = Instant::now() + Duration::from_secs(10);
    while !gone(sleeper) {
        assert!(
            Instant::now() < deadline,
            "password_cmd's process {sleeper} was left behind"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn failing_password_cmd_names_its_stderr_not_its_output() {
    let dir = tempfile::tempdir().expect("dir");
    let cfg = dir.path().join("config.toml");
    std::fs::write(
        &cfg,
        "[[devices]]\nname = \"sw1\"\nkind = \"eos\"\nhost = \"127.0.0.1:9\"\nusername = \"admin\"\npassword_cmd = \"echo leaked-pw; echo 'gpg: no secret key' >&2; exit 2\"\n",
    )
    .expect("config");
    let out = netdash(dir.path())
        .arg("--config")
        .arg(&cfg)
        .args(["run", "sw1", "--", "show", "version"])
        .output()
        .await
        .expect("runs");
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.status.code(), Some(1), "{all}");
    assert!(all.contains("gpg: no secret key"), "{all}");
    assert!(!all.contains("leaked-pw"), "{all}");
}
