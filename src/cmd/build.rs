//! `feedgen build`.

use std::path::{Path, PathBuf};
use std::time::Instant;

use clap::Args;
use feedgen::config::{self, Overrides};
use feedgen::load::LoadError;
use feedgen::write::{Changes, WriteError, local_path};
use feedgen::{BuildError, Mode, Report, Settings};

use super::progress_bar::with_progress;
use super::{ExitStatus, Failure, config_file, usage};

/// Options of `feedgen build`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  feedgen build --input articles --base-url https://example.com/feeds/\n  \
                        feedgen build --check    # in CI: exit 1 if feeds/ is not what a build writes")]
pub struct BuildArgs {
    /// Configuration file [default: feedgen.yaml in the working directory, if present].
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Folder of records to read; repeat for several (replaces `input` of the config).
    #[arg(long = "input", value_name = "DIR")]
    inputs: Vec<PathBuf>,
    /// Folder to write the feeds to [default: feeds].
    #[arg(long, value_name = "DIR")]
    output: Option<PathBuf>,
    /// Absolute URL where the output folder is hosted.
    #[arg(long, value_name = "URL", env = "FEEDGEN_BASE_URL")]
    base_url: Option<String>,
    /// Items per feed; 0 keeps all [default: 50].
    #[arg(long, value_name = "N")]
    limit: Option<usize>,
    /// Include records marked `published: false` (for previews).
    #[arg(long)]
    unpublished: bool,
    /// Include records dated in the future.
    #[arg(long)]
    future: bool,
    /// Build the valid records even if some are invalid, listing those skipped (exit 0).
    #[arg(long)]
    skip_invalid: bool,
    /// Write nothing; exit 1, listing the differences, unless the output
    /// folder already holds exactly what a build would write (for CI).
    #[arg(long)]
    check: bool,
    /// Print errors only: no notes, no progress bar, no summary.
    #[arg(short, long)]
    quiet: bool,
}

fn settings(args: &BuildArgs) -> Result<Settings, Failure> {
    let (file, file_dir) = config_file(args.config.as_deref())?;
    let source_date_epoch = std::env::var("SOURCE_DATE_EPOCH").ok();
    let now = config::now_from_source_date_epoch(source_date_epoch.as_deref()).map_err(usage)?;
    let overrides = Overrides {
        inputs: args.inputs.clone(),
        output: args.output.clone(),
        base_url: args.base_url.clone(),
        limit: args.limit,
        unpublished: args.unpublished,
        future: args.future,
        skip_invalid: args.skip_invalid,
    };
    config::resolve(file, &file_dir, overrides, now).map_err(usage)
}

/// Skipped records are problems the user must hear about, even with `-q`.
fn print_skipped(report: &Report) {
    for error in &report.skipped {
        eprintln!("skipped: {error}");
    }
}

fn print_notes(report: &Report) {
    for path in &report.without_front_matter {
        eprintln!("note: {}: no front matter; skipped", path.display());
    }
    for duplicate in &report.duplicates {
        eprintln!(
            "note: {} and {} have the same link {}; kept {} (updated last)",
            duplicate.kept.display(),
            duplicate.dropped.display(),
            duplicate.link,
            duplicate.kept.display()
        );
    }
}

fn left_out(report: &Report) -> String {
    format!(
        "read {} records (left out: {} unpublished, {} invalid, {} future, {} duplicate)",
        report.records_read,
        report.unpublished,
        report.invalid_records(),
        report.future,
        report.duplicates.len()
    )
}

/// "1 file", "2 files".
fn files(count: usize) -> String {
    format!("{count} file{}", if count == 1 { "" } else { "s" })
}

fn summary(report: &Report, output: &Path, mode: Mode, started: Instant) -> String {
    let changes = &report.output;
    let outcome = match mode {
        Mode::Write => format!(
            "{} written, {} unchanged, {} removed",
            files(changes.added.len() + changes.changed.len()),
            changes.unchanged.len(),
            changes.removed.len()
        ),
        Mode::Compare => format!("current ({})", files(changes.unchanged.len())),
    };
    let seconds = started.elapsed().as_secs_f64();
    format!("feedgen: {}; {} feeds in {}: {outcome}; {seconds:.2}s", left_out(report), report.feeds, output.display())
}

/// `--check` found differences: list them on stdout, and fail.
fn stale(changes: &Changes, output: &Path) -> Failure {
    let lists = [("add", &changes.added), ("change", &changes.changed), ("remove", &changes.removed)];
    for (verb, paths) in lists {
        for path in paths {
            println!("would {verb}: {}", local_path(output, path).display());
        }
    }
    let message = format!(
        "{} is not current: {} to add, {} to change, {} to remove; run `feedgen build` and commit the result",
        output.display(),
        files(changes.added.len()),
        changes.changed.len(),
        changes.removed.len()
    );
    Failure::new(ExitStatus::Failed, message)
}

fn failure(error: BuildError) -> Failure {
    match error {
        BuildError::InvalidRecords(errors) => {
            for error in &errors {
                eprintln!("error: {error}");
            }
            let message = format!("{} problem(s) in the records; nothing was written", errors.len());
            Failure::new(ExitStatus::Failed, message)
        }
        BuildError::Load(error @ LoadError::MissingInput(_)) => Failure::new(ExitStatus::Usage, error.to_string()),
        BuildError::Write(error @ (WriteError::NotOurs(_) | WriteError::BadManifest { .. })) => {
            Failure::new(ExitStatus::Usage, error.to_string())
        }
        error => Failure::new(ExitStatus::Failed, error.to_string()),
    }
}

/// Run `feedgen build`.
pub fn run(args: BuildArgs) -> Result<(), Failure> {
    let started = Instant::now();
    let settings = settings(&args)?;
    let mode = if args.check { Mode::Compare } else { Mode::Write };
    let report = with_progress(args.quiet, |progress| feedgen::run(&settings, mode, progress)).map_err(failure)?;
    print_skipped(&report);
    if mode == Mode::Compare && !report.output.is_empty() {
        return Err(stale(&report.output, &settings.output));
    }
    if !args.quiet {
        print_notes(&report);
        eprintln!("{}", summary(&report, &settings.output, mode, started));
    }
    Ok(())
}
