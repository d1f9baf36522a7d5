//! A scenario and the clock that plays it: nodes launched and scaled in by Auto Scaling, an
//! ipamd per node fed by its pods, other services' ENIs in the same subnets, noise from other
//! services, all through one [`Aws`] whose records a [`Delivery`] writes as a trail.
//!
//! Output layout under the chosen directory:
//!
//! ```text
//! DIR/trail/AWSLogs/<account>/CloudTrail/<region>/YYYY/MM/DD/*.json.gz   the trail
//! DIR/trail/AWSLogs/<account>/CloudTrail-Digest/…                        hourly digests
//! DIR/truth/{addresses,enis,calls,throttles,usage}.jsonl                 what really happened
//! DIR/manifest.json                                                      counts (Manifest)
//! ```
//!
//! The simulated time advances one second at a time; within a second the order is: node
//! launches and terminations, then each node's pods and ipamd pass, then other actors, then
//! noise. Everything random is drawn from the seed, so a scenario and a seed give the same bytes.

use crate::aws::{Api, Aws, AwsConfig, Bucket, SetupError};
use crate::cloudtrail::{NoiseGen, TrailContext};
use crate::delivery::{Delivery, DeliveryConfig, DeliveryStats};
use crate::ec2::{CallCtx, Caller, CniVersion, CreateEni, Ec2, IdentityKind, OtherActor, Time};
use crate::ipamd::{Ipamd, PoolConfig, PoolMode};
use crate::truth::Truth;
use crate::workload::{self, ClusterScaling, NodeEvent, NodeWorkload, PodBinder, PodEvent, Rng};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

/// A subnet of the VPC.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubnetSpec {
    /// `subnet-…`.
    pub id: String,
    /// IPv4 CIDR, `/16` to `/28`.
    pub cidr: String,
}

/// Which warm-pool mode ipamd runs in (facts §5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ModeName {
    /// `WARM_ENI_TARGET`.
    WarmEni,
    /// `WARM_IP_TARGET` / `MINIMUM_IP_TARGET`.
    WarmIp,
    /// Prefix delegation with `WARM_PREFIX_TARGET` (or the IP targets).
    Prefix,
}

/// The `aws-node` settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PoolSpec {
    /// Mode.
    pub mode: ModeName,
    /// `WARM_ENI_TARGET`.
    pub warm_eni_target: u32,
    /// `WARM_IP_TARGET` (0: unset).
    pub warm_ip_target: u32,
    /// `MINIMUM_IP_TARGET` (0: unset).
    pub minimum_ip_target: u32,
    /// `WARM_PREFIX_TARGET`.
    pub warm_prefix_target: u32,
    /// `MAX_ENI`.
    pub max_eni: Option<u32>,
    /// Custom networking: the ENIConfig subnet for new ENIs.
    pub custom_networking_subnet: Option<String>,
}

impl Default for PoolSpec {
    fn default() -> Self {
        PoolSpec {
            mode: ModeName::WarmEni,
            warm_eni_target: 1,
            warm_ip_target: 0,
            minimum_ip_target: 0,
            warm_prefix_target: 1,
            max_eni: None,
            custom_networking_subnet: None,
        }
    }
}

impl PoolSpec {
    fn mode(&self) -> PoolMode {
        match self.mode {
            ModeName::WarmEni => PoolMode::WarmEni {
                warm_eni_target: self.warm_eni_target,
            },
            ModeName::WarmIp => PoolMode::WarmIp {
                warm_ip_target: self.warm_ip_target,
                minimum_ip_target: self.minimum_ip_target,
            },
            ModeName::Prefix => PoolMode::Prefix {
                warm_prefix_target: self.warm_prefix_target,
                warm_ip_target: self.warm_ip_target,
                minimum_ip_target: self.minimum_ip_target,
            },
        }
    }
}

/// The node group and how Auto Scaling moves it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NodesSpec {
    /// Nodes at the start.
    pub initial: u32,
    /// Fewest nodes.
    pub min: u32,
    /// Most nodes.
    pub max: u32,
    /// Mean seconds between scaling decisions (0: no scaling).
    pub scale_interval_seconds: i64,
    /// Nodes per decision, at most.
    pub max_step: u32,
    /// EC2 instance type (must be in the limits table).
    pub instance_type: String,
    /// Subnet the nodes launch in (default: the first).
    pub subnet: Option<String>,
}

