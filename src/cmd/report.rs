//! `cnitrail report`: the incident in one offline HTML file.

use super::collect::{collect, exit_without_freeing, finish};
use crate::cli::{OutputArgs, ReportArgs, duration};
use crate::exit::Code;
use anyhow::{Context, Result};
use cnitrail_html::Figure;
use cnitrail_report::exhaustion::ExhaustionOptions;
use cnitrail_report::html::{HtmlOptions, html_report};

pub fn run(args: ReportArgs) -> Result<Code> {
    let output = OutputArgs {
        format: None,
        output: Some(args.output.clone()),
        stats: args.stats,
        quiet: args.quiet,
    };
    let options = HtmlOptions {
        title: args.title.clone(),
        exhaustion: ExhaustionOptions {
            subnets: args.subnets.subnet.clone(),
            cidrs: args.subnets.cidrs()?,
            ..ExhaustionOptions::default()
        },
        leak_grace: Some(duration("--grace", &args.grace)?),
        figures: Vec::new(),
    };
    let (input, summary) = collect(&args.input, &output, &args.order, true)?;
    if summary.nothing_read() {
        // Nothing could be read: say so, and leave no empty report behind.
        return finish(&output, &summary);
    }
    let mut options = options;
    options.figures.push(Figure {
        label: "Records read".into(),
        value: summary.records_read.to_string(),
        note: Some(format!(
            "{} files; {} kept, {} malformed, {} failed files",
            summary.files_read,
            summary.records_kept,
            summary.records_malformed,
            summary.files_failed
        )),
    });
    let page = html_report(&input, &options)?;
    exit_without_freeing(input);
    cnitrail_html::write(&page, &args.output)
        .with_context(|| format!("cannot write {}", args.output.display()))?;
    finish(&output, &summary)
}
