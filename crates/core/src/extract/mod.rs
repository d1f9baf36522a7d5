//! Record → typed [`EniEvent`]s.
//!
//! Only items that pass the byte-level [`crate::decode::prefilter`] are parsed, into a
//! `serde_json::Value` so that no field's shape can fail the record: the paths are the ones in
//! facts §2.3–§2.4, each read with the tolerant helpers of [`sets`].

pub mod actor;
pub mod sets;

use crate::decode::frame::ItemKind;
use crate::decode::prefilter;
use crate::model::{EniEvent, EventName};
use crate::stats::FilterReason;
use chrono::{DateTime, Utc};
use serde_json::Value;
use sets::{boolean, get, get_any, int, items, items_any, path, string, tag, texts};
use std::sync::Arc;

/// The CNI's tag naming the instance an ENI was created for.
pub const CNI_INSTANCE_TAG: &str = "node.k8s.amazonaws.com/instance_id";

/// What one framed item turned out to be.
#[derive(Debug)]
pub enum Extracted {
    /// A kept call, with the events it yields.
    Kept(KeptRecord),
    /// Read and not kept.
    Filtered(FilterReason),
    /// Not understood; the reason names what was wrong.
    Malformed(String),
}

/// The events of one kept record and what it tells about who made it.
#[derive(Debug)]
pub struct KeptRecord {
    /// Its events, at least one.
    pub events: Vec<EniEvent>,
    /// The caller could be ipamd without a user-agent marker (node-role session named after an
    /// instance, or an IRSA web-identity session): CNI evidence on the ENI decides.
    pub node_identity: bool,
    /// ENIs this record shows to be the CNI's (described `aws-K8S-…` or carrying its tags).
    pub cni_enis: Vec<String>,
}

/// Where an item came from, stamped on its events.
#[derive(Debug, Clone)]
pub struct Origin {
    /// File or object name.
    pub file: Arc<str>,
    /// Zero-based record index in the file.
    pub index: u64,
}

/// Extracts the events of one framed item; items the prefilter rules out are never parsed.
pub fn extract_item(kind: ItemKind, bytes: &[u8], origin: &Origin) -> Extracted {
    if !prefilter::may_be_relevant(bytes) {
        return Extracted::Filtered(FilterReason::NotEniCall);
    }
    extract_item_parsed(kind, bytes, origin)
}

/// Extracts the events of one framed item by parsing it in full, whatever it holds. The
/// reference that the prefilter is tested against; slower, same answers.
pub fn extract_item_parsed(kind: ItemKind, bytes: &[u8], origin: &Origin) -> Extracted {
    let value: Value = match serde_json::from_slice(bytes) {
        Ok(v) => v,
        Err(e) => return Extracted::Malformed(format!("invalid JSON: {e}")),
    };
    match unwrap_record(kind, value) {
        Ok(record) => extract_record(&record, origin),
        Err(why) => Extracted::Malformed(why),
    }
}

/// Takes the CloudTrail record out of whatever envelope carried it. Public so that the call
/// counts ([`crate::calls`]) read the very record this parse produced instead of parsing twice.
pub fn unwrap_record(kind: ItemKind, value: Value) -> Result<Value, String> {
    let Value::Object(mut obj) = value else {
        return Err("not a JSON object".into());
    };
    let inner = match kind {
        ItemKind::Record => return Ok(Value::Object(obj)),
        ItemKind::LookupEvent => match obj.remove("CloudTrailEvent") {
            Some(v) => v,
            None => return Err("LookupEvents entry without CloudTrailEvent".into()),
        },
        ItemKind::TopLevel => {
            if obj.contains_key("eventName") || obj.contains_key("eventTime") {
                return Ok(Value::Object(obj));
            }
            match obj
                .remove("detail")
                .or_else(|| obj.remove("@message"))
                .or_else(|| obj.remove("CloudTrailEvent"))
            {
                Some(v) => v,
                None => return Ok(Value::Object(obj)),
            }
        }
    };
    match inner {
        // LookupEvents and Logs Insights carry the record as JSON text.
        Value::String(text) => serde_json::from_str(&text)
            .map_err(|e| format!("embedded record is not valid JSON: {e}")),
        other => Ok(other),
    }
}

