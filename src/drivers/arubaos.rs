//! ArubaOS 8 Mobility Conductor REST API driver (`https://host:4343/v1`).
//!
//! Login posts the form `username=..&password=..` to `/v1/api/login`; the answer's
//! `_global_result` has a *string* status ("0" ok, "1" failed, even with HTTP 200) and the
//! `UIDARUBA` token. Every later call sends the token twice, as the `UIDARUBA` query
//! parameter and the `SESSION` cookie, plus `X-CSRF-Token` on writes when the login
//! returned one (newer 8.x firmware). Logout is `GET /v1/api/logout`.
//!
//! CLI lines go to `/v1/configuration/showcommand?command=..`; REST paths are relative to
//! `/v1`. Output is the device's JSON as sent (`_meta`, `_data`, tables and
//! `_global_result`), except that session credentials the device echoes inside it
//! (`UIDARUBA`, `X-CSRF-Token`) are removed: output must never show them.

use std::time::{Duration, SystemTime};

use reqwest::header::{CONTENT_TYPE, COOKIE, HeaderValue};
use reqwest::{Client, RequestBuilder, StatusCode};
use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;

use super::http::{self, Reply, TlsPolicy};
use super::request_info::{Placeholder, RequestInfo, Template, TlsInfo};
use super::{Body, CommandOutput, Context, Driver, SessionFacts, SessionLimits, VendorError};
use crate::command::{Command, Method};
use crate::config::DeviceConfig;
use crate::kind::AuthScheme;

/// Concurrent sessions, CLI + WebUI + API together (authentication page).
const MAX_SESSIONS: u32 = 64;
/// The web-server profile's default session timeout.
const DEFAULT_IDLE: u64 = 900;

/// One Mobility Conductor (or managed device with the API on).
pub struct ArubaOs {
    /// Names the device in errors: "mc1 (10.0.0.5)".
    what: String,
    base: String,
    client: Client,
    timeout: Duration,
    username: String,
    password: SecretString,
    idle_timeout: Duration,
    uid: Option<SecretString>,
    csrf: Option<SecretString>,
    logged_in: bool,
    since: Option<SystemTime>,
    last_used: Option<SystemTime>,
    relogins: u32,
    /// The device rejected the session; the next successful login is a re-login.
    expired: bool,
    /// How the copied curl trusts the controller.
    tls_info: TlsInfo,
}

