//! Drawing: a pure function of the app state. One file per pane; this one lays them out,
//! draws the title bar, the status line, the command line and the help overlay.
//!
//! ```text
//! wide (>= 120x30)                          narrow (80x24)
//! ┌ title ─────────────────────────────┐     ┌ title ───────────────┐
//! │ 1 Devices        │ 2 Sessions      │     │ tabs 1..5            │
//! ├──────────┬───────┴─────┬───────────┤     │ focused pane         │
//! │3 Console │ 4 Explorer  │ 5 Central │     │                      │
//! └ status ────────────────────────────┘     └ status ──────────────┘
//!
//! kiosk, locked, wide: big-digit header; Devices | Central over Sessions
//! ```

pub mod big_digits;
pub mod central;
pub mod compare;
pub mod console;
pub mod device_page;
pub mod devices;
pub mod explorer;
pub mod kiosk;
pub mod repeat;
pub mod sessions;
pub mod theme;

use std::time::{Duration, SystemTime};

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Paragraph, Tabs};

use crate::app::keymap::{ACTIONS, KeyMap};
use crate::app::state::{App, Pane};
use crate::engine::messages::SessionState;
use theme::Styles;

/// Where each pane was drawn (for mouse clicks).
pub type PaneRects = Vec<(Pane, Rect)>;

/// Below this size panes are shown one at a time, with tabs.
pub fn is_narrow(area: Rect) -> bool {
    area.width < 120 || area.height < 30
}

