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
    /// Rebuild which ENI held which address or prefix, when, with the calls that prove it.
    #[command(after_long_help = TIMELINE_EXAMPLES)]
    Timeline(Box<TimelineArgs>),
    /// Every holder of an IP address: at a moment, or over the whole input.
    #[command(after_long_help = WHO_EXAMPLES)]
    Who(Box<WhoArgs>),
    /// Calls, addresses and ENIs per node (ENI, subnet, caller) and time bucket: what the warm pool costs.
    #[command(after_long_help = CHURN_EXAMPLES)]
    Churn(Box<ChurnArgs>),
    /// How full each subnet was, when it ran dry, who held it, and which levers would help.
    #[command(after_long_help = EXHAUSTION_EXAMPLES)]
    Exhaustion(Box<ExhaustionArgs>),
    /// The CNI's ENIs left unattached, or detached and never deleted.
    #[command(after_long_help = LEAKS_EXAMPLES)]
    Leaks(Box<LeaksArgs>),
    /// When EC2 throttled which API, who else was calling, retry storms and count=1 retries.
    #[command(after_long_help = THROTTLE_EXAMPLES)]
    Throttle(Box<ThrottleArgs>),
    /// Everything in one self-contained HTML file (charts and tables, no network needed).
    #[command(after_long_help = REPORT_EXAMPLES)]
    Report(Box<ReportArgs>),
    /// Write the tables (events, intervals, ENIs, EC2 calls, subnet usage) as partitioned Parquet.
    #[command(after_long_help = EXPORT_EXAMPLES)]
    Export(Box<ExportArgs>),
    /// Simulate ipamd and AWS: write a CloudTrail trail with its ground truth.
    #[command(after_long_help = SIMULATE_EXAMPLES)]
    Simulate(Box<SimulateArgs>),
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

const SIMULATE_EXAMPLES: &str = "\
Examples:
  # Two hours of a 3-node m5.large cluster, default settings, then scan what was written
  cnitrail simulate --out /tmp/sim --seed 7
  cnitrail scan /tmp/sim/trail --stats json > /dev/null

  # WARM_IP_TARGET=2 with MINIMUM_IP_TARGET=5 on a small subnet, half the nodes on CNI v1.20
  cnitrail simulate --out /tmp/sim --mode warm-ip --warm-ip-target 2 --minimum-ip-target 5 \\
    --subnet-cidr 10.0.0.0/26 --cni-version v1.19.0=1 --cni-version v1.20.0=1

  # A scenario file (JSON; every field optional), with a size target for benchmarks
  cnitrail simulate --out /tmp/sim --scenario scenario.json --size-mb 1000

