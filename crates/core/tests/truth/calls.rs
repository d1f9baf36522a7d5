//! The EC2 call counts ([`ScanOptions::count_calls`]) against the simulator's ground truth
//! (`calls.jsonl`, `throttles.jsonl`) and against a brute-force count of the same trail.
//!
//! What the truth covers: `calls.jsonl` lists the calls of the simulated AWS model only (each
//! node's ipamd, Auto Scaling, the load balancers, Lambda and endpoint ENIs). The trail also
//! holds the simulator's noise, and some of it is EC2 (`Describe*` by Karpenter,
//! cluster-autoscaler and people, 2 % of them throttled) under identities the model never uses:
//! the node role of instances that are not among the simulated nodes, application IRSA roles,
//! IAM users, an SSO role. So the counts are compared with the truth on the callers the truth
//! knows (mapped below), and the whole table, noise included, with a count made by parsing
//! every record of every file in full.

use chrono::{DateTime, Utc};
use cnitrail_core::calls::CallCountRow;
use cnitrail_core::scan::{ActorFilter, Quiet, ScanOptions, scan};
use cnitrail_core::source::local::{NameFilter, expand};
use cnitrail_core::stats::ScanSummary;
use cnitrail_core::{Actor, EniEvent, EventName};
use cnitrail_sim::cloudtrail::TrailContext;
use cnitrail_sim::scenario::{self, ModeName, Scenario, SubnetSpec, VersionShare};
use serde_json::Value;
use std::collections::{BTreeMap, HashSet};
use std::io::Read;
use std::path::{Path, PathBuf};

/// (minute `YYYY-MM-DDTHH:MM`, api, caller as the truth names it).
type Key = (String, String, String);

/// calls, throttled, failed.
type Tally = (u64, u64, u64);

fn add(map: &mut BTreeMap<Key, Tally>, key: Key, t: Tally) {
    let e = map.entry(key).or_default();
    e.0 += t.0;
    e.1 += t.1;
    e.2 += t.2;
}

fn jsonl(dir: &Path, table: &str) -> Vec<Value> {
    std::fs::read_to_string(dir.join("truth").join(format!("{table}.jsonl")))
        .expect("truth table")
        .lines()
        .map(|l| serde_json::from_str(l).expect("truth row"))
        .collect()
}

/// `calls.jsonl` per (minute, api, caller).
fn truth_calls(dir: &Path) -> BTreeMap<Key, Tally> {
    let mut out = BTreeMap::new();
    for c in jsonl(dir, "calls") {
        let time = c["time"].as_str().expect("time");
        let error = c["error"].as_str();
        add(
            &mut out,
            (
                time[..16].to_string(),
                c["api"].as_str().expect("api").to_string(),
                c["caller"].as_str().expect("caller").to_string(),
            ),
            (
                1,
                u64::from(error == Some("Client.RequestLimitExceeded")),
                u64::from(error.is_some()),
            ),
        );
    }
    out
}

/// `throttles.jsonl` per (minute, api, caller).
fn truth_throttles(dir: &Path) -> BTreeMap<Key, u64> {
    let mut out = BTreeMap::new();
    for t in jsonl(dir, "throttles") {
        let time = t["time"].as_str().expect("time");
        *out.entry((
            time[..16].to_string(),
            t["api"].as_str().expect("api").to_string(),
            t["caller"].as_str().expect("caller").to_string(),
        ))
        .or_default() += 1;
    }
    out
}

/// How the truth names a caller the trail shows by ARN; `None` for the noise's callers.
struct Callers {
    prefix: String,
    node_role: String,
    irsa_role: String,
    nodes: HashSet<String>,
}

/// The truth's name for every caller with the IRSA identity: its sessions are named after the
/// time the credentials were made (facts §4.2), not after the node, so no per-node mapping
/// exists from the trail; only the sum over the CNI's callers can be compared.
const IRSA: &str = "cni:(irsa)";

impl Callers {
    fn new(sc: &Scenario, truth: &BTreeMap<Key, Tally>) -> Self {
        let ctx = TrailContext::new(sc.seed, &sc.account_id, &sc.region, &sc.cluster_name);
        Callers {
            prefix: format!("arn:aws:sts::{}:assumed-role/", sc.account_id),
            node_role: ctx.node_role,
            irsa_role: ctx.irsa_role,
            nodes: truth
                .keys()
                .filter_map(|(_, _, c)| c.strip_prefix("cni:").map(str::to_string))
                .collect(),
        }
    }

