//! One node's ipamd: its datastore of ENIs, addresses and prefixes, its warm-pool loop and the
//! EC2 calls that loop makes, in the order and at the pace the CNI makes them (facts §2.4, §3, §5).
//!
//! The driver calls [`Ipamd::tick`] once per simulated second and [`Ipamd::add_pod`] /
//! [`Ipamd::remove_pod`] as pods come and go; ipamd talks to AWS only through [`Ec2`].
//!
//! What is modelled (CNI `pkg/ipamd/ipamd.go`, `datastore/data_store.go`, `awsutils.go`):
//!
//! - start: DescribeNetworkInterfaces of the attached ENIs, then CreateTags on the primary ENI;
//! - the pool loop every 5 s (first pass 3 s after start: the loop sleeps 2.5 s first),
//!   `updateIPPoolIfRequired`: too low ⇒ increase, else too high ⇒ decrease (at most every 30 s);
//!   then, if there are extra ENIs, free one deletable ENI (≥ 60 s old, no pods, no cooling IP);
//! - the three modes (warm ENI, warm/minimum IP, prefix delegation) with the formulas of §5 in
//!   the pure functions of [`math`];
//! - the ENI allocation sequences per CNI version, the free-ENI sequence (Describe → Detach →
//!   Delete 2 s later), Delete right after a failed attach, FreeENI after a failed Modify;
//! - errors: the SDK retries a throttled call immediately (same second, one record per
//!   attempt: 4 attempts ≤ v1.7, 11 for v1.8–v1.19 (`MaxRetries=10`), 3 for v1.20+ (SDK v2
//!   standard retryer)); a failed bulk assign is retried at once with count 1 unless it was
//!   throttled or hit the ENI's limit; subnet exhaustion (after the count-1 retry, or on
//!   create) stops every increase for 120 s; `PrivateIpAddressLimitExceeded` triggers a
//!   DescribeNetworkInterfaces resync; Detach/Delete are retried once a second up to 12 times.
//!
//! Simplified: no IMDS reconcile (the datastore is always in sync with what EC2 answered), no
//! leaked-ENI scan, no trunk/EFA/IPv6/multi-card, and ties that Go breaks by map order are
//! broken deterministically (pods take the lowest free address on the lowest ENI; unassign
//! and ENI deletion start from the highest device index).

use std::net::Ipv4Addr;

use crate::ec2::{
    ApiError, CallCtx, Caller, CniVersion, CreateEni, Ec2, EniInfo, IdentityKind, Prefix4, Time,
};
use crate::limits::{ADDRESSES_PER_PREFIX, InstanceLimits, limits};

/// Period of the pool loop (`ipPoolMonitorInterval`).
pub const POOL_PERIOD: i64 = 5;
/// Delay from start to the first pool pass (the loop sleeps 2.5 s first; rounded up).
pub const FIRST_PASS_DELAY: i64 = 3;
/// A decrease (unassign) happens only if more than this has passed since the last one
/// (`decreaseIPPoolInterval`).
pub const DECREASE_INTERVAL: i64 = 30;
/// An ENI younger than this is never freed (`minENILifeTime`).
pub const MIN_ENI_LIFETIME: i64 = 60;
/// No increase for this long after subnet exhaustion (`insufficientCidrErrorCooldown`).
pub const EXHAUSTION_COOLDOWN: i64 = 120;
/// Delete follows Detach after this long (`sleepDelayAfterDetach`).
pub const DELETE_AFTER_DETACH: i64 = 2;
/// App-level tries of Detach and Delete (`maxENIEC2APIRetries`).
pub const ENI_OP_TRIES: u32 = 12;

/// How the warm pool is sized (facts §5 modes A, B, C).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PoolMode {
    /// Mode A: keep `warm_eni_target` ENIs' worth of free addresses (the default, 1).
    WarmEni {
        /// `WARM_ENI_TARGET`.
        warm_eni_target: u32,
    },
    /// Mode B: keep `warm_ip_target` free addresses and at least `minimum_ip_target` in all.
    /// Both 0 means neither is set, and ipamd falls back to `WARM_ENI_TARGET=1`.
    WarmIp {
        /// `WARM_IP_TARGET` (0 = unset).
        warm_ip_target: u32,
        /// `MINIMUM_IP_TARGET` (0 = unset).
        minimum_ip_target: u32,
    },
    /// Mode C: prefix delegation, `/28` prefixes of 16 addresses. The IP targets, when either is
    /// set, override `warm_prefix_target`.
    Prefix {
        /// `WARM_PREFIX_TARGET`.
        warm_prefix_target: u32,
        /// `WARM_IP_TARGET` (0 = unset).
        warm_ip_target: u32,
        /// `MINIMUM_IP_TARGET` (0 = unset).
        minimum_ip_target: u32,
    },
}

/// ipamd's configuration (the aws-node environment).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolConfig {
    /// Pool sizing.
    pub mode: PoolMode,
    /// `MAX_ENI`: caps the instance type's ENI limit when set.
    pub max_eni: Option<u32>,
    /// Custom networking: the ENIConfig's subnet. New ENIs go there and the primary ENI carries
    /// no pod addresses.
    pub custom_networking: Option<String>,
    /// CNI version: call sequences, tags, SDK retries.
    pub cni_version: CniVersion,
    /// How ipamd authenticates.
    pub identity: IdentityKind,
    /// `IP_COOLDOWN_PERIOD` in seconds: a pod's address is not handed out again for this long.
    pub ip_cooldown: i64,
    /// `CLUSTER_NAME`: adds the cluster tag (and `eks:eni:owner` from v1.20) to ENI tags.
    pub cluster_name: Option<String>,
    /// Max pods of the node. Default: the type's `eni-max-pods.txt` value, or with prefix
    /// delegation the max-pods calculator's `min(ENIs × prefixes × 16 + 2, 110)` (110 is its cap
    /// for types under 30 vCPUs; the table has no vCPU count, so larger types need this set).
    pub max_pods: Option<u32>,
    /// Attempts per call when throttled (the SDK's retries). Default by version, see the module
    /// documentation.
    pub sdk_max_attempts: Option<u32>,
}

