//! The flags `feedgen build` and `feedgen serve` share, and the settings
//! they resolve to.

use std::path::PathBuf;

use clap::Args;
use feedgen::Settings;
use feedgen::config::{self, ConfigError, Overrides};

use super::{config_path, read_config_file};

/// The build settings on the command line, and `--quiet`.
#[derive(Debug, Args)]
pub struct SettingsArgs {
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
    /// Print errors only: no notes, no progress bar, no summary.
    #[arg(short, long)]
    pub quiet: bool,
}

impl SettingsArgs {
    /// The configuration file in use, if any.
    pub fn config_file(&self) -> Option<PathBuf> {
        config_path(self.config.as_deref())
    }

    /// Whether `--output` was given (rather than the configured folder or the default).
    pub fn output_given(&self) -> bool {
        self.output.is_some()
    }

    /// Whether `--unpublished` was given (rather than set in the configuration).
    pub fn unpublished_given(&self) -> bool {
        self.unpublished
    }

    /// Whether `--future` was given (rather than set in the configuration).
    pub fn future_given(&self) -> bool {
        self.future
    }

    /// The settings from these flags, the environment and the configuration
    /// file, read now (so "now" is the clock's, unless `SOURCE_DATE_EPOCH`).
    pub fn resolve(&self) -> Result<Settings, ConfigError> {
        let (file, file_dir) = read_config_file(self.config.as_deref())?;
        let source_date_epoch = std::env::var("SOURCE_DATE_EPOCH").ok();
        let now = config::now_from_source_date_epoch(source_date_epoch.as_deref())?;
        let overrides = Overrides {
            inputs: self.inputs.clone(),
            output: self.output.clone(),
            base_url: self.base_url.clone(),
            limit: self.limit,
            unpublished: self.unpublished,
            future: self.future,
            skip_invalid: self.skip_invalid,
        };
        config::resolve(file, &file_dir, overrides, now)
    }
}
