//! Devices from Ansible inventories (and NetBox through them): the one loader every command
//! that reads the config uses.
//!
//! For each `[[inventory]]` entry it runs `ansible-inventory --list` (`run`), reads the
//! hosts and their nested groups from the JSON (`listing`) and maps each host to a device
//! or a reason to skip it (`mapping`). Ansible does all the parsing: every inventory it
//! understands works, YAML and INI, `group_vars`/`host_vars`, dynamic-inventory plugins.
//! Imported devices sit beside the file's `[[devices]]` (`Config::devices` yields both); a
//! name defined twice is an error naming both places.
//!
//! This runs programs and waits for them: call it where blocking is fine (before the
//! runtime starts, or in `spawn_blocking`).

pub mod listing;
pub mod mapping;
pub mod run;
pub mod show;
mod vars;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::config::{Config, ConfigError, InventoryConfig, Lines};

/// The program run when an entry names none.
pub const DEFAULT_CMD: &str = "ansible-inventory";

/// The config with its inventories imported.
#[derive(Debug)]
pub struct Loaded {
    /// `devices()` yields the file's devices, then the imported ones.
    pub config: Config,
    /// Hosts left out, with why: shown by `netdash inventory`, never silently dropped.
    pub skipped: Vec<Skipped>,
    /// Where each device was defined, by name.
    pub sources: HashMap<String, Source>,
}

/// An inventory host netdash does not make a device of.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Skipped {
    /// The `[[inventory]]` entry's name (or path).
    pub inventory: String,
    pub host: String,
    pub reason: String,
}

/// Where a device was defined.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A `[[devices]]` (or `[[central]]`) table of the config file, at this line.
    File { line: usize },
    /// An `[[inventory]]` entry: its name and the inventory it read.
    Inventory { name: String, path: PathBuf },
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Source::File { line } => write!(f, "config line {line}"),
            Source::Inventory { name, path } if Path::new(name) == path => {
                write!(f, "inventory {}", path.display())
            }
            Source::Inventory { name, path } => {
                write!(f, "inventory {name} ({})", path.display())
            }
        }
    }
}

/// Read the config file at `path` and import every `[[inventory]]` entry.
pub fn load(path: &Path) -> Result<Loaded, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    load_text(&text, path)
}

/// As [`load`], from the config text; `path` places relative inventory paths and names the
/// file in messages.
pub fn load_text(text: &str, path: &Path) -> Result<Loaded, ConfigError> {
    let mut config = Config::parse(text, path)?;
    let lines = Lines::new(text);
    let mut sources: HashMap<String, Source> = HashMap::new();
    for d in &config.devices {
        let line = lines.at(d.span().start);
        sources.insert(d.get_ref().name.clone(), Source::File { line });
    }
    for c in &config.central {
        let line = lines.at(c.span().start);
        sources.insert(c.get_ref().name.clone(), Source::File { line });
    }
    let base = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut imported = Vec::new();
    let mut skipped = Vec::new();
    for inv in &config.inventory {
        let at = lines.at(inv.span().start);
        let entry = inv.get_ref();
        let label = entry.label();
        let fail = |m: String| ConfigError::Invalid {
            path: path.to_path_buf(),
            message: format!("line {at}: inventory {label}: {m}"),
        };
        let hosts = hosts_of(entry, base).map_err(fail)?;
        let (mut devices, mut skips) = (0usize, 0usize);
        for host in &hosts {
            match mapping::map(host, entry).map_err(|e| fail(e.to_string()))? {
                mapping::Mapped::Device(d) => {
                    let here = Source::Inventory {
                        name: label.clone(),
                        path: entry.ansible.clone(),
                    };
                    if let Some(first) = sources.get(&d.name) {
                        return Err(fail(format!(
                            "{} is defined twice: by {first} and by {here}; rename one or leave the host out",
                            d.name
                        )));
                    }
                    sources.insert(d.name.clone(), here);
                    imported.push(*d);
                    devices += 1;
                }
                mapping::Mapped::Skipped(reason) => {
                    tracing::debug!(inventory = %label, host = %host.name, %reason, "host skipped");
                    skipped.push(Skipped {
                        inventory: label.clone(),
                        host: host.name.clone(),
                        reason,
                    });
                    skips += 1;
                }
            }
        }
        tracing::info!(inventory = %label, hosts = hosts.len(), devices, skipped = skips, "inventory imported");
    }
    config.imported = imported;
    Ok(Loaded {
        config,
        skipped,
        sources,
    })
}

/// The hosts `ansible-inventory` lists for one entry.
fn hosts_of(entry: &InventoryConfig, base: &Path) -> Result<Vec<listing::Host>, String> {
    let source = base.join(&entry.ansible);
    let cmd = entry
        .ansible_inventory_cmd
        .clone()
        .unwrap_or_else(|| PathBuf::from(DEFAULT_CMD));
    let out = run::list(&cmd, &source, Duration::from_secs(entry.timeout_secs))
        .map_err(|e| e.to_string())?;
    listing::parse(&out).map_err(|e| e.to_string())
}

impl Loaded {
    /// One line per inventory with skipped hosts, for `run` and `watch` to print on stderr.
    pub fn skipped_summary(&self) -> Vec<String> {
        let mut per: Vec<(&str, usize)> = Vec::new();
        for s in &self.skipped {
            match per.iter_mut().find(|(n, _)| *n == s.inventory) {
                Some((_, c)) => *c += 1,
                None => per.push((&s.inventory, 1)),
            }
        }
        per.into_iter()
            .map(|(name, n)| {
                let hosts = if n == 1 { "host" } else { "hosts" };
                format!("inventory {name}: {n} {hosts} skipped (netdash inventory says why)")
            })
            .collect()
    }
}
