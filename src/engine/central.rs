//! A Central account in the engine: a few console workers and one background poller, each
//! with its own driver instance (they share the token store, so one refresh serves all),
//! and one sliding-window limiter that every call passes just before it is sent. Console
//! requests are served before polling; polling pages through sites and APs with what the
//! budget leaves.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::time::{Duration, Instant, SystemTime};

use serde_json::Value;
use tokio::sync::{Mutex, Notify, mpsc, oneshot};
use tokio::task::JoinHandle;

use super::EngineOptions;
use super::messages::{AccessPoint, Budget, Event, SessionState, SessionView, Site};
use crate::command::{Command, Method};
use crate::config::CentralConfig;
use crate::drivers::central_limiter::{Limiter, Priority};
use crate::drivers::{CommandOutput, Context, Session, VendorError};

/// Work for a Central account.
pub enum CentralJob {
    Run {
        cmd: Command,
        /// From the console (served first) rather than a script or the poller.
        interactive: bool,
        reply: oneshot::Sender<Result<CommandOutput, VendorError>>,
    },
    Poll,
}

type Sessions = Vec<Arc<Mutex<Session>>>;

/// Token refreshes per session of one account (each session counts its own), so the
/// account's total can be reported without locking the other sessions.
#[derive(Clone)]
struct Refreshes {
    seen: Arc<[AtomicU32]>,
    slot: usize,
}

impl Refreshes {
    fn note(&self, s: &Session) -> u64 {
        if let Some(c) = self.seen.get(self.slot) {
            c.store(s.facts().relogins, Ordering::Relaxed);
        }
        self.seen
            .iter()
            .map(|c| u64::from(c.load(Ordering::Relaxed)))
            .sum()
    }
}

/// A driver instance wired to the account's limiter.
fn session(
    cfg: &CentralConfig,
    ctx: &Context,
    limiter: &Limiter,
    p: Priority,
) -> Result<Session, VendorError> {
    let mut s = Session::for_central(cfg, ctx)?;
    if let Some(c) = s.central_mut() {
        c.set_limiter(limiter.clone(), p);
    }
    Ok(s)
}

/// Start the workers and the poller. Returns every session (for shutdown) and the tasks.
/// An account whose config cannot make a session answers every job with the reason.
pub fn spawn(
    cfg: &CentralConfig,
    ctx: &Context,
    opts: &EngineOptions,
    events: mpsc::Sender<Event>,
    jobs: mpsc::Receiver<CentralJob>,
) -> (Sessions, Vec<JoinHandle<()>>) {
    // Build every session first: a config error must not leave half a pool running.
    let limiter = Limiter::new(cfg.calls_per_second, Duration::from_secs(1));
    let mut made = Vec::new();
    let polled = opts.poll_interval.is_some();
    for i in 0..opts.central_workers.max(1) + usize::from(polled) {
        let p = if i < opts.central_workers.max(1) {
            Priority::Console
        } else {
            Priority::Background
        };
        match session(cfg, ctx, &limiter, p) {
            Ok(s) => made.push(Arc::new(Mutex::new(s))),
            Err(e) => return (Vec::new(), vec![tokio::spawn(broken(jobs, e))]),
        }
    }
    start_pool(cfg, opts, events, jobs, limiter, made)
}

