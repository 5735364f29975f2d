//! The compare view, drawn over the panes while open: the summary, the groups (A is the
//! reference), and the selected group's diff against A with jq paths and both values.
//!
//! ```text
//! ┏▶ Compare: @tag:eos show version ━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┓
//! ┃1 identical, 1 differs: lab-eos-02                             ┃
//! ┃ignoring ..uptime, .memFree, .serialNumber …        (i: off)   ┃
//! ┃  A  1  lab-eos-01                                reference    ┃
//! ┃▶ B  1  lab-eos-02                                2 changes    ┃
//! ┃── B against A ────────────────────────────────────────────────┃
//! ┃~ .version                                                     ┃
//! ┃    A "4.30.0F-31408673.4300F (engineering build)"             ┃
//! ┃    B "4.31.1F"                                                ┃
//! ┃h/l group  j/k scroll  i ignore volatile  esc back             ┃
//! ┗━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┛
//! ```

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

use super::theme::Styles;
use super::{block, one_line};
use crate::app::compare::DiffRow;
use crate::app::keymap::{Action, KeyMap};
use crate::app::state::CompareView;
use crate::compare::report::label;

pub fn render(f: &mut Frame<'_>, r: Rect, v: &CompareView, s: &Styles, keys: &KeyMap) {
    f.render_widget(Clear, r);
    let outer = block(format!("Compare: {}", v.title), s, true);
    let inner = outer.inner(r);
    f.render_widget(outer, r);
    let w = inner.width as usize;
    let c = &v.result;
    // Groups get up to a third of the height (at least 2 rows), the diff the rest.
    let group_rows = c.groups.len().clamp(1, (inner.height as usize / 3).max(2)) as u16;
    let [summary, ignored, groups, rule, diff, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Length(group_rows),
        Constraint::Length(1),
        Constraint::Min(1),
        Constraint::Length(1),
    ])
    .areas(inner);
    let style = if c.all_equal() { s.ok } else { s.warn };
    f.render_widget(
        Paragraph::new(Span::styled(one_line(&c.summary(), w), style)),
        summary,
    );
    let ign = if !v.ignoring {
        "comparing everything, volatile fields too".to_string()
    } else if c.ignored.is_empty() {
        "nothing volatile known for this command".to_string()
    } else {
        format!("ignoring {}", c.ignored.join(", "))
    };
    f.render_widget(
        Paragraph::new(Span::styled(one_line(&ign, w), s.dim)),
        ignored,
    );

    let top = v.group.top(groups.height as usize);
    let lines: Vec<Line<'_>> = c
        .groups
        .iter()
        .enumerate()
        .skip(top)
        .take(groups.height as usize)
        .map(|(i, g)| {
            let selected = i == v.group.selected;
            let what = if g.failed() {
                "failed".to_string()
            } else {
                match c.diffs.get(i).and_then(Option::as_ref) {
                    None => "reference".into(),
                    Some(d) if d.len() == 1 => "1 change".into(),
                    Some(d) => format!("{} changes", d.len()),
                }
            };
            let name = if g.failed() { "!".into() } else { label(i) };
            let head = format!(
                "{} {name:<2} {:>3}  ",
                if selected { "▶" } else { " " },
                g.targets.len()
            );
            let room = w.saturating_sub(head.chars().count() + what.len() + 2);
            let targets = one_line(&g.targets.join(", "), room);
            let pad = room.saturating_sub(targets.chars().count());
            let st = if selected { s.selected } else { s.text };
            Line::from(vec![
                Span::styled(head, st),
                Span::styled(targets, st),
                Span::raw(" ".repeat(pad + 2)),
                Span::styled(what, if g.failed() { s.error } else { s.dim }),
            ])
        })
        .collect();
    f.render_widget(Paragraph::new(lines), groups);

    let sel = v.group.selected;
    let heading = match c.groups.get(sel) {
        Some(g) if g.failed() => "── failed targets ".to_string(),
        Some(_) if sel > 0 => format!("── {} against A ", label(sel)),
        _ => "── A ".to_string(),
    };
    let fill = w.saturating_sub(heading.chars().count());
    f.render_widget(
        Paragraph::new(Span::styled(heading + &"─".repeat(fill), s.dim)),
        rule,
    );

    let all = &v.rows;
    let h = diff.height as usize;
    let start = v.scroll.min(all.len().saturating_sub(1));
    let lines: Vec<Line<'_>> = all
        .iter()
        .skip(start)
        .take(h)
        .map(|row| diff_line(row, w, s))
        .collect();
    f.render_widget(Paragraph::new(lines), diff);

    let more = if all.len() > start + h {
        format!("  {} more rows", all.len() - start - h)
    } else {
        String::new()
    };
    let hint = format!(
        "{}/{} group  {}/{} scroll  {} ignore volatile ({})  esc back{more}",
        keys.label(Action::Left),
        keys.label(Action::Right),
        keys.label(Action::Down),
        keys.label(Action::Up),
        keys.label(Action::FocusInput),
        if v.ignoring { "on" } else { "off" },
    );
    f.render_widget(
        Paragraph::new(Span::styled(one_line(&hint, w), s.dim)),
        footer,
    );
}

fn diff_line<'a>(row: &DiffRow, w: usize, s: &Styles) -> Line<'a> {
    let marker = |m: char| match m {
        '+' => s.ok,
        '-' => s.error,
        _ => s.warn,
    };
    match row {
        DiffRow::Path(m, p) => Line::from(vec![
            Span::styled(format!("{m} "), marker(*m)),
            Span::styled(one_line(p, w.saturating_sub(2)), s.key),
        ]),
        DiffRow::Value(l, v) => Line::from(vec![
            Span::styled(format!("    {l:<2} "), s.dim),
            Span::styled(one_line(v, w.saturating_sub(7)), s.string),
        ]),
        DiffRow::Line(m, n, t) => Line::from(vec![
            Span::styled(format!("{m}{n:>5} │ "), marker(*m)),
            Span::styled(one_line(t, w.saturating_sub(9)), s.text),
        ]),
        DiffRow::Note(t) => Line::from(Span::styled(one_line(t, w), s.dim)),
    }
}
