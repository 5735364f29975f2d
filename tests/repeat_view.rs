//! The dashboard's repeat view (`:every`), through the real reducer and renderer: the
//! runs it asks the engine for, the timer it asks the loop for, changes marked with
//! deltas and rates, history stepping, the first-run baseline, Esc, and the Central
//! budget stretching the interval. Snapshots at 80x24 and 160x48.

use std::time::{Duration, SystemTime};

use crossterm::event::KeyCode;
use netdash::app::state::{Pane, REPEAT_IDS};
use netdash::app::update::{Effect, Msg};
use netdash::engine::messages::{Budget, EngineRequest, Event, Outcome};
use netdash::kind::TargetKind;
use netdash::tui::testing::{Dashboard, t0};
use netdash::ui::theme::{Styles, Theme};
use serde_json::{Value, json};

const CONFIG: &str = r#"
[[devices]]
name = "spine-eos-01"
kind = "eos"
host = "10.0.0.1"
username = "admin"
password = "x"
tags = ["core"]

[[devices]]
name = "spine-eos-02"
kind = "eos"
host = "10.0.0.2"
username = "admin"
password = "x"
tags = ["core"]

[[central]]
name = "acme-central"
region = "US-2"
client_id = "id"
client_secret = "s"
customer_id = "c"
access_token = "a"
refresh_token = "r"
"#;

fn dash() -> Dashboard {
    Dashboard::from_config(CONFIG, false).expect("config")
}

fn type_line(d: &mut Dashboard, line: &str) -> Vec<Effect> {
    d.press(KeyCode::Char(':'));
    for c in line.chars() {
        d.press(KeyCode::Char(c));
    }
    d.press(KeyCode::Enter)
}

