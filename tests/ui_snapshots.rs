//! Every pane at 80x24 and 160x48, drawn with ratatui's `TestBackend` from engine events
//! (no network). Time is fixed, so countdowns and the clock are stable.

use std::time::Duration;

use crossterm::event::KeyCode;
use netdash::app::state::Pane;
use netdash::app::update::Msg;
use netdash::engine::messages::{
    AccessPoint, Budget, DeviceFacts, Event, Outcome, SessionState, SessionView, Site,
};
use netdash::kind::{AuthScheme, TargetKind};
use netdash::tui::testing::{Dashboard, t0};
use serde_json::json;

const CONFIG: &str = r#"
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
host = "10.0.0.2"
username = "admin"
password = "x"
tags = ["edge"]

[[devices]]
name = "access-cx-01"
kind = "aoscx"
host = "10.0.0.3"
username = "admin"
password = "x"
tags = ["access"]

[[devices]]
name = "mc-01"
kind = "arubaos"
host = "10.0.0.4"
username = "admin"
password = "x"

[[central]]
name = "acme-central"
region = "US-2"
client_id = "id"
client_secret = "s"
customer_id = "c"
access_token = "a"
refresh_token = "r"
"#;

fn view(
    auth: AuthScheme,
    held: u32,
    idle: Option<u64>,
    hard: Option<u64>,
    limit: Option<u32>,
) -> SessionView {
    SessionView {
        auth,
        held,
        per_user_limit: limit,
        per_device_limit: None,
        since: Some(t0() - Duration::from_secs(60)),
        idle_deadline: idle.map(|s| t0() + Duration::from_secs(s)),
        hard_deadline: hard.map(|s| t0() + Duration::from_secs(s)),
        expires_at: None,
        relogins: 0,
        scope: (auth == AuthScheme::Bearer).then_some("read"),
    }
}

