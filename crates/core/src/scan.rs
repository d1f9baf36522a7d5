//! The scan driver: reads objects on worker threads, merges their results in input order,
//! drops duplicates, resolves actors, and pushes events into an [`EventSink`].
//!
//! ```text
//!  objects ──▶ workers (open → decode → frame → prefilter → extract → window filters)
//!                 │  one FileResult per object, any order
//!                 ▼
//!  main thread: reorder by input position → dedup eventID → actor → sink, ScanSummary
//! ```
//!
//! Output order is input order (objects as listed, records as framed), whatever the thread
//! timing, so two runs over the same input write the same bytes. Memory is bounded by the
//! objects in flight (a few per thread) plus the set of kept event ids and CNI ENIs; with
//! [`ScanOptions::count_calls`], also the ids of every counted EC2 call ([`crate::calls`]).

use crate::calls::{CallCounter, FileCalls};
use crate::decode::frame::{Frame, Framer, ItemKind};
use crate::decode::{self, Counting};
use crate::extract::{Extracted, KeptRecord, Origin, extract_item};
use crate::model::{Actor, EniEvent};
use crate::source::layout::FileKind;
use crate::source::window::TimeWindow;
use crate::source::{InputObject, SourceError};
use crate::stats::{Counts, FileReport, FileStatus, FilterReason, MalformedRecord, ScanSummary};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::Ordering;

/// Which callers' events to keep.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ActorFilter {
    /// Every caller: load balancers, Lambda, people, the resource controller, the CNI.
    #[default]
    All,
    /// Only the CNI.
    Cni,
}

/// What to keep and how to read.
#[derive(Debug, Clone)]
pub struct ScanOptions {
    /// `eventTime` window.
    pub window: TimeWindow,
    /// Keep these accounts only (empty: all).
    pub accounts: Vec<String>,
    /// Keep these regions only (empty: all).
    pub regions: Vec<String>,
    /// Keep these callers.
    pub actor: ActorFilter,
    /// Worker threads.
    pub threads: usize,
    /// Largest record held in memory; larger ones are counted as malformed.
    pub max_record: usize,
    /// Keep every file's counts in [`ScanSummary::files`] (memory grows with the file count).
    pub file_reports: bool,
    /// Count every EC2 call, of any API and caller, into [`ScanSummary::calls`] (see
    /// [`crate::calls`]). Off by default: a plain scan pays nothing for it.
    pub count_calls: bool,
}

impl Default for ScanOptions {
    fn default() -> Self {
        ScanOptions {
            window: TimeWindow::default(),
            accounts: Vec::new(),
            regions: Vec::new(),
            actor: ActorFilter::All,
            threads: std::thread::available_parallelism().map_or(2, |n| n.get()),
            max_record: decode::frame::DEFAULT_MAX_ITEM,
            file_reports: false,
            count_calls: false,
        }
    }
}

/// Receives the kept events, in input order.
///
/// The scan calls [`EventSink::event`] once per event; an error stops the scan (the workers
/// finish the objects they hold and nothing more is read) and is returned by [`scan`].
pub trait EventSink {
    /// Takes one event.
    fn event(&mut self, event: EniEvent) -> Result<(), SinkError>;
}

/// A sink that could not take an event (for example, stdout was closed).
pub type SinkError = Box<dyn std::error::Error + Send + Sync>;

impl EventSink for Vec<EniEvent> {
    fn event(&mut self, event: EniEvent) -> Result<(), SinkError> {
        self.push(event);
        Ok(())
    }
}

/// Told about each object as it is merged, in input order (progress bars, logs).
pub trait Observer {
    /// One object is done.
    fn file_done(&mut self, _report: &FileReport) {}
}

/// An observer that ignores everything.
pub struct Quiet;
impl Observer for Quiet {}

/// What a worker hands back for one object.
struct FileResult {
    report: FileReport,
    records: Vec<KeptRecord>,
    malformed: Vec<MalformedRecord>,
    /// The file's EC2 calls, when [`ScanOptions::count_calls`] is on.
    calls: Option<FileCalls>,
}

