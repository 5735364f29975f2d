//! An MSP's Central tenants as accounts of their own. The MSP entry's client lists the
//! tenants (`GET /msp_api/v1/customers`, 50 a page, the gateway's maximum) or the config
//! names them (`tenants = [...]`); each tenant gets client credentials of its own (step 2
//! of the OAuth grant, made once and kept 0600 beside the token pairs, written before
//! they are used) and then signs in like any account: own tokens, own 7/s budget, own
//! polling. Tenant accounts are named `MSP/tenant-name`, so they sort under the MSP.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::central::Central;
use super::central_signin::{self, Gateway, SignIn};
use super::token_store::account_stem;
use super::{Context, Driver, VendorError};
use crate::command::{Command, Method};
use crate::config::{CentralConfig, PasswordCmd};

/// The gateway's page limit for the customer list (more is `LIMIT_REQUEST_EXCEEDED`).
const PAGE: usize = 50;
/// Bounded: no MSP has more tenants than this, and a wall screen must not grow unbounded.
const MAX_TENANTS: usize = 10_000;

/// One tenant's stored client credentials.
#[derive(Clone, Serialize, Deserialize)]
struct Stored {
    customer_id: String,
    name: String,
    client_id: String,
    client_secret: String,
}

impl std::fmt::Debug for Stored {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Stored")
            .field("customer_id", &self.customer_id)
            .field("name", &self.name)
            .field("client_id", &self.client_id)
            .finish_non_exhaustive()
    }
}

#[derive(Default, Serialize, Deserialize)]
struct StoredFile {
    tenants: Vec<Stored>,
}

/// Where an MSP entry's tenant credentials are kept.
pub fn credentials_file(token_dir: &Path, msp: &CentralConfig) -> PathBuf {
    token_dir.join(format!(
        "{}.tenants.json",
        account_stem(&msp.name, &msp.client_id)
    ))
}

