//! A compact count of every EC2 call, kept by the scan when [`ScanOptions::count_calls`] asks
//! for it (issue 6: EC2 throttles per account and API, so a throttle report needs to know who
//! else called the same API in the same minutes, without a second pass over the files).
//!
//! # What is counted
//!
//! Every record whose `eventSource` is `ec2.amazonaws.com`, of any API (the ENI calls the scan
//! keeps, `Describe*`, other tools' `RunInstances`, `CreateTags` on anything…), counted once
//! per `eventID` into a [`CallCounts`] table keyed by
//! `(minute, account, region, api, caller, actor)` with three counters: `calls`, `throttled`
//! (`errorCode` `Client.RequestLimitExceeded` or `RequestLimitExceeded`) and `failed` (any
//! `errorCode`, throttles included).
//!
//! - **minute**: `eventTime` truncated to the minute, UTC.
//! - **account**: `recipientAccountId`, else the caller's `accountId`, else the session issuer's
//!   (the same fallbacks as the kept events' `account`); **region**: `awsRegion`.
//! - **api**: `eventName`.
//! - **caller** ([`caller_of`]): for `AssumedRole` the `userIdentity.arn`
//!   (`arn:aws:sts::ACCT:assumed-role/ROLE/SESSION`; the node role's session is the instance
//!   id); for `AWSService` its `invokedBy` (`autoscaling.amazonaws.com`); otherwise the `arn`,
//!   else the `principalId`, else the session issuer's role ARN (records trimmed of everything
//!   else, facts §0), else `unknown`.
//! - **actor**: the scan's own classification. For the ENI calls the scan keeps, the actor of
//!   their events once the scan has attributed unmarked CNI calls (node identity acting on an
//!   ENI the CNI owns, evidence from the whole file and earlier files); `cni` when any of the
//!   record's events is the CNI's. For every other EC2 call, the user agent alone
//!   ([`actor::from_user_agent`]): such calls name no
//!   ENI to attribute by, so the `Describe*` calls of CNI v1.20–v1.21 and ≤ v1.6 (no marker) are
//!   counted as `other`. Their caller still names the node (node role) or the CNI's IRSA role,
//!   which is what a report groups by.
//!
//! # Filters
//!
//! The scan's filters apply to counted calls as to kept events: `eventTime` in the window,
//! `--account`/`--region` on the account and region above (both before deduplication, in the
//! worker), and `--actor cni` on the actor above (after deduplication, as for kept records).
//! A record that cannot be read for counting (invalid JSON, no `eventTime` or an unparsable
//! one, no `eventName`) is simply not counted: the scan's accounting of records (read = kept +
//! filtered + malformed + duplicates) does not change with counting on or off.
//!
//! # Finding EC2 records cheaply
//!
//! Records the scan's prefilter passes as candidates are parsed in full for extraction anyway;
//! the count reads the same parsed value. Every other record is searched for the bytes
//! `ec2.amazonaws.com` (SIMD `memmem`), and only records containing them are read, by a fast
//! reader: it walks the record's top-level object and its `userIdentity` key by key, decodes
//! the dozen values it needs (strings are borrowed unless escaped) and steps over the others
//! with the framer's 64-byte block scanner, without parsing them. Anything it does not handle
//! (an escaped key, a record that is not an object) is read by a serde visitor that borrows the
//! same fields and skips the rest ([`serde::de::IgnoredAny`]); both read what a full parse
//! reads (unit tests compare the three). The fast reader does not validate the values it
//! steps over: a record whose unread parts are not valid JSON can still be counted, where a
//! full parse would reject it. JSON could spell the source without the bytes searched for only
//! with a `\u` escape, and the prefilter passes every item holding `\u` as a candidate, so such
//! records are counted from the full parse. The string also occurs in other services' records
//! (`invokedBy`, role ARNs), so the `eventSource` read decides.
//!
//! # Duplicates and memory
//!
//! CloudTrail delivers some records twice, often in a later file; the count is exact because the
//! scan keeps every counted record's id: `eventID` (else `requestID`, else the response's
//! `requestId`, as for kept events; a record with none is counted without deduplication). A UUID
//! is kept as 16 bytes in a hash set of `u128` (other ids as text): 16 bytes plus one control
//! byte per bucket at a load between 7/16 and 7/8, so **about 19.5–39 bytes per distinct EC2
//! record, 27 on average**, held until the scan ends. This is in addition to the set of kept
//! event ids the scan always holds (the ENI calls' ids are in both). No bounded scheme is exact
//! without an assumption on how late a duplicate can come; see docs/performance.md.
//!
//! The table grows with minutes × APIs × callers, not with records: account, region, API and
//! caller are interned once each, and a cell costs about 65 bytes (a 32-byte key and 24 bytes
//! of counters in a vector, and its 4-byte position in the index). Callers are many where sessions
//! are short-lived (each IRSA session has its own ARN), so a busy account can have a cell for
//! most of its calls; measured figures are in docs/performance.md.

use crate::decode::frame::{ItemKind, Skip};
use crate::decode::prefilter;
use crate::extract::actor;
use crate::extract::sets::get;
use crate::extract::{Extracted, Origin, extract_record, unwrap_record};
use crate::model::Actor;
use crate::scan::{ActorFilter, ScanOptions};
use crate::stats::FilterReason;
use chrono::{DateTime, Utc};
use hashbrown::HashTable;
use serde::de::{self, Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;
use serde_json::value::RawValue;
use std::borrow::Cow;
use std::collections::HashSet;
use std::fmt;
use std::hash::{BuildHasher, RandomState};
use std::hash::{BuildHasherDefault, Hash, Hasher};
use std::marker::PhantomData;
use std::sync::Arc;
use std::sync::OnceLock;

/// FxHash (rustc's hasher): a multiply and a rotate per word. The id set and the cell indexes
/// are hit once per EC2 record and SipHash was a visible share of the counting cost there. Their
/// keys are not chosen by callers (CloudTrail assigns event ids; cells are small numbers), so
/// collisions cannot be crafted. Text that callers choose (role session names in caller ARNs)
/// is interned with the standard, randomly keyed hasher instead.
#[derive(Default, Clone, Copy)]
struct FxHasher(u64);

impl FxHasher {
    const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

    #[inline]
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(Self::SEED);
    }
}

impl Hasher for FxHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(c);
            self.add(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0u8; 8];
            word[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(word));
        }
    }
    #[inline]
    fn write_u8(&mut self, v: u8) {
        self.add(u64::from(v));
    }
    #[inline]
    fn write_u32(&mut self, v: u32) {
        self.add(u64::from(v));
    }
    #[inline]
    fn write_u64(&mut self, v: u64) {
        self.add(v);
    }
    #[inline]
    fn write_u128(&mut self, v: u128) {
        self.add(v as u64);
        self.add((v >> 64) as u64);
    }
    #[inline]
    fn write_i64(&mut self, v: i64) {
        self.add(v as u64);
    }
    #[inline]
    fn write_usize(&mut self, v: usize) {
        self.add(v as u64);
    }
    #[inline]
    fn finish(&self) -> u64 {
        self.0
    }
}

type FastSet<K> = HashSet<K, BuildHasherDefault<FxHasher>>;

/// The [`FxHasher`] hash of a cell's key.
#[inline]
fn fx_hash<K: Hash>(key: &K) -> u64 {
    BuildHasherDefault::<FxHasher>::default().hash_one(key)
}

/// The position of the item whose key is `key` in `items`, found through `index` (positions
/// hashed by their items' keys); a new item made by `new` is pushed when there is none.
#[inline]
fn position_of<T, K: Hash + Eq + Copy>(
    index: &mut HashTable<u32>,
    items: &mut Vec<T>,
    key: K,
    key_of: impl Fn(&T) -> &K,
    new: impl FnOnce(K) -> T,
) -> usize {
    let hash = fx_hash(&key);
    if let Some(&at) = index.find(hash, |&at| *key_of(&items[at as usize]) == key) {
        return at as usize;
    }
    let at = items.len();
    items.push(new(key));
    index.insert_unique(hash, at as u32, |&at| fx_hash(key_of(&items[at as usize])));
    at
}

/// The `eventSource` of the EC2 API.
pub const EC2_SOURCE: &str = "ec2.amazonaws.com";

/// True for EC2's throttling error, in CloudTrail's spelling (`Client.RequestLimitExceeded`) or
/// the SDK's (`RequestLimitExceeded`).
pub fn is_throttle(error_code: &str) -> bool {
    matches!(
        error_code,
        "Client.RequestLimitExceeded" | "RequestLimitExceeded"
    )
}

/// The three counters of one cell.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CallTally {
    /// Calls made.
    pub calls: u64,
    /// Of which refused with `RequestLimitExceeded`.
    pub throttled: u64,
    /// Of which carrying any `errorCode` (throttles included).
    pub failed: u64,
}

impl CallTally {
    /// One call, throttled and failed as its error code says.
    pub fn of_call(error_code: Option<&str>) -> Self {
        CallTally {
            calls: 1,
            throttled: u64::from(error_code.is_some_and(is_throttle)),
            failed: u64::from(error_code.is_some()),
        }
    }
}

impl std::ops::AddAssign for CallTally {
    fn add_assign(&mut self, o: CallTally) {
        self.calls += o.calls;
        self.throttled += o.throttled;
        self.failed += o.failed;
    }
}

/// The key of one cell, borrowed: what [`CallCounts::add`] takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CallKey<'a> {
    /// When; truncated to the minute by the table.
    pub minute: DateTime<Utc>,
    /// `recipientAccountId` (or the caller's account).
    pub account: Option<&'a str>,
    /// `awsRegion`.
    pub region: Option<&'a str>,
    /// `eventName`.
    pub api: &'a str,
    /// Who called (see the module docs).
    pub caller: &'a str,
    /// The scan's actor classification.
    pub actor: Actor,
}

/// One cell of the table, owned: what [`CallCounts::rows`] returns.
///
/// The names are shared (`Arc<str>`) rather than a `String` each: a day of a large cluster has
/// a few hundred distinct names over some hundred thousand rows, and copying four names per row
/// was most of the time it took to list them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallCountRow {
    /// The minute (UTC, seconds zero).
    pub minute: DateTime<Utc>,
    /// `recipientAccountId` (or the caller's account).
    pub account: Option<Arc<str>>,
    /// `awsRegion`.
    pub region: Option<Arc<str>>,
    /// `eventName`.
    pub api: Arc<str>,
    /// Who called (see the module docs).
    pub caller: Arc<str>,
    /// The scan's actor classification.
    pub actor: Actor,
    /// Calls made.
    pub calls: u64,
    /// Of which refused with `RequestLimitExceeded`.
    pub throttled: u64,
    /// Of which carrying any `errorCode` (throttles included).
    pub failed: u64,
}

impl CallCountRow {
    /// The row as a cell with borrowed names (to count it into a [`CallCounts`]).
    pub fn as_cell(&self) -> CallCell<'_> {
        CallCell {
            key: CallKey {
                minute: self.minute,
                account: self.account.as_deref(),
                region: self.region.as_deref(),
                api: &self.api,
                caller: &self.caller,
                actor: self.actor,
            },
            tally: CallTally {
                calls: self.calls,
                throttled: self.throttled,
                failed: self.failed,
            },
        }
    }
}

/// The keys of every interner's hash: SipHash, randomly keyed once per process. Caller ARNs
/// hold session names that anyone able to assume a role picks, and a hash that such text could
/// collide on purpose would let it slow the scan down. One set of keys for all interners, so
/// that a name's hash computed in a worker serves again when the name enters the scan's table.
fn name_keys() -> &'static RandomState {
    static KEYS: OnceLock<RandomState> = OnceLock::new();
    KEYS.get_or_init(RandomState::new)
}

/// Strings stored once, named by a small number. The names lie end to end in one string, and
/// each one's hash is kept: a table grows without hashing its names again, and another
/// interner takes a name over without hashing it again ([`Interner::intern_from`]).
#[derive(Debug, Clone, Default)]
struct Interner {
    ids: HashTable<u32>,
    text: String,
    /// Where each name ends in `text` (it starts where the previous one ends).
    ends: Vec<usize>,
    hashes: Vec<u64>,
}

