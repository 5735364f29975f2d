//! The kiosk's behaviour, pure: the key filter of a locked wall screen (the unlock chord,
//! `q`, their y/n questions, nothing else), the layout rotation on the clock tick, and
//! whether the screen is stale (the engine silent for two poll intervals).

use std::time::SystemTime;

use crossterm::event::{KeyCode, KeyEvent};

use super::keymap::{Action, Key, KeyMap};
use super::state::kiosk::CHORD_WINDOW;
use super::state::{App, KioskPrompt, KioskState};
use crate::engine::messages::SessionState;
use crate::kind::TargetKind;

/// What a key did to a locked kiosk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KioskKey {
    /// Nothing happens (a prompt may have opened or closed).
    Swallowed,
    /// `y` to "Unlock the kiosk?": the normal dashboard from now on (still read-only).
    Unlocked,
    /// `y` to "Quit netdash?".
    Quit,
}

/// A key while the kiosk is locked. Only the unlock chord and the quit key do anything,
/// and both only after `y`; any other answer cancels.
pub fn on_key(k: &mut KioskState, keys: &KeyMap, ev: &KeyEvent, now: SystemTime) -> KioskKey {
    if let Some(p) = k.prompt.take() {
        let yes = matches!(ev.code, KeyCode::Char('y' | 'Y')) && !Key::from_event(ev).ctrl;
        return match (p, yes) {
            (KioskPrompt::Unlock, true) => {
                k.locked = false;
                KioskKey::Unlocked
            }
            (KioskPrompt::Quit, true) => KioskKey::Quit,
            (_, false) => KioskKey::Swallowed,
        };
    }
    let key = Key::from_event(ev);
    let started = k.chord_started.take();
    if key == k.chord[1]
        && started.is_some_and(|t| now.duration_since(t).is_ok_and(|d| d <= CHORD_WINDOW))
    {
        k.prompt = Some(KioskPrompt::Unlock);
    } else if key == k.chord[0] {
        k.chord_started = Some(now);
    } else if keys.action(ev) == Some(Action::Quit) {
        k.prompt = Some(KioskPrompt::Quit);
    }
    KioskKey::Swallowed
}

/// The clock ticked: turn to the next layout when the current one has been up long
/// enough. No timer of its own: the dashboard's once-a-second tick drives it.
pub fn on_tick(k: &mut KioskState, now: SystemTime) {
    let since = *k.since.get_or_insert(now);
    let Some(every) = k.rotate else { return };
    if !k.locked || k.layouts.len() < 2 {
        return;
    }
    if now.duration_since(since).is_ok_and(|d| d >= every) {
        k.current = (k.current + 1) % k.layouts.len();
        k.since = Some(now);
    }
}

/// Whether the kiosk is on and locked.
pub fn locked(app: &App) -> bool {
    app.kiosk.as_ref().is_some_and(|k| k.locked)
}

/// How long the engine has been silent, when that is two poll intervals or more and it
/// matters: at least one device (not a Central account) was up when last heard of, and
/// this is no `explore`. An up device is polled every interval, so its silence is the
/// engine's; a fleet that is all down is quiet between retries (and already says so), and
/// Central polling stretches its interval to the day's budget.
pub fn stale_for(app: &App) -> Option<std::time::Duration> {
    let limit = app.stale_after?;
    let last = app.last_news?;
    if app.solo.is_some() {
        return None;
    }
    if !app
        .devices
        .rows
        .iter()
        .any(|r| r.state == SessionState::Connected && r.kind != TargetKind::Central)
    {
        return None;
    }
    app.now.duration_since(last).ok().filter(|d| *d >= limit)
}
