//! The loop: terminal input, engine events, a clock tick and finished background work go
//! through the reducer; the screen is redrawn only after a batch of messages (bursts are
//! coalesced) or on the one-second tick the clock and countdowns need.

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering};
use std::time::{Duration, SystemTime};

use crossterm::event::Event as TermEvent;
use futures::{Stream, StreamExt};
use ratatui::Terminal;
use ratatui::backend::Backend;
use tokio::sync::mpsc;

use crate::app::keymap::KeyMap;
use crate::app::newest::Newest;
use crate::app::state::App;
use crate::app::update::{Effect, Msg, refresh_views, update};
use crate::engine::{EngineHandle, EngineRequest};
use crate::ui::theme::{Styles, Theme};

/// What the loop needs besides the app.
pub struct LoopContext {
    pub keys: KeyMap,
    pub styles: Styles,
    pub config_dir: PathBuf,
    pub history_file: Option<PathBuf>,
    pub no_color: bool,
    /// Write OSC 52 clipboard sequences to the real terminal (off in tests).
    pub osc52: bool,
    /// Check once a second that stdout is still a terminal, and quit (logging out) when
    /// it is not: a hung-up terminal does not always bring a SIGHUP (a wrapper may be the
    /// session leader), and crossterm's reader then spins on end-of-file without a word.
    pub watch_tty: bool,
    /// The config file `:reload` reads again (none for the explorer).
    pub config_file: Option<PathBuf>,
}

impl LoopContext {
    /// Where snapshots go: the state dir, which is where the history file lives.
    fn state_dir(&self) -> Option<PathBuf> {
        self.history_file
            .as_ref()
            .and_then(|h| h.parent())
            .map(std::path::Path::to_path_buf)
    }
}

/// Run until the user quits (and the engine has logged out) or the input ends.
pub async fn run<B: Backend, S>(
    terminal: &mut Terminal<B>,
    mut app: App,
    mut engine: Option<EngineHandle>,
    mut input: S,
    mut cx: LoopContext,
    mut extra: mpsc::UnboundedReceiver<Msg>,
    extra_tx: mpsc::UnboundedSender<Msg>,
) -> std::io::Result<App>
where
    S: Stream<Item = std::io::Result<TermEvent>> + Unpin,
{
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let stop = crate::signals::wait_for_stop();
    tokio::pin!(stop);
    let mut rects = Vec::new();
    let mut dirty = true;
    // Engine news alone is drawn at most every ENGINE_FRAME: at 10,000 devices it arrives
    // hundreds of times a second, and a frame each cost a fifth of a core. Keys, mouse,
    // resizes and the clock draw at once.
    let mut urgent = true;
    let mut last_draw = tokio::time::Instant::now();
    let mut shutdown_sent = false;
    let mut quit_deadline: Option<tokio::time::Instant> = None;
    // Draws that failed in a row: the terminal is gone (and no SIGHUP came, e.g. under a
    // wrapper that is the session leader). Without this the loop would redraw forever.
    let mut failed_draws = 0u32;
    // One count of jq runs with the reducer: it numbers them, the threads skip stale ones.
    let jq = JqRuns::sharing(&app.explorer.jq_runs);
    loop {
        if dirty && (urgent || last_draw.elapsed() >= ENGINE_FRAME || app.quit) {
            last_draw = tokio::time::Instant::now();
            urgent = false;
            refresh_views(&mut app);
            let mut r = Vec::new();
            // A vanished terminal (SIGHUP) must not stop the logout that follows.
            if terminal
                .draw(|f| r = crate::ui::render(f, &app, &cx.styles, &cx.keys))
                .is_ok()
            {
                failed_draws = 0;
            } else {
                failed_draws += 1;
                if failed_draws >= 3 {
                    app.quit = true;
                }
            }
            app.viewports = crate::ui::viewports(&app, &r);
            rects = r;
            dirty = false;
        }
        if app.quit {
            match (&engine, shutdown_sent) {
                (Some(e), false) => {
                    let _ = e.commands.send(EngineRequest::Shutdown);
                    shutdown_sent = true;
                    quit_deadline = Some(tokio::time::Instant::now() + Duration::from_secs(4));
                }
                (None, _) => return Ok(app),
                _ => {}
            }
        }
        let mut msgs: Vec<Msg> = Vec::new();
        tokio::select! {
            ev = async {
                match engine.as_mut() {
                    Some(e) => e.events.recv().await,
                    None => std::future::pending().await,
                }
            } => match ev {
                Some(ev) => {
                    let done = matches!(ev, crate::engine::Event::ShutdownComplete { .. });
                    msgs.push(Msg::Engine(ev));
                    // Coalesce a burst: take what is already queued before drawing.
                    if let Some(e) = engine.as_mut() {
                        while msgs.len() < 512 {
                            match e.events.try_recv() {
                                Ok(ev) => msgs.push(Msg::Engine(ev)),
                                Err(_) => break,
                            }
                        }
                    }
                    if done {
                        for m in msgs {
                            update(&mut app, &cx.keys, m);
                        }
                        return Ok(app);
                    }
                }
                None => return Ok(app),
            },
            // Engine news held back by the frame pacing: draw it now.
            () = tokio::time::sleep_until(last_draw + ENGINE_FRAME), if dirty => {}
            t = input.next() => match t {
                Some(Ok(TermEvent::Key(k))) => msgs.push(Msg::Key(k)),
                Some(Ok(TermEvent::Mouse(m))) => msgs.push(Msg::Mouse(m, rects.clone())),
                Some(Ok(TermEvent::Resize(..))) => {
                    dirty = true;
                    urgent = true;
                }
                Some(Ok(_)) => {}
                // The terminal is gone (dropped SSH link): log out and leave.
                Some(Err(_)) | None => app.quit = true,
            },
            m = extra.recv() => if let Some(m) = m { msgs.push(m) },
            _ = tick.tick() => {
                use std::io::IsTerminal;
                if cx.watch_tty && !std::io::stdout().is_terminal() {
                    app.quit = true;
                }
                msgs.push(Msg::Tick(SystemTime::now()));
            }
            () = &mut stop => app.quit = true,
            // Explorer work runs off this thread: redraw its progress meanwhile.
            () = tokio::time::sleep(Duration::from_millis(100)), if app.explorer.job.is_some() => {
                dirty = true;
            }
            () = async {
                match quit_deadline {
                    Some(d) => tokio::time::sleep_until(d).await,
                    None => std::future::pending().await,
                }
            } => return Ok(app),
        }
        for m in msgs {
            dirty = true;
            urgent |= !matches!(m, Msg::Engine(_));
            let effects = update(&mut app, &cx.keys, m);
            for fx in effects {
                apply(fx, &mut app, engine.as_ref(), &mut cx, &extra_tx, &jq);
            }
        }
    }
}

