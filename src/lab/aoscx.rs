//! Simulated HPE Aruba AOS-CX REST API (v1, v10.04, v10.08, v10.09; `latest` = v10.09).
//! Strict like a switch: `id` cookie sessions, the CSRF token when asked for at login
//! (10.09), 6 sessions per user and 48 per switch (401 `Login failed: session limit
//! reached`), 20 min idle and 8 h hard limits, `depth`/`attributes` on collections.
//! There are no recorded AOS-CX responses in public projects, so the data is synthetic,
//! shaped after the REST guide's examples and pyaoscx's attribute names.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use serde_json::{Value, json};

use super::util::{cookie, form, token};
use super::{LabOptions, USERNAME};

const VERSIONS: &[&str] = &["v1", "v10.04", "v10.08", "v10.09"];

struct CxSession {
    user: String,
    csrf: Option<String>,
    created: Instant,
    last_used: Instant,
}

/// One simulated AOS-CX switch.
pub struct AosCxSim {
    name: String,
    password: String,
    idle: Duration,
    hard: Duration,
    per_user: usize,
    total: usize,
    /// Pre-10.09 firmware: never issues a CSRF token.
    legacy: AtomicBool,
    /// Milliseconds every resource request takes (a busy switch; tests of shutdown).
    slow_ms: std::sync::atomic::AtomicU64,
    sessions: Mutex<HashMap<String, CxSession>>,
    vlans: Mutex<BTreeMap<u32, Value>>,
    boot_time: u64,
    /// Successful logins so far: tests check that a repeated command reuses its session.
    logins: std::sync::atomic::AtomicU64,
}

impl AosCxSim {
    pub fn new(name: &str, opts: &LabOptions) -> Arc<Self> {
        let mut vlans = BTreeMap::new();
        for (id, n) in [
            (1, "DEFAULT_VLAN_1"),
            (10, "users"),
            (20, "voice"),
            (99, "mgmt"),
        ] {
            vlans.insert(id, vlan(id, n));
        }
        let boot_time = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs())
            .saturating_sub(86_400 * 12);
        Arc::new(AosCxSim {
            name: name.to_string(),
            password: super::password("aoscx"),
            idle: opts.lifetimes.aoscx_idle,
            hard: opts.lifetimes.aoscx_hard,
            per_user: opts.limits.aoscx_per_user,
            total: opts.limits.aoscx_total,
            legacy: AtomicBool::new(false),
            slow_ms: std::sync::atomic::AtomicU64::new(0),
            sessions: Mutex::new(HashMap::new()),
            vlans: Mutex::new(vlans),
            boot_time,
            logins: std::sync::atomic::AtomicU64::new(0),
        })
    }

    /// Make every resource request take `d` (login and logout stay quick).
    pub fn set_slow(&self, d: std::time::Duration) {
        self.slow_ms.store(d.as_millis() as u64, Ordering::Relaxed);
    }

    /// Behave like firmware before 10.09 (no CSRF token, cookie only).
    pub fn set_legacy_firmware(&self, on: bool) {
        self.legacy.store(on, Ordering::Relaxed);
    }

    pub fn router(self: Arc<Self>) -> Router {
        Router::new()
            .route("/rest", get(versions))
            .route("/rest/{ver}/login", post(login))
            .route("/rest/{ver}/logout", post(logout))
            .route("/rest/{ver}/{*path}", any(resource))
            .with_state(self)
    }

    fn live(&self, s: &CxSession, now: Instant) -> bool {
        now.duration_since(s.last_used) < self.idle && now.duration_since(s.created) < self.hard
    }

    /// Successful logins since the switch started.
    pub fn logins(&self) -> u64 {
        self.logins.load(Ordering::Relaxed)
    }

    pub fn open_sessions(&self) -> usize {
        let now = Instant::now();
        self.sessions
            .lock()
            .map_or(0, |s| s.values().filter(|x| self.live(x, now)).count())
    }

    pub fn expire_sessions(&self) {
        if let Ok(mut s) = self.sessions.lock() {
            s.clear();
        }
    }

    /// The session a request belongs to, checking cookie, CSRF token and timers.
    #[expect(
        clippy::result_large_err,
        reason = "the error is the HTTP answer itself"
    )]
    fn check(&self, headers: &HeaderMap) -> Result<(), Response> {
        let unauthorized = || (StatusCode::UNAUTHORIZED, "Authorization Required").into_response();
        let id = cookie(headers, "id").ok_or_else(unauthorized)?;
        let now = Instant::now();
        let mut all = self.sessions.lock().map_err(|_| unauthorized())?;
        all.retain(|_, s| self.live(s, now));
        let s = all.get_mut(&id).ok_or_else(unauthorized)?;
        if let Some(expected) = &s.csrf {
            let sent = headers.get("x-csrf-token").and_then(|v| v.to_str().ok());
            if sent != Some(expected.as_str()) {
                return Err(
                    (StatusCode::UNAUTHORIZED, "CSRF token missing or invalid").into_response()
                );
            }
        }
        s.last_used = now;
        Ok(())
    }
}

