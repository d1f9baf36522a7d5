//! The export against a simulated trail: layout, row counts, placement by day, schemas pinned
//! to docs/schema.md, file sizing, byte-identical re-runs and the clean-up of stale files.

use super::*;
use cnitrail_core::scan::{Quiet, ScanOptions};
use cnitrail_core::source::local::{NameFilter, expand};
use cnitrail_core::timeline::TimelineBuilder;
use cnitrail_report::Collector;
use cnitrail_sim::scenario::{self, Scenario};
use std::collections::BTreeMap;
use std::sync::OnceLock;

/// One hour across midnight UTC, so every table spans two days; kept for the whole binary.
fn input() -> &'static ReportInput {
    static INPUT: OnceLock<ReportInput> = OnceLock::new();
    INPUT.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let mut sc = Scenario {
            seed: 5,
            hours: 1.0,
            start: "2026-11-21T23:30:00Z".into(),
            noise_per_second: 0.5,
            ..Scenario::default()
        };
        sc.nodes.initial = 3;
        scenario::run(&sc, dir.path()).expect("simulation");
        let objects = expand(&[dir.path().join("trail")], &NameFilter::default());
        let options = ScanOptions {
            count_calls: true,
            ..ScanOptions::default()
        };
        let (input, summary) =
            Collector::scan(objects, &options, TimelineBuilder::new(), &mut Quiet).unwrap();
        assert!(summary.clean(), "{summary:?}");
        input
    })
}

fn export_to(dir: &Path, options: &ExportOptions) -> ExportSummary {
    let store = LocalStore::new(dir).unwrap();
    export(input(), &store, options).unwrap()
}

/// Every regular file under `dir`, relative, with its bytes.
fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let store = LocalStore::new(dir).unwrap();
    store
        .all_under("")
        .unwrap()
        .into_iter()
        .map(|k| {
            let bytes = std::fs::read(dir.join(&k)).unwrap();
            (k, bytes)
        })
        .collect()
}

