//! The typed ENI event: what one CloudTrail record says about one network interface.
//!
//! One record can yield several events (RunInstances launching two instances, CreateTags on three
//! ENIs, TerminateInstances of a batch); every event keeps the record's `event_id`, source file and
//! record index so that it can be traced back to the evidence.

use chrono::{DateTime, Utc};
use serde::Serialize;
use std::sync::Arc;

/// The EC2 calls that change an ENI's addresses or life.
///
/// The order of the variants is the tie-breaker used when several calls share one
/// second (CloudTrail's `eventTime` has second precision): creation before attachment before
/// address changes, and releases before detachment before deletion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum EventName {
    /// `CreateSubnet`: not about an ENI, but it gives a subnet's CIDR block, hence its capacity.
    CreateSubnet,
    /// `RunInstances`: a node and its primary ENI appear.
    RunInstances,
    /// `CreateNetworkInterface`.
    CreateNetworkInterface,
    /// `CreateTags` on one or more ENIs.
    CreateTags,
    /// `AttachNetworkInterface`.
    AttachNetworkInterface,
    /// `ModifyNetworkInterfaceAttribute` (delete-on-termination, security groups, description).
    ModifyNetworkInterfaceAttribute,
    /// `AssignPrivateIpAddresses` (secondary IPv4 addresses or /28 prefixes).
    AssignPrivateIpAddresses,
    /// `AssignIpv6Addresses` (IPv6 addresses or prefixes).
    AssignIpv6Addresses,
    /// `UnassignPrivateIpAddresses`.
    UnassignPrivateIpAddresses,
    /// `UnassignIpv6Addresses`.
    UnassignIpv6Addresses,
    /// `DetachNetworkInterface`.
    DetachNetworkInterface,
    /// `DeleteNetworkInterface`.
    DeleteNetworkInterface,
    /// `TerminateInstances`: the node's delete-on-termination ENIs end with it.
    TerminateInstances,
}

impl EventName {
    /// Every kept event name, in tie-breaking order.
    pub const ALL: [EventName; 13] = [
        EventName::CreateSubnet,
        EventName::RunInstances,
        EventName::CreateNetworkInterface,
        EventName::CreateTags,
        EventName::AttachNetworkInterface,
        EventName::ModifyNetworkInterfaceAttribute,
        EventName::AssignPrivateIpAddresses,
        EventName::AssignIpv6Addresses,
        EventName::UnassignPrivateIpAddresses,
        EventName::UnassignIpv6Addresses,
        EventName::DetachNetworkInterface,
        EventName::DeleteNetworkInterface,
        EventName::TerminateInstances,
    ];

    /// The name exactly as CloudTrail writes it in `eventName`.
    pub fn as_str(self) -> &'static str {
        match self {
            EventName::CreateSubnet => "CreateSubnet",
            EventName::RunInstances => "RunInstances",
            EventName::CreateNetworkInterface => "CreateNetworkInterface",
            EventName::CreateTags => "CreateTags",
            EventName::AttachNetworkInterface => "AttachNetworkInterface",
            EventName::ModifyNetworkInterfaceAttribute => "ModifyNetworkInterfaceAttribute",
            EventName::AssignPrivateIpAddresses => "AssignPrivateIpAddresses",
            EventName::AssignIpv6Addresses => "AssignIpv6Addresses",
            EventName::UnassignPrivateIpAddresses => "UnassignPrivateIpAddresses",
            EventName::UnassignIpv6Addresses => "UnassignIpv6Addresses",
            EventName::DetachNetworkInterface => "DetachNetworkInterface",
            EventName::DeleteNetworkInterface => "DeleteNetworkInterface",
            EventName::TerminateInstances => "TerminateInstances",
        }
    }

    /// Parses a CloudTrail `eventName`; `None` for every call cnitrail does not keep.
    pub fn parse(name: &str) -> Option<EventName> {
        EventName::ALL.into_iter().find(|n| n.as_str() == name)
    }
}

impl std::fmt::Display for EventName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Who made the call, as far as the record (and earlier records about the same ENI) can tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Actor {
    /// The VPC CNI's ipamd (`aws-node`).
    Cni,
    /// The VPC resource controller (trunk and branch ENIs for security groups for pods).
    ResourceController,
    /// Anyone else: load balancers, Lambda, people, other tools.
    Other,
}

impl Actor {
    /// The name used in output and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Actor::Cni => "cni",
            Actor::ResourceController => "resource-controller",
            Actor::Other => "other",
        }
    }
}

