//! `feedgen serve`: build, then serve the output folder on a local port,
//! rebuilding it when a record or the configuration changes.
//!
//! The preview serves exactly what `feedgen build` writes, with the
//! configured `base_url`, so that what is previewed is what is deployed.
//! [`run`] binds a [`Server`] (so a busy port fails before any work),
//! starts a [`Watch`], runs the first build itself, and then calls
//! [`Server::run`], which serves until Ctrl-C and tells the [`Console`],
//! through [`Rebuilds`], when it answers and how each rebuild went.
//!
//! `server` runs the server, `http` answers requests (`path` decides which
//! file a path names, `media_type` its type); `watch` rebuilds on change.
//! All of it belongs to the binary, behind the `serve` cargo feature (on by
//! default): the library builds feeds and needs no async runtime, HTTP
//! stack or file watcher; the watcher asks it which paths a build reads
//! ([`feedgen::is_input_path`]).

mod http;
mod media_type;
mod path;
mod server;
mod watch;

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::Path;
use std::time::{Duration, Instant};

use clap::Args;
use feedgen::{Mode, Report, Settings};
pub(crate) use server::ServeError;
use server::{RebuildError, Rebuilds, Server};
use watch::Watch;

use super::build::{interrupted, print_notes, print_skipped, print_warnings, summary};
use super::diagnostic::{self, Severity};
use super::interrupt;
use super::progress_bar::with_progress;
use super::settings::SettingsArgs;
use super::{ExitStatus, Failure, stdout};

/// Options of `feedgen serve`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  feedgen serve    # http://127.0.0.1:8000/\n  \
                        feedgen serve --port 0 --output /tmp/preview --unpublished    # drafts too, kept out of feeds/")]
pub(crate) struct ServeArgs {
    #[command(flatten)]
    settings: SettingsArgs,
    /// Port to listen on; 0 picks a free one.
    #[arg(long, value_name = "N", default_value_t = 8000)]
    port: u16,
    /// Address to listen on (0.0.0.0 or :: would let other machines in).
    #[arg(long, value_name = "ADDR", default_value_t = IpAddr::V4(Ipv4Addr::LOCALHOST))]
    bind: IpAddr,
}

/// Print what a build wrote, as `feedgen build` does.
fn print_built(report: &Report, output: &Path, elapsed: Duration, quiet: bool) {
    print_skipped(report);
    if !quiet {
        print_warnings(report);
        print_notes(report);
        eprintln!("{}", summary(report, output, Mode::Write, elapsed));
    }
}

/// The terminal side of a running preview.
struct Console<'a> {
    args: &'a SettingsArgs,
    output: &'a Path,
}

impl Rebuilds for Console<'_> {
    fn settings(&self) -> Result<Settings, RebuildError> {
        let settings = self.args.resolve()?;
        match drafts_into_deploy_folder(self.args, &settings) {
            Some(message) => Err(RebuildError::Refused(message)),
            None => Ok(settings),
        }
    }

    fn rebuilt(&self, report: &Report, elapsed: Duration) {
        print_built(report, self.output, elapsed, self.args.quiet());
    }

    fn failed(&self, error: RebuildError) {
        let message = match error {
            RebuildError::Build(error) => {
                let failure = Failure::from(error);
                diagnostic::print(&failure.invalid_records, Severity::Error);
                failure.message
            }
            error => error.to_string(),
        };
        eprintln!("error: {message}; still serving the last good build");
    }

    fn missed(&self, error: &notify::Error) {
        eprintln!("error: watching for changes: {error}; rebuilding in case a change was missed");
    }

    /// A line for people and scripts waiting for the server; it goes on
    /// serving when stdout cannot take the line (its reader gone, say).
    fn serving(&self, address: SocketAddr) {
        let _ = stdout::print(format_args!("serving http://{address}/ (Ctrl-C to stop)"));
    }
}

/// Why `settings` must not be previewed: they include drafts or
/// future-dated records and write them into the configured output folder,
/// the one users commit and deploy (only `--output` names another;
/// `FEEDGEN_OUTPUT` configures it like `output:` does). `None` when they
/// may be.
fn drafts_into_deploy_folder(args: &SettingsArgs, settings: &Settings) -> Option<String> {
    if args.output_given() {
        return None;
    }
    let in_config = |setting: &str| match args.config_file() {
        Some(file) => format!("{setting} in {}", file.display()),
        None => setting.to_owned(),
    };
    let (what, records) = if settings.include_unpublished {
        let what = if args.unpublished_given() { "--unpublished".to_owned() } else { in_config("unpublished: true") };
        (what, "drafts")
    } else if settings.include_future {
        let what = if args.future_given() { "--future".to_owned() } else { in_config("future: true") };
        (what, "future-dated records")
    } else {
        return None;
    };
    let folder = match args.output_from_environment() {
        Some(folder) => format!("{} (FEEDGEN_OUTPUT)", folder.display()),
        None => settings.output.display().to_string(),
    };
    Some(format!(
        "{what} would write {records} into {folder}, the folder you deploy; \
         preview them elsewhere with --output DIR (e.g. --output /tmp/preview)"
    ))
}

/// Run `feedgen serve`.
pub(crate) fn run(args: ServeArgs) -> Result<(), Failure> {
    let started = Instant::now();
    let settings = args.settings.resolve()?;
    if let Some(message) = drafts_into_deploy_folder(&args.settings, &settings) {
        return Err(Failure::new(ExitStatus::Usage, message));
    }
    let quiet = args.settings.quiet();
    let server = Server::bind(SocketAddr::new(args.bind, args.port))?;
    let watch = Watch::start(&settings.inputs, args.settings.config_file().as_deref())?;
    let stop = interrupt::catch();
    let outcome = with_progress(quiet, |progress| feedgen::run(&settings, Mode::Write, progress, stop));
    interrupt::release();
    if let Some(signal) = interrupt::received() {
        return Err(interrupted(signal, &outcome, &settings.output, Mode::Write));
    }
    let report = outcome?;
    print_built(&report, &settings.output, started.elapsed(), quiet);
    let console = Console { args: &args.settings, output: &settings.output };
    Ok(server.run(&settings, watch, &console)?)
}
