//! Pane 4: the JSON explorer: a tree of the selected result (only visible rows are laid
//! out), or its raw text; the jq-style path of the cursor; search and jq filter lines.
//!
//! ```text
//! ┌ 4 Explorer: lab-eos-01 (7 ms) ────────┐
//! │ ▾ {…} 19 keys                         │
//! │   mfgName: "Arista"                   │
//! │ ▸ vlans: {…} 3 keys                   │
//! │ .vlans  (t raw, | jq, / search)       │
//! ```

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::theme::Styles;
use super::{block, one_line, scroll};
use crate::app::state::{App, ExplorerBody};
use crate::explore::doc::Kind;
use crate::explore::tree::Tree;

/// Tree or text rows the pane shows in `r` (borders and the footer line taken off).
pub fn body_rows(r: Rect) -> usize {
    r.height.saturating_sub(3) as usize
}

fn row_line<'a>(t: &'a Tree, i: usize, width: usize, s: &Styles, selected: bool) -> Line<'a> {
    let Some(r) = t.row(i) else {
        return Line::default();
    };
    // The cursor row takes the selection colours whole (the accent can equal its background).
    let pick = |st: ratatui::style::Style| if selected { s.selected } else { st };
    let mut spans = Vec::with_capacity(6);
    // Indent at most half the width: a document nested thousands deep stays drawable.
    spans.push(Span::raw("  ".repeat((r.depth as usize).min(width / 2))));
    let container = r.entry.kind.is_container();
    spans.push(Span::styled(
        if !container {
            "  "
        } else if r.expanded {
            "▾ "
        } else {
            "▸ "
        },
        pick(s.accent),
    ));
    if let Some(k) = t.doc.key(&r.entry) {
        spans.push(Span::styled(k, pick(s.key)));
        spans.push(Span::styled(": ", pick(s.dim)));
    } else if i > 0 {
        spans.push(Span::styled(format!("[{}] ", r.entry.index), pick(s.dim)));
    }
    let used: usize = spans.iter().map(|x| x.width()).sum();
    let room = width.saturating_sub(used);
    match r.entry.kind {
        Kind::Object | Kind::Array => {
            let n = t.count(i);
            let (open, unit) = if r.entry.kind == Kind::Object {
                ("{…}", "keys")
            } else {
                ("[…]", "items")
            };
            spans.push(Span::styled(format!("{open} {n} {unit}"), pick(s.dim)));
        }
        kind => {
            let text = t.doc.text(r.entry.value);
            let st = match kind {
                Kind::String => s.string,
                Kind::Number => s.number,
                _ => s.literal,
            };
            spans.push(Span::styled(one_line(text, room), pick(st)));
        }
    }
    let mut line = Line::from(spans);
    if selected {
        line = line.style(s.selected);
    }
    line
}

pub fn render(f: &mut Frame, r: Rect, app: &App, s: &Styles, focused: bool) {
    let e = &app.explorer;
    let title = if e.title.is_empty() {
        "4 Explorer".to_string()
    } else {
        format!("4 Explorer: {}", e.title)
    };
    let outer = block(title, s, focused);
    let inner = outer.inner(r);
    f.render_widget(outer, r);
    let [body, foot] = Layout::vertical([Constraint::Min(1), Constraint::Length(1)]).areas(inner);
    let h = body.height as usize;
    let w = body.width as usize;
    let lines: Vec<Line> = match &e.body {
        ExplorerBody::Empty => vec![Line::from(Span::styled(
            "run a command in the console; its result opens here",
            s.dim,
        ))],
        ExplorerBody::Text(text) => {
            let start = scroll(e.cursor, e.offset, h);
            text.iter()
                .enumerate()
                .skip(start)
                .take(h)
                .map(|(i, l)| {
                    let line = Line::from(Span::styled(one_line(l, w), s.text));
                    if focused && i == e.cursor {
                        line.style(s.selected)
                    } else {
                        line
                    }
                })
                .collect()
        }
        ExplorerBody::Tree(t) if e.raw => {
            // Raw: the document's own text, only the visible lines.
            let text = std::str::from_utf8(t.doc.bytes()).unwrap_or("");
            text.lines()
                .skip(e.raw_top)
                .take(h)
                .map(|l| Line::from(Span::styled(one_line(l, w), s.text)))
                .collect()
        }
        ExplorerBody::Tree(t) => {
            let start = scroll(e.cursor, e.offset, h);
            (start..(start + h).min(t.len()))
                .map(|i| row_line(t, i, w, s, focused && i == e.cursor))
                .collect()
        }
    };
    f.render_widget(Paragraph::new(lines), body);
    let foot_line = if let Some(j) = &e.job {
        // Work off the UI thread: what, how far, and how to stop it.
        Line::from(vec![
            Span::styled(
                format!("{}… {}%", j.label, j.control.permille() / 10),
                s.accent,
            ),
            Span::styled("  Esc cancels", s.dim),
        ])
    } else if e.searching {
        Line::from(vec![
            Span::styled("/", s.accent),
            Span::styled(format!("{}█", e.search), s.text),
        ])
    } else if e.jq_editing || !e.jq.is_empty() {
        let mut v = vec![
            Span::styled("jq ", s.accent),
            Span::styled(
                format!("{}{}", e.jq, if e.jq_editing { "█" } else { "" }),
                s.text,
            ),
        ];
        if let Some(err) = &e.jq_error {
            v.push(Span::styled(
                format!("  {}", one_line(err, w.saturating_sub(e.jq.len() + 6))),
                s.error,
            ));
        }
        Line::from(v)
    } else if let Some(p) = &e.save_path {
        Line::from(vec![
            Span::styled("save to: ", s.accent),
            Span::styled(format!("{p}█"), s.text),
        ])
    } else if let (ExplorerBody::Tree(_), true) = (&e.body, e.raw) {
        Line::from(vec![
            Span::styled(
                format!("line {}/{}", e.raw_top + 1, e.raw_lines.max(1)),
                s.accent,
            ),
            Span::styled("  t tree · / search", s.dim),
        ])
    } else if let ExplorerBody::Tree(t) = &e.body {
        Line::from(vec![
            Span::styled(one_line(&t.path(e.cursor), w.saturating_sub(24)), s.accent),
            Span::styled("  t raw · | jq · / search", s.dim),
        ])
    } else {
        Line::from(Span::styled("/ search", s.dim))
    };
    f.render_widget(Paragraph::new(foot_line), foot);
}
