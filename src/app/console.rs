//! The Console pane's behaviour (drawn by `ui/console.rs`): the command input with
//! history, Ctrl-R and Tab completion, targets, the y/n question before a change, and the
//! transcript of runs and their results.

use std::collections::VecDeque;
use std::time::SystemTime;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::keymap::Action;
use super::msg::{Effect, Out, Request};
use super::state::{
    ConsoleState, DeviceRow, OUTPUTS_KEPT, Pane, REQUESTS_KEPT, ResultEntry, TRANSCRIPT_LIMIT,
    Transcript,
};
use crate::command::Command;
use crate::engine::messages::EngineRequest;
use crate::engine::messages::{Event, Outcome, RunId};

const HISTORY_LIMIT: usize = 1000;

fn run_mut(transcript: &mut VecDeque<Transcript>, id: RunId) -> Option<&mut Transcript> {
    transcript.iter_mut().find(|t| t.id == id)
}

/// The engine's news about runs: started, refused, a result, progress.
pub fn on_event(c: &mut ConsoleState, ev: Event) -> Out {
    match ev {
        Event::RunStarted {
            id, total, skipped, ..
        } => {
            if let Some(t) = run_mut(&mut c.transcript, id) {
                t.total = total;
                if !skipped.is_empty() {
                    t.note = Some(format!(
                        "skipped {}",
                        skipped
                            .iter()
                            .map(|(n, w)| format!("{n} ({w})"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ));
                }
            }
            Out::default()
        }
        Event::RunRejected { id, error } => {
            if let Some(t) = run_mut(&mut c.transcript, id) {
                t.note = Some(error.clone());
            }
            Out::status(error)
        }
        Event::Result {
            id,
            target,
            kind,
            elapsed_ms,
            outcome,
        } => {
            let entry = match outcome {
                Outcome::Ok { output, text, .. } => ResultEntry {
                    target,
                    kind,
                    elapsed_ms,
                    ok: true,
                    summary: summarize(&output),
                    output: Some(output),
                    text,
                },
                Outcome::Err { error, .. } => ResultEntry {
                    target,
                    kind,
                    elapsed_ms,
                    ok: false,
                    summary: error,
                    output: None,
                    text: false,
                },
            };
            let mut out = Out::default();
            if let Some(t) = run_mut(&mut c.transcript, id) {
                // The first answer that worked goes to the explorer (a fast failure must
                // not leave it empty).
                let first = !t.results.iter().any(|r| r.ok);
                if first && entry.ok {
                    out = Out::request(Request::OpenResult {
                        run: id,
                        index: t.results.len(),
                    });
                }
            }
            if !entry.ok {
                out = Out::status(format!("{}: {}", entry.target, entry.summary));
            }
            if let Some(t) = run_mut(&mut c.transcript, id) {
                t.results.push(entry);
            }
            out
        }
        Event::RequestSent {
            id,
            target,
            request,
        } => {
            if c.requests.len() >= REQUESTS_KEPT {
                c.requests.pop_front();
            }
            c.requests.push_back((id, target, request));
            Out::default()
        }
        Event::Progress {
            id,
            done,
            failed,
            total,
        } => {
            if let Some(t) = run_mut(&mut c.transcript, id) {
                t.done = done;
                t.failed = failed;
                t.total = total;
            }
            Out::default()
        }
        _ => Out::default(),
    }
}

/// One line for the transcript: the start of the text, or the JSON's shape.
fn summarize(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s
            .lines()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("")
            .trim()
            .chars()
            .take(80)
            .collect(),
        serde_json::Value::Object(o) => {
            let keys: Vec<&str> = o.keys().take(4).map(String::as_str).collect();
            format!(
                "{{{}{}}}",
                keys.join(", "),
                if o.len() > 4 { ", …" } else { "" }
            )
        }
        serde_json::Value::Array(a) => format!("[{} items]", a.len()),
        other => other.to_string(),
    }
}

/// Results the transcript draws (a command still without results has none to land on).
pub fn len(c: &ConsoleState) -> usize {
    c.transcript.iter().map(|t| t.results.len()).sum()
}

/// The transcript's cursor counts from the newest result, which is drawn at the bottom:
/// moving down the screen (`delta` > 0) is moving towards newer.
pub fn move_by(c: &mut ConsoleState, delta: isize) {
    let n = len(c);
    c.cursor.move_by(delta.saturating_neg(), n, 0);
}

/// The result under the cursor (0 = newest), with where it is.
fn selected_at(c: &ConsoleState) -> Option<(RunId, usize, &ResultEntry)> {
    c.transcript
        .iter()
        .rev()
        .flat_map(|t| {
            t.results
                .iter()
                .enumerate()
                .rev()
                .map(move |(i, r)| (t.id, i, r))
        })
        .nth(c.cursor.selected)
}

/// The transcript entry under the console cursor (0 = newest).
pub fn selected_result(c: &ConsoleState) -> Option<&ResultEntry> {
    selected_at(c).map(|(_, _, r)| r)
}

/// The `index`-th result of run `run`.
pub fn result(c: &ConsoleState, run: RunId, index: usize) -> Option<&ResultEntry> {
    c.transcript
        .iter()
        .find(|t| t.id == run)
        .and_then(|t| t.results.get(index))
}

/// The request behind the `index`-th result of run `run`, if its driver described one.
pub fn request(
    c: &ConsoleState,
    run: RunId,
    index: usize,
) -> Option<&crate::drivers::request_info::RequestInfo> {
    let target = &result(c, run, index)?.target;
    c.requests
        .iter()
        .rev()
        .find(|(id, t, _)| *id == run && t == target)
        .map(|(_, _, r)| r)
}

/// A key action with the Console focused and its input not taking keys.
pub fn on_action(c: &mut ConsoleState, a: Action) -> Out {
    match a {
        Action::FocusInput => c.editing = true,
        Action::Select => {
            if let Some((run, index, r)) = selected_at(c) {
                if r.output.is_some() {
                    return Out {
                        effects: Vec::new(),
                        requests: vec![
                            Request::OpenResult { run, index },
                            Request::Focus(Pane::Explorer),
                        ],
                    };
                }
                return Out::status(format!("{}: {}", r.target, r.summary));
            }
        }
        _ => {}
    }
    Out::default()
}

/// What a command is sent to when the line names no target: the marked devices, else the
/// one under the Devices cursor.
pub struct Fallback<'a> {
    pub rows: &'a [DeviceRow],
    pub selected: Option<&'a DeviceRow>,
}

