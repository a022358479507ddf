//! The build cache: what the last build learnt, kept outside the output
//! folder, so that a build costs what changed rather than what exists.
//!
//! It has two halves. [`records`] remembers what each record file was, so
//! that only files whose bytes changed are parsed; gathering runs over
//! every record as always, most of them as the cache kept them. [`feeds`]
//! remembers what each feed's documents were made from and the metadata
//! of the files written, so that a feed whose items did not change is
//! neither rendered nor compared, and only the records of the feeds that
//! are rendered are read again in full.
//!
//! Never wrong, only slower: a cache that is missing, from another
//! build of feedgen, damaged or about other settings is ignored (with one
//! warning when it was there but could not be used) and rewritten. With
//! `archives` on, [`feeds`] fingerprints each archive page too and keeps
//! those unchanged, unless a size budget cuts the pages: then the cache is
//! not used.

mod feeds;
mod file;
mod records;
mod shortcut;
mod store;

use std::borrow::Cow;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

use xxhash_rust::xxh3::{xxh3_64, xxh3_128};

use crate::config::Settings;
use crate::gather::TopicNames;
use crate::history::{Archive, Reread};
use crate::load::{LoadError, LoadOptions, RecordReader};
use crate::model::{Feed, IDS_NAME, MANIFEST_NAME};
use crate::render::{Files, RenderError};
use crate::{BuildError, Report};
use file::{CacheFile, Unusable};
pub(crate) use records::{Meta, is_whole};
use records::{Records, Span};
pub(crate) use shortcut::{Edited, Shortcut};
use store::{Head, Lists, Output, StoredFeed, StoredPage, Summary};
pub(crate) use store::{path_bytes, path_of};

/// The build cache of one site (inputs and output folder), open for one build.
#[derive(Debug)]
pub(crate) struct BuildCache {
    /// The cache file.
    path: PathBuf,
    records: Records,
    /// What the last build left in the output folder, if the cache knows.
    output: Option<Output>,
    /// Why the cache on disk could not be used, when it was there.
    problem: Option<String>,
    include_unpublished: bool,
    /// When this build started, before it looked at any file, in
    /// nanoseconds since the Unix epoch: what the cache is saved as of, so
    /// that a file modified while the build read it counts as modified
    /// just before the save.
    started: i128,
}

/// Which feeds a build renders, once the cache has looked at them.
#[derive(Debug, Default)]
pub(crate) struct Decided {
    /// By feed: `Some(left_out)` when its files are kept as the last build
    /// left them (with how many items the size budget left out then).
    pub kept: Vec<Option<usize>>,
    /// The files of the kept feeds, with the metadata that shows them
    /// unchanged, by path in the output folder.
    pub current: HashMap<String, Meta>,
    /// How many archive pages are kept, their files among `current`.
    pub archives_kept: usize,
    fingerprints: Vec<u128>,
    /// By feed, its archive pages, oldest first.
    pages: Vec<Vec<StoredPage>>,
    /// By feed, its pages' lists ([`store::Lists`]); `None`: the last build's.
    lists: Option<Vec<Vec<u8>>>,
}

