//! # cnitrail-export
//!
//! cnitrail's tables as Hive-partitioned Parquet for Athena, Spark, DuckDB and pandas
//! (`cnitrail export`, issue 7):
//!
//! ```text
//! <out>/<table>/event_date=YYYY-MM-DD/part-<label>-<seq>.parquet
//! ```
//!
//! | table | one row per | placed by |
//! |---|---|---|
//! | `events` | kept event | `event_time` |
//! | `intervals` | holding of an address or prefix | `assigned_at`, else `released_at` |
//! | `enis` | attachment of an ENI | the ENI's `created_at`, else its first `attached_at`, else `detached_at`, else `ended_at` |
//! | `throttled_calls` | minute, account, region, API, caller and actor with a throttled EC2 call | `minute` |
//! | `ec2_calls` | minute, account, region, API, caller and actor with an EC2 call | `minute` |
//! | `subnet_usage` | subnet and minute | `time` |
//!
//! A row with no time at all (a holding neither begun nor ended in the input) is placed on
//! the day of the input's first event. The partition key is in the path only, never a column.
//!
//! - **Types.** Timestamps are `INT64 TIMESTAMP(MICROS, isAdjustedToUTC=true)` (never
//!   nanoseconds, never INT96: Spark refuses the first, the second is deprecated); strings
//!   `BYTE_ARRAY (String)` declared `large_string`; lists 3-level `LIST<String>`; zstd; full
//!   statistics. Columns are listed in docs/schema.md, and tests pin them.
//! - **Sizes.** Row groups of [`ExportOptions::row_group_rows`] rows; a file is closed after the
//!   row group that takes it past [`ExportOptions::file_size`] bytes, so a day becomes one
//!   file unless it is larger than that.
//! - **Order and determinism.** Rows keep the library's order (events by time, call, id;
//!   intervals by start, address, ENI; …), stably sorted by their placement time within each
//!   day, so that row-group statistics prune by time and the same input always gives the
//!   same bytes (the writer embeds no clock or host).
//! - **Atomicity and re-runs.** Every file appears whole or not at all (see [`store`]). A run
//!   replaces only the days its input covered (the days of its events and EC2 calls): after
//!   a table's files are written, files of the same label on those days that this run did
//!   not write are deleted; every other day's files stay, so a nightly `--since yesterday`
//!   run adds and replaces one day and keeps the rest. A day that some failed input file may
//!   have held ([`ExportOptions::failed_days`]) keeps its earlier output untouched; with no
//!   earlier output it is written from what could be read, and the summary lists it. What a
//!   killed run of the same label left (hidden temporary files, unfinished multipart uploads)
//!   is cleaned first. Other labels' files are never touched: shards (`--shard I/N`) export
//!   side by side.
#![deny(missing_docs)]

pub mod store;

use chrono::{DateTime, NaiveDate, Utc};
use cnitrail_core::calls::CallCountRow;
use cnitrail_core::stats::FailedDays;
use cnitrail_frames::polars::prelude::*;
use cnitrail_frames::{ColumnSpec, ColumnType};
use cnitrail_report::exhaustion::{ExhaustionOptions, exhaustion};
use cnitrail_report::throttle::node_of_caller;
use cnitrail_report::{ReportError, ReportInput};
use std::cell::Cell;
use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::rc::Rc;
pub use store::{LocalStore, Lock, Store, StoreObject, Target};

/// The exported tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Table {
    /// The kept events ([`cnitrail_frames::EVENT_COLUMNS`]).
    Events,
    /// Address and prefix holdings ([`cnitrail_frames::INTERVAL_COLUMNS`]).
    Intervals,
    /// ENI lifecycles, one row per attachment ([`cnitrail_frames::ENI_COLUMNS`]).
    Enis,
    /// The rows of `ec2_calls` with a throttled call ([`THROTTLED_CALL_COLUMNS`]).
    ThrottledCalls,
    /// Every EC2 call counted per minute, account, region, API, caller and actor
    /// ([`EC2_CALL_COLUMNS`]).
    Ec2Calls,
    /// Addresses held per subnet and minute, by kind ([`SUBNET_USAGE_COLUMNS`]).
    SubnetUsage,
}

