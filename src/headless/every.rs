//! `netdash run --every 5s TARGETS -- CMD`: the command again and again on the same
//! sessions (the engine keeps them; nothing logs in per run), each run's answers printed
//! with what changed since the previous run marked. Runs never overlap; Central targets
//! stretch the interval to their budget (said once on stderr). Ctrl-C, SIGTERM or
//! `--count N` runs end it, and the engine's shutdown logs every session out.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use serde_json::{Value, json};

use super::{RunEnd, RunRequest, result_json};
use crate::config::Config;
use crate::drivers::Context;
use crate::engine::messages::Outcome;
use crate::engine::{self, EngineOptions, EngineRequest, Event};
use crate::kind::TargetKind;
use crate::repeat::changes::{Change, Delta, LineChange};
use crate::repeat::history::{self, Answer, History, Run};
use crate::repeat::{lines, schedule};
use crate::sanitize;

/// What `run --every` was asked to do.
pub struct EveryRequest {
    pub run: RunRequest,
    pub every: Duration,
    /// Stop after this many runs (none: until a signal).
    pub count: Option<u64>,
}

/// A delta as a JSON number: exact when it fits i64 or u64.
fn delta_json(d: Delta) -> Value {
    match d {
        Delta::Int(i) => i64::try_from(i)
            .map(Value::from)
            .or_else(|_| u64::try_from(i).map(Value::from))
            .unwrap_or_else(|_| json!(d.as_f64())),
        Delta::Float(f) => json!(f),
    }
}

fn change_json(c: &Change, secs: f64) -> Value {
    let mut v = json!({"path": c.path, "old": c.old, "new": c.new});
    if let Some(d) = c.delta {
        v["delta"] = delta_json(d);
        if let Some(r) = d.per_second(secs) {
            v["per_second"] = json!((r * 1000.0).round() / 1000.0);
        }
    }
    v
}

fn line_json(c: &LineChange) -> Value {
    json!({"line": c.line, "old": c.old, "new": c.new})
}

/// The `--json` line for one target in one run: `run --json`'s fields plus `run`, `at`,
/// `since` (the run compared with, null for the first) and `changes` / `changed_lines`.
pub fn every_json(
    run: &Run,
    target: &str,
    kind: TargetKind,
    elapsed_ms: u64,
    outcome: &Outcome,
    diff: &history::Diff,
    since: Option<u64>,
) -> String {
    let mut v = result_json(target, kind, elapsed_ms, outcome);
    v["run"] = json!(run.n);
    let at = run
        .at
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64());
    v["at"] = json!((at * 1000.0).round() / 1000.0);
    v["since"] = json!(since);
    if outcome.is_ok() {
        v["changes"] = diff
            .json
            .changes
            .iter()
            .map(|c| change_json(c, diff.secs))
            .collect();
        if !diff.lines.is_empty() {
            v["changed_lines"] = diff.lines.iter().map(line_json).collect();
        }
        if diff.json.truncated {
            v["changes_truncated"] = json!(true);
        }
    }
    sanitize::json(&v.to_string()).into_owned()
}

/// The readable form of one target in one run: a header with the count of changes, then
/// the answer with changed lines starred and their delta, rate or old value beside them.
pub fn write_every_readable(
    out: &mut impl Write,
    target: &str,
    kind: TargetKind,
    elapsed_ms: u64,
    answer: &Answer,
    diff: &history::Diff,
    first: bool,
) -> std::io::Result<()> {
    let status = if matches!(answer, Answer::Error(_)) {
        "FAILED"
    } else {
        "ok"
    };
    let changed = if first || diff.no_baseline {
        String::new()
    } else {
        match diff.count() {
            0 => ": no changes".into(),
            1 => ": 1 change".into(),
            n => format!(": {n} changes"),
        }
    };
    let h = format!("=== {target} ({kind}) {status} in {elapsed_ms} ms{changed}");
    writeln!(out, "{}", sanitize::one_line(&h))?;
    for l in lines::answer(answer, diff) {
        let star = if l.mark.is_some() { '*' } else { ' ' };
        if l.note.is_empty() {
            writeln!(out, "{star} {}", l.text)?;
        } else {
            writeln!(out, "{star} {}  {}", l.text, l.note)?;
        }
    }
    Ok(())
}