/// The run id and targets of the one engine run in `fx`.
fn run_of(fx: &[Effect]) -> (u64, Vec<String>, String) {
    let runs: Vec<_> = fx
        .iter()
        .filter_map(|f| match f {
            Effect::Engine(EngineRequest::Run {
                id, targets, line, ..
            }) => Some((*id, targets.clone(), line.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(runs.len(), 1, "one run: {fx:?}");
    runs[0].clone()
}

fn timer_of(fx: &[Effect]) -> (u64, SystemTime) {
    fx.iter()
        .find_map(|f| match f {
            Effect::RepeatAt { seq, at } => Some((*seq, *at)),
            _ => None,
        })
        .unwrap_or_else(|| panic!("a timer: {fx:?}"))
}

fn counters(eth1_in: u64, eth2_out: u64) -> Value {
    json!({"interfaces": {
        "Ethernet1": {"inOctets": eth1_in, "outOctets": 500_000, "inDiscards": 0},
        "Ethernet2": {"inOctets": 2_000_000, "outOctets": eth2_out, "inDiscards": 0},
    }})
}

fn answer(d: &mut Dashboard, id: u64, target: &str, output: Value) -> Vec<Effect> {
    d.event(Event::Result {
        id,
        target: target.into(),
        kind: TargetKind::Eos,
        elapsed_ms: 3,
        outcome: Outcome::Ok {
            ok: true,
            output,
            notes: vec![],
            text: false,
        },
    })
}

fn done(d: &mut Dashboard, id: u64, total: usize) -> Vec<Effect> {
    d.event(Event::Progress {
        id,
        done: total,
        failed: 0,
        total,
    })
}

/// Three runs five seconds apart: Ethernet1 in grows 1,200 then 2,400; Ethernet2 out
/// grows on the second switch only.
fn three_runs(d: &mut Dashboard) {
    let fx = type_line(d, "every 5s @tag:core show interfaces counters");
    let (id, targets, line) = run_of(&fx);
    assert!(id > REPEAT_IDS, "repeat ids stay clear of the console's");
    assert_eq!(targets, ["@tag:core"]);
    assert_eq!(line, "show interfaces counters");
    assert_eq!(d.app.focus, Pane::Explorer);
    let mut id = id;
    for (n, (e1, e2)) in [
        (1_000_000, 700_000),
        (1_001_200, 700_000),
        (1_003_600, 750_000),
    ]
    .into_iter()
    .enumerate()
    {
        d.event(Event::RunStarted {
            id,
            line: "show interfaces counters".into(),
            total: 2,
            skipped: vec![],
        });
        answer(d, id, "spine-eos-01", counters(e1, 700_000));
        answer(d, id, "spine-eos-02", counters(e1, e2));
        let fx = done(d, id, 2);
        let (seq, at) = timer_of(&fx);
        let start = t0() + Duration::from_secs(5 * n as u64);
        assert_eq!(
            at,
            start + Duration::from_secs(5),
            "one interval after the start"
        );
        // The timer fires: the next run, started at that moment.
        if n < 2 {
            let fx = d.send(Msg::RepeatDue { seq, at });
            id = run_of(&fx).0;
        }
    }
    // The clock the countdown reads.
    d.send(Msg::Tick(t0() + Duration::from_secs(12)));
}

#[test]
fn every_runs_again_when_the_timer_fires_and_marks_changes() {
    let mut d = dash();
    three_runs(&mut d);
    let v = d.app.repeat.view.as_ref().expect("a repeat");
    assert_eq!(v.history.len(), 3);
    let screen = d.draw(160, 48);
    assert!(
        screen.contains("~    inOctets: 1003600  (+2400, 480/s)"),
        "{screen}"
    );
    assert!(
        screen.contains("~    outOctets: 750000  (+50000, 10000/s)"),
        "{screen}"
    );
    assert!(
        screen.contains("spine-eos-01 (eos) 3 ms · 1 change since the previous run"),
        "{screen}"
    );
    assert!(
        screen.contains("spine-eos-02 (eos) 3 ms · 2 changes since the previous run"),
        "{screen}"
    );
    assert!(screen.contains("run 3 of 3 · next in 3 s"), "{screen}");
    insta::assert_snapshot!("repeat_160x48", screen);
    insta::assert_snapshot!("repeat_80x24", d.draw(80, 24));

    // Changed lines are coloured as well as marked.
    let buf = d.draw_buffer(160, 48);
    let warn = Styles::new(&Theme::builtin_default(), false).warn;
    let row = (0..48)
        .find(|y| {
            (0..160)
                .map(|x| buf[(x, *y)].symbol().to_string())
                .collect::<String>()
                .contains("inOctets: 1003600")
        })
        .expect("the changed row");
    let x = (0..160)
        .find(|x| buf[(*x, row)].symbol() == "~")
        .expect("the mark");
    assert_eq!(buf[(x, row)].fg, warn.fg.expect("warn has a colour"));
}

#[test]
fn history_steps_and_the_first_run_baseline() {
    let mut d = dash();
    three_runs(&mut d);
    // `[`: the second run, compared with the first.
    d.press(KeyCode::Char('['));
    let screen = d.draw(160, 48);
    assert!(screen.contains("run 2 of 3"), "{screen}");
    assert!(
        screen.contains("inOctets: 1001200  (+1200, 240/s)"),
        "{screen}"
    );
    // Never past the oldest kept run; that one has nothing before it.
    d.press(KeyCode::Char('['));
    d.press(KeyCode::Char('['));
    let screen = d.draw(160, 48);
    assert!(screen.contains("run 1 of 3"), "{screen}");
    assert!(!screen.contains('~'), "{screen}");
    assert!(!screen.contains("changes since"), "{screen}");
    // `]` back to the latest, then `b`: since the first run, over ten seconds.
    d.press(KeyCode::Char(']'));
    d.press(KeyCode::Char(']'));
    d.press(KeyCode::Char('b'));
    let screen = d.draw(160, 48);
    assert!(screen.contains("run 3 of 3"), "{screen}");
    assert!(
        screen.contains("inOctets: 1003600  (+3600, 360/s)"),
        "{screen}"
    );
    assert!(screen.contains("since the first run"), "{screen}");
    insta::assert_snapshot!("repeat_since_first_80x24", d.draw(80, 24));
}

#[test]
fn esc_stops_then_closes_and_a_stale_timer_sends_nothing() {
    let mut d = dash();
    let fx = type_line(&mut d, "every 5s @spine-eos-01 show interfaces counters");
    let (id, targets, _) = run_of(&fx);
    assert_eq!(targets, ["spine-eos-01"]);
    answer(&mut d, id, "spine-eos-01", counters(1, 1));
    let (seq, at) = timer_of(&done(&mut d, id, 1));
    d.press(KeyCode::Esc);
    let v = d.app.repeat.view.as_ref().expect("still shown");
    assert!(!v.running);
    assert!(
        d.app
            .status
            .as_deref()
            .is_some_and(|s| s.starts_with("stopped repeating"))
    );
    // The timer set before Esc fires: no run, nothing for the engine.
    assert!(d.send(Msg::RepeatDue { seq, at }).is_empty());
    assert!(d.draw(160, 48).contains("· stopped"));
    // Stopping sends nothing to the engine: the sessions stay open.
    d.press(KeyCode::Esc);
    assert!(d.app.repeat.view.is_none());
    assert!(d.draw(160, 48).contains("4 Explorer"));
}

#[test]
fn a_run_still_going_delays_the_next_and_late_answers_are_ignored() {
    let mut d = dash();
    let fx = type_line(&mut d, "every 5s @spine-eos-01 show interfaces counters");
    let (id, ..) = run_of(&fx);
    // A timer from an earlier repeat (seq 0) or before the run finished does nothing.
    assert!(
        d.send(Msg::RepeatDue {
            seq: d.app.repeat.timer,
            at: t0()
        })
        .is_empty()
    );
    // An answer for a run that is not the current one is ignored.
    answer(&mut d, id + 7, "spine-eos-01", counters(9, 9));
    answer(&mut d, id, "spine-eos-01", counters(1, 1));
    // Finished 8 s late: the next run is due now, not in the past.
    d.send(Msg::Tick(t0() + Duration::from_secs(8)));
    let (_, at) = timer_of(&done(&mut d, id, 1));
    assert_eq!(at, t0() + Duration::from_secs(8));
    let v = d.app.repeat.view.as_ref().expect("repeat");
    let run = v.history.back(0).expect("a run");
    assert_eq!(run.answers.len(), 1);
}

#[test]
fn bad_every_lines_say_what_to_type() {
    let mut d = dash();
    for (line, said) in [
        ("every 0s @spine-eos-01 show clock", "too short"),
        ("every soon @spine-eos-01 show clock", "write it like 5s"),
        ("every 5s show clock", ":every INTERVAL @TARGETS COMMAND"),
        ("every 5s @spine-eos-01", ":every INTERVAL @TARGETS COMMAND"),
        ("every 5s @spine-eos-01 configure", "read commands only"),
    ] {
        let fx = type_line(&mut d, line);
        assert!(fx.is_empty(), "{line}: {fx:?}");
        let status = d.app.status.clone().unwrap_or_default();
        assert!(status.contains(said), "{line}: {status}");
        assert!(d.app.repeat.view.is_none(), "{line}");
    }
    type_line(&mut d, "nonsense");
    assert!(
        d.app
            .status
            .as_deref()
            .is_some_and(|s| s.contains(":every 5s @TARGETS CMD"))
    );
}

#[test]
fn central_budget_stretches_the_interval_and_the_view_says_so() {
    let mut d = dash();
    d.event(Event::Budget {
        account: "acme-central".into(),
        budget: Budget {
            remaining_day: Some(20_000),
            limit_day: Some(50_000),
            ..Budget::from_rate(7, 0, 0, None)
        },
    });
    let fx = type_line(&mut d, "every 5s @acme-central GET /monitoring/v2/aps");
    let (id, ..) = run_of(&fx);
    d.event(Event::Result {
        id,
        target: "acme-central".into(),
        kind: TargetKind::Central,
        elapsed_ms: 40,
        outcome: Outcome::Ok {
            ok: true,
            output: json!({"count": 120}),
            notes: vec![],
            text: false,
        },
    });
    // t0 is 40,000 s into its UTC day: 46,400 s to the reset, 5,000 runs allowed.
    let (_, at) = timer_of(&done(&mut d, id, 1));
    assert_eq!(at, t0() + Duration::from_secs(10));
    let said = "every 5 s stretched to 10 s: Central budget (acme-central)";
    assert_eq!(d.app.status.as_deref(), Some(said));
    let screen = d.draw(160, 48);
    assert!(screen.contains(said), "{screen}");
}

#[test]
fn opening_a_result_closes_a_stopped_repeat_only() {
    let mut d = dash();
    let fx = type_line(&mut d, "every 5s @spine-eos-01 show interfaces counters");
    let (id, ..) = run_of(&fx);
    answer(&mut d, id, "spine-eos-01", counters(1, 1));
    done(&mut d, id, 1);
    // A console command's first answer opens in the explorer: the running repeat stays.
    d.press(KeyCode::Char('3'));
    for c in "@spine-eos-01 show version".chars() {
        d.press(KeyCode::Char(c));
    }
    let (cid, ..) = run_of(&d.press(KeyCode::Enter));
    answer(&mut d, cid, "spine-eos-01", json!({"version": "4.30"}));
    assert!(d.app.repeat.view.is_some());
    d.press(KeyCode::Esc); // leaves the input
    d.press(KeyCode::Char('4'));
    d.press(KeyCode::Esc); // stops the repeat
    assert!(d.app.repeat.view.as_ref().is_some_and(|v| !v.running));
    d.press(KeyCode::Char('3'));
    d.press(KeyCode::Esc);
    d.press(KeyCode::Enter); // opens the selected result
    assert!(d.app.repeat.view.is_none());
    assert!(d.draw(160, 48).contains("4 Explorer: spine-eos-01"));
}
