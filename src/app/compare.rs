//! The compare view's behaviour (drawn by `ui/compare.rs`): `d` on a console run compares
//! its answers, `:snap NAME` keeps the selected result, `:diff NAME` compares the
//! selected result with a kept one; in the view, h/l pick a group, j/k scroll its diff,
//! `i` toggles ignoring volatile fields and Esc goes back. The comparing itself is
//! `crate::compare`.

use std::time::SystemTime;

use crossterm::event::{KeyCode, KeyEvent};
use serde_json::Value;

use super::keymap::{Action, KeyMap};
use super::msg::{CompareJob, Effect, Out};
use super::state::{CompareState, CompareView, ConsoleState, ListCursor, PendingDiff, Transcript};
use crate::compare::report::{label, one_value};
use crate::compare::snapshot::{self, Snapshot};
use crate::compare::{Answer, Change, Comparison, Diff, LineChange};

pub use super::state::DiffRow;

/// The run under the console cursor and the result's index in it. The cursor counts
/// results from the newest (0), as the console draws them; read here rather than asked
/// of the console module, so panes do not import each other.
fn selected(c: &ConsoleState) -> Option<(&Transcript, usize)> {
    let mut left = c.cursor.selected;
    for t in c.transcript.iter().rev() {
        if left < t.results.len() {
            return Some((t, t.results.len() - 1 - left));
        }
        left -= t.results.len();
    }
    None
}

fn selected_run(c: &ConsoleState) -> Option<&Transcript> {
    selected(c).map(|(t, _)| t)
}

/// `d` in the console: compare the answers of the selected result's run.
pub fn open_selected(st: &mut CompareState, console: &ConsoleState) -> Out {
    let Some(run) = selected_run(console) else {
        return Out::status("nothing to compare yet: run a command on several targets first");
    };
    if run.results.len() < 2 {
        return Out::status(
            "d compares the answers of a fan-out, and this run has one; :diff NAME compares it with a snapshot",
        );
    }
    let mut answers = Vec::with_capacity(run.results.len());
    for r in &run.results {
        let result = match (&r.output, r.ok) {
            (Some(v), true) => Ok(v.clone()),
            (None, true) => {
                return Out::status(format!(
                    "the answers of `{}` are no longer kept (only the last {} runs'): run it again",
                    run.line,
                    super::state::OUTPUTS_KEPT
                ));
            }
            (_, false) => Err(r.summary.clone()),
        };
        answers.push(Answer {
            target: r.target.clone(),
            kind: r.kind,
            result,
        });
    }
    open_view(st, run.line.clone(), run.line.clone(), answers, None)
}

/// Answers with more JSON nodes than this (all together) are compared on a worker: the
/// comparison is linear, but a few hundred thousand nodes already take longer than a frame.
pub const INLINE_NODES: usize = 50_000;

/// True if `answers` hold more than `INLINE_NODES` nodes (counting stops there).
fn big(answers: &[Answer]) -> bool {
    let mut left = INLINE_NODES;
    let mut stack: Vec<&Value> = answers
        .iter()
        .filter_map(|a| a.result.as_ref().ok())
        .collect();
    while let Some(v) = stack.pop() {
        let Some(l) = left.checked_sub(1) else {
            return true;
        };
        left = l;
        match v {
            Value::Array(a) => stack.extend(a),
            Value::Object(o) => stack.extend(o.values()),
            // Long text answers (configs) count by their length.
            Value::String(t) => left = left.saturating_sub(t.len() / 64),
            _ => {}
        }
    }
    false
}

/// Open the view on `answers`: compared here when small, on a worker when big (the view
/// says "comparing" until `Msg::Compared` comes; Esc closes it meanwhile).
fn open_view(
    st: &mut CompareState,
    title: String,
    command: String,
    answers: Vec<Answer>,
    pin: Option<String>,
) -> Out {
    let mut v = CompareView {
        title,
        command,
        answers: answers.into(),
        pin,
        ignoring: true,
        result: empty(),
        group: ListCursor::default(),
        scroll: 0,
        computing: None,
        rows: Vec::new(),
    };
    let fx = compare(&mut v, &mut st.next_seq, &st.extra_ignore);
    st.view = Some(v);
    Out::effects(fx.into_iter().collect())
}

