//! The config's parsing and checking, against good and bad files.

use super::*;

fn parse(t: &str) -> Result<Config, ConfigError> {
    Config::parse(t, Path::new("test.toml"))
}

#[test]
fn example_config_parses() {
    let text = include_str!("../../config.example.toml");
    let cfg = parse(text).expect("config.example.toml must parse");
    assert!(cfg.devices().count() >= 4);
    assert_eq!(cfg.centrals().count(), 1);
}

#[test]
fn kiosk_table_parses_with_defaults() {
    let cfg = parse("").expect("empty");
    assert!(!cfg.kiosk.enabled);
    assert_eq!(cfg.kiosk.layouts, vec![KioskLayout::Overview]);
    assert_eq!(cfg.kiosk.unlock, vec!["ctrl-x", "u"]);
    let cfg = parse(
        "[kiosk]\nenabled = true\nrotate_secs = 20\nlayouts = [\"overview\", \"devices\", \"central\", \"sessions\"]\nunlock = [\"ctrl-a\", \"k\"]\n",
    )
    .expect("kiosk");
    assert!(cfg.kiosk.enabled);
    assert_eq!(cfg.kiosk.rotate_secs, Some(20));
    assert_eq!(
        cfg.kiosk.layouts,
        vec![
            KioskLayout::Overview,
            KioskLayout::Devices,
            KioskLayout::Central,
            KioskLayout::Sessions
        ]
    );
    assert_eq!(cfg.kiosk.unlock, vec!["ctrl-a", "k"]);
}

#[test]
fn kiosk_table_is_validated_with_clear_errors() {
    let m = parse("[settings]\ntheme = \"light\"\n[kiosk]\nrotate_secs = 2\n")
        .expect_err("too fast")
        .to_string();
    assert!(
        m.contains("line 3: [kiosk] rotate_secs = 2: use 5 or more"),
        "{m}"
    );
    let m = parse("[kiosk]\nlayouts = [\"overview\", \"graphs\"]\n")
        .expect_err("unknown layout")
        .to_string();
    assert!(m.contains("line 2"), "{m}");
    assert!(m.contains("graphs"), "{m}");
    assert!(m.contains("overview"), "{m}");
    let m = parse("[kiosk]\nlayouts = []\n")
        .expect_err("empty")
        .to_string();
    assert!(m.contains("layouts is empty"), "{m}");
    let m = parse("[kiosk]\nunlock = [\"u\"]\n")
        .expect_err("one key")
        .to_string();
    assert!(m.contains("unlock has 1 keys: give two"), "{m}");
    let m = parse("[kiosk]\nenable = true\n")
        .expect_err("typo")
        .to_string();
    assert!(m.contains("enable"), "{m}");
    assert!(parse("[kiosk]\nrotate_secs = 5\n").is_ok());
}

#[test]
fn unknown_field_names_line_and_field() {
    let e = parse(
        "[[devices]]\nname = \"a\"\nkind = \"eos\"\nhost = \"h\"\npassword = \"x\"\ncolour = 1\n",
    )
    .expect_err("unknown field");
    let m = e.to_string();
    assert!(m.contains("test.toml"), "{m}");
    assert!(m.contains("line 6"), "{m}");
    assert!(m.contains("colour"), "{m}");
}

#[test]
fn missing_field_is_named() {
    let e = parse("[[devices]]\nname = \"a\"\nkind = \"eos\"\npassword = \"x\"\n")
        .expect_err("missing host");
    let m = e.to_string();
    assert!(m.contains("host"), "{m}");
    assert!(m.contains("line 1"), "{m}");
}

#[test]
fn password_sources_are_exclusive() {
    let e = parse("[[devices]]\nname = \"a\"\nkind = \"eos\"\nhost = \"h\"\npassword = \"x\"\npassword_env = \"Y\"\n")
        .expect_err("two sources");
    assert!(e.to_string().contains("exactly one"), "{e}");
}

#[test]
fn host_forms() {
    assert_eq!(split_host_port("sw1", 443), Ok(("sw1".into(), 443)));
    assert_eq!(split_host_port("sw1:8443", 443), Ok(("sw1".into(), 8443)));
    assert_eq!(split_host_port("[::1]:8443", 443), Ok(("::1".into(), 8443)));
    assert_eq!(split_host_port("[::1]", 4343), Ok(("::1".into(), 4343)));
    assert!(split_host_port("sw1:x", 443).is_err());
}

