//! Ansible variables as netdash reads them. INI inventories make every value a string
//! (`ansible_httpapi_validate_certs=false`, `ansible_httpapi_port=4343`), YAML ones keep
//! types: both forms are accepted, the way Ansible's own `boolean` filter does.

use serde_json::Value;

/// The text of a string or number.
pub fn text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.trim().to_string()).filter(|s| !s.is_empty()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// A boolean as Ansible reads one: `true`/`false`, `yes`/`no`, `on`/`off`, `1`/`0`, `t`/`f`,
/// `y`/`n`, in any case, as a string, a number or a bool.
pub fn boolean(v: &Value) -> Result<bool, String> {
    match v {
        Value::Bool(b) => Ok(*b),
        Value::Number(n) if n.as_f64() == Some(1.0) => Ok(true),
        Value::Number(n) if n.as_f64() == Some(0.0) => Ok(false),
        Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
            "true" | "yes" | "on" | "1" | "t" | "y" => Ok(true),
            "false" | "no" | "off" | "0" | "f" | "n" => Ok(false),
            _ => Err(format!("{s:?} is not true or false")),
        },
        other => Err(format!("{} is not true or false", kind_of(other))),
    }
}

/// A TCP port, 1 to 65535, from a number or a string of digits.
pub fn port(v: &Value) -> Result<u16, String> {
    let n = match v {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse::<u64>().ok(),
        _ => None,
    };
    n.and_then(|n| u16::try_from(n).ok())
        .filter(|&p| p > 0)
        .ok_or_else(|| format!("{} is not a port (1 to 65535)", shown(v)))
}

/// A whole number of seconds, clamped to a day (as the config file's idle timeouts are).
pub fn seconds(v: &Value) -> Result<u64, String> {
    let n = match v {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse::<u64>().ok(),
        _ => None,
    };
    n.map(|n| n.clamp(1, 86_400))
        .ok_or_else(|| format!("{} is not a number of seconds", shown(v)))
}

/// A list of names: an array of strings or numbers, or one comma-separated string.
pub fn names(v: &Value) -> Vec<String> {
    match v {
        Value::Array(items) => items.iter().filter_map(text).collect(),
        Value::String(s) => s
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect(),
        Value::Number(_) => text(v).into_iter().collect(),
        _ => Vec::new(),
    }
}

/// True for a value Ansible Vault encrypted (`!vault |` in YAML): `--list` prints it as
/// `{"__ansible_vault": "$ANSIBLE_VAULT;..."}` without decrypting it.
pub fn is_vaulted(v: &Value) -> bool {
    v.as_object()
        .is_some_and(|o| o.contains_key("__ansible_vault"))
}

/// True for a string holding a Jinja expression (`"{{ vault_pw }}"`): `--list` prints
/// templates as written; only a playbook run evaluates them.
pub fn is_template(v: &Value) -> bool {
    v.as_str()
        .is_some_and(|s| s.contains("{{") || s.contains("{%"))
}

/// A short description of a value for messages: strings and numbers as written (they are
/// never secrets here), anything else by its type.
fn shown(v: &Value) -> String {
    match v {
        Value::String(s) => format!("{:?}", s.chars().take(40).collect::<String>()),
        Value::Number(n) => n.to_string(),
        other => kind_of(other).to_string(),
    }
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a mapping",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn strings_and_typed_values_agree() {
        for (v, want) in [
            (json!(false), false),
            (json!("false"), false),
            (json!("No"), false),
            (json!(0), false),
            (json!(true), true),
            (json!("yes"), true),
            (json!("True"), true),
            (json!(1), true),
        ] {
            assert_eq!(boolean(&v), Ok(want), "{v}");
        }
        assert!(boolean(&json!("maybe")).is_err());
        assert!(boolean(&json!([1])).is_err());
        assert_eq!(port(&json!(443)), Ok(443));
        assert_eq!(port(&json!("4343")), Ok(4343));
        for bad in [
            json!(0),
            json!(70000),
            json!("x"),
            json!(-1),
            json!(4.5),
            json!(null),
        ] {
            assert!(port(&bad).is_err(), "{bad}");
        }
        assert_eq!(seconds(&json!("99999999999999")), Ok(86_400));
        assert_eq!(names(&json!("a, b,,c")), ["a", "b", "c"]);
        assert_eq!(names(&json!(["a", 3, null])), ["a", "3"]);
        assert!(is_vaulted(
            &json!({"__ansible_vault": "$ANSIBLE_VAULT;1.1;AES256\n..."})
        ));
        assert!(!is_vaulted(&json!("plain")));
    }
}
