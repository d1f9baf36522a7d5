//! cnitrail's reports: the questions that bring people to cnitrail, each answered as a polars
//! [`DataFrame`](cnitrail_frames::polars::prelude::DataFrame) built from what the scan kept.
//!
//! | report | question |
//! |---|---|
//! | [`churn`] | how many calls, addresses and ENIs per node (ENI, subnet, caller) and time bucket; how long addresses live; which flap |
//! | [`exhaustion`] | how full each subnet was over time, by holder; when it first ran dry and who held it then; what the warm pools cost |
//! | [`leaks`] | which of the CNI's ENIs were never attached, or detached and never deleted |
//! | [`throttle`] | when EC2 refused calls, per API; bursts; who called; retry storms; count=1 retries |
//! | [`html`] | all of it in one offline HTML page |
//!
//! Every report reads a [`ReportInput`]: the kept events and the timeline rebuilt from them,
//! collected in one scan by [`Collector`]. Rows that come from events carry the event ids that
//! support them.
#![deny(missing_docs)]

pub mod churn;
pub mod exhaustion;
pub mod html;
mod input;
pub mod leaks;
pub mod limits;
mod table;
pub mod throttle;

pub use input::{Collector, NodeIndex, ReportInput};

/// The hasher of the reports' maps keyed by text from the records (callers, ENI ids, addresses):
/// randomly seeded per process, as the standard one is, so that crafted records cannot choose
/// their collisions, and several times faster than its SipHash on these keys (hashbrown's
/// default).
pub(crate) type RecordTextHasher = foldhash::quality::RandomState;

/// Errors of the reports.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// Building a frame failed (a bug, or polars out of memory).
    #[error("building the {table} table: {source}")]
    Frame {
        /// Which table.
        table: &'static str,
        /// What polars said.
        source: cnitrail_frames::polars::prelude::PolarsError,
    },
    /// A bad option value (bucket length, CIDR).
    #[error("{0}")]
    Invalid(String),
}
