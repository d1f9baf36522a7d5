//! The AWS side: one account's EC2 in one region, behind the [`Ec2`] trait.
//!
//! [`Aws`] keeps subnets with real free-address accounting (AWS reserves the network address,
//! +1 router, +2 DNS, +3 future use and the broadcast address, so a /28 has 11 usable), hands out
//! addresses and aligned /28 prefixes, enforces per-ENI address caps and per-instance ENI counts
//! (from `data/eni-limits.csv` or a caller's table), throttles every API with an account-wide
//! token bucket, and writes each call — failed or not — as a CloudTrail [`Record`] through
//! [`Renderer`], while feeding the [`Truth`] as state changes. A failed call changes no state.
//!
//! Simplifications (each documented where it happens): attachments and detachments complete at
//! once; EC2 errors the [`ApiError`] enum has no variant for are mapped to the closest one (an
//! unknown instance, attachment or address → `InvalidNetworkInterfaceIdNotFound`; attaching an
//! attached ENI, a taken device index, detaching device 0 or deleting an attached ENI →
//! `AttachmentLimitExceeded`). A call naming a subnet that was never added panics: subnets are
//! the simulation's own setup, not something a caller can get wrong at run time.
//!
//! One `Aws` is one account and region; several (one per account) can feed the same
//! [`crate::delivery::Delivery`], as their records name their account and region.

use crate::cloudtrail::{EniDesc, Record, Renderer, Req, Resp, Rng, TrailContext, W, hash_str};
use crate::ec2::{
    ApiError, CallCtx, Caller, CreateEni, Ec2, EniInfo, InstanceInfo, OtherActor, Prefix4, Time,
};
use crate::truth::{EndReason, EniEnd, HolderKind, Truth};
use std::collections::{BTreeMap, HashMap};
use std::net::Ipv4Addr;
use std::sync::OnceLock;

/// The APIs, each with its own token bucket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Api {
    /// RunInstances.
    RunInstances,
    /// TerminateInstances.
    TerminateInstances,
    /// CreateNetworkInterface.
    CreateNetworkInterface,
    /// AttachNetworkInterface.
    AttachNetworkInterface,
    /// ModifyNetworkInterfaceAttribute.
    ModifyNetworkInterfaceAttribute,
    /// AssignPrivateIpAddresses.
    AssignPrivateIpAddresses,
    /// UnassignPrivateIpAddresses.
    UnassignPrivateIpAddresses,
    /// DetachNetworkInterface.
    DetachNetworkInterface,
    /// DeleteNetworkInterface.
    DeleteNetworkInterface,
    /// CreateTags.
    CreateTags,
    /// DescribeInstances.
    DescribeInstances,
    /// DescribeNetworkInterfaces.
    DescribeNetworkInterfaces,
}

impl Api {
    /// Every API, in declaration order.
    pub const ALL: [Api; 12] = [
        Api::RunInstances,
        Api::TerminateInstances,
        Api::CreateNetworkInterface,
        Api::AttachNetworkInterface,
        Api::ModifyNetworkInterfaceAttribute,
        Api::AssignPrivateIpAddresses,
        Api::UnassignPrivateIpAddresses,
        Api::DetachNetworkInterface,
        Api::DeleteNetworkInterface,
        Api::CreateTags,
        Api::DescribeInstances,
        Api::DescribeNetworkInterfaces,
    ];

