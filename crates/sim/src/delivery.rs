//! Writes records as a trail delivers them to S3 (facts §1.1, §7):
//!
//! ```text
//! DIR/AWSLogs/<account>/CloudTrail/<region>/YYYY/MM/DD/<account>_CloudTrail_<region>_<YYYYMMDDTHHmmZ>_<16 alnum>.json.gz
//! DIR/AWSLogs/<account>/CloudTrail-Digest/<region>/YYYY/MM/DD/<account>_CloudTrail-Digest_<region>_<trail>_<region>_<YYYYMMDDTHHmmssZ>.json.gz
//! ```
//!
//! Records come in simulated-time order (a little disorder is fine); each account/region gets one
//! file per ~5-minute batch, named and foldered by its delivery time (a few seconds after the
//! batch closes), holding `{"Records":[…]}` in no particular order. A configurable share of
//! records lands in a later batch (late), a smaller one is delivered a second time in a later
//! file (a duplicate: same eventID), and each hour gets a digest file (no `Records` key; hashes
//! and signatures are random hex, not computed). A batch that grows beyond
//! [`DeliveryConfig::max_file_bytes`] is cut into a file at once, as busy trails deliver more
//! often.
//!
//! Memory is bounded: only the open batches (the current slot and the few later ones that late
//! records and duplicates go to) and the files being compressed are held. Compression runs on
//! [`DeliveryConfig::threads`] worker threads so generation and gzip use both cores; the output is
//! the same whatever the thread count, as every random choice is made on the calling thread.

use crate::cloudtrail::{Record, Rng, W, compact_time, date_dirs, hash_str};
use crate::ec2::Time;
use flate2::Compression;
use flate2::write::GzEncoder;
use std::collections::BTreeMap;
use std::io::{self, Write};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

/// How a trail delivers.
#[derive(Debug, Clone)]
pub struct DeliveryConfig {
    /// Root directory (the bucket, or bucket + prefix).
    pub dir: PathBuf,
    /// Drives batching choices and unique strings.
    pub seed: u64,
    /// Length of a batch, seconds (CloudTrail: about 5 minutes).
    pub slot_seconds: i64,
    /// Seconds after a slot ends before its batch is closed; records arriving with an older time
    /// still go into the first open batch (late).
    pub grace_seconds: i64,
    /// Share of records put into a later batch.
    pub late_fraction: f64,
    /// At most this many batches later.
    pub max_late_slots: u32,
    /// Share of records delivered a second time in a later file.
    pub duplicate_fraction: f64,
    /// gzip level (6 is what CloudTrail-like files compress with; 1 is much faster).
    pub level: u32,
    /// Compression threads; 0 compresses on the calling thread.
    pub threads: usize,
    /// Cut a batch into a file once its JSON reaches this size.
    pub max_file_bytes: usize,
    /// Shuffle records inside a file.
    pub shuffle: bool,
    /// Write hourly digest files.
    pub digests: bool,
    /// Trail name (digest file names).
    pub trail_name: String,
    /// Bucket name (inside digests).
    pub bucket: String,
}

impl DeliveryConfig {
    /// Defaults for `dir`: 5-minute batches, 1% late, 0.05% duplicates, level 6, one
    /// compression thread, 64 MiB files, shuffled, with digests.
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        DeliveryConfig {
            dir: dir.into(),
            seed: 1,
            slot_seconds: 300,
            grace_seconds: 60,
            late_fraction: 0.01,
            max_late_slots: 2,
            duplicate_fraction: 0.0005,
            level: 6,
            threads: 1,
            max_file_bytes: 64 << 20,
            shuffle: true,
            digests: true,
            trail_name: "management-events".to_string(),
            bucket: "cloudtrail-sim".to_string(),
        }
    }
}

/// What was written.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeliveryStats {
    /// Records in event files, duplicates included.
    pub records: u64,
    /// Of which second deliveries of an event already delivered.
    pub duplicates: u64,
    /// Records put into a later batch than their time's.
    pub late: u64,
    /// Event files.
    pub files: u64,
    /// Digest files.
    pub digest_files: u64,
    /// JSON bytes of event files before compression.
    pub bytes_json: u64,
    /// gzip bytes of event files (complete after [`Delivery::finish`]).
    pub bytes_gzip: u64,
}

#[derive(Default)]
struct Batch {
    buf: Vec<u8>,
    ends: Vec<u32>,
    oldest: Time,
    newest: Time,
}

struct FileMeta {
    key: String,
    oldest: Time,
    newest: Time,
}

