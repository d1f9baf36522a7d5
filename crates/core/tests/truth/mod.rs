//! The timeline against the simulator's ground truth: every holding interval the simulator
//! says happened must be rebuilt from the trail alone, to the second, and nothing else.

mod calls;

use cnitrail_core::scan::{Quiet, ScanOptions, scan};
use cnitrail_core::source::local::{NameFilter, expand};
use cnitrail_core::timeline::{Timeline, TimelineBuilder};
use cnitrail_sim::scenario::{self, ModeName, Scenario, SubnetSpec, VersionShare};
use std::collections::BTreeMap;
use std::path::Path;

/// What both sides must agree on for one holding, keyed by (address, ENI, start).
type Key = (String, String, String);
#[derive(Debug, PartialEq, Eq)]
struct Row {
    end: Option<String>,
    end_reason: String,
    instance_id: Option<String>,
    subnet_id: Option<String>,
}

fn truth(dir: &Path) -> BTreeMap<Key, Row> {
    let text = std::fs::read_to_string(dir.join("truth/addresses.jsonl")).expect("truth");
    text.lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).expect("truth row");
            let s = |k: &str| v[k].as_str().map(str::to_string);
            (
                (
                    s("address").unwrap(),
                    s("eni_id").unwrap(),
                    s("start").unwrap(),
                ),
                Row {
                    end: s("end"),
                    end_reason: s("end_reason").unwrap(),
                    instance_id: s("instance_id"),
                    subnet_id: s("subnet_id"),
                },
            )
        })
        .collect()
}

fn rebuilt(tl: &Timeline) -> BTreeMap<Key, Row> {
    let t = |d: chrono::DateTime<chrono::Utc>| d.format("%Y-%m-%dT%H:%M:%SZ").to_string();
    tl.intervals
        .iter()
        .map(|iv| {
            (
                (
                    iv.address.to_string(),
                    iv.eni_id.to_string(),
                    iv.assigned_at.map(t).unwrap_or_else(|| "unknown".into()),
                ),
                Row {
                    end: iv.released_at.map(t),
                    end_reason: iv.release_reason.as_str().to_string(),
                    instance_id: iv.instance_id.as_deref().map(str::to_string),
                    subnet_id: iv.subnet_id.as_deref().map(str::to_string),
                },
            )
        })
        .collect()
}

/// Plays `sc`, scans its trail, and compares; returns the number of intervals matched.
fn check(sc: &Scenario) -> usize {
    let dir = tempfile::tempdir().unwrap();
    scenario::run(sc, dir.path()).expect("simulation");
    let want = truth(dir.path());
    // Exact full ordering, and a one-hour reorder window per account and region (the
    // simulator delivers late by up to a few 5-minute batches): both must match the truth.
    for builder in [
        TimelineBuilder::new(),
        TimelineBuilder::with_reorder_window(3600),
    ] {
        let tl = timeline_of(dir.path(), builder);
        assert_eq!(tl.stats.late_beyond_window, 0);
        compare(sc, &want, &tl);
        check_enis(dir.path(), &tl);
    }
    want.len()
}

fn timeline_of(dir: &Path, mut builder: TimelineBuilder) -> Timeline {
    let objects = expand(&[dir.join("trail")], &NameFilter::default());
    let summary = scan(objects, &ScanOptions::default(), &mut builder, &mut Quiet).unwrap();
    assert!(summary.clean(), "{summary:?}");
    builder.finish()
}

fn compare(sc: &Scenario, want: &BTreeMap<Key, Row>, tl: &Timeline) {
    let got = rebuilt(tl);
    let missing: Vec<_> = want
        .iter()
        .filter(|(k, _)| !got.contains_key(*k))
        .take(5)
        .collect();
    let extra: Vec<_> = got
        .iter()
        .filter(|(k, _)| !want.contains_key(*k))
        .take(5)
        .collect();
    let differ: Vec<_> = want
        .iter()
        .filter_map(|(k, w)| got.get(k).filter(|g| *g != w).map(|g| (k, w, g)))
        .take(5)
        .collect();
    assert!(
        missing.is_empty() && extra.is_empty() && differ.is_empty(),
        "seed {} mode {:?}: {} truth intervals, {} rebuilt\nmissing {missing:#?}\nextra {extra:#?}\ndiffer {differ:#?}",
        sc.seed,
        sc.pool.mode,
        want.len(),
        got.len()
    );
}

/// (attachment id, instance, attached, detached), as text.
type AttachmentRow = (
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
);