fn apply(
    fx: Effect,
    app: &mut App,
    engine: Option<&EngineHandle>,
    cx: &mut LoopContext,
    tx: &mpsc::UnboundedSender<Msg>,
    jq: &JqRuns,
) {
    match fx {
        Effect::Engine(c) => {
            if let Some(e) = engine {
                let _ = e.commands.send(c);
            }
        }
        Effect::RunJq { seq, code, input } => {
            start_filter(seq, code, input, JQ_BUDGET, jq, tx);
        }
        Effect::Compare(job) => {
            let tx = tx.clone();
            // A plain thread, not the runtime's blocking pool: quitting never waits for it.
            let spawned = std::thread::Builder::new()
                .name("compare".into())
                .spawn(move || {
                    let result = Box::new(job.run());
                    let _ = tx.send(Msg::Compared {
                        seq: job.seq,
                        result,
                    });
                });
            if let Err(e) = spawned {
                app.status = Some(format!(
                    "cannot start a worker thread ({e}): close other programs and try again"
                ));
            }
        }
        Effect::Explore(job) => {
            let (seq, tx2) = (job.seq, tx.clone());
            // A plain thread, not the runtime's blocking pool: quitting never waits for it.
            let spawned = std::thread::Builder::new()
                .name("explore".into())
                .spawn(move || {
                    let done = crate::explore::job::run(&job.doc, &job.work, &job.control);
                    let _ = tx2.send(Msg::Explored { seq: job.seq, done });
                });
            if let Err(e) = spawned {
                let _ = tx.send(Msg::Explored {
                    seq,
                    done: crate::explore::job::Done::Cancelled,
                });
                let _ = tx.send(Msg::Status(format!(
                    "cannot start a worker thread ({e}): close other programs and try again"
                )));
            }
        }
        Effect::Save { path, bytes } => {
            let tx = tx.clone();
            tokio::task::spawn_blocking(move || {
                let _ = tx.send(Msg::Status(save(&path, &bytes)));
            });
        }
        Effect::Copy(text) => {
            if cx.osc52 {
                use base64::Engine as _;
                let b64 = base64::engine::general_purpose::STANDARD.encode(text.as_bytes());
                let mut out = std::io::stdout();
                let _ = write!(out, "\x1b]52;c;{b64}\x07");
                let _ = out.flush();
            }
        }
        Effect::SaveHistory(h) => {
            if let Some(path) = cx.history_file.clone() {
                tokio::task::spawn_blocking(move || {
                    if let Some(dir) = path.parent() {
                        let _ = std::fs::create_dir_all(dir);
                    }
                    // 0600: typed request bodies can hold secrets.
                    let _ = crate::fsutil::write_private(&path, (h.join("\n") + "\n").as_bytes());
                });
            }
        }
        Effect::Reload => match (&cx.config_file, engine) {
            (Some(path), Some(e)) => reload(path.clone(), e.commands.clone(), tx.clone()),
            _ => app.status = Some("nothing to reload: this screen has no config file".into()),
        },
        Effect::RepeatAt { seq, at } => {
            // One sleeping task per run: the loop itself stays idle until it fires.
            let delay = at.duration_since(SystemTime::now()).unwrap_or_default();
            let tx = tx.clone();
            tokio::spawn(async move {
                tokio::time::sleep(delay).await;
                let _ = tx.send(Msg::RepeatDue {
                    seq,
                    at: SystemTime::now(),
                });
            });
        }
        Effect::Snap { name, snapshot } => match cx.state_dir() {
            Some(dir) => {
                let tx = tx.clone();
                tokio::task::spawn_blocking(move || {
                    let said = match crate::compare::snapshot::save(&dir, &name, &snapshot) {
                        Ok(p) => format!(
                            "kept {}'s result as snapshot {name} ({}); :diff {name} compares with it",
                            snapshot.target,
                            p.display()
                        ),
                        Err(e) => e.to_string(),
                    };
                    let _ = tx.send(Msg::Status(said));
                });
            }
            None => app.status = Some("snapshots need a state dir: this screen has none".into()),
        },
        Effect::LoadSnapshot { name } => match cx.state_dir() {
            Some(dir) => {
                let tx = tx.clone();
                tokio::task::spawn_blocking(move || {
                    let result =
                        crate::compare::snapshot::load(&dir, &name).map_err(|e| e.to_string());
                    let _ = tx.send(Msg::Snapshot { name, result });
                });
            }
            None => app.status = Some("snapshots need a state dir: this screen has none".into()),
        },
        Effect::Theme(name) => match Theme::load(&name, &cx.config_dir) {
            Ok(t) => {
                cx.styles = Styles::new(&t, cx.no_color);
                app.status = Some(format!("theme {name}"));
            }
            Err(e) => app.status = Some(e.to_string()),
        },
    }
}

