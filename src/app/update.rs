//! The reducer: `update(&mut App, Msg) -> Vec<Effect>`. No I/O here; effects (engine
//! commands, jq runs, file saves, clipboard) are carried out by the loop.
//!
//! This file routes: keys (by what the keyboard is doing, then by the focused pane),
//! the mouse, `:` commands, engine events to the panes that show them, and the panes'
//! requests to one another. Each pane's behaviour is in its own module.

use std::time::SystemTime;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseEvent, MouseEventKind};
use ratatui::layout::Rect;

use super::keymap::{Action, KeyMap};
use super::kiosk::KioskKey;
use super::mode::Mode;
use super::msg::{Out, Request};
#[allow(
    clippy::wildcard_imports,
    reason = "the reducer tests (update/tests.rs) reach every state type through this glob"
)]
use super::state::*;
use super::{
    central, compare, console, device_page, devices, explorer, kiosk, mask, repeat, sessions,
};
use crate::engine::messages::EngineRequest;
use crate::engine::messages::Event;

pub use super::msg::{Effect, ExploreJob, Msg};

/// How long a status message stays when nothing replaces it.
const STATUS_SECS: u64 = 10;

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
        | Msg::Status(_)
        | Msg::RepeatDue { .. }
        | Msg::Snapshot { .. }
        | Msg::Compared { .. } => false,
    };
    if touches_devices {
        app.devices.view_dirty = true;
    }
    // For the stale-screen banner: any word from the engine shows it is alive.
    if matches!(msg, Msg::Engine(_)) {
        app.last_news = Some(app.now);
    }
    let out = match msg {
        Msg::Engine(ev) => on_event(app, ev),
        Msg::Key(k) => on_key(app, keys, k),
        Msg::Mouse(_, _) if kiosk::locked(app) => Out::default(),
        Msg::Mouse(m, rects) => {
            on_mouse(app, m, &rects);
            Out::default()
        }
        Msg::Tick(now) => {
            app.now = now;
            app.last_news.get_or_insert(now);
            if let Some(k) = app.kiosk.as_mut() {
                kiosk::on_tick(k, now);
            }
            fade_status(app, now);
            Out::default()
        }
        Msg::Filtered { seq, result } => {
            explorer::on_filtered(&mut app.explorer, seq, result);
            Out::default()
        }
        Msg::Explored { seq, done } => explorer::on_explored(&mut app.explorer, seq, done),
        Msg::Status(m) => Out::status(m),
        Msg::Loaded { title, doc } => explorer::on_loaded(&mut app.explorer, title, doc),
        Msg::RepeatDue { seq, at } => repeat::on_due(&mut app.repeat, seq, at),
        Msg::Snapshot { name, result } => compare::on_snapshot(&mut app.compare, &name, result),
        Msg::Compared { seq, result } => {
            compare::on_compared(&mut app.compare, seq, *result);
            Out::default()
        }
    };
    carry_out(app, out)
}

