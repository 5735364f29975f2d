//! What the exporter knows: engine [`Event`]s folded into plain data, one entry per target.
//! Scrapes only read this model; nothing here talks to a device.

use std::collections::BTreeMap;
use std::time::SystemTime;

use crate::config::Config;
use crate::engine::messages::{Budget, DeviceFacts, SessionView, Site, TargetInfo, sites_of};
use crate::engine::{Event, SessionState};
use crate::kind::TargetKind;

/// Session states as the `state` label spells them (the names `watch --json` uses).
pub const SESSION_STATES: [&str; 6] = [
    "disconnected",
    "logging_in",
    "connected",
    "refreshing",
    "backing_off",
    "closed",
];

/// The `state` label of a session state.
pub fn state_label(s: &SessionState) -> &'static str {
    match s {
        SessionState::Disconnected => SESSION_STATES[0],
        SessionState::LoggingIn => SESSION_STATES[1],
        SessionState::Connected => SESSION_STATES[2],
        SessionState::Refreshing => SESSION_STATES[3],
        SessionState::BackingOff { .. } => SESSION_STATES[4],
        SessionState::Closed => SESSION_STATES[5],
    }
}

/// One device or Central account.
#[derive(Debug, Clone)]
pub struct Target {
    pub kind: TargetKind,
    /// The last poll succeeded (false until one has).
    pub up: bool,
    pub facts: DeviceFacts,
    pub latency_secs: Option<f64>,
    pub last_success: Option<SystemTime>,
    pub state: Option<&'static str>,
    pub session: Option<SessionView>,
    /// Central only: the rate budget and the last complete poll's sites.
    pub budget: Option<Budget>,
    pub sites: Option<Vec<SiteCount>>,
    /// Conductor only: its APs by AP group, from the last AP database poll.
    pub ap_groups: Option<Vec<SiteCount>>,
    /// Alarm conditions ("down", "poll", "quota", ...) ever seen, and whether each is raised.
    pub alarms: BTreeMap<&'static str, bool>,
}

/// APs of one site, by status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SiteCount {
    pub name: String,
    pub up: usize,
    pub down: usize,
}

impl Target {
    /// A target known from the config, not yet polled.
    #[cfg(test)]
    pub fn new_for_tests(kind: TargetKind) -> Self {
        Target::new(kind)
    }

    fn new(kind: TargetKind) -> Self {
        Target {
            kind,
            up: false,
            facts: DeviceFacts::default(),
            latency_secs: None,
            last_success: None,
            state: None,
            session: None,
            budget: None,
            sites: None,
            ap_groups: None,
            alarms: BTreeMap::new(),
        }
    }
}

/// Every target this exporter serves, by name.
#[derive(Debug, Default)]
pub struct Model {
    pub targets: BTreeMap<String, Target>,
}

impl Model {
    /// The config's devices and Central accounts that `keep` accepts, all down until polled.
    pub fn from_config(config: &Config, keep: impl Fn(&str) -> bool) -> Self {
        let mut m = Model::default();
        for d in config.devices().filter(|d| keep(&d.name)) {
            m.targets
                .insert(d.name.clone(), Target::new(TargetKind::from(d.kind)));
        }
        for c in config.centrals().filter(|c| keep(&c.name)) {
            m.targets
                .insert(c.name.clone(), Target::new(TargetKind::Central));
        }
        m
    }

    /// The names this exporter reports, in order.
    pub fn names(&self) -> impl Iterator<Item = (&str, TargetKind)> {
        self.targets.iter().map(|(n, t)| (n.as_str(), t.kind))
    }

    /// Take in one engine event, received at `now`.
    pub fn fold(&mut self, ev: &Event, now: SystemTime) {
        match ev {
            Event::Session {
                target,
                state,
                session,
                ..
            } => {
                if let Some(t) = self.target(target) {
                    t.state = Some(state_label(state));
                    t.session = Some(session.clone());
                    if matches!(state, SessionState::BackingOff { .. }) {
                        t.up = false;
                    }
                }
            }
            Event::Polled {
                target,
                latency_ms,
                facts,
            } => {
                if let Some(t) = self.target(target) {
                    t.up = true;
                    t.latency_secs = Some(*latency_ms as f64 / 1000.0);
                    t.last_success = Some(now);
                    t.facts = facts.clone();
                }
            }
            Event::PollFailed { target, .. } => {
                if let Some(t) = self.target(target) {
                    t.up = false;
                }
            }
            Event::Budget { account, budget } => {
                if let Some(t) = self.target(account) {
                    t.budget = Some(budget.clone());
                }
            }
            Event::Central {
                account, sites, at, ..
            } => {
                if let Some(t) = self.target(account) {
                    t.up = true;
                    t.last_success = Some(*at);
                    t.sites = Some(site_counts(sites));
                }
            }
            Event::ApDatabase { conductor, aps, .. } => {
                if let Some(t) = self.target(conductor) {
                    t.ap_groups = Some(site_counts(&sites_of(aps)));
                }
            }
            Event::Alarm {
                target,
                what,
                raised,
                ..
            } => {
                if let Some(t) = self.target(target) {
                    t.alarms.insert(what, *raised);
                }
            }
            Event::AccountsAdded { parent, accounts } => {
                // Tenants follow their MSP: reported by the shard that has the MSP.
                if self.targets.contains_key(parent) {
                    for a in accounts {
                        self.targets
                            .entry(a.name.clone())
                            .or_insert_with(|| Target::new(a.kind));
                    }
                }
            }
            Event::DevicesChanged { added, removed } => {
                // Only `:reload` sends this, and the exporter's targets are fixed at start:
                // a removed device leaves, a changed one (in both lists) starts over, and
                // a new one is not this exporter's.
                let changed: Vec<&TargetInfo> = added
                    .iter()
                    .filter(|a| removed.contains(&a.name) && self.targets.contains_key(&a.name))
                    .collect();
                for name in removed {
                    self.targets.remove(name);
                }
                for a in changed {
                    self.targets.insert(a.name.clone(), Target::new(a.kind));
                }
            }
            Event::RunStarted { .. }
            | Event::RunRejected { .. }
            | Event::Result { .. }
            | Event::RequestSent { .. }
            | Event::Progress { .. }
            | Event::Log { .. }
            | Event::ShutdownComplete { .. } => {}
        }
    }

