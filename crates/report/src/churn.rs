//! Churn: what the warm pool costs. Per time bucket and node (or ENI, subnet, caller): calls,
//! addresses and prefixes taken and given back, ENIs made and removed, failed calls, how long
//! addresses lived, and flapping — an address given back and taken again by the same node
//! within a few minutes, the signature of a WARM_IP_TARGET set too tight.

use crate::table::TableBuilder;
use crate::{ReportError, ReportInput};
use chrono::{DateTime, Duration, Utc};
use cnitrail_core::timeline::Interval;
use cnitrail_core::{EniEvent, EventName};
use cnitrail_frames::polars::prelude::DataFrame;
use std::collections::HashMap;

/// What the rows are grouped by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum By {
    /// The node (instance id).
    #[default]
    Node,
    /// The ENI.
    Eni,
    /// The subnet.
    Subnet,
    /// The caller's ARN.
    Caller,
}

impl By {
    /// The key column's name.
    pub fn column(self) -> &'static str {
        match self {
            By::Node => "node",
            By::Eni => "eni_id",
            By::Subnet => "subnet_id",
            By::Caller => "caller",
        }
    }
}

/// Options of the churn report.
#[derive(Debug, Clone, Copy)]
pub struct ChurnOptions {
    /// Grouping.
    pub by: By,
    /// Bucket length.
    pub every: Duration,
    /// A release followed by a new holding of the same address by the same node within this
    /// long is a flap.
    pub flap_window: Duration,
}

impl Default for ChurnOptions {
    fn default() -> Self {
        ChurnOptions {
            by: By::Node,
            every: Duration::hours(1),
            flap_window: Duration::minutes(5),
        }
    }
}

/// The columns of the churn table, in order, with their meaning (docs/reports.md lists them too).
pub const CHURN_COLUMNS: &[(&str, &str)] = &[
    ("bucket", "start of the time bucket (UTC)"),
    (
        "<key>",
        "node, eni_id, subnet_id or caller, after --by; null when no record tells",
    ),
    ("calls", "ENI calls kept (failed ones included)"),
    ("calls_per_hour", "calls scaled to one hour"),
    (
        "assign_calls",
        "AssignPrivateIpAddresses and AssignIpv6Addresses calls",
    ),
    (
        "unassign_calls",
        "UnassignPrivateIpAddresses and UnassignIpv6Addresses calls",
    ),
    (
        "failed_calls",
        "calls that returned an error (throttles included)",
    ),
    (
        "addresses_assigned",
        "secondary addresses whose holding began",
    ),
    (
        "addresses_released",
        "secondary addresses whose holding ended",
    ),
    (
        "prefixes_assigned",
        "delegated prefixes whose holding began",
    ),
    (
        "prefixes_released",
        "delegated prefixes whose holding ended",
    ),
    ("enis_created", "CreateNetworkInterface"),
    ("enis_attached", "AttachNetworkInterface"),
    ("enis_detached", "DetachNetworkInterface"),
    ("enis_deleted", "DeleteNetworkInterface"),
    (
        "lifetime_min_s",
        "shortest holding that ended in the bucket, seconds",
    ),
    (
        "lifetime_p50_s",
        "median holding that ended in the bucket, seconds",
    ),
    ("lifetime_p90_s", "90th percentile, seconds"),
    ("lifetime_p99_s", "99th percentile, seconds"),
    (
        "flaps",
        "addresses taken again by the node that had given them back within the flap window",
    ),
];

#[derive(Default)]
struct Acc {
    calls: i64,
    assign_calls: i64,
    unassign_calls: i64,
    failed_calls: i64,
    addresses_assigned: i64,
    addresses_released: i64,
    prefixes_assigned: i64,
    prefixes_released: i64,
    enis_created: i64,
    enis_attached: i64,
    enis_detached: i64,
    enis_deleted: i64,
    lifetimes: Vec<i64>,
    flaps: i64,
    ec2_calls: Option<i64>,
}