impl Default for PoolConfig {
    /// The shipped manifest's defaults: `WARM_ENI_TARGET=1`, node role, 30 s cooldown, v1.19.0.
    fn default() -> Self {
        PoolConfig {
            mode: PoolMode::WarmEni { warm_eni_target: 1 },
            max_eni: None,
            custom_networking: None,
            cni_version: CniVersion::new(1, 19, 0),
            identity: IdentityKind::NodeRole,
            ip_cooldown: 30,
            cluster_name: None,
            max_pods: None,
            sdk_max_attempts: None,
        }
    }
}

/// Why an [`Ipamd`] cannot be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// The limits table does not know the type (ipamd would call DescribeInstanceTypes).
    #[error("unknown instance type {0}")]
    UnknownInstanceType(String),
    /// Prefix delegation needs a Nitro instance.
    #[error("prefix delegation needs a Nitro instance, {0} is not")]
    PrefixNeedsNitro(String),
}

/// One ENI as ipamd holds it, for tests and the truth cross-check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EniView {
    /// `eni-…`.
    pub eni_id: String,
    /// Device index (0 = primary ENI).
    pub device_index: u32,
    /// Its subnet.
    pub subnet_id: String,
    /// The ENI's own primary address (never a pod's).
    pub primary_ip: Ipv4Addr,
    /// Secondary addresses in the pool (secondary-IP modes).
    pub ips: Vec<Ipv4Addr>,
    /// Delegated prefixes in the pool (prefix delegation).
    pub prefixes: Vec<Prefix4>,
    /// When ipamd added it to the datastore.
    pub added_at: Time,
}

/// Datastore counts (`GetIPStats`), all in addresses except the prefix counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PoolStats {
    /// Addresses in the pool (secondary IPs, or prefixes × 16).
    pub total: u32,
    /// Addresses held by pods.
    pub assigned: u32,
    /// Free addresses still in pod cooldown (counted as available).
    pub cooling: u32,
    /// Prefixes in the pool.
    pub total_prefixes: u32,
    /// Prefixes with no pod.
    pub free_prefixes: u32,
}

impl PoolStats {
    /// `total − assigned`: what the pool math calls available (cooling included).
    pub fn available(&self) -> u32 {
        self.total - self.assigned
    }
}

/// The pure pool arithmetic of facts §5, separated so the documented tables can be checked
/// without a clock or an EC2.
pub mod math {
    use crate::limits::ADDRESSES_PER_PREFIX;

    fn div_ceil(a: i64, b: i64) -> i64 {
        (a + b - 1) / b
    }

    /// Mode B (`datastoreTargetState`): `(short, over)` in addresses.
    ///
    /// `short = max(WARM_IP − available, 0, MINIMUM_IP − total)`;
    /// `over = max(min(max(available − WARM_IP, 0), total − MINIMUM_IP), 0)`.
    pub fn warm_ip_short_over(warm_ip: u32, min_ip: u32, total: u32, assigned: u32) -> (u32, u32) {
        let (w, m, t, a) = (warm_ip as i64, min_ip as i64, total as i64, assigned as i64);
        let available = t - a;
        let short = (w - available).max(0).max(m - t);
        let over = (available - w).max(0).min(t - m).max(0);
        (short as u32, over as u32)
    }

    /// Mode C with IP targets: `(short, over)` in prefixes (facts §5: `shortPrefix =
    /// ceil(short/16)`, `overPrefix = min(free, total − ceil((assigned+WARM_IP)/16), total −
    /// ceil(MIN_IP/16))`, never below 0).
    pub fn prefix_ip_short_over(
        warm_ip: u32,
        min_ip: u32,
        total_prefixes: u32,
        free_prefixes: u32,
        assigned: u32,
    ) -> (u32, u32) {
        let per = ADDRESSES_PER_PREFIX as i64;
        let total = total_prefixes * ADDRESSES_PER_PREFIX;
        let (short, _) = warm_ip_short_over(warm_ip, min_ip, total, assigned);
        let tp = total_prefixes as i64;
        let for_warm = div_ceil(assigned as i64 + warm_ip as i64, per);
        let for_min = div_ceil(min_ip as i64, per);
        let over = (free_prefixes as i64)
            .min(tp - for_warm)
            .max(0)
            .min(tp - for_min)
            .max(0);
        (div_ceil(short as i64, per) as u32, over as u32)
    }

    /// Modes A and C-by-prefix (`isDatastorePoolTooLow` without IP targets): too low when
    /// fewer than `chunk × warm_target` addresses are available, or the target is 0 and none is.
    /// `chunk` is the ENI's pod addresses (mode A) or 16 (one prefix).
    pub fn warm_target_too_low(available: u32, chunk: u32, warm_target: u32) -> bool {
        available < chunk * warm_target || (warm_target == 0 && available == 0)
    }

    /// `shouldRemoveExtraENIs` without IP targets: at least `(warm_target + 1) × max_ips_per_eni`
    /// addresses available, so that freeing one ENI keeps the warm target.
    pub fn should_remove_extra_enis(
        available: u32,
        warm_target: u32,
        max_ips_per_eni: u32,
    ) -> bool {
        available >= (warm_target + 1) * max_ips_per_eni
    }

    /// Prefixes to allocate (`getPrefixesNeeded`): at least one; IP targets win over the
    /// warm-prefix target.
    pub fn prefixes_needed(
        ip_targets_short_prefixes: Option<u32>,
        warm_prefix: u32,
        free_prefixes: u32,
    ) -> u32 {
        match ip_targets_short_prefixes {
            Some(short) => short.max(1),
            None => warm_prefix.saturating_sub(free_prefixes).max(1),
        }
    }

    /// Addresses (or prefixes) to request on an existing ENI with `current` of `max`:
    /// `min(max − current, wanted)`.
    pub fn to_allocate_on_eni(max: u32, current: u32, wanted: u32) -> u32 {
        max.saturating_sub(current).min(wanted)
    }

    /// What [`deletable_eni`] needs to know about one ENI.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
    pub struct EniFacts {
        /// The primary ENI (never freed).
        pub primary: bool,
        /// Seconds since it was added.
        pub age: i64,
        /// Some free address is in pod cooldown.
        pub cooling: bool,
        /// Addresses held by pods.
        pub pods: u32,
        /// Addresses in its pool (secondary IPs or prefixes × 16).
        pub addresses: u32,
        /// Prefixes on it.
        pub prefixes: u32,
        /// Prefixes with no pod.
        pub free_prefixes: u32,
    }