/// Carry out a pane's requests, in order; its effects go to the loop.
fn carry_out(app: &mut App, out: Out) -> Vec<Effect> {
    let mut fx = out.effects;
    for r in out.requests {
        match r {
            Request::Status(s) => app.status = Some(s),
            Request::ClearStatusStartingWith(prefix) => {
                if app.status.as_deref().is_some_and(|m| m.starts_with(prefix)) {
                    app.status = None;
                }
            }
            Request::Focus(p) => app.focus = p,
            Request::TypeInConsole => {
                app.focus = Pane::Console;
                app.console.editing = true;
            }
            Request::OpenResult { run, index } => {
                repeat::close_if_stopped(&mut app.repeat);
                let opened = match console::result(&app.console, run, index) {
                    Some(r) => explorer::open_result(&mut app.explorer, r),
                    None => Out::default(),
                };
                app.explorer.request = console::request(&app.console, run, index).cloned();
                fx.extend(carry_out(app, opened));
            }
        }
    }
    fx
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

/// Engine events go to the pane that shows them; alarms and logs to the status line.
fn on_event(app: &mut App, ev: Event) -> Out {
    device_page::observe(&mut app.device_page, &ev, app.now);
    mask::observe(&mut app.mask, &ev);
    match ev {
        Event::Session { .. } | Event::Polled { .. } | Event::PollFailed { .. } => {
            devices::on_event(&mut app.devices, ev, app.now)
        }
        Event::RunRejected { id, .. } | Event::Result { id, .. } | Event::Progress { id, .. }
            if repeat::owns(id) =>
        {
            repeat::on_event(&mut app.repeat, ev, &app.central, app.now)
        }
        Event::RunStarted { id, .. } if repeat::owns(id) => Out::default(),
        Event::RunStarted { .. }
        | Event::RunRejected { .. }
        | Event::Result { .. }
        | Event::RequestSent { .. }
        | Event::Progress { .. } => console::on_event(&mut app.console, ev),
        Event::Central {
            ref account,
            ref sites,
            ref aps,
            ..
        } => {
            devices::on_central_polled(&mut app.devices, account, sites, aps, app.now);
            central::on_event(&mut app.central, ev);
            Out::default()
        }
        Event::Budget { .. } | Event::ApDatabase { .. } => {
            central::on_event(&mut app.central, ev);
            Out::default()
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
            Out::default()
        }
        // An MSP's tenants: listed under their parent in the Devices and Central panes.
        Event::AccountsAdded { parent, accounts } => {
            central::add_accounts(&mut app.central, &parent, &accounts);
            devices::add_accounts(&mut app.devices, &accounts);
            Out::status(format!(
                "{parent}: {} tenant accounts added",
                accounts.len()
            ))
        }
        Event::DevicesChanged { added, removed } => {
            devices::replace_devices(&mut app.devices, &added, &removed);
            central::forget_conductors(&mut app.central, &removed);
            // A device that is gone has no alarms (names have no spaces: the prefix is exact).
            for name in &removed {
                let prefix = format!("{name} ");
                app.active_alarms.retain(|k, _| !k.starts_with(&prefix));
            }
            app.alarms = app.active_alarms.len();
            Out::default()
        }
        Event::Log { message } => Out::status(message),
        Event::ShutdownComplete { .. } => {
            app.quit = true;
            Out::default()
        }
    }
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
                Pane::Explorer => {
                    // The explorer has no header row.
                    let row = m.row.saturating_sub(rect.y + 1) as usize;
                    explorer::click(&mut app.explorer, row, vp.explorer);
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

/// Move the focused pane's cursor by `delta` rows.
fn move_cursor(app: &mut App, delta: isize) {
    let vp = app.viewports;
    match app.focus {
        Pane::Devices if app.device_page.open.is_some() => {
            device_page::move_by(&mut app.device_page, &app.console, delta, vp.devices);
        }
        Pane::Devices => devices::move_by(&mut app.devices, delta, vp.devices),
        Pane::Sessions => sessions::move_by(&mut app.sessions, delta, app.devices.rows.len()),
        Pane::Console => console::move_by(&mut app.console, delta),
        Pane::Explorer if app.repeat.view.is_some() => repeat::move_by(&mut app.repeat, delta),
        Pane::Explorer => explorer::move_by(&mut app.explorer, delta, vp.explorer),
        Pane::Central => central::move_by(&mut app.central, delta, vp.central),
    }
}

fn on_key(app: &mut App, keys: &KeyMap, k: KeyEvent) -> Out {
    if k.kind == crossterm::event::KeyEventKind::Release {
        return Out::default();
    }
    // A locked wall screen takes no keys but its unlock chord and quit (each asks first).
    if let Some(kq) = app.kiosk.as_mut().filter(|kq| kq.locked) {
        return match kiosk::on_key(kq, keys, &k, app.now) {
            KioskKey::Swallowed => Out::default(),
            KioskKey::Unlocked => Out::status("kiosk unlocked: keys work again (still read-only)"),
            KioskKey::Quit => {
                app.quit = true;
                Out::effects(vec![Effect::Engine(EngineRequest::Shutdown)])
            }
        };
    }
    let mode = app.mode();
    // The compare view sits over the panes and takes their keys while it is open.
    if mode == Mode::Normal
        && app.compare.view.is_some()
        && let Some(out) = compare::on_key(&mut app.compare, keys, k, app.now)
    {
        return out;
    }
    // Pane keys that cannot be typed (Alt-1..5, F1..F5) work from every text input too: after
    // a console command the input keeps the focus, and a plain `4` would be typed into it.
    if !mode.is_modal()
        && let Some(action) = keys.action(&k).filter(|a| PANE_KEYS.contains(a))
        && !is_typed(&k)
    {
        if app.solo.is_none() {
            focus_pane(app, action);
        }
        return Out::default();
    }
    match mode {
        Mode::Help => {
            if matches!(k.code, KeyCode::Esc)
                || matches!(keys.action(&k), Some(Action::Help | Action::Quit))
            {
                app.help = false;
            }
            Out::default()
        }
        Mode::CommandLine => command_line_key(app, k),
        Mode::Confirm => console::answer(&mut app.console, k, app.now),
        Mode::Typing => {
            let to = console::Fallback {
                rows: &app.devices.rows,
                selected: devices::selected(&app.devices),
            };
            console::on_key(&mut app.console, k, to, app.read_only, app.now)
        }
        Mode::Filter => {
            devices::on_filter_key(&mut app.devices, k);
            Out::default()
        }
        Mode::Search => explorer::on_search_key(&mut app.explorer, k),
        Mode::JqFilter => explorer::on_jq_key(&mut app.explorer, k),
        Mode::SavePath => explorer::on_save_key(&mut app.explorer, k),
        Mode::Normal => normal_key(app, keys, k),
    }
}

/// A key while a `:` command is typed; Enter runs it.
fn command_line_key(app: &mut App, k: KeyEvent) -> Out {
    let Some(line) = app.command_line.as_mut() else {
        return Out::default();
    };
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
    Out::default()
}

/// A key that is an action: global ones first, then the focused pane's.
fn normal_key(app: &mut App, keys: &KeyMap, k: KeyEvent) -> Out {
    if k.code == KeyCode::Char('c')
        && k.modifiers.contains(KeyModifiers::CONTROL)
        && keys.action(&k).is_none()
    {
        // Nothing sits on a Ctrl chord; say how to leave instead of doing nothing.
        return Out::status(format!(
            "{} quits (and logs every session out)",
            keys.label(Action::Quit)
        ));
    }
    if app.focus == Pane::Devices && k.code == KeyCode::Esc && app.device_page.open.is_some() {
        device_page::close(&mut app.device_page);
        return Out::default();
    }
    if app.focus == Pane::Explorer && k.code == KeyCode::Esc && app.explorer.job.is_some() {
        return explorer::cancel(&mut app.explorer);
    }
    // The explorer pane shows a repeat: Esc stops it (again: closes the view).
    if app.focus == Pane::Explorer && k.code == KeyCode::Esc && app.repeat.view.is_some() {
        return repeat::escape(&mut app.repeat);
    }
    let Some(action) = keys.action(&k) else {
        return Out::default();
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
        return Out::default();
    }
    // Global keys first.
    match action {
        Action::Quit => {
            app.quit = true;
            return Out::effects(vec![Effect::Engine(EngineRequest::Shutdown)]);
        }
        Action::Help => app.help = true,
        Action::CommandLine => app.command_line = Some(String::new()),
        Action::NextPane => app.focus = Pane::ALL[(app.focus.index() + 1) % 5],
        Action::PrevPane => app.focus = Pane::ALL[(app.focus.index() + 4) % 5],
        Action::Pane1 | Action::Pane2 | Action::Pane3 | Action::Pane4 | Action::Pane5 => {
            focus_pane(app, action);
        }
        Action::Up => move_cursor(app, -1),
        Action::Down => move_cursor(app, 1),
        Action::PageUp => move_cursor(app, -20),
        Action::PageDown => move_cursor(app, 20),
        Action::Top => move_cursor(app, -(isize::MAX / 2)),
        Action::Bottom => move_cursor(app, isize::MAX / 2),
        _ => return pane_action(app, action),
    }
    Out::default()
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

/// Rebuild derived views (filter, sort) if something changed. Called before drawing.
pub fn refresh_views(app: &mut App) {
    central::refresh(&mut app.central);
    devices::refresh(&mut app.devices);
}

/// A key action that is not global: the focused pane's.
fn pane_action(app: &mut App, action: Action) -> Out {
    match app.focus {
        Pane::Devices if app.device_page.open.is_some() => {
            device_page::on_action(&mut app.device_page, &app.console, action)
        }
        Pane::Devices if action == Action::Select => match devices::selected(&app.devices) {
            Some(r) => device_page::open(&mut app.device_page, &r.name.clone()),
            None => Out::default(),
        },
        Pane::Devices if action == Action::Save => devices::export_csv(&app.devices, app.now),
        Pane::Devices => devices::on_action(&mut app.devices, action, app.viewports.devices),
        Pane::Sessions => sessions::on_action(&app.sessions, &app.devices.rows, action),
        Pane::Console if action == Action::Compare => {
            compare::open_selected(&mut app.compare, &app.console)
        }
        Pane::Console => console::on_action(&mut app.console, action),
        Pane::Explorer if app.repeat.view.is_some() => repeat::on_action(&mut app.repeat, action),
        Pane::Explorer => explorer::on_action(&mut app.explorer, action),
        Pane::Central if action == Action::Save => central::export_csv(&app.central, app.now),
        Pane::Central => central::on_action(&mut app.central, action),
    }
}

/// A `:` command.
fn command_line(app: &mut App, line: &str) -> Out {
    let mut words = line.split_whitespace();
    let fx = match (words.next(), words.next()) {
        (Some("theme"), Some(name)) => vec![Effect::Theme(name.to_string())],
        (Some("reconnect"), Some(name)) => vec![Effect::Engine(EngineRequest::Reconnect {
            target: name.to_string(),
        })],
        (Some("readonly"), arg) => {
            let want = match arg {
                Some("on") => true,
                Some("off") => false,
                _ => !app.read_only,
            };
            if !want && app.read_only_locked {
                return Out::status(
                    "read-only was set at start (--read-only or settings.read_only); restart without it to send changes",
                );
            }
            app.read_only = want;
            app.status = Some(format!(
                "read-only {}",
                if app.read_only { "on" } else { "off" }
            ));
            vec![Effect::Engine(EngineRequest::SetReadOnly(app.read_only))]
        }
        (Some("device"), Some(name)) => {
            if !app.devices.rows.iter().any(|r| r.name == name) {
                return Out::status(format!(
                    "no device named {name}: :device takes a name from the Devices list"
                ));
            }
            return device_page::open(&mut app.device_page, name);
        }
        (Some("reload"), None) => {
            app.status = Some("reloading the config and its inventories…".into());
            vec![Effect::Reload]
        }
        (Some("every"), Some(interval)) => {
            let rest = line
                .trim_start()
                .strip_prefix("every")
                .unwrap_or("")
                .trim_start()
                .strip_prefix(interval)
                .unwrap_or("");
            let (targets, cmd) = console::split_targets(rest);
            return repeat::start(&mut app.repeat, interval, targets, cmd, app.now);
        }
        (Some("snap"), Some(name)) => return compare::snap(&app.console, name, app.now),
        (Some("diff"), Some(name)) => {
            return compare::diff(&mut app.compare, &app.console, name);
        }
        (Some("aps"), _) => {
            app.focus = Pane::Central;
            let args = line.trim_start().strip_prefix("aps").unwrap_or("");
            return central::aps_command(&mut app.central, args);
        }
        (Some("mask"), arg) => return mask::command(&mut app.mask, arg),
        (Some("q" | "quit"), _) => {
            app.quit = true;
            vec![Effect::Engine(EngineRequest::Shutdown)]
        }
        _ => {
            return Out::status(format!(
                "unknown command :{line}; try :theme NAME, :reconnect NAME, :device NAME, :readonly, :reload, :every 5s @TARGETS CMD, :snap NAME, :diff NAME, :aps source= site= status= model=, :mask"
            ));
        }
    };
    Out::effects(fx)
}

#[cfg(test)]
mod tests;
