//! Pane 5: every AP source (Central accounts, Mobility Conductors) in one view: a line per
//! source (last refresh, next refresh and its cost), site bars, and the AP table, down
//! first. Only the visible rows of the cached list are drawn.
//!
//! ```text
//! ┌ 5 Central 250 APs · lab-central-01 120 · lab-central-02 100 · lab-mc-01 30 ┐
//! │lab-central-01  14s ago · next in 16s · 3 calls of 7/s, 4,870 left today     │
//! │lab-mc-01        3s ago · next in 7s · 2 showcommands, no quota              │
//! │lab-central-01/Austin-02 ████████░░  15 up   5 down                          │
//! │name       stat site                    cli model  ip        mac    firmware│
//! ```

use std::time::SystemTime;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table};

use super::theme::Styles;
use super::{age, block};
use crate::app::central::ap_at;
use crate::app::state::{ApFilter, App, CentralAccount, CentralState};
use crate::engine::messages::{AccessPoint, ApSourceKind, Site};

/// The three blocks above the table: source lines, site bars (at most a third of the
/// pane each, at least one line when there is something to show).
fn head_rows(inner_h: u16, sources: usize, sites: usize) -> (u16, u16) {
    let third = inner_h / 3;
    let src = (sources.min(usize::from(u16::MAX)) as u16)
        .min(third)
        .max(u16::from(sources > 0));
    let st = (sites.min(usize::from(u16::MAX)) as u16)
        .min(third)
        .max(u16::from(sites > 0 && inner_h > 6));
    (src, st)
}

/// The sites whose bars are shown: those of the sources the source filter leaves.
fn shown_sites(c: &CentralState) -> Vec<(&str, &Site)> {
    let want = c.source.as_ref().map(|s| s.to_lowercase());
    c.order
        .iter()
        .filter(|n| {
            want.as_ref()
                .is_none_or(|w| n.to_lowercase().contains(w.as_str()))
        })
        .filter_map(|n| c.accounts.get(n).map(|a| (n.as_str(), a)))
        .flat_map(|(n, a)| a.sites.iter().map(move |s| (n, s)))
        .collect()
}

/// AP rows the table shows in `r` (borders, source lines, site bars and the header off).
pub fn table_rows(r: Rect, app: &App) -> usize {
    let inner_h = r.height.saturating_sub(2);
    let sites = shown_sites(&app.central).len();
    let (src, st) = head_rows(inner_h, app.central.order.len(), sites);
    inner_h
        .saturating_sub(src)
        .saturating_sub(st)
        .saturating_sub(1) as usize
}

/// 4870 as "4,870".
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

/// `s` in `w` columns, cut on the left ("…ral-02/Branch-Sydney-01"): the end of a
/// prefixed site label tells more than its start.
fn fit_left(s: &str, w: usize) -> String {
    let n = s.chars().count();
    if n <= w {
        return s.to_string();
    }
    let keep = w.saturating_sub(1);
    std::iter::once('…')
        .take(usize::from(w > 0))
        .chain(s.chars().skip(n - keep))
        .collect()
}

/// The title: total, filters, then APs per source as far as they fit in `width`.
fn title(c: &CentralState, width: usize) -> String {
    if c.order.is_empty() {
        return "5 Central: no Central account or Conductor configured".into();
    }
    let total: usize = c
        .order
        .iter()
        .filter_map(|n| c.accounts.get(n))
        .map(|a| a.aps.len())
        .sum();
    let mut t = format!("5 Central {} APs", thousands(total as u64));
    if c.filtered() {
        let mut f: Vec<String> = Vec::new();
        match c.status {
            ApFilter::All => {}
            ApFilter::Up => f.push("up".into()),
            ApFilter::Down => f.push("down".into()),
        }
        if let Some(s) = &c.source {
            f.push(format!("source {s}"));
        }
        if let Some(s) = &c.site {
            f.push(format!("@ {s}"));
        }
        if let Some(m) = &c.model {
            f.push(format!("model {m}"));
        }
        t.push_str(&format!(
            " ({} shown: {})",
            thousands(c.view.len() as u64),
            f.join(" ")
        ));
    }
    if c.order.len() > 1 {
        let room = width.saturating_sub(4);
        for (k, name) in c.order.iter().enumerate() {
            let n = c.accounts.get(name).map_or(0, |a| a.aps.len());
            let part = format!(" · {name} {}", thousands(n as u64));
            let left = c.order.len() - k - 1;
            let more = if left > 0 {
                format!(" · +{left} more")
            } else {
                String::new()
            };
            if t.chars().count() + part.chars().count() + more.chars().count() > room {
                // "+2 more" after some sources; "3 sources" when none fits.
                if k == 0 {
                    t.push_str(&format!(" · {} sources", c.order.len()));
                } else {
                    t.push_str(&format!(" · +{} more", c.order.len() - k));
                }
                break;
            }
            t.push_str(&part);
        }
    }
    t
}

