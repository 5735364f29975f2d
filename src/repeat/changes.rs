//! What changed between two answers to the same command: changed leaf paths (jq syntax)
//! with the old and new value and, for numbers, the exact delta; for text answers, the
//! changed lines. Deliberately small (no moves, no array alignment): counters and tables
//! keep their shape from one run to the next, so comparing position by position is what
//! a repeating view needs. Never panics, never recurses (an explicit stack), and stops at
//! [`MAX_CHANGES`].

use serde_json::Value;

/// Changes reported at most per answer; the rest is counted as truncated.
pub const MAX_CHANGES: usize = 2_000;

/// A numeric change: exact for integers (i128 holds any i64/u64 difference), else a float.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Delta {
    Int(i128),
    Float(f64),
}

impl Delta {
    /// `new - old` when both are numbers (and the float difference is finite).
    pub fn between(old: &Value, new: &Value) -> Option<Delta> {
        let (Value::Number(o), Value::Number(n)) = (old, new) else {
            return None;
        };
        let int = |x: &serde_json::Number| {
            x.as_i64()
                .map(i128::from)
                .or_else(|| x.as_u64().map(i128::from))
        };
        if let (Some(a), Some(b)) = (int(o), int(n)) {
            return Some(Delta::Int(b - a));
        }
        let d = n.as_f64()? - o.as_f64()?;
        d.is_finite().then_some(Delta::Float(d))
    }

    pub fn as_f64(self) -> f64 {
        match self {
            #[expect(
                clippy::cast_precision_loss,
                reason = "a rate per second is shown rounded; the delta itself stays exact"
            )]
            Delta::Int(d) => d as f64,
            Delta::Float(d) => d,
        }
    }

    /// The change per second over `secs` (none for a zero or unknown span).
    pub fn per_second(self, secs: f64) -> Option<f64> {
        (secs.is_finite() && secs > 0.0).then(|| self.as_f64() / secs)
    }

    /// `+1200`, `-3`, `+0.25`.
    pub fn signed(self) -> String {
        match self {
            Delta::Int(d) if d >= 0 => format!("+{d}"),
            Delta::Int(d) => d.to_string(),
            Delta::Float(d) if d >= 0.0 => format!("+{}", trim_float(d)),
            Delta::Float(d) => trim_float(d),
        }
    }
}

/// A rate for the screen: whole numbers above 10, two decimals below.
pub fn rate(r: f64) -> String {
    if r.abs() >= 10.0 {
        format!("{r:.0}/s")
    } else {
        format!("{}/s", trim_float((r * 100.0).round() / 100.0))
    }
}

fn trim_float(d: f64) -> String {
    let s = format!("{d:.3}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" { "0".into() } else { s.into() }
}

/// One changed leaf. `old` is `None` for an added path, `new` for a removed one; a value
/// that changed type (a number became an object) is one change at that path.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    pub path: String,
    pub old: Option<Value>,
    pub new: Option<Value>,
    pub delta: Option<Delta>,
}

/// The changes between two answers, in document order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Changes {
    pub changes: Vec<Change>,
    /// More than [`MAX_CHANGES`] changed: the rest are not listed.
    pub truncated: bool,
}

impl Changes {
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }

    pub fn get(&self, path: &str) -> Option<&Change> {
        self.changes.iter().find(|c| c.path == path)
    }

    fn push(&mut self, c: Change) -> bool {
        if self.changes.len() >= MAX_CHANGES {
            self.truncated = true;
            return false;
        }
        self.changes.push(c);
        true
    }
}

/// `.key`, or `."odd key"` when the key is not a plain identifier (jq's syntax).
pub fn key_path(parent: &str, key: &str) -> String {
    let plain = key
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    let base = if parent == "." { "" } else { parent };
    if plain {
        format!("{base}.{key}")
    } else {
        // serde_json escapes quotes and control characters as jq reads them.
        let quoted = serde_json::to_string(key).unwrap_or_else(|_| "\"?\"".into());
        format!("{base}.{quoted}")
    }
}

/// `[3]` after the parent's path.
pub fn index_path(parent: &str, i: usize) -> String {
    let base = if parent == "." { "" } else { parent };
    format!("{base}[{i}]")
}