/// Repeat one fan-out on the engine until `count` runs, a signal or a closed stdout.
pub async fn every(
    config: Arc<Config>,
    ctx: Context,
    req: EveryRequest,
    only: Vec<String>,
    out: &mut impl Write,
    err: &mut impl Write,
) -> std::io::Result<RunEnd> {
    let opts = EngineOptions {
        poll_interval: None,
        concurrency: req.run.concurrency,
        read_only: req.run.read_only,
        only: Some(only),
        discover_tenants: false,
        ..EngineOptions::default()
    };
    let mut engine = engine::start(config, ctx, opts);
    let _guard = engine::guard::install(&engine);
    let stop = crate::signals::wait_for_stop();
    tokio::pin!(stop);

    let commands = engine.commands.clone();
    let shutdown = || {
        let _ = commands.send(EngineRequest::Shutdown);
    };
    let send = |n: u64| {
        let _ = commands.send(EngineRequest::Run {
            id: n,
            targets: req.run.targets.clone(),
            line: req.run.line.clone(),
            interactive: false,
        });
    };
    let mut hist = History::default();
    let mut run = Run::new(1, SystemTime::now());
    let mut started = tokio::time::Instant::now();
    send(1);
    let mut due: Option<tokio::time::Instant> = None;
    let mut end: Option<RunEnd> = None;
    let mut failed_any = false;
    let mut broken: Option<std::io::Error> = None;
    let mut budgets: BTreeMap<String, Option<u64>> = BTreeMap::new();
    let mut central: BTreeSet<String> = BTreeSet::new();
    let mut said_plan: Option<String> = None;
    let mut runs_done = 0u64;
    loop {
        let ev = tokio::select! {
            ev = engine.events.recv() => ev,
            () = &mut stop, if end.is_none() => {
                end = Some(if failed_any { RunEnd::SomeFailed } else { RunEnd::AllOk });
                let l = format!("netdash: stopped after {runs_done} runs; logging every session out");
                let _ = writeln!(err, "{l}");
                shutdown();
                continue;
            }
            () = async {
                match due {
                    Some(d) => tokio::time::sleep_until(d).await,
                    None => std::future::pending().await,
                }
            }, if end.is_none() => {
                due = None;
                let n = runs_done + 1;
                run = Run::new(n, SystemTime::now());
                started = tokio::time::Instant::now();
                send(n);
                continue;
            }
        };
        let Some(ev) = ev else { break };
        match ev {
            Event::RunStarted { id: 1, skipped, .. } => {
                for (name, why) in skipped {
                    let l = format!("netdash: skipped {name}: {why}");
                    let _ = writeln!(err, "{}", sanitize::one_line(&l));
                }
            }
            Event::RunRejected { error, .. } if end.is_none() => {
                end = Some(RunEnd::Rejected(error));
                shutdown();
            }
            Event::Budget { account, budget } => {
                budgets.insert(account, budget.remaining_day);
            }
            Event::Result {
                id,
                target,
                kind,
                elapsed_ms,
                outcome,
            } if id == run.n && end.is_none() => {
                failed_any |= !outcome.is_ok();
                if kind == TargetKind::Central {
                    central.insert(target.clone());
                }
                match &outcome {
                    Outcome::Ok { output, text, .. } => {
                        run.add(target.clone(), output.clone(), *text);
                    }
                    Outcome::Err { error, .. } => {
                        run.insert(target.clone(), Answer::Error(error.clone()));
                    }
                }
                let Some(answer) = run.answers.get(&target) else {
                    continue;
                };
                // Compared with the last complete run.
                let base = hist.back(0);
                let diff = history::diff(base, &run, &target);
                let written = (|| -> std::io::Result<()> {
                    if req.run.json {
                        let since = base.map(|b| b.n);
                        let l = every_json(&run, &target, kind, elapsed_ms, &outcome, &diff, since);
                        writeln!(out, "{l}")?;
                    } else {
                        write_every_readable(
                            out,
                            &target,
                            kind,
                            elapsed_ms,
                            answer,
                            &diff,
                            base.is_none(),
                        )?;
                    }
                    out.flush()
                })();
                if let Err(e) = written {
                    broken.get_or_insert(e);
                    end = Some(RunEnd::Interrupted);
                    shutdown();
                }
            }
            Event::Progress {
                id, done, total, ..
            } if id == run.n && done == total && end.is_none() => {
                runs_done = run.n;
                hist.push(std::mem::replace(&mut run, Run::new(0, SystemTime::now())));
                if req.count.is_some_and(|c| runs_done >= c) {
                    end = Some(if failed_any {
                        RunEnd::SomeFailed
                    } else {
                        RunEnd::AllOk
                    });
                    shutdown();
                    continue;
                }
                let left = central
                    .iter()
                    .map(|a| (a.as_str(), budgets.get(a).copied().flatten()));
                let plan = schedule::plan(req.every, left, SystemTime::now());
                if plan.note() != said_plan {
                    let l = plan.note().unwrap_or_else(|| plan.describe());
                    let _ = writeln!(err, "netdash: {}", sanitize::one_line(&l));
                    said_plan = plan.note();
                }
                let now = tokio::time::Instant::now();
                due = Some(tokio::time::Instant::from_std(schedule::next_start(
                    started.into_std(),
                    now.into_std(),
                    plan.every,
                )));
                if !req.run.json {
                    let at = crate::clock::hms(SystemTime::now());
                    let _ = writeln!(
                        out,
                        "--- run {} done at {at}; next {}",
                        runs_done,
                        plan.describe()
                    );
                }
            }
            Event::ShutdownComplete { failed, .. } => {
                for (name, why) in failed {
                    let l = format!("netdash: {name}: logout failed: {why}");
                    let _ = writeln!(err, "{}", sanitize::one_line(&l));
                }
                break;
            }
            _ => {}
        }
    }
    match broken {
        Some(e) => Err(e),
        None => Ok(end.unwrap_or(RunEnd::Interrupted)),
    }
}
