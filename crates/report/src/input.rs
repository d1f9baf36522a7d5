//! What the reports read: the kept events and the timeline rebuilt from them, gathered in one
//! pass over the files.

use crate::throttle::{ALL_CALLS, CallTables, call_tables_of};
use chrono::{DateTime, Utc};
use cnitrail_core::ScanSummary;
use cnitrail_core::calls::{CallCell, CallCountRow, CallCounts, CallKey, CallTally};
use cnitrail_core::scan::{Observer, ScanError, ScanOptions, SinkError};
use cnitrail_core::source::{InputObject, SourceError};
use cnitrail_core::timeline::{Timeline, TimelineBuilder};
use cnitrail_core::{EniEvent, EventName, EventSink};
use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::OnceLock;

/// An [`EventSink`] that feeds the timeline and keeps the events for the reports (memory grows
/// with the ENI events, a few percent of a trail's records).
#[derive(Debug)]
pub struct Collector {
    builder: TimelineBuilder,
    events: Vec<EniEvent>,
}

impl Collector {
    /// Collects into `builder` (exact ordering or a reorder window) and keeps every event.
    pub fn new(builder: TimelineBuilder) -> Self {
        Collector {
            builder,
            events: Vec::new(),
        }
    }

    /// Scans `objects` into a report input in one call: the events, the timeline `builder`
    /// makes of them, and the count of every EC2 call when `options` asks for it.
    pub fn scan<I>(
        objects: I,
        options: &ScanOptions,
        builder: TimelineBuilder,
        observer: &mut dyn Observer,
    ) -> Result<(ReportInput, ScanSummary), ScanError>
    where
        I: IntoIterator<Item = Result<InputObject, SourceError>>,
    {
        let mut collector = Collector::new(builder);
        let mut summary = cnitrail_core::scan::scan(objects, options, &mut collector, observer)?;
        let counts = std::mem::take(&mut summary.calls);
        Ok((collector.finish_with_calls(counts), summary))
    }

    /// Builds the timeline and the report input (the two orderings run side by side).
    pub fn finish(self) -> ReportInput {
        self.finish_with_calls(CallCounts::default())
    }

    /// [`Collector::finish`] with the scan's count of every EC2 call (`ScanSummary::calls`).
    /// The throttle report's per-minute tables are built from the count while the events are
    /// put in order: they read nothing else, and ordering takes longer.
    pub fn finish_with_calls(self, counts: CallCounts) -> ReportInput {
        let Collector { builder, events } = self;
        // Three pieces on two cores: the ordering, the longest, runs first where it is; the
        // timeline is left for whichever core is free first.
        let ((events, timeline), tables) = rayon::join(
            || rayon::join(|| in_time_order(events), || builder.finish()),
            // A failure is met again, and reported, when the throttle report needs them.
            || (!counts.is_empty()).then(|| call_tables_of(&counts.listing(), ALL_CALLS).ok()),
        );
        let input = ReportInput::from_ordered(events, timeline).with_calls(counts);
        if let Some(Some(tables)) = tables {
            // Empty: `with_calls` has just made it.
            let _ = input.call_tables.set(tables);
        }
        input
    }
}

impl EventSink for Collector {
    fn event(&mut self, e: EniEvent) -> Result<(), SinkError> {
        self.builder.push(&e);
        self.events.push(e);
        Ok(())
    }
}

/// The kept events, ordered by time, and the timeline rebuilt from them.
#[derive(Debug, Clone)]
pub struct ReportInput {
    /// Every kept event, ordered by time (then call, then id, as the timeline applies them).
    pub events: Vec<EniEvent>,
    /// Intervals and ENI lives.
    pub timeline: Timeline,
    /// Which node an ENI belonged to when.
    pub nodes: NodeIndex,
    /// The scan's count of every EC2 call, when it took one (`ScanOptions::count_calls`);
    /// empty otherwise.
    calls: CallCounts,
    /// `calls` as rows, listed when first asked for.
    call_rows: OnceLock<Vec<CallCountRow>>,
    /// The throttle report's tables of `calls`, when built ahead of the report.
    pub(crate) call_tables: OnceLock<CallTables>,
}

