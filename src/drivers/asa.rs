//! Cisco ASA REST API driver.
//!
//! Token auth (default): `POST /api/tokenservices` with Basic credentials returns 204 and an
//! `X-Auth-Token`, sent on every later request and invalidated with
//! `DELETE /api/tokenservices/{token}`. Basic auth (`auth = "basic"`) sends the credentials on
//! every request and holds no session. Every request carries `User-Agent: REST API Agent`,
//! which ASA REST API 7.14 and later require.
//!
//! CLI lines go through `POST /api/cli`; REST paths are relative to `/api`. Device errors
//! arrive as `{"messages":[{level, code, context, details}]}` and are shown as one line.

use std::time::{Duration, SystemTime};

use reqwest::header::{CONTENT_TYPE, HeaderValue, USER_AGENT};
use reqwest::{Client, RequestBuilder, StatusCode};
use secrecy::{ExposeSecret, SecretString};
use serde_json::{Value, json};

use super::http::{self, Reply, TlsPolicy};
use super::request_info::{Placeholder, RequestInfo, Template, TlsInfo};
use super::{CommandOutput, Context, Driver, SessionFacts, SessionLimits, VendorError};
use crate::command::Command;
use crate::config::{AuthMode, DeviceConfig};
use crate::kind::AuthScheme;

/// Required on every call since ASA REST API 7.14.
const AGENT: &str = "REST API Agent";
/// Token sessions per security context ("About the ASA REST API").
const MAX_SESSIONS: u32 = 25;
/// The REST documentation gives no token lifetime; tokens die with the HTTPS session, whose
/// idle timeout is `http server idle-timeout`, 20 minutes by default.
const IDLE_TIMEOUT: Duration = Duration::from_secs(20 * 60);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Token,
    Basic,
}

/// One ASA (or security context).
pub struct Asa {
    /// Names the device in errors: "fw1 (10.0.0.1:443)".
    what: String,
    base: String,
    client: Client,
    timeout: Duration,
    username: String,
    password: SecretString,
    mode: Mode,
    token: Option<SecretString>,
    logged_in: bool,
    since: Option<SystemTime>,
    last_used: Option<SystemTime>,
    relogins: u32,
    /// The device rejected the session; the next successful login is a re-login.
    expired: bool,
    /// How the copied curl trusts the firewall.
    tls_info: TlsInfo,
}

impl Asa {
    pub fn new(cfg: &DeviceConfig, ctx: &Context) -> Result<Self, VendorError> {
        let base = cfg.base_url().map_err(VendorError::Config)?;
        let password = cfg
            .resolve_password()
            .map_err(|e| VendorError::Config(e.to_string()))?;
        let client = ctx.clients.get(&TlsPolicy {
            verify: cfg.verify_tls,
            ca_cert: cfg.ca_cert.clone(),
            identity: None,
        })?;
        let mode = match cfg.auth {
            Some(AuthMode::Basic) => Mode::Basic,
            None | Some(AuthMode::Token) => Mode::Token,
            Some(AuthMode::Session) => {
                return Err(VendorError::Config(format!(
                    "device {}: auth = \"session\" is not available for asa (use token or basic)",
                    cfg.name
                )));
            }
        };
        Ok(Asa {
            what: format!("{} ({})", cfg.name, cfg.host),
            base,
            client,
            timeout: ctx.timeout,
            username: cfg.username.clone(),
            password,
            mode,
            token: None,
            logged_in: false,
            since: None,
            last_used: None,
            relogins: 0,
            expired: false,
            tls_info: TlsInfo::of_device(cfg),
        })
    }

    /// The request [`Self::request`] builds, the token or password as placeholders; a
    /// `body` is sent as JSON.
    fn describe(&self, method: &str, path: &str, body: Option<&Value>) -> RequestInfo {
        let mut r = RequestInfo::new(
            method,
            Template::text(format!("{}{path}", self.base)),
            self.tls_info.clone(),
        )
        .header("User-Agent", Template::text(AGENT));
        r = match (&self.mode, &self.token) {
            (Mode::Token, Some(_)) => r
                .header("X-Auth-Token", Template::default().var(Placeholder::Token))
                .hint("TOKEN is the X-Auth-Token header of POST /api/tokenservices (Basic auth; DELETE it after)"),
            _ => r.basic(),
        };
        if body.is_some() || method != "GET" {
            r = r.header("Content-Type", Template::text("application/json"));
        }
        r.body(body.map(Value::to_string))
    }

    /// A request with the User-Agent and the current credentials (token, else Basic).
    fn request(&self, method: reqwest::Method, path: &str) -> Result<RequestBuilder, VendorError> {
        tracing::debug!(device = %self.what, %method, path = %crate::redact::url(path), "asa request");
        let rb = self
            .client
            .request(method, format!("{}{path}", self.base))
            .header(USER_AGENT, AGENT);
        match (&self.mode, &self.token) {
            (Mode::Token, Some(tok)) => Ok(rb.header("X-Auth-Token", token_header(tok)?)),
            _ => Ok(self.basic(rb)),
        }
    }

