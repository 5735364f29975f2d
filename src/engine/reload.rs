//! `:reload`: a new config (hand-written devices and inventories read again) applied to a
//! running engine. Devices that are gone are logged out, new ones get sessions, a device
//! whose settings changed gets a new session; everything else keeps its session.

use std::collections::HashMap;
use std::sync::Arc;

use tokio::sync::mpsc;

use super::device::Job;
use super::messages::{Event, TargetInfo};
use super::{Mailbox, Registry, Resolved};
use crate::config::{Config, DeviceConfig};

/// What changed between two configs' device lists. A changed device is in both lists.
#[derive(Debug, Default, PartialEq)]
pub struct Diff {
    pub removed: Vec<String>,
    pub added: Vec<DeviceConfig>,
}

impl Diff {
    pub fn is_empty(&self) -> bool {
        self.removed.is_empty() && self.added.is_empty()
    }
}

/// Devices of `new` that are not in `old` as they are, and names of `old` that are not in
/// `new` as they were. Linear in the two lists (a NetBox inventory has thousands).
pub fn diff(old: &Config, new: &Config) -> Diff {
    let before: HashMap<&str, &DeviceConfig> =
        old.devices().map(|d| (d.name.as_str(), d)).collect();
    let after: HashMap<&str, &DeviceConfig> = new.devices().map(|d| (d.name.as_str(), d)).collect();
    let mut d = Diff::default();
    for o in old.devices() {
        if after.get(o.name.as_str()).is_none_or(|n| *n != o) {
            d.removed.push(o.name.clone());
        }
    }
    for n in new.devices() {
        if before.get(n.name.as_str()).is_none_or(|o| *o != n) {
            d.added.push(n.clone());
        }
    }
    d
}

/// The devices whose `password_cmd` must run before `new` can be applied.
pub fn needing_passwords(diff: &Diff) -> impl Iterator<Item = &DeviceConfig> {
    diff.added.iter().filter(|d| d.password_cmd.is_some())
}

/// Apply `new` (its `password_cmd`s already run into `secrets`) to the running engine and
/// return the config the engine now uses. MSP tenants found at run time are kept: they
/// are not in any file.
pub(super) fn apply(
    reg: &mut Registry,
    old: &Config,
    mut new: Config,
    mut secrets: Resolved,
    ctx: &crate::drivers::Context,
    opts: &super::EngineOptions,
    events: &mpsc::Sender<Event>,
) -> (Config, Event, String) {
    new.tenants.clone_from(&old.tenants);
    let diff = diff(old, &new);
    for name in &diff.removed {
        retire(reg, name);
    }
    // New devices' first polls spread as if the whole new list started now (a reload that
    // adds thousands is a login storm too).
    let actor_opts = super::actor_options(opts, new.devices().count());
    for d in &diff.added {
        let resolved = secrets.remove(&d.name);
        super::spawn_device(reg, d, resolved, ctx, &actor_opts, events);
    }
    // Sessions of removed devices whose actors have logged out and ended: the registry
    // holds the last reference. Live actors always hold theirs.
    reg.sessions.retain(|(_, s)| Arc::strong_count(s) > 1);
    reg.actors.retain(|a| !a.is_finished());
    let changed = diff
        .added
        .iter()
        .filter(|a| diff.removed.contains(&a.name))
        .count();
    let mut summary = format!(
        "reloaded: {} devices; {} added, {} removed, {} changed",
        new.devices().count(),
        diff.added.len() - changed,
        diff.removed.len() - changed,
        changed
    );
    // Only devices are reloaded: accounts hold rate budgets and token pairs mid-rotation,
    // settings shape every actor. Say so rather than ignore an edit.
    if new.settings != old.settings || !new.central.iter().eq(old.central.iter()) {
        summary.push_str("; [settings] and [[central]] changes apply at the next start");
    }
    let event = Event::DevicesChanged {
        added: diff.added.iter().map(TargetInfo::of_device).collect(),
        removed: diff.removed,
    };
    (new, event, summary)
}

/// A device that is no longer configured: no new work reaches it, and its actor logs it
/// out (now, or when the fan-outs still holding its mailbox are done) and ends. Its
/// session stays in the registry until then, so shutdown still covers it.
fn retire(reg: &mut Registry, name: &str) {
    if let Some(Mailbox::Device(tx)) = reg.mailboxes.remove(name) {
        // A full mailbox is fine: the actor also logs out when its mailbox closes.
        let _ = tx.try_send(Job::Close);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn config(devices: &[(&str, &str)]) -> Config {
        let mut text = String::new();
        for (name, host) in devices {
            text.push_str(&format!(
                "[[devices]]\nname = \"{name}\"\nkind = \"eos\"\nhost = \"{host}\"\nusername = \"admin\"\npassword = \"pw\"\n"
            ));
        }
        Config::parse(&text, Path::new("t.toml")).expect("config parses")
    }

    #[test]
    fn diff_finds_added_removed_and_changed_devices() {
        let old = config(&[("a", "10.0.0.1"), ("b", "10.0.0.2"), ("c", "10.0.0.3")]);
        let new = config(&[("a", "10.0.0.1"), ("b", "10.0.0.9"), ("d", "10.0.0.4")]);
        let d = diff(&old, &new);
        assert_eq!(d.removed, vec!["b".to_string(), "c".to_string()]);
        let added: Vec<&str> = d.added.iter().map(|d| d.name.as_str()).collect();
        assert_eq!(added, vec!["b", "d"]);
    }

    #[test]
    fn the_same_config_is_no_change() {
        let a = config(&[("a", "10.0.0.1"), ("b", "10.0.0.2")]);
        assert!(diff(&a, &a.clone()).is_empty());
    }
}