impl Default for NodesSpec {
    fn default() -> Self {
        NodesSpec {
            initial: 3,
            min: 2,
            max: 6,
            scale_interval_seconds: 1800,
            max_step: 2,
            instance_type: "m5.large".into(),
            subnet: None,
        }
    }
}

/// One CNI version and its share of the nodes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VersionShare {
    /// `v1.19.0` and so on.
    pub version: String,
    /// Relative weight.
    pub weight: f64,
}

/// Pods on each node.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WorkloadSpec {
    /// Long-lived pods per node.
    pub steady_pods: u32,
    /// Mean seconds before a steady pod is replaced.
    pub steady_mean_life_seconds: i64,
    /// A deployment scaling up and down on every node: peak pods (0: none).
    pub ramp_peak: u32,
    /// Batch bursts: pods per burst (0: none).
    pub batch_size: u32,
    /// Seconds between bursts.
    pub batch_every_seconds: i64,
    /// Mean life of a batch pod.
    pub batch_duration_seconds: i64,
}

impl Default for WorkloadSpec {
    fn default() -> Self {
        WorkloadSpec {
            steady_pods: 8,
            steady_mean_life_seconds: 3600,
            ramp_peak: 6,
            batch_size: 5,
            batch_every_seconds: 1800,
            batch_duration_seconds: 300,
        }
    }
}

/// A whole scenario, readable from a JSON file; every field has a default.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Scenario {
    /// Seed of everything random.
    pub seed: u64,
    /// Start, RFC 3339 UTC (`2026-11-01T00:00:00Z`).
    pub start: String,
    /// Simulated hours.
    pub hours: f64,
    /// Account id.
    pub account_id: String,
    /// Region.
    pub region: String,
    /// EKS cluster name.
    pub cluster_name: String,
    /// Subnets.
    pub subnets: Vec<SubnetSpec>,
    /// Node group.
    pub nodes: NodesSpec,
    /// `aws-node` settings.
    pub pool: PoolSpec,
    /// CNI versions and their shares.
    pub cni_versions: Vec<VersionShare>,
    /// `node-role` or `irsa`.
    pub identity: String,
    /// Pods per node.
    pub workload: WorkloadSpec,
    /// Other services' ENIs (load balancers, Lambda, endpoints) created per hour in the subnets.
    pub other_enis_per_hour: f64,
    /// Mean seconds such an ENI lives.
    pub other_eni_life_seconds: i64,
    /// Noise records (other services' calls) per simulated second.
    pub noise_per_second: f64,
    /// Scales every EC2 token bucket (burst and refill): below 1 for an account whose other
    /// tools already use much of its request rate, which is when ipamd gets throttled.
    pub ec2_rate_scale: f64,
    /// Aim for this many MB of decompressed trail: the noise rate is raised to reach it.
    pub target_size_mb: Option<f64>,
    /// Share of records delivered in a later file.
    pub late_fraction: f64,
    /// Share of records delivered twice.
    pub duplicate_fraction: f64,
    /// gzip level of the trail files.
    pub gzip_level: u32,
    /// Cut a 5-minute batch into several files past this many KB of JSON (CloudTrail writes
    /// more, smaller files for a busy account; small values make many small objects).
    pub max_file_kb: u64,
}

impl Scenario {
    /// A throttling storm: 40 t3.small nodes under WARM_IP_TARGET=2, MINIMUM_IP_TARGET=5 in a
    /// /18, batch pods churning every 5 minutes, in an account whose EC2 request rate others
    /// use up (`ec2_rate_scale` 0.05); half an hour, a little noise, no other services' ENIs.
    pub fn throttling_storm() -> Self {
        let mut sc = Scenario {
            noise_per_second: 0.5,
            other_enis_per_hour: 0.0,
            hours: 0.5,
            ec2_rate_scale: 0.05,
            subnets: vec![SubnetSpec {
                id: "subnet-0big".into(),
                cidr: "10.0.0.0/18".into(),
            }],
            ..Scenario::default()
        };
        sc.nodes.initial = 40;
        sc.nodes.min = 40;
        sc.nodes.max = 40;
        sc.nodes.scale_interval_seconds = 0;
        sc.nodes.instance_type = "t3.small".into();
        sc.pool.mode = ModeName::WarmIp;
        sc.pool.warm_ip_target = 2;
        sc.pool.minimum_ip_target = 5;
        sc.workload.batch_size = 6;
        sc.workload.batch_every_seconds = 300;
        sc.workload.batch_duration_seconds = 120;
        sc
    }
}