fn vlan(id: u32, name: &str) -> Value {
    json!({
        "id": id, "name": name, "admin": "up", "oper_state": "up", "oper_state_reason": "ok",
        "type": if id == 1 { "default" } else { "static" }, "description": null, "voice": id == 20,
    })
}

fn known(ver: &str) -> bool {
    ver == "latest" || VERSIONS.contains(&ver)
}

async fn versions() -> Response {
    let mut v = serde_json::Map::new();
    for ver in VERSIONS {
        v.insert(
            ver.to_string(),
            json!({"version": ver, "prefix": format!("/rest/{ver}")}),
        );
    }
    v.insert(
        "latest".into(),
        json!({"version": "v10.09", "prefix": "/rest/v10.09"}),
    );
    axum::Json(Value::Object(v)).into_response()
}

async fn login(
    State(sim): State<Arc<AosCxSim>>,
    Path(ver): Path<String>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if !known(&ver) {
        return StatusCode::NOT_FOUND.into_response();
    }
    // Credentials in the query string (the guide's curl) or a form body (pyaoscx).
    let mut creds = form(q.as_deref().unwrap_or(""));
    creds.extend(form(&String::from_utf8_lossy(&body)));
    let (Some(u), Some(p)) = (creds.get("username"), creds.get("password")) else {
        return (
            StatusCode::BAD_REQUEST,
            "username and password are required",
        )
            .into_response();
    };
    if u != USERNAME || *p != sim.password {
        return (
            StatusCode::UNAUTHORIZED,
            "Login failed: bad username or password",
        )
            .into_response();
    }
    let now = Instant::now();
    let Ok(mut all) = sim.sessions.lock() else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    all.retain(|_, s| sim.live(s, now));
    let mine = all.values().filter(|s| s.user == *u).count();
    if mine >= sim.per_user || all.len() >= sim.total {
        return (
            StatusCode::UNAUTHORIZED,
            "Login failed: session limit reached",
        )
            .into_response();
    }
    let wants_csrf = headers
        .get("x-use-csrf-token")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("true"));
    let csrf = (wants_csrf && !sim.legacy.load(Ordering::Relaxed)).then(|| token(16));
    let id = token(16);
    sim.logins.fetch_add(1, Ordering::Relaxed);
    all.insert(
        id.clone(),
        CxSession {
            user: u.clone(),
            csrf: csrf.clone(),
            created: now,
            last_used: now,
        },
    );
    let mut resp = (
        StatusCode::OK,
        [(
            header::SET_COOKIE,
            format!("id={id}; Path=/; HttpOnly; Secure; SameSite=Lax"),
        )],
    )
        .into_response();
    if let Some(t) = csrf
        && let Ok(v) = t.parse()
    {
        resp.headers_mut().insert("x-csrf-token", v);
    }
    resp
}

