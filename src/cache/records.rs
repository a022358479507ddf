//! The record half of the build cache: what each record file turned out
//! to be the last time it was read, so that a build parses only the files
//! whose content changed.
//!
//! A file is known unchanged by its metadata (size, modification and
//! status-change times, inode) when they are what the cache noted; when
//! they differ (a fresh checkout gives every file new times), by the hash
//! of its bytes, which costs a read but no parse. A file modified within
//! [`RACY_WINDOW`] before the build that saved the cache started (or while
//! it ran) is always hashed: a second edit in the same clock tick as the
//! build's look at it would leave its metadata as noted.
//!
//! What is kept of a record is what gathering needs ([`light`]): no body,
//! excerpt, images or related articles. An item made from such a record is
//! not the real one; the feeds that are rendered have their records read
//! again in full (`feeds::make_whole`). An unpublished record is
//! kept as the fact that it is unpublished, and nothing else; no record
//! holds `secured`, which is never read past the YAML parser.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fs;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Mutex, OnceLock, PoisonError};
use std::time::{Duration, UNIX_EPOCH};

use chrono::{DateTime, Utc};

use serde::{Deserialize, Serialize};
use xxhash_rust::xxh3::{Xxh3DefaultBuilder, xxh3_128};

use super::store::{Loaded, LoadedEntry, StoredEntry, path_bytes as key};
use crate::load::{self, LoadOptions, Parsed, RecordProblem, RecordReader};
use crate::model::{Image, Provider, Record};

/// How long before the build that saved the cache started a file must
/// have last been modified for its metadata alone to vouch for it: longer
/// than any file system's timestamp granularity (FAT's is two seconds).
pub(super) const RACY_WINDOW: Duration = Duration::from_secs(3);

/// What identifies one version of a file without reading it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Meta {
    len: u64,
    /// Modification time, nanoseconds since the Unix epoch (saturating
    /// outside 1677 to 2262).
    modified: i64,
    /// Status-change time (Unix), nanoseconds since the epoch: unlike the
    /// modification time, no program can set it back.
    changed: i64,
    inode: u64,
}

impl Meta {
    /// No file's: what is noted for a file whose metadata could not be read.
    const UNKNOWN: Meta = Meta { len: u64::MAX, modified: i64::MIN, changed: i64::MIN, inode: 0 };

    /// The metadata of the file at `path` (links followed), or `None`
    /// when it cannot be read.
    pub(crate) fn of(path: &Path) -> Option<Meta> {
        let metadata = fs::metadata(path).ok()?;
        let nanos = |time: std::time::SystemTime| match time.duration_since(UNIX_EPOCH) {
            Ok(after) => i64::try_from(after.as_nanos()).unwrap_or(i64::MAX),
            Err(before) => i64::try_from(before.duration().as_nanos()).map_or(i64::MIN, |nanos| -nanos),
        };
        let modified = metadata.modified().ok().map_or(0, nanos);
        #[cfg(unix)]
        let (changed, inode) = {
            use std::os::unix::fs::MetadataExt;
            (metadata.ctime().saturating_mul(1_000_000_000).saturating_add(metadata.ctime_nsec()), metadata.ino())
        };
        #[cfg(not(unix))]
        let (changed, inode) = (0, 0);
        Some(Meta { len: metadata.len(), modified, changed, inode })
    }

    /// Whether the file was modified at or after `moment` (nanoseconds since the epoch).
    fn modified_since(&self, moment: i128) -> bool {
        i128::from(self.modified) >= moment || i128::from(self.changed) >= moment
    }
}

/// What a file was, as the cache keeps it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(super) enum Outcome {
    /// A valid record, [`light`], and the warnings about it.
    Record(Box<Record>, Vec<RecordProblem>),
    /// `published: false`: nothing else of it is kept.
    Unpublished,
    /// No front matter.
    NoFrontMatter,
    /// An invalid record: its problems, as a build reports them.
    Invalid(Vec<RecordProblem>),
}

