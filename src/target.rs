//! Target selection: a device or Central account name, `@tag:NAME`, or `@all`.

use crate::command::Command;
use crate::config::{CentralConfig, Config, DeviceConfig};
use crate::kind::TargetKind;

/// Something a command can run on.
#[derive(Debug, Clone, Copy)]
pub enum Target<'a> {
    Device(&'a DeviceConfig),
    Central(&'a CentralConfig),
}

impl<'a> Target<'a> {
    pub fn name(&self) -> &'a str {
        match self {
            Target::Device(d) => &d.name,
            Target::Central(c) => &c.name,
        }
    }

    pub fn kind(&self) -> TargetKind {
        match self {
            Target::Device(d) => d.kind.into(),
            Target::Central(_) => TargetKind::Central,
        }
    }

    pub fn tags(&self) -> &'a [String] {
        match self {
            Target::Device(d) => &d.tags,
            Target::Central(c) => &c.tags,
        }
    }
}

/// The outcome of selecting targets: who runs, and who a group selector skipped.
#[derive(Debug, Default)]
pub struct Selection<'a> {
    pub targets: Vec<Target<'a>>,
    /// `(name, reason)` for group members that cannot take this command (a CLI line on a
    /// Central account picked up by `@all`).
    pub skipped: Vec<(String, String)>,
}

/// Expand target specs in order, without duplicates. A name that matches nothing, or a tag
/// no target carries, is an error that lists what exists.
pub fn select<'a>(
    cfg: &'a Config,
    specs: &[String],
    cmd: &Command,
) -> Result<Selection<'a>, String> {
    let all: Vec<Target<'a>> = cfg
        .devices()
        .map(Target::Device)
        .chain(cfg.centrals().map(Target::Central))
        .collect();
    let mut sel = Selection::default();
    let mut seen = std::collections::HashSet::new();
    let cli = matches!(cmd, Command::Cli(_));
    for spec in specs {
        let (group, picked): (bool, Vec<Target<'a>>) = if spec == "@all" {
            (true, all.clone())
        } else if let Some(tag) = spec.strip_prefix("@tag:") {
            let p: Vec<_> = all
                .iter()
                .filter(|t| t.tags().iter().any(|x| x == tag))
                .copied()
                .collect();
            if p.is_empty() {
                let mut tags: Vec<&str> = all
                    .iter()
                    .flat_map(|t| t.tags().iter().map(String::as_str))
                    .collect();
                tags.sort_unstable();
                tags.dedup();
                return Err(format!(
                    "no target has tag {tag:?}; tags in the config: {}",
                    if tags.is_empty() {
                        "none".into()
                    } else {
                        tags.join(", ")
                    }
                ));
            }
            (true, p)
        } else if let Some(bad) = spec.strip_prefix('@') {
            return Err(format!(
                "unknown selector @{bad}; use a name, @tag:NAME or @all"
            ));
        } else {
            match all.iter().find(|t| t.name() == spec) {
                Some(t) => (false, vec![*t]),
                None => {
                    let names: Vec<&str> = all.iter().map(|t| t.name()).collect();
                    let hint = names
                        .iter()
                        .filter(|n| n.contains(spec.as_str()) || spec.contains(**n))
                        .take(3)
                        .copied()
                        .collect::<Vec<_>>();
                    return Err(if hint.is_empty() {
                        format!(
                            "unknown target {spec:?}; {} targets are configured (netdash run @all ... runs on all)",
                            names.len()
                        )
                    } else {
                        format!("unknown target {spec:?}; did you mean {}?", hint.join(", "))
                    });
                }
            }
        };
        for t in picked {
            if !seen.insert(t.name()) {
                continue;
            }
            if group && cli && matches!(t, Target::Central(_)) {
                sel.skipped.push((
                    t.name().to_string(),
                    "Central takes REST requests only".into(),
                ));
                continue;
            }
            sel.targets.push(t);
        }
    }
    if sel.targets.is_empty() {
        return Err(match sel.skipped.first() {
            Some((_, why)) => format!(
                "no targets to run on: {} skipped ({why}); send a REST request such as GET /central/v2/sites",
                sel.skipped.len()
            ),
            None => "no targets to run on".into(),
        });
    }
    Ok(sel)
}
