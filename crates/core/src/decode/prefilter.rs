//! A byte-level prefilter: is there any chance this item is one of the kept EC2 calls?
//!
//! Soundness argument (and `tests/prefilter.rs` checks it against a full parse): a kept record's
//! `eventName` is one of [`EventName::ALL`](crate::model::EventName::ALL). Whatever wraps the
//! record (a `Records` array, an EventBridge `detail`, a LookupEvents `CloudTrailEvent` string
//! where quotes become `\"`), the name's letters appear verbatim in the bytes, since none of
//! them needs escaping in JSON. The one way to hide them is a `\uXXXX` escape inside the name,
//! so any item containing `\u` is passed through as well: a false positive only costs a parse.

use crate::model::EventName;
use aho_corasick::{AhoCorasick, MatchKind};
use std::sync::OnceLock;

fn matcher() -> &'static AhoCorasick {
    static AC: OnceLock<AhoCorasick> = OnceLock::new();
    AC.get_or_init(|| {
        let mut patterns: Vec<&str> = EventName::ALL.iter().map(|n| n.as_str()).collect();
        patterns.push("\\u");
        AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostFirst)
            .build(patterns)
            .expect("static patterns always build")
    })
}

/// True when `item` may hold a kept EC2 call; false means it certainly does not.
#[inline]
pub fn may_be_relevant(item: &[u8]) -> bool {
    matcher().is_match(item)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_names_in_any_wrapping() {
        assert!(may_be_relevant(
            br#"{"eventName":"AssignPrivateIpAddresses"}"#
        ));
        assert!(may_be_relevant(
            br#"{"CloudTrailEvent":"{\"eventName\":\"CreateTags\"}"}"#
        ));
        assert!(may_be_relevant(
            br#"{"eventName":"\u0041ssignIpv6Addresses"}"#
        ));
        assert!(!may_be_relevant(
            br#"{"eventName":"DescribeInstances","eventSource":"ec2.amazonaws.com"}"#
        ));
        assert!(!may_be_relevant(br#"{"eventName":"GetObject"}"#));
    }
}
