//! The flags of the commands that read a site: those `feedgen build`,
//! `check`, `list` and `serve` all have ([`SharedFlags`]), and those build,
//! list and serve add ([`SettingsArgs`]), with the settings they resolve to.

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use clap::parser::ValueSource;
use clap::{ArgMatches, Args, Command, FromArgMatches};
use feedgen::Settings;
use feedgen::{ConfigError, Overrides};

use super::read_config_file;

/// The build settings on the command line (and in the environment), and
/// `--quiet`, remembering whether the output folder came from `--output`
/// itself: only that names a folder other than the one deployed (see
/// [`SettingsArgs::output_given`]); and whether the base URL came from
/// `FEEDGEN_BASE_URL`, so that a message about it names the variable.
#[derive(Debug)]
pub(super) struct SettingsArgs {
    flags: SettingsFlags,
    output_on_command_line: bool,
    base_url_from_environment: bool,
}

/// The flags `feedgen build`, `check`, `list` and `serve` all have, said
/// as they bear on a build; `feedgen check` says how each bears on a check
/// instead (see `CheckArgs`).
#[derive(Debug, Args)]
pub(super) struct SharedFlags {
    /// Configuration file [default: feedgen.yaml in the working directory, if present].
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Folder of records to read; repeat for several (replaces `input` of the config).
    #[arg(long = "input", value_name = "DIR")]
    pub inputs: Vec<PathBuf>,
    /// Folder to write the feeds to [default: feeds].
    #[arg(long, value_name = "DIR", env = "FEEDGEN_OUTPUT")]
    pub output: Option<PathBuf>,
    /// Include records marked `published: false` (for previews).
    #[arg(long)]
    pub unpublished: bool,
    /// Include records dated in the future.
    #[arg(long)]
    pub future: bool,
    /// Write even when no record is to be published, or when most feeds in the output folder would be removed.
    #[arg(long)]
    pub allow_empty: bool,
    /// Print errors only: no warnings, no notes, no progress bar, no summary.
    #[arg(short, long)]
    pub quiet: bool,
}

impl SharedFlags {
    /// What these flags override in the configuration.
    pub(super) fn overrides(&self) -> Overrides {
        Overrides {
            inputs: self.inputs.clone(),
            output: self.output.clone(),
            unpublished: self.unpublished,
            future: self.future,
            allow_empty: self.allow_empty,
            ..Overrides::default()
        }
    }

    /// The moment that decides which records are in the future: the
    /// clock's, unless `SOURCE_DATE_EPOCH` says otherwise.
    pub(super) fn now(&self) -> Result<DateTime<Utc>, ConfigError> {
        let source_date_epoch = std::env::var("SOURCE_DATE_EPOCH").ok();
        feedgen::now_from_source_date_epoch(source_date_epoch.as_deref())
    }
}

/// The flags themselves, as clap parses them: the shared ones, and those
/// only commands that build have.
#[derive(Debug, Args)]
struct SettingsFlags {
    #[command(flatten)]
    shared: SharedFlags,
    /// Absolute URL where the output folder is hosted.
    #[arg(long, value_name = "URL", env = "FEEDGEN_BASE_URL")]
    base_url: Option<String>,
    /// Items per feed; 0 keeps all [default: 50].
    #[arg(long, value_name = "N")]
    limit: Option<usize>,
    /// Also write every feed's older items as archive documents (RFC 5005), with pages.
    #[arg(long)]
    archives: bool,
    /// Largest size of a feed document in bytes: a feed keeps its newest items that fit (at least one).
    #[arg(long, value_name = "BYTES")]
    max_bytes: Option<u64>,
    /// Build the valid records even if some are invalid, listing those skipped (exit 0).
    #[arg(long)]
    skip_invalid: bool,
    /// Folder of the build cache, which lets a build skip what did not change [default: .feedgen-cache beside
    /// the config file].
    #[arg(long, value_name = "DIR", env = "FEEDGEN_CACHE_DIR")]
    cache_dir: Option<PathBuf>,
    /// Read and write no build cache: read every record and render every feed (wins over --cache-dir).
    #[arg(long)]
    no_cache: bool,
}

