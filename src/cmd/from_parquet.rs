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
use anyhow::{Context, Result};
use cnitrail_core::ScanSummary;
use cnitrail_core::merge::merge_events;
use cnitrail_core::model::{Actor, EniEvent};
use cnitrail_core::scan::EventSink;
use cnitrail_core::source::local::NameFilter;
use cnitrail_core::stats::{FileReport, FileStatus};
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
                eprintln!("cnitrail: {name}: {reason}");
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
        summary.add_file(&report);
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
        eprintln!(
            "cnitrail: {} events read from {files} Parquet files; {} duplicate records dropped; {} actors settled with other files' evidence",
            counts.events_read, counts.duplicates, counts.actors_resolved
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
