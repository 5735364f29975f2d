//! Reading `ansible-inventory --list` JSON: each host's variables (`_meta.hostvars`) and
//! every group it belongs to, directly or through nested groups (`children`), so a host of
//! `spine` inside `fabric` carries both. The JSON is untrusted: odd shapes are ignored,
//! loops between groups are cut, nothing panics.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde_json::{Map, Value};

/// Groups every host is in, which say nothing about it.
const IMPLICIT: &[&str] = &["all", "ungrouped"];

/// Deepest group nesting followed (Ansible has no limit; real inventories use a handful).
const MAX_DEPTH: usize = 64;

/// One host of the inventory.
#[derive(Debug, Clone, PartialEq)]
pub struct Host {
    pub name: String,
    /// Its variables, as Ansible resolved them (`group_vars` and `host_vars` merged).
    pub vars: Map<String, Value>,
    /// Its groups, nested ones included, sorted; never `all` or `ungrouped`.
    pub groups: Vec<String>,
}

/// Why the output is not an inventory listing.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ListingError {
    #[error("ansible-inventory printed something that is not JSON ({0})")]
    NotJson(String),
    #[error(
        "ansible-inventory printed JSON that is not an inventory listing (no object at the top)"
    )]
    NotAnObject,
}

/// The hosts of a `--list` document, sorted by name.
pub fn parse(bytes: &[u8]) -> Result<Vec<Host>, ListingError> {
    let doc: Value =
        serde_json::from_slice(bytes).map_err(|e| ListingError::NotJson(e.to_string()))?;
    let Value::Object(doc) = doc else {
        return Err(ListingError::NotAnObject);
    };
    Ok(hosts(&doc))
}

/// The hosts of a parsed `--list` document.
pub fn hosts(doc: &Map<String, Value>) -> Vec<Host> {
    let hostvars = doc
        .get("_meta")
        .and_then(|m| m.get("hostvars"))
        .and_then(Value::as_object);
    // Direct groups of each host, and the parents of each group.
    let mut direct: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    let mut parents: HashMap<&str, Vec<&str>> = HashMap::new();
    for (group, body) in doc {
        if group == "_meta" {
            continue;
        }
        for h in strings(body.get("hosts")) {
            direct.entry(h).or_default().insert(group);
        }
        for child in strings(body.get("children")) {
            parents.entry(child).or_default().push(group);
        }
    }
    for name in hostvars.into_iter().flat_map(Map::keys) {
        direct.entry(name).or_default();
    }
    direct
        .into_iter()
        .map(|(name, groups)| Host {
            name: name.to_string(),
            vars: hostvars
                .and_then(|v| v.get(name))
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default(),
            groups: ancestors(&groups, &parents),
        })
        .collect()
}

/// `groups` and every group above them, without the implicit ones.
fn ancestors(groups: &BTreeSet<&str>, parents: &HashMap<&str, Vec<&str>>) -> Vec<String> {
    let mut seen: BTreeSet<&str> = BTreeSet::new();
    let mut level: Vec<&str> = groups.iter().copied().collect();
    for _ in 0..MAX_DEPTH {
        let mut next = Vec::new();
        for g in level {
            // A group met before is not walked again: that is what ends a loop.
            if seen.insert(g) {
                next.extend(parents.get(g).into_iter().flatten().copied());
            }
        }
        if next.is_empty() {
            break;
        }
        level = next;
    }
    seen.into_iter()
        .filter(|g| !IMPLICIT.contains(g))
        .map(str::to_string)
        .collect()
}

/// The strings of a JSON array (anything else: none).
fn strings(v: Option<&Value>) -> impl Iterator<Item = &str> {
    v.and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_groups_reach_their_hosts() {
        let doc = br#"{
            "_meta": {"hostvars": {"s1": {"ansible_host": "10.0.0.1"}, "lonely": {}}},
            "all": {"children": ["ungrouped", "fabric"]},
            "fabric": {"children": ["spine", "leaf"]},
            "spine": {"hosts": ["s1"]},
            "leaf": {"hosts": ["l1"]},
            "ungrouped": {"hosts": ["lonely"]}
        }"#;
        let hosts = parse(doc).expect("parses");
        let names: Vec<&str> = hosts.iter().map(|h| h.name.as_str()).collect();
        assert_eq!(names, ["l1", "lonely", "s1"]);
        assert_eq!(hosts[0].groups, ["fabric", "leaf"]);
        assert!(hosts[0].vars.is_empty());
        assert!(hosts[1].groups.is_empty());
        assert_eq!(hosts[2].groups, ["fabric", "spine"]);
        assert_eq!(hosts[2].vars["ansible_host"], "10.0.0.1");
    }

    #[test]
    fn group_loops_end() {
        let doc = br#"{"a": {"children": ["b"], "hosts": ["h"]}, "b": {"children": ["a"]}}"#;
        let hosts = parse(doc).expect("parses");
        assert_eq!(hosts[0].groups, ["a", "b"]);
    }

    #[test]
    fn odd_shapes_are_ignored_and_garbage_is_an_error() {
        let doc = br#"{"_meta": 3, "g": {"hosts": [1, null, "h"]}, "x": "y"}"#;
        let hosts = parse(doc).expect("parses");
        assert_eq!(hosts.len(), 1);
        assert!(matches!(parse(b"[1]"), Err(ListingError::NotAnObject)));
        assert!(matches!(parse(b"{"), Err(ListingError::NotJson(_))));
    }
}
