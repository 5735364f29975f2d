//! Pane 3: the transcript (newest at the bottom) and the command input.
//!
//! ```text
//! ┌ 3 Console ───────────────────────────────┐
//! │ › @tag:eos show version   2/2 · 0 failed │
//! │   ok  lab-eos-01   7 ms  {mfgName, …}    │
//! │ > @all show clock█                       │
//! ```

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use super::theme::Styles;
use super::{block, one_line};
use crate::app::state::App;

pub fn render(f: &mut Frame<'_>, r: Rect, app: &App, s: &Styles, focused: bool) {
    let c = &app.console;
    let outer = block("3 Console", s, focused);
    let inner = outer.inner(r);
    f.render_widget(outer, r);
    let [log, input] = Layout::vertical([Constraint::Min(1), Constraint::Length(2)]).areas(inner);
    let w = log.width as usize;
    // Build only as many lines as fit, from the newest backwards; when the cursor is on an
    // older result, go back until it is in view (the transcript is bounded).
    let h = log.height as usize;
    let cursor = (focused && !c.editing).then_some(c.cursor.selected);
    let mut lines: Vec<Line<'_>> = Vec::new();
    let mut cursor_at: Option<usize> = None;
    let mut result_index = 0usize;
    'outer: for t in c.transcript.iter().rev() {
        let mut block_lines: Vec<Line<'_>> = Vec::new();
        let progress = if t.total == 0 {
            "…".to_string()
        } else if t.done < t.total {
            format!("{}/{} running · {} failed", t.done, t.total, t.failed)
        } else {
            format!("{}/{} · {} failed", t.done, t.total, t.failed)
        };
        block_lines.push(Line::from(vec![
            Span::styled("› ", s.accent),
            Span::styled(
                one_line(&t.line, w.saturating_sub(progress.len() + 4)),
                s.text,
            ),
            Span::styled(
                format!("  {progress}"),
                if t.failed > 0 { s.warn } else { s.dim },
            ),
        ]));
        if let Some(n) = &t.note {
            block_lines.push(Line::from(Span::styled(
                format!("  {}", one_line(n, w.saturating_sub(2))),
                s.warn,
            )));
        }
        let mut rs: Vec<(Line<'_>, bool)> = Vec::new();
        for res in t.results.iter().rev() {
            let selected = cursor == Some(result_index);
            result_index += 1;
            let (word, st) = if res.ok {
                ("ok ", s.ok)
            } else {
                ("ERR", s.error)
            };
            let head = format!("  {word} {:<14.14} {:>5} ms  ", res.target, res.elapsed_ms);
            let line = Line::from(vec![
                Span::styled(head.clone(), if selected { s.selected } else { st }),
                Span::styled(
                    one_line(&res.summary, w.saturating_sub(head.chars().count())),
                    if res.ok { s.dim } else { s.error },
                ),
            ]);
            rs.push((line, selected));
        }
        // Newest first: the results bottom-up, then the note and the command line.
        let block_lines = rs
            .into_iter()
            .chain(block_lines.into_iter().rev().map(|l| (l, false)));
        for (l, selected) in block_lines {
            if selected {
                cursor_at = Some(lines.len());
            }
            lines.push(l);
            let cursor_seen = cursor.is_none() || cursor_at.is_some();
            if lines.len() >= h && cursor_seen {
                break 'outer;
            }
        }
    }
    // Drop the newest lines that would push the cursor off the top.
    let skip = cursor_at.map_or(0, |p| (p + 1).saturating_sub(h));
    let mut lines: Vec<Line<'_>> = lines.into_iter().skip(skip).take(h).collect();
    lines.reverse();
    if lines.is_empty() {
        lines.push(Line::from(Span::styled(
            "type @target show version and press enter (3 or i to type)",
            s.dim,
        )));
    }
    f.render_widget(Paragraph::new(lines), log);
    let mut ta = c.input.clone();
    let label = if let Some(q) = &c.history_search {
        format!("search: {q}")
    } else if c.editing {
        "input".into()
    } else {
        "input (i to type)".into()
    };
    ta.set_block(
        Block::default()
            .borders(Borders::TOP)
            .border_style(if c.editing { s.border_focus } else { s.border })
            .title(Span::styled(label, s.dim)),
    );
    ta.set_cursor_line_style(s.text);
    ta.set_style(s.text);
    if !c.editing {
        ta.set_cursor_style(s.text);
    }
    f.render_widget(&ta, input);
}
