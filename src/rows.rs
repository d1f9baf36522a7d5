//! Writing tables that are built whole in memory (timelines, `who` answers) in any `--format`.

use crate::cli::Format;
use crate::output::Destination;
use anyhow::{Result, bail};
use serde::Serialize;
use std::io::{BufWriter, Write};

/// A row of such a table: JSON through serde, text cells for CSV and the terminal.
pub trait Row: Serialize {
    /// Column names, in order (the JSON keys too).
    fn header() -> Vec<&'static str>;
    /// The row's values as text, in column order (empty for null).
    fn cells(&self) -> Vec<String>;
}

/// Writes a table as Parquet into the given output.
pub type ParquetFn<'a> = &'a dyn Fn(&mut dyn Write) -> Result<()>;

/// Writes `rows`; `parquet` builds the Parquet bytes when the table supports it.
pub fn write_rows<R: Row>(
    format: Format,
    dest: &Destination,
    rows: &[R],
    parquet: Option<ParquetFn<'_>>,
) -> Result<()> {
    let mut out = BufWriter::new(dest.open()?);
    match format {
        Format::Jsonl => {
            for r in rows {
                serde_json::to_writer(&mut out, r)?;
                out.write_all(b"\n")?;
            }
        }
        Format::Json => {
            serde_json::to_writer_pretty(&mut out, rows)?;
            out.write_all(b"\n")?;
        }
        Format::Csv => {
            writeln!(out, "{}", R::header().join(","))?;
            for r in rows {
                let cells: Vec<String> = r.cells().into_iter().map(|c| csv_quote(&c)).collect();
                writeln!(out, "{}", cells.join(","))?;
            }
        }
        Format::Table => {
            let header: Vec<String> = R::header().iter().map(|h| h.to_uppercase()).collect();
            let body: Vec<Vec<String>> = rows
                .iter()
                .map(|r| r.cells().into_iter().map(|c| sanitize(&c)).collect())
                .collect();
            let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
            for row in &body {
                for (w, c) in widths.iter_mut().zip(row) {
                    *w = (*w).max(c.chars().count());
                }
            }
            for row in std::iter::once(&header).chain(&body) {
                let line: Vec<String> = row
                    .iter()
                    .zip(&widths)
                    .map(|(c, w)| format!("{c:<w$}", c = if c.is_empty() { "-" } else { c }))
                    .collect();
                writeln!(out, "{}", line.join("  ").trim_end())?;
            }
        }
        Format::Parquet => match parquet {
            Some(write) if !dest.is_terminal() => write(&mut out)?,
            Some(_) => bail!("refusing to write Parquet to a terminal: use -o FILE or a pipe"),
            None => bail!("this table has no Parquet form; use --format json, jsonl or csv"),
        },
    }
    out.flush()?;
    Ok(())
}

/// A CSV cell, quoted when it holds a comma, quote or line break (RFC 4180).
pub fn csv_quote(cell: &str) -> String {
    if cell.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", cell.replace('"', "\"\""))
    } else {
        cell.to_string()
    }
}

/// Replaces control characters so that record contents cannot drive the terminal.
pub fn sanitize(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { '?' } else { c })
        .collect()
}
