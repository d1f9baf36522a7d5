//! Re-reads generated corpora with independent means (flate2 + byte counting + serde_json) and
//! checks them against the manifest.

use flate2::read::MultiGzDecoder;
use serde_json::Value;
use std::collections::{BTreeMap, HashSet};
use std::io::Read;
use std::path::{Path, PathBuf};
use trailgen::util::parse_time;
use trailgen::{Config, run};

/// The 12 names of the benchmark's jq filter.
const SCANNED: [&str; 12] = [
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
];

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("trailgen-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

fn files(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

fn gunzip(p: &Path) -> Vec<u8> {
    let mut out = Vec::new();
    MultiGzDecoder::new(std::fs::File::open(p).unwrap())
        .read_to_end(&mut out)
        .unwrap();
    out
}

fn count(hay: &[u8], needle: &[u8]) -> u64 {
    hay.windows(needle.len()).filter(|w| *w == needle).count() as u64
}

fn small(out: PathBuf, threads: usize) -> Config {
    Config {
        out,
        size_bytes: 12_000_000,
        threads,
        ..Config::default()
    }
}

#[test]
fn same_seed_same_bytes_whatever_the_threads() {
    let (a, b, c) = (tmp("det-a"), tmp("det-b"), tmp("det-c"));
    run(&small(a.clone(), 2)).unwrap();
    run(&small(b.clone(), 1)).unwrap();
    run(&Config {
        seed: 2,
        ..small(c.clone(), 2)
    })
    .unwrap();
    let (fa, fb) = (files(&a), files(&b));
    assert!(fa.len() > 4);
    assert_eq!(fa.len(), fb.len());
    for (x, y) in fa.iter().zip(&fb) {
        assert_eq!(x.strip_prefix(&a).unwrap(), y.strip_prefix(&b).unwrap());
        assert_eq!(
            std::fs::read(x).unwrap(),
            std::fs::read(y).unwrap(),
            "{}",
            x.display()
        );
    }
    assert_ne!(
        std::fs::read(a.join("manifest.json")).unwrap(),
        std::fs::read(c.join("manifest.json")).unwrap(),
        "another seed gives another corpus"
    );
    for d in [a, b, c] {
        std::fs::remove_dir_all(d).unwrap();
    }
}

#[test]
fn manifest_matches_a_reread() {
    let dir = tmp("reread");
    let cfg = small(dir.clone(), 2);
    let m = run(&cfg).unwrap();
    let manifest: Value =
        serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap();

    let (mut n_files, mut n_digests, mut records, mut eversion, mut late) =
        (0u64, 0u64, 0u64, 0u64, 0u64);
    let (mut bytes_gz, mut bytes_raw) = (0u64, 0u64);
    let mut by_name: BTreeMap<String, u64> = BTreeMap::new();
    let mut ids = HashSet::new();
    let mut last_file_bytes = 0;
    for p in files(&dir.join("AWSLogs")) {
        let rel = p.strip_prefix(&dir).unwrap().to_str().unwrap().to_string();
        let raw = gunzip(&p);
        let v: Value = serde_json::from_slice(&raw).unwrap_or_else(|e| panic!("{rel}: {e}"));
        let parts: Vec<&str> = rel.split('/').collect();
        assert_eq!(parts[0], "AWSLogs");
        assert_eq!(parts[1].len(), 12);
        if rel.contains("/CloudTrail-Digest/") {
            n_digests += 1;
            assert!(v.get("Records").is_none());
            assert!(v["logFiles"].as_array().is_some_and(|l| !l.is_empty()));
            assert!(parts[7].contains("_CloudTrail-Digest_"));
            continue;
        }
        assert_eq!(parts[2], "CloudTrail");
        let name = parts[7];
        assert!(
            name.starts_with(&format!("{}_CloudTrail_{}_", parts[1], parts[3])),
            "{name}"
        );
        assert!(name.ends_with(".json.gz"));
        // <acct>_CloudTrail_<region>_YYYYMMDDTHHmmZ_<16>.json.gz
        let stamp = name.split('_').nth(3).unwrap();
        let unique = name.split('_').nth(4).unwrap().trim_end_matches(".json.gz");
        assert_eq!(unique.len(), 16);
        assert!(unique.bytes().all(|b| b.is_ascii_alphanumeric()));
        let delivered = parse_time(&format!(
            "{}-{}-{}T{}:{}:00Z",
            &stamp[0..4],
            &stamp[4..6],
            &stamp[6..8],
            &stamp[9..11],
            &stamp[11..13]
        ))
        .unwrap();
        assert_eq!(
            &parts[4..7].join(""),
            &stamp[..8],
            "date folders are the delivery date"
        );
        let slot_start = delivered - 300;

        n_files += 1;
        bytes_gz += std::fs::metadata(&p).unwrap().len();
        bytes_raw += raw.len() as u64;
        last_file_bytes = raw.len() as u64;
        eversion += count(&raw, b"\"eventVersion\"");
        let recs = v["Records"].as_array().unwrap();
        assert!(
            (1000..=3000).contains(&recs.len()),
            "{} records",
            recs.len()
        );
        records += recs.len() as u64;
        let mut sorted = true;
        let mut prev = "";
        for r in recs {
            let t = r["eventTime"].as_str().unwrap();
            sorted &= prev <= t;
            prev = t;
            let t = parse_time(t).unwrap();
            assert!(t < delivered && t >= slot_start - 300);
            late += (t < slot_start) as u64;
            assert!(
                ids.insert(r["eventID"].as_str().unwrap().to_string()),
                "duplicate eventID"
            );
            for key in [
                "userIdentity",
                "eventSource",
                "awsRegion",
                "sourceIPAddress",
                "userAgent",
                "requestID",
                "readOnly",
                "eventType",
                "managementEvent",
                "recipientAccountId",
                "eventCategory",
            ] {
                assert!(r.get(key).is_some(), "{key} missing");
            }
            let n = r["eventName"].as_str().unwrap();
            if r["eventSource"] == "ec2.amazonaws.com" && SCANNED.contains(&n) {
                *by_name.entry(n.to_string()).or_default() += 1;
                if r.get("errorCode").is_some() {
                    assert!(r["responseElements"].is_null());
                } else {
                    assert_eq!(r["responseElements"]["requestId"], r["requestID"]);
                }
            }
        }
        assert!(!sorted, "records are not in time order");
    }
    let c = &m.counts;
    assert_eq!(n_files, c.files);
    assert_eq!(n_digests, m.digest_files);
    assert_eq!(records, c.records);
    assert_eq!(eversion, c.records, "one eventVersion per record");
    assert_eq!(late, c.late_records);
    assert!(late > 0);
    assert_eq!(bytes_gz, c.bytes_compressed);
    assert_eq!(bytes_raw, c.bytes_decompressed);
    assert!(
        bytes_raw >= cfg.size_bytes && bytes_raw - last_file_bytes < cfg.size_bytes,
        "stops at the first file that reaches the size"
    );
    let eni: u64 = by_name.values().sum();
    assert_eq!(eni, c.eni_records());
    assert!(eni > 0);
    let share = eni as f64 / records as f64 * 100.0;
    assert!((2.0..4.0).contains(&share), "{share}% ENI records");

    // manifest.json says the same.
    assert_eq!(manifest["files"], n_files);
    assert_eq!(manifest["digest_files"], n_digests);
    assert_eq!(manifest["records"], records);
    assert_eq!(manifest["eni_records"], eni);
    assert_eq!(manifest["bytes_compressed"], bytes_gz);
    assert_eq!(manifest["bytes_decompressed"], bytes_raw);
    for (name, n) in &by_name {
        assert_eq!(manifest["eni_records_by_event_name"][name], *n, "{name}");
    }
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn objects_only_writes_exactly_k_small_files() {
    let dir = tmp("objects");
    let cfg = Config {
        out: dir.clone(),
        objects_only: Some(37),
        eni_percent: 10.0,
        ..Config::default()
    };
    let m = run(&cfg).unwrap();
    let events: Vec<PathBuf> = files(&dir.join("AWSLogs"))
        .into_iter()
        .filter(|p| p.to_str().unwrap().contains("/CloudTrail/"))
        .collect();
    assert_eq!(events.len(), 37);
    assert_eq!(m.counts.files, 37);
    assert_eq!(m.counts.records, 37 * 50);
    let mut eni = 0;
    for p in &events {
        let v: Value = serde_json::from_slice(&gunzip(p)).unwrap();
        let recs = v["Records"].as_array().unwrap();
        assert_eq!(recs.len(), 50);
        eni += recs
            .iter()
            .filter(|r| {
                r["eventSource"] == "ec2.amazonaws.com"
                    && SCANNED.contains(&r["eventName"].as_str().unwrap())
            })
            .count() as u64;
    }
    assert_eq!(eni, m.counts.eni_records());
    std::fs::remove_dir_all(dir).unwrap();
}
