//! The engine's language: `EngineRequest`s in from the UI (or `run`, or `watch`), `Event`s out.
//! Plain data, no network state: the engine owns that.

use std::time::{Duration, SystemTime};

use serde::Serialize;
use serde_json::Value;

use crate::drivers::{Body, CommandOutput, RateFacts, SessionFacts};
use crate::kind::{AuthScheme, TargetKind};

/// Identifies one fan-out, so results find their way back to what asked for them.
pub type RunId = u64;

/// What the UI asks of the engine.
#[derive(Debug, Clone)]
pub enum EngineRequest {
    /// Run one command line on targets (names, `@tag:NAME`, `@all`).
    Run {
        id: RunId,
        targets: Vec<String>,
        line: String,
        /// From the console: served before background polling.
        interactive: bool,
    },
    /// Poll now instead of waiting for the interval (one target, or all).
    RefreshNow { target: Option<String> },
    /// Drop the session and log in again (clears a backoff).
    Reconnect { target: String },
    /// Log out and stay logged out until something needs the device.
    Close { target: String },
    /// Turn read-only mode on or off (`:readonly`).
    SetReadOnly(bool),
    /// Use this config's devices from now on (`:reload`): new ones get sessions, gone
    /// ones are logged out, changed ones start again.
    Reload {
        config: std::sync::Arc<crate::config::Config>,
        /// Said with the engine's summary (hosts an inventory skipped).
        notes: Vec<String>,
    },
    /// Log every session out (bounded time), then stop.
    Shutdown,
}

/// A session's life.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum SessionState {
    Disconnected,
    LoggingIn,
    Connected,
    /// Renewing a credential ahead of its expiry (Central refresh, AOS-CX hard limit).
    Refreshing,
    /// Login failed; the next attempt waits.
    BackingOff {
        reason: String,
        #[serde(serialize_with = "epoch")]
        retry_at: SystemTime,
    },
    Closed,
}

impl SessionState {
    /// One word for the screen (never colour alone).
    pub fn word(&self) -> &'static str {
        match self {
            SessionState::Disconnected => "idle",
            SessionState::LoggingIn => "login",
            SessionState::Connected => "up",
            SessionState::Refreshing => "renew",
            SessionState::BackingOff { .. } => "down",
            SessionState::Closed => "closed",
        }
    }
}

/// A session's state and what the driver knows about it, ready for countdowns.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SessionView {
    pub auth: AuthScheme,
    /// Sessions netdash holds on this device (0 or 1: one session serves everything).
    pub held: u32,
    pub per_user_limit: Option<u32>,
    pub per_device_limit: Option<u32>,
    #[serde(serialize_with = "epoch_opt")]
    pub since: Option<SystemTime>,
    #[serde(serialize_with = "epoch_opt")]
    pub idle_deadline: Option<SystemTime>,
    #[serde(serialize_with = "epoch_opt")]
    pub hard_deadline: Option<SystemTime>,
    #[serde(serialize_with = "epoch_opt")]
    pub expires_at: Option<SystemTime>,
    pub relogins: u32,
    /// Central: what the token may do ("all", "read", "?" for a pasted pair).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope: Option<&'static str>,
}

impl SessionView {
    pub fn from_facts(f: &SessionFacts) -> Self {
        // A session that is not held has no deadlines (a stale one would count down).
        let live = |t: Option<SystemTime>| t.filter(|_| f.logged_in);
        SessionView {
            auth: f.auth,
            held: u32::from(f.logged_in && f.auth.holds_session()),
            per_user_limit: f.limits.per_user,
            per_device_limit: f.limits.per_device,
            since: f.since,
            // Checked: an overflowing deadline is shown as none rather than panicking.
            idle_deadline: live(
                f.last_used
                    .zip(f.idle_timeout)
                    .and_then(|(t, d)| t.checked_add(d)),
            ),
            hard_deadline: live(
                f.since
                    .zip(f.hard_limit)
                    .and_then(|(t, d)| t.checked_add(d)),
            ),
            expires_at: live(f.expires_at),
            relogins: f.relogins,
            scope: f.scope,
        }
    }
}

/// What the panes show of a target the engine added at run time (an MSP's tenant, a device
/// from a reloaded inventory): never its credentials.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TargetInfo {
    pub name: String,
    pub kind: TargetKind,
    /// The device's host, or the Central gateway's.
    pub host: String,
    pub tags: Vec<String>,
    pub verify_tls: bool,
}

