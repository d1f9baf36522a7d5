//! CloudTrail records in the shapes a real trail writes (facts §0, §2.1–§2.4, §3, §4), written
//! straight as JSON text without serde, because the benchmark generator must write them at well
//! over 100 MB/s per core.
//!
//! [`Renderer`] turns one EC2 call of the simulation ([`Req`] + its [`Resp`] or [`ApiError`]) into
//! a [`Record`]; [`NoiseGen`] writes the other services' records (S3, STS, KMS, EKS, logs,
//! describes by other tools …) that make up most of a real trail.
//!
//! Shapes follow the fact sheet field by field: set wrappers are `{"items":[…]}` for
//! `groupSet`/`tagSet`/`instancesSet`/…, `{"item":[…]}` for `privateIpAddressesSet`, the
//! type-named `{"assignedPrivateIpAddressSetType":[…]}` for an assign's response, `{}` for empty
//! sets; errors carry `errorCode`/`errorMessage` and `"responseElements":null`, as do read-only
//! calls. Where the sheet marks a wrapper as inferred, [`TrailContext::alt_wrapper_fraction`] can
//! make a share of records use another wrapper key, to keep readers tolerant.

use crate::ec2::{
    ApiError, Caller, CniVersion, CreateEni, IdentityKind, OtherActor, Prefix4, Time,
};
use std::net::Ipv4Addr;
use std::sync::Arc;

// ---------------------------------------------------------------------------------------------
// PRNG, JSON writer, time formatting

/// splitmix64: tiny, fast, and deterministic for a seed (no `rand`, so output never changes with a
/// dependency's version).
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator starting from `seed`.
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    /// A generator for a sub-stream named by `parts`, independent of how much other streams drew.
    pub fn derive(seed: u64, parts: &[u64]) -> Self {
        let mut h = seed ^ 0x6a09_e667_f3bc_c909;
        for p in parts {
            h = mix(h ^ p.wrapping_mul(0x9e37_79b9_7f4a_7c15));
        }
        Rng(h)
    }

    /// The next 64 random bits.
    #[inline]
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        mix(self.0)
    }

    /// Uniform in `0..n` (`n > 0`); multiply-shift, bias negligible at our sizes.
    #[inline]
    pub fn below(&mut self, n: u64) -> u64 {
        ((self.next_u64() as u128 * n as u128) >> 64) as u64
    }

    /// Uniform in `lo..=hi`.
    #[inline]
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.below(hi - lo + 1)
    }

    /// True with probability `p`.
    #[inline]
    pub fn chance(&mut self, p: f64) -> bool {
        p > 0.0 && self.unit() < p
    }

    /// Uniform in `[0, 1)`.
    #[inline]
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// An index into cumulative `weights`.
    pub fn weighted(&mut self, cumulative: &[u32]) -> usize {
        let total = *cumulative.last().expect("weights");
        let x = self.below(total as u64) as u32;
        cumulative.iter().position(|&c| x < c).expect("in range")
    }

    /// One element of a non-empty slice.
    #[inline]
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

/// The splitmix64 finaliser, also used to hash ids into stable per-entity choices.
#[inline]
pub fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A stable 64-bit hash of a string (FNV-1a then mixed), for choices that must not depend on
/// call order, such as a node's NAT address.
pub fn hash_str(s: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.bytes() {
        h = (h ^ b as u64).wrapping_mul(0x100_0000_01b3);
    }
    mix(h)
}

const HEX: &[u8; 16] = b"0123456789abcdef";
const HEX_UP: &[u8; 16] = b"0123456789ABCDEF";
const ALNUM: &[u8; 62] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const UPNUM: &[u8; 36] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Append-only JSON text.
///
/// [`W::q`] writes strings as they are, for the generator's own strings that are known not to
/// need escaping; [`W::qe`] escapes, for anything a caller supplied (descriptions, tags).
#[derive(Debug, Default, Clone)]
pub struct W {
    /// The text so far.
    pub buf: Vec<u8>,
}

impl W {
    /// An empty writer with room for `n` bytes.
    pub fn with_capacity(n: usize) -> Self {
        W {
            buf: Vec::with_capacity(n),
        }
    }

    /// Raw text.
    #[inline]
    pub fn s(&mut self, raw: &str) -> &mut Self {
        self.buf.extend_from_slice(raw.as_bytes());
        self
    }

    /// A quoted string that needs no escaping.
    #[inline]
    pub fn q(&mut self, v: &str) -> &mut Self {
        self.buf.push(b'"');
        self.buf.extend_from_slice(v.as_bytes());
        self.buf.push(b'"');
        self
    }

    /// A quoted string, escaped as JSON requires.
    pub fn qe(&mut self, v: &str) -> &mut Self {
        self.buf.push(b'"');
        for &b in v.as_bytes() {
            match b {
                b'"' => self.buf.extend_from_slice(b"\\\""),
                b'\\' => self.buf.extend_from_slice(b"\\\\"),
                b'\n' => self.buf.extend_from_slice(b"\\n"),
                b'\r' => self.buf.extend_from_slice(b"\\r"),
                b'\t' => self.buf.extend_from_slice(b"\\t"),
                0..=0x1f => {
                    self.buf.extend_from_slice(b"\\u00");
                    self.buf.push(HEX[(b >> 4) as usize]);
                    self.buf.push(HEX[(b & 15) as usize]);
                }
                _ => self.buf.push(b),
            }
        }
        self.buf.push(b'"');
        self
    }

    /// An unsigned number.
    #[inline]
    pub fn n(&mut self, v: u64) -> &mut Self {
        let mut tmp = [0u8; 20];
        let mut i = tmp.len();
        let mut v = v;
        loop {
            i -= 1;
            tmp[i] = b'0' + (v % 10) as u8;
            v /= 10;
            if v == 0 {
                break;
            }
        }
        self.buf.extend_from_slice(&tmp[i..]);
        self
    }

    /// `len` random lower-case hex digits.
    #[inline]
    pub fn hex(&mut self, rng: &mut Rng, len: usize) -> &mut Self {
        self.chars_of(rng, len, HEX)
    }

    /// `len` random upper-case hex digits.
    #[inline]
    pub fn hex_up(&mut self, rng: &mut Rng, len: usize) -> &mut Self {
        self.chars_of(rng, len, HEX_UP)
    }

    /// `len` random letters and digits.
    #[inline]
    pub fn alnum(&mut self, rng: &mut Rng, len: usize) -> &mut Self {
        self.chars_of(rng, len, ALNUM)
    }

    /// The middle of an assumed-role identity, shared by the node role and IRSA: account, access
    /// key, and the session issuer up to its `userName` (the caller closes the object).
    pub fn role_session_issuer(&mut self, rng: &mut Rng, acct: &str, role_id: &str, role: &str) {
        self.s("\",\"accountId\":")
            .q(acct)
            .s(",\"accessKeyId\":\"ASIA")
            .upnum(rng, 16);
        self.s("\",\"sessionContext\":{\"sessionIssuer\":{\"type\":\"Role\",\"principalId\":")
            .q(role_id)
            .s(",\"arn\":\"arn:aws:iam::")
            .s(acct)
            .s(":role/")
            .s(role)
            .s("\",\"accountId\":")
            .q(acct)
            .s(",\"userName\":")
            .q(role);
    }

    /// `len` random upper-case letters and digits (access key ids, role ids).
    #[inline]
    pub fn upnum(&mut self, rng: &mut Rng, len: usize) -> &mut Self {
        self.chars_of(rng, len, UPNUM)
    }

    /// `len` random base64 symbols (session tokens).
    pub fn b64(&mut self, rng: &mut Rng, len: usize) -> &mut Self {
        let mut left = len;
        while left > 0 {
            let mut x = rng.next_u64();
            for _ in 0..left.min(10) {
                self.buf.push(B64[(x & 63) as usize]);
                x >>= 6;
            }
            left -= left.min(10);
        }
        self
    }

    fn chars_of(&mut self, rng: &mut Rng, len: usize, set: &[u8]) -> &mut Self {
        let mut left = len;
        while left > 0 {
            let mut x = rng.next_u64();
            for _ in 0..left.min(8) {
                self.buf
                    .push(set[(((x & 0xff) * set.len() as u64) >> 8) as usize]);
                x >>= 8;
            }
            left -= left.min(8);
        }
        self
    }

    /// A random UUID v4, unquoted.
    pub fn uuid(&mut self, rng: &mut Rng) -> &mut Self {
        let a = (rng.next_u64() & !0xf000) | 0x4000;
        let b = (rng.next_u64() & !(0xc << 60)) | (0x8 << 60);
        let mut bytes = [0u8; 16];
        bytes[..8].copy_from_slice(&a.to_be_bytes());
        bytes[8..].copy_from_slice(&b.to_be_bytes());
        for (i, byte) in bytes.iter().enumerate() {
            if matches!(i, 4 | 6 | 8 | 10) {
                self.buf.push(b'-');
            }
            self.buf.push(HEX[(byte >> 4) as usize]);
            self.buf.push(HEX[(byte & 15) as usize]);
        }
        self
    }

    /// `"2026-11-01T00:00:00Z"`, quoted.
    #[inline]
    pub fn time(&mut self, epoch: Time) -> &mut Self {
        self.buf.push(b'"');
        push_time(&mut self.buf, epoch);
        self.buf.push(b'"');
        self
    }

    /// An IPv4 address, unquoted.
    #[inline]
    pub fn ip(&mut self, a: Ipv4Addr) -> &mut Self {
        let [a, b, c, d] = a.octets();
        self.n(a as u64)
            .s(".")
            .n(b as u64)
            .s(".")
            .n(c as u64)
            .s(".")
            .n(d as u64)
    }

    /// An IPv4 prefix `a.b.c.d/n`, unquoted.
    pub fn prefix(&mut self, p: Prefix4) -> &mut Self {
        self.ip(p.base).s("/").n(p.len as u64)
    }
}

