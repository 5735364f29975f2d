//! `[[central]]`: an Aruba Central account (or an MSP and its tenants), its gateway by
//! region, and its secrets' sources.

use std::path::PathBuf;

use secrecy::SecretString;
use serde::Deserialize;

use super::{ConfigError, PasswordCmd, PasswordSource, hidden, readable, yes};

/// One `[[central]]` entry. `Debug` is written by hand: it never shows the client secret or
/// the tokens.
#[derive(Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CentralConfig {
    pub name: String,
    pub base_url: Option<String>,
    pub region: Option<String>,
    pub client_id: String,
    pub client_secret: Option<String>,
    pub client_secret_env: Option<String>,
    pub customer_id: String,
    pub access_token: Option<String>,
    pub refresh_token: Option<String>,
    /// Sign in by the OAuth grant (steps 1, 3, 4 of the gateway guide) when no usable token
    /// pair is held: the Central user and one password source, as for devices.
    pub username: Option<String>,
    pub password: Option<String>,
    pub password_env: Option<String>,
    pub password_cmd: Option<String>,
    /// The client is an MSP's: every tenant becomes an account of its own.
    #[serde(default)]
    pub msp: bool,
    /// The tenants' customer ids (`msp = true`); None: every tenant the MSP lists.
    pub tenants: Option<Vec<String>>,
    pub tenant_id: Option<String>,
    #[serde(default = "yes")]
    pub verify_tls: bool,
    pub ca_cert: Option<PathBuf>,
    #[serde(default)]
    pub tags: Vec<String>,
    /// The gateway's per-second limit for this customer (7 unless Aruba says otherwise).
    #[serde(default = "seven")]
    pub calls_per_second: usize,
    /// Set on a tenant account made from an MSP entry: the MSP's name (not in the file).
    #[serde(skip)]
    pub msp_parent: Option<String>,
}

impl std::fmt::Debug for CentralConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CentralConfig")
            .field("name", &self.name)
            .field("base_url", &self.base_url)
            .field("region", &self.region)
            .field("client_id", &self.client_id)
            .field("client_secret", &hidden(self.client_secret.as_ref()))
            .field("client_secret_env", &self.client_secret_env)
            .field("customer_id", &self.customer_id)
            .field("access_token", &hidden(self.access_token.as_ref()))
            .field("refresh_token", &hidden(self.refresh_token.as_ref()))
            .field("username", &self.username)
            .field("password", &hidden(self.password.as_ref()))
            .field("password_env", &self.password_env)
            .field("password_cmd", &hidden(self.password_cmd.as_ref()))
            .field("msp", &self.msp)
            .field("tenants", &self.tenants)
            .field("msp_parent", &self.msp_parent)
            .field("tenant_id", &self.tenant_id)
            .field("verify_tls", &self.verify_tls)
            .field("ca_cert", &self.ca_cert)
            .field("tags", &self.tags)
            .field("calls_per_second", &self.calls_per_second)
            .finish()
    }
}

fn seven() -> usize {
    7
}

/// API gateway hosts by region, from the Central guide's domain table (plus the regions
/// pycentral knows).
pub const CENTRAL_REGIONS: &[(&str, &str)] = &[
    ("US-1", "app1-apigw.central.arubanetworks.com"),
    ("US-2", "apigw-prod2.central.arubanetworks.com"),
    ("US-East1", "apigw-us-east-1.central.arubanetworks.com"),
    ("US-West4", "apigw-uswest4.central.arubanetworks.com"),
    ("US-WEST-4", "apigw-uswest4.central.arubanetworks.com"),
    ("EU-1", "eu-apigw.central.arubanetworks.com"),
    ("EU-Central2", "apigw-eucentral2.central.arubanetworks.com"),
    ("EU-Central3", "apigw-eucentral3.central.arubanetworks.com"),
    ("EU-3", "apigw-eucentral3.central.arubanetworks.com"),
    ("Canada-1", "apigw-ca.central.arubanetworks.com"),
    ("China-1", "apigw.central.arubanetworks.com.cn"),
    ("APAC-1", "api-ap.central.arubanetworks.com"),
    ("APAC-EAST1", "apigw-apaceast.central.arubanetworks.com"),
    ("APAC-SOUTH1", "apigw-apacsouth.central.arubanetworks.com"),
    ("UAE-NORTH1", "apigw-uaenorth1.central.arubanetworks.com"),
];

impl CentralConfig {
    /// The gateway URL, from `base_url` or `region`.
    pub fn gateway(&self) -> Option<String> {
        if let Some(u) = &self.base_url {
            return Some(u.trim_end_matches('/').to_string());
        }
        let region = self.region.as_deref()?;
        CENTRAL_REGIONS
            .iter()
            .find(|(r, _)| r.eq_ignore_ascii_case(region))
            .map(|(_, h)| format!("https://{h}"))
    }

    /// Local checks, as [`DeviceConfig::preflight`].
    pub fn preflight(&self) -> Result<(), String> {
        if self.gateway().is_none() {
            return Err(format!(
                "central {}: set base_url or a known region (US-1, EU-1, ...)",
                self.name
            ));
        }
        self.resolve_client_secret().map_err(|e| e.to_string())?;
        if let Some(var) = &self.password_env
            && std::env::var_os(var).is_none()
        {
            return Err(format!(
                "central {}: environment variable {var} (password_env) is not set",
                self.name
            ));
        }
        readable(&self.name, "ca_cert", self.ca_cert.as_deref())
    }

    /// True when netdash can obtain a token pair by itself (username and a password).
    pub fn can_sign_in(&self) -> bool {
        self.username.is_some()
            && (self.password.is_some()
                || self.password_env.is_some()
                || self.password_cmd.is_some())
    }

    /// The sign-in password from `password` or `password_env`; a `password_cmd` is run by
    /// the engine before it makes sessions ([`PasswordCmd`]).
    pub fn resolve_password(&self) -> Result<SecretString, ConfigError> {
        self.password_source().resolve()
    }

    /// The client secret, from the file or the environment.
    pub fn resolve_client_secret(&self) -> Result<SecretString, ConfigError> {
        match (&self.client_secret, &self.client_secret_env) {
            (Some(s), None) => Ok(SecretString::from(s.clone())),
            (None, Some(var)) => std::env::var(var).map(SecretString::from).map_err(|_| {
                ConfigError::Secret(format!(
                    "central {}: environment variable {var} (client_secret_env) is not set",
                    self.name
                ))
            }),
            _ => Err(ConfigError::Secret(format!(
                "central {}: set exactly one of client_secret or client_secret_env",
                self.name
            ))),
        }
    }
}

impl PasswordCmd for CentralConfig {
    fn target_name(&self) -> &str {
        &self.name
    }

    fn password_source(&self) -> PasswordSource<'_> {
        PasswordSource {
            owner: format!("central {}", self.name),
            password: &self.password,
            env: &self.password_env,
            cmd: &self.password_cmd,
        }
    }

    fn with_password(&self, password: String) -> Self {
        let mut c = self.clone();
        c.password = Some(password);
        c.password_cmd = None;
        c
    }
}