    fn truth_name(&self, caller: &str) -> Option<String> {
        let (role, session) = caller.strip_prefix(&self.prefix)?.split_once('/')?;
        match role {
            r if r == self.node_role && self.nodes.contains(session) => {
                Some(format!("cni:{session}"))
            }
            r if r == self.irsa_role => Some(IRSA.to_string()),
            "AWSServiceRoleForAutoScaling" => Some("autoscaling".into()),
            "AWSServiceRoleForElasticLoadBalancing" => Some("load-balancer".into()),
            "AWSServiceRoleForLambda" => Some("lambda".into()),
            "AWSServiceRoleForVPCE" => Some("vpc-endpoint".into()),
            _ => None,
        }
    }
}

fn minute(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M").to_string()
}

fn scan_trail(dir: &Path, opts: &ScanOptions) -> (ScanSummary, Vec<EniEvent>) {
    let objects = expand(&[dir.join("trail")], &NameFilter::default());
    let mut events = Vec::new();
    let summary = scan(objects, opts, &mut events, &mut Quiet).expect("scan");
    assert!(summary.clean() && summary.balanced(), "{summary:?}");
    (summary, events)
}

fn trail_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("dir") {
        let p = entry.expect("entry").path();
        if p.is_dir() {
            trail_files(&p, out);
        } else if !p.to_string_lossy().contains("CloudTrail-Digest") {
            out.push(p);
        }
    }
}

/// Every record of every trail file parsed in full, EC2 ones counted once per eventID, per
/// (minute, account, region, api, caller): the reference for the whole table. The caller is
/// the identity's ARN (every EC2 record the simulator writes has one).
fn brute_force(dir: &Path) -> BTreeMap<(String, String, String, String, String), Tally> {
    let mut files = Vec::new();
    trail_files(&dir.join("trail"), &mut files);
    files.sort();
    let mut seen = HashSet::new();
    let mut out = BTreeMap::new();
    for f in files {
        let mut text = String::new();
        flate2::read::MultiGzDecoder::new(std::fs::File::open(&f).expect("open"))
            .read_to_string(&mut text)
            .expect("gzip");
        let v: Value = serde_json::from_str(&text).expect("trail JSON");
        for r in v["Records"].as_array().expect("Records") {
            if r["eventSource"] != "ec2.amazonaws.com" {
                continue;
            }
            if !seen.insert(r["eventID"].as_str().expect("eventID").to_string()) {
                continue;
            }
            let s = |v: &Value| v.as_str().expect("text").to_string();
            let error = r["errorCode"].as_str();
            let key = (
                s(&r["eventTime"])[..16].to_string(),
                s(&r["recipientAccountId"]),
                s(&r["awsRegion"]),
                s(&r["eventName"]),
                s(&r["userIdentity"]["arn"]),
            );
            let t = (
                1,
                u64::from(matches!(
                    error,
                    Some("Client.RequestLimitExceeded" | "RequestLimitExceeded")
                )),
                u64::from(error.is_some()),
            );
            let e: &mut Tally = out.entry(key).or_default();
            e.0 += t.0;
            e.1 += t.1;
            e.2 += t.2;
        }
    }
    out
}

/// What one scenario showed, for the totals printed at the end.
#[derive(Debug, Default)]
struct Matched {
    truth_calls: u64,
    truth_throttles: u64,
    noise_calls: u64,
    noise_throttles: u64,
    duplicates: u64,
}