/// The dashboard every snapshot starts from: sessions, polls, an alarm, a Central account and
/// a console run with two results, all from engine events.
fn dash() -> Dashboard {
    let mut d = Dashboard::from_config(CONFIG, true).expect("config");
    let mut feed = |m: Msg| {
        d.send(m);
    };
    let session = |target: &str, kind: TargetKind, state: SessionState, v: SessionView| {
        Msg::Engine(Event::Session {
            target: target.into(),
            kind,
            state,
            session: v,
        })
    };
    feed(session(
        "spine-eos-01",
        TargetKind::Eos,
        SessionState::Connected,
        view(AuthScheme::Basic, 0, None, None, None),
    ));
    feed(session(
        "edge-asa-01",
        TargetKind::Asa,
        SessionState::Connected,
        view(AuthScheme::XAuthToken, 1, Some(1140), None, Some(25)),
    ));
    feed(session(
        "access-cx-01",
        TargetKind::Aoscx,
        SessionState::Connected,
        view(AuthScheme::CookieCsrf, 1, Some(250), Some(28_000), Some(6)),
    ));
    feed(session(
        "mc-01",
        TargetKind::Arubaos,
        SessionState::BackingOff {
            reason: "cannot reach 10.0.0.4:4343 (connection refused)".into(),
            retry_at: t0() + Duration::from_secs(8),
        },
        view(AuthScheme::Uidaruba, 0, None, None, None),
    ));
    // A wall screen's read-only sign-in: the Sessions pane shows the token's scope.
    feed(session(
        "acme-central",
        TargetKind::Central,
        SessionState::Connected,
        view(AuthScheme::Bearer, 0, None, None, None),
    ));
    // The engine raises an alarm when a device goes down.
    feed(Msg::Engine(Event::Alarm {
        target: "mc-01".into(),
        what: "down",
        message: "cannot reach 10.0.0.4:4343 (connection refused)".into(),
        raised: true,
    }));
    for (t, lat, model, ver) in [
        ("spine-eos-01", [3, 4, 9, 3], "cEOSLab", "4.30.0F"),
        ("edge-asa-01", [12, 11, 15, 14], "ASAv", "9.4(1)205"),
        ("access-cx-01", [20, 22, 19, 40], "8325", "GL.10.09.1010"),
    ] {
        for l in lat {
            feed(Msg::Engine(Event::Polled {
                target: t.into(),
                latency_ms: l,
                facts: DeviceFacts {
                    hostname: Some(t.into()),
                    model: Some(model.into()),
                    version: Some(ver.into()),
                    serial: None,
                    uptime_secs: Some(3600),
                },
            }));
        }
    }
    feed(Msg::Engine(Event::Budget {
        account: "acme-central".into(),
        budget: Budget {
            per_second_limit: 7,
            used_this_second: 6,
            background_waiting: 2,
            limit_day: Some(5000),
            remaining_day: Some(700),
            throttled: 1,
            token_refreshes: 0,
            token_expires_at: Some(t0() + Duration::from_secs(5400)),
            last_refresh: Some(t0() - Duration::from_secs(1800)),
        },
    }));
    feed(Msg::Engine(Event::Central {
        account: "acme-central".into(),
        sites: vec![
            Site {
                id: "1".into(),
                name: "HQ".into(),
                aps_up: 18,
                aps_down: 2,
            },
            Site {
                id: "2".into(),
                name: "Branch-East".into(),
                aps_up: 6,
                aps_down: 0,
            },
        ],
        aps: (0..8u32)
            .map(|i| AccessPoint {
                name: format!("ap-{i:02}"),
                serial: format!("CN{i:06}"),
                site: if i < 5 {
                    "HQ".into()
                } else {
                    "Branch-East".into()
                },
                model: "AP-535".into(),
                ip: format!("10.1.0.{}", 10 + i),
                up: i % 4 != 1,
                mac: format!("20:4c:03:00:00:{i:02x}"),
                clients: Some(3 * u64::from(i)),
                firmware: "10.4.1.0".into(),
            })
            .collect(),
        at: t0() - Duration::from_secs(14),
        calls: 2,
        next_at: t0() + Duration::from_secs(16),
    }));
    // A console run with two results.
    d.app
        .console
        .transcript
        .push_back(netdash::app::state::Transcript {
            id: 1,
            line: "@tag:core show version".into(),
            at: t0(),
            total: 0,
            done: 0,
            failed: 0,
            results: vec![],
            note: None,
        });
    d.event(Event::RunStarted {
        id: 1,
        line: "show version".into(),
        total: 2,
        skipped: vec![],
    });
    d.event(Event::Result {
            id: 1,
            target: "spine-eos-01".into(),
            kind: TargetKind::Eos,
            elapsed_ms: 7,
            outcome: Outcome::Ok {
                ok: true,
                output: json!({"modelName": "cEOSLab", "version": "4.30.0F", "vlans": {"3": {"interfaces": ["Et1", "Et2"]}}}),
                notes: vec![],
                text: false,
            },
        });
    d.event(Event::Result {
        id: 1,
        target: "mc-01".into(),
        kind: TargetKind::Arubaos,
        elapsed_ms: 3001,
        outcome: Outcome::Err { ok: false, error: "no answer from 10.0.0.4:4343 within 3 s; the device is slow or unreachable, retry later".into() },
    });
    d.event(Event::Progress {
        id: 1,
        done: 2,
        failed: 1,
        total: 2,
    });
    d.app.status = None;
    d
}

#[test]
fn every_pane_at_both_sizes() {
    for (w, h) in [(80u16, 24u16), (160, 48)] {
        for pane in Pane::ALL {
            let mut a = dash();
            a.app.focus = pane;
            insta::assert_snapshot!(format!("{pane:?}_{w}x{h}").to_lowercase(), a.draw(w, h));
        }
    }
}

#[test]
fn explorer_expands_and_shows_the_path() {
    let mut a = dash();
    a.app.focus = Pane::Explorer;
    for _ in 0..3 {
        a.press(KeyCode::Char('j'));
    }
    a.press(KeyCode::Enter); // expand vlans
    a.press(KeyCode::Char('j'));
    a.press(KeyCode::Enter); // expand "3"
    let screen = a.draw(80, 24);
    assert!(screen.contains(".vlans.\"3\""), "{screen}");
    insta::assert_snapshot!("explorer_expanded_80x24", screen);
}

