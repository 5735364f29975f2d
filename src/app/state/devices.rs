//! The Devices and Sessions panes' state: the device rows (devices and Central accounts)
//! and the list over them.

use std::collections::VecDeque;
use std::time::SystemTime;

use super::ListCursor;
use crate::engine::messages::{DeviceFacts, SessionState, SessionView, TargetInfo};
use crate::kind::TargetKind;

/// Latency samples kept per device (the sparkline), bounded for weeks of running.
pub const LATENCY_SAMPLES: usize = 40;

/// One device or Central account row.
#[derive(Debug, Clone)]
pub struct DeviceRow {
    pub name: String,
    pub kind: TargetKind,
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
    /// One row per configured device and Central account, in the file's order.
    pub fn from_config(cfg: &crate::config::Config) -> Vec<DeviceRow> {
        cfg.devices()
            .map(TargetInfo::of_device)
            .chain(cfg.centrals().map(TargetInfo::of_account))
            .map(|t| DeviceRow::from_info(&t))
            .collect()
    }

    /// A row for a target the engine reports.
    pub fn from_info(t: &TargetInfo) -> Self {
        DeviceRow::new(&t.name, t.kind, t.host.clone(), &t.tags, t.verify_tls)
    }

    /// A row not yet heard from.
    pub fn new(name: &str, kind: TargetKind, host: String, tags: &[String], verify: bool) -> Self {
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
    #[must_use]
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
