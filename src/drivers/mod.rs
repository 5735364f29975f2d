//! Session drivers: one file per vendor API behind one small contract (log in, execute,
//! session facts, log out). The set of vendors is closed, so [`Session`] is an enum over the
//! five drivers; it also owns the one rule every vendor shares: a request that meets an
//! expired session re-authenticates once and retries once.

pub mod aoscx;
pub mod arubaos;
pub mod asa;
pub mod central;
pub mod central_limiter;
pub mod central_signin;
pub mod eos;
pub mod http;
pub mod msp;
pub mod request_info;
pub mod tls;
pub mod token_store;

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use serde_json::Value;

use crate::command::Command;
use crate::config::{CentralConfig, DeviceConfig, DeviceKind};
use crate::kind::AuthScheme;
use crate::paths::Paths;

/// What every session driver does. Vendors say *how* to authenticate; [`Session`] decides
/// *when*.
pub trait Driver {
    /// Establish the session (or check the credentials, for stateless auth).
    fn login(&mut self) -> impl Future<Output = Result<(), VendorError>> + Send;
    /// Run one command once. A session the device no longer accepts is reported as
    /// [`VendorError::Expired`] so [`Session::execute`] can log in again and retry.
    fn execute_once(
        &mut self,
        cmd: &Command,
    ) -> impl Future<Output = Result<CommandOutput, VendorError>> + Send;
    /// What is known about the session right now.
    fn facts(&self) -> SessionFacts;
    /// True once `login` succeeded and until `logout`.
    fn is_logged_in(&self) -> bool;
    /// End the session on the device (a no-op for stateless auth).
    fn logout(&mut self) -> impl Future<Output = Result<(), VendorError>> + Send;
}

/// The answer to one command.
#[derive(Debug, Clone, PartialEq)]
pub struct CommandOutput {
    pub body: Body,
    /// Things the user should know about how it was obtained (a command rerun as text, a CLI
    /// line mapped to a REST path, a 429 waited out).
    pub notes: Vec<String>,
    /// The HTTP request that produced it, credentials as placeholders (copy as curl).
    pub request: Option<request_info::RequestInfo>,
}

impl CommandOutput {
    pub fn json(v: Value) -> Self {
        CommandOutput {
            body: Body::Json(v),
            notes: Vec::new(),
            request: None,
        }
    }

    pub fn text(s: impl Into<String>) -> Self {
        CommandOutput {
            body: Body::Text(s.into()),
            notes: Vec::new(),
            request: None,
        }
    }

    /// This answer with the request that produced it.
    #[must_use]
    pub fn with_request(mut self, r: Option<request_info::RequestInfo>) -> Self {
        self.request = r;
        self
    }

    /// The answer as a JSON value (text becomes a JSON string).
    pub fn to_value(&self) -> Value {
        match &self.body {
            Body::Json(v) => v.clone(),
            Body::Text(s) => Value::String(s.clone()),
        }
    }
}

/// Parsed JSON or plain text (eAPI `format: text`, ASA CLI output).
#[derive(Debug, Clone, PartialEq)]
pub enum Body {
    Json(Value),
    Text(String),
}

/// Session-count limits the vendor documents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SessionLimits {
    pub per_user: Option<u32>,
    pub per_device: Option<u32>,
}

/// Rate-limit figures seen in response headers (Central `X-RateLimit-*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RateFacts {
    pub limit_second: Option<u64>,
    pub remaining_second: Option<u64>,
    pub limit_day: Option<u64>,
    pub remaining_day: Option<u64>,
    /// 429 answers received.
    pub throttled: u64,
}

/// What a driver knows about its session: the raw material for countdowns and gauges.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SessionFacts {
    /// How it authenticates.
    pub auth: AuthScheme,
    pub logged_in: bool,
    /// When the current session was established.
    pub since: Option<SystemTime>,
    /// When it was last used (idle timers run from here).
    pub last_used: Option<SystemTime>,
    /// The device ends the session after this much inactivity.
    pub idle_timeout: Option<Duration>,
    /// The device ends the session this long after `since`, used or not.
    pub hard_limit: Option<Duration>,
    /// When the credential itself expires (Central access token, eAPI cookie).
    pub expires_at: Option<SystemTime>,
    pub limits: SessionLimits,
    pub rate: Option<RateFacts>,
    /// Times the session was re-established after the device expired it.
    pub relogins: u32,
    /// Central: what the token may do ("all", "read", "?" for a pasted pair).
    pub scope: Option<&'static str>,
}

