//! Which listings a scan of a prefix needs: the pure half of the S3 walk, testable without a
//! server.
//!
//! A trail bucket holds `[prefix/]AWSLogs/[o-org/]<account>/CloudTrail{,-Digest,-Insight}/<region>/YYYY/MM/DD/<file>`
//! (facts §1.1), often for years and for every account of an organization. Listing all of it to
//! read one day would cost a request per thousand keys of history, so when the scan is narrowed
//! (a time window, accounts or regions) the walk goes down the layout instead:
//!
//! - above `AWSLogs/`: one probe for `<prefix>AWSLogs/`; no such folder means the prefix is not a
//!   trail and it is listed plainly, every key judged by [`NameFilter::accepts`];
//! - `AWSLogs/`, `o-org/`, `<account>/`, `CloudTrail*/`: one delimiter (`/`) listing each, and
//!   only the sub-folders the filter can want are entered (accounts and regions by name,
//!   non-CloudTrail services such as `ElasticLoadBalancing/` never);
//! - `<region>/`, `YYYY/`, `MM/`: the day folders of [`TimeWindow::folder_days`] are generated,
//!   not listed, and each is listed recursively. A window wider than [`MAX_GENERATED_DAYS`]
//!   would mean thousands of mostly empty day listings, so then the existing year and month
//!   folders are listed instead (a handful of requests) and days generated per month.
//!
//! The folder dates are publish dates; [`TimeWindow::folder_days`] already carries the slack
//! for late delivery, and the per-key check ([`NameFilter::accepts`]) is applied to every key
//! whatever the plan, so the walk can only save requests, never change what is read.
//!
//! [`TimeWindow::folder_days`]: cnitrail_core::source::window::TimeWindow::folder_days

use chrono::{Datelike, NaiveDate};
use cnitrail_core::source::local::NameFilter;

/// Above this many day folders per region, year and month folders are listed rather than
/// every day generated (a quarter: a listing per day is still cheap, and most scans are
/// hours or days).
pub(crate) const MAX_GENERATED_DAYS: i64 = 92;

/// Where a folder sits in the CloudTrail layout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Level {
    /// No `AWSLogs` component: the bucket root, a trail's own prefix, or not a trail at all.
    Above,
    /// `…/AWSLogs/`.
    Logs,
    /// `…/AWSLogs/o-org/`.
    Org,
    /// `…/AWSLogs/[o-org/]<account>/`.
    Account,
    /// `…/<account>/CloudTrail{,-Digest,-Insight}/`.
    Service,
    /// `…/CloudTrail*/<region>/`.
    Region,
    /// `…/<region>/YYYY/`.
    Year(i32),
    /// `…/<region>/YYYY/MM/`.
    Month(i32, u32),
    /// `…/<region>/YYYY/MM/DD/`.
    Day(NaiveDate),
    /// Below `AWSLogs/` but not CloudTrail's layout (another service, below a day folder,
    /// a malformed date).
    Foreign,
}

/// What to do with a folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Action {
    /// Look for `<folder>AWSLogs/`: walk it if it exists, else list the folder plainly.
    Probe,
    /// One delimiter listing; plan every sub-folder with [`plan_child`].
    Children,
    /// List these day folders recursively, in this (key) order.
    Days(Vec<String>),
    /// List everything below recursively, filtering each key.
    Plain,
    /// Nothing below can be wanted.
    Skip,
}

