//! The reducer: `update(&mut App, Msg) -> Vec<Effect>`. No I/O here; effects (engine
//! commands, jq runs, file saves, clipboard) are carried out by the loop.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::SystemTime;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseEvent, MouseEventKind};
use ratatui::layout::Rect;

use super::keymap::{Action, KeyMap};
use super::state::*;
use crate::command::Command as Parsed;
use crate::engine::messages::{AccountInfo, Event, Outcome};
use crate::engine::{Command, SessionState};
use crate::explore::doc::Doc;
use crate::explore::job::{Done, Work};
use crate::explore::tree::{Control, Tree};

pub use super::msg::{Effect, ExploreJob, Msg};

const HISTORY_LIMIT: usize = 1000;

/// Explorer work on documents up to this size runs inline (done well within a frame);
/// bigger ones go to a worker thread with progress and Esc to cancel.
pub const INLINE_WORK_LIMIT: usize = 1 << 20;

/// How long a status message stays when nothing replaces it.
const STATUS_SECS: u64 = 10;

/// Documents larger than this are filtered when Enter is pressed, not on every key.
const LIVE_JQ_LIMIT: usize = 2 << 20;

pub fn update(app: &mut App, keys: &KeyMap, msg: Msg) -> Vec<Effect> {
    // What the device list shows (filter, sort by state or latency) changes with keys and
    // with device events; it is rebuilt at most once per frame, and not for the clock.
    let touches_devices = match &msg {
        Msg::Engine(ev) => matches!(
            ev,
            Event::Session { .. } | Event::Polled { .. } | Event::PollFailed { .. }
        ),
        Msg::Key(_) | Msg::Mouse(..) => true,
        Msg::Tick(_)
        | Msg::Filtered { .. }
        | Msg::Explored { .. }
        | Msg::Loaded { .. }
        | Msg::Status(_) => false,
    };
    if touches_devices {
        app.devices.view_dirty = true;
    }
    match msg {
        Msg::Engine(ev) => {
            on_event(app, ev);
            Vec::new()
        }
        Msg::Key(k) => on_key(app, keys, k),
        Msg::Mouse(m, rects) => {
            on_mouse(app, m, &rects);
            Vec::new()
        }
        Msg::Tick(now) => {
            app.now = now;
            fade_status(app, now);
            Vec::new()
        }
        Msg::Filtered { seq, result } => {
            if seq != app.explorer.jq_seq {
                return Vec::new(); // typed over: a newer filter is on its way
            }
            match result {
                Ok(doc) => match Tree::new(doc).map_err(|e| e.to_string()) {
                    Ok(t) => {
                        show(&mut app.explorer, ExplorerBody::Tree(Box::new(t)));
                        app.explorer.jq_error = None;
                    }
                    Err(e) => app.explorer.jq_error = Some(e),
                },
                Err(e) => app.explorer.jq_error = Some(e),
            }
            Vec::new()
        }
        Msg::Explored { seq, done } => {
            if app.explorer.job.as_ref().is_some_and(|j| j.seq == seq) {
                app.explorer.job = None;
                explorer_done(app, done);
            }
            Vec::new()
        }
        Msg::Status(m) => {
            app.status = Some(m);
            Vec::new()
        }
        Msg::Loaded { title, doc } => {
            match doc.and_then(|d| {
                let src = d.shared_bytes();
                Tree::new(d).map(|t| (t, src)).map_err(|e| e.to_string())
            }) {
                Ok((t, src)) => {
                    app.explorer.title = title;
                    app.explorer.source = Some(src);
                    show(&mut app.explorer, ExplorerBody::Tree(Box::new(t)));
                }
                Err(e) => app.status = Some(format!("{title}: {e}")),
            }
            Vec::new()
        }
    }
}

/// Clear a status message that has stood unchanged for a while (not a pending question).
fn fade_status(app: &mut App, now: SystemTime) {
    let Some(cur) = &app.status else {
        app.status_seen = None;
        return;
    };
    match &app.status_seen {
        Some((s, since)) if s == cur => {
            let old = now
                .duration_since(*since)
                .is_ok_and(|d| d.as_secs() >= STATUS_SECS);
            if old && app.console.confirm.is_none() {
                app.status = None;
                app.status_seen = None;
            }
        }
        _ => app.status_seen = Some((cur.clone(), now)),
    }
}

fn find_row<'a>(app: &'a mut App, name: &str) -> Option<&'a mut DeviceRow> {
    app.devices.rows.iter_mut().find(|r| r.name == name)
}

