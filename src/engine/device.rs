//! One actor per device: it owns the device's single session (shared by the console and
//! background polling, so netdash never eats the device's small session budget), runs jobs
//! one at a time, polls on its own timer, and walks the session state machine
//! (disconnected → logging in → connected → refreshing → backing off → closed).

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use rand::Rng;
use tokio::sync::{Mutex, mpsc, oneshot};

use super::ap_database;
use super::backoff::Backoff;
use super::messages::{Event, SessionState, SessionView};
use super::poll;
use crate::command::Command;
use crate::drivers::{CommandOutput, Session, VendorError};
use crate::kind::TargetKind;

/// Work for a device actor.
pub enum Job {
    Run {
        cmd: Command,
        reply: oneshot::Sender<Result<CommandOutput, VendorError>>,
    },
    Poll,
    Reconnect,
    Close,
}

/// How a device actor behaves.
#[derive(Debug, Clone)]
pub struct ActorOptions {
    /// Background poll interval; None: no polling (`netdash run`).
    pub poll_interval: Option<Duration>,
    pub backoff_base: Duration,
    pub backoff_cap: Duration,
    /// Renew a session this long before a hard deadline (AOS-CX 8 h, eAPI cookie 24 h).
    pub renew_margin: Duration,
    /// How many devices this engine polls: their first polls are spread so that no more
    /// than [`FIRST_POLLS_PER_SEC`] start each second.
    pub fleet: usize,
    /// Log out as soon as a command has been answered (`netdash run`: each session serves
    /// one command).
    pub logout_after_run: bool,
}

/// First polls (each a login, so each a TLS handshake and an AAA request at the device)
/// started per second at most: 10,000 devices come up over 50 s instead of in one burst
/// that would hold 10,000 connections at once. Later polls keep the phase of the first.
pub const FIRST_POLLS_PER_SEC: u64 = 200;

/// When a device's first poll is due, from now: at random within a tenth of the interval
/// (at most 2 s) for a small fleet, and within `fleet / FIRST_POLLS_PER_SEC` seconds (at
/// most the interval) for a large one.
fn first_poll_delay(interval: Duration, fleet: usize) -> Duration {
    let small = (interval.as_millis() as u64 / 10).clamp(1, 2000);
    let large = (fleet as u64).saturating_mul(1000) / FIRST_POLLS_PER_SEC;
    let spread = small.max(large).min(interval.as_millis() as u64).max(1);
    Duration::from_millis(rand::rng().random_range(0..spread))
}

/// Errors that mean the device (not the command) is the problem: back off.
fn is_connectivity(e: &VendorError) -> bool {
    matches!(
        e,
        VendorError::Connect(_)
            | VendorError::Timeout(..)
            | VendorError::Tls(_)
            | VendorError::Auth(_)
            // Only a session rejected even after a fresh login gets here (see Session::execute).
            | VendorError::Expired(_)
            | VendorError::SessionLimit(_)
            | VendorError::Config(_)
    )
}

/// The device answered, but not usefully: a 5xx, a 429, a garbled or cut-off body. Only
/// the background poll backs off for these; a user's command that meets one is reported.
fn is_device_failure(e: &VendorError) -> bool {
    matches!(
        e,
        VendorError::Http {
            status: 429 | 500..=599,
            ..
        } | VendorError::BadResponse(_)
            | VendorError::RateLimited(_)
            | VendorError::TooLarge { .. }
    )
}

pub struct DeviceActor {
    pub name: String,
    pub kind: TargetKind,
    pub session: Arc<Mutex<Session>>,
    pub events: mpsc::Sender<Event>,
    pub jobs: mpsc::Receiver<Job>,
    pub opts: ActorOptions,
    state: SessionState,
    backoff: Backoff,
    retry_at: Option<Instant>,
    next_poll: Option<Instant>,
    last_view: Option<SessionView>,
    /// A "down" alarm is raised and not yet cleared (recovery passes through `LoggingIn`,
    /// so the previous state alone cannot tell).
    down_alarm: bool,
    /// Why the last AP database poll failed (a Conductor): logged once, not every poll.
    ap_database_error: Option<String>,
}

