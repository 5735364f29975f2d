//! What `netdash inventory` prints: the resolved devices (name, kind, host:port, user, tags,
//! where each was defined) and the skipped hosts with their reasons, as a table or as one
//! JSON document. Never a password: only where one comes from.

use serde_json::json;

use super::Loaded;
use crate::config::DeviceConfig;
use crate::sanitize::one_line;

/// Where a device's password comes from, without the password.
fn password_source(d: &DeviceConfig) -> String {
    match (&d.password, &d.password_env, &d.password_cmd) {
        (Some(_), _, _) => "password".into(),
        (_, Some(var), _) => format!("password_env {var}"),
        (_, _, Some(_)) => "password_cmd".into(),
        _ if d.client_cert.is_some() => "client certificate".into(),
        _ => "none".into(),
    }
}

/// Host and port as `host:port` (IPv6 in brackets), or the host as written if it is bad.
fn address(d: &DeviceConfig) -> String {
    d.base_url().map_or_else(
        |_| d.host.clone(),
        |u| u.trim_start_matches("https://").to_string(),
    )
}

/// The table: devices, then the skipped hosts. Device and inventory text is escaped.
pub fn table(loaded: &Loaded) -> String {
    let rows: Vec<[String; 6]> = loaded
        .config
        .devices()
        .map(|d| {
            let tls = if d.verify_tls { "" } else { " !tls" };
            [
                d.name.clone(),
                d.kind.as_str().to_string(),
                format!("{}{tls}", address(d)),
                d.username.clone(),
                d.tags.join(","),
                loaded
                    .sources
                    .get(&d.name)
                    .map(ToString::to_string)
                    .unwrap_or_default(),
            ]
            .map(|c| one_line(&c).into_owned())
        })
        .collect();
    let head = ["NAME", "KIND", "HOST:PORT", "USER", "TAGS", "FROM"].map(str::to_string);
    let mut widths = head.clone().map(|h| h.chars().count());
    for r in &rows {
        for (w, c) in widths.iter_mut().zip(r) {
            *w = (*w).max(c.chars().count());
        }
    }
    let mut out = String::new();
    for r in std::iter::once(&head).chain(&rows) {
        let cells: Vec<String> = r
            .iter()
            .zip(widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        out.push_str(cells.join("  ").trim_end());
        out.push('\n');
    }
    out.push_str(&format!("{} devices", rows.len()));
    if loaded.skipped.is_empty() {
        out.push('\n');
        return out;
    }
    let n = loaded.skipped.len();
    let hosts = if n == 1 { "host" } else { "hosts" };
    out.push_str(&format!("; {n} {hosts} skipped:\n"));
    for s in &loaded.skipped {
        out.push_str(&format!(
            "  {}  (inventory {}): {}\n",
            one_line(&s.host),
            one_line(&s.inventory),
            one_line(&s.reason)
        ));
    }
    out
}

/// One JSON document: `{"devices": [...], "skipped": [...]}`.
pub fn json(loaded: &Loaded) -> serde_json::Value {
    let devices: Vec<serde_json::Value> = loaded
        .config
        .devices()
        .map(|d| {
            let (host, port) = d.host_port().unwrap_or_else(|_| (d.host.clone(), 0));
            json!({
                "name": d.name,
                "kind": d.kind.as_str(),
                "host": host,
                "port": port,
                "username": d.username,
                "password_from": password_source(d),
                "verify_tls": d.verify_tls,
                "tags": d.tags,
                "from": loaded.sources.get(&d.name).map(ToString::to_string),
            })
        })
        .collect();
    json!({ "devices": devices, "skipped": loaded.skipped })
}