fn empty() -> Comparison {
    Comparison {
        groups: Vec::new(),
        diffs: Vec::new(),
        errors: Vec::new(),
        ignored: Vec::new(),
    }
}

/// (Re)build `v.result` as `v.ignoring` says: at once, or by a worker (the effect).
fn compare(v: &mut CompareView, next_seq: &mut u64, extra: &[String]) -> Option<Effect> {
    if big(&v.answers) {
        *next_seq += 1;
        v.computing = Some(*next_seq);
        v.result = empty();
        v.rows = rows(v);
        return Some(Effect::Compare(CompareJob {
            seq: *next_seq,
            answers: v.answers.clone(),
            command: v.command.clone(),
            extra_ignore: extra.to_vec(),
            ignoring: v.ignoring,
            pin: v.pin.clone(),
        }));
    }
    let result = Comparison::build(&v.answers, &v.command, extra, v.ignoring, v.pin.as_deref());
    show(v, result);
    None
}

/// A finished comparison on screen; the first group that differs is what the reader came
/// for.
fn show(v: &mut CompareView, result: Comparison) {
    v.computing = None;
    v.group = ListCursor::default();
    v.group.selected = usize::from(result.groups.len() > 1);
    v.result = result;
    v.scroll = 0;
    v.rows = rows(v);
}

/// A worker's comparison: shown if it is the one the view waits for.
pub fn on_compared(st: &mut CompareState, seq: u64, result: Comparison) {
    if let Some(v) = st.view.as_mut()
        && v.computing == Some(seq)
    {
        show(v, result);
    }
}

/// A key while the view is open; `None` for keys it leaves to the rest of the app
/// (`:`, help, quit).
pub fn on_key(
    st: &mut CompareState,
    keys: &KeyMap,
    k: KeyEvent,
    now: std::time::SystemTime,
) -> Option<Out> {
    let v = st.view.as_mut()?;
    if k.code == KeyCode::Esc {
        st.view = None;
        return Some(Out::default());
    }
    let action = keys.action(&k);
    let groups = v.result.groups.len();
    let rows = v.rows.len();
    match action {
        Some(Action::CommandLine | Action::Help | Action::Quit) => return None,
        Some(Action::Left) => move_group(v, -1, groups),
        Some(Action::Right | Action::Select) => move_group(v, 1, groups),
        Some(Action::Up) => v.scroll = v.scroll.saturating_sub(1),
        Some(Action::Down) => v.scroll = (v.scroll + 1).min(rows.saturating_sub(1)),
        Some(Action::PageUp) => v.scroll = v.scroll.saturating_sub(20),
        Some(Action::PageDown) => v.scroll = (v.scroll + 20).min(rows.saturating_sub(1)),
        Some(Action::Top) => v.scroll = 0,
        Some(Action::Bottom) => v.scroll = rows.saturating_sub(1),
        Some(Action::Save) => return Some(save_csv(v, now)),
        // `i`: the key that types in the console toggles ignoring here.
        Some(Action::FocusInput) => {
            v.ignoring = !v.ignoring;
            let fx = compare(v, &mut st.next_seq, &st.extra_ignore);
            let mut out = Out::status(if v.ignoring {
                "ignoring volatile fields (uptime, timestamps, counters, serials)"
            } else {
                "comparing everything, volatile fields too"
            });
            out.effects.extend(fx);
            return Some(out);
        }
        _ => {}
    }
    Some(Out::default())
}

