//! Pane 1: one row per device and Central account.
//!
//! ```text
//! ┌ 1 Devices (sort: name) ──────────────────────────────────────────────┐
//! │   name          kind    state  latency         poll  model / version  │
//! │ * spine-eos-01  eos     up       3 ms ▂▃▂▅▂    4s    cEOSLab 4.30.0F  │
//! │   !tls lab-cx-01 aoscx  up      20 ms ▂▂▃▂     4s    8325 GL.10.09     │
//! ```
//!
//! `!tls` marks a target with `verify_tls = false`.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Row, Table};

use super::theme::Styles;
use super::{age, block, state_style};
use crate::app::state::App;

const SPARK: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/// A sparkline of the last `n` samples, scaled to their own maximum.
pub fn sparkline(samples: impl Iterator<Item = u64> + Clone, n: usize) -> String {
    let v: Vec<u64> = samples.collect();
    let tail = &v[v.len().saturating_sub(n)..];
    let max = tail.iter().copied().max().unwrap_or(0).max(1);
    tail.iter()
        .map(|x| SPARK[((x * 7) / max).min(7) as usize])
        .collect()
}

/// What marks a target whose certificate is not checked (`verify_tls = false`).
pub const UNVERIFIED_MARK: &str = "!tls";

/// The name, after [`UNVERIFIED_MARK`] in the warning colour when certificates go
/// unchecked: in front, so a long name is what gets cut, never the mark.
fn name_cell<'a>(
    row: &crate::app::state::DeviceRow,
    s: &Styles,
    hi: bool,
    grouped: bool,
) -> Cell<'a> {
    let pick = |st: ratatui::style::Style| if hi { s.selected } else { st };
    let name = super::account_label(&row.name, row.kind, grouped).into_owned();
    if row.tls_unverified {
        Cell::from(Line::from(vec![
            Span::styled(UNVERIFIED_MARK, pick(s.warn)),
            Span::raw(" "),
            Span::styled(name, pick(s.text)),
        ]))
    } else {
        Cell::from(name).style(pick(s.text))
    }
}

/// Device rows the pane shows in `r` (borders and the header line taken off).
/// An error as the row shows it. The row already names the device and its host, so the
/// peer a driver put into the message (`10.0.0.1:443: `, `sw1 (10.0.0.1:443) `) is left out
/// and the narrow cell starts with what failed.
fn without_peer(error: &str, name: &str, host: &str) -> String {
    let named = format!("{name} ({host})");
    [
        format!("{named}: "),
        format!("{named} "),
        format!("{host}: "),
    ]
    .iter()
    .fold(error.to_string(), |e, peer| e.replace(peer.as_str(), ""))
}

pub fn body_rows(r: Rect) -> usize {
    r.height.saturating_sub(3) as usize
}

