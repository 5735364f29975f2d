//! The TOML configuration: settings, devices, Central accounts and Ansible inventories.
//!
//! Parsing is strict: unknown and missing fields are errors that name the file, the line and
//! the field, so a typo never silently turns into a default.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

use secrecy::SecretString;
use serde::Deserialize;
use toml::Spanned;

mod central;
mod screen;

pub use central::{CENTRAL_REGIONS, CentralConfig};
pub use screen::{KIOSK_MIN_ROTATE_SECS, KioskConfig, KioskLayout, MaskConfig};

/// A configuration error, already phrased for the person who wrote the file.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Invalid { path: PathBuf, message: String },
    #[error("{0}")]
    Secret(String),
}

/// The whole file.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub settings: Settings,
    #[serde(default)]
    pub devices: Vec<Spanned<DeviceConfig>>,
    #[serde(default)]
    pub central: Vec<Spanned<CentralConfig>>,
    /// Key remapping: action name → key or list of keys (`quit = "x"`).
    #[serde(default)]
    pub keys: std::collections::HashMap<String, OneOrMany>,
    /// MSP tenants found at run time (the drivers' `msp` module), accounts like the file's.
    #[serde(skip)]
    pub tenants: Vec<CentralConfig>,
    /// `[[inventory]]`: Ansible inventories whose hosts become devices (the `inventory`
    /// module runs them; this module only reads the entries).
    #[serde(default)]
    pub inventory: Vec<Spanned<InventoryConfig>>,
    /// Devices imported from the inventories (`inventory::load`), beside the file's.
    #[serde(skip)]
    pub imported: Vec<DeviceConfig>,
    /// `[mask]`: the privacy mask's switch and the user's patterns.
    #[serde(default)]
    pub mask: MaskConfig,
    /// `[kiosk]`: the NOC wall screen (`--kiosk`).
    #[serde(default)]
    pub kiosk: KioskConfig,
}

/// A key binding: one key or several.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl Config {
    /// `[keys]` as action → list of keys.
    pub fn key_overrides(&self) -> std::collections::HashMap<String, Vec<String>> {
        self.keys
            .iter()
            .map(|(k, v)| {
                let list = match v {
                    OneOrMany::One(s) => vec![s.clone()],
                    OneOrMany::Many(v) => v.clone(),
                };
                (k.clone(), list)
            })
            .collect()
    }
}

/// `[settings]`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Settings {
    /// Background refresh of device and Central state, seconds.
    pub poll_interval_secs: u64,
    /// Refuse every mutating request before it is sent.
    pub read_only: bool,
    /// Theme name (built-in or from the config dir).
    pub theme: String,
    /// How many targets a fan-out runs at once.
    pub concurrency: usize,
    /// Per-request timeout, seconds.
    pub timeout_secs: u64,
    /// Largest response body accepted, MiB: a bigger one is an error, not held in memory.
    pub max_response_mb: u64,
    /// How long a `password_cmd` may run (a `pass` prompt nobody answers) before it is
    /// killed, seconds.
    pub password_cmd_timeout_secs: u64,
    /// jq paths left out when answers are compared (`run --compare`, `d`, `:diff`), on top
    /// of the built-in volatile fields: `[".uptime", ".interfaces[].counters", "..lastChange"]`.
    pub ignore: Vec<String>,
}

/// `max_response_mb` when the file sets none.
pub const DEFAULT_MAX_RESPONSE_MB: u64 = 64;

/// The range `max_response_mb` accepts: at least one MiB, at most 4 GiB.
pub const MAX_RESPONSE_MB_RANGE: std::ops::RangeInclusive<u64> = 1..=4096;

impl Default for Settings {
    fn default() -> Self {
        Settings {
            poll_interval_secs: 30,
            read_only: false,
            theme: "default".into(),
            // Measured (benches/fanout.sh, 1,000 devices 100 ms away): 32 at once took
            // 3.4 s, 64 took 1.9 s, 128 1.1 s. 64 halves a WAN fan-out and keeps the
            // login storm at a device AAA server to about 64 per round trip.
            concurrency: 64,
            timeout_secs: 15,
            max_response_mb: DEFAULT_MAX_RESPONSE_MB,
            password_cmd_timeout_secs: 30,
            ignore: Vec::new(),
        }
    }
}

