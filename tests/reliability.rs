//! Issue 15: what an adversary's input, a closed pipe, a nightly re-run or a second run at
//! the same time must not do to the `cnitrail` binary. One test per finding; the S3 timeouts
//! are tested against moto in crates/s3/tests, the framer's termination in crates/core.

use super::{bin, fixtures, run, stderr};
use flate2::Compression;
use flate2::write::GzEncoder;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;
use std::process::{Output, Stdio};
use std::time::{Duration, Instant};

/// Runs cnitrail with a deadline: a run still going after `secs` is killed and fails the
/// test (the finding was a hang).
fn run_within(secs: u64, args: &[&str]) -> Output {
    let mut child = bin()
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run cnitrail");
    let deadline = Instant::now() + Duration::from_secs(secs);
    // Drain both pipes on threads so that a chatty run cannot block on a full pipe.
    let mut out = child.stdout.take().expect("stdout");
    let mut err = child.stderr.take().expect("stderr");
    let out = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = std::io::Read::read_to_end(&mut out, &mut v);
        v
    });
    let err = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = std::io::Read::read_to_end(&mut err, &mut v);
        v
    });
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("cnitrail {args:?} still running after {secs} s");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Output {
        status,
        stdout: out.join().expect("stdout thread"),
        stderr: err.join().expect("stderr thread"),
    }
}

fn gz(bytes: &[u8]) -> Vec<u8> {
    let mut e = GzEncoder::new(Vec::new(), Compression::default());
    e.write_all(bytes).expect("gzip");
    e.finish().expect("gzip")
}

fn trail_fixture() -> Vec<u8> {
    let dir = fixtures().join("trail");
    let first = walk(&dir)
        .into_iter()
        .find(|p| p.to_string_lossy().ends_with(".json.gz"))
        .expect("a .json.gz fixture");
    std::fs::read(first).expect("read fixture")
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).expect("read_dir") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out.sort();
    out
}