Output: DIR/trail/AWSLogs/... (the trail), DIR/truth/*.jsonl (what really happened),
DIR/manifest.json (counts).";

const TIMELINE_EXAMPLES: &str = "\
Examples:
  # Every holding of one node's ENIs during an incident, as a table
  cnitrail timeline s3://trail/AWSLogs/ --since 2026-11-22T13:00:00Z --until 2026-11-22T15:00:00Z \\
    --instance i-0a1b2c3d4e5f60718

  # All holdings in a subnet, to Parquet for DuckDB
  cnitrail timeline ./trail --subnet subnet-0123456789abcdef0 --format parquet -o intervals.parquet

Holdings that began before the input (first seen when released) have start_known=false and no
assigned_at; holdings still open at the end have release_reason=open and no released_at.";

const WHO_EXAMPLES: &str = "\
Examples:
  # Who had 10.0.3.17 at 14:02?
  cnitrail who 10.0.3.17 --at 2026-11-22T14:02:00Z s3://trail/AWSLogs/ --since 2026-11-22

  # The address's whole history, as JSON for jq
  cnitrail who 10.0.3.17 ./trail --format json | jq '.[] | {instance_id, assigned_at, released_at}'

An address inside a delegated /28 counts, reported with its prefix. No holder: an empty result,
a sentence on stderr, and exit status 0.";

const CHURN_EXAMPLES: &str = "\
Examples:
  # Per node and hour over a day: calls, addresses taken and given back, lifetimes, flaps
  cnitrail churn s3://trail/AWSLogs/ --since 2026-11-21 --until 2026-11-22

  # Per subnet in 5-minute buckets, as CSV
  cnitrail churn ./trail --by subnet --every 5m --format csv > churn.csv

Columns: bucket, the key (node, eni_id, subnet_id or caller), calls, calls_per_hour,
assign_calls, unassign_calls, failed_calls, addresses_assigned, addresses_released,
prefixes_assigned, prefixes_released, enis_created, enis_attached, enis_detached, enis_deleted,
lifetime_min_s, lifetime_p50_s, lifetime_p90_s, lifetime_p99_s, flaps.";

const EXHAUSTION_EXAMPLES: &str = "\
Examples:
  # Why did subnet-0abc run dry? (capacity from CreateSubnet in the trail, or given)
  cnitrail exhaustion s3://trail/AWSLogs/ --since 6h --subnet subnet-0abc \\
    --subnet-cidr subnet-0abc=10.0.3.0/24

  # Capacity from the live account, through the AWS CLI
  aws ec2 describe-subnets --subnet-ids subnet-0abc > subnets.json
  cnitrail exhaustion ./trail --subnets-json subnets.json

  # Addresses held per subnet and minute, for a chart
  cnitrail exhaustion ./trail --table usage --format csv > usage.csv

On a terminal: the first failure per subnet, the top holders then, the warm pools the default
settings imply, and the levers. Elsewhere --table chooses one table: usage (default), moments,
holders, warm-pools or levers.";

const LEAKS_EXAMPLES: &str = "\
Examples:
  # The CNI's ENIs idle for more than 5 minutes (never attached, or detached and not deleted)
  cnitrail leaks s3://trail/AWSLogs/ --since 1d

  # Allow an hour, as ipamd's own cleanup does, and list them as JSON
  cnitrail leaks ./trail --grace 1h --format json";

const THROTTLE_EXAMPLES: &str = "\
Examples:
  # Bursts of RequestLimitExceeded, the callers' shares, retry storms, count=1 retries
  cnitrail throttle s3://trail/AWSLogs/111122223333/ --since 2026-11-22T13:00:00Z --until 15h

  # Every throttled minute with everyone's calls of that API, as CSV
  cnitrail throttle ./trail --table minutes --format csv > throttled-minutes.csv

The scan counts every EC2 call (not only the ENI calls) per minute, API and caller, since EC2
throttles per account and API whoever calls.";

const REPORT_EXAMPLES: &str = "\
Examples:
  # The incident report for one afternoon, opened in any browser, no network needed
  cnitrail report s3://trail/AWSLogs/ --since 2026-11-22T12:00:00Z --until 2026-11-22T18:00:00Z \\
    --subnet-cidr subnet-0abc=10.0.3.0/24 -o incident.html";

const EXPORT_EXAMPLES: &str = "\
Examples:
  # A day of a trail bucket into another bucket, for Athena (docs/sql/athena.sql)
  cnitrail export s3://trail/AWSLogs/ --since 2026-11-21 --until 2026-11-22 \\
    --out s3://analytics/cnitrail/

  # A local trail into a folder, then DuckDB
  cnitrail export ./trail --out ./cnitrail-parquet
  duckdb -c \"SELECT count(*) FROM read_parquet('cnitrail-parquet/events/*/*.parquet', hive_partitioning = true)\"

  # Only the address holdings and the ENI lives, in files of at most about 128 MB
  cnitrail export ./trail --out ./out --table intervals --table enis --file-size-mb 128

Layout: OUT/<table>/event_date=YYYY-MM-DD/part-0000-00000.parquet, each row on the UTC day of
its own time. Every file appears whole or not at all (a temporary name and a rename on disk,
a multipart upload completed at the end on S3); re-running the same export replaces its own
files and deletes those it no longer writes. Exit status as for scan; nothing is written when
no input could be read.";

