//! `feedgen check`: validate every record, build nothing; warn about what
//! a build would quietly do otherwise than meant, and with `--strict` fail
//! on it.

use std::time::Instant;

use clap::Args;
use feedgen::BuildError;
use feedgen::CheckSettings;
use feedgen::Survey;

use super::diagnostic::{self, Severity};
use super::progress_bar::with_progress;
use super::settings::SharedFlags;
use super::{ExitStatus, Failure, counted, read_config_file};

/// Options of `feedgen check`: the flags shared with build, list and serve,
/// each said as it bears on a check ([`CHECK_HELP`]), and `--strict`.
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  feedgen check\n  \
                  feedgen check --strict    # in CI: also fail on warnings (unknown keys, data left out, ...)\n  \
                  feedgen check --input articles --quiet",
    mut_args(said_for_a_check)
)]
pub(crate) struct CheckArgs {
    #[command(flatten)]
    shared: SharedFlags,
    /// Fail (exit 1) on warnings too: unknown keys, images or related links left out, two records with
    /// one link, dates in the future.
    #[arg(long)]
    strict: bool,
}

/// What the shared flags whose help speaks of a build mean to a check: (the
/// flag's id, its help in `feedgen check --help`).
const CHECK_HELP: [(&str, &str); 5] = [
    (
        "output",
        "The folder a build writes to, to report what a build would refuse there [default: feeds; with --input, \
         only when given]",
    ),
    ("unpublished", "Also validate records marked `published: false`"),
    ("future", "Records dated in the future are wanted: no warning for them"),
    ("allow_empty", "A build with no record to publish, or removing most feeds, is not reported"),
    ("quiet", "Print errors only (and, with --strict, warnings): no notes, no progress bar, no summary"),
];

/// `arg` with its help from [`CHECK_HELP`], if it has one there.
fn said_for_a_check(arg: clap::Arg) -> clap::Arg {
    match CHECK_HELP.iter().find(|(id, _)| arg.get_id() == *id) {
        Some((_, help)) => arg.help(*help),
        None => arg,
    }
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
pub(crate) fn run(args: CheckArgs) -> Result<(), Failure> {
    let started = Instant::now();
    let CheckArgs { shared, strict } = args;
    // A check of the site's records, or of a named output folder, reports
    // what a build would refuse there; `--input` alone checks some records,
    // such as new ones before a commit, not what a build of them would do.
    let about_the_build = shared.inputs.is_empty() || shared.output.is_some();
    let (file, file_dir) = read_config_file(shared.config.as_deref(), &shared.inputs)?;
    let settings = CheckSettings::resolve(file, &file_dir, shared.overrides(), shared.now()?)?;
    // `--quiet` shows errors only, so without `--strict` it does not look for
    // warnings at all: that is the parse-only pass builds are timed against.
    let warnings = !shared.quiet || strict;
    let checked =
        with_progress(shared.quiet, |progress| feedgen::check(&settings, warnings, about_the_build, progress))?;
    let survey = checked.survey;
    diagnostic::print(&survey.errors, Severity::Error);
    if warnings {
        diagnostic::print(&survey.warnings, Severity::Warning);
    }
    if !shared.quiet {
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
        return Err(BuildError::Refused(refusal).into());
    }
    if strict && !survey.warnings.is_empty() {
        let message =
            format!("{}, and --strict fails the check on warnings", counted(survey.warnings.len(), "warning"));
        return Err(Failure::new(ExitStatus::Failed, message));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_flag_check_speaks_of_is_one_it_has() {
        let command = CheckArgs::augment_args(clap::Command::new("check"));
        for (id, help) in CHECK_HELP {
            let arg = command.get_arguments().find(|arg| arg.get_id() == id);
            assert_eq!(arg.and_then(clap::Arg::get_help).map(ToString::to_string).as_deref(), Some(help), "{id}");
        }
    }
}
