//! A Mobility Conductor's AP database as the shared AP model: `show ap database long`
//! (name, AP group, type, IP, status with uptime, wired MAC, serial) and `show ap active`
//! (clients of the APs that are up), both `showcommand` JSON. Pure and total: any JSON
//! gives a list (possibly empty), never a panic; rows and text are bounded.

use std::collections::HashMap;

use serde_json::{Map, Value};

use super::messages::AccessPoint;

/// The commands one Conductor poll sends, in order (two calls in the device's session).
pub const DATABASE_COMMAND: &str = "show ap database long";
pub const ACTIVE_COMMAND: &str = "show ap active";

/// At most this many APs per Conductor (a wall screen's memory stays bounded).
pub const MAX_ROWS: usize = 100_000;
/// At most this many characters of any one field (a device could send megabytes).
pub const MAX_FIELD: usize = 128;
/// More clients than any AP serves: a larger count is clamped to it.
pub const MAX_CLIENTS: u64 = 10_000;

/// The table of a `showcommand` answer: the array under `title`, or else the first array
/// of objects under a key that is not one of the envelope's (`_meta`, `_data`, ...).
fn table<'a>(out: &'a Value, title: &str) -> impl Iterator<Item = &'a Map<String, Value>> {
    let rows = out.get(title).and_then(Value::as_array).or_else(|| {
        out.as_object()?
            .iter()
            .filter(|(k, _)| !k.starts_with('_'))
            .filter_map(|(_, v)| v.as_array())
            .find(|a| a.iter().any(Value::is_object))
    });
    rows.into_iter()
        .flatten()
        .filter_map(Value::as_object)
        .take(MAX_ROWS)
}

/// One cell as bounded, single-line text (numbers as written, anything else empty).
fn cell(row: &Map<String, Value>, names: &[&str]) -> String {
    let raw = names.iter().find_map(|n| row.get(*n)).map(|v| match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        _ => String::new(),
    });
    let raw = raw.unwrap_or_default();
    let line = crate::sanitize::one_line(raw.trim());
    line.chars().take(MAX_FIELD).collect()
}

/// "Up 1d:2h:3m" and "up" are up; "Down", "Down (Reboot)" and anything else are not.
pub fn is_up(status: &str) -> bool {
    status
        .trim_start()
        .get(..2)
        .is_some_and(|w| w.eq_ignore_ascii_case("up"))
}

/// A client count as a device writes it ("12", 12, " 3 "), clamped; None if it is not one.
fn clients_of(v: Option<&Value>) -> Option<u64> {
    let n = match v? {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse::<u64>().ok(),
        _ => None,
    }?;
    Some(n.min(MAX_CLIENTS))
}

/// APs of a `show ap database long` answer. `firmware` is the Conductor's version: the
/// database does not say which image each AP runs.
pub fn parse_database(out: &Value, firmware: &str) -> Vec<AccessPoint> {
    let firmware: String = firmware.chars().take(MAX_FIELD).collect();
    table(out, "AP Database")
        .map(|row| AccessPoint {
            name: cell(row, &["Name", "AP Name"]),
            serial: cell(row, &["Serial #", "Serial", "Serial Number"]),
            site: cell(row, &["Group", "AP Group"]),
            model: cell(row, &["AP Type", "Model"]),
            ip: cell(row, &["IP Address", "IP"]),
            mac: cell(row, &["Wired MAC Address", "Wired MAC", "MAC Address"]),
            up: is_up(&cell(row, &["Status"])),
            clients: None,
            firmware: firmware.clone(),
        })
        .filter(|ap| !ap.name.is_empty())
        .collect()
}

/// Clients per AP name from a `show ap active` answer.
pub fn parse_active(out: &Value) -> HashMap<String, u64> {
    table(out, "Active AP Table")
        .filter_map(|row| {
            let name = cell(row, &["Name", "AP Name"]);
            let n = clients_of(row.get("Clients").or_else(|| row.get("Client Count")))?;
            (!name.is_empty()).then_some((name, n))
        })
        .collect()
}

