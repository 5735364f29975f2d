//! `:snap NAME` and `:diff NAME`: a console result kept on disk, under the state dir's
//! `snapshots/NAME.json`, written atomically and readable by its owner only (a result can
//! hold configuration with secrets in it).

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::kind::TargetKind;

/// A file bigger than this is not a snapshot netdash wrote (results are capped well below).
const MAX_BYTES: u64 = 1 << 30;

/// One kept result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    pub target: String,
    /// "eos", "asa", ... as `run --json` prints it.
    pub kind: String,
    /// The console line that produced it.
    pub command: String,
    /// When it was taken, seconds since 1970 (UTC).
    pub taken: u64,
    pub output: Value,
}

impl Snapshot {
    /// When it was taken: `2026-11-30 14:21 UTC`.
    pub fn taken_utc(&self) -> String {
        // Days since 1970 to a civil date (Howard Hinnant's algorithm), no time zone crate.
        let days = (self.taken / 86_400).cast_signed() + 719_468;
        let era = days.div_euclid(146_097);
        let doe = days.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let d = doy - (153 * mp + 2) / 5 + 1;
        let m = if mp < 10 { mp + 3 } else { mp - 9 };
        let y = yoe + era * 400 + i64::from(m <= 2);
        let secs = self.taken % 86_400;
        format!(
            "{y:04}-{m:02}-{d:02} {:02}:{:02} UTC",
            secs / 3600,
            (secs / 60) % 60
        )
    }

    pub fn target_kind(&self) -> Option<TargetKind> {
        [
            TargetKind::Eos,
            TargetKind::Asa,
            TargetKind::Aoscx,
            TargetKind::Arubaos,
            TargetKind::Central,
        ]
        .into_iter()
        .find(|k| k.as_str() == self.kind)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SnapError {
    #[error(
        "snapshot name {0:?} is not usable: use letters, digits, '-', '_' or '.' (no '/', no '..', at most 64)"
    )]
    BadName(String),
    #[error("no snapshot named {0:?}: :snap {0} keeps the selected result first")]
    Missing(String),
    #[error("snapshot {name:?} cannot be read ({why}): take it again with :snap {name}")]
    Unreadable { name: String, why: String },
    #[error("cannot write snapshot {name:?} to {path}: {why}")]
    Write {
        name: String,
        path: String,
        why: String,
    },
}

/// A name that is one plain file name: no path separators, no `..`, nothing hidden.
pub fn check_name(name: &str) -> Result<(), SnapError> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && !name.starts_with('.')
        && !name.contains("..")
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if ok {
        Ok(())
    } else {
        Err(SnapError::BadName(name.to_string()))
    }
}

/// Where snapshot `name` lives under `state_dir`.
pub fn path(state_dir: &Path, name: &str) -> PathBuf {
    state_dir.join("snapshots").join(format!("{name}.json"))
}

/// Write `snap` as `name` (replacing one of that name), 0600, atomically.
pub fn save(state_dir: &Path, name: &str, snap: &Snapshot) -> Result<PathBuf, SnapError> {
    check_name(name)?;
    let p = path(state_dir, name);
    let fail = |why: String| SnapError::Write {
        name: name.to_string(),
        path: p.display().to_string(),
        why,
    };
    if let Some(dir) = p.parent() {
        use std::os::unix::fs::DirBuilderExt;
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(|e| fail(e.to_string()))?;
    }
    let bytes = serde_json::to_vec(snap).map_err(|e| fail(e.to_string()))?;
    crate::fsutil::write_private(&p, &bytes).map_err(|e| fail(e.to_string()))?;
    Ok(p)
}

/// Read snapshot `name`.
pub fn load(state_dir: &Path, name: &str) -> Result<Snapshot, SnapError> {
    use std::io::Read as _;
    check_name(name)?;
    let p = path(state_dir, name);
    let unreadable = |why: String| SnapError::Unreadable {
        name: name.to_string(),
        why,
    };
    let f = match std::fs::File::open(&p) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(SnapError::Missing(name.to_string()));
        }
        Err(e) => return Err(unreadable(e.to_string())),
    };
    let mut bytes = Vec::new();
    f.take(MAX_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| unreadable(e.to_string()))?;
    if bytes.len() as u64 > MAX_BYTES {
        return Err(unreadable("larger than 1 GiB".into()));
    }
    serde_json::from_slice(&bytes).map_err(|e| unreadable(format!("not a snapshot: {e}")))
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use serde_json::json;

    use super::*;

    #[test]
    fn names_are_plain_file_names() {
        for good in ["before-change", "v4.31", "a_b"] {
            check_name(good).expect(good);
        }
        for bad in [
            "",
            "../x",
            "a/b",
            "..",
            ".hidden",
            "a..b",
            "sp ace",
            &"x".repeat(65),
        ] {
            assert!(check_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn saved_private_and_read_back() {
        let dir = tempfile::tempdir().expect("tmp");
        let snap = Snapshot {
            target: "lab-eos-01".into(),
            kind: "eos".into(),
            command: "show version".into(),
            taken: 1,
            output: json!({"version": "4.30"}),
        };
        let p = save(dir.path(), "before", &snap).expect("save");
        let mode = std::fs::metadata(&p).expect("meta").permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        assert_eq!(load(dir.path(), "before").expect("load"), snap);
        assert_eq!(snap.target_kind(), Some(TargetKind::Eos));
        let at = Snapshot {
            taken: 1_795_000_000,
            ..snap.clone()
        };
        assert_eq!(at.taken_utc(), "2026-11-18 11:06 UTC");
        assert!(matches!(
            load(dir.path(), "nope"),
            Err(SnapError::Missing(_))
        ));
        std::fs::write(path(dir.path(), "broken"), b"{").expect("write");
        let e = load(dir.path(), "broken").expect_err("broken");
        assert!(e.to_string().contains("take it again"), "{e}");
    }
}
