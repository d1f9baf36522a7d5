//! `cnitrail simulate`: a scenario from a file and flags, played by cnitrail-sim.

use crate::cli::SimulateArgs;
use crate::exit::Code;
use crate::terminal::say;
use anyhow::{Context, Result};
use cnitrail_sim::scenario::{self, ModeName, Scenario, SubnetSpec, VersionShare};

pub fn run(args: SimulateArgs) -> Result<Code> {
    let mut sc = match &args.scenario {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read {}", path.display()))?;
            serde_json::from_str::<Scenario>(&text)
                .with_context(|| format!("{} is not a valid scenario", path.display()))?
        }
        None => Scenario::default(),
    };
    apply_flags(&mut sc, &args)?;
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("cannot create {}", args.out.display()))?;
    let started = std::time::Instant::now();
    let m = scenario::run(&sc, &args.out)?;
    let secs = started.elapsed().as_secs_f64();
    let calls: u64 = m.calls_by_api.values().sum();
    say!(
        "cnitrail: simulated {:.1} h: {} nodes launched, {} terminated; {} EC2 calls + {} noise = {} records ({} duplicates) in {} files + {} digests; {:.1} MB JSON, {:.1} MB gzip in {:.1} s",
        (m.end - m.start) as f64 / 3600.0,
        m.nodes_launched,
        m.nodes_terminated,
        calls,
        m.noise_records,
        m.records,
        m.duplicates,
        m.files,
        m.digest_files,
        m.bytes_json as f64 / 1e6,
        m.bytes_gzip as f64 / 1e6,
        secs
    );
    Ok(Code::Success)
}

fn apply_flags(sc: &mut Scenario, a: &SimulateArgs) -> Result<()> {
    if let Some(v) = a.seed {
        sc.seed = v;
    }
    if let Some(v) = a.hours {
        sc.hours = v;
    }
    if let Some(v) = &a.start {
        sc.start = v.clone();
    }
    if let Some(v) = a.nodes {
        sc.nodes.initial = v;
        sc.nodes.min = sc.nodes.min.min(v);
        sc.nodes.max = sc.nodes.max.max(v);
    }
    if let Some(v) = a.max_nodes {
        sc.nodes.max = v;
    }
    if let Some(v) = &a.instance_type {
        sc.nodes.instance_type = v.clone();
    }
    if !a.subnet_cidr.is_empty() {
        sc.subnets = a
            .subnet_cidr
            .iter()
            .enumerate()
            .map(|(i, cidr)| SubnetSpec {
                id: format!("subnet-0a1b2c3d4e5f6{:04x}", i + 1),
                cidr: cidr.clone(),
            })
            .collect();
        sc.nodes.subnet = None;
    }
    if !a.cni_version.is_empty() {
        sc.cni_versions = a
            .cni_version
            .iter()
            .map(|v| {
                let (version, weight) = v.split_once('=').unwrap_or((v, "1"));
                let weight = weight
                    .parse()
                    .with_context(|| format!("--cni-version {v}: weight is not a number"))?;
                Ok(VersionShare {
                    version: version.to_string(),
                    weight,
                })
            })
            .collect::<Result<_>>()?;
    }
    if let Some(v) = &a.identity {
        sc.identity = v.clone();
    }
    if let Some(v) = a.pods {
        sc.workload.steady_pods = v;
    }
    if let Some(v) = &a.mode {
        sc.pool.mode = match v.as_str() {
            "warm-ip" => ModeName::WarmIp,
            "prefix" => ModeName::Prefix,
            _ => ModeName::WarmEni,
        };
    }
    if let Some(v) = a.warm_eni_target {
        sc.pool.warm_eni_target = v;
    }
    if let Some(v) = a.warm_ip_target {
        sc.pool.warm_ip_target = v;
    }
    if let Some(v) = a.minimum_ip_target {
        sc.pool.minimum_ip_target = v;
    }
    if let Some(v) = a.warm_prefix_target {
        sc.pool.warm_prefix_target = v;
    }
    if let Some(v) = a.noise_per_second {
        sc.noise_per_second = v;
    }
    if a.size_mb.is_some() {
        sc.target_size_mb = a.size_mb;
    }
    if let Some(v) = a.gzip_level {
        sc.gzip_level = v;
    }
    if let Some(v) = a.max_file_kb {
        sc.max_file_kb = v;
    }
    Ok(())
}
