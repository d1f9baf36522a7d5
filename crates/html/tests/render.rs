//! The rendered document as text: escaping, self-containment, and odd inputs.

mod common;

use chrono::{TimeZone, Utc};
use cnitrail_html::{
    ExhaustionMoment, NodeChurn, Report, SubnetSeries, ThrottleSeries, UsagePoint, render, write,
};
use common::{HOSTILE, at, hostile_report, sample_report};

fn empty_report() -> Report {
    Report {
        title: "empty".into(),
        generated_at: at(0),
        window: (None, None),
        summary: vec![],
        subnets: vec![],
        churn_per_node: vec![],
        throttles: vec![],
        exhaustion: vec![],
        tables: vec![],
    }
}

/// Every chart that was attempted was drawn (no sentence replaced one because plotters failed).
fn assert_no_drawing_failure(html: &str) {
    assert!(
        !html.contains("could not be drawn"),
        "a chart failed to draw"
    );
}

#[test]
fn hostile_text_never_becomes_markup() {
    let html = render(&hostile_report());
    let lower = html.to_ascii_lowercase();
    assert!(!lower.contains("<script"), "a <script> tag got through");
    assert!(!lower.contains("<img"), "an <img> tag got through");
    assert!(
        !lower.contains("</text></svg>"),
        "the SVG text element was closed early"
    );
    assert!(
        !html.contains("\"onload=\""),
        "an attribute-breaking quote got through"
    );
    assert!(!html.contains("'x'=1"), "a single quote got through");
    // ... and the text is still there, shown rather than obeyed.
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(html.contains("&quot;onload=&quot;alert(2)&quot;"));
    assert_no_drawing_failure(&html);
}

#[test]
fn hostile_text_inside_charts_is_escaped_by_the_svg_backend() {
    let html = render(&hostile_report());
    let svgs: Vec<&str> = html.split("<svg ").skip(1).collect();
    assert!(!svgs.is_empty());
    // The exhaustion marker's label carries the hostile error code into the subnet chart.
    assert!(
        svgs.iter()
            .any(|svg| svg.contains("&lt;/text&gt;&lt;/svg&gt;")),
        "the hostile error code should appear, escaped, in a chart"
    );
    // Node names are the y labels of the churn chart.
    assert!(
        svgs.iter()
            .any(|svg| svg.contains("ip-10-0-1-10.eu-west-1"))
    );
}

#[test]
fn spoofing_characters_are_shown_not_obeyed() {
    let html = render(&hostile_report());
    for forbidden in ['\u{1b}', '\u{0}', '\u{202e}', '\u{2066}'] {
        assert!(!html.contains(forbidden), "{forbidden:?} reached the page");
    }
    let controls = html
        .chars()
        .filter(|&c| c.is_control() && c != '\n' && c != '\t')
        .count();
    assert_eq!(controls, 0);
    assert!(html.contains("\\x1b[31m"));
    assert!(html.contains("\\u{202e}gpj.exe"));
}

#[test]
fn the_title_is_escaped_in_head_and_body() {
    let mut report = empty_report();
    report.title = "</title><script>x</script>".into();
    let html = render(&report);
    assert!(html.contains("<title>&lt;/title&gt;&lt;script&gt;x&lt;/script&gt;</title>"));
    assert!(html.contains("<h1>&lt;/title&gt;"));
}

#[test]
fn a_strict_content_security_policy_comes_before_any_content() {
    let html = render(&sample_report());
    let policy = html
        .find("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'")
        .expect("CSP meta tag");
    let first_content = html.find("<title>").expect("a title");
    assert!(policy < first_content);
    assert!(
        !html.contains("script-src"),
        "no script source may be allowed"
    );
}

/// A parsed start tag: its name and its attributes as (name, value).
struct Tag {
    name: String,
    attributes: Vec<(String, String)>,
}

/// The start tags of a document, lower-cased. Escaped input text contains no `<` and no `"`,
/// so these are exactly the tags and attribute values a browser will parse.
fn tags(html: &str) -> Vec<Tag> {
    html.split('<')
        .skip(1)
        .map(|rest| {
            rest.split('>')
                .next()
                .unwrap_or_default()
                .to_ascii_lowercase()
        })
        .filter(|tag| !tag.starts_with('/') && !tag.starts_with('!'))
        .map(|tag| {
            let (name, mut rest) = tag.split_once(char::is_whitespace).unwrap_or((&tag, ""));
            let mut attributes = Vec::new();
            loop {
                rest = rest.trim_start();
                if rest.is_empty() {
                    break;
                }
                let end = rest
                    .find(|c: char| c == '=' || c.is_whitespace())
                    .unwrap_or(rest.len());
                let attribute = rest[..end].to_string();
                rest = &rest[end..];
                let mut value = String::new();
                if let Some(after) = rest.strip_prefix('=') {
                    if let Some(quoted) = after.strip_prefix('"') {
                        let close = quoted.find('"').expect("a closing quote");
                        value = quoted[..close].to_string();
                        rest = &quoted[close + 1..];
                    } else {
                        let close = after.find(char::is_whitespace).unwrap_or(after.len());
                        value = after[..close].to_string();
                        rest = &after[close..];
                    }
                }
                attributes.push((attribute, value));
            }
            Tag {
                name: name.trim_end_matches('/').to_string(),
                attributes,
            }
        })
        .collect()
}