    /// The eventName.
    pub fn name(self) -> &'static str {
        match self {
            Api::RunInstances => "RunInstances",
            Api::TerminateInstances => "TerminateInstances",
            Api::CreateNetworkInterface => "CreateNetworkInterface",
            Api::AttachNetworkInterface => "AttachNetworkInterface",
            Api::ModifyNetworkInterfaceAttribute => "ModifyNetworkInterfaceAttribute",
            Api::AssignPrivateIpAddresses => "AssignPrivateIpAddresses",
            Api::UnassignPrivateIpAddresses => "UnassignPrivateIpAddresses",
            Api::DetachNetworkInterface => "DetachNetworkInterface",
            Api::DeleteNetworkInterface => "DeleteNetworkInterface",
            Api::CreateTags => "CreateTags",
            Api::DescribeInstances => "DescribeInstances",
            Api::DescribeNetworkInterfaces => "DescribeNetworkInterfaces",
        }
    }

    /// Defaults in the spirit of EC2's "Request throttling" page: describes 100 with 20/s,
    /// mutating ENI calls 50 with 10/s, instance launch and termination 50 with 5/s (resource
    /// intensive), CreateTags 100 with 10/s.
    pub fn default_bucket(self) -> Bucket {
        let (capacity, refill_per_second) = match self {
            Api::DescribeInstances | Api::DescribeNetworkInterfaces => (100.0, 20.0),
            Api::RunInstances | Api::TerminateInstances => (50.0, 5.0),
            Api::CreateTags => (100.0, 10.0),
            _ => (50.0, 10.0),
        };
        Bucket {
            capacity,
            refill_per_second,
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// A token bucket's size and refill rate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bucket {
    /// Most tokens held (the burst).
    pub capacity: f64,
    /// Tokens added per second.
    pub refill_per_second: f64,
}

#[derive(Debug, Clone)]
struct TokenBucket {
    cfg: Bucket,
    tokens: f64,
    last: Option<Time>,
}

impl TokenBucket {
    fn new(cfg: Bucket) -> Self {
        TokenBucket {
            cfg,
            tokens: cfg.capacity,
            last: None,
        }
    }

    fn take(&mut self, t: Time) -> bool {
        if let Some(last) = self.last {
            // Time only moves forward for the bucket: a call stamped earlier refills nothing.
            let dt = (t - last).max(0) as f64;
            self.tokens = (self.tokens + dt * self.cfg.refill_per_second).min(self.cfg.capacity);
        }
        self.last = Some(self.last.map_or(t, |l| l.max(t)));
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

/// ENI limits of an instance type (facts §6): `ipv4_per_eni` includes the primary address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InstanceLimits {
    /// ENIs (of the default network card).
    pub max_enis: u32,
    /// IPv4 addresses per ENI, the primary included; also the cap on prefixes + addresses.
    pub ipv4_per_eni: u32,
}

/// The limits of `instance_type` from the crate's `data/eni-limits.csv`.
pub fn builtin_limits(instance_type: &str) -> Option<InstanceLimits> {
    static TABLE: OnceLock<HashMap<String, InstanceLimits>> = OnceLock::new();
    TABLE
        .get_or_init(|| {
            let text = include_str!("../data/eni-limits.csv");
            let mut lines = text.lines();
            let header: Vec<&str> = lines.next().unwrap_or_default().split(',').collect();
            let col = |name: &str| header.iter().position(|h| h.trim() == name);
            let (ti, ei, ii) = (col("instance_type"), col("max_enis"), col("ipv4_per_eni"));
            let mut m = HashMap::new();
            if let (Some(ti), Some(ei), Some(ii)) = (ti, ei, ii) {
                for l in lines {
                    let f: Vec<&str> = l.split(',').collect();
                    if let (Some(t), Some(e), Some(i)) = (f.get(ti), f.get(ei), f.get(ii))
                        && let (Ok(e), Ok(i)) = (e.trim().parse(), i.trim().parse())
                    {
                        m.insert(
                            t.trim().to_string(),
                            InstanceLimits {
                                max_enis: e,
                                ipv4_per_eni: i,
                            },
                        );
                    }
                }
            }
            m
        })
        .get(instance_type)
        .copied()
}

/// How EC2 picks a free address in a subnet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placement {
    /// From a random point onwards (EC2 scatters addresses, which fragments /28 blocks).
    Random,
    /// The lowest free one (predictable, for tests).
    Lowest,
}

/// How [`Aws`] is set up.
#[derive(Debug, Clone)]
pub struct AwsConfig {
    /// Drives ids, placement and record ids.
    pub seed: u64,
    /// 12-digit account id.
    pub account_id: String,
    /// Region.
    pub region: String,
    /// EKS cluster name (roles, tags in records).
    pub cluster_name: String,
    /// Share of subnet-exhaustion errors written with the newer `InvalidParameterValue` "no free
    /// addresses or prefixes" wording instead of `InsufficientFreeAddressesInSubnet`.
    pub no_free_wording_fraction: f64,
    /// Address placement.
    pub placement: Placement,
    /// Write CloudTrail records (off: truth only, e.g. to warm a model up).
    pub record: bool,
}

impl Default for AwsConfig {
    fn default() -> Self {
        AwsConfig {
            seed: 1,
            account_id: "111122223333".to_string(),
            region: "eu-west-1".to_string(),
            cluster_name: "sim".to_string(),
            no_free_wording_fraction: 0.0,
            placement: Placement::Random,
            record: true,
        }
    }
}

/// Why [`Aws::add_subnet`] refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SetupError {
    /// Not `a.b.c.d/n` with 16 ≤ n ≤ 28 (EC2's subnet sizes).
    #[error("bad subnet CIDR {0:?}: want a.b.c.d/n with 16 <= n <= 28")]
    BadCidr(String),
    /// The id is taken.
    #[error("subnet {0} already exists")]
    Duplicate(String),
}

struct Subnet {
    id: String,
    cidr: Prefix4,
    az: String,
    /// One bit per address, set when used or reserved (padding bits set too).
    bits: Vec<u64>,
    /// Used addresses per aligned /28 block.
    block_used: Vec<u8>,
    free: u32,
    free_blocks: u32,
    usable: u32,
}

impl Subnet {
    fn new(id: &str, cidr: Prefix4, az: String) -> Self {
        let size = cidr.size();
        let words = size.div_ceil(64) as usize;
        let mut bits = vec![0u64; words];
        if !size.is_multiple_of(64) {
            bits[words - 1] = !0u64 << (size % 64);
        }
        let blocks = size / 16;
        let mut s = Subnet {
            id: id.to_string(),
            cidr,
            az,
            bits,
            block_used: vec![0; blocks as usize],
            free: size,
            free_blocks: blocks,
            usable: size - 5,
        };
        for off in [0, 1, 2, 3, size - 1] {
            s.mark(off);
        }
        s
    }

    fn used(&self, off: u32) -> bool {
        self.bits[(off / 64) as usize] >> (off % 64) & 1 == 1
    }

    fn mark(&mut self, off: u32) {
        debug_assert!(!self.used(off));
        self.bits[(off / 64) as usize] |= 1 << (off % 64);
        let b = &mut self.block_used[(off / 16) as usize];
        if *b == 0 {
            self.free_blocks -= 1;
        }
        *b += 1;
        self.free -= 1;
    }

    fn unmark(&mut self, off: u32) {
        debug_assert!(self.used(off));
        self.bits[(off / 64) as usize] &= !(1 << (off % 64));
        let b = &mut self.block_used[(off / 16) as usize];
        *b -= 1;
        if *b == 0 {
            self.free_blocks += 1;
        }
        self.free += 1;
    }

    fn offset(&self, ip: Ipv4Addr) -> Option<u32> {
        self.cidr
            .contains(ip)
            .then(|| u32::from(ip) - u32::from(self.cidr.base))
    }

    fn alloc_addr(&mut self, rng: &mut Rng, placement: Placement) -> Option<Ipv4Addr> {
        if self.free == 0 {
            return None;
        }
        let size = self.cidr.size();
        let start = match placement {
            Placement::Random => rng.below(size as u64) as u32,
            Placement::Lowest => 0,
        };
        let words = self.bits.len();
        let mut wi = (start / 64) as usize;
        let mut word = self.bits[wi] | ((1u64 << (start % 64)) - 1);
        for _ in 0..=words {
            if word != u64::MAX {
                let off = wi as u32 * 64 + (!word).trailing_zeros();
                self.mark(off);
                return Some(Ipv4Addr::from(u32::from(self.cidr.base) + off));
            }
            wi = (wi + 1) % words;
            word = self.bits[wi];
        }
        None
    }

