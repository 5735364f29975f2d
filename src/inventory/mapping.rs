//! One inventory host to one netdash device, or the reason it is skipped.
//!
//! Kind from `ansible_network_os` (or NetBox's `platforms[0]` through `platform_map`);
//! address from `ansible_host` and the API port (never `ansible_port`, which is SSH); user
//! from `ansible_user`; the host's groups (and NetBox tags, sites and roles) as tags;
//! `ansible_httpapi_validate_certs` as `verify_tls`. A clear `ansible_password` is used; a
//! vaulted one is never decrypted: the entry's `password_env`/`password_cmd` stands in. The
//! entry's settings are defaults and `netdash_*` host variables override them.

use std::path::PathBuf;

use serde_json::{Map, Value};

use super::listing::Host;
use super::vars;
use crate::config::{AuthMode, DeviceConfig, DeviceKind, InventoryConfig};

/// Host variables that set a netdash field directly.
const OVERRIDES: &[&str] = &[
    "netdash_kind",
    "netdash_host",
    "netdash_port",
    "netdash_username",
    "netdash_password_env",
    "netdash_password_cmd",
    "netdash_ca_cert",
    "netdash_verify_tls",
    "netdash_tags",
    "netdash_api_version",
    "netdash_auth",
    "netdash_idle_timeout_secs",
];

/// Host variables holding the password, in the order Ansible's httpapi connection reads them.
const PASSWORD_VARS: &[&str] = &[
    "ansible_password",
    "ansible_httpapi_password",
    "ansible_httpapi_pass",
];

/// NetBox (`nb_inventory`) host variables whose values become tags.
const NETBOX_TAG_VARS: &[&str] = &["tags", "sites", "roles", "device_roles"];

/// What became of one host.
#[derive(Debug)]
pub enum Mapped {
    Device(Box<DeviceConfig>),
    /// netdash cannot or will not talk to it; the reason is one line for `netdash inventory`.
    Skipped(String),
}

/// A host that needs the config file fixed: the whole load stops with this one line.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum MapError {
    #[error(
        "host {0}: its password is vaulted and netdash never decrypts it; set password_env or password_cmd on this [[inventory]] entry (or netdash_password_env/netdash_password_cmd on the host)"
    )]
    Vaulted(String),
    #[error(
        "host {0}: its password is a Jinja template (\"{{{{ ... }}}}\") that only a playbook evaluates; set password_env or password_cmd on this [[inventory]] entry (or netdash_password_env/netdash_password_cmd on the host)"
    )]
    Templated(String),
    #[error(
        "host {0}: no password; set password_env or password_cmd on this [[inventory]] entry, or ansible_password (or netdash_password_env/netdash_password_cmd) on the host"
    )]
    NoPassword(String),
}

/// Map one host with its entry's defaults.
pub fn map(host: &Host, entry: &InventoryConfig) -> Result<Mapped, MapError> {
    match build(host, entry) {
        Ok(d) => Ok(Mapped::Device(Box::new(d))),
        Err(Refusal::Skip(reason)) => Ok(Mapped::Skipped(reason)),
        Err(Refusal::Fail(e)) => Err(e),
    }
}

/// Why `build` made no device.
enum Refusal {
    Skip(String),
    Fail(MapError),
}

impl From<String> for Refusal {
    fn from(reason: String) -> Self {
        Refusal::Skip(reason)
    }
}

