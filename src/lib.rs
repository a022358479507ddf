//! feedgen turns a folder of article records (YAML front matter plus an
//! optional Markdown body) into static feeds: a firehose and one feed per
//! topic and per provider, each in RSS 2.0, Atom 1.0 and JSON Feed 1.1,
//! with an HTML page per feed, an index page and an OPML list.
//!
//! This crate is the library behind the `feedgen` command. A program that
//! embeds it resolves [`Settings`] (from a [`ConfigFile`] and [`Overrides`],
//! as the command does) and calls one entry point: [`build`] writes the
//! output folder, [`run`] writes it or only compares with it ([`Mode`]),
//! with progress and a stop flag, [`plan`] renders every file in memory,
//! [`list`] names the feeds, [`check`] validates the records. Each returns
//! a [`Report`] or a typed error ([`BuildError`]); [`init`] writes a
//! starter site; after a build that wrote, [`ping`] tells the WebSub hub
//! which feed documents changed.
//!
//! ```
//! use feedgen::{ConfigFile, Overrides, Settings};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let site = tempfile::tempdir()?;
//! # let (articles, feeds) = (site.path().join("articles"), site.path().join("feeds"));
//! # std::fs::create_dir(&articles)?;
//! # std::fs::write(
//! #     articles.join("hello.md"),
//! #     "---\ntitle: Hello\npublishedDateTime: 2026-01-01\noriginalUrl: https://example.com/hello\ntopics: [News]\n---\n",
//! # )?;
//! let file = ConfigFile { base_url: Some("https://example.com/feeds/".into()), ..ConfigFile::default() };
//! let overrides = Overrides { inputs: vec![articles], output: Some(feeds.clone()), ..Overrides::default() };
//! // Relative paths of the file, and the build cache, go in the site's folder.
//! let settings = Settings::resolve(file, site.path(), overrides, chrono::Utc::now())?;
//!
//! let report = feedgen::build(&settings)?;
//! assert_eq!(report.feeds, 2); // the firehose and the topic "News"
//! assert!(feeds.join("topics/news.rss.xml").is_file());
//! # Ok(())
//! # }
//! ```
//!
//! Inside, a build is a pipeline of modules that talk through plain data
//! (the types of `model`): `load` reads files into records; `gather`
//! selects them (drafts are already out; future-dated ones wait, one record
//! per link), groups them into feeds and has `prepare` turn the records
//! that stay into items, streaming, on every core; `render` turns each feed
//! into bytes in every format; `write` brings the output folder up to date,
//! once the `guard` has agreed. Memory follows feeds × limit, not the
//! corpus. (The preview server, `feedgen serve`, belongs to the binary.)

mod budget;
mod cache;
mod check;
mod config;
mod english;
mod gather;
mod guard;
mod history;
mod ids;
mod init;
mod load;
mod markup;
mod model;
mod ping;
mod prepare;
mod progress;
mod reading;
#[cfg(any(test, feature = "reference"))]
pub mod reference;
mod render;
mod uri;
mod write;

/// The code in docs/library.md, compiled as a doctest so the guide's
/// example keeps up with the API.
#[cfg(doctest)]
#[doc = include_str!("../docs/library.md")]
pub struct LibraryGuide;

pub use check::{Checked, check};
pub use config::{
    CACHE_DIR_NAME, CONFIG_FILE_NAME, CheckSettings, ConfigError, ConfigFile, ConfigSource, DEFAULT_ARCHIVE_ITEMS,
    DEFAULT_LIMIT, DEFAULT_PING_TIMEOUT, Overrides, Settings, now_from_source_date_epoch, read_config,
};
pub use english::counted;
pub use guard::Refusal;
pub use history::ArchiveError;
pub use init::{InitError, PLACEHOLDER_BASE_URL, init};
pub use load::{
    Excerpt, LoadError, LoadOptions, MAX_RECORD_BYTES, Parsed, Position, RecordProblem, Survey, WarnOptions,
    inputs_exist, is_input_path, parse_record,
};
pub use model::{
    Duplicate, Family, Feed, Format, IDS_NAME, Image, Item, ItemImage, ItemLink, ItemProvider, MANIFEST_NAME,
    OutputFile, Provider, Record, Related, Site, local_path,
};
pub use ping::{PingError, Pinged, ping};
pub use progress::{Progress, Silent, Stage};
pub use render::RenderError;
pub use write::{Changes, WriteError};

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use thiserror::Error;