fn cmd_device(cmd: &str) -> DeviceConfig {
    let text = format!(
        "[[devices]]\nname = \"a\"\nkind = \"asa\"\nhost = \"h\"\npassword_cmd = {cmd:?}\n"
    );
    let cfg = parse(&text).expect("valid");
    cfg.devices().next().expect("one device").clone()
}

async fn run_cmd(cmd: &str) -> Result<String, ConfigError> {
    use secrecy::ExposeSecret;
    cmd_device(cmd)
        .password_source()
        .resolve_async(Duration::from_secs(5))
        .await
        .map(|p| p.expose_secret().to_string())
}

#[tokio::test]
async fn password_cmd_runs_and_trims() {
    assert_eq!(run_cmd("echo hunter2").await.expect("runs"), "hunter2");
}

#[tokio::test]
async fn password_cmd_takes_the_first_line_like_pass() {
    let p = run_cmd("printf 'hunter2\\r\\nlogin: admin\\nurl: x\\n'")
        .await
        .expect("runs");
    assert_eq!(p, "hunter2");
}

#[tokio::test]
async fn password_cmd_with_empty_output_is_refused() {
    for cmd in ["true", "echo", "printf '\\nsecond-line'"] {
        let e = run_cmd(cmd).await.expect_err("empty first line");
        assert!(e.to_string().contains("printed nothing"), "{cmd}: {e}");
    }
}

#[tokio::test]
async fn password_cmd_failure_shows_stderr_not_stdout() {
    let e = run_cmd(
        "echo hunter2; echo 'gpg: decryption failed: No secret key' >&2; echo more >&2; exit 2",
    )
    .await
    .expect_err("fails");
    let m = e.to_string();
    assert!(m.contains("gpg: decryption failed: No secret key"), "{m}");
    assert!(!m.contains("hunter2") && !m.contains("more"), "{m}");
    assert!(!m.contains('\n'), "one line: {m}");
}

#[tokio::test]
async fn password_cmd_that_hangs_is_stopped_with_its_children() {
    let dir = tempfile::tempdir().expect("dir");
    let pidfile = dir.path().join("pid");
    // A child of the shell (not exec'd), as `pass` starting gpg would be.
    let cmd = format!("sleep 1000 & echo $! > {}; wait", pidfile.display());
    let e = cmd_device(&cmd)
        .password_source()
        .resolve_async(Duration::from_secs(1))
        .await
        .expect_err("times out");
    assert!(e.to_string().contains("did not finish within 1 s"), "{e}");
    let pid: i32 = std::fs::read_to_string(&pidfile)
        .expect("pid written")
        .trim()
        .parse()
        .expect("pid");
    assert!(gone_soon(pid).await, "sleep {pid} survived");
}

/// True once `pid` no longer runs (gone, or a zombie nobody reaped yet).
pub(crate) async fn gone_soon(pid: i32) -> bool {
    for _ in 0..100 {
        let status = std::fs::read_to_string(format!("/proc/{pid}/status"));
        match status {
            Err(_) => return true,
            Ok(s)
                if s.lines()
                    .any(|l| l.starts_with("State:") && l.contains('Z')) =>
            {
                return true;
            }
            Ok(_) => tokio::time::sleep(Duration::from_millis(50)).await,
        }
    }
    false
}

// 256 cases (proptest's default); PROPTEST_CASES=N runs more.
proptest::proptest! {
    /// Whatever non-string value a secret field holds, the error never repeats it.
    #[test]
    fn no_secret_value_in_type_errors(
        n in 1000i64..,
        f in 1000.0f64..1e12,
        field in proptest::sample::select(vec!["password", "client_secret", "access_token", "refresh_token"]),
        form in 0usize..4,
    ) {
        let value = match form {
            0 => n.to_string(),
            1 => format!("{f:.3}"),
            2 => format!("[{n}, {n}]"),
            _ => format!("{{ pin = {n} }}"),
        };
        let table = if field == "password" {
            "[[devices]]\nname = \"a\"\nkind = \"asa\"\nhost = \"h\"\n"
        } else {
            "[[central]]\nname = \"c\"\nregion = \"US-1\"\nclient_id = \"cid\"\ncustomer_id = \"x\"\n"
        };
        let text = format!("{table}{field} = {value}\n");
        let e = parse(&text).expect_err("not a string").to_string();
        let shown = value.trim_start_matches(['[', '{', ' ']).split([',', ' ', ']']).next().unwrap_or("");
        proptest::prop_assert!(!e.contains(&n.to_string()), "{e}");
        proptest::prop_assert!(shown.is_empty() || !e.contains(shown), "{e}");
    }
}

