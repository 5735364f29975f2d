//! The Explorer pane's behaviour (drawn by `ui/explorer.rs`): a result or file as a tree
//! or text, raw view, search, jq filter, save, and work on big documents off the UI
//! thread.

use std::sync::Arc;

use crossterm::event::{KeyCode, KeyEvent};

use super::input::edit_text;
use super::keymap::Action;
use super::msg::{Effect, ExploreJob, Out, Request};
use super::state::{
    ExplorerBody, ExplorerInput, ExplorerJob, ExplorerState, ListCursor, ResultEntry,
};
use crate::explore::doc::Doc;
use crate::explore::job::{Done, Work};
use crate::explore::tree::{Control, Tree};

/// Explorer work on documents up to this size runs inline (done well within a frame);
/// bigger ones go to a worker thread with progress and Esc to cancel.
pub const INLINE_WORK_LIMIT: usize = 1 << 20;

/// Documents larger than this are filtered when Enter is pressed, not on every key.
const LIVE_JQ_LIMIT: usize = 2 << 20;

/// A jq filter's answer: shown if it is from the newest run.
pub fn on_filtered(e: &mut ExplorerState, seq: u64, result: Result<Doc, String>) {
    if !e.jq_runs.is_current(seq) {
        return; // typed over: a newer filter is on its way
    }
    match result {
        Ok(doc) => match Tree::new(doc).map_err(|err| err.to_string()) {
            Ok(t) => {
                show(e, ExplorerBody::Tree(Box::new(t)));
                e.jq_error = None;
            }
            Err(err) => e.jq_error = Some(err),
        },
        Err(err) => e.jq_error = Some(err),
    }
}

/// Work from a worker thread finished: applied if it is the job still wanted.
pub fn on_explored(e: &mut ExplorerState, seq: u64, done: Done) -> Out {
    if e.job.as_ref().is_some_and(|j| j.seq == seq) {
        e.job = None;
        return apply_done(e, done);
    }
    Out::default()
}

/// A document read from a file (`netdash explore`).
pub fn on_loaded(e: &mut ExplorerState, title: String, doc: Result<Doc, String>) -> Out {
    match doc.and_then(|d| {
        let src = d.shared_bytes();
        Tree::new(d)
            .map(|t| (t, src))
            .map_err(|err| err.to_string())
    }) {
        Ok((t, src)) => {
            e.request = None;
            e.title = title;
            e.source = Some(src);
            show(e, ExplorerBody::Tree(Box::new(t)));
            Out::default()
        }
        Err(err) => Out::status(format!("{title}: {err}")),
    }
}

/// Put a new body in the explorer: cursor, scroll and raw view start afresh (raw view
/// counts the new text's lines).
fn show(e: &mut ExplorerState, body: ExplorerBody) {
    // Work on the old body is moot.
    if let Some(j) = e.job.take() {
        j.control.cancel();
    }
    e.body = body;
    e.cursor = ListCursor::default();
    e.raw_top = 0;
    e.raw_starts = if e.raw {
        raw_index(&e.body)
    } else {
        Vec::new()
    };
    e.raw_lines = e.raw_starts.len();
}

/// Where each line of a tree's raw text starts (built once per body and view, not per
/// frame: 50 MB files).
fn raw_index(body: &ExplorerBody) -> Vec<u32> {
    match body {
        ExplorerBody::Tree(t) => std::iter::once(0)
            .chain(memchr::memchr_iter(b'\n', t.doc.bytes()).map(|i| i as u32 + 1))
            .collect(),
        _ => Vec::new(),
    }
}

/// Show a result: JSON as a tree, text as lines.
pub fn open_result(e: &mut ExplorerState, r: &ResultEntry) -> Out {
    let Some(out) = &r.output else {
        return Out::default();
    };
    e.title = format!("{} ({} ms)", r.target, r.elapsed_ms);
    e.jq_error = None;
    if let (true, serde_json::Value::String(s)) = (r.text, out) {
        show(
            e,
            ExplorerBody::Text(s.lines().map(str::to_string).collect()),
        );
        e.source = Some(Arc::from(s.as_bytes()));
    } else {
        let doc = Doc::from_value(out);
        e.source = Some(doc.shared_bytes());
        match Tree::new(doc) {
            Ok(t) => show(e, ExplorerBody::Tree(Box::new(t))),
            Err(err) => return Out::status(err.to_string()),
        }
    }
    Out::default()
}

