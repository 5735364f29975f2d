//! Central sign-in by the OAuth grant, as the API gateway guide documents it ("Obtaining
//! Token Using OAuth Grant Mechanism"): step 1 logs the user in (`csrftoken` and `session`
//! cookies), step 2 makes client credentials for an MSP's tenant, step 3 turns the login
//! into a single-use auth code (valid 300 s). Step 4, the code for a token pair, is the
//! token endpoint's and lives with the refresh in [`super::central`].
//!
//! Steps 1 to 3 allow one call per second, so every call here waits its turn on a
//! per-gateway pacer, and a 429 is waited out. A password the gateway refuses is
//! remembered for the rest of the process, per gateway and user, and never sent again:
//! a storm of failed logins gets a Central user locked, and with MSP tenants one wrong
//! password would otherwise be tried once per tenant.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use reqwest::Client;
use secrecy::{ExposeSecret, SecretString};
use serde_json::{Value, json};

use super::VendorError;
use super::central::message_of;
use super::http::{self, Reply};
use super::token_store::Scope;

/// How often a step is retried after a 429 before giving up.
const MAX_429: u32 = 5;

/// The user netdash signs in as.
pub struct SignIn {
    pub username: String,
    pub password: SecretString,
}

impl std::fmt::Debug for SignIn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignIn")
            .field("username", &self.username)
            .finish_non_exhaustive()
    }
}

/// Where and how to reach the gateway.
pub struct Gateway<'a> {
    pub client: &'a Client,
    /// `https://host[:port]`, no trailing slash.
    pub base: &'a str,
    /// The host, for messages.
    pub peer: &'a str,
    pub timeout: Duration,
}

/// A logged-in user session (step 1): both values are credentials.
pub struct UserSession {
    csrf: SecretString,
    session: SecretString,
}

impl std::fmt::Debug for UserSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("UserSession(<redacted>)")
    }
}

/// New client credentials for a tenant (step 2).
pub struct ClientCredentials {
    pub client_id: String,
    pub client_secret: SecretString,
}

type Key = (String, String);

/// Passwords refused this process, by (gateway, user), with the line that said so.
static REFUSED: Mutex<Option<HashMap<Key, String>>> = Mutex::new(None);
/// One login at a time per (gateway, user): a second waits and sees the first's refusal.
static USER_LOCKS: Mutex<Option<HashMap<Key, Arc<tokio::sync::Mutex<()>>>>> = Mutex::new(None);
/// The next moment a step 1-3 call may leave, per gateway.
static PACER: Mutex<Option<HashMap<String, Instant>>> = Mutex::new(None);
/// Accounts whose last sign-in failed for another reason than the password (a wrong
/// `customer_id`, a gateway error): failures so far, when to try again, and why.
static FAILED: Mutex<Option<HashMap<String, Failed>>> = Mutex::new(None);

/// Failures in a row, the next moment a sign-in may start, and why the last one failed.
type Failed = (u32, Instant, String);

/// Why account `key` may not sign in yet, if its last sign-ins failed: one attempt per
/// failure, then waits of 1, 2, 4 ... minutes (at most an hour), so a wall screen with a
/// wrong `customer_id` does not log in every poll for weeks.
pub fn held_back(key: &str) -> Option<String> {
    with(&FAILED, |m| {
        let (_, at, why) = m.get(key)?;
        let left = at.saturating_duration_since(Instant::now());
        (!left.is_zero()).then(|| {
            format!(
                "{why} (next sign-in attempt in {} s)",
                left.as_secs().max(1)
            )
        })
    })
}

/// Record how account `key`'s sign-in ended.
pub fn signed_in(key: &str, ok: bool, why: &str) {
    with(&FAILED, |m| {
        if ok {
            m.remove(key);
            return;
        }
        let n = m.get(key).map_or(1, |(n, _, _)| n.saturating_add(1));
        let wait = Duration::from_secs(60u64.saturating_mul(1 << (n - 1).min(6)).min(3600));
        m.insert(key.to_string(), (n, Instant::now() + wait, why.to_string()));
    });
}

fn with<K, V, T>(m: &Mutex<Option<HashMap<K, V>>>, f: impl FnOnce(&mut HashMap<K, V>) -> T) -> T {
    let mut g = m.lock().unwrap_or_else(PoisonError::into_inner);
    f(g.get_or_insert_with(HashMap::new))
}

/// Why this user's password was refused earlier in this process, if it was.
pub fn refused(base: &str, username: &str) -> Option<String> {
    with(&REFUSED, |m| {
        m.get(&(base.to_string(), username.to_string())).cloned()
    })
}

/// Wait for this gateway's next free second for steps 1 to 3 (reserving it).
async fn pace(base: &str) {
    let at = with(&PACER, |m| {
        let now = Instant::now();
        let at = m.get(base).copied().filter(|t| *t > now).unwrap_or(now);
        m.insert(base.to_string(), at + Duration::from_secs(1));
        at
    });
    tokio::time::sleep_until(at.into()).await;
}

/// A step 2 or 3 answer that is not a success, as an error: `say` words it around the
/// gateway's own message (the user session's cookie and CSRF token masked).
fn step_failed(reply: &Reply, user: &UserSession, say: impl FnOnce(&str) -> String) -> VendorError {
    let secrets = [user.csrf.expose_secret(), user.session.expose_secret()];
    VendorError::Http {
        status: reply.status.as_u16(),
        message: say(&message_of(reply, &secrets)),
    }
}

