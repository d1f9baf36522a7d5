//! Object bodies as blocking readers, fetched ahead on the runtime and resumed after a break.
//!
//! ```text
//!  iterator yields object ─▶ job queue ─▶ dispatcher (one permit per GET, FIFO)
//!                                            │ spawns
//!                                            ▼
//!  worker thread: Body::read ◀── bounded channel (8 chunks) ◀── GET task (Range resume)
//! ```
//!
//! The core reads on plain threads, so each body is a [`Read`] fed by a bounded channel:
//! at most [`CHUNKS_PER_OBJECT`] chunks wait per object, and at most `concurrency` GETs are in
//! flight. A GET starts when its object is yielded, not when it is opened, so the network
//! works while the workers decode the objects before it.
//!
//! **Why this cannot deadlock.** A permit is taken by the dispatcher in the order objects
//! are yielded, and held until the body has been read to its end (the permit rides in the
//! channel behind the last chunk) or the reader, or the unopened object, is dropped (which
//! closes the channel, and the GET task or the waiting dispatcher notices). The scan opens
//! objects in the order they were yielded and reads each to its end or drops it, without
//! waiting on any other object. So take the earliest object not yet finished: every object
//! before it is finished and has given its permit back, and the dispatcher, which grants in
//! yield order, has nothing ahead of it; it gets a permit, its reader makes progress, and by
//! induction so does every later one. Objects that are yielded but not yet opened do hold
//! permits, but only ever later ones than those being read. A caller that keeps an early
//! reader open while waiting for a later one to finish, with more than `concurrency` between
//! them, could wait forever: read in yield order.
//!
//! **Why resume by hand.** The SDK retries 5xx and connection errors until the response
//! head arrives, but a reset or a short body after that surfaces from the byte stream and is
//! never retried (measured, export-and-faults §B5). The GET task re-issues
//! `GET Range: bytes=<received>- If-Match: <etag>` after a short backoff, checks that the
//! `Content-Range` starts exactly at `received` (so no byte is delivered twice or skipped),
//! and at the end that the byte count equals the object's length: a truncated gzip stream
//! must reach the decoder as an error, never as a short but clean end of file.

use crate::describe;
use aws_sdk_s3::Client;
use aws_sdk_s3::error::SdkError;
use aws_sdk_s3::operation::get_object::GetObjectError;
use bytes::Bytes;
use std::io::{self, ErrorKind, Read};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, Semaphore, mpsc};

/// Chunks buffered per object between the GET task and the reader (the SDK's chunks are a
/// few to a few tens of KiB, so this is well under a MiB per object).
pub(crate) const CHUNKS_PER_OBJECT: usize = 8;

/// Pause before the n-th resume: short, because the SDK has already retried the request
/// itself, and the failures left (resets, truncations) are per connection.
const RESUME_BACKOFF: Duration = Duration::from_millis(100);

/// Request counts, for `--stats` and for tests that assert the number of attempts.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    /// `ListObjectsV2` requests issued (SDK-level retries not counted).
    pub(crate) lists: AtomicU64,
    /// `GetObject` requests issued, resumes included (SDK-level retries not counted).
    pub(crate) gets: AtomicU64,
    /// Range resumes after a body broke off.
    pub(crate) resumes: AtomicU64,
}

/// What a GET task sends the reader.
enum Msg {
    Data(Bytes),
    /// The whole body arrived. The permit is released when the reader takes this (or drops
    /// the channel), not when the task ends: an object counts as in flight until consumed.
    End(OwnedSemaphorePermit),
    Failed(io::Error),
}

struct Job {
    bucket: String,
    key: String,
    name: String,
    /// Size from the listing, used only if the GET does not say.
    size: Option<u64>,
    tx: mpsc::Sender<Msg>,
}

/// Starts GETs on the runtime. Cheap to clone.
#[derive(Clone)]
pub(crate) struct Fetcher {
    jobs: mpsc::UnboundedSender<Job>,
}

struct Ctx {
    client: Client,
    counters: Arc<Counters>,
    max_resumes: usize,
    /// Longest wait for a response head, and between two chunks of a body.
    read_timeout: Duration,
}

impl Ctx {
    /// Why a read was given up on after [`Ctx::read_timeout`].
    fn waited(&self, what: &str) -> String {
        format!(
            "{what} within {} s (--cli-read-timeout)",
            self.read_timeout.as_secs_f64()
        )
    }
}