/// `C`: the request behind the result as a curl command; for AOS-CX a second one for the
/// node under the cursor (its REST URL with `attributes=`/`depth=`).
fn copy_curl(e: &ExplorerState) -> Out {
    let Some(r) = &e.request else {
        return Out::status(
            "no request to copy: C copies the request behind a console result (run a command first)",
        );
    };
    let mut text = crate::curl::render(r);
    let mut what = "copied the request as curl";
    let url = r.url.display();
    if let ExplorerBody::Tree(t) = &e.body
        && !e.raw
        && url.contains("/rest/")
        && let Some(node) = crate::curl::aoscx_node_url(
            &url,
            &t.keys(e.cursor.selected),
            t.kind(e.cursor.selected)
                .is_some_and(crate::explore::doc::Kind::is_container),
        )
    {
        let mut n = r.clone();
        n.method = "GET".into();
        n.body = None;
        n.headers
            .retain(|(h, _)| !h.eq_ignore_ascii_case("content-type"));
        n.url = crate::drivers::request_info::Template::text(node);
        text.push('\n');
        text.push_str(&crate::curl::render(&n));
        what = "copied the request and the node's REST URL as curl";
    }
    Out {
        requests: vec![Request::Status(format!(
            "{what}: {}",
            crate::curl::needs(r)
        ))],
        effects: vec![Effect::Copy(text)],
    }
}

/// Rows the cursor moves over (lines in raw view).
pub fn len(e: &ExplorerState) -> usize {
    match &e.body {
        ExplorerBody::Tree(_) if e.raw => e.raw_lines,
        ExplorerBody::Tree(t) => t.len(),
        ExplorerBody::Text(l) => l.len(),
        ExplorerBody::Empty => 0,
    }
}

/// Move by `delta` rows in a view of `height` rows.
pub fn move_by(e: &mut ExplorerState, delta: isize, height: usize) {
    if e.raw {
        // Raw text scrolls by lines, with no cursor: the top line moves.
        let last_top = e.raw_lines.saturating_sub(height.max(1));
        e.raw_top = e.raw_top.saturating_add_signed(delta).min(last_top);
    } else {
        let n = len(e);
        e.cursor.move_by(delta, n, height);
    }
}

/// A click on the `row`-th row of the body (raw view has no cursor to place).
pub fn click(e: &mut ExplorerState, row: usize, height: usize) {
    if !e.raw {
        let n = len(e);
        e.cursor.click(row, n, height);
    }
}

/// The document's bytes, to save.
fn bytes(e: &ExplorerState) -> Arc<[u8]> {
    match &e.body {
        // Shared, not copied: the UI thread does not copy a 50 MB document to save it.
        ExplorerBody::Tree(t) => t.doc.shared_bytes(),
        ExplorerBody::Text(l) => Arc::from(l.join("\n").into_bytes()),
        ExplorerBody::Empty => Arc::from(Vec::new()),
    }
}

/// Start `work` on the tree: inline on a small document (done before the next frame),
/// else as a job for a worker thread. A newer job replaces an older one.
fn start_work(e: &mut ExplorerState, work: Work) -> Out {
    let ExplorerBody::Tree(t) = &e.body else {
        return Out::default();
    };
    if let Some(old) = e.job.take() {
        old.control.cancel();
    }
    e.job_seq += 1;
    let control = Control::default();
    if t.doc.bytes().len() <= INLINE_WORK_LIMIT {
        let done = crate::explore::job::run(&t.doc, &work, &control);
        return apply_done(e, done);
    }
    let doc = t.doc.clone();
    e.job = Some(ExplorerJob {
        seq: e.job_seq,
        label: work.label(),
        control: control.clone(),
    });
    Out::effects(vec![Effect::Explore(ExploreJob {
        seq: e.job_seq,
        doc,
        work,
        control,
    })])
}

