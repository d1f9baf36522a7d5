//! `cnitrail leaks`: the CNI's ENIs left idle.

use super::collect::{collect, emit, exit_without_freeing};
use crate::cli::{LeaksArgs, duration};
use crate::exit::Code;
use crate::terminal::say;
use anyhow::Result;

pub fn run(args: LeaksArgs) -> Result<Code> {
    let grace = duration("--grace", &args.grace)?;
    let (input, summary) = collect(&args.input, &args.output, &args.order, false)?;
    let df = cnitrail_report::leaks::leaks(&input, grace)?;
    exit_without_freeing(input);
    if df.height() == 0 && !args.output.quiet {
        say!(
            "cnitrail: no ENI of the CNI sat idle longer than {} in this input",
            args.grace
        );
    }
    emit(&args.output, &df, &summary)
}