/// Days since 1970-01-01 → (year, month, day) (Howard Hinnant's `civil_from_days`).
pub fn civil(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// (year, month, day) → days since 1970-01-01.
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = (m as i64 + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn two(buf: &mut Vec<u8>, v: u32) {
    buf.push(b'0' + (v / 10) as u8);
    buf.push(b'0' + (v % 10) as u8);
}

/// Appends `YYYY-MM-DDTHH:MM:SSZ`.
pub fn push_time(buf: &mut Vec<u8>, epoch: Time) {
    let (y, mo, d) = civil(epoch.div_euclid(86_400));
    let s = epoch.rem_euclid(86_400) as u32;
    two(buf, (y / 100) as u32);
    two(buf, (y % 100) as u32);
    buf.push(b'-');
    two(buf, mo);
    buf.push(b'-');
    two(buf, d);
    buf.push(b'T');
    two(buf, s / 3600);
    buf.push(b':');
    two(buf, s / 60 % 60);
    buf.push(b':');
    two(buf, s % 60);
    buf.push(b'Z');
}

/// `YYYY-MM-DDTHH:MM:SSZ`.
pub fn time_string(epoch: Time) -> String {
    let mut b = Vec::with_capacity(20);
    push_time(&mut b, epoch);
    String::from_utf8(b).expect("ascii")
}

/// `YYYYMMDDTHHmmZ` or, with seconds, `YYYYMMDDTHHmmssZ` (trail and digest file names).
pub fn compact_time(epoch: Time, seconds: bool) -> String {
    let (y, mo, d) = civil(epoch.div_euclid(86_400));
    let s = epoch.rem_euclid(86_400);
    if seconds {
        format!(
            "{y:04}{mo:02}{d:02}T{:02}{:02}{:02}Z",
            s / 3600,
            s / 60 % 60,
            s % 60
        )
    } else {
        format!("{y:04}{mo:02}{d:02}T{:02}{:02}Z", s / 3600, s / 60 % 60)
    }
}

/// `YYYY/MM/DD` (the trail's date folders).
pub fn date_dirs(epoch: Time) -> String {
    let (y, mo, d) = civil(epoch.div_euclid(86_400));
    format!("{y:04}/{mo:02}/{d:02}")
}

/// Parses `YYYY-MM-DDTHH:MM:SSZ` (seconds and `Z` optional).
pub fn parse_time(s: &str) -> Option<Time> {
    let s = s.trim().trim_end_matches('Z');
    let (date, time) = s.split_once('T').unwrap_or((s, "00:00:00"));
    let mut dp = date.split('-').map(|p| p.parse::<i64>());
    let (y, m, d) = (dp.next()?.ok()?, dp.next()?.ok()?, dp.next()?.ok()?);
    let mut tp = time.split(':').map(|p| p.parse::<i64>());
    let h = tp.next().and_then(|r| r.ok()).unwrap_or(0);
    let mi = tp.next().and_then(|r| r.ok()).unwrap_or(0);
    let se = tp.next().and_then(|r| r.ok()).unwrap_or(0);
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) || h > 23 || mi > 59 || se > 60 {
        return None;
    }
    Some(days_from_civil(y, m as u32, d as u32) * 86_400 + h * 3600 + mi * 60 + se)
}

// ---------------------------------------------------------------------------------------------
// User agents (facts §4.1)

/// The `userAgent` ipamd of `v` sends (facts §4.1): no marker up to v1.6, the appended marker in
/// v1.7, the front marker with an empty version in v1.8–v1.19, none again in v1.20–v1.21 (SDK v2),
/// and `amazon-vpc-cni-k8s/<version>` from v1.22.
pub fn cni_user_agent(v: CniVersion) -> String {
    if v < CniVersion::new(1, 7, 0) {
        let (sdk, go) = if v < CniVersion::new(1, 6, 0) {
            ("1.23.13", "1.12.9")
        } else {
            ("1.28.12", "1.13.8")
        };
        format!("aws-sdk-go/{sdk} (go{go}; linux; amd64)")
    } else if v < CniVersion::new(1, 8, 0) {
        "aws-sdk-go/1.33.14 (go1.13.15; linux; amd64) amazon-vpc-cni-k8s".to_string()
    } else if v < CniVersion::new(1, 20, 0) {
        let (sdk, go) = match v.minor {
            8 => ("1.37.10", "1.15.8"),
            9 => ("1.38.40", "1.16.5"),
            10 | 11 => ("1.40.6", "1.16.10"),
            12 => ("1.43.29", "1.19.2"),
            13 => ("1.44.194", "1.19.6"),
            14 => ("1.44.302", "1.20.6"),
            15 => ("1.44.318", "1.21.1"),
            16 => ("1.50.5", "1.21.5"),
            17 => ("1.51.32", "1.21.9"),
            18 => ("1.54.20", "1.22.5"),
            _ => ("1.55.5", "1.23.2"),
        };
        format!("amazon-vpc-cni-k8s/version/ aws-sdk-go/{sdk} (go{go}; linux; amd64)")
    } else if v < CniVersion::new(1, 22, 0) {
        "aws-sdk-go-v2/1.39.2 ua/2.1 os/linux lang/go#1.25.4 md/GOOS#linux md/GOARCH#amd64 api/ec2#1.254.1 m/E,z"
            .to_string()
    } else {
        format!(
            "aws-sdk-go-v2/1.39.2 ua/2.1 os/linux lang/go#1.25.5 md/GOOS#linux md/GOARCH#amd64 api/ec2#1.254.1 amazon-vpc-cni-k8s/{v} m/0,E"
        )
    }
}

/// Whether [`cni_user_agent`] of `v` names the CNI (v1.7–v1.19 and v1.22+).
pub fn cni_user_agent_has_marker(v: CniVersion) -> bool {
    (v >= CniVersion::new(1, 7, 0) && v < CniVersion::new(1, 20, 0))
        || v >= CniVersion::new(1, 22, 0)
}

const OPERATOR_UA: &str = "aws-cli/2.15.30 Python/3.11.8 Linux/6.1.79-99.167.amzn2023.x86_64 exe/x86_64.amzn.2023 prompt/off command/ec2.create-network-interface";
const RC_UA: &str =
    "amazon-vpc-resource-controller-k8s/v1.6.3 aws-sdk-go/1.55.5 (go1.23.4; linux; amd64)";

// ---------------------------------------------------------------------------------------------
// Per-account context

/// The names that stay the same across an account/region's records: roles, OIDC provider, NAT
/// addresses. Build it with [`TrailContext::new`] and adjust fields as wanted.
#[derive(Debug, Clone)]
pub struct TrailContext {
    /// 12-digit account id.
    pub account_id: String,
    /// Region, e.g. `eu-west-1`.
    pub region: String,
    /// The VPC of the subnets.
    pub vpc_id: String,
    /// EKS cluster name (tags, role names).
    pub cluster_name: String,
    /// Node instance role name.
    pub node_role: String,
    /// Its `AROA…` id.
    pub node_role_id: String,
    /// IRSA role of `aws-node`.
    pub irsa_role: String,
    /// Its `AROA…` id.
    pub irsa_role_id: String,
    /// The cluster's OIDC provider id (32 upper-case hex).
    pub oidc_id: String,
    /// EKS cluster role (the VPC resource controller's calls).
    pub cluster_role: String,
    /// Its `AROA…` id.
    pub cluster_role_id: String,
    /// `AROA…` ids of the service-linked roles, by [`OtherActor`] index (AutoScaling, ELB,
    /// Lambda, VPC endpoints).
    pub service_role_ids: [String; 4],
    /// The cluster security group put on ENIs.
    pub security_group: String,
    /// Public addresses the nodes' calls come from (NAT gateways).
    pub nat_ips: Vec<Ipv4Addr>,
    /// `eventVersion` of the EC2 records.
    pub event_version: String,
    /// `ec2RoleDelivery`: `"2.0"` with IMDSv2, `"1.0"` with v1.
    pub ec2_role_delivery: String,
    /// Share of records whose *inferred* set wrappers (facts §2.4) use another key.
    pub alt_wrapper_fraction: f64,
}

fn id_of(rng: &mut Rng, prefix: &str, len: usize, upper: bool) -> String {
    let mut w = W::with_capacity(prefix.len() + len);
    w.s(prefix);
    if upper {
        w.upnum(rng, len);
    } else {
        w.hex(rng, len);
    }
    String::from_utf8(w.buf).expect("ascii")
}

impl TrailContext {
    /// Derives every name from `seed` so that a run is reproducible.
    pub fn new(seed: u64, account_id: &str, region: &str, cluster_name: &str) -> Self {
        let mut r = Rng::derive(seed, &[0xC7, hash_str(account_id), hash_str(region)]);
        let suffix = id_of(&mut r, "", 12, true);
        let mut oidc = W::with_capacity(32);
        oidc.hex_up(&mut r, 32);
        TrailContext {
            account_id: account_id.to_string(),
            region: region.to_string(),
            vpc_id: id_of(&mut r, "vpc-0", 16, false),
            cluster_name: cluster_name.to_string(),
            node_role: format!("eksctl-{cluster_name}-nodegroup-ng-1-NodeInstanceRole-{suffix}"),
            node_role_id: id_of(&mut r, "AROA", 17, true),
            irsa_role: format!("eksctl-{cluster_name}-addon-iamserviceaccount-kube-Role1-{suffix}"),
            irsa_role_id: id_of(&mut r, "AROA", 17, true),
            oidc_id: String::from_utf8(oidc.buf).expect("ascii"),
            cluster_role: format!("eksctl-{cluster_name}-cluster-ServiceRole-{suffix}"),
            cluster_role_id: id_of(&mut r, "AROA", 17, true),
            service_role_ids: std::array::from_fn(|_| id_of(&mut r, "AROA", 17, true)),
            security_group: id_of(&mut r, "sg-0", 16, false),
            nat_ips: (0..3)
                .map(|_| Ipv4Addr::from((r.next_u64() as u32 & 0x00ff_ffff) | (52 << 24)))
                .collect(),
            event_version: "1.09".to_string(),
            ec2_role_delivery: "2.0".to_string(),
            alt_wrapper_fraction: 0.0,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Records

/// One CloudTrail record, ready to be delivered.
#[derive(Debug, Clone)]
pub struct Record {
    /// `eventTime`.
    pub time: Time,
    /// `recipientAccountId`: which account's trail gets it.
    pub account_id: Arc<str>,
    /// `awsRegion`: which region folder.
    pub region: Arc<str>,
    /// The record as compact JSON text.
    pub json: Vec<u8>,
}

/// What a call asked for: rendered as `requestParameters`.
#[derive(Debug, Clone, Copy)]
pub enum Req<'a> {
    /// `RunInstances` of one instance.
    RunInstances {
        /// Instance type.
        instance_type: &'a str,
        /// Subnet of the primary ENI.
        subnet_id: &'a str,
        /// Its availability zone.
        availability_zone: &'a str,
    },
    /// `TerminateInstances` of one instance.
    TerminateInstances {
        /// The instance.
        instance_id: &'a str,
    },
    /// `CreateNetworkInterface`.
    CreateNetworkInterface(&'a CreateEni),
    /// `AttachNetworkInterface`.
    AttachNetworkInterface {
        /// ENI.
        eni_id: &'a str,
        /// Instance.
        instance_id: &'a str,
        /// Device index.
        device_index: u32,
        /// Network card (CNI v1.18+ always sends it).
        network_card_index: Option<u32>,
    },
    /// `ModifyNetworkInterfaceAttribute` setting delete-on-termination.
    ModifyDeleteOnTermination {
        /// ENI.
        eni_id: &'a str,
        /// Its attachment.
        attachment_id: &'a str,
    },
    /// `AssignPrivateIpAddresses` with a count of addresses.
    AssignPrivateIps {
        /// ENI.
        eni_id: &'a str,
        /// `secondaryPrivateIpAddressCount`.
        count: u32,
    },
    /// `AssignPrivateIpAddresses` with a count of prefixes.
    AssignPrefixes {
        /// ENI.
        eni_id: &'a str,
        /// `ipv4PrefixCount`.
        count: u32,
    },
    /// `UnassignPrivateIpAddresses` of addresses.
    UnassignPrivateIps {
        /// ENI.
        eni_id: &'a str,
        /// The addresses.
        ips: &'a [Ipv4Addr],
    },
    /// `UnassignPrivateIpAddresses` of prefixes.
    UnassignPrefixes {
        /// ENI.
        eni_id: &'a str,
        /// The prefixes.
        prefixes: &'a [Prefix4],
    },
    /// `DetachNetworkInterface`.
    DetachNetworkInterface {
        /// The attachment.
        attachment_id: &'a str,
    },
    /// `DeleteNetworkInterface`.
    DeleteNetworkInterface {
        /// ENI.
        eni_id: &'a str,
    },
    /// `CreateTags`.
    CreateTags {
        /// Resources.
        resource_ids: &'a [String],
        /// Tags.
        tags: &'a [(String, String)],
    },
    /// `DescribeInstances` of one instance.
    DescribeInstances {
        /// The instance.
        instance_id: &'a str,
    },
    /// `DescribeNetworkInterfaces` by id.
    DescribeNetworkInterfaces {
        /// The ENIs.
        eni_ids: &'a [String],
    },
}

impl Req<'_> {
    /// `eventName`.
    pub fn event_name(&self) -> &'static str {
        match self {
            Req::RunInstances { .. } => "RunInstances",
            Req::TerminateInstances { .. } => "TerminateInstances",
            Req::CreateNetworkInterface(_) => "CreateNetworkInterface",
            Req::AttachNetworkInterface { .. } => "AttachNetworkInterface",
            Req::ModifyDeleteOnTermination { .. } => "ModifyNetworkInterfaceAttribute",
            Req::AssignPrivateIps { .. } | Req::AssignPrefixes { .. } => "AssignPrivateIpAddresses",
            Req::UnassignPrivateIps { .. } | Req::UnassignPrefixes { .. } => {
                "UnassignPrivateIpAddresses"
            }
            Req::DetachNetworkInterface { .. } => "DetachNetworkInterface",
            Req::DeleteNetworkInterface { .. } => "DeleteNetworkInterface",
            Req::CreateTags { .. } => "CreateTags",
            Req::DescribeInstances { .. } => "DescribeInstances",
            Req::DescribeNetworkInterfaces { .. } => "DescribeNetworkInterfaces",
        }
    }

    /// `readOnly`.
    pub fn read_only(&self) -> bool {
        matches!(
            self,
            Req::DescribeInstances { .. } | Req::DescribeNetworkInterfaces { .. }
        )
    }
}

/// An ENI as a response describes it (CreateNetworkInterface, RunInstances).
#[derive(Debug, Clone, Copy)]
pub struct EniDesc<'a> {
    /// `eni-…`.
    pub eni_id: &'a str,
    /// Subnet.
    pub subnet_id: &'a str,
    /// Its availability zone.
    pub availability_zone: &'a str,
    /// Description.
    pub description: &'a str,
    /// MAC address (low 48 bits used).
    pub mac: u64,
    /// Primary address.
    pub primary_ip: Ipv4Addr,
    /// Secondary addresses.
    pub secondary_ips: &'a [Ipv4Addr],
    /// Delegated prefixes.
    pub prefixes: &'a [Prefix4],
    /// Tags.
    pub tags: &'a [(String, String)],
    /// Created by a service on the account's behalf (ELB, VPC endpoints).
    pub requester_managed: bool,
    /// For a RunInstances primary ENI: (attachment id, launch time).
    pub attachment: Option<(&'a str, Time)>,
}

/// What a successful call returned: rendered as `responseElements`.
#[derive(Debug, Clone, Copy)]
pub enum Resp<'a> {
    /// `{"requestId":…,"_return":true}`.
    Return,
    /// Read-only calls: `null`.
    ReadOnly,
    /// RunInstances.
    Instance {
        /// `i-…`.
        instance_id: &'a str,
        /// Type.
        instance_type: &'a str,
        /// The primary ENI (with its attachment).
        primary: EniDesc<'a>,
    },
    /// TerminateInstances: the instance and its state before.
    Terminated {
        /// `i-…`.
        instance_id: &'a str,
    },
    /// CreateNetworkInterface.
    Eni(EniDesc<'a>),
    /// AttachNetworkInterface.
    Attached {
        /// `eni-attach-…`.
        attachment_id: &'a str,
        /// Echoed network card index, if sent.
        network_card_index: Option<u32>,
    },
    /// AssignPrivateIpAddresses (addresses).
    AssignedIps {
        /// ENI.
        eni_id: &'a str,
        /// The new addresses.
        ips: &'a [Ipv4Addr],
    },
    /// AssignPrivateIpAddresses (prefixes).
    AssignedPrefixes {
        /// ENI.
        eni_id: &'a str,
        /// The new prefixes.
        prefixes: &'a [Prefix4],
    },
}

/// Writes the simulation's EC2 calls as records of one account/region.
#[derive(Debug)]
pub struct Renderer {
    ctx: TrailContext,
    account: Arc<str>,
    region: Arc<str>,
    rng: Rng,
    uas: Vec<(CniVersion, String)>,
    /// Launch template id of the node group (RunInstances request).
    launch_template: String,
    asg_name: String,
}

const SERVICE_ROLES: [(&str, &str, &str); 4] = [
    (
        "AWSServiceRoleForAutoScaling",
        "autoscaling.amazonaws.com",
        "AutoScaling",
    ),
    (
        "AWSServiceRoleForElasticLoadBalancing",
        "elasticloadbalancing.amazonaws.com",
        "ElasticLoadBalancing",
    ),
    ("AWSServiceRoleForLambda", "lambda.amazonaws.com", "Lambda"),
    (
        "AWSServiceRoleForVPCE",
        "vpce.amazonaws.com",
        "VPCEndpoints",
    ),
];

fn service_index(a: OtherActor) -> Option<usize> {
    match a {
        OtherActor::AutoScaling => Some(0),
        OtherActor::LoadBalancer => Some(1),
        OtherActor::Lambda => Some(2),
        OtherActor::VpcEndpoint => Some(3),
        OtherActor::ResourceController | OtherActor::Operator => None,
    }
}

impl Renderer {
    /// A renderer for `ctx`'s account and region; `seed` drives request and event ids.
    pub fn new(ctx: TrailContext, seed: u64) -> Self {
        let mut rng = Rng::derive(
            seed,
            &[0x7E, hash_str(&ctx.account_id), hash_str(&ctx.region)],
        );
        let launch_template = id_of(&mut rng, "lt-0", 16, false);
        let asg_name = {
            let mut w = W::with_capacity(64);
            w.s("eks-ng-1-").uuid(&mut rng);
            String::from_utf8(w.buf).expect("ascii")
        };
        Renderer {
            account: Arc::from(ctx.account_id.as_str()),
            region: Arc::from(ctx.region.as_str()),
            ctx,
            rng,
            uas: Vec::new(),
            launch_template,
            asg_name,
        }
    }

    /// The names used.
    pub fn context(&self) -> &TrailContext {
        &self.ctx
    }

    /// One call as a record.
    pub fn render(
        &mut self,
        time: Time,
        caller: &Caller,
        req: &Req,
        result: Result<&Resp, ApiError>,
    ) -> Record {
        let mut w = W::with_capacity(2048);
        self.head(&mut w, time, caller, req.event_name());
        if let Err(e) = result {
            w.s(",\"errorCode\":")
                .q(e.code())
                .s(",\"errorMessage\":")
                .q(e.message());
        }
        w.s(",\"requestParameters\":");
        self.request(&mut w, req);
        let mut request_id = W::with_capacity(36);
        request_id.uuid(&mut self.rng);
        let request_id = std::str::from_utf8(&request_id.buf)
            .expect("ascii")
            .to_string();
        w.s(",\"responseElements\":");
        match result {
            Err(_) | Ok(Resp::ReadOnly) => {
                w.s("null");
            }
            Ok(resp) => self.response(&mut w, time, resp, &request_id),
        }
        w.s(",\"requestID\":").q(&request_id);
        w.s(",\"eventID\":\"")
            .uuid(&mut self.rng)
            .s("\",\"readOnly\":");
        w.s(if req.read_only() { "true" } else { "false" });
        w.s(",\"eventType\":\"AwsApiCall\",\"managementEvent\":true,\"recipientAccountId\":")
            .q(&self.ctx.account_id)
            .s(",\"eventCategory\":\"Management\"");
        let sdk_call = match caller {
            Caller::Cni { .. } => true,
            Caller::Other(a) => service_index(*a).is_none(),
        };
        if sdk_call {
            w.s(",\"tlsDetails\":{\"tlsVersion\":\"TLSv1.3\",\"cipherSuite\":\"TLS_AES_128_GCM_SHA256\",\"clientProvidedHostHeader\":\"ec2.")
                .s(&self.ctx.region)
                .s(".amazonaws.com\"}");
        }
        w.s("}");
        Record {
            time,
            account_id: self.account.clone(),
            region: self.region.clone(),
            json: w.buf,
        }
    }

    fn head(&mut self, w: &mut W, time: Time, caller: &Caller, name: &str) {
        let c = &self.ctx;
        let acct = c.account_id.as_str();
        w.s("{\"eventVersion\":")
            .q(&c.event_version)
            .s(",\"userIdentity\":{");
        let (source_ip, ua): (String, String) = match caller {
            Caller::Cni {
                instance_id,
                version,
                identity,
            } => {
                let h = hash_str(instance_id);
                match identity {
                    IdentityKind::NodeRole => {
                        w.s("\"type\":\"AssumedRole\",\"principalId\":\"")
                            .s(&c.node_role_id)
                            .s(":")
                            .s(instance_id)
                            .s("\",\"arn\":\"arn:aws:sts::")
                            .s(acct)
                            .s(":assumed-role/")
                            .s(&c.node_role)
                            .s("/")
                            .s(instance_id);
                        w.role_session_issuer(&mut self.rng, acct, &c.node_role_id, &c.node_role);
                        // Instance-profile credentials rotate about every 6 hours, at a phase
                        // of their own per instance.
                        let period = 6 * 3600;
                        let phase = (h % period as u64) as i64;
                        let created = (time - phase).div_euclid(period) * period + phase;
                        w.s("},\"webIdFederationData\":{},\"attributes\":{\"creationDate\":")
                            .time(created)
                            .s(",\"mfaAuthenticated\":\"false\"},\"ec2RoleDelivery\":")
                            .q(&c.ec2_role_delivery)
                            .s("}}");
                    }
                    IdentityKind::Irsa => {
                        // The SDK names the web-identity session after UnixNano of its
                        // creation (facts §4.2); credentials last an hour.
                        let phase = (h % 3600) as i64;
                        let created = (time - phase).div_euclid(3600) * 3600 + phase;
                        let session = created as u64 * 1_000_000_000
                            + (mix(h ^ created as u64) % 1_000_000_000);
                        w.s("\"type\":\"AssumedRole\",\"principalId\":\"")
                            .s(&c.irsa_role_id)
                            .s(":")
                            .n(session)
                            .s("\",\"arn\":\"arn:aws:sts::")
                            .s(acct)
                            .s(":assumed-role/")
                            .s(&c.irsa_role)
                            .s("/")
                            .n(session);
                        w.role_session_issuer(&mut self.rng, acct, &c.irsa_role_id, &c.irsa_role);
                        w.s("},\"webIdFederationData\":{\"federatedProvider\":\"arn:aws:iam::")
                            .s(acct)
                            .s(":oidc-provider/oidc.eks.")
                            .s(&c.region)
                            .s(".amazonaws.com/id/")
                            .s(&c.oidc_id)
                            .s("\",\"attributes\":{}},\"attributes\":{\"creationDate\":")
                            .time(created)
                            .s(",\"mfaAuthenticated\":\"false\"}}}");
                    }
                }
                let ip = c.nat_ips[(h % c.nat_ips.len() as u64) as usize];
                let ua = ua_for(&mut self.uas, *version).to_string();
                (ip.to_string(), ua)
            }
            Caller::Other(actor) => match service_index(*actor) {
                Some(i) => {
                    let (role, service, session) = SERVICE_ROLES[i];
                    let role_id = &c.service_role_ids[i];
                    w.s("\"type\":\"AssumedRole\",\"principalId\":\"")
                        .s(role_id)
                        .s(":")
                        .s(session)
                        .s("\",\"arn\":\"arn:aws:sts::")
                        .s(acct)
                        .s(":assumed-role/")
                        .s(role)
                        .s("/")
                        .s(session)
                        .s("\",\"accountId\":")
                        .q(acct);
                    w.s(",\"sessionContext\":{\"sessionIssuer\":{\"type\":\"Role\",\"principalId\":")
                        .q(role_id)
                        .s(",\"arn\":\"arn:aws:iam::")
                        .s(acct)
                        .s(":role/aws-service-role/")
                        .s(service)
                        .s("/")
                        .s(role)
                        .s("\",\"accountId\":")
                        .q(acct)
                        .s(",\"userName\":")
                        .q(role);
                    let created = time - (time.rem_euclid(900));
                    w.s("},\"webIdFederationData\":{},\"attributes\":{\"creationDate\":")
                        .time(created)
                        .s(",\"mfaAuthenticated\":\"false\"}},\"invokedBy\":")
                        .q(service)
                        .s("}");
                    (service.to_string(), service.to_string())
                }
                None if *actor == OtherActor::ResourceController => {
                    let created = time - time.rem_euclid(3600);
                    let session = created as u64 * 1_000_000_000;
                    w.s("\"type\":\"AssumedRole\",\"principalId\":\"")
                        .s(&c.cluster_role_id)
                        .s(":")
                        .n(session)
                        .s("\",\"arn\":\"arn:aws:sts::")
                        .s(acct)
                        .s(":assumed-role/")
                        .s(&c.cluster_role)
                        .s("/")
                        .n(session)
                        .s("\",\"accountId\":")
                        .q(acct)
                        .s(",\"accessKeyId\":\"ASIA")
                        .upnum(&mut self.rng, 16);
                    w.s("\",\"sessionContext\":{\"sessionIssuer\":{\"type\":\"Role\",\"principalId\":")
                        .q(&c.cluster_role_id)
                        .s(",\"arn\":\"arn:aws:iam::")
                        .s(acct)
                        .s(":role/")
                        .s(&c.cluster_role)
                        .s("\",\"accountId\":")
                        .q(acct)
                        .s(",\"userName\":")
                        .q(&c.cluster_role)
                        .s("},\"webIdFederationData\":{},\"attributes\":{\"creationDate\":")
                        .time(created)
                        .s(",\"mfaAuthenticated\":\"false\"}}}");
                    ("eks.amazonaws.com".to_string(), RC_UA.to_string())
                }
                None => {
                    let role = "AWSReservedSSO_AdministratorAccess_6f3c9e0d2b8a4c17";
                    let created = time - time.rem_euclid(3600) - 600;
                    w.s("\"type\":\"AssumedRole\",\"principalId\":\"AROAQX2KB7TEXAMPLE4Q:jane.doe@example.com\",\"arn\":\"arn:aws:sts::")
                        .s(acct)
                        .s(":assumed-role/")
                        .s(role)
                        .s("/jane.doe@example.com\",\"accountId\":")
                        .q(acct)
                        .s(",\"accessKeyId\":\"ASIA")
                        .upnum(&mut self.rng, 16)
                        .s("\",\"sessionContext\":{\"sessionIssuer\":{\"type\":\"Role\",\"principalId\":\"AROAQX2KB7TEXAMPLE4Q\",\"arn\":\"arn:aws:iam::")
                        .s(acct)
                        .s(":role/aws-reserved/sso.amazonaws.com/")
                        .s(role)
                        .s("\",\"accountId\":")
                        .q(acct)
                        .s(",\"userName\":")
                        .q(role)
                        .s("},\"webIdFederationData\":{},\"attributes\":{\"creationDate\":")
                        .time(created)
                        .s(",\"mfaAuthenticated\":\"false\"}}}");
                    ("198.51.100.23".to_string(), OPERATOR_UA.to_string())
                }
            },
        };
        w.s(",\"eventTime\":")
            .time(time)
            .s(",\"eventSource\":\"ec2.amazonaws.com\",\"eventName\":")
            .q(name)
            .s(",\"awsRegion\":")
            .q(&c.region)
            .s(",\"sourceIPAddress\":")
            .q(&source_ip)
            .s(",\"userAgent\":")
            .qe(&ua);
    }

    /// A set wrapper key where the sheet only infers it: usually `default`, sometimes another.
    fn inferred_key(&mut self, default: &'static str, alts: &[&'static str]) -> &'static str {
        if self.rng.chance(self.ctx.alt_wrapper_fraction) {
            alts[self.rng.below(alts.len() as u64) as usize]
        } else {
            default
        }
    }

    fn request(&mut self, w: &mut W, req: &Req) {
        match *req {
            Req::RunInstances {
                instance_type,
                subnet_id,
                availability_zone,
            } => {
                w.s("{\"instancesSet\":{\"items\":[{\"minCount\":1,\"maxCount\":1}]},\"instanceType\":")
                    .qe(instance_type)
                    .s(",\"blockDeviceMapping\":{},\"availabilityZone\":")
                    .qe(availability_zone)
                    .s(",\"monitoring\":{\"enabled\":false},\"disableApiTermination\":false,\"disableApiStop\":false,\"clientToken\":\"fleet-")
                    .uuid(&mut self.rng)
                    .s("-0\",\"networkInterfaceSet\":{\"items\":[{\"deviceIndex\":0,\"subnetId\":")
                    .qe(subnet_id)
                    .s("}]},\"tagSpecificationSet\":{\"items\":[{\"resourceType\":\"instance\",\"tags\":[{\"key\":\"aws:autoscaling:groupName\",\"value\":")
                    .q(&self.asg_name)
                    .s("},{\"key\":\"eks:cluster-name\",\"value\":")
                    .qe(&self.ctx.cluster_name)
                    .s("},{\"key\":\"eks:nodegroup-name\",\"value\":\"ng-1\"}]}]},\"launchTemplate\":{\"launchTemplateId\":")
                    .q(&self.launch_template)
                    .s(",\"version\":\"1\"}}");
            }
            Req::TerminateInstances { instance_id } => {
                w.s("{\"instancesSet\":{\"items\":[{\"instanceId\":")
                    .qe(instance_id)
                    .s("}]}}");
            }
            Req::CreateNetworkInterface(c) => {
                w.s("{\"subnetId\":")
                    .qe(&c.subnet_id)
                    .s(",\"description\":")
                    .qe(&c.description)
                    .s(",\"groupSet\":{\"items\":[{\"groupId\":")
                    .q(&self.ctx.security_group)
                    .s("}]},\"privateIpAddressesSet\":{}");
                if let Some(n) = c.secondary_count {
                    w.s(",\"secondaryPrivateIpAddressCount\":").n(n as u64);
                }
                if let Some(n) = c.prefix_count {
                    w.s(",\"ipv4PrefixCount\":").n(n as u64);
                }
                if !c.tags.is_empty() {
                    w.s(",\"tagSpecificationSet\":{\"items\":[{\"resourceType\":\"network-interface\",\"tags\":");
                    tags_array(w, &c.tags);
                    w.s("}]}");
                }
                w.s("}");
            }
            Req::AttachNetworkInterface {
                eni_id,
                instance_id,
                device_index,
                network_card_index,
            } => {
                w.s("{\"networkInterfaceId\":")
                    .qe(eni_id)
                    .s(",\"instanceId\":")
                    .qe(instance_id)
                    .s(",\"deviceIndex\":")
                    .n(device_index as u64);
                if let Some(n) = network_card_index {
                    w.s(",\"networkCardIndex\":").n(n as u64);
                }
                w.s("}");
            }
            Req::ModifyDeleteOnTermination {
                eni_id,
                attachment_id,
            } => {
                w.s("{\"networkInterfaceId\":")
                    .qe(eni_id)
                    .s(",\"attachment\":{\"attachmentId\":")
                    .qe(attachment_id)
                    .s(",\"deleteOnTermination\":true}}");
            }
            Req::AssignPrivateIps { eni_id, count } => {
                // Exactly the shape of the real record (facts §0).
                w.s("{\"networkInterfaceId\":")
                    .qe(eni_id)
                    .s(",\"privateIpAddressesSet\":{},\"secondaryPrivateIpAddressCount\":")
                    .n(count as u64)
                    .s(",\"ipv4Prefixes\":{}}");
            }
            Req::AssignPrefixes { eni_id, count } => {
                w.s("{\"networkInterfaceId\":")
                    .qe(eni_id)
                    .s(",\"privateIpAddressesSet\":{},\"ipv4PrefixCount\":")
                    .n(count as u64)
                    .s("}");
            }
            Req::UnassignPrivateIps { eni_id, ips } => {
                let key = self.inferred_key("item", &["items", "privateIpAddressesSetType"]);
                w.s("{\"networkInterfaceId\":")
                    .qe(eni_id)
                    .s(",\"privateIpAddressesSet\":");
                set_of(
                    w,
                    key,
                    ips.iter()
                        .map(|ip| ("privateIpAddress", IpOrPrefix::Ip(*ip))),
                );
                w.s("}");
            }
            Req::UnassignPrefixes { eni_id, prefixes } => {
                let key = self.inferred_key("item", &["items", "ipv4PrefixesSetType"]);
                w.s("{\"networkInterfaceId\":")
                    .qe(eni_id)
                    .s(",\"privateIpAddressesSet\":{},\"ipv4Prefixes\":");
                set_of(
                    w,
                    key,
                    prefixes
                        .iter()
                        .map(|p| ("ipv4Prefix", IpOrPrefix::Prefix(*p))),
                );
                w.s("}");
            }
            Req::DetachNetworkInterface { attachment_id } => {
                w.s("{\"attachmentId\":").qe(attachment_id).s("}");
            }
            Req::DeleteNetworkInterface { eni_id } => {
                w.s("{\"networkInterfaceId\":").qe(eni_id).s("}");
            }
            Req::CreateTags { resource_ids, tags } => {
                w.s("{\"resourcesSet\":{\"items\":[");
                for (i, r) in resource_ids.iter().enumerate() {
                    if i > 0 {
                        w.s(",");
                    }
                    w.s("{\"resourceId\":").qe(r).s("}");
                }
                w.s("]},\"tagSet\":");
                tag_set(w, tags);
                w.s("}");
            }
            Req::DescribeInstances { instance_id } => {
                w.s("{\"instancesSet\":{\"items\":[{\"instanceId\":")
                    .qe(instance_id)
                    .s("}]},\"filterSet\":{}}");
            }
            Req::DescribeNetworkInterfaces { eni_ids } => {
                w.s("{\"networkInterfaceIdSet\":");
                if eni_ids.is_empty() {
                    w.s("{}");
                } else {
                    w.s("{\"items\":[");
                    for (i, e) in eni_ids.iter().enumerate() {
                        if i > 0 {
                            w.s(",");
                        }
                        w.s("{\"networkInterfaceId\":").qe(e).s("}");
                    }
                    w.s("]}");
                }
                w.s(",\"filterSet\":{}}");
            }
        }
    }

    fn response(&mut self, w: &mut W, time: Time, resp: &Resp, request_id: &str) {
        w.s("{\"requestId\":").q(request_id);
        match *resp {
            Resp::Return | Resp::ReadOnly => {
                w.s(",\"_return\":true}");
            }
            Resp::Terminated { instance_id } => {
                w.s(",\"instancesSet\":{\"items\":[{\"instanceId\":")
                    .qe(instance_id)
                    .s(",\"currentState\":{\"code\":32,\"name\":\"shutting-down\"},\"previousState\":{\"code\":16,\"name\":\"running\"}}]}}");
            }
            Resp::Attached {
                attachment_id,
                network_card_index,
            } => {
                w.s(",\"attachmentId\":").qe(attachment_id);
                if let Some(n) = network_card_index {
                    w.s(",\"networkCardIndex\":").n(n as u64);
                }
                w.s("}");
            }
            Resp::AssignedIps { eni_id, ips } => {
                w.s(",\"networkInterfaceId\":")
                    .qe(eni_id)
                    .s(",\"assignedPrivateIpAddressesSet\":");
                set_of(
                    w,
                    "assignedPrivateIpAddressSetType",
                    ips.iter()
                        .map(|ip| ("privateIpAddress", IpOrPrefix::Ip(*ip))),
                );
                w.s(",\"assignedIpv4PrefixSet\":{},\"_return\":true}");
            }
            Resp::AssignedPrefixes { eni_id, prefixes } => {
                let key = self.inferred_key("assignedIpv4PrefixSetType", &["item", "items"]);
                w.s(",\"networkInterfaceId\":")
                    .qe(eni_id)
                    .s(",\"assignedPrivateIpAddressesSet\":{},\"assignedIpv4PrefixSet\":");
                set_of(
                    w,
                    key,
                    prefixes
                        .iter()
                        .map(|p| ("ipv4Prefix", IpOrPrefix::Prefix(*p))),
                );
                w.s(",\"_return\":true}");
            }
            Resp::Eni(e) => {
                w.s(",\"networkInterface\":");
                self.eni(w, &e, false);
                w.s("}");
            }
            Resp::Instance {
                instance_id,
                instance_type,
                primary,
            } => {
                let c = &self.ctx;
                w.s(",\"reservationId\":\"r-0")
                    .hex(&mut self.rng, 16)
                    .s("\",\"ownerId\":")
                    .q(&c.account_id)
                    .s(",\"groupSet\":{},\"instancesSet\":{\"items\":[{\"instanceId\":")
                    .qe(instance_id)
                    .s(",\"imageId\":\"ami-08bc1ca764d8b6c59\",\"instanceState\":{\"code\":0,\"name\":\"pending\"},\"privateDnsName\":\"");
                dns_name(w, primary.primary_ip, &c.region);
                w.s("\",\"instanceType\":")
                    .qe(instance_type)
                    .s(",\"launchTime\":")
                    .n(time as u64 * 1000)
                    .s(",\"placement\":{\"availabilityZone\":")
                    .qe(primary.availability_zone)
                    .s(",\"tenancy\":\"default\"},\"subnetId\":")
                    .qe(primary.subnet_id)
                    .s(",\"vpcId\":")
                    .q(&c.vpc_id)
                    .s(",\"privateIpAddress\":\"")
                    .ip(primary.primary_ip)
                    .s("\",\"tagSet\":{\"items\":[{\"key\":\"eks:cluster-name\",\"value\":")
                    .qe(&c.cluster_name)
                    .s("},{\"key\":\"eks:nodegroup-name\",\"value\":\"ng-1\"}]},\"groupSet\":{\"items\":[{\"groupId\":")
                    .q(&c.security_group)
                    .s(",\"groupName\":\"eks-cluster-sg-")
                    .qe_raw(&c.cluster_name)
                    .s("\"}]},\"networkInterfaceSet\":{\"items\":[");
                let (acct, cluster) = (c.account_id.clone(), c.cluster_name.clone());
                self.eni(w, &primary, true);
                w.s("]},\"iamInstanceProfile\":{\"arn\":\"arn:aws:iam::")
                    .s(&acct)
                    .s(":instance-profile/eks-")
                    .qe_raw(&cluster)
                    .s("-ng-1\",\"id\":\"AIPA")
                    .upnum(&mut self.rng, 17)
                    .s("\"}}]},\"requesterId\":\"434902558031\"}");
            }
        }
    }

    /// An ENI object; `in_instance` for the RunInstances form (attachment, no AZ/description).
    fn eni(&mut self, w: &mut W, e: &EniDesc, in_instance: bool) {
        let c = &self.ctx;
        w.s("{\"networkInterfaceId\":")
            .qe(e.eni_id)
            .s(",\"subnetId\":")
            .qe(e.subnet_id)
            .s(",\"vpcId\":")
            .q(&c.vpc_id);
        if !in_instance {
            w.s(",\"availabilityZone\":")
                .qe(e.availability_zone)
                .s(",\"description\":")
                .qe(e.description);
        }
        w.s(",\"ownerId\":").q(&c.account_id);
        if e.requester_managed {
            w.s(",\"requesterId\":\"")
                .n(100_000_000_000 + hash_str(e.description) % 800_000_000_000)
                .s("\"");
        }
        if !in_instance {
            w.s(",\"requesterManaged\":")
                .s(if e.requester_managed { "true" } else { "false" });
        }
        w.s(",\"status\":")
            .q(if in_instance { "in-use" } else { "pending" })
            .s(",\"macAddress\":\"");
        for i in (0..6).rev() {
            let b = if i == 5 {
                0x02
            } else {
                (e.mac >> (i * 8)) as u8
            };
            w.buf.push(HEX[(b >> 4) as usize]);
            w.buf.push(HEX[(b & 15) as usize]);
            if i > 0 {
                w.buf.push(b':');
            }
        }
        w.s("\",\"privateIpAddress\":\"")
            .ip(e.primary_ip)
            .s("\",\"privateDnsName\":\"");
        dns_name(w, e.primary_ip, &c.region);
        w.s("\",\"sourceDestCheck\":true,\"interfaceType\":\"interface\",\"groupSet\":{\"items\":[{\"groupId\":")
            .q(&c.security_group)
            .s(",\"groupName\":\"eks-cluster-sg-")
            .qe_raw(&c.cluster_name)
            .s("\"}]}");
        if let Some((attachment_id, at)) = e.attachment {
            w.s(",\"attachment\":{\"attachmentId\":")
                .qe(attachment_id)
                .s(",\"deviceIndex\":0,\"networkCardIndex\":0,\"status\":\"attaching\",\"attachTime\":")
                .n(at as u64 * 1000)
                .s(",\"deleteOnTermination\":true}");
        }
        w.s(",\"privateIpAddressesSet\":{\"item\":[{\"privateIpAddress\":\"")
            .ip(e.primary_ip)
            .s("\",\"privateDnsName\":\"");
        dns_name(w, e.primary_ip, &c.region);
        w.s("\",\"primary\":true}");
        for ip in e.secondary_ips {
            w.s(",{\"privateIpAddress\":\"")
                .ip(*ip)
                .s("\",\"privateDnsName\":\"");
            dns_name(w, *ip, &c.region);
            w.s("\",\"primary\":false}");
        }
        w.s("]}");
        if !e.prefixes.is_empty() {
            let key = self.inferred_key("item", &["items", "ipv4PrefixSetType"]);
            w.s(",\"ipv4PrefixSet\":");
            set_of(
                w,
                key,
                e.prefixes
                    .iter()
                    .map(|p| ("ipv4Prefix", IpOrPrefix::Prefix(*p))),
            );
        }
        w.s(",\"ipv6AddressesSet\":{},\"tagSet\":");
        tag_set(w, e.tags);
        w.s("}");
    }
}