impl SessionFacts {
    /// The earliest moment the session ends unless something is done.
    pub fn deadline(&self) -> Option<SystemTime> {
        // Checked: an overflowing sum is no deadline at all, not a panic.
        let idle = self
            .last_used
            .zip(self.idle_timeout)
            .and_then(|(t, d)| t.checked_add(d));
        let hard = self
            .since
            .zip(self.hard_limit)
            .and_then(|(t, d)| t.checked_add(d));
        [idle, hard, self.expires_at].into_iter().flatten().min()
    }
}

/// Why a request failed, phrased as one line that says what happened and what to do.
/// Never contains a password, token, cookie or UIDARUBA.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum VendorError {
    /// The credentials were refused; the text says what to check.
    #[error("login refused: {0}")]
    Auth(String),
    #[error("login refused: {0}; log out other sessions (or wait for them to time out) and retry")]
    SessionLimit(String),
    #[error("session expired: {0}")]
    Expired(String),
    #[error("cannot reach {0}; check host, port and that the API is enabled")]
    Connect(String),
    #[error("{0}")]
    Tls(tls::TlsFailure),
    #[error("no answer from {0} within {1} s; the device is slow or unreachable, retry later")]
    Timeout(String, u64),
    #[error("HTTP {status}: {message}")]
    Http { status: u16, message: String },
    #[error("bad response: {0}")]
    BadResponse(String),
    /// The body passed `max_response_mb`: refused or cut off instead of held in memory.
    #[error(
        "response larger than {limit_mb} MiB from {what}; raise max_response_mb in [settings] if this device really sends that much"
    )]
    TooLarge { what: String, limit_mb: u64 },
    #[error("{0}")]
    Command(String),
    #[error("rate limited: {0}")]
    RateLimited(String),
    #[error("{0}")]
    ReadOnly(String),
    #[error("{0}")]
    Unsupported(String),
    #[error("{0}")]
    Config(String),
    #[error("token store: {0}")]
    TokenStore(String),
}

impl VendorError {
    /// A device refused the username or password.
    pub fn bad_password(what: String) -> Self {
        VendorError::Auth(format!("{what}; check username and password in the config"))
    }
}

/// Shared by every session: where files live, the HTTP clients, the request timeout.
#[derive(Clone)]
pub struct Context {
    pub paths: Paths,
    pub clients: Arc<http::Clients>,
    pub timeout: Duration,
    /// Read-only mode: Central signs in for `scope=read` tokens.
    pub read_only: bool,
}

impl Context {
    pub fn new(paths: Paths, timeout: Duration) -> Self {
        Context {
            paths,
            clients: Arc::new(http::Clients::new(timeout)),
            timeout,
            read_only: false,
        }
    }

    /// The context `[settings]` asks for: its request timeout, and its body cap for the
    /// whole process.
    pub fn for_settings(paths: Paths, settings: &crate::config::Settings) -> Self {
        http::set_max_response_mb(settings.max_response_mb);
        let timeout = Duration::from_secs(settings.timeout_secs.max(1));
        let mut ctx = Context::new(paths, timeout);
        let interval = Duration::from_secs(settings.poll_interval_secs.max(1));
        ctx.clients = Arc::new(http::Clients::for_poll_interval(timeout, interval));
        ctx
    }
}

/// The driver of one vendor session.
#[allow(
    clippy::large_enum_variant,
    reason = "one per device, never moved in bulk (allow: whether it fires depends on the drivers' sizes)"
)]
pub enum Vendor {
    Eos(eos::Eos),
    Asa(asa::Asa),
    AosCx(aoscx::AosCx),
    ArubaOs(arubaos::ArubaOs),
    Central(central::Central),
}

/// One vendor session of any kind. Once [`Session::close`]d it never logs in again, so
/// shutdown cannot race an actor into opening a session after the logout.
pub struct Session {
    vendor: Vendor,
    closed: bool,
}

macro_rules! each {
    ($self:ident, $d:ident => $e:expr) => {
        match &mut $self.vendor {
            Vendor::Eos($d) => $e,
            Vendor::Asa($d) => $e,
            Vendor::AosCx($d) => $e,
            Vendor::ArubaOs($d) => $e,
            Vendor::Central($d) => $e,
        }
    };
}

macro_rules! each_ref {
    ($self:ident, $d:ident => $e:expr) => {
        match &$self.vendor {
            Vendor::Eos($d) => $e,
            Vendor::Asa($d) => $e,
            Vendor::AosCx($d) => $e,
            Vendor::ArubaOs($d) => $e,
            Vendor::Central($d) => $e,
        }
    };
}

