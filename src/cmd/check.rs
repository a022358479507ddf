//! `feedgen check`: validate every record, build nothing; warn about what
//! a build would quietly do otherwise than meant, and with `--strict` fail
//! on it.

use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::time::Instant;

use clap::Args;
use feedgen::check::OutputCheck;
use feedgen::config;
use feedgen::load::{LoadOptions, Sources, Survey, WarnOptions};
use feedgen::site::Family;

use super::build::failure;
use super::diagnostic::{self, Severity};
use super::progress_bar::with_progress;
use super::{ExitStatus, Failure, config_file, counted, usage};

/// Options of `feedgen check`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  feedgen check\n  \
                        feedgen check --strict    # in CI: also fail on warnings (unknown keys, data left out, ...)\n  \
                        feedgen check --input articles --quiet")]
pub struct CheckArgs {
    /// Configuration file [default: feedgen.yaml in the working directory, if present].
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Folder of records to read; repeat for several (replaces `input` of the config).
    #[arg(long = "input", value_name = "DIR")]
    inputs: Vec<PathBuf>,
    /// The folder a build writes to, to report what a build would refuse there [default: feeds; with
    /// --input, only when given].
    #[arg(long, value_name = "DIR", env = "FEEDGEN_OUTPUT")]
    output: Option<PathBuf>,
    /// A build with no record to publish, or removing most feeds, is not reported.
    #[arg(long)]
    allow_empty: bool,
    /// Also validate records marked `published: false`.
    #[arg(long)]
    unpublished: bool,
    /// Records dated in the future are wanted: no warning for them.
    #[arg(long)]
    future: bool,
    /// Fail (exit 1) on warnings too: unknown keys, images or related links left out, two records with
    /// one link, dates in the future.
    #[arg(long)]
    strict: bool,
    /// Print errors only (and, with --strict, warnings): no notes, no progress bar, no summary.
    #[arg(short, long)]
    quiet: bool,
}

fn summary(survey: &Survey, started: Instant) -> String {
    let invalid = survey.records_read - survey.valid - survey.unpublished;
    format!(
        "feedgen: checked {}: {} valid, {} unpublished, {} invalid; {}; {:.2}s",
        counted(survey.records_read, "record"),
        survey.valid,
        survey.unpublished,
        invalid,
        counted(survey.warnings.len(), "warning"),
        started.elapsed().as_secs_f64()
    )
}

/// Run `feedgen check`.
pub fn run(args: CheckArgs) -> Result<(), Failure> {
    let started = Instant::now();
    // A check of the site's records, or of a named output folder, reports
    // what a build would refuse there; `--input` alone checks some records,
    // such as new ones before a commit, not what a build of them would do.
    let about_the_build = args.inputs.is_empty() || args.output.is_some();
    let (file, file_dir) = config_file(args.config.as_deref(), &args.inputs)?;
    let inputs = config::resolve_inputs(&file, &file_dir, args.inputs).map_err(usage)?;
    let source_date_epoch = std::env::var("SOURCE_DATE_EPOCH").ok();
    let now = config::now_from_source_date_epoch(source_date_epoch.as_deref()).map_err(usage)?;
    let include_future = args.future || file.future.unwrap_or(false);
    // `--quiet` shows errors only, so without `--strict` it does not look for
    // warnings at all: that is the parse-only pass builds are timed against.
    let warn = (!args.quiet || args.strict).then_some(WarnOptions { future_after: (!include_future).then_some(now) });
    let options = LoadOptions { include_unpublished: args.unpublished || file.unpublished.unwrap_or(false), warn };
    let output = config::resolve_output(&file, &file_dir, args.output);
    let output_check = OutputCheck {
        output: &output,
        families: file.families.clone().unwrap_or_else(|| Family::DEFAULT.to_vec()),
        include_future,
        now,
        allow_empty: args.allow_empty || file.allow_empty.unwrap_or(false),
    };
    let never = AtomicBool::new(false);
    let sources = Sources::new(&inputs, &output, &never).map_err(|error| failure(&error.into()))?;
    let checked = with_progress(args.quiet, |progress| {
        feedgen::check::check(&sources, options, about_the_build.then_some(&output_check), progress)
    })
    .map_err(|error| failure(&error))?;
    let survey = checked.survey;
    diagnostic::print(&survey.errors, Severity::Error);
    if warn.is_some() {
        diagnostic::print(&survey.warnings, Severity::Warning);
    }
    if !args.quiet {
        for path in &survey.without_front_matter {
            eprintln!("note: {}: no front matter; skipped", path.display());
        }
        eprintln!("{}", summary(&survey, started));
    }
    if !survey.errors.is_empty() {
        let message = format!("{} in the records", counted(survey.errors.len(), "problem"));
        return Err(Failure::new(ExitStatus::Failed, message));
    }
    if let Some(refusal) = checked.refusal {
        return Err(Failure::new(ExitStatus::Failed, refusal.to_string()));
    }
    if args.strict && !survey.warnings.is_empty() {
        let message =
            format!("{}, and --strict fails the check on warnings", counted(survey.warnings.len(), "warning"));
        return Err(Failure::new(ExitStatus::Failed, message));
    }
    Ok(())
}
