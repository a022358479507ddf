//! Configuration: `feedgen.yaml`, command-line overrides, and the settings a
//! build runs with. Precedence: flags > environment (`FEEDGEN_BASE_URL` and
//! `FEEDGEN_OUTPUT`, which the command line reads as the defaults of
//! `--base-url` and `--output`) > file > defaults.

use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer};
use thiserror::Error;
use url::Url;

use crate::load::RecordProblem;
use crate::markup::plain_text;
use crate::model::{Family, Format, Site};
use crate::uri::parse_web_link;

mod source;

pub use source::ConfigSource;
use source::refuse_given;

/// The name of the configuration file looked for in the working directory.
pub const CONFIG_FILE_NAME: &str = "feedgen.yaml";

/// Items per feed when configuration does not say.
pub const DEFAULT_LIMIT: usize = 50;

/// The most items an archive document holds when configuration does not
/// say: small enough for a reader to fetch a page at a time, large enough
/// that walking a long history takes few requests.
pub const DEFAULT_ARCHIVE_ITEMS: usize = 200;

/// How long one attempt to reach the WebSub hub may take when
/// configuration does not say (`ping_timeout`): long enough for a hub
/// across the world, short enough that a hub that is down costs a build
/// about half a minute at most (three attempts and 3 s of waits: see
/// [`ping`](crate::ping)).
pub const DEFAULT_PING_TIMEOUT: Duration = Duration::from_secs(10);

/// The longest `ping_timeout` taken, in seconds: an hour.
const MAX_PING_TIMEOUT: u64 = 3600;

/// `feedgen.yaml` as written. Unknown keys are refused: in a configuration
/// file they are typos, and a silently ignored setting is worse than an error.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, expecting = "settings written as `key: value` lines")]
pub struct ConfigFile {
    /// Where the file was read from, and its text, so that a problem with
    /// a setting can show its line; `None` for settings made in code.
    #[serde(skip)]
    pub source: Option<ConfigSource>,
    /// Site title.
    pub title: Option<String>,
    /// Absolute URL where the output folder is hosted.
    pub base_url: Option<String>,
    /// The site's home page (default: `base_url`).
    pub home_url: Option<String>,
    /// Firehose description.
    pub description: Option<String>,
    /// Language tag, e.g. `en`.
    pub language: Option<String>,
    /// Feed-level author (default: the title).
    pub author: Option<String>,
    /// A WebSub hub that every feed names with `rel="hub"`.
    pub hub_url: Option<String>,
    /// Tell `hub_url` which feed documents `feedgen build` changed.
    pub ping: Option<bool>,
    /// Seconds one attempt to reach the hub may take.
    pub ping_timeout: Option<u64>,
    /// Input folders, relative to this file; one path or a list.
    #[serde(default, deserialize_with = "one_or_many")]
    pub input: Vec<PathBuf>,
    /// Output folder, relative to this file.
    pub output: Option<PathBuf>,
    /// Items per feed; 0 = all.
    pub limit: Option<usize>,
    /// Keep every feed's full history as archive documents (RFC 5005).
    pub archives: Option<bool>,
    /// The most items one archive document holds.
    pub archive_items: Option<usize>,
    /// The largest a feed's subscription document may be, in bytes.
    pub max_bytes: Option<u64>,
    /// Formats to write.
    pub formats: Option<Vec<Format>>,
    /// Feed families to build.
    pub families: Option<Vec<Family>>,
    /// Include `published: false` records.
    pub unpublished: Option<bool>,
    /// Include future-dated records.
    pub future: Option<bool>,
    /// Let a build with no record to publish, or one that removes most
    /// feeds, go on ([`Refusal`](crate::Refusal)).
    pub allow_empty: Option<bool>,
    /// The build cache's folder, relative to this file (default
    /// `.feedgen-cache` beside it).
    pub cache: Option<PathBuf>,
}

fn one_or_many<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<PathBuf>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(PathBuf),
        Many(Vec<PathBuf>),
    }
    Ok(match OneOrMany::deserialize(deserializer)? {
        OneOrMany::One(path) => vec![path],
        OneOrMany::Many(paths) => paths,
    })
}

