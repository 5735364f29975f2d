//! Property tests for `netdash::compare`: the diff never panics, a value differs from
//! itself in nothing, applying the reported changes to the reference gives the other
//! answer back, line diffs account for every line, grouping is a partition (largest
//! first) whose hash ignores key order, and ignore patterns never panic whatever is typed
//! into the config.

use netdash::compare::diff::{self, Change, LineChange};
use netdash::compare::group::{group, hash};
use netdash::compare::ignore::{IgnoreList, Pattern};
use netdash::kind::TargetKind;
use proptest::prelude::*;
use serde_json::Value;

/// Small JSON values; keys from a short list so two values share paths often.
fn json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        (-1000i64..1000).prop_map(Value::from),
        "[a-c ]{0,3}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 40, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec(("[a-d]|uptime|Ethernet1/1", inner), 0..4)
                .prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

/// Text with a few distinct lines, so diffs have matches to find.
fn text() -> impl Strategy<Value = String> {
    prop::collection::vec("(hostname a|mtu 1500|mtu 9214|end|!|\u{1b}\\[2J)", 0..12)
        .prop_map(|ls| ls.join("\n"))
}

proptest! {
    #[test]
    fn a_value_never_differs_from_itself(a in json()) {
        prop_assert!(diff::json(&a, &a).is_empty());
        prop_assert!(diff::diff(&a, &a).is_empty());
    }

    #[test]
    fn applying_the_changes_gives_the_other_answer(a in json(), b in json()) {
        let changes = diff::json(&a, &b);
        prop_assert_eq!(diff::apply(&a, &changes), b.clone());
        // Equal values, and only those, have no changes.
        prop_assert_eq!(changes.is_empty(), a == b);
        for c in &changes {
            prop_assert!(c.jq_path().starts_with('.'));
            if let Change::Changed { from, to, .. } = c {
                prop_assert_ne!(from, to);
            }
        }
    }

    #[test]
    fn line_diffs_account_for_every_line(a in text(), b in text()) {
        let ls = diff::lines(&a, &b);
        let removed = ls.iter().filter(|l| matches!(l, LineChange::Removed(..))).count();
        let added = ls.iter().filter(|l| matches!(l, LineChange::Added(..))).count();
        // Lines kept on both sides are the same count: the diff names every other line.
        prop_assert_eq!(a.lines().count() - removed, b.lines().count() - added);
        prop_assert!(diff::lines(&a, &a).is_empty());
    }

    #[test]
    fn groups_are_a_partition_largest_first(vals in prop::collection::vec(prop_oneof![json(), Just(Value::Null)], 0..12), fail in prop::collection::vec(any::<bool>(), 12)) {
        let answers: Vec<(String, Result<Value, String>)> = vals
            .iter()
            .enumerate()
            .map(|(i, v)| {
                let r = if fail[i] && i % 3 == 0 { Err("down".into()) } else { Ok(v.clone()) };
                (format!("t{i:02}"), r)
            })
            .collect();
        let gs = group(answers.clone());
        let mut seen: Vec<&String> = gs.iter().flat_map(|g| &g.targets).collect();
        seen.sort();
        let mut all: Vec<&String> = answers.iter().map(|(t, _)| t).collect();
        all.sort();
        prop_assert_eq!(seen, all);
        let ok: Vec<_> = gs.iter().filter(|g| !g.failed()).collect();
        for w in ok.windows(2) {
            prop_assert!(w[0].targets.len() >= w[1].targets.len());
            // Different groups hold different answers.
            prop_assert_ne!(&w[0].answer, &w[1].answer);
        }
        prop_assert!(gs.iter().rev().skip(1).all(|g| !g.failed()), "failed is last");
    }

    #[test]
    fn equal_values_hash_alike_whatever_their_key_order(a in json(), b in json()) {
        if a == b {
            prop_assert_eq!(hash(&a), hash(&b));
        }
        // The same object with its keys in reverse order is equal, and hashes alike.
        if let Value::Object(m) = &a {
            let rev: serde_json::Map<String, Value> =
                m.iter().rev().map(|(k, v)| (k.clone(), v.clone())).collect();
            let rev = Value::Object(rev);
            prop_assert_eq!(&rev, &a);
            prop_assert_eq!(hash(&rev), hash(&a));
        }
    }

    #[test]
    fn any_text_as_a_pattern_parses_or_says_why(p in "\\PC{0,24}") {
        if let Err(e) = Pattern::parse(&p) {
            prop_assert!(e.to_string().contains("write it like .uptime"));
        }
    }

    #[test]
    fn patterns_never_panic_and_pruning_only_removes(p in "[.\\[\\]\"a-c0-9]{0,12}", v in json()) {
        if Pattern::parse(&p).is_ok() {
            let l = IgnoreList::for_command(TargetKind::Eos, "show version", &[p]);
            let pruned = l.apply(&v);
            // What is left is a part of the original: adding back what was removed is all
            // the diff says.
            for c in diff::json(&v, &pruned) {
                prop_assert!(matches!(c, Change::Removed { .. }), "{c:?}");
            }
        }
    }
}

#[test]
fn a_multi_megabyte_answer_diffs_in_one_pass() {
    // 20,000 interfaces, one changed: linear, not quadratic, so this is quick in debug too.
    let mk = |mtu: u64| {
        let m: serde_json::Map<String, Value> = (0..20_000)
            .map(|i| {
                (
                    format!("Ethernet{i}"),
                    serde_json::json!({"mtu": if i == 12_345 { mtu } else { 1500 }, "description": "x".repeat(60)}),
                )
            })
            .collect();
        serde_json::json!({ "interfaces": m })
    };
    let (a, b) = (mk(1500), mk(9214));
    assert!(a.to_string().len() > 2_000_000);
    let d = diff::json(&a, &b);
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].jq_path(), ".interfaces.Ethernet12345.mtu");
}