struct Stream {
    account: Arc<str>,
    region: Arc<str>,
    open: BTreeMap<i64, Batch>,
    last_delivery: Time,
    digest_hour: Option<i64>,
    hour_files: Vec<FileMeta>,
    previous_digest: Option<String>,
}

struct Job {
    path: PathBuf,
    json: Vec<u8>,
}

/// The trail writer. See the module docs.
pub struct Delivery {
    cfg: DeliveryConfig,
    rng: Rng,
    streams: Vec<Stream>,
    stats: DeliveryStats,
    /// Slots before this one are closed.
    closed: Option<i64>,
    latest: Time,
    jobs: Option<SyncSender<Job>>,
    workers: Vec<JoinHandle<()>>,
    gz_bytes: Arc<AtomicU64>,
    error: Arc<Mutex<Option<io::Error>>>,
}

impl std::fmt::Debug for Delivery {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Delivery")
            .field("dir", &self.cfg.dir)
            .field("stats", &self.stats)
            .finish()
    }
}

fn compress(level: u32, job: &Job) -> io::Result<u64> {
    let mut enc = GzEncoder::new(
        Vec::with_capacity(job.json.len() / 8 + 64),
        Compression::new(level),
    );
    enc.write_all(&job.json)?;
    let gz = enc.finish()?;
    if let Some(parent) = job.path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::write(&job.path, &gz)?;
    Ok(gz.len() as u64)
}

impl Delivery {
    /// Starts the compression threads.
    pub fn new(cfg: DeliveryConfig) -> io::Result<Self> {
        std::fs::create_dir_all(&cfg.dir)?;
        let gz_bytes = Arc::new(AtomicU64::new(0));
        let error = Arc::new(Mutex::new(None));
        let mut workers = Vec::new();
        let jobs = if cfg.threads > 0 {
            let (tx, rx) = sync_channel::<Job>(cfg.threads * 2);
            let rx: Arc<Mutex<Receiver<Job>>> = Arc::new(Mutex::new(rx));
            for _ in 0..cfg.threads {
                let (rx, gz_bytes, error, level) =
                    (rx.clone(), gz_bytes.clone(), error.clone(), cfg.level);
                workers.push(std::thread::spawn(move || {
                    loop {
                        let job = match rx.lock() {
                            Ok(rx) => rx.recv(),
                            Err(_) => return,
                        };
                        let Ok(job) = job else { return };
                        match compress(level, &job) {
                            Ok(n) => {
                                gz_bytes.fetch_add(n, Ordering::Relaxed);
                            }
                            Err(e) => {
                                if let Ok(mut slot) = error.lock() {
                                    slot.get_or_insert(e);
                                }
                            }
                        }
                    }
                }));
            }
            Some(tx)
        } else {
            None
        };
        Ok(Delivery {
            rng: Rng::derive(cfg.seed, &[0xDE1]),
            cfg,
            streams: Vec::new(),
            stats: DeliveryStats::default(),
            closed: None,
            latest: Time::MIN,
            jobs,
            workers,
            gz_bytes,
            error,
        })
    }

    /// Counts so far (`bytes_gzip` lags until [`Delivery::finish`]).
    pub fn stats(&self) -> DeliveryStats {
        DeliveryStats {
            bytes_gzip: self.gz_bytes.load(Ordering::Relaxed),
            ..self.stats.clone()
        }
    }

    fn stream(&mut self, rec: &Record) -> usize {
        if let Some(i) = self.streams.iter().position(|s| {
            (Arc::ptr_eq(&s.account, &rec.account_id) || s.account == rec.account_id)
                && (Arc::ptr_eq(&s.region, &rec.region) || s.region == rec.region)
        }) {
            return i;
        }
        self.streams.push(Stream {
            account: rec.account_id.clone(),
            region: rec.region.clone(),
            open: BTreeMap::new(),
            last_delivery: Time::MIN,
            digest_hour: None,
            hour_files: Vec::new(),
            previous_digest: None,
        });
        self.streams.len() - 1
    }

    /// Takes one record; closes and writes the batches its time makes due.
    pub fn push(&mut self, rec: &Record) -> io::Result<()> {
        self.advance(rec.time)?;
        let si = self.stream(rec);
        let slot_len = self.cfg.slot_seconds;
        let mut slot = rec.time.div_euclid(slot_len);
        if self.cfg.max_late_slots > 0 && self.rng.chance(self.cfg.late_fraction) {
            slot += self.rng.range(1, self.cfg.max_late_slots as u64) as i64;
        }
        if let Some(closed) = self.closed
            && slot < closed
        {
            slot = closed;
        }
        if slot > rec.time.div_euclid(slot_len) {
            self.stats.late += 1;
        }
        self.add(si, slot, rec)?;
        if self.rng.chance(self.cfg.duplicate_fraction) {
            let again = slot + self.rng.range(1, 3) as i64;
            self.stats.duplicates += 1;
            self.add(si, again, rec)?;
        }
        Ok(())
    }

