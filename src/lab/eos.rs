//! Simulated Arista EOS eAPI: JSON-RPC 2.0 `runCmds` on `/command-api`, HTTP Basic, the
//! `/login` session cookie and X.509 client certificates, the documented error codes
//! (1002 invalid, 1003 unconverted, 1004 incompatible, 1005 unauthorized, -32xxx protocol),
//! exec/enable/config modes. Show output is the recorded responses in `fixtures/eos`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::{Value, json};

use super::tls::PeerCn;
use super::util::{basic_auth, cookie, fixture, token};
use super::{LabOptions, USERNAME, VIEWER};

/// One simulated switch.
pub struct EosSim {
    name: String,
    password: String,
    session_life: Duration,
    hostname: Mutex<String>,
    /// Session id → (user, created).
    sessions: Mutex<HashMap<String, (String, Instant)>>,
    version: Value,
    /// The `params.version` of the last runCmds (tests check what clients send).
    last_version: Mutex<Option<Value>>,
    /// Interface counters grow from here (`show interfaces counters`), so a repeated
    /// command sees traffic.
    started: Instant,
    /// Software version reported instead of the recording's (`--eos-version`).
    version_override: Mutex<Option<String>>,
}

/// Privilege of a lab user: admin 15, viewer 1.
fn privilege(user: &str) -> Option<u8> {
    match user {
        USERNAME => Some(15),
        VIEWER => Some(1),
        _ => None,
    }
}

impl EosSim {
    pub fn new(name: &str, index: usize, opts: &LabOptions) -> Arc<Self> {
        let mut version = fixture(include_str!(
            "fixtures/eos/napalm_show_version_ceos4.30.json"
        ));
        // Distinct serial and MAC per switch, so a fan-out shows which answer is whose.
        version["serialNumber"] = json!(format!("LAB{index:08}"));
        version["systemMacAddress"] = json!(format!(
            "00:1c:73:{:02x}:{:02x}:{:02x}",
            (index >> 16) & 0xff,
            (index >> 8) & 0xff,
            index & 0xff
        ));
        Arc::new(EosSim {
            name: name.to_string(),
            password: super::password("eos"),
            session_life: opts.lifetimes.eos_session,
            hostname: Mutex::new(name.to_string()),
            sessions: Mutex::new(HashMap::new()),
            version,
            last_version: Mutex::new(None),
            started: Instant::now(),
            version_override: Mutex::new(
                opts.eos_versions
                    .iter()
                    .find(|(n, _)| n == name)
                    .map(|(_, v)| v.clone()),
            ),
        })
    }

    /// Report software `version` from now on (`show version`, and so the polled facts).
    pub fn set_version(&self, version: &str) {
        if let Ok(mut v) = self.version_override.lock() {
            *v = Some(version.to_string());
        }
    }

    /// `show version`: the recording, with the overridden version if one was set.
    fn show_version(&self) -> Value {
        let mut v = self.version.clone();
        if let Some(ver) = self.version_override.lock().ok().and_then(|o| o.clone()) {
            v["version"] = json!(ver);
            v["internalVersion"] = json!(ver);
        }
        v
    }

    /// The `params.version` the last runCmds request carried.
    pub fn last_version(&self) -> Option<Value> {
        self.last_version.lock().ok().and_then(|v| v.clone())
    }

    pub fn router(self: Arc<Self>) -> Router {
        Router::new()
            .route("/command-api", post(command_api))
            .route("/login", post(login))
            .route("/logout", post(logout))
            .with_state(self)
    }

    pub fn open_sessions(&self) -> usize {
        let now = Instant::now();
        self.sessions.lock().map_or(0, |s| {
            s.values()
                .filter(|(_, t)| now.duration_since(*t) < self.session_life)
                .count()
        })
    }

    pub fn expire_sessions(&self) {
        if let Ok(mut s) = self.sessions.lock() {
            s.clear();
        }
    }

