//! `cnitrail export`: read back by pyarrow, pandas, DuckDB and Spark and compared with the
//! library's frames; killed mid-write; to S3 (moto).

use super::{bin, moto, run, stderr};
use cnitrail_core::scan::{Quiet, ScanOptions, scan};
use cnitrail_core::source::local::{NameFilter, expand};
use cnitrail_core::timeline::TimelineBuilder;
use cnitrail_report::exhaustion::{ExhaustionOptions, exhaustion};
use cnitrail_report::{Collector, ReportInput};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const INSTALL: &str = "the export interop test needs pyarrow, pandas, duckdb and pyspark (and Java 17): \
     python3 -m pip install pyarrow pandas duckdb pyspark";

/// A /26 that three nodes fill up, across midnight UTC: every table has rows on two days.
fn simulate(dir: &Path, hours: &str, extra: &[&str]) -> PathBuf {
    let out = dir.join("sim");
    let mut args = vec![
        "simulate",
        "--out",
        out.to_str().unwrap(),
        "--seed",
        "11",
        "--hours",
        hours,
        "--start",
        "2026-11-21T23:30:00Z",
        "--subnet-cidr",
        "10.0.0.0/26",
        "--nodes",
        "3",
        "--pods",
        "14",
    ];
    args.extend_from_slice(extra);
    let o = run(&args);
    assert_eq!(o.status.code(), Some(0), "simulate: {}", stderr(&o));
    out.join("trail")
}

fn export(trail: &Path, out: &str, extra: &[&str]) -> Value {
    let mut args = vec![
        "export",
        trail.to_str().unwrap(),
        "--out",
        out,
        "--stats",
        "json",
    ];
    args.extend_from_slice(extra);
    let o = run(&args);
    assert_eq!(o.status.code(), Some(0), "export: {}", stderr(&o));
    let err = stderr(&o);
    let line = err
        .lines()
        .rev()
        .find(|l| l.starts_with("{\"target\""))
        .unwrap_or_else(|| panic!("no export summary on stderr: {err}"));
    serde_json::from_str(line).unwrap()
}

/// What the library makes of the same trail.
fn library(trail: &Path) -> ReportInput {
    let objects = expand(&[trail.to_path_buf()], &NameFilter::default());
    let mut collector = Collector::new(TimelineBuilder::new());
    let options = ScanOptions {
        count_calls: true,
        ..ScanOptions::default()
    };
    let summary = scan(objects, &options, &mut collector, &mut Quiet).unwrap();
    collector.finish().with_calls(summary.calls)
}

