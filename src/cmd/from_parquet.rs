//! `--from-parquet DIR|s3://…`: the ENI events of earlier scans (one Parquet file per
//! `--shard` worker, or `cnitrail export`'s partitioned folders) instead of the raw trail.
//!
//! The files are read whole, one after another, and merged as one scan of the whole trail
//! would have produced the events ([`cnitrail_core::merge`]): in input order, a record
//! delivered twice (possibly to two shards) kept once, actors settled with every shard's
//! evidence. Then the input filters apply as in a scan, and the events go to the command's
//! sink, so timeline, who and the reports run unchanged.

use super::scan::{name_filter, s3_source};
use crate::cli::{ActorArg, InputArgs, OutputArgs, StatsFormat};
use crate::terminal::say;
use anyhow::{Context, Result};
use cnitrail_core::merge::merge_events;
use cnitrail_core::model::{Actor, EniEvent};
use cnitrail_core::scan::EventSink;
use cnitrail_core::source::local::NameFilter;
use cnitrail_core::stats::{FileReport, FileStatus};
use cnitrail_core::{CallCountRow, ScanSummary};
use cnitrail_s3::{S3Uri, is_s3_uri};
use std::io::Read;
use std::path::{Path, PathBuf};

/// One events file's outcome.
type Loaded = Result<(u64, Vec<EniEvent>), String>;

/// Reads the events under `from`, merges them, filters them as `input` says and pushes them
/// into `sink`, in the single scan's order. The summary counts Parquet files as files and
/// the records behind the events as records: `records_read = kept + filtered + duplicates`.
pub(super) fn read_into(
    from: &str,
    input: &InputArgs,
    output: &OutputArgs,
    sink: &mut dyn EventSink,
) -> Result<ScanSummary> {
    let filter = name_filter(input)?;
    let mut summary = ScanSummary::default();
    let mut events = Vec::new();
    let mut take = |name: String, loaded: Loaded| {
        let (status, reason, bytes) = match loaded {
            Ok((bytes, mut read)) => {
                events.append(&mut read);
                (FileStatus::Read, None, bytes)
            }
            Err(reason) => {
                say!("cnitrail: {name}: {reason}");
                (FileStatus::Failed, Some(reason), 0)
            }
        };
        let mut report = FileReport {
            file: name,
            status,
            reason,
            counts: Default::default(),
        };
        report.counts.bytes_read = bytes;
        report.counts.bytes_decoded = bytes;
        summary.add_file(&report, &[]);
    };
    if is_s3_uri(from) {
        read_s3(from, input, &mut take)?;
    } else {
        read_local(Path::new(from), &mut take)?;
    }
    let files = summary.files_read;
    let (merged, counts) = merge_events(events);
    summary.records_read = counts.records_read;
    summary.duplicates = counts.duplicates;

    let mut rest = merged.into_iter().peekable();
    while let Some(first) = rest.next() {
        let mut record = vec![first];
        while let Some(e) = rest.next_if(|n| {
            n.record_index == record[0].record_index && n.source_file == record[0].source_file
        }) {
            record.push(e);
        }
        if !keeps(&filter, &record[0]) {
            summary.records_filtered += 1;
            continue;
        }
        if input.actor == ActorArg::Cni {
            record.retain(|e| e.actor == Actor::Cni);
            if record.is_empty() {
                summary.records_filtered += 1;
                continue;
            }
        }
        summary.records_kept += 1;
        summary.events += record.len() as u64;
        for e in record {
            sink.event(e)
                .map_err(|e| anyhow::anyhow!("cannot write events: {e}"))?;
        }
    }
    if output.stats == StatsFormat::Text && !output.quiet {
        say!(
            "cnitrail: {} events read from {files} Parquet files; {} duplicate records dropped; {} actors settled with other files' evidence",
            counts.events_read,
            counts.duplicates,
            counts.actors_resolved
        );
    }
    Ok(summary)
}