fn malformed(why: &str) -> Extracted {
    Extracted::Malformed(why.to_string())
}

/// Extracts the events of one CloudTrail record.
pub fn extract_record(r: &Value, origin: &Origin) -> Extracted {
    if !r.is_object() {
        return malformed("record is not a JSON object");
    }
    let Some(name) = string(get(r, "eventName")) else {
        return malformed("missing eventName");
    };
    let Some(event_name) = EventName::parse(&name) else {
        return Extracted::Filtered(FilterReason::NotEniCall);
    };
    match string(get(r, "eventSource")) {
        Some(s) if s == "ec2.amazonaws.com" => {}
        Some(_) => return Extracted::Filtered(FilterReason::NotEniCall),
        None => return malformed("missing eventSource"),
    }
    let Some(time_text) = string(get(r, "eventTime")) else {
        return malformed("missing eventTime");
    };
    let Ok(event_time) = DateTime::parse_from_rfc3339(&time_text) else {
        return Extracted::Malformed(format!("invalid eventTime {time_text:?}"));
    };
    // Published records are sometimes trimmed of their eventID (facts §0): fall back on the EC2
    // request id, which is as unique, and as a last resort on the record's position.
    let event_id = string(get(r, "eventID"))
        .or_else(|| string(get(r, "requestID")))
        .or_else(|| string(path(r, &["responseElements", "requestId"])))
        .unwrap_or_else(|| format!("{}#{}", origin.file, origin.index));

    let identity = get(r, "userIdentity").unwrap_or(&Value::Null);
    let caller_arn = string(get(identity, "arn"));
    let session_name = actor::session_name(identity);
    let user_agent = string(get(r, "userAgent"));
    let error_code_raw = string(get(r, "errorCode"));
    let base = EniEvent {
        event_id,
        event_time: event_time.with_timezone(&Utc),
        event_name,
        region: string(get(r, "awsRegion")),
        // Trimmed records (facts §0) keep only the session issuer's account.
        account: string(get(r, "recipientAccountId"))
            .or_else(|| string(get(identity, "accountId")))
            .or_else(|| {
                string(path(
                    identity,
                    &["sessionContext", "sessionIssuer", "accountId"],
                ))
            }),
        eni_id: None,
        instance_id: None,
        instance_type: None,
        attachment_id: None,
        subnet_id: None,
        vpc_id: None,
        cidr_block: None,
        device_index: None,
        delete_on_termination: None,
        private_ips: Vec::new(),
        primary_ip: None,
        ipv4_prefixes: Vec::new(),
        ipv6_addresses: Vec::new(),
        ipv6_prefixes: Vec::new(),
        requested_ipv4_count: None,
        requested_ipv4_prefix_count: None,
        requested_ipv6_count: None,
        requested_ipv6_prefix_count: None,
        description: None,
        error_code: error_code_raw.as_deref().map(actor::strip_error_class),
        error_code_raw,
        error_message: string(get(r, "errorMessage")),
        actor: actor::from_user_agent(user_agent.as_deref()),
        cni_version: user_agent.as_deref().and_then(actor::cni_version),
        caller_arn,
        session_name,
        user_agent,
        source_file: origin.file.clone(),
        record_index: origin.index,
    };
    let req = get(r, "requestParameters").unwrap_or(&Value::Null);
    let resp = get(r, "responseElements").unwrap_or(&Value::Null);
    let events = match event_name {
        EventName::AssignPrivateIpAddresses => vec![assign_ipv4(base, req, resp)],
        EventName::UnassignPrivateIpAddresses => vec![unassign_ipv4(base, req, resp)],
        EventName::AssignIpv6Addresses => vec![assign_ipv6(base, req, resp)],
        EventName::UnassignIpv6Addresses => vec![unassign_ipv6(base, req, resp)],
        EventName::CreateNetworkInterface => vec![create_eni(base, req, resp)],
        EventName::AttachNetworkInterface => vec![EniEvent {
            eni_id: string(get(req, "networkInterfaceId")),
            instance_id: string(get(req, "instanceId")),
            device_index: int(get(req, "deviceIndex")),
            attachment_id: string(get(resp, "attachmentId")),
            ..base
        }],
        EventName::DetachNetworkInterface => vec![EniEvent {
            attachment_id: string(get(req, "attachmentId")),
            eni_id: string(get(req, "networkInterfaceId")),
            instance_id: string(get(req, "instanceId")),
            ..base
        }],
        EventName::DeleteNetworkInterface => vec![EniEvent {
            eni_id: string(get(req, "networkInterfaceId")),
            ..base
        }],
        EventName::ModifyNetworkInterfaceAttribute => vec![EniEvent {
            eni_id: string(get(req, "networkInterfaceId")),
            attachment_id: string(path(req, &["attachment", "attachmentId"])),
            delete_on_termination: boolean(path(req, &["attachment", "deleteOnTermination"])),
            description: string(get(req, "description")),
            ..base
        }],
        EventName::CreateTags => create_tags(base, req),
        EventName::CreateSubnet => vec![create_subnet(base, req, resp)],
        EventName::RunInstances => run_instances(base, req, resp),
        EventName::TerminateInstances => terminate_instances(base, req, resp),
    };
    if events.is_empty() {
        // CreateTags on other resources: an EC2 call, but not about an ENI.
        return Extracted::Filtered(FilterReason::NotEniCall);
    }
    let node_identity = actor::node_identity(identity, events[0].session_name.as_deref());
    let cni_enis = events
        .iter()
        .filter(|e| actor::describes_cni_eni(e, req, resp))
        .filter_map(|e| e.eni_id.clone())
        .collect();
    Extracted::Kept(KeptRecord {
        events,
        node_identity,
        cni_enis,
    })
}

