//! The Central pane's behaviour (drawn by `ui/central.rs`): the access points of every
//! Central account (MSP tenants under their MSP), down first, filtered by status or site.

use super::keymap::Action;
use super::msg::{Effect, Out};
use super::state::{ApFilter, CentralAccount, CentralState};
use crate::engine::messages::EngineRequest;
use crate::engine::messages::{AccessPoint, Event, TargetInfo};

/// The account named `name`, listed (at the end) if it was not yet.
pub fn account<'a>(c: &'a mut CentralState, name: &str) -> &'a mut CentralAccount {
    if !c.order.iter().any(|n| n == name) {
        c.order.push(name.to_string());
    }
    c.accounts
        .entry(name.to_string())
        .or_insert_with(|| CentralAccount {
            sites: Vec::new(),
            aps: Vec::new(),
            at: None,
            budget: None,
        })
}

/// The engine's news about an account: its API budget, a poll's sites and APs.
pub fn on_event(c: &mut CentralState, ev: Event) {
    match ev {
        Event::Budget {
            account: name,
            budget,
        } => {
            account(c, &name).budget = Some(budget);
        }
        Event::Central {
            account: name,
            sites,
            aps,
            at,
        } => {
            let a = account(c, &name);
            a.sites = sites;
            a.aps = aps;
            a.at = Some(at);
            c.view_dirty = true;
        }
        _ => {}
    }
}

/// Accounts found at run time (an MSP's tenants), listed after their parent and its
/// earlier tenants.
pub fn add_accounts(c: &mut CentralState, parent: &str, accounts: &[TargetInfo]) {
    account(c, parent);
    let prefix = format!("{parent}/");
    for a in accounts {
        if !c.order.contains(&a.name) {
            let at = c
                .order
                .iter()
                .rposition(|o| o == parent || o.starts_with(&prefix))
                .map_or(c.order.len(), |i| i + 1);
            c.order.insert(at, a.name.clone());
            account(c, &a.name);
        }
    }
    c.view_dirty = true;
}

/// APs of every account after the status and site filters, down first, as indices.
pub fn visible_aps(c: &CentralState) -> Vec<(usize, usize)> {
    let site = c.site.as_ref().map(|s| s.to_lowercase());
    let mut v: Vec<(usize, usize)> = c
        .order
        .iter()
        .enumerate()
        .filter_map(|(k, n)| c.accounts.get(n).map(|a| (k, a)))
        .flat_map(|(k, a)| a.aps.iter().enumerate().map(move |(i, ap)| (k, i, ap)))
        .filter(|(_, _, ap)| match c.status {
            ApFilter::All => true,
            ApFilter::Up => ap.up,
            ApFilter::Down => !ap.up,
        })
        .filter(|(_, _, ap)| {
            site.as_ref()
                .is_none_or(|s| ap.site.to_lowercase().contains(s))
        })
        .map(|(k, i, _)| (k, i))
        .collect();
    let ap = |&(k, i): &(usize, usize)| {
        c.order
            .get(k)
            .and_then(|n| c.accounts.get(n))
            .and_then(|a| a.aps.get(i))
    };
    v.sort_by(|x, y| {
        let key = |p| ap(p).map(|a| (a.up, a.site.as_str(), a.name.as_str()));
        key(x).cmp(&key(y))
    });
    v
}

/// Rebuild the list if something changed (called before a draw).
pub fn refresh(c: &mut CentralState) {
    if c.view_dirty {
        c.view = visible_aps(c);
        c.view_dirty = false;
    }
}

/// The `i`-th AP of the view, with its account's name.
pub fn ap_at(c: &CentralState, i: usize) -> Option<(&str, &AccessPoint)> {
    let &(k, j) = c.view.get(i)?;
    let name = c.order.get(k)?;
    Some((name.as_str(), c.accounts.get(name)?.aps.get(j)?))
}

/// Move by `delta` rows in a view of `height` rows.
pub fn move_by(c: &mut CentralState, delta: isize, height: usize) {
    let n = c.view.len();
    c.cursor.move_by(delta, n, height);
}

/// A key action with the Central pane focused.
pub fn on_action(c: &mut CentralState, a: Action) -> Out {
    match a {
        Action::StatusFilter => {
            c.view_dirty = true;
            c.status = match c.status {
                ApFilter::All => ApFilter::Down,
                ApFilter::Down => ApFilter::Up,
                ApFilter::Up => ApFilter::All,
            };
            c.cursor.selected = 0;
        }
        Action::Filter => {
            // Filter by the selected AP's site; again to clear.
            c.view_dirty = true;
            c.site = match c.site {
                Some(_) => None,
                None => ap_at(c, c.cursor.selected).map(|(_, a)| a.site.clone()),
            };
            c.cursor.selected = 0;
        }
        // Polls every account, quietly (the pane shows when each answered).
        Action::Refresh => {
            return Out::effects(vec![Effect::Engine(EngineRequest::RefreshNow {
                target: None,
            })]);
        }
        _ => {}
    }
    Out::default()
}

/// `w`: the AP table as shown (filters applied) as a CSV file in the current directory.
pub fn export_csv(c: &CentralState, now: std::time::SystemTime) -> Out {
    let header: Vec<String> = [
        "account", "name", "site", "model", "ip", "status", "clients", "firmware", "serial",
    ]
    .map(String::from)
    .to_vec();
    let g = |s: &str| crate::csv_export::guard(s).into_owned();
    let rows: Vec<Vec<String>> = visible_aps(c)
        .into_iter()
        .filter_map(|(k, i)| {
            let name = c.order.get(k)?;
            let ap = c.accounts.get(name)?.aps.get(i)?;
            Some(vec![
                g(name),
                g(&ap.name),
                g(&ap.site),
                g(&ap.model),
                g(&ap.ip),
                if ap.up { "up" } else { "down" }.to_string(),
                ap.clients.to_string(),
                g(&ap.firmware),
                g(&ap.serial),
            ])
        })
        .collect();
    Out::save_csv("aps", &header, &rows, now)
}
