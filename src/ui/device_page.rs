//! The device page, drawn in the Devices pane's place while it is open (Esc goes back).
//!
//! ```text
//! ┌ 1 Device: spine-eos-01 (Esc back) ──────────────────────────────────┐
//! │eos  up  10.0.0.1  core                                               │
//! │model cEOSLab  version 4.30.0F  serial LAB0001  uptime 3d             │
//! │latency 3 ms  (max 9 ms over the last 40 polls)                       │
//! │▁▂▃▂▅▂▁▂▃▂▅▂▁▂▃▂▅▂                                                    │
//! │Sessions                          │Errors                             │
//! │12:00:01 logged in                │12:03:10 poll: timed out           │
//! │Commands run (Enter: explorer)                                        │
//! │12:04:00 ok    3 ms  show version  {modelName, version, …}            │
//! └──────────────────────────────────────────────────────────────────────┘
//! ```

use std::time::Duration;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Sparkline};

use super::theme::Styles;
use super::{age, block, state_style};
use crate::app::device_page::commands;
use crate::app::state::App;
use crate::clock::hms;
use crate::sanitize::one_line;

/// Command rows the page shows in `r` (the reducer scrolls with it).
pub fn body_rows(r: Rect) -> usize {
    let inner = r.height.saturating_sub(2);
    usize::from(inner.saturating_sub(4) / 2).saturating_sub(1)
}

pub fn render(f: &mut Frame<'_>, r: Rect, app: &App, name: &str, s: &Styles, focused: bool) {
    let b = block(format!("1 Device: {name} (Esc back)"), s, focused);
    let inner = b.inner(r);
    f.render_widget(b, r);
    let Some(row) = app.devices.rows.iter().find(|d| d.name == name) else {
        f.render_widget(
            Paragraph::new("this device is no longer configured (Esc back)").style(s.dim),
            inner,
        );
        return;
    };
    let [facts, chart_label, chart, lists, cmds] = Layout::vertical([
        Constraint::Length(2),
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Fill(1),
        Constraint::Fill(1),
    ])
    .areas(inner);

    let (st, word) = state_style(&row.state, s);
    let fx = &row.facts;
    let v = |o: &Option<String>| one_line(o.as_deref().unwrap_or("-")).into_owned();
    let lines = vec![
        Line::from(vec![
            Span::styled(format!("{}  ", row.kind), s.dim),
            Span::styled(word, st),
            Span::styled(format!("  {}  {}", row.host, row.tags.join(" ")), s.dim),
        ]),
        Line::from(vec![
            Span::styled("model ", s.dim),
            Span::styled(v(&fx.model), s.text),
            Span::styled("  version ", s.dim),
            Span::styled(v(&fx.version), s.text),
            Span::styled("  serial ", s.dim),
            Span::styled(v(&fx.serial), s.text),
            Span::styled("  uptime ", s.dim),
            Span::styled(
                fx.uptime_secs
                    .map_or("-".into(), |u| age(Duration::from_secs(u))),
                s.text,
            ),
        ]),
    ];
    f.render_widget(Paragraph::new(lines), facts);

    let samples: Vec<u64> = row.latency.iter().copied().collect();
    let label = match (samples.last(), samples.iter().max()) {
        (Some(l), Some(m)) => format!(
            "latency {l} ms  (max {m} ms over the last {} polls)",
            samples.len()
        ),
        _ => "latency: no poll yet".into(),
    };
    f.render_widget(Paragraph::new(label).style(s.dim), chart_label);
    // The newest samples that fit, right-aligned like the Devices sparkline.
    let fit = &samples[samples.len().saturating_sub(usize::from(chart.width))..];
    f.render_widget(Sparkline::default().data(fit).style(s.accent), chart);

    let [left, right] =
        Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)])
            .spacing(1)
            .areas(lists);
    let hist = app.device_page.history.get(name);
    let newest = |h: usize| h.saturating_sub(1);
    let mut sess = vec![Line::styled("Sessions", s.title)];
    if let Some(h) = hist {
        sess.extend(
            h.sessions
                .iter()
                .rev()
                .take(newest(left.height.into()))
                .map(|(t, c)| {
                    Line::from(vec![
                        Span::styled(format!("{} ", hms(*t)), s.dim),
                        Span::styled(one_line(&c.describe()).into_owned(), s.text),
                    ])
                }),
        );
    }
    f.render_widget(Paragraph::new(sess), left);
    let mut errs = vec![Line::styled("Errors", s.title)];
    if let Some(h) = hist {
        errs.extend(
            h.errors
                .iter()
                .rev()
                .take(newest(right.height.into()))
                .map(|(t, e)| {
                    Line::from(vec![
                        Span::styled(format!("{} ", hms(*t)), s.dim),
                        Span::styled(one_line(e).into_owned(), s.error),
                    ])
                }),
        );
    }
    f.render_widget(Paragraph::new(errs), right);

    let list = commands(&app.console, name);
    let h = usize::from(cmds.height.saturating_sub(1));
    let cur = app.device_page.cursor.clamped(list.len());
    let top = cur.top(h);
    let mut lines = vec![Line::styled(
        format!(
            "Commands run ({}; Enter opens one in the explorer)",
            list.len()
        ),
        s.title,
    )];
    lines.extend(
        list.iter()
            .enumerate()
            .skip(top)
            .take(h)
            .map(|(i, (_, _, t, r))| {
                let hi = focused && i == cur.selected;
                let pick = |st| if hi { s.selected } else { st };
                Line::from(vec![
                    Span::styled(format!("{} ", hms(t.at)), pick(s.dim)),
                    Span::styled(
                        if r.ok { "ok    " } else { "FAILED" },
                        pick(if r.ok { s.ok } else { s.error }),
                    ),
                    Span::styled(format!(" {:>5} ms  ", r.elapsed_ms), pick(s.dim)),
                    Span::styled(one_line(&t.line).into_owned(), pick(s.text)),
                    Span::styled(format!("  {}", one_line(&r.summary)), pick(s.dim)),
                ])
            }),
    );
    f.render_widget(Paragraph::new(lines), cmds);
}
