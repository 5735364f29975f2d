//! The OAuth grant of the Central API guide ("Obtaining Token Using OAuth Grant
//! Mechanism"): step 1 login (csrftoken and session cookies), step 2 MSP client
//! credentials, step 3 auth code, step 4 code exchange and refresh at `/oauth2/token`.
//! Steps 1–3 allow one call per second per endpoint (the guide's rule); the token endpoint
//! keeps its own one call per second. Every map is bounded and expires old entries: the lab
//! may serve sign-ins for weeks.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::{CentralSim, GrantStep, Scope, evict_oldest};
use crate::lab::Lifetimes;
use crate::lab::util::{cookie, form, ident, token};

/// Login sessions and auth codes kept per account; past this the oldest go.
const GRANTS_KEPT: usize = 10_000;
/// Step 1–3 calls kept for [`CentralSim::grant_calls`].
const CALLS_KEPT: usize = 10_000;

/// A step-1 login: its session cookie is the map key.
struct Login {
    client_id: String,
    csrf: String,
    created: Instant,
}

/// A step-3 auth code: single use, for one client and scope.
struct Code {
    client_id: String,
    scope: Scope,
    issued: Instant,
}

struct GrantState {
    logins: HashMap<String, Login>,
    codes: HashMap<String, Code>,
    /// Last accepted call per step (index: [`step_index`]).
    last: [Option<Instant>; 3],
    calls: VecDeque<(GrantStep, Instant, u16)>,
}

/// One account's sign-in state and counters.
pub(super) struct Grants {
    state: Mutex<GrantState>,
    code_life: Duration,
    login_life: Duration,
    /// Step 1–3 calls to refuse with 429: other clients used the second.
    busy: AtomicU64,
    login_attempts: AtomicU64,
    failed_logins: AtomicU64,
    signins: AtomicU64,
    client_credentials_issued: AtomicU64,
}

fn step_index(step: GrantStep) -> usize {
    match step {
        GrantStep::Login => 0,
        GrantStep::ClientCredentials => 1,
        GrantStep::AuthCode => 2,
    }
}

impl Grants {
    pub(super) fn new(l: &Lifetimes) -> Self {
        Grants {
            state: Mutex::new(GrantState {
                logins: HashMap::new(),
                codes: HashMap::new(),
                last: [None; 3],
                calls: VecDeque::new(),
            }),
            code_life: l.central_auth_code,
            login_life: l.central_login,
            busy: AtomicU64::new(0),
            login_attempts: AtomicU64::new(0),
            failed_logins: AtomicU64::new(0),
            signins: AtomicU64::new(0),
            client_credentials_issued: AtomicU64::new(0),
        }
    }

    /// The 1 call/s rule of steps 1–3, per endpoint: a refused call does not move the window.
    fn admit(&self, step: GrantStep, now: Instant) -> bool {
        if self
            .busy
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1))
            .is_ok()
        {
            return false;
        }
        let Ok(mut g) = self.state.lock() else {
            return false;
        };
        let last = &mut g.last[step_index(step)];
        if last.is_some_and(|t| now.duration_since(t) < Duration::from_secs(1)) {
            return false;
        }
        *last = Some(now);
        true
    }

    fn log(&self, step: GrantStep, at: Instant, status: u16) {
        if let Ok(mut g) = self.state.lock() {
            if g.calls.len() >= CALLS_KEPT {
                g.calls.pop_front();
            }
            g.calls.push_back((step, at, status));
        }
    }

    fn add_login(&self, session: String, login: Login) {
        if let Ok(mut g) = self.state.lock() {
            let life = self.login_life;
            let now = login.created;
            g.logins.retain(|_, l| now.duration_since(l.created) < life);
            evict_oldest(&mut g.logins, GRANTS_KEPT, |l| l.created);
            g.logins.insert(session, login);
        }
    }

    /// True if the request carries the session cookie of a live login made with
    /// `client_id` and that login's CSRF token.
    fn session_ok(&self, headers: &HeaderMap, client_id: &str) -> bool {
        let Some(session) = cookie(headers, "session") else {
            return false;
        };
        // HeaderMap names are case-insensitive: pycentral sends X-CSRF-TOKEN.
        let Some(csrf) = headers.get("x-csrf-token").and_then(|v| v.to_str().ok()) else {
            return false;
        };
        let now = Instant::now();
        self.state.lock().is_ok_and(|g| {
            g.logins.get(&session).is_some_and(|l| {
                now.duration_since(l.created) < self.login_life
                    && l.client_id == client_id
                    && l.csrf == csrf
            })
        })
    }

    fn add_code(&self, code: String, c: Code) {
        if let Ok(mut g) = self.state.lock() {
            let life = self.code_life;
            let now = c.issued;
            g.codes.retain(|_, x| now.duration_since(x.issued) < life);
            evict_oldest(&mut g.codes, GRANTS_KEPT, |x| x.issued);
            g.codes.insert(code, c);
        }
    }

    /// Use up auth code `code` for `client_id`: its scope, or why not.
    fn take_code(&self, code: &str, client_id: &str) -> Result<Scope, &'static str> {
        let Ok(mut g) = self.state.lock() else {
            return Err("Invalid authorization code");
        };
        let now = Instant::now();
        let (owner_ok, live) = match g.codes.get(code) {
            None => return Err("Invalid authorization code"),
            Some(c) => (
                c.client_id == client_id,
                now.duration_since(c.issued) < self.code_life,
            ),
        };
        if !owner_ok {
            // Left in place: a stranger's guess must not burn the rightful client's code.
            return Err("Authorization code was issued to another client");
        }
        let c = g.codes.remove(code);
        match c {
            Some(c) if live => Ok(c.scope),
            _ => Err("Authorization code expired"),
        }
    }
}