impl Default for Scenario {
    fn default() -> Self {
        Scenario {
            seed: 1,
            start: "2026-11-01T00:00:00Z".into(),
            hours: 2.0,
            account_id: "111122223333".into(),
            region: "eu-west-1".into(),
            cluster_name: "sim".into(),
            subnets: vec![SubnetSpec {
                id: "subnet-0a1b2c3d4e5f60001".into(),
                cidr: "10.0.0.0/22".into(),
            }],
            nodes: NodesSpec::default(),
            pool: PoolSpec::default(),
            cni_versions: vec![VersionShare {
                version: "v1.19.0".into(),
                weight: 1.0,
            }],
            identity: "node-role".into(),
            workload: WorkloadSpec::default(),
            other_enis_per_hour: 6.0,
            other_eni_life_seconds: 3600,
            noise_per_second: 5.0,
            ec2_rate_scale: 1.0,
            target_size_mb: None,
            late_fraction: 0.01,
            duplicate_fraction: 0.0005,
            gzip_level: 6,
            max_file_kb: 64 * 1024,
        }
    }
}

/// A scenario that cannot be played.
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    /// A setting is wrong.
    #[error("scenario: {0}")]
    Invalid(String),
    /// Writing the output failed.
    #[error("cannot write the simulation output: {0}")]
    Io(#[from] std::io::Error),
}

impl From<SetupError> for ScenarioError {
    fn from(e: SetupError) -> Self {
        ScenarioError::Invalid(format!("{e:?}"))
    }
}

/// What was written, saved as `manifest.json`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// Seed.
    pub seed: u64,
    /// First simulated second.
    pub start: Time,
    /// First second after the simulation.
    pub end: Time,
    /// Records in trail files, duplicates included: what a scan must read.
    pub records: u64,
    /// Of which second deliveries of the same event.
    pub duplicates: u64,
    /// Records delivered in a later file than their time's.
    pub late: u64,
    /// EC2 calls made by the simulated actors (each one record), by API.
    pub calls_by_api: BTreeMap<String, u64>,
    /// Noise records.
    pub noise_records: u64,
    /// Trail files.
    pub files: u64,
    /// Digest files.
    pub digest_files: u64,
    /// JSON bytes of the trail files.
    pub bytes_json: u64,
    /// gzip bytes of the trail files.
    pub bytes_gzip: u64,
    /// Nodes launched.
    pub nodes_launched: u64,
    /// Nodes terminated.
    pub nodes_terminated: u64,
}

fn parse_time(text: &str) -> Option<Time> {
    // `YYYY-MM-DDTHH:MM:SSZ`, the only form scenarios use.
    let b = text.as_bytes();
    if b.len() != 20 || b[4] != b'-' || b[10] != b'T' || b[19] != b'Z' {
        return None;
    }
    let n = |r: std::ops::Range<usize>| text.get(r)?.parse::<i64>().ok();
    let (y, m, d) = (n(0..4)?, n(5..7)?, n(8..10)?);
    let (hh, mm, ss) = (n(11..13)?, n(14..16)?, n(17..19)?);
    // Days from civil (Howard Hinnant's algorithm).
    let y2 = if m <= 2 { y - 1 } else { y };
    let era = y2.div_euclid(400);
    let yoe = y2 - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(days * 86_400 + hh * 3600 + mm * 60 + ss)
}

fn parse_version(v: &str) -> Option<CniVersion> {
    let mut parts = v
        .trim_start_matches('v')
        .split('.')
        .map(|p| p.parse::<u16>().ok());
    Some(CniVersion::new(
        parts.next()??,
        parts.next()??,
        parts.next()??,
    ))
}

/// A node while it runs.
struct Node {
    instance_id: String,
    ipamd: Ipamd,
    binder: PodBinder,
    pods: Vec<(Time, PodEvent)>,
    next_pod: usize,
}

