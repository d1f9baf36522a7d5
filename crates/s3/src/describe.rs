//! One-line descriptions of SDK errors. The SDK's own `Display` says only "service error" or
//! "dispatch failure"; what a user needs (the S3 error code, the HTTP status, the I/O error at
//! the bottom of the chain, the bucket's real region) is further down.

use aws_sdk_s3::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use std::error::Error;

/// Describes a failed request: `Code (HTTP n): message`, or the whole source chain for
/// failures that never got a response (no credentials, connection refused, timeouts).
pub(crate) fn sdk<E>(err: &SdkError<E>) -> String
where
    E: ProvideErrorMetadata + Error + 'static,
{
    let Some(service) = err.as_service_error() else {
        return DisplayErrorContext(err).to_string();
    };
    let raw = err.raw_response();
    let mut text = service.code().unwrap_or("error").to_string();
    if let Some(status) = raw.map(|r| r.status().as_u16()) {
        text.push_str(&format!(" (HTTP {status})"));
    }
    if let Some(message) = service.message() {
        text.push_str(&format!(": {message}"));
    }
    // S3 answers a request sent to the wrong region with the right one in this header; the
    // SDK does not follow it (the AWS CLI does), so say what to pass.
    if let Some(region) = raw.and_then(|r| r.headers().get("x-amz-bucket-region")) {
        text.push_str(&format!(
            " (the bucket is in region {region}: pass --region {region})"
        ));
    }
    text
}

/// An error and its sources, joined with `: `.
pub(crate) fn chain(err: &(dyn Error + 'static)) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(s) = source {
        let s_text = s.to_string();
        if !text.ends_with(&s_text) {
            text.push_str(": ");
            text.push_str(&s_text);
        }
        source = s.source();
    }
    text
}