impl Table {
    /// Every table, in export order.
    pub const ALL: [Table; 6] = [
        Table::Events,
        Table::Intervals,
        Table::Enis,
        Table::ThrottledCalls,
        Table::Ec2Calls,
        Table::SubnetUsage,
    ];

    /// The table's name: its folder under the output, and its name in the SQL of docs/sql.
    pub fn name(self) -> &'static str {
        match self {
            Table::Events => "events",
            Table::Intervals => "intervals",
            Table::Enis => "enis",
            Table::ThrottledCalls => "throttled_calls",
            Table::Ec2Calls => "ec2_calls",
            Table::SubnetUsage => "subnet_usage",
        }
    }

    /// The table of `name`.
    pub fn from_name(name: &str) -> Option<Table> {
        Table::ALL.into_iter().find(|t| t.name() == name)
    }

    /// Its columns, in order.
    pub fn columns(self) -> &'static [ColumnSpec] {
        match self {
            Table::Events => cnitrail_frames::EVENT_COLUMNS,
            Table::Intervals => cnitrail_frames::INTERVAL_COLUMNS,
            Table::Enis => cnitrail_frames::ENI_COLUMNS,
            Table::ThrottledCalls => THROTTLED_CALL_COLUMNS,
            Table::Ec2Calls => EC2_CALL_COLUMNS,
            Table::SubnetUsage => SUBNET_USAGE_COLUMNS,
        }
    }
}

impl std::fmt::Display for Table {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

const fn column(name: &'static str, dtype: ColumnType, doc: &'static str) -> ColumnSpec {
    ColumnSpec { name, dtype, doc }
}

/// The `ec2_calls` table: the scan's count of every EC2 call (`cnitrail_core::calls`).
pub const EC2_CALL_COLUMNS: &[ColumnSpec] = &[
    column(
        "minute",
        ColumnType::TimestampUtc,
        "eventTime truncated to the minute, UTC",
    ),
    column(
        "account",
        ColumnType::String,
        "recipientAccountId, else the caller's account",
    ),
    column("region", ColumnType::String, "awsRegion"),
    column(
        "api",
        ColumnType::String,
        "eventName: any EC2 API, Describe* included",
    ),
    column(
        "caller",
        ColumnType::String,
        "userIdentity.arn (invokedBy for AWS services; principalId when there is no ARN)",
    ),
    column(
        "actor",
        ColumnType::String,
        "cni, resource-controller or other (the scan's classification)",
    ),
    column("calls", ColumnType::Int64, "calls made"),
    column(
        "throttled",
        ColumnType::Int64,
        "of which refused with RequestLimitExceeded",
    ),
    column(
        "failed",
        ColumnType::Int64,
        "of which with any errorCode (throttles included)",
    ),
];

/// The `throttled_calls` table: the rows of `ec2_calls` with `throttled > 0`, with the node a
/// node-role caller names.
pub const THROTTLED_CALL_COLUMNS: &[ColumnSpec] = &[
    column(
        "minute",
        ColumnType::TimestampUtc,
        "eventTime truncated to the minute, UTC",
    ),
    column(
        "account",
        ColumnType::String,
        "recipientAccountId, else the caller's account",
    ),
    column("region", ColumnType::String, "awsRegion"),
    column("api", ColumnType::String, "eventName"),
    column(
        "caller",
        ColumnType::String,
        "userIdentity.arn (invokedBy for AWS services)",
    ),
    column(
        "node",
        ColumnType::String,
        "the instance a node-role session is named after, else null",
    ),
    column(
        "actor",
        ColumnType::String,
        "cni, resource-controller or other",
    ),
    column(
        "calls",
        ColumnType::Int64,
        "this caller's calls of the API in the minute",
    ),
    column(
        "throttled",
        ColumnType::Int64,
        "of which refused with RequestLimitExceeded (at least 1)",
    ),
    column(
        "failed",
        ColumnType::Int64,
        "of which with any errorCode (throttles included)",
    ),
];

/// The `subnet_usage` table: `cnitrail exhaustion --table usage` with its defaults (one row per
/// subnet and minute, the state at the start of the minute).
pub const SUBNET_USAGE_COLUMNS: &[ColumnSpec] = &[
    column("subnet_id", ColumnType::String, "the subnet"),
    column(
        "time",
        ColumnType::TimestampUtc,
        "start of the step (minute), UTC",
    ),
    column(
        "node",
        ColumnType::Int64,
        "addresses held by nodes themselves (RunInstances)",
    ),
    column(
        "cni",
        ColumnType::Int64,
        "addresses on the CNI's ENIs (primaries and secondaries)",
    ),
    column(
        "cni_prefix",
        ColumnType::Int64,
        "addresses in /28 prefixes delegated to the CNI (16 each)",
    ),
    column(
        "other",
        ColumnType::Int64,
        "addresses held by anyone else (load balancers, Lambda, endpoints)",
    ),
    column("held", ColumnType::Int64, "node + cni + cni_prefix + other"),
    column(
        "capacity",
        ColumnType::Int64,
        "usable addresses (CIDR size less 5), null when unknown",
    ),
    column(
        "free",
        ColumnType::Int64,
        "capacity - held, null when the capacity is unknown",
    ),
];

/// What to export and how to cut it.
#[derive(Debug, Clone)]
pub struct ExportOptions {
    /// Tables to write (empty: all of [`Table::ALL`]).
    pub tables: Vec<Table>,
    /// Close a file once it reaches this many bytes (checked after each row group).
    pub file_size: u64,
    /// Rows per row group.
    pub row_group_rows: usize,
    /// `Some((i, n))` when this run is shard `i` (0-based) of `n`: its files are labelled `i`,
    /// so that the `n` workers' files never collide and each re-run replaces only its own.
    pub shard: Option<(u32, u32)>,
    /// Options of the subnet usage table (capacities given by the caller, step).
    pub exhaustion: ExhaustionOptions,
    /// The days that input files which failed to read may have held
    /// ([`ScanSummary::failed_days`](cnitrail_core::ScanSummary::failed_days)): their earlier
    /// output is kept, since this run could only re-derive them in part.
    pub failed_days: FailedDays,
}

impl ExportOptions {
    /// Default target file size: 256 MiB (Athena reads 128 MB–1 GB files best).
    pub const DEFAULT_FILE_SIZE: u64 = 256 << 20;
    /// Default rows per row group: 1 Mi rows (an events row group is then tens of MB).
    pub const DEFAULT_ROW_GROUP_ROWS: usize = 1 << 20;