/// POST one step-1-to-3 call, paced, waiting out 429s.
async fn post(
    gw: &Gateway<'_>,
    path: &str,
    query: &[(&str, &str)],
    body: &Value,
    user: Option<&UserSession>,
) -> Result<Reply, VendorError> {
    for _ in 0..=MAX_429 {
        pace(gw.base).await;
        let mut rb = gw
            .client
            .post(format!("{}{path}", gw.base))
            .query(query)
            .header(reqwest::header::ACCEPT, "application/json")
            .json(body);
        if let Some(u) = user {
            rb = rb
                .header(
                    reqwest::header::COOKIE,
                    format!("session={}", u.session.expose_secret()),
                )
                .header("X-CSRF-Token", u.csrf.expose_secret());
        }
        let reply = http::send(rb, gw.peer, gw.timeout).await?;
        if reply.status.as_u16() != 429 {
            return Ok(reply);
        }
        let wait = reply
            .header("retry-after")
            .and_then(|v| v.trim().parse::<u64>().ok())
            .unwrap_or(2)
            .clamp(1, 60);
        tracing::info!(target = %gw.peer, wait, "Central sign-in step answered 429; waiting");
        // The pacer's next slot is at least this far away too.
        with(&PACER, |m| {
            let until = Instant::now() + Duration::from_secs(wait);
            let e = m.entry(gw.base.to_string()).or_insert(until);
            *e = (*e).max(until);
        });
    }
    Err(VendorError::RateLimited(format!(
        "{} kept answering 429 to sign-in; other clients are signing in with this account: retry in a minute",
        gw.peer
    )))
}

/// The value of cookie `name` in a reply's `Set-Cookie` headers.
fn set_cookie(reply: &Reply, name: &str) -> Option<String> {
    reply
        .headers
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.split(';').next())
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

/// Step 1: log `who` in for `client_id`. A 401 is remembered: this password is not sent
/// again by this process.
pub async fn login(
    gw: &Gateway<'_>,
    client_id: &str,
    who: &SignIn,
) -> Result<UserSession, VendorError> {
    let key = (gw.base.to_string(), who.username.clone());
    let lock = with(&USER_LOCKS, |m| m.entry(key.clone()).or_default().clone());
    let _one_at_a_time = lock.lock().await;
    if let Some(why) = refused(gw.base, &who.username) {
        return Err(VendorError::Auth(why));
    }
    let password = who.password.expose_secret();
    let reply = post(
        gw,
        "/oauth2/authorize/central/api/login",
        &[("client_id", client_id)],
        &json!({"username": who.username, "password": password}),
        None,
    )
    .await?;
    let msg = message_of(&reply, &[password]);
    match reply.status.as_u16() {
        200 => {
            let (Some(csrf), Some(session)) = (
                set_cookie(&reply, "csrftoken"),
                set_cookie(&reply, "session"),
            ) else {
                return Err(VendorError::BadResponse(format!(
                    "{} accepted the sign-in but set no csrftoken/session cookies",
                    gw.peer
                )));
            };
            Ok(UserSession {
                csrf: csrf.into(),
                session: session.into(),
            })
        }
        401 => {
            let why = format!(
                "Central refused the password of {} ({msg}); fix password, password_env or password_cmd and restart netdash (not tried again, so the user is not locked out)",
                crate::sanitize::one_line(&who.username)
            );
            tracing::error!(target = %gw.peer, user = %who.username, "Central sign-in refused; not retrying");
            with(&REFUSED, |m| m.insert(key, why.clone()));
            Err(VendorError::Auth(why))
        }
        s => Err(VendorError::Http {
            status: s,
            message: format!("Central sign-in failed ({msg}); check client_id and username"),
        }),
    }
}

/// Step 3: an auth code for `customer_id`, with `scope`.
pub async fn auth_code(
    gw: &Gateway<'_>,
    client_id: &str,
    user: &UserSession,
    customer_id: &str,
    scope: Scope,
) -> Result<SecretString, VendorError> {
    let reply = post(
        gw,
        "/oauth2/authorize/central/api",
        &[
            ("client_id", client_id),
            ("response_type", "code"),
            ("scope", scope.as_str()),
        ],
        &json!({"customer_id": customer_id}),
        Some(user),
    )
    .await?;
    if !reply.status.is_success() {
        return Err(step_failed(&reply, user, |m| {
            format!("Central would not issue an auth code ({m}); check customer_id and client_id")
        }));
    }
    let v = reply.json(gw.peer)?;
    // The guide's example spells the key with spaces (`" auth_code "`): accept both.
    v.get("auth_code")
        .or_else(|| v.get(" auth_code "))
        .and_then(Value::as_str)
        .map(|c| SecretString::from(c.to_string()))
        .ok_or_else(|| {
            VendorError::BadResponse(format!(
                "{} answered the auth-code step without a code",
                gw.peer
            ))
        })
}

/// Step 2: new client credentials for an MSP's tenant `customer_id`.
pub async fn client_credentials(
    gw: &Gateway<'_>,
    msp_client_id: &str,
    user: &UserSession,
    customer_id: &str,
) -> Result<ClientCredentials, VendorError> {
    let reply = post(
        gw,
        "/oauth2/authorize/central/api/client_credentials",
        &[("client_id", msp_client_id)],
        &json!({"customer_id": customer_id}),
        Some(user),
    )
    .await?;
    if !reply.status.is_success() {
        let tenant = crate::sanitize::one_line(customer_id);
        return Err(step_failed(&reply, user, |m| {
            format!("Central would not make client credentials for tenant {tenant} ({m})")
        }));
    }
    let v = reply.json(gw.peer)?;
    let s = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
    match (s("client_id"), s("client_secret")) {
        (Some(client_id), Some(secret)) if !client_id.is_empty() && !secret.is_empty() => {
            Ok(ClientCredentials {
                client_id,
                client_secret: secret.into(),
            })
        }
        _ => Err(VendorError::BadResponse(format!(
            "{} answered the client-credentials step without client_id/client_secret",
            gw.peer
        ))),
    }
}
