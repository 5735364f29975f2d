//! The explorer's tree: the rows currently visible (expanded containers' children in
//! document order), kept as a flat vector so drawing touches only the rows on screen.
//!
//! Every operation is linear or better on a 50 MB document: each row keeps its parent's
//! index (so `parent` and `path` follow links, O(depth)); rows are in document order, so
//! the row holding a byte offset is a binary search; expanding to a depth builds a fresh
//! vector in one pass (never a splice per container). The long ones (`build_rows`, the
//! byte search) take a [`Control`] so they can run off the UI thread, report progress and
//! stop when cancelled.

use std::cell::Cell;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};

use super::doc::{Doc, DocError, Entry, Kind, Step};

/// The root's `parent`.
const NO_PARENT: u32 = u32::MAX;

/// One visible row.
#[derive(Debug, Clone)]
pub struct Row {
    pub depth: u16,
    pub entry: Entry,
    pub expanded: bool,
    /// Index of the parent row (`NO_PARENT` for the root); kept right by every change.
    parent: u32,
    /// Children count, computed on first draw (a scan of the container) and kept.
    count: Cell<Option<u32>>,
}

impl Row {
    fn new(depth: u16, entry: Entry, parent: u32) -> Row {
        Row {
            depth,
            entry,
            expanded: false,
            parent,
            count: Cell::new(None),
        }
    }

    /// Where the row's text begins: its key, else its value. Strictly increasing down
    /// the rows (document order), which makes offset look-ups a binary search.
    pub fn start(&self) -> u32 {
        self.entry.key.map_or(self.entry.value.start, |k| k.start)
    }

    fn holds(&self, offset: usize) -> bool {
        (self.start() as usize) <= offset && offset < self.entry.value.end as usize
    }
}

/// Cancel flag and progress (per mille) of one piece of work: the worker writes, the UI
/// reads each frame and sets the flag on Esc or when a newer request replaces this one.
#[derive(Debug, Clone, Default)]
pub struct Control {
    cancel: Arc<AtomicBool>,
    permille: Arc<AtomicU32>,
}

/// The work was cancelled before it finished.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cancelled;

impl Control {
    pub fn cancel(&self) {
        self.cancel.store(true, Ordering::Relaxed);
    }

    pub fn is_cancelled(&self) -> bool {
        self.cancel.load(Ordering::Relaxed)
    }

    /// Progress so far, 0..=1000.
    pub fn permille(&self) -> u32 {
        self.permille.load(Ordering::Relaxed)
    }

    fn report(&self, done: usize, total: usize) -> Result<(), Cancelled> {
        let p = (done as u64 * 1000)
            .checked_div(total as u64)
            .unwrap_or(1000)
            .min(1000);
        self.permille.store(p as u32, Ordering::Relaxed);
        if self.is_cancelled() {
            Err(Cancelled)
        } else {
            Ok(())
        }
    }
}

/// Rows of a document expanded to a depth, and the first part that could not be read
/// (left collapsed: one bad container does not hide the rest).
#[derive(Debug)]
pub struct Built {
    pub rows: Vec<Row>,
    pub error: Option<DocError>,
}

