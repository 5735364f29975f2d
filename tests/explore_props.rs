//! Property tests of `netdash explore`'s lazy document and tree: no input makes them
//! panic, and every tree operation leaves exactly the rows a naive recursive walk of the
//! same document (parsed by `serde_json`) shows for the same open containers.
//!
//! 256 cases per property by default; longer: `PROPTEST_CASES=20000 cargo test --release
//! --test explore_props`.

use std::collections::HashSet;

use netdash::explore::doc::Doc;
use netdash::explore::tree::{Control, Tree, build_rows, build_rows_by_container};
use proptest::prelude::*;
use serde_json::Value;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Seg {
    Key(String),
    Index(usize),
}

/// The jq-style path, formatted independently of the tree's code.
fn fmt_path(p: &[Seg]) -> String {
    if p.is_empty() {
        return ".".into();
    }
    p.iter()
        .map(|s| match s {
            Seg::Key(k)
                if k.chars()
                    .next()
                    .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                    && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') =>
            {
                format!(".{k}")
            }
            Seg::Key(k) => format!(".{}", Value::String(k.clone())),
            Seg::Index(i) => format!("[{i}]"),
        })
        .collect()
}

/// What a row should be: depth, path, open or not, and the index of its parent row.
#[derive(Debug, PartialEq, Eq)]
struct Want {
    depth: usize,
    path: String,
    expanded: bool,
    parent: Option<usize>,
}