fn on_event(app: &mut App, ev: Event) {
    match ev {
        Event::Session {
            target,
            state,
            session,
            ..
        } => {
            if let SessionState::BackingOff { reason, .. } = &state {
                app.status = Some(format!("{target}: {reason}"));
            }
            if let Some(r) = find_row(app, &target) {
                if let SessionState::BackingOff { reason, .. } = &state {
                    r.last_error = Some(reason.clone());
                }
                r.state = state;
                r.session = Some(session);
            }
        }
        Event::Polled {
            target,
            latency_ms,
            facts,
        } => {
            let now = app.now;
            if let Some(r) = find_row(app, &target) {
                if r.latency.len() >= LATENCY_SAMPLES {
                    r.latency.pop_front();
                }
                r.latency.push_back(latency_ms);
                r.last_poll = Some(now);
                r.facts = facts;
                r.last_error = None;
            }
        }
        Event::PollFailed { target, error } => {
            if let Some(r) = find_row(app, &target) {
                r.last_error = Some(error);
            }
        }
        Event::RunStarted {
            id, total, skipped, ..
        } => {
            if let Some(t) = app.console.transcript.iter_mut().find(|t| t.id == id) {
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
        }
        Event::RunRejected { id, error } => {
            if let Some(t) = app.console.transcript.iter_mut().find(|t| t.id == id) {
                t.note = Some(error.clone());
            }
            app.status = Some(error);
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
            // The first answer that worked goes to the explorer (a fast failure must not
            // leave it empty).
            let first = app
                .console
                .transcript
                .iter()
                .find(|t| t.id == id)
                .is_some_and(|t| !t.results.iter().any(|r| r.ok));
            if first && entry.ok {
                open_result(app, &entry);
            } else if !entry.ok {
                app.status = Some(format!("{}: {}", entry.target, entry.summary));
            }
            if let Some(t) = app.console.transcript.iter_mut().find(|t| t.id == id) {
                t.results.push(entry);
            }
        }
        Event::Progress {
            id,
            done,
            failed,
            total,
        } => {
            if let Some(t) = app.console.transcript.iter_mut().find(|t| t.id == id) {
                t.done = done;
                t.failed = failed;
                t.total = total;
            }
        }
        Event::Budget { account, budget } => {
            central_account(app, &account).budget = Some(budget);
        }
        Event::Central {
            account,
            sites,
            aps,
            at,
        } => {
            let summary = format!("{} sites, {} APs", sites.len(), aps.len());
            let down = aps.iter().filter(|a| !a.up).count();
            let a = central_account(app, &account);
            a.sites = sites;
            a.aps = aps;
            a.at = Some(at);
            app.central.view_dirty = true;
            let now = app.now;
            if let Some(r) = find_row(app, &account) {
                r.last_poll = Some(now);
                r.facts.model = Some(summary);
                r.facts.version = Some(format!("{down} down"));
            }
        }
        Event::Alarm {
            target,
            what,
            message,
            raised,
        } => {
            let key = format!("{target} {what}");
            if raised {
                app.status = Some(format!("{target}: {message}"));
                app.active_alarms.insert(key, message);
            } else {
                app.active_alarms.remove(&key);
            }
            app.alarms = app.active_alarms.len();
        }
        Event::AccountsAdded { parent, accounts } => add_accounts(app, &parent, accounts),
        Event::Log { message } => app.status = Some(message),
        Event::ShutdownComplete { .. } => app.quit = true,
    }
}

/// Rows for accounts found at run time (an MSP's tenants): listed under their parent in
/// the Devices pane (by name: `MSP/tenant` sorts after `MSP`) and in the Central pane.
fn add_accounts(app: &mut App, parent: &str, accounts: Vec<AccountInfo>) {
    let n = accounts.len();
    central_account(app, parent);
    for a in accounts {
        if find_row(app, &a.name).is_none() {
            app.devices.rows.push(DeviceRow::new(
                &a.name,
                "central",
                a.host,
                &a.tags,
                a.verify_tls,
            ));
        }
        if !app.central.order.contains(&a.name) {
            let prefix = format!("{parent}/");
            let at = app
                .central
                .order
                .iter()
                .rposition(|o| o == parent || o.starts_with(&prefix))
                .map_or(app.central.order.len(), |i| i + 1);
            app.central.order.insert(at, a.name.clone());
            central_account(app, &a.name);
        }
    }
    app.devices.by_name = name_order(&app.devices.rows);
    app.devices.view_dirty = true;
    app.central.view_dirty = true;
    app.status = Some(format!("{parent}: {n} tenant accounts added"));
}

fn central_account<'a>(app: &'a mut App, name: &str) -> &'a mut CentralAccount {
    if !app.central.order.iter().any(|n| n == name) {
        app.central.order.push(name.to_string());
    }
    app.central
        .accounts
        .entry(name.to_string())
        .or_insert_with(|| CentralAccount {
            sites: Vec::new(),
            aps: Vec::new(),
            at: None,
            budget: None,
        })
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

/// Put a new body in the explorer: cursor, scroll and raw view start afresh (raw view
/// counts the new text's lines).
fn show(e: &mut ExplorerState, body: ExplorerBody) {
    // Work on the old body is moot.
    if let Some(j) = e.job.take() {
        j.control.cancel();
    }
    e.body = body;
    e.cursor = ListCursor::default();
    e.raw_top = 0;
    e.raw_starts = if e.raw {
        raw_index(&e.body)
    } else {
        Vec::new()
    };
    e.raw_lines = e.raw_starts.len();
}

/// Where each line of a tree's raw text starts (built once per body and view, not per
/// frame: 50 MB files).
fn raw_index(body: &ExplorerBody) -> Vec<u32> {
    match body {
        ExplorerBody::Tree(t) => std::iter::once(0)
            .chain(memchr::memchr_iter(b'\n', t.doc.bytes()).map(|i| i as u32 + 1))
            .collect(),
        _ => Vec::new(),
    }
}

/// Show a result in the explorer: JSON as a tree, text as lines.
pub fn open_result(app: &mut App, r: &ResultEntry) {
    let Some(out) = &r.output else { return };
    app.explorer.title = format!("{} ({} ms)", r.target, r.elapsed_ms);
    app.explorer.jq_error = None;
    match (r.text, out) {
        (true, serde_json::Value::String(s)) => {
            show(
                &mut app.explorer,
                ExplorerBody::Text(s.lines().map(str::to_string).collect()),
            );
            app.explorer.source = Some(Arc::from(s.as_bytes()));
        }
        _ => {
            let doc = Doc::from_value(out);
            app.explorer.source = Some(doc.shared_bytes());
            match Tree::new(doc) {
                Ok(t) => show(&mut app.explorer, ExplorerBody::Tree(Box::new(t))),
                Err(e) => app.status = Some(e.to_string()),
            }
        }
    }
}

