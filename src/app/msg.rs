//! The messages of the dashboard: what comes in (`Msg`), what the loop must do
//! (`Effect`) and what one pane asks of the others (`Request`). A leaf module: every
//! pane module imports it, so no pane imports the router (`update.rs`) or another pane.

use std::sync::Arc;
use std::time::SystemTime;

use crossterm::event::{KeyEvent, MouseEvent};
use ratatui::layout::Rect;

use super::state::Pane;
use crate::engine::messages::EngineRequest;
use crate::engine::messages::{Event, RunId};
use crate::explore::doc::Doc;
use crate::explore::job::{Done, Work};
use crate::explore::tree::Control;

/// Input to the reducer.
pub enum Msg {
    Engine(Event),
    Key(KeyEvent),
    Mouse(MouseEvent, Vec<(Pane, Rect)>),
    Tick(SystemTime),
    /// A jq filter finished (off the UI thread); `seq` names the run.
    Filtered {
        seq: u64,
        result: Result<Doc, String>,
    },
    /// Explorer work finished (or was cancelled) off the UI thread; `seq` names the job.
    Explored {
        seq: u64,
        done: Done,
    },
    /// A document to explore was read and indexed (off the UI thread).
    Loaded {
        title: String,
        doc: Result<Doc, String>,
    },
    /// A line for the status bar (a save finished, a theme failed to load).
    Status(String),
    /// The repeat timer `seq` (from `Effect::RepeatAt`) fired at `at`.
    RepeatDue {
        seq: u64,
        at: SystemTime,
    },
    /// A worker finished comparison `seq`.
    Compared {
        seq: u64,
        result: Box<crate::compare::Comparison>,
    },
    /// A snapshot was read for `:diff NAME` (off the UI thread), or why not.
    Snapshot {
        name: String,
        result: Result<crate::compare::snapshot::Snapshot, String>,
    },
}

/// What the loop must do for the reducer.
#[derive(Debug, Clone)]
pub enum Effect {
    Engine(EngineRequest),
    RunJq {
        seq: u64,
        code: String,
        input: Arc<[u8]>,
    },
    Save {
        path: String,
        bytes: Arc<[u8]>,
    },
    /// Explorer work for a worker thread (see `explore::job`).
    Explore(ExploreJob),
    Copy(String),
    SaveHistory(Vec<String>),
    Theme(String),
    /// Read the config file (and run its inventories) again, off the UI thread, and hand
    /// the result to the engine.
    Reload,
    /// Send `Msg::RepeatDue { seq }` at `at` (a timer task: the loop stays idle meanwhile).
    RepeatAt {
        seq: u64,
        at: SystemTime,
    },
    /// Compare big answers on a worker thread; answered by `Msg::Compared`.
    Compare(CompareJob),
    /// `:snap NAME`: keep this result in the state dir (0600).
    Snap {
        name: String,
        snapshot: crate::compare::snapshot::Snapshot,
    },
    /// `:diff NAME`: read snapshot NAME and answer with `Msg::Snapshot`.
    LoadSnapshot {
        name: String,
    },
}

/// A comparison too big for a frame, for a worker thread.
#[derive(Debug, Clone)]
pub struct CompareJob {
    pub seq: u64,
    pub answers: Arc<[crate::compare::Answer]>,
    pub command: String,
    pub extra_ignore: Vec<String>,
    pub ignoring: bool,
    pub pin: Option<String>,
}

impl CompareJob {
    pub fn run(&self) -> crate::compare::Comparison {
        crate::compare::Comparison::build(
            &self.answers,
            &self.command,
            &self.extra_ignore,
            self.ignoring,
            self.pin.as_deref(),
        )
    }
}

/// Explorer work on a big document, for a worker thread.
#[derive(Debug, Clone)]
pub struct ExploreJob {
    pub seq: u64,
    pub doc: Doc,
    pub work: Work,
    pub control: Control,
}

/// What a pane asks of the rest of the app; `update.rs` carries these out, in order.
#[derive(Debug, Clone)]
pub enum Request {
    /// Show this line in the status bar.
    Status(String),
    /// Clear the status line if it still starts with this (a hint that was answered).
    ClearStatusStartingWith(&'static str),
    /// Focus a pane.
    Focus(Pane),
    /// Focus the console with its input taking keys.
    TypeInConsole,
    /// Show a command's result in the explorer: the `index`-th result of run `run`.
    OpenResult { run: RunId, index: usize },
}

/// A pane's answer: effects for the loop and requests to the other panes.
#[derive(Debug, Default)]
pub struct Out {
    pub effects: Vec<Effect>,
    pub requests: Vec<Request>,
}

impl Out {
    pub fn effects(effects: Vec<Effect>) -> Self {
        Out {
            effects,
            requests: Vec::new(),
        }
    }

    pub fn request(r: Request) -> Self {
        Out {
            effects: Vec::new(),
            requests: vec![r],
        }
    }

    pub fn status(line: impl Into<String>) -> Self {
        Out::request(Request::Status(line.into()))
    }

    /// Poll `target` (or everything) now.
    pub fn refresh(target: Option<String>) -> Self {
        Out {
            requests: vec![Request::Status(format!(
                "polling {}",
                target.as_deref().unwrap_or("everything")
            ))],
            effects: vec![Effect::Engine(EngineRequest::RefreshNow { target })],
        }
    }

    /// Log `target` in afresh (nothing without a target).
    pub fn reconnect(target: Option<String>) -> Self {
        let Some(target) = target else {
            return Out::default();
        };
        Out {
            requests: vec![Request::Status(format!("reconnecting {target}"))],
            effects: vec![Effect::Engine(EngineRequest::Reconnect { target })],
        }
    }

    /// Save a table as CSV under a timestamped default name in the current directory
    /// (`w` in the Devices and Central panes; compare results use it the same way).
    pub fn save_csv(what: &str, header: &[String], rows: &[Vec<String>], now: SystemTime) -> Self {
        match crate::csv_export::to_bytes(header, rows) {
            Ok(bytes) => Out::effects(vec![Effect::Save {
                path: crate::csv_export::default_path(what, now),
                bytes: bytes.into(),
            }]),
            Err(e) => Out::status(e.to_string()),
        }
    }

    /// Append another answer (effects, then requests, keep their order).
    #[must_use]
    pub fn and(mut self, other: Out) -> Self {
        self.effects.extend(other.effects);
        self.requests.extend(other.requests);
        self
    }
}
