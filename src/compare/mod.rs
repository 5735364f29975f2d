//! Which answers differ, and how: the pure core of `netdash run --compare`, the
//! dashboard's compare view (`d`) and `:diff`. `ignore` leaves volatile fields out,
//! `group` groups equal answers, `diff` says what differs from the largest group,
//! `report` prints it for `run`, `snapshot` keeps results on disk for `:snap`/`:diff`.
//! Nothing here touches the network or the screen.

pub mod diff;
pub mod group;
pub mod ignore;
pub mod path;
pub mod report;
pub mod snapshot;

use serde_json::Value;

use crate::kind::TargetKind;
pub use diff::{Change, Diff, LineChange};
pub use group::Group;
pub use ignore::IgnoreList;

/// One target's answer to the compared command.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    pub target: String,
    pub kind: TargetKind,
    /// The output, or the error line of a target that failed.
    pub result: Result<Value, String>,
}

/// Answers grouped, with each group's diff against the reference group.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    /// Largest first (or the pinned one first); the failed targets last.
    pub groups: Vec<Group>,
    /// Per group: its diff against the first group (`None` for the first and for failed).
    pub diffs: Vec<Option<Diff>>,
    /// Failed targets with their error line.
    pub errors: Vec<(String, String)>,
    /// The ignore patterns (and text rules) that were applied, for the reader.
    pub ignored: Vec<String>,
}

impl Comparison {
    /// Compare `answers` to `command`; with `ignoring`, each answer first loses its
    /// vendor's volatile fields and the `extra` patterns. `pin` names a target whose group
    /// goes first whatever its size (`:diff` puts the snapshot there).
    pub fn build(
        answers: &[Answer],
        command: &str,
        extra: &[String],
        ignoring: bool,
        pin: Option<&str>,
    ) -> Comparison {
        let mut ignored: Vec<String> = Vec::new();
        let mut errors = Vec::new();
        let mut pairs = Vec::with_capacity(answers.len());
        for a in answers {
            match &a.result {
                Ok(v) if ignoring => {
                    let list = IgnoreList::for_command(a.kind, command, extra);
                    // Say only what applies: paths to JSON, line rules to text.
                    let said: Vec<String> = if v.is_string() {
                        list.text_lines
                            .iter()
                            .map(|t| format!("text after {t:?}"))
                            .collect()
                    } else {
                        list.patterns
                            .iter()
                            .map(|p| p.as_str().to_string())
                            .collect()
                    };
                    for t in said {
                        if !ignored.contains(&t) {
                            ignored.push(t);
                        }
                    }
                    pairs.push((a.target.clone(), Ok(list.apply(v))));
                }
                Ok(v) => pairs.push((a.target.clone(), Ok(v.clone()))),
                Err(e) => {
                    errors.push((a.target.clone(), e.clone()));
                    pairs.push((a.target.clone(), Err(e.clone())));
                }
            }
        }
        errors.sort();
        let mut groups = group::group(pairs);
        if let Some(pin) = pin
            && let Some(i) = groups
                .iter()
                .position(|g| !g.failed() && g.targets.iter().any(|t| t == pin))
        {
            let g = groups.remove(i);
            groups.insert(0, g);
        }
        let reference = groups.first().and_then(|g| g.answer.clone());
        let diffs = groups
            .iter()
            .enumerate()
            .map(|(i, g)| match (&reference, &g.answer) {
                (Some(r), Some(a)) if i > 0 => Some(diff::diff(r, a)),
                _ => None,
            })
            .collect();
        Comparison {
            groups,
            diffs,
            errors,
            ignored,
        }
    }

    /// Every target answered, and all answers are equal.
    pub fn all_equal(&self) -> bool {
        self.groups.len() <= 1 && self.errors.is_empty()
    }

    /// "11 identical, 2 differ: leaf-07, leaf-12" (with ", 1 failed: leaf-03").
    pub fn summary(&self) -> String {
        const NAMES: usize = 8;
        let names = |v: &[&String]| {
            let mut s = v
                .iter()
                .take(NAMES)
                .map(|n| n.as_str())
                .collect::<Vec<_>>()
                .join(", ");
            if v.len() > NAMES {
                s.push_str(&format!(" and {} more", v.len() - NAMES));
            }
            s
        };
        let ok: Vec<&Group> = self.groups.iter().filter(|g| !g.failed()).collect();
        let failed: Vec<&String> = self
            .groups
            .iter()
            .filter(|g| g.failed())
            .flat_map(|g| &g.targets)
            .collect();
        let mut parts = Vec::new();
        match ok.split_first() {
            None => {}
            Some((first, [])) => parts.push(if first.targets.len() == 1 {
                "1 answer".to_string()
            } else {
                format!("all {} identical", first.targets.len())
            }),
            Some((first, rest)) => {
                let differ: Vec<&String> = rest.iter().flat_map(|g| &g.targets).collect();
                parts.push(format!("{} identical", first.targets.len()));
                parts.push(format!(
                    "{} {}: {}",
                    differ.len(),
                    if differ.len() == 1 {
                        "differs"
                    } else {
                        "differ"
                    },
                    names(&differ)
                ));
            }
        }
        if !failed.is_empty() {
            parts.push(format!("{} failed: {}", failed.len(), names(&failed)));
        }
        if parts.is_empty() {
            "no answers".into()
        } else {
            parts.join(", ")
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn eos(t: &str, version: &str, uptime: f64) -> Answer {
        Answer {
            target: t.into(),
            kind: TargetKind::Eos,
            result: Ok(json!({"version": version, "uptime": uptime, "serialNumber": t})),
        }
    }

    #[test]
    fn volatile_fields_are_ignored_unless_asked_not_to() {
        let a = [
            eos("leaf-01", "4.30", 1.0),
            eos("leaf-02", "4.30", 2.0),
            eos("leaf-07", "4.31", 3.0),
            Answer {
                target: "leaf-03".into(),
                kind: TargetKind::Eos,
                result: Err("timed out".into()),
            },
        ];
        let c = Comparison::build(&a, "show version", &[], true, None);
        assert_eq!(
            c.summary(),
            "2 identical, 1 differs: leaf-07, 1 failed: leaf-03"
        );
        assert!(!c.all_equal());
        let Some(Diff::Json(d)) = &c.diffs[1] else {
            panic!("json diff expected: {:?}", c.diffs)
        };
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].jq_path(), ".version");
        assert!(c.ignored.iter().any(|i| i == "..uptime"));

        let raw = Comparison::build(&a[..2], "show version", &[], false, None);
        assert_eq!(raw.groups.len(), 2);
        let same = Comparison::build(&a[..2], "show version", &[], true, None);
        assert!(same.all_equal());
        assert_eq!(same.summary(), "all 2 identical");
    }

    #[test]
    fn a_pinned_target_is_the_reference() {
        let a = [
            eos("a", "1", 0.0),
            eos("b", "1", 0.0),
            eos("snap", "0", 0.0),
        ];
        let c = Comparison::build(&a, "show version", &[], true, Some("snap"));
        assert_eq!(c.groups[0].targets, ["snap"]);
        assert_eq!(c.summary(), "1 identical, 2 differ: a, b");
    }
}