/// Draw everything; returns the pane rectangles.
pub fn render(f: &mut Frame<'_>, app: &App, s: &Styles, keys: &KeyMap) -> PaneRects {
    let area = f.area();
    let locked = crate::app::kiosk::locked(app);
    let title_h = kiosk::title_height(app, area);
    let [title, body, status] = Layout::vertical([
        Constraint::Length(title_h),
        Constraint::Min(3),
        Constraint::Length(1),
    ])
    .areas(area);
    if title_h > 1 {
        let (up, down) = up_down(app);
        kiosk::big_header(f, title, app, s, down, up);
    } else {
        title_bar(f, title, app, s);
        kiosk::stale_title(f, title, app, s);
    }
    let rects = if let Some(v) = &app.compare.view {
        // The compare view covers the panes until Esc; clicks land nowhere meanwhile.
        compare::render(f, body, v, s, keys);
        Vec::new()
    } else if let Some(p) = app.solo {
        draw_pane(f, p, body, app, s, true);
        vec![(p, body)]
    } else if let Some(p) = kiosk::full_screen_pane(app) {
        draw_pane(f, p, body, app, s, false);
        vec![(p, body)]
    } else if locked && is_narrow(area) {
        // A wall screen has no tabs to click and no focus to show.
        draw_pane(f, app.focus, body, app, s, false);
        vec![(app.focus, body)]
    } else if locked {
        // The wall: what people watch (devices, APs, budgets) gets the room; the console
        // and the explorer are for hands on a keyboard, which a locked wall has none of.
        let [left, right] =
            Layout::horizontal([Constraint::Percentage(58), Constraint::Percentage(42)])
                .areas(body);
        let [cen, ses] =
            Layout::vertical([Constraint::Percentage(60), Constraint::Percentage(40)]).areas(right);
        let rects = vec![
            (Pane::Devices, left),
            (Pane::Central, cen),
            (Pane::Sessions, ses),
        ];
        for (p, r) in &rects {
            draw_pane(f, *p, *r, app, s, false);
        }
        rects
    } else if is_narrow(area) {
        let [tabs, pane] =
            Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(body);
        let titles: Vec<Line<'_>> = Pane::ALL.iter().map(|p| Line::from(p.title())).collect();
        f.render_widget(
            Tabs::new(titles)
                .select(app.focus.index())
                .style(s.dim)
                .highlight_style(s.selected)
                .divider("│"),
            tabs,
        );
        draw_pane(f, app.focus, pane, app, s, true);
        vec![(app.focus, pane)]
    } else {
        let [top, bottom] =
            Layout::vertical([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(body);
        let [dev, ses] =
            Layout::horizontal([Constraint::Percentage(58), Constraint::Percentage(42)]).areas(top);
        let [con, exp, cen] = Layout::horizontal([
            Constraint::Percentage(34),
            Constraint::Percentage(38),
            Constraint::Percentage(28),
        ])
        .areas(bottom);
        let rects = vec![
            (Pane::Devices, dev),
            (Pane::Sessions, ses),
            (Pane::Console, con),
            (Pane::Explorer, exp),
            (Pane::Central, cen),
        ];
        for (p, r) in &rects {
            draw_pane(f, *p, *r, app, s, app.focus == *p && !locked);
        }
        rects
    };
    status_line(f, status, app, s, keys);
    if app.help {
        help(f, area, app, s, keys);
    }
    kiosk::stale_banner(f, body, app, s);
    kiosk::prompt(f, area, app, s);
    // Last, over everything drawn: no pane, overlay or title escapes the mask.
    if app.mask.on {
        crate::mask::screen::apply(f.buffer_mut(), &app.mask);
    }
    rects
}

fn draw_pane(f: &mut Frame<'_>, p: Pane, r: Rect, app: &App, s: &Styles, focused: bool) {
    match p {
        Pane::Devices => match &app.device_page.open {
            Some(name) => device_page::render(f, r, app, name, s, focused),
            None => devices::render(f, r, app, s, focused),
        },
        Pane::Sessions => sessions::render(f, r, app, s, focused),
        Pane::Console => console::render(f, r, app, s, focused),
        Pane::Explorer if app.repeat.view.is_some() => repeat::render(f, r, app, s, focused),
        Pane::Explorer => explorer::render(f, r, app, s, focused),
        Pane::Central => central::render(f, r, app, s, focused),
    }
}

/// A bordered block for a pane; the focused one stands out by style and a marker.
pub fn block<'a>(title: impl Into<String>, s: &Styles, focused: bool) -> Block<'a> {
    let t: String = title.into();
    Block::default()
        .borders(Borders::ALL)
        .border_type(if focused {
            BorderType::Thick
        } else {
            BorderType::Plain
        })
        .border_style(if focused { s.border_focus } else { s.border })
        .title(Span::styled(
            if focused {
                format!("▶ {t} ")
            } else {
                format!(" {t} ")
            },
            if focused { s.title } else { s.dim },
        ))
}

/// "3 up  1 down  2 alarms  READ-ONLY" for the title bar.
fn device_counts(
    up: usize,
    down: usize,
    alarms: usize,
    read_only: bool,
    s: &Styles,
) -> Vec<Span<'static>> {
    let mut v = vec![
        Span::styled(format!(" {up} up "), s.ok),
        Span::styled(
            format!(" {down} down "),
            if down > 0 { s.error } else { s.dim },
        ),
        Span::styled(
            format!(" {alarms} alarms "),
            if alarms > 0 { s.warn } else { s.dim },
        ),
    ];
    if read_only {
        v.push(Span::styled(
            " READ-ONLY ",
            s.warn.add_modifier(ratatui::style::Modifier::REVERSED),
        ));
    }
    v
}

/// Devices up and down, as the title bar counts them.
fn up_down(app: &App) -> (usize, usize) {
    let up = app
        .devices
        .rows
        .iter()
        .filter(|d| d.state == SessionState::Connected)
        .count();
    let down = app
        .devices
        .rows
        .iter()
        .filter(|d| matches!(d.state, SessionState::BackingOff { .. }))
        .count();
    (up, down)
}

fn title_bar(f: &mut Frame<'_>, r: Rect, app: &App, s: &Styles) {
    let (up, down) = up_down(app);
    let mut spans = vec![Span::styled(" netdash ", s.title)];
    if crate::app::kiosk::locked(app) {
        spans.push(Span::styled(
            " KIOSK ",
            s.accent.add_modifier(ratatui::style::Modifier::REVERSED),
        ));
    }
    if app.solo.is_some() {
        // `netdash explore`: no devices, no sessions; counts would only mislead.
        spans.push(Span::styled(" explore ", s.dim));
    } else {
        spans.extend(device_counts(up, down, app.alarms, app.read_only, s));
    }

    if app.mask.on {
        spans.push(Span::styled(
            " MASKED ",
            s.accent.add_modifier(ratatui::style::Modifier::REVERSED),
        ));
    }
    let clock = clock(app.now);
    let used: usize = spans.iter().map(ratatui::prelude::Span::width).sum();
    let pad = (r.width as usize).saturating_sub(used + clock.len() + 1);
    spans.push(Span::raw(" ".repeat(pad)));
    spans.push(Span::styled(clock, s.text));
    f.render_widget(Paragraph::new(Line::from(spans)), r);
}

fn status_line(f: &mut Frame<'_>, r: Rect, app: &App, s: &Styles, keys: &KeyMap) {
    use crate::app::keymap::Action;
    let line = if let Some(cl) = &app.command_line {
        Line::from(vec![
            Span::styled(":", s.accent),
            Span::styled(cl.clone(), s.text),
            Span::styled("█", s.accent),
        ])
    } else if let Some(msg) = &app.status {
        Line::from(Span::styled(one_line(msg, r.width as usize), s.warn))
    } else if crate::app::kiosk::locked(app) {
        // No key hints on a wall screen: a passer-by is not meant to use it.
        Line::from("")
    } else {
        Line::from(Span::styled(
            format!(
                "{} help  {} quit  1-5 panes  {} next  {} commands",
                keys.label(Action::Help),
                keys.label(Action::Quit),
                keys.label(Action::NextPane),
                keys.label(Action::CommandLine)
            ),
            s.dim,
        ))
    };
    f.render_widget(Paragraph::new(line), r);
}

fn help(f: &mut Frame<'_>, area: Rect, app: &App, s: &Styles, keys: &KeyMap) {
    use crate::app::keymap::Action as A;
    let comparing = app.compare.view.is_some();
    let pane_actions: &[A] = match app.focus {
        // The compare view sits over the panes: its keys, not the focused pane's.
        _ if comparing => &[A::Left, A::Right, A::Up, A::Down, A::FocusInput, A::Save],
        Pane::Explorer if app.repeat.view.is_some() => &[
            A::Up,
            A::Down,
            A::HistoryOlder,
            A::HistoryNewer,
            A::ChangesSince,
        ],
        Pane::Devices => &[
            A::Up,
            A::Down,
            A::Top,
            A::Bottom,
            A::Mark,
            A::Sort,
            A::Filter,
            A::Select,
            A::Refresh,
            A::Reconnect,
            A::FocusInput,
            A::Save,
        ],
        Pane::Sessions => &[A::Up, A::Down, A::Refresh, A::Reconnect],
        Pane::Console => &[A::FocusInput, A::Up, A::Down, A::Select, A::Compare],
        Pane::Explorer => &[
            A::Up,
            A::Down,
            A::Left,
            A::Right,
            A::Select,
            A::ExpandAll,
            A::CollapseAll,
            A::DeeperLevel,
            A::ShallowerLevel,
            A::Filter,
            A::SearchNext,
            A::SearchPrev,
            A::JqFilter,
            A::RawToggle,
            A::CopyValue,
            A::CopyPath,
            A::CopyCurl,
            A::Save,
        ],
        Pane::Central => &[
            A::Up,
            A::Down,
            A::StatusFilter,
            A::Filter,
            A::SourceFilter,
            A::ModelFilter,
            A::Refresh,
            A::Save,
        ],
    };
    let global = [
        A::Help,
        A::Quit,
        A::CommandLine,
        A::NextPane,
        A::PrevPane,
        A::Pane1,
        A::Pane2,
        A::Pane3,
        A::Pane4,
        A::Pane5,
    ];
    // One column when it fits; at 80x24 the global keys go beside the pane's.
    let one_col = pane_actions.len() + global.len() + 9 <= area.height as usize;
    let label_w = if one_col { 12 } else { 10 };
    let entry = |k: String, t: &str| {
        Line::from(vec![
            Span::styled(format!("{k:>label_w$}  "), s.accent),
            Span::styled(t.to_string(), s.text),
        ])
    };
    let row = |a: &A| {
        let text = match (app.focus, a) {
            (_, A::Left) if comparing => "previous group",
            (_, A::Right) if comparing => "next group (A is the reference)",
            (_, A::Up | A::Down) if comparing => "scroll the diff",
            (_, A::FocusInput) if comparing => "ignore volatile fields on/off",
            // The same key means something more specific here.
            (Pane::Central, A::Filter) => "only the selected AP's site (again: all sites)",
            (Pane::Devices, A::Select) => "console for the selected (or marked) devices",
            _ => ACTIONS
                .iter()
                .find(|(x, ..)| x == a)
                .map_or("", |(_, _, _, t)| *t),
        };
        entry(keys.label(*a), text)
    };
    let mut left = vec![Line::from(Span::styled(
        if comparing {
            "Compare (esc goes back)".to_string()
        } else {
            app.focus.title().to_string()
        },
        s.title,
    ))];
    left.extend(pane_actions.iter().map(row));
    if app.focus == Pane::Console && !comparing {
        for (k, t) in [
            ("enter", "run the command"),
            ("esc", "leave the input"),
            ("↑/↓", "history"),
            ("ctrl-r", "search history"),
            ("tab", "complete @target or a recent command"),
        ] {
            left.push(entry(k.to_string(), t));
        }
    }
    if app.focus == Pane::Explorer && app.repeat.view.is_some() {
        left.push(entry(
            "esc".to_string(),
            "stop the repeat (again: close it)",
        ));
    }
    let mut right = vec![Line::from(Span::styled("everywhere", s.title))];
    right.extend(global.iter().map(row));
    right.push(Line::from(Span::styled(
        "keys can be remapped in [keys] of the config",
        s.dim,
    )));
    let (h, w) = if one_col {
        (left.len() + right.len() + 3, 64_u16)
    } else {
        (left.len().max(right.len()) + 2, 120)
    };
    let h = (h as u16).min(area.height);
    let w = w.min(area.width);
    let r = Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    );
    f.render_widget(Clear, r);
    let outer = block("help (esc closes)", s, true);
    let inner = outer.inner(r);
    f.render_widget(outer, r);
    if one_col {
        left.push(Line::from(""));
        left.extend(right);
        f.render_widget(Paragraph::new(left), inner);
    } else {
        let [a, b] = Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)])
            .areas(inner);
        f.render_widget(Paragraph::new(left), a);
        f.render_widget(Paragraph::new(right), b);
    }
}

