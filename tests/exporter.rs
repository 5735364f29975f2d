//! `netdash exporter` scraped by a real Prometheus: the Debian package's `prometheus` and
//! `promtool`, unpacked under `target/prometheus` on first use (never installed: the
//! package's service would listen on 0.0.0.0:9090). Two exporter shards split the lab; one
//! is scraped as a static target, the other through its `/sd` (one target per device), and
//! Prometheus's own query API must show every lab device exactly once, and the Central
//! budget.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde_json::Value;
use tokio::io::{AsyncBufReadExt, BufReader};

/// The alert rules README's "NOC" section gives, read from README itself (the yaml block
/// that starts with `groups:`), so what people copy is what Prometheus and promtool check.
fn rules() -> String {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
        .expect("README.md");
    let block = readme
        .split("```yaml\n")
        .skip(1)
        .filter_map(|b| b.split("```").next())
        .find(|b| b.starts_with("groups:"))
        .expect("README has the alert rules (a yaml block starting with groups:)");
    assert!(block.contains("NetdashDeviceDown") && block.contains("NetdashCentralDailyBudgetLow"));
    block.to_string()
}

/// Serialises the first-use fetch between the tests of this binary.
static FETCH: Mutex<()> = Mutex::new(());

/// `target/prometheus/usr/bin/{prometheus,promtool}`, fetched with `apt-get download` and
/// unpacked with `dpkg-deb -x` the first time (`.ci/run` does the same ahead of the tests).
fn prometheus_dir() -> PathBuf {
    let _one = FETCH
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("target");
    let dir = root.join("prometheus");
    let bin = dir.join("usr/bin");
    if bin.join("prometheus").exists() && bin.join("promtool").exists() {
        return bin;
    }
    let work = tempfile::Builder::new()
        .prefix("prometheus-fetch-")
        .tempdir_in(&root)
        .expect("temp dir under target/");
    let download = || {
        Command::new("apt-get")
            .args(["download", "-qq", "prometheus"])
            .current_dir(work.path())
            .output()
            .expect("apt-get runs")
    };
    let mut out = download();
    if !out.status.success() {
        // A fresh machine has no package lists yet.
        let up = Command::new("apt-get")
            .args(["update", "-qq"])
            .status()
            .expect("apt-get update runs");
        assert!(up.success(), "apt-get update failed");
        out = download();
    }
    assert!(
        out.status.success(),
        "apt-get download prometheus failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let deb = std::fs::read_dir(work.path())
        .expect("read dir")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|e| e == "deb"))
        .expect("a .deb was downloaded");
    let unpacked = work.path().join("root");
    let st = Command::new("dpkg-deb")
        .arg("-x")
        .arg(&deb)
        .arg(&unpacked)
        .status()
        .expect("dpkg-deb runs");
    assert!(st.success(), "dpkg-deb -x failed");
    // Whole or not at all: a half-unpacked tree must not pass for a cached one.
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::rename(&unpacked, &dir).expect("moved into target/prometheus");
    bin
}

/// Child processes killed when the test ends, however it ends (a failed assert too).
#[derive(Default)]
struct Reaper(Vec<std::process::Child>);