#[test]
fn the_document_loads_nothing_from_anywhere() {
    for html in [render(&sample_report()), render(&hostile_report())] {
        let mut namespaces = 0;
        for tag in tags(&html) {
            let name = tag.name.as_str();
            assert!(
                ![
                    "link",
                    "iframe",
                    "object",
                    "embed",
                    "img",
                    "script",
                    "base",
                    "form",
                    "image",
                    "use",
                    "audio",
                    "video",
                    "source",
                    "foreignobject",
                ]
                .contains(&name),
                "<{name}> in the page"
            );
            for (attribute, value) in &tag.attributes {
                assert!(
                    !attribute.starts_with("on"),
                    "an event handler {attribute} on <{name}>"
                );
                assert!(
                    ![
                        "src",
                        "srcset",
                        "action",
                        "poster",
                        "xlink:href",
                        "background"
                    ]
                    .contains(&attribute.as_str()),
                    "{attribute} on <{name}>"
                );
                if attribute == "href" {
                    assert!(
                        value.starts_with('#'),
                        "an outward link {value} on <{name}>"
                    );
                }
                // SVG's namespace name is an identifier that browsers never fetch; any other
                // URL could be a request leaving the analyst's machine.
                if attribute == "xmlns" && name == "svg" {
                    assert_eq!(value, "http://www.w3.org/2000/svg");
                    namespaces += 1;
                    continue;
                }
                for scheme in [
                    "http:",
                    "https:",
                    "ftp:",
                    "file:",
                    "data:",
                    "javascript:",
                    "url(",
                    "//",
                ] {
                    assert!(
                        !value.contains(scheme),
                        "{scheme} in {attribute} of <{name}>"
                    );
                }
            }
        }
        assert_eq!(namespaces, 5, "one namespace per chart");
        // Nor may the stylesheet fetch anything.
        let style = html
            .split("<style>")
            .nth(1)
            .and_then(|s| s.split("</style>").next());
        let style = style.expect("an inline stylesheet").to_ascii_lowercase();
        assert!(
            !style.contains("url(") && !style.contains("@import") && !style.contains("@font-face")
        );
        let lower = html.to_ascii_lowercase();
        assert_eq!(
            lower.matches("http://").count(),
            namespaces,
            "a URL outside a namespace"
        );
        assert!(!lower.contains("https://"));
    }
}

#[test]
fn the_document_is_one_complete_file() {
    let html = render(&sample_report());
    assert!(html.starts_with("<!DOCTYPE html>\n<html lang=\"en\">"));
    assert!(html.ends_with("</html>\n"));
    for tag in ["<html", "<head>", "<body>", "<style>", "</html>"] {
        assert_eq!(html.matches(tag).count(), 1, "{tag}");
    }
    // Three subnet charts, the churn chart and the throttling chart, all inline.
    assert_eq!(html.matches("<svg ").count(), 5);
    assert_eq!(html.matches("</svg>").count(), 5);
    assert_no_drawing_failure(&html);
}

#[test]
fn an_empty_report_says_there_is_nothing_to_show() {
    let html = render(&empty_report());
    assert!(html.contains("No throttled calls in this window."));
    assert!(html.contains("No subnet holdings in this window."));
    assert!(html.contains("No subnet ran out of addresses in this window."));
    assert!(html.contains("No node assigned or released addresses in this window."));
    assert!(html.contains("Window <b>unknown</b> to <b>unknown</b>"));
    assert!(!html.contains("<svg"));
}

#[test]
fn the_churn_chart_says_when_nodes_were_left_out() {
    let html = render(&sample_report());
    assert!(html.contains("Showing the 30 nodes with the most assigned addresses, of 36."));
}

#[test]
fn times_are_printed_in_utc_with_a_z() {
    let html = render(&sample_report());
    assert!(
        html.contains("Window <b>2026-11-22T10:00:00Z</b> to <b>2026-11-22T12:00:00Z</b> (2 h)")
    );
    assert!(
        html.contains("2026-11-22T11:11:00Z"),
        "the exhaustion moment"
    );
}

fn point(minute: i64, each: u64) -> UsagePoint {
    UsagePoint {
        time: at(minute),
        node: each,
        cni_secondary: each,
        cni_prefix: each,
        other: each,
    }
}

