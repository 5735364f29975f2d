//! Property tests of the command grammar, the read-only rule, target selection and the
//! terminal sanitizer. 256 cases each by default; `PROPTEST_CASES=100000 cargo test --test
//! grammar_prop` runs longer.

use netdash::command::{CliDialect, Command};
use netdash::config::Config;
use netdash::sanitize::{self, is_unsafe};
use proptest::prelude::*;

/// Filters allowed on every vendor, with the abbreviations people type.
const COMMON_FILTERS: &[&str] = &[
    "include", "inc", "i", "exclude", "excl", "e", "begin", "beg", "b", "INCLUDE",
];
/// Stage words that can write somewhere, in full and abbreviated.
const WRITING: &[&str] = &[
    "redirect", "red", "re", "append", "app", "tee", "copy", "write", "sed", "awk", "sort",
];
/// Everything any vendor's filter list holds, abbreviations of it, and writers.
const ALL_STAGE_WORDS: &[&str] = &[
    "include", "in", "exclude", "begin", "section", "sec", "json", "j", "no-more", "grep", "g",
    "head", "tail", "wc", "redirect", "red", "re", "append", "tee", "copy", "write", "count",
    "more", "s", "", "frob", "r",
];

fn word() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z0-9-]{1,10}",
        Just("running-config".to_string()),
        Just("version".to_string()),
        Just("\"a".to_string()),
        Just(">".to_string()),
        Just(";".to_string()),
        Just("|".to_string()),
    ]
}

fn segment(stage_words: &'static [&'static str]) -> impl Strategy<Value = String> {
    (
        prop::sample::select(&["show", "SHOW", "Show", "sh", "configure", "write", "show"][..]),
        prop::collection::vec(word(), 0..4),
        prop::collection::vec(
            (
                prop::sample::select(stage_words),
                prop::collection::vec(word(), 0..3),
            ),
            0..3,
        ),
    )
        .prop_map(|(cmd, args, stages)| {
            let mut s = format!("{cmd} {}", args.join(" "));
            for (w, a) in stages {
                s.push_str(&format!(" | {w} {}", a.join(" ")));
            }
            s
        })
}

/// CLI lines from the grammar's own pieces: shows and non-shows, filters and writers,
/// `;` batches, stray `>`, `|`, quotes.
fn cli_line() -> impl Strategy<Value = String> {
    prop::collection::vec(segment(ALL_STAGE_WORDS), 1..4).prop_map(|v| v.join(" ; "))
}

/// Lines built only from shows and common filters whose arguments hold no `>`, `|`, `;`:
/// every one of them must be accepted.
fn harmless_line() -> impl Strategy<Value = String> {
    let arg = "[a-zA-Z0-9/().:-]{1,10}";
    let seg = (
        prop::collection::vec(arg, 1..3),
        prop::collection::vec(
            (
                prop::sample::select(COMMON_FILTERS),
                prop::collection::vec(arg, 1..3),
            ),
            0..3,
        ),
    )
        .prop_map(|(args, stages)| {
            let mut s = format!("show {}", args.join(" "));
            for (w, a) in stages {
                s.push_str(&format!(" | {w} {}", a.join(" ")));
            }
            s
        });
    prop::collection::vec(seg, 1..3).prop_map(|v| v.join("; "))
}

fn dialects() -> impl Strategy<Value = Option<CliDialect>> {
    prop::sample::select(vec![
        None,
        Some(CliDialect::Eos),
        Some(CliDialect::Asa),
        Some(CliDialect::ArubaOs),
    ])
}

