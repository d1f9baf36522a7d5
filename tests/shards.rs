//! Issue 7, "past one machine": a simulated trail scanned in N shards, each shard to its own
//! Parquet file, then merged through `--from-parquet`, gives exactly what one machine gives.

use super::{bin, json_lines, run, stats_json, stderr};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Runs cnitrail and returns stdout's JSON lines and the stats JSON of stderr.
fn jsonl_and_stats(args: &[&str]) -> (Vec<Value>, Value) {
    let o = run(args);
    assert_eq!(o.status.code(), Some(0), "{args:?}: {}", stderr(&o));
    (json_lines(&o), stats_json(&o))
}

fn json(args: &[&str]) -> Value {
    let o = run(args);
    assert_eq!(o.status.code(), Some(0), "{args:?}: {}", stderr(&o));
    serde_json::from_slice(&o.stdout).expect("JSON output")
}

fn u(v: &Value, key: &str) -> u64 {
    v[key].as_u64().unwrap_or_else(|| panic!("no {key} in {v}"))
}

/// A trail with churn (WARM_IP_TARGET=1, a batch of 12 pods every 5 minutes, steady pods
/// replaced every 15 minutes on average), many small files, 20% of records delivered late
/// and 5% twice, and half the nodes on CNI v1.21, whose calls carry no user-agent marker (so
/// their actor rests on evidence that may sit in another shard's files).
fn simulated_trail(dir: &Path) -> std::path::PathBuf {
    let scenario = dir.join("scenario.json");
    std::fs::write(
        &scenario,
        r#"{"late_fraction": 0.2, "duplicate_fraction": 0.05, "noise_per_second": 1.0,
            "max_file_kb": 24,
            "workload": {"batch_size": 12, "batch_every_seconds": 300,
                         "batch_duration_seconds": 120, "steady_mean_life_seconds": 900},
            "cni_versions": [{"version": "v1.21.0", "weight": 1.0}, {"version": "v1.19.0", "weight": 1.0}]}"#,
    )
    .unwrap();
    let out = dir.join("sim");
    let o = run(&[
        "simulate",
        "--out",
        out.to_str().unwrap(),
        "--scenario",
        scenario.to_str().unwrap(),
        "--seed",
        "21",
        "--hours",
        "1.5",
        "--nodes",
        "4",
        "--mode",
        "warm-ip",
        "--warm-ip-target",
        "1",
    ]);
    assert_eq!(o.status.code(), Some(0), "simulate: {}", stderr(&o));
    out.join("trail")
}

