//! The AWS model, its CloudTrail records, delivery and ground truth.

use cnitrail_sim::aws::{Api, Aws, AwsConfig, Bucket, Placement, builtin_limits};
use cnitrail_sim::cloudtrail::{
    NoiseGen, Record, TrailContext, cni_user_agent, cni_user_agent_has_marker, parse_time,
};
use cnitrail_sim::delivery::{Delivery, DeliveryConfig};
use cnitrail_sim::ec2::{
    ApiError, CallCtx, Caller, CniVersion, CreateEni, Ec2, IdentityKind, OtherActor, Prefix4, Time,
};
use cnitrail_sim::truth::{EndReason, EniEnd, HolderKind, Truth};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::Read;
use std::net::Ipv4Addr;
use std::path::Path;

const T0: Time = 1_793_491_200; // 2026-11-01T00:00:00Z

fn aws(placement: Placement) -> Aws {
    Aws::new(AwsConfig {
        placement,
        ..AwsConfig::default()
    })
}

fn other(time: Time, a: OtherActor) -> CallCtx {
    CallCtx {
        time,
        caller: Caller::Other(a),
    }
}

fn cni(time: Time, instance_id: &str, version: CniVersion, identity: IdentityKind) -> CallCtx {
    CallCtx {
        time,
        caller: Caller::Cni {
            instance_id: instance_id.to_string(),
            version,
            identity,
        },
    }
}

fn elb_eni(a: &mut Aws, time: Time, subnet: &str) -> String {
    let req = CreateEni {
        subnet_id: subnet.to_string(),
        description: "ELB app/k8s-web-1234/abcd".to_string(),
        tags: vec![],
        secondary_count: None,
        prefix_count: None,
    };
    a.create_network_interface(&other(time, OtherActor::LoadBalancer), &req)
        .unwrap()
        .eni_id
}

fn json(r: &Record) -> Value {
    serde_json::from_slice(&r.json)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&r.json)))
}

fn offset(ip: Ipv4Addr, base: &str) -> u32 {
    u32::from(ip) - u32::from(base.parse::<Ipv4Addr>().unwrap())
}

#[test]
fn a_28_has_11_usable_addresses() {
    let mut a = aws(Placement::Random);
    a.add_subnet("subnet-a", "10.0.0.0/28").unwrap();
    assert_eq!(a.subnet_free("subnet-a"), Some(11));
    let eni = elb_eni(&mut a, T0, "subnet-a");
    let ctx = other(T0 + 1, OtherActor::LoadBalancer);
    let ips = a.assign_private_ips(&ctx, &eni, 10).unwrap();
    assert_eq!(ips.len(), 10);
    let (primary, sec, _) = a.eni_addresses(&eni).unwrap();
    let mut all: Vec<u32> = sec
        .iter()
        .chain([&primary])
        .map(|ip| offset(*ip, "10.0.0.0"))
        .collect();
    all.sort();
    // Network, router, DNS, future use and broadcast are never handed out.
    assert_eq!(all, (4..15).collect::<Vec<_>>());
    assert_eq!(a.subnet_free("subnet-a"), Some(0));
    // The 12th fails, and changes nothing.
    assert_eq!(
        a.assign_private_ips(&ctx, &eni, 1),
        Err(ApiError::InsufficientFreeAddressesInSubnet)
    );
    assert_eq!(a.eni_addresses(&eni).unwrap().1.len(), 10);
    // Unassigning frees.
    a.unassign_private_ips(&ctx, &eni, &ips[..2]).unwrap();
    assert_eq!(a.subnet_free("subnet-a"), Some(2));
    let again = a.assign_private_ips(&ctx, &eni, 2).unwrap();
    let mut again_sorted = again.clone();
    again_sorted.sort();
    let mut freed = ips[..2].to_vec();
    freed.sort();
    assert_eq!(again_sorted, freed);
    // Unassigning an address the ENI does not hold fails as a whole.
    let before = a.subnet_free("subnet-a");
    assert!(
        a.unassign_private_ips(&ctx, &eni, &[again[0], "10.0.0.1".parse().unwrap()])
            .is_err()
    );
    assert_eq!(a.subnet_free("subnet-a"), before);
    let recs = a.take_records();
    let last_fail = recs
        .iter()
        .map(json)
        .find(|v| v["errorCode"] == "Client.InsufficientFreeAddressesInSubnet")
        .unwrap();
    assert_eq!(
        last_fail["errorMessage"],
        "The specified subnet does not have enough free addresses to satisfy the request."
    );
    assert_eq!(last_fail["responseElements"], Value::Null);
}

#[test]
fn newer_exhaustion_wording_is_configurable() {
    let mut a = Aws::new(AwsConfig {
        no_free_wording_fraction: 1.0,
        ..AwsConfig::default()
    });
    a.add_subnet("subnet-a", "10.0.0.0/28").unwrap();
    let eni = elb_eni(&mut a, T0, "subnet-a");
    let ctx = other(T0, OtherActor::LoadBalancer);
    assert_eq!(
        a.assign_private_ips(&ctx, &eni, 11),
        Err(ApiError::NoFreeAddressesOrPrefixes)
    );
    let v = json(a.take_records().last().unwrap());
    assert_eq!(v["errorCode"], "Client.InvalidParameterValue");
    assert_eq!(
        v["errorMessage"],
        "There aren't sufficient free Ipv4 addresses or prefixes"
    );
}

