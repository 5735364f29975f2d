//! Terminal escape injection: what `run` and `watch` print never holds a character a
//! terminal acts on (C0 but newline and tab, DEL, C1, ESC), and the dashboard draws none.

use netdash::app::update::Msg;
use netdash::engine::messages::{DeviceFacts, Event, Outcome};
use netdash::kind::TargetKind;
use netdash::sanitize::is_unsafe;
use netdash::tui::testing::Dashboard;
use serde_json::json;

/// An ASA banner as tried in the issue: clipboard write, screen wipe, retitle, C1 CSI.
const EVIL: &str = "Welcome\x1b]52;c;cHduZWQ=\x07\x1b[2J\x1b]0;owned\x07\u{9b}31mred\x7f\r\n";

fn assert_safe(s: &str) {
    if let Some(c) = s.chars().find(|c| is_unsafe(*c)) {
        panic!("unsafe character U+{:04X} printed: {s:?}", c as u32);
    }
}

fn readable(target: &str, outcome: &Outcome, header: bool) -> String {
    let mut out = Vec::new();
    netdash::headless::write_readable(&mut out, target, TargetKind::Asa, 5, outcome, header)
        .expect("write");
    String::from_utf8(out).expect("utf-8")
}

#[test]
fn run_prints_text_answers_escaped() {
    let text = Outcome::Ok {
        ok: true,
        output: json!(EVIL),
        notes: vec![format!("note from device {EVIL}")],
        text: true,
    };
    let s = readable("fw-01", &text, true);
    assert_safe(&s);
    assert!(s.contains("Welcome^[]52;c;cHduZWQ=^G^[[2J"), "{s}");
    assert!(s.contains("\\u{9b}31mred^?"), "{s}");

    // A non-text answer is pretty JSON; serde leaves C1 and DEL raw in strings.
    let body = Outcome::Ok {
        ok: true,
        output: json!({"banner": EVIL}),
        notes: vec![],
        text: false,
    };
    assert_safe(&readable("fw-01", &body, false));

    let err = Outcome::Err {
        ok: false,
        error: format!("HTTP 500: {EVIL}"),
    };
    let s = readable("fw-01\x1b[2J", &err, true);
    assert_safe(&s);
}

#[test]
fn plain_answers_print_unchanged() {
    let text = Outcome::Ok {
        ok: true,
        output: json!("Cisco Adaptive Security Appliance Software Version 9.4(1)\n\tSerial: X\n"),
        notes: vec![],
        text: true,
    };
    assert_eq!(
        readable("fw-01", &text, false),
        "Cisco Adaptive Security Appliance Software Version 9.4(1)\n\tSerial: X\n"
    );
}

#[test]
fn watch_lines_are_escaped_and_stay_one_line() {
    let polled = Event::Polled {
        target: "fw-01".into(),
        latency_ms: 3,
        facts: DeviceFacts {
            hostname: Some(format!("fw{EVIL}")),
            model: Some("ASAv\x1b]0;x\x07".into()),
            version: Some("9.4\u{9b}2J".into()),
            serial: None,
            uptime_secs: None,
        },
    };
    let failed = Event::PollFailed {
        target: "fw-01".into(),
        error: format!("bad answer: {EVIL}\nforged line"),
    };
    for ev in [polled, failed] {
        let line = netdash::headless::human(&ev);
        assert_safe(&line);
        assert!(!line.contains('\n'), "{line:?}");
    }
}

/// `run --json` and `watch --json` stay valid JSON that decodes to the same text, and
/// carry no raw C1 or DEL (serde escapes only C0).
#[test]
fn json_lines_are_valid_and_safe() {
    let outcome = Outcome::Ok {
        ok: true,
        output: json!(EVIL),
        notes: vec![EVIL.into()],
        text: true,
    };
    let line = netdash::headless::result_line("fw-01", TargetKind::Asa, 5, &outcome);
    assert_safe(&line);
    let v: serde_json::Value = serde_json::from_str(&line).expect("valid JSON");
    assert_eq!(v["output"], EVIL);
    assert_eq!(v["notes"][0], EVIL);

    let ev = Event::PollFailed {
        target: "fw-01".into(),
        error: EVIL.into(),
    };
    let line = netdash::headless::event_line(&ev).expect("serializes");
    assert_safe(&line);
    let v: serde_json::Value = serde_json::from_str(&line).expect("valid JSON");
    assert!(v.to_string().contains("owned"));
    assert!(line.contains("\\u009b"), "{line}");
}

const CONFIG: &str = r#"
[[devices]]
name = "edge-asa-01"
kind = "asa"
host = "10.0.0.2"
username = "admin"
password = "x"
"#;

/// The dashboard relies on ratatui, which drops control characters when it draws: device
/// text full of escapes reaches no cell.
#[test]
fn dashboard_draws_no_control_characters() {
    let mut d = Dashboard::from_config(CONFIG, false).expect("config");
    for m in [
        Msg::Engine(Event::Polled {
            target: "edge-asa-01".into(),
            latency_ms: 3,
            facts: DeviceFacts {
                hostname: Some(format!("fw{EVIL}")),
                model: Some(EVIL.into()),
                version: Some(EVIL.into()),
                serial: Some(EVIL.into()),
                uptime_secs: Some(1),
            },
        }),
        Msg::Engine(Event::Alarm {
            target: "edge-asa-01".into(),
            what: "down",
            message: EVIL.into(),
            raised: true,
        }),
        Msg::Engine(Event::PollFailed {
            target: "edge-asa-01".into(),
            error: EVIL.into(),
        }),
    ] {
        d.send(m);
    }
    for pane in netdash::app::state::Pane::ALL {
        d.app.focus = pane;
        for cell in d.draw_buffer(160, 48).content() {
            assert_safe(cell.symbol());
        }
    }
}
