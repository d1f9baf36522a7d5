//! Text that leaves for people: diagnostics on stderr (escaped, and never fatal to write),
//! and JSON made safe to show.
//!
//! File names, S3 keys and record fields are chosen by whoever could write to the bucket or
//! call AWS: an ESC sequence, a CR or a right-to-left override among them is shown as a
//! visible stand-in (`\x1b`, `\u{202e}`; in JSON a `\uXXXX` escape, see
//! [`cnitrail_html::escape`]), never handed to the terminal.

use std::io::Write;

/// Writes one diagnostic line to stderr, deceptive characters made visible. A closed or
/// failing stderr loses the line but never stops the run or panics: the exit code still tells
/// the caller what happened.
pub fn say_line(line: &str) {
    let _ = writeln!(
        std::io::stderr().lock(),
        "{}",
        cnitrail_html::escape::visible(line)
    );
}

/// Writes one line of JSON to stderr (`--stats json`), still valid JSON: deceptive characters
/// become `\uXXXX` escapes. Never fatal, like [`say_line`].
pub fn say_json(line: &str) {
    let _ = writeln!(
        std::io::stderr().lock(),
        "{}",
        cnitrail_html::escape::json(line)
    );
}

/// A writer of JSON text that escapes what JSON writers leave as itself (C1 controls, bidi
/// overrides, zero-width characters) as `\uXXXX`: the JSON means the same and shows safely.
/// serde_json hands it whole string fragments, so a character is never split between writes;
/// bytes that are not UTF-8 pass through unchanged.
pub struct JsonSafe<W>(pub W);

impl<W: Write> Write for JsonSafe<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match std::str::from_utf8(buf) {
            Ok(text) => self
                .0
                .write_all(cnitrail_html::escape::json(text).as_bytes())?,
            Err(_) => self.0.write_all(buf)?,
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}

/// `eprintln!` for diagnostics: formats, then [`say_line`].
macro_rules! say {
    ($($arg:tt)*) => {
        $crate::terminal::say_line(&format!($($arg)*))
    };
}
pub(crate) use say;
