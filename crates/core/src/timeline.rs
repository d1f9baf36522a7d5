//! Per-ENI state over time, rebuilt from the events of a scan: which address or prefix each ENI
//! held, from when to when, and the calls that prove it.
//!
//! Events are put in one global order before they are applied: by `eventTime`, then (calls of
//! one second have no known order, facts §7) by call semantics — creation before attachment
//! before assignment, and release before detachment before deletion, the order of
//! [`EventName`] — then by event id, so that the result never depends on file order.
//! Failed calls change no state.
//!
//! | event (successful) | effect |
//! |---|---|
//! | RunInstances | the primary ENI appears attached (device 0), holding its addresses |
//! | CreateNetworkInterface | the ENI appears holding the addresses and prefixes of the response |
//! | AttachNetworkInterface / DetachNetworkInterface | attachment, by id |
//! | ModifyNetworkInterfaceAttribute | delete-on-termination of the attachment |
//! | Assign… / Unassign… | holdings open and close (`unassigned`) |
//! | DeleteNetworkInterface | every holding of the ENI closes (`eni-deleted`) |
//! | TerminateInstances | its delete-on-termination ENIs end (`instance-terminated`); others are detached |
//!
//! A release of something never seen assigned (it was assigned before the input starts) gives
//! an interval with `start_known = false` and no `assigned_at`.

use crate::model::{Actor, EniEvent, EventIdRef, EventName};
use crate::scan::{EventSink, SinkError};
use chrono::{DateTime, Utc};
use rayon::iter::{IntoParallelIterator, ParallelIterator};
use rayon::slice::ParallelSliceMut;
use serde::Serialize;
use std::collections::HashMap as StdHashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::Arc;

/// The hash of rustc's own tables (FxHash): the keys here are small integers and short ids
/// from our own records, not attacker-chosen, and SipHash was most of the apply time.
#[derive(Default, Clone, Copy)]
struct FxHasher(u64);

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.write_u64(u64::from_le_bytes(word));
        }
    }
    fn write_u8(&mut self, i: u8) {
        self.write_u64(u64::from(i));
    }
    fn write_u32(&mut self, i: u32) {
        self.write_u64(u64::from(i));
    }
    fn write_usize(&mut self, i: usize) {
        self.write_u64(i as u64);
    }
    fn write_u64(&mut self, i: u64) {
        self.0 = (self.0.rotate_left(5) ^ i).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

type HashMap<K, V> = StdHashMap<K, V, BuildHasherDefault<FxHasher>>;

/// Address family of a holding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Family {
    /// IPv4 address or prefix.
    Ipv4,
    /// IPv6 address or prefix.
    Ipv6,
}

/// Why a holding ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ReleaseReason {
    /// `UnassignPrivateIpAddresses` / `UnassignIpv6Addresses`.
    Unassigned,
    /// `DeleteNetworkInterface`.
    EniDeleted,
    /// `TerminateInstances` of the instance the ENI was attached to with delete-on-termination.
    InstanceTerminated,
    /// Still held at the end of the input.
    Open,
}

impl ReleaseReason {
    /// The name used in output.
    pub fn as_str(self) -> &'static str {
        match self {
            ReleaseReason::Unassigned => "unassigned",
            ReleaseReason::EniDeleted => "eni-deleted",
            ReleaseReason::InstanceTerminated => "instance-terminated",
            ReleaseReason::Open => "open",
        }
    }
}

/// One address or prefix held by one ENI for one stretch of time.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Interval {
    /// The address (`10.0.3.17`) or prefix (`10.0.4.16/28`).
    pub address: Arc<str>,
    /// IPv4 or IPv6.
    pub family: Family,
    /// True for a delegated prefix.
    pub prefix: bool,
    /// The ENI's primary address (it lives and dies with the ENI).
    pub primary: bool,
    /// The ENI that held it.
    pub eni_id: Arc<str>,
    /// The instance the ENI was attached to when the holding began, else the node the CNI
    /// created the ENI for.
    pub instance_id: Option<Arc<str>>,
    /// The ENI's subnet, when a record named it.
    pub subnet_id: Option<Arc<str>>,
    /// When the holding began; `None` when it began before the input.
    pub assigned_at: Option<DateTime<Utc>>,
    /// When it ended; `None` when still held at the end.
    pub released_at: Option<DateTime<Utc>>,
    /// False when the holding began before the input (first seen in a release).
    pub start_known: bool,
    /// Why it ended.
    pub release_reason: ReleaseReason,
    /// The call that assigned it.
    pub assign_event_id: Option<EventIdRef>,
    /// The call that ended it.
    pub release_event_id: Option<EventIdRef>,
    /// Who assigned it.
    pub actor: Option<Actor>,
    /// The call that assigned it (RunInstances for a node's own addresses).
    pub assign_call: Option<EventName>,
}

