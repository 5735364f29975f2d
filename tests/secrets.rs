//! Secrets and the processes that produce them, through the `netdash` binary: a
//! `password_cmd` that never answers does not keep Ctrl-C from ending `run`, and leaves no
//! process behind.

mod common;

use std::time::{Duration, Instant};

/// True once `pid` no longer runs (gone, or a zombie nobody reaped yet).
fn gone(pid: i32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/status")) {
        Err(_) => true,
        Ok(s) => s
            .lines()
            .any(|l| l.starts_with("State:") && l.contains('Z')),
    }
}

use common::netdash_cmd as netdash;

#[tokio::test]
async fn ctrl_c_ends_run_while_password_cmd_hangs_and_kills_it() {
    let dir = tempfile::tempdir().expect("dir");
    let pidfile = dir.path().join("pid");
    // A prompt that never answers, started by the shell as `pass` starts gpg.
    let cfg = dir.path().join("config.toml");
    std::fs::write(
        &cfg,
        format!(
            "[[devices]]\nname = \"sw1\"\nkind = \"eos\"\nhost = \"127.0.0.1:9\"\nusername = \"admin\"\npassword_cmd = \"sleep 1000 & echo $! > {}; wait\"\n",
            pidfile.display()
        ),
    )
    .expect("config");
    let child = netdash(dir.path())
        .arg("--config")
        .arg(&cfg)
        .args(["run", "sw1", "--", "show", "version"])
        .spawn()
        .expect("netdash starts");
    let deadline = Instant::now() + Duration::from_secs(20);
    let sleeper: i32 = loop {
        if let Some(pid) = std::fs::read_to_string(&pidfile)
            .ok()
            .and_then(|s| s.trim().parse().ok())
        {
            break pid;
        }
        assert!(Instant::now() < deadline, "password_cmd never started");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let pid = nix::unistd::Pid::from_raw(
        i32::try_from(child.id().expect("pid")).expect("pid fits an i32"),
    );
    nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGINT).expect("SIGINT");
    // Generous: this is "it ends at all", not a measure of speed.
    let out = tokio::time::timeout(Duration::from_secs(15), child.wait_with_output())
        .await
        .expect("run ends after Ctrl-C although password_cmd still runs")
        .expect("output");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("interrupted"), "{stderr}");
    let deadline = Instant::now() + Duration::from_secs(10);
    while !gone(sleeper) {
        assert!(
            Instant::now() < deadline,
            "password_cmd's process {sleeper} was left behind"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn failing_password_cmd_names_its_stderr_not_its_output() {
    let dir = tempfile::tempdir().expect("dir");
    let cfg = dir.path().join("config.toml");
    std::fs::write(
        &cfg,
        "[[devices]]\nname = \"sw1\"\nkind = \"eos\"\nhost = \"127.0.0.1:9\"\nusername = \"admin\"\npassword_cmd = \"echo leaked-pw; echo 'gpg: no secret key' >&2; exit 2\"\n",
    )
    .expect("config");
    let out = netdash(dir.path())
        .arg("--config")
        .arg(&cfg)
        .args(["run", "sw1", "--", "show", "version"])
        .output()
        .await
        .expect("runs");
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.status.code(), Some(1), "{all}");
    assert!(all.contains("gpg: no secret key"), "{all}");
    assert!(!all.contains("leaked-pw"), "{all}");
}

/// Devices sharing one `password_cmd` (an inventory entry's, given to every host) run it
/// once, not once each: a thousand `pass` prompts at once would be a storm.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shared_password_cmd_runs_once_for_all_its_devices() {
    let tl = common::start(netdash::lab::LabOptions {
        eos: 3,
        ..netdash::lab::LabOptions::none()
    })
    .await;
    let counter = tl.dir.path().join("runs");
    let text = std::fs::read_to_string(&tl.config_path).expect("config");
    let mut replaced = String::new();
    for line in text.lines() {
        if let Some(pw) = line.strip_prefix("password = ") {
            // The lab's EOS password (one for every EOS device), given by the command.
            let cmd = format!("echo run >> {}; echo {pw}", counter.display());
            replaced.push_str(&format!("password_cmd = {cmd:?}\n"));
        } else {
            replaced.push_str(line);
            replaced.push('\n');
        }
    }
    std::fs::write(&tl.config_path, replaced).expect("config written");
    let out = common::netdash(
        &tl.config_path,
        &["run", "--json", "@all", "--", "show", "version"],
    )
    .await;
    assert_eq!(
        out.stdout.matches("\"ok\":true").count(),
        3,
        "{}{}",
        out.stdout,
        out.stderr
    );
    let runs = std::fs::read_to_string(&counter).expect("the command ran");
    assert_eq!(
        runs.lines().count(),
        1,
        "password_cmd ran {} times",
        runs.lines().count()
    );
}

