//! Subnet exhaustion: how full each subnet was over time and by whom, when it first ran dry,
//! who held it then, how much sat in warm pools, and which of the CNI's levers would help.
//!
//! Held addresses are split by how they were taken: a node's own addresses (RunInstances), the
//! CNI's addresses (its ENIs' primaries and secondaries), the CNI's /28 prefixes (16 each) and
//! everyone else's (load balancers, Lambda, endpoints). Capacity is the CIDR block's size less
//! the 5 addresses AWS reserves, from CreateSubnet records in the input or from the caller.

use crate::table::TableBuilder;
use crate::{ReportError, ReportInput, limits};
use chrono::{DateTime, Duration, Utc};
use cnitrail_core::timeline::{Family, Interval};
use cnitrail_core::{Actor, EniEvent, EventName};
use cnitrail_frames::polars::prelude::DataFrame;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Addresses AWS keeps in every subnet (network, router, DNS, future, broadcast).
pub const RESERVED_PER_SUBNET: u64 = 5;

/// How a held address was taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Holder {
    /// A node's own addresses, from RunInstances.
    Node,
    /// An address on one of the CNI's ENIs (its primary or a secondary).
    Cni,
    /// A /28 prefix delegated to the CNI (16 addresses).
    CniPrefix,
    /// Anyone else.
    Other,
}

impl Holder {
    /// How `iv` was taken; holdings that began before the input are judged by their ENI.
    pub fn of(iv: &Interval, eni_created_by: Option<Actor>) -> Holder {
        if iv.assign_call == Some(EventName::RunInstances) {
            return Holder::Node;
        }
        let actor = iv.actor.or(eni_created_by);
        match (actor, iv.prefix) {
            (Some(Actor::Cni), true) => Holder::CniPrefix,
            (Some(Actor::Cni), false) => Holder::Cni,
            _ => Holder::Other,
        }
    }

    /// Addresses one holding covers.
    pub fn weight(iv: &Interval) -> u64 {
        if !iv.prefix {
            return 1;
        }
        let len = iv
            .address
            .split_once('/')
            .and_then(|(_, l)| l.parse::<u32>().ok())
            .unwrap_or(28);
        1u64 << (32u32.saturating_sub(len)).min(32)
    }
}

/// Options of the exhaustion report.
#[derive(Debug, Clone, Default)]
pub struct ExhaustionOptions {
    /// Only these subnets (empty: all).
    pub subnets: Vec<String>,
    /// Capacity given by the caller: subnet id → CIDR block (wins over CreateSubnet records).
    pub cidrs: HashMap<String, String>,
    /// Usage rows every this long (default one minute).
    pub every: Option<Duration>,
    /// How many holders to list at each exhaustion moment (default 10).
    pub top: Option<usize>,
}

/// The exhaustion report's tables.
#[derive(Debug, Clone)]
pub struct Exhaustion {
    /// Per subnet and time step: addresses held by kind, capacity, free.
    pub usage: DataFrame,
    /// Per subnet: the first exhaustion error, the nodes that hit one, what was held then.
    pub moments: DataFrame,
    /// Per exhausted subnet: the top holders at its first failure.
    pub holders: DataFrame,
    /// Per node with addresses in an exhausted subnet: its warm pool under the default rules.
    pub warm_pools: DataFrame,
    /// The CNI's levers, each with the figure from this input that argues for or against it.
    pub levers: DataFrame,
    /// The moments as values, for the terminal and HTML summaries.
    pub first_failures: Vec<FirstFailure>,
    /// The usage as values, per subnet, for charts.
    pub series: Vec<SubnetUsage>,
}

/// One subnet's usage over time.
#[derive(Debug, Clone, PartialEq)]
pub struct SubnetUsage {
    /// The subnet.
    pub subnet_id: String,
    /// Usable addresses, when known.
    pub capacity: Option<u64>,
    /// Per step (its start): the most held at any second within it (the `usage` table gives
    /// the state at the start instead).
    pub points: Vec<(DateTime<Utc>, HeldCounts)>,
}

