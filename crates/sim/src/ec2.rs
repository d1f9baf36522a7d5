//! The contract between the node model ([`crate::ipamd`]) and the AWS model ([`crate::aws`]):
//! the EC2 calls ipamd (and the other actors) make, with what they send and what they get back.
//!
//! The node model decides *what* to call and when; the AWS model decides what happens (free
//! addresses, limits, throttling), records each call as a CloudTrail record, and keeps the
//! ground truth. Neither sees the other's state: this is the only door between them.

use std::fmt;
use std::net::Ipv4Addr;

/// Simulated time: whole seconds since the Unix epoch, UTC (CloudTrail's precision).
pub type Time = i64;

/// An IPv4 prefix such as a `/28` delegated to an ENI.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Prefix4 {
    /// First address.
    pub base: Ipv4Addr,
    /// Prefix length (28 for prefix delegation).
    pub len: u8,
}

impl Prefix4 {
    /// Number of addresses in the prefix.
    pub fn size(&self) -> u32 {
        1u32 << (32 - self.len as u32)
    }

    /// Whether `ip` lies inside.
    pub fn contains(&self, ip: Ipv4Addr) -> bool {
        let mask = if self.len == 0 {
            0
        } else {
            u32::MAX << (32 - self.len as u32)
        };
        u32::from(ip) & mask == u32::from(self.base) & mask
    }
}

impl fmt::Display for Prefix4 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.base, self.len)
    }
}

/// A CNI version, which decides the user agent and the call sequence (facts §2.4, §4.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CniVersion {
    /// Major.
    pub major: u16,
    /// Minor.
    pub minor: u16,
    /// Patch.
    pub patch: u16,
}

impl CniVersion {
    /// `v1.19.0` and so on.
    pub const fn new(major: u16, minor: u16, patch: u16) -> Self {
        CniVersion {
            major,
            minor,
            patch,
        }
    }

    /// ≤ v1.7: CreateTags after CreateNetworkInterface.
    pub fn tags_after_create(self) -> bool {
        self < CniVersion::new(1, 8, 0)
    }

    /// v1.15.4+: secondary addresses or prefixes come with CreateNetworkInterface.
    pub fn addresses_in_create(self) -> bool {
        self >= CniVersion::new(1, 15, 4)
    }

    /// v1.18.0+: `NetworkCardIndex` on every attach.
    pub fn sends_network_card_index(self) -> bool {
        self >= CniVersion::new(1, 18, 0)
    }
}

impl fmt::Display for CniVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "v{}.{}.{}", self.major, self.minor, self.patch)
    }
}

/// How ipamd authenticates (facts §4.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IdentityKind {
    /// The node's instance role; the session is named after the instance.
    NodeRole,
    /// IRSA: a web-identity session with a numeric name.
    Irsa,
}

/// Callers other than ipamd.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OtherActor {
    /// EC2 Auto Scaling launching and terminating nodes.
    AutoScaling,
    /// Elastic Load Balancing's ENIs.
    LoadBalancer,
    /// Lambda's VPC ENIs.
    Lambda,
    /// Interface VPC endpoints.
    VpcEndpoint,
    /// The VPC resource controller (trunk/branch ENIs).
    ResourceController,
    /// A person or a tool with its own role.
    Operator,
}

/// Who makes a call.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Caller {
    /// ipamd on `instance_id`.
    Cni {
        /// The node.
        instance_id: String,
        /// Its CNI version.
        version: CniVersion,
        /// How it authenticates.
        identity: IdentityKind,
    },
    /// Anyone else.
    Other(OtherActor),
}

/// When and by whom a call is made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallCtx {
    /// When the call reaches EC2.
    pub time: Time,
    /// Who makes it.
    pub caller: Caller,
}

