//! Exit codes: a contract with scripts, documented in README.md.

/// What the process tells its caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Code {
    /// Everything read, nothing malformed.
    Success = 0,
    /// The scan finished, but some file failed or some record was malformed (named on stderr).
    Partial = 1,
    /// Nothing useful could be done: bad arguments (clap also uses 2), no credentials, no
    /// readable input, output not writable.
    Fatal = 2,
}

impl From<Code> for std::process::ExitCode {
    fn from(c: Code) -> Self {
        std::process::ExitCode::from(c as u8)
    }
}