/// The user agent of `v`, formatted once per version.
fn ua_for(uas: &mut Vec<(CniVersion, String)>, v: CniVersion) -> &str {
    let i = match uas.iter().position(|(k, _)| *k == v) {
        Some(i) => i,
        None => {
            uas.push((v, cni_user_agent(v)));
            uas.len() - 1
        }
    };
    &uas[i].1
}

impl W {
    /// Escaped string content without the quotes (for names spliced into a longer string).
    fn qe_raw(&mut self, v: &str) -> &mut Self {
        let start = self.buf.len();
        self.qe(v);
        self.buf.remove(start);
        self.buf.pop();
        self
    }
}

#[derive(Clone, Copy)]
enum IpOrPrefix {
    Ip(Ipv4Addr),
    Prefix(Prefix4),
}

/// `{"<key>":[{"<field>":"…"},…]}`, or `{}` when empty (as CloudTrail writes empty sets).
fn set_of<'a>(w: &mut W, key: &str, items: impl Iterator<Item = (&'a str, IpOrPrefix)>) {
    let mut first = true;
    for (field, v) in items {
        w.s(if first { "{\"" } else { "," });
        if first {
            w.s(key).s("\":[");
            first = false;
        }
        w.s("{\"").s(field).s("\":\"");
        match v {
            IpOrPrefix::Ip(ip) => w.ip(ip),
            IpOrPrefix::Prefix(p) => w.prefix(p),
        };
        w.s("\"}");
    }
    w.s(if first { "{}" } else { "]}" });
}

