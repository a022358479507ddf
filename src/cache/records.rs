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

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, UNIX_EPOCH};

use chrono::{DateTime, Utc};

use serde::{Deserialize, Serialize};
use xxhash_rust::xxh3::xxh3_128;

use super::file::{CacheFile, Writer};
use super::store::{Digest, Head, Lists, StoredEntry, path_bytes, path_key, path_of};
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

/// Whether `record` came whole from its file rather than light from the
/// cache ([`light`] empties the title, which a valid record never has).
pub(crate) fn is_whole(record: &Record) -> bool {
    !record.title.is_empty()
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
    /// The same bytes, which hash to this.
    Same(u128),
    /// Other bytes, but the same as far as the build's choices go; the
    /// hash of the bytes the cache noted.
    Alike(u128),
    /// New, gone, or changed in a way that matters.
    Other,
}

/// Where an earlier entry stands in this build: not read (yet).
const UNSEEN: u8 = 0;
/// Its file was read, with the bytes and metadata noted: the entry is
/// copied into the new cache.
const SEEN: u8 = 1;
/// Its file was read, with the bytes noted but new metadata: a new entry
/// replaces it.
const RENEWED: u8 = 2;
/// Its file changed: a new entry replaces it.
const REPLACED: u8 = 3;

/// An earlier entry, as read from the cache file.
#[derive(Debug)]
struct Earlier {
    /// Its position in the cache file's index.
    position: usize,
    meta: Meta,
    hash: u128,
    /// The entry, encoded.
    body: Vec<u8>,
}

impl Earlier {
    /// What the entry says the file at `path` was, if that can be read back.
    fn parsed(&self, path: &Path) -> Option<Result<Parsed, Vec<RecordProblem>>> {
        let entry: StoredEntry<'_> = postcard::from_bytes(&self.body).ok()?;
        Some(postcard::from_bytes::<Outcome>(entry.outcome).ok()?.parsed(path))
    }

    /// What the entry says the file was, encoded.
    fn outcome(&self) -> Option<&[u8]> {
        postcard::from_bytes::<StoredEntry<'_>>(&self.body).ok().map(|entry| entry.outcome)
    }
}

/// This build's entries, for files new or changed since the last build
/// (or only given new metadata): written into the new cache file as they
/// come, found again by their path's key.
///
/// Each entry has a slot: its path's key, and where the entry starts in
/// the new file shifted left one bit, the low bit set when this build
/// parsed the file (so that its record is whole). Slots are logged as
/// entries come, and sorted in with the others between the build's
/// phases ([`Fresh::seal`]): a reading finds the entries of the phases
/// before it, not its own, which it does not need (it reads each file
/// once; a file that two overlapping inputs both hold is parsed twice, and
/// one entry kept). A log and a sorted table take 16 bytes per entry,
/// half what a hash table would.
#[derive(Debug, Default)]
struct Fresh {
    /// The new cache file, made with the first entry.
    writer: Option<Writer>,
    /// The slots of the earlier phases, sorted, one per file.
    sealed: Vec<(u64, u64)>,
    /// The slots of this phase, as they came.
    log: Vec<(u64, u64)>,
}

impl Fresh {
    /// The sealed entry of the file named `path` (with key `key`),
    /// encoded, and its slot's position in [`Fresh::sealed`].
    fn find(&self, key: u64, path: &[u8]) -> Option<(Vec<u8>, usize)> {
        let writer = self.writer.as_ref()?;
        let first = self.sealed.partition_point(|&(other, _)| other < key);
        let slots = self.sealed[first..].iter().take_while(|(other, _)| *other == key);
        slots.enumerate().find_map(|(offset, &(_, value))| {
            let body = writer.entry(value >> 1).ok()?;
            let named = postcard::from_bytes::<StoredEntry<'_>>(&body).ok()?.path == path;
            named.then_some((body, first + offset))
        })
    }