fn start_pool(
    cfg: &CentralConfig,
    opts: &EngineOptions,
    events: mpsc::Sender<Event>,
    mut jobs: mpsc::Receiver<CentralJob>,
    limiter: Limiter,
    mut made: Sessions,
) -> (Sessions, Vec<JoinHandle<()>>) {
    let name = cfg.name.clone();
    let sessions = made.clone();
    let mut tasks = Vec::new();
    let (work_tx, work_rx) =
        mpsc::channel::<(Command, oneshot::Sender<Result<CommandOutput, VendorError>>)>(1024);
    let work_rx = Arc::new(Mutex::new(work_rx));
    let seen: Arc<[AtomicU32]> = made.iter().map(|_| AtomicU32::new(0)).collect();
    let poller_session = opts.poll_interval.and_then(|_| made.pop());
    // One "pair only in memory" alarm for the account, whichever session sees it first.
    let unsaved = Arc::new(AtomicBool::new(false));
    let workers = made.len();
    for (slot, s) in made.into_iter().enumerate() {
        tasks.push(tokio::spawn(worker(
            name.clone(),
            s,
            work_rx.clone(),
            limiter.clone(),
            events.clone(),
            unsaved.clone(),
            Refreshes {
                seen: seen.clone(),
                slot,
            },
        )));
    }
    let poke = Arc::new(Notify::new());
    if let (Some(interval), Some(s)) = (opts.poll_interval, poller_session) {
        tasks.push(tokio::spawn(poller(
            name.clone(),
            s,
            limiter.clone(),
            interval,
            poke.clone(),
            events.clone(),
            unsaved.clone(),
            Refreshes {
                seen,
                slot: workers,
            },
        )));
    }
    tasks.push(tokio::spawn(async move {
        while let Some(job) = jobs.recv().await {
            match job {
                CentralJob::Run { cmd, reply, .. } => {
                    if work_tx.send((cmd, reply)).await.is_err() {
                        return;
                    }
                }
                CentralJob::Poll => poke.notify_one(),
            }
        }
    }));
    (sessions, tasks)
}

/// A Central account whose config cannot make a session answers every job with why.
pub async fn broken(mut rx: mpsc::Receiver<CentralJob>, e: VendorError) {
    while let Some(job) = rx.recv().await {
        if let CentralJob::Run { reply, .. } = job {
            let _ = reply.send(Err(e.clone()));
        }
    }
}

async fn budget(
    name: &str,
    s: &Session,
    limiter: &Limiter,
    refreshes: &Refreshes,
    events: &mpsc::Sender<Event>,
) {
    let f = s.facts();
    // The account's figures (any of its sessions may have seen the latest headers).
    let mut b = Budget::from_rate(
        limiter.per_window(),
        limiter.used_in_window(),
        limiter.background_waiting(),
        Some(limiter.rate()),
    );
    b.token_expires_at = f.expires_at;
    b.last_refresh = f.since;
    b.token_refreshes = refreshes.note(s);
    let _ = events
        .send(Event::Budget {
            account: name.to_string(),
            budget: b,
        })
        .await;
}

/// Raise (once per account) or clear the alarm for a rotated token pair that could not be
/// saved: it lives only in memory, and the old refresh token is already dead.
async fn unsaved_alarm(name: &str, s: &Session, raised: &AtomicBool, events: &mpsc::Sender<Event>) {
    let why = s
        .central()
        .and_then(crate::drivers::central::Central::unsaved_pair);
    let was = raised.swap(why.is_some(), Ordering::SeqCst);
    let (message, up) = match (why, was) {
        (Some(why), false) => (
            format!(
                "{name}: the rotated token pair lives only in memory ({why}); netdash retries the save before every call: fix the token directory before netdash exits, or paste a fresh pair into the config afterwards"
            ),
            true,
        ),
        (None, true) => (format!("{name}: the token pair is saved again"), false),
        _ => return,
    };
    let _ = events
        .send(Event::Alarm {
            target: name.to_string(),
            what: "tokens",
            message,
            raised: up,
        })
        .await;
}

type WorkQueue =
    Arc<Mutex<mpsc::Receiver<(Command, oneshot::Sender<Result<CommandOutput, VendorError>>)>>>;

async fn worker(
    name: String,
    session: Arc<Mutex<Session>>,
    queue: WorkQueue,
    limiter: Limiter,
    events: mpsc::Sender<Event>,
    unsaved: Arc<AtomicBool>,
    refreshes: Refreshes,
) {
    loop {
        let Some((cmd, reply)) = queue.lock().await.recv().await else {
            return;
        };
        let mut s = session.lock().await;
        let r = s.execute(&cmd).await;
        unsaved_alarm(&name, &s, &unsaved, &events).await;
        budget(&name, &s, &limiter, &refreshes, &events).await;
        drop(s);
        let _ = reply.send(r);
    }
}

