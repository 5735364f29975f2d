//! `:every INTERVAL TARGETS CMD` in the dashboard: start a repeat, send each run to the
//! engine (whose sessions stay open between runs), fold its answers into the bounded
//! history, ask the loop for a timer to the next run (`Effect::RepeatAt`: no polling, and
//! a run still going delays the next), and the view's keys: `[`/`]` step through the last
//! runs, `b` compares with the first run instead of the previous one, Esc stops (the view
//! stays; Esc again closes it). The explorer pane hosts the view.

use std::time::SystemTime;

use super::keymap::Action;
use super::msg::{Effect, Out, Request};
use super::state::{CentralState, Pane, REPEAT_IDS, Repeat, RepeatRow as Row, RepeatState};
use crate::command::Command;
use crate::engine::messages::{EngineRequest, Event, Outcome, RunId};
use crate::kind::TargetKind;
use crate::repeat::history::{self, Answer, Diff, History, Run, Since};
use crate::repeat::lines::{self, Line};

/// Rows the view holds at most (all targets together).
pub const MAX_ROWS: usize = 50_000;
use crate::repeat::schedule::{self, Plan};

/// True for the ids of repeat runs (their events come here, not to the console).
pub fn owns(id: RunId) -> bool {
    id >= REPEAT_IDS
}

/// `:every 5s @tag:core show interfaces counters`, split by the router into the interval,
/// the targets and the command.
pub fn start(
    r: &mut RepeatState,
    interval: &str,
    targets: Vec<String>,
    line: String,
    now: SystemTime,
) -> Out {
    const USAGE: &str =
        "type :every INTERVAL @TARGETS COMMAND, e.g. :every 5s @tag:core show interfaces counters";
    let asked = match schedule::parse_interval(interval) {
        Ok(d) => d,
        Err(e) => return Out::status(format!("{e}; {USAGE}")),
    };
    if targets.is_empty() || line.is_empty() {
        return Out::status(USAGE);
    }
    match Command::parse(&line) {
        Err(e) => return Out::status(e.to_string()),
        Ok(c) if c.is_mutating() => {
            return Out::status(format!(
                ":every repeats read commands only: '{line}' may change the device; send it once from the console"
            ));
        }
        Ok(_) => {}
    }
    // A newer repeat replaces an open one; the old one's timer is ignored from now on.
    r.timer += 1;
    r.view = Some(Repeat {
        targets,
        line,
        plan: Plan {
            asked,
            every: asked,
            stretched_by: None,
        },
        running: true,
        history: History::default(),
        current: None,
        started: 0,
        back: 0,
        since: Since::Previous,
        scroll: 0,
        meta: std::collections::BTreeMap::new(),
        note: None,
        due: None,
        rows: Vec::new(),
    });
    send_run(r, now)
        .and(Out::request(Request::Focus(Pane::Explorer)))
        .and(Out::status(format!(
            "repeating every {} s: [ ] older/newer runs, b since first/previous, Esc stops",
            asked.as_secs()
        )))
}

fn send_run(r: &mut RepeatState, at: SystemTime) -> Out {
    let Some(v) = r.view.as_mut() else {
        return Out::default();
    };
    r.runs_sent += 1;
    let id = REPEAT_IDS + r.runs_sent;
    v.started += 1;
    v.current = Some((id, Run::new(v.started, at)));
    v.due = None;
    Out::effects(vec![Effect::Engine(EngineRequest::Run {
        id,
        targets: v.targets.clone(),
        line: v.line.clone(),
        interactive: true,
    })])
}

