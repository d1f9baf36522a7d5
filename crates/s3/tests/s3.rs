//! cnitrail-s3 against a real S3 API: a moto server on 127.0.0.1, and a tokio fault proxy in
//! front of it for resets, truncations and 503s.
//!
//! The tests fail, never skip, when moto cannot start: a skipped S3 suite looks green and
//! proves nothing.

use aws_sdk_s3::Client;
use aws_sdk_s3::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_s3::primitives::ByteStream;
use cnitrail_core::source::InputObject;
use cnitrail_core::source::layout::FileKind;
use cnitrail_core::source::local::NameFilter;
use cnitrail_core::source::window::TimeWindow;
use cnitrail_s3::{S3Objects, S3Options, S3Source, S3Uri};
use std::collections::BTreeMap;
use std::io::{self, Read, Write as _};
use std::net::{SocketAddr, TcpListener as StdListener, TcpStream as StdStream};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::runtime::Runtime;
use tokio::sync::Semaphore;

// ---------------------------------------------------------------------------------------------
// Harness: moto, clients, helpers.

const INSTALL_HINT: &str =
    "the S3 tests need moto's server on 127.0.0.1: python3 -m pip install 'moto[server]'";

/// moto's server, exiting with the test process (shared with the other test suite).
const MOTO_SCRIPT: &str = include_str!("../../../tests/moto_server.py");

struct Moto {
    child: Mutex<Child>,
    _stdin: ChildStdin,
    addr: SocketAddr,
    url: String,
}

impl Drop for Moto {
    fn drop(&mut self) {
        if let Ok(mut c) = self.child.lock() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

fn start_moto() -> Moto {
    let port = StdListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("bind 127.0.0.1:0")
        .port();
    let mut child = Command::new("python3")
        .args(["-c", MOTO_SCRIPT, &port.to_string()])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run python3: {e}; {INSTALL_HINT}"));
    let stdin = child.stdin.take().unwrap();
    // Drain stderr (moto logs every request; a full pipe would stall it), keeping the tail
    // for the failure message.
    let tail = Arc::new(Mutex::new(Vec::<u8>::new()));
    let mut stderr = child.stderr.take().unwrap();
    let tail2 = tail.clone();
    std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n) = stderr.read(&mut buf) {
            if n == 0 {
                break;
            }
            let mut t = tail2.lock().unwrap();
            t.extend_from_slice(&buf[..n]);
            let excess = t.len().saturating_sub(4096);
            t.drain(..excess);
        }
    });
    let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            std::thread::sleep(Duration::from_millis(100));
            panic!(
                "moto exited ({status}) before answering:\n{}\n{INSTALL_HINT}",
                String::from_utf8_lossy(&tail.lock().unwrap())
            );
        }
        if StdStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
            break;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!(
                "moto did not answer on {addr} within 20 s:\n{}\n{INSTALL_HINT}",
                String::from_utf8_lossy(&tail.lock().unwrap())
            );
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Moto {
        child: Mutex::new(child),
        _stdin: stdin,
        addr,
        url: format!("http://{addr}"),
    }
}

/// One moto for the whole binary; tests use distinct buckets.
fn moto() -> &'static Moto {
    static MOTO: OnceLock<Moto> = OnceLock::new();
    MOTO.get_or_init(start_moto)
}

/// Runs the proxies and the uploads (the sources have runtimes of their own).
fn rt() -> &'static Runtime {
    static RT: OnceLock<Runtime> = OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap()
    })
}

/// A client with static credentials: nothing read from, or written to, the environment.
fn client(endpoint: &str) -> Client {
    let conf = aws_sdk_s3::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .endpoint_url(endpoint)
        .credentials_provider(Credentials::new("test", "test", None, None, "test"))
        .force_path_style(true)
        .build();
    Client::from_conf(conf)
}

fn source(endpoint: &str, opts: S3Options) -> S3Source {
    S3Source::from_client(client(endpoint), &opts).unwrap()
}

fn create_bucket(bucket: &str) {
    let c = client(&moto().url);
    rt().block_on(c.create_bucket().bucket(bucket).send())
        .unwrap_or_else(|e| panic!("create bucket {bucket}: {e:?}"));
}

fn put(bucket: &str, key: &str, body: &[u8]) {
    let c = client(&moto().url);
    rt().block_on(
        c.put_object()
            .bucket(bucket)
            .key(key)
            .body(ByteStream::from(body.to_vec()))
            .send(),
    )
    .unwrap_or_else(|e| panic!("put {key}: {e:?}"));
}

