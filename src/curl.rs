//! A described request ([`RequestInfo`]) as one `curl` command line for a POSIX shell.
//! Literal text is single-quoted (`'` written as `'\''`); placeholders are double-quoted
//! shell variables (`"$TOKEN"`), so the shell fills them from the environment and the
//! command never holds a secret (the description has none to begin with).

use crate::drivers::request_info::{Piece, RequestInfo, Template};

/// Single-quote `s` for a POSIX shell.
pub fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// One shell word for a template: quoted literals and `"$VAR"`s side by side.
pub fn word(t: &Template) -> String {
    if t.0.is_empty() {
        return "''".into();
    }
    // Neighbouring literals share one pair of quotes: `'Cookie: id='"$TOKEN"`.
    let mut out = String::new();
    let mut lit: Option<String> = None;
    for p in &t.0 {
        match p {
            Piece::Text(s) => lit.get_or_insert_with(String::new).push_str(s),
            Piece::Var(v) => {
                if let Some(l) = lit.take() {
                    out.push_str(&quote(&l));
                }
                out.push_str(&format!("\"${}\"", v.var()));
            }
        }
    }
    if let Some(l) = lit {
        out.push_str(&quote(&l));
    }
    out
}

/// The request as a `curl` command (one line).
pub fn render(r: &RequestInfo) -> String {
    let mut w: Vec<String> = vec!["curl".into(), "-sS".into()];
    if let Some(ca) = &r.tls.ca_cert {
        w.push("--cacert".into());
        w.push(quote(&ca.to_string_lossy()));
    }
    if r.tls.insecure {
        // The target has verify_tls = false: the copy behaves as netdash did.
        w.push("--insecure".into());
    }
    if let Some((cert, key)) = &r.tls.client_cert {
        w.extend([
            "--cert".into(),
            quote(&cert.to_string_lossy()),
            "--key".into(),
            quote(&key.to_string_lossy()),
        ]);
    }
    w.push("-X".into());
    w.push(quote(&r.method));
    if r.basic_auth {
        w.push("-u".into());
        w.push("\"$NETDASH_USER:$NETDASH_PASSWORD\"".into());
    }
    for (name, value) in &r.headers {
        w.push("-H".into());
        let mut t = Template::text(format!("{name}: "));
        t.0.extend(value.0.iter().cloned());
        w.push(word(&t));
    }
    if let Some(b) = &r.body {
        w.push("--data-raw".into());
        w.push(quote(b));
    }
    w.push(word(&r.url));
    w.join(" ")
}