impl Drop for Reaper {
    fn drop(&mut self) {
        for c in &mut self.0 {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

/// An exporter on a free port; returns the child and its address (from its first line).
async fn exporter(dir: &Path, config: &Path, args: &[&str]) -> (tokio::process::Child, String) {
    let mut child = common::netdash_cmd(dir)
        .arg("--config")
        .arg(config)
        .args(["exporter", "--listen", "127.0.0.1:0"])
        .args(args)
        .spawn()
        .expect("exporter starts");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let first = tokio::time::timeout(Duration::from_secs(30), lines.next_line())
        .await
        .expect("exporter says where it listens")
        .expect("read")
        .expect("a line");
    let addr = first
        .split("http://")
        .nth(1)
        .and_then(|r| r.strip_suffix("/metrics"))
        .unwrap_or_else(|| panic!("no address in {first:?}"))
        .to_string();
    // Keep draining stdout so the exporter never blocks on a full pipe.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    (child, addr)
}

/// Prometheus's answer to an instant query: (labels, value) per series.
async fn query(
    http: &reqwest::Client,
    prom: &str,
    q: &str,
) -> Vec<(BTreeMap<String, String>, String)> {
    let Ok(r) = http
        .get(format!("http://{prom}/api/v1/query"))
        .query(&[("query", q)])
        .send()
        .await
    else {
        return Vec::new(); // not listening yet
    };
    let Ok(v) = r.json::<Value>().await else {
        return Vec::new();
    };
    v["data"]["result"]
        .as_array()
        .map(|rs| {
            rs.iter()
                .map(|s| {
                    let labels = s["metric"]
                        .as_object()
                        .map(|m| {
                            m.iter()
                                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or("").to_string()))
                                .collect()
                        })
                        .unwrap_or_default();
                    (labels, s["value"][1].as_str().unwrap_or("").to_string())
                })
                .collect()
        })
        .unwrap_or_default()
}

async fn sd_names(http: &reqwest::Client, addr: &str) -> Vec<String> {
    let v: Value = http
        .get(format!("http://{addr}/sd"))
        .send()
        .await
        .expect("sd answers")
        .json()
        .await
        .expect("sd is JSON");
    v.as_array()
        .expect("an array of target groups")
        .iter()
        .map(|g| {
            assert_eq!(g["targets"], serde_json::json!([addr]), "{g}");
            assert_eq!(g["labels"]["__param_target"], g["labels"]["device"]);
            g["labels"]["device"].as_str().expect("device").to_string()
        })
        .collect()
}

/// Every secret the lab config holds, and every token pair the exporters stored.
fn secrets(config: &str, data: &Path) -> Vec<String> {
    let mut out: Vec<String> = config
        .lines()
        .filter_map(|l| {
            let (k, v) = l.split_once(" = ")?;
            ["password", "client_secret", "access_token", "refresh_token"]
                .contains(&k)
                .then(|| v.trim_matches('"').to_string())
        })
        .collect();
    let mut dirs = vec![data.to_path_buf()];
    while let Some(d) = dirs.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                dirs.push(p);
            } else if let Ok(v) =
                serde_json::from_slice::<Value>(&std::fs::read(&p).unwrap_or_default())
            {
                for k in ["access_token", "refresh_token"] {
                    if let Some(t) = v[k].as_str() {
                        out.push(t.to_string());
                    }
                }
            }
        }
    }
    out.retain(|s| s.len() >= 6);
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prometheus_scrapes_two_shards_that_cover_the_lab_once() {
    let bin = tokio::task::spawn_blocking(prometheus_dir)
        .await
        .expect("fetch");
    let t = common::start(netdash::lab::LabOptions::default()).await;
    // Poll every second so the first scrapes find polled devices.
    let cfg = std::fs::read_to_string(&t.config_path).expect("config");
    let cfg = cfg.replace("poll_interval_secs = 10", "poll_interval_secs = 1");
    assert!(cfg.contains("poll_interval_secs = 1\n"), "{cfg}");
    std::fs::write(&t.config_path, cfg).expect("config written");
    let all: BTreeSet<String> = t.lab.devices.iter().map(|d| d.name.clone()).collect();
    assert!(all.len() >= 6, "{all:?}");

    let (ex0, addr0) = exporter(t.dir.path(), &t.config_path, &["--shard", "0/2"]).await;
    let (ex1, addr1) = exporter(t.dir.path(), &t.config_path, &["--shard", "1/2"]).await;
    let http = reqwest::Client::new();

    // The shards' /sd lists split the lab: together every device, none twice.
    let s0 = sd_names(&http, &addr0).await;
    let s1 = sd_names(&http, &addr1).await;
    let mut both: Vec<String> = s0.iter().chain(&s1).cloned().collect();
    both.sort();
    assert_eq!(
        both,
        all.iter().cloned().collect::<Vec<_>>(),
        "{s0:?} {s1:?}"
    );
    assert!(!s0.is_empty() && !s1.is_empty(), "{s0:?} {s1:?}");

    // Content negotiation at the HTTP edge.
    let plain = http
        .get(format!("http://{addr0}/metrics"))
        .send()
        .await
        .expect("metrics");
    assert_eq!(
        plain.headers()["content-type"],
        "text/plain; version=0.0.4; charset=utf-8"
    );
    assert!(!plain.text().await.expect("body").contains("# EOF"));
    let om = http
        .get(format!("http://{addr0}/metrics"))
        .header(
            "accept",
            "application/openmetrics-text;version=1.0.0,text/plain;q=0.5",
        )
        .send()
        .await
        .expect("metrics");
    assert_eq!(
        om.headers()["content-type"],
        "application/openmetrics-text; version=1.0.0; charset=utf-8"
    );
    assert!(om.text().await.expect("body").ends_with("# EOF\n"));
    let other = s1.first().expect("a device in shard 1");
    let missing = http
        .get(format!("http://{addr0}/metrics"))
        .query(&[("target", other)])
        .send()
        .await
        .expect("metrics");
    assert_eq!(missing.status(), 404, "shard 0 does not serve {other}");

    // A real Prometheus: shard 0 as one static target, shard 1 one target per device.
    let work = tempfile::tempdir().expect("tempdir");
    std::fs::write(work.path().join("rules.yml"), rules()).expect("rules");
    // README's "NOC" scrape configs: shard 0 static, shard 1 from its /sd.
    let prom_cfg = r"global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
rule_files: [rules.yml]
scrape_configs:
  - job_name: netdash
    static_configs:
      - targets: ['ADDR0']
  - job_name: netdash-devices
    honor_labels: true
    http_sd_configs:
      - url: 'http://ADDR1/sd'
        refresh_interval: 1s
    relabel_configs:
      - source_labels: [__param_target]
        target_label: instance
"
    .replace("ADDR0", &addr0)
    .replace("ADDR1", &addr1);
    std::fs::write(work.path().join("prometheus.yml"), &prom_cfg).expect("prometheus.yml");
    let port = free_port();
    let prom = format!("127.0.0.1:{port}");
    let mut reaper = Reaper::default();
    reaper.0.push(
        Command::new(bin.join("prometheus"))
            .arg(format!(
                "--config.file={}",
                work.path().join("prometheus.yml").display()
            ))
            .arg(format!(
                "--storage.tsdb.path={}",
                work.path().join("data").display()
            ))
            .arg(format!("--web.listen-address={prom}"))
            .current_dir(work.path())
            .stdout(std::process::Stdio::null())
            .stderr(std::fs::File::create(work.path().join("prometheus.log")).expect("log"))
            .spawn()
            .expect("prometheus starts"),
    );

    let deadline = Instant::now() + Duration::from_secs(120);
    let (up, budget) = loop {
        let up = query(&http, &prom, "netdash_device_up").await;
        let budget = query(
            &http,
            &prom,
            "netdash_central_calls_daily_remaining / netdash_central_calls_daily_limit",
        )
        .await;
        let seen: BTreeSet<&str> = up
            .iter()
            .filter(|(_, v)| v == "1")
            .filter_map(|(l, _)| l.get("device").map(String::as_str))
            .collect();
        let first_budget = budget
            .iter()
            .any(|(l, _)| l.get("account").map(String::as_str) == Some("lab-central-01"));
        if seen.len() == all.len() && first_budget {
            break (up, budget);
        }
        assert!(
            Instant::now() < deadline,
            "Prometheus never saw every device up and the Central budget: up {up:?}, budget {budget:?}\nlog:\n{}",
            std::fs::read_to_string(work.path().join("prometheus.log")).unwrap_or_default()
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    // Every device exactly once, from the shard that owns it.
    let mut per_device: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (l, _) in &up {
        assert!(!l.contains_key("exported_device"), "{l:?}");
        per_device
            .entry(l["device"].as_str())
            .or_default()
            .push(l["job"].as_str());
    }
    assert_eq!(
        per_device.keys().copied().collect::<BTreeSet<_>>(),
        all.iter().map(String::as_str).collect(),
        "{up:?}"
    );
    for (device, jobs) in &per_device {
        let want = if s0.iter().any(|n| n == device) {
            "netdash"
        } else {
            "netdash-devices"
        };
        assert_eq!(jobs, &vec![want], "{device} scraped as {jobs:?}");
    }
    // Per-device targets are named after their device.
    for (l, _) in up.iter().filter(|(l, _)| l["job"] == "netdash-devices") {
        assert_eq!(l["instance"], l["device"], "{l:?}");
    }
    // The lab has two Central accounts (lab-central-02 with its own, smaller limits).
    let (_, ratio) = budget
        .iter()
        .find(|(l, _)| l.get("account").map(String::as_str) == Some("lab-central-01"))
        .expect("lab-central-01's budget");
    let ratio: f64 = ratio.parse().expect("a number");
    assert!(ratio > 0.5 && ratio <= 1.0, "{ratio}");
    let per_second = query(&http, &prom, "netdash_central_calls_per_second_limit").await;
    let mut limits: Vec<(&str, &str)> = per_second
        .iter()
        .filter_map(|(l, v)| Some((l.get("account")?.as_str(), v.as_str())))
        .collect();
    limits.sort_unstable();
    assert_eq!(
        limits,
        [("lab-central-01", "7"), ("lab-central-02", "5")],
        "{per_second:?}"
    );
    // The Conductor's AP database, by AP group: the lab's 30 APs, 3 of them down.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let aps = query(
            &http,
            &prom,
            "sum by (conductor, status) (netdash_conductor_aps)",
        )
        .await;
        let mut got: Vec<(&str, &str, &str)> = aps
            .iter()
            .filter_map(|(l, v)| {
                Some((
                    l.get("conductor")?.as_str(),
                    l.get("status")?.as_str(),
                    v.as_str(),
                ))
            })
            .collect();
        got.sort_unstable();
        if got == [("lab-mc-01", "down", "3"), ("lab-mc-01", "up", "27")] {
            break;
        }
        assert!(Instant::now() < deadline, "conductor APs: {aps:?}");
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    // The rules loaded, and nothing is firing on a healthy lab.
    let rules: Value = http
        .get(format!("http://{prom}/api/v1/rules"))
        .send()
        .await
        .expect("rules")
        .json()
        .await
        .expect("json");
    let names: Vec<&str> = rules["data"]["groups"][0]["rules"]
        .as_array()
        .expect("rules loaded")
        .iter()
        .filter_map(|r| r["name"].as_str())
        .collect();
    assert_eq!(names, ["NetdashDeviceDown", "NetdashCentralDailyBudgetLow"]);
    drop(reaper);

    // No password, client secret or token in anything the exporters serve or print.
    let mut seen = String::new();
    for addr in [&addr0, &addr1] {
        seen += &sd_names(&http, addr).await.join(" ");
        for accept in ["application/openmetrics-text", "text/plain"] {
            let r = http
                .get(format!("http://{addr}/metrics"))
                .header("accept", accept)
                .send()
                .await
                .expect("metrics");
            seen += &r.text().await.expect("body");
        }
    }
    // Shutdown logs every session out, as `watch` does.
    for ex in [ex0, ex1] {
        common::signal(&ex, "-TERM");
        let out = tokio::time::timeout(Duration::from_secs(15), ex.wait_with_output())
            .await
            .expect("exporter stops")
            .expect("output");
        assert!(out.status.success(), "{}", out.status);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("sessions logged out, 0 failed"), "{err}");
        seen += &err;
    }
    assert_eq!(t.lab.open_sessions(), 0, "sessions left open");
    let config = std::fs::read_to_string(&t.config_path).expect("config");
    let secrets = secrets(&config, &t.dir.path().join("data"));
    assert!(secrets.len() >= 8, "{secrets:?}");
    for secret in &secrets {
        assert!(!seen.contains(secret.as_str()), "a secret leaked");
    }
}