/// What the command line says; `None`/`false`/empty means "not given".
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    /// `--input`, relative to the working directory.
    pub inputs: Vec<PathBuf>,
    /// `--output` or `FEEDGEN_OUTPUT`, relative to the working directory.
    pub output: Option<PathBuf>,
    /// `--base-url` or `FEEDGEN_BASE_URL`.
    pub base_url: Option<String>,
    /// `base_url` came from `FEEDGEN_BASE_URL`, not `--base-url`: a
    /// message about it names the one that set it.
    pub base_url_from_environment: bool,
    /// `--limit`.
    pub limit: Option<usize>,
    /// `--archives`.
    pub archives: bool,
    /// `--max-bytes`.
    pub max_bytes: Option<u64>,
    /// `--ping` (`feedgen build` only).
    pub ping: bool,
    /// `--unpublished`.
    pub unpublished: bool,
    /// `--future`.
    pub future: bool,
    /// `--skip-invalid`.
    pub skip_invalid: bool,
    /// `--allow-empty`.
    pub allow_empty: bool,
    /// `--cache-dir` or `FEEDGEN_CACHE_DIR`, relative to the working directory.
    pub cache: Option<PathBuf>,
    /// `--no-cache`: read and write no build cache.
    pub no_cache: bool,
}

/// Everything a build needs, resolved and checked.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// Feed-level facts.
    pub site: Site,
    /// Folders (or files) to read records from.
    pub inputs: Vec<PathBuf>,
    /// Folder the feeds are written to.
    pub output: PathBuf,
    /// Items per feed; 0 = all.
    pub limit: usize,
    /// Write every feed's items beyond `limit` as archive documents
    /// (RFC 5005) with pages for people.
    pub archives: bool,
    /// The most items one archive document holds (at least 1).
    pub archive_items: usize,
    /// The largest a feed's subscription document may be, in bytes, in
    /// every format: a feed over it keeps its newest items that fit (at
    /// least one). `None`: no budget.
    pub max_bytes: Option<u64>,
    /// Take the item ids that changed since the output folder's last build
    /// as the ids to keep: the id guard records them and stops warning
    /// (`feedgen build --accept-id-changes`). Off after [`Settings::resolve`].
    pub accept_id_changes: bool,
    /// Tell the hub (`site.hub_url`, then always set) which feed documents
    /// a build changed: `feedgen build` calls [`ping`](crate::ping) after
    /// writing when this is on. [`run`](crate::run) and
    /// [`build`](crate::build) never ping by themselves.
    pub ping: bool,
    /// How long one attempt to reach the hub may take (at least a second).
    pub ping_timeout: Duration,
    /// Formats to write, in order.
    pub formats: Vec<Format>,
    /// Families to build, in order.
    pub families: Vec<Family>,
    /// Include `published: false` records.
    pub include_unpublished: bool,
    /// Include records dated after `now`.
    pub include_future: bool,
    /// Build the valid records when some are invalid, instead of failing.
    pub skip_invalid: bool,
    /// Write even when the build has no record to publish or removes most
    /// of the feeds in the output folder ([`Refusal`](crate::Refusal)).
    pub allow_empty: bool,
    /// The moment that decides which records are in the future.
    pub now: DateTime<Utc>,
    /// The folder of the build cache, which lets a build skip the records
    /// and feeds that did not change since the last one (see
    /// [`run`](crate::run)); `None` (`--no-cache`): no cache is read or written.
    pub cache: Option<PathBuf>,
}

/// The name of the build cache's folder, beside `feedgen.yaml` (or in the
/// working directory without one) unless configured elsewhere.
pub const CACHE_DIR_NAME: &str = ".feedgen-cache";

/// What `feedgen check` needs: [`Settings`] without the site, since
/// records are validated without knowing where feeds will be hosted.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckSettings {
    /// Folders (or files) to read records from.
    pub inputs: Vec<PathBuf>,
    /// The folder a build writes to: skipped should it lie below an input,
    /// and where the check reports what a build would refuse.
    pub output: PathBuf,
    /// Families a build gathers, in order.
    pub families: Vec<Family>,
    /// Validate `published: false` records too.
    pub include_unpublished: bool,
    /// Records dated after `now` are wanted: no warning for them.
    pub include_future: bool,
    /// Report nothing a build would refuse ([`Refusal`](crate::Refusal)).
    pub allow_empty: bool,
    /// The moment that decides which records are in the future.
    pub now: DateTime<Utc>,
}

