//! Per-instance-type ENI and address limits (facts §6), embedded from `data/eni-limits.csv`.
//!
//! The CSV is the CNI's generated table (`pkg/vpc/vpc_ip_resource_limit.go`) joined with
//! `misc/eni-max-pods.txt`, so the simulator and ipamd agree on the limits without a network
//! call. It is parsed once, on first use.

use std::collections::HashMap;
use std::sync::OnceLock;

/// Addresses in one delegated `/28` prefix.
pub const ADDRESSES_PER_PREFIX: u32 = 16;

/// The limits of one instance type, as ipamd sees them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstanceLimits {
    /// `m5.large` and so on.
    pub instance_type: String,
    /// ENIs on the default network card (`ENILimit`).
    pub max_enis: u32,
    /// IPv4 addresses per ENI, **including** the ENI's primary address (`IPv4Limit`).
    pub ipv4_per_eni: u32,
    /// Nitro hypervisor: only Nitro types support prefix delegation. `unknown` (mostly bare
    /// metal) counts as not Nitro, as the CNI's table leaves it empty.
    pub hypervisor_nitro: bool,
    /// Bare-metal type.
    pub bare_metal: bool,
    /// Network cards (ipamd uses card 0 only unless multi-NIC is enabled).
    pub network_cards: u32,
    /// `eni-max-pods.txt`: `max_enis × (ipv4_per_eni − 1) + 2`.
    pub max_pods: u32,
}

impl InstanceLimits {
    /// Secondary addresses ipamd can hand to pods per ENI: the primary address is never used.
    pub fn max_ips_per_eni(&self) -> u32 {
        self.ipv4_per_eni - 1
    }

    /// `/28` prefixes per ENI under prefix delegation: each takes one secondary-address slot.
    pub fn max_prefixes_per_eni(&self) -> u32 {
        self.ipv4_per_eni - 1
    }
}

static TABLE: OnceLock<HashMap<String, InstanceLimits>> = OnceLock::new();

fn parse(csv: &str) -> HashMap<String, InstanceLimits> {
    let mut out = HashMap::new();
    for (n, line) in csv.lines().enumerate().skip(1) {
        if line.trim().is_empty() {
            continue;
        }
        let f: Vec<&str> = line.split(',').collect();
        // The CSV is ours and checked by the tests below: a bad row is a build mistake.
        assert_eq!(f.len(), 7, "eni-limits.csv line {}: {line}", n + 1);
        let num = |i: usize| -> u32 {
            f[i].trim()
                .parse()
                .unwrap_or_else(|_| panic!("eni-limits.csv line {}: field {i} not a number", n + 1))
        };
        let l = InstanceLimits {
            instance_type: f[0].trim().to_string(),
            max_enis: num(1),
            ipv4_per_eni: num(2),
            hypervisor_nitro: f[3].trim() == "nitro",
            bare_metal: f[4].trim() == "true",
            network_cards: num(5),
            max_pods: num(6),
        };
        out.insert(l.instance_type.clone(), l);
    }
    out
}

fn table() -> &'static HashMap<String, InstanceLimits> {
    TABLE.get_or_init(|| parse(include_str!("../data/eni-limits.csv")))
}

/// The limits of `instance_type`, or `None` if the table does not know it.
pub fn limits(instance_type: &str) -> Option<&'static InstanceLimits> {
    table().get(instance_type)
}

/// Every known instance type, in no particular order.
pub fn all() -> impl Iterator<Item = &'static InstanceLimits> {
    table().values()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(t: &str) -> (u32, u32, u32) {
        let l = limits(t).unwrap();
        (l.max_enis, l.ipv4_per_eni, l.max_pods)
    }

    #[test]
    fn facts_section_6_rows() {
        assert_eq!(row("t2.micro"), (2, 2, 4));
        assert_eq!(row("t3.nano"), (2, 2, 4));
        assert_eq!(row("t3.small"), (3, 4, 11));
        assert_eq!(row("t3.2xlarge"), (4, 15, 58));
        assert_eq!(row("c6g.medium"), (2, 4, 8));
        assert_eq!(row("m5.large"), (3, 10, 29));
        assert_eq!(row("m5.4xlarge"), (8, 30, 234));
        assert_eq!(row("p3dn.24xlarge"), (15, 50, 737));
        assert_eq!(row("trn1.32xlarge"), (5, 50, 247));
        assert_eq!(row("p5.48xlarge"), (2, 50, 100));
        assert!(limits("no.such-type").is_none());
    }

    #[test]
    fn derived_and_flags() {
        let t = limits("t3.small").unwrap();
        assert_eq!(t.max_ips_per_eni(), 3);
        assert_eq!(t.max_prefixes_per_eni(), 3);
        assert!(t.hypervisor_nitro);
        assert!(!limits("t2.micro").unwrap().hypervisor_nitro);
        assert!(limits("m5.metal").unwrap().bare_metal);
        assert_eq!(limits("p5.48xlarge").unwrap().network_cards, 32);
    }

    #[test]
    fn max_pods_formula_holds_for_every_row() {
        let mut n = 0;
        for l in all() {
            n += 1;
            assert_eq!(
                l.max_pods,
                l.max_enis * (l.ipv4_per_eni - 1) + 2,
                "{}",
                l.instance_type
            );
        }
        assert_eq!(n, 1391);
    }
}
