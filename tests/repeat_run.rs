//! `netdash run --every` as a process against the lab: each run printed with changes
//! marked (the lab's interface counters grow), `--json` lines with exact deltas, one
//! login for all the runs, and Ctrl-C / SIGTERM / `--count` ending it with every session
//! logged out.

mod common;

use netdash::lab::{LabOptions, Sim};
use serde_json::Value;

use common::netdash;

fn lines(s: &str) -> Vec<Value> {
    s.lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect()
}

fn cx_logins(tl: &common::TestLab) -> u64 {
    match &tl.lab.first("aoscx").expect("an AOS-CX switch").sim {
        Sim::AosCx(s) => s.logins(),
        _ => unreachable!("first(\"aoscx\") is an AOS-CX switch"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_marks_growing_counters_and_keeps_one_session() {
    let tl = common::start(LabOptions::default()).await;
    let cfg = &tl.config_path;

    // Readable: three runs, the second and third with changed counters starred.
    let o = netdash(
        cfg,
        &[
            "run",
            "--every",
            "1s",
            "--count",
            "3",
            "lab-eos-01",
            "--",
            "show",
            "interfaces",
            "counters",
        ],
    )
    .await;
    assert_eq!(o.code, 0, "{}\n{}", o.stdout, o.stderr);
    let headers: Vec<&str> = o
        .stdout
        .lines()
        .filter(|l| l.starts_with("=== lab-eos-01"))
        .collect();
    assert_eq!(headers.len(), 3, "{}", o.stdout);
    assert!(!headers[0].contains("change"), "{}", headers[0]);
    for h in &headers[1..] {
        assert!(h.ends_with(" changes"), "{h}");
    }
    assert_eq!(o.stdout.matches("--- run ").count(), 2, "{}", o.stdout);
    assert!(o.stdout.contains("; next every 1 s"), "{}", o.stdout);
    let starred: Vec<&str> = o
        .stdout
        .lines()
        .filter(|l| l.starts_with("*     inOctets: "))
        .collect();
    // Ethernet1, Ethernet2 and Management1 grow, Ethernet3 is idle: three per later run.
    assert_eq!(starred.len(), 6, "{}", o.stdout);
    for l in &starred {
        assert!(l.contains("(+") && l.ends_with("/s)"), "{l}");
    }
    assert!(
        o.stdout.lines().any(|l| l == "      inOctets: 3000000"),
        "Ethernet3 is idle and unmarked: {}",
        o.stdout
    );

    // JSON: one line per target per run; deltas are exactly new - old.
    let o = netdash(
        cfg,
        &[
            "run",
            "--json",
            "--every",
            "1s",
            "--count",
            "3",
            "lab-eos-01",
            "lab-eos-02",
            "--",
            "show",
            "interfaces",
            "counters",
        ],
    )
    .await;
    assert_eq!(o.code, 0, "{}\n{}", o.stdout, o.stderr);
    let res = lines(&o.stdout);
    assert_eq!(res.len(), 6, "{}", o.stdout);
    for r in &res {
        let run = r["run"].as_u64().expect("run");
        assert_eq!(r["ok"], true, "{r}");
        assert!(r["at"].is_f64(), "{r}");
        if run == 1 {
            assert_eq!(r["since"], Value::Null, "{r}");
            assert_eq!(r["changes"], serde_json::json!([]), "{r}");
            continue;
        }
        assert_eq!(r["since"].as_u64(), Some(run - 1), "{r}");
        let changes = r["changes"].as_array().expect("changes");
        let eth1 = changes
            .iter()
            .find(|c| c["path"] == ".interfaces.Ethernet1.inOctets")
            .unwrap_or_else(|| panic!("Ethernet1 grows: {r}"));
        let (old, new) = (
            eth1["old"].as_i64().expect("old"),
            eth1["new"].as_i64().expect("new"),
        );
        assert!(new > old, "{eth1}");
        assert_eq!(eth1["delta"].as_i64(), Some(new - old), "{eth1}");
        assert_eq!(r["output"]["interfaces"]["Ethernet1"]["inOctets"], new);
        assert!(eth1["per_second"].as_f64().expect("rate") > 0.0, "{eth1}");
        assert!(
            !changes.iter().any(|c| c["path"]
                .as_str()
                .is_some_and(|p| p.contains("Ethernet3.in"))),
            "an idle interface does not change: {r}"
        );
    }

    // AOS-CX holds a real session: three runs, one login, logged out at the end.
    let before = cx_logins(&tl);
    let o = netdash(
        cfg,
        &[
            "run",
            "--json",
            "--every",
            "1s",
            "--count",
            "3",
            "lab-cx-01",
            "--",
            "GET",
            "/system",
        ],
    )
    .await;
    assert_eq!(o.code, 0, "{}\n{}", o.stdout, o.stderr);
    assert_eq!(lines(&o.stdout).len(), 3, "{}", o.stdout);
    assert_eq!(cx_logins(&tl) - before, 1, "one login for every run");
    assert_eq!(
        tl.lab.open_sessions(),
        0,
        "{:?}",
        tl.lab.open_sessions_by_device()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_stops_on_sigterm_and_logs_out() {
    use tokio::io::AsyncBufReadExt;
    let tl = common::start(common::only("aoscx")).await;
    let mut cmd = tokio::process::Command::new(common::bin());
    cmd.arg("--config")
        .arg(&tl.config_path)
        .args(["run", "--every", "1s", "lab-cx-01", "--", "GET", "/system"])
        .env("NETDASH_DATA_DIR", tl.dir.path().join("data"))
        .env("NETDASH_STATE_DIR", tl.dir.path().join("state"))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true);
    let mut child = cmd.spawn().expect("spawn");
    let mut out = tokio::io::BufReader::new(child.stdout.take().expect("stdout")).lines();
    // Two runs done: the session is open between them.
    let mut runs = 0;
    while runs < 2 {
        let l = out.next_line().await.expect("read").expect("a line");
        if l.starts_with("--- run ") {
            runs += 1;
            assert_eq!(
                tl.lab.open_sessions(),
                1,
                "the session stays open between runs"
            );
        }
    }
    common::signal(&child, "-TERM");
    let o = child.wait_with_output().await.expect("exit");
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(err.contains("stopped after"), "{err}");
    assert_eq!(tl.lab.open_sessions(), 0, "logged out on SIGTERM");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_every_is_one_line() {
    let tl = common::start(common::only("eos")).await;
    let cfg = &tl.config_path;
    let cases: [(&[&str], &str); 4] = [
        (
            &["run", "--every", "0s", "@all", "--", "show", "clock"],
            "too short",
        ),
        (
            &["run", "--every", "soon", "@all", "--", "show", "clock"],
            "write it like 5s",
        ),
        (
            &["run", "--every", "5s", "@all", "--", "configure"],
            "read commands only",
        ),
        (
            &["run", "--count", "3", "@all", "--", "show", "clock"],
            "--every",
        ),
    ];
    for (args, said) in cases {
        let o = netdash(cfg, args).await;
        assert_eq!(o.code, 2, "{args:?}: {}", o.stderr);
        assert!(o.stderr.contains(said), "{args:?}: {}", o.stderr);
        assert!(o.stdout.is_empty(), "{args:?}: {}", o.stdout);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn central_budget_stretches_every_and_says_so() {
    use tokio::io::AsyncBufReadExt;
    let mut opts = common::only("central");
    // Few calls left today: a quarter of them spread to midnight UTC is far over 1 s.
    opts.limits.central_daily = 40;
    let tl = common::start(opts).await;
    let mut cmd = tokio::process::Command::new(common::bin());
    cmd.arg("--config")
        .arg(&tl.config_path)
        .args([
            "run",
            "--json",
            "--every",
            "1s",
            "lab-central-01",
            "--",
            "GET",
            "/central/v2/sites?limit=1",
        ])
        .env("NETDASH_DATA_DIR", tl.dir.path().join("data"))
        .env("NETDASH_STATE_DIR", tl.dir.path().join("state"))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true);
    let mut child = cmd.spawn().expect("spawn");
    let mut err = tokio::io::BufReader::new(child.stderr.take().expect("stderr")).lines();
    let said = tokio::time::timeout(std::time::Duration::from_secs(30), async {
        loop {
            let l = err.next_line().await.expect("read").expect("a line");
            if l.contains("stretched") {
                return l;
            }
        }
    })
    .await
    .expect("the stretch is said");
    assert!(
        said.starts_with("netdash: every 1 s stretched to ")
            && said.ends_with(" s: Central budget (lab-central-01)"),
        "{said}"
    );
    common::signal(&child, "-INT");
    let o = child.wait_with_output().await.expect("exit");
    assert_eq!(o.status.code(), Some(0));
    let out = String::from_utf8_lossy(&o.stdout);
    // One run: the next is hours away.
    assert_eq!(out.lines().count(), 1, "{out}");
}
