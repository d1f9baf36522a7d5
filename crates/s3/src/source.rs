//! The S3 source: a client, the small runtime that drives it, and the request counters.

use crate::error::S3Error;
use crate::fetch::{Counters, Fetcher};
use crate::list::S3Objects;
use crate::uri::S3Uri;
use aws_config::BehaviorVersion;
use aws_sdk_s3::Client;
use aws_sdk_s3::config::Region;
use cnitrail_core::source::local::NameFilter;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;
use tokio::runtime::Runtime;

/// How to reach S3, with the AWS CLI's option names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct S3Options {
    /// `--profile`: a profile of `~/.aws/config` (SSO, `credential_process`, role chains).
    pub profile: Option<String>,
    /// `--region`: overrides the profile's and the environment's region.
    pub region: Option<String>,
    /// `--endpoint-url`: an S3-compatible endpoint (moto, MinIO, LocalStack); implies
    /// path-style addressing, which such servers expect.
    pub endpoint_url: Option<String>,
    /// GETs in flight at once (default 8; 0 counts as 1). Each buffers at most a few
    /// chunks until its reader takes them.
    pub concurrency: usize,
    /// Retries allowed per object after its body broke off or its response never came
    /// (default 5); each continues with a Range request where the body stopped.
    pub max_resumes: usize,
    /// `--cli-connect-timeout`: longest wait for a connection (default 60 s, as the AWS CLI).
    pub connect_timeout: Duration,
    /// `--cli-read-timeout`: longest wait for a response head and, within a body, between
    /// two chunks of it (default 60 s, as the AWS CLI). A GET that waits longer is retried
    /// like a body that broke off; any other request fails after the SDK's own retries.
    pub read_timeout: Duration,
    /// `max-keys` per listing page; `None` is the server's default (1000). For tests.
    pub page_size: Option<i32>,
}

impl Default for S3Options {
    fn default() -> Self {
        S3Options {
            profile: None,
            region: None,
            endpoint_url: None,
            concurrency: 8,
            max_resumes: 5,
            connect_timeout: DEFAULT_TIMEOUT,
            read_timeout: DEFAULT_TIMEOUT,
            page_size: None,
        }
    }
}

/// The AWS CLI's default connect and read timeouts.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

/// Region used when none is configured anywhere. Like the AWS CLI for `s3 ls`: a bucket name
/// is global, and us-east-1 is where an unqualified request goes.
pub const FALLBACK_REGION: &str = "us-east-1";

/// Lists and reads CloudTrail objects from S3.
///
/// Owns a two-thread tokio runtime: the SDK is async, the rest of cnitrail is not. The
/// listing blocks on it from the caller's thread, and bodies stream through it into blocking
/// readers (see [`S3Source::objects`]). Drop the source only after its readers: a body still
/// being read when the runtime stops fails with an error (never a silent short read).
pub struct S3Source {
    runtime: Arc<Runtime>,
    client: Client,
    counters: Arc<Counters>,
    fetcher: Fetcher,
    page_size: Option<i32>,
}

impl std::fmt::Debug for S3Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Source")
            .field("counters", &self.counters)
            .finish_non_exhaustive()
    }
}

pub(crate) fn runtime() -> Result<Runtime, S3Error> {
    // Two workers: the work here is waiting on sockets; the cores belong to decoding.
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("cnitrail-s3")
        .enable_all()
        .build()
        .map_err(S3Error::Runtime)
}

/// Checks that the profile `--profile` or `AWS_PROFILE` names exists in the shared config or
/// credentials file. The SDK, given a profile that is not there, falls back to the rest of
/// the chain (the environment's keys, instance metadata) and so may act as someone else; the
/// AWS CLI refuses, and so does cnitrail. `default` may be absent, as for the CLI.
pub(crate) fn check_profile(runtime: &Runtime, opts: &S3Options) -> Result<(), S3Error> {
    let env = aws_types::os_shim_internal::Env::real();
    let Some(name) = opts
        .profile
        .clone()
        .or_else(|| env.get("AWS_PROFILE").ok())
        .filter(|n| n != "default")
    else {
        return Ok(());
    };
    let files = aws_runtime::env_config::file::EnvConfigFiles::default();
    let set = runtime
        .block_on(aws_config::profile::load(
            &aws_types::os_shim_internal::Fs::real(),
            &env,
            &files,
            None,
        ))
        .map_err(|e| S3Error::ConfigFiles(e.to_string()))?;
    if set.get_profile(&name).is_some() {
        return Ok(());
    }
    let path = |var: &str, default: &str| env.get(var).unwrap_or_else(|_| default.to_string());
    Err(S3Error::UnknownProfile {
        name,
        files: format!(
            "{} or {}",
            path("AWS_CONFIG_FILE", "~/.aws/config"),
            path("AWS_SHARED_CREDENTIALS_FILE", "~/.aws/credentials")
        ),
    })
}

