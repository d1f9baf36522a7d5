//! Accounting: every record read is kept, filtered, malformed or a duplicate, and the totals say so.

use crate::calls::CallCounts;
use chrono::NaiveDate;
use serde::Serialize;
use std::ops::AddAssign;

/// Why a record that was read is not among the kept ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FilterReason {
    /// Not one of the EC2 calls cnitrail keeps (most records).
    NotEniCall,
    /// `eventTime` outside `--since`/`--until`.
    OutsideWindow,
    /// `--account` or `--region` did not match.
    AccountOrRegion,
    /// `--actor cni` and the caller is not the CNI.
    Actor,
}

/// Counts for one file, or summed over many.
///
/// Invariant: `records_read == records_kept + records_filtered + records_malformed + duplicates`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// Records framed in the input.
    pub records_read: u64,
    /// Records that produced at least one kept event.
    pub records_kept: u64,
    /// Records read and deliberately not kept.
    pub records_filtered: u64,
    /// Records that could not be understood.
    pub records_malformed: u64,
    /// Kept records whose `eventID` had already been kept.
    pub duplicates: u64,
    /// Events written (one record can yield several).
    pub events: u64,
    /// Bytes read from the source (compressed size for gzip).
    pub bytes_read: u64,
    /// Bytes after decompression.
    pub bytes_decoded: u64,
}

impl Counts {
    /// True when the accounting invariant holds.
    pub fn balanced(&self) -> bool {
        self.records_read
            == self.records_kept + self.records_filtered + self.records_malformed + self.duplicates
    }

    /// Counts one filtered record.
    pub fn filtered(&mut self, _why: FilterReason) {
        self.records_filtered += 1;
    }
}

impl AddAssign<&Counts> for Counts {
    fn add_assign(&mut self, o: &Counts) {
        self.records_read += o.records_read;
        self.records_kept += o.records_kept;
        self.records_filtered += o.records_filtered;
        self.records_malformed += o.records_malformed;
        self.duplicates += o.duplicates;
        self.events += o.events;
        self.bytes_read += o.bytes_read;
        self.bytes_decoded += o.bytes_decoded;
    }
}

/// What happened to one input file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FileStatus {
    /// Read to the end.
    Read,
    /// Recognised as not an event file (digest, insight) and not read.
    Skipped,
    /// Could not be read to the end; the records before the failure are counted.
    Failed,
}

/// One malformed record, named so that a person can find it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MalformedRecord {
    /// File or object.
    pub file: String,
    /// Zero-based record index in the file.
    pub record_index: u64,
    /// What was wrong.
    pub reason: String,
}

/// The outcome of one file.
#[derive(Debug, Clone, Serialize)]
pub struct FileReport {
    /// File or object name.
    pub file: String,
    /// Read, skipped or failed.
    pub status: FileStatus,
    /// Why it was skipped or failed.
    pub reason: Option<String>,
    /// Its counts.
    pub counts: Counts,
}

/// Totals of a scan, printed by `--stats json`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ScanSummary {
    /// Files read to the end.
    pub files_read: u64,
    /// Digest and Insight files recognised and not read.
    pub files_skipped: u64,
    /// Files that failed (named in `failed_files`).
    pub files_failed: u64,
    /// Records framed.
    pub records_read: u64,
    /// Records kept.
    pub records_kept: u64,
    /// Records filtered.
    pub records_filtered: u64,
    /// Records malformed.
    pub records_malformed: u64,
    /// Duplicate records dropped.
    pub duplicates: u64,
    /// Events emitted.
    pub events: u64,
    /// Bytes read from sources.
    pub bytes_read: u64,
    /// Bytes after decompression.
    pub bytes_decoded: u64,
    /// Files that failed, with the reason.
    pub failed_files: Vec<FailedFile>,
    /// The first malformed records (at most [`ScanSummary::MALFORMED_SAMPLE`]).
    pub malformed_records: Vec<MalformedRecord>,
    /// `--shard I/N` when the scan read one shard of its input (only that shard's files are
    /// counted); absent otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shard: Option<String>,
    /// Every file's outcome, in input order, when [`ScanOptions::file_reports`] asked for them.
    ///
    /// [`ScanOptions::file_reports`]: crate::scan::ScanOptions::file_reports
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<FileReport>,
    /// Every EC2 call counted per minute, account, region, API, caller and actor, when
    /// [`ScanOptions::count_calls`] asked for it (empty otherwise). Not part of `--stats json`.
    ///
    /// [`ScanOptions::count_calls`]: crate::scan::ScanOptions::count_calls
    #[serde(skip)]
    pub calls: CallCounts,
}