/// A configuration problem: the user must fix a setting or a flag.
#[derive(Debug, Error)]
pub enum ConfigError {
    /// The configuration file cannot be read.
    #[error("cannot read {}: {source}", .path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A setting in the configuration file is wrong; the problem points at
    /// its line, as a record problem does.
    #[error("{0}")]
    InFile(Box<RecordProblem>),
    /// A setting with no line of the configuration file to point at (a
    /// flag, an environment variable, settings made in code) has an
    /// unusable value, or a required one is missing.
    #[error("{0}")]
    Invalid(String),
    /// There is no configuration file and no input folder was given: most
    /// likely a first run in a folder that is not a site yet.
    #[error(
        "no {CONFIG_FILE_NAME} in this folder and no --input: run `feedgen init` to create a starter site, \
         or pass --input DIR (and --base-url URL)"
    )]
    NoSite,
}

/// Read and parse a configuration file.
pub fn read_config(path: &Path) -> Result<ConfigFile, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read { path: path.to_owned(), source })?;
    if text.trim().is_empty() {
        return Ok(ConfigFile::default());
    }
    let source = ConfigSource::new(path, text);
    let file: ConfigFile = serde_yaml::from_str(source.text()).map_err(|error| source.parse_error(&error))?;
    Ok(ConfigFile { source: Some(source), ..file })
}

/// "Now" for a build: `SOURCE_DATE_EPOCH` (whole seconds since 1970) when
/// set, so that builds can be reproduced; otherwise the clock.
pub fn now_from_source_date_epoch(value: Option<&str>) -> Result<DateTime<Utc>, ConfigError> {
    let Some(value) = value.filter(|value| !value.trim().is_empty()) else { return Ok(Utc::now()) };
    value.trim().parse::<i64>().ok().and_then(|seconds| DateTime::from_timestamp(seconds, 0)).ok_or_else(|| {
        ConfigError::Invalid(format!("SOURCE_DATE_EPOCH must be whole seconds since 1970, not {value:?}"))
    })
}

/// What a refused URL setting is.
const NOT_A_WEB_LINK: &str = "not an absolute http(s) URL";

/// What to write instead of a refused `base_url`.
const BASE_URL_HINT: &str = "write the address the output folder is served from, such as https://example.com/feeds/";

/// `text` as an absolute http(s) URL that ends in `/`, so that relative
/// feed paths join below it.
fn folder_url(text: &str) -> Option<Url> {
    let mut url = parse_web_link(text)?;
    if !url.path().ends_with('/') {
        url.set_path(&format!("{}/", url.path()));
    }
    Some(url)
}

/// Whether `text` is a language tag whose primary subtag is an ISO 639-1
/// code (`en`, `en-GB`, `zh-Hant`): RSS readers and the W3C validator
/// expect ISO 639 codes, and a two-letter one is what every reader knows.
fn is_language(text: &str) -> bool {
    let well_formed = !text.is_empty()
        && text
            .split('-')
            .all(|part| !part.is_empty() && part.len() <= 8 && part.chars().all(|c| c.is_ascii_alphanumeric()));
    let primary = text.split('-').next().unwrap_or_default().to_ascii_lowercase();
    well_formed && primary.len() == 2 && isolang::Language::from_639_1(&primary).is_some()
}

/// The input folders: `--input` if given, else `input` of the file
/// (relative to its folder); at least one.
fn resolve_inputs(file: &ConfigFile, file_dir: &Path, given: Vec<PathBuf>) -> Result<Vec<PathBuf>, ConfigError> {
    let inputs = if given.is_empty() { file.input.iter().map(|input| file_dir.join(input)).collect() } else { given };
    if inputs.is_empty() && file.writes("input") {
        let hint = "write the folder of records, as in `input: articles`, or pass --input DIR";
        return Err(file.refuse("input", "", "names no folder", hint));
    }
    if inputs.is_empty() {
        return Err(ConfigError::Invalid(
            "no input folders: set `input:` in feedgen.yaml or pass --input DIR".to_owned(),
        ));
    }
    Ok(inputs)
}