#[test]
fn prefixes_are_aligned_and_fragmentation_refuses_them() {
    let mut a = aws(Placement::Random);
    a.add_subnet("subnet-p", "10.1.0.0/24").unwrap();
    // 16 blocks; the first holds network/router/DNS/reserved, the last the broadcast address.
    assert_eq!(a.subnet_free_blocks("subnet-p"), Some(14));
    let eni = elb_eni(&mut a, T0, "subnet-p");
    let ctx = other(T0, OtherActor::LoadBalancer);
    let got = a.assign_prefixes(&ctx, &eni, 5).unwrap();
    assert_eq!(got.len(), 5);
    let mut seen = HashSet::new();
    for p in &got {
        assert_eq!(p.len, 28);
        let off = offset(p.base, "10.1.0.0");
        assert_eq!(off % 16, 0, "{p} not aligned");
        assert!((16..240).contains(&off), "{p} overlaps a reserved address");
        assert!(seen.insert(off));
    }
    let v = json(a.take_records().last().unwrap());
    let listed: Vec<&str> =
        v["responseElements"]["assignedIpv4PrefixSet"]["assignedIpv4PrefixSetType"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["ipv4Prefix"].as_str().unwrap())
            .collect();
    assert_eq!(
        listed,
        got.iter().map(|p| p.to_string()).collect::<Vec<_>>()
    );
    assert_eq!(v["requestParameters"]["ipv4PrefixCount"], 5);
    a.unassign_prefixes(&ctx, &eni, &got).unwrap();
    assert_eq!(a.subnet_free("subnet-p"), Some(250));

    // Fragment: one used address in every block, plenty free, no whole /28 left.
    let mut f = aws(Placement::Lowest);
    f.add_subnet("subnet-f", "10.2.0.0/24").unwrap();
    let eni = elb_eni(&mut f, T0, "subnet-f");
    let ips = f.assign_private_ips(&ctx, &eni, 250).unwrap();
    let drop: Vec<Ipv4Addr> = ips
        .iter()
        .copied()
        .filter(|ip| offset(*ip, "10.2.0.0") % 16 != 5)
        .collect();
    f.unassign_private_ips(&ctx, &eni, &drop).unwrap();
    assert!(f.subnet_free("subnet-f").unwrap() >= 200);
    assert_eq!(f.subnet_free_blocks("subnet-f"), Some(0));
    assert_eq!(
        f.assign_prefixes(&ctx, &eni, 1),
        Err(ApiError::InsufficientCidrBlocks)
    );
    let v = json(f.take_records().last().unwrap());
    assert_eq!(v["errorCode"], "Client.InsufficientCidrBlocks");

    // Too few addresses at all is exhaustion, not fragmentation.
    let mut s = aws(Placement::Lowest);
    s.add_subnet("subnet-s", "10.3.0.0/27").unwrap();
    let eni = elb_eni(&mut s, T0, "subnet-s");
    s.assign_private_ips(&ctx, &eni, 16).unwrap();
    assert_eq!(
        s.assign_prefixes(&ctx, &eni, 1),
        Err(ApiError::InsufficientFreeAddressesInSubnet)
    );
}

#[test]
fn token_bucket_throttles_and_refills() {
    let mut a = aws(Placement::Random);
    a.add_subnet("subnet-a", "10.0.0.0/20").unwrap();
    a.set_bucket(
        Api::AssignPrivateIpAddresses,
        Bucket {
            capacity: 5.0,
            refill_per_second: 1.0,
        },
    );
    let eni = elb_eni(&mut a, T0, "subnet-a");
    let ctx = cni(
        T0 + 10,
        "i-0123456789abcdef0",
        CniVersion::new(1, 19, 0),
        IdentityKind::NodeRole,
    );
    for _ in 0..5 {
        a.assign_private_ips(&ctx, &eni, 1).unwrap();
    }
    let free = a.subnet_free("subnet-a");
    assert_eq!(
        a.assign_private_ips(&ctx, &eni, 1),
        Err(ApiError::RequestLimitExceeded)
    );
    assert_eq!(
        a.subnet_free("subnet-a"),
        free,
        "a throttled call changes nothing"
    );
    // Other APIs have their own buckets.
    a.describe_network_interfaces(&ctx, std::slice::from_ref(&eni))
        .unwrap();
    let later = CallCtx {
        time: T0 + 12,
        ..ctx.clone()
    };
    a.assign_private_ips(&later, &eni, 1).unwrap();
    a.assign_private_ips(&later, &eni, 1).unwrap();
    assert_eq!(
        a.assign_private_ips(&later, &eni, 1),
        Err(ApiError::RequestLimitExceeded)
    );
    let much_later = CallCtx {
        time: T0 + 1000,
        ..ctx.clone()
    };
    for _ in 0..5 {
        a.assign_private_ips(&much_later, &eni, 1).unwrap();
    }
    assert!(a.assign_private_ips(&much_later, &eni, 1).is_err());

    let recs: Vec<Value> = a.take_records().iter().map(json).collect();
    let throttled: Vec<&Value> = recs
        .iter()
        .filter(|v| v["errorCode"] == "Client.RequestLimitExceeded")
        .collect();
    assert_eq!(throttled.len(), 3);
    for v in &throttled {
        assert_eq!(v["errorMessage"], "Request limit exceeded.");
        assert_eq!(v["responseElements"], Value::Null);
        assert_eq!(v["requestParameters"]["secondaryPrivateIpAddressCount"], 1);
    }
    a.finish(T0 + 2000).unwrap();
    let t = a.truth().tables().unwrap();
    assert_eq!(t.throttles.len(), 3);
    assert!(
        t.throttles
            .iter()
            .all(|r| r.api == "AssignPrivateIpAddresses" && r.caller == "cni:i-0123456789abcdef0")
    );
    assert_eq!(t.calls.len(), recs.len());
}

#[test]
fn limits_come_from_the_table() {
    let l = builtin_limits("m5.large").unwrap();
    assert_eq!((l.max_enis, l.ipv4_per_eni), (3, 10));
    let l = builtin_limits("t3.medium").unwrap();
    assert_eq!((l.max_enis, l.ipv4_per_eni), (3, 6));
    assert!(builtin_limits("no.such").is_none());

    let mut a = aws(Placement::Random);
    a.add_subnet("subnet-a", "10.0.0.0/20").unwrap();
    let node = a
        .run_instances(&other(T0, OtherActor::AutoScaling), "t3.medium", "subnet-a")
        .unwrap();
    let id = node.instance_id.clone();
    let v = CniVersion::new(1, 19, 0);
    let c = cni(T0 + 30, &id, v, IdentityKind::NodeRole);
    assert_eq!(
        a.assign_private_ips(&c, &node.primary_eni.eni_id, 6),
        Err(ApiError::PrivateIpAddressLimitExceeded)
    );
    a.assign_private_ips(&c, &node.primary_eni.eni_id, 5)
        .unwrap();
    assert_eq!(
        a.assign_private_ips(&c, &node.primary_eni.eni_id, 1),
        Err(ApiError::PrivateIpAddressLimitExceeded)
    );
    let create = CreateEni {
        subnet_id: "subnet-a".into(),
        description: format!("aws-K8S-{id}"),
        tags: vec![],
        secondary_count: Some(5),
        prefix_count: None,
    };
    let mut attached = 1;
    for dev in 1..3 {
        let e = a.create_network_interface(&c, &create).unwrap();
        a.attach_network_interface(&c, &e.eni_id, &id, dev, None)
            .unwrap();
        attached += 1;
    }
    assert_eq!(attached, 3);
    let e = a.create_network_interface(&c, &create).unwrap();
    assert_eq!(
        a.attach_network_interface(&c, &e.eni_id, &id, 3, None),
        Err(ApiError::AttachmentLimitExceeded)
    );
    let too_many = CreateEni {
        secondary_count: Some(6),
        ..create
    };
    assert_eq!(
        a.create_network_interface(&c, &too_many),
        Err(ApiError::PrivateIpAddressLimitExceeded)
    );
    // A per-ENI override wins.
    a.set_eni_limit(&e.eni_id, 50);
    a.assign_private_ips(&c, &e.eni_id, 20).unwrap();
}

