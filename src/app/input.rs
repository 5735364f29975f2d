//! One-line text inputs (the device filter, the explorer's search, jq filter and save
//! path): the keys they take.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// Apply a key to a one-line input; Esc and Enter end the editing.
pub fn edit_text(s: &mut String, editing: &mut bool, k: KeyEvent) {
    match k.code {
        KeyCode::Esc | KeyCode::Enter => *editing = false,
        KeyCode::Backspace => {
            s.pop();
        }
        KeyCode::Char(c) if !k.modifiers.contains(KeyModifiers::CONTROL) => s.push(c),
        _ => {}
    }
}
