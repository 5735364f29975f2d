//! What differs between two answers: a structural JSON diff (leaf paths added, removed or
//! changed, with both values) or, for text answers, a line diff. Both are linear in the
//! answers' size (the line diff is Myers' algorithm from the `similar` crate, with a
//! deadline), so MB-sized answers are fine.

use std::time::{Duration, Instant};

use serde_json::Value;

use super::path::{self, Seg};

/// One difference at a path: what the reference has and what the other answer has.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    /// Only the other answer has it.
    Added { path: Vec<Seg>, value: Value },
    /// Only the reference has it.
    Removed { path: Vec<Seg>, value: Value },
    /// Both have it, with different values (or types).
    Changed {
        path: Vec<Seg>,
        from: Value,
        to: Value,
    },
}

impl Change {
    pub fn path(&self) -> &[Seg] {
        match self {
            Change::Added { path, .. }
            | Change::Removed { path, .. }
            | Change::Changed { path, .. } => path,
        }
    }

    /// The path as jq writes it.
    pub fn jq_path(&self) -> String {
        path::render(self.path())
    }
}

/// A line of a text diff.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LineChange {
    /// Only the reference has this line (its 1-based line number there).
    Removed(usize, String),
    /// Only the other answer has it (its line number there).
    Added(usize, String),
}

/// The differences between a reference answer and another.
#[derive(Debug, Clone, PartialEq)]
pub enum Diff {
    Json(Vec<Change>),
    Text(Vec<LineChange>),
}

