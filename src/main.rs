//! The `cnitrail` command: parses arguments and hands each command to its module in `cmd/`.
//! All the work happens in the library crates; this binary only wires them together.

mod cli;
mod cmd;
mod exit;
mod output;
mod progress;
mod rows;
mod terminal;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    match cmd::run(cli) {
        Ok(code) => code.into(),
        Err(err) => {
            if is_broken_pipe(&err) {
                // `cnitrail scan … | head` is normal use, not an error.
                return exit::Code::Success.into();
            }
            terminal::say!("cnitrail: error: {err:#}");
            exit::Code::Fatal.into()
        }
    }
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        e.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            || e.to_string().contains("Broken pipe")
    })
}
