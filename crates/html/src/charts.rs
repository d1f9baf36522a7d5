//! The report's charts, drawn by plotters' SVG backend into strings.
//!
//! Axes (time as epoch seconds, counts as `f64`) are described in [`crate::axis`].
//!
//! Legends are not drawn inside the SVG: the page shows them as HTML under each chart
//! ([`Legend`]), where long API names wrap instead of covering the data.

use std::panic::{AssertUnwindSafe, catch_unwind};

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::axis::{CountAxis, Ticked, TimeAxis, count_label};
use crate::escape::visible;
use crate::{
    ExhaustionMoment, MAX_CHURN_NODES, NodeChurn, SubnetSeries, ThrottleSeries, UsagePoint,
};

/// Width of every chart, in SVG user units; the page scales charts down to fit narrower
/// windows (plotters writes a `viewBox`).
const WIDTH: u32 = 1000;
const FONT: &str = "sans-serif";
/// Space left of the plotting area: the chart margin plus the y-axis label area.
const MARGIN_LEFT: u32 = 8;
const COUNT_LABEL_AREA: u32 = 72;

fn plot_left(label_area: u32) -> f64 {
    f64::from(MARGIN_LEFT + label_area) / f64::from(WIDTH)
}

/// Colours of the kinds of holder, bottom of the stack first. Chosen to stay distinguishable
/// for the common colour-vision deficiencies and on paper.
pub(crate) const NODE_COLOUR: RGBColor = RGBColor(0x9a, 0xa5, 0xb1);
pub(crate) const SECONDARY_COLOUR: RGBColor = RGBColor(0x3b, 0x7d, 0xd8);
pub(crate) const PREFIX_COLOUR: RGBColor = RGBColor(0x2a, 0x9d, 0x8f);
pub(crate) const OTHER_COLOUR: RGBColor = RGBColor(0xe9, 0xa2, 0x3b);
const CAPACITY_COLOUR: RGBColor = RGBColor(0x22, 0x22, 0x22);
const EXHAUSTION_COLOUR: RGBColor = RGBColor(0xd6, 0x27, 0x28);
const ASSIGNED_COLOUR: RGBColor = RGBColor(0x3b, 0x7d, 0xd8);
const RELEASED_COLOUR: RGBColor = RGBColor(0xe9, 0xa2, 0x3b);
const GRID_COLOUR: RGBColor = RGBColor(0xe3, 0xe6, 0xea);
const AXIS_COLOUR: RGBColor = RGBColor(0x6b, 0x72, 0x80);

/// One colour per throttled API (Tableau 10); they repeat after ten APIs.
const SERIES_COLOURS: [RGBColor; 10] = [
    RGBColor(0x4e, 0x79, 0xa7),
    RGBColor(0xf2, 0x8e, 0x2b),
    RGBColor(0xe1, 0x57, 0x59),
    RGBColor(0x76, 0xb7, 0xb2),
    RGBColor(0x59, 0xa1, 0x4f),
    RGBColor(0xed, 0xc9, 0x48),
    RGBColor(0xb0, 0x7a, 0xa1),
    RGBColor(0xff, 0x9d, 0xa7),
    RGBColor(0x9c, 0x75, 0x5f),
    RGBColor(0xba, 0xb0, 0xac),
];

/// How a legend entry's swatch looks, matching how its series is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Swatch {
    Area,
    Line,
    DashedLine,
}

/// One legend entry. `label` is raw input text: the page escapes it.
#[derive(Debug, Clone)]
pub(crate) struct LegendEntry {
    pub(crate) label: String,
    pub(crate) colour: RGBColor,
    pub(crate) swatch: Swatch,
}

pub(crate) type Legend = Vec<LegendEntry>;

/// A drawn chart: an SVG document (already safe: plotters escapes text) and its legend.
#[derive(Debug, Clone)]
pub(crate) struct Drawn {
    pub(crate) svg: String,
    pub(crate) legend: Legend,
    /// Where the plotting area starts, as a share of the chart's width, so that the page can
    /// line the legend up with the data rather than with the axis labels.
    pub(crate) plot_left: f64,
}

/// A chart, or the sentence the page shows instead (nothing to draw, or drawing failed).
pub(crate) type ChartResult = Result<Drawn, String>;

type Area<'a> = DrawingArea<SVGBackend<'a>, Shift>;
type DrawError = Box<dyn std::error::Error>;