impl Interval {
    /// Whether this holding covers `ip` at time `at` (an address inside a prefix counts).
    pub fn holds_at(&self, ip: &str, at: DateTime<Utc>) -> bool {
        let started = self.assigned_at.is_none_or(|a| a <= at);
        let not_ended = self.released_at.is_none_or(|r| at < r);
        started && not_ended && self.covers(ip)
    }

    /// Whether the address or prefix contains `ip`.
    pub fn covers(&self, ip: &str) -> bool {
        if !self.prefix {
            return &*self.address == ip;
        }
        prefix_contains(&self.address, ip)
    }
}

fn prefix_contains(cidr: &str, ip: &str) -> bool {
    let Some((base, len)) = cidr.split_once('/') else {
        return false;
    };
    let Ok(len) = len.parse::<u32>() else {
        return false;
    };
    match (
        base.parse::<std::net::IpAddr>(),
        ip.parse::<std::net::IpAddr>(),
    ) {
        (Ok(std::net::IpAddr::V4(b)), Ok(std::net::IpAddr::V4(a))) if len <= 32 => {
            let mask = if len == 0 { 0 } else { u32::MAX << (32 - len) };
            u32::from(b) & mask == u32::from(a) & mask
        }
        (Ok(std::net::IpAddr::V6(b)), Ok(std::net::IpAddr::V6(a))) if len <= 128 => {
            let mask = if len == 0 {
                0
            } else {
                u128::MAX << (128 - len)
            };
            u128::from(b) & mask == u128::from(a) & mask
        }
        _ => false,
    }
}

/// How an ENI's life ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum EniEnd {
    /// `DeleteNetworkInterface`.
    Deleted,
    /// Deleted with its instance (`TerminateInstances`, delete-on-termination).
    InstanceTerminated,
    /// Still there at the end of the input.
    Open,
}

impl EniEnd {
    /// The name used in output.
    pub fn as_str(self) -> &'static str {
        match self {
            EniEnd::Deleted => "deleted",
            EniEnd::InstanceTerminated => "instance-terminated",
            EniEnd::Open => "open",
        }
    }
}

/// One attachment of an ENI to an instance.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Attachment {
    /// `eni-attach-…`.
    pub attachment_id: Option<Arc<str>>,
    /// The instance.
    pub instance_id: Arc<str>,
    /// Device index, when the record gave it.
    pub device_index: Option<i64>,
    /// When it was attached.
    pub attached_at: DateTime<Utc>,
    /// When it was detached (or its instance terminated); `None` while attached.
    pub detached_at: Option<DateTime<Utc>>,
}

/// One ENI's life as the events show it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EniLife {
    /// The ENI.
    pub eni_id: Arc<str>,
    /// Its subnet, when a record named it.
    pub subnet_id: Option<Arc<str>>,
    /// The instance it was created for (the CNI's tag or description) or launched with.
    pub owner_instance: Option<Arc<str>>,
    /// Creation (CreateNetworkInterface or RunInstances); `None` when it existed before the input.
    pub created_at: Option<DateTime<Utc>>,
    /// The creating call.
    pub created_event_id: Option<EventIdRef>,
    /// Who created it.
    pub created_by: Option<Actor>,
    /// Its attachments, in order.
    pub attachments: Vec<Attachment>,
    /// When it ended; `None` when it outlived the input.
    pub ended_at: Option<DateTime<Utc>>,
    /// How it ended.
    pub end: EniEnd,
    /// The call that ended it.
    pub end_event_id: Option<EventIdRef>,
}

/// Counts of what the timeline did with its events.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct TimelineStats {
    /// Events received.
    pub events: u64,
    /// Failed calls (shown, but they change no state).
    pub failed_calls: u64,
    /// Events about an ENI or attachment never seen before, whose effect is partly unknown.
    pub unknown_targets: u64,
    /// With a reorder window: events that arrived after later events of their account and
    /// region had been applied (applied anyway, out of order; widen the window).
    pub late_beyond_window: u64,
}

