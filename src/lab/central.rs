//! Simulated Aruba Central API gateway: OAuth2 refresh with rotating refresh tokens,
//! bearer checks (`invalid_token` on 401, as pycentral expects), 7 calls per second in any
//! one-second window and a daily quota, with `X-RateLimit-*` headers on every answer and
//! Kong's 429 body. Public projects hold no recorded Central responses, so sites and APs
//! are synthetic, shaped after the API guide's `/monitoring/v1/aps` and `/central/v2/sites`
//! examples and the AP fields other clients read.
//!
//! Sign-in follows the guide's "OAuth Grant Mechanism" (see [`oauth`]): login, optional
//! MSP client credentials, auth code, code exchange; tokens carry a scope (`all`/`read`).
//! An MSP gateway serves its tenants on the same port (see [`msp`]): each request goes to
//! the account that owns its bearer token or `client_id`.

mod msp;
mod oauth;
#[cfg(test)]
mod tests;

use std::collections::{HashMap, VecDeque};
use std::hash::Hash;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, post};
use serde_json::{Value, json};

use super::LabOptions;
use super::util::{form, token};

/// The Central user every lab account accepts (password: `lab::password("central")`).
pub const CENTRAL_USER: &str = "netops@lab.example";

/// Calls kept for tests that check the rate (bounded: the lab may run for days).
const ARRIVALS_KEPT: usize = 100_000;
/// Live tokens kept per account; past this the oldest go (a soak signing in every second
/// would otherwise grow the maps without end).
const TOKENS_KEPT: usize = 10_000;
/// Client ids a tenant accepts; step 2 adds one per call.
const CLIENTS_KEPT: usize = 1_000;

/// What a token may do: the `scope` of step 3 (`all` = read and write, `read` = GET only).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    All,
    Read,
}

impl Scope {
    fn parse(s: &str) -> Option<Scope> {
        match s {
            "all" => Some(Scope::All),
            "read" => Some(Scope::Read),
            _ => None,
        }
    }
}

/// The rate-limited steps of the OAuth grant (1 call per second each).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GrantStep {
    /// Step 1: `/oauth2/authorize/central/api/login`.
    Login,
    /// Step 2 (MSP): `/oauth2/authorize/central/api/client_credentials`.
    ClientCredentials,
    /// Step 3: `/oauth2/authorize/central/api`.
    AuthCode,
}

struct Access {
    expires: Instant,
    scope: Scope,
    /// Issued for an auth code (a sign-in), not a refresh: the `refresh-revoked` fault
    /// spares it, so a client that signs in recovers.
    signed_in: bool,
}

/// A refresh token is bound to the client it was issued to, as OAuth requires.
struct Refresh {
    client_id: String,
    scope: Scope,
    issued: Instant,
}

struct Tokens {
    access: HashMap<String, Access>,
    refresh: HashMap<String, Refresh>,
}

impl Tokens {
    /// A new access/refresh pair for `client_id` with `scope`.
    fn issue(
        &mut self,
        client_id: &str,
        scope: Scope,
        life: Duration,
        signed_in: bool,
    ) -> (String, String) {
        let now = Instant::now();
        let access = super::util::oauth_token(24);
        let refresh = super::util::oauth_token(24);
        self.access.retain(|_, a| a.expires > now);
        evict_oldest(&mut self.access, TOKENS_KEPT, |a| a.expires);
        evict_oldest(&mut self.refresh, TOKENS_KEPT, |r| r.issued);
        self.access.insert(
            access.clone(),
            Access {
                expires: now + life,
                scope,
                signed_in,
            },
        );
        self.refresh.insert(
            refresh.clone(),
            Refresh {
                client_id: client_id.to_string(),
                scope,
                issued: now,
            },
        );
        (access, refresh)
    }
}

/// Make room for one more entry: drop the oldest (by `age`) while `map` holds `cap` or more.
/// A linear scan, but only when full.
fn evict_oldest<K: Clone + Eq + Hash, V>(
    map: &mut HashMap<K, V>,
    cap: usize,
    age: impl Fn(&V) -> Instant,
) {
    while map.len() >= cap.max(1) {
        let Some(k) = map
            .iter()
            .min_by_key(|(_, v)| age(v))
            .map(|(k, _)| k.clone())
        else {
            return;
        };
        map.remove(&k);
    }
}

struct Rate {
    /// Accepted calls in the last second (the limiter's window).
    window: VecDeque<Instant>,
    day: u64,
    last_token_call: Option<Instant>,
}

