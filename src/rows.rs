//! Writing tables that are built whole in memory (timelines, `who` answers) in any `--format`.

use crate::cli::Format;
use crate::output::Destination;
use crate::terminal::JsonSafe;
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
                serde_json::to_writer(JsonSafe(&mut out), r)?;
                out.write_all(b"\n")?;
            }
        }
        Format::Json => {
            serde_json::to_writer_pretty(JsonSafe(&mut out), rows)?;
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
            write_aligned(&mut out, &header, &body)?;
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

/// Aligned columns, a dash for an empty cell.
fn write_aligned(out: &mut dyn Write, header: &[String], body: &[Vec<String>]) -> Result<()> {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in body {
        for (w, c) in widths.iter_mut().zip(row) {
            *w = (*w).max(c.chars().count());
        }
    }
    for row in std::iter::once(header).chain(body.iter().map(Vec::as_slice)) {
        let line: Vec<String> = row
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:<w$}", c = if c.is_empty() { "-" } else { c }))
            .collect();
        writeln!(out, "{}", line.join("  ").trim_end())?;
    }
    Ok(())
}

/// A CSV cell, quoted when it holds a comma, quote or line break (RFC 4180); control and
/// bidi characters shown as stand-ins (`\x1b`, `\u{202e}`), and text that a spreadsheet would
/// run as a formula prefixed with `'`.
pub fn csv_quote(cell: &str) -> String {
    let shown = cnitrail_html::escape::visible_lines(cell);
    // A spreadsheet runs a cell that starts with one of these as a formula (OWASP, "CSV
    // Injection"): text gets a leading `'`, which spreadsheets show as text. Numbers
    // (`-1`, `+3.5`) stay numbers.
    let formula =
        shown.starts_with(['=', '+', '-', '@', '\t', '\r']) && shown.parse::<f64>().is_err();
    let shown = if formula {
        format!("'{shown}")
    } else {
        shown.into_owned()
    };
    if formula || shown.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", shown.replace('"', "\"\""))
    } else {
        shown
    }
}

/// Shows control characters, bidirectional overrides and invisible characters as escapes
/// (`\x1b`, `\u{202e}`), exactly as the HTML report does, so that record contents (which anyone
/// able to call AWS can choose) cannot drive the terminal or disguise what it shows.
pub fn sanitize(s: &str) -> String {
    cnitrail_html::escape::visible(s).into_owned()
}

/// One value of a table built as a polars frame (the reports), typed for JSON.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// No value.
    Null,
    /// Text, or a timestamp written as RFC 3339 UTC.
    Text(String),
    /// A whole number.
    Int(i64),
    /// A fraction.
    Float(f64),
    /// true/false.
    Bool(bool),
    /// A list of text.
    List(Vec<String>),
}

impl Cell {
    fn text(&self) -> String {
        match self {
            Cell::Null => String::new(),
            Cell::Text(s) => s.clone(),
            Cell::Int(i) => i.to_string(),
            Cell::Float(f) => format!("{f:.2}"),
            Cell::Bool(b) => b.to_string(),
            Cell::List(l) => l.join(" "),
        }
    }

    fn json(&self) -> serde_json::Value {
        match self {
            Cell::Null => serde_json::Value::Null,
            Cell::Text(s) => s.clone().into(),
            Cell::Int(i) => (*i).into(),
            Cell::Float(f) => {
                serde_json::Number::from_f64(*f).map_or(serde_json::Value::Null, Into::into)
            }
            Cell::Bool(b) => (*b).into(),
            Cell::List(l) => l.clone().into(),
        }
    }
}

/// The cells of a frame, column by column by type; timestamps become RFC 3339 UTC text.
pub fn frame_cells(
    df: &cnitrail_frames::polars::prelude::DataFrame,
) -> Result<(Vec<String>, Vec<Vec<Cell>>)> {
    use cnitrail_frames::polars::prelude::*;
    let mut rows: Vec<Vec<Cell>> = vec![Vec::new(); df.height()];
    let mut header = Vec::new();
    for column in df.columns() {
        header.push(column.name().to_string());
        let cells: Vec<Cell> = match column.dtype() {
            DataType::String => column
                .str()?
                .iter()
                .map(|v| v.map_or(Cell::Null, |s| Cell::Text(s.to_string())))
                .collect(),
            DataType::Int64 => column
                .i64()?
                .iter()
                .map(|v| v.map_or(Cell::Null, Cell::Int))
                .collect(),
            DataType::Float64 => column
                .f64()?
                .iter()
                .map(|v| v.map_or(Cell::Null, Cell::Float))
                .collect(),
            DataType::Boolean => column
                .bool()?
                .iter()
                .map(|v| v.map_or(Cell::Null, Cell::Bool))
                .collect(),
            DataType::Datetime(TimeUnit::Microseconds, _) => column
                .datetime()?
                .physical()
                .iter()
                .map(|v| {
                    v.and_then(chrono::DateTime::from_timestamp_micros)
                        .map_or(Cell::Null, |t| {
                            Cell::Text(t.format("%Y-%m-%dT%H:%M:%SZ").to_string())
                        })
                })
                .collect(),
            DataType::List(_) => column
                .list()?
                .amortized_iter()
                .map(|v| match v {
                    None => Ok(Cell::Null),
                    Some(s) => Ok(Cell::List(
                        s.as_ref()
                            .str()?
                            .iter()
                            .map(|x| x.unwrap_or_default().to_string())
                            .collect(),
                    )),
                })
                .collect::<Result<_>>()?,
            other => bail!(
                "column {} has type {other}, which no output here writes",
                column.name()
            ),
        };
        for (row, cell) in rows.iter_mut().zip(cells) {
            row.push(cell);
        }
    }
    Ok((header, rows))
}

