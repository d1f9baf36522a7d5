//! Progress on stderr, only when stderr is a terminal; failed files are named as they happen.

use crate::terminal::say_line;
use cnitrail_core::scan::Observer;
use cnitrail_core::stats::{FileReport, FileStatus};
use indicatif::{HumanBytes, ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::time::Instant;

/// Reports each merged file: a bar for people, an error line for failed files.
pub struct Progress {
    bar: Option<ProgressBar>,
    files: u64,
    bytes: u64,
    records: u64,
    started: Instant,
}

impl Progress {
    /// A bar when stderr is a terminal and `quiet` is off; otherwise only error lines.
    pub fn new(quiet: bool) -> Progress {
        let bar = (!quiet && std::io::stderr().is_terminal()).then(|| {
            let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
            bar.set_style(
                ProgressStyle::with_template("{spinner} {elapsed_precise} {msg}")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            bar.enable_steady_tick(std::time::Duration::from_millis(200));
            bar
        });
        Progress {
            bar,
            files: 0,
            bytes: 0,
            records: 0,
            started: Instant::now(),
        }
    }

    /// Removes the bar before the summary is printed.
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }

    fn say(&self, line: String) {
        match &self.bar {
            Some(bar) => bar.suspend(|| say_line(&line)),
            None => say_line(&line),
        }
    }
}

impl Observer for Progress {
    fn file_done(&mut self, report: &FileReport) {
        self.files += 1;
        self.bytes += report.counts.bytes_read;
        self.records += report.counts.records_read;
        if report.status == FileStatus::Failed {
            self.say(format!(
                "cnitrail: {}: {}",
                report.file,
                report.reason.as_deref().unwrap_or("failed")
            ));
        }
        if let Some(bar) = &self.bar {
            let secs = self.started.elapsed().as_secs_f64().max(0.001);
            bar.set_message(format!(
                "{} files, {} read, {} records ({:.0}/s)",
                self.files,
                HumanBytes(self.bytes),
                self.records,
                self.records as f64 / secs
            ));
        }
    }
}
