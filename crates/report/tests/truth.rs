//! The reports against the simulator's ground truth: a subnet filling up (usage per minute by
//! holder, the first failure and what was held then), churn per node, leaked ENIs. The
//! simulator and cnitrail meet only through the files it writes.

use chrono::{DateTime, Duration, Utc};
use cnitrail_core::scan::{Quiet, ScanOptions};
use cnitrail_core::source::local::{NameFilter, expand};
use cnitrail_core::timeline::TimelineBuilder;
use cnitrail_frames::polars::prelude::*;
use cnitrail_report::churn::{By, ChurnOptions, churn};
use cnitrail_report::exhaustion::{ExhaustionOptions, exhaustion};
use cnitrail_report::leaks::find_leaks;
use cnitrail_report::throttle::{ThrottleOptions, throttle};
use cnitrail_report::{Collector, ReportInput};
use cnitrail_sim::scenario::{self, ModeName, Scenario, SubnetSpec, VersionShare};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

fn play(sc: &Scenario) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    scenario::run(sc, dir.path()).expect("simulation");
    dir
}

fn input_of(dir: &Path) -> ReportInput {
    let objects = expand(&[dir.join("trail")], &NameFilter::default());
    let options = ScanOptions {
        count_calls: true,
        ..ScanOptions::default()
    };
    let (input, summary) =
        Collector::scan(objects, &options, TimelineBuilder::new(), &mut Quiet).unwrap();
    assert!(summary.clean(), "{summary:?}");
    input
}

fn rows(dir: &Path, table: &str) -> Vec<Value> {
    std::fs::read_to_string(dir.join("truth").join(format!("{table}.jsonl")))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).expect("truth rows are JSON"))
        .collect()
}

fn time(v: &Value) -> Option<DateTime<Utc>> {
    v.as_str()
        .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
        .map(|t| t.with_timezone(&Utc))
}

fn ints(df: &DataFrame, name: &str) -> Vec<Option<i64>> {
    df.column(name).unwrap().i64().unwrap().iter().collect()
}

fn texts(df: &DataFrame, name: &str) -> Vec<Option<String>> {
    df.column(name)
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .map(|s| s.map(str::to_string))
        .collect()
}

fn times(df: &DataFrame, name: &str) -> Vec<Option<DateTime<Utc>>> {
    let c = df.column(name).unwrap();
    assert_eq!(
        c.dtype(),
        &DataType::Datetime(TimeUnit::Microseconds, Some(TimeZone::UTC))
    );
    c.datetime()
        .unwrap()
        .physical()
        .iter()
        .map(|t| t.and_then(DateTime::from_timestamp_micros))
        .collect()
}

/// (node, CNI, other, free) addresses of a subnet at a minute, as the truth's usage table has them.
type Usage = (i64, i64, i64, Option<i64>);

/// A /26 shared by three nodes' pools and other services' ENIs: it runs dry.
fn filling_subnet(seed: u64, versions: &[&str], identity: &str) -> Scenario {
    let mut sc = Scenario {
        seed,
        hours: 1.0,
        noise_per_second: 0.3,
        late_fraction: 0.05,
        duplicate_fraction: 0.02,
        other_enis_per_hour: 12.0,
        identity: identity.into(),
        cni_versions: versions
            .iter()
            .map(|v| VersionShare {
                version: v.to_string(),
                weight: 1.0,
            })
            .collect(),
        subnets: vec![SubnetSpec {
            id: "subnet-0small".into(),
            cidr: "10.0.0.0/26".into(),
        }],
        ..Scenario::default()
    };
    sc.nodes.initial = 3;
    sc.nodes.min = 3;
    sc.nodes.scale_interval_seconds = 0;
    sc.workload.steady_pods = 14;
    sc
}

