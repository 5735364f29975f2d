//! The dashboard's front end: the terminal (raw mode, restore on every exit), the launcher
//! that starts the engine and the app, and the event loop that feeds keys, mouse and engine
//! events to the reducer and draws `crate::ui` after each change. The only part of the
//! dashboard that touches the terminal.

pub mod event_loop;
pub mod launch;
pub mod terminal;

#[doc(hidden)]
pub mod testing;