/// The symbol of an absent account or region.
const NO_NAME: u32 = u32::MAX;

impl Interner {
    /// Room for `names` names of `bytes` bytes in all before any growth.
    fn with_capacity(names: usize, bytes: usize) -> Self {
        Interner {
            ids: HashTable::with_capacity(names),
            text: String::with_capacity(bytes),
            ends: Vec::with_capacity(names),
            hashes: Vec::with_capacity(names),
        }
    }

    fn len(&self) -> usize {
        self.ends.len()
    }

    fn intern(&mut self, s: &str) -> u32 {
        self.intern_hashed(s, name_keys().hash_one(s))
    }

    /// [`Interner::intern`] with `hash` already computed with [`name_keys`].
    fn intern_hashed(&mut self, s: &str, hash: u64) -> u32 {
        if let Some(&id) = self.ids.find(hash, |&id| self.name(id) == Some(s)) {
            return id;
        }
        let Interner {
            ids,
            text,
            ends,
            hashes,
        } = self;
        let id = ends.len() as u32;
        text.push_str(s);
        ends.push(text.len());
        hashes.push(hash);
        ids.insert_unique(hash, id, |&id| hashes[id as usize]);
        id
    }

    /// Interns `other`'s name `id` (absent: [`NO_NAME`]) with the hash `other` keeps for it.
    fn intern_from(&mut self, other: &Interner, id: u32) -> u32 {
        match (other.name(id), other.hashes.get(id as usize)) {
            (Some(text), Some(&hash)) => self.intern_hashed(text, hash),
            _ => NO_NAME,
        }
    }

    fn intern_opt(&mut self, s: Option<&str>) -> u32 {
        s.map_or(NO_NAME, |s| self.intern(s))
    }

    /// [`Interner::intern_opt`] for a name that mostly repeats from one call to the next (the
    /// account and region of a file): compared with `last` before any hashing.
    fn intern_repeated(&mut self, s: Option<&str>, last: &mut u32) -> u32 {
        if let Some(text) = s
            && *last != NO_NAME
            && self.name(*last) == Some(text)
        {
            return *last;
        }
        *last = self.intern_opt(s);
        *last
    }

    fn name(&self, id: u32) -> Option<&str> {
        let i = id as usize;
        let end = *self.ends.get(i)?;
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        self.text.get(start..end)
    }
}

/// A cell's key with interned strings; `minute` counts minutes since the Unix epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct CellKey {
    minute: i64,
    account: u32,
    region: u32,
    api: u32,
    caller: u32,
    actor: Actor,
}

/// Minutes since the Unix epoch, rounded down (also before 1970).
fn minute_of(t: DateTime<Utc>) -> i64 {
    t.timestamp().div_euclid(60)
}

/// Sorting rank of an actor (the model's `Actor` has no order of its own).
fn actor_rank(a: Actor) -> u8 {
    match a {
        Actor::Cni => 0,
        Actor::ResourceController => 1,
        Actor::Other => 2,
    }
}

/// Counts of EC2 calls per `(minute, account, region, api, caller, actor)`.
///
/// Filled by the scan when [`ScanOptions::count_calls`] is on and returned in
/// [`ScanSummary::calls`](crate::stats::ScanSummary::calls); empty otherwise. Tables of
/// shards or workers combine with [`CallCounts::merge`].
///
/// ```
/// use cnitrail_core::calls::{CallCounts, CallKey, CallTally};
/// use cnitrail_core::Actor;
/// let mut counts = CallCounts::new();
/// let key = CallKey {
///     minute: "2026-11-22T14:02:31Z".parse().unwrap(),
///     account: Some("111122223333"),
///     region: Some("eu-west-1"),
///     api: "AssignPrivateIpAddresses",
///     caller: "arn:aws:sts::111122223333:assumed-role/NodeRole/i-0123456789abcdef0",
///     actor: Actor::Cni,
/// };
/// counts.add(&key, CallTally::of_call(None));
/// counts.add(&key, CallTally::of_call(Some("Client.RequestLimitExceeded")));
/// let rows = counts.rows();
/// assert_eq!(rows.len(), 1);
/// assert_eq!(rows[0].minute.to_rfc3339(), "2026-11-22T14:02:00+00:00");
/// assert_eq!((rows[0].calls, rows[0].throttled, rows[0].failed), (2, 1, 1));
/// ```
#[derive(Clone, Default)]
pub struct CallCounts {
    names: Interner,
    /// Positions in `cells`, hashed by their keys: 4 bytes a cell rather than the key again.
    index: HashTable<u32>,
    cells: Vec<(CellKey, CallTally)>,
}

impl fmt::Debug for CallCounts {
    // The whole table would drown any summary printed in a test failure: its size will do.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let t = self.totals();
        f.debug_struct("CallCounts")
            .field("cells", &self.cells.len())
            .field("calls", &t.calls)
            .field("throttled", &t.throttled)
            .field("failed", &t.failed)
            .finish()
    }
}

impl CallCounts {
    /// An empty table.
    pub fn new() -> Self {
        CallCounts::default()
    }

    /// True when nothing was counted.
    pub fn is_empty(&self) -> bool {
        self.cells.is_empty()
    }

    /// Number of cells (distinct keys).
    pub fn len(&self) -> usize {
        self.cells.len()
    }

    /// Adds `tally` to the cell of `key` (its time truncated to the minute).
    pub fn add(&mut self, key: &CallKey<'_>, tally: CallTally) {
        let cell = CellKey {
            minute: minute_of(key.minute),
            account: self.names.intern_opt(key.account),
            region: self.names.intern_opt(key.region),
            api: self.names.intern(key.api),
            caller: self.names.intern(key.caller),
            actor: key.actor,
        };
        let at = self.cell(cell);
        self.cells[at].1 += tally;
    }

    /// The index of `key`'s cell, created empty if new.
    fn cell(&mut self, key: CellKey) -> usize {
        position_of(
            &mut self.index,
            &mut self.cells,
            key,
            |c| &c.0,
            |key| (key, CallTally::default()),
        )
    }

    /// Adds every cell of `other` (counts of another shard or worker) to this table.
    pub fn merge(&mut self, other: &CallCounts) {
        let mut names = vec![NO_NAME; other.names.len()];
        let mut name = |this: &mut Interner, id: u32| -> u32 {
            match names.get_mut(id as usize) {
                Some(slot) => {
                    if *slot == NO_NAME {
                        *slot = this.intern_from(&other.names, id);
                    }
                    *slot
                }
                None => NO_NAME,
            }
        };
        for (key, tally) in &other.cells {
            let mapped = CellKey {
                minute: key.minute,
                account: name(&mut self.names, key.account),
                region: name(&mut self.names, key.region),
                api: name(&mut self.names, key.api),
                caller: name(&mut self.names, key.caller),
                actor: key.actor,
            };
            let at = self.cell(mapped);
            self.cells[at].1 += *tally;
        }
    }

    /// The sum over all cells.
    pub fn totals(&self) -> CallTally {
        let mut t = CallTally::default();
        for (_, c) in &self.cells {
            t += *c;
        }
        t
    }

    /// Every cell, in no particular order, with its names borrowed: for sums that need no
    /// order (no sort, no copy of any name).
    pub fn cells(&self) -> impl Iterator<Item = CallCell<'_>> + '_ {
        self.cells.iter().map(|(k, t)| CallCell {
            key: CallKey {
                minute: minute_start(k.minute),
                account: self.names.name(k.account),
                region: self.names.name(k.region),
                api: self.names.name(k.api).unwrap_or_default(),
                caller: self.names.name(k.caller).unwrap_or_default(),
                actor: k.actor,
            },
            tally: *t,
        })
    }

    /// The cells in [`CallCounts::rows`]' order, each name given by its rank in text order:
    /// what groups and sorts by name can compare as integers.
    pub fn listing(&self) -> CallListing<'_> {
        // Rank the names once and sort the cells by integers: sorting the rows by their text
        // compared long caller ARNs some two million times.
        let names: Vec<&str> = (0..self.names.len() as u32)
            .map(|id| self.names.name(id).unwrap_or_default())
            .collect();
        let mut by_text: Vec<u32> = (0..names.len() as u32).collect();
        by_text.sort_unstable_by(|&a, &b| names[a as usize].cmp(names[b as usize]));
        let mut rank = vec![0u32; names.len()];
        for (r, &id) in by_text.iter().enumerate() {
            rank[id as usize] = r as u32 + 1;
        }
        // An absent name (rank 0) sorts first, as `None` does before any text.
        let rank_of = |id: u32| rank.get(id as usize).copied().unwrap_or(NO_RANK);
        let mut cells: Vec<ListedCell> = self
            .cells
            .iter()
            .map(|(k, t)| ListedCell {
                minute: k.minute,
                account: rank_of(k.account),
                region: rank_of(k.region),
                api: rank_of(k.api),
                caller: rank_of(k.caller),
                actor: k.actor,
                tally: *t,
            })
            .collect();
        cells.sort_unstable_by_key(ListedCell::order);
        CallListing {
            names: by_text.iter().map(|&id| names[id as usize]).collect(),
            cells,
        }
    }

    /// Every cell as an owned row, sorted by minute, account, region, api, caller, then actor
    /// (`cni`, `resource-controller`, `other`); absent accounts and regions sort first.
    pub fn rows(&self) -> Vec<CallCountRow> {
        self.listing().rows()
    }
}

impl<'a> FromIterator<CallCell<'a>> for CallCounts {
    /// A table of the given cells (cells of one key add up).
    fn from_iter<I: IntoIterator<Item = CallCell<'a>>>(cells: I) -> Self {
        let mut counts = CallCounts::new();
        for c in cells {
            counts.add(&c.key, c.tally);
        }
        counts
    }
}

/// The start of a minute counted since the Unix epoch ([`ListedCell::minute`]).
pub fn minute_start(minute: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(minute.saturating_mul(60), 0).unwrap_or_default()
}

/// One cell with its names borrowed ([`CallCounts::cells`]), or a count to add to a table
/// (collected into a [`CallCounts`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CallCell<'a> {
    /// Its key; from a table, `minute` is the start of the cell's minute.
    pub key: CallKey<'a>,
    /// Its counters.
    pub tally: CallTally,
}

/// The rank of an absent name (an account or region), before every name.
pub const NO_RANK: u32 = 0;

/// The table's cells sorted as [`CallCounts::rows`] sorts them, each name given by its rank:
/// 1 for the first name in text (byte) order, 2 for the next, [`NO_RANK`] for none. Comparing
/// ranks compares the names, so grouping and ordering by name take integer comparisons only.
#[derive(Debug, Clone, Default)]
pub struct CallListing<'a> {
    /// Name of rank r at r - 1.
    names: Vec<&'a str>,
    cells: Vec<ListedCell>,
}

/// One cell of a [`CallListing`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListedCell {
    /// Minutes since the Unix epoch ([`ListedCell::time`]).
    pub minute: i64,
    /// The account's rank.
    pub account: u32,
    /// The region's rank.
    pub region: u32,
    /// The API's rank.
    pub api: u32,
    /// The caller's rank.
    pub caller: u32,
    /// The scan's actor classification.
    pub actor: Actor,
    /// Its counters.
    pub tally: CallTally,
}

impl ListedCell {
    /// The start of the cell's minute.
    pub fn time(&self) -> DateTime<Utc> {
        minute_start(self.minute)
    }

    fn order(&self) -> (i64, u32, u32, u32, u32, u8) {
        (
            self.minute,
            self.account,
            self.region,
            self.api,
            self.caller,
            actor_rank(self.actor),
        )
    }
}

impl<'a> CallListing<'a> {
    /// The cells, by minute, account, region, API, caller, then actor.
    pub fn cells(&self) -> &[ListedCell] {
        &self.cells
    }