/// Work left for [`json`], borrowed from the two documents.
enum Work<'a> {
    Compare(String, &'a Value, &'a Value),
    Removed(String, &'a Value),
    Added(String, &'a Value),
}

/// The changed leaves between `old` and `new`, in document order (removed keys where
/// they were, added keys after the kept ones).
pub fn json(old: &Value, new: &Value) -> Changes {
    let mut out = Changes::default();
    // Last pushed is done first: each container's work is pushed in reverse.
    let mut stack = vec![Work::Compare(".".into(), old, new)];
    while let Some(w) = stack.pop() {
        let pushed = match w {
            Work::Removed(path, v) => out.push(Change {
                path,
                old: Some(v.clone()),
                new: None,
                delta: None,
            }),
            Work::Added(path, v) => out.push(Change {
                path,
                old: None,
                new: Some(v.clone()),
                delta: None,
            }),
            Work::Compare(path, Value::Object(a), Value::Object(b)) => {
                let mut kids = Vec::new();
                for (k, av) in a {
                    kids.push(match b.get(k) {
                        Some(bv) => Work::Compare(key_path(&path, k), av, bv),
                        None => Work::Removed(key_path(&path, k), av),
                    });
                }
                for (k, bv) in b.iter().filter(|(k, _)| !a.contains_key(*k)) {
                    kids.push(Work::Added(key_path(&path, k), bv));
                }
                stack.extend(kids.into_iter().rev());
                true
            }
            Work::Compare(path, Value::Array(a), Value::Array(b)) => {
                let common = a.len().min(b.len());
                let mut kids: Vec<Work<'_>> = (0..common)
                    .map(|i| Work::Compare(index_path(&path, i), &a[i], &b[i]))
                    .collect();
                kids.extend(
                    a.iter()
                        .enumerate()
                        .skip(common)
                        .map(|(i, v)| Work::Removed(index_path(&path, i), v)),
                );
                kids.extend(
                    b.iter()
                        .enumerate()
                        .skip(common)
                        .map(|(i, v)| Work::Added(index_path(&path, i), v)),
                );
                stack.extend(kids.into_iter().rev());
                true
            }
            Work::Compare(_, a, b) if a == b => true,
            Work::Compare(path, a, b) => out.push(Change {
                delta: Delta::between(a, b),
                path,
                old: Some(a.clone()),
                new: Some(b.clone()),
            }),
        };
        if !pushed {
            break;
        }
    }
    out
}

/// One changed line of a text answer (1-based); `None` where one side has fewer lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineChange {
    pub line: usize,
    pub old: Option<String>,
    pub new: Option<String>,
}

