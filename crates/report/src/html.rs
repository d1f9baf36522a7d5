//! The whole incident in one offline HTML page ([`cnitrail_html`]): headline figures, addresses
//! held per subnet against capacity with the exhaustion moments, churn per node, the
//! throttling timeline, and the tables behind them.

use crate::churn::{By, ChurnOptions, churn};
use crate::exhaustion::{ExhaustionOptions, exhaustion};
use crate::leaks::find_leaks;
use crate::throttle::{ThrottleOptions, throttle};
use crate::{ReportError, ReportInput};
use chrono::{DateTime, Duration, Utc};
use cnitrail_frames::polars::prelude::*;
use cnitrail_html::{
    ExhaustionMoment, Figure, NodeChurn, Report, SubnetSeries, Table, ThrottleSeries, UsagePoint,
};

/// What the page is built from besides the input.
#[derive(Debug, Clone, Default)]
pub struct HtmlOptions {
    /// Page title.
    pub title: String,
    /// Exhaustion options (subnets, CIDRs).
    pub exhaustion: ExhaustionOptions,
    /// Grace period of the leaks table.
    pub leak_grace: Option<Duration>,
    /// Figures to show first (the scan's counts, from the caller).
    pub figures: Vec<Figure>,
}

/// Most usage steps the page draws per subnet: two days at a minute's resolution.
const MAX_USAGE_STEPS: u64 = 2880;

/// The usage chart's step for an input spanning `span`: a minute, or whole minutes enough to
/// keep within [`MAX_USAGE_STEPS`] (a year of trail at one point a minute made a page of
/// hundreds of megabytes). The exhaustion moments keep their exact times and counts.
fn usage_step(span: Duration) -> Duration {
    let seconds = u64::try_from(span.num_seconds()).unwrap_or(0);
    let minutes = seconds.div_ceil(60 * MAX_USAGE_STEPS).max(1);
    Duration::minutes(i64::try_from(minutes).unwrap_or(i64::MAX / 120))
}

/// Builds the page's content.
pub fn html_report(input: &ReportInput, options: &HtmlOptions) -> Result<Report, ReportError> {
    let everything = ChurnOptions {
        by: By::Node,
        every: Duration::days(100_000),
        ..ChurnOptions::default()
    };
    let grace = options.leak_grace.unwrap_or(Duration::minutes(5));
    let exhaustion_options = ExhaustionOptions {
        every: options
            .exhaustion
            .every
            .or_else(|| input.span().map(|(first, last)| usage_step(last - first))),
        ..options.exhaustion.clone()
    };
    // The reports only read the input: each is a task of its own, so that whichever core is
    // free takes the next (churn alone is as long as the throttle tables).
    let (th, ((ex, leaks), churn_df)) = rayon::join(
        || throttle(input, &ThrottleOptions::default()),
        || {
            rayon::join(
                || {
                    rayon::join(
                        || exhaustion(input, &exhaustion_options),
                        || find_leaks(input, grace),
                    )
                },
                || churn(input, &everything),
            )
        },
    );
    let (th, ex, churn_df) = (th?, ex?, churn_df?);
    let span = input.span();

    let nodes = texts(&churn_df, "node")?;
    let assigned = ints(&churn_df, "addresses_assigned")?;
    let released = ints(&churn_df, "addresses_released")?;
    let calls = ints(&churn_df, "calls")?;
    // EC2 calls per node: churn's count of every call when the scan took one and it names the
    // node (node-role callers), else the ENI calls kept.
    let ec2_calls = ints(&churn_df, "ec2_calls")?;
    let mut churn_per_node: Vec<NodeChurn> = nodes
        .into_iter()
        .zip(assigned.into_iter().zip(released))
        .zip(calls.into_iter().zip(ec2_calls))
        .filter_map(|((node, (a, r)), (c, ec2))| {
            let node = node?;
            Some(NodeChurn {
                ec2_calls: ec2.filter(|&n| n > 0).or(c).unwrap_or(0) as u64,
                node,
                assigned: a.unwrap_or(0) as u64,
                released: r.unwrap_or(0) as u64,
            })
        })
        .collect();
    churn_per_node.sort_by(|a, b| {
        b.assigned
            .cmp(&a.assigned)
            .then_with(|| a.node.cmp(&b.node))
    });

    let subnets: Vec<SubnetSeries> = ex
        .series
        .iter()
        .map(|s| SubnetSeries {
            subnet_id: s.subnet_id.clone(),
            capacity: s.capacity,
            points: s
                .points
                .iter()
                .map(|(t, h)| UsagePoint {
                    time: *t,
                    node: h.node,
                    cni_secondary: h.cni,
                    cni_prefix: h.cni_prefix,
                    other: h.other,
                })
                .collect(),
        })
        .collect();
    let exhaustion_moments: Vec<ExhaustionMoment> = ex
        .first_failures
        .iter()
        .map(|f| ExhaustionMoment {
            subnet_id: f.subnet_id.clone(),
            time: f.at,
            error_code: f.error_code.clone(),
            error_message: f.error_message.clone().unwrap_or_default(),
            nodes: f.nodes.clone(),
            held: f.held.total(),
            capacity: f.capacity,
        })
        .collect();
    let throttles: Vec<ThrottleSeries> = th
        .series
        .iter()
        .map(|(api, points)| ThrottleSeries {
            api: api.clone(),
            points: points.clone(),
        })
        .collect();

    let throttled: u64 = th.series.values().flatten().map(|(_, n)| n).sum();
    let mut summary = options.figures.clone();
    summary.push(figure("ENI events", input.events.len().to_string(), None));
    summary.push(figure(
        "Address holdings",
        input.timeline.intervals.len().to_string(),
        Some(format!("{} ENIs", input.timeline.enis.len())),
    ));
    summary.push(figure(
        "Throttled calls",
        throttled.to_string(),
        Some(format!("{} bursts", th.burst_list.len())),
    ));
    summary.push(match ex.first_failures.first() {
        Some(f) => figure(
            "First exhaustion",
            f.at.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
            Some(format!("{} in {}", f.error_code, f.subnet_id)),
        ),
        None => figure("First exhaustion", "none".into(), None),
    });
    summary.push(figure(
        "Leaked ENIs",
        leaks.len().to_string(),
        Some("the CNI's, idle past the grace period".into()),
    ));

    let mut tables = Vec::new();
    for (title, df) in [
        ("First exhaustion errors", &ex.moments),
        ("Top holders at the first failure", &ex.holders),
        ("Warm pools under the default settings", &ex.warm_pools),
        ("Levers", &ex.levers),
        ("Throttling bursts", &th.bursts),
        ("Throttled calls by caller", &th.shares),
        ("Retry storms", &th.storms),
        ("Bulk assigns retried with count=1", &th.retries),
    ] {
        if df.height() > 0 {
            tables.push(table(title, df)?);
        }
    }
    if !leaks.is_empty() {
        tables.push(table("Leaked ENIs", &crate::leaks::leaks(input, grace)?)?);
    }
    Ok(Report {
        title: if options.title.is_empty() {
            "cnitrail report".into()
        } else {
            options.title.clone()
        },
        generated_at: Utc::now(),
        window: (span.map(|s| s.0), span.map(|s| s.1)),
        summary,
        subnets,
        churn_per_node,
        throttles,
        exhaustion: exhaustion_moments,
        tables,
    })
}

