//! Local inputs: files, directories (walked recursively, in name order) and `-` for stdin.

use super::layout::{FileKind, file_kind, parse_key};
use super::window::TimeWindow;
use super::{InputObject, SourceError};
use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

/// Filters applied to file names before anything is opened.
#[derive(Debug, Clone, Default)]
pub struct NameFilter {
    /// `--since`/`--until`, pruning by folder date and delivery time.
    pub window: TimeWindow,
    /// `--account`: keep only these accounts when the layout names one.
    pub accounts: Vec<String>,
    /// `--region`: keep only these regions when the layout names one.
    pub regions: Vec<String>,
}

impl NameFilter {
    /// Whether a file or key of this name should be read.
    pub fn accepts(&self, name: &str) -> bool {
        let info = parse_key(name);
        let listed = |want: &[String], got: &Option<String>| {
            want.is_empty() || got.as_ref().is_none_or(|g| want.iter().any(|w| w == g))
        };
        listed(&self.accounts, &info.account)
            && listed(&self.regions, &info.region)
            && self.window.may_contain(name, &info)
    }
}

/// Expands local arguments into objects, in a stable order: arguments as given, directory
/// entries sorted by path. Hidden files and obvious non-logs are not skipped: a directory of
/// CloudTrail files is read whole, and what is not JSON is reported.
pub fn expand(args: &[PathBuf], filter: &NameFilter) -> Vec<Result<InputObject, SourceError>> {
    let mut out = Vec::new();
    for arg in args {
        if arg.as_os_str() == "-" {
            out.push(Ok(stdin_object()));
            continue;
        }
        match std::fs::metadata(arg) {
            Ok(m) if m.is_dir() => walk(arg, filter, &mut out),
            // A file named explicitly is always read, whatever its name says.
            Ok(m) => out.push(Ok(file_object(arg.clone(), Some(m.len())))),
            Err(e) => out.push(Err(SourceError::new(arg.display().to_string(), e))),
        }
    }
    out
}

fn walk(dir: &Path, filter: &NameFilter, out: &mut Vec<Result<InputObject, SourceError>>) {
    let entries = match std::fs::read_dir(dir) {
        Ok(rd) => rd,
        Err(e) => {
            out.push(Err(SourceError::new(dir.display().to_string(), e)));
            return;
        }
    };
    let mut paths: Vec<(PathBuf, Option<std::fs::Metadata>)> = entries
        .filter_map(|e| e.ok())
        .map(|e| {
            let p = e.path();
            let m = std::fs::metadata(&p).ok();
            (p, m)
        })
        .collect();
    paths.sort_by(|a, b| a.0.cmp(&b.0));
    for (path, meta) in paths {
        match meta {
            Some(m) if m.is_dir() => walk(&path, filter, out),
            Some(m) => {
                let name = path.display().to_string();
                if filter.accepts(&name) {
                    out.push(Ok(file_object(path, Some(m.len()))));
                }
            }
            None => out.push(Err(SourceError::new(
                path.display().to_string(),
                "cannot read file metadata",
            ))),
        }
    }
}

fn file_object(path: PathBuf, size: Option<u64>) -> InputObject {
    let name = path.display().to_string();
    InputObject {
        kind: file_kind(&name),
        name,
        size,
        open: Box::new(move || {
            let f = File::open(&path)?;
            Ok(Box::new(f) as Box<dyn Read + Send>)
        }),
    }
}

fn stdin_object() -> InputObject {
    InputObject {
        name: "-".to_string(),
        size: None,
        kind: FileKind::Events,
        open: Box::new(|| Ok(Box::new(io::stdin()) as Box<dyn Read + Send>)),
    }
}