/// A subnet's first exhaustion error.
#[derive(Debug, Clone, PartialEq)]
pub struct FirstFailure {
    /// The subnet.
    pub subnet_id: String,
    /// When.
    pub at: DateTime<Utc>,
    /// Its error code (class stripped).
    pub error_code: String,
    /// Its error message.
    pub error_message: Option<String>,
    /// The failing call's event id.
    pub event_id: String,
    /// Exhaustion errors in this subnet over the whole input.
    pub failures: u64,
    /// Nodes that got one.
    pub nodes: Vec<String>,
    /// Addresses held just before the failing call, by kind.
    pub held: HeldCounts,
    /// Usable addresses, when known.
    pub capacity: Option<u64>,
}

/// Addresses held, by kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HeldCounts {
    /// [`Holder::Node`].
    pub node: u64,
    /// [`Holder::Cni`].
    pub cni: u64,
    /// [`Holder::CniPrefix`], 16 per prefix.
    pub cni_prefix: u64,
    /// [`Holder::Other`].
    pub other: u64,
}

impl HeldCounts {
    /// All of them.
    pub fn total(&self) -> u64 {
        self.node + self.cni + self.cni_prefix + self.other
    }

    fn add(&mut self, holder: Holder, n: i64) {
        let slot = match holder {
            Holder::Node => &mut self.node,
            Holder::Cni => &mut self.cni,
            Holder::CniPrefix => &mut self.cni_prefix,
            Holder::Other => &mut self.other,
        };
        *slot = slot.saturating_add_signed(n);
    }
}

/// Whether an event is a subnet-exhaustion error: the two codes, or the newer
/// `InvalidParameterValue` wording (facts §3).
pub fn is_exhaustion_error(e: &EniEvent) -> bool {
    match e.error_code.as_deref() {
        Some("InsufficientFreeAddressesInSubnet" | "InsufficientCidrBlocks") => true,
        Some("InvalidParameterValue") => e
            .error_message
            .as_deref()
            .is_some_and(|m| m.contains("sufficient free Ipv4 addresses or prefixes")),
        _ => false,
    }
}

/// Usable addresses of an IPv4 CIDR block (size less the 5 reserved); `None` if unreadable.
pub fn usable_addresses(cidr: &str) -> Option<u64> {
    let (base, len) = cidr.trim().split_once('/')?;
    base.parse::<std::net::Ipv4Addr>().ok()?;
    let len: u32 = len.parse().ok()?;
    if len > 32 {
        return None;
    }
    Some((1u64 << (32 - len)).saturating_sub(RESERVED_PER_SUBNET))
}

/// Subnet id → CIDR block from the JSON that `aws ec2 describe-subnets` prints
/// (`{"Subnets":[{"SubnetId":…,"CidrBlock":…},…]}`), so that capacity can come from the live
/// account without cnitrail holding EC2 credentials. Entries without both fields are skipped.
pub fn cidrs_from_describe_subnets(json: &str) -> Result<HashMap<String, String>, ReportError> {
    let value: serde_json::Value = serde_json::from_str(json).map_err(|e| {
        ReportError::Invalid(format!("not the JSON of `aws ec2 describe-subnets`: {e}"))
    })?;
    let Some(subnets) = value.get("Subnets").and_then(|s| s.as_array()) else {
        return Err(ReportError::Invalid(
            "no \"Subnets\" array: expected the JSON of `aws ec2 describe-subnets`".into(),
        ));
    };
    Ok(subnets
        .iter()
        .filter_map(|s| {
            let id = s.get("SubnetId")?.as_str()?;
            let cidr = s.get("CidrBlock")?.as_str()?;
            Some((id.to_string(), cidr.to_string()))
        })
        .collect())
}

