//! Copy as curl, for real: each vendor's driver describes the request it sent to the lab;
//! the rendered command runs in `sh` with the real `curl` (`--cacert`, verification on),
//! its placeholders filled only from environment variables, and gets the device's answer.
//! The command never holds a secret, and Python's `shlex.split` reads it back word for word.

mod common;

use std::process::Command as Proc;

use netdash::curl;
use netdash::drivers::request_info::{Placeholder, RequestInfo, Template, TlsInfo};
use proptest::prelude::*;

/// Run `line` in `sh` with these environment variables; (exit code, stdout, stderr).
fn sh(line: &str, env: &[(&str, &str)]) -> (i32, String, String) {
    let out = Proc::new("sh")
        .arg("-c")
        .arg(line)
        .envs(env.iter().copied())
        .output()
        .expect("sh runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A header's value from `curl -D -` output.
fn header(dump: &str, name: &str) -> Option<String> {
    dump.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.trim()
            .eq_ignore_ascii_case(name)
            .then(|| v.trim().to_string())
    })
}

/// The value of cookie `name` in a `Set-Cookie` header of `curl -D -` output.
fn cookie(dump: &str, name: &str) -> Option<String> {
    dump.lines()
        .filter(|l| l.to_ascii_lowercase().starts_with("set-cookie:"))
        .find_map(|l| {
            let v = l.split_once(':')?.1.trim();
            let first = v.split(';').next()?;
            let (k, val) = first.split_once('=')?;
            (k == name).then(|| val.to_string())
        })
}

/// Run `line` through the session, check the copy, return the request described.
async fn described(t: &common::TestLab, kind: &str, line: &str) -> RequestInfo {
    let mut s = t.session(kind);
    let out = s.execute(&common::cmd(line)).await.expect("command works");
    s.logout().await.expect("logout");
    out.request.expect("the driver described its request")
}

fn assert_no_secret(copied: &str, secrets: &[&str]) {
    for s in secrets {
        assert!(!s.is_empty());
        assert!(!copied.contains(s), "a secret is in the copied command");
    }
}

