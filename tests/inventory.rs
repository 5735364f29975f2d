//! Devices from Ansible inventories, with the real `ansible-inventory` from ansible-core on
//! PyPI (a venv in `target/ansible`, made on first use): an INI and a YAML inventory with
//! `group_vars` and `host_vars`, nested groups, a password vaulted by `ansible-vault`, a
//! NetBox-style host mapped through `platform_map`, hosts netdash does not speak, broken
//! files, a name defined twice; then `netdash run @tag:GROUP` against the lab through them,
//! with the lab's CA and verification on.

mod common;

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;

use netdash::config::DeviceConfig;
use netdash::lab::LabOptions;
use serde_json::Value;

/// Pinned: a new release must not silently change what we test against (Python 3.11 here
/// takes the 2.19 line).
const ANSIBLE_CORE: &str = "ansible-core==2.19.14";

/// The env var the `dc-ini` entry reads the vaulted host's password from.
const VAULTED_PW_ENV: &str = "NETDASH_TEST_INVENTORY_EOS_PW";

/// The venv's `bin` directory, made once per machine (tests of this file share it).
fn ansible_bin() -> PathBuf {
    static ONCE: Mutex<()> = Mutex::new(());
    let _one = ONCE
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = root.join("target").join("ansible");
    let bin = dir.join("bin");
    let marker = dir.join("netdash-requirements.txt");
    if std::fs::read_to_string(&marker).ok().as_deref() == Some(ANSIBLE_CORE)
        && bin.join("ansible-inventory").exists()
    {
        return bin;
    }
    let status = Command::new("python3")
        .args(["-m", "venv"])
        .arg(&dir)
        .status()
        .expect("python3 runs");
    assert!(status.success(), "python3 -m venv {} failed", dir.display());
    let out = Command::new(bin.join("pip"))
        .args([
            "install",
            "--quiet",
            "--disable-pip-version-check",
            ANSIBLE_CORE,
        ])
        .output()
        .expect("pip runs");
    assert!(
        out.status.success(),
        "pip install failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::write(&marker, ANSIBLE_CORE).expect("marker written");
    bin
}

/// `ansible-vault encrypt_string` of `secret` as the YAML variable `name`, with the vault
/// password read from a file (as a CI job would).
fn vault(bin: &Path, dir: &Path, name: &str, secret: &str) -> String {
    let pass_file = dir.join("vault-pass");
    std::fs::write(&pass_file, "vault-pass-for-the-test\n").expect("vault pass");
    let mut child = Command::new(bin.join("ansible-vault"))
        .args(["encrypt_string", "--vault-password-file"])
        .arg(&pass_file)
        .args(["--stdin-name", name])
        .env("ANSIBLE_HOME", dir.join("ansible-home"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("ansible-vault runs");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(secret.as_bytes())
        .expect("secret written");
    let out = child.wait_with_output().expect("ansible-vault ends");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let yaml = String::from_utf8(out.stdout).expect("utf-8");
    assert!(yaml.contains("!vault") && !yaml.contains(secret), "{yaml}");
    yaml
}

/// The lab's devices of `kind`, in order.
fn lab_devices<'a>(tl: &'a common::TestLab, kind: &str) -> Vec<&'a DeviceConfig> {
    tl.config
        .devices()
        .filter(|d| d.kind.as_str() == kind)
        .collect()
}

fn port(d: &DeviceConfig) -> u16 {
    d.host_port().expect("lab host").1
}

fn password(d: &DeviceConfig) -> String {
    d.password.clone().expect("lab password")
}

/// Everything one test needs: the lab, the inventories written for it, the venv.
struct Setup {
    tl: common::TestLab,
    bin: PathBuf,
    dir: PathBuf,
    secrets: Vec<String>,
}

/// A lab (3 eAPI, ASA, AOS-CX, ArubaOS) and two inventories pointing at it:
///
/// `ini/`: `fabric` = `spine` + `leaf` (nested), `spine-01` with a clear password from
/// `group_vars`, `leaf-01` with a vaulted one from `host_vars`; `fw-01` (ASA whose
/// `ansible_port` is SSH, certificates not checked); `old-junos` (not an API netdash speaks).
///
/// `yaml/`: `campus` = `access` + `wireless`, `cx-01` (AOS-CX), `mc-01` (ArubaOS 8, port as
/// a string); `nb-eos-03`, a NetBox-style host with `platforms`, `tags` and `sites`; `web-01`
/// with no network OS.
async fn setup() -> Setup {
    let bin = tokio::task::spawn_blocking(ansible_bin)
        .await
        .expect("venv");
    let mut opts = LabOptions::none();
    opts.eos = 3;
    opts.asa = 1;
    opts.aoscx = 1;
    opts.arubaos = 1;
    let tl = common::start(opts).await;
    let dir = tl.dir.path().to_path_buf();
    let eos = lab_devices(&tl, "eos");
    let asa = lab_devices(&tl, "asa")[0];
    let cx = lab_devices(&tl, "aoscx")[0];
    let mc = lab_devices(&tl, "arubaos")[0];
    let user = &eos[0].username;

    let ini = dir.join("ini");
    for d in ["group_vars", "host_vars"] {
        std::fs::create_dir_all(ini.join(d)).expect("dirs");
    }
    std::fs::write(
        ini.join("hosts.ini"),
        format!(
            "[spine]\nspine-01 ansible_host=127.0.0.1 ansible_httpapi_port={}\n\n\
             [leaf]\nleaf-01 ansible_host=127.0.0.1 ansible_httpapi_port={}\n\n\
             [fabric:children]\nspine\nleaf\n\n\
             [fw]\nfw-01 ansible_host=127.0.0.1 ansible_port=22 netdash_port={}\n\n\
             [legacy]\nold-junos ansible_host=10.9.9.9 ansible_network_os=junipernetworks.junos.junos\n",
            port(eos[0]),
            port(eos[1]),
            port(asa)
        ),
    )
    .expect("hosts.ini");
    std::fs::write(
        ini.join("group_vars/fabric.yml"),
        format!("ansible_network_os: arista.eos.eos\nansible_user: {user}\nansible_httpapi_validate_certs: \"true\"\n"),
    )
    .expect("fabric vars");
    std::fs::write(
        ini.join("group_vars/spine.yml"),
        format!("ansible_password: {}\n", password(eos[0])),
    )
    .expect("spine vars");
    std::fs::write(
        ini.join("host_vars/leaf-01.yml"),
        vault(&bin, &dir, "ansible_password", &password(eos[1])),
    )
    .expect("leaf vars");
    std::fs::write(
        ini.join("group_vars/fw.yml"),
        format!(
            "ansible_network_os: cisco.asa.asa\nansible_user: {}\nansible_password: {}\nansible_httpapi_validate_certs: false\n",
            asa.username,
            password(asa)
        ),
    )
    .expect("fw vars");

    let yaml = dir.join("yaml");
    std::fs::create_dir_all(yaml.join("host_vars")).expect("dirs");
    std::fs::write(
        yaml.join("hosts.yml"),
        format!(
            "all:\n  children:\n    campus:\n      vars:\n        ansible_user: {user}\n      children:\n\
             \x20       access:\n          hosts:\n            cx-01:\n              ansible_host: 127.0.0.1\n\
             \x20             ansible_httpapi_port: {}\n              ansible_network_os: arubanetworks.aoscx.aoscx\n\
             \x20       wireless:\n          hosts:\n            mc-01:\n              ansible_host: 127.0.0.1\n\
             \x20             ansible_httpapi_port: \"{}\"\n              ansible_network_os: aos\n\
             \x20   netbox:\n      hosts:\n        nb-eos-03:\n          ansible_host: 127.0.0.1\n\
             \x20         platforms: [arista-eos]\n          tags: [prod]\n          sites: [dc1]\n\
             \x20         netdash_port: {}\n\
             \x20   servers:\n      hosts:\n        web-01:\n          ansible_host: 10.0.0.5\n",
            port(cx),
            port(mc),
            port(eos[2])
        ),
    )
    .expect("hosts.yml");
    for (host, d) in [("cx-01", cx), ("mc-01", mc), ("nb-eos-03", eos[2])] {
        std::fs::write(
            yaml.join("host_vars").join(format!("{host}.yml")),
            format!("ansible_password: {}\n", password(d)),
        )
        .expect("host vars");
    }
    let secrets = tl
        .config
        .devices()
        .filter_map(|d| d.password.clone())
        .collect();
    Setup {
        tl,
        bin,
        dir,
        secrets,
    }
}

impl Setup {
    /// An `[[inventory]]` entry for `ansible` with the lab's CA and this venv's program.
    fn entry(&self, name: &str, ansible: &str, extra: &str) -> String {
        let ca = self
            .tl
            .config
            .devices()
            .next()
            .and_then(|d| d.ca_cert.clone())
            .expect("lab CA");
        format!(
            "\n[[inventory]]\nname = \"{name}\"\nansible = \"{ansible}\"\nansible_inventory_cmd = \"{}\"\nca_cert = \"{}\"\n{extra}",
            self.bin.join("ansible-inventory").display(),
            ca.display()
        )
    }

    /// Both inventories: the INI one by a path relative to the config, the YAML directory by
    /// an absolute one.
    fn both(&self) -> String {
        format!(
            "[settings]\npoll_interval_secs = 10\n{}{}",
            self.entry(
                "dc-ini",
                "ini/hosts.ini",
                &format!("password_env = \"{VAULTED_PW_ENV}\"\n")
            ),
            self.entry(
                "campus-yaml",
                &self.dir.join("yaml").display().to_string(),
                &format!(
                    "platform_map = {{ arista-eos = \"eos\" }}\ntags = [\"campus-import\"]\nusername = \"{}\"\n",
                    netdash::lab::USERNAME
                )
            )
        )
    }

    /// Write `text` as a config of its own and run netdash on it.
    async fn netdash(&self, file: &str, text: &str, args: &[&str]) -> common::Out {
        let path = self.dir.join(file);
        std::fs::write(&path, text).expect("config");
        let eos = lab_devices(&self.tl, "eos");
        let out = tokio::process::Command::new(common::bin())
            .arg("--config")
            .arg(&path)
            .args(args)
            .env("NETDASH_DATA_DIR", self.dir.join("data"))
            .env("NETDASH_STATE_DIR", self.dir.join("state"))
            .env("ANSIBLE_HOME", self.dir.join("ansible-home"))
            .env(VAULTED_PW_ENV, password(eos[1]))
            .stdin(Stdio::null())
            .output()
            .await
            .expect("netdash runs");
        let o = common::Out {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        };
        for s in &self.secrets {
            assert!(
                !o.stdout.contains(s.as_str()) && !o.stderr.contains(s.as_str()),
                "a password was printed:\n{}\n{}",
                o.stdout,
                o.stderr
            );
        }
        o
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inventory_lists_devices_with_groups_and_skipped_hosts_with_reasons() {
    let s = setup().await;
    let o = s
        .netdash("both.toml", &s.both(), &["inventory", "--json"])
        .await;
    assert_eq!(o.code, 0, "{}\n{}", o.stdout, o.stderr);
    let v: Value = serde_json::from_str(&o.stdout).expect("one JSON document");
    let devices: BTreeMap<&str, &Value> = v["devices"]
        .as_array()
        .expect("devices")
        .iter()
        .map(|d| (d["name"].as_str().expect("name"), d))
        .collect();
    let names: Vec<&str> = devices.keys().copied().collect();
    assert_eq!(
        names,
        [
            "cx-01",
            "fw-01",
            "leaf-01",
            "mc-01",
            "nb-eos-03",
            "spine-01"
        ]
    );
    let kind = |n: &str| devices[n]["kind"].as_str().expect("kind");
    let tags = |n: &str| -> Vec<&str> {
        devices[n]["tags"]
            .as_array()
            .expect("tags")
            .iter()
            .filter_map(Value::as_str)
            .collect()
    };
    assert_eq!(
        names.iter().map(|n| kind(n)).collect::<Vec<_>>(),
        ["aoscx", "asa", "eos", "arubaos", "eos", "eos"]
    );
    // Nested groups: leaf-01 is in fabric through leaf.
    assert_eq!(tags("leaf-01"), ["fabric", "leaf"]);
    assert_eq!(tags("spine-01"), ["fabric", "spine"]);
    assert_eq!(tags("cx-01"), ["access", "campus", "campus-import"]);
    assert_eq!(
        tags("nb-eos-03"),
        ["netbox", "prod", "dc1", "campus-import"]
    );
    // The ASA's ansible_port (SSH) is ignored; netdash_port is its API port.
    let asa = lab_devices(&s.tl, "asa")[0];
    assert_eq!(devices["fw-01"]["port"], port(asa));
    let mc = lab_devices(&s.tl, "arubaos")[0];
    assert_eq!(
        devices["mc-01"]["port"],
        port(mc),
        "a port given as a string"
    );
    assert_eq!(
        devices["leaf-01"]["password_from"],
        format!("password_env {VAULTED_PW_ENV}"),
        "the vaulted password is never decrypted: the entry's password_env stands in"
    );
    assert_eq!(devices["spine-01"]["password_from"], "password");
    assert_eq!(devices["spine-01"]["verify_tls"], true);
    assert_eq!(devices["fw-01"]["verify_tls"], false);
    assert_eq!(
        devices["leaf-01"]["from"],
        "inventory dc-ini (ini/hosts.ini)"
    );
    let skipped: BTreeMap<&str, &str> = v["skipped"]
        .as_array()
        .expect("skipped")
        .iter()
        .map(|s| {
            (
                s["host"].as_str().expect("host"),
                s["reason"].as_str().expect("reason"),
            )
        })
        .collect();
    assert_eq!(
        skipped.keys().copied().collect::<Vec<_>>(),
        ["old-junos", "web-01"]
    );
    assert!(skipped["old-junos"].contains("junipernetworks.junos.junos"));
    assert!(skipped["web-01"].contains("no ansible_network_os"));

    // The table says the same, skipped hosts included.
    let o = s.netdash("both.toml", &s.both(), &["inventory"]).await;
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(
        o.stdout.contains("6 devices; 2 hosts skipped"),
        "{}",
        o.stdout
    );
    assert!(
        o.stdout.contains("old-junos  (inventory dc-ini)"),
        "{}",
        o.stdout
    );

    // In-process, the one loader the program uses: Config::devices() yields them too.
    let path = s.dir.join("both.toml");
    let loaded = tokio::task::spawn_blocking(move || netdash::inventory::load(&path))
        .await
        .expect("joins");
    // The vaulted host's password_env is read only when a session starts.
    let loaded = loaded.expect("loads");
    assert_eq!(loaded.config.devices().count(), 6);
    assert_eq!(loaded.skipped.len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_reaches_the_lab_through_inventory_groups() {
    let s = setup().await;
    // Two levels of groups, a clear and a vaulted password, real TLS with the lab's CA.
    let o = s
        .netdash(
            "both.toml",
            &s.both(),
            &["run", "--json", "@tag:fabric", "--", "show", "version"],
        )
        .await;
    assert_eq!(o.code, 0, "{}\n{}", o.stdout, o.stderr);
    let mut ok: Vec<String> = o
        .stdout
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).expect("JSON line"))
        .inspect(|r| assert_eq!(r["ok"], true, "{r}"))
        .map(|r| r["target"].as_str().expect("target").to_string())
        .collect();
    ok.sort();
    assert_eq!(ok, ["leaf-01", "spine-01"]);
    assert!(
        o.stderr.contains("inventory dc-ini: 1 host skipped"),
        "{}",
        o.stderr
    );

    // Every imported device of every vendor, the NetBox-style one included.
    let o = s
        .netdash(
            "both.toml",
            &s.both(),
            &["run", "--json", "@all", "--", "show", "version"],
        )
        .await;
    assert_eq!(o.code, 0, "{}\n{}", o.stdout, o.stderr);
    assert_eq!(o.stdout.lines().count(), 6, "{}", o.stdout);
    // ansible_httpapi_validate_certs: false is verify_tls = false, with the usual warning.
    assert!(
        o.stderr
            .contains("warning: verify_tls = false for fw-01: their certificates are not checked"),
        "{}",
        o.stderr
    );
    let o = s
        .netdash(
            "both.toml",
            &s.both(),
            &["run", "--json", "@tag:dc1", "--", "show", "version"],
        )
        .await;
    assert_eq!(o.code, 0, "{}\n{}", o.stdout, o.stderr);
    // NetBox's site became a tag; the entry's username stood in for a missing ansible_user.
    let r: Value = serde_json::from_str(o.stdout.trim()).expect("one JSON line");
    assert_eq!(
        (&r["target"], &r["ok"]),
        (&Value::from("nb-eos-03"), &Value::from(true))
    );
    assert_eq!(s.tl.lab.open_sessions(), 0, "a session was left open");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn config_mistakes_are_one_clear_line() {
    let s = setup().await;
    let one_line = |o: &common::Out| {
        assert_eq!(o.code, 2, "{}\n{}", o.stdout, o.stderr);
        assert!(o.stdout.is_empty(), "{}", o.stdout);
        assert_eq!(o.stderr.trim_end().lines().count(), 1, "{}", o.stderr);
        o.stderr.trim_end().to_string()
    };

    // A vaulted password and no password_env/password_cmd on the entry: names the host.
    let text = s.entry("dc-ini", "ini/hosts.ini", "");
    let e = one_line(&s.netdash("vault.toml", &text, &["inventory"]).await);
    assert!(
        e.contains("line 2: inventory dc-ini: host leaf-01: its password is vaulted"),
        "{e}"
    );
    assert!(e.contains("set password_env or password_cmd"), "{e}");

    // Broken files fail (not an empty list): INI and YAML.
    std::fs::write(s.dir.join("broken.ini"), "[spine\nspine-01 ansible_host\n").expect("ini");
    let e = one_line(
        &s.netdash(
            "broken.toml",
            &s.entry("bad", "broken.ini", ""),
            &["run", "@all", "--", "show", "version"],
        )
        .await,
    );
    assert!(e.contains("inventory bad: ansible-inventory failed"), "{e}");
    assert!(e.contains("broken.ini"), "{e}");
    std::fs::write(s.dir.join("broken.yml"), "all:\n  hosts: [\n").expect("yaml");
    let e = one_line(
        &s.netdash(
            "broken.toml",
            &s.entry("bad", "broken.yml", ""),
            &["inventory"],
        )
        .await,
    );
    assert!(
        e.contains("Completely failed to parse inventory source"),
        "{e}"
    );
    let e = one_line(
        &s.netdash(
            "missing.toml",
            &s.entry("gone", "no-such-dir/hosts.ini", ""),
            &["inventory"],
        )
        .await,
    );
    assert!(
        e.contains("inventory gone: ansible-inventory failed"),
        "{e}"
    );

    // A name in the file and in an inventory: both places named.
    let asa = lab_devices(&s.tl, "asa")[0];
    let text = format!(
        "[[devices]]\nname = \"fw-01\"\nkind = \"asa\"\nhost = \"{}\"\npassword = \"{}\"\n{}",
        asa.host,
        password(asa),
        s.both()
            .replace("[settings]\npoll_interval_secs = 10\n", "")
    );
    let e = one_line(&s.netdash("twice.toml", &text, &["inventory"]).await);
    assert!(
        e.contains(
            "inventory dc-ini: fw-01 is defined twice: by config line 1 and by inventory dc-ini (ini/hosts.ini)"
        ),
        "{e}"
    );

    // A program that is not there says what to install.
    let text = s.entry("dc-ini", "ini/hosts.ini", "").replace(
        &s.bin.join("ansible-inventory").display().to_string(),
        "/nonexistent/ansible-inventory",
    );
    let e = one_line(&s.netdash("noprog.toml", &text, &["inventory"]).await);
    assert!(e.contains("install ansible-core"), "{e}");
    assert_eq!(s.tl.lab.open_sessions(), 0);
}