/// The scan's record filters (window, account, region), on a record's first event.
fn keeps(filter: &NameFilter, e: &EniEvent) -> bool {
    let listed = |want: &[String], got: &Option<String>| {
        want.is_empty() || got.as_ref().is_some_and(|g| want.iter().any(|w| w == g))
    };
    filter.window.contains(e.event_time)
        && listed(&filter.accounts, &e.account)
        && listed(&filter.regions, &e.region)
}

/// Whether a path below the root names an events file: `*.parquet`, with no hidden or
/// temporary part (`.name`, `_temporary/`, `.part-0.parquet.tmp`), as writers leave behind.
fn is_events_file(relative: &str) -> bool {
    relative.ends_with(".parquet")
        && relative
            .split(['/', '\\'])
            .all(|p| !p.starts_with('.') && !p.starts_with('_'))
}

fn read_local(from: &Path, take: &mut dyn FnMut(String, Loaded)) -> Result<()> {
    let meta =
        std::fs::metadata(from).with_context(|| format!("--from-parquet {}", from.display()))?;
    if !meta.is_dir() {
        take(from.display().to_string(), load_file(from));
        return Ok(());
    }
    // `cnitrail export --out DIR` writes DIR/events/… beside other tables: read the events only.
    let events = from.join("events");
    let root = if events.is_dir() {
        events
    } else {
        from.to_path_buf()
    };
    let mut files = Vec::new();
    walk(&root, &root, &mut files, take);
    for f in files {
        take(f.display().to_string(), load_file(&f));
    }
    Ok(())
}

fn walk(root: &Path, dir: &Path, out: &mut Vec<PathBuf>, take: &mut dyn FnMut(String, Loaded)) {
    let entries = match std::fs::read_dir(dir) {
        Ok(rd) => rd,
        Err(e) => return take(dir.display().to_string(), Err(e.to_string())),
    };
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for path in paths {
        let relative = path.strip_prefix(root).unwrap_or(&path).to_string_lossy();
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
        if name.is_some_and(|n| n.starts_with('.') || n.starts_with('_')) {
            continue;
        }
        if path.is_dir() {
            walk(root, &path, out, take);
        } else if is_events_file(&relative) {
            out.push(path);
        }
    }
}

fn load_file(path: &Path) -> Loaded {
    let file = std::fs::File::open(path).map_err(|e| format!("cannot open: {e}"))?;
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    let events = cnitrail_frames::read_events_parquet(file, &path.display().to_string())
        .map_err(|e| strip_name(e.to_string(), &path.display().to_string()))?;
    Ok((size, events))
}

/// The reader's errors start with the file's name, which the caller prints already.
fn strip_name(message: String, name: &str) -> String {
    message
        .strip_prefix(name)
        .and_then(|m| m.strip_prefix(": "))
        .map(str::to_string)
        .unwrap_or(message)
}

fn read_s3(from: &str, input: &InputArgs, take: &mut dyn FnMut(String, Loaded)) -> Result<()> {
    let uri = S3Uri::parse(from).with_context(|| format!("bad S3 URI {from}"))?;
    let s3 = s3_source(input)?;
    let base = format!("s3://{}/{}", uri.bucket, uri.prefix);
    let relative = |name: &str| -> String {
        name.strip_prefix(&base)
            .unwrap_or(name)
            .trim_start_matches('/')
            .to_string()
    };
    // Listed whole first (GETs start as objects are listed, at most --concurrency at once),
    // then read in listing order, which is what the fetcher needs to make progress.
    let mut objects = Vec::new();
    for object in s3.objects(&uri, &NameFilter::default()) {
        match object {
            Ok(o) => objects.push(o),
            Err(e) => take(e.name.clone(), Err(e.message)),
        }
    }
    let events_only = objects
        .iter()
        .any(|o| relative(&o.name).starts_with("events/"));
    for object in objects {
        let rel = relative(&object.name);
        if !is_events_file(&rel) || (events_only && !rel.starts_with("events/")) {
            // Dropped unopened: its GET is cancelled.
            continue;
        }
        let name = object.name.clone();
        let loaded = (object.open)()
            .and_then(|mut body| {
                let mut bytes = Vec::new();
                body.read_to_end(&mut bytes).map(|_| bytes)
            })
            .map_err(|e| format!("cannot read: {e}"))
            .and_then(|bytes| {
                let size = bytes.len() as u64;
                cnitrail_frames::read_events_parquet(std::io::Cursor::new(bytes), &name)
                    .map(|events| (size, events))
                    .map_err(|e| strip_name(e.to_string(), &name))
            });
        take(name, loaded);
    }
    Ok(())
}