/// How the timeline orders events.
#[derive(Debug, Args)]
pub struct OrderArgs {
    /// Apply events once they are this much older than the newest of their account and region
    /// (e.g. 2h), so that memory stays bounded on long trails; default: order all events exactly.
    #[arg(long, value_name = "DURATION", help_heading = "Timeline")]
    pub reorder_window: Option<String>,
}

impl OrderArgs {
    /// The timeline builder these options ask for.
    pub fn builder(&self) -> anyhow::Result<cnitrail_core::timeline::TimelineBuilder> {
        use cnitrail_core::timeline::TimelineBuilder;
        Ok(match &self.reorder_window {
            None => TimelineBuilder::new(),
            Some(text) => {
                let d = cnitrail_core::source::window::parse_duration(text).ok_or_else(|| {
                    anyhow::anyhow!(
                        "--reorder-window {text:?}: expected a duration such as 30m or 2h"
                    )
                })?;
                TimelineBuilder::with_reorder_window(d.num_seconds())
            }
        })
    }
}

/// `cnitrail timeline`.
#[derive(Debug, Args)]
pub struct TimelineArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// Only this ENI (repeatable).
    #[arg(long, value_name = "ID", help_heading = "Filters")]
    pub eni: Vec<String>,
    /// Only ENIs of this instance (repeatable).
    #[arg(long, value_name = "ID", help_heading = "Filters")]
    pub instance: Vec<String>,
    /// Only this subnet (repeatable).
    #[arg(long, value_name = "ID", help_heading = "Filters")]
    pub subnet: Vec<String>,
    /// Print each ENI's life (creation, attachments, end) instead of the address holdings.
    #[arg(long)]
    pub enis: bool,
    #[command(flatten)]
    pub order: OrderArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// `cnitrail who`.
#[derive(Debug, Args)]
pub struct WhoArgs {
    /// The IPv4 or IPv6 address.
    #[arg(value_name = "IP")]
    pub ip: String,
    /// The moment (RFC 3339, a date, or a duration back from now); without it, the whole history.
    #[arg(long, value_name = "TIME")]
    pub at: Option<String>,
    #[command(flatten)]
    pub order: OrderArgs,
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// `cnitrail churn`.
#[derive(Debug, Args)]
pub struct ChurnArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// Group by node, ENI, subnet or caller.
    #[arg(long, value_enum, default_value = "node", help_heading = "Report")]
    pub by: ChurnBy,
    /// Bucket length (5m, 1h, 1d).
    #[arg(
        long,
        value_name = "DURATION",
        default_value = "1h",
        help_heading = "Report"
    )]
    pub every: String,
    /// A release and a new holding of the same address by the same node within this long is a flap.
    #[arg(
        long,
        value_name = "DURATION",
        default_value = "5m",
        help_heading = "Report"
    )]
    pub flap_window: String,
    /// Also count every EC2 call (Describe* too) per node or caller: the ec2_calls columns.
    #[arg(long, help_heading = "Report")]
    pub all_calls: bool,
    #[command(flatten)]
    pub order: OrderArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// `--by` of `cnitrail churn`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ChurnBy {
    /// The node (instance id).
    Node,
    /// The ENI.
    Eni,
    /// The subnet.
    Subnet,
    /// The caller's ARN.
    Caller,
}

/// `cnitrail exhaustion`.
#[derive(Debug, Args)]
pub struct ExhaustionArgs {
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub subnets: SubnetArgs,
    /// Usage rows every this long.
    #[arg(
        long,
        value_name = "DURATION",
        default_value = "1m",
        help_heading = "Report"
    )]
    pub every: String,
    /// Holders listed at each first failure.
    #[arg(long, value_name = "N", default_value_t = 10, help_heading = "Report")]
    pub top: usize,
    /// The table to write (default: usage; as a table without -o: every table but usage).
    #[arg(long, value_enum, help_heading = "Report")]
    pub table: Option<ExhaustionTable>,
    #[command(flatten)]
    pub order: OrderArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// `--table` of `cnitrail exhaustion`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExhaustionTable {
    /// Per subnet and step: held by kind, capacity, free.
    Usage,
    /// Per subnet: the first exhaustion error and what was held then.
    Moments,
    /// The top holders at each first failure.
    Holders,
    /// Per node: the warm pool the default settings imply.
    WarmPools,
    /// The CNI's levers, with the figures that argue for or against them.
    Levers,
}

