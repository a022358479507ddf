//! The record half of the build cache: what each record file turned out
//! to be the last time it was read, so that a build parses only the files
//! whose content changed.
//!
//! A file is known unchanged by its metadata (size, modification and
//! status-change times, inode) when they are what the cache noted; when
//! they differ (a fresh checkout gives every file new times), by the hash
//! of its bytes, which costs a read but no parse. A file modified within
//! [`RACY_WINDOW`] before the cache was saved is always hashed: a second
//! edit in the same clock tick would leave its metadata as noted.
//!
//! What is kept of a record is what gathering needs ([`light`]): no body,
//! excerpt, images or related articles. An item made from such a record is
//! not the real one; [`crate::cache::Feeds`] has the few feeds that are
//! rendered read their records again in full. An unpublished record is
//! kept as the fact that it is unpublished, and nothing else; no record
//! holds `secured`, which is never read past the YAML parser.

use std::collections::{HashMap, HashSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use xxhash_rust::xxh3::xxh3_128;

use crate::load::{self, LoadOptions, Parsed, RecordProblem, RecordReader};
use crate::model::Record;

/// How long before the cache was saved a file must have last been
/// modified for its metadata alone to vouch for it: longer than any file
/// system's timestamp granularity (FAT's is two seconds).
pub(super) const RACY_WINDOW: Duration = Duration::from_secs(3);

/// What identifies one version of a file without reading it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Meta {
    len: u64,
    /// Modification time, nanoseconds since the Unix epoch.
    modified: i128,
    /// Status-change time (Unix), nanoseconds since the epoch: unlike the
    /// modification time, no program can set it back.
    changed: i128,
    inode: u64,
}

impl Meta {
    /// The metadata of the file at `path` (links followed), or `None`
    /// when it cannot be read.
    pub(crate) fn of(path: &Path) -> Option<Meta> {
        let metadata = fs::metadata(path).ok()?;
        let nanos = |time: std::time::SystemTime| match time.duration_since(UNIX_EPOCH) {
            Ok(after) => after.as_nanos() as i128,
            Err(before) => -(before.duration().as_nanos() as i128),
        };
        let modified = metadata.modified().ok().map_or(0, nanos);
        #[cfg(unix)]
        let (changed, inode) = {
            use std::os::unix::fs::MetadataExt;
            (i128::from(metadata.ctime()) * 1_000_000_000 + i128::from(metadata.ctime_nsec()), metadata.ino())
        };
        #[cfg(not(unix))]
        let (changed, inode) = (0, 0);
        Some(Meta { len: metadata.len(), modified, changed, inode })
    }

    /// Whether the file was modified at or after `moment` (nanoseconds since the epoch).
    fn modified_since(&self, moment: i128) -> bool {
        self.modified >= moment || self.changed >= moment
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

    /// What the loader hands on for it.
    fn parsed(&self) -> Result<Parsed, Vec<RecordProblem>> {
        match self {
            Outcome::Record(record, warnings) => Ok(Parsed::Record(record.clone(), warnings.clone())),
            Outcome::Unpublished => Ok(Parsed::Unpublished),
            Outcome::NoFrontMatter => Ok(Parsed::NoFrontMatter),
            Outcome::Invalid(problems) => Err(problems.clone()),
        }
    }
}

/// `record` with only what gathering looks at (links, id, dates, names,
/// the provider's logo): what the cache keeps of a record.
fn light(record: &Record) -> Record {
    let mut light = crate::prepare::trimmed(record.clone());
    light.excerpt = None;
    light.featured_content = None;
    light.images = Vec::new();
    light.related = Vec::new();
    light.body = String::new();
    light
}

/// One file, as the cache knows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(super) struct Entry {
    pub(super) meta: Meta,
    /// The hash of its bytes (up to one past the size limit).
    pub(super) hash: u128,
    pub(super) outcome: Outcome,
}

/// Where an earlier entry stands in this build.
const UNSEEN: u8 = 0;
/// Its file was read and is unchanged.
const SEEN: u8 = 1;
/// Its file changed: a new entry replaces it.
const REPLACED: u8 = 2;

