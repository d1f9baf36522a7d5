//! Command-line arguments. Flag names follow the AWS CLI (`--profile`, `--region`,
//! `--endpoint-url`) and clap's conventions; every flag here is documented in README.md.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// Which node's VPC CNI took which IP addresses, when, and at what cost — from CloudTrail.
#[derive(Debug, Parser)]
#[command(name = "cnitrail", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Read CloudTrail files and print the ENI events they hold.
    #[command(after_long_help = SCAN_EXAMPLES)]
    Scan(Box<ScanArgs>),
    /// Print a shell completion script.
    #[command(
        after_long_help = "Example:\n  cnitrail completions bash > /etc/bash_completion.d/cnitrail"
    )]
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
}

const SCAN_EXAMPLES: &str = "\
Examples:
  # The shipped fixtures, as a table
  cnitrail scan fixtures/

  # A trail bucket, the last 6 hours, only the CNI's calls, as JSON lines for jq
  cnitrail scan s3://my-trail-bucket/AWSLogs/ --since 6h --actor cni --format jsonl \\
    | jq -r 'select(.error_code == \"RequestLimitExceeded\") | .event_time'

  # One account and region of an organization trail, one day, to Parquet
  cnitrail scan s3://org-trail/AWSLogs/o-abc123/ --account 111122223333 --region eu-west-1 \\
    --since 2026-11-21 --until 2026-11-22 --format parquet -o events.parquet

  # Output of `aws cloudtrail lookup-events` from stdin, with the counts as JSON on stderr
  aws cloudtrail lookup-events --output json | cnitrail scan - --stats json

Exit status: 0 all read; 1 something was skipped (failed file or malformed record, named on
stderr); 2 fatal (bad arguments, no credentials, nothing readable).";

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Aligned columns for a terminal (default when stdout is a terminal).
    Table,
    /// Comma-separated values with a header; lists joined by spaces.
    Csv,
    /// One JSON array.
    Json,
    /// One JSON object per line (default when stdout is not a terminal).
    Jsonl,
    /// Apache Parquet (zstd, UTC microsecond timestamps).
    Parquet,
}

/// How to print the scan's counts on stderr.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StatsFormat {
    /// One line for people.
    Text,
    /// One JSON object.
    Json,
}

/// Which callers to keep.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ActorArg {
    /// The VPC CNI only.
    Cni,
    /// Everyone (load balancers, Lambda, people, the resource controller too).
    All,
}

/// Where the input is and which records to keep.
#[derive(Debug, Args)]
pub struct InputArgs {
    /// Files, directories (read recursively), `-` for stdin, or s3://bucket/prefix.
    #[arg(required = true, value_name = "SOURCE")]
    pub sources: Vec<String>,

    /// Keep records at or after this time: RFC 3339, a date, or a duration back from now (6h, 2d).
    #[arg(long, value_name = "TIME", help_heading = "Filters")]
    pub since: Option<String>,

    /// Keep records before this time (same forms as --since).
    #[arg(long, value_name = "TIME", help_heading = "Filters")]
    pub until: Option<String>,

    /// Keep only these accounts (repeat or separate with commas); also prunes the S3 listing.
    #[arg(
        long,
        value_name = "ID",
        value_delimiter = ',',
        help_heading = "Filters"
    )]
    pub account: Vec<String>,

    /// Keep only these regions (repeat or separate with commas); also prunes the S3 listing, and
    /// the first one is the S3 client's region unless --bucket-region says otherwise.
    #[arg(
        long,
        value_name = "REGION",
        value_delimiter = ',',
        help_heading = "Filters"
    )]
    pub region: Vec<String>,

    /// Keep the CNI's calls only, or everyone's.
    #[arg(long, value_enum, default_value = "all", help_heading = "Filters")]
    pub actor: ActorArg,

    #[command(flatten)]
    pub aws: AwsArgs,

    /// Worker threads for decoding (default: one per core).
    #[arg(long, value_name = "N", help_heading = "Performance")]
    pub threads: Option<usize>,
}

/// AWS options, named as in the AWS CLI.
#[derive(Debug, Args)]
pub struct AwsArgs {
    /// Use this named profile from the shared config and credentials files.
    #[arg(long, value_name = "NAME", help_heading = "AWS")]
    pub profile: Option<String>,

    /// Send S3 requests to this URL instead of AWS (MinIO, moto, LocalStack).
    #[arg(long, value_name = "URL", help_heading = "AWS")]
    pub endpoint_url: Option<String>,

    /// Region of the trail bucket, when it is not the first --region.
    #[arg(long, value_name = "REGION", help_heading = "AWS")]
    pub bucket_region: Option<String>,

    /// Objects downloaded at the same time.
    #[arg(long, value_name = "N", default_value_t = 8, help_heading = "AWS")]
    pub concurrency: usize,
}

/// Where and how to write.
#[derive(Debug, Args)]
pub struct OutputArgs {
    /// Output format (default: table on a terminal, jsonl otherwise).
    #[arg(long, short = 'f', value_enum, help_heading = "Output")]
    pub format: Option<Format>,

    /// Write to this file instead of stdout (written whole, then renamed into place).
    #[arg(long, short = 'o', value_name = "FILE", help_heading = "Output")]
    pub output: Option<PathBuf>,

    /// Print the counts on stderr in this form at the end.
    #[arg(long, value_enum, default_value = "text", help_heading = "Output")]
    pub stats: StatsFormat,

    /// No progress bar and no summary line (errors are still printed).
    #[arg(long, short = 'q', help_heading = "Output")]
    pub quiet: bool,
}

/// `cnitrail scan`.
#[derive(Debug, Args)]
pub struct ScanArgs {
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_is_consistent() {
        Cli::command().debug_assert();
    }
}