/// The output folder: `given` (`--output` or `FEEDGEN_OUTPUT`) if set, else
/// `output` of the file (relative to its folder), else `feeds` beside it.
fn resolve_output(file: &ConfigFile, file_dir: &Path, given: Option<PathBuf>) -> PathBuf {
    given.unwrap_or_else(|| file_dir.join(file.output.as_deref().unwrap_or(Path::new("feeds"))))
}

/// The families to build, in order, each once; at least one.
fn resolve_families(file: &ConfigFile) -> Result<Vec<Family>, ConfigError> {
    let mut families = file.families.clone().unwrap_or_else(|| Family::DEFAULT.to_vec());
    families.sort();
    families.dedup();
    if families.is_empty() {
        let hint = "list at least one of all, topics, providers, categories, types, \
                    or leave families out for all, topics and providers";
        return Err(file.refuse("families", "", "names no family", hint));
    }
    Ok(families)
}

impl CheckSettings {
    /// Combine the file (whose relative paths are relative to `file_dir`)
    /// with the command line, as [`Settings::resolve`] does for what a
    /// check needs; `now` decides which records are in the future.
    pub fn resolve(
        file: ConfigFile,
        file_dir: &Path,
        overrides: Overrides,
        now: DateTime<Utc>,
    ) -> Result<CheckSettings, ConfigError> {
        Ok(CheckSettings {
            inputs: resolve_inputs(&file, file_dir, overrides.inputs)?,
            output: resolve_output(&file, file_dir, overrides.output),
            families: resolve_families(&file)?,
            include_unpublished: overrides.unpublished || file.unpublished.unwrap_or(false),
            include_future: overrides.future || file.future.unwrap_or(false),
            allow_empty: overrides.allow_empty || file.allow_empty.unwrap_or(false),
            now,
        })
    }
}

/// The build cache's folder: none with `--no-cache`, else `--cache-dir`
/// (or `FEEDGEN_CACHE_DIR`), else `cache` of the file (relative to its
/// folder), else [`CACHE_DIR_NAME`] beside the file.
fn resolve_cache(file: &ConfigFile, file_dir: &Path, overrides: &Overrides) -> Option<PathBuf> {
    if overrides.no_cache {
        return None;
    }
    let written = || file_dir.join(file.cache.as_deref().unwrap_or(Path::new(CACHE_DIR_NAME)));
    Some(overrides.cache.clone().unwrap_or_else(written))
}

