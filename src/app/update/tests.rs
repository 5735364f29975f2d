use std::collections::VecDeque;

use super::*;
use crate::app::console::split_targets;
use crate::app::explorer::INLINE_WORK_LIMIT;
use crate::engine::messages::SessionState;
use crate::engine::messages::TargetInfo;
use crate::explore::doc::Doc;
use crate::explore::tree::{Control, Tree};

/// A line entered in the console, its requests carried out (as the reducer does).
fn console_submit(app: &mut App, line: &str) -> Vec<Effect> {
    let to = console::Fallback {
        rows: &app.devices.rows,
        selected: devices::selected(&app.devices),
    };
    let out = console::submit(&mut app.console, line, to, app.read_only, app.now);
    carry_out(app, out)
}

#[test]
fn targets_split_from_the_command() {
    assert_eq!(
        split_targets("@spine-01 show version"),
        (vec!["spine-01".to_string()], "show version".to_string())
    );
    assert_eq!(
        split_targets("@tag:core @all show clock"),
        (
            vec!["@tag:core".to_string(), "@all".to_string()],
            "show clock".to_string()
        )
    );
    assert_eq!(split_targets("GET /x"), (vec![], "GET /x".to_string()));
}

fn app_with(names: &[&str], read_only: bool) -> App {
    let rows = names
        .iter()
        .map(|n| DeviceRow {
            name: n.to_string(),
            kind: crate::kind::TargetKind::Eos,
            host: "h".into(),
            tags: Vec::new(),
            state: SessionState::Connected,
            session: None,
            latency: VecDeque::new(),
            last_poll: None,
            facts: crate::engine::messages::DeviceFacts::default(),
            last_error: None,
            marked: false,
            tls_unverified: false,
        })
        .collect();
    App::new(rows, read_only, Vec::new())
}

fn key(c: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
}

#[test]
fn msp_tenants_are_listed_under_their_msp() {
    let mut app = app_with(&["a-switch", "msp", "zz-router"], false);
    central::account(&mut app.central, "other-central");
    central::account(&mut app.central, "msp");
    central::account(&mut app.central, "zz-central");
    let info = |n: &str| TargetInfo {
        name: n.into(),
        kind: crate::kind::TargetKind::Central,
        host: "gw".into(),
        tags: vec!["cloud".into()],
        verify_tls: true,
    };
    on_event(
        &mut app,
        Event::AccountsAdded {
            parent: "msp".into(),
            accounts: vec![info("msp/Tenant-B"), info("msp/Tenant-A")],
        },
    );
    let by_name: Vec<&str> = app
        .devices
        .by_name
        .iter()
        .map(|&i| app.devices.rows[i].name.as_str())
        .collect();
    assert_eq!(
        by_name,
        [
            "a-switch",
            "msp",
            "msp/Tenant-A",
            "msp/Tenant-B",
            "zz-router"
        ]
    );
    assert_eq!(
        app.central.order,
        [
            "other-central",
            "msp",
            "msp/Tenant-B",
            "msp/Tenant-A",
            "zz-central"
        ]
    );
    // The same tenants again (a rediscovery) add nothing.
    on_event(
        &mut app,
        Event::AccountsAdded {
            parent: "msp".into(),
            accounts: vec![info("msp/Tenant-A")],
        },
    );
    assert_eq!(app.devices.rows.len(), 5);
    assert_eq!(app.central.order.len(), 5);
}

#[test]
fn pane_chords_leave_a_text_input_and_plain_digits_are_typed() {
    let keys = KeyMap::default();
    let mut app = app_with(&["a"], false);
    update(&mut app, &keys, key('3'));
    assert!(app.focus == Pane::Console && app.console.editing);
    for c in "@a show version".chars() {
        update(&mut app, &keys, key(c));
    }
    let enter = Msg::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE));
    update(&mut app, &keys, enter);
    // The input keeps the focus after Enter: a plain 4 is text.
    update(&mut app, &keys, key('4'));
    assert_eq!(app.focus, Pane::Console);
    assert_eq!(app.console.input.lines().join(""), "4");
    let alt4 = Msg::Key(KeyEvent::new(KeyCode::Char('4'), KeyModifiers::ALT));
    update(&mut app, &keys, alt4);
    assert_eq!(app.focus, Pane::Explorer);
    // F-keys work from the Devices filter as well.
    app.focus = Pane::Devices;
    update(&mut app, &keys, key('/'));
    assert!(app.devices.filtering);
    update(
        &mut app,
        &keys,
        Msg::Key(KeyEvent::new(KeyCode::F(5), KeyModifiers::NONE)),
    );
    assert_eq!(app.focus, Pane::Central);
    assert_eq!(app.devices.filter, "");
}

#[test]
fn reconnect_in_sessions_acts_on_the_session_row() {
    let keys = KeyMap::default();
    let mut app = app_with(&["a", "b", "c"], false);
    app.focus = Pane::Sessions;
    app.sessions.cursor.selected = 2;
    let fx = update(&mut app, &keys, key('R'));
    assert!(
        matches!(&fx[..], [Effect::Engine(EngineRequest::Reconnect { target })] if target == "c"),
        "{fx:?}"
    );
}

