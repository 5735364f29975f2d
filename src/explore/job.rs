//! Explorer work that can outlast a frame on a big document (expand to a depth, search,
//! open one huge container): described as data, run by a worker thread the loop starts,
//! answered as a message. Small documents run the same code inline in the reducer.

use super::doc::{Doc, DocError, Entry};
use super::tree::{Built, Control, build_rows, chain_to, find_text};

/// What to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Work {
    /// Rows with every container less than `depth` levels down expanded.
    Expand { depth: u16 },
    /// The next occurrence of `needle` from byte `from`, and the containers to open.
    Search {
        needle: String,
        from: usize,
        forward: bool,
    },
    /// The children of one container (its row is found again when they arrive).
    Open { entry: Entry },
}

impl Work {
    /// What the footer says while it runs.
    pub fn label(&self) -> &'static str {
        match self {
            Work::Expand { depth } if *depth == u16::MAX => "expanding all",
            Work::Expand { .. } => "expanding",
            Work::Search { .. } => "searching",
            Work::Open { .. } => "opening",
        }
    }
}

/// The answer.
#[derive(Debug)]
pub enum Done {
    Expanded(Built),
    Found {
        needle: String,
        offset: Option<usize>,
        /// Containers on the way to `offset`, with their children.
        chain: Vec<(Entry, Vec<Entry>)>,
    },
    Opened {
        entry: Entry,
        /// The children, each with its own child count if it is a container.
        kids: Result<Vec<(Entry, Option<u32>)>, DocError>,
    },
    Cancelled,
}

/// Do `work` on `doc`, stopping early when `ctl` is cancelled.
pub fn run(doc: &Doc, work: &Work, ctl: &Control) -> Done {
    match work {
        Work::Expand { depth } => match build_rows(doc, *depth, ctl) {
            Ok(b) => Done::Expanded(b),
            Err(_) => Done::Cancelled,
        },
        Work::Search {
            needle,
            from,
            forward,
        } => match find_text(doc.bytes(), needle, *from, *forward, ctl) {
            Ok(offset) => Done::Found {
                needle: needle.clone(),
                offset,
                chain: offset.map(|o| chain_to(doc, o, ctl)).unwrap_or_default(),
            },
            Err(_) => Done::Cancelled,
        },
        Work::Open { entry } => Done::Opened {
            entry: *entry,
            // Counted here so drawing them does not scan them on the UI thread.
            kids: doc.children(entry).map(|kids| {
                kids.into_iter()
                    .map(|k| (k, k.kind.is_container().then(|| doc.count(&k) as u32)))
                    .collect()
            }),
        },
    }
}
