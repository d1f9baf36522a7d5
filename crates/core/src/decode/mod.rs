//! Bytes to records: gzip detected by its magic bytes (any number of members), a UTF-8 BOM
//! dropped, then [`frame::Framer`] cuts the JSON into records without building a DOM of the file.

mod blocks;
pub mod frame;
pub mod prefilter;

use flate2::bufread::MultiGzDecoder;
use std::io::{self, BufReader, Read};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// Input buffer size: large enough that the inflater runs in long strides.
const READ_BUF: usize = 256 * 1024;

/// Counts the bytes that pass through a reader, readable from another handle.
pub struct Counting<R> {
    inner: R,
    count: Arc<AtomicU64>,
}

impl<R: Read> Counting<R> {
    /// Wraps `inner`; the returned counter sees every byte read.
    pub fn new(inner: R) -> (Self, Arc<AtomicU64>) {
        let count = Arc::new(AtomicU64::new(0));
        (
            Counting {
                inner,
                count: count.clone(),
            },
            count,
        )
    }
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// The one way cnitrail opens a byte stream for parsing: gzip (every member, so concatenated
/// files read to the end) when it starts with `1f 8b`, plain text otherwise, and a leading UTF-8
/// BOM removed either way. The name of the file plays no part.
pub fn open<R: Read + Send + 'static>(mut raw: R) -> io::Result<Box<dyn Read + Send>> {
    let head = read_up_to::<2>(&mut raw)?;
    let gzip = head.starts_with(&[0x1f, 0x8b]);
    let buffered = BufReader::with_capacity(READ_BUF, io::Cursor::new(head).chain(raw));
    let decoded: Box<dyn Read + Send> = if gzip {
        Box::new(MultiGzDecoder::new(buffered))
    } else {
        Box::new(buffered)
    };
    Ok(Box::new(SkipBom::new(decoded)))
}

/// Reads up to `N` bytes, fewer only at the end of the stream (pipes deliver short reads).
fn read_up_to<const N: usize>(r: &mut impl Read) -> io::Result<Vec<u8>> {
    let mut head = [0u8; N];
    let mut got = 0;
    while got < N {
        match r.read(&mut head[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(head[..got].to_vec())
}

/// Drops a UTF-8 byte-order mark at the start of the decoded stream.
struct SkipBom<R> {
    inner: R,
    checked: bool,
    pending: Vec<u8>,
}

impl<R: Read> SkipBom<R> {
    fn new(inner: R) -> Self {
        SkipBom {
            inner,
            checked: false,
            pending: Vec::new(),
        }
    }
}

impl<R: Read> Read for SkipBom<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if !self.checked {
            self.checked = true;
            let head = read_up_to::<3>(&mut self.inner)?;
            if head != [0xEF, 0xBB, 0xBF] {
                self.pending = head;
            }
        }
        if !self.pending.is_empty() {
            let n = self.pending.len().min(buf.len());
            buf[..n].copy_from_slice(&self.pending[..n]);
            self.pending.drain(..n);
            return Ok(n);
        }
        self.inner.read(buf)
    }
}