/// Builds the report.
pub fn exhaustion(
    input: &ReportInput,
    options: &ExhaustionOptions,
) -> Result<Exhaustion, ReportError> {
    let every = options.every.unwrap_or(Duration::minutes(1)).num_seconds();
    if every <= 0 {
        return Err(ReportError::Invalid("the step must be at least 1 s".into()));
    }
    let wanted = |s: &str| options.subnets.is_empty() || options.subnets.iter().any(|w| w == s);
    let capacity = capacities(input, options)?;
    let created_by: HashMap<&str, Option<Actor>> = input
        .timeline
        .enis
        .iter()
        .map(|l| (&*l.eni_id, l.created_by))
        .collect();
    let eni_subnet: HashMap<&str, &str> = input
        .timeline
        .enis
        .iter()
        .filter_map(|l| Some((&*l.eni_id, l.subnet_id.as_deref()?)))
        .collect();
    // IPv4 holdings per subnet, with their kind and weight.
    let mut held: BTreeMap<&str, Vec<(&Interval, Holder, u64)>> = BTreeMap::new();
    for iv in &input.timeline.intervals {
        let Some(subnet) = iv.subnet_id.as_deref() else {
            continue;
        };
        if iv.family != Family::Ipv4 || !wanted(subnet) {
            continue;
        }
        let holder = Holder::of(iv, created_by.get(&*iv.eni_id).copied().flatten());
        held.entry(subnet)
            .or_default()
            .push((iv, holder, Holder::weight(iv)));
    }

    // Usage: the state at the start of each step, after every call of an earlier second.
    let span = input.span();
    let mut usage = UsageColumns::default();
    let mut series: Vec<SubnetUsage> = Vec::new();
    if let Some((first, last)) = span {
        let start = first.timestamp().div_euclid(every) * every;
        let end = last.timestamp().div_euclid(every) * every + every;
        for (subnet, list) in &held {
            let mut deltas: Vec<(i64, Holder, i64)> = Vec::new();
            let mut counts = HeldCounts::default();
            for &(iv, holder, w) in list {
                match iv.assigned_at {
                    Some(a) => deltas.push((a.timestamp(), holder, w as i64)),
                    None => counts.add(holder, w as i64),
                }
                if let Some(r) = iv.released_at {
                    deltas.push((r.timestamp(), holder, -(w as i64)));
                }
            }
            deltas.sort_unstable_by_key(|d| d.0);
            let mut next = 0;
            let cap = capacity.get(*subnet).map(|c| c.1);
            let mut points = Vec::new();
            let mut t = start;
            while t <= end {
                while next < deltas.len() && deltas[next].0 < t {
                    counts.add(deltas[next].1, deltas[next].2);
                    next += 1;
                }
                usage.push(subnet, t, counts, cap);
                // The charts draw the most held at any second of the step, so that a subnet
                // full for a moment, or within a long step, shows full.
                let (mut state, mut peak, mut j) = (counts, counts, next);
                while j < deltas.len() && deltas[j].0 < t + every {
                    let second = deltas[j].0;
                    while j < deltas.len() && deltas[j].0 == second {
                        state.add(deltas[j].1, deltas[j].2);
                        j += 1;
                    }
                    if state.total() > peak.total() {
                        peak = state;
                    }
                }
                if let Some(at) = DateTime::from_timestamp(t, 0) {
                    points.push((at, peak));
                }
                // Change points only: the next step shown is the one after a step with calls
                // (its start state differs), else the step of the next call, else the last
                // step. Rows follow the calls, not the span: one record dated years away
                // adds a row or two, not millions of unchanged minutes.
                t = if j > next || t + every >= end {
                    t + every
                } else {
                    deltas.get(next).map_or(end, |d| {
                        (d.0.div_euclid(every) * every).clamp(t + every, end)
                    })
                };
            }
            series.push(SubnetUsage {
                subnet_id: subnet.to_string(),
                capacity: cap,
                points,
            });
        }
    }

    // First failures per subnet.
    let mut failures: BTreeMap<String, (Vec<&EniEvent>, BTreeSet<String>)> = BTreeMap::new();
    for e in input.events.iter().filter(|e| is_exhaustion_error(e)) {
        let subnet = e.subnet_id.as_deref().or_else(|| {
            e.eni_id
                .as_deref()
                .and_then(|eni| eni_subnet.get(eni).copied())
        });
        let Some(subnet) = subnet.filter(|s| wanted(s)) else {
            continue;
        };
        let entry = failures.entry(subnet.to_string()).or_default();
        entry.0.push(e);
        if let Some(node) = input.node_of(e) {
            entry.1.insert(node.to_string());
        }
    }
    let top = options.top.unwrap_or(10);
    let mut first_failures = Vec::new();
    let mut holder_rows: Vec<(String, DateTime<Utc>, String, HeldCounts)> = Vec::new();
    let mut pool_rows: Vec<PoolRow> = Vec::new();
    for (subnet, (events, nodes)) in &failures {
        let Some(first) = events.first() else {
            continue;
        };
        let at = first.event_time;
        let list = held
            .get(subnet.as_str())
            .map(Vec::as_slice)
            .unwrap_or_default();
        let mut total = HeldCounts::default();
        let mut per_node: HashMap<String, HeldCounts> = HashMap::new();
        for &(iv, holder, w) in list {
            // Held just before the failing call: begun by an earlier second, not yet ended.
            let begun = iv.assigned_at.is_none_or(|a| a < at);
            let not_ended = iv.released_at.is_none_or(|r| r >= at);
            if begun && not_ended {
                total.add(holder, w as i64);
                let who = iv
                    .instance_id
                    .as_deref()
                    .map_or_else(|| format!("(ENI {})", iv.eni_id), str::to_string);
                per_node.entry(who).or_default().add(holder, w as i64);
            }
        }
        let mut ranked: Vec<(String, HeldCounts)> = per_node.into_iter().collect();
        ranked.sort_by(|a, b| b.1.total().cmp(&a.1.total()).then_with(|| a.0.cmp(&b.0)));
        for (node, counts) in ranked.iter().take(top) {
            holder_rows.push((subnet.clone(), at, node.clone(), *counts));
        }
        for (node, counts) in &ranked {
            if node.starts_with("i-") {
                pool_rows.push(PoolRow::new(input, subnet, node, *counts));
            }
        }
        first_failures.push(FirstFailure {
            subnet_id: subnet.clone(),
            at,
            error_code: first.error_code.clone().unwrap_or_default(),
            error_message: first.error_message.clone(),
            event_id: first.event_id.clone(),
            failures: events.len() as u64,
            nodes: nodes.iter().cloned().collect(),
            held: total,
            capacity: capacity.get(subnet.as_str()).map(|c| c.1),
        });
    }
    let peaks = usage.peaks();
    let levers = levers(&first_failures, &pool_rows, &peaks, &capacity);
    Ok(Exhaustion {
        series,
        usage: usage.build()?,
        moments: moments_frame(&first_failures)?,
        holders: holders_frame(&holder_rows)?,
        warm_pools: pools_frame(&pool_rows)?,
        levers: levers_frame(&levers)?,
        first_failures,
    })
}

