//! Writes a simulated CloudTrail corpus for the core's benchmarks, without building the
//! `cnitrail` binary (and polars): the scenario of `bench/scan.sh` at a chosen size.
//!
//! `cargo run --release -p cnitrail-core --example make_corpus -- DIR [SIZE_MB] [HOURS] [NODES]`
//!
//! Defaults: 600 MB of JSON over 2 hours of a 100-node cluster under WARM_IP_TARGET=2,
//! MINIMUM_IP_TARGET=5 in a /16, seed 1. The noise (other services' calls, about 15 % of them
//! EC2 `Describe*`) is raised to reach the size.

use cnitrail_sim::scenario::{self, ModeName, Scenario, SubnetSpec};
use std::path::PathBuf;
use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(dir) = args.first().map(PathBuf::from) else {
        eprintln!("usage: make_corpus DIR [SIZE_MB] [HOURS] [NODES]");
        std::process::exit(2);
    };
    let number = |i: usize, default: f64| -> f64 {
        args.get(i)
            .map(|a| {
                a.parse().unwrap_or_else(|_| {
                    eprintln!("not a number: {a}");
                    std::process::exit(2)
                })
            })
            .unwrap_or(default)
    };
    let nodes = number(3, 100.0) as u32;
    let mut sc = Scenario {
        seed: 1,
        hours: number(2, 2.0),
        target_size_mb: Some(number(1, 600.0)),
        subnets: vec![SubnetSpec {
            id: "subnet-0a1b2c3d4e5f60001".into(),
            cidr: "10.0.0.0/16".into(),
        }],
        ..Scenario::default()
    };
    (sc.nodes.initial, sc.nodes.max) = (nodes, nodes);
    sc.pool.mode = ModeName::WarmIp;
    sc.pool.warm_ip_target = 2;
    sc.pool.minimum_ip_target = 5;
    let started = Instant::now();
    let m = match scenario::run(&sc, &dir) {
        Ok(m) => m,
        Err(e) => {
            eprintln!("make_corpus: {e}");
            std::process::exit(1);
        }
    };
    println!(
        "{} records ({} duplicates, {} EC2 calls of the model, {} noise) in {} files; {:.1} MB JSON, {:.1} MB gzip in {:.1} s",
        m.records,
        m.duplicates,
        m.calls_by_api.values().sum::<u64>(),
        m.noise_records,
        m.files,
        m.bytes_json as f64 / 1e6,
        m.bytes_gzip as f64 / 1e6,
        started.elapsed().as_secs_f64()
    );
}