/// Read the config again (running its inventories: seconds) on a thread of its own, and
/// give the engine the result; a broken file changes nothing and says why.
fn reload(
    path: PathBuf,
    engine: mpsc::UnboundedSender<crate::engine::EngineRequest>,
    tx: mpsc::UnboundedSender<Msg>,
) {
    let failed = tx.clone();
    // A plain thread, not the runtime's blocking pool: quitting never waits for it.
    let spawned = std::thread::Builder::new()
        .name("reload".into())
        .spawn(move || match crate::inventory::load(&path) {
            Ok(loaded) => {
                let notes = loaded.skipped_summary();
                let _ = engine.send(crate::engine::EngineRequest::Reload {
                    config: Arc::new(loaded.config),
                    notes,
                });
            }
            Err(e) => {
                let _ = tx.send(Msg::Status(format!("reload failed, nothing changed: {e}")));
            }
        });
    if let Err(e) = spawned {
        let _ = failed.send(Msg::Status(format!(
            "cannot start a worker thread ({e}): close other programs and try again"
        )));
    }
}

/// The shortest time between two frames drawn for engine news alone (10 a second).
const ENGINE_FRAME: Duration = Duration::from_millis(100);

/// How long a jq filter may run before the explorer gives up on it.
pub const JQ_BUDGET: Duration = Duration::from_secs(5);

/// Filters past their budget that still run (jaq cannot be stopped) beyond which new ones
/// are refused: each holds a core, and its memory, until netdash exits.
const MAX_STUCK: usize = 2;

/// The loop's jq bookkeeping.
#[derive(Clone, Default)]
pub struct JqRuns {
    /// The newest run: an older one still queued is skipped before it starts.
    latest: Newest,
    /// Runs that overran their budget and still spin.
    stuck: Arc<AtomicUsize>,
}

