//! Integration tests of the core pipeline: the shipped fixtures, every input shape, every kind
//! of bad input, the prefilter against a full parse on generated data, and the timeline
//! against simulated ground truth (truth/).

mod truth;

use chrono::{DateTime, Utc};
use cnitrail_core::decode::frame::{Frame, Framer, ItemKind};
use cnitrail_core::extract::{Extracted, Origin, extract_item, extract_item_parsed};
use cnitrail_core::scan::{ActorFilter, Quiet, ScanOptions, scan};
use cnitrail_core::source::local::{NameFilter, expand};
use cnitrail_core::source::window::TimeWindow;
use cnitrail_core::stats::ScanSummary;
use cnitrail_core::{Actor, EniEvent, EventName};
use flate2::Compression;
use flate2::write::GzEncoder;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures")
}

fn run(paths: &[PathBuf], opts: &ScanOptions) -> (ScanSummary, Vec<EniEvent>) {
    let objects = expand(paths, &NameFilter::default());
    let mut events = Vec::new();
    let summary = scan(objects, opts, &mut events, &mut Quiet).expect("scan");
    assert!(
        summary.balanced(),
        "accounting does not balance: {summary:?}"
    );
    (summary, events)
}

fn by_id<'a>(events: &'a [EniEvent], prefix: &str) -> Vec<&'a EniEvent> {
    events
        .iter()
        .filter(|e| e.event_id.starts_with(prefix))
        .collect()
}

