//! Deterministic workloads: when pods start and stop on a node, and when nodes launch and
//! terminate in the cluster.
//!
//! Everything here is pure data from a seed: [`pod_events`] and [`node_events`] return
//! time-sorted `(Time, event)` lists, and the same seed gives the same lists on every platform
//! (a splitmix64 [`Rng`] of our own, no floating-point state carried between draws). Nothing here
//! calls EC2; the driver turns node events into RunInstances/TerminateInstances and feeds pod
//! events to the node's [`Ipamd`] through a [`PodBinder`].
//!
//! Shapes of a node's pods ([`NodeWorkload`]):
//!
//! - daemonsets at node start: host-network ones (aws-node, kube-proxy: no pod address) and
//!   pod-network ones (an address each), living as long as the node;
//! - steady services: `steady` pods from node start; each is replaced (stop, then a new pod a
//!   few seconds later) after an exponential lifetime of mean `steady_mean_life`, as rolling
//!   restarts and evictions do;
//! - scaling deployments ([`Ramp`]): pods added one by one over `up` seconds to `peak`, held,
//!   then removed one by one over `down` seconds;
//! - batch bursts ([`Batch`]): `size` pods at once (within a few seconds) every `every`
//!   seconds, each gone after about `duration` seconds.

use std::collections::{HashMap, VecDeque};
use std::net::Ipv4Addr;

use crate::ec2::Time;
use crate::ipamd::Ipamd;

/// splitmix64: tiny, seedable, good enough for workloads, and the same everywhere.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator from `seed`.
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    /// An independent generator for a sub-stream (a node, a deployment) derived from `seed`.
    pub fn derive(seed: u64, stream: u64) -> Self {
        let mut r = Rng(seed ^ stream.wrapping_mul(0xA076_1D64_78BD_642F));
        r.next_u64();
        r
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            0
        } else {
            ((self.next_u64() as u128 * n as u128) >> 64) as u64
        }
    }

    /// Uniform in `lo..=hi`.
    pub fn range(&mut self, lo: i64, hi: i64) -> i64 {
        if hi <= lo {
            lo
        } else {
            lo + self.below((hi - lo) as u64 + 1) as i64
        }
    }

    /// Uniform in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// Exponential with mean `mean` seconds, at least 1.
    pub fn exp(&mut self, mean: i64) -> i64 {
        let x = -(1.0 - self.unit()).ln() * mean as f64;
        (x.round() as i64).max(1)
    }
}

/// A pod, unique within one node's event list.
pub type PodId = u64;

/// Something that happens to a pod.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PodEvent {
    /// The pod is scheduled on the node and asks for an address (unless host-network).
    Start {
        /// Which pod.
        pod: PodId,
        /// Host-network pods take no address from ipamd.
        host_network: bool,
    },
    /// The pod is gone; its address (if any) cools down.
    Stop {
        /// Which pod.
        pod: PodId,
    },
}

/// A deployment that scales up, holds, and scales down on this node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ramp {
    /// When scaling up starts, in seconds after the node starts.
    pub start: i64,
    /// Seconds to go from 0 to `peak` pods.
    pub up: i64,
    /// Seconds at `peak`.
    pub hold: i64,
    /// Seconds to go back to 0.
    pub down: i64,
    /// Pods at the peak.
    pub peak: u32,
}

/// Repeated bursts of short-lived pods.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Batch {
    /// First burst, in seconds after the node starts.
    pub first: i64,
    /// Seconds between bursts (0 = a single burst).
    pub every: i64,
    /// Pods per burst.
    pub size: u32,
    /// Mean seconds a batch pod lives (each within ±25 %).
    pub duration: i64,
}

/// What runs on one node. See the module documentation.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NodeWorkload {
    /// Host-network daemonset pods (aws-node, kube-proxy, …).
    pub daemonsets_host_network: u32,
    /// Pod-network daemonset pods.
    pub daemonsets_pod_network: u32,
    /// Long-lived service pods from node start.
    pub steady: u32,
    /// Mean seconds before a steady pod is replaced (0 = never).
    pub steady_mean_life: i64,
    /// Scaling deployments.
    pub ramps: Vec<Ramp>,
    /// Batch bursts.
    pub batches: Vec<Batch>,
}