/// Interned text: ENI, instance, attachment, subnet ids and addresses are stored once.
#[derive(Debug, Default)]
struct Interner {
    index: HashMap<Arc<str>, u32>,
    /// Canonical IPv4 addresses, the most numerous text, by value: the upper 16 bits choose a
    /// page of 65,536 ids, made on first use. Addresses of a subnet share a page, so a lookup
    /// stays in cache where a hash table of every address (a random probe each) did not.
    ipv4_pages: Vec<Option<Box<[u32]>>>,
    strings: Vec<Arc<str>>,
}

/// No value.
const NONE: u32 = u32::MAX;

impl Interner {
    fn id(&mut self, s: &str) -> u32 {
        if let Some(v) = parse_canonical_ipv4(s) {
            return self.ipv4_id(v, s);
        }
        if let Some(&i) = self.index.get(s) {
            return i;
        }
        let i = self.strings.len() as u32;
        let text: Arc<str> = Arc::from(s);
        self.strings.push(text.clone());
        self.index.insert(text, i);
        i
    }

    fn ipv4_id(&mut self, v: u32, s: &str) -> u32 {
        if self.ipv4_pages.is_empty() {
            self.ipv4_pages.resize_with(1 << 16, || None);
        }
        let page = self.ipv4_pages[(v >> 16) as usize]
            .get_or_insert_with(|| vec![NONE; 1 << 16].into_boxed_slice());
        let slot = &mut page[(v & 0xffff) as usize];
        if *slot == NONE {
            *slot = self.strings.len() as u32;
            self.strings.push(Arc::from(s));
        }
        *slot
    }

    fn opt(&mut self, s: Option<&str>) -> u32 {
        s.map_or(NONE, |s| self.id(s))
    }

    fn text(&self, i: u32) -> Option<Arc<str>> {
        (i != NONE).then(|| self.strings[i as usize].clone())
    }
}

/// The value of a dotted-quad IPv4 address written the one canonical way (no leading zeros),
/// so that equal values are equal text; `None` for anything else, which is interned as text.
fn parse_canonical_ipv4(s: &str) -> Option<u32> {
    let b = s.as_bytes();
    if !(7..=15).contains(&b.len()) {
        return None;
    }
    let mut value = 0u32;
    let mut octets = 0;
    for part in b.split(|&c| c == b'.') {
        let canonical = matches!(part.len(), 1..=3) && (part.len() == 1 || part[0] != b'0');
        if !canonical || octets == 4 {
            return None;
        }
        let mut octet = 0u32;
        for &c in part {
            if !c.is_ascii_digit() {
                return None;
            }
            octet = octet * 10 + u32::from(c - b'0');
        }
        if octet > 255 {
            return None;
        }
        value = value << 8 | octet;
        octets += 1;
    }
    (octets == 4).then_some(value)
}

/// An event id: a UUID as 16 bytes, or interned text for anything else.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum EventId {
    /// High and low halves (two words rather than a `u128`, which would align the event to 16).
    Uuid([u64; 2]),
    Text(u32),
}

/// The part of an [`EniEvent`] the timeline needs, in about 80 bytes instead of a kilobyte:
/// the timeline holds every event until it can order them.
#[derive(Debug, Clone)]
struct Compact {
    /// `eventTime` in seconds since the epoch (CloudTrail's precision).
    time: i64,
    name: EventName,
    failed: bool,
    actor: Actor,
    delete_on_termination: Option<bool>,
    id: EventId,
    eni: u32,
    instance: u32,
    attachment: u32,
    subnet: u32,
    /// The instance named by a node-role session, when the caller is one.
    session_instance: u32,
    /// Device index of an attachment (-1: none).
    device_index: i32,
    /// Range of this event's holdings in [`TimelineBuilder::holdings`] (full-sort mode).
    holdings: (u32, u32),
    /// Account and region: ENIs never cross them, so each is ordered on its own.
    partition: u32,
}

impl Compact {
    /// The order events are applied in. Non-UUID ids come after UUIDs and, in a reorder window,
    /// among themselves in the order they were first seen (the full sort compares their text).
    fn key(&self) -> (i64, EventName, EventId) {
        (self.time, self.name, self.id)
    }
}

/// One account and region's reorder window: events waiting, sorted in batches (input is
/// nearly in order, which the adaptive stable sort handles in about linear time).
#[derive(Default)]
struct Partition {
    /// Events waiting; their `holdings` ranges index `arena`.
    waiting: Vec<Compact>,
    arena: Vec<Holding>,
    newest: i64,
    oldest: i64,
    applied: Option<i64>,
}