/// HH:MM:SS UTC.
pub fn clock(t: SystemTime) -> String {
    format!("{} UTC", crate::clock::hms(t))
}

/// "4s", "12m", "3h", "2d".
pub fn age(d: Duration) -> String {
    let s = d.as_secs();
    match s {
        0..60 => format!("{s}s"),
        60..3600 => format!("{}m", s / 60),
        3600..86400 => format!("{}h", s / 3600),
        _ => format!("{}d", s / 86400),
    }
}

/// "14:59" or "7:59:10" until a deadline; "expired" after.
pub fn countdown(now: SystemTime, deadline: SystemTime) -> String {
    match deadline.duration_since(now) {
        Ok(d) => {
            let s = d.as_secs();
            if s >= 3600 {
                format!("{}:{:02}:{:02}", s / 3600, (s / 60) % 60, s % 60)
            } else {
                format!("{}:{:02}", s / 60, s % 60)
            }
        }
        Err(_) => "expired".into(),
    }
}

/// Rows each pane's list showed, from the rectangles of the last frame.
pub fn viewports(app: &App, rects: &[(Pane, Rect)]) -> crate::app::state::Viewports {
    let mut v = app.viewports;
    for (p, r) in rects {
        match p {
            Pane::Devices if app.device_page.open.is_some() => {
                v.devices = device_page::body_rows(*r);
            }
            Pane::Devices => v.devices = devices::body_rows(*r),
            Pane::Explorer => v.explorer = explorer::body_rows(*r),
            Pane::Central => v.central = central::table_rows(*r, app),
            Pane::Sessions | Pane::Console => {}
        }
    }
    v
}