    /// The label in this run's file names: `0000` for a single run, else the shard index,
    /// zero-padded to at least 4 digits (and to the width of `n - 1`).
    pub fn label(&self) -> String {
        match self.shard {
            None => "0000".into(),
            Some((i, n)) => {
                let width = n.saturating_sub(1).to_string().len().max(4);
                format!("{i:0width$}")
            }
        }
    }

    fn tables(&self) -> Vec<Table> {
        let mut t = if self.tables.is_empty() {
            Table::ALL.to_vec()
        } else {
            self.tables.clone()
        };
        t.sort();
        t.dedup();
        t
    }
}

impl Default for ExportOptions {
    fn default() -> Self {
        ExportOptions {
            tables: Vec::new(),
            file_size: Self::DEFAULT_FILE_SIZE,
            row_group_rows: Self::DEFAULT_ROW_GROUP_ROWS,
            shard: None,
            exhaustion: ExhaustionOptions::default(),
            failed_days: FailedDays::Days(Vec::new()),
        }
    }
}

/// What the export wrote.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct ExportSummary {
    /// The target, as given.
    pub target: String,
    /// The label of this run's files.
    pub label: String,
    /// Per table, in export order.
    pub tables: Vec<TableSummary>,
}

impl ExportSummary {
    /// Files written, over all tables.
    pub fn files(&self) -> usize {
        self.tables.iter().map(|t| t.files.len()).sum()
    }

    /// Bytes written, over all tables.
    pub fn bytes(&self) -> u64 {
        self.tables.iter().map(|t| t.bytes).sum()
    }
}