    fn alloc_block(&mut self, rng: &mut Rng, placement: Placement) -> Option<Prefix4> {
        let n = self.block_used.len();
        if self.free_blocks == 0 || n == 0 {
            return None;
        }
        let start = match placement {
            Placement::Random => rng.below(n as u64) as usize,
            Placement::Lowest => 0,
        };
        let b = (0..n)
            .map(|i| (start + i) % n)
            .find(|&b| self.block_used[b] == 0)?;
        for off in b as u32 * 16..b as u32 * 16 + 16 {
            self.mark(off);
        }
        Some(Prefix4 {
            base: Ipv4Addr::from(u32::from(self.cidr.base) + b as u32 * 16),
            len: 28,
        })
    }

    fn release(&mut self, p: Prefix4) {
        let Some(start) = self.offset(p.base) else {
            return;
        };
        for off in start..start + p.size() {
            if self.used(off) {
                self.unmark(off);
            }
        }
    }
}

fn host(ip: Ipv4Addr) -> Prefix4 {
    Prefix4 { base: ip, len: 32 }
}

#[derive(Debug, Clone)]
struct Attachment {
    id: String,
    instance: String,
    device_index: u32,
    dot: bool,
}

#[derive(Debug, Clone)]
struct Eni {
    subnet: usize,
    description: String,
    owner_instance: Option<String>,
    primary: Ipv4Addr,
    secondaries: Vec<Ipv4Addr>,
    prefixes: Vec<Prefix4>,
    tags: Vec<(String, String)>,
    attachment: Option<Attachment>,
    limit_override: Option<u32>,
    mac: u64,
    requester_managed: bool,
}

impl Eni {
    fn slots(&self) -> u32 {
        1 + self.secondaries.len() as u32 + self.prefixes.len() as u32
    }

    fn instance(&self) -> Option<&str> {
        self.attachment
            .as_ref()
            .map(|a| a.instance.as_str())
            .or(self.owner_instance.as_deref())
    }
}

#[derive(Debug, Clone)]
struct Instance {
    instance_type: String,
    /// Device index → ENI.
    enis: BTreeMap<u32, String>,
    terminated: bool,
}

type LimitsFn = Box<dyn Fn(&str) -> Option<InstanceLimits>>;

/// One account's EC2 in one region. See the module docs.
pub struct Aws {
    cfg: AwsConfig,
    renderer: Renderer,
    truth: Truth,
    records: Vec<Record>,
    subnets: Vec<Subnet>,
    subnet_index: HashMap<String, usize>,
    enis: HashMap<String, Eni>,
    attachments: HashMap<String, String>,
    instances: HashMap<String, Instance>,
    buckets: Vec<TokenBucket>,
    limits: LimitsFn,
    ids: Rng,
    alloc: Rng,
    errs: Rng,
}

impl std::fmt::Debug for Aws {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Aws")
            .field("account_id", &self.cfg.account_id)
            .field("region", &self.cfg.region)
            .field("subnets", &self.subnets.len())
            .field("enis", &self.enis.len())
            .field("instances", &self.instances.len())
            .finish()
    }
}

/// What the success path of a call produced, for rendering after the state change.
enum Done {
    Return,
    ReadOnly,
    Instance(String, String),
    Terminated(String),
    Eni(String),
    Attached(String, Option<u32>),
    Ips(String, Vec<Ipv4Addr>),
    Prefixes(String, Vec<Prefix4>),
}

impl Aws {
    /// An account with no subnets yet; names in records come from [`TrailContext::new`].
    pub fn new(cfg: AwsConfig) -> Self {
        let ctx = TrailContext::new(cfg.seed, &cfg.account_id, &cfg.region, &cfg.cluster_name);
        Aws::with_context(cfg, ctx)
    }

    /// Same, with record names chosen by the caller (e.g. a shared VPC id or role names).
    pub fn with_context(cfg: AwsConfig, ctx: TrailContext) -> Self {
        let seed = cfg.seed;
        let salt = hash_str(&cfg.account_id) ^ hash_str(&cfg.region);
        Aws {
            renderer: Renderer::new(ctx, seed),
            truth: Truth::in_memory(),
            records: Vec::new(),
            subnets: Vec::new(),
            subnet_index: HashMap::new(),
            enis: HashMap::new(),
            attachments: HashMap::new(),
            instances: HashMap::new(),
            buckets: Api::ALL
                .iter()
                .map(|a| TokenBucket::new(a.default_bucket()))
                .collect(),
            limits: Box::new(builtin_limits),
            ids: Rng::derive(seed, &[0x1D, salt]),
            alloc: Rng::derive(seed, &[0xA1, salt]),
            errs: Rng::derive(seed, &[0xE4, salt]),
            cfg,
        }
    }

    /// Replaces the truth (e.g. with [`Truth::to_dir`]); call before the first call.
    pub fn set_truth(&mut self, truth: Truth) {
        self.truth = truth;
        for s in &self.subnets {
            self.truth.add_subnet(&s.id, s.usable);
        }
    }

    /// The truth so far.
    pub fn truth(&self) -> &Truth {
        &self.truth
    }

    /// The names records use.
    pub fn context(&self) -> &TrailContext {
        self.renderer.context()
    }

    /// A subnet `cidr` (`10.0.0.0/24`); its availability zone is the region plus a, b, c … in
    /// the order subnets are added.
    pub fn add_subnet(&mut self, subnet_id: &str, cidr: &str) -> Result<(), SetupError> {
        let az = format!(
            "{}{}",
            self.cfg.region,
            (b'a' + (self.subnets.len() % 6) as u8) as char
        );
        self.add_subnet_in(subnet_id, cidr, &az)
    }