/// `cnitrail leaks`.
#[derive(Debug, Args)]
pub struct LeaksArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// How long an ENI may sit unattached before it counts.
    #[arg(
        long,
        value_name = "DURATION",
        default_value = "5m",
        help_heading = "Report"
    )]
    pub grace: String,
    #[command(flatten)]
    pub order: OrderArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// `cnitrail throttle`.
#[derive(Debug, Args)]
pub struct ThrottleArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// The table to write (default: minutes; as a table without -o: bursts, shares, storms, retries).
    #[arg(long, value_enum, help_heading = "Report")]
    pub table: Option<ThrottleTable>,
    /// Identical requests this close to the previous one belong to one retry storm.
    #[arg(
        long,
        value_name = "DURATION",
        default_value = "60s",
        help_heading = "Report"
    )]
    pub storm_gap: String,
    /// Fewest repetitions that make a retry storm.
    #[arg(long, value_name = "N", default_value_t = 3, help_heading = "Report")]
    pub storm_min: usize,
    /// How soon a count=1 assign must follow a failed bulk assign to count as its retry.
    #[arg(
        long,
        value_name = "DURATION",
        default_value = "30s",
        help_heading = "Report"
    )]
    pub retry_window: String,
    #[command(flatten)]
    pub order: OrderArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// `--table` of `cnitrail throttle`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ThrottleTable {
    /// Per throttled minute and API: everyone's calls.
    Minutes,
    /// Runs of throttled minutes per API.
    Bursts,
    /// Per caller: calls, throttled, shares.
    Shares,
    /// The same request repeated in quick succession.
    Storms,
    /// Failed bulk assigns retried with count=1.
    Retries,
}

/// `cnitrail report`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// The HTML file to write (written whole, then renamed into place).
    #[arg(long, short = 'o', value_name = "FILE", help_heading = "Output")]
    pub output: PathBuf,
    /// Page title.
    #[arg(long, default_value = "cnitrail report", help_heading = "Output")]
    pub title: String,
    #[command(flatten)]
    pub subnets: SubnetArgs,
    /// Grace period of the leaked-ENI table.
    #[arg(
        long,
        value_name = "DURATION",
        default_value = "5m",
        help_heading = "Report"
    )]
    pub grace: String,
    #[command(flatten)]
    pub order: OrderArgs,
    /// Print the counts on stderr in this form at the end.
    #[arg(long, value_enum, default_value = "text", help_heading = "Output")]
    pub stats: StatsFormat,
    /// No progress bar and no summary line (errors are still printed).
    #[arg(long, short = 'q', help_heading = "Output")]
    pub quiet: bool,
}

/// Which subnets, and their sizes (capacity), for the exhaustion report.
#[derive(Debug, Args)]
pub struct SubnetArgs {
    /// Only this subnet (repeatable).
    #[arg(long, value_name = "ID", help_heading = "Subnets")]
    pub subnet: Vec<String>,
    /// A subnet's CIDR block, for its capacity (repeatable); wins over the other sources.
    #[arg(long, value_name = "ID=CIDR", help_heading = "Subnets")]
    pub subnet_cidr: Vec<String>,
    /// Subnets' CIDR blocks from the JSON output of `aws ec2 describe-subnets` (`-`: stdin);
    /// win over CreateSubnet records in the input.
    #[arg(long, value_name = "FILE", help_heading = "Subnets")]
    pub subnets_json: Option<PathBuf>,
}

