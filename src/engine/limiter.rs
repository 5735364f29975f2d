//! A sliding-window rate limiter with two priorities, for Central's 7 calls per second per
//! customer. Every call of one account asks the same limiter for a permit just before it is
//! sent (retries included). Console requests are served before background polling.
//!
//! The window is measured at the client, so it is kept slightly longer than one second:
//! a request reaches the gateway a little after it leaves, and two requests sent exactly
//! one second apart could otherwise land in the same server-side second.

use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;

/// Who is asking: the person at the console, or the background poller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Priority {
    Console,
    Background,
}

/// Handle to a running limiter; cheap to clone.
#[derive(Clone)]
pub struct Limiter {
    console: mpsc::UnboundedSender<oneshot::Sender<()>>,
    background: mpsc::UnboundedSender<oneshot::Sender<()>>,
    state: Arc<Shared>,
    pub per_window: usize,
    pub window: Duration,
}

struct Shared {
    /// Permits granted in the current window.
    in_window: AtomicUsize,
    waiting_background: AtomicUsize,
}

impl Limiter {
    /// At most `per_window` permits in any `window` (plus the safety margin). Spawns the
    /// limiter task on the current runtime; it ends when every handle is dropped.
    pub fn new(per_window: usize, window: Duration) -> Limiter {
        let (ctx, crx) = mpsc::unbounded_channel();
        let (btx, brx) = mpsc::unbounded_channel();
        let state = Arc::new(Shared {
            in_window: AtomicUsize::new(0),
            waiting_background: AtomicUsize::new(0),
        });
        tokio::spawn(grant_loop(
            per_window.max(1),
            window,
            crx,
            brx,
            state.clone(),
        ));
        Limiter {
            console: ctx,
            background: btx,
            state,
            per_window: per_window.max(1),
            window,
        }
    }

    /// Wait for a permit to send one request.
    pub async fn acquire(&self, p: Priority) {
        let (tx, rx) = oneshot::channel();
        let sent = match p {
            Priority::Console => self.console.send(tx),
            Priority::Background => {
                self.state
                    .waiting_background
                    .fetch_add(1, Ordering::Relaxed);
                self.background.send(tx)
            }
        };
        if sent.is_ok() {
            let _ = rx.await;
        }
        if p == Priority::Background {
            self.state
                .waiting_background
                .fetch_sub(1, Ordering::Relaxed);
        }
    }

    /// Permits granted within the last window (for the budget gauge).
    pub fn used_in_window(&self) -> usize {
        self.state.in_window.load(Ordering::Relaxed)
    }

    /// Background requests waiting for a permit.
    pub fn background_waiting(&self) -> usize {
        self.state.waiting_background.load(Ordering::Relaxed)
    }
}

/// The window plus a margin for the trip to the server (see the module comment).
fn effective(window: Duration) -> Duration {
    window + window / 40
}

async fn grant_loop(
    per_window: usize,
    window: Duration,
    mut console: mpsc::UnboundedReceiver<oneshot::Sender<()>>,
    mut background: mpsc::UnboundedReceiver<oneshot::Sender<()>>,
    state: Arc<Shared>,
) {
    let span = effective(window);
    let mut sent: VecDeque<Instant> = VecDeque::with_capacity(per_window + 1);
    loop {
        // Wait for room in the window.
        let now = Instant::now();
        while sent.front().is_some_and(|t| now.duration_since(*t) >= span) {
            sent.pop_front();
        }
        state.in_window.store(sent.len(), Ordering::Relaxed);
        if sent.len() >= per_window {
            if let Some(oldest) = sent.front() {
                tokio::time::sleep_until(*oldest + span).await;
            }
            continue;
        }
        // Console first; otherwise whichever arrives.
        let waiter = match console.try_recv() {
            Ok(w) => w,
            Err(_) => match background.try_recv() {
                Ok(w) => w,
                Err(_) => tokio::select! {
                    biased;
                    w = console.recv() => match w { Some(w) => w, None => return },
                    w = background.recv() => match w { Some(w) => w, None => return },
                },
            },
        };
        // A waiter that gave up (its future was dropped) does not use the budget.
        if waiter.send(()).is_ok() {
            sent.push_back(Instant::now());
            state.in_window.store(sent.len(), Ordering::Relaxed);
        }
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
                l.acquire(Priority::Background).await;
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
        assert!(took < Duration::from_millis(7 * 1025 + 100), "{took:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn console_goes_first() {
        let lim = Limiter::new(1, Duration::from_secs(1));
        lim.acquire(Priority::Background).await; // uses the window
        let order = Arc::new(std::sync::Mutex::new(Vec::new()));
        let mut hs = Vec::new();
        for i in 0..3 {
            let (l, o) = (lim.clone(), order.clone());
            hs.push(tokio::spawn(async move {
                l.acquire(Priority::Background).await;
                o.lock().expect("lock").push(format!("bg{i}"));
            }));
        }
        tokio::task::yield_now().await;
        let (l, o) = (lim.clone(), order.clone());
        hs.push(tokio::spawn(async move {
            l.acquire(Priority::Console).await;
            o.lock().expect("lock").push("console".to_string());
        }));
        for h in hs {
            h.await.expect("task");
        }
        let order = order.lock().expect("lock").clone();
        assert_eq!(order[0], "console", "{order:?}");
    }
}
