//! `netdash run --compare` as a process against the lab: two EOS switches made to report
//! different versions (the lab's `eos_versions` and `set_eos_version`), exit 0 when the
//! answers are equal after ignoring volatile fields, 1 when they differ or a target fails,
//! the `--json` document, and a lab flag naming a switch it does not have.

mod common;

use netdash::lab::LabOptions;
use netdash::lab::faults::Fault;
use serde_json::Value;

use common::netdash;

fn two_eos() -> LabOptions {
    LabOptions {
        eos: 2,
        ..LabOptions::none()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn equal_answers_exit_0_and_a_changed_version_exits_1() {
    let tl = common::start(two_eos()).await;
    let cfg = &tl.config_path;

    // The two switches differ only in serial, MAC, uptime and free memory: all ignored.
    let o = netdash(
        cfg,
        &["run", "--compare", "@tag:eos", "--", "show", "version"],
    )
    .await;
    assert_eq!(o.code, 0, "{}\n{}", o.stdout, o.stderr);
    assert!(o.stdout.starts_with("all 2 identical\n"), "{}", o.stdout);
    assert!(
        o.stdout.contains(".serialNumber"),
        "says what it ignored: {}",
        o.stdout
    );

    // At run time, one switch is upgraded.
    assert!(tl.lab.set_eos_version("lab-eos-02", "4.31.1F"));
    let o = netdash(
        cfg,
        &["run", "--compare", "@tag:eos", "--", "show", "version"],
    )
    .await;
    assert_eq!(o.code, 1, "{}\n{}", o.stdout, o.stderr);
    assert!(
        o.stdout.starts_with("1 identical, 1 differs: lab-eos-02\n"),
        "{}",
        o.stdout
    );
    assert!(
        o.stdout.contains(
            "  ~ .version: \"4.30.0F-31408673.4300F (engineering build)\" -> \"4.31.1F\"\n"
        ),
        "{}",
        o.stdout
    );
    assert!(o.stdout.contains("  ~ .internalVersion:"), "{}", o.stdout);

    // The same as one JSON document.
    let o = netdash(
        cfg,
        &[
            "run",
            "--compare",
            "--json",
            "@tag:eos",
            "--",
            "show",
            "version",
        ],
    )
    .await;
    assert_eq!(o.code, 1, "{}\n{}", o.stdout, o.stderr);
    let doc: Value = serde_json::from_str(o.stdout.trim()).expect("one JSON document");
    assert_eq!(doc["equal"], false);
    assert_eq!(doc["groups"][0]["targets"][0], "lab-eos-01");
    assert_eq!(doc["groups"][0]["reference"], true);
    let change = &doc["groups"][1]["changes"][0];
    assert_eq!(change["op"], "changed");
    assert_eq!(change["path"], ".version");
    assert_eq!(change["to"], "4.31.1F");

    // Text answers (eAPI reruns a show without a JSON model as text) get a line diff.
    let o = netdash(
        cfg,
        &[
            "run",
            "--compare",
            "@tag:eos",
            "--",
            "show",
            "running-config",
        ],
    )
    .await;
    assert_eq!(o.code, 1, "{}\n{}", o.stdout, o.stderr);
    assert!(
        o.stdout.contains("1 changed line") || o.stdout.contains("2 changed lines"),
        "{}",
        o.stdout
    );
    assert!(
        o.stdout.contains(" | hostname lab-eos-01\n"),
        "{}",
        o.stdout
    );
    assert!(
        o.stdout.contains(" | hostname lab-eos-02\n"),
        "{}",
        o.stdout
    );

    assert_eq!(tl.lab.open_sessions(), 0, "every session logged out");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn versions_set_at_start_and_a_failed_target_is_its_own_group() {
    let mut opts = two_eos();
    opts.eos = 3;
    opts.eos_versions = vec![("lab-eos-03".into(), "4.32.0F".into())];
    let tl = common::start(opts).await;
    let cfg = &tl.config_path;
    let failing = tl
        .lab
        .devices
        .iter()
        .find(|d| d.name == "lab-eos-02")
        .expect("lab-eos-02");
    failing.faults.set(Some(Fault::Error500));
    let o = netdash(
        cfg,
        &["run", "--compare", "@tag:eos", "--", "show", "version"],
    )
    .await;
    assert_eq!(o.code, 1, "{}\n{}", o.stdout, o.stderr);
    assert!(
        o.stdout
            .starts_with("1 identical, 1 differs: lab-eos-03, 1 failed: lab-eos-02\n"),
        "{}",
        o.stdout
    );
    assert!(
        o.stdout
            .contains("== failed (1): lab-eos-02\n  lab-eos-02: "),
        "{}",
        o.stdout
    );
    failing.faults.set(None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lab_version_for_a_switch_it_lacks_is_a_usage_error() {
    let dir = tempfile::tempdir().expect("tmp");
    let cfg = dir.path().join("none.toml");
    let o = netdash(&cfg, &["lab", "--eos-version", "lab-eos-09=4.31.1F"]).await;
    assert_eq!(o.code, 2, "{}\n{}", o.stdout, o.stderr);
    assert!(o.stderr.contains("lab-eos-09"), "{}", o.stderr);
    let o = netdash(&cfg, &["lab", "--eos-version", "lab-eos-01"]).await;
    assert_eq!(o.code, 2, "{}", o.stderr);
    assert!(o.stderr.contains("DEVICE=VERSION"), "{}", o.stderr);
}
