//! Serial numbers the dashboard has learned from structured data (device facts, Central
//! APs): masked wherever they appear as a whole word, whatever labels surround them.

use std::collections::BTreeSet;
use std::ops::Bound;

use fnv::FnvHashSet;

/// At most this many serials are kept (10,000 APs per account, several accounts); past it
/// new ones are not learned, and the labelled-value rule still covers them.
pub const KNOWN_SERIALS_MAX: usize = 100_000;

/// Shortest serial learned: a device reporting `1` or `N/A` must not mask every `1`.
const MIN_LEN: usize = 4;
const MAX_LEN: usize = 64;

/// The learned serials: a hash set for "is this word a serial" (every word of every row,
/// every frame), a sorted copy for "does a serial start with this word" (a word a cell cut,
/// rare). The sorted set alone made a 160x48 frame 0.1 ms slower.
#[derive(Debug, Clone, Default)]
pub struct KnownSerials {
    set: FnvHashSet<Box<str>>,
    sorted: BTreeSet<Box<str>>,
    /// Software versions from device facts and AP firmware: a column that cuts one after a
    /// dotted-quad start (`8.10.0.7│` of `8.10.0.7_87123`) shows a version, not an address.
    versions: BTreeSet<Box<str>>,
}

/// At most this many versions are kept (a fleet runs a handful; the bound is for a hostile one).
pub const KNOWN_VERSIONS_MAX: usize = 1_000;

/// A character a serial may hold; words are split on everything else.
pub(super) fn word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '-'
}

impl KnownSerials {
    /// Learn `serial` if it looks like one (4 to 64 word characters, one a digit).
    pub fn learn(&mut self, serial: &str) {
        let s = serial.trim();
        if !(MIN_LEN..=MAX_LEN).contains(&s.len())
            || !s.chars().all(word_char)
            || !s.bytes().any(|b| b.is_ascii_digit())
            || self.set.len() >= KNOWN_SERIALS_MAX
            || self.set.contains(s)
        {
            return;
        }
        self.set.insert(s.into());
        self.sorted.insert(s.into());
    }

    pub fn len(&self) -> usize {
        self.set.len()
    }

    /// Learn a software version (device facts, AP firmware).
    pub fn learn_version(&mut self, version: &str) {
        let v = version.trim();
        if v.len() < 5 || v.len() > MAX_LEN || self.versions.len() >= KNOWN_VERSIONS_MAX {
            return;
        }
        if !self.versions.contains(v) {
            self.versions.insert(v.into());
        }
    }

    /// A known version starts with `text` (an address-shaped piece of one, cut by a cell).
    pub fn is_version_start(&self, text: &str) -> bool {
        text.len() >= 5
            && self
                .versions
                .range::<str, _>((Bound::Included(text), Bound::Unbounded))
                .next()
                .is_some_and(|v| v.starts_with(text))
    }

    pub fn is_empty(&self) -> bool {
        self.set.is_empty()
    }

    pub fn contains(&self, word: &str) -> bool {
        // Most words on screen (`up`, `ms`, names) are too short or have no digit.
        word.len() >= MIN_LEN && word.bytes().any(|b| b.is_ascii_digit()) && self.set.contains(word)
    }

    /// Some serial starts with `word` (at least 4 characters: shorter would hide too much).
    pub fn has_prefix(&self, word: &str) -> bool {
        word.len() >= MIN_LEN
            && self
                .sorted
                .range::<str, _>((Bound::Included(word), Bound::Unbounded))
                .next()
                .is_some_and(|s| s.starts_with(word))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn learns_only_serial_shapes_and_finds_prefixes() {
        let mut k = KnownSerials::default();
        for s in [
            "CNF0100001",
            " JPE14080457 ",
            "1",
            "N/A",
            "unknown",
            "",
            "a b 123",
        ] {
            k.learn(s);
        }
        assert_eq!(k.len(), 2);
        assert!(k.contains("JPE14080457"));
        assert!(k.has_prefix("CNF01"));
        assert!(!k.has_prefix("CNF"), "too short to tell");
        assert!(!k.has_prefix("CNX0"));
    }

    #[test]
    fn versions_are_known_by_their_start() {
        let mut k = KnownSerials::default();
        k.learn_version("8.10.0.7_87123");
        k.learn_version("4.3");
        assert!(k.is_version_start("8.10.0.7"));
        assert!(k.is_version_start("8.10.0."));
        assert!(!k.is_version_start("8.10.0.8"));
        assert!(!k.is_version_start("4.3"), "too short to tell");
        for i in 0..KNOWN_VERSIONS_MAX + 10 {
            k.learn_version(&format!("1.2.{i}"));
        }
        assert!(k.versions.len() <= KNOWN_VERSIONS_MAX);
    }

    #[test]
    fn stops_learning_at_the_bound() {
        let mut k = KnownSerials::default();
        for i in 0..KNOWN_SERIALS_MAX + 10 {
            k.learn(&format!("SN{i:08}"));
        }
        assert_eq!(k.len(), KNOWN_SERIALS_MAX);
    }
}