/// A key while the input takes keys.
pub fn on_key(
    c: &mut ConsoleState,
    k: KeyEvent,
    to: Fallback<'_>,
    read_only: bool,
    now: SystemTime,
) -> Out {
    let ctrl = k.modifiers.contains(KeyModifiers::CONTROL);
    match k.code {
        KeyCode::Esc => {
            c.editing = false;
            c.history_search = None;
        }
        KeyCode::Enter => {
            c.history_search = None;
            let line = c.input.lines().join(" ").trim().to_string();
            if line.is_empty() {
                return Out::default();
            }
            c.input = ConsoleState::empty_input();
            c.history_pos = None;
            c.history.retain(|h| h != &line);
            c.history.push(line.clone());
            if c.history.len() > HISTORY_LIMIT {
                c.history.remove(0);
            }
            let saved = Out::effects(vec![Effect::SaveHistory(c.history.clone())]);
            return saved.and(submit(c, &line, to, read_only, now));
        }
        KeyCode::Char('r') if ctrl => {
            // Reverse search: the input's text finds the newest matching history line;
            // Ctrl-R again steps to older matches, as in a shell.
            let (q, before) = match &c.history_search {
                Some(q) => (q.clone(), c.history_pos.unwrap_or(c.history.len())),
                None => (c.input.lines().join(" "), c.history.len()),
            };
            c.history_search = Some(q.clone());
            let found = c.history[..before.min(c.history.len())]
                .iter()
                .rposition(|h| h.contains(&q));
            match found {
                Some(i) => {
                    c.history_pos = Some(i);
                    let h = c.history[i].clone();
                    set_input(c, h);
                }
                None => return Out::status(format!("no older command contains '{q}'")),
            }
        }
        // Clear the line, as in a shell (the text area would take it as undo).
        KeyCode::Char('u') if ctrl => {
            c.history_search = None;
            set_input(c, String::new());
        }
        KeyCode::Up | KeyCode::Down => {
            let n = c.history.len();
            if n == 0 {
                return Out::default();
            }
            let pos = match (c.history_pos, k.code) {
                (None, KeyCode::Up) => Some(n - 1),
                (Some(p), KeyCode::Up) => Some(p.saturating_sub(1)),
                (Some(p), _) if p + 1 < n => Some(p + 1),
                _ => None,
            };
            c.history_pos = pos;
            let text = pos
                .and_then(|p| c.history.get(p).cloned())
                .unwrap_or_default();
            set_input(c, text);
        }
        KeyCode::Tab => return complete(c, to.rows),
        _ => {
            c.history_search = None;
            c.input.input(k);
        }
    }
    Out::default()
}

fn set_input(c: &mut ConsoleState, text: String) {
    let mut t = ConsoleState::empty_input();
    t.insert_str(text);
    c.input = t;
}