/// The four device APIs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DeviceKind {
    Eos,
    Asa,
    Aoscx,
    Arubaos,
}

impl DeviceKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DeviceKind::Eos => "eos",
            DeviceKind::Asa => "asa",
            DeviceKind::Aoscx => "aoscx",
            DeviceKind::Arubaos => "arubaos",
        }
    }

    /// The port used when `host` names none.
    pub fn default_port(self) -> u16 {
        match self {
            DeviceKind::Arubaos => 4343,
            _ => 443,
        }
    }
}

/// How a device authenticates, where the kind offers a choice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AuthMode {
    /// eAPI default: HTTP Basic on every request. ASA option.
    Basic,
    /// eAPI `/login` session cookie.
    Session,
    /// ASA default: `X-Auth-Token` from `/api/tokenservices`.
    Token,
}

/// One `[[devices]]` entry. `Debug` is written by hand: it never shows the password.
/// `PartialEq` tells `:reload` whether a device's settings changed.
#[derive(Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeviceConfig {
    pub name: String,
    pub kind: DeviceKind,
    pub host: String,
    #[serde(default)]
    pub username: String,
    pub password: Option<String>,
    pub password_env: Option<String>,
    pub password_cmd: Option<String>,
    #[serde(default = "yes")]
    pub verify_tls: bool,
    pub ca_cert: Option<PathBuf>,
    #[serde(default)]
    pub tags: Vec<String>,
    /// AOS-CX REST path version, default "latest"; eAPI `runCmds` version, "1" (default)
    /// or "latest".
    pub api_version: Option<String>,
    pub auth: Option<AuthMode>,
    /// eAPI X.509 client certificate instead of a password.
    pub client_cert: Option<PathBuf>,
    pub client_key: Option<PathBuf>,
    /// ArubaOS web-server idle timeout if changed from the 900 s default.
    pub idle_timeout_secs: Option<u64>,
}

fn yes() -> bool {
    true
}

/// What `Debug` shows in place of a secret that is set.
fn hidden(v: Option<&String>) -> Option<&'static str> {
    v.map(|_| "<redacted>")
}

impl std::fmt::Debug for DeviceConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeviceConfig")
            .field("name", &self.name)
            .field("kind", &self.kind)
            .field("host", &self.host)
            .field("username", &self.username)
            .field("password", &hidden(self.password.as_ref()))
            .field("password_env", &self.password_env)
            // The command itself is not secret, but it may carry one (`echo hunter2`).
            .field("password_cmd", &hidden(self.password_cmd.as_ref()))
            .field("verify_tls", &self.verify_tls)
            .field("ca_cert", &self.ca_cert)
            .field("tags", &self.tags)
            .field("api_version", &self.api_version)
            .field("auth", &self.auth)
            .field("client_cert", &self.client_cert)
            .field("client_key", &self.client_key)
            .field("idle_timeout_secs", &self.idle_timeout_secs)
            .finish()
    }
}

/// One `[[inventory]]` entry: an Ansible inventory whose hosts become devices. The
/// `inventory` module runs `ansible-inventory` on it; the defaults here apply to every host,
/// and a host's `netdash_*` variables override them. `Debug` hides the `password_cmd`.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InventoryConfig {
    /// What messages call this entry; default: the `ansible` path.
    pub name: Option<String>,
    /// A file or directory Ansible reads with `-i` (INI, YAML, a plugin config such as
    /// NetBox's); a relative path starts at the config file's directory.
    pub ansible: PathBuf,
    /// The `ansible-inventory` program (default: found on `PATH`).
    pub ansible_inventory_cmd: Option<PathBuf>,
    /// NetBox platform slug (`platforms[0]`) to device kind, for hosts without
    /// `ansible_network_os`.
    #[serde(default)]
    pub platform_map: std::collections::BTreeMap<String, DeviceKind>,
    pub username: Option<String>,
    pub password_env: Option<String>,
    pub password_cmd: Option<String>,
    pub ca_cert: Option<PathBuf>,
    #[serde(default = "yes")]
    pub verify_tls: bool,
    #[serde(default)]
    pub tags: Vec<String>,
    /// How long `ansible-inventory` may run (a NetBox plugin fetching thousands of devices).
    #[serde(default = "sixty")]
    pub timeout_secs: u64,
}

