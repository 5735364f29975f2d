//! A JSON document kept as bytes and read lazily: containers are scanned for their direct
//! children only when opened, and a value is skipped without being materialised. That keeps
//! the first frame of a 50 MB file fast (only the top level is scanned) and memory close to
//! the file's size.

use std::sync::Arc;

/// Byte range `[start, end)` in the document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub start: u32,
    pub end: u32,
}

/// What a value is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Object,
    Array,
    String,
    Number,
    Bool,
    Null,
}

impl Kind {
    pub fn is_container(self) -> bool {
        matches!(self, Kind::Object | Kind::Array)
    }
}

/// A child of a container: its key (objects) or index (arrays), and its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    /// The key's span including its quotes (objects only).
    pub key: Option<Span>,
    pub index: u32,
    pub value: Span,
    pub kind: Kind,
}

/// One step of [`Doc::preorder`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// A container is opened; its `value.end` is not known yet (0) and comes with `Close`.
    Open(Entry),
    /// A value skipped whole, with its child count if it is a container.
    Leaf(Entry, Option<u32>),
    /// The innermost open container ends at `end`, after `count` children.
    Close { end: u32, count: u32 },
}

/// Why bytes are not JSON, with where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not valid JSON at byte {offset}: {what}")]
pub struct DocError {
    pub offset: usize,
    pub what: &'static str,
}

/// The document.
#[derive(Clone)]
pub struct Doc {
    bytes: Arc<[u8]>,
    root: Entry,
    /// The root's children and, for those that are containers, their child counts: found
    /// by the one pass that locates the root, so opening a file and drawing its first
    /// frame read it once.
    top: Arc<Vec<(Entry, Option<u32>)>>,
}

/// Sizes only: the text can be 50 MB, and device output can hold secrets.
impl std::fmt::Debug for Doc {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Doc")
            .field("bytes", &self.bytes.len())
            .field("root", &self.root.kind)
            .field("top", &self.top.len())
            .finish()
    }
}

fn ws(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && matches!(b[i], b' ' | b'\n' | b'\r' | b'\t') {
        i += 1;
    }
    i
}

fn err(offset: usize, what: &'static str) -> DocError {
    DocError { offset, what }
}

/// End of the string starting at `i` (on its opening quote), past the closing quote.
/// At a member's start: an object member's key and where its value starts, or no key for
/// an array element.
fn member_key(b: &[u8], i: usize, kind: Kind) -> Result<(Option<Span>, usize), DocError> {
    if kind != Kind::Object {
        return Ok((None, i));
    }
    if b.get(i) != Some(&b'"') {
        return Err(err(i, "expected a key"));
    }
    let end = skip_string(b, i)?;
    let key = Span {
        start: i as u32,
        end: end as u32,
    };
    let i = ws(b, end);
    if b.get(i) != Some(&b':') {
        return Err(err(i, "expected ':'"));
    }
    Ok((Some(key), ws(b, i + 1)))
}

fn skip_string(b: &[u8], i: usize) -> Result<usize, DocError> {
    let mut j = i + 1;
    loop {
        match memchr::memchr2(b'"', b'\\', &b[j.min(b.len())..]) {
            Some(k) => {
                j += k;
                if b[j] == b'\\' {
                    j += 2;
                } else {
                    return Ok(j + 1);
                }
            }
            None => return Err(err(i, "unterminated string")),
        }
    }
}

fn kind_at(b: &[u8], i: usize) -> Result<Kind, DocError> {
    match b.get(i) {
        Some(b'{') => Ok(Kind::Object),
        Some(b'[') => Ok(Kind::Array),
        Some(b'"') => Ok(Kind::String),
        Some(b't' | b'f') => Ok(Kind::Bool),
        Some(b'n') => Ok(Kind::Null),
        Some(b'-' | b'0'..=b'9') => Ok(Kind::Number),
        Some(_) => Err(err(i, "expected a value")),
        None => Err(err(i, "unexpected end of input")),
    }
}