/// One simulated Central account (customer); an MSP account also holds its tenants.
pub struct CentralSim {
    /// The primary client (the one written to the lab config).
    pub client_id: String,
    pub client_secret: String,
    pub customer_id: String,
    /// "MSP" for an MSP, "Tenant-NN" for its tenants, the device name otherwise.
    pub customer_name: String,
    pub seed_access_token: String,
    pub seed_refresh_token: String,
    access_life: Duration,
    per_second: usize,
    daily: AtomicU64,
    tokens: Mutex<Tokens>,
    rate: Mutex<Rate>,
    arrivals: Mutex<VecDeque<Instant>>,
    throttled: AtomicU64,
    /// Calls to refuse with 429 regardless of our own count: other clients of the same
    /// customer spending the shared 7/s (tests make a storm with it).
    busy: AtomicU64,
    unauthorized: AtomicU64,
    refreshes: AtomicU64,
    writes_refused: AtomicU64,
    /// `expires_in` to report instead of the real lifetime (0: the truth); tests: a
    /// gateway answering nonsense.
    reported_expires_in: AtomicU64,
    /// Accepted API clients, `(client_id, client_secret)`, the primary first.
    clients: Mutex<Vec<(String, String)>>,
    /// username → password. A tenant's list starts empty: the MSP's users sign in to it.
    users: Mutex<HashMap<String, String>>,
    grants: oauth::Grants,
    /// An MSP's tenants, served on the MSP's port (empty for everyone else).
    tenants: Vec<Arc<CentralSim>>,
    sites: Vec<Value>,
    aps: Vec<Value>,
}

impl CentralSim {
    /// A standalone account with the lab user.
    pub fn new(name: &str, opts: &LabOptions) -> Arc<Self> {
        Arc::new(Self::build(name, opts, 0, true, Vec::new()))
    }

    /// Standalone account number `n` (2 and up): its own sites, AP names, IPs, MACs and
    /// serials, and the smaller limits of [`super::OtherCentral`].
    pub fn new_other(name: &str, opts: &LabOptions, n: usize) -> Arc<Self> {
        let mut o = opts.clone();
        o.limits.central_per_second = opts.other_central.per_second;
        o.limits.central_daily = opts.other_central.daily;
        o.central_sites = opts.other_central.sites;
        o.central_aps = opts.other_central.aps;
        // Variants 100 and up: clear of the tenants' (1, 2, ...).
        Arc::new(Self::build(name, &o, 100 + n, true, Vec::new()))
    }

    /// The gateway's per-second limit for this account.
    pub fn per_second(&self) -> usize {
        self.per_second
    }

    /// An MSP account holding `tenants` tenant accounts ("Tenant-01"...), each with its own
    /// customer id, client, sites, APs, tokens, rate window and quota.
    pub fn new_msp(opts: &LabOptions, tenants: usize) -> Arc<Self> {
        let list = (1..=tenants)
            .map(|i| {
                Arc::new(Self::build(
                    &format!("Tenant-{i:02}"),
                    opts,
                    i,
                    false,
                    Vec::new(),
                ))
            })
            .collect();
        Arc::new(Self::build("MSP", opts, 0, true, list))
    }