    /// Sort the logged slots in with the sealed ones, keeping one per
    /// file, its latest; `digest` loses the entries left behind.
    fn seal(&mut self, digest: &Digest) {
        if self.log.is_empty() {
            return;
        }
        if self.sealed.is_empty() {
            self.sealed = std::mem::take(&mut self.log);
        } else {
            self.sealed.append(&mut self.log);
        }
        // By key, then by where the entry starts: the latest last.
        self.sealed.sort_unstable();
        let Some(writer) = &self.writer else { return };
        let (mut kept, mut first) = (0, 0);
        while first < self.sealed.len() {
            let key = self.sealed[first].0;
            let run: Vec<(u64, u64)> =
                self.sealed[first..].iter().take_while(|(other, _)| *other == key).copied().collect();
            first += run.len();
            if let [slot] = run[..] {
                self.sealed[kept] = slot;
                kept += 1;
                continue;
            }
            // Keys are shared by one file's entries, or (rarely) by files.
            let named: Vec<Option<(Vec<u8>, u128)>> = run
                .iter()
                .map(|&(_, value)| {
                    let body = writer.entry(value >> 1).ok()?;
                    let entry = postcard::from_bytes::<StoredEntry<'_>>(&body).ok()?;
                    Some((entry.path.to_vec(), entry.hash))
                })
                .collect();
            for (position, slot) in run.iter().enumerate() {
                let superseded = named[position]
                    .as_ref()
                    .filter(|(path, _)| named[position + 1..].iter().flatten().any(|(later, _)| later == path));
                match superseded {
                    Some((path, hash)) => digest.remove(path, *hash),
                    None => {
                        self.sealed[kept] = *slot;
                        kept += 1;
                    }
                }
            }
        }
        self.sealed.truncate(kept);
    }
}

/// The record files as the last build left them, and as this build finds
/// them: the loader's [`RecordReader`].
#[derive(Debug)]
pub(crate) struct Records {
    /// The last build's cache file, if it could be used.
    earlier: Option<CacheFile>,
    /// Where each of its entries stands in this build, by position in its
    /// index: [`UNSEEN`], [`SEEN`], [`RENEWED`] or [`REPLACED`].
    states: Vec<AtomicU8>,
    /// Entries modified this late (the saving build's start less the
    /// racy window) are checked by hash, not metadata.
    racy_after: i128,
    /// Whether the entries were read with unpublished records included.
    include_unpublished: bool,
    fresh: Mutex<Fresh>,
    /// The cache folder, where the new cache file is made.
    folder: PathBuf,
    /// The digest of the entries to save, as far as this build knows:
    /// the earlier ones', less those replaced, plus the new ones'.
    digest: Digest,
    /// The build's `now`, and the newest publication date not after it
    /// and the oldest after it among the valid records read.
    now: DateTime<Utc>,
    span: Mutex<Span>,
}

/// The newest publication date not after a moment, and the oldest after it.
pub(super) type Span = (Option<DateTime<Utc>>, Option<DateTime<Utc>>);

