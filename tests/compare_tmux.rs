//! The compare view end to end: the real binary in tmux against a lab whose two EOS
//! switches report different versions. A fan-out, `d`, the groups and the diff, `i`, Esc;
//! then `:snap` of one result, the switch upgraded at run time, and `:diff` against the
//! snapshot. Every session is logged out at the end.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::time::Duration;

use netdash::lab::LabOptions;

use common::tmux::Tmux;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn d_after_a_fan_out_shows_which_switch_differs() {
    let tl = common::start(LabOptions {
        eos: 2,
        eos_versions: vec![("lab-eos-02".into(), "4.31.1F".into())],
        ..LabOptions::none()
    })
    .await;
    let t = Tmux::new("compare");
    t.start(&tl.config_path, tl.dir.path());
    t.wait_for("the switches polled", 30, |s| s.contains("4.31.1F"))
        .await;

    t.run("@tag:eos show version", "2/2 · 0 failed").await;
    t.keys(&["d"]);
    let s = t
        // The whole frame, footer included: tmux can be read between two writes of one.
        .wait_for("the compare view", 10, |s| {
            s.contains("1 identical, 1 differs: lab-eos-02") && s.contains("ignore volatile (on)")
        })
        .await;
    for want in [
        "Compare: @tag:eos show version",
        "A    1  lab-eos-01",
        "B    1  lab-eos-02",
        "B against A",
        "~ .version",
        "\"4.30.0F-31408673.4300F (engineering build)\"",
        "\"4.31.1F\"",
        "ignore volatile (on)",
    ] {
        assert!(s.contains(want), "{want:?} missing:\n{s}");
    }
    // Serial numbers, MACs and uptimes differ too, but are ignored until `i`.
    assert!(!s.contains(".serialNumber\n"), "{s}");
    t.keys(&["i"]);
    let s = t
        .wait_for("volatile fields compared", 10, |s| {
            s.contains("ignore volatile (off)")
        })
        .await;
    assert!(s.contains("~ .serialNumber"), "{s}");
    t.keys(&["Escape"]);
    t.wait_for("the panes again", 10, |s| {
        s.contains("3 Console") && !s.contains("Compare:")
    })
    .await;

    // Over time: keep lab-eos-01's answer, upgrade it, compare.
    t.run("@lab-eos-01 show version", "1/1 · 0 failed").await;
    t.command("snap base");
    t.wait_for("the snapshot kept", 10, |s| {
        s.contains("kept lab-eos-01's result as snapshot base")
    })
    .await;
    let file = tl.dir.path().join("state/snapshots/base.json");
    let mode = std::fs::metadata(&file)
        .expect("snapshot file")
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);

    assert!(tl.lab.set_eos_version("lab-eos-01", "4.33.0F"));
    t.run("@lab-eos-01 show version", "1/1 · 0 failed").await;
    t.command("diff base");
    let s = t
        .wait_for("the diff against the snapshot", 10, |s| {
            s.contains("lab-eos-01 now against snapshot base")
        })
        .await;
    assert!(s.contains("\"4.33.0F\""), "{s}");
    assert!(s.contains("A    1  base (snapshot)"), "{s}");
    t.keys(&["Escape"]);
    // Esc and a key right after it would read as Alt-key.
    tokio::time::sleep(Duration::from_millis(300)).await;

    let pid = t.pid();
    t.keys(&["q"]);
    Tmux::wait_exit(&pid).await;
    assert_eq!(tl.lab.open_sessions(), 0, "quit left sessions open");
}
