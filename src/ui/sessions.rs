//! Pane 2: one row per live session (countdowns, session budget) and one per Central
//! account (per-second and daily budgets, 429s, last refresh).
//!
//! ```text
//! ┌ 2 Sessions ─────────────────────────────────────────────────────┐
//! │ lab-cx-01  cookie + CSRF  1/6  idle 19:41 ████████▌ hard 7:59:41 │
//! │ central    bearer read  3/7 per s ███░░░  429s 0                     │
//! ```
//!
//! `!tls` after the countdowns marks a target with `verify_tls = false`.

use std::time::SystemTime;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::theme::Styles;
use super::{age, block, countdown};
use crate::app::state::App;
use crate::engine::messages::SessionState;
use crate::kind::TargetKind;

/// A text gauge `███░░░` of `width` cells for `frac` in 0..=1.
#[expect(
    clippy::cast_sign_loss,
    reason = "clamped to 0..=width before the cast"
)]
pub fn bar(frac: f64, width: usize) -> String {
    let full = (frac.clamp(0.0, 1.0) * width as f64).round() as usize;
    "█".repeat(full) + &"░".repeat(width.saturating_sub(full))
}

/// Amber past 75 % used, red past 90 %.
fn level(used_frac: f64, s: &Styles) -> Style {
    if used_frac >= 0.9 {
        s.error
    } else if used_frac >= 0.75 {
        s.warn
    } else {
        s.ok
    }
}

fn remaining_frac(now: SystemTime, deadline: SystemTime, total_secs: u64) -> f64 {
    let left = deadline
        .duration_since(now)
        .map_or(0.0, |d| d.as_secs_f64());
    if total_secs == 0 {
        0.0
    } else {
        left / total_secs as f64
    }
}

