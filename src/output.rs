//! Event writers for each `--format`, all streaming: nothing is held beyond one Parquet row
//! group. Files given with `-o` are written under a temporary name and renamed into place only
//! when complete, so a killed run never leaves a half-written file under the final name.

use crate::cli::Format;
use crate::rows::{csv_quote, sanitize};
use crate::terminal::JsonSafe;
use anyhow::{Context, Result};
use cnitrail_core::EniEvent;
use cnitrail_core::scan::{EventSink, SinkError};
use cnitrail_frames::{EVENT_COLUMNS, ParquetEventWriter};
use std::fs::File;
use std::io::{self, BufWriter, IsTerminal, Write};
use std::path::{Path, PathBuf};

/// Where the bytes go: stdout, or a temporary file renamed on [`Destination::commit`].
pub enum Destination {
    Stdout,
    /// Something that is not a regular file, written as it is.
    Direct {
        path: PathBuf,
    },
    File {
        temp: PathBuf,
        target: PathBuf,
    },
}

impl Destination {
    pub fn new(path: Option<&Path>) -> Destination {
        match path {
            None => Destination::Stdout,
            Some(p) if p.as_os_str() == "-" => Destination::Stdout,
            // Devices and pipes (`-o /dev/null`, `-o /dev/stderr`, a FIFO) are written in place:
            // renaming a file over them would replace the device.
            Some(p) if std::fs::metadata(p).is_ok_and(|m| !m.is_file()) => Destination::Direct {
                path: p.to_path_buf(),
            },
            Some(p) => {
                let mut name = p.file_name().unwrap_or_default().to_os_string();
                name.push(format!(".cnitrail-{}.partial", std::process::id()));
                Destination::File {
                    temp: p.with_file_name(name),
                    target: p.to_path_buf(),
                }
            }
        }
    }

    pub fn open(&self) -> Result<Box<dyn Write + Send>> {
        Ok(match self {
            Destination::Stdout => Box::new(io::stdout()),
            Destination::Direct { path } => Box::new(
                std::fs::OpenOptions::new()
                    .write(true)
                    .open(path)
                    .with_context(|| format!("cannot open {}", path.display()))?,
            ),
            Destination::File { temp, target } => Box::new(
                File::create(temp)
                    .with_context(|| format!("cannot create {}", target.display()))?,
            ),
        })
    }

    /// Moves a complete file into place.
    pub fn commit(&self) -> Result<()> {
        if let Destination::File { temp, target } = self {
            std::fs::rename(temp, target)
                .with_context(|| format!("cannot rename output into {}", target.display()))?;
        }
        Ok(())
    }

    /// Removes the partial file of a run that did not finish.
    pub fn abandon(&self) {
        if let Destination::File { temp, .. } = self {
            let _ = std::fs::remove_file(temp);
        }
    }

    pub fn is_terminal(&self) -> bool {
        matches!(self, Destination::Stdout) && io::stdout().is_terminal()
    }
}

/// The default format: a table for people, JSON lines for pipes and files.
pub fn default_format(dest: &Destination) -> Format {
    if dest.is_terminal() {
        Format::Table
    } else {
        Format::Jsonl
    }
}

/// An [`EventSink`] that writes one of the formats.
pub enum Writer {
    Jsonl(BufWriter<Box<dyn Write + Send>>),
    Json {
        out: BufWriter<Box<dyn Write + Send>>,
        first: bool,
    },
    Csv(BufWriter<Box<dyn Write + Send>>),
    Table(BufWriter<Box<dyn Write + Send>>),
    Parquet(Box<ParquetEventWriter<BufWriter<Box<dyn Write + Send>>>>),
}

impl Writer {
    pub fn new(format: Format, dest: &Destination) -> Result<Writer> {
        if format == Format::Parquet && dest.is_terminal() {
            anyhow::bail!("refusing to write Parquet to a terminal: use -o FILE or a pipe");
        }
        let mut out = BufWriter::with_capacity(256 * 1024, dest.open()?);
        Ok(match format {
            Format::Jsonl => Writer::Jsonl(out),
            Format::Json => Writer::Json { out, first: true },
            Format::Csv => {
                let header: Vec<&str> = EVENT_COLUMNS.iter().map(|c| c.name).collect();
                writeln!(out, "{}", header.join(","))?;
                Writer::Csv(out)
            }
            Format::Table => {
                write_table_row(&mut out, &TABLE_HEADER.map(String::from))?;
                Writer::Table(out)
            }
            Format::Parquet => Writer::Parquet(Box::new(ParquetEventWriter::new(out)?)),
        })
    }

    /// Flushes and closes the format (JSON's closing bracket, Parquet's footer).
    pub fn finish(self) -> Result<()> {
        match self {
            Writer::Jsonl(mut out) | Writer::Csv(mut out) | Writer::Table(mut out) => {
                out.flush()?
            }
            Writer::Json { mut out, first } => {
                out.write_all(if first { b"[]\n" } else { b"\n]\n" })?;
                out.flush()?;
            }
            Writer::Parquet(w) => {
                w.finish()?;
            }
        }
        Ok(())
    }
}