/// Subnet → (CIDR, usable addresses): the caller's, else the input's CreateSubnet records.
fn capacities(
    input: &ReportInput,
    options: &ExhaustionOptions,
) -> Result<HashMap<String, (String, u64)>, ReportError> {
    let mut out = HashMap::new();
    for e in &input.events {
        if e.event_name != EventName::CreateSubnet || e.error_code.is_some() {
            continue;
        }
        if let (Some(subnet), Some(cidr)) = (&e.subnet_id, &e.cidr_block)
            && let Some(usable) = usable_addresses(cidr)
        {
            out.insert(subnet.clone(), (cidr.clone(), usable));
        }
    }
    for (subnet, cidr) in &options.cidrs {
        let usable = usable_addresses(cidr).ok_or_else(|| {
            ReportError::Invalid(format!("{cidr:?} (for {subnet}) is not an IPv4 CIDR block"))
        })?;
        out.insert(subnet.clone(), (cidr.clone(), usable));
    }
    Ok(out)
}

#[derive(Default)]
struct UsageColumns<'a> {
    subnet: Vec<&'a str>,
    time: Vec<i64>,
    counts: Vec<HeldCounts>,
    capacity: Vec<Option<u64>>,
}

impl<'a> UsageColumns<'a> {
    fn push(&mut self, subnet: &'a str, t: i64, counts: HeldCounts, capacity: Option<u64>) {
        self.subnet.push(subnet);
        self.time.push(t);
        self.counts.push(counts);
        self.capacity.push(capacity);
    }

