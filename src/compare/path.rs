//! jq paths: the segments of a place in a JSON value (`.interfaces."Ethernet1/1".mtu`),
//! written the way jq (and the explorer) writes them, and read back.

use std::fmt::Write as _;

/// One step into a JSON value.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Seg {
    Key(String),
    Index(usize),
}

/// Whether `key` can be written `.key` (jq's identifier rule); others are `."key"`.
fn is_ident(key: &str) -> bool {
    let mut chars = key.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// A key as one jq path step, as the explorer writes it: `.mtu` or `."Ethernet1/1"`.
pub fn push_key(out: &mut String, key: &str) {
    out.push('.');
    if is_ident(key) {
        out.push_str(key);
    } else {
        // A JSON string literal is jq's own quoting, escapes included.
        out.push_str(&serde_json::Value::String(key.to_string()).to_string());
    }
}

/// `segs` as a jq path; the root is `.`.
pub fn render(segs: &[Seg]) -> String {
    if segs.is_empty() {
        return ".".into();
    }
    let mut out = String::new();
    // jq paths start with a dot: `.[0]`, not `[0]`.
    if matches!(segs.first(), Some(Seg::Index(_))) {
        out.push('.');
    }
    for s in segs {
        match s {
            Seg::Key(k) => push_key(&mut out, k),
            Seg::Index(i) => {
                let _ = write!(out, "[{i}]");
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_that_are_not_identifiers_are_quoted() {
        let p = [
            Seg::Key("interfaces".into()),
            Seg::Key("Ethernet1".into()),
            Seg::Key("mtu".into()),
        ];
        assert_eq!(render(&p), ".interfaces.Ethernet1.mtu");
        let p = [Seg::Key("Ethernet1/1".into()), Seg::Index(3)];
        assert_eq!(render(&p), r#"."Ethernet1/1"[3]"#);
        assert_eq!(render(&[]), ".");
        assert_eq!(render(&[Seg::Index(0), Seg::Key("a".into())]), ".[0].a");
        assert_eq!(render(&[Seg::Key("a\"b".into())]), r#"."a\"b""#);
    }
}