/// `w`: the whole comparison as a table, one row per difference of every group against
/// group A (and one per target of A and of the failed group), so a spreadsheet can sort it.
fn save_csv(v: &CompareView, now: std::time::SystemTime) -> Out {
    use crate::compare::diff::{Change, Diff, LineChange};
    use crate::compare::report::label;
    let g = |s: &str| crate::csv_export::guard(s).into_owned();
    let json = |v: &serde_json::Value| g(&v.to_string());
    let header: Vec<String> = [
        "group",
        "targets",
        "op",
        "path_or_line",
        "reference",
        "this_group",
    ]
    .map(String::from)
    .to_vec();
    let c = &v.result;
    let mut rows: Vec<Vec<String>> = Vec::new();
    for (i, grp) in c.groups.iter().enumerate() {
        let targets = g(&grp.targets.join(" "));
        let row = |op: &str, at: String, from: String, to: String| {
            vec![label(i), targets.clone(), op.to_string(), at, from, to]
        };
        match c.diffs.get(i).and_then(Option::as_ref) {
            Some(Diff::Json(changes)) => rows.extend(changes.iter().map(|ch| match ch {
                Change::Added { value, .. } => {
                    row("added", g(&ch.jq_path()), String::new(), json(value))
                }
                Change::Removed { value, .. } => {
                    row("removed", g(&ch.jq_path()), json(value), String::new())
                }
                Change::Changed { from, to, .. } => {
                    row("changed", g(&ch.jq_path()), json(from), json(to))
                }
            })),
            Some(Diff::Text(lines)) => rows.extend(lines.iter().map(|l| match l {
                LineChange::Removed(n, t) => row("removed", n.to_string(), g(t), String::new()),
                LineChange::Added(n, t) => row("added", n.to_string(), String::new(), g(t)),
            })),
            None if grp.failed() => rows.extend(c.errors.iter().map(|(t, e)| {
                vec![
                    label(i),
                    g(t),
                    "failed".into(),
                    String::new(),
                    String::new(),
                    g(e),
                ]
            })),
            None => rows.push(row(
                if i == 0 { "reference" } else { "same" },
                String::new(),
                String::new(),
                String::new(),
            )),
        }
    }
    Out::save_csv("compare", &header, &rows, now)
}

fn move_group(v: &mut CompareView, delta: isize, groups: usize) {
    v.group.move_by(delta, groups, 0);
    v.scroll = 0;
    v.rows = rows(v);
}

/// The selected group's diff against group A, as rows.
pub fn rows(v: &CompareView) -> Vec<DiffRow> {
    if v.computing.is_some() {
        return vec![DiffRow::Note(
            "comparing big answers on a worker thread… (Esc closes)".into(),
        )];
    }
    let c = &v.result;
    let i = v.group.selected.min(c.groups.len().saturating_sub(1));
    let Some(g) = c.groups.get(i) else {
        return vec![DiffRow::Note("no answers".into())];
    };
    if g.failed() {
        return c
            .errors
            .iter()
            .map(|(t, e)| {
                DiffRow::Note(crate::sanitize::one_line(&format!("{t}: {e}")).into_owned())
            })
            .collect();
    }
    let me = label(i);
    match c.diffs.get(i).and_then(Option::as_ref) {
        None if c.groups.len() == 1 => vec![DiffRow::Note(if v.ignoring {
            "all answers are identical (volatile fields ignored: i compares them too)".into()
        } else {
            "all answers are identical".into()
        })],
        None => vec![DiffRow::Note(
            "A is the reference (the largest group): l or → shows how the others differ".into(),
        )],
        Some(d) if d.is_empty() => vec![DiffRow::Note("no differences".into())],
        Some(Diff::Json(cs)) => {
            let mut out = Vec::with_capacity(cs.len() * 3);
            for ch in cs {
                match ch {
                    Change::Changed { from, to, .. } => {
                        out.push(DiffRow::Path('~', ch.jq_path()));
                        out.push(DiffRow::Value("A".into(), one_value(from)));
                        out.push(DiffRow::Value(me.clone(), one_value(to)));
                    }
                    Change::Added { value, .. } => {
                        out.push(DiffRow::Path('+', ch.jq_path()));
                        out.push(DiffRow::Value(me.clone(), one_value(value)));
                    }
                    Change::Removed { value, .. } => {
                        out.push(DiffRow::Path('-', ch.jq_path()));
                        out.push(DiffRow::Value("A".into(), one_value(value)));
                    }
                }
            }
            out
        }
        Some(Diff::Text(ls)) => ls
            .iter()
            .map(|l| match l {
                // Device text: escape sequences are shown, never obeyed.
                LineChange::Removed(n, t) => {
                    DiffRow::Line('-', *n, crate::sanitize::one_line(t).into_owned())
                }
                LineChange::Added(n, t) => {
                    DiffRow::Line('+', *n, crate::sanitize::one_line(t).into_owned())
                }
            })
            .collect(),
    }
}

