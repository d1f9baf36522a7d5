//! `cnitrail scan`: sources → events → the chosen format, with the accounting on stderr.

use crate::cli::{ActorArg, InputArgs, OutputArgs, ScanArgs, StatsFormat};
use crate::exit::Code;
use crate::output::{Destination, Writer, default_format};
use crate::progress::Progress;
use crate::terminal::say;
use anyhow::{Context, Result};
use chrono::Utc;
use cnitrail_core::ScanSummary;
use cnitrail_core::scan::{self, ActorFilter, EventSink, ScanOptions};
use cnitrail_core::source::local::{self, NameFilter};
use cnitrail_core::source::window::{TimeWindow, parse_time};
use cnitrail_core::source::{InputObject, SourceError};
use cnitrail_s3::{S3Options, S3Source, S3Uri};
use std::path::PathBuf;

pub fn run(args: ScanArgs) -> Result<Code> {
    let ScanArgs { input, output } = args;
    let dest = Destination::new(output.output.as_deref());
    let format = output.format.unwrap_or_else(|| default_format(&dest));
    let mut writer = Writer::new(format, &dest)?;
    let summary = match scan_into(&input, &output, &mut writer).and_then(|s| {
        writer.finish()?;
        Ok(s)
    }) {
        Ok(s) => s,
        Err(e) => {
            dest.abandon();
            return Err(e);
        }
    };
    dest.commit()?;
    report(&summary, output.stats, output.quiet)?;
    Ok(exit_code(&summary))
}

/// Scans the sources of `input` into `sink`, with a progress bar as `output` allows. Shared by
/// every command that reads a trail.
pub(super) fn scan_into(
    input: &InputArgs,
    output: &OutputArgs,
    sink: &mut dyn EventSink,
) -> Result<ScanSummary> {
    scan_counting(input, output, sink, false)
}

/// [`scan_into`], also counting every EC2 call when `count_calls` (the throttle report).
pub(super) fn scan_counting(
    input: &InputArgs,
    output: &OutputArgs,
    sink: &mut dyn EventSink,
    count_calls: bool,
) -> Result<ScanSummary> {
    if let Some(from) = &input.from_parquet {
        return super::from_parquet::read_into(from, input, output, sink);
    }
    if input.shard.is_some() && input.sources.iter().any(|s| s == "-") {
        anyhow::bail!("--shard cannot split stdin: give files, directories or s3:// prefixes");
    }
    let filter = name_filter(input)?;
    let opts = ScanOptions {
        window: filter.window,
        accounts: filter.accounts.clone(),
        regions: filter.regions.clone(),
        actor: match input.actor {
            ActorArg::Cni => ActorFilter::Cni,
            ActorArg::All => ActorFilter::All,
        },
        threads: input.threads.unwrap_or(ScanOptions::default().threads),
        file_reports: output.stats == StatsFormat::Json,
        count_calls,
        ..ScanOptions::default()
    };
    let s3 = connect_s3(input)?;
    let objects = objects(&input.sources, &filter, s3.as_ref())?;
    let mut progress = Progress::new(output.quiet);
    let result = scan::scan(objects, &opts, sink, &mut progress);
    progress.finish();
    let mut summary = result?;
    summary.shard = input.shard.map(|s| s.to_string());
    Ok(summary)
}

pub(super) fn name_filter(input: &InputArgs) -> Result<NameFilter> {
    let now = Utc::now();
    let time = |t: &Option<String>| -> Result<_> {
        t.as_deref()
            .map(|t| parse_time(t, now))
            .transpose()
            .map_err(Into::into)
    };
    let window = TimeWindow {
        since: time(&input.since).context("--since")?,
        until: time(&input.until).context("--until")?,
    };
    if let (Some(s), Some(u)) = (window.since, window.until) {
        anyhow::ensure!(s < u, "--since ({s}) must be before --until ({u})");
    }
    Ok(NameFilter {
        window,
        accounts: input.account.clone(),
        regions: input.region.clone(),
        shard: input.shard,
    })
}

