//! Where Central token pairs live between runs. Refresh tokens rotate: once used, the old
//! one is dead, so the new pair is written before it is used, atomically (temp file in the
//! same directory, mode 0600, fsync, rename, fsync of the directory). A lock file keeps two
//! netdash processes sharing an account from refreshing at once and destroying each
//! other's refresh token; whoever takes the lock re-reads the store first.
//!
//! A rotated pair that cannot be written is not dropped (the old refresh token is already
//! dead): it is kept in memory for every session of the account in this process, used, and
//! written as soon as a retry succeeds.

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use super::VendorError;

/// What a Central token may do (the grant's `scope`): `read` tokens are refused by the
/// gateway on anything but GET.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    All,
    Read,
}

impl Scope {
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::All => "all",
            Scope::Read => "read",
        }
    }
}

/// An access/refresh token pair.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct TokenPair {
    pub access_token: String,
    pub refresh_token: String,
    /// Unix seconds; None for a pasted token whose age is unknown.
    pub expires_at: Option<u64>,
    /// The lifetime the gateway gave (`expires_in`), seconds.
    pub lifetime: Option<u64>,
    pub obtained_at: u64,
    /// The scope netdash asked for when it signed in; None for a pasted pair (unknown).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<Scope>,
}

// Never print the tokens themselves.
impl std::fmt::Debug for TokenPair {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenPair")
            .field("expires_at", &self.expires_at)
            .field("obtained_at", &self.obtained_at)
            .field("scope", &self.scope)
            .finish_non_exhaustive()
    }
}

pub fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// The longest token lifetime believed: a year. Real gateways give two hours; a bigger
/// number (from a gateway or a hand-edited file) is clamped where it is read, so no time
/// arithmetic downstream can overflow.
pub const MAX_LIFETIME: u64 = 365 * 86_400;

/// `expires_in` as the gateway sent it, clamped to 1 s ..= [`MAX_LIFETIME`] (logged).
pub fn clamp_lifetime(secs: u64) -> u64 {
    let clamped = secs.clamp(1, MAX_LIFETIME);
    if clamped != secs {
        tracing::warn!(
            expires_in = secs,
            used = clamped,
            "Central token lifetime out of range; clamped"
        );
    }
    clamped
}

impl TokenPair {
    /// Renew this far ahead of expiry: 5 minutes, or a tenth of a short lifetime.
    pub fn margin(&self) -> u64 {
        self.lifetime.map_or(300, |l| (l / 10).clamp(1, 300))
    }

    /// Due for a refresh (unknown expiry: not due; a 401 will tell).
    pub fn due(&self) -> bool {
        self.expires_at
            .is_some_and(|e| now_secs().saturating_add(self.margin()) >= e)
    }

    pub fn expires(&self) -> Option<SystemTime> {
        self.expires_at
            .and_then(|e| UNIX_EPOCH.checked_add(Duration::from_secs(e)))
    }

    /// A pair pasted into the config: nobody knows when it was issued or when it expires.
    pub fn age_unknown(&self) -> bool {
        self.expires_at.is_none() && self.obtained_at == 0
    }

    /// Clamp times read from a file: at most [`MAX_LIFETIME`] from now (logged).
    fn sane(mut self, path: &Path) -> Self {
        let latest = now_secs().saturating_add(MAX_LIFETIME);
        if self.expires_at.is_some_and(|e| e > latest) {
            tracing::warn!(file = %path.display(), "stored token expiry too far ahead; clamped to a year");
            self.expires_at = Some(latest);
        }
        self.lifetime = self.lifetime.map(|l| l.min(MAX_LIFETIME));
        self.obtained_at = self.obtained_at.min(now_secs());
        self
    }
}

/// Rotated pairs that could not be written, by token file, with why: every session of the
/// account in this process uses them, and every save retries them.
static UNSAVED: Mutex<Option<HashMap<PathBuf, (TokenPair, String)>>> = Mutex::new(None);

fn unsaved<T>(f: impl FnOnce(&mut HashMap<PathBuf, (TokenPair, String)>) -> T) -> T {
    let mut g = UNSAVED.lock().unwrap_or_else(PoisonError::into_inner);
    f(g.get_or_insert_with(HashMap::new))
}

