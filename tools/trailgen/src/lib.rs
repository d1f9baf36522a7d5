//! trailgen: CloudTrail-shaped benchmark corpora for cnitrail.
//!
//! Deliberately independent of the code it benchmarks: records are written as text from the shapes
//! in the fact sheet, and every count in the manifest comes from what was written, not from a parse.
//!
//! Output is a pure function of the configuration (seed included): file `i` is generated from a
//! PRNG derived from `(seed, i)` only, so the thread count never changes a byte.

pub mod records;
pub mod util;

use flate2::Compression;
use flate2::write::GzEncoder;
use records::{Cluster, ENI_NAMES, Gen, Kind, REGIONS};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc;
use util::{Rng, W, compact_time, date_dirs, time_string};

/// Seconds between two deliveries of one account/region.
pub const SLOT: i64 = 300;
/// Bucket name written into digests (the S3 benchmark uploads into a bucket of that name).
pub const BUCKET: &str = "bench";
const TRAIL: &str = "bench-trail";

#[derive(Debug, Clone)]
pub struct Config {
    pub out: PathBuf,
    /// Stop once this many decompressed bytes of event files are written (size mode).
    pub size_bytes: u64,
    /// Write exactly this many small files instead (object mode).
    pub objects_only: Option<u64>,
    /// Records per file in object mode.
    pub records_per_object: u64,
    pub eni_percent: f64,
    pub seed: u64,
    pub accounts: usize,
    pub regions: usize,
    /// Epoch seconds of the first slot.
    pub start: i64,
    pub threads: usize,
    /// Fraction of records that belong to the previous slot.
    pub late_fraction: f64,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            out: PathBuf::from("corpus"),
            size_bytes: 100_000_000,
            objects_only: None,
            records_per_object: 50,
            eni_percent: 3.0,
            seed: 1,
            accounts: 2,
            regions: 2,
            start: util::parse_time("2026-11-01T00:00:00Z").unwrap(),
            threads: std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(2),
            late_fraction: 0.01,
        }
    }
}

/// Counts of what was written; serialised as `manifest.json`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Counts {
    pub files: u64,
    pub records: u64,
    pub late_records: u64,
    pub eni_by_name: [u64; ENI_NAMES.len()],
    pub eni_errors: u64,
    pub eni_throttled: u64,
    pub eni_without_marker: u64,
    pub bytes_compressed: u64,
    pub bytes_decompressed: u64,
    pub oldest: i64,
    pub newest: i64,
}

impl Counts {
    pub fn eni_records(&self) -> u64 {
        self.eni_by_name.iter().sum()
    }