/// The document's rows with every container less than `max_depth` levels below the root
/// expanded (0 = the root alone): one pass over the bytes that appends rows in document
/// order ([`Doc::preorder`]). A document with a flaw inside is built container by
/// container instead, leaving the unreadable part closed.
pub fn build_rows(doc: &Doc, max_depth: u16, ctl: &Control) -> Result<Built, Cancelled> {
    if max_depth <= 1 {
        // The root's children and their counts were read when the document was opened.
        return build_rows_by_container(doc, max_depth, ctl);
    }
    let total = doc.bytes().len();
    let mut rows: Vec<Row> = Vec::new();
    let mut open: Vec<u32> = Vec::new();
    let mut cancelled = false;
    let r = doc.preorder(max_depth, |step| {
        let parent = open.last().copied().unwrap_or(NO_PARENT);
        let depth = open.len().min(u16::MAX as usize) as u16;
        match step {
            Step::Open(e) => {
                let mut row = Row::new(depth, e, parent);
                row.expanded = true;
                open.push(rows.len() as u32);
                rows.push(row);
            }
            Step::Leaf(e, count) => {
                let row = Row::new(depth, e, parent);
                row.count.set(count);
                rows.push(row);
            }
            Step::Close { end, count } => {
                if let Some(r) = open.pop().and_then(|i| rows.get_mut(i as usize)) {
                    r.entry.value.end = end;
                    r.count.set(Some(count));
                }
                return true;
            }
        }
        if rows.len().is_multiple_of(4096) {
            let at = rows.last().map_or(0, |r| r.entry.value.start as usize);
            cancelled = ctl.report(at, total).is_err();
        }
        !cancelled
    });
    match r {
        Ok(true) => {
            ctl.report(total, total)?;
            Ok(Built { rows, error: None })
        }
        Ok(false) => Err(Cancelled),
        Err(_) => build_rows_by_container(doc, max_depth, ctl),
    }
}

/// [`build_rows`] container by container: reads each level again (slower), but keeps
/// going past a container that cannot be read.
pub fn build_rows_by_container(
    doc: &Doc,
    max_depth: u16,
    ctl: &Control,
) -> Result<Built, Cancelled> {
    let total = doc.bytes().len();
    let mut rows = vec![Row::new(0, doc.root(), NO_PARENT)];
    let mut error = None;
    // (row index of an open container, its children, the next child to emit).
    let mut stack: Vec<(u32, Vec<Entry>, usize)> = Vec::new();
    let mut open = |rows: &mut Vec<Row>, i: usize, stack: &mut Vec<(u32, Vec<Entry>, usize)>| {
        let r = &rows[i];
        if !r.entry.kind.is_container() {
            return;
        }
        if r.depth >= max_depth {
            // A closed container shows its size: counted here, not by the UI thread when
            // the row is drawn (it can be most of the document).
            rows[i].count.set(Some(doc.count(&rows[i].entry) as u32));
            return;
        }
        match doc.children(&r.entry) {
            Ok(kids) => {
                rows[i].expanded = true;
                rows[i].count.set(Some(kids.len() as u32));
                stack.push((i as u32, kids, 0));
            }
            Err(e) => {
                error.get_or_insert(e);
            }
        }
    };
    open(&mut rows, 0, &mut stack);
    let mut since_report = 0u32;
    while let Some((parent, kids, next)) = stack.last_mut() {
        if ctl.is_cancelled() {
            return Err(Cancelled);
        }
        let Some(e) = kids.get(*next).copied() else {
            stack.pop();
            continue;
        };
        *next += 1;
        let parent = *parent;
        let depth = rows[parent as usize].depth.saturating_add(1);
        rows.push(Row::new(depth, e, parent));
        let last = rows.len() - 1;
        open(&mut rows, last, &mut stack);
        since_report += 1;
        if since_report >= 4096 {
            since_report = 0;
            ctl.report(e.value.start as usize, total)?;
        }
    }
    ctl.report(total, total)?;
    Ok(Built { rows, error })
}