    /// The name of a rank; `None` for [`NO_RANK`].
    pub fn name(&self, rank: u32) -> Option<&'a str> {
        let i = (rank as usize).checked_sub(1)?;
        self.names.get(i).copied()
    }

    /// True when there is no cell.
    pub fn is_empty(&self) -> bool {
        self.cells.is_empty()
    }

    /// The highest rank: the number of distinct names.
    pub fn max_rank(&self) -> u32 {
        self.names.len() as u32
    }

    /// The cells as owned rows; each name is one `Arc` shared by its rows.
    pub fn rows(&self) -> Vec<CallCountRow> {
        let shared: Vec<Arc<str>> = self.names.iter().map(|&n| Arc::from(n)).collect();
        let text = |rank: u32| {
            (rank as usize)
                .checked_sub(1)
                .and_then(|i| shared.get(i))
                .cloned()
        };
        self.cells
            .iter()
            .map(|c| CallCountRow {
                minute: c.time(),
                account: text(c.account),
                region: text(c.region),
                api: text(c.api).unwrap_or_default(),
                caller: text(c.caller).unwrap_or_default(),
                actor: c.actor,
                calls: c.tally.calls,
                throttled: c.tally.throttled,
                failed: c.tally.failed,
            })
            .collect()
    }
}

// ------------------------------------------------------------------------------------------------
// Reading the fields of a record that the count needs

/// The fields of one record that counting reads, borrowed from the parsed value or the bytes.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
struct CallFields<'a> {
    event_time: Option<Cow<'a, str>>,
    event_source: Option<Cow<'a, str>>,
    event_name: Option<Cow<'a, str>>,
    event_id: Option<Cow<'a, str>>,
    request_id: Option<Cow<'a, str>>,
    response_request_id: Option<Cow<'a, str>>,
    error_code: Option<Cow<'a, str>>,
    region: Option<Cow<'a, str>>,
    recipient_account: Option<Cow<'a, str>>,
    user_agent: Option<Cow<'a, str>>,
    invoked_by: Option<Cow<'a, str>>,
    identity: Identity<'a>,
}

/// The parts of `userIdentity` that name the caller and its account.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
struct Identity<'a> {
    kind: Option<Cow<'a, str>>,
    arn: Option<Cow<'a, str>>,
    principal_id: Option<Cow<'a, str>>,
    account_id: Option<Cow<'a, str>>,
    invoked_by: Option<Cow<'a, str>>,
    issuer_arn: Option<Cow<'a, str>>,
    issuer_account_id: Option<Cow<'a, str>>,
}

/// Text as [`crate::extract::sets::string`] reads it, borrowed where it can be: a non-empty
/// string, a number as text, an object's `value`; anything else is none.
fn text_of(v: Option<&Value>) -> Option<Cow<'_, str>> {
    match v? {
        Value::String(s) if !s.is_empty() => Some(Cow::Borrowed(s.as_str())),
        Value::Number(n) => Some(Cow::Owned(n.to_string())),
        Value::Object(o) => text_of(o.get("value")),
        _ => None,
    }
}

impl<'a> CallFields<'a> {
    /// Reads a record already parsed into a value (the candidates of the prefilter). One pass
    /// over the record's keys and its identity's: a lookup per field (some twenty searches of
    /// the parsed map, each comparing keys) cost more than the rest of counting such a record.
    fn from_value(r: &'a Value) -> Self {
        let mut f = CallFields::default();
        let Some(record) = r.as_object() else {
            return f;
        };
        // The keys are the fast reader's ([`key_of`]): one list of what counting reads.
        for (key, v) in record {
            let v = Some(v);
            match key_of(key.as_bytes()) {
                Known::EventTime => f.event_time = text_of(v),
                Known::EventSource => f.event_source = text_of(v),
                Known::EventName => f.event_name = text_of(v),
                Known::EventId => f.event_id = text_of(v),
                Known::RequestId => f.request_id = text_of(v),
                Known::ResponseElements => {
                    f.response_request_id = text_of(v.and_then(|v| get(v, "requestId")));
                }
                Known::ErrorCode => f.error_code = text_of(v),
                Known::AwsRegion => f.region = text_of(v),
                Known::RecipientAccountId => f.recipient_account = text_of(v),
                Known::UserAgent => f.user_agent = text_of(v),
                Known::InvokedBy => f.invoked_by = text_of(v),
                Known::UserIdentity => {
                    if let Some(identity) = v.and_then(Value::as_object) {
                        f.identity = Identity::from_map(identity);
                    }
                }
                _ => {}
            }
        }
        f
    }
}

impl<'a> Identity<'a> {
    fn from_map(identity: &'a serde_json::Map<String, Value>) -> Self {
        let mut id = Identity::default();
        for (key, v) in identity {
            let v = Some(v);
            match key_of(key.as_bytes()) {
                Known::Type => id.kind = text_of(v),
                Known::Arn => id.arn = text_of(v),
                Known::PrincipalId => id.principal_id = text_of(v),
                Known::AccountId => id.account_id = text_of(v),
                Known::InvokedBy => id.invoked_by = text_of(v),
                Known::SessionContext => {
                    let issuer = v.and_then(|v| get(v, "sessionIssuer"));
                    id.issuer_arn = text_of(issuer.and_then(|i| get(i, "arn")));
                    id.issuer_account_id = text_of(issuer.and_then(|i| get(i, "accountId")));
                }
                _ => {}
            }
        }
        id
    }
}

/// Who made a call, as the module docs describe; `None` only when nothing names anyone.
fn caller_text<'s>(fields: &'s CallFields<'_>) -> Option<&'s str> {
    let id = &fields.identity;
    let service = || id.invoked_by.as_deref().or(fields.invoked_by.as_deref());
    let general = || {
        id.arn
            .as_deref()
            .or(id.principal_id.as_deref())
            .or(id.issuer_arn.as_deref())
    };
    match id.kind.as_deref() {
        Some("AssumedRole") => id.arn.as_deref().or_else(general),
        Some("AWSService") => service().or_else(general),
        _ => general(),
    }
}

/// The caller text of a record's `userIdentity` (and its `invokedBy`): for `AssumedRole` the
/// `arn`; for `AWSService` the `invokedBy`; otherwise the `arn`, else the `principalId`, else
/// the session issuer's ARN, else `unknown`. `record` is the whole CloudTrail record.
pub fn caller_of(record: &Value) -> String {
    caller_text(&CallFields::from_value(record))
        .unwrap_or("unknown")
        .to_string()
}

// --- the light parse ----------------------------------------------------------------------------

/// An object key, borrowed unless it holds escapes.
struct Key<'a>(Cow<'a, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object key")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v.to_string())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v)))
            }
        }
        d.deserialize_str(V)
    }
}

/// A value read as [`text_of`] reads one, whatever its JSON type; never an error of shape.
struct Text<'a>(Option<Cow<'a, str>>);

impl<'de> Deserialize<'de> for Text<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Text<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Text<'de>, E> {
                Ok(Text((!v.is_empty()).then_some(Cow::Borrowed(v))))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Text<'de>, E> {
                Ok(Text((!v.is_empty()).then(|| Cow::Owned(v.to_string()))))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Text<'de>, E> {
                Ok(Text((!v.is_empty()).then_some(Cow::Owned(v))))
            }
            // Numbers as serde_json's `Value` would print them, so both paths agree.
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Text<'de>, E> {
                Ok(Text(Some(Cow::Owned(v.to_string()))))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Text<'de>, E> {
                Ok(Text(Some(Cow::Owned(v.to_string()))))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Text<'de>, E> {
                Ok(Text(
                    serde_json::Number::from_f64(v).map(|n| Cow::Owned(n.to_string())),
                ))
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Text<'de>, E> {
                Ok(Text(None))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Text<'de>, E> {
                Ok(Text(None))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Text<'de>, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Text(None))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Text<'de>, A::Error> {
                // EC2 wraps attribute values as `{"value": …}`; the last `value` wins, as in a
                // parsed `Value`.
                let mut out = None;
                while let Some(Key(k)) = map.next_key()? {
                    if k == "value" {
                        out = map.next_value::<Text>()?.0;
                    } else {
                        map.next_value::<IgnoredAny>()?;
                    }
                }
                Ok(Text(out))
            }
        }
        d.deserialize_any(V)
    }
}

/// An object read field by field; any other JSON value reads as an empty one.
trait Fields<'de>: Default {
    /// Reads the value of `key` (exactly once) into `self`, or skips it.
    fn field<A: MapAccess<'de>>(&mut self, key: &str, map: &mut A) -> Result<(), A::Error>;
}

/// Any JSON value, read as `T` when it is an object.
struct Obj<T>(T);

impl<'de, T: Fields<'de>> Deserialize<'de> for Obj<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(PhantomData<T>);
        impl<'de, T: Fields<'de>> Visitor<'de> for V<T> {
            type Value = Obj<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Obj<T>, A::Error> {
                let mut out = T::default();
                while let Some(Key(k)) = map.next_key()? {
                    out.field(&k, &mut map)?;
                }
                Ok(Obj(out))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Obj<T>, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Obj(T::default()))
            }
            fn visit_str<E: de::Error>(self, _: &str) -> Result<Obj<T>, E> {
                Ok(Obj(T::default()))
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<Obj<T>, E> {
                Ok(Obj(T::default()))
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<Obj<T>, E> {
                Ok(Obj(T::default()))
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<Obj<T>, E> {
                Ok(Obj(T::default()))
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Obj<T>, E> {
                Ok(Obj(T::default()))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Obj<T>, E> {
                Ok(Obj(T::default()))
            }
        }
        d.deserialize_any(V(PhantomData))
    }
}

fn text<'de, A: MapAccess<'de>>(map: &mut A) -> Result<Option<Cow<'de, str>>, A::Error> {
    Ok(map.next_value::<Text<'de>>()?.0)
}

fn skip<'de, A: MapAccess<'de>>(map: &mut A) -> Result<(), A::Error> {
    map.next_value::<IgnoredAny>().map(|_| ())
}

/// A top-level item: the record's own fields, and the envelopes a record can come in.
#[derive(Default)]
struct Item<'a> {
    fields: CallFields<'a>,
    /// `eventName` or `eventTime` is present (with any value): the item is the record itself.
    names_a_record: bool,
    detail: Option<&'a RawValue>,
    message: Option<&'a RawValue>,
    cloud_trail_event: Option<&'a RawValue>,
}

impl<'de> Fields<'de> for Item<'de> {
    fn field<A: MapAccess<'de>>(&mut self, key: &str, map: &mut A) -> Result<(), A::Error> {
        let f = &mut self.fields;
        match key {
            "eventTime" => {
                self.names_a_record = true;
                f.event_time = text(map)?;
            }
            "eventName" => {
                self.names_a_record = true;
                f.event_name = text(map)?;
            }
            "eventSource" => f.event_source = text(map)?,
            "eventID" => f.event_id = text(map)?,
            "requestID" => f.request_id = text(map)?,
            "errorCode" => f.error_code = text(map)?,
            "awsRegion" => f.region = text(map)?,
            "recipientAccountId" => f.recipient_account = text(map)?,
            "userAgent" => f.user_agent = text(map)?,
            "invokedBy" => f.invoked_by = text(map)?,
            "userIdentity" => f.identity = map.next_value::<Obj<Identity>>()?.0,
            "responseElements" => {
                f.response_request_id = map.next_value::<Obj<Response>>()?.0.request_id;
            }
            "detail" => self.detail = Some(map.next_value()?),
            "@message" => self.message = Some(map.next_value()?),
            "CloudTrailEvent" => self.cloud_trail_event = Some(map.next_value()?),
            _ => skip(map)?,
        }
        Ok(())
    }
}