fn is_account(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

fn number<T: std::str::FromStr>(s: &str, width: usize) -> Option<T> {
    (s.len() == width && s.bytes().all(|b| b.is_ascii_digit()))
        .then(|| s.parse().ok())
        .flatten()
}

/// Places a folder (`""` for the bucket root, otherwise ending in `/`) in the layout.
pub(crate) fn classify(folder: &str) -> Level {
    let trimmed = folder.strip_suffix('/').unwrap_or(folder);
    if trimmed.is_empty() {
        return Level::Above;
    }
    let parts: Vec<&str> = trimmed.split('/').collect();
    // The last `AWSLogs`, as `parse_key` does, so a user prefix that happens to contain the
    // word earlier does not confuse the levels.
    let Some(logs) = parts.iter().rposition(|p| *p == "AWSLogs") else {
        return Level::Above;
    };
    let mut rest = &parts[logs + 1..];
    if rest.is_empty() {
        return Level::Logs;
    }
    if rest[0].starts_with("o-") {
        rest = &rest[1..];
        if rest.is_empty() {
            return Level::Org;
        }
    }
    if !is_account(rest[0]) {
        return Level::Foreign;
    }
    if rest.len() == 1 {
        return Level::Account;
    }
    if !rest[1].starts_with("CloudTrail") {
        return Level::Foreign;
    }
    let year = || number::<i32>(rest[3], 4);
    let month = || number::<u32>(rest[4], 2).filter(|m| (1..=12).contains(m));
    match rest.len() {
        2 => Level::Service,
        3 => Level::Region,
        4 => year().map_or(Level::Foreign, Level::Year),
        5 => match (year(), month()) {
            (Some(y), Some(m)) => Level::Month(y, m),
            _ => Level::Foreign,
        },
        6 => year()
            .zip(month())
            .zip(number::<u32>(rest[5], 2))
            .and_then(|((y, m), d)| NaiveDate::from_ymd_opt(y, m, d))
            .map_or(Level::Foreign, Level::Day),
        _ => Level::Foreign,
    }
}

/// Whether the filter narrows the scan enough for the layout walk to pay off.
pub(crate) fn prunes(filter: &NameFilter) -> bool {
    filter.window.folder_days().is_some()
        || !filter.accounts.is_empty()
        || !filter.regions.is_empty()
}

/// The first step for the user's prefix, which may stop anywhere, even inside a name.
pub(crate) fn plan_root(prefix: &str, filter: &NameFilter) -> Action {
    if !prunes(filter) {
        Action::Plain
    } else if prefix.is_empty() || prefix.ends_with('/') {
        plan_folder(prefix, filter)
    } else {
        // `AWSLogs/1111` or `…/2026/0`: one delimiter listing of the raw prefix turns it into
        // whole folders (planned as children) and keys (filtered).
        Action::Children
    }
}

/// The step for a sub-folder that a delimiter listing returned.
pub(crate) fn plan_child(folder: &str, filter: &NameFilter) -> Action {
    match classify(folder) {
        // Siblings of CloudTrail's folders that are not CloudTrail's (other services' logs).
        Level::Foreign => Action::Skip,
        _ => plan_folder(folder, filter),
    }
}

/// The step for a folder, from its level and the filter.
pub(crate) fn plan_folder(folder: &str, filter: &NameFilter) -> Action {
    let level = classify(folder);
    // Account, region and day folders excluded by name: the same test each key gets, applied
    // to the folder (its parts that are there; the rest count as unknown and pass).
    if level != Level::Above && !filter.accepts(folder.strip_suffix('/').unwrap_or(folder)) {
        return Action::Skip;
    }
    match level {
        Level::Above => Action::Probe,
        Level::Logs | Level::Org | Level::Account | Level::Service => Action::Children,
        Level::Region | Level::Year(_) | Level::Month(..) => match filter.window.folder_days() {
            None => Action::Plain,
            Some(range) => plan_days(folder, &level, range),
        },
        Level::Day(_) | Level::Foreign => Action::Plain,
    }
}

/// Generates the day folders of `range` (inclusive) below a region, year or month folder, or
/// asks for a listing of the next level when there would be too many.
fn plan_days(folder: &str, level: &Level, (lo, hi): (NaiveDate, NaiveDate)) -> Action {
    let (from, to) = match *level {
        Level::Region => (lo, hi),
        Level::Year(y) => match (
            NaiveDate::from_ymd_opt(y, 1, 1),
            NaiveDate::from_ymd_opt(y, 12, 31),
        ) {
            (Some(a), Some(b)) => (a.max(lo), b.min(hi)),
            _ => return Action::Skip,
        },
        Level::Month(y, m) => {
            let first = NaiveDate::from_ymd_opt(y, m, 1);
            let last = first.and_then(|f| f.checked_add_months(chrono::Months::new(1))?.pred_opt());
            match (first, last) {
                (Some(a), Some(b)) => (a.max(lo), b.min(hi)),
                _ => return Action::Skip,
            }
        }
        _ => return Action::Plain,
    };
    if from > to {
        return Action::Skip;
    }
    if (to - from).num_days() + 1 > MAX_GENERATED_DAYS && !matches!(level, Level::Month(..)) {
        return Action::Children;
    }
    let days = from
        .iter_days()
        .take_while(|d| *d <= to)
        .map(|d| match level {
            Level::Region => format!("{folder}{:04}/{:02}/{:02}/", d.year(), d.month(), d.day()),
            Level::Year(_) => format!("{folder}{:02}/{:02}/", d.month(), d.day()),
            _ => format!("{folder}{:02}/", d.day()),
        })
        .collect();
    Action::Days(days)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{DateTime, Utc};
    use cnitrail_core::source::window::TimeWindow;

    const ACCT: &str = "111122223333";

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn window(since: &str, until: &str) -> NameFilter {
        NameFilter {
            window: TimeWindow {
                since: Some(t(since)),
                until: Some(t(until)),
            },
            ..NameFilter::default()
        }
    }

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn classifies_every_level() {
        let cases: &[(&str, Level)] = &[
            ("", Level::Above),
            ("logs/", Level::Above),
            ("AWSLogs/", Level::Logs),
            ("logs/AWSLogs/", Level::Logs),
            ("AWSLogs/o-abc123/", Level::Org),
            ("AWSLogs/111122223333/", Level::Account),
            ("AWSLogs/o-abc123/111122223333/", Level::Account),
            ("AWSLogs/111122223333/CloudTrail/", Level::Service),
            ("AWSLogs/111122223333/CloudTrail-Digest/", Level::Service),
            (
                "AWSLogs/o-a/111122223333/CloudTrail-Insight/",
                Level::Service,
            ),
            ("AWSLogs/111122223333/CloudTrail/us-east-1/", Level::Region),
            (
                "AWSLogs/111122223333/CloudTrail/us-east-1/2026/",
                Level::Year(2026),
            ),
            (
                "AWSLogs/111122223333/CloudTrail/us-east-1/2026/05/",
                Level::Month(2026, 5),
            ),
            (
                "p/AWSLogs/111122223333/CloudTrail/us-east-1/2026/05/21/",
                Level::Day(d(2026, 5, 21)),
            ),
            (
                "AWSLogs/111122223333/CloudTrail/us-east-1/2026/05/21/x/",
                Level::Foreign,
            ),
            (
                "AWSLogs/111122223333/CloudTrail/us-east-1/2026/13/",
                Level::Foreign,
            ),
            (
                "AWSLogs/111122223333/CloudTrail/us-east-1/2026/02/30/",
                Level::Foreign,
            ),
            (
                "AWSLogs/111122223333/CloudTrail/us-east-1/26/",
                Level::Foreign,
            ),
            ("AWSLogs/111122223333/ElasticLoadBalancing/", Level::Foreign),
            ("AWSLogs/readme/", Level::Foreign),
            ("AWSLogs/o-abc/notanaccount/", Level::Foreign),
        ];
        for (folder, want) in cases {
            assert_eq!(&classify(folder), want, "{folder}");
        }
    }

    #[test]
    fn no_pruning_without_a_narrowing_filter() {
        let all = NameFilter::default();
        assert_eq!(plan_root("", &all), Action::Plain);
        assert_eq!(
            plan_root("AWSLogs/111122223333/CloudTrail/us-east-1/", &all),
            Action::Plain
        );
    }

    #[test]
    fn roots_at_every_level() {
        let w = window("2026-05-21T10:00:00Z", "2026-05-22T00:00:00Z");
        assert_eq!(plan_root("", &w), Action::Probe);
        assert_eq!(plan_root("trail/", &w), Action::Probe);
        assert_eq!(plan_root("trail", &w), Action::Children);
        assert_eq!(plan_root("AWSLogs/", &w), Action::Children);
        assert_eq!(plan_root("AWSLogs/1111", &w), Action::Children);
        assert_eq!(plan_root("AWSLogs/o-abc/", &w), Action::Children);
        assert_eq!(plan_root("AWSLogs/111122223333/", &w), Action::Children);
        assert_eq!(
            plan_root("AWSLogs/111122223333/CloudTrail/", &w),
            Action::Children
        );
        let region = "AWSLogs/111122223333/CloudTrail/us-east-1/";
        // until 2026-05-22T00:00 plus a day of slack: 21, 22 and 23.
        let days = |base: &str, tails: &[&str]| {
            Action::Days(tails.iter().map(|t| format!("{base}{t}")).collect())
        };
        assert_eq!(
            plan_root(region, &w),
            days(region, &["2026/05/21/", "2026/05/22/", "2026/05/23/"])
        );
        let year = format!("{region}2026/");
        assert_eq!(
            plan_root(&year, &w),
            days(&year, &["05/21/", "05/22/", "05/23/"])
        );
        let month = format!("{region}2026/05/");
        assert_eq!(plan_root(&month, &w), days(&month, &["21/", "22/", "23/"]));
        assert_eq!(plan_root(&format!("{region}2025/"), &w), Action::Skip);
        assert_eq!(plan_root(&format!("{region}2026/04/"), &w), Action::Skip);
        assert_eq!(
            plan_root(&format!("{region}2026/05/22/"), &w),
            Action::Plain
        );
        assert_eq!(plan_root(&format!("{region}2026/05/20/"), &w), Action::Skip);
        assert_eq!(plan_root(&format!("{region}2026/05/24/"), &w), Action::Skip);
        assert_eq!(
            plan_root(&format!("{region}2026/05/2"), &w),
            Action::Children
        );
        assert_eq!(
            plan_root(&format!("{region}2026/05/21/sub/"), &w),
            Action::Plain
        );
    }

    #[test]
    fn days_cross_month_and_year_ends() {
        let w = window("2025-12-31T23:00:00Z", "2026-01-01T01:00:00Z");
        let region = "AWSLogs/111122223333/CloudTrail/eu-west-1/";
        let Action::Days(days) = plan_folder(region, &w) else {
            panic!()
        };
        let tails: Vec<&str> = days.iter().map(|d| &d[region.len()..]).collect();
        assert_eq!(tails, ["2025/12/31/", "2026/01/01/", "2026/01/02/"]);
        let Action::Days(days) = plan_folder(&format!("{region}2025/"), &w) else {
            panic!()
        };
        assert_eq!(days, [format!("{region}2025/12/31/")]);
    }

    #[test]
    fn accounts_and_regions_prune_folders_by_name() {
        let f = NameFilter {
            accounts: vec![ACCT.into()],
            regions: vec!["us-east-1".into()],
            ..NameFilter::default()
        };
        assert_eq!(plan_child("AWSLogs/111122223333/", &f), Action::Children);
        assert_eq!(plan_child("AWSLogs/o-x/444455556666/", &f), Action::Skip);
        assert_eq!(
            plan_child("AWSLogs/111122223333/CloudTrail/us-east-1/", &f),
            Action::Plain
        );
        assert_eq!(
            plan_child("AWSLogs/111122223333/CloudTrail/eu-west-1/", &f),
            Action::Skip
        );
        assert_eq!(
            plan_child("AWSLogs/111122223333/CloudTrail-Digest/eu-west-1/", &f),
            Action::Skip
        );
        // Not CloudTrail: never entered from a listing, read plainly when named by the user.
        assert_eq!(
            plan_child("AWSLogs/111122223333/ElasticLoadBalancing/", &f),
            Action::Skip
        );
        assert_eq!(
            plan_root("AWSLogs/111122223333/ElasticLoadBalancing/", &f),
            Action::Plain
        );
        assert_eq!(plan_child("AWSLogs/other/", &f), Action::Skip);
        // Above the layout, children are probed in turn.
        assert_eq!(plan_child("trail/", &f), Action::Probe);
    }

    #[test]
    fn wide_windows_list_years_and_months_instead_of_generating_days() {
        let w = window("2024-01-15T00:00:00Z", "2026-03-01T00:00:00Z");
        let region = "AWSLogs/111122223333/CloudTrail/us-east-1/";
        assert_eq!(plan_folder(region, &w), Action::Children);
        assert_eq!(plan_child(&format!("{region}2025/"), &w), Action::Children);
        assert_eq!(plan_child(&format!("{region}2023/"), &w), Action::Skip);
        let Action::Days(days) = plan_child(&format!("{region}2024/01/"), &w) else {
            panic!()
        };
        assert_eq!(days.len(), 17);
        assert_eq!(days[0], format!("{region}2024/01/15/"));
        let Action::Days(days) = plan_child(&format!("{region}2026/03/"), &w) else {
            panic!()
        };
        assert_eq!(
            days,
            [
                format!("{region}2026/03/01/"),
                format!("{region}2026/03/02/")
            ]
        );
        assert_eq!(plan_child(&format!("{region}2026/04/"), &w), Action::Skip);
        // Month folders that are not months are not CloudTrail's.
        assert_eq!(plan_child(&format!("{region}2025/xx/"), &w), Action::Skip);
    }
}