/// Where the case-insensitive (ASCII) `needle` next occurs in `hay`, searching forward
/// from `from` or backward from before it, wrapping around the end. Reads the bytes in
/// chunks so it can report progress and stop when cancelled.
pub fn find_text(
    hay: &[u8],
    needle: &str,
    from: usize,
    forward: bool,
    ctl: &Control,
) -> Result<Option<usize>, Cancelled> {
    const CHUNK: usize = 1 << 20;
    let n = needle.to_ascii_lowercase().into_bytes();
    if n.is_empty() || n.len() > hay.len() {
        return Ok(None);
    }
    let from = from.min(hay.len());
    let finder = memchr::memmem::Finder::new(&n);
    let total = hay.len();
    let mut scanned = 0usize;
    let mut buf = Vec::with_capacity(CHUNK + n.len());
    // Matches that lie wholly in `hay[a..b]`, first (forward) or last (backward).
    let mut search =
        |a: usize, b: usize, scanned: &mut usize| -> Result<Option<usize>, Cancelled> {
            if b.saturating_sub(a) < n.len() {
                return Ok(None);
            }
            let step = CHUNK;
            let overlap = n.len() - 1;
            if forward {
                let mut s = a;
                while s + n.len() <= b {
                    let e = (s + step + overlap).min(b);
                    buf.clear();
                    buf.extend(hay[s..e].iter().map(u8::to_ascii_lowercase));
                    if let Some(k) = finder.find(&buf) {
                        return Ok(Some(s + k));
                    }
                    *scanned += e - s;
                    ctl.report(*scanned, total)?;
                    s += step;
                }
            } else {
                let mut e = b;
                while e >= a + n.len() {
                    let s = e.saturating_sub(step + overlap).max(a);
                    buf.clear();
                    buf.extend(hay[s..e].iter().map(u8::to_ascii_lowercase));
                    if let Some(k) = memchr::memmem::rfind(&buf, &n) {
                        return Ok(Some(s + k));
                    }
                    *scanned += e - s;
                    ctl.report(*scanned, total)?;
                    if s == a {
                        break;
                    }
                    e = s + overlap;
                }
            }
            Ok(None)
        };
    let hit = if forward {
        match search(from, total, &mut scanned)? {
            Some(h) => Some(h),
            None => search(0, (from + n.len() - 1).min(total), &mut scanned)?,
        }
    } else {
        match search(0, from, &mut scanned)? {
            Some(h) => Some(h),
            None => search(from.saturating_sub(n.len() - 1), total, &mut scanned)?,
        }
    };
    Ok(hit)
}

/// The containers from the root down to byte `offset`, each with its children: what
/// revealing that offset will open, read ahead off the UI thread.
pub fn chain_to(doc: &Doc, offset: usize, ctl: &Control) -> Vec<(Entry, Vec<Entry>)> {
    let mut out = Vec::new();
    let mut cur = doc.root();
    while cur.kind.is_container() && !ctl.is_cancelled() {
        let Ok(kids) = doc.children(&cur) else { break };
        let next = kids
            .partition_point(|k| (k.key.map_or(k.value.start, |s| s.start) as usize) <= offset)
            .checked_sub(1)
            .and_then(|i| kids.get(i).copied())
            .filter(|k| offset < k.value.end as usize);
        out.push((cur, kids));
        match next {
            Some(k) => cur = k,
            None => break,
        }
    }
    out
}

/// The visible rows of a document.
#[derive(Debug, Clone)]
pub struct Tree {
    pub doc: Doc,
    rows: Vec<Row>,
}