fn central_sim(tl: &common::TestLab) -> std::sync::Arc<netdash::lab::central::CentralSim> {
    match &tl.lab.first("central").expect("central").sim {
        netdash::lab::Sim::Central(s) => s.clone(),
        _ => panic!("not central"),
    }
}

fn token_file(tl: &common::TestLab) -> std::path::PathBuf {
    tl.session("central")
        .central()
        .expect("central")
        .token_file()
        .to_path_buf()
}

#[tokio::test]
async fn seeded_token_of_unknown_age_is_refreshed_at_first_use() {
    let tl = common::start(common::only("central")).await;
    let sim = central_sim(&tl);
    let mut s = tl.session("central");
    s.execute(&common::cmd("GET /central/v2/sites"))
        .await
        .expect("works");
    assert_eq!(
        sim.refreshes(),
        1,
        "the pasted pair is swapped at first use"
    );
    assert!(s.facts().expires_at.is_some(), "the countdown is known now");
    assert!(
        token_file(&tl).exists(),
        "the rotated pair is stored as always"
    );
    assert_eq!(sim.unauthorized(), 0);
}

/// Run one job on the engine and wait for its result, collecting the alarms seen meanwhile.
async fn run_one(
    e: &mut netdash::engine::EngineHandle,
    id: u64,
    target: &str,
    alarms: &mut Vec<(String, bool)>,
) -> bool {
    run_one_notes(e, id, target, alarms).await.is_some()
}