#[expect(
    clippy::too_many_arguments,
    reason = "the poller task owns its account's handles, each moved in once at spawn"
)]
async fn poller(
    name: String,
    session: Arc<Mutex<Session>>,
    limiter: Limiter,
    interval: Duration,
    poke: Arc<Notify>,
    events: mpsc::Sender<Event>,
    unsaved: Arc<AtomicBool>,
    refreshes: Refreshes,
) {
    let mut last_view: Option<(SessionState, SessionView)> = None;
    let mut stretched_to: Option<Duration> = None;
    let mut alarms = Alarms::default();
    loop {
        let result = poll_once(&session).await;
        // Polling must not eat the daily quota: it spends at most half of what is left
        // today, the rest stays for the people at the console.
        let calls = result.as_ref().map_or(1, |(_, _, c)| *c);
        let every = quota_interval(
            interval,
            calls,
            limiter.rate().remaining_day,
            SystemTime::now(),
        );
        let stretched = (every > interval).then_some(every);
        if stretched.map(|d| d.as_secs() / 60) != stretched_to.map(|d| d.as_secs() / 60) {
            let message = match stretched {
                Some(d) => format!(
                    "{name}: polls every {} s to spare the daily quota",
                    d.as_secs()
                ),
                None => format!("{name}: polling every {} s again", interval.as_secs()),
            };
            let _ = events.send(Event::Log { message }).await;
        }
        stretched_to = stretched;
        let result = result.map(|(sites, aps, _)| (sites, aps));
        let next_at = {
            let now = SystemTime::now();
            now.checked_add(every.min(Duration::from_secs(86_400)))
                .unwrap_or(now)
        };
        for (what, message, raised) in alarms.update(result.as_ref().err(), &limiter.rate()) {
            let _ = events
                .send(Event::Alarm {
                    target: name.clone(),
                    what,
                    message,
                    raised,
                })
                .await;
        }
        let state = match &result {
            Ok(_) => SessionState::Connected,
            Err(e) => SessionState::BackingOff {
                reason: crate::engine::messages::error_line(e),
                retry_at: SystemTime::now() + interval,
            },
        };
        {
            let s = session.lock().await;
            unsaved_alarm(&name, &s, &unsaved, &events).await;
            budget(&name, &s, &limiter, &refreshes, &events).await;
            let view = SessionView::from_facts(&s.facts());
            if last_view.as_ref() != Some(&(state.clone(), view.clone())) {
                last_view = Some((state.clone(), view.clone()));
                let _ = events
                    .send(Event::Session {
                        target: name.clone(),
                        kind: crate::kind::TargetKind::Central,
                        state,
                        session: view,
                    })
                    .await;
            }
        }
        match result {
            Ok((sites, aps)) => {
                let _ = events
                    .send(Event::Central {
                        account: name.clone(),
                        sites,
                        aps,
                        at: SystemTime::now(),
                        calls,
                        next_at,
                    })
                    .await;
            }
            Err(e) => {
                let _ = events
                    .send(Event::PollFailed {
                        target: name.clone(),
                        error: crate::engine::messages::error_line(&e),
                    })
                    .await;
            }
        }
        // Wake for the next poll, a poke, or to renew the token ahead of its expiry.
        // Checked: a far-off instant (a huge interval or expiry) must not panic; it
        // just means "not before the next poll".
        let next = far(every);
        let renew = {
            let s = session.lock().await;
            s.facts().expires_at.map(|t| {
                let left = t
                    .duration_since(SystemTime::now())
                    .unwrap_or(Duration::ZERO);
                // Renew at 90 % of the remaining life, at least a few seconds ahead.
                far(left
                    .mul_f64(0.9)
                    .min(left.saturating_sub(Duration::from_secs(5))))
            })
        };
        let wake = renew.map_or(next, |r| r.min(next));
        tokio::select! {
            () = tokio::time::sleep_until(wake.into()) => {}
            () = poke.notified() => {}
        }
        if renew.is_some_and(|r| r <= Instant::now()) && Instant::now() < next {
            let mut s = session.lock().await;
            let r = s.renew().await;
            if let Err(e) = r {
                tracing::warn!(account = %name, error = %e, "token renewal failed");
            }
            drop(s);
            // Back to sleep until the poll is due.
            tokio::select! {
                () = tokio::time::sleep_until(next.into()) => {}
                () = poke.notified() => {}
            }
        }
    }
}

/// `now + d`, or a day from now if that overflows or is further: the loop wakes again then.
fn far(d: Duration) -> Instant {
    let now = Instant::now();
    now.checked_add(d.min(Duration::from_secs(86_400)))
        .unwrap_or(now)
}