/// Private IPv4 addresses of a set (`{"privateIpAddress","primary"}` items) and the primary.
fn private_ips(items: &[&Value]) -> (Vec<String>, Option<String>) {
    let mut primary = None;
    let addresses = items
        .iter()
        .filter_map(|i| {
            let address = sets::text_of(i, "privateIpAddress")?;
            if primary.is_none() && boolean(get(i, "primary")) == Some(true) {
                primary = Some(address.clone());
            }
            Some(address)
        })
        .collect();
    (addresses, primary)
}

/// Prefers what the response says happened, falls back on what the request named.
fn response_or_request(resp: Vec<String>, req: impl FnOnce() -> Vec<String>) -> Vec<String> {
    if resp.is_empty() { req() } else { resp }
}

fn assign_ipv4(base: EniEvent, req: &Value, resp: &Value) -> EniEvent {
    let ips = response_or_request(
        texts(
            &items_any(
                resp,
                &[
                    "assignedPrivateIpAddressesSet",
                    "assignedPrivateIpAddresses",
                ],
            ),
            "privateIpAddress",
        ),
        || {
            texts(
                &items_any(req, &["privateIpAddressesSet", "privateIpAddresses"]),
                "privateIpAddress",
            )
        },
    );
    let prefixes = response_or_request(
        texts(
            &items_any(resp, &["assignedIpv4PrefixSet", "assignedIpv4Prefixes"]),
            "ipv4Prefix",
        ),
        || {
            texts(
                &items_any(req, &["ipv4Prefixes", "ipv4PrefixSet"]),
                "ipv4Prefix",
            )
        },
    );
    EniEvent {
        eni_id: string(get_any(req, &["networkInterfaceId"]))
            .or_else(|| string(get(resp, "networkInterfaceId"))),
        requested_ipv4_count: int(get(req, "secondaryPrivateIpAddressCount")),
        requested_ipv4_prefix_count: int(get(req, "ipv4PrefixCount")),
        private_ips: ips,
        ipv4_prefixes: prefixes,
        ..base
    }
}

fn unassign_ipv4(base: EniEvent, req: &Value, resp: &Value) -> EniEvent {
    EniEvent {
        eni_id: string(get(req, "networkInterfaceId"))
            .or_else(|| string(get(resp, "networkInterfaceId"))),
        private_ips: texts(
            &items_any(
                req,
                &[
                    "privateIpAddressesSet",
                    "privateIpAddresses",
                    "privateIpAddress",
                ],
            ),
            "privateIpAddress",
        ),
        ipv4_prefixes: texts(
            &items_any(req, &["ipv4Prefixes", "ipv4PrefixSet", "ipv4Prefix"]),
            "ipv4Prefix",
        ),
        ..base
    }
}

