//! The dashboard application: plain-data state, a reducer, a keymap, and the loop that
//! connects them to the engine and the terminal.

pub mod cursor;
pub mod event_loop;
pub mod keymap;
pub mod launch;
pub mod msg;
pub mod state;
pub mod terminal;
pub mod update;