/// Runs a drawing function on a fresh SVG canvas and returns the SVG text.
///
/// Plotters reports most problems as errors, which become a sentence in the page. A panic
/// inside plotters (it has had some on degenerate ranges) is caught too: one chart that
/// cannot be drawn must not cost the analyst the rest of the report.
fn draw_svg(
    height: u32,
    paint: impl FnOnce(&Area<'_>) -> Result<(), DrawError>,
) -> Result<String, String> {
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        let mut svg = String::new();
        {
            let root = SVGBackend::with_string(&mut svg, (WIDTH, height)).into_drawing_area();
            root.fill(&WHITE).map_err(|e| e.to_string())?;
            paint(&root).map_err(|e| e.to_string())?;
            root.present().map_err(|e| e.to_string())?;
        }
        Ok::<String, String>(svg)
    }));
    match outcome {
        Ok(Ok(svg)) => Ok(svg),
        Ok(Err(message)) => Err(format!("This chart could not be drawn ({message}).")),
        Err(_) => Err("This chart could not be drawn (the plotting library failed).".into()),
    }
}

/// The stacked holdings of one subnet, as step functions (holdings stay constant between
/// changes, so straight lines between points would invent intermediate values).
struct Stack {
    /// Per layer, bottom first: the cumulative height of that layer at each step vertex.
    layers: [Vec<(f64, f64)>; 4],
    highest: f64,
    has_any: [bool; 4],
}

fn stack_steps(series: &SubnetSeries, axis: &TimeAxis) -> Stack {
    let mut layers: [Vec<(f64, f64)>; 4] = Default::default();
    let mut has_any = [false; 4];
    let mut highest: f64 = 0.0;
    let mut push = |x: f64, values: [u64; 4]| {
        let mut total = 0.0;
        for (layer, value) in values.iter().enumerate() {
            total += *value as f64;
            has_any[layer] |= *value > 0;
            layers[layer].push((x, total));
        }
        highest = highest.max(total);
    };
    // Time order is the caller's promise; sorting anyway keeps a broken promise from drawing a
    // polygon that folds back on itself.
    let mut ordered: Vec<&UsagePoint> = series.points.iter().collect();
    ordered.sort_by_key(|point| point.time);
    let mut previous: Option<[u64; 4]> = None;
    for point in ordered {
        let x = (point.time.timestamp() as f64).clamp(axis.start, axis.end);
        let values = [
            point.node,
            point.cni_secondary,
            point.cni_prefix,
            point.other,
        ];
        // The step: the old values up to this instant, the new ones from it.
        if let Some(old) = previous {
            push(x, old);
        }
        push(x, values);
        previous = Some(values);
    }
    // The last holdings last until the end of the window.
    if let Some(last) = previous {
        push(axis.end, last);
    }
    Stack {
        layers,
        highest,
        has_any,
    }
}

/// Stacked holdings of one subnet by kind, its capacity, and its first exhaustion errors.
pub(crate) fn subnet_usage(
    series: &SubnetSeries,
    exhaustion: &[&ExhaustionMoment],
    axis: &TimeAxis,
) -> ChartResult {
    if series.points.is_empty() {
        return Err("No address holdings recorded for this subnet in this window.".into());
    }
    let stack = stack_steps(series, axis);
    let capacity = series.capacity.map(|c| c as f64);
    let counts = CountAxis::up_to(stack.highest.max(capacity.unwrap_or(0.0)));
    let kinds = [
        ("node primary addresses", NODE_COLOUR),
        ("CNI secondary addresses", SECONDARY_COLOUR),
        ("CNI prefixes (16 addresses each)", PREFIX_COLOUR),
        ("other holders", OTHER_COLOUR),
    ];

    let mut legend = Vec::new();
    for (layer, (label, colour)) in kinds.iter().enumerate() {
        if stack.has_any[layer] {
            legend.push(LegendEntry {
                label: (*label).into(),
                colour: *colour,
                swatch: Swatch::Area,
            });
        }
    }
    if let Some(capacity) = series.capacity {
        legend.push(LegendEntry {
            label: format!("capacity: {capacity} usable addresses"),
            colour: CAPACITY_COLOUR,
            swatch: Swatch::Line,
        });
    }
    if !exhaustion.is_empty() {
        legend.push(LegendEntry {
            label: "first address-exhaustion error".into(),
            colour: EXHAUSTION_COLOUR,
            swatch: Swatch::DashedLine,
        });
    }

    let svg = draw_svg(340, |root| {
        let mut chart = time_chart(root, axis, &counts)?;
        mesh(&mut chart, axis, "addresses held")?;
        // Top layer first: each lower, cumulative layer is painted over the one above it.
        for (layer, (_, colour)) in kinds.iter().enumerate().rev() {
            if !stack.has_any[layer] {
                continue;
            }
            chart.draw_series(
                AreaSeries::new(stack.layers[layer].iter().copied(), 0.0, colour.mix(0.85))
                    .border_style(colour.stroke_width(1)),
            )?;
        }
        if let Some(capacity) = capacity {
            chart.draw_series(LineSeries::new(
                [(axis.start, capacity), (axis.end, capacity)],
                CAPACITY_COLOUR.stroke_width(2),
            ))?;
        }
        exhaustion_markers(&mut chart, exhaustion, axis, &counts, true)?;
        Ok(())
    })?;
    Ok(Drawn {
        svg,
        legend,
        plot_left: plot_left(COUNT_LABEL_AREA),
    })
}