impl NodeWorkload {
    /// A typical EKS node: aws-node and kube-proxy on the host network, one coredns-like pod,
    /// `steady` services replaced about every 2 h.
    pub fn typical(steady: u32) -> Self {
        NodeWorkload {
            daemonsets_host_network: 2,
            daemonsets_pod_network: 1,
            steady,
            steady_mean_life: 7200,
            ..Default::default()
        }
    }
}

struct Emitter {
    events: Vec<(Time, PodEvent)>,
    next_id: PodId,
    end: Time,
}

impl Emitter {
    /// A pod-network pod from `start` to `stop` (stops after `end` are left out).
    fn pod(&mut self, start: Time, stop: Option<Time>, host_network: bool) -> Option<PodId> {
        if start >= self.end {
            return None;
        }
        let pod = self.next_id;
        self.next_id += 1;
        self.events
            .push((start, PodEvent::Start { pod, host_network }));
        if let Some(stop) = stop.filter(|&s| s < self.end) {
            self.events
                .push((stop.max(start + 1), PodEvent::Stop { pod }));
        }
        Some(pod)
    }
}

/// The pod events of one node alive from `start` to `end` (exclusive), sorted by time (events in
/// the same second keep their generation order). Pods still running at `end` have no Stop.
pub fn pod_events(w: &NodeWorkload, start: Time, end: Time, seed: u64) -> Vec<(Time, PodEvent)> {
    let mut rng = Rng::derive(seed, 1);
    let mut e = Emitter {
        events: Vec::new(),
        next_id: 0,
        end,
    };
    for _ in 0..w.daemonsets_host_network {
        e.pod(start + rng.range(5, 20), None, true);
    }
    for _ in 0..w.daemonsets_pod_network {
        e.pod(start + rng.range(20, 60), None, false);
    }
    for _ in 0..w.steady {
        let mut t = start + rng.range(30, 120);
        loop {
            let stop = (w.steady_mean_life > 0).then(|| t + rng.exp(w.steady_mean_life));
            e.pod(t, stop, false);
            match stop {
                Some(s) if s < end => t = s + rng.range(1, 10),
                _ => break,
            }
        }
    }
    for r in &w.ramps {
        let t0 = start + r.start;
        let (up_end, down_start) = (t0 + r.up, t0 + r.up + r.hold);
        for k in 0..r.peak as i64 {
            let n = r.peak as i64;
            let born = t0 + r.up * k / n.max(1);
            // The last pod started is the first to go.
            let dies = down_start + r.down * (n - 1 - k) / n.max(1);
            e.pod(born.min(up_end), Some(dies), false);
        }
    }
    for b in &w.batches {
        let mut t = start + b.first;
        while t < end {
            for _ in 0..b.size {
                let born = t + rng.range(0, 3);
                let life = rng.range(b.duration * 3 / 4, b.duration * 5 / 4).max(1);
                e.pod(born, Some(born + life), false);
            }
            if b.every <= 0 {
                break;
            }
            t += b.every;
        }
    }
    let mut events = e.events;
    events.sort_by_key(|&(t, _)| t);
    events
}

/// Something that happens to the cluster's node group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeEvent {
    /// Auto Scaling launches node number `node` (numbers are never reused).
    Launch {
        /// Which node.
        node: u32,
    },
    /// Auto Scaling terminates node `node`.
    Terminate {
        /// Which node.
        node: u32,
    },
}

/// How the node group scales.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClusterScaling {
    /// Nodes launched at the start.
    pub initial: u32,
    /// Never fewer nodes than this.
    pub min: u32,
    /// Never more nodes than this.
    pub max: u32,
    /// Mean seconds between scaling decisions (0 = never scale).
    pub mean_interval: i64,
    /// Nodes added or removed per decision, at most.
    pub max_step: u32,
}