#[test]
fn help_overlay_lists_the_pane_keys() {
    let mut a = dash();
    a.app.focus = Pane::Explorer;
    a.press(KeyCode::Char('?'));
    let screen = a.draw(80, 24);
    assert!(
        screen.contains("jq filter") && screen.contains("expand all"),
        "{screen}"
    );
    insta::assert_snapshot!("help_explorer_80x24", screen);
}

#[test]
fn states_are_words_not_only_colours() {
    let mut a = dash();
    let screen = a.draw(160, 48);
    assert!(
        screen.contains(" up ") && screen.contains("down"),
        "{screen}"
    );
    let mut a = dash();
    a.app.focus = Pane::Sessions;
    let screen = a.draw(160, 48);
    assert!(
        screen.contains("1/6") && screen.contains("idle  4:10"),
        "{screen}"
    );
    assert!(screen.contains("4300/5000 used, 700 left"), "{screen}");
    assert!(screen.contains("stateless"), "{screen}");
}

#[test]
fn msp_tenants_are_drawn_under_their_msp() {
    let mut a = dash();
    a.event(Event::AccountsAdded {
        parent: "acme-central".into(),
        accounts: ["Tenant-01", "Tenant-02"]
            .iter()
            .map(|t| netdash::engine::messages::TargetInfo {
                name: format!("acme-central/{t}"),
                kind: netdash::kind::TargetKind::Central,
                host: "apigw-prod2.central.arubanetworks.com".into(),
                tags: vec![],
                verify_tls: true,
            })
            .collect(),
    });
    let screen = a.draw(160, 48);
    let lines: Vec<&str> = screen.lines().collect();
    let at = |needle: &str| {
        lines
            .iter()
            .position(|l| l.contains(needle))
            .unwrap_or_else(|| panic!("{needle} not drawn:\n{screen}"))
    };
    // Devices, sorted by name: the tenants right under the MSP's row.
    let msp = at("  acme-central      central");
    assert_eq!(at("└ Tenant-01"), msp + 1, "{screen}");
    assert_eq!(at("└ Tenant-02"), msp + 2, "{screen}");
    assert!(
        a.app
            .status
            .as_deref()
            .is_some_and(|s| s.contains("2 tenant accounts added"))
    );
}

#[test]
fn reload_replaces_the_rows_it_names_and_their_alarms() {
    let mut a = dash();
    a.press(KeyCode::Char(':'));
    for c in "reload".chars() {
        a.press(KeyCode::Char(c));
    }
    let fx = a.press(KeyCode::Enter);
    assert!(
        fx.iter()
            .any(|f| matches!(f, netdash::app::update::Effect::Reload)),
        "{fx:?}"
    );
    assert_eq!(a.app.alarms, 1);
    let place = |a: &Dashboard, name: &str| a.app.devices.rows.iter().position(|r| r.name == name);
    let asa_at = place(&a, "edge-asa-01");
    let info = |name: &str, kind, host: &str| netdash::engine::messages::TargetInfo {
        name: name.into(),
        kind,
        host: host.into(),
        tags: vec!["leaf".into()],
        verify_tls: true,
    };
    a.event(Event::DevicesChanged {
        // edge-asa-01 changed (in both lists); leaf-eos-09 is new; mc-01 is gone.
        added: vec![
            info("edge-asa-01", TargetKind::Asa, "10.0.0.22"),
            info("leaf-eos-09", TargetKind::Eos, "10.0.9.9"),
        ],
        removed: vec!["mc-01".into(), "edge-asa-01".into()],
    });
    // The changed device starts afresh in its old place (the Sessions pane keeps config order).
    assert_eq!(place(&a, "edge-asa-01"), asa_at);
    let asa = &a.app.devices.rows[asa_at.expect("listed")];
    assert_eq!(
        (asa.host.as_str(), &asa.state),
        ("10.0.0.22", &SessionState::Disconnected)
    );
    let screen = a.draw(160, 48);
    assert!(screen.contains("leaf-eos-09"), "{screen}");
    // Gone from the device list (the console's past results still name it).
    assert!(
        !screen
            .lines()
            .any(|l| l.contains("mc-01") && l.contains("arubaos")),
        "{screen}"
    );
    // The removed device's alarm went with it.
    assert_eq!(a.app.alarms, 0);
}
