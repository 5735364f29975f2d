//! `netdash run` as a process against the in-process lab: JSON lines per target, fan-out,
//! exit statuses, read-only refusals, and no secrets in anything it prints.

mod common;

use std::path::Path;

use netdash::lab::LabOptions;
use serde_json::Value;

use common::{Out, netdash};

fn lines(s: &str) -> Vec<Value> {
    s.lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect()
}

/// Every secret the lab config holds: none may ever be printed.
fn secrets(config: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(config).expect("config");
    let v: toml::Value = toml::from_str(&text).expect("toml");
    let mut out = Vec::new();
    for table in ["devices", "central"] {
        for e in v
            .get(table)
            .and_then(|t| t.as_array())
            .into_iter()
            .flatten()
        {
            for k in ["password", "client_secret", "access_token", "refresh_token"] {
                if let Some(s) = e.get(k).and_then(|s| s.as_str()) {
                    out.push(s.to_string());
                }
            }
        }
    }
    out
}

fn assert_no_secrets(o: &Out, secrets: &[String]) {
    for s in secrets {
        assert!(
            !o.stdout.contains(s.as_str()) && !o.stderr.contains(s.as_str()),
            "a secret was printed"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_json_over_every_vendor() {
    let tl = common::start(LabOptions::default()).await;
    let cfg = &tl.config_path;
    let secrets = secrets(cfg);

    // @all fans out to every device; Central (REST only) is skipped with a note.
    let o = netdash(cfg, &["run", "--json", "@all", "--", "show", "version"]).await;
    assert_eq!(o.code, 0, "{}\n{}", o.stdout, o.stderr);
    assert!(o.stderr.contains("skipped lab-central-01"), "{}", o.stderr);
    let res = lines(&o.stdout);
    let devices: Vec<&str> = tl.config.devices().map(|d| d.name.as_str()).collect();
    assert_eq!(res.len(), devices.len());
    for r in &res {
        assert_eq!(r["ok"], true, "{r}");
        assert!(r["elapsed_ms"].is_u64());
        assert!(devices.contains(&r["target"].as_str().expect("target")));
        match r["kind"].as_str().expect("kind") {
            "eos" => assert_eq!(r["output"]["modelName"], "cEOSLab"),
            "asa" => assert!(
                r["output"].is_string(),
                "ASA CLI output is the response string: {r}"
            ),
            "aoscx" | "arubaos" => assert!(r["output"].is_object(), "{r}"),
            k => panic!("unexpected kind {k}"),
        }
    }
    assert_no_secrets(&o, &secrets);

    // REST on Central and AOS-CX.
    let o = netdash(
        cfg,
        &[
            "run",
            "--json",
            "lab-central-01",
            "--",
            "GET",
            "/central/v2/sites?offset=0&limit=100",
        ],
    )
    .await;
    assert_eq!(o.code, 0, "{}\n{}", o.stdout, o.stderr);
    let r = &lines(&o.stdout)[0];
    assert!(
        r["output"]["sites"]
            .as_array()
            .is_some_and(|s| !s.is_empty()),
        "{r}"
    );
    let o = netdash(
        cfg,
        &[
            "run",
            "--json",
            "@tag:aoscx",
            "--",
            "GET",
            "/system/vlans?depth=1",
        ],
    )
    .await;
    assert_eq!(o.code, 0, "{}\n{}", o.stdout, o.stderr);

    // A failing command: ok=false with one readable line, exit 1.
    let o = netdash(
        cfg,
        &[
            "run",
            "--json",
            "lab-eos-01",
            "lab-eos-02",
            "--",
            "show",
            "bogus",
        ],
    )
    .await;
    assert_eq!(o.code, 1);
    for r in lines(&o.stdout) {
        assert_eq!(r["ok"], false);
        let e = r["error"].as_str().expect("error");
        assert!(e.contains("invalid command") && !e.contains('\n'), "{e}");
    }

    // Read-only refuses before sending: the hostname stays as it was.
    let o = netdash(
        cfg,
        &[
            "run",
            "--json",
            "--read-only",
            "lab-eos-01",
            "--",
            "configure",
            ";",
            "hostname",
            "changed",
        ],
    )
    .await;
    assert_eq!(o.code, 1);
    assert!(
        lines(&o.stdout)[0]["error"]
            .as_str()
            .expect("error")
            .contains("read-only")
    );
    let o = netdash(
        cfg,
        &["run", "--json", "lab-eos-01", "--", "show", "hostname"],
    )
    .await;
    assert_eq!(lines(&o.stdout)[0]["output"]["hostname"], "lab-eos-01");
    let o = netdash(
        cfg,
        &[
            "run",
            "--read-only",
            "lab-cx-01",
            "--",
            "DELETE",
            "/system/vlans/10",
        ],
    )
    .await;
    assert_eq!(o.code, 1);
    assert!(o.stdout.contains("read-only"), "{}", o.stdout);

    // A show in front does not carry a change past read-only, and the flag works before
    // the subcommand too (`netdash --read-only run ...`).
    let o = netdash(
        cfg,
        &[
            "--read-only",
            "run",
            "--json",
            "lab-eos-01",
            "--",
            "show version; configure; hostname pwned",
        ],
    )
    .await;
    assert_eq!(o.code, 1);
    let e = lines(&o.stdout)[0]["error"]
        .as_str()
        .expect("error")
        .to_string();
    assert!(e.contains("read-only") && e.contains("configure"), "{e}");
    let o = netdash(
        cfg,
        &["--read-only", "run", "lab-asa-01", "--", "write", "memory"],
    )
    .await;
    assert_eq!(o.code, 1);
    assert!(o.stdout.contains("read-only"), "{}", o.stdout);
    // A line break would make two commands of one on ASA: a usage error.
    let o = netdash(
        cfg,
        &["run", "lab-asa-01", "--", "show version\nwrite memory"],
    )
    .await;
    assert_eq!(o.code, 2, "{}", o.stderr);
    let o = netdash(
        cfg,
        &["run", "--json", "lab-eos-01", "--", "show", "hostname"],
    )
    .await;
    assert_eq!(lines(&o.stdout)[0]["output"]["hostname"], "lab-eos-01");

    // Readable output: a header per target when there are several.
    let o = netdash(cfg, &["run", "@tag:eos", "--", "show", "hostname"]).await;
    assert_eq!(o.code, 0);
    assert!(o.stdout.contains("=== lab-eos-01 (eos) ok"), "{}", o.stdout);

    assert_eq!(tl.lab.open_sessions(), 0, "run leaked a session");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn closed_stdout_still_logs_every_session_out() {
    let tl = common::start(LabOptions::default()).await;
    let dir = tl.dir.path();
    // stdout is a pipe nobody reads: the first write fails with EPIPE.
    let (reader, writer) = std::io::pipe().expect("pipe");
    drop(reader);
    let child = tokio::process::Command::new(common::bin())
        .arg("--config")
        .arg(&tl.config_path)
        .args(["run", "--json", "@all", "--", "show", "version"])
        .env("NETDASH_DATA_DIR", dir.join("data"))
        .env("NETDASH_STATE_DIR", dir.join("state"))
        .stdout(writer)
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("netdash runs");
    let out = child.wait_with_output().await.expect("netdash ends");
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("cannot write output"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(tl.lab.open_sessions(), 0, "a closed stdout leaked sessions");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn usage_and_config_errors_exit_2_without_backtrace() {
    let tl = common::start(common::only("eos")).await;
    let cfg = &tl.config_path;
    let o = netdash(cfg, &["run", "no-such-device", "--", "show", "version"]).await;
    assert_eq!(o.code, 2);
    assert!(o.stderr.contains("unknown target"), "{}", o.stderr);
    assert!(!o.stderr.contains("backtrace") && !o.stderr.contains("panicked"));
    let o = netdash(cfg, &["run", "@tag:nope", "--", "show", "version"]).await;
    assert_eq!(o.code, 2);
    let o = netdash(cfg, &["run", "lab-eos-01", "--", "POST", "/x", "{broken"]).await;
    assert_eq!(o.code, 2);
    assert!(o.stderr.contains("not valid JSON"), "{}", o.stderr);

    let bad = tl.dir.path().join("bad.toml");
    std::fs::write(
        &bad,
        "[settings]\npoll_interval_secs = 30\nfrobnicate = true\n",
    )
    .expect("write");
    let o = netdash(&bad, &["run", "@all", "--", "show", "version"]).await;
    assert_eq!(o.code, 2);
    assert!(
        o.stderr.contains("bad.toml")
            && o.stderr.contains("line 3")
            && o.stderr.contains("frobnicate"),
        "{}",
        o.stderr
    );

    // A password_env that is not set is a config error too, found before any login.
    let text = std::fs::read_to_string(cfg).expect("config");
    let unset = tl.dir.path().join("unset.toml");
    let pw = text
        .lines()
        .find(|l| l.starts_with("password = "))
        .expect("a password line")
        .to_string();
    std::fs::write(
        &unset,
        text.replace(&pw, "password_env = \"NETDASH_TEST_UNSET_PW\""),
    )
    .expect("write");
    let o = netdash(&unset, &["run", "lab-eos-01", "--", "show", "version"]).await;
    assert_eq!(o.code, 2, "{}", o.stderr);
    assert!(o.stderr.contains("NETDASH_TEST_UNSET_PW"), "{}", o.stderr);
    assert_eq!(tl.lab.open_sessions(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_password_fails_cleanly() {
    let tl = common::start(common::only("eos")).await;
    let text = std::fs::read_to_string(&tl.config_path)
        .expect("config")
        .replace(&netdash::lab::password("eos"), "Wr0ng-Passw0rd");
    let bad = tl.dir.path().join("wrong.toml");
    std::fs::write(&bad, text).expect("write");
    let o = netdash(&bad, &["run", "--json", "@all", "--", "show", "version"]).await;
    assert_eq!(o.code, 1);
    let r = &lines(&o.stdout)[0];
    assert!(
        r["error"]
            .as_str()
            .expect("error")
            .contains("check username and password"),
        "{r}"
    );
    assert!(!o.stdout.contains("Wr0ng-Passw0rd") && !o.stderr.contains("Wr0ng-Passw0rd"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rotated_central_token_is_persisted_and_used_by_a_second_process() {
    use std::os::unix::fs::PermissionsExt;
    let tl = common::start(common::only("central")).await;
    let sim = match &tl.lab.first("central").expect("central").sim {
        netdash::lab::Sim::Central(s) => s.clone(),
        _ => panic!("not central"),
    };
    sim.expire_sessions();
    let cfg = &tl.config_path;
    let o = netdash(
        cfg,
        &[
            "run",
            "--json",
            "lab-central-01",
            "--",
            "GET",
            "/central/v2/sites",
        ],
    )
    .await;
    assert_eq!(o.code, 0, "{}\n{}", o.stdout, o.stderr);
    assert_eq!(sim.refreshes(), 1);
    let dir = tl.dir.path().join("data").join("central");
    let files: Vec<_> = std::fs::read_dir(&dir)
        .expect("token dir")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    assert_eq!(
        std::fs::metadata(&files[0])
            .expect("meta")
            .permissions()
            .mode()
            & 0o777,
        0o600
    );
    assert!(
        !sim.refresh_token_valid(&sim.seed_refresh_token),
        "the config's seed is dead now"
    );
    // A second process: the stored pair wins over the (dead) seed, no second refresh.
    let o = netdash(
        cfg,
        &[
            "run",
            "--json",
            "lab-central-01",
            "--",
            "GET",
            "/monitoring/v2/aps?limit=3",
        ],
    )
    .await;
    assert_eq!(o.code, 0, "{}\n{}", o.stdout, o.stderr);
    assert_eq!(sim.refreshes(), 1);
    assert_no_secrets(&o, &secrets(cfg));
}