fn iso(t: chrono::DateTime<chrono::Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

fn jsonl_count(args: &[&str]) -> usize {
    let o = run(args);
    assert_eq!(o.status.code(), Some(0), "{args:?}: {}", stderr(&o));
    String::from_utf8_lossy(&o.stdout).lines().count()
}

#[test]
fn export_reads_back_in_pyarrow_pandas_duckdb_and_spark() {
    let dir = tempfile::tempdir().unwrap();
    let trail = simulate(dir.path(), "1", &[]);
    let out = dir.path().join("export");
    let summary = export(&trail, out.to_str().unwrap(), &[]);
    let input = library(&trail);

    // A question for `who`: a secondary address at the moment it was assigned.
    let iv = input
        .timeline
        .intervals
        .iter()
        .find(|i| !i.primary && !i.prefix && i.assigned_at.is_some() && i.released_at.is_some())
        .expect("a secondary address assigned and released");
    let at = iv.assigned_at.unwrap();
    let holders = input
        .timeline
        .intervals
        .iter()
        .filter(|h| {
            *h.address == *iv.address
                && h.assigned_at.is_none_or(|a| a <= at)
                && h.released_at.is_none_or(|r| r > at)
        })
        .count();

    let started = Instant::now();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/interop/read_back.py");
    let o = Command::new("python3")
        .arg(&script)
        .arg(&out)
        .args(["--ip", iv.address.as_ref(), "--at"])
        .arg(at.format("%Y-%m-%d %H:%M:%S+00").to_string())
        .output()
        .unwrap_or_else(|e| panic!("cannot run python3: {e}; {INSTALL}"));
    let took = started.elapsed();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_ne!(o.status.code(), Some(3), "{INSTALL}\n{err}");
    let report: Value = serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!("read_back.py printed no JSON ({e}); stderr:\n{err}\n{INSTALL}")
    });
    assert_eq!(
        o.status.code(),
        Some(0),
        "read_back.py found problems: {}\n{err}",
        report["problems"]
    );
    eprintln!("read_back.py took {took:?}");
    let t = &report["tables"];

    // Row counts: every engine saw the library's frames, and the export summary says so too.
    let usage = exhaustion(&input, &ExhaustionOptions::default())
        .unwrap()
        .usage;
    let want = BTreeMap::from([
        ("events", input.events.len()),
        ("intervals", input.timeline.intervals.len()),
        (
            "enis",
            cnitrail_frames::eni_rows(&input.timeline.enis).len(),
        ),
        ("ec2_calls", input.call_counts().len()),
        (
            "throttled_calls",
            input.call_rows().iter().filter(|c| c.throttled > 0).count(),
        ),
        ("subnet_usage", usage.height()),
    ]);
    for (table, rows) in &want {
        assert!(*rows > 0, "{table} is empty: the scenario should fill it");
        for engine in ["pyarrow", "pandas", "duckdb", "spark"] {
            assert_eq!(
                t[table][format!("{engine}_rows")].as_u64(),
                Some(*rows as u64),
                "{engine} reads {table}"
            );
        }
        let exported = summary["tables"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["table"] == *table)
            .unwrap();
        assert_eq!(exported["rows"].as_u64(), Some(*rows as u64), "{table}");
    }
    // Times, in every engine, are the library's (UTC, no shift, no unit confusion).
    let (first, last) = input.span().unwrap();
    assert_eq!(t["events"]["time_min"], iso(first));
    assert_eq!(t["events"]["time_max"], iso(last));
    assert_eq!(t["events"]["spark_time_max"], iso(last));
    assert_eq!(t["events"]["duckdb_time_min"], iso(first));
    assert_eq!(
        t["events"]["days"],
        serde_json::json!(["2026-11-21", "2026-11-22"])
    );
    assert_eq!(t["events"]["pandas_time_dtype"], "datetime64[us, UTC]");
    let calls_max = input.call_rows().iter().map(|c| c.minute).max().unwrap();
    assert_eq!(t["ec2_calls"]["time_max"], iso(calls_max));
    // A few values.
    let enis: std::collections::BTreeSet<&str> = input
        .events
        .iter()
        .filter_map(|e| e.eni_id.as_deref())
        .collect();
    assert_eq!(
        t["events"]["distinct_eni_id"].as_u64(),
        Some(enis.len() as u64)
    );
    let ips: usize = input.events.iter().map(|e| e.private_ips.len()).sum();
    assert_eq!(t["events"]["private_ips_total"].as_u64(), Some(ips as u64));

    // docs/sql/duckdb.sql answers what the CLI answers.
    let q = &report["queries"];
    assert_eq!(q["who_had_ip"].as_array().unwrap().len(), holders);
    assert_eq!(q["who_had_ip"][0][1].as_str(), Some(&*iv.eni_id));
    let trail_s = trail.to_str().unwrap();
    let minutes = jsonl_count(&[
        "throttle", trail_s, "--table", "minutes", "--format", "jsonl", "-q",
    ]);
    assert_eq!(
        q["throttled_calls_per_minute_and_api"]
            .as_array()
            .unwrap()
            .len(),
        minutes
    );
    let moments = jsonl_count(&[
        "exhaustion",
        trail_s,
        "--table",
        "moments",
        "--format",
        "jsonl",
        "-q",
    ]);
    assert!(moments > 0, "the scenario runs the subnet dry");
    let first_failure = q["usage_at_first_exhaustion"].as_array().unwrap();
    assert_eq!(first_failure.len(), moments);
    assert!(
        first_failure[0][3].is_string(),
        "the usage row of that minute exists"
    );
    assert!(!q["churn_per_node_per_hour"].as_array().unwrap().is_empty());
}