/// What to set before running the copied command, for the status line.
pub fn needs(r: &RequestInfo) -> String {
    let vars: Vec<String> = r
        .placeholders()
        .iter()
        .map(|p| format!("${}", p.var()))
        .collect();
    let mut s = if vars.is_empty() {
        "needs no credentials".to_string()
    } else {
        format!("set {} first", vars.join(", "))
    };
    if let Some(h) = &r.token_hint
        && r.placeholders()
            .contains(&crate::drivers::request_info::Placeholder::Token)
    {
        s.push_str("; ");
        s.push_str(h);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::drivers::request_info::{Placeholder, TlsInfo};

    fn eos() -> RequestInfo {
        RequestInfo::new(
            "POST",
            Template::text("https://127.0.0.1:8443/command-api"),
            TlsInfo {
                ca_cert: Some("/tmp/it's ca.pem".into()),
                ..TlsInfo::default()
            },
        )
        .header("Content-Type", Template::text("application/json-rpc"))
        .body(Some(r#"{"cmds":["show ver'sion"]}"#.into()))
        .basic()
    }

    #[test]
    fn basic_auth_uses_env_placeholders_and_quotes_single_quotes() {
        let c = render(&eos());
        assert_eq!(
            c,
            r#"curl -sS --cacert '/tmp/it'\''s ca.pem' -X 'POST' -u "$NETDASH_USER:$NETDASH_PASSWORD" -H 'Content-Type: application/json-rpc' --data-raw '{"cmds":["show ver'\''sion"]}' 'https://127.0.0.1:8443/command-api'"#
        );
    }

    #[test]
    fn token_placeholders_are_double_quoted_variables() {
        let r = RequestInfo::new(
            "GET",
            Template::text("https://h/v1/x?UIDARUBA=").var(Placeholder::Token),
            TlsInfo {
                insecure: true,
                ..TlsInfo::default()
            },
        )
        .header("Cookie", Template::text("SESSION=").var(Placeholder::Token));
        let c = render(&r);
        assert!(c.contains(r#"-H 'Cookie: SESSION='"$TOKEN""#), "{c}");
        assert!(c.ends_with(r#"'https://h/v1/x?UIDARUBA='"$TOKEN""#), "{c}");
        assert!(c.contains("--insecure"), "{c}");
        assert_eq!(needs(&r), "set $TOKEN first");
    }

    #[test]
    fn empty_template_is_an_empty_word() {
        assert_eq!(word(&Template::default()), "''");
        assert_eq!(quote(""), "''");
    }
}

/// AOS-CX: the REST URL of a node in the answer to `url`: a collection item's key becomes a
/// path segment (when the request asked for `depth` 2 or more), the next key `attributes=`,
/// and `depth=` 1 for a value, 2 for a container. `None` for the root or an array index.
pub fn aoscx_node_url(url: &str, keys: &[Option<String>], container: bool) -> Option<String> {
    let parsed = url::Url::parse(url).ok()?;
    let q: Vec<(String, String)> = parsed.query_pairs().into_owned().collect();
    let depth: u32 = q
        .iter()
        .find(|(k, _)| k == "depth")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(1);
    let asked: Vec<&str> = q
        .iter()
        .filter(|(k, _)| k == "attributes")
        .flat_map(|(_, v)| v.split(','))
        .collect();
    let mut keys = keys.iter();
    let first = keys.next()?.as_deref()?;
    let mut node = parsed.clone();
    node.set_query(None);
    let attribute = if depth >= 2 && !asked.contains(&first) {
        // Keys of a collection answered at depth 2 are its items' names (`1/1/1`).
        let enc: String = url::form_urlencoded::byte_serialize(first.as_bytes()).collect();
        let path = format!(
            "{}/{}",
            node.path().trim_end_matches('/'),
            enc.replace('+', "%20")
        );
        node.set_path(&path);
        keys.next().and_then(Option::as_deref)
    } else {
        Some(first)
    };
    let depth = if container || attribute.is_none() {
        2
    } else {
        1
    };
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    if let Some(a) = attribute {
        query.append_pair("attributes", a);
    }
    query.append_pair("depth", &depth.to_string());
    node.set_query(Some(&query.finish()));
    Some(node.to_string())
}

#[cfg(test)]
mod aoscx_tests {
    use super::aoscx_node_url;

    #[test]
    fn an_attribute_of_a_resource() {
        let u = "https://h:1/rest/latest/system?attributes=hostname,platform_name";
        assert_eq!(
            aoscx_node_url(u, &[Some("hostname".into())], false).as_deref(),
            Some("https://h:1/rest/latest/system?attributes=hostname&depth=1")
        );
        assert_eq!(aoscx_node_url(u, &[], true), None);
    }

    #[test]
    fn an_item_of_a_collection_at_depth_two() {
        let u = "https://h:1/rest/latest/system/interfaces?depth=2&attributes=name,admin_state";
        assert_eq!(
            aoscx_node_url(
                u,
                &[Some("1/1/1".into()), Some("admin_state".into())],
                false
            )
            .as_deref(),
            Some(
                "https://h:1/rest/latest/system/interfaces/1%2F1%2F1?attributes=admin_state&depth=1"
            )
        );
        assert_eq!(
            aoscx_node_url(u, &[Some("1/1/1".into())], true).as_deref(),
            Some("https://h:1/rest/latest/system/interfaces/1%2F1%2F1?depth=2")
        );
    }
}
