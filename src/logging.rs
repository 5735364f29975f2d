//! Tracing to a log file under the XDG state dir. Never to the terminal: the dashboard owns
//! the screen, and `run` output must stay machine-readable.

use std::sync::Mutex;

use tracing_subscriber::EnvFilter;

use crate::paths::Paths;

/// Start logging to `paths.log_file()`. Level from `NETDASH_LOG` (default `info`).
/// A log file that cannot be opened is not fatal: netdash runs without a log.
pub fn init(paths: &Paths) {
    let file = std::fs::create_dir_all(&paths.state_dir).and_then(|_| {
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(paths.log_file())
    });
    let Ok(file) = file else { return };
    let filter = EnvFilter::try_from_env("NETDASH_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(false)
        .with_writer(Mutex::new(file))
        .try_init();
}