/// Every visible `.parquet` file below `dir`, relative, with its bytes.
fn parquet_files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.file_name().is_some_and(|n| n == ".cnitrail-export.lock") {
                // The export's lock (issue 15), not a data file: always there after a run.
                continue;
            } else {
                let rel = p.strip_prefix(dir).unwrap().to_string_lossy().into_owned();
                out.insert(rel, std::fs::read(&p).unwrap());
            }
        }
    }
    out
}

/// A whole Parquet file: magic at both ends, a footer that fits, and polars reads it.
fn assert_whole(name: &str, bytes: &[u8]) {
    assert!(bytes.len() >= 12, "{name}: {} bytes", bytes.len());
    assert_eq!(&bytes[..4], b"PAR1", "{name}: no leading magic");
    assert_eq!(&bytes[bytes.len() - 4..], b"PAR1", "{name}: no footer");
    let footer = u32::from_le_bytes(bytes[bytes.len() - 8..bytes.len() - 4].try_into().unwrap());
    assert!((footer as usize) < bytes.len() - 8, "{name}: footer length");
    use cnitrail_frames::polars::prelude::*;
    ParquetReader::new(std::io::Cursor::new(bytes.to_vec()))
        .finish()
        .unwrap_or_else(|e| panic!("{name}: {e}"));
}

