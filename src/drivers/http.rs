//! The HTTP layer every driver uses: one reqwest client per TLS policy and protocol (with how
//! long idle connections are kept), sending with clear
//! error mapping (connect, TLS, timeout, truncated body, too large), JSON parsing that says
//! what the device sent instead (HTML, a cut-off body), and cookie extraction.
//! Error text never carries URLs: they can hold UIDARUBA or OAuth secrets.
//! How certificates are trusted is `tls.rs`'s job.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use reqwest::header::HeaderMap;
use reqwest::{Client, RequestBuilder, StatusCode};
use serde_json::Value;

use super::VendorError;
use super::tls::{TlsFailure, TlsProblem, tls_config, tls_problem};
use crate::config::DEFAULT_MAX_RESPONSE_MB;

/// How a device's certificate is checked and whether we present one.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TlsPolicy {
    pub verify: bool,
    pub ca_cert: Option<PathBuf>,
    /// eAPI client certificate and key (PEM files).
    pub identity: Option<(PathBuf, PathBuf)>,
}

/// How long an unused connection is kept for reuse: under the 60 s or more after which
/// device web servers commonly close idle connections themselves.
pub const KEEP_IDLE: Duration = Duration::from_secs(50);

/// How long a connection that will not be reused stays open after its last request: long
/// enough for a login, a command and a logout to share it.
pub const SHORT_IDLE: Duration = Duration::from_secs(2);

/// Which HTTP versions a client offers (by ALPN).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Protocol {
    /// HTTP/2 or HTTP/1.1, as the server prefers (Central's gateway multiplexes calls).
    Negotiated,
    /// HTTP/1.1 only: one request at a time per connection (eAPI's JSON-RPC), where
    /// HTTP/2's settings exchange and connection task would cost more than they save
    /// (about a tenth of the client CPU of a one-shot fan-out).
    Http1,
}

/// One client per TLS policy and protocol, built on first use and shared (connection pools
/// included).
pub struct Clients {
    timeout: Duration,
    /// How long an unused connection stays open for the next request.
    idle: Duration,
    map: Mutex<HashMap<(TlsPolicy, Protocol), Client>>,
}

impl Clients {
    /// Clients that keep unused connections [`KEEP_IDLE`] (polling every 10 to 30 s reuses
    /// them).
    pub fn new(timeout: Duration) -> Self {
        Self::with_idle(timeout, KEEP_IDLE)
    }

    /// Clients for polling every `interval`: a connection is kept for the next poll only
    /// when that poll comes within [`KEEP_IDLE`]. Beyond, it would be closed unused anyway,
    /// after holding a socket at the device and about 30 KB here for 50 s (with 10,000
    /// devices polled every 60 s, 300 MB), so it is closed [`SHORT_IDLE`] after its poll.
    pub fn for_poll_interval(timeout: Duration, interval: Duration) -> Self {
        let idle = if interval < KEEP_IDLE {
            KEEP_IDLE
        } else {
            SHORT_IDLE
        };
        Self::with_idle(timeout, idle)
    }

    /// Clients that close a connection `idle` after its last use. A one-shot fan-out
    /// uses each device's connection for one command (and its login and logout): keeping
    /// it would hold a socket at every device, and about 50 KB here, until the run ends.
    pub fn with_idle(timeout: Duration, idle: Duration) -> Self {
        Clients {
            timeout,
            idle,
            map: Mutex::new(HashMap::new()),
        }
    }

    /// The client for `policy`, offering HTTP/2 and HTTP/1.1.
    pub fn get(&self, policy: &TlsPolicy) -> Result<Client, VendorError> {
        self.get_with(policy, Protocol::Negotiated)
    }

    /// The client for `policy` speaking `protocol`.
    pub fn get_with(&self, policy: &TlsPolicy, protocol: Protocol) -> Result<Client, VendorError> {
        let mut map = self
            .map
            .lock()
            .map_err(|_| VendorError::Config("HTTP client cache poisoned".into()))?;
        let key = (policy.clone(), protocol);
        if let Some(c) = map.get(&key) {
            return Ok(c.clone());
        }
        let client = build(policy, protocol, self.timeout, self.idle)?;
        map.insert(key, client.clone());
        Ok(client)
    }
}

fn build(
    policy: &TlsPolicy,
    protocol: Protocol,
    timeout: Duration,
    idle: Duration,
) -> Result<Client, VendorError> {
    let mut tls = tls_config(policy)?;
    let mut builder = Client::builder();
    if protocol == Protocol::Http1 {
        tls.alpn_protocols = vec![b"http/1.1".to_vec()];
        builder = builder.http1_only();
    }
    builder
        .use_preconfigured_tls(tls)
        .timeout(timeout)
        .connect_timeout(timeout.min(CONNECT_TIMEOUT))
        .pool_idle_timeout(idle)
        .user_agent(concat!("netdash/", env!("CARGO_PKG_VERSION")))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| VendorError::Config(format!("cannot build HTTP client: {}", e.without_url())))
}