    /// A subnet in a given availability zone.
    pub fn add_subnet_in(
        &mut self,
        subnet_id: &str,
        cidr: &str,
        az: &str,
    ) -> Result<(), SetupError> {
        let bad = || SetupError::BadCidr(cidr.to_string());
        let (a, n) = cidr.split_once('/').ok_or_else(bad)?;
        let base: Ipv4Addr = a.parse().map_err(|_| bad())?;
        let len: u8 = n.parse().map_err(|_| bad())?;
        if !(16..=28).contains(&len) || u32::from(base) & ((1u32 << (32 - len)) - 1) != 0 {
            return Err(bad());
        }
        if self.subnet_index.contains_key(subnet_id) {
            return Err(SetupError::Duplicate(subnet_id.to_string()));
        }
        let s = Subnet::new(subnet_id, Prefix4 { base, len }, az.to_string());
        self.truth.add_subnet(subnet_id, s.usable);
        self.subnet_index
            .insert(subnet_id.to_string(), self.subnets.len());
        self.subnets.push(s);
        Ok(())
    }

    /// Sets an API's token bucket (refilled to capacity).
    pub fn set_bucket(&mut self, api: Api, bucket: Bucket) {
        self.buckets[api.index()] = TokenBucket::new(bucket);
    }

    /// Looks instance types up with `f` instead of the built-in table; `None` means no limit.
    pub fn set_instance_limits(&mut self, f: impl Fn(&str) -> Option<InstanceLimits> + 'static) {
        self.limits = Box::new(f);
    }

    /// Caps one ENI's addresses + prefixes (primary included), whatever its instance type.
    pub fn set_eni_limit(&mut self, eni_id: &str, ipv4_per_eni: u32) {
        if let Some(e) = self.enis.get_mut(eni_id) {
            e.limit_override = Some(ipv4_per_eni);
        }
    }

    /// Free addresses in a subnet.
    pub fn subnet_free(&self, subnet_id: &str) -> Option<u32> {
        self.subnet_index
            .get(subnet_id)
            .map(|&i| self.subnets[i].free)
    }

    /// Fully free aligned /28 blocks in a subnet.
    pub fn subnet_free_blocks(&self, subnet_id: &str) -> Option<u32> {
        self.subnet_index
            .get(subnet_id)
            .map(|&i| self.subnets[i].free_blocks)
    }

    /// An ENI's primary address, secondary addresses and prefixes.
    pub fn eni_addresses(&self, eni_id: &str) -> Option<(Ipv4Addr, Vec<Ipv4Addr>, Vec<Prefix4>)> {
        self.enis
            .get(eni_id)
            .map(|e| (e.primary, e.secondaries.clone(), e.prefixes.clone()))
    }

    /// The ENI attached to an instance at each device index.
    pub fn instance_enis(&self, instance_id: &str) -> Option<Vec<(u32, String)>> {
        self.instances
            .get(instance_id)
            .map(|i| i.enis.iter().map(|(d, e)| (*d, e.clone())).collect())
    }

    /// Whether an ENI exists.
    pub fn eni_exists(&self, eni_id: &str) -> bool {
        self.enis.contains_key(eni_id)
    }

    /// The records written since the last call, in call order.
    pub fn take_records(&mut self) -> Vec<Record> {
        std::mem::take(&mut self.records)
    }

