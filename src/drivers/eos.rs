//! Arista EOS eAPI: JSON-RPC 2.0 `runCmds` on `/command-api`.
//!
//! Auth is HTTP Basic (default, stateless), the `/login` session cookie (24 h), or an X.509
//! client certificate. Every request starts with `enable`, as pyeapi does, and its `{}`
//! answer is dropped. Errors are mapped by code; a 1003 (no JSON model) is rerun once with
//! `format: "text"` and the output says so.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use reqwest::Client;
use secrecy::{ExposeSecret, SecretString};
use serde_json::{Value, json};

use super::http::{self, Protocol, TlsPolicy};
use super::request_info::{Placeholder, RequestInfo, Template, TlsInfo};
use super::{CommandOutput, Context, Driver, SessionFacts, VendorError};
use crate::command::{self, Command};
use crate::config::{AuthMode, DeviceConfig};
use crate::kind::AuthScheme;

/// The eAPI session cookie lives 24 hours.
const SESSION_LIFE: Duration = Duration::from_secs(24 * 3600);

static REQUEST_ID: AtomicU64 = AtomicU64::new(1);

#[derive(Debug, Clone, Copy, PartialEq)]
enum Auth {
    Basic,
    Session,
    Certificate,
}

/// One eAPI session.
pub struct Eos {
    client: Client,
    base: String,
    /// `{base}/command-api`, parsed once: every request would otherwise parse it again.
    command_api: reqwest::Url,
    peer: String,
    username: String,
    password: SecretString,
    auth: Auth,
    timeout: Duration,
    /// The `Session` cookie, in session mode.
    cookie: Option<SecretString>,
    /// `runCmds` params.version: 1 (the default, stable field set) or "latest".
    version: Value,
    logged_in: bool,
    since: Option<SystemTime>,
    last_used: Option<SystemTime>,
    relogins: u32,
    /// How the copied curl trusts the switch.
    tls_info: TlsInfo,
    /// The last `runCmds` request, described (copy as curl).
    last_request: Option<RequestInfo>,
}

impl Eos {
    pub fn new(cfg: &DeviceConfig, ctx: &Context) -> Result<Self, VendorError> {
        let base = cfg.base_url().map_err(VendorError::Config)?;
        let identity = cfg.client_cert.clone().zip(cfg.client_key.clone());
        let auth = if identity.is_some() {
            Auth::Certificate
        } else if cfg.auth == Some(AuthMode::Session) {
            Auth::Session
        } else {
            Auth::Basic
        };
        // eAPI is one JSON-RPC call at a time: HTTP/1.1 (see `Protocol::Http1`).
        let client = ctx.clients.get_with(
            &TlsPolicy {
                verify: cfg.verify_tls,
                ca_cert: cfg.ca_cert.clone(),
                identity,
            },
            Protocol::Http1,
        )?;
        let password = if auth == Auth::Certificate {
            SecretString::from(String::new())
        } else {
            cfg.resolve_password()
                .map_err(|e| VendorError::Config(e.to_string()))?
        };
        let command_api = reqwest::Url::parse(&format!("{base}/command-api")).map_err(|e| {
            VendorError::Config(format!(
                "{base} is not a usable address ({e}); check host in the config"
            ))
        })?;
        Ok(Eos {
            command_api,
            client,
            peer: base.trim_start_matches("https://").to_string(),
            base,
            username: cfg.username.clone(),
            password,
            auth,
            timeout: ctx.timeout,
            cookie: None,
            version: match cfg.api_version.as_deref() {
                Some("latest") => json!("latest"),
                _ => json!(1),
            },
            logged_in: false,
            since: None,
            last_used: None,
            relogins: 0,
            tls_info: TlsInfo::of_device(cfg),
            last_request: None,
        })
    }

    fn authed(&self, rb: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match (self.auth, &self.cookie) {
            (Auth::Basic, _) => rb.basic_auth(&self.username, Some(self.password.expose_secret())),
            (Auth::Session, Some(c)) => rb.header(
                reqwest::header::COOKIE,
                format!("Session={}", c.expose_secret()),
            ),
            _ => rb,
        }
    }

    /// The request [`Self::authed`] builds, the password or cookie as placeholders.
    fn describe(&self, body: &Value) -> RequestInfo {
        let r = RequestInfo::new(
            "POST",
            Template::text(format!("{}/command-api", self.base)),
            self.tls_info.clone(),
        )
        .header("Content-Type", Template::text("application/json-rpc"))
        .body(Some(body.to_string()));
        match self.auth {
            Auth::Basic => r.basic(),
            Auth::Session => r
                .header("Cookie", Template::text("Session=").var(Placeholder::Token))
                .hint("TOKEN is the Session cookie of POST /login (POST /logout after)"),
            Auth::Certificate => r,
        }
    }