/// The record files as the last build left them, and as this build finds
/// them: the loader's [`RecordReader`].
#[derive(Debug)]
pub(crate) struct Records {
    /// The last build's entries, and where each stands now.
    earlier: Vec<(PathBuf, Entry)>,
    by_path: HashMap<PathBuf, usize>,
    states: Vec<AtomicU8>,
    /// Entries modified this late are checked by hash, not metadata.
    racy_after: i128,
    /// Whether the entries were read with unpublished records included.
    include_unpublished: bool,
    /// New entries, for files new or changed since.
    changed: Mutex<HashMap<PathBuf, Entry>>,
    /// Files parsed in this build: their records are whole.
    parsed: Mutex<HashSet<PathBuf>>,
    /// How many files were read from the cache without parsing.
    reused: AtomicUsize,
}

impl Records {
    /// The cache of files read with `include_unpublished`, from the last
    /// build's entries (saved at `saved_at`, nanoseconds since the epoch).
    pub(super) fn new(earlier: Vec<(PathBuf, Entry)>, saved_at: i128, include_unpublished: bool) -> Self {
        let by_path = earlier.iter().enumerate().map(|(index, (path, _))| (path.clone(), index)).collect();
        let states = earlier.iter().map(|_| AtomicU8::new(UNSEEN)).collect();
        Records {
            earlier,
            by_path,
            states,
            racy_after: saved_at - RACY_WINDOW.as_nanos() as i128,
            include_unpublished,
            changed: Mutex::default(),
            parsed: Mutex::default(),
            reused: AtomicUsize::new(0),
        }
    }

    /// The hash of the bytes of the file at `path` as this build read it.
    pub(super) fn hash_of(&self, path: &Path) -> Option<u128> {
        let changed = self.changed.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(entry) = changed.get(path) {
            return Some(entry.hash);
        }
        self.by_path.get(path).map(|&index| self.earlier[index].1.hash)
    }

    /// Whether the record at `path` was parsed in full by this build.
    pub(super) fn was_parsed(&self, path: &Path) -> bool {
        self.parsed.lock().unwrap_or_else(PoisonError::into_inner).contains(path)
    }

    /// How many files this build took from the cache without parsing them.
    pub(super) fn reused(&self) -> usize {
        self.reused.load(Ordering::Relaxed)
    }

    /// The entries to save: every file this build read, as it found it.
    pub(super) fn into_entries(self) -> Vec<(PathBuf, Entry)> {
        let mut entries: Vec<(PathBuf, Entry)> = self
            .earlier
            .into_iter()
            .zip(self.states)
            .filter(|(_, state)| state.load(Ordering::Relaxed) == SEEN)
            .map(|(entry, _)| entry)
            .collect();
        entries.extend(self.changed.into_inner().unwrap_or_else(PoisonError::into_inner));
        entries.sort_by(|(a, _), (b, _)| a.cmp(b));
        entries
    }

    /// Note a new entry for `path`, replacing the earlier one at `index`.
    fn note(&self, path: &Path, index: Option<usize>, entry: Entry) {
        if let Some(index) = index {
            self.states[index].store(REPLACED, Ordering::Relaxed);
        }
        self.changed.lock().unwrap_or_else(PoisonError::into_inner).insert(path.to_owned(), entry);
    }
}

impl RecordReader for Records {
    fn read(&self, path: &Path, options: LoadOptions) -> Result<Parsed, Vec<RecordProblem>> {
        let meta = Meta::of(path);
        let usable = options.include_unpublished == self.include_unpublished && options.warn.is_none();
        let earlier = self.by_path.get(path).copied().filter(|_| usable);
        let entry = earlier.map(|index| &self.earlier[index].1);
        if let (Some(index), Some(entry), Some(meta)) = (earlier, entry, meta)
            && entry.meta == meta
            && !meta.modified_since(self.racy_after)
        {
            self.states[index].store(SEEN, Ordering::Relaxed);
            self.reused.fetch_add(1, Ordering::Relaxed);
            return entry.outcome.parsed();
        }
        let bytes = load::read_capped(path)?;
        let hash = xxh3_128(&bytes);
        if let Some(entry) = entry.filter(|entry| entry.hash == hash) {
            self.reused.fetch_add(1, Ordering::Relaxed);
            let parsed = entry.outcome.parsed();
            if let Some(meta) = meta {
                self.note(path, earlier, Entry { meta, hash, outcome: entry.outcome.clone() });
            }
            return parsed;
        }
        let parsed = load::parse_capped(path, &bytes, options);
        self.parsed.lock().unwrap_or_else(PoisonError::into_inner).insert(path.to_owned());
        if let Some(meta) = meta {
            self.note(path, earlier, Entry { meta, hash, outcome: Outcome::of(&parsed) });
        }
        parsed
    }
}
