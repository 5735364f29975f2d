//! A lab that misbehaves: every fault the lab can play gives one readable line in `run`, and
//! a minute of faults cycled across every device while the engine polls and fan-outs run
//! leaves no panic, every device back up, no session open and no secret in netdash's files.

mod common;

use std::sync::Arc;
use std::time::Duration;

use netdash::config::Config;
use netdash::lab::LabOptions;
use netdash::lab::faults::Fault;
use netdash::paths::Paths;
use netdash::run::{RunRequest, run};
use netdash::vendor::Context;

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
    let tl = common::start(LabOptions {
        eos: 1,
        ..LabOptions::default()
    })
    .await;
    let cfg = Arc::new(tl.config.clone());
    let mut report = Vec::new();
    let mut bad = Vec::new();
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
    if printed.chars().count() > 300 {
        return Some("too long to read at a glance");
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
    let _ = e.commands.send(engine::Command::Shutdown);
}