#[test]
fn huge_intervals_and_timeouts_are_clamped() {
    let cfg = parse(concat!(
        "[settings]\npoll_interval_secs = 18446744073709551615\ntimeout_secs = 0\n",
        "password_cmd_timeout_secs = 18446744073709551615\n",
        "[[devices]]\nname = \"a\"\nkind = \"arubaos\"\nhost = \"h\"\npassword = \"x\"\n",
        "idle_timeout_secs = 18446744073709551615\n",
    ))
    .expect("valid");
    assert_eq!(cfg.settings.poll_interval_secs, 86_400);
    assert_eq!(cfg.settings.timeout_secs, 1);
    assert_eq!(cfg.settings.password_cmd_timeout_secs, 3_600);
    let d = cfg.devices().next().expect("device");
    assert_eq!(d.idle_timeout_secs, Some(86_400));
    // Adding them to a clock cannot overflow.
    let now = std::time::Instant::now();
    assert!(
        now.checked_add(Duration::from_secs(cfg.settings.poll_interval_secs))
            .is_some()
    );
}

#[test]
fn central_sign_in_fields_are_checked() {
    let head = "[[central]]\nname = \"c\"\nregion = \"US-1\"\nclient_id = \"cid\"\nclient_secret = \"s\"\ncustomer_id = \"x\"\n";
    let ok = |extra: &str| parse(&format!("{head}{extra}")).map(|_| ());
    let err = |extra: &str| {
        parse(&format!("{head}{extra}"))
            .expect_err(extra)
            .to_string()
    };
    ok("username = \"u\"\npassword = \"p\"\n").expect("sign-in only");
    ok("username = \"u\"\npassword_cmd = \"pass x\"\nmsp = true\ntenants = [\"t1\"]\n")
        .expect("msp");
    ok("access_token = \"a\"\nrefresh_token = \"r\"\n").expect("pasted only");
    assert!(err("username = \"u\"\n").contains("exactly one of password"));
    assert!(
        err("username = \"u\"\npassword = \"p\"\npassword_env = \"E\"\n").contains("exactly one")
    );
    assert!(err("password = \"p\"\naccess_token = \"a\"\n").contains("needs a username"));
    assert!(err("").contains("set username and a password"));
    assert!(err("msp = true\naccess_token = \"a\"\n").contains("msp = true needs username"));
    assert!(err("tenants = [\"t\"]\naccess_token = \"a\"\n").contains("msp = true entries only"));
    let slash = parse(&head.replace("name = \"c\"", "name = \"a/b\"").replace(
        "customer_id = \"x\"\n",
        "customer_id = \"x\"\naccess_token = \"a\"\n",
    ))
    .expect_err("slash")
    .to_string();
    assert!(slash.contains("MSP/tenant"), "{slash}");
    // The password is never shown.
    let cfg = parse(&format!(
        "{head}username = \"u\"\npassword = \"pw-hunter2\"\n"
    ))
    .expect("valid");
    assert!(!format!("{cfg:?}").contains("hunter2"));
}

#[test]
fn example_inventory_entry_parses_uncommented() {
    let text = include_str!("../../config.example.toml");
    let block: String = text
        .lines()
        .skip_while(|l| *l != "# [[inventory]]")
        .take_while(|l| !l.is_empty())
        .map(|l| {
            // Settings and the table header are uncommented; prose stays a comment.
            let bare = l.trim_start_matches('#').trim_start();
            if bare.starts_with('[') || bare.contains('=') {
                format!("{bare}\n")
            } else {
                format!("{l}\n")
            }
        })
        .collect();
    let cfg = parse(&block).expect("the example [[inventory]] parses");
    assert_eq!(cfg.inventory[0].get_ref().label(), "dc1");
}

