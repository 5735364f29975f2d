//! A sliding-window rate limiter with two priorities, for Central's 7 calls per second per
//! customer. Every call of one account asks the same limiter for a permit just before it is
//! sent (retries included) and holds it until the answer is in. Console requests are
//! served before background polling.
//!
//! A call occupies its slot from the permit until one window after its answer arrived.
//! The gateway counts a call when it *arrives*, which is somewhere between our send and
//! our receipt of the answer; anchoring the window at the answer is therefore safe however
//! late a request reaches the gateway (a loaded machine, a slow link), where anchoring it at
//! the send time with a fixed margin is not. The price is one round trip per slot cycle:
//! on a 5 ms lab link 7 calls per 1.005 s (99 % of the budget).
//!
//! The gateway has the last word: the limit it announces (`X-RateLimit-Limit-second`)
//! lowers ours, and a 429's `Retry-After` pauses every caller of the account, not only the
//! one that was refused.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{Notify, mpsc, oneshot};
use tokio::time::Instant;

use super::RateFacts;

/// Who is asking: the person at the console, or the background poller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Priority {
    Console,
    Background,
}

/// Handle to a running limiter; cheap to clone.
#[derive(Clone)]
pub struct Limiter {
    console: mpsc::UnboundedSender<oneshot::Sender<Permit>>,
    background: mpsc::UnboundedSender<oneshot::Sender<Permit>>,
    state: Arc<Shared>,
    /// The configured calls per window (the gateway may announce fewer).
    pub configured: usize,
    pub window: Duration,
}

struct Shared {
    /// Slots taken: calls in flight plus calls answered within the last window.
    in_window: AtomicUsize,
    waiting_background: AtomicUsize,
    /// Calls allowed per window now: the configured figure, or fewer if the gateway says so.
    limit: AtomicUsize,
    /// No permits before this instant (a 429's Retry-After).
    paused_until: Mutex<Option<Instant>>,
    /// Wakes the grant loop when the limit or the pause changes.
    changed: Notify,
    /// The account's latest `X-RateLimit-*` figures and its 429 count, whichever of the
    /// account's sessions saw them: one budget per account, not one per worker.
    rate: Mutex<RateFacts>,
    /// The last call to the OAuth token endpoint (it allows one per second per account).
    token_call: tokio::sync::Mutex<Option<Instant>>,
}

/// The right to send one request. Keep it until the answer (or the failure) is in: its
/// slot's window starts when it is dropped.
#[must_use = "the window starts when the permit is dropped; hold it across the request"]
pub struct Permit {
    slot: u64,
    done: mpsc::UnboundedSender<(u64, Instant)>,
    /// Counted as answered this much later than the drop (see [`Permit::unanswered`]).
    extra: Duration,
}

impl Permit {
    /// The request failed without an answer (timeout, reset): it may still reach the
    /// gateway later, so its slot stays taken one more window.
    pub fn unanswered(mut self, window: Duration) {
        self.extra = window;
    }
}

impl Drop for Permit {
    fn drop(&mut self) {
        let _ = self.done.send((self.slot, Instant::now() + self.extra));
    }
}

/// Counts a background caller as waiting for as long as it waits, even if its future is
/// dropped mid-wait.
struct Waiting<'a>(&'a AtomicUsize);

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

impl Limiter {
    /// At most `per_window` calls counted in any `window`. Spawns the limiter task on the
    /// current runtime; it ends when every handle is dropped.
    pub fn new(per_window: usize, window: Duration) -> Limiter {
        let (ctx, crx) = mpsc::unbounded_channel();
        let (btx, brx) = mpsc::unbounded_channel();
        let per_window = per_window.max(1);
        let state = Arc::new(Shared {
            in_window: AtomicUsize::new(0),
            waiting_background: AtomicUsize::new(0),
            limit: AtomicUsize::new(per_window),
            paused_until: Mutex::new(None),
            changed: Notify::new(),
            rate: Mutex::new(RateFacts::default()),
            token_call: tokio::sync::Mutex::new(None),
        });
        tokio::spawn(grant_loop(window, crx, brx, state.clone()));
        Limiter {
            console: ctx,
            background: btx,
            state,
            configured: per_window,
            window,
        }
    }

    /// Wait for a permit to send one request. None only when the limiter task is gone
    /// (the runtime is shutting down).
    pub async fn acquire(&self, p: Priority) -> Option<Permit> {
        let (tx, rx) = oneshot::channel();
        let mut _waiting = None;
        let sent = match p {
            Priority::Console => self.console.send(tx),
            Priority::Background => {
                let w = &self.state.waiting_background;
                w.fetch_add(1, Ordering::Relaxed);
                _waiting = Some(Waiting(w));
                self.background.send(tx)
            }
        };
        match sent {
            Ok(()) => rx.await.ok(),
            Err(_) => None,
        }
    }

