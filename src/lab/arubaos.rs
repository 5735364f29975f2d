//! Simulated ArubaOS 8 Mobility Conductor REST API (`/v1`, port 4343 on a real device).
//!
//! Login and logout follow the published authentication page: form credentials (POST body or
//! GET query, both appear in the wild), `_global_result` with a *string* status and a
//! UIDARUBA token, a `SESSION` cookie, failures as HTTP 200 with status "1". Every other
//! endpoint needs a live `UIDARUBA` query parameter; sessions die after
//! `lifetimes.arubaos_idle` without use and at most `limits.arubaos_sessions` live at once.
//!
//! No recorded device output exists for this API: the show-command fixtures are SYNTHETIC
//! (hand-written by another project's test author, see fixtures/SOURCES.md), and the object
//! shapes and error texts not quoted by the docs are this simulator's guesses.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::{Value, json};

use super::asa::Civil;
use super::{LabOptions, USERNAME, password, util};

// SYNTHETIC fixtures: shape references only, never recorded from a device.
const SHOW_VERSION: &str =
    include_str!("fixtures/mobility/SYNTHETIC_hpe-networking-mcp_aos8_show_version.json");
const SHOW_SWITCHES: &str =
    include_str!("fixtures/mobility/SYNTHETIC_hpe-networking-mcp_show_switches.json");
const WRITE_GLOBAL_ERROR: &str =
    include_str!("fixtures/mobility/SYNTHETIC_hpe-networking-mcp_write_global_error.json");

/// Login failure text from the authentication page (the published copy is cut after
/// "Unauthorized request, authe…"; the rest is the obvious completion).
const AUTH_FAILED: &str = "Unauthorized request, authentication failed";

struct Inner {
    /// UIDARUBA → last use.
    sessions: HashMap<String, Instant>,
    /// Configuration objects by name (one tree for every `config_path`: enough for a lab).
    objects: HashMap<String, Vec<Value>>,
}

/// One simulated Mobility Conductor.
pub struct ArubaOsSim {
    name: String,
    idle: Duration,
    max_sessions: usize,
    state: Mutex<Inner>,
}

impl ArubaOsSim {
    pub fn new(name: &str, opts: &LabOptions) -> Arc<Self> {
        let mut objects = HashMap::new();
        objects.insert(
            "ap_group".to_string(),
            vec![
                json!({"profile-name": "default"}),
                json!({"profile-name": "campus-aps", "virtual_ap": [{"profile-name": "campus-vap"}]}),
            ],
        );
        objects.insert(
            "ssid_prof".to_string(),
            vec![
                json!({"profile-name": "default", "essid": {"essid": "aruba-ap"}}),
                json!({"profile-name": "campus-ssid", "essid": {"essid": "campus"}, "opmode": {"wpa3-sae-aes": true}}),
            ],
        );
        Arc::new(ArubaOsSim {
            name: name.to_string(),
            idle: opts.lifetimes.arubaos_idle,
            max_sessions: opts.limits.arubaos_sessions,
            state: Mutex::new(Inner {
                sessions: HashMap::new(),
                objects,
            }),
        })
    }

    pub fn router(self: Arc<Self>) -> Router {
        Router::new()
            .route("/v1/api/login", get(login).post(login))
            .route("/v1/api/logout", get(logout).post(logout))
            .route("/v1/configuration/showcommand", get(showcommand))
            .route(
                "/v1/configuration/object/{name}",
                get(object_get).post(object_post),
            )
            .fallback(not_found)
            .layer(axum::middleware::from_fn_with_state(self.clone(), gate))
            .with_state(self)
    }

    /// Sessions alive right now.
    pub fn open_sessions(&self) -> usize {
        let mut s = self.lock();
        self.prune(&mut s);
        s.sessions.len()
    }

    /// End every session, as the web-server idle timeout would.
    pub fn expire_sessions(&self) {
        self.lock().sessions.clear();
    }

