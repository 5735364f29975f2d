//! The command grammar shared by `netdash run` and the console: a vendor CLI line
//! (`show version`) or a REST request (`GET /path`, `POST /path {json}`), and the read-only
//! rules that refuse mutating requests before anything is sent.

use serde_json::Value;

/// HTTP methods a REST command may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
    Put,
    Patch,
    Delete,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
        }
    }

    /// The reqwest method.
    pub fn http(self) -> reqwest::Method {
        match self {
            Method::Get => reqwest::Method::GET,
            Method::Post => reqwest::Method::POST,
            Method::Put => reqwest::Method::PUT,
            Method::Patch => reqwest::Method::PATCH,
            Method::Delete => reqwest::Method::DELETE,
        }
    }
}

/// One parsed command.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// A CLI line, sent as is to eAPI `runCmds`, ASA `/api/cli` or ArubaOS `showcommand`.
    Cli(String),
    /// A REST request; `path` is relative to the vendor's API root and keeps its query string.
    Rest {
        method: Method,
        path: String,
        body: Option<Value>,
    },
}

impl Command {
    /// Parse one line. REST when the first word is an HTTP method and the second starts with
    /// `/`; anything after the path must be JSON.
    pub fn parse(line: &str) -> Result<Command, String> {
        let line = line.trim();
        if line.is_empty() {
            return Err("empty command: type a CLI line (show version) or GET /path".into());
        }
        let (first, rest) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
        let method = match first.to_ascii_uppercase().as_str() {
            "GET" => Some(Method::Get),
            "POST" => Some(Method::Post),
            "PUT" => Some(Method::Put),
            "PATCH" => Some(Method::Patch),
            "DELETE" => Some(Method::Delete),
            _ => None,
        };
        let rest = rest.trim_start();
        match method {
            Some(method) if rest.starts_with('/') => {
                let (path, body) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
                let body = body.trim();
                let body = if body.is_empty() {
                    None
                } else {
                    Some(serde_json::from_str(body).map_err(|e| {
                        format!(
                            "the body after {} {path} is not valid JSON: {e}",
                            method.as_str()
                        )
                    })?)
                };
                if method == Method::Get && body.is_some() {
                    return Err("GET takes no body".into());
                }
                Ok(Command::Rest {
                    method,
                    path: path.to_string(),
                    body,
                })
            }
            Some(method) => Err(format!(
                "{} needs a path starting with '/', e.g. {} /system",
                method.as_str(),
                method.as_str()
            )),
            None => Ok(Command::Cli(line.to_string())),
        }
    }

    /// Why this command is refused in read-only mode, or None when it only reads.
    /// CLI lines must be `show` commands (this also covers eAPI `configure`, ASA `write`,
    /// `enable` with config); REST must be GET (this covers ASA `writemem` and ArubaOS
    /// config posts).
    pub fn read_only_refusal(&self) -> Option<String> {
        match self {
            Command::Cli(line) => {
                let first = line.split_whitespace().next().unwrap_or("");
                if first.eq_ignore_ascii_case("show") {
                    None
                } else {
                    Some(format!(
                        "refused in read-only mode: '{line}' is not a show command"
                    ))
                }
            }
            Command::Rest { method, path, .. } if *method != Method::Get => Some(format!(
                "refused in read-only mode: {} {path} would change the device",
                method.as_str()
            )),
            Command::Rest { .. } => None,
        }
    }

    /// True when the command may change state (the console asks before sending it).
    pub fn is_mutating(&self) -> bool {
        self.read_only_refusal().is_some()
    }
}

impl std::fmt::Display for Command {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Command::Cli(l) => f.write_str(l),
            Command::Rest { method, path, body } => {
                write!(f, "{} {}", method.as_str(), crate::redact::url(path))?;
                if let Some(b) = body {
                    write!(f, " {b}")?;
                }
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_cli_and_rest() {
        assert_eq!(
            Command::parse("show version"),
            Ok(Command::Cli("show version".into()))
        );
        assert_eq!(
            Command::parse("GET /system/interfaces?depth=2"),
            Ok(Command::Rest {
                method: Method::Get,
                path: "/system/interfaces?depth=2".into(),
                body: None
            })
        );
        let c = Command::parse(r#"POST /system/vlans {"id": 30, "name": "v30"}"#).expect("post");
        assert!(matches!(
            c,
            Command::Rest {
                method: Method::Post,
                body: Some(_),
                ..
            }
        ));
        assert!(Command::parse("POST /x {not json").is_err());
        assert!(Command::parse("DELETE vlan").is_err());
        assert!(Command::parse("  ").is_err());
    }

    #[test]
    fn read_only_rules() {
        let ro = |s: &str| Command::parse(s).expect("parses").read_only_refusal();
        assert!(ro("show version").is_none());
        assert!(ro("SHOW clock").is_none());
        assert!(ro("GET /system").is_none());
        assert!(ro("configure").is_some());
        assert!(ro("write memory").is_some());
        assert!(ro("enable").is_some());
        assert!(ro("POST /commands/writemem").is_some());
        assert!(ro("DELETE /system/vlans/30").is_some());
    }
}