/// Esc while a job runs: stop it; the tree stays as it was.
pub fn cancel(e: &mut ExplorerState) -> Out {
    match e.job.take() {
        Some(j) => {
            j.control.cancel();
            Out::status(format!("{}: cancelled", j.label))
        }
        None => Out::default(),
    }
}

/// Apply finished work to the tree.
fn apply_done(e: &mut ExplorerState, done: Done) -> Out {
    let ExplorerBody::Tree(t) = &mut e.body else {
        return Out::default();
    };
    match done {
        Done::Expanded(built) => {
            // The cursor stays on its value (or the nearest visible container of it).
            let at = t.row(e.cursor.selected).map_or(0, |r| r.start() as usize);
            t.set_rows(built.rows);
            e.cursor.selected = t.row_at(at);
            if let Some(err) = built.error {
                return Out::status(format!("part of the document was left closed: {err}"));
            }
        }
        Done::Found {
            needle,
            offset,
            chain,
        } => match offset.and_then(|o| t.reveal_with(o, &chain)) {
            Some(i) => e.cursor.selected = i,
            None => return Out::status(format!("{needle:?} not found")),
        },
        Done::Opened { entry, kids } => match (t.index_of(&entry), kids) {
            (Some(i), Ok(kids)) => {
                let (kids, counts) = kids.into_iter().unzip();
                t.expand_counted(i, kids, counts);
            }
            (_, Err(err)) => return Out::status(err.to_string()),
            (None, _) => {}
        },
        Done::Cancelled => {}
    }
    Out::default()
}

/// Run the jq filter as typed (on a big document only on Enter).
fn run_jq(e: &mut ExplorerState, enter: bool) -> Out {
    let Some(src) = e.source.clone() else {
        return Out::default();
    };
    if !enter && src.len() > LIVE_JQ_LIMIT {
        return Out::status(format!(
            "large document ({} MB): press Enter to apply the filter",
            src.len() >> 20
        ));
    }
    let seq = e.jq_runs.issue();
    let code = e.jq.trim().to_string();
    let code = if code.is_empty() { ".".into() } else { code };
    Out {
        effects: vec![Effect::RunJq {
            seq,
            code,
            input: src,
        }],
        // The hint is answered.
        requests: vec![Request::ClearStatusStartingWith("large document")],
    }
}

fn search(e: &mut ExplorerState, forward: bool, from_cursor_inclusive: bool) -> Out {
    let needle = e.search.clone();
    let cursor = e.cursor.selected;
    match &mut e.body {
        ExplorerBody::Tree(t) => {
            let from = if from_cursor_inclusive && cursor > 0 {
                cursor - 1
            } else {
                cursor
            };
            let from = t.search_from(from, forward);
            return start_work(
                e,
                Work::Search {
                    needle,
                    from,
                    forward,
                },
            );
        }
        ExplorerBody::Text(lines) => {
            let n = lines.len();
            let lower = needle.to_lowercase();
            let hit = (1..=n)
                .map(|k| {
                    if forward {
                        (cursor + k) % n
                    } else {
                        (cursor + n * 2 - k) % n
                    }
                })
                .find(|&i| lines[i].to_lowercase().contains(&lower));
            match hit {
                Some(i) => e.cursor.selected = i,
                None => return Out::status(format!("{needle:?} not found")),
            }
        }
        ExplorerBody::Empty => {}
    }
    Out::default()
}

/// A key while the search text is typed; Enter searches.
pub fn on_search_key(e: &mut ExplorerState, k: KeyEvent) -> Out {
    if k.code == KeyCode::Enter {
        e.input = ExplorerInput::None;
        return search(e, true, true);
    }
    let mut editing = true;
    edit_text(&mut e.search, &mut editing, k);
    if !editing {
        e.input = ExplorerInput::None;
    }
    Out::default()
}

/// A key while the jq filter is typed: every change runs it (Enter too).
pub fn on_jq_key(e: &mut ExplorerState, k: KeyEvent) -> Out {
    let before = e.jq.clone();
    let mut editing = true;
    edit_text(&mut e.jq, &mut editing, k);
    if !editing {
        e.input = ExplorerInput::None;
    }
    let enter = k.code == KeyCode::Enter;
    if e.jq != before || enter {
        return run_jq(e, enter);
    }
    Out::default()
}