/// Tab: complete the word under the cursor from target names and tags (after `@`) or from
/// history (a whole line).
fn complete(c: &mut ConsoleState, rows: &[DeviceRow]) -> Out {
    let line = c.input.lines().join(" ");
    let word = line.rsplit(' ').next().unwrap_or("");
    let candidates: Vec<String> = if let Some(w) = word.strip_prefix('@') {
        let mut names: Vec<String> = rows.iter().map(|r| r.name.clone()).collect();
        names.extend(
            rows.iter()
                .flat_map(|r| r.tags.iter().map(|t| format!("tag:{t}"))),
        );
        names.push("all".into());
        names.sort();
        names.dedup();
        names
            .into_iter()
            .filter(|n| n.starts_with(w))
            .map(|n| format!("@{n}"))
            .collect()
    } else {
        c.history
            .iter()
            .rev()
            .filter(|h| h.starts_with(&line) && **h != line)
            .take(1)
            .cloned()
            .collect()
    };
    match candidates.as_slice() {
        [] => {}
        [one] if word.starts_with('@') => {
            let head = &line[..line.len() - word.len()];
            set_input(c, format!("{head}{one} "));
        }
        [one] => set_input(c, one.clone()),
        many => {
            let common = many.iter().skip(1).fold(many[0].clone(), |acc, c| {
                acc.chars()
                    .zip(c.chars())
                    .take_while(|(a, b)| a == b)
                    .map(|(a, _)| a)
                    .collect()
            });
            if common.len() > word.len() {
                let head = &line[..line.len() - word.len()];
                set_input(c, format!("{head}{common}"));
            }
            return Out::status(many.iter().take(8).cloned().collect::<Vec<_>>().join("  "));
        }
    }
    Out::default()
}

/// Split `@a @tag:x show version` into targets and the command.
pub fn split_targets(line: &str) -> (Vec<String>, String) {
    let mut targets = Vec::new();
    let mut rest = line.trim();
    while let Some(w) = rest.strip_prefix('@') {
        let (t, r) = w.split_once(char::is_whitespace).unwrap_or((w, ""));
        targets.push(format!("@{t}"));
        rest = r.trim_start();
    }
    // `@name` selects a target by name; `@tag:x` and `@all` are selectors as they are.
    let targets = targets
        .into_iter()
        .map(|t| {
            if t == "@all" || t.starts_with("@tag:") {
                t
            } else {
                t[1..].to_string()
            }
        })
        .collect();
    (targets, rest.to_string())
}

/// A line entered: parse it, pick its targets, ask before a change, or send it.
pub fn submit(
    c: &mut ConsoleState,
    line: &str,
    to: Fallback<'_>,
    read_only: bool,
    now: SystemTime,
) -> Out {
    let (mut targets, cmd) = split_targets(line);
    if cmd.is_empty() {
        return Out::status("type a command after the targets, e.g. @spine-01 show version");
    }
    let parsed = match Command::parse(&cmd) {
        Ok(p) => p,
        Err(e) => return Out::status(e.to_string()),
    };
    if targets.is_empty() {
        targets = to
            .rows
            .iter()
            .filter(|r| r.marked)
            .map(|r| r.name.clone())
            .collect();
    }
    if targets.is_empty()
        && let Some(d) = to.selected
    {
        targets.push(d.name.clone());
    }
    if targets.is_empty() {
        return Out::status(
            "no target: prefix @name, @tag:NAME or @all, or mark devices with space",
        );
    }
    if let Some(why) = parsed.read_only_refusal() {
        if read_only {
            return Out::status(why);
        }
        let question = format!("send? (y/n) '{cmd}' may change {}", targets.join(", "));
        c.confirm = Some((targets, cmd));
        return Out::status(question);
    }
    submit_run(c, targets, cmd, now)
}

/// The answer to "send? (y/n)": y sends, any other key cancels.
pub fn answer(c: &mut ConsoleState, k: KeyEvent, now: SystemTime) -> Out {
    let Some((targets, line)) = c.confirm.take() else {
        return Out::default();
    };
    match k.code {
        KeyCode::Char('y' | 'Y') => submit_run(c, targets, line, now),
        _ => Out::status("cancelled"),
    }
}

fn submit_run(c: &mut ConsoleState, targets: Vec<String>, line: String, now: SystemTime) -> Out {
    let id = c.next_id;
    c.next_id += 1;
    c.transcript.push_back(Transcript {
        id,
        line: format!("{} {line}", targets.join(" ")),
        at: now,
        total: 0,
        done: 0,
        failed: 0,
        results: Vec::new(),
        note: None,
    });
    while c.transcript.len() > TRANSCRIPT_LIMIT {
        c.transcript.pop_front();
    }
    let n = c.transcript.len();
    for t in c.transcript.iter_mut().take(n.saturating_sub(OUTPUTS_KEPT)) {
        for r in &mut t.results {
            r.output = None;
        }
    }
    c.cursor.selected = 0;
    Out::effects(vec![Effect::Engine(EngineRequest::Run {
        id,
        targets,
        line,
        interactive: true,
    })])
}
