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

/// Why target specs select nothing to run on; each names what exists or what to do instead.
#[derive(Debug, thiserror::Error)]
pub enum SelectError {
    #[error("no target has tag {tag:?}; tags in the config: {}", or_none(.known))]
    NoSuchTag { tag: String, known: Vec<String> },
    #[error("unknown selector @{0}; use a name, @tag:NAME or @all")]
    UnknownSelector(String),
    #[error(
        "unknown target {spec:?}; {configured} targets are configured (netdash run @all ... runs on all)"
    )]
    UnknownTarget { spec: String, configured: usize },
    #[error("unknown target {spec:?}; did you mean {}?", .near.join(", "))]
    NearMiss { spec: String, near: Vec<String> },
    /// A group selector found only targets that cannot take this command.
    #[error(
        "no targets to run on: {count} skipped ({why}); send a REST request such as GET /central/v2/sites"
    )]
    AllSkipped { count: usize, why: String },
    #[error("no targets to run on")]
    NoTargets,
}

fn or_none(tags: &[String]) -> String {
    if tags.is_empty() {
        "none".into()
    } else {
        tags.join(", ")
    }
}

/// Expand target specs in order, without duplicates. A name that matches nothing, or a tag
/// no target carries, is an error that lists what exists.
pub fn select<'a>(
    cfg: &'a Config,
    specs: &[String],
    cmd: &Command,
) -> Result<Selection<'a>, SelectError> {
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
                let mut known: Vec<String> =
                    all.iter().flat_map(|t| t.tags().iter().cloned()).collect();
                known.sort_unstable();
                known.dedup();
                return Err(SelectError::NoSuchTag {
                    tag: tag.to_string(),
                    known,
                });
            }
            (true, p)
        } else if let Some(bad) = spec.strip_prefix('@') {
            return Err(SelectError::UnknownSelector(bad.to_string()));
        } else if let Some(t) = all.iter().find(|t| t.name() == spec) {
            (false, vec![*t])
        } else {
            let names: Vec<&str> = all.iter().map(Target::name).collect();
            let near = names
                .iter()
                .filter(|n| n.contains(spec.as_str()) || spec.contains(**n))
                .take(3)
                .map(std::string::ToString::to_string)
                .collect::<Vec<_>>();
            return Err(if near.is_empty() {
                SelectError::UnknownTarget {
                    spec: spec.clone(),
                    configured: names.len(),
                }
            } else {
                SelectError::NearMiss {
                    spec: spec.clone(),
                    near,
                }
            });
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
            Some((_, why)) => SelectError::AllSkipped {
                count: sel.skipped.len(),
                why: why.clone(),
            },
            None => SelectError::NoTargets,
        });
    }
    Ok(sel)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The messages are the ones `netdash run` printed when these were strings.
    #[test]
    fn messages_are_unchanged() {
        let cases = [
            (
                SelectError::NoSuchTag {
                    tag: "x".into(),
                    known: vec![],
                },
                r#"no target has tag "x"; tags in the config: none"#,
            ),
            (
                SelectError::NoSuchTag {
                    tag: "x".into(),
                    known: vec!["core".into(), "edge".into()],
                },
                r#"no target has tag "x"; tags in the config: core, edge"#,
            ),
            (
                SelectError::UnknownSelector("foo".into()),
                "unknown selector @foo; use a name, @tag:NAME or @all",
            ),
            (
                SelectError::UnknownTarget {
                    spec: "zz".into(),
                    configured: 4,
                },
                r#"unknown target "zz"; 4 targets are configured (netdash run @all ... runs on all)"#,
            ),
            (
                SelectError::NearMiss {
                    spec: "spine".into(),
                    near: vec!["spine-01".into(), "spine-02".into()],
                },
                r#"unknown target "spine"; did you mean spine-01, spine-02?"#,
            ),
            (
                SelectError::AllSkipped {
                    count: 2,
                    why: "Central takes REST requests only".into(),
                },
                "no targets to run on: 2 skipped (Central takes REST requests only); send a REST request such as GET /central/v2/sites",
            ),
            (SelectError::NoTargets, "no targets to run on"),
        ];
        for (e, want) in cases {
            assert_eq!(e.to_string(), want);
        }
    }
}
