//! The request a driver sent, described for people (`C` in the explorer copies it as curl).
//! Redaction by construction: a driver writes a [`Placeholder`] where a credential went,
//! never the credential, so nothing downstream has a secret to leak.

use std::path::PathBuf;

use serde::Serialize;

/// Stands for a credential in a described request; rendered as a shell variable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Placeholder {
    /// `$NETDASH_USER`
    User,
    /// `$NETDASH_PASSWORD`
    Password,
    /// `$TOKEN`: the session's token or cookie value (X-Auth-Token, UIDARUBA, bearer, `id`).
    Token,
    /// `$CSRF_TOKEN`: AOS-CX's `x-csrf-token` from the login answer.
    Csrf,
}

impl Placeholder {
    /// The shell variable's name.
    pub fn var(self) -> &'static str {
        match self {
            Placeholder::User => "NETDASH_USER",
            Placeholder::Password => "NETDASH_PASSWORD",
            Placeholder::Token => "TOKEN",
            Placeholder::Csrf => "CSRF_TOKEN",
        }
    }
}

/// One run of literal text or a placeholder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Piece {
    Text(String),
    Var(Placeholder),
}

/// Text with placeholders in it (a header value, a URL with `UIDARUBA=` in its query).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Template(pub Vec<Piece>);

impl Template {
    pub fn text(s: impl Into<String>) -> Self {
        Template(vec![Piece::Text(s.into())])
    }

    /// This template followed by a placeholder.
    #[must_use]
    pub fn var(mut self, p: Placeholder) -> Self {
        self.0.push(Piece::Var(p));
        self
    }

    /// This template followed by more text.
    #[must_use]
    pub fn then(mut self, s: impl Into<String>) -> Self {
        self.0.push(Piece::Text(s.into()));
        self
    }

    /// The template with placeholders written as `$NAME` (for display).
    pub fn display(&self) -> String {
        self.0
            .iter()
            .map(|p| match p {
                Piece::Text(t) => t.clone(),
                Piece::Var(v) => format!("${}", v.var()),
            })
            .collect()
    }
}

/// How the connection was trusted, so the copied command trusts the same way.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct TlsInfo {
    /// `--cacert`: the target's `ca_cert`.
    pub ca_cert: Option<PathBuf>,
    /// `--insecure`: the target has `verify_tls = false`.
    pub insecure: bool,
    /// `--cert`/`--key`: an X.509 client certificate (eAPI), paths only.
    pub client_cert: Option<(PathBuf, PathBuf)>,
}

/// One HTTP request as sent, with credentials as placeholders.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RequestInfo {
    pub method: String,
    pub url: Template,
    /// Headers in the order sent (credentials as placeholders).
    pub headers: Vec<(String, Template)>,
    /// HTTP Basic with `$NETDASH_USER:$NETDASH_PASSWORD`.
    pub basic_auth: bool,
    pub body: Option<String>,
    pub tls: TlsInfo,
    /// What `$TOKEN` is and how to get one (shown beside the copied command).
    pub token_hint: Option<String>,
}

impl RequestInfo {
    /// A request with no headers or body yet.
    pub fn new(method: impl Into<String>, url: Template, tls: TlsInfo) -> Self {
        RequestInfo {
            method: method.into(),
            url,
            headers: Vec::new(),
            basic_auth: false,
            body: None,
            tls,
            token_hint: None,
        }
    }

    #[must_use]
    pub fn header(mut self, name: &str, value: Template) -> Self {
        self.headers.push((name.to_string(), value));
        self
    }

    #[must_use]
    pub fn body(mut self, body: Option<String>) -> Self {
        self.body = body;
        self
    }

    #[must_use]
    pub fn basic(mut self) -> Self {
        self.basic_auth = true;
        self
    }

    #[must_use]
    pub fn hint(mut self, h: impl Into<String>) -> Self {
        self.token_hint = Some(h.into());
        self
    }

    /// The placeholders this request needs set in the environment.
    pub fn placeholders(&self) -> Vec<Placeholder> {
        let mut out = Vec::new();
        if self.basic_auth {
            out.extend([Placeholder::User, Placeholder::Password]);
        }
        let all = std::iter::once(&self.url).chain(self.headers.iter().map(|(_, v)| v));
        for t in all {
            for p in &t.0 {
                if let Piece::Var(v) = p
                    && !out.contains(v)
                {
                    out.push(*v);
                }
            }
        }
        out
    }
}

impl TlsInfo {
    /// How a configured device is trusted.
    pub fn of_device(cfg: &crate::config::DeviceConfig) -> Self {
        TlsInfo {
            ca_cert: cfg.ca_cert.clone(),
            insecure: !cfg.verify_tls,
            client_cert: cfg.client_cert.clone().zip(cfg.client_key.clone()),
        }
    }

    /// How a Central gateway is trusted.
    pub fn of_central(cfg: &crate::config::CentralConfig) -> Self {
        TlsInfo {
            ca_cert: cfg.ca_cert.clone(),
            insecure: !cfg.verify_tls,
            client_cert: None,
        }
    }
}