/// The `ec2_calls` table that `cnitrail export` writes beside the events (`<from>/ec2_calls/…`),
/// summed over the shards' files: the throttle report's count of everyone's EC2 calls.
/// `None` when there is no such table, or when one of its files cannot be read (said on
/// stderr): then the report counts the kept ENI calls, and its `source` column says so.
pub(super) fn read_calls(from: &str, input: &InputArgs) -> Result<Option<Vec<CallCountRow>>> {
    let mut tables: Vec<Result<(String, Vec<CallCountRow>), String>> = Vec::new();
    if is_s3_uri(from) {
        let uri = S3Uri::parse(from).with_context(|| format!("bad S3 URI {from}"))?;
        let mut folder = uri.prefix.clone();
        if !folder.is_empty() && !folder.ends_with('/') {
            folder.push('/');
        }
        folder.push_str("ec2_calls/");
        let calls = S3Uri {
            bucket: uri.bucket.clone(),
            prefix: folder.clone(),
        };
        let base = format!("s3://{}/{folder}", uri.bucket);
        let s3 = s3_source(input)?;
        for object in s3.objects(&calls, &NameFilter::default()) {
            let object = match object {
                Ok(o) => o,
                Err(e) => {
                    tables.push(Err(e.to_string()));
                    continue;
                }
            };
            if !is_events_file(object.name.strip_prefix(&base).unwrap_or(&object.name)) {
                continue;
            }
            let name = object.name.clone();
            let loaded = (object.open)()
                .and_then(|mut body| {
                    let mut bytes = Vec::new();
                    body.read_to_end(&mut bytes).map(|_| bytes)
                })
                .map_err(|e| format!("{name}: cannot read: {e}"))
                .and_then(|bytes| calls_file(std::io::Cursor::new(bytes), &name));
            tables.push(loaded.map(|rows| (name, rows)));
        }
    } else {
        let root = Path::new(from).join("ec2_calls");
        if !root.is_dir() {
            return Ok(None);
        }
        let mut files = Vec::new();
        walk(&root, &root, &mut files, &mut |name, loaded| {
            if let Err(e) = loaded {
                tables.push(Err(format!("{name}: {e}")));
            }
        });
        for f in files {
            let name = f.display().to_string();
            let loaded = std::fs::File::open(&f)
                .map_err(|e| format!("{name}: cannot open: {e}"))
                .and_then(|file| calls_file(file, &name));
            tables.push(loaded.map(|rows| (name, rows)));
        }
    }
    if tables.is_empty() {
        return Ok(None);
    }
    // Each shard counted its own files; a cell (minute, account, region, API, caller, actor)
    // can appear in several shards' tables, and the counts add.
    type Cell = (
        chrono::DateTime<chrono::Utc>,
        Option<std::sync::Arc<str>>,
        Option<std::sync::Arc<str>>,
        std::sync::Arc<str>,
        std::sync::Arc<str>,
        &'static str,
    );
    let mut sums: std::collections::BTreeMap<Cell, CallCountRow> = Default::default();
    for table in tables {
        let rows = match table {
            Ok((_, rows)) => rows,
            Err(e) => {
                say!(
                    "cnitrail: {e}; the EC2 call counts are left out: throttle counts the ENI calls only"
                );
                return Ok(None);
            }
        };
        for r in rows {
            let cell = (
                r.minute,
                r.account.clone(),
                r.region.clone(),
                r.api.clone(),
                r.caller.clone(),
                r.actor.as_str(),
            );
            match sums.get_mut(&cell) {
                Some(sum) => {
                    sum.calls += r.calls;
                    sum.throttled += r.throttled;
                    sum.failed += r.failed;
                }
                None => {
                    sums.insert(cell, r);
                }
            }
        }
    }
    Ok(Some(sums.into_values().collect()))
}

