//! HPE Aruba AOS-CX REST API: `POST /rest/{ver}/login` with `x-use-csrf-token: true`; the
//! `id` cookie and the `X-Csrf-Token` (10.09 and later) go on every later request; older
//! firmware sends no token and the cookie alone is used. Sessions are scarce (6 per user,
//! 48 per switch), time out after 20 minutes idle and 8 hours in all, and are always
//! logged out. AOS-CX has no CLI over REST: a few show commands map to REST paths.

use std::time::{Duration, SystemTime};

use reqwest::Client;
use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;

use super::http::{self, TlsPolicy};
use super::request_info::{Placeholder, RequestInfo, Template, TlsInfo};
use super::{CommandOutput, Context, Driver, SessionFacts, SessionLimits, VendorError};
use crate::command::{Command, Method};
use crate::config::DeviceConfig;
use crate::kind::AuthScheme;

const IDLE: Duration = Duration::from_secs(20 * 60);
const HARD: Duration = Duration::from_secs(8 * 3600);
/// The body AOS-CX sends with a 401 when every session slot is taken.
const SESSION_LIMIT: &str = "Login failed: session limit reached";

/// One AOS-CX session.
pub struct AosCx {
    client: Client,
    base: String,
    peer: String,
    version: String,
    username: String,
    password: SecretString,
    timeout: Duration,
    cookie: Option<SecretString>,
    csrf: Option<SecretString>,
    since: Option<SystemTime>,
    last_used: Option<SystemTime>,
    relogins: u32,
    ever_logged_in: bool,
    /// How the copied curl trusts the switch.
    tls_info: TlsInfo,
}

/// The REST request a mapped show command stands for.
pub(crate) fn map_cli(line: &str) -> Result<(&'static str, String), VendorError> {
    let norm: Vec<String> = line
        .split_whitespace()
        .map(str::to_ascii_lowercase)
        .collect();
    let norm: Vec<&str> = norm.iter().map(String::as_str).collect();
    let path = match norm.as_slice() {
        ["show", "version"] => {
            "/system?attributes=hostname,platform_name,software_version,software_info,boot_time,mgmt_intf_status"
        }
        ["show", "vlan" | "vlans"] => "/system/vlans?depth=2",
        ["show", "interface" | "interfaces", "brief"] => {
            "/system/interfaces?depth=2&attributes=name,admin_state,link_state,description,link_speed,vlan_mode"
        }
        ["show", "system"] => "/system",
        _ => {
            let hint = match norm.get(1) {
                Some(&"lldp") => "GET /system/interfaces/*/lldp_neighbors?depth=2",
                Some(&"running-config") => "GET /fullconfigs/running-config",
                Some(&"interface" | &"interfaces") => "GET /system/interfaces?depth=2",
                _ => "GET /system?depth=1",
            };
            return Err(VendorError::Unsupported(format!(
                "AOS-CX has no CLI over REST; '{line}' is not mapped: try {hint} (mapped: show version, show vlan, show interface brief, show system)"
            )));
        }
    };
    Ok(("GET", path.to_string()))
}

impl AosCx {
    pub fn new(cfg: &DeviceConfig, ctx: &Context) -> Result<Self, VendorError> {
        let base = cfg.base_url().map_err(VendorError::Config)?;
        let client = ctx.clients.get(&TlsPolicy {
            verify: cfg.verify_tls,
            ca_cert: cfg.ca_cert.clone(),
            identity: None,
        })?;
        Ok(AosCx {
            client,
            peer: base.trim_start_matches("https://").to_string(),
            base,
            version: cfg.api_version.clone().unwrap_or_else(|| "latest".into()),
            username: cfg.username.clone(),
            password: cfg
                .resolve_password()
                .map_err(|e| VendorError::Config(e.to_string()))?,
            timeout: ctx.timeout,
            cookie: None,
            csrf: None,
            since: None,
            last_used: None,
            relogins: 0,
            ever_logged_in: false,
            tls_info: TlsInfo::of_device(cfg),
        })
    }

