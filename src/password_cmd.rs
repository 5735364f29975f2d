//! Running a `password_cmd` (`pass show network/asa`): through `sh -c` with no stdin, in a
//! process group of its own so a timeout or Ctrl-C stops everything it started, taking the
//! first line of its output as the password and never showing that output in an error.

use std::time::Duration;

use secrecy::SecretString;

/// Why a `password_cmd` gave no password. Never holds what it printed on stdout.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PasswordCmdError {
    #[error("password_cmd could not start: {0}")]
    Spawn(String),
    #[error(
        "password_cmd did not finish within {0} s and was stopped; check that it runs without a prompt (gpg-agent unlocked?), or raise settings.password_cmd_timeout_secs"
    )]
    Timeout(u64),
    #[error("password_cmd failed ({status}): {stderr}")]
    Failed { status: String, stderr: String },
    #[error(
        "password_cmd printed nothing on its first line; it must print the password first (as `pass show` does)"
    )]
    Empty,
    #[error("password_cmd printed non-UTF-8 text; it must print the password as text")]
    NotUtf8,
}

/// Kills a `password_cmd`'s whole process group when dropped (a timeout, or Ctrl-C ending
/// `run` mid-command): `kill_on_drop` alone reaches only the `sh`, not what it started.
struct GroupKill(Option<i32>);

impl Drop for GroupKill {
    fn drop(&mut self) {
        if let Some(pgid) = self.0.take() {
            let _ = nix::sys::signal::killpg(
                nix::unistd::Pid::from_raw(pgid),
                nix::sys::signal::Signal::SIGKILL,
            );
        }
    }
}

/// Run `cmd` through `sh -c` with no stdin, in a process group of its own, for at most
/// `timeout`. The password is the first line of its output (the `pass` convention); empty
/// output is refused; on failure the first line of stderr is shown, never stdout.
pub async fn run(cmd: &str, timeout: Duration) -> Result<SecretString, PasswordCmdError> {
    let child = tokio::process::Command::new("sh")
        .arg("-c")
        .arg(cmd)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .process_group(0)
        .spawn()
        .map_err(|e| PasswordCmdError::Spawn(e.to_string()))?;
    let mut group = GroupKill(child.id().and_then(|p| i32::try_from(p).ok()));
    let out = tokio::time::timeout(timeout, child.wait_with_output())
        .await
        .map_err(|_| PasswordCmdError::Timeout(timeout.as_secs()))?
        .map_err(|e| PasswordCmdError::Spawn(e.to_string()))?;
    // It finished: nothing of it is left to stop (and its group id may be reused).
    group.0 = None;
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        let first = stderr
            .lines()
            .map(str::trim)
            .find(|l| !l.is_empty())
            .unwrap_or("no message on stderr");
        return Err(PasswordCmdError::Failed {
            status: out.status.to_string(),
            stderr: first.chars().take(200).collect(),
        });
    }
    let text = String::from_utf8(out.stdout).map_err(|_| PasswordCmdError::NotUtf8)?;
    let first = text.lines().next().unwrap_or("").trim_end_matches('\r');
    if first.is_empty() {
        return Err(PasswordCmdError::Empty);
    }
    Ok(SecretString::from(first.to_string()))
}