/// What the export wrote for one table.
#[derive(Debug, Clone, serde::Serialize)]
pub struct TableSummary {
    /// The table.
    pub table: Table,
    /// Rows written.
    pub rows: u64,
    /// Bytes written.
    pub bytes: u64,
    /// Days (partitions) written.
    pub partitions: usize,
    /// The files written, in key order.
    pub files: Vec<FileSummary>,
    /// Files of the same label from an earlier run, on days this run covered, that this run
    /// did not rewrite: deleted.
    pub removed: Vec<String>,
    /// Days (`YYYY-MM-DD`) that some failed input may have held and that had output from an
    /// earlier run: that output was kept as it was, and nothing was written for them.
    pub kept_days: Vec<String>,
    /// Days that some failed input may have held and that had no earlier output: written
    /// from the input that could be read, so possibly incomplete.
    pub partial_days: Vec<String>,
    /// Leftovers of a killed run of the same label, cleaned (temporary files, unfinished
    /// multipart uploads).
    pub partials_cleaned: usize,
}

/// One file written.
#[derive(Debug, Clone, serde::Serialize)]
pub struct FileSummary {
    /// Its key under the target (`events/event_date=2026-11-22/part-0000-00000.parquet`).
    pub key: String,
    /// Rows.
    pub rows: u64,
    /// Row groups.
    pub row_groups: usize,
    /// Bytes.
    pub bytes: u64,
}

/// Errors of the export.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// Building a table failed (a bug, or polars out of memory).
    #[error("building the {table} table: {source}")]
    Frame {
        /// Which table.
        table: &'static str,
        /// What polars said.
        source: PolarsError,
    },
    /// Writing a file failed (disk full, permissions, an S3 part refused…).
    #[error("writing {location}: {source}")]
    Write {
        /// The file.
        location: String,
        /// What the writer said.
        source: PolarsError,
    },
    /// A report the export is built from failed.
    #[error(transparent)]
    Report(#[from] ReportError),
    /// A local file operation failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The path.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// An S3 request failed.
    #[error(transparent)]
    Upload(#[from] cnitrail_s3::UploadError),
    /// The S3 target or client could not be set up.
    #[error(transparent)]
    S3(#[from] cnitrail_s3::S3Error),
    /// A bad option.
    #[error("{0}")]
    Invalid(String),
    /// Another run holds the output ([`Store::lock`]).
    #[error(
        "another cnitrail export is writing to {location} (it holds {lock}); wait for it to end, or choose another --out"
    )]
    Busy {
        /// The output.
        location: String,
        /// The lock file or object.
        lock: String,
    },
}

