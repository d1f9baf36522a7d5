//! # cnitrail-frames
//!
//! cnitrail's public data model as polars DataFrames, and the Parquet writer for it.
//!
//! The events table has one row per [`EniEvent`], with the columns of [`EVENT_COLUMNS`] in that
//! order. Timestamps are `Datetime(Microseconds, "UTC")`: Spark refuses nanosecond Parquet
//! timestamps, and DuckDB, pyarrow and Athena read microseconds (docs/schema.md).
#![deny(missing_docs)]

use cnitrail_core::EniEvent;
use polars::prelude::*;
use std::io::Write;

/// The polars version cnitrail is built with, so that users of the frames need not pin it.
pub use polars;

pub mod read;
pub use read::{ReadError, calls_from_frame, events_from_frame, read_events_parquet};

/// A column of a table: its name, type and meaning.
#[derive(Debug, Clone, Copy)]
pub struct ColumnSpec {
    /// Column name (snake_case, stable).
    pub name: &'static str,
    /// Its type.
    pub dtype: ColumnType,
    /// What it holds.
    pub doc: &'static str,
}

/// The few column types cnitrail uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnType {
    /// UTF-8 text, nullable.
    String,
    /// 64-bit signed integer, nullable.
    Int64,
    /// UTC timestamp in microseconds.
    TimestampUtc,
    /// List of text.
    StringList,
    /// true/false, nullable.
    Boolean,
}

impl ColumnType {
    /// The polars type.
    pub fn dtype(self) -> DataType {
        match self {
            ColumnType::String => DataType::String,
            ColumnType::Int64 => DataType::Int64,
            ColumnType::TimestampUtc => {
                DataType::Datetime(TimeUnit::Microseconds, Some(TimeZone::UTC))
            }
            ColumnType::StringList => DataType::List(Box::new(DataType::String)),
            ColumnType::Boolean => DataType::Boolean,
        }
    }
}

macro_rules! col {
    ($name:literal, $t:ident, $doc:literal) => {
        ColumnSpec {
            name: $name,
            dtype: ColumnType::$t,
            doc: $doc,
        }
    };
}

/// The events table, in column order. The same names are the keys of `--format jsonl`.
pub const EVENT_COLUMNS: &[ColumnSpec] = &[
    col!(
        "event_id",
        String,
        "CloudTrail eventID (unique; duplicates are dropped)"
    ),
    col!("event_time", TimestampUtc, "CloudTrail eventTime, UTC"),
    col!(
        "event_name",
        String,
        "EC2 API call, e.g. AssignPrivateIpAddresses"
    ),
    col!("region", String, "awsRegion"),
    col!(
        "account",
        String,
        "recipientAccountId, else the caller's account"
    ),
    col!(
        "eni_id",
        String,
        "network interface acted on (null for DetachNetworkInterface, which names only the attachment)"
    ),
    col!(
        "instance_id",
        String,
        "instance (node) from the request, response, or the CNI's tag/description"
    ),
    col!("instance_type", String, "instance type, from RunInstances"),
    col!("attachment_id", String, "eni-attach-… id"),
    col!("subnet_id", String, "subnet of the ENI"),
    col!("vpc_id", String, "VPC of the ENI"),
    col!(
        "cidr_block",
        String,
        "IPv4 CIDR block of a subnet, from CreateSubnet"
    ),
    col!("device_index", Int64, "device index of an attachment"),
    col!(
        "delete_on_termination",
        Boolean,
        "whether the attachment ends with the instance (RunInstances, ModifyNetworkInterfaceAttribute)"
    ),
    col!(
        "private_ips",
        StringList,
        "private IPv4 addresses (for failed calls: the ones the request named)"
    ),
    col!(
        "primary_ip",
        String,
        "the ENI's primary IPv4 address, when the record lists it"
    ),
    col!(
        "ipv4_prefixes",
        StringList,
        "IPv4 prefixes (/28 with prefix delegation)"
    ),
    col!("ipv6_addresses", StringList, "IPv6 addresses"),
    col!("ipv6_prefixes", StringList, "IPv6 prefixes"),
    col!(
        "requested_ipv4_count",
        Int64,
        "secondaryPrivateIpAddressCount requested"
    ),
    col!(
        "requested_ipv4_prefix_count",
        Int64,
        "ipv4PrefixCount requested"
    ),
    col!("requested_ipv6_count", Int64, "ipv6AddressCount requested"),
    col!(
        "requested_ipv6_prefix_count",
        Int64,
        "ipv6PrefixCount requested"
    ),
    col!(
        "description",
        String,
        "ENI description (aws-K8S-i-… for the CNI's ENIs)"
    ),
    col!(
        "error_code",
        String,
        "error code without its Client./Server. class"
    ),
    col!(
        "error_code_raw",
        String,
        "error code as CloudTrail wrote it"
    ),
    col!("error_message", String, "errorMessage"),
    col!("caller_arn", String, "userIdentity.arn"),
    col!(
        "session_name",
        String,
        "role session name (instance id for the node role, a number for IRSA)"
    ),
    col!("user_agent", String, "userAgent"),
    col!("actor", String, "cni, resource-controller or other"),
    col!(
        "cni_version",
        String,
        "CNI version from the user agent, when it carries one"
    ),
    col!("source_file", String, "file or object the record came from"),
    col!(
        "record_index",
        Int64,
        "zero-based index of the record in that file"
    ),
];