/// A node's life: launched, CNI ENIs with and without delete-on-termination, terminated.
fn node_life(
    a: &mut Aws,
    version: CniVersion,
    identity: IdentityKind,
) -> (String, String, String, String) {
    let node = a
        .run_instances(&other(T0, OtherActor::AutoScaling), "m5.large", "subnet-a")
        .unwrap();
    let id = node.instance_id.clone();
    let c = |t| cni(t, &id, version, identity);
    a.describe_network_interfaces(&c(T0 + 20), std::slice::from_ref(&node.primary_eni.eni_id))
        .unwrap();
    a.create_tags(
        &c(T0 + 21),
        std::slice::from_ref(&node.primary_eni.eni_id),
        &[("node.k8s.amazonaws.com/instance_id".into(), id.clone())],
    )
    .unwrap();
    a.assign_private_ips(&c(T0 + 22), &node.primary_eni.eni_id, 9)
        .unwrap();
    let tags = vec![("node.k8s.amazonaws.com/instance_id".to_string(), id.clone())];
    let create = CreateEni {
        subnet_id: "subnet-a".into(),
        description: format!("aws-K8S-{id}"),
        tags: if version.tags_after_create() {
            vec![]
        } else {
            tags.clone()
        },
        secondary_count: version.addresses_in_create().then_some(9),
        prefix_count: None,
    };
    let e1 = a.create_network_interface(&c(T0 + 30), &create).unwrap();
    if version.tags_after_create() {
        a.create_tags(&c(T0 + 30), std::slice::from_ref(&e1.eni_id), &tags)
            .unwrap();
    }
    a.describe_instances(&c(T0 + 31), &id).unwrap();
    let card = version.sends_network_card_index().then_some(0);
    let att1 = a
        .attach_network_interface(&c(T0 + 31), &e1.eni_id, &id, 1, card)
        .unwrap();
    a.modify_delete_on_termination(&c(T0 + 32), &e1.eni_id, &att1)
        .unwrap();
    if !version.addresses_in_create() {
        a.assign_private_ips(&c(T0 + 33), &e1.eni_id, 9).unwrap();
    }
    // An ENI left without delete-on-termination survives the instance.
    let e2 = a.create_network_interface(&c(T0 + 40), &create).unwrap();
    a.attach_network_interface(&c(T0 + 41), &e2.eni_id, &id, 2, card)
        .unwrap();
    (id, node.primary_eni.eni_id, e1.eni_id, e2.eni_id)
}

#[test]
fn terminate_ends_delete_on_termination_enis() {
    let mut a = aws(Placement::Random);
    a.add_subnet("subnet-a", "10.0.0.0/22").unwrap();
    let free0 = a.subnet_free("subnet-a").unwrap();
    let (id, primary, e1, e2) =
        node_life(&mut a, CniVersion::new(1, 19, 0), IdentityKind::NodeRole);
    a.terminate_instances(&other(T0 + 600, OtherActor::AutoScaling), &id)
        .unwrap();
    assert!(!a.eni_exists(&primary) && !a.eni_exists(&e1) && a.eni_exists(&e2));
    // e2 keeps its 10 addresses.
    assert_eq!(a.subnet_free("subnet-a"), Some(free0 - 10));
    a.finish(T0 + 900).unwrap();
    let t = a.truth().tables().unwrap();
    let of = |eni: &str| {
        t.intervals
            .iter()
            .filter(|r| r.eni_id == eni)
            .collect::<Vec<_>>()
    };
    assert_eq!(of(&primary).len(), 10);
    assert_eq!(of(&e1).len(), 10);
    for r in of(&primary).into_iter().chain(of(&e1)) {
        assert_eq!(r.end, Some(T0 + 600));
        assert_eq!(r.end_reason, EndReason::InstanceTerminated);
        assert_eq!(r.instance_id.as_deref(), Some(id.as_str()));
    }
    for r in of(&e2) {
        assert_eq!((r.end, r.end_reason), (None, EndReason::Open));
        assert_eq!(r.holder, HolderKind::Cni);
    }
    let p = of(&primary).into_iter().find(|r| r.primary).unwrap();
    assert_eq!(p.holder, HolderKind::Node);
    let life: HashMap<&str, _> = t.enis.iter().map(|e| (e.eni_id.as_str(), e)).collect();
    assert_eq!(life[e1.as_str()].end_reason, EniEnd::InstanceTerminated);
    assert_eq!(life[e1.as_str()].attachments[0].device_index, 1);
    assert!(life[e1.as_str()].attachments[0].delete_on_termination);
    assert_eq!(life[e2.as_str()].end_reason, EniEnd::Open);
    assert_eq!(life[e2.as_str()].attachments[0].detached, Some(T0 + 600));
    // Usage per minute: the last row shows only e2's 10 CNI addresses.
    let last = t.usage.last().unwrap();
    assert_eq!((last.node, last.cni, last.other), (0, 10, 0));
    assert_eq!(last.free, free0 - 10);
    assert_eq!(last.minute, T0 + 900);
    assert!(t.usage.iter().any(|u| u.node == 1 && u.cni == 29));
}

fn check_common(v: &Value, account: &str, region: &str) {
    let keys = [
        "eventVersion",
        "userIdentity",
        "eventTime",
        "eventSource",
        "eventName",
        "awsRegion",
        "sourceIPAddress",
        "userAgent",
        "requestParameters",
        "responseElements",
        "requestID",
        "eventID",
        "readOnly",
        "eventType",
        "managementEvent",
        "recipientAccountId",
        "eventCategory",
    ];
    for k in keys {
        assert!(v.get(k).is_some(), "missing {k} in {v}");
    }
    let t = v["eventTime"].as_str().unwrap();
    assert_eq!(t.len(), 20);
    assert!(t.ends_with('Z') && parse_time(t).is_some());
    assert_eq!(v["eventSource"], "ec2.amazonaws.com");
    assert_eq!(v["awsRegion"], region);
    assert_eq!(v["recipientAccountId"], account);
    assert_eq!(v["eventType"], "AwsApiCall");
    assert_eq!(v["eventCategory"], "Management");
    assert_eq!(v["managementEvent"], true);
    assert!(v["requestParameters"].is_object());
    let id = v["eventID"].as_str().unwrap();
    assert_eq!(id.len(), 36);
    assert_eq!(&id[14..15], "4");
    let ro = v["readOnly"].as_bool().unwrap();
    assert_eq!(ro, v["eventName"].as_str().unwrap().starts_with("Describe"));
    if ro || v.get("errorCode").is_some() {
        assert_eq!(v["responseElements"], Value::Null);
    } else {
        assert_eq!(v["responseElements"]["requestId"], v["requestID"]);
    }
    assert_eq!(v["userIdentity"]["accountId"], account);
}