fn assign_ipv6(base: EniEvent, req: &Value, resp: &Value) -> EniEvent {
    let addresses = response_or_request(
        texts(
            &items_any(resp, &["assignedIpv6Addresses", "assignedIpv6AddressesSet"]),
            "ipv6Address",
        ),
        || {
            texts(
                &items_any(req, &["ipv6Addresses", "ipv6AddressesSet"]),
                "ipv6Address",
            )
        },
    );
    let prefixes = response_or_request(
        texts(
            &items_any(resp, &["assignedIpv6PrefixSet", "assignedIpv6Prefixes"]),
            "ipv6Prefix",
        ),
        || {
            texts(
                &items_any(req, &["ipv6Prefixes", "ipv6PrefixSet"]),
                "ipv6Prefix",
            )
        },
    );
    EniEvent {
        eni_id: string(get(req, "networkInterfaceId"))
            .or_else(|| string(get(resp, "networkInterfaceId"))),
        requested_ipv6_count: int(get(req, "ipv6AddressCount")),
        requested_ipv6_prefix_count: int(get(req, "ipv6PrefixCount")),
        ipv6_addresses: addresses,
        ipv6_prefixes: prefixes,
        ..base
    }
}

fn unassign_ipv6(base: EniEvent, req: &Value, resp: &Value) -> EniEvent {
    let addresses = response_or_request(
        texts(
            &items_any(
                resp,
                &["unassignedIpv6Addresses", "unassignedIpv6AddressesSet"],
            ),
            "ipv6Address",
        ),
        || {
            texts(
                &items_any(req, &["ipv6Addresses", "ipv6AddressesSet"]),
                "ipv6Address",
            )
        },
    );
    let prefixes = response_or_request(
        texts(
            &items_any(resp, &["unassignedIpv6PrefixSet", "unassignedIpv6Prefixes"]),
            "ipv6Prefix",
        ),
        || {
            texts(
                &items_any(req, &["ipv6Prefixes", "ipv6PrefixSet"]),
                "ipv6Prefix",
            )
        },
    );
    EniEvent {
        eni_id: string(get(req, "networkInterfaceId"))
            .or_else(|| string(get(resp, "networkInterfaceId"))),
        ipv6_addresses: addresses,
        ipv6_prefixes: prefixes,
        ..base
    }
}

/// The instance an ENI belongs to, from the CNI's tag or its `aws-K8S-<instance>` description.
fn instance_from_eni(tags_holder: &[&Value], description: Option<&str>) -> Option<String> {
    tags_holder
        .iter()
        .find_map(|v| tag(v, CNI_INSTANCE_TAG))
        .or_else(|| {
            description?
                .strip_prefix(actor::CNI_DESCRIPTION_PREFIX)
                .filter(|rest| rest.starts_with("i-"))
                .map(str::to_string)
        })
}

/// Fills the address fields of an ENI description (`networkInterface`, or an element of a
/// RunInstances `networkInterfaceSet`).
fn eni_addresses(mut e: EniEvent, ni: &Value) -> EniEvent {
    let (mut ips, mut primary) = private_ips(&items_any(
        ni,
        &["privateIpAddressesSet", "privateIpAddresses"],
    ));
    if ips.is_empty()
        && let Some(address) = string(get(ni, "privateIpAddress"))
    {
        ips.push(address.clone());
        primary = Some(address);
    }
    e.private_ips = ips;
    e.primary_ip = primary;
    e.ipv4_prefixes = texts(
        &items_any(ni, &["ipv4PrefixSet", "ipv4Prefixes"]),
        "ipv4Prefix",
    );
    e.ipv6_addresses = texts(
        &items_any(ni, &["ipv6AddressesSet", "ipv6Addresses"]),
        "ipv6Address",
    );
    e.ipv6_prefixes = texts(
        &items_any(ni, &["ipv6PrefixSet", "ipv6Prefixes"]),
        "ipv6Prefix",
    );
    e
}