/// The longest wait for a TCP + TLS connection, whatever the request timeout: a device
/// that does not accept within this is down, and saying so sooner helps.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

const MIB: u64 = 1 << 20;

/// The cap every [`send`] applies, bytes. Process-wide because one process runs one config,
/// and the drivers pass only a timeout to [`send`].
static MAX_RESPONSE: AtomicU64 = AtomicU64::new(DEFAULT_MAX_RESPONSE_MB * MIB);

/// Set the response cap from `[settings] max_response_mb` (done once at start-up).
pub fn set_max_response_mb(mb: u64) {
    MAX_RESPONSE.store(mb.max(1).saturating_mul(MIB), Ordering::Relaxed);
}

/// The response cap in bytes.
pub fn max_response_bytes() -> u64 {
    MAX_RESPONSE.load(Ordering::Relaxed)
}

/// A body being collected under a size cap: never holds more than `limit` bytes.
pub struct CappedBody {
    buf: Vec<u8>,
    limit: u64,
}

/// The body would pass the cap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OverCap;

impl CappedBody {
    /// An empty body; `expected` (a `Content-Length`) sizes the buffer once, up to the cap.
    pub fn new(limit: u64, expected: Option<u64>) -> Result<Self, OverCap> {
        if expected.is_some_and(|n| n > limit) {
            return Err(OverCap);
        }
        let want = expected.unwrap_or(0).min(limit);
        Ok(CappedBody {
            buf: Vec::with_capacity(usize::try_from(want).unwrap_or(0)),
            limit,
        })
    }

    /// Append a chunk, or refuse it (keeping nothing of it) if the total would pass the cap.
    pub fn push(&mut self, chunk: &[u8]) -> Result<(), OverCap> {
        if self.buf.len() as u64 + chunk.len() as u64 > self.limit {
            return Err(OverCap);
        }
        self.buf.extend_from_slice(chunk);
        Ok(())
    }

    pub fn len(&self) -> usize {
        self.buf.len()
    }

    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    pub fn into_inner(self) -> Vec<u8> {
        self.buf
    }
}

/// A complete response: status, headers and the whole body. `Debug` shows neither cookie
/// values nor the body: they can hold session secrets.
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

/// Headers whose values are credentials in one of the five APIs.
const SECRET_HEADERS: &[&str] = &[
    "set-cookie",
    "cookie",
    "authorization",
    "x-auth-token",
    "x-csrf-token",
    "x-xsrf-token",
];

impl std::fmt::Debug for Reply {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let headers: Vec<(String, &str)> = self
            .headers
            .iter()
            .map(|(k, v)| {
                let name = k.as_str().to_string();
                let value = if SECRET_HEADERS.contains(&name.as_str()) {
                    "<redacted>"
                } else {
                    v.to_str().unwrap_or("<binary>")
                };
                (name, value)
            })
            .collect();
        f.debug_struct("Reply")
            .field("status", &self.status)
            .field("headers", &headers)
            .field("body_len", &self.body.len())
            .finish()
    }
}

/// Send a request and read the whole body, up to the configured cap (see
/// [`set_max_response_mb`]). `what` names the peer in errors ("10.0.0.1:443").
pub async fn send(rb: RequestBuilder, what: &str, timeout: Duration) -> Result<Reply, VendorError> {
    send_capped(rb, what, timeout, max_response_bytes()).await
}

/// [`send`] with an explicit cap in bytes. A declared `Content-Length` over the cap is
/// refused before the body is read; otherwise the body is read chunk by chunk and dropped
/// (closing the connection) as soon as it passes the cap.
pub async fn send_capped(
    rb: RequestBuilder,
    what: &str,
    timeout: Duration,
    limit: u64,
) -> Result<Reply, VendorError> {
    let mut resp = rb.send().await.map_err(|e| classify(e, what, timeout))?;
    let too_large = || VendorError::TooLarge {
        what: what.to_string(),
        limit_mb: limit.div_ceil(MIB),
    };
    let status = resp.status();
    let headers = std::mem::take(resp.headers_mut());
    let expected = resp.content_length();
    let mut body = CappedBody::new(limit, expected).map_err(|_| too_large())?;
    loop {
        match resp.chunk().await {
            Ok(Some(chunk)) => body.push(&chunk).map_err(|_| too_large())?,
            Ok(None) => break,
            Err(e) if e.is_timeout() => {
                return Err(VendorError::Timeout(what.to_string(), timeout.as_secs()));
            }
            Err(_) => {
                return Err(VendorError::BadResponse(format!(
                    "{what} closed the connection before the response body was complete (truncated body)"
                )));
            }
        }
    }
    if let Some(n) = expected
        && (body.len() as u64) < n
    {
        return Err(VendorError::BadResponse(format!(
            "{what} sent {} of {n} bytes (truncated body)",
            body.len()
        )));
    }
    Ok(Reply {
        status,
        headers,
        body: body.into_inner(),
    })
}