fn figure(label: &str, value: String, note: Option<String>) -> Figure {
    Figure {
        label: label.into(),
        value,
        note,
    }
}

fn frame_error(table: &'static str) -> impl Fn(PolarsError) -> ReportError {
    move |source| ReportError::Frame { table, source }
}

fn texts(df: &DataFrame, name: &str) -> Result<Vec<Option<String>>, ReportError> {
    let c = df.column(name).map_err(frame_error("html"))?;
    Ok(c.str()
        .map_err(frame_error("html"))?
        .iter()
        .map(|v| v.map(str::to_string))
        .collect())
}

fn ints(df: &DataFrame, name: &str) -> Result<Vec<Option<i64>>, ReportError> {
    let c = df.column(name).map_err(frame_error("html"))?;
    Ok(c.i64().map_err(frame_error("html"))?.iter().collect())
}

/// Rows of one table shown in the page; the rest is one command away (the page says which).
pub const MAX_TABLE_ROWS: usize = 100;

/// Any report frame as a page table, every cell as text, at most [`MAX_TABLE_ROWS`] rows.
fn table(title: &str, df: &DataFrame) -> Result<Table, ReportError> {
    let total = df.height();
    let df = &df.head(Some(MAX_TABLE_ROWS));
    let title = if total > MAX_TABLE_ROWS {
        format!(
            "{title} (the first {MAX_TABLE_ROWS} of {total} rows; the command-line report lists them all)"
        )
    } else {
        title.to_string()
    };
    let columns: Vec<String> = df
        .get_column_names()
        .iter()
        .map(|c| c.to_string())
        .collect();
    let mut rows: Vec<Vec<String>> = vec![Vec::with_capacity(columns.len()); df.height()];
    for column in df.columns() {
        let cells: Vec<String> = match column.dtype() {
            DataType::Datetime(TimeUnit::Microseconds, _) => column
                .datetime()
                .map_err(frame_error("html"))?
                .physical()
                .iter()
                .map(|v| {
                    v.and_then(DateTime::<Utc>::from_timestamp_micros)
                        .map(|t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string())
                        .unwrap_or_default()
                })
                .collect(),
            DataType::List(_) => column
                .list()
                .map_err(frame_error("html"))?
                .amortized_iter()
                .map(|v| {
                    v.and_then(|s| {
                        s.as_ref()
                            .str()
                            .ok()
                            .map(|s| s.iter().flatten().collect::<Vec<_>>().join(" "))
                    })
                    .unwrap_or_default()
                })
                .collect(),
            DataType::Float64 => column
                .f64()
                .map_err(frame_error("html"))?
                .iter()
                .map(|v| v.map(|f| format!("{f:.1}")).unwrap_or_default())
                .collect(),
            _ => {
                let as_text = column
                    .cast(&DataType::String)
                    .map_err(frame_error("html"))?;
                as_text
                    .str()
                    .map_err(frame_error("html"))?
                    .iter()
                    .map(|v| v.unwrap_or_default().to_string())
                    .collect()
            }
        };
        for (row, cell) in rows.iter_mut().zip(cells) {
            row.push(cell);
        }
    }
    Ok(Table {
        title,
        columns,
        rows,
    })
}
