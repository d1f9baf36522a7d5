//! Reading events back: the inverse of [`crate::events_frame`], for the Parquet files of
//! `cnitrail scan --format parquet` and `cnitrail export` (`--from-parquet`).
//!
//! Columns are found by name, in any order. The columns that identify and order an event
//! (`event_id`, `event_time`, `event_name`, `actor`, `source_file`, `record_index`) must be
//! there; any other column of [`crate::EVENT_COLUMNS`] that is missing reads as null (or an
//! empty list), so that files written before a column was added still read. Extra columns are
//! ignored. Integer and timestamp columns of other widths and units (as other tools write them)
//! are cast; text where a number is expected is an error naming the file and column.

use crate::EVENT_COLUMNS;
use chrono::{DateTime, Utc};
use cnitrail_core::{Actor, EniEvent, EventName};
use polars::prelude::*;
use std::sync::Arc;

/// The columns without which a row is not an event.
pub const REQUIRED_EVENT_COLUMNS: &[&str] = &[
    "event_id",
    "event_time",
    "event_name",
    "actor",
    "source_file",
    "record_index",
];

/// An events file that cannot be read back.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// A required column is absent.
    #[error(
        "{file}: no column {column:?}: not a table written by cnitrail scan --format parquet or cnitrail export"
    )]
    MissingColumn {
        /// The file.
        file: String,
        /// The column.
        column: &'static str,
    },
    /// A column has a type that cannot be read as the one expected.
    #[error("{file}: column {column:?} is {found}, expected {expected}")]
    WrongType {
        /// The file.
        file: String,
        /// The column.
        column: &'static str,
        /// Its type in the file.
        found: String,
        /// The type cnitrail writes.
        expected: String,
    },
    /// A value cnitrail cannot have written (an unknown call or actor, a null id).
    #[error("{file}: row {row}: {what}")]
    BadValue {
        /// The file.
        file: String,
        /// Zero-based row in the file.
        row: usize,
        /// What is wrong.
        what: String,
    },
    /// polars could not read the file.
    #[error("{file}: {source}")]
    Polars {
        /// The file.
        file: String,
        /// polars' error.
        #[source]
        source: PolarsError,
    },
}

/// One column of the frame, cast to the type cnitrail writes, or `None` when the column is
/// absent and allowed to be.
fn column(df: &DataFrame, file: &str, name: &'static str) -> Result<Option<Column>, ReadError> {
    let Some(col) = df.column(name).ok() else {
        if REQUIRED_EVENT_COLUMNS.contains(&name) {
            return Err(ReadError::MissingColumn {
                file: file.to_string(),
                column: name,
            });
        }
        return Ok(None);
    };
    let want = EVENT_COLUMNS
        .iter()
        .find(|c| c.name == name)
        .map(|c| c.dtype.dtype())
        .unwrap_or(DataType::String);
    if col.dtype() == &want {
        return Ok(Some(col.clone()));
    }
    let wrong = || ReadError::WrongType {
        file: file.to_string(),
        column: name,
        found: col.dtype().to_string(),
        expected: want.to_string(),
    };
    // Widen what other writers may use (Int32, nanosecond or zone-less timestamps, large
    // strings read as String already); never parse text as a number.
    let castable = match (&want, col.dtype()) {
        (DataType::Int64, d) => d.is_integer(),
        (DataType::Datetime(..), DataType::Datetime(..)) => true,
        (DataType::List(_), DataType::List(inner)) => inner.as_ref() == &DataType::String,
        _ => false,
    };
    if !castable {
        return Err(wrong());
    }
    col.cast(&want).map(Some).map_err(|_| wrong())
}

fn strings(col: &Option<Column>, len: usize) -> Vec<Option<String>> {
    match col.as_ref().and_then(|c| c.str().ok()) {
        Some(ca) => ca.iter().map(|v| v.map(str::to_string)).collect(),
        None => vec![None; len],
    }
}

fn ints(col: &Option<Column>, len: usize) -> Vec<Option<i64>> {
    match col.as_ref().and_then(|c| c.i64().ok()) {
        Some(ca) => ca.iter().collect(),
        None => vec![None; len],
    }
}

fn lists(col: &Option<Column>, len: usize) -> Vec<Vec<String>> {
    let Some(ca) = col.as_ref().and_then(|c| c.list().ok()) else {
        return vec![Vec::new(); len];
    };
    ca.series_iter()
        .map(|s| {
            s.and_then(|s| {
                s.str().ok().map(|strs| {
                    strs.iter()
                        .flatten()
                        .map(str::to_string)
                        .collect::<Vec<_>>()
                })
            })
            .unwrap_or_default()
        })
        .collect()
}

