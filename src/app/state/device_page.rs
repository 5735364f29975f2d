//! The device page's state: which device is open, the command under the cursor, and a
//! bounded history per device folded from engine events (a wall screen runs for weeks).

use std::collections::{HashMap, VecDeque};
use std::time::SystemTime;

use super::ListCursor;

/// Session events kept per device (oldest dropped).
pub const SESSION_EVENTS_KEPT: usize = 50;
/// Errors kept per device (oldest dropped).
pub const ERRORS_KEPT: usize = 20;

/// What happened to a device's session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionChange {
    /// Logged in (the first time since netdash started).
    LoggedIn,
    /// Logged in again after the device ended the session.
    Relogin,
    /// Renewing a credential ahead of its expiry.
    Renewing,
    /// Login failed; the text says why and the engine waits before the next try.
    Down(String),
    /// The session ended: logged out, expired or closed.
    Ended(&'static str),
}

impl SessionChange {
    /// One line for the page.
    pub fn describe(&self) -> String {
        match self {
            SessionChange::LoggedIn => "logged in".into(),
            SessionChange::Relogin => "re-login: logged in again after the device ended it".into(),
            SessionChange::Renewing => "renewing the credential ahead of expiry".into(),
            SessionChange::Down(why) => format!("down: {why}"),
            SessionChange::Ended(why) => format!("ended: {why}"),
        }
    }
}

/// What netdash has seen of one device since it started, bounded.
#[derive(Debug, Clone, Default)]
pub struct DeviceHistory {
    pub sessions: VecDeque<(SystemTime, SessionChange)>,
    pub errors: VecDeque<(SystemTime, String)>,
    /// The session's last state word and re-login count, to record changes only.
    pub last_word: Option<&'static str>,
    pub relogins: u32,
}

impl DeviceHistory {
    pub fn push_session(&mut self, at: SystemTime, c: SessionChange) {
        if self.sessions.len() >= SESSION_EVENTS_KEPT {
            self.sessions.pop_front();
        }
        self.sessions.push_back((at, c));
    }

    pub fn push_error(&mut self, at: SystemTime, e: String) {
        // The same error polled again is one entry, not twenty.
        if self.errors.back().is_some_and(|(_, last)| *last == e) {
            return;
        }
        if self.errors.len() >= ERRORS_KEPT {
            self.errors.pop_front();
        }
        self.errors.push_back((at, e));
    }
}

#[derive(Debug, Default)]
pub struct DevicePageState {
    /// The device whose page is open (it replaces the Devices list), if any.
    pub open: Option<String>,
    /// Over the page's list of commands run on the device.
    pub cursor: ListCursor,
    pub history: HashMap<String, DeviceHistory>,
}
