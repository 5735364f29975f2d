//! The device page and copy as curl in the real binary, in tmux, against the lab: Enter on
//! a device opens its page with the facts the polls found and the command just run, Enter
//! on that command opens it in the explorer, `C` there copies it as curl, Esc goes back,
//! and quitting logs every session out.

mod common;

use std::path::Path;
use std::process::Command;
use std::time::Duration;

/// A private tmux server (its own socket), killed when dropped.
struct Tmux {
    socket: String,
    session: String,
}

impl Tmux {
    fn new(name: &str) -> Tmux {
        Tmux {
            socket: format!("netdash-devpage-{}-{name}", std::process::id()),
            session: name.to_string(),
        }
    }

    fn cmd(&self, args: &[&str]) -> std::process::Output {
        Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .output()
            .expect("tmux runs (apt-get install tmux)")
    }

    fn start(&self, config: &Path, dir: &Path) {
        let line = format!(
            "exec env NETDASH_DATA_DIR={d}/data NETDASH_STATE_DIR={d}/state NETDASH_CONFIG_DIR={d}/cfg {bin} --config {cfg}",
            d = dir.display(),
            bin = common::bin().display(),
            cfg = config.display()
        );
        let o = self.cmd(&[
            "new-session",
            "-d",
            "-s",
            &self.session,
            "-x",
            "160",
            "-y",
            "48",
            &line,
        ]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        self.cmd(&["set", "-g", "escape-time", "0"]);
    }

    fn screen(&self) -> String {
        String::from_utf8_lossy(
            &self
                .cmd(&["capture-pane", "-p", "-t", &self.session])
                .stdout,
        )
        .into_owned()
    }

    fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", &self.session];
        args.extend_from_slice(keys);
        self.cmd(&args);
    }

    fn pid(&self) -> String {
        String::from_utf8_lossy(
            &self
                .cmd(&["display", "-p", "-t", &self.session, "#{pane_pid}"])
                .stdout,
        )
        .trim()
        .to_string()
    }

    async fn wait_for(&self, what: &str, secs: u64, pred: impl Fn(&str) -> bool) -> String {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
        loop {
            let s = self.screen();
            if pred(&s) {
                return s;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "timed out waiting for {what}; screen:\n{s}"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.cmd(&["kill-server"]);
    }
}

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
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while Path::new(&format!("/proc/{pid}")).exists() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "netdash did not exit"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(tl.lab.open_sessions(), 0, "quit left sessions open");
}