/// Map a reqwest send error to a readable error without its URL.
pub fn classify(e: reqwest::Error, what: &str, timeout: Duration) -> VendorError {
    // The URL can carry UIDARUBA or OAuth secrets: drop it before anything is formatted.
    let e = e.without_url();
    if e.is_timeout() {
        // A connect timeout fires at the (shorter) connect limit: name that figure.
        let waited = if e.is_connect() {
            timeout.min(CONNECT_TIMEOUT)
        } else {
            timeout
        };
        return VendorError::Timeout(what.to_string(), waited.as_secs());
    }
    let chain = error_chain(&e);
    let lower = chain.to_ascii_lowercase();
    if let Some(problem) = tls_problem(&e) {
        return VendorError::Tls(TlsFailure {
            peer: what.to_string(),
            problem,
        });
    }
    // TLS failures that did not surface as a rustls error (a peer that speaks plain HTTP).
    if lower.contains("certificate") || lower.contains("handshake") || lower.contains("tls") {
        return VendorError::Tls(TlsFailure {
            peer: what.to_string(),
            problem: TlsProblem::Handshake(short_tls_reason(&chain)),
        });
    }
    if e.is_connect() {
        let reason = if lower.contains("refused") {
            "connection refused"
        } else if lower.contains("dns") || lower.contains("resolve") || lower.contains("lookup") {
            "name does not resolve"
        } else if lower.contains("unreachable") {
            "network unreachable"
        } else {
            "connection failed"
        };
        return VendorError::Connect(format!("{what} ({reason})"));
    }
    if e.is_body() || e.is_decode() {
        return VendorError::BadResponse(format!("{what} sent an unreadable response body"));
    }
    let deepest = chain.rsplit(": ").next().unwrap_or("unknown error");
    VendorError::BadResponse(format!("the exchange with {what} failed ({deepest})"))
}

fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        s.push_str(": ");
        s.push_str(&c.to_string());
        cur = c.source();
    }
    s
}

fn short_tls_reason(chain: &str) -> String {
    let l = chain.to_ascii_lowercase();
    if l.contains("unknownissuer") || l.contains("unknown issuer") {
        "certificate signed by an unknown CA".into()
    } else if l.contains("notvalidforname") || l.contains("not valid for name") {
        "certificate does not match the host name".into()
    } else if l.contains("expired") {
        "certificate expired".into()
    } else {
        "handshake failed".into()
    }
}

impl Reply {
    /// The body parsed as JSON, or an error that says what arrived instead.
    pub fn json(&self, what: &str) -> Result<Value, VendorError> {
        parse_json(&self.body, what)
    }

    /// The body as text (lossy), for messages: first line, at most 200 characters.
    pub fn snippet(&self) -> String {
        snippet(&self.body)
    }