impl TargetInfo {
    pub fn of_account(c: &crate::config::CentralConfig) -> Self {
        TargetInfo {
            name: c.name.clone(),
            kind: TargetKind::Central,
            host: c
                .gateway()
                .unwrap_or_default()
                .trim_start_matches("https://")
                .to_string(),
            tags: c.tags.clone(),
            verify_tls: c.verify_tls,
        }
    }

    pub fn of_device(d: &crate::config::DeviceConfig) -> Self {
        TargetInfo {
            name: d.name.clone(),
            kind: d.kind.into(),
            host: d.host.clone(),
            tags: d.tags.clone(),
            verify_tls: d.verify_tls,
        }
    }
}

/// Facts from a background poll.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct DeviceFacts {
    pub hostname: Option<String>,
    pub model: Option<String>,
    pub version: Option<String>,
    pub serial: Option<String>,
    pub uptime_secs: Option<u64>,
}

/// A Central site with its AP counts.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Site {
    pub id: String,
    pub name: String,
    pub aps_up: usize,
    pub aps_down: usize,
}

/// An access point, from a Central account or a Mobility Conductor's AP database: one
/// model for both, so the Central pane lists them side by side.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct AccessPoint {
    pub name: String,
    pub serial: String,
    /// The Central site, or the Conductor's AP group.
    pub site: String,
    pub model: String,
    pub ip: String,
    /// The wired (Ethernet) MAC address.
    pub mac: String,
    pub up: bool,
    /// Associated clients, when the source says (a Conductor knows only its active APs').
    pub clients: Option<u64>,
    /// The AP's firmware (Central), or its Conductor's version.
    pub firmware: String,
}

/// Where an AP list comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ApSourceKind {
    /// A Central account (or MSP tenant): paged REST calls against a daily quota.
    Central,
    /// An ArubaOS Mobility Conductor: `showcommand`s in the device's one session, no quota.
    Conductor,
}

/// APs counted by their site (a Conductor's AP group), in name order, as sites.
pub fn sites_of(aps: &[AccessPoint]) -> Vec<Site> {
    let mut by: std::collections::BTreeMap<&str, (usize, usize)> =
        std::collections::BTreeMap::new();
    for a in aps {
        let c = by.entry(a.site.as_str()).or_default();
        if a.up {
            c.0 += 1;
        } else {
            c.1 += 1;
        }
    }
    by.into_iter()
        .map(|(name, (up, down))| Site {
            id: name.to_string(),
            name: name.to_string(),
            aps_up: up,
            aps_down: down,
        })
        .collect()
}

/// Rate budget of a Central account, live.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Budget {
    pub per_second_limit: usize,
    /// Calls sent in the last second (by our limiter).
    pub used_this_second: usize,
    pub background_waiting: usize,
    pub limit_day: Option<u64>,
    pub remaining_day: Option<u64>,
    /// 429 answers seen so far.
    pub throttled: u64,
    /// New token pairs the account's sessions obtained (refreshes and sign-ins after the
    /// first pair), so far.
    pub token_refreshes: u64,
    #[serde(serialize_with = "epoch_opt")]
    pub token_expires_at: Option<SystemTime>,
    #[serde(serialize_with = "epoch_opt")]
    pub last_refresh: Option<SystemTime>,
}

impl Budget {
    pub fn from_rate(
        per_second_limit: usize,
        used: usize,
        waiting: usize,
        r: Option<RateFacts>,
    ) -> Self {
        let r = r.unwrap_or_default();
        Budget {
            per_second_limit,
            used_this_second: used,
            background_waiting: waiting,
            limit_day: r.limit_day,
            remaining_day: r.remaining_day,
            throttled: r.throttled,
            token_refreshes: 0,
            token_expires_at: None,
            last_refresh: None,
        }
    }
}

