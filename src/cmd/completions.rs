//! `cnitrail completions SHELL`.

use crate::cli::Cli;
use crate::exit::Code;
use clap::CommandFactory;

pub fn run(shell: clap_complete::Shell) -> anyhow::Result<Code> {
    clap_complete::generate(
        shell,
        &mut Cli::command(),
        "cnitrail",
        &mut std::io::stdout(),
    );
    Ok(Code::Success)
}
