//! `cnitrail timeline`: the holdings of every ENI, from a scan of the sources.

use super::scan::{exit_code, report, scan_into};
use crate::cli::{Format, TimelineArgs};
use crate::exit::Code;
use crate::output::{Destination, default_format};
use crate::rows::{ParquetFn, Row, write_rows};
use anyhow::Result;
use cnitrail_core::timeline::Interval;
use cnitrail_frames::EniRow;

impl Row for Interval {
    fn header() -> Vec<&'static str> {
        cnitrail_frames::INTERVAL_COLUMNS
            .iter()
            .map(|c| c.name)
            .collect()
    }

    fn cells(&self) -> Vec<String> {
        let t = |d: Option<chrono::DateTime<chrono::Utc>>| {
            d.map(|d| d.format("%Y-%m-%dT%H:%M:%SZ").to_string())
                .unwrap_or_default()
        };
        let o = |v: &Option<std::sync::Arc<str>>| v.as_deref().unwrap_or_default().to_string();
        vec![
            self.address.to_string(),
            format!("{:?}", self.family).to_lowercase(),
            self.prefix.to_string(),
            self.primary.to_string(),
            self.eni_id.to_string(),
            o(&self.instance_id),
            o(&self.subnet_id),
            t(self.assigned_at),
            t(self.released_at),
            self.start_known.to_string(),
            self.release_reason.as_str().to_string(),
            self.assign_event_id
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
            self.release_event_id
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
            self.actor
                .map(|a| a.as_str().to_string())
                .unwrap_or_default(),
            self.assign_call
                .map(|c| c.as_str().to_string())
                .unwrap_or_default(),
        ]
    }
}

pub fn run(args: TimelineArgs) -> Result<Code> {
    let mut builder = args.order.builder()?;
    let summary = scan_into(&args.input, &args.output, &mut builder)?;
    let timeline = builder.finish();
    if args.enis {
        let keep = |list: &[String], v: Option<&str>| {
            list.is_empty() || v.is_some_and(|v| list.iter().any(|l| l == v))
        };
        let rows: Vec<EniRow> = cnitrail_frames::eni_rows(&timeline.enis)
            .into_iter()
            .filter(|r| keep(&args.eni, Some(&r.eni_id)))
            .filter(|r| {
                keep(&args.instance, r.instance_id.as_deref())
                    || keep(&args.instance, r.owner_instance.as_deref())
            })
            .filter(|r| keep(&args.subnet, r.subnet_id.as_deref()))
            .collect();
        return finish(&args, &summary, &rows, &|out| {
            let mut df = cnitrail_frames::enis_frame(&rows)?;
            cnitrail_frames::write_parquet(out, &mut df)?;
            Ok(())
        });
    }
    let keep = |list: &[String], v: Option<&str>| {
        list.is_empty() || v.is_some_and(|v| list.iter().any(|l| l == v))
    };
    let rows: Vec<Interval> = timeline
        .intervals
        .into_iter()
        .filter(|iv| keep(&args.eni, Some(&iv.eni_id)))
        .filter(|iv| keep(&args.instance, iv.instance_id.as_deref()))
        .filter(|iv| keep(&args.subnet, iv.subnet_id.as_deref()))
        .collect();
    finish(&args, &summary, &rows, &|out| {
        let mut df = cnitrail_frames::intervals_frame(&rows)?;
        cnitrail_frames::write_parquet(out, &mut df)?;
        Ok(())
    })
}

/// Writes the rows in the chosen format and reports the scan.
fn finish<R: Row>(
    args: &TimelineArgs,
    summary: &cnitrail_core::ScanSummary,
    rows: &[R],
    parquet: ParquetFn<'_>,
) -> Result<Code> {
    let dest = Destination::new(args.output.output.as_deref());
    let format = args.output.format.unwrap_or_else(|| default_format(&dest));
    let written = write_rows(
        format,
        &dest,
        rows,
        (format == Format::Parquet).then_some(parquet),
    );
    if let Err(e) = written.and_then(|()| dest.commit()) {
        dest.abandon();
        return Err(e);
    }
    report(summary, args.output.stats, args.output.quiet)?;
    Ok(exit_code(summary))
}

impl Row for EniRow {
    fn header() -> Vec<&'static str> {
        cnitrail_frames::ENI_COLUMNS
            .iter()
            .map(|c| c.name)
            .collect()
    }

    fn cells(&self) -> Vec<String> {
        let t = |d: Option<chrono::DateTime<chrono::Utc>>| {
            d.map(|d| d.format("%Y-%m-%dT%H:%M:%SZ").to_string())
                .unwrap_or_default()
        };
        let o = |v: &Option<String>| v.clone().unwrap_or_default();
        vec![
            self.eni_id.clone(),
            o(&self.subnet_id),
            o(&self.owner_instance),
            t(self.created_at),
            o(&self.created_event_id),
            self.created_by.unwrap_or_default().to_string(),
            o(&self.attachment_id),
            o(&self.instance_id),
            self.device_index.map(|d| d.to_string()).unwrap_or_default(),
            t(self.attached_at),
            t(self.detached_at),
            t(self.ended_at),
            self.end.to_string(),
            o(&self.end_event_id),
        ]
    }
}