fn parse_actor(s: &str) -> Option<Actor> {
    [Actor::Cni, Actor::ResourceController, Actor::Other]
        .into_iter()
        .find(|a| a.as_str() == s)
}

/// The events of a frame with the events table's columns: the exact inverse of
/// [`crate::events_frame`]. `file` names the source in errors.
pub fn events_from_frame(df: &DataFrame, file: &str) -> Result<Vec<EniEvent>, ReadError> {
    let n = df.height();
    let get = |name| column(df, file, name);
    let event_id = strings(&get("event_id")?, n);
    let time_col = get("event_time")?.and_then(|c| c.cast(&DataType::Int64).ok());
    let event_time = ints(&time_col, n);
    let event_name = strings(&get("event_name")?, n);
    let region = strings(&get("region")?, n);
    let account = strings(&get("account")?, n);
    let eni_id = strings(&get("eni_id")?, n);
    let instance_id = strings(&get("instance_id")?, n);
    let instance_type = strings(&get("instance_type")?, n);
    let attachment_id = strings(&get("attachment_id")?, n);
    let subnet_id = strings(&get("subnet_id")?, n);
    let vpc_id = strings(&get("vpc_id")?, n);
    let cidr_block = strings(&get("cidr_block")?, n);
    let device_index = ints(&get("device_index")?, n);
    let delete_on_termination: Vec<Option<bool>> = match get("delete_on_termination")? {
        Some(c) => c
            .bool()
            .map_err(|e| ReadError::Polars {
                file: file.to_string(),
                source: e,
            })?
            .iter()
            .collect(),
        None => vec![None; n],
    };
    let private_ips = lists(&get("private_ips")?, n);
    let primary_ip = strings(&get("primary_ip")?, n);
    let ipv4_prefixes = lists(&get("ipv4_prefixes")?, n);
    let ipv6_addresses = lists(&get("ipv6_addresses")?, n);
    let ipv6_prefixes = lists(&get("ipv6_prefixes")?, n);
    let requested_ipv4_count = ints(&get("requested_ipv4_count")?, n);
    let requested_ipv4_prefix_count = ints(&get("requested_ipv4_prefix_count")?, n);
    let requested_ipv6_count = ints(&get("requested_ipv6_count")?, n);
    let requested_ipv6_prefix_count = ints(&get("requested_ipv6_prefix_count")?, n);
    let description = strings(&get("description")?, n);
    let error_code = strings(&get("error_code")?, n);
    let error_code_raw = strings(&get("error_code_raw")?, n);
    let error_message = strings(&get("error_message")?, n);
    let caller_arn = strings(&get("caller_arn")?, n);
    let session_name = strings(&get("session_name")?, n);
    let user_agent = strings(&get("user_agent")?, n);
    let actor = strings(&get("actor")?, n);
    let cni_version = strings(&get("cni_version")?, n);
    let source_file = strings(&get("source_file")?, n);
    let record_index = ints(&get("record_index")?, n);

    let bad = |row: usize, what: String| ReadError::BadValue {
        file: file.to_string(),
        row,
        what,
    };
    let mut private_ips = private_ips.into_iter();
    let mut ipv4_prefixes = ipv4_prefixes.into_iter();
    let mut ipv6_addresses = ipv6_addresses.into_iter();
    let mut ipv6_prefixes = ipv6_prefixes.into_iter();
    // Events of one file mostly share one source name: share its text too, as the scan does.
    let mut last_source: Option<Arc<str>> = None;
    let mut out = Vec::with_capacity(n);
    for row in 0..n {
        let take = |v: &Vec<Option<String>>| v[row].clone();
        let id = take(&event_id).ok_or_else(|| bad(row, "event_id is null".into()))?;
        let micros = event_time[row].ok_or_else(|| bad(row, "event_time is null".into()))?;
        let time: DateTime<Utc> = DateTime::from_timestamp_micros(micros)
            .ok_or_else(|| bad(row, format!("event_time {micros} µs is out of range")))?;
        let name = event_name[row].as_deref().unwrap_or_default();
        let name = EventName::parse(name)
            .ok_or_else(|| bad(row, format!("event_name {name:?} is not a kept call")))?;
        let who = actor[row].as_deref().unwrap_or_default();
        let who = parse_actor(who).ok_or_else(|| {
            bad(
                row,
                format!("actor {who:?}: expected cni, resource-controller or other"),
            )
        })?;
        let source = source_file[row]
            .as_deref()
            .ok_or_else(|| bad(row, "source_file is null".into()))?;
        let source = match &last_source {
            Some(s) if **s == *source => s.clone(),
            _ => {
                let s: Arc<str> = Arc::from(source);
                last_source = Some(s.clone());
                s
            }
        };
        let index = record_index[row]
            .and_then(|i| u64::try_from(i).ok())
            .ok_or_else(|| bad(row, "record_index is null or negative".into()))?;
        out.push(EniEvent {
            event_id: id,
            event_time: time,
            event_name: name,
            region: take(&region),
            account: take(&account),
            eni_id: take(&eni_id),
            instance_id: take(&instance_id),
            instance_type: take(&instance_type),
            attachment_id: take(&attachment_id),
            subnet_id: take(&subnet_id),
            vpc_id: take(&vpc_id),
            cidr_block: take(&cidr_block),
            device_index: device_index[row],
            delete_on_termination: delete_on_termination[row],
            private_ips: private_ips.next().unwrap_or_default(),
            primary_ip: take(&primary_ip),
            ipv4_prefixes: ipv4_prefixes.next().unwrap_or_default(),
            ipv6_addresses: ipv6_addresses.next().unwrap_or_default(),
            ipv6_prefixes: ipv6_prefixes.next().unwrap_or_default(),
            requested_ipv4_count: requested_ipv4_count[row],
            requested_ipv4_prefix_count: requested_ipv4_prefix_count[row],
            requested_ipv6_count: requested_ipv6_count[row],
            requested_ipv6_prefix_count: requested_ipv6_prefix_count[row],
            description: take(&description),
            error_code: take(&error_code),
            error_code_raw: take(&error_code_raw),
            error_message: take(&error_message),
            caller_arn: take(&caller_arn),
            session_name: take(&session_name),
            user_agent: take(&user_agent),
            actor: who,
            cni_version: take(&cni_version),
            source_file: source,
            record_index: index,
        });
    }
    Ok(out)
}