    /// One `runCmds` call with `enable` prepended; returns the results after `enable`.
    async fn run_cmds(&mut self, cmds: &[String], format: &str) -> Result<Vec<Value>, VendorError> {
        let mut all = vec![Value::String("enable".into())];
        all.extend(cmds.iter().cloned().map(Value::String));
        let id = format!("netdash-{}", REQUEST_ID.fetch_add(1, Ordering::Relaxed));
        let body = json!({
            "jsonrpc": "2.0",
            "method": "runCmds",
            "params": {"version": self.version, "cmds": all, "format": format},
            "id": id,
        });
        let rb = self
            .client
            .post(self.command_api.clone())
            .header(reqwest::header::CONTENT_TYPE, "application/json-rpc")
            .json(&body);
        self.last_request = Some(self.describe(&body));
        let reply = http::send(self.authed(rb), &self.peer, self.timeout).await?;
        if reply.status == reqwest::StatusCode::UNAUTHORIZED {
            return Err(match self.auth {
                Auth::Session => VendorError::Expired("eAPI session cookie rejected".into()),
                Auth::Basic => {
                    VendorError::bad_password(format!("{} answered 401 Unauthorized", self.peer))
                }
                Auth::Certificate => VendorError::Auth(format!(
                    "{} rejected the client certificate (is its CA trusted on the switch?)",
                    self.peer
                )),
            });
        }
        if !reply.status.is_success() {
            return Err(VendorError::Http {
                status: reply.status.as_u16(),
                message: format!("{} ({})", reply.snippet(), self.peer),
            });
        }
        self.last_used = Some(SystemTime::now());
        let v = reply.json(&self.peer)?;
        parse_reply(&v, &id, cmds, &self.peer)
    }
}

/// The results of a `runCmds` reply to request `id` (after the `enable` we prepended), or
/// the error it carries. A reply to another request is refused: answering it as ours would
/// show one command's output as another's (a proxy or a pooled connection mixed them up).
pub fn parse_reply(
    v: &Value,
    id: &str,
    cmds: &[String],
    peer: &str,
) -> Result<Vec<Value>, VendorError> {
    match v.get("id") {
        Some(Value::String(got)) if got == id => {}
        // JSON-RPC lets a server that could not read the request's id answer with null.
        Some(Value::Null) | None if v.get("error").is_some() => {}
        _ => {
            return Err(VendorError::BadResponse(format!(
                "{peer} answered another JSON-RPC request (the reply's id is not {id}); the answer was discarded, retry and check for a proxy mixing up connections"
            )));
        }
    }
    if let Some(err) = v.get("error") {
        return Err(map_error(err, cmds));
    }
    let mut results = v
        .get("result")
        .and_then(Value::as_array)
        .cloned()
        .ok_or_else(|| {
            VendorError::BadResponse(format!("{peer} sent a JSON-RPC reply without result"))
        })?;
    if results.is_empty() {
        return Err(VendorError::BadResponse(format!(
            "{peer} sent an empty result list"
        )));
    }
    results.remove(0);
    Ok(results)
}

/// A JSON-RPC error as one line. `data` holds the results up to and including the failing
/// command (counting the `enable` we prepended); its last entry carries `errors`.
fn map_error(err: &Value, cmds: &[String]) -> VendorError {
    let code = err.get("code").and_then(Value::as_i64).unwrap_or(0);
    let message = err.get("message").and_then(Value::as_str).unwrap_or("");
    let data = err.get("data").and_then(Value::as_array);
    let failed_at = data.map(|d| d.len().saturating_sub(2));
    let cmd = failed_at
        .and_then(|i| cmds.get(i))
        .map_or("", String::as_str);
    let errors: Vec<String> = data
        .and_then(|d| d.last())
        .and_then(|e| e.get("errors"))
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    let detail = if errors.is_empty() {
        message.to_string()
    } else {
        errors.join("; ")
    };
    let what = match code {
        1000 => "could not run",
        1001 => "caused an internal exception",
        1002 => "invalid command",
        1003 => "has no JSON model",
        1004 => "cannot run over eAPI",
        1005 => "not authorized for this user",
        -32700 => "JSON-RPC parse error",
        -32600 => "JSON-RPC invalid request",
        -32601 => "JSON-RPC method not found",
        -32602 => "JSON-RPC invalid params",
        -32603 => "JSON-RPC internal error",
        _ => "failed",
    };
    if code < 0 {
        return VendorError::Command(format!("eAPI error {code} ({what}): {message}"));
    }
    let hint = match code {
        1002 => "; eAPI takes full command names, no abbreviations or pipes",
        1005 => "; the account needs a higher privilege level",
        _ => "",
    };
    VendorError::Command(format!("eAPI error {code}: '{cmd}' {what}: {detail}{hint}"))
}