impl Fetcher {
    /// Spawns the dispatcher on `runtime`.
    pub(crate) fn spawn(
        runtime: &tokio::runtime::Runtime,
        client: Client,
        counters: Arc<Counters>,
        concurrency: usize,
        max_resumes: usize,
        read_timeout: Duration,
    ) -> Fetcher {
        let (jobs, rx) = mpsc::unbounded_channel();
        let ctx = Arc::new(Ctx {
            client,
            counters,
            max_resumes,
            read_timeout,
        });
        runtime.spawn(dispatch(
            rx,
            Arc::new(Semaphore::new(concurrency.max(1))),
            ctx,
        ));
        Fetcher { jobs }
    }

    /// Queues the GET of one object and returns the reader's end. Never blocks.
    pub(crate) fn start(&self, bucket: &str, key: &str, name: &str, size: Option<u64>) -> Pending {
        let (tx, rx) = mpsc::channel(CHUNKS_PER_OBJECT);
        // If the runtime is gone the job is dropped with its sender and the reader reports it.
        let _ = self.jobs.send(Job {
            bucket: bucket.to_string(),
            key: key.to_string(),
            name: name.to_string(),
            size,
            tx,
        });
        Pending {
            rx,
            name: name.to_string(),
        }
    }
}

/// Grants permits in the order jobs were queued (see the module docs for why that matters).
async fn dispatch(mut jobs: mpsc::UnboundedReceiver<Job>, permits: Arc<Semaphore>, ctx: Arc<Ctx>) {
    while let Some(job) = jobs.recv().await {
        let permit = tokio::select! {
            p = permits.clone().acquire_owned() => match p {
                Ok(p) => p,
                Err(_) => return,
            },
            // Dropped before its turn: it must not hold up the queue.
            _ = job.tx.closed() => continue,
        };
        tokio::spawn(get(ctx.clone(), job, permit));
    }
}

enum Stop {
    /// The reader was dropped: stop quietly.
    ReaderGone,
    Failed(io::Error),
}

async fn get(ctx: Arc<Ctx>, job: Job, permit: OwnedSemaphorePermit) {
    match transfer(&ctx, &job).await {
        Ok(()) => {
            let _ = job.tx.send(Msg::End(permit)).await;
        }
        Err(Stop::Failed(e)) => {
            drop(permit);
            let _ = job.tx.send(Msg::Failed(e)).await;
        }
        Err(Stop::ReaderGone) => {}
    }
}

/// Parses `bytes <first>-<last>/<length>`.
fn parse_content_range(value: &str) -> Option<(u64, u64, Option<u64>)> {
    let spec = value.trim().strip_prefix("bytes ")?;
    let (range, total) = spec.split_once('/')?;
    let (first, last) = range.split_once('-')?;
    let total = if total == "*" {
        None
    } else {
        Some(total.parse().ok()?)
    };
    Some((first.parse().ok()?, last.parse().ok()?, total))
}

/// Streams one object into the channel, resuming with Range requests after a break.
async fn transfer(ctx: &Ctx, job: &Job) -> Result<(), Stop> {
    let name = &job.name;
    let failed =
        |kind: ErrorKind, msg: String| Stop::Failed(io::Error::new(kind, format!("{name}: {msg}")));
    let mut received: u64 = 0;
    let mut etag: Option<String> = None;
    let mut total: Option<u64> = None;
    let mut resumes = 0usize;
    loop {
        // A retry after a response head was seen continues where the body stopped; one whose
        // head never came starts over.
        let resuming = resumes > 0 && etag.is_some();
        let mut req = ctx.client.get_object().bucket(&job.bucket).key(&job.key);
        if resuming {
            req = req.range(format!("bytes={received}-"));
            if let Some(tag) = &etag {
                req = req.if_match(tag);
            }
        }
        ctx.counters.gets.fetch_add(1, Ordering::Relaxed);
        let sent = tokio::select! {
            r = tokio::time::timeout(ctx.read_timeout, req.send()) => r,
            _ = job.tx.closed() => return Err(Stop::ReaderGone),
        };
        // The SDK retries what fails before the head; a head that never comes (its attempt
        // timeout, or ours around it) is retried here, like a body that breaks off.
        let broke = match sent {
            Ok(Ok(out)) => {
                receive(
                    ctx,
                    job,
                    out,
                    resuming,
                    &mut received,
                    &mut etag,
                    &mut total,
                )
                .await?
            }
            Ok(Err(e)) if is_timeout(&e) => Some(ctx.waited("no response")),
            Ok(Err(e)) => return Err(Stop::Failed(get_error(name, &e, received))),
            Err(_) => Some(ctx.waited("no response")),
        };
        let Some(broke) = broke else {
            return Ok(());
        };
        let of_total = total.map_or(String::new(), |t| format!(" of {t}"));
        if etag.is_none() && received > 0 {
            return Err(failed(
                ErrorKind::UnexpectedEof,
                format!(
                    "read broke off after {received}{of_total} bytes and cannot be resumed safely (no ETag): {broke}"
                ),
            ));
        }
        if resumes >= ctx.max_resumes {
            return Err(failed(
                ErrorKind::UnexpectedEof,
                format!(
                    "read broke off after {received}{of_total} bytes, giving up after {resumes} resumes: {broke}"
                ),
            ));
        }
        resumes += 1;
        ctx.counters.resumes.fetch_add(1, Ordering::Relaxed);
        tokio::select! {
            _ = tokio::time::sleep(RESUME_BACKOFF * resumes as u32) => {}
            _ = job.tx.closed() => return Err(Stop::ReaderGone),
        }
    }
}