impl Outcome {
    /// What a parse gave, as kept.
    fn of(parsed: &Result<Parsed, Vec<RecordProblem>>) -> Outcome {
        match parsed {
            Ok(Parsed::Record(record, warnings)) => Outcome::Record(Box::new(light(record)), warnings.clone()),
            Ok(Parsed::Unpublished) => Outcome::Unpublished,
            Ok(Parsed::NoFrontMatter) => Outcome::NoFrontMatter,
            Err(problems) => Outcome::Invalid(problems.clone()),
        }
    }

    /// What the loader hands on for it, as the file at `path`.
    fn parsed(self, path: &Path) -> Result<Parsed, Vec<RecordProblem>> {
        match self {
            Outcome::Record(mut record, warnings) => {
                record.source = path.to_owned();
                Ok(Parsed::Record(record, warnings))
            }
            Outcome::Unpublished => Ok(Parsed::Unpublished),
            Outcome::NoFrontMatter => Ok(Parsed::NoFrontMatter),
            Outcome::Invalid(problems) => Err(problems),
        }
    }
}

/// `record` with only what gathering looks at (links, id, dates, names,
/// the provider's logo): what the cache keeps of a record.
fn light(record: &Record) -> Record {
    let provider = record.provider.as_ref().map(|provider| Provider {
        name: provider.name.clone(),
        domain: provider.domain.clone(),
        images: provider
            .images
            .iter()
            .take(1)
            .map(|logo| Image { url: logo.url.clone(), width: None, height: None, is_cached: None, title: None })
            .collect(),
    });
    Record {
        source: PathBuf::new(),
        title: String::new(),
        published: record.published,
        updated: record.updated,
        link: record.link.clone(),
        id: record.id.clone(),
        amp_web_url: None,
        cdn_amp_web_url: None,
        excerpt: None,
        featured_content: None,
        kind: record.kind.clone(),
        category: record.category.clone(),
        quality: None,
        heat: None,
        is_published: record.is_published,
        provider,
        topics: record.topics.clone(),
        tags: Vec::new(),
        images: Vec::new(),
        related: Vec::new(),
        body: String::new(),
    }
}

/// How a record file compares with what the cache noted ([`Records::compare`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Compared {
    /// The same bytes.
    Same,
    /// Other bytes, but the same as far as the build's choices go.
    Alike,
    /// New, gone, or changed in a way that matters.
    Other,
}

/// An earlier entry: what identifies the file's version, and where its
/// encoded [`Outcome`] is in the cache file's bytes.
#[derive(Debug)]
struct Earlier {
    meta: Meta,
    hash: u128,
    outcome: Range<usize>,
    /// Where it stands in this build: [`UNSEEN`], [`SEEN`] or [`REPLACED`].
    state: AtomicU8,
    /// The file's metadata now, when only that changed (the same bytes).
    renewed: OnceLock<Meta>,
}

impl Earlier {
    /// Note that the file holds the same bytes, with metadata `meta`: new
    /// metadata, or the same, checked by hash because the file was modified
    /// just before the cache was saved. Either way the cache is saved again,
    /// so that a file checked this way once is not hashed by every build.
    fn renew(&self, meta: Meta) {
        // Set at most once: a file read twice in a build is the same file.
        let _ = self.renewed.set(meta);
        self.state.store(SEEN, Ordering::Relaxed);
    }

    /// Whether the file's metadata is `meta`, as noted or renewed.
    fn has_meta(&self, meta: Meta) -> bool {
        self.meta == meta || self.renewed.get() == Some(&meta)
    }
}

/// A new entry, for a file new or changed since the last build.
#[derive(Debug)]
struct Fresh {
    meta: Meta,
    hash: u128,
    outcome: Vec<u8>,
    /// Whether this build parsed the file: its record is whole.
    parsed: bool,
}

/// The last build's entries, by the bytes of their paths, as the cache
/// file is read.
#[derive(Debug)]
pub(super) struct Index(HashMap<Vec<u8>, Earlier, Xxh3DefaultBuilder>);

impl Default for Index {
    fn default() -> Self {
        Index(HashMap::with_hasher(Xxh3DefaultBuilder::new()))
    }
}