impl BuildCache {
    /// Open the cache of `settings`' site in `folder`: a file named after
    /// the inputs and the output folder, so that sites (and `feedgen
    /// serve`'s preview folder) sharing a cache folder do not take turns
    /// overwriting one file.
    pub(crate) fn open(folder: &Path, settings: &Settings) -> BuildCache {
        let started = match std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH) {
            Ok(since) => since.as_nanos() as i128,
            Err(_) => 0,
        };
        let absolute = |path: &Path| std::path::absolute(path).unwrap_or_else(|_| path.to_owned());
        let mut site = format!("{:?}", absolute(&settings.output));
        for input in &settings.inputs {
            site.push_str(&format!("\n{:?}", absolute(input)));
        }
        let path = folder.join(format!("build-{:016x}.cache", xxh3_64(site.as_bytes())));
        let include_unpublished = settings.include_unpublished;
        let (mut earlier, problem) = match CacheFile::open(&path) {
            Ok(file) => (Some(file), None),
            Err(Unusable::Missing) => (None, None),
            Err(Unusable::Broken(why)) => {
                (None, Some(format!("ignored the build cache {}: {why}; it is rebuilt", path.display())))
            }
        };
        let output = earlier.as_mut().and_then(|file| file.head.output.take());
        // With archives, a build that can keep no file renders every archive
        // page, and would read each record the cache hands on light again
        // for every page that shows it: it reads every record whole instead.
        if settings.archives && output.as_ref().is_none_or(|output| !feeds::may_keep(output, settings)) {
            earlier = None;
        }
        let records = Records::new(earlier, folder, settings.now);
        BuildCache { path, records, output, problem, include_unpublished, started }
    }

    /// What reads the record files through the cache.
    pub(crate) fn reader(&self) -> &dyn RecordReader {
        &self.records
    }

    /// Why the cache on disk was ignored, if it was.
    pub(crate) fn problem(&self) -> Option<&str> {
        self.problem.as_deref()
    }

    /// How many record files this build took from the cache unparsed (each
    /// once, however often it was read).
    pub(crate) fn reused(&self) -> usize {
        self.records.reused()
    }

    /// Decide which of `feeds`, and of the pages of their `archive`
    /// (collected keeping `Keeping::Files`), are kept as the output folder
    /// holds them, and make whole the items of the other feeds (see
    /// [`feeds::make_whole`]): `shown` names each item's file by its id.
    pub(crate) fn decide(
        &self,
        feeds: &mut [Feed],
        settings: &Settings,
        shown: &[(PathBuf, String)],
        (topic_names, archive): (&TopicNames, Option<&Archive>),
    ) -> Result<Decided, BuildError> {
        let ids: HashMap<&str, &Path> = shown.iter().map(|(path, id)| (id.as_str(), path.as_path())).collect();
        let hash_of = |id: &str| ids.get(id).and_then(|path| self.records.hash_of(path));
        let settings_hash = feeds::settings_hash(settings);
        let fingerprints = feeds::fingerprints(feeds, settings_hash, &hash_of, archive)
            .map_err(|_| LoadError::Changed(settings.inputs.first().cloned().unwrap_or_default()))?;
        let (pages, lists) = match archive {
            Some(archive) => {
                let hash_of_file = |path: &Path| self.records.hash_of(path);
                feeds::stored_pages(feeds, archive, settings_hash, &hash_of_file, topic_names)?.into_iter().unzip()
            }
            None => (vec![Vec::new(); feeds.len()], vec![Vec::new(); feeds.len()]),
        };
        let (kept, current, archives_kept) = match &self.output {
            Some(output) => feeds::kept(feeds, &fingerprints, &pages, settings, output),
            None => (vec![None; feeds.len()], HashMap::new(), 0),
        };
        let rendered: Vec<bool> = kept.iter().map(Option::is_none).collect();
        feeds::make_whole(feeds, &rendered, &ids, &self.records, topic_names, self.load_options())?;
        Ok(Decided { kept, current, archives_kept, fingerprints, pages, lists: Some(lists) })
    }

    /// What reads archived records again in full, through the cache.
    pub(crate) fn reread(&self) -> impl Reread + '_ {
        feeds::Rereader { records: &self.records, options: self.load_options() }
    }

    /// How the cache reads a record in full.
    fn load_options(&self) -> LoadOptions {
        LoadOptions { include_unpublished: self.include_unpublished, warn: None }
    }

    /// Save what this build learnt. `written`, after a build that wrote
    /// the output folder: its feeds, what the cache decided about them,
    /// how many items the size budget left out of each, and the metadata
    /// of every file it left there. Without it (a comparison), what the
    /// cache knew of the output folder stays. A cache that cannot be saved
    /// costs the next build time, never correctness: the reason is returned.
    pub(crate) fn save(self, settings: &Settings, mut written: Option<Written<'_>>) -> Result<(), String> {
        let (span, differ) = (self.records.span(), self.records.differ());
        let cannot_save =
            |error: std::io::Error| format!("cannot save the build cache {}: {error}", self.path.display());
        let records_digest = self.records.digest().map_err(cannot_save)?;
        // Every file the build left must be known, or none is: a file the
        // cache does not know would be taken for one the build no longer makes.
        written = written.filter(|written| written.files.len() == written.expected_files);
        let fresh_lists = written.as_mut().and_then(|written| written.decided.lists.take());
        let output = match written {
            Some(written) => Some(Output {
                settings: feeds::settings_hash(settings),
                feeds: written
                    .feeds
                    .iter()
                    .zip(written.decided.fingerprints)
                    .zip(written.left_out)
                    .zip(&written.members)
                    .zip(written.decided.pages)
                    .map(|((((feed, fingerprint), &left_out), members), pages)| StoredFeed {
                        family: feed.family,
                        slug: feed.slug.clone(),
                        key: feed.key.clone(),
                        name: feed.name.clone(),
                        icon: feed.icon.clone(),
                        fingerprint,
                        left_out,
                        members: StoredFeed::encode_members(members),
                        pages,
                    })
                    .collect(),
                topic_names: written.topic_names,
                files: written.files,
                summary: summary(settings, written.report, records_digest, written.span.unwrap_or(span)),
            }),
            None => self.output.clone(),
        };
        // With the same pages (`output == self.output`) and the same
        // record files by path (`!differ`), fresh lists as long as the last
        // build's hold the same keys; the length tells apart lists the last
        // cache file lacks.
        let lists_kept = fresh_lists
            .as_ref()
            .is_none_or(|lists| lists.iter().map(|list| list.len() as u64).sum::<u64>() == self.records.lists_len());
        if self.problem.is_none() && !differ && output == self.output && lists_kept {
            return Ok(());
        }
        let lists = match &fresh_lists {
            Some(lists) => Lists::Fresh(lists),
            None => Lists::Earlier,
        };
        let head = Head {
            saved_at: self.started,
            include_unpublished: self.include_unpublished,
            output,
            entries: 0,
            digest: records_digest,
        };
        self.records.save(head, lists, &self.path).map_err(cannot_save)
    }
}