/// One address or prefix named by an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct Holding {
    address: u32,
    family: Family,
    prefix: bool,
    primary: bool,
}

/// Collects events (as an [`EventSink`]) and builds the timeline at [`TimelineBuilder::finish`].
///
/// It holds the events until then, since CloudTrail delivers them out of order, in a compact
/// form: interned ids and addresses, 16-byte event ids.
#[derive(Default)]
pub struct TimelineBuilder {
    strings: Interner,
    events: Vec<Compact>,
    holdings: Vec<Holding>,
    /// `Some`: apply events as soon as they are this many seconds older than the newest event
    /// of their account and region, instead of holding all of them until the end.
    window: Option<i64>,
    partitions: HashMap<u32, Partition>,
    last_partition: Option<(Option<String>, Option<String>, u32)>,
    state: State,
}

impl std::fmt::Debug for TimelineBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TimelineBuilder")
            .field("events", &self.events.len())
            .field("window", &self.window)
            .finish_non_exhaustive()
    }
}

impl EventSink for TimelineBuilder {
    fn event(&mut self, e: EniEvent) -> Result<(), SinkError> {
        self.push(&e);
        Ok(())
    }
}

/// The rebuilt holdings.
#[derive(Debug, Clone, Default)]
pub struct Timeline {
    /// Every holding, ordered by start (unknown starts first), then address, then ENI.
    pub intervals: Vec<Interval>,
    /// Every ENI seen, ordered by ENI id.
    pub enis: Vec<EniLife>,
    /// What happened to the events.
    pub stats: TimelineStats,
}

impl TimelineBuilder {
    /// A builder that holds every event until [`TimelineBuilder::finish`] and orders them all:
    /// exact whatever the delivery delays, memory growing with the ENI events.
    pub fn new() -> Self {
        Self::default()
    }

    /// A builder that applies each event once it is `seconds` older than the newest event of
    /// its account and region, so that memory grows with ENIs and intervals only. CloudTrail
    /// delivers within minutes as a rule; an event later than the window is still applied, out
    /// of order, and counted in [`TimelineStats::late_beyond_window`].
    pub fn with_reorder_window(seconds: i64) -> Self {
        TimelineBuilder {
            window: Some(seconds.max(0)),
            ..Self::default()
        }
    }

    /// Adds one event.
    pub fn push(&mut self, e: &EniEvent) {
        let s = &mut self.strings;
        let start = self.holdings.len() as u32;
        // Nearly every event has the account and region of the one before: remember it rather
        // than building and hashing the key each time.
        let partition = match &self.last_partition {
            Some((a, r, id)) if *a == e.account && *r == e.region => *id,
            _ => {
                let id = match (&e.account, &e.region) {
                    (None, None) => NONE,
                    (a, r) => s.id(&format!(
                        "{}/{}",
                        a.as_deref().unwrap_or(""),
                        r.as_deref().unwrap_or("")
                    )),
                };
                self.last_partition = Some((e.account.clone(), e.region.clone(), id));
                id
            }
        };
        let lists = [
            (&e.private_ips, Family::Ipv4, false),
            (&e.ipv4_prefixes, Family::Ipv4, true),
            (&e.ipv6_addresses, Family::Ipv6, false),
            (&e.ipv6_prefixes, Family::Ipv6, true),
        ];
        for (list, family, prefix) in lists {
            for a in list {
                self.holdings.push(Holding {
                    address: s.id(a),
                    family,
                    prefix,
                    primary: !prefix && e.primary_ip.as_ref() == Some(a),
                });
            }
        }
        let id = match crate::model::parse_uuid(&e.event_id) {
            Some(u) => EventId::Uuid([(u >> 64) as u64, u as u64]),
            None => EventId::Text(s.id(&e.event_id)),
        };
        let session_instance = e
            .session_name
            .as_deref()
            .filter(|n| crate::extract::actor::is_instance_id(n));
        self.events.push(Compact {
            time: e.event_time.timestamp(),
            name: e.event_name,
            failed: e.error_code.is_some(),
            actor: e.actor,
            delete_on_termination: e.delete_on_termination,
            id,
            eni: s.opt(e.eni_id.as_deref()),
            instance: s.opt(e.instance_id.as_deref()),
            attachment: s.opt(e.attachment_id.as_deref()),
            subnet: s.opt(e.subnet_id.as_deref()),
            session_instance: s.opt(session_instance),
            device_index: e
                .device_index
                .and_then(|d| i32::try_from(d).ok())
                .unwrap_or(-1),
            holdings: (start, self.holdings.len() as u32),
            partition,
        });
        if let Some(window) = self.window {
            self.admit(window);
        }
    }