impl DeviceActor {
    pub fn new(
        name: String,
        kind: TargetKind,
        session: Arc<Mutex<Session>>,
        events: mpsc::Sender<Event>,
        jobs: mpsc::Receiver<Job>,
        opts: ActorOptions,
    ) -> Self {
        // Stagger first polls so a thousand devices are not polled in the same instant.
        let next_poll = opts
            .poll_interval
            .map(|i| Instant::now() + first_poll_delay(i, opts.fleet));
        DeviceActor {
            backoff: Backoff::new(opts.backoff_base, opts.backoff_cap),
            name,
            kind,
            session,
            events,
            jobs,
            opts,
            state: SessionState::Disconnected,
            retry_at: None,
            next_poll,
            last_view: None,
            down_alarm: false,
            ap_database_error: None,
        }
    }

    pub async fn run(mut self) {
        self.publish().await;
        loop {
            let wake = self.next_wake();
            let job = tokio::select! {
                j = self.jobs.recv() => {
                    // Nobody can ask for this device any more (`:reload` removed it): its
                    // session must not outlive it.
                    let Some(j) = j else {
                        self.logout().await;
                        return;
                    };
                    j
                }
                () = sleep_until(wake) => Job::Poll,
            };
            match job {
                Job::Run { cmd, reply } => {
                    let r = self.execute(&cmd).await;
                    let _ = reply.send(r);
                    // Thousands of sessions logged out at exit would not fit the 3 s
                    // shutdown grace (nor the devices' session slots meanwhile): each
                    // closes as its command is done, spread over the fan-out.
                    if self.opts.logout_after_run {
                        self.logout_reporting().await;
                    }
                }
                // A session closed by hand stays closed until someone asks for it.
                Job::Poll if self.state == SessionState::Closed => {
                    self.next_poll = None;
                }
                Job::Poll => self.poll().await,
                Job::Reconnect => {
                    self.next_poll = self.opts.poll_interval.map(|i| Instant::now() + i);
                    self.logout().await;
                    self.retry_at = None;
                    self.backoff.reset();
                    let _ = self.ensure_login().await;
                }
                Job::Close => {
                    self.retry_at = None;
                    self.logout().await;
                    self.set_state(SessionState::Closed).await;
                }
            }
        }
    }

    fn next_wake(&self) -> Option<Instant> {
        let renew = self.renew_at();
        [self.next_poll, self.retry_at, renew]
            .into_iter()
            .flatten()
            .min()
    }

    /// When to renew ahead of a hard deadline: only while polling keeps the session in use.
    fn renew_at(&self) -> Option<Instant> {
        self.opts.poll_interval?;
        // Only a live session is renewed: a stale deadline of a session that is down would
        // make this "now" forever and spin the actor.
        if self.state != SessionState::Connected {
            return None;
        }
        let view = self.last_view.as_ref()?;
        let deadline = [view.hard_deadline, view.expires_at]
            .into_iter()
            .flatten()
            .min()?;
        let left = deadline
            .duration_since(SystemTime::now())
            .unwrap_or(Duration::ZERO);
        // Checked: a deadline a device put centuries ahead means "no renewal needed".
        Instant::now().checked_add(left.saturating_sub(self.opts.renew_margin))
    }

    async fn set_state(&mut self, s: SessionState) {
        if self.state != s {
            // A device going down raises an alarm once; working again (or closed) clears it.
            let alarm = match &s {
                SessionState::BackingOff { reason, .. } if !self.down_alarm => {
                    Some((reason.clone(), true))
                }
                SessionState::Connected | SessionState::Closed if self.down_alarm => {
                    Some(("working again".to_string(), false))
                }
                _ => None,
            };
            if let Some((_, raised)) = &alarm {
                self.down_alarm = *raised;
            }
            self.state = s;
            self.last_view = None; // force a publish
            if let Some((message, raised)) = alarm {
                let _ = self
                    .events
                    .send(Event::Alarm {
                        target: self.name.clone(),
                        what: "down",
                        message,
                        raised,
                    })
                    .await;
            }
        }
        self.publish().await;
    }

