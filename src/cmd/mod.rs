//! One module per subcommand, each a thin layer over the library.

pub(crate) mod build;
pub(crate) mod check;
pub(crate) mod completions;
mod diagnostic;
pub(crate) mod init;
mod interrupt;
pub(crate) mod list;
mod progress_bar;
#[cfg(feature = "serve")]
pub(crate) mod serve;
mod settings;
mod stdout;

use std::path::{Path, PathBuf};

use diagnostic::Severity;
use feedgen::BuildError;
use feedgen::InitError;
use feedgen::WriteError;
use feedgen::counted;
use feedgen::{CONFIG_FILE_NAME, ConfigError, ConfigFile};
use feedgen::{LoadError, RecordProblem};
use interrupt::Signal;

/// Exit codes, as documented in `docs/errors.md` ("Exit codes").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ExitStatus {
    /// Not a failure: the reader of stdout has gone (`feedgen list | head
    /// -1`), so the command stops with nothing more to say, exit 0.
    StdoutClosed = 0,
    /// Bad records, output that could not be written, or (`--check`) stale output.
    Failed = 1,
    /// Usage or configuration error.
    Usage = 2,
    /// Stopped by Ctrl-C (SIGINT): 128 + 2, as shells report it.
    Interrupted = 130,
    /// Stopped by SIGTERM: 128 + 15.
    Terminated = 143,
}

/// A command's failure: what to tell the user and how to exit. Every kind of
/// error a command can end with becomes one through the `From`
/// implementations below, which decide its exit status: there, and nowhere
/// else.
#[derive(Debug)]
pub(crate) struct Failure {
    /// Exit status.
    pub code: ExitStatus,
    /// The message printed after `error: `.
    pub message: String,
    /// The problems of the invalid records that failed a build, drawn as
    /// diagnostics before the message.
    pub invalid_records: Vec<RecordProblem>,
    /// The problem in a file the failure comes from (a setting in
    /// `feedgen.yaml`), drawn with its line instead of the one-line message.
    pub problem: Option<Box<RecordProblem>>,
}

impl Failure {
    /// A failure with `code` and `message`.
    pub(crate) fn new(code: ExitStatus, message: impl Into<String>) -> Self {
        Failure { code, message: message.into(), invalid_records: Vec::new(), problem: None }
    }

    /// Tell the user on stderr: the invalid records' problems, if any, then
    /// the problem in a file as a diagnostic when there is one, else
    /// `error: ` and the message. Nothing when stdout was closed.
    pub(crate) fn print(&self) {
        if self.code == ExitStatus::StdoutClosed {
            return;
        }
        diagnostic::print(&self.invalid_records, Severity::Error);
        match &self.problem {
            Some(problem) => diagnostic::print(std::slice::from_ref(problem.as_ref()), Severity::Error),
            None => eprintln!("error: {}", self.message),
        }
    }
}

impl From<ConfigError> for Failure {
    /// A configuration problem: a usage error (exit 2).
    fn from(error: ConfigError) -> Self {
        match error {
            ConfigError::InFile(problem) => {
                let message = problem.to_string();
                Failure { problem: Some(problem), ..Failure::new(ExitStatus::Usage, message) }
            }
            error => Failure::new(ExitStatus::Usage, error.to_string()),
        }
    }
}

impl From<LoadError> for Failure {
    /// Inputs that cannot be read as given (missing, or the output folder
    /// in the way) are a usage error (exit 2); reading that stopped or was
    /// disturbed fails (exit 1).
    fn from(error: LoadError) -> Self {
        let code = match error {
            LoadError::MissingInput(_) | LoadError::OutputIsInput { .. } | LoadError::InputInsideOutput { .. } => {
                ExitStatus::Usage
            }
            _ => ExitStatus::Failed,
        };
        Failure::new(code, error.to_string())
    }
}

impl From<BuildError> for Failure {
    /// A failed build fails (exit 1), listing the problems of invalid
    /// records; but inputs that cannot be read as given, and an output
    /// folder holding files that are not feedgen's or a manifest it cannot
    /// read, are usage errors (exit 2): nothing was attempted.
    fn from(error: BuildError) -> Self {
        let message = error.to_string();
        match error {
            BuildError::Load(error) => error.into(),
            BuildError::InvalidRecords(problems) => {
                Failure { invalid_records: problems, ..Failure::new(ExitStatus::Failed, message) }
            }
            BuildError::Write(WriteError::NotOurs(_) | WriteError::BadManifest { .. }) => {
                Failure::new(ExitStatus::Usage, message)
            }
            _ => Failure::new(ExitStatus::Failed, message),
        }
    }
}

impl From<InitError> for Failure {
    /// Files of the starter already there are a usage error (exit 2):
    /// nothing was attempted, as for a file in the way of a build. A file
    /// that could not be created fails (exit 1).
    fn from(error: InitError) -> Self {
        let code = match error {
            InitError::Exists(_) => ExitStatus::Usage,
            InitError::Create { .. } => ExitStatus::Failed,
        };
        Failure::new(code, error.to_string())
    }
}

#[cfg(feature = "serve")]
impl From<serve::ServeError> for Failure {
    /// An address that cannot be listened on is a usage error (exit 2), as
    /// is an input that cannot be read as given; a watch or server that
    /// fails fails (exit 1).
    fn from(error: serve::ServeError) -> Self {
        match error {
            serve::ServeError::Input(error) => error.into(),
            serve::ServeError::Bind { .. } => Failure::new(ExitStatus::Usage, error.to_string()),
            _ => Failure::new(ExitStatus::Failed, error.to_string()),
        }
    }
}

impl From<Signal> for ExitStatus {
    /// A signal that stopped a build: 128 + its number, as shells report it.
    fn from(signal: Signal) -> Self {
        match signal {
            Signal::Interrupt => ExitStatus::Interrupted,
            Signal::Terminate => ExitStatus::Terminated,
        }
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
    let file = feedgen::read_config(&path)?;
    // A configuration that is not a regular file (`--config /dev/null`, a
    // pipe such as `<(…)`) has no folder of its own: its paths, and the
    // default output folder, are relative to the working directory.
    let folder = if path.is_file() { path.parent().map(Path::to_owned).unwrap_or_default() } else { PathBuf::new() };
    Ok((file, folder))
}