/// The node events from `start` to `end`, sorted by time: the initial nodes at `start`, then a
/// random walk within `[min, max]`. Scale-in picks a random running node, as Auto Scaling's
/// AZ balancing looks from outside.
pub fn node_events(
    s: &ClusterScaling,
    start: Time,
    end: Time,
    seed: u64,
) -> Vec<(Time, NodeEvent)> {
    let mut rng = Rng::derive(seed, 2);
    let mut out = Vec::new();
    let mut running: Vec<u32> = Vec::new();
    let mut next = 0u32;
    for _ in 0..s.initial {
        out.push((start, NodeEvent::Launch { node: next }));
        running.push(next);
        next += 1;
    }
    if s.mean_interval <= 0 {
        return out;
    }
    let mut t = start + rng.exp(s.mean_interval);
    while t < end {
        let step = rng.range(1, s.max_step.max(1) as i64) as u32;
        let n = running.len() as u32;
        let up = if n <= s.min {
            true
        } else if n >= s.max {
            false
        } else {
            rng.chance(0.5)
        };
        if up {
            for _ in 0..step.min(s.max.saturating_sub(n)) {
                out.push((t, NodeEvent::Launch { node: next }));
                running.push(next);
                next += 1;
            }
        } else {
            for _ in 0..step.min(n.saturating_sub(s.min)) {
                let i = rng.below(running.len() as u64) as usize;
                out.push((
                    t,
                    NodeEvent::Terminate {
                        node: running.swap_remove(i),
                    },
                ));
            }
        }
        t += rng.exp(s.mean_interval);
    }
    out
}

/// Glue between a node's pod events and its [`Ipamd`] (the kubelet and CNI plugin's part): it
/// keeps pods that found no free address pending and retries them each second.
#[derive(Debug, Clone, Default)]
pub struct PodBinder {
    pending: VecDeque<PodId>,
    running: HashMap<PodId, Option<Ipv4Addr>>,
}

impl PodBinder {
    /// An empty node.
    pub fn new() -> Self {
        Self::default()
    }

    /// Apply one event at `now`.
    pub fn apply(&mut self, now: Time, event: PodEvent, ipamd: &mut Ipamd) {
        match event {
            PodEvent::Start {
                pod,
                host_network: true,
            } => {
                self.running.insert(pod, None);
            }
            PodEvent::Start {
                pod,
                host_network: false,
            } => match ipamd.add_pod(now) {
                Some(ip) if self.pending.is_empty() => {
                    self.running.insert(pod, Some(ip));
                }
                // Keep arrival order: an address goes to the oldest pending pod first.
                Some(ip) => {
                    ipamd.remove_pod(now, ip);
                    self.pending.push_back(pod);
                    self.retry_pending(now, ipamd);
                }
                None => self.pending.push_back(pod),
            },
            PodEvent::Stop { pod } => {
                if let Some(Some(ip)) = self.running.remove(&pod) {
                    ipamd.remove_pod(now, ip);
                }
                self.pending.retain(|&p| p != pod);
            }
        }
    }

    /// Give addresses to pending pods, oldest first, while ipamd has free ones.
    pub fn retry_pending(&mut self, now: Time, ipamd: &mut Ipamd) {
        while let Some(&pod) = self.pending.front() {
            match ipamd.add_pod(now) {
                Some(ip) => {
                    self.pending.pop_front();
                    self.running.insert(pod, Some(ip));
                }
                None => break,
            }
        }
    }

    /// Pods waiting for an address.
    pub fn pending(&self) -> usize {
        self.pending.len()
    }

    /// Running pods (host-network included).
    pub fn running(&self) -> usize {
        self.running.len()
    }