impl CentralSim {
    /// Every step 1–3 call answered by this account (429s included), oldest first.
    pub fn grant_calls(&self) -> Vec<(GrantStep, Instant, u16)> {
        self.grants
            .state
            .lock()
            .map(|g| g.calls.iter().copied().collect())
            .unwrap_or_default()
    }

    /// Answer the next `n` step 1–3 calls with 429 (other clients used the second).
    pub fn grant_busy(&self, n: u64) {
        self.grants.busy.store(n, Ordering::Relaxed);
    }

    /// Step-1 calls that got past the rate limit, successful or not.
    pub fn login_attempts(&self) -> u64 {
        self.grants.login_attempts.load(Ordering::Relaxed)
    }

    /// Step-1 calls refused for wrong username or password (401).
    pub fn failed_logins(&self) -> u64 {
        self.grants.failed_logins.load(Ordering::Relaxed)
    }

    /// Successful auth-code exchanges (step 4).
    pub fn signins(&self) -> u64 {
        self.grants.signins.load(Ordering::Relaxed)
    }

    /// Client credentials handed out by step 2 (counted on the MSP).
    pub fn client_credentials_issued(&self) -> u64 {
        self.grants
            .client_credentials_issued
            .load(Ordering::Relaxed)
    }
}

fn rate_limited() -> Response {
    (
        StatusCode::TOO_MANY_REQUESTS,
        [(header::RETRY_AFTER, "1")],
        axum::Json(json!({"message": "API rate limit exceeded"})),
    )
        .into_response()
}

fn bad_request(message: &str) -> Response {
    (
        StatusCode::BAD_REQUEST,
        axum::Json(json!({"extra": {}, "message": message})),
    )
        .into_response()
}

fn auth_failure() -> Response {
    (
        StatusCode::UNAUTHORIZED,
        axum::Json(json!({"message": "Auth failure", "status": false})),
    )
        .into_response()
}

fn invalid_grant(why: &str) -> Response {
    (
        StatusCode::BAD_REQUEST,
        axum::Json(json!({"error": "invalid_grant", "error_description": why})),
    )
        .into_response()
}

/// The JSON object body of steps 1–3 (the guide sends `Content-Type: application/json`).
#[expect(
    clippy::result_large_err,
    reason = "the error is the HTTP answer itself"
)]
fn json_body(headers: &HeaderMap, body: &[u8]) -> Result<serde_json::Map<String, Value>, Response> {
    let json_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(';')
                .next()
                .is_some_and(|t| t.trim().eq_ignore_ascii_case("application/json"))
        });
    if !json_type {
        return Err(bad_request("Content-Type must be application/json"));
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(m)) => Ok(m),
        _ => Err(bad_request("Request body must be a JSON object")),
    }
}

/// Rate limit, run and log one step 1–3 call on `sim` (the account owning the client id).
fn grant_call(sim: &CentralSim, step: GrantStep, f: impl FnOnce() -> Response) -> Response {
    let now = Instant::now();
    let resp = if sim.grants.admit(step, now) {
        f()
    } else {
        rate_limited()
    };
    sim.grants.log(step, now, resp.status().as_u16());
    resp
}

