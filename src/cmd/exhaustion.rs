//! `cnitrail exhaustion`: why a subnet ran dry.

use super::collect::{collect, emit_view, exit_without_freeing, write_sections};
use crate::cli::{ExhaustionArgs, ExhaustionTable, duration};
use crate::exit::Code;
use crate::rows::sanitize;
use crate::terminal::say;
use anyhow::Result;
use cnitrail_report::exhaustion::{Exhaustion, ExhaustionOptions, exhaustion};
use std::io::Write;

pub fn run(args: ExhaustionArgs) -> Result<Code> {
    let cidrs = args.subnets.cidrs()?;
    let options = ExhaustionOptions {
        subnets: args.subnets.subnet.clone(),
        cidrs,
        every: Some(duration("--every", &args.every)?),
        top: Some(args.top),
    };
    let (input, summary) = collect(&args.input, &args.output, &args.order, false)?;
    let report = exhaustion(&input, &options)?;
    exit_without_freeing(input);
    if report.first_failures.is_empty() && !args.output.quiet {
        say!("cnitrail: no subnet-exhaustion error in this input");
    }
    let chosen = args.table.map(|t| match t {
        ExhaustionTable::Usage => &report.usage,
        ExhaustionTable::Moments => &report.moments,
        ExhaustionTable::Holders => &report.holders,
        ExhaustionTable::WarmPools => &report.warm_pools,
        ExhaustionTable::Levers => &report.levers,
    });
    emit_view(&args.output, &summary, chosen, &report.usage, &|out| {
        overview(&report, out)
    })
}

/// The terminal view: each exhausted subnet in a sentence, then the tables behind it.
fn overview(report: &Exhaustion, out: &mut dyn Write) -> Result<()> {
    for f in &report.first_failures {
        let capacity = f
            .capacity
            .map_or_else(|| "capacity unknown".to_string(), |c| format!("{c} usable"));
        writeln!(
            out,
            "{}: first {} at {} ({} such errors, {} nodes); {} addresses held then ({capacity}): node {}, CNI {}, CNI prefixes {}, other {}",
            sanitize(&f.subnet_id),
            sanitize(&f.error_code),
            f.at.format("%Y-%m-%dT%H:%M:%SZ"),
            f.failures,
            f.nodes.len(),
            f.held.total(),
            f.held.node,
            f.held.cni,
            f.held.cni_prefix,
            f.held.other,
        )?;
    }
    write_sections(
        out,
        &[
            ("First failures", &report.moments),
            ("Top holders at the first failure", &report.holders),
            ("Warm pools under the default settings", &report.warm_pools),
            ("Levers", &report.levers),
        ],
    )
}