/// Changed lines, position by position (a counter screen keeps its layout), at most
/// [`MAX_CHANGES`].
pub fn lines(old: &str, new: &str) -> Vec<LineChange> {
    let (mut a, mut b) = (old.lines(), new.lines());
    let mut out = Vec::new();
    let mut line = 0usize;
    loop {
        line += 1;
        let (x, y) = (a.next(), b.next());
        if x.is_none() && y.is_none() {
            break;
        }
        if x != y {
            out.push(LineChange {
                line,
                old: x.map(str::to_string),
                new: y.map(str::to_string),
            });
            if out.len() >= MAX_CHANGES {
                break;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    #[test]
    fn identical_answers_have_no_changes() {
        let v = json!({"interfaces": {"Ethernet1": {"inOctets": 5, "x": [1, {"y": null}]}}});
        assert!(json(&v, &v.clone()).is_empty());
        assert!(lines("a\nb\n", "a\nb\n").is_empty());
    }

    #[test]
    fn counters_give_exact_deltas_and_rates() {
        let a = json!({"interfaces": {"Ethernet1": {"inOctets": 1_233_367, "name": "e1"}}});
        let b = json!({"interfaces": {"Ethernet1": {"inOctets": 1_234_567, "name": "e1"}}});
        let c = json(&a, &b);
        assert_eq!(c.changes.len(), 1);
        let ch = &c.changes[0];
        assert_eq!(ch.path, ".interfaces.Ethernet1.inOctets");
        assert_eq!(ch.delta, Some(Delta::Int(1200)));
        assert_eq!(ch.delta.and_then(|d| d.per_second(5.0)), Some(240.0));
        assert_eq!(rate(240.0), "240/s");
        assert_eq!(Delta::Int(1200).signed(), "+1200");
        assert_eq!(Delta::Int(-3).signed(), "-3");
        assert_eq!(Delta::Float(0.25).signed(), "+0.25");
    }

    #[test]
    fn u64_extremes_are_exact() {
        let a = json!({"n": 0});
        let b = json!({"n": u64::MAX});
        let d = json(&a, &b).changes[0].delta;
        assert_eq!(d, Some(Delta::Int(i128::from(u64::MAX))));
        let d = json(&json!(i64::MIN), &json!(u64::MAX)).changes[0].delta;
        assert_eq!(
            d,
            Some(Delta::Int(i128::from(u64::MAX) - i128::from(i64::MIN)))
        );
    }

    #[test]
    fn added_removed_and_retyped_paths() {
        let a = json!({"a": 1, "gone": true, "odd key": [1, 2, 3], "t": 1});
        let b = json!({"a": 1, "new": "x", "odd key": [1, 5], "t": {"now": "object"}});
        let c = json(&a, &b);
        let paths: Vec<&str> = c.changes.iter().map(|c| c.path.as_str()).collect();
        assert_eq!(
            paths,
            [".gone", ".\"odd key\"[1]", ".\"odd key\"[2]", ".t", ".new"]
        );
        assert_eq!(c.get(".gone").and_then(|c| c.new.clone()), None);
        assert_eq!(c.get(".new").and_then(|c| c.old.clone()), None);
        assert_eq!(c.get(".t").and_then(|c| c.delta), None);
        assert_eq!(
            c.get(".\"odd key\"[1]").and_then(|c| c.delta),
            Some(Delta::Int(3))
        );
    }

    #[test]
    fn root_scalars_and_text_lines() {
        let c = json(&json!(1.5), &json!(2));
        assert_eq!(c.changes[0].path, ".");
        assert_eq!(c.changes[0].delta, Some(Delta::Float(0.5)));
        let l = lines("a\nb\nc", "a\nB\nc\nd");
        assert_eq!(
            l,
            [
                LineChange {
                    line: 2,
                    old: Some("b".into()),
                    new: Some("B".into())
                },
                LineChange {
                    line: 4,
                    old: None,
                    new: Some("d".into())
                }
            ]
        );
    }

    #[test]
    fn many_changes_stop_at_the_cap() {
        let a = Value::Array((0..5000).map(|i| json!(i)).collect());
        let b = Value::Array((0..5000).map(|i| json!(i + 1)).collect());
        let c = json(&a, &b);
        assert_eq!(c.changes.len(), MAX_CHANGES);
        assert!(c.truncated);
    }

    #[test]
    fn deep_documents_do_not_overflow_the_stack() {
        let mut a = json!(1);
        let mut b = json!(2);
        for _ in 0..100_000 {
            a = Value::Array(vec![a]);
            b = Value::Array(vec![b]);
        }
        let c = json(&a, &b);
        assert_eq!(c.changes.len(), 1);
        assert_eq!(c.changes[0].delta, Some(Delta::Int(1)));
        // serde_json drops deep values recursively: leak them in the test instead.
        std::mem::forget(a);
        std::mem::forget(b);
    }

    fn leaf() -> impl Strategy<Value = Value> {
        prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            any::<u64>().prop_map(Value::from),
            (-1e12f64..1e12).prop_map(Value::from),
            "[a-z ]{0,6}".prop_map(Value::from),
        ]
    }

    fn doc() -> impl Strategy<Value = Value> {
        leaf().prop_recursive(4, 48, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                prop::collection::btree_map("[a-z\"]{1,4}", inner, 0..6)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    /// Follows a path this module wrote, for the properties below.
    fn at<'v>(v: &'v Value, path: &str) -> Option<&'v Value> {
        let mut cur = v;
        let mut rest = path.strip_prefix('.').unwrap_or(path);
        while !rest.is_empty() {
            if let Some(r) = rest.strip_prefix('[') {
                let end = r.find(']')?;
                cur = cur.get(r[..end].parse::<usize>().ok()?)?;
                rest = &r[end + 1..];
            } else {
                let r = rest.strip_prefix('.').unwrap_or(rest);
                if r.starts_with('"') {
                    let mut de = serde_json::Deserializer::from_str(r).into_iter::<String>();
                    let k = de.next()?.ok()?;
                    cur = cur.get(&k)?;
                    rest = &r[de.byte_offset()..];
                } else {
                    let end = r.find(['.', '[']).unwrap_or(r.len());
                    cur = cur.get(&r[..end])?;
                    rest = &r[end..];
                }
            }
        }
        Some(cur)
    }

    proptest! {
        #[test]
        fn a_document_never_differs_from_itself(v in doc()) {
            prop_assert!(json(&v, &v).is_empty());
        }

        #[test]
        fn every_change_is_real_and_its_delta_exact(a in doc(), b in doc()) {
            let c = json(&a, &b);
            prop_assert_eq!(c.is_empty(), a == b);
            for ch in &c.changes {
                prop_assert_eq!(at(&a, &ch.path), ch.old.as_ref());
                prop_assert_eq!(at(&b, &ch.path), ch.new.as_ref());
                prop_assert_ne!(&ch.old, &ch.new);
                if let (Some(Delta::Int(d)), Some(o), Some(n)) = (ch.delta, &ch.old, &ch.new) {
                    let int = |v: &Value| v.as_i64().map(i128::from).or_else(|| v.as_u64().map(i128::from));
                    prop_assert_eq!(int(o).map(|o| o + d), int(n));
                }
            }
        }

        #[test]
        fn text_lines_never_panic_and_agree(a in "[ab\n]{0,40}", b in "[ab\n]{0,40}") {
            let l = lines(&a, &b);
            prop_assert_eq!(l.is_empty(), a.lines().eq(b.lines()));
        }
    }
}