/// Plays `scenario` and writes the trail, the truth and the manifest under `out`.
pub fn run(scenario: &Scenario, out: &Path) -> Result<Manifest, ScenarioError> {
    let invalid = |m: String| ScenarioError::Invalid(m);
    let start = parse_time(&scenario.start).ok_or_else(|| {
        invalid(format!(
            "start {:?} is not YYYY-MM-DDTHH:MM:SSZ",
            scenario.start
        ))
    })?;
    // NaN and negative hours are both refused.
    if scenario.hours.is_nan() || scenario.hours <= 0.0 {
        return Err(invalid("hours must be positive".into()));
    }
    let end = start + (scenario.hours * 3600.0).round() as Time;
    let identity = match scenario.identity.as_str() {
        "node-role" => IdentityKind::NodeRole,
        "irsa" => IdentityKind::Irsa,
        other => return Err(invalid(format!("identity {other:?}: node-role or irsa"))),
    };
    let versions: Vec<(CniVersion, f64)> = scenario
        .cni_versions
        .iter()
        .map(|v| {
            parse_version(&v.version)
                .map(|p| (p, v.weight.max(0.0)))
                .ok_or_else(|| invalid(format!("CNI version {:?}", v.version)))
        })
        .collect::<Result<_, _>>()?;
    let total_weight: f64 = versions.iter().map(|v| v.1).sum();
    if versions.is_empty() || total_weight <= 0.0 {
        return Err(invalid(
            "at least one CNI version with a positive weight".into(),
        ));
    }
    if crate::limits::limits(&scenario.nodes.instance_type).is_none() {
        return Err(invalid(format!(
            "unknown instance type {}",
            scenario.nodes.instance_type
        )));
    }
    let node_subnet = scenario
        .nodes
        .subnet
        .clone()
        .or_else(|| scenario.subnets.first().map(|s| s.id.clone()))
        .ok_or_else(|| invalid("no subnet".into()))?;

    let cfg = AwsConfig {
        seed: scenario.seed,
        account_id: scenario.account_id.clone(),
        region: scenario.region.clone(),
        cluster_name: scenario.cluster_name.clone(),
        ..AwsConfig::default()
    };
    let ctx = TrailContext::new(
        scenario.seed,
        &cfg.account_id,
        &cfg.region,
        &cfg.cluster_name,
    );
    let mut noise = NoiseGen::new(scenario.seed, &ctx);
    let mut aws = Aws::with_context(cfg, ctx);
    for s in &scenario.subnets {
        aws.add_subnet(&s.id, &s.cidr)?;
    }
    if scenario.ec2_rate_scale.is_nan() || scenario.ec2_rate_scale <= 0.0 {
        return Err(invalid("ec2_rate_scale must be positive".into()));
    }
    for api in Api::ALL {
        let b = api.default_bucket();
        aws.set_bucket(
            api,
            Bucket {
                capacity: (b.capacity * scenario.ec2_rate_scale).max(1.0),
                refill_per_second: b.refill_per_second * scenario.ec2_rate_scale,
            },
        );
    }
    // Aws treats an unknown subnet as a bug of its caller, so every subnet the scenario names is
    // checked here, where it is still the user's input.
    let named = [
        ("node subnet", Some(&node_subnet)),
        (
            "custom networking subnet",
            scenario.pool.custom_networking_subnet.as_ref(),
        ),
    ];
    for (what, id) in named {
        if let Some(id) = id
            && !scenario.subnets.iter().any(|s| &s.id == id)
        {
            return Err(invalid(format!("{what} {id} is not among the subnets")));
        }
    }
    aws.set_truth(Truth::to_dir(&out.join("truth"))?);
    let mut delivery_cfg = DeliveryConfig::new(out.join("trail"));
    delivery_cfg.seed = scenario.seed;
    delivery_cfg.late_fraction = scenario.late_fraction;
    delivery_cfg.duplicate_fraction = scenario.duplicate_fraction;
    delivery_cfg.level = scenario.gzip_level;
    delivery_cfg.max_file_bytes = (scenario.max_file_kb.max(1) * 1024) as usize;
    // Compression is most of the cost; the output does not depend on the thread count.
    delivery_cfg.threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut delivery = Delivery::new(delivery_cfg)?;

    // About 1.5 KB per noise record: enough to aim a size target.
    let noise_rate = match scenario.target_size_mb {
        Some(mb) => (mb * 1e6 / 1500.0 / (end - start) as f64).max(scenario.noise_per_second),
        None => scenario.noise_per_second,
    };

    let scaling = ClusterScaling {
        initial: scenario.nodes.initial,
        min: scenario.nodes.min,
        max: scenario.nodes.max.max(scenario.nodes.initial),
        mean_interval: scenario.nodes.scale_interval_seconds,
        max_step: scenario.nodes.max_step,
    };
    let node_events = workload::node_events(&scaling, start, end, scenario.seed);
    let mut next_node_event = 0;
    let mut rng = Rng::derive(scenario.seed, 0x5CE);
    let mut nodes: BTreeMap<u32, Node> = BTreeMap::new();
    let mut launches: Vec<u32> = Vec::new();
    let mut terminations: Vec<String> = Vec::new();
    let mut other_enis: Vec<(Time, String)> = Vec::new();
    let mut manifest = Manifest {
        seed: scenario.seed,
        start,
        end,
        ..Manifest::default()
    };
    let w = &scenario.workload;
    let node_workload = NodeWorkload {
        ramps: if w.ramp_peak > 0 {
            vec![workload::Ramp {
                start: 900,
                up: 600,
                hold: 1800,
                down: 600,
                peak: w.ramp_peak,
            }]
        } else {
            Vec::new()
        },
        batches: if w.batch_size > 0 {
            vec![workload::Batch {
                first: 600,
                every: w.batch_every_seconds,
                size: w.batch_size,
                duration: w.batch_duration_seconds,
            }]
        } else {
            Vec::new()
        },
        steady_mean_life: w.steady_mean_life_seconds,
        ..NodeWorkload::typical(w.steady_pods)
    };
    let autoscaling = |time| CallCtx {
        time,
        caller: Caller::Other(OtherActor::AutoScaling),
    };

    for t in start..end {
        while let Some(&(at, ev)) = node_events.get(next_node_event) {
            if at > t {
                break;
            }
            next_node_event += 1;
            match ev {
                NodeEvent::Launch { node } => launches.push(node),
                NodeEvent::Terminate { node } => {
                    if let Some(n) = nodes.remove(&node) {
                        terminations.push(n.instance_id);
                    } else {
                        launches.retain(|l| *l != node);
                    }
                }
            }
        }
        // Auto Scaling retries what the API throttled, a second later.
        let mut still = Vec::new();
        for node in std::mem::take(&mut launches) {
            match aws.run_instances(&autoscaling(t), &scenario.nodes.instance_type, &node_subnet) {
                Ok(info) => {
                    let roll = rng.unit() * total_weight;
                    let mut acc = 0.0;
                    let version = versions
                        .iter()
                        .find(|(_, w)| {
                            acc += w;
                            roll < acc
                        })
                        .map_or(versions[0].0, |v| v.0);
                    let config = PoolConfig {
                        mode: scenario.pool.mode(),
                        max_eni: scenario.pool.max_eni,
                        custom_networking: scenario.pool.custom_networking_subnet.clone(),
                        cni_version: version,
                        identity,
                        cluster_name: Some(scenario.cluster_name.clone()),
                        ..PoolConfig::default()
                    };
                    let ipamd = Ipamd::new(
                        &info.instance_id,
                        &scenario.nodes.instance_type,
                        &node_subnet,
                        &info.primary_eni,
                        config,
                    )
                    .map_err(|e| invalid(format!("{e:?}")))?;
                    let pods = workload::pod_events(
                        &node_workload,
                        t + 30,
                        end,
                        scenario.seed ^ (u64::from(node) << 20),
                    );
                    nodes.insert(
                        node,
                        Node {
                            instance_id: info.instance_id,
                            ipamd,
                            binder: PodBinder::new(),
                            pods,
                            next_pod: 0,
                        },
                    );
                    manifest.nodes_launched += 1;
                }
                Err(_) => still.push(node),
            }
        }
        launches = still;
        let mut still = Vec::new();
        for instance in std::mem::take(&mut terminations) {
            match aws.terminate_instances(&autoscaling(t), &instance) {
                Ok(()) => manifest.nodes_terminated += 1,
                Err(_) => still.push(instance),
            }
        }
        terminations = still;

        for node in nodes.values_mut() {
            while let Some(&(at, ev)) = node.pods.get(node.next_pod) {
                if at > t {
                    break;
                }
                node.next_pod += 1;
                node.binder.apply(t, ev, &mut node.ipamd);
            }
            node.binder.retry_pending(t, &mut node.ipamd);
            node.ipamd.tick(t, &mut aws);
        }

        if scenario.other_enis_per_hour > 0.0 && rng.chance(scenario.other_enis_per_hour / 3600.0) {
            let kinds = [
                OtherActor::LoadBalancer,
                OtherActor::Lambda,
                OtherActor::VpcEndpoint,
            ];
            let kind = kinds[rng.below(kinds.len() as u64) as usize];
            let subnet = &scenario.subnets[rng.below(scenario.subnets.len() as u64) as usize].id;
            let description = match kind {
                OtherActor::LoadBalancer => "ELB app/k8s-default-web/0123456789abcdef",
                OtherActor::Lambda => "AWS Lambda VPC ENI-orders-processor",
                _ => "VPC Endpoint Interface vpce-0123456789abcdef0",
            };
            let ctx = CallCtx {
                time: t,
                caller: Caller::Other(kind),
            };
            let req = CreateEni {
                subnet_id: subnet.clone(),
                description: description.into(),
                tags: Vec::new(),
                secondary_count: None,
                prefix_count: None,
            };
            if let Ok(eni) = aws.create_network_interface(&ctx, &req) {
                let life = rng.exp(scenario.other_eni_life_seconds.max(60));
                other_enis.push((t + life, eni.eni_id));
            }
        }
        let mut keep = Vec::new();
        for (at, eni) in std::mem::take(&mut other_enis) {
            if at > t {
                keep.push((at, eni));
                continue;
            }
            let ctx = CallCtx {
                time: t,
                caller: Caller::Other(OtherActor::LoadBalancer),
            };
            if aws.delete_network_interface(&ctx, &eni).is_err() {
                keep.push((t + 1, eni));
            }
        }
        other_enis = keep;

        for r in aws.drain_records() {
            *manifest.calls_by_api.entry(api_of(&r.json)).or_default() += 1;
            delivery.push(&r)?;
        }
        let mut pushed = Ok(());
        noise.between(t, t + 1, noise_rate, |r| {
            manifest.noise_records += 1;
            if pushed.is_ok() {
                pushed = delivery.push(r);
            }
        });
        pushed?;
        aws.advance(t);
        delivery.advance(t)?;
    }
    aws.finish(end)?;
    let stats: DeliveryStats = delivery.finish()?;
    manifest.records = stats.records;
    manifest.duplicates = stats.duplicates;
    manifest.late = stats.late;
    manifest.files = stats.files;
    manifest.digest_files = stats.digest_files;
    manifest.bytes_json = stats.bytes_json;
    manifest.bytes_gzip = stats.bytes_gzip;
    let json = serde_json::to_vec_pretty(&manifest)
        .map_err(|e| ScenarioError::Io(std::io::Error::other(e)))?;
    std::fs::write(out.join("manifest.json"), json)?;
    Ok(manifest)
}