impl ReportInput {
    /// Orders the events and indexes the ENIs' nodes.
    pub fn new(events: Vec<EniEvent>, timeline: Timeline) -> Self {
        Self::from_ordered(in_time_order(events), timeline)
    }

    fn from_ordered(events: Vec<EniEvent>, timeline: Timeline) -> Self {
        let nodes = NodeIndex::new(&timeline);
        ReportInput {
            events,
            timeline,
            nodes,
            calls: CallCounts::default(),
            call_rows: OnceLock::new(),
            call_tables: OnceLock::new(),
        }
    }

    /// The scan's count of every EC2 call; empty when the scan was not asked to count.
    pub fn call_counts(&self) -> &CallCounts {
        &self.calls
    }

    /// The scan's count of every EC2 call; without one (the scan was not asked to count), a
    /// count of the kept events, so that the per-minute figures cover at least the ENI calls.
    pub fn calls_or_events(&self) -> Cow<'_, CallCounts> {
        if !self.calls.is_empty() {
            return Cow::Borrowed(&self.calls);
        }
        let cells = self
            .events
            .iter()
            .filter(|e| e.event_name != EventName::CreateSubnet)
            .map(|e| CallCell {
                key: CallKey {
                    minute: e.event_time,
                    account: e.account.as_deref(),
                    region: e.region.as_deref(),
                    api: e.event_name.as_str(),
                    caller: e.caller_arn.as_deref().unwrap_or("unknown"),
                    actor: e.actor,
                },
                tally: CallTally::of_call(e.error_code_raw.as_deref()),
            });
        Cow::Owned(cells.collect())
    }

    /// [`ReportInput::calls_or_events`] as rows (minute, account, region, API, caller and actor
    /// order).
    pub fn call_rows(&self) -> Cow<'_, [CallCountRow]> {
        if self.calls.is_empty() {
            return Cow::Owned(self.calls_or_events().rows());
        }
        Cow::Borrowed(self.call_rows.get_or_init(|| self.calls.rows()))
    }

    /// Adds the scan's count of every EC2 call (`ScanSummary::calls`).
    pub fn with_calls(mut self, calls: CallCounts) -> Self {
        self.calls = calls;
        self.call_rows = OnceLock::new();
        self.call_tables = OnceLock::new();
        self
    }

    /// The first and last event times, when there are events.
    pub fn span(&self) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
        Some((
            self.events.first()?.event_time,
            self.events.last()?.event_time,
        ))
    }

    /// The node (instance id) an event concerns: the instance it names, else the node its
    /// ENI belonged to then, else the instance a node-role session is named after.
    pub fn node_of<'a>(&'a self, e: &'a EniEvent) -> Option<&'a str> {
        if let Some(i) = &e.instance_id {
            return Some(i);
        }
        if let Some(node) = e
            .eni_id
            .as_deref()
            .and_then(|eni| self.nodes.node_at(eni, e.event_time))
        {
            return Some(node);
        }
        e.session_name
            .as_deref()
            .filter(|s| cnitrail_core::extract::actor::is_instance_id(s))
    }
}

/// The events by time, then call, then id (the timeline's order). Events are large: sorting
/// their indices and moving each event once was most of the time between scan and report.
fn in_time_order(mut events: Vec<EniEvent>) -> Vec<EniEvent> {
    // Compact keys keep the sort in cache. Calls of one second and name are many, so the key
    // holds the id's first 8 bytes too (in byte order): reaching into the events to compare
    // whole ids, only when those are equal, was most of the sort's time.
    let id_prefix = |id: &str| {
        let mut prefix = [0u8; 8];
        let n = id.len().min(8);
        prefix[..n].copy_from_slice(&id.as_bytes()[..n]);
        u64::from_be_bytes(prefix)
    };
    let mut keys: Vec<(i64, EventName, u64, usize)> = events
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let time = e.event_time.timestamp_micros();
            (time, e.event_name, id_prefix(&e.event_id), i)
        })
        .collect();
    keys.sort_unstable_by(|a, b| {
        (a.0, a.1, a.2)
            .cmp(&(b.0, b.1, b.2))
            .then_with(|| events[a.3].event_id.cmp(&events[b.3].event_id))
    });
    // Position j receives the event at order[j]: follow each cycle of the permutation with
    // swaps, in place, rather than moving every event into a second vector.
    let mut order: Vec<usize> = keys.into_iter().map(|k| k.3).collect();
    for start in 0..order.len() {
        let mut j = start;
        while order[j] != usize::MAX {
            let next = order[j];
            order[j] = usize::MAX;
            if next == start {
                break;
            }
            events.swap(j, next);
            j = next;
        }
    }
    events
}