    /// Drains the records written so far, in call order.
    pub fn drain_records(&mut self) -> std::vec::Drain<'_, Record> {
        self.records.drain(..)
    }

    /// Moves simulated time to `time` without a call (usage rows in the truth).
    pub fn advance(&mut self, time: Time) {
        self.truth.advance(time);
    }

    /// Ends the run: open intervals and ENIs written as open, truth files flushed.
    pub fn finish(&mut self, end: Time) -> std::io::Result<()> {
        self.truth.finish(end)
    }

    /// An instance that was running before the trail starts: no record, no throttling, but in
    /// the truth from `time`.
    ///
    /// # Panics
    /// If the subnet is unknown.
    pub fn register_instance(
        &mut self,
        time: Time,
        instance_type: &str,
        subnet_id: &str,
    ) -> Result<InstanceInfo, ApiError> {
        self.truth.advance(time);
        self.launch(time, instance_type, subnet_id)
            .map(|id| self.instance_info(&id))
    }

    fn subnet(&self, subnet_id: &str) -> usize {
        match self.subnet_index.get(subnet_id) {
            Some(&i) => i,
            None => panic!("unknown subnet {subnet_id}: add it with Aws::add_subnet first"),
        }
    }

    fn new_id(&mut self, prefix: &str) -> String {
        let mut w = W::with_capacity(prefix.len() + 17);
        w.s(prefix).s("0").hex(&mut self.ids, 16);
        String::from_utf8(w.buf).expect("ascii")
    }

    fn exhaustion(&mut self) -> ApiError {
        if self.errs.chance(self.cfg.no_free_wording_fraction) {
            ApiError::NoFreeAddressesOrPrefixes
        } else {
            ApiError::InsufficientFreeAddressesInSubnet
        }
    }

    fn instance_limits(&self, instance_id: &str) -> Option<InstanceLimits> {
        self.instances
            .get(instance_id)
            .and_then(|i| (self.limits)(&i.instance_type))
    }

    fn eni_cap(&self, e: &Eni) -> Option<u32> {
        e.limit_override.or_else(|| {
            e.instance()
                .and_then(|i| self.instance_limits(i))
                .map(|l| l.ipv4_per_eni)
        })
    }

    /// Throttling and the usage clock, before anything else about the call.
    fn gate(&mut self, time: Time, api: Api) -> Result<(), ApiError> {
        self.truth.advance(time);
        if self.buckets[api.index()].take(time) {
            Ok(())
        } else {
            Err(ApiError::RequestLimitExceeded)
        }
    }

    fn emit(&mut self, ctx: &CallCtx, req: &Req, result: &Result<Done, ApiError>) {
        self.truth.call(
            ctx.time,
            req.event_name(),
            &ctx.caller,
            result.as_ref().err().copied(),
        );
        if !self.cfg.record {
            return;
        }
        let rec = match result {
            Err(e) => self.renderer.render(ctx.time, &ctx.caller, req, Err(*e)),
            Ok(done) => {
                let launched;
                let resp = match done {
                    Done::Return => Resp::Return,
                    Done::ReadOnly => Resp::ReadOnly,
                    Done::Terminated(id) => Resp::Terminated { instance_id: id },
                    Done::Attached(a, card) => Resp::Attached {
                        attachment_id: a,
                        network_card_index: *card,
                    },
                    Done::Ips(eni, ips) => Resp::AssignedIps { eni_id: eni, ips },
                    Done::Prefixes(eni, p) => Resp::AssignedPrefixes {
                        eni_id: eni,
                        prefixes: p,
                    },
                    Done::Eni(id) => Resp::Eni(desc(&self.subnets, id, &self.enis[id], None)),
                    Done::Instance(id, eni) => {
                        let e = &self.enis[eni];
                        launched = e.attachment.as_ref().map(|a| (a.id.as_str(), ctx.time));
                        Resp::Instance {
                            instance_id: id,
                            instance_type: &self.instances[id].instance_type,
                            primary: desc(&self.subnets, eni, e, launched),
                        }
                    }
                };
                self.renderer.render(ctx.time, &ctx.caller, req, Ok(&resp))
            }
        };
        self.records.push(rec);
    }

    fn instance_info(&self, instance_id: &str) -> InstanceInfo {
        let eni_id = &self.instances[instance_id].enis[&0];
        InstanceInfo {
            instance_id: instance_id.to_string(),
            primary_eni: self.eni_info(eni_id),
        }
    }

    fn eni_info(&self, eni_id: &str) -> EniInfo {
        let e = &self.enis[eni_id];
        EniInfo {
            eni_id: eni_id.to_string(),
            subnet_id: self.subnets[e.subnet].id.clone(),
            primary_ip: e.primary,
            secondary_ips: e.secondaries.clone(),
            prefixes: e.prefixes.clone(),
        }
    }

    /// RunInstances' state change: the instance, its primary ENI and address.
    fn launch(
        &mut self,
        time: Time,
        instance_type: &str,
        subnet_id: &str,
    ) -> Result<String, ApiError> {
        let si = self.subnet(subnet_id);
        let placement = self.cfg.placement;
        let Some(ip) = self.subnets[si].alloc_addr(&mut self.alloc, placement) else {
            return Err(self.exhaustion());
        };
        let instance_id = self.new_id("i-");
        let eni_id = self.new_id("eni-");
        let attachment_id = self.new_id("eni-attach-");
        let mac = self.ids.next_u64();
        self.instances.insert(
            instance_id.clone(),
            Instance {
                instance_type: instance_type.to_string(),
                enis: BTreeMap::from([(0, eni_id.clone())]),
                terminated: false,
            },
        );
        self.enis.insert(
            eni_id.clone(),
            Eni {
                subnet: si,
                description: String::new(),
                owner_instance: Some(instance_id.clone()),
                primary: ip,
                secondaries: Vec::new(),
                prefixes: Vec::new(),
                tags: Vec::new(),
                attachment: Some(Attachment {
                    id: attachment_id.clone(),
                    instance: instance_id.clone(),
                    device_index: 0,
                    dot: true,
                }),
                limit_override: None,
                mac,
                requester_managed: false,
            },
        );
        self.attachments
            .insert(attachment_id.clone(), eni_id.clone());
        self.truth.eni_created(
            time,
            &eni_id,
            subnet_id,
            HolderKind::Node,
            Some(&instance_id),
            "",
        );
        self.truth
            .eni_attached(time, &eni_id, &attachment_id, &instance_id, 0, 0, true);
        self.truth.address_start(
            time,
            host(ip),
            true,
            &eni_id,
            Some(&instance_id),
            subnet_id,
            HolderKind::Node,
        );
        Ok(instance_id)
    }

    /// Ends every address of an ENI and the ENI itself, giving the addresses back.
    fn remove_eni(&mut self, time: Time, eni_id: &str, reason: EndReason, eni_end: EniEnd) {
        let Some(e) = self.enis.remove(eni_id) else {
            return;
        };
        let s = &mut self.subnets[e.subnet];
        for p in e
            .prefixes
            .iter()
            .copied()
            .chain(e.secondaries.iter().map(|&ip| host(ip)))
            .chain([host(e.primary)])
        {
            s.release(p);
            self.truth.address_end(time, eni_id, p, reason);
        }
        if let Some(a) = &e.attachment {
            self.attachments.remove(&a.id);
            if let Some(i) = self.instances.get_mut(&a.instance) {
                i.enis.remove(&a.device_index);
            }
        }
        self.truth.eni_deleted(time, eni_id, eni_end);
    }

    fn eni_mut(&mut self, eni_id: &str) -> Result<&mut Eni, ApiError> {
        self.enis
            .get_mut(eni_id)
            .ok_or(ApiError::InvalidNetworkInterfaceIdNotFound)
    }

    fn do_create(&mut self, ctx: &CallCtx, req: &CreateEni) -> Result<Done, ApiError> {
        self.gate(ctx.time, Api::CreateNetworkInterface)?;
        let si = self.subnet(&req.subnet_id);
        let n = req.secondary_count.unwrap_or(0);
        let p = req.prefix_count.unwrap_or(0);
        let owner = match &ctx.caller {
            Caller::Cni { instance_id, .. } => Some(instance_id.clone()),
            Caller::Other(_) => None,
        };
        let cap = owner
            .as_deref()
            .and_then(|i| self.instance_limits(i))
            .map(|l| l.ipv4_per_eni);
        if cap.is_some_and(|cap| 1 + n + p > cap) {
            return Err(ApiError::PrivateIpAddressLimitExceeded);
        }
        let s = &self.subnets[si];
        if s.free < 1 + n + 16 * p {
            return Err(self.exhaustion());
        }
        if s.free_blocks < p {
            return Err(ApiError::InsufficientCidrBlocks);
        }
        let placement = self.cfg.placement;
        let s = &mut self.subnets[si];
        let prefixes: Vec<Prefix4> = (0..p)
            .map(|_| s.alloc_block(&mut self.alloc, placement).expect("checked"))
            .collect();
        let primary = s.alloc_addr(&mut self.alloc, placement).expect("checked");
        let secondaries: Vec<Ipv4Addr> = (0..n)
            .map(|_| s.alloc_addr(&mut self.alloc, placement).expect("checked"))
            .collect();
        let eni_id = self.new_id("eni-");
        let holder = HolderKind::of(&ctx.caller);
        let requester_managed = matches!(
            ctx.caller,
            Caller::Other(OtherActor::LoadBalancer | OtherActor::VpcEndpoint | OtherActor::Lambda)
        );
        let mac = self.ids.next_u64();
        let t = ctx.time;
        self.truth.eni_created(
            t,
            &eni_id,
            &req.subnet_id,
            holder,
            owner.as_deref(),
            &req.description,
        );
        let inst = owner.as_deref();
        self.truth.address_start(
            t,
            host(primary),
            true,
            &eni_id,
            inst,
            &req.subnet_id,
            holder,
        );
        for &ip in &secondaries {
            self.truth
                .address_start(t, host(ip), false, &eni_id, inst, &req.subnet_id, holder);
        }
        for &pf in &prefixes {
            self.truth
                .address_start(t, pf, false, &eni_id, inst, &req.subnet_id, holder);
        }
        self.enis.insert(
            eni_id.clone(),
            Eni {
                subnet: si,
                description: req.description.clone(),
                owner_instance: owner,
                primary,
                secondaries,
                prefixes,
                tags: req.tags.clone(),
                attachment: None,
                limit_override: None,
                mac,
                requester_managed,
            },
        );
        Ok(Done::Eni(eni_id))
    }

    fn do_attach(
        &mut self,
        ctx: &CallCtx,
        eni_id: &str,
        instance_id: &str,
        device_index: u32,
        card: Option<u32>,
    ) -> Result<Done, ApiError> {
        self.gate(ctx.time, Api::AttachNetworkInterface)?;
        let e = self
            .enis
            .get(eni_id)
            .ok_or(ApiError::InvalidNetworkInterfaceIdNotFound)?;
        let inst = self
            .instances
            .get(instance_id)
            .filter(|i| !i.terminated)
            .ok_or(ApiError::InvalidNetworkInterfaceIdNotFound)?;
        if e.attachment.is_some() || inst.enis.contains_key(&device_index) {
            return Err(ApiError::AttachmentLimitExceeded);
        }
        if let Some(l) = (self.limits)(&inst.instance_type) {
            if inst.enis.len() as u32 >= l.max_enis || device_index >= l.max_enis {
                return Err(ApiError::AttachmentLimitExceeded);
            }
            if e.limit_override.is_none() && e.slots() > l.ipv4_per_eni {
                return Err(ApiError::PrivateIpAddressLimitExceeded);
            }
        }
        let attachment_id = self.new_id("eni-attach-");
        self.attachments
            .insert(attachment_id.clone(), eni_id.to_string());
        self.instances
            .get_mut(instance_id)
            .expect("checked")
            .enis
            .insert(device_index, eni_id.to_string());
        let e = self.enis.get_mut(eni_id).expect("checked");
        e.attachment = Some(Attachment {
            id: attachment_id.clone(),
            instance: instance_id.to_string(),
            device_index,
            dot: false,
        });
        if e.owner_instance.is_none() {
            e.owner_instance = Some(instance_id.to_string());
        }
        self.truth.eni_attached(
            ctx.time,
            eni_id,
            &attachment_id,
            instance_id,
            device_index,
            card.unwrap_or(0),
            false,
        );
        Ok(Done::Attached(attachment_id, card))
    }

    fn do_assign(
        &mut self,
        ctx: &CallCtx,
        eni_id: &str,
        count: u32,
        prefixes: bool,
    ) -> Result<Done, ApiError> {
        self.gate(ctx.time, Api::AssignPrivateIpAddresses)?;
        let e = self
            .enis
            .get(eni_id)
            .ok_or(ApiError::InvalidNetworkInterfaceIdNotFound)?;
        if self.eni_cap(e).is_some_and(|cap| e.slots() + count > cap) {
            return Err(ApiError::PrivateIpAddressLimitExceeded);
        }
        let si = e.subnet;
        let s = &self.subnets[si];
        let needed = if prefixes { 16 * count } else { count };
        if s.free < needed {
            return Err(self.exhaustion());
        }
        if prefixes && s.free_blocks < count {
            return Err(ApiError::InsufficientCidrBlocks);
        }
        let placement = self.cfg.placement;
        let s = &mut self.subnets[si];
        let got: Vec<Prefix4> = (0..count)
            .map(|_| {
                if prefixes {
                    s.alloc_block(&mut self.alloc, placement)
                } else {
                    s.alloc_addr(&mut self.alloc, placement).map(host)
                }
                .expect("checked")
            })
            .collect();
        let subnet_id = self.subnets[si].id.clone();
        let holder = HolderKind::of(&ctx.caller);
        let e = self.enis.get_mut(eni_id).expect("checked");
        let inst = e.instance().map(str::to_string);
        for &p in &got {
            self.truth.address_start(
                ctx.time,
                p,
                false,
                eni_id,
                inst.as_deref(),
                &subnet_id,
                holder,
            );
        }
        if prefixes {
            e.prefixes.extend(&got);
            Ok(Done::Prefixes(eni_id.to_string(), got))
        } else {
            let ips: Vec<Ipv4Addr> = got.iter().map(|p| p.base).collect();
            e.secondaries.extend(&ips);
            Ok(Done::Ips(eni_id.to_string(), ips))
        }
    }

    fn do_unassign(
        &mut self,
        ctx: &CallCtx,
        eni_id: &str,
        what: &[Prefix4],
    ) -> Result<Done, ApiError> {
        self.gate(ctx.time, Api::UnassignPrivateIpAddresses)?;
        let e = self
            .enis
            .get(eni_id)
            .ok_or(ApiError::InvalidNetworkInterfaceIdNotFound)?;
        let held = |p: &Prefix4| {
            if p.len == 32 {
                e.secondaries.contains(&p.base)
            } else {
                e.prefixes.contains(p)
            }
        };
        // EC2 refuses the whole call if one of them is not a secondary address/prefix of the ENI.
        if !what.iter().all(held) {
            return Err(ApiError::InvalidNetworkInterfaceIdNotFound);
        }
        let si = e.subnet;
        let e = self.enis.get_mut(eni_id).expect("checked");
        for p in what {
            if p.len == 32 {
                e.secondaries.retain(|ip| *ip != p.base);
            } else {
                e.prefixes.retain(|q| q != p);
            }
            self.subnets[si].release(*p);
            self.truth
                .address_end(ctx.time, eni_id, *p, EndReason::Unassigned);
        }
        Ok(Done::Return)
    }

    fn do_detach(&mut self, ctx: &CallCtx, attachment_id: &str) -> Result<Done, ApiError> {
        self.gate(ctx.time, Api::DetachNetworkInterface)?;
        let eni_id = self
            .attachments
            .get(attachment_id)
            .ok_or(ApiError::InvalidNetworkInterfaceIdNotFound)?
            .clone();
        let e = self
            .enis
            .get_mut(&eni_id)
            .expect("attachment of a live ENI");
        let a = e.attachment.as_ref().expect("attached");
        if a.device_index == 0 {
            return Err(ApiError::AttachmentLimitExceeded);
        }
        let a = e.attachment.take().expect("attached");
        self.attachments.remove(attachment_id);
        if let Some(i) = self.instances.get_mut(&a.instance) {
            i.enis.remove(&a.device_index);
        }
        self.truth.eni_detached(ctx.time, &eni_id);
        Ok(Done::Return)
    }
}

