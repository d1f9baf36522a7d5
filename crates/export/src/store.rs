//! Where exported files go: a local directory or an S3 prefix, behind one small trait whose
//! every implementation makes a file visible whole or not at all.

use crate::ExportError;
use cnitrail_s3::{S3Options, S3Store, S3Upload, S3Uri};
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

/// A place that holds files under `/`-separated keys.
///
/// [`Store::create`] returns a writer whose bytes appear under the key only when
/// [`StoreObject::commit`] returns; a writer dropped without a commit leaves nothing visible.
pub trait Store {
    /// Starts writing `key`.
    fn create(&self, key: &str) -> Result<Box<dyn StoreObject>, ExportError>;
    /// Every visible key under the folder `under` (ending in `/`), at any depth, in key order.
    fn list(&self, under: &str) -> Result<Vec<String>, ExportError>;
    /// Removes `key`; a key already gone is not an error.
    fn delete(&self, key: &str) -> Result<(), ExportError>;
    /// Removes what a killed writer left behind under `under` for keys `ours` accepts: hidden
    /// temporary files on disk, unfinished multipart uploads on S3. Returns how many.
    fn clean_partials(
        &self,
        under: &str,
        ours: &dyn Fn(&str) -> bool,
    ) -> Result<usize, ExportError>;
    /// The location of `key`, for messages: a path or an `s3://` URI.
    fn describe(&self, key: &str) -> String;
    /// Takes the store for one run: a second run that asks while this one holds it is refused
    /// with [`ExportError::Busy`], so that two exports never clean up each other's files. Held
    /// until the returned guard is dropped.
    fn lock(&self) -> Result<Box<dyn Lock>, ExportError>;
}

/// A store held by one run ([`Store::lock`]); released when dropped.
pub trait Lock {}

/// The lock's name in the output: hidden, so that engines reading the tables skip it.
pub const LOCK_KEY: &str = ".cnitrail-export.lock";

/// An S3 lock object older than this is taken as left by a run that was killed (no export
/// writes for that long; on disk the operating system releases a dead run's lock by itself).
pub const S3_LOCK_STALE: std::time::Duration = std::time::Duration::from_secs(6 * 3600);

/// A file being written.
pub trait StoreObject: Write {
    /// Makes the file visible under its key; returns its size in bytes.
    fn commit(self: Box<Self>) -> Result<u64, ExportError>;
}

/// Where to export: a directory, or `s3://bucket/prefix`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A local directory (created if missing).
    Dir(PathBuf),
    /// An S3 bucket and prefix.
    S3(S3Uri),
}

impl Target {
    /// Parses `--out`: `s3://bucket/prefix` (any case of the scheme), else a path.
    pub fn parse(text: &str) -> Result<Target, ExportError> {
        if cnitrail_s3::is_s3_uri(text) {
            return Ok(Target::S3(S3Uri::parse(text)?));
        }
        if text.is_empty() {
            return Err(ExportError::Invalid("the output directory is empty".into()));
        }
        Ok(Target::Dir(PathBuf::from(text)))
    }

    /// Opens the store: creates the directory, or builds the S3 client from `s3` (the AWS
    /// CLI's options; credentials are resolved at the first request).
    pub fn open(&self, s3: &S3Options) -> Result<Box<dyn Store>, ExportError> {
        Ok(match self {
            Target::Dir(dir) => Box::new(LocalStore::new(dir)?),
            Target::S3(uri) => Box::new(S3Store::connect(s3, uri)?),
        })
    }
}

impl std::fmt::Display for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Target::Dir(d) => write!(f, "{}", d.display()),
            Target::S3(u) => write!(f, "s3://{}/{}", u.bucket, u.prefix),
        }
    }
}

/// A local directory. Each file is written under a hidden temporary name in its final folder
/// (`.NAME.tmp-PID`: engines skip names starting with a dot) and renamed into place once
/// complete and synced, so a killed process never leaves a partial file under a `.parquet`
/// name.
#[derive(Debug, Clone)]
pub struct LocalStore {
    root: PathBuf,
}

impl LocalStore {
    /// A store rooted at `root`, created if missing.
    pub fn new(root: &Path) -> Result<LocalStore, ExportError> {
        std::fs::create_dir_all(root).map_err(|e| ExportError::io(root, e))?;
        Ok(LocalStore {
            root: root.to_path_buf(),
        })
    }