/// End of the value starting at `i` (no leading whitespace).
fn skip_value(b: &[u8], i: usize) -> Result<usize, DocError> {
    match kind_at(b, i)? {
        Kind::String => skip_string(b, i),
        Kind::Object | Kind::Array => {
            // Count brackets, stepping over strings; structure inside is checked when opened
            // (and the whole file in the background). JSON is dense in quotes and brackets:
            // a plain byte loop beats a SIMD search that stops every few bytes.
            let mut depth = 0usize;
            let mut j = i;
            while j < b.len() {
                match b[j] {
                    b'"' => {
                        j = skip_string(b, j)?;
                        continue;
                    }
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth -= 1;
                        if depth == 0 {
                            return Ok(j + 1);
                        }
                    }
                    _ => {}
                }
                j += 1;
            }
            Err(err(i, "unclosed container"))
        }
        _ => {
            let mut j = i;
            while j < b.len() && !matches!(b[j], b',' | b'}' | b']' | b' ' | b'\n' | b'\r' | b'\t')
            {
                j += 1;
            }
            Ok(j)
        }
    }
}

/// Parse the direct children of the container of `kind` at `start`: `child_end` finds
/// where each child's value ends (normally [`skip_value`]), `f` gets each child. Returns
/// the position just past the closing bracket.
fn walk(
    b: &[u8],
    start: usize,
    kind: Kind,
    mut child_end: impl FnMut(&[u8], usize, Kind) -> Result<usize, DocError>,
    mut f: impl FnMut(Entry),
) -> Result<usize, DocError> {
    let (open, close) = match kind {
        Kind::Object => (b'{', b'}'),
        Kind::Array => (b'[', b']'),
        _ => return Err(err(start, "container expected")),
    };
    let mut i = start;
    if b.get(i) != Some(&open) {
        return Err(err(i, "container expected"));
    }
    i = ws(b, i + 1);
    if b.get(i) == Some(&close) {
        return Ok(i + 1);
    }
    let mut index = 0u32;
    loop {
        let (key, at) = member_key(b, i, kind)?;
        i = at;
        let vkind = kind_at(b, i)?;
        let end = child_end(b, i, vkind)?;
        f(Entry {
            key,
            index,
            value: Span {
                start: i as u32,
                end: end as u32,
            },
            kind: vkind,
        });
        index += 1;
        i = ws(b, end);
        match b.get(i) {
            Some(b',') => i = ws(b, i + 1),
            Some(c) if *c == close => return Ok(i + 1),
            _ => return Err(err(i, "expected ',' or the end of the container")),
        }
    }
}

impl Doc {
    /// Wrap bytes; the root and its direct children are located (deeper levels are read
    /// when opened).
    pub fn new(bytes: impl Into<Arc<[u8]>>) -> Result<Doc, DocError> {
        let bytes: Arc<[u8]> = bytes.into();
        if bytes.len() > u32::MAX as usize {
            return Err(err(0, "documents over 4 GiB are not supported"));
        }
        let b = &bytes[..];
        let start = ws(b, 0);
        let kind = kind_at(b, start)?;
        let mut top = Vec::new();
        let end = if kind.is_container() {
            // Each child container is walked rather than skipped: the same bytes are read
            // either way, and its child count comes for free.
            let count = std::cell::Cell::new(None);
            walk(
                b,
                start,
                kind,
                |b, i, k| {
                    if k.is_container() {
                        let mut n = 0u32;
                        let end = walk(b, i, k, |b, j, _| skip_value(b, j), |_| n += 1)?;
                        count.set(Some(n));
                        Ok(end)
                    } else {
                        count.set(None);
                        skip_value(b, i)
                    }
                },
                |e| top.push((e, count.take())),
            )?
        } else {
            skip_value(b, start)?
        };
        if ws(b, end) != b.len() {
            return Err(err(ws(b, end), "text after the JSON value"));
        }
        let root = Entry {
            key: None,
            index: 0,
            value: Span {
                start: start as u32,
                end: end as u32,
            },
            kind,
        };
        Ok(Doc {
            bytes,
            root,
            top: Arc::new(top),
        })
    }

    /// From a parsed value (engine results), pretty-printed so raw view reads well.
    pub fn from_value(v: &serde_json::Value) -> Doc {
        let text = serde_json::to_vec_pretty(v).unwrap_or_else(|_| b"null".to_vec());
        Doc::new(text)
            .unwrap_or_else(|_| Doc::new(b"null".to_vec()).unwrap_or_else(|_| unreachable_doc()))
    }

