//! The privacy mask on the dashboard, from engine events and keys through the real reducer
//! and renderer: `:mask`, `[mask]`, serials learned from events, and snapshots of masked
//! screens at 80x24 and 160x48 (devices, console, explorer, Central).

use std::time::Duration;

use crossterm::event::KeyCode;
use netdash::app::msg::Effect;
use netdash::app::state::Pane;
use netdash::engine::messages::{
    AccessPoint, DeviceFacts, EngineRequest, Event, Outcome, SessionState, SessionView, Site,
};
use netdash::kind::{AuthScheme, TargetKind};
use netdash::tui::testing::{Dashboard, t0};
use serde_json::json;

const CONFIG: &str = r#"
[mask]
patterns = ["(?i)acme-\\w+"]

[[devices]]
name = "spine-eos-01"
kind = "eos"
host = "10.0.0.1"
username = "admin"
password = "x"
tags = ["core"]

[[devices]]
name = "edge-asa-01"
kind = "asa"
host = "192.168.77.2:8443"
username = "admin"
password = "x"

[[central]]
name = "central-01"
region = "US-2"
client_id = "id"
client_secret = "s"
customer_id = "c"
access_token = "a"
refresh_token = "r"
"#;

const SHOW_IP_INTERFACE: &str = "Ethernet1 is up, line protocol is up (connected)
  Internet address is 10.20.30.40/31
  Broadcast address is 255.255.255.255
  IPv6 address is fe80::21c:73ff:fe00:1/64
  Address determined by manual configuration
  IP MTU 1500 bytes (default)
Management0 is up, line protocol is up (connected)
  Internet address is 172.16.9.101/24
";

const ASA_VERSION: &str = "Cisco Adaptive Security Appliance Software Version 9.18(2)
Device Manager Version 7.18(1)
Compiled on Mon 16-Jan-23 10:11 GMT by builders
Hardware:   ASAv, 2048 MB RAM, CPU Xeon E5 series 2600 MHz
Serial Number: 9AJDFJ8HP5Q
Configuration last modified by enable_15 at 16:36:37.123 UTC Mon Nov 30 2026
";

/// Every address, MAC and serial the screens below are fed.
const SECRETS: &[&str] = &[
    "10.0.0.1",
    "192.168.77.2",
    "10.20.30.40",
    "fe80::21c:73ff:fe00:1",
    "172.16.9.101",
    "9AJDFJ8HP5Q",
    "JPE14080457",
    "00:1c:73:aa:bb:01",
    "001c.73aa.bb02",
    "CNF7K3P0001",
    "00-1C-73-AA-BB-03",
    "10.1.0.10",
    "ACME-Dublin",
];

fn session(d: &mut Dashboard, target: &str, kind: TargetKind) {
    d.event(Event::Session {
        target: target.into(),
        kind,
        state: SessionState::Connected,
        session: SessionView {
            auth: AuthScheme::Basic,
            held: 1,
            per_user_limit: None,
            per_device_limit: None,
            since: Some(t0() - Duration::from_secs(60)),
            idle_deadline: None,
            hard_deadline: None,
            expires_at: None,
            relogins: 0,
            scope: None,
        },
    });
}

/// A run typed in the console; returns its id.
fn run(d: &mut Dashboard, line: &str) -> u64 {
    d.press(KeyCode::Char('3'));
    for c in line.chars() {
        d.press(KeyCode::Char(c));
    }
    let fx = d.press(KeyCode::Enter);
    d.press(KeyCode::Esc);
    fx.iter()
        .find_map(|e| match e {
            Effect::Engine(EngineRequest::Run { id, .. }) => Some(*id),
            _ => None,
        })
        .expect("a run")
}

fn answer(d: &mut Dashboard, id: u64, target: &str, kind: TargetKind, output: serde_json::Value) {
    let text = output.is_string();
    d.event(Event::Result {
        id,
        target: target.into(),
        kind,
        elapsed_ms: 4,
        outcome: Outcome::Ok {
            ok: true,
            output,
            notes: vec![],
            text,
        },
    });
}

