//! Assembling the HTML document: header, summary cards, one section per part of the report.
//!
//! Every piece of input text goes through [`html`] on its way into the page; the only text
//! written raw is this module's own markup and plotters' SVG (which escapes its text itself).

use std::fmt::Write as _;

use chrono::{DateTime, Utc};
use plotters::style::RGBColor;

use crate::axis::TimeAxis;
use crate::charts::{self, ChartResult, Drawn, Swatch};
use crate::escape::html;
use crate::{ExhaustionMoment, Report, SubnetSeries, format_time};

/// No script, no fetch of any kind: only the inline stylesheet and inline SVG may render.
/// Images are not allowed either (not even `data:`): the page has none, so allowing them would
/// only widen what a missed escape could do. `base-uri` and `form-action` are not covered by
/// `default-src`, so they are closed separately.
const CONTENT_SECURITY_POLICY: &str =
    "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'";

const STYLE: &str = r#"
:root { --ink: #1f2933; --muted: #616e7c; --line: #d9dee4; --panel: #f5f7fa; --accent: #3b7dd8; --alert: #d62728; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--ink); background: #fff;
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Noto Sans", sans-serif; }
main { max-width: 1080px; margin: 0 auto; padding: 24px 24px 48px; }
header { border-bottom: 1px solid var(--line); margin-bottom: 20px; padding-bottom: 12px; }
h1 { font-size: 26px; margin: 0 0 6px; overflow-wrap: anywhere; }
h2 { font-size: 20px; margin: 36px 0 8px; padding-bottom: 4px; border-bottom: 1px solid var(--line); }
h3 { font-size: 16px; margin: 22px 0 4px; overflow-wrap: anywhere; }
.meta { color: var(--muted); margin: 0; }
.meta b { color: var(--ink); font-weight: 600; }
nav { margin: 10px 0 0; font-size: 14px; }
nav a { color: var(--accent); text-decoration: none; margin-right: 16px; }
nav a:hover { text-decoration: underline; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(200px, 1fr)); gap: 12px; }
.card { background: var(--panel); border: 1px solid var(--line); border-radius: 6px; padding: 10px 14px; }
.card .label { color: var(--muted); font-size: 13px; overflow-wrap: anywhere; }
.card .value { font-size: 24px; font-weight: 600; font-variant-numeric: tabular-nums; overflow-wrap: anywhere; }
.card .note { color: var(--muted); font-size: 12px; overflow-wrap: anywhere; }
.chart { margin: 4px 0 8px; }
.chart svg { display: block; width: 100%; height: auto; }
.chart svg text { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
.detail { color: var(--muted); margin: 0 0 6px; font-size: 14px; }
.empty { color: var(--muted); font-style: italic; background: var(--panel); border: 1px dashed var(--line);
  border-radius: 6px; padding: 14px; }
.legend { list-style: none; display: flex; flex-wrap: wrap; gap: 4px 18px; padding: 0; margin: 4px 0 0 8%; font-size: 13px; }
.legend li { display: flex; align-items: center; gap: 6px; overflow-wrap: anywhere; }
.swatch { display: inline-block; flex: none; width: 18px; }
.swatch.area { height: 12px; border-radius: 2px; }
.swatch.line { height: 0; border-top: 3px solid; }
.swatch.dashed { height: 0; border-top: 3px dashed; }
.alert { color: var(--alert); font-weight: 600; }
.table-wrap { overflow-x: auto; margin: 6px 0 12px; }
table { border-collapse: collapse; font-size: 14px; min-width: 50%; }
th, td { text-align: left; padding: 5px 10px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { background: var(--panel); font-weight: 600; white-space: nowrap; }
td { overflow-wrap: break-word; white-space: pre-wrap; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.time { white-space: nowrap; font-variant-numeric: tabular-nums; }
tbody tr:nth-child(even) td { background: #fafbfc; }
details { margin: 8px 0; }
summary { cursor: pointer; color: var(--accent); font-size: 14px; }
footer { margin-top: 40px; color: var(--muted); font-size: 12px; border-top: 1px solid var(--line); padding-top: 8px; }
@media print { main { max-width: none; } h2 { break-after: avoid; } .chart, table { break-inside: avoid; } }
"#;

/// The whole document.
pub(crate) fn document(report: &Report) -> String {
    let mut out = String::with_capacity(64 * 1024);
    let title = html(&report.title);
    // Writing to a String cannot fail; the `let _` below all rely on that.
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"{CONTENT_SECURITY_POLICY}\">\n\
         <meta name=\"referrer\" content=\"no-referrer\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{title}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<main>\n"
    );
    header(&mut out, report, &title);
    summary(&mut out, report);

    let axis = TimeAxis::covering(timeline_instants(report));
    subnets(&mut out, report, axis.as_ref());
    exhaustion(&mut out, &report.exhaustion);
    churn(&mut out, report);
    throttling(&mut out, report, axis.as_ref());
    for (i, table) in report.tables.iter().enumerate() {
        let _ = write!(
            out,
            "<section id=\"table-{i}\">\n<h2>{}</h2>\n",
            html(&table.title)
        );
        write_table(&mut out, &table.columns, &table.rows);
        out.push_str("</section>\n");
    }

    let _ = write!(
        out,
        "<footer>Generated by cnitrail at {}. All times UTC. Self-contained file: it loads \
         nothing from the network.</footer>\n</main>\n</body>\n</html>\n",
        format_time(report.generated_at)
    );
    out
}

/// Every instant a timeline chart must show, so that all of them share one time axis.
fn timeline_instants(report: &Report) -> impl Iterator<Item = DateTime<Utc>> + '_ {
    let window = [report.window.0, report.window.1].into_iter().flatten();
    let usage = report
        .subnets
        .iter()
        .flat_map(|s| s.points.iter().map(|p| p.time));
    // A throttling count covers the minute that starts at its time.
    let throttles = report.throttles.iter().flat_map(|s| {
        s.points.iter().map(|&(t, _)| t).chain(
            s.points
                .last()
                .and_then(|&(t, _)| t.checked_add_signed(chrono::TimeDelta::minutes(1))),
        )
    });
    let exhaustion = report.exhaustion.iter().map(|m| m.time);
    window.chain(usage).chain(throttles).chain(exhaustion)
}

fn header(out: &mut String, report: &Report, title: &str) {
    let (from, to) = report.window;
    let show = |t: Option<DateTime<Utc>>| t.map_or_else(|| "unknown".to_string(), format_time);
    let duration = match (from, to) {
        (Some(from), Some(to)) if to >= from => format!(" ({})", human_duration(to - from)),
        _ => String::new(),
    };
    let _ = write!(
        out,
        "<header>\n<h1>{title}</h1>\n<p class=\"meta\">Window <b>{}</b> to <b>{}</b>{duration} \
         &middot; generated {} &middot; all times UTC</p>\n<nav>",
        show(from),
        show(to),
        format_time(report.generated_at)
    );
    let mut links = vec![
        ("subnets", "Subnets"),
        ("exhaustion", "Exhaustion"),
        ("churn", "Churn per node"),
        ("throttling", "Throttling"),
    ];
    if !report.tables.is_empty() {
        links.push(("table-0", "Tables"));
    }
    for (id, text) in links {
        let _ = write!(out, "<a href=\"#{id}\">{text}</a>");
    }
    out.push_str("</nav>\n</header>\n");
}

fn human_duration(span: chrono::TimeDelta) -> String {
    let minutes = span.num_minutes();
    match minutes {
        0 => format!("{} s", span.num_seconds()),
        1..=119 => format!("{minutes} min"),
        120..=2879 if minutes % 60 == 0 => format!("{} h", minutes / 60),
        120..=2879 => format!("{} h {} min", minutes / 60, minutes % 60),
        _ => format!("{} days {} h", minutes / 1440, minutes % 1440 / 60),
    }
}

fn summary(out: &mut String, report: &Report) {
    if report.summary.is_empty() {
        return;
    }
    out.push_str("<section id=\"summary\" class=\"cards\">\n");
    for figure in &report.summary {
        let _ = write!(
            out,
            "<div class=\"card\"><div class=\"label\">{}</div><div class=\"value\">{}</div>",
            html(&figure.label),
            html(&figure.value)
        );
        if let Some(note) = &figure.note {
            let _ = write!(out, "<div class=\"note\">{}</div>", html(note));
        }
        out.push_str("</div>\n");
    }
    out.push_str("</section>\n");
}

fn subnets(out: &mut String, report: &Report, axis: Option<&TimeAxis>) {
    out.push_str(
        "<section id=\"subnets\">\n<h2>Addresses held per subnet</h2>\n<p class=\"detail\">\
         Addresses taken out of each subnet, stacked by holder, against the subnet's usable \
         addresses (its size minus the 5 AWS reserves). Dashed red lines mark the first \
         address-exhaustion error.</p>\n",
    );
    if report.subnets.is_empty() {
        empty(out, "No subnet holdings in this window.");
    }
    for series in &report.subnets {
        let moments: Vec<&ExhaustionMoment> = report
            .exhaustion
            .iter()
            .filter(|m| m.subnet_id == series.subnet_id)
            .collect();
        let _ = writeln!(out, "<h3>{}</h3>", html(&series.subnet_id));
        subnet_detail(out, series, !moments.is_empty());
        let drawn = match axis {
            Some(axis) => charts::subnet_usage(series, &moments, axis),
            None => Err("No address holdings recorded for this subnet in this window.".into()),
        };
        chart(
            out,
            drawn,
            &format!("Addresses held in {} over time", series.subnet_id),
        );
    }
    out.push_str("</section>\n");
}

/// One line of figures over a subnet's chart: the peak, how close it came to capacity.
fn subnet_detail(out: &mut String, series: &SubnetSeries, exhausted: bool) {
    let total = |p: &crate::UsagePoint| {
        p.node
            .saturating_add(p.cni_secondary)
            .saturating_add(p.cni_prefix)
            .saturating_add(p.other)
    };
    let peak = series
        .points
        .iter()
        .map(|p| (total(p), p.time))
        .max_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
    let mut parts = Vec::new();
    match series.capacity {
        Some(capacity) => parts.push(format!("capacity {capacity} usable addresses")),
        None => parts.push("capacity unknown".into()),
    }
    if let Some((held, when)) = peak {
        let share = match series.capacity {
            Some(capacity) if capacity > 0 => {
                format!(
                    " ({:.0}% of capacity)",
                    held as f64 * 100.0 / capacity as f64
                )
            }
            _ => String::new(),
        };
        parts.push(format!("peak {held} held{share} at {}", format_time(when)));
    }
    let _ = write!(out, "<p class=\"detail\">{}", html(&parts.join(" · ")));
    if exhausted {
        out.push_str(" · <span class=\"alert\">ran out of addresses</span>");
    }
    out.push_str("</p>\n");
}

/// A chart with its legend, or the sentence that replaces it. `label` names the chart for
/// screen readers.
fn chart(out: &mut String, drawn: ChartResult, label: &str) {
    match drawn {
        Ok(Drawn {
            svg,
            legend,
            plot_left,
        }) => {
            let labelled = svg.replacen(
                "<svg ",
                &format!("<svg role=\"img\" aria-label=\"{}\" ", html(label)),
                1,
            );
            let _ = write!(out, "<div class=\"chart\">\n{labelled}</div>\n");
            if !legend.is_empty() {
                let _ = write!(
                    out,
                    "<ul class=\"legend\" style=\"margin-left:{:.1}%\">",
                    plot_left * 100.0
                );
                for entry in legend {
                    let class = match entry.swatch {
                        Swatch::Area => "area",
                        Swatch::Line => "line",
                        Swatch::DashedLine => "dashed",
                    };
                    let colour = hex(entry.colour);
                    let paint = if entry.swatch == Swatch::Area {
                        format!("background:{colour}")
                    } else {
                        format!("border-color:{colour}")
                    };
                    let _ = write!(
                        out,
                        "<li><span class=\"swatch {class}\" style=\"{paint}\"></span>{}</li>",
                        html(&entry.label)
                    );
                }
                out.push_str("</ul>\n");
            }
        }
        Err(sentence) => empty(out, &sentence),
    }
}

fn hex(colour: RGBColor) -> String {
    format!("#{:02x}{:02x}{:02x}", colour.0, colour.1, colour.2)
}

fn empty(out: &mut String, sentence: &str) {
    let _ = writeln!(out, "<p class=\"empty\">{}</p>", html(sentence));
}

fn exhaustion(out: &mut String, moments: &[ExhaustionMoment]) {
    out.push_str("<section id=\"exhaustion\">\n<h2>Address exhaustion</h2>\n");
    if moments.is_empty() {
        empty(out, "No subnet ran out of addresses in this window.");
        out.push_str("</section>\n");
        return;
    }
    let mut ordered: Vec<&ExhaustionMoment> = moments.iter().collect();
    ordered.sort_by(|a, b| a.time.cmp(&b.time).then(a.subnet_id.cmp(&b.subnet_id)));
    let columns = [
        "Time",
        "Subnet",
        "Error",
        "Message",
        "Nodes",
        "Held / capacity",
    ]
    .map(String::from);
    let rows: Vec<Vec<String>> = ordered
        .iter()
        .map(|m| {
            let capacity = m
                .capacity
                .map_or_else(|| "unknown".into(), |c| c.to_string());
            vec![
                format_time(m.time),
                m.subnet_id.clone(),
                m.error_code.clone(),
                m.error_message.clone(),
                m.nodes.join("\n"),
                format!("{} / {capacity}", m.held),
            ]
        })
        .collect();
    write_table(out, &columns, &rows);
    out.push_str("</section>\n");
}

fn churn(out: &mut String, report: &Report) {
    out.push_str(
        "<section id=\"churn\">\n<h2>Address churn per node</h2>\n<p class=\"detail\">\
         Addresses assigned to and released from each node's ENIs over the window.</p>\n",
    );
    if report.churn_per_node.is_empty() {
        empty(
            out,
            "No node assigned or released addresses in this window.",
        );
        out.push_str("</section>\n");
        return;
    }
    let nodes = charts::busiest_nodes(&report.churn_per_node);
    if report.churn_per_node.len() > nodes.len() {
        let _ = writeln!(
            out,
            "<p class=\"detail\">Showing the {} nodes with the most assigned addresses, of {}.</p>",
            nodes.len(),
            report.churn_per_node.len()
        );
    }
    chart(
        out,
        charts::churn(&nodes),
        "Addresses assigned and released per node",
    );
    let columns = ["Node", "Assigned", "Released", "EC2 calls"].map(String::from);
    let rows: Vec<Vec<String>> = nodes
        .iter()
        .map(|n| {
            vec![
                n.node.clone(),
                n.assigned.to_string(),
                n.released.to_string(),
                n.ec2_calls.to_string(),
            ]
        })
        .collect();
    // Folded: the chart already shows the same numbers, the table is for copying them.
    out.push_str("<details><summary>The same nodes as a table, with their EC2 calls</summary>\n");
    write_table(out, &columns, &rows);
    out.push_str("</details>\n");
    out.push_str("</section>\n");
}

fn throttling(out: &mut String, report: &Report, axis: Option<&TimeAxis>) {
    out.push_str(
        "<section id=\"throttling\">\n<h2>Throttling</h2>\n<p class=\"detail\">\
         EC2 calls refused with a throttling error, per minute and API.</p>\n",
    );
    let drawn = match axis {
        Some(axis) => {
            let moments: Vec<&ExhaustionMoment> = report.exhaustion.iter().collect();
            charts::throttling(&report.throttles, &moments, axis)
        }
        None => Err("No throttled calls in this window.".into()),
    };
    chart(out, drawn, "Throttled calls per minute, by API");
    out.push_str("</section>\n");
}

/// A column is right-aligned when all its cells read as numbers (counts, sizes, percentages).
fn looks_numeric(cell: &str) -> bool {
    let cell = cell.trim();
    cell.chars().any(|c| c.is_ascii_digit())
        && cell
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, ',' | '.' | '-' | '+' | '%' | ' ' | '/'))
}

