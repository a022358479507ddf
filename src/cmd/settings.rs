//! The flags `feedgen build`, `serve` and `list` share, and the settings
//! they resolve to.

use std::path::PathBuf;

use clap::parser::ValueSource;
use clap::{ArgMatches, Args, Command, FromArgMatches};
use feedgen::Settings;
use feedgen::config::{self, ConfigError, Overrides};

use super::read_config_file;

/// The build settings on the command line (and in the environment), and
/// `--quiet`, remembering whether the output folder came from `--output`
/// itself: only that names a folder other than the one deployed (see
/// [`SettingsArgs::output_given`]); and whether the base URL came from
/// `FEEDGEN_BASE_URL`, so that a message about it names the variable.
#[derive(Debug)]
pub struct SettingsArgs {
    flags: SettingsFlags,
    output_on_command_line: bool,
    base_url_from_environment: bool,
}

/// The flags themselves, as clap parses them.
#[derive(Debug, Args)]
struct SettingsFlags {
    /// Configuration file [default: feedgen.yaml in the working directory, if present].
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Folder of records to read; repeat for several (replaces `input` of the config).
    #[arg(long = "input", value_name = "DIR")]
    inputs: Vec<PathBuf>,
    /// Folder to write the feeds to [default: feeds].
    #[arg(long, value_name = "DIR", env = "FEEDGEN_OUTPUT")]
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
    /// Write even when no record is to be published, or when most feeds in the output folder would be removed.
    #[arg(long)]
    allow_empty: bool,
    /// Print errors only: no warnings, no notes, no progress bar, no summary.
    #[arg(short, long)]
    quiet: bool,
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
    pub fn quiet(&self) -> bool {
        self.flags.quiet
    }

    /// The settings from these flags, the environment and the configuration
    /// file, read now (so "now" is the clock's, unless `SOURCE_DATE_EPOCH`).
    pub fn resolve(&self) -> Result<Settings, ConfigError> {
        let flags = &self.flags;
        let (file, file_dir) = read_config_file(flags.config.as_deref(), &flags.inputs)?;
        let source_date_epoch = std::env::var("SOURCE_DATE_EPOCH").ok();
        let now = config::now_from_source_date_epoch(source_date_epoch.as_deref())?;
        let overrides = Overrides {
            inputs: flags.inputs.clone(),
            output: flags.output.clone(),
            base_url: flags.base_url.clone(),
            base_url_from_environment: self.base_url_from_environment,
            limit: flags.limit,
            unpublished: flags.unpublished,
            future: flags.future,
            skip_invalid: flags.skip_invalid,
            allow_empty: flags.allow_empty,
        };
        config::resolve(file, &file_dir, overrides, now)
    }
}

/// What `feedgen serve` asks before it previews drafts.
#[cfg(feature = "serve")]
impl SettingsArgs {
    /// The configuration file in use, if any.
    pub fn config_file(&self) -> Option<PathBuf> {
        super::config_path(self.flags.config.as_deref())
    }

    /// Whether `--output` was given on the command line, rather than the
    /// folder coming from `FEEDGEN_OUTPUT`, the configuration or the
    /// default. `FEEDGEN_OUTPUT` does not count: like `output:` in the
    /// configuration it is a standing setting (a CI job's, a shell
    /// profile's), most likely naming the folder that gets deployed.
    pub fn output_given(&self) -> bool {
        self.output_on_command_line
    }

    /// The output folder `FEEDGEN_OUTPUT` set, when it was not overridden by `--output`.
    pub fn output_from_environment(&self) -> Option<&std::path::Path> {
        self.flags.output.as_deref().filter(|_| !self.output_on_command_line)
    }

    /// Whether `--unpublished` was given (rather than set in the configuration).
    pub fn unpublished_given(&self) -> bool {
        self.flags.unpublished
    }

    /// Whether `--future` was given (rather than set in the configuration).
    pub fn future_given(&self) -> bool {
        self.flags.future
    }
}