impl ExportError {
    fn io(path: &Path, source: std::io::Error) -> ExportError {
        ExportError::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}

const MICROS_PER_DAY: i64 = 86_400_000_000;

/// A table ready to write: its frame, and each row's placement time (µs since the epoch).
struct Prepared {
    df: DataFrame,
    placement: Vec<i64>,
}

fn micros(t: DateTime<Utc>) -> i64 {
    t.timestamp_micros()
}

/// Writes the chosen tables of `input` into `store`; see the crate docs for the layout.
pub fn export(
    input: &ReportInput,
    store: &dyn Store,
    options: &ExportOptions,
) -> Result<ExportSummary, ExportError> {
    if options.row_group_rows == 0 {
        return Err(ExportError::Invalid(
            "row groups need at least one row".into(),
        ));
    }
    if let Some((i, n)) = options.shard
        && i >= n
    {
        return Err(ExportError::Invalid(format!(
            "shard {i}/{n}: the index must be below the count"
        )));
    }
    let label = options.label();
    let covered = covered_days(input);
    let mut summary = ExportSummary {
        target: store.describe(""),
        label: label.clone(),
        tables: Vec::new(),
    };
    for table in options.tables() {
        let prepared = prepare(input, table, options)?;
        summary.tables.push(write_table(
            store, table, prepared, options, &label, &covered,
        )?);
    }
    Ok(summary)
}

/// Days since the epoch (UTC) of `micros` since the epoch.
fn day_of(micros: i64) -> i64 {
    micros.div_euclid(MICROS_PER_DAY)
}

/// The days this run re-derives: those of its events and of its EC2 calls.
fn covered_days(input: &ReportInput) -> BTreeSet<i64> {
    let mut days: BTreeSet<i64> = input
        .events
        .iter()
        .map(|e| day_of(micros(e.event_time)))
        .collect();
    days.extend(input.call_rows().iter().map(|r| day_of(micros(r.minute))));
    days
}

/// The `YYYY-MM-DD` name of a day since the epoch.
fn date_name(day: i64) -> Result<String, ExportError> {
    DateTime::from_timestamp_micros(day.saturating_mul(MICROS_PER_DAY))
        .map(|d| d.format("%Y-%m-%d").to_string())
        .ok_or_else(|| ExportError::Invalid(format!("day {day} is out of range")))
}

/// The day of a data file's key, from its `event_date=YYYY-MM-DD` folder.
fn key_day(key: &str) -> Option<i64> {
    let date = key.split('/').find_map(|p| p.strip_prefix("event_date="))?;
    NaiveDate::parse_from_str(date, "%Y-%m-%d")
        .ok()
        .map(date_day)
}

/// Days since the epoch of a date.
fn date_day(date: NaiveDate) -> i64 {
    date.and_time(chrono::NaiveTime::MIN)
        .and_utc()
        .timestamp()
        .div_euclid(86_400)
}

/// Whether a failed input may have held `day`.
fn failed_on(failed: &FailedDays, day: i64) -> bool {
    match failed {
        FailedDays::Unknown => true,
        FailedDays::Days(days) => days.iter().any(|&d| date_day(d) == day),
    }
}

/// The frame of `table` and where each row goes.
fn prepare(
    input: &ReportInput,
    table: Table,
    options: &ExportOptions,
) -> Result<Prepared, ExportError> {
    let frame_err = |source| ExportError::Frame {
        table: table.name(),
        source,
    };
    // Rows with no time of their own go on the day of the first event.
    let fallback = input.span().map_or(0, |(first, _)| micros(first));
    Ok(match table {
        Table::Events => Prepared {
            df: cnitrail_frames::events_frame(&input.events).map_err(frame_err)?,
            placement: input.events.iter().map(|e| micros(e.event_time)).collect(),
        },
        Table::Intervals => {
            let rows = &input.timeline.intervals;
            Prepared {
                df: cnitrail_frames::intervals_frame(rows).map_err(frame_err)?,
                placement: rows
                    .iter()
                    .map(|r| r.assigned_at.or(r.released_at).map_or(fallback, micros))
                    .collect(),
            }
        }
        Table::Enis => {
            let lives = &input.timeline.enis;
            let rows = cnitrail_frames::eni_rows(lives);
            // Every row of one ENI on the same day: the ENI's first known moment.
            let mut placement = Vec::with_capacity(rows.len());
            for l in lives {
                let first_attach = l.attachments.iter().map(|a| a.attached_at).min();
                let first_detach = l.attachments.iter().filter_map(|a| a.detached_at).min();
                let at = l
                    .created_at
                    .or(first_attach)
                    .or(first_detach)
                    .or(l.ended_at)
                    .map_or(fallback, micros);
                placement.extend(std::iter::repeat_n(at, l.attachments.len().max(1)));
            }
            if placement.len() != rows.len() {
                return Err(ExportError::Invalid(format!(
                    "ENI rows ({}) and their placement ({}) disagree",
                    rows.len(),
                    placement.len()
                )));
            }
            Prepared {
                df: cnitrail_frames::enis_frame(&rows).map_err(frame_err)?,
                placement,
            }
        }
        Table::Ec2Calls => {
            let rows = input.call_rows();
            Prepared {
                placement: rows.iter().map(|r| micros(r.minute)).collect(),
                df: calls_frame(&rows, false).map_err(frame_err)?,
            }
        }
        Table::ThrottledCalls => {
            let rows: Vec<CallCountRow> = input
                .call_rows()
                .iter()
                .filter(|r| r.throttled > 0)
                .cloned()
                .collect();
            Prepared {
                placement: rows.iter().map(|r| micros(r.minute)).collect(),
                df: calls_frame(&rows, true).map_err(frame_err)?,
            }
        }
        Table::SubnetUsage => {
            let report = exhaustion(input, &options.exhaustion)?;
            // The usage frame's rows are the series' points, in the same order.
            let placement: Vec<i64> = report
                .series
                .iter()
                .flat_map(|s| s.points.iter().map(|(t, _)| micros(*t)))
                .collect();
            if placement.len() != report.usage.height() {
                return Err(ExportError::Invalid(format!(
                    "subnet usage rows ({}) and their times ({}) disagree",
                    report.usage.height(),
                    placement.len()
                )));
            }
            Prepared {
                df: report.usage,
                placement,
            }
        }
    })
}

/// The `ec2_calls` frame, or with `throttled_table` the `throttled_calls` one (a `node` column).
fn calls_frame(rows: &[CallCountRow], throttled_table: bool) -> PolarsResult<DataFrame> {
    let text = |name: &str, f: &dyn Fn(&CallCountRow) -> Option<&str>| {
        Column::new(name.into(), rows.iter().map(f).collect::<Vec<_>>())
    };
    let int = |name: &str, f: &dyn Fn(&CallCountRow) -> u64| {
        Column::new(
            name.into(),
            rows.iter()
                .map(|r| Some(i64::try_from(f(r)).unwrap_or(i64::MAX)))
                .collect::<Vec<_>>(),
        )
    };
    let minute = Int64Chunked::from_vec(
        "minute".into(),
        rows.iter().map(|r| micros(r.minute)).collect(),
    )
    .into_datetime(TimeUnit::Microseconds, Some(TimeZone::UTC))
    .into_series()
    .into_column();
    let mut columns = vec![
        minute,
        text("account", &|r| r.account.as_deref()),
        text("region", &|r| r.region.as_deref()),
        text("api", &|r| Some(&r.api)),
        text("caller", &|r| Some(&r.caller)),
    ];
    if throttled_table {
        columns.push(text("node", &|r| node_of_caller(&r.caller)));
    }
    columns.extend([
        text("actor", &|r| Some(r.actor.as_str())),
        int("calls", &|r| r.calls),
        int("throttled", &|r| r.throttled),
        int("failed", &|r| r.failed),
    ]);
    DataFrame::new(rows.len(), columns)
}

/// True for a key of this label's data files: `<table>/event_date=…/part-<label>-<seq>.parquet`.
fn is_ours(key: &str, table: Table, label: &str) -> bool {
    let Some(rest) = key
        .strip_prefix(table.name())
        .and_then(|k| k.strip_prefix('/'))
    else {
        return false;
    };
    let Some((folder, name)) = rest.split_once('/') else {
        return false;
    };
    folder.starts_with("event_date=")
        && name.starts_with(&format!("part-{label}-"))
        && name.ends_with(".parquet")
        && !name[..name.len() - ".parquet".len()].contains('/')
}

/// Counts the bytes that pass, so that a file can be closed at its target size.
struct Counting<'a> {
    inner: &'a mut dyn StoreObject,
    bytes: Rc<Cell<u64>>,
}