fn tags_array(w: &mut W, tags: &[(String, String)]) {
    w.s("[");
    for (i, (k, v)) in tags.iter().enumerate() {
        if i > 0 {
            w.s(",");
        }
        w.s("{\"key\":").qe(k).s(",\"value\":").qe(v).s("}");
    }
    w.s("]");
}

fn tag_set(w: &mut W, tags: &[(String, String)]) {
    if tags.is_empty() {
        w.s("{}");
    } else {
        w.s("{\"items\":");
        tags_array(w, tags);
        w.s("}");
    }
}

fn dns_name(w: &mut W, ip: Ipv4Addr, region: &str) {
    let [a, b, c, d] = ip.octets();
    w.s("ip-")
        .n(a as u64)
        .s("-")
        .n(b as u64)
        .s("-")
        .n(c as u64)
        .s("-")
        .n(d as u64);
    if region == "us-east-1" {
        w.s(".ec2.internal");
    } else {
        w.s(".").s(region).s(".compute.internal");
    }
}

pub use noise::NoiseGen;

#[allow(clippy::too_many_arguments)]
mod noise {
    // Other services' records: what fills a real trail around the CNI's
    // calls (S3, STS, KMS, EKS, logs, ECR, SSM, Secrets Manager, ELB, describes by other tools).