impl FileResult {
    fn failed(file: String, reason: String) -> FileResult {
        FileResult {
            report: FileReport {
                file,
                status: FileStatus::Failed,
                reason: Some(reason),
                counts: Counts::default(),
            },
            records: Vec::new(),
            malformed: Vec::new(),
            calls: None,
        }
    }
}

/// A digest file read by content (its name did not give it away): no `Records`, but these keys.
fn is_digest(item: &[u8]) -> bool {
    let has = |k: &[u8]| memchr::memmem::find(item, k).is_some();
    has(b"\"digestStartTime\"") && has(b"\"logFiles\"")
}

/// Reads one object to its end (or first fatal error) and extracts its events.
fn process(obj: InputObject, opts: &ScanOptions) -> FileResult {
    let name = obj.name.clone();
    match obj.kind {
        FileKind::Digest | FileKind::Insight => {
            let what = if obj.kind == FileKind::Digest {
                "digest"
            } else {
                "insight"
            };
            return FileResult {
                report: FileReport {
                    file: name,
                    status: FileStatus::Skipped,
                    reason: Some(format!("CloudTrail {what} file, not API calls")),
                    counts: Counts::default(),
                },
                records: Vec::new(),
                malformed: Vec::new(),
                calls: None,
            };
        }
        FileKind::Events => {}
    }
    match catch_unwind(AssertUnwindSafe(|| read_object(obj, opts))) {
        Ok(r) => r,
        // A bug, not bad input; still, one object must not take the whole scan down.
        Err(_) => FileResult::failed(name, "internal error while reading (please report)".into()),
    }
}

fn read_object(obj: InputObject, opts: &ScanOptions) -> FileResult {
    let file: Arc<str> = Arc::from(obj.name.as_str());
    let raw = match (obj.open)() {
        Ok(r) => r,
        Err(e) => return FileResult::failed(obj.name, format!("cannot open: {e}")),
    };
    let (raw, read_count) = Counting::new(raw);
    let decoded = match decode::open(raw) {
        Ok(d) => d,
        Err(e) => return FileResult::failed(obj.name, format!("cannot read: {e}")),
    };
    let (decoded, decoded_count) = Counting::new(decoded);
    let mut framer = Framer::with_limit(decoded, opts.max_record);
    let mut counts = Counts::default();
    let mut records = Vec::new();
    let mut malformed = Vec::new();
    let mut calls = opts.count_calls.then(FileCalls::default);
    let mut status = FileStatus::Read;
    let mut reason = None;
    let mut index = 0u64;
    loop {
        let frame = match framer.next_frame() {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => {
                status = FileStatus::Failed;
                reason = Some(format!("{e} (after {index} records)"));
                break;
            }
        };
        let mut counted_at = None;
        let outcome = match frame {
            Frame::Item { kind, bytes } => {
                if index == 0 && kind == ItemKind::TopLevel && is_digest(bytes) {
                    status = FileStatus::Skipped;
                    reason = Some("CloudTrail digest file, not API calls".into());
                    break;
                }
                let origin = Origin {
                    file: file.clone(),
                    index,
                };
                match calls.as_mut() {
                    Some(calls) => {
                        let (outcome, at) =
                            crate::calls::extract_and_count(kind, bytes, &origin, opts, calls);
                        counted_at = at;
                        outcome
                    }
                    None => extract_item(kind, bytes, &origin),
                }
            }
            Frame::Malformed { reason } => Extracted::Malformed(reason),
        };
        counts.records_read += 1;
        match outcome {
            Extracted::Kept(rec) => match window_filter(&rec, opts) {
                None => {
                    // The call's actor is the one the merge settles for the kept record.
                    if let (Some(calls), Some(at)) = (calls.as_mut(), counted_at) {
                        calls.link_kept(at, records.len());
                    }
                    records.push(rec)
                }
                Some(why) => counts.filtered(why),
            },
            Extracted::Filtered(why) => counts.filtered(why),
            Extracted::Malformed(why) => {
                counts.records_malformed += 1;
                malformed.push(MalformedRecord {
                    file: obj.name.clone(),
                    record_index: index,
                    reason: why,
                });
            }
        }
        index += 1;
    }
    counts.bytes_read = read_count.load(Ordering::Relaxed);
    counts.bytes_decoded = decoded_count.load(Ordering::Relaxed);
    // `{"Records":[]}`, `{"Events":[]}` and `[]` are files with no records, read like any
    // other; a file with nothing in it is not one.
    if status == FileStatus::Read && counts.records_read == 0 && framer.containers() == 0 {
        status = FileStatus::Failed;
        reason = Some(if counts.bytes_decoded == 0 {
            "empty file".into()
        } else if !framer.saw_content() {
            "only whitespace, no JSON".into()
        } else {
            "no records: valid JSON without a Records array or record objects".into()
        });
    }
    FileResult {
        report: FileReport {
            file: obj.name,
            status,
            reason,
            counts,
        },
        records,
        malformed,
        calls,
    }
}

