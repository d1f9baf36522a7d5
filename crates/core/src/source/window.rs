//! The time window of a scan (`--since`, `--until`) and how it prunes files by their names.

use super::layout::KeyInfo;
use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, Utc};

/// A half-open window `[since, until)` on `eventTime`; either end may be open.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TimeWindow {
    /// First second included.
    pub since: Option<DateTime<Utc>>,
    /// First second excluded.
    pub until: Option<DateTime<Utc>>,
}

/// A time argument that is neither RFC 3339 nor a relative duration.
#[derive(Debug, thiserror::Error)]
#[error(
    "invalid time {0:?}: expected RFC 3339 (2026-11-22T14:02:00Z), a date (2026-11-22) or a duration back from now (90s, 15m, 6h, 2d, 1w)"
)]
pub struct TimeParseError(pub String);

/// Parses `--since`/`--until`: RFC 3339, a bare UTC date or date-time, or a relative duration
/// (`6h` means six hours before `now`).
pub fn parse_time(text: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>, TimeParseError> {
    let t = text.trim();
    if let Ok(dt) = DateTime::parse_from_rfc3339(t) {
        return Ok(dt.with_timezone(&Utc));
    }
    for fmt in ["%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M"] {
        if let Ok(n) = NaiveDateTime::parse_from_str(t, fmt) {
            return Ok(n.and_utc());
        }
    }
    if let Ok(d) = NaiveDate::parse_from_str(t, "%Y-%m-%d") {
        return Ok(d.and_hms_opt(0, 0, 0).map(|n| n.and_utc()).unwrap_or(now));
    }
    let err = || TimeParseError(text.to_string());
    let back = parse_duration(t).ok_or_else(err)?;
    now.checked_sub_signed(back).ok_or_else(err)
}

/// A duration such as `90s`, `15m`, `6h`, `2d` or `1w`.
pub fn parse_duration(text: &str) -> Option<Duration> {
    let t = text.trim();
    let split = t.find(|c: char| !c.is_ascii_digit())?;
    let (num, unit) = t.split_at(split);
    let n: i64 = num.parse().ok()?;
    let secs = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        "w" => 7 * 86_400,
        _ => return None,
    };
    n.checked_mul(secs).and_then(Duration::try_seconds)
}

/// Reads the delivery time from a CloudTrail file name (`…_CloudTrail_<region>_20260521T1755Z…`).
/// The name is parsed leniently: the `_` before the unique string is sometimes missing.
pub fn delivery_time(name: &str) -> Option<DateTime<Utc>> {
    let base = name.rsplit(['/', '\\']).next()?;
    let at = base.find("_CloudTrail_")? + "_CloudTrail_".len();
    let rest = &base[at..];
    let stamp_at = rest.find('_')? + 1;
    let stamp = rest.get(stamp_at..stamp_at + 14)?;
    NaiveDateTime::parse_from_str(stamp, "%Y%m%dT%H%MZ")
        .ok()
        .map(|n| n.and_utc())
}

impl TimeWindow {
    /// True when `t` is inside the window.
    pub fn contains(&self, t: DateTime<Utc>) -> bool {
        self.since.is_none_or(|s| t >= s) && self.until.is_none_or(|u| t < u)
    }

    /// True when no bound is set.
    pub fn is_unbounded(&self) -> bool {
        self.since.is_none() && self.until.is_none()
    }

    /// The publish-date folders that can hold records of the window. A file's folder is its
    /// delivery date, which is never before its records' dates but can be later (files land
    /// late, facts §7), so the upper end gets a day of slack and the lower end none.
    pub fn folder_days(&self) -> Option<(NaiveDate, NaiveDate)> {
        let since = self.since?.date_naive();
        let until = self.until.unwrap_or_else(Utc::now).date_naive() + Duration::days(1);
        Some((since, until))
    }