impl JqRuns {
    /// Bookkeeping that skips runs older than the newest of `runs` (the reducer's).
    pub fn sharing(runs: &Newest) -> Self {
        JqRuns {
            latest: runs.clone(),
            stuck: Arc::default(),
        }
    }

    pub fn stuck(&self) -> usize {
        self.stuck.load(Ordering::Relaxed)
    }
}

const RUNNING: u8 = 0;
const FINISHED: u8 = 1;
const OVERRAN: u8 = 2;

/// Run filter `seq` on a detached thread; its answer, or after `budget` a one-line
/// "stopped", comes back as `Msg::Filtered`. Nothing (quit included) waits for the thread.
pub fn start_filter(
    seq: u64,
    code: String,
    input: Arc<[u8]>,
    budget: Duration,
    runs: &JqRuns,
    tx: &mpsc::UnboundedSender<Msg>,
) {
    let stuck = runs.stuck();
    if stuck >= MAX_STUCK {
        let _ = tx.send(Msg::Filtered {
            seq,
            result: Err(format!(
                "{stuck} earlier filters ran out of time and still use the CPU: restart netdash to stop them"
            )),
        });
        return;
    }
    runs.latest.started(seq);
    let state = Arc::new(AtomicU8::new(RUNNING));
    let (otx, mut orx) = tokio::sync::oneshot::channel();
    let (latest, st, stuck) = (runs.latest.clone(), state.clone(), runs.stuck.clone());
    let spawned = crate::explore::filter::spawn(
        code,
        input,
        // Typed over while waiting for a thread: skip the stale filter.
        move || latest.is_current(seq),
        move |result| {
            if st
                .compare_exchange(RUNNING, FINISHED, Ordering::AcqRel, Ordering::Acquire)
                .is_err()
            {
                // Counted as stuck when it overran; it has ended after all.
                stuck.fetch_sub(1, Ordering::AcqRel);
            }
            let _ = otx.send(result);
        },
    );
    if let Err(e) = spawned {
        let _ = tx.send(Msg::Filtered {
            seq,
            result: Err(format!(
                "cannot start a filter thread ({e}): close other programs and try again"
            )),
        });
        return;
    }
    let (tx, stuck) = (tx.clone(), runs.stuck.clone());
    tokio::spawn(async move {
        match tokio::time::timeout(budget, &mut orx).await {
            Ok(Ok(result)) => {
                let _ = tx.send(Msg::Filtered { seq, result });
            }
            // Skipped as stale: a newer filter answers instead.
            Ok(Err(_)) => {}
            Err(_) => {
                // Counted before the state flips, so the thread's decrement never
                // comes first.
                stuck.fetch_add(1, Ordering::AcqRel);
                if state
                    .compare_exchange(RUNNING, OVERRAN, Ordering::AcqRel, Ordering::Acquire)
                    .is_err()
                {
                    stuck.fetch_sub(1, Ordering::AcqRel);
                }
                let _ = tx.send(Msg::Filtered {
                    seq,
                    result: Err(format!(
                        "filter took longer than {} s: stopped (try a narrower filter)",
                        budget.as_secs_f32()
                    )),
                });
            }
        }
    });
}

/// Save the explorer's document: readable by its owner only (it can hold device
/// configuration), written to a new file and renamed into place, so a symlink at `path`
/// is replaced, never followed. Returns the status line.
pub fn save(path: &str, bytes: &[u8]) -> String {
    match crate::fsutil::write_private(std::path::Path::new(path), bytes) {
        Ok(()) => format!("saved {} bytes to {path} (mode 0600)", bytes.len()),
        Err(e) => format!("cannot save to {path}: {e}; choose another path"),
    }
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn save_writes_0600_and_replaces_a_symlink_instead_of_following_it() {
        let dir = tempfile::tempdir().expect("dir");
        let target = dir.path().join("authorized_keys");
        std::fs::write(&target, "keep").expect("write");
        let link = dir.path().join("result.json");
        std::os::unix::fs::symlink(&target, &link).expect("symlink");
        let said = super::save(link.to_str().expect("utf-8"), b"{}");
        assert!(said.starts_with("saved 2 bytes"), "{said}");
        assert_eq!(std::fs::read(&target).expect("read"), b"keep");
        let meta = std::fs::symlink_metadata(&link).expect("meta");
        assert!(meta.file_type().is_file(), "the link was replaced");
        assert_eq!(meta.permissions().mode() & 0o777, 0o600);
        // A new file too.
        let fresh = dir.path().join("new.json");
        super::save(fresh.to_str().expect("utf-8"), b"[]");
        let mode = std::fs::metadata(&fresh)
            .expect("meta")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}
