//! `Newest`: the "newest jq run wins" rule. Each run is numbered; an answer is shown only
//! if it is from the newest run, and a run still waiting for a thread when a newer one
//! starts is skipped. The reducer numbers runs and drops stale answers with it, the loop
//! skips stale queued runs with it.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// The number of the newest run, shared between clones (the loop's worker threads read it).
#[derive(Debug, Clone, Default)]
pub struct Newest(Arc<AtomicU64>);

impl Newest {
    /// Number a new run: it is the newest from now on.
    pub fn issue(&self) -> u64 {
        self.0.fetch_add(1, Ordering::Relaxed) + 1
    }

    /// Run `seq` was started: it is the newest from now on.
    pub fn started(&self, seq: u64) {
        self.0.store(seq, Ordering::Relaxed);
    }

    /// Whether `seq` is still the newest run (its answer is wanted).
    pub fn is_current(&self, seq: u64) -> bool {
        self.0.load(Ordering::Relaxed) == seq
    }
}

#[cfg(test)]
mod tests {
    use super::Newest;

    #[test]
    fn only_the_newest_run_is_current() {
        let runs = Newest::default();
        let first = runs.issue();
        assert!(runs.is_current(first));
        let second = runs.clone().issue();
        assert!(!runs.is_current(first) && runs.is_current(second));
    }
}