/// The `eventName` of a rendered record (the renderer writes it once, as `"eventName":"…"`).
fn api_of(json: &[u8]) -> String {
    const KEY: &[u8] = b"\"eventName\":\"";
    json.windows(KEY.len())
        .position(|w| w == KEY)
        .and_then(|at| {
            let rest = &json[at + KEY.len()..];
            let end = rest.iter().position(|&b| b == b'"')?;
            std::str::from_utf8(&rest[..end]).ok()
        })
        .unwrap_or("?")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subnets_named_by_the_scenario_must_exist() {
        let dir = tempfile::tempdir().unwrap();
        let mut sc = Scenario::default();
        sc.pool.custom_networking_subnet = Some("subnet-0nowhere".into());
        let err = run(&sc, dir.path()).unwrap_err().to_string();
        assert!(
            err.contains("custom networking subnet subnet-0nowhere"),
            "{err}"
        );
        let mut sc = Scenario::default();
        sc.nodes.subnet = Some("subnet-0elsewhere".into());
        assert!(run(&sc, dir.path()).is_err());
    }

    #[test]
    fn times_and_versions_parse() {
        assert_eq!(parse_time("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse_time("2026-11-01T00:00:00Z"), Some(1_793_491_200));
        assert_eq!(parse_time("2026-11-01"), None);
        assert_eq!(parse_version("v1.15.4"), Some(CniVersion::new(1, 15, 4)));
        assert_eq!(parse_version("1.7"), None);
    }
}
