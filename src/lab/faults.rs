//! A lab that misbehaves: per-device fault modes, set from tests (`Lab::set_fault`) or from
//! `netdash lab --faults SPEC`. Connection-level faults (refused, silent, trickle, wrong CA)
//! are applied by the accept loop in [`super::tls`]; HTTP-level ones by [`http_faults`], a
//! middleware in front of every simulator, so the simulators themselves stay honest.

use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use tokio::sync::watch;

use super::Sim;

/// One way a device can misbehave.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Fault {
    /// Nothing listens on the port: connections are refused.
    Refused,
    /// The connection is accepted and then nothing is ever sent (not even TLS).
    Silent,
    /// Every byte (TLS included) is written on its own, with a pause between them.
    Trickle,
    /// The connection is cut in the middle of a response body.
    Reset,
    /// A complete HTTP response whose JSON body is cut in half.
    Truncated,
    /// An HTML error page with status 200 (a proxy or captive portal in the way).
    Html200,
    /// 500 Internal Server Error.
    Error500,
    /// 503 Service Unavailable.
    Unavailable503,
    /// 429 storm with `Retry-After: 1`.
    Throttled,
    /// 429 storm without `Retry-After`.
    ThrottledBare,
    /// Every session is revoked on the device before each request (AOS-CX
    /// `https-server session close all`, ASA token deleted, ArubaOS idle expiry).
    SessionRevoked,
    /// The CSRF token is rejected (AOS-CX).
    CsrfRejected,
    /// Central tokens are revoked: refreshes are refused (`invalid_grant`) and every access
    /// token a sign-in did not issue dies.
    RefreshRevoked,
    /// The TLS certificate comes from a CA the client does not trust.
    WrongCa,
    /// A 200 whose JSON body never ends.
    Endless,
    /// eAPI answers with a JSON-RPC `id` that is not the request's.
    WrongId,
}

impl Fault {
    /// Every fault, in the order `cycle` uses.
    pub const ALL: [Fault; 16] = [
        Fault::Refused,
        Fault::Html200,
        Fault::Silent,
        Fault::Error500,
        Fault::Trickle,
        Fault::Unavailable503,
        Fault::Reset,
        Fault::Throttled,
        Fault::Truncated,
        Fault::ThrottledBare,
        Fault::SessionRevoked,
        Fault::WrongCa,
        Fault::CsrfRejected,
        Fault::Endless,
        Fault::RefreshRevoked,
        Fault::WrongId,
    ];

    /// The name used in `--faults`.
    pub fn name(self) -> &'static str {
        match self {
            Fault::Refused => "refused",
            Fault::Silent => "silent",
            Fault::Trickle => "trickle",
            Fault::Reset => "reset",
            Fault::Truncated => "truncated",
            Fault::Html200 => "html200",
            Fault::Error500 => "500",
            Fault::Unavailable503 => "503",
            Fault::Throttled => "429",
            Fault::ThrottledBare => "429-bare",
            Fault::SessionRevoked => "revoked",
            Fault::CsrfRejected => "csrf",
            Fault::RefreshRevoked => "refresh-revoked",
            Fault::WrongCa => "wrong-ca",
            Fault::Endless => "endless",
            Fault::WrongId => "wrong-id",
        }
    }

    pub fn from_name(s: &str) -> Option<Fault> {
        Fault::ALL.into_iter().find(|f| f.name() == s)
    }

    /// Whether the fault means anything for a simulator of `kind` (eos, asa, ...).
    pub fn applies_to(self, kind: &str) -> bool {
        match self {
            Fault::CsrfRejected => kind == "aoscx",
            Fault::RefreshRevoked => kind == "central",
            Fault::WrongId => kind == "eos",
            _ => true,
        }
    }

    /// Applied to connections rather than to requests: a change closes open connections,
    /// so a pooled keep-alive connection cannot dodge it.
    pub fn connection_level(self) -> bool {
        matches!(
            self,
            Fault::Refused | Fault::Silent | Fault::Trickle | Fault::WrongCa
        )
    }
}

impl std::fmt::Display for Fault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// The fault switch of one simulated device; cheap to clone, shared with its server.
#[derive(Clone)]
pub struct Faults(Arc<watch::Sender<Option<Fault>>>);

impl Default for Faults {
    fn default() -> Self {
        Faults(Arc::new(watch::Sender::new(None)))
    }
}

impl Faults {
    /// Start misbehaving (`Some`) or behave again (`None`).
    pub fn set(&self, f: Option<Fault>) {
        self.0.send_replace(f);
    }

    pub fn get(&self) -> Option<Fault> {
        *self.0.borrow()
    }

    /// Changes from now on (the server loop waits on these).
    pub fn subscribe(&self) -> watch::Receiver<Option<Fault>> {
        self.0.subscribe()
    }
}

/// What `--faults SPEC` asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FaultPlan {
    /// Fixed faults on named devices.
    Fixed(Vec<(String, Fault)>),
    /// Rotate every fault across the devices, one step every period.
    Cycle(Duration),
}

