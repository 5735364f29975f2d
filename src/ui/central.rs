//! Pane 5: Central sites (a bar of up/down APs per site) and the AP table, down first.
//!
//! ```text
//! ┌ 5 Central (lab-central-01, 14s ago) ─────────┐
//! │ HQ        ██████████░░  18 up  2 down        │
//! │ name       site   model   ip        status … │
//! ```

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table};

use super::theme::Styles;
use super::{age, block};
use crate::app::central::ap_at;
use crate::app::state::{ApFilter, App};

/// Lines for the site bars: up to a third of the pane, at least one when there are sites.
fn site_rows(inner_h: u16, sites: usize) -> u16 {
    (sites as u16).min(inner_h / 3).max(u16::from(sites > 0))
}

/// AP rows the table shows in `r` (borders, site bars and the header taken off).
pub fn table_rows(r: Rect, app: &App) -> usize {
    let inner_h = r.height.saturating_sub(2);
    let sites: usize = app.central.accounts.values().map(|a| a.sites.len()).sum();
    inner_h
        .saturating_sub(site_rows(inner_h, sites))
        .saturating_sub(1) as usize
}

pub fn render(f: &mut Frame<'_>, r: Rect, app: &App, s: &Styles, focused: bool) {
    let c = &app.central;
    let refreshed = c
        .order
        .iter()
        .filter_map(|n| c.accounts.get(n).and_then(|a| a.at))
        .max()
        // A poll that landed after the clock's last tick is "0s ago", not "never".
        .map(|t| app.now.duration_since(t).unwrap_or_default())
        .map_or_else(
            || "waiting for the first poll".into(),
            |d| format!("{} ago", age(d)),
        );
    let filter = match (c.status, &c.site) {
        (ApFilter::All, None) => String::new(),
        (st, site) => format!(
            " · {}{}",
            match st {
                ApFilter::All => "all",
                ApFilter::Up => "up",
                ApFilter::Down => "down",
            },
            site.as_ref().map(|x| format!(" @ {x}")).unwrap_or_default()
        ),
    };
    let outer = block(format!("5 Central ({refreshed}{filter})"), s, focused);
    let inner = outer.inner(r);
    f.render_widget(outer, r);
    let sites: Vec<_> = c
        .order
        .iter()
        .filter_map(|n| c.accounts.get(n))
        .flat_map(|a| a.sites.iter())
        .collect();
    let site_rows = site_rows(inner.height, sites.len());
    let [top, bottom] =
        Layout::vertical([Constraint::Length(site_rows), Constraint::Min(1)]).areas(inner);
    let bar_w = (top.width as usize).saturating_sub(31).clamp(6, 30);
    let site_lines: Vec<Line<'_>> = sites
        .iter()
        .take(site_rows as usize)
        .map(|site| {
            let total = site.aps_up + site.aps_down;
            let up_cells = (site.aps_up * bar_w).checked_div(total).unwrap_or(0);
            Line::from(vec![
                Span::styled(format!("{:<12.12} ", site.name), s.text),
                Span::styled("█".repeat(up_cells), s.ok),
                // Down is a different glyph, not only a different colour (NO_COLOR, 16 colours).
                Span::styled(
                    "░".repeat(if total == 0 { 0 } else { bar_w - up_cells }),
                    s.error,
                ),
                Span::styled(" ".repeat(if total == 0 { bar_w } else { 0 }), s.dim),
                Span::styled(format!(" {:>3} up", site.aps_up), s.ok),
                Span::styled(
                    format!(" {:>3} down", site.aps_down),
                    if site.aps_down > 0 { s.error } else { s.dim },
                ),
            ])
        })
        .collect();
    f.render_widget(Paragraph::new(site_lines), top);
    // Only the visible rows of the (cached) filtered, sorted view.
    let h = bottom.height.saturating_sub(1) as usize;
    let cur = c.cursor.clamped(c.view.len());
    let sel = cur.selected;
    let start = cur.top(h);
    // Columns by priority, as many as fit: name, status, site first; clients, model and
    // IP, firmware as the pane widens (squeezing all seven into 40 columns cut every one).
    let w = bottom.width;
    let cols: Vec<(&str, Constraint)> = [
        ("name", Constraint::Min(9), 0),
        ("stat", Constraint::Length(4), 0),
        ("site", Constraint::Length(12), 0),
        ("cli", Constraint::Length(4), 40),
        ("model", Constraint::Length(8), 60),
        ("ip", Constraint::Length(15), 76),
        ("firmware", Constraint::Min(8), 90),
    ]
    .into_iter()
    .filter(|(_, _, min_w)| w >= *min_w)
    .map(|(n, c, _)| (n, c))
    .collect();
    let rows = (start..(start + h).min(c.view.len()))
        .filter_map(|i| ap_at(&app.central, i).map(|(_, ap)| (i, ap)))
        .map(|(i, ap)| {
            let hi = focused && i == sel;
            let pick = |st: ratatui::style::Style| if hi { s.selected } else { st };
            let (word, st) = if ap.up {
                ("up", s.ok)
            } else {
                ("DOWN", s.error)
            };
            let cells = cols.iter().map(|(name, _)| match *name {
                "name" => Cell::from(ap.name.clone()).style(pick(s.text)),
                "stat" => Cell::from(word).style(pick(st)),
                "site" => Cell::from(ap.site.clone()).style(pick(s.dim)),
                "cli" => Cell::from(ap.clients.to_string()).style(pick(s.text)),
                "model" => Cell::from(ap.model.clone()).style(pick(s.dim)),
                "ip" => Cell::from(ap.ip.clone()).style(pick(s.dim)),
                _ => Cell::from(ap.firmware.clone()).style(pick(s.dim)),
            });
            let row = Row::new(cells);
            if hi { row.style(s.selected) } else { row }
        });
    let table = Table::new(rows, cols.iter().map(|(_, c)| *c))
        .header(Row::new(cols.iter().map(|(n, _)| *n)).style(s.title))
        .column_spacing(1);
    f.render_widget(table, bottom);
}