#[test]
fn shards_merged_through_parquet_equal_one_machine() {
    let dir = tempfile::tempdir().unwrap();
    let trail = simulated_trail(dir.path());
    let trail = trail.to_str().unwrap();

    // One machine.
    let (events, single) =
        jsonl_and_stats(&["scan", trail, "--format", "jsonl", "--stats", "json"]);
    let (intervals, _) =
        jsonl_and_stats(&["timeline", trail, "--format", "jsonl", "--stats", "json"]);
    assert!(intervals.len() > 500, "{} intervals", intervals.len());
    let unmarked_cni = events
        .iter()
        .filter(|e| {
            e["actor"] == "cni"
                && !e["user_agent"]
                    .as_str()
                    .unwrap_or_default()
                    .contains("amazon-vpc-cni-k8s")
        })
        .count();
    assert!(unmarked_cni > 0, "the trail must exercise the actor rule");
    // The address held most often: its history crosses many files.
    let mut by_address: BTreeMap<&str, usize> = BTreeMap::new();
    for iv in &intervals {
        *by_address
            .entry(iv["address"].as_str().unwrap())
            .or_default() += 1;
    }
    let (&address, _) = by_address.iter().max_by_key(|(_, n)| **n).unwrap();
    let who_single = json(&["who", address, trail, "--format", "json", "-q"]);
    assert!(who_single.as_array().unwrap().len() > 1, "{who_single}");
    let single_files: BTreeSet<String> = single["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["file"].as_str().unwrap().to_string())
        .collect();

    for n in [1u64, 3] {
        let shards = dir.path().join(format!("shards-{n}"));
        std::fs::create_dir(&shards).unwrap();
        let mut files = BTreeSet::new();
        let mut sums: BTreeMap<&str, u64> = BTreeMap::new();
        for i in 0..n {
            let out = shards.join(format!("events-{i}.parquet"));
            let o = run(&[
                "scan",
                trail,
                "--shard",
                &format!("{i}/{n}"),
                "--format",
                "parquet",
                "-o",
                out.to_str().unwrap(),
                "--stats",
                "json",
            ]);
            assert_eq!(o.status.code(), Some(0), "shard {i}/{n}: {}", stderr(&o));
            let s = stats_json(&o);
            assert_eq!(s["shard"], format!("{i}/{n}"));
            for f in s["files"].as_array().unwrap() {
                let name = f["file"].as_str().unwrap().to_string();
                assert!(files.insert(name.clone()), "{name} read by two shards");
            }
            for key in [
                "files_read",
                "files_skipped",
                "files_failed",
                "records_read",
                "records_kept",
                "records_filtered",
                "records_malformed",
                "duplicates",
                "bytes_read",
            ] {
                *sums.entry(key).or_default() += u(&s, key);
            }
            if n > 1 {
                assert!(u(&s, "files_read") > 0, "shard {i}/{n} got no file");
            }
        }
        // Every file read by exactly one shard; every count adds up to the single scan's,
        // except that a record delivered in two shards' files is kept by both.
        assert_eq!(files, single_files, "{n} shards");
        for key in [
            "files_read",
            "files_skipped",
            "files_failed",
            "records_read",
            "records_filtered",
            "records_malformed",
            "bytes_read",
        ] {
            assert_eq!(sums[key], u(&single, key), "{key} over {n} shards");
        }
        assert_eq!(
            sums["records_kept"] + sums["duplicates"],
            u(&single, "records_kept") + u(&single, "duplicates")
        );

        // Merged: the same events, in the same order, actors included.
        let shards_arg = shards.to_str().unwrap();
        let (merged, m) = jsonl_and_stats(&[
            "scan",
            "--from-parquet",
            shards_arg,
            "--format",
            "jsonl",
            "--stats",
            "json",
        ]);
        assert_eq!(merged.len(), events.len(), "events over {n} shards");
        for (a, b) in merged.iter().zip(&events) {
            assert_eq!(a, b, "{n} shards");
        }
        assert_eq!(u(&m, "files_read"), n);
        assert_eq!(u(&m, "records_kept"), u(&single, "records_kept"));
        assert_eq!(u(&m, "events"), u(&single, "events"));
        // The merge drops exactly the duplicates the shards could not see.
        assert_eq!(
            u(&m, "duplicates") + sums["duplicates"],
            u(&single, "duplicates")
        );
        assert_eq!(
            u(&m, "records_read"),
            u(&m, "records_kept") + u(&m, "records_filtered") + u(&m, "duplicates")
        );
        if n == 3 {
            assert!(u(&m, "duplicates") > 0, "no duplicate crossed shards: {m}");
        }

        // The timeline and who: identical rows, same order.
        let (from_parquet, _) = jsonl_and_stats(&[
            "timeline",
            "--from-parquet",
            shards_arg,
            "--format",
            "jsonl",
            "--stats",
            "json",
        ]);
        assert_eq!(
            from_parquet.len(),
            intervals.len(),
            "intervals over {n} shards"
        );
        for (a, b) in from_parquet.iter().zip(&intervals) {
            assert_eq!(a, b, "{n} shards");
        }
        let who = json(&[
            "who",
            address,
            "--from-parquet",
            shards_arg,
            "--format",
            "json",
            "-q",
        ]);
        assert_eq!(who, who_single, "who {address} over {n} shards");

        // Reports that rest on the events alone (throttle also counts everyone's EC2 calls,
        // which are not in the events files: docs/sharding.md).
        for report in [
            &["churn", "--every", "5m"][..],
            &["exhaustion", "--table", "usage"],
            &["timeline", "--enis"],
        ] {
            let csv = |input: &[&str]| {
                let mut args = report.to_vec();
                args.extend_from_slice(input);
                args.extend_from_slice(&["--format", "csv", "-q"]);
                let o = run(&args);
                assert_eq!(o.status.code(), Some(0), "{args:?}: {}", stderr(&o));
                String::from_utf8(o.stdout).unwrap()
            };
            let want = csv(&[trail]);
            assert!(want.lines().count() > 2, "{report:?}: {want}");
            assert_eq!(
                csv(&["--from-parquet", shards_arg]),
                want,
                "{report:?}, {n} shards"
            );
        }
    }
}

/// `cnitrail export`'s layout (`OUT/events/event_date=…/part-*.parquet` beside other tables)
/// and what writers leave behind: only the events files are read.
#[test]
fn from_parquet_reads_the_events_folder_and_skips_temporary_files() {
    let dir = tempfile::tempdir().unwrap();
    let fixtures = super::fixtures();
    let one = dir.path().join("one.parquet");
    let o = run(&[
        "scan",
        fixtures.to_str().unwrap(),
        "--format",
        "parquet",
        "-o",
        one.to_str().unwrap(),
        "-q",
    ]);
    assert!(o.status.code().is_some_and(|c| c <= 1), "{}", stderr(&o));
    let (want, _) = jsonl_and_stats(&[
        "timeline",
        "--from-parquet",
        one.to_str().unwrap(),
        "--format",
        "jsonl",
        "--stats",
        "json",
    ]);
    assert!(!want.is_empty());

    let out = dir.path().join("export");
    let part = out.join("events/event_date=2026-11-22");
    std::fs::create_dir_all(&part).unwrap();
    std::fs::copy(&one, part.join("part-00000.parquet")).unwrap();
    std::fs::write(part.join(".part-00001.parquet.tmp"), b"half written").unwrap();
    std::fs::write(part.join("_SUCCESS"), b"").unwrap();
    std::fs::create_dir_all(out.join("events/_temporary")).unwrap();
    std::fs::write(out.join("events/_temporary/part-9.parquet"), b"junk").unwrap();
    std::fs::create_dir_all(out.join("ec2_calls/event_date=2026-11-22")).unwrap();
    std::fs::write(
        out.join("ec2_calls/event_date=2026-11-22/part-00000.parquet"),
        b"not events",
    )
    .unwrap();
    for arg in [out.clone(), out.join("events")] {
        let (got, s) = jsonl_and_stats(&[
            "timeline",
            "--from-parquet",
            arg.to_str().unwrap(),
            "--format",
            "jsonl",
            "--stats",
            "json",
        ]);
        assert_eq!(got, want, "{}", arg.display());
        assert_eq!(u(&s, "files_read"), 1);
        assert_eq!(u(&s, "files_failed"), 0);
    }

    // Not an events file: named, exit status 1 when others were read, 2 when none could be.
    std::fs::write(out.join("events/bad.parquet"), b"not parquet").unwrap();
    let o = run(&[
        "timeline",
        "--from-parquet",
        out.to_str().unwrap(),
        "--format",
        "jsonl",
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("bad.parquet"), "{}", stderr(&o));
    let o = run(&[
        "timeline",
        "--from-parquet",
        out.join("events/bad.parquet").to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
}

#[test]
fn shard_and_from_parquet_arguments_are_checked() {
    let fixtures = super::fixtures();
    let f = fixtures.to_str().unwrap();
    for (args, says) in [
        (vec!["scan", f, "--shard", "3/3"], "below N"),
        (vec!["scan", f, "--shard", "1"], "expected I/N"),
        (vec!["scan", "-", "--shard", "0/2"], "cannot split stdin"),
        (
            vec!["timeline", f, "--from-parquet", "x"],
            "cannot be used with",
        ),
        (vec!["timeline"], "required"),
        (
            vec!["timeline", "--from-parquet", "x", "--shard", "0/2"],
            "cannot be used with",
        ),
    ] {
        let o = bin().args(&args).output().unwrap();
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains(says), "{args:?}: {}", stderr(&o));
    }
}

/// The same through S3: the listing splits by object key (which, for a trail uploaded from a
/// directory, is the path relative to it: S3 and local shards agree), and `--from-parquet
/// s3://…` reads an export-shaped prefix.
#[test]
fn shards_through_s3() {
    let server = super::moto::server();
    let dir = tempfile::tempdir().unwrap();
    let trail = simulated_trail(dir.path());
    let mut files = Vec::new();
    for path in super::walk(&trail) {
        let key = path
            .strip_prefix(&trail)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        files.push((key, path));
    }
    // A few dozen objects per call: the upload passes keys and paths on a command line.
    for chunk in files.chunks(40) {
        server.upload("shard-trail", chunk);
    }
    let s3 = |args: &[&str]| {
        let o = bin()
            .args(args)
            .args(["--endpoint-url", &server.endpoint()])
            .env("AWS_ACCESS_KEY_ID", "test")
            .env("AWS_SECRET_ACCESS_KEY", "test")
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(0), "{args:?}: {}", stderr(&o));
        o
    };
    let lines = |o: &std::process::Output| -> Vec<Value> {
        String::from_utf8_lossy(&o.stdout)
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    };
    let single = lines(&s3(&[
        "timeline",
        "s3://shard-trail/",
        "--format",
        "jsonl",
        "-q",
    ]));
    assert!(single.len() > 500);

    let mut parts = Vec::new();
    let mut s3_split = Vec::new();
    for i in 0..3 {
        let out = dir.path().join(format!("part-{i}.parquet"));
        let shard = format!("{i}/3");
        let o = s3(&[
            "scan",
            "s3://shard-trail/",
            "--shard",
            &shard,
            "--format",
            "parquet",
            "-o",
            out.to_str().unwrap(),
            "--stats",
            "json",
        ]);
        let keys: BTreeSet<String> = stats_json(&o)["files"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                f["file"]
                    .as_str()
                    .unwrap()
                    .trim_start_matches("s3://shard-trail/")
                    .to_string()
            })
            .collect();
        s3_split.push(keys);
        parts.push((
            format!("run/events/event_date=2026-11-01/part-{i}.parquet"),
            out,
        ));
        // The same shard of the same trail on disk: the same files.
        let local = run(&[
            "scan",
            trail.to_str().unwrap(),
            "--shard",
            &shard,
            "-o",
            "/dev/null",
            "--stats",
            "json",
        ]);
        let local_keys: BTreeSet<String> = stats_json(&local)["files"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                let p = Path::new(f["file"].as_str().unwrap());
                p.strip_prefix(&trail)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/")
            })
            .collect();
        assert_eq!(
            local_keys, s3_split[i],
            "shard {shard}: S3 and local disagree"
        );
    }
    assert_eq!(
        s3_split.iter().map(BTreeSet::len).sum::<usize>(),
        files.len(),
        "each object in exactly one shard"
    );
    let junk = dir.path().join("junk");
    std::fs::write(&junk, b"not parquet").unwrap();
    parts.push((
        "run/ec2_calls/event_date=2026-11-01/part-0.parquet".into(),
        junk.clone(),
    ));
    parts.push(("run/events/.part-9.parquet.tmp".into(), junk));
    server.upload("shard-out", &parts);
    let merged = lines(&s3(&[
        "timeline",
        "--from-parquet",
        "s3://shard-out/run/",
        "--format",
        "jsonl",
        "-q",
    ]));
    assert_eq!(merged.len(), single.len());
    assert!(merged == single, "S3 shards merged differ from one S3 scan");
}
