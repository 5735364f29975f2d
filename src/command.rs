//! The command grammar shared by `netdash run` and the console: a vendor CLI line
//! (`show version`) or a REST request (`GET /path`, `POST /path {json}`), and the read-only
//! rules that refuse mutating requests before anything is sent. A show can write too
//! (`show run | redirect disk0:/x`, `show run > flash:x`), so read-only means: only `show`,
//! no `>`, and only `|` filters known to be harmless on the target's vendor.

use serde_json::Value;

use crate::kind::TargetKind;

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

/// Why a line is not a command: one line for the status bar or stderr.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    #[error("empty command: type a CLI line (show version) or GET /path")]
    Empty,
    /// `reason` is `serde_json`'s message, kept as text so parse results compare in tests.
    #[error("the body after {} {path} is not valid JSON: {reason}", .method.as_str())]
    BodyNotJson {
        method: Method,
        path: String,
        reason: String,
    },
    #[error("GET takes no body")]
    GetWithBody,
    #[error("{} needs a path starting with '/', e.g. {} /system", .0.as_str(), .0.as_str())]
    NoPath(Method),
    /// A line break would smuggle a second command past the read-only check.
    #[error(
        "the command contains a line break or control character: send one command per line (eAPI: separate commands with ;)"
    )]
    ControlCharacter,
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
    pub fn parse(line: &str) -> Result<Command, ParseError> {
        let line = line.trim();
        if line.is_empty() {
            return Err(ParseError::Empty);
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
                    Some(
                        serde_json::from_str(body).map_err(|e| ParseError::BodyNotJson {
                            method,
                            path: path.to_string(),
                            reason: e.to_string(),
                        })?,
                    )
                };
                if method == Method::Get && body.is_some() {
                    return Err(ParseError::GetWithBody);
                }
                Ok(Command::Rest {
                    method,
                    path: path.to_string(),
                    body,
                })
            }
            Some(method) => Err(ParseError::NoPath(method)),
            // A line break would smuggle a second command past the read-only check (ASA's
            // /api/cli and ArubaOS take the line as is). REST bodies may be pretty JSON.
            None if line.chars().any(|c| c.is_control() && c != '\t') => {
                Err(ParseError::ControlCharacter)
            }
            None if cli_segments(line).next().is_none() => Err(ParseError::Empty),
            None => Ok(Command::Cli(line.to_string())),
        }
    }

    /// Why this command is refused in read-only mode, or None when it only reads, by the
    /// rule that is safe on every vendor (the console uses it before sending, possibly to
    /// targets of several kinds). See [`Command::read_only_check`].
    pub fn read_only_refusal(&self) -> Option<String> {
        self.read_only_check(None).err().map(|r| r.to_string())
    }

    /// [`Command::read_only_refusal`] for one target's dialect (the engine knows the kind
    /// when it executes); `None` applies the rule that is safe on every vendor.
    pub fn read_only_refusal_on(&self, dialect: Option<CliDialect>) -> Option<String> {
        self.read_only_check(dialect).err().map(|r| r.to_string())
    }

    /// The read-only rule. REST must be GET (this covers ASA `writemem` and ArubaOS config
    /// posts). A CLI line must have no `>` anywhere, every `;`-part must be a `show` (this
    /// covers eAPI `configure`, ASA `write`, `enable`), and every `|` stage must be a filter
    /// that cannot write in `dialect` (with `None`: in every dialect). Splitting ignores
    /// quotes on purpose: a quoted `|` or `;` is refused rather than trusted to be a pattern.
    pub fn read_only_check(&self, dialect: Option<CliDialect>) -> Result<(), Refusal> {
        match self {
            Command::Cli(line) => {
                if line.contains('>') {
                    return Err(Refusal::Redirect);
                }
                for seg in cli_segments(line) {
                    let mut stages = seg.split('|');
                    let cmd = stages.next().unwrap_or_default().trim();
                    if !is_show(cmd) {
                        // The first word only: the rest may be a secret
                        // (`username x secret y`, `enable password y`).
                        let word = cmd.split_ascii_whitespace().next().unwrap_or_default();
                        return Err(Refusal::NotShow(word.to_string()));
                    }
                    if writes_tech_support_file(cmd) {
                        return Err(Refusal::TechSupportFile);
                    }
                    for stage in stages {
                        check_stage(stage, dialect)?;
                    }
                }
                Ok(())
            }
            Command::Rest { method, path, .. } if *method != Method::Get => {
                Err(Refusal::Mutating {
                    method: *method,
                    path: crate::redact::url(path),
                })
            }
            Command::Rest { .. } => Ok(()),
        }
    }

    /// True when the command may change state (the console asks before sending it).
    pub fn is_mutating(&self) -> bool {
        self.read_only_refusal().is_some()
    }
}

