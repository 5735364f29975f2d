//! Repeating a command (`:every 5s TARGETS CMD`, `netdash run --every 5s`): what changed
//! between answers (`changes`), when the next run is due (`schedule`), the bounded run
//! history both front ends keep (`history`) and an answer as lines with changes marked
//! (`lines`). Pure: no I/O, no clock of its own; the dashboard and `run` drive it.

pub mod changes;
pub mod history;
pub mod lines;
pub mod schedule;
