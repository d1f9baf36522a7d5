//! The Parquet reader of `--from-parquet`: arbitrary bytes as one file of `events/` (
//! `cnitrail_frames::read_events_parquet`, which is `ParquetReader::finish` then
//! `events_from_frame`) and of `ec2_calls/` (`ParquetReader::finish` then `calls_from_frame`,
//! as `src/cmd/from_parquet.rs` reads it). The file is parsed once and the frame given to both.
//!
//! Errors are the expected outcome for almost every input; a panic, an abort, a hang or a
//! runaway allocation is the bug. A frame that reads back as events must survive a round trip:
//! written by `events_frame` and read again, the same events.
#![no_main]

use cnitrail_frames::polars::prelude::{ParquetReader, SerReader};
use cnitrail_frames::{calls_from_frame, events_frame, events_from_frame};
use libfuzzer_sys::fuzz_target;
use std::io::Cursor;

const FILE: &str = "fuzz/part-0.parquet";

fuzz_target!(
    init: {
        // One polars thread: the fuzzer runs one input at a time, and the machine is shared.
        if std::env::var_os("POLARS_MAX_THREADS").is_none() {
            // SAFETY: init runs once, before any other thread of this process exists.
            unsafe { std::env::set_var("POLARS_MAX_THREADS", "1") };
        }
    },
    |data: &[u8]| {
        let Ok(df) = ParquetReader::new(Cursor::new(data)).finish() else {
            return;
        };
        if let Ok(events) = events_from_frame(&df, FILE) {
            let again = events_frame(&events).expect("events always make a frame");
            let back = events_from_frame(&again, FILE).expect("a frame of events reads back");
            assert_eq!(events, back, "events do not survive a round trip");
        }
        let _ = calls_from_frame(&df, FILE);
    }
);
