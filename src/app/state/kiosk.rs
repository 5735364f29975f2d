//! The kiosk's state (`--kiosk`, `[kiosk]`): locked or not, the unlock chord half typed,
//! the question on screen, and where the layout rotation stands. Plain data; the
//! behaviour is in `app/kiosk.rs`, the drawing in `ui/kiosk.rs`.

use std::time::{Duration, SystemTime};

use crate::app::keymap::Key;
use crate::config::{KioskConfig, KioskLayout};

/// How long the second key of the unlock chord may wait for the first.
pub const CHORD_WINDOW: Duration = Duration::from_secs(3);

/// A question the kiosk asks before it lets anything happen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KioskPrompt {
    /// "Unlock the kiosk? y/n"
    Unlock,
    /// "Quit netdash? y/n"
    Quit,
}

/// The wall screen: everything but the unlock chord and `q` is ignored while `locked`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KioskState {
    /// Keys are ignored and the chrome is reduced. Unlocking is for good (until restart).
    pub locked: bool,
    /// The two keys that unlock, in order.
    pub chord: [Key; 2],
    /// When the chord's first key was pressed, if it was and nothing else since.
    pub chord_started: Option<SystemTime>,
    pub prompt: Option<KioskPrompt>,
    /// Rotate every this often (never when `None`).
    pub rotate: Option<Duration>,
    pub layouts: Vec<KioskLayout>,
    /// Index into `layouts` of the one on screen.
    pub current: usize,
    /// When the current layout came up (the first clock tick, then each turn).
    pub since: Option<SystemTime>,
}

impl KioskState {
    /// A locked kiosk from `[kiosk]`, or the reason its unlock chord cannot be read.
    pub fn new(cfg: &KioskConfig) -> Result<KioskState, String> {
        let key = |i: usize| {
            let name = cfg.unlock.get(i).map_or("", String::as_str);
            Key::parse(name).map_err(|_| {
                format!("[kiosk] unlock: unknown key {name:?}; use names like \"ctrl-x\", \"u\", \"f12\"")
            })
        };
        let chord = [key(0)?, key(1)?];
        let layouts = if cfg.layouts.is_empty() {
            vec![KioskLayout::Overview]
        } else {
            cfg.layouts.clone()
        };
        Ok(KioskState {
            locked: true,
            chord,
            chord_started: None,
            prompt: None,
            rotate: cfg.rotate_secs.map(Duration::from_secs),
            layouts,
            current: 0,
            since: None,
        })
    }

    /// The layout on screen.
    pub fn layout(&self) -> KioskLayout {
        self.layouts
            .get(self.current)
            .copied()
            .unwrap_or(KioskLayout::Overview)
    }
}