fn read(path: &Path) -> DataFrame {
    ParquetReader::new(std::fs::File::open(path).unwrap())
        .finish()
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn assert_frame_matches(df: &DataFrame, specs: &[ColumnSpec]) {
    cnitrail_frames::check_columns(df, specs).unwrap_or_else(|e| panic!("{e}"));
}

fn assert_documented(heading: &str, specs: &[ColumnSpec]) {
    let doc = include_str!("../../../docs/schema.md");
    cnitrail_frames::check_documented(doc, heading, specs)
        .unwrap_or_else(|e| panic!("docs/schema.md: {e}"));
}

#[test]
fn every_table_matches_its_spec_and_the_docs() {
    let options = ExportOptions::default();
    for table in Table::ALL {
        let p = prepare(input(), table, &options).unwrap();
        assert!(p.df.height() > 0, "{table} is empty in the simulated trail");
        assert_frame_matches(&p.df, table.columns());
        assert_eq!(p.placement.len(), p.df.height(), "{table}");
    }
    assert_documented("## EC2 calls", EC2_CALL_COLUMNS);
    assert_documented("## Throttled calls", THROTTLED_CALL_COLUMNS);
    assert_documented("## Subnet usage", SUBNET_USAGE_COLUMNS);
    // Every table has its Athena DDL.
    let ddl = include_str!("../../../docs/sql/athena.sql");
    for table in Table::ALL {
        assert!(
            ddl.contains(&format!(
                "CREATE EXTERNAL TABLE IF NOT EXISTS cnitrail_{table} ("
            )),
            "docs/sql/athena.sql lacks {table}"
        );
        for c in table.columns() {
            assert!(
                ddl.contains(&format!("\n  `{}` ", c.name)),
                "docs/sql/athena.sql: {table} lacks column {}",
                c.name
            );
        }
    }
}

#[test]
fn every_table_is_written_by_day_of_its_own_time() {
    let dir = tempfile::tempdir().unwrap();
    let summary = export_to(dir.path(), &ExportOptions::default());
    assert_eq!(summary.label, "0000");
    for t in &summary.tables {
        let p = prepare(input(), t.table, &ExportOptions::default()).unwrap();
        assert_eq!(t.rows as usize, p.df.height(), "{}", t.table);
        // One file per day at the default size; the hour spans midnight.
        let mut days = Vec::new();
        let mut rows = 0;
        for f in &t.files {
            let (folder, name) = f.key.rsplit_once('/').unwrap();
            assert!(name.starts_with("part-0000-") && name.ends_with(".parquet"));
            let day = folder
                .strip_prefix(&format!("{}/event_date=", t.table))
                .unwrap();
            days.push(day.to_string());
            let df = read(&dir.path().join(&f.key));
            assert_eq!(df.height() as u64, f.rows);
            assert_eq!(df.schema(), p.df.schema(), "{}", t.table);
            rows += df.height();
        }
        assert_eq!(rows, p.df.height(), "{}", t.table);
        if matches!(
            t.table,
            Table::Events | Table::Ec2Calls | Table::SubnetUsage
        ) {
            assert_eq!(days, ["2026-11-21", "2026-11-22"], "{}", t.table);
        }
    }
    // Events land on the day of their event_time, whatever file they came in.
    for (key, _) in files(dir.path()) {
        let Some(day) = key
            .strip_prefix("events/event_date=")
            .and_then(|k| k.split('/').next())
        else {
            continue;
        };
        let df = read(&dir.path().join(&key));
        let times = df
            .column("event_time")
            .unwrap()
            .datetime()
            .unwrap()
            .physical()
            .clone();
        for t in times.iter() {
            let t = DateTime::from_timestamp_micros(t.unwrap()).unwrap();
            assert_eq!(t.format("%Y-%m-%d").to_string(), day);
        }
        // Sorted by time within the file.
        let v: Vec<i64> = times.iter().map(Option::unwrap).collect();
        assert!(v.windows(2).all(|w| w[0] <= w[1]));
    }
    // No partition key inside the files.
    let df = read(&dir.path().join(&summary.tables[0].files[0].key));
    assert!(df.column("event_date").is_err());
}

#[test]
fn files_are_cut_after_the_row_group_that_reaches_the_size() {
    let dir = tempfile::tempdir().unwrap();
    let options = ExportOptions {
        tables: vec![Table::Events],
        file_size: 1,
        row_group_rows: 100,
        ..ExportOptions::default()
    };
    let summary = export_to(dir.path(), &options);
    let t = &summary.tables[0];
    let per_day: BTreeMap<&str, Vec<&FileSummary>> =
        t.files.iter().fold(BTreeMap::new(), |mut m, f| {
            m.entry(f.key.rsplit_once('/').unwrap().0)
                .or_default()
                .push(f);
            m
        });
    for (day, fs) in per_day {
        let rows: u64 = fs.iter().map(|f| f.rows).sum();
        assert_eq!(fs.len() as u64, rows.div_ceil(100), "{day}");
        for (i, f) in fs.iter().enumerate() {
            assert_eq!(f.row_groups, 1);
            assert!(f.key.ends_with(&format!("-{i:05}.parquet")));
        }
    }
    // Row groups as asked, in a single file.
    let dir = tempfile::tempdir().unwrap();
    let options = ExportOptions {
        row_group_rows: 100,
        ..options
    };
    let options = ExportOptions {
        file_size: ExportOptions::DEFAULT_FILE_SIZE,
        ..options
    };
    let summary = export_to(dir.path(), &options);
    for f in &summary.tables[0].files {
        assert_eq!(f.row_groups as u64, f.rows.div_ceil(100));
    }
}

#[test]
fn a_rerun_writes_the_same_bytes_and_removes_only_its_own_stale_files() {
    let dir = tempfile::tempdir().unwrap();
    let first = export_to(dir.path(), &ExportOptions::default());
    let before = files(dir.path());
    assert_eq!(before.len(), first.files());
    // What an earlier, longer run of this label, another shard, and a killed run left. The
    // earlier run's file on a day this input does not cover stays (issue 15: a run replaces
    // only the days it re-derived); its extra file on a covered day goes.
    let stale = "events/event_date=2026-01-01/part-0000-00000.parquet";
    let extra = "events/event_date=2026-11-22/part-0000-00009.parquet";
    let other = "events/event_date=2026-11-22/part-0001-00000.parquet";
    let temp = "events/event_date=2026-11-22/.part-0000-00003.parquet.tmp-1";
    let temp_other = "events/event_date=2026-11-22/.part-0001-00000.parquet.tmp-1";
    for key in [stale, extra, other, temp, temp_other] {
        let path = dir.path().join(key);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, b"old").unwrap();
    }
    let second = export_to(dir.path(), &ExportOptions::default());
    let after = files(dir.path());
    let events = &second.tables[0];
    assert_eq!(events.removed, [extra]);
    assert_eq!(events.partials_cleaned, 1);
    let mut want = before.clone();
    want.insert(stale.into(), b"old".to_vec());
    want.insert(other.into(), b"old".to_vec());
    want.insert(temp_other.into(), b"old".to_vec());
    assert_eq!(
        after.keys().collect::<Vec<_>>(),
        want.keys().collect::<Vec<_>>()
    );
    // The same input gives the same bytes: the writer embeds no clock.
    assert!(after == want, "a re-run changed some file's bytes");
}