/// A failed file and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FailedFile {
    /// File or object.
    pub file: String,
    /// The error.
    pub reason: String,
    /// The days (UTC) whose records it may have held, which a re-derived output of those days
    /// would miss (`export` keeps its earlier output of them). Not part of `--stats json`.
    #[serde(skip)]
    pub days: FailedDays,
}

/// Which days a failed file may have held records of.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum FailedDays {
    /// Nothing tells: the file could hold any day.
    #[default]
    Unknown,
    /// These days, sorted: the days of the records read before the failure, and, for a key in
    /// CloudTrail's layout, its publish date and the day before (a file holds records from
    /// before its delivery, typically minutes before; facts §1.1, §7).
    Days(Vec<NaiveDate>),
}

impl FailedDays {
    /// The days a failed file named `file` may hold, given the days of the records read from
    /// it before it failed.
    pub fn of(file: &str, record_days: impl IntoIterator<Item = NaiveDate>) -> FailedDays {
        let Some(published) = crate::source::layout::parse_key(file).date else {
            return FailedDays::Unknown;
        };
        let mut days: Vec<NaiveDate> = record_days.into_iter().collect();
        days.push(published);
        days.extend(published.pred_opt());
        days.sort_unstable();
        days.dedup();
        FailedDays::Days(days)
    }
}

impl ScanSummary {
    /// How many malformed records are named individually; the rest are only counted.
    pub const MALFORMED_SAMPLE: usize = 100;

    /// Adds one file's outcome; `record_days` are the days of the records read from it, which
    /// tell, when it failed, which days it may have held ([`FailedDays`]).
    pub fn add_file(&mut self, report: &FileReport, record_days: &[NaiveDate]) {
        match report.status {
            FileStatus::Read => self.files_read += 1,
            FileStatus::Skipped => self.files_skipped += 1,
            FileStatus::Failed => {
                self.files_failed += 1;
                self.failed_files.push(FailedFile {
                    file: report.file.clone(),
                    reason: report.reason.clone().unwrap_or_default(),
                    days: FailedDays::of(&report.file, record_days.iter().copied()),
                });
            }
        }
        let c = &report.counts;
        self.records_read += c.records_read;
        self.records_kept += c.records_kept;
        self.records_filtered += c.records_filtered;
        self.records_malformed += c.records_malformed;
        self.duplicates += c.duplicates;
        self.events += c.events;
        self.bytes_read += c.bytes_read;
        self.bytes_decoded += c.bytes_decoded;
    }

    /// Notes a malformed record, keeping only the first few by name.
    pub fn add_malformed(&mut self, m: MalformedRecord) {
        if self.malformed_records.len() < Self::MALFORMED_SAMPLE {
            self.malformed_records.push(m);
        }
    }

    /// True when no file was read or skipped and no record came from a file that failed
    /// part-way: the scan has nothing to report at all.
    pub fn nothing_read(&self) -> bool {
        self.files_read == 0 && self.files_skipped == 0 && self.records_read == 0
    }

    /// The days that the failed files may have held, together.
    pub fn failed_days(&self) -> FailedDays {
        let mut all = Vec::new();
        for f in &self.failed_files {
            match &f.days {
                FailedDays::Unknown => return FailedDays::Unknown,
                FailedDays::Days(d) => all.extend_from_slice(d),
            }
        }
        all.sort_unstable();
        all.dedup();
        FailedDays::Days(all)
    }

    /// True when nothing was malformed and no file failed.
    pub fn clean(&self) -> bool {
        self.files_failed == 0 && self.records_malformed == 0
    }

    /// True when the accounting invariant holds over all files.
    pub fn balanced(&self) -> bool {
        self.records_read
            == self.records_kept + self.records_filtered + self.records_malformed + self.duplicates
    }
}