/// What is wrong with a Central account right now: its poll fails, or its daily quota is
/// nearly used up. Reports only changes.
#[derive(Default)]
struct Alarms {
    failing: bool,
    quota_low: bool,
}

impl Alarms {
    fn update(
        &mut self,
        error: Option<&VendorError>,
        rate: &crate::drivers::RateFacts,
    ) -> Vec<(&'static str, String, bool)> {
        let mut out = Vec::new();
        if error.is_some() != self.failing {
            self.failing = error.is_some();
            out.push(match error {
                Some(e) => ("poll", format!("polling fails: {e}"), true),
                None => ("poll", "polling works again".to_string(), false),
            });
        }
        let low = match (rate.limit_day, rate.remaining_day) {
            (Some(limit), Some(left)) => left.saturating_mul(10) < limit,
            _ => false,
        };
        if low != self.quota_low {
            self.quota_low = low;
            out.push(if low {
                (
                    "quota",
                    format!(
                        "daily quota nearly used: {} of {} calls left until 00:00 UTC",
                        rate.remaining_day.unwrap_or(0),
                        rate.limit_day.unwrap_or(0)
                    ),
                    true,
                )
            } else {
                ("quota", "daily quota has room again".to_string(), false)
            });
        }
        out
    }
}

/// How often to poll so that polling spends at most half of the daily calls left until the
/// quota resets at 00:00 UTC (never more often than `base`).
pub fn quota_interval(
    base: Duration,
    calls_per_poll: usize,
    remaining_day: Option<u64>,
    now: SystemTime,
) -> Duration {
    let Some(left) = remaining_day else {
        return base;
    };
    let secs = now
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let to_reset = 86_400 - secs % 86_400;
    let polls = (left / 2) / (calls_per_poll.max(1) as u64);
    if polls == 0 {
        return base.max(Duration::from_secs(to_reset));
    }
    base.max(Duration::from_secs(to_reset / polls))
}

/// Fetch every page of `path` (offset/limit), collecting the items under `key`; also
/// returns the calls it took.
async fn pages(
    session: &Arc<Mutex<Session>>,
    path: &str,
    key: &str,
) -> Result<(Vec<Value>, usize), VendorError> {
    const LIMIT: usize = 1000;
    // Bounded memory for a wall screen: no account has more (the AP list is a view).
    const MAX_ITEMS: usize = 100_000;
    let mut items = Vec::new();
    let mut offset = 0;
    let mut calls = 0;
    loop {
        calls += 1;
        let sep = if path.contains('?') { '&' } else { '?' };
        let cmd = Command::Rest {
            method: Method::Get,
            path: format!("{path}{sep}offset={offset}&limit={LIMIT}&calculate_total=true"),
            body: None,
        };
        let out = session.lock().await.execute(&cmd).await?.to_value();
        let (page, total) = page_of(&out, key);
        let n = page.len();
        items.extend(page);
        offset += n;
        // The gateway may cap a page below our limit: go by `total` when it is given.
        let done = match total {
            Some(t) => offset >= t,
            None => n < LIMIT,
        };
        if n == 0 || done || offset >= MAX_ITEMS {
            return Ok((items, calls));
        }
    }
}

fn text(v: &Value, k: &str) -> String {
    match v.get(k) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    }
}

/// One page of a Central list: its items under `key` and the `total` it announces.
pub fn page_of(out: &Value, key: &str) -> (Vec<Value>, Option<usize>) {
    let page = out
        .get(key)
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let total = out
        .get("total")
        .and_then(Value::as_u64)
        .map(|t| usize::try_from(t).unwrap_or(usize::MAX));
    (page, total)
}

/// Sites and APs, and the calls they took.
async fn poll_once(
    session: &Arc<Mutex<Session>>,
) -> Result<(Vec<Site>, Vec<AccessPoint>, usize), VendorError> {
    let (raw_sites, site_calls) = pages(session, "/central/v2/sites", "sites").await?;
    let (raw_aps, ap_calls) = pages(session, "/monitoring/v2/aps", "aps").await?;
    let (sites, aps) = summarize(&raw_sites, &raw_aps);
    Ok((sites, aps, site_calls + ap_calls))
}

