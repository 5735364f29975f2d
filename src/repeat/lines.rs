//! An answer as indented lines (the explorer's `key: value` shape) with the changed ones
//! marked and a note beside them: `inOctets: 1234567  (+1200, 240/s)`. The dashboard
//! styles the marks; `run --every` prints them with a `*`. Device text is escaped here,
//! once, for both.

use serde_json::Value;

use super::changes::{self, Change, Changes, LineChange};
use super::history::{Answer, Diff};

/// Lines produced at most for one answer.
pub const MAX_LINES: usize = 5_000;
/// Nesting shown; deeper containers print as `…`.
const MAX_DEPTH: usize = 64;
/// Characters of one value shown.
const MAX_VALUE: usize = 160;

/// How a line changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mark {
    Changed,
    Added,
    Removed,
}

/// One line of an answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub text: String,
    pub mark: Option<Mark>,
    /// Beside a changed line: the delta and rate, or the old value.
    pub note: String,
}

impl Line {
    fn plain(text: String) -> Line {
        Line {
            text,
            mark: None,
            note: String::new(),
        }
    }
}

/// The note for a change: `(+1200, 240/s)` for numbers, `(was "x")` otherwise.
pub fn note(c: &Change, secs: f64) -> String {
    match (c.delta, &c.old, &c.new) {
        (Some(d), _, _) => match d.per_second(secs) {
            Some(r) => format!("({}, {})", d.signed(), changes::rate(r)),
            None => format!("({})", d.signed()),
        },
        (None, None, _) => "(new)".into(),
        (None, Some(old), None) => format!("(removed, was {})", short(old)),
        (None, Some(old), Some(_)) => format!("(was {})", short(old)),
    }
}

fn short(v: &Value) -> String {
    let s = match v {
        Value::Object(m) => format!("{{{} keys}}", m.len()),
        Value::Array(a) => format!("[{} items]", a.len()),
        v => v.to_string(),
    };
    clip(&s)
}

fn clip(s: &str) -> String {
    let out = if s.chars().count() > MAX_VALUE {
        let mut t: String = s.chars().take(MAX_VALUE).collect();
        t.push('…');
        t
    } else {
        s.to_string()
    };
    crate::sanitize::one_line(&out).into_owned()
}

/// One target's answer with `diff`'s changes marked.
pub fn answer(a: &Answer, diff: &Diff) -> Vec<Line> {
    match a {
        Answer::Json(v) => json(v, &diff.json, diff.secs),
        Answer::Text(t) => text(t, &diff.lines),
        // Whole: an error line ends in what to do (the screen cuts it to its width).
        Answer::Error(e) => vec![Line::plain(
            crate::sanitize::one_line(&format!("error: {e}")).into_owned(),
        )],
        Answer::TooBig {
            bytes,
            run_full: false,
        } => vec![Line::plain(format!(
            "answer of {bytes} bytes: too big to keep and compare (over 1 MB); narrow the command"
        ))],
        Answer::TooBig {
            bytes,
            run_full: true,
        } => vec![Line::plain(format!(
            "answer of {bytes} bytes not kept: this run's answers passed 8 MB; choose fewer targets"
        ))],
    }
}

/// A JSON answer as lines, changed leaves marked; removed paths listed at the end.
pub fn json(v: &Value, changes: &Changes, secs: f64) -> Vec<Line> {
    let mut out = Vec::new();
    walk(&mut out, None, ".", v, 0, changes, secs);
    for c in changes.changes.iter().filter(|c| c.new.is_none()) {
        if out.len() >= MAX_LINES {
            break;
        }
        out.push(Line {
            text: clip(&c.path),
            mark: Some(Mark::Removed),
            note: note(c, secs),
        });
    }
    if changes.truncated {
        out.push(Line::plain(format!(
            "(more than {} changes: only the first are marked)",
            changes::MAX_CHANGES
        )));
    }
    out
}