/// The token file of one account.
#[derive(Debug, Clone)]
pub struct TokenStore {
    path: PathBuf,
    lock_path: PathBuf,
}

/// FNV-1a: a stable short name for a client id (not a secret, but not worth spelling out).
fn short_hash(s: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{:08x}", h as u32)
}

/// The file-name stem of an account's files: its name made safe, and its client id hashed.
pub fn account_stem(name: &str, client_id: &str) -> String {
    let safe: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("{safe}-{}", short_hash(client_id))
}

/// Held while refreshing; the lock is released when dropped (the file closes).
pub struct Lock(
    #[expect(
        dead_code,
        reason = "never read: holding the file is what holds the lock"
    )]
    File,
);

impl TokenStore {
    pub fn for_account(dir: &Path, name: &str, client_id: &str) -> TokenStore {
        let stem = account_stem(name, client_id);
        TokenStore {
            path: dir.join(format!("{stem}.json")),
            lock_path: dir.join(format!("{stem}.lock")),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn err(&self, what: &str, e: impl std::fmt::Display) -> VendorError {
        VendorError::TokenStore(format!("{what} {}: {e}", self.path.display()))
    }

    fn ensure_dir(&self) -> Result<(), VendorError> {
        if let Some(dir) = self.path.parent() {
            std::fs::DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(dir)
                .map_err(|e| self.err("cannot create the directory of", e))?;
        }
        Ok(())
    }

    /// The stored pair, if any; a pair that could not be written wins (it is newer).
    pub fn load(&self) -> Result<Option<TokenPair>, VendorError> {
        if let Some(p) = unsaved(|m| m.get(&self.path).map(|(p, _)| p.clone())) {
            return Ok(Some(p));
        }
        match std::fs::read(&self.path) {
            Ok(b) => serde_json::from_slice::<TokenPair>(&b)
                .map(|p| Some(p.sane(&self.path)))
                .map_err(|_| {
                    self.err(
                        "unreadable token file",
                        "not valid JSON; delete it to use the config's tokens",
                    )
                }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(self.err("cannot read", e)),
        }
    }

    /// Write atomically with mode 0600 (see [`crate::fsutil::write_private`]). If that
    /// fails the pair is kept in memory (see [`TokenStore::unsaved`]) and the error says so.
    pub fn save(&self, pair: &TokenPair) -> Result<(), VendorError> {
        match self.write(pair) {
            Ok(()) => {
                unsaved(|m| m.remove(&self.path));
                Ok(())
            }
            Err(e) => {
                let why = e.to_string();
                unsaved(|m| m.insert(self.path.clone(), (pair.clone(), why.clone())));
                Err(VendorError::TokenStore(format!(
                    "{why}; the new token pair lives only in memory until it can be saved"
                )))
            }
        }
    }

    fn write(&self, pair: &TokenPair) -> Result<(), VendorError> {
        self.ensure_dir()?;
        let data = serde_json::to_vec_pretty(pair).map_err(|e| self.err("cannot encode", e))?;
        crate::fsutil::write_private(&self.path, &data).map_err(|e| self.err("cannot write", e))
    }

    /// Why this account's current pair is only in memory, if it is.
    pub fn unsaved(&self) -> Option<String> {
        unsaved(|m| m.get(&self.path).map(|(_, why)| why.clone()))
    }

    /// Forget a pair kept in memory (netdash is exiting): why it was unsaved, if it was.
    pub fn give_up(&self) -> Option<String> {
        unsaved(|m| m.remove(&self.path)).map(|(_, why)| why)
    }

    /// Try again to write a pair kept in memory; true when nothing is left unsaved.
    pub fn retry_unsaved(&self) -> bool {
        let Some(pair) = unsaved(|m| m.get(&self.path).map(|(p, _)| p.clone())) else {
            return true;
        };
        match self.write(&pair) {
            Ok(()) => {
                // Only if no newer pair arrived meanwhile.
                unsaved(|m| {
                    if m.get(&self.path).is_some_and(|(p, _)| *p == pair) {
                        m.remove(&self.path);
                    }
                });
                tracing::info!(file = %self.path.display(), "token pair kept in memory is saved now");
                true
            }
            Err(e) => {
                let why = e.to_string();
                unsaved(|m| {
                    if let Some(entry) = m.get_mut(&self.path) {
                        entry.1 = why;
                    }
                });
                false
            }
        }
    }

    /// Take the account's lock, waiting up to `wait` (polling, so no runtime thread blocks).
    pub async fn lock(&self, wait: Duration) -> Result<Lock, VendorError> {
        self.ensure_dir()?;
        let f = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .mode(0o600)
            .custom_flags(libc::O_NOFOLLOW)
            .open(&self.lock_path)
            .map_err(|e| self.err("cannot open the lock of", e))?;
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            match f.try_lock() {
                Ok(()) => return Ok(Lock(f)),
                Err(std::fs::TryLockError::WouldBlock)
                    if tokio::time::Instant::now() < deadline =>
                {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                Err(e) => return Err(self.err("cannot lock", e)),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[tokio::test]
    async fn saves_atomically_with_0600() {
        let dir = tempfile::tempdir().expect("dir");
        let store =
            TokenStore::for_account(&dir.path().join("central"), "acme central", "client-1");
        assert_eq!(store.load().expect("load"), None);
        let pair = TokenPair {
            access_token: "secret-access".into(),
            refresh_token: "secret-refresh".into(),
            expires_at: Some(now_secs() + 7200),
            lifetime: Some(7200),
            obtained_at: now_secs(),
            scope: Some(Scope::Read),
        };
        let _lock = store.lock(Duration::from_secs(1)).await.expect("lock");
        store.save(&pair).expect("save");
        assert_eq!(store.load().expect("load"), Some(pair.clone()));
        let mode = std::fs::metadata(store.path())
            .expect("meta")
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(mode, 0o600);
        assert!(!format!("{pair:?}").contains("secret"));
        // No temp files left behind.
        let names: Vec<_> = std::fs::read_dir(store.path().parent().expect("dir"))
            .expect("ls")
            .flatten()
            .map(|e| e.file_name())
            .collect();
        assert_eq!(names.len(), 2, "{names:?}"); // the pair and the lock
    }

    // 256 cases (proptest's default); PROPTEST_CASES=N runs more.
    proptest::proptest! {
        /// Whatever times a token file holds (hand-edited, or written from a gateway's
        /// nonsense), reading it back and asking about expiry never panics, and the expiry
        /// is at most a year ahead.
        #[test]
        fn any_stored_times_are_clamped(
            expires_at in proptest::option::of(proptest::num::u64::ANY),
            lifetime in proptest::option::of(proptest::num::u64::ANY),
            obtained_at in proptest::num::u64::ANY,
        ) {
            let dir = tempfile::tempdir().expect("dir");
            let store = TokenStore::for_account(dir.path(), "acct", "client");
            let text = serde_json::json!({
                "access_token": "a", "refresh_token": "r",
                "expires_at": expires_at, "lifetime": lifetime, "obtained_at": obtained_at,
            });
            std::fs::write(store.path(), text.to_string()).expect("write");
            let p = store.load().expect("load").expect("a pair");
            let _ = (p.due(), p.margin());
            if let Some(t) = p.expires() {
                let ahead = t.duration_since(SystemTime::now()).unwrap_or_default();
                proptest::prop_assert!(ahead.as_secs() <= MAX_LIFETIME + 1);
            }
        }

        #[test]
        fn any_expires_in_is_clamped(secs in proptest::num::u64::ANY) {
            let l = clamp_lifetime(secs);
            proptest::prop_assert!((1..=MAX_LIFETIME).contains(&l));
            proptest::prop_assert!(now_secs().checked_add(l).is_some());
        }
    }

    #[test]
    fn margin_is_short_for_short_lifetimes() {
        let p = TokenPair {
            access_token: String::new(),
            refresh_token: String::new(),
            expires_at: None,
            lifetime: Some(20),
            obtained_at: 0,
            scope: None,
        };
        assert_eq!(p.margin(), 2);
        assert!(!p.due());
    }
}