/// The naive reference: walk the parsed value, descending into open containers.
fn naive(v: &Value, open: &HashSet<Vec<Seg>>) -> Vec<Want> {
    fn walk(
        v: &Value,
        path: &mut Vec<Seg>,
        parent: Option<usize>,
        open: &HashSet<Vec<Seg>>,
        out: &mut Vec<Want>,
    ) {
        let container = matches!(v, Value::Array(_) | Value::Object(_));
        let expanded = container && open.contains(path);
        let me = out.len();
        out.push(Want {
            depth: path.len(),
            path: fmt_path(path),
            expanded,
            parent,
        });
        if !expanded {
            return;
        }
        match v {
            Value::Array(a) => {
                for (i, x) in a.iter().enumerate() {
                    path.push(Seg::Index(i));
                    walk(x, path, Some(me), open, out);
                    path.pop();
                }
            }
            Value::Object(o) => {
                for (k, x) in o {
                    path.push(Seg::Key(k.clone()));
                    walk(x, path, Some(me), open, out);
                    path.pop();
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(v, &mut Vec::new(), None, open, &mut out);
    out
}

/// Every container of `v` fewer than `depth` levels down.
fn containers_above(v: &Value, depth: usize, path: &mut Vec<Seg>, out: &mut HashSet<Vec<Seg>>) {
    if path.len() >= depth {
        return;
    }
    match v {
        Value::Array(a) => {
            out.insert(path.clone());
            for (i, x) in a.iter().enumerate() {
                path.push(Seg::Index(i));
                containers_above(x, depth, path, out);
                path.pop();
            }
        }
        Value::Object(o) => {
            out.insert(path.clone());
            for (k, x) in o {
                path.push(Seg::Key(k.clone()));
                containers_above(x, depth, path, out);
                path.pop();
            }
        }
        _ => {}
    }
}

/// Row `i`'s path as segments, read through the tree's parent links.
fn segs(t: &Tree, mut i: usize) -> Vec<Seg> {
    let mut out = Vec::new();
    while let Some(p) = t.parent(i) {
        let r = t.row(i).expect("row");
        out.push(match t.doc.key(&r.entry) {
            Some(k) => Seg::Key(k),
            None => Seg::Index(r.entry.index as usize),
        });
        i = p;
    }
    out.reverse();
    out
}

fn got(t: &Tree) -> Vec<Want> {
    (0..t.len())
        .map(|i| {
            let r = t.row(i).expect("row");
            Want {
                depth: r.depth as usize,
                path: t.path(i),
                expanded: r.expanded,
                parent: t.parent(i),
            }
        })
        .collect()
}

fn open_in(t: &Tree) -> HashSet<Vec<Seg>> {
    (0..t.len())
        .filter(|&i| t.row(i).is_some_and(|r| r.expanded))
        .map(|i| segs(t, i))
        .collect()
}

fn json() -> impl Strategy<Value = Value> {
    let key = "[a-z_0-9 \"\\\\é.]{0,5}";
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        (-1e6f64..1e6).prop_map(Value::from),
        key.prop_map(Value::String),
    ];
    leaf.prop_recursive(5, 60, 5, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::vec((key, inner), 0..5)
                .prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

#[derive(Debug, Clone)]
enum Op {
    Expand(usize),
    Collapse(usize),
    Toggle(usize),
    Depth(u16),
    All,
    CollapseAll,
    Reveal(usize),
    Search(String, usize, bool),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => any::<usize>().prop_map(Op::Expand),
        2 => any::<usize>().prop_map(Op::Collapse),
        2 => any::<usize>().prop_map(Op::Toggle),
        1 => (0u16..5).prop_map(Op::Depth),
        1 => Just(Op::All),
        1 => Just(Op::CollapseAll),
        1 => any::<usize>().prop_map(Op::Reveal),
        1 => ("[a-z0-9\"]{1,3}", any::<usize>(), any::<bool>())
            .prop_map(|(n, i, f)| Op::Search(n, i, f)),
    ]
}

// proptest's default configuration: 256 cases, or `PROPTEST_CASES` from the environment.
proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        if let Ok(d) = Doc::new(bytes.clone()) {
            let _ = d.validate();
            if let Ok(mut t) = Tree::new(d) {
                let _ = t.expand_all();
                for i in 0..t.len() {
                    let _ = (t.path(i), t.count(i), t.value_text(i), t.parent(i));
                }
                let _ = t.search("a", 0, true);
                let _ = t.search("\"", t.len(), false);
                let _ = t.reveal(bytes.len() / 2);
            }
        }
        let _ = netdash::tui::launch::document(bytes.clone());
        let _ = netdash::explore::filter::json_depth(&bytes);
    }

    #[test]
    fn json_like_bytes_never_panic(text in "[\\[\\]{}\":,0-9a-z\\\\ \n]{0,120}") {
        if let Ok(d) = Doc::new(text.clone().into_bytes())
            && let Ok(mut t) = Tree::new(d)
        {
            let _ = t.expand_all();
            for i in 0..t.len() {
                let _ = (t.path(i), t.count(i), t.value_text(i));
            }
            let _ = t.search("a", 0, true);
        }
    }

    #[test]
    fn valid_json_opens_and_expands_like_a_naive_walk(v in json(), pretty in any::<bool>()) {
        let text = if pretty {
            serde_json::to_string_pretty(&v)
        } else {
            serde_json::to_string(&v)
        }
        .expect("json");
        let mut t = Tree::new(Doc::new(text.into_bytes()).expect("valid JSON opens")).expect("tree");
        let mut all = HashSet::new();
        containers_above(&v, usize::MAX, &mut Vec::new(), &mut all);
        t.expand_all().expect("expand all");
        prop_assert_eq!(got(&t), naive(&v, &all));
    }

    #[test]
    fn the_one_pass_build_equals_the_container_by_container_one(
        v in json(),
        pretty in any::<bool>(),
        depth in prop_oneof![0u16..6, Just(u16::MAX)],
    ) {
        let text = if pretty {
            serde_json::to_string_pretty(&v)
        } else {
            serde_json::to_string(&v)
        }
        .expect("json");
        let doc = Doc::new(text.into_bytes()).expect("doc");
        let ctl = Control::default();
        let rows = |built: netdash::explore::tree::Built| {
            let mut t = Tree::new(doc.clone()).expect("tree");
            t.set_rows(built.rows);
            (0..t.len())
                .map(|i| {
                    let r = t.row(i).expect("row");
                    (r.depth, r.entry, r.expanded, t.parent(i), t.count(i))
                })
                .collect::<Vec<_>>()
        };
        let fast = build_rows(&doc, depth, &ctl).expect("built");
        prop_assert!(fast.error.is_none());
        let slow = build_rows_by_container(&doc, depth, &ctl).expect("built");
        prop_assert_eq!(rows(fast), rows(slow));
    }

    #[test]
    fn tree_operations_agree_with_a_naive_reference(
        v in json(),
        ops in prop::collection::vec(op(), 1..12),
    ) {
        let text = serde_json::to_string_pretty(&v).expect("json");
        let len = text.len();
        let mut t = Tree::new(Doc::new(text.into_bytes()).expect("doc")).expect("tree");
        let mut open: HashSet<Vec<Seg>> = HashSet::new();
        containers_above(&v, 1, &mut Vec::new(), &mut open);
        prop_assert_eq!(got(&t), naive(&v, &open));
        for op in ops {
            let n = t.len();
            match op {
                Op::Expand(i) => {
                    let i = i % n;
                    t.expand(i).expect("expand");
                    if t.row(i).is_some_and(|r| r.entry.kind.is_container()) {
                        open.insert(segs(&t, i));
                    }
                }
                Op::Collapse(i) | Op::Toggle(i) => {
                    let i = i % n;
                    let was = t.row(i).is_some_and(|r| r.expanded);
                    let p = segs(&t, i);
                    if matches!(op, Op::Toggle(_)) {
                        t.toggle(i).expect("toggle");
                    } else {
                        t.collapse(i);
                    }
                    if was {
                        // Collapsing forgets what was open inside.
                        open.retain(|q| !q.starts_with(&p));
                    } else if matches!(op, Op::Toggle(_))
                        && t.row(i).is_some_and(|r| r.entry.kind.is_container())
                    {
                        open.insert(p);
                    }
                }
                Op::Depth(d) => {
                    t.expand_to_depth(d).expect("depth");
                    open.clear();
                    containers_above(&v, d as usize, &mut Vec::new(), &mut open);
                }
                Op::All => {
                    t.expand_all().expect("all");
                    open.clear();
                    containers_above(&v, usize::MAX, &mut Vec::new(), &mut open);
                }
                Op::CollapseAll => {
                    t.collapse_all().expect("collapse");
                    open.clear();
                    containers_above(&v, 1, &mut Vec::new(), &mut open);
                }
                Op::Reveal(o) => {
                    let i = t.reveal(o % len).expect("a row");
                    prop_assert!(i < t.len());
                    // Revealing only opens: what was open stays open.
                    let now = open_in(&t);
                    prop_assert!(open.is_subset(&now));
                    open = now;
                }
                Op::Search(needle, from, forward) => {
                    let hit = t.search(&needle, from % n, forward);
                    prop_assert!(hit.is_none_or(|i| i < t.len()));
                    let now = open_in(&t);
                    prop_assert!(open.is_subset(&now));
                    open = now;
                }
            }
            prop_assert_eq!(got(&t), naive(&v, &open));
        }
    }
}
