//! Where CloudTrail files come from: local files, directories, stdin, and (in `cnitrail-s3`)
//! S3 objects. Every source hands the scan the same thing: a named [`InputObject`] that opens
//! into a byte stream, so decoding never knows where the bytes live.

pub mod layout;
pub mod local;
pub mod shard;
pub mod window;

use std::io::{self, Read};

/// An opener: called once, on a worker thread, when the object is about to be read.
pub type Opener = Box<dyn FnOnce() -> io::Result<Box<dyn Read + Send>> + Send>;

/// One file or object to read.
pub struct InputObject {
    /// How errors and events name it: a path, `-`, or `s3://bucket/key`.
    pub name: String,
    /// Size in bytes when known (for progress).
    pub size: Option<u64>,
    /// What kind of file the name says it is.
    pub kind: layout::FileKind,
    /// Opens the byte stream.
    pub open: Opener,
}

impl std::fmt::Debug for InputObject {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InputObject")
            .field("name", &self.name)
            .field("size", &self.size)
            .field("kind", &self.kind)
            .finish_non_exhaustive()
    }
}

/// A source that could not produce its objects (a directory that cannot be read, a listing
/// that failed). The scan reports it as a failed input and carries on with the rest.
#[derive(Debug, thiserror::Error)]
#[error("{name}: {message}")]
pub struct SourceError {
    /// The path, prefix or object concerned.
    pub name: String,
    /// What went wrong.
    pub message: String,
}

impl SourceError {
    /// Builds an error about `name`.
    pub fn new(name: impl Into<String>, message: impl std::fmt::Display) -> Self {
        SourceError {
            name: name.into(),
            message: message.to_string(),
        }
    }
}