#[test]
fn a_read_only_start_cannot_be_switched_off() {
    let mut app = app_with(&["a"], true);
    let fx = command_line(&mut app, "readonly off").effects;
    assert!(fx.is_empty() && app.read_only, "{fx:?}");
    let mut app = app_with(&["a"], false);
    command_line(&mut app, "readonly on");
    command_line(&mut app, "readonly off");
    assert!(!app.read_only);
}

#[test]
fn a_filter_typed_over_is_dropped() {
    let keys = KeyMap::default();
    let mut app = app_with(&[], false);
    app.explorer.jq_runs.started(2);
    update(
        &mut app,
        &keys,
        Msg::Filtered {
            seq: 1,
            result: Doc::new(b"null".to_vec()).map_err(|e| e.to_string()),
        },
    );
    assert!(matches!(app.explorer.body, ExplorerBody::Empty));
    update(
        &mut app,
        &keys,
        Msg::Filtered {
            seq: 2,
            result: Doc::new(b"[1]".to_vec()).map_err(|e| e.to_string()),
        },
    );
    assert!(matches!(app.explorer.body, ExplorerBody::Tree(_)));
}

/// An explorer on a document too big for inline work: `n` APs in an array.
fn big_explorer(n: usize) -> App {
    let mut text = String::from("{\"aps\": [");
    for i in 0..n {
        if i > 0 {
            text.push(',');
        }
        text.push_str(&format!(
            r#"{{"name": "ap-{i}", "serial": "CN{i:08}", "up": {}, "radios": [{{"band": "2.4"}}, {{"band": "5"}}]}}"#,
            i % 3 != 0
        ));
    }
    text.push_str("]}");
    let mut app = app_with(&[], true);
    app.focus = Pane::Explorer;
    app.solo = Some(Pane::Explorer);
    let doc = Doc::new(text.into_bytes()).expect("doc");
    assert!(doc.bytes().len() > INLINE_WORK_LIMIT);
    update(
        &mut app,
        &KeyMap::default(),
        Msg::Loaded {
            title: "big".into(),
            doc: Ok(doc),
        },
    );
    app
}

fn tree_of(app: &App) -> &Tree {
    match &app.explorer.body {
        ExplorerBody::Tree(t) => t,
        _ => panic!("no tree"),
    }
}

fn the_job(fx: Vec<Effect>) -> ExploreJob {
    match fx.into_iter().next() {
        Some(Effect::Explore(j)) => j,
        _ => panic!("no job"),
    }
}

#[test]
fn expand_all_on_a_big_document_is_a_job_that_esc_cancels() {
    let keys = KeyMap::default();
    let mut app = big_explorer(20_000);
    let before = tree_of(&app).len();
    // The reducer hands the work over instead of doing it: the UI thread stays free.
    let job = the_job(update(&mut app, &keys, key('e')));
    assert_eq!(tree_of(&app).len(), before);
    assert_eq!(
        app.explorer.job.as_ref().map(|j| j.label),
        Some("expanding all")
    );
    let esc = Msg::Key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE));
    update(&mut app, &keys, esc);
    assert!(app.explorer.job.is_none());
    assert!(job.control.is_cancelled());
    assert_eq!(app.status.as_deref(), Some("expanding all: cancelled"));
    // A cancelled job's answer changes nothing.
    let done = crate::explore::job::run(&job.doc, &job.work, &Control::default());
    update(&mut app, &keys, Msg::Explored { seq: job.seq, done });
    assert_eq!(tree_of(&app).len(), before);
    // Again, to the end: every row, the cursor where it was.
    app.explorer.cursor.selected = 1;
    let job = the_job(update(&mut app, &keys, key('e')));
    let done = crate::explore::job::run(&job.doc, &job.work, &job.control);
    update(&mut app, &keys, Msg::Explored { seq: job.seq, done });
    assert!(app.explorer.job.is_none());
    // root, aps, and per AP: itself, 4 fields, 2 radios with 1 field each.
    assert_eq!(tree_of(&app).len(), 2 + 20_000 * 9);
    assert_eq!(tree_of(&app).path(app.explorer.cursor.selected), ".aps");
}

#[test]
fn a_search_on_a_big_document_is_a_job_and_a_newer_one_replaces_it() {
    let keys = KeyMap::default();
    let mut app = big_explorer(20_000);
    let first = the_job(update(&mut app, &keys, key('e')));
    update(&mut app, &keys, key('/'));
    for c in "cn00019999".chars() {
        update(&mut app, &keys, key(c));
    }
    let enter = Msg::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE));
    let search = the_job(update(&mut app, &keys, enter));
    assert!(
        first.control.is_cancelled(),
        "the newer request replaced it"
    );
    let done = crate::explore::job::run(&search.doc, &search.work, &search.control);
    update(
        &mut app,
        &keys,
        Msg::Explored {
            seq: search.seq,
            done,
        },
    );
    let t = tree_of(&app);
    assert_eq!(t.path(app.explorer.cursor.selected), ".aps[19999].serial");
    // The last row, and its path, straight away.
    update(&mut app, &keys, key('G'));
    assert_eq!(
        tree_of(&app).path(app.explorer.cursor.selected),
        ".aps[19999].radios"
    );
}

