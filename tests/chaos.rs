//! A lab that misbehaves: every fault the lab can play gives one readable line in `run`, and
//! a minute of faults cycled across every device while the engine polls and fan-outs run
//! leaves no panic, every device back up, no session open and no secret in netdash's files.

mod common;

use std::sync::Arc;
use std::time::Duration;

use netdash::config::Config;
use netdash::drivers::Context;
use netdash::headless::{RunRequest, run};
use netdash::lab::LabOptions;
use netdash::lab::faults::Fault;
use netdash::paths::Paths;

/// The command each kind answers.
fn line_for(kind: &str) -> &'static str {
    match kind {
        "central" => "GET /central/v2/sites?limit=10",
        _ => "show version",
    }
}

/// `netdash run TARGET -- LINE`, in-process; everything it printed.
async fn run_one(cfg: &Arc<Config>, ctx: &Context, target: &str, line: &str) -> String {
    let req = RunRequest {
        targets: vec![target.to_string()],
        line: line.to_string(),
        read_only: false,
        concurrency: 8,
        json: false,
    };
    let (mut out, mut err) = (Vec::new(), Vec::new());
    run(
        cfg.clone(),
        ctx.clone(),
        req,
        vec![target.to_string()],
        &mut out,
        &mut err,
    )
    .await
    .expect("run");
    String::from_utf8_lossy(&out).into_owned() + &String::from_utf8_lossy(&err)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_fault_gives_one_readable_line_in_run() {
    netdash::drivers::http::set_max_response_mb(1);
    let tl = common::start(LabOptions {
        eos: 1,
        ..LabOptions::default()
    })
    .await;
    let cfg = Arc::new(tl.config.clone());
    let mut report = Vec::new();
    let mut bad = Vec::new();
    // A pasted Central pair is swapped at first use. Done while the lab is healthy: a token
    // answer that a fault cuts off after the gateway rotated the pair loses that pair (the
    // old refresh token is dead, the new one never arrived), which no client can prevent.
    let ctx = Context::new(Paths::under(tl.dir.path()), Duration::from_secs(10));
    for d in tl.lab.devices.iter().filter(|d| d.sim.kind() == "central") {
        let printed = run_one(&cfg, &ctx, &d.name, line_for("central")).await;
        assert!(!printed.contains("error:"), "{}: {printed}", d.name);
    }
    for fault in Fault::ALL {
        let devices: Vec<(String, &'static str)> = tl
            .lab
            .devices
            .iter()
            .filter(|d| fault.applies_to(d.sim.kind()))
            .map(|d| (d.name.clone(), d.sim.kind()))
            .collect();
        for (name, _) in &devices {
            tl.lab.set_fault(name, Some(fault));
        }
        // Fresh clients each round (a short timeout: the silent and endless faults end
        // with it), so no pooled connection from the last round answers for this one.
        let ctx = Context::new(Paths::under(tl.dir.path()), Duration::from_secs(3));
        let runs = devices
            .iter()
            .map(|(name, kind)| run_one(&cfg, &ctx, name, line_for(kind)));
        let outputs = futures::future::join_all(runs).await;
        tl.lab.clear_faults();
        for ((name, kind), printed) in devices.iter().zip(outputs) {
            let printed = printed.trim_end();
            report.push(format!("{fault:>16} {name:<16} {printed}"));
            if let Some(why) = unreadable(fault, kind, name, printed) {
                bad.push(format!("{fault} on {name}: {why}: {printed}"));
            }
        }
    }
    println!("{}", report.join("\n"));
    assert!(
        bad.is_empty(),
        "lines that do not do their job:\n{}",
        bad.join("\n")
    );
    // Cleared, every device answers again.
    let ctx = Context::new(Paths::under(tl.dir.path()), Duration::from_secs(10));
    for d in &tl.lab.devices {
        let printed = run_one(&cfg, &ctx, &d.name, line_for(d.sim.kind())).await;
        assert!(!printed.contains("error:"), "{}: {printed}", d.name);
    }
}

/// Faults some devices shrug off: the answer may arrive (slowly, or without the session the
/// device cannot revoke) or fail; either way a failure must be a readable line.
fn may_succeed(fault: Fault, kind: &str) -> bool {
    match fault {
        Fault::Trickle => true,
        // eAPI over Basic auth holds no session to revoke.
        Fault::SessionRevoked => kind == "eos",
        // The lab's Central account has a username and password: it signs in again.
        Fault::RefreshRevoked => kind == "central",
        _ => false,
    }
}

/// Why `printed` (all `run` printed for one target under `fault`) is not one readable line
/// naming the device, what failed and what to do; None if it is.
fn unreadable(fault: Fault, kind: &str, name: &str, printed: &str) -> Option<&'static str> {
    if !printed.starts_with("error:") {
        return (!may_succeed(fault, kind)).then_some("the fault went unnoticed");
    }
    if printed.lines().count() != 1 {
        return Some("more than one line");
    }
    if !printed.starts_with(&format!("error: {name}: ")) {
        return Some("does not start with the device");
    }
    // Every hint in netdash's errors follows "; " (what happened; what to do).
    if !printed.contains("; ") {
        return Some("no advice on what to do");
    }
    // 360: an untrusted certificate's line carries its 95-character SHA-256 fingerprint.
    if printed.chars().count() > 360 {
        return Some("too long to read at a glance");
    }
    // Where the fault is unambiguous, the line names it.
    let names_it = match fault {
        Fault::Refused => printed.contains("connection refused"),
        Fault::WrongCa => printed.contains("certificate not trusted"),
        Fault::CsrfRejected => printed.contains("CSRF"),
        Fault::WrongId => printed.contains("JSON-RPC"),
        Fault::RefreshRevoked => printed.contains("refresh token"),
        Fault::Error500 => printed.contains("500"),
        Fault::Throttled | Fault::ThrottledBare => printed.contains("429"),
        _ => true,
    };
    if !names_it {
        return Some("does not say what failed");
    }
    if ENDLESS_BODY_CAPPED && fault == Fault::Endless && printed.contains("no answer from") {
        return Some("an endless body ran into the timeout instead of the size cap");
    }
    None
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revoked_session_backs_off_briefly_not_like_a_bad_password() {
    use netdash::engine::{self, EngineOptions, Event, SessionState};
    let tl = common::start(common::only("aoscx")).await;
    tl.lab.set_fault("lab-cx-01", Some(Fault::SessionRevoked));
    // A long cap: a bad password jumps to it; a revoked session must not.
    let opts = EngineOptions {
        poll_interval: Some(Duration::from_millis(300)),
        backoff_base: Duration::from_millis(200),
        backoff_cap: Duration::from_secs(300),
        ..EngineOptions::default()
    };
    let mut e = engine::start(Arc::new(tl.config.clone()), tl.ctx.clone(), opts);
    let mut reasons = Vec::new();
    // Generous: a loaded machine may be slow, but never 300 s slow.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        let ev = tokio::time::timeout_at(deadline, e.events.recv())
            .await
            .unwrap_or_else(|_| {
                panic!("not back up by itself after the fault cleared: {reasons:?}")
            })
            .expect("event");
        match ev {
            Event::Session {
                state: SessionState::BackingOff { reason, retry_at },
                ..
            } => {
                let wait = retry_at
                    .duration_since(std::time::SystemTime::now())
                    .unwrap_or_default();
                reasons.push(format!("{reason} (retry in {wait:?})"));
                tl.lab.set_fault("lab-cx-01", None);
            }
            Event::Session {
                state: SessionState::Connected,
                ..
            } if !reasons.is_empty() => break,
            _ => {}
        }
    }
    let _ = e.commands.send(engine::EngineRequest::Shutdown);
}

/// The HTTP layer caps response bodies: an endless body must fail with the cap's line
/// rather than run into the request timeout. (The lab sends it at about 1.6 MB/s, so
/// `every_fault_gives_one_readable_line_in_run` lowers the cap to 1 MiB to reach it before
/// the 3 s timeout.)
const ENDLESS_BODY_CAPPED: bool = true;

/// How long faults are cycled across the devices (the issue asks for at least 60 s).
const CHAOS: Duration = Duration::from_secs(60);
/// One step of the cycle: a fault, or a healthy spell between two faults.
const STEP: Duration = Duration::from_millis(2500);
/// Generous, for a loaded 2-core machine: reaching it fails the test; nothing is timed.
/// `netdash watch` backs off up to 300 s, so a device whose retries kept landing on faults
/// may wait that long; usually every device is back within a minute.
const RECOVERY_DEADLINE: Duration = Duration::from_secs(360);
/// Sessions orphaned by a fault die of idleness (10 s in this lab).
const ORPHAN_DEADLINE: Duration = Duration::from_secs(120);

/// What `netdash watch --json` said, as the test needs it.
#[derive(Default)]
struct Watched {
    /// Target → its latest session state word (`connected`, `backing_off`, ...).
    state: std::collections::HashMap<String, String>,
    /// Target → successful polls (device polls and complete Central polls).
    polls: std::collections::HashMap<String, usize>,
    /// Target → failed polls.
    failures: std::collections::HashMap<String, usize>,
    /// Every line printed, for the secret scan.
    text: String,
}

impl Watched {
    fn take(&mut self, line: &str) {
        self.text.push_str(line);
        self.text.push('\n');
        let Ok(v) = serde_json::from_str::<serde_json::Value>(line) else {
            return;
        };
        let s = |k: &str| v.get(k).and_then(|x| x.as_str()).unwrap_or("").to_string();
        match s("event").as_str() {
            "session" => {
                self.state.insert(s("target"), s("state"));
            }
            "polled" => *self.polls.entry(s("target")).or_default() += 1,
            "central" => *self.polls.entry(s("account")).or_default() += 1,
            "poll_failed" => *self.failures.entry(s("target")).or_default() += 1,
            _ => {}
        }
    }
}

/// Every regular file under `dir`, recursively.
fn files_under(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            files_under(&p, out);
        } else if p.is_file() {
            out.push(p);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_minute_of_chaos_leaves_no_panic_no_session_and_no_secret() {
    use netdash::lab::faults::cycle_fault;
    use netdash::lab::util::{Issued, issued_secrets, record_secrets};
    use std::collections::HashSet;
    use tokio::io::AsyncBufReadExt;

    record_secrets(true);
    let mut opts = LabOptions {
        eos: 3,
        ..LabOptions::default()
    };
    // Sessions orphaned by a fault at logout time die of idleness within the test, as
    // they would (later) on a real device.
    opts.lifetimes.asa_idle = Duration::from_secs(10);
    opts.lifetimes.aoscx_idle = Duration::from_secs(10);
    opts.lifetimes.arubaos_idle = Duration::from_secs(10);
    opts.lifetimes.eos_session = Duration::from_secs(20);
    let tl = common::start(opts).await;
    // lab-eos-03 never misbehaves: it shows that no other device slows down.
    let bystander = "lab-eos-03";
    let text = std::fs::read_to_string(&tl.config_path)
        .expect("config")
        .replace("kind = \"eos\"", "kind = \"eos\"\nauth = \"session\"")
        .replace(
            "poll_interval_secs = 10",
            "poll_interval_secs = 1\ntimeout_secs = 4",
        );
    std::fs::write(&tl.config_path, text).expect("write config");
    let dir = tl.dir.path().to_path_buf();
    let env_dir = dir.clone();
    let env = move |c: &mut tokio::process::Command| {
        c.env("NETDASH_DATA_DIR", env_dir.join("data"))
            .env("NETDASH_STATE_DIR", env_dir.join("state"))
            .env("NETDASH_CONFIG_DIR", env_dir.join("config"))
            // Everything the drivers log, so the scan sees the most there is to see.
            .env("NETDASH_LOG", "debug")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .kill_on_drop(true);
    };
    let mut watch = tokio::process::Command::new(common::bin());
    watch
        .arg("--config")
        .arg(&tl.config_path)
        .args(["watch", "--json"]);
    env(&mut watch);
    let mut watch = watch.spawn().expect("netdash watch starts");
    let watched = Arc::new(std::sync::Mutex::new(Watched::default()));
    let reader = {
        let watched = watched.clone();
        let stdout = watch.stdout.take().expect("stdout");
        tokio::spawn(async move {
            let mut lines = tokio::io::BufReader::new(stdout).lines();
            while let Ok(Some(l)) = lines.next_line().await {
                watched.lock().expect("lock").take(&l);
            }
        })
    };
    let stderr_task = {
        let mut stderr = watch.stderr.take().expect("stderr");
        tokio::spawn(async move {
            let mut s = String::new();
            let _ = tokio::io::AsyncReadExt::read_to_string(&mut stderr, &mut s).await;
            s
        })
    };

    // Fan-outs all through the chaos, as someone at the console would run them.
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let fanouts = {
        let stop = stop.clone();
        let cfg_path = tl.config_path.clone();
        tokio::spawn(async move {
            let mut printed = String::new();
            let mut runs = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let mut all = Vec::new();
                for (target, line) in [
                    ("@tag:lab", "show version"),
                    ("lab-central-01", "GET /central/v2/sites?limit=10"),
                ] {
                    let mut c = tokio::process::Command::new(common::bin());
                    c.arg("--config")
                        .arg(&cfg_path)
                        .args(["run", target, "--", line]);
                    env(&mut c);
                    all.push(c.output());
                }
                for out in futures::future::join_all(all).await {
                    let out = out.expect("netdash run ran");
                    printed.push_str(&String::from_utf8_lossy(&out.stdout));
                    printed.push_str(&String::from_utf8_lossy(&out.stderr));
                }
                runs += 1;
                tokio::time::sleep(Duration::from_millis(1500)).await;
            }
            (runs, printed)
        })
    };

    // The chaos: every fault, cycled across every device but the bystander.
    let cycled: Vec<(String, &'static str)> = tl
        .lab
        .devices
        .iter()
        .filter(|d| d.name != bystander)
        .map(|d| (d.name.clone(), d.sim.kind()))
        .collect();
    let mut applied = HashSet::new();
    let started = tokio::time::Instant::now();
    let mut round = 0;
    // At least CHAOS, and until every fault has had its turn somewhere.
    while started.elapsed() < CHAOS || applied.len() < Fault::ALL.len() {
        for (i, (name, kind)) in cycled.iter().enumerate() {
            // Offsets 5 apart spread the faults so that a minute visits every one.
            let f = cycle_fault(kind, i * 5, round);
            applied.extend(f);
            tl.lab.set_fault(name, f);
        }
        round += 1;
        tokio::time::sleep(STEP).await;
        assert!(
            started.elapsed() < CHAOS * 3,
            "faults never applied: {:?}",
            Fault::ALL
                .iter()
                .filter(|f| !applied.contains(*f))
                .collect::<Vec<_>>()
        );
    }
    tl.lab.clear_faults();
    let cleared = tokio::time::Instant::now();
    let polls_at_clear = watched.lock().expect("lock").polls.clone();
    println!(
        "{} steps of faults over {:?}",
        round,
        cleared.duration_since(started)
    );

    // Every device comes back by itself: connected and polled again after the clear.
    loop {
        let not_back: Vec<String> = {
            let w = watched.lock().expect("lock");
            tl.lab
                .devices
                .iter()
                .filter(|d| {
                    let again = w.polls.get(&d.name).copied().unwrap_or(0)
                        > polls_at_clear.get(&d.name).copied().unwrap_or(0);
                    w.state.get(&d.name).map(String::as_str) != Some("connected") || !again
                })
                .map(|d| format!("{} ({:?})", d.name, w.state.get(&d.name)))
                .collect()
        };
        if not_back.is_empty() {
            break;
        }
        assert!(
            cleared.elapsed() < RECOVERY_DEADLINE,
            "not back up {RECOVERY_DEADLINE:?} after the faults cleared: {not_back:?}"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    println!(
        "every device back up {:?} after the clear",
        cleared.elapsed()
    );
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let (runs, run_printed) = fanouts.await.expect("fan-outs");
    assert!(runs >= 5, "only {runs} fan-outs ran");

    // Sessions a fault orphaned (a logout that met a 500) die of idleness on the device;
    // what remains is netdash's own, one per device that holds sessions.
    let holders = tl
        .lab
        .devices
        .iter()
        .filter(|d| d.sim.kind() != "central")
        .count();
    let orphan_deadline = tokio::time::Instant::now() + ORPHAN_DEADLINE;
    while tl.lab.open_sessions() > holders {
        assert!(
            tokio::time::Instant::now() < orphan_deadline,
            "more sessions than netdash should hold: {:?}",
            tl.lab.open_sessions_by_device()
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }

    // Shut down: every session is logged out, and nothing panicked.
    common::signal(&watch, "-TERM");
    let status = tokio::time::timeout(Duration::from_secs(30), watch.wait())
        .await
        .expect("netdash watch exits after SIGTERM")
        .expect("wait");
    let _ = reader.await;
    let stderr = stderr_task.await.expect("stderr");
    assert!(status.success(), "{status:?}: {stderr}");
    assert_eq!(
        tl.lab.open_sessions(),
        0,
        "sessions left open after shutdown: {:?}",
        tl.lab.open_sessions_by_device()
    );
    let w = watched.lock().expect("lock");
    for printed in [&stderr, &run_printed, &w.text] {
        assert!(!printed.contains("panicked"), "a panic: {printed}");
    }
    // Every error `run` printed is one line naming the device (checked per line).
    for l in run_printed.lines().filter(|l| l.starts_with("error:")) {
        assert!(l.contains("; "), "an error line without advice: {l}");
    }

    // The bystander never failed and kept being polled while the others misbehaved.
    assert_eq!(
        w.failures.get(bystander).copied().unwrap_or(0),
        0,
        "{bystander} failed polls while others misbehaved"
    );
    assert!(
        polls_at_clear.get(bystander).copied().unwrap_or(0) >= 10,
        "{bystander} polled {:?} times in a minute",
        polls_at_clear.get(bystander)
    );
    assert!(
        !run_printed.contains(&format!("error: {bystander}:")),
        "a fan-out failed on {bystander}"
    );

    // No secret the lab handed out (or the lab's passwords) in anything netdash wrote or
    // printed. The config holds passwords by design; the token store holds the live
    // Central pair by design (it is what survives a restart), so only those are allowed
    // there.
    let mut secrets: Vec<(Issued, String)> = issued_secrets();
    for kind in ["eos", "asa", "aoscx", "arubaos"] {
        secrets.push((Issued::Session, netdash::lab::password(kind)));
    }
    if let netdash::lab::Sim::Central(c) = &tl.lab.first("central").expect("central").sim {
        secrets.push((Issued::Session, c.client_secret.clone()));
    }
    let mut files = Vec::new();
    files_under(&dir, &mut files);
    let token_dir = dir.join("data").join("central");
    let mut leaks = Vec::new();
    let mut scanned = 0;
    // The control: the scan finds the live Central pair where it belongs, so it would find
    // a secret anywhere else too.
    let mut control = false;
    for f in files.iter().filter(|f| **f != tl.config_path) {
        let Ok(bytes) = std::fs::read(f) else {
            continue;
        };
        scanned += 1;
        let text = String::from_utf8_lossy(&bytes);
        for (what, s) in &secrets {
            let allowed = *what == Issued::CentralOAuth && f.starts_with(&token_dir);
            if text.contains(s.as_str()) {
                if allowed {
                    control = true;
                } else {
                    leaks.push(format!("{what:?} secret in {}", f.display()));
                }
            }
        }
    }
    for (name, printed) in [
        ("watch output", &w.text),
        ("watch stderr", &stderr),
        ("run output", &run_printed),
    ] {
        for (what, s) in &secrets {
            if printed.contains(s.as_str()) {
                leaks.push(format!("{what:?} secret in {name}"));
            }
        }
    }
    println!(
        "{} secrets searched for in {scanned} files and the output",
        secrets.len()
    );
    assert!(
        dir.join("state").join("netdash.log").exists(),
        "the log was written (or the scan proves nothing)"
    );
    assert!(
        control,
        "the scan did not even find the token store's live pair"
    );
    assert!(leaks.is_empty(), "secrets leaked: {leaks:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_device_answering_errors_backs_off_and_comes_back() {
    use netdash::engine::{self, EngineOptions, Event, SessionState};
    // Device-side failures: a 500, a 429 storm, a garbled body. Each must show the device
    // down (backing off, not polled at full rate), then up once the fault clears.
    for fault in [Fault::Truncated, Fault::Error500, Fault::ThrottledBare] {
        let tl = common::start(common::only("asa")).await;
        tl.lab.set_fault("lab-asa-01", Some(fault));
        let opts = EngineOptions {
            poll_interval: Some(Duration::from_millis(200)),
            backoff_base: Duration::from_millis(200),
            backoff_cap: Duration::from_secs(2),
            ..EngineOptions::default()
        };
        let mut e = engine::start(Arc::new(tl.config.clone()), tl.ctx.clone(), opts);
        let mut down = None;
        let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
        loop {
            let ev = tokio::time::timeout_at(deadline, e.events.recv())
                .await
                .unwrap_or_else(|_| panic!("{fault}: down {down:?}, never back up"))
                .expect("event");
            match ev {
                Event::Session {
                    state: SessionState::BackingOff { reason, .. },
                    ..
                } if down.is_none() => {
                    down = Some(reason);
                    tl.lab.set_fault("lab-asa-01", None);
                }
                Event::Session {
                    state: SessionState::Connected,
                    ..
                } if down.is_some() => break,
                _ => {}
            }
        }
        let reason = down.expect("went down");
        assert!(reason.contains("; "), "{fault}: {reason}");
        let _ = e.commands.send(engine::EngineRequest::Shutdown);
    }
}
