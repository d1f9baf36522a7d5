//! What every report command does around its report: one scan into a [`Collector`], then the
//! frame written in the chosen format, the scan's counts and the exit code.

use super::scan::{exit_code, report, scan_counting};
use crate::cli::Format;
use crate::cli::{InputArgs, OrderArgs, OutputArgs};
use crate::exit::Code;
use crate::output::{Destination, default_format};
use crate::rows::{write_frame, write_frame_to};
use anyhow::Result;
use cnitrail_core::{CallCountRow, ScanSummary};
use cnitrail_frames::polars::prelude::DataFrame;
use cnitrail_report::{Collector, ReportInput};
use std::io::Write;

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
    let counts = std::mem::take(&mut summary.calls);
    // Ordering the events beside listing the counts (and building the throttle tables of them).
    let mut collected = collector.finish_with_calls(counts);
    if count_calls && let Some(from) = &input.from_parquet {
        // The events files hold only ENI calls; `cnitrail export` also writes everyone's.
        let calls = super::from_parquet::read_calls(from, input)?.unwrap_or_default();
        collected = collected.with_calls(calls.iter().map(CallCountRow::as_cell).collect());
    }
    Ok((collected, summary))
}

/// Ends a command's use of its input without freeing it piece by piece: the process exits
/// right after, and returning a million small allocations to the allocator one by one took
/// a tenth of a second on the benchmark corpus (5 % of a report's time).
pub(super) fn exit_without_freeing(input: ReportInput) {
    std::mem::forget(input);
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

/// A report with several tables: the one `--table` asks for (or `default`) in the chosen
/// format; as a table on a terminal with no `--table`, the `overview` instead (a sentence or two
/// and the tables behind it).
pub(super) fn emit_view(
    output: &OutputArgs,
    summary: &ScanSummary,
    chosen: Option<&DataFrame>,
    default: &DataFrame,
    overview: &dyn Fn(&mut dyn Write) -> Result<()>,
) -> Result<Code> {
    let dest = Destination::new(output.output.as_deref());
    let format = output.format.unwrap_or_else(|| default_format(&dest));
    if chosen.is_some() || format != Format::Table {
        return emit(output, chosen.unwrap_or(default), summary);
    }
    let written = dest.open().and_then(|out| {
        let mut out = std::io::BufWriter::new(out);
        overview(&mut out)?;
        out.flush()?;
        Ok(())
    });
    if let Err(e) = written.and_then(|()| dest.commit()) {
        dest.abandon();
        return Err(e);
    }
    finish(output, summary)
}

/// Titled tables one after the other (empty ones left out), for an overview.
pub(super) fn write_sections(out: &mut dyn Write, sections: &[(&str, &DataFrame)]) -> Result<()> {
    for (title, df) in sections {
        if df.height() > 0 {
            writeln!(out, "\n== {title}")?;
            write_frame_to(Format::Table, out, df)?;
        }
    }
    Ok(())
}
