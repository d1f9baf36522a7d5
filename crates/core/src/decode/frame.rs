//! A streaming JSON framer: cuts a decoded byte stream into records without parsing them.
//!
//! It understands just enough JSON to find where each value begins and ends (strings,
//! escapes, nesting), reads the stream in bounded chunks, and hands out one item at a time as
//! a borrowed slice. Only the items a prefilter selects are ever parsed in full.
//!
//! The shapes it recognises, all in one pass and without looking at file names:
//! - `{"Records":[ record, … ]}` (trail files): each element is a [`ItemKind::Record`];
//! - `{"Events":[ {…"CloudTrailEvent":"…"}, … ]}` (`aws cloudtrail lookup-events`): each
//!   element is a [`ItemKind::LookupEvent`];
//! - any other top-level object, alone, concatenated, one per line, or inside a top-level array
//!   (bare records, EventBridge envelopes, CloudWatch Logs Insights rows): a
//!   [`ItemKind::TopLevel`] item that the extractor unwraps.
//!
//! Memory: the buffer holds the current item plus one read chunk; items larger than the limit
//! inside a container are skipped without being held (and reported as malformed).

use super::blocks;
use memchr::memchr2;
use std::io::{self, Read};

/// How an item was found, which tells the extractor how to unwrap it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemKind {
    /// An element of a `Records` array: a CloudTrail record.
    Record,
    /// An element of an `Events` array: a LookupEvents entry whose `CloudTrailEvent` is a JSON
    /// string holding the record.
    LookupEvent,
    /// A top-level object: a bare record or an envelope around one.
    TopLevel,
}

/// One framed step of the stream.
#[derive(Debug)]
pub enum Frame<'a> {
    /// A complete item.
    Item {
        /// How it was found.
        kind: ItemKind,
        /// Its bytes, exactly as in the stream.
        bytes: &'a [u8],
    },
    /// Something in the place of an item that cannot be one; it counts as a malformed record.
    Malformed {
        /// What was there.
        reason: String,
    },
}

/// Why the stream could not be framed to its end.
#[derive(Debug, thiserror::Error)]
pub enum FrameError {
    /// Reading or decompressing failed (truncated gzip, network error).
    #[error("read error at decoded byte {offset}: {source}")]
    Io {
        /// Decoded bytes consumed before the error.
        offset: u64,
        /// The underlying error.
        #[source]
        source: io::Error,
    },
    /// The file does not start like JSON.
    #[error("not JSON: unexpected {found} at byte {offset}")]
    NotJson {
        /// Where.
        offset: u64,
        /// What was there.
        found: String,
    },
    /// A `Records` or `Events` key whose value is not an array.
    #[error("\"{key}\" is not an array (found {found}) at byte {offset}")]
    NotAnArray {
        /// `Records` or `Events`.
        key: &'static str,
        /// What it was.
        found: String,
        /// Where.
        offset: u64,
    },
    /// The stream ended inside a value.
    #[error("unexpected end of input inside {inside} starting at byte {offset}")]
    Truncated {
        /// What was open.
        inside: &'static str,
        /// Where it started.
        offset: u64,
    },
    /// The framer stopped advancing: a bug, reported rather than looped on.
    #[error("internal error: no progress at byte {offset} (please report)")]
    Stuck {
        /// Where.
        offset: u64,
    },
    /// A top-level object larger than the limit.
    #[error("top-level JSON value larger than {limit} bytes at byte {offset}")]
    TooLarge {
        /// The limit.
        limit: usize,
        /// Where it started.
        offset: u64,
    },
}

/// The largest item held in memory by default. CloudTrail records are at most 256 KB.
pub const DEFAULT_MAX_ITEM: usize = 16 * 1024 * 1024;
const CHUNK: usize = 256 * 1024;

/// Resumable state for skipping over one JSON value (also used by the call counts' light
/// reader, [`crate::calls`], to step over values it does not read).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Skip {
    depth: u32,
    in_str: bool,
    esc: bool,
    scalar: bool,
}

impl Skip {
    /// State for a value whose first byte is `c` (already consumed unless scalar).
    pub(crate) fn starting_with(c: u8) -> Skip {
        match c {
            b'{' | b'[' => Skip {
                depth: 1,
                ..Skip::default()
            },
            b'"' => Skip {
                in_str: true,
                ..Skip::default()
            },
            _ => Skip {
                scalar: true,
                ..Skip::default()
            },
        }
    }

