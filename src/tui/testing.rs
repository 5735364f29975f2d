//! A dashboard under test, with no terminal and no engine: an app built from a config, fed
//! engine events, ticks and keys through the real reducer, and drawn by the real renderer on
//! ratatui's `TestBackend`. The snapshot tests, the integration tests that look at the screen
//! and the panes' own tests all build their dashboards here. It lives in `tui` rather than
//! `app` because drawing needs `ui`, which `app` never imports. Not an API.

use std::path::Path;
use std::time::{Duration, SystemTime};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;

use crate::app::keymap::KeyMap;
use crate::app::state::{App, DeviceRow, KioskState};
use crate::app::update::{Effect, Msg, refresh_views, update};
use crate::config::{Config, ConfigError};
use crate::engine::messages::Event;
use crate::ui::theme::{Styles, Theme};

/// The fixed moment tests draw at, so countdowns and the clock never move (Nov 2026).
pub fn t0() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_795_000_000)
}

/// An app with the default keys and theme, and what it asked for so far.
pub struct Dashboard {
    pub app: App,
    pub keys: KeyMap,
    /// Draw as `NO_COLOR` does (text only), or with the default theme's colours.
    pub no_color: bool,
}

impl Dashboard {
    /// One row per target of config `text`, its clock at [`t0`].
    pub fn from_config(text: &str, read_only: bool) -> Result<Self, ConfigError> {
        let cfg = Config::parse(text, Path::new("t.toml"))?;
        let mut app = App::new(DeviceRow::from_config(&cfg), read_only, Vec::new());
        app.compare.extra_ignore.clone_from(&cfg.settings.ignore);
        // Parsing checked the patterns already.
        let masker = crate::mask::Masker::new(&cfg.mask.patterns).unwrap_or_default();
        app.mask = crate::mask::MaskState::new(cfg.mask.enabled, masker);
        Ok(Dashboard::new(app))
    }

    /// The wall screen (`netdash --kiosk`) of config `text`, as the launcher makes it:
    /// locked, read-only, `[kiosk]` applied, stale after two poll intervals.
    pub fn kiosk(text: &str) -> Result<Self, String> {
        let cfg = Config::parse(text, Path::new("t.toml")).map_err(|e| e.to_string())?;
        let mut app = App::new(DeviceRow::from_config(&cfg), true, Vec::new());
        app.kiosk = Some(KioskState::new(&cfg.kiosk)?);
        app.stale_after = Some(Duration::from_secs(
            cfg.settings.poll_interval_secs.saturating_mul(2),
        ));
        Ok(Dashboard::new(app))
    }

    /// `app` as it is, its clock at [`t0`].
    pub fn new(app: App) -> Self {
        let mut d = Dashboard {
            app,
            keys: KeyMap::default(),
            no_color: false,
        };
        d.send(Msg::Tick(t0()));
        d
    }

    /// Any message, through the reducer.
    pub fn send(&mut self, msg: Msg) -> Vec<Effect> {
        update(&mut self.app, &self.keys, msg)
    }

    /// An engine event.
    pub fn event(&mut self, ev: Event) -> Vec<Effect> {
        self.send(Msg::Engine(ev))
    }

    /// A key with no modifiers.
    pub fn press(&mut self, code: KeyCode) -> Vec<Effect> {
        self.press_with(code, KeyModifiers::NONE)
    }

    pub fn press_with(&mut self, code: KeyCode, mods: KeyModifiers) -> Vec<Effect> {
        self.send(Msg::Key(KeyEvent::new(code, mods)))
    }

    /// The whole screen at `w` x `h`, as the terminal would show it.
    pub fn draw_buffer(&mut self, w: u16, h: u16) -> Buffer {
        self.drawn(w, h).backend().buffer().clone()
    }

    /// The screen as text, one quoted line per row (what the snapshots hold).
    pub fn draw(&mut self, w: u16, h: u16) -> String {
        self.drawn(w, h).backend().to_string()
    }

    fn drawn(&mut self, w: u16, h: u16) -> Terminal<TestBackend> {
        refresh_views(&mut self.app);
        let styles = Styles::new(&Theme::builtin_default(), self.no_color);
        // A TestBackend cannot fail (its error type is Infallible).
        let Ok(mut t) = Terminal::new(TestBackend::new(w, h));
        let Ok(_) = t.draw(|f| {
            crate::ui::render(f, &self.app, &styles, &self.keys);
        });
        t
    }
}