    /// `variant` shifts the synthetic data so tenants do not look alike.
    fn build(
        customer_name: &str,
        opts: &LabOptions,
        variant: usize,
        with_user: bool,
        tenants: Vec<Arc<CentralSim>>,
    ) -> Self {
        let client_id = format!("lab-{}", super::util::ident(9));
        let mut t = Tokens {
            access: HashMap::new(),
            refresh: HashMap::new(),
        };
        // The seeded pair is what an admin downloads from the web UI: scope all.
        let (access, refresh) =
            t.issue(&client_id, Scope::All, opts.lifetimes.central_access, false);
        let cities = [
            "Roseville",
            "Austin",
            "Dublin",
            "Bangalore",
            "Singapore",
            "Sydney",
            "Toronto",
            "Berlin",
        ];
        let sites: Vec<Value> = (0..opts.central_sites)
            .map(|i| {
                let city = cities[(i + variant) % cities.len()];
                // Accounts 2 and up are branch offices: "Branch-Sydney-01".
                let site_name = if variant >= 100 {
                    format!("Branch-{city}-{:02}", i + 1)
                } else {
                    format!("{city}-{:02}", i + 1)
                };
                json!({
                    "site_id": i + 1, "site_name": site_name, "address": format!("{} Main St", 100 + i),
                    "city": city, "country": "US", "state": "", "zipcode": "", "latitude": "", "longitude": "",
                    "associated_device_count": 0, "tags": null,
                })
            })
            .collect();
        let n_sites = sites.len().max(1);
        let aps: Vec<Value> = (0..opts.central_aps)
            .map(|i| {
                let site = sites.get(i % n_sites).and_then(|s| s.get("site_name")).cloned().unwrap_or(json!(""));
                // A few APs are down, more at some sites than others.
                let up = !(i % 17 == 3 || (i % n_sites == 1 && i % 5 == 0));
                let mac = format!("20:4c:{:02x}:{:02x}:{:02x}:{:02x}", 3 + (variant & 255), (i >> 16) & 255, (i >> 8) & 255, i & 255);
                // Accounts 2 and up: names, serials and addresses of their own.
                let (name, serial, net) = if variant >= 100 {
                    (format!("br{:02}-ap-{i:04}", variant - 100), format!("CNG{:02}{i:05}", variant % 100), 150 + (variant - 100) % 50)
                } else {
                    (format!("ap-{i:04}"), format!("CNF{:02}{i:05}", variant % 100), 20)
                };
                json!({
                    "name": name, "serial": serial, "macaddr": mac,
                    "model": if i % 3 == 0 { "AP-535" } else { "AP-515" }, "ip_address": format!("10.{}.{}.{}", net + i % n_sites, (i / 250) % 250, 10 + i % 240),
                    "status": if up { "Up" } else { "Down" }, "site": site, "group_name": "campus", "firmware_version": "10.4.1.0_87250",
                    "client_count": if up { (i * 7) % 40 } else { 0 }, "swarm_master": false, "ap_deployment_mode": "IAP",
                    "down_reason": if up { Value::Null } else { json!("Heartbeat lost") }, "labels": [],
                    "radios": [{"band": 0, "index": 1, "macaddr": mac, "status": if up { "Up" } else { "Down" }}, {"band": 1, "index": 0, "macaddr": mac, "status": if up { "Up" } else { "Down" }}],
                })
            })
            .collect();
        let client_secret = token(24);
        let mut users = HashMap::new();
        if with_user {
            users.insert(CENTRAL_USER.to_string(), super::password("central"));
        }
        CentralSim {
            clients: Mutex::new(vec![(client_id.clone(), client_secret.clone())]),
            client_id,
            client_secret,
            customer_id: super::util::ident(12),
            customer_name: customer_name.to_string(),
            seed_access_token: access,
            seed_refresh_token: refresh,
            access_life: opts.lifetimes.central_access,
            per_second: opts.limits.central_per_second,
            daily: AtomicU64::new(opts.limits.central_daily),
            tokens: Mutex::new(t),
            rate: Mutex::new(Rate {
                window: VecDeque::new(),
                day: 0,
                last_token_call: None,
            }),
            arrivals: Mutex::new(VecDeque::new()),
            throttled: AtomicU64::new(0),
            busy: AtomicU64::new(0),
            unauthorized: AtomicU64::new(0),
            refreshes: AtomicU64::new(0),
            writes_refused: AtomicU64::new(0),
            reported_expires_in: AtomicU64::new(0),
            users: Mutex::new(users),
            grants: oauth::Grants::new(&opts.lifetimes),
            tenants,
            sites,
            aps,
        }
    }

    pub fn router(self: Arc<Self>) -> Router {
        Router::new()
            .route("/oauth2/token", post(oauth::token_endpoint))
            .route("/oauth2/authorize/central/api/login", post(oauth::login))
            .route("/oauth2/authorize/central/api", post(oauth::auth_code))
            .route("/oauth2/authorize/central/api/", post(oauth::auth_code))
            .route(
                "/oauth2/authorize/central/api/client_credentials",
                post(oauth::client_credentials),
            )
            .route("/msp_api/v1/customers", any(msp::customers))
            .route("/central/v2/sites", any(sites))
            .route("/monitoring/v2/aps", any(aps))
            .route("/monitoring/v1/aps", any(aps))
            .route("/monitoring/v1/aps/{serial}", any(ap))
            .route("/monitoring/v1/switches", any(switches))
            .fallback(not_found)
            .with_state(self)
    }

    /// This account and, for an MSP, its tenants: everything served on this port.
    fn gateway(self: &Arc<Self>) -> impl Iterator<Item = &Arc<Self>> {
        std::iter::once(self).chain(self.tenants.iter())
    }

