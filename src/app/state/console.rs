//! The Console pane's state: the input, its history, and the transcript of runs.

use std::collections::VecDeque;
use std::time::SystemTime;

use ratatui_textarea::TextArea;

use super::ListCursor;
use crate::drivers::request_info::RequestInfo;
use crate::engine::messages::RunId;
use crate::kind::TargetKind;

/// One finished (or running) console command in the transcript.
#[derive(Debug, Clone)]
pub struct Transcript {
    pub id: RunId,
    pub line: String,
    pub at: SystemTime,
    pub total: usize,
    pub done: usize,
    pub failed: usize,
    pub results: Vec<ResultEntry>,
    pub note: Option<String>,
}

#[derive(Debug, Clone)]
pub struct ResultEntry {
    pub target: String,
    pub kind: TargetKind,
    pub elapsed_ms: u64,
    pub ok: bool,
    /// The error line, or a one-line summary of the output.
    pub summary: String,
    pub output: Option<serde_json::Value>,
    pub text: bool,
}

/// Transcript entries kept (oldest dropped): bounded memory on a wall screen.
pub const TRANSCRIPT_LIMIT: usize = 200;
/// Runs whose full outputs are kept; older ones keep only their one-line summaries.
pub const OUTPUTS_KEPT: usize = 20;

pub struct ConsoleState {
    pub input: TextArea<'static>,
    pub editing: bool,
    pub history: Vec<String>,
    /// Position while walking history with Up/Down.
    pub history_pos: Option<usize>,
    /// Ctrl-R: the search text, when searching.
    pub history_search: Option<String>,
    pub transcript: VecDeque<Transcript>,
    /// Selected result, counted from the newest (0 = newest); the view is not scrolled.
    pub cursor: ListCursor,
    /// A mutating command waiting for y/n.
    pub confirm: Option<(Vec<String>, String)>,
    pub next_id: RunId,
    /// The requests behind recent results (copy as curl), newest last; bounded like the
    /// kept outputs.
    pub requests: VecDeque<(RunId, String, RequestInfo)>,
}

/// Described requests kept for copy as curl (oldest dropped).
pub const REQUESTS_KEPT: usize = 2000;

impl ConsoleState {
    /// An empty console with this command history.
    pub fn new(history: Vec<String>) -> Self {
        ConsoleState {
            input: ConsoleState::empty_input(),
            editing: false,
            history,
            history_pos: None,
            history_search: None,
            transcript: VecDeque::new(),
            cursor: ListCursor::default(),
            confirm: None,
            next_id: 1,
            requests: VecDeque::new(),
        }
    }

    /// A fresh input line, with its hint.
    pub fn empty_input() -> TextArea<'static> {
        let mut t = TextArea::default();
        t.set_placeholder_text(
            "@target show version   |   GET /path   (Esc leaves, ↑ history, Tab completes)",
        );
        t
    }
}
