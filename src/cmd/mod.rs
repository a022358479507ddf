//! One module per subcommand, each a thin layer over the library.

pub mod build;
pub mod check;
pub mod completions;
mod diagnostic;
pub mod init;
mod interrupt;
pub mod list;
mod progress_bar;
#[cfg(feature = "serve")]
pub mod serve;
mod settings;

use std::path::{Path, PathBuf};

use diagnostic::Severity;
use feedgen::config::{self, CONFIG_FILE_NAME, ConfigError, ConfigFile};
use feedgen::english::counted;
use feedgen::load::RecordProblem;

/// Exit codes, as documented in the README.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    /// Bad records, output that could not be written, or (`--check`) stale output.
    Failed = 1,
    /// Usage or configuration error.
    Usage = 2,
    /// Stopped by Ctrl-C (SIGINT): 128 + 2, as shells report it.
    Interrupted = 130,
    /// Stopped by SIGTERM: 128 + 15.
    Terminated = 143,
}

/// A command's failure: what to tell the user and how to exit.
#[derive(Debug)]
pub struct Failure {
    /// Exit status.
    pub code: ExitStatus,
    /// The message printed after `error: `.
    pub message: String,
    /// The problem in a file the failure comes from (a setting in
    /// `feedgen.yaml`), drawn with its line instead of the one-line message.
    pub problem: Option<Box<RecordProblem>>,
}

impl Failure {
    /// A failure with `code` and `message`.
    pub fn new(code: ExitStatus, message: impl Into<String>) -> Self {
        Failure { code, message: message.into(), problem: None }
    }

    /// Tell the user on stderr: the problem as a diagnostic when there is
    /// one, else `error: ` and the message.
    pub fn print(&self) {
        match &self.problem {
            Some(problem) => diagnostic::print(std::slice::from_ref(problem.as_ref()), Severity::Error),
            None => eprintln!("error: {}", self.message),
        }
    }
}

/// A configuration problem: exit 2.
fn usage(error: ConfigError) -> Failure {
    match error {
        ConfigError::InFile(problem) => {
            Failure { code: ExitStatus::Usage, message: problem.to_string(), problem: Some(problem) }
        }
        error => Failure::new(ExitStatus::Usage, error.to_string()),
    }
}

/// The configuration file in use: `explicit`, else `feedgen.yaml` in the
/// working directory if there is one.
fn config_path(explicit: Option<&Path>) -> Option<PathBuf> {
    match explicit {
        Some(path) => Some(path.to_owned()),
        None => Some(PathBuf::from(CONFIG_FILE_NAME)).filter(|path| path.is_file()),
    }
}

/// The configuration file (see [`config_path`]; empty without one) and the
/// folder its relative paths start from. With neither a file nor `inputs`
/// there is nothing to build: [`ConfigError::NoSite`] says how to start one.
fn read_config_file(explicit: Option<&Path>, inputs: &[PathBuf]) -> Result<(ConfigFile, PathBuf), ConfigError> {
    let Some(path) = config_path(explicit) else {
        return if inputs.is_empty() { Err(ConfigError::NoSite) } else { Ok((ConfigFile::default(), PathBuf::new())) };
    };
    let file = config::read_config(&path)?;
    Ok((file, path.parent().map(Path::to_owned).unwrap_or_default()))
}

/// [`read_config_file`], failing as a usage error.
fn config_file(explicit: Option<&Path>, inputs: &[PathBuf]) -> Result<(ConfigFile, PathBuf), Failure> {
    read_config_file(explicit, inputs).map_err(usage)
}