pub fn render(f: &mut Frame<'_>, r: Rect, app: &App, s: &Styles, focused: bool) {
    let now = app.now;
    let mut lines: Vec<Line<'_>> = Vec::new();
    let h = r.height.saturating_sub(2) as usize;
    for (k, row) in app.devices.rows.iter().enumerate() {
        if lines.len() >= h {
            break;
        }
        let Some(v) = &row.session else { continue };
        if row.kind == TargetKind::Central {
            continue;
        }
        let mut spans = vec![
            Span::styled(
                format!("{} ", super::fit_name(&row.name, 13)),
                if focused && k == app.sessions.cursor.selected {
                    s.selected
                } else {
                    s.text
                },
            ),
            Span::styled(format!("{:<13.13} ", v.auth), s.dim),
        ];
        // Central rows were skipped above, so of the schemes that hold nothing only the
        // per-request ones (basic, client certificate) reach here.
        let stateless = !v.auth.holds_session();
        let limit = v.per_user_limit.or(v.per_device_limit);
        spans.push(Span::styled(
            match (stateless, limit) {
                (true, _) => "stateless ".to_string(),
                (false, Some(l)) => format!("{}/{l:<3}", v.held),
                (false, None) => format!("{:<5}", v.held),
            },
            s.text,
        ));
        if let Some(idle) = v.idle_deadline {
            let total = idle
                .duration_since(v.since.unwrap_or(now))
                .map_or(0, |d| d.as_secs())
                .max(1);
            let frac = remaining_frac(now, idle, total);
            spans.push(Span::styled(
                format!(" idle {:>5} ", countdown(now, idle)),
                level(1.0 - frac, s),
            ));
            spans.push(Span::styled(bar(frac, 6), level(1.0 - frac, s)));
            spans.push(Span::raw(" "));
        }
        if let Some(hard) = v.hard_deadline.or(v.expires_at) {
            let total = hard
                .duration_since(v.since.unwrap_or(now))
                .map_or(1, |d| d.as_secs())
                .max(1);
            let frac = remaining_frac(now, hard, total);
            spans.push(Span::styled(
                format!("hard {}", countdown(now, hard)),
                level(1.0 - frac, s),
            ));
        }
        if row.tls_unverified {
            spans.push(Span::styled(
                format!("  {}", super::devices::UNVERIFIED_MARK),
                s.warn,
            ));
        }
        // A device that is down says when it is tried again and why, in full room
        // (the Devices pane only has a cell for it).
        if let SessionState::BackingOff { reason, retry_at } = &row.state {
            let used: usize = spans.iter().map(ratatui::prelude::Span::width).sum();
            let head = format!("down, retry in {}: ", countdown(now, *retry_at));
            let room = (r.width as usize).saturating_sub(2 + used + head.chars().count());
            spans.push(Span::styled(head, s.error));
            spans.push(Span::styled(super::one_line(reason, room), s.error));
        }
        if v.relogins > 0 {
            spans.push(Span::styled(format!("  relogins {}", v.relogins), s.dim));
        }
        lines.push(Line::from(spans));
    }
    // The accounts' rows, found in one pass (not one scan of every device per account).
    let central_rows: std::collections::HashMap<&str, &crate::app::state::DeviceRow> = app
        .devices
        .rows
        .iter()
        .filter(|r| r.kind == TargetKind::Central)
        .map(|r| (r.name.as_str(), r))
        .collect();
    for name in &app.central.order {
        // Two lines per account: stop once the pane is full.
        if lines.len() >= h {
            break;
        }
        let Some(acct) = app.central.accounts.get(name) else {
            continue;
        };
        let Some(b) = &acct.budget else { continue };
        let sec_frac = b.used_this_second as f64 / b.per_second_limit.max(1) as f64;
        let row = central_rows.get(name.as_str()).copied();
        // What the token may do: "read" (read-only mode's sign-in), "all", or "?" (pasted).
        let scope = row
            .and_then(|r| r.session.as_ref())
            .and_then(|v| v.scope)
            .unwrap_or("?");
        // Two lines: the per-second budget, then the daily quota and the token.
        let mut spans = vec![
            Span::styled(
                format!(
                    "{} ",
                    super::fit_name(&super::account_label(name, TargetKind::Central, true), 13)
                ),
                s.text,
            ),
            Span::styled(
                format!("bearer {scope:<6} "),
                if scope == "read" { s.ok } else { s.dim },
            ),
            Span::styled(
                format!("{}/{} per s ", b.used_this_second, b.per_second_limit),
                level(sec_frac, s),
            ),
            Span::styled(bar(sec_frac, 7), level(sec_frac, s)),
            Span::styled(
                format!("  429s {}", b.throttled),
                if b.throttled > 0 { s.warn } else { s.dim },
            ),
        ];
        if row.is_some_and(|r| r.tls_unverified) {
            spans.push(Span::styled(
                format!("  {}", super::devices::UNVERIFIED_MARK),
                s.warn,
            ));
        }
        if b.background_waiting > 0 {
            spans.push(Span::styled(
                format!("  queued {}", b.background_waiting),
                s.dim,
            ));
        }
        lines.push(Line::from(spans));
        let mut day = vec![Span::raw("              ")];
        if let (Some(limit), Some(rem)) = (b.limit_day, b.remaining_day) {
            let used = limit.saturating_sub(rem);
            let frac = used as f64 / limit.max(1) as f64;
            day.push(Span::styled(
                format!("day {used}/{limit} used, {rem} left "),
                level(frac, s),
            ));
            day.push(Span::styled(bar(frac, 8), level(frac, s)));
        } else {
            day.push(Span::styled("day quota: no headers yet", s.dim));
        }
        match b.token_expires_at {
            Some(t) => day.push(Span::styled(
                format!("  token {}", countdown(now, t)),
                s.dim,
            )),
            // A pasted token until its first refresh (at first use).
            None => day.push(Span::styled("  token age unknown", s.dim)),
        }
        if let Some(t) = b.last_refresh.and_then(|t| now.duration_since(t).ok()) {
            day.push(Span::styled(format!("  renewed {} ago", age(t)), s.dim));
        }
        lines.push(Line::from(day));
    }
    if lines.is_empty() {
        lines.push(Line::from(Span::styled("no sessions yet", s.dim)));
    }
    f.render_widget(
        Paragraph::new(lines).block(block("2 Sessions", s, focused)),
        r,
    );
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, SystemTime};

    use ratatui::Terminal;
    use ratatui::backend::TestBackend;

    use crate::engine::messages::{Budget, Event};
    use crate::tui::testing::{Dashboard, t0};
    use crate::ui::theme::{Styles, Theme};

    /// The Central rows of the pane for a budget with this token expiry.
    fn central_rows(token_expires_at: Option<SystemTime>) -> String {
        let mut d = Dashboard::from_config(
            "[[central]]\nname = \"acme\"\nregion = \"US-2\"\nclient_id = \"i\"\nclient_secret = \"s\"\ncustomer_id = \"c\"\nrefresh_token = \"r\"\n",
            true,
        )
        .expect("config");
        let t0 = t0();
        d.event(Event::Budget {
            account: "acme".into(),
            budget: Budget {
                per_second_limit: 7,
                used_this_second: 0,
                background_waiting: 0,
                limit_day: None,
                remaining_day: None,
                throttled: 0,
                token_refreshes: 0,
                token_expires_at: token_expires_at.map(|_| t0 + Duration::from_secs(3600)),
                last_refresh: None,
            },
        });
        let app = &d.app;
        let styles = Styles::new(&Theme::builtin_default(), true);
        let mut t = Terminal::new(TestBackend::new(100, 8)).expect("terminal");
        t.draw(|f| super::render(f, f.area(), app, &styles, false))
            .expect("draw");
        let buf = t.backend().buffer();
        (0..buf.area.height)
            .map(|y| {
                (0..buf.area.width)
                    .map(|x| buf[(x, y)].symbol())
                    .collect::<String>()
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    #[test]
    fn central_token_of_unknown_age_says_so() {
        let text = central_rows(None);
        assert!(text.contains("token age unknown"), "{text}");
        let text = central_rows(Some(SystemTime::now()));
        assert!(
            text.contains("token 1:00:00") || text.contains("token 60:00"),
            "{text}"
        );
        assert!(!text.contains("age unknown"), "{text}");
    }

    #[test]
    fn bar_fills() {
        assert_eq!(super::bar(0.5, 4), "██░░");
        assert_eq!(super::bar(2.0, 3), "███");
    }
}