impl Records {
    /// The cache of the files `earlier` knows (none without it), for a
    /// build at `now` that makes its new cache file in `folder`.
    pub(super) fn new(earlier: Option<CacheFile>, folder: &Path, now: DateTime<Utc>) -> Self {
        let head = earlier.as_ref().map(|file| &file.head);
        let saved_at = head.map_or(0, |head| head.saved_at);
        Records {
            states: (0..earlier.as_ref().map_or(0, CacheFile::len)).map(|_| AtomicU8::new(UNSEEN)).collect(),
            racy_after: saved_at.saturating_sub(RACY_WINDOW.as_nanos() as i128),
            include_unpublished: head.is_some_and(|head| head.include_unpublished),
            digest: Digest::from_value(head.map_or(0, |head| head.digest)),
            earlier,
            fresh: Mutex::default(),
            folder: folder.to_owned(),
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

    fn fresh(&self) -> MutexGuard<'_, Fresh> {
        self.fresh.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The earlier entry of the file whose name is `path` (with key
    /// `key`), if the cache file has one that can be read.
    fn earlier_entry(&self, key: u64, path: &[u8]) -> Option<Earlier> {
        let file = self.earlier.as_ref()?;
        file.positions(key).find_map(|position| {
            let body = file.entry(position).ok()?;
            let entry: StoredEntry<'_> = postcard::from_bytes(&body).ok()?;
            let (meta, hash, named) = (entry.meta, entry.hash, entry.path == path);
            named.then_some(Earlier { position, meta, hash, body })
        })
    }

    fn state(&self, earlier: &Earlier) -> u8 {
        self.states[earlier.position].load(Ordering::Relaxed)
    }

    /// Note that the file of `earlier` was found with the bytes and
    /// metadata noted.
    fn seen(&self, earlier: &Earlier) {
        let _ = self.states[earlier.position].compare_exchange(UNSEEN, SEEN, Ordering::Relaxed, Ordering::Relaxed);
    }

    /// Note that a new entry replaces `earlier` (named `path`), as `state`
    /// says ([`RENEWED`] or [`REPLACED`]).
    fn replaced(&self, earlier: &Earlier, path: &[u8], state: u8) {
        let before = self.states[earlier.position].swap(state, Ordering::Relaxed);
        if before == UNSEEN || before == SEEN {
            self.digest.remove(path, earlier.hash);
        }
    }

    /// Note a new entry for the file named `path` (with key `key`);
    /// `parsed`: this build parsed the file.
    fn note(&self, key: u64, entry: &StoredEntry<'_>, parsed: bool) {
        let encoded = postcard::to_stdvec(entry).unwrap_or_default();
        let mut fresh = self.fresh();
        let start = fresh.writer.get_or_insert_with(|| Writer::create(&self.folder)).add_entry(&encoded);
        fresh.log.push((key, (start << 1) | u64::from(parsed)));
        self.digest.add(entry.path, entry.hash);
    }

    /// This build's entries, with those of the phase now ending sealed
    /// ([`Fresh::seal`]): to be called between readings, never in one.
    fn sealed(&self) -> MutexGuard<'_, Fresh> {
        let mut fresh = self.fresh();
        fresh.seal(&self.digest);
        fresh
    }

    /// This build's new entry for the file named `path` (with key `key`),
    /// encoded, and whether this build parsed the file.
    fn fresh_entry(&self, key: u64, path: &[u8]) -> Option<(Vec<u8>, bool)> {
        let fresh = self.sealed();
        let (body, position) = fresh.find(key, path)?;
        Some((body, fresh.sealed[position].1 & 1 == 1))
    }

    /// The hash of the bytes of the file at `path` as this build read it
    /// (none for a file it did not read).
    pub(super) fn hash_of(&self, path: &Path) -> Option<u128> {
        let name = path_bytes(path);
        let key = path_key(&name);
        if let Some((body, _)) = self.fresh_entry(key, &name) {
            return postcard::from_bytes::<StoredEntry<'_>>(&body).ok().map(|entry| entry.hash);
        }
        let earlier = self.earlier_entry(key, &name)?;
        (self.state(&earlier) == SEEN).then_some(earlier.hash)
    }

    /// How many bytes the last build's cache file's lists take ([`Lists`]).
    pub(super) fn lists_len(&self) -> u64 {
        self.earlier.as_ref().map_or(0, CacheFile::lists_len)
    }

    /// `len` bytes of the last build's cache file's lists, from `offset`.
    pub(super) fn read_lists(&self, offset: u64, len: usize) -> Option<Vec<u8>> {
        self.earlier.as_ref()?.read_lists(offset, len).ok()
    }

    /// The path of the one record file the cache noted under `key` before
    /// this build; `None` when it noted none, or several (keys are hashes:
    /// two paths may share one).
    pub(super) fn path_of_key(&self, key: u64) -> Option<PathBuf> {
        let file = self.earlier.as_ref()?;
        let positions = file.positions(key);
        if positions.len() != 1 {
            return None;
        }
        let body = file.entry(positions.start).ok()?;
        postcard::from_bytes::<StoredEntry<'_>>(&body).ok().map(|entry| path_of(entry.path))
    }

    /// Whether the record at `path` was parsed in full by this build.
    pub(super) fn was_parsed(&self, path: &Path) -> bool {
        let name = path_bytes(path);
        self.fresh_entry(path_key(&name), &name).is_some_and(|(_, parsed)| parsed)
    }

    /// How many files this build took from the cache without parsing them.
    pub(super) fn reused(&self) -> usize {
        self.states.iter().filter(|state| matches!(state.load(Ordering::Relaxed), SEEN | RENEWED)).count()
    }

    /// How the file at `path` compares with what the cache noted, read
    /// with `options`: the same bytes (by metadata, else by hash), bytes
    /// that make no difference to which items there are and what is
    /// reported (the same record as far as gathering goes, without
    /// warnings before or after; an edited draft), or anything else. A
    /// changed file is parsed and noted.
    pub(super) fn compare(&self, path: &Path, options: LoadOptions) -> Compared {
        let usable = options.include_unpublished == self.include_unpublished && options.warn.is_none();
        let name = path_bytes(path);
        let key = path_key(&name);
        let earlier = usable.then(|| self.earlier_entry(key, &name)).flatten();
        let (Some(earlier), Some(meta)) = (earlier, Meta::of(path)) else { return Compared::Other };
        if !matches!(self.state(&earlier), UNSEEN | SEEN) {
            return Compared::Other;
        }
        if earlier.meta == meta && !meta.modified_since(self.racy_after) {
            self.seen(&earlier);
            return Compared::Same(earlier.hash);
        }
        let Ok(bytes) = load::read_capped(path) else { return Compared::Other };
        let hash = xxh3_128(&bytes);
        if hash == earlier.hash {
            self.renew(key, &name, &earlier, meta);
            return Compared::Same(hash);
        }
        let Some(before) = earlier.outcome().and_then(|outcome| postcard::from_bytes::<Outcome>(outcome).ok()) else {
            return Compared::Other;
        };
        let now = Outcome::of(&load::parse_capped(path, &bytes, options));
        let alike = match (&before, &now) {
            (Outcome::Record(before, warned), Outcome::Record(now, warns)) => {
                before == now && warned.is_empty() && warns.is_empty()
            }
            (Outcome::Unpublished, Outcome::Unpublished) | (Outcome::NoFrontMatter, Outcome::NoFrontMatter) => true,
            _ => false,
        };
        let Ok(outcome) = postcard::to_stdvec(&now) else { return Compared::Other };
        self.replaced(&earlier, &name, REPLACED);
        self.note(key, &StoredEntry { path: &name, meta, hash, outcome: &outcome }, true);
        if alike { Compared::Alike(earlier.hash) } else { Compared::Other }
    }

    /// Note that the file of `earlier` (named `path`, with key `key`)
    /// holds the same bytes, with metadata `meta`: new metadata, or the
    /// same, checked by hash because the file was modified just before
    /// the cache was saved. Either way a new entry is saved, so that a file
    /// checked this way once is not hashed by every build.
    fn renew(&self, key: u64, path: &[u8], earlier: &Earlier, meta: Meta) {
        let Some(outcome) = earlier.outcome() else { return };
        self.replaced(earlier, path, RENEWED);
        self.note(key, &StoredEntry { path, meta, hash: earlier.hash, outcome }, false);
    }

    /// How many files the cache noted before this build.
    pub(super) fn earlier_count(&self) -> usize {
        self.states.len()
    }

    /// Whether every file noted before this build was read in it.
    pub(super) fn none_gone(&self) -> bool {
        self.states.iter().all(|state| state.load(Ordering::Relaxed) != UNSEEN)
    }

    /// Whether the entries to save differ from those read: a file is new,
    /// changed, renewed, or gone.
    pub(super) fn differ(&self) -> bool {
        let fresh = self.fresh();
        !fresh.sealed.is_empty()
            || !fresh.log.is_empty()
            || self.states.iter().any(|state| state.load(Ordering::Relaxed) != SEEN)
    }

    /// The digest of the entries to save: every file this build read, as
    /// it found it. Reads the entries of the files that are gone.
    pub(super) fn digest(&self) -> io::Result<u128> {
        drop(self.sealed());
        let digest = Digest::from_value(self.digest.value());
        if let Some(file) = &self.earlier {
            for (position, _) in
                self.states.iter().enumerate().filter(|(_, state)| state.load(Ordering::Relaxed) == UNSEEN)
            {
                let body = file.entry(position)?;
                let entry: StoredEntry<'_> = postcard::from_bytes(&body).map_err(io::Error::other)?;
                digest.remove(entry.path, entry.hash);
            }
        }
        Ok(digest.value())
    }

    /// Save the entries at `path`, with `head` (its entry count set
    /// here): this build's new entries, and the earlier ones it found
    /// unchanged, copied.
    pub(super) fn save(self, mut head: Head, lists: Lists<'_>, path: &Path) -> io::Result<()> {
        let mut fresh = self.fresh.into_inner().unwrap_or_else(PoisonError::into_inner);
        fresh.seal(&self.digest);
        let Fresh { writer, sealed, .. } = fresh;
        let mut writer = writer.unwrap_or_else(|| Writer::create(&self.folder));
        let mut index = sealed;
        for (_, value) in &mut index {
            *value >>= 1;
        }
        if let Some(file) = &self.earlier {
            let states = &self.states;
            file.each_in_order(&mut |position, body| {
                if states[position].load(Ordering::Relaxed) == SEEN {
                    let entry: StoredEntry<'_> = postcard::from_bytes(body).map_err(io::Error::other)?;
                    index.push((path_key(entry.path), writer.add_entry(body)));
                }
                Ok(())
            })?;
        }
        let lists_start = writer.position();
        match (lists, &self.earlier) {
            (Lists::Fresh(lists), _) => lists.iter().for_each(|list| writer.add(&[list])),
            (Lists::Earlier, Some(file)) => file.copy_lists(&mut writer)?,
            (Lists::Earlier, None) => {}
        }
        head.entries = index.len() as u64;
        writer.finish(lists_start, &head, index, path)
    }
}

impl RecordReader for Records {
    fn begin(&self) {
        drop(self.sealed());
    }

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
        let name = path_bytes(path);
        let key = path_key(&name);
        let earlier = usable.then(|| self.earlier_entry(key, &name)).flatten();
        // Found unchanged by its metadata moments ago, looking for changes.
        if let Some(earlier) = earlier.as_ref().filter(|earlier| self.state(earlier) == SEEN)
            && let Some(parsed) = earlier.parsed(path)
        {
            return parsed;
        }
        let meta = Meta::of(path);
        if let Some(parsed) = meta.and_then(|meta| self.fresh_outcome(key, path, meta)) {
            return parsed;
        }
        if let (Some(earlier), Some(meta)) = (&earlier, meta)
            && self.state(earlier) == UNSEEN
            && earlier.meta == meta
            && !meta.modified_since(self.racy_after)
            && let Some(parsed) = earlier.parsed(path)
        {
            self.seen(earlier);
            return parsed;
        }
        let bytes = load::read_capped(path)?;
        let hash = xxh3_128(&bytes);
        if let Some(earlier) = earlier.as_ref().filter(|earlier| earlier.hash == hash && self.state(earlier) == UNSEEN)
            && let Some(parsed) = earlier.parsed(path)
        {
            match meta {
                Some(meta) => self.renew(key, &name, earlier, meta),
                None => self.seen(earlier),
            }
            return parsed;
        }
        let parsed = load::parse_capped(path, &bytes, options);
        // Noted even without metadata (with none that matches a file), so
        // that the record is known whole and its hash known.
        let outcome = postcard::to_stdvec(&Outcome::of(&parsed)).unwrap_or_default();
        if let Some(earlier) = &earlier {
            self.replaced(earlier, &name, REPLACED);
        }
        let meta = meta.unwrap_or(Meta::UNKNOWN);
        self.note(key, &StoredEntry { path: &name, meta, hash, outcome: &outcome }, true);
        parsed
    }

    /// What this build's new entry says the file at `path` (with key
    /// `key`) was, if its metadata is still `meta`: a file this build
    /// parsed, or found with the bytes noted and new metadata, in an
    /// earlier phase (while looking for changes, or in a first reading) is
    /// not read again. (No racy window here: the entry was made in this
    /// build, from bytes read after its metadata, as a build without the
    /// cache reads a file once.)
    /// The record handed on is the cache's, not whole, even if this build
    /// parsed the file before: what gathering holds of it must be made
    /// whole again if it reaches a feed that is rendered.
    fn fresh_outcome(&self, key: u64, path: &Path, meta: Meta) -> Option<Result<Parsed, Vec<RecordProblem>>> {
        let name = path_bytes(path);
        let mut fresh = self.fresh();
        let (body, position) = fresh.find(key, &name)?;
        let entry: StoredEntry<'_> = postcard::from_bytes(&body).ok()?;
        if entry.meta != meta {
            return None;
        }
        let outcome: Outcome = postcard::from_bytes(entry.outcome).ok()?;
        fresh.sealed[position].1 &= !1;
        drop(fresh);
        Some(outcome.parsed(path))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Log an entry for the file named `path` whose bytes hash to `hash`
    /// in `fresh`, under `key`, counting it into `digest`, as a build does.
    fn add(fresh: &mut Fresh, digest: &Digest, key: u64, path: &[u8], hash: u128) {
        let entry = StoredEntry { path, meta: Meta::UNKNOWN, hash, outcome: &[] };
        let start = fresh.writer.as_mut().unwrap().add_entry(&postcard::to_stdvec(&entry).unwrap());
        fresh.log.push((key, (start << 1) | 1));
        digest.add(path, hash);
    }

    /// The hash of the sealed entry `fresh` holds for the file named `path`, under `key`.
    fn hash(fresh: &Fresh, key: u64, path: &[u8]) -> Option<u128> {
        let (body, _) = fresh.find(key, path)?;
        Some(postcard::from_bytes::<StoredEntry<'_>>(&body).unwrap().hash)
    }

    #[test]
    fn sealing_keeps_each_files_latest_entry_even_when_paths_share_a_key() {
        let folder = tempfile::tempdir().unwrap();
        let mut fresh = Fresh { writer: Some(Writer::create(folder.path())), ..Fresh::default() };
        let digest = Digest::default();
        for (path, hash) in [(&b"a.md"[..], 1), (b"b.md", 2), (b"c.md", 3)] {
            add(&mut fresh, &digest, 7, path, hash);
        }
        assert_eq!(hash(&fresh, 7, b"a.md"), None, "a phase does not see its own entries");
        fresh.seal(&digest);
        let all = |fresh: &Fresh| [b"a.md", b"b.md", b"c.md"].map(|path| hash(fresh, 7, path));
        assert_eq!(all(&fresh), [Some(1), Some(2), Some(3)]);
        assert_eq!((hash(&fresh, 7, b"d.md"), hash(&fresh, 8, b"a.md")), (None, None));

        // Files read again with other bytes, one twice in one phase, and another key.
        for (key, path, hash) in [(7, &b"b.md"[..], 20), (7, b"a.md", 9), (8, b"d.md", 4), (7, b"a.md", 10)] {
            add(&mut fresh, &digest, key, path, hash);
        }
        fresh.seal(&digest);
        assert_eq!(all(&fresh), [Some(10), Some(20), Some(3)]);
        assert_eq!(hash(&fresh, 8, b"d.md"), Some(4));
        assert_eq!(fresh.sealed.len(), 4, "one slot per file");
        let expected = Digest::default();
        for (path, hash) in [(&b"a.md"[..], 10), (b"b.md", 20), (b"c.md", 3), (b"d.md", 4)] {
            expected.add(path, hash);
        }
        assert_eq!(digest.value(), expected.value(), "the digest counts each file's latest entry once");
    }
}
