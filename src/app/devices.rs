//! The Devices pane's behaviour (drawn by `ui/devices.rs`): one row per device or Central
//! account, fed by the engine's session and poll events; filter, sort, marks.

use std::time::SystemTime;

use crossterm::event::KeyEvent;

use super::input::edit_text;
use super::keymap::Action;
use super::msg::{Out, Request};
use super::state::{DeviceRow, DevicesState, LATENCY_SAMPLES, SortBy, name_order};
use crate::engine::messages::SessionState;
use crate::engine::messages::{AccessPoint, Event, Site, TargetInfo};

fn find_row<'a>(d: &'a mut DevicesState, name: &str) -> Option<&'a mut DeviceRow> {
    // Binary search over the name order: every engine event names a row, and a fleet of
    // 10,000 devices sends hundreds a second.
    let at = d
        .by_name
        .binary_search_by(|&i| d.rows[i].name.as_str().cmp(name))
        .ok()?;
    let i = d.by_name[at];
    d.rows.get_mut(i)
}

/// The engine's news about a device: its session, a poll, a failed poll.
pub fn on_event(d: &mut DevicesState, ev: Event, now: SystemTime) -> Out {
    let mut out = Out::default();
    match ev {
        Event::Session {
            target,
            state,
            session,
            ..
        } => {
            if let SessionState::BackingOff { reason, .. } = &state {
                out = Out::status(format!("{target}: {reason}"));
            }
            if let Some(r) = find_row(d, &target) {
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
            if let Some(r) = find_row(d, &target) {
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
            if let Some(r) = find_row(d, &target) {
                r.last_error = Some(error);
            }
        }
        _ => {}
    }
    out
}

/// A Central account was polled: its row shows the counts.
pub fn on_central_polled(
    d: &mut DevicesState,
    account: &str,
    sites: &[Site],
    aps: &[AccessPoint],
    now: SystemTime,
) {
    let summary = format!("{} sites, {} APs", sites.len(), aps.len());
    let down = aps.iter().filter(|a| !a.up).count();
    if let Some(r) = find_row(d, account) {
        r.last_poll = Some(now);
        r.facts.model = Some(summary);
        r.facts.version = Some(format!("{down} down"));
    }
}

/// Rows for accounts found at run time (an MSP's tenants), listed by name: `MSP/tenant`
/// sorts after `MSP`.
pub fn add_accounts(d: &mut DevicesState, accounts: &[TargetInfo]) {
    let mut known: std::collections::HashSet<String> =
        d.rows.iter().map(|r| r.name.clone()).collect();
    for a in accounts {
        if known.insert(a.name.clone()) {
            d.rows.push(DeviceRow::from_info(a));
        }
    }
    d.by_name = name_order(&d.rows);
    d.view_dirty = true;
}

/// `:reload` changed the device list: rows of `removed` go, rows of `added` come (fresh,
/// not yet heard from). A changed device (in both) starts afresh in its old place, so the
/// Sessions pane keeps config order.
pub fn replace_devices(d: &mut DevicesState, added: &[TargetInfo], removed: &[String]) {
    let gone: std::collections::HashSet<&str> = removed.iter().map(String::as_str).collect();
    let again: std::collections::HashMap<&str, &TargetInfo> =
        added.iter().map(|t| (t.name.as_str(), t)).collect();
    d.rows.retain_mut(|r| {
        if !gone.contains(r.name.as_str()) {
            return true;
        }
        match again.get(r.name.as_str()) {
            Some(t) => {
                *r = DeviceRow::from_info(t);
                true
            }
            None => false,
        }
    });
    add_accounts(d, added);
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
                || r.kind.as_str().contains(&f)
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
        SortBy::Kind => idx.sort_by_key(|&i| d.rows[i].kind.as_str()),
        SortBy::State => idx.sort_by_key(|&i| rank(&d.rows[i].state)),
        SortBy::Latency => {
            idx.sort_by_key(|&i| std::cmp::Reverse(d.rows[i].latency.back().copied().unwrap_or(0)));
        }
    }
    idx
}

/// Rebuild the list if something changed (called before a draw).
pub fn refresh(d: &mut DevicesState) {
    if d.view_dirty {
        d.view = visible_devices(d);
        d.view_dirty = false;
        let n = d.view.len();
        if d.cursor.selected >= n {
            d.cursor.selected = n.saturating_sub(1);
        }
    }
}

/// The row under the cursor.
pub fn selected(d: &DevicesState) -> Option<&DeviceRow> {
    d.view.get(d.cursor.selected).and_then(|i| d.rows.get(*i))
}

/// Move by `delta` rows in a view of `height` rows.
pub fn move_by(d: &mut DevicesState, delta: isize, height: usize) {
    let n = d.view.len();
    d.cursor.move_by(delta, n, height);
}

/// A key while the filter is typed; the cursor goes back to the top.
pub fn on_filter_key(d: &mut DevicesState, k: KeyEvent) {
    edit_text(&mut d.filter, &mut d.filtering, k);
    d.cursor.selected = 0;
}

/// A key action with the Devices pane focused; `height` is the list's viewport.
pub fn on_action(d: &mut DevicesState, a: Action, height: usize) -> Out {
    match a {
        Action::Mark => {
            if let Some(&i) = d.view.get(d.cursor.selected) {
                d.rows[i].marked = !d.rows[i].marked;
            }
            move_by(d, 1, height);
        }
        Action::Sort => d.sort = d.sort.next(),
        Action::Filter => {
            d.filtering = true;
            d.filter.clear();
        }
        Action::Refresh => return Out::refresh(selected(d).map(|r| r.name.clone())),
        Action::Reconnect => return Out::reconnect(selected(d).map(|r| r.name.clone())),
        // Enter opens the device page (routed before this); `i` still types a command
        // for the selected (or marked) devices, as Enter did before.
        Action::Select | Action::FocusInput => return Out::request(Request::TypeInConsole),
        _ => {}
    }
    Out::default()
}

/// `w`: the rows shown (filter and sort applied) as a CSV file in the current directory.
pub fn export_csv(d: &DevicesState, now: std::time::SystemTime) -> Out {
    let header: Vec<String> = [
        "name",
        "kind",
        "state",
        "latency_ms",
        "model",
        "version",
        "serial",
        "host",
        "tags",
        "last_error",
    ]
    .map(String::from)
    .to_vec();
    let g = |s: &str| crate::csv_export::guard(s).into_owned();
    let rows: Vec<Vec<String>> = visible_devices(d)
        .into_iter()
        .filter_map(|i| d.rows.get(i))
        .map(|r| {
            vec![
                g(&r.name),
                r.kind.to_string(),
                r.state.word().to_string(),
                r.latency.back().map(u64::to_string).unwrap_or_default(),
                g(r.facts.model.as_deref().unwrap_or("")),
                g(r.facts.version.as_deref().unwrap_or("")),
                g(r.facts.serial.as_deref().unwrap_or("")),
                g(&r.host),
                g(&r.tags.join(" ")),
                g(r.last_error.as_deref().unwrap_or("")),
            ]
        })
        .collect();
    Out::save_csv("devices", &header, &rows, now)
}