fn build(host: &Host, entry: &InventoryConfig) -> Result<DeviceConfig, Refusal> {
    let v = &host.vars;
    let name = host.name.as_str();
    if name.trim().is_empty() || name.starts_with('@') || name.contains(char::is_whitespace) {
        return Err(format!(
            "the name {name:?} cannot be a netdash target (it starts with '@' or has spaces)"
        )
        .into());
    }
    if let Some(unknown) = v
        .keys()
        .find(|k| k.starts_with("netdash_") && !OVERRIDES.contains(&k.as_str()))
    {
        return Err(format!(
            "unknown host variable {unknown}; netdash reads {}",
            OVERRIDES.join(", ")
        )
        .into());
    }
    let kind = kind(v, entry)?;
    let text = |key: &str| v.get(key).and_then(vars::text);
    let address = text("netdash_host")
        .or_else(|| text("ansible_host"))
        .unwrap_or_else(|| name.to_string());
    let port = port(v, kind)?;
    let (password, password_env, password_cmd) = password(host, entry)?;
    let verify_tls = match v
        .get("netdash_verify_tls")
        .map(|b| ("netdash_verify_tls", b))
        .or_else(|| {
            v.get("ansible_httpapi_validate_certs")
                .map(|b| ("ansible_httpapi_validate_certs", b))
        }) {
        Some((key, b)) => vars::boolean(b).map_err(|e| format!("{key}: {e}"))?,
        None => entry.verify_tls,
    };
    let auth = match text("netdash_auth").as_deref() {
        None => None,
        Some("basic") => Some(AuthMode::Basic),
        Some("session") => Some(AuthMode::Session),
        Some("token") => Some(AuthMode::Token),
        Some(other) => {
            return Err(format!(
                "netdash_auth = {other:?}: use basic, session (eos) or token (asa)"
            )
            .into());
        }
    };
    let idle_timeout_secs = v
        .get("netdash_idle_timeout_secs")
        .map(|s| vars::seconds(s).map_err(|e| format!("netdash_idle_timeout_secs: {e}")))
        .transpose()?;
    let device = DeviceConfig {
        name: name.to_string(),
        kind,
        host: join_host_port(&address, port),
        username: text("netdash_username")
            .or_else(|| text("ansible_user"))
            .or_else(|| entry.username.clone())
            .unwrap_or_default(),
        password,
        password_env,
        password_cmd,
        verify_tls,
        ca_cert: text("netdash_ca_cert")
            .map(PathBuf::from)
            .or_else(|| entry.ca_cert.clone()),
        tags: tags(host, entry),
        api_version: text("netdash_api_version"),
        auth,
        client_cert: None,
        client_key: None,
        idle_timeout_secs,
    };
    device.check()?;
    Ok(device)
}

/// The device kind: `netdash_kind`, else `ansible_network_os`, else NetBox's platform
/// through the entry's `platform_map`.
fn kind(v: &Map<String, Value>, entry: &InventoryConfig) -> Result<DeviceKind, String> {
    if let Some(k) = v.get("netdash_kind").and_then(vars::text) {
        return match k.to_ascii_lowercase().as_str() {
            "eos" => Ok(DeviceKind::Eos),
            "asa" => Ok(DeviceKind::Asa),
            "aoscx" => Ok(DeviceKind::Aoscx),
            "arubaos" => Ok(DeviceKind::Arubaos),
            _ => Err(format!(
                "netdash_kind = {k:?}: use eos, asa, aoscx or arubaos"
            )),
        };
    }
    if let Some(os) = v.get("ansible_network_os").and_then(vars::text) {
        return match os.to_ascii_lowercase().as_str() {
            "arista.eos.eos" | "eos" => Ok(DeviceKind::Eos),
            "cisco.asa.asa" | "asa" => Ok(DeviceKind::Asa),
            "arubanetworks.aoscx.aoscx" | "aoscx" => Ok(DeviceKind::Aoscx),
            "aos" => Ok(DeviceKind::Arubaos),
            _ => Err(format!(
                "ansible_network_os {os:?} is not an API netdash speaks (eos, asa, aoscx, aos); set netdash_kind if it is one of them"
            )),
        };
    }
    let platform = v
        .get("platforms")
        .map(vars::names)
        .and_then(|p| p.into_iter().next())
        .or_else(|| v.get("platform").and_then(vars::text));
    match platform {
        Some(p) => entry
            .platform_map
            .get(&p)
            .copied()
            .ok_or_else(|| format!("platform {p:?} is not in this entry's platform_map")),
        None => Err(
            "no ansible_network_os and no NetBox platform; set netdash_kind to include it".into(),
        ),
    }
}

/// The API port. `ansible_port` is the SSH port of the CLI connection and never used: ASA
/// takes 443, the others `ansible_httpapi_port` or their default; `netdash_port` wins.
fn port(v: &Map<String, Value>, kind: DeviceKind) -> Result<u16, String> {
    let from = |key: &str| {
        v.get(key)
            .map(|p| vars::port(p).map_err(|e| format!("{key}: {e}")))
            .transpose()
    };
    if let Some(p) = from("netdash_port")? {
        return Ok(p);
    }
    if kind != DeviceKind::Asa
        && let Some(p) = from("ansible_httpapi_port")?
    {
        return Ok(p);
    }
    Ok(kind.default_port())
}

/// `host:port`, an IPv6 literal in brackets.
fn join_host_port(host: &str, port: u16) -> String {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    if bare.contains(':') {
        format!("[{bare}]:{port}")
    } else {
        format!("{bare}:{port}")
    }
}