    /// The gateway announced its per-window limit: never exceed it (nor our own).
    pub fn gateway_limit(&self, announced: u64) {
        let n = usize::try_from(announced)
            .unwrap_or(usize::MAX)
            .clamp(1, self.configured);
        if self.state.limit.swap(n, Ordering::Relaxed) != n {
            self.state.changed.notify_one();
        }
    }

    /// Record the figures of one answer's `X-RateLimit-*` headers (absent ones are kept).
    pub fn note_rate(&self, seen: &RateFacts) {
        if let Ok(mut r) = self.state.rate.lock() {
            r.limit_second = seen.limit_second.or(r.limit_second);
            r.remaining_second = seen.remaining_second.or(r.remaining_second);
            r.limit_day = seen.limit_day.or(r.limit_day);
            r.remaining_day = seen.remaining_day.or(r.remaining_day);
        }
    }

    /// The account's rate figures and 429 count.
    pub fn rate(&self) -> RateFacts {
        self.state.rate.lock().map(|r| *r).unwrap_or_default()
    }

    /// Wait until a call to the token endpoint is allowed (one per second per account),
    /// then run `call` while no other session of the account can make one.
    pub async fn token_call<T>(&self, call: impl Future<Output = T>) -> T {
        let mut last = self.state.token_call.lock().await;
        if let Some(t) = *last {
            tokio::time::sleep_until(t + Duration::from_secs(1)).await;
        }
        let r = call.await;
        *last = Some(Instant::now());
        r
    }

    /// The gateway answered 429: nobody sends again for `wait`.
    pub fn refused(&self, wait: Duration) {
        if let Ok(mut r) = self.state.rate.lock() {
            r.throttled += 1;
        }
        let until = Instant::now() + wait;
        if let Ok(mut p) = self.state.paused_until.lock()
            && p.is_none_or(|t| t < until)
        {
            *p = Some(until);
        }
        self.state.changed.notify_one();
    }

    /// Calls allowed per window now.
    pub fn per_window(&self) -> usize {
        self.state.limit.load(Ordering::Relaxed)
    }

    /// Slots taken right now (for the budget gauge).
    pub fn used_in_window(&self) -> usize {
        self.state.in_window.load(Ordering::Relaxed)
    }

    /// Background requests waiting for a permit.
    pub fn background_waiting(&self) -> usize {
        self.state.waiting_background.load(Ordering::Relaxed)
    }
}

/// One granted call: in flight (`None`) or answered at the instant given.
struct Slot {
    id: u64,
    answered: Option<Instant>,
}

struct Window {
    slots: VecDeque<Slot>,
    done: mpsc::UnboundedReceiver<(u64, Instant)>,
    span: Duration,
}

impl Window {
    fn mark(&mut self, (id, at): (u64, Instant)) {
        if let Some(s) = self.slots.iter_mut().find(|s| s.id == id) {
            s.answered = Some(at);
        }
    }

    /// Wait until a permit may be granted: a free slot and no pause.
    async fn ready(&mut self, state: &Shared) {
        loop {
            while let Ok(d) = self.done.try_recv() {
                self.mark(d);
            }
            let now = Instant::now();
            let span = self.span;
            self.slots
                .retain(|s| s.answered.is_none_or(|a| now.duration_since(a) < span));
            state.in_window.store(self.slots.len(), Ordering::Relaxed);
            let paused = state
                .paused_until
                .lock()
                .ok()
                .and_then(|p| *p)
                .filter(|t| *t > now);
            let wake = if self.slots.len() >= state.limit.load(Ordering::Relaxed) {
                // Full: the oldest answered slot leaves the window then (or an answer comes).
                self.slots
                    .iter()
                    .filter_map(|s| s.answered)
                    .min()
                    .map(|a| a + span)
            } else if let Some(t) = paused {
                Some(t)
            } else {
                return;
            };
            tokio::select! {
                () = sleep_until(wake) => {}
                d = self.done.recv() => if let Some(d) = d { self.mark(d) },
                () = state.changed.notified() => {}
            }
        }
    }
}