/// Why a `--faults` SPEC was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SpecError {
    #[error(
        "--faults: '{0}' is not DEVICE=FAULT; e.g. lab-eos-01=html200,lab-asa-01=reset or cycle"
    )]
    Shape(String),
    #[error("--faults: unknown fault '{0}'; one of: {1}")]
    UnknownFault(String, String),
    #[error("--faults: '{0}' is not a number of seconds; e.g. cycle:10")]
    Period(String),
}

impl FaultPlan {
    /// `cycle`, `cycle:SECS`, or `DEVICE=FAULT[,DEVICE=FAULT...]`.
    pub fn parse(spec: &str) -> Result<FaultPlan, SpecError> {
        let spec = spec.trim();
        if spec == "cycle" {
            return Ok(FaultPlan::Cycle(Duration::from_secs(10)));
        }
        if let Some(secs) = spec.strip_prefix("cycle:") {
            let n: u64 = secs
                .trim()
                .parse()
                .ok()
                .filter(|n| *n > 0)
                .ok_or_else(|| SpecError::Period(secs.to_string()))?;
            return Ok(FaultPlan::Cycle(Duration::from_secs(n)));
        }
        let mut out = Vec::new();
        for part in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (dev, fault) = part
                .split_once('=')
                .filter(|(d, _)| !d.trim().is_empty())
                .ok_or_else(|| SpecError::Shape(part.to_string()))?;
            let f = Fault::from_name(fault.trim())
                .ok_or_else(|| SpecError::UnknownFault(fault.trim().to_string(), fault_names()))?;
            out.push((dev.trim().to_string(), f));
        }
        if out.is_empty() {
            return Err(SpecError::Shape(spec.to_string()));
        }
        Ok(FaultPlan::Fixed(out))
    }
}

/// Every fault name, comma-separated (for help and errors).
pub fn fault_names() -> String {
    Fault::ALL.map(Fault::name).join(", ")
}

/// The fault a device at position `index` (of kind `kind`) has at cycle step `step`: faults
/// alternate with healthy steps, so each device shows it recovers by itself between them.
pub fn cycle_fault(kind: &str, index: usize, step: usize) -> Option<Fault> {
    let s = step + index;
    if s % 2 == 1 {
        return None;
    }
    let mine: Vec<Fault> = Fault::ALL
        .into_iter()
        .filter(|f| f.applies_to(kind))
        .collect();
    mine.get((s / 2 + index) % mine.len().max(1)).copied()
}

/// True for the requests that create a session (a revoked session must not block them).
fn is_login(kind: &str, method: &Method, path: &str) -> bool {
    match kind {
        "eos" => path == "/login",
        "asa" => method == Method::POST && path == "/api/tokenservices",
        "aoscx" => path.ends_with("/login"),
        "arubaos" => path == "/v1/api/login",
        "central" => path.starts_with("/oauth2/"),
        _ => false,
    }
}

/// Bytes per chunk and pause of the endless body: slow enough not to eat the test's memory
/// before the client's timeout, fast enough that an uncapped client notices.
const ENDLESS_CHUNK: usize = 16 * 1024;
const ENDLESS_PAUSE: Duration = Duration::from_millis(10);

/// The largest body the HTTP-level faults read back from a simulator to rewrite it.
const REWRITE_LIMIT: usize = 16 * 1024 * 1024;

/// Middleware applying the HTTP-level fault (if any) to one request.
pub async fn http_faults(
    State((faults, sim)): State<(Faults, Sim)>,
    req: Request,
    next: Next,
) -> Response {
    let Some(fault) = faults.get() else {
        return next.run(req).await;
    };
    let kind = sim.kind();
    let login = is_login(kind, req.method(), req.uri().path());
    match fault {
        Fault::Html200 => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "text/html")],
            "<!DOCTYPE html>\n<html><head><title>Gateway error</title></head><body><h1>The upstream server is not responding</h1></body></html>\n",
        )
            .into_response(),
        Fault::Error500 => (StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error").into_response(),
        Fault::Unavailable503 => (StatusCode::SERVICE_UNAVAILABLE, "Service Unavailable").into_response(),
        Fault::Throttled => (
            StatusCode::TOO_MANY_REQUESTS,
            [(header::RETRY_AFTER, "1")],
            axum::Json(json!({"message": "API rate limit exceeded"})),
        )
            .into_response(),
        Fault::ThrottledBare => (
            StatusCode::TOO_MANY_REQUESTS,
            axum::Json(json!({"message": "API rate limit exceeded"})),
        )
            .into_response(),
        Fault::SessionRevoked => {
            if !login {
                sim.expire_sessions();
            }
            next.run(req).await
        }
        // Tokens revoked in the web UI: refreshes are refused, and every token but one a
        // sign-in issued dies, so a client with a username and password recovers.
        Fault::RefreshRevoked if kind == "central" => {
            let refresh = req
                .uri()
                .query()
                .is_some_and(|q| q.split('&').any(|kv| kv == "grant_type=refresh_token"));
            if login && refresh {
                return (
                    StatusCode::BAD_REQUEST,
                    axum::Json(json!({"error": "invalid_grant", "error_description": "Refresh token revoked"})),
                )
                    .into_response();
            }
            if !login && let Sim::Central(c) = &sim {
                c.revoke_all_but_signed_in();
            }
            next.run(req).await
        }
        Fault::CsrfRejected if !login && req.headers().contains_key("x-csrf-token") => {
            (StatusCode::UNAUTHORIZED, "CSRF token missing or invalid").into_response()
        }
        Fault::Truncated => {
            let resp = next.run(req).await;
            rewrite(resp, |b| {
                let cut = b.len() / 2;
                b.slice(..cut)
            })
            .await
        }
        Fault::WrongId if kind == "eos" => {
            let resp = next.run(req).await;
            rewrite(resp, |b| match serde_json::from_slice::<Value>(&b) {
                Ok(mut v) if v.get("id").is_some() => {
                    v["id"] = json!("not-your-request");
                    Bytes::from(v.to_string())
                }
                _ => b,
            })
            .await
        }
        Fault::Reset => {
            let resp = next.run(req).await;
            reset_mid_body(resp).await
        }
        Fault::Endless => endless(),
        // Connection-level faults are the accept loop's; the rest do not apply to `kind`.
        _ => next.run(req).await,
    }
}

