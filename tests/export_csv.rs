//! CSV export read back by Python's `csv` module: RFC 4180 quoting of awkward device text,
//! formula-injection guards, and `netdash run --csv --select` against the lab.

mod common;

use common::py_csv_rows as py_rows;

use netdash::csv_export;
use serde_json::json;

#[test]
fn python_reads_back_awkward_text_and_formulas_are_defused() {
    let nasty = "a,b \"quoted\"\r\nnext line\tand é";
    let answers = vec![
        (
            "sw-1".to_string(),
            json!({"desc": nasty, "n": -3, "f": "=HYPERLINK(\"http://x\")"}),
        ),
        (
            "sw-2".to_string(),
            json!({"desc": "+1", "n": 1.5, "f": "@cmd"}),
        ),
    ];
    let (h, rows) = csv_export::results_table(&answers, None);
    let mut out = Vec::new();
    csv_export::write(&mut out, &h, &rows).expect("writes");
    assert!(String::from_utf8_lossy(&out).contains("\r\n"));
    assert_eq!(
        py_rows(&out),
        vec![
            vec!["target", "desc", "n", "f"],
            vec!["sw-1", nasty, "-3", "'=HYPERLINK(\"http://x\")"],
            vec!["sw-2", "'+1", "1.5", "'@cmd"],
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_csv_select_against_the_lab() {
    let mut o = common::only("eos");
    o.eos = 2;
    let t = common::start(o).await;
    let out = common::netdash(
        &t.config_path,
        &[
            "run",
            "--csv",
            "--select",
            ".modelName,.serialNumber",
            "@tag:eos",
            "--",
            "show version",
        ],
    )
    .await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    let rows = py_rows(out.stdout.as_bytes());
    assert_eq!(rows[0], vec!["target", ".modelName", ".serialNumber"]);
    assert_eq!(rows.len(), 3, "{rows:?}");
    assert_eq!(rows[1][0], "lab-eos-01");
    assert_eq!(rows[2][0], "lab-eos-02");
    assert_eq!(rows[1][2], "LAB00000001");
    assert!(!rows[1][1].is_empty());
    // A bad --select is one clear line and exit 2, before anything is sent.
    let bad = common::netdash(
        &t.config_path,
        &[
            "run",
            "--csv",
            "--select",
            "modelName",
            "@all",
            "--",
            "show version",
        ],
    )
    .await;
    assert_eq!(bad.code, 2);
    assert!(bad.stderr.contains("--select"), "{}", bad.stderr);
}

const CONFIG: &str = r#"
[[devices]]
name = "=evil"
kind = "eos"
host = "10.0.0.1"
username = "admin"
password = "x"

[[devices]]
name = "edge-asa-01"
kind = "asa"
host = "10.0.0.2"
username = "admin"
password = "x"
tags = ["edge", "dmz"]

[[central]]
name = "acme-central"
region = "US-2"
client_id = "id"
client_secret = "s"
customer_id = "c"
access_token = "a"
refresh_token = "r"
"#;

#[test]
fn w_in_the_device_list_saves_a_csv_python_reads() {
    use crossterm::event::KeyCode;
    use netdash::app::msg::Effect;
    let mut d = netdash::tui::testing::Dashboard::from_config(CONFIG, true).expect("config");
    d.press(KeyCode::Char('1'));
    let fx = d.press(KeyCode::Char('w'));
    let Some(Effect::Save { path, bytes }) =
        fx.into_iter().find(|e| matches!(e, Effect::Save { .. }))
    else {
        panic!("w saves");
    };
    assert!(
        path.starts_with("netdash-devices-")
            && std::path::Path::new(&path)
                .extension()
                .is_some_and(|e| e == "csv"),
        "{path}"
    );
    let rows = py_rows(&bytes);
    assert_eq!(rows[0][0], "name");
    let names: Vec<&str> = rows[1..].iter().map(|r| r[0].as_str()).collect();
    assert!(names.contains(&"'=evil"), "{names:?}");
    assert!(names.contains(&"edge-asa-01"), "{names:?}");
    assert!(rows.iter().any(|r| r[8] == "edge dmz"), "{rows:?}");
}

#[test]
fn w_in_the_central_pane_saves_the_ap_table() {
    use crossterm::event::KeyCode;
    use netdash::app::msg::Effect;
    use netdash::engine::messages::{AccessPoint, Event};
    let mut d = netdash::tui::testing::Dashboard::from_config(CONFIG, true).expect("config");
    d.event(Event::Central {
        account: "acme-central".into(),
        sites: vec![],
        aps: (0..3u32)
            .map(|i| AccessPoint {
                name: format!("ap-{i}"),
                serial: format!("CN{i}"),
                site: "HQ, \"main\"".into(),
                model: "AP-535".into(),
                ip: format!("10.1.0.{i}"),
                up: i != 1,
                mac: format!("00:1a:1e:00:00:{i:02x}"),
                clients: Some(u64::from(i)),
                firmware: "=cmd|' /C calc'!A0".into(),
            })
            .collect(),
        at: netdash::tui::testing::t0(),
        calls: 2,
        next_at: netdash::tui::testing::t0(),
    });
    d.press(KeyCode::Char('5'));
    let fx = d.press(KeyCode::Char('w'));
    let Some(Effect::Save { path, bytes }) =
        fx.into_iter().find(|e| matches!(e, Effect::Save { .. }))
    else {
        panic!("w saves");
    };
    assert!(path.starts_with("netdash-aps-"), "{path}");
    let rows = py_rows(&bytes);
    assert_eq!(rows[0][..3], ["account", "name", "site"]);
    assert_eq!(rows.len(), 4);
    // Down APs first, as the pane shows them.
    assert_eq!(rows[1][1], "ap-1");
    assert_eq!(rows[1][5], "down");
    assert_eq!(rows[1][2], "HQ, \"main\"");
    assert_eq!(rows[1][7], "'=cmd|' /C calc'!A0");
}