    fn add(&mut self, o: &Counts) {
        if self.files == 0 {
            self.oldest = o.oldest;
            self.newest = o.newest;
        } else {
            self.oldest = self.oldest.min(o.oldest);
            self.newest = self.newest.max(o.newest);
        }
        self.files += o.files;
        self.records += o.records;
        self.late_records += o.late_records;
        for (a, b) in self.eni_by_name.iter_mut().zip(o.eni_by_name) {
            *a += b;
        }
        self.eni_errors += o.eni_errors;
        self.eni_throttled += o.eni_throttled;
        self.eni_without_marker += o.eni_without_marker;
        self.bytes_compressed += o.bytes_compressed;
        self.bytes_decompressed += o.bytes_decompressed;
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Manifest {
    pub counts: Counts,
    pub digest_files: u64,
    pub digest_bytes_compressed: u64,
    pub accounts: Vec<String>,
    pub regions: Vec<String>,
}

/// One written event file.
struct Written {
    idx: u64,
    /// Path relative to the output directory, `/`-separated (also the S3 key).
    key: String,
    delivery: i64,
    counts: Counts,
}

struct Worker {
    json: Vec<u8>,
    gz: Vec<u8>,
}

fn file_key(c: &Cluster, delivery: i64, unique: &str) -> String {
    format!(
        "AWSLogs/{a}/CloudTrail/{r}/{d}/{a}_CloudTrail_{r}_{t}_{unique}.json.gz",
        a = c.account,
        r = c.region,
        d = date_dirs(delivery),
        t = compact_time(delivery, false)
    )
}

fn generate_file(
    cfg: &Config,
    clusters: &[Cluster],
    idx: u64,
    wk: &mut Worker,
) -> std::io::Result<Written> {
    let combos = clusters.len() as u64;
    let cluster = &clusters[(idx % combos) as usize];
    let slot_start = cfg.start + (idx / combos) as i64 * SLOT;
    let mut rng = Rng::derive(cfg.seed, &[0xF1, idx]);
    let n = match cfg.objects_only {
        Some(_) => cfg.records_per_object,
        None => rng.range(1000, 3000),
    };
    let delivery = slot_start + SLOT + rng.range(5, 55) as i64;
    let unique = {
        let mut w = W::with_capacity(16);
        w.alnum(&mut rng, 16);
        String::from_utf8(w.buf).unwrap()
    };
    let eni_fraction = cfg.eni_percent / 100.0;
    let mut json = std::mem::take(&mut wk.json);
    json.clear();
    json.extend_from_slice(b"{\"Records\":[");
    let mut g = Gen {
        c: cluster,
        rng,
        w: W { buf: json },
    };
    let mut counts = Counts {
        files: 1,
        oldest: i64::MAX,
        newest: i64::MIN,
        ..Counts::default()
    };
    for i in 0..n {
        if i > 0 {
            g.w.buf.push(b',');
        }
        let late = g.rng.chance(cfg.late_fraction);
        let time = if late {
            slot_start - 1 - g.rng.below(SLOT as u64) as i64
        } else {
            slot_start + g.rng.below(SLOT as u64) as i64
        };
        counts.late_records += late as u64;
        counts.oldest = counts.oldest.min(time);
        counts.newest = counts.newest.max(time);
        match g.record(time, eni_fraction) {
            Kind::Noise => {}
            Kind::Eni {
                name,
                error,
                marker,
            } => {
                counts.eni_by_name[name] += 1;
                counts.eni_errors += (error != 0) as u64;
                counts.eni_throttled += (error == 1) as u64;
                counts.eni_without_marker += !marker as u64;
            }
        }
    }
    g.w.buf.extend_from_slice(b"]}");
    let json = g.w.buf;
    counts.records = n;
    counts.bytes_decompressed = json.len() as u64;

    let mut gz = std::mem::take(&mut wk.gz);
    gz.clear();
    let mut enc = GzEncoder::new(gz, Compression::new(6));
    enc.write_all(&json)?;
    let gz = enc.finish()?;
    counts.bytes_compressed = gz.len() as u64;

    let key = file_key(cluster, delivery, &unique);
    let path = cfg.out.join(&key);
    std::fs::create_dir_all(path.parent().unwrap())?;
    std::fs::write(&path, &gz)?;
    wk.json = json;
    wk.gz = gz;
    Ok(Written {
        idx,
        key,
        delivery,
        counts,
    })
}

fn remove_file_and_empty_dirs(root: &Path, key: &str) {
    let path = root.join(key);
    let _ = std::fs::remove_file(&path);
    let mut dir = path.parent();
    while let Some(d) = dir {
        if d == root || std::fs::remove_dir(d).is_err() {
            break;
        }
        dir = d.parent();
    }
}

/// Writes the corpus and `manifest.json`; returns the manifest.
pub fn run(cfg: &Config) -> std::io::Result<Manifest> {
    if cfg.accounts == 0 || cfg.regions == 0 || cfg.regions > REGIONS.len() {
        return Err(std::io::Error::other(format!(
            "--accounts ≥ 1 and 1 ≤ --regions ≤ {}",
            REGIONS.len()
        )));
    }
    std::fs::create_dir_all(&cfg.out)?;
    let clusters: Vec<Cluster> = (0..cfg.accounts)
        .flat_map(|a| (0..cfg.regions).map(move |r| (a, r)))
        .map(|(a, r)| Cluster::new(cfg.seed, a, r))
        .collect();

    let next = AtomicU64::new(0);
    let stop = AtomicBool::new(false);
    let (tx, rx) = mpsc::channel::<std::io::Result<Written>>();
    let mut committed: Vec<Written> = Vec::new();
    let mut total = Counts::default();
    let mut first_error: Option<std::io::Error> = None;

    std::thread::scope(|s| {
        for _ in 0..cfg.threads.max(1) {
            let tx = tx.clone();
            let (next, stop, clusters) = (&next, &stop, &clusters);
            s.spawn(move || {
                let mut wk = Worker {
                    json: Vec::new(),
                    gz: Vec::new(),
                };
                while !stop.load(Ordering::Relaxed) {
                    let idx = next.fetch_add(1, Ordering::Relaxed);
                    if cfg.objects_only.is_some_and(|k| idx >= k) {
                        break;
                    }
                    if tx.send(generate_file(cfg, clusters, idx, &mut wk)).is_err() {
                        break;
                    }
                }
            });
        }
        drop(tx);
        // Commit in index order, so the set of files is the same whatever the thread timing.
        let mut pending: BTreeMap<u64, Written> = BTreeMap::new();
        let mut want = 0u64;
        let mut done = cfg.objects_only == Some(0);
        if done {
            stop.store(true, Ordering::Relaxed);
        }
        for res in rx {
            let w = match res {
                Ok(w) => w,
                Err(e) => {
                    stop.store(true, Ordering::Relaxed);
                    first_error.get_or_insert(e);
                    continue;
                }
            };
            if done {
                remove_file_and_empty_dirs(&cfg.out, &w.key);
                continue;
            }
            pending.insert(w.idx, w);
            while let Some(w) = pending.remove(&want) {
                if done {
                    remove_file_and_empty_dirs(&cfg.out, &w.key);
                    continue;
                }
                total.add(&w.counts);
                committed.push(w);
                want += 1;
                let reached = match cfg.objects_only {
                    Some(k) => want >= k,
                    None => total.bytes_decompressed >= cfg.size_bytes,
                };
                if reached {
                    done = true;
                    stop.store(true, Ordering::Relaxed);
                }
            }
        }
        for w in pending.into_values() {
            remove_file_and_empty_dirs(&cfg.out, &w.key);
        }
    });
    if let Some(e) = first_error {
        return Err(e);
    }

    let (digest_files, digest_bytes) = write_digests(cfg, &clusters, &committed)?;
    let manifest = Manifest {
        counts: total,
        digest_files,
        digest_bytes_compressed: digest_bytes,
        accounts: clusters
            .iter()
            .step_by(cfg.regions)
            .map(|c| c.account.clone())
            .collect(),
        regions: clusters[..cfg.regions]
            .iter()
            .map(|c| c.region.to_string())
            .collect(),
    };
    std::fs::write(cfg.out.join("manifest.json"), manifest_json(cfg, &manifest))?;
    Ok(manifest)
}

/// One digest per account/region and delivery hour, listing that hour's files (facts §1.1).
fn write_digests(
    cfg: &Config,
    clusters: &[Cluster],
    files: &[Written],
) -> std::io::Result<(u64, u64)> {
    let combos = clusters.len() as u64;
    let mut groups: BTreeMap<(u64, i64), Vec<&Written>> = BTreeMap::new();
    for w in files {
        groups
            .entry((w.idx % combos, w.delivery.div_euclid(3600)))
            .or_default()
            .push(w);
    }
    let mut previous: BTreeMap<u64, String> = BTreeMap::new();
    let (mut n, mut bytes) = (0u64, 0u64);
    for ((combo, hour), list) in groups {
        let c = &clusters[combo as usize];
        let mut rng = Rng::derive(cfg.seed, &[0xD1, combo, hour as u64]);
        let (start, end) = (hour * 3600, hour * 3600 + 3600);
        let published = end + rng.range(60, 900) as i64;
        let key = format!(
            "AWSLogs/{a}/CloudTrail-Digest/{r}/{d}/{a}_CloudTrail-Digest_{r}_{TRAIL}_{r}_{t}.json.gz",
            a = c.account,
            r = c.region,
            d = date_dirs(published),
            t = compact_time(published, true)
        );
        let oldest = list.iter().map(|w| w.counts.oldest).min().unwrap();
        let newest = list.iter().map(|w| w.counts.newest).max().unwrap();
        let mut w = W::with_capacity(4096);
        w.s("{\"awsAccountId\":")
            .q(&c.account)
            .s(",\"digestStartTime\":")
            .time(start)
            .s(",\"digestEndTime\":")
            .time(end);
        w.s(",\"digestS3Bucket\":")
            .q(BUCKET)
            .s(",\"digestS3Object\":")
            .q(&key);
        w.s(",\"digestPublicKeyFingerprint\":\"")
            .hex(&mut rng, 32)
            .s("\",\"digestSignatureAlgorithm\":\"SHA256withRSA\"");
        w.s(",\"newestEventTime\":")
            .time(newest)
            .s(",\"oldestEventTime\":")
            .time(oldest);
        match previous.get(&combo) {
            Some(prev) => {
                w.s(",\"previousDigestS3Bucket\":")
                    .q(BUCKET)
                    .s(",\"previousDigestS3Object\":")
                    .q(prev);
                w.s(",\"previousDigestHashValue\":\"")
                    .hex(&mut rng, 64)
                    .s("\",\"previousDigestHashAlgorithm\":\"SHA-256\"");
                w.s(",\"previousDigestSignature\":\"")
                    .hex(&mut rng, 512)
                    .s("\"");
            }
            None => {
                w.s(",\"previousDigestS3Bucket\":null,\"previousDigestS3Object\":null,\"previousDigestHashValue\":null");
                w.s(",\"previousDigestHashAlgorithm\":null,\"previousDigestSignature\":null");
            }
        }
        w.s(",\"logFiles\":[");
        for (i, f) in list.iter().enumerate() {
            if i > 0 {
                w.s(",");
            }
            w.s("{\"s3Bucket\":")
                .q(BUCKET)
                .s(",\"s3Object\":")
                .q(&f.key)
                .s(",\"hashValue\":\"")
                .hex(&mut rng, 64);
            w.s("\",\"hashAlgorithm\":\"SHA-256\",\"newestEventTime\":")
                .time(f.counts.newest);
            w.s(",\"oldestEventTime\":").time(f.counts.oldest).s("}");
        }
        w.s("]}");
        let mut enc = GzEncoder::new(Vec::new(), Compression::new(6));
        enc.write_all(&w.buf)?;
        let gz = enc.finish()?;
        let path = cfg.out.join(&key);
        std::fs::create_dir_all(path.parent().unwrap())?;
        std::fs::write(&path, &gz)?;
        n += 1;
        bytes += gz.len() as u64;
        previous.insert(combo, key);
    }
    Ok((n, bytes))
}

fn manifest_json(cfg: &Config, m: &Manifest) -> String {
    let c = &m.counts;
    let list = |v: &[String]| {
        v.iter()
            .map(|s| format!("\"{s}\""))
            .collect::<Vec<_>>()
            .join(",")
    };
    let by_name = ENI_NAMES
        .iter()
        .zip(c.eni_by_name)
        .map(|(n, v)| format!("    \"{n}\": {v}"))
        .collect::<Vec<_>>()
        .join(",\n");
    let opt = |v: Option<u64>| v.map_or("null".to_string(), |v| v.to_string());
    let size_mb = match cfg.objects_only {
        Some(_) => "null".to_string(),
        None => format!("{}", cfg.size_bytes as f64 / 1e6),
    };
    let times = |t: i64, ok: bool| {
        if ok {
            format!("\"{}\"", time_string(t))
        } else {
            "null".into()
        }
    };
    format!(
        "{{\n  \"generator\": \"trailgen {ver}\",\n  \"seed\": {seed},\n  \"size_mb\": {size_mb},\n  \"objects_only\": {objects},\n  \
         \"records_per_object\": {rpo},\n  \"eni_percent\": {eni_percent},\n  \"start\": \"{start}\",\n  \
         \"accounts\": [{accounts}],\n  \"regions\": [{regions}],\n  \
         \"files\": {files},\n  \"digest_files\": {digests},\n  \"records\": {records},\n  \"late_records\": {late},\n  \
         \"eni_records\": {eni},\n  \"eni_records_by_event_name\": {{\n{by_name}\n  }},\n  \
         \"eni_error_records\": {errors},\n  \"eni_throttled_records\": {throttled},\n  \"eni_records_without_ua_marker\": {nomarker},\n  \
         \"bytes_compressed\": {bc},\n  \"bytes_decompressed\": {bd},\n  \"digest_bytes_compressed\": {dbc},\n  \
         \"oldest_event_time\": {oldest},\n  \"newest_event_time\": {newest}\n}}\n",
        ver = env!("CARGO_PKG_VERSION"),
        seed = cfg.seed,
        objects = opt(cfg.objects_only),
        rpo = if cfg.objects_only.is_some() {
            cfg.records_per_object.to_string()
        } else {
            "null".into()
        },
        eni_percent = cfg.eni_percent,
        start = time_string(cfg.start),
        accounts = list(&m.accounts),
        regions = list(&m.regions),
        files = c.files,
        digests = m.digest_files,
        records = c.records,
        late = c.late_records,
        eni = c.eni_records(),
        errors = c.eni_errors,
        throttled = c.eni_throttled,
        nomarker = c.eni_without_marker,
        bc = c.bytes_compressed,
        bd = c.bytes_decompressed,
        dbc = m.digest_bytes_compressed,
        oldest = times(c.oldest, c.files > 0),
        newest = times(c.newest, c.files > 0),
    )
}