fn check(sc: &Scenario) -> Matched {
    let dir = tempfile::tempdir().unwrap();
    let manifest = scenario::run(sc, dir.path()).expect("simulation");
    let d = dir.path();
    let truth = truth_calls(d);
    let callers = Callers::new(sc, &truth);

    let counting = ScanOptions {
        count_calls: true,
        ..ScanOptions::default()
    };
    let (summary, events) = scan_trail(d, &counting);
    let rows = summary.calls.rows();

    // Counting changes nothing else: same accounting, same events.
    let (plain, plain_events) = scan_trail(d, &ScanOptions::default());
    assert!(plain.calls.is_empty(), "a plain scan counts nothing");
    assert_eq!(
        serde_json::to_value(&plain).unwrap(),
        serde_json::to_value(&summary).unwrap()
    );
    assert_eq!(plain_events, events);

    // The whole table, noise included, against a full parse of every record.
    let mut ours = BTreeMap::new();
    for r in &rows {
        let key = (
            minute(r.minute),
            r.account.as_deref().expect("account").to_string(),
            r.region.as_deref().expect("region").to_string(),
            r.api.to_string(),
            r.caller.to_string(),
        );
        let e: &mut Tally = ours.entry(key).or_default();
        e.0 += r.calls;
        e.1 += r.throttled;
        e.2 += r.failed;
    }
    let reference = brute_force(d);
    assert!(
        ours == reference,
        "seed {}: the table differs from a full parse of every record: {:#?}",
        sc.seed,
        first_differences(&reference, &ours)
    );

    // Against the truth, on the callers it knows.
    let mut got = BTreeMap::new();
    let mut matched = Matched {
        duplicates: manifest.duplicates,
        ..Matched::default()
    };
    for r in &rows {
        let Some(name) = callers.truth_name(&r.caller) else {
            assert!(
                r.api.starts_with("Describe"),
                "only the noise's Describe calls have callers the truth does not know: {r:?}"
            );
            matched.noise_calls += r.calls;
            matched.noise_throttles += r.throttled;
            continue;
        };
        check_actor(r, &name);
        add(
            &mut got,
            (minute(r.minute), r.api.to_string(), name),
            (r.calls, r.throttled, r.failed),
        );
    }
    let want: BTreeMap<Key, Tally> = if sc.identity == "irsa" {
        let mut folded = BTreeMap::new();
        for ((m, api, caller), t) in &truth {
            let caller = if caller.starts_with("cni:") {
                IRSA.to_string()
            } else {
                caller.clone()
            };
            add(&mut folded, (m.clone(), api.clone(), caller), *t);
        }
        folded
    } else {
        truth.clone()
    };
    compare(sc, &want, &got);
    check_actors_follow_kept_events(sc, &rows, &events);

    // Per (minute, api), all callers of the truth together, and the throttles table.
    let per_api = |m: &BTreeMap<Key, Tally>| {
        let mut out: BTreeMap<(String, String), Tally> = BTreeMap::new();
        for ((minute, api, _), t) in m {
            let e = out.entry((minute.clone(), api.clone())).or_default();
            e.0 += t.0;
            e.1 += t.1;
            e.2 += t.2;
        }
        out
    };
    assert_eq!(per_api(&got), per_api(&truth));
    let throttles = truth_throttles(d);
    let mut throttled_got: BTreeMap<(String, String), u64> = BTreeMap::new();
    for ((m, api, _), t) in &got {
        if t.1 > 0 {
            *throttled_got.entry((m.clone(), api.clone())).or_default() += t.1;
        }
    }
    let mut throttled_want: BTreeMap<(String, String), u64> = BTreeMap::new();
    for ((m, api, _), n) in &throttles {
        *throttled_want.entry((m.clone(), api.clone())).or_default() += n;
    }
    assert_eq!(
        throttled_got, throttled_want,
        "throttles.jsonl per minute and API"
    );

    matched.truth_calls = truth.values().map(|t| t.0).sum();
    matched.truth_throttles = throttles.values().sum();
    let counted: u64 = rows.iter().map(|r| r.calls).sum();
    assert_eq!(counted, matched.truth_calls + matched.noise_calls);

    // `--actor cni` counts only the CNI's calls, all of them for marked versions.
    let cni_only = ScanOptions {
        actor: ActorFilter::Cni,
        ..counting
    };
    let (s, _) = scan_trail(d, &cni_only);
    assert!(s.calls.rows().iter().all(|r| r.actor == Actor::Cni));
    let cni_rows: u64 = rows
        .iter()
        .filter(|r| r.actor == Actor::Cni)
        .map(|r| r.calls)
        .sum();
    assert_eq!(s.calls.totals().calls, cni_rows);
    matched
}

