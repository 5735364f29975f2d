//! The dashboard's state: plain data, changed only by `update`, drawn by `ui::render`.

use std::collections::{HashMap, VecDeque};
use std::time::SystemTime;

use ratatui_textarea::TextArea;

pub use super::cursor::ListCursor;
use crate::engine::messages::{
    AccessPoint, Budget, DeviceFacts, RunId, SessionState, SessionView, Site,
};
use crate::explore::tree::Tree;

/// The five panes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pane {
    Devices,
    Sessions,
    Console,
    Explorer,
    Central,
}

impl Pane {
    pub const ALL: [Pane; 5] = [
        Pane::Devices,
        Pane::Sessions,
        Pane::Console,
        Pane::Explorer,
        Pane::Central,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Pane::Devices => "1 Devices",
            Pane::Sessions => "2 Sessions",
            Pane::Console => "3 Console",
            Pane::Explorer => "4 Explorer",
            Pane::Central => "5 Central",
        }
    }

    pub fn index(self) -> usize {
        Pane::ALL.iter().position(|p| *p == self).unwrap_or(0)
    }
}

/// Latency samples kept per device (the sparkline), bounded for weeks of running.
pub const LATENCY_SAMPLES: usize = 40;

/// One device or Central account row.
#[derive(Debug, Clone)]
pub struct DeviceRow {
    pub name: String,
    pub kind: &'static str,
    pub host: String,
    pub tags: Vec<String>,
    pub state: SessionState,
    pub session: Option<SessionView>,
    pub latency: VecDeque<u64>,
    pub last_poll: Option<SystemTime>,
    pub facts: DeviceFacts,
    pub last_error: Option<String>,
    pub marked: bool,
    /// `verify_tls = false`: the panes mark the row so the risk stays visible.
    pub tls_unverified: bool,
}

impl DeviceRow {
    /// A row not yet heard from.
    pub fn new(
        name: &str,
        kind: &'static str,
        host: String,
        tags: &[String],
        verify: bool,
    ) -> Self {
        DeviceRow {
            name: name.to_string(),
            kind,
            host,
            tags: tags.to_vec(),
            state: SessionState::Disconnected,
            session: None,
            latency: VecDeque::new(),
            last_poll: None,
            facts: DeviceFacts::default(),
            last_error: None,
            marked: false,
            tls_unverified: !verify,
        }
    }
}

/// Columns the device list sorts by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortBy {
    Name,
    Kind,
    State,
    Latency,
}

impl SortBy {
    pub fn next(self) -> SortBy {
        match self {
            SortBy::Name => SortBy::Kind,
            SortBy::Kind => SortBy::State,
            SortBy::State => SortBy::Latency,
            SortBy::Latency => SortBy::Name,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            SortBy::Name => "name",
            SortBy::Kind => "kind",
            SortBy::State => "state",
            SortBy::Latency => "latency",
        }
    }
}

#[derive(Debug, Clone)]
pub struct DevicesState {
    pub rows: Vec<DeviceRow>,
    /// `rows` in name order, computed once (the rows are fixed by the config): every
    /// other order is a cheap stable sort of this by one small key.
    pub by_name: Vec<usize>,
    /// Rows after filter and sort (indices into `rows`), rebuilt before a draw when dirty.
    pub view: Vec<usize>,
    pub view_dirty: bool,
    pub cursor: ListCursor,
    pub sort: SortBy,
    pub filter: String,
    pub filtering: bool,
}

/// The Sessions pane lists the device rows in config order.
#[derive(Debug, Clone, Default)]
pub struct SessionsState {
    pub cursor: ListCursor,
}

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
    pub kind: &'static str,
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
}

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
    pub jq_runs: super::newest::Newest,
    /// Work running off the UI thread on a big document, if any (one at a time: a newer
    /// request cancels it).
    pub job: Option<ExplorerJob>,
    /// Names each job; answers from a replaced or cancelled one are dropped.
    pub job_seq: u64,
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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApFilter {
    All,
    Up,
    Down,
}