/// "14s ago · next in 16s · 3 calls of 7/s, 4,870 left today" for one source; in a narrow
/// pane the short form "14s ago · next 16s · 3 calls · 4,870 left", in a narrower one
/// "14s ago · 3 calls in 16s" (what matters first).
fn source_line(a: &CentralAccount, now: SystemTime, width: usize) -> String {
    let full = source_text(a, now, false);
    if full.chars().count() <= width {
        return full;
    }
    let short = source_text(a, now, true);
    if short.chars().count() <= width {
        return short;
    }
    let Some(at) = a.at else { return short };
    let calls = a.calls.unwrap_or(0);
    let what = match a.kind {
        ApSourceKind::Conductor => "cmds",
        ApSourceKind::Central => "calls",
    };
    let next = a
        .next_at
        .map(|n| {
            n.duration_since(now)
                .map_or_else(|_| " now".into(), |d| format!(" in {}", age(d)))
        })
        .unwrap_or_default();
    format!(
        "{} ago · {calls} {what}{next}",
        age(now.duration_since(at).unwrap_or_default())
    )
}

fn source_text(a: &CentralAccount, now: SystemTime, short: bool) -> String {
    let Some(at) = a.at else {
        return "waiting for the first poll".into();
    };
    // A poll that landed after the clock's last tick is "0s ago", not "never".
    let mut out = format!("{} ago", age(now.duration_since(at).unwrap_or_default()));
    if let Some(next) = a.next_at {
        match next.duration_since(now) {
            Ok(d) if short => out.push_str(&format!(" · next {}", age(d))),
            Ok(d) => out.push_str(&format!(" · next in {}", age(d))),
            Err(_) => out.push_str(" · next due"),
        }
    }
    let calls = a.calls.unwrap_or(0);
    match a.kind {
        ApSourceKind::Conductor if short => out.push_str(&format!(" · {calls} cmds")),
        ApSourceKind::Conductor => {
            out.push_str(&format!(" · {calls} showcommands, no quota"));
        }
        ApSourceKind::Central => {
            out.push_str(&format!(" · {calls} calls"));
            if let (true, Some(left)) = (short, a.budget.as_ref().and_then(|b| b.remaining_day)) {
                out.push_str(&format!(" · {} left", thousands(left)));
            } else if let (false, Some(b)) = (short, &a.budget) {
                out.push_str(&format!(" of {}/s", b.per_second_limit));
                if let Some(left) = b.remaining_day {
                    out.push_str(&format!(", {} left today", thousands(left)));
                }
            }
        }
    }
    out
}

