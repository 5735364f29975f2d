//! A comparison as `netdash run --compare` prints it: readable text, or one JSON document
//! with `--json`. Device text is left as it is here; the caller escapes it for a terminal.

use serde_json::{Value, json};

use super::{Change, Comparison, Diff, LineChange};

/// Group labels: A is the reference, then B, C, ... (AA after Z).
pub fn label(i: usize) -> String {
    let mut n = i;
    let mut s = String::new();
    loop {
        s.insert(0, char::from(b'A' + (n % 26) as u8));
        if n < 26 {
            break;
        }
        n = n / 26 - 1;
    }
    s
}

/// A value on one line (compact JSON).
pub fn one_value(v: &Value) -> String {
    v.to_string()
}

/// One line per change: `~ .path: from -> to`, `+ .path: value`, `- .path: value`.
pub fn change_line(c: &Change) -> String {
    match c {
        Change::Added { value, .. } => format!("+ {}: {}", c.jq_path(), one_value(value)),
        Change::Removed { value, .. } => format!("- {}: {}", c.jq_path(), one_value(value)),
        Change::Changed { from, to, .. } => format!(
            "~ {}: {} -> {}",
            c.jq_path(),
            one_value(from),
            one_value(to)
        ),
    }
}

/// One line per changed text line: `-12 | text` (the reference's line 12), `+12 | text`.
pub fn text_line(l: &LineChange) -> String {
    match l {
        LineChange::Removed(n, t) => format!("-{n} | {t}"),
        LineChange::Added(n, t) => format!("+{n} | {t}"),
    }
}

/// The readable report: the summary, what was ignored, then each group with its diff
/// against group A.
pub fn text(c: &Comparison) -> String {
    let mut out = format!("{}\n", c.summary());
    if !c.ignored.is_empty() {
        out.push_str(&format!("ignoring: {}\n", c.ignored.join(", ")));
    }
    for (i, g) in c.groups.iter().enumerate() {
        let names = g.targets.join(", ");
        if g.failed() {
            out.push_str(&format!("== failed ({}): {names}\n", g.targets.len()));
            for (t, e) in &c.errors {
                out.push_str(&format!("  {t}: {e}\n"));
            }
            continue;
        }
        match c.diffs.get(i).and_then(Option::as_ref) {
            None => out.push_str(&format!(
                "== {} ({}, reference): {names}\n",
                label(i),
                g.targets.len()
            )),
            Some(d) => {
                out.push_str(&format!(
                    "== {} ({}): {names}: {} against A\n",
                    label(i),
                    g.targets.len(),
                    changes(d.len(), d)
                ));
                match d {
                    Diff::Json(cs) => {
                        for ch in cs {
                            out.push_str(&format!("  {}\n", change_line(ch)));
                        }
                    }
                    Diff::Text(ls) => {
                        for l in ls {
                            out.push_str(&format!("  {}\n", text_line(l)));
                        }
                    }
                }
            }
        }
    }
    out
}

fn changes(n: usize, d: &Diff) -> String {
    let what = match d {
        Diff::Json(_) => "change",
        Diff::Text(_) => "changed line",
    };
    format!("{n} {what}{}", if n == 1 { "" } else { "s" })
}

/// The `--json` document: `{"equal", "summary", "ignored", "groups": [...]}`; each group
/// has `targets`, `reference`, `failed` and, against group A, `changes` (JSON answers) or
/// `lines` (text answers); the failed group has `errors` by target.
pub fn json(c: &Comparison) -> Value {
    let groups: Vec<Value> = c
        .groups
        .iter()
        .enumerate()
        .map(|(i, g)| {
            let mut v = json!({
                "label": label(i),
                "targets": g.targets,
                "reference": i == 0 && !g.failed(),
                "failed": g.failed(),
            });
            if g.failed() {
                v["errors"] = c
                    .errors
                    .iter()
                    .map(|(t, e)| (t.clone(), json!(e)))
                    .collect::<serde_json::Map<_, _>>()
                    .into();
            }
            match c.diffs.get(i).and_then(Option::as_ref) {
                Some(Diff::Json(cs)) => {
                    v["changes"] = cs.iter().map(change_json).collect();
                }
                Some(Diff::Text(ls)) => {
                    v["lines"] = ls
                        .iter()
                        .map(|l| match l {
                            LineChange::Removed(n, t) => {
                                json!({"op": "removed", "line": n, "text": t})
                            }
                            LineChange::Added(n, t) => json!({"op": "added", "line": n, "text": t}),
                        })
                        .collect();
                }
                None => {}
            }
            v
        })
        .collect();
    json!({
        "equal": c.all_equal(),
        "summary": c.summary(),
        "ignored": c.ignored,
        "groups": groups,
    })
}

fn change_json(c: &Change) -> Value {
    match c {
        Change::Added { value, .. } => json!({"op": "added", "path": c.jq_path(), "to": value}),
        Change::Removed { value, .. } => {
            json!({"op": "removed", "path": c.jq_path(), "from": value})
        }
        Change::Changed { from, to, .. } => {
            json!({"op": "changed", "path": c.jq_path(), "from": from, "to": to})
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_run_past_z() {
        assert_eq!(label(0), "A");
        assert_eq!(label(25), "Z");
        assert_eq!(label(26), "AA");
        assert_eq!(label(27), "AB");
    }
}