/// What an accepted line must look like, checked without the rule's own code.
fn looks_read_only(line: &str, dialect: Option<CliDialect>) -> Result<(), String> {
    if line.contains('>') {
        return Err("contains >".into());
    }
    let allowed = |w: &str| match dialect {
        Some(d) => d.filters().contains(&w),
        None => CliDialect::ALL.iter().all(|d| d.filters().contains(&w)),
    };
    for seg in line.split(';').map(str::trim).filter(|s| !s.is_empty()) {
        let mut stages = seg.split('|');
        let first = stages.next().unwrap_or_default();
        if !first
            .split_ascii_whitespace()
            .next()
            .is_some_and(|w| w.eq_ignore_ascii_case("show"))
        {
            return Err(format!("segment {seg:?} is not a show"));
        }
        for st in stages {
            let w = st
                .split_ascii_whitespace()
                .next()
                .unwrap_or_default()
                .to_ascii_lowercase();
            if w.is_empty() {
                return Err("empty stage".into());
            }
            for writer in [
                "redirect", "append", "tee", "copy", "write", "sed", "awk", "sort",
            ] {
                if writer.starts_with(&w) {
                    return Err(format!("stage {w} may be {writer}"));
                }
            }
            let full: Vec<&str> = CliDialect::ALL
                .iter()
                .flat_map(|d| d.filters().iter().copied())
                .filter(|f| f.starts_with(&w))
                .collect();
            if full.is_empty() || !full.iter().all(|f| allowed(f)) {
                return Err(format!("stage {w} is not an allowed filter"));
            }
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn parse_never_panics(s in any::<String>()) {
        let _ = Command::parse(&s).map(|c| (c.read_only_refusal(), c.to_string()));
    }

    #[test]
    fn parse_never_panics_on_grammar_pieces(s in cli_line(), d in dialects()) {
        if let Ok(c) = Command::parse(&s) {
            let _ = c.read_only_refusal_on(d);
        }
    }

    /// Anything accepted as read-only is shows and known filters only, no `>`.
    #[test]
    fn accepted_lines_only_read(s in prop_oneof![cli_line(), any::<String>()], d in dialects()) {
        if let Ok(c @ Command::Cli(_)) = Command::parse(&s) {
            let Command::Cli(line) = &c else { unreachable!() };
            match c.read_only_refusal_on(d) {
                None => {
                    if let Err(why) = looks_read_only(line, d) {
                        return Err(TestCaseError::fail(format!("{line:?} accepted but {why}")));
                    }
                }
                Some(why) => prop_assert!(!why.contains('\n'), "one line: {why:?}"),
            }
        }
    }

    /// Harmless lines are accepted, and what every vendor accepts each vendor accepts.
    #[test]
    fn harmless_lines_are_accepted(s in harmless_line()) {
        let c = Command::parse(&s).expect("parses");
        prop_assert_eq!(c.read_only_refusal(), None, "{}", s);
        for d in CliDialect::ALL {
            prop_assert_eq!(c.read_only_refusal_on(Some(d)), None, "{} on {:?}", s, d);
        }
    }

    /// A redirection, a writing stage or an unknown stage after an accepted line makes it
    /// refused, on every dialect; so does a non-show batched after it.
    #[test]
    fn adding_a_write_refuses(
        s in prop_oneof![harmless_line(), cli_line()],
        tail in prop_oneof![
            prop::sample::select(WRITING).prop_map(|w| format!(" | {w} disk0:/x.cfg")),
            Just(" > flash:x".to_string()),
            Just(">>flash:x".to_string()),
            Just(" | frobnicate".to_string()),
            Just(" |".to_string()),
            Just("; configure".to_string()),
            Just(" | include \"a | redirect b\"".to_string()),
        ],
        d in dialects(),
    ) {
        let Ok(c) = Command::parse(&s) else { return Ok(()) };
        if c.read_only_refusal_on(d).is_some() || !matches!(c, Command::Cli(_)) {
            return Ok(());
        }
        let worse = Command::parse(&format!("{s}{tail}")).expect("still parses");
        prop_assert!(worse.read_only_refusal_on(d).is_some(), "{}{} accepted", s, tail);
        prop_assert!(worse.is_mutating());
    }

    /// Target selection never panics; what it returns is configured, once each.
    #[test]
    fn target_selection_never_panics(
        specs in prop::collection::vec(
            prop_oneof![
                any::<String>(),
                Just("@all".to_string()),
                "@tag:[a-z]{0,5}",
                prop::sample::select(vec!["spine-01", "fw-01", "acme", "@", "@tag:", "@tag:core"])
                    .prop_map(str::to_string),
            ],
            0..5,
        ),
        line in prop_oneof![Just("show version".to_string()), Just("GET /x".to_string()), cli_line()],
    ) {
        let cfg = config();
        let Ok(cmd) = Command::parse(&line) else { return Ok(()) };
        if let Ok(sel) = netdash::target::select(&cfg, &specs, &cmd) {
            prop_assert!(!sel.targets.is_empty());
            let mut names: Vec<&str> = sel.targets.iter().map(netdash::target::Target::name).collect();
            for n in &names {
                prop_assert!(["spine-01", "fw-01", "acme"].contains(n));
            }
            let n = names.len();
            names.sort_unstable();
            names.dedup();
            prop_assert_eq!(names.len(), n);
        }
    }

    #[test]
    fn sanitized_text_is_safe_and_stable(s in any::<String>()) {
        let t = sanitize::for_terminal(&s);
        prop_assert!(!t.chars().any(is_unsafe), "{:?}", t);
        prop_assert_eq!(sanitize::for_terminal(&t), t.clone());
        let l = sanitize::one_line(&s);
        prop_assert!(!l.chars().any(|c| is_unsafe(c) || c == '\n' || c == '\t'), "{:?}", l);
        prop_assert_eq!(sanitize::one_line(&l), l.clone());
        // Only unsafe characters are rewritten: the rest survives in order.
        let kept: String = s.chars().filter(|c| !is_unsafe(*c)).collect();
        let t_kept: String = t.chars().filter(|c| !is_unsafe(*c)).collect();
        prop_assert!(t_kept.len() >= kept.len());
    }

    #[test]
    fn plain_text_passes_unchanged(s in "[ -~\t\n]{0,200}") {
        prop_assert_eq!(sanitize::for_terminal(&s), s.as_str());
    }

    #[test]
    fn json_stays_equal_and_safe(s in any::<String>()) {
        let line = serde_json::to_string(&serde_json::json!({ "s": s })).expect("json");
        let safe = sanitize::json(&line);
        prop_assert!(!safe.chars().any(is_unsafe));
        let back: serde_json::Value = serde_json::from_str(&safe).expect("valid JSON");
        prop_assert_eq!(back["s"].as_str(), Some(s.as_str()));
    }
}

fn config() -> Config {
    let text = r#"
[[devices]]
name = "spine-01"
kind = "eos"
host = "10.0.0.1"
username = "admin"
password = "x"
tags = ["core"]

[[devices]]
name = "fw-01"
kind = "asa"
host = "10.0.0.2"
username = "admin"
password = "x"
tags = ["edge", "core"]

[[central]]
name = "acme"
region = "US-2"
client_id = "id"
client_secret = "s"
customer_id = "c"
access_token = "a"
refresh_token = "r"
tags = ["cloud"]
"#;
    Config::parse(text, std::path::Path::new("t.toml")).expect("config")
}