fn calls_file<R: cnitrail_frames::polars::io::mmap::MmapBytesReader>(
    reader: R,
    name: &str,
) -> Result<Vec<CallCountRow>, String> {
    use cnitrail_frames::polars::prelude::{ParquetReader, SerReader};
    let df = ParquetReader::new(reader)
        .finish()
        .map_err(|e| format!("{name}: {e}"))?;
    cnitrail_frames::calls_from_frame(&df, name).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::{Cli, Command};
    use clap::Parser;
    use cnitrail_frames::polars::prelude::*;

    fn calls_table(minutes: &[i64], calls: &[i64]) -> DataFrame {
        let n = minutes.len();
        let minute = Int64Chunked::from_vec(
            "minute".into(),
            minutes.iter().map(|m| m * 60_000_000).collect(),
        )
        .into_datetime(TimeUnit::Microseconds, Some(TimeZone::UTC))
        .into_series()
        .into_column();
        let text = |name: &str, v: &str| Column::new(name.into(), vec![v; n]);
        DataFrame::new(
            n,
            vec![
                minute,
                text("account", "111122223333"),
                text("region", "eu-west-1"),
                text("api", "AssignPrivateIpAddresses"),
                text(
                    "caller",
                    "arn:aws:sts::111122223333:assumed-role/node/i-0abc",
                ),
                text("actor", "cni"),
                Column::new("calls".into(), calls.to_vec()),
                Column::new("throttled".into(), vec![1i64; n]),
                Column::new("failed".into(), vec![1i64; n]),
            ],
        )
        .unwrap()
    }

    #[test]
    fn ec2_calls_of_several_shards_are_summed_per_cell() {
        let dir = tempfile::tempdir().unwrap();
        let day = dir.path().join("ec2_calls/event_date=2026-11-22");
        std::fs::create_dir_all(&day).unwrap();
        for (i, (minutes, calls)) in [(vec![1, 2], vec![5, 7]), (vec![2, 3], vec![11, 13])]
            .into_iter()
            .enumerate()
        {
            let file = std::fs::File::create(day.join(format!("part-{i:04}-00000.parquet")));
            cnitrail_frames::write_parquet(file.unwrap(), &mut calls_table(&minutes, &calls))
                .unwrap();
        }
        std::fs::write(day.join(".part-0002-00000.parquet.tmp"), b"half").unwrap();
        let from = dir.path().to_str().unwrap();
        let cli = Cli::try_parse_from(["cnitrail", "throttle", "--from-parquet", from]).unwrap();
        let Command::Throttle(args) = cli.command else {
            panic!("not throttle")
        };
        let rows = read_calls(from, &args.input).unwrap().unwrap();
        let got: Vec<(i64, u64, u64)> = rows
            .iter()
            .map(|r| (r.minute.timestamp() / 60, r.calls, r.throttled))
            .collect();
        assert_eq!(got, [(1, 5, 1), (2, 18, 2), (3, 13, 1)]);

        // No table: None (throttle then counts the ENI calls, and says so).
        let empty = tempfile::tempdir().unwrap();
        assert!(
            read_calls(empty.path().to_str().unwrap(), &args.input)
                .unwrap()
                .is_none()
        );
        // A broken file: the whole table is left out rather than half counted.
        std::fs::write(day.join("part-0003-00000.parquet"), b"not parquet").unwrap();
        assert!(read_calls(from, &args.input).unwrap().is_none());
    }
}