impl Write for Counting<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.bytes.set(self.bytes.get() + n as u64);
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

fn write_table(
    store: &dyn Store,
    table: Table,
    prepared: Prepared,
    options: &ExportOptions,
    label: &str,
    covered: &BTreeSet<i64>,
) -> Result<TableSummary, ExportError> {
    let folder = format!("{}/", table.name());
    let ours = |key: &str| is_ours(key, table, label);
    let partials_cleaned = store.clean_partials(&folder, &ours)?;
    // This label's files from earlier runs, by day.
    let mut earlier: BTreeMap<i64, Vec<String>> = BTreeMap::new();
    for key in store.list(&folder)?.into_iter().filter(|k| ours(k)) {
        if let Some(day) = key_day(&key) {
            earlier.entry(day).or_default().push(key);
        }
    }
    let Prepared { df, placement } = prepared;
    let schema = df.schema().clone();
    // Row indices by (day, time), stable: ties keep the library's order.
    let mut order: Vec<(i64, i64, IdxSize)> = placement
        .iter()
        .enumerate()
        .map(|(i, &t)| (t.div_euclid(MICROS_PER_DAY), t, i as IdxSize))
        .collect();
    order.sort_by_key(|&(day, t, _)| (day, t));
    let mut summary = TableSummary {
        table,
        rows: 0,
        bytes: 0,
        partitions: 0,
        files: Vec::new(),
        removed: Vec::new(),
        kept_days: Vec::new(),
        partial_days: Vec::new(),
        partials_cleaned,
    };
    let mut written_days = BTreeSet::new();
    let mut start = 0;
    while start < order.len() {
        let day = order[start].0;
        let end = start + order[start..].partition_point(|o| o.0 == day);
        let date = date_name(day)?;
        if failed_on(&options.failed_days, day) {
            if earlier.contains_key(&day) {
                // Some of this day's input failed: the earlier, whole output stays.
                summary.kept_days.push(date);
                start = end;
                continue;
            }
            summary.partial_days.push(date.clone());
        }
        written_days.insert(day);
        let idx = IdxCa::from_vec(
            PlSmallStr::EMPTY,
            order[start..end].iter().map(|o| o.2).collect(),
        );
        let part = df.take(&idx).map_err(|source| ExportError::Frame {
            table: table.name(),
            source,
        })?;
        write_partition(
            store,
            table,
            &date,
            &part,
            &schema,
            options,
            label,
            &mut summary,
        )?;
        summary.partitions += 1;
        start = end;
    }
    // Only now, with every new file in place, the previous run's extra files go: on the days
    // this run re-derived in whole (written, or covered with no rows of this table left).
    let written: std::collections::HashSet<&str> =
        summary.files.iter().map(|f| f.key.as_str()).collect();
    let replaced = |day: &i64| {
        written_days.contains(day)
            || (covered.contains(day) && !failed_on(&options.failed_days, *day))
    };
    let stale: Vec<String> = earlier
        .iter()
        .filter(|(day, _)| replaced(day))
        .flat_map(|(_, keys)| keys.iter())
        .filter(|k| !written.contains(k.as_str()))
        .cloned()
        .collect();
    for key in &stale {
        store.delete(key)?;
    }
    summary.removed = stale;
    Ok(summary)
}