    /// Highest total held per subnet, and when.
    fn peaks(&self) -> HashMap<&'a str, (u64, i64)> {
        let mut out: HashMap<&str, (u64, i64)> = HashMap::new();
        for ((s, t), c) in self.subnet.iter().zip(&self.time).zip(&self.counts) {
            let e = out.entry(*s).or_insert((0, *t));
            if c.total() > e.0 {
                *e = (c.total(), *t);
            }
        }
        out
    }

    fn build(self) -> Result<DataFrame, ReportError> {
        let n = self.subnet.len();
        let c = &self.counts;
        let int = |f: &dyn Fn(&HeldCounts) -> u64| {
            c.iter().map(|x| Some(f(x) as i64)).collect::<Vec<_>>()
        };
        let free = c
            .iter()
            .zip(&self.capacity)
            .map(|(h, cap)| cap.map(|cap| cap as i64 - h.total() as i64))
            .collect::<Vec<_>>();
        TableBuilder::new("usage", n)
            .text("subnet_id", self.subnet.iter().map(Some))
            .time(
                "time",
                self.time.iter().map(|t| DateTime::from_timestamp(*t, 0)),
            )
            .int("node", int(&|h| h.node))
            .int("cni", int(&|h| h.cni))
            .int("cni_prefix", int(&|h| h.cni_prefix))
            .int("other", int(&|h| h.other))
            .int("held", int(&|h| h.total()))
            .int(
                "capacity",
                self.capacity.iter().map(|c| c.map(|c| c as i64)),
            )
            .int("free", free)
            .build()
    }
}

/// One node's warm pool under the default rules, at a subnet's first failure.
#[derive(Debug, Clone)]
struct PoolRow {
    subnet_id: String,
    node: String,
    instance_type: Option<String>,
    max_enis: Option<u32>,
    ips_per_eni: Option<u32>,
    prefix_delegation: bool,
    held: HeldCounts,
    default_warm: Option<u32>,
}

impl PoolRow {
    fn new(input: &ReportInput, subnet: &str, node: &str, held: HeldCounts) -> Self {
        let instance_type = input
            .events
            .iter()
            .find(|e| {
                e.event_name == EventName::RunInstances
                    && e.instance_id.as_deref() == Some(node)
                    && e.instance_type.is_some()
            })
            .and_then(|e| e.instance_type.clone());
        let limits = instance_type.as_deref().and_then(limits::of);
        let prefix_delegation = held.cni_prefix > 0;
        PoolRow {
            subnet_id: subnet.to_string(),
            node: node.to_string(),
            instance_type,
            max_enis: limits.map(|l| l.max_enis),
            ips_per_eni: limits.map(|l| l.ips_per_eni()),
            prefix_delegation,
            held,
            default_warm: limits.map(|l| l.default_warm_addresses(prefix_delegation)),
        }
    }
}

fn moments_frame(rows: &[FirstFailure]) -> Result<DataFrame, ReportError> {
    TableBuilder::new("moments", rows.len())
        .text("subnet_id", rows.iter().map(|r| Some(r.subnet_id.clone())))
        .time("first_failure_at", rows.iter().map(|r| Some(r.at)))
        .text(
            "error_code",
            rows.iter().map(|r| Some(r.error_code.clone())),
        )
        .text(
            "error_message",
            rows.iter().map(|r| r.error_message.clone()),
        )
        .text("event_id", rows.iter().map(|r| Some(r.event_id.clone())))
        .int("failures", rows.iter().map(|r| Some(r.failures as i64)))
        .list("nodes", rows.iter().map(|r| r.nodes.clone()))
        .int("held", rows.iter().map(|r| Some(r.held.total() as i64)))
        .int("node", rows.iter().map(|r| Some(r.held.node as i64)))
        .int("cni", rows.iter().map(|r| Some(r.held.cni as i64)))
        .int(
            "cni_prefix",
            rows.iter().map(|r| Some(r.held.cni_prefix as i64)),
        )
        .int("other", rows.iter().map(|r| Some(r.held.other as i64)))
        .int(
            "capacity",
            rows.iter().map(|r| r.capacity.map(|c| c as i64)),
        )
        .build()
}

