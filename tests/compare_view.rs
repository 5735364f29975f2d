//! The dashboard's compare view through the real reducer and renderer: `d` on a fan-out in
//! the console, the groups and the selected group's diff, `i` toggling volatile fields,
//! Esc, `:snap`/`:diff` with their effects, and the view at 80x24 and 160x48.

mod common;

use crossterm::event::KeyCode;
use netdash::app::state::{Pane, Transcript};
use netdash::app::update::{Effect, Msg};
use netdash::engine::messages::{Event, Outcome};
use netdash::kind::TargetKind;
use netdash::tui::testing::{Dashboard, t0};
use serde_json::{Value, json};

const CONFIG: &str = r#"
[settings]
ignore = [".memTotal"]

[[devices]]
name = "leaf-01"
kind = "eos"
host = "10.0.0.1"
username = "admin"
password = "x"

[[devices]]
name = "leaf-02"
kind = "eos"
host = "10.0.0.2"
username = "admin"
password = "x"

[[devices]]
name = "leaf-03"
kind = "eos"
host = "10.0.0.3"
username = "admin"
password = "x"

[[devices]]
name = "leaf-07"
kind = "eos"
host = "10.0.0.7"
username = "admin"
password = "x"
"#;

fn version(v: &str, uptime: f64, mem: u64) -> Value {
    json!({"modelName": "cEOSLab", "version": v, "uptime": uptime, "memTotal": mem,
           "interfaces": {"Ethernet1": {"mtu": 1500}}})
}

fn ok(d: &mut Dashboard, id: u64, target: &str, output: Value, text: bool) {
    d.event(Event::Result {
        id,
        target: target.into(),
        kind: TargetKind::Eos,
        elapsed_ms: 4,
        outcome: Outcome::Ok {
            ok: true,
            output,
            notes: vec![],
            text,
        },
    });
}

/// A run `line` (id `id`) in the transcript, as the console starts one.
fn run(d: &mut Dashboard, id: u64, line: &str, total: usize) {
    d.app.console.transcript.push_back(Transcript {
        id,
        line: line.into(),
        at: t0(),
        total,
        done: 0,
        failed: 0,
        results: vec![],
        note: None,
    });
}

/// Four leaves answered `show version`: two alike (but for uptime and memTotal), one on
/// another version with a bigger MTU, one failed. The console is focused, not typing.
fn fanned_out() -> Dashboard {
    let mut d = Dashboard::from_config(CONFIG, false).expect("config");
    run(&mut d, 1, "@all show version", 4);
    ok(&mut d, 1, "leaf-02", version("4.30.0F", 12.5, 2), false);
    let mut other = version("4.31.1F", 99.0, 3);
    other["interfaces"]["Ethernet1"]["mtu"] = json!(9214);
    other["interfaces"]["Ethernet2"] = json!({"mtu": 1500});
    ok(&mut d, 1, "leaf-07", other, false);
    ok(&mut d, 1, "leaf-01", version("4.30.0F", 40.0, 2), false);
    d.event(Event::Result {
        id: 1,
        target: "leaf-03".into(),
        kind: TargetKind::Eos,
        elapsed_ms: 3000,
        outcome: Outcome::Err {
            ok: false,
            error: "no answer from 10.0.0.3:443 within 3 s; retry later".into(),
        },
    });
    d.event(Event::Progress {
        id: 1,
        done: 4,
        failed: 1,
        total: 4,
    });
    d.app.focus = Pane::Console;
    d.app.console.editing = false;
    d.app.status = None;
    d
}

fn command(d: &mut Dashboard, line: &str) -> Vec<Effect> {
    d.press(KeyCode::Char(':'));
    for c in line.chars() {
        d.press(KeyCode::Char(c));
    }
    d.press(KeyCode::Enter)
}

