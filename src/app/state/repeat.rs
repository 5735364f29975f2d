//! The repeat view's state (`:every 5s TARGETS CMD`): the command, its schedule, the
//! bounded history of runs (`repeat::history`), the run in progress and what the view
//! shows (which run, compared with which, scrolled how far). The explorer pane hosts the
//! view while a repeat is open.

use std::collections::BTreeMap;

use crate::engine::messages::RunId;
use crate::kind::TargetKind;
use crate::repeat::history::{History, Run, Since};
use crate::repeat::lines::Line;
use crate::repeat::schedule::Plan;

/// Repeat runs are numbered from here, far above the console's, so their events find the
/// repeat and not the transcript.
pub const REPEAT_IDS: RunId = 1 << 48;

/// Every repeat the dashboard ran; at most one open.
#[derive(Debug, Default)]
pub struct RepeatState {
    pub view: Option<Repeat>,
    /// Runs sent so far (ids are `REPEAT_IDS + runs_sent`).
    pub runs_sent: u64,
    /// The newest timer: an older one firing is ignored (a stopped or restarted repeat).
    pub timer: u64,
}

/// One repeated command.
#[derive(Debug)]
pub struct Repeat {
    /// As typed: `@tag:core`, names, `@all`.
    pub targets: Vec<String>,
    pub line: String,
    pub plan: Plan,
    /// False once stopped (Esc): the view stays until Esc again.
    pub running: bool,
    pub history: History,
    /// The run in progress and its engine id.
    pub current: Option<(RunId, Run)>,
    /// Runs started so far (the next is `started + 1`).
    pub started: u64,
    /// Steps back from the latest run (`[` older, `]` newer).
    pub back: usize,
    pub since: Since,
    pub scroll: usize,
    /// Each target's kind and last answer time, for the headers.
    pub meta: BTreeMap<String, (TargetKind, u64)>,
    /// A run refused by the engine (bad target): said in the view.
    pub note: Option<String>,
    /// When the next run starts (for the countdown), while waiting for it.
    pub due: Option<std::time::SystemTime>,
    /// What the view shows, rebuilt when a run ends or the shown run or baseline changes
    /// (not per frame: comparing answers costs more than drawing them).
    pub rows: Vec<Row>,
}

/// One row of the view.
#[derive(Debug, Clone, PartialEq)]
pub enum Row {
    /// A target's header: name, kind, answer time, changes (none: no baseline).
    Target {
        name: String,
        kind: Option<TargetKind>,
        elapsed_ms: u64,
        failed: bool,
        changes: Option<usize>,
    },
    Line(Line),
}