#[test]
fn opening_a_huge_container_is_a_job() {
    let keys = KeyMap::default();
    let mut app = big_explorer(20_000);
    update(&mut app, &keys, key('j')); // onto "aps"
    let open = Msg::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE));
    let job = the_job(update(&mut app, &keys, open));
    let done = crate::explore::job::run(&job.doc, &job.work, &job.control);
    update(&mut app, &keys, Msg::Explored { seq: job.seq, done });
    assert_eq!(tree_of(&app).len(), 2 + 20_000);
}

#[test]
fn transcript_cursor_moves_the_way_the_screen_does() {
    let keys = KeyMap::default();
    let mut app = app_with(&["a"], false);
    app.focus = Pane::Console;
    app.console.transcript.push_back(Transcript {
        id: 1,
        line: "a show x".into(),
        at: app.now,
        total: 3,
        done: 3,
        failed: 0,
        results: (0..3)
            .map(|i| ResultEntry {
                target: format!("t{i}"),
                kind: crate::kind::TargetKind::Eos,
                elapsed_ms: 1,
                ok: true,
                summary: String::new(),
                output: None,
                text: false,
            })
            .collect(),
        note: None,
    });
    // 0 is the newest, drawn lowest: k moves up the screen, to older results.
    update(&mut app, &keys, key('k'));
    assert_eq!(app.console.cursor.selected, 1);
    update(&mut app, &keys, key('j'));
    assert_eq!(app.console.cursor.selected, 0);
}

#[test]
fn the_clock_does_not_resort_the_device_list() {
    let keys = KeyMap::default();
    let mut app = app_with(&["a"], false);
    refresh_views(&mut app);
    update(&mut app, &keys, Msg::Tick(SystemTime::now()));
    assert!(!app.devices.view_dirty);
}

#[test]
fn moving_up_from_the_bottom_keeps_the_view() {
    let keys = KeyMap::default();
    let names: Vec<String> = (0..20).map(|i| format!("d{i:02}")).collect();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let mut app = app_with(&refs, false);
    refresh_views(&mut app);
    app.viewports.devices = 5;
    update(&mut app, &keys, key('G'));
    assert_eq!(
        (app.devices.cursor.selected, app.devices.cursor.offset),
        (19, 15)
    );
    update(&mut app, &keys, key('k'));
    // The cursor moves up the screen; the view stays where it was.
    assert_eq!(
        (app.devices.cursor.selected, app.devices.cursor.offset),
        (18, 15)
    );
    update(&mut app, &keys, key('g'));
    assert_eq!(
        (app.devices.cursor.selected, app.devices.cursor.offset),
        (0, 0)
    );
}

#[test]
fn ctrl_r_again_steps_to_older_matches() {
    let keys = KeyMap::default();
    let mut app = app_with(&["a"], false);
    app.console.history = vec![
        "@a show version".into(),
        "@a show clock".into(),
        "@b show version".into(),
    ];
    app.focus = Pane::Console;
    app.console.editing = true;
    for c in "version".chars() {
        update(&mut app, &keys, key(c));
    }
    let ctrl_r = || Msg::Key(KeyEvent::new(KeyCode::Char('r'), KeyModifiers::CONTROL));
    update(&mut app, &keys, ctrl_r());
    assert_eq!(app.console.input.lines().join(""), "@b show version");
    update(&mut app, &keys, ctrl_r());
    assert_eq!(app.console.input.lines().join(""), "@a show version");
}

/// Output redirection may write a file on the device: the console asks (y/n) first,
/// and read-only mode refuses it; a harmless filter is sent at once.
#[test]
fn console_asks_before_a_redirected_show() {
    let keys = KeyMap::default();
    let mut app = app_with(&["a"], false);
    let fx = console_submit(&mut app, "@a show run | redirect disk0:/x.cfg");
    assert!(fx.is_empty(), "{fx:?}");
    assert!(app.console.confirm.is_some());
    assert!(app.status.as_deref().is_some_and(|s| s.contains("(y/n)")));
    let fx = update(&mut app, &keys, key('y'));
    assert!(
        matches!(&fx[..], [Effect::Engine(EngineRequest::Run { line, .. })] if line.contains("redirect")),
        "{fx:?}"
    );
    let fx = console_submit(&mut app, "@a show run > flash:x");
    assert!(fx.is_empty() && app.console.confirm.is_some(), "{fx:?}");
    let fx = console_submit(&mut app, "@a show version | include Version");
    assert!(
        matches!(&fx[..], [Effect::Engine(EngineRequest::Run { .. })]),
        "{fx:?}"
    );

    let mut ro = app_with(&["a"], true);
    let fx = console_submit(&mut ro, "@a show run | tee flash:x");
    assert!(fx.is_empty() && ro.console.confirm.is_none(), "{fx:?}");
    assert!(
        ro.status
            .as_deref()
            .is_some_and(|s| s.contains("read-only"))
    );
}