    /// A response header as a string.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// Parse JSON with an error that tells HTML, empty and truncated bodies apart.
pub fn parse_json(body: &[u8], what: &str) -> Result<Value, VendorError> {
    let trimmed = body
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .map_or(&[][..], |i| &body[i..]);
    if trimmed.is_empty() {
        return Err(VendorError::BadResponse(format!(
            "{what} sent an empty body where JSON was expected"
        )));
    }
    if trimmed.first() == Some(&b'<') {
        return Err(VendorError::BadResponse(format!(
            "{what} sent HTML instead of JSON (a login page or proxy error?); check the host and port point at the API"
        )));
    }
    serde_json::from_slice(body).map_err(|e| {
        if e.is_eof() {
            VendorError::BadResponse(format!(
                "{what} sent truncated JSON (the body ends after {} bytes)",
                body.len()
            ))
        } else {
            VendorError::BadResponse(format!(
                "{what} sent invalid JSON at line {} column {}",
                e.line(),
                e.column()
            ))
        }
    })
}

/// First line of a body, at most 200 characters, for error messages.
pub fn snippet(body: &[u8]) -> String {
    let s = String::from_utf8_lossy(body);
    let line = s.trim().lines().next().unwrap_or("").trim();
    let mut out: String = line.chars().take(200).collect();
    if line.chars().count() > 200 {
        out.push('…');
    }
    out
}

/// The value of cookie `name` from the response's `Set-Cookie` headers.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.split(';').next())
        .filter_map(|kv| kv.split_once('='))
        .find(|(k, _)| k.trim() == name)
        .map(|(_, v)| v.trim().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::drivers::tls::Untrusted;

    #[test]
    fn json_errors_say_what_arrived() {
        let e = parse_json(b"<html><body>Login</body></html>", "sw1").expect_err("html");
        assert!(e.to_string().contains("HTML instead of JSON"), "{e}");
        let e = parse_json(br#"{"result": [1, 2"#, "sw1").expect_err("truncated");
        assert!(e.to_string().contains("truncated"), "{e}");
        let e = parse_json(b"  ", "sw1").expect_err("empty");
        assert!(e.to_string().contains("empty"), "{e}");
        assert!(parse_json(br#"{"a":1}"#, "sw1").is_ok());
    }

    #[test]
    fn reply_debug_hides_cookies_tokens_and_body() {
        let mut h = HeaderMap::new();
        h.append(
            reqwest::header::SET_COOKIE,
            "SESSION=s3cr3t-cookie; Path=/".parse().expect("header"),
        );
        h.append("x-auth-token", "tok-s3cr3t".parse().expect("header"));
        h.append("content-type", "application/json".parse().expect("header"));
        let r = Reply {
            status: StatusCode::OK,
            headers: h,
            body: br#"{"_global_result":{"UIDARUBA":"uid-s3cr3t"}}"#.to_vec(),
        };
        let d = format!("{r:?}");
        assert!(!d.contains("s3cr3t"), "{d}");
        assert!(
            d.contains("application/json") && d.contains("set-cookie"),
            "{d}"
        );
    }

    #[test]
    fn tls_errors_are_one_line_and_put_ca_cert_first() {
        let e = VendorError::Tls(TlsFailure {
            peer: "sw1 (10.0.0.1:443)".into(),
            problem: TlsProblem::UnknownCa(Some(Untrusted {
                issuer: "CN=Corp CA".into(),
                sha256: "AB:CD".into(),
            })),
        })
        .to_string();
        assert_eq!(
            e,
            "sw1 (10.0.0.1:443): TLS: certificate not trusted (issuer \"CN=Corp CA\", SHA-256 AB:CD): set ca_cert = \"/path/to/ca.pem\" (or add the CA to the system store); verify_tls = false only as a last resort"
        );
        let big = VendorError::TooLarge {
            what: "sw1".into(),
            limit_mb: 64,
        }
        .to_string();
        assert!(big.starts_with("response larger than 64 MiB"), "{big}");
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]

        /// Whatever the chunking, a capped body is the whole input when it fits and an
        /// error (never more than `limit` bytes held) when it does not.
        #[test]
        fn capped_body_holds_at_most_the_limit(
            chunks in proptest::collection::vec(proptest::collection::vec(proptest::num::u8::ANY, 0..300), 0..20),
            limit in 0u64..3000,
            declare in proptest::bool::ANY,
        ) {
            let total: usize = chunks.iter().map(Vec::len).sum();
            let expected = declare.then_some(total as u64);
            let mut result = CappedBody::new(limit, expected);
            if let Ok(body) = result.as_mut() {
                for c in &chunks {
                    if body.push(c).is_err() {
                        break;
                    }
                    proptest::prop_assert!(body.len() as u64 <= limit);
                }
            }
            let fits = total as u64 <= limit;
            match result {
                Ok(body) if fits => {
                    proptest::prop_assert_eq!(body.into_inner(), chunks.concat());
                }
                Ok(body) => {
                    // Too big and not declared: the push that passed the cap was refused.
                    proptest::prop_assert!(!declare);
                    proptest::prop_assert!((body.len() as u64) <= limit);
                    proptest::prop_assert!(body.len() < total);
                }
                Err(OverCap) => proptest::prop_assert!(declare && !fits),
            }
        }

        /// No cookie or token value reaches `Debug`, whatever it is.
        #[test]
        fn reply_debug_never_shows_secret_headers(value in "[A-Za-z0-9=+/_-]{8,40}") {
            let mut h = HeaderMap::new();
            for name in SECRET_HEADERS {
                h.append(*name, value.parse().expect("header value"));
            }
            let r = Reply { status: StatusCode::OK, headers: h, body: value.clone().into_bytes() };
            let d = format!("{r:?}");
            proptest::prop_assert!(!d.contains(&value), "{}", d);
        }
    }

    #[test]
    fn cookie_is_found() {
        let mut h = HeaderMap::new();
        h.append(
            reqwest::header::SET_COOKIE,
            "other=1; Path=/".parse().expect("header"),
        );
        h.append(
            reqwest::header::SET_COOKIE,
            "id=abc==; Path=/; HttpOnly".parse().expect("header"),
        );
        assert_eq!(cookie(&h, "id").as_deref(), Some("abc=="));
        assert_eq!(cookie(&h, "nope"), None);
    }
}
