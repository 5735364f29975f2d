//! The cheap per-kind health call behind background polling, and reading facts
//! (hostname, model, version, uptime) out of its answer.

use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::Value;

use super::messages::DeviceFacts;
use crate::command::{Command, Method};
use crate::kind::TargetKind;

/// The poll command for a device kind (None for Central: its poll is sites and APs).
pub fn health_command(kind: TargetKind) -> Option<Command> {
    let rest = |path: &str| Command::Rest {
        method: Method::Get,
        path: path.to_string(),
        body: None,
    };
    match kind {
        // One request, two answers.
        TargetKind::Eos => Some(Command::Cli("show version ; show hostname".into())),
        TargetKind::Asa => Some(rest("/monitoring/device/components/version")),
        TargetKind::Aoscx => Some(rest(
            "/system?attributes=hostname,platform_name,software_version,boot_time",
        )),
        TargetKind::Arubaos => Some(Command::Cli("show version".into())),
        TargetKind::Central => None,
    }
}

fn s(v: &Value, k: &str) -> Option<String> {
    v.get(k).and_then(Value::as_str).map(str::to_string)
}

/// Facts from the health command's answer; anything missing stays None.
#[expect(
    clippy::cast_sign_loss,
    reason = "float-to-int `as` saturates: a negative or NaN uptime reads 0, and the boot-time ones are max(0.0)'d"
)]
pub fn facts(kind: TargetKind, out: &Value) -> DeviceFacts {
    match kind {
        TargetKind::Eos => {
            let ver = out.get(0).unwrap_or(out);
            let host = out.get(1).unwrap_or(&Value::Null);
            DeviceFacts {
                hostname: s(host, "hostname"),
                model: s(ver, "modelName"),
                version: s(ver, "version"),
                serial: s(ver, "serialNumber"),
                uptime_secs: ver
                    .get("uptime")
                    .and_then(Value::as_f64)
                    .map(|u| u as u64)
                    .or_else(|| {
                        let boot = ver.get("bootupTimestamp").and_then(Value::as_f64)?;
                        Some((now_secs() - boot).max(0.0) as u64)
                    }),
            }
        }
        TargetKind::Asa => DeviceFacts {
            hostname: None,
            model: s(out, "deviceType"),
            version: s(out, "asaVersion"),
            serial: None,
            uptime_secs: out.get("upTimeinSeconds").and_then(Value::as_u64),
        },
        TargetKind::Aoscx => DeviceFacts {
            hostname: s(out, "hostname"),
            model: s(out, "platform_name"),
            version: s(out, "software_version"),
            serial: None,
            uptime_secs: out
                .get("boot_time")
                .and_then(Value::as_f64)
                .map(|b| (now_secs() - b).max(0.0) as u64),
        },
        TargetKind::Arubaos => {
            // `show version` carries the version in a "Version" key or in its `_data` lines.
            let lines: Vec<&str> = out
                .get("_data")
                .and_then(Value::as_array)
                .map(|a| a.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            let text = s(out, "Version").unwrap_or_else(|| lines.join("\n"));
            let version = text
                .split("Version ")
                .nth(1)
                .map(|r| r.split([',', ' ', '\n']).next().unwrap_or("").to_string())
                .filter(|v| !v.is_empty());
            let model = text
                .split("MODEL: ")
                .nth(1)
                .map(|r| r.split(')').next().unwrap_or("").to_string())
                .filter(|m| !m.is_empty());
            DeviceFacts {
                hostname: s(out, "Hostname"),
                model,
                version,
                serial: None,
                uptime_secs: None,
            }
        }
        TargetKind::Central => DeviceFacts::default(),
    }
}

fn now_secs() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eos_facts_from_fixture() {
        let ver: Value = serde_json::from_str(include_str!(
            "../lab/fixtures/eos/napalm_show_version_ceos4.30.json"
        ))
        .expect("fixture");
        let out = serde_json::json!([ver, {"hostname": "sw1", "fqdn": "sw1.x"}]);
        let f = facts(TargetKind::Eos, &out);
        assert_eq!(f.hostname.as_deref(), Some("sw1"));
        assert_eq!(f.model.as_deref(), Some("cEOSLab"));
        assert_eq!(f.uptime_secs, Some(374));
    }

    #[test]
    fn arubaos_facts_from_fixture() {
        let v: Value = serde_json::from_str(include_str!(
            "../lab/fixtures/mobility/SYNTHETIC_hpe-networking-mcp_aos8_show_version.json"
        ))
        .expect("fixture");
        let f = facts(TargetKind::Arubaos, &v);
        assert_eq!(f.version.as_deref(), Some("8.10.0.7"));
        assert_eq!(f.model.as_deref(), Some("ArubaMC-VA"));
        assert_eq!(f.hostname.as_deref(), Some("conductor-lab-01"));
    }

    #[test]
    fn asa_facts_from_fixture() {
        let v: Value = serde_json::from_str(include_str!(
            "../lab/fixtures/asa/napalm_asa_monitoring_device_components_version.json"
        ))
        .expect("fixture");
        let f = facts(TargetKind::Asa, &v);
        assert_eq!(f.version.as_deref(), Some("9.4(1)205"));
        assert_eq!(f.uptime_secs, Some(5280));
    }
}