    fn url(&self, path: &str) -> String {
        if path.starts_with("/rest/") {
            format!("{}{path}", self.base)
        } else {
            format!("{}/rest/{}{path}", self.base, self.version)
        }
    }

    fn authed(&self, rb: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        let mut rb = rb.header(reqwest::header::ACCEPT, "application/json");
        if let Some(c) = &self.cookie {
            rb = rb.header(reqwest::header::COOKIE, format!("id={}", c.expose_secret()));
        }
        if let Some(t) = &self.csrf {
            rb = rb.header("x-csrf-token", t.expose_secret());
        }
        rb
    }

    /// The request [`Self::authed`] builds, with the cookie and CSRF token as placeholders.
    fn describe(&self, method: Method, path: &str, body: Option<&Value>) -> RequestInfo {
        let mut r = RequestInfo::new(
            method.as_str(),
            Template::text(self.url(path)),
            self.tls_info.clone(),
        )
        .header("Accept", Template::text("application/json"));
        if self.cookie.is_some() {
            r = r.header("Cookie", Template::text("id=").var(Placeholder::Token));
        }
        if self.csrf.is_some() {
            r = r.header("x-csrf-token", Template::default().var(Placeholder::Csrf));
        }
        if body.is_some() {
            r = r.header("Content-Type", Template::text("application/json"));
        }
        r.body(body.map(Value::to_string)).hint(format!(
            "TOKEN is the id cookie and CSRF_TOKEN the x-csrf-token of POST /rest/{}/login (log out after)",
            self.version
        ))
    }

    fn secrets(&self) -> Vec<&str> {
        let mut v = vec![self.password.expose_secret()];
        v.extend(
            self.cookie
                .as_ref()
                .map(secrecy::ExposeSecret::expose_secret),
        );
        v.extend(self.csrf.as_ref().map(secrecy::ExposeSecret::expose_secret));
        v
    }

    fn message(&self, reply: &http::Reply) -> String {
        message_of(reply, &self.secrets())
    }
}

/// A one-line message from an error body (JSON `message`, or its first line), secrets masked.
fn message_of(reply: &http::Reply, secrets: &[&str]) -> String {
    let m = serde_json::from_slice::<Value>(&reply.body)
        .ok()
        .and_then(|v| v.get("message").and_then(Value::as_str).map(str::to_string))
        .unwrap_or_else(|| reply.snippet());
    crate::redact::text(&m, secrets)
}

/// Entry points for the property tests (`tests/parsers_prop.rs`). Not an API.
#[doc(hidden)]
pub mod testing {
    use super::{VendorError, http};

    pub fn message_of(reply: &http::Reply, secrets: &[&str]) -> String {
        super::message_of(reply, secrets)
    }

    /// The REST path a CLI line maps to, or why it cannot be mapped.
    pub fn map_cli(line: &str) -> Result<String, VendorError> {
        super::map_cli(line).map(|(_, p)| p)
    }
}

impl Driver for AosCx {
    async fn login(&mut self) -> Result<(), VendorError> {
        let form = [
            ("username", self.username.as_str()),
            ("password", self.password.expose_secret()),
        ];
        let rb = self
            .client
            .post(self.url("/login"))
            .header(reqwest::header::ACCEPT, "*/*")
            .header("x-use-csrf-token", "true")
            .form(&form);
        let reply = http::send(rb, &self.peer, self.timeout).await?;
        match reply.status.as_u16() {
            200 | 201 | 204 => {}
            401 if String::from_utf8_lossy(&reply.body).contains(SESSION_LIMIT) => {
                return Err(VendorError::SessionLimit(format!(
                    "{SESSION_LIMIT} ({}: 6 sessions per user, 48 per switch)",
                    self.peer
                )));
            }
            401 | 403 => {
                return Err(VendorError::bad_password(format!(
                    "{} answered {} to /login",
                    self.peer,
                    reply.status.as_u16()
                )));
            }
            s => {
                return Err(VendorError::Http {
                    status: s,
                    message: format!("/login: {}", self.message(&reply)),
                });
            }
        }
        let cookie = http::cookie(&reply.headers, "id").ok_or_else(|| {
            VendorError::BadResponse(format!(
                "{} accepted /login but set no id cookie",
                self.peer
            ))
        })?;
        self.cookie = Some(SecretString::from(cookie));
        // Pre-10.09 firmware issues no token: the cookie alone carries the session.
        self.csrf = reply
            .header("x-csrf-token")
            .map(|t| SecretString::from(t.to_string()));
        if self.ever_logged_in {
            self.relogins += 1;
        }
        self.ever_logged_in = true;
        let now = SystemTime::now();
        self.since = Some(now);
        self.last_used = Some(now);
        Ok(())
    }