impl SubnetArgs {
    /// Subnet CIDR blocks from `--subnets-json`, then the `ID=CIDR` pairs of `--subnet-cidr`.
    pub fn cidrs(&self) -> anyhow::Result<std::collections::HashMap<String, String>> {
        use anyhow::Context;
        let mut out = match &self.subnets_json {
            None => std::collections::HashMap::new(),
            Some(path) => {
                let text = if path.as_os_str() == "-" {
                    std::io::read_to_string(std::io::stdin())
                        .context("reading --subnets-json from stdin")?
                } else {
                    std::fs::read_to_string(path)
                        .with_context(|| format!("--subnets-json {}", path.display()))?
                };
                cnitrail_report::exhaustion::cidrs_from_describe_subnets(&text)
                    .with_context(|| format!("--subnets-json {}", path.display()))?
            }
        };
        for pair in &self.subnet_cidr {
            let Some((id, cidr)) = pair.split_once('=') else {
                anyhow::bail!(
                    "--subnet-cidr {pair:?}: expected SUBNET_ID=CIDR, e.g. subnet-0abc=10.0.3.0/24"
                );
            };
            out.insert(id.trim().to_string(), cidr.trim().to_string());
        }
        Ok(out)
    }
}

/// `cnitrail export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// Where to write: a directory (created if missing) or s3://bucket/prefix.
    #[arg(long, value_name = "DIR|s3://BUCKET/PREFIX", help_heading = "Export")]
    pub out: String,
    /// A table to write (repeatable; default: all).
    #[arg(
        long = "table",
        value_enum,
        value_name = "NAME",
        help_heading = "Export"
    )]
    pub tables: Vec<ExportTable>,
    /// Close a file once it reaches about this many MB (a day is one file unless larger).
    #[arg(
        long,
        value_name = "MB",
        default_value_t = 256,
        help_heading = "Export"
    )]
    pub file_size_mb: u64,
    /// Rows per Parquet row group.
    #[arg(
        long,
        value_name = "N",
        default_value_t = 1 << 20,
        help_heading = "Export"
    )]
    pub row_group_rows: usize,
    /// Subnets and their sizes, for the capacity in subnet_usage.
    #[command(flatten)]
    pub subnets: SubnetArgs,
    #[command(flatten)]
    pub order: OrderArgs,
    /// Print the counts on stderr in this form at the end (json: the scan's, then the export's).
    #[arg(long, value_enum, default_value = "text", help_heading = "Output")]
    pub stats: StatsFormat,
    /// No progress bar and no summary lines (errors are still printed).
    #[arg(long, short = 'q', help_heading = "Output")]
    pub quiet: bool,
}

/// `--table` of `cnitrail export`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
#[value(rename_all = "snake_case")]
pub enum ExportTable {
    /// The kept events.
    Events,
    /// Address and prefix holdings.
    Intervals,
    /// ENI lifecycles, one row per attachment.
    Enis,
    /// Minutes, APIs and callers with a throttled EC2 call.
    ThrottledCalls,
    /// Every EC2 call per minute, API and caller.
    Ec2Calls,
    /// Addresses held per subnet and minute.
    SubnetUsage,
}

/// Parses a duration flag such as `5m`.
pub fn duration(flag: &str, text: &str) -> anyhow::Result<chrono::Duration> {
    cnitrail_core::source::window::parse_duration(text)
        .filter(|d| *d > chrono::Duration::zero())
        .ok_or_else(|| {
            anyhow::anyhow!("{flag} {text:?}: expected a duration such as 90s, 5m, 1h or 1d")
        })
}

