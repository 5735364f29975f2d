//! The dashboard application as plain data: state, a pure reducer and a keymap. It draws
//! nothing and owns no terminal: `crate::tui` runs the loop that feeds it keys and engine
//! events and draws it with `crate::ui`.
//!
//! `update.rs` routes keys, mouse, `:` commands, engine events and requests between panes;
//! each pane's behaviour is in its own module (`devices`, `sessions`, `console`,
//! `explorer`, `central`, matching `ui/<pane>.rs`; `repeat`, the `:every` view the explorer
//! pane hosts; `compare`, the view `d` and `:diff` open over the panes), which imports only
//! the leaf modules (`msg`, `state`, `keymap`, `cursor`, `input`), never the router or
//! another pane.

pub mod central;
pub mod compare;
pub mod console;
pub mod cursor;
pub mod device_page;
pub mod devices;
pub mod explorer;
pub mod input;
pub mod keymap;
pub mod kiosk;
pub mod mask;
pub mod mode;
pub mod msg;
pub mod newest;
pub mod repeat;
pub mod sessions;
pub mod state;
pub mod update;