/// Builds the churn table.
pub fn churn<'a>(input: &'a ReportInput, options: &ChurnOptions) -> Result<DataFrame, ReportError> {
    let every = options.every.num_seconds();
    if every <= 0 {
        return Err(ReportError::Invalid(
            "the bucket length must be at least 1 s".into(),
        ));
    }
    let bucket = |t: DateTime<Utc>| t.timestamp().div_euclid(every) * every;
    let callers: HashMap<String, Option<&str>> = if options.by == By::Caller {
        input
            .events
            .iter()
            .map(|e| (e.event_id.clone(), e.caller_arn.as_deref()))
            .collect()
    } else {
        HashMap::new()
    };
    let eni_subnets: HashMap<&str, &str> = input
        .timeline
        .enis
        .iter()
        .filter_map(|l| Some((&*l.eni_id, l.subnet_id.as_deref()?)))
        .collect();
    // Keys borrow their text from the input: a String per event, interval and counted cell
    // was most of this table's time.
    let event_key = |e: &'a EniEvent| -> Option<&'a str> {
        match options.by {
            By::Node => input.node_of(e),
            By::Eni => e.eni_id.as_deref(),
            By::Subnet => e.subnet_id.as_deref().or_else(|| {
                e.eni_id
                    .as_deref()
                    .and_then(|eni| eni_subnets.get(eni).copied())
            }),
            By::Caller => e.caller_arn.as_deref(),
        }
    };
    let interval_key = |iv: &'a Interval, released: bool| -> Option<&'a str> {
        match options.by {
            By::Node => iv.instance_id.as_deref(),
            By::Eni => Some(&iv.eni_id),
            By::Subnet => iv.subnet_id.as_deref(),
            By::Caller => {
                let id = if released {
                    &iv.release_event_id
                } else {
                    &iv.assign_event_id
                };
                id.as_ref()
                    .and_then(|id| callers.get(&id.to_string()).copied().flatten())
            }
        }
    };

    // Hashed rather than kept in order while counting (a tree compared instance ids some ten
    // times per event and holding); put in order once at the end.
    let mut rows: HashMap<(i64, Option<&str>), Acc, crate::RecordTextHasher> = HashMap::default();
    for e in &input.events {
        if e.event_name == EventName::CreateSubnet {
            continue;
        }
        let acc = rows
            .entry((bucket(e.event_time), event_key(e)))
            .or_default();
        acc.calls += 1;
        let failed = e.error_code.is_some();
        acc.failed_calls += i64::from(failed);
        match e.event_name {
            EventName::AssignPrivateIpAddresses | EventName::AssignIpv6Addresses => {
                acc.assign_calls += 1
            }
            EventName::UnassignPrivateIpAddresses | EventName::UnassignIpv6Addresses => {
                acc.unassign_calls += 1
            }
            EventName::CreateNetworkInterface if !failed => acc.enis_created += 1,
            EventName::AttachNetworkInterface if !failed => acc.enis_attached += 1,
            EventName::DetachNetworkInterface if !failed => acc.enis_detached += 1,
            EventName::DeleteNetworkInterface if !failed => acc.enis_deleted += 1,
            _ => {}
        }
    }
    let secondary = input.timeline.intervals.iter().filter(|iv| !iv.primary);
    for iv in secondary.clone() {
        if let Some(at) = iv.assigned_at {
            let acc = rows
                .entry((bucket(at), interval_key(iv, false)))
                .or_default();
            if iv.prefix {
                acc.prefixes_assigned += 1;
            } else {
                acc.addresses_assigned += 1;
            }
        }
        if let Some(at) = iv.released_at {
            let acc = rows
                .entry((bucket(at), interval_key(iv, true)))
                .or_default();
            if iv.prefix {
                acc.prefixes_released += 1;
            } else {
                acc.addresses_released += 1;
            }
            if let Some(from) = iv.assigned_at {
                acc.lifetimes.push((at - from).num_seconds());
            }
        }
    }
    // Flaps: per node and address, a holding that starts soon after the previous one ended.
    let mut by_address: HashMap<(&str, &str), Vec<&Interval>, crate::RecordTextHasher> =
        HashMap::default();
    for iv in secondary {
        if let Some(node) = iv.instance_id.as_deref() {
            by_address.entry((node, &iv.address)).or_default().push(iv);
        }
    }
    for list in by_address.values_mut() {
        list.sort_by_key(|iv| iv.assigned_at);
        for pair in list.windows(2) {
            let (Some(released), Some(again)) = (pair[0].released_at, pair[1].assigned_at) else {
                continue;
            };
            let gap = again - released;
            if gap >= Duration::zero() && gap <= options.flap_window {
                rows.entry((bucket(again), interval_key(pair[1], false)))
                    .or_default()
                    .flaps += 1;
            }
        }
    }

    // Every EC2 call, when the scan counted them: by the node a node-role caller names, or by
    // the caller itself (ENIs and subnets are not named by a Describe call's count).
    if matches!(options.by, By::Node | By::Caller) {
        let calls = input.call_counts();
        for c in calls.cells() {
            let key = match options.by {
                By::Node => crate::throttle::node_of_caller(c.key.caller),
                _ => Some(c.key.caller),
            };
            if key.is_none() {
                continue;
            }
            let acc = rows.entry((bucket(c.key.minute), key)).or_default();
            *acc.ec2_calls.get_or_insert(0) += c.tally.calls as i64;
        }
        if !calls.is_empty() {
            for acc in rows.values_mut() {
                acc.ec2_calls.get_or_insert(0);
            }
        }
    }
    let mut rows: Vec<((i64, Option<&str>), Acc)> = rows.into_iter().collect();
    rows.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    let (keys, rows): (Vec<(i64, Option<&str>)>, Vec<Acc>) = rows.into_iter().unzip();
    let n = rows.len();
    let per_hour = 3600.0 / every as f64;
    let get = |f: &dyn Fn(&Acc) -> i64| rows.iter().map(|a| Some(f(a))).collect::<Vec<_>>();
    let mut lifetimes: Vec<Vec<i64>> = rows.iter().map(|a| a.lifetimes.clone()).collect();
    for l in &mut lifetimes {
        l.sort_unstable();
    }
    let pct = |p: f64| {
        lifetimes
            .iter()
            .map(|l| percentile(l, p))
            .collect::<Vec<_>>()
    };
    TableBuilder::new("churn", n)
        .time(
            "bucket",
            keys.iter().map(|(b, _)| DateTime::from_timestamp(*b, 0)),
        )
        .text(options.by.column(), keys.iter().map(|(_, k)| *k))
        .int("calls", get(&|a| a.calls))
        .float(
            "calls_per_hour",
            rows.iter().map(|a| Some(a.calls as f64 * per_hour)),
        )
        .int("assign_calls", get(&|a| a.assign_calls))
        .int("unassign_calls", get(&|a| a.unassign_calls))
        .int("failed_calls", get(&|a| a.failed_calls))
        .int("addresses_assigned", get(&|a| a.addresses_assigned))
        .int("addresses_released", get(&|a| a.addresses_released))
        .int("prefixes_assigned", get(&|a| a.prefixes_assigned))
        .int("prefixes_released", get(&|a| a.prefixes_released))
        .int("enis_created", get(&|a| a.enis_created))
        .int("enis_attached", get(&|a| a.enis_attached))
        .int("enis_detached", get(&|a| a.enis_detached))
        .int("enis_deleted", get(&|a| a.enis_deleted))
        .int(
            "lifetime_min_s",
            lifetimes.iter().map(|l| l.first().copied()),
        )
        .int("lifetime_p50_s", pct(0.50))
        .int("lifetime_p90_s", pct(0.90))
        .int("lifetime_p99_s", pct(0.99))
        .int("flaps", get(&|a| a.flaps))
        .int("ec2_calls", rows.iter().map(|a| a.ec2_calls))
        .float(
            "ec2_calls_per_hour",
            rows.iter()
                .map(|a| a.ec2_calls.map(|c| c as f64 * per_hour)),
        )
        .build()
}

/// Nearest-rank percentile of sorted values.
fn percentile(sorted: &[i64], p: f64) -> Option<i64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = (p * sorted.len() as f64).ceil() as usize;
    sorted.get(rank.clamp(1, sorted.len()) - 1).copied()
}

#[cfg(test)]
mod tests {
    use super::percentile;

    #[test]
    fn nearest_rank_percentiles() {
        let v: Vec<i64> = (1..=100).collect();
        assert_eq!(percentile(&v, 0.5), Some(50));
        assert_eq!(percentile(&v, 0.9), Some(90));
        assert_eq!(percentile(&v, 0.99), Some(99));
        assert_eq!(percentile(&[7], 0.99), Some(7));
        assert_eq!(percentile(&[], 0.5), None);
    }
}