/// Rows of the device list after filter and sort, as indices into `rows`. Starts from
/// the name order and sorts stably by one small key, so ties stay in name order and no
/// strings are compared (10,000 rows re-sort well inside a frame).
pub fn visible_devices(d: &DevicesState) -> Vec<usize> {
    let f = d.filter.to_lowercase();
    let mut idx: Vec<usize> = d
        .by_name
        .iter()
        .copied()
        .filter(|&i| {
            if f.is_empty() {
                return true;
            }
            let r = &d.rows[i];
            r.name.to_lowercase().contains(&f)
                || r.kind.contains(&f)
                || r.host.to_lowercase().contains(&f)
                || r.state.word().contains(&f)
                || r.tags.iter().any(|t| t.to_lowercase().contains(&f))
                || r.facts
                    .model
                    .as_deref()
                    .is_some_and(|m| m.to_lowercase().contains(&f))
                || r.facts
                    .version
                    .as_deref()
                    .is_some_and(|m| m.to_lowercase().contains(&f))
        })
        .collect();
    let rank = |s: &SessionState| match s {
        SessionState::BackingOff { .. } => 0u8,
        SessionState::LoggingIn | SessionState::Refreshing => 1,
        SessionState::Disconnected | SessionState::Closed => 2,
        SessionState::Connected => 3,
    };
    match d.sort {
        SortBy::Name => {}
        SortBy::Kind => idx.sort_by_key(|&i| d.rows[i].kind),
        SortBy::State => idx.sort_by_key(|&i| rank(&d.rows[i].state)),
        SortBy::Latency => {
            idx.sort_by_key(|&i| std::cmp::Reverse(d.rows[i].latency.back().copied().unwrap_or(0)))
        }
    }
    idx
}

/// Indices of `rows` in name order.
pub fn name_order(rows: &[DeviceRow]) -> Vec<usize> {
    let mut v: Vec<usize> = (0..rows.len()).collect();
    v.sort_by(|&a, &b| rows[a].name.cmp(&rows[b].name));
    v
}

fn on_mouse(app: &mut App, m: MouseEvent, rects: &[(Pane, Rect)]) {
    let hit = rects
        .iter()
        .find(|(_, r)| {
            m.column >= r.x && m.column < r.x + r.width && m.row >= r.y && m.row < r.y + r.height
        })
        .map(|(p, r)| (*p, *r));
    let Some((pane, rect)) = hit else { return };
    match m.kind {
        MouseEventKind::Down(_) => {
            app.focus = pane;
            // A click on a list row selects it (rows start below the border and header).
            let row = m.row.saturating_sub(rect.y + 2) as usize;
            let vp = app.viewports;
            match pane {
                Pane::Devices => {
                    let d = &mut app.devices;
                    d.cursor.click(row, d.view.len(), vp.devices);
                }
                Pane::Explorer if !app.explorer.raw => {
                    let row = m.row.saturating_sub(rect.y + 1) as usize;
                    let n = list_len(app);
                    app.explorer.cursor.click(row, n, vp.explorer);
                }
                _ => {}
            }
        }
        MouseEventKind::ScrollDown => {
            app.focus = pane;
            move_cursor(app, 3);
        }
        MouseEventKind::ScrollUp => {
            app.focus = pane;
            move_cursor(app, -3);
        }
        _ => {}
    }
}

fn list_len(app: &App) -> usize {
    match app.focus {
        Pane::Devices => app.devices.view.len(),
        Pane::Sessions => app.devices.rows.len(),
        // Exactly the results the transcript draws (a command still without results has
        // none to land on).
        Pane::Console => app.console.transcript.iter().map(|t| t.results.len()).sum(),
        Pane::Explorer => match &app.explorer.body {
            ExplorerBody::Tree(_) if app.explorer.raw => app.explorer.raw_lines,
            ExplorerBody::Tree(t) => t.len(),
            ExplorerBody::Text(l) => l.len(),
            ExplorerBody::Empty => 0,
        },
        Pane::Central => app.central.view.len(),
    }
}

fn move_cursor(app: &mut App, delta: isize) {
    let n = list_len(app);
    let vp = app.viewports;
    match app.focus {
        Pane::Devices => app.devices.cursor.move_by(delta, n, vp.devices),
        Pane::Sessions => app.sessions.cursor.move_by(delta, n, 0),
        // The transcript's cursor counts from the newest result, which is drawn at the
        // bottom: moving down the screen is moving towards newer.
        Pane::Console => app.console.cursor.move_by(delta.saturating_neg(), n, 0),
        // Raw text scrolls by lines, with no cursor: the top line moves.
        Pane::Explorer if app.explorer.raw => {
            let e = &mut app.explorer;
            let last_top = e.raw_lines.saturating_sub(vp.explorer.max(1));
            e.raw_top = (e.raw_top as isize + delta).clamp(0, last_top as isize) as usize;
        }
        Pane::Explorer => app.explorer.cursor.move_by(delta, n, vp.explorer),
        Pane::Central => app.central.cursor.move_by(delta, n, vp.central),
    }
}

/// APs of every account after the status and site filters, down first, as indices.
pub fn visible_aps(c: &CentralState) -> Vec<(usize, usize)> {
    let site = c.site.as_ref().map(|s| s.to_lowercase());
    let mut v: Vec<(usize, usize)> = c
        .order
        .iter()
        .enumerate()
        .filter_map(|(k, n)| c.accounts.get(n).map(|a| (k, a)))
        .flat_map(|(k, a)| a.aps.iter().enumerate().map(move |(i, ap)| (k, i, ap)))
        .filter(|(_, _, ap)| match c.status {
            ApFilter::All => true,
            ApFilter::Up => ap.up,
            ApFilter::Down => !ap.up,
        })
        .filter(|(_, _, ap)| {
            site.as_ref()
                .is_none_or(|s| ap.site.to_lowercase().contains(s))
        })
        .map(|(k, i, _)| (k, i))
        .collect();
    let ap = |&(k, i): &(usize, usize)| {
        c.order
            .get(k)
            .and_then(|n| c.accounts.get(n))
            .and_then(|a| a.aps.get(i))
    };
    v.sort_by(|x, y| {
        let key = |p| ap(p).map(|a| (a.up, a.site.as_str(), a.name.as_str()));
        key(x).cmp(&key(y))
    });
    v
}

