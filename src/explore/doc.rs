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

/// Why bytes are not JSON, with where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not valid JSON at byte {offset}: {what}")]
pub struct DocError {
    pub offset: usize,
    pub what: &'static str,
}

/// The document.
#[derive(Debug, Clone)]
pub struct Doc {
    bytes: Arc<[u8]>,
    root: Entry,
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
fn skip_string(b: &[u8], i: usize) -> Result<usize, DocError> {
    let mut j = i + 1;
    loop {
        match memchr2(b'"', b'\\', &b[j.min(b.len())..]) {
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

/// Position of the first `a` or `b` byte (a plain loop the compiler vectorises well enough).
fn memchr2(a: u8, c: u8, hay: &[u8]) -> Option<usize> {
    hay.iter().position(|&x| x == a || x == c)
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
            // Count brackets, stepping over strings; structure inside is checked when opened.
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

impl Doc {
    /// Wrap bytes; only the root is located (the rest is read when opened).
    pub fn new(bytes: impl Into<Arc<[u8]>>) -> Result<Doc, DocError> {
        let bytes: Arc<[u8]> = bytes.into();
        if bytes.len() > u32::MAX as usize {
            return Err(err(0, "documents over 4 GiB are not supported"));
        }
        let b = &bytes[..];
        let start = ws(b, 0);
        let end = skip_value(b, start)?;
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
            kind: kind_at(b, start)?,
        };
        Ok(Doc { bytes, root })
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
        let b = &self.bytes[..];
        let (open, close) = match parent.kind {
            Kind::Object => (b'{', b'}'),
            Kind::Array => (b'[', b']'),
            _ => return Ok(Vec::new()),
        };
        let mut i = parent.value.start as usize;
        if b.get(i) != Some(&open) {
            return Err(err(i, "container expected"));
        }
        i = ws(b, i + 1);
        let mut out = Vec::new();
        if b.get(i) == Some(&close) {
            return Ok(out);
        }
        let mut index = 0u32;
        loop {
            let key = if parent.kind == Kind::Object {
                if b.get(i) != Some(&b'"') {
                    return Err(err(i, "expected a key"));
                }
                let end = skip_string(b, i)?;
                let k = Span {
                    start: i as u32,
                    end: end as u32,
                };
                i = ws(b, end);
                if b.get(i) != Some(&b':') {
                    return Err(err(i, "expected ':'"));
                }
                i = ws(b, i + 1);
                Some(k)
            } else {
                None
            };
            let kind = kind_at(b, i)?;
            let end = skip_value(b, i)?;
            out.push(Entry {
                key,
                index,
                value: Span {
                    start: i as u32,
                    end: end as u32,
                },
                kind,
            });
            index += 1;
            i = ws(b, end);
            match b.get(i) {
                Some(b',') => i = ws(b, i + 1),
                Some(c) if *c == close => return Ok(out),
                _ => return Err(err(i, "expected ',' or the end of the container")),
            }
        }
    }

    /// Number of direct children (scans the container once).
    pub fn count(&self, e: &Entry) -> usize {
        self.children(e).map(|c| c.len()).unwrap_or(0)
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
}
