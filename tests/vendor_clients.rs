//! The lab held to the vendors' own clients: pyeapi, pyaoscx and pycentral from PyPI, and
//! plain calls written from the ASA and ArubaOS seeds, run unchanged against `netdash lab`.
//! The Python environment lives in `target/pyclients` and is created on first use.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

/// Client packages, pinned so a new release cannot silently change what we test against.
const REQUIREMENTS: &[&str] = &["pyeapi==1.0.4", "pyaoscx==2.6.0", "pycentral==1.4.3"];

fn venv() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = root.join("target").join("pyclients");
    let python = dir.join("bin").join("python");
    let marker = dir.join("netdash-requirements.txt");
    let wanted = REQUIREMENTS.join("\n");
    if std::fs::read_to_string(&marker).ok().as_deref() == Some(wanted.as_str()) && python.exists()
    {
        return python;
    }
    let status = Command::new("python3")
        .args(["-m", "venv"])
        .arg(&dir)
        .status()
        .expect("python3 runs");
    assert!(status.success(), "python3 -m venv {} failed", dir.display());
    let out = Command::new(dir.join("bin").join("pip"))
        .args(["install", "--quiet", "--disable-pip-version-check"])
        .args(REQUIREMENTS)
        .output()
        .expect("pip runs");
    assert!(
        out.status.success(),
        "pip install failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::write(&marker, wanted).expect("marker written");
    python
}

async fn run_client(python: &Path, script: &str, config: &Path) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = tokio::process::Command::new(python)
        .arg(root.join("tests").join("clients").join(script))
        .arg(config)
        .output()
        .await
        .expect("python runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "{script} failed ({}):\n{stdout}\n{stderr}",
        out.status
    );
    println!("{script}: {}", stdout.trim());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn vendor_clients_work_against_the_lab_unchanged() {
    let python = tokio::task::spawn_blocking(venv).await.expect("venv");
    let tl = common::start(netdash::lab::LabOptions::default()).await;
    for script in ["eos.py", "asa.py", "arubaos.py", "aoscx.py", "central.py"] {
        run_client(&python, script, &tl.config_path).await;
    }
    assert_eq!(tl.lab.open_sessions(), 0, "a client left a session open");
}
