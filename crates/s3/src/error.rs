//! Errors raised before any object is read: a malformed `s3://` URI or a client that cannot be
//! built. Failures while listing or reading are not here: they belong to one prefix or one
//! object, so they travel as [`cnitrail_core::source::SourceError`] and [`std::io::Error`] and
//! the scan carries on with the rest.

/// A configuration or connection failure of the S3 source.
#[derive(Debug, thiserror::Error)]
pub enum S3Error {
    /// The argument is not `s3://bucket[/prefix]`.
    #[error("invalid S3 URI {uri:?}: {reason} (expected s3://bucket/prefix)")]
    InvalidUri {
        /// The text given.
        uri: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// `--endpoint-url` is not an `http://` or `https://` URL.
    #[error("invalid endpoint URL {0:?}: expected http://host[:port] or https://host[:port]")]
    InvalidEndpoint(String),
    /// `--profile` (or `AWS_PROFILE`) names a profile that no config or credentials file has;
    /// the SDK would quietly use other credentials instead, as the AWS CLI does not.
    #[error(
        "the config profile ({name}) could not be found in {files}; run `aws configure --profile {name}` or `aws configure sso`, or pass another --profile"
    )]
    UnknownProfile {
        /// The profile asked for.
        name: String,
        /// Where it was looked for.
        files: String,
    },
    /// The shared config or credentials file could not be read or parsed.
    #[error("cannot read the AWS config files: {0}")]
    ConfigFiles(String),
    /// The async runtime that drives the SDK could not be started.
    #[error("cannot start the S3 I/O runtime: {0}")]
    Runtime(#[source] std::io::Error),
}
