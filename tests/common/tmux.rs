//! A private tmux server for the end-to-end tests: the real binary in a real terminal,
//! driven by keys and read back from the screen.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

/// A private tmux server holding one session (killed on drop).
pub struct Tmux {
    socket: String,
    session: String,
}

impl Tmux {
    pub fn new(name: &str) -> Tmux {
        let ok = Command::new("tmux")
            .arg("-V")
            .output()
            .is_ok_and(|o| o.status.success());
        assert!(
            ok,
            "tmux is required for this test (.ci/run installs it: apt-get install tmux)"
        );
        Tmux {
            socket: format!("netdash-test-{}-{name}", std::process::id()),
            session: name.to_string(),
        }
    }

    pub fn cmd(&self, args: &[&str]) -> std::process::Output {
        Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .output()
            .expect("tmux runs")
    }

    pub fn start(&self, config: &Path, dir: &Path) {
        self.start_with(config, dir, &[], (160, 48));
    }

    /// netdash on `config` with `args` after it (`--kiosk`, `explore FILE --mask`), its
    /// data, state and config dirs under `dir`, in a `size` terminal.
    pub fn start_with(&self, config: &Path, dir: &Path, args: &[&str], size: (u16, u16)) {
        let line = format!(
            "exec env NETDASH_DATA_DIR={d}/data NETDASH_STATE_DIR={d}/state NETDASH_CONFIG_DIR={d}/cfg {bin} --config {cfg} {args}",
            d = dir.display(),
            bin = super::bin().display(),
            cfg = config.display(),
            args = args.join(" ")
        );
        self.launch(&line, size);
    }

    pub fn launch(&self, line: &str, (w, h): (u16, u16)) {
        let (w, h) = (w.to_string(), h.to_string());
        let o = self.cmd(&[
            "new-session",
            "-d",
            "-s",
            &self.session,
            "-x",
            &w,
            "-y",
            &h,
            line,
        ]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        self.cmd(&["set", "-g", "escape-time", "0"]);
    }

    pub fn screen(&self) -> String {
        String::from_utf8_lossy(
            &self
                .cmd(&["capture-pane", "-p", "-t", &self.session])
                .stdout,
        )
        .into_owned()
    }

    pub fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", &self.session];
        args.extend_from_slice(keys);
        self.cmd(&args);
    }

    pub fn pid(&self) -> String {
        String::from_utf8_lossy(
            &self
                .cmd(&["display", "-p", "-t", &self.session, "#{pane_pid}"])
                .stdout,
        )
        .trim()
        .to_string()
    }

    /// Wait until `pred(screen)` holds; panic with the screen after `secs`.
    pub async fn wait_for(&self, what: &str, secs: u64, pred: impl Fn(&str) -> bool) -> String {
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

    /// Wait (10 s at most) for netdash, `pid`, to exit.
    pub async fn wait_exit(pid: &str) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        while Path::new(&format!("/proc/{pid}")).exists() {
            assert!(
                tokio::time::Instant::now() < deadline,
                "netdash (pid {pid}) did not exit"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Text typed as it is (tmux's `-l`: no key names).
    pub fn type_text(&self, text: &str) {
        self.cmd(&["send-keys", "-t", &self.session, "-l", text]);
    }

    /// A `:` command typed and entered.
    pub fn command(&self, line: &str) {
        self.keys(&[":"]);
        self.type_text(line);
        self.keys(&["Enter"]);
    }

    /// A console command: focus the input, type, Enter, wait for `done` on screen, leave
    /// the input (so the next keys are actions).
    pub async fn run(&self, line: &str, done: &str) {
        self.keys(&["3"]);
        self.type_text(line);
        self.keys(&["Enter"]);
        self.wait_for(done, 20, |s| s.contains(done)).await;
        self.keys(&["Escape"]);
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.cmd(&["kill-server"]);
    }
}