/// Two devices and a Central account that answered, and three console runs.
fn dash() -> Dashboard {
    let mut d = Dashboard::from_config(CONFIG, true).expect("config");
    session(&mut d, "spine-eos-01", TargetKind::Eos);
    session(&mut d, "edge-asa-01", TargetKind::Asa);
    for (t, model, version, serial) in [
        ("spine-eos-01", "DCS-7050SX3", "4.28.0F", "JPE14080457"),
        ("edge-asa-01", "ASAv", "9.18(2)", "9AJDFJ8HP5Q"),
    ] {
        d.event(Event::Polled {
            target: t.into(),
            latency_ms: 3,
            facts: DeviceFacts {
                hostname: Some(t.into()),
                model: Some(model.into()),
                version: Some(version.into()),
                serial: Some(serial.into()),
                uptime_secs: Some(3600),
            },
        });
    }
    d.event(Event::Central {
        account: "central-01".into(),
        sites: vec![Site {
            id: "1".into(),
            name: "ACME-Dublin".into(),
            aps_up: 2,
            aps_down: 1,
        }],
        aps: (0..3u32)
            .map(|i| AccessPoint {
                name: format!("ap-{i:02}"),
                serial: format!("CNF7K3P{i:04}"),
                site: "ACME-Dublin".into(),
                model: "AP-535".into(),
                ip: format!("10.1.0.{}", 10 + i),
                mac: format!("00:1c:73:aa:bb:{:02x}", 0x10 + i),
                up: i != 1,
                clients: Some(3),
                firmware: "10.4.1.0_88123".into(),
            })
            .collect(),
        at: t0() - Duration::from_secs(4),
        calls: 2,
        next_at: t0() + Duration::from_secs(26),
    });
    // An answer whose serials carry no "serial" label: only the learned ones hide them.
    let z = run(&mut d, "@central-01 GET /monitoring/v2/aps");
    answer(
        &mut d,
        z,
        "central-01",
        TargetKind::Central,
        json!({"aps": [{"name": "ap-01", "sn": "CNF7K3P0001", "macaddr": "00-1C-73-AA-BB-03"}]}),
    );
    let a = run(&mut d, "@edge-asa-01 show version");
    answer(
        &mut d,
        a,
        "edge-asa-01",
        TargetKind::Asa,
        json!(ASA_VERSION),
    );
    let b = run(&mut d, "@spine-eos-01 show ip interface");
    answer(
        &mut d,
        b,
        "spine-eos-01",
        TargetKind::Eos,
        json!(SHOW_IP_INTERFACE),
    );
    let c = run(&mut d, "@spine-eos-01 show version");
    answer(
        &mut d,
        c,
        "spine-eos-01",
        TargetKind::Eos,
        json!({
            "modelName": "DCS-7050SX3",
            "version": "4.28.0F",
            "serialNumber": "JPE14080457",
            "systemMacAddress": "00:1c:73:aa:bb:01",
            "mgmt": {"ip": "10.0.0.1", "peerMac": "001c.73aa.bb02"},
            "bootupTimestamp": 1_700_000_000.5,
        }),
    );
    d.app.status = None;
    d
}

fn masked() -> Dashboard {
    let mut d = dash();
    d.app.mask.on = true;
    d
}

/// The console's newest result opened in the explorer, every node expanded.
fn explore_newest(d: &mut Dashboard) {
    open_result(d, 0);
    d.press(KeyCode::Char('e'));
}

/// The result `older` runs before the newest opened in the explorer (focused).
fn open_result(d: &mut Dashboard, older: usize) {
    d.press(KeyCode::Char('3'));
    d.press(KeyCode::Esc);
    for _ in 0..older {
        d.press(KeyCode::Up);
    }
    d.press(KeyCode::Enter);
    d.press(KeyCode::Char('4'));
}

