//! Answers grouped by equality (after the ignore list): largest group first, ties by the
//! first target's name; failed targets last, in a group of their own.

use std::collections::HashMap;

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

/// `(target, answer)` pairs (an `Err` is a failed target) as groups. Equality is found by
/// a canonical text of each answer (object keys sorted), hashed: linear, not pairwise.
pub fn group(answers: Vec<(String, Result<Value, String>)>) -> Vec<Group> {
    let mut by_text: HashMap<String, usize> = HashMap::new();
    let mut groups: Vec<Group> = Vec::new();
    let mut failed = Vec::new();
    for (target, answer) in answers {
        match answer {
            Ok(v) => {
                let key = canonical(&v);
                if let Some(&i) = by_text.get(&key) {
                    groups[i].targets.push(target);
                } else {
                    by_text.insert(key, groups.len());
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

/// `v` as JSON text with object keys sorted at every level: equal values, equal texts.
pub fn canonical(v: &Value) -> String {
    let mut out = String::new();
    write_canonical(v, &mut out);
    out
}

fn write_canonical(v: &Value, out: &mut String) {
    match v {
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            out.push('{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(k.clone()).to_string());
                out.push(':');
                if let Some(c) = m.get(k) {
                    write_canonical(c, out);
                }
            }
            out.push('}');
        }
        Value::Array(a) => {
            out.push('[');
            for (i, c) in a.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(c, out);
            }
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
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
