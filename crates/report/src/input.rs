//! What the reports read: the kept events and the timeline rebuilt from them, gathered in one
//! pass over the files.

use chrono::{DateTime, Utc};
use cnitrail_core::calls::CallCountRow;
use cnitrail_core::scan::SinkError;
use cnitrail_core::timeline::{Timeline, TimelineBuilder};
use cnitrail_core::{EniEvent, EventSink};
use std::collections::HashMap;

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

    /// Builds the timeline and the report input.
    pub fn finish(self) -> ReportInput {
        ReportInput::new(self.events, self.builder.finish())
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
    pub calls: Vec<CallCountRow>,
}

impl ReportInput {
    /// Orders the events and indexes the ENIs' nodes.
    pub fn new(mut events: Vec<EniEvent>, timeline: Timeline) -> Self {
        events.sort_by(|a, b| {
            (a.event_time, a.event_name, &a.event_id).cmp(&(
                b.event_time,
                b.event_name,
                &b.event_id,
            ))
        });
        let nodes = NodeIndex::new(&timeline);
        ReportInput {
            events,
            timeline,
            nodes,
            calls: Vec::new(),
        }
    }

    /// Adds the scan's count of every EC2 call (`ScanSummary::calls`).
    pub fn with_calls(mut self, calls: Vec<CallCountRow>) -> Self {
        self.calls = calls;
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
    pub fn node_of(&self, e: &EniEvent) -> Option<String> {
        if let Some(i) = &e.instance_id {
            return Some(i.clone());
        }
        if let Some(node) = e
            .eni_id
            .as_deref()
            .and_then(|eni| self.nodes.node_at(eni, e.event_time))
        {
            return Some(node.to_string());
        }
        e.session_name
            .as_deref()
            .filter(|s| cnitrail_core::extract::actor::is_instance_id(s))
            .map(str::to_string)
    }
}

/// ENI → the instances it was attached to, and when; the node it was made for.
#[derive(Debug, Clone, Default)]
pub struct NodeIndex {
    enis: HashMap<String, EniNodes>,
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