/// Step 1: `POST /oauth2/authorize/central/api/login?client_id=..`, `{"username","password"}`.
pub(super) async fn login(
    State(front): State<Arc<CentralSim>>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let q = form(q.as_deref().unwrap_or(""));
    let owner = front.by_client(q.get("client_id"));
    // An unknown client is still rate-limited and logged: by the account on the port.
    let sim = owner.clone().unwrap_or_else(|| front.clone());
    grant_call(&sim, GrantStep::Login, || {
        sim.grants.login_attempts.fetch_add(1, Ordering::Relaxed);
        let (Some(owner), Some(client_id)) = (owner, q.get("client_id")) else {
            return bad_request("Invalid client_id");
        };
        let body = match json_body(&headers, &body) {
            Ok(b) => b,
            Err(r) => return r,
        };
        let (Some(user), Some(password)) = (
            body.get("username").and_then(Value::as_str),
            body.get("password").and_then(Value::as_str),
        ) else {
            return bad_request("username and password are required");
        };
        // A tenant's users are its MSP's (plus any a test gave the tenant itself).
        let known = owner.user_ok(user, password)
            || (!Arc::ptr_eq(&owner, &front) && front.user_ok(user, password));
        if !known {
            owner.grants.failed_logins.fetch_add(1, Ordering::Relaxed);
            return auth_failure();
        }
        let csrf = token(24);
        let session = token(32);
        owner.grants.add_login(
            session.clone(),
            Login {
                client_id: client_id.clone(),
                csrf: csrf.clone(),
                created: Instant::now(),
            },
        );
        let mut h = HeaderMap::new();
        for c in [
            format!("csrftoken={csrf}; Path=/; Secure"),
            format!("session={session}; Path=/; Secure; HttpOnly"),
        ] {
            if let Ok(v) = HeaderValue::from_str(&c) {
                h.append(header::SET_COOKIE, v);
            }
        }
        (h, axum::Json(json!({"status": true}))).into_response()
    })
}

/// Steps 2 and 3 start alike: the client is known, the call is within the step's 1/s, the
/// step-1 session cookie and its `X-CSRF-Token` belong to that client, the body is JSON.
/// `f` gets the client's account, its id and the body.
fn with_user_session(
    front: &Arc<CentralSim>,
    q: &HashMap<String, String>,
    headers: &HeaderMap,
    body: &Bytes,
    step: GrantStep,
    f: impl FnOnce(&Arc<CentralSim>, &String, serde_json::Map<String, Value>) -> Response,
) -> Response {
    let owner = front.by_client(q.get("client_id"));
    let sim = owner.clone().unwrap_or_else(|| front.clone());
    grant_call(&sim, step, || {
        let (Some(owner), Some(client_id)) = (owner, q.get("client_id")) else {
            return bad_request("Invalid client_id");
        };
        if !owner.grants.session_ok(headers, client_id) {
            return auth_failure();
        }
        match json_body(headers, body) {
            Ok(b) => f(&owner, client_id, b),
            Err(r) => r,
        }
    })
}

/// Step 2 (MSP): `POST /oauth2/authorize/central/api/client_credentials?client_id=<msp>`,
/// `{"customer_id": "<tenant>"}`: a new client for that tenant.
pub(super) async fn client_credentials(
    State(front): State<Arc<CentralSim>>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let q = form(q.as_deref().unwrap_or(""));
    with_user_session(
        &front,
        &q,
        &headers,
        &body,
        GrantStep::ClientCredentials,
        |owner, _, body| {
            let wanted = body.get("customer_id").and_then(Value::as_str);
            let Some(tenant) = owner
                .tenants
                .iter()
                .find(|t| Some(t.customer_id.as_str()) == wanted)
            else {
                return bad_request("Invalid customer_id: not a tenant of this MSP");
            };
            let id = format!("lab-{}", ident(9));
            // Not recorded as an issued secret: netdash may keep it, like the configured one.
            let secret = ident(24);
            tenant.add_client(id.clone(), secret.clone());
            owner
                .grants
                .client_credentials_issued
                .fetch_add(1, Ordering::Relaxed);
            axum::Json(json!({"client_id": id, "client_secret": secret})).into_response()
        },
    )
}