impl EventSink for Writer {
    fn event(&mut self, e: EniEvent) -> Result<(), SinkError> {
        match self {
            Writer::Jsonl(out) => {
                serde_json::to_writer(JsonSafe(&mut *out), &e)?;
                out.write_all(b"\n")?;
            }
            Writer::Json { out, first } => {
                out.write_all(if *first { b"[\n" } else { b",\n" })?;
                *first = false;
                serde_json::to_writer(JsonSafe(&mut *out), &e)?;
            }
            Writer::Csv(out) => write_csv(out, &e)?,
            Writer::Table(out) => write_table_row(out, &table_cells(&e))?,
            Writer::Parquet(w) => w.push(e)?,
        }
        Ok(())
    }
}

/// The values of an event as text, in column order (for CSV).
fn csv_cells(e: &EniEvent) -> Vec<String> {
    let o = |v: &Option<String>| v.clone().unwrap_or_default();
    let n = |v: Option<i64>| v.map(|x| x.to_string()).unwrap_or_default();
    let l = |v: &[String]| v.join(" ");
    vec![
        e.event_id.clone(),
        e.event_time.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        e.event_name.to_string(),
        o(&e.region),
        o(&e.account),
        o(&e.eni_id),
        o(&e.instance_id),
        o(&e.instance_type),
        o(&e.attachment_id),
        o(&e.subnet_id),
        o(&e.vpc_id),
        o(&e.cidr_block),
        n(e.device_index),
        e.delete_on_termination
            .map(|b| b.to_string())
            .unwrap_or_default(),
        l(&e.private_ips),
        o(&e.primary_ip),
        l(&e.ipv4_prefixes),
        l(&e.ipv6_addresses),
        l(&e.ipv6_prefixes),
        n(e.requested_ipv4_count),
        n(e.requested_ipv4_prefix_count),
        n(e.requested_ipv6_count),
        n(e.requested_ipv6_prefix_count),
        o(&e.description),
        o(&e.error_code),
        o(&e.error_code_raw),
        o(&e.error_message),
        o(&e.caller_arn),
        o(&e.session_name),
        o(&e.user_agent),
        e.actor.to_string(),
        o(&e.cni_version),
        e.source_file.to_string(),
        e.record_index.to_string(),
    ]
}

fn write_csv(out: &mut impl Write, e: &EniEvent) -> io::Result<()> {
    let cells: Vec<String> = csv_cells(e).iter().map(|c| csv_quote(c)).collect();
    writeln!(out, "{}", cells.join(","))
}

const TABLE_HEADER: [&str; 8] = [
    "TIME",
    "EVENT",
    "ENI",
    "INSTANCE",
    "SUBNET",
    "ADDRESSES",
    "ERROR",
    "ACTOR",
];
const TABLE_WIDTHS: [usize; 8] = [20, 31, 21, 19, 24, 32, 28, 6];

fn table_cells(e: &EniEvent) -> [String; 8] {
    let dash = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".into());
    let addresses: Vec<&str> = e
        .private_ips
        .iter()
        .map(String::as_str)
        .chain(e.ipv4_prefixes.iter().map(String::as_str))
        .chain(e.ipv6_addresses.iter().map(String::as_str))
        .chain(e.ipv6_prefixes.iter().map(String::as_str))
        .collect();
    let addresses = match addresses.len() {
        0 => match (e.requested_ipv4_count, e.requested_ipv4_prefix_count) {
            (Some(n), _) => format!("({n} requested)"),
            (_, Some(n)) => format!("({n} prefixes requested)"),
            _ => "-".into(),
        },
        1 => addresses[0].to_string(),
        n => format!("{} +{}", addresses[0], n - 1),
    };
    [
        e.event_time.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        e.event_name.to_string(),
        e.eni_id
            .clone()
            .or_else(|| e.attachment_id.clone())
            .unwrap_or_else(|| "-".into()),
        dash(&e.instance_id),
        dash(&e.subnet_id),
        addresses,
        dash(&e.error_code),
        e.actor.to_string(),
    ]
}

fn write_table_row(out: &mut impl Write, cells: &[String; 8]) -> io::Result<()> {
    let mut line = String::new();
    for (i, (cell, width)) in cells.iter().zip(TABLE_WIDTHS).enumerate() {
        let cell = sanitize(cell);
        let shown: String = if cell.chars().count() > width {
            cell.chars().take(width - 1).chain(['…']).collect()
        } else {
            cell
        };
        if i + 1 == cells.len() {
            line.push_str(&shown);
        } else {
            line.push_str(&format!("{shown:<width$}  "));
        }
    }
    writeln!(out, "{}", line.trim_end())
}
