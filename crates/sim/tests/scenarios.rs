//! Whole scenarios played through ipamd, Aws and Delivery, checked on the ground truth they
//! write: a subnet filling up, a throttling storm, a node scale-in, prefix delegation.

use cnitrail_sim::scenario::{self, Manifest, ModeName, Scenario, SubnetSpec};
use serde_json::Value;
use std::collections::HashMap;
use std::path::Path;

fn play(sc: &Scenario) -> (Manifest, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let m = scenario::run(sc, dir.path()).expect("scenario runs");
    (m, dir)
}

fn rows(dir: &Path, table: &str) -> Vec<Value> {
    std::fs::read_to_string(dir.join("truth").join(format!("{table}.jsonl")))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).expect("truth rows are JSON"))
        .collect()
}

/// Seconds since the epoch of a truth time (`YYYY-MM-DDTHH:MM:SSZ`), enough to compare.
fn secs(v: &Value) -> i64 {
    let t = v.as_str().expect("a time");
    let n = |r: std::ops::Range<usize>| t[r].parse::<i64>().unwrap();
    ((n(8..10) * 24 + n(11..13)) * 60 + n(14..16)) * 60 + n(17..19)
}

fn quiet() -> Scenario {
    Scenario {
        noise_per_second: 0.5,
        other_enis_per_hour: 0.0,
        hours: 1.0,
        ..Scenario::default()
    }
}

#[test]
fn a_filling_subnet_errors_and_ipamd_backs_off_for_120_s() {
    let mut sc = quiet();
    sc.subnets = vec![SubnetSpec {
        id: "subnet-0small".into(),
        cidr: "10.0.0.0/26".into(),
    }];
    sc.nodes.initial = 3;
    sc.nodes.min = 3;
    sc.nodes.scale_interval_seconds = 0;
    sc.workload.steady_pods = 14;
    let (_, dir) = play(&sc);
    let calls = rows(dir.path(), "calls");
    let exhausted = |c: &Value| {
        matches!(
            c["error"].as_str(),
            Some("Client.InsufficientFreeAddressesInSubnet" | "Client.InvalidParameterValue")
        )
    };
    assert!(
        calls.iter().any(exhausted),
        "a /26 cannot hold three nodes' pools"
    );
    let grows = |c: &Value| {
        matches!(
            c["api"].as_str(),
            Some("AssignPrivateIpAddresses" | "CreateNetworkInterface")
        )
    };
    let mut by_caller: HashMap<&str, Vec<&Value>> = HashMap::new();
    for c in &calls {
        by_caller
            .entry(c["caller"].as_str().unwrap())
            .or_default()
            .push(c);
    }
    let mut checked = 0;
    for (caller, calls) in by_caller.iter().filter(|(c, _)| c.starts_with("cni:")) {
        for c in calls.iter().filter(|c| exhausted(c)) {
            let t = secs(&c["time"]);
            let same_second_success = calls
                .iter()
                .any(|d| secs(&d["time"]) == t && grows(d) && d["error"].is_null());
            if same_second_success {
                continue; // the count=1 retry got an address: no back-off
            }
            checked += 1;
            let early = calls
                .iter()
                .find(|d| grows(d) && (t + 1..t + 120).contains(&secs(&d["time"])));
            assert!(
                early.is_none(),
                "{caller} grew again within 120 s of {c}: {early:?}"
            );
        }
    }
    assert!(checked > 0, "at least one back-off was observed");
}

#[test]
fn a_throttling_storm_is_recorded_call_by_call() {
    let sc = Scenario::throttling_storm();
    let (m, dir) = play(&sc);
    let throttles = rows(dir.path(), "throttles");
    assert!(
        !throttles.is_empty(),
        "churn on 40 nodes exceeds the small buckets"
    );
    let calls = rows(dir.path(), "calls");
    let throttled_calls = calls
        .iter()
        .filter(|c| c["error"] == "Client.RequestLimitExceeded")
        .count();
    assert_eq!(
        throttled_calls,
        throttles.len(),
        "every throttled call is a call of its own"
    );
    // Every call is one record of the trail.
    let all: u64 = m.calls_by_api.values().sum();
    assert_eq!(all as usize, calls.len());
    assert!(
        throttles
            .iter()
            .any(|t| t["caller"].as_str().unwrap().starts_with("cni:"))
    );
}

#[test]
fn scale_in_ends_the_nodes_addresses_at_termination() {
    let mut sc = quiet();
    sc.hours = 3.0;
    sc.nodes.initial = 4;
    sc.nodes.min = 1;
    sc.nodes.max = 5;
    sc.nodes.scale_interval_seconds = 900;
    let (m, dir) = play(&sc);
    assert!(m.nodes_terminated > 0, "the random walk scaled in: {m:?}");
    let terminations: Vec<i64> = rows(dir.path(), "calls")
        .iter()
        .filter(|c| c["api"] == "TerminateInstances" && c["error"].is_null())
        .map(|c| secs(&c["time"]))
        .collect();
    let ended: Vec<Value> = rows(dir.path(), "addresses")
        .into_iter()
        .filter(|a| a["end_reason"] == "instance-terminated")
        .collect();
    assert!(!ended.is_empty());
    for a in &ended {
        assert!(
            terminations.contains(&secs(&a["end"])),
            "an address ended by termination ends at a TerminateInstances: {a}"
        );
        assert!(secs(&a["start"]) <= secs(&a["end"]));
    }
}

#[test]
fn prefix_delegation_holds_aligned_28s() {
    let mut sc = quiet();
    sc.pool.mode = ModeName::Prefix;
    sc.pool.warm_prefix_target = 1;
    sc.nodes.scale_interval_seconds = 0;
    let (_, dir) = play(&sc);
    let prefixes: Vec<Value> = rows(dir.path(), "addresses")
        .into_iter()
        .filter(|a| a["prefix"] == true)
        .collect();
    assert!(!prefixes.is_empty());
    for p in &prefixes {
        assert_eq!(p["size"], 16);
        let cidr = p["address"].as_str().unwrap();
        let (base, len) = cidr.split_once('/').unwrap();
        assert_eq!(len, "28");
        let last: u32 = base.rsplit('.').next().unwrap().parse().unwrap();
        assert_eq!(last % 16, 0, "{cidr} is aligned");
        assert_eq!(p["holder"], "cni");
    }
}