fn desc<'a>(
    subnets: &'a [Subnet],
    eni_id: &'a str,
    e: &'a Eni,
    attachment: Option<(&'a str, Time)>,
) -> EniDesc<'a> {
    let s = &subnets[e.subnet];
    EniDesc {
        eni_id,
        subnet_id: &s.id,
        availability_zone: &s.az,
        description: &e.description,
        mac: e.mac,
        primary_ip: e.primary,
        secondary_ips: &e.secondaries,
        prefixes: &e.prefixes,
        tags: &e.tags,
        requester_managed: e.requester_managed,
        attachment,
    }
}

impl Ec2 for Aws {
    fn run_instances(
        &mut self,
        ctx: &CallCtx,
        instance_type: &str,
        subnet_id: &str,
    ) -> Result<InstanceInfo, ApiError> {
        let si = self.subnet(subnet_id);
        let az = self.subnets[si].az.clone();
        let result = self
            .gate(ctx.time, Api::RunInstances)
            .and_then(|()| self.launch(ctx.time, instance_type, subnet_id))
            .map(|id| {
                let eni = self.instances[&id].enis[&0].clone();
                Done::Instance(id, eni)
            });
        let req = Req::RunInstances {
            instance_type,
            subnet_id,
            availability_zone: &az,
        };
        self.emit(ctx, &req, &result);
        match result {
            Ok(Done::Instance(id, _)) => Ok(self.instance_info(&id)),
            Ok(_) => unreachable!(),
            Err(e) => Err(e),
        }
    }

