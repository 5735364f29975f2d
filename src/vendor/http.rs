//! The HTTP layer every driver uses: one reqwest client per TLS policy, sending with clear
//! error mapping (connect, TLS, timeout, truncated body), JSON parsing that says what the
//! device sent instead (HTML, a cut-off body), and cookie extraction.
//! Error text never carries URLs: they can hold UIDARUBA or OAuth secrets.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Duration;

use reqwest::header::HeaderMap;
use reqwest::{Client, RequestBuilder, StatusCode};
use serde_json::Value;

use super::VendorError;

/// How a device's certificate is checked and whether we present one.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TlsPolicy {
    pub verify: bool,
    pub ca_cert: Option<PathBuf>,
    /// eAPI client certificate and key (PEM files).
    pub identity: Option<(PathBuf, PathBuf)>,
}

/// One client per TLS policy, built on first use and shared (connection pools included).
pub struct Clients {
    timeout: Duration,
    map: Mutex<HashMap<TlsPolicy, Client>>,
}

impl Clients {
    pub fn new(timeout: Duration) -> Self {
        Clients {
            timeout,
            map: Mutex::new(HashMap::new()),
        }
    }

    /// The client for `policy`.
    pub fn get(&self, policy: &TlsPolicy) -> Result<Client, VendorError> {
        let mut map = self
            .map
            .lock()
            .map_err(|_| VendorError::Config("HTTP client cache poisoned".into()))?;
        if let Some(c) = map.get(policy) {
            return Ok(c.clone());
        }
        let client = build(policy, self.timeout)?;
        map.insert(policy.clone(), client.clone());
        Ok(client)
    }
}

fn build(policy: &TlsPolicy, timeout: Duration) -> Result<Client, VendorError> {
    crate::init_crypto();
    let mut b = Client::builder()
        .use_rustls_tls()
        .timeout(timeout)
        .connect_timeout(timeout.min(Duration::from_secs(10)))
        .pool_idle_timeout(Duration::from_secs(50))
        .user_agent(concat!("netdash/", env!("CARGO_PKG_VERSION")))
        .redirect(reqwest::redirect::Policy::none());
    if !policy.verify {
        b = b.danger_accept_invalid_certs(true);
    }
    if let Some(ca) = &policy.ca_cert {
        let pem = std::fs::read(ca).map_err(|e| {
            VendorError::Config(format!("cannot read ca_cert {}: {e}", ca.display()))
        })?;
        let certs = reqwest::Certificate::from_pem_bundle(&pem).map_err(|_| {
            VendorError::Config(format!("ca_cert {} is not a PEM certificate", ca.display()))
        })?;
        if certs.is_empty() {
            return Err(VendorError::Config(format!(
                "ca_cert {} holds no certificate",
                ca.display()
            )));
        }
        for c in certs {
            b = b.add_root_certificate(c);
        }
    }
    if let Some((cert, key)) = &policy.identity {
        let mut pem = std::fs::read(cert).map_err(|e| {
            VendorError::Config(format!("cannot read client_cert {}: {e}", cert.display()))
        })?;
        pem.push(b'\n');
        pem.extend(std::fs::read(key).map_err(|e| {
            VendorError::Config(format!("cannot read client_key {}: {e}", key.display()))
        })?);
        let id = reqwest::Identity::from_pem(&pem).map_err(|_| {
            VendorError::Config(format!(
                "client_cert/client_key {} is not a PEM certificate and key",
                cert.display()
            ))
        })?;
        b = b.identity(id);
    }
    b.build()
        .map_err(|e| VendorError::Config(format!("cannot build HTTP client: {}", e.without_url())))
}

/// A complete response: status, headers and the whole body.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

/// Send a request and read the whole body. `what` names the peer in errors ("10.0.0.1:443").
pub async fn send(rb: RequestBuilder, what: &str, timeout: Duration) -> Result<Reply, VendorError> {
    let resp = rb.send().await.map_err(|e| classify(e, what, timeout))?;
    let status = resp.status();
    let headers = resp.headers().clone();
    let expected = resp.content_length();
    let body = resp.bytes().await.map_err(|e| {
        if e.is_timeout() {
            VendorError::Timeout(what.to_string(), timeout.as_secs())
        } else {
            VendorError::BadResponse(format!(
                "{what} closed the connection before the response body was complete (truncated body)"
            ))
        }
    })?;
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
        body: body.to_vec(),
    })
}

/// Map a reqwest send error to a readable error without its URL.
pub fn classify(e: reqwest::Error, what: &str, timeout: Duration) -> VendorError {
    // The URL can carry UIDARUBA or OAuth secrets: drop it before anything is formatted.
    let e = e.without_url();
    if e.is_timeout() {
        return VendorError::Timeout(what.to_string(), timeout.as_secs());
    }
    let chain = error_chain(&e);
    let lower = chain.to_ascii_lowercase();
    if lower.contains("certificate")
        || lower.contains("unknownissuer")
        || lower.contains("handshake")
        || lower.contains("tls")
    {
        return VendorError::Tls(format!("{what} ({})", short_tls_reason(&chain)));
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
        .map(|i| &body[i..])
        .unwrap_or(&[]);
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