    /// The account on this port that accepts `client_id`.
    fn by_client(self: &Arc<Self>, client_id: Option<&String>) -> Option<Arc<Self>> {
        let id = client_id?;
        self.gateway().find(|s| s.secret_of(id).is_some()).cloned()
    }

    /// The account on this port that issued the request's bearer token (this one if none
    /// did: it answers the 401).
    fn by_bearer(self: &Arc<Self>, headers: &HeaderMap) -> Arc<Self> {
        let Some(b) = bearer(headers) else {
            return self.clone();
        };
        self.gateway()
            .find(|s| s.tokens.lock().is_ok_and(|t| t.access.contains_key(b)))
            .unwrap_or(self)
            .clone()
    }

    /// The secret of accepted client `id`.
    fn secret_of(&self, id: &str) -> Option<String> {
        self.clients
            .lock()
            .ok()?
            .iter()
            .find(|(c, _)| c == id)
            .map(|(_, s)| s.clone())
    }

    /// Accept one more client (step 2); the oldest extra one goes past the cap.
    fn add_client(&self, id: String, secret: String) {
        if let Ok(mut c) = self.clients.lock() {
            if c.len() >= CLIENTS_KEPT.max(2) {
                // Index 0 is the primary client, written in the lab config: it stays.
                c.remove(1);
            }
            c.push((id, secret));
        }
    }

    /// True if `user`/`password` may sign in here.
    fn user_ok(&self, user: &str, password: &str) -> bool {
        self.users
            .lock()
            .is_ok_and(|u| u.get(user).is_some_and(|p| p == password))
    }

    /// Expire every access token now (tests: "the token expired"); an MSP's tenants' too,
    /// since they are served on the same port.
    pub fn expire_sessions(&self) {
        if let Ok(mut t) = self.tokens.lock() {
            let now = Instant::now();
            for a in t.access.values_mut() {
                a.expires = now;
            }
        }
        for t in &self.tenants {
            t.expire_sessions();
        }
    }

    /// Every refresh token dies, and every access token a sign-in did not issue (the
    /// `refresh-revoked` fault: tokens revoked in the web UI, again and again).
    pub fn revoke_all_but_signed_in(&self) {
        if let Ok(mut t) = self.tokens.lock() {
            t.refresh.clear();
            t.access.retain(|_, a| a.signed_in);
        }
        for t in &self.tenants {
            t.revoke_all_but_signed_in();
        }
    }

    /// Every refresh token dies ("revoked in the web UI"); access tokens live on.
    pub fn revoke_refresh_tokens(&self) {
        if let Ok(mut t) = self.tokens.lock() {
            t.refresh.clear();
        }
    }

    /// Every access and refresh token dies.
    pub fn revoke_tokens(&self) {
        if let Ok(mut t) = self.tokens.lock() {
            t.refresh.clear();
            t.access.clear();
        }
    }

    /// Set (or add) `user`'s password (tests: "the password was changed").
    pub fn set_password(&self, user: &str, password: &str) {
        if let Ok(mut u) = self.users.lock() {
            u.insert(user.to_string(), password.to_string());
        }
    }

    /// The scope of a live or expired access token this account issued.
    pub fn scope_of(&self, access: &str) -> Option<Scope> {
        self.tokens.lock().ok()?.access.get(access).map(|a| a.scope)
    }

    /// Non-GET calls refused with 403 because the token is read-only.
    pub fn writes_refused(&self) -> u64 {
        self.writes_refused.load(Ordering::Relaxed)
    }

    /// An MSP's tenants (empty otherwise).
    pub fn tenants(&self) -> Vec<Arc<CentralSim>> {
        self.tenants.clone()
    }

    /// Every client id this account accepts, the primary first.
    pub fn client_ids(&self) -> Vec<String> {
        self.clients
            .lock()
            .map(|c| c.iter().map(|(id, _)| id.clone()).collect())
            .unwrap_or_default()
    }

    /// Arrival time of every API call (accepted or 429), oldest first.
    pub fn arrivals(&self) -> Vec<Instant> {
        self.arrivals
            .lock()
            .map(|a| a.iter().copied().collect())
            .unwrap_or_default()
    }

    /// 429 answers sent.
    pub fn throttled(&self) -> u64 {
        self.throttled.load(Ordering::Relaxed)
    }

