//! `--mask` on the real binary in a real terminal (tmux): `explore` with the flag after the
//! subcommand and the config's own patterns, and the dashboard against the lab with the flag
//! before it, where `:mask` turns it off and on again; and a broken `[mask]` stops `explore
//! --mask` with one line rather than showing the screen without the patterns.

mod common;

use std::time::Duration;

use netdash::lab::LabOptions;

use common::tmux::Tmux;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn explore_with_mask_hides_addresses_serials_and_patterns() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cfg = dir.path().join("config.toml");
    std::fs::write(&cfg, "[mask]\npatterns = ['(?i)acme-\\w+']\n").expect("config");
    let file = dir.path().join("ap.json");
    std::fs::write(
        &file,
        r#"{"name": "ap-07", "ip": "10.9.8.7", "mac": "aa:bb:cc:dd:ee:0f", "serialNumber": "XQ7700123", "site": "ACME-Oslo", "firmware": "10.4.1.0_88123"}"#,
    )
    .expect("file");
    let t = Tmux::new("mask-explore");
    let file = file.display().to_string();
    t.start_with(&cfg, dir.path(), &["explore", &file, "--mask"], (80, 24));
    let s = t
        .wait_for("the masked tree", 15, |s| {
            s.contains("MASKED") && s.contains("firmware")
        })
        .await;
    for secret in ["10.9.8.7", "aa:bb:cc:dd:ee:0f", "XQ7700123", "ACME-Oslo"] {
        assert!(!s.contains(secret), "{secret} on screen:\n{s}");
    }
    assert!(s.contains("ap-07") && s.contains("10.4.1.0_88123"), "{s}");
    t.keys(&["q"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dashboard_with_mask_and_colon_mask() {
    let tl = common::start(LabOptions::default()).await;
    let t = Tmux::new("mask-dash");
    t.start_with(&tl.config_path, tl.dir.path(), &["--mask"], (160, 48));
    // Wide screens show each device's host (127.0.0.1:PORT): masked.
    let s = t
        .wait_for("the masked devices", 30, |s| {
            s.contains("MASKED") && s.matches(" up ").count() >= 5
        })
        .await;
    assert!(!s.contains("127.0.0.1"), "{s}");
    t.command("mask");
    let s = t
        .wait_for("the mask off", 10, |s| !s.contains("MASKED"))
        .await;
    assert!(s.contains("127.0.0.1"), "{s}");
    t.command("mask on");
    t.wait_for("the mask on again", 10, |s| {
        s.contains("MASKED") && !s.contains("127.0.0.1")
    })
    .await;
    t.keys(&["q"]);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while tl.lab.open_sessions() > 0 && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(tl.lab.open_sessions(), 0, "quit left sessions open");
}

#[tokio::test]
async fn explore_with_mask_refuses_a_config_whose_patterns_are_broken() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cfg = dir.path().join("config.toml");
    std::fs::write(&cfg, "[mask]\npatterns = ['acme-(']\n").expect("config");
    let file = dir.path().join("a.json");
    std::fs::write(&file, r#"{"ip": "10.9.8.7"}"#).expect("file");
    let o = common::netdash_cmd(dir.path())
        .args(["--config"])
        .arg(&cfg)
        .args(["--mask", "explore"])
        .arg(&file)
        .output()
        .await
        .expect("runs");
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("[mask] pattern \"acme-(\"") && err.contains("--mask needs"),
        "{err}"
    );
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(!String::from_utf8_lossy(&o.stdout).contains("10.9.8.7"));
}