#[test]
fn the_fixture_shows_every_secret_unmasked() {
    // So that the masked tests below can fail: without the mask, all of it is on screen.
    let mut seen = String::new();
    for (w, h) in [(80u16, 24u16), (160, 48)] {
        for pane in Pane::ALL {
            let mut d = dash();
            d.app.focus = pane;
            seen.push_str(&d.draw(w, h));
        }
        let mut d = dash();
        explore_newest(&mut d);
        seen.push_str(&d.draw(w, h));
        for older in 1..=3 {
            let mut d = dash();
            open_result(&mut d, older);
            d.press(KeyCode::Char('e'));
            seen.push_str(&d.draw(w, h));
        }
    }
    for s in SECRETS {
        assert!(seen.contains(s), "{s} is never drawn:\n{seen}");
    }
}

/// How to reach one screen from the fixture.
type Screen = Box<dyn Fn(&mut Dashboard)>;

#[test]
fn no_secret_survives_the_mask_on_any_pane() {
    // Each screen drawn twice: as is and masked.
    let screens: Vec<Screen> = vec![
        Box::new(|d| d.app.focus = Pane::Devices),
        Box::new(|d| d.app.focus = Pane::Sessions),
        Box::new(|d| d.app.focus = Pane::Console),
        Box::new(|d| d.app.focus = Pane::Explorer),
        Box::new(|d| d.app.focus = Pane::Central),
        Box::new(explore_newest),
        Box::new(|d| open_result(d, 1)),
        Box::new(|d| open_result(d, 2)),
        Box::new(|d| {
            open_result(d, 3);
            d.press(KeyCode::Char('e'));
        }),
    ];
    for (w, h) in [(80u16, 24u16), (160, 48)] {
        for go in &screens {
            let mut plain = dash();
            go(&mut plain);
            let plain = plain.draw(w, h);
            let mut d = masked();
            go(&mut d);
            let f = d.draw(w, h);
            assert!(f.contains(" MASKED "), "{f}");
            for s in SECRETS {
                assert!(!f.contains(s), "{s} survived at {w}x{h}:\n{f}");
            }
            // Versions, times and dates stay readable wherever they were drawn whole.
            for keep in [
                "4.28.0F",
                "9.18(2)",
                "7.18(1)",
                "10.4.1.0_88123",
                "16:36:37.123",
                "16-Jan-23",
                "1700000000.5",
            ] {
                assert_eq!(
                    plain.contains(keep),
                    f.contains(keep),
                    "{keep} at {w}x{h}:\n{plain}\n{f}"
                );
            }
        }
    }
}

#[test]
fn snapshots_of_masked_screens() {
    for (w, h) in [(80u16, 24u16), (160, 48)] {
        for pane in [Pane::Devices, Pane::Console, Pane::Central] {
            let mut d = masked();
            d.app.focus = pane;
            insta::assert_snapshot!(format!("{pane:?}_{w}x{h}").to_lowercase(), d.draw(w, h));
        }
        let mut d = masked();
        explore_newest(&mut d);
        insta::assert_snapshot!(format!("explorer_json_{w}x{h}"), d.draw(w, h));
        // The text answers: `show ip interface` and the ASA's `show version`.
        let mut d = masked();
        d.press(KeyCode::Char('3'));
        d.press(KeyCode::Esc);
        d.press(KeyCode::Up);
        d.press(KeyCode::Enter);
        insta::assert_snapshot!(format!("explorer_ip_interface_{w}x{h}"), d.draw(w, h));
        d.press(KeyCode::Char('3'));
        d.press(KeyCode::Esc);
        d.press(KeyCode::Up);
        d.press(KeyCode::Enter);
        insta::assert_snapshot!(format!("explorer_asa_version_{w}x{h}"), d.draw(w, h));
        let mut d = masked();
        open_result(&mut d, 3);
        d.press(KeyCode::Char('e'));
        insta::assert_snapshot!(format!("explorer_central_aps_{w}x{h}"), d.draw(w, h));
    }
}