/// Why read-only mode refuses a command. Each message is one line ending in what to do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// The first word of a `;`-part that is not `show`.
    #[error(
        "refused in read-only mode: '{0} ...' is not a show command; send show commands or GET only"
    )]
    NotShow(String),
    /// `>` or `>>` anywhere (EOS writes the output to a file; a `>` inside a pattern is
    /// refused too rather than guessed at).
    #[error(
        "refused in read-only mode: '>' writes the output to a file on the device; remove the redirection"
    )]
    Redirect,
    /// `| redirect`, `| append`, `| tee`, `| copy`, ... or an abbreviation that may mean one.
    #[error(
        "refused in read-only mode: '| {stage}' can write on the device; read-only allows only the filters {allowed}"
    )]
    WritingStage { stage: String, allowed: String },
    /// A stage word no vendor list knows, an empty stage, or an ambiguous abbreviation.
    #[error(
        "refused in read-only mode: '| {stage}' is not a filter known to be harmless (unknown or ambiguous); use one of {allowed}, spelled out"
    )]
    UnknownStage { stage: String, allowed: String },
    /// ASA `show tech-support file`.
    #[error(
        "refused in read-only mode: 'show tech-support ... file' writes a file on the device; leave out file"
    )]
    TechSupportFile,
    /// A filter of some vendors only, checked by the rule for every vendor (the console).
    #[error(
        "refused in read-only mode: '| {stage}' is not a filter on every vendor; use one of {allowed}, or netdash run on devices of one kind"
    )]
    NotEverywhere { stage: String, allowed: String },
    /// A REST method other than GET.
    #[error("refused in read-only mode: {} {path} would change the device; send GET only", method.as_str())]
    Mutating { method: Method, path: String },
}

/// The vendors that receive a CLI line verbatim; their `|` filters differ. AOS-CX maps a
/// few exact show lines to GETs (a pipe is never sent) and Central takes no CLI, so both
/// get the rule that is safe everywhere.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CliDialect {
    Eos,
    Asa,
    ArubaOs,
}

impl CliDialect {
    pub const ALL: [CliDialect; 3] = [CliDialect::Eos, CliDialect::Asa, CliDialect::ArubaOs];

    /// The dialect of a target kind; None for kinds that get no CLI (AOS-CX, Central).
    pub fn for_kind(kind: TargetKind) -> Option<CliDialect> {
        match kind {
            TargetKind::Eos => Some(CliDialect::Eos),
            TargetKind::Asa => Some(CliDialect::Asa),
            TargetKind::Arubaos => Some(CliDialect::ArubaOs),
            TargetKind::Aoscx | TargetKind::Central => None,
        }
    }

    /// `|` stages that only filter what is printed. EOS: its own filters plus the
    /// text tools that have no option to write a file (not sed, awk, sort -o or tee).
    /// ASA: include/exclude/begin/grep (not redirect, append). ArubaOS 8:
    /// include/exclude/begin.
    pub fn filters(self) -> &'static [&'static str] {
        match self {
            CliDialect::Eos => &[
                "include", "exclude", "begin", "section", "json", "no-more", "grep", "head",
                "tail", "wc",
            ],
            CliDialect::Asa => &["include", "exclude", "begin", "grep"],
            CliDialect::ArubaOs => &["include", "exclude", "begin"],
        }
    }

    fn allows(self, filter: &str) -> bool {
        self.filters().contains(&filter)
    }
}

