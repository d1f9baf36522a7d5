//! Record extraction and the EC2 call count: arbitrary bytes as one framed item of each
//! `ItemKind`.
//!
//! - `extract_item` (prefilter, then parse) against `extract_item_parsed` (always parse): the
//!   prefilter must never drop a record the full parse keeps (its soundness argument, in
//!   `decode/prefilter.rs`), and both keep the same events.
//! - The call-count path (`calls::extract_and_count` is crate-private, so through the public
//!   `scan`, with `count_calls` on, over three in-memory objects): the item wrapped as a trail
//!   file (`{"Records":[item]}`), a LookupEvents page (`{"Events":[item]}`) and as itself
//!   (top-level), on one worker thread. Counting must not change the scan's events or
//!   accounting (`calls.rs`: "the scan's accounting of records does not change with counting on
//!   or off"), the accounting balances, and every kept record is an EC2 call that is counted.
//!   The actor filter (`all` or `cni`) is chosen by the parity of the input's length.
//! - The count's fast reader against its full parse: the same JSON object, once as it is (read
//!   by the fast reader unless the prefilter passes it) and once with a `"\u005f":0` member
//!   added (every item holding `\u` is fully parsed), must give the same call table.
#![no_main]

use cnitrail_core::decode::frame::ItemKind;
use cnitrail_core::decode::prefilter;
use cnitrail_core::extract::{Extracted, Origin, extract_item, extract_item_parsed};
use cnitrail_core::scan::{self, ActorFilter, Quiet, ScanOptions};
use cnitrail_core::source::InputObject;
use cnitrail_core::source::layout::FileKind;
use cnitrail_core::{Actor, CallCountRow, EniEvent, ScanSummary};
use libfuzzer_sys::fuzz_target;
use std::sync::Arc;

const KINDS: [ItemKind; 3] = [ItemKind::Record, ItemKind::LookupEvent, ItemKind::TopLevel];
const FILE: &str = "fuzz/item.json";

fn check_extract(kind: ItemKind, item: &[u8]) {
    let origin = Origin {
        file: Arc::from(FILE),
        index: 7,
    };
    let fast = extract_item(kind, item, &origin);
    let full = extract_item_parsed(kind, item, &origin);
    if let Extracted::Kept(k) = &fast {
        assert!(!k.events.is_empty(), "{kind:?}: kept record without events");
        for e in &k.events {
            assert_eq!(&*e.source_file, FILE);
            assert_eq!(e.record_index, 7);
        }
    }
    match (&fast, &full) {
        (Extracted::Kept(a), Extracted::Kept(b)) => {
            assert_eq!(a.events, b.events, "{kind:?}: events differ");
            assert_eq!(a.node_identity, b.node_identity, "{kind:?}: node identity differs");
            assert_eq!(a.cni_enis, b.cni_enis, "{kind:?}: CNI ENIs differ");
        }
        (Extracted::Kept(_), _) => panic!("{kind:?}: kept after the prefilter, not by a full parse: {full:?}"),
        (_, Extracted::Kept(_)) => panic!(
            "{kind:?}: the prefilter dropped a record the full parse keeps (prefilter says {})",
            prefilter::may_be_relevant(item)
        ),
        _ => {}
    }
}

/// In-memory objects, one per kind of wrapping, scanned together on one worker thread (one
/// scan, not one per object: each scan is a thread handoff, which the fuzzer pays per input).
fn scan_docs(docs: &[(ItemKind, Vec<u8>)], count_calls: bool, actor: ActorFilter) -> (ScanSummary, Vec<EniEvent>) {
    let objects: Vec<_> = docs
        .iter()
        .map(|(kind, doc)| {
            let doc = doc.clone();
            Ok(InputObject {
                name: format!("fuzz/{kind:?}.json"),
                size: Some(doc.len() as u64),
                kind: FileKind::Events,
                open: Box::new(move || {
                    Ok(Box::new(std::io::Cursor::new(doc)) as Box<dyn std::io::Read + Send>)
                }),
            })
        })
        .collect();
    let opts = ScanOptions {
        threads: 1,
        count_calls,
        actor,
        file_reports: true,
        ..ScanOptions::default()
    };
    let mut events = Vec::new();
    let summary =
        scan::scan(objects, &opts, &mut events, &mut Quiet).expect("a Vec sink never fails");
    (summary, events)
}

/// The item as the framer finds it in a trail file, a LookupEvents page, and alone.
fn wrapped(item: &[u8]) -> Vec<(ItemKind, Vec<u8>)> {
    KINDS
        .into_iter()
        .map(|kind| {
            let (open, close): (&[u8], &[u8]) = match kind {
                ItemKind::Record => (b"{\"Records\":[", b"]}"),
                ItemKind::LookupEvent => (b"{\"Events\":[", b"]}"),
                ItemKind::TopLevel => (b"", b""),
            };
            (kind, [open, item, close].concat())
        })
        .collect()
}

