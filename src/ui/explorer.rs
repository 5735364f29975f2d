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
use super::{block, one_line};
use crate::app::state::{App, ExplorerBody, ExplorerInput};
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
    let used: usize = spans.iter().map(ratatui::prelude::Span::width).sum();
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

pub fn render(f: &mut Frame<'_>, r: Rect, app: &App, s: &Styles, focused: bool) {
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
    let lines: Vec<Line<'_>> = match &e.body {
        ExplorerBody::Empty => vec![Line::from(Span::styled(
            "run a command in the console; its result opens here",
            s.dim,
        ))],
        ExplorerBody::Text(text) => {
            let start = e.cursor.top(h);
            text.iter()
                .enumerate()
                .skip(start)
                .take(h)
                .map(|(i, l)| {
                    let line = Line::from(Span::styled(one_line(l, w), s.text));
                    if focused && i == e.cursor.selected {
                        line.style(s.selected)
                    } else {
                        line
                    }
                })
                .collect()
        }
        ExplorerBody::Tree(t) if e.raw => {
            // Raw: the document's own text, only the visible lines, and of each only what
            // fits (a minified 50 MB document is one line).
            let b = t.doc.bytes();
            (e.raw_top..(e.raw_top + h).min(e.raw_starts.len()))
                .map(|k| {
                    let start = e.raw_starts[k] as usize;
                    let end = e
                        .raw_starts
                        .get(k + 1)
                        .map_or(b.len(), |&n| n as usize - 1)
                        .min(start + w * 4 + 4)
                        .min(b.len());
                    let text = String::from_utf8_lossy(&b[start.min(end)..end]);
                    let line = text.trim_end_matches('\r');
                    Line::from(Span::styled(one_line(line, w), s.text))
                })
                .collect()
        }
        ExplorerBody::Tree(t) => {
            let start = e.cursor.top(h);
            (start..(start + h).min(t.len()))
                .map(|i| row_line(t, i, w, s, focused && i == e.cursor.selected))
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
    } else if e.input == ExplorerInput::Search {
        Line::from(vec![
            Span::styled("/", s.accent),
            Span::styled(format!("{}█", e.search), s.text),
        ])
    } else if e.input == ExplorerInput::Jq || !e.jq.is_empty() {
        let mut v = vec![
            Span::styled("jq ", s.accent),
            Span::styled(
                format!(
                    "{}{}",
                    e.jq,
                    if e.input == ExplorerInput::Jq {
                        "█"
                    } else {
                        ""
                    }
                ),
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
    } else if let ExplorerInput::SavePath(p) = &e.input {
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
            Span::styled(
                one_line(&t.path(e.cursor.selected), w.saturating_sub(24)),
                s.accent,
            ),
            Span::styled("  t raw · | jq · / search", s.dim),
        ])
    } else {
        Line::from(Span::styled("/ search", s.dim))
    };
    f.render_widget(Paragraph::new(foot_line), foot);
}

#[cfg(test)]
mod tests {
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;

    use crate::app::keymap::KeyMap;
    use crate::app::state::Pane;
    use crate::app::update::{Msg, update};
    use crate::explore::doc::Doc;
    use crate::ui::theme::{Styles, Theme};

    fn screen(app: &crate::app::state::App) -> String {
        let mut term = Terminal::new(TestBackend::new(60, 12)).expect("terminal");
        let styles = Styles::new(&Theme::builtin_default(), true);
        term.draw(|f| {
            crate::ui::render(f, app, &styles, &KeyMap::default());
        })
        .expect("draw");
        let buf = term.backend().buffer();
        (0..buf.area.height)
            .map(|y| {
                (0..buf.area.width)
                    .map(|x| buf[(x, y)].symbol().to_string())
                    .collect::<String>()
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    #[test]
    fn raw_view_shows_the_last_lines_and_cuts_a_long_one() {
        let keys = KeyMap::default();
        let mut app = crate::app::state::App::new(Vec::new(), true, Vec::new());
        app.solo = Some(Pane::Explorer);
        app.focus = Pane::Explorer;
        let mut text = String::from("[\n");
        for i in 0..5000 {
            text.push_str(&format!("  \"line-{i}\",\n"));
        }
        text.push_str(&format!("  \"{}\"\n]", "x".repeat(100_000)));
        let doc = Doc::new(text.into_bytes()).expect("doc");
        let loaded = Msg::Loaded {
            title: "t".into(),
            doc: Ok(doc),
        };
        update(&mut app, &keys, loaded);
        let key = |c| Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE));
        update(&mut app, &keys, key('t'));
        // What the last frame's pane held (the loop records it from the frame).
        app.viewports.explorer = 7;
        update(&mut app, &keys, key('G'));
        let s = screen(&app);
        assert!(s.contains("\"line-4999\","), "{s}");
        assert!(s.contains("\"xxxxxxxx"), "{s}");
        assert!(s.contains("line 4997/5003"), "{s}");
    }
}
