//! `cnitrail throttle`: when EC2 refused calls, and who was calling.

use super::collect::{collect, emit_view, exit_without_freeing, write_sections};
use crate::cli::{ThrottleArgs, ThrottleTable, duration};
use crate::exit::Code;
use crate::terminal::say;
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
    exit_without_freeing(input);
    if report.burst_list.is_empty() && !args.output.quiet {
        say!("cnitrail: no throttled EC2 call in this input");
    }
    let chosen = args.table.map(|t| match t {
        ThrottleTable::Minutes => &report.minutes,
        ThrottleTable::Bursts => &report.bursts,
        ThrottleTable::Shares => &report.shares,
        ThrottleTable::Storms => &report.storms,
        ThrottleTable::Retries => &report.retries,
    });
    emit_view(&args.output, &summary, chosen, &report.minutes, &|out| {
        overview(&report, out)
    })
}

/// The terminal view: the bursts, the top callers, storms and retries.
fn overview(report: &Throttle, out: &mut dyn Write) -> Result<()> {
    let shares = report.shares.head(Some(20));
    write_sections(
        out,
        &[
            ("Bursts (runs of throttled minutes)", &report.bursts),
            ("Callers (top 20 by throttled calls)", &shares),
            ("Retry storms", &report.storms),
            ("Bulk assigns retried with count=1", &report.retries),
        ],
    )
}