    /// The targets an ENI might be required for (`getDeletableENI`).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
    pub struct Keep {
        /// `WARM_IP_TARGET` (0 = unset).
        pub warm_ip: u32,
        /// `MINIMUM_IP_TARGET` (0 = unset).
        pub min_ip: u32,
        /// `Some(WARM_PREFIX_TARGET)` under prefix delegation.
        pub warm_prefix: Option<u32>,
    }

    /// The ENI to free (`getDeletableENI`): not primary, at least `min_life` old, no cooling
    /// address, no pod, and the others still meet each set target without it. Candidates are
    /// tried from the last one (highest device index) back. Under prefix delegation the IP
    /// targets are counted in prefixes (free prefixes for WARM_IP, prefixes for MINIMUM_IP).
    pub fn deletable_eni(enis: &[EniFacts], keep: Keep, min_life: i64) -> Option<usize> {
        let per = ADDRESSES_PER_PREFIX as i64;
        let pd = keep.warm_prefix.is_some();
        (0..enis.len()).rev().find(|&i| {
            let e = &enis[i];
            if e.primary || e.age < min_life || e.cooling || e.pods > 0 {
                return false;
            }
            let others = enis
                .iter()
                .enumerate()
                .filter(|&(j, _)| j != i)
                .map(|(_, o)| o);
            let (mut warm, mut all, mut free_pfx) = (0i64, 0i64, 0i64);
            for o in others {
                if pd {
                    warm += o.free_prefixes as i64;
                    all += o.prefixes as i64;
                } else {
                    warm += o.addresses as i64 - o.pods as i64;
                    all += o.addresses as i64;
                }
                free_pfx += o.free_prefixes as i64;
            }
            let (need_warm, need_min) = if pd {
                (
                    div_ceil(keep.warm_ip as i64, per),
                    div_ceil(keep.min_ip as i64, per),
                )
            } else {
                (keep.warm_ip as i64, keep.min_ip as i64)
            };
            if keep.warm_ip != 0 && warm < need_warm {
                return false;
            }
            if keep.min_ip != 0 && all < need_min {
                return false;
            }
            if let Some(wp) = keep.warm_prefix
                && free_pfx < wp as i64
            {
                return false;
            }
            true
        })
    }
}

#[derive(Debug, Clone)]
struct Slot {
    ip: Ipv4Addr,
    pod: bool,
    cool_until: Time,
}

impl Slot {
    fn new(ip: Ipv4Addr) -> Self {
        Slot {
            ip,
            pod: false,
            cool_until: Time::MIN,
        }
    }
    fn usable(&self, now: Time) -> bool {
        !self.pod && self.cool_until <= now
    }
}

/// A secondary address (`prefix` None, one slot) or a delegated prefix (16 slots).
#[derive(Debug, Clone)]
struct Cidr {
    prefix: Option<Prefix4>,
    slots: Vec<Slot>,
}

impl Cidr {
    fn ip(ip: Ipv4Addr) -> Self {
        Cidr {
            prefix: None,
            slots: vec![Slot::new(ip)],
        }
    }
    fn prefix(p: Prefix4) -> Self {
        let base = u32::from(p.base);
        Cidr {
            prefix: Some(p),
            slots: (0..p.size())
                .map(|i| Slot::new(Ipv4Addr::from(base + i)))
                .collect(),
        }
    }
    fn pods(&self) -> u32 {
        self.slots.iter().filter(|s| s.pod).count() as u32
    }
}

#[derive(Debug, Clone)]
struct Eni {
    id: String,
    device_index: u32,
    subnet_id: String,
    primary_ip: Ipv4Addr,
    attachment_id: Option<String>,
    added_at: Time,
    cidrs: Vec<Cidr>,
}

impl Eni {
    fn addresses(&self) -> u32 {
        self.cidrs.iter().map(|c| c.slots.len() as u32).sum()
    }
    fn pods(&self) -> u32 {
        self.cidrs.iter().map(Cidr::pods).sum()
    }
    fn cooling(&self, now: Time) -> bool {
        self.cidrs
            .iter()
            .flat_map(|c| &c.slots)
            .any(|s| !s.pod && s.cool_until > now)
    }
}

#[derive(Debug, Clone)]
enum PendingOp {
    Detach {
        eni_id: String,
        attachment_id: String,
    },
    Delete {
        eni_id: String,
    },
}

#[derive(Debug, Clone)]
struct Pending {
    at: Time,
    tries: u32,
    op: PendingOp,
}

/// One node's ipamd. See the module documentation for what it does.
#[derive(Debug, Clone)]
pub struct Ipamd {
    instance_id: String,
    subnet_id: String,
    limits: &'static InstanceLimits,
    config: PoolConfig,
    max_pods: u32,
    max_enis: u32,
    attempts: u32,
    /// Sorted by device index; index 0 is the primary ENI.
    enis: Vec<Eni>,
    started: bool,
    next_pass: Time,
    last_decrease: Option<Time>,
    exhausted_at: Option<Time>,
    pending: Vec<Pending>,
}

fn sdk<T>(
    attempts: u32,
    ec2: &mut dyn Ec2,
    ctx: &CallCtx,
    mut f: impl FnMut(&mut dyn Ec2, &CallCtx) -> Result<T, ApiError>,
) -> Result<T, ApiError> {
    let mut n = 0;
    loop {
        n += 1;
        match f(ec2, ctx) {
            Err(ApiError::RequestLimitExceeded) if n < attempts => {}
            r => return r,
        }
    }
}