impl ArubaOs {
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
        Ok(ArubaOs {
            what: format!("{} ({})", cfg.name, cfg.host),
            base,
            client,
            timeout: ctx.timeout,
            username: cfg.username.clone(),
            password,
            idle_timeout: Duration::from_secs(cfg.idle_timeout_secs.unwrap_or(DEFAULT_IDLE)),
            uid: None,
            csrf: None,
            logged_in: false,
            since: None,
            last_used: None,
            relogins: 0,
            expired: false,
            tls_info: TlsInfo::of_device(cfg),
        })
    }

    /// The request [`Self::request`] builds, `UIDARUBA` and the CSRF token as placeholders.
    fn describe(&self, method: Method, path: &str, body: Option<&Value>) -> RequestInfo {
        let sep = if path.contains('?') { '&' } else { '?' };
        let url =
            Template::text(format!("{}{path}{sep}UIDARUBA=", self.base)).var(Placeholder::Token);
        let mut r = RequestInfo::new(method.as_str(), url, self.tls_info.clone())
            .header("Cookie", Template::text("SESSION=").var(Placeholder::Token))
            .hint("TOKEN is the UIDARUBA of POST /v1/api/login (GET /v1/api/logout after)");
        if method != Method::Get && self.csrf.is_some() {
            r = r.header("X-CSRF-Token", Template::default().var(Placeholder::Csrf));
        }
        if body.is_some() {
            r = r.header("Content-Type", Template::text("application/json"));
        }
        r.body(body.map(Value::to_string))
    }

    /// A request on the session: `path` (with any query) plus `UIDARUBA`, the `SESSION`
    /// cookie and, on writes, the CSRF token.
    fn request(&self, method: Method, path: &str) -> Result<RequestBuilder, VendorError> {
        let uid = self
            .uid
            .as_ref()
            .ok_or_else(|| VendorError::Expired("not logged in yet".into()))?;
        tracing::debug!(device = %self.what, method = method.as_str(), path = %crate::redact::url(path), "arubaos request");
        let sep = if path.contains('?') { '&' } else { '?' };
        let enc: String =
            url::form_urlencoded::byte_serialize(uid.expose_secret().as_bytes()).collect();
        let url = format!("{}{path}{sep}UIDARUBA={enc}", self.base);
        let mut rb = self.client.request(method.http(), url).header(
            COOKIE,
            secret_header(&format!("SESSION={}", uid.expose_secret()))?,
        );
        if method != Method::Get
            && let Some(c) = &self.csrf
        {
            rb = rb.header("X-CSRF-Token", secret_header(c.expose_secret())?);
        }
        Ok(rb)
    }

    /// Device text with our secrets masked, for error messages.
    fn scrub(&self, text: &str) -> String {
        let mut secrets = vec![self.password.expose_secret()];
        secrets.extend(self.uid.iter().map(secrecy::ExposeSecret::expose_secret));
        secrets.extend(self.csrf.iter().map(secrecy::ExposeSecret::expose_secret));
        crate::redact::text(text, &secrets)
    }

    fn expire(&mut self, why: &str) -> VendorError {
        self.expired = true;
        self.logged_in = false;
        VendorError::Expired(format!(
            "the controller no longer accepts the UIDARUBA session ({why})"
        ))
    }

    /// Send on the session; returns the JSON of a 2xx reply after checking
    /// `_global_result`. `what_for` names the command in Command errors; `echo` is the
    /// user's own text (CLI line or path), which the device may quote back.
    async fn call(
        &mut self,
        rb: RequestBuilder,
        what_for: &str,
        echo: &str,
    ) -> Result<CommandOutput, VendorError> {
        let reply = http::send(rb, &self.what, self.timeout).await?;
        if reply.status == StatusCode::UNAUTHORIZED {
            return Err(self.expire("HTTP 401"));
        }
        if !reply.status.is_success() {
            return Err(VendorError::Http {
                status: reply.status.as_u16(),
                message: self.scrub(&format!("{what_for}: {}", error_line(&reply))),
            });
        }
        self.last_used = Some(SystemTime::now());
        if reply.body.iter().all(u8::is_ascii_whitespace) {
            return Ok(CommandOutput {
                body: Body::Json(Value::Null),
                notes: vec![format!("HTTP {}: no content", reply.status.as_u16())],
                request: None,
            });
        }
        // The API only speaks JSON; anything else (a login page, a cut-off body) is an error.
        let mut v = reply.json(&self.what)?;
        if let Some((status, text)) = global_result(&v)
            && status != "0"
        {
            let text = self.scrub(&text);
            // The device may quote the command back; words in it must not look like an
            // authentication failure ("show unauthorized-clients").
            if is_auth_failure(&text.replace(echo, "")) {
                return Err(self.expire(&text));
            }
            return Err(VendorError::Command(format!("{what_for}: {text}")));
        }
        strip_credentials(&mut v);
        if let Some(uid) = &self.uid {
            scrub_value(&mut v, uid.expose_secret());
        }
        Ok(CommandOutput::json(v))
    }

    async fn show(&mut self, line: &str) -> Result<CommandOutput, VendorError> {
        // form_urlencoded writes spaces as '+', as the controller's examples do.
        let q = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("command", line.trim())
            .finish();
        let path = format!("/v1/configuration/showcommand?{q}");
        let described = self.describe(Method::Get, &path, None);
        let rb = self.request(Method::Get, &path)?;
        self.call(rb, &format!("'{}'", line.trim()), line.trim())
            .await
            .map(|o| o.with_request(Some(described)))
    }

    async fn rest(
        &mut self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<CommandOutput, VendorError> {
        let path = v1_path(path);
        let mut rb = self.request(method, &path)?;
        let mut sent = None;
        if method != Method::Get {
            // Configuration writes are JSON; an empty object where none was given
            // (write_memory takes `{}`).
            let b = body
                .cloned()
                .unwrap_or_else(|| Value::Object(serde_json::Map::default()));
            rb = rb.json(&b);
            sent = Some(b);
        }
        let described = self.describe(method, &path, sent.as_ref());
        let what_for = format!("{} {}", method.as_str(), crate::redact::url(&path));
        self.call(rb, &what_for, &path)
            .await
            .map(|o| o.with_request(Some(described)))
    }
}