#[test]
fn shards_label_their_files_and_leave_each_other_alone() {
    let o = |shard| ExportOptions {
        tables: vec![Table::Ec2Calls],
        shard,
        ..ExportOptions::default()
    };
    assert_eq!(o(Some((3, 8))).label(), "0003");
    assert_eq!(o(Some((12, 20000))).label(), "00012");
    let dir = tempfile::tempdir().unwrap();
    let a = export_to(dir.path(), &o(Some((0, 2))));
    let b = export_to(dir.path(), &o(Some((1, 2))));
    let all = files(dir.path());
    assert_eq!(all.len(), a.files() + b.files());
    assert!(all.keys().any(|k| k.contains("/part-0001-")));
    assert!(a.tables[0].removed.is_empty() && b.tables[0].removed.is_empty());
    let store = LocalStore::new(dir.path()).unwrap();
    let bad = export(input(), &store, &o(Some((2, 2))));
    assert!(matches!(bad, Err(ExportError::Invalid(_))));
}

#[test]
fn the_footer_carries_an_arrow_schema_and_no_clock() {
    let dir = tempfile::tempdir().unwrap();
    let summary = export_to(
        dir.path(),
        &ExportOptions {
            tables: vec![Table::Events],
            ..ExportOptions::default()
        },
    );
    let key = &summary.tables[0].files[0].key;
    let mut file = std::fs::File::open(dir.path().join(key)).unwrap();
    let meta = ParquetReader::new(&mut file)
        .get_metadata()
        .unwrap()
        .clone();
    let kv = meta.key_value_metadata().clone().unwrap_or_default();
    let arrow = kv
        .iter()
        .find(|k| k.key == "ARROW:schema")
        .and_then(|k| k.value.clone())
        .expect("an ARROW:schema key");
    assert!(!arrow.is_empty());
    assert_eq!(meta.created_by.as_deref(), Some("Polars"));
}

#[test]
fn days_that_failed_input_may_hold_keep_their_earlier_output() {
    let day = |d: &str| NaiveDate::parse_from_str(d, "%Y-%m-%d").unwrap();
    let dir = tempfile::tempdir().unwrap();
    export_to(dir.path(), &ExportOptions::default());
    // Mark the earlier output of 2026-11-21, then re-run as if an input of that day failed.
    let marked = "events/event_date=2026-11-21/part-0000-00000.parquet";
    std::fs::write(dir.path().join(marked), b"earlier").unwrap();
    let options = ExportOptions {
        failed_days: FailedDays::Days(vec![day("2026-11-21")]),
        ..ExportOptions::default()
    };
    let summary = export_to(dir.path(), &options);
    let events = &summary.tables[0];
    assert_eq!(events.kept_days, ["2026-11-21"]);
    assert!(events.partial_days.is_empty());
    assert!(events.removed.is_empty());
    assert_eq!(std::fs::read(dir.path().join(marked)).unwrap(), b"earlier");
    assert!(
        events.files.iter().all(|f| f.key.contains("2026-11-22")),
        "the other day is written: {:?}",
        events.files
    );
    // Nothing tells which days a failed file held: every day with earlier output is kept,
    // and a fresh output is written whole but says it may be incomplete.
    let unknown = ExportOptions {
        failed_days: FailedDays::Unknown,
        ..ExportOptions::default()
    };
    let summary = export_to(dir.path(), &unknown);
    assert!(summary.tables[0].files.is_empty());
    assert_eq!(summary.tables[0].kept_days, ["2026-11-21", "2026-11-22"]);
    let fresh = tempfile::tempdir().unwrap();
    let summary = export_to(fresh.path(), &unknown);
    assert!(summary.files() > 0);
    assert_eq!(summary.tables[0].partial_days, ["2026-11-21", "2026-11-22"]);
}