    fn target(&mut self, name: &str) -> Option<&mut Target> {
        self.targets.get_mut(name)
    }
}

fn site_counts(sites: &[Site]) -> Vec<SiteCount> {
    sites
        .iter()
        .map(|s| SiteCount {
            name: s.name.clone(),
            up: s.aps_up,
            down: s.aps_down,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::{Model, Target};
    use crate::engine::Event;
    use crate::engine::messages::{DeviceFacts, TargetInfo};
    use crate::kind::TargetKind;
    use std::time::{Duration, SystemTime};

    fn model() -> Model {
        let mut m = Model::default();
        m.targets
            .insert("eos-1".into(), Target::new(TargetKind::Eos));
        m.targets
            .insert("msp".into(), Target::new(TargetKind::Central));
        m
    }

    #[test]
    fn a_poll_brings_a_device_up_and_a_failure_takes_it_down() {
        let mut m = model();
        let t0 = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        assert!(!m.targets["eos-1"].up);
        m.fold(
            &Event::Polled {
                target: "eos-1".into(),
                latency_ms: 1500,
                facts: DeviceFacts {
                    model: Some("cEOSLab".into()),
                    ..DeviceFacts::default()
                },
            },
            t0,
        );
        let t = &m.targets["eos-1"];
        assert!(t.up);
        assert_eq!(t.latency_secs, Some(1.5));
        assert_eq!(t.last_success, Some(t0));
        m.fold(
            &Event::PollFailed {
                target: "eos-1".into(),
                error: "x".into(),
            },
            t0,
        );
        assert!(!m.targets["eos-1"].up);
        // Another shard's device is not taken in.
        m.fold(
            &Event::PollFailed {
                target: "elsewhere".into(),
                error: "x".into(),
            },
            t0,
        );
        assert!(!m.targets.contains_key("elsewhere"));
    }

    #[test]
    fn tenants_follow_their_msp() {
        let mut m = model();
        let info = |n: &str| TargetInfo {
            name: n.into(),
            kind: TargetKind::Central,
            host: "h".into(),
            tags: vec![],
            verify_tls: true,
        };
        m.fold(
            &Event::AccountsAdded {
                parent: "msp".into(),
                accounts: vec![info("msp/t1")],
            },
            SystemTime::now(),
        );
        m.fold(
            &Event::AccountsAdded {
                parent: "other-msp".into(),
                accounts: vec![info("other-msp/t1")],
            },
            SystemTime::now(),
        );
        assert!(m.targets.contains_key("msp/t1"));
        assert!(!m.targets.contains_key("other-msp/t1"));
    }

    #[test]
    fn a_reload_drops_removed_devices_and_restarts_changed_ones() {
        let mut m = model();
        m.fold(
            &Event::Polled {
                target: "eos-1".into(),
                latency_ms: 1,
                facts: DeviceFacts::default(),
            },
            SystemTime::now(),
        );
        let eos = |n: &str| TargetInfo {
            name: n.into(),
            kind: TargetKind::Eos,
            host: "h".into(),
            tags: vec![],
            verify_tls: true,
        };
        // Changed: starts over, down until polled again.
        m.fold(
            &Event::DevicesChanged {
                added: vec![eos("eos-1"), eos("new-1")],
                removed: vec!["eos-1".into()],
            },
            SystemTime::now(),
        );
        assert!(!m.targets["eos-1"].up);
        assert!(!m.targets.contains_key("new-1"));
        m.fold(
            &Event::DevicesChanged {
                added: vec![],
                removed: vec!["eos-1".into()],
            },
            SystemTime::now(),
        );
        assert!(!m.targets.contains_key("eos-1"));
    }
}