    /// Moves the event just pushed into its partition's window, and applies what has become
    /// old enough.
    fn admit(&mut self, window: i64) {
        let Some(mut event) = self.events.pop() else {
            return;
        };
        let p = self.partitions.entry(event.partition).or_default();
        let start = p.arena.len() as u32;
        p.arena
            .extend(self.holdings.drain(event.holdings.0 as usize..));
        event.holdings = (start, p.arena.len() as u32);
        if p.applied.is_some_and(|a| event.time < a) {
            self.state.stats.late_beyond_window += 1;
        }
        if p.waiting.is_empty() {
            p.oldest = event.time;
            p.newest = event.time;
        }
        p.oldest = p.oldest.min(event.time);
        p.newest = p.newest.max(event.time);
        p.waiting.push(event);
        // Flush when the batch spans two windows: everything older than the newest event minus
        // the window is final.
        if p.newest - p.oldest > 2 * window {
            p.waiting.sort_by_key(Compact::key);
            let cut = p.newest - window;
            let ready = p.waiting.partition_point(|w| w.time < cut);
            for w in &p.waiting[..ready] {
                p.applied = Some(w.time);
                self.state
                    .apply(w, &p.arena[w.holdings.0 as usize..w.holdings.1 as usize]);
            }
            p.waiting.drain(..ready);
            // Keep only the holdings of the events still waiting.
            let mut arena = Vec::with_capacity(p.arena.len() / 2 + 16);
            for w in &mut p.waiting {
                let start = arena.len() as u32;
                arena.extend_from_slice(&p.arena[w.holdings.0 as usize..w.holdings.1 as usize]);
                w.holdings = (start, arena.len() as u32);
            }
            p.arena = arena;
            p.oldest = p.waiting.first().map_or(p.newest, |w| w.time);
        }
    }

    /// Orders the events and applies them.
    pub fn finish(mut self) -> Timeline {
        // Ties on time and call are broken by event id, so the result never depends on the
        // order the files were read in.
        let strings = &self.strings;
        let id_ref = |id: EventId| match id {
            EventId::Uuid([hi, lo]) => EventIdRef::uuid(u128::from(hi) << 64 | u128::from(lo)),
            EventId::Text(t) => EventIdRef::text(strings.strings[t as usize].clone()),
        };
        // Most ids are UUIDs and compare as numbers; the rare others by their text, after them.
        self.events.par_sort_unstable_by(|a, b| {
            (a.time, a.name)
                .cmp(&(b.time, b.name))
                .then_with(|| match (a.id, b.id) {
                    (EventId::Uuid(x), EventId::Uuid(y)) => x.cmp(&y),
                    (EventId::Uuid(_), EventId::Text(_)) => std::cmp::Ordering::Less,
                    (EventId::Text(_), EventId::Uuid(_)) => std::cmp::Ordering::Greater,
                    (EventId::Text(x), EventId::Text(y)) => {
                        strings.strings[x as usize].cmp(&strings.strings[y as usize])
                    }
                })
        });
        let mut state = std::mem::take(&mut self.state);
        for e in &self.events {
            state.apply(
                e,
                &self.holdings[e.holdings.0 as usize..e.holdings.1 as usize],
            );
        }
        // What is still waiting in reorder windows; partitions share no ENI, so their order
        // among themselves does not matter.
        for (_, mut p) in std::mem::take(&mut self.partitions) {
            p.waiting.sort_by_key(Compact::key);
            for w in &p.waiting {
                state.apply(w, &p.arena[w.holdings.0 as usize..w.holdings.1 as usize]);
            }
        }
        // Output order: start (unknown first), then address and ENI as text. Ranking the
        // interned strings once lets the sort compare integers, not strings.
        let mut by_text: Vec<u32> = (0..strings.strings.len() as u32).collect();
        by_text.sort_unstable_by(|&a, &b| {
            strings.strings[a as usize].cmp(&strings.strings[b as usize])
        });
        let mut rank = vec![0u32; by_text.len()];
        for (r, &i) in by_text.iter().enumerate() {
            rank[i as usize] = r as u32;
        }
        let mut lives = std::mem::take(&mut state.lives);
        for (eni, s) in std::mem::take(&mut state.enis) {
            lives.push(RawLife {
                eni,
                subnet: s.subnet,
                owner: s.owner,
                created_at: s.created_at,
                created_event: s.created_event,
                created_by: s.created_by,
                attachments: s.attachments,
                ended_at: None,
                end: EniEnd::Open,
                end_event: None,
            });
        }
        lives.sort_unstable_by_key(|l| (rank[l.eni as usize], l.created_at));
        let mut raw = state.intervals;
        raw.par_sort_unstable_by_key(|r| {
            (
                r.assigned_at,
                rank[r.holding.address as usize],
                rank[r.eni as usize],
                r.released_at,
            )
        });
        let time = |t: Option<i64>| t.and_then(|t| DateTime::from_timestamp(t, 0));
        let intervals: Vec<Interval> = raw
            .into_par_iter()
            .map(|r| Interval {
                address: strings.strings[r.holding.address as usize].clone(),
                family: r.holding.family,
                prefix: r.holding.prefix,
                primary: r.holding.primary,
                eni_id: strings.strings[r.eni as usize].clone(),
                instance_id: strings.text(r.instance),
                subnet_id: strings.text(r.subnet),
                assigned_at: time(r.assigned_at),
                released_at: time(r.released_at),
                start_known: r.assigned_at.is_some(),
                release_reason: r.reason,
                assign_event_id: r.assign_event.map(id_ref),
                release_event_id: r.release_event.map(id_ref),
                actor: r.actor,
                assign_call: r.assign_call,
            })
            .collect();
        let enis = lives
            .into_iter()
            .map(|l| EniLife {
                eni_id: strings.strings[l.eni as usize].clone(),
                subnet_id: strings.text(l.subnet),
                owner_instance: strings.text(l.owner),
                created_at: time(l.created_at),
                created_event_id: l.created_event.map(id_ref),
                created_by: l.created_by,
                attachments: l
                    .attachments
                    .into_iter()
                    .filter_map(|a| {
                        Some(Attachment {
                            attachment_id: strings.text(a.attachment),
                            instance_id: strings.text(a.instance)?,
                            device_index: (a.device_index >= 0)
                                .then_some(i64::from(a.device_index)),
                            attached_at: DateTime::from_timestamp(a.attached_at, 0)?,
                            detached_at: time(a.detached_at),
                        })
                    })
                    .collect(),
                ended_at: time(l.ended_at),
                end: l.end,
                end_event_id: l.end_event.map(id_ref),
            })
            .collect();
        Timeline {
            intervals,
            enis,
            stats: state.stats,
        }
    }
}

