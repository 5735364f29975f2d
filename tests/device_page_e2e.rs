//! The device page and copy as curl in the real binary, in tmux, against the lab: Enter on
//! a device opens its page with the facts the polls found and the command just run, Enter
//! on that command opens it in the explorer, `C` there copies it as curl, Esc goes back,
//! and quitting logs every session out.

mod common;

use std::time::Duration;

use common::tmux::Tmux;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn device_page_and_copy_as_curl_in_tmux() {
    let mut o = common::only("eos");
    o.asa = 1;
    let tl = common::start(o).await;
    let t = Tmux::new("devpage");
    t.start(&tl.config_path, tl.dir.path());
    t.wait_for("both devices polled", 30, |s| {
        s.contains("cEOSLab") && s.contains("ASAv")
    })
    .await;

    t.keys(&["3"]);
    t.keys(&["@lab-eos-01 show hostname", "Enter"]);
    t.wait_for("the answer in the explorer", 15, |s| {
        s.contains("Explorer: lab-eos-01")
    })
    .await;
    t.keys(&["Escape"]);
    tokio::time::sleep(Duration::from_millis(300)).await;

    // Rows sort by name: lab-asa-01, then lab-eos-01.
    t.keys(&["1", "g", "j", "Enter"]);
    let s = t
        .wait_for("the device page", 15, |s| s.contains("Device: lab-eos-01"))
        .await;
    assert!(s.contains("model cEOSLab"), "{s}");
    assert!(s.contains("logged in"), "{s}");
    assert!(s.contains("Commands run (1"), "{s}");
    assert!(s.contains("show hostname"), "{s}");
    assert!(s.contains("latency "), "{s}");

    // Enter on the command: its result in the explorer; C copies it as curl.
    t.keys(&["Enter"]);
    t.wait_for("the explorer focused", 10, |s| {
        s.contains("▶ 4 Explorer: lab-eos-01")
    })
    .await;
    t.keys(&["C"]);
    let s = t
        .wait_for("the copy confirmed", 10, |s| {
            s.contains("copied the request as curl")
        })
        .await;
    assert!(s.contains("$NETDASH_PASSWORD"), "{s}");
    assert!(!s.contains(&netdash::lab::password("eos")), "{s}");

    t.keys(&["F1"]);
    tokio::time::sleep(Duration::from_millis(200)).await;
    t.keys(&["Escape"]);
    t.wait_for("the device list again", 10, |s| s.contains("1 Devices ("))
        .await;

    let pid = t.pid();
    t.keys(&["q"]);
    Tmux::wait_exit(&pid).await;
    assert_eq!(tl.lab.open_sessions(), 0, "quit left sessions open");
}
