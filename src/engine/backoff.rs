//! Exponential backoff with full jitter and a cap, for devices that cannot be reached.

use std::time::Duration;

use rand::Rng;

/// Retry delays: `base * 2^attempt`, capped, with jitter so a fleet of unreachable
/// devices does not retry in lock-step.
#[derive(Debug, Clone)]
pub struct Backoff {
    base: Duration,
    cap: Duration,
    attempt: u32,
}

impl Backoff {
    pub fn new(base: Duration, cap: Duration) -> Self {
        Backoff {
            base,
            cap,
            attempt: 0,
        }
    }

    /// The next delay (somewhere in the upper half of the current step), and count the attempt.
    pub fn next_delay(&mut self) -> Duration {
        let step = self
            .base
            .saturating_mul(1u32 << self.attempt.min(16))
            .min(self.cap);
        self.attempt = self.attempt.saturating_add(1);
        let half = step / 2;
        let jitter = rand::rng().random_range(0..=half.as_millis().max(1) as u64);
        half + Duration::from_millis(jitter)
    }

    /// Jump to the cap (bad credentials: retrying fast could lock the account).
    pub fn saturate(&mut self) {
        self.attempt = 16;
    }

    /// Success: start again from the base.
    pub fn reset(&mut self) {
        self.attempt = 0;
    }

    pub fn attempts(&self) -> u32 {
        self.attempt
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grows_to_the_cap_with_jitter() {
        let mut b = Backoff::new(Duration::from_millis(100), Duration::from_secs(2));
        let d: Vec<Duration> = (0..8).map(|_| b.next_delay()).collect();
        assert!(
            d[0] >= Duration::from_millis(50) && d[0] <= Duration::from_millis(100),
            "{d:?}"
        );
        assert!(
            d[3] >= Duration::from_millis(400) && d[3] <= Duration::from_millis(800),
            "{d:?}"
        );
        for x in &d[5..] {
            assert!(
                *x >= Duration::from_secs(1) && *x <= Duration::from_secs(2),
                "{d:?}"
            );
        }
        b.reset();
        assert!(b.next_delay() <= Duration::from_millis(100));
        b.saturate();
        assert!(b.next_delay() >= Duration::from_secs(1));
    }
}