/// The id clap gives the `output` field.
const OUTPUT_ID: &str = "output";

/// The id clap gives the `base_url` field.
const BASE_URL_ID: &str = "base_url";

impl FromArgMatches for SettingsArgs {
    fn from_arg_matches(matches: &ArgMatches) -> Result<Self, clap::Error> {
        let output_on_command_line = matches.value_source(OUTPUT_ID) == Some(ValueSource::CommandLine);
        let base_url_from_environment = matches.value_source(BASE_URL_ID) == Some(ValueSource::EnvVariable);
        Ok(SettingsArgs {
            flags: SettingsFlags::from_arg_matches(matches)?,
            output_on_command_line,
            base_url_from_environment,
        })
    }

    fn update_from_arg_matches(&mut self, matches: &ArgMatches) -> Result<(), clap::Error> {
        if let Some(source) = matches.value_source(OUTPUT_ID) {
            self.output_on_command_line = source == ValueSource::CommandLine;
        }
        if let Some(source) = matches.value_source(BASE_URL_ID) {
            self.base_url_from_environment = source == ValueSource::EnvVariable;
        }
        self.flags.update_from_arg_matches(matches)
    }
}

impl Args for SettingsArgs {
    fn group_id() -> Option<clap::Id> {
        SettingsFlags::group_id()
    }

    fn augment_args(command: Command) -> Command {
        SettingsFlags::augment_args(command)
    }

    fn augment_args_for_update(command: Command) -> Command {
        SettingsFlags::augment_args_for_update(command)
    }
}

impl SettingsArgs {
    /// Whether `--quiet` was given.
    pub(super) fn quiet(&self) -> bool {
        self.flags.shared.quiet
    }

    /// The settings from these flags, the environment and the configuration
    /// file, read now (so "now" is the clock's, unless `SOURCE_DATE_EPOCH`).
    pub(super) fn resolve(&self) -> Result<Settings, ConfigError> {
        self.resolve_pinging(false)
    }

    /// [`resolve`](Self::resolve), for `feedgen build`: with `ping`, the
    /// `--ping` flag only it has.
    pub(super) fn resolve_pinging(&self, ping: bool) -> Result<Settings, ConfigError> {
        let SettingsFlags { shared, base_url, limit, archives, max_bytes, skip_invalid, cache_dir, no_cache } =
            &self.flags;
        let (file, file_dir) = read_config_file(shared.config.as_deref(), &shared.inputs)?;
        let overrides = Overrides {
            base_url: base_url.clone(),
            base_url_from_environment: self.base_url_from_environment,
            limit: *limit,
            archives: *archives,
            max_bytes: *max_bytes,
            skip_invalid: *skip_invalid,
            ping,
            cache: cache_dir.clone(),
            no_cache: *no_cache,
            ..shared.overrides()
        };
        Settings::resolve(file, &file_dir, overrides, shared.now()?)
    }
}

/// What `feedgen serve` asks before it previews drafts.
#[cfg(feature = "serve")]
impl SettingsArgs {
    /// The configuration file in use, if any.
    pub(super) fn config_file(&self) -> Option<PathBuf> {
        super::config_path(self.flags.shared.config.as_deref())
    }

    /// Whether `--output` was given on the command line, rather than the
    /// folder coming from `FEEDGEN_OUTPUT`, the configuration or the
    /// default. `FEEDGEN_OUTPUT` does not count: like `output:` in the
    /// configuration it is a standing setting (a CI job's, a shell
    /// profile's), most likely naming the folder that gets deployed.
    pub(super) fn output_given(&self) -> bool {
        self.output_on_command_line
    }

    /// The output folder `FEEDGEN_OUTPUT` set, when it was not overridden by `--output`.
    pub(super) fn output_from_environment(&self) -> Option<&std::path::Path> {
        self.flags.shared.output.as_deref().filter(|_| !self.output_on_command_line)
    }

    /// Whether `--unpublished` was given (rather than set in the configuration).
    pub(super) fn unpublished_given(&self) -> bool {
        self.flags.shared.unpublished
    }

    /// Whether `--future` was given (rather than set in the configuration).
    pub(super) fn future_given(&self) -> bool {
        self.flags.shared.future
    }
}