    /// 401 answers sent to API calls.
    pub fn unauthorized(&self) -> u64 {
        self.unauthorized.load(Ordering::Relaxed)
    }

    /// Successful refreshes.
    pub fn refreshes(&self) -> u64 {
        self.refreshes.load(Ordering::Relaxed)
    }

    /// Answer the next `n` API calls with 429, as if other clients had used the second.
    pub fn others_use_the_budget(&self, n: u64) {
        self.busy.store(n, Ordering::Relaxed);
    }

    /// Report `secs` as `expires_in` from now on, whatever the real lifetime.
    pub fn report_expires_in(&self, secs: u64) {
        self.reported_expires_in.store(secs, Ordering::Relaxed);
    }

    /// Change the daily quota (tests: exhaust it).
    pub fn set_daily_quota(&self, n: u64) {
        self.daily.store(n, Ordering::Relaxed);
    }

    /// True if `refresh` would be accepted now.
    pub fn refresh_token_valid(&self, refresh: &str) -> bool {
        self.tokens
            .lock()
            .is_ok_and(|t| t.refresh.contains_key(refresh))
    }

    /// Bearer check, scope check, rate limit and headers for one API call; Err is the
    /// answer to send.
    #[expect(
        clippy::result_large_err,
        reason = "the error is the HTTP answer itself"
    )]
    fn admit(&self, headers: &HeaderMap, method: &Method) -> Result<HeaderMap, Response> {
        let now = Instant::now();
        if let Ok(mut a) = self.arrivals.lock() {
            if a.len() >= ARRIVALS_KEPT {
                a.pop_front();
            }
            a.push_back(now);
        }
        let scope = bearer(headers).and_then(|b| {
            self.tokens
                .lock()
                .ok()
                .and_then(|t| t.access.get(b).filter(|a| a.expires > now).map(|a| a.scope))
        });
        let Some(scope) = scope else {
            self.unauthorized.fetch_add(1, Ordering::Relaxed);
            return Err((
                StatusCode::UNAUTHORIZED,
                axum::Json(
                    json!({"error": "invalid_token", "error_description": "Invalid access token"}),
                ),
            )
                .into_response());
        };
        // A read token is refused before the rate limit: the gateway never forwards it.
        if scope == Scope::Read && method != Method::GET {
            self.writes_refused.fetch_add(1, Ordering::Relaxed);
            return Err((
                StatusCode::FORBIDDEN,
                axum::Json(
                    json!({"error": "forbidden", "message": "read-only token: only GET is allowed"}),
                ),
            )
                .into_response());
        }
        let daily = self.daily.load(Ordering::Relaxed);
        let Ok(mut r) = self.rate.lock() else {
            return Err(StatusCode::INTERNAL_SERVER_ERROR.into_response());
        };
        while r
            .window
            .front()
            .is_some_and(|t| now.duration_since(*t) >= Duration::from_secs(1))
        {
            r.window.pop_front();
        }
        let others = self
            .busy
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1))
            .is_ok();
        let over_second = others || r.window.len() >= self.per_second;
        let over_day = r.day >= daily;
        if !over_second && !over_day {
            r.window.push_back(now);
            r.day += 1;
        }
        let mut h = HeaderMap::new();
        let mut put = |k: &'static str, v: String| {
            if let Ok(v) = HeaderValue::from_str(&v) {
                h.insert(k, v);
            }
        };
        put("x-ratelimit-limit-second", self.per_second.to_string());
        put(
            "x-ratelimit-remaining-second",
            self.per_second.saturating_sub(r.window.len()).to_string(),
        );
        put("x-ratelimit-limit-day", daily.to_string());
        put(
            "x-ratelimit-remaining-day",
            daily.saturating_sub(r.day).to_string(),
        );
        if over_second || over_day {
            self.throttled.fetch_add(1, Ordering::Relaxed);
            put("retry-after", "1".into());
            return Err((
                StatusCode::TOO_MANY_REQUESTS,
                h,
                axum::Json(json!({"message": "API rate limit exceeded"})),
            )
                .into_response());
        }
        Ok(h)
    }
}

/// The bearer token of a request.
fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
}

/// The answer to a write on an endpoint the lab only reads (an `all` token got this far).
fn read_only_endpoint(h: HeaderMap) -> Response {
    (
        StatusCode::METHOD_NOT_ALLOWED,
        h,
        axum::Json(json!({"message": "Method not allowed"})),
    )
        .into_response()
}