/// Reads one response's body into the job's channel. `Ok(None)` when the object is complete,
/// `Ok(Some(why))` when the body broke off (and may be resumed).
async fn receive(
    ctx: &Ctx,
    job: &Job,
    out: aws_sdk_s3::operation::get_object::GetObjectOutput,
    resuming: bool,
    received: &mut u64,
    etag: &mut Option<String>,
    total: &mut Option<u64>,
) -> Result<Option<String>, Stop> {
    let name = &job.name;
    let failed =
        |kind: ErrorKind, msg: String| Stop::Failed(io::Error::new(kind, format!("{name}: {msg}")));
    if resuming {
        let at = *received;
        match out.content_range().and_then(parse_content_range) {
            Some((first, _, length)) if first == at && length == *total => {}
            other => {
                return Err(failed(
                    ErrorKind::InvalidData,
                    format!(
                        "resumed read at byte {at} got Content-Range {:?} ({other:?}); not mixing misaligned bytes",
                        out.content_range()
                    ),
                ));
            }
        }
    } else {
        *etag = out.e_tag().map(str::to_owned);
        *total = out
            .content_length()
            .and_then(|n| u64::try_from(n).ok())
            .or(job.size);
    }
    let total = *total;
    let mut body = out.body;
    loop {
        let next = tokio::select! {
            r = tokio::time::timeout(ctx.read_timeout, body.try_next()) => r,
            _ = job.tx.closed() => return Err(Stop::ReaderGone),
        };
        let next = match next {
            Ok(next) => next,
            Err(_) => return Ok(Some(ctx.waited("no data"))),
        };
        match next {
            Ok(Some(bytes)) => {
                if bytes.is_empty() {
                    continue;
                }
                *received += bytes.len() as u64;
                if let Some(t) = total.filter(|t| *received > *t) {
                    return Err(failed(
                        ErrorKind::InvalidData,
                        format!("received {received} bytes, more than its length {t}"),
                    ));
                }
                if job.tx.send(Msg::Data(bytes)).await.is_err() {
                    return Err(Stop::ReaderGone);
                }
            }
            Ok(None) => {
                return Ok(match total {
                    Some(t) if *received < t => {
                        Some(format!("body ended after {received} of {t} bytes"))
                    }
                    _ => None,
                });
            }
            // Everything arrived; the connection broke after the last byte.
            Err(_) if total == Some(*received) => return Ok(None),
            Err(e) => return Ok(Some(describe::chain(&e))),
        }
    }
}

/// Whether a GET failed by waiting too long (the attempt timeout, or the connector's), which
/// is retried like a broken body rather than reported at once.
fn is_timeout(err: &SdkError<GetObjectError>) -> bool {
    match err {
        SdkError::TimeoutError(_) => true,
        SdkError::DispatchFailure(d) => d.is_timeout(),
        _ => false,
    }
}

/// Turns a failed GET into an error that says what happened to which object.
fn get_error(name: &str, err: &SdkError<GetObjectError>, received: u64) -> io::Error {
    let status = err.raw_response().map(|r| r.status().as_u16());
    let code = err
        .as_service_error()
        .and_then(|e| aws_sdk_s3::error::ProvideErrorMetadata::code(e));
    let detail = describe::sdk(err);
    let (kind, what) = match (err.as_service_error(), code, status) {
        (Some(GetObjectError::NoSuchKey(_)), ..) | (_, Some("NoSuchKey"), _) => (
            ErrorKind::NotFound,
            "no such key (deleted or moved after it was listed?)".to_string(),
        ),
        (_, Some("NoSuchBucket"), _) => (ErrorKind::NotFound, "no such bucket".to_string()),
        (_, Some("PreconditionFailed"), _) | (_, _, Some(412)) => (
            ErrorKind::InvalidData,
            format!(
                "the object changed while it was being read (ETag no longer matches after {received} bytes); not mixing two versions"
            ),
        ),
        (_, Some("AccessDenied"), _) | (_, _, Some(403)) => (
            ErrorKind::PermissionDenied,
            format!(
                "access denied (needs s3:GetObject, and kms:Decrypt for SSE-KMS objects): {detail}"
            ),
        ),
        (Some(GetObjectError::InvalidObjectState(_)), ..) => (
            ErrorKind::Other,
            format!(
                "object is archived (Glacier/Deep Archive) and must be restored first: {detail}"
            ),
        ),
        _ => (ErrorKind::Other, format!("GET failed: {detail}")),
    };
    io::Error::new(kind, format!("{name}: {what}"))
}