/// An MSP tenant's name (`MSP/tenant`, Central accounts only) as `└ tenant` where rows are
/// listed under their MSP: the MSP's row above says whose it is, and narrow name columns
/// keep the part that tells tenants apart.
pub fn account_label(
    name: &str,
    kind: crate::kind::TargetKind,
    grouped: bool,
) -> std::borrow::Cow<'_, str> {
    match name.split_once('/') {
        Some((_, tenant)) if grouped && kind == crate::kind::TargetKind::Central => {
            format!("└ {tenant}").into()
        }
        _ => name.into(),
    }
}

/// A name padded or cut to exactly `width` columns; a cut keeps its start and its end
/// (`lab-cent…l-02`), since names in one fleet often differ only at the end.
pub fn fit_name(name: &str, width: usize) -> String {
    let n = name.chars().count();
    if n <= width {
        return format!("{name:<width$}");
    }
    if width < 3 {
        return name.chars().take(width).collect();
    }
    let tail = (width - 1) * 2 / 5;
    let head = width - 1 - tail;
    name.chars()
        .take(head)
        .chain(std::iter::once('…'))
        .chain(name.chars().skip(n - tail))
        .collect()
}

/// Cut a message to one line of `width`.
pub fn one_line(s: &str, width: usize) -> String {
    let first = s.lines().next().unwrap_or("");
    if first.chars().count() <= width {
        first.to_string()
    } else {
        first
            .chars()
            .take(width.saturating_sub(1))
            .collect::<String>()
            + "…"
    }
}