impl<'de> Fields<'de> for Identity<'de> {
    fn field<A: MapAccess<'de>>(&mut self, key: &str, map: &mut A) -> Result<(), A::Error> {
        match key {
            "type" => self.kind = text(map)?,
            "arn" => self.arn = text(map)?,
            "principalId" => self.principal_id = text(map)?,
            "accountId" => self.account_id = text(map)?,
            "invokedBy" => self.invoked_by = text(map)?,
            "sessionContext" => {
                let issuer = map.next_value::<Obj<SessionContext>>()?.0.issuer;
                self.issuer_arn = issuer.arn;
                self.issuer_account_id = issuer.account_id;
            }
            _ => skip(map)?,
        }
        Ok(())
    }
}

#[derive(Default)]
struct SessionContext<'a> {
    issuer: Issuer<'a>,
}

impl<'de> Fields<'de> for SessionContext<'de> {
    fn field<A: MapAccess<'de>>(&mut self, key: &str, map: &mut A) -> Result<(), A::Error> {
        match key {
            "sessionIssuer" => self.issuer = map.next_value::<Obj<Issuer>>()?.0,
            _ => skip(map)?,
        }
        Ok(())
    }
}

#[derive(Default)]
struct Issuer<'a> {
    arn: Option<Cow<'a, str>>,
    account_id: Option<Cow<'a, str>>,
}

impl<'de> Fields<'de> for Issuer<'de> {
    fn field<A: MapAccess<'de>>(&mut self, key: &str, map: &mut A) -> Result<(), A::Error> {
        match key {
            "arn" => self.arn = text(map)?,
            "accountId" => self.account_id = text(map)?,
            _ => skip(map)?,
        }
        Ok(())
    }
}

#[derive(Default)]
struct Response<'a> {
    request_id: Option<Cow<'a, str>>,
}

impl<'de> Fields<'de> for Response<'de> {
    fn field<A: MapAccess<'de>>(&mut self, key: &str, map: &mut A) -> Result<(), A::Error> {
        match key {
            "requestId" => self.request_id = text(map)?,
            _ => skip(map)?,
        }
        Ok(())
    }
}

// --- the fast reader: steps over the values it does not read ---------------------------------

/// Index of the first byte at or after `i` that is not JSON whitespace.
#[inline]
fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while let Some(b' ' | b'\n' | b'\r' | b'\t') = b.get(i) {
        i += 1;
    }
    i
}

/// The end (exclusive) of the string whose opening quote is at `i`, and whether it holds an
/// escape. Most strings of a record are short (ids, names, times), where calling a general
/// vector search costs more than the search: 16 bytes are compared at a time, inline.
#[inline]
fn string_end(b: &[u8], i: usize) -> Option<(usize, bool)> {
    let mut j = i + 1;
    let mut escaped = false;
    #[cfg(target_arch = "x86_64")]
    while j + 16 <= b.len() {
        use core::arch::x86_64::*;
        // SAFETY: SSE2 is part of the x86_64 baseline, so these intrinsics are always
        // available; the unaligned load reads b[j..j + 16], in bounds by the loop condition.
        let hits = unsafe {
            let v = _mm_loadu_si128(b.as_ptr().add(j) as *const __m128i);
            let quote = _mm_cmpeq_epi8(v, _mm_set1_epi8(b'"' as i8));
            let backslash = _mm_cmpeq_epi8(v, _mm_set1_epi8(b'\\' as i8));
            _mm_movemask_epi8(_mm_or_si128(quote, backslash)) as u32
        };
        if hits == 0 {
            j += 16;
            continue;
        }
        let k = j + hits.trailing_zeros() as usize;
        if b[k] == b'"' {
            return Some((k + 1, escaped));
        }
        // A backslash: the next byte is escaped, whatever it is.
        escaped = true;
        j = k + 2;
    }
    while let Some(&c) = b.get(j) {
        match c {
            b'"' => return Some((j + 1, escaped)),
            b'\\' => {
                escaped = true;
                j += 2;
            }
            _ => j += 1,
        }
    }
    None
}

/// The end (exclusive) of the JSON value starting at `i`, and whether the value is a string
/// without escapes (`plain`, read by [`text_value`] without a parse); objects and arrays are
/// stepped over with the framer's block scanner. The value's content is not validated.
#[inline]
fn value_end(b: &[u8], i: usize) -> Option<(usize, bool)> {
    match *b.get(i)? {
        b'"' => string_end(b, i).map(|(end, escaped)| (end, !escaped)),
        c @ (b'{' | b'[') => Skip::starting_with(c)
            .run(b, i + 1)
            .ok()
            .map(|end| (end, false)),
        _ => {
            let mut j = i;
            while let Some(&c) = b.get(j) {
                if matches!(c, b',' | b'}' | b']' | b' ' | b'\n' | b'\r' | b'\t') {
                    return Some((j, false));
                }
                j += 1;
            }
            None
        }
    }
}

/// A value as [`Text`] reads it; plain strings are borrowed without a parse.
#[inline]
fn text_token(raw: &[u8]) -> Option<Option<Cow<'_, str>>> {
    let plain = matches!(raw, [b'"', inner @ .., b'"'] if memchr::memchr(b'\\', inner).is_none());
    text_value(raw, plain)
}

/// [`text_token`] for a value [`value_end`] has already said is `plain` or not.
#[inline]
fn text_value(raw: &[u8], plain: bool) -> Option<Option<Cow<'_, str>>> {
    if plain && let [b'"', inner @ .., b'"'] = raw {
        // Nearly every value is ASCII, checked far faster than by a general UTF-8 validation.
        let s = if inner.is_ascii() {
            // SAFETY: ASCII bytes are valid UTF-8.
            unsafe { std::str::from_utf8_unchecked(inner) }
        } else {
            std::str::from_utf8(inner).ok()?
        };
        return Some((!s.is_empty()).then_some(Cow::Borrowed(s)));
    }
    serde_json::from_slice::<Text>(raw).ok().map(|t| t.0)
}

/// The keys the fast reader reads, at any level (each reader takes only its own).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Known {
    EventTime,
    EventName,
    EventSource,
    EventId,
    RequestId,
    ErrorCode,
    AwsRegion,
    RecipientAccountId,
    UserAgent,
    InvokedBy,
    UserIdentity,
    ResponseElements,
    Detail,
    Message,
    CloudTrailEvent,
    Type,
    Arn,
    PrincipalId,
    AccountId,
    SessionContext,
    SessionIssuer,
    /// `requestId` in `responseElements` (lower-case d).
    ResponseRequestId,
    Other,
}

/// `k == want` compared as a fixed-size array, which compiles to a few loads, where comparing
/// slices calls `memcmp` (a visible cost at some 35 keys per record).
#[inline(always)]
fn is<const N: usize>(k: &[u8], want: &[u8; N]) -> bool {
    <&[u8; N]>::try_from(k).is_ok_and(|k| k == want)
}

/// The first eight bytes of a key as one number (little-endian), for [`key_of`].
const fn head(k: &[u8]) -> u64 {
    let mut word = 0u64;
    let mut i = 0;
    while i < 8 {
        word |= (k[i] as u64) << (8 * i);
        i += 1;
    }
    word
}

/// Which key `k` is. Short keys are compared whole; longer ones are dispatched on their length
/// and first eight bytes, loaded as one number, then checked whole: a record has some 25 keys
/// and the keys of nine letters alone were nine comparisons each.
#[inline]
fn key_of(k: &[u8]) -> Known {
    use Known::*;
    const EVENT_TIM: u64 = head(b"eventTime");
    const EVENT_NAM: u64 = head(b"eventName");
    const REQUEST_I: u64 = head(b"requestID");
    const ERROR_COD: u64 = head(b"errorCode");
    const AWS_REGIO: u64 = head(b"awsRegion");
    const USER_AGEN: u64 = head(b"userAgent");
    const INVOKED_B: u64 = head(b"invokedBy");
    const ACCOUNT_I: u64 = head(b"accountId");
    const EVENT_SOU: u64 = head(b"eventSource");
    const PRINCIPAL: u64 = head(b"principalId");
    let Some(first) = k.first_chunk::<8>() else {
        return match k {
            b"arn" => Arn,
            b"type" => Type,
            b"detail" => Detail,
            b"eventID" => EventId,
            _ => Other,
        };
    };
    let last = k[k.len() - 1];
    match (k.len(), u64::from_le_bytes(*first)) {
        (9, EVENT_TIM) if last == b'e' => EventTime,
        (9, EVENT_NAM) if last == b'e' => EventName,
        (9, REQUEST_I) if last == b'D' => RequestId,
        (9, REQUEST_I) if last == b'd' => ResponseRequestId,
        (9, ERROR_COD) if last == b'e' => ErrorCode,
        (9, AWS_REGIO) if last == b'n' => AwsRegion,
        (9, USER_AGEN) if last == b't' => UserAgent,
        (9, INVOKED_B) if last == b'y' => InvokedBy,
        (9, ACCOUNT_I) if last == b'd' => AccountId,
        (11, EVENT_SOU) if is(k, b"eventSource") => EventSource,
        (11, PRINCIPAL) if is(k, b"principalId") => PrincipalId,
        (8, _) if is(k, b"@message") => Message,
        (12, _) if is(k, b"userIdentity") => UserIdentity,
        (13, _) if is(k, b"sessionIssuer") => SessionIssuer,
        (14, _) if is(k, b"sessionContext") => SessionContext,
        (15, _) if is(k, b"CloudTrailEvent") => CloudTrailEvent,
        (16, _) if is(k, b"responseElements") => ResponseElements,
        (18, _) if is(k, b"recipientAccountId") => RecipientAccountId,
        _ => Other,
    }
}

/// Walks the object whose `{` is at `i`: calls `on` with each key and the index where its
/// value starts; `on` reads or steps over the value and returns the index just past it. Returns
/// the index just past the closing brace; `None` when the bytes are not such an object, or a
/// key holds an escape: the caller then reads the item with serde instead.
#[inline]
fn walk_object_at(
    b: &[u8],
    mut i: usize,
    mut on: impl FnMut(&[u8], usize) -> Option<usize>,
) -> Option<usize> {
    if b.get(i) != Some(&b'{') {
        return None;
    }
    i = skip_ws(b, i + 1);
    if b.get(i) == Some(&b'}') {
        return Some(i + 1);
    }
    loop {
        if b.get(i) != Some(&b'"') {
            return None;
        }
        // Keys are compared as bytes; one with an escape is left to serde.
        let (end, escaped) = string_end(b, i)?;
        if escaped {
            return None;
        }
        let key_end = end - 1;
        let key = &b[i + 1..key_end];
        i = skip_ws(b, key_end + 1);
        if b.get(i) != Some(&b':') {
            return None;
        }
        let end = on(key, skip_ws(b, i + 1))?;
        i = skip_ws(b, end);
        match b.get(i) {
            Some(b',') => i = skip_ws(b, i + 1),
            Some(b'}') => return Some(i + 1),
            _ => return None,
        }
    }
}

/// Walks the object `b` (exactly one object, whitespace around allowed) and calls `on` with
/// each key and its raw value; `None` as [`walk_object_at`] says.
fn walk_object<'a>(b: &'a [u8], mut on: impl FnMut(&[u8], &'a [u8]) -> Option<()>) -> Option<()> {
    let end = walk_object_at(b, skip_ws(b, 0), |key, start| {
        let (end, _) = value_end(b, start)?;
        on(key, &b[start..end])?;
        Some(end)
    })?;
    (skip_ws(b, end) == b.len()).then_some(())
}

/// Reads a nested object's fields as its [`Fields`] impl would: objects are walked, anything
/// else is the empty default (as [`Obj`] reads it).
fn walk_nested<'a, T: Default>(
    raw: &'a [u8],
    mut on: impl FnMut(&mut T, &[u8], &'a [u8]) -> Option<()>,
) -> Option<T> {
    let mut out = T::default();
    if raw.first() == Some(&b'{') {
        walk_object(raw, |k, v| on(&mut out, k, v))?;
    } else if raw.first() == Some(&b'[') {
        // An array of anything reads as nothing; still check it is JSON, as serde would.
        serde_json::from_slice::<IgnoredAny>(raw).ok()?;
    }
    Some(out)
}

