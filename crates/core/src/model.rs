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
    pub const ALL: [EventName; 12] = [
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

/// One private IPv4 address on an ENI.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PrivateIp {
    /// The address, as CloudTrail wrote it.
    pub address: String,
    /// True for the ENI's primary address (never handed to pods).
    pub primary: bool,
}

/// One ENI-related call, normalised from whatever shape the record had.
///
/// Lists are empty (never absent) when the record carried none. For failed calls the
/// address lists hold what the request named, since nothing was assigned.
///
/// Serialised (JSON lines, JSON) as a flat object whose keys and order are those of the
/// events table: `private_ips` is a list of addresses and `primary_ip` names the primary one.
#[derive(Debug, Clone, PartialEq)]
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
    /// `eni-attach-…` id.
    pub attachment_id: Option<String>,
    /// Subnet of the ENI.
    pub subnet_id: Option<String>,
    /// VPC of the ENI.
    pub vpc_id: Option<String>,
    /// Device index of an attachment.
    pub device_index: Option<i64>,
    /// Private IPv4 addresses, primary flagged.
    pub private_ips: Vec<PrivateIp>,
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

impl EniEvent {
    /// The ENI's primary address, when the record lists it.
    pub fn primary_ip(&self) -> Option<&str> {
        self.private_ips
            .iter()
            .find(|p| p.primary)
            .map(|p| p.address.as_str())
    }
}

/// The flat wire form of an event; field order is the column order of the events table.
#[derive(Serialize)]
struct Wire<'a> {
    event_id: &'a str,
    event_time: &'a DateTime<Utc>,
    event_name: EventName,
    region: &'a Option<String>,
    account: &'a Option<String>,
    eni_id: &'a Option<String>,
    instance_id: &'a Option<String>,
    attachment_id: &'a Option<String>,
    subnet_id: &'a Option<String>,
    vpc_id: &'a Option<String>,
    device_index: Option<i64>,
    private_ips: Vec<&'a str>,
    primary_ip: Option<&'a str>,
    ipv4_prefixes: &'a [String],
    ipv6_addresses: &'a [String],
    ipv6_prefixes: &'a [String],
    requested_ipv4_count: Option<i64>,
    requested_ipv4_prefix_count: Option<i64>,
    requested_ipv6_count: Option<i64>,
    requested_ipv6_prefix_count: Option<i64>,
    description: &'a Option<String>,
    error_code: &'a Option<String>,
    error_code_raw: &'a Option<String>,
    error_message: &'a Option<String>,
    caller_arn: &'a Option<String>,
    session_name: &'a Option<String>,
    user_agent: &'a Option<String>,
    actor: Actor,
    cni_version: &'a Option<String>,
    source_file: &'a str,
    record_index: u64,
}

impl Serialize for EniEvent {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        Wire {
            event_id: &self.event_id,
            event_time: &self.event_time,
            event_name: self.event_name,
            region: &self.region,
            account: &self.account,
            eni_id: &self.eni_id,
            instance_id: &self.instance_id,
            attachment_id: &self.attachment_id,
            subnet_id: &self.subnet_id,
            vpc_id: &self.vpc_id,
            device_index: self.device_index,
            private_ips: self
                .private_ips
                .iter()
                .map(|p| p.address.as_str())
                .collect(),
            primary_ip: self.primary_ip(),
            ipv4_prefixes: &self.ipv4_prefixes,
            ipv6_addresses: &self.ipv6_addresses,
            ipv6_prefixes: &self.ipv6_prefixes,
            requested_ipv4_count: self.requested_ipv4_count,
            requested_ipv4_prefix_count: self.requested_ipv4_prefix_count,
            requested_ipv6_count: self.requested_ipv6_count,
            requested_ipv6_prefix_count: self.requested_ipv6_prefix_count,
            description: &self.description,
            error_code: &self.error_code,
            error_code_raw: &self.error_code_raw,
            error_message: &self.error_message,
            caller_arn: &self.caller_arn,
            session_name: &self.session_name,
            user_agent: &self.user_agent,
            actor: self.actor,
            cni_version: &self.cni_version,
            source_file: &self.source_file,
            record_index: self.record_index,
        }
        .serialize(s)
    }
}