/// As [`run_one`]; the result's notes if it succeeded.
async fn run_one_notes(
    e: &mut netdash::engine::EngineHandle,
    id: u64,
    target: &str,
    alarms: &mut Vec<(String, bool)>,
) -> Option<Vec<String>> {
    use netdash::engine::{EngineRequest, Event};
    e.commands
        .send(EngineRequest::Run {
            id,
            targets: vec![target.into()],
            line: "GET /central/v2/sites?limit=10".into(),
            interactive: true,
        })
        .expect("engine runs");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let ev = tokio::time::timeout_at(deadline, e.events.recv())
            .await
            .expect("a result in time")
            .expect("engine runs");
        match ev {
            Event::Alarm {
                what: "tokens",
                message,
                raised,
                ..
            } => alarms.push((message, raised)),
            Event::Result {
                id: got, outcome, ..
            } if got == id => {
                return match outcome {
                    netdash::engine::messages::Outcome::Ok {
                        ok: true, notes, ..
                    } => Some(notes),
                    _ => None,
                };
            }
            _ => {}
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rotated_pair_that_cannot_be_saved_is_kept_used_and_saved_later() {
    use netdash::engine::{self, EngineOptions, EngineRequest, Event};
    let tl = common::start(common::only("central")).await;
    let sim = central_sim(&tl);
    let file = token_file(&tl);
    let opts = EngineOptions {
        poll_interval: None,
        central_workers: 1,
        ..EngineOptions::default()
    };
    let mut e = engine::start(std::sync::Arc::new(tl.config.clone()), tl.ctx.clone(), opts);
    let name = "lab-central-01";
    let mut alarms = Vec::new();
    // Begin from a refreshed, stored pair (whatever netdash does with a pasted one).
    sim.expire_sessions();
    assert!(run_one(&mut e, 1, name, &mut alarms).await, "first call");
    assert!(file.exists());
    // The store cannot take a new pair: its file's name is taken by a directory (root
    // ignores permissions, so a mode would not stop it).
    std::fs::remove_file(&file).expect("rm");
    std::fs::create_dir(&file).expect("obstacle");
    let before = sim.refreshes();
    sim.expire_sessions();
    assert!(
        run_one(&mut e, 2, name, &mut alarms).await,
        "the rotated pair is used although it could not be saved"
    );
    assert_eq!(sim.refreshes(), before + 1);
    assert!(
        alarms
            .iter()
            .any(|(m, up)| *up && m.contains("only in memory")),
        "{alarms:?}"
    );
    let notes = run_one_notes(&mut e, 3, name, &mut alarms)
        .await
        .expect("still works");
    assert!(
        notes.iter().any(|n| n.contains("only in memory")),
        "run shows it too: {notes:?}"
    );
    assert_eq!(
        sim.refreshes(),
        before + 1,
        "no refresh needed: the pair is in memory"
    );
    // The obstacle goes: the next call saves the pair and clears the alarm.
    std::fs::remove_dir(&file).expect("rmdir");
    assert!(run_one(&mut e, 4, name, &mut alarms).await);
    assert_eq!(alarms.last().map(|(_, up)| *up), Some(false), "{alarms:?}");
    let stored: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&file).expect("saved now")).expect("json");
    assert!(sim.refresh_token_valid(stored["refresh_token"].as_str().expect("rt")));
    // Once more only in memory; the obstacle goes just before shutdown, whose last try
    // saves the pair.
    std::fs::remove_file(&file).expect("rm");
    std::fs::create_dir(&file).expect("obstacle");
    sim.expire_sessions();
    assert!(run_one(&mut e, 5, name, &mut alarms).await);
    std::fs::remove_dir(&file).expect("rmdir");
    let _ = e.commands.send(EngineRequest::Shutdown);
    while let Some(ev) = e.events.recv().await {
        if let Event::ShutdownComplete { failed, .. } = ev {
            assert!(failed.is_empty(), "{failed:?}");
            break;
        }
    }
    let stored: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&file).expect("saved at shutdown")).expect("json");
    assert!(sim.refresh_token_valid(stored["refresh_token"].as_str().expect("rt")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pair_still_unsaved_at_shutdown_is_reported_once() {
    use netdash::engine::{self, EngineOptions, EngineRequest, Event};
    let tl = common::start(common::only("central")).await;
    let sim = central_sim(&tl);
    let file = token_file(&tl);
    // Two sessions of the account: a console worker and the poller (which polls at once).
    let opts = EngineOptions {
        poll_interval: Some(Duration::from_secs(3600)),
        central_workers: 1,
        ..EngineOptions::default()
    };
    sim.expire_sessions();
    let mut e = engine::start(std::sync::Arc::new(tl.config.clone()), tl.ctx.clone(), opts);
    let name = "lab-central-01";
    let mut alarms = Vec::new();
    loop {
        let ev = tokio::time::timeout(Duration::from_secs(30), e.events.recv())
            .await
            .expect("the first poll in time")
            .expect("engine runs");
        if matches!(ev, Event::Central { .. }) {
            break;
        }
    }
    assert!(run_one(&mut e, 1, name, &mut alarms).await);
    std::fs::remove_file(&file).expect("rm");
    std::fs::create_dir(&file).expect("obstacle");
    sim.expire_sessions();
    assert!(run_one(&mut e, 2, name, &mut alarms).await);
    let _ = e.commands.send(EngineRequest::Shutdown);
    let failed = loop {
        if let Event::ShutdownComplete { failed, .. } =
            e.events.recv().await.expect("a shutdown report")
        {
            break failed;
        }
    };
    // `run` prints each of these on stderr: once per account, not once per session.
    assert_eq!(failed.len(), 1, "{failed:?}");
    assert!(
        failed[0].1.contains("is lost") && failed[0].1.contains("paste a fresh"),
        "{failed:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn absurd_expires_in_is_clamped_and_run_still_ends() {
    let tl = common::start(common::only("central")).await;
    let sim = central_sim(&tl);
    sim.report_expires_in(10_000_000_000_000_000_000);
    // Make the first run refresh (whatever netdash does with a pasted pair).
    sim.expire_sessions();
    let dir = tl.dir.path();
    // Twice: the second run reads the stored pair back.
    for _ in 0..2 {
        let out = tokio::time::timeout(
            Duration::from_secs(60),
            netdash(dir)
                .arg("--config")
                .arg(&tl.config_path)
                .args(["run", "lab-central-01", "--", "GET", "/central/v2/sites"])
                .output(),
        )
        .await
        .expect("run ends")
        .expect("output");
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let stored: serde_json::Value =
        serde_json::from_slice(&std::fs::read(token_file(&tl)).expect("stored")).expect("json");
    let year_from_now = netdash::drivers::token_store::now_secs() + 366 * 86_400;
    let expires_at = stored["expires_at"].as_u64().expect("expires_at");
    assert!(expires_at < year_from_now, "{expires_at}");
}

#[tokio::test]
async fn debug_of_the_lab_config_shows_no_secret() {
    let tl = common::start(netdash::lab::LabOptions::default()).await;
    let text = std::fs::read_to_string(&tl.config_path).expect("config");
    let raw: toml::Value = toml::from_str(&text).expect("toml");
    let mut secrets = Vec::new();
    for table in ["devices", "central"] {
        for entry in raw
            .get(table)
            .and_then(|t| t.as_array())
            .into_iter()
            .flatten()
        {
            for key in ["password", "client_secret", "access_token", "refresh_token"] {
                if let Some(v) = entry.get(key).and_then(|v| v.as_str()) {
                    secrets.push(v.to_string());
                }
            }
        }
    }
    assert!(secrets.len() >= 5, "{secrets:?}");
    let shown = format!("{:?}\n{:#?}", tl.config, tl.config);
    for s in &secrets {
        assert!(!shown.contains(s.as_str()), "{s} shown in Debug");
    }
}