/// The result under the console cursor as an answer, with its run's command.
fn selected_answer(console: &ConsoleState) -> Result<(Answer, String), String> {
    let (run, i) = selected(console).ok_or("no result selected: run a command first")?;
    let r = run.results.get(i).ok_or("no result selected")?;
    match (&r.output, r.ok) {
        (Some(v), true) => Ok((
            Answer {
                target: r.target.clone(),
                kind: r.kind,
                result: Ok(v.clone()),
            },
            run.line.clone(),
        )),
        (None, true) => Err(format!(
            "the output of `{}` is no longer kept (only the last {} runs'): run it again",
            run.line,
            super::state::OUTPUTS_KEPT
        )),
        (_, false) => Err(format!(
            "{} failed ({}): pick a result that worked",
            r.target, r.summary
        )),
    }
}

/// `:snap NAME`: keep the selected result on disk.
pub fn snap(console: &ConsoleState, name: &str, now: SystemTime) -> Out {
    if let Err(e) = snapshot::check_name(name) {
        return Out::status(e.to_string());
    }
    let (answer, command) = match selected_answer(console) {
        Ok(a) => a,
        Err(e) => return Out::status(e),
    };
    let taken = now
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let output = answer.result.unwrap_or(Value::Null);
    Out::effects(vec![Effect::Snap {
        name: name.to_string(),
        snapshot: Snapshot {
            target: answer.target,
            kind: answer.kind.as_str().to_string(),
            command,
            taken,
            output,
        },
    }])
}

/// `:diff NAME`: compare the selected result with snapshot NAME (read off the UI thread).
pub fn diff(st: &mut CompareState, console: &ConsoleState, name: &str) -> Out {
    if let Err(e) = snapshot::check_name(name) {
        return Out::status(e.to_string());
    }
    let (current, command) = match selected_answer(console) {
        Ok(a) => a,
        Err(e) => return Out::status(e),
    };
    st.pending = Some(PendingDiff {
        name: name.to_string(),
        current,
        command,
    });
    Out::effects(vec![Effect::LoadSnapshot {
        name: name.to_string(),
    }])
}

/// A snapshot was read (or not) for `:diff`.
pub fn on_snapshot(st: &mut CompareState, name: &str, result: Result<Snapshot, String>) -> Out {
    let Some(p) = st.pending.take_if(|p| p.name == name) else {
        return Out::default();
    };
    let snap = match result {
        Ok(s) => s,
        Err(e) => return Out::status(e),
    };
    let label = format!("{name} (snapshot)");
    let kind = snap.target_kind().unwrap_or(p.current.kind);
    let title = format!(
        "{} now against snapshot {name} ({}, {})",
        p.current.target,
        snap.target,
        snap.taken_utc()
    );
    let answers = vec![
        Answer {
            target: label.clone(),
            kind,
            result: Ok(snap.output),
        },
        p.current,
    ];
    open_view(st, title, p.command, answers, Some(label))
}