/// The client the AWS CLI would build from `opts` (shared by the source and the uploads).
pub(crate) fn build_client(runtime: &Runtime, opts: &S3Options) -> Client {
    runtime.block_on(async {
        let mut loader = aws_config::defaults(BehaviorVersion::latest());
        if let Some(profile) = &opts.profile {
            loader = loader.profile_name(profile);
        }
        if let Some(region) = &opts.region {
            loader = loader.region(Region::new(region.clone()));
        }
        if let Some(url) = &opts.endpoint_url {
            loader = loader.endpoint_url(url);
        }
        let sdk = loader.load().await;
        let mut config = aws_sdk_s3::config::Builder::from(&sdk);
        if sdk.region().is_none() {
            config = config.region(Region::from_static(FALLBACK_REGION));
        }
        if opts.endpoint_url.is_some() {
            config = config.force_path_style(true);
        }
        // Every request: a bounded connect, and a bounded wait for each attempt's response
        // (for GetObject that ends at the head; its body is watched by the fetcher).
        config = config.timeout_config(
            aws_smithy_types::timeout::TimeoutConfig::builder()
                .connect_timeout(opts.connect_timeout)
                .read_timeout(opts.read_timeout)
                .operation_attempt_timeout(opts.read_timeout)
                .build(),
        );
        Client::from_conf(config.build())
    })
}

impl S3Source {
    /// Builds a client the way the AWS CLI does: `--profile`, `--region` and
    /// `--endpoint-url` when given, otherwise the standard chain (environment, shared config
    /// and SSO, web identity, container and instance metadata).
    ///
    /// Credentials are resolved lazily, at the first request: a missing or expired login
    /// shows up as the listing's error, with the SDK's explanation.
    pub fn connect(opts: &S3Options) -> Result<S3Source, S3Error> {
        if let Some(url) = &opts.endpoint_url
            && !(url.starts_with("http://") || url.starts_with("https://"))
        {
            return Err(S3Error::InvalidEndpoint(url.clone()));
        }
        let runtime = runtime()?;
        check_profile(&runtime, opts)?;
        let client = build_client(&runtime, opts);
        Ok(S3Source::with_runtime(runtime, client, opts))
    }

    /// Uses a client built elsewhere (tests: static credentials and a local endpoint, without
    /// touching the process environment). `profile`, `region` and `endpoint_url` of `opts`
    /// are ignored; the rest applies.
    pub fn from_client(client: Client, opts: &S3Options) -> Result<S3Source, S3Error> {
        Ok(S3Source::with_runtime(runtime()?, client, opts))
    }

    fn with_runtime(runtime: Runtime, client: Client, opts: &S3Options) -> S3Source {
        let counters = Arc::new(Counters::default());
        let fetcher = Fetcher::spawn(
            &runtime,
            client.clone(),
            counters.clone(),
            opts.concurrency,
            opts.max_resumes,
            opts.read_timeout,
        );
        S3Source {
            runtime: Arc::new(runtime),
            client,
            counters,
            fetcher,
            page_size: opts.page_size,
        }
    }

    /// The objects below `uri` that `filter` may want, lazily, in key order, named
    /// `s3://bucket/key`.
    ///
    /// - With a time window, accounts or regions, the CloudTrail layout is walked and only
    ///   the folders that can match are listed (see the `plan` module); otherwise the prefix
    ///   is listed whole. Every key is also checked with [`NameFilter::accepts`], and with
    ///   [`NameFilter::owns`] on the object key when a shard is set (digests too: each file,
    ///   whatever its kind, is one shard's).
    /// - Each `Events` object starts downloading when it is yielded (at most
    ///   [`S3Options::concurrency`] at once, granted in yield order); its `open` returns a
    ///   blocking reader. Read objects in the order they were yielded, each to its end or
    ///   dropped, as the scan does; see the `fetch` module for why that cannot deadlock.
    /// - Digest and Insight objects are yielded with their kind and fetched only if opened.
    /// - A failed listing is yielded as an error naming the prefix, and the walk goes on
    ///   with the next folder; when nothing could be listed at all (no bucket, no
    ///   credentials), that error is the last item.
    ///
    /// `next` blocks on the network: call it from a plain thread, not from async code.
    pub fn objects(&self, uri: &S3Uri, filter: &NameFilter) -> S3Objects {
        S3Objects::new(
            self.runtime.clone(),
            self.client.clone(),
            self.counters.clone(),
            self.fetcher.clone(),
            uri.bucket.clone(),
            uri.prefix.clone(),
            filter.clone(),
            self.page_size,
        )
    }

    /// Range resumes so far (a body broke off and was continued where it stopped).
    pub fn resumes(&self) -> u64 {
        self.counters.resumes.load(Ordering::Relaxed)
    }

    /// `GetObject` requests issued so far, resumes included; the SDK's own retries of a
    /// request are not counted.
    pub fn get_requests(&self) -> u64 {
        self.counters.gets.load(Ordering::Relaxed)
    }

    /// `ListObjectsV2` requests issued so far; the SDK's own retries are not counted.
    pub fn list_requests(&self) -> u64 {
        self.counters.lists.load(Ordering::Relaxed)
    }

    /// The SDK client, for callers that need another S3 call.
    pub fn client(&self) -> &Client {
        &self.client
    }
}