/// A key while the save path is typed; Enter saves.
pub fn on_save_key(e: &mut ExplorerState, k: KeyEvent) -> Out {
    let mut editing = true;
    let mut path = match std::mem::replace(&mut e.input, ExplorerInput::None) {
        ExplorerInput::SavePath(p) => p,
        _ => String::new(),
    };
    if k.code == KeyCode::Enter {
        let bytes = bytes(e);
        return Out {
            requests: vec![Request::Status(format!("saving to {path}"))],
            effects: vec![Effect::Save { path, bytes }],
        };
    }
    edit_text(&mut path, &mut editing, k);
    if editing {
        e.input = ExplorerInput::SavePath(path);
    }
    Out::default()
}

/// A key action with the Explorer focused.
pub fn on_action(e: &mut ExplorerState, a: Action) -> Out {
    let cursor = e.cursor.selected;
    match a {
        Action::Filter | Action::Search => {
            e.input = ExplorerInput::Search;
            e.search.clear();
        }
        Action::SearchNext => return search(e, true, false),
        Action::SearchPrev => return search(e, false, false),
        Action::JqFilter => e.input = ExplorerInput::Jq,
        Action::RawToggle => {
            e.raw = !e.raw;
            if e.raw {
                e.raw_starts = raw_index(&e.body);
                e.raw_lines = e.raw_starts.len();
                e.raw_top = e.raw_top.min(e.raw_lines.saturating_sub(1));
            }
        }
        Action::Save => e.input = ExplorerInput::SavePath("netdash-result.json".into()),
        Action::CopyCurl => return copy_curl(e),
        Action::CopyValue | Action::CopyPath => {
            let text = match &e.body {
                ExplorerBody::Tree(t) if a == Action::CopyPath => t.path(cursor),
                ExplorerBody::Tree(t) => t.value_text(cursor).to_string(),
                ExplorerBody::Text(l) => l.get(cursor).cloned().unwrap_or_default(),
                ExplorerBody::Empty => String::new(),
            };
            return Out {
                requests: vec![Request::Status(format!(
                    "copied {} characters",
                    text.chars().count()
                ))],
                effects: vec![Effect::Copy(text)],
            };
        }
        _ => {}
    }
    let ExplorerBody::Tree(t) = &mut e.body else {
        return Out::default();
    };
    let expanded = t.row(cursor).is_some_and(|r| r.expanded);
    let r = match a {
        Action::Select if expanded => {
            t.collapse(cursor);
            Ok(())
        }
        Action::Select | Action::Right => {
            // A huge container is read by a worker (its children: one scan of its bytes).
            match t.row(cursor).map(|r| r.entry) {
                Some(entry)
                    if !expanded
                        && entry.kind.is_container()
                        && (entry.value.end - entry.value.start) as usize > INLINE_WORK_LIMIT =>
                {
                    return start_work(e, Work::Open { entry });
                }
                _ => t.expand(cursor),
            }
        }
        Action::Left => {
            if expanded {
                t.collapse(cursor);
            } else if let Some(p) = t.parent(cursor) {
                e.cursor.selected = p;
            }
            Ok(())
        }
        Action::ExpandAll => return start_work(e, Work::Expand { depth: u16::MAX }),
        Action::CollapseAll => {
            e.cursor.selected = 0;
            e.depth = 1;
            return start_work(e, Work::Expand { depth: 1 });
        }
        Action::DeeperLevel => {
            e.depth = e.depth.saturating_add(1);
            let depth = e.depth;
            return start_work(e, Work::Expand { depth });
        }
        Action::ShallowerLevel => {
            e.depth = e.depth.saturating_sub(1).max(1);
            let depth = e.depth;
            return start_work(e, Work::Expand { depth });
        }
        _ => Ok(()),
    };
    match r {
        Err(err) => Out::status(err.to_string()),
        Ok(()) => Out::default(),
    }
}