    use super::{Record, Rng, TrailContext, W, hash_str};
    use std::net::Ipv4Addr;
    use std::sync::Arc;

    const SDK_UAS: [&str; 13] = [
        "aws-sdk-go/1.44.327 (go1.21.1; linux; amd64)",
        "aws-cli/2.15.30 md/arch#x86_64 command/s3.cp",
        "Boto3/1.34.69 Python/3.11.8 Linux/5.10 Botocore/1.34.69",
        "aws-sdk-java/2.25.16 Linux/5.10.213-201.855.amzn2.x86_64 OpenJDK_64-Bit_Server_VM/17.0.10+7-LTS Java/17.0.10 vendor/Amazon.com_Inc. io/sync http/Apache cfg/retry-mode/legacy",
        "Boto3/1.34.69 md/Botocore#1.34.69 ua/2.0 os/linux#5.10.213-201.855.amzn2.x86_64 md/arch#x86_64 lang/python#3.11.8 md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.34.69",
        "aws-sdk-go-v2/1.30.3 os/linux lang/go#1.22.5 md/GOOS#linux md/GOARCH#amd64 api/s3#1.58.2",
        "aws-cli/2.15.30 Python/3.11.8 Linux/6.1.79-99.167.amzn2023.x86_64 exe/x86_64.amzn.2023 prompt/off command/eks.describe-cluster",
        "aws-sdk-nodejs/2.1590.0 linux/v18.19.1 exec-env/AWS_ECS_FARGATE promise",
        "[aws-sdk-go/1.50.38 (go1.21.8; linux; amd64) exec-env/aws-karpenter]",
        "aws-sdk-js/3.540.0 ua/2.0 os/linux#5.10.213 lang/js md/nodejs#20.11.1 api/kms#3.540.0",
        "cluster-autoscaler/v1.29.0 aws-sdk-go/1.48.7 (go1.21.5; linux; amd64)",
        "aws-sdk-rust/1.3.1 os/linux lang/rust/1.80.0",
        "Boto3/1.28.62 md/Botocore#1.31.62 ua/2.0 os/linux#4.14.336-257.566.amzn2.x86_64 md/arch#x86_64 lang/python#3.9.18 md/pyimpl#CPython exec-env/AWS_Lambda_python3.9 cfg/retry-mode#legacy Botocore/1.31.62",
    ];

    const CIPHERS: [&str; 3] = [
        "TLS_AES_128_GCM_SHA256",
        "ECDHE-RSA-AES128-GCM-SHA256",
        "TLS_AES_256_GCM_SHA384",
    ];
    const APP_NS: [&str; 6] = [
        "payments",
        "checkout",
        "search",
        "ingest",
        "monitoring",
        "kube-system",
    ];
    const WORDS: [&str; 16] = [
        "orders",
        "events",
        "invoices",
        "thumbnails",
        "exports",
        "raw",
        "parquet",
        "daily",
        "v2",
        "tmp",
        "customers",
        "metrics",
        "logs",
        "backup",
        "snapshots",
        "reports",
    ];

    /// A node whose role appears on application calls (not one of the simulation's nodes: these
    /// never touch ENIs).
    struct Node {
        instance: String,
        public_ip: u32,
        subnet: usize,
        enis: [String; 3],
    }

    /// Everything that stays the same across the records of one account/region.
    struct Cluster {
        account: String,
        region: String,
        name: String,
        oidc: String,
        node_role: String,
        node_role_id: String,
        cni_role: String,
        cni_role_id: String,
        app_roles: Vec<(String, String)>,
        users: Vec<(String, String)>,
        vpc: String,
        subnets: Vec<(String, String)>,
        buckets: Vec<String>,
        kms_keys: Vec<String>,
        nodes: Vec<Node>,
    }

    fn id(rng: &mut Rng, prefix: &str, hexlen: usize) -> String {
        let mut w = W::with_capacity(prefix.len() + hexlen);
        w.s(prefix).hex(rng, hexlen);
        String::from_utf8(w.buf).unwrap()
    }

    fn upid(rng: &mut Rng, prefix: &str, len: usize) -> String {
        let mut w = W::with_capacity(prefix.len() + len);
        w.s(prefix).upnum(rng, len);
        String::from_utf8(w.buf).unwrap()
    }

    impl Cluster {
        fn new(seed: u64, c: &TrailContext) -> Cluster {
            let mut r = Rng::derive(seed, &[0xC1, hash_str(&c.account_id), hash_str(&c.region)]);
            let name = c.cluster_name.clone();
            let account = c.account_id.clone();
            let app_roles = (0..6)
                .map(|i| {
                    (
                        format!("{name}-{}-irsa", APP_NS[i]),
                        upid(&mut r, "AROA", 17),
                    )
                })
                .collect();
            let users = ["ci-deployer", "terraform", "backup-agent", "grafana-reader"]
                .iter()
                .map(|u| (u.to_string(), upid(&mut r, "AIDA", 17)))
                .collect();
            let subnets = (0..3)
                .map(|i| {
                    (
                        id(&mut r, "subnet-0", 16),
                        format!("{}{}", c.region, ['a', 'b', 'c'][i]),
                    )
                })
                .collect::<Vec<_>>();
            let nodes = (0..r.range(20, 60))
                .map(|_| Node {
                    instance: id(&mut r, "i-0", 16),
                    public_ip: u32::from(c.nat_ips[r.below(c.nat_ips.len() as u64) as usize]),
                    subnet: r.below(3) as usize,
                    enis: [
                        id(&mut r, "eni-0", 16),
                        id(&mut r, "eni-0", 16),
                        id(&mut r, "eni-0", 16),
                    ],
                })
                .collect();
            Cluster {
                node_role: c.node_role.clone(),
                node_role_id: c.node_role_id.clone(),
                cni_role: c.irsa_role.clone(),
                cni_role_id: c.irsa_role_id.clone(),
                oidc: c.oidc_id.clone(),
                vpc: c.vpc_id.clone(),
                buckets: (0..5)
                    .map(|i| {
                        format!(
                            "{name}-{}-{}",
                            WORDS[i * 3 % 16],
                            &account[..6.min(account.len())]
                        )
                    })
                    .collect(),
                kms_keys: (0..3)
                    .map(|_| {
                        let mut w = W::with_capacity(36);
                        w.uuid(&mut r);
                        String::from_utf8(w.buf).unwrap()
                    })
                    .collect(),
                account,
                region: c.region.clone(),
                name,
                app_roles,
                users,
                subnets,
                nodes,
            }
        }
    }

