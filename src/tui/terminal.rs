//! Taking over the terminal and giving it back on every exit path, panics included.

use std::io::{Stdout, stdout};

use crossterm::event::{DisableMouseCapture, EnableMouseCapture};
use crossterm::execute;
use crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;

pub type Term = Terminal<CrosstermBackend<Stdout>>;

/// Raw mode, alternate screen, mouse; plus a panic hook that restores the terminal before
/// anything is printed (then runs the hooks installed before it, such as the engine's).
pub fn enter() -> std::io::Result<Term> {
    enable_raw_mode()?;
    // Until the screen is ours, a failure must leave the terminal as it was (not in raw
    // mode, where the shell afterwards echoes nothing and ignores Enter).
    let raw = RawGuard;
    execute!(stdout(), EnterAlternateScreen, EnableMouseCapture)?;
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore();
        previous(info);
    }));
    // Clear with a plain escape, not `Terminal::clear`: that asks the terminal where its
    // cursor is (DSR) and gives up after 2 s without an answer, so a slow SSH link or a
    // terminal that does not answer would stop netdash from starting at all.
    execute!(
        stdout(),
        crossterm::terminal::Clear(crossterm::terminal::ClearType::All)
    )?;
    let t = Terminal::new(CrosstermBackend::new(stdout()))?;
    std::mem::forget(raw);
    Ok(t)
}

/// Turns raw mode off again when dropped (an early return from [`enter`]).
struct RawGuard;

impl Drop for RawGuard {
    fn drop(&mut self) {
        restore();
    }
}

/// Restore the terminal and let go of it. Not by dropping it: ratatui's drop reports a
/// failure to show the cursor with `eprintln!`, which panics (and aborts, mid-drop) when
/// the terminal that stderr points at is gone.
pub fn leave(t: Term) {
    restore();
    std::mem::forget(t);
}

/// Undo `enter`; safe to call twice, errors ignored (the terminal may be gone).
pub fn restore() {
    let _ = disable_raw_mode();
    let _ = execute!(
        stdout(),
        DisableMouseCapture,
        LeaveAlternateScreen,
        crossterm::cursor::Show
    );
}
