//! `--shard I/N`: a stable split of the input objects between N workers, so that a
//! Kubernetes Indexed Job or an AWS Batch array job can scan one trail on many machines, each
//! reading a disjoint part and writing its own events file.
//!
//! An object belongs to shard `(fnv1a64(key) × N) >> 64`, where `key` is
//!
//! - for S3, the object key (`AWSLogs/…/x.json.gz`, without `s3://bucket/`);
//! - for a local file found under a directory argument, its path relative to that argument,
//!   with `/` separators, so that workers that mount the trail at different places agree;
//! - for a local file named as an argument, its file name; for stdin, `-`.
//!
//! The hash is 64-bit FNV-1a over the key's UTF-8 bytes: fixed, documented and independent of
//! the platform, the Rust version and the process (never std's randomly seeded hasher), so every
//! worker of a job, and every rerun of it, computes the same split. It is mapped to `0..N` by
//! its high bits, `(hash × N) >> 64`, not by `hash % N`: FNV's low bits depend only on the low
//! bits of the input bytes, which would split poorly for N a power of two. The decision is made when
//! the listing names the object, before anything is opened or downloaded, and it depends on
//! the key alone: each object belongs to exactly one shard whatever the other objects are.

use std::fmt;
use std::str::FromStr;

/// One part of an N-way split: this worker reads the objects whose key hashes to `index`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Shard {
    /// Zero-based index of this part, below `count`.
    pub index: u64,
    /// Number of parts, at least 1.
    pub count: u64,
}

/// A `--shard` argument that is not `I/N` with `0 <= I < N`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid shard {text:?}: {reason} (expected I/N with 0 <= I < N, e.g. 0/4 … 3/4)")]
pub struct ShardParseError {
    /// The argument as given.
    pub text: String,
    /// What is wrong with it.
    pub reason: &'static str,
}

/// FNV-1a, 64 bits: offset basis and prime of the published algorithm.
const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

/// The 64-bit FNV-1a hash of `bytes`: the stable hash that places keys in shards.
pub fn fnv1a64(bytes: &[u8]) -> u64 {
    bytes.iter().fold(FNV_OFFSET, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(FNV_PRIME)
    })
}

impl Shard {
    /// The whole input as one shard (`0/1`).
    pub const ALL: Shard = Shard { index: 0, count: 1 };

    /// Parses `I/N` (surrounding spaces allowed).
    pub fn parse(text: &str) -> Result<Shard, ShardParseError> {
        let bad = |reason| ShardParseError {
            text: text.to_string(),
            reason,
        };
        let (i, n) = text.trim().split_once('/').ok_or_else(|| bad("no '/'"))?;
        let number = |s: &str| -> Option<u64> {
            let s = s.trim();
            // Digits only: `+1` and `-0` parse as integers but are surely typos here.
            (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
                .then(|| s.parse().ok())
                .flatten()
        };
        let index = number(i).ok_or_else(|| bad("I is not a whole number"))?;
        let count = number(n).ok_or_else(|| bad("N is not a whole number"))?;
        if count == 0 {
            return Err(bad("N must be at least 1"));
        }
        if index >= count {
            return Err(bad("I must be below N (shards are numbered from 0)"));
        }
        Ok(Shard { index, count })
    }

    /// Whether the object with this key (see the module documentation for which key) is this
    /// shard's to read.
    pub fn owns(&self, key: &str) -> bool {
        self.count <= 1 || Self::of(key, self.count) == self.index
    }

    /// The shard of `count` that owns `key`.
    pub fn of(key: &str, count: u64) -> u64 {
        // Lemire's multiply-shift range reduction: uniform, and uses the well-mixed high bits.
        ((u128::from(fnv1a64(key.as_bytes())) * u128::from(count.max(1))) >> 64) as u64
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl FromStr for Shard {
    type Err = ShardParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Shard::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Shards of one key for N = 2, 3, 8, 1000, computed once; never to change.
    const PINNED: [u64; 4] = [0, 0, 2, 264];

    #[test]
    fn parses_and_rejects() {
        assert_eq!(Shard::parse("0/1").unwrap(), Shard::ALL);
        assert_eq!(Shard::parse(" 2/8 ").unwrap(), Shard { index: 2, count: 8 });
        assert_eq!(Shard::parse("2/8").unwrap().to_string(), "2/8");
        for (bad, why) in [
            ("", "no '/'"),
            ("3", "no '/'"),
            ("a/2", "I is not"),
            ("1/b", "N is not"),
            ("-1/2", "I is not"),
            ("+1/2", "I is not"),
            ("0/0", "at least 1"),
            ("2/2", "below N"),
            ("5/3", "below N"),
            ("1/2/3", "N is not"),
        ] {
            let e = Shard::parse(bad).unwrap_err();
            assert!(e.to_string().contains(why), "{bad}: {e}");
            assert!(e.to_string().contains("expected I/N"), "{bad}: {e}");
        }
    }

    #[test]
    fn hash_is_the_published_fnv1a() {
        // Test vectors of the FNV reference (draft-eastlake-fnv).
        assert_eq!(fnv1a64(b""), 0xcbf29ce484222325);
        assert_eq!(fnv1a64(b"a"), 0xaf63dc4c8601ec8c);
        assert_eq!(fnv1a64(b"foobar"), 0x85944171f73967e8);
    }

    /// The split is part of the interface: workers of different cnitrail builds must agree.
    #[test]
    fn the_split_is_pinned() {
        let key = "AWSLogs/111122223333/CloudTrail/eu-west-1/2026/11/22/111122223333_CloudTrail_eu-west-1_20261122T1405Z_abcdefghijklmnop.json.gz";
        let got: Vec<u64> = [2, 3, 8, 1000].iter().map(|&n| Shard::of(key, n)).collect();
        assert_eq!(got, PINNED);
    }

    /// Keys shaped like a real trail's: every one is owned by exactly one of N shards, and the
    /// split is close to even.
    #[test]
    fn every_key_has_exactly_one_owner_and_the_split_is_even() {
        let keys: Vec<String> = (0..20_000u32)
            .map(|i| {
                format!(
                    "AWSLogs/111122223333/CloudTrail/eu-west-1/2026/11/{:02}/111122223333_CloudTrail_eu-west-1_202611{:02}T{:02}{:02}Z_{:016x}.json.gz",
                    1 + i % 28,
                    1 + i % 28,
                    (i / 12) % 24,
                    (i % 12) * 5,
                    u64::from(i).wrapping_mul(0x9e37_79b9_7f4a_7c15)
                )
            })
            .collect();
        for n in [1u64, 2, 3, 7, 16] {
            let shards: Vec<Shard> = (0..n).map(|index| Shard { index, count: n }).collect();
            let mut sizes = vec![0usize; n as usize];
            for k in &keys {
                let owners: Vec<&Shard> = shards.iter().filter(|s| s.owns(k)).collect();
                assert_eq!(owners.len(), 1, "{k} in {n} shards: {owners:?}");
                sizes[owners[0].index as usize] += 1;
            }
            // A fair split is binomial: every shard within 4 standard deviations of even.
            let p = 1.0 / n as f64;
            let even = keys.len() as f64 * p;
            let sigma = (keys.len() as f64 * p * (1.0 - p)).sqrt();
            for (i, &size) in sizes.iter().enumerate() {
                assert!(
                    (size as f64 - even).abs() <= 4.0 * sigma + 1.0,
                    "shard {i}/{n} has {size} keys, {even:.0} ± {sigma:.0} expected"
                );
            }
        }
    }
}
