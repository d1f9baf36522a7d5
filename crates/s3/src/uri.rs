//! `s3://bucket/prefix` arguments, as the AWS CLI writes them.

use crate::error::S3Error;
use std::fmt;
use std::str::FromStr;

/// A bucket and a key prefix (possibly empty: the whole bucket).
///
/// The prefix is kept exactly as given: `s3://b/AWSLogs` and `s3://b/AWSLogs/` are different
/// prefixes in S3, and the listing honours that (the first also matches `AWSLogs2/…`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct S3Uri {
    /// Bucket name.
    pub bucket: String,
    /// Key prefix, without the leading `/`.
    pub prefix: String,
}

/// True when `arg` names an S3 location rather than a local path.
///
/// The scheme is matched without regard to case so that `S3://…` gets a clear error from
/// [`S3Uri::parse`] instead of "no such file".
pub fn is_s3_uri(arg: &str) -> bool {
    arg.get(..5)
        .is_some_and(|s| s.eq_ignore_ascii_case("s3://"))
}

impl S3Uri {
    /// Parses `s3://bucket`, `s3://bucket/` or `s3://bucket/prefix`.
    pub fn parse(text: &str) -> Result<S3Uri, S3Error> {
        let bad = |reason| S3Error::InvalidUri {
            uri: text.to_string(),
            reason,
        };
        if !is_s3_uri(text) {
            return Err(bad("it does not start with s3://"));
        }
        let rest = &text[5..];
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.is_empty() {
            return Err(bad("the bucket name is empty"));
        }
        // Real bucket names are 3–63 of [a-z0-9.-] (older ones also have capitals and `_`);
        // anything else is a typo, and sending it would only earn an opaque signing error.
        if !bucket
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'))
        {
            return Err(bad("the bucket name has characters S3 does not allow"));
        }
        Ok(S3Uri {
            bucket: bucket.to_string(),
            prefix: prefix.to_string(),
        })
    }

    /// `s3://bucket/key` for a key of this bucket: how objects are named in reports.
    pub fn object_name(&self, key: &str) -> String {
        format!("s3://{}/{}", self.bucket, key)
    }
}

impl FromStr for S3Uri {
    type Err = S3Error;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        S3Uri::parse(s)
    }
}

impl fmt::Display for S3Uri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "s3://{}/{}", self.bucket, self.prefix)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_bucket_and_prefix() {
        let u = S3Uri::parse("s3://trail-bucket/logs/AWSLogs/").unwrap();
        assert_eq!(u.bucket, "trail-bucket");
        assert_eq!(u.prefix, "logs/AWSLogs/");
        assert_eq!(u.to_string(), "s3://trail-bucket/logs/AWSLogs/");
        assert_eq!(
            u.object_name("a/b.json.gz"),
            "s3://trail-bucket/a/b.json.gz"
        );
        for root in ["s3://b", "s3://b/", "S3://b"] {
            let u: S3Uri = root.parse().unwrap();
            assert_eq!((u.bucket.as_str(), u.prefix.as_str()), ("b", ""), "{root}");
        }
        assert_eq!(S3Uri::parse("s3://b//x").unwrap().prefix, "/x");
    }

    #[test]
    fn rejects_what_is_not_an_s3_uri() {
        for bad in [
            "",
            "s3:/b",
            "s3://",
            "s3:///key",
            "http://b/k",
            "b/k",
            "s3://b k/x",
            "s3://b?x",
        ] {
            let e = S3Uri::parse(bad).unwrap_err();
            assert!(
                e.to_string().contains("expected s3://bucket/prefix"),
                "{bad}: {e}"
            );
        }
        assert!(is_s3_uri("s3://b"));
        assert!(is_s3_uri("S3://b"));
        assert!(!is_s3_uri("./s3:/b"));
        assert!(!is_s3_uri("s3"));
    }
}