#[test]
fn promtool_accepts_the_alert_rules() {
    let bin = prometheus_dir();
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("netdash.rules.yml");
    std::fs::write(&path, rules()).expect("rules");
    let out = Command::new(bin.join("promtool"))
        .args(["check", "rules"])
        .arg(&path)
        .output()
        .expect("promtool runs");
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{said}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(said.contains("SUCCESS: 2 rules found"), "{said}");
}

#[tokio::test]
async fn bad_shard_and_taken_port_are_one_line_each() {
    let t = common::start(common::only("eos")).await;
    let bad = common::netdash(&t.config_path, &["exporter", "--shard", "2/2"]).await;
    assert_eq!(bad.code, 2, "{}", bad.stderr);
    assert_eq!(bad.stderr.lines().count(), 1, "{}", bad.stderr);
    assert!(bad.stderr.contains("0 to N-1"), "{}", bad.stderr);

    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = taken.local_addr().expect("addr").to_string();
    let busy = common::netdash(&t.config_path, &["exporter", "--listen", &addr]).await;
    assert_eq!(busy.code, 1, "{}", busy.stderr);
    assert_eq!(busy.stderr.lines().count(), 1, "{}", busy.stderr);
    assert!(
        busy.stderr.contains(&format!("cannot listen on {addr}"))
            && busy.stderr.contains("--listen"),
        "{}",
        busy.stderr
    );
    // Nothing was logged in to for an exporter that could not start.
    assert_eq!(t.lab.open_sessions(), 0);
}