    /// The user a request authenticates as: client certificate, then session cookie,
    /// then Basic.
    fn authenticate(&self, headers: &HeaderMap, peer: &PeerCn) -> Option<String> {
        if let Some(cn) = &peer.0 {
            // eAPI reads "<username> <privilege>" from the certificate's common name.
            let user = cn.split_whitespace().next().unwrap_or("");
            if privilege(user).is_some() {
                return Some(user.to_string());
            }
        }
        if let Some(id) = cookie(headers, "Session") {
            let now = Instant::now();
            if let Ok(s) = self.sessions.lock()
                && let Some((u, t)) = s.get(&id)
                && now.duration_since(*t) < self.session_life
            {
                return Some(u.clone());
            }
        }
        let (u, p) = basic_auth(headers)?;
        (privilege(&u).is_some() && p == self.password).then_some(u)
    }

    fn hostname(&self) -> String {
        self.hostname
            .lock()
            .map_or_else(|_| self.name.clone(), |h| h.clone())
    }
}

fn unauthorized() -> Response {
    (
        StatusCode::UNAUTHORIZED,
        [(header::WWW_AUTHENTICATE, "Basic realm=\"eAPI\"")],
        "Unauthorized",
    )
        .into_response()
}

async fn login(
    State(sim): State<Arc<EosSim>>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let creds: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let user = creds.get("username").and_then(Value::as_str);
    let pass = creds.get("password").and_then(Value::as_str);
    match (user, pass) {
        (Some(u), Some(p)) if privilege(u).is_some() && p == sim.password => {
            let id = token(18);
            if let Ok(mut s) = sim.sessions.lock() {
                s.insert(id.clone(), (u.to_string(), Instant::now()));
            }
            let c = format!(
                "Session={id}; Max-Age={}; Path=/; HttpOnly; Secure",
                sim.session_life.as_secs()
            );
            (StatusCode::OK, [(header::SET_COOKIE, c)], "").into_response()
        }
        // Session validation: `{}` with a valid cookie.
        (None, None) if sim.authenticate(&headers, &PeerCn(None)).is_some() => {
            StatusCode::OK.into_response()
        }
        _ => unauthorized(),
    }
}

async fn logout(State(sim): State<Arc<EosSim>>, headers: HeaderMap) -> Response {
    let removed = cookie(&headers, "Session")
        .and_then(|id| sim.sessions.lock().ok().and_then(|mut s| s.remove(&id)));
    if removed.is_some() {
        StatusCode::OK.into_response()
    } else {
        StatusCode::BAD_REQUEST.into_response()
    }
}

fn rpc_error(id: &Value, code: i64, message: &str, data: Vec<Value>) -> Response {
    axum::Json(json!({
        "jsonrpc": "2.0",
        "id": id,
        "error": {"code": code, "message": message, "data": data},
    }))
    .into_response()
}

async fn command_api(
    State(sim): State<Arc<EosSim>>,
    axum::Extension(peer): axum::Extension<PeerCn>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let Some(user) = sim.authenticate(&headers, &peer) else {
        return unauthorized();
    };
    let req: Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(_) => return rpc_error(&Value::Null, -32700, "Parse error", vec![]),
    };
    let id = req.get("id").cloned().unwrap_or(Value::Null);
    if req.get("jsonrpc").and_then(Value::as_str) != Some("2.0") {
        return rpc_error(
            &id,
            -32600,
            "Invalid request: jsonrpc must be \"2.0\"",
            vec![],
        );
    }
    if req.get("method").and_then(Value::as_str) != Some("runCmds") {
        return rpc_error(&id, -32601, "Method not found", vec![]);
    }
    let params = req.get("params").cloned().unwrap_or(Value::Null);
    if let Ok(mut v) = sim.last_version.lock() {
        *v = params.get("version").cloned();
    }
    let version_ok = match params.get("version") {
        Some(Value::Number(n)) => n.as_u64() == Some(1),
        Some(Value::String(s)) => s == "latest",
        _ => false,
    };
    let Some(cmds) = params
        .get("cmds")
        .and_then(Value::as_array)
        .filter(|_| version_ok)
    else {
        return rpc_error(
            &id,
            -32602,
            "Invalid params: 'version' (1 or \"latest\") and 'cmds' (a list) are required",
            vec![],
        );
    };
    let text = match params.get("format").and_then(Value::as_str) {
        None | Some("json") => false,
        Some("text") => true,
        Some(_) => {
            return rpc_error(
                &id,
                -32602,
                "Invalid params: format must be json or text",
                vec![],
            );
        }
    };
    let priv_level = privilege(&user).unwrap_or(1);
    let mut mode = Mode::Exec;
    let mut results = Vec::with_capacity(cmds.len());
    let n = cmds.len();
    for (i, c) in cmds.iter().enumerate() {
        let line = match c {
            Value::String(s) => s.clone(),
            Value::Object(o) => o
                .get("cmd")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string(),
            _ => String::new(),
        };
        match sim.run(&line, &mut mode, priv_level, text) {
            Ok(v) => results.push(v),
            Err((code, what, errors)) => {
                let message = format!("CLI command {} of {n} '{line}' failed: {what}", i + 1);
                results.push(json!({"errors": errors}));
                return rpc_error(&id, code, &message, results);
            }
        }
    }
    axum::Json(json!({"jsonrpc": "2.0", "id": id, "result": results})).into_response()
}