/// Found 1: inputs that hung with memory growing end, each named, and the good file beside
/// them is still read.
#[test]
fn broken_containers_and_flipped_gzip_bits_end_with_named_failures() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    for (i, text) in [
        r#"{"Records":[}"#,
        r#"{"Records":[{}}"#,
        r#"{"Records":[1,}"#,
        r#"{"Records":[{"x":1]}"#,
        r#"{"Events":[}"#,
    ]
    .iter()
    .enumerate()
    {
        std::fs::write(d.join(format!("h{i}.json")), text).expect("write");
    }
    let good = trail_fixture();
    std::fs::write(d.join("z-good.json.gz"), &good).expect("write");
    let o = run_within(60, &["scan", d.to_str().expect("utf-8"), "--stats", "json"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let err = stderr(&o);
    for i in 0..5 {
        assert!(
            err.contains(&format!("h{i}.json")),
            "h{i}.json not named: {err}"
        );
    }
    // One bit flipped at many places of a gzip stream: each run ends.
    let flips = tempfile::tempdir().expect("tempdir");
    for (n, at) in (10..good.len()).step_by(good.len() / 40 + 1).enumerate() {
        let mut bad = good.clone();
        bad[at] ^= 1 << (n % 8);
        std::fs::write(flips.path().join(format!("f{n:03}.json.gz")), bad).expect("write");
    }
    let o = run_within(120, &["scan", flips.path().to_str().expect("utf-8"), "-q"]);
    assert!(
        matches!(o.status.code(), Some(0..=2)),
        "exit {:?}: {}",
        o.status.code(),
        stderr(&o)
    );
}

/// Found 6: a single input that fails part-way keeps what was read: the events are written,
/// the exit code is 1, and `export` writes them too.
#[test]
fn a_truncated_single_input_keeps_what_was_read() {
    let dir = tempfile::tempdir().expect("tempdir");
    let good = trail_fixture();
    let cut = dir.path().join("cut.json.gz");
    std::fs::write(&cut, &good[..good.len() - 8]).expect("write");
    let o = run(&["scan", cut.to_str().expect("utf-8"), "--format", "jsonl"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(!o.stdout.is_empty(), "the records read are written");
    assert!(stderr(&o).contains("cut.json.gz"), "{}", stderr(&o));
    let out = dir.path().join("out");
    let o = run(&[
        "export",
        cut.to_str().expect("utf-8"),
        "--out",
        out.to_str().expect("utf-8"),
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        walk(&out.join("events"))
            .iter()
            .any(|p| p.extension().is_some_and(|e| e == "parquet")),
        "export wrote the events read"
    );
    assert!(
        stderr(&o).contains("written from partly failed input"),
        "{}",
        stderr(&o)
    );
}

/// Found 9: a closed stderr or stdout is not a panic (exit 101).
#[test]
fn closed_pipes_are_not_panics() {
    let fixtures = fixtures();
    let args = [
        "scan",
        fixtures.to_str().expect("utf-8"),
        "--format",
        "jsonl",
    ];
    // stderr closed before the run writes to it: the exit code still tells (0: all read).
    let mut child = bin()
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run cnitrail");
    drop(child.stderr.take());
    assert_eq!(child.wait().expect("wait").code(), Some(0));
    // stdout closed: `cnitrail … | head` is normal use, exit 0.
    let mut child = bin()
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("run cnitrail");
    drop(child.stdout.take());
    assert_eq!(child.wait().expect("wait").code(), Some(0));
}

/// One CreateNetworkInterface record whose description is the attacker's text.
fn record_with_description(description: &str) -> String {
    let description = serde_json::to_string(description).expect("json");
    format!(
        r#"{{"Records":[{{"eventVersion":"1.08","eventTime":"2026-11-22T14:02:00Z","eventSource":"ec2.amazonaws.com","eventName":"CreateNetworkInterface","awsRegion":"us-east-1","recipientAccountId":"111122223333","eventID":"6a1e2d4c-0000-4000-8000-000000000001","requestParameters":{{"subnetId":"subnet-1","description":{description}}},"responseElements":{{"networkInterface":{{"networkInterfaceId":"eni-0abc","subnetId":"subnet-1","privateIpAddress":"10.0.3.17","description":{description}}}}}}}]}}"#
    )
}

/// Found 8: no formula reaches a spreadsheet, no control or bidi character the terminal; JSON
/// stays valid with the same text; file names in diagnostics are escaped too.
#[test]
fn record_text_and_file_names_cannot_drive_a_terminal_or_a_spreadsheet() {
    let dir = tempfile::tempdir().expect("tempdir");
    let evil = "=HYPERLINK(\"http://x\")\u{1b}[2J\u{7}\r\u{202e}\u{9b}";
    let file = dir.path().join("trail.json");
    std::fs::write(&file, record_with_description(evil)).expect("write");
    let raw = |bytes: &[u8]| {
        let text = String::from_utf8_lossy(bytes);
        text.chars()
            .filter(|c| matches!(c, '\u{1b}' | '\u{7}' | '\r' | '\u{202e}' | '\u{9b}'))
            .count()
    };
    let o = run(&["scan", file.to_str().expect("utf-8"), "--format", "csv"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(raw(&o.stdout), 0, "{}", String::from_utf8_lossy(&o.stdout));
    let csv = String::from_utf8_lossy(&o.stdout);
    assert!(csv.contains("\"'=HYPERLINK("), "{csv}");
    assert!(
        !csv.contains(",=") && !csv.contains("\"=HYPERLINK"),
        "{csv}"
    );
    for format in ["jsonl", "json", "table"] {
        let o = run(&["scan", file.to_str().expect("utf-8"), "--format", format]);
        assert_eq!(o.status.code(), Some(0), "{format}: {}", stderr(&o));
        assert_eq!(
            raw(&o.stdout),
            0,
            "{format}: {}",
            String::from_utf8_lossy(&o.stdout)
        );
    }
    let o = run(&["scan", file.to_str().expect("utf-8"), "--format", "jsonl"]);
    let line: serde_json::Value = serde_json::from_slice(&o.stdout).expect("still one JSON object");
    assert_eq!(line["description"], evil, "JSON keeps the text as it was");
    // A file name with an ESC in it, and a reason from its content, in stderr.
    let named = dir.path().join("bad\u{1b}[31m\u{202e}.json");
    std::fs::write(&named, "not json").expect("write");
    let o = run(&["scan", named.to_str().expect("utf-8"), "--stats", "json"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert_eq!(raw(&o.stderr), 0, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("bad\\x1b[31m\\u{202e}.json"),
        "{}",
        stderr(&o)
    );
    let stats = stderr(&o)
        .lines()
        .find(|l| l.starts_with('{'))
        .map(|l| serde_json::from_str::<serde_json::Value>(l).expect("stats stay JSON"))
        .expect("stats line");
    assert!(
        stats["failed_files"][0]["file"]
            .as_str()
            .is_some_and(|f| f.ends_with("bad\u{1b}[31m\u{202e}.json")),
        "{stats}"
    );
}

/// A trail of one DeleteNetworkInterface record a day on each of `days` (YYYY-MM-DD).
fn daily_trail(dir: &Path, days: &[&str]) {
    std::fs::create_dir_all(dir).expect("mkdir");
    for (i, day) in days.iter().enumerate() {
        let record = format!(
            r#"{{"Records":[{{"eventVersion":"1.08","eventTime":"{day}T12:00:00Z","eventSource":"ec2.amazonaws.com","eventName":"DeleteNetworkInterface","awsRegion":"us-east-1","recipientAccountId":"111122223333","eventID":"6a1e2d4c-0000-4000-8000-{i:012}","requestParameters":{{"networkInterfaceId":"eni-{i:04}"}},"responseElements":{{"_return":true}}}}]}}"#
        );
        let folder = dir.join(format!(
            "AWSLogs/111122223333/CloudTrail/us-east-1/{}",
            day.replace('-', "/")
        ));
        std::fs::create_dir_all(&folder).expect("mkdir");
        std::fs::write(
            folder.join(format!(
                "111122223333_CloudTrail_us-east-1_{}T1205Z_x.json.gz",
                day.replace('-', "")
            )),
            gz(record.as_bytes()),
        )
        .expect("write");
    }
}

/// Every file under `dir` and its bytes.
fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    walk(dir)
        .into_iter()
        .map(|p| {
            let bytes = std::fs::read(&p).expect("read");
            (
                p.strip_prefix(dir)
                    .expect("under")
                    .to_string_lossy()
                    .into_owned(),
                bytes,
            )
        })
        .collect()
}

fn event_days(out: &Path) -> Vec<String> {
    let mut days: Vec<String> = std::fs::read_dir(out.join("events"))
        .expect("events folder")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    days.sort();
    days
}

/// Found 2: a nightly `--since` run replaces the days it covered and keeps every other.
#[test]
fn an_incremental_export_keeps_the_days_it_did_not_cover() {
    let dir = tempfile::tempdir().expect("tempdir");
    let trail = dir.path().join("trail");
    let out = dir.path().join("out");
    daily_trail(&trail, &["2026-11-20", "2026-11-21", "2026-11-22"]);
    let (t, o) = (trail.to_str().expect("utf-8"), out.to_str().expect("utf-8"));
    let first = run(&["export", t, "--out", o]);
    assert_eq!(first.status.code(), Some(0), "{}", stderr(&first));
    let before = tree(&out);
    let nightly = run(&["export", t, "--out", o, "--since", "2026-11-22T00:00:00Z"]);
    assert_eq!(nightly.status.code(), Some(0), "{}", stderr(&nightly));
    assert!(
        !stderr(&nightly).contains("removed"),
        "{}",
        stderr(&nightly)
    );
    assert_eq!(
        event_days(&out),
        [
            "event_date=2026-11-20",
            "event_date=2026-11-21",
            "event_date=2026-11-22"
        ]
    );
    assert_eq!(
        tree(&out),
        before,
        "the re-derived day has the same bytes, the rest stayed"
    );
    // A day whose input is gone from a full re-run: its files stay (not covered), and a day
    // the run covers with fewer rows is replaced.
    std::fs::remove_dir_all(trail.join("AWSLogs/111122223333/CloudTrail/us-east-1/2026/11/20"))
        .expect("rm");
    let again = run(&["export", t, "--out", o]);
    assert_eq!(again.status.code(), Some(0), "{}", stderr(&again));
    assert_eq!(event_days(&out).len(), 3);
}

/// Found 3: a re-run in which a day's input fails keeps that day's earlier output whole.
#[test]
fn a_partly_failed_rerun_keeps_the_failed_days_earlier_output() {
    let dir = tempfile::tempdir().expect("tempdir");
    let trail = dir.path().join("trail");
    let out = dir.path().join("out");
    daily_trail(&trail, &["2026-11-20", "2026-11-22"]);
    // A second file on 11-22, whole the first time.
    let folder = trail.join("AWSLogs/111122223333/CloudTrail/us-east-1/2026/11/22");
    let second = folder.join("111122223333_CloudTrail_us-east-1_20261122T1305Z_y.json.gz");
    let record = r#"{"Records":[{"eventVersion":"1.08","eventTime":"2026-11-22T13:00:00Z","eventSource":"ec2.amazonaws.com","eventName":"DeleteNetworkInterface","awsRegion":"us-east-1","recipientAccountId":"111122223333","eventID":"6a1e2d4c-0000-4000-8000-100000000000","requestParameters":{"networkInterfaceId":"eni-9"},"responseElements":{"_return":true}}]}"#;
    let whole = gz(record.as_bytes());
    std::fs::write(&second, &whole).expect("write");
    let (t, o) = (trail.to_str().expect("utf-8"), out.to_str().expect("utf-8"));
    let first = run(&["export", t, "--out", o]);
    assert_eq!(first.status.code(), Some(0), "{}", stderr(&first));
    let before = tree(&out);
    std::fs::write(&second, &whole[..whole.len() / 2]).expect("truncate");
    let rerun = run(&["export", t, "--out", o]);
    assert_eq!(rerun.status.code(), Some(1), "{}", stderr(&rerun));
    assert!(stderr(&rerun).contains("2026-11-22"), "{}", stderr(&rerun));
    let after = tree(&out);
    let day = |m: &BTreeMap<String, Vec<u8>>| -> BTreeMap<String, Vec<u8>> {
        m.iter()
            .filter(|(k, _)| k.contains("event_date=2026-11-22"))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    };
    assert!(!day(&before).is_empty());
    assert!(
        day(&after) == day(&before),
        "the failed day's files are as the first run wrote them"
    );
}

/// Found 10: a second export into the same output is refused with a sentence while the first
/// holds it.
#[test]
fn a_second_export_into_a_held_output_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let trail = dir.path().join("trail");
    daily_trail(&trail, &["2026-11-22"]);
    let out = dir.path().join("out");
    std::fs::create_dir_all(&out).expect("mkdir");
    let lock = std::fs::File::create(out.join(".cnitrail-export.lock")).expect("lock file");
    lock.try_lock()
        .expect("take the lock as a running export would");
    let o = run(&[
        "export",
        trail.to_str().expect("utf-8"),
        "--out",
        out.to_str().expect("utf-8"),
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("another cnitrail export is writing to"),
        "{}",
        stderr(&o)
    );
    assert!(!out.join("events").exists(), "nothing written");
    drop(lock);
    let o = run(&[
        "export",
        trail.to_str().expect("utf-8"),
        "--out",
        out.to_str().expect("utf-8"),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

/// Found 11: a profile that no config file has is an error, not the environment's keys.
#[test]
fn an_unknown_profile_is_refused_with_a_sentence() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("config");
    std::fs::write(&config, "[profile real]\nregion = us-east-1\n").expect("write");
    let o = bin()
        .args([
            "scan",
            "s3://bucket/prefix",
            "--profile",
            "nope",
            "--endpoint-url",
            "http://127.0.0.1:9",
        ])
        .env("AWS_CONFIG_FILE", &config)
        .env(
            "AWS_SHARED_CREDENTIALS_FILE",
            dir.path().join("credentials"),
        )
        .env("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
        .env("AWS_SECRET_ACCESS_KEY", "secret")
        .output()
        .expect("run");
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("the config profile (nope) could not be found"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "one sentence: {err}");
}
