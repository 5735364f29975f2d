//! The built-in shapes to hide: IPv4 (whole and cut at a cell edge), IPv6, MAC addresses
//! and the value after a "serial" label. Each scanner adds byte ranges of one line.
//!
//! Regexes find candidates; the rules that tell an address from a version (`4.28.0F`,
//! `8.10.0.6_87123`, `10.13.1000`) or a time (`16:36:37`) look at the characters around a
//! match, which the `regex` crate cannot (no look-around).

use std::ops::Range;
use std::sync::LazyLock;

use regex::Regex;

use super::GLYPH;

fn re(pattern: &str) -> Regex {
    // Constant patterns, checked by the unit tests: they cannot fail at run time.
    Regex::new(pattern).expect("built-in mask pattern compiles")
}

/// Dotted decimals: 2 to 4 groups of 1-3 digits, maybe a trailing dot (a cut address).
static V4: LazyLock<Regex> = LazyLock::new(|| re(r"[0-9]{1,3}(?:\.[0-9]{1,3}){1,3}\.?"));
/// Hex groups joined by at least two colons (IPv6, and colon MACs).
static V6: LazyLock<Regex> = LazyLock::new(|| re(r"[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}"));
/// `aa-bb-cc-dd-ee-ff` and `aa:bb:cc:dd:ee:ff`, any case.
static MAC: LazyLock<Regex> = LazyLock::new(|| re(r"(?i)[0-9a-f]{2}(?:[:-][0-9a-f]{2}){5}"));
/// A dashed MAC cut short: masked only where a cell ends.
static MAC_CUT: LazyLock<Regex> = LazyLock::new(|| re(r"(?i)[0-9a-f]{2}(?:-[0-9a-f]{1,2}){2,5}-?"));
/// Cisco's `aabb.ccdd.eeff`.
static MAC_DOTTED: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?i)[0-9a-f]{4}\.[0-9a-f]{4}\.[0-9a-f]{4}"));
/// A label with "serial" in it (`serialNumber`, `Serial number:`, `Serial #:`,
/// `serial_no =`), quotes and separators, then the value (group 1).
static SERIAL_LABEL: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r#"(?i)serial[a-z_]*(?:[ \t]+(?:number|num|no\.?|#))?["']?[ \t:=#"']*([A-Za-z0-9][A-Za-z0-9_./-]*)"#,
    )
});

/// A character that would make the match part of a longer word or number. The mask glyph
/// counts as one: it may stand for anything, which keeps masking idempotent.
pub(super) fn opaque(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == GLYPH
}

/// Where a table cell or a pane ends: an ellipsis, a border, the end of the row. A value
/// cut here may be the start of an address.
pub(super) fn edge(c: Option<char>) -> bool {
    match c {
        None => true,
        Some(c) => c == '…' || ('\u{2500}'..='\u{257F}').contains(&c),
    }
}

fn before(text: &str, at: usize) -> Option<char> {
    text.get(..at).and_then(|t| t.chars().next_back())
}

fn after(text: &str, at: usize) -> Option<char> {
    text.get(at..).and_then(|t| t.chars().next())
}

/// IPv4 addresses, and their starts where a cell cut them (`10.20.30.`, `10.20.30…`).
pub fn ipv4(text: &str, out: &mut Vec<Range<usize>>) {
    if !text.contains('.') {
        return;
    }
    for m in V4.find_iter(text) {
        let (s, e) = (m.start(), m.end());
        if before(text, s).is_some_and(|c| opaque(c) || c == '.') {
            continue;
        }
        let body = m.as_str();
        let trailing = body.ends_with('.');
        let core = body.trim_end_matches('.');
        if core
            .split('.')
            .any(|o| o.parse::<u16>().map_or(true, |v| v > 255))
        {
            continue;
        }
        let groups = core.split('.').count();
        let next = after(text, e);
        let digit_next = next.is_some_and(|c| c.is_ascii_digit() || c == GLYPH);
        let hide = match (groups, trailing) {
            // A version has letters or `_` after its fourth group (`8.10.0.6_87123`).
            (4, false) => !next.is_some_and(opaque),
            // `1.2.3.4.5` is a version; `1.2.3.4.` ends a sentence; `10.20.30.` is an
            // address cut after its third dot.
            (3 | 4, true) => !digit_next,
            // Cut at a cell edge: `10.20.30…`. A version cut right there (`4.28.0│`) is
            // masked too; `4.28.0F` and `9.18(2)` are not (a letter, one dot). Two groups
            // cut (`10.20.…`) are left: every version column would lose its numbers.
            (3, false) => edge(next),
            _ => false,
        };
        if hide {
            out.push(s..e);
        }
    }
}

