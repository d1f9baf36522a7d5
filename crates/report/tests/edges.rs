//! Hand-written records for what the simulator does not produce: leaked ENIs, and a subnet
//! whose capacity comes from a CreateSubnet record.

use chrono::{DateTime, Duration, Utc};
use cnitrail_core::scan::{Quiet, ScanOptions, scan};
use cnitrail_core::source::local::{NameFilter, expand};
use cnitrail_core::timeline::TimelineBuilder;
use cnitrail_report::exhaustion::{ExhaustionOptions, exhaustion};
use cnitrail_report::leaks::{LeakKind, find_leaks};
use cnitrail_report::{Collector, ReportInput};

const CNI_UA: &str = "amazon-vpc-cni-k8s/version/v1.22.0 aws-sdk-go-v2/1.30.0";
const NODE: &str = "i-0a1b2c3d4e5f60718";

fn record(n: u32, time: &str, name: &str, ua: &str, req: &str, resp: &str) -> String {
    format!(
        r#"{{"eventTime":"2026-11-22T{time}Z","eventSource":"ec2.amazonaws.com","eventName":"{name}","eventID":"6a1e2d4c-0000-4000-8000-{n:012}","awsRegion":"eu-west-1","recipientAccountId":"111122223333","userAgent":"{ua}","userIdentity":{{"type":"AssumedRole","arn":"arn:aws:sts::111122223333:assumed-role/node/{NODE}"}},"requestParameters":{req},"responseElements":{resp}}}"#
    )
}

