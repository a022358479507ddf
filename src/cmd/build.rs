//! `feedgen build`.

use std::path::Path;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use clap::Args;
use feedgen::PLACEHOLDER_BASE_URL;
use feedgen::{BuildError, Mode, Report, Settings};
use feedgen::{Changes, local_path};
use feedgen::{PingError, Pinged};

use super::diagnostic::{self, Severity};
use super::interrupt::{self, Signal};
use super::progress_bar::with_progress;
use super::settings::SettingsArgs;
use super::{ExitStatus, Failure, counted, stdout};

/// Options of `feedgen build`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  feedgen build --input articles --base-url https://example.com/feeds/\n  \
                        feedgen build --check    # in CI: exit 1 if feeds/ is not what a build writes")]
pub(crate) struct BuildArgs {
    #[command(flatten)]
    settings: SettingsArgs,
    /// Write nothing; exit 1, listing the differences, unless the output
    /// folder already holds exactly what a build would write (for CI).
    #[arg(long)]
    check: bool,
    /// After writing, tell the WebSub hub (hub_url) which feed documents changed; a hub that fails is a warning.
    #[arg(long)]
    ping: bool,
    /// Record the ids that changed since the last build (the warnings say which) as the ids to keep from now on.
    #[arg(long, conflicts_with = "check")]
    accept_id_changes: bool,
}

/// Skipped records are problems the user must hear about, even with `-q`.
pub(super) fn print_skipped(report: &Report) {
    for error in &report.skipped {
        eprintln!("skipped: {error}");
    }
}

/// Data left out of records that were built, as warning diagnostics; not
/// with `-q`, which prints errors only (`feedgen check --strict` fails on
/// them, for CI).
pub(super) fn print_warnings(report: &Report) {
    diagnostic::print(&report.warnings, Severity::Warning);
    diagnostic::print(&report.id_changes, Severity::Warning);
    for warning in &report.cache_warnings {
        eprintln!("warning: {warning}");
    }
}

/// `--check` found records whose id changed: a build would go ahead, but
/// every subscriber would see those articles twice, so CI fails on it.
fn id_changes_fail(report: &Report) -> Failure {
    let message = format!(
        "{} since the last build in the output folder (warned above): add the old ids to the records, or, if \
         the change is meant, run `feedgen build --accept-id-changes` and commit the result",
        counted(report.id_changes.len(), "item id change")
    );
    Failure::new(ExitStatus::Failed, message)
}

pub(super) fn print_notes(report: &Report) {
    for path in &report.without_front_matter {
        eprintln!("note: {}: no front matter; skipped", path.display());
    }
    for duplicate in &report.duplicates {
        let shared = match &duplicate.id {
            Some(id) => format!("id {id}"),
            None => format!("link {}", duplicate.link),
        };
        eprintln!(
            "note: {} and {} have the same {shared}; kept {} (updated last)",
            duplicate.kept.display(),
            duplicate.dropped.display(),
            duplicate.kept.display()
        );
    }
}

fn left_out(report: &Report) -> String {
    format!(
        "read {} (left out: {} unpublished, {} invalid, {} future, {})",
        counted(report.records_read, "record"),
        report.unpublished,
        report.invalid_records(),
        report.future,
        counted(report.duplicates.len(), "duplicate")
    )
}

pub(super) fn summary(report: &Report, output: &Path, mode: Mode, elapsed: Duration) -> String {
    let changes = &report.output;
    let outcome = match mode {
        Mode::Write => format!(
            "{} written, {} unchanged, {} removed",
            counted(changes.added.len() + changes.changed.len(), "file"),
            changes.unchanged.len(),
            changes.removed.len()
        ),
        Mode::Compare => format!("current ({})", counted(changes.unchanged.len(), "file")),
    };
    let seconds = elapsed.as_secs_f64();
    let mut feeds = counted(report.feeds, "feed");
    if report.archives > 0 {
        feeds.push_str(&format!(" with {}", counted(report.archives, "archive document")));
    }
    if report.trimmed_feeds > 0 {
        feeds.push_str(&format!(" ({} trimmed to fit max_bytes)", report.trimmed_feeds));
    }
    let mut cached = String::new();
    if report.records_reused > 0 || report.feeds_kept > 0 || report.archives_kept > 0 {
        let records = counted(report.records_reused, "record");
        let feeds = counted(report.feeds_kept, "feed");
        cached = match report.archives_kept {
            0 => format!("{records} and {feeds} unchanged from the build cache; "),
            kept => {
                format!("{records}, {feeds} and {} unchanged from the build cache; ", counted(kept, "archive document"))
            }
        };
    }
    format!("feedgen: {}; {feeds} in {}: {outcome}; {cached}{seconds:.2}s", left_out(report), output.display())
}

/// Each difference `--check` found, on stdout.
fn list_differences(changes: &Changes, output: &Path) -> Result<(), Failure> {
    let lists = [("add", &changes.added), ("change", &changes.changed), ("remove", &changes.removed)];
    for (verb, paths) in lists {
        for path in paths {
            stdout::print(format_args!("would {verb}: {}", local_path(output, path).display()))?;
        }
    }
    Ok(())
}

