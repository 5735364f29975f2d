//! Tracing to a log file under the XDG state dir. Never to the terminal: the dashboard owns
//! the screen, and `run` output must stay machine-readable. The file is rotated by size, so
//! a wall screen that runs for weeks keeps at most two files of [`LOG_LIMIT`] bytes.

use std::fs::File;
use std::io::Write;
use std::os::unix::fs::DirBuilderExt;
use std::path::PathBuf;
use std::sync::Mutex;

use tracing_subscriber::EnvFilter;

use crate::paths::Paths;

/// Rotate when the log reaches this size (the previous one is kept as `netdash.log.1`).
pub const LOG_LIMIT: u64 = 10 << 20;

/// An append-only file that moves itself to `.1` and starts afresh past `limit` bytes.
pub struct RotatingFile {
    path: PathBuf,
    file: File,
    written: u64,
    limit: u64,
}

impl RotatingFile {
    pub fn open(path: PathBuf, limit: u64) -> std::io::Result<Self> {
        // Never through a symlink planted at the log's name.
        let file = crate::fsutil::open_append_nofollow(&path)?;
        let written = file.metadata().map_or(0, |m| m.len());
        Ok(RotatingFile {
            path,
            file,
            written,
            limit,
        })
    }

    fn rotate(&mut self) -> std::io::Result<()> {
        let mut old = self.path.clone().into_os_string();
        old.push(".1");
        std::fs::rename(&self.path, old)?;
        self.file = crate::fsutil::open_append_nofollow(&self.path)?;
        self.written = 0;
        Ok(())
    }
}

impl Write for RotatingFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.written + buf.len() as u64 > self.limit && self.written > 0 {
            // A failed rotation keeps logging to the old file rather than losing lines.
            let _ = self.rotate();
        }
        let n = self.file.write(buf)?;
        self.written += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.file.flush()
    }
}

/// Start logging to `paths.log_file()`. Level from `NETDASH_LOG` (default `info`).
/// A log file that cannot be opened is not fatal: netdash runs without a log.
pub fn init(paths: &Paths) {
    let file = std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(&paths.state_dir)
        .and_then(|()| RotatingFile::open(paths.log_file(), LOG_LIMIT));
    let Ok(file) = file else { return };
    let filter = EnvFilter::try_from_env("NETDASH_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(false)
        .with_writer(Mutex::new(file))
        .try_init();
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    #[test]
    fn rotates_past_the_limit_keeping_one_old_file() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("netdash.log");
        let mut f = super::RotatingFile::open(path.clone(), 100).expect("open");
        for _ in 0..25 {
            f.write_all(b"0123456789\n").expect("write");
        }
        let now = std::fs::metadata(&path).expect("log").len();
        let old = std::fs::metadata(dir.path().join("netdash.log.1"))
            .expect("rotated")
            .len();
        assert!(now <= 100 && old <= 100, "{now} {old}");
        assert_eq!(std::fs::read_dir(dir.path()).expect("ls").count(), 2);
    }
}
