//! The Central pane's behaviour (drawn by `ui/central.rs`): the access points of every
//! Central account (MSP tenants under their MSP) and every Mobility Conductor in one list,
//! down first, filtered by source, site, status and model (keys and `:aps`).

use super::keymap::Action;
use super::msg::{Effect, Out};
use super::state::{ApFilter, CentralAccount, CentralState};
use crate::engine::messages::EngineRequest;
use crate::engine::messages::{AccessPoint, ApSourceKind, Event, TargetInfo, sites_of};

/// The Central account named `name`, listed if it was not yet.
pub fn account<'a>(c: &'a mut CentralState, name: &str) -> &'a mut CentralAccount {
    c.add_source(name, ApSourceKind::Central)
}

/// The engine's news about a source: a Central account's budget, a poll's sites and APs,
/// a Conductor's AP database.
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
            calls,
            next_at,
        } => {
            let a = account(c, &name);
            a.sites = sites;
            a.aps = aps;
            a.at = Some(at);
            a.calls = Some(calls);
            a.next_at = Some(next_at);
            c.view_dirty = true;
        }
        Event::ApDatabase {
            conductor,
            aps,
            at,
            calls,
            next_at,
        } => {
            let a = c.add_source(&conductor, ApSourceKind::Conductor);
            a.sites = sites_of(&aps);
            a.aps = aps;
            a.at = Some(at);
            a.calls = Some(calls);
            a.next_at = Some(next_at);
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
            c.accounts
                .insert(a.name.clone(), CentralAccount::new(ApSourceKind::Central));
        }
    }
    c.view_dirty = true;
}

/// `:reload` removed these devices: a Conductor among them leaves the AP view (its APs
/// would be stale). Central accounts wait for a restart, like their config.
pub fn forget_conductors(c: &mut CentralState, removed: &[String]) {
    let gone = |n: &String| {
        removed.contains(n)
            && c.accounts
                .get(n)
                .is_some_and(|a| a.kind == ApSourceKind::Conductor)
    };
    let drop: Vec<String> = c.order.iter().filter(|n| gone(n)).cloned().collect();
    if drop.is_empty() {
        return;
    }
    c.order.retain(|n| !drop.contains(n));
    for n in &drop {
        c.accounts.remove(n);
    }
    if c.source.as_ref().is_some_and(|s| drop.contains(s)) {
        c.source = None;
    }
    changed(c);
}

fn contains(hay: &str, needle_lower: &str) -> bool {
    hay.to_lowercase().contains(needle_lower)
}

/// Whether source `name` passes the source filter (its lowercase form).
fn source_passes(name: &str, want: Option<&str>) -> bool {
    want.is_none_or(|w| contains(name, w))
}