    /// The live UIDARUBA tokens (tests use this to prove none leaks into output or errors).
    pub fn live_tokens(&self) -> Vec<String> {
        let mut s = self.lock();
        self.prune(&mut s);
        s.sessions.keys().cloned().collect()
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic elsewhere must not wedge the lab.
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn prune(&self, s: &mut Inner) {
        let idle = self.idle;
        s.sessions.retain(|_, last| last.elapsed() < idle);
    }

    /// True (and the idle timer restarted) when `uid` is a live session.
    fn touch(&self, uid: &str) -> bool {
        let mut s = self.lock();
        self.prune(&mut s);
        match s.sessions.get_mut(uid) {
            Some(last) => {
                *last = Instant::now();
                true
            }
            None => false,
        }
    }

    fn show(&self, command: &str, uid: &str) -> Value {
        let words: Vec<String> = command
            .split_whitespace()
            .map(str::to_ascii_lowercase)
            .collect();
        let words: Vec<&str> = words.iter().map(String::as_str).collect();
        match words.as_slice() {
            ["show", "version"] => {
                let mut v = util::fixture(SHOW_VERSION);
                v["Hostname"] = json!(self.name);
                // The synthetic capture echoes the session token in `_global_result`; keep
                // that (with the caller's real token) so clients must not print it.
                v["_global_result"]["UIDARUBA"] = json!(uid);
                v
            }
            // SYNTHETIC: the fixture's shape and first row, grown to 30 APs. `long` adds
            // nothing here: the synthetic fixture already carries the wired MAC and serial
            // that only `long` shows on a real Conductor.
            ["show", "ap", "database"] | ["show", "ap", "database", "long"] => {
                super::mobility_aps::database()
            }
            ["show", "switches"] => {
                let mut v = util::fixture(SHOW_SWITCHES);
                if let Some(rows) = v.get_mut("Switch List").and_then(Value::as_array_mut) {
                    for r in rows.iter_mut().filter(|r| r["Role"] == "master") {
                        r["Name"] = json!(self.name);
                    }
                }
                v
            }
            ["show", "ap", "active"] => self.ap_active(),
            ["show", "clock"] => {
                let c = Civil::from(SystemTime::now());
                let line = format!(
                    "{} {} {:>2} {:02}:{:02}:{:02} UTC {}",
                    c.weekday, c.month, c.day, c.hour, c.min, c.sec, c.year
                );
                json!({"_meta": ["_data"], "_data": [line], "_global_result": ok("Success")})
            }
            // Wording is a guess; no failed showcommand answer has been published.
            _ => json!({"_global_result": fail("Error: invalid or unsupported show command")}),
        }
    }

    /// `show ap active`, derived from the AP database: the APs that are up.
    #[expect(
        clippy::unused_self,
        reason = "a method like the other show commands, though it reads only the synthetic database"
    )]
    fn ap_active(&self) -> Value {
        super::mobility_aps::active(&super::mobility_aps::database())
    }
}

fn ok(msg: &str) -> Value {
    json!({"status": "0", "status_str": msg})
}

fn fail(msg: &str) -> Value {
    json!({"status": "1", "status_str": msg})
}

fn global(status: StatusCode, result: Value) -> Response {
    (status, axum::Json(json!({ "_global_result": result }))).into_response()
}

fn unauthorized() -> Response {
    global(StatusCode::UNAUTHORIZED, fail(AUTH_FAILED))
}

fn params(query: Option<&str>) -> HashMap<String, String> {
    util::form(query.unwrap_or(""))
}

/// Everything but login/logout needs a live UIDARUBA query parameter.
async fn gate(State(sim): State<Arc<ArubaOsSim>>, req: Request, next: Next) -> Response {
    let path = req.uri().path();
    if path == "/v1/api/login" || path == "/v1/api/logout" {
        return next.run(req).await;
    }
    let uid = params(req.uri().query()).remove("UIDARUBA");
    match uid {
        Some(uid) if sim.touch(&uid) => next.run(req).await,
        _ => unauthorized(),
    }
}

async fn login(
    State(sim): State<Arc<ArubaOsSim>>,
    RawQuery(q): RawQuery,
    h: HeaderMap,
    body: Bytes,
) -> Response {
    let mut p = params(q.as_deref());
    let form = h
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if form {
        p.extend(util::form(&String::from_utf8_lossy(&body)));
    }
    let good = p.get("username").map(String::as_str) == Some(USERNAME)
        && p.get("password") == Some(&password("arubaos"));
    if !good {
        return global(StatusCode::OK, fail(AUTH_FAILED));
    }
    let mut s = sim.lock();
    sim.prune(&mut s);
    if s.sessions.len() >= sim.max_sessions {
        // Wording is a guess: the docs only state the limit.
        return global(
            StatusCode::OK,
            fail("Maximum number of sessions reached; log out of an existing session and retry"),
        );
    }
    let uid = util::uuid();
    s.sessions.insert(uid.clone(), Instant::now());
    let body = json!({"_global_result": {
        "status": "0",
        "status_str": "You've logged in successfully.",
        "UIDARUBA": uid,
    }});
    (
        [(
            header::SET_COOKIE,
            format!("SESSION={uid}; Path=/; Secure; HttpOnly"),
        )],
        axum::Json(body),
    )
        .into_response()
}