    fn basic(&self, rb: RequestBuilder) -> RequestBuilder {
        rb.basic_auth(&self.username, Some(self.password.expose_secret()))
    }

    async fn send(&self, rb: RequestBuilder) -> Result<Reply, VendorError> {
        http::send(rb, &self.what, self.timeout).await
    }

    /// Device text with our secrets masked, for error messages.
    fn scrub(&self, text: &str) -> String {
        let mut secrets = vec![self.password.expose_secret()];
        if let Some(t) = &self.token {
            secrets.push(t.expose_secret());
        }
        crate::redact::text(text, &secrets)
    }

    /// One readable line from an error reply.
    fn error_text(&self, reply: &Reply) -> String {
        self.scrub(&messages_line(reply))
    }

    /// Map a reply on an established session to its body or an error; `what` names the
    /// request in the error (`GET /api/...`, `POST /api/cli`).
    fn check(&mut self, reply: Reply, what: &str) -> Result<Reply, VendorError> {
        if reply.status == StatusCode::UNAUTHORIZED {
            return Err(match self.mode {
                Mode::Token => {
                    self.expired = true;
                    self.logged_in = false;
                    VendorError::Expired(
                        "the ASA no longer accepts the REST API token (HTTP 401)".into(),
                    )
                }
                Mode::Basic => VendorError::bad_password(format!(
                    "the ASA rejected the username or password (HTTP 401: {})",
                    self.error_text(&reply)
                )),
            });
        }
        if !reply.status.is_success() {
            return Err(VendorError::Http {
                status: reply.status.as_u16(),
                message: format!("{what}: {}", self.error_text(&reply)),
            });
        }
        self.last_used = Some(SystemTime::now());
        Ok(reply)
    }

    async fn cli(&mut self, line: &str) -> Result<CommandOutput, VendorError> {
        let body = json!({ "commands": [line] });
        let described = self.describe("POST", "/api/cli", Some(&body));
        let rb = self.request(reqwest::Method::POST, "/api/cli")?.json(&body);
        let reply = self.send(rb).await?;
        let reply = self.check(reply, "POST /api/cli")?;
        let v = reply.json(&self.what)?;
        let text = v
            .pointer("/response/0")
            .and_then(Value::as_str)
            .ok_or_else(|| {
                VendorError::BadResponse(format!(
                    "{} answered /api/cli without a response string",
                    self.what
                ))
            })?;
        // The ASA reports CLI errors with HTTP 200 and text such as
        // "ERROR: % Invalid input detected at '^' marker." (sometimes after an echo and caret).
        if let Some(err) = text
            .lines()
            .take(3)
            .map(str::trim)
            .find(|l| l.starts_with("ERROR:"))
        {
            return Err(VendorError::Command(format!(
                "'{line}': {}",
                self.scrub(err)
            )));
        }
        Ok(CommandOutput::text(text).with_request(Some(described)))
    }

