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

use crate::model::{Actor, EniEvent, EventName};
use crate::scan::{EventSink, SinkError};
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::HashMap;

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
    pub address: String,
    /// IPv4 or IPv6.
    pub family: Family,
    /// True for a delegated prefix.
    pub prefix: bool,
    /// The ENI that held it.
    pub eni_id: String,
    /// The instance the ENI was attached to when the holding began, else the node the CNI
    /// created the ENI for.
    pub instance_id: Option<String>,
    /// The ENI's subnet, when a record named it.
    pub subnet_id: Option<String>,
    /// When the holding began; `None` when it began before the input.
    pub assigned_at: Option<DateTime<Utc>>,
    /// When it ended; `None` when still held at the end.
    pub released_at: Option<DateTime<Utc>>,
    /// False when the holding began before the input (first seen in a release).
    pub start_known: bool,
    /// Why it ended.
    pub release_reason: ReleaseReason,
    /// The call that assigned it.
    pub assign_event_id: Option<String>,
    /// The call that ended it.
    pub release_event_id: Option<String>,
    /// Who assigned it.
    pub actor: Option<Actor>,
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
            return self.address == ip;
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

/// Counts of what the timeline did with its events.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct TimelineStats {
    /// Events received.
    pub events: u64,
    /// Failed calls (shown, but they change no state).
    pub failed_calls: u64,
    /// Events about an ENI or attachment never seen before, whose effect is partly unknown.
    pub unknown_targets: u64,
}

#[derive(Debug, Default)]
struct EniState {
    subnet_id: Option<String>,
    owner: Option<String>,
    attached_to: Option<String>,
    attachment_id: Option<String>,
    delete_on_termination: bool,
    /// Open holdings: (address, prefix) → index into the intervals.
    open: HashMap<(String, bool), usize>,
}

/// Collects events (as an [`EventSink`]) and builds the timeline at [`TimelineBuilder::finish`].
///
/// It holds the events of the scan until then, since CloudTrail delivers them out of order;
/// they are a small part of a trail.
#[derive(Debug, Default)]
pub struct TimelineBuilder {
    events: Vec<EniEvent>,
}

impl EventSink for TimelineBuilder {
    fn event(&mut self, event: EniEvent) -> Result<(), SinkError> {
        self.events.push(event);
        Ok(())
    }
}

/// The rebuilt holdings.
#[derive(Debug, Clone, Default)]
pub struct Timeline {
    /// Every holding, ordered by start (unknown starts first), then address, then ENI.
    pub intervals: Vec<Interval>,
    /// What happened to the events.
    pub stats: TimelineStats,
}

impl TimelineBuilder {
    /// A builder with no events.
    pub fn new() -> Self {
        Self::default()
    }

    /// Orders the events and applies them.
    pub fn finish(mut self) -> Timeline {
        self.events.sort_by(|a, b| {
            (a.event_time, a.event_name, &a.event_id).cmp(&(
                b.event_time,
                b.event_name,
                &b.event_id,
            ))
        });
        let mut state = State::default();
        for e in &self.events {
            state.apply(e);
        }
        let mut intervals = state.intervals;
        intervals.sort_by(|a, b| {
            (a.assigned_at, &a.address, &a.eni_id).cmp(&(b.assigned_at, &b.address, &b.eni_id))
        });
        Timeline {
            intervals,
            stats: state.stats,
        }
    }
}

#[derive(Default)]
struct State {
    enis: HashMap<String, EniState>,
    attachments: HashMap<String, String>,
    instance_enis: HashMap<String, Vec<String>>,
    intervals: Vec<Interval>,
    stats: TimelineStats,
}

impl State {
    fn apply(&mut self, e: &EniEvent) {
        self.stats.events += 1;
        if e.error_code.is_some() {
            self.stats.failed_calls += 1;
            return;
        }
        match e.event_name {
            EventName::RunInstances | EventName::CreateNetworkInterface => self.created(e),
            EventName::AttachNetworkInterface => self.attached(e),
            EventName::ModifyNetworkInterfaceAttribute => {
                if let (Some(eni), Some(dot)) = (self.eni_of(e), e.delete_on_termination) {
                    self.enis.entry(eni).or_default().delete_on_termination = dot;
                }
            }
            EventName::CreateTags => {
                if let (Some(eni), Some(instance)) = (&e.eni_id, &e.instance_id) {
                    let s = self.enis.entry(eni.clone()).or_default();
                    s.owner.get_or_insert_with(|| instance.clone());
                }
            }
            EventName::AssignPrivateIpAddresses | EventName::AssignIpv6Addresses => {
                let Some(eni) = e.eni_id.clone() else { return };
                for (address, family, prefix) in holdings(e) {
                    self.open(&eni, address, family, prefix, e);
                }
            }
            EventName::UnassignPrivateIpAddresses | EventName::UnassignIpv6Addresses => {
                let Some(eni) = e.eni_id.clone() else { return };
                for (address, family, prefix) in holdings(e) {
                    self.close(&eni, address, family, prefix, e, ReleaseReason::Unassigned);
                }
            }
            EventName::DetachNetworkInterface => match self.eni_of(e) {
                Some(eni) => self.detach(&eni),
                None => self.stats.unknown_targets += 1,
            },
            EventName::DeleteNetworkInterface => {
                if let Some(eni) = &e.eni_id {
                    self.end_eni(eni, e, ReleaseReason::EniDeleted);
                }
            }
            EventName::TerminateInstances => {
                let Some(instance) = &e.instance_id else {
                    return;
                };
                for eni in self.instance_enis.remove(instance).unwrap_or_default() {
                    let dot = self.enis.get(&eni).is_some_and(|s| s.delete_on_termination);
                    if dot {
                        self.end_eni(&eni, e, ReleaseReason::InstanceTerminated);
                    } else {
                        self.detach(&eni);
                    }
                }
            }
        }
    }

