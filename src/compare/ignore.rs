//! Volatile fields left out of a comparison: uptimes, timestamps, counters, free memory,
//! and each device's own identity (serial, MAC). Built in per vendor and command, plus the
//! config's `[settings] ignore = [".uptime", ...]`.
//!
//! A pattern is a jq path with two wildcards: `[]` is any array element or object key
//! (`.interfaces[].interfaceCounters`), and `..name` is the key `name` at any depth
//! (`..timestamp`). In text answers, a built-in rule cuts a line after the words that name
//! a volatile value (`Uptime: …`).

use serde_json::Value;

use super::path::Seg;
use crate::kind::TargetKind;

/// One step of a pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Step {
    Key(String),
    Index(usize),
    /// `[]`: any element or key.
    Any,
    /// `..name`: the key `name`, any number of steps down.
    Deep(String),
}

/// A parsed ignore pattern, e.g. `.interfaces[].counters` or `..lastChange`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pattern {
    text: String,
    steps: Vec<Step>,
}

/// Why a pattern is not one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "ignore pattern {text:?} is not a path: {why} (write it like .uptime, .interfaces[].counters or ..timestamp)"
)]
pub struct PatternError {
    pub text: String,
    pub why: &'static str,
}

impl Pattern {
    pub fn parse(text: &str) -> Result<Pattern, PatternError> {
        let err = |why| PatternError {
            text: text.to_string(),
            why,
        };
        let b = text.trim();
        let mut steps = Vec::new();
        let mut rest = b;
        while !rest.is_empty() {
            if let Some(r) = rest.strip_prefix("..") {
                let (name, r) = ident(r);
                if name.is_empty() {
                    return Err(err("`..` needs a key name after it"));
                }
                steps.push(Step::Deep(name.to_string()));
                rest = r;
            } else if let Some(r) = rest.strip_prefix(".\"") {
                let (key, r) = quoted(r).ok_or_else(|| err("a quoted key is not closed"))?;
                steps.push(Step::Key(key));
                rest = r;
            } else if let Some(r) = rest.strip_prefix('.') {
                let (name, r) = ident(r);
                if name.is_empty() {
                    // `.[]` and `.[0]` are jq too.
                    if r.starts_with('[') {
                        rest = r;
                        continue;
                    }
                    return Err(err("a `.` must be followed by a key"));
                }
                steps.push(Step::Key(name.to_string()));
                rest = r;
            } else if let Some(r) = rest.strip_prefix("[]") {
                steps.push(Step::Any);
                rest = r;
            } else if let Some(r) = rest.strip_prefix("[\"") {
                let (key, r) = quoted(r).ok_or_else(|| err("a quoted key is not closed"))?;
                let r = r
                    .strip_prefix(']')
                    .ok_or_else(|| err("`[\"key\"` needs a closing `]`"))?;
                steps.push(Step::Key(key));
                rest = r;
            } else if let Some(r) = rest.strip_prefix('[') {
                let end = r.find(']').ok_or_else(|| err("`[` needs a closing `]`"))?;
                let n = r[..end]
                    .parse::<usize>()
                    .map_err(|_| err("inside [ ] write nothing, a number or a quoted key"))?;
                steps.push(Step::Index(n));
                rest = &r[end + 1..];
            } else {
                return Err(err("it must start with `.`"));
            }
        }
        if steps.is_empty() {
            return Err(err("`.` alone would ignore the whole answer"));
        }
        Ok(Pattern {
            text: b.to_string(),
            steps,
        })
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Whether the value at `path` is one this pattern names.
    pub fn matches(&self, path: &[Seg]) -> bool {
        let refs: Vec<At<'_>> = path
            .iter()
            .map(|s| match s {
                Seg::Key(k) => At::Key(k),
                Seg::Index(i) => At::Index(*i),
            })
            .collect();
        matches(&self.steps, &refs)
    }
}

fn ident(s: &str) -> (&str, &str) {
    let end = s
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
        .unwrap_or(s.len());
    s.split_at(end)
}

/// A JSON-style quoted key after its opening quote: the key and what follows the quote.
fn quoted(s: &str) -> Option<(String, &str)> {
    let mut escaped = false;
    for (i, c) in s.char_indices() {
        match c {
            '\\' if !escaped => escaped = true,
            '"' if !escaped => {
                let key: String = serde_json::from_str(&format!("\"{}\"", &s[..i])).ok()?;
                return Some((key, &s[i + 1..]));
            }
            _ => escaped = false,
        }
    }
    None
}

/// A step of the path being walked, borrowed from the value (no key is copied to match).
#[derive(Clone, Copy)]
enum At<'a> {
    Key(&'a str),
    Index(usize),
}

fn matches(steps: &[Step], path: &[At<'_>]) -> bool {
    match (steps.first(), path.first()) {
        (None, None) => true,
        (None, Some(_)) | (Some(_), None) => false,
        (Some(Step::Deep(name)), Some(first)) => {
            // The key here, or anywhere below.
            (matches!(first, At::Key(k) if k == name) && matches(&steps[1..], &path[1..]))
                || matches(steps, &path[1..])
        }
        (Some(step), Some(seg)) => {
            let here = match (step, seg) {
                (Step::Any, _) => true,
                (Step::Key(a), At::Key(b)) => a == b,
                (Step::Index(a), At::Index(b)) => a == b,
                _ => false,
            };
            here && matches(&steps[1..], &path[1..])
        }
    }
}

/// What is left out of one comparison: JSON paths and, for text, lines.
#[derive(Debug, Clone, Default)]
pub struct IgnoreList {
    pub patterns: Vec<Pattern>,
    /// Text answers: a line containing one of these loses what follows it.
    pub text_lines: Vec<&'static str>,
}

impl IgnoreList {
    /// The built-in list for `kind` and `command` plus the user's `extra` patterns (already
    /// checked when the config was read; one that does not parse is skipped here).
    pub fn for_command(kind: TargetKind, command: &str, extra: &[String]) -> IgnoreList {
        let (paths, text_lines) = builtin(kind, &normalize(command));
        let mut patterns: Vec<Pattern> = paths
            .iter()
            .chain(COMMON)
            .filter_map(|p| Pattern::parse(p).ok())
            .collect();
        patterns.extend(extra.iter().filter_map(|p| Pattern::parse(p).ok()));
        IgnoreList {
            patterns,
            text_lines: text_lines.to_vec(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.patterns.is_empty() && self.text_lines.is_empty()
    }

    /// `v` without what this list names. Text (a JSON string) loses its ignored lines.
    pub fn apply(&self, v: &Value) -> Value {
        match v {
            Value::String(s) if !self.text_lines.is_empty() => {
                // An ignored line keeps its place and what comes before the volatile part
                // (`Uptime: …`), so line numbers in a diff are the device's own.
                let mut kept = String::with_capacity(s.len());
                for l in s.lines() {
                    match self
                        .text_lines
                        .iter()
                        .find_map(|t| l.find(t).map(|at| at + t.len()))
                    {
                        Some(end) => {
                            kept.push_str(l[..end].trim_end());
                            kept.push_str(" …");
                        }
                        None => kept.push_str(l),
                    }
                    kept.push('\n');
                }
                Value::String(kept)
            }
            _ if self.patterns.is_empty() => v.clone(),
            _ => {
                let mut path = Vec::new();
                prune(v, &self.patterns, &mut path)
            }
        }
    }
}

/// A copy of `v` without the values at paths a pattern matches.
fn prune<'a>(v: &'a Value, patterns: &[Pattern], path: &mut Vec<At<'a>>) -> Value {
    let hit = |path: &[At<'_>]| patterns.iter().any(|p| matches(&p.steps, path));
    match v {
        Value::Object(m) => {
            let mut out = serde_json::Map::with_capacity(m.len());
            for (k, child) in m {
                path.push(At::Key(k));
                if !hit(path) {
                    out.insert(k.clone(), prune(child, patterns, path));
                }
                path.pop();
            }
            Value::Object(out)
        }
        Value::Array(a) => {
            let mut out = Vec::with_capacity(a.len());
            for (i, child) in a.iter().enumerate() {
                path.push(At::Index(i));
                if !hit(path) {
                    out.push(prune(child, patterns, path));
                }
                path.pop();
            }
            Value::Array(out)
        }
        other => other.clone(),
    }
}

/// The command without its targets, lower case, one space between words, and a REST
/// path without its query: `@tag:core  Show  Version` is `show version`.
pub fn normalize(command: &str) -> String {
    let words: Vec<&str> = command
        .split_whitespace()
        .skip_while(|w| w.starts_with('@'))
        .collect();
    let mut line = words.join(" ").to_ascii_lowercase();
    if let Some(q) = line.find('?') {
        line.truncate(q);
    }
    line
}

/// Changes on every device all the time, whatever the command.
const COMMON: &[&str] = &["..uptime", "..bootupTimestamp", "..utcTime"];

/// The built-in list: JSON patterns and text lines, by vendor and (normalized) command.
fn builtin(kind: TargetKind, command: &str) -> (&'static [&'static str], &'static [&'static str]) {
    match (kind, command) {
        (TargetKind::Eos, "show version") => (
            &[".memFree", ".serialNumber", ".systemMacAddress"],
            &["Uptime:", "Serial number:", "System MAC address:"],
        ),
        (TargetKind::Eos, c) if c.starts_with("show interfaces") => (
            &[
                ".interfaces[].interfaceCounters",
                ".interfaces[].interfaceStatistics",
                ".interfaces[].lastStatusChangeTimestamp",
                ".interfaces[].physicalAddress",
                ".interfaces[].burnedInAddress",
            ],
            &[],
        ),
        (TargetKind::Eos, c) if c.starts_with("show running-config") => (
            &[],
            &["! Command:", "! Startup-config last modified", "! device:"],
        ),
        (TargetKind::Asa, "show version") => (
            &[],
            &[
                " up ",
                "Serial Number:",
                "Configuration last modified",
                "failover cluster up",
            ],
        ),
        (TargetKind::Asa, c) if c.starts_with("show running-config") => (
            &[],
            &[": Serial Number:", ": Written by", "Cryptochecksum:"],
        ),
        (TargetKind::Asa, c) if c.starts_with("get /monitoring") => {
            (&["..upTimeinSecs", "..timestamp"], &[])
        }
        (TargetKind::Aoscx, c) if c.starts_with("get /system/interfaces") => {
            (&["..statistics", "..link_state_last_changed"], &[])
        }
        (TargetKind::Aoscx, c) if c.starts_with("get /system") || c == "show system" => (
            &[
                ".boot_time",
                ".mgmt_intf_status",
                "..statistics",
                "..serial_number",
                ".system_mac",
            ],
            &[],
        ),
        (TargetKind::Arubaos, "show version") => (&[], &["uptime is", "Reboot Time"]),
        (TargetKind::Central, _) => (
            &[
                "..last_modified",
                "..timestamp",
                "..updated_at",
                "..last_seen",
                "..client_count",
                "..uptime",
            ],
            &[],
        ),
        _ => (&[], &[]),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn segs(p: &[&str]) -> Vec<Seg> {
        p.iter()
            .map(|s| match s.parse::<usize>() {
                Ok(i) => Seg::Index(i),
                Err(_) => Seg::Key((*s).to_string()),
            })
            .collect()
    }

    #[test]
    fn patterns_parse_and_match() {
        let p = Pattern::parse(".interfaces[].interfaceCounters").expect("parse");
        assert!(p.matches(&segs(&["interfaces", "Ethernet1", "interfaceCounters"])));
        assert!(!p.matches(&segs(&["interfaces", "Ethernet1", "mtu"])));
        assert!(!p.matches(&segs(&["interfaces"])));
        let p = Pattern::parse("..timestamp").expect("parse");
        assert!(p.matches(&segs(&["aps", "3", "timestamp"])));
        assert!(p.matches(&segs(&["timestamp"])));
        assert!(!p.matches(&segs(&["timestamps"])));
        let p = Pattern::parse(r#".a."b c"[2]"#).expect("parse");
        assert!(p.matches(&segs(&["a", "b c", "2"])));
        let p = Pattern::parse(r#".["x"].y"#).expect("parse");
        assert!(p.matches(&segs(&["x", "y"])));
        for bad in [".", "uptime", ".a[", ".a[x]", "..", r#"."open"#] {
            let e = Pattern::parse(bad).expect_err(bad);
            assert!(e.to_string().contains("write it like .uptime"), "{e}");
        }
    }

    #[test]
    fn eos_show_version_ignores_uptime_memory_and_identity() {
        let l = IgnoreList::for_command(TargetKind::Eos, "@tag:eos show  Version", &[]);
        let v = json!({"version": "4.30.0F", "uptime": 3.5, "memFree": 1, "memTotal": 2,
            "serialNumber": "X", "bootupTimestamp": 9.0});
        assert_eq!(l.apply(&v), json!({"version": "4.30.0F", "memTotal": 2}));
        let t = Value::String(
            "Arista cEOSLab\nUptime:   6 minutes\nSoftware image version: 4.30\n".into(),
        );
        assert_eq!(
            l.apply(&t),
            Value::String("Arista cEOSLab\nUptime: …\nSoftware image version: 4.30\n".into())
        );
    }

    #[test]
    fn the_users_patterns_add_to_the_builtin_ones() {
        let l = IgnoreList::for_command(TargetKind::Eos, "show vlan", &[".vlans[].name".into()]);
        let v = json!({"vlans": {"1": {"name": "default", "status": "active"}}});
        assert_eq!(l.apply(&v), json!({"vlans": {"1": {"status": "active"}}}));
        assert_eq!(normalize("GET /system?depth=2"), "get /system");
    }
}