async fn grant_loop(
    window: Duration,
    mut console: mpsc::UnboundedReceiver<oneshot::Sender<Permit>>,
    mut background: mpsc::UnboundedReceiver<oneshot::Sender<Permit>>,
    state: Arc<Shared>,
) {
    let (done_tx, done_rx) = mpsc::unbounded_channel::<(u64, Instant)>();
    let mut w = Window {
        slots: VecDeque::new(),
        done: done_rx,
        span: window,
    };
    let mut next_id = 0u64;
    loop {
        w.ready(&state).await;
        // Console first; otherwise whichever arrives.
        let waiter = match console.try_recv() {
            Ok(w) => w,
            Err(_) => {
                if let Ok(w) = background.try_recv() {
                    w
                } else {
                    tokio::select! {
                        biased;
                        w = console.recv() => match w { Some(w) => w, None => return },
                        w = background.recv() => match w { Some(w) => w, None => return },
                    }
                }
            }
        };
        // A 429 or a lower limit may have come in while we waited for a caller.
        w.ready(&state).await;
        next_id += 1;
        let permit = Permit {
            slot: next_id,
            done: done_tx.clone(),
            extra: Duration::ZERO,
        };
        // A waiter that gave up (its future was dropped) does not use the budget; the
        // returned permit's drop names a slot that was never taken.
        if waiter.send(permit).is_ok() {
            w.slots.push_back(Slot {
                id: next_id,
                answered: None,
            });
            state.in_window.store(w.slots.len(), Ordering::Relaxed);
        }
    }
}

async fn sleep_until(t: Option<Instant>) {
    match t {
        Some(t) => tokio::time::sleep_until(t).await,
        None => std::future::pending().await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn never_more_than_n_in_any_window() {
        let lim = Limiter::new(7, Duration::from_secs(1));
        let start = Instant::now();
        let mut handles = Vec::new();
        for _ in 0..50 {
            let l = lim.clone();
            handles.push(tokio::spawn(async move {
                drop(l.acquire(Priority::Background).await);
                Instant::now()
            }));
        }
        let mut times = Vec::new();
        for h in handles {
            times.push(h.await.expect("task"));
        }
        times.sort();
        for (i, t) in times.iter().enumerate() {
            let in_window = times[i..]
                .iter()
                .take_while(|u| u.duration_since(*t) < Duration::from_secs(1))
                .count();
            assert!(in_window <= 7, "{in_window} permits within one second");
        }
        // ...and the budget is used: 50 permits need a little over 6 windows, not more.
        let took = times.last().expect("times").duration_since(start);
        assert!(took < Duration::from_millis(7 * 1000 + 100), "{took:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn console_goes_first() {
        let lim = Limiter::new(1, Duration::from_secs(1));
        drop(lim.acquire(Priority::Background).await); // uses the window
        let order = Arc::new(std::sync::Mutex::new(Vec::new()));
        let mut hs = Vec::new();
        for i in 0..3 {
            let (l, o) = (lim.clone(), order.clone());
            hs.push(tokio::spawn(async move {
                drop(l.acquire(Priority::Background).await);
                o.lock().expect("lock").push(format!("bg{i}"));
            }));
        }
        tokio::task::yield_now().await;
        let (l, o) = (lim.clone(), order.clone());
        hs.push(tokio::spawn(async move {
            drop(l.acquire(Priority::Console).await);
            o.lock().expect("lock").push("console".to_string());
        }));
        for h in hs {
            h.await.expect("task");
        }
        let order = order.lock().expect("lock").clone();
        assert_eq!(order[0], "console", "{order:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn the_window_starts_when_the_answer_is_in() {
        // A request that takes 400 ms may reach the gateway at any point in those 400 ms,
        // so its slot stays taken until one second after the answer.
        let lim = Limiter::new(1, Duration::from_secs(1));
        let start = Instant::now();
        let permit = lim.acquire(Priority::Console).await;
        assert!(permit.is_some());
        tokio::time::sleep(Duration::from_millis(400)).await;
        assert_eq!(lim.used_in_window(), 1);
        drop(permit);
        drop(lim.acquire(Priority::Console).await);
        let waited = start.elapsed();
        assert!(waited >= Duration::from_millis(1400), "{waited:?}");
        assert!(waited < Duration::from_millis(1450), "{waited:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn the_gateway_lowers_the_limit_and_pauses_everyone() {
        let lim = Limiter::new(7, Duration::from_secs(1));
        lim.gateway_limit(2);
        assert_eq!(lim.per_window(), 2);
        lim.gateway_limit(50); // never above our own figure
        assert_eq!(lim.per_window(), 7);
        lim.gateway_limit(2);
        let start = Instant::now();
        lim.refused(Duration::from_secs(3));
        let mut times = Vec::new();
        for _ in 0..4 {
            drop(lim.acquire(Priority::Console).await);
            times.push(start.elapsed());
        }
        assert!(times[0] >= Duration::from_secs(3), "{times:?}");
        // Two per second after the pause.
        assert!(times[2] >= times[0] + Duration::from_secs(1), "{times:?}");
    }
}