    /// The ENI an event names, directly or through its attachment id.
    fn eni_of(&self, e: &EniEvent) -> Option<String> {
        e.eni_id.clone().or_else(|| {
            e.attachment_id
                .as_ref()
                .and_then(|a| self.attachments.get(a).cloned())
        })
    }

    fn created(&mut self, e: &EniEvent) {
        let Some(eni) = e.eni_id.clone() else { return };
        {
            let s = self.enis.entry(eni.clone()).or_default();
            s.subnet_id = e.subnet_id.clone().or(s.subnet_id.take());
            if e.event_name == EventName::CreateNetworkInterface {
                s.owner = e.instance_id.clone().or(s.owner.take());
            }
        }
        if e.event_name == EventName::RunInstances {
            // The primary ENI arrives attached to its instance.
            self.attach(&eni, e);
        }
        for (address, family, prefix) in holdings(e) {
            self.open(&eni, address, family, prefix, e);
        }
    }

    fn attached(&mut self, e: &EniEvent) {
        match &e.eni_id {
            Some(eni) => {
                let eni = eni.clone();
                self.attach(&eni, e);
            }
            None => self.stats.unknown_targets += 1,
        }
    }

    fn attach(&mut self, eni: &str, e: &EniEvent) {
        let Some(instance) = e.instance_id.clone() else {
            return;
        };
        let s = self.enis.entry(eni.to_string()).or_default();
        s.attached_to = Some(instance.clone());
        s.attachment_id = e.attachment_id.clone();
        s.delete_on_termination = e.delete_on_termination.unwrap_or(false);
        if let Some(a) = &e.attachment_id {
            self.attachments.insert(a.clone(), eni.to_string());
        }
        let list = self.instance_enis.entry(instance).or_default();
        if !list.iter().any(|x| x == eni) {
            list.push(eni.to_string());
        }
    }

    fn detach(&mut self, eni: &str) {
        let Some(s) = self.enis.get_mut(eni) else {
            return;
        };
        if let Some(instance) = s.attached_to.take()
            && let Some(list) = self.instance_enis.get_mut(&instance)
        {
            list.retain(|x| x != eni);
        }
        s.attachment_id = None;
        s.delete_on_termination = false;
    }

    fn open(&mut self, eni: &str, address: String, family: Family, prefix: bool, e: &EniEvent) {
        let s = self.enis.entry(eni.to_string()).or_default();
        let key = (address.clone(), prefix);
        if s.open.contains_key(&key) {
            return; // already held: a repeated report of the same holding
        }
        let interval = Interval {
            address,
            family,
            prefix,
            eni_id: eni.to_string(),
            // With IRSA the caller names no node, so the ENI's attachment or owner comes first;
            // a node-role session is named after its instance.
            instance_id: s
                .attached_to
                .clone()
                .or_else(|| s.owner.clone())
                .or_else(|| {
                    e.session_name
                        .clone()
                        .filter(|n| crate::extract::actor::is_instance_id(n))
                }),
            subnet_id: s.subnet_id.clone(),
            assigned_at: Some(e.event_time),
            released_at: None,
            start_known: true,
            release_reason: ReleaseReason::Open,
            assign_event_id: Some(e.event_id.clone()),
            release_event_id: None,
            actor: Some(e.actor),
        };
        s.open.insert(key, self.intervals.len());
        self.intervals.push(interval);
    }

    fn close(
        &mut self,
        eni: &str,
        address: String,
        family: Family,
        prefix: bool,
        e: &EniEvent,
        reason: ReleaseReason,
    ) {
        let s = self.enis.entry(eni.to_string()).or_default();
        match s.open.remove(&(address.clone(), prefix)) {
            Some(i) => {
                let iv = &mut self.intervals[i];
                iv.released_at = Some(e.event_time);
                iv.release_reason = reason;
                iv.release_event_id = Some(e.event_id.clone());
            }
            None => self.intervals.push(Interval {
                address,
                family,
                prefix,
                eni_id: eni.to_string(),
                instance_id: s.attached_to.clone().or_else(|| s.owner.clone()),
                subnet_id: s.subnet_id.clone(),
                assigned_at: None,
                released_at: Some(e.event_time),
                start_known: false,
                release_reason: reason,
                assign_event_id: None,
                release_event_id: Some(e.event_id.clone()),
                actor: None,
            }),
        }
    }

    /// Every holding of the ENI ends, and the ENI is gone.
    fn end_eni(&mut self, eni: &str, e: &EniEvent, reason: ReleaseReason) {
        self.detach(eni);
        let Some(s) = self.enis.remove(eni) else {
            self.stats.unknown_targets += 1;
            return;
        };
        let mut open: Vec<usize> = s.open.into_values().collect();
        open.sort_unstable();
        for i in open {
            let iv = &mut self.intervals[i];
            iv.released_at = Some(e.event_time);
            iv.release_reason = reason;
            iv.release_event_id = Some(e.event_id.clone());
        }
    }
}

/// The addresses and prefixes an event names, with their family.
fn holdings(e: &EniEvent) -> Vec<(String, Family, bool)> {
    let mut out = Vec::new();
    out.extend(
        e.private_ips
            .iter()
            .map(|a| (a.clone(), Family::Ipv4, false)),
    );
    out.extend(
        e.ipv4_prefixes
            .iter()
            .map(|a| (a.clone(), Family::Ipv4, true)),
    );
    out.extend(
        e.ipv6_addresses
            .iter()
            .map(|a| (a.clone(), Family::Ipv6, false)),
    );
    out.extend(
        e.ipv6_prefixes
            .iter()
            .map(|a| (a.clone(), Family::Ipv6, true)),
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

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