/// `netdash_central_token_refreshes_total` counts what the gateway counts: with 8-second
/// tokens the exporter renews every few seconds, and its figure catches up with the lab's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn token_refreshes_match_the_gateways_count() {
    use netdash::lab::Sim;
    let mut opts = common::only("central");
    opts.lifetimes.central_access = Duration::from_secs(8);
    // Room enough that polling is never stretched to spare the quota.
    opts.limits.central_daily = 10_000_000;
    let t = common::start(opts).await;
    let Sim::Central(sim) = &t.lab.first("central").expect("central").sim else {
        panic!("not central");
    };
    let cfg = std::fs::read_to_string(&t.config_path).expect("config");
    std::fs::write(
        &t.config_path,
        cfg.replace("poll_interval_secs = 10", "poll_interval_secs = 1"),
    )
    .expect("config written");
    let (mut ex, addr) = exporter(t.dir.path(), &t.config_path, &[]).await;
    let http = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let body = http
            .get(format!("http://{addr}/metrics"))
            .query(&[("target", "lab-central-01")])
            .send()
            .await
            .expect("metrics")
            .text()
            .await
            .expect("body");
        let ours: Option<u64> = body
            .lines()
            .find_map(|l| {
                l.strip_prefix("netdash_central_token_refreshes_total{account=\"lab-central-01\"} ")
            })
            .and_then(|v| v.parse().ok());
        let theirs = sim.refreshes();
        if ours == Some(theirs) && theirs >= 3 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "never matched: ours {ours:?}, the gateway's {theirs}"
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    common::signal(&ex, "-TERM");
    let st = tokio::time::timeout(Duration::from_secs(15), ex.wait())
        .await
        .expect("exporter stops")
        .expect("status");
    assert!(st.success(), "{st}");
}
