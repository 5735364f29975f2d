//! The Central pane's state: every AP source (Central accounts, MSP tenants and Mobility
//! Conductors) with its sites, APs, budget and refresh figures, the filters, and the
//! cached AP list they give.

use std::collections::HashMap;
use std::time::SystemTime;

use super::ListCursor;
use crate::engine::messages::{AccessPoint, ApSourceKind, Budget, Site};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApFilter {
    All,
    Up,
    Down,
}

/// One source of APs: a Central account or a Conductor.
#[derive(Debug, Clone)]
pub struct CentralAccount {
    pub kind: ApSourceKind,
    /// Central sites, or a Conductor's AP groups (counted from its APs).
    pub sites: Vec<Site>,
    pub aps: Vec<AccessPoint>,
    /// When the last poll answered.
    pub at: Option<SystemTime>,
    pub budget: Option<Budget>,
    /// Calls the last poll took: about what the next one costs.
    pub calls: Option<usize>,
    /// When the engine polls this source next.
    pub next_at: Option<SystemTime>,
}

impl CentralAccount {
    pub fn new(kind: ApSourceKind) -> Self {
        CentralAccount {
            kind,
            sites: Vec::new(),
            aps: Vec::new(),
            at: None,
            budget: None,
            calls: None,
            next_at: None,
        }
    }
}

pub struct CentralState {
    /// Every source by name (the name is its key in `order`).
    pub accounts: HashMap<String, CentralAccount>,
    /// Sources in the order they are listed: accounts (tenants after their MSP), then
    /// Conductors, as first heard from.
    pub order: Vec<String>,
    /// APs after the filters, down first: (index into `order`, index into its `aps`),
    /// rebuilt before a draw when dirty (not sorted per frame or per key).
    pub view: Vec<(usize, usize)>,
    pub view_dirty: bool,
    pub cursor: ListCursor,
    pub status: ApFilter,
    /// Only sites whose label (`source/site` when there are several sources) contains it.
    pub site: Option<String>,
    /// Only this source (its name, or part of it).
    pub source: Option<String>,
    /// Only models containing it ("515" matches "AP-515").
    pub model: Option<String>,
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
            source: None,
            model: None,
        }
    }

    /// Every Central account of the config (`rows`, config order), listed before any has
    /// answered, so the pane says each is waiting and the order is the config's rather
    /// than whichever answered first. Conductors join with their first AP database (a
    /// Conductor that never answers one lists no APs).
    pub fn listing(rows: &[super::DeviceRow]) -> Self {
        use crate::kind::TargetKind;
        let mut c = CentralState::new();
        for r in rows.iter().filter(|r| r.kind == TargetKind::Central) {
            c.add_source(&r.name, ApSourceKind::Central);
        }
        c
    }

    /// The source named `name`, listed if it was not yet: Central accounts (in the order
    /// they were first heard of) before Conductors.
    pub fn add_source(&mut self, name: &str, kind: ApSourceKind) -> &mut CentralAccount {
        if !self.order.iter().any(|n| n == name) {
            let at = match kind {
                ApSourceKind::Conductor => self.order.len(),
                ApSourceKind::Central => self
                    .order
                    .iter()
                    .position(|n| {
                        self.accounts
                            .get(n)
                            .is_some_and(|a| a.kind == ApSourceKind::Conductor)
                    })
                    .unwrap_or(self.order.len()),
            };
            self.order.insert(at, name.to_string());
            // Indices into `order` moved, and the site labels may gain their prefix.
            self.view_dirty = true;
        }
        self.accounts
            .entry(name.to_string())
            .or_insert_with(|| CentralAccount::new(kind))
    }

    /// More than one source: site labels carry their source as a prefix.
    pub fn prefixed(&self) -> bool {
        self.order.len() > 1
    }

    /// An AP's site as the pane shows it: "lab-central-02/Branch-3" when there are
    /// several sources, "Branch-3" when there is one.
    pub fn site_label(&self, source: &str, site: &str) -> String {
        if self.prefixed() {
            format!("{source}/{site}")
        } else {
            site.to_string()
        }
    }

    /// Any filter on (the title and an empty list say so).
    pub fn filtered(&self) -> bool {
        self.status != ApFilter::All
            || self.site.is_some()
            || self.source.is_some()
            || self.model.is_some()
    }
}

impl Default for CentralState {
    fn default() -> Self {
        CentralState::new()
    }
}
