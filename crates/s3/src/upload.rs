//! Writing objects to S3 so that a reader never sees half of one (`cnitrail export`).
//!
//! ```text
//!  Write::write ─▶ part buffer (8 MiB) ─▶ full? ─▶ CreateMultipartUpload (once) + UploadPart
//!  commit()     ─▶ no part sent yet?  PutObject(buffer)             (one request, atomic)
//!                  else               UploadPart(rest) + CompleteMultipartUpload
//!  error / drop ─▶ AbortMultipartUpload (the parts are thrown away; the key never appears)
//! ```
//!
//! S3 makes an object visible only when `PutObject` or `CompleteMultipartUpload` succeeds, so
//! an upload that fails, or a process that is killed, leaves nothing under the final key. A
//! killed process cannot abort its multipart upload, whose parts then sit (invisible, but
//! billed) until a bucket lifecycle rule or [`S3Store::abort_uploads`] removes them; the
//! export calls that for its own keys on its next run.
//!
//! Parts are sent one at a time, from the writing thread, on the store's small runtime: the
//! export's cost is encoding Parquet, and a part in flight per writer keeps the memory at one
//! part.

use crate::describe;
use crate::error::S3Error;
use crate::source::{S3Options, build_client, check_profile, runtime};
use crate::uri::S3Uri;
use aws_sdk_s3::Client;
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{ChecksumAlgorithm, CompletedMultipartUpload, CompletedPart};
use std::io::{self, Write};
use std::sync::Arc;
use tokio::runtime::Runtime;

/// Smallest part S3 accepts, except for the last one.
pub const MIN_PART_SIZE: usize = 5 << 20;

/// Part size used unless [`S3Store::with_part_size`] says otherwise: 8 MiB, so a 1 GB file is
/// 120 parts (S3 allows 10,000).
pub const DEFAULT_PART_SIZE: usize = 8 << 20;

/// A failed S3 request of an upload, a listing or a deletion.
#[derive(Debug, thiserror::Error)]
#[error("{operation} s3://{bucket}/{key}: {message}")]
pub struct UploadError {
    /// The S3 operation (`PutObject`, `UploadPart`, `ListObjectsV2`…).
    pub operation: &'static str,
    /// The bucket.
    pub bucket: String,
    /// The key (or the prefix, for a listing).
    pub key: String,
    /// What S3 or the connection said.
    pub message: String,
}

/// A bucket and key prefix that objects are written under.
#[derive(Clone)]
pub struct S3Store {
    runtime: Arc<Runtime>,
    client: Client,
    bucket: String,
    prefix: String,
    part_size: usize,
}

impl std::fmt::Debug for S3Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Store")
            .field("bucket", &self.bucket)
            .field("prefix", &self.prefix)
            .field("part_size", &self.part_size)
            .finish_non_exhaustive()
    }
}

impl S3Store {
    /// A store under `uri`, with a client built as [`crate::S3Source::connect`] builds one.
    pub fn connect(opts: &S3Options, uri: &S3Uri) -> Result<S3Store, S3Error> {
        if let Some(url) = &opts.endpoint_url
            && !(url.starts_with("http://") || url.starts_with("https://"))
        {
            return Err(S3Error::InvalidEndpoint(url.clone()));
        }
        let runtime = runtime()?;
        check_profile(&runtime, opts)?;
        let client = build_client(&runtime, opts);
        Ok(S3Store::new(runtime, client, uri))
    }

    /// A store under `uri` with a client built elsewhere (tests: static credentials).
    pub fn from_client(client: Client, uri: &S3Uri) -> Result<S3Store, S3Error> {
        Ok(S3Store::new(runtime()?, client, uri))
    }

    fn new(runtime: Runtime, client: Client, uri: &S3Uri) -> S3Store {
        let prefix = uri.prefix.trim_end_matches('/');
        S3Store {
            runtime: Arc::new(runtime),
            client,
            bucket: uri.bucket.clone(),
            prefix: if prefix.is_empty() {
                String::new()
            } else {
                format!("{prefix}/")
            },
            part_size: DEFAULT_PART_SIZE,
        }
    }

    /// Sends parts of this many bytes (at least [`MIN_PART_SIZE`]); for tests.
    pub fn with_part_size(mut self, bytes: usize) -> S3Store {
        self.part_size = bytes.max(MIN_PART_SIZE);
        self
    }

