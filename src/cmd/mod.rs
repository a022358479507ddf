//! One module per subcommand, each a thin layer over the library.

pub mod build;
pub mod check;
mod progress_bar;

use std::path::{Path, PathBuf};

use feedgen::config::{self, CONFIG_FILE_NAME, ConfigError, ConfigFile};

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

/// A configuration problem: exit 2.
fn usage(error: ConfigError) -> Failure {
    Failure::new(ExitStatus::Usage, error.to_string())
}

/// The configuration file (`explicit`, else `feedgen.yaml` if present) and
/// the folder its relative paths start from.
fn config_file(explicit: Option<&Path>) -> Result<(ConfigFile, PathBuf), Failure> {
    let path = match explicit {
        Some(path) => path.to_owned(),
        None if Path::new(CONFIG_FILE_NAME).is_file() => PathBuf::from(CONFIG_FILE_NAME),
        None => return Ok((ConfigFile::default(), PathBuf::new())),
    };
    let file = config::read_config(&path).map_err(usage)?;
    Ok((file, path.parent().map(Path::to_owned).unwrap_or_default()))
}
