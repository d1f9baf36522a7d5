//! The lazy listing: a depth-first walk driven by [`crate::plan`], one page at a time.
//!
//! Each level is listed in key order and a sub-folder is finished before the next entry of
//! its parent is looked at, so objects come out in key order whatever mix of delimiter
//! listings, recursive listings and generated day folders produced them. Nothing is listed
//! before the consumer asks for the next object, and at most one page per open level is held.

use crate::describe;
use crate::fetch::{Counters, Fetcher};
use crate::plan::{self, Action};
use aws_sdk_s3::Client;
use cnitrail_core::source::layout::{FileKind, file_kind};
use cnitrail_core::source::local::NameFilter;
use cnitrail_core::source::{InputObject, Opener, SourceError};
use std::collections::VecDeque;
use std::io::Read;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use tokio::runtime::Runtime;

/// One entry of a listing page.
#[derive(Debug)]
enum Entry {
    Key { key: String, size: Option<u64> },
    Folder(String),
}

impl Entry {
    fn sort_key(&self) -> &str {
        match self {
            Entry::Key { key, .. } => key,
            Entry::Folder(f) => f,
        }
    }
}

/// Work in progress, innermost last.
#[derive(Debug)]
enum Cursor {
    /// Decide between walking `<folder>AWSLogs/` and a plain listing of `folder`.
    Probe(String),
    /// A paginated `ListObjectsV2`.
    List {
        prefix: String,
        /// With delimiter `/` (one level) or without (everything below).
        delimiter: bool,
        /// Continuation token of the next page.
        token: Option<String>,
        /// Whether another page is to be fetched.
        more: bool,
        /// What is left of the current page.
        entries: VecDeque<Entry>,
    },
    /// Day folders still to list, in order.
    Days(VecDeque<String>),
}

impl Cursor {
    fn list(prefix: String, delimiter: bool) -> Cursor {
        Cursor::List {
            prefix,
            delimiter,
            token: None,
            more: true,
            entries: VecDeque::new(),
        }
    }
}

/// The objects below an `s3://` prefix, listed lazily, in key order; see
/// [`crate::S3Source::objects`].
///
/// `next` blocks on the network; call it from a plain thread, never from inside an async
/// runtime.
pub struct S3Objects {
    runtime: Arc<Runtime>,
    client: Client,
    counters: Arc<Counters>,
    fetcher: Fetcher,
    bucket: String,
    filter: NameFilter,
    page_size: Option<i32>,
    stack: Vec<Cursor>,
    /// Whether any listing has succeeded yet: a failure before that is a failure of the
    /// whole source (no bucket, no credentials), reported once.
    any_listing_ok: bool,
}

impl std::fmt::Debug for S3Objects {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Objects")
            .field("bucket", &self.bucket)
            .field("stack", &self.stack)
            .finish_non_exhaustive()
    }
}

/// A listing page, merged into key order.
struct Page {
    entries: VecDeque<Entry>,
    token: Option<String>,
}

impl S3Objects {
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn new(
        runtime: Arc<Runtime>,
        client: Client,
        counters: Arc<Counters>,
        fetcher: Fetcher,
        bucket: String,
        prefix: String,
        filter: NameFilter,
        page_size: Option<i32>,
    ) -> S3Objects {
        let mut objects = S3Objects {
            runtime,
            client,
            counters,
            fetcher,
            bucket,
            page_size,
            stack: Vec::new(),
            any_listing_ok: false,
            filter,
        };
        let action = plan::plan_root(&prefix, &objects.filter);
        objects.push(action, prefix);
        objects
    }

    fn push(&mut self, action: Action, folder: String) {
        match action {
            Action::Probe => self.stack.push(Cursor::Probe(folder)),
            Action::Children => self.stack.push(Cursor::list(folder, true)),
            Action::Plain => self.stack.push(Cursor::list(folder, false)),
            Action::Days(days) => self.stack.push(Cursor::Days(days.into())),
            Action::Skip => {}
        }
    }

    fn error(&mut self, prefix: &str, message: String) -> SourceError {
        if !self.any_listing_ok {
            self.stack.clear();
        }
        SourceError::new(
            format!("s3://{}/{}", self.bucket, prefix),
            format!("cannot list: {message}"),
        )
    }