async fn logout(State(sim): State<Arc<AosCxSim>>, headers: HeaderMap) -> Response {
    if let Err(r) = sim.check(&headers) {
        return r;
    }
    if let (Some(id), Ok(mut all)) = (cookie(&headers, "id"), sim.sessions.lock()) {
        all.remove(&id);
    }
    StatusCode::OK.into_response()
}

/// `attributes=a,b` keeps only those keys of an object.
fn select(v: Value, attrs: Option<&String>) -> Value {
    match (v, attrs) {
        (Value::Object(o), Some(a)) => {
            let keep: Vec<&str> = a.split(',').collect();
            Value::Object(
                o.into_iter()
                    .filter(|(k, _)| keep.contains(&k.as_str()))
                    .collect(),
            )
        }
        (v, _) => v,
    }
}

impl AosCxSim {
    fn system(&self) -> Value {
        json!({
            "hostname": self.name,
            "platform_name": "8325",
            "software_version": "GL.10.09.1010",
            "software_info": {"build_date": "2023-03-01 00:00:00 UTC", "build_id": "AOS-CX:GL.10.09.1010"},
            "boot_time": self.boot_time,
            "mgmt_intf_status": {"ip": "10.0.0.3", "subnet_mask": 24, "link_state": "up"},
            "capabilities": ["classifier", "bgp", "ospfv2", "vrrp"],
            "admin_password_set": true,
            "aruba_central": {"disable": false},
        })
    }

    #[expect(
        clippy::unused_self,
        reason = "a method like the other resources, though today's interfaces are fixed"
    )]
    fn interfaces(&self) -> BTreeMap<String, Value> {
        (1..=8)
            .map(|i| {
                let name = format!("1/1/{i}");
                let up = i % 3 != 0;
                (
                    name.clone(),
                    json!({
                        "name": name, "admin_state": if i == 6 { "down" } else { "up" },
                        "link_state": if up { "up" } else { "down" }, "description": if i == 1 { "uplink to core" } else { "" },
                        "link_speed": if up { 10_000_000_000u64 } else { 0 }, "vlan_mode": if i == 1 { "native-untagged" } else { "access" },
                        "mtu": 1500,
                    }),
                )
            })
            .collect()
    }
}