    fn path(&self, key: &str) -> PathBuf {
        key.split('/')
            .filter(|p| !p.is_empty())
            .fold(self.root.clone(), |p, part| p.join(part))
    }

    /// Every regular file below `dir`, as keys relative to the root, sorted.
    fn walk(&self, dir: &Path, out: &mut Vec<String>) -> Result<(), ExportError> {
        let entries = match std::fs::read_dir(dir) {
            Ok(e) => e,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(ExportError::io(dir, e)),
        };
        for entry in entries {
            let entry = entry.map_err(|e| ExportError::io(dir, e))?;
            let path = entry.path();
            let kind = entry.file_type().map_err(|e| ExportError::io(&path, e))?;
            if kind.is_dir() {
                self.walk(&path, out)?;
            } else if kind.is_file()
                && let Ok(rel) = path.strip_prefix(&self.root)
            {
                let key: Vec<String> = rel
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect();
                out.push(key.join("/"));
            }
        }
        Ok(())
    }

    pub(crate) fn all_under(&self, under: &str) -> Result<Vec<String>, ExportError> {
        let mut keys = Vec::new();
        self.walk(&self.path(under), &mut keys)?;
        keys.sort();
        Ok(keys)
    }
}

/// An advisory lock on `<root>/.cnitrail-export.lock`, released by the operating system when
/// the process ends however it ends; the file itself stays (removing it would race).
struct LocalLock {
    _file: File,
}

impl Lock for LocalLock {}

/// The hidden temporary name of `name` for this process.
fn temp_name(name: &str) -> String {
    format!(".{name}.tmp-{}", std::process::id())
}

impl Store for LocalStore {
    fn create(&self, key: &str) -> Result<Box<dyn StoreObject>, ExportError> {
        let target = self.path(key);
        let (Some(dir), Some(name)) = (target.parent(), target.file_name()) else {
            return Err(ExportError::Invalid(format!("bad key {key:?}")));
        };
        std::fs::create_dir_all(dir).map_err(|e| ExportError::io(dir, e))?;
        let temp = dir.join(temp_name(&name.to_string_lossy()));
        let file = File::create(&temp).map_err(|e| ExportError::io(&temp, e))?;
        Ok(Box::new(LocalObject {
            file: Some(BufWriter::with_capacity(1 << 20, file)),
            temp,
            target,
        }))
    }

    fn list(&self, under: &str) -> Result<Vec<String>, ExportError> {
        Ok(self
            .all_under(under)?
            .into_iter()
            .filter(|k| !k.rsplit('/').next().unwrap_or_default().starts_with('.'))
            .collect())
    }

    fn delete(&self, key: &str) -> Result<(), ExportError> {
        let path = self.path(key);
        match std::fs::remove_file(&path) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => Err(ExportError::io(&path, e)),
            _ => Ok(()),
        }
    }

    fn clean_partials(
        &self,
        under: &str,
        ours: &dyn Fn(&str) -> bool,
    ) -> Result<usize, ExportError> {
        let mut removed = 0;
        for key in self.all_under(under)? {
            let (folder, name) = key.rsplit_once('/').unwrap_or(("", &key));
            // `.NAME.tmp-PID` → NAME
            let Some(original) = name
                .strip_prefix('.')
                .and_then(|n| n.rsplit_once(".tmp-").map(|(n, _)| n))
            else {
                continue;
            };
            if ours(&format!("{folder}/{original}")) {
                self.delete(&key)?;
                removed += 1;
            }
        }
        Ok(removed)
    }

    fn describe(&self, key: &str) -> String {
        self.path(key).display().to_string()
    }

    fn lock(&self) -> Result<Box<dyn Lock>, ExportError> {
        let path = self.path(LOCK_KEY);
        let file = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| ExportError::io(&path, e))?;
        match file.try_lock() {
            Ok(()) => Ok(Box::new(LocalLock { _file: file })),
            Err(std::fs::TryLockError::WouldBlock) => Err(ExportError::Busy {
                location: self.root.display().to_string(),
                lock: path.display().to_string(),
            }),
            Err(std::fs::TryLockError::Error(e)) => Err(ExportError::io(&path, e)),
        }
    }
}

struct LocalObject {
    file: Option<BufWriter<File>>,
    temp: PathBuf,
    target: PathBuf,
}

impl Write for LocalObject {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match &mut self.file {
            Some(f) => f.write(buf),
            None => Err(io::Error::other("file already closed")),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match &mut self.file {
            Some(f) => f.flush(),
            None => Ok(()),
        }
    }
}