async fn logout(
    State(sim): State<Arc<ArubaOsSim>>,
    RawQuery(q): RawQuery,
    h: HeaderMap,
) -> Response {
    let uid = params(q.as_deref())
        .remove("UIDARUBA")
        .or_else(|| util::cookie(&h, "SESSION"));
    let mut s = sim.lock();
    sim.prune(&mut s);
    match uid {
        Some(uid) if s.sessions.remove(&uid).is_some() => global(
            StatusCode::OK,
            json!({"status": "0", "status_str": "You've been logged out successfully.", "UIDARUBA": "(null)"}),
        ),
        _ => unauthorized(),
    }
}

async fn showcommand(State(sim): State<Arc<ArubaOsSim>>, RawQuery(q): RawQuery) -> Response {
    let p = params(q.as_deref());
    let uid = p.get("UIDARUBA").cloned().unwrap_or_default();
    match p.get("command") {
        Some(c) if !c.trim().is_empty() => axum::Json(sim.show(c, &uid)).into_response(),
        _ => global(StatusCode::OK, fail("Missing required parameter 'command'")),
    }
}

/// Object names this simulator knows; `write_memory` is POST-only.
fn known_object(name: &str, sim: &ArubaOsSim) -> bool {
    name == "write_memory" || sim.lock().objects.contains_key(name)
}

async fn object_get(State(sim): State<Arc<ArubaOsSim>>, Path(name): Path<String>) -> Response {
    let s = sim.lock();
    match s.objects.get(&name) {
        // Shape modelled on client code: `{"_data": {"<object>": [...]}}`.
        Some(items) => axum::Json(json!({"_data": { name.clone(): items }})).into_response(),
        None => global(
            StatusCode::NOT_FOUND,
            fail(&format!("Object '{name}' not found")),
        ),
    }
}

async fn object_post(
    State(sim): State<Arc<ArubaOsSim>>,
    Path(name): Path<String>,
    RawQuery(q): RawQuery,
    body: Bytes,
) -> Response {
    if !known_object(&name, &sim) {
        return global(
            StatusCode::NOT_FOUND,
            fail(&format!("Object '{name}' not found")),
        );
    }
    if !params(q.as_deref()).contains_key("config_path") {
        return global(
            StatusCode::OK,
            fail("Missing required parameter 'config_path'"),
        );
    }
    let body: Value = if body.iter().all(u8::is_ascii_whitespace) {
        json!({})
    } else {
        match serde_json::from_slice(&body) {
            Ok(v) => v,
            Err(_) => {
                return global(
                    StatusCode::BAD_REQUEST,
                    fail("Invalid JSON in request body"),
                );
            }
        }
    };
    if name == "write_memory" {
        return global(StatusCode::OK, ok("Success"));
    }
    let mut s = sim.lock();
    let Some(profile) = body.get("profile-name").and_then(Value::as_str) else {
        return global(
            StatusCode::OK,
            fail("Missing required field 'profile-name'"),
        );
    };
    let items = s.objects.entry(name).or_default();
    if items.iter().any(|i| i["profile-name"] == profile) {
        let v = util::fixture(WRITE_GLOBAL_ERROR);
        return axum::Json(v).into_response();
    }
    items.push(body);
    global(StatusCode::OK, ok("Success"))
}

async fn not_found() -> Response {
    global(StatusCode::NOT_FOUND, fail("Resource not found"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn show_commands() {
        let sim = ArubaOsSim::new("mc1", &LabOptions::default());
        let v = sim.show("show  version", "uid-1");
        assert_eq!(v["Hostname"], "mc1");
        assert_eq!(v["_global_result"]["UIDARUBA"], "uid-1");
        assert!(sim.show("show ap database", "u")["AP Database"].is_array());
        let sw = sim.show("show switches", "u");
        assert!(
            sw["Switch List"]
                .as_array()
                .expect("rows")
                .iter()
                .any(|r| r["Name"] == "mc1")
        );
        assert_eq!(sim.show("show ap active", "u")["Num APs"], "27");
        let long = sim.show("show ap database long", "u");
        assert_eq!(long, sim.show("show ap database", "u"));
        assert_eq!(long["AP Database"].as_array().map(Vec::len), Some(30));
        assert_eq!(
            sim.show("show nonsense", "u")["_global_result"]["status"],
            "1"
        );
    }
}
