//! End-to-end tests of the `cnitrail` binary: formats, exit codes, stderr, atomic output, S3.

mod export;
mod moto;
mod reliability;
mod shards;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_cnitrail"));
    c.env_remove("AWS_PROFILE").env("NO_COLOR", "1");
    c
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

fn run(args: &[&str]) -> Output {
    bin().args(args).output().expect("run cnitrail")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The JSON lines a run wrote on stdout.
fn json_lines(o: &Output) -> Vec<serde_json::Value> {
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is JSON"))
        .collect()
}

/// Runs cnitrail, requires success, and parses its JSON-lines output.
fn jsonl_rows(args: &[&str]) -> Vec<serde_json::Value> {
    let o = run(args);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    json_lines(&o)
}

fn stats_json(o: &Output) -> serde_json::Value {
    let err = stderr(o);
    let line = err
        .lines()
        .rev()
        .find(|l| l.starts_with('{'))
        .unwrap_or_else(|| panic!("no stats JSON on stderr: {err}"));
    serde_json::from_str(line).expect("stats JSON")
}

#[test]
fn scan_fixtures_jsonl_with_stats() {
    let dir = fixtures();
    let o = run(&[
        "scan",
        dir.to_str().unwrap(),
        "--format",
        "jsonl",
        "--stats",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let lines = json_lines(&o);
    let s = stats_json(&o);
    for key in [
        "files_read",
        "files_skipped",
        "files_failed",
        "records_read",
        "records_kept",
        "records_filtered",
        "records_malformed",
        "duplicates",
    ] {
        assert!(s[key].is_u64(), "stats lack {key}: {s}");
    }
    assert_eq!(s["files_read"], 6);
    assert_eq!(s["files_skipped"], 1);
    assert_eq!(s["files_failed"], 0);
    assert_eq!(s["records_read"], 27);
    assert_eq!(s["records_kept"], 21);
    assert_eq!(s["duplicates"], 1);
    assert_eq!(lines.len(), 21);
    let files = s["files"].as_array().expect("per-file counts");
    assert_eq!(files.len(), 7);
    for f in files {
        let c = &f["counts"];
        let sum = [
            "records_kept",
            "records_filtered",
            "records_malformed",
            "duplicates",
        ]
        .iter()
        .map(|k| c[k].as_u64().unwrap())
        .sum::<u64>();
        assert_eq!(
            c["records_read"].as_u64(),
            Some(sum),
            "per-file accounting: {f}"
        );
    }
    let digest = files
        .iter()
        .find(|f| f["status"] == "skipped")
        .expect("the digest");
    assert!(
        digest["file"]
            .as_str()
            .unwrap()
            .contains("CloudTrail-Digest")
    );
    let first = &lines[0];
    for field in [
        "event_id",
        "event_time",
        "event_name",
        "region",
        "account",
        "eni_id",
        "instance_id",
        "attachment_id",
        "subnet_id",
        "vpc_id",
        "device_index",
        "delete_on_termination",
        "private_ips",
        "primary_ip",
        "ipv4_prefixes",
        "ipv6_addresses",
        "ipv6_prefixes",
        "requested_ipv4_count",
        "requested_ipv4_prefix_count",
        "requested_ipv6_count",
        "requested_ipv6_prefix_count",
        "description",
        "error_code",
        "error_code_raw",
        "error_message",
        "caller_arn",
        "session_name",
        "user_agent",
        "actor",
        "cni_version",
        "source_file",
        "record_index",
    ] {
        assert!(first.get(field).is_some(), "jsonl lacks {field}: {first}");
    }
    let throttled = lines
        .iter()
        .find(|l| l["error_code"] == "RequestLimitExceeded")
        .expect("the throttled call");
    assert_eq!(throttled["event_time"], "2026-11-22T14:01:30Z");
    assert_eq!(throttled["error_code_raw"], "Client.RequestLimitExceeded");
    assert_eq!(throttled["actor"], "cni");
}

#[test]
fn text_summary_and_formats() {
    let trail = fixtures().join("trail");
    let o = run(&["scan", trail.to_str().unwrap(), "--format", "csv"]);
    assert_eq!(o.status.code(), Some(0));
    let err = stderr(&o);
    assert!(
        err.contains("2 files read, 1 skipped, 0 failed; 20 records read = 15 kept + 4 filtered + 0 malformed + 1 duplicates; 15 events"),
        "{err}"
    );
    let csv = String::from_utf8(o.stdout).unwrap();
    let mut rows = csv.lines();
    assert!(
        rows.next()
            .unwrap()
            .starts_with("event_id,event_time,event_name,region,")
    );
    assert_eq!(rows.count(), 15);
    assert!(csv.contains("10.0.3.11 10.0.3.12 10.0.3.13 10.0.3.14 10.0.3.15"));

    let o = run(&["scan", trail.to_str().unwrap(), "--format", "json", "-q"]);
    assert!(o.stderr.is_empty(), "-q prints no summary: {}", stderr(&o));
    let arr: serde_json::Value = serde_json::from_slice(&o.stdout).expect("one JSON array");
    assert_eq!(arr.as_array().unwrap().len(), 15);

    let o = run(&[
        "scan",
        trail.to_str().unwrap(),
        "--format",
        "table",
        "--actor",
        "cni",
    ]);
    let table = String::from_utf8(o.stdout).unwrap();
    assert!(table.starts_with("TIME"));
    assert_eq!(table.lines().count(), 1 + 13);
    assert!(table.contains("RequestLimitExceeded"));
}

#[test]
fn parquet_to_a_file_is_complete_and_atomic() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("events.parquet");
    let o = run(&[
        "scan",
        fixtures().to_str().unwrap(),
        "--format",
        "parquet",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["events.parquet"], "no partial file left behind");
    use cnitrail_frames::polars::prelude::*;
    let df = ParquetReader::new(std::fs::File::open(&out).unwrap())
        .finish()
        .unwrap();
    assert_eq!(df.height(), 21);
    assert_eq!(
        df.column("event_time").unwrap().dtype(),
        &DataType::Datetime(TimeUnit::Microseconds, Some(TimeZone::UTC))
    );
}

#[test]
fn output_to_a_device_writes_in_place() {
    let o = run(&[
        "scan",
        fixtures().join("trail").to_str().unwrap(),
        "-o",
        "/dev/null",
        "-q",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    use std::os::unix::fs::FileTypeExt;
    let kind = std::fs::metadata("/dev/null").unwrap().file_type();
    assert!(kind.is_char_device(), "/dev/null must stay a device");
}

#[test]
fn stdin_lookup_events() {
    let mut child = bin()
        .args(["scan", "-", "--stats", "json"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let input = std::fs::read(fixtures().join("shapes/lookup-events.json")).unwrap();
    child.stdin.take().unwrap().write_all(&input).unwrap();
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let s = stats_json(&o);
    assert_eq!(
        (s["records_read"].as_u64(), s["records_kept"].as_u64()),
        (Some(2), Some(1))
    );
    assert!(
        String::from_utf8(o.stdout)
            .unwrap()
            .contains("\"source_file\":\"-\"")
    );
}

#[test]
fn partial_failure_exits_1_and_names_the_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        fixtures().join("shapes/records.jsonl"),
        dir.path().join("good.jsonl"),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("broken.json.gz"),
        [0x1f, 0x8b, 8, 0, 1, 2, 3],
    )
    .unwrap();
    std::fs::write(
        dir.path().join("bad-record.jsonl"),
        "{\"eventName\":\"CreateTags\",\"eventSource\":\"ec2.amazonaws.com\"}\n",
    )
    .unwrap();
    let o = run(&["scan", dir.path().to_str().unwrap(), "--format", "jsonl"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("broken.json.gz: read error"), "{err}");
    assert!(
        err.contains("bad-record.jsonl: record 0: missing eventTime"),
        "{err}"
    );
    assert_eq!(
        String::from_utf8(o.stdout).unwrap().lines().count(),
        2,
        "good records still out"
    );
}

#[test]
fn fatal_errors_exit_2() {
    let o = run(&["scan", "/nonexistent/cnitrail"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("/nonexistent/cnitrail"),
        "{}",
        stderr(&o)
    );
    let o = run(&["scan", "fixtures", "--since", "yesterday-ish"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--since"));
    let o = run(&["scan"]);
    assert_eq!(o.status.code(), Some(2), "clap usage error");
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("junk.txt"), "nope").unwrap();
    let o = run(&["scan", dir.path().to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "nothing readable");
}

#[test]
fn help_and_completions() {
    let o = run(&["scan", "--help"]);
    let help = String::from_utf8(o.stdout).unwrap();
    for flag in [
        "--since",
        "--until",
        "--account",
        "--region",
        "--profile",
        "--endpoint-url",
        "--concurrency",
        "--format",
        "--stats",
        "Examples:",
    ] {
        assert!(help.contains(flag), "help lacks {flag}");
    }
    let o = run(&["completions", "bash"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(String::from_utf8(o.stdout).unwrap().contains("cnitrail"));
}

#[test]
fn s3_scan_against_a_local_server() {
    let server = moto::server();
    let bucket = "cli-trail";
    let mut files = Vec::new();
    for entry in walk(&fixtures().join("trail")) {
        let key = entry
            .strip_prefix(fixtures().join("trail"))
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        files.push((key, entry));
    }
    files.push((
        "AWSLogs/111122223333/CloudTrail/eu-west-1/2026/11/22/corrupt.json.gz".into(),
        {
            let p = std::env::temp_dir().join(format!("cnitrail-corrupt-{}", std::process::id()));
            std::fs::write(&p, [0x1f, 0x8b, 8, 0, 9, 9, 9]).unwrap();
            p
        },
    ));
    server.upload(bucket, &files);
    let o = bin()
        .args([
            "scan",
            &format!("s3://{bucket}/AWSLogs/"),
            "--endpoint-url",
            &server.endpoint(),
            "--region",
            "eu-west-1",
            "--since",
            "2026-11-22T14:00:00Z",
            "--until",
            "2026-11-22T15:00:00Z",
            "--stats",
            "json",
            "--format",
            "jsonl",
        ])
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(1),
        "the corrupt object makes it partial: {}",
        stderr(&o)
    );
    let s = stats_json(&o);
    assert_eq!(s["files_read"], 2);
    assert_eq!(s["files_skipped"], 1, "the digest");
    assert_eq!(s["files_failed"], 1);
    assert_eq!(
        s["records_kept"], 14,
        "the 2022 record is outside the window"
    );
    assert!(stderr(&o).contains(&format!(
        "s3://{bucket}/AWSLogs/111122223333/CloudTrail/eu-west-1/2026/11/22/corrupt.json.gz"
    )));
    let out = String::from_utf8(o.stdout).unwrap();
    assert!(out.contains(&format!("\"source_file\":\"s3://{bucket}/AWSLogs/")));
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out.sort();
    out
}

fn simulate_and_scan(
    extra: &[&str],
) -> (
    serde_json::Value,
    serde_json::Value,
    PathBuf,
    tempfile::TempDir,
) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("sim");
    let mut args = vec!["simulate", "--out", out.to_str().unwrap(), "--hours", "1.5"];
    args.extend_from_slice(extra);
    let o = run(&args);
    assert_eq!(o.status.code(), Some(0), "simulate: {}", stderr(&o));
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
    let o = run(&[
        "scan",
        out.join("trail").to_str().unwrap(),
        "--stats",
        "json",
        "-o",
        "/dev/null",
    ]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "scan of a simulated trail: {}",
        stderr(&o)
    );
    (manifest, stats_json(&o), out, dir)
}

#[test]
fn simulated_trails_scan_with_exact_accounting() {
    for extra in [
        &["--seed", "3"][..],
        &[
            "--seed",
            "4",
            "--mode",
            "warm-ip",
            "--warm-ip-target",
            "2",
            "--minimum-ip-target",
            "5",
            "--cni-version",
            "v1.7.5=1",
            "--cni-version",
            "v1.20.0=1",
            "--identity",
            "irsa",
        ][..],
        &[
            "--seed",
            "5",
            "--mode",
            "prefix",
            "--instance-type",
            "m5.xlarge",
            "--cni-version",
            "v1.22.0",
        ][..],
    ] {
        let (m, s, out, _dir) = simulate_and_scan(extra);
        assert_eq!(
            s["records_read"], m["records"],
            "records written = read ({extra:?})"
        );
        assert_eq!(s["records_malformed"], 0);
        assert_eq!(s["files_failed"], 0);
        assert_eq!(s["files_read"], m["files"]);
        assert_eq!(s["files_skipped"], m["digest_files"]);
        let calls = m["calls_by_api"].as_object().unwrap();
        let kept_calls: u64 = cnitrail_core::EventName::ALL
            .iter()
            .filter_map(|a| calls.get(a.as_str()))
            .map(|v| v.as_u64().unwrap())
            .sum();
        assert!(
            kept_calls > 20,
            "the scenario makes ENI calls ({extra:?}): {m}"
        );
        assert_eq!(
            s["records_kept"].as_u64(),
            Some(kept_calls),
            "every ENI call kept once ({extra:?})"
        );
        // The ground truth saw the same calls.
        let truth_calls = std::fs::read_to_string(out.join("truth/calls.jsonl")).unwrap();
        let all_calls: u64 = calls.values().map(|v| v.as_u64().unwrap()).sum();
        assert_eq!(
            truth_calls.lines().count() as u64,
            all_calls,
            "truth and trail agree on calls"
        );
    }
}

#[test]
fn who_answers_with_evidence() {
    let trail = fixtures().join("trail");
    let o = run(&[
        "who",
        "10.0.3.17",
        "--at",
        "2026-11-22T14:02:00Z",
        trail.to_str().unwrap(),
        "--format",
        "json",
        "-q",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let rows = v.as_array().unwrap();
    assert_eq!(rows.len(), 1);
    let r = &rows[0];
    for key in [
        "ip",
        "eni_id",
        "instance_id",
        "subnet_id",
        "prefix",
        "assigned_at",
        "released_at",
        "start_known",
        "release_reason",
        "assign_event_id",
        "release_event_id",
    ] {
        assert!(r.get(key).is_some(), "who lacks {key}: {r}");
    }
    assert_eq!(r["eni_id"], "eni-0c0ffee0c0ffee001");
    assert_eq!(r["instance_id"], "i-0a1b2c3d4e5f60718");
    assert_eq!(r["assigned_at"], "2026-11-22T14:01:10Z");
    assert_eq!(r["released_at"], "2026-11-22T14:03:00Z");
    assert_eq!(r["release_reason"], "unassigned");
    assert_eq!(r["assign_event_id"], "00000004-1111-4222-8333-444444444444");

    // The same answer with a bounded reorder window.
    let o = run(&[
        "who",
        "10.0.3.17",
        "--at",
        "2026-11-22T14:02:00Z",
        trail.to_str().unwrap(),
        "--format",
        "json",
        "-q",
        "--reorder-window",
        "30m",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let w: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(w, v);
    let o = run(&[
        "who",
        "10.0.3.17",
        trail.to_str().unwrap(),
        "--reorder-window",
        "soon",
    ]);
    assert_eq!(o.status.code(), Some(2));

    // Released at 14:03:00: nobody holds it then (intervals are half-open).
    let o = run(&[
        "who",
        "10.0.3.17",
        "--at",
        "2026-11-22T14:03:00Z",
        trail.to_str().unwrap(),
        "--format",
        "json",
        "-q",
    ]);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&o.stdout).trim(), "[]");
    assert!(
        stderr(&o).contains("no ENI held 10.0.3.17 at 2026-11-22T14:03:00Z"),
        "{}",
        stderr(&o)
    );

    // An address inside a delegated /28 is reported with its prefix.
    let o = run(&[
        "who",
        "10.0.4.20",
        "--at",
        "2026-11-22T14:05:00Z",
        trail.to_str().unwrap(),
        "--format",
        "jsonl",
        "-q",
    ]);
    let r: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(r["prefix"], "10.0.4.16/28");
    assert_eq!(r["release_reason"], "open");
    assert_eq!(r["released_at"], serde_json::Value::Null);
}

#[test]
fn timeline_filters_and_formats() {
    let trail = fixtures().join("trail");
    let rows = jsonl_rows(&[
        "timeline",
        trail.to_str().unwrap(),
        "--instance",
        "i-0a1b2c3d4e5f60718",
        "--format",
        "jsonl",
        "-q",
    ]);
    // Primary 10.0.3.10, 5 secondaries on the primary ENI, 10 on the CNI's ENI, 1 more later.
    assert_eq!(rows.len(), 17, "{rows:#?}");
    let terminated = rows
        .iter()
        .filter(|r| r["release_reason"] == "instance-terminated")
        .count();
    assert_eq!(
        terminated, 6,
        "the primary ENI's addresses end with the instance"
    );
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("intervals.parquet");
    let o = run(&[
        "timeline",
        fixtures().to_str().unwrap(),
        "--format",
        "parquet",
        "-o",
        out.to_str().unwrap(),
        "-q",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    use cnitrail_frames::polars::prelude::*;
    let df = ParquetReader::new(std::fs::File::open(&out).unwrap())
        .finish()
        .unwrap();
    assert!(df.height() > 20);
    assert_eq!(
        df.column("assigned_at").unwrap().dtype(),
        &DataType::Datetime(TimeUnit::Microseconds, Some(TimeZone::UTC))
    );
}

#[test]
fn timeline_enis_shows_each_life() {
    let trail = fixtures().join("trail");
    let rows = jsonl_rows(&[
        "timeline",
        trail.to_str().unwrap(),
        "--enis",
        "--eni",
        "eni-0c0ffee0c0ffee001",
        "--format",
        "jsonl",
        "-q",
    ]);
    assert_eq!(rows.len(), 1, "one attachment: {rows:#?}");
    let r = &rows[0];
    assert_eq!(r["owner_instance"], "i-0a1b2c3d4e5f60718");
    assert_eq!(r["created_at"], "2026-11-22T14:01:10Z");
    assert_eq!(r["attachment_id"], "eni-attach-0bbb000000000002");
    assert_eq!(r["attached_at"], "2026-11-22T14:01:11Z");
    assert_eq!(r["detached_at"], "2026-11-22T14:04:00Z");
    assert_eq!(r["ended_at"], "2026-11-22T14:04:02Z");
    assert_eq!(r["end"], "deleted");
    assert_eq!(r["device_index"], 1);
}

/// A small cluster on a /26 with a tight WARM_IP_TARGET: exhaustion, count=1 retries, churn.
fn simulated_incident() -> (PathBuf, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("sim");
    let o = run(&[
        "simulate",
        "--out",
        out.to_str().unwrap(),
        "--seed",
        "9",
        "--hours",
        "1",
        "--subnet-cidr",
        "10.0.0.0/26",
        "--nodes",
        "3",
        "--pods",
        "14",
        "--mode",
        "warm-ip",
        "--warm-ip-target",
        "8",
        "--minimum-ip-target",
        "12",
    ]);
    assert_eq!(o.status.code(), Some(0), "simulate: {}", stderr(&o));
    (out.join("trail"), dir)
}

#[test]
fn reports_write_their_columns_in_every_format() {
    let (trail, dir) = simulated_incident();
    let trail = trail.to_str().unwrap();
    let subnet = "subnet-0a1b2c3d4e5f60001";
    let cidr = format!("{subnet}=10.0.0.0/26");

    let churn = jsonl_rows(&["churn", trail, "--every", "15m", "-q"]);
    assert!(!churn.is_empty());
    // serde_json's map sorts keys; the text shows the order written.
    let raw = run(&["churn", trail, "--every", "15m", "-q"]);
    let line = String::from_utf8_lossy(&raw.stdout);
    assert!(
        line.starts_with(r#"{"bucket":"#),
        "JSON keys in column order: {line}"
    );
    assert!(line.lines().next().unwrap().contains(r#""node":"#));
    let assigns: i64 = churn
        .iter()
        .map(|r| r["assign_calls"].as_i64().unwrap())
        .sum();
    assert!(assigns > 0);
    let by_subnet = jsonl_rows(&["churn", trail, "--by", "subnet", "--every", "1d", "-q"]);
    assert!(by_subnet.iter().any(|r| r["subnet_id"] == subnet));

    let usage = jsonl_rows(&["exhaustion", trail, "--subnet-cidr", &cidr, "-q"]);
    // Change points (issue 15): rows in time order, where a call changed what was held.
    assert!(usage.len() >= 2, "{usage:?}");
    assert!(
        usage
            .windows(2)
            .all(|w| w[0]["time"].as_str() < w[1]["time"].as_str())
    );
    assert!(usage.iter().all(|r| r["capacity"] == 59));
    assert!(
        usage
            .iter()
            .any(|r| r["free"] == 0 || r["free"].as_i64() < Some(5))
    );
    let moments = jsonl_rows(&[
        "exhaustion",
        trail,
        "--subnet-cidr",
        &cidr,
        "--table",
        "moments",
        "-q",
    ]);
    assert_eq!(moments.len(), 1);
    assert_eq!(moments[0]["subnet_id"], subnet);
    assert!(
        moments[0]["event_id"].is_string(),
        "the failing call's id is the evidence"
    );
    let o = run(&[
        "exhaustion",
        trail,
        "--subnet-cidr",
        &cidr,
        "--format",
        "table",
        "-q",
    ]);
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.contains("== Levers") && text.contains("WARM_IP_TARGET"),
        "{text}"
    );
    let o = run(&[
        "exhaustion",
        trail,
        "--subnet-cidr",
        "subnet-0a=10.0.0.0",
        "-q",
    ]);
    assert_eq!(
        o.status.code(),
        Some(2),
        "a bad CIDR is fatal: {}",
        stderr(&o)
    );

    let retries = jsonl_rows(&["throttle", trail, "--table", "retries", "-q"]);
    assert!(
        !retries.is_empty(),
        "count=1 retries after bulk assigns failed"
    );
    assert!(retries.iter().all(|r| r["requested"].as_i64() > Some(1)));
    let csv = run(&[
        "throttle", trail, "--table", "minutes", "--format", "csv", "-q",
    ]);
    let csv = String::from_utf8_lossy(&csv.stdout);
    assert!(
        csv.starts_with("minute,account,region,api,calls,throttled,"),
        "{csv}"
    );

    let parquet = dir.path().join("leaks.parquet");
    let o = run(&[
        "leaks",
        trail,
        "--format",
        "parquet",
        "-o",
        parquet.to_str().unwrap(),
        "-q",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(&std::fs::read(&parquet).unwrap()[..4], b"PAR1");
}

#[test]
fn report_writes_one_offline_html_file() {
    let (trail, dir) = simulated_incident();
    let html = dir.path().join("incident.html");
    let o = run(&[
        "report",
        trail.to_str().unwrap(),
        "--subnet-cidr",
        "subnet-0a1b2c3d4e5f60001=10.0.0.0/26",
        "-o",
        html.to_str().unwrap(),
        "-q",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(
        page.matches("<svg").count() >= 3,
        "subnet, churn and throttle charts"
    );
    assert!(page.contains("subnet-0a1b2c3d4e5f60001"));
    assert!(page.contains("InsufficientFreeAddressesInSubnet"));
    assert!(!page.contains("<script"), "no script at all");
    // Nothing read: no page.
    let missing = dir.path().join("none.html");
    let o = run(&[
        "report",
        "/nonexistent/trail",
        "-o",
        missing.to_str().unwrap(),
        "-q",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(!missing.exists());
}

/// The README's column lists are the contract: every report table's CSV header equals the
/// README's list for it, in order (tables) or names every column (the churn and leaks prose).
#[test]
fn report_columns_are_the_ones_the_readme_lists() {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let section = |title: &str| -> String {
        let start = readme
            .find(title)
            .unwrap_or_else(|| panic!("README has no {title}"));
        let rest = &readme[start + title.len()..];
        rest[..rest.find("\n### ").unwrap_or(rest.len())].to_string()
    };
    let ticked = |text: &str| -> Vec<String> {
        text.split('`')
            .skip(1)
            .step_by(2)
            .map(str::to_string)
            .collect()
    };
    let (trail, _dir) = simulated_incident();
    let trail = trail.to_str().unwrap();
    let header = |args: &[&str]| -> Vec<String> {
        let mut all = args.to_vec();
        all.extend([trail, "--format", "csv", "-q"]);
        let o = run(&all);
        assert_eq!(o.status.code(), Some(0), "{args:?}: {}", stderr(&o));
        let out = String::from_utf8(o.stdout).unwrap();
        out.lines()
            .next()
            .unwrap()
            .split(',')
            .map(str::to_string)
            .collect()
    };
    for (command, tables) in [
        (
            "exhaustion",
            &["usage", "moments", "holders", "warm-pools", "levers"][..],
        ),
        (
            "throttle",
            &["minutes", "bursts", "shares", "storms", "retries"][..],
        ),
    ] {
        let text = section(&format!("### `cnitrail {command}`"));
        for table in tables {
            let row = text
                .lines()
                .find(|l| l.starts_with(&format!("| `{table}`")))
                .unwrap_or_else(|| panic!("README lists no {command} --table {table}"));
            let last = row.trim_end_matches('|').rsplit('|').next().unwrap();
            assert_eq!(
                header(&[command, "--table", table]),
                ticked(last),
                "{command} --table {table}"
            );
        }
    }
    for (command, args) in [("churn", &["churn"][..]), ("leaks", &["leaks"][..])] {
        let names = ticked(&section(&format!("### `cnitrail {command}`")));
        for column in header(args) {
            assert!(
                names.contains(&column),
                "README's {command} section lacks `{column}`"
            );
        }
    }
}

#[test]
fn exhaustion_takes_capacity_from_aws_cli_json_on_stdin() {
    let (trail, _dir) = simulated_incident();
    let json = r#"{"Subnets":[{"SubnetId":"subnet-0a1b2c3d4e5f60001","CidrBlock":"10.0.0.0/26","VpcId":"vpc-1"}]}"#;
    let mut child = bin()
        .args(["exhaustion", trail.to_str().unwrap(), "--subnets-json", "-"])
        .args(["--table", "moments", "--format", "jsonl", "-q"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(json.as_bytes())
        .unwrap();
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let row: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(row["capacity"], 59);
    let o = run(&[
        "exhaustion",
        trail.to_str().unwrap(),
        "--subnets-json",
        "/nonexistent.json",
        "-q",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("--subnets-json /nonexistent.json"),
        "{}",
        stderr(&o)
    );
}
