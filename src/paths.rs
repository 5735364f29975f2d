//! Where netdash keeps its files: config, state (logs, history), data (Central tokens).
//! XDG locations via `directories`, each overridable by an environment variable so tests and
//! several lab instances never touch the user's real files.

use std::path::PathBuf;

use directories::ProjectDirs;

/// The resolved set of directories netdash uses.
#[derive(Debug, Clone)]
pub struct Paths {
    /// `config.toml`, user themes.
    pub config_dir: PathBuf,
    /// Log file, console history.
    pub state_dir: PathBuf,
    /// Central token store (refresh tokens rotate, so they must persist).
    pub data_dir: PathBuf,
}

impl Paths {
    /// XDG defaults, overridden by `NETDASH_CONFIG_DIR`, `NETDASH_STATE_DIR`, `NETDASH_DATA_DIR`.
    pub fn from_env() -> Self {
        let dirs = ProjectDirs::from("", "", "netdash");
        let fallback = std::env::temp_dir().join("netdash");
        let pick = |var: &str, default: Option<PathBuf>| {
            std::env::var_os(var)
                .map(PathBuf::from)
                .or(default)
                .unwrap_or_else(|| fallback.clone())
        };
        Paths {
            config_dir: pick(
                "NETDASH_CONFIG_DIR",
                dirs.as_ref().map(|d| d.config_dir().to_path_buf()),
            ),
            state_dir: pick(
                "NETDASH_STATE_DIR",
                dirs.as_ref().map(|d| {
                    d.state_dir()
                        .unwrap_or_else(|| d.data_local_dir())
                        .to_path_buf()
                }),
            ),
            data_dir: pick(
                "NETDASH_DATA_DIR",
                dirs.as_ref().map(|d| d.data_dir().to_path_buf()),
            ),
        }
    }

    /// Everything under one root (tests, `netdash demo`).
    pub fn under(root: &std::path::Path) -> Self {
        Paths {
            config_dir: root.join("config"),
            state_dir: root.join("state"),
            data_dir: root.join("data"),
        }
    }

    /// Default config file location.
    pub fn config_file(&self) -> PathBuf {
        self.config_dir.join("config.toml")
    }

    /// The log file (never the terminal while a UI runs).
    pub fn log_file(&self) -> PathBuf {
        self.state_dir.join("netdash.log")
    }

    /// Directory of Central token files.
    pub fn token_dir(&self) -> PathBuf {
        self.data_dir.join("central")
    }
}