/// APs of every source after the filters, down first, then by source, site and name, as
/// indices.
pub fn visible_aps(c: &CentralState) -> Vec<(usize, usize)> {
    let lower = |o: &Option<String>| o.as_ref().map(|s| s.to_lowercase());
    let (site, src, model) = (lower(&c.site), lower(&c.source), lower(&c.model));
    let prefixed = c.prefixed();
    // Sort keys borrowed from the APs, built once: comparing through the account map
    // cost 12 ms for 10,000 APs.
    let mut v: Vec<(bool, usize, &str, &str, usize)> = Vec::new();
    for (k, name) in c.order.iter().enumerate() {
        let Some(a) = c.accounts.get(name) else {
            continue;
        };
        if !source_passes(name, src.as_deref()) {
            continue;
        }
        let name_lower = name.to_lowercase();
        v.extend(
            a.aps
                .iter()
                .enumerate()
                .filter(|(_, ap)| match c.status {
                    ApFilter::All => true,
                    ApFilter::Up => ap.up,
                    ApFilter::Down => !ap.up,
                })
                .filter(|(_, ap)| {
                    site.as_ref().is_none_or(|s| {
                        let site = ap.site.to_lowercase();
                        if prefixed {
                            format!("{name_lower}/{site}").contains(s.as_str())
                        } else {
                            site.contains(s.as_str())
                        }
                    })
                })
                .filter(|(_, ap)| model.as_ref().is_none_or(|m| contains(&ap.model, m)))
                .map(|(i, ap)| (ap.up, k, ap.site.as_str(), ap.name.as_str(), i)),
        );
    }
    v.sort_unstable();
    v.into_iter().map(|(_, k, _, _, i)| (k, i)).collect()
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

/// A filter changed: the list is rebuilt and the cursor goes back to the top.
fn changed(c: &mut CentralState) {
    c.view_dirty = true;
    c.cursor.selected = 0;
}

/// How `:aps` is used, for its error line.
const APS_USAGE: &str = ":aps takes source=NAME site=NAME status=up|down|all model=NAME (any of them; :aps alone clears every filter), e.g. :aps site=HQ status=down";

/// `:aps source=lab-central-02 site=HQ status=down model=515`: set those filters (the
/// others are cleared); `:aps` alone clears them all. Nothing changes on a bad word.
pub fn aps_command(c: &mut CentralState, args: &str) -> Out {
    let (mut status, mut site, mut src, mut model) = (ApFilter::All, None, None, None);
    for word in args.split_whitespace() {
        let Some((key, value)) = word.split_once('=').filter(|(_, v)| !v.is_empty()) else {
            return Out::status(format!("{word}: {APS_USAGE}"));
        };
        let value = Some(value.to_string());
        match key {
            "source" | "account" => src = value,
            "site" | "group" => site = value,
            "model" => model = value,
            "status" => {
                status = match value.as_deref() {
                    Some("up") => ApFilter::Up,
                    Some("down") => ApFilter::Down,
                    Some("all") => ApFilter::All,
                    _ => return Out::status(format!("{word}: {APS_USAGE}")),
                };
            }
            _ => return Out::status(format!("{word}: {APS_USAGE}")),
        }
    }
    c.status = status;
    c.site = site;
    c.source = src;
    c.model = model;
    changed(c);
    Out::default()
}

/// A key action with the Central pane focused.
pub fn on_action(c: &mut CentralState, a: Action) -> Out {
    match a {
        Action::StatusFilter => {
            c.status = match c.status {
                ApFilter::All => ApFilter::Down,
                ApFilter::Down => ApFilter::Up,
                ApFilter::Up => ApFilter::All,
            };
            changed(c);
        }
        Action::Filter => {
            // Filter by the selected AP's site (in its source); again to clear. The list
            // is brought up to date first: keys can arrive faster than frames.
            refresh(c);
            c.site = match c.site {
                Some(_) => None,
                None => ap_at(c, c.cursor.selected).map(|(n, a)| c.site_label(n, &a.site)),
            };
            changed(c);
        }
        Action::SourceFilter => {
            // The next source in list order; after the last, all again.
            let at = c
                .source
                .as_ref()
                .and_then(|s| c.order.iter().position(|n| n == s));
            c.source = match at {
                None if c.source.is_none() => c.order.first().cloned(),
                None => None,
                Some(i) => c.order.get(i + 1).cloned(),
            };
            changed(c);
        }
        Action::ModelFilter => {
            // Only the selected AP's model; again to clear.
            refresh(c);
            c.model = match c.model {
                Some(_) => None,
                None => ap_at(c, c.cursor.selected).map(|(_, a)| a.model.clone()),
            };
            changed(c);
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
        "account",
        "name",
        "site",
        "model",
        "ip",
        "status",
        "clients",
        "firmware",
        "serial",
        "mac",
        "source_kind",
    ]
    .map(String::from)
    .to_vec();
    let g = |s: &str| crate::csv_export::guard(s).into_owned();
    let rows: Vec<Vec<String>> = visible_aps(c)
        .into_iter()
        .filter_map(|(k, i)| {
            let name = c.order.get(k)?;
            let src = c.accounts.get(name)?;
            let ap = src.aps.get(i)?;
            Some(vec![
                g(name),
                g(&ap.name),
                g(&ap.site),
                g(&ap.model),
                g(&ap.ip),
                if ap.up { "up" } else { "down" }.to_string(),
                ap.clients.map(|n| n.to_string()).unwrap_or_default(),
                g(&ap.firmware),
                g(&ap.serial),
                g(&ap.mac),
                match src.kind {
                    ApSourceKind::Central => "central",
                    ApSourceKind::Conductor => "conductor",
                }
                .to_string(),
            ])
        })
        .collect();
    Out::save_csv("aps", &header, &rows, now)
}