/// The `i`-th AP of the Central view, with its account's name.
pub fn ap_at(app: &App, i: usize) -> Option<(&str, &crate::engine::messages::AccessPoint)> {
    let c = &app.central;
    let &(k, j) = c.view.get(i)?;
    let name = c.order.get(k)?;
    Some((name.as_str(), c.accounts.get(name)?.aps.get(j)?))
}

fn on_key(app: &mut App, keys: &KeyMap, k: KeyEvent) -> Vec<Effect> {
    if k.kind == crossterm::event::KeyEventKind::Release {
        return Vec::new();
    }
    if app.help {
        if matches!(k.code, KeyCode::Esc)
            || matches!(keys.action(&k), Some(Action::Help | Action::Quit))
        {
            app.help = false;
        }
        return Vec::new();
    }
    if let Some(line) = app.command_line.as_mut() {
        match k.code {
            KeyCode::Esc => app.command_line = None,
            KeyCode::Enter => {
                let l = std::mem::take(line);
                app.command_line = None;
                return command_line(app, &l);
            }
            KeyCode::Backspace => {
                line.pop();
            }
            KeyCode::Char(c) => line.push(c),
            _ => {}
        }
        return Vec::new();
    }
    if let Some((targets, line)) = app.console.confirm.take() {
        return match k.code {
            KeyCode::Char('y' | 'Y') => submit_run(app, targets, line),
            _ => {
                app.status = Some("cancelled".into());
                Vec::new()
            }
        };
    }
    // Pane keys that cannot be typed (Alt-1..5, F1..F5) work from every text input too: after
    // a console command the input keeps the focus, and a plain `4` would be typed into it.
    if let Some(action) = keys.action(&k).filter(|a| PANE_KEYS.contains(a))
        && !is_typed(&k)
    {
        if app.solo.is_none() {
            focus_pane(app, action);
        }
        return Vec::new();
    }
    if app.focus == Pane::Console && app.console.editing {
        return console_key(app, k);
    }
    if app.devices.filtering && app.focus == Pane::Devices {
        edit_text(&mut app.devices.filter, &mut app.devices.filtering, k);
        app.devices.cursor.selected = 0;
        return Vec::new();
    }
    if app.focus == Pane::Explorer && app.explorer.searching {
        if k.code == KeyCode::Enter {
            app.explorer.searching = false;
            return explorer_search(app, true, true);
        } else {
            edit_text(&mut app.explorer.search, &mut app.explorer.searching, k);
        }
        return Vec::new();
    }
    if app.focus == Pane::Explorer && app.explorer.jq_editing {
        let before = app.explorer.jq.clone();
        edit_text(&mut app.explorer.jq, &mut app.explorer.jq_editing, k);
        let enter = k.code == KeyCode::Enter;
        if app.explorer.jq != before || enter {
            return run_jq(app, enter);
        }
        return Vec::new();
    }
    if app.explorer.save_path.is_some() && app.focus == Pane::Explorer {
        let mut editing = true;
        let mut path = app.explorer.save_path.take().unwrap_or_default();
        if k.code == KeyCode::Enter {
            let bytes = explorer_bytes(app);
            app.status = Some(format!("saving to {path}"));
            return vec![Effect::Save { path, bytes }];
        }
        edit_text(&mut path, &mut editing, k);
        if editing {
            app.explorer.save_path = Some(path);
        }
        return Vec::new();
    }
    if k.code == KeyCode::Char('c')
        && k.modifiers.contains(KeyModifiers::CONTROL)
        && keys.action(&k).is_none()
    {
        // Nothing sits on a Ctrl chord; say how to leave instead of doing nothing.
        app.status = Some(format!(
            "{} quits (and logs every session out)",
            keys.label(Action::Quit)
        ));
        return Vec::new();
    }
    if app.focus == Pane::Explorer && k.code == KeyCode::Esc && app.explorer.job.is_some() {
        explorer_cancel(app);
        return Vec::new();
    }
    let Some(action) = keys.action(&k) else {
        return Vec::new();
    };
    // With one pane on screen (`netdash explore`), pane keys would focus something unseen.
    if app.solo.is_some()
        && matches!(
            action,
            Action::NextPane
                | Action::PrevPane
                | Action::Pane1
                | Action::Pane2
                | Action::Pane3
                | Action::Pane4
                | Action::Pane5
        )
    {
        return Vec::new();
    }
    // Global keys first.
    match action {
        Action::Quit => {
            app.quit = true;
            return vec![Effect::Engine(Command::Shutdown)];
        }
        Action::Help => {
            app.help = true;
            return Vec::new();
        }
        Action::CommandLine => {
            app.command_line = Some(String::new());
            return Vec::new();
        }
        Action::NextPane => {
            app.focus = Pane::ALL[(app.focus.index() + 1) % 5];
            return Vec::new();
        }
        Action::PrevPane => {
            app.focus = Pane::ALL[(app.focus.index() + 4) % 5];
            return Vec::new();
        }
        Action::Pane1 | Action::Pane2 | Action::Pane3 | Action::Pane4 | Action::Pane5 => {
            focus_pane(app, action)
        }
        Action::Up => move_cursor(app, -1),
        Action::Down => move_cursor(app, 1),
        Action::PageUp => move_cursor(app, -20),
        Action::PageDown => move_cursor(app, 20),
        Action::Top => move_cursor(app, -(isize::MAX / 2)),
        Action::Bottom => move_cursor(app, isize::MAX / 2),
        _ => return pane_action(app, action),
    }
    Vec::new()
}

/// The actions that jump straight to a pane.
const PANE_KEYS: [Action; 5] = [
    Action::Pane1,
    Action::Pane2,
    Action::Pane3,
    Action::Pane4,
    Action::Pane5,
];

