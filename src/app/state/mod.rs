//! The dashboard's state: plain data, changed only by `update`, drawn by `ui::render`.
//! One file per pane's slice (matching `app/<pane>.rs` and `ui/<pane>.rs`), the whole
//! `App` here; constructors live with what they build.

use std::time::SystemTime;

mod central;
mod compare;
mod console;
mod device_page;
mod devices;
mod explorer;
pub mod kiosk;
mod repeat;

pub use super::cursor::ListCursor;
pub use central::{ApFilter, CentralAccount, CentralState};
pub use compare::{CompareState, CompareView, DiffRow, PendingDiff};
pub use console::{
    ConsoleState, OUTPUTS_KEPT, REQUESTS_KEPT, ResultEntry, TRANSCRIPT_LIMIT, Transcript,
};
pub use device_page::{
    DeviceHistory, DevicePageState, ERRORS_KEPT, SESSION_EVENTS_KEPT, SessionChange,
};
pub use devices::{DeviceRow, DevicesState, LATENCY_SAMPLES, SessionsState, SortBy, name_order};
pub use explorer::{ExplorerBody, ExplorerInput, ExplorerJob, ExplorerState};
pub use kiosk::{KioskPrompt, KioskState};
pub use repeat::{REPEAT_IDS, Repeat, RepeatState, Row as RepeatRow};

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

/// List rows each pane showed in the last frame: the reducer keeps cursors in view with
/// them (it cannot know the terminal size otherwise).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Viewports {
    pub devices: usize,
    pub explorer: usize,
    pub central: usize,
}

/// The whole dashboard.
#[expect(
    clippy::struct_excessive_bools,
    reason = "independent switches (read-only, quit, dirty...), not states of one mode: Mode holds those"
)]
pub struct App {
    pub focus: Pane,
    /// Show only this pane (`netdash explore`).
    pub solo: Option<Pane>,
    pub devices: DevicesState,
    pub sessions: SessionsState,
    pub console: ConsoleState,
    pub explorer: ExplorerState,
    pub central: CentralState,
    /// `:every`: the repeated command shown in the explorer pane.
    pub repeat: RepeatState,
    /// The compare view (`d`, `:diff`), drawn over the panes while open.
    pub compare: CompareState,
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
    /// The device page (Enter on a device, `:device NAME`) and each device's history.
    pub device_page: DevicePageState,
    /// The privacy mask (`--mask`, `:mask`): its switch, rules and learned serials.
    pub mask: crate::mask::MaskState,
    /// The wall screen (`--kiosk`); `None` for the normal dashboard.
    pub kiosk: Option<KioskState>,
    /// When the last engine event arrived (from the first clock tick on): the screen says
    /// it is stale once this is `stale_after` old.
    pub last_news: Option<SystemTime>,
    /// Two poll intervals (set by the launcher); `None`: never stale.
    pub stale_after: Option<std::time::Duration>,
}

impl App {
    /// A fresh dashboard for these rows (devices and Central accounts, config order).
    pub fn new(rows: Vec<DeviceRow>, read_only: bool, history: Vec<String>) -> App {
        let central = CentralState::listing(&rows);
        App {
            focus: Pane::Devices,
            devices: DevicesState::new(rows),
            sessions: SessionsState::default(),
            console: ConsoleState::new(history),
            explorer: ExplorerState::new(),
            central,
            repeat: RepeatState::default(),
            compare: CompareState::default(),
            status: None,
            read_only,
            read_only_locked: read_only,
            status_seen: None,
            help: false,
            command_line: None,
            now: SystemTime::now(),
            quit: false,
            alarms: 0,
            active_alarms: std::collections::BTreeMap::default(),
            solo: None,
            viewports: Viewports::default(),
            device_page: DevicePageState::default(),
            mask: crate::mask::MaskState::default(),
            kiosk: None,
            last_news: None,
            stale_after: None,
        }
    }
}
