//! `feedgen check`: parse and validate every record, build nothing. It is
//! the quick test for a CI job that only needs the records to be right, and
//! the parse-only pass a build's speed is measured against.

use std::path::PathBuf;
use std::time::Instant;

use clap::Args;
use feedgen::config;
use feedgen::load::{self, LoadOptions, Survey};

use super::progress_bar::with_progress;
use super::{ExitStatus, Failure, config_file, usage};

/// Options of `feedgen check`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  feedgen check\n  feedgen check --input articles --quiet")]
pub struct CheckArgs {
    /// Configuration file [default: feedgen.yaml in the working directory, if present].
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Folder of records to read; repeat for several (replaces `input` of the config).
    #[arg(long = "input", value_name = "DIR")]
    inputs: Vec<PathBuf>,
    /// Also validate records marked `published: false`.
    #[arg(long)]
    unpublished: bool,
    /// Print errors only: no notes, no progress bar, no summary.
    #[arg(short, long)]
    quiet: bool,
}

fn summary(survey: &Survey, started: Instant) -> String {
    let invalid = survey.records_read - survey.valid - survey.unpublished;
    format!(
        "feedgen: checked {} records: {} valid, {} unpublished, {} invalid; {:.2}s",
        survey.records_read,
        survey.valid,
        survey.unpublished,
        invalid,
        started.elapsed().as_secs_f64()
    )
}

/// Run `feedgen check`.
pub fn run(args: CheckArgs) -> Result<(), Failure> {
    let started = Instant::now();
    let (file, file_dir) = config_file(args.config.as_deref(), &args.inputs)?;
    let inputs = config::resolve_inputs(&file, &file_dir, args.inputs).map_err(usage)?;
    let options = LoadOptions { include_unpublished: args.unpublished || file.unpublished.unwrap_or(false) };
    let survey = with_progress(args.quiet, |progress| load::survey(&inputs, options, progress))
        .map_err(|error| Failure::new(ExitStatus::Usage, error.to_string()))?;
    for error in &survey.errors {
        eprintln!("error: {error}");
    }
    if !args.quiet {
        for path in &survey.without_front_matter {
            eprintln!("note: {}: no front matter; skipped", path.display());
        }
        eprintln!("{}", summary(&survey, started));
    }
    match survey.errors.len() {
        0 => Ok(()),
        problems => Err(Failure::new(ExitStatus::Failed, format!("{problems} problem(s) in the records"))),
    }
}
