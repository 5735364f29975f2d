//! The Central pane's state: each account's sites, APs and budget, and the AP list.

use std::collections::HashMap;
use std::time::SystemTime;

use super::ListCursor;
use crate::engine::messages::{AccessPoint, Budget, Site};

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