fn looks_like_time(cell: &str) -> bool {
    cell.len() == 20 && cell.ends_with('Z') && cell.as_bytes().get(10) == Some(&b'T')
}

fn write_table(out: &mut String, columns: &[String], rows: &[Vec<String>]) {
    if rows.is_empty() {
        empty(out, "Nothing to list in this window.");
        return;
    }
    let width = rows
        .iter()
        .map(Vec::len)
        .max()
        .unwrap_or(0)
        .max(columns.len());
    let numeric: Vec<bool> = (0..width)
        .map(|col| {
            rows.iter()
                .filter_map(|row| row.get(col))
                .filter(|cell| !cell.is_empty())
                .all(|cell| looks_numeric(cell))
                && rows
                    .iter()
                    .any(|row| row.get(col).is_some_and(|c| !c.is_empty()))
        })
        .collect();
    out.push_str("<div class=\"table-wrap\"><table>\n<thead><tr>");
    for (col, &is_numeric) in numeric.iter().enumerate() {
        let name = columns.get(col).map_or("", String::as_str);
        let class = if is_numeric { " class=\"num\"" } else { "" };
        let _ = write!(out, "<th scope=\"col\"{class}>{}</th>", html(name));
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for row in rows {
        out.push_str("<tr>");
        for (col, &is_numeric) in numeric.iter().enumerate() {
            let cell = row.get(col).map_or("", String::as_str);
            let class = if is_numeric {
                " class=\"num\""
            } else if looks_like_time(cell) {
                " class=\"time\""
            } else {
                ""
            };
            let _ = write!(out, "<td{class}>{}</td>", html(cell));
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table></div>\n");
}
