//! `netdash run` and `netdash watch`: the engine without a screen. `run` sends one fan-out
//! and prints each result as it arrives; `watch` prints every engine event until stopped.
//! Both end with the engine's shutdown, which logs every session out. `run --every` (the
//! command repeated with changes marked) is in `every.rs`.

mod every;

pub use every::{EveryRequest, every, every_json, write_every_readable};

use std::io::Write;
use std::sync::Arc;

use serde_json::{Value, json};

use crate::config::Config;
use crate::drivers::Context;
use crate::drivers::http::{Clients, SHORT_IDLE};
use crate::engine::messages::Outcome;
use crate::engine::{self, EngineOptions, EngineRequest, Event};
use crate::kind::TargetKind;
use crate::sanitize;

/// The `--json` line for one result: `{"target","kind","ok","elapsed_ms","output"|"error"}`.
pub fn result_json(target: &str, kind: TargetKind, elapsed_ms: u64, outcome: &Outcome) -> Value {
    // Keys in the documented order: target, kind, ok, elapsed_ms, output | error.
    let mut v =
        json!({"target": target, "kind": kind, "ok": outcome.is_ok(), "elapsed_ms": elapsed_ms});
    match outcome {
        Outcome::Ok { output, notes, .. } => {
            v["output"] = output.clone();
            if !notes.is_empty() {
                v["notes"] = json!(notes);
            }
        }
        Outcome::Err { error, .. } => {
            v["error"] = json!(error);
        }
    }
    v
}

/// [`result_json`] as one line, safe on a terminal and still valid JSON.
pub fn result_line(target: &str, kind: TargetKind, elapsed_ms: u64, outcome: &Outcome) -> String {
    let v = result_json(target, kind, elapsed_ms, outcome);
    sanitize::json(&v.to_string()).into_owned()
}

/// Readable form of one result; a header line when there are several targets. Device text
/// is printed through [`sanitize`], so escape sequences in it are shown, not obeyed.
pub fn write_readable(
    out: &mut impl Write,
    target: &str,
    kind: TargetKind,
    elapsed_ms: u64,
    outcome: &Outcome,
    header: bool,
) -> std::io::Result<()> {
    if header {
        let status = if outcome.is_ok() { "ok" } else { "FAILED" };
        let h = format!("=== {target} ({kind}) {status} in {elapsed_ms} ms");
        writeln!(out, "{}", sanitize::one_line(&h))?;
    }
    match outcome {
        Outcome::Ok {
            output,
            notes,
            text,
            ..
        } => {
            for n in notes {
                writeln!(out, "note: {}", sanitize::one_line(n))?;
            }
            match (text, output) {
                (true, Value::String(t)) => {
                    write!(out, "{}", sanitize::for_terminal(t))?;
                    if !t.ends_with('\n') {
                        writeln!(out)?;
                    }
                }
                (_, v) => writeln!(
                    out,
                    "{}",
                    sanitize::json(
                        &serde_json::to_string_pretty(v).unwrap_or_else(|_| v.to_string())
                    )
                )?,
            }
        }
        Outcome::Err { error, .. } => {
            let e = format!("error: {target}: {error}");
            writeln!(out, "{}", sanitize::one_line(&e))?;
        }
    }
    Ok(())
}

/// What `run` was asked to do.
pub struct RunRequest {
    pub targets: Vec<String>,
    pub line: String,
    pub read_only: bool,
    pub concurrency: usize,
    pub json: bool,
}

/// How a run ended.
#[derive(Debug, PartialEq, Eq)]
pub enum RunEnd {
    /// Every target answered without error.
    AllOk,
    /// At least one target failed.
    SomeFailed,
    /// The command or the targets were rejected before anything ran.
    Rejected(String),
    /// Stopped by a signal before every result arrived.
    Interrupted,
    /// `--compare`: every target answered and all answers were equal (after ignoring).
    Equal,
    /// `--compare`: answers differ, or a target failed (its own group, "failed").
    Differ,
}

/// Run one fan-out on the engine, printing results as they finish. `only` limits the
/// engine to the selected targets (no sessions for the rest).
pub async fn run(
    config: Arc<Config>,
    ctx: Context,
    req: RunRequest,
    only: Vec<String>,
    out: &mut impl Write,
    err: &mut impl Write,
) -> std::io::Result<RunEnd> {
    fan_out(config, ctx, req, only, false, out, err).await
}

/// `run --compare`: the same fan-out, its answers printed as groups of equal answers with
/// each group's diff against the largest (see `crate::compare`); ends `Equal` or `Differ`.
pub async fn run_compare(
    config: Arc<Config>,
    ctx: Context,
    req: RunRequest,
    only: Vec<String>,
    out: &mut impl Write,
    err: &mut impl Write,
) -> std::io::Result<RunEnd> {
    fan_out(config, ctx, req, only, true, out, err).await
}

