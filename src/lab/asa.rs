//! Simulated Cisco ASAv REST agent (API 1.x on ASA 9.4): token services, the `/api/cli`
//! passthrough and a few monitoring/interface resources replayed from napalm-asa captures.
//!
//! Strict where the documentation is: every request must carry `User-Agent: REST API Agent`
//! (REST API 7.14 release notes), tokens come from `POST /api/tokenservices` with Basic auth
//! and die after `lifetimes.asa_idle` without use, at most `limits.asa_sessions` tokens live
//! at once (503 beyond that), requests without `X-Auth-Token` fall back to Basic auth, and
//! errors carry the documented `{"messages":[{level, code, context, details}]}` body.
//! Message codes and detail texts not quoted by the docs are marked as guesses.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use serde_json::{Value, json};

use super::{LabOptions, USERNAME, password, util};

const VERSION: &str =
    include_str!("fixtures/asa/napalm_asa_monitoring_device_components_version.json");
const SERIAL: &str = include_str!("fixtures/asa/napalm_asa_monitoring_serialnumber.json");
const HOSTNAME_CLI: &str =
    include_str!("fixtures/asa/napalm_asa_cli_show_hostname_show_hostname_fqdn.json");
const PHYSICAL: &str = include_str!("fixtures/asa/napalm_asa_interfaces_physical.json");
const VLAN: &str = include_str!("fixtures/asa/napalm_asa_interfaces_vlan.json");
const ARP: &str = include_str!("fixtures/asa/napalm_asa_monitoring_arp.json");

/// The User-Agent the ASA REST agent insists on since 7.14.
const AGENT: &str = "REST API Agent";
/// The hostname in the recorded `show hostname` capture; replaced by the simulator's name.
const RECORDED_HOSTNAME: &str = "ASAvL1";
/// The REST API's documented default page size.
const DEFAULT_LIMIT: usize = 100;
/// What the ASA prints for a CLI line it cannot parse.
const INVALID_INPUT: &str = "ERROR: % Invalid input detected at '^' marker.\n";

/// One simulated ASAv.
pub struct AsaSim {
    name: String,
    idle: Duration,
    max_sessions: usize,
    started: Instant,
    /// Live tokens and when each was last used.
    tokens: Mutex<HashMap<String, Instant>>,
    version: Value,
    serial: String,
    physical: Value,
}

impl AsaSim {
    pub fn new(name: &str, opts: &LabOptions) -> Arc<Self> {
        let version = util::fixture(VERSION);
        let serial = util::fixture(SERIAL)
            .get("serialNumber")
            .and_then(Value::as_str)
            .unwrap_or("9AVP5MLG543")
            .to_string();
        Arc::new(AsaSim {
            name: name.to_string(),
            idle: opts.lifetimes.asa_idle,
            max_sessions: opts.limits.asa_sessions,
            started: Instant::now(),
            tokens: Mutex::new(HashMap::new()),
            version,
            serial,
            physical: util::fixture(PHYSICAL),
        })
    }

    pub fn router(self: Arc<Self>) -> Router {
        Router::new()
            .route("/api/tokenservices", post(token_create))
            .route("/api/tokenservices/{token}", delete(token_delete))
            .route("/api/cli", post(cli))
            .route("/api/monitoring/device/components/version", get(version))
            .route("/api/monitoring/serialnumber", get(serial))
            .route("/api/interfaces/physical", get(physical))
            .route("/api/interfaces/vlan", get(vlan))
            .route("/api/monitoring/arp", get(arp))
            .route("/api/commands/writemem", post(writemem))
            .fallback(not_found)
            .method_not_allowed_fallback(method_not_allowed)
            .layer(axum::middleware::from_fn_with_state(self.clone(), gate))
            .with_state(self)
    }

    /// Tokens alive right now.
    pub fn open_sessions(&self) -> usize {
        let mut t = self.lock();
        self.prune(&mut t);
        t.len()
    }

    /// Drop every token, as an idle timeout would.
    pub fn expire_sessions(&self) {
        self.lock().clear();
    }