async fn resource(
    State(sim): State<Arc<AosCxSim>>,
    Path((ver, _)): Path<(String, String)>,
    RawQuery(q): RawQuery,
    uri: axum::http::Uri,
    method: Method,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if !known(&ver) {
        return (StatusCode::NOT_FOUND, "unknown REST API version").into_response();
    }
    let slow = sim.slow_ms.load(Ordering::Relaxed);
    if slow > 0 {
        tokio::time::sleep(std::time::Duration::from_millis(slow)).await;
    }
    if let Err(r) = sim.check(&headers) {
        return r;
    }
    let q = form(q.as_deref().unwrap_or(""));
    let depth: u32 = q
        .get("depth")
        .and_then(|d| d.parse().ok())
        .unwrap_or(u32::from(ver != "v1"));
    let attrs = q.get("attributes");
    let prefix = format!("/rest/{ver}");
    let not_found = || {
        (
            StatusCode::NOT_FOUND,
            axum::Json(json!({"message": "Object not found"})),
        )
            .into_response()
    };
    // Split the raw path before decoding: interface names carry encoded slashes (1%2F1%2F1).
    let raw = uri.path().strip_prefix(&format!("{prefix}/")).unwrap_or("");
    let segs: Vec<String> = raw.split('/').map(super::util::percent_decode).collect();
    let segs: Vec<&str> = segs.iter().map(String::as_str).collect();
    let collection = |items: Vec<(String, Value)>, base: &str| -> Value {
        if depth == 0 {
            Value::Object(
                items
                    .into_iter()
                    .map(|(k, _)| {
                        (
                            k.clone(),
                            json!(format!("{prefix}/{base}/{}", k.replace('/', "%2F"))),
                        )
                    })
                    .collect(),
            )
        } else {
            Value::Object(
                items
                    .into_iter()
                    .map(|(k, v)| (k, select(v, attrs)))
                    .collect(),
            )
        }
    };
    match (method.clone(), segs.as_slice()) {
        (Method::GET, ["system"]) => axum::Json(select(sim.system(), attrs)).into_response(),
        (Method::GET, ["system", "vlans"]) => {
            let items = sim.vlans.lock().map(|v| v.iter().map(|(k, v)| (k.to_string(), v.clone())).collect()).unwrap_or_default();
            axum::Json(collection(items, "system/vlans")).into_response()
        }
        (Method::GET, ["system", "vlans", id]) => {
            let id: u32 = id.parse().unwrap_or(0);
            match sim.vlans.lock().ok().and_then(|v| v.get(&id).cloned()) {
                Some(v) => axum::Json(select(v, attrs)).into_response(),
                None => not_found(),
            }
        }
        (Method::POST, ["system", "vlans"]) => {
            let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
            let Some(id) = v.get("id").and_then(Value::as_u64).map(|i| i as u32) else {
                return (StatusCode::BAD_REQUEST, axum::Json(json!({"message": "id is required"}))).into_response();
            };
            let name = v.get("name").and_then(Value::as_str).unwrap_or("").to_string();
            let Ok(mut vlans) = sim.vlans.lock() else { return StatusCode::INTERNAL_SERVER_ERROR.into_response() };
            if vlans.contains_key(&id) {
                return (StatusCode::BAD_REQUEST, axum::Json(json!({"message": format!("VLAN {id} already exists")}))).into_response();
            }
            vlans.insert(id, vlan(id, &name));
            (StatusCode::CREATED, [(header::LOCATION, format!("{prefix}/system/vlans/{id}"))]).into_response()
        }
        (Method::PUT, ["system", "vlans", id]) => {
            let id: u32 = id.parse().unwrap_or(0);
            let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
            let Ok(mut vlans) = sim.vlans.lock() else { return StatusCode::INTERNAL_SERVER_ERROR.into_response() };
            match vlans.get_mut(&id) {
                Some(cur) => {
                    if let (Some(o), Some(new)) = (cur.as_object_mut(), v.as_object()) {
                        for (k, val) in new {
                            o.insert(k.clone(), val.clone());
                        }
                    }
                    StatusCode::OK.into_response()
                }
                None => not_found(),
            }
        }
        (Method::DELETE, ["system", "vlans", id]) => {
            let id: u32 = id.parse().unwrap_or(0);
            match sim.vlans.lock().ok().and_then(|mut v| v.remove(&id)) {
                Some(_) => StatusCode::NO_CONTENT.into_response(),
                None => not_found(),
            }
        }
        (Method::GET, ["system", "interfaces"]) => {
            axum::Json(collection(sim.interfaces().into_iter().collect(), "system/interfaces")).into_response()
        }
        (Method::GET, ["system", "interfaces", name]) => match sim.interfaces().get(*name) {
            Some(v) => axum::Json(select(v.clone(), attrs)).into_response(),
            None => not_found(),
        },
        (Method::GET, ["firmware"]) => axum::Json(json!({
            "current_version": "GL.10.09.1010", "primary_version": "GL.10.09.1010",
            "secondary_version": "GL.10.08.1021", "default_image": "primary", "booted_image": "primary",
        }))
        .into_response(),
        (Method::GET, ["fullconfigs", "running-config"]) => axum::Json(json!({
            "System": {"hostname": sim.name, "vlans": sim.vlans.lock().map(|v| v.keys().map(std::string::ToString::to_string).collect::<Vec<_>>()).unwrap_or_default()},
        }))
        .into_response(),
        (Method::GET, _) => not_found(),
        _ => (StatusCode::METHOD_NOT_ALLOWED, axum::Json(json!({"message": "Method not allowed"}))).into_response(),
    }
}