    /// The bucket.
    pub fn bucket(&self) -> &str {
        &self.bucket
    }

    /// The full key of `key`, a key relative to the store's prefix.
    pub fn full_key(&self, key: &str) -> String {
        format!("{}{key}", self.prefix)
    }

    fn error(&self, operation: &'static str, key: &str, message: String) -> UploadError {
        UploadError {
            operation,
            bucket: self.bucket.clone(),
            key: key.to_string(),
            message,
        }
    }

    /// Starts writing `key` (relative to the prefix). Nothing is visible under it until
    /// [`S3Upload::commit`] returns.
    pub fn create(&self, key: &str) -> S3Upload {
        S3Upload {
            store: self.clone(),
            key: self.full_key(key),
            buffer: Vec::new(),
            upload_id: None,
            parts: Vec::new(),
            bytes: 0,
            failed: false,
        }
    }

    /// Every key under `under` (relative to the prefix, and returned relative to it), in key
    /// order, all pages.
    pub fn list(&self, under: &str) -> Result<Vec<String>, UploadError> {
        let prefix = self.full_key(under);
        let mut keys = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let page = self
                .runtime
                .block_on(
                    self.client
                        .list_objects_v2()
                        .bucket(&self.bucket)
                        .prefix(&prefix)
                        .set_continuation_token(token.take())
                        .send(),
                )
                .map_err(|e| self.error("ListObjectsV2", &prefix, describe::sdk(&e)))?;
            for o in page.contents() {
                if let Some(k) = o.key().and_then(|k| k.strip_prefix(&self.prefix)) {
                    keys.push(k.to_string());
                }
            }
            match page.next_continuation_token() {
                Some(t) if page.is_truncated() == Some(true) => token = Some(t.to_string()),
                _ => break,
            }
        }
        Ok(keys)
    }

    /// Deletes `key` (relative to the prefix).
    pub fn delete(&self, key: &str) -> Result<(), UploadError> {
        let full = self.full_key(key);
        self.runtime
            .block_on(
                self.client
                    .delete_object()
                    .bucket(&self.bucket)
                    .key(&full)
                    .send(),
            )
            .map_err(|e| self.error("DeleteObject", &full, describe::sdk(&e)))?;
        Ok(())
    }

    /// Writes `body` under `key` (relative to the prefix) only if no object is there
    /// (`If-None-Match: *`, which S3 evaluates atomically): `Ok(true)` when this call created
    /// it, `Ok(false)` when an object was already there. The export's lock is built on it.
    pub fn create_if_absent(&self, key: &str, body: Vec<u8>) -> Result<bool, UploadError> {
        let full = self.full_key(key);
        let sent = self.runtime.block_on(
            self.client
                .put_object()
                .bucket(&self.bucket)
                .key(&full)
                .if_none_match("*")
                .body(ByteStream::from(body))
                .send(),
        );
        match sent {
            Ok(_) => Ok(true),
            // 412: an object is there; 409: another conditional write of it is in progress.
            Err(e)
                if matches!(
                    e.raw_response().map(|r| r.status().as_u16()),
                    Some(412 | 409)
                ) =>
            {
                Ok(false)
            }
            Err(e) => Err(self.error("PutObject", &full, describe::sdk(&e))),
        }
    }

    /// A small object `key` (relative to the prefix) and when it was last written, `None`
    /// when there is none. For the export's lock object, a few bytes.
    pub fn read_small(
        &self,
        key: &str,
    ) -> Result<Option<(Vec<u8>, std::time::SystemTime)>, UploadError> {
        let full = self.full_key(key);
        let got = self.runtime.block_on(async {
            let out = self
                .client
                .get_object()
                .bucket(&self.bucket)
                .key(&full)
                .send()
                .await?;
            let modified = out
                .last_modified()
                .and_then(|t| std::time::SystemTime::try_from(*t).ok())
                .unwrap_or(std::time::SystemTime::UNIX_EPOCH);
            let body = out
                .body
                .collect()
                .await
                .map(|b| b.to_vec())
                .unwrap_or_default();
            Ok::<_, aws_sdk_s3::error::SdkError<_>>((body, modified))
        });
        match got {
            Ok(found) => Ok(Some(found)),
            Err(e) if e.raw_response().is_some_and(|r| r.status().as_u16() == 404) => Ok(None),
            Err(e) => Err(self.error("GetObject", &full, describe::sdk(&e))),
        }
    }

    /// Aborts the unfinished multipart uploads under `under` whose key `keep` accepts (given
    /// relative to the prefix): the parts a killed writer left behind. Returns how many.
    pub fn abort_uploads(
        &self,
        under: &str,
        keep: impl Fn(&str) -> bool,
    ) -> Result<usize, UploadError> {
        let prefix = self.full_key(under);
        let mut aborted = 0;
        let mut markers: (Option<String>, Option<String>) = (None, None);
        loop {
            let page = self
                .runtime
                .block_on(
                    self.client
                        .list_multipart_uploads()
                        .bucket(&self.bucket)
                        .prefix(&prefix)
                        .set_key_marker(markers.0.take())
                        .set_upload_id_marker(markers.1.take())
                        .send(),
                )
                .map_err(|e| self.error("ListMultipartUploads", &prefix, describe::sdk(&e)))?;
            for u in page.uploads() {
                let (Some(key), Some(id)) = (u.key(), u.upload_id()) else {
                    continue;
                };
                if !key.strip_prefix(&self.prefix).is_some_and(&keep) {
                    continue;
                }
                self.runtime
                    .block_on(
                        self.client
                            .abort_multipart_upload()
                            .bucket(&self.bucket)
                            .key(key)
                            .upload_id(id)
                            .send(),
                    )
                    .map_err(|e| self.error("AbortMultipartUpload", key, describe::sdk(&e)))?;
                aborted += 1;
            }
            if page.is_truncated() != Some(true) {
                break;
            }
            markers = (
                page.next_key_marker().map(str::to_string),
                page.next_upload_id_marker().map(str::to_string),
            );
            if markers.0.is_none() && markers.1.is_none() {
                break;
            }
        }
        Ok(aborted)
    }
}