impl Index {
    /// Make room for `count` entries.
    pub(super) fn reserve(&mut self, count: usize) {
        self.0.reserve(count);
    }

    /// Take one entry.
    pub(super) fn add(&mut self, entry: LoadedEntry<'_>) {
        let LoadedEntry { path, meta, hash, outcome } = entry;
        let earlier = Earlier { meta, hash, outcome, state: AtomicU8::new(UNSEEN), renewed: OnceLock::new() };
        self.0.insert(path.to_vec(), earlier);
    }
}

/// Where an earlier entry stands in this build: not read (yet).
const UNSEEN: u8 = 0;
/// Its file was read and is unchanged.
const SEEN: u8 = 1;
/// Its file changed: a new entry replaces it.
const REPLACED: u8 = 2;

/// The record files as the last build left them, and as this build finds
/// them: the loader's [`RecordReader`].
#[derive(Debug)]
pub(crate) struct Records {
    /// The cache file's bytes, which hold the earlier entries' outcomes.
    bytes: Vec<u8>,
    earlier: HashMap<Vec<u8>, Earlier, Xxh3DefaultBuilder>,
    /// Entries modified this late (the saving build's start less the
    /// racy window) are checked by hash, not metadata.
    racy_after: i128,
    /// Whether the entries were read with unpublished records included.
    include_unpublished: bool,
    /// New entries, for files new or changed since.
    changed: Mutex<HashMap<Vec<u8>, Fresh, Xxh3DefaultBuilder>>,
    /// The build's `now`, and the newest publication date not after it
    /// and the oldest after it among the valid records read.
    now: DateTime<Utc>,
    span: Mutex<Span>,
}

/// The newest publication date not after a moment, and the oldest after it.
pub(super) type Span = (Option<DateTime<Utc>>, Option<DateTime<Utc>>);

impl Records {
    /// The cache of the files `loaded` knows, for a build at `now`.
    pub(super) fn new(loaded: Loaded, earlier: Index, now: DateTime<Utc>) -> Self {
        let Loaded { bytes, saved_at, include_unpublished, .. } = loaded;
        Records {
            bytes,
            earlier: earlier.0,
            racy_after: saved_at - RACY_WINDOW.as_nanos() as i128,
            include_unpublished,
            changed: Mutex::new(HashMap::with_hasher(Xxh3DefaultBuilder::new())),
            now,
            span: Mutex::default(),
        }
    }