#[test]
fn colon_mask_toggles_and_says_so() {
    let mut d = dash();
    assert!(!d.app.mask.on, "[mask] enabled defaults to off");
    let type_line = |d: &mut Dashboard, line: &str| {
        d.press(KeyCode::Char(':'));
        for c in line.chars() {
            d.press(KeyCode::Char(c));
        }
        d.press(KeyCode::Enter);
    };
    type_line(&mut d, "mask");
    assert!(d.app.mask.on);
    assert!(
        d.app
            .status
            .as_deref()
            .is_some_and(|s| s.starts_with("mask on")),
        "{:?}",
        d.app.status
    );
    let screen = d.draw(160, 48);
    assert!(
        screen.contains(" MASKED ") && !screen.contains("10.0.0.1"),
        "{screen}"
    );
    type_line(&mut d, "mask off");
    assert!(!d.app.mask.on);
    let screen = d.draw(160, 48);
    assert!(
        !screen.contains("MASKED") && screen.contains("10.0.0.1"),
        "{screen}"
    );
    type_line(&mut d, "mask on");
    assert!(d.app.mask.on);
    type_line(&mut d, "mask sideways");
    assert!(d.app.mask.on, "a bad argument changes nothing");
    assert!(
        d.app
            .status
            .as_deref()
            .is_some_and(|s| s.contains(":mask on")),
        "{:?}",
        d.app.status
    );
    type_line(&mut d, "nosuch");
    assert!(
        d.app.status.as_deref().is_some_and(|s| s.contains(":mask")),
        "the unknown-command hint lists :mask: {:?}",
        d.app.status
    );
}

#[test]
fn enabled_in_the_config_starts_masked() {
    let cfg = CONFIG.replace("[mask]\n", "[mask]\nenabled = true\n");
    let mut d = Dashboard::from_config(&cfg, true).expect("config");
    assert!(d.app.mask.on);
    assert!(!d.draw(160, 48).contains("10.0.0.1"));
}

#[test]
fn serials_are_learned_from_facts_and_central_aps() {
    let d = dash();
    for s in ["JPE14080457", "9AJDFJ8HP5Q", "CNF7K3P0000", "CNF7K3P0002"] {
        assert!(d.app.mask.known.contains(s), "{s} not learned");
    }
    // A learned serial is masked with no label beside it.
    let mut d = masked();
    d.app.status = Some("ap CNF7K3P0002 rebooted".into());
    let screen = d.draw(80, 24);
    assert!(
        !screen.contains("CNF7K3P0002") && screen.contains("ap ••••••••••• rebooted"),
        "{screen}"
    );
}

#[test]
fn the_mask_flag_is_global() {
    use clap::Parser;
    for args in [
        &["netdash", "--mask"][..],
        &["netdash", "--mask", "explore", "f.json"],
        &["netdash", "explore", "f.json", "--mask"],
        &["netdash", "demo", "--mask"],
    ] {
        let cli = netdash::cli::Cli::try_parse_from(args).expect("parses");
        assert!(cli.mask, "{args:?}");
    }
    let cli = netdash::cli::Cli::try_parse_from(["netdash"]).expect("parses");
    assert!(!cli.mask);
}

#[test]
fn exports_and_the_clipboard_are_not_masked() {
    // The mask is for the screen; files and the clipboard carry the real values.
    let mut d = masked();
    d.press(KeyCode::Char('1'));
    d.draw(160, 48);
    let fx = d.press(KeyCode::Char('w'));
    let csv = fx
        .iter()
        .find_map(|e| match e {
            Effect::Save { bytes, .. } => Some(String::from_utf8_lossy(bytes).into_owned()),
            _ => None,
        })
        .expect("the devices CSV");
    for real in ["10.0.0.1", "192.168.77.2", "JPE14080457", "9AJDFJ8HP5Q"] {
        assert!(csv.contains(real), "{real} not in the CSV:\n{csv}");
    }
    explore_newest(&mut d);
    // The root's first child is modelName; walk to serialNumber and copy it.
    for _ in 0..3 {
        d.press(KeyCode::Down);
    }
    let fx = d.press(KeyCode::Char('y'));
    assert!(
        fx.iter()
            .any(|e| matches!(e, Effect::Copy(s) if s.contains("JPE14080457"))),
        "{fx:?}"
    );
    assert!(!d.draw(80, 24).contains("JPE14080457"));
}
