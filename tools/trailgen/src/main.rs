use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;
use trailgen::{Config, run, util::parse_time};

const USAGE: &str = "\
trailgen: write a CloudTrail-shaped benchmark corpus (gzip files in the S3 layout) plus manifest.json

Usage: trailgen --out DIR (--size-mb N | --objects-only K) [options]

  --out DIR               output directory (DIR/AWSLogs/..., DIR/manifest.json)
  --size-mb N             write event files until their decompressed size reaches N MB (10^6 B)
  --objects-only K        write exactly K small files instead (see --records-per-object)
  --records-per-object R  records per file with --objects-only [50]
  --eni-percent P         share of records that are CNI ENI calls [3.0]
  --seed S                PRNG seed; same seed and options => identical bytes [1]
  --accounts A            accounts [2]
  --regions R             regions per account (1-8) [2]
  --start TIME            first 5-minute slot, e.g. 2026-11-01T00:00:00Z
  --threads T             worker threads [available cores]
  --clean                 remove an existing DIR/AWSLogs and DIR/manifest.json first
  -q, --quiet             no summary on stderr
";

fn parse_args() -> Result<(Config, bool, bool), String> {
    let mut cfg = Config::default();
    let mut out = None;
    let mut size = None;
    let (mut clean, mut quiet) = (false, false);
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut val = |name: &str| args.next().ok_or_else(|| format!("{name} needs a value"));
        fn num<T: std::str::FromStr>(name: &str, v: String) -> Result<T, String> {
            v.parse().map_err(|_| format!("{name}: cannot parse {v:?}"))
        }
        match a.as_str() {
            "--out" | "-o" => out = Some(PathBuf::from(val(&a)?)),
            "--size-mb" => size = Some(num::<f64>(&a, val(&a)?)?),
            "--objects-only" => cfg.objects_only = Some(num(&a, val(&a)?)?),
            "--records-per-object" => cfg.records_per_object = num(&a, val(&a)?)?,
            "--eni-percent" => cfg.eni_percent = num(&a, val(&a)?)?,
            "--seed" => cfg.seed = num(&a, val(&a)?)?,
            "--accounts" => cfg.accounts = num(&a, val(&a)?)?,
            "--regions" => cfg.regions = num(&a, val(&a)?)?,
            "--threads" => cfg.threads = num(&a, val(&a)?)?,
            "--start" => {
                let v = val(&a)?;
                cfg.start = parse_time(&v).ok_or_else(|| format!("--start: cannot parse {v:?}"))?;
            }
            "--clean" => clean = true,
            "-q" | "--quiet" => quiet = true,
            "-h" | "--help" => {
                print!("{USAGE}");
                std::process::exit(0);
            }
            _ => return Err(format!("unknown argument {a:?}")),
        }
    }
    cfg.out = out.ok_or("--out is required")?;
    match (size, cfg.objects_only) {
        (Some(mb), None) if mb > 0.0 => cfg.size_bytes = (mb * 1e6) as u64,
        (None, Some(_)) => {}
        (Some(_), Some(_)) => return Err("--size-mb and --objects-only exclude each other".into()),
        _ => return Err("one of --size-mb N (N > 0) or --objects-only K is required".into()),
    }
    if !(0.0..=100.0).contains(&cfg.eni_percent) {
        return Err("--eni-percent must be within 0..100".into());
    }
    Ok((cfg, clean, quiet))
}

fn main() -> ExitCode {
    let (cfg, clean, quiet) = match parse_args() {
        Ok(x) => x,
        Err(e) => {
            eprintln!("trailgen: {e}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let logs = cfg.out.join("AWSLogs");
    if logs.exists() {
        if !clean {
            eprintln!(
                "trailgen: {} exists; pass --clean to replace it",
                logs.display()
            );
            return ExitCode::from(2);
        }
        if let Err(e) = std::fs::remove_dir_all(&logs) {
            eprintln!("trailgen: cannot remove {}: {e}", logs.display());
            return ExitCode::FAILURE;
        }
    }
    let _ = std::fs::remove_file(cfg.out.join("manifest.json"));
    let t0 = Instant::now();
    match run(&cfg) {
        Ok(m) => {
            let secs = t0.elapsed().as_secs_f64();
            let c = &m.counts;
            if !quiet {
                eprintln!(
                    "trailgen: {} files + {} digests, {} records ({} ENI), {:.1} MB decompressed, {:.1} MB gzip (ratio {:.2}) \
                     in {:.2} s with {} threads = {:.1} MB/s decompressed output ({:.1} MB/s per thread)",
                    c.files,
                    m.digest_files,
                    c.records,
                    c.eni_records(),
                    c.bytes_decompressed as f64 / 1e6,
                    c.bytes_compressed as f64 / 1e6,
                    c.bytes_decompressed as f64 / c.bytes_compressed.max(1) as f64,
                    secs,
                    cfg.threads,
                    c.bytes_decompressed as f64 / 1e6 / secs,
                    c.bytes_decompressed as f64 / 1e6 / secs / cfg.threads.max(1) as f64,
                );
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("trailgen: {e}");
            ExitCode::FAILURE
        }
    }
}