fn walk_issuer(raw: &[u8]) -> Option<Issuer<'_>> {
    walk_nested(raw, |o: &mut Issuer, k, v| {
        match key_of(k) {
            Known::Arn => o.arn = text_token(v)?,
            Known::AccountId => o.account_id = text_token(v)?,
            _ => {}
        }
        Some(())
    })
}

/// `userIdentity` as walked, before the session issuer is read (see [`walk_item`]).
struct WalkedIdentity<'a> {
    identity: Identity<'a>,
    /// The raw `sessionContext`, read only when needed.
    context: Option<&'a [u8]>,
}

/// Reads the keys of the `userIdentity` object whose `{` is at `start`, in the same pass that
/// steps over it; returns it and the index just past it.
fn walk_identity_at(b: &[u8], start: usize) -> Option<(WalkedIdentity<'_>, usize)> {
    let mut o = WalkedIdentity {
        identity: Identity::default(),
        context: None,
    };
    let end = walk_object_at(b, start, |k, at| {
        let (end, plain) = value_end(b, at)?;
        let v = &b[at..end];
        let text = || text_value(v, plain);
        let id = &mut o.identity;
        match key_of(k) {
            Known::Type => id.kind = text()?,
            Known::Arn => id.arn = text()?,
            Known::PrincipalId => id.principal_id = text()?,
            Known::AccountId => id.account_id = text()?,
            Known::InvokedBy => id.invoked_by = text()?,
            Known::SessionContext => o.context = Some(v),
            _ => {}
        }
        Some(end)
    })?;
    Some((o, end))
}

/// Reads a `userIdentity` value that is not an object as [`Obj`] does: nothing (an array is
/// still checked to be JSON, as serde would).
fn walk_identity_other(raw: &[u8]) -> Option<WalkedIdentity<'_>> {
    let identity = walk_nested(raw, |_: &mut Identity, _, _| Some(()))?;
    Some(WalkedIdentity {
        identity,
        context: None,
    })
}

/// Completes a walked identity. The session issuer only serves when the identity names no
/// caller (no `arn`, no `principalId`) or no account is known otherwise (`need_account`): only
/// then is `sessionContext` read, which saves most of the identity's values on nearly every
/// record. So unlike the serde reader, the issuer's fields may stay unread; what is counted is
/// the same.
fn finish_identity(walked: WalkedIdentity<'_>, need_account: bool) -> Option<Identity<'_>> {
    let WalkedIdentity {
        mut identity,
        context,
    } = walked;
    let needed = (identity.arn.is_none() && identity.principal_id.is_none())
        || (need_account && identity.account_id.is_none());
    if let Some(v) = context.filter(|_| needed) {
        let context = walk_nested(v, |c: &mut SessionContext, k, v| {
            if key_of(k) == Known::SessionIssuer {
                c.issuer = walk_issuer(v)?;
            }
            Some(())
        })?;
        identity.issuer_arn = context.issuer.arn;
        identity.issuer_account_id = context.issuer.account_id;
    }
    Some(identity)
}

/// The fast reader of a top-level item: the record's fields and the envelopes, like
/// `Obj<Item>` but stepping over unread values with the block scanner instead of parsing them.
fn walk_item(b: &[u8]) -> Option<Item<'_>> {
    let mut item = Item::default();
    let mut identity = None;
    let end = walk_object_at(b, skip_ws(b, 0), |k, at| {
        let known = key_of(k);
        // The identity is read in the pass that steps over it, not stepped over and walked
        // again: it is a third of a typical record.
        if known == Known::UserIdentity && b.get(at) == Some(&b'{') {
            let (walked, end) = walk_identity_at(b, at)?;
            identity = Some(walked);
            return Some(end);
        }
        let (end, plain) = value_end(b, at)?;
        let v = &b[at..end];
        let text = || text_value(v, plain);
        let f = &mut item.fields;
        match known {
            Known::EventTime => {
                item.names_a_record = true;
                f.event_time = text()?;
            }
            Known::EventName => {
                item.names_a_record = true;
                f.event_name = text()?;
            }
            Known::EventSource => f.event_source = text()?,
            Known::EventId => f.event_id = text()?,
            Known::RequestId => f.request_id = text()?,
            Known::ErrorCode => f.error_code = text()?,
            Known::AwsRegion => f.region = text()?,
            Known::RecipientAccountId => f.recipient_account = text()?,
            Known::UserAgent => f.user_agent = text()?,
            Known::InvokedBy => f.invoked_by = text()?,
            Known::UserIdentity => identity = Some(walk_identity_other(v)?),
            Known::ResponseElements => {
                f.response_request_id = walk_nested(v, |r: &mut Response, k, v| {
                    if key_of(k) == Known::ResponseRequestId {
                        r.request_id = text_token(v)?;
                    }
                    Some(())
                })?
                .request_id;
            }
            Known::Detail => item.detail = Some(serde_json::from_slice(v).ok()?),
            Known::Message => item.message = Some(serde_json::from_slice(v).ok()?),
            Known::CloudTrailEvent => {
                item.cloud_trail_event = Some(serde_json::from_slice(v).ok()?);
            }
            _ => {}
        }
        Some(end)
    })?;
    if skip_ws(b, end) != b.len() {
        return None;
    }
    // Whether the record's account is known decides how much of the identity is needed: the
    // identity comes before `recipientAccountId` in the record, so it is completed here.
    if let Some(walked) = identity {
        let need_account = item.fields.recipient_account.is_none();
        item.fields.identity = finish_identity(walked, need_account)?;
    }
    Some(item)
}

/// Reads the record fields of an item that is itself a record (or not an object at all).
fn parse_record(json: &str) -> Option<CallFields<'_>> {
    serde_json::from_str::<Obj<Item>>(json)
        .ok()
        .map(|item| item.0.fields)
}

