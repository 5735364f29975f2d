//! The explorer's tree: the rows currently visible (expanded containers' children in
//! document order), kept as a flat vector so drawing touches only the rows on screen and
//! expanding or collapsing is one splice.

use std::cell::Cell;

use super::doc::{Doc, DocError, Entry, Kind};

/// One visible row.
#[derive(Debug, Clone)]
pub struct Row {
    pub depth: u16,
    pub entry: Entry,
    pub expanded: bool,
    /// Children count, computed on first draw (a scan of the container) and kept.
    count: Cell<Option<u32>>,
}

impl Row {
    fn new(depth: u16, entry: Entry) -> Row {
        Row {
            depth,
            entry,
            expanded: false,
            count: Cell::new(None),
        }
    }
}

/// The visible rows of a document.
#[derive(Debug, Clone)]
pub struct Tree {
    pub doc: Doc,
    pub rows: Vec<Row>,
}

impl Tree {
    /// The root, expanded one level (as jless opens a file).
    pub fn new(doc: Doc) -> Result<Tree, DocError> {
        let mut t = Tree {
            rows: vec![Row::new(0, doc.root())],
            doc,
        };
        t.expand(0)?;
        Ok(t)
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
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

    /// Index just past row `i`'s visible subtree.
    fn subtree_end(&self, i: usize) -> usize {
        let d = self.rows[i].depth;
        let mut j = i + 1;
        while j < self.rows.len() && self.rows[j].depth > d {
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
        let depth = r.depth + 1;
        let kids = self.doc.children(&r.entry)?;
        self.rows[i].count.set(Some(kids.len() as u32));
        self.rows[i].expanded = true;
        self.rows
            .splice(i + 1..i + 1, kids.into_iter().map(|e| Row::new(depth, e)));
        Ok(())
    }

    pub fn collapse(&mut self, i: usize) {
        if self.rows.get(i).is_none_or(|r| !r.expanded) {
            return;
        }
        let end = self.subtree_end(i);
        self.rows.drain(i + 1..end);
        self.rows[i].expanded = false;
    }

    pub fn toggle(&mut self, i: usize) -> Result<(), DocError> {
        if self.rows.get(i).is_some_and(|r| r.expanded) {
            self.collapse(i);
            Ok(())
        } else {
            self.expand(i)
        }
    }

    /// Expand everything up to `depth` levels below the root (0 = root only).
    pub fn expand_to_depth(&mut self, depth: u16) -> Result<(), DocError> {
        self.collapse(0);
        let mut i = 0;
        while i < self.rows.len() {
            if self.rows[i].depth < depth {
                self.expand(i)?;
            }
            i += 1;
        }
        Ok(())
    }

    /// Expand every container (bounded by what fits in memory: it is the user's ask).
    pub fn expand_all(&mut self) -> Result<(), DocError> {
        self.expand_to_depth(u16::MAX)
    }

    /// Collapse to the root's children.
    pub fn collapse_all(&mut self) -> Result<(), DocError> {
        self.expand_to_depth(1)
    }

    /// Index of row `i`'s parent.
    pub fn parent(&self, i: usize) -> Option<usize> {
        let d = self.rows.get(i)?.depth;
        (0..i).rev().find(|&j| self.rows[j].depth < d)
    }

    /// The jq-style path of row `i`: `.vlans."3".interfaces[0]`.
    pub fn path(&self, i: usize) -> String {
        let mut parts = Vec::new();
        let mut cur = Some(i);
        while let Some(c) = cur {
            let Some(p) = self.parent(c) else { break };
            let r = &self.rows[c];
            let part = match self.doc.key(&r.entry) {
                Some(k) if is_ident(&k) => format!(".{k}"),
                Some(k) => format!(".{}", serde_json::Value::String(k)),
                None => format!("[{}]", r.entry.index),
            };
            parts.push(part);
            cur = Some(p);
        }
        parts.reverse();
        let p = parts.concat();
        if p.is_empty() { ".".into() } else { p }
    }

    /// Find the next row at or after `from` (wrapping) whose key or scalar value contains
    /// `needle` (case-insensitive), opening collapsed containers on the way.
    pub fn search(&mut self, needle: &str, from: usize, forward: bool) -> Option<usize> {
        if needle.is_empty() || self.rows.is_empty() {
            return None;
        }
        let needle = needle.to_lowercase();
        let total = self.doc.bytes().len();
        // Forward: past this row's own text (its key, and its value unless it has
        // children to search). Backward: before its key.
        let (past, before) = self
            .rows
            .get(from)
            .map(|r| {
                let e = &r.entry;
                let past = if e.kind.is_container() {
                    e.value.start + 1
                } else {
                    e.value.end
                };
                (
                    past as usize,
                    e.key.map_or(e.value.start, |k| k.start) as usize,
                )
            })
            .unwrap_or((0, 0));
        let hay = self.doc.bytes();
        let lower = |a: &[u8]| a.to_ascii_lowercase();
        let n = needle.as_bytes();
        let hit = if forward {
            let start = past.min(total);
            find(&lower(&hay[start..]), n)
                .map(|k| start + k)
                .or_else(|| find(&lower(&hay[..start]), n))
        } else {
            let end = before.min(total);
            rfind(&lower(&hay[..end]), n).or_else(|| rfind(&lower(&hay[end..]), n).map(|k| end + k))
        }?;
        self.reveal(hit)
    }

    /// Open the containers around byte `offset` and return the row that holds it.
    pub fn reveal(&mut self, offset: usize) -> Option<usize> {
        let mut i = 0;
        loop {
            let r = self.rows.get(i)?;
            if !r.entry.kind.is_container() {
                return Some(i);
            }
            if !r.expanded {
                self.expand(i).ok()?;
            }
            let end = self.subtree_end(i);
            let d = self.rows[i].depth + 1;
            let child = (i + 1..end).find(|&j| {
                let r = &self.rows[j];
                let start = r.entry.key.map(|k| k.start).unwrap_or(r.entry.value.start) as usize;
                r.depth == d && start <= offset && offset < r.entry.value.end as usize
            });
            match child {
                Some(c) => {
                    let r = &self.rows[c];
                    if r.entry.key.is_some_and(|k| (offset as u32) < k.end)
                        || !r.entry.kind.is_container()
                    {
                        return Some(c);
                    }
                    i = c;
                }
                None => return Some(i),
            }
        }
    }

    /// The value text of row `i` (raw JSON).
    pub fn value_text(&self, i: usize) -> &str {
        self.rows
            .get(i)
            .map(|r| self.doc.text(r.entry.value))
            .unwrap_or("")
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

fn find(hay: &[u8], n: &[u8]) -> Option<usize> {
    if n.len() > hay.len() {
        return None;
    }
    hay.windows(n.len()).position(|w| w == n)
}

fn rfind(hay: &[u8], n: &[u8]) -> Option<usize> {
    if n.len() > hay.len() {
        return None;
    }
    hay.windows(n.len()).rposition(|w| w == n)
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
}
