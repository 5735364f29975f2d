//! `Mode`: what the keyboard is doing, so the router sends each key to one place.
//!
//! The text inputs keep their state in their panes (a filter left by a pane key is still
//! being typed when its pane has the focus again); `App::mode` reads them in one place,
//! in the order keys have always gone to them.

use super::state::{App, ExplorerInput, Pane};

/// Where the next key goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Keys are actions: global ones, then the focused pane's.
    Normal,
    /// The console's command input takes keys.
    Typing,
    /// The Devices filter is being typed.
    Filter,
    /// The Explorer's search text is being typed.
    Search,
    /// The Explorer's jq filter is being typed (it runs as it changes).
    JqFilter,
    /// The Explorer's save path is being typed.
    SavePath,
    /// A `:` command is being typed.
    CommandLine,
    /// A change waits for y/n.
    Confirm,
    /// The help screen is up; Esc (or help, or quit) closes it.
    Help,
}

impl Mode {
    /// Whether this mode takes every key: help, `:` and y/n do; from the text inputs and
    /// normal mode the pane chords that cannot be typed (Alt-1..5, F1..F5) still work.
    pub fn is_modal(self) -> bool {
        matches!(self, Mode::Help | Mode::CommandLine | Mode::Confirm)
    }
}

impl App {
    /// What the keyboard is doing now.
    pub fn mode(&self) -> Mode {
        if self.help {
            Mode::Help
        } else if self.command_line.is_some() {
            Mode::CommandLine
        } else if self.console.confirm.is_some() {
            Mode::Confirm
        } else {
            match self.focus {
                Pane::Console if self.console.editing => Mode::Typing,
                Pane::Devices if self.devices.filtering => Mode::Filter,
                Pane::Explorer => match self.explorer.input {
                    ExplorerInput::None => Mode::Normal,
                    ExplorerInput::Search => Mode::Search,
                    ExplorerInput::Jq => Mode::JqFilter,
                    ExplorerInput::SavePath(_) => Mode::SavePath,
                },
                _ => Mode::Normal,
            }
        }
    }
}
