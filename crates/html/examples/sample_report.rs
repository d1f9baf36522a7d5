//! Writes the tests' sample incident report to a file, to look at a change in a browser:
//! `cargo run -p cnitrail-html --example sample_report -- /tmp/report.html [--hostile]`.

#[path = "../tests/common/mod.rs"]
mod common;

fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let path = args.next().unwrap_or_else(|| "report.html".into());
    let report = if args.any(|arg| arg == "--hostile") {
        common::hostile_report()
    } else {
        common::sample_report()
    };
    cnitrail_html::write(&report, std::path::Path::new(&path))
}