/// `cnitrail simulate`.
#[derive(Debug, Args)]
pub struct SimulateArgs {
    /// Directory to write into (created; existing files with the same names are replaced).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Seed: the same scenario and seed write the same bytes.
    #[arg(long)]
    pub seed: Option<u64>,
    /// A scenario file (JSON); flags override its fields.
    #[arg(long, value_name = "FILE")]
    pub scenario: Option<PathBuf>,
    /// Simulated hours.
    #[arg(long)]
    pub hours: Option<f64>,
    /// Start time, RFC 3339 UTC (2026-11-01T00:00:00Z).
    #[arg(long, value_name = "TIME")]
    pub start: Option<String>,
    /// Nodes at the start.
    #[arg(long, help_heading = "Cluster")]
    pub nodes: Option<u32>,
    /// Most nodes Auto Scaling may reach.
    #[arg(long, help_heading = "Cluster")]
    pub max_nodes: Option<u32>,
    /// Instance type of the nodes.
    #[arg(long, value_name = "TYPE", help_heading = "Cluster")]
    pub instance_type: Option<String>,
    /// The subnet's CIDR (repeat for more subnets; nodes launch in the first).
    #[arg(long, value_name = "CIDR", help_heading = "Cluster")]
    pub subnet_cidr: Vec<String>,
    /// CNI version and weight, e.g. v1.20.0=1 (repeat for a mix).
    #[arg(long, value_name = "VERSION[=WEIGHT]", help_heading = "Cluster")]
    pub cni_version: Vec<String>,
    /// How ipamd authenticates.
    #[arg(long, value_parser = ["node-role", "irsa"], help_heading = "Cluster")]
    pub identity: Option<String>,
    /// Steady pods per node.
    #[arg(long, help_heading = "Cluster")]
    pub pods: Option<u32>,
    /// Warm-pool mode.
    #[arg(long, value_parser = ["warm-eni", "warm-ip", "prefix"], help_heading = "aws-node")]
    pub mode: Option<String>,
    /// WARM_ENI_TARGET.
    #[arg(long, help_heading = "aws-node")]
    pub warm_eni_target: Option<u32>,
    /// WARM_IP_TARGET.
    #[arg(long, help_heading = "aws-node")]
    pub warm_ip_target: Option<u32>,
    /// MINIMUM_IP_TARGET.
    #[arg(long, help_heading = "aws-node")]
    pub minimum_ip_target: Option<u32>,
    /// WARM_PREFIX_TARGET.
    #[arg(long, help_heading = "aws-node")]
    pub warm_prefix_target: Option<u32>,
    /// Noise records (other services' calls) per simulated second.
    #[arg(long, help_heading = "Output")]
    pub noise_per_second: Option<f64>,
    /// Aim for about this many MB of decompressed trail (raises the noise rate).
    #[arg(long, value_name = "MB", help_heading = "Output")]
    pub size_mb: Option<f64>,
    /// gzip level of the trail files (1 is fastest, 6 is what CloudTrail-like files use).
    #[arg(long, help_heading = "Output")]
    pub gzip_level: Option<u32>,
    /// Cut each 5-minute batch into files of at most this many KB of JSON (many small objects).
    #[arg(long, value_name = "KB", help_heading = "Output")]
    pub max_file_kb: Option<u64>,
}

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
    #[arg(required_unless_present = "from_parquet", value_name = "SOURCE")]
    pub sources: Vec<String>,

    /// Read only this worker's part of the sources: the files whose key (S3 key, or path
    /// relative to its SOURCE) a fixed hash puts in part I of N, numbered from 0 (e.g. 2/8).
    #[arg(long, value_name = "I/N", value_parser = parse_shard, help_heading = "Sharding")]
    pub shard: Option<cnitrail_core::source::shard::Shard>,

    /// Read the ENI events from Parquet files (`scan --format parquet`, `export`: a file, a
    /// directory read recursively, its events/ folder if it has one, or s3://bucket/prefix)
    /// instead of SOURCEs: the shards' outputs merged, duplicates dropped.
    #[arg(
        long,
        value_name = "DIR|s3://…",
        conflicts_with_all = ["sources", "shard"],
        help_heading = "Sharding"
    )]
    pub from_parquet: Option<String>,

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

fn parse_shard(text: &str) -> Result<cnitrail_core::source::shard::Shard, String> {
    cnitrail_core::source::shard::Shard::parse(text).map_err(|e| e.to_string())
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

    /// Longest wait for a connection to S3, in seconds (as the AWS CLI's option).
    #[arg(long, value_name = "SECONDS", default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..), help_heading = "AWS")]
    pub cli_connect_timeout: u64,

    /// Longest wait for a response, and between two chunks of an object, in seconds; a read
    /// that waits longer is retried (5 times), then its object is named as failed.
    #[arg(long, value_name = "SECONDS", default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..), help_heading = "AWS")]
    pub cli_read_timeout: u64,
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
