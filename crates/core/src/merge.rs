//! Merging events written by several scans (`cnitrail scan --shard I/N`, one events file per
//! worker) back into what one scan of the whole input would have produced.
//!
//! A single scan ([`crate::scan`]) merges files in input order, drops a record whose
//! `eventID` was already kept (CloudTrail delivers some twice, possibly in files that different
//! shards own) and resolves the actor of calls made without a user-agent marker from CNI
//! evidence in the same or an earlier file. A shard sees only its own files, so the merge
//! redoes both over the union, in the single scan's order:
//!
//! 1. **Order.** Events are sorted by source file, then record index; events of one record keep
//!    their order. Files compare as the listing orders them: `s3://` names as bytes (S3 lists
//!    keys in UTF-8 binary order), local paths component by component (directories are walked
//!    in path order). With several SOURCE arguments the single scan follows argument order,
//!    which the events do not record; the merge then follows name order instead, which
//!    changes only which copy of a duplicate is kept and evidence that crosses arguments.
//! 2. **Duplicates.** A record is the events of one (file, record index); the first record
//!    with an event id is kept whole, later records with that id are dropped whole (a
//!    RunInstances of three instances is one record of three events sharing one id).
//! 3. **Actors.** A shard's actor can only be `other` where the single scan says `cni` (it saw
//!    a subset of the earlier evidence), never the reverse; so each kept `other` event is
//!    re-judged with the scan's rule over all files merged so far: the caller is a node-role
//!    session named after an instance, and the ENI (or the attachment's ENI) was shown to be
//!    the CNI's by a description starting `aws-K8S-` or, on CreateNetworkInterface and
//!    CreateTags, by the CNI's instance tag (the event's `instance_id` there comes from it).
//!    IRSA sessions cannot be recognised from the events' columns (the web-identity context
//!    is not among them): their unmarked calls keep the shard's actor.

use crate::extract::actor::{CNI_DESCRIPTION_PREFIX, is_instance_id};
use crate::model::{Actor, EniEvent, EventName};
use std::cmp::Ordering;
use std::collections::{HashMap, HashSet};
use std::path::Path;

/// What a merge did, for the accounting line: `records_read = records_kept + duplicates`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MergeCounts {
    /// Event rows read.
    pub events_read: u64,
    /// Records read (distinct source file and record index).
    pub records_read: u64,
    /// Records kept.
    pub records_kept: u64,
    /// Records dropped because an earlier record had the same event id.
    pub duplicates: u64,
    /// Events kept.
    pub events: u64,
    /// Events whose actor became `cni` with the evidence of other shards' files.
    pub actors_resolved: u64,
}

/// Compares two `source_file` names in the order a scan lists them.
pub fn compare_sources(a: &str, b: &str) -> Ordering {
    let s3 = |n: &str| n.get(..5).is_some_and(|p| p.eq_ignore_ascii_case("s3://"));
    match (s3(a), s3(b)) {
        (true, true) => a.cmp(b),
        (false, false) => Path::new(a).cmp(Path::new(b)),
        // Mixed sources: local files first, an arbitrary but fixed choice.
        (false, true) => Ordering::Less,
        (true, false) => Ordering::Greater,
    }
}

/// Whether this event shows its ENI to be the CNI's, as far as the event's columns tell.
fn cni_evidence(e: &EniEvent) -> bool {
    let described = e
        .description
        .as_deref()
        .is_some_and(|d| d.starts_with(CNI_DESCRIPTION_PREFIX));
    let tagged = matches!(
        e.event_name,
        EventName::CreateTags | EventName::CreateNetworkInterface
    ) && e.instance_id.is_some();
    e.eni_id.is_some() && (described || tagged)
}

