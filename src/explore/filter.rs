//! jq filters on a result, with jaq. Runs off the UI thread (the caller spawns it).

use jaq_core::load::{Arena, File, Loader};
use jaq_core::{Compiler, Ctx, Vars, data, unwrap_valr};
use jaq_json::{Val, read};

/// Apply `code` to the JSON `input`. One output is returned as is; several become an
/// array (jq prints a stream; the explorer shows one document). Errors are one line.
pub fn apply(code: &str, input: &[u8]) -> Result<Vec<u8>, String> {
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
        outs.push(v.map_err(|e| format!("filter error: {e}"))?);
    }
    let text = match outs.len() {
        1 => outs.remove(0).to_string(),
        _ => format!(
            "[{}]",
            outs.iter()
                .map(|v| v.to_string())
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
}
