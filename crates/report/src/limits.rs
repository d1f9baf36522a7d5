//! ENI and address limits per instance type (`data/eni-limits.csv`, from the CNI's own table),
//! and the warm pool the CNI's default settings keep on such a node (facts §5, §6).

use std::collections::HashMap;
use std::sync::OnceLock;

/// What one instance type allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Network interfaces.
    pub max_enis: u32,
    /// IPv4 addresses per interface, its primary included.
    pub ipv4_per_eni: u32,
    /// The max-pods figure EKS uses for the type.
    pub max_pods: u32,
}

impl Limits {
    /// Addresses ipamd can hand to pods per ENI (the primary is never used for pods).
    pub fn ips_per_eni(self) -> u32 {
        self.ipv4_per_eni.saturating_sub(1)
    }

    /// Addresses the default pool rules keep free on a node: `WARM_ENI_TARGET=1` keeps a whole
    /// spare ENI's worth of secondary addresses; with prefix delegation `WARM_PREFIX_TARGET=1`
    /// keeps one free /28.
    pub fn default_warm_addresses(self, prefix_delegation: bool) -> u32 {
        if prefix_delegation {
            16
        } else {
            self.ips_per_eni()
        }
    }
}

fn table() -> &'static HashMap<String, Limits> {
    static TABLE: OnceLock<HashMap<String, Limits>> = OnceLock::new();
    TABLE.get_or_init(|| parse(include_str!("../data/eni-limits.csv")))
}

fn parse(csv: &str) -> HashMap<String, Limits> {
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap_or_default().split(',').collect();
    let column = |name: &str| header.iter().position(|h| *h == name);
    let (Some(t), Some(e), Some(i), Some(p)) = (
        column("instance_type"),
        column("max_enis"),
        column("ipv4_per_eni"),
        column("max_pods"),
    ) else {
        return HashMap::new();
    };
    lines
        .filter_map(|line| {
            let f: Vec<&str> = line.split(',').collect();
            let n = |k: usize| f.get(k)?.trim().parse().ok();
            Some((
                f.get(t)?.trim().to_string(),
                Limits {
                    max_enis: n(e)?,
                    ipv4_per_eni: n(i)?,
                    max_pods: n(p)?,
                },
            ))
        })
        .collect()
}

/// The limits of `instance_type`, when the table knows it.
pub fn of(instance_type: &str) -> Option<Limits> {
    table().get(instance_type).copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_gives_the_documented_figures() {
        // facts §5: t3.small has 3 ENIs of 4 addresses (3 usable), p3dn.24xlarge 49 per ENI.
        let t3 = of("t3.small").expect("t3.small is in the table");
        assert_eq!((t3.max_enis, t3.ipv4_per_eni, t3.ips_per_eni()), (3, 4, 3));
        assert_eq!(t3.default_warm_addresses(false), 3);
        assert_eq!(t3.default_warm_addresses(true), 16);
        assert_eq!(of("p3dn.24xlarge").map(Limits::ips_per_eni), Some(49));
        assert_eq!(of("no.such-type"), None);
        assert!(table().len() > 1000);
    }
}