#[test]
fn usage_per_minute_and_the_first_failure_match_the_truth() {
    for (seed, versions, identity) in [
        (11, &["v1.22.0"][..], "node-role"),
        (12, &["v1.20.0", "v1.12.6"][..], "irsa"),
    ] {
        let sc = filling_subnet(seed, versions, identity);
        let dir = play(&sc);
        let input = input_of(dir.path());
        let options = ExhaustionOptions {
            cidrs: HashMap::from([("subnet-0small".to_string(), "10.0.0.0/26".to_string())]),
            ..ExhaustionOptions::default()
        };
        let report = exhaustion(&input, &options).unwrap();

        // Usage: every minute both sides cover, held by kind (ours read as a step function).
        let u = &report.usage;
        let ours: BTreeMap<(String, DateTime<Utc>), Usage> = texts(u, "subnet_id")
            .into_iter()
            .zip(times(u, "time"))
            .zip(ints(u, "node"))
            .zip(ints(u, "cni").into_iter().zip(ints(u, "cni_prefix")))
            .zip(ints(u, "other").into_iter().zip(ints(u, "free")))
            .map(|((((s, t), n), (c, p)), (o, f))| {
                (
                    (s.unwrap(), t.unwrap()),
                    (n.unwrap(), c.unwrap() + p.unwrap(), o.unwrap(), f),
                )
            })
            .collect();
        let mut compared = 0;
        for r in rows(dir.path(), "usage") {
            let key = (
                r["subnet_id"].as_str().unwrap().to_string(),
                time(&r["minute"]).unwrap(),
            );
            // Rows are change points (a step function): a minute without a row holds what
            // the subnet's row before it says.
            let Some((_, got)) = ours
                .range(..=key.clone())
                .next_back()
                .filter(|((subnet, _), _)| *subnet == key.0)
            else {
                continue;
            };
            let want = (
                r["node"].as_i64().unwrap(),
                r["cni"].as_i64().unwrap(),
                r["other"].as_i64().unwrap(),
                Some(r["free"].as_i64().unwrap()),
            );
            assert_eq!(
                *got, want,
                "seed {seed}: usage of {key:?} (node, cni, other, free)"
            );
            compared += 1;
        }
        assert!(
            compared >= 55,
            "seed {seed}: an hour of minutes compared, got {compared}"
        );

        // The first exhaustion error, and what was held just before it.
        let calls = rows(dir.path(), "calls");
        let first = calls
            .iter()
            .filter(|c| {
                matches!(
                    c["error"].as_str(),
                    Some(
                        "Client.InsufficientFreeAddressesInSubnet" | "Client.InvalidParameterValue"
                    )
                )
            })
            .filter_map(|c| time(&c["time"]))
            .min()
            .expect("the /26 runs dry");
        assert_eq!(report.first_failures.len(), 1, "seed {seed}");
        let f = &report.first_failures[0];
        assert_eq!(
            (f.subnet_id.as_str(), f.at),
            ("subnet-0small", first),
            "seed {seed}"
        );
        let held_then: u64 = rows(dir.path(), "addresses")
            .iter()
            .filter(|a| {
                time(&a["start"]).is_some_and(|s| s < first)
                    && time(&a["end"]).is_none_or(|e| e >= first)
            })
            .map(|a| a["size"].as_u64().unwrap())
            .sum();
        assert_eq!(f.held.total(), held_then, "seed {seed}: held at {first}");
        assert_eq!(f.capacity, Some(59));
        assert!(!f.nodes.is_empty());
        let failing_nodes: std::collections::BTreeSet<String> = calls
            .iter()
            .filter(|c| c["error"].is_string() && c["error"] != "Client.RequestLimitExceeded")
            .filter_map(|c| {
                c["caller"]
                    .as_str()?
                    .strip_prefix("cni:")
                    .map(str::to_string)
            })
            .collect();
        for n in &f.nodes {
            assert!(
                failing_nodes.contains(n),
                "seed {seed}: {n} hit no error in the truth"
            );
        }
        assert_eq!(report.holders.height().min(1), 1);
        assert_eq!(
            report.levers.height(),
            4,
            "four levers for the one exhausted subnet"
        );
        assert!(report.warm_pools.height() >= 1);
    }
}