/// Reads the record an envelope holds: embedded JSON text (LookupEvents, Logs Insights) or an
/// object, and calls `f` with its fields while the text they borrow from lives.
fn with_inner(raw: &RawValue, f: &mut dyn FnMut(&CallFields<'_>)) {
    let json = raw.get();
    let read = |json: &str, f: &mut dyn FnMut(&CallFields<'_>)| match walk_item(json.as_bytes()) {
        Some(item) => f(&item.fields),
        None => {
            if let Some(fields) = parse_record(json) {
                f(&fields);
            }
        }
    };
    if json.starts_with('"') {
        if let Ok(text) = serde_json::from_str::<Cow<str>>(json) {
            read(&text, f);
        }
    } else {
        read(json, f);
    }
}

/// Light-parses an item and calls `f` with the record's fields, unwrapping envelopes exactly as
/// [`unwrap_record`] does. Items that are not valid JSON, or whose envelope holds no record,
/// never reach `f`.
fn with_light_fields(kind: ItemKind, bytes: &[u8], f: &mut dyn FnMut(&CallFields<'_>)) {
    // The fast reader first; serde for what it does not handle (escaped keys, odd shapes).
    // from_slice checks UTF-8 only in the strings it reads, not in the whole item first.
    let item = match walk_item(bytes) {
        Some(item) => item,
        None => match serde_json::from_slice::<Obj<Item>>(bytes) {
            Ok(Obj(item)) => item,
            Err(_) => return,
        },
    };
    match kind {
        ItemKind::Record => f(&item.fields),
        ItemKind::LookupEvent => {
            if let Some(raw) = item.cloud_trail_event {
                with_inner(raw, f);
            }
        }
        ItemKind::TopLevel => {
            if item.names_a_record {
                f(&item.fields);
            } else if let Some(raw) = item.detail.or(item.message).or(item.cloud_trail_event) {
                with_inner(raw, f);
            } else {
                f(&item.fields);
            }
        }
    }
}

/// True when an item the prefilter ruled out may still be an EC2 record: it holds the bytes
/// `ec2.amazonaws.com`. JSON could spell the source without them only with a `\u` escape,
/// and the prefilter passes every item holding `\u` as a candidate (parsed in full and counted
/// from that parse), so no such item reaches here. (One Aho–Corasick search for the names and
/// the source together was measured slower than the prefilter plus this `memmem`.)
fn may_be_ec2(bytes: &[u8]) -> bool {
    use memchr::memmem::Finder;
    use std::sync::OnceLock;
    static SOURCE: OnceLock<Finder<'static>> = OnceLock::new();
    SOURCE
        .get_or_init(|| Finder::new(EC2_SOURCE.as_bytes()))
        .find(bytes)
        .is_some()
}

// ------------------------------------------------------------------------------------------------
// Counting inside the scan: per file in the workers, once per event id in input order

/// [`actor::from_user_agent`] with its two substring searches prepared once rather than per
/// call (`str::contains` sets up a searcher each time, a visible cost per EC2 record).
fn actor_of_agent(ua: Option<&str>) -> Actor {
    use memchr::memmem::Finder;
    use std::sync::OnceLock;
    static FINDERS: OnceLock<(Finder<'static>, Finder<'static>)> = OnceLock::new();
    let (cni, controller) = FINDERS.get_or_init(|| {
        (
            Finder::new(actor::CNI_AGENT.as_bytes()),
            Finder::new(actor::RESOURCE_CONTROLLER_AGENT.as_bytes()),
        )
    });
    match ua {
        Some(ua) if cni.find(ua.as_bytes()).is_some() => Actor::Cni,
        Some(ua) if controller.find(ua.as_bytes()).is_some() => Actor::ResourceController,
        _ => Actor::Other,
    }
}

/// Lower-case hexadecimal digits' values; 255 for every other byte.
static HEX: [u8; 256] = {
    let mut t = [255u8; 256];
    let mut i = 0;
    while i < 10 {
        t[b'0' as usize + i] = i as u8;
        i += 1;
    }
    let mut i = 0;
    while i < 6 {
        t[b'a' as usize + i] = 10 + i as u8;
        i += 1;
    }
    t
};

/// [`crate::model::parse_uuid`] in one pass over the bytes (it is called once per EC2 record here).
fn uuid_of(s: &str) -> Option<u128> {
    let b = s.as_bytes();
    if b.len() != 36 {
        return None;
    }
    let (mut hi, mut lo, mut digits) = (0u64, 0u64, 0u32);
    for (i, &c) in b.iter().enumerate() {
        if matches!(i, 8 | 13 | 18 | 23) {
            if c != b'-' {
                return None;
            }
            continue;
        }
        let d = HEX[c as usize];
        if d > 15 {
            return None;
        }
        if digits < 16 {
            hi = hi << 4 | u64::from(d);
        } else {
            lo = lo << 4 | u64::from(d);
        }
        digits += 1;
    }
    Some(u128::from(hi) << 64 | u128::from(lo))
}

/// `eventTime` as the kept events read it (`DateTime::parse_from_rfc3339`), with a fast path
/// for CloudTrail's own form `YYYY-MM-DDTHH:MM:SSZ`, which is nearly every record.
fn event_time(text: &str) -> Option<DateTime<Utc>> {
    let b = text.as_bytes();
    let shape = b.len() == 20
        && b[4] == b'-'
        && b[7] == b'-'
        && b[10] == b'T'
        && b[13] == b':'
        && b[16] == b':'
        && b[19] == b'Z';
    let digits = |r: std::ops::Range<usize>| -> Option<u32> {
        b[r].iter().try_fold(0u32, |v, &c| {
            c.is_ascii_digit().then(|| v * 10 + u32::from(c - b'0'))
        })
    };
    if shape
        && let (Some(y), Some(mo), Some(d), Some(h), Some(mi), Some(se)) = (
            digits(0..4),
            digits(5..7),
            digits(8..10),
            digits(11..13),
            digits(14..16),
            digits(17..19),
        )
        // A leap second (:60) and anything out of range take the general path.
        && let Some(t) = chrono::NaiveDate::from_ymd_opt(y as i32, mo, d)
            .and_then(|date| date.and_hms_opt(h, mi, se))
    {
        return Some(t.and_utc());
    }
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// A counted record's id for deduplication.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum CallId {
    /// A UUID (CloudTrail's `eventID`), as 16 bytes.
    Uuid(u128),
    /// Any other id, as text.
    Text(Box<str>),
    /// No id at all: counted without deduplication.
    Missing,
}

impl CallId {
    fn of(fields: &CallFields<'_>) -> CallId {
        let id = fields
            .event_id
            .as_deref()
            .or(fields.request_id.as_deref())
            .or(fields.response_request_id.as_deref());
        match id {
            None => CallId::Missing,
            Some(id) => uuid_of(id).map_or_else(|| CallId::Text(id.into()), CallId::Uuid),
        }
    }
}

/// A file's cell key, before the actor is settled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct FileCell {
    minute: i64,
    account: u32,
    region: u32,
    api: u32,
    caller: u32,
}

/// One counted record of a file, waiting for deduplication and its actor.
#[derive(Debug)]
struct PendingCall {
    id: CallId,
    cell: u32,
    tally: CallTally,
    /// The actor by user agent, used unless the record was kept.
    actor: Actor,
    /// The index of the record among the file's kept records, whose events' actor wins.
    kept: Option<u32>,
}

/// The EC2 calls of one file, as a worker reads them.
#[derive(Debug)]
pub(crate) struct FileCalls {
    names: Interner,
    /// The account and region of the previous call, most often those of the next.
    last_account: u32,
    last_region: u32,
    /// Positions in `cells`, hashed by their keys.
    index: HashTable<u32>,
    cells: Vec<FileCell>,
    pending: Vec<PendingCall>,
}

impl Default for FileCalls {
    fn default() -> Self {
        // Sized for a typical file so that the first thousand calls do not rehash.
        FileCalls {
            names: Interner::with_capacity(512, 32 * 1024),
            last_account: NO_NAME,
            last_region: NO_NAME,
            index: HashTable::with_capacity(1024),
            cells: Vec::with_capacity(1024),
            pending: Vec::with_capacity(1024),
        }
    }
}

impl FileCalls {
    /// Notes one record's call if it is an EC2 call within the scan's filters; returns its
    /// position, to be linked to a kept record with [`FileCalls::link_kept`].
    /// `agent_actor` is the actor by user agent when the caller has it already (the events of a
    /// kept record carry it); otherwise it is read from the fields.
    fn observe(
        &mut self,
        fields: &CallFields<'_>,
        agent_actor: Option<Actor>,
        opts: &ScanOptions,
    ) -> Option<usize> {
        if fields.event_source.as_deref() != Some(EC2_SOURCE) {
            return None;
        }
        let api = fields.event_name.as_deref()?;
        let time = event_time(fields.event_time.as_deref()?)?;
        if !opts.window.contains(time) {
            return None;
        }
        let id = &fields.identity;
        let account = fields
            .recipient_account
            .as_deref()
            .or(id.account_id.as_deref())
            .or(id.issuer_account_id.as_deref());
        let region = fields.region.as_deref();
        let listed = |want: &[String], got: Option<&str>| {
            want.is_empty() || got.is_some_and(|g| want.iter().any(|w| w == g))
        };
        if !listed(&opts.accounts, account) || !listed(&opts.regions, region) {
            return None;
        }
        let key = FileCell {
            minute: minute_of(time),
            account: self.names.intern_repeated(account, &mut self.last_account),
            region: self.names.intern_repeated(region, &mut self.last_region),
            api: self.names.intern(api),
            caller: self.names.intern(caller_text(fields).unwrap_or("unknown")),
        };
        let cell = position_of(&mut self.index, &mut self.cells, key, |c| c, |key| key) as u32;
        self.pending.push(PendingCall {
            id: CallId::of(fields),
            cell,
            tally: CallTally::of_call(fields.error_code.as_deref()),
            actor: agent_actor.unwrap_or_else(|| actor_of_agent(fields.user_agent.as_deref())),
            kept: None,
        });
        Some(self.pending.len() - 1)
    }

    /// Says that the call at `position` is the record kept as the file's `kept`-th record.
    pub(crate) fn link_kept(&mut self, position: usize, kept: usize) {
        if let Some(p) = self.pending.get_mut(position) {
            p.kept = u32::try_from(kept).ok();
        }
    }
}

/// Extracts one item as [`crate::extract::extract_item`] does, and notes its call in `calls`
/// when it is an EC2 call within the filters. Candidates of the prefilter are parsed once for
/// both; other items are searched for EC2's source and light-parsed only when it may be there.
/// Returns the outcome and the position of the noted call.
pub(crate) fn extract_and_count(
    kind: ItemKind,
    bytes: &[u8],
    origin: &Origin,
    opts: &ScanOptions,
    calls: &mut FileCalls,
) -> (Extracted, Option<usize>) {
    if !prefilter::may_be_relevant(bytes) {
        let mut noted = None;
        if may_be_ec2(bytes) {
            with_light_fields(kind, bytes, &mut |fields| {
                noted = calls.observe(fields, None, opts);
            });
        }
        return (Extracted::Filtered(FilterReason::NotEniCall), noted);
    }
    // The same steps as `extract_item_parsed`, keeping the record for the count.
    let value: Value = match serde_json::from_slice(bytes) {
        Ok(v) => v,
        Err(e) => return (Extracted::Malformed(format!("invalid JSON: {e}")), None),
    };
    match unwrap_record(kind, value) {
        Ok(record) => {
            let extracted = extract_record(&record, origin);
            // A kept record's events carry the actor by user agent
            // ([`actor::from_user_agent`]): not searched for a second time.
            let agent_actor = match &extracted {
                Extracted::Kept(kept) => kept.events.first().map(|e| e.actor),
                _ => None,
            };
            let noted = if record.is_object() {
                calls.observe(&CallFields::from_value(&record), agent_actor, opts)
            } else {
                None
            };
            (extracted, noted)
        }
        Err(why) => (Extracted::Malformed(why), None),
    }
}

/// Event ids counted so far.
#[derive(Default)]
struct SeenCallIds {
    uuids: FastSet<u128>,
    /// Ids that are not UUIDs: rare, and from fields other than `eventID`, so keyed at random.
    other: HashSet<Box<str>>,
}

impl SeenCallIds {
    /// True the first time an id is offered (always for a missing one).
    fn first(&mut self, id: CallId) -> bool {
        match id {
            CallId::Uuid(u) => self.uuids.insert(u),
            CallId::Text(t) => self.other.insert(t),
            CallId::Missing => true,
        }
    }
}

/// The scan's counter: the table and the ids counted so far, fed file by file in input order.
#[derive(Default)]
pub(crate) struct CallCounter {
    counts: CallCounts,
    seen: SeenCallIds,
}

impl CallCounter {
    /// Counts a file's calls not counted before. `kept_actors[i]` is the settled actor of the
    /// file's `i`-th kept record.
    pub(crate) fn add_file(&mut self, file: FileCalls, kept_actors: &[Actor], filter: ActorFilter) {
        let FileCalls {
            names,
            cells,
            pending,
            ..
        } = file;
        // The file's names and cells are translated once each, not once per call.
        let mut name_map = vec![NO_NAME; names.len()];
        let mut cell_map: Vec<[u32; 3]> = vec![[u32::MAX; 3]; cells.len()];
        for call in pending {
            if !self.seen.first(call.id) {
                continue;
            }
            let actor = call
                .kept
                .and_then(|k| kept_actors.get(k as usize).copied())
                .unwrap_or(call.actor);
            if filter == ActorFilter::Cni && actor != Actor::Cni {
                continue;
            }
            let (Some(slot), Some(local)) = (
                cell_map.get_mut(call.cell as usize),
                cells.get(call.cell as usize),
            ) else {
                continue;
            };
            let rank = actor_rank(actor) as usize;
            if slot[rank] == u32::MAX {
                let mut name = |id: u32| -> u32 {
                    match name_map.get_mut(id as usize) {
                        Some(s) => {
                            if *s == NO_NAME {
                                *s = self.counts.names.intern_from(&names, id);
                            }
                            *s
                        }
                        None => NO_NAME,
                    }
                };
                let key = CellKey {
                    minute: local.minute,
                    account: name(local.account),
                    region: name(local.region),
                    api: name(local.api),
                    caller: name(local.caller),
                    actor,
                };
                slot[rank] = self.counts.cell(key) as u32;
            }
            self.counts.cells[slot[rank] as usize].1 += call.tally;
        }
    }

    /// The table counted so far.
    pub(crate) fn into_counts(self) -> CallCounts {
        self.counts
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::parse_uuid;
    use serde_json::json;

    fn fields_both_ways(json: &str) -> CallFields<'static> {
        let value: Value = serde_json::from_str(json).unwrap();
        let from_value = CallFields::from_value(&value);
        let light = parse_record(json).unwrap();
        assert_eq!(
            from_value, light,
            "the light parse reads what the full one does"
        );
        match walk_item(json.as_bytes()) {
            Some(walked) => assert_eq!(
                counted_as(&walked.fields),
                counted_as(&light),
                "the fast reader: {json}"
            ),
            None => assert!(!json.starts_with('{'), "the fast reader gave up on {json}"),
        }
        into_static(light)
    }

    /// What the count takes from a record's fields: id, time, source, api, account, region,
    /// caller, actor by user agent, error.
    #[allow(clippy::type_complexity)]
    fn counted_as(
        f: &CallFields<'_>,
    ) -> (
        CallId,
        Vec<Option<String>>,
        Option<String>,
        Option<String>,
        Actor,
    ) {
        let s = |c: &Option<Cow<'_, str>>| c.as_deref().map(str::to_string);
        let account = f
            .recipient_account
            .as_deref()
            .or(f.identity.account_id.as_deref())
            .or(f.identity.issuer_account_id.as_deref())
            .map(str::to_string);
        (
            CallId::of(f),
            vec![
                s(&f.event_time),
                s(&f.event_source),
                s(&f.event_name),
                s(&f.region),
                s(&f.error_code),
            ],
            account,
            caller_text(f).map(str::to_string),
            actor_of_agent(f.user_agent.as_deref()),
        )
    }

    fn into_static(f: CallFields<'_>) -> CallFields<'static> {
        let o = |c: Option<Cow<'_, str>>| c.map(|c| Cow::Owned(c.into_owned()));
        CallFields {
            event_time: o(f.event_time),
            event_source: o(f.event_source),
            event_name: o(f.event_name),
            event_id: o(f.event_id),
            request_id: o(f.request_id),
            response_request_id: o(f.response_request_id),
            error_code: o(f.error_code),
            region: o(f.region),
            recipient_account: o(f.recipient_account),
            user_agent: o(f.user_agent),
            invoked_by: o(f.invoked_by),
            identity: Identity {
                kind: o(f.identity.kind),
                arn: o(f.identity.arn),
                principal_id: o(f.identity.principal_id),
                account_id: o(f.identity.account_id),
                invoked_by: o(f.identity.invoked_by),
                issuer_arn: o(f.identity.issuer_arn),
                issuer_account_id: o(f.identity.issuer_account_id),
            },
        }
    }

    fn caller(identity: &str) -> String {
        let record = format!(
            r#"{{"eventSource":"ec2.amazonaws.com","eventName":"DescribeInstances","invokedBy":"ignored.example.com",{identity}}}"#
        );
        let f = fields_both_ways(&record);
        let value: Value = serde_json::from_str(&record).unwrap();
        let got = caller_text(&f).unwrap_or("unknown").to_string();
        assert_eq!(got, caller_of(&value));
        got
    }

    #[test]
    fn callers_of_every_identity_shape() {
        let node = "arn:aws:sts::111122223333:assumed-role/NodeRole/i-0123456789abcdef0";
        assert_eq!(
            caller(&format!(
                r#""userIdentity":{{"type":"AssumedRole","principalId":"AROAEXAMPLE:i-0123456789abcdef0","arn":"{node}","sessionContext":{{"sessionIssuer":{{"arn":"arn:aws:iam::111122223333:role/NodeRole"}}}}}}"#
            )),
            node
        );
        let irsa = "arn:aws:sts::111122223333:assumed-role/aws-node-irsa/1763820000123456789";
        assert_eq!(
            caller(&format!(
                r#""userIdentity":{{"type":"AssumedRole","principalId":"AROAIRSA:1763820000123456789","arn":"{irsa}","sessionContext":{{"webIdFederationData":{{"federatedProvider":"arn:aws:iam::111122223333:oidc-provider/x"}}}}}}"#
            )),
            irsa
        );
        assert_eq!(
            caller(
                r#""userIdentity":{"type":"AWSService","invokedBy":"autoscaling.amazonaws.com"}"#
            ),
            "autoscaling.amazonaws.com"
        );
        assert_eq!(
            caller(r#""userIdentity":{"type":"AWSService"}"#),
            "ignored.example.com",
            "an AWSService identity without invokedBy of its own: the record's"
        );
        assert_eq!(
            caller(
                r#""userIdentity":{"type":"IAMUser","principalId":"AIDAEXAMPLE","arn":"arn:aws:iam::111122223333:user/alice","accountId":"111122223333","userName":"alice"}"#
            ),
            "arn:aws:iam::111122223333:user/alice"
        );
        assert_eq!(
            caller(
                r#""userIdentity":{"type":"Root","principalId":"111122223333","arn":"arn:aws:iam::111122223333:root"}"#
            ),
            "arn:aws:iam::111122223333:root"
        );
        assert_eq!(
            caller(r#""userIdentity":{"type":"AssumedRole","principalId":"AROAX:session"}"#),
            "AROAX:session",
            "an AssumedRole without arn falls back on the principal"
        );
        assert_eq!(
            caller(
                r#""userIdentity":{"sessionContext":{"sessionIssuer":{"arn":"arn:aws:iam::1:role/trimmed"}}}"#
            ),
            "arn:aws:iam::1:role/trimmed",
            "a record trimmed to its session issuer (facts §0)"
        );
        assert_eq!(caller(r#""other":1"#), "unknown", "no userIdentity");
        assert_eq!(caller(r#""userIdentity":"odd""#), "unknown");
        assert_eq!(
            caller(r#""userIdentity":{"type":"AssumedRole","arn":7}"#),
            "7"
        );
    }

    #[test]
    fn throttles_in_both_spellings() {
        assert!(is_throttle("Client.RequestLimitExceeded"));
        assert!(is_throttle("RequestLimitExceeded"));
        assert!(!is_throttle("Client.InsufficientFreeAddressesInSubnet"));
        assert!(
            !is_throttle("ThrottlingException"),
            "other services' throttles"
        );
        assert_eq!(
            CallTally::of_call(Some("RequestLimitExceeded")),
            CallTally {
                calls: 1,
                throttled: 1,
                failed: 1
            }
        );
        assert_eq!(
            CallTally::of_call(Some("Client.UnauthorizedOperation")),
            CallTally {
                calls: 1,
                throttled: 0,
                failed: 1
            }
        );
        assert_eq!(
            CallTally::of_call(None),
            CallTally {
                calls: 1,
                throttled: 0,
                failed: 0
            }
        );
    }

    fn key(minute: &str, api: &'static str, caller: &'static str) -> CallKey<'static> {
        CallKey {
            minute: minute.parse().unwrap(),
            account: Some("111122223333"),
            region: Some("eu-west-1"),
            api,
            caller,
            actor: Actor::Other,
        }
    }

    #[test]
    fn rows_sort_by_text_whatever_order_the_names_came_in() {
        // Names are interned in the order calls arrive; the rows must follow the text.
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        let mut rand = move |n: u64| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state % n
        };
        const TEXTS: [&str; 6] = ["zeta", "alpha", "Alpha", "alp", "m", "arn:aws:sts::1:x"];
        let mut c = CallCounts::new();
        for _ in 0..500 {
            let pick = |r: u64| TEXTS[r as usize];
            let key = CallKey {
                minute: DateTime::from_timestamp(60 * rand(3) as i64, 0).unwrap(),
                account: [None, Some(pick(rand(6)))][rand(2) as usize],
                region: [None, Some(pick(rand(6)))][rand(2) as usize],
                api: pick(rand(6)),
                caller: pick(rand(6)),
                actor: [Actor::Cni, Actor::Other][rand(2) as usize],
            };
            c.add(&key, CallTally::of_call(None));
        }
        let rows = c.rows();
        let mut want = rows.clone();
        want.sort_by(|a, b| {
            (a.minute, &a.account, &a.region, &a.api, &a.caller)
                .cmp(&(b.minute, &b.account, &b.region, &b.api, &b.caller))
                .then(actor_rank(a.actor).cmp(&actor_rank(b.actor)))
        });
        assert!(rows.len() > 100, "{} cells", rows.len());
        assert_eq!(rows, want);
        assert_eq!(rows.iter().map(|r| r.calls).sum::<u64>(), 500);

        // The listing's ranks order as the names do, absent names first; its names are the rows'.
        let listing = c.listing();
        assert_eq!(listing.name(NO_RANK), None);
        for rank in 1..listing.max_rank() {
            assert!(listing.name(rank) < listing.name(rank + 1));
        }
        for (cell, row) in listing.cells().iter().zip(&rows) {
            assert_eq!(listing.name(cell.account), row.account.as_deref());
            assert_eq!(listing.name(cell.caller), Some(&*row.caller));
            assert_eq!(cell.time(), row.minute);
        }
        // Counted again from its cells, in any order, or from its rows: the same table.
        let from_cells: CallCounts = c.cells().collect();
        assert_eq!(from_cells.rows(), rows);
        let from_rows: CallCounts = rows.iter().map(CallCountRow::as_cell).collect();
        assert_eq!(from_rows.rows(), rows);
    }

    #[test]
    fn minutes_are_truncated_in_utc() {
        let mut c = CallCounts::new();
        c.add(
            &key("2026-11-22T14:02:00Z", "A", "x"),
            CallTally::of_call(None),
        );
        c.add(
            &key("2026-11-22T14:02:59Z", "A", "x"),
            CallTally::of_call(None),
        );
        // 14:03:30 UTC, written with an offset.
        c.add(
            &key("2026-11-22T15:03:30+01:00", "A", "x"),
            CallTally::of_call(None),
        );
        c.add(
            &key("2026-11-22T14:03:00Z", "A", "x"),
            CallTally::of_call(None),
        );
        c.add(
            &key("1969-12-31T23:59:30Z", "A", "x"),
            CallTally::of_call(None),
        );
        let rows = c.rows();
        let got: Vec<(String, u64)> = rows
            .iter()
            .map(|r| (r.minute.to_rfc3339(), r.calls))
            .collect();
        assert_eq!(
            got,
            [
                ("1969-12-31T23:59:00+00:00".to_string(), 1),
                ("2026-11-22T14:02:00+00:00".to_string(), 2),
                ("2026-11-22T14:03:00+00:00".to_string(), 2),
            ]
        );
    }

    #[test]
    fn merge_adds_cells_across_differently_interned_tables() {
        let mut a = CallCounts::new();
        a.add(
            &key("2026-11-22T14:02:00Z", "A", "x"),
            CallTally::of_call(None),
        );
        a.add(
            &key("2026-11-22T14:02:00Z", "B", "y"),
            CallTally::of_call(Some("RequestLimitExceeded")),
        );
        let mut b = CallCounts::new();
        // Interned in the other order, so the same names have other numbers.
        b.add(
            &key("2026-11-22T14:02:00Z", "B", "y"),
            CallTally::of_call(None),
        );
        b.add(
            &key("2026-11-22T14:02:00Z", "A", "x"),
            CallTally::of_call(None),
        );
        b.add(
            &CallKey {
                account: None,
                ..key("2026-11-22T14:05:00Z", "A", "x")
            },
            CallTally::of_call(Some("Client.Unknown")),
        );
        a.merge(&b);
        type Row = (Option<Arc<str>>, Arc<str>, Arc<str>, u64, u64, u64);
        let rows: Vec<Row> = a
            .rows()
            .into_iter()
            .map(|r| (r.account, r.api, r.caller, r.calls, r.throttled, r.failed))
            .collect();
        let acct: Option<Arc<str>> = Some("111122223333".into());
        assert_eq!(
            rows,
            [
                (acct.clone(), "A".into(), "x".into(), 2, 0, 0),
                (acct, "B".into(), "y".into(), 2, 1, 1),
                (None, "A".into(), "x".into(), 1, 0, 1),
            ]
        );
        assert_eq!(a.len(), 3);
        assert_eq!(
            a.totals(),
            CallTally {
                calls: 5,
                throttled: 1,
                failed: 2
            }
        );
        let mut empty = CallCounts::new();
        empty.merge(&a);
        assert_eq!(empty.rows(), a.rows());
    }

    #[test]
    fn actors_sort_and_stay_apart() {
        let mut c = CallCounts::new();
        for actor in [Actor::Other, Actor::Cni, Actor::ResourceController] {
            c.add(
                &CallKey {
                    actor,
                    ..key("2026-11-22T14:02:00Z", "A", "x")
                },
                CallTally::of_call(None),
            );
        }
        let actors: Vec<Actor> = c.rows().iter().map(|r| r.actor).collect();
        assert_eq!(
            actors,
            [Actor::Cni, Actor::ResourceController, Actor::Other]
        );
    }

    #[test]
    fn light_parse_agrees_with_the_full_parse_on_odd_shapes() {
        let r = fields_both_ways(
            r#"{"eventTime":"2026-11-22T14:02:00Z","eventSource":"ec2.amazonaws.com","eventName":"Describe\u0049nstances","eventID":null,"requestID":12,"awsRegion":{"value":"eu-west-1","x":[1,{"y":2}]},"recipientAccountId":"","errorCode":["x"],"userIdentity":{"type":"IAMUser","accountId":111122223333,"arn":"a","sessionContext":{"sessionIssuer":[]}},"responseElements":{"requestId":"r-1","items":[{"requestId":"nested"}]},"requestParameters":{"eventName":"Not this one","userIdentity":{"arn":"nor this"}}}"#,
        );
        assert_eq!(r.event_name.as_deref(), Some("DescribeInstances"));
        assert_eq!(r.event_id, None);
        assert_eq!(r.request_id.as_deref(), Some("12"));
        assert_eq!(r.region.as_deref(), Some("eu-west-1"));
        assert_eq!(r.recipient_account, None);
        assert_eq!(r.error_code, None);
        assert_eq!(r.identity.account_id.as_deref(), Some("111122223333"));
        assert_eq!(r.response_request_id.as_deref(), Some("r-1"));
        // Repeated keys: the last one wins in both.
        let r = fields_both_ways(
            r#"{"eventName":"A","eventName":"B","userIdentity":{"arn":"x"},"userIdentity":{"principalId":"p"},"eventTime":1.5e3}"#,
        );
        assert_eq!(r.event_name.as_deref(), Some("B"));
        assert_eq!(r.identity.arn, None);
        assert_eq!(r.event_time.as_deref(), Some("1500.0"));
        // The account from the session issuer only: the fast reader reads the issuer then.
        let r = fields_both_ways(
            r#"{"userIdentity":{"type":"AssumedRole","arn":"a","sessionContext":{"sessionIssuer":{"accountId":"42"}}}}"#,
        );
        assert_eq!(counted_as(&r).2.as_deref(), Some("42"));
        for odd in ["42", "null", "\"text\"", "[1,2]", "{}"] {
            fields_both_ways(odd);
        }
    }

    #[test]
    fn escaped_keys_are_left_to_serde() {
        // The fast reader compares keys as bytes: a key spelled with an escape, at the top or
        // in the identity it reads in the same pass, makes it give up rather than misread.
        for record in [
            r#"{"event\u004eame":"DescribeInstances","eventSource":"ec2.amazonaws.com"}"#,
            r#"{"eventName":"DescribeInstances","userIdentity":{"\u0061rn":"a"}}"#,
        ] {
            assert!(walk_item(record.as_bytes()).is_none(), "{record}");
            let mut read = None;
            with_light_fields(ItemKind::Record, record.as_bytes(), &mut |f| {
                read = Some(into_static(f.clone()));
            });
            let read = read.expect("serde reads it");
            assert_eq!(read.event_name.as_deref(), Some("DescribeInstances"));
        }
        let mut arn = None;
        let record = r#"{"eventName":"X","userIdentity":{"\u0061rn":"a"}}"#;
        with_light_fields(ItemKind::Record, record.as_bytes(), &mut |f| {
            arn = f.identity.arn.as_deref().map(str::to_string);
        });
        assert_eq!(arn.as_deref(), Some("a"));
    }

    #[test]
    fn the_fast_reader_finds_string_ends_across_its_16_byte_steps() {
        // Escaped quotes and backslashes at every offset around the vector width, in values
        // read (userAgent, arn) and values stepped over (sourceIPAddress, requestParameters).
        for pad in 0..40 {
            let x = "x".repeat(pad);
            for tricky in [r#"\""#, r#"\\"#, r#"\\\""#, r#"\u0041"#, "é", r#"\/"#] {
                let text = format!("{x}{tricky}{x}");
                let record = format!(
                    r#"{{"sourceIPAddress":"{text}","userAgent":"{text}","requestParameters":{{"k":"{text}","{text}":[1,"{text}"]}},"userIdentity":{{"type":"IAMUser","arn":"{text}","note":"{text}"}},"eventName":"DescribeInstances"}}"#
                );
                let f = fields_both_ways(&record);
                assert_eq!(
                    f.event_name.as_deref(),
                    Some("DescribeInstances"),
                    "{record}"
                );
            }
        }
    }

    #[test]
    fn truncated_and_garbled_items_never_panic() {
        let record = DESCRIBE.replace("NodeRole", r#"Node\"Role"#);
        let bytes = record.as_bytes();
        for end in 0..bytes.len() {
            for item in [&bytes[..end], &bytes[end..]] {
                let _ = walk_item(item);
                for kind in [ItemKind::Record, ItemKind::LookupEvent, ItemKind::TopLevel] {
                    with_light_fields(kind, item, &mut |_| {});
                }
            }
        }
        let mut garbled = bytes.to_vec();
        for i in 0..garbled.len() {
            let keep = garbled[i];
            for b in [b'"', b'\\', b'{', b'}', b']', b',', 0xff] {
                garbled[i] = b;
                let _ = walk_item(&garbled);
            }
            garbled[i] = keep;
        }
    }

    #[test]
    fn keys_are_told_apart() {
        use Known::*;
        let keys = [
            ("eventTime", EventTime),
            ("eventName", EventName),
            ("eventSource", EventSource),
            ("eventID", EventId),
            ("requestID", RequestId),
            ("errorCode", ErrorCode),
            ("awsRegion", AwsRegion),
            ("recipientAccountId", RecipientAccountId),
            ("userAgent", UserAgent),
            ("invokedBy", InvokedBy),
            ("userIdentity", UserIdentity),
            ("responseElements", ResponseElements),
            ("detail", Detail),
            ("@message", Message),
            ("CloudTrailEvent", CloudTrailEvent),
            ("type", Type),
            ("arn", Arn),
            ("principalId", PrincipalId),
            ("accountId", AccountId),
            ("sessionContext", SessionContext),
            ("sessionIssuer", SessionIssuer),
            ("requestId", ResponseRequestId),
        ];
        for (text, want) in keys {
            assert_eq!(key_of(text.as_bytes()), want, "{text}");
            let mut near = text.as_bytes().to_vec();
            near[0] ^= 0x20;
            assert_eq!(
                key_of(&near),
                Other,
                "{text} with its first letter's case flipped"
            );
            assert_eq!(key_of(&text.as_bytes()[1..]), Other);
            // Every byte counts, the last ones too (the long keys are dispatched on the first
            // eight).
            for at in 0..text.len() {
                let mut near = text.as_bytes().to_vec();
                near[at] ^= 0x01;
                assert_eq!(key_of(&near), Other, "{text} with byte {at} changed");
            }
            let longer = format!("{text}s");
            assert_eq!(key_of(longer.as_bytes()), Other, "{longer}");
        }
        assert_eq!(key_of(b"eventVersion"), Other);
        assert_eq!(key_of(b""), Other);
    }

    /// Runs an item through the counting path and returns the noted call's fields.
    fn counted(kind: ItemKind, item: &str, opts: &ScanOptions) -> Option<(FileCell, PendingCall)> {
        let mut calls = FileCalls::default();
        let origin = Origin {
            file: Arc::from("t"),
            index: 0,
        };
        let (outcome, at) = extract_and_count(kind, item.as_bytes(), &origin, opts, &mut calls);
        let plain = crate::extract::extract_item(kind, item.as_bytes(), &origin);
        assert_eq!(
            format!("{outcome:?}"),
            format!("{plain:?}"),
            "counting never changes the extraction"
        );
        let at = at?;
        let call = calls.pending.remove(at);
        Some((calls.cells[call.cell as usize], call))
    }

    const DESCRIBE: &str = r#"{"eventTime":"2026-11-22T14:02:07Z","eventSource":"ec2.amazonaws.com","eventName":"DescribeInstances","awsRegion":"eu-west-1","eventID":"6a1e2d4c-0000-4000-8000-000000000001","recipientAccountId":"111122223333","errorCode":"Client.RequestLimitExceeded","userAgent":"amazon-vpc-cni-k8s/v1.22.0","userIdentity":{"type":"AssumedRole","arn":"arn:aws:sts::111122223333:assumed-role/NodeRole/i-0123456789abcdef0"}}"#;

    #[test]
    fn every_envelope_is_unwrapped_as_the_extractor_does() {
        let opts = ScanOptions::default();
        let quoted = serde_json::to_string(DESCRIBE).unwrap();
        let shapes = [
            (ItemKind::Record, DESCRIBE.to_string()),
            (ItemKind::TopLevel, DESCRIBE.to_string()),
            (
                ItemKind::LookupEvent,
                format!(r#"{{"EventName":"x","CloudTrailEvent":{quoted}}}"#),
            ),
            (
                ItemKind::TopLevel,
                format!(r#"{{"detail-type":"AWS API Call via CloudTrail","detail":{DESCRIBE}}}"#),
            ),
            (
                ItemKind::TopLevel,
                format!(r#"{{"@timestamp":"x","@message":{DESCRIBE}}}"#),
            ),
            (
                ItemKind::TopLevel,
                format!(r#"{{"@timestamp":"x","@message":{quoted}}}"#),
            ),
        ];
        for (kind, item) in shapes {
            let (cell, call) =
                counted(kind, &item, &opts).unwrap_or_else(|| panic!("not counted: {item}"));
            assert_eq!(
                cell.minute,
                minute_of("2026-11-22T14:02:00Z".parse().unwrap())
            );
            assert_eq!(
                call.id,
                CallId::Uuid(parse_uuid("6a1e2d4c-0000-4000-8000-000000000001").unwrap())
            );
            assert_eq!(call.tally, CallTally::of_call(Some("RequestLimitExceeded")));
            assert_eq!(call.actor, Actor::Cni);
        }
        // An EC2 source spelled with an escape is still found.
        let escaped = DESCRIBE.replace("\"ec2.amazonaws.com\"", "\"\\u0065c2.amazonaws.com\"");
        assert!(counted(ItemKind::Record, &escaped, &opts).is_some());
    }

    #[test]
    fn other_sources_and_unreadable_records_are_not_counted() {
        let opts = ScanOptions::default();
        let not = |item: &str| assert!(counted(ItemKind::Record, item, &opts).is_none(), "{item}");
        // The string in another service's record.
        not(&DESCRIBE.replace(
            "\"eventSource\":\"ec2.amazonaws.com\"",
            "\"eventSource\":\"sts.amazonaws.com\",\"invokedBy\":\"ec2.amazonaws.com\"",
        ));
        not(&DESCRIBE.replace("2026-11-22T14:02:07Z", "yesterday"));
        not(&DESCRIBE.replace("\"eventName\":\"DescribeInstances\",", ""));
        not(&DESCRIBE[..DESCRIBE.len() - 1]);
        not("ec2.amazonaws.com");
        // A candidate (an ENI call) with a bad time: malformed for the extractor, not counted.
        not(&DESCRIBE
            .replace("DescribeInstances", "DeleteNetworkInterface")
            .replace("2026-11-22T14:02:07Z", "never"));
        // Escaped record inside a LookupEvents entry that is not JSON.
        assert!(
            counted(
                ItemKind::LookupEvent,
                r#"{"CloudTrailEvent":"{nope"}"#,
                &opts
            )
            .is_none()
        );
        assert!(counted(ItemKind::LookupEvent, r#"{"EventName":"x"}"#, &opts).is_none());
    }

    #[test]
    fn window_account_and_region_filters_apply() {
        let at = |s: &str| -> DateTime<Utc> { s.parse().unwrap() };
        let mut opts = ScanOptions::default();
        opts.window.since = Some(at("2026-11-22T14:02:08Z"));
        assert!(counted(ItemKind::Record, DESCRIBE, &opts).is_none());
        opts.window.since = Some(at("2026-11-22T14:02:07Z"));
        assert!(counted(ItemKind::Record, DESCRIBE, &opts).is_some());
        opts.accounts = vec!["999".into()];
        assert!(counted(ItemKind::Record, DESCRIBE, &opts).is_none());
        opts.accounts = vec!["111122223333".into()];
        opts.regions = vec!["us-east-1".into()];
        assert!(counted(ItemKind::Record, DESCRIBE, &opts).is_none());
        opts.regions = vec!["eu-west-1".into()];
        assert!(counted(ItemKind::Record, DESCRIBE, &opts).is_some());
    }

    #[test]
    fn the_counter_counts_each_id_once_and_settles_actors() {
        let opts = ScanOptions::default();
        let mut counter = CallCounter::default();
        let file = |ids: &[u32]| {
            let mut calls = FileCalls::default();
            for id in ids {
                let record = DESCRIBE.replace("000000000001", &format!("{id:012}"));
                let v: Value = serde_json::from_str(&record).unwrap();
                calls.observe(&CallFields::from_value(&v), None, &opts);
            }
            calls
        };
        counter.add_file(file(&[1, 2, 2]), &[], ActorFilter::All);
        let mut second = file(&[2, 3]);
        second.link_kept(1, 0);
        counter.add_file(second, &[Actor::Other], ActorFilter::All);
        let rows = counter.into_counts().rows();
        let got: Vec<(Actor, u64, u64)> = rows
            .iter()
            .map(|r| (r.actor, r.calls, r.throttled))
            .collect();
        assert_eq!(got, [(Actor::Cni, 2, 2), (Actor::Other, 1, 1)]);

        let mut cni_only = CallCounter::default();
        let mut f = file(&[1, 2]);
        f.link_kept(0, 0);
        cni_only.add_file(f, &[Actor::ResourceController], ActorFilter::Cni);
        assert_eq!(cni_only.into_counts().totals().calls, 1);
    }

    #[test]
    fn ids_fall_back_like_kept_events() {
        let f = fields_both_ways(r#"{"requestID":"req","responseElements":{"requestId":"resp"}}"#);
        assert_eq!(CallId::of(&f), CallId::Text("req".into()));
        let f = fields_both_ways(r#"{"responseElements":{"requestId":"resp"}}"#);
        assert_eq!(CallId::of(&f), CallId::Text("resp".into()));
        let f = fields_both_ways(r#"{"eventID":"6A1E2D4C-0000-4000-8000-000000000001"}"#);
        assert_eq!(
            CallId::of(&f),
            CallId::Text("6A1E2D4C-0000-4000-8000-000000000001".into())
        );
        assert_eq!(CallId::of(&CallFields::default()), CallId::Missing);
        let mut seen = SeenCallIds::default();
        assert!(seen.first(CallId::Missing) && seen.first(CallId::Missing));
        assert!(seen.first(CallId::Uuid(7)) && !seen.first(CallId::Uuid(7)));
        let _ = json!(null);
    }
}