/// Filters that depend on the record alone (time, account, region).
fn window_filter(rec: &KeptRecord, opts: &ScanOptions) -> Option<FilterReason> {
    let first = &rec.events[0];
    if !opts.window.contains(first.event_time) {
        return Some(FilterReason::OutsideWindow);
    }
    let listed = |want: &[String], got: &Option<String>| {
        want.is_empty() || got.as_ref().is_some_and(|g| want.iter().any(|w| w == g))
    };
    if !listed(&opts.accounts, &first.account) || !listed(&opts.regions, &first.region) {
        return Some(FilterReason::AccountOrRegion);
    }
    None
}

/// Event ids seen so far. CloudTrail ids are UUIDs, kept as 16 bytes; anything else as text.
#[derive(Default)]
struct SeenIds {
    uuids: HashSet<u128>,
    other: HashSet<String>,
}

impl SeenIds {
    /// True the first time an id is offered.
    fn first(&mut self, id: &str) -> bool {
        match crate::model::parse_uuid(id) {
            Some(u) => self.uuids.insert(u),
            None => self.other.insert(id.to_string()),
        }
    }
}

/// State carried across records in input order: duplicates and CNI attribution.
#[derive(Default)]
struct Merger {
    seen: SeenIds,
    cni_enis: HashSet<String>,
    attachment_eni: HashMap<String, String>,
    calls: CallCounter,
}

impl Merger {
    /// Applies dedup and actor resolution to one file's records, in order.
    fn merge(
        &mut self,
        result: FileResult,
        opts: &ScanOptions,
        sink: &mut dyn EventSink,
        summary: &mut ScanSummary,
    ) -> Result<FileReport, SinkError> {
        let FileResult {
            mut report,
            records,
            malformed,
            calls,
        } = result;
        // Records inside a file come in no particular order (facts §7): learn what the whole
        // file says about ENIs before attributing any of its calls.
        for rec in &records {
            self.cni_enis.extend(rec.cni_enis.iter().cloned());
            for e in &rec.events {
                if let (Some(att), Some(eni)) = (&e.attachment_id, &e.eni_id) {
                    self.attachment_eni.insert(att.clone(), eni.clone());
                }
            }
        }
        // A failed file's days: what a re-derived output of those days would miss.
        let record_days: Vec<chrono::NaiveDate> = if report.status == FileStatus::Failed {
            records
                .iter()
                .map(|r| r.events[0].event_time.date_naive())
                .collect()
        } else {
            Vec::new()
        };
        // The settled actor of each kept record, for the call counts (empty when not counting).
        let mut kept_actors = Vec::new();
        for rec in records {
            if !self.seen.first(&rec.events[0].event_id) {
                report.counts.duplicates += 1;
                if calls.is_some() {
                    kept_actors.push(rec.events[0].actor);
                }
                continue;
            }
            let mut events = rec.events;
            for e in &mut events {
                if e.actor == Actor::Other && rec.node_identity && self.is_cni_eni(e) {
                    e.actor = Actor::Cni;
                }
            }
            if calls.is_some() {
                let any_cni = events.iter().any(|e| e.actor == Actor::Cni);
                kept_actors.push(if any_cni { Actor::Cni } else { events[0].actor });
            }
            if opts.actor == ActorFilter::Cni {
                events.retain(|e| e.actor == Actor::Cni);
                if events.is_empty() {
                    report.counts.filtered(FilterReason::Actor);
                    continue;
                }
            }
            report.counts.records_kept += 1;
            report.counts.events += events.len() as u64;
            for e in events {
                sink.event(e)?;
            }
        }
        if let Some(calls) = calls {
            self.calls.add_file(calls, &kept_actors, opts.actor);
        }
        for m in malformed {
            summary.add_malformed(m);
        }
        summary.add_file(&report, &record_days);
        if opts.file_reports {
            summary.files.push(report.clone());
        }
        Ok(report)
    }