#[test]
fn records_have_the_real_shapes() {
    let mut a = aws(Placement::Random);
    a.add_subnet("subnet-a", "10.0.0.0/22").unwrap();
    let (account, region) = (a.context().account_id.clone(), a.context().region.clone());
    let (node_role, irsa_role) = (a.context().node_role.clone(), a.context().irsa_role.clone());
    let (id, primary, e1, _) = node_life(&mut a, CniVersion::new(1, 19, 0), IdentityKind::NodeRole);
    let (id2, _, e21, _) = node_life(&mut a, CniVersion::new(1, 7, 5), IdentityKind::Irsa);
    let ctx = cni(
        T0 + 100,
        &id,
        CniVersion::new(1, 19, 0),
        IdentityKind::NodeRole,
    );
    let (_, sec, _) = a.eni_addresses(&primary).unwrap();
    a.unassign_private_ips(&ctx, &primary, &sec[..2]).unwrap();
    let p = a.assign_prefixes(&ctx, &e1, 1);
    assert_eq!(p, Err(ApiError::PrivateIpAddressLimitExceeded));
    let att = a
        .instance_enis(&id2)
        .unwrap()
        .into_iter()
        .find(|(_, e)| *e == e21)
        .unwrap();
    let _ = att;
    a.terminate_instances(&other(T0 + 700, OtherActor::AutoScaling), &id2)
        .unwrap();
    let recs = a.take_records();
    assert!(recs.len() > 20);
    let vals: Vec<Value> = recs.iter().map(json).collect();
    let mut names = BTreeMap::new();
    for v in &vals {
        check_common(v, &account, &region);
        *names
            .entry(v["eventName"].as_str().unwrap().to_string())
            .or_insert(0) += 1;
    }
    for n in [
        "RunInstances",
        "TerminateInstances",
        "CreateNetworkInterface",
        "AttachNetworkInterface",
        "ModifyNetworkInterfaceAttribute",
        "AssignPrivateIpAddresses",
        "UnassignPrivateIpAddresses",
        "CreateTags",
        "DescribeInstances",
        "DescribeNetworkInterfaces",
    ] {
        assert!(names.contains_key(n), "no {n}: {names:?}");
    }

    // RunInstances by Auto Scaling, as in facts §2.3a.
    let run = vals
        .iter()
        .find(|v| v["eventName"] == "RunInstances")
        .unwrap();
    let ui = &run["userIdentity"];
    assert_eq!(ui["type"], "AssumedRole");
    assert!(
        ui["arn"]
            .as_str()
            .unwrap()
            .ends_with(":assumed-role/AWSServiceRoleForAutoScaling/AutoScaling")
    );
    assert_eq!(ui["invokedBy"], "autoscaling.amazonaws.com");
    assert_eq!(run["sourceIPAddress"], "autoscaling.amazonaws.com");
    let inst = &run["responseElements"]["instancesSet"]["items"][0];
    assert_eq!(inst["instanceId"], id.as_str());
    assert_eq!(inst["instanceType"], "m5.large");
    assert!(inst["launchTime"].as_i64().unwrap() == T0 * 1000);
    let ni = &inst["networkInterfaceSet"]["items"][0];
    assert_eq!(ni["networkInterfaceId"], primary.as_str());
    assert_eq!(ni["attachment"]["deviceIndex"], 0);
    assert!(
        ni["attachment"]["attachmentId"]
            .as_str()
            .unwrap()
            .starts_with("eni-attach-0")
    );
    assert_eq!(ni["privateIpAddressesSet"]["item"][0]["primary"], true);
    assert_eq!(
        run["requestParameters"]["networkInterfaceSet"]["items"][0]["subnetId"],
        "subnet-a"
    );
    assert_eq!(
        run["requestParameters"]["blockDeviceMapping"],
        serde_json::json!({})
    );

    // The node role session is named after the instance.
    let by_node: Vec<&Value> = vals
        .iter()
        .filter(|v| {
            v["userIdentity"]["principalId"]
                .as_str()
                .unwrap()
                .ends_with(&format!(":{id}"))
        })
        .collect();
    assert!(by_node.len() > 5);
    for v in &by_node {
        let ui = &v["userIdentity"];
        assert_eq!(
            ui["arn"],
            format!("arn:aws:sts::{account}:assumed-role/{node_role}/{id}")
        );
        assert_eq!(ui["sessionContext"]["ec2RoleDelivery"], "2.0");
        assert_eq!(
            ui["sessionContext"]["sessionIssuer"]["userName"],
            node_role.as_str()
        );
        assert!(ui["principalId"].as_str().unwrap().starts_with("AROA"));
        assert_eq!(v["userAgent"], cni_user_agent(CniVersion::new(1, 19, 0)));
    }
    // IRSA: a 19-digit numeric session and the cluster's OIDC provider.
    let by_irsa: Vec<&Value> = vals
        .iter()
        .filter(|v| {
            v["userIdentity"]["arn"]
                .as_str()
                .unwrap()
                .contains(&format!("/{irsa_role}/"))
        })
        .collect();
    assert!(by_irsa.len() > 5);
    for v in &by_irsa {
        let ui = &v["userIdentity"];
        let session = ui["arn"].as_str().unwrap().rsplit('/').next().unwrap();
        assert_eq!(session.len(), 19);
        assert!(session.bytes().all(|b| b.is_ascii_digit()));
        let provider = ui["sessionContext"]["webIdFederationData"]["federatedProvider"]
            .as_str()
            .unwrap();
        assert!(provider.contains(&format!(
            ":oidc-provider/oidc.eks.{region}.amazonaws.com/id/"
        )));
        assert_eq!(
            v["userAgent"],
            "aws-sdk-go/1.33.14 (go1.13.15; linux; amd64) amazon-vpc-cni-k8s"
        );
    }

    // CreateNetworkInterface with addresses (v1.15.4+) and tags.
    let create = vals
        .iter()
        .find(|v| {
            v["eventName"] == "CreateNetworkInterface"
                && v["requestParameters"]["secondaryPrivateIpAddressCount"] == 9
        })
        .unwrap();
    let rp = &create["requestParameters"];
    assert_eq!(rp["description"], format!("aws-K8S-{id}"));
    assert!(
        rp["groupSet"]["items"][0]["groupId"]
            .as_str()
            .unwrap()
            .starts_with("sg-")
    );
    assert_eq!(rp["privateIpAddressesSet"], serde_json::json!({}));
    assert_eq!(
        rp["tagSpecificationSet"]["items"][0]["tags"][0]["key"],
        "node.k8s.amazonaws.com/instance_id"
    );
    let ni = &create["responseElements"]["networkInterface"];
    assert_eq!(ni["status"], "pending");
    assert_eq!(ni["subnetId"], "subnet-a");
    let items = ni["privateIpAddressesSet"]["item"].as_array().unwrap();
    assert_eq!(items.len(), 10);
    assert_eq!(items[0]["primary"], true);
    assert_eq!(items[0]["privateIpAddress"], ni["privateIpAddress"]);
    assert!(items[1..].iter().all(|i| i["primary"] == false));
    assert_eq!(ni["tagSet"]["items"][0]["value"], id.as_str());
    let eni_id = ni["networkInterfaceId"].as_str().unwrap();
    assert_eq!(eni_id.len(), "eni-".len() + 17);
    // ≤ v1.7: no tags, no addresses in the create; CreateTags and an assign follow.
    let old_create = vals
        .iter()
        .find(|v| {
            v["eventName"] == "CreateNetworkInterface"
                && v["requestParameters"]["description"] == format!("aws-K8S-{id2}")
        })
        .unwrap();
    assert!(
        old_create["requestParameters"]
            .get("tagSpecificationSet")
            .is_none()
    );
    assert!(
        old_create["requestParameters"]
            .get("secondaryPrivateIpAddressCount")
            .is_none()
    );
    assert_eq!(
        old_create["responseElements"]["networkInterface"]["tagSet"],
        serde_json::json!({})
    );

    // Assign, as the real record of facts §0.
    let assign = vals
        .iter()
        .find(|v| v["eventName"] == "AssignPrivateIpAddresses" && v.get("errorCode").is_none())
        .unwrap();
    assert_eq!(
        assign["requestParameters"]["privateIpAddressesSet"],
        serde_json::json!({})
    );
    assert_eq!(
        assign["requestParameters"]["ipv4Prefixes"],
        serde_json::json!({})
    );
    assert_eq!(
        assign["requestParameters"]["secondaryPrivateIpAddressCount"],
        9
    );
    let re = &assign["responseElements"];
    assert_eq!(re["_return"], true);
    assert_eq!(re["assignedIpv4PrefixSet"], serde_json::json!({}));
    assert_eq!(
        re["assignedPrivateIpAddressesSet"]["assignedPrivateIpAddressSetType"]
            .as_array()
            .unwrap()
            .len(),
        9
    );
    // The limit error keeps its request.
    let limit = vals
        .iter()
        .find(|v| v["errorCode"] == "Client.PrivateIpAddressLimitExceeded")
        .unwrap();
    assert_eq!(
        limit["errorMessage"],
        "Number of private addresses will exceed limit."
    );
    assert_eq!(limit["requestParameters"]["ipv4PrefixCount"], 1);
    // Unassign lists the addresses under item.
    let un = vals
        .iter()
        .find(|v| v["eventName"] == "UnassignPrivateIpAddresses")
        .unwrap();
    let listed: Vec<&str> = un["requestParameters"]["privateIpAddressesSet"]["item"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["privateIpAddress"].as_str().unwrap())
        .collect();
    assert_eq!(
        listed,
        sec[..2].iter().map(|i| i.to_string()).collect::<Vec<_>>()
    );
    assert_eq!(un["responseElements"]["_return"], true);
    // Attach: network card index from v1.18.
    let attaches: Vec<&Value> = vals
        .iter()
        .filter(|v| v["eventName"] == "AttachNetworkInterface")
        .collect();
    assert!(
        attaches
            .iter()
            .any(|v| v["requestParameters"]["networkCardIndex"] == 0)
    );
    assert!(
        attaches
            .iter()
            .any(|v| v["requestParameters"].get("networkCardIndex").is_none())
    );
    for v in &attaches {
        assert!(
            v["responseElements"]["attachmentId"]
                .as_str()
                .unwrap()
                .starts_with("eni-attach-")
        );
    }
    let modify = vals
        .iter()
        .find(|v| v["eventName"] == "ModifyNetworkInterfaceAttribute")
        .unwrap();
    assert_eq!(
        modify["requestParameters"]["attachment"]["deleteOnTermination"],
        true
    );
    let tags = vals
        .iter()
        .find(|v| v["eventName"] == "CreateTags")
        .unwrap();
    assert!(
        tags["requestParameters"]["resourcesSet"]["items"][0]["resourceId"]
            .as_str()
            .unwrap()
            .starts_with("eni-")
    );
    assert_eq!(
        tags["requestParameters"]["tagSet"]["items"][0]["key"],
        "node.k8s.amazonaws.com/instance_id"
    );
    let term = vals
        .iter()
        .find(|v| v["eventName"] == "TerminateInstances")
        .unwrap();
    assert_eq!(
        term["responseElements"]["instancesSet"]["items"][0]["currentState"]["name"],
        "shutting-down"
    );
}