fn holders_frame(
    rows: &[(String, DateTime<Utc>, String, HeldCounts)],
) -> Result<DataFrame, ReportError> {
    TableBuilder::new("holders", rows.len())
        .text("subnet_id", rows.iter().map(|r| Some(r.0.clone())))
        .time("at", rows.iter().map(|r| Some(r.1)))
        .text("holder", rows.iter().map(|r| Some(r.2.clone())))
        .int("held", rows.iter().map(|r| Some(r.3.total() as i64)))
        .int("node", rows.iter().map(|r| Some(r.3.node as i64)))
        .int("cni", rows.iter().map(|r| Some(r.3.cni as i64)))
        .int(
            "cni_prefix",
            rows.iter().map(|r| Some(r.3.cni_prefix as i64)),
        )
        .int("other", rows.iter().map(|r| Some(r.3.other as i64)))
        .build()
}

fn pools_frame(rows: &[PoolRow]) -> Result<DataFrame, ReportError> {
    TableBuilder::new("warm_pools", rows.len())
        .text("subnet_id", rows.iter().map(|r| Some(r.subnet_id.clone())))
        .text("node", rows.iter().map(|r| Some(r.node.clone())))
        .text(
            "instance_type",
            rows.iter().map(|r| r.instance_type.clone()),
        )
        .int("max_enis", rows.iter().map(|r| r.max_enis.map(i64::from)))
        .int(
            "ips_per_eni",
            rows.iter().map(|r| r.ips_per_eni.map(i64::from)),
        )
        .flag(
            "prefix_delegation",
            rows.iter().map(|r| r.prefix_delegation),
        )
        .int(
            "cni_held",
            rows.iter()
                .map(|r| Some((r.held.cni + r.held.cni_prefix) as i64)),
        )
        .int(
            "default_warm",
            rows.iter().map(|r| r.default_warm.map(i64::from)),
        )
        .build()
}

/// One lever and the figure that argues for or against it.
#[derive(Debug, Clone, PartialEq)]
pub struct Lever {
    /// The setting or change.
    pub lever: &'static str,
    /// The figure from this input.
    pub figure: String,
    /// What it suggests.
    pub verdict: String,
}