    /// Whether a file with this key could hold records in the window, judged from its folder
    /// date and its delivery time. Unknown layouts are always kept.
    pub fn may_contain(&self, name: &str, info: &KeyInfo) -> bool {
        if let Some(since) = self.since {
            // A file holds only records from before its delivery minute.
            if delivery_time(name).is_some_and(|d| d + Duration::minutes(1) <= since) {
                return false;
            }
            if info.date.is_some_and(|d| d < since.date_naive()) {
                return false;
            }
        }
        if let Some(until) = self.until
            && info
                .date
                .is_some_and(|d| d > until.date_naive() + Duration::days(1))
        {
            return false;
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::layout::parse_key;

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn parses_absolute_and_relative_times() {
        let now = t("2026-11-22T12:00:00Z");
        assert_eq!(
            parse_time("2026-11-22T10:00:00Z", now).unwrap(),
            t("2026-11-22T10:00:00Z")
        );
        assert_eq!(
            parse_time("2026-11-22T12:00:00+02:00", now).unwrap(),
            t("2026-11-22T10:00:00Z")
        );
        assert_eq!(
            parse_time("2026-11-21", now).unwrap(),
            t("2026-11-21T00:00:00Z")
        );
        assert_eq!(parse_time("6h", now).unwrap(), t("2026-11-22T06:00:00Z"));
        assert_eq!(parse_time("90s", now).unwrap(), t("2026-11-22T11:58:30Z"));
        assert_eq!(parse_time("1w", now).unwrap(), t("2026-11-15T12:00:00Z"));
        assert!(parse_time("6 hours", now).is_err());
        assert!(parse_time("h", now).is_err());
        assert!(parse_time("99999999999999999w", now).is_err());
    }

    #[test]
    fn window_is_half_open() {
        let w = TimeWindow {
            since: Some(t("2026-11-22T10:00:00Z")),
            until: Some(t("2026-11-22T11:00:00Z")),
        };
        assert!(w.contains(t("2026-11-22T10:00:00Z")));
        assert!(w.contains(t("2026-11-22T10:59:59Z")));
        assert!(!w.contains(t("2026-11-22T11:00:00Z")));
        assert!(!w.contains(t("2026-11-22T09:59:59Z")));
    }

    #[test]
    fn delivery_time_tolerates_both_name_forms() {
        assert_eq!(
            delivery_time(
                "a/111122223333_CloudTrail_us-east-2_20150801T0210Z_Mu0KsOhtH1ar15ZZ.json.gz"
            ),
            Some(t("2015-08-01T02:10:00Z"))
        );
        assert_eq!(
            delivery_time(
                "123456789012_CloudTrail_us-west-1_20140620T1255ZHdkvFTXOA3Vnhbc.json.gz"
            ),
            Some(t("2014-06-20T12:55:00Z"))
        );
        assert_eq!(delivery_time("events.json"), None);
    }

    #[test]
    fn pruning_keeps_late_files_and_drops_early_ones() {
        let w = TimeWindow {
            since: Some(t("2026-11-21T23:00:00Z")),
            until: Some(t("2026-11-22T00:00:00Z")),
        };
        let key = |day: &str, stamp: &str| {
            format!(
                "AWSLogs/111122223333/CloudTrail/us-east-1/{day}/111122223333_CloudTrail_us-east-1_{stamp}_abcdefghijklmnop.json.gz"
            )
        };
        let early = key("2026/11/21", "20261121T2250Z");
        let inside = key("2026/11/21", "20261121T2305Z");
        let late = key("2026/11/22", "20261122T0005Z");
        let next_day = key("2026/11/23", "20261123T0900Z");
        let too_late = key("2026/11/24", "20261124T0000Z");
        let day_before = key("2026/11/20", "20261120T2359Z");
        assert!(!w.may_contain(&early, &parse_key(&early)));
        assert!(w.may_contain(&inside, &parse_key(&inside)));
        assert!(w.may_contain(&late, &parse_key(&late)));
        assert!(w.may_contain(&next_day, &parse_key(&next_day)));
        assert!(!w.may_contain(&too_late, &parse_key(&too_late)));
        assert!(!w.may_contain(&day_before, &parse_key(&day_before)));
        assert!(w.may_contain("x.json", &parse_key("x.json")));
    }
}