/// What the engine reports.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    /// A session changed state (or its deadlines moved).
    Session {
        target: String,
        kind: TargetKind,
        #[serde(flatten)]
        state: SessionState,
        session: SessionView,
    },
    /// A fan-out was accepted: how many targets, who was skipped and why.
    RunStarted {
        id: RunId,
        line: String,
        total: usize,
        skipped: Vec<(String, String)>,
    },
    /// A fan-out could not start (bad command, unknown target).
    RunRejected { id: RunId, error: String },
    /// One target's answer.
    Result {
        id: RunId,
        target: String,
        kind: TargetKind,
        elapsed_ms: u64,
        #[serde(flatten)]
        outcome: Outcome,
    },
    /// The HTTP request behind the `Result` that follows for this target, credentials as
    /// placeholders (copy as curl). Sent just before that `Result`.
    RequestSent {
        id: RunId,
        target: String,
        request: crate::drivers::request_info::RequestInfo,
    },
    /// Fan-out progress, after every result.
    Progress {
        id: RunId,
        done: usize,
        failed: usize,
        total: usize,
    },
    /// A background poll answered.
    Polled {
        target: String,
        latency_ms: u64,
        facts: DeviceFacts,
    },
    /// A background poll failed (the session state says what happens next).
    PollFailed { target: String, error: String },
    /// A Central account's budget changed.
    Budget { account: String, budget: Budget },
    /// Central sites and APs, after a complete poll.
    Central {
        account: String,
        sites: Vec<Site>,
        aps: Vec<AccessPoint>,
        #[serde(serialize_with = "epoch")]
        at: SystemTime,
        /// API calls the poll took (its pages): what the next one will cost, about.
        calls: usize,
        /// When the next poll is due (later than the interval when the quota is short).
        #[serde(serialize_with = "epoch")]
        next_at: SystemTime,
    },
    /// A Mobility Conductor's AP database (`show ap database long`, clients from
    /// `show ap active`), after a poll.
    ApDatabase {
        conductor: String,
        aps: Vec<AccessPoint>,
        #[serde(serialize_with = "epoch")]
        at: SystemTime,
        /// `showcommand`s the poll took (in the device's one session; no quota).
        calls: usize,
        #[serde(serialize_with = "epoch")]
        next_at: SystemTime,
    },
    /// Something needs attention, or stopped needing it.
    Alarm {
        target: String,
        /// Which condition ("down", "poll", "quota"): a target can have several at once.
        what: &'static str,
        message: String,
        raised: bool,
    },
    /// Accounts found at run time (an MSP's tenants), to be listed under `parent`.
    AccountsAdded {
        parent: String,
        accounts: Vec<TargetInfo>,
    },
    /// The device list changed (`:reload`): `removed` are gone (their sessions logged
    /// out), `added` are new; a device whose settings changed is in both.
    DevicesChanged {
        added: Vec<TargetInfo>,
        removed: Vec<String>,
    },
    /// A line for the status bar.
    Log { message: String },
    /// Every session was logged out (or the time ran out); the engine has stopped.
    ShutdownComplete {
        logged_out: usize,
        failed: Vec<(String, String)>,
    },
}

/// A result's payload: output or one readable error line.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum Outcome {
    Ok {
        ok: bool,
        output: Value,
        #[serde(skip_serializing_if = "Vec::is_empty")]
        notes: Vec<String>,
        #[serde(skip)]
        text: bool,
    },
    Err {
        ok: bool,
        error: String,
    },
}

impl Outcome {
    pub fn from_result(r: &Result<CommandOutput, crate::drivers::VendorError>) -> Self {
        match r {
            Ok(o) => Outcome::Ok {
                ok: true,
                output: o.to_value(),
                notes: o.notes.clone(),
                text: matches!(o.body, Body::Text(_)),
            },
            Err(e) => Outcome::Err {
                ok: false,
                error: error_line(e),
            },
        }
    }

    pub fn is_ok(&self) -> bool {
        matches!(self, Outcome::Ok { .. })
    }
}

/// A driver error as the one line the screen and `run` show: what happened and, where the
/// driver's text says only that, what to do about it.
pub fn error_line(e: &crate::drivers::VendorError) -> String {
    use crate::drivers::VendorError as V;
    let advice = match e {
        V::Http { status: 429, .. } => Some(
            "the device is limiting API calls: retry in a few seconds (polling backs off by itself)",
        ),
        V::Http {
            status: 500..=599, ..
        } => Some(
            "the device's API failed: retry later (polling backs off by itself); if it persists, check the device",
        ),
        V::BadResponse(m) if !m.contains("; ") => Some(
            "retry (polling backs off by itself); if it persists, check the device and any proxy in between",
        ),
        _ => None,
    };
    let line = crate::redact::one_line(&e.to_string());
    match advice {
        Some(a) => format!("{line}; {a}"),
        None => line,
    }
}

fn secs(t: &SystemTime) -> f64 {
    t.duration_since(SystemTime::UNIX_EPOCH)
        .unwrap_or(Duration::ZERO)
        .as_secs_f64()
}

fn epoch<S: serde::Serializer>(t: &SystemTime, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64((secs(t) * 1000.0).round() / 1000.0)
}

#[expect(
    clippy::ref_option,
    reason = "serde's serialize_with hands the field by reference"
)]
fn epoch_opt<S: serde::Serializer>(t: &Option<SystemTime>, s: S) -> Result<S::Ok, S::Error> {
    match t {
        Some(t) => epoch(t, s),
        None => s.serialize_none(),
    }
}