/// Writes a report frame in any format (Parquet as the frame itself).
pub fn write_frame(
    format: Format,
    dest: &Destination,
    df: &cnitrail_frames::polars::prelude::DataFrame,
) -> Result<()> {
    if format == Format::Parquet && dest.is_terminal() {
        bail!("refusing to write Parquet to a terminal: use -o FILE or a pipe");
    }
    let mut out = BufWriter::new(dest.open()?);
    write_frame_to(format, &mut out, df)?;
    out.flush()?;
    Ok(())
}

/// Rows a frame is written in, when not as a table.
const SLICE_ROWS: usize = 8192;

/// Writes a report frame into `out` (several frames can share one output).
pub fn write_frame_to(
    format: Format,
    out: &mut dyn Write,
    df: &cnitrail_frames::polars::prelude::DataFrame,
) -> Result<()> {
    if format == Format::Parquet {
        cnitrail_frames::write_parquet(&mut *out, &mut df.clone())?;
        return Ok(());
    }
    if format == Format::Table {
        // Aligned columns need every row's width first; terminals get short tables.
        let (header, rows) = frame_cells(df)?;
        let header: Vec<String> = header.iter().map(|h| h.to_uppercase()).collect();
        let body: Vec<Vec<String>> = rows
            .iter()
            .map(|r| r.iter().map(|c| sanitize(&c.text())).collect())
            .collect();
        return write_aligned(out, &header, &body);
    }
    let header: Vec<String> = df
        .get_column_names()
        .iter()
        .map(|n| n.to_string())
        .collect();
    let object = |row: &[Cell]| -> Result<String> {
        let mut s = String::from("{");
        for (i, (k, v)) in header.iter().zip(row).enumerate() {
            if i > 0 {
                s.push(',');
            }
            s.push_str(&serde_json::to_string(k)?);
            s.push(':');
            s.push_str(&serde_json::to_string(&v.json())?);
        }
        s.push('}');
        Ok(cnitrail_html::escape::json(&s).into_owned())
    };
    match format {
        Format::Json => writeln!(out, "[")?,
        Format::Csv => {
            let h: Vec<String> = header.iter().map(|h| csv_quote(h)).collect();
            writeln!(out, "{}", h.join(","))?;
        }
        _ => {}
    }
    // A slice of rows at a time: a year of minutes is millions of rows, and holding all their
    // cells at once took gigabytes.
    let height = df.height();
    for offset in (0..height).step_by(SLICE_ROWS) {
        let (_, rows) = frame_cells(&df.slice(offset as i64, SLICE_ROWS))?;
        for (i, r) in rows.iter().enumerate() {
            match format {
                Format::Jsonl => writeln!(out, "{}", object(r)?)?,
                Format::Json => {
                    let comma = if offset + i + 1 < height { "," } else { "" };
                    writeln!(out, "  {}{comma}", object(r)?)?;
                }
                _ => {
                    let cells: Vec<String> = r.iter().map(|c| csv_quote(&c.text())).collect();
                    writeln!(out, "{}", cells.join(","))?;
                }
            }
        }
    }
    if format == Format::Json {
        writeln!(out, "]")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_longer_than_a_slice_are_written_whole_in_every_format() {
        use cnitrail_frames::polars::prelude::*;
        let n = 2 * SLICE_ROWS + 17;
        let df = DataFrame::new(
            n,
            vec![
                Column::new("i".into(), (0..n as i64).collect::<Vec<_>>()),
                Column::new(
                    "text".into(),
                    (0..n).map(|i| format!("row \"{i}\"")).collect::<Vec<_>>(),
                ),
            ],
        )
        .unwrap();
        let written = |format| {
            let mut out = Vec::new();
            write_frame_to(format, &mut out, &df).unwrap();
            String::from_utf8(out).unwrap()
        };
        let array: Vec<serde_json::Value> = serde_json::from_str(&written(Format::Json)).unwrap();
        let lines: Vec<serde_json::Value> = written(Format::Jsonl)
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(array, lines);
        assert_eq!(array.len(), n);
        for (i, row) in array.iter().enumerate() {
            assert_eq!(row["i"], i as i64);
            assert_eq!(row["text"], format!("row \"{i}\""));
        }
        let csv = written(Format::Csv);
        let rows: Vec<&str> = csv.lines().collect();
        assert_eq!(rows.len(), n + 1);
        assert_eq!(rows[0], "i,text");
        assert_eq!(rows[n], format!("{},\"row \"\"{}\"\"\"", n - 1, n - 1));
    }

    #[test]
    fn terminal_text_shows_what_would_drive_or_disguise_it() {
        let shown = sanitize("i-0abc\u{1b}[2J\u{202e}gnp.exe\tok");
        assert!(!shown.contains('\u{1b}') && !shown.contains('\u{202e}'));
        assert!(
            shown.contains("\\x1b") && shown.contains("\\u{202e}"),
            "{shown}"
        );
        assert_eq!(sanitize("subnet-0a1b"), "subnet-0a1b");
    }
}