    /// The newest publication date not after the build's `now`, and the
    /// oldest after it, among the valid records read.
    pub(super) fn span(&self) -> Span {
        *self.span.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Widen the span with what `parsed` says.
    fn note_date(&self, parsed: &Result<Parsed, Vec<RecordProblem>>) {
        let Ok(Parsed::Record(record, _)) = parsed else { return };
        let mut span = self.span.lock().unwrap_or_else(PoisonError::into_inner);
        let published = record.published;
        if published <= self.now {
            span.0 = span.0.max(Some(published));
        } else {
            span.1 = Some(span.1.map_or(published, |due| due.min(published)));
        }
    }

    /// The hash of the bytes of the file at `path` as this build read it.
    pub(super) fn hash_of(&self, path: &Path) -> Option<u128> {
        let changed = self.changed.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(entry) = changed.get(key(path).as_ref()) {
            return Some(entry.hash);
        }
        self.earlier.get(key(path).as_ref()).map(|entry| entry.hash)
    }

    /// Whether the record at `path` was parsed in full by this build.
    pub(super) fn was_parsed(&self, path: &Path) -> bool {
        let changed = self.changed.lock().unwrap_or_else(PoisonError::into_inner);
        changed.get(key(path).as_ref()).is_some_and(|fresh| fresh.parsed)
    }

    /// How many files this build took from the cache without parsing them.
    pub(super) fn reused(&self) -> usize {
        self.earlier.values().filter(|entry| entry.state.load(Ordering::Relaxed) == SEEN).count()
    }

    /// How the file at `path` compares with what the cache noted, read
    /// with `options`: the same bytes (by metadata, else by hash), bytes
    /// that make no difference to which items there are and what is
    /// reported (the same record as far as gathering goes, without
    /// warnings before or after; an edited draft), or anything else. A
    /// changed file is parsed and noted.
    pub(super) fn compare(&self, path: &Path, options: LoadOptions) -> Compared {
        let usable = options.include_unpublished == self.include_unpublished && options.warn.is_none();
        let (Some(earlier), Some(meta)) = (self.earlier.get(key(path).as_ref()).filter(|_| usable), Meta::of(path))
        else {
            return Compared::Other;
        };
        if earlier.has_meta(meta) && !meta.modified_since(self.racy_after) {
            earlier.state.store(SEEN, Ordering::Relaxed);
            return Compared::Same;
        }
        let Ok(bytes) = load::read_capped(path) else { return Compared::Other };
        let hash = xxh3_128(&bytes);
        let before = &self.bytes[earlier.outcome.clone()];
        if hash == earlier.hash {
            earlier.renew(meta);
            return Compared::Same;
        }
        let Ok(before) = postcard::from_bytes::<Outcome>(before) else { return Compared::Other };
        let now = Outcome::of(&load::parse_capped(path, &bytes, options));
        let alike = match (&before, &now) {
            (Outcome::Record(before, warned), Outcome::Record(now, warns)) => {
                before == now && warned.is_empty() && warns.is_empty()
            }
            (Outcome::Unpublished, Outcome::Unpublished) | (Outcome::NoFrontMatter, Outcome::NoFrontMatter) => true,
            _ => false,
        };
        let Ok(outcome) = postcard::to_stdvec(&now) else { return Compared::Other };
        self.note(path, Some(earlier), Fresh { meta, hash, outcome, parsed: true });
        if alike { Compared::Alike } else { Compared::Other }
    }

    /// The hash the cache noted for `path` before this build.
    pub(super) fn earlier_hash(&self, path: &Path) -> Option<u128> {
        self.earlier.get(key(path).as_ref()).map(|earlier| earlier.hash)
    }

    /// How many files the cache noted before this build.
    pub(super) fn earlier_count(&self) -> usize {
        self.earlier.len()
    }

    /// Whether every file noted before this build was read in it.
    pub(super) fn none_gone(&self) -> bool {
        self.earlier.values().all(|entry| entry.state.load(Ordering::Relaxed) != UNSEEN)
    }

    /// Whether the entries to save differ from those read: a file is new,
    /// changed, or gone.
    pub(super) fn differ(&self) -> bool {
        !self.changed.lock().unwrap_or_else(PoisonError::into_inner).is_empty()
            || self
                .earlier
                .values()
                .any(|entry| entry.state.load(Ordering::Relaxed) != SEEN || entry.renewed.get().is_some())
    }

    /// Hand `each` the entries to save, in no order: every file this build
    /// read, as it found it. Returns how many there were.
    pub(super) fn each_entry(
        &mut self,
        each: &mut dyn FnMut(&StoredEntry<'_>) -> std::io::Result<()>,
    ) -> std::io::Result<u64> {
        let mut count = 0;
        let bytes = &self.bytes;
        for (path, entry) in self.earlier.iter().filter(|(_, entry)| entry.state.load(Ordering::Relaxed) == SEEN) {
            let meta = entry.renewed.get().copied().unwrap_or(entry.meta);
            each(&StoredEntry {
                path: Cow::Borrowed(path),
                meta,
                hash: entry.hash,
                outcome: &bytes[entry.outcome.clone()],
            })?;
            count += 1;
        }
        let changed = self.changed.get_mut().unwrap_or_else(PoisonError::into_inner);
        for (path, entry) in changed.iter() {
            each(&StoredEntry {
                path: Cow::Borrowed(path),
                meta: entry.meta,
                hash: entry.hash,
                outcome: &entry.outcome,
            })?;
            count += 1;
        }
        Ok(count)
    }

    /// Note a new entry for `path`, replacing `earlier`; `parsed`: this
    /// build parsed the file.
    fn note(&self, path: &Path, earlier: Option<&Earlier>, fresh: Fresh) {
        if let Some(earlier) = earlier {
            earlier.state.store(REPLACED, Ordering::Relaxed);
        }
        self.changed.lock().unwrap_or_else(PoisonError::into_inner).insert(key(path).into_owned(), fresh);
    }

    /// What this build's new entry says the file at `path` was, if its
    /// metadata is still `meta`: a file this build parsed before (while
    /// looking for changes, or in a first reading) is not parsed twice.
    /// (No racy window here: the entry was made in this build, from bytes
    /// read after its metadata, as a build without the cache reads a file
    /// once.)
    /// The record handed on is the cache's, not whole, even if this build
    /// parsed the file before: what gathering holds of it must be made
    /// whole again if it reaches a feed that is rendered.
    fn fresh_outcome(&self, path: &Path, meta: Meta) -> Option<Result<Parsed, Vec<RecordProblem>>> {
        let mut changed = self.changed.lock().unwrap_or_else(PoisonError::into_inner);
        let fresh = changed.get_mut(key(path).as_ref()).filter(|fresh| fresh.meta == meta)?;
        let outcome: Outcome = postcard::from_bytes(&fresh.outcome).ok()?;
        fresh.parsed = false;
        drop(changed);
        Some(outcome.parsed(path))
    }

    /// What `earlier` says the file at `path` was, if its outcome can be read back.
    fn outcome_of(&self, earlier: &Earlier, path: &Path) -> Option<Result<Parsed, Vec<RecordProblem>>> {
        let outcome: Outcome = postcard::from_bytes(self.bytes.get(earlier.outcome.clone())?).ok()?;
        Some(outcome.parsed(path))
    }
}

impl RecordReader for Records {
    fn read(&self, path: &Path, options: LoadOptions) -> Result<Parsed, Vec<RecordProblem>> {
        let parsed = self.read_through(path, options);
        self.note_date(&parsed);
        parsed
    }
}

impl Records {
    /// [`RecordReader::read`], without noting the record's date.
    fn read_through(&self, path: &Path, options: LoadOptions) -> Result<Parsed, Vec<RecordProblem>> {
        let usable = options.include_unpublished == self.include_unpublished && options.warn.is_none();
        let earlier = self.earlier.get(key(path).as_ref()).filter(|_| usable);
        // Found unchanged by its metadata moments ago, looking for changes.
        if let Some(earlier) = earlier.filter(|earlier| earlier.state.load(Ordering::Relaxed) == SEEN)
            && let Some(parsed) = self.outcome_of(earlier, path)
        {
            return parsed;
        }
        let meta = Meta::of(path);
        if let Some(parsed) = meta.and_then(|meta| self.fresh_outcome(path, meta)) {
            return parsed;
        }
        if let (Some(earlier), Some(meta)) = (earlier, meta)
            && earlier.has_meta(meta)
            && !meta.modified_since(self.racy_after)
            && let Some(parsed) = self.outcome_of(earlier, path)
        {
            earlier.state.store(SEEN, Ordering::Relaxed);
            return parsed;
        }
        let bytes = load::read_capped(path)?;
        let hash = xxh3_128(&bytes);
        if let Some(earlier) = earlier.filter(|earlier| earlier.hash == hash)
            && let Some(parsed) = self.outcome_of(earlier, path)
        {
            match meta {
                Some(meta) => earlier.renew(meta),
                None => earlier.state.store(SEEN, Ordering::Relaxed),
            }
            return parsed;
        }
        let parsed = load::parse_capped(path, &bytes, options);
        // Noted even without metadata (with none that matches a file), so
        // that the record is known whole and its hash known.
        let outcome = postcard::to_stdvec(&Outcome::of(&parsed)).unwrap_or_default();
        let meta = meta.unwrap_or(Meta::UNKNOWN);
        self.note(path, earlier, Fresh { meta, hash, outcome, parsed: true });
        parsed
    }
}
