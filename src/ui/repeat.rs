//! The repeat view (`:every`), drawn in the explorer pane while a repeat is open: the
//! shown run's answers, target by target, changed lines marked (`~` changed, `+` added,
//! `-` removed: never colour alone) with their delta and rate or old value beside them.
//!
//! ```text
//! ┏▶ 4 Repeat: show interfaces counters · every 5 s ━━━━━━━━━━━━━━━━┓
//! ┃lab-eos-01 (eos) 3 ms · 6 changes since the previous run         ┃
//! ┃  interfaces                                                     ┃
//! ┃    Ethernet1                                                    ┃
//! ┃~     inOctets: 1234567  (+1200, 240/s)                          ┃
//! ┃run 3 of 3 · next in 4 s · [ ] runs · b since first · Esc stops  ┃
//! ┗━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┛
//! ```

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::theme::Styles;
use super::{block, one_line};
use crate::app::state::{App, Repeat, RepeatRow as Row};
use crate::repeat::history::Since;
use crate::repeat::lines::Mark;

pub fn render(f: &mut Frame<'_>, r: Rect, app: &App, s: &Styles, focused: bool) {
    let Some(v) = app.repeat.view.as_ref() else {
        return;
    };
    let state = if v.running { "" } else { " · stopped" };
    let title = format!("4 Repeat: {} · {}{state}", v.line, v.plan.describe());
    let outer = block(
        one_line(&title, r.width.saturating_sub(4) as usize),
        s,
        focused,
    );
    let inner = outer.inner(r);
    f.render_widget(outer, r);
    let [body, foot] = Layout::vertical([Constraint::Min(1), Constraint::Length(1)]).areas(inner);
    let (h, w) = (body.height as usize, body.width as usize);
    let all = &v.rows;
    let lines: Vec<Line<'_>> = if all.is_empty() {
        let waiting = v
            .note
            .clone()
            .unwrap_or_else(|| "waiting for the first answers…".into());
        vec![Line::from(Span::styled(one_line(&waiting, w), s.dim))]
    } else {
        let top = v.scroll.min(all.len().saturating_sub(1));
        all.iter()
            .skip(top)
            .take(h)
            .map(|row| row_line(row, v.since, w, s))
            .collect()
    };
    f.render_widget(Paragraph::new(lines), body);
    f.render_widget(
        Paragraph::new(Line::from(Span::styled(
            one_line(&footer(v, app.now), foot.width as usize),
            s.dim,
        ))),
        foot,
    );
}

fn row_line<'a>(row: &Row, since: Since, w: usize, s: &Styles) -> Line<'a> {
    match row {
        Row::Target {
            name,
            kind,
            elapsed_ms,
            failed,
            changes,
        } => {
            let kind = kind.map_or(String::new(), |k| format!(" ({k})"));
            let what = match changes {
                None => String::new(),
                Some(0) => format!(" · no changes {}", since.word()),
                Some(1) => format!(" · 1 change {}", since.word()),
                Some(n) => format!(" · {n} changes {}", since.word()),
            };
            let failed_word = if *failed { " FAILED" } else { "" };
            let text = format!("{name}{kind}{failed_word} {elapsed_ms} ms{what}");
            let style = if *failed { s.error } else { s.title };
            Line::from(Span::styled(one_line(&text, w), style))
        }
        Row::Line(l) => {
            let (glyph, style) = match l.mark {
                None => (" ", s.text),
                Some(Mark::Changed) => ("~", s.warn),
                Some(Mark::Added) => ("+", s.ok),
                Some(Mark::Removed) => ("-", s.error),
            };
            let text = one_line(&l.text, w.saturating_sub(2));
            let room = w.saturating_sub(text.chars().count() + 3);
            let mut spans = vec![Span::styled(glyph, style), Span::styled(text, style)];
            if !l.note.is_empty() && room > 0 {
                spans.push(Span::raw("  "));
                spans.push(Span::styled(one_line(&l.note, room), s.accent));
            }
            Line::from(spans)
        }
    }
}

fn footer(v: &Repeat, now: std::time::SystemTime) -> String {
    let shown = v.history.back(v.back).map_or(0, |r| r.n);
    let latest = v.history.back(0).map_or(0, |r| r.n);
    let when = if !v.running {
        "stopped · Esc closes".to_string()
    } else if v.current.is_some() {
        "running…".to_string()
    } else {
        v.due.map_or(String::new(), |d| {
            let secs = d.duration_since(now).map_or(0, |x| x.as_secs());
            format!("next in {secs} s")
        })
    };
    let other = match v.since {
        Since::Previous => "b since first",
        Since::First => "b since previous",
    };
    let stop = if v.running { " · Esc stops" } else { "" };
    format!("run {shown} of {latest} · {when} · [ ] runs · {other}{stop}")
}
