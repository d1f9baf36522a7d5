//! Throttling: EC2's `RequestLimitExceeded` over time per API; bursts (runs of throttled
//! minutes) with their peak; each caller's (and node's) share; retry storms (the same request
//! repeated); and ipamd's count=N-then-count=1 retry after a failed bulk assign.
//!
//! EC2 throttles per account and API, whoever calls, so the per-minute table shows every caller
//! of the API in the throttled minutes. That needs the scan's count of every EC2 call
//! ([`cnitrail_core::calls`], `ScanOptions::count_calls`) in [`ReportInput::calls`]; without
//! it the tables fall back to the ENI calls the scan kept, and say so in their `source` column.

use crate::table::TableBuilder;
use crate::{ReportError, ReportInput};
use chrono::{DateTime, Duration, Utc};
use cnitrail_core::calls::{CallListing, minute_start};
use cnitrail_core::{Actor, EniEvent, EventName};
use cnitrail_frames::polars::prelude::DataFrame;
use rayon::prelude::*;
use std::borrow::Cow;
use std::collections::{BTreeMap, HashSet};
use std::hash::BuildHasher;

/// Options of the throttle report.
#[derive(Debug, Clone, Copy)]
pub struct ThrottleOptions {
    /// Identical requests closer than this to the previous one belong to one storm.
    pub storm_gap: Duration,
    /// Fewest repetitions that make a storm.
    pub storm_min: usize,
    /// How soon after a failed bulk assign the count=1 retry must come (ipamd retries at once).
    pub retry_window: Duration,
}

impl Default for ThrottleOptions {
    fn default() -> Self {
        ThrottleOptions {
            storm_gap: Duration::seconds(60),
            storm_min: 3,
            retry_window: Duration::seconds(5),
        }
    }
}

/// The throttle report's tables.
#[derive(Debug, Clone)]
pub struct Throttle {
    /// Per minute, account, region and API with at least one throttled call: everyone's calls.
    pub minutes: DataFrame,
    /// Runs of consecutive throttled minutes per account, region and API.
    pub bursts: DataFrame,
    /// Per caller: calls, throttled calls, shares.
    pub shares: DataFrame,
    /// The same request repeated in quick succession.
    pub storms: DataFrame,
    /// Failed bulk assigns followed by a count=1 retry on the same ENI.
    pub retries: DataFrame,
    /// Throttled calls per API and minute, for charts.
    pub series: BTreeMap<String, Vec<(DateTime<Utc>, u64)>>,
    /// The bursts as values.
    pub burst_list: Vec<Burst>,
}

/// A run of consecutive throttled minutes of one API.
#[derive(Debug, Clone, PartialEq)]
pub struct Burst {
    /// Account.
    pub account: Option<String>,
    /// Region.
    pub region: Option<String>,
    /// API.
    pub api: String,
    /// First throttled minute.
    pub start: DateTime<Utc>,
    /// End of the last throttled minute.
    pub end: DateTime<Utc>,
    /// Throttled calls.
    pub throttled: u64,
    /// All calls of the API in those minutes.
    pub calls: u64,
    /// Most throttled calls in one minute.
    pub peak: u64,
    /// That minute.
    pub peak_at: DateTime<Utc>,
    /// Callers with most calls in the run, with their calls.
    pub top_callers: Vec<(String, u64)>,
}

/// Where the per-minute figures came from: the scan's count of every EC2 call.
pub(crate) const ALL_CALLS: &str = "all-ec2-calls";

/// Where the per-minute figures came from.
fn source(input: &ReportInput) -> &'static str {
    if input.call_counts().is_empty() {
        "eni-calls"
    } else {
        ALL_CALLS
    }
}

/// (minute, account, region, API), the minute counted since the epoch and the names by their
/// ranks in the listing (which compare as the names do).
type Cell = (i64, u32, u32, u32);

#[derive(Default)]
struct MinuteAcc {
    calls: u64,
    throttled: u64,
    cni_calls: u64,
    /// (caller's rank, calls, throttled), in caller order.
    by_caller: Vec<(u32, (u64, u64))>,
}

/// One caller's calls over the input.
#[derive(Clone, Copy)]
struct Share {
    actor: Actor,
    calls: u64,
    throttled: u64,
    /// Its calls in the (minute, API) cells that had a throttled call.
    in_throttled_minutes: u64,
}

