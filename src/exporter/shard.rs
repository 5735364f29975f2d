//! `--shard K/N`: which devices one exporter of N owns. A device belongs to shard
//! `FNV-1a-64(UTF-8 bytes of its name) mod N`, a fixed function of the name alone: the same
//! on every machine, every architecture and across restarts, so N exporters split a fleet
//! with no coordination and a device stays where it was after a restart.

use std::fmt;
use std::hash::Hasher;
use std::str::FromStr;

/// One shard of N: this exporter keeps the names that hash to `index`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub index: u64,
    pub count: u64,
}

/// Why a `--shard` value was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ShardError {
    #[error("--shard {0:?} is not K/N: write it as 0/2 (this exporter takes shard 0 of 2)")]
    Syntax(String),
    #[error("--shard {0}/{1}: K must be below N (shards are numbered 0 to N-1)")]
    OutOfRange(u64, u64),
}

impl Shard {
    /// Every device: what an exporter without `--shard` serves.
    pub const ALL: Shard = Shard { index: 0, count: 1 };

    /// True if `name` belongs to this shard.
    pub fn keeps(self, name: &str) -> bool {
        stable_hash(name) % self.count == self.index
    }
}

/// FNV-1a 64-bit over the name's UTF-8 bytes (through `Hasher::write`, which feeds the
/// bytes as they are: no length prefix or terminator that `Hash for str` would add).
pub fn stable_hash(name: &str) -> u64 {
    let mut h = fnv::FnvHasher::default();
    h.write(name.as_bytes());
    h.finish()
}

impl FromStr for Shard {
    type Err = ShardError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let syntax = || ShardError::Syntax(s.to_string());
        let (k, n) = s.split_once('/').ok_or_else(syntax)?;
        let index: u64 = k.trim().parse().map_err(|_| syntax())?;
        let count: u64 = n.trim().parse().map_err(|_| syntax())?;
        if count == 0 || index >= count {
            return Err(ShardError::OutOfRange(index, count));
        }
        Ok(Shard { index, count })
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

#[cfg(test)]
mod tests {
    use super::{Shard, ShardError, stable_hash};

    #[test]
    fn the_hash_is_fnv1a_64_and_never_changes() {
        // Published FNV-1a 64 test vectors: a change of function would move every device.
        assert_eq!(stable_hash(""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(stable_hash("a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(stable_hash("foobar"), 0x8594_4171_f739_67e8);
    }

    #[test]
    fn fixed_names_land_on_fixed_shards() {
        // Pinned (worked out by an independent FNV-1a): these must hold on every machine
        // and release, or a restart would move devices between exporters.
        let pinned = [
            ("lab-eos-01", 0, 0),
            ("lab-eos-02", 1, 0),
            ("lab-asa-01", 0, 1),
            ("lab-cx-01", 0, 0),
            ("lab-mc-01", 1, 2),
            ("lab-central-01", 0, 1),
        ];
        for (name, of2, of3) in pinned {
            assert!(
                Shard {
                    index: of2,
                    count: 2
                }
                .keeps(name),
                "{name} in {of2}/2"
            );
            assert!(
                Shard {
                    index: of3,
                    count: 3
                }
                .keeps(name),
                "{name} in {of3}/3"
            );
            assert!(
                !Shard {
                    index: 1 - of2,
                    count: 2
                }
                .keeps(name)
            );
        }
    }

    #[test]
    fn every_name_is_in_exactly_one_shard() {
        for n in 1..6 {
            for name in ["a", "spine-01", "leaf-99", "ünïcode", ""] {
                let owners = (0..n)
                    .filter(|&i| Shard { index: i, count: n }.keeps(name))
                    .count();
                assert_eq!(owners, 1, "{name} in {n} shards");
            }
        }
    }

    #[test]
    fn bad_shards_say_how_to_write_one() {
        assert_eq!("1/3".parse::<Shard>(), Ok(Shard { index: 1, count: 3 }));
        assert_eq!("2/2".parse::<Shard>(), Err(ShardError::OutOfRange(2, 2)));
        assert_eq!("0/0".parse::<Shard>(), Err(ShardError::OutOfRange(0, 0)));
        assert!(matches!("x".parse::<Shard>(), Err(ShardError::Syntax(_))));
        assert!(matches!(
            "1/-2".parse::<Shard>(),
            Err(ShardError::Syntax(_))
        ));
        assert!(
            "2/2"
                .parse::<Shard>()
                .expect_err("out of range")
                .to_string()
                .contains("0 to N-1")
        );
    }
}
