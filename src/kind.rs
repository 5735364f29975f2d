//! The closed vocabularies every layer shares: what a target is ([`TargetKind`]) and how
//! its session authenticates ([`AuthScheme`]). Both serialise as the strings `--json` and
//! `watch --json` have always printed, so typing them changes no output.

use std::fmt;

use serde::Serialize;

use crate::config::DeviceKind;

/// What a target is: one of the four device APIs, or a Central account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TargetKind {
    Eos,
    Asa,
    Aoscx,
    Arubaos,
    Central,
}

impl TargetKind {
    /// "eos", "asa", "aoscx", "arubaos" or "central": the name users see and `--json` prints.
    pub fn as_str(self) -> &'static str {
        match self {
            TargetKind::Eos => "eos",
            TargetKind::Asa => "asa",
            TargetKind::Aoscx => "aoscx",
            TargetKind::Arubaos => "arubaos",
            TargetKind::Central => "central",
        }
    }
}

impl From<DeviceKind> for TargetKind {
    fn from(k: DeviceKind) -> Self {
        match k {
            DeviceKind::Eos => TargetKind::Eos,
            DeviceKind::Asa => TargetKind::Asa,
            DeviceKind::Aoscx => TargetKind::Aoscx,
            DeviceKind::Arubaos => TargetKind::Arubaos,
        }
    }
}

impl fmt::Display for TargetKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // `pad`, not `write_str`: table cells format kinds with a width.
        f.pad(self.as_str())
    }
}

/// How a driver authenticates to its target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize)]
pub enum AuthScheme {
    /// HTTP Basic on every request (eAPI default, ASA option): nothing is held. The default
    /// only so `SessionFacts` can use `..Default::default()`: every driver names its scheme.
    #[default]
    #[serde(rename = "basic")]
    Basic,
    /// eAPI `/login` session cookie.
    #[serde(rename = "session cookie")]
    SessionCookie,
    /// AOS-CX session cookie on a firmware that sends no CSRF token.
    #[serde(rename = "cookie")]
    Cookie,
    /// AOS-CX session cookie plus its `X-Csrf-Token`.
    #[serde(rename = "cookie + CSRF")]
    CookieCsrf,
    /// ASA token from `/api/tokenservices`.
    #[serde(rename = "X-Auth-Token")]
    XAuthToken,
    /// ArubaOS 8 `UIDARUBA` session id.
    #[serde(rename = "UIDARUBA")]
    Uidaruba,
    /// Central OAuth access token: sent on every call, no session on the gateway.
    #[serde(rename = "bearer")]
    Bearer,
    /// eAPI mutual TLS: the certificate proves every request, nothing is held.
    #[serde(rename = "client certificate")]
    ClientCertificate,
}

impl AuthScheme {
    /// The name the Sessions pane and `watch` show (and `--json` prints).
    pub fn as_str(self) -> &'static str {
        match self {
            AuthScheme::Basic => "basic",
            AuthScheme::SessionCookie => "session cookie",
            AuthScheme::Cookie => "cookie",
            AuthScheme::CookieCsrf => "cookie + CSRF",
            AuthScheme::XAuthToken => "X-Auth-Token",
            AuthScheme::Uidaruba => "UIDARUBA",
            AuthScheme::Bearer => "bearer",
            AuthScheme::ClientCertificate => "client certificate",
        }
    }

    /// Whether a login occupies one of the device's session slots (and so can time out and
    /// must be logged out). Basic and certificate auth prove each request; a bearer token
    /// is a credential, not a slot on the gateway.
    pub fn holds_session(self) -> bool {
        !matches!(
            self,
            AuthScheme::Basic | AuthScheme::ClientCertificate | AuthScheme::Bearer
        )
    }
}

impl fmt::Display for AuthScheme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // `pad`, not `write_str`: the Sessions pane formats it as a fixed-width column.
        f.pad(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serialised_names_are_the_display_names() {
        for k in [
            TargetKind::Eos,
            TargetKind::Asa,
            TargetKind::Aoscx,
            TargetKind::Arubaos,
            TargetKind::Central,
        ] {
            assert_eq!(
                serde_json::to_value(k).ok(),
                Some(serde_json::Value::from(k.as_str()))
            );
        }
        for a in [
            AuthScheme::Basic,
            AuthScheme::SessionCookie,
            AuthScheme::Cookie,
            AuthScheme::CookieCsrf,
            AuthScheme::XAuthToken,
            AuthScheme::Uidaruba,
            AuthScheme::Bearer,
            AuthScheme::ClientCertificate,
        ] {
            assert_eq!(
                serde_json::to_value(a).ok(),
                Some(serde_json::Value::from(a.as_str()))
            );
        }
    }

    #[test]
    fn display_pads_like_a_str() {
        assert_eq!(format!("{:<7.7}|", AuthScheme::SessionCookie), "session|");
        assert_eq!(format!("{:<6}|", TargetKind::Asa), "asa   |");
    }
}