fn create(n: u32, time: &str, eni: &str, ips: &[&str], ua: &str) -> String {
    let set: Vec<String> = ips
        .iter()
        .enumerate()
        .map(|(i, ip)| format!(r#"{{"privateIpAddress":"{ip}","primary":{}}}"#, i == 0))
        .collect();
    record(
        n,
        time,
        "CreateNetworkInterface",
        ua,
        r#"{"subnetId":"subnet-0a"}"#,
        &format!(
            r#"{{"networkInterface":{{"networkInterfaceId":"{eni}","subnetId":"subnet-0a","description":"aws-K8S-{NODE}","privateIpAddress":"{}","privateIpAddressesSet":{{"item":[{}]}}}}}}"#,
            ips[0],
            set.join(",")
        ),
    )
}

fn attach(n: u32, time: &str, eni: &str, attachment: &str) -> String {
    record(
        n,
        time,
        "AttachNetworkInterface",
        CNI_UA,
        &format!(r#"{{"networkInterfaceId":"{eni}","instanceId":"{NODE}","deviceIndex":1}}"#),
        &format!(r#"{{"attachmentId":"{attachment}"}}"#),
    )
}

fn detach(n: u32, time: &str, attachment: &str) -> String {
    record(
        n,
        time,
        "DetachNetworkInterface",
        CNI_UA,
        &format!(r#"{{"attachmentId":"{attachment}"}}"#),
        r#"{"_return":true}"#,
    )
}

fn delete(n: u32, time: &str, eni: &str) -> String {
    record(
        n,
        time,
        "DeleteNetworkInterface",
        CNI_UA,
        &format!(r#"{{"networkInterfaceId":"{eni}"}}"#),
        r#"{"_return":true}"#,
    )
}

fn input(records: &[String]) -> ReportInput {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("trail.json");
    std::fs::write(&path, format!(r#"{{"Records":[{}]}}"#, records.join(","))).unwrap();
    let mut collector = Collector::new(TimelineBuilder::new());
    let objects = expand(&[path], &NameFilter::default());
    let summary = scan(objects, &ScanOptions::default(), &mut collector, &mut Quiet).unwrap();
    assert!(summary.clean(), "{summary:?}");
    assert_eq!(summary.records_kept as usize, records.len());
    collector.finish()
}

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(&format!("2026-11-22T{s}Z"))
        .unwrap()
        .with_timezone(&Utc)
}

#[test]
fn leaked_enis_are_the_cnis_idle_ones_past_the_grace_period() {
    let other_ua = "aws-cli/2.15.0";
    let records = vec![
        // Never attached: leaked for the rest of the hour.
        create(
            1,
            "10:00:00",
            "eni-leak1",
            &["10.0.0.10", "10.0.0.11"],
            CNI_UA,
        ),
        // Attached, detached, deleted a minute later: fine.
        create(2, "10:00:00", "eni-ok", &["10.0.0.20"], CNI_UA),
        attach(3, "10:00:05", "eni-ok", "eni-attach-ok"),
        detach(4, "10:30:00", "eni-attach-ok"),
        delete(5, "10:31:00", "eni-ok"),
        // Detached at 10:10 and deleted only at 10:40: idle for 30 minutes.
        create(
            6,
            "10:00:00",
            "eni-leak2",
            &["10.0.0.30", "10.0.0.31", "10.0.0.32"],
            CNI_UA,
        ),
        attach(7, "10:00:05", "eni-leak2", "eni-attach-leak2"),
        detach(8, "10:10:00", "eni-attach-leak2"),
        delete(9, "10:40:00", "eni-leak2"),
        // Created two minutes before the end: too early to tell.
        create(10, "10:58:00", "eni-late", &["10.0.0.40"], CNI_UA),
        // Someone else's unattached ENI (an operator's, not described as the CNI's) is no leak.
        create(11, "10:00:00", "eni-other", &["10.0.0.50"], other_ua)
            .replace(&format!("assumed-role/node/{NODE}"), "user/operator")
            .replace(&format!("aws-K8S-{NODE}"), "scratch"),
        // The end of the input.
        delete(12, "11:00:00", "eni-unknown"),
    ];
    let input = input(&records);
    let leaks = find_leaks(&input, Duration::minutes(5));
    let got: Vec<(&str, LeakKind, i64, usize)> = leaks
        .iter()
        .map(|l| {
            (
                l.eni_id.as_str(),
                l.kind,
                l.idle_for.num_seconds(),
                l.addresses.len(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("eni-leak1", LeakKind::NeverAttached, 3600, 2),
            ("eni-leak2", LeakKind::DetachedNotDeleted, 1800, 3),
        ]
    );
    assert_eq!(leaks[0].node.as_deref(), Some(NODE));
    assert_eq!(leaks[1].detached_at, Some(at("10:10:00")));
    assert_eq!(leaks[1].deleted_at, Some(at("10:40:00")));
    assert_eq!(
        leaks[1].deleted_event_id.as_deref(),
        Some("6a1e2d4c-0000-4000-8000-000000000009")
    );
    // A longer grace period forgives the second one.
    assert_eq!(find_leaks(&input, Duration::minutes(45)).len(), 1);
}

#[test]
fn capacity_comes_from_create_subnet_and_the_caller_wins() {
    let records = vec![
        record(
            1,
            "09:00:00",
            "CreateSubnet",
            "aws-cli/2.15.0",
            r#"{"vpcId":"vpc-01","cidrBlock":"10.0.0.0/28"}"#,
            r#"{"subnet":{"subnetId":"subnet-0a","vpcId":"vpc-01","cidrBlock":"10.0.0.0/28"}}"#,
        ),
        create(2, "10:00:00", "eni-a", &["10.0.0.4", "10.0.0.5", "10.0.0.6"], CNI_UA),
        record(
            3,
            "10:00:30",
            "AssignPrivateIpAddresses",
            CNI_UA,
            r#"{"networkInterfaceId":"eni-a","secondaryPrivateIpAddressCount":9}"#,
            r#"{"requestId":"r","errorCode":null}"#,
        )
        .replace(
            r#""requestParameters""#,
            r#""errorCode":"Client.InsufficientFreeAddressesInSubnet","errorMessage":"The specified subnet does not have enough free addresses to satisfy the request.","requestParameters""#,
        ),
    ];
    let input = input(&records);
    let report = exhaustion(&input, &ExhaustionOptions::default()).unwrap();
    let f = &report.first_failures[0];
    assert_eq!((f.subnet_id.as_str(), f.at), ("subnet-0a", at("10:00:30")));
    assert_eq!(f.capacity, Some(11), "a /28 less the 5 reserved");
    assert_eq!((f.held.cni, f.held.total()), (3, 3));
    assert_eq!(f.nodes, [NODE]);
    let given = ExhaustionOptions {
        cidrs: [("subnet-0a".to_string(), "10.0.0.0/27".to_string())].into(),
        ..ExhaustionOptions::default()
    };
    let report = exhaustion(&input, &given).unwrap();
    assert_eq!(report.first_failures[0].capacity, Some(27));
    let bad = ExhaustionOptions {
        cidrs: [("subnet-0a".to_string(), "10.0.0.0".to_string())].into(),
        ..ExhaustionOptions::default()
    };
    assert!(exhaustion(&input, &bad).is_err());
}

#[test]
fn a_long_input_gets_a_bounded_chart_that_keeps_its_peaks() {
    use cnitrail_report::html::{HtmlOptions, html_report};
    // Ten addresses held for twenty seconds in a trail that spans a year: the page's usage
    // chart takes a coarser step, and that step still shows the ten.
    let records = vec![
        create(
            1,
            "10:00:10",
            "eni-brief",
            &[
                "10.0.0.10",
                "10.0.0.11",
                "10.0.0.12",
                "10.0.0.13",
                "10.0.0.14",
                "10.0.0.15",
                "10.0.0.16",
                "10.0.0.17",
                "10.0.0.18",
                "10.0.0.19",
            ],
            CNI_UA,
        ),
        delete(2, "10:00:30", "eni-brief"),
        delete(3, "12:00:00", "eni-unknown").replace("2026-11-22T", "2027-11-22T"),
    ];
    let input = input(&records);
    let page = html_report(&input, &HtmlOptions::default()).unwrap();
    let subnet = page
        .subnets
        .iter()
        .find(|s| s.subnet_id == "subnet-0a")
        .expect("the subnet's chart");
    assert!(
        (2..=2882).contains(&subnet.points.len()),
        "{} points",
        subnet.points.len()
    );
    let most = subnet
        .points
        .iter()
        .map(|p| p.node + p.cni_secondary + p.cni_prefix + p.other)
        .max();
    assert_eq!(most, Some(10));
    // The usage table keeps the state at the start of each (one-minute) step, at its change
    // points only (issue 15): the first step (10:00, where the calls were), the step after
    // it (10:01, nothing held), and the last (12:01 a year later), not 525,722 minutes.
    let usage = exhaustion(&input, &ExhaustionOptions::default()).unwrap();
    assert_eq!(usage.usage.height(), 3);
    let held: Vec<i64> = usage
        .usage
        .column("held")
        .unwrap()
        .i64()
        .unwrap()
        .into_no_null_iter()
        .collect();
    assert_eq!(
        held,
        [0, 0, 0],
        "the state at the start of each of those steps"
    );
    assert_eq!(usage.series[0].points[0].1.total(), 10, "the step's peak");

    // A record dated in the year 9999 among them costs a row, not millions of minutes.
    let mut far = records.clone();
    far.push(delete(4, "12:00:00", "eni-far").replace("2026-11-22T", "9999-11-22T"));
    let usage = exhaustion(&crate::input(&far), &ExhaustionOptions::default()).unwrap();
    assert_eq!(usage.usage.height(), 3);
}