fn connect_s3(input: &InputArgs) -> Result<Option<S3Source>> {
    if !input.sources.iter().any(|s| cnitrail_s3::is_s3_uri(s)) {
        return Ok(None);
    }
    s3_source(input).map(Some)
}

/// The S3 client options the AWS flags ask for: the bucket's region is `--bucket-region`, else
/// the first `--region`.
pub(super) fn s3_options(input: &InputArgs) -> S3Options {
    S3Options {
        profile: input.aws.profile.clone(),
        region: input
            .aws
            .bucket_region
            .clone()
            .or_else(|| input.region.first().cloned()),
        endpoint_url: input.aws.endpoint_url.clone(),
        concurrency: input.aws.concurrency.max(1),
        connect_timeout: std::time::Duration::from_secs(input.aws.cli_connect_timeout),
        read_timeout: std::time::Duration::from_secs(input.aws.cli_read_timeout),
        ..S3Options::default()
    }
}

/// An S3 client with the input's AWS options.
pub(super) fn s3_source(input: &InputArgs) -> Result<S3Source> {
    S3Source::connect(&s3_options(input)).context("cannot set up the S3 client")
}

type Objects<'a> = Box<dyn Iterator<Item = Result<InputObject, SourceError>> + 'a>;

/// Every source's objects, in the order the sources were given.
fn objects<'a>(
    sources: &'a [String],
    filter: &'a NameFilter,
    s3: Option<&'a S3Source>,
) -> Result<Objects<'a>> {
    let mut all: Objects<'a> = Box::new(std::iter::empty());
    for source in sources {
        let next: Objects<'a> = match s3.filter(|_| cnitrail_s3::is_s3_uri(source)) {
            Some(s3) => {
                let uri = S3Uri::parse(source).with_context(|| format!("bad S3 URI {source}"))?;
                Box::new(s3.objects(&uri, filter))
            }
            None => Box::new(local::expand(&[PathBuf::from(source)], filter).into_iter()),
        };
        all = Box::new(all.chain(next));
    }
    Ok(all)
}

pub(super) fn exit_code(summary: &ScanSummary) -> Code {
    // A file that failed part-way still gave the records before its failure: those are
    // reported (exit 1), not thrown away.
    if summary.nothing_read() {
        // Nothing could be read at all: either nothing was found or everything failed.
        if summary.files_failed == 0 {
            say!("cnitrail: error: no input files found");
        } else {
            say!("cnitrail: error: no input could be read");
        }
        return Code::Fatal;
    }
    if summary.clean() {
        Code::Success
    } else {
        Code::Partial
    }
}

pub(super) fn report(summary: &ScanSummary, stats: StatsFormat, quiet: bool) -> Result<()> {
    const SHOWN: usize = 20;
    for m in summary.malformed_records.iter().take(SHOWN) {
        say!(
            "cnitrail: {}: record {}: {}",
            m.file,
            m.record_index,
            m.reason
        );
    }
    if summary.records_malformed > SHOWN as u64 {
        say!(
            "cnitrail: … {} more malformed records (--stats json lists the first {})",
            summary.records_malformed - SHOWN as u64,
            ScanSummary::MALFORMED_SAMPLE
        );
    }
    match stats {
        StatsFormat::Json => crate::terminal::say_json(&serde_json::to_string(summary)?),
        StatsFormat::Text if !quiet => say!(
            "cnitrail: {}{} files read, {} skipped, {} failed; {} records read = {} kept + {} filtered + {} malformed + {} duplicates; {} events",
            summary
                .shard
                .as_ref()
                .map(|s| format!("shard {s}: "))
                .unwrap_or_default(),
            summary.files_read,
            summary.files_skipped,
            summary.files_failed,
            summary.records_read,
            summary.records_kept,
            summary.records_filtered,
            summary.records_malformed,
            summary.duplicates,
            summary.events
        ),
        StatsFormat::Text => {}
    }
    Ok(())
}
