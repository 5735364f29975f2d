//! The wall screen's drawing: the big-digit header (120 columns and up), the stale-screen
//! banner (kiosk or not), and the kiosk's y/n questions. Pure functions of `App`.
//!
//! ```text
//!  netdash    ▀▀█ DEVICES   █▀█ ACTIVE                      ▄█  ▀▀█ ▄ ...  UTC
//!  KIOSK      ▄▀▀ DOWN      █ █ ALARMS                       █  ▄▀▀ ▄ ...
//!  READ-ONLY  ▀▀▀ CRITICAL  ▀▀▀ ok                          ▀▀▀ ▀▀▀   ...
//! ┌──────────────────── panes ──────────────────────┐
//! ████ NO DATA FOR 1m 12s: the engine has not answered ... ████   (when stale)
//! ```

use std::time::Duration;

use ratatui::Frame;
use ratatui::layout::{Alignment, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use super::big_digits;
use super::theme::Styles;
use crate::app::kiosk::{locked, stale_for};
use crate::app::state::{App, KioskPrompt, Pane};
use crate::config::KioskLayout;

/// The big header needs this many columns; below it the one-line title bar stays.
pub const BIG_HEADER_MIN_WIDTH: u16 = 120;

/// Rows the title bar takes: three for the big header of a locked kiosk on a wide
/// screen, otherwise one.
pub fn title_height(app: &App, area: Rect) -> u16 {
    if locked(app) && area.width >= BIG_HEADER_MIN_WIDTH && area.height >= 12 {
        3
    } else {
        1
    }
}

/// The pane a locked kiosk shows full screen now, or `None` for the overview.
pub fn full_screen_pane(app: &App) -> Option<Pane> {
    let k = app.kiosk.as_ref().filter(|k| k.locked)?;
    match k.layout() {
        KioskLayout::Overview => None,
        KioskLayout::Devices => Some(Pane::Devices),
        KioskLayout::Sessions => Some(Pane::Sessions),
        KioskLayout::Console => Some(Pane::Console),
        KioskLayout::Explorer => Some(Pane::Explorer),
        KioskLayout::Central => Some(Pane::Central),
    }
}

/// The style a whole stale screen's title takes: reverse-video red.
fn stale_style(s: &Styles) -> Style {
    s.error.add_modifier(Modifier::REVERSED | Modifier::BOLD)
}

/// Devices down, active alarms and the clock in big digits, each with words beside it so
/// that severity reads without colour.
pub fn big_header(f: &mut Frame<'_>, r: Rect, app: &App, s: &Styles, down: usize, up: usize) {
    let stale = stale_for(app).is_some();
    let badge = s.warn.add_modifier(Modifier::REVERSED);
    let (down_style, down_word) = if down > 0 {
        (s.error.add_modifier(Modifier::BOLD), "CRITICAL")
    } else {
        (s.ok, "ok")
    };
    let alarms = app.alarms;
    let (alarm_style, alarm_word) = if alarms > 0 {
        (s.warn.add_modifier(Modifier::BOLD), "WARNING")
    } else {
        (s.ok, "ok")
    };
    // Counts are clamped to what the header has room for; the devices pane has the rest.
    let down_text = down.min(9999).to_string();
    let alarm_text = alarms.min(9999).to_string();
    let clock = crate::clock::hms(app.now);
    let (d, a, c) = (
        big_digits::render(&down_text),
        big_digits::render(&alarm_text),
        big_digits::render(&clock),
    );
    let brand: [(String, Style); 3] = [
        (" netdash ".into(), s.title),
        (" KIOSK ".into(), badge),
        (
            if stale {
                " NO DATA ".into()
            } else {
                format!(" {up} up ")
            },
            if stale { badge } else { s.ok },
        ),
    ];
    let down_words = ["DEVICES", "DOWN", down_word];
    let alarm_words = ["ACTIVE", "ALARMS", alarm_word];
    let clock_words = ["UTC", "", ""];
    let lines: Vec<Line<'_>> = (0..3)
        .map(|i| {
            let (b, bs) = &brand[i];
            let mut spans = vec![
                Span::styled(format!("{b:<12}"), *bs),
                Span::raw("  "),
                Span::styled(d[i].clone(), down_style),
                Span::styled(format!(" {:<10}", down_words[i]), down_style),
                Span::raw("  "),
                Span::styled(a[i].clone(), alarm_style),
                Span::styled(format!(" {:<10}", alarm_words[i]), alarm_style),
            ];
            let used: usize = spans.iter().map(Span::width).sum();
            let right = c[i].chars().count() + 5;
            let pad = (r.width as usize).saturating_sub(used + right);
            spans.push(Span::raw(" ".repeat(pad)));
            spans.push(Span::styled(c[i].clone(), s.text));
            spans.push(Span::styled(format!(" {:<4}", clock_words[i]), s.text));
            Line::from(spans)
        })
        .collect();
    f.render_widget(Paragraph::new(lines), r);
    if stale {
        f.buffer_mut().set_style(r, stale_style(s));
    }
}

/// The title bar of a stale screen turns reverse-video red (whatever its height).
pub fn stale_title(f: &mut Frame<'_>, r: Rect, app: &App, s: &Styles) {
    if stale_for(app).is_some() {
        f.buffer_mut().set_style(r, stale_style(s));
    }
}

/// "72s" as "1m 12s", "3h 5m"; under a minute "42s".
pub fn silence(d: Duration) -> String {
    let t = d.as_secs();
    match t {
        0..60 => format!("{t}s"),
        60..3600 => format!("{}m {}s", t / 60, t % 60),
        _ => format!("{}h {}m", t / 3600, (t / 60) % 60),
    }
}

/// A full-width banner over the middle of `body` when the engine has been silent for two
/// poll intervals: nobody should read the numbers below as live.
pub fn stale_banner(f: &mut Frame<'_>, body: Rect, app: &App, s: &Styles) {
    let Some(quiet) = stale_for(app) else { return };
    let text = format!(
        "NO DATA FOR {}: the engine has not answered for 2 poll intervals; everything below is stale",
        silence(quiet)
    );
    let inner_w = body.width.max(1) as usize;
    let rows = text.chars().count().div_ceil(inner_w);
    let h = (rows as u16 + 2).min(body.height);
    let r = Rect::new(
        body.x,
        body.y + body.height.saturating_sub(h) / 2,
        body.width,
        h,
    );
    f.render_widget(Clear, r);
    f.render_widget(
        Paragraph::new(vec![Line::from(""), Line::from(text)])
            .alignment(Alignment::Center)
            .wrap(Wrap { trim: true })
            .style(stale_style(s)),
        r,
    );
}

/// The kiosk's question, in a box in the middle of the screen.
pub fn prompt(f: &mut Frame<'_>, area: Rect, app: &App, s: &Styles) {
    let Some(p) = app.kiosk.as_ref().and_then(|k| k.prompt) else {
        return;
    };
    let text = match p {
        KioskPrompt::Unlock => "Unlock the kiosk? y/n",
        KioskPrompt::Quit => "Quit netdash? y/n",
    };
    let w = (text.len() as u16 + 6).min(area.width);
    let h = 3.min(area.height);
    let r = Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    );
    f.render_widget(Clear, r);
    f.render_widget(
        Paragraph::new(Line::from(Span::styled(text, s.title)))
            .alignment(Alignment::Center)
            .block(
                Block::default()
                    .borders(Borders::ALL)
                    .border_style(s.border_focus),
            ),
        r,
    );
}

#[cfg(test)]
mod tests {
    use super::silence;
    use std::time::Duration;

    #[test]
    fn silence_reads_in_minutes_and_seconds() {
        assert_eq!(silence(Duration::from_secs(42)), "42s");
        assert_eq!(silence(Duration::from_secs(72)), "1m 12s");
        assert_eq!(silence(Duration::from_secs(3 * 3600 + 5 * 60 + 9)), "3h 5m");
    }
}