/// Dashed red vertical lines at exhaustion moments, labelled with the error code and time
/// when `labelled` (on a subnet's own chart; elsewhere the table says which subnet it was).
fn exhaustion_markers(
    chart: &mut TimeChart<'_>,
    moments: &[&ExhaustionMoment],
    axis: &TimeAxis,
    counts: &CountAxis,
    labelled: bool,
) -> Result<(), DrawError> {
    for moment in moments {
        let x = (moment.time.timestamp() as f64).clamp(axis.start, axis.end);
        chart.draw_series(DashedLineSeries::new(
            [(x, 0.0), (x, counts.top)],
            6,
            4,
            EXHAUSTION_COLOUR.stroke_width(2),
        ))?;
        if !labelled {
            continue;
        }
        let label = format!(
            "{} {}",
            visible(&moment.error_code),
            moment.time.format("%H:%M:%SZ")
        );
        chart.draw_series(std::iter::once(Text::new(
            label,
            (x, counts.top),
            (FONT, 12)
                .into_font()
                .color(&EXHAUSTION_COLOUR)
                .pos(exhaustion_label_anchor(x, axis)),
        )))?;
    }
    Ok(())
}

/// Exhaustion labels sit beside their marker, on whichever side has room.
fn exhaustion_label_anchor(x: f64, axis: &TimeAxis) -> Pos {
    let right_half = x > axis.start + axis.span() / 2.0;
    let horizontal = if right_half { HPos::Right } else { HPos::Left };
    Pos::new(horizontal, VPos::Top)
}

type TimeChart<'a> = ChartContext<'a, SVGBackend<'a>, Cartesian2d<Ticked, Ticked>>;

fn time_chart<'a>(
    root: &Area<'a>,
    axis: &TimeAxis,
    counts: &CountAxis,
) -> Result<TimeChart<'a>, DrawError> {
    Ok(ChartBuilder::on(root)
        .margin_top(14)
        .margin_left(MARGIN_LEFT)
        .margin_right(24)
        .margin_bottom(6)
        .x_label_area_size(46)
        .y_label_area_size(COUNT_LABEL_AREA)
        .build_cartesian_2d(
            Ticked::new(axis.start..axis.end, axis.ticks()),
            Ticked::new(0.0..counts.top, counts.ticks.clone()),
        )?)
}

fn mesh(chart: &mut TimeChart<'_>, axis: &TimeAxis, y_description: &str) -> Result<(), DrawError> {
    let x_label = |x: &f64| axis.label(*x);
    let y_label = |y: &f64| count_label(*y);
    chart
        .configure_mesh()
        .bold_line_style(GRID_COLOUR.stroke_width(1))
        .light_line_style(TRANSPARENT)
        .axis_style(AXIS_COLOUR.stroke_width(1))
        .label_style((FONT, 13).into_font().color(&AXIS_COLOUR))
        .axis_desc_style((FONT, 13).into_font().color(&AXIS_COLOUR))
        .x_label_formatter(&x_label)
        .y_label_formatter(&y_label)
        .x_desc(axis.description())
        .y_desc(y_description)
        .draw()?;
    Ok(())
}

