//! The simulated Conductor's AP database: SYNTHETIC, like the fixture it grows from. The
//! fixture's one row (`AP-01`, kept as it is) gives the shape; 29 more APs follow it in
//! three AP groups, a few down, so `show ap database [long]` and `show ap active` have an
//! estate to answer with. No real `show ap database long` capture has been published.

use serde_json::{Value, json};

use super::util;

const SHOW_AP_DATABASE: &str =
    include_str!("fixtures/mobility/SYNTHETIC_hpe-networking-mcp_show_ap_database.json");

/// APs in the lab's database.
pub const APS: usize = 30;
/// Their AP groups (the fixture's "default" first).
pub const GROUPS: [&str; 3] = ["default", "campus-aps", "branch-aps"];

/// Whether lab AP number `i` (1-based) is down: a few, in two of the groups.
pub fn is_down(i: usize) -> bool {
    matches!(i, 7 | 14 | 23)
}

/// Clients on lab AP `i` when it is up.
pub fn clients(i: usize) -> u64 {
    (i as u64 * 7) % 31
}

/// The `show ap database` answer: the fixture's envelope and first row, then APs 2..=30.
pub fn database() -> Value {
    let mut v = util::fixture(SHOW_AP_DATABASE);
    let first = v
        .get("AP Database")
        .and_then(Value::as_array)
        .and_then(|r| r.first())
        .cloned()
        .unwrap_or_else(|| json!({}));
    let mut rows = vec![first.clone()];
    for i in 2..=APS {
        let mut r = first.clone();
        let group = GROUPS.get(i % GROUPS.len()).copied().unwrap_or("default");
        r["Name"] = json!(format!("AP-{i:02}"));
        r["Group"] = json!(group);
        r["IP Address"] = json!(format!("10.1.{}.{}", i % 3, 50 + i));
        r["Status"] = if is_down(i) {
            json!("Down")
        } else {
            json!(format!("Up {}d:{}h:{}m", i % 9, i % 24, (i * 7) % 60))
        };
        r["Wired MAC Address"] = json!(format!("00:1a:1e:00:00:{i:02x}"));
        r["Serial #"] = json!(format!("AB12345{i:02}"));
        r["AP Type"] = json!(if i % 3 == 0 { "515" } else { "535" });
        rows.push(r);
    }
    v["AP Database"] = Value::Array(rows);
    v
}

/// The `show ap active` answer, derived from the database: the APs that are up, with
/// their clients.
pub fn active(db: &Value) -> Value {
    let rows: Vec<Value> = db
        .get("AP Database")
        .and_then(Value::as_array)
        .map(|rows| {
            rows.iter()
                .enumerate()
                .filter(|(_, r)| r["Status"].as_str().is_some_and(|s| s.starts_with("Up")))
                .map(|(k, r)| {
                    json!({
                        "Name": r["Name"],
                        "Group": r["Group"],
                        "IP Address": r["IP Address"],
                        "AP Type": r["AP Type"],
                        "Uptime": r["Status"].as_str().unwrap_or("").trim_start_matches("Up ").to_string(),
                        "Clients": clients(k + 1).to_string(),
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    let n = rows.len();
    json!({
        "_meta": ["Name", "Group", "IP Address", "AP Type", "Uptime", "Clients"],
        "Active AP Table": rows,
        "Num APs": n.to_string(),
        "_global_result": {"status": "0", "status_str": "Success"},
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thirty_aps_in_three_groups_three_down_and_the_fixture_row_first() {
        let db = database();
        let rows = db["AP Database"].as_array().expect("rows");
        assert_eq!(rows.len(), APS);
        assert_eq!(rows[0]["Name"], "AP-01");
        assert_eq!(rows[0]["Serial #"], "AB1234567");
        let down = rows.iter().filter(|r| r["Status"] == "Down").count();
        assert_eq!(down, 3);
        for g in GROUPS {
            assert!(rows.iter().any(|r| r["Group"] == g), "{g}");
        }
        let macs: std::collections::HashSet<&str> = rows
            .iter()
            .filter_map(|r| r["Wired MAC Address"].as_str())
            .collect();
        assert_eq!(macs.len(), APS, "every MAC differs");
        let act = active(&db);
        assert_eq!(act["Num APs"], "27");
    }
}