fn walk(
    out: &mut Vec<Line>,
    key: Option<&str>,
    path: &str,
    v: &Value,
    depth: usize,
    changes: &Changes,
    secs: f64,
) {
    if out.len() >= MAX_LINES {
        return;
    }
    let indent = "  ".repeat(depth.saturating_sub(1));
    let label = key.map_or(String::new(), |k| format!("{k}: "));
    let (mark, note) = match changes.get(path) {
        Some(c) if c.old.is_none() => (Some(Mark::Added), self::note(c, secs)),
        Some(c) => (Some(Mark::Changed), self::note(c, secs)),
        None => (None, String::new()),
    };
    let line = |text: String| Line {
        text: clip(&format!("{indent}{text}")),
        mark,
        note: note.clone(),
    };
    let kids: Vec<(String, String, &Value)> = match v {
        Value::Object(m) if !m.is_empty() => m
            .iter()
            .map(|(k, c)| (key_label(k), changes::key_path(path, k), c))
            .collect(),
        Value::Array(a) if !a.is_empty() => a
            .iter()
            .enumerate()
            .map(|(i, c)| (format!("[{i}]"), changes::index_path(path, i), c))
            .collect(),
        leaf => {
            // Empty containers print as `{}` / `[]`.
            out.push(line(format!("{label}{}", clip(&leaf.to_string()))));
            return;
        }
    };
    if depth > MAX_DEPTH {
        out.push(line(format!("{label}…")));
        return;
    }
    // The root has no line of its own: its members start at the left edge.
    if let Some(k) = key {
        out.push(line(k.to_string()));
    }
    for (k, p, c) in kids {
        walk(out, Some(&k), &p, c, depth + 1, changes, secs);
    }
}

fn key_label(k: &str) -> String {
    if k.is_empty() || k.contains([' ', ':', '"']) {
        serde_json::to_string(k).unwrap_or_default()
    } else {
        k.to_string()
    }
}

/// A text answer's lines, the changed ones marked with what they were.
pub fn text(t: &str, changed: &[LineChange]) -> Vec<Line> {
    let mut out: Vec<Line> = t
        .lines()
        .take(MAX_LINES)
        .map(|l| Line::plain(clip(l)))
        .collect();
    for c in changed {
        let room = out.len() < MAX_LINES;
        match (c.line.checked_sub(1).and_then(|i| out.get_mut(i)), &c.old) {
            (Some(l), Some(old)) => {
                l.mark = Some(Mark::Changed);
                l.note = format!("(was {})", clip(old.trim()));
            }
            (Some(l), None) => l.mark = Some(Mark::Added),
            (None, Some(old)) if room => out.push(Line {
                text: clip(old),
                mark: Some(Mark::Removed),
                note: "(removed)".into(),
            }),
            (None, _) => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn changed_counters_carry_delta_and_rate() {
        let a =
            json!({"interfaces": {"Ethernet1": {"inOctets": 1_233_367, "name": "e1"}, "e2": [1]}});
        let b = json!({"interfaces": {"Ethernet1": {"inOctets": 1_234_567, "name": "e\u{1b}1"}, "e2": []}, "new": true});
        let c = changes::json(&a, &b);
        let l = json(&b, &c, 5.0);
        let shown: Vec<(&str, Option<Mark>, &str)> = l
            .iter()
            .map(|l| (l.text.as_str(), l.mark, l.note.as_str()))
            .collect();
        assert_eq!(
            shown,
            [
                ("interfaces", None, ""),
                ("  Ethernet1", None, ""),
                (
                    "    inOctets: 1234567",
                    Some(Mark::Changed),
                    "(+1200, 240/s)"
                ),
                (
                    "    name: \"e\\u001b1\"",
                    Some(Mark::Changed),
                    "(was \"e1\")"
                ),
                ("  e2: []", None, ""),
                ("new: true", Some(Mark::Added), "(new)"),
                (".interfaces.e2[0]", Some(Mark::Removed), "(removed, was 1)"),
            ]
        );
    }

    #[test]
    fn text_lines_are_marked() {
        let old = "Et1 100\nEt2 5\ngone";
        let new = "Et1 160\nEt2 5";
        let l = text(new, &changes::lines(old, new));
        assert_eq!(l[0].mark, Some(Mark::Changed));
        assert_eq!(l[0].note, "(was Et1 100)");
        assert_eq!(l[1].mark, None);
        assert_eq!(l[2].mark, Some(Mark::Removed));
        assert_eq!(l[2].text, "gone");
    }
}