/// `2024-05-01T12:00:00Z` for the `createdAt` tag (no date crate: days-from-civil inverse).
pub fn rfc3339(t: Time) -> String {
    let days = t.div_euclid(86_400);
    let secs = t.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + if m <= 2 { 1 } else { 0 };
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

impl Ipamd {
    /// ipamd for `instance_id` of `instance_type`, whose primary ENI (in `subnet_id`) is
    /// `primary_eni`. Nothing is called until the first [`Ipamd::tick`].
    pub fn new(
        instance_id: &str,
        instance_type: &str,
        subnet_id: &str,
        primary_eni: &EniInfo,
        config: PoolConfig,
    ) -> Result<Ipamd, ConfigError> {
        let limits = limits(instance_type)
            .ok_or_else(|| ConfigError::UnknownInstanceType(instance_type.into()))?;
        let pd = matches!(config.mode, PoolMode::Prefix { .. });
        if pd && !limits.hypervisor_nitro {
            return Err(ConfigError::PrefixNeedsNitro(instance_type.into()));
        }
        let max_enis = match config.max_eni {
            Some(m) if m >= 1 => m.min(limits.max_enis),
            _ => limits.max_enis,
        };
        let max_pods = config.max_pods.unwrap_or(if pd {
            (limits.max_enis * limits.max_prefixes_per_eni() * ADDRESSES_PER_PREFIX + 2).min(110)
        } else {
            limits.max_pods
        });
        let v = config.cni_version;
        let attempts = config
            .sdk_max_attempts
            .unwrap_or(if v < CniVersion::new(1, 8, 0) {
                4
            } else if v < CniVersion::new(1, 20, 0) {
                11
            } else {
                3
            });
        // With custom networking the primary ENI's addresses are not the pool's.
        let cidrs = if config.custom_networking.is_some() {
            Vec::new()
        } else {
            primary_eni
                .secondary_ips
                .iter()
                .map(|&ip| Cidr::ip(ip))
                .chain(primary_eni.prefixes.iter().map(|&p| Cidr::prefix(p)))
                .collect()
        };
        let primary = Eni {
            id: primary_eni.eni_id.clone(),
            device_index: 0,
            subnet_id: primary_eni.subnet_id.clone(),
            primary_ip: primary_eni.primary_ip,
            attachment_id: None,
            added_at: Time::MIN / 2,
            cidrs,
        };
        Ok(Ipamd {
            instance_id: instance_id.into(),
            subnet_id: subnet_id.into(),
            limits,
            config,
            max_pods,
            max_enis,
            attempts,
            enis: vec![primary],
            started: false,
            next_pass: 0,
            last_decrease: None,
            exhausted_at: None,
            pending: Vec::new(),
        })
    }

    /// The node.
    pub fn instance_id(&self) -> &str {
        &self.instance_id
    }

    /// The instance type's limits.
    pub fn limits(&self) -> &'static InstanceLimits {
        self.limits
    }

    /// The configuration.
    pub fn config(&self) -> &PoolConfig {
        &self.config
    }

    /// The node's max pods (the pool stops growing at this many addresses).
    pub fn max_pods(&self) -> u32 {
        self.max_pods
    }

    /// ENIs usable by ipamd: `min(ENI limit, MAX_ENI)`.
    pub fn max_enis(&self) -> u32 {
        self.max_enis
    }

    /// Whether the start-up calls have succeeded.
    pub fn started(&self) -> bool {
        self.started
    }

    fn pd(&self) -> bool {
        matches!(self.config.mode, PoolMode::Prefix { .. })
    }

    /// Pod addresses per ENI: secondary IPs, or prefixes × 16.
    pub fn max_ips_per_eni(&self) -> u32 {
        if self.pd() {
            self.limits.max_prefixes_per_eni() * ADDRESSES_PER_PREFIX
        } else {
            self.limits.max_ips_per_eni()
        }
    }

    /// Cidrs (addresses or prefixes) one ENI can hold.
    fn max_cidrs_per_eni(&self) -> u32 {
        self.limits.max_ips_per_eni()
    }

    /// The ENIs in the datastore, by device index (an ENI being detached is no longer here).
    pub fn enis(&self) -> Vec<EniView> {
        self.enis
            .iter()
            .map(|e| EniView {
                eni_id: e.id.clone(),
                device_index: e.device_index,
                subnet_id: e.subnet_id.clone(),
                primary_ip: e.primary_ip,
                ips: e
                    .cidrs
                    .iter()
                    .filter(|c| c.prefix.is_none())
                    .map(|c| c.slots[0].ip)
                    .collect(),
                prefixes: e.cidrs.iter().filter_map(|c| c.prefix).collect(),
                added_at: e.added_at,
            })
            .collect()
    }

    /// ENIs removed from the datastore whose Detach or Delete is still to come.
    pub fn enis_in_teardown(&self) -> Vec<String> {
        self.pending
            .iter()
            .map(|p| match &p.op {
                PendingOp::Detach { eni_id, .. } | PendingOp::Delete { eni_id } => eni_id.clone(),
            })
            .collect()
    }

    /// Datastore counts at `now` (cooling depends on the time).
    pub fn stats(&self, now: Time) -> PoolStats {
        let mut s = PoolStats::default();
        for c in self.enis.iter().flat_map(|e| &e.cidrs) {
            s.total += c.slots.len() as u32;
            let pods = c.pods();
            s.assigned += pods;
            s.cooling += c
                .slots
                .iter()
                .filter(|x| !x.pod && x.cool_until > now)
                .count() as u32;
            if c.prefix.is_some() {
                s.total_prefixes += 1;
                if pods == 0 {
                    s.free_prefixes += 1;
                }
            }
        }
        s
    }

    /// Addresses in the pool (`TotalIPs`).
    pub fn total_ips(&self) -> u32 {
        self.enis.iter().map(Eni::addresses).sum()
    }

    /// Addresses held by pods (`AssignedIPs`).
    pub fn assigned_ips(&self) -> u32 {
        self.enis.iter().map(Eni::pods).sum()
    }

    /// `TotalIPs − AssignedIPs` (cooling addresses included).
    pub fn available(&self) -> u32 {
        self.total_ips() - self.assigned_ips()
    }

    /// Every address the node's ENIs hold: each ENI's primary plus the pool.
    pub fn addresses_held(&self) -> u32 {
        self.enis.len() as u32 + self.total_ips()
    }

    /// Addresses currently held by pods.
    pub fn pod_ips(&self) -> Vec<Ipv4Addr> {
        self.enis
            .iter()
            .flat_map(|e| &e.cidrs)
            .flat_map(|c| &c.slots)
            .filter(|s| s.pod)
            .map(|s| s.ip)
            .collect()
    }

    /// A pod starts: it gets the lowest free, non-cooling address on the lowest ENI, or `None`
    /// if there is none (the pod stays pending; the pool grows on a later pass).
    pub fn add_pod(&mut self, now: Time) -> Option<Ipv4Addr> {
        let slot = self
            .enis
            .iter_mut()
            .flat_map(|e| &mut e.cidrs)
            .flat_map(|c| &mut c.slots)
            .find(|s| s.usable(now))?;
        slot.pod = true;
        Some(slot.ip)
    }

    /// A pod with `ip` is gone: the address cools down for `ip_cooldown`. False if no pod had it.
    pub fn remove_pod(&mut self, now: Time, ip: Ipv4Addr) -> bool {
        let cooldown = self.config.ip_cooldown;
        match self
            .enis
            .iter_mut()
            .flat_map(|e| &mut e.cidrs)
            .flat_map(|c| &mut c.slots)
            .find(|s| s.ip == ip && s.pod)
        {
            Some(s) => {
                s.pod = false;
                s.cool_until = now + cooldown;
                true
            }
            None => false,
        }
    }

    fn ctx(&self, now: Time) -> CallCtx {
        CallCtx {
            time: now,
            caller: Caller::Cni {
                instance_id: self.instance_id.clone(),
                version: self.config.cni_version,
                identity: self.config.identity,
            },
        }
    }

    /// Tags ipamd puts on ENIs; `created_at` only on the ENIs it creates.
    fn tags(&self, created_at: Option<Time>) -> Vec<(String, String)> {
        let mut t = vec![(
            "node.k8s.amazonaws.com/instance_id".to_string(),
            self.instance_id.clone(),
        )];
        if let Some(c) = created_at {
            t.push(("node.k8s.amazonaws.com/createdAt".into(), rfc3339(c)));
        }
        if let Some(name) = &self.config.cluster_name {
            t.push(("cluster.k8s.amazonaws.com/name".into(), name.clone()));
            if self.config.cni_version >= CniVersion::new(1, 20, 0) {
                t.push(("eks:eni:owner".into(), "amazon-vpc-cni".into()));
            }
        }
        t
    }

    /// Advance to `now`: start-up calls on the first tick, pending detach/delete, and a pool pass
    /// when one is due. Call once per simulated second.
    pub fn tick(&mut self, now: Time, ec2: &mut dyn Ec2) {
        if !self.started {
            if !self.start(now, ec2) {
                return;
            }
            self.started = true;
            self.next_pass = now + FIRST_PASS_DELAY;
        }
        self.run_pending(now, ec2);
        if now >= self.next_pass {
            self.next_pass = now + POOL_PERIOD;
            self.pool_pass(now, ec2);
        }
    }

    /// `nodeInit`: describe the attached ENIs, tag the primary. A failure means aws-node
    /// restarts: try again on the next tick.
    fn start(&mut self, now: Time, ec2: &mut dyn Ec2) -> bool {
        let ctx = self.ctx(now);
        let ids: Vec<String> = self.enis.iter().map(|e| e.id.clone()).collect();
        if sdk(self.attempts, ec2, &ctx, |ec2, ctx| {
            ec2.describe_network_interfaces(ctx, &ids)
        })
        .is_err()
        {
            return false;
        }
        let tags = self.tags(None);
        let primary = vec![self.enis[0].id.clone()];
        sdk(self.attempts, ec2, &ctx, |ec2, ctx| {
            ec2.create_tags(ctx, &primary, &tags)
        })
        .is_ok()
    }

    fn run_pending(&mut self, now: Time, ec2: &mut dyn Ec2) {
        let due: Vec<Pending>;
        (due, self.pending) = std::mem::take(&mut self.pending)
            .into_iter()
            .partition(|p| p.at <= now);
        for mut p in due {
            let ctx = self.ctx(now);
            let r = match &p.op {
                PendingOp::Detach { attachment_id, .. } => {
                    sdk(self.attempts, ec2, &ctx, |ec2, ctx| {
                        ec2.detach_network_interface(ctx, attachment_id)
                    })
                }
                PendingOp::Delete { eni_id } => {
                    match sdk(self.attempts, ec2, &ctx, |ec2, ctx| {
                        ec2.delete_network_interface(ctx, eni_id)
                    }) {
                        Err(ApiError::InvalidNetworkInterfaceIdNotFound) => Ok(()),
                        r => r,
                    }
                }
            };
            p.tries += 1;
            match (r, p.op) {
                (Ok(()), PendingOp::Detach { eni_id, .. }) => self.pending.push(Pending {
                    at: now + DELETE_AFTER_DETACH,
                    tries: 0,
                    op: PendingOp::Delete { eni_id },
                }),
                (Ok(()), PendingOp::Delete { .. }) => {}
                // Given up: the ENI leaks (the leaked-ENI scan is not modelled).
                (Err(_), _) if p.tries >= ENI_OP_TRIES => {}
                (Err(_), op) => self.pending.push(Pending {
                    at: now + 1,
                    tries: p.tries,
                    op,
                }),
            }
        }
    }

    fn ip_targets(&self) -> Option<(u32, u32)> {
        match self.config.mode {
            PoolMode::WarmIp {
                warm_ip_target: w,
                minimum_ip_target: m,
            }
            | PoolMode::Prefix {
                warm_ip_target: w,
                minimum_ip_target: m,
                ..
            } if w > 0 || m > 0 => Some((w, m)),
            _ => None,
        }
    }

    /// `datastoreTargetState`: `(short, over)` in addresses, or prefixes under PD; None when no
    /// IP target is set.
    fn target_state(&self, s: &PoolStats) -> Option<(u32, u32)> {
        let (w, m) = self.ip_targets()?;
        Some(if self.pd() {
            math::prefix_ip_short_over(w, m, s.total_prefixes, s.free_prefixes, s.assigned)
        } else {
            math::warm_ip_short_over(w, m, s.total, s.assigned)
        })
    }

    /// The warm target and the chunk it is counted in, for the modes without IP targets.
    fn warm_target(&self) -> (u32, u32) {
        match self.config.mode {
            PoolMode::WarmEni { warm_eni_target } => (warm_eni_target, self.max_ips_per_eni()),
            PoolMode::Prefix {
                warm_prefix_target, ..
            } => (warm_prefix_target, ADDRESSES_PER_PREFIX),
            // Neither IP target set: WARM_ENI_TARGET keeps its default.
            PoolMode::WarmIp { .. } => (1, self.max_ips_per_eni()),
        }
    }

    fn too_low(&self, s: &PoolStats) -> bool {
        if s.total >= self.max_pods {
            return false;
        }
        if let Some((short, _)) = self.target_state(s) {
            return short > 0;
        }
        let (target, chunk) = self.warm_target();
        math::warm_target_too_low(s.available(), chunk, target)
    }

    fn too_high(&self, s: &PoolStats) -> bool {
        if let Some((_, over)) = self.target_state(s) {
            return over > 0;
        }
        match self.config.mode {
            PoolMode::Prefix {
                warm_prefix_target, ..
            } => s.free_prefixes > warm_prefix_target,
            _ => false,
        }
    }

    fn should_remove_extra_enis(&self, s: &PoolStats) -> bool {
        if self.ip_targets().is_some() {
            return true;
        }
        let (target, _) = self.warm_target();
        math::should_remove_extra_enis(s.available(), target, self.max_ips_per_eni())
    }

    /// `updateIPPoolIfRequired`.
    fn pool_pass(&mut self, now: Time, ec2: &mut dyn Ec2) {
        let s = self.stats(now);
        if self.too_low(&s) {
            self.increase(now, ec2);
        } else if self.too_high(&s) {
            self.decrease(now, ec2);
        }
        let s = self.stats(now);
        if self.should_remove_extra_enis(&s) {
            self.try_free_eni(now, ec2);
        }
    }

    /// Cidrs (addresses or prefixes) to request: on an existing ENI, or for a new one.
    fn wanted(&self, s: &PoolStats) -> u32 {
        let target = self.target_state(s);
        if self.pd() {
            let warm_prefix = match self.config.mode {
                PoolMode::Prefix {
                    warm_prefix_target, ..
                } => warm_prefix_target,
                _ => 0,
            };
            math::prefixes_needed(target.map(|t| t.0), warm_prefix, s.free_prefixes)
        } else {
            match target {
                Some((short, _)) => short,
                None => self.max_cidrs_per_eni(),
            }
        }
    }

    /// `increaseDatastorePool`.
    fn increase(&mut self, now: Time, ec2: &mut dyn Ec2) {
        if self
            .exhausted_at
            .is_some_and(|t| now - t < EXHAUSTION_COOLDOWN)
        {
            return;
        }
        match self.try_assign(now, ec2) {
            Ok(true) => {}
            Err(e) if e.is_exhaustion() => {}
            // Nothing to fill, or the assign failed otherwise (throttled included, as in the
            // CNI): try a new ENI.
            Ok(false) | Err(_) => {
                if (self.enis.len() as u32) < self.max_enis {
                    self.try_allocate_eni(now, ec2);
                }
            }
        }
    }

    /// `tryAssignIPs` / `tryAssignPrefixes`: fill the first ENI with room. Ok(false) when none
    /// has room or no address is wanted.
    fn try_assign(&mut self, now: Time, ec2: &mut dyn Ec2) -> Result<bool, ApiError> {
        let s = self.stats(now);
        if !self.pd() && self.target_state(&s).is_some_and(|t| t.0 == 0) {
            return Ok(false);
        }
        let wanted = self.wanted(&s);
        let max = self.max_cidrs_per_eni();
        let skip_primary = self.config.custom_networking.is_some();
        let Some(i) = self
            .enis
            .iter()
            .position(|e| !(skip_primary && e.device_index == 0) && (e.cidrs.len() as u32) < max)
        else {
            return Ok(false);
        };
        let n = math::to_allocate_on_eni(max, self.enis[i].cidrs.len() as u32, wanted);
        let cidrs = self.assign(now, ec2, i, n).or_else(|e| match e {
            ApiError::RequestLimitExceeded => Err(e),
            ApiError::PrivateIpAddressLimitExceeded => {
                // Resync: see what EC2 really has (our datastore is always in sync).
                let ctx = self.ctx(now);
                let ids = vec![self.enis[i].id.clone()];
                let _ = sdk(self.attempts, ec2, &ctx, |ec2, ctx| {
                    ec2.describe_network_interfaces(ctx, &ids)
                });
                Err(e)
            }
            _ => self.assign(now, ec2, i, 1).inspect_err(|e2| {
                if e2.is_exhaustion() {
                    self.exhausted_at = Some(now);
                }
            }),
        })?;
        self.enis[i].cidrs.extend(cidrs);
        Ok(true)
    }

    /// One AssignPrivateIpAddresses of `n` addresses or prefixes on ENI `i`.
    fn assign(
        &self,
        now: Time,
        ec2: &mut dyn Ec2,
        i: usize,
        n: u32,
    ) -> Result<Vec<Cidr>, ApiError> {
        let ctx = self.ctx(now);
        let id = &self.enis[i].id;
        if self.pd() {
            sdk(self.attempts, ec2, &ctx, |ec2, ctx| {
                ec2.assign_prefixes(ctx, id, n)
            })
            .map(|v| v.into_iter().map(Cidr::prefix).collect())
        } else {
            sdk(self.attempts, ec2, &ctx, |ec2, ctx| {
                ec2.assign_private_ips(ctx, id, n)
            })
            .map(|v| v.into_iter().map(Cidr::ip).collect())
        }
    }

    fn free_device_index(&self) -> u32 {
        let used: Vec<u32> = self.enis.iter().map(|e| e.device_index).collect();
        (1..).find(|d| !used.contains(d)).unwrap_or(1)
    }

    /// `tryAllocateENI` / `AllocENI`: the per-version sequence.
    fn try_allocate_eni(&mut self, now: Time, ec2: &mut dyn Ec2) {
        let s = self.stats(now);
        let n = self.wanted(&s).clamp(1, self.max_cidrs_per_eni());
        let v = self.config.cni_version;
        let pd = self.pd();
        let ctx = self.ctx(now);
        let at = self.attempts;
        let req = CreateEni {
            subnet_id: self
                .config
                .custom_networking
                .clone()
                .unwrap_or_else(|| self.subnet_id.clone()),
            description: format!("aws-K8S-{}", self.instance_id),
            tags: if v.tags_after_create() {
                Vec::new()
            } else {
                self.tags(Some(now))
            },
            secondary_count: (v.addresses_in_create() && !pd).then_some(n),
            prefix_count: (v.addresses_in_create() && pd).then_some(n),
        };
        let info = match sdk(at, ec2, &ctx, |ec2, ctx| {
            ec2.create_network_interface(ctx, &req)
        }) {
            Ok(info) => info,
            Err(e) => {
                if e.is_exhaustion() {
                    self.exhausted_at = Some(now);
                }
                return;
            }
        };
        let eni_id = info.eni_id.clone();
        if v.tags_after_create() {
            // A tagging failure is logged and ignored by ipamd.
            let tags = self.tags(Some(now));
            let _ = sdk(at, ec2, &ctx, |ec2, ctx| {
                ec2.create_tags(ctx, std::slice::from_ref(&eni_id), &tags)
            });
        }
        let device_index = self.free_device_index();
        let card = v.sends_network_card_index().then_some(0);
        let attached = sdk(at, ec2, &ctx, |ec2, ctx| {
            ec2.describe_instances(ctx, &self.instance_id)
        })
        .and_then(|()| {
            sdk(at, ec2, &ctx, |ec2, ctx| {
                ec2.attach_network_interface(ctx, &eni_id, &self.instance_id, device_index, card)
            })
        });
        let attachment_id = match attached {
            Ok(a) => a,
            Err(_) => {
                // Attach failed: delete the new ENI at once.
                self.delete_now(now, ec2, eni_id);
                return;
            }
        };
        if sdk(at, ec2, &ctx, |ec2, ctx| {
            ec2.modify_delete_on_termination(ctx, &eni_id, &attachment_id)
        })
        .is_err()
        {
            // AllocENI frees the ENI it could not modify.
            self.free_sequence(now, ec2, eni_id, attachment_id);
            return;
        }
        let mut eni = Eni {
            id: eni_id,
            device_index,
            subnet_id: info.subnet_id.clone(),
            primary_ip: info.primary_ip,
            attachment_id: Some(attachment_id),
            added_at: now,
            cidrs: info
                .secondary_ips
                .iter()
                .map(|&ip| Cidr::ip(ip))
                .chain(info.prefixes.iter().map(|&p| Cidr::prefix(p)))
                .collect(),
        };
        if !v.addresses_in_create() {
            let got = if pd {
                sdk(at, ec2, &ctx, |ec2, ctx| {
                    ec2.assign_prefixes(ctx, &eni.id, n)
                })
                .map(|v| v.into_iter().map(Cidr::prefix).collect::<Vec<_>>())
            } else {
                sdk(at, ec2, &ctx, |ec2, ctx| {
                    ec2.assign_private_ips(ctx, &eni.id, n)
                })
                .map(|v| v.into_iter().map(Cidr::ip).collect())
            };
            // On failure the ENI stays, empty; later passes fill it.
            match got {
                Ok(c) => eni.cidrs.extend(c),
                Err(e) if e.is_exhaustion() => self.exhausted_at = Some(now),
                Err(_) => {}
            }
        }
        self.enis.push(eni);
        self.enis.sort_by_key(|e| e.device_index);
    }

    fn delete_now(&mut self, now: Time, ec2: &mut dyn Ec2, eni_id: String) {
        self.pending.push(Pending {
            at: now,
            tries: 0,
            op: PendingOp::Delete { eni_id },
        });
        self.run_pending(now, ec2);
    }

    /// `freeENI`: DescribeNetworkInterfaces for the attachment, Detach now, Delete 2 s later.
    /// False if the describe failed (nothing changed).
    fn free_sequence(
        &mut self,
        now: Time,
        ec2: &mut dyn Ec2,
        eni_id: String,
        attachment_id: String,
    ) -> bool {
        let ctx = self.ctx(now);
        let ids = vec![eni_id.clone()];
        if sdk(self.attempts, ec2, &ctx, |ec2, ctx| {
            ec2.describe_network_interfaces(ctx, &ids)
        })
        .is_err()
        {
            return false;
        }
        self.pending.push(Pending {
            at: now,
            tries: 0,
            op: PendingOp::Detach {
                eni_id,
                attachment_id,
            },
        });
        self.run_pending(now, ec2);
        true
    }

    /// `tryFreeENI`: free at most one deletable ENI.
    fn try_free_eni(&mut self, now: Time, ec2: &mut dyn Ec2) {
        let keep = match self.config.mode {
            PoolMode::Prefix {
                warm_prefix_target,
                warm_ip_target,
                minimum_ip_target,
            } => math::Keep {
                warm_ip: warm_ip_target,
                min_ip: minimum_ip_target,
                warm_prefix: Some(if self.ip_targets().is_some() {
                    0
                } else {
                    warm_prefix_target
                }),
            },
            PoolMode::WarmIp {
                warm_ip_target,
                minimum_ip_target,
            } => math::Keep {
                warm_ip: warm_ip_target,
                min_ip: minimum_ip_target,
                warm_prefix: None,
            },
            PoolMode::WarmEni { .. } => math::Keep::default(),
        };
        let facts: Vec<math::EniFacts> = self
            .enis
            .iter()
            .map(|e| math::EniFacts {
                primary: e.device_index == 0,
                age: now - e.added_at,
                cooling: e.cooling(now),
                pods: e.pods(),
                addresses: e.addresses(),
                prefixes: e.cidrs.iter().filter(|c| c.prefix.is_some()).count() as u32,
                free_prefixes: e
                    .cidrs
                    .iter()
                    .filter(|c| c.prefix.is_some() && c.pods() == 0)
                    .count() as u32,
            })
            .collect();
        let Some(i) = math::deletable_eni(&facts, keep, MIN_ENI_LIFETIME) else {
            return;
        };
        let eni = self.enis.remove(i);
        let attachment = eni.attachment_id.clone().unwrap_or_default();
        if !self.free_sequence(now, ec2, eni.id.clone(), attachment) {
            // Nothing happened: keep it and try again on a later pass.
            self.enis.insert(i, eni);
        }
    }

    /// `decreaseDatastorePool`: unassign what is over the target, ENI by ENI, at most every 30 s.
    fn decrease(&mut self, now: Time, ec2: &mut dyn Ec2) {
        if self
            .last_decrease
            .is_some_and(|t| now - t <= DECREASE_INTERVAL)
        {
            return;
        }
        self.last_decrease = Some(now);
        let s = self.stats(now);
        let mut over = match self.target_state(&s) {
            Some((_, over)) => over,
            None => match self.config.mode {
                PoolMode::Prefix {
                    warm_prefix_target, ..
                } => s.free_prefixes.saturating_sub(warm_prefix_target),
                _ => 0,
            },
        };
        let ctx = self.ctx(now);
        for i in (0..self.enis.len()).rev() {
            if over == 0 {
                break;
            }
            // Cidrs with no pod (cooling ones included), last added first.
            let free: Vec<usize> = (0..self.enis[i].cidrs.len())
                .rev()
                .filter(|&c| self.enis[i].cidrs[c].pods() == 0)
                .take(over as usize)
                .collect();
            if free.is_empty() {
                continue;
            }
            let eni = &self.enis[i];
            let r = if self.pd() {
                let p: Vec<Prefix4> = free.iter().filter_map(|&c| eni.cidrs[c].prefix).collect();
                sdk(self.attempts, ec2, &ctx, |ec2, ctx| {
                    ec2.unassign_prefixes(ctx, &eni.id, &p)
                })
            } else {
                let ips: Vec<Ipv4Addr> = free.iter().map(|&c| eni.cidrs[c].slots[0].ip).collect();
                sdk(self.attempts, ec2, &ctx, |ec2, ctx| {
                    ec2.unassign_private_ips(ctx, &eni.id, &ips)
                })
            };
            if r.is_ok() {
                // `free` is in descending order, so removing in turn keeps the indices valid.
                for &c in &free {
                    self.enis[i].cidrs.remove(c);
                }
                over -= free.len() as u32;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::math::*;
    use super::rfc3339;

    #[test]
    fn warm_ip_formula() {
        // t3.small WARM_IP=2 MIN=5, empty node: short 5.
        assert_eq!(warm_ip_short_over(2, 5, 0, 0), (5, 0));
        assert_eq!(warm_ip_short_over(2, 5, 3, 0), (2, 0));
        assert_eq!(warm_ip_short_over(2, 5, 5, 0), (0, 0));
        // 5 pods on 7: exactly 2 warm.
        assert_eq!(warm_ip_short_over(2, 5, 7, 5), (0, 0));
        // All pods gone from 7: over = min(7 − 2, 7 − 5) = 2.
        assert_eq!(warm_ip_short_over(2, 5, 7, 0), (0, 2));
        // MINIMUM without WARM: pool stays at MINIMUM.
        assert_eq!(warm_ip_short_over(0, 4, 4, 0), (0, 0));
        assert_eq!(warm_ip_short_over(0, 4, 6, 0), (0, 2));
    }

    #[test]
    fn prefix_ip_formula() {
        // WARM_IP=5, MIN=10, no prefixes: 10 short ⇒ 1 prefix.
        assert_eq!(prefix_ip_short_over(5, 10, 0, 0, 0), (1, 0));
        // 1 pod, WARM_IP=16: needs 2 prefixes; 2 held, 1 free: nothing over.
        assert_eq!(prefix_ip_short_over(16, 0, 2, 1, 1), (0, 0));
        // 3 free prefixes, nothing assigned, WARM_IP=5 MIN=10 ⇒ keep 1.
        assert_eq!(prefix_ip_short_over(5, 10, 3, 3, 0), (0, 2));
        // MIN 33 behaves like 48: keep 3.
        assert_eq!(prefix_ip_short_over(1, 33, 4, 4, 0), (0, 1));
    }

    #[test]
    fn warm_eni_too_low_table() {
        // t3.small: 3 per ENI.
        assert!(warm_target_too_low(0, 3, 1));
        assert!(!warm_target_too_low(3, 3, 1));
        assert!(warm_target_too_low(2, 3, 1));
        assert!(warm_target_too_low(0, 3, 0));
        assert!(!warm_target_too_low(1, 3, 0));
        // p3dn 3 pods on 49: too low; on 98: not.
        assert!(warm_target_too_low(46, 49, 1));
        assert!(!warm_target_too_low(95, 49, 1));
        // Prefix: 15 available < 16.
        assert!(warm_target_too_low(15, 16, 1));
    }

    #[test]
    fn remove_extra_and_allocation() {
        assert!(should_remove_extra_enis(6, 1, 3));
        assert!(!should_remove_extra_enis(5, 1, 3));
        assert_eq!(prefixes_needed(None, 1, 0), 1);
        assert_eq!(prefixes_needed(None, 3, 1), 2);
        assert_eq!(prefixes_needed(None, 0, 0), 1);
        assert_eq!(prefixes_needed(Some(0), 5, 0), 1);
        assert_eq!(prefixes_needed(Some(4), 5, 0), 4);
        assert_eq!(to_allocate_on_eni(3, 1, 5), 2);
        assert_eq!(to_allocate_on_eni(49, 10, 5), 5);
    }

    #[test]
    fn deletable_rules() {
        let old = |pods, addresses| EniFacts {
            age: 120,
            pods,
            addresses,
            ..Default::default()
        };
        let primary = EniFacts {
            primary: true,
            age: 1000,
            pods: 3,
            addresses: 3,
            ..Default::default()
        };
        // Mode A: the empty old ENI goes, the last one first.
        assert_eq!(
            deletable_eni(&[primary, old(0, 3), old(0, 3)], Keep::default(), 60),
            Some(2)
        );
        // Too young.
        let young = EniFacts {
            age: 59,
            ..old(0, 3)
        };
        assert_eq!(deletable_eni(&[primary, young], Keep::default(), 60), None);
        // Cooling address or pods.
        let cooling = EniFacts {
            cooling: true,
            ..old(0, 3)
        };
        assert_eq!(
            deletable_eni(&[primary, cooling, old(1, 3)], Keep::default(), 60),
            None
        );
        // Mode B: needed for WARM_IP (others have 0 warm) or MINIMUM.
        let keep = Keep {
            warm_ip: 2,
            min_ip: 0,
            warm_prefix: None,
        };
        assert_eq!(deletable_eni(&[primary, old(0, 2)], keep, 60), None);
        let p2 = EniFacts {
            addresses: 5,
            ..primary
        };
        assert_eq!(deletable_eni(&[p2, old(0, 2)], keep, 60), Some(1));
        let keep = Keep {
            warm_ip: 2,
            min_ip: 7,
            warm_prefix: None,
        };
        assert_eq!(deletable_eni(&[p2, old(0, 2)], keep, 60), None);
        // PD: required for WARM_PREFIX when the others have too few free prefixes.
        let keep = Keep {
            warm_prefix: Some(1),
            ..Default::default()
        };
        let p = EniFacts {
            primary: true,
            age: 1000,
            pods: 48,
            addresses: 48,
            prefixes: 3,
            ..Default::default()
        };
        let e = EniFacts {
            age: 100,
            addresses: 16,
            prefixes: 1,
            free_prefixes: 1,
            ..Default::default()
        };
        assert_eq!(deletable_eni(&[p, e], keep, 60), None);
        let p = EniFacts {
            free_prefixes: 1,
            pods: 32,
            ..p
        };
        assert_eq!(deletable_eni(&[p, e], keep, 60), Some(1));
    }

    #[test]
    fn rfc3339_dates() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_714_564_800), "2024-05-01T12:00:00Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
    }
}