/// Reads one Parquet events file (a [`std::fs::File`], or bytes in a [`std::io::Cursor`]) into
/// events.
pub fn read_events_parquet<R: polars::io::mmap::MmapBytesReader>(
    reader: R,
    file: &str,
) -> Result<Vec<EniEvent>, ReadError> {
    let df = ParquetReader::new(reader)
        .finish()
        .map_err(|e| ReadError::Polars {
            file: file.to_string(),
            source: e,
        })?;
    events_from_frame(&df, file)
}

/// The rows of an `ec2_calls` table (`cnitrail export`: `minute`, `account`, `region`, `api`,
/// `caller`, `actor`, `calls`, `throttled`, `failed`), every column required. `file` names the
/// source in errors.
pub fn calls_from_frame(
    df: &DataFrame,
    file: &str,
) -> Result<Vec<cnitrail_core::CallCountRow>, ReadError> {
    let get = |name: &'static str, want: DataType| -> Result<Column, ReadError> {
        let col = df.column(name).map_err(|_| ReadError::MissingColumn {
            file: file.to_string(),
            column: name,
        })?;
        let wrong = || ReadError::WrongType {
            file: file.to_string(),
            column: name,
            found: col.dtype().to_string(),
            expected: want.to_string(),
        };
        let ok = match (&want, col.dtype()) {
            (DataType::String, DataType::String) => true,
            (DataType::Int64, d) => d.is_integer(),
            (DataType::Datetime(..), DataType::Datetime(..)) => true,
            _ => false,
        };
        if !ok {
            return Err(wrong());
        }
        col.cast(&want).map_err(|_| wrong())
    };
    let n = df.height();
    let text = |name| -> Result<Vec<Option<String>>, ReadError> {
        Ok(strings(&Some(get(name, DataType::String)?), n))
    };
    let count = |name| -> Result<Vec<Option<i64>>, ReadError> {
        Ok(ints(&Some(get(name, DataType::Int64)?), n))
    };
    let minute = get(
        "minute",
        DataType::Datetime(TimeUnit::Microseconds, Some(TimeZone::UTC)),
    )?
    .cast(&DataType::Int64)
    .ok();
    let minute = ints(&minute, n);
    let (account, region, api, caller, actor) = (
        text("account")?,
        text("region")?,
        text("api")?,
        text("caller")?,
        text("actor")?,
    );
    let (calls, throttled, failed) = (count("calls")?, count("throttled")?, count("failed")?);
    let bad = |row: usize, what: String| ReadError::BadValue {
        file: file.to_string(),
        row,
        what,
    };
    let number = |v: Option<i64>| v.and_then(|v| u64::try_from(v).ok()).unwrap_or(0);
    (0..n)
        .map(|row| {
            let at = minute[row]
                .and_then(DateTime::from_timestamp_micros)
                .ok_or_else(|| bad(row, "minute is null or out of range".into()))?;
            let who = actor[row].as_deref().unwrap_or_default();
            let who = parse_actor(who).ok_or_else(|| bad(row, format!("actor {who:?}")))?;
            Ok(cnitrail_core::CallCountRow {
                minute: at,
                account: account[row].as_deref().map(Arc::from),
                region: region[row].as_deref().map(Arc::from),
                api: api[row].as_deref().unwrap_or_default().into(),
                caller: caller[row].as_deref().unwrap_or_default().into(),
                actor: who,
                calls: number(calls[row]),
                throttled: number(throttled[row]),
                failed: number(failed[row]),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ParquetEventWriter, events_frame};
    use chrono::TimeZone as _;

    /// Every field set (odd `i`) or unset (even `i`), lists empty or not, ids UUID or not.
    fn event(i: u64) -> EniEvent {
        let full = i % 2 == 1;
        let some = |s: &str| full.then(|| format!("{s}-{i}"));
        let list = |s: &str, n: u64| (0..n).map(|k| format!("{s}{k}")).collect::<Vec<_>>();
        EniEvent {
            event_id: if i.is_multiple_of(3) {
                format!("6a1e2d4c-0000-4000-8000-{i:012x}")
            } else {
                format!("f.json#{i}")
            },
            event_time: Utc.with_ymd_and_hms(2026, 11, 22, 14, 2, 0).unwrap()
                + chrono::Duration::seconds(i as i64),
            event_name: EventName::ALL[i as usize % EventName::ALL.len()],
            region: some("eu-west-1"),
            account: some("111122223333"),
            eni_id: some("eni"),
            instance_id: some("i"),
            instance_type: some("m5.large"),
            attachment_id: some("eni-attach"),
            subnet_id: some("subnet"),
            vpc_id: some("vpc"),
            cidr_block: some("10.0.0.0/22"),
            device_index: full.then_some(i as i64),
            delete_on_termination: match i % 3 {
                0 => None,
                1 => Some(true),
                _ => Some(false),
            },
            private_ips: list("10.0.0.", i % 4),
            primary_ip: some("10.0.0.0"),
            ipv4_prefixes: list("10.0.1.0/28#", i % 2),
            ipv6_addresses: list("2001:db8::", i % 3),
            ipv6_prefixes: list("2001:db8:1::/80#", (i + 1) % 2),
            requested_ipv4_count: full.then_some(1),
            requested_ipv4_prefix_count: full.then_some(2),
            requested_ipv6_count: full.then_some(-3),
            requested_ipv6_prefix_count: full.then_some(i64::MAX),
            description: some("aws-K8S-i"),
            error_code: some("RequestLimitExceeded"),
            error_code_raw: some("Client.RequestLimitExceeded"),
            error_message: some("Request limit exceeded. \"quoted\" ünïcode"),
            caller_arn: some("arn:aws:sts::1:assumed-role/r"),
            session_name: some("i-0123456789abcdef0"),
            user_agent: some("amazon-vpc-cni-k8s/v1.21.0"),
            actor: [Actor::Cni, Actor::ResourceController, Actor::Other][i as usize % 3],
            cni_version: some("v1.21.0"),
            source_file: Arc::from(format!("s3://b/f{}.json.gz", i / 4)),
            record_index: i * 7,
        }
    }

    fn parquet(events: &[EniEvent]) -> Vec<u8> {
        let mut buf = Vec::new();
        let mut w = ParquetEventWriter::new(&mut buf).unwrap();
        for e in events {
            w.push(e.clone()).unwrap();
        }
        w.finish().unwrap();
        buf
    }

    #[test]
    fn events_round_trip_through_the_frame_and_parquet() {
        let events: Vec<EniEvent> = (0..40).map(event).collect();
        let df = events_frame(&events).unwrap();
        assert_eq!(events_from_frame(&df, "mem").unwrap(), events);
        let back = read_events_parquet(std::io::Cursor::new(parquet(&events)), "x.parquet");
        assert_eq!(back.unwrap(), events);
        assert!(
            events_from_frame(&events_frame(&[]).unwrap(), "e")
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn column_order_does_not_matter_and_optional_columns_may_be_missing() {
        let events: Vec<EniEvent> = (0..10).map(event).collect();
        let df = events_frame(&events).unwrap();
        let mut names: Vec<String> = df
            .get_column_names()
            .iter()
            .map(|s| s.to_string())
            .collect();
        names.reverse();
        let reversed = df.select(names).unwrap();
        assert_eq!(events_from_frame(&reversed, "r").unwrap(), events);

        let trimmed = df.drop("cidr_block").unwrap().drop("private_ips").unwrap();
        let back = events_from_frame(&trimmed, "t").unwrap();
        assert!(
            back.iter()
                .all(|e| e.cidr_block.is_none() && e.private_ips.is_empty())
        );
        assert_eq!(back[1].vpc_id, events[1].vpc_id);
    }

    #[test]
    fn missing_required_columns_and_bad_values_are_named() {
        let df = events_frame(&[event(1)]).unwrap();
        for column in REQUIRED_EVENT_COLUMNS {
            let e = events_from_frame(&df.drop(column).unwrap(), "part-0.parquet").unwrap_err();
            let text = e.to_string();
            assert!(
                text.contains("part-0.parquet") && text.contains(&format!("{column:?}")),
                "{text}"
            );
        }
        let mut wrong = df.clone();
        wrong
            .with_column(Column::new("record_index".into(), ["7"]))
            .unwrap();
        let e = events_from_frame(&wrong, "w").unwrap_err().to_string();
        assert!(
            e.contains("record_index") && e.contains("expected i64"),
            "{e}"
        );
        let mut unknown = df.clone();
        unknown
            .with_column(Column::new("event_name".into(), ["DescribeInstances"]))
            .unwrap();
        let e = events_from_frame(&unknown, "u").unwrap_err().to_string();
        assert!(
            e.contains("row 0") && e.contains("DescribeInstances"),
            "{e}"
        );
    }

    #[test]
    fn call_counts_read_from_an_ec2_calls_frame() {
        let minute = Int64Chunked::from_vec("minute".into(), vec![60_000_000, 120_000_000])
            .into_datetime(TimeUnit::Microseconds, Some(TimeZone::UTC))
            .into_series()
            .into_column();
        let df = DataFrame::new(
            2,
            vec![
                minute,
                Column::new("account".into(), [Some("111122223333"), None]),
                Column::new("region".into(), ["eu-west-1", "eu-west-1"]),
                Column::new(
                    "api".into(),
                    ["DescribeInstances", "AssignPrivateIpAddresses"],
                ),
                Column::new("caller".into(), ["arn:a", "arn:b"]),
                Column::new("actor".into(), ["other", "cni"]),
                Column::new("calls".into(), [5i64, 2]),
                Column::new("throttled".into(), [1i64, 0]),
                Column::new("failed".into(), [2i64, 0]),
            ],
        )
        .unwrap();
        let rows = calls_from_frame(&df, "c").unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].minute.timestamp(), 60);
        assert_eq!(rows[0].account.as_deref(), Some("111122223333"));
        assert_eq!(rows[1].account, None);
        assert_eq!(
            (rows[0].calls, rows[0].throttled, rows[0].failed),
            (5, 1, 2)
        );
        assert_eq!(rows[1].actor, Actor::Cni);
        let e = calls_from_frame(&df.drop("api").unwrap(), "c.parquet").unwrap_err();
        assert!(e.to_string().contains("\"api\"") && e.to_string().contains("c.parquet"));
    }

    #[test]
    fn other_integer_widths_and_time_units_are_widened() {
        let events: Vec<EniEvent> = (0..6).map(event).collect();
        let mut df = events_frame(&events).unwrap();
        let narrow = df
            .column("device_index")
            .unwrap()
            .cast(&DataType::Int32)
            .unwrap();
        df.with_column(narrow).unwrap();
        let nanos = df
            .column("event_time")
            .unwrap()
            .cast(&DataType::Datetime(
                TimeUnit::Nanoseconds,
                Some(TimeZone::UTC),
            ))
            .unwrap();
        df.with_column(nanos).unwrap();
        assert_eq!(events_from_frame(&df, "n").unwrap(), events);
    }
}