/// ENI → the instances it was attached to, and when; the node it was made for.
#[derive(Debug, Clone, Default)]
pub struct NodeIndex {
    /// Looked up once per event by the reports (SipHash of the ids was a tenth of the HTML
    /// page's CPU samples after the scan).
    enis: HashMap<String, EniNodes, crate::RecordTextHasher>,
}

#[derive(Debug, Clone, Default)]
struct EniNodes {
    owner: Option<String>,
    attachments: Vec<(String, DateTime<Utc>, Option<DateTime<Utc>>)>,
}

impl NodeIndex {
    /// Indexes the ENIs of a timeline.
    pub fn new(timeline: &Timeline) -> Self {
        let enis = timeline
            .enis
            .iter()
            .map(|l| {
                let nodes = EniNodes {
                    owner: l.owner_instance.as_deref().map(str::to_string),
                    attachments: l
                        .attachments
                        .iter()
                        .map(|a| (a.instance_id.to_string(), a.attached_at, a.detached_at))
                        .collect(),
                };
                (l.eni_id.to_string(), nodes)
            })
            .collect();
        NodeIndex { enis }
    }

    /// The instance `eni` was attached to at `at`, else the node it was made for.
    pub fn node_at(&self, eni: &str, at: DateTime<Utc>) -> Option<&str> {
        let n = self.enis.get(eni)?;
        n.attachments
            .iter()
            .rev()
            .find(|(_, from, to)| *from <= at && to.is_none_or(|to| at <= to))
            .map(|(i, _, _)| i.as_str())
            .or(n.owner.as_deref())
            .or_else(|| n.attachments.last().map(|(i, _, _)| i.as_str()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn events_are_put_in_time_call_and_id_order_in_place() {
        const NAMES: [EventName; 5] = [
            EventName::CreateSubnet,
            EventName::AttachNetworkInterface,
            EventName::AssignPrivateIpAddresses,
            EventName::UnassignPrivateIpAddresses,
            EventName::DeleteNetworkInterface,
        ];
        let t0 = Utc.with_ymd_and_hms(2026, 11, 22, 14, 0, 0).unwrap();
        let mut state = 0x2545_F491_4F6C_DD1Du64;
        let mut rand = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let events: Vec<EniEvent> = (0..2000)
            .map(|i| {
                let record = serde_json::json!({
                    "eventTime": (t0 + chrono::Duration::seconds((rand() % 50) as i64)).to_rfc3339(),
                    "eventSource": "ec2.amazonaws.com",
                    "eventName": NAMES[(rand() % NAMES.len() as u64) as usize].as_str(),
                    "eventID": format!("{:08x}-{i}", rand() % 1000),
                    "requestParameters": {"networkInterfaceId": "eni-1", "instanceId": "i-1"},
                    "responseElements": {"instancesSet": {"items": [{"instanceId": "i-1"}]}},
                });
                let origin = cnitrail_core::extract::Origin {
                    file: "test".into(),
                    index: i,
                };
                match cnitrail_core::extract::extract_record(&record, &origin) {
                    cnitrail_core::extract::Extracted::Kept(k) => k.events[0].clone(),
                    other => panic!("{other:?}"),
                }
            })
            .collect();
        let mut want = events.clone();
        want.sort_by(|a, b| {
            (a.event_time, a.event_name, &a.event_id).cmp(&(
                b.event_time,
                b.event_name,
                &b.event_id,
            ))
        });
        assert_eq!(in_time_order(events), want);
    }
}
