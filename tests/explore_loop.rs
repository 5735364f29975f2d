//! The explorer's event loop with slow work in flight: an endless jq filter is stopped
//! after its time budget and never holds up quitting, and SIGTERM ends the loop while
//! expand-all runs on a big document (the UI thread never does that work itself).
//!
//! The deadlines below only detect a hang (they are minutes longer than a pass needs);
//! nothing here measures speed.

use std::sync::mpsc as std_mpsc;
use std::time::Duration;

use crossterm::event::{Event as TermEvent, KeyCode, KeyEvent, KeyModifiers};
use futures::StreamExt;
use netdash::app::keymap::KeyMap;
use netdash::app::state::{App, Pane};
use netdash::app::update::{Msg, update};
use netdash::explore::doc::Doc;
use netdash::tui::event_loop::{JqRuns, LoopContext, run, start_filter};
use netdash::ui::theme::{Styles, Theme};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use tokio::sync::mpsc;

fn explorer(text: String) -> App {
    let mut app = App::new(Vec::new(), true, Vec::new());
    app.solo = Some(Pane::Explorer);
    app.focus = Pane::Explorer;
    let doc = Doc::new(text.into_bytes()).expect("doc");
    update(
        &mut app,
        &KeyMap::default(),
        Msg::Loaded {
            title: "t".into(),
            doc: Ok(doc),
        },
    );
    app
}

fn keys(s: &str) -> Vec<TermEvent> {
    s.chars()
        .map(|c| {
            let code = if c == '\n' {
                KeyCode::Enter
            } else {
                KeyCode::Char(c)
            };
            TermEvent::Key(KeyEvent::new(code, KeyModifiers::NONE))
        })
        .collect()
}

/// Run the loop on its own runtime on another thread, typing `input` (then nothing
/// more); the runtime is dropped when the loop returns, as `netdash explore` does. The
/// returned channel answers once all of that is over.
fn run_loop(app: App, input: Vec<TermEvent>) -> std_mpsc::Receiver<bool> {
    let (done, rx) = std_mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        let quit = rt.block_on(async move {
            let mut term = Terminal::new(TestBackend::new(100, 30)).expect("terminal");
            let (tx, rx) = mpsc::unbounded_channel();
            let cx = LoopContext {
                keys: KeyMap::default(),
                styles: Styles::new(&Theme::builtin_default(), true),
                config_dir: std::env::temp_dir(),
                history_file: None,
                no_color: true,
                osc52: false,
                watch_tty: false,
                config_file: None,
            };
            let input =
                futures::stream::iter(input.into_iter().map(Ok)).chain(futures::stream::pending());
            run(&mut term, app, None, input, cx, rx, tx)
                .await
                .is_ok_and(|a| a.quit)
        });
        drop(rt);
        let _ = done.send(quit);
    });
    rx
}

#[test]
fn quit_does_not_wait_for_an_endless_filter() {
    let app = explorer(r#"{"a": [1, 2, 3]}"#.into());
    let rx = run_loop(app, keys("|last(range(1e15))\nq"));
    let quit = rx
        .recv_timeout(Duration::from_secs(120))
        .expect("the loop and its runtime ended with the filter still running");
    assert!(quit);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_endless_filter_is_stopped_after_its_budget() {
    let runs = JqRuns::default();
    let (tx, mut rx) = mpsc::unbounded_channel();
    let input: std::sync::Arc<[u8]> = std::sync::Arc::from(&b"null"[..]);
    start_filter(
        7,
        "last(range(1e15))".into(),
        input,
        Duration::from_millis(300),
        &runs,
        &tx,
    );
    match rx.recv().await {
        Some(Msg::Filtered { seq: 7, result }) => {
            let e = result.expect_err("an error line");
            assert!(
                e.starts_with("filter took longer than 0.3 s: stopped"),
                "{e}"
            );
        }
        _ => panic!("no answer for the filter"),
    }
    assert_eq!(runs.stuck(), 1, "still spinning, and counted");
}

#[test]
fn sigterm_ends_the_loop_while_expand_all_runs() {
    // Big enough that expand-all is a job (and took minutes when it was done in place).
    let mut text = String::from("{\"aps\": [");
    for i in 0..200_000 {
        if i > 0 {
            text.push(',');
        }
        text.push_str(&format!(
            r#"{{"name": "ap-{i}", "serial": "CN{i:08}", "up": true, "radios": [{{"band": "5"}}]}}"#
        ));
    }
    text.push_str("]}");
    // Take SIGTERM over before the loop does, so an early one cannot kill the test.
    let (armed_tx, armed_rx) = std_mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        rt.block_on(async {
            let mut s = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
                .expect("signal");
            let _ = armed_tx.send(());
            while s.recv().await.is_some() {}
        });
    });
    armed_rx.recv().expect("armed");
    let rx = run_loop(explorer(text), keys("e"));
    // Until the loop ends: it may not have subscribed to the first ones yet.
    let pid = std::process::id().to_string();
    for _ in 0..600 {
        let _ = std::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status();
        if let Ok(quit) = rx.recv_timeout(Duration::from_millis(200)) {
            assert!(quit);
            return;
        }
    }
    panic!("SIGTERM did not end the loop");
}
