//! jq filters on a result, with jaq, off the UI thread. jaq parses and prints values
//! recursively and cannot be interrupted, so: nesting is limited before anything is
//! parsed (a deep document or filter would overflow the stack and abort the process,
//! leaving the terminal raw), the work runs on a detached thread with a large stack, and
//! the caller gives it a time budget and never waits for it past that.

use std::sync::Arc;

use jaq_core::load::{Arena, File, Loader};
use jaq_core::{Compiler, Ctx, Vars, data, unwrap_valr};
use jaq_json::{Val, read};

use super::doc::Doc;

/// Deepest nesting of arrays and objects accepted in a document or a result.
pub const MAX_DEPTH: usize = 512;
/// Deepest nesting of brackets in a filter, and its longest text: filters are typed.
pub const MAX_FILTER_DEPTH: usize = 128;
pub const MAX_FILTER_LEN: usize = 4096;
/// Stack of the filter thread: far more than a filter within the limits needs (it is
/// address space, touched only as used).
const STACK: usize = 256 << 20;

/// Deepest nesting of `[`/`{` in JSON bytes, strings skipped (one pass, no parsing).
pub fn json_depth(b: &[u8]) -> usize {
    let (mut depth, mut max, mut in_str, mut esc) = (0usize, 0usize, false, false);
    for &c in b {
        if in_str {
            if esc {
                esc = false;
            } else if c == b'\\' {
                esc = true;
            } else if c == b'"' {
                in_str = false;
            }
            continue;
        }
        match c {
            b'"' => in_str = true,
            b'[' | b'{' => {
                depth += 1;
                max = max.max(depth);
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    max
}

/// Deepest nesting of brackets in a filter's text, string literals skipped.
pub fn filter_depth(code: &str) -> usize {
    let (mut depth, mut max, mut in_str, mut esc) = (0usize, 0usize, false, false);
    for c in code.chars() {
        if in_str {
            if esc {
                esc = false;
            } else if c == '\\' {
                esc = true;
            } else if c == '"' {
                in_str = false;
            }
            continue;
        }
        match c {
            '"' => in_str = true,
            '(' | '[' | '{' => {
                depth += 1;
                max = max.max(depth);
            }
            ')' | ']' | '}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    max
}

/// Nesting of a value, walked with a stack of our own (not recursion).
fn val_depth(v: &Val) -> usize {
    let mut max = 0;
    let mut todo = vec![(v, 1usize)];
    while let Some((v, d)) = todo.pop() {
        match v {
            Val::Arr(a) => {
                max = max.max(d);
                todo.extend(a.iter().map(|x| (x, d + 1)));
            }
            Val::Obj(o) => {
                max = max.max(d);
                todo.extend(o.values().map(|x| (x, d + 1)));
            }
            _ => {}
        }
        if max > MAX_DEPTH {
            break;
        }
    }
    max
}

/// Run `code` on `input` on a new detached thread, then call `done` with the result as a
/// document (unless `wanted` says, as it starts, that a newer filter replaced it). Nobody
/// joins the thread: a filter that never ends costs a core until exit.
pub fn spawn(
    code: String,
    input: Arc<[u8]>,
    wanted: impl FnOnce() -> bool + Send + 'static,
    done: impl FnOnce(Result<Doc, String>) + Send + 'static,
) -> std::io::Result<()> {
    std::thread::Builder::new()
        .name("jq".into())
        .stack_size(STACK)
        .spawn(move || {
            if !wanted() {
                return;
            }
            let result = if code == "." {
                Doc::new(input).map_err(|e| e.to_string())
            } else {
                apply(&code, &input).and_then(|b| Doc::new(b).map_err(|e| e.to_string()))
            };
            done(result);
        })
        .map(|_| ())
}

/// Apply `code` to the JSON `input`. One output is returned as is; several become an
/// array (jq prints a stream; the explorer shows one document). Errors are one line.
pub fn apply(code: &str, input: &[u8]) -> Result<Vec<u8>, String> {
    if code.len() > MAX_FILTER_LEN {
        return Err(format!(
            "the filter is longer than {MAX_FILTER_LEN} characters: shorten it"
        ));
    }
    if filter_depth(code) > MAX_FILTER_DEPTH {
        return Err(format!(
            "the filter nests deeper than {MAX_FILTER_DEPTH} brackets: simplify it"
        ));
    }
    if json_depth(input) > MAX_DEPTH {
        return Err(format!(
            "the document nests deeper than {MAX_DEPTH} levels: jq filters cannot run on it (browse it without one)"
        ));
    }
    let input = read::parse_single(input).map_err(|e| format!("input is not JSON: {e}"))?;
    let defs = jaq_core::defs()
        .chain(jaq_std::defs())
        .chain(jaq_json::defs());
    let funs = jaq_core::funs()
        .chain(jaq_std::funs())
        .chain(jaq_json::funs());
    let loader = Loader::new(defs);
    let arena = Arena::default();
    let modules = loader
        .load(&arena, File { code, path: () })
        .map_err(|errs| {
            format!(
                "cannot parse filter {code:?}{}",
                errs.first()
                    .map(|e| format!(": {:?}", e.1).chars().take(120).collect::<String>())
                    .unwrap_or_default()
            )
        })?;
    let filter = Compiler::default()
        .with_funs(funs)
        .compile(modules)
        .map_err(|errs| {
            let names: Vec<String> = errs
                .iter()
                .flat_map(|(_, es)| es.iter().map(|(name, _)| name.to_string()))
                .take(3)
                .collect();
            format!("cannot compile filter: undefined {}", names.join(", "))
        })?;
    let ctx = Ctx::<data::JustLut<Val>>::new(&filter.lut, Vars::new([]));
    let mut outs = Vec::new();
    for (n, v) in filter.id.run((ctx, input)).map(unwrap_valr).enumerate() {
        if n >= 100_000 {
            return Err("the filter produced more than 100000 values".into());
        }
        let v = v.map_err(|e| format!("filter error: {e}"))?;
        // Printing is recursive too: a filter can build a deep value from a shallow one.
        if val_depth(&v) > MAX_DEPTH {
            // Dropping it would recurse as deep as it nests: leak it instead (bounded by
            // what the filter built within its time budget).
            std::mem::forget(v);
            return Err(format!(
                "the filter's result nests deeper than {MAX_DEPTH} levels: not shown"
            ));
        }
        outs.push(v);
    }
    let text = match outs.len() {
        1 => outs.remove(0).to_string(),
        _ => format!(
            "[{}]",
            outs.iter()
                .map(std::string::ToString::to_string)
                .collect::<Vec<_>>()
                .join(",")
        ),
    };
    // Re-indent through serde_json so the raw view reads well.
    Ok(serde_json::from_str::<serde_json::Value>(&text)
        .ok()
        .and_then(|v| serde_json::to_vec_pretty(&v).ok())
        .unwrap_or_else(|| text.into_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_values() {
        let out = apply(".vlans | keys", br#"{"vlans": {"1": {}, "10": {}}}"#).expect("runs");
        let v: serde_json::Value = serde_json::from_slice(&out).expect("json");
        assert_eq!(v, serde_json::json!(["1", "10"]));
        let out = apply(".[] | .n", br#"[{"n": 1}, {"n": 2}]"#).expect("stream");
        let v: serde_json::Value = serde_json::from_slice(&out).expect("json");
        assert_eq!(v, serde_json::json!([1, 2]));
        assert!(apply(".[", b"{}").is_err());
        assert!(
            apply("nosuchfn", b"{}")
                .expect_err("undefined")
                .contains("undefined")
        );
    }

    #[test]
    fn deep_documents_and_filters_are_refused_before_parsing() {
        let deep = "[".repeat(200_000) + &"]".repeat(200_000);
        let e = apply(".", deep.as_bytes()).expect_err("deep document");
        assert!(e.contains("deeper than 512 levels"), "{e}");
        // Brackets inside strings are not nesting.
        let s = format!("{{\"a\": \"{}\"}}", "[".repeat(10_000));
        assert_eq!(json_depth(s.as_bytes()), 1);
        apply(".a | length", s.as_bytes()).expect("runs");
        let f = "(".repeat(100_000) + "." + &")".repeat(100_000);
        let e = apply(&f, b"1").expect_err("deep filter");
        assert!(e.contains("filter"), "{e}");
        let f = "[".repeat(2_000) + &"]".repeat(2_000);
        assert!(apply(&f, b"1").is_err());
    }

    #[test]
    fn a_deep_result_is_refused_not_printed() {
        let e = apply("reduce range(100000) as $i (0; [.])", b"null").expect_err("deep");
        assert!(e.contains("result nests deeper"), "{e}");
    }
}