    /// Advances from `i`; `Ok(end)` (exclusive) when the value is complete, `Err(())` when
    /// the buffer ran out first (the state is kept, so scanning resumes at `buf.len()`).
    #[inline]
    pub(crate) fn run(&mut self, buf: &[u8], mut i: usize) -> Result<usize, ()> {
        let n = buf.len();
        if self.depth > 0 {
            match self.run_blocks(buf, i) {
                Ok(end) => return Ok(end),
                Err(next) => i = next,
            }
        }
        if self.scalar {
            while i < n {
                match buf[i] {
                    b',' | b'}' | b']' | b' ' | b'\n' | b'\r' | b'\t' => return Ok(i),
                    _ => i += 1,
                }
            }
            return Err(());
        }
        loop {
            if self.in_str {
                if self.esc {
                    if i >= n {
                        return Err(());
                    }
                    self.esc = false;
                    i += 1;
                }
                match memchr2(b'"', b'\\', &buf[i.min(n)..]) {
                    None => return Err(()),
                    Some(k) => {
                        let j = i + k;
                        if buf[j] == b'\\' {
                            self.esc = true;
                            i = j + 1;
                            continue;
                        }
                        self.in_str = false;
                        i = j + 1;
                        if self.depth == 0 {
                            return Ok(i);
                        }
                    }
                }
            }
            while i < n {
                let c = buf[i];
                i += 1;
                match c {
                    b'"' => {
                        self.in_str = true;
                        break;
                    }
                    b'{' | b'[' => self.depth += 1,
                    b'}' | b']' => {
                        self.depth = self.depth.saturating_sub(1);
                        if self.depth == 0 {
                            return Ok(i);
                        }
                    }
                    _ => {}
                }
            }
            if !self.in_str {
                return Err(());
            }
        }
    }
}

