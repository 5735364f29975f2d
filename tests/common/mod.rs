//! Shared by the integration tests: a lab started in-process, its config parsed, and a
//! session context whose files live in a temporary directory.
#![allow(
    dead_code,
    reason = "each test binary uses a different subset of these helpers; `expect` would fail in the ones that use them all"
)]

pub mod tmux;

use std::path::PathBuf;
use std::time::Duration;

use netdash::command::Command;
use netdash::config::Config;
use netdash::drivers::{Context, Session};
use netdash::lab::{Lab, LabOptions};
use netdash::paths::Paths;

pub struct TestLab {
    pub lab: Lab,
    pub config: Config,
    pub config_path: PathBuf,
    pub ctx: Context,
    pub dir: tempfile::TempDir,
}

/// Start a lab with `opts`, write its config into a temp dir, parse it back.
pub async fn start(opts: LabOptions) -> TestLab {
    netdash::init_crypto();
    let lab = Lab::start(opts).await.expect("lab starts");
    let dir = tempfile::tempdir().expect("tempdir");
    let config_path = dir.path().join("config.toml");
    lab.write_config(&config_path).expect("config written");
    let config = Config::load(&config_path).expect("lab config parses");
    let ctx = Context::new(Paths::under(dir.path()), Duration::from_secs(10));
    TestLab {
        lab,
        config,
        config_path,
        ctx,
        dir,
    }
}

/// Only the named kinds, one each, everything else zero.
pub fn only(kind: &str) -> LabOptions {
    let mut o = LabOptions::none();
    match kind {
        "eos" => o.eos = 1,
        "asa" => o.asa = 1,
        "aoscx" => o.aoscx = 1,
        "arubaos" => o.arubaos = 1,
        "central" => o.central = 1,
        other => panic!("unknown kind {other}"),
    }
    o
}

impl TestLab {
    /// A fresh session for the first configured target of `kind`.
    pub fn session(&self, kind: &str) -> Session {
        if kind == "central" {
            let c = self.config.centrals().next().expect("a central account");
            return Session::for_central(c, &self.ctx).expect("session");
        }
        let d = self
            .config
            .devices()
            .find(|d| d.kind.as_str() == kind)
            .expect("a device of that kind");
        Session::for_device(d, &self.ctx).expect("session")
    }

    /// The config entry of the first device of `kind`, for tests that alter it.
    pub fn device_config(&self, kind: &str) -> netdash::config::DeviceConfig {
        self.config
            .devices()
            .find(|d| d.kind.as_str() == kind)
            .expect("a device of that kind")
            .clone()
    }
}

pub fn cmd(s: &str) -> Command {
    Command::parse(s).expect("command parses")
}

/// Path of the built netdash binary (for tests that run it as a process).
pub fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_netdash"))
}

/// A loopback port that refuses connections for as long as the returned socket lives: it
/// is bound (so no other test's lab can take it) but never listens.
pub fn closed_port() -> (tokio::net::TcpSocket, u16) {
    let s = tokio::net::TcpSocket::new_v4().expect("socket");
    s.bind("127.0.0.1:0".parse().expect("addr")).expect("bind");
    let port = s.local_addr().expect("addr").port();
    (s, port)
}

/// What a `netdash` process printed and how it ended.
pub struct Out {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Run the binary with `--config config` and `args`; its data and state live beside the
/// config, never in the user's real directories.
pub async fn netdash(config: &std::path::Path, args: &[&str]) -> Out {
    let dir = config.parent().expect("dir");
    let out = tokio::process::Command::new(bin())
        .arg("--config")
        .arg(config)
        .args(args)
        .env("NETDASH_DATA_DIR", dir.join("data"))
        .env("NETDASH_STATE_DIR", dir.join("state"))
        .output()
        .await
        .expect("netdash runs");
    Out {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// The binary with its config, data and state directories under `dir`, no stdin, and
/// stdout/stderr piped; killed if the test drops it.
pub fn netdash_cmd(dir: &std::path::Path) -> tokio::process::Command {
    use std::process::Stdio;
    let mut c = tokio::process::Command::new(bin());
    c.env("NETDASH_CONFIG_DIR", dir.join("config"))
        .env("NETDASH_DATA_DIR", dir.join("data"))
        .env("NETDASH_STATE_DIR", dir.join("state"))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    c
}

/// Send `signal` (`"-TERM"`, `"-HUP"`, ...) to a child netdash, as a user or init would.
pub fn signal(child: &tokio::process::Child, signal: &str) {
    let pid = child.id().expect("pid").to_string();
    let st = std::process::Command::new("kill")
        .args([signal, &pid])
        .status()
        .expect("kill");
    assert!(st.success(), "kill {signal} {pid}");
}

/// Rows as Python's `csv.reader` reads `data` (opened with `newline=''`, as the docs say).
pub fn py_csv_rows(data: &[u8]) -> Vec<Vec<String>> {
    use std::io::Write as _;
    let script = "import csv,io,json,sys\nr=csv.reader(io.TextIOWrapper(sys.stdin.buffer,encoding='utf-8',newline=''),strict=True)\nprint(json.dumps(list(r)))";
    let mut child = std::process::Command::new("python3")
        .args(["-c", script])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("python3");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(data)
        .expect("write");
    let out = child.wait_with_output().expect("python3 ends");
    assert!(out.status.success(), "python's csv refused the file");
    serde_json::from_slice(&out.stdout).expect("JSON rows")
}

/// Most calls in any one-second window among `times` (a limiter's promise, checked).
pub fn max_in_a_second(times: &[std::time::Instant]) -> usize {
    let mut t = times.to_vec();
    t.sort();
    (0..t.len())
        .map(|i| {
            t[i..]
                .iter()
                .take_while(|u| u.duration_since(t[i]) < std::time::Duration::from_secs(1))
                .count()
        })
        .max()
        .unwrap_or(0)
}
