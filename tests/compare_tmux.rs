//! The compare view end to end: the real binary in tmux against a lab whose two EOS
//! switches report different versions. A fan-out, `d`, the groups and the diff, `i`, Esc;
//! then `:snap` of one result, the switch upgraded at run time, and `:diff` against the
//! snapshot. Every session is logged out at the end.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use netdash::lab::LabOptions;

/// A tmux server of this test's own, with one session running netdash.
struct Tmux {
    socket: String,
    session: String,
}

impl Tmux {
    fn new(name: &str) -> Tmux {
        let ok = Command::new("tmux")
            .arg("-V")
            .output()
            .is_ok_and(|o| o.status.success());
        assert!(
            ok,
            "tmux is required for this test (.ci/run installs it: apt-get install tmux)"
        );
        Tmux {
            socket: format!("netdash-cmp-{}-{name}", std::process::id()),
            session: name.to_string(),
        }
    }

    fn cmd(&self, args: &[&str]) -> std::process::Output {
        Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .output()
            .expect("tmux runs")
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

    /// Text typed as is (`-l`: "Enter" in it is not the key).
    fn type_text(&self, text: &str) {
        self.cmd(&["send-keys", "-t", &self.session, "-l", text]);
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

    /// Wait until `pred(screen)` holds; panic with the screen after `secs`.
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

    /// A console command: focus the input, type, Enter, wait for it to finish, leave the
    /// input (so the next keys are actions).
    async fn run(&self, line: &str, done: &str) {
        self.keys(&["3"]);
        self.type_text(line);
        self.keys(&["Enter"]);
        self.wait_for(done, 20, |s| s.contains(done)).await;
        self.keys(&["Escape"]);
        tokio::time::sleep(Duration::from_millis(300)).await;
    }

    fn command(&self, line: &str) {
        self.keys(&[":"]);
        self.type_text(line);
        self.keys(&["Enter"]);
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.cmd(&["kill-server"]);
    }
}

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
        .wait_for("the compare view", 10, |s| {
            s.contains("1 identical, 1 differs: lab-eos-02")
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