/// Deterministic incompressible bytes.
fn random_bytes(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

fn read_all(obj: InputObject) -> io::Result<Vec<u8>> {
    let mut reader = (obj.open)()?;
    let mut out = Vec::new();
    reader.read_to_end(&mut out)?;
    Ok(out)
}

/// Runs `f` on its own thread and fails the test if it takes longer than `secs`: a fault
/// test must end, with success or an error, never hang.
fn within<T: Send + 'static>(secs: u64, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    match rx.recv_timeout(Duration::from_secs(secs)) {
        Ok(v) => v,
        Err(std::sync::mpsc::RecvTimeoutError::Timeout) => panic!("did not finish within {secs} s"),
        Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => panic!("the test thread panicked"),
    }
}

fn names(objects: S3Objects) -> Vec<(String, FileKind)> {
    objects
        .map(|o| {
            let o = o.unwrap();
            (o.name, o.kind)
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Fault proxy: one request per connection (it asks moto to close after the response), so a
// connection is an attempt. Faults apply to object GETs only; listings pass untouched.

#[derive(Debug, Clone, Copy)]
enum Fault {
    /// Forward the response head and N bytes of body, then send a TCP RST.
    Reset(usize),
    /// Forward the response head and N bytes of body, then close cleanly (FIN).
    Close(usize),
    /// Answer 503 SlowDown without asking moto.
    SlowDown,
    /// Read the request and answer nothing (for at most a minute): a response head that
    /// never starts.
    StallHead,
    /// Forward the response head and N bytes of body, then send nothing more (for at most a
    /// minute) without closing.
    StallBody(usize),
}

struct Proxy {
    url: String,
    /// Object GETs seen (attempts, the SDK's retries included).
    object_gets: Arc<AtomicUsize>,
    /// With `gated`, object GETs after the faulty ones wait until a permit is added.
    gate: Arc<Semaphore>,
}

struct Rule {
    fault: Fault,
    /// The first `faulty` object GETs get the fault; the rest pass.
    faulty: usize,
    gated: bool,
    upstream: SocketAddr,
    object_gets: Arc<AtomicUsize>,
    gate: Arc<Semaphore>,
}

fn proxy(fault: Fault, faulty: usize, gated: bool) -> Proxy {
    let object_gets = Arc::new(AtomicUsize::new(0));
    let gate = Arc::new(Semaphore::new(0));
    let rule = Arc::new(Rule {
        fault,
        faulty,
        gated,
        upstream: moto().addr,
        object_gets: object_gets.clone(),
        gate: gate.clone(),
    });
    let listener = rt().block_on(TcpListener::bind("127.0.0.1:0")).unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    rt().spawn(async move {
        while let Ok((conn, _)) = listener.accept().await {
            let rule = rule.clone();
            tokio::spawn(async move {
                let _ = serve(conn, &rule).await;
            });
        }
    });
    Proxy {
        url,
        object_gets,
        gate,
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Reads a request head (bounded in size and time).
async fn read_head(conn: &mut TcpStream) -> io::Result<(Vec<u8>, Vec<u8>)> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let read = async {
        loop {
            if let Some(end) = find(&buf, b"\r\n\r\n") {
                let rest = buf.split_off(end + 4);
                return Ok((buf, rest));
            }
            if buf.len() > 64 * 1024 {
                return Err(io::Error::other("request head too large"));
            }
            let n = conn.read(&mut chunk).await?;
            if n == 0 {
                return Err(io::ErrorKind::UnexpectedEof.into());
            }
            buf.extend_from_slice(&chunk[..n]);
        }
    };
    tokio::time::timeout(Duration::from_secs(10), read)
        .await
        .map_err(|_| io::Error::from(io::ErrorKind::TimedOut))?
}

async fn serve(mut conn: TcpStream, rule: &Rule) -> io::Result<()> {
    let (head, rest) = read_head(&mut conn).await?;
    let head = String::from_utf8_lossy(&head).into_owned();
    let request_line = head.lines().next().unwrap_or_default();
    let object_get = request_line.starts_with("GET ") && !request_line.contains("list-type");
    let mut fault = None;
    if object_get {
        let n = rule.object_gets.fetch_add(1, Ordering::SeqCst);
        if n < rule.faulty {
            fault = Some(rule.fault);
        } else if rule.gated {
            drop(rule.gate.acquire().await);
        }
    }
    if let Some(Fault::StallHead) = fault {
        tokio::time::sleep(Duration::from_secs(60)).await;
        return Ok(());
    }
    if let Some(Fault::SlowDown) = fault {
        let body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message><RequestId>fault</RequestId></Error>";
        let resp = format!(
            "HTTP/1.1 503 Slow Down\r\nContent-Type: application/xml\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
        conn.write_all(resp.as_bytes()).await?;
        return conn.shutdown().await;
    }
    // One request per connection: ask moto to close after answering.
    let mut forwarded: String = head
        .split("\r\n")
        .filter(|l| !l.is_empty() && !l.to_ascii_lowercase().starts_with("connection:"))
        .map(|l| format!("{l}\r\n"))
        .collect();
    forwarded.push_str("Connection: close\r\n\r\n");
    let mut up = TcpStream::connect(rule.upstream).await?;
    up.write_all(forwarded.as_bytes()).await?;
    up.write_all(&rest).await?;
    let limit = match fault {
        Some(Fault::Reset(n) | Fault::Close(n) | Fault::StallBody(n)) => Some(n),
        _ => None,
    };
    let mut buf = vec![0u8; 64 * 1024];
    let mut response_head = Vec::new();
    let mut body_part;
    let mut in_body = false;
    let mut sent = 0usize;
    loop {
        let n = up.read(&mut buf).await?;
        if n == 0 {
            break;
        }
        let data: &[u8] = if in_body {
            &buf[..n]
        } else {
            response_head.extend_from_slice(&buf[..n]);
            let Some(end) = find(&response_head, b"\r\n\r\n") else {
                continue;
            };
            body_part = response_head.split_off(end + 4);
            conn.write_all(&response_head).await?;
            in_body = true;
            &body_part
        };
        if let Some(limit) = limit.filter(|l| sent + data.len() >= *l) {
            conn.write_all(&data[..limit - sent]).await?;
            conn.flush().await?;
            // Let the client read what was sent: an RST discards unread data.
            tokio::time::sleep(Duration::from_millis(50)).await;
            match fault {
                Some(Fault::Reset(_)) => conn.set_zero_linger()?,
                Some(Fault::StallBody(_)) => tokio::time::sleep(Duration::from_secs(60)).await,
                _ => conn.shutdown().await?,
            }
            return Ok(());
        }
        conn.write_all(data).await?;
        sent += data.len();
    }
    conn.shutdown().await
}

// ---------------------------------------------------------------------------------------------
// Listing.

#[test]
fn lists_every_page_lazily_in_key_order() {
    let bucket = "pages";
    create_bucket(bucket);
    let mut keys: Vec<String> = (0..7)
        .map(|i| format!("logs/{}/f{i}.json", i % 3))
        .collect();
    for k in &keys {
        put(bucket, k, k.as_bytes());
    }
    put(bucket, "logs-not/x.json", b"x");
    put(bucket, "logs/folder/", b""); // a console folder marker: not a file
    let src = source(
        &moto().url,
        S3Options {
            page_size: Some(2),
            ..S3Options::default()
        },
    );
    let uri = S3Uri::parse("s3://pages/logs/").unwrap();
    let mut objects = src.objects(&uri, &NameFilter::default());
    assert_eq!(
        src.list_requests(),
        0,
        "nothing is listed before it is asked for"
    );
    let first = objects.next().unwrap().unwrap();
    assert_eq!(src.list_requests(), 1, "one page at a time");
    let mut got = vec![(first.name.clone(), first.size)];
    got.extend(objects.map(|o| {
        let o = o.unwrap();
        (o.name, o.size)
    }));
    keys.sort();
    let want: Vec<(String, Option<u64>)> = keys
        .iter()
        .map(|k| (format!("s3://pages/{k}"), Some(k.len() as u64)))
        .collect();
    assert_eq!(got, want);
    assert!(
        src.list_requests() >= 4,
        "7 keys at 2 per page: {}",
        src.list_requests()
    );
    assert_eq!(read_all(first).unwrap(), keys[0].as_bytes());
}

const A: &str = "111122223333";
const B: &str = "444455556666";

/// A CloudTrail log key.
fn ct(org: &str, acct: &str, region: &str, day: &str, stamp: &str) -> String {
    format!(
        "trail/AWSLogs/{org}{acct}/CloudTrail/{region}/{day}/{acct}_CloudTrail_{region}_{stamp}_abcdefghijklmnop.json.gz"
    )
}

/// The layout bucket, by label.
fn layout_keys() -> BTreeMap<&'static str, String> {
    let org = "o-abc123def4/";
    BTreeMap::from([
        (
            "a-ue1-0520",
            ct("", A, "us-east-1", "2026/05/20", "20260520T2355Z"),
        ),
        (
            "a-ue1-0521-early",
            ct("", A, "us-east-1", "2026/05/21", "20260521T0905Z"),
        ),
        (
            "a-ue1-0521",
            ct("", A, "us-east-1", "2026/05/21", "20260521T1130Z"),
        ),
        (
            "a-ue1-0522",
            ct("", A, "us-east-1", "2026/05/22", "20260522T0010Z"),
        ),
        (
            "a-ue1-0524",
            ct("", A, "us-east-1", "2026/05/24", "20260524T0000Z"),
        ),
        (
            "a-ue1-2025",
            ct("", A, "us-east-1", "2025/12/31", "20251231T2300Z"),
        ),
        (
            "a-ew1-0521",
            ct("", A, "eu-west-1", "2026/05/21", "20260521T1500Z"),
        ),
        (
            "a-digest",
            format!(
                "trail/AWSLogs/{A}/CloudTrail-Digest/us-east-1/2026/05/21/{A}_CloudTrail-Digest_us-east-1_mytrail_us-east-1_20260521T120000Z.json.gz"
            ),
        ),
        (
            "b-ue1-0521",
            ct(org, B, "us-east-1", "2026/05/21", "20260521T1200Z"),
        ),
        (
            "b-ew1-0523",
            ct(org, B, "eu-west-1", "2026/05/23", "20260523T0100Z"),
        ),
        // Traps: accepted by name, so only a walk that never lists their folders leaves them out.
        (
            "trap-year",
            format!("trail/AWSLogs/{A}/CloudTrail/us-east-1/2026/notes.txt"),
        ),
        (
            "trap-elb",
            format!("trail/AWSLogs/{A}/ElasticLoadBalancing/us-east-1/2026/05/21/elb.log.gz"),
        ),
        ("readme", "trail/README.txt".to_string()),
        ("other", "other/notes.json".to_string()),
    ])
}

fn layout_bucket() -> &'static BTreeMap<&'static str, String> {
    static KEYS: OnceLock<BTreeMap<&'static str, String>> = OnceLock::new();
    KEYS.get_or_init(|| {
        create_bucket("layout");
        let keys = layout_keys();
        for k in keys.values() {
            put("layout", k, b"{}");
        }
        keys
    })
}

fn window() -> TimeWindow {
    let t = |s: &str| chrono::DateTime::parse_from_rfc3339(s).unwrap().to_utc();
    TimeWindow {
        since: Some(t("2026-05-21T10:00:00Z")),
        until: Some(t("2026-05-22T00:00:00Z")),
    }
}

/// Lists `s3://layout/<prefix>` and checks the exact keys, in key order.
fn check_layout(src: &S3Source, prefix: &str, filter: &NameFilter, want: &[&str]) {
    let keys = layout_bucket();
    let uri = S3Uri::parse(&format!("s3://layout/{prefix}")).unwrap();
    let got = names(src.objects(&uri, filter));
    let mut expected: Vec<(String, FileKind)> = want
        .iter()
        .map(|label| {
            let key = &keys[label];
            let kind = if label.contains("digest") {
                FileKind::Digest
            } else {
                FileKind::Events
            };
            (format!("s3://layout/{key}"), kind)
        })
        .collect();
    expected.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(got, expected, "prefix {prefix:?}, filter {filter:?}");
}

#[test]
fn walks_the_layout_and_prunes_by_window_account_and_region() {
    let src = source(
        &moto().url,
        S3Options {
            page_size: Some(2),
            ..S3Options::default()
        },
    );
    let win = NameFilter {
        window: window(),
        ..NameFilter::default()
    };
    let in_window = [
        "a-ue1-0521",
        "a-ue1-0522",
        "a-ew1-0521",
        "a-digest",
        "b-ue1-0521",
        "b-ew1-0523",
    ];
    check_layout(&src, "trail/", &win, &in_window);
    check_layout(&src, "trail", &win, &in_window);
    let accounts = NameFilter {
        accounts: vec![B.to_string()],
        ..NameFilter::default()
    };
    check_layout(&src, "trail/", &accounts, &["b-ue1-0521", "b-ew1-0523"]);
    let regions = NameFilter {
        regions: vec!["eu-west-1".to_string()],
        ..NameFilter::default()
    };
    check_layout(&src, "trail/", &regions, &["a-ew1-0521", "b-ew1-0523"]);
    let both = NameFilter {
        regions: vec!["eu-west-1".to_string()],
        ..win.clone()
    };
    check_layout(&src, "trail/AWSLogs/o-abc123def4/", &both, &["b-ew1-0523"]);
    // Prefixes that start mid-layout: a year, a partial account id, a day.
    check_layout(
        &src,
        &format!("trail/AWSLogs/{A}/CloudTrail/us-east-1/2026/"),
        &win,
        &["a-ue1-0521", "a-ue1-0522"],
    );
    check_layout(
        &src,
        "trail/AWSLogs/1111",
        &win,
        &["a-digest", "a-ew1-0521", "a-ue1-0521", "a-ue1-0522"],
    );
    check_layout(
        &src,
        &format!("trail/AWSLogs/{A}/CloudTrail/us-east-1/2026/05/21/"),
        &win,
        &["a-ue1-0521"],
    );
    check_layout(
        &src,
        &format!("trail/AWSLogs/{A}/CloudTrail/us-east-1/2026/05/2"),
        &win,
        &["a-ue1-0521", "a-ue1-0522"],
    );
    // No narrowing filter: the prefix is listed whole.
    let all: Vec<&str> = layout_keys()
        .into_keys()
        .filter(|l| *l != "other")
        .collect();
    check_layout(&src, "trail/", &NameFilter::default(), &all);
}

/// `--shard I/N`: each key in exactly one shard, judged on the object key as listed, and
/// other shards' objects never fetched.
#[test]
fn shards_split_the_listing_by_object_key_before_any_get() {
    use cnitrail_core::source::shard::Shard;
    let uri = S3Uri::parse("s3://layout/").unwrap();
    let whole = NameFilter {
        window: window(),
        ..NameFilter::default()
    };
    let all = names(source(&moto().url, S3Options::default()).objects(&uri, &whole));
    assert!(all.len() > 3, "{all:?}");
    let mut union = Vec::new();
    for index in 0..3 {
        let shard = Shard { index, count: 3 };
        let src = source(&moto().url, S3Options::default());
        let filter = NameFilter {
            shard: Some(shard),
            ..whole.clone()
        };
        let mut got = Vec::new();
        for o in src.objects(&uri, &filter) {
            let o = o.unwrap();
            let key = o.name.strip_prefix("s3://layout/").unwrap().to_string();
            assert!(shard.owns(&key), "{key} is not {shard}'s");
            if o.kind == FileKind::Events {
                read_all(o).unwrap();
            }
            got.push(key);
        }
        let events = got
            .iter()
            .filter(|k| cnitrail_core::source::layout::file_kind(k) == FileKind::Events)
            .count() as u64;
        assert_eq!(
            src.get_requests(),
            events,
            "shard {shard} fetched only its objects"
        );
        union.extend(got.into_iter().map(|k| format!("s3://layout/{k}")));
    }
    union.sort();
    let mut all_names: Vec<String> = all.into_iter().map(|(n, _)| n).collect();
    all_names.sort();
    assert_eq!(union, all_names, "every key in exactly one shard");
}

#[test]
fn falls_back_to_a_plain_listing_where_there_is_no_awslogs_folder() {
    let src = source(&moto().url, S3Options::default());
    let win = NameFilter {
        window: window(),
        ..NameFilter::default()
    };
    // The bucket root has no `AWSLogs/` of its own: every key is judged by name, the traps
    // (whose names say nothing against the window) included.
    let keys = layout_bucket();
    let want: Vec<&str> = keys
        .iter()
        .filter(|(_, k)| win.accepts(k))
        .map(|(l, _)| *l)
        .collect();
    for trap in ["trap-year", "trap-elb", "readme", "other"] {
        assert!(want.contains(&trap));
    }
    check_layout(&src, "", &win, &want);
}

#[test]
fn a_listing_failure_names_the_prefix_and_ends_the_iteration() {
    let src = source(&moto().url, S3Options::default());
    let win = NameFilter {
        window: window(),
        ..NameFilter::default()
    };
    for filter in [NameFilter::default(), win] {
        let uri = S3Uri::parse("s3://no-such-bucket-here/AWSLogs/").unwrap();
        let items: Vec<_> = src.objects(&uri, &filter).collect();
        assert_eq!(items.len(), 1, "{items:?}");
        let err = items.into_iter().next().unwrap().unwrap_err();
        assert_eq!(err.name, "s3://no-such-bucket-here/AWSLogs/");
        assert!(err.message.contains("NoSuchBucket"), "{err}");
    }
}

// ---------------------------------------------------------------------------------------------
// Bodies.

/// Uploads one object and returns a source (through `endpoint`) and the object as listed.
fn one_object(
    bucket: &str,
    body: &[u8],
    endpoint: &str,
    opts: S3Options,
) -> (S3Source, InputObject) {
    create_bucket(bucket);
    put(bucket, "obj.json.gz", body);
    let src = source(endpoint, opts);
    let uri = S3Uri::parse(&format!("s3://{bucket}/")).unwrap();
    let mut objects = src.objects(&uri, &NameFilter::default());
    let obj = objects.next().unwrap().unwrap();
    assert!(objects.next().is_none());
    assert_eq!(obj.size, Some(body.len() as u64));
    (src, obj)
}

#[test]
fn streams_a_multi_megabyte_object() {
    let body = random_bytes(5 << 20, 1);
    let (src, obj) = one_object("big", &body, &moto().url, S3Options::default());
    let got = within(30, move || read_all(obj).unwrap());
    assert!(got == body, "content differs ({} bytes read)", got.len());
    assert_eq!((src.get_requests(), src.resumes()), (1, 0));
}

fn resumes_through(bucket: &str, fault: Fault) {
    let body = random_bytes(3 << 20, 2);
    let proxy = proxy(fault, 2, false);
    let (src, obj) = one_object(bucket, &body, &proxy.url, S3Options::default());
    let got = within(30, move || read_all(obj).unwrap());
    assert!(
        got == body,
        "content differs after resume ({} bytes read)",
        got.len()
    );
    assert!(src.resumes() > 0, "{fault:?}: no resume");
    assert_eq!(src.get_requests(), 1 + src.resumes());
    assert!(proxy.object_gets.load(Ordering::SeqCst) >= 3);
}

#[test]
fn resumes_with_range_after_a_reset_mid_body() {
    resumes_through("reset", Fault::Reset(1 << 20));
}

#[test]
fn resumes_with_range_after_a_truncated_body() {
    resumes_through("truncated", Fault::Close(1 << 20));
}

/// Issue 15, found 4: a response whose head never comes, or a body that stops without
/// closing, is retried after `--cli-read-timeout`, and the object read whole.
#[test]
fn stalled_heads_and_bodies_are_retried_after_the_read_timeout() {
    for (bucket, fault) in [
        ("stall-head", Fault::StallHead),
        ("stall-body", Fault::StallBody(1 << 20)),
    ] {
        let body = random_bytes(3 << 20, 5);
        let proxy = proxy(fault, 1, false);
        let opts = S3Options {
            read_timeout: Duration::from_secs(1),
            ..S3Options::default()
        };
        let (src, obj) = one_object(bucket, &body, &proxy.url, opts);
        let got = within(30, move || read_all(obj).unwrap());
        assert!(
            got == body,
            "{fault:?}: content differs ({} bytes)",
            got.len()
        );
        assert_eq!((src.get_requests(), src.resumes()), (2, 1), "{fault:?}");
    }
}

/// A head that never comes on any attempt ends in a named error, never a hang.
#[test]
fn a_head_that_never_comes_is_named_after_the_retries() {
    let body = random_bytes(100_000, 6);
    let proxy = proxy(Fault::StallHead, usize::MAX, false);
    let opts = S3Options {
        read_timeout: Duration::from_secs(1),
        max_resumes: 2,
        ..S3Options::default()
    };
    let (src, obj) = one_object("stall-always", &body, &proxy.url, opts);
    let err = within(30, move || read_all(obj).unwrap_err());
    let msg = err.to_string();
    assert!(msg.contains("s3://stall-always/obj.json.gz"), "{msg}");
    assert!(msg.contains("no response within 1 s"), "{msg}");
    assert_eq!((src.get_requests(), src.resumes()), (3, 2));
}

#[test]
fn slowdown_503_is_retried_by_the_sdk() {
    let body = random_bytes(100_000, 3);
    let proxy = proxy(Fault::SlowDown, 2, false);
    let (src, obj) = one_object("slowdown", &body, &proxy.url, S3Options::default());
    let got = within(30, move || read_all(obj).unwrap());
    assert!(got == body);
    assert_eq!(
        proxy.object_gets.load(Ordering::SeqCst),
        3,
        "two 503s, then the answer"
    );
    assert_eq!((src.get_requests(), src.resumes()), (1, 0));
}

#[test]
fn a_reset_on_every_attempt_ends_in_an_error_after_the_resume_cap() {
    let body = random_bytes(2 << 20, 4);
    let proxy = proxy(Fault::Reset(256 << 10), usize::MAX, false);
    let opts = S3Options {
        max_resumes: 2,
        ..S3Options::default()
    };
    let (src, obj) = one_object("capped", &body, &proxy.url, opts);
    let err = within(30, move || read_all(obj).unwrap_err());
    let msg = err.to_string();
    assert!(msg.contains("s3://capped/obj.json.gz"), "{msg}");
    assert!(msg.contains("giving up after 2 resumes"), "{msg}");
    assert_eq!((src.get_requests(), src.resumes()), (3, 2));
}

#[test]
fn an_object_that_changes_mid_read_is_an_error_not_a_mix() {
    let body = random_bytes(3 << 20, 5);
    let proxy = proxy(Fault::Close(1 << 20), 1, true);
    let (src, obj) = one_object("changed", &body, &proxy.url, S3Options::default());
    let mut reader = (obj.open)().unwrap(); // the first response (and its ETag) is in
    let mut first = [0u8; 1000];
    reader.read_exact(&mut first).unwrap();
    put("changed", "obj.json.gz", &random_bytes(3 << 20, 6));
    proxy.gate.add_permits(1); // now let the resume through
    let err = within(30, move || {
        let mut rest = Vec::new();
        reader.read_to_end(&mut rest).unwrap_err()
    });
    assert!(
        err.to_string().contains("changed while it was being read"),
        "{err}"
    );
    assert_eq!(src.resumes(), 1);
}

#[test]
fn a_key_deleted_after_listing_is_a_clear_error() {
    create_bucket("deleted");
    put("deleted", "a.json", b"first");
    put("deleted", "b.json", b"second");
    // One GET at a time: `b` waits for `a`'s permit, so it cannot be fetched before the delete.
    let src = source(
        &moto().url,
        S3Options {
            concurrency: 1,
            ..S3Options::default()
        },
    );
    let uri = S3Uri::parse("s3://deleted/").unwrap();
    let mut objects = src.objects(&uri, &NameFilter::default());
    let a = objects.next().unwrap().unwrap();
    let b = objects.next().unwrap().unwrap();
    rt().block_on(
        client(&moto().url)
            .delete_object()
            .bucket("deleted")
            .key("b.json")
            .send(),
    )
    .unwrap();
    drop(a); // never opened: its permit must come back
    let err = within(30, move || read_all(b).unwrap_err());
    assert_eq!(err.kind(), io::ErrorKind::NotFound);
    let msg = err.to_string();
    assert!(
        msg.contains("s3://deleted/b.json") && msg.contains("no such key"),
        "{msg}"
    );
}

// ---------------------------------------------------------------------------------------------
// With the core scan.

fn gz(text: &str) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(text.as_bytes()).unwrap();
    enc.finish().unwrap()
}

#[test]
fn the_core_scan_reads_s3_objects_with_fewer_permits_than_objects_in_flight() {
    create_bucket("scan");
    let n = 12;
    for i in 0..n {
        let record = format!(
            r#"{{"Records":[{{"eventVersion":"1.08","eventTime":"2026-05-21T14:02:00Z","eventSource":"ec2.amazonaws.com","eventName":"DeleteNetworkInterface","awsRegion":"us-east-1","eventID":"6a1e2d4c-0000-4000-8000-{i:012}","userAgent":"amazon-vpc-cni-k8s/v1.22.0","requestParameters":{{"networkInterfaceId":"eni-{i:04}"}},"responseElements":{{"_return":true}}}}]}}"#
        );
        put(
            "scan",
            &ct(
                "",
                A,
                "us-east-1",
                "2026/05/21",
                &format!("20260521T14{i:02}Z"),
            ),
            &gz(&record),
        );
    }
    put(
        "scan",
        &format!(
            "trail/AWSLogs/{A}/CloudTrail-Digest/us-east-1/2026/05/21/{A}_CloudTrail-Digest_us-east-1_t_us-east-1_20260521T150000Z.json.gz"
        ),
        b"not even gzip: never read",
    );
    // One permit, while the scan hands out up to 4 objects per thread before reading them.
    let src = source(
        &moto().url,
        S3Options {
            concurrency: 1,
            ..S3Options::default()
        },
    );
    let uri = S3Uri::parse("s3://scan/trail/").unwrap();
    let filter = NameFilter {
        window: window(),
        ..NameFilter::default()
    };
    let (summary, events) = within(30, move || {
        let opts = cnitrail_core::ScanOptions {
            threads: 2,
            ..Default::default()
        };
        let mut events = Vec::new();
        let summary = cnitrail_core::scan::scan(
            src.objects(&uri, &filter),
            &opts,
            &mut events,
            &mut cnitrail_core::scan::Quiet,
        )
        .unwrap();
        (summary, events)
    });
    assert_eq!(summary.files_read, n);
    assert_eq!(summary.files_skipped, 1, "the digest, by name");
    assert_eq!(summary.files_failed, 0, "{:?}", summary.failed_files);
    assert_eq!(summary.records_kept, n);
    let enis: Vec<_> = events.iter().map(|e| e.eni_id.clone().unwrap()).collect();
    let want: Vec<_> = (0..n).map(|i| format!("eni-{i:04}")).collect();
    assert_eq!(enis, want, "input (key) order");
}

#[test]
fn connect_builds_a_client_like_the_cli() {
    let bad = S3Options {
        endpoint_url: Some("127.0.0.1:9000".into()),
        ..S3Options::default()
    };
    let err = S3Source::connect(&bad).unwrap_err();
    assert!(
        matches!(err, cnitrail_s3::S3Error::InvalidEndpoint(_)),
        "{err}"
    );
    // With a region and an endpoint nothing is looked up on the network at connect time.
    let opts = S3Options {
        region: Some("eu-west-2".into()),
        endpoint_url: Some(moto().url.clone()),
        ..S3Options::default()
    };
    let src = S3Source::connect(&opts).unwrap();
    let config = src.client().config();
    assert_eq!(config.region().map(|r| r.as_ref()), Some("eu-west-2"));
}

#[test]
fn the_object_iterator_can_move_to_another_thread() {
    fn is_send<T: Send>() {}
    is_send::<S3Objects>();
    is_send::<S3Source>();
}

// ---------------------------------------------------------------------------------------------
// Uploads (cnitrail export): whole objects or nothing.

fn get(bucket: &str, key: &str) -> Option<Vec<u8>> {
    let c = client(&moto().url);
    rt().block_on(async {
        let out = c.get_object().bucket(bucket).key(key).send().await.ok()?;
        Some(out.body.collect().await.ok()?.into_bytes().to_vec())
    })
}

fn pending_uploads(bucket: &str) -> usize {
    let c = client(&moto().url);
    rt().block_on(c.list_multipart_uploads().bucket(bucket).send())
        .unwrap()
        .uploads()
        .len()
}

fn store(bucket: &str, prefix: &str) -> cnitrail_s3::S3Store {
    let uri = S3Uri::parse(&format!("s3://{bucket}/{prefix}")).unwrap();
    cnitrail_s3::S3Store::from_client(client(&moto().url), &uri)
        .unwrap()
        .with_part_size(cnitrail_s3::upload::MIN_PART_SIZE)
}

#[test]
fn uploads_small_objects_in_one_put_and_large_ones_in_parts() {
    let bucket = "upload-whole";
    create_bucket(bucket);
    let s = store(bucket, "out/");
    let big = random_bytes(12 << 20, 7);
    within(60, move || {
        let s = store("upload-whole", "out");
        let mut u = s.create("t/event_date=2026-11-22/part-0000-00000.parquet");
        // Odd-sized writes, as the Parquet writer makes them.
        for chunk in big.chunks(300_001) {
            u.write_all(chunk).unwrap();
        }
        assert_eq!(u.commit().unwrap(), 12 << 20);
        let mut small = s.create("t/event_date=2026-11-22/part-0000-00001.parquet");
        small.write_all(b"PAR1 tiny PAR1").unwrap();
        assert_eq!(small.commit().unwrap(), 14);
    });
    assert_eq!(
        get(
            bucket,
            "out/t/event_date=2026-11-22/part-0000-00000.parquet"
        )
        .unwrap(),
        random_bytes(12 << 20, 7)
    );
    assert_eq!(
        get(
            bucket,
            "out/t/event_date=2026-11-22/part-0000-00001.parquet"
        )
        .unwrap(),
        b"PAR1 tiny PAR1"
    );
    assert_eq!(
        s.list("t/").unwrap(),
        [
            "t/event_date=2026-11-22/part-0000-00000.parquet",
            "t/event_date=2026-11-22/part-0000-00001.parquet"
        ]
    );
    s.delete("t/event_date=2026-11-22/part-0000-00001.parquet")
        .unwrap();
    s.delete("t/never-there").unwrap();
    assert_eq!(s.list("t/").unwrap().len(), 1);
    assert_eq!(pending_uploads(bucket), 0);
}

#[test]
fn an_upload_that_fails_or_is_dropped_leaves_nothing_under_its_key() {
    let bucket = "upload-fail";
    create_bucket(bucket);
    within(60, || {
        let s = store("upload-fail", "");
        // Dropped after two parts were sent (an error elsewhere): aborted, nothing visible.
        let mut u = s.create("a.parquet");
        u.write_all(&random_bytes(11 << 20, 1)).unwrap();
        drop(u);
        // Its bucket disappears before the last part: Complete fails, nothing visible.
        let gone = store("upload-fail-missing", "");
        let mut u = gone.create("b.parquet");
        let err = u.write_all(&random_bytes(6 << 20, 2)).unwrap_err();
        assert!(err.to_string().contains("upload-fail-missing"), "{err}");
        assert!(u.commit().is_err());
        let mut small = gone.create("c.parquet");
        small.write_all(b"x").unwrap();
        let err = small.commit().unwrap_err();
        assert_eq!(err.operation, "PutObject");
    });
    assert!(get(bucket, "a.parquet").is_none());
    assert_eq!(pending_uploads(bucket), 0);
}

#[test]
fn a_killed_writers_multipart_upload_is_aborted_by_the_next_run() {
    let bucket = "upload-killed";
    create_bucket(bucket);
    // What a SIGKILLed writer leaves: an upload begun, a part sent, never completed.
    let c = client(&moto().url);
    for key in [
        "p/t/d/part-0000-00000.parquet",
        "p/t/d/part-0001-00000.parquet",
    ] {
        rt().block_on(async {
            let up = c
                .create_multipart_upload()
                .bucket(bucket)
                .key(key)
                .send()
                .await
                .unwrap();
            c.upload_part()
                .bucket(bucket)
                .key(key)
                .upload_id(up.upload_id().unwrap())
                .part_number(1)
                .body(ByteStream::from(random_bytes(6 << 20, 3)))
                .send()
                .await
                .unwrap();
        });
    }
    assert_eq!(pending_uploads(bucket), 2);
    let n = within(60, || {
        store("upload-killed", "p")
            .abort_uploads("t/", |k| {
                k.rsplit('/').next().unwrap().starts_with("part-0000-")
            })
            .unwrap()
    });
    assert_eq!(n, 1);
    // The other label's upload is not ours to abort.
    assert_eq!(pending_uploads(bucket), 1);
    assert!(get(bucket, "p/t/d/part-0000-00000.parquet").is_none());
}