/// The sites and APs of raw Central pages, with AP counts per site.
pub fn summarize(raw_sites: &[Value], raw_aps: &[Value]) -> (Vec<Site>, Vec<AccessPoint>) {
    let aps: Vec<AccessPoint> = raw_aps
        .iter()
        .map(|a| AccessPoint {
            name: text(a, "name"),
            serial: text(a, "serial"),
            site: text(a, "site"),
            model: text(a, "model"),
            ip: text(a, "ip_address"),
            mac: text(a, "macaddr"),
            up: text(a, "status").eq_ignore_ascii_case("up"),
            clients: a.get("client_count").and_then(Value::as_u64),
            firmware: text(a, "firmware_version"),
        })
        .collect();
    let mut counts: HashMap<&str, (usize, usize)> = HashMap::new();
    for a in &aps {
        let c = counts.entry(a.site.as_str()).or_default();
        if a.up {
            c.0 += 1;
        } else {
            c.1 += 1;
        }
    }
    let sites = raw_sites
        .iter()
        .map(|s| {
            let name = text(s, "site_name");
            let (up, down) = counts.get(name.as_str()).copied().unwrap_or((0, 0));
            Site {
                id: text(s, "site_id"),
                name,
                aps_up: up,
                aps_down: down,
            }
        })
        .collect();
    (sites, aps)
}

#[cfg(test)]
mod tests {
    use super::{quota_interval, summarize};
    use proptest::prelude::*;
    use serde_json::{Value, json};
    use std::time::{Duration, SystemTime, UNIX_EPOCH};

    fn field() -> impl Strategy<Value = Value> {
        prop_oneof![
            Just(Value::Null),
            any::<u64>().prop_map(|n| json!(n)),
            any::<i64>().prop_map(|n| json!(n)),
            prop_oneof![
                Just("Up"),
                Just("up"),
                Just("Down"),
                Just("HQ"),
                Just("Lab")
            ]
            .prop_map(|s| json!(s)),
            ".{0,8}".prop_map(Value::String),
        ]
    }

    proptest! {
        /// Any AP page maps to the shared model: one AP per item, up only for "up",
        /// clients only when the gateway gave a count, and each AP counted in its site.
        #[test]
        fn central_aps_map_to_the_shared_model(
            items in prop::collection::vec(prop::collection::btree_map(
                prop_oneof![Just("name"), Just("site"), Just("status"), Just("client_count"), Just("macaddr"), Just("ip_address")],
                field(), 0..6), 0..40),
        ) {
            let raw: Vec<Value> = items.iter().map(|m| json!(m)).collect();
            let sites = [json!({"site_id": 1, "site_name": "HQ"}), json!({"site_id": 2, "site_name": "Lab"})];
            let (s, aps) = summarize(&sites, &raw);
            prop_assert_eq!(aps.len(), raw.len());
            for (ap, item) in aps.iter().zip(&raw) {
                prop_assert_eq!(ap.up, item.get("status").and_then(Value::as_str).is_some_and(|t| t.eq_ignore_ascii_case("up")));
                prop_assert_eq!(ap.clients, item.get("client_count").and_then(Value::as_u64));
            }
            let in_sites = aps.iter().filter(|a| a.site == "HQ" || a.site == "Lab").count();
            prop_assert_eq!(s.iter().map(|x| x.aps_up + x.aps_down).sum::<usize>(), in_sites);
        }
    }

    #[test]
    fn polling_leaves_half_the_daily_quota_to_people() {
        let base = Duration::from_secs(30);
        // Noon UTC: 43,200 s to the reset.
        let noon = UNIX_EPOCH + Duration::from_secs(20_000 * 86_400 + 43_200);
        // Plenty left: the configured interval.
        assert_eq!(quota_interval(base, 2, Some(100_000), noon), base);
        // 1,000 left, 2 calls a poll: 250 polls in 12 h, one every 172 s.
        assert_eq!(
            quota_interval(base, 2, Some(1000), noon),
            Duration::from_secs(172)
        );
        // Nothing to spare: wait for the reset.
        assert_eq!(
            quota_interval(base, 2, Some(1), noon),
            Duration::from_secs(43_200)
        );
        assert_eq!(quota_interval(base, 2, None, SystemTime::now()), base);
    }
}
