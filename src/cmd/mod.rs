//! One file per command; each turns parsed arguments into library calls and an exit code.

mod churn;
mod collect;
mod completions;
mod exhaustion;
mod export;
mod from_parquet;
mod leaks;
mod report;
mod scan;
mod simulate;
mod throttle;
mod timeline;
mod who;

use crate::cli::{Cli, Command};
use crate::exit::Code;

/// Runs the chosen command.
pub fn run(cli: Cli) -> anyhow::Result<Code> {
    match cli.command {
        Command::Scan(args) => scan::run(*args),
        Command::Timeline(args) => timeline::run(*args),
        Command::Who(args) => who::run(*args),
        Command::Churn(args) => churn::run(*args),
        Command::Exhaustion(args) => exhaustion::run(*args),
        Command::Leaks(args) => leaks::run(*args),
        Command::Throttle(args) => throttle::run(*args),
        Command::Report(args) => report::run(*args),
        Command::Export(args) => export::run(*args),
        Command::Simulate(args) => simulate::run(*args),
        Command::Completions { shell } => completions::run(shell),
    }
}