use budget::Budget;
use cache::{BuildCache, Decided, Edited, Shortcut, Written};
use gather::{GatherOptions, Gathered, SelectOptions, TopicNames};
use guard::Guard;
use history::{Archive, Keeping};
use ids::IdGuard;
use load::Sources;
use reading::{Request, gather_records};
use render::{Files, Rendering};

/// What a build read, left out and produced.
#[derive(Debug, Default)]
pub struct Report {
    /// Record files read: valid, invalid or unpublished.
    pub records_read: usize,
    /// `published: false` records left out.
    pub unpublished: usize,
    /// Future-dated records held back.
    pub future: usize,
    /// Records collapsed into another with the same link.
    pub duplicates: Vec<Duplicate>,
    /// Records that became items: valid, and neither future nor duplicate.
    pub published: usize,
    /// Files skipped for having no front matter.
    pub without_front_matter: Vec<PathBuf>,
    /// With `skip_invalid`: every problem of the records left out as invalid.
    pub skipped: Vec<RecordProblem>,
    /// Data left out of records that were built (an image or related
    /// article without a usable link), each at its file, line and field, in
    /// input, then path order. Found once, as the records are first read.
    pub warnings: Vec<RecordProblem>,
    /// Records whose item id changed since the output folder's last build
    /// (their link was edited), each at its file and line; `build --check`
    /// fails on them. Found only by [`run`].
    pub id_changes: Vec<RecordProblem>,
    /// Feeds built (each written once per format).
    pub feeds: usize,
    /// Feeds that left items out of their subscription document to stay
    /// within `max_bytes`.
    pub trimmed_feeds: usize,
    /// Archive documents built (each written once per format, with a
    /// page): none unless `archives` is on.
    pub archives: usize,
    /// Files produced.
    pub files: usize,
    /// How the output folder differs (or differed, before writing) from
    /// what the build produced; empty until it is compared or written.
    pub output: Changes,
    /// Record files the build cache had read before, taken from it unparsed.
    pub records_reused: usize,
    /// Feeds the build cache knew unchanged on disk: neither rendered nor compared.
    pub feeds_kept: usize,
    /// Archive documents the build cache knew unchanged on disk (each
    /// counted once for all its formats and its page): neither rendered
    /// nor compared.
    pub archives_kept: usize,
    /// What went wrong with the build cache (ignored as damaged, or not
    /// saved): it cost time, not correctness.
    pub cache_warnings: Vec<String>,
}

impl Report {
    /// How many record files were left out as invalid.
    pub fn invalid_records(&self) -> usize {
        self.skipped.iter().map(|error| &error.path).collect::<BTreeSet<_>>().len()
    }
}

/// A build, rendered but not written.
#[derive(Debug)]
pub struct Plan {
    /// Every output file.
    pub files: Vec<OutputFile>,
    /// What went into it.
    pub report: Report,
}