/// Step 3: `POST /oauth2/authorize/central/api?client_id=..&response_type=code&scope=..`,
/// `{"customer_id"}`, with the step-1 session cookie and `X-CSRF-Token`.
pub(super) async fn auth_code(
    State(front): State<Arc<CentralSim>>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let q = form(q.as_deref().unwrap_or(""));
    with_user_session(
        &front,
        &q,
        &headers,
        &body,
        GrantStep::AuthCode,
        |owner, client_id, body| {
            if q.get("response_type").map(String::as_str) != Some("code") {
                return bad_request("response_type must be code");
            }
            let Some(scope) = q.get("scope").and_then(|s| Scope::parse(s)) else {
                return bad_request("scope must be all or read");
            };
            if body.get("customer_id").and_then(Value::as_str) != Some(owner.customer_id.as_str()) {
                return bad_request("Invalid customer_id");
            }
            let code = token(24);
            owner.grants.add_code(
                code.clone(),
                Code {
                    client_id: client_id.clone(),
                    scope,
                    issued: Instant::now(),
                },
            );
            axum::Json(json!({"auth_code": code})).into_response()
        },
    )
}

/// Step 4 and refresh: `POST /oauth2/token`. pycentral sends the parameters in the query
/// string; a form body is accepted too.
pub(super) async fn token_endpoint(
    State(front): State<Arc<CentralSim>>,
    RawQuery(q): RawQuery,
    body: Bytes,
) -> Response {
    let mut p = form(q.as_deref().unwrap_or(""));
    p.extend(form(&String::from_utf8_lossy(&body)));
    let sim = front
        .by_client(p.get("client_id"))
        .unwrap_or_else(|| front.clone());
    let now = Instant::now();
    if let Ok(mut r) = sim.rate.lock() {
        if r.last_token_call
            .is_some_and(|t| now.duration_since(t) < Duration::from_secs(1))
        {
            return (
                StatusCode::TOO_MANY_REQUESTS,
                axum::Json(json!({"message": "API rate limit exceeded"})),
            )
                .into_response();
        }
        r.last_token_call = Some(now);
    }
    let client_id = match (p.get("client_id"), p.get("client_secret")) {
        (Some(id), Some(secret)) if sim.secret_of(id).as_ref() == Some(secret) => id.clone(),
        _ => {
            return (
                StatusCode::UNAUTHORIZED,
                axum::Json(json!({"error": "invalid_client", "error_description": "Invalid client credentials"})),
            )
                .into_response();
        }
    };
    let signed_in = p.get("grant_type").map(String::as_str) == Some("authorization_code");
    let scope = match p.get("grant_type").map(String::as_str) {
        Some("refresh_token") => {
            let Ok(mut t) = sim.tokens.lock() else {
                return StatusCode::INTERNAL_SERVER_ERROR.into_response();
            };
            let rt = p.get("refresh_token");
            // Bound to its client, as OAuth requires; rotation: the used one dies.
            let Some(scope) = rt
                .and_then(|rt| t.refresh.get(rt))
                .filter(|r| r.client_id == client_id)
                .map(|r| r.scope)
            else {
                return invalid_grant("Invalid refresh token");
            };
            if let Some(rt) = rt {
                t.refresh.remove(rt);
            }
            sim.refreshes.fetch_add(1, Ordering::Relaxed);
            scope
        }
        Some("authorization_code") => {
            let taken = match p.get("code") {
                Some(code) => sim.grants.take_code(code, &client_id),
                None => Err("code is required"),
            };
            match taken {
                Ok(scope) => {
                    sim.grants.signins.fetch_add(1, Ordering::Relaxed);
                    scope
                }
                Err(why) => return invalid_grant(why),
            }
        }
        _ => {
            return (
                StatusCode::BAD_REQUEST,
                axum::Json(json!({"error": "unsupported_grant_type", "error_description": "grant_type must be authorization_code or refresh_token"})),
            )
                .into_response();
        }
    };
    let Ok(mut t) = sim.tokens.lock() else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let (access, refresh) = t.issue(&client_id, scope, sim.access_life, signed_in);
    axum::Json(json!({
        "access_token": access, "refresh_token": refresh, "token_type": "bearer",
        "expires_in": match sim.reported_expires_in.load(Ordering::Relaxed) {
            0 => sim.access_life.as_secs(),
            n => n,
        },
    }))
    .into_response()
}
