//! `cnitrail churn`: the churn report.

use super::collect::{collect, emit, exit_without_freeing};
use crate::cli::{ChurnArgs, ChurnBy, duration};
use crate::exit::Code;
use anyhow::Result;
use cnitrail_report::churn::{By, ChurnOptions, churn};

pub fn run(args: ChurnArgs) -> Result<Code> {
    let options = ChurnOptions {
        by: match args.by {
            ChurnBy::Node => By::Node,
            ChurnBy::Eni => By::Eni,
            ChurnBy::Subnet => By::Subnet,
            ChurnBy::Caller => By::Caller,
        },
        every: duration("--every", &args.every)?,
        flap_window: duration("--flap-window", &args.flap_window)?,
    };
    let (input, summary) = collect(&args.input, &args.output, &args.order, args.all_calls)?;
    let df = churn(&input, &options)?;
    exit_without_freeing(input);
    emit(&args.output, &df, &summary)
}