    fn list_page(
        &self,
        prefix: &str,
        delimiter: bool,
        token: Option<String>,
        max_keys: Option<i32>,
    ) -> Result<Page, String> {
        self.counters.lists.fetch_add(1, Ordering::Relaxed);
        let mut req = self
            .client
            .list_objects_v2()
            .bucket(&self.bucket)
            .prefix(prefix)
            .set_continuation_token(token.clone())
            .set_max_keys(max_keys.or(self.page_size));
        if delimiter {
            req = req.delimiter("/");
        }
        let out = self
            .runtime
            .block_on(req.send())
            .map_err(|e| describe::sdk(&e))?;
        let mut entries: Vec<Entry> = out
            .contents()
            .iter()
            .filter_map(|o| {
                let key = o.key()?;
                let size = o.size().and_then(|s| u64::try_from(s).ok());
                // Zero-byte `folder/` markers (made by the console) are not files.
                if key.ends_with('/') && size.unwrap_or(0) == 0 {
                    return None;
                }
                Some(Entry::Key {
                    key: key.to_string(),
                    size,
                })
            })
            .collect();
        entries.extend(
            out.common_prefixes()
                .iter()
                .filter_map(|p| p.prefix())
                .map(|p| Entry::Folder(p.to_string())),
        );
        entries.sort_by(|a, b| a.sort_key().cmp(b.sort_key()));
        let next = out.next_continuation_token().map(str::to_owned);
        let token = match (out.is_truncated().unwrap_or(false), next) {
            // A token that does not move would loop forever.
            (true, Some(t)) if Some(&t) != token.as_ref() => Some(t),
            (true, _) => {
                return Err("the listing is truncated but gives no new continuation token".into());
            }
            (false, _) => None,
        };
        Ok(Page {
            entries: entries.into(),
            token,
        })
    }

    fn object(&self, key: String, size: Option<u64>) -> InputObject {
        let name = format!("s3://{}/{}", self.bucket, key);
        let kind = file_kind(&key);
        let open: Opener = if kind == FileKind::Events {
            // Prefetch: the GET starts now, while the workers are busy with earlier objects.
            let pending = self.fetcher.start(&self.bucket, &key, &name, size);
            Box::new(move || Ok(Box::new(pending.open()?) as Box<dyn Read + Send>))
        } else {
            // Digests and Insights are counted by name and not read by the scan: never fetch
            // them unless someone opens them.
            let fetcher = self.fetcher.clone();
            let (bucket, name) = (self.bucket.clone(), name.clone());
            Box::new(move || {
                let body = fetcher.start(&bucket, &key, &name, size).open()?;
                Ok(Box::new(body) as Box<dyn Read + Send>)
            })
        };
        InputObject {
            name,
            size,
            kind,
            open,
        }
    }
}

impl Iterator for S3Objects {
    type Item = Result<InputObject, SourceError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            match self.stack.last_mut()? {
                Cursor::Days(days) => match days.pop_front() {
                    Some(day) => self.stack.push(Cursor::list(day, false)),
                    None => {
                        self.stack.pop();
                    }
                },
                Cursor::Probe(_) => {
                    let Some(Cursor::Probe(folder)) = self.stack.pop() else {
                        unreachable!()
                    };
                    let logs = format!("{folder}AWSLogs/");
                    match self.list_page(&logs, false, None, Some(1)) {
                        Ok(page) => {
                            self.any_listing_ok = true;
                            if page.entries.is_empty() {
                                // Not a trail prefix: read what is there, key by key.
                                self.stack.push(Cursor::list(folder, false));
                            } else {
                                let action = plan::plan_folder(&logs, &self.filter);
                                self.push(action, logs);
                            }
                        }
                        Err(e) => return Some(Err(self.error(&folder, e))),
                    }
                }
                Cursor::List {
                    prefix,
                    delimiter,
                    token,
                    more,
                    entries,
                } => {
                    if let Some(entry) = entries.pop_front() {
                        match entry {
                            Entry::Key { key, size } => {
                                // The shard decides before the GET starts: other shards'
                                // objects are never fetched.
                                if self.filter.accepts(&key) && self.filter.owns(&key) {
                                    return Some(Ok(self.object(key, size)));
                                }
                            }
                            Entry::Folder(folder) => {
                                let action = plan::plan_child(&folder, &self.filter);
                                self.push(action, folder);
                            }
                        }
                        continue;
                    }
                    if !*more {
                        self.stack.pop();
                        continue;
                    }
                    let (prefix, delimiter, token) = (prefix.clone(), *delimiter, token.take());
                    match self.list_page(&prefix, delimiter, token, None) {
                        Ok(page) => {
                            self.any_listing_ok = true;
                            if let Some(Cursor::List {
                                token,
                                more,
                                entries,
                                ..
                            }) = self.stack.last_mut()
                            {
                                *more = page.token.is_some();
                                *token = page.token;
                                *entries = page.entries;
                            }
                        }
                        Err(e) => {
                            self.stack.pop();
                            return Some(Err(self.error(&prefix, e)));
                        }
                    }
                }
            }
        }
    }
}
