//! # cnitrail-sim
//!
//! A model of what the VPC CNI's ipamd does on each node, and of the AWS side it talks to,
//! that writes CloudTrail files exactly as a trail delivers them, with the ground truth of
//! what really happened beside them.
//!
//! ```text
//!  workload (pods, nodes) ──▶ ipamd (one per node: warm pool, timers, call sequences)
//!                                   │ EC2 calls (ec2::Ec2, the only door)
//!                                   ▼
//!  other actors ───────────▶ aws (subnets, limits, throttling) ──▶ truth (intervals, usage)
//!                                   │ records
//!                                   ▼
//!                             delivery (5-minute files, S3 layout, late, duplicates, digests)
//! ```
//!
//! It does not depend on cnitrail-core: the simulator and the timeline code meet only through
//! the files, so that one cannot hide the other's mistake.
#![deny(missing_docs)]

pub mod aws;
pub mod cloudtrail;
pub mod delivery;
pub mod ec2;
pub mod ipamd;
pub mod limits;
pub mod scenario;
pub mod truth;
pub mod workload;