    fn terminate_instances(&mut self, ctx: &CallCtx, instance_id: &str) -> Result<(), ApiError> {
        let result = self.gate(ctx.time, Api::TerminateInstances).and_then(|()| {
            let inst = self
                .instances
                .get(instance_id)
                .ok_or(ApiError::InvalidNetworkInterfaceIdNotFound)?;
            let enis: Vec<String> = inst.enis.values().cloned().collect();
            for eni_id in enis {
                let dot = self.enis[&eni_id]
                    .attachment
                    .as_ref()
                    .is_some_and(|a| a.dot);
                if dot {
                    self.remove_eni(
                        ctx.time,
                        &eni_id,
                        EndReason::InstanceTerminated,
                        EniEnd::InstanceTerminated,
                    );
                } else if let Some(e) = self.enis.get_mut(&eni_id)
                    && let Some(a) = e.attachment.take()
                {
                    self.attachments.remove(&a.id);
                    self.truth.eni_detached(ctx.time, &eni_id);
                }
            }
            let inst = self.instances.get_mut(instance_id).expect("checked");
            inst.enis.clear();
            inst.terminated = true;
            Ok(Done::Terminated(instance_id.to_string()))
        });
        self.emit(ctx, &Req::TerminateInstances { instance_id }, &result);
        result.map(|_| ())
    }

    fn create_network_interface(
        &mut self,
        ctx: &CallCtx,
        req: &CreateEni,
    ) -> Result<EniInfo, ApiError> {
        let result = self.do_create(ctx, req);
        self.emit(ctx, &Req::CreateNetworkInterface(req), &result);
        match result {
            Ok(Done::Eni(id)) => Ok(self.eni_info(&id)),
            Ok(_) => unreachable!(),
            Err(e) => Err(e),
        }
    }

    fn attach_network_interface(
        &mut self,
        ctx: &CallCtx,
        eni_id: &str,
        instance_id: &str,
        device_index: u32,
        network_card_index: Option<u32>,
    ) -> Result<String, ApiError> {
        let result = self.do_attach(ctx, eni_id, instance_id, device_index, network_card_index);
        let req = Req::AttachNetworkInterface {
            eni_id,
            instance_id,
            device_index,
            network_card_index,
        };
        self.emit(ctx, &req, &result);
        match result {
            Ok(Done::Attached(a, _)) => Ok(a),
            Ok(_) => unreachable!(),
            Err(e) => Err(e),
        }
    }