    fn add(&mut self, si: usize, slot: i64, rec: &Record) -> io::Result<()> {
        let b = self.streams[si].open.entry(slot).or_default();
        if b.ends.is_empty() {
            b.oldest = rec.time;
            b.newest = rec.time;
        } else {
            b.oldest = b.oldest.min(rec.time);
            b.newest = b.newest.max(rec.time);
        }
        b.buf.extend_from_slice(&rec.json);
        b.ends.push(b.buf.len() as u32);
        if b.buf.len() >= self.cfg.max_file_bytes {
            let b = std::mem::take(b);
            let delivery = self.latest.max(b.newest) + self.rng.range(5, 55) as i64;
            self.emit(si, b, delivery)?;
        }
        Ok(())
    }

    /// Moves the delivery clock to `now`: batches whose slot ended more than the grace period
    /// ago are written.
    pub fn advance(&mut self, now: Time) -> io::Result<()> {
        self.latest = self.latest.max(now);
        let closed = (self.latest - self.cfg.grace_seconds).div_euclid(self.cfg.slot_seconds);
        if self.closed.is_some_and(|c| c >= closed) {
            return Ok(());
        }
        self.closed = Some(closed);
        for si in 0..self.streams.len() {
            while let Some((&slot, _)) = self.streams[si].open.first_key_value() {
                if slot >= closed {
                    break;
                }
                let b = self.streams[si].open.remove(&slot).expect("present");
                let delivery = (slot + 1) * self.cfg.slot_seconds + self.rng.range(5, 55) as i64;
                self.emit(si, b, delivery)?;
            }
        }
        Ok(())
    }

    fn emit(&mut self, si: usize, b: Batch, delivery: Time) -> io::Result<()> {
        if b.ends.is_empty() {
            return Ok(());
        }
        let stream = &mut self.streams[si];
        let delivery = delivery.max(stream.last_delivery).max(b.newest + 1);
        stream.last_delivery = delivery;
        let n = b.ends.len();
        let mut order: Vec<u32> = (0..n as u32).collect();
        if self.cfg.shuffle {
            for i in (1..n).rev() {
                let j = self.rng.below(i as u64 + 1) as usize;
                order.swap(i, j);
            }
        }
        let mut json = Vec::with_capacity(b.buf.len() + n + 16);
        json.extend_from_slice(b"{\"Records\":[");
        for (k, &i) in order.iter().enumerate() {
            if k > 0 {
                json.push(b',');
            }
            let start = if i == 0 {
                0
            } else {
                b.ends[i as usize - 1] as usize
            };
            json.extend_from_slice(&b.buf[start..b.ends[i as usize] as usize]);
        }
        json.extend_from_slice(b"]}");
        let mut unique = W::with_capacity(16);
        unique.alnum(&mut self.rng, 16);
        let unique = String::from_utf8(unique.buf).expect("ascii");
        let (a, r) = (stream.account.clone(), stream.region.clone());
        let key = format!(
            "AWSLogs/{a}/CloudTrail/{r}/{d}/{a}_CloudTrail_{r}_{t}_{unique}.json.gz",
            d = date_dirs(delivery),
            t = compact_time(delivery, false)
        );
        self.stats.files += 1;
        self.stats.records += n as u64;
        self.stats.bytes_json += json.len() as u64;
        if self.cfg.digests {
            let hour = delivery.div_euclid(3600);
            self.digests_before(si, hour)?;
            let stream = &mut self.streams[si];
            stream.digest_hour.get_or_insert(hour);
            stream.hour_files.push(FileMeta {
                key: key.clone(),
                oldest: b.oldest,
                newest: b.newest,
            });
        }
        let job = Job {
            path: self.cfg.dir.join(&key),
            json,
        };
        match &self.jobs {
            Some(tx) => {
                if tx.send(job).is_err() {
                    return Err(self
                        .take_error()
                        .unwrap_or_else(|| io::Error::other("compression threads gone")));
                }
            }
            None => {
                let n = compress(self.cfg.level, &job)?;
                self.gz_bytes.fetch_add(n, Ordering::Relaxed);
            }
        }
        Ok(())
    }

    fn take_error(&self) -> Option<io::Error> {
        self.error.lock().ok().and_then(|mut e| e.take())
    }

