//! Local inputs: files, directories (walked recursively, in name order) and `-` for stdin.

use super::layout::{FileKind, file_kind, parse_key};
use super::shard::Shard;
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
    /// `--shard I/N`: keep only the objects this shard owns (see [`Shard`] for the key). Not
    /// part of [`NameFilter::accepts`], which also judges folders: a folder holds every shard's
    /// files.
    pub shard: Option<Shard>,
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

    /// Whether the object with this shard key (an S3 key, or a path relative to its source
    /// argument with `/` separators) belongs to this worker's shard; true without `--shard`.
    pub fn owns(&self, key: &str) -> bool {
        self.shard.is_none_or(|s| s.owns(key))
    }
}

/// Expands local arguments into objects, in a stable order: arguments as given, directory
/// entries sorted by path. Hidden files and obvious non-logs are not skipped: a directory of
/// CloudTrail files is read whole, and what is not JSON is reported.
///
/// With [`NameFilter::shard`], only the files the shard owns are listed: a file found under a
/// directory argument by its path relative to that argument, a file argument by its name,
/// stdin as `-` (see [`super::shard`]).
pub fn expand(args: &[PathBuf], filter: &NameFilter) -> Vec<Result<InputObject, SourceError>> {
    let mut out = Vec::new();
    for arg in args {
        if arg.as_os_str() == "-" {
            if filter.owns("-") {
                out.push(Ok(stdin_object()));
            }
            continue;
        }
        match std::fs::metadata(arg) {
            Ok(m) if m.is_dir() => walk(arg, arg, filter, &mut out),
            // A file named explicitly is always read, whatever its name says (but by one shard).
            Ok(m) => {
                let name = arg.file_name().map(|n| n.to_string_lossy());
                if filter.owns(name.as_deref().unwrap_or_default()) {
                    out.push(Ok(file_object(arg.clone(), Some(m.len()))));
                }
            }
            Err(e) => out.push(Err(SourceError::new(arg.display().to_string(), e))),
        }
    }
    out
}

/// The shard key of a file found below `root`: its relative path, `/`-separated.
fn relative_key(root: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    let parts: Vec<_> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect();
    parts.join("/")
}

fn walk(
    root: &Path,
    dir: &Path,
    filter: &NameFilter,
    out: &mut Vec<Result<InputObject, SourceError>>,
) {
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
            Some(m) if m.is_dir() => walk(root, &path, filter, out),
            Some(m) => {
                let name = path.display().to_string();
                if filter.accepts(&name) && filter.owns(&relative_key(root, &path)) {
                    out.push(Ok(file_object(path, Some(m.len()))));
                }
            }
            // Reported by the one shard that owns the name, so that failures add up too.
            None if filter.owns(&relative_key(root, &path)) => out.push(Err(SourceError::new(
                path.display().to_string(),
                "cannot read file metadata",
            ))),
            None => {}
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    /// The same trail under two mount points splits the same way, each file in one shard.
    #[test]
    fn shards_split_directories_by_relative_path() {
        let dir = tempfile::tempdir().unwrap();
        let files: Vec<String> = (0..40)
            .map(|i| format!("AWSLogs/111122223333/CloudTrail/eu-west-1/2026/11/22/f{i:02}.json"))
            .collect();
        let roots = [dir.path().join("a"), dir.path().join("mnt/deeper/b")];
        for root in &roots {
            for f in &files {
                let p = root.join(f);
                std::fs::create_dir_all(p.parent().unwrap()).unwrap();
                std::fs::write(p, "{}").unwrap();
            }
        }
        let split = |root: &PathBuf| -> Vec<BTreeSet<String>> {
            (0..3)
                .map(|index| {
                    let filter = NameFilter {
                        shard: Some(Shard { index, count: 3 }),
                        ..NameFilter::default()
                    };
                    expand(std::slice::from_ref(root), &filter)
                        .into_iter()
                        .map(|o| {
                            let name = o.unwrap().name;
                            let rel = Path::new(&name).strip_prefix(root).unwrap();
                            rel.to_string_lossy().replace('\\', "/")
                        })
                        .collect()
                })
                .collect()
        };
        let a = split(&roots[0]);
        assert_eq!(a, split(&roots[1]));
        let all: BTreeSet<String> = files.iter().cloned().collect();
        assert_eq!(a.iter().map(BTreeSet::len).sum::<usize>(), files.len());
        assert_eq!(a.iter().flatten().cloned().collect::<BTreeSet<_>>(), all);
        assert!(a.iter().all(|s| !s.is_empty()));
        // A file argument is keyed by its name.
        let one = roots[0].join(&files[0]);
        let owners = (0..3)
            .filter(|&index| {
                let filter = NameFilter {
                    shard: Some(Shard { index, count: 3 }),
                    ..NameFilter::default()
                };
                !expand(std::slice::from_ref(&one), &filter).is_empty()
            })
            .collect::<Vec<_>>();
        assert_eq!(owners, [Shard::of("f00.json", 3)]);
    }
}
