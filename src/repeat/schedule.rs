//! When a repeated command runs next. Runs never overlap: one still going when the next
//! is due delays it, and the next starts when it ends. Central targets stretch the
//! interval so that a repeat spends at most a quarter of the calls the account has left
//! today (background polling keeps to half; the last quarter stays for the console).

use std::time::{Duration, Instant, SystemTime};

/// Shortest interval: a device is not a load generator.
pub const MIN_INTERVAL: Duration = Duration::from_secs(1);
/// Longest interval (a day): longer ones are a typo.
pub const MAX_INTERVAL: Duration = Duration::from_secs(86_400);

/// Why an interval was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IntervalError {
    #[error("'{0}' is not an interval: write it like 5s, 2m or 1h")]
    Syntax(String),
    #[error("'{0}' is too short: repeat at most once a second (1s)")]
    TooShort(String),
    #[error("'{0}' is too long: repeat at least once a day (24h)")]
    TooLong(String),
}

/// `5s`, `2m`, `1h`, or plain seconds (`5`), between [`MIN_INTERVAL`] and [`MAX_INTERVAL`].
pub fn parse_interval(s: &str) -> Result<Duration, IntervalError> {
    let t = s.trim();
    let (num, unit) = t.split_at(t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len()));
    let n: u64 = num
        .parse()
        .map_err(|_| IntervalError::Syntax(s.to_string()))?;
    let mult = match unit {
        "" | "s" => 1,
        "m" => 60,
        "h" => 3600,
        _ => return Err(IntervalError::Syntax(s.to_string())),
    };
    // Clamped: a huge number is "too long", not an overflow.
    let d = Duration::from_secs(n.saturating_mul(mult));
    if d < MIN_INTERVAL {
        return Err(IntervalError::TooShort(s.to_string()));
    }
    if d > MAX_INTERVAL {
        return Err(IntervalError::TooLong(s.to_string()));
    }
    Ok(d)
}

/// The interval a repeat keeps, and the Central account that stretched it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// What was asked for.
    pub asked: Duration,
    /// What the budget allows (never shorter than `asked`).
    pub every: Duration,
    /// The account whose daily quota set `every`, when it is longer than asked.
    pub stretched_by: Option<String>,
}

impl Plan {
    /// "every 5 s stretched to 9 s: Central budget", when stretched.
    pub fn note(&self) -> Option<String> {
        self.stretched_by.as_ref().map(|acct| {
            format!(
                "every {} s stretched to {} s: Central budget ({acct})",
                self.asked.as_secs(),
                self.every.as_secs()
            )
        })
    }

    /// "every 5 s", or the stretched interval with the reason.
    pub fn describe(&self) -> String {
        self.note()
            .unwrap_or_else(|| format!("every {} s", self.every.as_secs()))
    }
}

/// The interval for `asked` given each Central target's calls left today (`None`: not
/// known yet), with one call per account per run. Each account allows `left / 4` runs
/// until its quota resets at 00:00 UTC; the slowest account sets the pace.
pub fn plan<'a>(
    asked: Duration,
    central_left: impl IntoIterator<Item = (&'a str, Option<u64>)>,
    now: SystemTime,
) -> Plan {
    let secs = now
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let to_reset = 86_400 - secs % 86_400;
    let mut plan = Plan {
        asked,
        every: asked,
        stretched_by: None,
    };
    for (account, left) in central_left {
        let Some(left) = left else { continue };
        let runs = left / 4;
        let every = if runs == 0 {
            Duration::from_secs(to_reset)
        } else {
            Duration::from_secs(to_reset.div_ceil(runs))
        };
        if every > plan.every {
            plan.every = every;
            plan.stretched_by = Some(account.to_string());
        }
    }
    plan
}

/// When the next run starts: one interval after the last one started, or when it
/// finished if it took longer (runs never overlap).
pub fn next_start(started: Instant, finished: Instant, every: Duration) -> Instant {
    started.checked_add(every).unwrap_or(finished).max(finished)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intervals_parse_and_are_clamped() {
        assert_eq!(parse_interval("5s"), Ok(Duration::from_secs(5)));
        assert_eq!(parse_interval("5"), Ok(Duration::from_secs(5)));
        assert_eq!(parse_interval("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_interval("1h"), Ok(Duration::from_secs(3600)));
        assert!(matches!(
            parse_interval("0s"),
            Err(IntervalError::TooShort(_))
        ));
        assert!(matches!(
            parse_interval("25h"),
            Err(IntervalError::TooLong(_))
        ));
        assert!(matches!(
            parse_interval("99999999999999999999h"),
            Err(IntervalError::Syntax(_))
        ));
        assert!(matches!(
            parse_interval("18446744073709551615h"),
            Err(IntervalError::TooLong(_))
        ));
        for bad in ["", "s", "5x", "-5s", "5 s", "1.5s"] {
            assert!(
                matches!(parse_interval(bad), Err(IntervalError::Syntax(_))),
                "{bad}"
            );
        }
        assert_eq!(
            parse_interval("fast").map_err(|e| e.to_string()),
            Err("'fast' is not an interval: write it like 5s, 2m or 1h".into())
        );
    }

    #[test]
    fn a_slow_run_delays_the_next_one() {
        let t0 = Instant::now();
        let every = Duration::from_secs(5);
        assert_eq!(
            next_start(t0, t0 + Duration::from_secs(1), every),
            t0 + every
        );
        let late = t0 + Duration::from_secs(7);
        assert_eq!(next_start(t0, late, every), late);
    }

    #[test]
    fn central_budget_stretches_the_interval_and_says_so() {
        // 12:00 UTC: 43,200 s to the reset.
        let noon = SystemTime::UNIX_EPOCH + Duration::from_secs(86_400 * 100 + 43_200);
        let five = Duration::from_secs(5);
        // Plenty left: 40,000 / 4 = 10,000 runs in 43,200 s is one every 5 s (4.32 up).
        let p = plan(five, [("acct", Some(40_000))], noon);
        assert_eq!(p.every, five);
        assert_eq!(p.note(), None);
        assert_eq!(p.describe(), "every 5 s");
        // 19,200 left: 4,800 runs, one every 9 s.
        let p = plan(five, [("big", Some(40_000)), ("acct", Some(19_200))], noon);
        assert_eq!(p.every, Duration::from_secs(9));
        assert_eq!(
            p.note().as_deref(),
            Some("every 5 s stretched to 9 s: Central budget (acct)")
        );
        // Nothing left: wait for the reset.
        let p = plan(five, [("acct", Some(3))], noon);
        assert_eq!(p.every, Duration::from_secs(43_200));
        // Unknown budget (no answer yet): as asked.
        assert_eq!(plan(five, [("acct", None)], noon).every, five);
    }
}
