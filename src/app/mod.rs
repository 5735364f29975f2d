//! The dashboard application: plain-data state, a reducer, a keymap, and the loop that
//! connects them to the engine and the terminal.

pub mod central;
pub mod console;
pub mod cursor;
pub mod devices;
pub mod event_loop;
pub mod explorer;
pub mod input;
pub mod keymap;
pub mod launch;
pub mod mode;
pub mod msg;
pub mod newest;
pub mod sessions;
pub mod state;
pub mod terminal;
pub mod update;