#[test]
fn an_export_killed_mid_write_leaves_no_partial_file_and_a_rerun_gives_the_same_files() {
    let dir = tempfile::tempdir().unwrap();
    let trail = simulate(dir.path(), "3", &["--noise-per-second", "3"]);
    // Small row groups and files: the write phase is long enough to be interrupted in.
    let cut = ["--row-group-rows", "20", "--file-size-mb", "1", "-q"];
    let reference = dir.path().join("reference");
    export(&trail, reference.to_str().unwrap(), &cut);
    let want = parquet_files(&reference);
    assert!(want.len() >= 6);

    let out = dir.path().join("killed");
    let mut interrupted = 0;
    for delay_ms in [0u64, 30, 100] {
        let _ = std::fs::remove_dir_all(&out);
        let mut child = bin()
            .args(["export", trail.to_str().unwrap(), "--out"])
            .arg(&out)
            .args(cut)
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        // Wait for the first file (temporary or final), then a little more, then SIGKILL.
        let deadline = Instant::now() + Duration::from_secs(60);
        while parquet_files(&out).is_empty() && Instant::now() < deadline {
            if child.try_wait().unwrap().is_some() {
                break;
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        std::thread::sleep(Duration::from_millis(delay_ms));
        let _ = child.kill();
        let status = child.wait().unwrap();
        if status.success() {
            continue; // finished before the kill: proves nothing this time
        }
        interrupted += 1;
        for (name, bytes) in parquet_files(&out) {
            let file = name.rsplit('/').next().unwrap();
            if file.ends_with(".parquet") {
                assert!(!file.starts_with('.'), "{name}");
                assert_whole(&name, &bytes);
            } else {
                assert!(
                    file.starts_with(".part-") && file.contains(".parquet.tmp-"),
                    "only hidden temporary files besides whole ones: {name}"
                );
            }
        }
        // The re-run cleans the temporary files and writes exactly the reference's bytes.
        export(&trail, out.to_str().unwrap(), &cut);
        let got = parquet_files(&out);
        assert_eq!(
            got.keys().collect::<Vec<_>>(),
            want.keys().collect::<Vec<_>>()
        );
        assert!(got == want, "a re-run after a kill wrote other bytes");
    }
    assert!(interrupted > 0, "no run was killed before it finished");
}

#[test]
fn export_to_s3_writes_the_same_files_and_replaces_its_own_on_a_rerun() {
    let server = moto::server();
    let bucket = "cli-export";
    let dir = tempfile::tempdir().unwrap();
    let trail = simulate(dir.path(), "1", &[]);
    let local = dir.path().join("local");
    export(&trail, local.to_str().unwrap(), &["-q"]);
    let s3_export = |extra: &[&str]| {
        let o = bin()
            .args(["export", trail.to_str().unwrap(), "--out"])
            .arg(format!("s3://{bucket}/exports/run"))
            .args(["--endpoint-url", &server.endpoint(), "-q"])
            .args(extra)
            .env("AWS_ACCESS_KEY_ID", "test")
            .env("AWS_SECRET_ACCESS_KEY", "test")
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    };
    // What the bucket holds under the prefix: key → sha256, and pending multipart uploads.
    let listing = || -> Value {
        let script = format!(
            "import boto3, hashlib, json\n\
             s3 = boto3.client('s3', endpoint_url={:?}, aws_access_key_id='test', aws_secret_access_key='test', region_name='us-east-1')\n\
             out = {{}}\n\
             for o in s3.list_objects_v2(Bucket={bucket:?}, Prefix='exports/run/').get('Contents', []):\n\
             \x20   body = s3.get_object(Bucket={bucket:?}, Key=o['Key'])['Body'].read()\n\
             \x20   out[o['Key'][len('exports/run/'):]] = hashlib.sha256(body).hexdigest()\n\
             print(json.dumps({{'objects': out, 'uploads': len(s3.list_multipart_uploads(Bucket={bucket:?}).get('Uploads', []))}}))\n",
            server.endpoint()
        );
        let o = Command::new("python3")
            .args(["-c", &script])
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        serde_json::from_slice(&o.stdout).unwrap()
    };
    let local_hashes = || -> Value {
        let script = "import hashlib, json, os, sys\n\
             root = sys.argv[1]\n\
             out = {}\n\
             for d, _, fs in os.walk(root):\n\
             \x20   for f in fs:\n\
             \x20       if f == '.cnitrail-export.lock': continue\n\
             \x20       p = os.path.join(d, f)\n\
             \x20       out[os.path.relpath(p, root)] = hashlib.sha256(open(p, 'rb').read()).hexdigest()\n\
             print(json.dumps(out))\n";
        let o = Command::new("python3")
            .args(["-c", script])
            .arg(&local)
            .output()
            .unwrap();
        serde_json::from_slice(&o.stdout).unwrap()
    };
    // A stale object of this label on a day the run covers (an earlier run wrote more files
    // that day), which goes, and one of another shard, which stays.
    let stale_dir = dir.path().join("stale.parquet");
    std::fs::write(&stale_dir, b"old").unwrap();
    server.upload(
        bucket,
        &[
            (
                "exports/run/events/event_date=2026-11-22/part-0000-00009.parquet".into(),
                stale_dir.clone(),
            ),
            (
                "exports/run/events/event_date=2020-01-01/part-0001-00000.parquet".into(),
                stale_dir.clone(),
            ),
        ],
    );
    s3_export(&[]);
    let first = listing();
    let mut want = local_hashes();
    let other = "events/event_date=2020-01-01/part-0001-00000.parquet";
    want[other] = first["objects"][other].clone();
    assert_eq!(
        first["objects"], want,
        "the same files as on disk; the stale one gone"
    );
    assert_eq!(first["uploads"], 0);
    // Re-run: the same objects, nothing duplicated.
    s3_export(&[]);
    assert_eq!(listing(), first);
}

#[test]
fn export_help_and_a_run_with_nothing_to_read() {
    let o = run(&["export", "--help"]);
    assert_eq!(o.status.code(), Some(0));
    let help = String::from_utf8_lossy(&o.stdout);
    for flag in [
        "--out",
        "--table",
        "--file-size-mb",
        "--row-group-rows",
        "Examples:",
    ] {
        assert!(help.contains(flag), "export --help lacks {flag}");
    }
    // Nothing readable: exit 2, and the earlier export is left as it was.
    let dir = tempfile::tempdir().unwrap();
    let keep = dir
        .path()
        .join("out/events/event_date=2026-11-22/part-0000-00000.parquet");
    std::fs::create_dir_all(keep.parent().unwrap()).unwrap();
    std::fs::write(&keep, b"earlier").unwrap();
    let o = run(&[
        "export",
        dir.path().join("missing").to_str().unwrap(),
        "--out",
        dir.path().join("out").to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert_eq!(std::fs::read(&keep).unwrap(), b"earlier");
    let o = run(&["export", "x", "--out", "s3://"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("--out"), "{}", stderr(&o));
}

#[test]
fn an_s3_export_killed_mid_write_leaves_only_whole_objects() {
    let server = moto::server();
    let bucket = "cli-export-killed";
    let dir = tempfile::tempdir().unwrap();
    let marker = dir.path().join("marker");
    std::fs::write(&marker, b"x").unwrap();
    server.upload(bucket, &[("marker".into(), marker)]);
    let trail = simulate(dir.path(), "3", &["--noise-per-second", "3"]);
    let cut = ["--row-group-rows", "20", "--file-size-mb", "1", "-q"];
    let reference = dir.path().join("reference");
    export(&trail, reference.to_str().unwrap(), &cut);
    let want = parquet_files(&reference);
    let s3 = |spawn: bool| {
        let mut c = bin();
        c.args(["export", trail.to_str().unwrap(), "--out"])
            .arg(format!("s3://{bucket}/x"))
            .args(["--endpoint-url", &server.endpoint()])
            .args(cut)
            .env("AWS_ACCESS_KEY_ID", "test")
            .env("AWS_SECRET_ACCESS_KEY", "test")
            .env("AWS_EC2_METADATA_DISABLED", "true");
        if spawn {
            c.stderr(std::process::Stdio::null());
        }
        c
    };
    // Every object under x/, downloaded: key → bytes (hex), and the pending uploads.
    let objects = || -> (BTreeMap<String, Vec<u8>>, u64) {
        let script = format!(
            "import boto3, json\n\
             s3 = boto3.client('s3', endpoint_url={:?}, aws_access_key_id='test', aws_secret_access_key='test', region_name='us-east-1')\n\
             out = {{}}\n\
             for page in s3.get_paginator('list_objects_v2').paginate(Bucket={bucket:?}, Prefix='x/'):\n\
             \x20   for o in page.get('Contents', []):\n\
             \x20       out[o['Key'][2:]] = s3.get_object(Bucket={bucket:?}, Key=o['Key'])['Body'].read().hex()\n\
             print(json.dumps({{'objects': out, 'uploads': len(s3.list_multipart_uploads(Bucket={bucket:?}).get('Uploads', []))}}))\n",
            server.endpoint()
        );
        let o = Command::new("python3")
            .args(["-c", &script])
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let v: Value = serde_json::from_slice(&o.stdout).unwrap();
        let hex = |s: &str| {
            (0..s.len())
                .step_by(2)
                .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
                .collect::<Vec<u8>>()
        };
        let objects = v["objects"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, b)| (k.clone(), hex(b.as_str().unwrap())))
            .collect();
        (objects, v["uploads"].as_u64().unwrap())
    };
    let mut child = s3(true).spawn().unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while objects().0.is_empty() && Instant::now() < deadline {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    let killed = !child.wait().unwrap().success();
    let (partial, _) = objects();
    for (key, bytes) in &partial {
        if key == ".cnitrail-export.lock" {
            continue; // the killed run's lock, which the re-run takes over (issue 15)
        }
        assert!(key.ends_with(".parquet"), "{key}");
        assert_whole(key, bytes);
    }
    let o = s3(false).output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let (after, uploads) = objects();
    assert_eq!(uploads, 0, "no unfinished multipart upload is left");
    assert!(
        after == want,
        "the re-run's objects are the files of an uninterrupted export"
    );
    eprintln!(
        "killed before the end: {killed}; {} of {} objects were there",
        partial.len(),
        want.len()
    );
}
