//! One module per subcommand, each a thin layer over the library.

pub mod build;
mod progress_bar;

/// Exit codes, as documented in the README.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    /// Bad records, output that could not be written, or (`--check`) stale output.
    Failed = 1,
    /// Usage or configuration error.
    Usage = 2,
}

/// A command's failure: what to tell the user and how to exit.
#[derive(Debug)]
pub struct Failure {
    /// Exit status.
    pub code: ExitStatus,
    /// The message printed after `error: `.
    pub message: String,
}

impl Failure {
    /// A failure with `code` and `message`.
    pub fn new(code: ExitStatus, message: impl Into<String>) -> Self {
        Failure { code, message: message.into() }
    }
}