#[test]
fn churn_per_node_matches_the_calls_of_the_truth() {
    let mut sc = filling_subnet(21, &["v1.22.0", "v1.20.0"], "irsa");
    sc.subnets[0].cidr = "10.0.0.0/20".into();
    sc.pool.mode = ModeName::WarmIp;
    sc.pool.warm_ip_target = 2;
    sc.pool.minimum_ip_target = 5;
    sc.nodes.instance_type = "t3.small".into();
    sc.nodes.initial = 6;
    sc.nodes.min = 6;
    sc.workload.steady_pods = 3;
    sc.workload.batch_size = 4;
    sc.workload.batch_every_seconds = 300;
    sc.workload.batch_duration_seconds = 120;
    let dir = play(&sc);
    let input = input_of(dir.path());
    let options = ChurnOptions {
        by: By::Node,
        every: Duration::days(1),
        ..ChurnOptions::default()
    };
    let df = churn(&input, &options).unwrap();
    let mut ours: BTreeMap<String, (i64, i64, i64)> = BTreeMap::new();
    for ((node, a), (u, f)) in texts(&df, "node")
        .into_iter()
        .zip(ints(&df, "assign_calls"))
        .zip(
            ints(&df, "unassign_calls")
                .into_iter()
                .zip(ints(&df, "failed_calls")),
        )
    {
        let Some(node) = node else { continue };
        let e = ours.entry(node).or_default();
        e.0 += a.unwrap();
        e.1 += u.unwrap();
        e.2 += f.unwrap();
    }
    let mut want: BTreeMap<String, (i64, i64, i64)> = BTreeMap::new();
    for c in rows(dir.path(), "calls") {
        let Some(node) = c["caller"].as_str().and_then(|c| c.strip_prefix("cni:")) else {
            continue;
        };
        let api = c["api"].as_str().unwrap();
        let e = want.entry(node.to_string()).or_default();
        match api {
            "AssignPrivateIpAddresses" => e.0 += 1,
            "UnassignPrivateIpAddresses" => e.1 += 1,
            _ => {}
        }
        if c["error"].is_string()
            && matches!(
                api,
                "AssignPrivateIpAddresses" | "UnassignPrivateIpAddresses"
            )
        {
            e.2 += 1;
        }
    }
    // Failed calls per node in our table cover every kept ENI call; compare the two APIs.
    // Rows of nodes that only made other EC2 calls (counted with every call) have no assigns.
    let ours_assign: BTreeMap<&String, (i64, i64)> = ours
        .iter()
        .filter(|(_, v)| v.0 + v.1 > 0)
        .map(|(n, v)| (n, (v.0, v.1)))
        .collect();
    let want_assign: BTreeMap<&String, (i64, i64)> = want
        .iter()
        .filter(|(_, v)| v.0 + v.1 > 0)
        .map(|(n, v)| (n, (v.0, v.1)))
        .collect();
    assert!(want_assign.len() >= 6, "{want_assign:?}");
    assert!(
        want_assign.values().map(|v| v.1).sum::<i64>() > 0,
        "WARM_IP_TARGET unassigns"
    );
    assert_eq!(
        ours_assign, want_assign,
        "(assign, unassign) calls per node"
    );
}

/// The leak rule applied to the truth's ENIs gives the same ENIs as applied to ours.
#[test]
fn leaks_match_the_rule_applied_to_the_truth() {
    let mut sc = filling_subnet(31, &["v1.22.0"], "node-role");
    sc.nodes.scale_interval_seconds = 600;
    sc.nodes.min = 1;
    sc.nodes.max = 5;
    let dir = play(&sc);
    let input = input_of(dir.path());
    let grace = Duration::minutes(5);
    let (_, end) = input.span().unwrap();
    let mut want: Vec<String> = Vec::new();
    for e in rows(dir.path(), "enis") {
        if e["holder"] != "cni" {
            continue;
        }
        let attachments = e["attachments"].as_array().unwrap();
        let idle_since = match attachments.last() {
            None => time(&e["created"]).unwrap(),
            Some(a) => match time(&a["detached"]) {
                Some(d) => d,
                None => continue,
            },
        };
        let deleted = time(&e["deleted"]);
        let idle = deleted.unwrap_or(end) - idle_since;
        if idle > grace {
            want.push(e["eni_id"].as_str().unwrap().to_string());
        }
    }
    want.sort();
    let mut got: Vec<String> = find_leaks(&input, grace)
        .into_iter()
        .map(|l| l.eni_id)
        .collect();
    got.sort();
    // The simulated CNI cleans up after itself (no leaks): this checks for false alarms
    // across scale-in, detaches and deletions; tests/edges.rs has the leaks themselves.
    let cni_enis = rows(dir.path(), "enis")
        .iter()
        .filter(|e| e["holder"] == "cni")
        .count();
    assert!(cni_enis >= 4, "{cni_enis} CNI ENIs");
    assert_eq!(got, want);
}

