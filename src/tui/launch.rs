//! Starting the dashboard (`netdash`, `netdash demo`) and the explorer (`netdash explore`).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use crossterm::event::EventStream;
use tokio::sync::mpsc;

use super::event_loop::{LoopContext, run};
use crate::app::keymap::KeyMap;
use crate::app::state::{App, DeviceRow, KioskState, Pane};
use crate::app::update::Msg;
use crate::config::Config;
use crate::drivers::Context;
use crate::engine::{self, EngineOptions};
use crate::explore::doc::Doc;
use crate::paths::Paths;
use crate::ui::theme::{Styles, Theme};

fn no_color() -> bool {
    std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
}

/// The dashboard on `cfg` until the user quits; every session is logged out on the way.
/// `kiosk` (or `[kiosk] enabled`) makes it a locked, read-only wall screen.
pub async fn dashboard(
    cfg: Arc<Config>,
    config_file: PathBuf,
    paths: Paths,
    read_only: bool,
    kiosk: bool,
) -> Result<(), String> {
    use std::io::IsTerminal;
    // Checked before any session exists: `ssh host netdash` (no -t) has no terminal, and
    // must not open sessions it then leaves behind.
    if !std::io::stdin().is_terminal() || !std::io::stdout().is_terminal() {
        return Err("the dashboard needs a terminal (ssh -t host netdash); without one use `netdash run` or `netdash watch`".into());
    }
    let keys = KeyMap::new(&cfg.key_overrides()).map_err(|e| e.to_string())?;
    let kiosk = if kiosk || cfg.kiosk.enabled {
        Some(KioskState::new(&cfg.kiosk)?)
    } else {
        None
    };
    // A wall screen never sends changes, and unlocking it does not change that.
    let read_only = read_only || kiosk.is_some();
    let theme = Theme::load(&cfg.settings.theme, &paths.config_dir).map_err(|e| e.to_string())?;
    let history_file = paths.state_dir.join("history");
    let history: Vec<String> = std::fs::read_to_string(&history_file)
        .map(|t| {
            t.lines()
                .filter(|l| !l.is_empty())
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    let rows = DeviceRow::from_config(&cfg);
    // The screen is the dashboard's, so the warning goes to the log; the panes mark the rows.
    let _ = crate::drivers::tls::warn_unverified(&cfg.unverified());
    let ctx = Context::for_settings(paths.clone(), &cfg.settings);
    let opts = EngineOptions::polling(&cfg.settings, read_only);
    // The terminal first: if it cannot be taken over, no session has been opened yet.
    let mut terminal =
        super::terminal::enter().map_err(|e| format!("cannot use this terminal: {e}"))?;
    let ignore = cfg.settings.ignore.clone();
    let cfg_mask = cfg.mask.clone();
    let poll_secs = cfg.settings.poll_interval_secs;
    let engine = engine::start(cfg, ctx, opts);
    let _guard = engine::guard::install(&engine);
    let mut app = App::new(rows, read_only, history);
    app.compare.extra_ignore = ignore;
    app.mask = mask_state(Some(&cfg_mask));
    app.kiosk = kiosk;
    app.stale_after = Some(Duration::from_secs(poll_secs.saturating_mul(2)));
    let (tx, rx) = mpsc::unbounded_channel();
    let cx = LoopContext {
        keys,
        styles: Styles::new(&theme, no_color()),
        config_dir: paths.config_dir.clone(),
        history_file: Some(history_file),
        no_color: no_color(),
        osc52: true,
        watch_tty: true,
        config_file: Some(config_file),
    };
    let r = run(
        &mut terminal,
        app,
        Some(engine),
        EventStream::new(),
        cx,
        rx,
        tx,
    )
    .await;
    super::terminal::leave(terminal);
    r.map(|_| ()).map_err(|e| e.to_string())
}

/// The mask as `[mask]` (and `--mask`, folded into it) asks. The patterns were checked when
/// the config was parsed; should one fail here anyway, the built-in rules still apply.
fn mask_state(cfg: Option<&crate::config::MaskConfig>) -> crate::mask::MaskState {
    let Some(c) = cfg else {
        return crate::mask::MaskState::default();
    };
    let masker = crate::mask::Masker::new(&c.patterns).unwrap_or_default();
    crate::mask::MaskState::new(c.enabled, masker)
}

/// Bytes as an explorer document: JSON, JSON Lines (as an array, so `netdash run --json |
/// netdash explore -` works), or an error for anything else.
pub fn document(bytes: Vec<u8>) -> Result<Doc, String> {
    // One copy into shared bytes (not a clone first: that is 50 MB more to copy).
    let bytes: std::sync::Arc<[u8]> = bytes.into();
    match Doc::new(bytes.clone()) {
        Ok(d) => Ok(d),
        Err(first) => {
            let text = String::from_utf8_lossy(&bytes);
            let lines: Vec<&str> = text
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .collect();
            if lines.len() > 1
                && lines
                    .iter()
                    .all(|l| l.starts_with('{') || l.starts_with('['))
            {
                let joined = format!("[{}]", lines.join(","));
                Doc::new(joined.into_bytes()).map_err(|_| first.to_string())
            } else {
                Err(first.to_string())
            }
        }
    }
}

/// Read and index a file (or stdin for `-`): run it off the async threads.
pub fn load(path: Option<&Path>) -> Result<Doc, String> {
    let bytes = match path {
        None => {
            let mut v = Vec::new();
            std::io::Read::read_to_end(&mut std::io::stdin(), &mut v)
                .map_err(|e| format!("cannot read stdin: {e}"))?;
            v
        }
        Some(p) if p.as_os_str() == "-" => return load(None),
        Some(p) => std::fs::read(p).map_err(|e| format!("cannot read {}: {e}", p.display()))?,
    };
    document(bytes)
}

/// `netdash explore [FILE|-]`: the explorer alone, like jless.
pub async fn explore(
    path: Option<PathBuf>,
    paths: Paths,
    cfg: Option<&Config>,
) -> Result<(), String> {
    let keys = cfg
        .and_then(|c| KeyMap::new(&c.key_overrides()).ok())
        .unwrap_or_default();
    let theme = cfg.map_or("default", |c| c.settings.theme.as_str());
    let title = path
        .as_ref()
        .map_or_else(|| "stdin".into(), |p| p.display().to_string());
    let p = path.clone();
    let doc = tokio::task::spawn_blocking(move || load(p.as_deref()))
        .await
        .map_err(|e| e.to_string())??;
    let theme = Theme::load(theme, &paths.config_dir).unwrap_or_else(|_| Theme::builtin_default());
    let mut app = App::new(Vec::new(), true, Vec::new());
    app.solo = Some(Pane::Explorer);
    app.mask = mask_state(cfg.map(|c| &c.mask));
    app.focus = Pane::Explorer;
    let (tx, rx) = mpsc::unbounded_channel();
    // Check the whole document in the background; the tree is usable meanwhile. It starts
    // a moment after the first frame: on a two-core machine a full parse of 50 MB would
    // otherwise compete with drawing it.
    let check = doc.clone();
    let vtx = tx.clone();
    // A plain thread, not the blocking pool: quitting does not wait for the check.
    let _ = std::thread::Builder::new()
        .name("validate".into())
        .spawn(move || {
            std::thread::sleep(Duration::from_millis(300));
            if let Err(e) = check.validate() {
                let _ = vtx.send(Msg::Status(e));
            }
        });
    crate::app::update::update(
        &mut app,
        &keys,
        Msg::Loaded {
            title,
            doc: Ok(doc),
        },
    );
    let mut terminal =
        super::terminal::enter().map_err(|e| format!("cannot use this terminal: {e}"))?;
    let cx = LoopContext {
        keys,
        styles: Styles::new(&theme, no_color()),
        config_dir: paths.config_dir.clone(),
        history_file: None,
        no_color: no_color(),
        osc52: true,
        watch_tty: true,
        config_file: None,
    };
    let r = run(&mut terminal, app, None, EventStream::new(), cx, rx, tx).await;
    super::terminal::leave(terminal);
    r.map(|_| ()).map_err(|e| e.to_string())
}
