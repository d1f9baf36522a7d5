//! The decoder and the framer: arbitrary bytes → `decode::open` (gzip by magic bytes, BOM) →
//! `Framer` → `next_frame` to the end, as the scan reads every object.
//!
//! Input layout: `[limit selector] [chunk selector] payload…`. The first byte picks the item
//! limit (small ones reach the oversized-record paths), the second the largest read the
//! framer is given at a time (small ones reach every resume point of its state machine).
//!
//! Checks, besides "no panic, no hang":
//! - progress: every frame consumes input, so a stream of `n` decoded bytes yields at most
//!   `n + 1` frames (a frame that consumes nothing is how the framer loops forever);
//! - chunking: the frames (items and malformed ones) and the final outcome are the same whether
//!   the decoded stream arrives in one read or a few bytes at a time (when decompression fails
//!   midway, one outcome's frames are a prefix of the other's).
#![no_main]

use cnitrail_core::decode::frame::{DEFAULT_MAX_ITEM, Frame, FrameError, Framer, ItemKind};
use cnitrail_core::decode::{self, Counting};
use libfuzzer_sys::fuzz_target;
use std::io::{self, Read};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

const LIMITS: [usize; 4] = [64, 1024, 64 * 1024, DEFAULT_MAX_ITEM];
const CHUNKS: [usize; 8] = [1, 2, 3, 7, 64, 65, 4096, usize::MAX];
/// Decoded bytes read at most: a gzip bomb of a few KB must not take the time budget.
const MAX_DECODED: u64 = 8 << 20;

/// Hands out at most `chunk` bytes per read.
struct Trickle<R> {
    inner: R,
    chunk: usize,
}

impl<R: Read> Read for Trickle<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.chunk.min(buf.len());
        self.inner.read(&mut buf[..n])
    }
}

#[derive(Debug, PartialEq, Eq)]
enum Out {
    Item(ItemKind, Vec<u8>),
    Malformed(String),
}

#[derive(Debug, PartialEq, Eq)]
enum End {
    Clean,
    /// Reading (decompression) failed: the outcome depends on where reads stopped.
    Io,
    Error(String),
}

fn frame_all(payload: &[u8], limit: usize, chunk: usize) -> (Vec<Out>, End) {
    let raw = io::Cursor::new(payload.to_vec());
    let decoded = match decode::open(raw) {
        Ok(d) => d,
        Err(_) => return (Vec::new(), End::Io),
    };
    let (decoded, count): (_, Arc<AtomicU64>) = Counting::new(decoded.take(MAX_DECODED));
    let mut framer = Framer::with_limit(Trickle { inner: decoded, chunk }, limit);
    let mut out = Vec::new();
    let end = loop {
        let frame = match framer.next_frame() {
            Ok(Some(f)) => f,
            Ok(None) => break End::Clean,
            Err(FrameError::Io { .. }) => break End::Io,
            Err(e) => break End::Error(e.to_string()),
        };
        out.push(match frame {
            Frame::Item { kind, bytes } => {
                assert!(!bytes.is_empty(), "empty item");
                // The limit is soft (the framer keeps what fits its buffer, up to twice the
                // limit or the limit plus one read): the bound is on memory.
                let bound = limit.max(1024) * 2 + (256 << 10);
                assert!(bytes.len() <= bound, "item of {} bytes, limit {limit}", bytes.len());
                Out::Item(kind, bytes.to_vec())
            }
            Frame::Malformed { reason } => Out::Malformed(reason),
        });
        let decoded = count.load(Ordering::Relaxed);
        assert!(
            out.len() as u64 <= decoded + 1,
            "no progress: {} frames from {decoded} decoded bytes (limit {limit}, chunk {chunk}); last: {:?}",
            out.len(),
            out.last()
        );
    };
    (out, end)
}

fuzz_target!(|data: &[u8]| {
    let [l, c, payload @ ..] = data else { return };
    let limit = LIMITS[*l as usize % LIMITS.len()];
    let chunk = CHUNKS[*c as usize % CHUNKS.len()];
    let (whole, whole_end) = frame_all(payload, limit, usize::MAX);
    if chunk == usize::MAX {
        return;
    }
    let (bits, bits_end) = frame_all(payload, limit, chunk);
    if whole_end == End::Io || bits_end == End::Io {
        let n = whole.len().min(bits.len());
        assert_eq!(whole[..n], bits[..n], "chunk {chunk}: frames differ before a read error");
    } else {
        assert_eq!(whole, bits, "chunk {chunk}: frames differ from a whole read");
        assert_eq!(whole_end, bits_end, "chunk {chunk}: outcome differs from a whole read");
    }
});
