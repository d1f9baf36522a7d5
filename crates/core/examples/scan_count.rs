//! Scans paths with the core pipeline only and prints the counts: a quick way to measure the
//! decode/extract path without building polars or the AWS SDK.
//!
//! `cargo run --release -p cnitrail-core --example scan_count -- DIR [THREADS] [--calls]`
//!
//! `--calls` turns on [`ScanOptions::count_calls`] and prints the size of the call table.

use cnitrail_core::EniEvent;
use cnitrail_core::scan::{EventSink, Quiet, ScanOptions, SinkError, scan};
use cnitrail_core::source::local::{NameFilter, expand};
use std::path::PathBuf;
use std::time::Instant;

struct Count(u64);
impl EventSink for Count {
    fn event(&mut self, _: EniEvent) -> Result<(), SinkError> {
        self.0 += 1;
        Ok(())
    }
}

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let count_calls = args.iter().any(|a| a == "--calls");
    args.retain(|a| a != "--calls");
    let dir = PathBuf::from(args.first().map(String::as_str).unwrap_or("."));
    let mut opts = ScanOptions {
        count_calls,
        ..ScanOptions::default()
    };
    if let Some(t) = args.get(1).and_then(|t| t.parse().ok()) {
        opts.threads = t;
    }
    let started = Instant::now();
    let objects = expand(&[dir], &NameFilter::default());
    let mut sink = Count(0);
    let s = scan(objects, &opts, &mut sink, &mut Quiet).expect("scan");
    let secs = started.elapsed().as_secs_f64();
    println!(
        "{} files, {} records, {} kept, {} events in {:.3} s: {:.0} MB/s decoded, {:.0} records/s",
        s.files_read,
        s.records_read,
        s.records_kept,
        sink.0,
        secs,
        s.bytes_decoded as f64 / secs / 1e6,
        s.records_read as f64 / secs
    );
    if count_calls {
        let t = s.calls.totals();
        println!(
            "EC2 calls counted: {} ({} throttled, {} failed) in {} cells",
            t.calls,
            t.throttled,
            t.failed,
            s.calls.len()
        );
    }
}