/// The style and word for a session state: never colour alone.
pub fn state_style(state: &SessionState, s: &Styles) -> (Style, &'static str) {
    let st = match state {
        SessionState::Connected => s.ok,
        SessionState::BackingOff { .. } => s.error,
        SessionState::LoggingIn | SessionState::Refreshing => s.warn,
        SessionState::Disconnected | SessionState::Closed => s.dim,
    };
    (st, state.word())
}

#[cfg(test)]
mod tests {
    use super::{account_label, fit_name};
    use crate::kind::TargetKind;

    #[test]
    fn cut_names_keep_their_start_and_end() {
        assert_eq!(fit_name("lab-central-01", 13), "lab-cent…l-01");
        assert_eq!(fit_name("lab-central-02", 13), "lab-cent…l-02");
        assert_eq!(fit_name("lab-eos-01", 13), "lab-eos-01   ");
        assert_eq!(fit_name("abcdef", 2), "ab");
        assert_eq!(fit_name("abcdef", 0), "");
        assert_eq!(fit_name("ünïcødé-nåme-42", 5).chars().count(), 5);
    }

    #[test]
    fn tenants_are_labelled_under_their_msp_only_when_grouped() {
        assert_eq!(
            account_label("msp/Tenant-01", TargetKind::Central, true),
            "└ Tenant-01"
        );
        assert_eq!(
            account_label("msp/Tenant-01", TargetKind::Central, false),
            "msp/Tenant-01"
        );
        // A device may have '/' in its name: it is no tenant.
        assert_eq!(account_label("site/sw1", TargetKind::Eos, true), "site/sw1");
        assert_eq!(account_label("msp", TargetKind::Central, true), "msp");
    }
}