impl Settings {
    /// Combine the file (whose relative paths are relative to `file_dir`)
    /// with the command line; `now` decides which records are in the future.
    pub fn resolve(
        file: ConfigFile,
        file_dir: &Path,
        overrides: Overrides,
        now: DateTime<Utc>,
    ) -> Result<Settings, ConfigError> {
        let base_url = match (overrides.base_url.as_deref(), file.base_url.as_deref()) {
            (Some(text), _) => folder_url(text).ok_or_else(|| {
                let name = if overrides.base_url_from_environment { "FEEDGEN_BASE_URL" } else { "--base-url" };
                refuse_given(name, text, NOT_A_WEB_LINK, BASE_URL_HINT)
            })?,
            (None, Some(text)) => {
                folder_url(text).ok_or_else(|| file.refuse("base_url", text, NOT_A_WEB_LINK, BASE_URL_HINT))?
            }
            (None, None) => {
                return Err(ConfigError::Invalid(
                    "base_url is not set: add `base_url: https://example.com/feeds/` to feedgen.yaml, \
                     pass --base-url or set FEEDGEN_BASE_URL"
                        .to_owned(),
                ));
            }
        };
        let home_url = match &file.home_url {
            Some(text) => parse_web_link(text).ok_or_else(|| {
                let hint =
                    "write the site's address, such as https://example.com/, or leave home_url out to use base_url";
                file.refuse("home_url", text, NOT_A_WEB_LINK, hint)
            })?,
            None => base_url.clone(),
        };
        let hub_url = file
            .hub_url
            .as_deref()
            .map(|text| {
                parse_web_link(text).ok_or_else(|| {
                    let hint = "write the address of a WebSub hub, such as https://pubsubhubbub.appspot.com/, \
                                or leave hub_url out";
                    file.refuse("hub_url", text, NOT_A_WEB_LINK, hint)
                })
            })
            .transpose()?;
        let language = match file.language.as_deref().map(str::trim) {
            Some(text) if !is_language(text) => {
                let what = "not a language tag that starts with an ISO 639-1 code";
                let hint = "write a two-letter code such as en, or a tag such as en-GB or zh-Hant";
                return Err(file.refuse("language", text, what, hint));
            }
            language => language.map(str::to_owned),
        };
        let title =
            file.title.as_deref().map(plain_text).filter(|t| !t.is_empty()).unwrap_or_else(|| "Feeds".to_owned());
        let description = file.description.as_deref().map(plain_text).filter(|d| !d.is_empty());
        let author = file.author.as_deref().map(plain_text).filter(|a| !a.is_empty());
        let site = Site {
            description: description.unwrap_or_else(|| format!("Latest articles from {title}")),
            author: author.unwrap_or_else(|| title.clone()),
            title,
            base_url,
            home_url,
            hub_url,
            language,
        };

        let cache = resolve_cache(&file, file_dir, &overrides);
        let inputs = resolve_inputs(&file, file_dir, overrides.inputs)?;
        let output = resolve_output(&file, file_dir, overrides.output);

        let mut formats = file.formats.clone().unwrap_or_else(|| Format::ALL.to_vec());
        formats.sort();
        formats.dedup();
        if formats.is_empty() {
            let hint = "list at least one of rss, atom, json, or leave formats out to write all three";
            return Err(file.refuse("formats", "", "names no format", hint));
        }
        let families = resolve_families(&file)?;
        let archive_items = file.archive_items.unwrap_or(DEFAULT_ARCHIVE_ITEMS);
        if archive_items == 0 {
            let hint = format!("an archive document holds at least one item; leave it out for {DEFAULT_ARCHIVE_ITEMS}");
            return Err(file.refuse("archive_items", "0", "not a number of items", &hint));
        }
        let ping_timeout = match file.ping_timeout {
            None => DEFAULT_PING_TIMEOUT,
            Some(seconds @ 1..=MAX_PING_TIMEOUT) => Duration::from_secs(seconds),
            Some(seconds) => {
                let hint = format!(
                    "write how many seconds one attempt to reach the hub may take, from 1 to {MAX_PING_TIMEOUT}; \
                     leave it out for {}",
                    DEFAULT_PING_TIMEOUT.as_secs()
                );
                return Err(file.refuse("ping_timeout", &seconds.to_string(), "not a number of seconds", &hint));
            }
        };
        let ping = overrides.ping || file.ping.unwrap_or(false);
        if ping && site.hub_url.is_none() {
            let what = "no hub to tell";
            let hint = "set hub_url to your WebSub hub, such as https://pubsubhubbub.appspot.com/";
            return Err(if overrides.ping {
                refuse_given("--ping", "", what, &format!("{hint}, in feedgen.yaml"))
            } else {
                file.refuse("ping", "", what, &format!("{hint}, or leave ping out"))
            });
        }

        const MAX_BYTES_HINT: &str = "a feed keeps at least one item whatever its size; write a size in bytes \
                                      such as 524288 (512 KiB), or leave max_bytes out for no budget";
        let max_bytes = match (overrides.max_bytes, file.max_bytes) {
            (Some(0), _) => return Err(refuse_given("--max-bytes", "0", "not a size", MAX_BYTES_HINT)),
            (None, Some(0)) => return Err(file.refuse("max_bytes", "0", "not a size", MAX_BYTES_HINT)),
            (given, written) => given.or(written),
        };

        Ok(Settings {
            site,
            inputs,
            output,
            limit: overrides.limit.or(file.limit).unwrap_or(DEFAULT_LIMIT),
            archives: overrides.archives || file.archives.unwrap_or(false),
            archive_items,
            max_bytes,
            accept_id_changes: false,
            ping,
            ping_timeout,
            formats,
            families,
            include_unpublished: overrides.unpublished || file.unpublished.unwrap_or(false),
            include_future: overrides.future || file.future.unwrap_or(false),
            skip_invalid: overrides.skip_invalid,
            allow_empty: overrides.allow_empty || file.allow_empty.unwrap_or(false),
            now,
            cache,
        })
    }
}