#[derive(Debug, Clone)]
pub struct CentralAccount {
    pub sites: Vec<Site>,
    pub aps: Vec<AccessPoint>,
    pub at: Option<SystemTime>,
    pub budget: Option<Budget>,
}

pub struct CentralState {
    pub accounts: HashMap<String, CentralAccount>,
    pub order: Vec<String>,
    /// APs after the filters, down first: (index into `order`, index into its `aps`),
    /// rebuilt before a draw when dirty (not sorted per frame or per key).
    pub view: Vec<(usize, usize)>,
    pub view_dirty: bool,
    pub cursor: ListCursor,
    pub status: ApFilter,
    pub site: Option<String>,
}

/// List rows each pane showed in the last frame: the reducer keeps cursors in view with
/// them (it cannot know the terminal size otherwise).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Viewports {
    pub devices: usize,
    pub explorer: usize,
    pub central: usize,
}

/// Indices of `rows` in name order.
pub fn name_order(rows: &[DeviceRow]) -> Vec<usize> {
    let mut v: Vec<usize> = (0..rows.len()).collect();
    v.sort_by(|&a, &b| rows[a].name.cmp(&rows[b].name));
    v
}

impl DevicesState {
    /// The list for these rows, in name order, nothing filtered.
    pub fn new(rows: Vec<DeviceRow>) -> Self {
        DevicesState {
            by_name: name_order(&rows),
            view: (0..rows.len()).collect(),
            view_dirty: true,
            rows,
            cursor: ListCursor::default(),
            sort: SortBy::Name,
            filter: String::new(),
            filtering: false,
        }
    }
}

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
            jq_runs: Default::default(),
            job: None,
            job_seq: 0,
        }
    }
}

impl Default for ExplorerState {
    fn default() -> Self {
        ExplorerState::new()
    }
}

impl CentralState {
    /// No accounts heard from yet.
    pub fn new() -> Self {
        CentralState {
            accounts: HashMap::new(),
            order: Vec::new(),
            view: Vec::new(),
            view_dirty: false,
            cursor: ListCursor::default(),
            status: ApFilter::All,
            site: None,
        }
    }
}

impl Default for CentralState {
    fn default() -> Self {
        CentralState::new()
    }
}

/// The whole dashboard.
pub struct App {
    pub focus: Pane,
    /// Show only this pane (`netdash explore`).
    pub solo: Option<Pane>,
    pub devices: DevicesState,
    pub sessions: SessionsState,
    pub console: ConsoleState,
    pub explorer: ExplorerState,
    pub central: CentralState,
    pub status: Option<String>,
    pub read_only: bool,
    /// Started read-only (`--read-only`, settings): `:readonly` may not turn it off.
    pub read_only_locked: bool,
    /// The status line as last seen by the clock, and since when: it fades after a while.
    pub status_seen: Option<(String, SystemTime)>,
    pub help: bool,
    pub command_line: Option<String>,
    pub now: SystemTime,
    pub quit: bool,
    pub alarms: usize,
    /// Raised and not yet cleared, by target (the engine reports changes only).
    pub active_alarms: std::collections::BTreeMap<String, String>,
    pub viewports: Viewports,
}

impl App {
    /// A fresh dashboard for these rows (devices and Central accounts, config order).
    pub fn new(rows: Vec<DeviceRow>, read_only: bool, history: Vec<String>) -> App {
        App {
            focus: Pane::Devices,
            devices: DevicesState::new(rows),
            sessions: SessionsState::default(),
            console: ConsoleState::new(history),
            explorer: ExplorerState::new(),
            central: CentralState::new(),
            status: None,
            read_only,
            read_only_locked: read_only,
            status_seen: None,
            help: false,
            command_line: None,
            now: SystemTime::now(),
            quit: false,
            alarms: 0,
            active_alarms: Default::default(),
            solo: None,
            viewports: Viewports::default(),
        }
    }
}
