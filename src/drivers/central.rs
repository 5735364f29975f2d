//! Aruba Central API gateway: OAuth2 bearer tokens, refreshed ahead of expiry with the
//! refresh token (`POST /oauth2/token`, parameters in the query string as pycentral sends
//! them). Refresh tokens rotate, so every new pair goes to the token store before it is
//! used, and the stored pair wins over the config's seed from then on. A pair that cannot be
//! stored is kept in memory and used, its save retried before every call. A seeded pair of
//! unknown age is refreshed at first use, so its expiry is known from then on. `X-RateLimit-*`
//! headers are recorded; a 429 is waited out (Retry-After) and counted. When the engine
//! wires in its limiter, every call (retries too) waits for a permit first.
//!
//! With `username` and a password the account also signs in by itself (the OAuth grant,
//! [`super::central_signin`]): when it holds no usable pair, or the gateway refuses its
//! refresh token (expired after disuse, revoked in the web UI). One sign-in per such
//! failure; a refused password is never sent again. In read-only mode it asks for
//! `scope=read`, and keeps that pair in a token file of its own.

use std::time::{Duration, Instant, SystemTime};

use reqwest::Client;
use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;

use super::central_limiter::{Limiter, Priority};
use super::central_signin::{self, Gateway, SignIn};
use super::http::{self, Reply, TlsPolicy};
use super::request_info::{Placeholder, RequestInfo, Template, TlsInfo};
use super::token_store::{Scope, TokenPair, TokenStore, clamp_lifetime, now_secs};
use super::{CommandOutput, Context, Driver, RateFacts, SessionFacts, VendorError};
use crate::command::Command;
use crate::config::CentralConfig;
use crate::kind::AuthScheme;

/// 429s waited out for one request before giving up.
const MAX_429: u32 = 6;

/// One Central account.
pub struct Central {
    client: Client,
    base: String,
    peer: String,
    client_id: String,
    client_secret: SecretString,
    customer_id: String,
    /// The user to sign in as, when the config names one.
    signin: Option<SignIn>,
    /// The scope a sign-in asks for (read in read-only mode).
    scope: Scope,
    tenant_id: Option<String>,
    seed: Option<TokenPair>,
    store: TokenStore,
    token: Option<TokenPair>,
    rate: RateFacts,
    refreshed: Option<SystemTime>,
    timeout: Duration,
    limiter: Option<(Limiter, Priority)>,
    last_token_call: Option<Instant>,
    logged_in: bool,
    relogins: u32,
    /// How the copied curl trusts the gateway.
    tls_info: TlsInfo,
}

impl Central {
    /// The request `execute_once` sends, the access token as a placeholder.
    fn describe(&self, method: &str, path: &str, body: Option<&Value>) -> RequestInfo {
        let mut r = RequestInfo::new(
            method,
            Template::text(format!("{}{path}", self.base)),
            self.tls_info.clone(),
        )
        .header(
            "Authorization",
            Template::text("Bearer ").var(Placeholder::Token),
        )
        .header("Accept", Template::text("application/json"))
        .hint(
            "TOKEN is an access token of this account (its token pair is in netdash's state dir)",
        );
        if let Some(t) = &self.tenant_id {
            r = r.header("TenantID", Template::text(t));
        }
        if body.is_some() {
            r = r.header("Content-Type", Template::text("application/json"));
        }
        r.body(body.map(Value::to_string))
    }
}

fn header_u64(r: &Reply, name: &str) -> Option<u64> {
    r.header(name).and_then(|v| v.trim().parse().ok())
}

/// The `X-RateLimit-*` figures one reply carries.
fn rate_seen(r: &Reply) -> RateFacts {
    let get = |n| header_u64(r, n);
    RateFacts {
        limit_second: get("x-ratelimit-limit-second"),
        remaining_second: get("x-ratelimit-remaining-second"),
        limit_day: get("x-ratelimit-limit-day"),
        remaining_day: get("x-ratelimit-remaining-day"),
        throttled: 0,
    }
}

/// A token endpoint's refusal: status, OAuth `error` code, one line for people.
struct Refusal {
    status: u16,
    error: Option<String>,
    message: String,
}