impl std::fmt::Display for Actor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One ENI-related call, normalised from whatever shape the record had.
///
/// Lists are empty (never absent) when the record carried none. For failed calls the
/// address lists hold what the request named, since nothing was assigned.
///
/// Serialised (JSON lines, JSON) as a flat object whose keys and order are those of the
/// events table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EniEvent {
    /// CloudTrail `eventID` (else `requestID`, else `file#index` for trimmed records);
    /// duplicates of it are dropped by the scan.
    pub event_id: String,
    /// CloudTrail `eventTime`, UTC, second precision.
    pub event_time: DateTime<Utc>,
    /// The EC2 call.
    pub event_name: EventName,
    /// `awsRegion`.
    pub region: Option<String>,
    /// `recipientAccountId`, else the caller's account.
    pub account: Option<String>,
    /// The ENI the call acted on, when the record names one (Detach names only the attachment).
    pub eni_id: Option<String>,
    /// The instance (node): from the request, the response, or the CNI's tags.
    pub instance_id: Option<String>,
    /// Instance type, from RunInstances (it sets the node's ENI and address limits).
    pub instance_type: Option<String>,
    /// `eni-attach-…` id.
    pub attachment_id: Option<String>,
    /// Subnet of the ENI.
    pub subnet_id: Option<String>,
    /// VPC of the ENI.
    pub vpc_id: Option<String>,
    /// The subnet's IPv4 CIDR block, from CreateSubnet (its size is the subnet's capacity).
    pub cidr_block: Option<String>,
    /// Device index of an attachment.
    pub device_index: Option<i64>,
    /// Whether the attachment goes with the instance (RunInstances' attachments, and
    /// ModifyNetworkInterfaceAttribute setting it, as ipamd does for every ENI it attaches).
    pub delete_on_termination: Option<bool>,
    /// Private IPv4 addresses, the primary among them.
    pub private_ips: Vec<String>,
    /// Which of `private_ips` is the ENI's primary address (never handed to pods).
    pub primary_ip: Option<String>,
    /// IPv4 prefixes (`/28` with prefix delegation).
    pub ipv4_prefixes: Vec<String>,
    /// IPv6 addresses.
    pub ipv6_addresses: Vec<String>,
    /// IPv6 prefixes.
    pub ipv6_prefixes: Vec<String>,
    /// `secondaryPrivateIpAddressCount` requested.
    pub requested_ipv4_count: Option<i64>,
    /// `ipv4PrefixCount` requested.
    pub requested_ipv4_prefix_count: Option<i64>,
    /// `ipv6AddressCount` requested.
    pub requested_ipv6_count: Option<i64>,
    /// `ipv6PrefixCount` requested.
    pub requested_ipv6_prefix_count: Option<i64>,
    /// ENI description (`aws-K8S-i-…` for the CNI's ENIs).
    pub description: Option<String>,
    /// Error code with the `Client.`/`Server.` class stripped (`RequestLimitExceeded`).
    pub error_code: Option<String>,
    /// Error code as CloudTrail wrote it (`Client.RequestLimitExceeded`).
    pub error_code_raw: Option<String>,
    /// `errorMessage`.
    pub error_message: Option<String>,
    /// `userIdentity.arn`.
    pub caller_arn: Option<String>,
    /// Role session name: an instance id for the node role, a number for IRSA.
    pub session_name: Option<String>,
    /// `userAgent`.
    pub user_agent: Option<String>,
    /// Who made the call.
    pub actor: Actor,
    /// CNI version from the user agent, when it carries one.
    pub cni_version: Option<String>,
    /// The file or object the record came from.
    pub source_file: Arc<str>,
    /// Zero-based index of the record in that file.
    pub record_index: u64,
}

/// An event id kept compactly: a UUID as 16 bytes, anything else as shared text. Displays and
/// serialises as the text CloudTrail wrote.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EventIdRef(IdRepr);

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum IdRepr {
    Uuid(u128),
    Text(std::sync::Arc<str>),
}

impl EventIdRef {
    /// The id of a UUID parsed by [`parse_uuid`].
    pub fn uuid(v: u128) -> Self {
        EventIdRef(IdRepr::Uuid(v))
    }

    /// Any other id.
    pub fn text(t: std::sync::Arc<str>) -> Self {
        EventIdRef(IdRepr::Text(t))
    }
}

impl std::fmt::Display for EventIdRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.0 {
            IdRepr::Uuid(v) => f.write_str(&format_uuid(*v)),
            IdRepr::Text(t) => f.write_str(t),
        }
    }
}

impl Serialize for EventIdRef {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// A CloudTrail event id (a lower-case UUID) as 16 bytes; `None` for any other text, so that
/// the same text always maps to the same number and back ([`format_uuid`]).
pub fn parse_uuid(s: &str) -> Option<u128> {
    let b = s.as_bytes();
    if b.len() != 36 || [8, 13, 18, 23].iter().any(|&i| b[i] != b'-') {
        return None;
    }
    // Two 64-bit halves rather than one u128 shifted 32 times: this runs for every event of a
    // timeline, and the u128 shifts were most of the time of taking an event in.
    let half = |positions: &[std::ops::Range<usize>]| -> Option<u64> {
        let mut v = 0u64;
        for &c in positions.iter().flat_map(|r| &b[r.clone()]) {
            let d = match c {
                b'0'..=b'9' => c - b'0',
                b'a'..=b'f' => c - b'a' + 10,
                _ => return None,
            };
            v = v << 4 | u64::from(d);
        }
        Some(v)
    };
    let hi = half(&[0..8, 9..13, 14..18])?;
    let lo = half(&[19..23, 24..36])?;
    Some(u128::from(hi) << 64 | u128::from(lo))
}

/// The text of an id parsed by [`parse_uuid`].
pub fn format_uuid(v: u128) -> String {
    let h = format!("{v:032x}");
    format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuids_round_trip_and_nothing_else_parses() {
        let id = "bc3872b3-cd3d-40ae-bb4b-1ae2b38e4b17";
        assert_eq!(parse_uuid(id).map(format_uuid).as_deref(), Some(id));
        assert_eq!(parse_uuid("BC3872B3-CD3D-40AE-BB4B-1AE2B38E4B17"), None);
        assert_eq!(parse_uuid("+c3872b3-cd3d-40ae-bb4b-1ae2b38e4b17"), None);
        assert_eq!(parse_uuid("bc3872b3-cd3d-40ae-bb4b-1ae2b38e4b1"), None);
        assert_eq!(parse_uuid("bc3872b3xcd3d-40ae-bb4b-1ae2b38e4b17"), None);
    }
}