/// A holding while the timeline is built (text stays interned until the end).
struct Raw {
    holding: Holding,
    eni: u32,
    instance: u32,
    subnet: u32,
    assigned_at: Option<i64>,
    released_at: Option<i64>,
    reason: ReleaseReason,
    assign_event: Option<EventId>,
    release_event: Option<EventId>,
    actor: Option<Actor>,
    assign_call: Option<EventName>,
}

#[derive(Debug)]
struct EniState {
    subnet: u32,
    owner: u32,
    attached_to: u32,
    delete_on_termination: bool,
    created_at: Option<i64>,
    created_event: Option<EventId>,
    created_by: Option<Actor>,
    attachments: Vec<RawAttachment>,
    /// Open holdings → index into the intervals.
    open: HashMap<(u32, bool), usize>,
}

impl Default for EniState {
    fn default() -> Self {
        EniState {
            subnet: NONE,
            owner: NONE,
            attached_to: NONE,
            delete_on_termination: false,
            created_at: None,
            created_event: None,
            created_by: None,
            attachments: Vec::new(),
            open: HashMap::default(),
        }
    }
}

/// An attachment while the timeline is built.
#[derive(Debug, Clone)]
struct RawAttachment {
    attachment: u32,
    instance: u32,
    device_index: i32,
    attached_at: i64,
    detached_at: Option<i64>,
}

/// An ENI's life while the timeline is built.
struct RawLife {
    eni: u32,
    subnet: u32,
    owner: u32,
    created_at: Option<i64>,
    created_event: Option<EventId>,
    created_by: Option<Actor>,
    attachments: Vec<RawAttachment>,
    ended_at: Option<i64>,
    end: EniEnd,
    end_event: Option<EventId>,
}

fn or(a: u32, b: u32) -> u32 {
    if a != NONE { a } else { b }
}

#[derive(Default)]
struct State {
    enis: HashMap<u32, EniState>,
    attachments: HashMap<u32, u32>,
    instance_enis: HashMap<u32, Vec<u32>>,
    intervals: Vec<Raw>,
    lives: Vec<RawLife>,
    stats: TimelineStats,
}