/// Merges the events of several scans of disjoint parts of one input; see the module
/// documentation. The result is in the single scan's order.
pub fn merge_events(mut events: Vec<EniEvent>) -> (Vec<EniEvent>, MergeCounts) {
    let mut counts = MergeCounts {
        events_read: events.len() as u64,
        ..MergeCounts::default()
    };
    // Stable: the events of one record stay in the order the scan wrote them.
    events.sort_by(|a, b| {
        compare_sources(&a.source_file, &b.source_file).then(a.record_index.cmp(&b.record_index))
    });

    // Records (runs of one file and record index): the first with an id is kept whole.
    let mut seen: HashSet<&str> = HashSet::new();
    let mut keep = vec![false; events.len()];
    let mut i = 0;
    while i < events.len() {
        let end = i + events[i..]
            .iter()
            .position(|e| {
                e.record_index != events[i].record_index || e.source_file != events[i].source_file
            })
            .unwrap_or(events.len() - i);
        counts.records_read += 1;
        if seen.insert(&events[i].event_id) {
            counts.records_kept += 1;
            keep[i..end].fill(true);
        } else {
            counts.duplicates += 1;
        }
        i = end;
    }
    drop(seen);
    let mut kept: Vec<EniEvent> = events
        .into_iter()
        .zip(keep)
        .filter_map(|(e, k)| k.then_some(e))
        .collect();

    // Actors, file by file: what the whole file shows, then its calls judged.
    let mut cni_enis: HashSet<String> = HashSet::new();
    let mut attachment_eni: HashMap<String, String> = HashMap::new();
    let mut start = 0;
    while start < kept.len() {
        let end = start
            + kept[start..]
                .iter()
                .position(|e| e.source_file != kept[start].source_file)
                .unwrap_or(kept.len() - start);
        let file = &mut kept[start..end];
        for e in file.iter() {
            if cni_evidence(e)
                && let Some(eni) = &e.eni_id
            {
                cni_enis.insert(eni.clone());
            }
            if let (Some(att), Some(eni)) = (&e.attachment_id, &e.eni_id) {
                attachment_eni.insert(att.clone(), eni.clone());
            }
        }
        for e in file.iter_mut() {
            let node_identity = e.session_name.as_deref().is_some_and(is_instance_id);
            if e.actor == Actor::Other && node_identity {
                let eni = e
                    .eni_id
                    .as_ref()
                    .or_else(|| e.attachment_id.as_ref().and_then(|a| attachment_eni.get(a)));
                if eni.is_some_and(|eni| cni_enis.contains(eni)) {
                    e.actor = Actor::Cni;
                    counts.actors_resolved += 1;
                }
            }
        }
        start = end;
    }
    counts.events = kept.len() as u64;
    (kept, counts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};
    use std::sync::Arc;

    fn ev(file: &str, index: u64, id: &str, name: EventName) -> EniEvent {
        EniEvent {
            event_id: id.into(),
            event_time: Utc.with_ymd_and_hms(2026, 11, 22, 14, 0, 0).unwrap(),
            event_name: name,
            region: None,
            account: None,
            eni_id: Some("eni-1".into()),
            instance_id: None,
            instance_type: None,
            attachment_id: None,
            subnet_id: None,
            vpc_id: None,
            cidr_block: None,
            device_index: None,
            delete_on_termination: None,
            private_ips: vec![],
            primary_ip: None,
            ipv4_prefixes: vec![],
            ipv6_addresses: vec![],
            ipv6_prefixes: vec![],
            requested_ipv4_count: None,
            requested_ipv4_prefix_count: None,
            requested_ipv6_count: None,
            requested_ipv6_prefix_count: None,
            description: None,
            error_code: None,
            error_code_raw: None,
            error_message: None,
            caller_arn: None,
            session_name: Some("i-0123456789abcdef0".into()),
            user_agent: None,
            actor: Actor::Other,
            cni_version: None,
            source_file: Arc::from(file),
            record_index: index,
        }
    }

    #[test]
    fn sources_compare_as_listed() {
        // Directories are walked component by component: `a/b` before `a-b` (while as bytes
        // '-' < '/'); S3 keys come in byte order.
        assert_eq!(compare_sources("t/a/b.json", "t/a-b.json"), Ordering::Less);
        assert_eq!(
            compare_sources("s3://b/a/b.json", "s3://b/a-b.json"),
            Ordering::Greater
        );
        assert_eq!(compare_sources("t/x", "s3://b/x"), Ordering::Less);
    }

    #[test]
    fn duplicates_keep_the_first_copy_and_records_stay_whole() {
        let run = |i: u64, file: &str| {
            let mut a = ev(file, i, "run", EventName::RunInstances);
            a.instance_id = Some("i-1".into());
            let mut b = a.clone();
            b.instance_id = Some("i-2".into());
            [a, b]
        };
        // Shard 1's file comes later in the listing but its rows come first.
        let mut events: Vec<EniEvent> = run(3, "t/2.json").into();
        events.push(ev("t/2.json", 4, "x", EventName::DeleteNetworkInterface));
        events.extend(run(0, "t/1.json"));
        events.push(ev("t/1.json", 1, "y", EventName::AttachNetworkInterface));
        let (kept, counts) = merge_events(events);
        let got: Vec<(&str, u64, Option<&str>)> = kept
            .iter()
            .map(|e| (&*e.source_file, e.record_index, e.instance_id.as_deref()))
            .collect();
        assert_eq!(
            got,
            [
                ("t/1.json", 0, Some("i-1")),
                ("t/1.json", 0, Some("i-2")),
                ("t/1.json", 1, None),
                ("t/2.json", 4, None),
            ]
        );
        assert_eq!(
            counts,
            MergeCounts {
                events_read: 6,
                records_read: 4,
                records_kept: 3,
                duplicates: 1,
                events: 4,
                actors_resolved: 0,
            }
        );
    }

    #[test]
    fn unmarked_calls_take_evidence_from_earlier_files_of_other_shards() {
        let mut create = ev("t/1.json", 0, "c", EventName::CreateNetworkInterface);
        create.description = Some("aws-K8S-i-0123456789abcdef0".into());
        let mut attach = ev("t/2.json", 0, "a", EventName::AttachNetworkInterface);
        attach.attachment_id = Some("eni-attach-1".into());
        let mut detach = ev("t/3.json", 0, "d", EventName::DetachNetworkInterface);
        detach.eni_id = None;
        detach.attachment_id = Some("eni-attach-1".into());
        let mut person = ev("t/3.json", 1, "p", EventName::AssignPrivateIpAddresses);
        person.session_name = Some("alice".into());
        // Evidence only in a later file does not count, as in a single scan.
        let mut early = ev("t/0.json", 0, "e", EventName::AssignPrivateIpAddresses);
        early.eni_id = Some("eni-1".into());
        let (kept, counts) = merge_events(vec![person, detach, attach, create, early]);
        let actors: Vec<(&str, Actor)> = kept
            .iter()
            .map(|e| (e.event_id.as_str(), e.actor))
            .collect();
        assert_eq!(
            actors,
            [
                ("e", Actor::Other),
                ("c", Actor::Cni),
                ("a", Actor::Cni),
                ("d", Actor::Cni),
                ("p", Actor::Other),
            ]
        );
        assert_eq!(counts.actors_resolved, 3);
    }
}