fn levers(
    failures: &[FirstFailure],
    pools: &[PoolRow],
    peaks: &HashMap<&str, (u64, i64)>,
    capacity: &HashMap<String, (String, u64)>,
) -> Vec<Lever> {
    let mut out = Vec::new();
    for f in failures {
        let nodes: Vec<&PoolRow> = pools
            .iter()
            .filter(|p| p.subnet_id == f.subnet_id)
            .collect();
        let warm: u64 = nodes
            .iter()
            .filter_map(|p| p.default_warm)
            .map(u64::from)
            .sum();
        let cni = f.held.cni + f.held.cni_prefix;
        let share = |n: u64| {
            if f.held.total() == 0 {
                "0 %".to_string()
            } else {
                format!("{:.0} %", 100.0 * n as f64 / f.held.total() as f64)
            }
        };
        let s = &f.subnet_id;
        out.push(Lever {
            lever: "WARM_IP_TARGET / MINIMUM_IP_TARGET",
            figure: format!(
                "{s}: the CNI held {cni} of {} addresses ({}) at {}; the default WARM_ENI_TARGET=1 keeps about {warm} of them idle across {} nodes",
                f.held.total(),
                share(cni),
                f.at.format("%Y-%m-%dT%H:%M:%SZ"),
                nodes.len()
            ),
            verdict: if warm > 0 && cni > 0 {
                format!(
                    "a small WARM_IP_TARGET (with MINIMUM_IP_TARGET for bursts) would return up to {warm} addresses, at the cost of more EC2 calls (see `cnitrail churn`)"
                )
            } else {
                "no idle pool to reclaim from the figures here".to_string()
            },
        });
        let cidr_blocks = f.error_code == "InsufficientCidrBlocks";
        out.push(Lever {
            lever: "prefix delegation (ENABLE_PREFIX_DELEGATION)",
            figure: if cidr_blocks {
                format!("{s}: InsufficientCidrBlocks — no free aligned /28 left, although {} addresses may be free", free_text(f))
            } else {
                format!("{s}: {} nodes, {} addresses held as prefixes", nodes.len(), f.held.cni_prefix)
            },
            verdict: if cidr_blocks {
                "prefixes need contiguous /28s: in a fragmented subnet they make exhaustion worse; reserve a CIDR for prefixes (subnet CIDR reservation) or use a fresh subnet".to_string()
            } else {
                "fewer calls and more pods per ENI; it allocates 16 addresses at a time, so it needs room for whole /28s".to_string()
            },
        });
        out.push(Lever {
            lever: "custom networking with a secondary CIDR",
            figure: format!(
                "{s}: node addresses {} vs pod (CNI) addresses {cni}",
                f.held.node
            ),
            verdict: "moves pod addresses to subnets of a secondary VPC CIDR (100.64.0.0/10 is common), leaving this subnet to nodes".to_string(),
        });
        let (peak, _) = peaks.get(s.as_str()).copied().unwrap_or_default();
        out.push(Lever {
            lever: "larger subnets",
            figure: match capacity.get(s) {
                Some((cidr, usable)) => format!("{s} ({cidr}): {usable} usable addresses, peak {peak} held, {} exhaustion errors", f.failures),
                None => format!("{s}: capacity unknown (give --subnet-cidr), peak {peak} held, {} exhaustion errors", f.failures),
            },
            verdict: match capacity.get(s) {
                Some((_, usable)) if peak >= *usable => format!(
                    "the subnet was full ({peak} of {usable}): demand went beyond it, so the subnet needs more than {usable} usable addresses unless a lever above lowers the demand"
                ),
                Some((_, usable)) => format!(
                    "held peaked at {peak} of {usable} at one-minute steps: the errors came between steps or from fragmentation, not from a full subnet"
                ),
                None => "compare the peak with the subnet's size".to_string(),
            },
        });
    }
    out
}

fn free_text(f: &FirstFailure) -> String {
    match f.capacity {
        Some(c) => c.saturating_sub(f.held.total()).to_string(),
        None => "some".to_string(),
    }
}

fn levers_frame(rows: &[Lever]) -> Result<DataFrame, ReportError> {
    TableBuilder::new("levers", rows.len())
        .text("lever", rows.iter().map(|r| Some(r.lever)))
        .text("figure", rows.iter().map(|r| Some(r.figure.clone())))
        .text("verdict", rows.iter().map(|r| Some(r.verdict.clone())))
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subnets_from_the_aws_cli() {
        let json = r#"{"Subnets":[{"SubnetId":"subnet-0a","CidrBlock":"10.0.3.0/26","AvailableIpAddressCount":12},{"SubnetId":"subnet-v6only","Ipv6Native":true}]}"#;
        let got = cidrs_from_describe_subnets(json).unwrap();
        assert_eq!(got.len(), 1);
        assert_eq!(got["subnet-0a"], "10.0.3.0/26");
        assert!(cidrs_from_describe_subnets("{}").is_err());
        assert!(cidrs_from_describe_subnets("not json").is_err());
    }

    #[test]
    fn capacity_leaves_out_the_reserved_five() {
        assert_eq!(usable_addresses("10.0.3.0/26"), Some(59));
        assert_eq!(usable_addresses("10.0.0.0/16"), Some(65531));
        assert_eq!(usable_addresses("10.0.0.0/33"), None);
        assert_eq!(usable_addresses("nonsense"), None);
    }
}
