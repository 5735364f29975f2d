//! Simulated Aruba Central API gateway: OAuth2 refresh with rotating refresh tokens,
//! bearer checks (`invalid_token` on 401, as pycentral expects), 7 calls per second in any
//! one-second window and a daily quota, with `X-RateLimit-*` headers on every answer and
//! Kong's 429 body. Public projects hold no recorded Central responses, so sites and APs
//! are synthetic, shaped after the API guide's `/monitoring/v1/aps` and `/central/v2/sites`
//! examples and the AP fields other clients read.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};

use super::LabOptions;
use super::util::{form, token};

/// Calls kept for tests that check the rate (bounded: the lab may run for days).
const ARRIVALS_KEPT: usize = 100_000;

struct Tokens {
    access: HashMap<String, Instant>,
    refresh: HashSet<String>,
}

struct Rate {
    /// Accepted calls in the last second (the limiter's window).
    window: VecDeque<Instant>,
    day: u64,
    last_token_call: Option<Instant>,
}

/// One simulated Central account (customer).
pub struct CentralSim {
    pub client_id: String,
    pub client_secret: String,
    pub customer_id: String,
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
    /// `expires_in` to report instead of the real lifetime (0: the truth); tests: a
    /// gateway answering nonsense.
    reported_expires_in: AtomicU64,
    sites: Vec<Value>,
    aps: Vec<Value>,
}

impl CentralSim {
    pub fn new(name: &str, opts: &LabOptions) -> Arc<Self> {
        let access = super::util::oauth_token(24);
        let refresh = super::util::oauth_token(24);
        let mut t = Tokens {
            access: HashMap::new(),
            refresh: HashSet::new(),
        };
        t.access.insert(
            access.clone(),
            Instant::now() + opts.lifetimes.central_access,
        );
        t.refresh.insert(refresh.clone());
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
                let city = cities[i % cities.len()];
                json!({
                    "site_id": i + 1, "site_name": format!("{city}-{:02}", i + 1), "address": format!("{} Main St", 100 + i),
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
                let mac = format!("20:4c:03:{:02x}:{:02x}:{:02x}", (i >> 16) & 255, (i >> 8) & 255, i & 255);
                json!({
                    "name": format!("ap-{i:04}"), "serial": format!("CNF{i:07}"), "macaddr": mac,
                    "model": if i % 3 == 0 { "AP-535" } else { "AP-515" }, "ip_address": format!("10.{}.{}.{}", 20 + i % n_sites, (i / 250) % 250, 10 + i % 240),
                    "status": if up { "Up" } else { "Down" }, "site": site, "group_name": "campus", "firmware_version": "10.4.1.0_87250",
                    "client_count": if up { (i * 7) % 40 } else { 0 }, "swarm_master": false, "ap_deployment_mode": "IAP",
                    "down_reason": if up { Value::Null } else { json!("Heartbeat lost") }, "labels": [],
                    "radios": [{"band": 0, "index": 1, "macaddr": mac, "status": if up { "Up" } else { "Down" }}, {"band": 1, "index": 0, "macaddr": mac, "status": if up { "Up" } else { "Down" }}],
                })
            })
            .collect();
        let _ = name;
        Arc::new(CentralSim {
            client_id: format!("lab-{}", super::util::ident(9)),
            client_secret: token(24),
            customer_id: super::util::ident(12),
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
            reported_expires_in: AtomicU64::new(0),
            sites,
            aps,
        })
    }

    pub fn router(self: Arc<Self>) -> Router {
        Router::new()
            .route("/oauth2/token", post(oauth_token))
            .route("/central/v2/sites", get(sites))
            .route("/monitoring/v2/aps", get(aps))
            .route("/monitoring/v1/aps", get(aps))
            .route("/monitoring/v1/aps/{serial}", get(ap))
            .route("/monitoring/v1/switches", get(switches))
            .fallback(not_found)
            .with_state(self)
    }

