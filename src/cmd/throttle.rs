//! `cnitrail throttle`: when EC2 refused calls, and who was calling.

use super::collect::{collect, emit, finish};
use crate::cli::{Format, ThrottleArgs, ThrottleTable, duration};
use crate::exit::Code;
use crate::output::{Destination, default_format};
use crate::rows::write_frame_to;
use anyhow::Result;
use cnitrail_report::throttle::{Throttle, ThrottleOptions, throttle};
use std::io::Write;

pub fn run(args: ThrottleArgs) -> Result<Code> {
    let options = ThrottleOptions {
        storm_gap: duration("--storm-gap", &args.storm_gap)?,
        storm_min: args.storm_min.max(2),
        retry_window: duration("--retry-window", &args.retry_window)?,
    };
    let (input, summary) = collect(&args.input, &args.output, &args.order, true)?;
    let report = throttle(&input, &options)?;
    if report.burst_list.is_empty() && !args.output.quiet {
        eprintln!("cnitrail: no throttled EC2 call in this input");
    }
    let dest = Destination::new(args.output.output.as_deref());
    let format = args.output.format.unwrap_or_else(|| default_format(&dest));
    match args.table {
        None if format == Format::Table => {
            if let Err(e) = narrative(&report, &dest).and_then(|()| dest.commit()) {
                dest.abandon();
                return Err(e);
            }
            finish(&args.output, &summary)
        }
        table => {
            let df = match table.unwrap_or(ThrottleTable::Minutes) {
                ThrottleTable::Minutes => &report.minutes,
                ThrottleTable::Bursts => &report.bursts,
                ThrottleTable::Shares => &report.shares,
                ThrottleTable::Storms => &report.storms,
                ThrottleTable::Retries => &report.retries,
            };
            emit(&args.output, df, &summary)
        }
    }
}

/// The terminal view: the bursts, the top callers, storms and retries.
fn narrative(report: &Throttle, dest: &Destination) -> Result<()> {
    let mut out = std::io::BufWriter::new(dest.open()?);
    let shares = report.shares.head(Some(20));
    for (title, df) in [
        ("Bursts (runs of throttled minutes)", &report.bursts),
        ("Callers (top 20 by throttled calls)", &shares),
        ("Retry storms", &report.storms),
        ("Bulk assigns retried with count=1", &report.retries),
    ] {
        if df.height() > 0 {
            writeln!(out, "== {title}")?;
            write_frame_to(Format::Table, &mut out, df)?;
            writeln!(out)?;
        }
    }
    out.flush()?;
    Ok(())
}