fn ca(t: &common::TestLab) -> String {
    t.dir.path().join("ca.pem").to_string_lossy().into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eos_basic_auth_curl_works_with_env_credentials() {
    let t = common::start(common::only("eos")).await;
    let r = described(&t, "eos", "show hostname").await;
    let c = curl::render(&r);
    let pw = netdash::lab::password("eos");
    assert_no_secret(&c, &[&pw]);
    assert!(c.contains("--cacert"), "{c}");
    assert!(c.contains(r#"-u "$NETDASH_USER:$NETDASH_PASSWORD""#), "{c}");
    let (code, out, err) = sh(&c, &[("NETDASH_USER", "admin"), ("NETDASH_PASSWORD", &pw)]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("JSON-RPC answer");
    assert_eq!(v["result"][1]["hostname"], "lab-eos-01", "{v}");
    // Without the password the same command is refused: the env really is what signs in.
    let (_, out, _) = sh(
        &format!("{c} -o /dev/null -w '%{{http_code}}'"),
        &[("NETDASH_USER", "admin"), ("NETDASH_PASSWORD", "wrong")],
    );
    assert_eq!(out, "401");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn asa_token_curl_works_with_a_token_from_the_env() {
    let t = common::start(common::only("asa")).await;
    let r = described(&t, "asa", "show version").await;
    let c = curl::render(&r);
    assert!(c.contains(r#"-H 'X-Auth-Token: '"$TOKEN""#), "{c}");
    let pw = netdash::lab::password("asa");
    let base = r.url.display().replace("/api/cli", "");
    let login = format!(
        "curl -sS -D - -o /dev/null --cacert '{}' -u \"admin:$NETDASH_PASSWORD\" -H 'User-Agent: REST API Agent' -X POST '{base}/api/tokenservices'",
        ca(&t)
    );
    let (code, dump, err) = sh(&login, &[("NETDASH_PASSWORD", &pw)]);
    assert_eq!(code, 0, "{err}");
    let token = header(&dump, "X-Auth-Token").expect("a token");
    assert_no_secret(&c, &[&pw, &token]);
    let (code, out, err) = sh(&c, &[("TOKEN", &token)]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("JSON answer");
    assert!(
        v["response"][0]
            .as_str()
            .is_some_and(|s| s.contains("Adaptive Security Appliance")),
        "{v}"
    );
    let logout = format!(
        "curl -sS --cacert '{}' -u \"admin:$NETDASH_PASSWORD\" -H 'User-Agent: REST API Agent' -X DELETE '{base}/api/tokenservices/'\"$TOKEN\"",
        ca(&t)
    );
    sh(&logout, &[("NETDASH_PASSWORD", &pw), ("TOKEN", &token)]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn aoscx_cookie_curl_and_node_url_work() {
    let t = common::start(common::only("aoscx")).await;
    let r = described(&t, "aoscx", "show version").await;
    let c = curl::render(&r);
    assert!(c.contains(r#"-H 'Cookie: id='"$TOKEN""#), "{c}");
    let pw = netdash::lab::password("aoscx");
    let url = r.url.display();
    let rest = &url[..url.find("/system").expect("a /system URL")];
    let login = format!(
        "curl -sS -D - -o /dev/null --cacert '{}' -H 'x-use-csrf-token: true' --data-urlencode username=admin --data-urlencode \"password=$NETDASH_PASSWORD\" '{rest}/login'",
        ca(&t)
    );
    let (code, dump, err) = sh(&login, &[("NETDASH_PASSWORD", &pw)]);
    assert_eq!(code, 0, "{err}");
    let id = cookie(&dump, "id").expect("an id cookie");
    let csrf = header(&dump, "x-csrf-token").unwrap_or_default();
    assert_no_secret(&c, &[&pw, &id]);
    let env = [("TOKEN", id.as_str()), ("CSRF_TOKEN", csrf.as_str())];
    let (code, out, err) = sh(&c, &env);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("JSON answer");
    assert_eq!(v["hostname"], "lab-cx-01", "{v}");
    // The node under the cursor (.hostname) as its own REST URL.
    let node = curl::aoscx_node_url(&url, &[Some("hostname".into())], false).expect("a URL");
    let mut n = r.clone();
    n.url = Template::text(node);
    let (code, out, err) = sh(&curl::render(&n), &env);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("JSON answer");
    assert_eq!(v, serde_json::json!({"hostname": "lab-cx-01"}));
    let logout = format!(
        "curl -sS --cacert '{}' -H 'Cookie: id='\"$TOKEN\" -H 'x-csrf-token: '\"$CSRF_TOKEN\" -X POST '{rest}/logout'",
        ca(&t)
    );
    sh(&logout, &env);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn arubaos_uidaruba_curl_works() {
    let t = common::start(common::only("arubaos")).await;
    let r = described(&t, "arubaos", "show version").await;
    let c = curl::render(&r);
    assert!(c.contains(r#"UIDARUBA='"$TOKEN""#), "{c}");
    let pw = netdash::lab::password("arubaos");
    let url = r.url.display();
    let base = &url[..url.find("/v1/").expect("a /v1 URL")];
    let login = format!(
        "curl -sS --cacert '{}' --data-urlencode username=admin --data-urlencode \"password=$NETDASH_PASSWORD\" '{base}/v1/api/login'",
        ca(&t)
    );
    let (code, out, err) = sh(&login, &[("NETDASH_PASSWORD", &pw)]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("login JSON");
    let uid = v["_global_result"]["UIDARUBA"]
        .as_str()
        .expect("a UIDARUBA")
        .to_string();
    assert_no_secret(&c, &[&pw, &uid]);
    let (code, out, err) = sh(&c, &[("TOKEN", &uid)]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("ArubaOS") || out.contains("Version"), "{out}");
    let logout = format!(
        "curl -sS --cacert '{}' '{base}/v1/api/logout?UIDARUBA='\"$TOKEN\"",
        ca(&t)
    );
    sh(&logout, &[("TOKEN", &uid)]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn central_bearer_curl_works() {
    let t = common::start(common::only("central")).await;
    let r = described(&t, "central", "GET /monitoring/v2/aps?limit=2").await;
    let c = curl::render(&r);
    assert!(c.contains(r#"-H 'Authorization: Bearer '"$TOKEN""#), "{c}");
    // The account's current access token, from netdash's own token store.
    let dir = t.ctx.paths.token_dir();
    let file = std::fs::read_dir(&dir)
        .expect("token dir")
        .filter_map(Result::ok)
        .find(|e| e.path().extension().is_some_and(|x| x == "json"))
        .expect("a token file");
    let pair: serde_json::Value =
        serde_json::from_slice(&std::fs::read(file.path()).expect("read")).expect("JSON");
    let token = pair["access_token"].as_str().expect("access token");
    assert_no_secret(&c, &[token]);
    let (code, out, err) = sh(&c, &[("TOKEN", token)]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("JSON answer");
    assert!(v["aps"].as_array().is_some_and(|a| !a.is_empty()), "{v}");
}

/// Words as Python's `shlex.split` reads them, one JSON array per input line.
fn py_shlex(lines: &[String]) -> Vec<Vec<String>> {
    let script = "import json,shlex,sys\nfor l in sys.stdin.read().split('\\0'):\n    print(json.dumps(shlex.split(l)))";
    let mut child = Proc::new("python3")
        .args(["-c", script])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("python3");
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().expect("stdin");
        stdin.write_all(lines.join("\0").as_bytes()).expect("write");
    }
    let out = child.wait_with_output().expect("python3 ends");
    assert!(out.status.success());
    String::from_utf8(out.stdout)
        .expect("utf-8")
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON array"))
        .collect()
}

fn text() -> impl Strategy<Value = String> {
    // Quotes, spaces, dollars, backslashes, newlines and non-ASCII: everything a shell
    // could misread. No NUL (it separates the cases).
    proptest::string::string_regex("[ -~\\n\\té'\"$\\\\`]{0,24}").expect("regex")
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn rendered_commands_hold_no_secret_and_split_back(
        cases in proptest::collection::vec(
            (text(), text(), proptest::option::of(text()), any::<bool>(), "[A-Za-z0-9!#%&*+,./:;<=>?@^_|~-]{8,20}"),
            16,
        )
    ) {
        let mut lines = Vec::new();
        let mut expected = Vec::new();
        for (path, hval, body, basic, secret) in &cases {
            prop_assume!(!path.contains(secret.as_str()) && !hval.contains(secret.as_str()));
            prop_assume!(!body.as_deref().unwrap_or("").contains(secret.as_str()));
            let mut r = RequestInfo::new(
                "GET",
                Template::text(format!("https://h/{path}?UIDARUBA=")).var(Placeholder::Token),
                TlsInfo { ca_cert: Some(format!("/ca {path}").into()), ..TlsInfo::default() },
            )
            .header("X-Thing", Template::text(hval.clone()))
            .header("Authorization", Template::text("Bearer ").var(Placeholder::Token))
            .body(body.clone());
            if *basic {
                r = r.basic();
            }
            let c = curl::render(&r);
            prop_assert!(!c.contains(secret.as_str()));
            let mut words = vec!["curl".to_string(), "-sS".into(), "--cacert".into(), format!("/ca {path}"), "-X".into(), "GET".into()];
            if *basic {
                words.extend(["-u".into(), "$NETDASH_USER:$NETDASH_PASSWORD".into()]);
            }
            words.extend(["-H".into(), format!("X-Thing: {hval}"), "-H".into(), "Authorization: Bearer $TOKEN".into()]);
            if let Some(b) = body {
                words.extend(["--data-raw".into(), b.clone()]);
            }
            words.push(format!("https://h/{path}?UIDARUBA=$TOKEN"));
            lines.push(c);
            expected.push(words);
        }
        prop_assert_eq!(py_shlex(&lines), expected);
    }
}

const CONFIG: &str = r#"
[[devices]]
name = "lab-cx-01"
kind = "aoscx"
host = "10.0.0.3"
username = "admin"
password = "hunter2-secret"
"#;

/// `C` in the explorer copies the request behind the result shown (through OSC 52), and
/// for AOS-CX the node under the cursor as a second command; no request, one clear line.
#[test]
fn c_in_the_explorer_copies_the_request_as_curl() {
    use crossterm::event::KeyCode;
    use netdash::app::msg::Effect;
    use netdash::engine::messages::{EngineRequest, Event, Outcome};
    use netdash::kind::TargetKind;

    let mut d = netdash::tui::testing::Dashboard::from_config(CONFIG, false).expect("config");
    d.press(KeyCode::F(4));
    d.press(KeyCode::Char('C'));
    assert!(
        d.app
            .status
            .as_deref()
            .is_some_and(|s| s.starts_with("no request to copy")),
        "{:?}",
        d.app.status
    );
    d.press(KeyCode::Char('3'));
    for c in "@lab-cx-01 show version".chars() {
        d.press(KeyCode::Char(c));
    }
    let id = d
        .press(KeyCode::Enter)
        .iter()
        .find_map(|e| match e {
            Effect::Engine(EngineRequest::Run { id, .. }) => Some(*id),
            _ => None,
        })
        .expect("a run");
    let url = "https://10.0.0.3/rest/latest/system?attributes=hostname,platform_name";
    d.event(Event::RequestSent {
        id,
        target: "lab-cx-01".into(),
        request: RequestInfo::new("GET", Template::text(url), TlsInfo::default())
            .header("Cookie", Template::text("id=").var(Placeholder::Token)),
    });
    d.event(Event::Result {
        id,
        target: "lab-cx-01".into(),
        kind: TargetKind::Aoscx,
        elapsed_ms: 5,
        outcome: Outcome::Ok {
            ok: true,
            output: serde_json::json!({"hostname": "lab-cx-01", "platform_name": "8325"}),
            notes: vec![],
            text: false,
        },
    });
    d.press(KeyCode::F(4));
    d.press(KeyCode::Char('C'));
    d.press(KeyCode::Down);
    let fx = d.press(KeyCode::Char('C'));
    let Some(Effect::Copy(text)) = fx.into_iter().find(|e| matches!(e, Effect::Copy(_))) else {
        panic!("C copies");
    };
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines,
        [
            format!(r#"curl -sS -X 'GET' -H 'Cookie: id='"$TOKEN" '{url}'"#),
            r#"curl -sS -X 'GET' -H 'Cookie: id='"$TOKEN" 'https://10.0.0.3/rest/latest/system?attributes=hostname&depth=1'"#.to_string(),
        ]
    );
    assert!(!text.contains("hunter2"));
    assert!(
        d.app
            .status
            .as_deref()
            .is_some_and(|s| s.contains("set $TOKEN first")),
        "{:?}",
        d.app.status
    );
}
