//! The privacy mask (`--mask`, `:mask`, `[mask]`): which parts of a line of screen text
//! to hide (IP and MAC addresses, serial numbers, the user's patterns) so the screen can be
//! shared. Pure text in, byte ranges out; `screen.rs` applies it to a drawn frame, after
//! every pane has drawn, so no pane needs to know. Only the screen is masked: `run --json`,
//! `watch`, CSV and the clipboard carry the real values.

mod known;
mod patterns;
pub mod screen;

use std::ops::Range;
use std::sync::Arc;

use regex::Regex;

pub use known::{KNOWN_SERIALS_MAX, KnownSerials};

/// What a masked character becomes (one per column it took, so the layout stays).
pub const GLYPH: char = '•';

/// A `[mask] patterns` entry that is not a regex.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("[mask] pattern {pattern:?} is not a valid regex: {reason}; fix or remove it")]
pub struct PatternError {
    pub pattern: String,
    pub reason: String,
}

/// The rules, compiled once: built-in shapes plus the user's regexes.
#[derive(Debug, Clone, Default)]
pub struct Masker {
    user: Vec<Regex>,
}

impl Masker {
    /// The built-in rules and `patterns` (regex syntax of the `regex` crate).
    pub fn new(patterns: &[String]) -> Result<Masker, PatternError> {
        let user = patterns
            .iter()
            .map(|p| {
                Regex::new(p).map_err(|e| PatternError {
                    pattern: p.clone(),
                    reason: one_line(&e),
                })
            })
            .collect::<Result<_, _>>()?;
        Ok(Masker { user })
    }

    /// The byte ranges of `line` to hide, sorted and merged.
    pub fn ranges(&self, line: &str, known: &KnownSerials) -> Vec<Range<usize>> {
        let mut v = Vec::new();
        patterns::ipv4(line, &mut v);
        // A dotted-quad start of a known version (cut by its column) is that version.
        v.retain(|r| !known.is_version_start(&line[r.clone()]));
        patterns::ipv6(line, &mut v);
        patterns::mac(line, &mut v);
        patterns::serial_label(line, &mut v);
        known_words(line, known, &mut v);
        for r in &self.user {
            // An empty match (`a*`) hides nothing.
            v.extend(
                r.find_iter(line)
                    .map(|m| m.range())
                    .filter(|r| !r.is_empty()),
            );
        }
        merge(v)
    }

    /// `line` with what [`Masker::ranges`] finds replaced by [`GLYPH`]s of the same width.
    pub fn mask_text(&self, line: &str, known: &KnownSerials) -> String {
        let ranges = self.ranges(line, known);
        if ranges.is_empty() {
            return line.to_string();
        }
        let mut out = String::with_capacity(line.len());
        let mut at = 0;
        for r in ranges {
            out.push_str(&line[at..r.start]);
            let w = unicode_width::UnicodeWidthStr::width(&line[r.clone()]);
            out.extend(std::iter::repeat_n(GLYPH, w));
            at = r.end;
        }
        out.push_str(&line[at..]);
        out
    }
}

/// The regex crate's message is several lines (the pattern, a caret, `error: ...`): keep
/// the reason.
fn one_line(e: &regex::Error) -> String {
    let text = e.to_string();
    text.lines()
        .rev()
        .find_map(|l| l.trim().strip_prefix("error: "))
        .map_or_else(
            || text.lines().next().unwrap_or("").trim().to_string(),
            str::to_string,
        )
}

/// Whole words that are learned serials, and words a cell cut that begin one.
fn known_words(line: &str, known: &KnownSerials, out: &mut Vec<Range<usize>>) {
    if known.is_empty() {
        return;
    }
    // The glyph joins words: a word next to a masked part was not whole on the first pass
    // either, which keeps masking idempotent.
    let joins = |c: char| known::word_char(c) || c == GLYPH;
    let mut start = None;
    for (i, c) in line
        .char_indices()
        .chain(std::iter::once((line.len(), ' ')))
    {
        match (start, joins(c) && i < line.len()) {
            (None, true) => start = Some(i),
            (Some(s), false) => {
                start = None;
                let word = &line[s..i];
                if known.contains(word)
                    || (patterns::edge(line[i..].chars().next()) && known.has_prefix(word))
                {
                    out.push(s..i);
                }
            }
            _ => {}
        }
    }
}

