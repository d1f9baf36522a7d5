//! What every report command does around its report: one scan into a [`Collector`], then the
//! frame written in the chosen format, the scan's counts and the exit code.

use super::scan::{exit_code, report, scan_counting};
use crate::cli::{InputArgs, OrderArgs, OutputArgs};
use crate::exit::Code;
use crate::output::{Destination, default_format};
use crate::rows::write_frame;
use anyhow::Result;
use cnitrail_core::ScanSummary;
use cnitrail_frames::polars::prelude::DataFrame;
use cnitrail_report::{Collector, ReportInput};

/// Scans the input into the events and timeline the reports read; with `count_calls`, also
/// the count of every EC2 call (the throttle report's "who else called").
pub(super) fn collect(
    input: &InputArgs,
    output: &OutputArgs,
    order: &OrderArgs,
    count_calls: bool,
) -> Result<(ReportInput, ScanSummary)> {
    let mut collector = Collector::new(order.builder()?);
    let mut summary = scan_counting(input, output, &mut collector, count_calls)?;
    let mut calls = std::mem::take(&mut summary.calls).rows();
    if count_calls && let Some(from) = &input.from_parquet {
        // The events files hold only ENI calls; `cnitrail export` also writes everyone's.
        calls = super::from_parquet::read_calls(from, input)?.unwrap_or_default();
    }
    Ok((collector.finish().with_calls(calls), summary))
}

/// Writes `df` where and how `output` says, then the scan's counts; returns the exit code.
pub(super) fn emit(output: &OutputArgs, df: &DataFrame, summary: &ScanSummary) -> Result<Code> {
    let dest = Destination::new(output.output.as_deref());
    let format = output.format.unwrap_or_else(|| default_format(&dest));
    if let Err(e) = write_frame(format, &dest, df).and_then(|()| dest.commit()) {
        dest.abandon();
        return Err(e);
    }
    finish(output, summary)
}

/// The scan's counts on stderr, and the exit code.
pub(super) fn finish(output: &OutputArgs, summary: &ScanSummary) -> Result<Code> {
    report(summary, output.stats, output.quiet)?;
    Ok(exit_code(summary))
}