fn counts(s: &ScanSummary) -> [u64; 10] {
    [
        s.files_read,
        s.files_skipped,
        s.files_failed,
        s.records_read,
        s.records_kept,
        s.records_filtered,
        s.records_malformed,
        s.duplicates,
        s.events,
        s.bytes_decoded,
    ]
}

/// The call count must not change the scan; the accounting balances; kept records are counted.
fn check_scan(item: &[u8], actor: ActorFilter) {
    let docs = wrapped(item);
    let (plain, plain_events) = scan_docs(&docs, false, actor);
    let (counted, counted_events) = scan_docs(&docs, true, actor);
    assert!(plain.calls.is_empty(), "calls counted without count_calls");
    assert_eq!(plain_events, counted_events, "counting calls changed the events");
    assert_eq!(counts(&plain), counts(&counted), "counting calls changed the accounting");
    assert_eq!(plain.malformed_records, counted.malformed_records, "malformed records differ");
    assert_eq!(plain.failed_files, counted.failed_files, "failed files differ");
    for s in [&plain, &counted] {
        assert_eq!(
            s.records_read,
            s.records_kept + s.records_filtered + s.records_malformed + s.duplicates,
            "accounting does not balance: {:?}",
            counts(s)
        );
        assert_eq!(s.events, plain_events.len() as u64, "events counted ≠ events sunk");
        assert!(s.events >= s.records_kept, "a kept record without events");
        for f in &s.files {
            assert!(f.counts.balanced(), "{}: accounting does not balance: {:?}", f.file, f.counts);
        }
    }
    if actor == ActorFilter::Cni {
        for row in counted.calls.rows() {
            assert_eq!(row.actor, Actor::Cni, "--actor cni counted another actor's call: {row:?}");
        }
    } else {
        let calls = counted.calls.totals().calls;
        assert!(
            calls >= counted.records_kept,
            "{} records kept but only {calls} EC2 calls counted",
            counted.records_kept
        );
    }
}

/// `item` as the canonical JSON of the item of `kind`: no duplicate keys, no escapes but the
/// necessary ones, and the record a LookupEvents entry or a Logs Insights row carries as text
/// canonical too. `None` when that text is not JSON: the fast reader does not validate what it
/// does not read, and may count such a record where a full parse rejects it (documented in
/// `calls.rs`), so the two are not compared there.
fn canonical(kind: ItemKind, item: &[u8]) -> Option<Vec<u8>> {
    use serde_json::Value;
    let Ok(Value::Object(mut obj)) = serde_json::from_slice::<Value>(item) else {
        return None;
    };
    let embedded = match kind {
        ItemKind::Record => None,
        ItemKind::LookupEvent => Some("CloudTrailEvent"),
        ItemKind::TopLevel if obj.contains_key("eventName") || obj.contains_key("eventTime") => None,
        ItemKind::TopLevel => ["detail", "@message", "CloudTrailEvent"]
            .into_iter()
            .find(|k| obj.contains_key(*k)),
    };
    if let Some(key) = embedded
        && let Some(Value::String(text)) = obj.get(key)
    {
        let inner: Value = serde_json::from_str(text).ok()?;
        let inner = serde_json::to_string(&inner).expect("a Value always serialises");
        obj.insert(key.to_string(), Value::String(inner));
    }
    Some(serde_json::to_vec(&Value::Object(obj)).expect("a Value always serialises"))
}

/// The fast reader (items the prefilter rules out) against the full parse (items with `\u`).
fn check_light_reader(item: &[u8]) {
    let mut fast = Vec::new();
    let mut full = Vec::new();
    for kind in KINDS {
        let Some(canonical) = canonical(kind, item) else {
            continue;
        };
        if prefilter::may_be_relevant(&canonical) {
            continue; // parsed in full either way
        }
        let marked = if canonical == b"{}" {
            b"{\"\\u005f\":0}".to_vec()
        } else {
            [&b"{\"\\u005f\":0,"[..], &canonical[1..]].concat()
        };
        assert!(prefilter::may_be_relevant(&marked));
        let w = |doc: &[u8]| wrapped(doc).into_iter().find(|(k, _)| *k == kind).unwrap();
        fast.push(w(&canonical));
        full.push(w(&marked));
    }
    if fast.is_empty() {
        return;
    }
    let rows = |docs: &[(ItemKind, Vec<u8>)]| -> Vec<CallCountRow> {
        scan_docs(docs, true, ActorFilter::All).0.calls.rows()
    };
    assert_eq!(
        rows(&fast),
        rows(&full),
        "the call count's fast reader and its full parse disagree on {:?}",
        fast.iter().map(|(_, d)| String::from_utf8_lossy(d)).collect::<Vec<_>>()
    );
}

fuzz_target!(|item: &[u8]| {
    for kind in KINDS {
        check_extract(kind, item);
    }
    let actor = if item.len() % 2 == 0 { ActorFilter::All } else { ActorFilter::Cni };
    check_scan(item, actor);
    check_light_reader(item);
});