/// One object being written: a [`Write`] whose bytes reach S3 in parts, and appear under the
/// key only on [`S3Upload::commit`]. Dropped without a commit (or after an error), it aborts
/// the multipart upload.
pub struct S3Upload {
    store: S3Store,
    key: String,
    buffer: Vec<u8>,
    upload_id: Option<String>,
    parts: Vec<CompletedPart>,
    bytes: u64,
    failed: bool,
}

impl std::fmt::Debug for S3Upload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Upload")
            .field("key", &self.key)
            .field("parts", &self.parts.len())
            .field("bytes", &self.bytes)
            .finish_non_exhaustive()
    }
}

impl S3Upload {
    /// The full key.
    pub fn key(&self) -> &str {
        &self.key
    }

    fn error(&self, operation: &'static str, message: String) -> UploadError {
        self.store.error(operation, &self.key, message)
    }

    /// Sends the buffer as the next part, starting the multipart upload first if needed.
    fn send_part(&mut self) -> Result<(), UploadError> {
        let s = &self.store;
        let upload_id = match &self.upload_id {
            Some(id) => id.clone(),
            None => {
                // CRC32 declared up front: S3 then checks every part and the whole object,
                // and Complete must list each part's checksum (below).
                let out = s
                    .runtime
                    .block_on(
                        s.client
                            .create_multipart_upload()
                            .bucket(&s.bucket)
                            .key(&self.key)
                            .checksum_algorithm(ChecksumAlgorithm::Crc32)
                            .send(),
                    )
                    .map_err(|e| self.error("CreateMultipartUpload", describe::sdk(&e)))?;
                let id = out.upload_id().map(str::to_string).ok_or_else(|| {
                    self.error("CreateMultipartUpload", "no upload id in the answer".into())
                })?;
                self.upload_id = Some(id.clone());
                id
            }
        };
        let number = self.parts.len() as i32 + 1;
        let body = std::mem::take(&mut self.buffer);
        let out = s
            .runtime
            .block_on(
                s.client
                    .upload_part()
                    .bucket(&s.bucket)
                    .key(&self.key)
                    .upload_id(&upload_id)
                    .part_number(number)
                    .checksum_algorithm(ChecksumAlgorithm::Crc32)
                    .body(ByteStream::from(body))
                    .send(),
            )
            .map_err(|e| self.error("UploadPart", describe::sdk(&e)))?;
        self.parts.push(
            CompletedPart::builder()
                .part_number(number)
                .set_e_tag(out.e_tag().map(str::to_string))
                .set_checksum_crc32(out.checksum_crc32().map(str::to_string))
                .build(),
        );
        Ok(())
    }

