//! `cnitrail export`: one scan, then every table as day-partitioned Parquet on disk or S3.

use super::collect::{collect, exit_without_freeing, finish};
use crate::cli::{ExportArgs, ExportTable, InputArgs, OutputArgs, StatsFormat};
use crate::exit::Code;
use crate::terminal::say;
use anyhow::{Context, Result};
use cnitrail_export::{ExportOptions, ExportSummary, Table, Target, export};
use cnitrail_report::exhaustion::ExhaustionOptions;

pub fn run(args: ExportArgs) -> Result<Code> {
    let target = Target::parse(&args.out).context("--out")?;
    anyhow::ensure!(args.file_size_mb > 0, "--file-size-mb must be at least 1");
    anyhow::ensure!(
        args.row_group_rows > 0,
        "--row-group-rows must be at least 1"
    );
    let mut options = ExportOptions {
        tables: args.tables.iter().map(|t| table(*t)).collect(),
        file_size: args.file_size_mb.saturating_mul(1 << 20),
        row_group_rows: args.row_group_rows,
        shard: shard(&args.input),
        exhaustion: ExhaustionOptions {
            subnets: args.subnets.subnet.clone(),
            cidrs: args.subnets.cidrs()?,
            ..ExhaustionOptions::default()
        },
        ..ExportOptions::default()
    };
    // Set up the target before the scan, so that a bad destination fails at once.
    let store = target
        .open(&super::scan::s3_options(&args.input))
        .with_context(|| format!("cannot write to {target}"))?;
    // Held to the end: a second export into the same output is refused, not interleaved.
    let _lock = store.lock()?;
    let output = OutputArgs {
        format: None,
        output: None,
        stats: args.stats,
        quiet: args.quiet,
    };
    let (input, scan) = collect(&args.input, &output, &args.order, true)?;
    // The days that failed input may have held keep their earlier output.
    options.failed_days = scan.failed_days();
    let code = finish(&output, &scan)?;
    if code == Code::Fatal {
        // Nothing was read: writing now would replace the previous export with empty tables.
        say!("cnitrail: nothing exported to {target}");
        return Ok(code);
    }
    let summary = export(&input, store.as_ref(), &options)
        .with_context(|| format!("exporting to {target}"))?;
    exit_without_freeing(input);
    print_summary(&summary, args.stats, args.quiet)?;
    Ok(code)
}

/// Where `--shard I/N` reaches the export: `Some((I, N))` labels this run's files `I`, so that
/// the N workers' files never collide; without it, the single run's label `0000`.
fn shard(input: &InputArgs) -> Option<(u32, u32)> {
    input.shard.map(|s| {
        (
            u32::try_from(s.index).unwrap_or(u32::MAX),
            u32::try_from(s.count).unwrap_or(u32::MAX),
        )
    })
}

fn table(t: ExportTable) -> Table {
    match t {
        ExportTable::Events => Table::Events,
        ExportTable::Intervals => Table::Intervals,
        ExportTable::Enis => Table::Enis,
        ExportTable::ThrottledCalls => Table::ThrottledCalls,
        ExportTable::Ec2Calls => Table::Ec2Calls,
        ExportTable::SubnetUsage => Table::SubnetUsage,
    }
}

fn megabytes(bytes: u64) -> String {
    if bytes < 1_000_000 {
        format!("{:.1} kB", bytes as f64 / 1e3)
    } else {
        format!("{:.1} MB", bytes as f64 / 1e6)
    }
}

/// The first few of a list of days, for one line of text.
fn some_days(days: &[String]) -> String {
    const SHOWN: usize = 3;
    let mut text = days[..days.len().min(SHOWN)].join(", ");
    if days.len() > SHOWN {
        text.push_str(&format!(" and {} more", days.len() - SHOWN));
    }
    text
}

fn print_summary(summary: &ExportSummary, stats: StatsFormat, quiet: bool) -> Result<()> {
    match stats {
        StatsFormat::Json => crate::terminal::say_json(&serde_json::to_string(summary)?),
        StatsFormat::Text if !quiet => {
            for t in &summary.tables {
                let mut line = format!(
                    "cnitrail: export: {}: {} rows, {} files over {} days, {}",
                    t.table,
                    t.rows,
                    t.files.len(),
                    t.partitions,
                    megabytes(t.bytes)
                );
                if !t.removed.is_empty() {
                    line.push_str(&format!(
                        "; {} files of an earlier run removed",
                        t.removed.len()
                    ));
                }
                if !t.kept_days.is_empty() {
                    line.push_str(&format!(
                        "; {} days kept as an earlier run wrote them, since some of their input failed ({})",
                        t.kept_days.len(),
                        some_days(&t.kept_days)
                    ));
                }
                if !t.partial_days.is_empty() {
                    line.push_str(&format!(
                        "; {} days written from partly failed input ({})",
                        t.partial_days.len(),
                        some_days(&t.partial_days)
                    ));
                }
                if t.partials_cleaned > 0 {
                    line.push_str(&format!(
                        "; {} partial files of a killed run cleaned",
                        t.partials_cleaned
                    ));
                }
                say!("{line}");
            }
            say!(
                "cnitrail: exported {} files, {}, to {}",
                summary.files(),
                megabytes(summary.bytes()),
                summary.target
            );
        }
        StatsFormat::Text => {}
    }
    Ok(())
}
