//! Running `ansible-inventory -i PATH --list`: with the settings that make a broken inventory
//! fail instead of coming back empty, no stdin, a time limit and a cap on what it prints.
//! Its error output is boiled down to one line with anything that looks like a secret
//! hidden (Ansible quotes the offending inventory line, which can hold a password).

use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// The most `ansible-inventory` may print: 10,000 NetBox hosts take a few MiB.
pub const MAX_OUTPUT: u64 = 128 * 1024 * 1024;

/// How much of its error output is kept to find the reason in.
const MAX_STDERR: u64 = 64 * 1024;

/// Why the inventory could not be listed. Each message says what to do.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RunError {
    #[error(
        "{cmd} was not found; install ansible-core (pipx install ansible-core) or set ansible_inventory_cmd"
    )]
    NotFound { cmd: String },
    #[error("{cmd} could not start: {why}")]
    Spawn { cmd: String, why: String },
    #[error(
        "ansible-inventory did not finish within {0} s and was stopped; raise timeout_secs on this [[inventory]] entry"
    )]
    Timeout(u64),
    #[error(
        "ansible-inventory printed more than {} MiB; narrow the inventory (a NetBox query_filters, say)",
        MAX_OUTPUT / 1024 / 1024
    )]
    TooBig,
    #[error("ansible-inventory failed ({status}): {reason}")]
    Failed { status: String, reason: String },
}

/// Run `cmd -i source --list` for at most `timeout`; its standard output on success.
///
/// The child stays in netdash's process group, so Ctrl-C at the terminal stops both at once
/// (as in a shell pipeline); a timeout or an oversized answer kills it.
pub fn list(cmd: &Path, source: &Path, timeout: Duration) -> Result<Vec<u8>, RunError> {
    list_capped(cmd, source, timeout, MAX_OUTPUT)
}

/// [`list`] with `cap` bytes of output at most.
fn list_capped(
    cmd: &Path,
    source: &Path,
    timeout: Duration,
    cap: u64,
) -> Result<Vec<u8>, RunError> {
    let shown = cmd.display().to_string();
    let mut child = Command::new(cmd)
        .arg("-i")
        .arg(source)
        .arg("--list")
        // A source no plugin can parse, or any one of several, is an error, not an empty
        // inventory that would silently drop every device.
        .env("ANSIBLE_INVENTORY_UNPARSED_FAILED", "True")
        .env("ANSIBLE_INVENTORY_ANY_UNPARSED_IS_FAILED", "True")
        .env("ANSIBLE_NOCOLOR", "True")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => RunError::NotFound { cmd: shown.clone() },
            _ => RunError::Spawn {
                cmd: shown.clone(),
                why: e.to_string(),
            },
        })?;
    let pid = child.id();
    let (Some(stdout), Some(stderr)) = (child.stdout.take(), child.stderr.take()) else {
        let _ = child.kill();
        let _ = child.wait();
        return Err(RunError::Spawn {
            cmd: shown,
            why: "no pipes to read it through".into(),
        });
    };
    // Readers on threads of their own: a child blocked on a full stderr pipe would never
    // finish its stdout. They end when the pipes close; nobody waits for them past the
    // deadline (a grandchild may hold a pipe open).
    let (out_tx, out_rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut buf = Vec::new();
        let r = stdout.take(cap.saturating_add(1)).read_to_end(&mut buf);
        let _ = out_tx.send(r.map(|_| buf));
    });
    let (err_tx, err_rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut buf = Vec::new();
        let mut stderr = stderr;
        let _ = (&mut stderr).take(MAX_STDERR).read_to_end(&mut buf);
        // Keep draining so the child never blocks on a full pipe.
        let _ = std::io::copy(&mut stderr, &mut std::io::sink());
        let _ = err_tx.send(buf);
    });
    let (wait_tx, wait_rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = wait_tx.send(child.wait());
    });
    let deadline = std::time::Instant::now() + timeout;
    let left = || deadline.saturating_duration_since(std::time::Instant::now());
    let kill = || {
        if let Ok(pid) = i32::try_from(pid) {
            let _ = nix::sys::signal::kill(
                nix::unistd::Pid::from_raw(pid),
                nix::sys::signal::Signal::SIGKILL,
            );
        }
    };
    // Stdout first: it ends at the child's exit, or early when the cap is reached.
    let out = match out_rx.recv_timeout(left()) {
        Ok(Ok(buf)) if buf.len() as u64 > cap => {
            kill();
            let _ = wait_rx.recv();
            return Err(RunError::TooBig);
        }
        Ok(r) => r.unwrap_or_default(),
        Err(_) => {
            kill();
            let _ = wait_rx.recv();
            return Err(RunError::Timeout(timeout.as_secs()));
        }
    };
    let status = match wait_rx.recv_timeout(left()) {
        Ok(Ok(s)) => s,
        Ok(Err(e)) => {
            return Err(RunError::Spawn {
                cmd: shown,
                why: e.to_string(),
            });
        }
        Err(_) => {
            kill();
            let _ = wait_rx.recv();
            return Err(RunError::Timeout(timeout.as_secs()));
        }
    };
    if status.success() {
        return Ok(out);
    }
    let err = err_rx
        .recv_timeout(Duration::from_millis(500))
        .unwrap_or_default();
    Err(RunError::Failed {
        status: status.to_string(),
        reason: reason(&String::from_utf8_lossy(&err)),
    })
}