fn sixty() -> u64 {
    60
}

impl InventoryConfig {
    /// The entry's name in messages.
    pub fn label(&self) -> String {
        self.name
            .clone()
            .unwrap_or_else(|| self.ansible.display().to_string())
    }
}

impl std::fmt::Debug for InventoryConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InventoryConfig")
            .field("name", &self.name)
            .field("ansible", &self.ansible)
            .field("ansible_inventory_cmd", &self.ansible_inventory_cmd)
            .field("platform_map", &self.platform_map)
            .field("username", &self.username)
            .field("password_env", &self.password_env)
            .field("password_cmd", &hidden(self.password_cmd.as_ref()))
            .field("ca_cert", &self.ca_cert)
            .field("verify_tls", &self.verify_tls)
            .field("tags", &self.tags)
            .field("timeout_secs", &self.timeout_secs)
            .finish()
    }
}

/// An error naming the target and field when a configured file cannot be read.
fn readable(target: &str, field: &str, path: Option<&Path>) -> Result<(), String> {
    match path.map(std::fs::File::open) {
        Some(Err(e)) => Err(format!(
            "{target}: {field} {}: {e}",
            path.map(|p| p.display().to_string()).unwrap_or_default()
        )),
        _ => Ok(()),
    }
}

impl DeviceConfig {
    /// Host and port, with the kind's default port filled in. Accepts `name`, `name:port`,
    /// `[v6]` and `[v6]:port`.
    pub fn host_port(&self) -> Result<(String, u16), String> {
        split_host_port(&self.host, self.kind.default_port())
    }

    /// `https://host:port`, IPv6 literals bracketed.
    pub fn base_url(&self) -> Result<String, String> {
        let (h, p) = self.host_port()?;
        if h.contains(':') {
            Ok(format!("https://[{h}]:{p}"))
        } else {
            Ok(format!("https://{h}:{p}"))
        }
    }

    /// Local checks that need no network and run no command: the host parses, a
    /// `password_env` variable is set, certificate files are readable. `netdash run` does
    /// these first so a config mistake is a usage error (exit 2), not a failed target.
    pub fn preflight(&self) -> Result<(), String> {
        self.host_port()
            .map_err(|e| format!("device {}: {e}", self.name))?;
        if let Some(var) = &self.password_env
            && std::env::var_os(var).is_none()
        {
            return Err(format!(
                "device {}: environment variable {var} (password_env) is not set",
                self.name
            ));
        }
        for (field, path) in [
            ("ca_cert", &self.ca_cert),
            ("client_cert", &self.client_cert),
            ("client_key", &self.client_key),
        ] {
            readable(&self.name, field, path.as_deref())?;
        }
        Ok(())
    }