#[test]
fn degenerate_inputs_still_draw() {
    let cases: Vec<(&str, Report)> = vec![
        ("a single point", {
            let mut r = empty_report();
            r.subnets.push(SubnetSeries {
                subnet_id: "s".into(),
                capacity: Some(11),
                points: vec![point(0, 1)],
            });
            r
        }),
        ("equal timestamps everywhere", {
            let mut r = empty_report();
            r.subnets.push(SubnetSeries {
                subnet_id: "s".into(),
                capacity: Some(11),
                points: vec![point(5, 1), point(5, 2), point(5, 0)],
            });
            r.throttles.push(ThrottleSeries {
                api: "A".into(),
                points: vec![(at(5), 1), (at(5), 3)],
            });
            r.exhaustion.push(moment("s", 5));
            r
        }),
        ("zero capacity and nothing held", {
            let mut r = empty_report();
            r.subnets.push(SubnetSeries {
                subnet_id: "s".into(),
                capacity: Some(0),
                points: vec![point(0, 0), point(9, 0)],
            });
            r.churn_per_node.push(NodeChurn {
                node: "n".into(),
                assigned: 0,
                released: 3,
                ec2_calls: 0,
            });
            r
        }),
        ("huge values", {
            let mut r = empty_report();
            r.subnets.push(SubnetSeries {
                subnet_id: "s".into(),
                capacity: Some(u64::MAX),
                points: vec![point(0, u64::MAX), point(1, u64::MAX / 2)],
            });
            r.churn_per_node.push(NodeChurn {
                node: "n".into(),
                assigned: u64::MAX,
                released: u64::MAX,
                ec2_calls: u64::MAX,
            });
            r.throttles.push(ThrottleSeries {
                api: "A".into(),
                points: vec![(at(0), u64::MAX)],
            });
            r
        }),
        ("times far apart and out of order", {
            let mut r = empty_report();
            let long_ago = Utc
                .with_ymd_and_hms(1971, 1, 1, 0, 0, 0)
                .single()
                .expect("valid");
            let far_ahead = Utc
                .with_ymd_and_hms(2999, 12, 31, 23, 59, 59)
                .single()
                .expect("valid");
            r.window = (Some(far_ahead), Some(long_ago));
            r.throttles.push(ThrottleSeries {
                api: "A".into(),
                points: vec![(far_ahead, 2), (long_ago, 1)],
            });
            r
        }),
    ];
    for (name, report) in cases {
        let html = render(&report);
        assert!(html.contains("<svg "), "{name}: no chart drawn");
        assert!(
            !html.contains("could not be drawn"),
            "{name}: a chart failed"
        );
    }
}

fn moment(subnet: &str, minute: i64) -> ExhaustionMoment {
    ExhaustionMoment {
        subnet_id: subnet.into(),
        time: at(minute),
        error_code: "InsufficientFreeAddressesInSubnet".into(),
        error_message: String::new(),
        nodes: vec![],
        held: 0,
        capacity: None,
    }
}

#[test]
fn series_without_anything_to_draw_get_a_sentence() {
    let mut report = empty_report();
    report.window = (Some(at(0)), Some(at(60)));
    report.subnets.push(SubnetSeries {
        subnet_id: "subnet-empty".into(),
        capacity: Some(10),
        points: vec![],
    });
    report.throttles.push(ThrottleSeries {
        api: "A".into(),
        points: vec![],
    });
    report.throttles.push(ThrottleSeries {
        api: "B".into(),
        points: vec![(at(3), 0)],
    });
    report.churn_per_node.push(NodeChurn {
        node: "n".into(),
        assigned: 0,
        released: 0,
        ec2_calls: 4,
    });
    // An exhaustion in a subnet that has no series still gets its table row.
    report.exhaustion.push(moment("subnet-elsewhere", 30));
    let html = render(&report);
    assert!(html.contains("No address holdings recorded for this subnet in this window."));
    assert!(html.contains("No throttled calls in this window."));
    assert!(html.contains("No addresses were assigned or released in this window."));
    assert!(html.contains("<td>subnet-elsewhere</td>"));
    assert!(!html.contains("<svg"));
}

#[test]
fn ragged_table_rows_are_padded_or_shown_in_full() {
    let mut report = empty_report();
    report.tables.push(cnitrail_html::Table {
        title: "Leaks".into(),
        columns: vec!["a".into(), "b".into()],
        rows: vec![
            vec!["1".into()],
            vec!["2".into(), "3".into(), "extra".into()],
        ],
    });
    let html = render(&report);
    assert!(html.contains("<tr><td class=\"num\">1</td><td class=\"num\"></td><td></td></tr>"));
    assert!(html.contains("<td>extra</td>"));
    assert!(
        html.contains("<th scope=\"col\"></th>"),
        "a header cell for the extra column"
    );
}

#[test]
fn write_replaces_the_file_in_one_step() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("report.html");
    std::fs::write(&path, "old").expect("seed file");
    write(&sample_report(), &path).expect("written");
    let written = std::fs::read_to_string(&path).expect("readable");
    assert_eq!(written, render(&sample_report()));
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .expect("listable")
        .map(|e| e.expect("entry").file_name())
        .collect();
    assert_eq!(
        names,
        vec![std::ffi::OsString::from("report.html")],
        "a temporary file was left"
    );
    assert!(write(&sample_report(), &dir.path().join("missing/report.html")).is_err());
}

#[test]
fn hostile_report_is_still_complete() {
    // Escaping must not swallow content: every section is still there.
    let html = render(&hostile_report());
    assert_eq!(html.matches("<svg ").count(), 5);
    assert!(html.contains(HOSTILE.split('<').next().unwrap_or_default()));
}
