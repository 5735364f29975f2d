//! The runs a repeat keeps: the first (the baseline for "since the first run") and the
//! last [`RUNS_KEPT`], each target's answer capped at [`ANSWER_CAP`] bytes, so a repeat
//! left running for a day holds the same memory as one left for a minute.

use std::collections::{BTreeMap, VecDeque};
use std::time::SystemTime;

use serde_json::Value;

use super::changes::{self, Changes, LineChange};

/// Runs kept to step through.
pub const RUNS_KEPT: usize = 20;
/// Bytes of one answer kept (serialized); a bigger one is kept as its size only.
pub const ANSWER_CAP: usize = 1 << 20;
/// Bytes of all of one run's answers kept: a fan-out to a thousand switches keeps the
/// first 8 MB of answers and the sizes of the rest (21 runs: at most 168 MB).
pub const RUN_CAP: usize = 8 << 20;

/// One target's answer in one run.
#[derive(Debug, Clone, PartialEq)]
pub enum Answer {
    Json(Value),
    Text(String),
    Error(String),
    /// Over [`ANSWER_CAP`], or past the run's [`RUN_CAP`]: not kept, not compared.
    TooBig {
        bytes: usize,
        run_full: bool,
    },
}

/// Counts what a serializer writes, without keeping it.
struct Count(usize);

impl std::io::Write for Count {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0 = self.0.saturating_add(b.len());
        Ok(b.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// An answer's size as kept: the text's bytes, or the JSON's serialized.
pub fn size(output: &Value, text: bool) -> usize {
    match output {
        Value::String(t) if text => t.len(),
        v => {
            let mut c = Count(0);
            serde_json::to_writer(&mut c, v).map_or(usize::MAX, |()| c.0)
        }
    }
}

impl Answer {
    /// The answer as kept: text answers as text, big ones as their size.
    pub fn new(output: Value, text: bool) -> Answer {
        let bytes = size(&output, text);
        Answer::sized(output, text, bytes, false)
    }

    fn sized(output: Value, text: bool, bytes: usize, run_full: bool) -> Answer {
        if bytes > ANSWER_CAP || run_full {
            return Answer::TooBig { bytes, run_full };
        }
        match output {
            Value::String(t) if text => Answer::Text(t),
            v => Answer::Json(v),
        }
    }
}

/// One run: when it started and each target's answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Run {
    /// 1 for the first run.
    pub n: u64,
    pub at: SystemTime,
    pub answers: BTreeMap<String, Answer>,
    /// Bytes of the answers kept, against [`RUN_CAP`].
    pub bytes: usize,
    /// How long each target took to answer in this run.
    pub elapsed_ms: BTreeMap<String, u64>,
}

impl Run {
    pub fn new(n: u64, at: SystemTime) -> Run {
        Run {
            n,
            at,
            answers: BTreeMap::new(),
            bytes: 0,
            elapsed_ms: BTreeMap::new(),
        }
    }

    /// Keep `target`'s answer, within [`ANSWER_CAP`] and [`RUN_CAP`].
    pub fn add(&mut self, target: String, output: Value, text: bool) {
        // A target answering twice in one run replaces its answer: uncount the old first.
        self.uncount(&target);
        let bytes = size(&output, text);
        let full = self.bytes.saturating_add(bytes) > RUN_CAP;
        let a = Answer::sized(output, text, bytes, full);
        if matches!(a, Answer::Json(_) | Answer::Text(_)) {
            self.bytes += bytes;
        }
        self.answers.insert(target, a);
    }

    /// Keep an answer as it is (an error line, or one made by [`Answer::new`]).
    pub fn insert(&mut self, target: String, a: Answer) {
        self.uncount(&target);
        let bytes = match &a {
            Answer::Json(v) => size(v, false),
            Answer::Text(t) => t.len(),
            _ => 0,
        };
        self.bytes = self.bytes.saturating_add(bytes);
        self.answers.insert(target, a);
    }

    fn uncount(&mut self, target: &str) {
        let old = match self.answers.get(target) {
            Some(Answer::Json(v)) => size(v, false),
            Some(Answer::Text(t)) => t.len(),
            _ => 0,
        };
        self.bytes = self.bytes.saturating_sub(old);
    }
}

/// Compared with which run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Since {
    #[default]
    Previous,
    First,
}

impl Since {
    #[must_use]
    pub fn toggled(self) -> Since {
        match self {
            Since::Previous => Since::First,
            Since::First => Since::Previous,
        }
    }

    pub fn word(self) -> &'static str {
        match self {
            Since::Previous => "since the previous run",
            Since::First => "since the first run",
        }
    }
}

/// What changed in one target's answer between two runs.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Diff {
    pub json: Changes,
    pub lines: Vec<LineChange>,
    /// Seconds between the two runs' starts (for rates); 0 when unknown.
    pub secs: f64,
    /// The earlier run had no comparable answer (first run, an error, a different kind).
    pub no_baseline: bool,
}

impl Diff {
    pub fn count(&self) -> usize {
        self.json.changes.len() + self.lines.len()
    }
}

