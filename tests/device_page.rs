//! The device page (Enter on a device, `:device NAME`): reducer tests and snapshots at
//! 80x24 and 160x48, all from engine events and keys through the real reducer.

use std::time::Duration;

use crossterm::event::KeyCode;
use netdash::app::msg::Effect;
use netdash::app::state::{ERRORS_KEPT, Pane, SESSION_EVENTS_KEPT};
use netdash::engine::messages::{
    DeviceFacts, EngineRequest, Event, Outcome, SessionState, SessionView,
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
"#;

fn view(relogins: u32) -> SessionView {
    SessionView {
        auth: AuthScheme::XAuthToken,
        held: 1,
        per_user_limit: None,
        per_device_limit: Some(25),
        since: Some(t0()),
        idle_deadline: None,
        hard_deadline: None,
        expires_at: None,
        relogins,
        scope: None,
    }
}

fn session(d: &mut Dashboard, state: SessionState, relogins: u32) {
    d.event(Event::Session {
        target: "edge-asa-01".into(),
        kind: TargetKind::Asa,
        state,
        session: view(relogins),
    });
}

/// A run typed in the console; returns its id.
fn run(d: &mut Dashboard, line: &str) -> u64 {
    d.press(KeyCode::Char('3'));
    for c in line.chars() {
        d.press(KeyCode::Char(c));
    }
    let fx = d.press(KeyCode::Enter);
    let id = fx
        .iter()
        .find_map(|e| match e {
            Effect::Engine(EngineRequest::Run { id, .. }) => Some(*id),
            _ => None,
        })
        .expect("a run");
    d.press(KeyCode::Esc);
    id
}

/// An ASA that logged in, answered polls, failed one, was expired and came back, and ran
/// two commands from the console.
fn dash() -> Dashboard {
    let mut d = Dashboard::from_config(CONFIG, false).expect("config");
    session(&mut d, SessionState::LoggingIn, 0);
    session(&mut d, SessionState::Connected, 0);
    for l in [12, 11, 15, 14, 30, 12, 13] {
        d.event(Event::Polled {
            target: "edge-asa-01".into(),
            latency_ms: l,
            facts: DeviceFacts {
                hostname: Some("edge-asa-01".into()),
                model: Some("ASAv".into()),
                version: Some("9.4(1)205".into()),
                serial: Some("9A1234".into()),
                uptime_secs: Some(3 * 86400),
            },
        });
    }
    d.event(Event::PollFailed {
        target: "edge-asa-01".into(),
        error: "no answer from 10.0.0.2 within 10 s".into(),
    });
    session(&mut d, SessionState::Disconnected, 0);
    session(&mut d, SessionState::Connected, 1);
    let a = run(&mut d, "@edge-asa-01 show version");
    d.event(Event::Result {
        id: a,
        target: "edge-asa-01".into(),
        kind: TargetKind::Asa,
        elapsed_ms: 14,
        outcome: Outcome::Ok {
            ok: true,
            output: json!("Cisco Adaptive Security Appliance Software Version 9.4(1)205\n"),
            notes: vec![],
            text: true,
        },
    });
    let b = run(&mut d, "@all GET /api/monitoring/device/components/version");
    d.event(Event::Result {
        id: b,
        target: "edge-asa-01".into(),
        kind: TargetKind::Asa,
        elapsed_ms: 9,
        outcome: Outcome::Err {
            ok: false,
            error: "HTTP 404: not found".into(),
        },
    });
    d.press(KeyCode::Char('1'));
    d
}

fn open_asa(d: &mut Dashboard) {
    // A draw refreshes the sorted view; then walk the cursor to the ASA's row.
    d.draw(80, 24);
    let at = d
        .app
        .devices
        .view
        .iter()
        .position(|&i| d.app.devices.rows[i].name == "edge-asa-01")
        .expect("listed");
    while d.app.devices.cursor.selected < at {
        d.press(KeyCode::Down);
    }
    while d.app.devices.cursor.selected > at {
        d.press(KeyCode::Up);
    }
    d.press(KeyCode::Enter);
}

#[test]
fn enter_opens_the_page_and_esc_goes_back() {
    let mut d = dash();
    open_asa(&mut d);
    assert_eq!(d.app.device_page.open.as_deref(), Some("edge-asa-01"));
    assert_eq!(d.app.focus, Pane::Devices);
    let h = &d.app.device_page.history["edge-asa-01"];
    let said: Vec<String> = h.sessions.iter().map(|(_, c)| c.describe()).collect();
    assert_eq!(said[0], "logged in");
    assert!(said[1].starts_with("ended"), "{said:?}");
    assert!(said[2].starts_with("re-login"), "{said:?}");
    assert!(
        h.errors
            .iter()
            .any(|(_, e)| e.starts_with("poll: no answer"))
    );
    assert!(h.errors.iter().any(|(_, e)| e.contains("HTTP 404")));
    let fx = d.press(KeyCode::Char('r'));
    assert!(fx.iter().any(|e| matches!(
        e,
        Effect::Engine(EngineRequest::RefreshNow { target: Some(t) }) if t == "edge-asa-01"
    )));
    d.press(KeyCode::Esc);
    assert_eq!(d.app.device_page.open, None);
    // `i` still types a command for the selected device, as Enter did before.
    d.press(KeyCode::Char('i'));
    assert_eq!(d.app.focus, Pane::Console);
}

#[test]
fn device_command_opens_a_page_and_unknown_names_are_refused() {
    let mut d = dash();
    d.press(KeyCode::Char(':'));
    for c in "device nosuch".chars() {
        d.press(KeyCode::Char(c));
    }
    d.press(KeyCode::Enter);
    assert_eq!(d.app.device_page.open, None);
    assert!(
        d.app
            .status
            .as_deref()
            .is_some_and(|s| s.contains("no device named nosuch"))
    );
    d.press(KeyCode::Char(':'));
    for c in "device spine-eos-01".chars() {
        d.press(KeyCode::Char(c));
    }
    d.press(KeyCode::Enter);
    assert_eq!(d.app.device_page.open.as_deref(), Some("spine-eos-01"));
}

#[test]
fn enter_on_a_command_opens_its_result_in_the_explorer() {
    let mut d = dash();
    open_asa(&mut d);
    // Newest first: the failed GET, then show version.
    d.press(KeyCode::Down);
    d.press(KeyCode::Enter);
    assert_eq!(d.app.focus, Pane::Explorer);
    assert!(
        d.app.explorer.title.starts_with("edge-asa-01"),
        "{}",
        d.app.explorer.title
    );
}

#[test]
fn history_is_bounded() {
    let mut d = Dashboard::from_config(CONFIG, false).expect("config");
    for i in 0..(SESSION_EVENTS_KEPT + 30) {
        session(
            &mut d,
            SessionState::BackingOff {
                reason: format!("refused {i}"),
                retry_at: t0() + Duration::from_secs(5),
            },
            0,
        );
        d.event(Event::PollFailed {
            target: "edge-asa-01".into(),
            error: format!("failure {i}"),
        });
    }
    let h = &d.app.device_page.history["edge-asa-01"];
    assert_eq!(h.sessions.len(), SESSION_EVENTS_KEPT);
    assert_eq!(h.errors.len(), ERRORS_KEPT);
    assert!(
        h.errors
            .back()
            .is_some_and(|(_, e)| e.contains("failure 79"))
    );
}

#[test]
fn snapshot_80x24() {
    let mut d = dash();
    open_asa(&mut d);
    insta::assert_snapshot!("device_page_80x24", d.draw(80, 24));
}

#[test]
fn snapshot_160x48() {
    let mut d = dash();
    open_asa(&mut d);
    insta::assert_snapshot!("device_page_160x48", d.draw(160, 48));
}

#[test]
fn a_removed_device_takes_its_history_along() {
    let mut d = dash();
    assert!(d.app.device_page.history.contains_key("edge-asa-01"));
    d.event(Event::DevicesChanged {
        added: vec![],
        removed: vec!["edge-asa-01".into()],
    });
    assert!(!d.app.device_page.history.contains_key("edge-asa-01"));
}
