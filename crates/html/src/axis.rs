//! The axes of the report's charts: which range, which ticks, how tick labels read.
//!
//! Time is plotted as `f64` seconds since the Unix epoch, with tick positions chosen here on
//! whole minutes, hours or days: plotters' own tick choice for a raw number range would put
//! ticks on round *numbers* of seconds (00:08:20), which are not round times. Counts are
//! plotted as `f64` too, so that stacking four `u64` values near `u64::MAX` cannot overflow;
//! the precision lost above 2^53 is invisible at chart resolution.

use std::ops::Range;

use chrono::{DateTime, Utc};
use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint, Ranged};

/// A linear `f64` axis whose ticks are exactly the given values.
///
/// Plotters' own `with_key_points` decorator does the same but loses the float range's label
/// formatting support, so that custom label formatters cannot be used with it.
#[derive(Debug, Clone)]
pub(crate) struct Ticked {
    range: Range<f64>,
    ticks: Vec<f64>,
}

impl Ticked {
    pub(crate) fn new(range: Range<f64>, ticks: Vec<f64>) -> Ticked {
        Ticked { range, ticks }
    }
}

impl Ranged for Ticked {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        let width = self.range.end - self.range.start;
        // Also catches a NaN width, for which `width <= 0.0` would be false.
        if width.is_nan() || width <= 0.0 || !value.is_finite() {
            return limit.0 + (limit.1 - limit.0) / 2;
        }
        let share = (value - self.range.start) / width;
        // `as` saturates, so a value far outside the range cannot wrap around.
        (f64::from(limit.0) + share * f64::from(limit.1 - limit.0)).round() as i32
    }

    fn key_points<Hint: KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        // Only bold (labelled) grid lines: light ones would clutter a small chart.
        if hint.weight().allow_light_points() {
            Vec::new()
        } else {
            self.ticks.clone()
        }
    }

    fn range(&self) -> Range<f64> {
        self.range.clone()
    }
}

/// The time span every timeline chart shares, so that a throttling burst and an exhaustion
/// line up vertically on the page.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct TimeAxis {
    pub(crate) start: f64,
    pub(crate) end: f64,
}

/// The shortest span drawn: anything shorter (a single event, equal timestamps) is widened so
/// the chart has a visible width and plotters a non-empty range.
const MIN_SPAN_SECONDS: f64 = 60.0;

impl TimeAxis {
    /// The smallest axis covering all the given times, or `None` if there are none.
    pub(crate) fn covering(times: impl IntoIterator<Item = DateTime<Utc>>) -> Option<TimeAxis> {
        let mut bounds: Option<(i64, i64)> = None;
        for time in times {
            let t = time.timestamp();
            bounds = Some(match bounds {
                None => (t, t),
                Some((lo, hi)) => (lo.min(t), hi.max(t)),
            });
        }
        let (lo, hi) = bounds?;
        let start = lo as f64;
        let end = (hi as f64).max(start + MIN_SPAN_SECONDS);
        Some(TimeAxis { start, end })
    }

    pub(crate) fn span(&self) -> f64 {
        self.end - self.start
    }

    /// Tick positions on whole seconds, minutes, hours or days, about six to eight of them.
    pub(crate) fn ticks(&self) -> Vec<f64> {
        const STEPS: [f64; 20] = [
            1.0, 2.0, 5.0, 10.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 900.0, 1800.0, 3600.0,
            7200.0, 10800.0, 21600.0, 43200.0, 86400.0, 172800.0, 604800.0,
        ];
        let wanted = self.span() / 8.0;
        let step = STEPS
            .iter()
            .copied()
            .find(|&step| step >= wanted)
            .unwrap_or_else(|| (wanted / 86400.0).ceil() * 86400.0);
        let mut ticks = Vec::new();
        let mut tick = (self.start / step).ceil() * step;
        while tick <= self.end && ticks.len() < 50 {
            ticks.push(tick);
            tick += step;
        }
        ticks
    }

    /// Tick labels: as short as the span allows, the date shown only when it changes within
    /// the axis (the full range is printed above the charts).
    pub(crate) fn label(&self, x: f64) -> String {
        let Some(time) = DateTime::from_timestamp(x.round() as i64, 0) else {
            return String::new();
        };
        let (Some(first), Some(last)) = (
            DateTime::from_timestamp(self.start as i64, 0),
            DateTime::from_timestamp(self.end as i64, 0),
        ) else {
            return String::new();
        };
        let pattern = if self.span() > 8.0 * 86400.0 {
            "%Y-%m-%d"
        } else if first.date_naive() != last.date_naive() {
            "%m-%d %H:%M"
        } else if self.span() < 600.0 {
            "%H:%M:%S"
        } else {
            "%H:%M"
        };
        time.format(pattern).to_string()
    }

