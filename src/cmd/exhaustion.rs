//! `cnitrail exhaustion`: why a subnet ran dry.

use super::collect::{collect, emit, finish};
use crate::cli::{ExhaustionArgs, ExhaustionTable, Format, duration, subnet_cidrs};
use crate::exit::Code;
use crate::output::{Destination, default_format};
use crate::rows::{sanitize, write_frame_to};
use anyhow::Result;
use cnitrail_report::exhaustion::{Exhaustion, ExhaustionOptions, exhaustion};

pub fn run(args: ExhaustionArgs) -> Result<Code> {
    let cidrs = subnet_cidrs(&args.subnet_cidr, args.subnets_json.as_deref())?;
    let options = ExhaustionOptions {
        subnets: args.subnet.clone(),
        cidrs,
        every: Some(duration("--every", &args.every)?),
        top: Some(args.top),
    };
    let (input, summary) = collect(&args.input, &args.output, &args.order, false)?;
    let report = exhaustion(&input, &options)?;
    if report.first_failures.is_empty() && !args.output.quiet {
        eprintln!("cnitrail: no subnet-exhaustion error in this input");
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
            let df = match table.unwrap_or(ExhaustionTable::Usage) {
                ExhaustionTable::Usage => &report.usage,
                ExhaustionTable::Moments => &report.moments,
                ExhaustionTable::Holders => &report.holders,
                ExhaustionTable::WarmPools => &report.warm_pools,
                ExhaustionTable::Levers => &report.levers,
            };
            emit(&args.output, df, &summary)
        }
    }
}

/// The terminal view: each exhausted subnet in a sentence, then the tables behind it.
fn narrative(report: &Exhaustion, dest: &Destination) -> Result<()> {
    use std::io::Write;
    let mut out = std::io::BufWriter::new(dest.open()?);
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
    for (title, df) in [
        ("First failures", &report.moments),
        ("Top holders at the first failure", &report.holders),
        ("Warm pools under the default settings", &report.warm_pools),
        ("Levers", &report.levers),
    ] {
        if df.height() > 0 {
            writeln!(out, "\n== {title}")?;
            write_frame_to(Format::Table, &mut out, df)?;
        }
    }
    out.flush()?;
    Ok(())
}