impl Tree {
    /// The root, expanded one level (as jless opens a file). The root's children were
    /// read when the document was opened, so this is quick on any size.
    pub fn new(doc: Doc) -> Result<Tree, DocError> {
        let built = build_rows(&doc, 1, &Control::default()).map_err(|_| DocError {
            offset: 0,
            what: "cancelled",
        })?;
        if let Some(e) = built.error {
            return Err(e);
        }
        Ok(Tree {
            rows: built.rows,
            doc,
        })
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    pub fn row(&self, i: usize) -> Option<&Row> {
        self.rows.get(i)
    }

    /// Replace the rows with ones built for this document (by [`build_rows`]).
    pub fn set_rows(&mut self, rows: Vec<Row>) {
        if !rows.is_empty() {
            self.rows = rows;
        }
    }

    /// Children count of a container row (cached).
    pub fn count(&self, i: usize) -> u32 {
        let Some(r) = self.rows.get(i) else { return 0 };
        if let Some(c) = r.count.get() {
            return c;
        }
        let c = self.doc.count(&r.entry) as u32;
        r.count.set(Some(c));
        c
    }

    /// Index just past row `i`'s visible subtree: the first row after it whose parent
    /// comes before it (by links, not depth: depth saturates at `u16::MAX`).
    fn subtree_end(&self, i: usize) -> usize {
        let mut j = i + 1;
        while j < self.rows.len() && self.rows[j].parent as usize >= i {
            j += 1;
        }
        j
    }

    pub fn expand(&mut self, i: usize) -> Result<(), DocError> {
        let Some(r) = self.rows.get(i) else {
            return Ok(());
        };
        if r.expanded || !r.entry.kind.is_container() {
            return Ok(());
        }
        let kids = self.doc.children(&r.entry)?;
        self.expand_with(i, kids);
        Ok(())
    }

    /// Expand row `i` with its children, already read (off the UI thread for a big one).
    pub fn expand_with(&mut self, i: usize, kids: Vec<Entry>) {
        self.expand_counted(i, kids, Vec::new());
    }

    /// [`Tree::expand_with`], with the children's own child counts where known.
    pub fn expand_counted(&mut self, i: usize, kids: Vec<Entry>, counts: Vec<Option<u32>>) {
        let Some(r) = self.rows.get(i) else { return };
        if r.expanded || !r.entry.kind.is_container() {
            return;
        }
        let depth = r.depth.saturating_add(1);
        let k = kids.len() as u32;
        self.rows[i].count.set(Some(k));
        self.rows[i].expanded = true;
        // One splice, then one pass to move the parent links that pointed past it.
        let mut counts = counts.into_iter();
        let first_kid = i + 1;
        self.rows.splice(
            first_kid..first_kid,
            kids.into_iter().map(|e| {
                let r = Row::new(depth, e, i as u32);
                r.count.set(counts.next().flatten());
                r
            }),
        );
        let at = (i + 1 + k as usize).min(self.rows.len());
        for r in &mut self.rows[at..] {
            if r.parent != NO_PARENT && r.parent as usize > i {
                r.parent += k;
            }
        }
    }

    pub fn collapse(&mut self, i: usize) {
        if self.rows.get(i).is_none_or(|r| !r.expanded) {
            return;
        }
        let end = self.subtree_end(i);
        let gone = (end - i - 1) as u32;
        self.rows.drain(i + 1..end);
        self.rows[i].expanded = false;
        for r in &mut self.rows[i + 1..] {
            if r.parent != NO_PARENT && r.parent as usize > i {
                r.parent -= gone;
            }
        }
    }

    pub fn toggle(&mut self, i: usize) -> Result<(), DocError> {
        if self.rows.get(i).is_some_and(|r| r.expanded) {
            self.collapse(i);
            Ok(())
        } else {
            self.expand(i)
        }
    }

    /// Expand everything up to `depth` levels below the root (0 = root only), here and
    /// now (the UI hands big documents to a worker with [`build_rows`] instead).
    pub fn expand_to_depth(&mut self, depth: u16) -> Result<(), DocError> {
        let built = build_rows(&self.doc, depth, &Control::default()).map_err(|_| DocError {
            offset: 0,
            what: "cancelled",
        })?;
        self.set_rows(built.rows);
        built.error.map_or(Ok(()), Err)
    }

    /// Expand every container.
    pub fn expand_all(&mut self) -> Result<(), DocError> {
        self.expand_to_depth(u16::MAX)
    }

    /// Collapse to the root's children.
    pub fn collapse_all(&mut self) -> Result<(), DocError> {
        self.expand_to_depth(1)
    }

    /// Index of row `i`'s parent.
    pub fn parent(&self, i: usize) -> Option<usize> {
        let p = self.rows.get(i)?.parent;
        (p != NO_PARENT).then_some(p as usize)
    }

    /// The keys from the root to row `i` (`None` for an array index), root first.
    pub fn keys(&self, i: usize) -> Vec<Option<String>> {
        let mut parts = Vec::new();
        let mut cur = i;
        while let Some(p) = self.parent(cur) {
            parts.push(self.rows.get(cur).and_then(|r| self.doc.key(&r.entry)));
            cur = p;
        }
        parts.reverse();
        parts
    }

    /// The jq-style path of row `i`: `.vlans."3".interfaces[0]`.
    pub fn path(&self, i: usize) -> String {
        let mut parts = Vec::new();
        let mut cur = i;
        while let Some(p) = self.parent(cur) {
            let r = &self.rows[cur];
            let part = match self.doc.key(&r.entry) {
                Some(k) if is_ident(&k) => format!(".{k}"),
                Some(k) => format!(".{}", serde_json::Value::String(k)),
                None => format!("[{}]", r.entry.index),
            };
            parts.push(part);
            cur = p;
        }
        parts.reverse();
        let p = parts.concat();
        if p.is_empty() { ".".into() } else { p }
    }

    /// The deepest visible row whose text holds byte `offset` (the root if none does).
    pub fn row_at(&self, offset: usize) -> usize {
        let mut i = self
            .rows
            .partition_point(|r| r.start() as usize <= offset)
            .saturating_sub(1);
        while !self.rows.get(i).is_none_or(|r| r.holds(offset)) {
            match self.parent(i) {
                Some(p) => i = p,
                None => return 0,
            }
        }
        i
    }

    /// Where a search from row `from` starts: forward, past the row's own text (its key,
    /// and its value unless it has children to search); backward, before its key.
    pub fn search_from(&self, from: usize, forward: bool) -> usize {
        self.rows.get(from).map_or(0, |r| {
            let e = &r.entry;
            if !forward {
                r.start() as usize
            } else if e.kind.is_container() {
                e.value.start as usize + 1
            } else {
                e.value.end as usize
            }
        })
    }

    /// Find the next row at or after `from` (wrapping) whose key or scalar value contains
    /// `needle` (case-insensitive), opening collapsed containers on the way. Here and now
    /// (the UI hands big documents to a worker).
    pub fn search(&mut self, needle: &str, from: usize, forward: bool) -> Option<usize> {
        let start = self.search_from(from, forward);
        let hit = find_text(
            self.doc.bytes(),
            needle,
            start,
            forward,
            &Control::default(),
        )
        .ok()
        .flatten()?;
        self.reveal(hit)
    }

    /// Open the containers around byte `offset` and return the row that holds it.
    pub fn reveal(&mut self, offset: usize) -> Option<usize> {
        self.reveal_with(offset, &[])
    }

    /// [`Tree::reveal`], taking the children of containers to open from `read` (read
    /// ahead by [`chain_to`]) instead of scanning them here.
    pub fn reveal_with(&mut self, offset: usize, read: &[(Entry, Vec<Entry>)]) -> Option<usize> {
        if self.rows.is_empty() {
            return None;
        }
        loop {
            let i = self.row_at(offset);
            let r = &self.rows[i];
            let in_key = r.entry.key.is_some_and(|k| offset < k.end as usize);
            if r.expanded || !r.entry.kind.is_container() || in_key || !r.holds(offset) {
                return Some(i);
            }
            let entry = r.entry;
            match read.iter().find(|(e, _)| *e == entry) {
                Some((_, kids)) => self.expand_with(i, kids.clone()),
                None => {
                    if self.expand(i).is_err() {
                        return Some(i);
                    }
                }
            }
        }
    }

    /// The visible row showing `entry`, if any.
    pub fn index_of(&self, entry: &Entry) -> Option<usize> {
        let start = entry.key.map_or(entry.value.start, |k| k.start);
        let i = self.rows.partition_point(|r| r.start() < start);
        self.rows.get(i).filter(|r| r.entry == *entry).map(|_| i)
    }

    /// The value text of row `i` (raw JSON).
    pub fn value_text(&self, i: usize) -> &str {
        self.rows
            .get(i)
            .map_or("", |r| self.doc.text(r.entry.value))
    }

    pub fn kind(&self, i: usize) -> Option<Kind> {
        self.rows.get(i).map(|r| r.entry.kind)
    }
}

fn is_ident(k: &str) -> bool {
    let mut c = k.chars();
    c.next()
        .is_some_and(|f| f.is_ascii_alphabetic() || f == '_')
        && c.all(|x| x.is_ascii_alphanumeric() || x == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(s: &str) -> Tree {
        Tree::new(Doc::new(s.as_bytes().to_vec()).expect("doc")).expect("tree")
    }

    #[test]
    fn expand_collapse_and_paths() {
        let mut t = tree(r#"{"vlans": {"3": {"interfaces": ["Et1", "Et2"]}}, "n": 1}"#);
        assert_eq!(t.len(), 3); // root + 2 children
        t.expand(1).expect("expand");
        t.expand(2).expect("expand");
        t.expand(3).expect("expand");
        assert_eq!(t.path(4), ".vlans.\"3\".interfaces[0]");
        assert_eq!(t.value_text(4), "\"Et1\"");
        t.collapse(1);
        assert_eq!(t.len(), 3);
        t.expand_all().expect("all");
        assert_eq!(t.len(), 7);
        t.collapse_all().expect("collapse");
        assert_eq!(t.len(), 3);
        assert_eq!(t.count(1), 1);
    }

    #[test]
    fn search_reveals_hidden_rows() {
        let mut t = tree(r#"{"a": {"b": {"needle": 5}}, "c": [{"x": "Needle2"}]}"#);
        let i = t.search("needle", 0, true).expect("found");
        assert_eq!(t.path(i), ".a.b.needle");
        let j = t.search("needle", i, true).expect("next");
        assert_eq!(t.path(j), ".c[0].x");
        let k = t.search("needle", j, true).expect("wraps");
        assert_eq!(k, i);
        assert!(t.search("absent", 0, true).is_none());
    }

    #[test]
    fn parent_links_survive_expanding_and_collapsing_above() {
        let mut t = tree(r#"{"a": [1, 2, 3], "b": {"c": {"d": true}}}"#);
        t.expand(2).expect("b"); // rows: root, a, b, c
        t.expand(3).expect("c"); // + d
        assert_eq!(t.path(4), ".b.c.d");
        t.expand(1).expect("a"); // three rows appear above b
        assert_eq!(t.path(7), ".b.c.d");
        assert_eq!(t.parent(7), Some(6));
        t.collapse(1);
        assert_eq!(t.path(4), ".b.c.d");
        assert_eq!(t.parent(2), Some(0));
    }

    #[test]
    fn deeper_than_depth_can_count_still_collapses_right() {
        // Depth is a u16: expand-all opens 65,535 levels, and links keep collapse right.
        let n = 70_000;
        let mut t = tree(&("[".repeat(n) + &"]".repeat(n)));
        t.expand_all().expect("all");
        assert_eq!(t.len(), 65_536);
        assert_eq!(t.count(65_535), 1);
        t.collapse(65_534);
        assert_eq!(t.len(), 65_535);
        t.collapse(1);
        assert_eq!(t.len(), 2);
        assert_eq!(t.path(1), "[0]");
    }

    #[test]
    fn a_flaw_inside_leaves_only_its_container_closed() {
        let mut t = tree(r#"{"a": {"x": [1 2], "y": 3}, "c": 1}"#);
        let e = t.expand_all().expect_err("the flaw is reported");
        assert_eq!(e.what, "expected ',' or the end of the container");
        let paths: Vec<String> = (0..t.len()).map(|i| t.path(i)).collect();
        assert_eq!(paths, [".", ".a", ".a.x", ".a.y", ".c"]);
        assert!(!t.row(2).expect("x").expanded);
    }

    #[test]
    fn a_search_hands_back_progress_and_stops_when_cancelled() {
        let hay = "x".repeat(3 << 20) + "needle";
        let ctl = Control::default();
        assert_eq!(
            find_text(hay.as_bytes(), "NEEDLE", 0, true, &ctl),
            Ok(Some(3 << 20))
        );
        assert!(ctl.permille() > 0);
        // Backward from the start wraps to the end.
        assert_eq!(
            find_text(hay.as_bytes(), "needle", 0, false, &ctl),
            Ok(Some(3 << 20))
        );
        ctl.cancel();
        assert_eq!(
            find_text(hay.as_bytes(), "absent", 0, true, &ctl),
            Err(Cancelled)
        );
    }
}