impl Skip {
    /// Scans whole 64-byte blocks of an object or array (depth ≥ 1); `Ok(end)` when the value
    /// closes inside them, else `Err(next)`: the first byte not yet scanned (the state is kept,
    /// and the byte-wise loop takes the tail).
    #[inline]
    fn run_blocks(&mut self, buf: &[u8], mut i: usize) -> Result<usize, usize> {
        while let Some(block) = buf.get(i..i + 64) {
            let block: &[u8; 64] = block.try_into().map_err(|_| i)?;
            let m = blocks::classify(block);
            let mut carry = self.esc as u64;
            let escaped = blocks::escaped(m.backslash, &mut carry);
            let inside = blocks::prefix_xor(m.quote & !escaped) ^ if self.in_str { !0 } else { 0 };
            let open = m.open & !inside;
            let close = m.close & !inside;
            if self.depth > close.count_ones() {
                self.depth = self.depth + open.count_ones() - close.count_ones();
            } else {
                let mut brackets = open | close;
                while brackets != 0 {
                    let k = brackets.trailing_zeros();
                    if open >> k & 1 == 1 {
                        self.depth += 1;
                    } else {
                        self.depth -= 1;
                        if self.depth == 0 {
                            self.in_str = false;
                            self.esc = false;
                            return Ok(i + k as usize + 1);
                        }
                    }
                    brackets &= brackets - 1;
                }
            }
            self.in_str = inside >> 63 == 1;
            self.esc = carry != 0;
            i += 64;
        }
        Err(i)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Key {
    Records,
    Events,
    Other,
}

#[derive(Debug, Clone, Copy)]
enum St {
    /// Between top-level values.
    Between,
    /// Skipping a garbage line in a JSON-lines stream.
    Resync,
    /// In a top-level object, before a key or `}`.
    ObjKey { obj: u64, container: bool },
    /// Inside a key string.
    ObjKeyStr {
        obj: u64,
        container: bool,
        key: u64,
        esc: bool,
    },
    /// After a key, before `:`.
    ObjColon { obj: u64, container: bool, key: Key },
    /// After `:`, before the value.
    ObjValue { obj: u64, container: bool, key: Key },
    /// Skipping a value at depth 1.
    ObjSkip { obj: u64, container: bool, sc: Skip },
    /// After a value at depth 1, before `,` or `}`.
    ObjAfter { obj: u64, container: bool },
    /// Inside a container array, before an element, `,` or `]`.
    Arr { kind: ItemKind },
    /// Scanning an object element.
    Elem {
        kind: ItemKind,
        start: u64,
        sc: Skip,
    },
    /// Scanning an element that is not an object.
    BadElem {
        kind: ItemKind,
        start: u64,
        sc: Skip,
    },
    /// Skipping an element too large to hold.
    Oversized { kind: ItemKind, sc: Skip },
    /// Skipping a top-level value too large to hold (a JSON line, an envelope).
    OversizedTop { sc: Skip },
}

/// The framer. Call [`Framer::next_frame`] until it returns `Ok(None)`.
pub struct Framer<R> {
    reader: R,
    buf: Vec<u8>,
    end: usize,
    base: u64,
    pos: usize,
    eof: bool,
    st: St,
    produced: u64,
    max_item: usize,
    /// `Records`/`Events` arrays closed and top-level arrays opened: a document with none of
    /// these and no item holds nothing at all, where `{"Records":[]}` is a valid empty file.
    containers: u64,
    /// Whether anything but whitespace was seen.
    content: bool,
    /// Where the last malformed frame was cut: a second one at the same offset would mean
    /// the framer is not advancing, which must end in an error, never in a loop.
    last_malformed: Option<u64>,
}

fn describe(c: u8) -> String {
    match c {
        b'"' => "a string".into(),
        b'[' => "an array".into(),
        b'{' => "an object".into(),
        b'n' => "null".into(),
        b't' | b'f' => "a boolean".into(),
        b'-' | b'0'..=b'9' => "a number".into(),
        c if c.is_ascii_graphic() => format!("'{}'", c as char),
        c => format!("byte 0x{c:02x}"),
    }
}

fn is_ws(c: u8) -> bool {
    matches!(c, b' ' | b'\n' | b'\r' | b'\t')
}

impl<R: Read> Framer<R> {
    /// A framer over a decoded stream, with the default item limit.
    pub fn new(reader: R) -> Self {
        Self::with_limit(reader, DEFAULT_MAX_ITEM)
    }

    /// A framer that refuses to hold items larger than `max_item` bytes.
    pub fn with_limit(reader: R, max_item: usize) -> Self {
        Framer {
            reader,
            buf: vec![0; CHUNK.min(max_item.max(1024) * 2)],
            end: 0,
            base: 0,
            pos: 0,
            eof: false,
            st: St::Between,
            produced: 0,
            max_item,
            containers: 0,
            content: false,
            last_malformed: None,
        }
    }

    /// How many containers (`Records`/`Events` arrays, top-level arrays) the stream held so
    /// far, whether or not they had items.
    pub fn containers(&self) -> u64 {
        self.containers
    }

    /// Whether the stream held anything but JSON whitespace so far.
    pub fn saw_content(&self) -> bool {
        self.content
    }

    /// Decoded bytes consumed so far.
    pub fn offset(&self) -> u64 {
        self.base + self.pos as u64
    }

    fn abs(&self, i: usize) -> u64 {
        self.base + i as u64
    }

    fn idx(&self, abs: u64) -> usize {
        (abs - self.base) as usize
    }

    /// The first byte that must stay in the buffer.
    fn keep_from(&self) -> usize {
        let held = match self.st {
            St::ObjKey {
                obj,
                container: false,
            }
            | St::ObjColon {
                obj,
                container: false,
                ..
            }
            | St::ObjValue {
                obj,
                container: false,
                ..
            }
            | St::ObjSkip {
                obj,
                container: false,
                ..
            }
            | St::ObjAfter {
                obj,
                container: false,
            } => Some(obj),
            St::ObjKeyStr {
                obj,
                container,
                key,
                ..
            } => Some(if container { key } else { obj }),
            St::Elem { start, .. } | St::BadElem { start, .. } => Some(start),
            _ => None,
        };
        held.map_or(self.pos, |a| self.idx(a))
    }

    /// Reads more input; `Ok(false)` at the end of the stream.
    fn refill(&mut self) -> Result<bool, FrameError> {
        if self.eof {
            return Ok(false);
        }
        let keep = self.keep_from();
        if keep > 0 {
            self.buf.copy_within(keep..self.end, 0);
            self.end -= keep;
            self.pos -= keep;
            self.base += keep as u64;
        }
        if self.end == self.buf.len() {
            if let St::Elem { kind, sc, .. } | St::BadElem { kind, sc, .. } = self.st {
                if self.end >= self.max_item {
                    // Too big to hold: keep scanning it without keeping its bytes.
                    self.st = St::Oversized { kind, sc };
                    return self.refill();
                }
            } else if self.end >= self.max_item {
                // A top-level value, skipped the same way: one malformed item, and the
                // stream goes on (JSON lines after it are read).
                if let Some(sc) = self.top_level_skip() {
                    self.st = St::OversizedTop { sc };
                    return self.refill();
                }
                let offset = self.abs(self.keep_from());
                return Err(FrameError::TooLarge {
                    limit: self.max_item,
                    offset,
                });
            }
            let grown = (self.buf.len() * 2).min(self.max_item + CHUNK);
            self.buf.resize(grown, 0);
        }
        loop {
            match self.reader.read(&mut self.buf[self.end..]) {
                Ok(0) => {
                    self.eof = true;
                    return Ok(false);
                }
                Ok(n) => {
                    self.end += n;
                    return Ok(true);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(source) => {
                    return Err(FrameError::Io {
                        offset: self.abs(self.end),
                        source,
                    });
                }
            }
        }
    }

    /// How to skip the rest of the held top-level object from the current state, if one is
    /// held (a `Records` wrapper is not: it holds nothing but its key).
    fn top_level_skip(&self) -> Option<Skip> {
        let at_depth_one = Skip {
            depth: 1,
            ..Skip::default()
        };
        match self.st {
            St::ObjKey {
                container: false, ..
            }
            | St::ObjColon {
                container: false, ..
            }
            | St::ObjValue {
                container: false, ..
            }
            | St::ObjAfter {
                container: false, ..
            } => Some(at_depth_one),
            St::ObjKeyStr {
                container: false,
                esc,
                ..
            } => Some(Skip {
                in_str: true,
                esc,
                ..at_depth_one
            }),
            // Inside the object's value `sc`: one level deeper than it. A scalar ends at a
            // byte that the object-level skip reads the same way.
            St::ObjSkip {
                container: false,
                sc,
                ..
            } if !sc.scalar => Some(Skip {
                depth: sc.depth + 1,
                ..sc
            }),
            St::ObjSkip {
                container: false, ..
            } => Some(at_depth_one),
            _ => None,
        }
    }

    fn truncated(&self) -> FrameError {
        let (inside, offset) = match self.st {
            St::Elem { start, .. } | St::BadElem { start, .. } => ("a record", start),
            St::Oversized { .. } | St::Arr { .. } => ("the Records array", self.offset()),
            St::OversizedTop { .. } => ("a top-level object", self.offset()),
            St::ObjKey { obj, .. }
            | St::ObjKeyStr { obj, .. }
            | St::ObjColon { obj, .. }
            | St::ObjValue { obj, .. }
            | St::ObjSkip { obj, .. }
            | St::ObjAfter { obj, .. } => ("a top-level object", obj),
            St::Between | St::Resync => ("the stream", self.offset()),
        };
        FrameError::Truncated { inside, offset }
    }

    /// The next item, `Ok(None)` at a clean end of input.
    pub fn next_frame(&mut self) -> Result<Option<Frame<'_>>, FrameError> {
        loop {
            if self.pos >= self.end {
                if !self.refill()? {
                    return match self.st {
                        St::Between | St::Resync => Ok(None),
                        _ => Err(self.truncated()),
                    };
                }
                continue;
            }
            match self.step()? {
                Some(Step::Item(kind, s, e)) => {
                    self.produced += 1;
                    return Ok(Some(Frame::Item {
                        kind,
                        bytes: &self.buf[s..e],
                    }));
                }
                Some(Step::Malformed(reason)) => {
                    let at = self.offset();
                    if self.last_malformed == Some(at) {
                        return Err(FrameError::Stuck { offset: at });
                    }
                    self.last_malformed = Some(at);
                    self.produced += 1;
                    return Ok(Some(Frame::Malformed { reason }));
                }
                None => {}
            }
        }
    }

    /// Advances through buffered bytes; returns when an item completes or the buffer runs out.
    fn step(&mut self) -> Result<Option<Step>, FrameError> {
        while self.pos < self.end {
            let c = self.buf[self.pos];
            match self.st {
                St::Between => {
                    if is_ws(c) {
                        self.pos += 1;
                        continue;
                    }
                    self.content = true;
                    if c == b',' || c == b'[' || c == b']' {
                        self.containers += u64::from(c == b'[');
                        self.pos += 1;
                    } else if c == b'{' {
                        self.st = St::ObjKey {
                            obj: self.abs(self.pos),
                            container: false,
                        };
                        self.pos += 1;
                    } else if self.produced == 0 {
                        return Err(FrameError::NotJson {
                            offset: self.offset(),
                            found: describe(c),
                        });
                    } else {
                        self.st = St::Resync;
                        return Ok(Some(Step::Malformed(format!(
                            "not a JSON object: starts with {}",
                            describe(c)
                        ))));
                    }
                }
                St::Resync => match memchr::memchr(b'\n', &self.buf[self.pos..self.end]) {
                    Some(k) => {
                        self.pos += k + 1;
                        self.st = St::Between;
                    }
                    None => self.pos = self.end,
                },
                St::ObjKey { obj, container } => {
                    self.pos += 1;
                    match c {
                        b'"' => {
                            self.st = St::ObjKeyStr {
                                obj,
                                container,
                                key: self.abs(self.pos),
                                esc: false,
                            }
                        }
                        b'}' => return Ok(self.close_object(obj, container)),
                        b',' => {}
                        c if is_ws(c) => {}
                        c => return Ok(Some(self.bad_object(obj, container, c))),
                    }
                }
                St::ObjKeyStr {
                    obj,
                    container,
                    key,
                    mut esc,
                } => {
                    let from = self.pos;
                    let mut i = from;
                    let mut done = None;
                    while i < self.end {
                        let b = self.buf[i];
                        i += 1;
                        if esc {
                            esc = false;
                        } else if b == b'\\' {
                            esc = true;
                        } else if b == b'"' {
                            done = Some(i - 1);
                            break;
                        }
                    }
                    self.pos = i;
                    match done {
                        None => {
                            self.st = St::ObjKeyStr {
                                obj,
                                container,
                                key,
                                esc,
                            }
                        }
                        Some(close) => {
                            let k = &self.buf[self.idx(key)..close];
                            let key = match k {
                                b"Records" => Key::Records,
                                b"Events" => Key::Events,
                                _ => Key::Other,
                            };
                            self.st = St::ObjColon {
                                obj,
                                container,
                                key,
                            };
                        }
                    }
                }
                St::ObjColon {
                    obj,
                    container,
                    key,
                } => {
                    self.pos += 1;
                    if c == b':' {
                        self.st = St::ObjValue {
                            obj,
                            container,
                            key,
                        };
                    } else if !is_ws(c) {
                        return Ok(Some(self.bad_object(obj, container, c)));
                    }
                }
                St::ObjValue {
                    obj,
                    container,
                    key,
                } => {
                    if is_ws(c) {
                        self.pos += 1;
                        continue;
                    }
                    if key != Key::Other {
                        let name = if key == Key::Records {
                            "Records"
                        } else {
                            "Events"
                        };
                        if c != b'[' {
                            return Err(FrameError::NotAnArray {
                                key: name,
                                found: describe(c),
                                offset: self.offset(),
                            });
                        }
                        self.pos += 1;
                        self.st = St::Arr {
                            kind: if key == Key::Records {
                                ItemKind::Record
                            } else {
                                ItemKind::LookupEvent
                            },
                        };
                        continue;
                    }
                    let sc = Skip::starting_with(c);
                    if !sc.scalar {
                        self.pos += 1;
                    }
                    self.st = St::ObjSkip { obj, container, sc };
                }
                St::ObjSkip {
                    obj,
                    container,
                    mut sc,
                } => match sc.run(&self.buf[..self.end], self.pos) {
                    Ok(e) => {
                        self.pos = e;
                        self.st = St::ObjAfter { obj, container };
                    }
                    Err(()) => {
                        self.pos = self.end;
                        self.st = St::ObjSkip { obj, container, sc };
                    }
                },
                St::ObjAfter { obj, container } => {
                    self.pos += 1;
                    match c {
                        b',' => self.st = St::ObjKey { obj, container },
                        b'}' => return Ok(self.close_object(obj, container)),
                        c if is_ws(c) => {}
                        c => return Ok(Some(self.bad_object(obj, container, c))),
                    }
                }
                St::Arr { kind } => {
                    if is_ws(c) || c == b',' {
                        self.pos += 1;
                    } else if c == b']' {
                        self.pos += 1;
                        self.containers += 1;
                        self.st = St::ObjAfter {
                            obj: 0,
                            container: true,
                        };
                    } else if c == b'}' {
                        // `{"Records":[ … }`: the array was never closed. One malformed item
                        // for the stray brace, which is consumed so that the framer advances.
                        self.pos += 1;
                        return Ok(Some(Step::Malformed(format!(
                            "unexpected '}}' in the {} array",
                            if kind == ItemKind::LookupEvent {
                                "Events"
                            } else {
                                "Records"
                            }
                        ))));
                    } else {
                        let start = self.abs(self.pos);
                        let sc = Skip::starting_with(c);
                        if !sc.scalar {
                            self.pos += 1;
                        }
                        self.st = if c == b'{' {
                            St::Elem { kind, start, sc }
                        } else {
                            St::BadElem { kind, start, sc }
                        };
                    }
                }
                St::Elem {
                    kind,
                    start,
                    mut sc,
                } => match sc.run(&self.buf[..self.end], self.pos) {
                    Ok(e) => {
                        self.pos = e;
                        self.st = St::Arr { kind };
                        return Ok(Some(Step::Item(kind, self.idx(start), e)));
                    }
                    Err(()) => {
                        self.pos = self.end;
                        self.st = St::Elem { kind, start, sc };
                    }
                },
                St::BadElem {
                    kind,
                    start,
                    mut sc,
                } => match sc.run(&self.buf[..self.end], self.pos) {
                    Ok(e) => {
                        self.pos = e;
                        self.st = St::Arr { kind };
                        let s = self.idx(start);
                        let what = describe(self.buf[s]);
                        return Ok(Some(Step::Malformed(format!(
                            "array element is {what}, not a record object"
                        ))));
                    }
                    Err(()) => {
                        self.pos = self.end;
                        self.st = St::BadElem { kind, start, sc };
                    }
                },
                St::OversizedTop { mut sc } => match sc.run(&self.buf[..self.end], self.pos) {
                    Ok(e) => {
                        self.pos = e;
                        self.st = St::Between;
                        return Ok(Some(Step::Malformed(format!(
                            "top-level JSON value larger than {} bytes, skipped",
                            self.max_item
                        ))));
                    }
                    Err(()) => {
                        self.pos = self.end;
                        self.st = St::OversizedTop { sc };
                    }
                },
                St::Oversized { kind, mut sc } => match sc.run(&self.buf[..self.end], self.pos) {
                    Ok(e) => {
                        self.pos = e;
                        self.st = St::Arr { kind };
                        return Ok(Some(Step::Malformed(format!(
                            "record larger than {} bytes, skipped",
                            self.max_item
                        ))));
                    }
                    Err(()) => {
                        self.pos = self.end;
                        self.st = St::Oversized { kind, sc };
                    }
                },
            }
        }
        Ok(None)
    }

    fn close_object(&mut self, obj: u64, container: bool) -> Option<Step> {
        self.st = St::Between;
        if container {
            None
        } else {
            Some(Step::Item(ItemKind::TopLevel, self.idx(obj), self.pos))
        }
    }

    /// A top-level object with a syntax error: one malformed item, then resync at the next line.
    fn bad_object(&mut self, _obj: u64, container: bool, c: u8) -> Step {
        self.st = St::Resync;
        let where_ = if container {
            "the Records wrapper"
        } else {
            "a top-level object"
        };
        Step::Malformed(format!(
            "invalid JSON in {where_}: unexpected {}",
            describe(c)
        ))
    }
}

enum Step {
    Item(ItemKind, usize, usize),
    Malformed(String),
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Frames `input` through reads of at most `chunk` bytes, to exercise every resume point.
    struct Trickle<'a> {
        data: &'a [u8],
        chunk: usize,
    }
    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = self.chunk.min(buf.len()).min(self.data.len());
            buf[..n].copy_from_slice(&self.data[..n]);
            self.data = &self.data[n..];
            Ok(n)
        }
    }

    #[derive(Debug, PartialEq)]
    enum Out {
        I(ItemKind, String),
        M,
    }

    fn frame_all(input: &str, chunk: usize, limit: usize) -> Result<Vec<Out>, String> {
        let mut f = Framer::with_limit(
            Trickle {
                data: input.as_bytes(),
                chunk,
            },
            limit,
        );
        let mut out = Vec::new();
        loop {
            match f.next_frame() {
                Ok(None) => return Ok(out),
                Ok(Some(Frame::Item { kind, bytes })) => {
                    out.push(Out::I(kind, String::from_utf8(bytes.to_vec()).unwrap()))
                }
                Ok(Some(Frame::Malformed { .. })) => out.push(Out::M),
                Err(e) => return Err(e.to_string()),
            }
        }
    }

    /// Every chunk size gives the same frames as reading in one go.
    fn check(input: &str) -> Result<Vec<Out>, String> {
        let whole = frame_all(input, usize::MAX, DEFAULT_MAX_ITEM);
        for chunk in [1, 2, 3, 7, 64] {
            assert_eq!(
                frame_all(input, chunk, DEFAULT_MAX_ITEM),
                whole,
                "chunk {chunk}"
            );
        }
        whole
    }

    fn rec(s: &str) -> Out {
        Out::I(ItemKind::Record, s.to_string())
    }
    fn top(s: &str) -> Out {
        Out::I(ItemKind::TopLevel, s.to_string())
    }

    #[test]
    fn trail_file_records() {
        let input = r#"{"Records":[{"a":"x\"}{]","b":[1,{"c":2}]} , {"eventName":"Z"}]}"#;
        assert_eq!(
            check(input).unwrap(),
            vec![
                rec(r#"{"a":"x\"}{]","b":[1,{"c":2}]}"#),
                rec(r#"{"eventName":"Z"}"#)
            ]
        );
    }

    #[test]
    fn records_key_after_other_keys_and_escaped_backslash() {
        let input =
            "{\"x\":{\"Records\":1},\"s\":\"a\\\\\",\"Records\":[{\"k\":\"v\\\\\"}],\"n\":null}";
        assert_eq!(check(input).unwrap(), vec![rec("{\"k\":\"v\\\\\"}")]);
    }

    #[test]
    fn lookup_events_are_their_own_kind() {
        let input = r#"{"Events":[{"EventId":"1","CloudTrailEvent":"{\"a\":1}"}],"NextToken":"t"}"#;
        assert_eq!(
            check(input).unwrap(),
            vec![Out::I(
                ItemKind::LookupEvent,
                r#"{"EventId":"1","CloudTrailEvent":"{\"a\":1}"}"#.into()
            )]
        );
    }

    #[test]
    fn json_lines_arrays_and_concatenation() {
        let input = "{\"a\":1}\n{\"b\":\"}\"}\r\n[{\"c\":3},{\"d\":4}]{\"e\":5}";
        assert_eq!(
            check(input).unwrap(),
            vec![
                top(r#"{"a":1}"#),
                top(r#"{"b":"}"}"#),
                top(r#"{"c":3}"#),
                top(r#"{"d":4}"#),
                top(r#"{"e":5}"#)
            ]
        );
    }

    #[test]
    fn empty_records_and_empty_input() {
        assert_eq!(check(r#"{"Records":[]}"#).unwrap(), vec![]);
        assert_eq!(check("").unwrap(), vec![]);
        assert_eq!(check(" \n ").unwrap(), vec![]);
    }

    #[test]
    fn non_object_elements_are_malformed_not_fatal() {
        let input = r#"{"Records":[1,"s",{"a":1},[2],null,{"b":2}]}"#;
        assert_eq!(
            check(input).unwrap(),
            vec![
                Out::M,
                Out::M,
                rec(r#"{"a":1}"#),
                Out::M,
                Out::M,
                rec(r#"{"b":2}"#)
            ]
        );
    }

    #[test]
    fn garbage_line_after_records_resyncs() {
        let input = "{\"a\":1}\nnot json at all\n{\"b\":2}\n";
        assert_eq!(
            check(input).unwrap(),
            vec![top(r#"{"a":1}"#), Out::M, top(r#"{"b":2}"#)]
        );
    }

    #[test]
    fn fatal_shapes_name_the_problem() {
        assert!(check("hello").unwrap_err().contains("not JSON"));
        let e = check(r#"{"Records":{"a":1}}"#).unwrap_err();
        assert!(
            e.contains("\"Records\" is not an array (found an object)"),
            "{e}"
        );
        let e = check(r#"{"Records":[{"a":1},{"b":"#).unwrap_err();
        assert!(e.contains("unexpected end of input inside a record"), "{e}");
        let e = check(r#"{"eventName":"x""#).unwrap_err();
        assert!(e.contains("top-level object"), "{e}");
    }

    /// Inputs that once made the framer hand out malformed frames forever without advancing
    /// (issue 15): each ends, in a few frames, with a named malformed item or a named error.
    #[test]
    fn stray_closers_in_a_container_end() {
        for input in [
            r#"{"Records":[}"#,
            r#"{"Records":[{}}"#,
            r#"{"Records":[1,}"#,
            r#"{"Records":[{"x":1]}"#,
            r#"{"Events":[}"#,
            r#"{"Records":[}}}}}}}}]}"#,
        ] {
            for chunk in [1, 2, 3, 7, 64, usize::MAX] {
                let mut f = Framer::new(Trickle {
                    data: input.as_bytes(),
                    chunk,
                });
                let mut frames = 0;
                let end = loop {
                    match f.next_frame() {
                        Ok(None) => break Ok(()),
                        Ok(Some(_)) => frames += 1,
                        Err(e) => break Err(e.to_string()),
                    }
                    assert!(frames <= input.len(), "{input}: more frames than bytes");
                };
                if let Err(e) = end {
                    assert!(e.contains("unexpected end of input"), "{input}: {e}");
                }
            }
        }
        // The records around a stray brace are still framed.
        assert_eq!(
            check(r#"{"Records":[{"a":1}},{"b":2}]}"#).unwrap(),
            vec![rec(r#"{"a":1}"#), Out::M, rec(r#"{"b":2}"#)]
        );
    }

    #[test]
    fn containers_and_content_tell_empty_documents_apart() {
        for (input, containers, content) in [
            (r#"{"Records":[]}"#, 1, true),
            (r#"{"Events":[]}"#, 1, true),
            ("[]", 1, true),
            (" \n\t ", 0, false),
            ("", 0, false),
            (",", 0, true),
        ] {
            let mut f = Framer::new(input.as_bytes());
            while let Ok(Some(_)) = f.next_frame() {}
            assert_eq!(f.containers(), containers, "{input:?}");
            assert_eq!(f.saw_content(), content, "{input:?}");
        }
    }

    /// Random JSON values with nesting, escapes and brackets inside strings.
    fn random_value(state: &mut u64, depth: u32, out: &mut String) {
        let mut next = || {
            *state ^= *state << 13;
            *state ^= *state >> 7;
            *state ^= *state << 17;
            *state
        };
        match if depth > 4 { 2 } else { next() % 4 } {
            0 => {
                out.push('{');
                for k in 0..next() % 5 {
                    if k > 0 {
                        out.push(',');
                    }
                    out.push_str(&format!("\"k{k}\":"));
                    random_value(state, depth + 1, out);
                }
                out.push('}');
            }
            1 => {
                out.push('[');
                for k in 0..next() % 5 {
                    if k > 0 {
                        out.push(',');
                    }
                    random_value(state, depth + 1, out);
                }
                out.push(']');
            }
            2 => {
                out.push('"');
                for _ in 0..next() % 90 {
                    let piece = match next() % 12 {
                        0 => "\\\\",
                        1 => "\\\"",
                        2 => "{",
                        3 => "]",
                        4 => "\\\\\\\"",
                        5 => "\\u0041",
                        _ => "abcdefgh",
                    };
                    out.push_str(piece);
                }
                out.push('"');
            }
            _ => out.push_str(["1", "-2.5e3", "true", "null"][(next() % 4) as usize]),
        }
    }

    #[test]
    fn block_scanner_agrees_with_generated_records() {
        let mut state = 0x0bad_5eed_1234_5678u64;
        for round in 0..200 {
            let mut records = Vec::new();
            for _ in 0..(1 + round % 7) {
                let mut r = String::from("{\"a\":");
                random_value(&mut state, 0, &mut r);
                r.push_str(",\"b\":");
                random_value(&mut state, 0, &mut r);
                r.push('}');
                serde_json::from_str::<serde_json::Value>(&r).expect("generator writes JSON");
                records.push(r);
            }
            let input = format!("{{\"Records\":[{}]}}", records.join(" , "));
            let want: Vec<Out> = records.iter().map(|r| rec(r)).collect();
            for chunk in [1, 13, 64, 100, usize::MAX] {
                assert_eq!(
                    frame_all(&input, chunk, DEFAULT_MAX_ITEM).unwrap(),
                    want,
                    "round {round} chunk {chunk}"
                );
            }
        }
    }

    #[test]
    fn oversized_records_are_skipped_and_counted() {
        let big = format!("{{\"pad\":\"{}\"}}", "x".repeat(5000));
        let input = format!("{{\"Records\":[{{\"a\":1}},{big},{{\"b\":2}}]}}");
        for chunk in [1, 100, 4096, usize::MAX] {
            assert_eq!(
                frame_all(&input, chunk, 1024).unwrap(),
                vec![rec(r#"{"a":1}"#), Out::M, rec(r#"{"b":2}"#)],
                "chunk {chunk}"
            );
        }
        // A top-level value (a JSON line) too large is skipped the same way, and the lines
        // after it are read; so is a huge non-object element of a Records array.
        let lines = format!("{{\"a\":1}}\n{big}\n{{\"b\":2}}\n");
        let nested = format!(
            "{{\"pad\":[{{\"s\":\"{}\"}},1],\"k\":2}}\n{{\"b\":2}}",
            "y".repeat(5000)
        );
        let string = format!("{{\"Records\":[\"{}\",{{\"b\":2}}]}}", "z".repeat(5000));
        for chunk in [1, 100, 4096, usize::MAX] {
            assert_eq!(
                frame_all(&lines, chunk, 1024).unwrap(),
                vec![top(r#"{"a":1}"#), Out::M, top(r#"{"b":2}"#)],
                "chunk {chunk}"
            );
            assert_eq!(
                frame_all(&nested, chunk, 1024).unwrap(),
                vec![Out::M, top(r#"{"b":2}"#)],
                "chunk {chunk}"
            );
            assert_eq!(
                frame_all(&string, chunk, 1024).unwrap(),
                vec![Out::M, rec(r#"{"b":2}"#)],
                "chunk {chunk}"
            );
        }
    }
}