impl Driver for ArubaOs {
    async fn login(&mut self) -> Result<(), VendorError> {
        self.logged_in = false;
        self.uid = None;
        self.csrf = None;
        let form = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("username", &self.username)
            .append_pair("password", self.password.expose_secret())
            .finish();
        let rb = self
            .client
            .post(format!("{}/v1/api/login", self.base))
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(form);
        let reply = http::send(rb, &self.what, self.timeout).await?;
        if matches!(
            reply.status,
            StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN
        ) {
            return Err(VendorError::bad_password(format!(
                "{} answered HTTP {}: {}",
                self.what,
                reply.status.as_u16(),
                self.scrub(&error_line(&reply))
            )));
        }
        if !reply.status.is_success() {
            return Err(VendorError::Http {
                status: reply.status.as_u16(),
                message: format!("login: {}", self.scrub(&error_line(&reply))),
            });
        }
        let v = reply.json(&self.what)?;
        let (uid, csrf) = match parse_login(&v) {
            Ok(t) => t,
            Err(e) => return Err(scrub_error(e, |s| self.scrub(s))),
        };
        // Older firmware only sets the cookie; the body token wins when both exist.
        let uid = uid
            .or_else(|| http::cookie(&reply.headers, "SESSION").map(SecretString::from))
            .ok_or_else(|| {
                VendorError::BadResponse(format!(
                    "{} accepted the login but sent no UIDARUBA token",
                    self.what
                ))
            })?;
        secret_header(uid.expose_secret())?;
        self.uid = Some(uid);
        self.csrf = csrf.or_else(|| {
            reply
                .header("x-csrf-token")
                .map(|s| SecretString::from(s.to_string()))
        });
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
        match cmd {
            Command::Cli(line) => self.show(line).await,
            Command::Rest { method, path, body } => self.rest(*method, path, body.as_ref()).await,
        }
    }

