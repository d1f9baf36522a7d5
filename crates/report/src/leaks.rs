//! Leaked ENIs: the CNI's ENIs that were never attached, or were detached and never deleted,
//! within a grace period. They hold their addresses (and count against the node's and the
//! account's ENI limits) until someone deletes them; ipamd's own cleanup runs hourly and skips
//! ENIs younger than 5 minutes (facts §5).

use crate::table::TableBuilder;
use crate::{ReportError, ReportInput};
use chrono::{DateTime, Duration, Utc};
use cnitrail_core::Actor;
use cnitrail_frames::polars::prelude::DataFrame;

/// Why an ENI counts as leaked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LeakKind {
    /// Created and never attached.
    NeverAttached,
    /// Detached and not deleted.
    DetachedNotDeleted,
}

impl LeakKind {
    /// The name used in output.
    pub fn as_str(self) -> &'static str {
        match self {
            LeakKind::NeverAttached => "never-attached",
            LeakKind::DetachedNotDeleted => "detached-not-deleted",
        }
    }
}

/// One leaked ENI.
#[derive(Debug, Clone, PartialEq)]
pub struct Leak {
    /// The ENI.
    pub eni_id: String,
    /// Its subnet.
    pub subnet_id: Option<String>,
    /// The node the CNI made it for.
    pub node: Option<String>,
    /// Why it counts.
    pub kind: LeakKind,
    /// When it was created (`None`: before the input).
    pub created_at: Option<DateTime<Utc>>,
    /// When it was detached (for [`LeakKind::DetachedNotDeleted`]).
    pub detached_at: Option<DateTime<Utc>>,
    /// Since when it has been idle: creation or detachment.
    pub idle_since: DateTime<Utc>,
    /// When it was finally deleted, if it was (after the grace period).
    pub deleted_at: Option<DateTime<Utc>>,
    /// How long it sat idle: until deletion, else until the end of the input.
    pub idle_for: Duration,
    /// The addresses and prefixes it held while idle.
    pub addresses: Vec<String>,
    /// The call that created it.
    pub created_event_id: Option<String>,
    /// The call that deleted it, if one did.
    pub deleted_event_id: Option<String>,
}

/// ENIs created by the CNI and idle longer than `grace` (`None` if the input is empty). An ENI
/// whose grace period reaches past the end of the input is not reported: nothing says yet
/// whether it would have been deleted.
pub fn find_leaks(input: &ReportInput, grace: Duration) -> Vec<Leak> {
    let Some((_, end)) = input.span() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for l in &input.timeline.enis {
        if l.created_by != Some(Actor::Cni) {
            continue;
        }
        let (kind, idle_since, detached_at) = match l.attachments.last() {
            None => match l.created_at {
                Some(c) => (LeakKind::NeverAttached, c, None),
                None => continue,
            },
            Some(a) => match a.detached_at {
                Some(d) => (LeakKind::DetachedNotDeleted, d, Some(d)),
                None => continue,
            },
        };
        let until = l.ended_at.unwrap_or(end);
        let idle_for = until - idle_since;
        let deleted_in_grace = l.ended_at.is_some_and(|e| e - idle_since <= grace);
        if deleted_in_grace || (l.ended_at.is_none() && idle_for <= grace) {
            continue;
        }
        let mut addresses: Vec<String> = input
            .timeline
            .intervals
            .iter()
            .filter(|iv| *iv.eni_id == *l.eni_id)
            .filter(|iv| {
                iv.assigned_at.is_none_or(|a| a <= until)
                    && iv.released_at.is_none_or(|r| r > idle_since)
            })
            .map(|iv| iv.address.to_string())
            .collect();
        addresses.sort();
        addresses.dedup();
        out.push(Leak {
            eni_id: l.eni_id.to_string(),
            subnet_id: l.subnet_id.as_deref().map(str::to_string),
            node: l.owner_instance.as_deref().map(str::to_string),
            kind,
            created_at: l.created_at,
            detached_at,
            idle_since,
            deleted_at: l.ended_at,
            idle_for,
            addresses,
            created_event_id: l.created_event_id.as_ref().map(ToString::to_string),
            deleted_event_id: l.end_event_id.as_ref().map(ToString::to_string),
        });
    }
    out.sort_by(|a, b| (a.idle_since, &a.eni_id).cmp(&(b.idle_since, &b.eni_id)));
    out
}

/// The leaks as a table.
pub fn leaks(input: &ReportInput, grace: Duration) -> Result<DataFrame, ReportError> {
    let rows = find_leaks(input, grace);
    TableBuilder::new("leaks", rows.len())
        .text("eni_id", rows.iter().map(|r| Some(r.eni_id.clone())))
        .text("subnet_id", rows.iter().map(|r| r.subnet_id.clone()))
        .text("node", rows.iter().map(|r| r.node.clone()))
        .text("kind", rows.iter().map(|r| Some(r.kind.as_str())))
        .time("created_at", rows.iter().map(|r| r.created_at))
        .time("detached_at", rows.iter().map(|r| r.detached_at))
        .time("idle_since", rows.iter().map(|r| Some(r.idle_since)))
        .time("deleted_at", rows.iter().map(|r| r.deleted_at))
        .int(
            "idle_s",
            rows.iter().map(|r| Some(r.idle_for.num_seconds())),
        )
        .int(
            "address_count",
            rows.iter().map(|r| Some(r.addresses.len() as i64)),
        )
        .list("addresses", rows.iter().map(|r| r.addresses.clone()))
        .text(
            "created_event_id",
            rows.iter().map(|r| r.created_event_id.clone()),
        )
        .text(
            "deleted_event_id",
            rows.iter().map(|r| r.deleted_event_id.clone()),
        )
        .build()
}