/// The response with its body replaced by `f(body)` (framing recomputed).
async fn rewrite(resp: Response, f: impl FnOnce(Bytes) -> Bytes) -> Response {
    let (mut parts, body) = resp.into_parts();
    let Ok(b) = axum::body::to_bytes(body, REWRITE_LIMIT).await else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let b = f(b);
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(b))
}

/// The response announced in full (Content-Length) but cut after half: the server drops the
/// connection mid-body.
async fn reset_mid_body(resp: Response) -> Response {
    let (mut parts, body) = resp.into_parts();
    let Ok(b) = axum::body::to_bytes(body, REWRITE_LIMIT).await else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    // An empty body has no middle: make one so there is something to cut.
    let b = if b.len() < 2 {
        Bytes::from_static(b"{\"padding\": \"0123456789\"}")
    } else {
        b
    };
    if let Ok(v) = HeaderValue::from_str(&b.len().to_string()) {
        parts.headers.insert(header::CONTENT_LENGTH, v);
    }
    let half = b.slice(..b.len() / 2);
    let chunks: Vec<Result<Bytes, std::io::Error>> = vec![
        Ok(half),
        Err(std::io::Error::new(
            std::io::ErrorKind::ConnectionReset,
            "lab fault: reset mid-body",
        )),
    ];
    Response::from_parts(parts, Body::from_stream(futures::stream::iter(chunks)))
}

/// A 200 JSON answer that never ends.
fn endless() -> Response {
    use futures::StreamExt as _;
    let head = futures::stream::once(async {
        Ok::<_, std::io::Error>(Bytes::from_static(b"{\"result\": ["))
    });
    let item = Bytes::from("{\"filler\": \"0123456789abcdef\"},".repeat(ENDLESS_CHUNK / 32));
    let tail = futures::stream::unfold(item, |item| async move {
        tokio::time::sleep(ENDLESS_PAUSE).await;
        Some((Ok::<_, std::io::Error>(item.clone()), item))
    });
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json")],
        Body::from_stream(head.chain(tail)),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_parses_and_explains_mistakes() {
        assert_eq!(
            FaultPlan::parse("lab-eos-01=html200, lab-asa-01=reset"),
            Ok(FaultPlan::Fixed(vec![
                ("lab-eos-01".into(), Fault::Html200),
                ("lab-asa-01".into(), Fault::Reset)
            ]))
        );
        assert_eq!(
            FaultPlan::parse("cycle"),
            Ok(FaultPlan::Cycle(Duration::from_secs(10)))
        );
        assert_eq!(
            FaultPlan::parse("cycle:3"),
            Ok(FaultPlan::Cycle(Duration::from_secs(3)))
        );
        assert!(matches!(
            FaultPlan::parse("cycle:0"),
            Err(SpecError::Period(_))
        ));
        assert!(matches!(
            FaultPlan::parse("lab-eos-01=bogus"),
            Err(SpecError::UnknownFault(..))
        ));
        assert!(matches!(
            FaultPlan::parse("html200"),
            Err(SpecError::Shape(_))
        ));
        assert!(matches!(FaultPlan::parse(""), Err(SpecError::Shape(_))));
        for f in Fault::ALL {
            assert_eq!(Fault::from_name(f.name()), Some(f));
        }
    }

    #[test]
    fn cycle_visits_every_applicable_fault_and_rests_between() {
        for kind in ["eos", "asa", "aoscx", "arubaos", "central"] {
            for index in 0..3 {
                let seen: std::collections::HashSet<Fault> = (0..64)
                    .filter_map(|s| cycle_fault(kind, index, s))
                    .collect();
                let want: std::collections::HashSet<Fault> = Fault::ALL
                    .into_iter()
                    .filter(|f| f.applies_to(kind))
                    .collect();
                assert_eq!(seen, want, "{kind} #{index}");
                assert!((0..64).any(|s| cycle_fault(kind, index, s).is_none()));
            }
        }
    }
}
