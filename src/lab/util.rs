//! Small helpers shared by the simulators.

use std::collections::HashMap;
use std::sync::Mutex;

use axum::http::HeaderMap;
use base64::Engine;
use rand::Rng;

/// Every secret the lab has issued since [`record_secrets`] was turned on (None: off, so a
/// long-running `netdash lab` does not grow). Tests search netdash's files for these.
static ISSUED: Mutex<Option<Vec<(Issued, String)>>> = Mutex::new(None);

/// What a recorded secret is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Issued {
    /// A device session: cookie, X-Auth-Token, CSRF token, UIDARUBA.
    Session,
    /// A Central OAuth access or refresh token (netdash's token store keeps the live pair).
    CentralOAuth,
}

/// Bounds the record (a soak of hours would otherwise grow it without end).
const ISSUED_LIMIT: usize = 200_000;

/// Start (or stop) remembering every token, cookie and UIDARUBA the lab hands out, in this
/// process.
pub fn record_secrets(on: bool) {
    if let Ok(mut g) = ISSUED.lock() {
        match (on, g.is_some()) {
            (true, false) => *g = Some(Vec::new()),
            (false, _) => *g = None,
            _ => {}
        }
    }
}

/// The secrets issued since recording started.
pub fn issued_secrets() -> Vec<(Issued, String)> {
    ISSUED
        .lock()
        .ok()
        .and_then(|g| g.clone())
        .unwrap_or_default()
}

fn issued(what: Issued, s: &str) {
    if let Ok(mut g) = ISSUED.lock()
        && let Some(v) = g.as_mut()
        && v.len() < ISSUED_LIMIT
    {
        v.push((what, s.to_string()));
    }
}

/// A random token of `n` bytes, URL-safe base64 (the shape of AOS-CX cookies and ASA tokens).
pub fn token(n: usize) -> String {
    let t = ident(n);
    issued(Issued::Session, &t);
    t
}

/// A Central OAuth token of `n` bytes.
pub fn oauth_token(n: usize) -> String {
    let t = ident(n);
    issued(Issued::CentralOAuth, &t);
    t
}

/// A random identifier shaped like [`token`] but not secret (client and customer ids), so
/// not recorded.
pub fn ident(n: usize) -> String {
    let mut b = vec![0u8; n];
    rand::rng().fill(&mut b[..]);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b)
}

/// A random UUID-shaped token (ArubaOS UIDARUBA).
#[expect(
    clippy::format_collect,
    reason = "16 bytes once per lab session: plain beats the saved allocations"
)]
pub fn uuid() -> String {
    let b: [u8; 16] = rand::rng().random();
    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
    let u = format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    );
    issued(Issued::Session, &u);
    u
}

/// `(user, password)` from an `Authorization: Basic` header.
pub fn basic_auth(headers: &HeaderMap) -> Option<(String, String)> {
    let v = headers.get("authorization")?.to_str().ok()?;
    let (scheme, b64) = v.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let raw = base64::engine::general_purpose::STANDARD
        .decode(b64.trim())
        .ok()?;
    let s = String::from_utf8(raw).ok()?;
    let (u, p) = s.split_once(':')?;
    Some((u.to_string(), p.to_string()))
}

/// The value of cookie `name` in the request's `Cookie` headers.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all("cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

/// Parse `a=1&b=2` (form bodies and query strings), `+` as space.
pub fn form(s: &str) -> HashMap<String, String> {
    url::form_urlencoded::parse(s.as_bytes())
        .into_owned()
        .collect()
}

/// Load a JSON fixture embedded at build time.
pub fn fixture(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap_or(serde_json::Value::Null)
}

/// Decode `%XX` escapes in one path segment (no `+` handling: that is for query strings).
pub fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && i + 2 < b.len()
            && let Some(v) = std::str::from_utf8(&b[i + 1..i + 3])
                .ok()
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(v);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}