/// Throttled calls per minute, one line per API, on the shared time axis, with the
/// exhaustion moments of all subnets marked (throttling often comes with, or causes, them).
pub(crate) fn throttling(
    series: &[ThrottleSeries],
    exhaustion: &[&ExhaustionMoment],
    axis: &TimeAxis,
) -> ChartResult {
    let drawable: Vec<&ThrottleSeries> = series.iter().filter(|s| !s.points.is_empty()).collect();
    if drawable
        .iter()
        .all(|s| s.points.iter().all(|&(_, n)| n == 0))
    {
        return Err("No throttled calls in this window.".into());
    }
    let lines: Vec<Vec<(f64, f64)>> = drawable.iter().map(|s| per_minute_line(s, axis)).collect();
    let highest = lines
        .iter()
        .flatten()
        .map(|&(_, n)| n)
        .fold(0.0_f64, f64::max);
    let counts = CountAxis::up_to(highest);
    let mut legend: Legend = drawable
        .iter()
        .enumerate()
        .map(|(i, s)| LegendEntry {
            label: s.api.clone(),
            colour: SERIES_COLOURS[i % SERIES_COLOURS.len()],
            swatch: Swatch::Line,
        })
        .collect();
    if !exhaustion.is_empty() {
        legend.push(LegendEntry {
            label: "first address-exhaustion error in a subnet".into(),
            colour: EXHAUSTION_COLOUR,
            swatch: Swatch::DashedLine,
        });
    }

    let svg = draw_svg(320, |root| {
        let mut chart = time_chart(root, axis, &counts)?;
        mesh(&mut chart, axis, "throttled calls per minute")?;
        exhaustion_markers(&mut chart, exhaustion, axis, &counts, false)?;
        for (i, line) in lines.iter().enumerate() {
            let colour = SERIES_COLOURS[i % SERIES_COLOURS.len()];
            chart.draw_series(LineSeries::new(
                line.iter().copied(),
                colour.stroke_width(2),
            ))?;
        }
        Ok(())
    })?;
    Ok(Drawn {
        svg,
        legend,
        plot_left: plot_left(COUNT_LABEL_AREA),
    })
}

/// A throttling series as a line that drops to zero in the minutes it leaves out, so that a
/// burst an hour after the previous one is not drawn as an hour-long slope. Only the minutes
/// next to a gap get a zero point, which keeps week-long windows small.
fn per_minute_line(series: &ThrottleSeries, axis: &TimeAxis) -> Vec<(f64, f64)> {
    const MINUTE: f64 = 60.0;
    let mut minutes: Vec<(f64, f64)> = series
        .points
        .iter()
        .map(|&(time, n)| (time.timestamp() as f64, n as f64))
        .collect();
    minutes.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut line = Vec::with_capacity(minutes.len() * 2 + 2);
    for (i, &(x, n)) in minutes.iter().enumerate() {
        let follows_gap = i == 0 || x - minutes[i - 1].0 > MINUTE;
        if follows_gap && x - MINUTE >= axis.start {
            line.push((x - MINUTE, 0.0));
        }
        line.push((x, n));
        let precedes_gap = minutes.get(i + 1).is_none_or(|next| next.0 - x > MINUTE);
        if precedes_gap && x + MINUTE <= axis.end {
            line.push((x + MINUTE, 0.0));
        }
    }
    line
}

/// The nodes shown in the churn chart: the most assigned addresses first, ties broken so that
/// the order never depends on the input's order.
pub(crate) fn busiest_nodes(churn: &[NodeChurn]) -> Vec<&NodeChurn> {
    let mut nodes: Vec<&NodeChurn> = churn.iter().collect();
    nodes.sort_by(|a, b| {
        b.assigned
            .cmp(&a.assigned)
            .then(b.released.cmp(&a.released))
            .then(a.node.cmp(&b.node))
    });
    nodes.truncate(MAX_CHURN_NODES);
    nodes
}

/// Longest node label drawn in the churn chart; longer names are cut (the table under the
/// chart has them in full).
const MAX_NODE_LABEL_CHARS: usize = 42;

fn node_label(node: &str) -> String {
    let shown = visible(node);
    if shown.chars().count() <= MAX_NODE_LABEL_CHARS {
        return shown.into_owned();
    }
    let mut cut: String = shown.chars().take(MAX_NODE_LABEL_CHARS - 1).collect();
    cut.push('…');
    cut
}