/// `--check` found differences: list them on stdout, and fail. A reader of
/// the list that has gone stops the list, not the failure: stale output
/// still exits 1.
fn stale(changes: &Changes, output: &Path) -> Failure {
    if let Err(failure) = list_differences(changes, output)
        && failure.code != ExitStatus::StdoutClosed
    {
        return failure;
    }
    let message = format!(
        "{} is not current: {} to add, {} to change, {} to remove; run `feedgen build` and commit the result",
        output.display(),
        counted(changes.added.len(), "file"),
        changes.changed.len(),
        changes.removed.len()
    );
    Failure::new(ExitStatus::Failed, message)
}

/// The one line that says what a signal left: the exit status, and what
/// state the output folder is in.
pub(super) fn interrupted(signal: Signal, outcome: &Result<Report, BuildError>, output: &Path, mode: Mode) -> Failure {
    // A stopped build's error says the folder is as it was.
    let state = match (outcome, mode) {
        (Ok(_), Mode::Write) => {
            format!(
                "it came as the last files were put in place, so the build finished: {} is complete",
                output.display()
            )
        }
        (Ok(_), Mode::Compare) => "the comparison had finished; nothing was written".to_owned(),
        (Err(error), _) => error.to_string(),
    };
    Failure::new(signal.into(), format!("interrupted by {}: {state}", signal.name()))
}

/// A build that would publish feeds linking to the starter's placeholder
/// address: say so once, since every feed's links would be wrong.
fn warn_of_placeholder(settings: &Settings) {
    if settings.site.base_url.as_str() == PLACEHOLDER_BASE_URL {
        eprintln!(
            "warning: base_url is still {PLACEHOLDER_BASE_URL}, the placeholder `feedgen init` wrote; every feed \
             links to itself there: set base_url in feedgen.yaml to where the output folder will be hosted"
        );
    }
}

/// What the hub was told: how many documents it took, or (`--ping` with
/// none changed) that it was left alone.
fn told(pinged: &Pinged) -> String {
    match pinged.announced.len() {
        0 => format!("no feed document changed, so the hub {} was not told", pinged.hub),
        count => {
            let earlier = match pinged.left_from_before {
                0 => String::new(),
                earlier => format!(" ({earlier} of them left from an earlier build, when the hub failed)"),
            };
            format!("told the hub {} about {}{earlier}", pinged.hub, counted(count, "changed feed document"))
        }
    }
}

/// Tell the hub which feed documents the build changed (`--ping`), then say
/// so, or warn that it failed: not with `-q`, which prints errors only, and
/// a hub that fails is no error, since the feeds are written. Only a
/// signal fails the command here, with the folder complete.
fn announce(settings: &Settings, changes: &Changes, quiet: bool, stop: &AtomicBool) -> Result<(), Failure> {
    let pinged = feedgen::ping(settings, changes, stop);
    if let Some(signal) = interrupt::received() {
        let what = pinged.as_ref().map_or_else(PingError::to_string, told);
        let state = format!("{} is complete; {what}", settings.output.display());
        return Err(Failure::new(signal.into(), format!("interrupted by {}: {state}", signal.name())));
    }
    if !quiet {
        match pinged {
            Ok(pinged) => eprintln!("feedgen: {}", told(&pinged)),
            Err(error) => eprintln!("warning: {error}"),
        }
    }
    Ok(())
}

/// Run `feedgen build`.
pub(crate) fn run(args: BuildArgs) -> Result<(), Failure> {
    let started = Instant::now();
    let mut settings = args.settings.resolve_pinging(args.ping)?;
    settings.accept_id_changes = args.accept_id_changes;
    let quiet = args.settings.quiet();
    let mode = if args.check { Mode::Compare } else { Mode::Write };
    if !quiet {
        warn_of_placeholder(&settings);
    }
    let stop = interrupt::catch();
    let outcome = with_progress(quiet, |progress| feedgen::run(&settings, mode, progress, stop));
    if let Some(signal) = interrupt::received() {
        return Err(interrupted(signal, &outcome, &settings.output, mode));
    }
    let report = outcome?;
    print_skipped(&report);
    if !quiet {
        print_warnings(&report);
    }
    if mode == Mode::Compare && !report.id_changes.is_empty() {
        if quiet {
            diagnostic::print(&report.id_changes, Severity::Warning);
        }
        return Err(id_changes_fail(&report));
    }
    if mode == Mode::Compare && !report.output.is_empty() {
        return Err(stale(&report.output, &settings.output));
    }
    if !quiet {
        print_notes(&report);
        eprintln!("{}", summary(&report, &settings.output, mode, started.elapsed()));
    }
    if settings.ping && mode == Mode::Write {
        announce(&settings, &report.output, quiet, stop)?;
    }
    Ok(())
}