    pub fn root(&self) -> Entry {
        self.root
    }

    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The bytes, shared (no copy of a 50 MB file).
    pub fn shared_bytes(&self) -> Arc<[u8]> {
        self.bytes.clone()
    }

    /// The text of a span.
    pub fn text(&self, s: Span) -> &str {
        std::str::from_utf8(&self.bytes[s.start as usize..s.end as usize])
            .unwrap_or("<invalid UTF-8>")
    }

    /// A key without its quotes, unescaped.
    pub fn key(&self, e: &Entry) -> Option<String> {
        e.key.map(|k| unquote(self.text(k)))
    }

    /// The direct children of a container.
    pub fn children(&self, parent: &Entry) -> Result<Vec<Entry>, DocError> {
        if *parent == self.root {
            return Ok(self.top.iter().map(|(e, _)| *e).collect());
        }
        let mut out = Vec::new();
        self.each_child(parent, |e| out.push(e))?;
        Ok(out)
    }

    /// Number of direct children (scans the container once, keeps nothing; the root's
    /// children were counted when the document was opened).
    pub fn count(&self, e: &Entry) -> usize {
        if *e == self.root {
            return self.top.len();
        }
        // A root child sits at its index in `top` (O(1), not a search).
        if let Some(n) = self
            .top
            .get(e.index as usize)
            .filter(|(t, _)| t == e)
            .and_then(|(_, n)| *n)
        {
            return n as usize;
        }
        let mut n = 0;
        self.each_child(e, |_| n += 1).map_or(0, |()| n)
    }

    /// Call `f` with each direct child of a container, in order.
    fn each_child(&self, parent: &Entry, f: impl FnMut(Entry)) -> Result<(), DocError> {
        if !parent.kind.is_container() {
            return Ok(());
        }
        walk(
            &self.bytes,
            parent.value.start as usize,
            parent.kind,
            |b, j, _| skip_value(b, j),
            f,
        )
        .map(|_| ())
    }

    /// Every value of the document down to `max_depth` levels below the root, in
    /// document order, in one pass over the bytes: containers above that depth are opened
    /// (`Open` … `Close`), the rest are skipped whole (`Leaf`). Iterative, so any depth;
    /// linear, where opening container by container re-reads each level. `f` returns
    /// false to stop (then so does this, with `Ok(false)`).
    pub fn preorder(
        &self,
        max_depth: u16,
        mut f: impl FnMut(Step) -> bool,
    ) -> Result<bool, DocError> {
        let b = &self.bytes[..];
        let root = self.root;
        if !root.kind.is_container() || max_depth == 0 {
            let count = root.kind.is_container().then(|| self.count(&root) as u32);
            return Ok(f(Step::Leaf(root, count)));
        }
        if !f(Step::Open(root)) {
            return Ok(false);
        }
        // (kind, children so far, depth) of each open container.
        let mut stack: Vec<(Kind, u32, u16)> = vec![(root.kind, 0, 0)];
        let mut i = root.value.start as usize + 1;
        while let Some((kind, n, depth)) = stack.last_mut() {
            let close = if *kind == Kind::Object { b'}' } else { b']' };
            i = ws(b, i);
            // Checked before a comma is taken: `[1,]` is an error, not an end.
            if b.get(i) == Some(&close) {
                let count = *n;
                stack.pop();
                i += 1;
                if !f(Step::Close {
                    end: i as u32,
                    count,
                }) {
                    return Ok(false);
                }
                continue;
            }
            if *n > 0 {
                if b.get(i) != Some(&b',') {
                    return Err(err(i, "expected ',' or the end of the container"));
                }
                i = ws(b, i + 1);
            }
            let (key, at) = member_key(b, i, *kind)?;
            i = at;
            let vkind = kind_at(b, i)?;
            let index = *n;
            *n += 1;
            let child_depth = depth.saturating_add(1);
            if vkind.is_container() && child_depth < max_depth {
                let e = Entry {
                    key,
                    index,
                    value: Span {
                        start: i as u32,
                        end: 0,
                    },
                    kind: vkind,
                };
                stack.push((vkind, 0, child_depth));
                i += 1;
                if !f(Step::Open(e)) {
                    return Ok(false);
                }
            } else {
                let (end, count) = if vkind.is_container() {
                    let mut c = 0u32;
                    let end = walk(b, i, vkind, |b, j, _| skip_value(b, j), |_| c += 1)?;
                    (end, Some(c))
                } else {
                    (skip_value(b, i)?, None)
                };
                let e = Entry {
                    key,
                    index,
                    value: Span {
                        start: i as u32,
                        end: end as u32,
                    },
                    kind: vkind,
                };
                i = end;
                if !f(Step::Leaf(e, count)) {
                    return Ok(false);
                }
            }
        }
        Ok(true)
    }