/// A key a text input would take as a character.
fn is_typed(k: &KeyEvent) -> bool {
    matches!(k.code, KeyCode::Char(_))
        && !k
            .modifiers
            .intersects(KeyModifiers::ALT | KeyModifiers::CONTROL)
}

fn focus_pane(app: &mut App, action: Action) {
    match action {
        Action::Pane1 => app.focus = Pane::Devices,
        Action::Pane2 => app.focus = Pane::Sessions,
        Action::Pane3 => {
            app.focus = Pane::Console;
            app.console.editing = true;
        }
        Action::Pane4 => app.focus = Pane::Explorer,
        Action::Pane5 => app.focus = Pane::Central,
        _ => {}
    }
}

fn edit_text(s: &mut String, editing: &mut bool, k: KeyEvent) {
    match k.code {
        KeyCode::Esc | KeyCode::Enter => *editing = false,
        KeyCode::Backspace => {
            s.pop();
        }
        KeyCode::Char(c) if !k.modifiers.contains(KeyModifiers::CONTROL) => s.push(c),
        _ => {}
    }
}

fn selected_device(app: &App) -> Option<&DeviceRow> {
    app.devices
        .view
        .get(app.devices.cursor.selected)
        .and_then(|i| app.devices.rows.get(*i))
}

/// The device under the cursor of the focused pane (Sessions lists rows in config order).
fn pane_device(app: &App) -> Option<&DeviceRow> {
    match app.focus {
        Pane::Sessions => app.devices.rows.get(app.sessions.cursor.selected),
        _ => selected_device(app),
    }
}

/// Rebuild derived views (filter, sort) if something changed. Called before drawing.
pub fn refresh_views(app: &mut App) {
    if app.central.view_dirty {
        app.central.view = visible_aps(&app.central);
        app.central.view_dirty = false;
    }
    if app.devices.view_dirty {
        app.devices.view = visible_devices(&app.devices);
        app.devices.view_dirty = false;
        let n = app.devices.view.len();
        if app.devices.cursor.selected >= n {
            app.devices.cursor.selected = n.saturating_sub(1);
        }
    }
}

fn pane_action(app: &mut App, action: Action) -> Vec<Effect> {
    match (app.focus, action) {
        (Pane::Devices, Action::Mark) => {
            if let Some(&i) = app.devices.view.get(app.devices.cursor.selected) {
                app.devices.rows[i].marked = !app.devices.rows[i].marked;
            }
            move_cursor(app, 1);
        }
        (Pane::Devices, Action::Sort) => app.devices.sort = app.devices.sort.next(),
        (Pane::Devices, Action::Filter) => {
            app.devices.filtering = true;
            app.devices.filter.clear();
        }
        (Pane::Devices | Pane::Sessions, Action::Refresh) => {
            let t = pane_device(app).map(|d| d.name.clone());
            app.status = Some(format!("polling {}", t.as_deref().unwrap_or("everything")));
            return vec![Effect::Engine(Command::RefreshNow { target: t })];
        }
        (Pane::Devices | Pane::Sessions, Action::Reconnect) => {
            if let Some(t) = pane_device(app).map(|d| d.name.clone()) {
                app.status = Some(format!("reconnecting {t}"));
                return vec![Effect::Engine(Command::Reconnect { target: t })];
            }
        }
        (Pane::Devices, Action::Select) => {
            app.focus = Pane::Console;
            app.console.editing = true;
        }
        (Pane::Console, Action::FocusInput) => app.console.editing = true,
        (Pane::Console, Action::Select) => {
            if let Some(r) = selected_result(app).cloned() {
                if r.output.is_some() {
                    open_result(app, &r);
                    app.focus = Pane::Explorer;
                } else {
                    app.status = Some(format!("{}: {}", r.target, r.summary));
                }
            }
        }
        (Pane::Explorer, a) => return explorer_action(app, a),
        (Pane::Central, Action::StatusFilter) => {
            app.central.view_dirty = true;
            app.central.status = match app.central.status {
                ApFilter::All => ApFilter::Down,
                ApFilter::Down => ApFilter::Up,
                ApFilter::Up => ApFilter::All,
            };
            app.central.cursor.selected = 0;
        }
        (Pane::Central, Action::Filter) => {
            // Filter by the selected AP's site; again to clear.
            app.central.view_dirty = true;
            app.central.site = match app.central.site {
                Some(_) => None,
                None => ap_at(app, app.central.cursor.selected).map(|(_, a)| a.site.clone()),
            };
            app.central.cursor.selected = 0;
        }
        (Pane::Central, Action::Refresh) => {
            return vec![Effect::Engine(Command::RefreshNow { target: None })];
        }
        _ => {}
    }
    Vec::new()
}

/// The transcript entry under the console cursor (0 = newest).
pub fn selected_result(app: &App) -> Option<&ResultEntry> {
    app.console
        .transcript
        .iter()
        .rev()
        .flat_map(|t| t.results.iter().rev())
        .nth(app.console.cursor.selected)
}

fn explorer_bytes(app: &App) -> Arc<[u8]> {
    match &app.explorer.body {
        // Shared, not copied: the UI thread does not copy a 50 MB document to save it.
        ExplorerBody::Tree(t) => t.doc.shared_bytes(),
        ExplorerBody::Text(l) => Arc::from(l.join("\n").into_bytes()),
        ExplorerBody::Empty => Arc::from(Vec::new()),
    }
}