/// The node a caller names: the session of a node-role ARN, when it is an instance id.
pub fn node_of_caller(caller: &str) -> Option<&str> {
    let session = caller.rsplit('/').next()?;
    (caller.contains(":assumed-role/") && cnitrail_core::extract::actor::is_instance_id(session))
        .then_some(session)
}

/// Builds the report.
pub fn throttle(input: &ReportInput, options: &ThrottleOptions) -> Result<Throttle, ReportError> {
    // The per-minute tables read the call counts, the storms and retries the events: the two
    // halves share nothing, so they run on both cores.
    let (calls, (storms, retries)) = match input.call_tables.get() {
        // Built beside the ordering of the events (`Collector::finish_with_calls`).
        Some(tables) => (
            Ok(tables.clone()),
            rayon::join(|| storms(input, options), || retries(input, options)),
        ),
        None => rayon::join(
            || call_tables(input),
            || (storms(input, options), retries(input, options)),
        ),
    };
    let calls = calls?;
    Ok(Throttle {
        minutes: calls.minutes,
        bursts: calls.bursts,
        shares: calls.shares,
        storms: storms?,
        retries: retries?,
        series: calls.series,
        burst_list: calls.burst_list,
    })
}

/// The tables built from the call counts alone.
#[derive(Debug, Clone)]
pub(crate) struct CallTables {
    minutes: DataFrame,
    bursts: DataFrame,
    shares: DataFrame,
    series: BTreeMap<String, Vec<(DateTime<Utc>, u64)>>,
    burst_list: Vec<Burst>,
}

fn call_tables(input: &ReportInput) -> Result<CallTables, ReportError> {
    call_tables_of(&input.calls_or_events().listing(), source(input))
}

