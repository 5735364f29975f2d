//! The Explorer pane's state: the document shown, its view, and the footer's input.

use super::ListCursor;
use crate::explore::tree::Tree;

/// What the explorer shows.
pub enum ExplorerBody {
    Empty,
    Tree(Box<Tree>),
    Text(Vec<String>),
}

pub struct ExplorerState {
    pub title: String,
    pub body: ExplorerBody,
    /// The unfiltered document bytes (for jq and raw view).
    pub source: Option<std::sync::Arc<[u8]>>,
    pub cursor: ListCursor,
    pub raw: bool,
    /// Raw view: first line shown, and how many lines the text has (counted on entry).
    pub raw_top: usize,
    pub raw_lines: usize,
    /// Raw view: where each line starts (built on entry), so a frame reads only the lines
    /// it shows, wherever they are in a 50 MB document.
    pub raw_starts: Vec<u32>,
    pub depth: u16,
    /// What the footer's input is typing, if anything.
    pub input: ExplorerInput,
    pub search: String,
    pub jq: String,
    pub jq_error: Option<String>,
    /// Numbers jq runs; answers from older runs (typed over) are dropped.
    pub jq_runs: crate::app::newest::Newest,
    /// Work running off the UI thread on a big document, if any (one at a time: a newer
    /// request cancels it).
    pub job: Option<ExplorerJob>,
    /// Names each job; answers from a replaced or cancelled one are dropped.
    pub job_seq: u64,
    /// The request behind the result shown, if it came from a device (copy as curl).
    pub request: Option<crate::drivers::request_info::RequestInfo>,
}

/// The explorer footer's one input: at most one is typed at a time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExplorerInput {
    None,
    /// The search text (kept in `search`); Enter searches.
    Search,
    /// The jq filter (kept in `jq`, shown after the typing ends); it runs as it changes.
    Jq,
    /// Where to save the document; Enter saves.
    SavePath(String),
}

/// An explorer job in flight: the footer shows its label and progress, Esc cancels it.
pub struct ExplorerJob {
    pub seq: u64,
    pub label: &'static str,
    pub control: crate::explore::tree::Control,
}

impl ExplorerState {
    /// Nothing to explore yet.
    pub fn new() -> Self {
        ExplorerState {
            title: String::new(),
            body: ExplorerBody::Empty,
            source: None,
            cursor: ListCursor::default(),
            raw: false,
            raw_top: 0,
            raw_lines: 0,
            raw_starts: Vec::new(),
            depth: 1,
            input: ExplorerInput::None,
            search: String::new(),
            jq: String::new(),
            jq_error: None,
            jq_runs: crate::app::newest::Newest::default(),
            job: None,
            job_seq: 0,
            request: None,
        }
    }
}

impl Default for ExplorerState {
    fn default() -> Self {
        ExplorerState::new()
    }
}