/// Start `work` on the explorer's tree: inline on a small document (done before the
/// next frame), else as a job for a worker thread. A newer job replaces an older one.
fn explorer_work(app: &mut App, work: Work) -> Vec<Effect> {
    let e = &mut app.explorer;
    let ExplorerBody::Tree(t) = &e.body else {
        return Vec::new();
    };
    if let Some(old) = e.job.take() {
        old.control.cancel();
    }
    e.job_seq += 1;
    let control = Control::default();
    if t.doc.bytes().len() <= INLINE_WORK_LIMIT {
        let done = crate::explore::job::run(&t.doc, &work, &control);
        explorer_done(app, done);
        return Vec::new();
    }
    let doc = t.doc.clone();
    e.job = Some(ExplorerJob {
        seq: e.job_seq,
        label: work.label(),
        control: control.clone(),
    });
    vec![Effect::Explore(ExploreJob {
        seq: e.job_seq,
        doc,
        work,
        control,
    })]
}

/// Esc while a job runs: stop it; the tree stays as it was.
fn explorer_cancel(app: &mut App) {
    if let Some(j) = app.explorer.job.take() {
        j.control.cancel();
        app.status = Some(format!("{}: cancelled", j.label));
    }
}

/// Apply finished explorer work to the tree.
fn explorer_done(app: &mut App, done: Done) {
    let e = &mut app.explorer;
    let ExplorerBody::Tree(t) = &mut e.body else {
        return;
    };
    match done {
        Done::Expanded(built) => {
            // The cursor stays on its value (or the nearest visible container of it).
            let at = t.row(e.cursor.selected).map_or(0, |r| r.start() as usize);
            t.set_rows(built.rows);
            e.cursor.selected = t.row_at(at);
            if let Some(err) = built.error {
                app.status = Some(format!("part of the document was left closed: {err}"));
            }
        }
        Done::Found {
            needle,
            offset,
            chain,
        } => match offset.and_then(|o| t.reveal_with(o, &chain)) {
            Some(i) => e.cursor.selected = i,
            None => app.status = Some(format!("{needle:?} not found")),
        },
        Done::Opened { entry, kids } => match (t.index_of(&entry), kids) {
            (Some(i), Ok(kids)) => {
                let (kids, counts) = kids.into_iter().unzip();
                t.expand_counted(i, kids, counts);
            }
            (_, Err(err)) => app.status = Some(err.to_string()),
            (None, _) => {}
        },
        Done::Cancelled => {}
    }
}

fn run_jq(app: &mut App, enter: bool) -> Vec<Effect> {
    let Some(src) = app.explorer.source.clone() else {
        return Vec::new();
    };
    if !enter && src.len() > LIVE_JQ_LIMIT {
        app.status = Some(format!(
            "large document ({} MB): press Enter to apply the filter",
            src.len() >> 20
        ));
        return Vec::new();
    }
    if app
        .status
        .as_deref()
        .is_some_and(|m| m.starts_with("large document"))
    {
        app.status = None; // the hint is answered
    }
    app.explorer.jq_seq += 1;
    let code = app.explorer.jq.trim().to_string();
    let code = if code.is_empty() { ".".into() } else { code };
    vec![Effect::RunJq {
        seq: app.explorer.jq_seq,
        code,
        input: src,
    }]
}

fn explorer_search(app: &mut App, forward: bool, from_cursor_inclusive: bool) -> Vec<Effect> {
    let needle = app.explorer.search.clone();
    match &mut app.explorer.body {
        ExplorerBody::Tree(t) => {
            let from = if from_cursor_inclusive && app.explorer.cursor.selected > 0 {
                app.explorer.cursor.selected - 1
            } else {
                app.explorer.cursor.selected
            };
            let from = t.search_from(from, forward);
            return explorer_work(
                app,
                Work::Search {
                    needle,
                    from,
                    forward,
                },
            );
        }
        ExplorerBody::Text(lines) => {
            let n = lines.len();
            let lower = needle.to_lowercase();
            let hit = (1..=n)
                .map(|k| {
                    if forward {
                        (app.explorer.cursor.selected + k) % n
                    } else {
                        (app.explorer.cursor.selected + n * 2 - k) % n
                    }
                })
                .find(|&i| lines[i].to_lowercase().contains(&lower));
            match hit {
                Some(i) => app.explorer.cursor.selected = i,
                None => app.status = Some(format!("{needle:?} not found")),
            }
        }
        ExplorerBody::Empty => {}
    }
    Vec::new()
}

fn explorer_action(app: &mut App, a: Action) -> Vec<Effect> {
    let cursor = app.explorer.cursor.selected;
    match a {
        Action::Filter | Action::Search => {
            app.explorer.searching = true;
            app.explorer.search.clear();
        }
        Action::SearchNext => return explorer_search(app, true, false),
        Action::SearchPrev => return explorer_search(app, false, false),
        Action::JqFilter => app.explorer.jq_editing = true,
        Action::RawToggle => {
            let e = &mut app.explorer;
            e.raw = !e.raw;
            if e.raw {
                e.raw_starts = raw_index(&e.body);
                e.raw_lines = e.raw_starts.len();
                e.raw_top = e.raw_top.min(e.raw_lines.saturating_sub(1));
            }
        }
        Action::Save => app.explorer.save_path = Some("netdash-result.json".into()),
        Action::CopyValue | Action::CopyPath => {
            let text = match &app.explorer.body {
                ExplorerBody::Tree(t) if a == Action::CopyPath => t.path(cursor),
                ExplorerBody::Tree(t) => t.value_text(cursor).to_string(),
                ExplorerBody::Text(l) => l.get(cursor).cloned().unwrap_or_default(),
                ExplorerBody::Empty => String::new(),
            };
            app.status = Some(format!("copied {} characters", text.chars().count()));
            return vec![Effect::Copy(text)];
        }
        _ => {}
    }
    let ExplorerBody::Tree(t) = &mut app.explorer.body else {
        return Vec::new();
    };
    let expanded = t.row(cursor).is_some_and(|r| r.expanded);
    let r = match a {
        Action::Select if expanded => {
            t.collapse(cursor);
            Ok(())
        }
        Action::Select | Action::Right => {
            // A huge container is read by a worker (its children: one scan of its bytes).
            match t.row(cursor).map(|r| r.entry) {
                Some(entry)
                    if !expanded
                        && entry.kind.is_container()
                        && (entry.value.end - entry.value.start) as usize > INLINE_WORK_LIMIT =>
                {
                    return explorer_work(app, Work::Open { entry });
                }
                _ => t.expand(cursor),
            }
        }
        Action::Left => {
            if expanded {
                t.collapse(cursor);
            } else if let Some(p) = t.parent(cursor) {
                app.explorer.cursor.selected = p;
            }
            Ok(())
        }
        Action::ExpandAll => return explorer_work(app, Work::Expand { depth: u16::MAX }),
        Action::CollapseAll => {
            app.explorer.cursor.selected = 0;
            app.explorer.depth = 1;
            return explorer_work(app, Work::Expand { depth: 1 });
        }
        Action::DeeperLevel => {
            app.explorer.depth = app.explorer.depth.saturating_add(1);
            let depth = app.explorer.depth;
            return explorer_work(app, Work::Expand { depth });
        }
        Action::ShallowerLevel => {
            app.explorer.depth = app.explorer.depth.saturating_sub(1).max(1);
            let depth = app.explorer.depth;
            return explorer_work(app, Work::Expand { depth });
        }
        _ => Ok(()),
    };
    if let Err(e) = r {
        app.status = Some(e.to_string());
    }
    Vec::new()
}

