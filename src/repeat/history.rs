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

/// One target's answer in one run.
#[derive(Debug, Clone, PartialEq)]
pub enum Answer {
    Json(Value),
    Text(String),
    Error(String),
    /// Over [`ANSWER_CAP`]: not kept, not compared.
    TooBig(usize),
}

impl Answer {
    /// The answer as kept: text answers as text, big ones as their size.
    pub fn new(output: Value, text: bool) -> Answer {
        match output {
            Value::String(t) if text => {
                if t.len() > ANSWER_CAP {
                    Answer::TooBig(t.len())
                } else {
                    Answer::Text(t)
                }
            }
            v => {
                let size = serde_json::to_vec(&v).map_or(usize::MAX, |b| b.len());
                if size > ANSWER_CAP {
                    Answer::TooBig(size)
                } else {
                    Answer::Json(v)
                }
            }
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
}

impl Run {
    pub fn new(n: u64, at: SystemTime) -> Run {
        Run {
            n,
            at,
            answers: BTreeMap::new(),
        }
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
            Answer::TooBig(ANSWER_CAP + 1)
        );
        assert!(matches!(
            Answer::new(json!({"a": big}), false),
            Answer::TooBig(_)
        ));
        assert_eq!(
            Answer::new(json!("short"), true),
            Answer::Text("short".into())
        );
    }
}