#[test]
fn d_groups_the_answers_and_diffs_the_odd_one_against_the_largest() {
    let mut d = fanned_out();
    d.press(KeyCode::Char('d'));
    let v = d.app.compare.view.as_ref().expect("the view opened");
    assert_eq!(
        v.result.summary(),
        "2 identical, 1 differs: leaf-07, 1 failed: leaf-03"
    );
    // The first group that differs is selected: B, leaf-07.
    assert_eq!(v.group.selected, 1);
    let screen = d.draw(160, 48);
    for want in [
        "Compare: @all show version",
        "ignoring .memFree",
        "..uptime",
        ".memTotal",
        "A    2  leaf-01, leaf-02",
        "B    1  leaf-07",
        "B against A",
        "~ .version",
        "A  \"4.30.0F\"",
        "B  \"4.31.1F\"",
        "~ .interfaces.Ethernet1.mtu",
        "+ .interfaces.Ethernet2",
    ] {
        assert!(screen.contains(want), "{want:?} missing:\n{screen}");
    }
    insta::assert_snapshot!("compare_view_160x48", screen);
    insta::assert_snapshot!("compare_view_80x24", d.draw(80, 24));

    // h/l walk the groups: the failed one lists the errors.
    d.press(KeyCode::Char('l'));
    let screen = d.draw(160, 48);
    assert!(
        screen.contains("leaf-03: no answer from 10.0.0.3:443"),
        "{screen}"
    );
    d.press(KeyCode::Char('h'));
    d.press(KeyCode::Char('h'));
    assert!(d.draw(160, 48).contains("A is the reference"));

    // `i`: volatile fields count too, so the two alike leaves part.
    d.press(KeyCode::Char('i'));
    let v = d.app.compare.view.as_ref().expect("still open");
    assert!(!v.ignoring);
    assert_eq!(
        v.result.summary(),
        "1 identical, 2 differ: leaf-02, leaf-07, 1 failed: leaf-03"
    );
    assert!(d.draw(160, 48).contains("comparing everything"));
    d.press(KeyCode::Char('i'));
    assert!(d.app.compare.view.as_ref().expect("open").ignoring);

    // `?` lists the view's own keys.
    d.press(KeyCode::Char('?'));
    let help = d.draw(160, 48);
    assert!(help.contains("Compare (esc goes back)"), "{help}");
    assert!(help.contains("ignore volatile fields on/off"), "{help}");
    d.press(KeyCode::Esc);
    assert!(
        d.app.compare.view.is_some(),
        "Esc closed the help, not the view"
    );

    // Pane keys do not reach the panes underneath; Esc goes back to the console.
    d.press(KeyCode::Char('1'));
    assert_eq!(d.app.focus, Pane::Console);
    d.press(KeyCode::Esc);
    assert!(d.app.compare.view.is_none());
    assert!(d.draw(160, 48).contains("3 Console"));
}