    /// The address of a running pod (None for host-network or unknown pods).
    pub fn ip_of(&self, pod: PodId) -> Option<Ipv4Addr> {
        self.running.get(&pod).copied().flatten()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rng_is_deterministic_and_spread() {
        let a: Vec<u64> = (0..5)
            .scan(Rng::new(7), |r, _| Some(r.next_u64()))
            .collect();
        let b: Vec<u64> = (0..5)
            .scan(Rng::new(7), |r, _| Some(r.next_u64()))
            .collect();
        assert_eq!(a, b);
        // splitmix64's published first output for seed 0.
        assert_eq!(Rng::new(0).next_u64(), 0xE220_A839_7B1D_CDAF);
        let mut r = Rng::new(1);
        let mut seen = [0u32; 6];
        for _ in 0..6000 {
            seen[r.range(0, 5) as usize] += 1;
        }
        assert!(seen.iter().all(|&n| (800..1200).contains(&n)), "{seen:?}");
        let mean: f64 = (0..4000).map(|_| r.exp(100) as f64).sum::<f64>() / 4000.0;
        assert!((90.0..110.0).contains(&mean), "{mean}");
    }

    fn balance(ev: &[(Time, PodEvent)]) -> (usize, usize) {
        let starts = ev
            .iter()
            .filter(|e| matches!(e.1, PodEvent::Start { .. }))
            .count();
        (starts, ev.len() - starts)
    }

    #[test]
    fn shapes() {
        let w = NodeWorkload {
            daemonsets_host_network: 2,
            daemonsets_pod_network: 1,
            steady: 3,
            steady_mean_life: 0,
            ramps: vec![Ramp {
                start: 600,
                up: 100,
                hold: 300,
                down: 100,
                peak: 10,
            }],
            batches: vec![Batch {
                first: 1200,
                every: 0,
                size: 20,
                duration: 120,
            }],
        };
        let ev = pod_events(&w, 1000, 10_000, 42);
        assert_eq!(ev, pod_events(&w, 1000, 10_000, 42));
        assert!(ev.windows(2).all(|p| p[0].0 <= p[1].0));
        // 6 forever + 10 ramp + 20 batch pods; the last 30 all stop.
        assert_eq!(balance(&ev), (36, 30));
        let hostnet = ev
            .iter()
            .filter(|e| {
                matches!(
                    e.1,
                    PodEvent::Start {
                        host_network: true,
                        ..
                    }
                )
            })
            .count();
        assert_eq!(hostnet, 2);
        // At the ramp's peak (t = 1000 + 600 + 100 … 1000 + 1000) 10 ramp pods run.
        let running_at = |t: Time| {
            ev.iter().filter(|e| e.0 <= t).fold(0i64, |n, e| match e.1 {
                PodEvent::Start { .. } => n + 1,
                PodEvent::Stop { .. } => n - 1,
            })
        };
        assert_eq!(running_at(1900), 6 + 10);
        assert_eq!(running_at(2203), 6 + 20);
        assert_eq!(running_at(9999), 6);
        // Steady replacement keeps the count.
        let w = NodeWorkload {
            steady: 5,
            steady_mean_life: 600,
            ..Default::default()
        };
        let ev = pod_events(&w, 0, 36_000, 3);
        let (s, t) = balance(&ev);
        assert!(s > 5 + 30 && s - t == 5, "{s} {t}");
    }

    #[test]
    fn node_walk_stays_in_bounds() {
        let s = ClusterScaling {
            initial: 3,
            min: 2,
            max: 6,
            mean_interval: 900,
            max_step: 2,
        };
        let ev = node_events(&s, 0, 86_400, 9);
        assert_eq!(ev, node_events(&s, 0, 86_400, 9));
        let mut n = 0i64;
        let mut alive = std::collections::HashSet::new();
        for (i, (_, e)) in ev.iter().enumerate() {
            match *e {
                NodeEvent::Launch { node } => {
                    assert!(alive.insert(node));
                    n += 1
                }
                NodeEvent::Terminate { node } => {
                    assert!(alive.remove(&node));
                    n -= 1
                }
            }
            // The initial launches count up from 0.
            assert!(i < 3 || (2..=6).contains(&n), "{n} nodes");
        }
        assert!(ev.len() > 40);
    }
}