/// Clients where `show ap active` knows them: an AP listed there gets its count, a down
/// AP has none (0, known), an up AP missing from the list stays unknown.
pub fn merge_clients<S: std::hash::BuildHasher>(
    aps: &mut [AccessPoint],
    active: &HashMap<String, u64, S>,
) {
    for ap in aps {
        ap.clients = match active.get(&ap.name) {
            Some(&n) => Some(n),
            None if !ap.up => Some(0),
            None => None,
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    fn fixture() -> Value {
        serde_json::from_str(include_str!(
            "../lab/fixtures/mobility/SYNTHETIC_hpe-networking-mcp_show_ap_database.json"
        ))
        .expect("fixture")
    }

    #[test]
    fn the_synthetic_fixture_maps_to_the_ap_model() {
        let aps = parse_database(&fixture(), "8.10.0.7");
        assert_eq!(
            aps,
            vec![AccessPoint {
                name: "AP-01".into(),
                serial: "AB1234567".into(),
                site: "default".into(),
                model: "535".into(),
                ip: "10.1.0.50".into(),
                mac: "00:1a:1e:00:00:01".into(),
                up: true,
                clients: None,
                firmware: "8.10.0.7".into(),
            }]
        );
    }

    #[test]
    fn status_words() {
        assert!(is_up("Up 43d:0h:23m:54s"));
        assert!(is_up("up"));
        assert!(!is_up("Down"));
        assert!(!is_up("Down (Reboot)"));
        assert!(!is_up(""));
        assert!(!is_up("U"));
        // Not a char boundary at 2: must not panic.
        assert!(!is_up("ü"));
    }

    #[test]
    fn clients_from_show_ap_active_and_down_aps_have_none() {
        let db = json!({"AP Database": [
            {"Name": "a", "Status": "Up 1m"},
            {"Name": "b", "Status": "Down"},
            {"Name": "c", "Status": "Up 2m"},
            {"Name": "", "Status": "Up"},
        ]});
        let active = json!({"_meta": ["Name", "Clients"], "Active AP Table": [
            {"Name": "a", "Clients": "12"},
            {"Name": "x", "Clients": 99_999_999},
            {"Name": "c", "Clients": "many"},
        ]});
        let mut aps = parse_database(&db, "8.10");
        assert_eq!(aps.len(), 3, "a row without a name is dropped");
        let act = parse_active(&active);
        assert_eq!(act.get("x"), Some(&MAX_CLIENTS), "clamped");
        merge_clients(&mut aps, &act);
        let c: Vec<Option<u64>> = aps.iter().map(|a| a.clients).collect();
        assert_eq!(c, vec![Some(12), Some(0), None]);
    }

    #[test]
    fn fields_are_one_bounded_line() {
        let long = "x".repeat(10_000);
        let db = json!({"AP Database": [{"Name": format!("ap\x1b[2J\n{long}"), "Status": "Up"}]});
        let aps = parse_database(&db, &long);
        let ap = aps.first().expect("one AP");
        assert_eq!(ap.name.chars().count(), MAX_FIELD);
        assert!(!ap.name.contains('\x1b') && !ap.name.contains('\n'));
        assert_eq!(ap.firmware.chars().count(), MAX_FIELD);
    }

    #[test]
    fn a_table_under_another_title_is_found() {
        let db =
            json!({"_meta": ["Name"], "AP Database (long)": [{"Name": "z", "Status": "Down"}]});
        assert_eq!(parse_database(&db, "")[0].name, "z");
        assert!(parse_database(&json!({"_data": ["no table"]}), "").is_empty());
        assert!(parse_database(&json!([1, 2]), "").is_empty());
    }

    fn any_json() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(|n| json!(n)),
            any::<u64>().prop_map(|n| json!(n)),
            ".{0,12}".prop_map(Value::String),
            prop_oneof![Just("Up 1d"), Just("Down"), Just("up"), Just("")].prop_map(|s| json!(s)),
        ];
        leaf.prop_recursive(4, 64, 8, |inner| {
            let key = prop_oneof![
                Just("AP Database".to_string()),
                Just("Active AP Table".to_string()),
                Just("Name".to_string()),
                Just("Status".to_string()),
                Just("Clients".to_string()),
                Just("_meta".to_string()),
                ".{0,6}",
            ];
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..8).prop_map(Value::Array),
                prop::collection::vec((key, inner), 0..8)
                    .prop_map(|kv| Value::Object(kv.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #[test]
        fn never_panics_and_stays_bounded(v in any_json(), fw in ".{0,300}") {
            let mut aps = parse_database(&v, &fw);
            let act = parse_active(&v);
            merge_clients(&mut aps, &act);
            prop_assert!(aps.len() <= MAX_ROWS);
            for ap in &aps {
                prop_assert!(!ap.name.is_empty());
                for f in [&ap.name, &ap.site, &ap.model, &ap.ip, &ap.mac, &ap.serial, &ap.firmware] {
                    prop_assert!(f.chars().count() <= MAX_FIELD);
                    prop_assert!(!f.contains('\n'));
                }
                prop_assert!(ap.clients.is_none_or(|c| c <= MAX_CLIENTS));
                if !ap.up { prop_assert_eq!(ap.clients.unwrap_or(0), act.get(&ap.name).copied().unwrap_or(0)); }
            }
        }

        #[test]
        fn every_named_row_is_kept_in_order(names in prop::collection::vec("[a-z]{1,8}", 0..50), up in prop::collection::vec(any::<bool>(), 50)) {
            let rows: Vec<Value> = names.iter().zip(&up).map(|(n, u)| json!({"Name": n, "Status": if *u { "Up 3m" } else { "Down" }})).collect();
            let aps = parse_database(&json!({"AP Database": rows}), "v");
            let got: Vec<(&str, bool)> = aps.iter().map(|a| (a.name.as_str(), a.up)).collect();
            let want: Vec<(&str, bool)> = names.iter().map(String::as_str).zip(up.iter().copied()).collect();
            prop_assert_eq!(got, want);
        }
    }
}