fn is_unconverted(e: &VendorError) -> bool {
    matches!(e, VendorError::Command(m) if m.starts_with("eAPI error 1003"))
}

impl Driver for Eos {
    async fn login(&mut self) -> Result<(), VendorError> {
        if self.auth == Auth::Session {
            let rb = self
                .client
                .post(format!("{}/login", self.base))
                .json(&json!({
                    "username": self.username,
                    "password": self.password.expose_secret(),
                }));
            let reply = http::send(rb, &self.peer, self.timeout).await?;
            if reply.status == reqwest::StatusCode::UNAUTHORIZED {
                return Err(VendorError::bad_password(format!(
                    "{} answered 401 to /login",
                    self.peer
                )));
            }
            if !reply.status.is_success() {
                return Err(VendorError::Http {
                    status: reply.status.as_u16(),
                    message: format!("/login: {}", reply.snippet()),
                });
            }
            let c = http::cookie(&reply.headers, "Session").ok_or_else(|| {
                VendorError::BadResponse(format!(
                    "{} accepted /login but set no Session cookie",
                    self.peer
                ))
            })?;
            self.cookie = Some(SecretString::from(c));
            if self.logged_in {
                self.relogins += 1;
            }
        }
        // Basic and certificate auth are stateless: the first command proves them.
        self.logged_in = true;
        self.since = Some(SystemTime::now());
        Ok(())
    }

    async fn execute_once(&mut self, cmd: &Command) -> Result<CommandOutput, VendorError> {
        let line = match cmd {
            Command::Cli(l) => l,
            Command::Rest { .. } => {
                return Err(VendorError::Unsupported(
                    "eAPI takes CLI commands only (runCmds), e.g. show version".into(),
                ));
            }
        };
        // `;` separates commands sent in one request (eAPI leaves config mode at the end
        // of every request, so a change must travel in one).
        let cmds: Vec<String> = command::cli_segments(line).map(str::to_string).collect();
        let (results, format_note) = match self.run_cmds(&cmds, "json").await {
            // Rerunning as text repeats every command of the batch: only safe for shows.
            Err(e) if is_unconverted(&e) && cmds.iter().all(|c| command::is_show(c)) => {
                let results = self.run_cmds(&cmds, "text").await?;
                (
                    results,
                    Some(format!(
                        "'{line}' has no JSON model on this EOS (error 1003): ran it with format text"
                    )),
                )
            }
            Err(e) if is_unconverted(&e) => {
                return Err(VendorError::Command(format!(
                    "{e}; the commands before it ran, so it was not repeated as text: run it on its own"
                )));
            }
            other => (other?, None),
        };
        // The seed documents text results as plain strings; real EOS (and pyeapi's
        // recorded fixture) wraps them as {"output": "..."}. Take either.
        let texts: Option<Vec<String>> = format_note.as_ref().map(|_| {
            results
                .iter()
                .map(|r| match r {
                    Value::String(s) => s.clone(),
                    _ => r
                        .get("output")
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_string(),
                })
                .collect()
        });
        let mut out = match (texts, results.len()) {
            (Some(t), _) => CommandOutput::text(t.join("")),
            (None, 1) => CommandOutput::json(results.into_iter().next().unwrap_or(Value::Null)),
            (None, _) => CommandOutput::json(Value::Array(results)),
        };
        out.notes.extend(format_note);
        out.request = self.last_request.take();
        Ok(out)
    }

    fn facts(&self) -> SessionFacts {
        SessionFacts {
            auth: match self.auth {
                Auth::Basic => AuthScheme::Basic,
                Auth::Session => AuthScheme::SessionCookie,
                Auth::Certificate => AuthScheme::ClientCertificate,
            },
            logged_in: self.logged_in,
            since: self.since,
            last_used: self.last_used,
            expires_at: match self.auth {
                Auth::Session => self.since.map(|t| t + SESSION_LIFE),
                _ => None,
            },
            relogins: self.relogins,
            ..SessionFacts::default()
        }
    }

    fn is_logged_in(&self) -> bool {
        self.logged_in
    }

    async fn logout(&mut self) -> Result<(), VendorError> {
        self.logged_in = false;
        let Some(c) = self.cookie.take() else {
            return Ok(());
        };
        let rb = self.client.post(format!("{}/logout", self.base)).header(
            reqwest::header::COOKIE,
            format!("Session={}", c.expose_secret()),
        );
        let reply = http::send(rb, &self.peer, self.timeout).await?;
        if reply.status.is_success() {
            Ok(())
        } else {
            Err(VendorError::Http {
                status: reply.status.as_u16(),
                message: "eAPI /logout refused the session".into(),
            })
        }
    }
}