fn create_eni(base: EniEvent, req: &Value, resp: &Value) -> EniEvent {
    let ni = get(resp, "networkInterface").unwrap_or(&Value::Null);
    let description = string(get(ni, "description")).or_else(|| string(get(req, "description")));
    let e = EniEvent {
        eni_id: string(get(ni, "networkInterfaceId")),
        subnet_id: string(get(ni, "subnetId")).or_else(|| string(get(req, "subnetId"))),
        vpc_id: string(get(ni, "vpcId")),
        instance_id: instance_from_eni(&[req, ni], description.as_deref()),
        requested_ipv4_count: int(get(req, "secondaryPrivateIpAddressCount")),
        requested_ipv4_prefix_count: int(get(req, "ipv4PrefixCount")),
        requested_ipv6_count: int(get(req, "ipv6AddressCount")),
        requested_ipv6_prefix_count: int(get(req, "ipv6PrefixCount")),
        description,
        ..base
    };
    eni_addresses(e, ni)
}

fn create_tags(base: EniEvent, req: &Value) -> Vec<EniEvent> {
    let resources = texts(
        &items_any(req, &["resourcesSet", "resources"]),
        "resourceId",
    );
    let instance = tag(req, CNI_INSTANCE_TAG);
    resources
        .into_iter()
        .filter(|r| r.starts_with("eni-"))
        .map(|eni| EniEvent {
            eni_id: Some(eni),
            instance_id: instance.clone(),
            ..base.clone()
        })
        .collect()
}

fn run_instances(base: EniEvent, req: &Value, resp: &Value) -> Vec<EniEvent> {
    let mut out = Vec::new();
    for inst in items(get(resp, "instancesSet")) {
        let instance = EniEvent {
            instance_id: string(get(inst, "instanceId")),
            instance_type: string(get(inst, "instanceType"))
                .or_else(|| string(get(req, "instanceType"))),
            subnet_id: string(get(inst, "subnetId")),
            vpc_id: string(get(inst, "vpcId")),
            ..base.clone()
        };
        let enis = items(get(inst, "networkInterfaceSet"));
        if enis.is_empty() {
            out.push(eni_addresses(instance, inst));
            continue;
        }
        for ni in enis {
            let e = EniEvent {
                eni_id: string(get(ni, "networkInterfaceId")),
                subnet_id: string(get(ni, "subnetId")).or_else(|| instance.subnet_id.clone()),
                vpc_id: string(get(ni, "vpcId")).or_else(|| instance.vpc_id.clone()),
                attachment_id: string(path(ni, &["attachment", "attachmentId"])),
                device_index: int(path(ni, &["attachment", "deviceIndex"])),
                delete_on_termination: boolean(path(ni, &["attachment", "deleteOnTermination"])),
                description: string(get(ni, "description")),
                ..instance.clone()
            };
            out.push(eni_addresses(e, ni));
        }
    }
    if out.is_empty() {
        // A failed (often throttled) launch, or the request-only record EKS writes: it still
        // counts as a call on the subnet.
        let subnet = string(get(req, "subnetId")).or_else(|| {
            items(get(req, "networkInterfaceSet"))
                .first()
                .and_then(|ni| string(get(ni, "subnetId")))
        });
        out.push(EniEvent {
            subnet_id: subnet,
            instance_type: string(get(req, "instanceType")),
            ..base
        });
    }
    out
}

/// The subnet and its CIDR block, from the response, else (a failed call) the request.
fn create_subnet(base: EniEvent, req: &Value, resp: &Value) -> EniEvent {
    let subnet = get(resp, "subnet").unwrap_or(&Value::Null);
    EniEvent {
        subnet_id: string(get(subnet, "subnetId")),
        vpc_id: string(get(subnet, "vpcId")).or_else(|| string(get(req, "vpcId"))),
        cidr_block: string(get(subnet, "cidrBlock")).or_else(|| string(get(req, "cidrBlock"))),
        ..base
    }
}

fn terminate_instances(base: EniEvent, req: &Value, resp: &Value) -> Vec<EniEvent> {
    let mut ids = texts(&items(get(req, "instancesSet")), "instanceId");
    if ids.is_empty() {
        ids = texts(&items(get(resp, "instancesSet")), "instanceId");
    }
    if ids.is_empty() {
        return vec![base];
    }
    ids.into_iter()
        .map(|id| EniEvent {
            instance_id: Some(id),
            ..base.clone()
        })
        .collect()
}
