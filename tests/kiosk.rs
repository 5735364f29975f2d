//! The kiosk (`netdash --kiosk`) through the real reducer and renderer: every key and
//! click ignored, the unlock chord and `q` behind their questions, the layout rotation on
//! the clock tick, and the stale-screen banner; snapshots at 80x24 and 160x48.

use std::time::Duration;

use crossterm::event::{KeyCode, KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
use netdash::app::state::{KioskPrompt, Pane};
use netdash::app::update::{Effect, Msg};
use netdash::engine::messages::{DeviceFacts, EngineRequest, Event, SessionState, SessionView};
use netdash::kind::{AuthScheme, TargetKind};
use netdash::tui::testing::{Dashboard, t0};

const DEVICES: &str = r#"
[settings]
poll_interval_secs = 30

[[devices]]
name = "spine-eos-01"
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

[[devices]]
name = "mc-01"
kind = "arubaos"
host = "10.0.0.4"
username = "admin"
password = "x"
"#;

fn view() -> SessionView {
    SessionView {
        auth: AuthScheme::Basic,
        held: 0,
        per_user_limit: None,
        per_device_limit: None,
        since: Some(t0() - Duration::from_secs(60)),
        idle_deadline: None,
        hard_deadline: None,
        expires_at: None,
        relogins: 0,
        scope: None,
    }
}

/// Two devices up and polled, one down with its alarm raised; all news at `t0`.
fn feed(d: &mut Dashboard) {
    for (t, kind) in [
        ("spine-eos-01", TargetKind::Eos),
        ("edge-asa-01", TargetKind::Asa),
    ] {
        d.event(Event::Session {
            target: t.into(),
            kind,
            state: SessionState::Connected,
            session: view(),
        });
        d.event(Event::Polled {
            target: t.into(),
            latency_ms: 4,
            facts: DeviceFacts {
                hostname: Some(t.into()),
                model: Some("cEOSLab".into()),
                version: Some("4.30.0F".into()),
                serial: None,
                uptime_secs: Some(3600),
            },
        });
    }
    d.event(Event::Session {
        target: "mc-01".into(),
        kind: TargetKind::Arubaos,
        state: SessionState::BackingOff {
            reason: "cannot reach 10.0.0.4:4343 (connection refused)".into(),
            retry_at: t0() + Duration::from_secs(8),
        },
        session: view(),
    });
    d.event(Event::Alarm {
        target: "mc-01".into(),
        what: "down",
        message: "cannot reach 10.0.0.4:4343 (connection refused)".into(),
        raised: true,
    });
    // The status line would show the alarm; a quiet wall screen is what snapshots hold.
    d.app.status = None;
}

fn kiosk(extra: &str) -> Dashboard {
    let mut d = Dashboard::kiosk(&format!("{DEVICES}{extra}")).expect("kiosk config");
    d.no_color = true;
    feed(&mut d);
    d
}

fn tick(d: &mut Dashboard, secs: u64) {
    d.send(Msg::Tick(t0() + Duration::from_secs(secs)));
}

fn ctrl(d: &mut Dashboard, c: char) -> Vec<Effect> {
    d.press_with(KeyCode::Char(c), KeyModifiers::CONTROL)
}

fn prompt(d: &Dashboard) -> Option<KioskPrompt> {
    d.app.kiosk.as_ref().and_then(|k| k.prompt)
}

fn locked(d: &Dashboard) -> bool {
    d.app.kiosk.as_ref().is_some_and(|k| k.locked)
}

fn is_shutdown(fx: &[Effect]) -> bool {
    fx.iter()
        .any(|e| matches!(e, Effect::Engine(EngineRequest::Shutdown)))
}

#[test]
fn every_key_and_click_is_ignored_while_locked() {
    let mut d = kiosk("");
    let before = (d.draw(160, 48), d.draw(80, 24));
    let mut fx = Vec::new();
    for c in "12345:rR/d?i jkGgswCyYntabcefhlmopvzux".chars() {
        fx.extend(d.press(KeyCode::Char(c)));
    }
    for code in [
        KeyCode::Tab,
        KeyCode::BackTab,
        KeyCode::Enter,
        KeyCode::Esc,
        KeyCode::Up,
        KeyCode::Down,
        KeyCode::PageDown,
        KeyCode::F(3),
        KeyCode::F(1),
    ] {
        fx.extend(d.press(code));
    }
    fx.extend(ctrl(&mut d, 'c'));
    fx.extend(ctrl(&mut d, 'r'));
    fx.extend(d.press_with(KeyCode::Char('3'), KeyModifiers::ALT));
    for kind in [
        MouseEventKind::Down(MouseButton::Left),
        MouseEventKind::ScrollDown,
    ] {
        let m = MouseEvent {
            kind,
            column: 10,
            row: 30,
            modifiers: KeyModifiers::NONE,
        };
        fx.extend(d.send(Msg::Mouse(
            m,
            vec![(Pane::Console, ratatui::layout::Rect::new(0, 25, 80, 20))],
        )));
    }
    assert!(fx.is_empty(), "a locked kiosk asked for {fx:?}");
    assert_eq!(d.app.focus, Pane::Devices);
    assert!(!d.app.help && d.app.command_line.is_none() && !d.app.console.editing);
    assert!(!d.app.quit && locked(&d) && prompt(&d).is_none());
    assert_eq!((d.draw(160, 48), d.draw(80, 24)), before);
}

#[test]
fn the_unlock_chord_asks_and_y_unlocks_to_a_read_only_dashboard() {
    let mut d = kiosk("");
    assert!(ctrl(&mut d, 'x').is_empty());
    assert!(d.press(KeyCode::Char('u')).is_empty());
    assert_eq!(prompt(&d), Some(KioskPrompt::Unlock));
    assert!(d.draw(80, 24).contains("Unlock the kiosk? y/n"));
    assert!(d.press(KeyCode::Char('y')).is_empty());
    assert!(!locked(&d));
    assert!(d.draw(80, 24).contains("kiosk unlocked"));
    // The normal dashboard: keys work again.
    d.press(KeyCode::Char('3'));
    assert_eq!(d.app.focus, Pane::Console);
    assert!(d.app.console.editing);
    // ...and it is still read-only, for good.
    d.press(KeyCode::Esc);
    d.press(KeyCode::Char(':'));
    for c in "readonly off".chars() {
        d.press(KeyCode::Char(c));
    }
    let fx = d.press(KeyCode::Enter);
    assert!(fx.is_empty(), "{fx:?}");
    assert!(d.app.read_only);
    assert!(
        d.app
            .status
            .as_deref()
            .is_some_and(|s| s.starts_with("read-only was set at start")),
        "{:?}",
        d.app.status
    );
}

#[test]
fn anything_but_y_cancels_the_unlock() {
    let mut d = kiosk("");
    ctrl(&mut d, 'x');
    d.press(KeyCode::Char('u'));
    d.press(KeyCode::Char('n'));
    assert!(locked(&d) && prompt(&d).is_none());
    ctrl(&mut d, 'x');
    d.press(KeyCode::Char('u'));
    d.press(KeyCode::Enter);
    assert!(locked(&d) && prompt(&d).is_none());
    // A capital Y with Ctrl is no yes either.
    ctrl(&mut d, 'x');
    d.press(KeyCode::Char('u'));
    ctrl(&mut d, 'y');
    assert!(locked(&d));
}

#[test]
fn the_chord_times_out_after_3_seconds_and_breaks_on_another_key() {
    let mut d = kiosk("");
    ctrl(&mut d, 'x');
    tick(&mut d, 4);
    d.press(KeyCode::Char('u'));
    assert_eq!(prompt(&d), None, "4 s after ctrl-x");
    ctrl(&mut d, 'x');
    tick(&mut d, 7);
    d.press(KeyCode::Char('u'));
    assert_eq!(prompt(&d), Some(KioskPrompt::Unlock), "3 s after ctrl-x");
    d.press(KeyCode::Char('n'));
    ctrl(&mut d, 'x');
    d.press(KeyCode::Char('a'));
    d.press(KeyCode::Char('u'));
    assert_eq!(prompt(&d), None, "another key between");
    d.press(KeyCode::Char('u'));
    assert_eq!(prompt(&d), None, "u alone");
}

#[test]
fn a_configured_chord_replaces_the_default() {
    let mut d = kiosk("[kiosk]\nunlock = [\"f12\", \"k\"]\n");
    ctrl(&mut d, 'x');
    d.press(KeyCode::Char('u'));
    assert_eq!(prompt(&d), None);
    d.press(KeyCode::F(12));
    d.press(KeyCode::Char('k'));
    assert_eq!(prompt(&d), Some(KioskPrompt::Unlock));
    let e = Dashboard::kiosk(&format!(
        "{DEVICES}[kiosk]\nunlock = [\"ctrl-x\", \"uu\"]\n"
    ))
    .err()
    .expect("bad key");
    assert!(e.contains("[kiosk] unlock: unknown key \"uu\""), "{e}");
}

#[test]
fn q_asks_first_n_cancels_y_quits() {
    let mut d = kiosk("");
    assert!(d.press(KeyCode::Char('q')).is_empty());
    assert_eq!(prompt(&d), Some(KioskPrompt::Quit));
    assert!(d.press(KeyCode::Char('n')).is_empty());
    assert!(!d.app.quit && prompt(&d).is_none() && locked(&d));
    d.press(KeyCode::Char('q'));
    let fx = d.press(KeyCode::Char('y'));
    assert!(d.app.quit);
    assert!(is_shutdown(&fx), "{fx:?}");
}

#[test]
fn layouts_rotate_on_the_clock_tick() {
    let mut d =
        kiosk("[kiosk]\nrotate_secs = 20\nlayouts = [\"overview\", \"devices\", \"central\"]\n");
    let current = |d: &Dashboard| d.app.kiosk.as_ref().map(|k| k.current);
    tick(&mut d, 19);
    assert_eq!(current(&d), Some(0));
    assert!(d.draw(160, 48).contains("2 Sessions"));
    tick(&mut d, 20);
    assert_eq!(current(&d), Some(1));
    let s = d.draw(160, 48);
    assert!(s.contains("1 Devices") && !s.contains("2 Sessions"), "{s}");
    tick(&mut d, 40);
    assert_eq!(current(&d), Some(2));
    let s = d.draw(160, 48);
    assert!(s.contains("5 Central") && !s.contains("1 Devices"), "{s}");
    tick(&mut d, 60);
    assert_eq!(current(&d), Some(0));
    // Unlocked, the dashboard stays where the user puts it.
    ctrl(&mut d, 'x');
    d.press(KeyCode::Char('u'));
    d.press(KeyCode::Char('y'));
    tick(&mut d, 100);
    assert_eq!(current(&d), Some(0));
    assert!(d.draw(160, 48).contains("2 Sessions"));
}

#[test]
fn the_screen_says_it_is_stale_after_two_silent_poll_intervals() {
    let mut d = kiosk("");
    tick(&mut d, 59);
    assert!(!d.draw(80, 24).contains("NO DATA"));
    tick(&mut d, 72);
    let s = d.draw(80, 24);
    assert!(
        s.contains("NO DATA FOR 1m 12s: the engine has not answered"),
        "{s}"
    );
    // Any news clears it.
    d.event(Event::Log {
        message: "still here".into(),
    });
    tick(&mut d, 73);
    assert!(!d.draw(80, 24).contains("NO DATA"));
}

#[test]
fn the_normal_dashboard_shows_the_stale_banner_too_but_not_without_an_up_device() {
    let mut d = Dashboard::from_config(DEVICES, false).expect("config");
    d.app.stale_after = Some(Duration::from_secs(60));
    feed(&mut d);
    tick(&mut d, 61);
    assert!(d.draw(160, 48).contains("NO DATA FOR 1m 1s"));
    // Every device down: the engine is quiet between retries, and the panes say so.
    d.event(Event::Session {
        target: "spine-eos-01".into(),
        kind: TargetKind::Eos,
        state: SessionState::Disconnected,
        session: view(),
    });
    d.event(Event::Session {
        target: "edge-asa-01".into(),
        kind: TargetKind::Asa,
        state: SessionState::Disconnected,
        session: view(),
    });
    tick(&mut d, 200);
    assert!(!d.draw(160, 48).contains("NO DATA"));
    // A Central account alone: its polling stretches to the day's budget.
    let mut central = Dashboard::from_config(
        "[[central]]\nname = \"acme\"\nregion = \"US-2\"\nclient_id = \"id\"\nclient_secret = \"s\"\ncustomer_id = \"c\"\naccess_token = \"a\"\nrefresh_token = \"r\"\n",
        false,
    )
    .expect("central");
    central.app.stale_after = Some(Duration::from_secs(60));
    central.event(Event::Session {
        target: "acme".into(),
        kind: TargetKind::Central,
        state: SessionState::Connected,
        session: view(),
    });
    tick(&mut central, 500);
    assert!(!central.draw(160, 48).contains("NO DATA"));
    let mut empty = Dashboard::from_config("", false).expect("empty");
    empty.app.stale_after = Some(Duration::from_secs(60));
    tick(&mut empty, 500);
    assert!(!empty.draw(80, 24).contains("NO DATA"));
}

#[test]
fn snapshots() {
    let mut d = kiosk("");
    for (w, h) in [(80, 24), (160, 48)] {
        insta::assert_snapshot!(format!("kiosk_{w}x{h}"), d.draw(w, h));
    }
    let big = d.draw(160, 48);
    assert!(big.contains("DEVICES") && big.contains("CRITICAL") && big.contains("KIOSK"));
    assert!(!big.contains("? help") && !big.contains("▶"), "{big}");
    d.press(KeyCode::Char('q'));
    insta::assert_snapshot!("kiosk_quit_prompt_80x24", d.draw(80, 24));
    d.press(KeyCode::Char('n'));
    ctrl(&mut d, 'x');
    d.press(KeyCode::Char('u'));
    insta::assert_snapshot!("kiosk_unlock_prompt_160x48", d.draw(160, 48));
    d.press(KeyCode::Char('n'));
    tick(&mut d, 72);
    for (w, h) in [(80, 24), (160, 48)] {
        insta::assert_snapshot!(format!("kiosk_stale_{w}x{h}"), d.draw(w, h));
    }
}