    /// Makes the object visible under its key; returns its size. On error nothing is visible
    /// (the multipart upload, if any, is aborted).
    pub fn commit(mut self) -> Result<u64, UploadError> {
        let result = self.finish();
        if result.is_err() {
            self.failed = true;
        }
        result
    }

    fn finish(&mut self) -> Result<u64, UploadError> {
        if self.failed {
            return Err(self.error("UploadPart", "an earlier part failed".into()));
        }
        let s = self.store.clone();
        if self.upload_id.is_none() {
            // Small object: one PutObject, which is atomic too.
            let body = std::mem::take(&mut self.buffer);
            s.runtime
                .block_on(
                    s.client
                        .put_object()
                        .bucket(&s.bucket)
                        .key(&self.key)
                        .body(ByteStream::from(body))
                        .send(),
                )
                .map_err(|e| self.error("PutObject", describe::sdk(&e)))?;
            return Ok(self.bytes);
        }
        if !self.buffer.is_empty() {
            self.send_part()?;
        }
        let upload_id = self.upload_id.clone().unwrap_or_default();
        let completed = s.runtime.block_on(
            s.client
                .complete_multipart_upload()
                .bucket(&s.bucket)
                .key(&self.key)
                .upload_id(&upload_id)
                .multipart_upload(
                    CompletedMultipartUpload::builder()
                        .set_parts(Some(self.parts.clone()))
                        .build(),
                )
                .send(),
        );
        if let Err(e) = completed {
            // A 200 whose body the SDK cannot read is not a refusal (S3 reports those as an
            // <Error> body, which the SDK parses): moto 5.2 names the root element
            // CompleteMultipartUploadResponse instead of …Result. Ask whether the object is
            // there, whole, before calling it a failure.
            let unreadable_ok = e.raw_response().is_some_and(|r| {
                r.status().as_u16() == 200
                    && !r
                        .body()
                        .bytes()
                        .is_some_and(|b| String::from_utf8_lossy(b).contains("<Error>"))
            });
            if !(unreadable_ok && self.is_complete_object()) {
                return Err(self.error("CompleteMultipartUpload", describe::sdk(&e)));
            }
        }
        // Completed: nothing left to abort.
        self.upload_id = None;
        Ok(self.bytes)
    }

    /// True when the key holds an object of this upload's size made of this many parts.
    fn is_complete_object(&self) -> bool {
        let s = &self.store;
        let head = s.runtime.block_on(
            s.client
                .head_object()
                .bucket(&s.bucket)
                .key(&self.key)
                .send(),
        );
        head.is_ok_and(|h| {
            h.content_length() == i64::try_from(self.bytes).ok()
                && h.e_tag().is_some_and(|t| {
                    t.trim_matches('"')
                        .ends_with(&format!("-{}", self.parts.len()))
                })
        })
    }

    fn abort(&mut self) {
        if let Some(id) = self.upload_id.take() {
            let s = &self.store;
            // Best effort: if this fails too, the parts stay invisible and a later run (or a
            // lifecycle rule) removes them.
            let _ = s.runtime.block_on(
                s.client
                    .abort_multipart_upload()
                    .bucket(&s.bucket)
                    .key(&self.key)
                    .upload_id(id)
                    .send(),
            );
        }
    }
}

impl Write for S3Upload {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.failed {
            return Err(io::Error::other(format!(
                "upload of s3://{}/{} already failed",
                self.store.bucket, self.key
            )));
        }
        // Everything is taken (a part may exceed the part size by one write), so that a
        // caller using `write` rather than `write_all` cannot lose bytes.
        self.buffer.extend_from_slice(buf);
        self.bytes += buf.len() as u64;
        if self.buffer.len() >= self.store.part_size
            && let Err(e) = self.send_part()
        {
            self.failed = true;
            return Err(io::Error::other(e));
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        // Parts are sent when full; a short part may only be the last one.
        Ok(())
    }
}

impl Drop for S3Upload {
    fn drop(&mut self) {
        self.abort();
    }
}
