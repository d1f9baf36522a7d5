//! The node model against facts §5: the documented pool-size tables, the EKS arithmetic, the
//! timers and the call sequences, with a fake EC2 that records every call.

use std::net::Ipv4Addr;

use cnitrail_sim::ec2::{
    ApiError, CallCtx, CniVersion, CreateEni, Ec2, EniInfo, InstanceInfo, Prefix4, Time,
};
use cnitrail_sim::ipamd::{Ipamd, PoolConfig, PoolMode};
use cnitrail_sim::workload::{NodeWorkload, PodBinder, pod_events};

const T0: Time = 1_700_000_000;

#[derive(Debug, Clone, PartialEq)]
struct Call {
    t: Time,
    api: &'static str,
    /// ENI id, or the attachment id for Detach, or the instance for DescribeInstances.
    target: String,
    count: Option<u32>,
    err: Option<ApiError>,
    tags: usize,
    card: Option<u32>,
    subnet: String,
}

/// Always succeeds unless told to fail: addresses come sequentially from 10.1.0.0/17, prefixes
/// from 10.1.128.0/17.
#[derive(Default)]
struct FakeEc2 {
    next_ip: u32,
    next_prefix: u32,
    next_id: u32,
    calls: Vec<Call>,
    /// (api, error, how many more calls fail)
    script: Vec<(&'static str, ApiError, u32)>,
}

impl FakeEc2 {
    fn ip(&mut self) -> Ipv4Addr {
        self.next_ip += 1;
        Ipv4Addr::from(u32::from(Ipv4Addr::new(10, 1, 0, 0)) + self.next_ip)
    }
    fn prefix(&mut self) -> Prefix4 {
        let base = u32::from(Ipv4Addr::new(10, 1, 128, 0)) + 16 * self.next_prefix;
        self.next_prefix += 1;
        Prefix4 {
            base: Ipv4Addr::from(base),
            len: 28,
        }
    }
    fn id(&mut self, kind: &str) -> String {
        self.next_id += 1;
        format!("{kind}-{:08x}", self.next_id)
    }
    fn fail_next(&mut self, api: &'static str, err: ApiError, times: u32) {
        self.script.push((api, err, times));
    }
    fn rec(&mut self, ctx: &CallCtx, api: &'static str, target: &str) -> Result<(), ApiError> {
        self.rec_with(
            ctx,
            Call {
                t: ctx.time,
                api,
                target: target.to_string(),
                count: None,
                err: None,
                tags: 0,
                card: None,
                subnet: String::new(),
            },
        )
    }
    fn rec_with(&mut self, _ctx: &CallCtx, mut call: Call) -> Result<(), ApiError> {
        let mut err = None;
        if let Some(s) = self.script.iter_mut().find(|s| s.0 == call.api && s.2 > 0) {
            s.2 -= 1;
            err = Some(s.1);
        }
        call.err = err;
        self.calls.push(call);
        match err {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
    fn of(&self, api: &str) -> Vec<&Call> {
        self.calls.iter().filter(|c| c.api == api).collect()
    }
    fn names(&self) -> Vec<&'static str> {
        self.calls.iter().map(|c| c.api).collect()
    }
}

fn call(t: Time, api: &'static str, target: &str) -> Call {
    Call {
        t,
        api,
        target: target.into(),
        count: None,
        err: None,
        tags: 0,
        card: None,
        subnet: String::new(),
    }
}

impl Ec2 for FakeEc2 {
    fn run_instances(
        &mut self,
        ctx: &CallCtx,
        _it: &str,
        subnet_id: &str,
    ) -> Result<InstanceInfo, ApiError> {
        self.rec(ctx, "RunInstances", "")?;
        let instance_id = self.id("i");
        let eni_id = self.id("eni");
        let primary_ip = self.ip();
        Ok(InstanceInfo {
            instance_id,
            primary_eni: EniInfo {
                eni_id,
                subnet_id: subnet_id.into(),
                primary_ip,
                secondary_ips: vec![],
                prefixes: vec![],
            },
        })
    }
    fn terminate_instances(&mut self, ctx: &CallCtx, id: &str) -> Result<(), ApiError> {
        self.rec(ctx, "TerminateInstances", id)
    }
    fn create_network_interface(
        &mut self,
        ctx: &CallCtx,
        req: &CreateEni,
    ) -> Result<EniInfo, ApiError> {
        let c = Call {
            count: req.secondary_count.or(req.prefix_count),
            tags: req.tags.len(),
            subnet: req.subnet_id.clone(),
            ..call(ctx.time, "CreateNetworkInterface", "")
        };
        self.rec_with(ctx, c)?;
        let eni_id = self.id("eni");
        self.calls.last_mut().unwrap().target = eni_id.clone();
        let primary_ip = self.ip();
        let secondary_ips = (0..req.secondary_count.unwrap_or(0))
            .map(|_| self.ip())
            .collect();
        let prefixes = (0..req.prefix_count.unwrap_or(0))
            .map(|_| self.prefix())
            .collect();
        Ok(EniInfo {
            eni_id,
            subnet_id: req.subnet_id.clone(),
            primary_ip,
            secondary_ips,
            prefixes,
        })
    }
    fn attach_network_interface(
        &mut self,
        ctx: &CallCtx,
        eni_id: &str,
        _instance_id: &str,
        device_index: u32,
        network_card_index: Option<u32>,
    ) -> Result<String, ApiError> {
        let c = Call {
            count: Some(device_index),
            card: network_card_index,
            ..call(ctx.time, "AttachNetworkInterface", eni_id)
        };
        self.rec_with(ctx, c)?;
        Ok(format!("attach-{eni_id}"))
    }
    fn modify_delete_on_termination(
        &mut self,
        ctx: &CallCtx,
        eni_id: &str,
        _a: &str,
    ) -> Result<(), ApiError> {
        self.rec(ctx, "ModifyNetworkInterfaceAttribute", eni_id)
    }
    fn assign_private_ips(
        &mut self,
        ctx: &CallCtx,
        eni_id: &str,
        count: u32,
    ) -> Result<Vec<Ipv4Addr>, ApiError> {
        let c = Call {
            count: Some(count),
            ..call(ctx.time, "AssignPrivateIpAddresses", eni_id)
        };
        self.rec_with(ctx, c)?;
        Ok((0..count).map(|_| self.ip()).collect())
    }
    fn assign_prefixes(
        &mut self,
        ctx: &CallCtx,
        eni_id: &str,
        count: u32,
    ) -> Result<Vec<Prefix4>, ApiError> {
        let c = Call {
            count: Some(count),
            ..call(ctx.time, "AssignPrefixes", eni_id)
        };
        self.rec_with(ctx, c)?;
        Ok((0..count).map(|_| self.prefix()).collect())
    }
    fn unassign_private_ips(
        &mut self,
        ctx: &CallCtx,
        eni_id: &str,
        ips: &[Ipv4Addr],
    ) -> Result<(), ApiError> {
        let c = Call {
            count: Some(ips.len() as u32),
            ..call(ctx.time, "UnassignPrivateIpAddresses", eni_id)
        };
        self.rec_with(ctx, c)
    }
    fn unassign_prefixes(
        &mut self,
        ctx: &CallCtx,
        eni_id: &str,
        p: &[Prefix4],
    ) -> Result<(), ApiError> {
        let c = Call {
            count: Some(p.len() as u32),
            ..call(ctx.time, "UnassignPrefixes", eni_id)
        };
        self.rec_with(ctx, c)
    }
    fn detach_network_interface(
        &mut self,
        ctx: &CallCtx,
        attachment_id: &str,
    ) -> Result<(), ApiError> {
        self.rec(ctx, "DetachNetworkInterface", attachment_id)
    }
    fn delete_network_interface(&mut self, ctx: &CallCtx, eni_id: &str) -> Result<(), ApiError> {
        self.rec(ctx, "DeleteNetworkInterface", eni_id)
    }
    fn create_tags(
        &mut self,
        ctx: &CallCtx,
        ids: &[String],
        tags: &[(String, String)],
    ) -> Result<(), ApiError> {
        let c = Call {
            tags: tags.len(),
            ..call(ctx.time, "CreateTags", &ids.join(","))
        };
        self.rec_with(ctx, c)
    }
    fn describe_instances(&mut self, ctx: &CallCtx, id: &str) -> Result<(), ApiError> {
        self.rec(ctx, "DescribeInstances", id)
    }
    fn describe_network_interfaces(
        &mut self,
        ctx: &CallCtx,
        ids: &[String],
    ) -> Result<(), ApiError> {
        self.rec(ctx, "DescribeNetworkInterfaces", &ids.join(","))
    }
}

/// A launched node with its ipamd (not started yet) and the fake, its RunInstances forgotten.
fn node(instance_type: &str, config: PoolConfig) -> (Ipamd, FakeEc2) {
    let mut ec2 = FakeEc2::default();
    let ctx = CallCtx {
        time: T0,
        caller: cnitrail_sim::ec2::Caller::Other(cnitrail_sim::ec2::OtherActor::AutoScaling),
    };
    let inst = ec2
        .run_instances(&ctx, instance_type, "subnet-node")
        .unwrap();
    ec2.calls.clear();
    let ipamd = Ipamd::new(
        &inst.instance_id,
        instance_type,
        "subnet-node",
        &inst.primary_eni,
        config,
    )
    .unwrap();
    (ipamd, ec2)
}

fn cfg(mode: PoolMode) -> PoolConfig {
    PoolConfig {
        mode,
        ..PoolConfig::default()
    }
}

fn warm_eni(n: u32) -> PoolConfig {
    cfg(PoolMode::WarmEni { warm_eni_target: n })
}

fn warm_ip(w: u32, m: u32) -> PoolConfig {
    cfg(PoolMode::WarmIp {
        warm_ip_target: w,
        minimum_ip_target: m,
    })
}

fn warm_prefix(n: u32) -> PoolConfig {
    cfg(PoolMode::Prefix {
        warm_prefix_target: n,
        warm_ip_target: 0,
        minimum_ip_target: 0,
    })
}

/// Pods on a node, driven towards `want` each second (pending ones wait for the pool).
struct Pods {
    ips: Vec<Ipv4Addr>,
}

impl Pods {
    fn run(&mut self, ipamd: &mut Ipamd, ec2: &mut FakeEc2, from: Time, to: Time, want: usize) {
        for t in from..to {
            ipamd.tick(t, ec2);
            while self.ips.len() < want {
                match ipamd.add_pod(t) {
                    Some(ip) => self.ips.push(ip),
                    None => break,
                }
            }
            while self.ips.len() > want {
                let ip = self.ips.pop().unwrap();
                assert!(ipamd.remove_pod(t, ip));
            }
        }
    }
}

/// Per-ENI pool sizes after `pods` pods have run for 10 minutes on a fresh node.
fn settle(instance_type: &str, config: PoolConfig, pods: usize) -> (Vec<usize>, Vec<usize>, Ipamd) {
    let (mut ipamd, mut ec2) = node(instance_type, config);
    let mut p = Pods { ips: vec![] };
    p.run(&mut ipamd, &mut ec2, T0, T0 + 600, pods);
    assert_eq!(p.ips.len(), ipamd.assigned_ips() as usize);
    let ips = ipamd.enis().iter().map(|e| e.ips.len()).collect();
    let prefixes = ipamd.enis().iter().map(|e| e.prefixes.len()).collect();
    (ips, prefixes, ipamd)
}

fn sorted(mut v: Vec<usize>) -> Vec<usize> {
    v.sort();
    v
}

#[test]
fn warm_eni_target_tables() {
    assert_eq!(settle("t3.small", warm_eni(1), 0).0, [3]);
    assert_eq!(settle("t3.small", warm_eni(1), 5).0, [3, 3, 3]);
    assert_eq!(settle("t3.small", warm_eni(1), 9).0, [3, 3, 3]);
    assert_eq!(settle("p3dn.24xlarge", warm_eni(1), 0).0, [49]);
    assert_eq!(settle("p3dn.24xlarge", warm_eni(1), 3).0, [49, 49]);
    assert_eq!(settle("p3dn.24xlarge", warm_eni(1), 95).0, [49, 49, 49]);
}

#[test]
fn warm_ip_target_tables() {
    assert_eq!(settle("t3.small", warm_ip(1, 1), 0).0, [1]);
    assert_eq!(settle("t3.small", warm_ip(1, 1), 5).0, [3, 3]);
    assert_eq!(settle("t3.small", warm_ip(1, 1), 9).0, [3, 3, 3]);
    // The CNI doc lists "2,3": the same two ENIs; ipamd fills the first ENI with room first, so
    // the primary holds the 3.
    let (ips, _, _) = settle("t3.small", warm_ip(2, 5), 0);
    assert_eq!((ips.len(), sorted(ips.clone())), (2, vec![2, 3]), "{ips:?}");
    assert_eq!(settle("t3.small", warm_ip(2, 5), 5).0, [3, 3, 1]);
    assert_eq!(settle("t3.small", warm_ip(2, 5), 9).0, [3, 3, 3]);
    assert_eq!(settle("p3dn.24xlarge", warm_ip(5, 10), 0).0, [10]);
    assert_eq!(settle("p3dn.24xlarge", warm_ip(5, 10), 7).0, [12]);
    assert_eq!(settle("p3dn.24xlarge", warm_ip(5, 10), 15).0, [20]);
    assert_eq!(settle("p3dn.24xlarge", warm_ip(5, 10), 45).0, [49, 1]);
}

#[test]
fn warm_prefix_target_table() {
    let total = |pods| -> (usize, usize) {
        let (_, p, ipamd) = settle("t3.small", warm_prefix(1), pods);
        assert!(ipamd.enis().iter().all(|e| e.ips.is_empty()));
        (p.len(), p.iter().sum())
    };
    assert_eq!(total(0), (1, 1));
    assert_eq!(total(5), (1, 2));
    assert_eq!(total(17), (1, 3));
    assert_eq!(total(58), (2, 5));
}

/// Two t3.2xlarge nodes, each with aws-node and kube-proxy (host network) and one coredns pod.
fn idle_cluster(config: PoolConfig) -> u32 {
    let mut held = 0;
    for seed in 0..2 {
        let (mut ipamd, mut ec2) = node("t3.2xlarge", config.clone());
        let events = pod_events(&NodeWorkload::typical(0), T0, T0 + 900, seed);
        let mut binder = PodBinder::new();
        let mut next = 0;
        for t in T0..T0 + 900 {
            ipamd.tick(t, &mut ec2);
            while next < events.len() && events[next].0 <= t {
                binder.apply(t, events[next].1, &mut ipamd);
                next += 1;
            }
            binder.retry_pending(t, &mut ipamd);
        }
        assert_eq!((binder.running(), binder.pending()), (3, 0));
        assert_eq!(ipamd.assigned_ips(), 1, "host-network pods take no address");
        held += ipamd.addresses_held();
    }
    held
}

#[test]
fn eks_idle_cluster_arithmetic() {
    // WARM_ENI_TARGET=1: the primary ENI is full (15 with its primary) and one spare ENI is full.
    assert_eq!(idle_cluster(warm_eni(1)), 2 * (15 + 15));
    // WARM_IP_TARGET=2: one primary, one address per pod-network pod, two warm, per node.
    assert_eq!(idle_cluster(warm_ip(2, 0)), 2 * (1 + 1 + 2));
    // With no pod at all the spare ENI is not needed: 14 available is one ENI's worth.
    let (ips, _, ipamd) = settle("t3.2xlarge", warm_eni(1), 0);
    assert_eq!((ips, ipamd.addresses_held()), (vec![14], 15));
}

#[test]
fn start_tags_primary_then_first_pass() {
    let (mut ipamd, mut ec2) = node("t3.small", warm_eni(1));
    let primary = ipamd.enis()[0].eni_id.clone();
    Pods { ips: vec![] }.run(&mut ipamd, &mut ec2, T0 + 30, T0 + 40, 0);
    let c = &ec2.calls;
    assert_eq!(
        ec2.names()[..3],
        [
            "DescribeNetworkInterfaces",
            "CreateTags",
            "AssignPrivateIpAddresses"
        ]
    );
    assert_eq!((c[1].t, c[1].target.as_str()), (T0 + 30, primary.as_str()));
    assert_eq!((c[2].t, c[2].count), (T0 + 33, Some(3)));
}

fn allocation_sequence(v: CniVersion) -> (Vec<&'static str>, Vec<Call>) {
    let config = PoolConfig {
        cni_version: v,
        cluster_name: Some("demo".into()),
        ..warm_eni(1)
    };
    let (mut ipamd, mut ec2) = node("t3.small", config);
    Pods { ips: vec![] }.run(&mut ipamd, &mut ec2, T0, T0 + 60, 2);
    let calls: Vec<Call> = ec2
        .calls
        .iter()
        .skip_while(|c| c.api != "CreateNetworkInterface")
        .cloned()
        .collect();
    let names = calls.iter().map(|c| c.api).collect();
    (names, calls)
}

#[test]
fn call_sequence_per_version() {
    let (names, c) = allocation_sequence(CniVersion::new(1, 7, 5));
    assert_eq!(
        names[..6],
        [
            "CreateNetworkInterface",
            "CreateTags",
            "DescribeInstances",
            "AttachNetworkInterface",
            "ModifyNetworkInterfaceAttribute",
            "AssignPrivateIpAddresses"
        ]
    );
    assert_eq!(
        (c[0].tags, c[0].count, c[1].tags, c[5].count),
        (0, None, 3, Some(3))
    );
    assert!(c[..6].iter().all(|x| x.t == c[0].t));

    let (names, c) = allocation_sequence(CniVersion::new(1, 12, 0));
    assert_eq!(
        names[..5],
        [
            "CreateNetworkInterface",
            "DescribeInstances",
            "AttachNetworkInterface",
            "ModifyNetworkInterfaceAttribute",
            "AssignPrivateIpAddresses"
        ]
    );
    assert_eq!(
        (c[0].tags, c[0].count, c[2].card, c[2].count),
        (3, None, None, Some(1))
    );
    assert_eq!(c[4].count, Some(3));

    let (names, c) = allocation_sequence(CniVersion::new(1, 15, 3));
    assert_eq!(names[4], "AssignPrivateIpAddresses");
    assert_eq!(c[0].count, None);

    let (names, c) = allocation_sequence(CniVersion::new(1, 15, 4));
    assert_eq!(
        names,
        [
            "CreateNetworkInterface",
            "DescribeInstances",
            "AttachNetworkInterface",
            "ModifyNetworkInterfaceAttribute"
        ]
    );
    assert_eq!(c[0].count, Some(3));

    // v1.20+: the owner tag and NetworkCardIndex.
    let (_, c) = allocation_sequence(CniVersion::new(1, 20, 0));
    assert_eq!((c[0].tags, c[2].card), (4, Some(0)));
}

#[test]
fn prefix_delegation_asks_for_prefixes() {
    let config = PoolConfig {
        cni_version: CniVersion::new(1, 19, 0),
        ..warm_prefix(1)
    };
    let (mut ipamd, mut ec2) = node("t3.small", config);
    Pods { ips: vec![] }.run(&mut ipamd, &mut ec2, T0, T0 + 300, 40);
    let assigns = ec2.of("AssignPrefixes");
    assert!(assigns.iter().all(|c| c.count == Some(1)));
    let create = ec2.of("CreateNetworkInterface");
    assert_eq!(create.len(), 1);
    assert_eq!(create[0].count, Some(1));
    assert!(ec2.of("AssignPrivateIpAddresses").is_empty());
    // 40 pods + 16 warm ⇒ 4 prefixes: 3 on the primary, 1 on the new ENI.
    assert_eq!(
        ipamd
            .enis()
            .iter()
            .map(|e| e.prefixes.len())
            .collect::<Vec<_>>(),
        [3, 1]
    );
}

#[test]
fn decreases_at_most_every_30_s() {
    let (mut ipamd, mut ec2) = node("t3.2xlarge", warm_ip(2, 0));
    let mut pods = Pods { ips: vec![] };
    pods.run(&mut ipamd, &mut ec2, T0, T0 + 120, 12);
    // One pod leaves every 5 s.
    for k in 0..12 {
        let t = T0 + 120 + 5 * k as i64;
        pods.run(&mut ipamd, &mut ec2, t, t + 5, 11 - k);
    }
    pods.run(&mut ipamd, &mut ec2, T0 + 180, T0 + 400, 0);
    let times: Vec<Time> = ec2
        .of("UnassignPrivateIpAddresses")
        .iter()
        .map(|c| c.t)
        .collect();
    assert!(times.len() >= 2, "{times:?}");
    assert!(times.windows(2).all(|w| w[1] - w[0] > 30), "{times:?}");
    // Back to WARM_IP_TARGET.
    assert_eq!(ipamd.total_ips(), 2);
}

#[test]
fn eni_freed_only_after_60_s_then_detach_and_delete_2_s_later() {
    let (mut ipamd, mut ec2) = node("t3.small", warm_eni(1));
    let mut pods = Pods { ips: vec![] };
    pods.run(&mut ipamd, &mut ec2, T0, T0 + 25, 5);
    pods.run(&mut ipamd, &mut ec2, T0 + 25, T0 + 400, 0);
    let attached: Vec<(String, Time)> = ec2
        .of("AttachNetworkInterface")
        .iter()
        .map(|c| (format!("attach-{}", c.target), c.t))
        .collect();
    let detached = ec2.of("DetachNetworkInterface");
    assert_eq!((attached.len(), detached.len()), (2, 2));
    for d in &detached {
        let a = attached.iter().find(|a| a.0 == d.target).unwrap();
        assert!(d.t - a.1 >= 60, "freed {} s after attach", d.t - a.1);
        // Describe → Detach in the same second, Delete 2 s later.
        let eni = d.target.trim_start_matches("attach-");
        let i = ec2.calls.iter().position(|c| c == *d).unwrap();
        assert_eq!(
            (ec2.calls[i - 1].api, ec2.calls[i - 1].target.as_str()),
            ("DescribeNetworkInterfaces", eni)
        );
        assert_eq!(ec2.calls[i - 1].t, d.t);
        let del = ec2
            .of("DeleteNetworkInterface")
            .into_iter()
            .find(|c| c.target == eni)
            .unwrap();
        assert_eq!(del.t, d.t + 2);
    }
    // One ENI per pass, and the pool is back to the table's idle state.
    assert_ne!(detached[0].t, detached[1].t);
    assert_eq!(
        ipamd.enis().iter().map(|e| e.ips.len()).collect::<Vec<_>>(),
        [3]
    );
}

#[test]
fn no_increase_for_120_s_after_exhaustion() {
    let (mut ipamd, mut ec2) = node("t3.small", warm_eni(1));
    ec2.fail_next(
        "CreateNetworkInterface",
        ApiError::InsufficientFreeAddressesInSubnet,
        1,
    );
    Pods { ips: vec![] }.run(&mut ipamd, &mut ec2, T0, T0 + 300, 5);
    let creates = ec2.of("CreateNetworkInterface");
    let failed = creates[0].t;
    assert_eq!(
        creates[0].err,
        Some(ApiError::InsufficientFreeAddressesInSubnet)
    );
    let growth: Vec<Time> = ec2
        .calls
        .iter()
        .filter(|c| {
            matches!(c.api, "CreateNetworkInterface" | "AssignPrivateIpAddresses") && c.t > failed
        })
        .map(|c| c.t)
        .collect();
    assert!(growth[0] >= failed + 120, "{} s after", growth[0] - failed);
    assert_eq!(ipamd.enis().len(), 3);
}

#[test]
fn failed_bulk_assign_retries_with_one() {
    let (mut ipamd, mut ec2) = node("t3.small", warm_eni(1));
    ec2.fail_next(
        "AssignPrivateIpAddresses",
        ApiError::InsufficientFreeAddressesInSubnet,
        1,
    );
    Pods { ips: vec![] }.run(&mut ipamd, &mut ec2, T0, T0 + 60, 0);
    let a = ec2.of("AssignPrivateIpAddresses");
    assert_eq!(
        a.iter()
            .map(|c| (c.count, c.err.is_some()))
            .collect::<Vec<_>>()[..3],
        [(Some(3), true), (Some(1), false), (Some(2), false)]
    );
    assert_eq!(a[0].t, a[1].t);
    assert_eq!(a[2].t, a[1].t + 5);
    // Both failing ⇒ 120 s of quiet.
    let (mut ipamd, mut ec2) = node("t3.small", warm_eni(1));
    ec2.fail_next(
        "AssignPrivateIpAddresses",
        ApiError::InsufficientFreeAddressesInSubnet,
        2,
    );
    Pods { ips: vec![] }.run(&mut ipamd, &mut ec2, T0, T0 + 200, 0);
    let a = ec2.of("AssignPrivateIpAddresses");
    assert_eq!(
        (a[1].count, a[2].count, a[2].t - a[1].t >= 120),
        (Some(1), Some(3), true)
    );
    assert!(ec2.of("CreateNetworkInterface").is_empty());
}

#[test]
fn throttling_is_retried_by_the_sdk_then_on_a_later_pass() {
    let config = PoolConfig {
        cni_version: CniVersion::new(1, 20, 0),
        ..warm_ip(2, 0)
    };
    let (mut ipamd, mut ec2) = node("t3.small", config);
    ec2.fail_next(
        "AssignPrivateIpAddresses",
        ApiError::RequestLimitExceeded,
        3,
    );
    ec2.fail_next("CreateNetworkInterface", ApiError::RequestLimitExceeded, 3);
    Pods { ips: vec![] }.run(&mut ipamd, &mut ec2, T0, T0 + 30, 0);
    let a = ec2.of("AssignPrivateIpAddresses");
    // Three attempts in one second, no count-1 retry after throttling, then the CNI tries a new
    // ENI (also throttled ×3), and the next pass succeeds.
    assert_eq!(a.iter().filter(|c| c.t == a[0].t).count(), 3);
    assert!(a[..3].iter().all(|c| c.count == Some(2) && c.err.is_some()));
    let cr = ec2.of("CreateNetworkInterface");
    assert_eq!((cr.len(), cr[0].t), (3, a[0].t));
    assert_eq!((a[3].t, a[3].err), (a[0].t + 5, None));
    assert_eq!(ipamd.total_ips(), 2);
    // v1.8–v1.19: MaxRetries=10 ⇒ 11 attempts.
    let (mut ipamd, mut ec2) = node("t3.small", warm_ip(2, 0));
    ec2.fail_next(
        "AssignPrivateIpAddresses",
        ApiError::RequestLimitExceeded,
        11,
    );
    Pods { ips: vec![] }.run(&mut ipamd, &mut ec2, T0, T0 + 4, 0);
    assert_eq!(ec2.of("AssignPrivateIpAddresses").len(), 11);
}

#[test]
fn failed_attach_deletes_at_once() {
    let (mut ipamd, mut ec2) = node("t3.small", warm_eni(1));
    ec2.fail_next(
        "AttachNetworkInterface",
        ApiError::AttachmentLimitExceeded,
        1,
    );
    Pods { ips: vec![] }.run(&mut ipamd, &mut ec2, T0, T0 + 60, 3);
    let i = ec2
        .calls
        .iter()
        .position(|c| c.api == "AttachNetworkInterface")
        .unwrap();
    let (att, del) = (&ec2.calls[i], &ec2.calls[i + 1]);
    assert_eq!(del.api, "DeleteNetworkInterface");
    assert_eq!((del.t, del.target.as_str()), (att.t, att.target.as_str()));
    assert_eq!(ipamd.enis().len(), 2);
}

#[test]
fn custom_networking_uses_the_eniconfig_subnet() {
    let config = PoolConfig {
        custom_networking: Some("subnet-pods".into()),
        ..warm_eni(1)
    };
    let (ips, _, ipamd) = settle("t3.small", config, 2);
    assert_eq!(ips, [0, 3, 3]);
    assert!(
        ipamd.enis()[1..]
            .iter()
            .all(|e| e.subnet_id == "subnet-pods")
    );
}

#[test]
fn pod_address_cools_down_30_s() {
    let (mut ipamd, mut ec2) = node("t3.small", warm_ip(1, 1));
    Pods { ips: vec![] }.run(&mut ipamd, &mut ec2, T0, T0 + 60, 0);
    assert_eq!(ipamd.total_ips(), 1);
    let ip = ipamd.add_pod(T0 + 60).unwrap();
    // The pool grows back to one warm address on the next passes.
    Pods { ips: vec![] }.run(&mut ipamd, &mut ec2, T0 + 60, T0 + 100, 0);
    assert!(ipamd.remove_pod(T0 + 100, ip));
    // Two free addresses: the other one goes first, then none until the cooldown is over.
    let other = ipamd.add_pod(T0 + 101).unwrap();
    assert_ne!(other, ip);
    assert_eq!(ipamd.add_pod(T0 + 129), None);
    assert_eq!(ipamd.add_pod(T0 + 130), Some(ip));
}

#[test]
fn prefix_delegation_with_ip_targets() {
    let pd_ip = |w, m| {
        cfg(PoolMode::Prefix {
            warm_prefix_target: 1,
            warm_ip_target: w,
            minimum_ip_target: m,
        })
    };
    // MINIMUM_IP_TARGET=10 ⇒ one prefix; 20 pods + 5 warm ⇒ two.
    assert_eq!(settle("t3.small", pd_ip(5, 10), 0).1, [1]);
    assert_eq!(settle("t3.small", pd_ip(5, 10), 20).1, [2]);
    // A MINIMUM_IP_TARGET of 33 behaves like 48.
    assert_eq!(settle("t3.small", pd_ip(1, 33), 0).1, [3]);
}