/// Stage words known to write (a file, a URL, the config) or to run a program that can;
/// listed so that an abbreviation which could mean one of them counts as ambiguous.
const WRITERS: &[&str] = &[
    "redirect",
    "redirect-output",
    "append",
    "tee",
    "copy",
    "write",
    "save",
    "sed",
    "awk",
    "sort",
    "python",
];

/// Allowed when the stage's first word is a filter of `dialect` (or of every dialect), in
/// full or as a prefix that fits no other known stage word (`inc`, `i`, `sec`).
fn check_stage(stage: &str, dialect: Option<CliDialect>) -> Result<(), Refusal> {
    let allows = |f: &str| match dialect {
        Some(d) => d.allows(f),
        None => CliDialect::ALL.iter().all(|d| d.allows(f)),
    };
    let allowed = || {
        let list: Vec<&str> = match dialect {
            Some(d) => d.filters().to_vec(),
            None => CliDialect::Eos
                .filters()
                .iter()
                .copied()
                .filter(|f| allows(f))
                .collect(),
        };
        list.join(", ")
    };
    // ASCII whitespace only, as the device splits; anything else in the word is unknown.
    let word = stage
        .split_ascii_whitespace()
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    let valid = !word.is_empty() && word.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    let mut matches = CliDialect::ALL
        .iter()
        .flat_map(|d| d.filters().iter())
        .chain(WRITERS)
        .copied()
        .filter(|w| valid && w.starts_with(word.as_str()))
        .collect::<Vec<&str>>();
    matches.sort_unstable();
    matches.dedup();
    match matches.as_slice() {
        [one] if WRITERS.contains(one) => Err(Refusal::WritingStage {
            stage: word,
            allowed: allowed(),
        }),
        [one] if allows(one) => Ok(()),
        [_] if dialect.is_none() => Err(Refusal::NotEverywhere {
            stage: word,
            allowed: allowed(),
        }),
        _ if matches.iter().any(|m| WRITERS.contains(m)) => Err(Refusal::WritingStage {
            stage: word,
            allowed: allowed(),
        }),
        _ => Err(Refusal::UnknownStage {
            stage: word,
            allowed: allowed(),
        }),
    }
}

/// ASA `show tech-support file` saves the output to flash: a show that writes. Matched
/// with abbreviations (`show tech f`), so a read of `show tech-support detail` still passes.
fn writes_tech_support_file(show: &str) -> bool {
    let words: Vec<String> = show
        .split_ascii_whitespace()
        .map(str::to_ascii_lowercase)
        .collect();
    words
        .get(1)
        .is_some_and(|w| "tech-support".starts_with(w.as_str()))
        && words[2..].iter().any(|w| "file".starts_with(w.as_str()))
}

/// The commands in a CLI line: `;` separates commands (eAPI sends them in one request);
/// empty parts are dropped.
pub fn cli_segments(line: &str) -> impl Iterator<Item = &str> {
    line.split(';').map(str::trim).filter(|s| !s.is_empty())
}

