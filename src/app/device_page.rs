//! The device page's behaviour (drawn by `ui/device_page.rs`): opened by Enter on a device
//! or `:device NAME`, closed by Esc. Engine events are folded into each device's bounded
//! history whether or not its page is open; the commands run on a device come from the
//! console transcript, and Enter on one opens its result in the explorer.

use std::time::SystemTime;

use super::keymap::Action;
use super::msg::{Out, Request};
use super::state::{
    ConsoleState, DeviceHistory, DevicePageState, Pane, ResultEntry, SessionChange, Transcript,
};
use crate::engine::messages::{Event, Outcome, RunId, SessionState};

/// Fold one engine event into the history of the device it is about.
pub fn observe(p: &mut DevicePageState, ev: &Event, now: SystemTime) {
    match ev {
        Event::Session {
            target,
            state,
            session,
            ..
        } => {
            let h = p.history.entry(target.clone()).or_default();
            let word = state.word();
            let change = match state {
                SessionState::Connected if h.last_word != Some("up") => {
                    Some(if session.relogins > h.relogins {
                        SessionChange::Relogin
                    } else {
                        SessionChange::LoggedIn
                    })
                }
                SessionState::Refreshing if h.last_word != Some(word) => {
                    Some(SessionChange::Renewing)
                }
                SessionState::BackingOff { reason, .. } => {
                    let same = matches!(h.sessions.back(), Some((_, SessionChange::Down(r))) if r == reason);
                    (!same).then(|| SessionChange::Down(reason.clone()))
                }
                SessionState::Disconnected if h.last_word == Some("up") => {
                    Some(SessionChange::Ended("expired or logged out"))
                }
                SessionState::Closed if h.last_word != Some(word) => {
                    Some(SessionChange::Ended("closed"))
                }
                _ => None,
            };
            if let Some(c) = change {
                h.push_session(now, c);
            }
            h.last_word = Some(word);
            h.relogins = session.relogins;
        }
        Event::PollFailed { target, error } => {
            history(p, target).push_error(now, format!("poll: {error}"));
        }
        Event::Alarm {
            target,
            message,
            raised: true,
            ..
        } => history(p, target).push_error(now, format!("alarm: {message}")),
        Event::Result {
            target,
            outcome: Outcome::Err { error, .. },
            ..
        } => history(p, target).push_error(now, format!("command: {error}")),
        // A device gone from the config (`:reload`) takes its history along, so the map
        // stays as large as the config; a changed one (removed and added) starts afresh.
        Event::DevicesChanged { removed, .. } => {
            for name in removed {
                p.history.remove(name);
            }
        }
        _ => {}
    }
}

fn history<'a>(p: &'a mut DevicePageState, target: &str) -> &'a mut DeviceHistory {
    p.history.entry(target.to_string()).or_default()
}

/// Open `name`'s page (the Devices pane shows it until Esc).
pub fn open(p: &mut DevicePageState, name: &str) -> Out {
    p.open = Some(name.to_string());
    p.cursor = super::cursor::ListCursor::default();
    Out::request(Request::Focus(Pane::Devices))
}

/// Esc: back to the device list.
pub fn close(p: &mut DevicePageState) {
    p.open = None;
}

/// The commands run on `name` since netdash started, newest first: (run, result index,
/// the run, the result).
pub fn commands<'a>(
    c: &'a ConsoleState,
    name: &str,
) -> Vec<(RunId, usize, &'a Transcript, &'a ResultEntry)> {
    c.transcript
        .iter()
        .rev()
        .flat_map(|t| {
            t.results
                .iter()
                .enumerate()
                .filter(move |(_, r)| r.target == name)
                .map(move |(i, r)| (t.id, i, t, r))
        })
        .collect()
}

/// Move over the page's commands by `delta` (the list shows `height` rows).
pub fn move_by(p: &mut DevicePageState, c: &ConsoleState, delta: isize, height: usize) {
    let len = p.open.as_deref().map_or(0, |n| commands(c, n).len());
    let sel = p.cursor.selected.saturating_add_signed(delta);
    p.cursor.selected = sel.min(len.saturating_sub(1));
    p.cursor.offset = p.cursor.top(height);
}

/// A key action on the page: Enter opens the command under the cursor in the explorer;
/// `r` polls and `R` reconnects this device, as on its row.
pub fn on_action(p: &mut DevicePageState, c: &ConsoleState, a: Action) -> Out {
    let Some(name) = p.open.clone() else {
        return Out::default();
    };
    let cmds = commands(c, &name);
    match a {
        Action::Select => match cmds.get(p.cursor.selected) {
            Some((run, index, _, r)) if r.output.is_some() => Out {
                effects: Vec::new(),
                requests: vec![
                    Request::OpenResult {
                        run: *run,
                        index: *index,
                    },
                    Request::Focus(Pane::Explorer),
                ],
            },
            Some(_) => Out::status("this result is no longer kept (or failed): run it again"),
            None => Out::default(),
        },
        Action::Refresh => Out::refresh(Some(name)),
        Action::Reconnect => Out::reconnect(Some(name)),
        _ => Out::default(),
    }
}