    /// The x-axis title, with the day when the whole axis falls on one.
    pub(crate) fn description(&self) -> String {
        let first = DateTime::from_timestamp(self.start as i64, 0);
        let last = DateTime::from_timestamp(self.end as i64, 0);
        match (first, last) {
            (Some(first), Some(last)) if first.date_naive() == last.date_naive() => {
                format!("time (UTC) on {}", first.format("%Y-%m-%d"))
            }
            _ => "time (UTC)".into(),
        }
    }
}

/// A count axis from zero with integer ticks on 1, 2 or 5 times a power of ten, high enough
/// for `max` plus some headroom.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct CountAxis {
    pub(crate) top: f64,
    pub(crate) ticks: Vec<f64>,
}

impl CountAxis {
    pub(crate) fn up_to(max: f64) -> CountAxis {
        let wanted_top = if max.is_finite() && max > 0.0 {
            max * 1.08
        } else {
            1.0
        };
        let rough_step = wanted_top / 5.0;
        let magnitude = 10f64.powf(rough_step.log10().floor());
        let step = [1.0, 2.0, 5.0, 10.0]
            .iter()
            .map(|m| m * magnitude)
            .find(|&step| step >= rough_step)
            .unwrap_or(10.0 * magnitude)
            .max(1.0);
        let top = ((wanted_top / step).ceil() * step).max(step);
        let ticks = (0..=((top / step).round() as usize).min(20))
            .map(|i| i as f64 * step)
            .collect();
        CountAxis { top, ticks }
    }
}

/// Formats a count for an axis: exact with thousands separators up to a million, then in SI
/// units so that huge values still fit the label area.
pub(crate) fn count_label(value: f64) -> String {
    if !value.is_finite() || value < 0.0 {
        return String::new();
    }
    if value < 1e6 {
        let digits = format!("{}", value.round() as u64);
        let mut grouped = String::new();
        for (i, digit) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i) % 3 == 0 {
                grouped.push(',');
            }
            grouped.push(digit);
        }
        return grouped;
    }
    let units = [
        (1e18, "E"),
        (1e15, "P"),
        (1e12, "T"),
        (1e9, "G"),
        (1e6, "M"),
    ];
    let (scale, unit) = units
        .iter()
        .copied()
        .find(|&(scale, _)| value >= scale)
        .unwrap_or((1e6, "M"));
    let scaled = value / scale;
    let text = format!("{scaled:.1}");
    let text = text.strip_suffix(".0").unwrap_or(&text);
    format!("{text}{unit}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(h: u32, m: u32, s: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 22, h, m, s)
            .single()
            .unwrap()
    }

    #[test]
    fn time_ticks_fall_on_round_times() {
        let axis = TimeAxis::covering([at(10, 3, 17), at(11, 58, 2)]).unwrap();
        let ticks = axis.ticks();
        assert!(ticks.len() >= 4 && ticks.len() <= 9, "{ticks:?}");
        for tick in &ticks {
            assert_eq!(tick % 900.0, 0.0, "{tick} is not on a quarter hour");
        }
        assert_eq!(axis.label(ticks[0]), "10:15");
        assert_eq!(axis.description(), "time (UTC) on 2026-11-22");
    }

    #[test]
    fn a_single_instant_gets_a_minute_wide_axis() {
        let axis = TimeAxis::covering([at(10, 0, 0), at(10, 0, 0)]).unwrap();
        assert_eq!(axis.span(), MIN_SPAN_SECONDS);
        assert!(!axis.ticks().is_empty());
        assert!(TimeAxis::covering([]).is_none());
    }

    #[test]
    fn count_axis_has_integer_ticks_and_room_above_the_data() {
        let axis = CountAxis::up_to(3.0);
        assert!(axis.top >= 3.0);
        assert!(
            axis.ticks.iter().all(|t| t.fract() == 0.0),
            "{:?}",
            axis.ticks
        );
        let axis = CountAxis::up_to(0.0);
        assert_eq!(axis.ticks, vec![0.0, 1.0]);
        let axis = CountAxis::up_to(4.0 * u64::MAX as f64);
        assert!(axis.top.is_finite() && axis.ticks.len() <= 21);
    }

    #[test]
    fn counts_are_grouped_then_abbreviated() {
        assert_eq!(count_label(0.0), "0");
        assert_eq!(count_label(12_345.0), "12,345");
        assert_eq!(count_label(2_500_000.0), "2.5M");
        assert_eq!(count_label(u64::MAX as f64), "18.4E");
    }

    #[test]
    fn ticked_axis_maps_linearly_and_survives_an_empty_range() {
        let axis = Ticked::new(0.0..10.0, vec![0.0, 5.0, 10.0]);
        assert_eq!(axis.map(&5.0, (100, 200)), 150);
        assert_eq!(axis.map(&f64::MAX, (100, 200)), i32::MAX);
        let flat = Ticked::new(3.0..3.0, vec![3.0]);
        assert_eq!(flat.map(&3.0, (100, 200)), 150);
    }
}
