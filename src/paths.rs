//! Where netdash keeps its files: config, state (logs, history), data (Central tokens).
//! XDG locations via `directories`, each overridable by an environment variable so tests and
//! several lab instances never touch the user's real files. There is no shared fallback
//! (such as `/tmp/netdash`): on a jump host another user could plant files there, so
//! without a home directory netdash says what to set instead.

use std::ffi::OsString;
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

/// No place of the user's own for netdash's files.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error(
    "no home directory for netdash's {what}: set HOME (or XDG_CONFIG_HOME, XDG_STATE_HOME and XDG_DATA_HOME), or {var}; pass --config PATH for the config file"
)]
pub struct NoHome {
    /// Which files ("config", "state", "data").
    pub what: &'static str,
    /// The netdash variable that would name that directory.
    pub var: &'static str,
}

impl Paths {
    /// XDG defaults, overridden by `NETDASH_CONFIG_DIR`, `NETDASH_STATE_DIR`, `NETDASH_DATA_DIR`.
    pub fn from_env() -> Result<Self, NoHome> {
        Self::resolve(
            |v| std::env::var_os(v),
            ProjectDirs::from("", "", "netdash"),
        )
    }

    /// [`Paths::from_env`] with the environment and the XDG lookup given (tests).
    pub fn resolve(
        var: impl Fn(&str) -> Option<OsString>,
        dirs: Option<ProjectDirs>,
    ) -> Result<Self, NoHome> {
        let pick = |what: &'static str, name: &'static str, default: Option<PathBuf>| {
            var(name)
                .map(PathBuf::from)
                .or(default)
                .ok_or(NoHome { what, var: name })
        };
        Ok(Paths {
            config_dir: pick(
                "config",
                "NETDASH_CONFIG_DIR",
                dirs.as_ref().map(|d| d.config_dir().to_path_buf()),
            )?,
            state_dir: pick(
                "state",
                "NETDASH_STATE_DIR",
                dirs.as_ref().map(|d| {
                    d.state_dir()
                        .unwrap_or_else(|| d.data_local_dir())
                        .to_path_buf()
                }),
            )?,
            data_dir: pick(
                "data",
                "NETDASH_DATA_DIR",
                dirs.as_ref().map(|d| d.data_dir().to_path_buf()),
            )?,
        })
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_home_is_an_error_naming_what_to_set_not_a_shared_dir() {
        let e = Paths::resolve(|_| None, None).expect_err("no fallback");
        let m = e.to_string();
        assert!(
            m.contains("HOME") && m.contains("NETDASH_CONFIG_DIR"),
            "{m}"
        );
        assert!(m.contains("--config"), "{m}");
        assert!(!m.contains("/tmp"), "{m}");
    }

    #[test]
    fn netdash_variables_still_work_without_a_home() {
        let p = Paths::resolve(|v| Some(OsString::from(format!("/srv/nd/{v}"))), None)
            .expect("all three set");
        assert_eq!(p.data_dir, PathBuf::from("/srv/nd/NETDASH_DATA_DIR"));
        let e = Paths::resolve(
            |v| (v != "NETDASH_DATA_DIR").then(|| OsString::from("/srv/nd")),
            None,
        )
        .expect_err("data missing");
        assert_eq!(e.var, "NETDASH_DATA_DIR");
    }
}