async fn fan_out(
    config: Arc<Config>,
    mut ctx: Context,
    req: RunRequest,
    only: Vec<String>,
    compare: bool,
    out: &mut impl Write,
    err: &mut impl Write,
) -> std::io::Result<RunEnd> {
    let many = only.len() > 1;
    // Each connection serves one device's command: close it a second after, so a fan-out
    // over thousands holds only the connections in flight (see `Clients::with_idle`).
    ctx.clients = Arc::new(Clients::with_idle(ctx.timeout, SHORT_IDLE));
    let ignore = config.settings.ignore.clone();
    let mut answers: Vec<crate::compare::Answer> = Vec::new();
    let opts = EngineOptions {
        poll_interval: None,
        concurrency: req.concurrency,
        read_only: req.read_only,
        only: Some(only),
        // Found before targets were selected (`drivers::msp::expand`).
        discover_tenants: false,
        logout_after_run: true,
        ..EngineOptions::default()
    };
    let mut engine = engine::start(config, ctx, opts);
    let _guard = engine::guard::install(&engine);
    let _ = engine.commands.send(EngineRequest::Run {
        id: 1,
        targets: req.targets,
        line: req.line.clone(),
        interactive: false,
    });
    let mut end = None;
    let mut failed_any = false;
    // A closed stdout (`| head -1`) must not skip the logout: remember the error, stop the
    // engine, and keep draining until every session is closed.
    let mut broken: Option<std::io::Error> = None;
    macro_rules! emit {
        ($e:expr) => {
            if broken.is_none()
                && let Err(e) = (|| -> std::io::Result<()> {
                    $e;
                    Ok(())
                })()
            {
                broken = Some(e);
                end.get_or_insert(RunEnd::Interrupted);
                let _ = engine.commands.send(EngineRequest::Shutdown);
            }
        };
    }
    let stop = crate::signals::wait_for_stop();
    tokio::pin!(stop);
    loop {
        let ev = tokio::select! {
            ev = engine.events.recv() => ev,
            () = &mut stop, if end.is_none() => {
                end = Some(RunEnd::Interrupted);
                let _ = engine.commands.send(EngineRequest::Shutdown);
                continue;
            }
        };
        let Some(ev) = ev else { break };
        match ev {
            Event::RunStarted { skipped, .. } => {
                for (name, why) in skipped {
                    let l = format!("netdash: skipped {name}: {why}");
                    emit!(writeln!(err, "{}", sanitize::one_line(&l))?);
                }
            }
            Event::RunRejected { error, .. } => {
                end = Some(RunEnd::Rejected(error));
                let _ = engine.commands.send(EngineRequest::Shutdown);
            }
            Event::Result {
                target,
                kind,
                elapsed_ms,
                outcome,
                ..
            } => {
                failed_any |= !outcome.is_ok();
                if compare {
                    answers.push(crate::compare::Answer {
                        target,
                        kind,
                        result: match outcome {
                            Outcome::Ok { output, .. } => Ok(output),
                            Outcome::Err { error, .. } => Err(error),
                        },
                    });
                    continue;
                }
                emit!({
                    if req.json {
                        writeln!(out, "{}", result_line(&target, kind, elapsed_ms, &outcome))?;
                    } else {
                        write_readable(out, &target, kind, elapsed_ms, &outcome, many)?;
                    }
                    out.flush()?;
                });
            }
            Event::Progress { done, total, .. } if done == total && end.is_none() => {
                end = Some(if failed_any {
                    RunEnd::SomeFailed
                } else {
                    RunEnd::AllOk
                });
                let _ = engine.commands.send(EngineRequest::Shutdown);
            }
            Event::Alarm {
                target,
                what: "logout",
                message,
                ..
            } => {
                let l = format!("netdash: {target}: logout failed: {message}");
                let _ = writeln!(err, "{}", sanitize::one_line(&l));
            }
            Event::ShutdownComplete { failed, .. } => {
                for (name, why) in failed {
                    // stderr may be gone too; the logout already happened (or failed).
                    let l = format!("netdash: {name}: logout failed: {why}");
                    let _ = writeln!(err, "{}", sanitize::one_line(&l));
                }
                break;
            }
            _ => {}
        }
    }
    if let Some(e) = broken {
        return Err(e);
    }
    let end = end.unwrap_or(RunEnd::Interrupted);
    if compare && matches!(end, RunEnd::AllOk | RunEnd::SomeFailed) {
        let c = crate::compare::Comparison::build(&answers, &req.line, &ignore, true, None);
        if req.json {
            let doc = crate::compare::report::json(&c).to_string();
            writeln!(out, "{}", sanitize::json(&doc))?;
        } else {
            write!(
                out,
                "{}",
                sanitize::for_terminal(&crate::compare::report::text(&c))
            )?;
        }
        out.flush()?;
        return Ok(if c.all_equal() {
            RunEnd::Equal
        } else {
            RunEnd::Differ
        });
    }
    Ok(end)
}

