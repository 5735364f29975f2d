//! Every pane at 80x24 and 160x48, drawn with ratatui's TestBackend from engine events
//! (no network). Time is fixed, so countdowns and the clock are stable.

use std::time::{Duration, SystemTime};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use netdash::app::keymap::KeyMap;
use netdash::app::state::{App, Pane};
use netdash::app::update::{Msg, refresh_views, update};
use netdash::config::Config;
use netdash::engine::messages::{
    AccessPoint, Budget, DeviceFacts, Event, Outcome, SessionState, SessionView, Site,
};
use netdash::kind::{AuthScheme, TargetKind};
use netdash::ui::theme::{Styles, Theme};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
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

fn t0() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_795_000_000)
}

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

fn app() -> App {
    let cfg = Config::parse(CONFIG, std::path::Path::new("t.toml")).expect("config");
    let mut app = App::new(
        netdash::app::state::DeviceRow::from_config(&cfg),
        true,
        vec![],
    );
    let keys = KeyMap::default();
    let mut feed = |m: Msg| {
        update(&mut app, &keys, m);
    };
    feed(Msg::Tick(t0()));
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
        aps: (0..8)
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
                clients: 3 * i as u64,
                firmware: "10.4.1.0".into(),
            })
            .collect(),
        at: t0() - Duration::from_secs(14),
    }));
    // A console run with two results.
    app.console
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
    let keys = KeyMap::default();
    update(
        &mut app,
        &keys,
        Msg::Engine(Event::RunStarted {
            id: 1,
            line: "show version".into(),
            total: 2,
            skipped: vec![],
        }),
    );
    update(
        &mut app,
        &keys,
        Msg::Engine(Event::Result {
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
        }),
    );
    update(&mut app, &keys, Msg::Engine(Event::Result {
        id: 1,
        target: "mc-01".into(),
        kind: TargetKind::Arubaos,
        elapsed_ms: 3001,
        outcome: Outcome::Err { ok: false, error: "no answer from 10.0.0.4:4343 within 3 s; the device is slow or unreachable, retry later".into() },
    }));
    update(
        &mut app,
        &keys,
        Msg::Engine(Event::Progress {
            id: 1,
            done: 2,
            failed: 1,
            total: 2,
        }),
    );
    app.status = None;
    app
}

fn draw(app: &mut App, w: u16, h: u16) -> String {
    refresh_views(app);
    let styles = Styles::new(&Theme::builtin_default(), false);
    let keys = KeyMap::default();
    let mut t = Terminal::new(TestBackend::new(w, h)).expect("terminal");
    t.draw(|f| {
        netdash::ui::render(f, app, &styles, &keys);
    })
    .expect("draw");
    t.backend().to_string()
}

fn key(app: &mut App, c: KeyCode) {
    update(
        app,
        &KeyMap::default(),
        Msg::Key(KeyEvent::new(c, KeyModifiers::NONE)),
    );
}

#[test]
fn every_pane_at_both_sizes() {
    for (w, h) in [(80u16, 24u16), (160, 48)] {
        for pane in Pane::ALL {
            let mut a = app();
            a.focus = pane;
            insta::assert_snapshot!(
                format!("{:?}_{w}x{h}", pane).to_lowercase(),
                draw(&mut a, w, h)
            );
        }
    }
}

#[test]
fn explorer_expands_and_shows_the_path() {
    let mut a = app();
    a.focus = Pane::Explorer;
    for _ in 0..3 {
        key(&mut a, KeyCode::Char('j'));
    }
    key(&mut a, KeyCode::Enter); // expand vlans
    key(&mut a, KeyCode::Char('j'));
    key(&mut a, KeyCode::Enter); // expand "3"
    let screen = draw(&mut a, 80, 24);
    assert!(screen.contains(".vlans.\"3\""), "{screen}");
    insta::assert_snapshot!("explorer_expanded_80x24", screen);
}

#[test]
fn help_overlay_lists_the_pane_keys() {
    let mut a = app();
    a.focus = Pane::Explorer;
    key(&mut a, KeyCode::Char('?'));
    let screen = draw(&mut a, 80, 24);
    assert!(
        screen.contains("jq filter") && screen.contains("expand all"),
        "{screen}"
    );
    insta::assert_snapshot!("help_explorer_80x24", screen);
}

#[test]
fn states_are_words_not_only_colours() {
    let mut a = app();
    let screen = draw(&mut a, 160, 48);
    assert!(
        screen.contains(" up ") && screen.contains("down"),
        "{screen}"
    );
    let mut a = app();
    a.focus = Pane::Sessions;
    let screen = draw(&mut a, 160, 48);
    assert!(
        screen.contains("1/6") && screen.contains("idle  4:10"),
        "{screen}"
    );
    assert!(screen.contains("4300/5000 used, 700 left"), "{screen}");
    assert!(screen.contains("stateless"), "{screen}");
}