    /// Expire every access token now (tests: "the token expired").
    pub fn expire_sessions(&self) {
        if let Ok(mut t) = self.tokens.lock() {
            let now = Instant::now();
            for exp in t.access.values_mut() {
                *exp = now;
            }
        }
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

    /// Change the daily quota (tests: exhaust it).
    /// Answer the next `n` API calls with 429, as if other clients had used the second.
    pub fn others_use_the_budget(&self, n: u64) {
        self.busy.store(n, Ordering::Relaxed);
    }

    /// Report `secs` as `expires_in` from now on, whatever the real lifetime.
    pub fn report_expires_in(&self, secs: u64) {
        self.reported_expires_in.store(secs, Ordering::Relaxed);
    }

    pub fn set_daily_quota(&self, n: u64) {
        self.daily.store(n, Ordering::Relaxed);
    }

    /// True if `refresh` would be accepted now.
    pub fn refresh_token_valid(&self, refresh: &str) -> bool {
        self.tokens
            .lock()
            .is_ok_and(|t| t.refresh.contains(refresh))
    }

    /// Bearer check, rate limit and headers for one API call; Err is the answer to send.
    #[expect(
        clippy::result_large_err,
        reason = "the error is the HTTP answer itself"
    )]
    fn admit(&self, headers: &HeaderMap) -> Result<HeaderMap, Response> {
        let now = Instant::now();
        if let Ok(mut a) = self.arrivals.lock() {
            if a.len() >= ARRIVALS_KEPT {
                a.pop_front();
            }
            a.push_back(now);
        }
        let bearer = headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                v.strip_prefix("Bearer ")
                    .or_else(|| v.strip_prefix("bearer "))
            });
        let valid = bearer.is_some_and(|b| {
            self.tokens
                .lock()
                .is_ok_and(|t| t.access.get(b).is_some_and(|e| *e > now))
        });
        if !valid {
            self.unauthorized.fetch_add(1, Ordering::Relaxed);
            return Err((
                StatusCode::UNAUTHORIZED,
                axum::Json(
                    json!({"error": "invalid_token", "error_description": "Invalid access token"}),
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

async fn oauth_token(
    State(sim): State<Arc<CentralSim>>,
    RawQuery(q): RawQuery,
    body: Bytes,
) -> Response {
    // pycentral sends the parameters in the query string; a form body is accepted too.
    let mut p = form(q.as_deref().unwrap_or(""));
    p.extend(form(&String::from_utf8_lossy(&body)));
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
    if p.get("client_id") != Some(&sim.client_id)
        || p.get("client_secret") != Some(&sim.client_secret)
    {
        return (StatusCode::UNAUTHORIZED, axum::Json(json!({"error": "invalid_client", "error_description": "Invalid client credentials"}))).into_response();
    }
    if p.get("grant_type").map(String::as_str) != Some("refresh_token") {
        return (StatusCode::BAD_REQUEST, axum::Json(json!({"error": "unsupported_grant_type", "error_description": "Only refresh_token is simulated"}))).into_response();
    }
    let Ok(mut t) = sim.tokens.lock() else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let Some(rt) = p.get("refresh_token").filter(|rt| t.refresh.contains(*rt)) else {
        return (
            StatusCode::BAD_REQUEST,
            axum::Json(
                json!({"error": "invalid_grant", "error_description": "Invalid refresh token"}),
            ),
        )
            .into_response();
    };
    // Rotation: the used refresh token dies; old access tokens live out their time.
    let rt = rt.clone();
    t.refresh.remove(&rt);
    let access = super::util::oauth_token(24);
    let refresh = super::util::oauth_token(24);
    t.access.retain(|_, e| *e > now);
    t.access.insert(access.clone(), now + sim.access_life);
    t.refresh.insert(refresh.clone());
    sim.refreshes.fetch_add(1, Ordering::Relaxed);
    axum::Json(json!({
        "access_token": access, "refresh_token": refresh, "token_type": "bearer",
        "expires_in": match sim.reported_expires_in.load(Ordering::Relaxed) {
            0 => sim.access_life.as_secs(),
            n => n,
        },
    }))
    .into_response()
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
    State(sim): State<Arc<CentralSim>>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Response {
    match sim.admit(&headers) {
        Ok(h) => (
            h,
            axum::Json(page(&sim.sites, &form(q.as_deref().unwrap_or("")), "sites")),
        )
            .into_response(),
        Err(r) => r,
    }
}

async fn aps(
    State(sim): State<Arc<CentralSim>>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Response {
    let h = match sim.admit(&headers) {
        Ok(h) => h,
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
    State(sim): State<Arc<CentralSim>>,
    headers: HeaderMap,
    Path(serial): Path<String>,
) -> Response {
    let h = match sim.admit(&headers) {
        Ok(h) => h,
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

async fn switches(State(sim): State<Arc<CentralSim>>, headers: HeaderMap) -> Response {
    match sim.admit(&headers) {
        Ok(h) => (
            h,
            axum::Json(json!({"switches": [], "count": 0, "total": 0})),
        )
            .into_response(),
        Err(r) => r,
    }
}

async fn not_found(State(sim): State<Arc<CentralSim>>, headers: HeaderMap) -> Response {
    match sim.admit(&headers) {
        Ok(h) => (
            StatusCode::NOT_FOUND,
            h,
            axum::Json(json!({"message": "Resource not found"})),
        )
            .into_response(),
        Err(r) => r,
    }
}