    /// The rules every device obeys, whether written in the file or imported from an
    /// inventory: the host parses, one password source, and options its kind offers. The
    /// message names neither the device nor the line: callers add them.
    pub fn check(&self) -> Result<(), String> {
        self.host_port()?;
        let sources = [&self.password, &self.password_env, &self.password_cmd]
            .iter()
            .filter(|s| s.is_some())
            .count();
        if sources > 1 || (sources == 0 && self.client_cert.is_none()) {
            return Err("set exactly one of password, password_env or password_cmd".into());
        }
        if self.client_cert.is_some() != self.client_key.is_some() {
            return Err("client_cert and client_key go together".into());
        }
        if self.client_cert.is_some() && self.kind != DeviceKind::Eos {
            return Err("client certificates are only supported for eos".into());
        }
        match (self.kind, self.auth) {
            (_, None)
            | (DeviceKind::Eos, Some(AuthMode::Basic | AuthMode::Session))
            | (DeviceKind::Asa, Some(AuthMode::Basic | AuthMode::Token)) => {}
            (kind, Some(a)) => {
                return Err(format!(
                    "auth = {a:?} is not available for {}",
                    kind.as_str()
                ));
            }
        }
        match (self.kind, self.api_version.as_deref()) {
            (_, None) | (DeviceKind::Aoscx, Some(_)) | (DeviceKind::Eos, Some("1" | "latest")) => {
                Ok(())
            }
            (DeviceKind::Eos, Some(v)) => Err(format!(
                "api_version = {v:?}: eAPI takes \"1\" or \"latest\""
            )),
            (kind, Some(_)) => Err(format!(
                "api_version applies to aoscx and eos only, not {}",
                kind.as_str()
            )),
        }
    }

    /// The password from `password` or `password_env`. A `password_cmd` is run by
    /// the engine before it makes the session ([`PasswordCmd`]); here it is an error, so
    /// nothing ever runs it on an async thread.
    pub fn resolve_password(&self) -> Result<SecretString, ConfigError> {
        match (&self.password, &self.password_env, &self.password_cmd) {
            (None, None, None) if self.client_cert.is_some() => {
                Ok(SecretString::from(String::new()))
            }
            _ => self.password_source().resolve(),
        }
    }
}

/// A target whose password may come from a `password_cmd`: devices and Central sign-ins.
/// The engine runs every such command once, before it makes sessions.
pub trait PasswordCmd: Clone {
    fn target_name(&self) -> &str;
    fn password_source(&self) -> PasswordSource<'_>;
    /// A copy with `password` set from the command's answer and the command gone.
    #[must_use]
    fn with_password(&self, password: String) -> Self;
}

impl PasswordCmd for DeviceConfig {
    fn target_name(&self) -> &str {
        &self.name
    }

    fn password_source(&self) -> PasswordSource<'_> {
        PasswordSource {
            owner: format!("device {}", self.name),
            password: &self.password,
            env: &self.password_env,
            cmd: &self.password_cmd,
        }
    }

    fn with_password(&self, password: String) -> Self {
        let mut d = self.clone();
        d.password = Some(password);
        d.password_cmd = None;
        d
    }
}

/// A password set by exactly one of `password`, `password_env` or `password_cmd` (devices
/// and Central sign-ins follow the same rules).
pub struct PasswordSource<'a> {
    /// "device NAME" or "central NAME", for errors.
    owner: String,
    password: &'a Option<String>,
    env: &'a Option<String>,
    cmd: &'a Option<String>,
}

impl PasswordSource<'_> {
    /// From `password` or `password_env`; a `password_cmd` must have been run already
    /// ([`PasswordSource::resolve_async`]), so nothing runs it on an async thread.
    fn resolve(&self) -> Result<SecretString, ConfigError> {
        let fail = |m: String| ConfigError::Secret(format!("{}: {m}", self.owner));
        match (self.password, self.env, self.cmd) {
            (Some(p), None, None) => Ok(SecretString::from(p.clone())),
            (None, Some(var), None) => std::env::var(var).map(SecretString::from).map_err(|_| {
                fail(format!(
                    "environment variable {var} (password_env) is not set"
                ))
            }),
            (None, None, Some(_)) => Err(fail(
                "password_cmd has not been run yet; this is a netdash bug, please report it".into(),
            )),
            _ => Err(fail(
                "set exactly one of password, password_env or password_cmd".into(),
            )),
        }
    }

    pub fn has_cmd(&self) -> bool {
        self.cmd.is_some()
    }

    /// The command that gives the password, when that is the source.
    pub fn cmd(&self) -> Option<&str> {
        self.cmd
            .as_deref()
            .filter(|_| self.password.is_none() && self.env.is_none())
    }

    /// "device NAME" or "central NAME", for errors.
    pub fn owner(&self) -> &str {
        &self.owner
    }

    /// From whichever source is set; a `password_cmd` runs as in
    /// [`crate::password_cmd::run`]. The secret never appears in the error.
    pub async fn resolve_async(&self, timeout: Duration) -> Result<SecretString, ConfigError> {
        match self.cmd {
            Some(cmd) if self.password.is_none() && self.env.is_none() => {
                crate::password_cmd::run(cmd, timeout)
                    .await
                    .map_err(|e| ConfigError::Secret(format!("{}: {e}", self.owner)))
            }
            _ => self.resolve(),
        }
    }
}