impl StoreObject for LocalObject {
    fn commit(mut self: Box<Self>) -> Result<u64, ExportError> {
        let Some(buffered) = self.file.take() else {
            return Err(ExportError::Invalid("file committed twice".into()));
        };
        let file = buffered
            .into_inner()
            .map_err(|e| ExportError::io(&self.temp, e.into_error()))?;
        // Synced before the rename: after a crash the final name holds the whole file or
        // the previous run's, never an empty or short one.
        file.sync_all()
            .map_err(|e| ExportError::io(&self.temp, e))?;
        let size = file
            .metadata()
            .map_err(|e| ExportError::io(&self.temp, e))?
            .len();
        drop(file);
        std::fs::rename(&self.temp, &self.target).map_err(|e| ExportError::io(&self.target, e))?;
        Ok(size)
    }
}

impl Drop for LocalObject {
    fn drop(&mut self) {
        // Not committed (an error on the way): the temporary file goes.
        if self.file.take().is_some() {
            let _ = std::fs::remove_file(&self.temp);
        }
    }
}

impl Store for S3Store {
    fn create(&self, key: &str) -> Result<Box<dyn StoreObject>, ExportError> {
        Ok(Box::new(S3Store::create(self, key)))
    }

    fn list(&self, under: &str) -> Result<Vec<String>, ExportError> {
        Ok(S3Store::list(self, under)?)
    }

    fn delete(&self, key: &str) -> Result<(), ExportError> {
        Ok(S3Store::delete(self, key)?)
    }

    fn clean_partials(
        &self,
        under: &str,
        ours: &dyn Fn(&str) -> bool,
    ) -> Result<usize, ExportError> {
        Ok(self.abort_uploads(under, ours)?)
    }

    fn describe(&self, key: &str) -> String {
        format!("s3://{}/{}", self.bucket(), self.full_key(key))
    }

    fn lock(&self) -> Result<Box<dyn Lock>, ExportError> {
        let owner = format!(
            "cnitrail export\nhost {}\npid {}\nstarted {}\n",
            host_name(),
            std::process::id(),
            chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        );
        for _ in 0..2 {
            if self.create_if_absent(LOCK_KEY, owner.clone().into_bytes())? {
                return Ok(Box::new(S3Lock {
                    store: self.clone(),
                }));
            }
            let stale = |t: std::time::SystemTime| {
                std::time::SystemTime::now()
                    .duration_since(t)
                    .is_ok_and(|age| age > S3_LOCK_STALE)
            };
            match self.read_small(LOCK_KEY)? {
                // Released in between: try again.
                None => continue,
                Some((body, t)) if stale(t) || held_by_a_dead_process_here(&body) => {
                    self.delete(LOCK_KEY)?
                }
                Some(_) => break,
            }
        }
        Err(ExportError::Busy {
            location: Store::describe(self, ""),
            lock: Store::describe(self, LOCK_KEY),
        })
    }
}

/// This machine's name, as the lock object records it.
fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_default()
}

/// Whether an S3 lock object was written by a process of this machine that has ended (a
/// killed run): then the lock is free at once, not only after [`S3_LOCK_STALE`]. Only where
/// `/proc` tells whether a process lives.
fn held_by_a_dead_process_here(body: &[u8]) -> bool {
    let text = String::from_utf8_lossy(body);
    let field = |name: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(name))
            .map(str::trim)
            .map(str::to_string)
    };
    let (Some(host), Some(pid)) = (field("host "), field("pid ")) else {
        return false;
    };
    let here = host_name();
    !here.is_empty()
        && host == here
        && pid.parse::<u32>().is_ok_and(|p| p != std::process::id())
        && Path::new("/proc/self").exists()
        && !Path::new("/proc").join(&pid).exists()
}

/// A lock object under the prefix, deleted when the run ends.
struct S3Lock {
    store: S3Store,
}

impl Lock for S3Lock {}

impl Drop for S3Lock {
    fn drop(&mut self) {
        // A lock that cannot be deleted goes stale after S3_LOCK_STALE.
        let _ = self.store.delete(LOCK_KEY);
    }
}

impl StoreObject for S3Upload {
    fn commit(self: Box<Self>) -> Result<u64, ExportError> {
        Ok(S3Upload::commit(*self)?)
    }
}