impl State {
    fn apply(&mut self, e: &Compact, holdings: &[Holding]) {
        self.stats.events += 1;
        if e.failed {
            self.stats.failed_calls += 1;
            return;
        }
        match e.name {
            // Subnets are the reports' business: no ENI changes.
            EventName::CreateSubnet => {}
            EventName::RunInstances | EventName::CreateNetworkInterface => {
                self.created(e, holdings)
            }
            EventName::AttachNetworkInterface => match e.eni {
                NONE => self.stats.unknown_targets += 1,
                eni => self.attach(eni, e),
            },
            EventName::ModifyNetworkInterfaceAttribute => {
                if let (Some(eni), Some(dot)) = (self.eni_of(e), e.delete_on_termination) {
                    self.enis.entry(eni).or_default().delete_on_termination = dot;
                }
            }
            EventName::CreateTags => {
                if e.eni != NONE && e.instance != NONE {
                    let s = self.enis.entry(e.eni).or_default();
                    s.owner = or(s.owner, e.instance);
                }
            }
            EventName::AssignPrivateIpAddresses | EventName::AssignIpv6Addresses => {
                if e.eni != NONE {
                    for h in holdings {
                        self.open(e.eni, *h, e);
                    }
                }
            }
            EventName::UnassignPrivateIpAddresses | EventName::UnassignIpv6Addresses => {
                if e.eni != NONE {
                    for h in holdings {
                        self.close(e.eni, *h, e, ReleaseReason::Unassigned);
                    }
                }
            }
            EventName::DetachNetworkInterface => match self.eni_of(e) {
                Some(eni) => self.detach(eni, e.time),
                None => self.stats.unknown_targets += 1,
            },
            EventName::DeleteNetworkInterface => {
                if e.eni != NONE {
                    self.end_eni(e.eni, e, ReleaseReason::EniDeleted);
                }
            }
            EventName::TerminateInstances => {
                if e.instance == NONE {
                    return;
                }
                for eni in self.instance_enis.remove(&e.instance).unwrap_or_default() {
                    let dot = self.enis.get(&eni).is_some_and(|s| s.delete_on_termination);
                    if dot {
                        self.end_eni(eni, e, ReleaseReason::InstanceTerminated);
                    } else {
                        self.detach(eni, e.time);
                    }
                }
            }
        }
    }

    /// The ENI an event names, directly or through its attachment id.
    fn eni_of(&self, e: &Compact) -> Option<u32> {
        if e.eni != NONE {
            return Some(e.eni);
        }
        self.attachments.get(&e.attachment).copied()
    }

    fn created(&mut self, e: &Compact, holdings: &[Holding]) {
        if e.eni == NONE {
            return;
        }
        {
            let s = self.enis.entry(e.eni).or_default();
            s.subnet = or(e.subnet, s.subnet);
            if e.name == EventName::CreateNetworkInterface {
                s.owner = or(e.instance, s.owner);
            } else {
                s.owner = or(s.owner, e.instance);
            }
            s.created_at = Some(e.time);
            s.created_event = Some(e.id);
            s.created_by = Some(e.actor);
        }
        if e.name == EventName::RunInstances {
            // The primary ENI arrives attached to its instance.
            self.attach(e.eni, e);
        }
        for h in holdings {
            self.open(e.eni, *h, e);
        }
    }

    fn attach(&mut self, eni: u32, e: &Compact) {
        if e.instance == NONE {
            return;
        }
        let s = self.enis.entry(eni).or_default();
        s.attached_to = e.instance;
        s.delete_on_termination = e.delete_on_termination.unwrap_or(false);
        s.attachments.push(RawAttachment {
            attachment: e.attachment,
            instance: e.instance,
            device_index: e.device_index,
            attached_at: e.time,
            detached_at: None,
        });
        if e.attachment != NONE {
            self.attachments.insert(e.attachment, eni);
        }
        let list = self.instance_enis.entry(e.instance).or_default();
        if !list.contains(&eni) {
            list.push(eni);
        }
    }

    fn detach(&mut self, eni: u32, time: i64) {
        let Some(s) = self.enis.get_mut(&eni) else {
            return;
        };
        if let Some(a) = s.attachments.last_mut().filter(|a| a.detached_at.is_none()) {
            a.detached_at = Some(time);
        }
        let instance = std::mem::replace(&mut s.attached_to, NONE);
        s.delete_on_termination = false;
        if let Some(list) = self.instance_enis.get_mut(&instance) {
            list.retain(|x| *x != eni);
        }
    }