/// [`CallTables`] from a listing of the call counts; `source` names where they came from.
pub(crate) fn call_tables_of(
    listing: &CallListing<'_>,
    source: &'static str,
) -> Result<CallTables, ReportError> {
    // The listing is sorted by minute, account, region, API and caller, with names as ranks:
    // grouping runs of equal keys compares integers (a map over every row, then comparing
    // names, was most of this report's time).
    let name = |rank: u32| listing.name(rank);
    let mut cells: Vec<(Cell, MinuteAcc)> = Vec::new();
    for r in listing.cells() {
        let cell: Cell = (r.minute, r.account, r.region, r.api);
        if cells.last().is_none_or(|(c, _)| *c != cell) {
            cells.push((cell, MinuteAcc::default()));
        }
        let Some((_, acc)) = cells.last_mut() else {
            continue;
        };
        let t = r.tally;
        acc.calls += t.calls;
        acc.throttled += t.throttled;
        if r.actor == Actor::Cni {
            acc.cni_calls += t.calls;
        }
        match acc.by_caller.last_mut() {
            Some((caller, (calls, throttled))) if *caller == r.caller => {
                *calls += t.calls;
                *throttled += t.throttled;
            }
            _ => acc.by_caller.push((r.caller, (t.calls, t.throttled))),
        }
    }
    let throttled_cells: Vec<(&Cell, &MinuteAcc)> = cells
        .iter()
        .filter(|(_, a)| a.throttled > 0)
        .map(|(c, a)| (c, a))
        .collect();

    // Bursts: consecutive throttled minutes per account, region and API.
    // (account, region, API) ranks.
    type RunKey = (u32, u32, u32);
    let mut runs: BTreeMap<RunKey, Vec<(&Cell, &MinuteAcc)>> = BTreeMap::new();
    for (cell, acc) in &throttled_cells {
        runs.entry((cell.1, cell.2, cell.3))
            .or_default()
            .push((cell, acc));
    }
    let mut bursts = Vec::new();
    for ((account, region, api), minutes) in &runs {
        let mut i = 0;
        while i < minutes.len() {
            let mut j = i + 1;
            while j < minutes.len() && minutes[j].0.0 - minutes[j - 1].0.0 == 1 {
                j += 1;
            }
            let run = &minutes[i..j];
            let mut callers: BTreeMap<u32, u64> = BTreeMap::new();
            for (_, acc) in run {
                for &(caller, (calls, _)) in &acc.by_caller {
                    *callers.entry(caller).or_default() += calls;
                }
            }
            // Most calls first, then by name (ranks compare as names do).
            let mut top: Vec<(u32, u64)> = callers.into_iter().collect();
            top.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            top.truncate(3);
            let top: Vec<(String, u64)> = top
                .into_iter()
                .map(|(c, n)| (name(c).unwrap_or_default().to_string(), n))
                .collect();
            let (peak_cell, peak_acc) = run
                .iter()
                .max_by(|a, b| a.1.throttled.cmp(&b.1.throttled).then(b.0.0.cmp(&a.0.0)))
                .copied()
                .unwrap_or(run[0]);
            bursts.push(Burst {
                account: name(*account).map(str::to_string),
                region: name(*region).map(str::to_string),
                api: name(*api).unwrap_or_default().to_string(),
                start: minute_start(run[0].0.0),
                end: minute_start(run[run.len() - 1].0.0) + Duration::minutes(1),
                throttled: run.iter().map(|(_, a)| a.throttled).sum(),
                calls: run.iter().map(|(_, a)| a.calls).sum(),
                peak: peak_acc.throttled,
                peak_at: minute_start(peak_cell.0),
                top_callers: top,
            });
            i = j;
        }
    }
    bursts.sort_by(|a, b| (a.start, &a.api).cmp(&(b.start, &b.api)));

    // Shares per caller, over the whole input and within throttled minutes; by rank, so a
    // list rather than a map of caller names.
    let mut total_throttled = 0;
    let mut shares: Vec<Option<Share>> = vec![None; listing.max_rank() as usize + 1];
    for r in listing.cells() {
        total_throttled += r.tally.throttled;
        let Some(slot) = shares.get_mut(r.caller as usize) else {
            continue;
        };
        let s = slot.get_or_insert(Share {
            actor: r.actor,
            calls: 0,
            throttled: 0,
            in_throttled_minutes: 0,
        });
        if r.actor == Actor::Cni {
            s.actor = Actor::Cni;
        }
        s.calls += r.tally.calls;
        s.throttled += r.tally.throttled;
    }
    let in_throttled: u64 = throttled_cells.iter().map(|(_, a)| a.calls).sum();
    for (_, acc) in &throttled_cells {
        for &(caller, (calls, _)) in &acc.by_caller {
            if let Some(Some(s)) = shares.get_mut(caller as usize) {
                s.in_throttled_minutes += calls;
            }
        }
    }
    let mut share_rows: Vec<(&str, Share)> = shares
        .iter()
        .enumerate()
        .filter_map(|(rank, s)| Some((name(rank as u32).unwrap_or_default(), (*s)?)))
        .collect();
    // Ties by name: the list is in rank order already, and the sort is stable.
    share_rows.sort_by(|(_, a), (_, b)| {
        (b.throttled, b.in_throttled_minutes, b.calls).cmp(&(
            a.throttled,
            a.in_throttled_minutes,
            a.calls,
        ))
    });

    let mut series: BTreeMap<String, Vec<(DateTime<Utc>, u64)>> = BTreeMap::new();
    for (cell, acc) in &throttled_cells {
        let list = series
            .entry(name(cell.3).unwrap_or_default().to_string())
            .or_default();
        let minute = minute_start(cell.0);
        match list.last_mut() {
            Some((t, n)) if *t == minute => *n += acc.throttled,
            _ => list.push((minute, acc.throttled)),
        }
    }
    for list in series.values_mut() {
        list.sort();
    }

    let pct = |n: u64, of: u64| (of > 0).then(|| 100.0 * n as f64 / of as f64);
    let minutes = TableBuilder::new("minutes", throttled_cells.len())
        .time(
            "minute",
            throttled_cells.iter().map(|(c, _)| Some(minute_start(c.0))),
        )
        .text("account", throttled_cells.iter().map(|(c, _)| name(c.1)))
        .text("region", throttled_cells.iter().map(|(c, _)| name(c.2)))
        .text("api", throttled_cells.iter().map(|(c, _)| name(c.3)))
        .int(
            "calls",
            throttled_cells.iter().map(|(_, a)| Some(a.calls as i64)),
        )
        .int(
            "throttled",
            throttled_cells
                .iter()
                .map(|(_, a)| Some(a.throttled as i64)),
        )
        .int(
            "cni_calls",
            throttled_cells
                .iter()
                .map(|(_, a)| Some(a.cni_calls as i64)),
        )
        .int(
            "other_calls",
            throttled_cells
                .iter()
                .map(|(_, a)| Some((a.calls - a.cni_calls) as i64)),
        )
        .int(
            "callers",
            throttled_cells
                .iter()
                .map(|(_, a)| Some(a.by_caller.len() as i64)),
        )
        .text(
            "top_caller",
            throttled_cells.iter().map(|(_, a)| {
                a.by_caller
                    .iter()
                    .max_by(|x, y| x.1.0.cmp(&y.1.0).then(y.0.cmp(&x.0)))
                    .map(|(c, (n, _))| format!("{} ({n})", name(*c).unwrap_or_default()))
            }),
        )
        .text("source", throttled_cells.iter().map(|_| Some(source)))
        .build()?;
    let bursts_df = TableBuilder::new("bursts", bursts.len())
        .text("account", bursts.iter().map(|b| b.account.clone()))
        .text("region", bursts.iter().map(|b| b.region.clone()))
        .text("api", bursts.iter().map(|b| Some(b.api.clone())))
        .time("start", bursts.iter().map(|b| Some(b.start)))
        .time("end", bursts.iter().map(|b| Some(b.end)))
        .int(
            "minutes",
            bursts.iter().map(|b| Some((b.end - b.start).num_minutes())),
        )
        .int("throttled", bursts.iter().map(|b| Some(b.throttled as i64)))
        .int("calls", bursts.iter().map(|b| Some(b.calls as i64)))
        .int(
            "peak_per_minute",
            bursts.iter().map(|b| Some(b.peak as i64)),
        )
        .time("peak_at", bursts.iter().map(|b| Some(b.peak_at)))
        .list(
            "top_callers",
            bursts.iter().map(|b| {
                b.top_callers
                    .iter()
                    .map(|(c, n)| format!("{c} ({n})"))
                    .collect::<Vec<_>>()
            }),
        )
        .build()?;
    let shares_df = TableBuilder::new("shares", share_rows.len())
        .text("caller", share_rows.iter().map(|(c, _)| Some(*c)))
        .text("node", share_rows.iter().map(|(c, _)| node_of_caller(c)))
        .text(
            "actor",
            share_rows.iter().map(|(_, s)| Some(s.actor.as_str())),
        )
        .int(
            "calls",
            share_rows.iter().map(|(_, s)| Some(s.calls as i64)),
        )
        .int(
            "throttled",
            share_rows.iter().map(|(_, s)| Some(s.throttled as i64)),
        )
        .float(
            "throttled_share_pct",
            share_rows
                .iter()
                .map(|(_, s)| pct(s.throttled, total_throttled)),
        )
        .int(
            "calls_in_throttled_minutes",
            share_rows
                .iter()
                .map(|(_, s)| Some(s.in_throttled_minutes as i64)),
        )
        .float(
            "share_of_calls_in_throttled_minutes_pct",
            share_rows
                .iter()
                .map(|(_, s)| pct(s.in_throttled_minutes, in_throttled)),
        )
        .build()?;
    Ok(CallTables {
        minutes,
        bursts: bursts_df,
        shares: shares_df,
        series,
        burst_list: bursts,
    })
}