/// The actor of each counted ENI call is the one its kept events got (the CNI's when any of
/// them is), so a report can join both; per (minute, api, caller, actor), in records.
fn check_actors_follow_kept_events(sc: &Scenario, rows: &[CallCountRow], events: &[EniEvent]) {
    let mut by_record: BTreeMap<&str, (&EniEvent, Actor)> = BTreeMap::new();
    for e in events {
        let entry = by_record.entry(e.event_id.as_str()).or_insert((e, e.actor));
        if e.actor == Actor::Cni {
            entry.1 = Actor::Cni;
        }
    }
    let mut kept: BTreeMap<(String, String, String, u8), u64> = BTreeMap::new();
    for (e, actor) in by_record.values() {
        let caller = e
            .caller_arn
            .clone()
            .expect("the simulator names every caller");
        *kept
            .entry((
                minute(e.event_time),
                e.event_name.as_str().to_string(),
                caller,
                *actor as u8,
            ))
            .or_default() += 1;
    }
    let mut counted: BTreeMap<(String, String, String, u8), u64> = BTreeMap::new();
    for r in rows.iter().filter(|r| EventName::parse(&r.api).is_some()) {
        *counted
            .entry((
                minute(r.minute),
                r.api.to_string(),
                r.caller.to_string(),
                r.actor as u8,
            ))
            .or_default() += r.calls;
    }
    assert_eq!(counted, kept, "seed {}: actors of ENI calls", sc.seed);
}

/// Calls of callers other than the CNI are never the CNI's; the CNI's `Describe*` calls are
/// its own exactly when the user agent carries the marker (no ENI to attribute them by).
fn check_actor(r: &CallCountRow, truth_name: &str) {
    if !truth_name.starts_with("cni:") {
        assert_eq!(r.actor, Actor::Other, "{r:?}");
    }
}

/// Up to five keys where `want` and `got` differ, with both values.
fn first_differences<K: Ord + Clone, V: PartialEq + Clone>(
    want: &BTreeMap<K, V>,
    got: &BTreeMap<K, V>,
) -> Vec<(K, Option<V>, Option<V>)> {
    want.keys()
        .chain(got.keys())
        .filter(|k| want.get(*k) != got.get(*k))
        .take(5)
        .map(|k| (k.clone(), want.get(k).cloned(), got.get(k).cloned()))
        .collect()
}

fn compare(sc: &Scenario, want: &BTreeMap<Key, Tally>, got: &BTreeMap<Key, Tally>) {
    let differ: Vec<_> = want
        .iter()
        .filter(|(k, w)| got.get(*k) != Some(w))
        .map(|(k, w)| (k, w, got.get(k)))
        .take(5)
        .collect();
    let extra: Vec<_> = got
        .iter()
        .filter(|(k, _)| !want.contains_key(*k))
        .take(5)
        .collect();
    assert!(
        differ.is_empty() && extra.is_empty(),
        "seed {} ({}): {} truth cells, {} counted\ndiffer (key, truth, counted) {differ:#?}\nextra {extra:#?}",
        sc.seed,
        sc.identity,
        want.len(),
        got.len()
    );
}

/// A throttled account: many churning nodes, buckets at a tenth of the default rate, noise
/// with EC2 describes, records late and duplicated.
fn storm(seed: u64, identity: &str, versions: &[&str]) -> Scenario {
    let mut sc = Scenario {
        seed,
        hours: 1.5,
        noise_per_second: 2.0,
        duplicate_fraction: 0.03,
        late_fraction: 0.1,
        identity: identity.into(),
        ec2_rate_scale: 0.08,
        cni_versions: versions
            .iter()
            .map(|v| VersionShare {
                version: v.to_string(),
                weight: 1.0,
            })
            .collect(),
        subnets: vec![SubnetSpec {
            id: "subnet-0a1b2c3d4e5f60001".into(),
            cidr: "10.0.0.0/20".into(),
        }],
        other_enis_per_hour: 30.0,
        other_eni_life_seconds: 600,
        ..Scenario::default()
    };
    sc.nodes.initial = 16;
    sc.nodes.min = 12;
    sc.nodes.max = 20;
    sc.nodes.scale_interval_seconds = 300;
    sc.nodes.instance_type = "t3.small".into();
    sc.pool.mode = ModeName::WarmIp;
    sc.pool.warm_ip_target = 2;
    sc.pool.minimum_ip_target = 5;
    sc.workload.batch_size = 6;
    sc.workload.batch_every_seconds = 300;
    sc.workload.batch_duration_seconds = 120;
    sc
}

