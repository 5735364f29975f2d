//! The compare view's state: which answers are compared, the comparison itself, the
//! selected group and the diff's scroll; and a `:diff` waiting for its snapshot.

use std::sync::Arc;

use super::ListCursor;
use crate::compare::{Answer, Comparison};

/// One row of the diff list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DiffRow {
    /// `~`, `+` or `-` and a jq path.
    Path(char, String),
    /// A group's value at the path above: its label and the value on one line.
    Value(String, String),
    /// A changed text line: `-` (only the reference has it) or `+`, its number, the text.
    Line(char, usize, String),
    /// A sentence instead of a diff.
    Note(String),
}

/// The compare view and what it needs to open one.
#[derive(Debug, Default)]
pub struct CompareState {
    /// Open over the panes while `Some`; Esc closes it.
    pub view: Option<CompareView>,
    /// `[settings] ignore`, on top of the built-in volatile fields.
    pub extra_ignore: Vec<String>,
    /// `:diff NAME` sent for its snapshot: the result to compare with it when it comes.
    pub pending: Option<PendingDiff>,
    /// Numbers the comparisons sent to a worker: only the newest one's answer is used.
    pub next_seq: u64,
}

/// A `:diff` whose snapshot is being read.
#[derive(Debug, Clone)]
pub struct PendingDiff {
    pub name: String,
    pub current: Answer,
    pub command: String,
}

/// One comparison on screen.
#[derive(Debug)]
pub struct CompareView {
    /// What is compared: the console line, or "lab-eos-01 against snapshot NAME".
    pub title: String,
    /// The command, for the built-in ignore list.
    pub command: String,
    /// The answers as they came (the comparison is rebuilt from them when `i` toggles);
    /// shared with the worker that compares big ones.
    pub answers: Arc<[Answer]>,
    /// The target whose group is the reference whatever its size (the snapshot).
    pub pin: Option<String>,
    /// Volatile fields left out (on when the view opens).
    pub ignoring: bool,
    pub result: Comparison,
    /// The selected group.
    pub group: ListCursor,
    /// The first diff row shown.
    pub scroll: usize,
    /// A worker is comparing (big answers): the number it answers with.
    pub computing: Option<u64>,
    /// The selected group's diff as rows, built when the result or the group changes (not
    /// per frame: a big diff has many).
    pub rows: Vec<DiffRow>,
}