#[test]
fn user_agents_per_version() {
    let v = CniVersion::new;
    assert_eq!(
        cni_user_agent(v(1, 6, 3)),
        "aws-sdk-go/1.28.12 (go1.13.8; linux; amd64)"
    );
    assert_eq!(
        cni_user_agent(v(1, 7, 5)),
        "aws-sdk-go/1.33.14 (go1.13.15; linux; amd64) amazon-vpc-cni-k8s"
    );
    assert_eq!(
        cni_user_agent(v(1, 11, 4)),
        "amazon-vpc-cni-k8s/version/ aws-sdk-go/1.40.6 (go1.16.10; linux; amd64)"
    );
    assert!(
        cni_user_agent(v(1, 19, 2)).starts_with("amazon-vpc-cni-k8s/version/ aws-sdk-go/1.55.5 ")
    );
    assert_eq!(
        cni_user_agent(v(1, 20, 0)),
        "aws-sdk-go-v2/1.39.2 ua/2.1 os/linux lang/go#1.25.4 md/GOOS#linux md/GOARCH#amd64 api/ec2#1.254.1 m/E,z"
    );
    assert_eq!(cni_user_agent(v(1, 21, 1)), cni_user_agent(v(1, 20, 0)));
    assert!(cni_user_agent(v(1, 22, 1)).ends_with(" amazon-vpc-cni-k8s/v1.22.1 m/0,E"));
    assert!(cni_user_agent(v(1, 23, 1)).starts_with("aws-sdk-go-v2/"));
    for (ver, marker) in [
        (v(1, 5, 0), false),
        (v(1, 6, 3), false),
        (v(1, 7, 0), true),
        (v(1, 12, 0), true),
        (v(1, 19, 9), true),
        (v(1, 20, 0), false),
        (v(1, 21, 9), false),
        (v(1, 22, 0), true),
    ] {
        assert_eq!(cni_user_agent_has_marker(ver), marker, "{ver}");
        assert_eq!(
            cni_user_agent(ver).contains("amazon-vpc-cni-k8s"),
            marker,
            "{ver}"
        );
    }
    // And in a record.
    let mut a = aws(Placement::Random);
    a.add_subnet("subnet-a", "10.0.0.0/24").unwrap();
    a.describe_instances(
        &cni(
            T0,
            "i-0aaaaaaaaaaaaaaaa",
            v(1, 22, 1),
            IdentityKind::NodeRole,
        ),
        "i-0aaaaaaaaaaaaaaaa",
    )
    .unwrap();
    let rec = json(&a.take_records()[0]);
    assert_eq!(rec["userAgent"], cni_user_agent(v(1, 22, 1)));
    assert_eq!(
        rec["tlsDetails"]["clientProvidedHostHeader"],
        "ec2.eu-west-1.amazonaws.com"
    );
}