/// `password`, `password_env`, `password_cmd`: exactly one set. The host's own (`netdash_*`, then a
/// clear `ansible_password`) before the entry's default; a vaulted one needs the default.
type Sources = (Option<String>, Option<String>, Option<String>);

fn password(host: &Host, entry: &InventoryConfig) -> Result<Sources, Refusal> {
    let v = &host.vars;
    let text = |key: &str| v.get(key).and_then(vars::text);
    match (text("netdash_password_env"), text("netdash_password_cmd")) {
        (Some(_), Some(_)) => {
            return Err(Refusal::Skip(
                "set only one of netdash_password_env or netdash_password_cmd".into(),
            ));
        }
        (Some(env), None) => return Ok((None, Some(env), None)),
        (None, Some(cmd)) => return Ok((None, None, Some(cmd))),
        (None, None) => {}
    }
    let default = match (&entry.password_env, &entry.password_cmd) {
        (Some(env), _) => Some((None, Some(env.clone()), None)),
        (None, Some(cmd)) => Some((None, None, Some(cmd.clone()))),
        (None, None) => None,
    };
    let given = PASSWORD_VARS.iter().find_map(|k| v.get(*k));
    match given {
        Some(p) if vars::is_vaulted(p) => {
            default.ok_or_else(|| Refusal::Fail(MapError::Vaulted(host.name.clone())))
        }
        // `ansible_password: "{{ vault_pw }}"`: `--list` prints the template, not its value.
        Some(p) if vars::is_template(p) => {
            default.ok_or_else(|| Refusal::Fail(MapError::Templated(host.name.clone())))
        }
        // Kept exactly as written: spaces at either end may be part of a password.
        Some(p) => match p
            .as_str()
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .or_else(|| vars::text(p))
        {
            Some(clear) => Ok((Some(clear), None, None)),
            None => default.ok_or_else(|| Refusal::Fail(MapError::NoPassword(host.name.clone()))),
        },
        None => default.ok_or_else(|| Refusal::Fail(MapError::NoPassword(host.name.clone()))),
    }
}

