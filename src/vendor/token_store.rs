//! Where Central token pairs live between runs. Refresh tokens rotate: once used, the old
//! one is dead, so the new pair is written before it is used, atomically (temp file in the
//! same directory, mode 0600, fsync, rename, fsync of the directory). A lock file keeps two
//! netdash processes sharing an account from refreshing at once and destroying each
//! other's refresh token; whoever takes the lock re-reads the store first.

use std::fs::{File, OpenOptions};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use super::VendorError;

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
}

// Never print the tokens themselves.
impl std::fmt::Debug for TokenPair {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenPair")
            .field("expires_at", &self.expires_at)
            .field("obtained_at", &self.obtained_at)
            .finish_non_exhaustive()
    }
}

pub fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

impl TokenPair {
    /// Renew this far ahead of expiry: 5 minutes, or a tenth of a short lifetime.
    pub fn margin(&self) -> u64 {
        self.lifetime.map_or(300, |l| (l / 10).clamp(1, 300))
    }

    /// Due for a refresh (unknown expiry: not due; a 401 will tell).
    pub fn due(&self) -> bool {
        self.expires_at
            .is_some_and(|e| now_secs() + self.margin() >= e)
    }

    pub fn expires(&self) -> Option<SystemTime> {
        self.expires_at.map(|e| UNIX_EPOCH + Duration::from_secs(e))
    }
}

/// The token file of one account.
#[derive(Debug, Clone)]
pub struct TokenStore {
    path: PathBuf,
    lock_path: PathBuf,
}

/// FNV-1a: a stable short name for a client id (not a secret, but not worth spelling out).
fn short_hash(s: &str) -> String {
    let mut h: u64 = 0xcbf29ce484222325;
    for b in s.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x100000001b3);
    }
    format!("{:08x}", h as u32)
}

/// Held while refreshing; the lock is released when dropped (the file closes).
pub struct Lock(#[allow(dead_code)] File);

impl TokenStore {
    pub fn for_account(dir: &Path, name: &str, client_id: &str) -> TokenStore {
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
        let stem = format!("{safe}-{}", short_hash(client_id));
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

    /// The stored pair, if any.
    pub fn load(&self) -> Result<Option<TokenPair>, VendorError> {
        match std::fs::read(&self.path) {
            Ok(b) => serde_json::from_slice(&b).map(Some).map_err(|_| {
                self.err(
                    "unreadable token file",
                    "not valid JSON; delete it to use the config's tokens",
                )
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(self.err("cannot read", e)),
        }
    }

    /// Write atomically with mode 0600 (see [`crate::fsutil::write_private`]).
    pub fn save(&self, pair: &TokenPair) -> Result<(), VendorError> {
        self.ensure_dir()?;
        let data = serde_json::to_vec_pretty(pair).map_err(|e| self.err("cannot encode", e))?;
        crate::fsutil::write_private(&self.path, &data).map_err(|e| self.err("cannot write", e))
    }

    /// Take the account's lock, waiting up to `wait` (polling, so no runtime thread blocks).
    pub async fn lock(&self, wait: Duration) -> Result<Lock, VendorError> {
        self.ensure_dir()?;
        let f = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .mode(0o600)
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

    #[test]
    fn margin_is_short_for_short_lifetimes() {
        let p = TokenPair {
            access_token: String::new(),
            refresh_token: String::new(),
            expires_at: None,
            lifetime: Some(20),
            obtained_at: 0,
        };
        assert_eq!(p.margin(), 2);
        assert!(!p.due());
    }
}