/// What a build reported, for a build of the very same records: `records`
/// is their digest, `current` the span of `now` over which it holds.
fn summary(settings: &Settings, report: &Report, records: u128, current: Span) -> Summary {
    Summary {
        settings: build_key(settings),
        records,
        current,
        records_read: report.records_read,
        unpublished: report.unpublished,
        future: report.future,
        duplicates: report.duplicates.clone(),
        published: report.published,
        without_front_matter: report.without_front_matter.clone(),
        skipped: report.skipped.clone(),
        warnings: report.warnings.clone(),
        id_changes: report.id_changes.clone(),
        feeds: report.feeds,
        trimmed_feeds: report.trimmed_feeds,
        archives: report.archives,
        files: report.files,
    }
}

/// What a build that wrote the output folder left there, for [`BuildCache::save`].
#[derive(Debug)]
pub(crate) struct Written<'a> {
    /// The feeds, in output order.
    pub feeds: &'a [Feed],
    /// What the cache decided about them.
    pub decided: Decided,
    /// How many items the size budget left out of each.
    pub left_out: &'a [usize],
    /// The metadata of every file the build left, read while the folder
    /// was still locked: the documents, the manifest and the id list.
    pub files: Vec<(String, Meta)>,
    /// How many files the build left there: `files` must name them all.
    pub expected_files: usize,
    /// What the build reported.
    pub report: &'a Report,
    /// Each feed's items' record files, newest first.
    pub members: Vec<Vec<PathBuf>>,
    /// Each topic's key and display name.
    pub topic_names: Vec<(String, String)>,
    /// When no record moves in or out of the future, if known without the
    /// records this build read (which did not read them all).
    pub span: Option<Span>,
}

/// A hash of every setting but `now` and those of the cache and of
/// pings, which change no file: two builds with the same key over the same
/// record files write the same files, unless a record moved in or out of
/// the future ([`Summary::current`]).
fn build_key(settings: &Settings) -> u128 {
    let mut key = settings.clone();
    key.now = chrono::DateTime::UNIX_EPOCH;
    key.ping = false;
    key.ping_timeout = std::time::Duration::ZERO;
    key.cache = None;
    xxh3_128(format!("{} {key:?}", env!("CARGO_PKG_VERSION")).as_bytes())
}

/// Files the build cache knows current, with their metadata on disk:
/// never rendered.
#[derive(Debug)]
pub(crate) struct Current(pub(super) Vec<(String, Meta)>);

impl Files for Current {
    fn count(&self) -> usize {
        self.0.len()
    }

    fn path(&self, index: usize) -> &str {
        &self.0[index].0
    }

    fn bytes(&self, index: usize) -> Result<Cow<'_, [u8]>, RenderError> {
        let message = "the build cache had it unchanged, but it changed during the build; build again".to_owned();
        Err(RenderError { path: self.0[index].0.clone(), message })
    }

    fn current(&self, index: usize) -> Option<Meta> {
        Some(self.0[index].1)
    }
}

/// The names of feedgen's own files in the output folder whose metadata a
/// build notes besides its documents'.
pub(crate) const OWN_FILES: [&str; 2] = [MANIFEST_NAME, IDS_NAME];
