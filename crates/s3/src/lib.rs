//! # cnitrail-s3
//!
//! Reads CloudTrail trail files straight from S3, as [`cnitrail_core`] sources, and writes
//! exported tables back to S3 without ever exposing a half-written object ([`upload`]):
//!
//! ```text
//! s3://bucket/prefix ──▶ S3Objects (lazy ListObjectsV2 walk, key order, layout pruning)
//!                           │ InputObject { name: s3://bucket/key, size, kind, open }
//!                           ▼
//!                 GET on a small tokio runtime ──▶ bounded channel ──▶ blocking Read
//!                 (≤ concurrency in flight, Range resume after a reset or a short body)
//! ```
//!
//! Only this crate touches async code: the core stays synchronous and reads every source
//! through [`std::io::Read`].
//!
//! ```no_run
//! use cnitrail_core::source::local::NameFilter;
//! use cnitrail_s3::{S3Options, S3Source, S3Uri};
//! let source = S3Source::connect(&S3Options::default())?;
//! let uri = S3Uri::parse("s3://my-trail-bucket/AWSLogs/")?;
//! for object in source.objects(&uri, &NameFilter::default()) {
//!     let object = object?;
//!     println!("{} ({:?} bytes)", object.name, object.size);
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![deny(missing_docs)]

mod describe;
pub mod error;
mod fetch;
mod list;
mod plan;
mod source;
pub mod upload;
pub mod uri;

pub use error::S3Error;
pub use list::S3Objects;
pub use source::{DEFAULT_TIMEOUT, FALLBACK_REGION, S3Options, S3Source};
pub use upload::{S3Store, S3Upload, UploadError};
pub use uri::{S3Uri, is_s3_uri};