/// Each ENI's creation, attachments and end, against `truth/enis.jsonl`.
fn check_enis(dir: &Path, tl: &Timeline) {
    let t = |d: Option<chrono::DateTime<chrono::Utc>>| {
        d.map(|d| d.format("%Y-%m-%dT%H:%M:%SZ").to_string())
    };
    let text = std::fs::read_to_string(dir.join("truth/enis.jsonl")).expect("truth enis");
    let ours: BTreeMap<String, &cnitrail_core::timeline::EniLife> =
        tl.enis.iter().map(|l| (l.eni_id.to_string(), l)).collect();
    let mut compared = 0;
    for line in text.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let id = v["eni_id"].as_str().unwrap();
        let got = ours
            .get(id)
            .unwrap_or_else(|| panic!("ENI {id} not rebuilt"));
        let s = |k: &str| v[k].as_str().map(str::to_string);
        assert_eq!(t(got.created_at), s("created"), "{id} created");
        assert_eq!(t(got.ended_at), s("deleted"), "{id} ended");
        assert_eq!(
            got.end.as_str(),
            v["end_reason"].as_str().unwrap(),
            "{id} end"
        );
        assert_eq!(
            got.subnet_id.as_deref(),
            v["subnet_id"].as_str(),
            "{id} subnet"
        );
        let want: Vec<AttachmentRow> = v["attachments"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| {
                let s = |k: &str| a[k].as_str().map(str::to_string);
                (
                    s("attachment_id"),
                    s("instance_id"),
                    s("attached"),
                    s("detached"),
                )
            })
            .collect();
        let have: Vec<_> = got
            .attachments
            .iter()
            .map(|a| {
                (
                    a.attachment_id.as_deref().map(str::to_string),
                    Some(a.instance_id.to_string()),
                    t(Some(a.attached_at)),
                    t(a.detached_at),
                )
            })
            .collect();
        assert_eq!(have, want, "{id} attachments");
        compared += 1;
    }
    assert_eq!(compared, tl.enis.len(), "every rebuilt ENI is in the truth");
}

fn scenario(seed: u64, mode: ModeName, versions: &[&str], identity: &str) -> Scenario {
    let mut sc = Scenario {
        seed,
        hours: 1.5,
        noise_per_second: 0.2,
        duplicate_fraction: 0.02,
        late_fraction: 0.05,
        identity: identity.into(),
        cni_versions: versions
            .iter()
            .map(|v| VersionShare {
                version: v.to_string(),
                weight: 1.0,
            })
            .collect(),
        subnets: vec![
            SubnetSpec {
                id: "subnet-0a1b2c3d4e5f60001".into(),
                cidr: "10.0.0.0/23".into(),
            },
            SubnetSpec {
                id: "subnet-0a1b2c3d4e5f60002".into(),
                cidr: "10.0.8.0/24".into(),
            },
        ],
        other_enis_per_hour: 20.0,
        ..Scenario::default()
    };
    sc.pool.mode = mode;
    if mode == ModeName::WarmIp {
        sc.pool.warm_ip_target = 2;
        sc.pool.minimum_ip_target = 5;
    }
    sc.nodes.scale_interval_seconds = 600;
    sc
}

#[test]
fn timeline_matches_simulated_truth_to_the_second() {
    let mut total = 0;
    let cases = [
        (1, ModeName::WarmEni, &["v1.19.0"][..], "node-role"),
        (2, ModeName::WarmIp, &["v1.7.5", "v1.12.0"][..], "node-role"),
        (3, ModeName::Prefix, &["v1.20.0", "v1.22.0"][..], "irsa"),
        (4, ModeName::WarmIp, &["v1.15.3", "v1.20.0"][..], "irsa"),
        (
            5,
            ModeName::WarmEni,
            &["v1.6.3", "v1.21.0"][..],
            "node-role",
        ),
    ];
    for (seed, mode, versions, identity) in cases {
        total += check(&scenario(seed, mode, versions, identity));
    }
    eprintln!("{total} truth intervals matched");
    assert!(
        total > 1000,
        "the scenarios held enough addresses to mean something ({total})"
    );
}

/// Hand-written edge cases, each a small trail.
mod edges {
    use super::*;
    use cnitrail_core::timeline::ReleaseReason;

    fn record(id: u32, time: &str, name: &str, session: &str, req: &str, resp: &str) -> String {
        format!(
            r#"{{"eventVersion":"1.08","eventTime":"{time}","eventSource":"ec2.amazonaws.com","eventName":"{name}","awsRegion":"eu-west-1","eventID":"00000000-0000-4000-8000-{id:012}","userAgent":"amazon-vpc-cni-k8s/v1.22.0","userIdentity":{{"type":"AssumedRole","arn":"arn:aws:sts::1:assumed-role/node/{session}"}},"requestParameters":{req},"responseElements":{resp}}}"#
        )
    }

    fn timeline(files: &[Vec<String>]) -> Timeline {
        timeline_with(files, TimelineBuilder::new())
    }

    fn timeline_with(files: &[Vec<String>], mut b: TimelineBuilder) -> Timeline {
        let dir = tempfile::tempdir().unwrap();
        for (i, records) in files.iter().enumerate() {
            std::fs::write(
                dir.path().join(format!("{i}.json")),
                format!("{{\"Records\":[{}]}}", records.join(",")),
            )
            .unwrap();
        }
        let objects = expand(&[dir.path().to_path_buf()], &NameFilter::default());
        scan(objects, &ScanOptions::default(), &mut b, &mut Quiet).unwrap();
        b.finish()
    }