#[test]
fn truth_intervals_match_the_calls() {
    let mut a = aws(Placement::Random);
    a.add_subnet("subnet-a", "10.0.0.0/24").unwrap();
    let mut rng = cnitrail_sim::cloudtrail::Rng::new(5);
    let node = a
        .run_instances(
            &other(T0, OtherActor::AutoScaling),
            "m5.4xlarge",
            "subnet-a",
        )
        .unwrap();
    let id = node.instance_id.clone();
    let eni = node.primary_eni.eni_id.clone();
    let lb = elb_eni(&mut a, T0, "subnet-a");
    let mut t = T0 + 10;
    // Expected intervals from what the calls returned: (eni, address) → (start, end).
    let mut expect: Vec<(String, String, Time, Option<Time>)> = Vec::new();
    let mut held: Vec<(Ipv4Addr, usize)> = Vec::new();
    for _ in 0..300 {
        t += rng.range(0, 3) as i64;
        let c = cni(t, &id, CniVersion::new(1, 19, 0), IdentityKind::NodeRole);
        if held.len() < 10 || rng.chance(0.5) {
            if let Ok(ips) = a.assign_private_ips(&c, &eni, rng.range(1, 4) as u32) {
                for ip in ips {
                    expect.push((eni.clone(), ip.to_string(), t, None));
                    held.push((ip, expect.len() - 1));
                }
            }
        } else {
            let k = rng.range(1, 3.min(held.len() as u64)) as usize;
            let gone: Vec<(Ipv4Addr, usize)> = held.drain(..k).collect();
            let ips: Vec<Ipv4Addr> = gone.iter().map(|g| g.0).collect();
            if a.unassign_private_ips(&c, &eni, &ips).is_ok() {
                for (_, i) in gone {
                    expect[i].3 = Some(t);
                }
            } else {
                held.splice(0..0, gone);
            }
        }
        if rng.chance(0.05) {
            let o = other(t, OtherActor::LoadBalancer);
            let _ = a.assign_private_ips(&o, &lb, 1);
        }
    }
    a.finish(t + 60).unwrap();
    let tables = a.truth().tables().unwrap();
    let mut got: Vec<(String, String, Time, Option<Time>)> = tables
        .intervals
        .iter()
        .filter(|r| r.eni_id == eni && !r.primary)
        .map(|r| (r.eni_id.clone(), r.address.clone(), r.start, r.end))
        .collect();
    got.sort();
    expect.sort();
    assert_eq!(got, expect);
    for r in tables
        .intervals
        .iter()
        .filter(|r| r.eni_id == eni && !r.primary)
    {
        assert_eq!(
            r.end_reason,
            if r.end.is_some() {
                EndReason::Unassigned
            } else {
                EndReason::Open
            }
        );
        assert_eq!(r.holder, HolderKind::Cni);
    }
    // No address is ever held twice at once.
    let mut by_addr: HashMap<&str, Vec<(Time, Time)>> = HashMap::new();
    for r in &tables.intervals {
        by_addr
            .entry(&r.address)
            .or_default()
            .push((r.start, r.end.unwrap_or(Time::MAX)));
    }
    for (addr, mut spans) in by_addr {
        spans.sort();
        for w in spans.windows(2) {
            assert!(w[0].1 <= w[1].0, "{addr} held twice: {spans:?}");
        }
    }
    // Usage rows add up with the free count.
    for u in &tables.usage {
        assert_eq!(u.node + u.cni + u.other + u.free, u.usable);
    }
    assert!(tables.usage.iter().any(|u| u.other > 1));
}

#[test]
fn truth_files_are_json_lines() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = aws(Placement::Random);
    a.add_subnet("subnet-a", "10.0.0.0/24").unwrap();
    a.set_truth(Truth::to_dir(&dir.path().join("truth")).unwrap());
    let (id, ..) = node_life(&mut a, CniVersion::new(1, 22, 0), IdentityKind::NodeRole);
    a.terminate_instances(&other(T0 + 300, OtherActor::AutoScaling), &id)
        .unwrap();
    a.finish(T0 + 400).unwrap();
    for f in ["addresses", "enis", "calls", "throttles", "usage"] {
        let text = std::fs::read_to_string(dir.path().join(format!("truth/{f}.jsonl"))).unwrap();
        for l in text.lines() {
            let v: Value = serde_json::from_str(l).unwrap();
            assert!(v.is_object());
        }
        if f != "throttles" {
            assert!(!text.is_empty(), "{f} empty");
        }
    }
    let text = std::fs::read_to_string(dir.path().join("truth/addresses.jsonl")).unwrap();
    let v: Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
    for k in [
        "address",
        "family",
        "prefix",
        "eni_id",
        "instance_id",
        "subnet_id",
        "holder",
        "start",
        "end",
        "end_reason",
    ] {
        assert!(v.get(k).is_some(), "{k}");
    }
}

#[test]
fn same_seed_same_records() {
    let run = || {
        let mut a = aws(Placement::Random);
        a.add_subnet("subnet-a", "10.0.0.0/24").unwrap();
        node_life(&mut a, CniVersion::new(1, 15, 4), IdentityKind::Irsa);
        a.take_records()
            .into_iter()
            .map(|r| r.json)
            .collect::<Vec<_>>()
    };
    assert_eq!(run(), run());
}

fn gunzip(path: &Path) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(std::fs::File::open(path).unwrap())
        .read_to_end(&mut out)
        .unwrap();
    out
}