#[allow(clippy::too_many_arguments)]
fn write_partition(
    store: &dyn Store,
    table: Table,
    date: &str,
    part: &DataFrame,
    schema: &Schema,
    options: &ExportOptions,
    label: &str,
    summary: &mut TableSummary,
) -> Result<(), ExportError> {
    let height = part.height();
    let mut offset = 0;
    let mut seq = 0u32;
    while offset < height {
        let key = format!(
            "{}/event_date={date}/part-{label}-{seq:05}.parquet",
            table.name()
        );
        let location = store.describe(&key);
        let write_err = |source| ExportError::Write {
            location: location.clone(),
            source,
        };
        let mut object = store.create(&key)?;
        let first = offset;
        let mut row_groups = 0;
        {
            let written = Rc::new(Cell::new(0u64));
            let mut counting = Counting {
                inner: object.as_mut(),
                bytes: written.clone(),
            };
            let mut writer = cnitrail_frames::parquet_writer(&mut counting, schema)
                .batched(schema)
                .map_err(write_err)?;
            loop {
                let n = options.row_group_rows.min(height - offset);
                // One chunk, so that the batch is one row group.
                let mut group = part.slice(offset as i64, n);
                group.rechunk_mut_par();
                writer.write_batch(&group).map_err(write_err)?;
                row_groups += 1;
                offset += n;
                if offset >= height || written.get() >= options.file_size {
                    break;
                }
            }
            writer.finish().map_err(write_err)?;
        }
        let bytes = object.commit()?;
        summary.rows += (offset - first) as u64;
        summary.bytes += bytes;
        summary.files.push(FileSummary {
            key,
            rows: (offset - first) as u64,
            row_groups,
            bytes,
        });
        seq += 1;
    }
    Ok(())
}

#[cfg(test)]
mod tests;
