//! Reports shared by the integration tests: a realistic incident, and the same incident with
//! hostile text in every field that comes from CloudTrail.

#![allow(dead_code)] // each test binary uses a different part of this module

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use cnitrail_html::{
    ExhaustionMoment, Figure, NodeChurn, Report, SubnetSeries, Table, ThrottleSeries, UsagePoint,
};

/// Markup that must never reach the page as markup, with an attribute breakout and spoofing
/// characters (ANSI escape, NUL, right-to-left override, isolate) mixed in.
pub const HOSTILE: &str = "</text></svg></td><script>alert(1)</script>\"onload=\"alert(2)\" \
                           'x'=1 <img src=x onerror=alert(3)>\u{1b}[31m\u{0}\u{202e}gpj.exe\u{2066}";

pub fn at(minutes_after_ten: i64) -> DateTime<Utc> {
    let ten = Utc
        .with_ymd_and_hms(2026, 11, 22, 10, 0, 0)
        .single()
        .expect("a valid fixed date");
    ten + TimeDelta::minutes(minutes_after_ten)
}

/// Two hours in which one subnet fills up and runs out, another stays comfortable, and a
/// third has no known size.
pub fn sample_report() -> Report {
    let filling = SubnetSeries {
        subnet_id: "subnet-0a1b2c3d4e5f60718".into(),
        capacity: Some(251),
        points: (0..=24)
            .map(|step| UsagePoint {
                time: at(step * 4),
                node: 12,
                cni_secondary: (40 + step as u64 * 7).min(150),
                cni_prefix: if step > 10 {
                    16 * (step as u64 - 10).min(5)
                } else {
                    0
                },
                other: 9,
            })
            .collect(),
    };
    let comfortable = SubnetSeries {
        subnet_id: "subnet-0fedcba9876543210".into(),
        capacity: Some(4091),
        points: vec![
            UsagePoint {
                time: at(0),
                node: 20,
                cni_secondary: 300,
                cni_prefix: 0,
                other: 40,
            },
            UsagePoint {
                time: at(35),
                node: 24,
                cni_secondary: 520,
                cni_prefix: 0,
                other: 40,
            },
            UsagePoint {
                time: at(80),
                node: 22,
                cni_secondary: 410,
                cni_prefix: 0,
                other: 41,
            },
        ],
    };
    let unknown_size = SubnetSeries {
        subnet_id: "subnet-0123456789abcdef0".into(),
        capacity: None,
        points: vec![UsagePoint {
            time: at(50),
            node: 3,
            cni_secondary: 0,
            cni_prefix: 32,
            other: 0,
        }],
    };
    let exhaustion = vec![ExhaustionMoment {
        subnet_id: filling.subnet_id.clone(),
        time: at(71),
        error_code: "InsufficientFreeAddressesInSubnet".into(),
        error_message:
            "The specified subnet does not have enough free addresses to satisfy the request."
                .into(),
        nodes: vec![
            "ip-10-0-1-17.eu-west-1.compute.internal".into(),
            "ip-10-0-1-203.eu-west-1.compute.internal".into(),
        ],
        held: 249,
        capacity: Some(251),
    }];
    let churn_per_node = (0..36)
        .map(|i| NodeChurn {
            node: format!(
                "ip-10-0-{}-{}.eu-west-1.compute.internal",
                i % 3 + 1,
                10 + i * 7
            ),
            assigned: 400 - i * 9,
            released: 380 - i * 8 - (i % 4) * 20,
            ec2_calls: 90 - i * 2,
        })
        .collect();
    let throttles = vec![
        ThrottleSeries {
            api: "AssignPrivateIpAddresses".into(),
            points: (62..80)
                .map(|m| (at(m), ((m - 60) * 3 % 23) as u64))
                .collect(),
        },
        ThrottleSeries {
            api: "DescribeNetworkInterfaces".into(),
            points: vec![
                (at(20), 2),
                (at(21), 5),
                (at(66), 14),
                (at(67), 30),
                (at(68), 12),
            ],
        },
        ThrottleSeries {
            api: "CreateNetworkInterface".into(),
            points: vec![(at(70), 4)],
        },
    ];
    Report {
        title: "cnitrail incident report: prod-eu-west-1".into(),
        generated_at: at(150),
        window: (Some(at(0)), Some(at(120))),
        summary: vec![
            Figure {
                label: "Peak addresses held".into(),
                value: "4,112".into(),
                note: Some("across 3 subnets".into()),
            },
            Figure {
                label: "Subnets exhausted".into(),
                value: "1".into(),
                note: None,
            },
            Figure {
                label: "Throttled EC2 calls".into(),
                value: "312".into(),
                note: Some("3 APIs".into()),
            },
            Figure {
                label: "Nodes seen".into(),
                value: "36".into(),
                note: None,
            },
        ],
        subnets: vec![filling, comfortable, unknown_size],
        churn_per_node,
        throttles,
        exhaustion,
        tables: vec![Table {
            title: "Top holders".into(),
            columns: vec!["Node".into(), "Addresses".into(), "Since".into()],
            rows: vec![
                vec![
                    "ip-10-0-1-17.eu-west-1.compute.internal".into(),
                    "58".into(),
                    "2026-11-22T10:04:00Z".into(),
                ],
                vec![
                    "ip-10-0-2-24.eu-west-1.compute.internal".into(),
                    "1,204".into(),
                    "2026-11-22T10:12:09Z".into(),
                ],
            ],
        }],
    }
}

/// The sample report with [`HOSTILE`] text in every string field that comes from records.
pub fn hostile_report() -> Report {
    let mut report = sample_report();
    let evil = |s: &str| format!("{s}{HOSTILE}");
    report.title = evil(&report.title);
    for figure in &mut report.summary {
        figure.label = evil(&figure.label);
        figure.value = evil(&figure.value);
        figure.note = Some(HOSTILE.into());
    }
    for subnet in &mut report.subnets {
        subnet.subnet_id = evil(&subnet.subnet_id);
    }
    for node in &mut report.churn_per_node {
        node.node = evil(&node.node);
    }
    for series in &mut report.throttles {
        series.api = evil(&series.api);
    }
    for moment in &mut report.exhaustion {
        // Keep the subnet matching its series, so the hostile code is drawn on the chart too.
        moment.subnet_id = report.subnets[0].subnet_id.clone();
        moment.error_code = evil(&moment.error_code);
        moment.error_message = evil(&moment.error_message);
        moment.nodes.push(HOSTILE.into());
    }
    for table in &mut report.tables {
        table.title = evil(&table.title);
        table.columns.push(HOSTILE.into());
        for row in &mut table.rows {
            row.push(HOSTILE.into());
        }
    }
    report
}