    async fn rest(
        &mut self,
        method: crate::command::Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<CommandOutput, VendorError> {
        let path = api_path(path);
        let described = self.describe(method.as_str(), &path, body);
        let mut rb = self.request(method.http(), &path)?;
        rb = match body {
            Some(b) => rb.json(b),
            // The ASA wants JSON even for bodiless POSTs such as writemem.
            None if method != crate::command::Method::Get => {
                rb.header(CONTENT_TYPE, "application/json")
            }
            None => rb,
        };
        let reply = self.send(rb).await?;
        let what = format!("{} {}", method.as_str(), crate::redact::url(&path));
        let reply = self.check(reply, &what)?;
        let mut notes = Vec::new();
        if let Some(loc) = reply.header("location") {
            notes.push(format!("created: {}", crate::redact::url(loc)));
        }
        let body = if reply.body.iter().all(u8::is_ascii_whitespace) {
            // 204 for PUT/PATCH/DELETE (and token services): nothing to show but the status.
            notes.push(format!("HTTP {}: no content", reply.status.as_u16()));
            super::Body::Json(Value::Null)
        } else if declares_json_or_html(&reply) {
            // A body that says it is JSON (or is an HTML page) must parse: shown as text, a
            // cut-off or proxy answer would pass for the device's.
            super::Body::Json(reply.json(&self.what)?)
        } else if let Ok(v) = serde_json::from_slice::<Value>(&reply.body) {
            super::Body::Json(v)
        } else {
            super::Body::Text(String::from_utf8_lossy(&reply.body).into_owned())
        };
        Ok(CommandOutput {
            body,
            notes,
            request: Some(described),
        })
    }

    async fn token_login(&mut self) -> Result<(), VendorError> {
        let rb = self
            .basic(
                self.client
                    .post(format!("{}/api/tokenservices", self.base))
                    .header(USER_AGENT, AGENT),
            )
            .header(CONTENT_TYPE, "application/json")
            .body("");
        let reply = self.send(rb).await?;
        match reply.status {
            s if s.is_success() => {
                let tok = reply
                    .header("x-auth-token")
                    .filter(|t| !t.trim().is_empty())
                    .ok_or_else(|| {
                        VendorError::BadResponse(format!(
                            "{} accepted the login but sent no X-Auth-Token header",
                            self.what
                        ))
                    })?;
                let tok = SecretString::from(tok.trim().to_string());
                token_header(&tok)?;
                self.token = Some(tok);
                Ok(())
            }
            StatusCode::UNAUTHORIZED => Err(VendorError::bad_password(format!(
                "{} rejected the username or password (HTTP 401)",
                self.what
            ))),
            StatusCode::BAD_REQUEST => Err(VendorError::bad_password(format!(
                "{} could not read the credentials (HTTP 400: {})",
                self.what,
                self.error_text(&reply)
            ))),
            StatusCode::SERVICE_UNAVAILABLE => Err(VendorError::SessionLimit(format!(
                "{} answered 503: the ASA allows {MAX_SESSIONS} REST sessions per context and all are in use",
                self.what
            ))),
            s => Err(VendorError::Http {
                status: s.as_u16(),
                message: format!("login to /api/tokenservices: {}", self.error_text(&reply)),
            }),
        }
    }

    /// Basic auth has no session: a cheap authenticated GET proves the credentials.
    async fn basic_login(&mut self) -> Result<(), VendorError> {
        let rb = self.request(reqwest::Method::GET, "/api/monitoring/serialnumber")?;
        let reply = self.send(rb).await?;
        match reply.status {
            s if s.is_success() => Ok(()),
            StatusCode::UNAUTHORIZED => Err(VendorError::bad_password(format!(
                "{} rejected the username or password (HTTP 401)",
                self.what
            ))),
            StatusCode::BAD_REQUEST => Err(VendorError::bad_password(format!(
                "{} could not read the credentials (HTTP 400: {})",
                self.what,
                self.error_text(&reply)
            ))),
            s => Err(VendorError::Http {
                status: s.as_u16(),
                message: format!("login check: {}", self.error_text(&reply)),
            }),
        }
    }
}

impl Driver for Asa {
    async fn login(&mut self) -> Result<(), VendorError> {
        self.logged_in = false;
        self.token = None;
        match self.mode {
            Mode::Token => self.token_login().await?,
            Mode::Basic => self.basic_login().await?,
        }
        let now = SystemTime::now();
        self.logged_in = true;
        self.since = Some(now);
        self.last_used = Some(now);
        if self.expired {
            self.relogins += 1;
            self.expired = false;
        }
        Ok(())
    }

    async fn execute_once(&mut self, cmd: &Command) -> Result<CommandOutput, VendorError> {
        if self.mode == Mode::Token && self.token.is_none() {
            return Err(VendorError::Expired("no REST API token yet".into()));
        }
        match cmd {
            Command::Cli(line) => self.cli(line).await,
            Command::Rest { method, path, body } => self.rest(*method, path, body.as_ref()).await,
        }
    }

    fn facts(&self) -> SessionFacts {
        let token = self.mode == Mode::Token;
        SessionFacts {
            auth: if token {
                AuthScheme::XAuthToken
            } else {
                AuthScheme::Basic
            },
            logged_in: self.logged_in,
            since: self.since,
            last_used: self.last_used,
            // Basic auth holds no session, so nothing can time out or run out.
            idle_timeout: token.then_some(IDLE_TIMEOUT),
            hard_limit: None,
            expires_at: None,
            limits: SessionLimits {
                per_user: None,
                per_device: token.then_some(MAX_SESSIONS),
            },
            rate: None,
            relogins: self.relogins,
            scope: None,
        }
    }

    fn is_logged_in(&self) -> bool {
        self.logged_in
    }

