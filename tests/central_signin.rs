//! Central sign-in by the OAuth grant against the lab over TLS: a first sign-in with no
//! token, recovery after the refresh token is revoked, a wrong password tried exactly once,
//! read-only mode's read token, and an MSP whose tenants become accounts of their own.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use common::{cmd, netdash, only, start};
use netdash::config::{CentralConfig, Config};
use netdash::drivers::Session;
use netdash::engine::{self, EngineOptions, EngineRequest, Event};
use netdash::lab::Sim;
use netdash::lab::central::{CentralSim, GrantStep, Scope};
use netdash::lab::util::{Issued, issued_secrets, record_secrets};

fn sim(tl: &common::TestLab) -> Arc<CentralSim> {
    match &tl.lab.first("central").expect("central").sim {
        Sim::Central(s) => s.clone(),
        _ => panic!("not central"),
    }
}

/// The lab's Central account without the pasted tokens: username and password only.
fn without_tokens(tl: &common::TestLab) -> CentralConfig {
    let mut c = tl.config.centrals().next().expect("central").clone();
    assert!(
        c.username.is_some() && c.password.is_some(),
        "lab config signs in"
    );
    c.access_token = None;
    c.refresh_token = None;
    c
}

/// The lab's config file with the token lines dropped and `password` replaced.
fn write_config(tl: &common::TestLab, password: Option<&str>) -> PathBuf {
    let text = std::fs::read_to_string(&tl.config_path).expect("config");
    let mut out = String::new();
    for line in text.lines() {
        if line.starts_with("access_token") || line.starts_with("refresh_token") {
            continue;
        }
        if let (Some(p), true) = (password, line.starts_with("password =")) {
            out.push_str(&format!("password = \"{p}\"\n"));
        } else {
            out.push_str(line);
            out.push('\n');
        }
    }
    let dir = tempfile::tempdir().expect("dir").keep();
    let path = dir.join("config.toml");
    std::fs::write(&path, out).expect("write");
    Config::load(&path).expect("edited config parses");
    path
}

/// Every file under `dir`, read.
fn files(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let Ok(rd) = std::fs::read_dir(dir) else {
        return out;
    };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(files(&p));
        } else if let Ok(b) = std::fs::read(&p) {
            out.push((p, b));
        }
    }
    out
}

fn contains(hay: &[u8], needle: &str) -> bool {
    !needle.is_empty() && hay.windows(needle.len()).any(|w| w == needle.as_bytes())
}

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p).expect("meta").permissions().mode() & 0o777
}

#[tokio::test]
async fn first_sign_in_with_no_token_paced_stored_0600_and_reused() {
    record_secrets(true);
    let tl = start(only("central")).await;
    let sim = sim(&tl);
    let c = without_tokens(&tl);
    let mut s = Session::for_central(&c, &tl.ctx).expect("session");
    s.execute(&cmd("GET /central/v2/sites"))
        .await
        .expect("signed in by itself");
    assert_eq!(sim.signins(), 1);
    assert_eq!(sim.login_attempts(), 1);
    // Steps 1 and 3 went out at least a second apart (the gateway's 1 call/s).
    let calls = sim.grant_calls();
    let steps: Vec<GrantStep> = calls.iter().map(|(s, _, _)| *s).collect();
    assert_eq!(steps, vec![GrantStep::Login, GrantStep::AuthCode]);
    let gap = calls[1].1.duration_since(calls[0].1);
    assert!(
        gap >= Duration::from_millis(950),
        "steps 1 and 3 {gap:?} apart"
    );
    // The pair is stored 0600 with its scope, before use.
    let file = s.central().expect("central").token_file().to_path_buf();
    assert_eq!(mode(&file), 0o600);
    let stored: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&file).expect("read")).expect("json");
    assert_eq!(stored["scope"], "all");
    assert_eq!(
        sim.scope_of(stored["access_token"].as_str().expect("at")),
        Some(Scope::All)
    );
    // Another instance on the same files uses the stored pair: no second sign-in.
    let mut s2 = Session::for_central(&c, &tl.ctx).expect("session");
    s2.execute(&cmd("GET /monitoring/v2/aps?limit=5"))
        .await
        .expect("stored pair");
    assert_eq!(sim.signins(), 1);
    // No password, cookie, CSRF token or auth code in any file netdash wrote.
    let password = c.password.clone().expect("password");
    let secrets: Vec<String> = issued_secrets()
        .into_iter()
        .filter(|(k, _)| *k == Issued::Session)
        .map(|(_, s)| s)
        .chain([password])
        .collect();
    let written = files(tl.dir.path());
    assert!(!written.is_empty());
    for (path, body) in &written {
        if path.ends_with("config.toml") {
            continue;
        }
        for secret in &secrets {
            assert!(!contains(body, secret), "{} holds a secret", path.display());
        }
    }
    let shown = format!("{:?}", s.facts());
    assert!(!secrets.iter().any(|x| shown.contains(x.as_str())));
}

