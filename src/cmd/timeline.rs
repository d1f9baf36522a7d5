//! `cnitrail timeline`: the holdings of every ENI, from a scan of the sources.

use super::scan::{exit_code, report, scan_into};
use crate::cli::{Format, TimelineArgs};
use crate::exit::Code;
use crate::output::{Destination, default_format};
use crate::rows::{Row, write_rows};
use anyhow::Result;
use cnitrail_core::timeline::{Interval, TimelineBuilder};

impl Row for Interval {
    fn header() -> &'static [&'static str] {
        &[
            "address",
            "family",
            "prefix",
            "eni_id",
            "instance_id",
            "subnet_id",
            "assigned_at",
            "released_at",
            "start_known",
            "release_reason",
            "assign_event_id",
            "release_event_id",
            "actor",
        ]
    }

    fn cells(&self) -> Vec<String> {
        let t = |d: Option<chrono::DateTime<chrono::Utc>>| {
            d.map(|d| d.format("%Y-%m-%dT%H:%M:%SZ").to_string())
                .unwrap_or_default()
        };
        let o = |v: &Option<String>| v.clone().unwrap_or_default();
        vec![
            self.address.clone(),
            format!("{:?}", self.family).to_lowercase(),
            self.prefix.to_string(),
            self.eni_id.clone(),
            o(&self.instance_id),
            o(&self.subnet_id),
            t(self.assigned_at),
            t(self.released_at),
            self.start_known.to_string(),
            self.release_reason.as_str().to_string(),
            o(&self.assign_event_id),
            o(&self.release_event_id),
            self.actor
                .map(|a| a.as_str().to_string())
                .unwrap_or_default(),
        ]
    }
}

pub fn run(args: TimelineArgs) -> Result<Code> {
    let mut builder = TimelineBuilder::new();
    let summary = scan_into(&args.input, &args.output, &mut builder)?;
    let timeline = builder.finish();
    let keep = |list: &[String], v: &Option<String>| {
        list.is_empty() || v.as_ref().is_some_and(|v| list.contains(v))
    };
    let rows: Vec<Interval> = timeline
        .intervals
        .into_iter()
        .filter(|iv| args.eni.is_empty() || args.eni.contains(&iv.eni_id))
        .filter(|iv| keep(&args.instance, &iv.instance_id) && keep(&args.subnet, &iv.subnet_id))
        .collect();
    let dest = Destination::new(args.output.output.as_deref());
    let format = args.output.format.unwrap_or_else(|| default_format(&dest));
    let parquet = |out: &mut dyn std::io::Write| -> Result<()> {
        let mut df = cnitrail_frames::intervals_frame(&rows)?;
        cnitrail_frames::write_parquet(out, &mut df)?;
        Ok(())
    };
    let written = write_rows(
        format,
        &dest,
        &rows,
        (format == Format::Parquet).then_some(&parquet as _),
    );
    if let Err(e) = written.and_then(|()| dest.commit()) {
        dest.abandon();
        return Err(e);
    }
    report(&summary, args.output.stats, args.output.quiet)?;
    Ok(exit_code(&summary))
}