    /// The live tokens (tests use this to prove no token leaks into error text).
    pub fn live_tokens(&self) -> Vec<String> {
        let mut t = self.lock();
        self.prune(&mut t);
        t.keys().cloned().collect()
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<String, Instant>> {
        // A panic elsewhere must not wedge the lab: the map stays usable.
        self.tokens
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn prune(&self, t: &mut HashMap<String, Instant>) {
        let idle = self.idle;
        t.retain(|_, last| last.elapsed() < idle);
    }

    /// Token first (and refreshed on use); without the header, Basic credentials.
    fn authorize(&self, h: &HeaderMap) -> Result<(), Box<Response>> {
        if let Some(v) = h.get("x-auth-token") {
            let tok = v.to_str().unwrap_or_default();
            let mut t = self.lock();
            self.prune(&mut t);
            return match t.get_mut(tok) {
                Some(last) => {
                    *last = Instant::now();
                    Ok(())
                }
                None => Err(Box::new(unauthorized("Invalid or expired X-Auth-Token"))),
            };
        }
        check_basic(h)
    }

    fn uptime_secs(&self) -> u64 {
        let recorded = self
            .version
            .get("upTimeinSeconds")
            .and_then(Value::as_u64)
            .unwrap_or(0);
        recorded + self.started.elapsed().as_secs()
    }

    fn field(&self, key: &str, default: &str) -> String {
        self.version
            .get(key)
            .and_then(Value::as_str)
            .unwrap_or(default)
            .to_string()
    }

    /// (hardwareID, nameif, ip, mask, shutdown) for each recorded physical interface.
    fn interfaces(&self) -> Vec<(String, String, String, String, bool)> {
        let s = |v: &Value, p: &str| {
            v.pointer(p)
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string()
        };
        self.physical
            .get("items")
            .and_then(Value::as_array)
            .map(|items| {
                items
                    .iter()
                    .map(|i| {
                        (
                            s(i, "/hardwareID"),
                            s(i, "/name"),
                            s(i, "/ipAddress/ip/value"),
                            s(i, "/ipAddress/netMask/value"),
                            i.get("shutdown").and_then(Value::as_bool).unwrap_or(false),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The output of one CLI line, as the ASA prints it.
    fn run_cli(&self, line: &str) -> String {
        // `cmd | include x` filters are cheap and common in scripts (the ASA REST docs use one).
        let (cmd, filter) = match line.split_once('|') {
            Some((c, f)) => (c, Some(f.trim())),
            None => (line, None),
        };
        let words: Vec<String> = cmd
            .split_whitespace()
            .map(str::to_ascii_lowercase)
            .collect();
        let words: Vec<&str> = words.iter().map(String::as_str).collect();
        let out = match words.as_slice() {
            ["show", "version"] => self.show_version(),
            ["show", "hostname"] => self.hostname_capture(0),
            ["show", "hostname", "fqdn"] => self.hostname_capture(1),
            ["show", "interface", "ip", "brief"] => self.show_ip_brief(),
            ["show", "clock"] => format!("{}\n", asa_clock(SystemTime::now())),
            ["show", "running-config"] => self.show_running(),
            ["write", "memory" | "mem"] | ["wr", "mem"] | ["write" | "wr"] => {
                WRITE_MEMORY.to_string()
            }
            _ => return INVALID_INPUT.to_string(),
        };
        match filter {
            None => out,
            Some(f) => {
                let mut parts = f.splitn(2, char::is_whitespace);
                let verb = parts.next().unwrap_or("").to_ascii_lowercase();
                let pat = parts.next().unwrap_or("").trim();
                if !matches!(verb.as_str(), "include" | "inc" | "i" | "grep") || pat.is_empty() {
                    return INVALID_INPUT.to_string();
                }
                out.lines()
                    .filter(|l| l.contains(pat))
                    .flat_map(|l| [l, "\n"])
                    .collect()
            }
        }
    }

    /// The recorded `show hostname` / `show hostname fqdn` answer (no domain-name configured,
    /// so both are the bare hostname) with the simulator's name in it.
    fn hostname_capture(&self, i: usize) -> String {
        util::fixture(HOSTNAME_CLI)
            .pointer(&format!("/response/{i}"))
            .and_then(Value::as_str)
            .unwrap_or("ASAvL1\n")
            .replace(RECORDED_HOSTNAME, &self.name)
    }

    fn show_version(&self) -> String {
        let up = self.uptime_secs();
        let (d, h, m) = (up / 86400, (up % 86400) / 3600, (up % 3600) / 60);
        let uptime = if d > 0 {
            format!("{d} days {h} hours")
        } else {
            format!("{h} hours {m} mins")
        };
        let flash = self
            .version
            .get("totalFlashinMB")
            .and_then(Value::as_u64)
            .unwrap_or(8192);
        let mut nics = String::new();
        for (i, (hw, ..)) in self.interfaces().iter().enumerate() {
            nics.push_str(&format!(
                " {i}: Ext: {hw:<20}: address is 0050.56a3.{:04x}, irq {}\n",
                0x1a00 + i,
                10 + i
            ));
        }
        format!(
            "\nCisco Adaptive Security Appliance Software Version {ver} \n\
             Device Manager Version 7.4(1)\n\n\
             Compiled on Tue 24-Mar-15 13:55 PDT by builders\n\
             System image file is \"boot:/asa941-205-smp-k8.bin\"\n\
             Config file at boot was \"startup-config\"\n\n\
             {name} up {uptime}\n\n\
             Hardware:   {dev}, 2048 MB RAM, CPU Xeon E5 series 2600 MHz,\n\
             Model Id:   ASAv10\n\
             Internal ATA Compact Flash, {flash}MB\n\
             Slot 1: ATA Compact Flash, {flash}MB\n\
             BIOS Flash Firmware Hub @ 0x0, 0KB\n\n\
             {nics}\n\
             License mode: Smart Licensing\n\
             ASAv Platform License State: Licensed\n\n\
             Firewall mode: {mode}\n\n\
             Serial Number: {serial}\n\
             Image type          : Release\n\
             Key version         : A\n\n\
             Configuration has not been modified since last system restart.\n",
            ver = self.field("asaVersion", "9.4(1)205"),
            name = self.name,
            dev = self.field("deviceType", "ASAv"),
            mode = self.field("firewallMode", "Router"),
            serial = self.serial,
        )
    }

    fn show_ip_brief(&self) -> String {
        let mut out = format!(
            "{:<27}{:<16}{:<4}{:<7}{:<22}{}\n",
            "Interface", "IP-Address", "OK?", "Method", "Status", "Protocol"
        );
        for (hw, _, ip, _, shut) in self.interfaces() {
            let (status, proto) = if shut {
                ("administratively down", "down")
            } else {
                ("up", "up")
            };
            let ip = if ip.is_empty() {
                "unassigned".into()
            } else {
                ip
            };
            out.push_str(&format!(
                "{hw:<27}{ip:<16}{:<4}{:<7}{status:<22}{proto}\n",
                "YES", "CONFIG"
            ));
        }
        out
    }

    fn show_running(&self) -> String {
        let mut ifs = String::new();
        for (hw, nameif, ip, mask, shut) in self.interfaces() {
            ifs.push_str(&format!("interface {hw}\n"));
            if shut {
                ifs.push_str(" shutdown\n");
            }
            if hw.starts_with("Management") {
                ifs.push_str(" management-only\n");
            }
            ifs.push_str(&format!(" nameif {nameif}\n"));
            let level = if nameif == "outside" { 0 } else { 100 };
            ifs.push_str(&format!(" security-level {level}\n"));
            if !ip.is_empty() {
                ifs.push_str(&format!(" ip address {ip} {mask} \n"));
            }
            ifs.push_str("!\n");
        }
        format!(
            ": Saved\n\n:\n: Serial Number: {serial}\n: Hardware:   ASAv, 2048 MB RAM, CPU Xeon E5 series 2600 MHz\n:\n\
             ASA Version {ver} \n!\nhostname {name}\n\
             enable password ***** pbkdf2\nnames\n!\n{ifs}\
             ftp mode passive\npager lines 23\nmtu inside 1500\nmtu outside 1500\nmtu mgmt 1500\n\
             route mgmt 0.0.0.0 0.0.0.0 172.16.62.1 1\n\
             aaa authentication http console LOCAL\n\
             http server enable\nhttp 0.0.0.0 0.0.0.0 mgmt\n\
             username {USERNAME} password ***** pbkdf2 privilege 15\n\
             rest-api image disk0:/asa-restapi-132-lfbff-k8.SPA\nrest-api agent\n\
             : end\n",
            serial = self.serial,
            ver = self.field("asaVersion", "9.4(1)205"),
            name = self.name,
        )
    }
}

/// What `write memory` prints. The checksum and size are made up.
const WRITE_MEMORY: &str = "Building configuration...\n\
    Cryptochecksum: 3f6ee2a0 8d8f1d0c 4b5e6a77 c1d2e3f4 \n\n\
    2208 bytes copied in 0.160 secs\n[OK]\n";

/// The documented error body.
fn messages(status: StatusCode, code: &str, context: Option<&str>, details: &str) -> Response {
    let mut m = json!({"level": "Error", "code": code, "details": details});
    if let Some(c) = context {
        m["context"] = json!(c);
    }
    (status, axum::Json(json!({"messages": [m]}))).into_response()
}

/// 401 body: the code and text are guesses (the docs only give the status).
fn unauthorized(details: &str) -> Response {
    messages(
        StatusCode::UNAUTHORIZED,
        "AUTHENTICATION-FAILED",
        None,
        details,
    )
}

fn check_basic(h: &HeaderMap) -> Result<(), Box<Response>> {
    if h.get(header::AUTHORIZATION).is_none() {
        return Err(Box::new(unauthorized("Authentication required")));
    }
    match util::basic_auth(h) {
        // The docs: 400 when the user/password cannot be read from the request.
        None => Err(Box::new(messages(
            StatusCode::BAD_REQUEST,
            "INVALID-CREDENTIALS-FORMAT",
            Some("Authorization"),
            "Unable to read the username and password",
        ))),
        Some((u, p)) if u == USERNAME && p == password("asa") => Ok(()),
        Some(_) => Err(Box::new(unauthorized("Authentication failed"))),
    }
}

/// Every request: the User-Agent rule, then authentication (except for token creation,
/// which checks Basic credentials itself).
async fn gate(State(sim): State<Arc<AsaSim>>, req: Request, next: Next) -> Response {
    let agent = req
        .headers()
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok());
    if agent != Some(AGENT) {
        // Code and wording are ours; the release notes only say the header is required.
        return messages(
            StatusCode::BAD_REQUEST,
            "MISSING-USER-AGENT",
            Some("User-Agent"),
            "All REST API calls must include the header 'User-Agent: REST API Agent'",
        );
    }
    let creating = req.method() == Method::POST && req.uri().path() == "/api/tokenservices";
    if !creating && let Err(r) = sim.authorize(req.headers()) {
        return *r;
    }
    next.run(req).await
}

async fn token_create(State(sim): State<Arc<AsaSim>>, h: HeaderMap) -> Response {
    if let Err(r) = check_basic(&h) {
        return *r;
    }
    let mut t = sim.lock();
    sim.prune(&mut t);
    if t.len() >= sim.max_sessions {
        return messages(
            StatusCode::SERVICE_UNAVAILABLE,
            "MAX-SESSIONS-REACHED",
            None,
            "The maximum number of REST API sessions has been reached",
        );
    }
    let tok = util::token(18);
    t.insert(tok.clone(), Instant::now());
    (StatusCode::NO_CONTENT, [("x-auth-token", tok)]).into_response()
}

async fn token_delete(State(sim): State<Arc<AsaSim>>, Path(token): Path<String>) -> Response {
    let mut t = sim.lock();
    sim.prune(&mut t);
    if t.remove(&token).is_some() {
        StatusCode::NO_CONTENT.into_response()
    } else {
        unauthorized("Invalid token")
    }
}

async fn cli(State(sim): State<Arc<AsaSim>>, body: Bytes) -> Response {
    let cmds = serde_json::from_slice::<Value>(&body).ok().and_then(|v| {
        v.get("commands")?
            .as_array()?
            .iter()
            .map(|c| c.as_str().map(str::to_string))
            .collect::<Option<Vec<String>>>()
    });
    let Some(cmds) = cmds else {
        return messages(
            StatusCode::BAD_REQUEST,
            "INVALID-INPUT",
            Some("commands"),
            "The body must be {\"commands\": [\"<cli line>\", ...]}",
        );
    };
    let response: Vec<String> = cmds.iter().map(|c| sim.run_cli(c)).collect();
    axum::Json(json!({ "response": response })).into_response()
}

async fn version(State(sim): State<Arc<AsaSim>>) -> Response {
    let mut v = sim.version.clone();
    v["upTimeinSeconds"] = json!(sim.uptime_secs());
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    v["currentTimeinSeconds"] = json!(now);
    axum::Json(v).into_response()
}

async fn serial() -> Response {
    axum::Json(util::fixture(SERIAL)).into_response()
}

async fn physical(State(sim): State<Arc<AsaSim>>, RawQuery(q): RawQuery) -> Response {
    page(&sim.physical, q.as_deref())
}

async fn vlan(RawQuery(q): RawQuery) -> Response {
    page(&util::fixture(VLAN), q.as_deref())
}

async fn arp(RawQuery(q): RawQuery) -> Response {
    page(&util::fixture(ARP), q.as_deref())
}

/// One page of a collection. `rangeInfo` is recomputed from the items (the ARP capture was
/// hand-edited and says total 1 for four items).
fn page(collection: &Value, query: Option<&str>) -> Response {
    let q = util::form(query.unwrap_or(""));
    let num = |key: &'static str, default: usize| -> Result<usize, &'static str> {
        q.get(key)
            .map_or(Ok(default), |s| s.parse().map_err(|_| key))
    };
    let (offset, limit) = match (num("offset", 0), num("limit", DEFAULT_LIMIT)) {
        (Ok(o), Ok(l)) => (o, l),
        (Err(key), _) | (_, Err(key)) => {
            return messages(
                StatusCode::BAD_REQUEST,
                "INVALID-QUERY-PARAMETER",
                Some(key),
                &format!("'{key}' must be a non-negative integer"),
            );
        }
    };
    let items = collection
        .get("items")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let total = items.len();
    let slice: Vec<Value> = items.into_iter().skip(offset).take(limit).collect();
    let mut out = collection.clone();
    out["rangeInfo"] = json!({"offset": offset, "limit": slice.len(), "total": total});
    out["items"] = Value::Array(slice);
    axum::Json(out).into_response()
}

/// `POST /api/commands/writemem`: the docs say 200; the body shape is a guess modelled on the
/// CLI passthrough.
async fn writemem() -> Response {
    axum::Json(json!({ "response": [WRITE_MEMORY] })).into_response()
}

async fn not_found() -> Response {
    messages(
        StatusCode::NOT_FOUND,
        "RESOURCE-NOT-FOUND",
        None,
        "Requested resource not found",
    )
}

async fn method_not_allowed() -> Response {
    messages(
        StatusCode::METHOD_NOT_ALLOWED,
        "METHOD-NOT-ALLOWED",
        None,
        "The method is not supported by this resource",
    )
}

/// `10:01:36.437 UTC Wed Dec 7 2016`, the ASA `show clock` format.
fn asa_clock(t: SystemTime) -> String {
    let c = Civil::from(t);
    format!(
        "{:02}:{:02}:{:02}.{:03} UTC {} {} {} {}",
        c.hour, c.min, c.sec, c.milli, c.weekday, c.month, c.day, c.year
    )
}

/// A UTC calendar time, enough for `show clock` (shared with the ArubaOS simulator).
pub(crate) struct Civil {
    pub year: i64,
    pub month: &'static str,
    pub day: u32,
    pub weekday: &'static str,
    pub hour: u64,
    pub min: u64,
    pub sec: u64,
    pub milli: u32,
}

impl From<SystemTime> for Civil {
    #[expect(
        clippy::cast_possible_wrap,
        clippy::cast_sign_loss,
        reason = "days since 1970 fit an i64, and the algorithm keeps day in 1..=31 and month in 1..=12"
    )]
    fn from(t: SystemTime) -> Civil {
        const MONTHS: [&str; 12] = [
            "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
        ];
        const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
        let d = t.duration_since(UNIX_EPOCH).unwrap_or_default();
        let secs = d.as_secs();
        let days = (secs / 86400) as i64;
        // Howard Hinnant's days-to-civil algorithm.
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let month = (if mp < 10 { mp + 3 } else { mp - 9 }) as usize;
        let year = yoe + era * 400 + i64::from(month <= 2);
        Civil {
            year,
            month: MONTHS[(month - 1) % 12],
            day,
            weekday: DAYS[(days.rem_euclid(7)) as usize],
            hour: (secs % 86400) / 3600,
            min: (secs % 3600) / 60,
            sec: secs % 60,
            milli: d.subsec_millis(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clock_formats_known_instant() {
        // 1481132009 is the capture's currentTimeinSeconds: Wed Dec 7 2016 17:33:29 UTC.
        let t = UNIX_EPOCH + Duration::from_secs(1_481_132_009);
        assert_eq!(asa_clock(t), "17:33:29.000 UTC Wed Dec 7 2016");
        let t = UNIX_EPOCH + Duration::from_secs(951_782_400); // 2000-02-29
        let c = Civil::from(t);
        assert_eq!(
            (c.year, c.month, c.day, c.weekday),
            (2000, "Feb", 29, "Tue")
        );
    }

    #[test]
    fn cli_answers_and_rejects() {
        let sim = AsaSim::new("fw1", &LabOptions::default());
        assert_eq!(sim.run_cli("show hostname"), "fw1\n");
        assert_eq!(sim.run_cli("show  hostname fqdn"), "fw1\n");
        let v = sim.run_cli("show version");
        assert!(
            v.contains("9.4(1)205") && v.contains("9AVP5MLG543") && v.contains("fw1 up"),
            "{v}"
        );
        assert_eq!(
            sim.run_cli("show version | include Serial"),
            "Serial Number: 9AVP5MLG543\n"
        );
        assert!(
            sim.run_cli("show interface ip brief")
                .contains("192.168.2.1")
        );
        assert_eq!(sim.run_cli("show bogus"), INVALID_INPUT);
    }
}