/// A repeat run's engine event.
pub fn on_event(r: &mut RepeatState, ev: Event, central: &CentralState, now: SystemTime) -> Out {
    let Some(v) = r.view.as_mut() else {
        return Out::default();
    };
    let current = v.current.as_ref().map(|(id, _)| *id);
    match ev {
        Event::RunRejected { id, error } if Some(id) == current => {
            v.current = None;
            v.running = false;
            v.note = Some(error.clone());
            Out::status(error)
        }
        Event::Result {
            id,
            target,
            kind,
            elapsed_ms,
            outcome,
        } if Some(id) == current => {
            v.meta.insert(target.clone(), (kind, elapsed_ms));
            if let Some((_, run)) = v.current.as_mut() {
                run.elapsed_ms.insert(target.clone(), elapsed_ms);
                match outcome {
                    Outcome::Ok { output, text, .. } => run.add(target, output, text),
                    Outcome::Err { error, .. } => run.insert(target, Answer::Error(error)),
                }
            }
            Out::default()
        }
        Event::Progress {
            id, done, total, ..
        } if Some(id) == current && done >= total => {
            let Some((_, run)) = v.current.take() else {
                return Out::default();
            };
            let at = run.at;
            v.history.push(run);
            // Looking at an older run: keep looking at it as the new one arrives.
            if v.back > 0 {
                v.back = (v.back + 1).min(v.history.len().saturating_sub(1));
            }
            v.rows = rows(v);
            if !v.running {
                return Out::default();
            }
            let left = v
                .meta
                .iter()
                .filter(|(_, (k, _))| *k == TargetKind::Central)
                .map(|(name, _)| {
                    let budget = central.accounts.get(name).and_then(|a| a.budget.as_ref());
                    (name.as_str(), budget.and_then(|b| b.remaining_day))
                });
            let plan = schedule::plan(v.plan.asked, left, now);
            let mut out = Out::default();
            if plan.note() != v.plan.note()
                && let Some(n) = plan.note()
            {
                out = Out::status(n);
            }
            let due = at.checked_add(plan.every).unwrap_or(now).max(now);
            v.plan = plan;
            v.due = Some(due);
            r.timer += 1;
            out.and(Out::effects(vec![Effect::RepeatAt {
                seq: r.timer,
                at: due,
            }]))
        }
        _ => Out::default(),
    }
}

/// The timer `seq` fired at `at`: the next run, unless the repeat stopped, was replaced or
/// still has a run going.
pub fn on_due(r: &mut RepeatState, seq: u64, at: SystemTime) -> Out {
    let live = r
        .view
        .as_ref()
        .is_some_and(|v| v.running && v.current.is_none());
    if seq != r.timer || !live {
        return Out::default();
    }
    send_run(r, at)
}

/// Esc: stop a running repeat (the sessions stay open, as always); on a stopped one,
/// close the view.
pub fn escape(r: &mut RepeatState) -> Out {
    let Some(v) = r.view.as_mut() else {
        return Out::default();
    };
    if v.running {
        v.running = false;
        v.current = None;
        v.due = None;
        r.timer += 1;
        Out::status(format!(
            "stopped repeating '{}' after {} runs (Esc again closes the view)",
            v.line,
            v.history.back(0).map_or(0, |run| run.n)
        ))
    } else {
        r.view = None;
        Out::default()
    }
}

/// A result opened in the explorer: a stopped repeat gives the pane back (a running one
/// keeps it; Esc stops it).
pub fn close_if_stopped(r: &mut RepeatState) {
    if r.view.as_ref().is_some_and(|v| !v.running) {
        r.view = None;
    }
}

/// A key action while the view is open.
pub fn on_action(r: &mut RepeatState, action: Action) -> Out {
    let Some(v) = r.view.as_mut() else {
        return Out::default();
    };
    match action {
        Action::HistoryOlder => v.back = (v.back + 1).min(v.history.len().saturating_sub(1)),
        Action::HistoryNewer => v.back = v.back.saturating_sub(1),
        Action::ChangesSince => v.since = v.since.toggled(),
        _ => return Out::default(),
    }
    v.rows = rows(v);
    Out::default()
}

/// Scroll the view by `delta` lines.
pub fn move_by(r: &mut RepeatState, delta: isize) {
    if let Some(v) = r.view.as_mut() {
        let max = v.rows.len().saturating_sub(1);
        v.scroll = v.scroll.saturating_add_signed(delta).min(max);
    }
}

/// The shown run (`back` steps from the latest), each target's answer with the changes
/// since the chosen baseline marked, at most [`MAX_ROWS`].
pub fn rows(v: &Repeat) -> Vec<Row> {
    let Some(run) = v.history.back(v.back) else {
        return Vec::new();
    };
    let base = v.history.baseline(v.back, v.since);
    let mut out = Vec::new();
    for (name, answer) in &run.answers {
        let d: Diff = history::diff(base, run, name);
        let (kind, elapsed_ms) = v.meta.get(name).map_or((None, 0), |(k, e)| (Some(*k), *e));
        out.push(Row::Target {
            name: name.clone(),
            kind,
            elapsed_ms,
            failed: matches!(answer, Answer::Error(_)),
            changes: (!d.no_baseline).then(|| d.count()),
        });
        out.extend(lines::answer(answer, &d).into_iter().map(Row::Line));
        if out.len() >= MAX_ROWS {
            out.truncate(MAX_ROWS);
            out.push(Row::Line(Line {
                text: format!("(the view stops at {MAX_ROWS} lines: choose fewer targets)"),
                mark: None,
                note: String::new(),
            }));
            break;
        }
    }
    out
}