/// Throttled calls per API and minute, everyone's, equal to the truth's throttles; bursts are
/// runs of those minutes.
#[test]
fn throttled_calls_per_api_and_minute_match_the_truth() {
    let mut sc = Scenario::throttling_storm();
    sc.seed = 41;
    sc.cni_versions = ["v1.22.0", "v1.20.0"]
        .iter()
        .map(|v| VersionShare {
            version: v.to_string(),
            weight: 1.0,
        })
        .collect();
    sc.noise_per_second = 0.3;
    sc.late_fraction = 0.05;
    sc.duplicate_fraction = 0.02;
    sc.workload.steady_pods = 3;
    let dir = play(&sc);
    let input = input_of(dir.path());
    assert!(
        !input.call_counts().is_empty(),
        "the scan counted every EC2 call"
    );
    let report = throttle(&input, &ThrottleOptions::default()).unwrap();

    let minute = |t: DateTime<Utc>| t - Duration::seconds(t.timestamp().rem_euclid(60));
    let mut want: BTreeMap<(DateTime<Utc>, String), i64> = BTreeMap::new();
    for t in rows(dir.path(), "throttles") {
        let key = (
            minute(time(&t["time"]).unwrap()),
            t["api"].as_str().unwrap().to_string(),
        );
        *want.entry(key).or_default() += 1;
    }
    assert!(want.len() >= 3, "a storm over several minutes: {want:?}");
    let m = &report.minutes;
    let mut got: BTreeMap<(DateTime<Utc>, String), i64> = BTreeMap::new();
    let mut noise = 0;
    for ((t, api), n) in times(m, "minute")
        .into_iter()
        .zip(texts(m, "api"))
        .zip(ints(m, "throttled"))
    {
        let api = api.unwrap();
        // The truth covers the simulated AWS model's calls; the trail's noise adds throttled
        // Describe calls of other tools, which the simulated CNI here never makes.
        if api.starts_with("Describe") {
            noise += n.unwrap();
            continue;
        }
        *got.entry((t.unwrap(), api)).or_default() += n.unwrap();
    }
    assert!(want.keys().all(|(_, api)| !api.starts_with("Describe")));
    assert!(noise < 10, "{noise} throttled Describe calls of the noise");
    assert_eq!(got, want, "throttled calls per (minute, API)");
    assert!(
        texts(m, "source")
            .iter()
            .all(|s| s.as_deref() == Some("all-ec2-calls"))
    );

    // Bursts cover exactly the throttled minutes, and their totals add up.
    let burst_total: u64 = report
        .burst_list
        .iter()
        .filter(|b| !b.api.starts_with("Describe"))
        .map(|b| b.throttled)
        .sum();
    assert_eq!(burst_total as i64, want.values().sum::<i64>());
    for b in report
        .burst_list
        .iter()
        .filter(|b| !b.api.starts_with("Describe"))
    {
        let inside: i64 = want
            .iter()
            .filter(|((t, api), _)| *api == b.api && *t >= b.start && *t < b.end)
            .map(|(_, n)| n)
            .sum();
        assert_eq!(inside as u64, b.throttled, "{b:?}");
        assert!(b.peak >= 1 && b.peak <= b.throttled);
    }
    // Shares: the CNI's nodes are among the throttled callers, named by their instance.
    let nodes = texts(&report.shares, "node");
    assert!(nodes.iter().flatten().any(|n| n.starts_with("i-")));

    // The tables the scan's input built beside ordering the events are those the report builds
    // itself from the same counts (`with_calls` drops the ones built ahead).
    let calls = input.call_counts().clone();
    let on_demand = throttle(&input.with_calls(calls), &ThrottleOptions::default()).unwrap();
    for (ahead, built) in [
        (&report.minutes, &on_demand.minutes),
        (&report.bursts, &on_demand.bursts),
        (&report.shares, &on_demand.shares),
    ] {
        assert!(ahead.height() > 0);
        assert!(ahead.equals_missing(built), "{ahead}\n{built}");
    }
    assert_eq!(report.series, on_demand.series);
    assert_eq!(report.burst_list, on_demand.burst_list);
}

/// ipamd asks for one address after a bulk assign fails for lack of addresses (facts §5): each
/// pair found is a real failed bulk call followed by a count=1 call of the same node.
#[test]
fn count_then_one_retries_are_found() {
    // WARM_IP_TARGET grows the pool by bulk assigns on existing ENIs, which the /26 refuses.
    let mut sc = filling_subnet(51, &["v1.22.0"], "node-role");
    sc.pool.mode = ModeName::WarmIp;
    sc.pool.warm_ip_target = 8;
    sc.pool.minimum_ip_target = 12;
    let dir = play(&sc);
    let input = input_of(dir.path());
    let report = throttle(&input, &ThrottleOptions::default()).unwrap();
    let r = &report.retries;
    assert!(
        r.height() > 0,
        "the filling /26 makes ipamd fall back to count=1"
    );
    let calls = rows(dir.path(), "calls");
    for ((node, failed_at), (retry_at, requested)) in texts(r, "node")
        .into_iter()
        .zip(times(r, "failed_at"))
        .zip(times(r, "retry_at").into_iter().zip(ints(r, "requested")))
    {
        let caller = format!("cni:{}", node.unwrap());
        let at = |t: DateTime<Utc>, ok: bool| {
            calls.iter().any(|c| {
                c["caller"] == caller.as_str()
                    && c["api"] == "AssignPrivateIpAddresses"
                    && time(&c["time"]) == Some(t)
                    && c["error"].is_null() == ok
            })
        };
        assert!(requested.unwrap() > 1);
        assert!(
            at(failed_at.unwrap(), false),
            "{caller} failed a bulk assign then"
        );
        assert!(
            at(retry_at.unwrap(), true) || at(retry_at.unwrap(), false),
            "{caller} retried then"
        );
    }
}
