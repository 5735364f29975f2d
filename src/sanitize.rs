//! Text from devices made safe for a terminal. A login banner, hostname or error body may
//! hold escape sequences (`ESC ] 52` writes the clipboard, `ESC [2J` clears the screen, a C1
//! `CSI` does the same in one byte); everything `run` and `watch` print goes through here,
//! so those characters are shown escaped instead of acted on.
//!
//! The set: C0 controls (U+0000–U+001F) except newline and tab, DEL (U+007F) and C1
//! controls (U+0080–U+009F). C0 and DEL use caret notation (`^[` for ESC, `^?` for DEL), C1
//! `\u{9b}`. A carriage return right before a newline is dropped (CRLF text would otherwise
//! show `^M` on every line); any other is shown as `^M`, since it could overwrite a line.
//! The dashboard needs none of this: ratatui drops control characters when it draws.

use std::borrow::Cow;
use std::fmt::Write as _;

/// True for the characters a terminal may act on; newline and tab are not among them.
pub fn is_unsafe(c: char) -> bool {
    matches!(c, '\0'..='\x08' | '\x0b'..='\x1f' | '\x7f' | '\u{80}'..='\u{9f}')
}

/// `text` with every unsafe character shown escaped; newlines and tabs kept. Borrowed
/// when there is nothing to escape (the common case).
pub fn for_terminal(text: &str) -> Cow<'_, str> {
    escape(text, false)
}

/// [`for_terminal`] for a one-line message (a `watch` line, an error): newlines and tabs
/// are escaped too, so a device cannot forge a line of output.
pub fn one_line(text: &str) -> Cow<'_, str> {
    escape(text, true)
}

/// Serialized JSON made terminal-safe and still valid, equal JSON: serde escapes C0 in
/// strings but not DEL or C1, which can only occur inside strings, so they become `\u00XX`.
pub fn json(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if is_unsafe(c) {
            let _ = write!(out, "\\u{:04x}", c as u32);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

fn escape(text: &str, line: bool) -> Cow<'_, str> {
    let bad = |c: char| is_unsafe(c) || (line && matches!(c, '\n' | '\t'));
    if !text.chars().any(bad) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\r' && !line && chars.peek() == Some(&'\n') {
            continue;
        }
        if !bad(c) {
            out.push(c);
            continue;
        }
        match c as u32 {
            // ^@ .. ^_ and ^? : the notation `cat -v` and terminals use.
            n @ 0..=0x1f => {
                out.push('^');
                out.push(char::from(b'@' + n as u8));
            }
            0x7f => out.push_str("^?"),
            n => {
                let _ = write!(out, "\\u{{{n:x}}}");
            }
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_are_shown_not_sent() {
        let banner = "hi\x1b]52;c;cHduZWQ=\x07\x1b[2J\x1b]0;owned\x07\u{9b}31mred\x7f\r\n";
        assert_eq!(
            for_terminal(banner),
            "hi^[]52;c;cHduZWQ=^G^[[2J^[]0;owned^G\\u{9b}31mred^?\n"
        );
        assert_eq!(for_terminal("a\rb"), "a^Mb");
        assert_eq!(one_line("a\nb\tc"), "a^Jb^Ic");
        assert!(matches!(for_terminal("plain\ttext\n"), Cow::Borrowed(_)));
    }

    #[test]
    fn json_stays_valid_and_equal() {
        let v = serde_json::json!({"banner": "\x1b[2J\u{9b}x\x7f"});
        let s = serde_json::to_string(&v).expect("json");
        assert!(s.contains('\u{9b}'), "serde leaves C1 raw: {s}");
        let safe = json(&s);
        assert!(!safe.chars().any(is_unsafe), "{safe}");
        let back: serde_json::Value = serde_json::from_str(&safe).expect("still JSON");
        assert_eq!(back, v);
    }
}
