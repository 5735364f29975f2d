//! The Sessions pane's behaviour (drawn by `ui/sessions.rs`): the device rows in config
//! order, one session each; poll or reconnect the one under the cursor.

use super::keymap::Action;
use super::msg::Out;
use super::state::{DeviceRow, SessionsState};

/// The row under the cursor (the pane lists `rows` in config order).
pub fn selected<'a>(s: &SessionsState, rows: &'a [DeviceRow]) -> Option<&'a DeviceRow> {
    rows.get(s.cursor.selected)
}

/// Move by `delta` rows over `len` rows (the pane draws them all).
pub fn move_by(s: &mut SessionsState, delta: isize, len: usize) {
    s.cursor.move_by(delta, len, 0);
}

/// A key action with the Sessions pane focused.
pub fn on_action(s: &SessionsState, rows: &[DeviceRow], a: Action) -> Out {
    let target = || selected(s, rows).map(|r| r.name.clone());
    match a {
        Action::Refresh => Out::refresh(target()),
        Action::Reconnect => Out::reconnect(target()),
        _ => Out::default(),
    }
}