fn walk(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            walk(&p, out);
        } else {
            out.push(p);
        }
    }
}

#[test]
fn delivery_layout_names_and_exactly_once() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = DeliveryConfig::new(dir.path());
    cfg.late_fraction = 0.05;
    cfg.duplicate_fraction = 0.01;
    cfg.threads = 2;
    cfg.level = 1;
    let mut d = Delivery::new(cfg).unwrap();
    // Two accounts; sim records and noise, pushed in time order over 3 hours.
    let mut sims = Vec::new();
    for (acct, region) in [("111122223333", "eu-west-1"), ("444455556666", "us-east-1")] {
        let mut a = Aws::new(AwsConfig {
            account_id: acct.into(),
            region: region.into(),
            placement: Placement::Random,
            ..AwsConfig::default()
        });
        a.add_subnet("subnet-a", "10.0.0.0/20").unwrap();
        let noise = NoiseGen::new(7, a.context());
        sims.push((a, noise));
    }
    let mut pushed: Vec<(String, Time)> = Vec::new();
    let mut node = [None, None];
    let start = T0 + 3000; // not on an hour: the first digest covers a partial hour
    for t in start..start + 3 * 3600 {
        for (k, (a, noise)) in sims.iter_mut().enumerate() {
            if t % 60 == 0 {
                let n = node[k].get_or_insert_with(|| {
                    a.run_instances(&other(t, OtherActor::AutoScaling), "m5.large", "subnet-a")
                        .unwrap()
                });
                let c = cni(
                    t,
                    &n.instance_id,
                    CniVersion::new(1, 19, 0),
                    IdentityKind::NodeRole,
                );
                if let Ok(ips) = a.assign_private_ips(&c, &n.primary_eni.eni_id, 2) {
                    let _ = a.unassign_private_ips(&c, &n.primary_eni.eni_id, &ips[..1]);
                }
            }
            let mut recs: Vec<Record> = a.take_records();
            noise.between(t, t + 1, 0.5, |r| recs.push(r.clone()));
            for r in &recs {
                let v = json(r);
                pushed.push((v["eventID"].as_str().unwrap().to_string(), r.time));
                d.push(r).unwrap();
            }
        }
    }
    let stats = d.finish().unwrap();
    assert_eq!(stats.records - stats.duplicates, pushed.len() as u64);
    assert!(stats.duplicates > 0 && stats.late > 0);

    let mut files = Vec::new();
    walk(dir.path(), &mut files);
    let mut seen: HashMap<String, u32> = HashMap::new();
    let (mut events, mut digests, mut gz) = (0, 0, 0u64);
    let mut unordered = 0;
    let mut late_seen = 0;
    for f in &files {
        let rel = f
            .strip_prefix(dir.path())
            .unwrap()
            .to_str()
            .unwrap()
            .to_string();
        let parts: Vec<&str> = rel.split('/').collect();
        assert_eq!(parts.len(), 8, "{rel}");
        assert_eq!(parts[0], "AWSLogs");
        let (acct, kind, region) = (parts[1], parts[2], parts[3]);
        let name = parts[7];
        let folder_date = format!("{}{}{}", parts[4], parts[5], parts[6]);
        assert!(name.ends_with(".json.gz"));
        let body: Value = serde_json::from_slice(&gunzip(f)).unwrap();
        if kind == "CloudTrail-Digest" {
            digests += 1;
            assert!(name.starts_with(&format!(
                "{acct}_CloudTrail-Digest_{region}_management-events_{region}_"
            )));
            let stamp = name.rsplit('_').next().unwrap();
            assert_eq!(stamp.len(), "20261101T001500Z.json.gz".len());
            assert_eq!(&stamp[..8], folder_date);
            assert!(body.get("Records").is_none());
            assert_eq!(body["awsAccountId"], acct);
            continue;
        }
        assert_eq!(kind, "CloudTrail");
        events += 1;
        gz += std::fs::metadata(f).unwrap().len();
        let prefix = format!("{acct}_CloudTrail_{region}_");
        assert!(name.starts_with(&prefix), "{name}");
        let rest = &name[prefix.len()..name.len() - ".json.gz".len()];
        let (stamp, unique) = rest.split_once('_').unwrap();
        assert_eq!(stamp.len(), 14);
        assert_eq!(&stamp[..8], folder_date);
        assert_eq!(unique.len(), 16);
        assert!(unique.bytes().all(|b| b.is_ascii_alphanumeric()));
        let delivered = parse_time(&format!(
            "{}-{}-{}T{}:{}:00Z",
            &stamp[..4],
            &stamp[4..6],
            &stamp[6..8],
            &stamp[9..11],
            &stamp[11..13]
        ))
        .unwrap();
        let recs = body["Records"].as_array().unwrap();
        assert!(!recs.is_empty());
        let times: Vec<Time> = recs
            .iter()
            .map(|r| parse_time(r["eventTime"].as_str().unwrap()).unwrap())
            .collect();
        if times.windows(2).any(|w| w[0] > w[1]) {
            unordered += 1;
        }
        for (r, &t) in recs.iter().zip(&times) {
            assert_eq!(r["recipientAccountId"], acct);
            assert_eq!(r["awsRegion"], region);
            // Delivered after it happened (the name has minutes only).
            assert!(
                t < delivered + 60,
                "{rel}: record at {t} delivered {delivered}"
            );
            if delivered - t > 600 {
                late_seen += 1;
            }
            *seen
                .entry(r["eventID"].as_str().unwrap().to_string())
                .or_default() += 1;
        }
    }
    assert_eq!(events, stats.files);
    assert_eq!(digests, stats.digest_files);
    assert_eq!(gz, stats.bytes_gzip);
    assert!(digests >= 6, "one per hour and account: {digests}");
    assert!(unordered > 0);
    assert!(late_seen > 0);
    // Every pushed record in exactly one file, except the declared duplicates (in two).
    let pushed_ids: HashSet<&str> = pushed.iter().map(|p| p.0.as_str()).collect();
    assert_eq!(pushed_ids.len(), pushed.len(), "event ids are unique");
    assert_eq!(seen.len(), pushed.len());
    assert!(pushed_ids.iter().all(|id| seen.contains_key(*id)));
    let twice = seen.values().filter(|&&n| n == 2).count() as u64;
    assert!(seen.values().all(|&n| n == 1 || n == 2));
    assert_eq!(twice, stats.duplicates);
    assert_eq!(seen.values().map(|&n| n as u64).sum::<u64>(), stats.records);
}