/// The reader's end of a queued GET, not yet waited on.
pub(crate) struct Pending {
    rx: mpsc::Receiver<Msg>,
    name: String,
}

impl Pending {
    /// Waits for the response (or its failure) and returns the body as a [`Read`].
    ///
    /// Waiting here, rather than at the first `read`, makes a missing or forbidden object fail
    /// to open, which is how the scan reports unreadable inputs. Blocks: never call this from
    /// inside an async runtime.
    pub(crate) fn open(self) -> io::Result<Body> {
        let mut body = Body {
            rx: self.rx,
            name: self.name,
            chunk: Bytes::new(),
            done: false,
            failed: None,
        };
        body.fill()?;
        Ok(body)
    }
}

/// A blocking [`Read`] over an object body. Ends only once every byte of the object has
/// arrived; any break that could not be resumed is an error, repeated on every later read.
pub(crate) struct Body {
    rx: mpsc::Receiver<Msg>,
    name: String,
    chunk: Bytes,
    done: bool,
    failed: Option<(ErrorKind, String)>,
}

impl Body {
    /// Makes `chunk` non-empty, or sets `done`, or fails.
    fn fill(&mut self) -> io::Result<()> {
        while self.chunk.is_empty() && !self.done {
            if let Some((kind, msg)) = &self.failed {
                return Err(io::Error::new(*kind, msg.clone()));
            }
            match self.rx.blocking_recv() {
                Some(Msg::Data(bytes)) => self.chunk = bytes,
                Some(Msg::End(permit)) => {
                    drop(permit);
                    self.done = true;
                }
                Some(Msg::Failed(e)) => {
                    self.failed = Some((e.kind(), e.to_string()));
                    return Err(e);
                }
                None => {
                    let msg = format!(
                        "{}: download stopped before the end (the S3 source was closed)",
                        self.name
                    );
                    self.failed = Some((ErrorKind::UnexpectedEof, msg));
                }
            }
        }
        Ok(())
    }
}

impl Read for Body {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        self.fill()?;
        let n = buf.len().min(self.chunk.len());
        buf[..n].copy_from_slice(&self.chunk.split_to(n));
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_content_range() {
        assert_eq!(
            parse_content_range("bytes 100-999/1000"),
            Some((100, 999, Some(1000)))
        );
        assert_eq!(parse_content_range("bytes 0-0/*"), Some((0, 0, None)));
        assert_eq!(parse_content_range("items 0-1/2"), None);
        assert_eq!(parse_content_range("bytes 5/10"), None);
    }

    #[test]
    fn body_ends_only_after_the_end_marker() {
        let (tx, rx) = mpsc::channel(CHUNKS_PER_OBJECT);
        let permits = Arc::new(Semaphore::new(1));
        let permit = permits.clone().try_acquire_owned().unwrap();
        tx.try_send(Msg::Data(Bytes::from_static(b"hello ")))
            .unwrap();
        tx.try_send(Msg::Data(Bytes::from_static(b"world")))
            .unwrap();
        tx.try_send(Msg::End(permit)).unwrap();
        let mut out = String::new();
        let mut body = Pending {
            rx,
            name: "s3://b/k".into(),
        }
        .open()
        .unwrap();
        body.read_to_string(&mut out).unwrap();
        assert_eq!(out, "hello world");
        assert_eq!(permits.available_permits(), 1, "permit released at the end");

        // A sender that goes away without the end marker is an error, not an end of file.
        let (tx, rx) = mpsc::channel(CHUNKS_PER_OBJECT);
        tx.try_send(Msg::Data(Bytes::from_static(b"partial")))
            .unwrap();
        drop(tx);
        let mut body = Pending {
            rx,
            name: "s3://b/k".into(),
        }
        .open()
        .unwrap();
        let mut buf = Vec::new();
        let e = body.read_to_end(&mut buf).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::UnexpectedEof);
        assert!(e.to_string().contains("s3://b/k"), "{e}");
        assert_eq!(buf, b"partial");
        assert!(body.read(&mut [0; 4]).is_err(), "the error sticks");
    }
}