/// The changes in `target`'s answer from `old` to `new`.
pub fn diff(old: Option<&Run>, new: &Run, target: &str) -> Diff {
    let secs = old
        .and_then(|o| new.at.duration_since(o.at).ok())
        .map_or(0.0, |d| d.as_secs_f64());
    let before = old.and_then(|o| o.answers.get(target));
    match (before, new.answers.get(target)) {
        (Some(Answer::Json(a)), Some(Answer::Json(b))) => Diff {
            json: changes::json(a, b),
            secs,
            ..Diff::default()
        },
        (Some(Answer::Text(a)), Some(Answer::Text(b))) => Diff {
            lines: changes::lines(a, b),
            secs,
            ..Diff::default()
        },
        _ => Diff {
            no_baseline: true,
            secs,
            ..Diff::default()
        },
    }
}

/// The first run and the last [`RUNS_KEPT`].
#[derive(Debug, Clone, Default)]
pub struct History {
    first: Option<Run>,
    runs: VecDeque<Run>,
}

impl History {
    pub fn push(&mut self, run: Run) {
        if self.first.is_none() {
            self.first = Some(run.clone());
        }
        self.runs.push_back(run);
        while self.runs.len() > RUNS_KEPT {
            self.runs.pop_front();
        }
    }

    /// Runs kept (at most [`RUNS_KEPT`]).
    pub fn len(&self) -> usize {
        self.runs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.runs.is_empty()
    }

    /// The run `back` steps before the latest (0: the latest).
    pub fn back(&self, back: usize) -> Option<&Run> {
        let i = self.runs.len().checked_sub(back.checked_add(1)?)?;
        self.runs.get(i)
    }

    pub fn first(&self) -> Option<&Run> {
        self.first.as_ref()
    }

    /// What the run `back` steps before the latest is compared with.
    pub fn baseline(&self, back: usize, since: Since) -> Option<&Run> {
        match since {
            Since::First => self.first(),
            // The oldest kept run's predecessor is gone: nothing to compare with.
            Since::Previous => self.back(back.checked_add(1)?),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::time::Duration;

    #[test]
    fn a_run_keeps_at_most_run_cap_bytes() {
        let mut r = Run::new(1, SystemTime::UNIX_EPOCH);
        let half = "y".repeat(ANSWER_CAP - 10);
        let mut kept = 0;
        for i in 0..20 {
            r.add(format!("sw{i:02}"), Value::String(half.clone()), true);
            if matches!(r.answers[&format!("sw{i:02}")], Answer::Text(_)) {
                kept += 1;
            }
        }
        assert_eq!(kept, RUN_CAP / (ANSWER_CAP - 10));
        assert!(r.bytes <= RUN_CAP);
        assert_eq!(
            r.answers["sw19"],
            Answer::TooBig {
                bytes: ANSWER_CAP - 10,
                run_full: true
            }
        );
        // Answering again replaces, and is counted once.
        let before = r.bytes;
        r.add("sw00".into(), Value::String(half.clone()), true);
        assert_eq!(r.bytes, before);
    }

    fn run(n: u64, v: Value) -> Run {
        let mut r = Run::new(n, SystemTime::UNIX_EPOCH + Duration::from_secs(n * 5));
        r.answers.insert("sw".into(), Answer::new(v, false));
        r
    }

    #[test]
    fn keeps_the_first_and_the_last_twenty() {
        let mut h = History::default();
        for n in 1..=30 {
            h.push(run(n, json!({"c": n * 100})));
        }
        assert_eq!(h.len(), RUNS_KEPT);
        assert_eq!(h.back(0).map(|r| r.n), Some(30));
        assert_eq!(h.back(19).map(|r| r.n), Some(11));
        assert_eq!(h.back(20).map(|r| r.n), None);
        assert_eq!(h.back(usize::MAX).map(|r| r.n), None);
        assert_eq!(h.first().map(|r| r.n), Some(1));
        assert_eq!(h.baseline(0, Since::Previous).map(|r| r.n), Some(29));
        assert_eq!(h.baseline(19, Since::Previous).map(|r| r.n), None);
        assert_eq!(h.baseline(3, Since::First).map(|r| r.n), Some(1));
        let latest = h.back(0).expect("latest");
        let d = diff(h.baseline(0, Since::First), latest, "sw");
        assert!((d.secs - 145.0).abs() < 1e-9);
        assert_eq!(
            d.json.changes[0].delta,
            Some(super::changes::Delta::Int(2900))
        );
        assert!(diff(None, latest, "sw").no_baseline);
    }

    #[test]
    fn big_answers_are_kept_as_their_size() {
        let big = "x".repeat(ANSWER_CAP + 1);
        assert_eq!(
            Answer::new(Value::String(big.clone()), true),
            Answer::TooBig {
                bytes: ANSWER_CAP + 1,
                run_full: false
            }
        );
        assert!(matches!(
            Answer::new(json!({"a": big}), false),
            Answer::TooBig { .. }
        ));
        assert_eq!(size(&json!({"a": [1, "x"]}), false), 13);
        assert_eq!(
            Answer::new(json!("short"), true),
            Answer::Text("short".into())
        );
    }
}
