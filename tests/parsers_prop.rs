//! Parsers never panic: property tests over everything a device, a gateway or a user sends
//! to netdash's parsers (JSON-RPC envelopes, ASA error bodies, ArubaOS `_global_result`,
//! AOS-CX bodies, Central pages, token answers and rate headers, poll facts, the config
//! file). 256 cases each by default (64 for the one that builds sessions);
//! `PROPTEST_CASES=20000 cargo test --release --test parsers_prop` runs them longer.

use std::path::Path;

use netdash::drivers::VendorError;
use netdash::drivers::http::{Reply, parse_json};
use netdash::engine::messages::error_line;
use netdash::kind::TargetKind;
use proptest::prelude::*;
use reqwest::StatusCode;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use serde_json::{Value, json};

/// Keys the parsers look for, so generated documents go down their interesting paths.
const KEYS: &[&str] = &[
    "jsonrpc",
    "id",
    "result",
    "error",
    "code",
    "message",
    "data",
    "errors",
    "messages",
    "level",
    "details",
    "context",
    "_global_result",
    "status",
    "status_str",
    "UIDARUBA",
    "X-CSRF-Token",
    "sites",
    "aps",
    "total",
    "count",
    "site_name",
    "site_id",
    "name",
    "serial",
    "site",
    "client_count",
    "access_token",
    "refresh_token",
    "expires_in",
    "error_description",
    "detail",
    "hostname",
    "modelName",
    "version",
    "serialNumber",
    "uptime",
    "bootupTimestamp",
    "platform_name",
    "software_version",
    "boot_time",
    "output",
    "_data",
];

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => proptest::sample::select(KEYS).prop_map(str::to_string),
        1 => ".{0,12}",
    ]
}

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<u64>().prop_map(|n| json!(n)),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        ".{0,40}".prop_map(Value::String),
        proptest::sample::select(&["0", "1", "up", "Down", "(null)", "", " 0 ", "\n"][..])
            .prop_map(|s| Value::String(s.to_string())),
    ]
}

/// Any JSON document, biased towards the shapes the vendors use.
fn json_value() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(5, 96, 8, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..8).prop_map(Value::Array),
            proptest::collection::vec((key(), inner), 0..8)
                .prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

/// A body as a device might send it: JSON, JSON cut short, HTML, or any bytes.
fn body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        json_value().prop_map(|v| v.to_string().into_bytes()),
        (json_value(), any::<proptest::sample::Index>()).prop_map(|(v, i)| {
            let s = v.to_string().into_bytes();
            let cut = i.index(s.len() + 1);
            s[..cut].to_vec()
        }),
        Just(b"<html><body><h1>502 Bad Gateway</h1></body></html>".to_vec()),
        proptest::collection::vec(any::<u8>(), 0..256),
        ".{0,200}".prop_map(String::into_bytes),
    ]
}

fn header_value() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<u64>().prop_map(|n| n.to_string()),
        any::<i64>().prop_map(|n| n.to_string()),
        "[ -~]{0,24}",
        Just(" 7 ".to_string()),
        Just("18446744073709551616".to_string()),
    ]
}

fn headers() -> impl Strategy<Value = HeaderMap> {
    const NAMES: &[&str] = &[
        "x-ratelimit-limit-second",
        "x-ratelimit-remaining-second",
        "x-ratelimit-limit-day",
        "x-ratelimit-remaining-day",
        "retry-after",
        "content-type",
    ];
    proptest::collection::vec((proptest::sample::select(NAMES), header_value()), 0..6).prop_map(
        |pairs| {
            let mut h = HeaderMap::new();
            for (n, v) in pairs {
                if let Ok(v) = HeaderValue::from_str(&v) {
                    h.insert(HeaderName::from_static(n), v);
                }
            }
            h
        },
    )
}

fn reply() -> impl Strategy<Value = Reply> {
    (100u16..1000, headers(), body()).prop_map(|(status, headers, body)| Reply {
        status: StatusCode::from_u16(status).unwrap_or(StatusCode::OK),
        headers,
        body,
    })
}