/// Print engine events as lines until Ctrl-C, SIGTERM or SIGHUP; then log out and stop.
pub async fn watch(
    config: Arc<Config>,
    ctx: Context,
    opts: EngineOptions,
    json_lines: bool,
    out: &mut impl Write,
) -> std::io::Result<()> {
    let mut engine = engine::start(config, ctx, opts);
    let _guard = engine::guard::install(&engine);
    let stop = crate::signals::wait_for_stop();
    tokio::pin!(stop);
    let mut stopping = false;
    while let Some(ev) = engine.next_until_stopped(&mut stop, &mut stopping).await {
        let last = matches!(ev, Event::ShutdownComplete { .. });
        // A closed pipe (`| head`) or a dropped terminal must not stop the logout.
        let written = if json_lines {
            event_line(&ev).and_then(|l| writeln!(out, "{l}"))
        } else {
            writeln!(out, "{}", human(&ev))
        };
        if written.and_then(|()| out.flush()).is_err() && !stopping {
            stopping = true;
            let _ = engine.commands.send(EngineRequest::Shutdown);
        }
        if last {
            break;
        }
    }
    Ok(())
}

/// One `watch --json` line: the serialized event, safe on a terminal and still valid JSON.
pub fn event_line(ev: &Event) -> std::io::Result<String> {
    let l = serde_json::to_string(ev).map_err(std::io::Error::other)?;
    Ok(sanitize::json(&l).into_owned())
}

/// One readable line per event; device text (hostnames, errors) is escaped, and a newline
/// in it cannot start a forged line.
pub fn human(ev: &Event) -> String {
    sanitize::one_line(&human_raw(ev)).into_owned()
}

fn human_raw(ev: &Event) -> String {
    let now = chrono_like_now();
    match ev {
        Event::Session {
            target,
            state,
            session,
            ..
        } => {
            let extra = match state {
                engine::SessionState::BackingOff { reason, .. } => format!(": {reason}"),
                _ => String::new(),
            };
            format!(
                "{now} {target:<16} session {} ({}, held {}){extra}",
                state.word(),
                session.auth,
                session.held
            )
        }
        Event::Polled {
            target,
            latency_ms,
            facts,
        } => format!(
            "{now} {target:<16} polled in {latency_ms} ms: {} {} {}",
            facts.hostname.as_deref().unwrap_or("-"),
            facts.model.as_deref().unwrap_or("-"),
            facts.version.as_deref().unwrap_or("-")
        ),
        Event::PollFailed { target, error } => format!("{now} {target:<16} poll failed: {error}"),
        Event::Budget { account, budget } => format!(
            "{now} {account:<16} budget {}/{} this second, day {}/{} left, 429s {}",
            budget.used_this_second,
            budget.per_second_limit,
            budget.remaining_day.map_or("?".into(), |r| r.to_string()),
            budget.limit_day.map_or("?".into(), |r| r.to_string()),
            budget.throttled
        ),
        Event::Central {
            account,
            sites,
            aps,
            ..
        } => format!(
            "{now} {account:<16} {} sites, {} APs ({} down)",
            sites.len(),
            aps.len(),
            aps.iter().filter(|a| !a.up).count()
        ),
        Event::ApDatabase { conductor, aps, .. } => format!(
            "{now} {conductor:<16} {} APs ({} down)",
            aps.len(),
            aps.iter().filter(|a| !a.up).count()
        ),
        Event::Alarm {
            target,
            message,
            raised,
            ..
        } => format!(
            "{now} {target:<16} alarm {}: {message}",
            if *raised { "raised" } else { "cleared" }
        ),
        Event::DevicesChanged { added, removed } => format!(
            "{now} devices changed: {} added or changed, {} removed or changed",
            added.len(),
            removed.len()
        ),
        Event::AccountsAdded { parent, accounts } => format!(
            "{now} {parent:<16} tenants added: {}",
            accounts
                .iter()
                .map(|a| a.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Event::Log { message } => format!("{now} {message}"),
        Event::ShutdownComplete { logged_out, failed } => format!(
            "{now} shut down: {logged_out} sessions logged out, {} failed",
            failed.len()
        ),
        Event::RunStarted { line, total, .. } => format!("{now} run '{line}' on {total} targets"),
        Event::RunRejected { error, .. } => format!("{now} run rejected: {error}"),
        Event::Result {
            target, outcome, ..
        } => format!(
            "{now} {target:<16} result {}",
            if outcome.is_ok() { "ok" } else { "failed" }
        ),
        Event::Progress {
            done,
            failed,
            total,
            ..
        } => format!("{now} progress {done}/{total} ({failed} failed)"),
        Event::RequestSent {
            target, request, ..
        } => format!(
            "{now} {target:<16} sent {} {}",
            request.method,
            request.url.display()
        ),
    }
}

fn chrono_like_now() -> String {
    crate::clock::hms(std::time::SystemTime::now())
}