/// Why a call failed, with CloudTrail's code and message (facts §3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ApiError {
    /// `Client.RequestLimitExceeded`: the account's token bucket for the API is empty.
    RequestLimitExceeded,
    /// `Client.InsufficientFreeAddressesInSubnet`.
    InsufficientFreeAddressesInSubnet,
    /// `Client.InvalidParameterValue` with the newer "no free addresses or prefixes" wording.
    NoFreeAddressesOrPrefixes,
    /// `Client.InsufficientCidrBlocks`: no free aligned /28 in a fragmented subnet.
    InsufficientCidrBlocks,
    /// `Client.PrivateIpAddressLimitExceeded`: the ENI is full.
    PrivateIpAddressLimitExceeded,
    /// `Client.AttachmentLimitExceeded`: the instance has no free ENI slot.
    AttachmentLimitExceeded,
    /// `Client.InvalidNetworkInterfaceID.NotFound`.
    InvalidNetworkInterfaceIdNotFound,
}

impl ApiError {
    /// The `errorCode` CloudTrail writes.
    pub fn code(self) -> &'static str {
        match self {
            ApiError::RequestLimitExceeded => "Client.RequestLimitExceeded",
            ApiError::InsufficientFreeAddressesInSubnet => {
                "Client.InsufficientFreeAddressesInSubnet"
            }
            ApiError::NoFreeAddressesOrPrefixes => "Client.InvalidParameterValue",
            ApiError::InsufficientCidrBlocks => "Client.InsufficientCidrBlocks",
            ApiError::PrivateIpAddressLimitExceeded => "Client.PrivateIpAddressLimitExceeded",
            ApiError::AttachmentLimitExceeded => "Client.AttachmentLimitExceeded",
            ApiError::InvalidNetworkInterfaceIdNotFound => {
                "Client.InvalidNetworkInterfaceID.NotFound"
            }
        }
    }

    /// The `errorMessage` CloudTrail writes.
    pub fn message(self) -> &'static str {
        match self {
            ApiError::RequestLimitExceeded => "Request limit exceeded.",
            ApiError::InsufficientFreeAddressesInSubnet => {
                "The specified subnet does not have enough free addresses to satisfy the request."
            }
            ApiError::NoFreeAddressesOrPrefixes => {
                "There aren't sufficient free Ipv4 addresses or prefixes"
            }
            ApiError::InsufficientCidrBlocks => {
                "The specified subnet does not have enough free cidr blocks to satisfy the request."
            }
            ApiError::PrivateIpAddressLimitExceeded => {
                "Number of private addresses will exceed limit."
            }
            ApiError::AttachmentLimitExceeded => {
                "Interface count exceeds the limit for this instance type."
            }
            ApiError::InvalidNetworkInterfaceIdNotFound => "The networkInterface ID does not exist",
        }
    }

    /// Subnet exhaustion, after which ipamd backs off for 120 s.
    pub fn is_exhaustion(self) -> bool {
        matches!(
            self,
            ApiError::InsufficientFreeAddressesInSubnet
                | ApiError::NoFreeAddressesOrPrefixes
                | ApiError::InsufficientCidrBlocks
        )
    }
}

/// An ENI as EC2 describes it after creating it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EniInfo {
    /// `eni-…`.
    pub eni_id: String,
    /// Its subnet.
    pub subnet_id: String,
    /// Its primary address.
    pub primary_ip: Ipv4Addr,
    /// Secondary addresses assigned at creation (CNI v1.15.4+).
    pub secondary_ips: Vec<Ipv4Addr>,
    /// Prefixes assigned at creation (prefix delegation, v1.15.4+).
    pub prefixes: Vec<Prefix4>,
}

/// A launched instance and its primary ENI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstanceInfo {
    /// `i-…`.
    pub instance_id: String,
    /// The primary ENI (device index 0).
    pub primary_eni: EniInfo,
}