    /// Send a Session event when the state or the session's deadlines changed.
    async fn publish(&mut self) {
        let view = SessionView::from_facts(&self.session.lock().await.facts());
        if self.last_view.as_ref() == Some(&view) {
            return;
        }
        self.last_view = Some(view.clone());
        let _ = self
            .events
            .send(Event::Session {
                target: self.name.clone(),
                kind: self.kind,
                state: self.state.clone(),
                session: view,
            })
            .await;
    }

    async fn ensure_login(&mut self) -> Result<(), VendorError> {
        if self.session.lock().await.is_logged_in() {
            return Ok(());
        }
        self.set_state(SessionState::LoggingIn).await;
        let r = self.session.lock().await.login().await;
        match &r {
            // The backoff resets only when a command works: stateless logins (Basic)
            // succeed without touching the device.
            Ok(()) => self.set_state(SessionState::Connected).await,
            Err(e) => self.back_off(e).await,
        }
        r
    }

    async fn back_off(&mut self, e: &VendorError) {
        if matches!(e, VendorError::Auth(_) | VendorError::Config(_)) {
            // Retrying a wrong password quickly could lock the account.
            self.backoff.saturate();
        }
        let delay = self.backoff.next_delay();
        self.retry_at = Some(Instant::now() + delay);
        // The session is unusable: forget it locally so the next try logs in afresh.
        let _ = self.session.lock().await.logout().await;
        self.set_state(SessionState::BackingOff {
            reason: crate::engine::messages::error_line(e),
            retry_at: SystemTime::now() + delay,
        })
        .await;
    }

    async fn execute(&mut self, cmd: &Command) -> Result<CommandOutput, VendorError> {
        // Refuse what this API cannot take before spending one of the device's sessions.
        self.session.lock().await.precheck(cmd)?;
        if self.state == SessionState::Closed {
            // Asked for again: polling resumes with the session.
            self.next_poll = self.opts.poll_interval.map(|i| Instant::now() + i);
        }
        // Someone asked for this device: try now even if backing off.
        self.ensure_login().await?;
        let r = self.session.lock().await.execute(cmd).await;
        match &r {
            Err(e) if is_connectivity(e) => self.back_off(e).await,
            _ => {
                self.backoff.reset();
                self.retry_at = None;
                if matches!(
                    self.state,
                    SessionState::BackingOff { .. }
                        | SessionState::Disconnected
                        | SessionState::LoggingIn
                ) {
                    self.set_state(SessionState::Connected).await;
                } else {
                    self.publish().await;
                }
            }
        }
        r
    }

    async fn poll(&mut self) {
        let now = Instant::now();
        if let Some(at) = self.renew_at()
            && at <= now
            && self.session.lock().await.is_logged_in()
        {
            self.set_state(SessionState::Refreshing).await;
            self.logout().await;
        }
        if let Some(i) = self.opts.poll_interval {
            self.next_poll = Some(now + i);
        } else {
            self.next_poll = None;
        }
        if self.retry_at.is_some_and(|t| t > now) {
            return;
        }
        let Some(cmd) = poll::health_command(self.kind) else {
            return;
        };
        let start = Instant::now();
        match self.execute(&cmd).await {
            Ok(out) => {
                let facts = poll::facts(self.kind, &out.to_value());
                let firmware = facts.version.clone().unwrap_or_default();
                let _ = self
                    .events
                    .send(Event::Polled {
                        target: self.name.clone(),
                        latency_ms: start.elapsed().as_millis() as u64,
                        facts,
                    })
                    .await;
                if self.kind == TargetKind::Arubaos {
                    self.poll_ap_database(&firmware).await;
                }
            }
            Err(e) => {
                // The health command is ours and known good: a failure of it is the
                // device's, so back off rather than poll a broken device at full rate.
                // (Connectivity errors were backed off in execute already.)
                if is_device_failure(&e) {
                    self.back_off(&e).await;
                }
                let _ = self
                    .events
                    .send(Event::PollFailed {
                        target: self.name.clone(),
                        error: crate::engine::messages::error_line(&e),
                    })
                    .await;
            }
        }
    }