/// Groups, NetBox tags, sites and roles, then `netdash_tags` or the entry's tags; each once.
fn tags(host: &Host, entry: &InventoryConfig) -> Vec<String> {
    let v = &host.vars;
    let netbox = NETBOX_TAG_VARS
        .iter()
        .filter_map(|k| v.get(*k))
        .flat_map(vars::names);
    let extra = match v.get("netdash_tags") {
        Some(t) => vars::names(t),
        None => entry.tags.clone(),
    };
    let mut out: Vec<String> = Vec::new();
    for t in host.groups.iter().cloned().chain(netbox).chain(extra) {
        if !t.is_empty() && !t.contains(char::is_whitespace) && !out.contains(&t) {
            out.push(t);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn entry() -> InventoryConfig {
        let text =
            "[[inventory]]\nansible = \"hosts.ini\"\nplatform_map = { arista-eos = \"eos\" }\n";
        let cfg =
            crate::config::Config::parse(text, std::path::Path::new("t.toml")).expect("valid");
        cfg.inventory[0].get_ref().clone()
    }

    fn host(name: &str, vars: Value, groups: &[&str]) -> Host {
        Host {
            name: name.into(),
            vars: vars.as_object().cloned().unwrap_or_default(),
            groups: groups.iter().map(|g| (*g).to_string()).collect(),
        }
    }

    fn device(h: &Host, e: &InventoryConfig) -> DeviceConfig {
        match map(h, e) {
            Ok(Mapped::Device(d)) => *d,
            other => panic!("{}: {other:?}", h.name),
        }
    }

    fn skipped(h: &Host, e: &InventoryConfig) -> String {
        match map(h, e) {
            Ok(Mapped::Skipped(r)) => r,
            other => panic!("{}: {other:?}", h.name),
        }
    }

    #[test]
    fn each_network_os_maps_to_its_kind_and_port() {
        let e = entry();
        for (os, kind, host_port) in [
            ("arista.eos.eos", DeviceKind::Eos, "sw:443"),
            ("eos", DeviceKind::Eos, "sw:443"),
            ("cisco.asa.asa", DeviceKind::Asa, "sw:443"),
            ("asa", DeviceKind::Asa, "sw:443"),
            ("arubanetworks.aoscx.aoscx", DeviceKind::Aoscx, "sw:443"),
            ("aoscx", DeviceKind::Aoscx, "sw:443"),
            ("aos", DeviceKind::Arubaos, "sw:4343"),
        ] {
            let h = host(
                "sw",
                json!({"ansible_network_os": os, "ansible_password": "pw", "ansible_port": 22}),
                &[],
            );
            let d = device(&h, &e);
            assert_eq!((d.kind, d.host.as_str()), (kind, host_port), "{os}");
        }
    }

    #[test]
    fn ports_hosts_users_and_tls_from_host_vars() {
        let e = entry();
        let asa = host(
            "fw",
            json!({"ansible_network_os": "cisco.asa.asa", "ansible_port": "22", "ansible_httpapi_port": 8443,
                   "ansible_host": "10.0.0.9", "ansible_user": "admin", "ansible_password": "pw"}),
            &[],
        );
        let d = device(&asa, &e);
        assert_eq!(d.host, "10.0.0.9:443", "ASA ignores SSH and httpapi ports");
        assert_eq!(d.username, "admin");
        let asa2 = host(
            "fw",
            json!({"ansible_network_os": "asa", "netdash_port": "8443", "ansible_password": "pw"}),
            &[],
        );
        assert_eq!(device(&asa2, &e).host, "fw:8443");
        let mc = host(
            "mc",
            json!({"ansible_network_os": "aos", "ansible_httpapi_port": "4444", "ansible_host": "2001:db8::1",
                   "ansible_httpapi_validate_certs": "false", "ansible_password": "pw"}),
            &[],
        );
        let d = device(&mc, &e);
        assert_eq!(d.host, "[2001:db8::1]:4444");
        assert!(!d.verify_tls);
        let yaml_bool = host(
            "mc",
            json!({"ansible_network_os": "aos", "ansible_httpapi_validate_certs": false, "netdash_verify_tls": "yes", "ansible_password": "pw"}),
            &[],
        );
        assert!(device(&yaml_bool, &e).verify_tls, "netdash_* wins");
        let bad = host(
            "mc",
            json!({"ansible_network_os": "aos", "ansible_httpapi_port": "https", "ansible_password": "pw"}),
            &[],
        );
        assert!(skipped(&bad, &e).contains("ansible_httpapi_port"));
    }

    #[test]
    fn netbox_platforms_go_through_platform_map_and_tags_are_collected() {
        let mut e = entry();
        e.tags = vec!["imported".into()];
        let h = host(
            "leaf-9",
            json!({"platforms": ["arista-eos"], "tags": ["prod"], "sites": ["dc1"], "device_roles": ["leaf"],
                   "ansible_password": "pw"}),
            &["fabric", "leaf"],
        );
        let d = device(&h, &e);
        assert_eq!(d.kind, DeviceKind::Eos);
        assert_eq!(d.tags, ["fabric", "leaf", "prod", "dc1", "imported"]);
        let junos = host("j", json!({"platforms": ["juniper-junos"]}), &[]);
        assert!(
            skipped(&junos, &e).contains("\"juniper-junos\" is not in this entry's platform_map")
        );
        let none = host("srv", json!({}), &[]);
        assert!(skipped(&none, &e).contains("no ansible_network_os"));
        let os = host(
            "j",
            json!({"ansible_network_os": "junipernetworks.junos.junos"}),
            &[],
        );
        assert!(skipped(&os, &e).contains("junipernetworks.junos.junos"));
        let over = host(
            "j",
            json!({"ansible_network_os": "ios", "netdash_kind": "eos", "ansible_password": "pw", "netdash_tags": "a,b"}),
            &["g"],
        );
        let d = device(&over, &e);
        assert_eq!(
            (d.kind, d.tags.clone()),
            (DeviceKind::Eos, vec!["g".into(), "a".into(), "b".into()])
        );
        let typo = host(
            "t",
            json!({"ansible_network_os": "eos", "netdash_prot": 1}),
            &[],
        );
        assert!(skipped(&typo, &e).contains("unknown host variable netdash_prot"));
    }

    #[test]
    fn passwords_clear_vaulted_and_defaults() {
        let mut e = entry();
        let vaulted = json!({"__ansible_vault": "$ANSIBLE_VAULT;1.1;AES256\n6162"});
        let clear = host(
            "a",
            json!({"ansible_network_os": "eos", "ansible_password": "hunter2"}),
            &[],
        );
        assert_eq!(device(&clear, &e).password.as_deref(), Some("hunter2"));
        let v = host(
            "b",
            json!({"ansible_network_os": "eos", "ansible_password": vaulted}),
            &[],
        );
        assert_eq!(
            map(&v, &e).expect_err("vaulted"),
            MapError::Vaulted("b".into())
        );
        let msg = MapError::Vaulted("b".into()).to_string();
        assert!(msg.contains("host b") && msg.contains("password_env") && !msg.contains('\n'));
        let t = host(
            "t",
            json!({"ansible_network_os": "eos", "ansible_password": "{{ vault_pw }}"}),
            &[],
        );
        let m = map(&t, &e).expect_err("templated").to_string();
        assert!(
            m.contains("host t: its password is a Jinja template (\"{{ ... }}\")"),
            "{m}"
        );
        let none = host("c", json!({"ansible_network_os": "eos"}), &[]);
        assert_eq!(
            map(&none, &e).expect_err("none"),
            MapError::NoPassword("c".into())
        );
        e.password_cmd = Some("pass show net".into());
        let d = device(&v, &e);
        assert_eq!(
            (d.password, d.password_cmd.as_deref()),
            (None, Some("pass show net"))
        );
        assert_eq!(
            device(&clear, &e).password.as_deref(),
            Some("hunter2"),
            "the host's own first"
        );
        let own = host(
            "d",
            json!({"ansible_network_os": "eos", "ansible_password": vaulted, "netdash_password_env": "D_PW"}),
            &[],
        );
        assert_eq!(device(&own, &e).password_env.as_deref(), Some("D_PW"));
        // Debug never shows it.
        assert!(!format!("{:?}", device(&clear, &e)).contains("hunter2"));
    }

    #[test]
    fn names_netdash_cannot_target_are_skipped() {
        let e = entry();
        for name in ["@x", "a b", ""] {
            let h = host(
                name,
                json!({"ansible_network_os": "eos", "ansible_password": "p"}),
                &[],
            );
            assert!(
                skipped(&h, &e).contains("cannot be a netdash target"),
                "{name:?}"
            );
        }
        let h = host(
            "a",
            json!({"ansible_network_os": "aos", "ansible_password": "p", "netdash_auth": "session"}),
            &[],
        );
        assert!(skipped(&h, &e).contains("not available for arubaos"));
    }

    fn json_value() -> impl proptest::strategy::Strategy<Value = Value> {
        use proptest::prelude::*;
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            any::<f64>().prop_map(Value::from),
            ".{0,12}".prop_map(Value::String),
            prop::sample::select(vec![
                "eos",
                "aos",
                "asa",
                "false",
                "443",
                "arista-eos",
                "::1",
                "[",
                "@"
            ])
            .prop_map(Value::from),
        ];
        leaf.prop_recursive(3, 24, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                prop::collection::btree_map(key(), inner, 0..4)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    fn key() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        let mut known: Vec<&str> = OVERRIDES.to_vec();
        known.extend(PASSWORD_VARS);
        known.extend(NETBOX_TAG_VARS);
        known.extend([
            "ansible_network_os",
            "ansible_host",
            "ansible_user",
            "ansible_port",
            "ansible_httpapi_port",
            "ansible_httpapi_validate_certs",
            "platforms",
            "platform",
            "__ansible_vault",
        ]);
        prop_oneof![
            prop::sample::select(known).prop_map(str::to_string),
            ".{0,8}",
        ]
    }

    // 256 cases (proptest's default); PROPTEST_CASES=N runs more.
    proptest::proptest! {
        /// Whatever the inventory holds, mapping answers and never panics; a device it makes
        /// passes the config file's own checks.
        #[test]
        fn mapping_never_panics(vars in proptest::collection::btree_map(key(), json_value(), 0..10), name in ".{0,10}") {
            let h = Host { name, vars: vars.into_iter().collect(), groups: vec!["g".into()] };
            if let Ok(Mapped::Device(d)) = map(&h, &entry()) {
                proptest::prop_assert!(d.check().is_ok());
            }
        }

        /// Whole listings from arbitrary JSON never panic either.
        #[test]
        fn listing_never_panics(doc in json_value()) {
            let bytes = serde_json::to_vec(&doc).unwrap_or_default();
            if let Ok(hosts) = super::super::listing::parse(&bytes) {
                for h in &hosts {
                    let _ = map(h, &entry());
                }
            }
        }
    }
}