/// What makes two requests "the same": caller, call, ENI, and what was asked for (the
/// addresses named, for a failed call, since its response names none).
type Fingerprint<'a> = (
    Option<&'a str>,
    EventName,
    Option<&'a str>,
    [Option<i64>; 4],
    &'a [String],
    &'a [String],
);

fn fingerprint(e: &EniEvent) -> Fingerprint<'_> {
    let named: &[String] = if e.error_code.is_some() {
        &e.private_ips
    } else {
        &[]
    };
    (
        e.caller_arn.as_deref(),
        e.event_name,
        e.eni_id.as_deref(),
        [
            e.requested_ipv4_count,
            e.requested_ipv4_prefix_count,
            e.requested_ipv6_count,
            e.requested_ipv6_prefix_count,
        ],
        named,
        &e.ipv4_prefixes,
    )
}

/// The parts of a [`Fingerprint`] that are cheap to hash: equal fingerprints have equal parts.
fn coarse_fingerprint(e: &EniEvent) -> (EventName, Option<&str>, [Option<i64>; 4]) {
    let f = fingerprint(e);
    (f.1, f.2, f.3)
}

fn storms(input: &ReportInput, options: &ThrottleOptions) -> Result<DataFrame, ReportError> {
    // Most requests are never repeated. Sorting one 64-bit hash per event finds the few that
    // are far sooner than a map keyed by the fingerprints' strings (the map was most of this
    // report's time after the scan). The hash covers the short fields only (hashing caller
    // ARNs was half the rest) and only groups: fingerprints are compared in full.
    let hasher = crate::RecordTextHasher::default();
    let events: Vec<&EniEvent> = input
        .events
        .iter()
        .filter(|e| e.event_name != EventName::CreateSubnet)
        .collect();
    let mut keyed: Vec<(u64, usize)> = events
        .par_iter()
        .enumerate()
        .map(|(i, e)| (hasher.hash_one(coarse_fingerprint(e)), i))
        .collect();
    // Within one hash the indices ascend, so each group stays in time order.
    keyed.par_sort_unstable();
    // Groups share nothing: they are searched on all cores.
    let groups: Vec<&[(u64, usize)]> = keyed
        .chunk_by(|a, b| a.0 == b.0)
        .filter(|g| g.len() >= options.storm_min)
        .collect();
    let mut found: Vec<Vec<&EniEvent>> = groups
        .par_iter()
        .flat_map_iter(|same_hash| {
            let same: Vec<&EniEvent> = same_hash.iter().map(|&(_, i)| events[i]).collect();
            storms_among(&same, options)
        })
        .collect();
    found.sort_by(|a, b| (a[0].event_time, &a[0].event_id).cmp(&(b[0].event_time, &b[0].event_id)));
    // The lists of event ids are half the table's time: built on the other core.
    let (columns, event_ids) = rayon::join(
        || storm_columns(input, &found),
        || {
            TableBuilder::new("storms", found.len()).list(
                "event_ids",
                found.iter().map(|r| r.iter().map(|e| e.event_id.as_str())),
            )
        },
    );
    columns.append(event_ids).build()
}

