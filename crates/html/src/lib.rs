//! cnitrail's incident report as one self-contained HTML file.
//!
//! The page must open on an analyst's laptop during an incident, possibly offline, and possibly
//! attached to a ticket: so it is a single file with inline CSS and inline SVG charts, no
//! JavaScript, and nothing fetched from anywhere. A strict Content-Security-Policy backs that up.
//!
//! Every string in a [`Report`] is treated as hostile (it came from CloudTrail records that
//! anyone with API access could shape) and is escaped wherever it is shown; see [`escape`].
//!
//! The data model is plain Rust on purpose: the caller builds it from its polars frames, and
//! this crate stays light enough to build and test in seconds.

#![deny(missing_docs)]

use std::io::Write as _;
use std::path::Path;

use chrono::{DateTime, Utc};

mod axis;
mod charts;
pub mod escape;
mod page;

/// Everything the incident report shows, already computed by the caller.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// Heading of the page and its `<title>`.
    pub title: String,
    /// When the report was produced, printed in the header so stale copies are recognisable.
    pub generated_at: DateTime<Utc>,
    /// The time range of the input (first and last record), `None` where unknown; printed in
    /// the header because every figure in the report is only true for that window.
    pub window: (Option<DateTime<Utc>>, Option<DateTime<Utc>>),
    /// Headline figures, shown as cards at the top of the page.
    pub summary: Vec<Figure>,
    /// Addresses held per subnet over time, against the subnet's capacity: one chart each.
    pub subnets: Vec<SubnetSeries>,
    /// Address churn per node, drawn as a bar chart (the busiest nodes only, see
    /// [`MAX_CHURN_NODES`]).
    pub churn_per_node: Vec<NodeChurn>,
    /// Throttled calls per minute, one series per API, drawn together on one timeline.
    pub throttles: Vec<ThrottleSeries>,
    /// The first address-exhaustion error seen in each subnet; may be empty. Each one is also
    /// marked on its subnet's chart.
    pub exhaustion: Vec<ExhaustionMoment>,
    /// Further tables (top holders, levers, leaks...), shown in order at the end of the page.
    pub tables: Vec<Table>,
}

/// One headline figure, such as "Peak addresses held: 4 112".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Figure {
    /// What the figure measures.
    pub label: String,
    /// The figure itself, already formatted by the caller (units included), since only the
    /// caller knows whether it is a count, a duration or a ratio.
    pub value: String,
    /// An optional line of context under the value (how it was computed, a comparison).
    pub note: Option<String>,
}

/// How many addresses one subnet had handed out over time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubnetSeries {
    /// The subnet, as in CloudTrail (`subnet-0abc...`).
    pub subnet_id: String,
    /// Usable addresses in the subnet (its size minus the 5 that AWS reserves); `None` when the
    /// subnet's size is unknown, in which case no capacity line is drawn.
    pub capacity: Option<u64>,
    /// Holdings after each change, in time order; each holds until the next point.
    pub points: Vec<UsagePoint>,
}

/// Addresses held in one subnet from `time` on, by who holds them. A delegated prefix counts
/// as the 16 addresses it takes out of the subnet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UsagePoint {
    /// When the holdings changed to these values.
    pub time: DateTime<Utc>,
    /// Nodes' primary addresses (one per ENI).
    pub node: u64,
    /// Secondary addresses that the VPC CNI assigned for pods.
    pub cni_secondary: u64,
    /// Addresses inside /28 prefixes that the VPC CNI delegated (16 per prefix).
    pub cni_prefix: u64,
    /// Addresses held by anything else (load balancers, other tools, unknown callers).
    pub other: u64,
}

/// How much address churn one node caused over the window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeChurn {
    /// The node (its name, or its instance id when the name is unknown).
    pub node: String,
    /// Addresses assigned to the node's ENIs.
    pub assigned: u64,
    /// Addresses released from the node's ENIs.
    pub released: u64,
    /// EC2 API calls made for the node; shown in the table under the chart.
    pub ec2_calls: u64,
}

/// Throttled calls of one EC2 API, counted per minute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThrottleSeries {
    /// The API (`AssignPrivateIpAddresses`, ...).
    pub api: String,
    /// `(start of the minute, throttled calls in it)`, in time order; minutes with no throttled
    /// call may be left out, they are drawn as zero.
    pub points: Vec<(DateTime<Utc>, u64)>,
}

/// The first time a subnet ran out of addresses, as the error of a failed call shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExhaustionMoment {
    /// The subnet that ran out.
    pub subnet_id: String,
    /// When the failing call was made.
    pub time: DateTime<Utc>,
    /// The call's error code (`InsufficientFreeAddressesInSubnet`, ...).
    pub error_code: String,
    /// The call's error message, verbatim.
    pub error_message: String,
    /// The nodes whose calls failed at that moment.
    pub nodes: Vec<String>,
    /// Addresses held in the subnet at that moment, by the rebuilt accounting.
    pub held: u64,
    /// The subnet's usable addresses, when known.
    pub capacity: Option<u64>,
}

/// A table of already-formatted cells.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    /// Heading shown above the table.
    pub title: String,
    /// Column headers.
    pub columns: Vec<String>,
    /// Rows of cells; a row shorter than `columns` is padded with empty cells, a longer one is
    /// shown in full.
    pub rows: Vec<Vec<String>>,
}

/// At most this many nodes are drawn in the churn chart (the ones with the most assigned
/// addresses); more bars would be unreadable. The page says when nodes were left out.
pub const MAX_CHURN_NODES: usize = 30;

/// Renders the whole report as one HTML document.
///
/// Never fails: a chart that plotters cannot draw is replaced by a sentence saying so, and
/// empty sections say that there is nothing to show.
pub fn render(report: &Report) -> String {
    page::document(report)
}

/// Renders the report and writes it to `path`.
///
/// The document is written to a temporary file in the same directory and then renamed over
/// `path`, so that a reader (or a browser refreshing the page) never sees half a report, and a
/// failure leaves any previous report in place.
pub fn write(report: &Report, path: &Path) -> std::io::Result<()> {
    let html = render(report);
    let dir = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let file_name = path.file_name().ok_or_else(|| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!("{} does not name a file", path.display()),
        )
    })?;
    let mut temp_name = std::ffi::OsString::from(".");
    temp_name.push(file_name);
    temp_name.push(format!(".{}.tmp", std::process::id()));
    let temp_path = dir.join(temp_name);

    let written = std::fs::File::create(&temp_path).and_then(|mut file| {
        file.write_all(html.as_bytes())?;
        file.sync_all()
    });
    let result = written.and_then(|()| std::fs::rename(&temp_path, path));
    if result.is_err() {
        // Best effort: the original error is the one worth reporting.
        let _ = std::fs::remove_file(&temp_path);
    }
    result
}

/// Formats a time the way the whole report does: `YYYY-MM-DDTHH:MM:SSZ`, always UTC, like
/// CloudTrail's own `eventTime`.
pub fn format_time(time: DateTime<Utc>) -> String {
    time.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}