#[test]
fn inventory_entries_are_strict() {
    let cfg = parse(concat!(
        "[[inventory]]\nname = \"dc1\"\nansible = \"inv/hosts.yml\"\n",
        "platform_map = { arista-eos = \"eos\", aruba-cx = \"aoscx\" }\n",
        "username = \"admin\"\npassword_cmd = \"pass show net\"\nverify_tls = false\n",
        "tags = [\"dc1\"]\ntimeout_secs = 0\n",
    ))
    .expect("valid");
    let inv = cfg.inventory[0].get_ref();
    assert_eq!(inv.platform_map["aruba-cx"], DeviceKind::Aoscx);
    assert_eq!(inv.timeout_secs, 1, "clamped");
    assert!(
        !format!("{inv:?}").contains("pass show"),
        "Debug hides the command"
    );
    assert_eq!(
        cfg.devices().count(),
        0,
        "nothing imported by parsing alone"
    );
    let err = |t: &str| parse(t).expect_err(t).to_string();
    let e = err("[[inventory]]\nansible = \"x\"\npassword = \"p\"\n");
    assert!(e.contains("line 3") && e.contains("password"), "{e}");
    let e = err("[[inventory]]\nansible = \"x\"\nplatform_map = { junos = \"junos\" }\n");
    assert!(e.contains("line 3") && e.contains("junos"), "{e}");
    let e = err("[[inventory]]\nansible = \"x\"\npassword_env = \"A\"\npassword_cmd = \"b\"\n");
    assert!(e.contains("line 1: inventory x: set at most one"), "{e}");
    let e = err("[[inventory]]\nansible = \"x\"\n[[inventory]]\nansible = \"x\"\n");
    assert!(e.contains("line 3: inventory x is listed twice"), "{e}");
}

#[test]
fn debug_never_shows_secrets() {
    let cfg = parse(concat!(
        "[[devices]]\nname = \"a\"\nkind = \"asa\"\nhost = \"h\"\npassword = \"pw-hunter2\"\n",
        "[[devices]]\nname = \"b\"\nkind = \"asa\"\nhost = \"h\"\npassword_cmd = \"echo cmd-hunter2\"\n",
        "[[central]]\nname = \"c\"\nregion = \"US-1\"\nclient_id = \"cid\"\nclient_secret = \"cs-hunter2\"\n",
        "customer_id = \"x\"\naccess_token = \"at-hunter2\"\nrefresh_token = \"rt-hunter2\"\n",
    ))
    .expect("valid");
    let d = format!("{cfg:?} {cfg:#?}");
    assert!(!d.contains("hunter2"), "{d}");
    assert!(d.contains("<redacted>") && d.contains("cid"), "{d}");
}

#[test]
fn type_error_on_a_secret_does_not_echo_it() {
    for (field, table) in [
        (
            "password",
            "[[devices]]\nname = \"a\"\nkind = \"asa\"\nhost = \"h\"\n",
        ),
        (
            "client_secret",
            "[[central]]\nname = \"c\"\nregion = \"US-1\"\nclient_id = \"cid\"\ncustomer_id = \"x\"\n",
        ),
        (
            "refresh_token",
            "[[central]]\nname = \"c\"\nregion = \"US-1\"\nclient_id = \"cid\"\nclient_secret = \"s\"\ncustomer_id = \"x\"\n",
        ),
    ] {
        let text = format!("{table}{field} = 987654321\n");
        let e = parse(&text).expect_err("not a string");
        let m = e.to_string();
        assert!(!m.contains("987654321"), "{m}");
        assert!(m.contains(field) && m.contains("line"), "{m}");
    }
    // Other fields keep toml's own message.
    let e = parse("[settings]\ntimeout_secs = \"x\"\n").expect_err("not a number");
    assert!(e.to_string().contains("invalid type"), "{e}");
}

#[test]
fn mask_table_parses_and_is_strict() {
    let cfg = parse("[mask]\nenabled = true\npatterns = ['(?i)acme-\\w+']\n").expect("valid");
    assert!(cfg.mask.enabled);
    assert_eq!(cfg.mask.patterns, ["(?i)acme-\\w+"]);
    assert_eq!(parse("").expect("empty").mask, MaskConfig::default());
    let e = parse("[mask]\nenable = true\n").expect_err("unknown field");
    assert!(e.to_string().contains("enable"), "{e}");
}

#[test]
fn a_bad_mask_pattern_names_the_pattern_line_and_reason() {
    let e = parse("[mask]\nenabled = true\npatterns = [\n  'ok',\n  'acme-(',\n]\n")
        .expect_err("bad regex");
    let m = e.to_string();
    assert!(
        m.contains("test.toml: line 5: [mask] pattern \"acme-(\""),
        "{m}"
    );
    assert!(m.contains("unclosed group"), "{m}");
    assert_eq!(m.lines().count(), 1, "{m}");
}
