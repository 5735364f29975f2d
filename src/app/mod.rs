//! The dashboard application: plain-data state, a reducer, a keymap, and the loop that
//! connects them to the engine and the terminal.
//!
//! `update.rs` routes keys, mouse, `:` commands, engine events and requests between panes;
//! each pane's behaviour is in its own module (`devices`, `sessions`, `console`,
//! `explorer`, `central`, matching `ui/<pane>.rs`), which imports only the leaf modules
//! (`msg`, `state`, `keymap`, `cursor`, `input`), never the router or another pane.

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