    /// Writes other services' records for one account/region (the bulk of a real trail).
    ///
    /// Deterministic for a seed; the mix of services is fixed (weights in `noise`).
    pub struct NoiseGen {
        cluster: Cluster,
        rng: Rng,
        buf: Vec<u8>,
        account: Arc<str>,
        region: Arc<str>,
    }

    impl std::fmt::Debug for NoiseGen {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.debug_struct("NoiseGen")
                .field("account", &self.account)
                .field("region", &self.region)
                .finish()
        }
    }

    impl NoiseGen {
        /// Noise for `ctx`'s account and region (same roles, OIDC provider and VPC).
        pub fn new(seed: u64, ctx: &TrailContext) -> Self {
            NoiseGen {
                cluster: Cluster::new(seed, ctx),
                rng: Rng::derive(
                    seed,
                    &[0x401, hash_str(&ctx.account_id), hash_str(&ctx.region)],
                ),
                buf: Vec::with_capacity(4096),
                account: Arc::from(ctx.account_id.as_str()),
                region: Arc::from(ctx.region.as_str()),
            }
        }

        /// One record at `time`, written into `out` (its buffer is reused, so a caller that keeps one
        /// `Record` allocates nothing per record).
        pub fn next_into(&mut self, time: i64, out: &mut Record) {
            let mut buf = std::mem::take(&mut out.json);
            buf.clear();
            let mut g = Gen {
                c: &self.cluster,
                rng: self.rng.clone(),
                w: W { buf },
            };
            g.noise(time);
            self.rng = g.rng;
            out.json = g.w.buf;
            out.time = time;
            if !Arc::ptr_eq(&out.account_id, &self.account) {
                out.account_id = self.account.clone();
            }
            if !Arc::ptr_eq(&out.region, &self.region) {
                out.region = self.region.clone();
            }
        }

        /// One record at `time`.
        pub fn next(&mut self, time: i64) -> Record {
            let mut r = Record {
                time,
                account_id: self.account.clone(),
                region: self.region.clone(),
                json: Vec::with_capacity(std::mem::take(&mut self.buf).capacity().max(2048)),
            };
            self.next_into(time, &mut r);
            r
        }

        /// Records for each second in `from..to`, `per_second` on average (the fraction drawn at
        /// random), handed to `sink` in time order.
        pub fn between(
            &mut self,
            from: i64,
            to: i64,
            per_second: f64,
            mut sink: impl FnMut(&Record),
        ) {
            let mut rec = Record {
                time: from,
                account_id: self.account.clone(),
                region: self.region.clone(),
                json: Vec::new(),
            };
            let whole = per_second.floor() as u64;
            let frac = per_second - whole as f64;
            for t in from..to {
                let n = whole + self.rng.chance(frac) as u64;
                for _ in 0..n {
                    self.next_into(t, &mut rec);
                    sink(&rec);
                }
            }
        }
    }

    enum Ident<'a> {
        NodeRole(&'a Node),
        Irsa(&'a str, &'a str),
        User(usize),
        Sso,
        Service(&'a str),
    }

    struct Rec<'a> {
        version: &'static str,
        ident: Ident<'a>,
        time: i64,
        source: &'static str,
        name: &'static str,
        ip: Ip<'a>,
        ua: &'a str,
    }

    enum Ip<'a> {
        Addr(u32),
        Text(&'a str),
    }

    /// Per-file generator state.
    struct Gen<'a> {
        c: &'a Cluster,
        rng: Rng,
        w: W,
    }

    const VERSIONS: [&str; 4] = ["1.08", "1.09", "1.10", "1.11"];

    impl<'a> Gen<'a> {
        fn head(&mut self, r: &Rec) {
            let c = self.c;
            let acct = c.account.as_str();
            let w = &mut self.w;
            let rng = &mut self.rng;
            w.s("{\"eventVersion\":")
                .q(r.version)
                .s(",\"userIdentity\":{");
            match r.ident {
                Ident::NodeRole(node) => {
                    w.s("\"type\":\"AssumedRole\",\"principalId\":\"")
                        .s(&c.node_role_id)
                        .s(":")
                        .s(&node.instance);
                    w.s("\",\"arn\":\"arn:aws:sts::")
                        .s(acct)
                        .s(":assumed-role/")
                        .s(&c.node_role)
                        .s("/")
                        .s(&node.instance);
                    w.s("\",\"accountId\":")
                        .q(acct)
                        .s(",\"accessKeyId\":\"ASIA")
                        .upnum(rng, 16);
                    w.s("\",\"sessionContext\":{\"sessionIssuer\":{\"type\":\"Role\",\"principalId\":")
                    .q(&c.node_role_id);
                    w.s(",\"arn\":\"arn:aws:iam::")
                        .s(acct)
                        .s(":role/")
                        .s(&c.node_role)
                        .s("\",\"accountId\":")
                        .q(acct);
                    w.s(",\"userName\":")
                        .q(&c.node_role)
                        .s("},\"webIdFederationData\":{},\"attributes\":{\"creationDate\":");
                    let t = r.time - rng.range(60, 21_000) as i64;
                    w.time(t)
                        .s(",\"mfaAuthenticated\":\"false\"},\"ec2RoleDelivery\":\"2.0\"}}");
                }
                Ident::Irsa(..) => {
                    let (role, role_id) = match r.ident {
                        Ident::Irsa(a, b) => (a, b),
                        _ => unreachable!(),
                    };
                    let session = 1_700_000_000_000_000_000 + rng.below(99_999_999_999_999_999);
                    w.s("\"type\":\"AssumedRole\",\"principalId\":\"")
                        .s(role_id)
                        .s(":")
                        .n(session);
                    w.s("\",\"arn\":\"arn:aws:sts::")
                        .s(acct)
                        .s(":assumed-role/")
                        .s(role)
                        .s("/")
                        .n(session);
                    w.s("\",\"accountId\":")
                        .q(acct)
                        .s(",\"accessKeyId\":\"ASIA")
                        .upnum(rng, 16);
                    w.s("\",\"sessionContext\":{\"sessionIssuer\":{\"type\":\"Role\",\"principalId\":")
                    .q(role_id);
                    w.s(",\"arn\":\"arn:aws:iam::")
                        .s(acct)
                        .s(":role/")
                        .s(role)
                        .s("\",\"accountId\":")
                        .q(acct);
                    w.s(",\"userName\":")
                        .q(role)
                        .s("},\"webIdFederationData\":{\"federatedProvider\":\"arn:aws:iam::")
                        .s(acct);
                    w.s(":oidc-provider/oidc.eks.")
                        .s(&c.region)
                        .s(".amazonaws.com/id/")
                        .s(&c.oidc);
                    w.s("\",\"attributes\":{}},\"attributes\":{\"creationDate\":");
                    let t = r.time - rng.range(30, 3500) as i64;
                    w.time(t).s(",\"mfaAuthenticated\":\"false\"}}}");
                }
                Ident::User(i) => {
                    let (name, uid) = &c.users[i];
                    w.s("\"type\":\"IAMUser\",\"principalId\":")
                        .q(uid)
                        .s(",\"arn\":\"arn:aws:iam::")
                        .s(acct)
                        .s(":user/")
                        .s(name);
                    w.s("\",\"accountId\":")
                        .q(acct)
                        .s(",\"accessKeyId\":\"AKIA")
                        .upnum(rng, 16)
                        .s("\",\"userName\":")
                        .q(name)
                        .s("}");
                }
                Ident::Sso => {
                    let role = "AWSReservedSSO_AdministratorAccess_6f3c9e0d2b8a4c17";
                    w.s("\"type\":\"AssumedRole\",\"principalId\":\"AROAQX2KB7TEXAMPLE4Q:jane.doe@example.com\",\"arn\":\"arn:aws:sts::");
                    w.s(acct)
                        .s(":assumed-role/")
                        .s(role)
                        .s("/jane.doe@example.com\",\"accountId\":")
                        .q(acct);
                    w.s(",\"accessKeyId\":\"ASIA").upnum(rng, 16).s("\",\"sessionContext\":{\"sessionIssuer\":{\"type\":\"Role\",\"principalId\":\"AROAQX2KB7TEXAMPLE4Q\",\"arn\":\"arn:aws:iam::");
                    w.s(acct)
                        .s(":role/aws-reserved/sso.amazonaws.com/")
                        .s(role)
                        .s("\",\"accountId\":")
                        .q(acct)
                        .s(",\"userName\":")
                        .q(role);
                    w.s("},\"webIdFederationData\":{},\"attributes\":{\"creationDate\":");
                    let t = r.time - rng.range(60, 28_000) as i64;
                    w.time(t).s(",\"mfaAuthenticated\":\"false\"}}}");
                }
                Ident::Service(svc) => {
                    w.s("\"type\":\"AWSService\",\"invokedBy\":").q(svc).s("}");
                }
            }
            w.s(",\"eventTime\":")
                .time(r.time)
                .s(",\"eventSource\":")
                .q(r.source)
                .s(",\"eventName\":")
                .q(r.name);
            w.s(",\"awsRegion\":")
                .q(&c.region)
                .s(",\"sourceIPAddress\":");
            match r.ip {
                Ip::Addr(a) => {
                    w.s("\"").ip(Ipv4Addr::from(a)).s("\"");
                }
                Ip::Text(t) => {
                    w.q(t);
                }
            }
            w.s(",\"userAgent\":").q(r.ua);
        }

        /// `requestID` … to the end of the record. `request_id` was already written into the
        /// response when the service echoes it: pass it back here.
        fn tail(
            &mut self,
            request_id: &[u8],
            read_only: bool,
            management: bool,
            resources: Option<&dyn Fn(&mut W)>,
            shared: bool,
            host: Option<&str>,
        ) {
            let acct = self.c.account.as_str();
            let w = &mut self.w;
            let rng = &mut self.rng;
            w.s(",\"requestID\":\"");
            w.buf.extend_from_slice(request_id);
            w.s("\",\"eventID\":\"")
                .uuid(rng)
                .s("\",\"readOnly\":")
                .s(if read_only { "true" } else { "false" });
            if let Some(res) = resources {
                w.s(",\"resources\":[");
                res(w);
                w.s("]");
            }
            w.s(",\"eventType\":\"AwsApiCall\",\"managementEvent\":")
                .s(if management { "true" } else { "false" });
            w.s(",\"recipientAccountId\":").q(acct);
            if shared {
                w.s(",\"sharedEventID\":\"").uuid(rng).s("\"");
            }
            w.s(",\"eventCategory\":")
                .q(if management { "Management" } else { "Data" });
            if let Some(host) = host {
                let cipher = *rng.pick(&CIPHERS);
                let v = if cipher.starts_with("TLS_") {
                    "TLSv1.3"
                } else {
                    "TLSv1.2"
                };
                w.s(",\"tlsDetails\":{\"tlsVersion\":")
                    .q(v)
                    .s(",\"cipherSuite\":")
                    .q(cipher);
                w.s(",\"clientProvidedHostHeader\":").q(host).s("}");
            }
            w.s("}");
        }

        fn uuid_bytes(&mut self) -> [u8; 36] {
            let mut w = W::with_capacity(36);
            w.uuid(&mut self.rng);
            w.buf.try_into().unwrap()
        }

        fn version(&mut self) -> &'static str {
            VERSIONS[self.rng.below(4) as usize]
        }

        fn ec2_host(&self) -> String {
            format!("ec2.{}.amazonaws.com", self.c.region)
        }

        fn maybe_host(&mut self, host: String) -> Option<String> {
            self.rng.chance(0.5).then_some(host)
        }

        // ------------------------------------------------------------------------------------------
        // Everything else

        fn noise(&mut self, time: i64) {
            // Cumulative weights of the noise mix below.
            const W_NOISE: [u32; 19] = [20, 7, 3, 5, 6, 12, 5, 6, 5, 2, 3, 7, 3, 3, 3, 2, 3, 2, 3];
            let kind = self.rng.weighted(&cumulative(&W_NOISE));
            match kind {
                0..=2 => self.s3(time, kind),
                3 => self.assume_role(time),
                4 => self.assume_role_web_identity(time),
                5 | 6 => self.kms(time, kind == 6),
                7 | 8 | 9 | 17 => self.ec2_describe(time, kind),
                10 => self.simple(time, "eks.amazonaws.com", "DescribeCluster", 10),
                11 => self.simple(time, "logs.amazonaws.com", "PutLogEvents", 11),
                12 => self.simple(time, "ecr.amazonaws.com", "GetAuthorizationToken", 12),
                13 => self.simple(time, "ecr.amazonaws.com", "BatchGetImage", 13),
                14 => self.simple(time, "ssm.amazonaws.com", "GetParameter", 14),
                15 => self.simple(time, "secretsmanager.amazonaws.com", "GetSecretValue", 15),
                16 => self.simple(
                    time,
                    "elasticloadbalancing.amazonaws.com",
                    "DescribeTargetHealth",
                    16,
                ),
                _ => self.simple(time, "sts.amazonaws.com", "GetCallerIdentity", 18),
            }
        }

        fn app_ident(&mut self) -> Ident<'a> {
            let c = self.c;
            match self.rng.below(10) {
                0..=3 => {
                    let (role, id) =
                        &c.app_roles[self.rng.below(c.app_roles.len() as u64) as usize];
                    Ident::Irsa(role, id)
                }
                4 | 5 => Ident::NodeRole(&c.nodes[self.rng.below(c.nodes.len() as u64) as usize]),
                6..=8 => Ident::User(self.rng.below(c.users.len() as u64) as usize),
                _ => Ident::Sso,
            }
        }

        fn client_ip(&mut self) -> Ip<'a> {
            let c = self.c;
            if self.rng.chance(0.8) {
                Ip::Addr(c.nodes[self.rng.below(c.nodes.len() as u64) as usize].public_ip)
            } else {
                Ip::Addr(0x0300_0000 | (self.rng.next_u64() as u32 & 0x00ff_ffff))
            }
        }

        /// A random object key, appended to `out`.
        fn s3_key_into(rng: &mut Rng, out: &mut W) {
            for _ in 0..rng.range(1, 4) {
                out.s(WORDS[rng.below(16) as usize]).s("/");
            }
            out.s("dt=").date(rng).s("/part-").hex(rng, 8);
            if rng.chance(0.4) {
                out.s("-").uuid(rng);
            }
            out.s(if rng.chance(0.5) {
                ".snappy.parquet"
            } else {
                ".json.gz"
            });
        }

        fn s3(&mut self, time: i64, kind: usize) {
            // Short and long SDK agents both occur.
            let c = self.c;
            let name = ["GetObject", "PutObject", "ListObjects"][kind];
            let ident = self.app_ident();
            let ip = self.client_ip();
            let ua = *self.rng.pick(&SDK_UAS[..6]);
            let version = self.version();
            self.head(&Rec {
                version,
                ident,
                time,
                source: "s3.amazonaws.com",
                name,
                ip,
                ua,
            });
            let bucket = c.buckets[self.rng.below(c.buckets.len() as u64) as usize].as_str();
            let key = (kind != 2).then(|| {
                let mut k = W::with_capacity(128);
                Self::s3_key_into(&mut self.rng, &mut k);
                String::from_utf8(k.buf).unwrap()
            });
            let w = &mut self.w;
            let rng = &mut self.rng;
            w.s(",\"requestParameters\":{\"bucketName\":")
                .q(bucket)
                .s(",\"Host\":\"")
                .s(bucket)
                .s(".s3.")
                .s(&c.region)
                .s(".amazonaws.com\"");
            match &key {
                None => {
                    w.s(",\"list-type\":\"2\",\"prefix\":\"")
                        .s(WORDS[rng.below(16) as usize])
                        .s("/\",\"max-keys\":\"1000\"}");
                }
                Some(k) => {
                    w.s(",\"key\":").q(k);
                    if kind == 1 {
                        w.s(",\"x-amz-server-side-encryption\":\"aws:kms\",\"x-amz-acl\":\"bucket-owner-full-control\"");
                    }
                    w.s("}");
                }
            }
            if kind == 1 {
                w.s(",\"responseElements\":{\"x-amz-server-side-encryption-aws-kms-key-id\":\"arn:aws:kms:").s(&c.region).s(":").s(&c.account);
                w.s(":key/")
                    .s(&c.kms_keys[0])
                    .s("\",\"x-amz-server-side-encryption\":\"aws:kms\",\"x-amz-version-id\":\"")
                    .alnum(rng, 32)
                    .s("\"}");
            } else {
                w.s(",\"responseElements\":null");
            }
            let (bin, bout) = if kind == 1 {
                (rng.range(200, 40_000_000), 0)
            } else {
                (0, rng.range(200, 40_000_000))
            };
            w.s(",\"additionalEventData\":{\"SignatureVersion\":\"SigV4\",\"CipherSuite\":\"TLS_AES_128_GCM_SHA256\",\"bytesTransferredIn\":").n(bin);
            w.s(",\"AuthenticationMethod\":\"AuthHeader\",\"x-amz-id-2\":\"")
                .b64(rng, 76)
                .s("\",\"bytesTransferredOut\":")
                .n(bout)
                .s("}");
            let mut t = W::with_capacity(16);
            t.upnum(rng, 16);
            let req_id = t.buf;
            let acct = c.account.as_str();
            let res = |w: &mut W| {
                if let Some(k) = &key {
                    w.s("{\"type\":\"AWS::S3::Object\",\"ARN\":\"arn:aws:s3:::")
                        .s(bucket)
                        .s("/")
                        .s(k)
                        .s("\"},");
                }
                w.s("{\"accountId\":")
                    .q(acct)
                    .s(",\"type\":\"AWS::S3::Bucket\",\"ARN\":\"arn:aws:s3:::")
                    .s(bucket)
                    .s("\"}");
            };
            let host = self.maybe_host(format!("s3.{}.amazonaws.com", c.region));
            self.tail(
                &req_id,
                kind != 1,
                false,
                Some(&res),
                false,
                host.as_deref(),
            );
        }

        fn credentials(&mut self, time: i64) {
            let w = &mut self.w;
            let rng = &mut self.rng;
            w.s("\"credentials\":{\"accessKeyId\":\"ASIA")
                .upnum(rng, 16)
                .s("\",\"sessionToken\":\"IQoJb3JpZ2luX2VjE");
            let len = rng.range(280, 700) as usize;
            w.b64(rng, len).s("\",\"expiration\":");
            // CloudTrail renders this one in the Java date style.
            let exp = time + 3600;
            let (y, mo, d) = super::civil(exp.div_euclid(86_400));
            let s = exp.rem_euclid(86_400);
            let (h, ampm) = match s / 3600 {
                0 => (12, "AM"),
                h @ 1..=11 => (h, "AM"),
                12 => (12, "PM"),
                h => (h - 12, "PM"),
            };
            const MON: [&str; 12] = [
                "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
            ];
            let text = format!(
                "\"{} {}, {}, {}:{:02}:{:02} {}\"",
                MON[mo as usize - 1],
                d,
                y,
                h,
                s / 60 % 60,
                s % 60,
                ampm
            );
            w.s(&text).s("}");
        }

        fn assume_role(&mut self, time: i64) {
            let c = self.c;
            let ident = match self.rng.below(3) {
                0 => Ident::Service("ec2.amazonaws.com"),
                1 => Ident::User(self.rng.below(c.users.len() as u64) as usize),
                _ => Ident::Sso,
            };
            let ip = match ident {
                Ident::Service(s) => Ip::Text(s),
                _ => self.client_ip(),
            };
            let ua = match ident {
                Ident::Service(s) => s,
                _ => *self.rng.pick(&SDK_UAS),
            };
            let version = self.version();
            self.head(&Rec {
                version,
                ident,
                time,
                source: "sts.amazonaws.com",
                name: "AssumeRole",
                ip,
                ua,
            });
            let role = if self.rng.chance(0.5) {
                c.node_role.clone()
            } else {
                c.app_roles[self.rng.below(6) as usize].0.clone()
            };
            let role_id = c.node_role_id.clone();
            let session = {
                let mut t = W::with_capacity(20);
                t.s("session-").n(self.rng.below(1 << 40));
                String::from_utf8(t.buf).unwrap()
            };
            self.w
                .s(",\"requestParameters\":{\"roleArn\":\"arn:aws:iam::")
                .s(&c.account)
                .s(":role/")
                .s(&role);
            self.w
                .s("\",\"roleSessionName\":")
                .q(&session)
                .s(",\"durationSeconds\":3600},\"responseElements\":{");
            self.credentials(time);
            self.w
                .s(",\"assumedRoleUser\":{\"assumedRoleId\":\"")
                .s(&role_id)
                .s(":")
                .s(&session);
            self.w
                .s("\",\"arn\":\"arn:aws:sts::")
                .s(&c.account)
                .s(":assumed-role/")
                .s(&role)
                .s("/")
                .s(&session)
                .s("\"}}");
            let req_id = self.uuid_bytes();
            let acct = c.account.clone();
            let res = move |w: &mut W| {
                w.s("{\"accountId\":")
                    .q(&acct)
                    .s(",\"type\":\"AWS::IAM::Role\",\"ARN\":\"arn:aws:iam::")
                    .s(&acct)
                    .s(":role/")
                    .s(&role)
                    .s("\"}");
            };
            let host = self.maybe_host(format!("sts.{}.amazonaws.com", c.region));
            self.tail(&req_id, true, true, Some(&res), true, host.as_deref());
        }

        fn assume_role_web_identity(&mut self, time: i64) {
            let c = self.c;
            let ns = *self.rng.pick(&APP_NS);
            let (sa, role, role_id) = if self.rng.chance(0.3) {
                (
                    "aws-node".to_string(),
                    c.cni_role.clone(),
                    c.cni_role_id.as_str(),
                )
            } else {
                let (role, id) = &c.app_roles[self.rng.below(6) as usize];
                (format!("{ns}-sa"), role.clone(), id.as_str())
            };
            let ns = if sa == "aws-node" { "kube-system" } else { ns };
            let provider = format!(
                "arn:aws:iam::{}:oidc-provider/oidc.eks.{}.amazonaws.com/id/{}",
                c.account, c.region, c.oidc
            );
            let subject = format!("system:serviceaccount:{ns}:{sa}");
            let ip = self.client_ip();
            let ua = *self.rng.pick(&SDK_UAS);
            let version = self.version();
            // The identity block of this call is a WebIdentityUser, written by hand.
            let w = &mut self.w;
            w.s("{\"eventVersion\":")
                .q(version)
                .s(",\"userIdentity\":{\"type\":\"WebIdentityUser\",\"principalId\":\"");
            w.s(&provider)
                .s(":sts.amazonaws.com:")
                .s(&subject)
                .s("\",\"userName\":")
                .q(&subject);
            w.s(",\"identityProvider\":")
                .q(&provider)
                .s("},\"eventTime\":")
                .time(time);
            w.s(",\"eventSource\":\"sts.amazonaws.com\",\"eventName\":\"AssumeRoleWithWebIdentity\",\"awsRegion\":").q(&c.region);
            w.s(",\"sourceIPAddress\":\"");
            if let Ip::Addr(a) = ip {
                w.ip(Ipv4Addr::from(a));
            }
            w.s("\",\"userAgent\":").q(ua);
            let session = 1_700_000_000_000_000_000 + self.rng.below(99_999_999_999_999_999);
            let w = &mut self.w;
            w.s(",\"requestParameters\":{\"roleArn\":\"arn:aws:iam::")
                .s(&c.account)
                .s(":role/")
                .s(&role);
            w.s("\",\"roleSessionName\":\"")
                .n(session)
                .s("\",\"durationSeconds\":86400},\"responseElements\":{");
            self.credentials(time);
            let w = &mut self.w;
            w.s(",\"subjectFromWebIdentityToken\":")
                .q(&subject)
                .s(",\"assumedRoleUser\":{\"assumedRoleId\":\"");
            w.s(role_id)
                .s(":")
                .n(session)
                .s("\",\"arn\":\"arn:aws:sts::")
                .s(&c.account)
                .s(":assumed-role/")
                .s(&role)
                .s("/")
                .n(session);
            w.s("\"},\"provider\":")
                .q(&provider)
                .s(",\"audience\":\"sts.amazonaws.com\"}");
            w.s(",\"additionalEventData\":{\"identityProviderConnectionVerificationMethod\":\"IAMTrustStore\"}");
            let req_id = self.uuid_bytes();
            let acct = c.account.clone();
            let res = move |w: &mut W| {
                w.s("{\"accountId\":")
                    .q(&acct)
                    .s(",\"type\":\"AWS::IAM::Role\",\"ARN\":\"arn:aws:iam::")
                    .s(&acct)
                    .s(":role/")
                    .s(&role)
                    .s("\"}");
            };
            let host = self.maybe_host(format!("sts.{}.amazonaws.com", c.region));
            self.tail(&req_id, true, true, Some(&res), false, host.as_deref());
        }

        fn kms(&mut self, time: i64, generate: bool) {
            let c = self.c;
            let via_s3 = self.rng.chance(0.5);
            let ident = self.app_ident();
            let (ip, ua) = if via_s3 {
                (Ip::Text("s3.amazonaws.com"), "s3.amazonaws.com")
            } else {
                (self.client_ip(), *self.rng.pick(&SDK_UAS))
            };
            let name = if generate {
                "GenerateDataKey"
            } else {
                "Decrypt"
            };
            let version = self.version();
            self.head(&Rec {
                version,
                ident,
                time,
                source: "kms.amazonaws.com",
                name,
                ip,
                ua,
            });
            let key = c.kms_keys[self.rng.below(c.kms_keys.len() as u64) as usize].clone();
            let bucket = c.buckets[self.rng.below(c.buckets.len() as u64) as usize].clone();
            self.w.s(",\"requestParameters\":{");
            if generate {
                self.w
                    .s("\"keyId\":\"arn:aws:kms:")
                    .s(&c.region)
                    .s(":")
                    .s(&c.account)
                    .s(":key/")
                    .s(&key)
                    .s("\",\"keySpec\":\"AES_256\",");
            }
            self.w
                .s("\"encryptionAlgorithm\":\"SYMMETRIC_DEFAULT\",\"encryptionContext\":{");
            if via_s3 {
                self.w.s("\"aws:s3:arn\":\"arn:aws:s3:::").s(&bucket).s("/");
                Self::s3_key_into(&mut self.rng, &mut self.w);
                self.w.s("\"");
            } else {
                self.w
                    .s("\"PARAMETER_ARN\":\"arn:aws:ssm:")
                    .s(&c.region)
                    .s(":")
                    .s(&c.account)
                    .s(":parameter/")
                    .s(&c.name)
                    .s("/");
                self.w
                    .s(WORDS[self.rng.below(16) as usize])
                    .s("/")
                    .hex(&mut self.rng, 8)
                    .s("\"");
            }
            self.w.s("}},\"responseElements\":null");
            let req_id = self.uuid_bytes();
            let acct = c.account.clone();
            let region = c.region.clone();
            let res = move |w: &mut W| {
                w.s("{\"accountId\":")
                    .q(&acct)
                    .s(",\"type\":\"AWS::KMS::Key\",\"ARN\":\"arn:aws:kms:")
                    .s(&region)
                    .s(":")
                    .s(&acct)
                    .s(":key/")
                    .s(&key)
                    .s("\"}");
            };
            let host = if via_s3 {
                None
            } else {
                self.maybe_host(format!("kms.{}.amazonaws.com", c.region))
            };
            self.tail(&req_id, true, true, Some(&res), false, host.as_deref());
        }

        fn ec2_describe(&mut self, time: i64, kind: usize) {
            let c = self.c;
            let node = &c.nodes[self.rng.below(c.nodes.len() as u64) as usize];
            let name = match kind {
                7 => "DescribeInstances",
                8 => "DescribeNetworkInterfaces",
                9 => "DescribeSubnets",
                _ => "DescribeVolumes",
            };
            // Tools other than the CNI (Karpenter, cluster-autoscaler, CSI driver): the simulation
            // writes the CNI's own describes.
            let ident = self.app_ident();
            let ua = if self.rng.chance(0.5) {
                SDK_UAS[8]
            } else {
                SDK_UAS[10]
            };
            let version = self.version();
            self.head(&Rec {
                version,
                ident,
                time,
                source: "ec2.amazonaws.com",
                name,
                ip: Ip::Addr(node.public_ip),
                ua,
            });
            let throttled = self.rng.chance(0.02);
            if throttled {
                self.w.s(",\"errorCode\":\"Client.RequestLimitExceeded\",\"errorMessage\":\"Request limit exceeded.\"");
            }
            let w = &mut self.w;
            match kind {
                7 => {
                    w.s(",\"requestParameters\":{\"instancesSet\":{\"items\":[{\"instanceId\":")
                        .q(&node.instance)
                        .s("}]},\"filterSet\":{}}");
                }
                8 => {
                    if self.rng.chance(0.5) {
                        w.s(",\"requestParameters\":{\"networkInterfaceIdSet\":{\"items\":[");
                        for (i, e) in node.enis.iter().enumerate() {
                            if i > 0 {
                                w.s(",");
                            }
                            w.s("{\"networkInterfaceId\":").q(e).s("}");
                        }
                        w.s("]},\"filterSet\":{}}");
                    } else {
                        w.s(",\"requestParameters\":{\"networkInterfaceIdSet\":{},\"filterSet\":{\"items\":[");
                        w.s("{\"name\":\"tag-key\",\"valueSet\":{\"items\":[{\"value\":\"node.k8s.amazonaws.com/instance_id\"}]}},");
                        w.s("{\"name\":\"status\",\"valueSet\":{\"items\":[{\"value\":\"available\"}]}},");
                        w.s("{\"name\":\"vpc-id\",\"valueSet\":{\"items\":[{\"value\":")
                            .q(&c.vpc)
                            .s("}]}}]},\"maxResults\":1000}");
                    }
                }
                9 => {
                    w.s(",\"requestParameters\":{\"subnetSet\":{},\"filterSet\":{\"items\":[{\"name\":\"vpc-id\",\"valueSet\":{\"items\":[{\"value\":");
                    w.q(&c.vpc)
                    .s("}]}},{\"name\":\"availability-zone\",\"valueSet\":{\"items\":[{\"value\":")
                    .q(&c.subnets[node.subnet].1)
                    .s("}]}}]}}");
                }
                _ => {
                    w.s(",\"requestParameters\":{\"volumeSet\":{},\"filterSet\":{\"items\":[{\"name\":\"attachment.instance-id\",\"valueSet\":{\"items\":[{\"value\":");
                    w.q(&node.instance).s("}]}}]},\"maxResults\":500}");
                }
            }
            w.s(",\"responseElements\":null");
            let req_id = self.uuid_bytes();
            let host = self.maybe_host(self.ec2_host());
            self.tail(&req_id, true, true, None, false, host.as_deref());
        }

        fn simple(&mut self, time: i64, source: &'static str, name: &'static str, kind: usize) {
            let c = self.c;
            let ident = self.app_ident();
            let ip = self.client_ip();
            let ua = *self.rng.pick(&SDK_UAS);
            let version = self.version();
            self.head(&Rec {
                version,
                ident,
                time,
                source,
                name,
                ip,
                ua,
            });
            let w = &mut self.w;
            let rng = &mut self.rng;
            let mut management = true;
            let mut resources: Option<String> = None;
            match kind {
                10 => {
                    w.s(",\"requestParameters\":{\"name\":")
                        .q(&c.name)
                        .s("},\"responseElements\":null");
                }
                11 => {
                    management = false;
                    w.s(",\"requestParameters\":{\"logGroupName\":\"/aws/containerinsights/")
                        .s(&c.name)
                        .s("/application\",\"logStreamName\":\"");
                    w.s("ip-10-")
                        .n(rng.below(256))
                        .s("-")
                        .n(rng.below(256))
                        .s("-")
                        .n(rng.below(256))
                        .s(".")
                        .s(&c.region)
                        .s(".compute.internal-application.var.log.containers.");
                    w.s(APP_NS[rng.below(6) as usize])
                        .s("-")
                        .hex(rng, 10)
                        .s("-")
                        .alnum(rng, 5)
                        .s("_")
                        .s(APP_NS[rng.below(6) as usize])
                        .s("_app-")
                        .hex(rng, 24)
                        .s(".log\"");
                    w.s(",\"sequenceToken\":null},\"responseElements\":null");
                }
                12 => {
                    w.s(",\"requestParameters\":null,\"responseElements\":null");
                }
                13 => {
                    w.s(",\"requestParameters\":{\"repositoryName\":\"")
                        .s(APP_NS[rng.below(6) as usize])
                        .s("/")
                        .s(WORDS[rng.below(16) as usize]);
                    w.s("\",\"registryId\":")
                        .q(&c.account)
                        .s(",\"imageIds\":[{\"imageDigest\":\"sha256:")
                        .hex(rng, 64)
                        .s("\"}],\"acceptedMediaTypes\":[");
                    w.s("\"application/vnd.docker.distribution.manifest.v2+json\",\"application/vnd.oci.image.manifest.v1+json\",\"application/vnd.oci.image.index.v1+json\"]},\"responseElements\":null");
                    resources = Some(format!(
                        "{{\"accountId\":\"{}\",\"ARN\":\"arn:aws:ecr:{}:{}:repository/{}\"}}",
                        c.account,
                        c.region,
                        c.account,
                        WORDS[rng.below(16) as usize]
                    ));
                }
                14 => {
                    w.s(",\"requestParameters\":{\"name\":\"/")
                        .s(&c.name)
                        .s("/")
                        .s(WORDS[rng.below(16) as usize])
                        .s("/")
                        .s(WORDS[rng.below(16) as usize]);
                    w.s("\",\"withDecryption\":true},\"responseElements\":null");
                }
                15 => {
                    w.s(",\"requestParameters\":{\"secretId\":\"arn:aws:secretsmanager:")
                        .s(&c.region)
                        .s(":")
                        .s(&c.account)
                        .s(":secret:");
                    w.s(APP_NS[rng.below(6) as usize])
                        .s("/db-credentials-")
                        .alnum(rng, 6)
                        .s("\"},\"responseElements\":null");
                }
                16 => {
                    w.s(",\"requestParameters\":{\"targetGroupArn\":\"arn:aws:elasticloadbalancing:")
                    .s(&c.region)
                    .s(":")
                    .s(&c.account);
                    w.s(":targetgroup/k8s-")
                        .s(APP_NS[rng.below(6) as usize])
                        .s("-")
                        .hex(rng, 10)
                        .s("/")
                        .hex(rng, 16)
                        .s("\"},\"responseElements\":null");
                }
                _ => {
                    w.s(",\"requestParameters\":null,\"responseElements\":null");
                }
            }
            let req_id = self.uuid_bytes();
            let res_fn;
            let res: Option<&dyn Fn(&mut W)> = match resources {
                Some(text) => {
                    res_fn = move |w: &mut W| {
                        w.s(&text);
                    };
                    Some(&res_fn)
                }
                None => None,
            };
            let host = self.maybe_host(format!(
                "{}.{}.amazonaws.com",
                source.trim_end_matches(".amazonaws.com"),
                c.region
            ));
            self.tail(&req_id, kind != 11, management, res, false, host.as_deref());
        }
    }

    fn cumulative<const N: usize>(w: &[u32; N]) -> [u32; N] {
        let mut out = [0; N];
        let mut acc = 0;
        for i in 0..N {
            acc += w[i];
            out[i] = acc;
        }
        out
    }

    impl W {
        /// A date like `2026-11-01` inside an S3 key, unquoted.
        fn date(&mut self, rng: &mut Rng) -> &mut Self {
            let day = 20_300 + rng.below(400) as i64;
            let mut b = Vec::with_capacity(20);
            super::push_time(&mut b, day * 86_400);
            self.buf.extend_from_slice(&b[..10]);
            self
        }
    }
}