/// The schema of the events table.
pub fn events_schema() -> Schema {
    EVENT_COLUMNS
        .iter()
        .map(|c| Field::new(c.name.into(), c.dtype.dtype()))
        .collect()
}

fn strings<'a>(
    name: &str,
    events: &'a [EniEvent],
    f: impl Fn(&'a EniEvent) -> Option<&'a str>,
) -> Column {
    Column::new(name.into(), events.iter().map(f).collect::<Vec<_>>())
}

fn ints(name: &str, events: &[EniEvent], f: impl Fn(&EniEvent) -> Option<i64>) -> Column {
    Column::new(name.into(), events.iter().map(f).collect::<Vec<_>>())
}

fn s(o: &Option<String>) -> Option<&str> {
    o.as_deref()
}

fn lists<'a, I>(name: &str, events: &'a [EniEvent], f: impl Fn(&'a EniEvent) -> I) -> Column
where
    I: Iterator<Item = &'a str>,
{
    let mut b = ListStringChunkedBuilder::new(name.into(), events.len(), events.len() * 2);
    for e in events {
        b.append_values_iter(f(e));
    }
    b.finish().into_series().into_column()
}

/// The events as a DataFrame with the columns of [`EVENT_COLUMNS`].
pub fn events_frame(events: &[EniEvent]) -> PolarsResult<DataFrame> {
    let micros: Vec<i64> = events
        .iter()
        .map(|e| e.event_time.timestamp_micros())
        .collect();
    let time = Int64Chunked::from_vec("event_time".into(), micros)
        .into_datetime(TimeUnit::Microseconds, Some(TimeZone::UTC))
        .into_series()
        .into_column();
    let columns = vec![
        strings("event_id", events, |e| Some(e.event_id.as_str())),
        time,
        strings("event_name", events, |e| Some(e.event_name.as_str())),
        strings("region", events, |e| s(&e.region)),
        strings("account", events, |e| s(&e.account)),
        strings("eni_id", events, |e| s(&e.eni_id)),
        strings("instance_id", events, |e| s(&e.instance_id)),
        strings("instance_type", events, |e| s(&e.instance_type)),
        strings("attachment_id", events, |e| s(&e.attachment_id)),
        strings("subnet_id", events, |e| s(&e.subnet_id)),
        strings("vpc_id", events, |e| s(&e.vpc_id)),
        strings("cidr_block", events, |e| s(&e.cidr_block)),
        ints("device_index", events, |e| e.device_index),
        Column::new(
            "delete_on_termination".into(),
            events
                .iter()
                .map(|e| e.delete_on_termination)
                .collect::<Vec<_>>(),
        ),
        lists("private_ips", events, |e| {
            e.private_ips.iter().map(String::as_str)
        }),
        strings("primary_ip", events, |e| s(&e.primary_ip)),
        lists("ipv4_prefixes", events, |e| {
            e.ipv4_prefixes.iter().map(String::as_str)
        }),
        lists("ipv6_addresses", events, |e| {
            e.ipv6_addresses.iter().map(String::as_str)
        }),
        lists("ipv6_prefixes", events, |e| {
            e.ipv6_prefixes.iter().map(String::as_str)
        }),
        ints("requested_ipv4_count", events, |e| e.requested_ipv4_count),
        ints("requested_ipv4_prefix_count", events, |e| {
            e.requested_ipv4_prefix_count
        }),
        ints("requested_ipv6_count", events, |e| e.requested_ipv6_count),
        ints("requested_ipv6_prefix_count", events, |e| {
            e.requested_ipv6_prefix_count
        }),
        strings("description", events, |e| s(&e.description)),
        strings("error_code", events, |e| s(&e.error_code)),
        strings("error_code_raw", events, |e| s(&e.error_code_raw)),
        strings("error_message", events, |e| s(&e.error_message)),
        strings("caller_arn", events, |e| s(&e.caller_arn)),
        strings("session_name", events, |e| s(&e.session_name)),
        strings("user_agent", events, |e| s(&e.user_agent)),
        strings("actor", events, |e| Some(e.actor.as_str())),
        strings("cni_version", events, |e| s(&e.cni_version)),
        strings("source_file", events, |e| Some(&*e.source_file)),
        ints("record_index", events, |e| Some(e.record_index as i64)),
    ];
    DataFrame::new(events.len(), columns)
}

/// Writes events to Parquet in row groups, holding at most one batch in memory.
///
/// zstd compression, microsecond UTC timestamps, statistics on every column.
pub struct ParquetEventWriter<W: Write> {
    writer: polars::io::parquet::write::BatchedWriter<W>,
    batch: Vec<EniEvent>,
    batch_size: usize,
}

impl<W: Write> ParquetEventWriter<W> {
    /// Rows per row group: large enough for Athena's splits, small enough to stay in memory.
    pub const DEFAULT_BATCH: usize = 256 * 1024;

    /// Starts a Parquet file on `out`.
    pub fn new(out: W) -> PolarsResult<Self> {
        let schema = events_schema();
        let writer = parquet_writer(out, &schema).batched(&schema)?;
        Ok(ParquetEventWriter {
            writer,
            batch: Vec::new(),
            batch_size: Self::DEFAULT_BATCH,
        })
    }

    /// Adds one event; writes a row group when the batch is full.
    pub fn push(&mut self, event: EniEvent) -> PolarsResult<()> {
        self.batch.push(event);
        if self.batch.len() >= self.batch_size {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> PolarsResult<()> {
        if self.batch.is_empty() {
            return Ok(());
        }
        let df = events_frame(&self.batch)?;
        self.writer.write_batch(&df)?;
        self.batch.clear();
        Ok(())
    }

    /// Writes what is left and the footer.
    pub fn finish(mut self) -> PolarsResult<u64> {
        self.flush()?;
        self.writer.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone as _, Utc};
    use cnitrail_core::{Actor, EventName};
    use std::sync::Arc;

    fn event(i: u64) -> EniEvent {
        EniEvent {
            event_id: format!("id-{i}"),
            event_time: Utc
                .with_ymd_and_hms(2026, 11, 22, 14, 2, i as u32 % 60)
                .unwrap(),
            event_name: EventName::AssignPrivateIpAddresses,
            region: Some("eu-west-1".into()),
            account: Some("111111111111".into()),
            eni_id: Some("eni-0bbea279695112970".into()),
            instance_id: None,
            attachment_id: None,
            subnet_id: None,
            vpc_id: None,
            cidr_block: None,
            instance_type: None,
            device_index: None,
            delete_on_termination: None,
            private_ips: vec!["192.168.53.76".into(), "192.168.41.30".into()],
            primary_ip: Some("192.168.41.30".into()),
            ipv4_prefixes: vec![],
            ipv6_addresses: vec![],
            ipv6_prefixes: vec![],
            requested_ipv4_count: Some(9),
            requested_ipv4_prefix_count: None,
            requested_ipv6_count: None,
            requested_ipv6_prefix_count: None,
            description: None,
            error_code: None,
            error_code_raw: None,
            error_message: None,
            caller_arn: None,
            session_name: None,
            user_agent: None,
            actor: Actor::Cni,
            cni_version: None,
            source_file: Arc::from("f.json"),
            record_index: i,
        }
    }

    #[test]
    fn frame_has_the_pinned_schema() {
        let df = events_frame(&[event(0), event(1)]).unwrap();
        assert_eq!(df.schema().as_ref(), &events_schema());
        assert_eq!(df.height(), 2);
        let primary = df.column("primary_ip").unwrap().str().unwrap().get(0);
        assert_eq!(primary, Some("192.168.41.30"));
    }

    #[test]
    fn parquet_round_trips_with_microsecond_utc_times() {
        let mut buf = Vec::new();
        let mut w = ParquetEventWriter::new(&mut buf).unwrap();
        w.batch_size = 3;
        for i in 0..7 {
            w.push(event(i)).unwrap();
        }
        w.finish().unwrap();
        let back = ParquetReader::new(std::io::Cursor::new(buf))
            .finish()
            .unwrap();
        assert_eq!(back.height(), 7);
        assert_eq!(
            back.column("event_time").unwrap().dtype(),
            &DataType::Datetime(TimeUnit::Microseconds, Some(TimeZone::UTC))
        );
        let expected = events_frame(&(0..7).map(event).collect::<Vec<_>>()).unwrap();
        assert!(back.equals_missing(&expected));
    }
}

/// The intervals table (`cnitrail timeline`), in column order.
pub const INTERVAL_COLUMNS: &[ColumnSpec] = &[
    col!("address", String, "address, or CIDR of a delegated prefix"),
    col!("family", String, "ipv4 or ipv6"),
    col!("prefix", Boolean, "true for a delegated prefix"),
    col!(
        "primary",
        Boolean,
        "the ENI's primary address (it lives and dies with the ENI)"
    ),
    col!("eni_id", String, "ENI that held it"),
    col!(
        "instance_id",
        String,
        "instance the ENI was attached to when the holding began, else the node the CNI made it for"
    ),
    col!(
        "subnet_id",
        String,
        "subnet of the ENI, when a record named it"
    ),
    col!(
        "assigned_at",
        TimestampUtc,
        "start of the holding; null when it began before the input"
    ),
    col!(
        "released_at",
        TimestampUtc,
        "end of the holding; null while still held"
    ),
    col!(
        "start_known",
        Boolean,
        "false when the holding began before the input"
    ),
    col!(
        "release_reason",
        String,
        "unassigned, eni-deleted, instance-terminated or open"
    ),
    col!(
        "assign_event_id",
        String,
        "eventID of the call that assigned it"
    ),
    col!(
        "release_event_id",
        String,
        "eventID of the call that ended it"
    ),
    col!(
        "actor",
        String,
        "who assigned it: cni, resource-controller or other"
    ),
    col!(
        "assign_call",
        String,
        "the call that assigned it: RunInstances, CreateNetworkInterface, AssignPrivateIpAddresses…"
    ),
];

fn times(name: &str, values: Vec<Option<i64>>) -> Column {
    Int64Chunked::from_iter_options(name.into(), values.into_iter())
        .into_datetime(TimeUnit::Microseconds, Some(TimeZone::UTC))
        .into_series()
        .into_column()
}

/// The intervals as a DataFrame with the columns of [`INTERVAL_COLUMNS`].
pub fn intervals_frame(rows: &[cnitrail_core::timeline::Interval]) -> PolarsResult<DataFrame> {
    let micros = |t: Option<chrono::DateTime<chrono::Utc>>| t.map(|t| t.timestamp_micros());
    let text = |name: &str, f: &dyn Fn(&cnitrail_core::timeline::Interval) -> Option<String>| {
        Column::new(name.into(), rows.iter().map(f).collect::<Vec<_>>())
    };
    let flag = |name: &str, f: &dyn Fn(&cnitrail_core::timeline::Interval) -> bool| {
        Column::new(name.into(), rows.iter().map(f).collect::<Vec<_>>())
    };
    let columns = vec![
        text("address", &|r| Some(r.address.to_string())),
        text("family", &|r| {
            Some(match r.family {
                cnitrail_core::timeline::Family::Ipv4 => "ipv4".into(),
                cnitrail_core::timeline::Family::Ipv6 => "ipv6".into(),
            })
        }),
        flag("prefix", &|r| r.prefix),
        flag("primary", &|r| r.primary),
        text("eni_id", &|r| Some(r.eni_id.to_string())),
        text("instance_id", &|r| {
            r.instance_id.as_deref().map(str::to_string)
        }),
        text("subnet_id", &|r| r.subnet_id.as_deref().map(str::to_string)),
        times(
            "assigned_at",
            rows.iter().map(|r| micros(r.assigned_at)).collect(),
        ),
        times(
            "released_at",
            rows.iter().map(|r| micros(r.released_at)).collect(),
        ),
        flag("start_known", &|r| r.start_known),
        text("release_reason", &|r| {
            Some(r.release_reason.as_str().into())
        }),
        text("assign_event_id", &|r| {
            r.assign_event_id.as_ref().map(ToString::to_string)
        }),
        text("release_event_id", &|r| {
            r.release_event_id.as_ref().map(ToString::to_string)
        }),
        text("actor", &|r| r.actor.map(|a| a.as_str().into())),
        text("assign_call", &|r| r.assign_call.map(|c| c.as_str().into())),
    ];
    DataFrame::new(rows.len(), columns)
}

/// Writes a whole frame to Parquet (zstd, statistics), for tables that fit in memory.
pub fn write_parquet(out: impl Write, df: &mut DataFrame) -> PolarsResult<u64> {
    let schema = df.schema().clone();
    parquet_writer(out, &schema).finish(df)
}

/// A Parquet writer with cnitrail's settings for a frame of `schema`: zstd, statistics on
/// every column, and an `ARROW:schema` key that declares `large_string` and
/// `large_list<large_string>`.
///
/// Why the last: polars' Rust writer embeds the Arrow schema of its newest in-memory types,
/// `string_view`, and pyarrow 26 then reads the strings as views, which its compute kernels
/// cannot compare with plain strings (`pc.equal(col, "x")` fails) and pandas cannot convert
/// in lists (measured; export-and-faults.md §A1). The Parquet column types themselves
/// (`BYTE_ARRAY (String)`, 3-level `LIST`) are the same either way; Spark, DuckDB and Athena
/// ignore the key.
pub fn parquet_writer<W: Write>(out: W, schema: &Schema) -> ParquetWriter<W> {
    let arrow =
        polars_parquet::write::schema_to_metadata_key(&schema.to_arrow(CompatLevel::oldest()));
    let metadata = polars::io::parquet::write::KeyValueMetadata::from_static(vec![(
        arrow.key,
        arrow.value.unwrap_or_default(),
    )]);
    ParquetWriter::new(out)
        .with_compression(ParquetCompression::Zstd(None))
        .with_statistics(StatisticsOptions::full())
        .with_key_value_metadata(Some(metadata))
}

/// The ENI lifecycles table (`cnitrail timeline --enis`): one row per attachment of each ENI,
/// or one row for an ENI never attached in the input.
pub const ENI_COLUMNS: &[ColumnSpec] = &[
    col!("eni_id", String, "the ENI"),
    col!("subnet_id", String, "its subnet, when a record named it"),
    col!(
        "owner_instance",
        String,
        "the instance it was created for (CNI tag or description) or launched with"
    ),
    col!(
        "created_at",
        TimestampUtc,
        "creation; null when it existed before the input"
    ),
    col!(
        "created_event_id",
        String,
        "eventID of CreateNetworkInterface or RunInstances"
    ),
    col!(
        "created_by",
        String,
        "who created it: cni, resource-controller or other"
    ),
    col!(
        "attachment_id",
        String,
        "eni-attach-… of this row's attachment"
    ),
    col!("instance_id", String, "instance of this row's attachment"),
    col!("device_index", Int64, "device index of the attachment"),
    col!("attached_at", TimestampUtc, "when it was attached"),
    col!(
        "detached_at",
        TimestampUtc,
        "when it was detached or its instance ended; null while attached"
    ),
    col!(
        "ended_at",
        TimestampUtc,
        "deletion; null when it outlived the input"
    ),
    col!("end", String, "deleted, instance-terminated or open"),
    col!("end_event_id", String, "eventID of the call that ended it"),
];

/// One row of the ENI lifecycles table.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct EniRow {
    /// See [`ENI_COLUMNS`].
    pub eni_id: String,
    /// See [`ENI_COLUMNS`].
    pub subnet_id: Option<String>,
    /// See [`ENI_COLUMNS`].
    pub owner_instance: Option<String>,
    /// See [`ENI_COLUMNS`].
    pub created_at: Option<chrono::DateTime<chrono::Utc>>,
    /// See [`ENI_COLUMNS`].
    pub created_event_id: Option<String>,
    /// See [`ENI_COLUMNS`].
    pub created_by: Option<&'static str>,
    /// See [`ENI_COLUMNS`].
    pub attachment_id: Option<String>,
    /// See [`ENI_COLUMNS`].
    pub instance_id: Option<String>,
    /// See [`ENI_COLUMNS`].
    pub device_index: Option<i64>,
    /// See [`ENI_COLUMNS`].
    pub attached_at: Option<chrono::DateTime<chrono::Utc>>,
    /// See [`ENI_COLUMNS`].
    pub detached_at: Option<chrono::DateTime<chrono::Utc>>,
    /// See [`ENI_COLUMNS`].
    pub ended_at: Option<chrono::DateTime<chrono::Utc>>,
    /// See [`ENI_COLUMNS`].
    pub end: &'static str,
    /// See [`ENI_COLUMNS`].
    pub end_event_id: Option<String>,
}

/// Flattens lifecycles into rows, one per attachment.
pub fn eni_rows(enis: &[cnitrail_core::timeline::EniLife]) -> Vec<EniRow> {
    let mut rows = Vec::new();
    for l in enis {
        let base = EniRow {
            eni_id: l.eni_id.to_string(),
            subnet_id: l.subnet_id.as_deref().map(str::to_string),
            owner_instance: l.owner_instance.as_deref().map(str::to_string),
            created_at: l.created_at,
            created_event_id: l.created_event_id.as_ref().map(ToString::to_string),
            created_by: l.created_by.map(|a| a.as_str()),
            attachment_id: None,
            instance_id: None,
            device_index: None,
            attached_at: None,
            detached_at: None,
            ended_at: l.ended_at,
            end: l.end.as_str(),
            end_event_id: l.end_event_id.as_ref().map(ToString::to_string),
        };
        if l.attachments.is_empty() {
            rows.push(base);
            continue;
        }
        for a in &l.attachments {
            rows.push(EniRow {
                attachment_id: a.attachment_id.as_deref().map(str::to_string),
                instance_id: Some(a.instance_id.to_string()),
                device_index: a.device_index,
                attached_at: Some(a.attached_at),
                detached_at: a.detached_at,
                ..base.clone()
            });
        }
    }
    rows
}

/// The lifecycle rows as a DataFrame with the columns of [`ENI_COLUMNS`].
pub fn enis_frame(rows: &[EniRow]) -> PolarsResult<DataFrame> {
    let text = |name: &str, f: &dyn Fn(&EniRow) -> Option<String>| {
        Column::new(name.into(), rows.iter().map(f).collect::<Vec<_>>())
    };
    let micros = |f: &dyn Fn(&EniRow) -> Option<chrono::DateTime<chrono::Utc>>| {
        rows.iter()
            .map(|r| f(r).map(|t| t.timestamp_micros()))
            .collect::<Vec<_>>()
    };
    let columns = vec![
        text("eni_id", &|r| Some(r.eni_id.clone())),
        text("subnet_id", &|r| r.subnet_id.clone()),
        text("owner_instance", &|r| r.owner_instance.clone()),
        times("created_at", micros(&|r| r.created_at)),
        text("created_event_id", &|r| r.created_event_id.clone()),
        text("created_by", &|r| r.created_by.map(str::to_string)),
        text("attachment_id", &|r| r.attachment_id.clone()),
        text("instance_id", &|r| r.instance_id.clone()),
        Column::new(
            "device_index".into(),
            rows.iter().map(|r| r.device_index).collect::<Vec<_>>(),
        ),
        times("attached_at", micros(&|r| r.attached_at)),
        times("detached_at", micros(&|r| r.detached_at)),
        times("ended_at", micros(&|r| r.ended_at)),
        text("end", &|r| Some(r.end.to_string())),
        text("end_event_id", &|r| r.end_event_id.clone()),
    ];
    DataFrame::new(rows.len(), columns)
}

/// Checks that `df` has exactly the columns of `specs`, in order, with their types: a table's
/// schema is a contract (docs/schema.md), and this is how its tests hold it.
pub fn check_columns(df: &DataFrame, specs: &[ColumnSpec]) -> Result<(), String> {
    let names: Vec<&str> = df.get_column_names().iter().map(|s| s.as_str()).collect();
    let want: Vec<&str> = specs.iter().map(|c| c.name).collect();
    if names != want {
        return Err(format!("columns {names:?}, expected {want:?}"));
    }
    for c in specs {
        let got = df.column(c.name).map_err(|e| e.to_string())?.dtype();
        if got != &c.dtype.dtype() {
            return Err(format!("{} is {got}, expected {}", c.name, c.dtype.dtype()));
        }
    }
    Ok(())
}

/// Checks that the section of `doc` (docs/schema.md) under `heading` lists every column of
/// `specs`, in order, each with its polars type in the table row (`| String |`, ...).
pub fn check_documented(doc: &str, heading: &str, specs: &[ColumnSpec]) -> Result<(), String> {
    let start = doc
        .find(heading)
        .ok_or_else(|| format!("no {heading} section"))?;
    let section = &doc[start..];
    let section = &section[..section[1..].find("\n## ").map_or(section.len(), |e| e + 1)];
    let mut last = 0;
    for c in specs {
        let at = section
            .find(&format!("| `{}` | ", c.name))
            .ok_or_else(|| format!("{heading} lacks column {}", c.name))?;
        if at <= last {
            return Err(format!("{heading} lists {} out of order", c.name));
        }
        last = at;
        let want = match c.dtype {
            ColumnType::String => "| String |",
            ColumnType::Int64 => "| Int64 |",
            ColumnType::TimestampUtc => "| Datetime(µs, UTC) |",
            ColumnType::StringList => "| List(String) |",
            ColumnType::Boolean => "| Boolean |",
        };
        let line = section[at..].lines().next().unwrap_or_default();
        if !line.contains(want) {
            return Err(format!("{heading} gives {} another type: {line}", c.name));
        }
    }
    Ok(())
}

/// Every table against its column list and against docs/schema.md.
#[cfg(test)]
mod spec_tests {
    use super::*;

    const DOC: &str = include_str!("../../../docs/schema.md");

    fn check(df: &DataFrame, heading: &str, specs: &[ColumnSpec]) {
        check_columns(df, specs).unwrap_or_else(|e| panic!("{heading}: {e}"));
        check_documented(DOC, heading, specs).unwrap_or_else(|e| panic!("docs/schema.md: {e}"));
    }

    #[test]
    fn events_table_matches_its_spec_and_docs() {
        check(&events_frame(&[]).unwrap(), "## Events", EVENT_COLUMNS);
    }

    #[test]
    fn intervals_table_matches_its_spec_and_docs() {
        check(
            &intervals_frame(&[]).unwrap(),
            "## Intervals",
            INTERVAL_COLUMNS,
        );
    }

    #[test]
    fn the_checks_catch_a_wrong_frame_and_a_wrong_page() {
        let events = events_frame(&[]).unwrap();
        assert!(check_columns(&events, INTERVAL_COLUMNS).is_err());
        let dropped = events.drop("event_name").unwrap();
        assert!(check_columns(&dropped, EVENT_COLUMNS).is_err());
        let page = DOC.replace("| `event_name` |", "| `event_nom` |");
        assert!(check_documented(&page, "## Events", EVENT_COLUMNS).is_err());
        let page = DOC.replace("| `record_index` | Int64 |", "| `record_index` | String |");
        assert!(check_documented(&page, "## Events", EVENT_COLUMNS).is_err());
        assert!(check_documented(DOC, "## No such table", EVENT_COLUMNS).is_err());
    }

    #[test]
    fn eni_table_matches_its_spec_and_docs() {
        check(&enis_frame(&[]).unwrap(), "## ENI lifecycles", ENI_COLUMNS);
    }
}
