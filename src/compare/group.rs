//! Answers grouped by equality (after the ignore list): largest group first, ties by the
//! first target's name; failed targets last, in a group of their own.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};

use serde_json::Value;

/// One group: targets whose answers are equal, and that answer (ignored fields left out).
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    /// Sorted by name.
    pub targets: Vec<String>,
    /// The answer they share; `None` for the group of failed targets.
    pub answer: Option<Value>,
}

impl Group {
    pub fn failed(&self) -> bool {
        self.answer.is_none()
    }
}

/// `(target, answer)` pairs (an `Err` is a failed target) as groups. Answers are bucketed
/// by a hash that ignores object key order, then compared with `==` (which ignores it too)
/// only within a bucket: linear in the answers' size, not pairwise across all of them.
pub fn group(answers: Vec<(String, Result<Value, String>)>) -> Vec<Group> {
    let mut by_hash: HashMap<u64, Vec<usize>> = HashMap::new();
    let mut groups: Vec<Group> = Vec::new();
    let mut failed = Vec::new();
    for (target, answer) in answers {
        match answer {
            Ok(v) => {
                let bucket = by_hash.entry(hash(&v)).or_default();
                let same = bucket
                    .iter()
                    .copied()
                    .find(|&i| groups[i].answer.as_ref() == Some(&v));
                if let Some(i) = same {
                    groups[i].targets.push(target);
                } else {
                    bucket.push(groups.len());
                    groups.push(Group {
                        targets: vec![target],
                        answer: Some(v),
                    });
                }
            }
            Err(_) => failed.push(target),
        }
    }
    for g in &mut groups {
        g.targets.sort();
    }
    groups.sort_by(|a, b| {
        b.targets
            .len()
            .cmp(&a.targets.len())
            .then_with(|| a.targets[0].cmp(&b.targets[0]))
    });
    if !failed.is_empty() {
        failed.sort();
        groups.push(Group {
            targets: failed,
            answer: None,
        });
    }
    groups
}

/// A hash of `v` with object keys taken in sorted order: equal values, equal hashes.
pub fn hash(v: &Value) -> u64 {
    let mut h = fnv::FnvHasher::default();
    hash_into(v, &mut h);
    h.finish()
}

fn hash_into(v: &Value, h: &mut impl Hasher) {
    // A tag per type, so `"1"`, `1` and `[1]` hash apart.
    match v {
        Value::Null => h.write_u8(0),
        Value::Bool(b) => {
            h.write_u8(1);
            b.hash(h);
        }
        Value::Number(n) => {
            h.write_u8(2);
            n.hash(h);
        }
        Value::String(s) => {
            h.write_u8(3);
            s.hash(h);
        }
        Value::Array(a) => {
            h.write_u8(4);
            h.write_usize(a.len());
            for c in a {
                hash_into(c, h);
            }
        }
        Value::Object(m) => {
            h.write_u8(5);
            h.write_usize(m.len());
            let mut keys: Vec<(&String, &Value)> = m.iter().collect();
            keys.sort_unstable_by(|a, b| a.0.cmp(b.0));
            for (k, c) in keys {
                k.hash(h);
                hash_into(c, h);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn ok(t: &str, v: Value) -> (String, Result<Value, String>) {
        (t.to_string(), Ok(v))
    }

    #[test]
    fn largest_first_ties_by_name_failed_last() {
        let g = group(vec![
            ok("leaf-12", json!({"v": 2})),
            ("leaf-03".into(), Err("timed out".into())),
            ok("leaf-02", json!({"v": 1, "w": 0})),
            ok("leaf-01", json!({"w": 0, "v": 1})),
            ok("leaf-07", json!({"v": 3})),
        ]);
        let names: Vec<Vec<&str>> = g
            .iter()
            .map(|g| g.targets.iter().map(String::as_str).collect())
            .collect();
        assert_eq!(
            names,
            [
                vec!["leaf-01", "leaf-02"],
                vec!["leaf-07"],
                vec!["leaf-12"],
                vec!["leaf-03"]
            ]
        );
        assert!(g[3].failed() && !g[0].failed());
    }
}
