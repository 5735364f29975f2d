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
            // A line break would smuggle a second command past the read-only check (ASA's
            // /api/cli and ArubaOS take the line as is). REST bodies may be pretty JSON.
            None if line.chars().any(|c| c.is_control() && c != '\t') => Err(
                "the command contains a line break or control character: send one command per line (eAPI: separate commands with ;)".into(),
            ),
            None if cli_segments(line).next().is_none() => {
                Err("empty command: type a CLI line (show version) or GET /path".into())
            }
            None => Ok(Command::Cli(line.to_string())),
        }
    }

    /// Why this command is refused in read-only mode, or None when it only reads.
    /// CLI lines must be `show` commands (this also covers eAPI `configure`, ASA `write`,
    /// `enable` with config); REST must be GET (this covers ASA `writemem` and ArubaOS
    /// config posts).
    pub fn read_only_refusal(&self) -> Option<String> {
        match self {
            // Every `;`-separated part (eAPI runs each as a command) must be a show.
            Command::Cli(line) => cli_segments(line)
                .find(|c| !is_show(c))
                .map(|c| format!("refused in read-only mode: '{c}' is not a show command")),
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

/// The commands in a CLI line: `;` separates commands (eAPI sends them in one request);
/// empty parts are dropped.
pub fn cli_segments(line: &str) -> impl Iterator<Item = &str> {
    line.split(';').map(str::trim).filter(|s| !s.is_empty())
}

/// True for a `show` command (which only reads, on every vendor).
pub fn is_show(cmd: &str) -> bool {
    cmd.split_whitespace()
        .next()
        .is_some_and(|w| w.eq_ignore_ascii_case("show"))
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
        // A show first does not let a change through behind it.
        assert!(ro("show version; configure; hostname pwned").is_some());
        assert!(ro("show version ; show clock").is_none());
        assert!(ro("showconfig").is_some());
    }

    #[test]
    fn line_breaks_and_empty_batches_are_refused() {
        assert!(Command::parse("show version\nwrite memory").is_err());
        assert!(Command::parse("show version\rwrite memory").is_err());
        assert!(Command::parse(" ; ;").is_err());
        assert!(Command::parse("show\tversion").is_ok());
        // A pretty-printed REST body is fine.
        assert!(Command::parse("POST /system/vlans {\n  \"id\": 30\n}").is_ok());
    }
}