#[tokio::test]
async fn revoked_refresh_token_recovers_with_one_sign_in() {
    let tl = start(only("central")).await;
    let sim = sim(&tl);
    let c = tl.config.centrals().next().expect("central").clone();
    let mut s = Session::for_central(&c, &tl.ctx).expect("session");
    s.execute(&cmd("GET /central/v2/sites"))
        .await
        .expect("pasted pair works");
    assert_eq!(
        sim.signins(),
        0,
        "pasted tokens keep working without a sign-in"
    );
    // Revoked in the web UI: the access token and the refresh token die.
    sim.revoke_tokens();
    s.execute(&cmd("GET /central/v2/sites"))
        .await
        .expect("recovered with no user action");
    assert_eq!(sim.signins(), 1);
    assert_eq!(sim.login_attempts(), 1);
    for _ in 0..3 {
        s.execute(&cmd("GET /monitoring/v2/aps?limit=1"))
            .await
            .expect("keeps working");
    }
    assert_eq!(sim.signins(), 1);
}

#[tokio::test]
async fn sign_in_waits_out_a_429() {
    let tl = start(only("central")).await;
    let sim = sim(&tl);
    sim.grant_busy(1);
    let c = without_tokens(&tl);
    let mut s = Session::for_central(&c, &tl.ctx).expect("session");
    s.execute(&cmd("GET /central/v2/sites"))
        .await
        .expect("signed in after the 429");
    let statuses: Vec<(GrantStep, u16)> = sim
        .grant_calls()
        .iter()
        .map(|(s, _, st)| (*s, *st))
        .collect();
    assert_eq!(
        statuses,
        vec![
            (GrantStep::Login, 429),
            (GrantStep::Login, 200),
            (GrantStep::AuthCode, 200)
        ]
    );
    assert_eq!(sim.signins(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_password_is_tried_once_said_in_one_line_and_not_retried() {
    let tl = start(only("central")).await;
    let sim = sim(&tl);
    let wrong = "not-the-lab-password-42";
    let mut c = without_tokens(&tl);
    c.password = Some(wrong.into());
    let mut cfg = tl.config.clone();
    cfg.central[0] = toml::Spanned::new(0..0, c);
    // A dashboard's engine, polling every second: the poller and the console workers would
    // all sign in if nothing stopped them.
    let opts = EngineOptions {
        poll_interval: Some(Duration::from_secs(1)),
        ..EngineOptions::default()
    };
    let mut e = engine::start(Arc::new(cfg), tl.ctx.clone(), opts);
    let mut failures = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    while failures.len() < 4 {
        match tokio::time::timeout_at(deadline, e.events.recv()).await {
            Ok(Some(Event::PollFailed { error, .. })) => failures.push(error),
            Ok(Some(_)) => {}
            _ => panic!("no poll failures: {failures:?}"),
        }
    }
    for id in 1..=3 {
        let _ = e.commands.send(EngineRequest::Run {
            id,
            targets: vec!["lab-central-01".into()],
            line: "GET /central/v2/sites".into(),
            interactive: true,
        });
    }
    let mut results = 0;
    while results < 3 {
        match tokio::time::timeout_at(deadline, e.events.recv()).await {
            Ok(Some(Event::Result { outcome, .. })) => {
                assert!(!outcome.is_ok());
                results += 1;
            }
            Ok(Some(_)) => {}
            _ => panic!("no results"),
        }
    }
    let _ = e.commands.send(EngineRequest::Shutdown);
    while e.events.recv().await.is_some() {}
    assert_eq!(
        sim.login_attempts(),
        1,
        "a refused password is never sent again"
    );
    assert_eq!(sim.failed_logins(), 1);
    for f in &failures {
        assert!(f.contains("refused the password"), "{f}");
        // Never again, not merely later.
        assert!(!f.contains("next sign-in attempt"), "{f}");
        assert!(!f.contains('\n') && !f.contains(wrong), "{f}");
    }
    // The command line: one attempt, one clear line, exit 1.
    let path = write_config(&tl, Some(wrong));
    let o = netdash(
        &path,
        &["run", "lab-central-01", "--", "GET", "/central/v2/sites"],
    )
    .await;
    assert_eq!(o.code, 1, "{}{}", o.stdout, o.stderr);
    let all = format!("{}{}", o.stdout, o.stderr);
    let lines: Vec<&str> = all
        .lines()
        .filter(|l| l.contains("refused the password"))
        .collect();
    assert_eq!(lines.len(), 1, "{all}");
    assert!(!all.contains(wrong), "{all}");
    assert_eq!(
        sim.login_attempts(),
        2,
        "one more process, one more attempt"
    );
}

#[tokio::test]
async fn read_only_signs_in_for_a_read_token_and_refuses_a_post_before_sending() {
    let tl = start(only("central")).await;
    let sim = sim(&tl);
    let path = tl.config_path.clone();
    let o = netdash(
        &path,
        &[
            "--read-only",
            "run",
            "lab-central-01",
            "--",
            "GET",
            "/central/v2/sites",
        ],
    )
    .await;
    assert_eq!(o.code, 0, "{}{}", o.stdout, o.stderr);
    assert_eq!(sim.signins(), 1, "read-only signs in for a read token");
    // The read pair has a file of its own, and the lab issued it with scope=read.
    let data = path.parent().expect("dir").join("data");
    let stored: Vec<serde_json::Value> = files(&data)
        .into_iter()
        .filter(|(p, _)| p.extension().is_some_and(|e| e == "json"))
        .filter_map(|(_, b)| serde_json::from_slice(&b).ok())
        .collect();
    let read: Vec<&serde_json::Value> = stored.iter().filter(|v| v["scope"] == "read").collect();
    assert_eq!(read.len(), 1, "{stored:?}");
    let access = read[0]["access_token"].as_str().expect("at").to_string();
    assert_eq!(sim.scope_of(&access), Some(Scope::Read));
    // A POST is refused by netdash before anything is sent.
    let before = sim.arrivals().len();
    let o = netdash(
        &path,
        &[
            "--read-only",
            "run",
            "lab-central-01",
            "--",
            "POST",
            "/central/v2/sites",
            r#"{"site_name": "x"}"#,
        ],
    )
    .await;
    assert_ne!(o.code, 0);
    assert!(
        format!("{}{}", o.stdout, o.stderr).contains("read-only"),
        "{}{}",
        o.stdout,
        o.stderr
    );
    assert_eq!(sim.arrivals().len(), before, "nothing reached the gateway");
    // And the token itself could not have changed anything.
    let client = reqwest::Client::builder()
        .add_root_certificate(
            reqwest::Certificate::from_pem(tl.lab.pki.ca_pem.as_bytes()).expect("ca"),
        )
        .build()
        .expect("client");
    let base = format!("https://{}", tl.lab.first("central").expect("c").addr);
    let r = client
        .post(format!("{base}/central/v2/sites"))
        .bearer_auth(&access)
        .json(&serde_json::json!({"site_name": "x"}))
        .send()
        .await
        .expect("post");
    assert_eq!(r.status().as_u16(), 403);
    assert_eq!(sim.writes_refused(), 1);
    // The Sessions pane's source says so.
    let c = tl.config.centrals().next().expect("central").clone();
    let mut ctx = tl.ctx.clone();
    ctx.read_only = true;
    let mut s = Session::for_central(&c, &ctx).expect("session");
    s.execute(&cmd("GET /central/v2/sites")).await.expect("get");
    assert_eq!(s.facts().scope, Some("read"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn msp_tenants_become_accounts_with_their_own_tokens_and_budgets() {
    record_secrets(true);
    let mut o = only("central");
    o.central_msp_tenants = 2;
    let tl = start(o).await;
    let msp = sim(&tl);
    let tenants = msp.tenants();
    assert_eq!(tenants.len(), 2);
    assert!(tl.config.centrals().next().expect("msp").msp);
    // `@tag:` reaches the tenants like any account.
    let path = tl.config_path.clone();
    let o = netdash(
        &path,
        &["run", "@tag:central", "--", "GET", "/central/v2/sites"],
    )
    .await;
    assert_eq!(o.code, 0, "{}{}", o.stdout, o.stderr);
    for t in &tenants {
        let name = format!("lab-central-01/{}", t.customer_name);
        assert!(o.stdout.contains(&name), "{name}: {}", o.stdout);
        assert_eq!(t.signins(), 1, "{name} signed in with its own credentials");
        assert_eq!(t.throttled(), 0);
        assert!(
            !t.arrivals().is_empty(),
            "{name} answered from its own budget"
        );
    }
    assert_eq!(msp.client_credentials_issued(), 2);
    // The MSP's own window saw its customer list and its own GET, none of the tenants' calls.
    assert_eq!(
        msp.arrivals().len(),
        2,
        "tenant calls must not count at the MSP"
    );
    // The tenants' client credentials are stored 0600 beside the token pairs.
    let data = path.parent().expect("dir").join("data");
    let creds: Vec<PathBuf> = files(&data)
        .into_iter()
        .map(|(p, _)| p)
        .filter(|p| p.to_string_lossy().ends_with(".tenants.json"))
        .collect();
    assert_eq!(creds.len(), 1, "{creds:?}");
    assert_eq!(mode(&creds[0]), 0o600);
    // A second run reuses credentials and tokens: no new credentials, no new sign-ins.
    let o2 = netdash(
        &path,
        &["run", "@all", "--", "GET", "/monitoring/v2/aps?limit=1"],
    )
    .await;
    assert_eq!(o2.code, 0, "{}{}", o2.stdout, o2.stderr);
    // No password, cookie, CSRF token or auth code in anything netdash wrote or printed
    // (its log included).
    let secrets: Vec<String> = issued_secrets()
        .into_iter()
        .filter(|(k, _)| *k == Issued::Session)
        .map(|(_, s)| s)
        .chain([netdash::lab::password("central")])
        .collect();
    let dir = path.parent().expect("dir");
    let mut written = files(&dir.join("data"));
    written.extend(files(&dir.join("state")));
    written.push((
        PathBuf::from("stdout+stderr"),
        format!("{}{}{}{}", o.stdout, o.stderr, o2.stdout, o2.stderr).into_bytes(),
    ));
    assert!(
        written.iter().any(|(p, _)| p.ends_with("netdash.log")),
        "the log is checked too"
    );
    for (p, body) in &written {
        for secret in &secrets {
            assert!(!contains(body, secret), "{} holds a secret", p.display());
        }
    }
    assert_eq!(msp.client_credentials_issued(), 2);
    for t in &tenants {
        assert_eq!(t.signins(), 1);
    }
    // A wrong MSP password: one attempt, one line, for the MSP and all its tenants.
    let wrong = write_config(&tl, Some("not-the-msp-password"));
    let before = msp.login_attempts();
    let o3 = netdash(&wrong, &["run", "@all", "--", "GET", "/central/v2/sites"]).await;
    assert_eq!(o3.code, 1, "{}{}", o3.stdout, o3.stderr);
    let all = format!("{}{}", o3.stdout, o3.stderr);
    assert_eq!(
        all.lines()
            .filter(|l| l.contains("refused the password"))
            .count(),
        1,
        "{all}"
    );
    assert_eq!(msp.login_attempts(), before + 1);
    // The dashboard's engine finds the tenants by itself and gives each its own budget.
    let mut e = engine::start(
        Arc::new(tl.config.clone()),
        tl.ctx.clone(),
        EngineOptions::default(),
    );
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    let mut added = Vec::new();
    let mut budgets = std::collections::HashSet::new();
    while added.len() < 2 || budgets.len() < 3 {
        match tokio::time::timeout_at(deadline, e.events.recv()).await {
            Ok(Some(Event::AccountsAdded { parent, accounts })) => {
                assert_eq!(parent, "lab-central-01");
                added.extend(accounts.into_iter().map(|a| a.name));
            }
            Ok(Some(Event::Budget { account, budget })) => {
                assert_eq!(budget.per_second_limit, 7);
                budgets.insert(account);
            }
            Ok(Some(_)) => {}
            _ => panic!("added {added:?}, budgets {budgets:?}"),
        }
    }
    let _ = e.commands.send(EngineRequest::Shutdown);
    while e.events.recv().await.is_some() {}
    added.sort();
    assert_eq!(
        added,
        vec!["lab-central-01/Tenant-01", "lab-central-01/Tenant-02"]
    );
    // The engine's polls reached each tenant's own window too.
    assert!(tenants.iter().all(|t| t.arrivals().len() >= 2));
}

#[tokio::test]
async fn a_sign_in_the_gateway_refuses_waits_before_the_next() {
    let tl = start(only("central")).await;
    let sim = sim(&tl);
    let mut c = without_tokens(&tl);
    c.customer_id = "not-this-customer".into();
    let mut s = Session::for_central(&c, &tl.ctx).expect("session");
    let e = s
        .execute(&cmd("GET /central/v2/sites"))
        .await
        .expect_err("wrong customer_id");
    assert!(e.to_string().contains("customer_id"), "{e}");
    let e = s
        .execute(&cmd("GET /central/v2/sites"))
        .await
        .expect_err("held back");
    assert!(e.to_string().contains("next sign-in attempt in"), "{e}");
    assert_eq!(
        sim.login_attempts(),
        1,
        "the second call did not log in again"
    );
}