fn gz(bytes: &[u8]) -> Vec<u8> {
    let mut e = GzEncoder::new(Vec::new(), Compression::default());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

#[test]
fn trail_fixture_is_accounted_for_exactly() {
    let (s, events) = run(&[fixtures().join("trail")], &ScanOptions::default());
    assert_eq!((s.files_read, s.files_skipped, s.files_failed), (2, 1, 0));
    assert_eq!(s.records_read, 20);
    assert_eq!(s.records_kept, 15);
    assert_eq!(
        s.records_filtered, 4,
        "DescribeInstances, GetObject, Decrypt, DescribeNetworkInterfaces"
    );
    assert_eq!(s.records_malformed, 0);
    assert_eq!(s.duplicates, 1, "record 8 is delivered twice");
    assert_eq!(s.events, 15);
    assert!(s.bytes_decoded > s.bytes_read, "gzip was inflated");

    // Output follows the input: file order, then record order inside the file.
    let first_file: Vec<&str> = events[..3].iter().map(|e| e.event_name.as_str()).collect();
    assert_eq!(
        first_file,
        ["CreateNetworkInterface", "RunInstances", "CreateTags"]
    );
}

#[test]
fn trail_fixture_events_carry_what_the_records_say() {
    let (_, events) = run(&[fixtures().join("trail")], &ScanOptions::default());
    let node = "i-0a1b2c3d4e5f60718";

    let run = by_id(&events, "00000001")[0];
    assert_eq!(run.event_name, EventName::RunInstances);
    assert_eq!(run.instance_id.as_deref(), Some(node));
    assert_eq!(run.eni_id.as_deref(), Some("eni-0feed0000000000a1"));
    assert_eq!(run.primary_ip.as_deref(), Some("10.0.3.10"));
    assert_eq!(
        run.attachment_id.as_deref(),
        Some("eni-attach-0aaa000000000001")
    );
    assert_eq!(run.device_index, Some(0));
    assert_eq!(run.delete_on_termination, Some(true));
    let modify = by_id(&events, "00000006")[0];
    assert_eq!(modify.delete_on_termination, Some(true));
    assert_eq!(
        modify.attachment_id.as_deref(),
        Some("eni-attach-0bbb000000000002")
    );
    assert_eq!(run.actor, Actor::Other);

    let create = by_id(&events, "00000004")[0];
    assert_eq!(create.eni_id.as_deref(), Some("eni-0c0ffee0c0ffee001"));
    assert_eq!(
        create.instance_id.as_deref(),
        Some(node),
        "from the CNI's tag"
    );
    assert_eq!(create.private_ips.len(), 10);
    assert_eq!(create.primary_ip.as_deref(), Some("10.0.3.20"));
    assert_eq!(create.requested_ipv4_count, Some(9));
    assert_eq!(
        create.description.as_deref(),
        Some("aws-K8S-i-0a1b2c3d4e5f60718")
    );
    assert_eq!(
        create.subnet_id.as_deref(),
        Some("subnet-0123456789abcdef0")
    );
    assert_eq!(create.vpc_id.as_deref(), Some("vpc-0fedcba9876543210"));
    assert_eq!(create.actor, Actor::Cni);
    assert_eq!(create.cni_version, None, "v1.8–v1.19 send an empty version");
    assert_eq!(create.session_name.as_deref(), Some(node));
    assert_eq!(create.region.as_deref(), Some("eu-west-1"));
    assert_eq!(create.account.as_deref(), Some("111122223333"));

    let throttled = by_id(&events, "00000007")[0];
    assert_eq!(
        throttled.error_code.as_deref(),
        Some("RequestLimitExceeded")
    );
    assert_eq!(
        throttled.error_code_raw.as_deref(),
        Some("Client.RequestLimitExceeded")
    );
    assert_eq!(
        throttled.error_message.as_deref(),
        Some("Request limit exceeded.")
    );
    assert_eq!(throttled.requested_ipv4_count, Some(5));
    assert!(throttled.private_ips.is_empty());

    let assigned = by_id(&events, "00000008")[0];
    let ips: Vec<&str> = assigned.private_ips.iter().map(String::as_str).collect();
    assert_eq!(
        ips,
        [
            "10.0.3.11",
            "10.0.3.12",
            "10.0.3.13",
            "10.0.3.14",
            "10.0.3.15"
        ]
    );
    assert_eq!(assigned.primary_ip, None);

    let exhausted = by_id(&events, "00000010")[0];
    assert_eq!(
        exhausted.error_code.as_deref(),
        Some("InsufficientFreeAddressesInSubnet")
    );

    // No user-agent marker (CNI v1.20), node-role session, ENI created by the CNI earlier.
    let unmarked = by_id(&events, "00000011")[0];
    assert_eq!(unmarked.actor, Actor::Cni);
    assert_eq!(unmarked.private_ips[0], "10.0.3.120");

    let unassign = by_id(&events, "00000012")[0];
    let ips: Vec<&str> = unassign.private_ips.iter().map(String::as_str).collect();
    assert_eq!(ips, ["10.0.3.17", "10.0.3.18"]);

    let prefix = by_id(&events, "00000013")[0];
    assert_eq!(prefix.ipv4_prefixes, ["10.0.4.16/28"]);
    assert_eq!(prefix.requested_ipv4_prefix_count, Some(1));
    assert_eq!(prefix.cni_version.as_deref(), Some("v1.22.0"));
    assert_eq!(prefix.session_name.as_deref(), Some("1763820000123456789"));

    let detach = by_id(&events, "00000014")[0];
    assert_eq!(
        detach.attachment_id.as_deref(),
        Some("eni-attach-0bbb000000000002")
    );
    assert_eq!(detach.actor, Actor::Cni);

    let terminate = by_id(&events, "00000017")[0];
    assert_eq!(terminate.instance_id.as_deref(), Some(node));

    // The real record of facts §0, verbatim: no eventID, so the EC2 request id stands in.
    let real = by_id(&events, "c03ec3be-6a39-4138-9dd9-7d1ed04d7971")[0];
    assert_eq!(real.eni_id.as_deref(), Some("eni-0bbea279695112970"));
    assert_eq!(real.private_ips.len(), 9);
    assert_eq!(real.private_ips[0], "192.168.53.76");
    assert_eq!(real.requested_ipv4_count, Some(9));
    assert_eq!(
        real.account.as_deref(),
        Some("111111111111"),
        "from the session issuer"
    );
    assert_eq!(real.actor, Actor::Cni);
    assert_eq!(real.record_index, 2);
    assert!(
        real.source_file
            .ends_with("20261122T1410Z_c8Hn2RfW5yUe1JdA.json.gz")
    );
}

#[test]
fn actor_and_window_filters() {
    let cni = ScanOptions {
        actor: ActorFilter::Cni,
        ..ScanOptions::default()
    };
    let (s, events) = run(&[fixtures().join("trail")], &cni);
    assert!(events.iter().all(|e| e.actor == Actor::Cni));
    assert_eq!(
        s.records_kept, 13,
        "everything but AutoScaling's RunInstances and TerminateInstances"
    );

    let t = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
    let window = ScanOptions {
        window: TimeWindow {
            since: Some(t("2026-11-22T14:01:11Z")),
            until: Some(t("2026-11-22T14:01:32Z")),
        },
        ..ScanOptions::default()
    };
    let (_, events) = run(&[fixtures().join("trail")], &window);
    let names: Vec<&str> = events
        .iter()
        .map(|e| e.event_id.get(..8).unwrap_or(""))
        .collect();
    assert_eq!(
        names,
        ["00000006", "00000005", "00000007"],
        "14:01:32 is excluded"
    );
}

#[test]
fn unmarked_cni_calls_are_attributed_whatever_the_order_inside_a_file() {
    // CNI v1.20 sends no user-agent marker; the ENI's creation (with the CNI's description)
    // comes after the assign in the file, as CloudTrail's unordered files allow.
    let identity = r#""userIdentity":{"type":"AssumedRole","arn":"arn:aws:sts::1:assumed-role/node/i-0123456789abcdef0"}"#;
    let assign = format!(
        r#"{{"eventTime":"2026-11-22T14:02:05Z","eventSource":"ec2.amazonaws.com","eventName":"AssignPrivateIpAddresses","eventID":"a","userAgent":"aws-sdk-go-v2/1.39.2 ua/2.1 os/linux",{identity},"requestParameters":{{"networkInterfaceId":"eni-0new","secondaryPrivateIpAddressCount":1}},"responseElements":{{"assignedPrivateIpAddressesSet":{{"item":[{{"privateIpAddress":"10.0.0.9"}}]}}}}}}"#
    );
    let create = format!(
        r#"{{"eventTime":"2026-11-22T14:02:00Z","eventSource":"ec2.amazonaws.com","eventName":"CreateNetworkInterface","eventID":"c","userAgent":"aws-sdk-go-v2/1.39.2 ua/2.1 os/linux",{identity},"requestParameters":{{"subnetId":"subnet-1","description":"aws-K8S-i-0123456789abcdef0"}},"responseElements":{{"networkInterface":{{"networkInterfaceId":"eni-0new","description":"aws-K8S-i-0123456789abcdef0"}}}}}}"#
    );
    let dir = tempfile::tempdir().unwrap();
    let (s, events) = scan_bytes(
        dir.path(),
        "unordered.json",
        format!("{{\"Records\":[{assign},{create}]}}").as_bytes(),
    );
    assert_eq!(s.records_kept, 2);
    assert!(events.iter().all(|e| e.actor == Actor::Cni), "{events:?}");
}

#[test]
fn every_input_shape() {
    let shapes = fixtures().join("shapes");
    let (s, events) = run(
        &[shapes.join("lookup-events.json")],
        &ScanOptions::default(),
    );
    assert_eq!((s.records_read, s.records_kept), (2, 1));
    assert_eq!(events[0].event_id, "3251aba1-4740-49d5-b700-f3115ef0a9ee");
    assert_eq!(
        events[0].instance_id.as_deref(),
        Some("i-0f3fbbbc0298d1a86")
    );
    assert_eq!(
        events[0].attachment_id.as_deref(),
        Some("eni-attach-00eb752237a160808")
    );
    assert_eq!(events[0].device_index, Some(1));

    let (s, events) = run(&[shapes.join("eventbridge.jsonl")], &ScanOptions::default());
    assert_eq!((s.records_read, s.records_kept), (1, 1));
    assert_eq!(
        events[0].instance_id.as_deref(),
        Some("i-0a3c844322fab4955")
    );
    assert_eq!(events[0].eni_id.as_deref(), Some("eni-0b81851d495d06d0a"));
    assert_eq!(events[0].primary_ip.as_deref(), Some("172.31.25.27"));
    assert_eq!(
        events[0].subnet_id.as_deref(),
        Some("subnet-08f460ce5d424d980")
    );

    let (s, events) = run(
        &[shapes.join("logs-insights.json")],
        &ScanOptions::default(),
    );
    assert_eq!((s.records_read, s.records_kept), (2, 2));
    assert_eq!(events[0].event_name, EventName::CreateNetworkInterface);
    assert_eq!(events[0].primary_ip.as_deref(), Some("192.0.2.0"));
    assert_eq!(events[0].subnet_id.as_deref(), Some("subnet-12345678"));
    assert_eq!(events[1].event_name, EventName::DeleteNetworkInterface);

    let (s, events) = run(&[shapes.join("records.jsonl")], &ScanOptions::default());
    assert_eq!((s.records_read, s.records_kept), (2, 2));
    assert_eq!(events[0].ipv6_prefixes, ["2a05:d018:1:2:3::/80"]);
    assert_eq!(events[1].ipv6_prefixes, ["2a05:d018:1:2:4::/80"]);
    assert_eq!(events[1].requested_ipv6_prefix_count, Some(1));
}

const GOOD: &str = r#"{"eventVersion":"1.08","eventTime":"2026-11-22T14:02:00Z","eventSource":"ec2.amazonaws.com","eventName":"DeleteNetworkInterface","eventID":"6a1e2d4c-0000-4000-8000-0000000000ID","requestParameters":{"networkInterfaceId":"eni-0abc"},"responseElements":{"_return":true}}"#;

fn good(id: u32) -> String {
    GOOD.replace("0000000000ID", &format!("{id:012}"))
}

fn scan_bytes(dir: &Path, name: &str, bytes: &[u8]) -> (ScanSummary, Vec<EniEvent>) {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    run(&[path], &ScanOptions::default())
}

#[test]
fn gzip_by_magic_bytes_multi_member_and_plain() {
    let dir = tempfile::tempdir().unwrap();
    let a = format!("{{\"Records\":[{}]}}", good(1));
    let b = format!("{{\"Records\":[{}]}}", good(2));
    let mut two_members = gz(a.as_bytes());
    two_members.extend(gz(b.as_bytes()));
    let (s, _) = scan_bytes(dir.path(), "no-suffix", &two_members);
    assert_eq!((s.records_read, s.records_kept, s.files_failed), (2, 2, 0));
    let (s, _) = scan_bytes(dir.path(), "plain.json.gz", a.as_bytes());
    assert_eq!(
        (s.records_kept, s.files_failed),
        (1, 0),
        "plain JSON despite the name"
    );
    let mut bom = vec![0xEF, 0xBB, 0xBF];
    bom.extend(a.as_bytes());
    let (s, _) = scan_bytes(dir.path(), "bom.json", &bom);
    assert_eq!((s.records_kept, s.files_failed), (1, 0));
    let (s, _) = scan_bytes(dir.path(), "bom.json.gz", &gz(&bom));
    assert_eq!((s.records_kept, s.files_failed), (1, 0));
}

/// CreateSubnet gives the subnet's size (capacity for the exhaustion report), and RunInstances
/// the node's instance type (its ENI limits); neither shape is in the facts doc, so both the
/// response and the request are read, and a missing part is no error.
#[test]
fn subnet_blocks_and_instance_types_are_kept() {
    let records = [
        r#"{"eventTime":"2026-11-22T09:00:00Z","eventSource":"ec2.amazonaws.com","eventName":"CreateSubnet","eventID":"6a1e2d4c-0000-4000-8000-000000000001","awsRegion":"eu-west-1","recipientAccountId":"111122223333","requestParameters":{"vpcId":"vpc-01","cidrBlock":"10.0.3.0/26","availabilityZone":"eu-west-1a"},"responseElements":{"requestId":"r1","subnet":{"subnetId":"subnet-0a","state":"pending","vpcId":"vpc-01","cidrBlock":"10.0.3.0/26","availableIpAddressCount":59}}}"#,
        r#"{"eventTime":"2026-11-22T09:00:01Z","eventSource":"ec2.amazonaws.com","eventName":"CreateSubnet","eventID":"6a1e2d4c-0000-4000-8000-000000000002","errorCode":"Client.InvalidSubnet.Conflict","requestParameters":{"vpcId":"vpc-01","cidrBlock":"10.0.3.0/24"},"responseElements":null}"#,
        r#"{"eventTime":"2026-11-22T09:01:00Z","eventSource":"ec2.amazonaws.com","eventName":"RunInstances","eventID":"6a1e2d4c-0000-4000-8000-000000000003","requestParameters":{"instanceType":"m5.large"},"responseElements":{"instancesSet":{"items":[{"instanceId":"i-01","instanceType":"m5.xlarge","subnetId":"subnet-0a","networkInterfaceSet":{"items":[{"networkInterfaceId":"eni-01","privateIpAddress":"10.0.3.10","privateIpAddressesSet":{"item":[{"privateIpAddress":"10.0.3.10","primary":true}]}}]}}]}}}"#,
    ];
    let dir = tempfile::tempdir().unwrap();
    let body = format!("{{\"Records\":[{}]}}", records.join(","));
    let (s, events) = scan_bytes(dir.path(), "subnets.json", body.as_bytes());
    assert_eq!((s.records_read, s.records_kept), (3, 3));
    assert_eq!(events[0].event_name, EventName::CreateSubnet);
    assert_eq!(events[0].subnet_id.as_deref(), Some("subnet-0a"));
    assert_eq!(events[0].cidr_block.as_deref(), Some("10.0.3.0/26"));
    assert_eq!(events[0].vpc_id.as_deref(), Some("vpc-01"));
    assert_eq!(events[1].subnet_id, None, "the call failed: no subnet");
    assert_eq!(events[1].cidr_block.as_deref(), Some("10.0.3.0/24"));
    assert_eq!(events[2].instance_type.as_deref(), Some("m5.xlarge"));

    // The timeline ignores subnets, and marks the primary address and who made the ENI.
    let mut builder = cnitrail_core::timeline::TimelineBuilder::new();
    for e in &events {
        builder.push(e);
    }
    let tl = builder.finish();
    assert_eq!(tl.intervals.len(), 1);
    assert!(tl.intervals[0].primary);
    assert_eq!(tl.intervals[0].assign_call, Some(EventName::RunInstances));
    assert_eq!(tl.enis[0].created_by, Some(Actor::Other));
}

#[test]
fn bad_files_are_named_and_the_rest_carries_on() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let records: Vec<String> = (0..200).map(good).collect();
    let whole = gz(format!("{{\"Records\":[{}]}}", records.join(",")).as_bytes());
    let write = |name: &str, bytes: &[u8]| std::fs::write(d.join(name), bytes).unwrap();
    write("a-truncated.json.gz", &whole[..whole.len() / 2]);
    write(
        "b-not-gzip.json.gz",
        &[
            0x1f, 0x8b, 0x08, 0x00, 0xde, 0xad, 0xbe, 0xef, 0, 0, 1, 2, 3,
        ],
    );
    write("c-not-json.json", b"this is not json\n");
    write(
        "d-records-not-array.json",
        br#"{"Records":{"eventName":"CreateTags"}}"#,
    );
    write("e-empty.json", b"");
    write(
        "f-good.json.gz",
        &gz(format!("{{\"Records\":[{}]}}", good(900)).as_bytes()),
    );
    write("g-binary.bin", &[0u8, 159, 146, 150, 255, 0, 1]);
    let (s, events) = run(&[d.to_path_buf()], &ScanOptions::default());

    assert_eq!(s.files_read, 1);
    assert_eq!(s.files_failed, 6);
    let reason = |name: &str| {
        s.failed_files
            .iter()
            .find(|f| f.file.ends_with(name))
            .map(|f| f.reason.clone())
            .unwrap_or_else(|| panic!("{name} not reported: {:?}", s.failed_files))
    };
    assert!(
        reason("a-truncated.json.gz").contains("read error"),
        "{}",
        reason("a-truncated.json.gz")
    );
    assert!(reason("b-not-gzip.json.gz").contains("read error"));
    assert!(reason("c-not-json.json").contains("not JSON"));
    assert!(reason("d-records-not-array.json").contains("\"Records\" is not an array"));
    assert_eq!(reason("e-empty.json"), "empty file");
    assert!(reason("g-binary.bin").contains("not JSON"));
    // The records before the truncation count, and the good file is all there.
    let truncated_kept = events
        .iter()
        .filter(|e| e.source_file.ends_with("a-truncated.json.gz"))
        .count();
    assert!(
        truncated_kept > 0 && truncated_kept < 200,
        "{truncated_kept}"
    );
    assert!(events.iter().any(|e| e.event_id.ends_with("000000000900")));
}