/// `n` cases, unless `PROPTEST_CASES` asks for another number (for long runs).
fn cases(n: u32) -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(n);
    ProptestConfig {
        cases,
        ..ProptestConfig::default()
    }
}

/// What the screen and `run` show for an error: one line.
fn assert_one_line(e: &VendorError) {
    let l = error_line(e);
    assert!(!l.contains('\n') && !l.contains('\r'), "{l:?}");
}

proptest! {
    #![proptest_config(cases(256))]

    #[test]
    fn json_bodies_parse_or_say_what_arrived(b in body()) {
        match parse_json(&b, "sw1") {
            Ok(_) => {}
            Err(e) => assert_one_line(&e),
        }
    }

    #[test]
    fn eapi_envelopes_never_panic(v in json_value(), cmds in proptest::collection::vec("[a-z ]{1,20}", 0..4)) {
        if let Err(e) = netdash::drivers::eos::parse_reply(&v, "netdash-1", &cmds, "sw1") {
            assert_one_line(&e);
        }
    }

    #[test]
    fn eapi_replies_to_another_request_are_refused(
        id in "[ -~]{0,20}",
        results in proptest::collection::vec(json_value(), 1..4),
    ) {
        prop_assume!(id != "netdash-1");
        let mut all = vec![json!({})];
        all.extend(results.iter().cloned());
        let mine = json!({"jsonrpc": "2.0", "id": "netdash-1", "result": all.clone()});
        let theirs = json!({"jsonrpc": "2.0", "id": id, "result": all});
        let ok = netdash::drivers::eos::parse_reply(&mine, "netdash-1", &[], "sw1");
        prop_assert_eq!(ok.ok(), Some(results));
        let refused = netdash::drivers::eos::parse_reply(&theirs, "netdash-1", &[], "sw1");
        prop_assert!(matches!(refused, Err(VendorError::BadResponse(_))));
    }

    #[test]
    fn asa_error_bodies_become_one_nonempty_line(r in reply()) {
        let l = netdash::drivers::asa::testing::error_line(&r);
        prop_assert!(!l.trim().is_empty());
        assert_one_line(&VendorError::Http { status: r.status.as_u16(), message: l });
    }

    #[test]
    fn arubaos_global_results_never_panic(v in json_value(), r in reply()) {
        use netdash::drivers::arubaos::testing as t;
        let _ = t::global_result(&v);
        if let Err(e) = t::parse_login(&v) {
            assert_one_line(&e);
        }
        let l = t::error_line(&r);
        let _ = t::is_auth_failure(&l);
        assert_one_line(&VendorError::Http { status: r.status.as_u16(), message: l });
    }

    #[test]
    fn arubaos_credentials_never_survive_in_output(mut v in json_value(), uid in "[A-Za-z0-9-]{4,36}") {
        use netdash::drivers::arubaos::testing as t;
        // The controller echoes its session id inside _global_result and anywhere else.
        if let Value::Object(o) = &mut v {
            o.insert("_global_result".into(), json!({"status": "0", "UIDARUBA": uid, "x-csrf-token": "abc"}));
            o.insert("echo".into(), json!(format!("uid={uid};")));
        }
        t::strip_credentials(&mut v);
        t::scrub_value(&mut v, &uid);
        let g = &v["_global_result"];
        prop_assert!(g.get("UIDARUBA").is_none() && g.get("x-csrf-token").is_none());
        prop_assert!(!v.to_string().contains(&uid), "{}", v);
    }

    #[test]
    fn aoscx_bodies_never_leak_the_session(r in reply(), secret in "[A-Za-z0-9_-]{8,24}") {
        use netdash::drivers::aoscx::testing as t;
        let mut r = r;
        // A body that quotes the cookie back.
        r.body.extend_from_slice(format!(r#"{{"message": "session {secret} refused"}}"#).as_bytes());
        let m = t::message_of(&r, &[secret.as_str()]);
        prop_assert!(!m.contains(&secret), "{}", m);
        let quoted = Reply { body: format!(r#"{{"message": "session {secret} refused"}}"#).into_bytes(), ..r };
        prop_assert!(!t::message_of(&quoted, &[secret.as_str()]).contains(&secret));
    }

    #[test]
    fn command_paths_never_panic(line in ".{0,80}") {
        let _ = netdash::drivers::aoscx::testing::map_cli(&line);
        let _ = netdash::drivers::asa::testing::api_path(&line);
        let _ = netdash::drivers::arubaos::testing::v1_path(&line);
    }

    #[test]
    fn central_rate_headers_and_errors_never_panic(r in reply(), secret in "[A-Za-z0-9]{8,32}") {
        use netdash::drivers::central::testing as t;
        let _ = t::rate_seen(&r);
        let m = t::message_of(&r, &[secret.as_str()]);
        prop_assert!(!m.contains(&secret));
    }

    #[test]
    fn central_token_answers_never_panic(v in json_value(), expires_in in any::<u64>(), now in any::<u64>()) {
        use netdash::drivers::central::testing as t;
        if let Err(e) = t::token_pair(&v, now) {
            assert_one_line(&e);
        }
        // A gateway's lifetime, however absurd, must not overflow the clock arithmetic.
        let answer = json!({"access_token": "a", "refresh_token": "r", "expires_in": expires_in});
        let (_, _, at) = t::token_pair(&answer, now).expect("a pair");
        prop_assert!(at.is_some_and(|at| at >= now));
    }

    #[test]
    fn central_pages_never_panic(sites in json_value(), aps in json_value()) {
        use netdash::engine::central::{page_of, summarize};
        let (s, _) = page_of(&sites, "sites");
        let (a, total) = page_of(&aps, "aps");
        let (sites, aps) = summarize(&s, &a);
        prop_assert_eq!(aps.len(), a.len());
        prop_assert_eq!(sites.len(), s.len());
        let _ = total;
    }

    #[test]
    fn poll_facts_never_panic(v in json_value()) {
        for kind in [
            TargetKind::Eos,
            TargetKind::Asa,
            TargetKind::Aoscx,
            TargetKind::Arubaos,
            TargetKind::Central,
        ] {
            let _ = netdash::engine::poll::facts(kind, &v);
        }
    }

    #[test]
    fn config_text_never_panics(text in ".{0,400}") {
        if let Err(e) = netdash::config::Config::parse(&text, Path::new("config.toml")) {
            let s = e.to_string();
            prop_assert!(!s.contains('\n'), "{}", s);
        }
    }

    #[test]
    fn edited_configs_never_panic(edits in proptest::collection::vec(edit(), 0..6)) {
        let mut text = SAMPLE_CONFIG.to_string();
        for e in edits {
            e.apply(&mut text);
        }
        if let Err(e) = netdash::config::Config::parse(&text, Path::new("config.toml")) {
            let s = e.to_string();
            prop_assert!(!s.contains('\n'), "{}", s);
        }
    }
}

/// A config with every kind of entry, as a starting point for edits.
const SAMPLE_CONFIG: &str = r#"
[settings]
poll_interval_secs = 10
read_only = false
timeout_secs = 15
concurrency = 32
theme = "default"

[[devices]]
name = "sw1"
kind = "eos"
host = "10.0.0.1"
username = "admin"
password = "pw"
auth = "session"
tags = ["spine", "lab"]

[[devices]]
name = "fw1"
kind = "asa"
host = "10.0.0.2:8443"
username = "admin"
password = "pw"
verify_tls = false

[[devices]]
name = "cx1"
kind = "aoscx"
host = "10.0.0.3"
username = "admin"
password = "pw"
ca_cert = "/nonexistent/ca.pem"

[[devices]]
name = "mc1"
kind = "arubaos"
host = "[::1]:4343"
username = "admin"
password = "pw"

[[central]]
name = "central"
base_url = "https://apigw-prod2.central.arubanetworks.com"
client_id = "id"
client_secret = "secret"
customer_id = "cust"
access_token = "a"
refresh_token = "r"
"#;

/// One edit of a config text: what a person (or a broken editor) might do to it.
#[derive(Debug, Clone)]
enum Edit {
    Insert(proptest::sample::Index, String),
    Delete(proptest::sample::Index, usize),
    Truncate(proptest::sample::Index),
}

impl Edit {
    fn apply(self, text: &mut String) {
        // Edit at char boundaries: a config is UTF-8 text.
        let at = |i: proptest::sample::Index, t: &str| {
            let bounds: Vec<usize> = t.char_indices().map(|(b, _)| b).chain([t.len()]).collect();
            bounds[i.index(bounds.len())]
        };
        match self {
            Edit::Insert(i, s) => {
                let p = at(i, text);
                text.insert_str(p, &s);
            }
            Edit::Delete(i, n) => {
                let p = at(i, text);
                let end = text[p..]
                    .char_indices()
                    .nth(n)
                    .map_or(text.len(), |(b, _)| p + b);
                text.replace_range(p..end, "");
            }
            Edit::Truncate(i) => {
                let p = at(i, text);
                text.truncate(p);
            }
        }
    }
}

fn edit() -> impl Strategy<Value = Edit> {
    let fragment = prop_oneof![
        proptest::sample::select(
            &[
                "\n[[devices]]\n",
                "\n[[central]]\n",
                "\n[settings]\n",
                "name = \"sw1\"\n",
                "kind = \"nope\"\n",
                "port = 99999\n",
                "poll_interval_secs = -1\n",
                "poll_interval_secs = 0\n",
                "timeout_secs = 18446744073709551615\n",
                "host = \"\"\n",
                "host = \"a:b:c\"\n",
                "tags = [1, 2]\n",
                "password = \"\"\n",
                "\"",
                "[",
                "]",
                "=",
                "\n",
                "\u{0}",
                "é",
            ][..]
        )
        .prop_map(str::to_string),
        ".{0,16}",
    ];
    prop_oneof![
        (any::<proptest::sample::Index>(), fragment).prop_map(|(i, s)| Edit::Insert(i, s)),
        (any::<proptest::sample::Index>(), 0usize..40).prop_map(|(i, n)| Edit::Delete(i, n)),
        any::<proptest::sample::Index>().prop_map(Edit::Truncate),
    ]
}

proptest! {
    #![proptest_config(cases(64))]

    /// Numbers from the config reach clock arithmetic (idle deadlines, countdowns): no
    /// value a user can write may overflow it.
    #[test]
    fn config_numbers_never_overflow_session_arithmetic(idle in any::<u64>(), lifetime in any::<u64>()) {
        let text = format!(
            "[[devices]]\nname = \"mc1\"\nkind = \"arubaos\"\nhost = \"127.0.0.1:9\"\nusername = \"a\"\npassword = \"p\"\nidle_timeout_secs = {idle}\n"
        );
        let Ok(cfg) = netdash::config::Config::parse(&text, Path::new("config.toml")) else {
            return Ok(());
        };
        let dir = tempfile::tempdir().expect("tempdir");
        let ctx = netdash::drivers::Context::new(
            netdash::paths::Paths::under(dir.path()),
            std::time::Duration::from_secs(1),
        );
        let d = cfg.devices().next().expect("a device");
        let s = netdash::drivers::Session::for_device(d, &ctx).expect("session");
        let mut f = s.facts();
        // As if logged in a moment ago.
        f.logged_in = true;
        f.since = Some(std::time::SystemTime::now());
        f.last_used = f.since;
        let _ = f.deadline();
        let _ = netdash::engine::messages::SessionView::from_facts(&f);
        // And a Central token whose gateway gave an absurd lifetime.
        let (_, _, at) = netdash::drivers::central::testing::token_pair(
            &json!({"access_token": "a", "refresh_token": "r", "expires_in": lifetime}),
            netdash::drivers::token_store::now_secs(),
        ).expect("pair");
        f.expires_at = at.map(|e| std::time::UNIX_EPOCH + std::time::Duration::from_secs(e));
        let _ = f.deadline();
        let _ = netdash::engine::messages::SessionView::from_facts(&f);
    }
}