fn merge(mut v: Vec<Range<usize>>) -> Vec<Range<usize>> {
    v.sort_unstable_by_key(|r| r.start);
    let mut out: Vec<Range<usize>> = Vec::with_capacity(v.len());
    for r in v {
        match out.last_mut() {
            Some(last) if r.start <= last.end => last.end = last.end.max(r.end),
            _ => out.push(r),
        }
    }
    out
}

/// The dashboard's mask: on or off, the rules, and the serials learned so far.
#[derive(Debug, Clone, Default)]
pub struct MaskState {
    pub on: bool,
    pub masker: Arc<Masker>,
    pub known: KnownSerials,
}

impl MaskState {
    pub fn new(on: bool, masker: Masker) -> MaskState {
        MaskState {
            on,
            masker: Arc::new(masker),
            known: KnownSerials::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn mask(line: &str) -> String {
        let mut k = KnownSerials::default();
        k.learn("CNF0100001");
        let m = Masker::new(&["(?i)acme-\\w+".to_string()]).expect("valid");
        m.mask_text(line, &k)
    }

    #[test]
    fn masks_addresses_serials_and_user_patterns_keeps_versions() {
        assert_eq!(
            mask("lab-eos-01 127.0.0.1:8443 4.28.0F 16:36:37"),
            "lab-eos-01 •••••••••:8443 4.28.0F 16:36:37"
        );
        assert_eq!(mask("ap CNF0100001 up"), "ap •••••••••• up");
        assert_eq!(mask("ap CNF0100001X up"), "ap CNF0100001X up");
        assert_eq!(mask("│CNF010…│"), "│••••••…│");
        assert_eq!(mask("site ACME-Dublin ok"), "site ••••••••••• ok");
        assert_eq!(
            mask("8.10.0.6_87123 9.18(2) 10.13.1000 2026-11-30"),
            "8.10.0.6_87123 9.18(2) 10.13.1000 2026-11-30"
        );
    }

    #[test]
    fn a_bad_pattern_is_named_with_the_reason_on_one_line() {
        let e = Masker::new(&["ok".into(), "(?i)acme-(".into()]).expect_err("unclosed group");
        let m = e.to_string();
        assert!(m.contains("\"(?i)acme-(\""), "{m}");
        assert!(m.contains("unclosed group"), "{m}");
        assert_eq!(m.lines().count(), 1, "{m}");
    }

    #[test]
    fn a_known_version_cut_by_its_column_stays_readable() {
        let m = Masker::new(&[]).expect("valid");
        let mut k = KnownSerials::default();
        let row = "│ArubaMC-VA 8.10.0.7│ 10.1.0.50│";
        assert_eq!(
            m.mask_text(row, &k),
            "│ArubaMC-VA ••••••••│ •••••••••│",
            "unknown: looks like a cut address"
        );
        k.learn_version("8.10.0.7_87123");
        assert_eq!(m.mask_text(row, &k), "│ArubaMC-VA 8.10.0.7│ •••••••••│");
    }

    #[test]
    fn wide_characters_keep_their_width() {
        let k = KnownSerials::default();
        let m = Masker::new(&["漢字".into()]).expect("valid");
        assert_eq!(m.mask_text("名 漢字 10.0.0.1", &k), "名 •••• ••••••••");
    }

    fn width(s: &str) -> usize {
        unicode_width::UnicodeWidthStr::width(s)
    }

    /// Screen-like text: addresses, versions, times, words, wide characters, borders.
    fn screenish() -> impl Strategy<Value = String> {
        let piece = prop_oneof![
            "[0-9]{1,3}(\\.[0-9]{1,4}){0,4}[._a-zF]?",
            "[0-9a-fA-F]{0,4}(:[0-9a-fA-F]{0,4}){0,7}",
            "[0-9a-f]{2}([-:.][0-9a-f]{2,4}){0,6}",
            "(serial|Serial #|serialNumber\": \")[ :]{0,2}[A-Z0-9]{0,10}",
            "CNF0100001|CNF01|acme-x|漢字|…|│|┃|•| |\\t|\"",
            "\\PC{0,6}",
        ];
        prop::collection::vec(piece, 0..12).prop_map(|v| v.concat())
    }

    proptest! {
        #[test]
        fn never_panics_keeps_width_and_is_idempotent(line in screenish()) {
            let once = mask(&line);
            prop_assert_eq!(width(&once), width(&line));
            prop_assert_eq!(mask(&once), once.clone());
        }

        #[test]
        fn arbitrary_text_never_panics(line in "\\PC{0,80}") {
            let once = mask(&line);
            prop_assert_eq!(width(&once), width(&line));
        }
    }
}