/// IPv6 addresses (`::` or at least five colons) and colon-separated MACs; a colon form
/// cut at a cell edge if it cannot be a time (hex letters, `::` or three colons).
pub fn ipv6(text: &str, out: &mut Vec<Range<usize>>) {
    if !text.contains(':') {
        return;
    }
    for m in V6.find_iter(text) {
        let (s, e) = (m.start(), m.end());
        let prev = before(text, s);
        let next = after(text, e);
        if prev.is_some_and(|c| opaque(c) || c == '.') || next.is_some_and(opaque) {
            continue;
        }
        let body = m.as_str();
        if !body.bytes().any(|b| b.is_ascii_hexdigit()) {
            continue;
        }
        let colons = body.bytes().filter(|&b| b == b':').count();
        let double = body.contains("::");
        let letters = body.bytes().any(|b| b.is_ascii_alphabetic());
        let whole = double || colons >= 5;
        let cut = edge(next) && (letters || colons >= 3);
        if whole || cut {
            out.push(s..e);
        }
    }
}

/// MAC addresses in dashed and dotted forms (the colon form is found by [`ipv6`] too).
pub fn mac(text: &str, out: &mut Vec<Range<usize>>) {
    let free = |c: Option<char>, sep: &[char]| !c.is_some_and(|c| opaque(c) || sep.contains(&c));
    if text.contains(':') || text.contains('-') {
        for m in MAC.find_iter(text) {
            if free(before(text, m.start()), &[':', '-']) && free(after(text, m.end()), &[':', '-'])
            {
                out.push(m.range());
            }
        }
    }
    if text.contains('-') {
        for m in MAC_CUT.find_iter(text) {
            if free(before(text, m.start()), &['-']) && edge(after(text, m.end())) {
                out.push(m.range());
            }
        }
    }
    if text.contains('.') {
        for m in MAC_DOTTED.find_iter(text) {
            if free(before(text, m.start()), &['.']) && free(after(text, m.end()), &['.']) {
                out.push(m.range());
            }
        }
    }
}

/// The value after a "serial" label on the same line, if it has a digit (so that a
/// header row `name  serial  site` keeps its words).
pub fn serial_label(text: &str, out: &mut Vec<Range<usize>>) {
    // Most rows have no label: a cheap test before the regex.
    if !contains_serial(text) {
        return;
    }
    for c in SERIAL_LABEL.captures_iter(text) {
        if let Some(v) = c.get(1)
            && v.len() >= 3
            && v.as_str().bytes().any(|b| b.is_ascii_digit())
        {
            out.push(v.range());
        }
    }
}