impl Diff {
    pub fn len(&self) -> usize {
        match self {
            Diff::Json(c) => c.len(),
            Diff::Text(l) => l.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A line diff gives up refining after this long and reports a coarser (still correct)
/// set of changed lines: two MB-sized configs that share nothing must not freeze a screen.
const TEXT_DEADLINE: Duration = Duration::from_millis(500);

/// `other` against `reference`: a line diff when both are text, else a JSON diff.
pub fn diff(reference: &Value, other: &Value) -> Diff {
    match (reference, other) {
        (Value::String(a), Value::String(b)) if a.contains('\n') || b.contains('\n') => {
            Diff::Text(lines(a, b))
        }
        _ => Diff::Json(json(reference, other)),
    }
}

/// The leaf-level changes that turn `a` into `b`. Objects are compared key by key,
/// arrays index by index (a longer array has its extra elements added or removed).
pub fn json(a: &Value, b: &Value) -> Vec<Change> {
    let mut out = Vec::new();
    let mut at = Vec::new();
    walk(a, b, &mut at, &mut out);
    out
}

// Recursion depth is the values' nesting: serde_json refuses to parse more than 128 levels,
// and the explorer refuses results deeper than 512, so device answers stay shallow.
fn walk(a: &Value, b: &Value, at: &mut Vec<Seg>, out: &mut Vec<Change>) {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for (k, va) in x {
                at.push(Seg::Key(k.clone()));
                match y.get(k) {
                    Some(vb) => walk(va, vb, at, out),
                    None => out.push(Change::Removed {
                        path: at.clone(),
                        value: va.clone(),
                    }),
                }
                at.pop();
            }
            for (k, vb) in y {
                if !x.contains_key(k) {
                    let mut path = at.clone();
                    path.push(Seg::Key(k.clone()));
                    out.push(Change::Added {
                        path,
                        value: vb.clone(),
                    });
                }
            }
        }
        (Value::Array(x), Value::Array(y)) => {
            for (i, va) in x.iter().enumerate() {
                at.push(Seg::Index(i));
                match y.get(i) {
                    Some(vb) => walk(va, vb, at, out),
                    None => out.push(Change::Removed {
                        path: at.clone(),
                        value: va.clone(),
                    }),
                }
                at.pop();
            }
            for (i, vb) in y.iter().enumerate().skip(x.len()) {
                let mut path = at.clone();
                path.push(Seg::Index(i));
                out.push(Change::Added {
                    path,
                    value: vb.clone(),
                });
            }
        }
        _ if a == b => {}
        _ => out.push(Change::Changed {
            path: at.clone(),
            from: a.clone(),
            to: b.clone(),
        }),
    }
}

/// The lines only one side has, in order (the reference's removals before the other's
/// additions within each changed stretch).
pub fn lines(a: &str, b: &str) -> Vec<LineChange> {
    let diff = similar::TextDiff::configure()
        .algorithm(similar::Algorithm::Myers)
        .deadline(Instant::now() + TEXT_DEADLINE)
        .diff_lines(a, b);
    let mut out = Vec::new();
    for c in diff.iter_all_changes() {
        let text = c.value().trim_end_matches(['\n', '\r']).to_string();
        match c.tag() {
            similar::ChangeTag::Delete => {
                out.push(LineChange::Removed(
                    c.old_index().map_or(0, |i| i + 1),
                    text,
                ));
            }
            similar::ChangeTag::Insert => {
                out.push(LineChange::Added(c.new_index().map_or(0, |i| i + 1), text));
            }
            similar::ChangeTag::Equal => {}
        }
    }
    out
}

/// `changes` applied to `a`: `json(a, b)` applied to `a` gives `b` back. The tests use it
/// to check a diff says everything and nothing more.
pub fn apply(a: &Value, changes: &[Change]) -> Value {
    let mut v = a.clone();
    // Removals from the end first, so array indexes stay right as elements go.
    let mut removals: Vec<&[Seg]> = changes
        .iter()
        .filter_map(|c| match c {
            Change::Removed { path, .. } => Some(path.as_slice()),
            _ => None,
        })
        .collect();
    removals.sort_by(|x, y| y.cmp(x));
    for p in removals {
        if let Some((last, parent)) = p.split_last()
            && let Some(container) = get_mut(&mut v, parent)
        {
            match (container, last) {
                (Value::Object(m), Seg::Key(k)) => {
                    m.shift_remove(k);
                }
                (Value::Array(a), Seg::Index(i)) if *i < a.len() => {
                    a.remove(*i);
                }
                _ => {}
            }
        }
    }
    for c in changes {
        match c {
            Change::Changed { path, to, .. } => {
                if let Some(slot) = get_mut(&mut v, path) {
                    *slot = to.clone();
                }
            }
            Change::Added { path, value } => {
                if let Some((last, parent)) = path.split_last()
                    && let Some(container) = get_mut(&mut v, parent)
                {
                    match (container, last) {
                        (Value::Object(m), Seg::Key(k)) => {
                            m.insert(k.clone(), value.clone());
                        }
                        (Value::Array(a), Seg::Index(_)) => a.push(value.clone()),
                        _ => {}
                    }
                }
            }
            Change::Removed { .. } => {}
        }
    }
    v
}

fn get_mut<'a>(v: &'a mut Value, path: &[Seg]) -> Option<&'a mut Value> {
    let mut cur = v;
    for s in path {
        cur = match (cur, s) {
            (Value::Object(m), Seg::Key(k)) => m.get_mut(k)?,
            (Value::Array(a), Seg::Index(i)) => a.get_mut(*i)?,
            _ => return None,
        };
    }
    Some(cur)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn leaves_added_removed_and_changed_with_both_values() {
        let a = json!({"interfaces": {"Ethernet1": {"mtu": 1500, "name": "e1"}}, "gone": [1, 2]});
        let b = json!({"interfaces": {"Ethernet1": {"mtu": 9214, "name": "e1", "desc": "up"}}, "gone": [1]});
        let d = json(&a, &b);
        let shown: Vec<String> = d.iter().map(Change::jq_path).collect();
        assert_eq!(
            shown,
            [
                ".interfaces.Ethernet1.mtu",
                ".interfaces.Ethernet1.desc",
                ".gone[1]"
            ]
        );
        assert_eq!(
            d[0],
            Change::Changed {
                path: d[0].path().to_vec(),
                from: json!(1500),
                to: json!(9214)
            }
        );
        assert_eq!(apply(&a, &d), b);
        assert!(json(&a, &a).is_empty());
    }

    #[test]
    fn text_answers_get_a_line_diff() {
        let a = Value::String("hostname a\ninterface e1\n mtu 1500\nend\n".into());
        let b = Value::String("hostname a\ninterface e1\n mtu 9214\nend\n".into());
        assert_eq!(
            diff(&a, &b),
            Diff::Text(vec![
                LineChange::Removed(3, " mtu 1500".into()),
                LineChange::Added(3, " mtu 9214".into())
            ])
        );
        assert!(diff(&a, &a).is_empty());
    }
}