    fn is_cni_eni(&self, e: &EniEvent) -> bool {
        let eni = e.eni_id.as_ref().or_else(|| {
            e.attachment_id
                .as_ref()
                .and_then(|a| self.attachment_eni.get(a))
        });
        eni.is_some_and(|eni| self.cni_enis.contains(eni))
    }
}

/// Why a scan stopped before its end.
#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    /// The sink refused an event.
    #[error("cannot write events: {0}")]
    Sink(#[source] SinkError),
}

/// Scans `objects` and pushes the kept events into `sink`, in input order.
///
/// Bad objects and records never stop the scan: they are counted and named in the returned
/// summary. Only a failing sink does.
pub fn scan<I>(
    objects: I,
    opts: &ScanOptions,
    sink: &mut dyn EventSink,
    observer: &mut dyn Observer,
) -> Result<ScanSummary, ScanError>
where
    I: IntoIterator<Item = Result<InputObject, SourceError>>,
{
    let threads = opts.threads.max(1);
    let max_in_flight = threads * 4;
    let (job_tx, job_rx) = crossbeam_channel::bounded::<(usize, InputObject)>(max_in_flight);
    let (res_tx, res_rx) = crossbeam_channel::unbounded::<(usize, FileResult)>();
    let mut summary = ScanSummary::default();
    let mut merger = Merger::default();

    std::thread::scope(|s| {
        for _ in 0..threads {
            let job_rx = job_rx.clone();
            let res_tx = res_tx.clone();
            s.spawn(move || {
                for (seq, obj) in job_rx {
                    if res_tx.send((seq, process(obj, opts))).is_err() {
                        break;
                    }
                }
            });
        }
        drop(res_tx);
        let mut job_tx = Some(job_tx);

        let mut objects = objects.into_iter().enumerate();
        let mut listing_done = false;
        let mut in_flight = 0usize;
        let mut next_emit = 0usize;
        let mut pending: BTreeMap<usize, FileResult> = BTreeMap::new();
        let result = loop {
            while !listing_done && in_flight < max_in_flight {
                match objects.next() {
                    Some((seq, Ok(obj))) => {
                        let Some(tx) = job_tx.as_ref() else { break };
                        if tx.send((seq, obj)).is_err() {
                            listing_done = true;
                            break;
                        }
                        in_flight += 1;
                    }
                    Some((seq, Err(e))) => {
                        pending.insert(seq, FileResult::failed(e.name.clone(), e.message));
                    }
                    None => listing_done = true,
                }
            }
            let mut failed = None;
            while let Some(r) = pending.remove(&next_emit) {
                next_emit += 1;
                match merger.merge(r, opts, sink, &mut summary) {
                    Ok(report) => observer.file_done(&report),
                    Err(e) => {
                        failed = Some(e);
                        break;
                    }
                }
            }
            if let Some(e) = failed {
                break Err(ScanError::Sink(e));
            }
            if listing_done && in_flight == 0 && pending.is_empty() {
                break Ok(());
            }
            if in_flight == 0 {
                continue;
            }
            match res_rx.recv() {
                Ok((seq, r)) => {
                    in_flight -= 1;
                    pending.insert(seq, r);
                }
                Err(_) => break Ok(()),
            }
        };
        // Closing the job queue lets the workers finish; results still in flight are dropped.
        job_tx.take();
        result
    })?;
    summary.calls = merger.calls.into_counts();
    Ok(summary)
}