/// The reason in `ansible-inventory`'s error output, as one line: its `[ERROR]` line and the
/// first parser complaint, secrets hidden. Never the quoted source lines it adds below.
pub fn reason(stderr: &str) -> String {
    let tagged = |tag: &str| {
        stderr
            .lines()
            .find_map(|l| l.trim().strip_prefix(tag).map(str::trim))
            .filter(|l| !l.is_empty())
    };
    let error = tagged("[ERROR]:");
    let warning = tagged("[WARNING]:");
    let first = stderr.lines().map(str::trim).find(|l| !l.is_empty());
    let line = match (error, warning) {
        (Some(e), Some(w)) => format!("{e} ({w})"),
        (Some(e), None) => e.to_string(),
        (None, Some(w)) => w.to_string(),
        (None, None) => first.unwrap_or("no message on stderr").to_string(),
    };
    let line = hide_secrets(&crate::redact::one_line(&line));
    if line.chars().count() > 400 {
        let mut cut: String = line.chars().take(400).collect();
        cut.push('…');
        cut
    } else {
        line
    }
}

/// Words that name a secret: the value after one of them (`ansible_password=x`,
/// `password: x`) is replaced with `***`.
const SECRET_WORDS: &[&str] = &["pass", "secret", "token", "vault"];

/// `text` with the value after every `KEY=` or `KEY:` whose key names a secret hidden, up to
/// the next space.
fn hide_secrets(text: &str) -> String {
    let mut out = Vec::new();
    let mut hide_next = false;
    for word in text.split(' ') {
        if hide_next {
            out.push("***".to_string());
            hide_next = false;
            continue;
        }
        let lower = word.to_ascii_lowercase();
        let secret = |k: &str| SECRET_WORDS.iter().any(|s| k.contains(s));
        match lower.find(['=', ':']) {
            Some(i) if secret(&lower[..i]) => {
                let (key, rest) = word.split_at(i + 1);
                if rest.trim_matches(['"', '\'']).is_empty() {
                    // `password: value`: the value is the next word.
                    hide_next = true;
                    out.push(key.to_string());
                } else {
                    out.push(format!("{key}***"));
                }
            }
            _ => out.push(word.to_string()),
        }
    }
    out.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reason_is_one_line_without_the_password() {
        let stderr = "[WARNING]: Failed to parse inventory with 'ini' plugin: Failed to parse inventory: Error parsing host definition 'h1 ansible_password=\"hunter2secret': No closing quotation\n\nFailed to parse inventory with 'ini' plugin.\n\n<<< caused by >>>\n\nError parsing host definition 'h1 ansible_password=\"hunter2secret': No closing quotation\n\n[ERROR]: Completely failed to parse inventory source /tmp/b3.ini\n";
        let r = reason(stderr);
        assert!(!r.contains("hunter2"), "{r}");
        assert!(!r.contains('\n'), "{r}");
        assert!(
            r.starts_with("Completely failed to parse inventory source /tmp/b3.ini"),
            "{r}"
        );
        assert!(r.contains("No closing quotation"), "{r}");
    }

    #[test]
    fn secrets_after_a_colon_and_a_space_are_hidden() {
        assert_eq!(
            hide_secrets("bad line password: hunter2 here"),
            "bad line password: *** here"
        );
        assert_eq!(hide_secrets("token=abc x=1"), "token=*** x=1");
        assert_eq!(hide_secrets("Origin: /tmp/x"), "Origin: /tmp/x");
    }

    #[test]
    fn a_missing_program_says_what_to_install() {
        let e = list(
            Path::new("/nonexistent/ansible-inventory"),
            Path::new("x"),
            Duration::from_secs(5),
        )
        .expect_err("missing");
        assert!(e.to_string().contains("install ansible-core"), "{e}");
    }

    #[test]
    fn a_program_that_hangs_is_stopped() {
        let dir = tempfile::tempdir().expect("dir");
        let cmd = script(dir.path(), "exec sleep 30");
        let e = list(&cmd, Path::new("x"), Duration::from_millis(300)).expect_err("slow");
        assert_eq!(e, RunError::Timeout(0));
    }

    /// An executable shell script `body` in `dir`.
    fn script(dir: &Path, body: &str) -> std::path::PathBuf {
        let path = dir.join("ansible-inventory");
        std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).expect("script");
        std::fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o755))
            .expect("chmod");
        path
    }

    #[test]
    fn endless_output_is_cut_off_at_the_cap() {
        let dir = tempfile::tempdir().expect("dir");
        let cmd = script(dir.path(), "exec yes '{\"_meta\": {}}'");
        let e = list_capped(&cmd, Path::new("x"), Duration::from_secs(20), 1 << 20)
            .expect_err("too big");
        assert_eq!(e, RunError::TooBig);
        assert!(e.to_string().contains("more than 128 MiB"), "{e}");
    }

    #[test]
    fn the_failure_settings_reach_the_program() {
        let dir = tempfile::tempdir().expect("dir");
        let cmd = script(
            dir.path(),
            "printf '{\"args\": \"%s\", \"a\": \"%s\", \"b\": \"%s\"}' \"$*\" \"$ANSIBLE_INVENTORY_UNPARSED_FAILED\" \"$ANSIBLE_INVENTORY_ANY_UNPARSED_IS_FAILED\"",
        );
        let out = list(&cmd, Path::new("inv dir"), Duration::from_secs(20)).expect("runs");
        let v: serde_json::Value = serde_json::from_slice(&out).expect("json");
        assert_eq!(v["args"], "-i inv dir --list");
        assert_eq!((&v["a"], &v["b"]), (&"True".into(), &"True".into()));
    }

    #[test]
    fn a_failing_program_gives_its_error_line() {
        let dir = tempfile::tempdir().expect("dir");
        let cmd = script(
            dir.path(),
            "echo '[ERROR]: Completely failed to parse inventory source x' >&2\nexit 1",
        );
        let e = list(&cmd, Path::new("x"), Duration::from_secs(5)).expect_err("fails");
        let m = e.to_string();
        assert!(
            m.contains("Completely failed to parse inventory source x"),
            "{m}"
        );
    }
}
