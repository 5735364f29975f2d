//! `crate::compare` on big and many answers, wall times printed; run by hand:
//! `cargo bench --bench compare`. Grouping 1,000 `show version` answers, a structural diff
//! of two 20 MB documents, a line diff of two 100,000-line configs, and two texts that
//! share nothing (the line diff's deadline).

use std::time::Instant;

use netdash::compare::{Answer, Comparison, diff};
use netdash::kind::TargetKind;
use serde_json::{Value, json};

fn timed<T>(what: &str, f: impl FnOnce() -> T) -> T {
    let t = Instant::now();
    let v = f();
    println!("{what:<58} {:>8.1} ms", t.elapsed().as_secs_f64() * 1000.0);
    v
}

fn interfaces(n: usize, changed_every: usize) -> Value {
    let m: serde_json::Map<String, Value> = (0..n)
        .map(|i| {
            let mtu = if changed_every > 0 && i % changed_every == 0 {
                9214
            } else {
                1500
            };
            (
                format!("Ethernet{i}"),
                json!({"mtu": mtu, "description": format!("uplink to rack {i} {}", "x".repeat(80)),
                       "interfaceCounters": {"inOctets": i * 7, "outOctets": i * 11},
                       "lineProtocolStatus": "up", "bandwidth": 10_000_000_000_u64}),
            )
        })
        .collect();
    json!({ "interfaces": m })
}

fn config(n: usize, changed_every: usize) -> String {
    let mut s = String::with_capacity(n * 40);
    for i in 0..n {
        let mtu = if changed_every > 0 && i % changed_every == 0 {
            9214
        } else {
            1500
        };
        s.push_str(&format!("interface Ethernet{i}\n   mtu {mtu}\n"));
    }
    s
}

fn main() {
    let answers: Vec<Answer> = (0..1000)
        .map(|i| Answer {
            target: format!("leaf-{i:04}"),
            kind: TargetKind::Eos,
            result: Ok(
                json!({"version": format!("4.3{}.0F", i % 4), "uptime": i, "memFree": i * 3,
                               "serialNumber": format!("SN{i}"), "modelName": "DCS-7050SX3"}),
            ),
        })
        .collect();
    let c = timed("group 1,000 show version answers (ignoring on)", || {
        Comparison::build(&answers, "show version", &[], true, None)
    });
    assert_eq!(c.groups.len(), 4);

    let a = interfaces(100_000, 0);
    let b = interfaces(100_000, 1000);
    println!("documents: {} MB each", a.to_string().len() / 1_000_000);
    let d = timed("JSON diff, 100,000 interfaces, 100 changes", || {
        diff::json(&a, &b)
    });
    assert_eq!(d.len(), 100);
    let list = netdash::compare::IgnoreList::for_command(TargetKind::Eos, "show interfaces", &[]);
    timed("ignore list applied to one document", || list.apply(&a));
    timed("hash of one document (grouping)", || {
        netdash::compare::group::hash(&a)
    });
    let pair = [
        Answer {
            target: "a".into(),
            kind: TargetKind::Eos,
            result: Ok(a),
        },
        Answer {
            target: "b".into(),
            kind: TargetKind::Eos,
            result: Ok(b),
        },
    ];
    let c = timed("compare the two (ignore counters, group, diff)", || {
        Comparison::build(&pair, "show interfaces", &[], true, None)
    });
    assert_eq!(c.groups.len(), 2);

    let x = config(100_000, 0);
    let y = config(100_000, 2000);
    let l = timed("line diff, 200,000 lines, 50 changed", || {
        diff::lines(&x, &y)
    });
    assert_eq!(l.len(), 100);

    let numbered = |prefix: char| {
        let mut s = String::new();
        for i in 0..20_000 {
            s.push_str(&format!("{prefix}{i}\n"));
        }
        s
    };
    let (p, q) = (numbered('a'), numbered('b'));
    let l = timed("line diff, 20,000 lines each, nothing shared", || {
        diff::lines(&p, &q)
    });
    assert_eq!(l.len(), 40_000);
}
