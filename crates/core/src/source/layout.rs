//! The S3 key layout CloudTrail writes, parsed leniently:
//! `[prefix/]AWSLogs/[o-org/]<account>/CloudTrail/<region>/YYYY/MM/DD/<account>_CloudTrail_<region>_<YYYYMMDDTHHmmZ>_<unique>.json.gz`
//! (facts §1.1). The dates in the path are *delivery* dates, never event times: they are used
//! only to prune, with slack, never to decide what a record is.

use chrono::NaiveDate;

/// What the name of a file says it holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// A log file with records (or anything we cannot tell: read it and see).
    Events,
    /// A `CloudTrail-Digest` file: hashes, no records.
    Digest,
    /// A `CloudTrail-Insight` file: Insights events, not API calls.
    Insight,
}

/// What could be read from a key or path.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeyInfo {
    /// Organization id (`o-…`) for organization trails.
    pub org: Option<String>,
    /// 12-digit account id.
    pub account: Option<String>,
    /// Region folder.
    pub region: Option<String>,
    /// Publish date from the `YYYY/MM/DD` folders.
    pub date: Option<NaiveDate>,
}

/// Classifies a key or path by name alone.
pub fn file_kind(name: &str) -> FileKind {
    if name.contains("CloudTrail-Digest") {
        FileKind::Digest
    } else if name.contains("CloudTrail-Insight") {
        FileKind::Insight
    } else {
        FileKind::Events
    }
}

fn is_account(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

/// Reads account, region and date from a key or path laid out as CloudTrail writes it.
/// Fields that are not there stay `None`; nothing here ever fails.
pub fn parse_key(key: &str) -> KeyInfo {
    let parts: Vec<&str> = key.split(['/', '\\']).collect();
    let mut info = KeyInfo::default();
    let Some(logs) = parts.iter().rposition(|p| *p == "AWSLogs") else {
        return info;
    };
    let mut i = logs + 1;
    if let Some(p) = parts.get(i).filter(|p| p.starts_with("o-")) {
        info.org = Some(p.to_string());
        i += 1;
    }
    if let Some(p) = parts.get(i).filter(|p| is_account(p)) {
        info.account = Some(p.to_string());
        i += 1;
    }
    if parts.get(i).is_some_and(|p| p.starts_with("CloudTrail")) {
        i += 1;
        if let Some(region) = parts.get(i) {
            info.region = Some(region.to_string());
            i += 1;
        }
        let num = |j: usize| parts.get(j).and_then(|p| p.parse::<u32>().ok());
        if let (Some(y), Some(m), Some(d)) = (num(i), num(i + 1), num(i + 2)) {
            info.date = NaiveDate::from_ymd_opt(y as i32, m, d);
        }
    }
    info
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_plain_and_org_layouts() {
        let k = "logs/AWSLogs/111122223333/CloudTrail/us-east-2/2026/05/21/111122223333_CloudTrail_us-east-2_20260521T1755Z_DC44jnm0zRHj2CKW.json.gz";
        let i = parse_key(k);
        assert_eq!(i.account.as_deref(), Some("111122223333"));
        assert_eq!(i.region.as_deref(), Some("us-east-2"));
        assert_eq!(i.date, NaiveDate::from_ymd_opt(2026, 5, 21));
        assert_eq!(file_kind(k), FileKind::Events);

        let o =
            parse_key("AWSLogs/o-abc123/111122223333/CloudTrail/eu-west-1/2025/12/31/x.json.gz");
        assert_eq!(o.org.as_deref(), Some("o-abc123"));
        assert_eq!(o.account.as_deref(), Some("111122223333"));
        assert_eq!(o.region.as_deref(), Some("eu-west-1"));
        assert_eq!(o.date, NaiveDate::from_ymd_opt(2025, 12, 31));
    }

    #[test]
    fn digest_and_insight_are_recognised() {
        assert_eq!(
            file_kind(
                "AWSLogs/1/CloudTrail-Digest/us-east-1/2026/01/01/1_CloudTrail-Digest_us-east-1_t_us-east-1_20260101T000000Z.json.gz"
            ),
            FileKind::Digest
        );
        assert_eq!(
            file_kind("AWSLogs/1/CloudTrail-Insight/us-east-1/x.json.gz"),
            FileKind::Insight
        );
    }

    #[test]
    fn partial_and_foreign_paths_do_not_fail() {
        assert_eq!(parse_key("fixtures/a.json"), KeyInfo::default());
        let i = parse_key("AWSLogs/111122223333/CloudTrail/us-east-1/2026/13/01/f.json.gz");
        assert_eq!(i.region.as_deref(), Some("us-east-1"));
        assert_eq!(i.date, None);
    }
}