    /// Check the whole document (run in the background for big files).
    pub fn validate(&self) -> Result<(), String> {
        serde_json::from_slice::<serde::de::IgnoredAny>(&self.bytes)
            .map(|_| ())
            .map_err(|e| format!("not valid JSON at line {} column {}", e.line(), e.column()))
    }
}

fn unreachable_doc() -> Doc {
    let bytes: Arc<[u8]> = Arc::from(&b"null"[..]);
    Doc {
        bytes,
        root: Entry {
            key: None,
            index: 0,
            value: Span { start: 0, end: 4 },
            kind: Kind::Null,
        },
        top: Arc::new(Vec::new()),
    }
}

/// A JSON string literal's contents, unescaped (falls back to the raw text).
pub fn unquote(lit: &str) -> String {
    serde_json::from_str::<String>(lit).unwrap_or_else(|_| lit.trim_matches('"').to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_deep_document_is_checked_without_recursion() {
        // Skipping a value (IgnoredAny) walks it with a stack of its own, at any depth.
        let deep = "[".repeat(100_000) + &"]".repeat(100_000);
        Doc::new(deep.into_bytes())
            .expect("doc")
            .validate()
            .expect("valid");
        let bad = Doc::new(b"[1, 2x]".to_vec()).expect("lazy");
        assert!(
            bad.validate()
                .expect_err("bad")
                .starts_with("not valid JSON")
        );
    }

    #[test]
    fn debug_shows_sizes_not_text() {
        let d = Doc::new(br#"{"password": "hunter2"}"#.to_vec()).expect("doc");
        let s = format!("{d:?}");
        assert!(!s.contains("hunter2") && !s.contains("104"), "{s}");
    }

    #[test]
    fn lazy_children() {
        let d = Doc::new(br#" {"a": [1, {"b": "x\"}"}, null], "c": true} "#.to_vec()).expect("doc");
        let root = d.root();
        assert_eq!(root.kind, Kind::Object);
        let kids = d.children(&root).expect("children");
        assert_eq!(kids.len(), 2);
        assert_eq!(d.key(&kids[0]).as_deref(), Some("a"));
        assert_eq!(kids[0].kind, Kind::Array);
        let arr = d.children(&kids[0]).expect("array");
        assert_eq!(arr.len(), 3);
        assert_eq!(d.text(arr[0].value), "1");
        let inner = d.children(&arr[1]).expect("inner");
        assert_eq!(d.text(inner[0].value), r#""x\"}""#);
        assert_eq!(kids[1].kind, Kind::Bool);
    }

    #[test]
    fn errors_say_where() {
        assert!(Doc::new(b"{\"a\": [1, 2}".to_vec()).is_err());
        let e = Doc::new(b"{} x".to_vec()).expect_err("trailing");
        assert_eq!(e.offset, 3);
        assert!(Doc::new(b"\"open".to_vec()).is_err());
        assert!(Doc::new(Vec::new()).is_err());
    }

    #[test]
    fn the_first_level_is_read_once_with_its_counts() {
        let d = Doc::new(br#"{"a": [1, 2, 3], "b": {"x": {"y": 1}}, "c": 5, "d": []}"#.to_vec())
            .expect("doc");
        let top = d.children(&d.root()).expect("children");
        let counts: Vec<usize> = top.iter().map(|e| d.count(e)).collect();
        assert_eq!(counts, vec![3, 1, 0, 0]);
        assert_eq!(d.count(&d.root()), 4);
        // Deeper levels are scanned when asked, and agree.
        let b = d.children(&top[1]).expect("b");
        assert_eq!(d.count(&b[0]), 1);
        assert_eq!(d.text(top[3].value), "[]");
    }
}