#[test]
fn text_answers_get_a_line_diff() {
    let mut d = Dashboard::from_config(CONFIG, false).expect("config");
    run(&mut d, 1, "@all show running-config", 2);
    let cfg = |h: &str, mtu: u32| {
        Value::String(format!(
            "! Command: show running-config\nhostname leaf\ninterface Ethernet1\n   mtu {mtu}\n! {h}\nend\n"
        ))
    };
    ok(&mut d, 1, "leaf-01", cfg("a", 1500), true);
    ok(&mut d, 1, "leaf-02", cfg("a", 9214), true);
    d.app.focus = Pane::Console;
    d.press(KeyCode::Char('d'));
    let screen = d.draw(80, 24);
    // Line numbers are the device's own: the volatile first line is cut, not dropped.
    assert!(screen.contains("-    4 │    mtu 1500"), "{screen}");
    assert!(screen.contains("+    4 │    mtu 9214"), "{screen}");
    let wide = d.draw(160, 48);
    assert!(
        wide.contains(r#"ignoring text after "! Command:", text after "! Startup"#),
        "{wide}"
    );
}

#[test]
fn d_needs_a_fan_out_with_its_outputs() {
    let mut d = Dashboard::from_config(CONFIG, false).expect("config");
    d.app.focus = Pane::Console;
    d.press(KeyCode::Char('d'));
    assert!(d.app.compare.view.is_none());
    assert!(
        d.app
            .status
            .as_deref()
            .unwrap_or("")
            .starts_with("nothing to compare yet"),
        "{:?}",
        d.app.status
    );
    run(&mut d, 1, "leaf-01 show version", 1);
    ok(&mut d, 1, "leaf-01", version("4.30.0F", 1.0, 2), false);
    d.press(KeyCode::Char('d'));
    assert!(d.app.compare.view.is_none());
    assert!(
        d.app.status.as_deref().unwrap_or("").contains(":diff NAME"),
        "{:?}",
        d.app.status
    );
}

#[test]
fn snap_keeps_the_selected_result_and_diff_compares_with_it() {
    let mut d = fanned_out();
    // Newest result first: leaf-03 failed; one up is leaf-01.
    let fx = command(&mut d, "snap before");
    assert!(fx.is_empty(), "a failed result is not kept: {fx:?}");
    assert!(
        d.app
            .status
            .as_deref()
            .unwrap_or("")
            .contains("pick a result that worked"),
        "{:?}",
        d.app.status
    );
    d.press(KeyCode::Up);
    let fx = command(&mut d, "snap before");
    let [Effect::Snap { name, snapshot }] = fx.as_slice() else {
        panic!("one Snap effect: {fx:?}")
    };
    assert_eq!(name, "before");
    assert_eq!(snapshot.target, "leaf-01");
    assert_eq!(snapshot.command, "@all show version");
    assert_eq!(snapshot.output["version"], "4.30.0F");

    for bad in ["../etc", "a/b", ".."] {
        let fx = command(&mut d, &format!("snap {bad}"));
        assert!(fx.is_empty());
        assert!(
            d.app
                .status
                .as_deref()
                .unwrap_or("")
                .contains("is not usable"),
            "{bad}: {:?}",
            d.app.status
        );
        let fx = command(&mut d, &format!("diff {bad}"));
        assert!(fx.is_empty());
    }

    // :diff asks for the file, then shows the diff when it comes, the snapshot as A.
    d.press(KeyCode::Up);
    let fx = command(&mut d, "diff before");
    assert!(
        matches!(fx.as_slice(), [Effect::LoadSnapshot { name }] if name == "before"),
        "{fx:?}"
    );
    let mut old = snapshot.clone();
    old.taken = 1_795_000_000 - 86_400;
    old.output["version"] = json!("4.29.2F");
    d.send(Msg::Snapshot {
        name: "before".into(),
        result: Ok(old),
    });
    let v = d.app.compare.view.as_ref().expect("the view opened");
    assert_eq!(v.result.groups[0].targets, ["before (snapshot)"]);
    d.app.status = None;
    let screen = d.draw(80, 24);
    assert!(
        screen.contains("leaf-07 now against snapshot before"),
        "{screen}"
    );
    insta::assert_snapshot!("compare_diff_snapshot_80x24", screen);
    d.press(KeyCode::Esc);

    // A snapshot that cannot be read says so and opens nothing.
    command(&mut d, "diff gone");
    d.send(Msg::Snapshot {
        name: "gone".into(),
        result: Err(
            "no snapshot named \"gone\": :snap gone keeps the selected result first".into(),
        ),
    });
    assert!(d.app.compare.view.is_none());
    assert!(
        d.app
            .status
            .as_deref()
            .unwrap_or("")
            .starts_with("no snapshot named")
    );
}

#[test]
fn a_bad_ignore_pattern_is_a_config_error_naming_the_line() {
    let text = CONFIG.replace(r#"ignore = [".memTotal"]"#, r#"ignore = ["uptime"]"#);
    let Err(e) = Dashboard::from_config(&text, false) else {
        panic!("accepted a pattern without a dot")
    };
    let e = e.to_string();
    assert!(e.contains("line 3:"), "{e}");
    assert!(
        e.contains(r#"ignore pattern "uptime" is not a path"#),
        "{e}"
    );
    assert!(e.contains("write it like .uptime"), "{e}");
}

#[test]
fn unknown_commands_name_snap_and_diff() {
    let mut d = fanned_out();
    command(&mut d, "frobnicate");
    let s = d.app.status.clone().unwrap_or_default();
    assert!(s.contains(":snap NAME") && s.contains(":diff NAME"), "{s}");
}

#[test]
fn w_saves_the_comparison_as_a_csv_python_reads() {
    let mut d = fanned_out();
    d.press(KeyCode::Char('d'));
    let fx = d.press(KeyCode::Char('w'));
    let Some(Effect::Save { path, bytes }) =
        fx.into_iter().find(|e| matches!(e, Effect::Save { .. }))
    else {
        panic!("w saved nothing: {:?}", d.app.status);
    };
    assert!(
        path.starts_with("netdash-compare-")
            && std::path::Path::new(&path)
                .extension()
                .is_some_and(|e| e == "csv"),
        "{path}"
    );
    let rows = common::py_csv_rows(&bytes);
    assert_eq!(
        rows[0],
        [
            "group",
            "targets",
            "op",
            "path_or_line",
            "reference",
            "this_group"
        ]
    );
    // Group A is the reference; B (leaf-07) has its version changed and an interface
    // added; the failed target has its error.
    assert!(rows.contains(&vec![
        "A".into(),
        "leaf-01 leaf-02".into(),
        "reference".into(),
        String::new(),
        String::new(),
        String::new()
    ]));
    assert!(
        rows.iter().any(|r| r[0] == "B"
            && r[2] == "changed"
            && r[3] == ".version"
            && r[4] == "\"4.30.0F\""
            && r[5] == "\"4.31.1F\""),
        "{rows:?}"
    );
    assert!(
        rows.iter()
            .any(|r| r[2] == "added" && r[3].starts_with(".interfaces.Ethernet2")),
        "{rows:?}"
    );
    assert!(
        rows.iter()
            .any(|r| r[1] == "leaf-03" && r[2] == "failed" && r[5].contains("no answer")),
        "{rows:?}"
    );
}

/// Answers too big for a frame are compared by a worker: the view says so at once, the
/// effect carries the job, and its answer (only the newest one's) fills the view.
#[test]
fn big_answers_are_compared_off_the_ui_thread() {
    let mut d = Dashboard::from_config(CONFIG, false).expect("config");
    run(&mut d, 1, "@all show interfaces", 2);
    let table = |mtu: u64| {
        let ifs: serde_json::Map<String, Value> = (0..40_000)
            .map(|i| {
                (
                    format!("Ethernet{i}"),
                    json!({ "mtu": if i == 7 { mtu } else { 1500 } }),
                )
            })
            .collect();
        json!({ "interfaces": ifs })
    };
    ok(&mut d, 1, "leaf-01", table(1500), false);
    ok(&mut d, 1, "leaf-02", table(9214), false);
    d.app.focus = Pane::Console;
    d.app.console.editing = false;
    let fx = d.press(KeyCode::Char('d'));
    let job = fx
        .into_iter()
        .find_map(|e| match e {
            Effect::Compare(job) => Some(job),
            _ => None,
        })
        .expect("a worker job");
    assert!(d.draw(160, 48).contains("comparing big answers"));
    // A stale answer (an older job) is ignored.
    d.send(Msg::Compared {
        seq: job.seq + 100,
        result: Box::new(job.run()),
    });
    assert!(
        d.app
            .compare
            .view
            .as_ref()
            .is_some_and(|v| v.computing.is_some())
    );
    d.send(Msg::Compared {
        seq: job.seq,
        result: Box::new(job.run()),
    });
    let v = d.app.compare.view.as_ref().expect("open");
    assert_eq!(v.result.summary(), "1 identical, 1 differs: leaf-02");
    let screen = d.draw(160, 48);
    assert!(screen.contains(".interfaces.Ethernet7.mtu"), "{screen}");
}