/// The storms table's columns but the event ids.
fn storm_columns(input: &ReportInput, found: &[Vec<&EniEvent>]) -> TableBuilder {
    TableBuilder::new("storms", found.len())
        .text("caller", found.iter().map(|r| r[0].caller_arn.clone()))
        .text("node", found.iter().map(|r| input.node_of(r[0])))
        .text("api", found.iter().map(|r| Some(r[0].event_name.as_str())))
        .text("eni_id", found.iter().map(|r| r[0].eni_id.clone()))
        .time("first", found.iter().map(|r| Some(r[0].event_time)))
        .time("last", found.iter().map(|r| r.last().map(|e| e.event_time)))
        .int("attempts", found.iter().map(|r| Some(r.len() as i64)))
        .int(
            "throttled",
            found.iter().map(|r| {
                Some(
                    r.iter()
                        .filter(|e| e.error_code.as_deref() == Some("RequestLimitExceeded"))
                        .count() as i64,
                )
            }),
        )
        .int(
            "failed",
            found
                .iter()
                .map(|r| Some(r.iter().filter(|e| e.error_code.is_some()).count() as i64)),
        )
}

/// The storms among calls of one coarse fingerprint, in time order.
fn storms_among<'a>(same: &[&'a EniEvent], options: &ThrottleOptions) -> Vec<Vec<&'a EniEvent>> {
    // Where these calls lie further apart than the storm gap, the requests of any one
    // fingerprint among them do too: no storm spans such a cut. Cutting there first, on the
    // times alone, leaves many calls in pieces too short for a storm, never compared in full.
    same.chunk_by(|a, b| b.event_time - a.event_time <= options.storm_gap)
        .filter(|near| near.len() >= options.storm_min)
        .flat_map(|near| storms_in(near, options))
        .collect()
}