/// A "serial" column header (`Serial Number`, `Serial #`, `serial`) with no value of its
/// own after it on the line: the values are in the rows below (text tables such as
/// `show inventory`, or a table pane's serial column).
static SERIAL_HEADER: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?i)\bserial(?:[ _-]?(?:number|num|no\.?|#))?(?:[^A-Za-z0-9_]|$)"));

/// Byte ranges of serial column headers in `text`.
pub fn serial_headers(text: &str) -> Vec<Range<usize>> {
    if !contains_serial(text) {
        return Vec::new();
    }
    let mut labelled = Vec::new();
    serial_label(text, &mut labelled);
    SERIAL_HEADER
        .find_iter(text)
        .map(|m| {
            m.start()
                ..m.start()
                    + m.as_str()
                        .trim_end_matches(|c: char| !c.is_alphanumeric() && c != '#')
                        .len()
        })
        // A label followed by its value is no header.
        .filter(|h| {
            !labelled.iter().any(|v| {
                v.start >= h.end
                    && text[h.end..v.start]
                        .trim_matches(|c: char| " \t:=#\"'".contains(c))
                        .is_empty()
            })
        })
        .collect()
}

fn contains_serial(text: &str) -> bool {
    let b = text.as_bytes();
    memchr::memchr2_iter(b's', b'S', b).any(|i| {
        b.get(i..i + 6)
            .is_some_and(|w| w.eq_ignore_ascii_case(b"serial"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hidden(f: fn(&str, &mut Vec<Range<usize>>), text: &str) -> Vec<String> {
        let mut v = Vec::new();
        f(text, &mut v);
        v.into_iter().map(|r| text[r].to_string()).collect()
    }

    #[test]
    fn every_builtin_pattern_compiles() {
        for r in [&V4, &V6, &MAC, &MAC_CUT, &MAC_DOTTED, &SERIAL_LABEL] {
            assert!(!r.as_str().is_empty());
        }
    }

    #[test]
    fn ipv4_whole_cut_and_not_versions() {
        assert_eq!(hidden(ipv4, "host 10.0.0.1:443 up"), ["10.0.0.1"]);
        assert_eq!(hidden(ipv4, "net 192.168.1.0/24."), ["192.168.1.0"]);
        assert_eq!(hidden(ipv4, "at 10.0.0.1."), ["10.0.0.1."]);
        assert_eq!(hidden(ipv4, "│10.20.30.│"), ["10.20.30."]);
        assert_eq!(hidden(ipv4, " 10.20.30. x"), ["10.20.30."]);
        assert_eq!(hidden(ipv4, " 10.20.30…"), ["10.20.30"]);
        assert_eq!(hidden(ipv4, " 10.20.30"), ["10.20.30"]);
        for keep in [
            "EOS 4.28.0F up",
            "ASA 9.18(2) x",
            "GL.10.13.1000 x",
            "10.13.1000 x",
            "ArubaOS 8.10.0.6_87123 x",
            "1.2.3.4.5 x",
            "1.2.3.4a x",
            "999.1.1.1 x",
            "4.28.0 x",
            "DCS-7050SX3 4.28.│",
            " 10.20.…",
            "at 16:36:37 on 2026-11-30 x",
            "30.11.2026 x",
        ] {
            assert!(hidden(ipv4, keep).is_empty(), "{keep}");
        }
    }

    #[test]
    fn ipv6_and_times() {
        assert_eq!(hidden(ipv6, "addr fe80::1%eth0"), ["fe80::1"]);
        assert_eq!(
            hidden(ipv6, "[2001:db8::8a2e:370:7334]:443"),
            ["2001:db8::8a2e:370:7334"]
        );
        assert_eq!(
            hidden(ipv6, "x 2001:0db8:0:0:0:0:2:1 y"),
            ["2001:0db8:0:0:0:0:2:1"]
        );
        assert_eq!(hidden(ipv6, "mac 00:1A:2b:3c:4d:5e"), ["00:1A:2b:3c:4d:5e"]);
        assert_eq!(hidden(ipv6, " 2001:db8:85a3…"), ["2001:db8:85a3"]);
        for keep in [
            "at 16:36:37 UTC",
            "16:36:37",
            "a: b: c",
            "std::io",
            "uptime 1:02:03│",
        ] {
            assert!(hidden(ipv6, keep).is_empty(), "{keep}");
        }
    }

    #[test]
    fn macs_in_three_forms_any_case() {
        assert_eq!(hidden(mac, "x AA-BB-CC-dd-ee-ff y"), ["AA-BB-CC-dd-ee-ff"]);
        assert_eq!(hidden(mac, "x aa:bb:cc:dd:ee:ff"), ["aa:bb:cc:dd:ee:ff"]);
        assert_eq!(hidden(mac, "x AABB.ccdd.EEFF y"), ["AABB.ccdd.EEFF"]);
        assert_eq!(hidden(mac, "x aa-bb-cc-d…"), ["aa-bb-cc-d"]);
        for keep in [
            "2026-11-30 x",
            "aa-bb-cc-dd-ee x",
            "aa:bb:cc:dd:ee:ff:00",
            "abcd.ef01",
        ] {
            assert!(hidden(mac, keep).is_empty(), "{keep}");
        }
    }

    #[test]
    fn serial_headers_without_values() {
        let h = |t: &str| {
            serial_headers(t)
                .into_iter()
                .map(|r| t[r].to_string())
                .collect::<Vec<_>>()
        };
        assert_eq!(
            h("  Slot Model            Serial Number"),
            ["Serial Number"]
        );
        assert_eq!(h("Name   Serial #   AP Type"), ["Serial #"]);
        assert_eq!(h("name  serial  site"), ["serial"]);
        assert!(h("Serial number:  JPE14080457").is_empty());
        assert!(h(r#""serialNumber": "JPE14080457""#).is_empty());
        assert!(h("counters, serials)").is_empty());
        assert!(h("deserialize").is_empty());
    }

    #[test]
    fn serial_values_after_labels() {
        assert_eq!(
            hidden(serial_label, r#""serialNumber": "JPE14080457","#),
            ["JPE14080457"]
        );
        assert_eq!(
            hidden(serial_label, "Serial number:  JPE14080457"),
            ["JPE14080457"]
        );
        assert_eq!(hidden(serial_label, "Serial #: AB1234567"), ["AB1234567"]);
        assert_eq!(hidden(serial_label, "serial  CN12345678"), ["CN12345678"]);
        assert_eq!(
            hidden(serial_label, "serial_number = 'SG9ZK1Z05K'"),
            ["SG9ZK1Z05K"]
        );
        assert_eq!(
            hidden(serial_label, "  serialNumber: \"LAB00000001\""),
            ["LAB00000001"]
        );
        assert!(hidden(serial_label, "name  serial  site").is_empty());
        assert!(hidden(serial_label, "no label CN12345678").is_empty());
    }
}