impl Session {
    /// A (not yet logged-in) session for a configured device.
    pub fn for_device(cfg: &DeviceConfig, ctx: &Context) -> Result<Session, VendorError> {
        let vendor = match cfg.kind {
            DeviceKind::Eos => Vendor::Eos(eos::Eos::new(cfg, ctx)?),
            DeviceKind::Asa => Vendor::Asa(asa::Asa::new(cfg, ctx)?),
            DeviceKind::Aoscx => Vendor::AosCx(aoscx::AosCx::new(cfg, ctx)?),
            DeviceKind::Arubaos => Vendor::ArubaOs(arubaos::ArubaOs::new(cfg, ctx)?),
        };
        Ok(Session {
            vendor,
            closed: false,
        })
    }

    /// A session for a configured Central account.
    pub fn for_central(cfg: &CentralConfig, ctx: &Context) -> Result<Session, VendorError> {
        Ok(Session {
            vendor: Vendor::Central(central::Central::new(cfg, ctx)?),
            closed: false,
        })
    }

    /// The Central driver, if this is a Central session.
    pub fn central(&self) -> Option<&central::Central> {
        match &self.vendor {
            Vendor::Central(c) => Some(c),
            _ => None,
        }
    }

    /// The Central driver, for the engine to wire in its limiter.
    pub fn central_mut(&mut self) -> Option<&mut central::Central> {
        match &mut self.vendor {
            Vendor::Central(c) => Some(c),
            _ => None,
        }
    }

    /// "eos", "asa", "aoscx", "arubaos" or "central".
    pub fn kind(&self) -> &'static str {
        match self.vendor {
            Vendor::Eos(_) => "eos",
            Vendor::Asa(_) => "asa",
            Vendor::AosCx(_) => "aoscx",
            Vendor::ArubaOs(_) => "arubaos",
            Vendor::Central(_) => "central",
        }
    }

    pub async fn login(&mut self) -> Result<(), VendorError> {
        if self.closed {
            return Err(VendorError::Unsupported(
                "netdash is shutting down: no new sessions".into(),
            ));
        }
        each!(self, d => d.login().await)
    }

    /// Renew a Central token ahead of expiry (nothing for device sessions); refused once
    /// closed, like a login.
    pub async fn renew(&mut self) -> Result<(), VendorError> {
        if self.closed {
            return Err(VendorError::Unsupported(
                "netdash is shutting down: no new sessions".into(),
            ));
        }
        match &mut self.vendor {
            Vendor::Central(c) => c.renew().await,
            _ => Ok(()),
        }
    }

    /// Log out and refuse every later login (shutdown).
    pub async fn close(&mut self) -> Result<(), VendorError> {
        self.closed = true;
        self.logout().await
    }

    /// Run a command, logging in first if needed. A session the device has expired is
    /// re-established once and the command retried once; a second rejection is an error.
    pub async fn execute(&mut self, cmd: &Command) -> Result<CommandOutput, VendorError> {
        // Refuse what this API cannot take before spending one of its few sessions on it.
        self.precheck(cmd)?;
        if !self.is_logged_in() {
            self.login().await?;
        }
        match each!(self, d => d.execute_once(cmd).await) {
            Err(VendorError::Expired(why)) => {
                tracing::info!(kind = self.kind(), %why, "session expired; logging in again");
                self.login().await?;
                match each!(self, d => d.execute_once(cmd).await) {
                    // Still Expired, not Auth: the login worked, so this is no bad password
                    // (whose backoff jumps to the cap), and it clears when the device does.
                    Err(VendorError::Expired(why)) => Err(VendorError::Expired(format!(
                        "the device rejected a fresh session too ({why}); something on it ends sessions as they open: check its session settings and log"
                    ))),
                    other => other,
                }
            }
            other => other,
        }
    }

    pub fn facts(&self) -> SessionFacts {
        each_ref!(self, d => d.facts())
    }

    /// Commands this API cannot take at all, found without touching the network.
    pub fn precheck(&self, cmd: &Command) -> Result<(), VendorError> {
        match (&self.vendor, cmd) {
            (Vendor::Eos(_), Command::Rest { .. }) => Err(VendorError::Unsupported(
                "eAPI takes CLI commands only (runCmds), e.g. show version".into(),
            )),
            (Vendor::Central(_), Command::Cli(_)) => Err(VendorError::Unsupported(
                "Central takes REST requests only, e.g. GET /monitoring/v2/aps".into(),
            )),
            (Vendor::AosCx(_), Command::Cli(line)) => aoscx::map_cli(line).map(|_| ()),
            _ => Ok(()),
        }
    }

    pub fn is_logged_in(&self) -> bool {
        each_ref!(self, d => d.is_logged_in())
    }

    pub async fn logout(&mut self) -> Result<(), VendorError> {
        if !self.is_logged_in() {
            return Ok(());
        }
        each!(self, d => d.logout().await)
    }
}