/// Issue 15, found 1: broken containers that once framed forever. Each is one failed file or
/// malformed records, named; the good file beside them is read whole.
#[test]
fn broken_containers_end_and_the_rest_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let hangs = [
        r#"{"Records":[}"#,
        r#"{"Records":[{}}"#,
        r#"{"Records":[1,}"#,
        r#"{"Records":[{"x":1]}"#,
        r#"{"Events":[}"#,
    ];
    for (i, text) in hangs.iter().enumerate() {
        std::fs::write(d.join(format!("h{i}.json")), text).unwrap();
        std::fs::write(d.join(format!("h{i}.json.gz")), gz(text.as_bytes())).unwrap();
    }
    std::fs::write(
        d.join("z-good.json"),
        format!("{{\"Records\":[{}]}}", good(7)),
    )
    .unwrap();
    let (s, events) = run(&[d.to_path_buf()], &ScanOptions::default());
    assert_eq!(s.files_read + s.files_failed, 11, "{s:?}");
    assert!(s.files_failed >= 10, "every broken file is named: {s:?}");
    assert_eq!(events.len(), 1);
    assert!(events[0].source_file.ends_with("z-good.json"));
}

/// Issue 15, found 7: valid empty documents are files with no records; whitespace alone is a
/// failed file with its own reason.
#[test]
fn empty_documents_are_read_and_whitespace_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    for (name, text) in [
        ("a.json", r#"{"Records":[]}"#),
        ("b.json", r#"{"Events":[]}"#),
        ("c.json", "[]"),
        ("d.json", " [ ]\n"),
    ] {
        std::fs::write(d.join(name), text).unwrap();
    }
    std::fs::write(d.join("e.json.gz"), gz(br#"{"Records":[]}"#)).unwrap();
    std::fs::write(d.join("f-blank.json"), " \n\t\r\n").unwrap();
    let (s, events) = run(&[d.to_path_buf()], &ScanOptions::default());
    assert!(events.is_empty());
    assert_eq!(
        (s.files_read, s.files_failed, s.records_read),
        (5, 1, 0),
        "{s:?}"
    );
    assert_eq!(s.failed_files[0].reason, "only whitespace, no JSON");
}

/// Issue 15, found 3: a failed file's days are what its records read and its CloudTrail key
/// say; a file with neither could hold any day.
#[test]
fn failed_files_tell_which_days_they_may_have_held() {
    use cnitrail_core::stats::FailedDays;
    let dir = tempfile::tempdir().unwrap();
    let folder = dir
        .path()
        .join("AWSLogs/111122223333/CloudTrail/us-east-1/2026/11/23");
    std::fs::create_dir_all(&folder).unwrap();
    let records: Vec<String> = (0..50).map(good).collect();
    let whole = gz(format!("{{\"Records\":[{}]}}", records.join(",")).as_bytes());
    std::fs::write(
        folder.join("111122223333_CloudTrail_us-east-1_20261123T0005Z_x.json.gz"),
        &whole[..whole.len() - 8],
    )
    .unwrap();
    let (s, events) = run(&[dir.path().to_path_buf()], &ScanOptions::default());
    assert_eq!(s.files_failed, 1);
    assert!(!events.is_empty(), "records before the failure are kept");
    let day = |d: &str| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").unwrap();
    assert_eq!(
        s.failed_days(),
        FailedDays::Days(vec![day("2026-11-22"), day("2026-11-23")])
    );

    let other = tempfile::tempdir().unwrap();
    std::fs::write(other.path().join("x.json.gz"), &whole[..whole.len() - 8]).unwrap();
    let (s, _) = run(&[other.path().to_path_buf()], &ScanOptions::default());
    assert_eq!(s.failed_days(), FailedDays::Unknown);
}

#[test]
fn bad_records_are_named_with_their_index() {
    let dir = tempfile::tempdir().unwrap();
    let no_time = good(2).replace(r#""eventTime":"2026-11-22T14:02:00Z","#, "");
    let bad_time = good(3).replace("2026-11-22T14:02:00Z", "yesterday");
    let future_version = good(4).replace(r#""eventVersion":"1.08""#, r#""eventVersion":"2.0""#);
    let big = good(5).replace(
        r#""responseElements""#,
        &format!(
            r#""padding":"{}","responseElements""#,
            "x".repeat(300 * 1024)
        ),
    );
    let no_name = good(6).replace(
        r#""eventName":"DeleteNetworkInterface","#,
        r#""eventName":7,"#,
    );
    let input = format!(
        "{{\"Records\":[{},{no_time},{bad_time},{future_version},{big},{no_name},42]}}",
        good(1)
    );
    let (s, events) = scan_bytes(dir.path(), "mixed.json", input.as_bytes());
    assert_eq!(s.files_failed, 0);
    assert_eq!(s.records_read, 7);
    assert_eq!(
        s.records_kept, 3,
        "good, unknown eventVersion, the 300 KB record"
    );
    assert_eq!(s.records_malformed, 3);
    assert_eq!(
        s.records_filtered, 1,
        "eventName 7 is not a name: no candidate"
    );
    let reasons: Vec<(u64, &str)> = s
        .malformed_records
        .iter()
        .map(|m| (m.record_index, m.reason.as_str()))
        .collect();
    assert_eq!(reasons[0], (1, "missing eventTime"));
    assert_eq!(reasons[1], (2, "invalid eventTime \"yesterday\""));
    assert_eq!(reasons[2].0, 6);
    assert!(reasons[2].1.contains("not a record object"));
    assert!(
        s.malformed_records
            .iter()
            .all(|m| m.file.ends_with("mixed.json"))
    );
    assert_eq!(events.len(), 3);
}

#[test]
fn duplicates_across_files_are_dropped_once() {
    let dir = tempfile::tempdir().unwrap();
    for (name, ids) in [("1.json", [1, 2]), ("2.json", [2, 3]), ("3.json", [3, 1])] {
        let recs: Vec<String> = ids.iter().map(|i| good(*i)).collect();
        std::fs::write(
            dir.path().join(name),
            format!("{{\"Records\":[{}]}}", recs.join(",")),
        )
        .unwrap();
    }
    let (s, events) = run(&[dir.path().to_path_buf()], &ScanOptions::default());
    assert_eq!((s.records_read, s.records_kept, s.duplicates), (6, 3, 3));
    let ids: Vec<&str> = events.iter().map(|e| &e.event_id[24..]).collect();
    assert_eq!(ids, ["000000000001", "000000000002", "000000000003"]);
}

/// xorshift64*: deterministic test data without a dependency.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[(self.next() % xs.len() as u64) as usize]
    }
}

fn json_str(s: &str) -> String {
    serde_json::to_string(s).unwrap()
}

/// A record with a random name (kept ones, near misses, escaped ones) and random set shapes.
fn random_record(rng: &mut Rng, i: u64) -> String {
    let names = [
        "AssignPrivateIpAddresses",
        "UnassignPrivateIpAddresses",
        "AssignIpv6Addresses",
        "UnassignIpv6Addresses",
        "CreateNetworkInterface",
        "AttachNetworkInterface",
        "DetachNetworkInterface",
        "DeleteNetworkInterface",
        "ModifyNetworkInterfaceAttribute",
        "CreateTags",
        "RunInstances",
        "TerminateInstances",
        "DescribeNetworkInterfaces",
        "DescribeInstances",
        "GetObject",
        "AssumeRoleWithWebIdentity",
        "Decrypt",
        "PutLogEvents",
    ];
    let raw_name = rng.pick(&names).to_string();
    // Sometimes escape the first letter: legal JSON that hides the name from a naive search.
    let name_json = if rng.next().is_multiple_of(7) {
        format!("\"\\u{:04x}{}\"", raw_name.as_bytes()[0], &raw_name[1..])
    } else {
        json_str(&raw_name)
    };
    let source = if rng.next().is_multiple_of(10) {
        "sts.amazonaws.com"
    } else {
        "ec2.amazonaws.com"
    };
    let ip = format!(
        "10.{}.{}.{}",
        rng.next() % 256,
        rng.next() % 256,
        rng.next() % 256
    );
    let set = match rng.next() % 6 {
        0 => format!(r#"{{"items":[{{"privateIpAddress":"{ip}"}}]}}"#),
        1 => format!(r#"{{"item":[{{"privateIpAddress":"{ip}","primary":true}}]}}"#),
        2 => format!(r#"{{"assignedPrivateIpAddressSetType":[{{"privateIpAddress":"{ip}"}}]}}"#),
        3 => format!(r#"{{"privateIpAddress":"{ip}"}}"#),
        4 => "{}".to_string(),
        _ => "null".to_string(),
    };
    let ua = rng.pick(&[
        "amazon-vpc-cni-k8s/version/ aws-sdk-go/1.55.5 (go1.22.5; linux; amd64)",
        "aws-sdk-go-v2/1.39.2 ua/2.1 os/linux",
        "console.amazonaws.com",
    ]);
    format!(
        concat!(
            r#"{{"eventVersion":"1.08","eventTime":"2026-11-22T14:{:02}:{:02}Z","eventSource":"{}","eventName":{},"#,
            r#""awsRegion":"us-east-1","eventID":"00000000-0000-4000-8000-{:012}","userAgent":{},"#,
            r#""userIdentity":{{"arn":"arn:aws:sts::1:assumed-role/r/i-0123456789abcdef0"}},"#,
            r#""requestParameters":{{"networkInterfaceId":"eni-{:x}","privateIpAddressesSet":{},"#,
            r#""resourcesSet":{{"items":[{{"resourceId":"eni-{:x}"}}]}},"instancesSet":{{"items":[{{"instanceId":"i-{:x}"}}]}}}},"#,
            r#""responseElements":{{"assignedPrivateIpAddressesSet":{},"networkInterface":{{"networkInterfaceId":"eni-{:x}","privateIpAddressesSet":{}}}}}}}"#
        ),
        rng.next() % 60,
        rng.next() % 60,
        source,
        name_json,
        i,
        json_str(ua),
        rng.next(),
        set,
        rng.next(),
        rng.next(),
        set,
        rng.next(),
        set,
    )
}

/// Wraps records in one of the input shapes.
fn wrap(rng: &mut Rng, records: &[String]) -> String {
    match rng.next() % 4 {
        0 => format!("{{\"Records\":[{}]}}", records.join(",")),
        1 => {
            let events: Vec<String> = records
                .iter()
                .map(|r| {
                    format!(
                        "{{\"EventName\":\"x\",\"CloudTrailEvent\":{}}}",
                        json_str(r)
                    )
                })
                .collect();
            format!("{{\"Events\":[{}],\"NextToken\":null}}", events.join(","))
        }
        2 => records
            .iter()
            .map(|r| format!("{{\"detail-type\":\"AWS API Call via CloudTrail\",\"detail\":{r}}}"))
            .collect::<Vec<_>>()
            .join("\n"),
        _ => records.join("\n"),
    }
}

#[test]
fn prefilter_never_misses_what_a_full_parse_keeps() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut compared = 0;
    let mut kept = 0;
    for file in 0..60 {
        let records: Vec<String> = (0..50)
            .map(|i| random_record(&mut rng, file * 1000 + i))
            .collect();
        let text = wrap(&mut rng, &records);
        let mut framer = Framer::new(text.as_bytes());
        let mut index = 0;
        while let Some(frame) = framer.next_frame().expect("generated input frames") {
            let Frame::Item { kind, bytes } = frame else {
                panic!("generated input has no malformed items")
            };
            let origin = Origin {
                file: Arc::from("generated"),
                index,
            };
            let full = extract_item_parsed(kind, bytes, &origin);
            let fast = extract_item(kind, bytes, &origin);
            match (&full, &fast) {
                (Extracted::Kept(a), Extracted::Kept(b)) => {
                    assert_eq!(a.events, b.events);
                    kept += 1;
                }
                (Extracted::Kept(_), _) => panic!(
                    "prefilter dropped a kept record: {}",
                    String::from_utf8_lossy(bytes)
                ),
                (_, Extracted::Kept(_)) => panic!("prefilter path kept what a full parse does not"),
                _ => {}
            }
            assert!(matches!(
                kind,
                ItemKind::Record | ItemKind::LookupEvent | ItemKind::TopLevel
            ));
            compared += 1;
            index += 1;
        }
    }
    assert_eq!(compared, 3000);
    assert!(
        kept > 1000,
        "the generator produces plenty of kept records ({kept})"
    );
}