    fn at(s: &str) -> chrono::DateTime<chrono::Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn release_without_assign_has_an_unknown_start() {
        let tl = timeline(&[vec![record(
            1,
            "2026-11-22T14:00:00Z",
            "UnassignPrivateIpAddresses",
            "i-0aaaaaaaaaaaaaaa1",
            r#"{"networkInterfaceId":"eni-0a","privateIpAddressesSet":{"item":[{"privateIpAddress":"10.0.3.17"}]}}"#,
            r#"{"_return":true}"#,
        )]]);
        assert_eq!(tl.intervals.len(), 1);
        let iv = &tl.intervals[0];
        assert!(!iv.start_known);
        assert_eq!(iv.assigned_at, None);
        assert_eq!(iv.released_at, Some(at("2026-11-22T14:00:00Z")));
        assert_eq!(iv.release_reason, ReleaseReason::Unassigned);
        assert_eq!(iv.instance_id.as_deref(), None, "an unassign names no node");
        assert!(
            iv.holds_at("10.0.3.17", at("2026-11-21T00:00:00Z")),
            "held since before the input"
        );
    }

    #[test]
    fn an_address_reused_by_another_node_a_minute_later() {
        let assign = |id, time: &str, eni: &str, node: &str| {
            record(
                id,
                time,
                "AssignPrivateIpAddresses",
                node,
                &format!(r#"{{"networkInterfaceId":"{eni}","secondaryPrivateIpAddressCount":1}}"#),
                r#"{"assignedPrivateIpAddressesSet":{"item":[{"privateIpAddress":"10.0.3.17"}]}}"#,
            )
        };
        let unassign = record(
            2,
            "2026-11-22T14:01:00Z",
            "UnassignPrivateIpAddresses",
            "i-0aaaaaaaaaaaaaaa1",
            r#"{"networkInterfaceId":"eni-0a","privateIpAddressesSet":{"item":[{"privateIpAddress":"10.0.3.17"}]}}"#,
            r#"{"_return":true}"#,
        );
        // The second node's assign is delivered first, in an earlier file: order comes from time.
        let tl = timeline(&[
            vec![assign(
                3,
                "2026-11-22T14:02:00Z",
                "eni-0b",
                "i-0bbbbbbbbbbbbbbb2",
            )],
            vec![
                assign(1, "2026-11-22T14:00:00Z", "eni-0a", "i-0aaaaaaaaaaaaaaa1"),
                unassign.clone(),
            ],
            vec![unassign], // a duplicate delivery
        ]);
        let holders = |t: &str| -> Vec<String> {
            tl.intervals
                .iter()
                .filter(|iv| iv.holds_at("10.0.3.17", at(t)))
                .map(|iv| iv.instance_id.as_deref().unwrap_or_default().to_string())
                .collect()
        };
        assert_eq!(holders("2026-11-22T14:00:30Z"), ["i-0aaaaaaaaaaaaaaa1"]);
        assert!(holders("2026-11-22T14:01:30Z").is_empty());
        assert_eq!(holders("2026-11-22T14:02:00Z"), ["i-0bbbbbbbbbbbbbbb2"]);
        assert_eq!(tl.intervals.len(), 2);
        assert_eq!(tl.intervals[1].release_reason, ReleaseReason::Open);
    }

    #[test]
    fn events_later_than_the_reorder_window_are_counted() {
        let assign = |id, time: &str, ip: &str| {
            record(
                id,
                time,
                "AssignPrivateIpAddresses",
                "i-0aaaaaaaaaaaaaaa1",
                r#"{"networkInterfaceId":"eni-0a","secondaryPrivateIpAddressCount":1}"#,
                &format!(
                    r#"{{"assignedPrivateIpAddressesSet":{{"item":[{{"privateIpAddress":"{ip}"}}]}}}}"#
                ),
            )
        };
        let files = [
            vec![assign(1, "2026-11-22T14:00:00Z", "10.0.0.1")],
            vec![assign(2, "2026-11-22T14:10:00Z", "10.0.0.2")],
            vec![assign(3, "2026-11-22T14:05:00Z", "10.0.0.3")],
            vec![assign(4, "2026-11-22T13:59:00Z", "10.0.0.4")],
        ];
        let tl = timeline_with(&files, TimelineBuilder::with_reorder_window(60));
        assert_eq!(
            tl.stats.late_beyond_window, 1,
            "only the 13:59 event came after 14:00 was applied"
        );
        assert_eq!(tl.intervals.len(), 4);
        assert_eq!(
            timeline(&files).stats.late_beyond_window,
            0,
            "the full sort has no window"
        );
    }
}