    /// Writes the digests of every hour of stream `si` before `hour`.
    fn digests_before(&mut self, si: usize, hour: i64) -> io::Result<()> {
        while let Some(h) = self.streams[si].digest_hour {
            if h >= hour {
                break;
            }
            self.write_digest(si, h)?;
            self.streams[si].digest_hour = Some(h + 1);
        }
        Ok(())
    }

    fn write_digest(&mut self, si: usize, hour: i64) -> io::Result<()> {
        let files = std::mem::take(&mut self.streams[si].hour_files);
        let s = &self.streams[si];
        let (a, r) = (s.account.clone(), s.region.clone());
        let mut rng = Rng::derive(
            self.cfg.seed,
            &[0xD16, hash_str(&a) ^ hash_str(&r), hour as u64],
        );
        let (start, end) = (hour * 3600, hour * 3600 + 3600);
        let published = end + rng.range(60, 900) as i64;
        let trail = &self.cfg.trail_name;
        let key = format!(
            "AWSLogs/{a}/CloudTrail-Digest/{r}/{d}/{a}_CloudTrail-Digest_{r}_{trail}_{r}_{t}.json.gz",
            d = date_dirs(published),
            t = compact_time(published, true)
        );
        let bucket = &self.cfg.bucket;
        let mut w = W::with_capacity(1024 + files.len() * 256);
        w.s("{\"awsAccountId\":")
            .q(&a)
            .s(",\"digestStartTime\":")
            .time(start)
            .s(",\"digestEndTime\":")
            .time(end);
        w.s(",\"digestS3Bucket\":")
            .q(bucket)
            .s(",\"digestS3Object\":")
            .q(&key);
        w.s(",\"digestPublicKeyFingerprint\":\"")
            .hex(&mut rng, 32)
            .s("\",\"digestSignatureAlgorithm\":\"SHA256withRSA\"");
        if let (Some(o), Some(n)) = (
            files.iter().map(|f| f.oldest).min(),
            files.iter().map(|f| f.newest).max(),
        ) {
            w.s(",\"newestEventTime\":")
                .time(n)
                .s(",\"oldestEventTime\":")
                .time(o);
        } else {
            w.s(",\"newestEventTime\":null,\"oldestEventTime\":null");
        }
        match &s.previous_digest {
            Some(prev) => {
                w.s(",\"previousDigestS3Bucket\":")
                    .q(bucket)
                    .s(",\"previousDigestS3Object\":")
                    .q(prev);
                w.s(",\"previousDigestHashValue\":\"").hex(&mut rng, 64);
                w.s(
                    "\",\"previousDigestHashAlgorithm\":\"SHA-256\",\"previousDigestSignature\":\"",
                )
                .hex(&mut rng, 512)
                .s("\"");
            }
            None => {
                w.s(",\"previousDigestS3Bucket\":null,\"previousDigestS3Object\":null,\"previousDigestHashValue\":null");
                w.s(",\"previousDigestHashAlgorithm\":null,\"previousDigestSignature\":null");
            }
        }
        w.s(",\"logFiles\":[");
        for (i, f) in files.iter().enumerate() {
            if i > 0 {
                w.s(",");
            }
            w.s("{\"s3Bucket\":")
                .q(bucket)
                .s(",\"s3Object\":")
                .q(&f.key)
                .s(",\"hashValue\":\"")
                .hex(&mut rng, 64);
            w.s("\",\"hashAlgorithm\":\"SHA-256\",\"newestEventTime\":")
                .time(f.newest);
            w.s(",\"oldestEventTime\":").time(f.oldest).s("}");
        }
        w.s("]}");
        compress(
            self.cfg.level,
            &Job {
                path: self.cfg.dir.join(&key),
                json: w.buf,
            },
        )?;
        self.stats.digest_files += 1;
        self.streams[si].previous_digest = Some(key);
        Ok(())
    }

    /// Writes every open batch and the last digests, waits for compression; returns the counts.
    pub fn finish(mut self) -> io::Result<DeliveryStats> {
        for si in 0..self.streams.len() {
            while let Some((slot, b)) = self.streams[si].open.pop_first() {
                let delivery = (slot + 1) * self.cfg.slot_seconds + self.rng.range(5, 55) as i64;
                self.emit(si, b, delivery)?;
            }
            if self.cfg.digests
                && let Some(h) = self.streams[si].digest_hour
            {
                self.digests_before(si, h + 1)?;
            }
        }
        self.jobs = None;
        for w in std::mem::take(&mut self.workers) {
            let _ = w.join();
        }
        if let Some(e) = self.take_error() {
            return Err(e);
        }
        Ok(self.stats())
    }
}