fn console_key(app: &mut App, k: KeyEvent) -> Vec<Effect> {
    let ctrl = k.modifiers.contains(KeyModifiers::CONTROL);
    match k.code {
        KeyCode::Esc => {
            app.console.editing = false;
            app.console.history_search = None;
        }
        KeyCode::Enter => {
            app.console.history_search = None;
            let line = app.console.input.lines().join(" ").trim().to_string();
            if line.is_empty() {
                return Vec::new();
            }
            app.console.input = new_input();
            app.console.history_pos = None;
            app.console.history.retain(|h| h != &line);
            app.console.history.push(line.clone());
            if app.console.history.len() > HISTORY_LIMIT {
                app.console.history.remove(0);
            }
            let mut fx = vec![Effect::SaveHistory(app.console.history.clone())];
            fx.extend(console_submit(app, &line));
            return fx;
        }
        KeyCode::Char('r') if ctrl => {
            // Reverse search: the input's text finds the newest matching history line;
            // Ctrl-R again steps to older matches, as in a shell.
            let c = &mut app.console;
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
                    set_input(app, h);
                }
                None => app.status = Some(format!("no older command contains '{q}'")),
            }
        }
        // Clear the line, as in a shell (the text area would take it as undo).
        KeyCode::Char('u') if ctrl => {
            app.console.history_search = None;
            set_input(app, String::new());
        }
        KeyCode::Up | KeyCode::Down => {
            let n = app.console.history.len();
            if n == 0 {
                return Vec::new();
            }
            let pos = match (app.console.history_pos, k.code) {
                (None, KeyCode::Up) => Some(n - 1),
                (Some(p), KeyCode::Up) => Some(p.saturating_sub(1)),
                (Some(p), _) if p + 1 < n => Some(p + 1),
                _ => None,
            };
            app.console.history_pos = pos;
            let text = pos
                .and_then(|p| app.console.history.get(p).cloned())
                .unwrap_or_default();
            set_input(app, text);
        }
        KeyCode::Tab => complete(app),
        _ => {
            app.console.history_search = None;
            app.console.input.input(k);
        }
    }
    Vec::new()
}

pub fn new_input() -> ratatui_textarea::TextArea<'static> {
    let mut t = ratatui_textarea::TextArea::default();
    t.set_placeholder_text(
        "@target show version   |   GET /path   (Esc leaves, ↑ history, Tab completes)",
    );
    t
}

fn set_input(app: &mut App, text: String) {
    let mut t = new_input();
    t.insert_str(text);
    app.console.input = t;
}

/// Tab: complete the word under the cursor from target names and tags (after `@`) or from
/// history (a whole line).
fn complete(app: &mut App) {
    let line = app.console.input.lines().join(" ");
    let word = line.rsplit(' ').next().unwrap_or("");
    let candidates: Vec<String> = if let Some(w) = word.strip_prefix('@') {
        let mut c: Vec<String> = app.devices.rows.iter().map(|r| r.name.clone()).collect();
        c.extend(
            app.devices
                .rows
                .iter()
                .flat_map(|r| r.tags.iter().map(|t| format!("tag:{t}"))),
        );
        c.push("all".into());
        c.sort();
        c.dedup();
        c.into_iter()
            .filter(|c| c.starts_with(w))
            .map(|c| format!("@{c}"))
            .collect()
    } else {
        app.console
            .history
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
            set_input(app, format!("{head}{one} "));
        }
        [one] => set_input(app, one.clone()),
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
                set_input(app, format!("{head}{common}"));
            }
            app.status = Some(many.iter().take(8).cloned().collect::<Vec<_>>().join("  "));
        }
    }
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

fn console_submit(app: &mut App, line: &str) -> Vec<Effect> {
    let (mut targets, cmd) = split_targets(line);
    if cmd.is_empty() {
        app.status = Some("type a command after the targets, e.g. @spine-01 show version".into());
        return Vec::new();
    }
    let parsed = match Parsed::parse(&cmd) {
        Ok(p) => p,
        Err(e) => {
            app.status = Some(e);
            return Vec::new();
        }
    };
    if targets.is_empty() {
        targets = app
            .devices
            .rows
            .iter()
            .filter(|r| r.marked)
            .map(|r| r.name.clone())
            .collect();
    }
    if targets.is_empty()
        && let Some(d) = selected_device(app)
    {
        targets.push(d.name.clone());
    }
    if targets.is_empty() {
        app.status =
            Some("no target: prefix @name, @tag:NAME or @all, or mark devices with space".into());
        return Vec::new();
    }
    if let Some(why) = parsed.read_only_refusal() {
        if app.read_only {
            app.status = Some(why);
            return Vec::new();
        }
        app.console.confirm = Some((targets.clone(), cmd.clone()));
        app.status = Some(format!(
            "send? (y/n) '{cmd}' may change {}",
            targets.join(", ")
        ));
        return Vec::new();
    }
    submit_run(app, targets, cmd)
}