impl Refusal {
    /// The refresh token itself is dead (expired, revoked, used): a sign-in can replace it.
    /// A refused client (`invalid_client`) is not: a sign-in ends at the same client check.
    fn grant_dead(&self) -> bool {
        match self.error.as_deref() {
            Some("invalid_grant") => true,
            Some("invalid_client") => false,
            _ => self.status == 401,
        }
    }
}

/// What the token endpoint is asked for.
enum Grant<'a> {
    Refresh(&'a str),
    Code(&'a str),
}

/// One line from an error body (`error_description`, `message`, ...), secrets masked.
pub(super) fn message_of(reply: &Reply, secrets: &[&str]) -> String {
    let m = serde_json::from_slice::<Value>(&reply.body)
        .ok()
        .and_then(|v| {
            ["error_description", "message", "detail", "error"]
                .iter()
                .find_map(|k| v.get(*k).and_then(Value::as_str).map(str::to_string))
        })
        .unwrap_or_else(|| reply.snippet());
    crate::redact::text(&m, secrets)
}

/// The pair in a token endpoint answer, obtained at `now` (Unix seconds).
fn token_pair(v: &Value, now: u64) -> Result<TokenPair, VendorError> {
    let s = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
    let (Some(access_token), Some(refresh_token)) = (s("access_token"), s("refresh_token")) else {
        return Err(VendorError::BadResponse(
            "the token endpoint answered without a token pair".into(),
        ));
    };
    // Clamped here, where it enters (Central grants 7200 s): everything after adds it to
    // clocks, and a 401 still tells when the token really ends.
    let lifetime = v
        .get("expires_in")
        .and_then(Value::as_u64)
        .map(clamp_lifetime);
    Ok(TokenPair {
        access_token,
        refresh_token,
        expires_at: lifetime.map(|l| now.saturating_add(l)),
        lifetime,
        obtained_at: now,
        scope: None,
    })
}

/// Entry points for the property tests (`tests/parsers_prop.rs`): the parsers above, fed
/// whatever a gateway could send. Not an API.
#[doc(hidden)]
pub mod testing {
    use super::{RateFacts, Reply, Value, VendorError};

    pub fn rate_seen(r: &Reply) -> RateFacts {
        super::rate_seen(r)
    }

    pub fn message_of(r: &Reply, secrets: &[&str]) -> String {
        super::message_of(r, secrets)
    }

    /// `(access, refresh, expires_at)` of a token answer.
    pub fn token_pair(v: &Value, now: u64) -> Result<(String, String, Option<u64>), VendorError> {
        super::token_pair(v, now).map(|t| (t.access_token, t.refresh_token, t.expires_at))
    }
}

impl Central {
    pub fn new(cfg: &CentralConfig, ctx: &Context) -> Result<Self, VendorError> {
        let base = cfg.gateway().ok_or_else(|| {
            VendorError::Config(format!("central {}: no base_url or known region", cfg.name))
        })?;
        let client = ctx.clients.get(&TlsPolicy {
            verify: cfg.verify_tls,
            ca_cert: cfg.ca_cert.clone(),
            identity: None,
        })?;
        let signin = if cfg.can_sign_in() {
            Some(SignIn {
                username: cfg.username.clone().unwrap_or_default(),
                password: cfg
                    .resolve_password()
                    .map_err(|e| VendorError::Config(e.to_string()))?,
            })
        } else {
            None
        };
        // Read-only with a user to sign in as: a read-scoped pair of its own. A pasted pair's
        // scope is unknown, so it is not used there.
        let read_scope = ctx.read_only && signin.is_some();
        let seed = match (&cfg.access_token, &cfg.refresh_token) {
            _ if read_scope => None,
            (None, None) => None,
            (a, r) => Some(TokenPair {
                access_token: a.clone().unwrap_or_default(),
                refresh_token: r.clone().unwrap_or_default(),
                expires_at: None,
                lifetime: None,
                obtained_at: 0,
                scope: None,
            }),
        };
        let store_name = if read_scope {
            format!("{}.read", cfg.name)
        } else {
            cfg.name.clone()
        };
        Ok(Central {
            client,
            peer: base.trim_start_matches("https://").to_string(),
            base,
            client_id: cfg.client_id.clone(),
            client_secret: cfg
                .resolve_client_secret()
                .map_err(|e| VendorError::Config(e.to_string()))?,
            customer_id: cfg.customer_id.clone(),
            signin,
            scope: if ctx.read_only {
                Scope::Read
            } else {
                Scope::All
            },
            tenant_id: cfg.tenant_id.clone(),
            seed,
            store: TokenStore::for_account(&ctx.paths.token_dir(), &store_name, &cfg.client_id),
            token: None,
            rate: RateFacts::default(),
            refreshed: None,
            timeout: ctx.timeout,
            limiter: None,
            last_token_call: None,
            logged_in: false,
            relogins: 0,
            tls_info: TlsInfo::of_central(cfg),
        })
    }

    /// Send every call through the account's limiter at this priority.
    pub fn set_limiter(&mut self, limiter: Limiter, priority: Priority) {
        self.limiter = Some((limiter, priority));
    }

    /// Get a fresh token now (the engine renews ahead of expiry, before anyone needs it).
    pub async fn renew(&mut self) -> Result<(), VendorError> {
        self.refresh().await
    }

    /// Why the account's current token pair lives only in memory (its save failed), if it
    /// does: it is lost when netdash exits, and the old refresh token is already dead.
    pub fn unsaved_pair(&self) -> Option<String> {
        self.store.unsaved()
    }

    /// Where this account's tokens are kept.
    pub fn token_file(&self) -> &std::path::Path {
        self.store.path()
    }

    fn secrets(&self) -> Vec<&str> {
        let mut v = vec![self.client_secret.expose_secret()];
        if let Some(s) = &self.signin {
            v.push(s.password.expose_secret());
        }
        for t in self.token.iter().chain(self.seed.iter()) {
            v.push(&t.access_token);
            v.push(&t.refresh_token);
        }
        v
    }

    fn message(&self, reply: &Reply) -> String {
        message_of(reply, &self.secrets())
    }

    fn record_rate(&mut self, r: &Reply) {
        let get = |n| header_u64(r, n);
        if let (Some((l, _)), Some(n)) = (&self.limiter, get("x-ratelimit-limit-second")) {
            l.gateway_limit(n);
        }
        // What this reply says, and only that: a session's older figures must not
        // overwrite the account's newer ones.
        let seen = rate_seen(r);
        if let Some((l, _)) = &self.limiter {
            l.note_rate(&seen);
        }
        self.rate.limit_second = get("x-ratelimit-limit-second").or(self.rate.limit_second);
        self.rate.remaining_second =
            get("x-ratelimit-remaining-second").or(self.rate.remaining_second);
        self.rate.limit_day = get("x-ratelimit-limit-day").or(self.rate.limit_day);
        self.rate.remaining_day = get("x-ratelimit-remaining-day").or(self.rate.remaining_day);
    }

    /// One call to the token endpoint with `refresh_token`; the gateway allows one call
    /// per second there, per account (the engine's limiter spaces the account's sessions;
    /// alone, this session spaces its own calls).
    async fn token_call(
        &mut self,
        grant: Grant<'_>,
    ) -> Result<Result<TokenPair, Refusal>, VendorError> {
        let limiter = self.limiter.as_ref().map(|(l, _)| l.clone());
        let (grant_type, key, value) = match grant {
            Grant::Refresh(rt) => ("refresh_token", "refresh_token", rt),
            Grant::Code(code) => ("authorization_code", "code", code),
        };
        for _ in 0..3 {
            let rb = self
                .client
                .post(format!("{}/oauth2/token", self.base))
                .query(&[
                    ("client_id", self.client_id.as_str()),
                    ("client_secret", self.client_secret.expose_secret()),
                    ("grant_type", grant_type),
                    (key, value),
                ]);
            let send = http::send(rb, &self.peer, self.timeout);
            let reply = if let Some(l) = &limiter {
                l.token_call(send).await?
            } else {
                if let Some(t) = self.last_token_call {
                    tokio::time::sleep(Duration::from_secs(1).saturating_sub(t.elapsed())).await;
                }
                let r = send.await;
                self.last_token_call = Some(Instant::now());
                r?
            };
            if reply.status.as_u16() == 429 {
                let wait = header_u64(&reply, "retry-after").unwrap_or(1).clamp(1, 60);
                tokio::time::sleep(Duration::from_secs(wait)).await;
                continue;
            }
            if !reply.status.is_success() {
                let error = serde_json::from_slice::<Value>(&reply.body)
                    .ok()
                    .and_then(|v| v.get("error").and_then(Value::as_str).map(str::to_string));
                return Ok(Err(Refusal {
                    status: reply.status.as_u16(),
                    error,
                    message: crate::redact::text(&self.message(&reply), &[value]),
                }));
            }
            let v = reply.json(&self.peer)?;
            return token_pair(&v, now_secs()).map(Ok);
        }
        Err(VendorError::RateLimited(
            "the token endpoint kept answering 429; other clients of this account use its 1 call/s: retry in a minute (polling backs off by itself)".into(),
        ))
    }

    /// Get a fresh pair, coordinating with other processes through the store's lock.
    async fn refresh(&mut self) -> Result<(), VendorError> {
        let _lock = self.store.lock(Duration::from_secs(15)).await?;
        // Someone else may have refreshed while we waited: adopt their pair. A store that
        // cannot be read does not stop a session that holds a pair of its own.
        let stored = match self.store.load() {
            Ok(s) => s,
            Err(e) if self.token.is_some() => {
                tracing::warn!(target = %self.peer, error = %e, "token store unreadable; refreshing with the pair in memory");
                None
            }
            Err(e) => return Err(e),
        };
        if let Some(s) = &stored
            && self
                .token
                .as_ref()
                .is_none_or(|t| t.access_token != s.access_token)
            && !s.due()
            && s.expires_at.is_some()
        {
            self.token = stored;
            return Ok(());
        }
        let mut candidates: Vec<String> = Vec::new();
        if let Some(s) = &stored {
            candidates.push(s.refresh_token.clone());
        }
        if let Some(t) = &self.token {
            candidates.push(t.refresh_token.clone());
        }
        // A stale store (a different account re-created, a restarted lab) falls back to
        // the refresh token pasted in the config.
        if let Some(s) = &self.seed {
            candidates.push(s.refresh_token.clone());
        }
        candidates.retain(|c| !c.is_empty());
        candidates.dedup();
        if candidates.is_empty() {
            if self.signin.is_some() {
                return self.sign_in().await;
            }
            return Err(VendorError::Auth(
                "no Central refresh token: set username and a password in the config (netdash signs in by itself), or paste an access/refresh token pair from the Central UI".into(),
            ));
        }
        // A refresh keeps the scope of the pair it replaces.
        let inherited = stored
            .as_ref()
            .and_then(|s| s.scope)
            .or(self.token.as_ref().and_then(|t| t.scope));
        let mut last: Option<Refusal> = None;
        for rt in candidates {
            match self.token_call(Grant::Refresh(&rt)).await? {
                Ok(mut pair) => {
                    pair.scope = inherited;
                    self.adopt(pair, "Central token refreshed");
                    return Ok(());
                }
                // The gateway failing is no verdict on the refresh token: keep it.
                Err(r) if r.status >= 500 => {
                    return Err(VendorError::Http {
                        status: r.status,
                        message: format!("the token endpoint failed ({})", r.message),
                    });
                }
                Err(r) => last = Some(r),
            }
        }
        let last = last.unwrap_or(Refusal {
            status: 0,
            error: None,
            message: String::new(),
        });
        if last.grant_dead() && self.signin.is_some() {
            tracing::info!(target = %self.peer, "Central refused the refresh token; signing in");
            return self.sign_in().await;
        }
        Err(
            if last.status == 401 || last.error.as_deref() == Some("invalid_client") {
                VendorError::Auth(format!(
                    "Central rejected client_id/client_secret ({})",
                    last.message
                ))
            } else {
                VendorError::Auth(format!(
                    "Central rejected the refresh token ({}); set username and a password so netdash signs in by itself, or paste a fresh access/refresh token pair into the config",
                    last.message
                ))
            },
        )
    }

    /// Take a new pair: saved before it is used (the old refresh token is already dead). If
    /// the save fails the store keeps the pair in memory: use it all the same (dropping it
    /// would lock the account out) and retry the save.
    fn adopt(&mut self, pair: TokenPair, what: &'static str) {
        if let Err(e) = self.store.save(&pair) {
            tracing::error!(target = %self.peer, error = %e, "new Central token pair not saved");
        }
        if self.token.is_some() {
            self.relogins += 1;
        }
        self.token = Some(pair);
        self.refreshed = Some(SystemTime::now());
        tracing::info!(target = %self.peer, "{what}");
    }

    /// The OAuth grant, steps 1, 3 and 4 (called with the store's lock held, so the
    /// account's other sessions wait and then adopt the pair).
    async fn sign_in(&mut self) -> Result<(), VendorError> {
        // A refused password is remembered by the sign-in itself: never sent again.
        if let Some(why) = self
            .signin
            .as_ref()
            .and_then(|w| central_signin::refused(&self.base, &w.username))
        {
            return Err(VendorError::Auth(why));
        }
        let key = self.store.path().display().to_string();
        if let Some(why) = central_signin::held_back(&key) {
            return Err(VendorError::Auth(why));
        }
        let r = self.sign_in_now().await;
        // Only the account's own mistakes (a refused customer_id, client or code) wait before
        // the next try; a gateway that is down, slow or busy is the polling backoff's business,
        // and a login that never arrived cannot lock anyone out.
        match &r {
            Ok(()) => central_signin::signed_in(&key, true, ""),
            Err(VendorError::Auth(why)) => central_signin::signed_in(&key, false, why),
            Err(e @ VendorError::Http { status, .. })
                if (400..500).contains(status) && *status != 429 =>
            {
                central_signin::signed_in(&key, false, &e.to_string());
            }
            Err(_) => {}
        }
        r
    }

    async fn sign_in_now(&mut self) -> Result<(), VendorError> {
        let Some(who) = &self.signin else {
            return Err(VendorError::Auth("no username to sign in with".into()));
        };
        let gw = Gateway {
            client: &self.client,
            base: &self.base,
            peer: &self.peer,
            timeout: self.timeout,
        };
        let user = central_signin::login(&gw, &self.client_id, who).await?;
        let code =
            central_signin::auth_code(&gw, &self.client_id, &user, &self.customer_id, self.scope)
                .await?;
        drop(user);
        let pair = match self.token_call(Grant::Code(code.expose_secret())).await? {
            Ok(mut pair) => {
                pair.scope = Some(self.scope);
                pair
            }
            Err(r) => {
                return Err(VendorError::Auth(format!(
                    "Central would not exchange the auth code for tokens ({}); check client_secret",
                    r.message
                )));
            }
        };
        self.adopt(pair, "Central sign-in: new token pair");
        Ok(())
    }
}

impl Driver for Central {
    async fn login(&mut self) -> Result<(), VendorError> {
        if self.token.is_none() {
            // The stored pair wins over the config's seed once it exists.
            self.token = self.store.load()?.or_else(|| self.seed.clone());
        }
        // A pasted pair of unknown age is refreshed now rather than at its unknown expiry,
        // so its countdown is known from the first minute.
        let usable = self
            .token
            .as_ref()
            .is_some_and(|t| !t.access_token.is_empty() && !t.due() && !t.age_unknown());
        if !usable {
            self.refresh().await?;
        }
        self.logged_in = true;
        Ok(())
    }

    async fn execute_once(&mut self, cmd: &Command) -> Result<CommandOutput, VendorError> {
        let Command::Rest { method, path, body } = cmd else {
            return Err(VendorError::Unsupported(
                "Central takes REST requests only, e.g. GET /monitoring/v2/aps".into(),
            ));
        };
        if self.store.unsaved().is_some() {
            self.store.retry_unsaved();
        }
        // Renew ahead of expiry rather than waiting for a 401.
        if self
            .token
            .as_ref()
            .is_none_or(super::token_store::TokenPair::due)
        {
            self.refresh().await?;
        }
        let mut throttled = 0;
        loop {
            // Held until the answer is in: the limiter's window starts there.
            let permit = match &self.limiter {
                Some((l, p)) => l.acquire(*p).await,
                None => None,
            };
            let access = self
                .token
                .as_ref()
                .map(|t| t.access_token.clone())
                .unwrap_or_default();
            let described = self.describe(method.as_str(), path, body.as_ref());
            let mut rb = self
                .client
                .request(method.http(), format!("{}{path}", self.base))
                .bearer_auth(access)
                .header(reqwest::header::ACCEPT, "application/json");
            if let Some(t) = &self.tenant_id {
                rb = rb.header("TenantID", t);
            }
            if let Some(b) = body {
                rb = rb.json(b);
            }
            let reply = http::send(rb, &self.peer, self.timeout).await;
            match (&reply, permit, &self.limiter) {
                // No answer: the request may still land at the gateway.
                (Err(_), Some(p), Some((l, _))) => p.unanswered(l.window),
                (_, p, _) => drop(p),
            }
            let reply = reply?;
            self.record_rate(&reply);
            match reply.status.as_u16() {
                429 => {
                    self.rate.throttled += 1;
                    throttled += 1;
                    if reply.header("x-ratelimit-remaining-day").map(str::trim) == Some("0") {
                        return Err(VendorError::RateLimited(format!(
                            "daily quota of {} calls exhausted; it resets at 00:00 UTC",
                            self.rate.limit_day.map_or("?".into(), |l| l.to_string())
                        )));
                    }
                    if throttled > MAX_429 {
                        return Err(VendorError::RateLimited(format!(
                            "{} answered 429 {throttled} times in a row; try again in a minute",
                            self.peer
                        )));
                    }
                    let wait = Duration::from_secs(
                        header_u64(&reply, "retry-after").unwrap_or(1).clamp(1, 60),
                    );
                    match &self.limiter {
                        // Every caller of the account waits, not only this one.
                        Some((l, _)) => l.refused(wait),
                        None => tokio::time::sleep(wait).await,
                    }
                }
                401 => {
                    if let Some(t) = &mut self.token {
                        t.expires_at = Some(0);
                    }
                    return Err(VendorError::Expired(format!(
                        "Central: {}",
                        self.message(&reply)
                    )));
                }
                s if !(200..300).contains(&s) => {
                    return Err(VendorError::Http {
                        status: s,
                        message: format!(
                            "{} {}: {}",
                            method.as_str(),
                            crate::redact::url(path),
                            self.message(&reply)
                        ),
                    });
                }
                _ => {
                    let mut out = if reply.body.iter().all(u8::is_ascii_whitespace) {
                        CommandOutput::json(Value::Null)
                    } else {
                        CommandOutput::json(reply.json(&self.peer)?)
                    };
                    if throttled > 0 {
                        out.notes
                            .push(format!("waited out {throttled} 429 responses"));
                    }
                    out.request = Some(described);
                    // `run` shows notes: there the pair dies with the process.
                    if let Some(why) = self.store.unsaved() {
                        out.notes.push(format!(
                            "the rotated token pair lives only in memory ({why}); fix that and run again while this pair is valid, or paste a fresh pair into the config"
                        ));
                    }
                    return Ok(out);
                }
            }
        }
    }

    fn facts(&self) -> SessionFacts {
        SessionFacts {
            auth: AuthScheme::Bearer,
            logged_in: self.logged_in,
            since: self.refreshed,
            expires_at: self.token.as_ref().and_then(TokenPair::expires),
            rate: Some(self.rate),
            relogins: self.relogins,
            scope: Some(
                self.token
                    .as_ref()
                    .and_then(|t| t.scope)
                    .map_or("?", Scope::as_str),
            ),
            ..SessionFacts::default()
        }
    }

    fn is_logged_in(&self) -> bool {
        self.logged_in
    }

    /// Bearer tokens are not sessions: nothing to end at the gateway (and revoking would
    /// break other users of the same token).
    /// A pair that lives only in memory gets a last save attempt here (shutdown): after the
    /// process ends it is gone.
    async fn logout(&mut self) -> Result<(), VendorError> {
        self.logged_in = false;
        if self.store.unsaved().is_some() && !self.store.retry_unsaved() {
            // Reported once per account, by whichever session closes first.
            if let Some(why) = self.store.give_up() {
                return Err(VendorError::TokenStore(format!(
                    "the rotated token pair could not be saved ({why}) and is lost now; paste a fresh access/refresh token pair from Central into the config"
                )));
            }
        }
        Ok(())
    }
}