#[derive(PartialEq)]
enum Mode {
    Exec,
    Enable,
    Config,
}

type CmdError = (i64, &'static str, Vec<String>);

fn invalid(line: &str) -> CmdError {
    let word = line.split_whitespace().last().unwrap_or("");
    let at = line.split_whitespace().count();
    (
        1002,
        "invalid command",
        vec![format!(
            "Invalid input (at token {}: '{word}')",
            at.saturating_sub(1)
        )],
    )
}

impl EosSim {
    fn run(
        &self,
        line: &str,
        mode: &mut Mode,
        priv_level: u8,
        text: bool,
    ) -> Result<Value, CmdError> {
        let l = line.trim();
        let lower = l.to_ascii_lowercase();
        if l.contains('|') {
            return Err((
                1002,
                "invalid command",
                vec!["CLI pipes are not allowed in eAPI".into()],
            ));
        }
        if lower == "enable" {
            if *mode == Mode::Exec {
                *mode = Mode::Enable;
            }
            return Ok(json!({}));
        }
        if lower.starts_with("watch")
            || lower == "reload"
            || lower.starts_with("bash") && !lower.starts_with("bash timeout")
        {
            return Err((
                1004,
                "incompatible command",
                vec![format!("Command '{l}' cannot be run over the Command API")],
            ));
        }
        if lower == "configure" || lower == "configure terminal" {
            if priv_level < 15 || *mode == Mode::Exec {
                return Err((
                    1005,
                    "permission to run command denied",
                    vec![format!("Authorization denied for command '{l}'")],
                ));
            }
            *mode = Mode::Config;
            return Ok(json!({}));
        }
        if *mode == Mode::Config && !lower.starts_with("show") {
            if lower == "end" {
                *mode = Mode::Enable;
            } else if let Some(h) = l.strip_prefix("hostname ")
                && let Ok(mut cur) = self.hostname.lock()
            {
                *cur = h.trim().to_string();
            }
            return Ok(json!({}));
        }
        let out = self.show(&lower, *mode != Mode::Exec);
        match (out, text) {
            (Some(Show::Json(v)), false) => Ok(v),
            (Some(Show::Json(v)), true) => Ok(json!({"output": render_text(&lower, &v, self)})),
            (Some(Show::TextOnly(_)), false) => Err((
                1003,
                "unconverted command",
                vec![format!(
                    "'{l}' has not been converted to return JSON; use format text"
                )],
            )),
            (Some(Show::TextOnly(t)), true) => Ok(json!({"output": t})),
            (None, _) if lower.starts_with("show ip bgp") || lower.starts_with("show bgp") => {
                Err((1000, "could not run command", vec!["BGP inactive".into()]))
            }
            (None, true) => Ok(json!({"output": "% Invalid input\n"})),
            (None, false) => Err(invalid(l)),
        }
    }

    fn show(&self, cmd: &str, enabled: bool) -> Option<Show> {
        let rpc_result = |s: &str| fixture(s).get("result").and_then(|r| r.get(1)).cloned();
        let v = match cmd {
            "show version" => self.show_version(),
            "show hostname" => {
                json!({"hostname": self.hostname(), "fqdn": format!("{}.lab.example", self.hostname())})
            }
            "show clock" => {
                let now = SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .unwrap_or_default();
                json!({"utcTime": now.as_secs_f64(), "timezone": "UTC", "clockSource": {"local": true}})
            }
            "show interfaces" => fixture(include_str!("fixtures/eos/napalm_show_interfaces.json")),
            "show interfaces counters" => self.counters(),
            "show vlan" => fixture(include_str!("fixtures/eos/napalm_show_vlan.json")),
            "show ip interface" => {
                fixture(include_str!("fixtures/eos/napalm_show_ip_interface.json"))
            }
            "show lldp neighbors" => {
                fixture(include_str!("fixtures/eos/napalm_show_lldp_neighbors.json"))
            }
            "show lldp neighbors detail" => fixture(include_str!(
                "fixtures/eos/napalm_show_lldp_neighbors_detail_small.json"
            )),
            "show arp vrf all" => {
                fixture(include_str!("fixtures/eos/napalm_show_arp_vrf_all.json"))
            }
            "show arp" => rpc_result(include_str!("fixtures/eos/goeapi_rpc_show_arp.json"))?,
            "show mac address-table" => rpc_result(include_str!(
                "fixtures/eos/goeapi_rpc_show_mac_address_table.json"
            ))?,
            "show interfaces switchport" => rpc_result(include_str!(
                "fixtures/eos/goeapi_rpc_show_interfaces_switchport.json"
            ))?,
            "show running-config" if enabled => {
                return Some(Show::TextOnly(format!(
                    "! Command: show running-config\n! device: {} (cEOSLab, EOS-4.30.0F)\n!\nhostname {}\n!\nmanagement api http-commands\n   no shutdown\n!\ninterface Ethernet1\n   description uplink\n!\nend\n",
                    self.hostname(),
                    self.hostname()
                )));
            }
            "show logging" => {
                return Some(Show::TextOnly(format!(
                    "Syslog logging: enabled\nLog Buffer:\nNov 22 10:00:00 {} Launcher: %LAUNCHER-6-PROCESS_START: Configuring process 'Lldp'\n",
                    self.hostname()
                )));
            }
            _ => return None,
        };
        Some(Show::Json(v))
    }
}

impl EosSim {
    /// `show interfaces counters` as eAPI models it, growing steadily with time since the
    /// switch started (Ethernet1 fastest, Management1 idle but for a trickle).
    fn counters(&self) -> Value {
        let ms = u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX);
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs_f64();
        let mut interfaces = serde_json::Map::new();
        // (name, bytes per second in, out)
        for (i, (name, rate_in, rate_out)) in [
            ("Ethernet1", 125_000u64, 62_500u64),
            ("Ethernet2", 12_500, 25_000),
            ("Ethernet3", 0, 0),
            ("Management1", 120, 80),
        ]
        .into_iter()
        .enumerate()
        {
            let base = 1_000_000 * (i as u64 + 1);
            let octets = |rate: u64| base.saturating_add(rate.saturating_mul(ms) / 1000);
            let (inb, outb) = (octets(rate_in), octets(rate_out));
            interfaces.insert(
                name.into(),
                json!({
                    "inOctets": inb, "inUcastPkts": inb / 500, "inMulticastPkts": inb / 50_000,
                    "inBroadcastPkts": inb / 200_000, "inDiscards": 0,
                    "outOctets": outb, "outUcastPkts": outb / 500, "outMulticastPkts": outb / 50_000,
                    "outBroadcastPkts": outb / 200_000, "outDiscards": 0,
                    "lastUpdateTimestamp": now,
                }),
            );
        }
        json!({ "interfaces": interfaces })
    }
}

enum Show {
    Json(Value),
    /// A command without a JSON model: 1003 in json format, text in text format.
    TextOnly(String),
}

fn render_text(cmd: &str, v: &Value, sim: &EosSim) -> String {
    match cmd {
        "show version" => {
            let s = |k: &str| v.get(k).and_then(Value::as_str).unwrap_or("").to_string();
            format!(
                "Arista {}\nHardware version:    {}\nSerial number:       {}\nSystem MAC address:  {}\n\nSoftware image version: {}\nArchitecture:           {}\nInternal build version: {}\n\nUptime:                 6 minutes\n",
                s("modelName"),
                s("hardwareRevision"),
                s("serialNumber"),
                s("systemMacAddress"),
                s("version"),
                s("architecture"),
                s("internalVersion")
            )
        }
        "show hostname" => format!(
            "Hostname: {}\nFQDN:     {}.lab.example\n",
            sim.hostname(),
            sim.hostname()
        ),
        _ => serde_json::to_string_pretty(v).unwrap_or_default() + "\n",
    }
}