fn load(path: &Path) -> Result<StoredFile, VendorError> {
    match std::fs::read(path) {
        Ok(b) => serde_json::from_slice(&b).map_err(|_| {
            VendorError::TokenStore(format!(
                "unreadable tenant credentials {}: not valid JSON; delete it and netdash makes new ones",
                path.display()
            ))
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(StoredFile::default()),
        Err(e) => Err(VendorError::TokenStore(format!(
            "cannot read {}: {e}",
            path.display()
        ))),
    }
}

fn save(path: &Path, f: &StoredFile) -> Result<(), VendorError> {
    let fail = |e: &dyn std::fmt::Display| {
        VendorError::TokenStore(format!("cannot write {}: {e}", path.display()))
    };
    if let Some(dir) = path.parent() {
        use std::os::unix::fs::DirBuilderExt;
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(|e| fail(&e))?;
    }
    let data = serde_json::to_vec_pretty(f).map_err(|e| fail(&e))?;
    crate::fsutil::write_private(path, &data).map_err(|e| fail(&e))
}

/// `customer_name` made fit for a target name: no spaces, slashes or control characters.
fn tenant_label(name: &str, customer_id: &str) -> String {
    let s: String = name
        .trim()
        .chars()
        .filter(|c| !crate::sanitize::is_unsafe(*c))
        .map(|c| {
            if c.is_whitespace() || c == '/' || c == '@' {
                '-'
            } else {
                c
            }
        })
        .take(48)
        .collect();
    if s.is_empty() {
        customer_id.chars().take(48).collect()
    } else {
        s
    }
}

/// Every tenant the MSP's client lists: (`customer_id`, `customer_name`).
async fn list(msp: &mut Central) -> Result<Vec<(String, String)>, VendorError> {
    let mut out = Vec::new();
    let mut offset = 0;
    loop {
        let cmd = Command::Rest {
            method: Method::Get,
            path: format!("/msp_api/v1/customers?offset={offset}&limit={PAGE}"),
            body: None,
        };
        let v = msp.execute_once(&cmd).await?.to_value();
        let page = v
            .get("customers")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let n = page.len();
        for c in page {
            let s = |k: &str| c.get(k).and_then(Value::as_str).map(str::to_string);
            if let Some(id) = s("customer_id").filter(|i| !i.is_empty()) {
                let name = s("customer_name").unwrap_or_default();
                out.push((id, name));
            }
        }
        offset += n;
        let total = v
            .get("total")
            .and_then(Value::as_u64)
            .map(|t| usize::try_from(t).unwrap_or(usize::MAX));
        let done = match total {
            Some(t) => offset >= t,
            None => n < PAGE,
        };
        if n == 0 || done || offset >= MAX_TENANTS {
            return Ok(out);
        }
    }
}

/// The tenant accounts of MSP entry `msp` (its password already resolved: no
/// `password_cmd` left). Lists the tenants unless the config names them; makes and stores
/// client credentials for tenants that have none yet.
pub async fn tenant_accounts(
    msp: &CentralConfig,
    ctx: &Context,
) -> Result<Vec<CentralConfig>, VendorError> {
    let who = SignIn {
        username: msp.username.clone().unwrap_or_default(),
        password: msp
            .resolve_password()
            .map_err(|e| VendorError::Config(e.to_string()))?,
    };
    let path = credentials_file(&ctx.paths.token_dir(), msp);
    let mut stored = load(&path)?;
    // Which tenants: the config's list, else what the MSP lists (names from the list when
    // it answers, else from the stored file, else the id itself).
    let mut driver = Central::new(msp, ctx)?;
    let listed = match driver.login().await {
        Ok(()) => list(&mut driver).await,
        Err(e) => Err(e),
    };
    let _ = driver.logout().await;
    let wanted: Vec<(String, String)> = match (&msp.tenants, listed) {
        (Some(ids), listed) => {
            if let Err(e) = &listed {
                tracing::warn!(msp = %msp.name, error = %e, "cannot list MSP tenants; using the configured ids");
            }
            let listed = listed.unwrap_or_default();
            ids.iter()
                .map(|id| {
                    let name = listed
                        .iter()
                        .find(|(i, _)| i == id)
                        .map(|(_, n)| n.clone())
                        .or_else(|| {
                            stored
                                .tenants
                                .iter()
                                .find(|t| &t.customer_id == id)
                                .map(|t| t.name.clone())
                        })
                        .unwrap_or_default();
                    (id.clone(), name)
                })
                .collect()
        }
        (None, Ok(l)) => l,
        // Offline start: the tenants known from last time still work.
        (None, Err(e)) if !stored.tenants.is_empty() => {
            tracing::warn!(msp = %msp.name, error = %e, "cannot list MSP tenants; using the stored ones");
            stored
                .tenants
                .iter()
                .map(|t| (t.customer_id.clone(), t.name.clone()))
                .collect()
        }
        (None, Err(e)) => return Err(e),
    };
    let missing: Vec<&(String, String)> = wanted
        .iter()
        .filter(|(id, _)| !stored.tenants.iter().any(|t| &t.customer_id == id))
        .collect();
    if !missing.is_empty() {
        let base = msp.gateway().unwrap_or_default();
        let client = ctx.clients.get(&super::http::TlsPolicy {
            verify: msp.verify_tls,
            ca_cert: msp.ca_cert.clone(),
            identity: None,
        })?;
        let peer = base.trim_start_matches("https://").to_string();
        let gw = Gateway {
            client: &client,
            base: &base,
            peer: &peer,
            timeout: ctx.timeout,
        };
        let user = central_signin::login(&gw, &msp.client_id, &who).await?;
        for (id, name) in missing {
            let c = central_signin::client_credentials(&gw, &msp.client_id, &user, id).await?;
            stored.tenants.push(Stored {
                customer_id: id.clone(),
                name: name.clone(),
                client_id: c.client_id,
                client_secret: c.client_secret.expose_secret().to_string(),
            });
            // Written before use: credentials that exist only in memory are lost at exit.
            save(&path, &stored)?;
        }
    }
    let mut names = HashSet::new();
    let mut out = Vec::new();
    for (id, listed_name) in &wanted {
        let Some(t) = stored.tenants.iter().find(|t| &t.customer_id == id) else {
            continue;
        };
        let shown = if listed_name.is_empty() {
            &t.name
        } else {
            listed_name
        };
        let mut name = format!("{}/{}", msp.name, tenant_label(shown, id));
        if !names.insert(name.clone()) {
            name = format!("{name}-{}", id.chars().take(6).collect::<String>());
            names.insert(name.clone());
        }
        out.push(CentralConfig {
            name,
            client_id: t.client_id.clone(),
            client_secret: Some(t.client_secret.clone()),
            client_secret_env: None,
            customer_id: id.clone(),
            access_token: None,
            refresh_token: None,
            username: msp.username.clone(),
            password: Some(who.password.expose_secret().to_string()),
            password_env: None,
            password_cmd: None,
            msp: false,
            tenants: None,
            tenant_id: None,
            msp_parent: Some(msp.name.clone()),
            ..msp.clone()
        });
    }
    Ok(out)
}

/// True if target specs can reach MSP entry `msp`'s tenants: `@all`, a tag it carries, or a
/// name under it (`MSP/...`).
pub fn reached_by(specs: &[String], msp: &CentralConfig) -> bool {
    specs.iter().any(|s| {
        s == "@all"
            || s.strip_prefix("@tag:")
                .is_some_and(|t| msp.tags.iter().any(|x| x == t))
            || s.strip_prefix(msp.name.as_str())
                .is_some_and(|t| t.starts_with('/'))
    })
}

/// Why an MSP's tenants could not be set up.
pub struct Problem {
    pub msp: String,
    pub line: String,
    /// The MSP's sign-in was refused: the MSP's own target, if it runs, says so already.
    pub refused: bool,
}

/// Add the tenants of every MSP entry `specs` can reach to `cfg` (for `netdash run`, which
/// selects its targets before the engine starts). An MSP's `password_cmd` runs here, once:
/// its answer replaces it in `cfg`. Returns what went wrong, per MSP whose tenants could not
/// be found (its other targets still run).
pub async fn expand(
    cfg: &mut crate::config::Config,
    specs: &[String],
    ctx: &Context,
) -> Vec<Problem> {
    let timeout = std::time::Duration::from_secs(cfg.settings.password_cmd_timeout_secs.max(1));
    let mut problems = Vec::new();
    let mut found = Vec::new();
    for entry in &mut cfg.central {
        let msp = entry.get_mut();
        if !msp.msp || !reached_by(specs, msp) {
            continue;
        }
        if msp.password_cmd.is_some() {
            match msp.password_source().resolve_async(timeout).await {
                Ok(p) => *msp = msp.with_password(p.expose_secret().to_string()),
                Err(e) => {
                    problems.push(Problem {
                        msp: msp.name.clone(),
                        line: format!("{}: {e}", msp.name),
                        refused: false,
                    });
                    continue;
                }
            }
        }
        match tenant_accounts(msp, ctx).await {
            Ok(t) => found.extend(t),
            Err(e) => problems.push(Problem {
                msp: msp.name.clone(),
                line: format!("{}: cannot set up its tenants: {e}", msp.name),
                refused: matches!(e, VendorError::Auth(_)),
            }),
        }
    }
    cfg.tenants.extend(found);
    problems
}