/// True for a `show` command (which only reads, on every vendor). Not abbreviations (`sh`):
/// eAPI refuses them, and an exact word leaves nothing to guess. ASCII whitespace only, as
/// the device splits words.
pub fn is_show(cmd: &str) -> bool {
    cmd.split_ascii_whitespace()
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
        // The refusal names the command, not what follows it (a password, say).
        let why = ro("username bob secret hunter22").expect("refused");
        assert!(
            why.contains("username") && !why.contains("hunter22"),
            "{why}"
        );
    }

    #[test]
    fn output_redirection_and_writing_stages_are_refused() {
        let ro = |s: &str| Command::parse(s).expect("parses").read_only_refusal();
        for l in [
            "show running-config | redirect disk0:/x.cfg",
            "show running-config | red disk0:/x.cfg",
            "show running-config | REDIRECT disk0:/x.cfg",
            "show running-config|redirect disk0:/x.cfg",
            "show running-config | append disk0:/x.cfg",
            "show running-config | tee flash:x",
            "show running-config | copy flash:x",
            "show running-config | write flash:x",
            "show running-config > flash:x",
            "show running-config >> flash:x",
            "show running-config>flash:x",
            "show version | include Version | redirect disk0:/v",
            "show version; show run | redirect flash:x",
            // Unknown, empty or ambiguous stages are refused too.
            "show run | frobnicate",
            "show run |",
            "show run | re x",
            "show run | s x",
            // ASA saves tech-support to flash with `file`.
            "show tech-support file",
            "show tech detail f",
            // A quote does not hide a pipe: the device splits there too.
            "show run | include \"a | redirect b\"",
        ] {
            assert!(ro(l).is_some(), "{l} must be refused");
        }
    }

    #[test]
    fn harmless_filters_stay_allowed() {
        let ro = |s: &str| Command::parse(s).expect("parses").read_only_refusal();
        for l in [
            "show version | include Version",
            "show version | inc Version",
            "show version | i Version",
            "show version | exclude Version",
            "show version | e Version",
            "show running-config | begin interface",
            "show running-config | b interface",
            "show version|include Version",
            "show version | INCLUDE Version | exclude Hardware",
            "show version ; show clock | include 20",
            "show tech-support detail",
            "show file systems",
        ] {
            assert_eq!(ro(l), None, "{l} only reads");
        }
    }

    #[test]
    fn filters_follow_the_dialect_and_the_common_rule_is_the_strictest() {
        let on = |s: &str, d| Command::parse(s).expect("parses").read_only_refusal_on(d);
        assert_eq!(on("show run | grep -v x", Some(CliDialect::Asa)), None);
        assert_eq!(on("show run | sec router", Some(CliDialect::Eos)), None);
        assert_eq!(on("show version | json", Some(CliDialect::Eos)), None);
        // ArubaOS has no grep, so the rule for every vendor has none either.
        assert!(on("show run | grep x", Some(CliDialect::ArubaOs)).is_some());
        let why = on("show run | grep x", None).expect("refused");
        assert!(why.contains("every vendor"), "{why}");
        assert!(on("show run | section x", Some(CliDialect::Asa)).is_some());
        for d in CliDialect::ALL {
            assert!(on("show run | redirect x", Some(d)).is_some());
            assert!(on("show run | include x", Some(d)).is_none());
        }
        assert_eq!(CliDialect::for_kind(TargetKind::Aoscx), None);
        assert_eq!(
            CliDialect::for_kind(TargetKind::Arubaos),
            Some(CliDialect::ArubaOs)
        );
        let why = on("show run | red disk0:/x", None).expect("refused");
        assert!(why.contains("read-only") && why.contains("red") && !why.contains('\n'));
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

    /// The messages are the ones `netdash run` and the console printed when these were strings.
    #[test]
    fn parse_error_messages_are_unchanged() {
        let msg = |s: &str| Command::parse(s).expect_err("refused").to_string();
        assert_eq!(
            msg("  "),
            "empty command: type a CLI line (show version) or GET /path"
        );
        assert_eq!(msg(" ; ;"), msg(""));
        assert_eq!(
            msg("DELETE vlan"),
            "DELETE needs a path starting with '/', e.g. DELETE /system"
        );
        assert_eq!(msg("GET /x {}"), "GET takes no body");
        assert!(
            msg("POST /x {not json")
                .starts_with("the body after POST /x is not valid JSON: key must be a string")
        );
        assert_eq!(
            msg("show a\nwrite"),
            "the command contains a line break or control character: send one command per line (eAPI: separate commands with ;)"
        );
    }
}