    /// The node of a holding that begins now: the ENI's attachment, else its owner, else (IRSA
    /// callers name no node) a node-role session named after its instance.
    fn node(s: &EniState, e: &Compact) -> u32 {
        or(or(s.attached_to, s.owner), e.session_instance)
    }

    fn open(&mut self, eni: u32, h: Holding, e: &Compact) {
        let s = self.enis.entry(eni).or_default();
        let key = (h.address, h.prefix);
        if s.open.contains_key(&key) {
            return; // already held: a repeated report of the same holding
        }
        s.open.insert(key, self.intervals.len());
        self.intervals.push(Raw {
            holding: h,
            eni,
            instance: Self::node(s, e),
            subnet: s.subnet,
            assigned_at: Some(e.time),
            released_at: None,
            reason: ReleaseReason::Open,
            assign_event: Some(e.id),
            release_event: None,
            actor: Some(e.actor),
            assign_call: Some(e.name),
        });
    }

    fn close(&mut self, eni: u32, h: Holding, e: &Compact, reason: ReleaseReason) {
        let s = self.enis.entry(eni).or_default();
        match s.open.remove(&(h.address, h.prefix)) {
            Some(i) => {
                let r = &mut self.intervals[i];
                r.released_at = Some(e.time);
                r.reason = reason;
                r.release_event = Some(e.id);
            }
            None => {
                // Assigned before the input: the release is the first sight of the holding.
                let (instance, subnet) = (or(s.attached_to, s.owner), s.subnet);
                self.intervals.push(Raw {
                    holding: h,
                    eni,
                    instance,
                    subnet,
                    assigned_at: None,
                    released_at: Some(e.time),
                    reason,
                    assign_event: None,
                    release_event: Some(e.id),
                    actor: None,
                    assign_call: None,
                });
            }
        }
    }

    /// Every holding of the ENI ends, and the ENI is gone.
    fn end_eni(&mut self, eni: u32, e: &Compact, reason: ReleaseReason) {
        self.detach(eni, e.time);
        let Some(s) = self.enis.remove(&eni) else {
            self.stats.unknown_targets += 1;
            return;
        };
        self.lives.push(RawLife {
            eni,
            subnet: s.subnet,
            owner: s.owner,
            created_at: s.created_at,
            created_event: s.created_event,
            created_by: s.created_by,
            attachments: s.attachments,
            ended_at: Some(e.time),
            end: if reason == ReleaseReason::InstanceTerminated {
                EniEnd::InstanceTerminated
            } else {
                EniEnd::Deleted
            },
            end_event: Some(e.id),
        });
        for i in s.open.into_values() {
            let r = &mut self.intervals[i];
            r.released_at = Some(e.time);
            r.reason = reason;
            r.release_event = Some(e.id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_canonical_ipv4_text_takes_the_numeric_path() {
        assert_eq!(parse_canonical_ipv4("10.0.3.17"), Some(0x0a00_0311));
        assert_eq!(parse_canonical_ipv4("0.0.0.0"), Some(0));
        assert_eq!(parse_canonical_ipv4("255.255.255.255"), Some(u32::MAX));
        for other in [
            "10.0.3.017",
            "10.0.3",
            "10.0.3.17.1",
            "10.0.3.256",
            "10.0.3.",
            "10..3.17",
            "10.0.4.16/28",
            "2a05::1",
            "+10.0.3.1",
        ] {
            assert_eq!(parse_canonical_ipv4(other), None, "{other}");
        }
        // Text that differs only in form stays apart, as the records wrote it.
        let mut strings = Interner::default();
        let a = strings.id("10.0.3.17");
        assert_eq!(strings.id("10.0.3.17"), a);
        let b = strings.id("10.0.3.017");
        assert_ne!(a, b);
        assert_eq!(strings.text(b).as_deref(), Some("10.0.3.017"));
        assert_eq!(strings.id("10.1.3.17"), b + 1);
    }

    #[test]
    fn prefixes_contain_their_addresses() {
        assert!(prefix_contains("10.0.4.16/28", "10.0.4.31"));
        assert!(!prefix_contains("10.0.4.16/28", "10.0.4.32"));
        assert!(prefix_contains(
            "2a05:d018:1:2:3::/80",
            "2a05:d018:1:2:3:0:0:9"
        ));
        assert!(!prefix_contains("10.0.4.16/28", "2a05::1"));
        assert!(!prefix_contains("garbage", "10.0.0.1"));
    }
}