/// Why a build failed.
#[derive(Debug, Error)]
pub enum BuildError {
    /// An input is missing.
    #[error(transparent)]
    Load(#[from] LoadError),
    /// Some records are invalid; every problem is listed.
    #[error("{} in the records; nothing was written", english::counted(.0.len(), "problem"))]
    InvalidRecords(Vec<RecordProblem>),
    /// Rendering failed.
    #[error(transparent)]
    Render(#[from] RenderError),
    /// Writing failed.
    #[error(transparent)]
    Write(#[from] WriteError),
    /// The archives' temporary files failed (a full disk).
    #[error(transparent)]
    Archive(#[from] ArchiveError),
    /// The build would throw published feeds away ([`Refusal`]); nothing
    /// was written.
    #[error(transparent)]
    Refused(#[from] Refusal),
    /// Asked to stop before anything was written (or after writing
    /// started, before any file was put in place): the output folder is as
    /// it was.
    #[error("stopped before anything was written; {} is as it was", .0.display())]
    Stopped(PathBuf),
}

/// One feed a build would write, as `feedgen list` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedSummary {
    /// Its family.
    pub family: Family,
    /// File name stem, unique within the family.
    pub slug: String,
    /// Path of its files without the extension, e.g. `topics/rust`.
    pub stem: String,
    /// Display name; empty for the firehose.
    pub name: String,
    /// How many items it holds.
    pub items: usize,
    /// Publication date of its newest item.
    pub newest: Option<chrono::DateTime<chrono::Utc>>,
    /// How many of its newest items were left out of its subscription
    /// document to stay within `max_bytes` (with `archives`, they are in
    /// the archive documents).
    pub left_out: usize,
    /// How many archive documents hold its older items (with `archives`).
    pub archives: usize,
    /// How many items those archive documents hold.
    pub archived_items: usize,
}

/// The feeds a build of `settings` would write, in output order, without
/// rendering or writing anything; the report says what was read and left out.
pub fn list(settings: &Settings) -> Result<(Vec<FeedSummary>, Report), BuildError> {
    let Gathering { feeds, left_out, archive, report, .. } =
        gather_feeds(settings, Keeping::Ids, &Silent, &AtomicBool::new(false), None, None)?;
    let summaries = feeds
        .into_iter()
        .zip(left_out)
        .enumerate()
        .map(|(index, (feed, left_out))| {
            let pages = archive.as_ref().map_or(&[][..], |archive| archive.pages(index));
            FeedSummary {
                stem: feed.stem(),
                items: feed.items.len(),
                newest: feed.items.first().map(|item| item.published),
                family: feed.family,
                slug: feed.slug,
                name: feed.name,
                left_out,
                archives: pages.len(),
                archived_items: pages.iter().map(|page| page.count).sum(),
            }
        })
        .collect();
    Ok((summaries, report))
}

/// Load, select, group and render: the whole build, with every output
/// file's bytes in memory (see [`run`] for a build that holds them one at a
/// time).
///
/// Invalid records fail the build unless `settings.skip_invalid` is set, in
/// which case they are left out and listed in [`Report::skipped`].
pub fn plan(settings: &Settings) -> Result<Plan, BuildError> {
    let Gathering { feeds, archive, mut report, .. } =
        gather_feeds(settings, Keeping::Items, &Silent, &AtomicBool::new(false), None, None)?;
    let files = render::render_all(&feeds, &settings.site, &settings.formats, archive.as_ref())?;
    report.files = files.len();
    Ok(Plan { files, report })
}

impl From<history::PageError> for BuildError {
    fn from(error: history::PageError) -> Self {
        match error {
            history::PageError::Temporary(error) => BuildError::Archive(error.into()),
            history::PageError::Changed(path) => BuildError::Load(LoadError::Changed(path)),
        }
    }
}

/// Read every record and gather the feeds, streaming ([`gather`]), with
/// their archives (keeping what `keeping` says) when `settings.archives` is
/// on.
fn gather_feeds(
    settings: &Settings,
    keeping: Keeping,
    progress: &dyn Progress,
    stop: &AtomicBool,
    ids: Option<&IdGuard>,
    cache: Option<&BuildCache>,
) -> Result<Gathering, BuildError> {
    let sources = Sources::new(&settings.inputs, &settings.output, stop)?;
    // With `limit: 0` and no budget, every item is in its feed's
    // subscription document: no archive.
    let may_archive = settings.limit > 0 || settings.max_bytes.is_some();
    let scales = settings
        .max_bytes
        .map(|max_bytes| history::Scales::new(max_bytes, &settings.site, &settings.formats))
        .transpose()?;
    // Through the cache, archives keep records by their files, which pages
    // that change read again; never with a size budget, which weighs every
    // item ([`run`] uses no cache then).
    let keeping = if cache.is_some() && scales.is_none() { Keeping::Files } else { keeping };
    let collector = (settings.archives && may_archive).then(|| history::Collector::new(keeping, scales)).transpose()?;
    let request = Request {
        sources: &sources,
        load: LoadOptions { include_unpublished: settings.include_unpublished, warn: None },
        gather: GatherOptions {
            select: SelectOptions { include_future: settings.include_future, now: settings.now },
            families: settings.families.clone(),
            limit: settings.limit,
        },
        skip_invalid: settings.skip_invalid,
        keep: collector.as_ref().map(|collector| collector as &dyn gather::Keep),
        ids,
        reader: cache.map(BuildCache::reader),
    };
    let mut found = gather_records(&request, progress)?;
    let finish = |collector: history::Collector, gathered: &Gathered, left_out: &[usize]| {
        collector.finish(gathered, left_out, settings.limit, settings.archive_items)
    };
    // The size budget trims the feeds the cache does not keep, and the
    // archives hold what it leaves out. Without a budget, the archives come
    // first, for the cache to keep their pages too (it is not used for
    // archives with a budget: [`run`]).
    let (left_out, archive, decided) = match settings.max_bytes {
        Some(max_bytes) => {
            let decided = decide(cache, settings, &mut found.gathered, None)?;
            let budget =
                Budget { max_bytes, site: &settings.site, formats: &settings.formats, archives: settings.archives };
            let kept = decided.as_ref().map_or(&[][..], |decided| decided.kept.as_slice());
            let left_out = budget.trim(&mut found.gathered.feeds, kept)?;
            let archive = collector.map(|collector| finish(collector, &found.gathered, &left_out)).transpose()?;
            (left_out, archive, decided)
        }
        None => {
            let left_out = vec![0; found.gathered.feeds.len()];
            let archive = collector.map(|collector| finish(collector, &found.gathered, &left_out)).transpose()?;
            let decided = decide(cache, settings, &mut found.gathered, archive.as_ref())?;
            (left_out, archive, decided)
        }
    };
    let report = Report {
        published: found.published(),
        records_read: found.survey.records_read,
        unpublished: found.survey.unpublished,
        future: found.gathered.future,
        duplicates: found.gathered.duplicates,
        without_front_matter: found.survey.without_front_matter,
        skipped: found.survey.errors,
        warnings: found.survey.warnings,
        feeds: found.gathered.feeds.len(),
        trimmed_feeds: left_out.iter().filter(|&&count| count > 0).count(),
        archives: archive.as_ref().map_or(0, Archive::page_count),
        feeds_kept: decided.as_ref().map_or(0, |decided| decided.kept.iter().flatten().count()),
        archives_kept: decided.as_ref().map_or(0, |decided| decided.archives_kept),
        ..Report::default()
    };
    let (feeds, shown, topic_names) = (found.gathered.feeds, found.gathered.shown, found.gathered.topic_names);
    Ok(Gathering { feeds, left_out, archive, report, shown, decided, topic_names })
}

/// What the build `cache` (if any) decides about the `gathered` feeds
/// and their `archive` ([`BuildCache::decide`]).
fn decide(
    cache: Option<&BuildCache>,
    settings: &Settings,
    gathered: &mut Gathered,
    archive: Option<&Archive>,
) -> Result<Option<Decided>, BuildError> {
    let Some(cache) = cache else { return Ok(None) };
    let names = (&gathered.topic_names, archive);
    cache.decide(&mut gathered.feeds, settings, &gathered.shown, names).map(Some)
}

/// What [`gather_feeds`] gives: the feeds, how many items each left out
/// for the size budget, their archives, the report so far, the file
/// and id of every item the feeds held before the budget, and which feeds
/// the build cache knows unchanged on disk.
struct Gathering {
    feeds: Vec<Feed>,
    left_out: Vec<usize>,
    archive: Option<Archive>,
    report: Report,
    shown: Vec<(PathBuf, String)>,
    decided: Option<Decided>,
    topic_names: TopicNames,
}

/// What [`run`] does with the build.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Bring the output folder up to date.
    Write,
    /// Compare with the output folder and write nothing (`build --check`).
    Compare,
}

/// Build, then write the output folder or only compare with it, telling
/// `progress` how far it got. [`Report::output`] says what changed (or
/// would change). Nothing is written unless every feed rendered, every
/// record is valid (or `skip_invalid` is set) and the guard agrees
/// (or `allow_empty` is set).
///
/// Once `stop` is set (say, on Ctrl-C), the build stops at the next file
/// it reads or renders with [`BuildError::Stopped`], leaving the output
/// folder as it was; set after files started being put in place (a few
/// renames), it lets the build finish.
pub fn run(settings: &Settings, mode: Mode, progress: &dyn Progress, stop: &AtomicBool) -> Result<Report, BuildError> {
    let stopped = |error: BuildError| match error {
        BuildError::Load(LoadError::Stopped) | BuildError::Write(WriteError::Stopped(_)) => {
            BuildError::Stopped(settings.output.clone())
        }
        BuildError::Write(WriteError::Refused(refusal)) => BuildError::Refused(refusal),
        error => error,
    };
    let control = write::Control { progress, stop };
    // Archives with a size budget are always built in full: their pages
    // are cut by every item's size, which the cache does not keep.
    let cache = settings
        .cache
        .as_deref()
        .filter(|_| !(settings.archives && settings.max_bytes.is_some()))
        .map(|folder| BuildCache::open(folder, settings));
    if let Some(cache) = cache {
        let sources = Sources::new(&settings.inputs, &settings.output, stop).map_err(|error| stopped(error.into()))?;
        return match cache.shortcut(&sources, settings).map_err(|error| stopped(error.into()))? {
            Some(Shortcut::Unchanged { mut report, files }) => {
                report.output = put(settings, mode, &files, None, &report, control, None).map_err(stopped)?;
                (_, report.cache_warnings) = close_cache(cache, settings, None);
                Ok(report)
            }
            Some(Shortcut::Edited(edited)) => run_edited(settings, mode, cache, edited, control).map_err(stopped),
            None => run_through(settings, mode, Some(cache), control).map_err(stopped),
        };
    }
    run_through(settings, mode, None, control).map_err(stopped)
}

/// [`run`], reading the records and rendering the feeds (those the build
/// cache does not know unchanged).
fn run_through(
    settings: &Settings,
    mode: Mode,
    cache: Option<BuildCache>,
    control: write::Control<'_>,
) -> Result<Report, BuildError> {
    let select = SelectOptions { include_future: settings.include_future, now: settings.now };
    let ids = IdGuard::open(&settings.inputs, &settings.output, select);
    let Gathering { feeds, archive, mut report, shown, left_out, mut decided, topic_names } =
        gather_feeds(settings, Keeping::Items, control.progress, control.stop, Some(&ids), cache.as_ref())?;
    let (id_changes, id_list) = ids.finish(&shown, &report.duplicates, settings.accept_id_changes);
    report.id_changes = id_changes;
    let members = cache.as_ref().map(|_| members_of(&feeds, shown)).unwrap_or_default();
    let current = decided.as_mut().map(|decided| std::mem::take(&mut decided.current)).unwrap_or_default();
    let mut noted = Vec::new();
    let noting = (cache.is_some() && mode == Mode::Write).then_some(&mut noted);
    {
        let reread = cache.as_ref().map(BuildCache::reread);
        let mut files = Rendering::new(&feeds, &settings.site, &settings.formats, archive.as_ref()).keeping(current);
        if let Some(reread) = &reread {
            files = files.rereading(reread);
        }
        report.files = files.count();
        report.output = put(settings, mode, &files, Some(&id_list), &report, control, noting)?;
    }
    let Some(cache) = cache else { return Ok(report) };
    let expected_files = report.files + cache::OWN_FILES.len();
    let written = decided.filter(|_| mode == Mode::Write).map(|decided| Written {
        feeds: &feeds,
        decided,
        left_out: &left_out,
        files: noted,
        expected_files,
        report: &report,
        members,
        topic_names: topic_names.pairs(),
        span: None,
    });
    let (reused, warnings) = close_cache(cache, settings, written);
    report.records_reused = reused;
    report.cache_warnings = warnings;
    Ok(report)
}

/// Each of `feeds`' items' record files, by feed, newest first: `shown`
/// names each shown record's file and id. Taken (and dropped) before
/// rendering: it holds a path and an id per record.
fn members_of(feeds: &[Feed], shown: Vec<(PathBuf, String)>) -> Vec<Vec<PathBuf>> {
    let files_of: HashMap<&str, &Path> = shown.iter().map(|(path, id)| (id.as_str(), path.as_path())).collect();
    feeds
        .iter()
        .map(|feed| {
            feed.items.iter().filter_map(|item| files_of.get(item.id.as_str()).map(|path| path.to_path_buf())).collect()
        })
        .collect()
}

/// [`run`] for records edited in what no choice depends on
/// ([`Shortcut::Edited`]): only the feeds and archive pages that hold
/// them are rendered.
fn run_edited(
    settings: &Settings,
    mode: Mode,
    cache: BuildCache,
    edited: Edited,
    control: write::Control<'_>,
) -> Result<Report, BuildError> {
    let Edited { mut report, feeds, mut decided, left_out, members, topic_names, span, archive } = edited;
    let current = std::mem::take(&mut decided.current);
    let files = Rendering::new(&feeds, &settings.site, &settings.formats, archive.as_deref()).keeping(current);
    let mut noted = Vec::new();
    let noting = (mode == Mode::Write).then_some(&mut noted);
    report.output = put(settings, mode, &files, None, &report, control, noting)?;
    let expected_files = report.files + cache::OWN_FILES.len();
    let written = (mode == Mode::Write).then(|| Written {
        feeds: &feeds,
        decided: *decided,
        left_out: &left_out,
        files: noted,
        expected_files,
        report: &report,
        members,
        topic_names,
        span: Some(span),
    });
    let (_, warnings) = close_cache(cache, settings, written);
    report.cache_warnings = warnings;
    Ok(report)
}

/// Save what the build cache learnt (see [`BuildCache::save`]): how many
/// record files it gave unparsed, and what went wrong with it.
fn close_cache(cache: BuildCache, settings: &Settings, written: Option<Written<'_>>) -> (usize, Vec<String>) {
    let reused = cache.reused();
    let mut warnings: Vec<String> = cache.problem().map(str::to_owned).into_iter().collect();
    warnings.extend(cache.save(settings, written).err());
    (reused, warnings)
}

/// Write `files` into the output folder or only compare with it, as
/// `mode` says, if the guard agrees with what `report` says was read.
fn put(
    settings: &Settings,
    mode: Mode,
    files: &dyn Files,
    id_list: Option<&[u8]>,
    report: &Report,
    control: write::Control<'_>,
    noted: Option<&mut Vec<(String, cache::Meta)>>,
) -> Result<Changes, BuildError> {
    let guard = Guard {
        allow_empty: settings.allow_empty,
        publishes: report.published,
        records_read: report.records_read,
        inputs: &settings.inputs,
    };
    Ok(match mode {
        Mode::Write => write::write(&settings.output, files, id_list, &guard, control, noted)?,
        Mode::Compare => write::compare(&settings.output, files, id_list, &guard, control)?,
    })
}

/// Build and write the output folder, silently and to the end: [`run`]
/// with [`Mode::Write`].
pub fn build(settings: &Settings) -> Result<Report, BuildError> {
    run(settings, Mode::Write, &Silent, &AtomicBool::new(false))
}