    fn modify_delete_on_termination(
        &mut self,
        ctx: &CallCtx,
        eni_id: &str,
        attachment_id: &str,
    ) -> Result<(), ApiError> {
        let result = self
            .gate(ctx.time, Api::ModifyNetworkInterfaceAttribute)
            .and_then(|()| {
                let e = self.eni_mut(eni_id)?;
                match &mut e.attachment {
                    Some(a) if a.id == attachment_id => a.dot = true,
                    _ => return Err(ApiError::InvalidNetworkInterfaceIdNotFound),
                }
                self.truth.eni_delete_on_termination(eni_id);
                Ok(Done::Return)
            });
        self.emit(
            ctx,
            &Req::ModifyDeleteOnTermination {
                eni_id,
                attachment_id,
            },
            &result,
        );
        result.map(|_| ())
    }

    fn assign_private_ips(
        &mut self,
        ctx: &CallCtx,
        eni_id: &str,
        count: u32,
    ) -> Result<Vec<Ipv4Addr>, ApiError> {
        let result = self.do_assign(ctx, eni_id, count, false);
        self.emit(ctx, &Req::AssignPrivateIps { eni_id, count }, &result);
        match result {
            Ok(Done::Ips(_, ips)) => Ok(ips),
            Ok(_) => unreachable!(),
            Err(e) => Err(e),
        }
    }

    fn assign_prefixes(
        &mut self,
        ctx: &CallCtx,
        eni_id: &str,
        count: u32,
    ) -> Result<Vec<Prefix4>, ApiError> {
        let result = self.do_assign(ctx, eni_id, count, true);
        self.emit(ctx, &Req::AssignPrefixes { eni_id, count }, &result);
        match result {
            Ok(Done::Prefixes(_, p)) => Ok(p),
            Ok(_) => unreachable!(),
            Err(e) => Err(e),
        }
    }

    fn unassign_private_ips(
        &mut self,
        ctx: &CallCtx,
        eni_id: &str,
        ips: &[Ipv4Addr],
    ) -> Result<(), ApiError> {
        let what: Vec<Prefix4> = ips.iter().map(|&ip| host(ip)).collect();
        let result = self.do_unassign(ctx, eni_id, &what);
        self.emit(ctx, &Req::UnassignPrivateIps { eni_id, ips }, &result);
        result.map(|_| ())
    }

    fn unassign_prefixes(
        &mut self,
        ctx: &CallCtx,
        eni_id: &str,
        prefixes: &[Prefix4],
    ) -> Result<(), ApiError> {
        let result = self.do_unassign(ctx, eni_id, prefixes);
        self.emit(ctx, &Req::UnassignPrefixes { eni_id, prefixes }, &result);
        result.map(|_| ())
    }

    fn detach_network_interface(
        &mut self,
        ctx: &CallCtx,
        attachment_id: &str,
    ) -> Result<(), ApiError> {
        let result = self.do_detach(ctx, attachment_id);
        self.emit(ctx, &Req::DetachNetworkInterface { attachment_id }, &result);
        result.map(|_| ())
    }

    fn delete_network_interface(&mut self, ctx: &CallCtx, eni_id: &str) -> Result<(), ApiError> {
        let result = self
            .gate(ctx.time, Api::DeleteNetworkInterface)
            .and_then(|()| {
                let e = self
                    .enis
                    .get(eni_id)
                    .ok_or(ApiError::InvalidNetworkInterfaceIdNotFound)?;
                if e.attachment.is_some() {
                    // EC2 says the interface is in use; the closest variant we have.
                    return Err(ApiError::AttachmentLimitExceeded);
                }
                self.remove_eni(ctx.time, eni_id, EndReason::EniDeleted, EniEnd::Deleted);
                Ok(Done::Return)
            });
        self.emit(ctx, &Req::DeleteNetworkInterface { eni_id }, &result);
        result.map(|_| ())
    }

    fn create_tags(
        &mut self,
        ctx: &CallCtx,
        resource_ids: &[String],
        tags: &[(String, String)],
    ) -> Result<(), ApiError> {
        let result = self.gate(ctx.time, Api::CreateTags).and_then(|()| {
            if resource_ids
                .iter()
                .any(|r| r.starts_with("eni-") && !self.enis.contains_key(r))
            {
                return Err(ApiError::InvalidNetworkInterfaceIdNotFound);
            }
            for r in resource_ids {
                if let Some(e) = self.enis.get_mut(r) {
                    for (k, v) in tags {
                        match e.tags.iter_mut().find(|(ek, _)| ek == k) {
                            Some(t) => t.1 = v.clone(),
                            None => e.tags.push((k.clone(), v.clone())),
                        }
                    }
                }
            }
            Ok(Done::Return)
        });
        self.emit(ctx, &Req::CreateTags { resource_ids, tags }, &result);
        result.map(|_| ())
    }

    fn describe_instances(&mut self, ctx: &CallCtx, instance_id: &str) -> Result<(), ApiError> {
        let result = self
            .gate(ctx.time, Api::DescribeInstances)
            .map(|()| Done::ReadOnly);
        self.emit(ctx, &Req::DescribeInstances { instance_id }, &result);
        result.map(|_| ())
    }

    fn describe_network_interfaces(
        &mut self,
        ctx: &CallCtx,
        eni_ids: &[String],
    ) -> Result<(), ApiError> {
        let result = self
            .gate(ctx.time, Api::DescribeNetworkInterfaces)
            .and_then(|()| {
                if eni_ids.iter().all(|e| self.enis.contains_key(e)) {
                    Ok(Done::ReadOnly)
                } else {
                    Err(ApiError::InvalidNetworkInterfaceIdNotFound)
                }
            });
        self.emit(ctx, &Req::DescribeNetworkInterfaces { eni_ids }, &result);
        result.map(|_| ())
    }
}