    async fn execute_once(&mut self, cmd: &Command) -> Result<CommandOutput, VendorError> {
        let (method, path, body, note) = match cmd {
            Command::Cli(line) => {
                let (_, path) = map_cli(line)?;
                let note = format!(
                    "AOS-CX has no CLI over REST: ran GET /rest/{}{path}",
                    self.version
                );
                (Method::Get, path, None, Some(note))
            }
            Command::Rest { method, path, body } => (*method, path.clone(), body.clone(), None),
        };
        let described = self.describe(method, &path, body.as_ref());
        let mut rb = self.authed(self.client.request(method.http(), self.url(&path)));
        if let Some(b) = &body {
            rb = rb.json(b);
        }
        let reply = http::send(rb, &self.peer, self.timeout).await?;
        if reply.status == reqwest::StatusCode::UNAUTHORIZED {
            // Told apart so a rejected CSRF token is not reported as an idle timeout.
            let why = if String::from_utf8_lossy(&reply.body).contains("CSRF") {
                "the switch rejected the session's CSRF token"
            } else {
                "the switch no longer accepts the session (idle 20 min, 8 h limit, or closed)"
            };
            return Err(VendorError::Expired(why.into()));
        }
        self.last_used = Some(SystemTime::now());
        if !reply.status.is_success() {
            return Err(VendorError::Http {
                status: reply.status.as_u16(),
                message: format!(
                    "{} {}: {}",
                    method.as_str(),
                    crate::redact::url(&path),
                    self.message(&reply)
                ),
            });
        }
        let mut out = if reply.body.iter().all(u8::is_ascii_whitespace) {
            let mut o = CommandOutput::json(Value::Null);
            o.notes
                .push(format!("HTTP {}: no content", reply.status.as_u16()));
            o
        } else {
            CommandOutput::json(reply.json(&self.peer)?)
        };
        out.notes.extend(note);
        Ok(out.with_request(Some(described)))
    }

    fn facts(&self) -> SessionFacts {
        SessionFacts {
            auth: if self.csrf.is_some() {
                AuthScheme::CookieCsrf
            } else {
                AuthScheme::Cookie
            },
            logged_in: self.cookie.is_some(),
            since: self.since,
            last_used: self.last_used,
            idle_timeout: Some(IDLE),
            hard_limit: Some(HARD),
            limits: SessionLimits {
                per_user: Some(6),
                per_device: Some(48),
            },
            relogins: self.relogins,
            ..SessionFacts::default()
        }
    }

    fn is_logged_in(&self) -> bool {
        self.cookie.is_some()
    }

    async fn logout(&mut self) -> Result<(), VendorError> {
        if self.cookie.is_none() {
            return Ok(());
        }
        let rb = self.authed(self.client.post(self.url("/logout")));
        let r = http::send(rb, &self.peer, self.timeout).await;
        self.cookie = None;
        self.csrf = None;
        let reply = r?;
        match reply.status.as_u16() {
            // 401: the switch had already ended it.
            200 | 204 | 401 => Ok(()),
            s => Err(VendorError::Http {
                status: s,
                message: "/logout refused".into(),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn cli_mapping() {
        assert!(super::map_cli("show version").is_ok());
        assert!(super::map_cli("show  Interface brief").is_ok());
        let e = super::map_cli("show lldp neighbors").expect_err("unmapped");
        assert!(
            e.to_string()
                .contains("GET /system/interfaces/*/lldp_neighbors"),
            "{e}"
        );
    }
}