fn submit_run(app: &mut App, targets: Vec<String>, line: String) -> Vec<Effect> {
    let id = app.console.next_id;
    app.console.next_id += 1;
    app.console.transcript.push_back(Transcript {
        id,
        line: format!("{} {line}", targets.join(" ")),
        at: app.now,
        total: 0,
        done: 0,
        failed: 0,
        results: Vec::new(),
        note: None,
    });
    while app.console.transcript.len() > TRANSCRIPT_LIMIT {
        app.console.transcript.pop_front();
    }
    let n = app.console.transcript.len();
    for t in app
        .console
        .transcript
        .iter_mut()
        .take(n.saturating_sub(OUTPUTS_KEPT))
    {
        for r in &mut t.results {
            r.output = None;
        }
    }
    app.console.cursor.selected = 0;
    vec![Effect::Engine(Command::Run {
        id,
        targets,
        line,
        interactive: true,
    })]
}

fn command_line(app: &mut App, line: &str) -> Vec<Effect> {
    let mut words = line.split_whitespace();
    match (words.next(), words.next()) {
        (Some("theme"), Some(name)) => vec![Effect::Theme(name.to_string())],
        (Some("reconnect"), Some(name)) => vec![Effect::Engine(Command::Reconnect {
            target: name.to_string(),
        })],
        (Some("readonly"), arg) => {
            let want = match arg {
                Some("on") => true,
                Some("off") => false,
                _ => !app.read_only,
            };
            if !want && app.read_only_locked {
                app.status = Some(
                    "read-only was set at start (--read-only or settings.read_only); restart without it to send changes".into(),
                );
                return Vec::new();
            }
            app.read_only = want;
            app.status = Some(format!(
                "read-only {}",
                if app.read_only { "on" } else { "off" }
            ));
            vec![Effect::Engine(Command::SetReadOnly(app.read_only))]
        }
        (Some("q" | "quit"), _) => {
            app.quit = true;
            vec![Effect::Engine(Command::Shutdown)]
        }
        _ => {
            app.status = Some(format!(
                "unknown command :{line}; try :theme NAME, :reconnect NAME, :readonly"
            ));
            Vec::new()
        }
    }
}

/// A fresh app for these targets.
pub fn new_app(rows: Vec<DeviceRow>, read_only: bool, history: Vec<String>) -> App {
    App {
        focus: Pane::Devices,
        devices: DevicesState {
            by_name: name_order(&rows),
            view: (0..rows.len()).collect(),
            view_dirty: true,
            rows,
            cursor: ListCursor::default(),
            sort: SortBy::Name,
            filter: String::new(),
            filtering: false,
        },
        sessions: SessionsState::default(),
        console: ConsoleState {
            input: new_input(),
            editing: false,
            history,
            history_pos: None,
            history_search: None,
            transcript: VecDeque::new(),
            cursor: ListCursor::default(),
            confirm: None,
            next_id: 1,
        },
        explorer: ExplorerState {
            title: String::new(),
            body: ExplorerBody::Empty,
            source: None,
            cursor: ListCursor::default(),
            raw: false,
            raw_top: 0,
            raw_lines: 0,
            raw_starts: Vec::new(),
            depth: 1,
            search: String::new(),
            searching: false,
            jq: String::new(),
            jq_editing: false,
            jq_error: None,
            jq_seq: 0,
            save_path: None,
            job: None,
            job_seq: 0,
        },
        central: CentralState {
            accounts: Default::default(),
            order: Vec::new(),
            view: Vec::new(),
            view_dirty: false,
            cursor: ListCursor::default(),
            status: ApFilter::All,
            site: None,
        },
        status: None,
        read_only,
        read_only_locked: read_only,
        status_seen: None,
        help: false,
        command_line: None,
        now: SystemTime::now(),
        quit: false,
        alarms: 0,
        active_alarms: Default::default(),
        solo: None,
        viewports: Viewports::default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
                kind: "eos",
                host: "h".into(),
                tags: Vec::new(),
                state: SessionState::Connected,
                session: None,
                latency: VecDeque::new(),
                last_poll: None,
                facts: Default::default(),
                last_error: None,
                marked: false,
                tls_unverified: false,
            })
            .collect();
        new_app(rows, read_only, Vec::new())
    }

    fn key(c: char) -> Msg {
        Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
    }

    #[test]
    fn msp_tenants_are_listed_under_their_msp() {
        let mut app = app_with(&["a-switch", "msp", "zz-router"], false);
        central_account(&mut app, "other-central");
        central_account(&mut app, "msp");
        central_account(&mut app, "zz-central");
        let info = |n: &str| AccountInfo {
            name: n.into(),
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
            matches!(&fx[..], [Effect::Engine(Command::Reconnect { target })] if target == "c"),
            "{fx:?}"
        );
    }

    #[test]
    fn a_read_only_start_cannot_be_switched_off() {
        let mut app = app_with(&["a"], true);
        let fx = command_line(&mut app, "readonly off");
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
        app.explorer.jq_seq = 2;
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
                    kind: "eos",
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
            matches!(&fx[..], [Effect::Engine(Command::Run { line, .. })] if line.contains("redirect")),
            "{fx:?}"
        );
        let fx = console_submit(&mut app, "@a show run > flash:x");
        assert!(fx.is_empty() && app.console.confirm.is_some(), "{fx:?}");
        let fx = console_submit(&mut app, "@a show version | include Version");
        assert!(
            matches!(&fx[..], [Effect::Engine(Command::Run { .. })]),
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
}
