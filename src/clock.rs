//! Wall-clock text for people: `HH:MM:SS` in UTC, without a date crate (the dashboard's
//! header and `watch`'s lines read the same clock).

use std::time::{SystemTime, UNIX_EPOCH};

/// `HH:MM:SS` (UTC) of `t`; a time before 1970 reads as midnight.
pub fn hms(t: SystemTime) -> String {
    let secs = t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs()) % 86_400;
    format!(
        "{:02}:{:02}:{:02}",
        secs / 3600,
        (secs / 60) % 60,
        secs % 60
    )
}

#[cfg(test)]
mod tests {
    use super::hms;
    use std::time::{Duration, UNIX_EPOCH};

    #[test]
    fn utc_hours_minutes_seconds() {
        assert_eq!(
            hms(UNIX_EPOCH + Duration::from_secs(86_400 * 3 + 3_723)),
            "01:02:03"
        );
        assert_eq!(hms(UNIX_EPOCH - Duration::from_secs(5)), "00:00:00");
    }
}
