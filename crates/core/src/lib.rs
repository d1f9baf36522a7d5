//! # cnitrail-core
//!
//! The part of cnitrail that turns CloudTrail files into typed ENI events, without heavy
//! dependencies (no polars, no AWS SDK, no async runtime):
//!
//! ```text
//! source ──▶ decode ──────────────▶ extract ──────────▶ scan ──▶ EventSink
//! (files,    (gzip by magic bytes,   (prefilter, then     (order, dedup,
//!  stdin,     BOM, streaming          tolerant parse to    actor, accounting)
//!  S3 via     framing of records)     EniEvent)
//!  cnitrail-s3)
//! ```
//!
//! Every record read is accounted for: kept, filtered, malformed or a duplicate
//! ([`stats::Counts`]). On request ([`ScanOptions::count_calls`]) the scan also counts every EC2
//! call of any API per minute and caller ([`calls::CallCounts`], in [`ScanSummary::calls`]).
//!
//! ```
//! use cnitrail_core::{scan, source::local, ScanOptions};
//! let dir = tempfile::tempdir().unwrap();
//! let path = dir.path().join("t.json");
//! std::fs::write(&path, r#"{"Records":[{"eventVersion":"1.08","eventTime":"2026-11-22T14:02:00Z",
//!   "eventSource":"ec2.amazonaws.com","eventName":"DeleteNetworkInterface","awsRegion":"us-east-1",
//!   "eventID":"6a1e2d4c-0000-4000-8000-000000000001","userAgent":"amazon-vpc-cni-k8s/v1.22.0",
//!   "requestParameters":{"networkInterfaceId":"eni-0abc"},"responseElements":{"_return":true}}]}"#).unwrap();
//! let objects = local::expand(&[path], &local::NameFilter::default());
//! let mut events = Vec::new();
//! let summary = scan::scan(objects, &ScanOptions::default(), &mut events, &mut scan::Quiet).unwrap();
//! assert_eq!(summary.records_kept, 1);
//! assert_eq!(events[0].eni_id.as_deref(), Some("eni-0abc"));
//! ```
#![deny(missing_docs)]

pub mod calls;
pub mod decode;
pub mod extract;
pub mod merge;
pub mod model;
pub mod scan;
pub mod source;
pub mod stats;
pub mod timeline;

pub use calls::{CallCountRow, CallCounts};
pub use model::{Actor, EniEvent, EventName};
pub use scan::{ActorFilter, EventSink, ScanOptions};
pub use stats::ScanSummary;
