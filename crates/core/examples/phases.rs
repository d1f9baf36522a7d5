//! Times each stage of the decode path on one thread: inflate, + framing, + prefilter,
//! + extraction of the candidates.
//!
//! `cargo run --release -p cnitrail-core --example phases -- DIR`

use cnitrail_core::decode::frame::{Frame, Framer};
use cnitrail_core::decode::{open, prefilter};
use cnitrail_core::extract::{Extracted, Origin, extract_item};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).expect("dir") {
        let p = e.expect("entry").path();
        if p.is_dir() {
            files(&p, out)
        } else if p.to_string_lossy().contains("/CloudTrail/") {
            out.push(p)
        }
    }
}

fn main() {
    let dir = PathBuf::from(std::env::args().nth(1).expect("DIR"));
    let mut paths = Vec::new();
    files(&dir, &mut paths);
    let blobs: Vec<Vec<u8>> = paths
        .iter()
        .map(|p| std::fs::read(p).expect("read"))
        .collect();
    let origin = Origin {
        file: Arc::from("bench"),
        index: 0,
    };
    for phase in ["inflate", "frame", "prefilter", "extract"] {
        let t = Instant::now();
        let (mut bytes, mut items, mut hits) = (0u64, 0u64, 0u64);
        for blob in &blobs {
            let mut r = open(std::io::Cursor::new(blob.clone())).expect("open");
            if phase == "inflate" {
                let mut buf = vec![0u8; 256 * 1024];
                loop {
                    let n = r.read(&mut buf).expect("read");
                    if n == 0 {
                        break;
                    }
                    bytes += n as u64;
                }
                continue;
            }
            let mut f = Framer::new(r);
            while let Some(fr) = f.next_frame().expect("frame") {
                if let Frame::Item { bytes: b, kind } = fr {
                    items += 1;
                    bytes += b.len() as u64;
                    if phase == "prefilter" && prefilter::may_be_relevant(b) {
                        hits += 1;
                    }
                    if phase == "extract"
                        && matches!(extract_item(kind, b, &origin), Extracted::Kept(_))
                    {
                        hits += 1;
                    }
                }
            }
        }
        let s = t.elapsed().as_secs_f64();
        println!(
            "{phase:10} {s:.3} s  {:.0} MB/s  items {items} hits {hits}",
            bytes as f64 / s / 1e6
        );
    }
}