pub fn render(f: &mut Frame<'_>, r: Rect, app: &App, s: &Styles, focused: bool) {
    let d = &app.devices;
    let title = if d.filtering || !d.filter.is_empty() {
        format!(
            "1 Devices (sort: {}, filter: {}{})",
            d.sort.label(),
            d.filter,
            if d.filtering { "█" } else { "" }
        )
    } else {
        format!("1 Devices ({} · sort: {})", d.rows.len(), d.sort.label())
    };
    let inner_h = body_rows(r);
    let cur = d.cursor.clamped(d.view.len());
    let sel = cur.selected;
    let start = cur.top(inner_h);
    // Host from 90 columns (the wide layout at 160), tags too from 110.
    let wide = r.width >= 90;
    let wider = r.width >= 110;
    let rows = d
        .view
        .iter()
        .skip(start)
        .take(inner_h)
        .enumerate()
        .filter_map(|(k, &i)| {
            let row = d.rows.get(i)?;
            // On the focused cursor row every cell takes the selection colours: a cell's
            // own colour (the accent) can equal the selection background and vanish.
            let hi = focused && start + k == sel;
            let pick = |st: ratatui::style::Style| if hi { s.selected } else { st };
            let (st, word) = state_style(&row.state, s);
            let lat = row
                .latency
                .back()
                .map_or_else(|| "   - ms".into(), |l| format!("{l:>4} ms"));
            let spark = sparkline(row.latency.iter().copied(), 8);
            let poll = row
                .last_poll
                .and_then(|t| app.now.duration_since(t).ok())
                .map_or_else(|| "-".into(), age);
            let mv = match (&row.facts.model, &row.facts.version) {
                (Some(m), Some(v)) => format!("{m} {v}"),
                (Some(m), None) => m.clone(),
                (None, Some(v)) => v.clone(),
                _ => row
                    .last_error
                    .as_deref()
                    .map(|e| without_peer(e, &row.name, &row.host))
                    .unwrap_or_default(),
            };
            let mut cells = vec![
                Cell::from(if row.marked { "*" } else { " " }).style(pick(s.accent)),
                // Sorted by name, tenants sit right under their MSP.
                name_cell(row, s, hi, d.sort == crate::app::state::SortBy::Name),
                Cell::from(row.kind.as_str()).style(pick(s.dim)),
                Cell::from(word).style(pick(st)),
                Cell::from(Line::from(vec![
                    Span::styled(lat, pick(s.text)),
                    Span::raw(" "),
                    Span::styled(spark, pick(s.accent)),
                ])),
                Cell::from(poll).style(pick(s.dim)),
                Cell::from(mv).style(pick(
                    if row.facts.model.is_none() && row.last_error.is_some() {
                        s.error
                    } else {
                        s.text
                    },
                )),
            ];
            if wide {
                cells.insert(3, Cell::from(row.host.clone()).style(pick(s.dim)));
            }
            if wider {
                cells.push(Cell::from(row.tags.join(",")).style(pick(s.dim)));
            }
            let mut line = Row::new(cells);
            if focused && start + k == sel {
                line = line.style(s.selected);
            } else if start + k == sel {
                line = line.style(s.text.add_modifier(ratatui::style::Modifier::UNDERLINED));
            }
            Some(line)
        });
    let mut widths = vec![
        Constraint::Length(1),
        Constraint::Min(12),
        Constraint::Length(7),
        Constraint::Length(6),
        Constraint::Length(16),
        Constraint::Length(5),
        Constraint::Min(10),
    ];
    let mut header = vec![
        "",
        "name",
        "kind",
        "state",
        "latency",
        "poll",
        "model / version",
    ];
    if wide {
        widths.insert(3, Constraint::Length(15));
        header.insert(3, "host");
    }
    if wider {
        widths.push(Constraint::Length(12));
        header.push("tags");
    }
    let table = Table::new(rows, widths)
        .header(Row::new(header).style(s.title))
        .block(block(title, s, focused))
        .column_spacing(1);
    f.render_widget(table, r);
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_row_error_starts_with_what_failed() {
        let host = "10.0.0.1:443";
        assert_eq!(
            super::without_peer("10.0.0.1:443: TLS: certificate not trusted", "sw1", host),
            "TLS: certificate not trusted"
        );
        assert_eq!(
            super::without_peer(
                "bad response: sw1 (10.0.0.1:443) sent truncated JSON",
                "sw1",
                host
            ),
            "bad response: sent truncated JSON"
        );
        assert_eq!(
            super::without_peer("HTTP 500: Internal Server Error", "sw1", host),
            "HTTP 500: Internal Server Error"
        );
    }

    #[test]
    fn sparkline_scales() {
        assert_eq!(super::sparkline([1, 2, 4, 8].into_iter(), 8), "▁▂▄█");
        assert_eq!(super::sparkline([0, 0].into_iter(), 8), "▁▁");
        assert_eq!(super::sparkline(1..=20_u64, 3).chars().count(), 3);
    }
}
