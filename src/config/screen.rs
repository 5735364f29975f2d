//! `[kiosk]` and `[mask]`: how the dashboard runs as a wall screen, and what it hides when
//! the screen is shared.

use serde::Deserialize;

/// `[mask]`: hide IP and MAC addresses, serial numbers and these patterns on screen.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MaskConfig {
    /// Start the dashboard and `explore` masked (as `--mask` does).
    pub enabled: bool,
    /// Regexes (`regex` crate syntax) whose matches are masked too.
    pub patterns: Vec<String>,
}

/// `[kiosk]`: how the dashboard runs as a wall screen.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct KioskConfig {
    /// Start in kiosk mode without `--kiosk`.
    pub enabled: bool,
    /// Show the next of `layouts` every this many seconds; none: stay on the first.
    pub rotate_secs: Option<u64>,
    /// What the screen cycles through (`overview`: Devices, Central and Sessions, the wall).
    pub layouts: Vec<KioskLayout>,
    /// The two keys that unlock the kiosk, pressed within 3 s (then `y` to confirm).
    pub unlock: Vec<String>,
}

/// The shortest rotation: faster than this nobody can read a layout across the room.
pub const KIOSK_MIN_ROTATE_SECS: u64 = 5;

impl Default for KioskConfig {
    fn default() -> Self {
        KioskConfig {
            enabled: false,
            rotate_secs: None,
            layouts: vec![KioskLayout::Overview],
            unlock: vec!["ctrl-x".into(), "u".into()],
        }
    }
}

/// One screen of the kiosk rotation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum KioskLayout {
    /// The wall: Devices, Central and Sessions (the console and explorer need a keyboard).
    Overview,
    /// One pane, full screen.
    Devices,
    Sessions,
    Console,
    Explorer,
    Central,
}

impl KioskConfig {
    /// What the table's types cannot say: a readable rotation, something to rotate
    /// through, an unlock chord of two keys.
    pub(super) fn check(&self) -> Result<(), String> {
        if let Some(r) = self.rotate_secs
            && r < KIOSK_MIN_ROTATE_SECS
        {
            return Err(format!(
                "rotate_secs = {r}: use {KIOSK_MIN_ROTATE_SECS} or more (or leave it out to stay on one layout)"
            ));
        }
        if self.layouts.is_empty() {
            return Err("layouts is empty: name at least one of overview, devices, sessions, console, explorer, central".into());
        }
        if self.unlock.len() != 2 {
            return Err(format!(
                "unlock has {} keys: give two, e.g. [\"ctrl-x\", \"u\"]",
                self.unlock.len()
            ));
        }
        Ok(())
    }
}