    fn facts(&self) -> SessionFacts {
        SessionFacts {
            auth: AuthScheme::Uidaruba,
            logged_in: self.logged_in,
            since: self.since,
            last_used: self.last_used,
            idle_timeout: Some(self.idle_timeout),
            hard_limit: None,
            expires_at: None,
            limits: SessionLimits {
                per_user: None,
                per_device: Some(MAX_SESSIONS),
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
        if self.uid.is_none() {
            return Ok(());
        }
        let result = match self.request(Method::Get, "/v1/api/logout") {
            Ok(rb) => http::send(rb, &self.what, self.timeout).await,
            Err(e) => Err(e),
        };
        let outcome = match result {
            Err(e) => Err(e),
            // Already timed out: the session is gone either way.
            Ok(r) if r.status == StatusCode::UNAUTHORIZED => Ok(()),
            Ok(r) if !r.status.is_success() => Err(VendorError::Http {
                status: r.status.as_u16(),
                message: format!("logout: {}", self.scrub(&error_line(&r))),
            }),
            Ok(r) => match serde_json::from_slice::<Value>(&r.body)
                .ok()
                .as_ref()
                .and_then(global_result)
            {
                Some((s, text)) if s != "0" && !is_auth_failure(&text) => Err(
                    VendorError::Command(format!("logout: {}", self.scrub(&text))),
                ),
                _ => Ok(()),
            },
        };
        self.uid = None;
        self.csrf = None;
        outcome
    }
}

/// A header value holding a secret: never printed by Debug.
fn secret_header(s: &str) -> Result<HeaderValue, VendorError> {
    let mut v = HeaderValue::from_str(s).map_err(|_| {
        VendorError::BadResponse(
            "the controller sent a session token that is not a valid header".into(),
        )
    })?;
    v.set_sensitive(true);
    Ok(v)
}

/// `(status, status_str)` of `_global_result`; status is a string on the wire, but a number
/// is accepted too.
fn global_result(v: &Value) -> Option<(String, String)> {
    let g = v.get("_global_result")?;
    let status = match g.get("status")? {
        Value::String(s) => s.trim().to_string(),
        Value::Number(n) => n.to_string(),
        _ => return None,
    };
    let text = g
        .get("status_str")
        .and_then(Value::as_str)
        .unwrap_or("no status text")
        .trim()
        .to_string();
    Some((status, text))
}

/// The login answer: the token (if in the body) and the CSRF token, or why it failed.
fn parse_login(v: &Value) -> Result<(Option<SecretString>, Option<SecretString>), VendorError> {
    let Some((status, text)) = global_result(v) else {
        return Err(VendorError::BadResponse(
            "the login answer has no _global_result status".into(),
        ));
    };
    if status != "0" {
        let l = text.to_ascii_lowercase();
        return Err(
            if l.contains("session")
                && (l.contains("max") || l.contains("limit") || l.contains("exceed"))
            {
                VendorError::SessionLimit(text)
            } else {
                VendorError::bad_password(text)
            },
        );
    }
    let g = &v["_global_result"];
    let uid = g
        .get("UIDARUBA")
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty() && *s != "(null)")
        .map(|s| SecretString::from(s.to_string()));
    let csrf = g
        .get("X-CSRF-Token")
        .and_then(Value::as_str)
        .filter(|s| !s.trim().is_empty())
        .map(|s| SecretString::from(s.trim().to_string()));
    Ok((uid, csrf))
}

/// Apply `f` to the text of a login error.
fn scrub_error(e: VendorError, f: impl Fn(&str) -> String) -> VendorError {
    match e {
        VendorError::Auth(s) => VendorError::Auth(f(&s)),
        VendorError::SessionLimit(s) => VendorError::SessionLimit(f(&s)),
        other => other,
    }
}

/// A `_global_result` that says the session is not (or no longer) valid.
fn is_auth_failure(text: &str) -> bool {
    let l = text.to_ascii_lowercase();
    l.contains("unauthorized")
        || l.contains("authentication failed")
        || l.contains("invalid session")
        || l.contains("session expired")
        || l.contains("not logged in")
}

/// Remove the session credentials the controller may echo inside `_global_result`.
fn strip_credentials(v: &mut Value) {
    if let Some(g) = v.get_mut("_global_result").and_then(Value::as_object_mut) {
        g.retain(|k, _| {
            !k.eq_ignore_ascii_case("uidaruba") && !k.eq_ignore_ascii_case("x-csrf-token")
        });
    }
}

/// Mask `secret` wherever a string value holds it (defence in depth for echoed tokens).
fn scrub_value(v: &mut Value, secret: &str) {
    if secret.len() < 4 {
        return;
    }
    match v {
        Value::String(s) if s.contains(secret) => *s = s.replace(secret, "***"),
        Value::Array(a) => a.iter_mut().for_each(|x| scrub_value(x, secret)),
        Value::Object(o) => o.values_mut().for_each(|x| scrub_value(x, secret)),
        _ => {}
    }
}

/// A command path under `/v1` (paths already starting with `/v1/` are kept).
fn v1_path(path: &str) -> String {
    let path = if path.starts_with('/') {
        path.to_string()
    } else {
        format!("/{path}")
    };
    if path.starts_with("/v1/") || path == "/v1" || path.starts_with("/v1?") {
        path
    } else {
        format!("/v1{path}")
    }
}

/// One line from an error reply: `_global_result.status_str`, else the body's first line,
/// else the status reason.
fn error_line(reply: &Reply) -> String {
    if let Some((_, text)) = serde_json::from_slice::<Value>(&reply.body)
        .ok()
        .as_ref()
        .and_then(global_result)
    {
        return text;
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
    use super::{Reply, Value, VendorError};

    pub fn global_result(v: &Value) -> Option<(String, String)> {
        super::global_result(v)
    }

    /// A login answer: whether it carried a UIDARUBA and a CSRF token, or why it failed.
    pub fn parse_login(v: &Value) -> Result<(bool, bool), VendorError> {
        super::parse_login(v).map(|(u, c)| (u.is_some(), c.is_some()))
    }

    pub fn error_line(reply: &Reply) -> String {
        super::error_line(reply)
    }

    pub fn is_auth_failure(text: &str) -> bool {
        super::is_auth_failure(text)
    }

    pub fn strip_credentials(v: &mut Value) {
        super::strip_credentials(v);
    }

    pub fn scrub_value(v: &mut Value, secret: &str) {
        super::scrub_value(v, secret);
    }

    pub fn v1_path(path: &str) -> String {
        super::v1_path(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn login_answers() {
        let ok = json!({"_global_result": {"status": "0", "status_str": "You've logged in successfully.",
            "UIDARUBA": "06f1758f-bb66-4678-91c5-ee847c87a939", "X-CSRF-Token": "abcd1234"}});
        let (uid, csrf) = parse_login(&ok).expect("ok");
        assert_eq!(
            uid.expect("uid").expose_secret(),
            "06f1758f-bb66-4678-91c5-ee847c87a939"
        );
        assert_eq!(csrf.expect("csrf").expose_secret(), "abcd1234");

        let bad = json!({"_global_result": {"status": "1", "status_str": "Unauthorized request, authentication failed"}});
        assert!(
            matches!(parse_login(&bad), Err(VendorError::Auth(s)) if s.contains("authentication failed"))
        );
        let full = json!({"_global_result": {"status": 1, "status_str": "Maximum number of sessions reached"}});
        assert!(matches!(
            parse_login(&full),
            Err(VendorError::SessionLimit(_))
        ));
        assert!(matches!(
            parse_login(&json!({})),
            Err(VendorError::BadResponse(_))
        ));
    }

    #[test]
    fn credentials_are_stripped_from_output() {
        let mut v = json!({"_global_result": {"status": "0", "UIDARUBA": "tok-1234", "x-csrf-token": "c"},
            "_data": ["echo tok-1234"]});
        strip_credentials(&mut v);
        scrub_value(&mut v, "tok-1234");
        assert_eq!(
            v,
            json!({"_global_result": {"status": "0"}, "_data": ["echo ***"]})
        );
    }

    #[test]
    fn paths_go_under_v1() {
        assert_eq!(
            v1_path("/configuration/object/ap_group?config_path=/md"),
            "/v1/configuration/object/ap_group?config_path=/md"
        );
        assert_eq!(v1_path("/v1/api/logout"), "/v1/api/logout");
    }
}