    async fn logout(&mut self) -> Result<(), VendorError> {
        self.logged_in = false;
        let Some(tok) = self.token.take() else {
            return Ok(());
        };
        // The token goes in the path; send it as the header too, plus Basic as the
        // reference documentation shows.
        let rb = self
            .basic(
                self.client
                    .delete(format!(
                        "{}/api/tokenservices/{}",
                        self.base,
                        tok.expose_secret()
                    ))
                    .header(USER_AGENT, AGENT),
            )
            .header("X-Auth-Token", token_header(&tok)?)
            .header(CONTENT_TYPE, "application/json");
        let reply = self.send(rb).await?;
        match reply.status {
            s if s.is_success() => Ok(()),
            // Already timed out or invalidated: the session is gone either way.
            StatusCode::UNAUTHORIZED | StatusCode::NOT_FOUND => Ok(()),
            s => Err(VendorError::Http {
                status: s.as_u16(),
                message: crate::redact::text(
                    &format!("logout: {}", messages_line(&reply)),
                    &[self.password.expose_secret(), tok.expose_secret()],
                ),
            }),
        }
    }
}

/// The token as a header value that is never printed.
fn token_header(tok: &SecretString) -> Result<HeaderValue, VendorError> {
    let mut v = HeaderValue::from_str(tok.expose_secret()).map_err(|_| {
        VendorError::BadResponse("the ASA sent an X-Auth-Token that is not a valid header".into())
    })?;
    v.set_sensitive(true);
    Ok(v)
}

/// A command path under `/api` (paths already starting with `/api/` are kept).
fn api_path(path: &str) -> String {
    let path = if path.starts_with('/') {
        path.to_string()
    } else {
        format!("/{path}")
    };
    if path == "/api" || path.starts_with("/api/") || path.starts_with("/api?") {
        path
    } else {
        format!("/api{path}")
    }
}

/// True when the reply's Content-Type is JSON or HTML (the REST API never answers with a page).
fn declares_json_or_html(reply: &Reply) -> bool {
    reply
        .header("content-type")
        .map(str::to_ascii_lowercase)
        .is_some_and(|c| c.contains("json") || c.contains("html"))
}

/// `{"messages":[{level, code, context, details}]}` as one line:
/// "RESOURCE-NOT-FOUND: Requested resource not found". Falls back to the body's first line,
/// then to the status reason.
fn messages_line(reply: &Reply) -> String {
    let parsed = serde_json::from_slice::<Value>(&reply.body).ok();
    let msgs = parsed
        .as_ref()
        .and_then(|v| v.get("messages"))
        .and_then(Value::as_array);
    if let Some(msgs) = msgs {
        let parts: Vec<String> = msgs
            .iter()
            .filter_map(|m| {
                let s = |k: &str| m.get(k).and_then(Value::as_str).unwrap_or("").trim();
                let (code, details, context) = (s("code"), s("details"), s("context"));
                let mut line = match (code.is_empty(), details.is_empty()) {
                    (true, true) => return None,
                    (false, true) => code.to_string(),
                    (true, false) => details.to_string(),
                    (false, false) => format!("{code}: {details}"),
                };
                if !context.is_empty() {
                    line.push_str(&format!(" ({context})"));
                }
                Some(line)
            })
            .collect();
        if !parts.is_empty() {
            return parts.join("; ");
        }
    }
    let s = reply.snippet();
    if s.is_empty() {
        reply
            .status
            .canonical_reason()
            .unwrap_or("no details")
            .to_string()
    } else {
        s
    }
}

/// Entry points for the property tests (`tests/parsers_prop.rs`). Not an API.
#[doc(hidden)]
pub mod testing {
    use super::{Reply, messages_line};

    /// The one line an ASA error reply becomes.
    pub fn error_line(reply: &Reply) -> String {
        messages_line(reply)
    }

    pub fn api_path(path: &str) -> String {
        super::api_path(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderMap;

    fn reply(status: u16, body: &str) -> Reply {
        Reply {
            status: StatusCode::from_u16(status).expect("status"),
            headers: HeaderMap::new(),
            body: body.as_bytes().to_vec(),
        }
    }

    #[test]
    fn paths_go_under_api() {
        assert_eq!(
            api_path("/monitoring/serialnumber"),
            "/api/monitoring/serialnumber"
        );
        assert_eq!(
            api_path("/api/monitoring/arp?limit=2"),
            "/api/monitoring/arp?limit=2"
        );
        assert_eq!(api_path("/apis"), "/api/apis");
    }

    #[test]
    fn error_bodies_become_one_line() {
        let r = reply(
            404,
            r#"{"messages":[{"level":"Error","code":"RESOURCE-NOT-FOUND","details":"Requested resource not found"}]}"#,
        );
        assert_eq!(
            messages_line(&r),
            "RESOURCE-NOT-FOUND: Requested resource not found"
        );
        let r = reply(
            400,
            r#"{"messages":[{"level":"Error","code":"READ-ONLY-FIELD","context":"objectId","details":"x"},{"code":"B"}]}"#,
        );
        assert_eq!(messages_line(&r), "READ-ONLY-FIELD: x (objectId); B");
        assert_eq!(messages_line(&reply(500, "")), "Internal Server Error");
        assert_eq!(
            messages_line(&reply(502, "bad gateway\nmore")),
            "bad gateway"
        );
    }
}