/// What `CreateNetworkInterface` is asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreateEni {
    /// Subnet (the node's, or the ENIConfig's with custom networking).
    pub subnet_id: String,
    /// `aws-K8S-<instance>` for the CNI.
    pub description: String,
    /// Tags given with TagSpecifications (none before v1.8).
    pub tags: Vec<(String, String)>,
    /// `SecondaryPrivateIpAddressCount` (v1.15.4+ secondary-IP mode).
    pub secondary_count: Option<u32>,
    /// `Ipv4PrefixCount` (v1.15.4+ prefix delegation).
    pub prefix_count: Option<u32>,
}

/// The EC2 API as the simulated callers see it.
///
/// Every method is one API call: the implementation records it (with its error, if any) as a
/// CloudTrail record at `ctx.time`, so a retry is a second call and a second record.
pub trait Ec2 {
    /// `RunInstances` of one instance with its primary ENI in `subnet_id`.
    fn run_instances(
        &mut self,
        ctx: &CallCtx,
        instance_type: &str,
        subnet_id: &str,
    ) -> Result<InstanceInfo, ApiError>;

    /// `TerminateInstances`: the instance's delete-on-termination ENIs go with it.
    fn terminate_instances(&mut self, ctx: &CallCtx, instance_id: &str) -> Result<(), ApiError>;

    /// `CreateNetworkInterface`.
    fn create_network_interface(
        &mut self,
        ctx: &CallCtx,
        req: &CreateEni,
    ) -> Result<EniInfo, ApiError>;

    /// `AttachNetworkInterface`; returns the attachment id.
    fn attach_network_interface(
        &mut self,
        ctx: &CallCtx,
        eni_id: &str,
        instance_id: &str,
        device_index: u32,
        network_card_index: Option<u32>,
    ) -> Result<String, ApiError>;

    /// `ModifyNetworkInterfaceAttribute` setting delete-on-termination on an attachment.
    fn modify_delete_on_termination(
        &mut self,
        ctx: &CallCtx,
        eni_id: &str,
        attachment_id: &str,
    ) -> Result<(), ApiError>;

    /// `AssignPrivateIpAddresses` with `SecondaryPrivateIpAddressCount` (and no prefixes).
    fn assign_private_ips(
        &mut self,
        ctx: &CallCtx,
        eni_id: &str,
        count: u32,
    ) -> Result<Vec<Ipv4Addr>, ApiError>;

    /// `AssignPrivateIpAddresses` with `Ipv4PrefixCount`.
    fn assign_prefixes(
        &mut self,
        ctx: &CallCtx,
        eni_id: &str,
        count: u32,
    ) -> Result<Vec<Prefix4>, ApiError>;

    /// `UnassignPrivateIpAddresses` of addresses.
    fn unassign_private_ips(
        &mut self,
        ctx: &CallCtx,
        eni_id: &str,
        ips: &[Ipv4Addr],
    ) -> Result<(), ApiError>;

    /// `UnassignPrivateIpAddresses` of prefixes.
    fn unassign_prefixes(
        &mut self,
        ctx: &CallCtx,
        eni_id: &str,
        prefixes: &[Prefix4],
    ) -> Result<(), ApiError>;

    /// `DetachNetworkInterface` (ipamd never forces).
    fn detach_network_interface(
        &mut self,
        ctx: &CallCtx,
        attachment_id: &str,
    ) -> Result<(), ApiError>;

    /// `DeleteNetworkInterface`.
    fn delete_network_interface(&mut self, ctx: &CallCtx, eni_id: &str) -> Result<(), ApiError>;

    /// `CreateTags` on ENIs.
    fn create_tags(
        &mut self,
        ctx: &CallCtx,
        resource_ids: &[String],
        tags: &[(String, String)],
    ) -> Result<(), ApiError>;

    /// `DescribeInstances` of one instance (read-only: recorded, changes nothing).
    fn describe_instances(&mut self, ctx: &CallCtx, instance_id: &str) -> Result<(), ApiError>;

    /// `DescribeNetworkInterfaces` of some ENIs (read-only).
    fn describe_network_interfaces(
        &mut self,
        ctx: &CallCtx,
        eni_ids: &[String],
    ) -> Result<(), ApiError>;
}