/// [`storms_among`] within calls no further apart than the storm gap.
fn storms_in<'a>(same: &[&'a EniEvent], options: &ThrottleOptions) -> Vec<Vec<&'a EniEvent>> {
    let mut found = Vec::new();
    // One ENI's calls can come from many callers (IRSA sessions are renamed at every
    // refresh): sort by the whole fingerprint, stably so that each group stays in time
    // order. (Hashing whole fingerprints instead was slower: the time goes to reaching the
    // events, scattered in memory, not to comparing them.)
    let first = fingerprint(same[0]);
    // Mostly one caller (a node role's session): then there is nothing to sort, or to copy.
    let mut same = Cow::Borrowed(same);
    if !same.iter().all(|e| fingerprint(e) == first) {
        same.to_mut()
            .sort_by(|a, b| fingerprint(a).cmp(&fingerprint(b)));
    }
    for group in same.chunk_by(|a, b| fingerprint(a) == fingerprint(b)) {
        if group.len() < options.storm_min {
            continue;
        }
        // Cut where the gap exceeds the storm gap.
        let mut run: Vec<&EniEvent> = Vec::new();
        for &e in group {
            if run
                .last()
                .is_some_and(|l| e.event_time - l.event_time > options.storm_gap)
            {
                if run.len() >= options.storm_min {
                    found.push(std::mem::take(&mut run));
                }
                run.clear();
            }
            run.push(e);
        }
        if run.len() >= options.storm_min {
            found.push(run);
        }
    }
    found
}

/// A failed bulk assign that ipamd follows with count=1. A throttled call is retried by the
/// SDK with the same count (one record per attempt), not by ipamd with count 1 (facts §5).
fn may_be_retried(e: &EniEvent) -> bool {
    let bulk = e.requested_ipv4_count.is_some_and(|n| n > 1)
        || e.requested_ipv4_prefix_count.is_some_and(|n| n > 1);
    let throttled = e.error_code.as_deref() == Some("RequestLimitExceeded");
    e.error_code.is_some() && !throttled && bulk
}

