//! Timeline throughput on synthetic ENI events: nodes with ENIs whose addresses are assigned and
//! unassigned over and over, delivered shuffled in batches of 4,000, as records are within
//! CloudTrail files.
//!
//! `cargo run --release -p cnitrail-core --example timeline_bench -- [EVENTS] [NODES] [WINDOW_S]`
//! (defaults 10,000,000, 2,000 and no reorder window: exact full ordering). Run it under
//! `/usr/bin/time -v` for the peak RSS.

use chrono::{DateTime, TimeZone, Utc};
use cnitrail_core::timeline::TimelineBuilder;
use cnitrail_core::{Actor, EniEvent, EventName};
use std::sync::Arc;
use std::time::Instant;

fn event(template: &EniEvent, n: u64, t: DateTime<Utc>, name: EventName) -> EniEvent {
    EniEvent {
        event_id: format!("00000000-0000-4000-8000-{n:012x}"),
        event_time: t,
        event_name: name,
        ..template.clone()
    }
}

fn main() {
    let args: Vec<u64> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let total = args.first().copied().unwrap_or(10_000_000);
    let nodes = args.get(1).copied().unwrap_or(2_000);
    let t0 = Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap();
    let template = EniEvent {
        event_id: String::new(),
        event_time: t0,
        event_name: EventName::AssignPrivateIpAddresses,
        region: Some("eu-west-1".into()),
        account: Some("111122223333".into()),
        eni_id: None,
        instance_id: None,
        attachment_id: None,
        subnet_id: Some("subnet-0a1b2c3d4e5f60001".into()),
        vpc_id: None,
        cidr_block: None,
        instance_type: None,
        device_index: None,
        delete_on_termination: None,
        private_ips: Vec::new(),
        primary_ip: None,
        ipv4_prefixes: Vec::new(),
        ipv6_addresses: Vec::new(),
        ipv6_prefixes: Vec::new(),
        requested_ipv4_count: Some(1),
        requested_ipv4_prefix_count: None,
        requested_ipv6_count: None,
        requested_ipv6_prefix_count: None,
        description: None,
        error_code: None,
        error_code_raw: None,
        error_message: None,
        caller_arn: Some("arn:aws:sts::111122223333:assumed-role/node/i-0".into()),
        session_name: None,
        user_agent: Some("amazon-vpc-cni-k8s/v1.22.0".into()),
        actor: Actor::Cni,
        cni_version: Some("v1.22.0".into()),
        source_file: Arc::from("bench"),
        record_index: 0,
    };

    let started = Instant::now();
    let mut in_push = std::time::Duration::ZERO;
    let mut builder = match args.get(2) {
        Some(&w) => TimelineBuilder::with_reorder_window(w as i64),
        None => TimelineBuilder::new(),
    };
    let mut window: Vec<EniEvent> = Vec::with_capacity(4096);
    let mut n = 0u64;
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut rand = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    // Each node: one ENI created with a primary address, then address churn on it.
    for node in 0..nodes {
        let mut e = event(&template, n, t0, EventName::CreateNetworkInterface);
        e.eni_id = Some(format!("eni-{node:017x}"));
        e.instance_id = Some(format!("i-{node:017x}"));
        e.private_ips = vec![format!("10.{}.{}.1", node / 256, node % 256)];
        e.primary_ip = e.private_ips.first().cloned();
        builder.push(&e);
        n += 1;
    }
    let mut second = 0i64;
    while n < total {
        second += 1;
        let t = t0 + chrono::Duration::seconds(second);
        for _ in 0..200 {
            let node = rand() % nodes;
            let host = 2 + rand() % 60;
            let name = if rand() % 2 == 0 {
                EventName::AssignPrivateIpAddresses
            } else {
                EventName::UnassignPrivateIpAddresses
            };
            let mut e = event(&template, n, t, name);
            e.eni_id = Some(format!("eni-{node:017x}"));
            e.private_ips = vec![format!("10.{}.{}.{host}", node / 256, node % 256)];
            window.push(e);
            n += 1;
        }
        if window.len() >= 4000 {
            // Deliver the window shuffled: records in a CloudTrail file are in no order.
            for i in (1..window.len()).rev() {
                window.swap(i, (rand() % (i as u64 + 1)) as usize);
            }
            let batch: Vec<EniEvent> = std::mem::take(&mut window);
            let t = Instant::now();
            for e in &batch {
                builder.push(e);
            }
            in_push += t.elapsed();
            drop(batch); // freeing the synthetic events is the producer's cost
        }
    }
    for e in window.drain(..).rev() {
        builder.push(&e);
    }
    let generated = started.elapsed().as_secs_f64();
    let finish = Instant::now();
    let tl = builder.finish();
    let built = finish.elapsed().as_secs_f64();
    // The timeline's own time: taking the events in, then ordering and applying them; the
    // generation of the synthetic events is left out.
    let timeline = in_push.as_secs_f64() + built;
    println!(
        "{n} events ({nodes} nodes, window {:?}): generated in {:.2} s; timeline: push {:.2} s + order/apply {built:.2} s = {timeline:.2} s ({:.2} M events/s); {} intervals",
        args.get(2),
        generated - in_push.as_secs_f64(),
        in_push.as_secs_f64(),
        n as f64 / timeline / 1e6,
        tl.intervals.len()
    );
}