/// Admit a GET on a data endpoint: the account whose data answers it, and the rate headers.
/// The caller is the account owning the bearer token; an MSP token with a `TenantID` header
/// reads that tenant's data on the MSP's quota (the guide: "The Rate-limit will be consumed
/// from the MSP account quota").
#[expect(
    clippy::result_large_err,
    reason = "the error is the HTTP answer itself"
)]
fn read_call(
    front: &Arc<CentralSim>,
    headers: &HeaderMap,
    method: &Method,
) -> Result<(Arc<CentralSim>, HeaderMap), Response> {
    let sim = front.by_bearer(headers);
    let h = sim.admit(headers, method)?;
    if method != Method::GET {
        return Err(read_only_endpoint(h));
    }
    let Some(tenant) = headers.get("tenantid") else {
        return Ok((sim, h));
    };
    let wanted = tenant.to_str().unwrap_or_default();
    match sim.tenants.iter().find(|t| t.customer_id == wanted) {
        Some(t) => Ok((t.clone(), h)),
        // [G] the real gateway's answer to a TenantID it cannot serve is unverified.
        None => Err((
            StatusCode::FORBIDDEN,
            h,
            axum::Json(json!({"message": "TenantID is not a tenant of this MSP account"})),
        )
            .into_response()),
    }
}

fn page(items: &[Value], q: &HashMap<String, String>, key: &str) -> Value {
    let offset: usize = q.get("offset").and_then(|o| o.parse().ok()).unwrap_or(0);
    let limit: usize = q
        .get("limit")
        .and_then(|o| o.parse().ok())
        .unwrap_or(100)
        .min(1000);
    let chunk: Vec<Value> = items.iter().skip(offset).take(limit).cloned().collect();
    json!({key: chunk, "count": chunk.len(), "total": items.len()})
}

async fn sites(
    State(front): State<Arc<CentralSim>>,
    method: Method,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Response {
    match read_call(&front, &headers, &method) {
        Ok((sim, h)) => (
            h,
            axum::Json(page(&sim.sites, &form(q.as_deref().unwrap_or("")), "sites")),
        )
            .into_response(),
        Err(r) => r,
    }
}

async fn aps(
    State(front): State<Arc<CentralSim>>,
    method: Method,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Response {
    let (sim, h) = match read_call(&front, &headers, &method) {
        Ok(x) => x,
        Err(r) => return r,
    };
    let q = form(q.as_deref().unwrap_or(""));
    let filtered: Vec<Value> = sim
        .aps
        .iter()
        .filter(|a| {
            q.get("site")
                .is_none_or(|s| a.get("site").and_then(Value::as_str) == Some(s))
        })
        .filter(|a| {
            q.get("status").is_none_or(|s| {
                a.get("status")
                    .and_then(Value::as_str)
                    .is_some_and(|x| x.eq_ignore_ascii_case(s))
            })
        })
        .cloned()
        .collect();
    (h, axum::Json(page(&filtered, &q, "aps"))).into_response()
}

async fn ap(
    State(front): State<Arc<CentralSim>>,
    method: Method,
    headers: HeaderMap,
    Path(serial): Path<String>,
) -> Response {
    let (sim, h) = match read_call(&front, &headers, &method) {
        Ok(x) => x,
        Err(r) => return r,
    };
    match sim
        .aps
        .iter()
        .find(|a| a.get("serial").and_then(Value::as_str) == Some(&serial))
    {
        Some(a) => (h, axum::Json(a.clone())).into_response(),
        None => (
            StatusCode::NOT_FOUND,
            h,
            axum::Json(json!({"message": format!("AP {serial} not found")})),
        )
            .into_response(),
    }
}

async fn switches(
    State(front): State<Arc<CentralSim>>,
    method: Method,
    headers: HeaderMap,
) -> Response {
    match read_call(&front, &headers, &method) {
        Ok((_, h)) => (
            h,
            axum::Json(json!({"switches": [], "count": 0, "total": 0})),
        )
            .into_response(),
        Err(r) => r,
    }
}

/// Any other path, any method: the bearer and scope checks come first, as at the gateway.
async fn not_found(
    State(front): State<Arc<CentralSim>>,
    method: Method,
    headers: HeaderMap,
) -> Response {
    let sim = front.by_bearer(&headers);
    match sim.admit(&headers, &method) {
        Ok(h) => (
            StatusCode::NOT_FOUND,
            h,
            axum::Json(json!({"message": "Resource not found"})),
        )
            .into_response(),
        Err(r) => r,
    }
}