#[test]
fn call_counts_match_simulated_truth_exactly() {
    let mut total = Matched::default();
    for sc in [
        storm(11, "node-role", &["v1.19.0", "v1.20.0", "v1.22.0"]),
        storm(12, "irsa", &["v1.6.3", "v1.12.0", "v1.21.0"]),
        // The simulator's own storm (crates/sim/tests/scenarios.rs): 40 nodes churning pods.
        {
            let mut sc = storm(13, "node-role", &["v1.22.0", "v1.20.0"]);
            sc.hours = 0.5;
            sc.subnets[0].cidr = "10.0.0.0/18".into();
            (sc.nodes.initial, sc.nodes.min, sc.nodes.max) = (40, 40, 40);
            sc.nodes.scale_interval_seconds = 0;
            sc.ec2_rate_scale = 0.05;
            sc
        },
    ] {
        let m = check(&sc);
        eprintln!(
            "seed {} ({}): {} truth calls ({} throttled) matched; {} noise EC2 calls ({} throttled); {} duplicate deliveries",
            sc.seed,
            sc.identity,
            m.truth_calls,
            m.truth_throttles,
            m.noise_calls,
            m.noise_throttles,
            m.duplicates
        );
        assert!(m.truth_throttles > 50, "the storm throttles: {m:?}");
        assert!(m.noise_calls > 100 && m.duplicates > 50, "{m:?}");
        total.truth_calls += m.truth_calls;
        total.truth_throttles += m.truth_throttles;
    }
    eprintln!(
        "{} truth calls, {} throttles matched",
        total.truth_calls, total.truth_throttles
    );
}

/// Hand-made trails for what the simulator does not vary.
mod edges {
    use super::*;

    fn record(id: u32, name: &str, error: Option<&str>) -> String {
        let error = error
            .map(|e| format!(r#""errorCode":"{e}","errorMessage":"x","#))
            .unwrap_or_default();
        format!(
            r#"{{"eventVersion":"1.08","userIdentity":{{"type":"AssumedRole","arn":"arn:aws:sts::1:assumed-role/node/i-0aaaaaaaaaaaaaaa1"}},"eventTime":"2026-11-22T14:02:{:02}Z","eventSource":"ec2.amazonaws.com","eventName":"{name}","awsRegion":"eu-west-1",{error}"userAgent":"aws-sdk-go-v2/1.39.2","requestParameters":{{"networkInterfaceId":"eni-0a"}},"responseElements":null,"eventID":"00000000-0000-4000-8000-{id:012}","recipientAccountId":"1"}}"#,
            id % 60
        )
    }

    fn scan_files(files: &[Vec<String>], opts: &ScanOptions) -> ScanSummary {
        let dir = tempfile::tempdir().unwrap();
        for (i, records) in files.iter().enumerate() {
            std::fs::write(
                dir.path().join(format!("{i}.json")),
                format!("{{\"Records\":[{}]}}", records.join(",")),
            )
            .unwrap();
        }
        let objects = expand(&[dir.path().to_path_buf()], &NameFilter::default());
        let summary = scan(objects, opts, &mut Vec::new(), &mut Quiet).unwrap();
        assert!(summary.balanced());
        summary
    }

    #[test]
    fn a_duplicate_in_a_later_file_is_counted_once() {
        let describe = record(1, "DescribeInstances", Some("Client.RequestLimitExceeded"));
        let delete = record(2, "DeleteNetworkInterface", None);
        let files = [
            vec![describe.clone(), delete.clone()],
            vec![record(3, "DescribeInstances", Some("RequestLimitExceeded"))],
            vec![delete, describe],
        ];
        let opts = ScanOptions {
            count_calls: true,
            ..ScanOptions::default()
        };
        let s = scan_files(&files, &opts);
        assert_eq!(s.duplicates, 1, "the kept DeleteNetworkInterface, as ever");
        let got: Vec<(String, u64, u64, u64)> = s
            .calls
            .rows()
            .into_iter()
            .map(|r| (r.api.to_string(), r.calls, r.throttled, r.failed))
            .collect();
        assert_eq!(
            got,
            [
                ("DeleteNetworkInterface".into(), 1, 0, 0),
                ("DescribeInstances".into(), 2, 2, 2),
            ]
        );
        let plain = scan_files(&files, &ScanOptions::default());
        assert!(plain.calls.is_empty() && plain.calls.rows().is_empty());
        assert_eq!(plain.records_read, s.records_read);
    }
}