#[test]
fn delivery_is_deterministic_and_cuts_big_batches() {
    let run = |threads: usize| {
        let dir = tempfile::tempdir().unwrap();
        let mut cfg = DeliveryConfig::new(dir.path());
        cfg.threads = threads;
        cfg.max_file_bytes = 200_000;
        let ctx = TrailContext::new(3, "777788889999", "us-west-2", "big");
        let mut noise = NoiseGen::new(3, &ctx);
        let mut d = Delivery::new(cfg).unwrap();
        noise.between(T0, T0 + 900, 20.0, |r| d.push(r).unwrap());
        let stats = d.finish().unwrap();
        let mut files = Vec::new();
        walk(dir.path(), &mut files);
        let mut contents: Vec<(String, Vec<u8>)> = files
            .iter()
            .map(|f| {
                (
                    f.strip_prefix(dir.path())
                        .unwrap()
                        .to_str()
                        .unwrap()
                        .to_string(),
                    gunzip(f),
                )
            })
            .collect();
        contents.sort();
        (stats, contents)
    };
    let (s0, c0) = run(0);
    let (s2, c2) = run(2);
    assert_eq!(s0, s2);
    assert_eq!(c0, c2);
    // 900 s × 20/s of ~1 KB records in 200 KB files: many more files than 3 slots.
    assert!(s0.files > 20, "{s0:?}");
    for (k, body) in &c0 {
        if k.contains("/CloudTrail/") {
            assert!(body.len() < 200_000 + 10_000);
            let v: Value = serde_json::from_slice(body).unwrap();
            assert!(
                v["Records"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .all(|r| r["eventSource"] != "ec2.amazonaws.com" || r["readOnly"] == true)
            );
        }
    }
}

#[test]
fn noise_records_are_valid_json() {
    let ctx = TrailContext::new(9, "123456789012", "ap-southeast-1", "noise");
    let mut g = NoiseGen::new(9, &ctx);
    let mut sources = HashSet::new();
    for i in 0..5000 {
        let r = g.next(T0 + i);
        let v = json(&r);
        assert_eq!(v["recipientAccountId"], "123456789012");
        assert_eq!(
            v["eventTime"].as_str().unwrap(),
            cnitrail_sim::cloudtrail::time_string(T0 + i)
        );
        sources.insert(v["eventSource"].as_str().unwrap().to_string());
    }
    for s in [
        "s3.amazonaws.com",
        "sts.amazonaws.com",
        "kms.amazonaws.com",
        "ec2.amazonaws.com",
        "eks.amazonaws.com",
        "logs.amazonaws.com",
    ] {
        assert!(sources.contains(s), "{s}: {sources:?}");
    }
}

#[test]
fn escaping_of_caller_strings() {
    let mut a = aws(Placement::Random);
    a.add_subnet("subnet-a", "10.0.0.0/24").unwrap();
    let req = CreateEni {
        subnet_id: "subnet-a".into(),
        description: "quote \" backslash \\ newline \n tab \t".into(),
        tags: vec![("k\"".into(), "v\\".into())],
        secondary_count: Some(1),
        prefix_count: None,
    };
    a.create_network_interface(&other(T0, OtherActor::Operator), &req)
        .unwrap();
    let v = json(&a.take_records()[0]);
    assert_eq!(
        v["requestParameters"]["description"],
        req.description.as_str()
    );
    assert_eq!(
        v["responseElements"]["networkInterface"]["tagSet"]["items"][0]["key"],
        "k\""
    );
    let _ = Prefix4 {
        base: Ipv4Addr::new(10, 0, 0, 0),
        len: 28,
    };
}

/// `cargo test --release -p cnitrail-sim --test aws -- --ignored --nocapture throughput`
#[test]
#[ignore]
fn throughput() {
    for (level, threads) in [(6, 1), (1, 1), (6, 2)] {
        let dir = tempfile::tempdir().unwrap();
        let mut cfg = DeliveryConfig::new(dir.path());
        cfg.level = level;
        cfg.threads = threads;
        let mut d = Delivery::new(cfg).unwrap();
        let ctxs: Vec<TrailContext> = ["111122223333", "444455556666"]
            .iter()
            .map(|a| TrailContext::new(1, a, "eu-west-1", "bench"))
            .collect();
        let mut gens: Vec<NoiseGen> = ctxs.iter().map(|c| NoiseGen::new(1, c)).collect();
        let started = std::time::Instant::now();
        let mut t = T0;
        while started.elapsed().as_secs_f64() < 10.0 {
            for g in &mut gens {
                g.between(t, t + 1, 500.0, |r| d.push(r).unwrap());
            }
            t += 1;
        }
        let s = d.finish().unwrap();
        let secs = started.elapsed().as_secs_f64();
        println!(
            "level {level} threads {threads}: {} records, {:.0} MB json/s, {:.1} MB gzip/s ({:.2} GB gzip/min), ratio {:.1}",
            s.records,
            s.bytes_json as f64 / secs / 1e6,
            s.bytes_gzip as f64 / secs / 1e6,
            s.bytes_gzip as f64 / secs * 60.0 / 1e9,
            s.bytes_json as f64 / s.bytes_gzip as f64
        );
    }
}

#[test]
fn inferred_wrappers_can_vary() {
    let cfg = AwsConfig::default();
    let mut ctx = TrailContext::new(cfg.seed, &cfg.account_id, &cfg.region, &cfg.cluster_name);
    ctx.alt_wrapper_fraction = 1.0;
    let mut a = Aws::with_context(cfg, ctx);
    a.add_subnet("subnet-a", "10.0.0.0/24").unwrap();
    let eni = elb_eni(&mut a, T0, "subnet-a");
    let c = other(T0, OtherActor::LoadBalancer);
    let ips = a.assign_private_ips(&c, &eni, 3).unwrap();
    a.unassign_private_ips(&c, &eni, &ips).unwrap();
    let p = a.assign_prefixes(&c, &eni, 1).unwrap();
    a.unassign_prefixes(&c, &eni, &p).unwrap();
    let vals: Vec<Value> = a.take_records().iter().map(json).collect();
    let key = |v: &Value| v.as_object().unwrap().keys().next().unwrap().clone();
    assert!(
        ["items", "privateIpAddressesSetType"]
            .contains(&key(&vals[2]["requestParameters"]["privateIpAddressesSet"]).as_str())
    );
    assert!(
        ["item", "items"]
            .contains(&key(&vals[3]["responseElements"]["assignedIpv4PrefixSet"]).as_str())
    );
    assert!(
        ["items", "ipv4PrefixesSetType"]
            .contains(&key(&vals[4]["requestParameters"]["ipv4Prefixes"]).as_str())
    );
    // The observed wrapper (facts §0) never varies.
    assert!(vals[1]["responseElements"]["assignedPrivateIpAddressesSet"]["assignedPrivateIpAddressSetType"].is_array());
}