/// Addresses assigned and released per node, as horizontal bars (node names are long, and
/// read better along the y axis than slanted under the x axis).
pub(crate) fn churn(nodes: &[&NodeChurn]) -> ChartResult {
    if nodes.iter().all(|n| n.assigned == 0 && n.released == 0) {
        return Err("No addresses were assigned or released in this window.".into());
    }
    let labels: Vec<String> = nodes.iter().map(|n| node_label(&n.node)).collect();
    let highest = nodes
        .iter()
        .map(|n| n.assigned.max(n.released) as f64)
        .fold(0.0_f64, f64::max);
    let counts = CountAxis::up_to(highest);
    let rows = nodes.len();
    // The busiest node on top: row i is drawn at y = rows - 1 - i.
    let row_y = |i: usize| (rows - 1 - i) as f64;
    let longest_label = labels.iter().map(|l| l.chars().count()).max().unwrap_or(0);
    let label_width = (longest_label as u32 * 7 + 16).clamp(60, 320);
    let height = 90 + 30 * rows as u32;
    let legend = vec![
        LegendEntry {
            label: "addresses assigned".into(),
            colour: ASSIGNED_COLOUR,
            swatch: Swatch::Area,
        },
        LegendEntry {
            label: "addresses released".into(),
            colour: RELEASED_COLOUR,
            swatch: Swatch::Area,
        },
    ];

    let svg = draw_svg(height, |root| {
        let mut chart = ChartBuilder::on(root)
            .margin_top(10)
            .margin_left(MARGIN_LEFT)
            .margin_right(24)
            .margin_bottom(6)
            .x_label_area_size(46)
            .y_label_area_size(label_width)
            .build_cartesian_2d(
                Ticked::new(0.0..counts.top, counts.ticks.clone()),
                Ticked::new(-0.5..rows as f64 - 0.5, (0..rows).map(row_y).collect()),
            )?;
        let x_label = |x: &f64| count_label(*x);
        let y_label = |y: &f64| {
            let row = rows as f64 - 1.0 - y.round();
            labels.get(row as usize).cloned().unwrap_or_default()
        };
        chart
            .configure_mesh()
            .disable_y_mesh()
            .bold_line_style(GRID_COLOUR.stroke_width(1))
            .light_line_style(TRANSPARENT)
            .axis_style(AXIS_COLOUR.stroke_width(1))
            .label_style((FONT, 13).into_font().color(&AXIS_COLOUR))
            .axis_desc_style((FONT, 13).into_font().color(&AXIS_COLOUR))
            .x_label_formatter(&x_label)
            .y_label_formatter(&y_label)
            .x_desc("addresses")
            .draw()?;
        chart.draw_series(nodes.iter().enumerate().map(|(i, n)| {
            let y = row_y(i);
            Rectangle::new(
                [(0.0, y + 0.03), (n.assigned as f64, y + 0.36)],
                ASSIGNED_COLOUR.filled(),
            )
        }))?;
        chart.draw_series(nodes.iter().enumerate().map(|(i, n)| {
            let y = row_y(i);
            Rectangle::new(
                [(0.0, y - 0.36), (n.released as f64, y - 0.03)],
                RELEASED_COLOUR.filled(),
            )
        }))?;
        Ok(())
    })?;
    Ok(Drawn {
        svg,
        legend,
        plot_left: plot_left(label_width),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{DateTime, TimeZone, Utc};

    fn at(h: u32, m: u32, s: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 22, h, m, s)
            .single()
            .unwrap()
    }

    #[test]
    fn throttle_lines_drop_to_zero_around_gaps() {
        let series = ThrottleSeries {
            api: "AssignPrivateIpAddresses".into(),
            points: vec![(at(10, 5, 0), 3), (at(10, 6, 0), 4), (at(10, 30, 0), 1)],
        };
        let axis = TimeAxis::covering([at(10, 0, 0), at(11, 0, 0)]).unwrap();
        let line = per_minute_line(&series, &axis);
        let values: Vec<f64> = line.iter().map(|p| p.1).collect();
        assert_eq!(values, vec![0.0, 3.0, 4.0, 0.0, 0.0, 1.0, 0.0]);
    }

    /// The charts rely on plotters' SVG backend to escape text (they only make controls
    /// visible): this fails if a plotters upgrade stops doing so.
    #[test]
    fn the_svg_backend_escapes_text_it_is_given() {
        // Short enough not to be cut by the label length limit.
        let hostile = "</text><script>x</script>\"onload=\"x'";
        let node = NodeChurn {
            node: hostile.into(),
            assigned: 3,
            released: 1,
            ec2_calls: 1,
        };
        let drawn = churn(&[&node]).expect("a chart");
        assert!(!drawn.svg.contains("<script"));
        assert!(!drawn.svg.contains("\"onload"));
        assert!(
            drawn
                .svg
                .contains("&lt;/text&gt;&lt;script&gt;x&lt;/script&gt;&quot;onload=&quot;x&apos;"),
            "{}",
            drawn.svg
        );
    }

    #[test]
    fn long_node_names_are_cut_for_the_chart_only() {
        let name = "ip-10-0-12-34.eu-west-1.compute.internal-with-a-long-suffix";
        let label = node_label(name);
        assert_eq!(label.chars().count(), MAX_NODE_LABEL_CHARS);
        assert!(label.ends_with('…'));
    }
}