/// Split `host`, `host:port`, `[v6]`, `[v6]:port` (a bare IPv6 literal is taken whole).
pub fn split_host_port(s: &str, default_port: u16) -> Result<(String, u16), String> {
    let bad = |why: &str| format!("host {s:?}: {why}");
    if let Some(rest) = s.strip_prefix('[') {
        let (h, tail) = rest.split_once(']').ok_or_else(|| bad("missing ']'"))?;
        let port = match tail.strip_prefix(':') {
            Some(p) => p.parse().map_err(|_| bad("port is not a number"))?,
            None if tail.is_empty() => default_port,
            None => return Err(bad("unexpected text after ']'")),
        };
        return Ok((h.to_string(), port));
    }
    if s.is_empty() {
        return Err(bad("empty"));
    }
    // No colon: a bare host; two or more: an IPv6 address without brackets, so no port.
    match s.matches(':').count() {
        1 => {
            let (h, p) = s.split_once(':').ok_or_else(|| bad("bad port"))?;
            Ok((
                h.to_string(),
                p.parse().map_err(|_| bad("port is not a number"))?,
            ))
        }
        _ => Ok((s.to_string(), default_port)),
    }
}

impl Config {
    /// Read and validate a config file.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Config::parse(&text, path)
    }

    /// Parse and validate config text; `path` is only used in messages.
    pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
        // Line numbers by binary search over newline offsets found once: asking for each
        // entry's line by counting from the top was quadratic (1,000 devices: 0.1 s).
        let lines = Lines::new(text);
        let invalid = |message: String| ConfigError::Invalid {
            path: path.to_path_buf(),
            message,
        };
        let cfg: Config = toml::from_str(text).map_err(|e| {
            let line = e
                .span()
                .map(|s| format!("line {}: ", lines.at(s.start)))
                .unwrap_or_default();
            // toml quotes the offending value (`invalid type: integer `1234``): for a
            // secret field that would be the password itself.
            match e.span().and_then(|s| secret_key_at(text, s.start)) {
                Some(key) => invalid(format!(
                    "{line}{key} must be a quoted string (the value is not shown: it is a secret)"
                )),
                None => invalid(format!("{line}{}", e.message().trim())),
            }
        })?;
        if !MAX_RESPONSE_MB_RANGE.contains(&cfg.settings.max_response_mb) {
            // Settings carry no span; find the key's line in the text instead.
            let at = text
                .lines()
                .position(|l| l.trim_start().starts_with("max_response_mb"))
                .map(|i| format!("line {}: ", i + 1))
                .unwrap_or_default();
            return Err(invalid(format!(
                "{at}max_response_mb = {}: use {} to {} (MiB)",
                cfg.settings.max_response_mb,
                MAX_RESPONSE_MB_RANGE.start(),
                MAX_RESPONSE_MB_RANGE.end()
            )));
        }
        for p in &cfg.settings.ignore {
            crate::compare::ignore::Pattern::parse(p).map_err(|e| {
                let at = text
                    .lines()
                    .position(|l| l.trim_start().starts_with("ignore"))
                    .map(|i| format!("line {}: ", i + 1))
                    .unwrap_or_default();
                invalid(format!("{at}[settings] {e}"))
            })?;
        }
        if let Err(e) = crate::mask::Masker::new(&cfg.mask.patterns) {
            // The pattern's own line if it is written as in the file, else `patterns`'s.
            let at = (text.lines().position(|l| l.contains(&e.pattern)))
                .or_else(|| {
                    text.lines()
                        .position(|l| l.trim_start().starts_with("patterns"))
                })
                .map(|i| format!("line {}: ", i + 1))
                .unwrap_or_default();
            return Err(invalid(format!("{at}{e}")));
        }
        cfg.kiosk.check().map_err(|m| {
            let at = text
                .lines()
                .position(|l| l.trim_start().starts_with("[kiosk]"))
                .map(|i| format!("line {}: ", i + 1))
                .unwrap_or_default();
            invalid(format!("{at}[kiosk] {m}"))
        })?;
        let mut cfg = cfg;
        cfg.clamp_times();
        let mut names = HashSet::new();
        for d in &cfg.devices {
            let at = lines.at(d.span().start);
            let d = d.get_ref();
            if d.name.trim().is_empty() {
                return Err(invalid(format!("line {at}: device name is empty")));
            }
            if d.name.starts_with('@') || d.name.contains(char::is_whitespace) {
                return Err(invalid(format!(
                    "line {at}: device name {:?} must not start with '@' or contain spaces",
                    d.name
                )));
            }
            if !names.insert(d.name.clone()) {
                return Err(invalid(format!(
                    "line {at}: device name {:?} is used twice",
                    d.name
                )));
            }
            d.check()
                .map_err(|e| invalid(format!("line {at}: device {}: {e}", d.name)))?;
        }
        for c in &cfg.central {
            let at = lines.at(c.span().start);
            let c = c.get_ref();
            if !names.insert(c.name.clone()) {
                return Err(invalid(format!(
                    "line {at}: name {:?} is used twice",
                    c.name
                )));
            }
            if c.base_url.is_some() == c.region.is_some() {
                return Err(invalid(format!(
                    "line {at}: central {}: set exactly one of base_url or region",
                    c.name
                )));
            }
            if let Some(u) = &c.base_url
                && !u
                    .get(..8)
                    .is_some_and(|p| p.eq_ignore_ascii_case("https://"))
            {
                // The client secret and refresh token would cross the network in clear.
                return Err(invalid(format!(
                    "line {at}: central {}: base_url must start with https:// (the client secret and tokens would travel in clear)",
                    c.name
                )));
            }
            if c.gateway().is_none() {
                let known: Vec<&str> = CENTRAL_REGIONS.iter().map(|(r, _)| *r).collect();
                return Err(invalid(format!(
                    "line {at}: central {}: unknown region; known: {}",
                    c.name,
                    known.join(", ")
                )));
            }
            if c.client_secret.is_some() == c.client_secret_env.is_some() {
                return Err(invalid(format!(
                    "line {at}: central {}: set exactly one of client_secret or client_secret_env",
                    c.name
                )));
            }
            if c.name.contains('/') {
                // `MSP/tenant` names are the tenants netdash makes from an MSP entry.
                return Err(invalid(format!(
                    "line {at}: central {}: '/' is kept for MSP tenants (MSP/tenant); pick another name",
                    c.name
                )));
            }
            let sources = [&c.password, &c.password_env, &c.password_cmd]
                .iter()
                .filter(|s| s.is_some())
                .count();
            let fail = |m: &str| invalid(format!("line {at}: central {}: {m}", c.name));
            match (c.username.is_some(), sources) {
                (true, 1) | (false, 0) => {}
                (true, _) => {
                    return Err(fail(
                        "username needs exactly one of password, password_env or password_cmd",
                    ));
                }
                (false, _) => return Err(fail("a password needs a username to sign in with")),
            }
            if c.username.is_none() && c.access_token.is_none() && c.refresh_token.is_none() {
                return Err(fail(
                    "set username and a password (netdash signs in by itself), or paste access_token and refresh_token from the Central UI",
                ));
            }
            if c.msp && c.username.is_none() {
                return Err(fail(
                    "msp = true needs username and a password (tenant credentials are made from a sign-in)",
                ));
            }
            if c.tenants.is_some() && !c.msp {
                return Err(fail("tenants applies to msp = true entries only"));
            }
        }
        let mut labels = HashSet::new();
        for inv in &cfg.inventory {
            let at = lines.at(inv.span().start);
            let inv = inv.get_ref();
            let label = inv.label();
            if inv.ansible.as_os_str().is_empty() {
                return Err(invalid(format!(
                    "line {at}: inventory: ansible path is empty"
                )));
            }
            if inv.password_env.is_some() && inv.password_cmd.is_some() {
                return Err(invalid(format!(
                    "line {at}: inventory {label}: set at most one of password_env or password_cmd"
                )));
            }
            if !labels.insert(label.clone()) {
                return Err(invalid(format!(
                    "line {at}: inventory {label} is listed twice; give one a different name"
                )));
            }
        }
        Ok(cfg)
    }

    /// Clamp every number of seconds to a range the clocks can add without overflow (a
    /// day for intervals and idle timeouts, an hour for timeouts), saying so in the log.
    fn clamp_times(&mut self) {
        fn clamp(field: &str, v: &mut u64, max: u64) {
            let c = (*v).clamp(1, max);
            if c != *v {
                tracing::warn!(field, value = *v, used = c, "setting out of range; clamped");
                *v = c;
            }
        }
        const DAY: u64 = 86_400;
        let s = &mut self.settings;
        clamp("poll_interval_secs", &mut s.poll_interval_secs, DAY);
        clamp("timeout_secs", &mut s.timeout_secs, 3_600);
        clamp(
            "password_cmd_timeout_secs",
            &mut s.password_cmd_timeout_secs,
            3_600,
        );
        for d in &mut self.devices {
            if let Some(t) = &mut d.get_mut().idle_timeout_secs {
                clamp("idle_timeout_secs", t, DAY);
            }
        }
        for i in &mut self.inventory {
            clamp("timeout_secs", &mut i.get_mut().timeout_secs, 3_600);
        }
    }

    /// All devices, without their spans: the file's, then those imported from inventories.
    pub fn devices(&self) -> impl Iterator<Item = &DeviceConfig> {
        self.devices
            .iter()
            .map(toml::Spanned::get_ref)
            .chain(self.imported.iter())
    }

    /// Names of the devices and Central accounts with `verify_tls = false`.
    pub fn unverified(&self) -> Vec<&str> {
        self.devices()
            .filter(|d| !d.verify_tls)
            .map(|d| d.name.as_str())
            .chain(
                self.centrals()
                    .filter(|c| !c.verify_tls)
                    .map(|c| c.name.as_str()),
            )
            .collect()
    }

    /// All Central accounts, without their spans: the file's, then MSP tenants found since.
    pub fn centrals(&self) -> impl Iterator<Item = &CentralConfig> {
        self.central
            .iter()
            .map(toml::Spanned::get_ref)
            .chain(self.tenants.iter())
    }
}

/// Fields whose values are secrets: a parse error about them must not quote the value.
const SECRET_KEYS: &[&str] = &["password", "client_secret", "access_token", "refresh_token"];

/// The secret field assigned on the line holding byte `offset`, if that line is one.
fn secret_key_at(text: &str, offset: usize) -> Option<&'static str> {
    let start = text
        .get(..offset.min(text.len()))
        .and_then(|t| t.rfind('\n'))
        .map_or(0, |i| i + 1);
    let line = text.get(start..)?.lines().next()?;
    let (key, _) = line.split_once('=')?;
    let key = key.trim().trim_matches(['"', '\'']);
    SECRET_KEYS.iter().copied().find(|k| *k == key)
}

/// 1-based line numbers of byte offsets in a text.
pub struct Lines(Vec<usize>);

impl Lines {
    pub fn new(text: &str) -> Self {
        Lines(memchr::memchr_iter(b'\n', text.as_bytes()).collect())
    }

    pub fn at(&self, offset: usize) -> usize {
        self.0.partition_point(|&nl| nl < offset) + 1
    }
}

#[cfg(test)]
mod tests;