pub fn render(f: &mut Frame<'_>, r: Rect, app: &App, s: &Styles, focused: bool) {
    let c = &app.central;
    let outer = block(title(c, r.width as usize), s, focused);
    let inner = outer.inner(r);
    f.render_widget(outer, r);
    let sites = shown_sites(c);
    let (src_rows, site_rows) = head_rows(inner.height, c.order.len(), sites.len());
    let [srcs, top, bottom] = Layout::vertical([
        Constraint::Length(src_rows),
        Constraint::Length(site_rows),
        Constraint::Min(1),
    ])
    .areas(inner);

    // One line per source: when it refreshed, when it refreshes next, what that costs.
    let name_w = c
        .order
        .iter()
        .map(|n| n.chars().count())
        .max()
        .unwrap_or(0)
        .min(srcs.width as usize / 3);
    let src_lines: Vec<Line<'_>> = c
        .order
        .iter()
        .take(src_rows as usize)
        .filter_map(|n| c.accounts.get(n).map(|a| (n, a)))
        .map(|(n, a)| {
            let picked = c.source.as_deref() == Some(n.as_str());
            Line::from(vec![
                Span::styled(
                    format!("{} ", super::fit_name(n, name_w)),
                    if picked { s.accent } else { s.text },
                ),
                Span::styled(
                    source_line(a, app.now, (srcs.width as usize).saturating_sub(name_w + 1)),
                    s.dim,
                ),
            ])
        })
        .collect();
    f.render_widget(Paragraph::new(src_lines), srcs);

    // Site bars; labels carry the source when there are several.
    let labels: Vec<String> = sites
        .iter()
        .take(site_rows as usize)
        .map(|(n, site)| c.site_label(n, &site.name))
        .collect();
    let label_w = labels
        .iter()
        .map(|l| l.chars().count())
        .max()
        .unwrap_or(0)
        .clamp(12, (top.width as usize / 2).max(12));
    let bar_w = (top.width as usize)
        .saturating_sub(label_w + 19)
        .clamp(6, 30);
    let site_lines: Vec<Line<'_>> = sites
        .iter()
        .zip(labels)
        .map(|((_, site), label)| {
            let total = site.aps_up + site.aps_down;
            let up_cells = (site.aps_up * bar_w).checked_div(total).unwrap_or(0);
            Line::from(vec![
                Span::styled(format!("{:<label_w$} ", fit_left(&label, label_w)), s.text),
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
    let end = (start + h).min(c.view.len());
    let visible: Vec<(usize, &str, &AccessPoint)> = (start..end)
        .filter_map(|i| ap_at(c, i).map(|(n, ap)| (i, n, ap)))
        .collect();
    let site_w = visible
        .iter()
        .map(|(_, n, ap)| {
            if c.prefixed() {
                n.chars().count() + 1 + ap.site.chars().count()
            } else {
                ap.site.chars().count()
            }
        })
        .max()
        .unwrap_or(0)
        .clamp(12, 26)
        .min((bottom.width as usize / 2).max(12)) as u16;
    // Columns by priority, as many as fit: name, status, site first; clients, model, IP,
    // firmware, then MAC and serial as the pane widens (squeezing all into 40 columns
    // cut every one).
    let w = bottom.width;
    let cols: Vec<(&str, Constraint)> = [
        ("name", Constraint::Min(9), 0),
        ("stat", Constraint::Length(4), 0),
        ("site", Constraint::Length(site_w), 0),
        ("cli", Constraint::Length(4), 40),
        ("model", Constraint::Length(8), 60),
        ("ip", Constraint::Length(15), 76),
        ("firmware", Constraint::Min(8), 90),
        ("mac", Constraint::Length(17), 120),
        ("serial", Constraint::Length(12), 134),
    ]
    .into_iter()
    .filter(|(_, _, min_w)| w >= *min_w)
    .map(|(n, c, _)| (n, c))
    .collect();
    let rows = visible.into_iter().map(|(i, n, ap)| {
        let hi = focused && i == sel;
        let pick = |st: ratatui::style::Style| if hi { s.selected } else { st };
        let (word, st) = if ap.up {
            ("up", s.ok)
        } else {
            ("DOWN", s.error)
        };
        let cells = cols.iter().map(|(name, _)| match *name {
            "name" => Cell::from(ap.name.as_str()).style(pick(s.text)),
            "stat" => Cell::from(word).style(pick(st)),
            "site" => {
                Cell::from(fit_left(&c.site_label(n, &ap.site), site_w as usize)).style(pick(s.dim))
            }
            "cli" => Cell::from(
                ap.clients
                    .map_or_else(|| "-".to_string(), |n| n.to_string()),
            )
            .style(pick(s.text)),
            "model" => Cell::from(ap.model.as_str()).style(pick(s.dim)),
            "ip" => Cell::from(ap.ip.as_str()).style(pick(s.dim)),
            "mac" => Cell::from(ap.mac.as_str()).style(pick(s.dim)),
            "serial" => Cell::from(ap.serial.as_str()).style(pick(s.dim)),
            _ => Cell::from(ap.firmware.as_str()).style(pick(s.dim)),
        });
        let row = Row::new(cells);
        if hi { row.style(s.selected) } else { row }
    });
    let table = Table::new(rows, cols.iter().map(|(_, c)| *c))
        .header(Row::new(cols.iter().map(|(n, _)| *n)).style(s.title))
        .column_spacing(1);
    f.render_widget(table, bottom);
}

#[cfg(test)]
mod tests {
    use super::{fit_left, thousands};

    #[test]
    fn long_labels_keep_their_end() {
        assert_eq!(fit_left("lab-central-02/Branch-01", 12), "…2/Branch-01");
        assert_eq!(fit_left("HQ", 12), "HQ");
        assert_eq!(fit_left("HQ", 0), "");
        assert_eq!(fit_left("abc", 1), "…");
    }

    #[test]
    fn thousands_are_separated() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(4870), "4,870");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }
}