    /// A Conductor's APs, in the session the health poll just used (no extra login: the
    /// Conductor allows 64 sessions for every CLI, web and API user together).
    async fn poll_ap_database(&mut self, firmware: &str) {
        let db = self
            .execute(&Command::Cli(ap_database::DATABASE_COMMAND.into()))
            .await;
        let mut aps = match db {
            Ok(out) => ap_database::parse_database(&out.to_value(), firmware),
            Err(e) => {
                // The device is up (its health poll answered): say why the APs are
                // missing, once per new reason (not every poll), and keep polling.
                let why = crate::engine::messages::error_line(&e);
                if self.ap_database_error.as_ref() != Some(&why) {
                    let _ = self
                        .events
                        .send(Event::Log {
                            message: format!("{}: show ap database long failed: {why}", self.name),
                        })
                        .await;
                    self.ap_database_error = Some(why);
                }
                return;
            }
        };
        self.ap_database_error = None;
        // Clients are a nicety: without them the APs still show. Asked either way, so
        // it counts as a call either way.
        let calls = 2;
        if let Ok(out) = self
            .execute(&Command::Cli(ap_database::ACTIVE_COMMAND.into()))
            .await
        {
            ap_database::merge_clients(&mut aps, &ap_database::parse_active(&out.to_value()));
        }
        let now = SystemTime::now();
        let next_at = self
            .opts
            .poll_interval
            .and_then(|i| now.checked_add(i))
            .unwrap_or(now);
        let _ = self
            .events
            .send(Event::ApDatabase {
                conductor: self.name.clone(),
                aps,
                at: now,
                calls,
                next_at,
            })
            .await;
    }

    /// Log out, and raise a "logout" alarm if the device did not take it: the session
    /// may still be open there, and `run` says so on stderr.
    async fn logout_reporting(&mut self) {
        let r = self.session.lock().await.logout().await;
        self.set_state(SessionState::Disconnected).await;
        if let Err(e) = r {
            let _ = self
                .events
                .send(Event::Alarm {
                    target: self.name.clone(),
                    what: "logout",
                    message: super::messages::error_line(&e),
                    raised: true,
                })
                .await;
        }
    }

    async fn logout(&mut self) {
        let r = self.session.lock().await.logout().await;
        if let Err(e) = r {
            tracing::warn!(target = %self.name, error = %e, "logout failed");
        }
        self.set_state(SessionState::Disconnected).await;
    }
}

async fn sleep_until(t: Option<Instant>) {
    match t {
        Some(t) => tokio::time::sleep_until(t.into()).await,
        None => std::future::pending().await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn max_delay(interval: Duration, fleet: usize) -> Duration {
        (0..2000)
            .map(|_| first_poll_delay(interval, fleet))
            .max()
            .unwrap_or_default()
    }

    #[test]
    fn a_small_fleet_is_polled_within_two_seconds() {
        let m = max_delay(Duration::from_secs(60), 10);
        assert!(m < Duration::from_secs(2), "{m:?}");
        let m = max_delay(Duration::from_secs(5), 10);
        assert!(m < Duration::from_millis(500), "{m:?}");
    }

    #[test]
    fn a_large_fleet_starts_at_most_200_devices_a_second() {
        // 10,000 devices: first polls spread over 50 s (2,000 draws all under 45 s would
        // mean the spread is missing).
        let m = max_delay(Duration::from_secs(60), 10_000);
        assert!(m > Duration::from_secs(45), "{m:?}");
        assert!(m < Duration::from_secs(50), "{m:?}");
        // Never beyond one interval, however many devices.
        let m = max_delay(Duration::from_secs(60), 1_000_000);
        assert!(m < Duration::from_secs(60), "{m:?}");
        assert!(m > Duration::from_secs(55), "{m:?}");
    }
}