/// ipamd's fallback after a failed bulk assign: the same ENI asked for one address.
fn retries(input: &ReportInput, options: &ThrottleOptions) -> Result<DataFrame, ReportError> {
    let assigns: Vec<&EniEvent> = input
        .events
        .iter()
        .filter(|e| e.event_name == EventName::AssignPrivateIpAddresses && e.eni_id.is_some())
        .collect();
    // Only the ENIs with a failed bulk assign are searched: few, where every ENI's list of
    // assigns was most of this table's time.
    let retried: HashSet<&str, crate::RecordTextHasher> = assigns
        .iter()
        .filter(|e| may_be_retried(e))
        .filter_map(|e| e.eni_id.as_deref())
        .collect();
    let mut by_eni: BTreeMap<&str, Vec<&EniEvent>> = BTreeMap::new();
    for e in &assigns {
        if let Some(eni) = e.eni_id.as_deref().filter(|eni| retried.contains(eni)) {
            by_eni.entry(eni).or_default().push(e);
        }
    }
    let mut pairs: Vec<(&EniEvent, &EniEvent)> = Vec::new();
    for list in by_eni.values() {
        for (i, failed) in list.iter().enumerate() {
            if !may_be_retried(failed) {
                continue;
            }
            // Calls of one second have no order (facts §7): the retry may sort before it.
            // The list is in time order: the candidates start at the failed call's second.
            let from = list.partition_point(|r| r.event_time < failed.event_time);
            let retry = list[from..]
                .iter()
                .enumerate()
                .take_while(|(_, r)| r.event_time - failed.event_time <= options.retry_window)
                .filter(|(j, _)| from + j != i)
                .map(|(_, r)| r)
                .find(|r| {
                    r.caller_arn == failed.caller_arn
                        && (r.requested_ipv4_count == Some(1)
                            || r.requested_ipv4_prefix_count == Some(1))
                });
            if let Some(r) = retry {
                pairs.push((failed, r));
            }
        }
    }
    pairs.sort_by(|a, b| (a.0.event_time, &a.0.event_id).cmp(&(b.0.event_time, &b.0.event_id)));
    TableBuilder::new("retries", pairs.len())
        .text("node", pairs.iter().map(|(f, _)| input.node_of(f)))
        .text("eni_id", pairs.iter().map(|(f, _)| f.eni_id.clone()))
        .time("failed_at", pairs.iter().map(|(f, _)| Some(f.event_time)))
        .int(
            "requested",
            pairs
                .iter()
                .map(|(f, _)| f.requested_ipv4_count.or(f.requested_ipv4_prefix_count)),
        )
        .text(
            "error_code",
            pairs.iter().map(|(f, _)| f.error_code.clone()),
        )
        .time("retry_at", pairs.iter().map(|(_, r)| Some(r.event_time)))
        .flag(
            "retry_ok",
            pairs.iter().map(|(_, r)| r.error_code.is_none()),
        )
        .text(
            "retry_error_code",
            pairs.iter().map(|(_, r)| r.error_code.clone()),
        )
        .text(
            "failed_event_id",
            pairs.iter().map(|(f, _)| Some(f.event_id.clone())),
        )
        .text(
            "retry_event_id",
            pairs.iter().map(|(_, r)| Some(r.event_id.clone())),
        )
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use cnitrail_core::extract::{Extracted, Origin, extract_record};
    use cnitrail_core::timeline::Timeline;

    /// Storms as the definition says, by brute force: for each event, the later events with
    /// the same fingerprint; a storm is a maximal run whose neighbours are within the gap.
    fn storms_by_definition(events: &[EniEvent], o: &ThrottleOptions) -> Vec<(String, usize)> {
        let mut done = vec![false; events.len()];
        let mut found = Vec::new();
        for i in 0..events.len() {
            if done[i] || events[i].event_name == EventName::CreateSubnet {
                continue;
            }
            let same: Vec<usize> = (i..events.len())
                .filter(|&j| fingerprint(&events[j]) == fingerprint(&events[i]))
                .collect();
            let mut run: Vec<usize> = Vec::new();
            for j in same {
                done[j] = true;
                if run
                    .last()
                    .is_some_and(|&l| events[j].event_time - events[l].event_time > o.storm_gap)
                {
                    if run.len() >= o.storm_min {
                        found.push((events[run[0]].event_id.clone(), run.len()));
                    }
                    run.clear();
                }
                run.push(j);
            }
            if run.len() >= o.storm_min {
                found.push((events[run[0]].event_id.clone(), run.len()));
            }
        }
        found.sort_by(|a, b| {
            let t = |id: &str| events.iter().find(|e| e.event_id == id).unwrap().event_time;
            (t(&a.0), &a.0).cmp(&(t(&b.0), &b.0))
        });
        found
    }

    #[test]
    fn storms_match_their_definition_with_many_callers_per_eni() {
        let t0 = Utc.with_ymd_and_hms(2026, 11, 22, 14, 0, 0).unwrap();
        let mut state = 0x2545_F491_4F6C_DD1Du64;
        let mut rand = move |n: u64| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state % n
        };
        let mut events: Vec<EniEvent> = (0..3000)
            .map(|i| {
                let failed = rand(3) == 0;
                let name =
                    ["AssignPrivateIpAddresses", "UnassignPrivateIpAddresses"][rand(2) as usize];
                let mut record = serde_json::json!({
                    "eventTime": (t0 + Duration::seconds(rand(3600) as i64)).to_rfc3339(),
                    "eventSource": "ec2.amazonaws.com",
                    "eventName": name,
                    "eventID": format!("00000000-0000-4000-8000-{i:012}"),
                    // IRSA sessions renamed at every refresh: many callers on one ENI.
                    "userIdentity": {"type": "AssumedRole",
                        "arn": format!("arn:aws:sts::111122223333:assumed-role/cni/s-{}", rand(4))},
                    "requestParameters": {
                        "networkInterfaceId": format!("eni-{}", rand(3)),
                        "secondaryPrivateIpAddressCount": 1 + rand(2),
                    },
                    "responseElements": null,
                });
                if failed {
                    record["errorCode"] = "InsufficientFreeAddressesInSubnet".into();
                }
                let origin = Origin {
                    file: "test".into(),
                    index: i,
                };
                match extract_record(&record, &origin) {
                    Extracted::Kept(k) => k.events[0].clone(),
                    other => panic!("{other:?}"),
                }
            })
            .collect();
        events.sort_by(|a, b| (a.event_time, &a.event_id).cmp(&(b.event_time, &b.event_id)));
        let input = ReportInput::new(events, Timeline::default());
        let options = ThrottleOptions {
            storm_gap: Duration::seconds(90),
            ..ThrottleOptions::default()
        };
        let want = storms_by_definition(&input.events, &options);
        let df = storms(&input, &options).unwrap();
        let ids = df.column("event_ids").unwrap().list().unwrap();
        let got: Vec<(String, usize)> = (0..ids.len())
            .map(|i| {
                let l = ids.get_as_series(i).unwrap();
                let l = l.str().unwrap();
                (l.get(0).unwrap().to_string(), l.len())
            })
            .collect();
        assert!(want.len() > 20, "a test with storms in it: {}", want.len());
        assert_eq!(got, want);
    }
}
