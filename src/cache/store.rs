//! What the build cache holds: a head (what the last build left in the
//! output folder) and an entry per record file, in the form they are
//! written in (see `file` for how).

use std::borrow::Cow;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use std::sync::atomic::{AtomicU64, Ordering};

use xxhash_rust::xxh3::{xxh3_64, xxh3_128_with_seed};

use chrono::{DateTime, Utc};

use super::records::Meta;
use crate::load::RecordProblem;
use crate::model::{Duplicate, Family, Feed};

/// What a cache file holds besides its record files' entries.
#[derive(Debug, Serialize, Deserialize)]
pub(super) struct Head {
    /// When the build that saved it started, in nanoseconds since the Unix
    /// epoch: what its record entries are as of.
    pub(super) saved_at: i128,
    /// Whether unpublished records were read (and so kept) as records.
    pub(super) include_unpublished: bool,
    /// What the last build that wrote the output folder left there.
    pub(super) output: Option<Output>,
    /// How many entries the index names.
    pub(super) entries: u64,
    /// The [`Digest`] of the record files the entries are of.
    pub(super) digest: u128,
}

/// One record file, as written: its path (the bytes of its name), what
/// identifies its version, and what it was (an encoded `Outcome`).
#[derive(Debug, Serialize, Deserialize)]
pub(super) struct StoredEntry<'a> {
    pub(super) path: &'a [u8],
    pub(super) meta: Meta,
    pub(super) hash: u128,
    pub(super) outcome: &'a [u8],
}

/// What a build left in the output folder: enough to tell, without
/// reading them, that a feed's files are still what it wrote.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub(super) struct Output {
    /// The hash of the settings the files were rendered with.
    pub(super) settings: u128,
    /// Each feed, in output order.
    pub(super) feeds: Vec<StoredFeed>,
    /// Each topic's key and display name.
    pub(super) topic_names: Vec<(String, String)>,
    /// The metadata of every file the build left, the manifest included,
    /// by path in the folder.
    pub(super) files: Vec<(String, Meta)>,
    /// What the build reported, for a build of the very same records.
    pub(super) summary: Summary,
}

/// One feed as a build left it: what it is, its fingerprint (what its
/// documents were made from), how many items the size budget left out of
/// it, its items' record files, and its archive pages.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(super) struct StoredFeed {
    pub(super) family: Family,
    pub(super) slug: String,
    pub(super) key: String,
    pub(super) name: String,
    pub(super) icon: Option<String>,
    pub(super) fingerprint: u128,
    pub(super) left_out: usize,
    /// Its items' record files (the bytes of their paths), newest first,
    /// encoded: read back only by a build that renders the feed without
    /// gathering ([`StoredFeed::member_paths`]).
    #[serde(with = "serde_bytes")]
    pub(super) members: Vec<u8>,
    /// Its archive pages, oldest first.
    pub(super) pages: Vec<StoredPage>,
}

/// One archive page as a build left it: its name, its fingerprint (what
/// its documents were made from) and how many items it holds. The keys of
/// its items' record files ([`path_key`]) are in the cache file's lists,
/// outside the head, read only by a build that needs them ([`Lists`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(super) struct StoredPage {
    pub(super) name: String,
    pub(super) fingerprint: u128,
    pub(super) count: u64,
}

/// The lists of the archive pages' items to save with a cache file: for
/// each feed, in output order, the keys of its pages' items' record files
/// ([`path_key`], 8 bytes each, little-endian), page after page (oldest
/// first), each page's oldest first: 8 bytes per archived item rather
/// than a path's length, enough to tell which pages hold an edited record,
/// and to find their records again through the cache's index.
#[derive(Debug)]
pub(super) enum Lists<'a> {
    /// These, by feed.
    Fresh(&'a [Vec<u8>]),
    /// The last build's, as its cache file holds them (its pages'
    /// items are the same).
    Earlier,
}

impl StoredFeed {
    /// Encode `paths` as [`StoredFeed::members`].
    pub(super) fn encode_members(paths: &[PathBuf]) -> Vec<u8> {
        let bytes: Vec<Cow<'_, [u8]>> = paths.iter().map(|path| path_bytes(path)).collect();
        postcard::to_stdvec(&bytes).unwrap_or_default()
    }

    /// Its items' record files, newest first; `None` if they cannot be read back.
    pub(super) fn member_paths(&self) -> Option<Vec<PathBuf>> {
        let bytes: Vec<&[u8]> = postcard::from_bytes(&self.members).ok()?;
        Some(bytes.into_iter().map(path_of).collect())
    }

    /// The feed, without its items.
    pub(super) fn feed(&self) -> Feed {
        Feed {
            family: self.family,
            slug: self.slug.clone(),
            key: self.key.clone(),
            name: self.name.clone(),
            items: Vec::new(),
            icon: self.icon.clone(),
        }
    }
}

/// What a build reported, and when its selection holds: a build with the
/// same settings (but `now`) over the same record files reports the same
/// and writes the same files, while `now` stays in [`Summary::current`]'s
/// span.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub(super) struct Summary {
    /// The hash of every setting but `now` and those of the cache and pings.
    pub(super) settings: u128,
    /// The [`digest`] of the record files the build read.
    pub(super) records: u128,
    /// The newest publication date not after the build's `now`, and the
    /// oldest after it, among the valid records: the span of `now` over
    /// which no record moves in or out of the future.
    pub(super) current: (Option<DateTime<Utc>>, Option<DateTime<Utc>>),
    pub(super) records_read: usize,
    pub(super) unpublished: usize,
    pub(super) future: usize,
    pub(super) duplicates: Vec<Duplicate>,
    pub(super) published: usize,
    pub(super) without_front_matter: Vec<PathBuf>,
    pub(super) skipped: Vec<RecordProblem>,
    pub(super) warnings: Vec<RecordProblem>,
    pub(super) id_changes: Vec<RecordProblem>,
    pub(super) feeds: usize,
    pub(super) trimmed_feeds: usize,
    pub(super) archives: usize,
    pub(super) files: usize,
}

/// The path whose name is `bytes`, as [`path_bytes`] wrote it.
pub(crate) fn path_of(bytes: &[u8]) -> PathBuf {
    #[cfg(unix)]
    return PathBuf::from(<std::ffi::OsStr as std::os::unix::ffi::OsStrExt>::from_bytes(bytes));
    #[cfg(not(unix))]
    return String::from_utf8_lossy(bytes).into_owned().into();
}

/// The bytes of `path`'s name (elsewhere than on Unix, a name that is not
/// Unicode is stored lossily: it misses the cache, and an archive page
/// that must read its record again cannot find it, and fails).
pub(crate) fn path_bytes(path: &Path) -> Cow<'_, [u8]> {
    #[cfg(unix)]
    return std::os::unix::ffi::OsStrExt::as_bytes(path.as_os_str()).into();
    #[cfg(not(unix))]
    return match path.to_string_lossy() {
        std::borrow::Cow::Borrowed(text) => text.as_bytes().into(),
        std::borrow::Cow::Owned(text) => text.into_bytes().into(),
    };
}

/// A digest of a set of files, each known by its path and the hash of its
/// bytes, in any order: the sums of each one's own hash, in two halves.
#[derive(Debug, Default)]
pub(super) struct Digest(AtomicU64, AtomicU64);

impl Digest {
    /// A digest that starts from `value`.
    pub(super) fn from_value(value: u128) -> Self {
        Digest(AtomicU64::new(value as u64), AtomicU64::new((value >> 64) as u64))
    }

    /// Count in the file at `path` whose bytes hash to `hash`.
    pub(super) fn add(&self, path: &[u8], hash: u128) {
        let own = Self::own(path, hash);
        self.0.fetch_add(own as u64, Ordering::Relaxed);
        self.1.fetch_add((own >> 64) as u64, Ordering::Relaxed);
    }

    /// Count out the file at `path` whose bytes hash to `hash`, counted in before.
    pub(super) fn remove(&self, path: &[u8], hash: u128) {
        let own = Self::own(path, hash);
        self.0.fetch_sub(own as u64, Ordering::Relaxed);
        self.1.fetch_sub((own >> 64) as u64, Ordering::Relaxed);
    }

    /// What one file adds.
    fn own(path: &[u8], hash: u128) -> u128 {
        xxh3_128_with_seed(path, (hash as u64) ^ ((hash >> 64) as u64))
    }

    /// The digest of the files counted in (and not out).
    pub(super) fn value(&self) -> u128 {
        (u128::from(self.1.load(Ordering::Relaxed)) << 64) | u128::from(self.0.load(Ordering::Relaxed))
    }
}

/// The key of a record file in the cache: a 64-bit hash of its path's
/// name. Two paths may share one; whatever finds an entry by its key
/// checks the path the entry names.
pub(super) fn path_key(path: &[u8]) -> u64 {
    xxh3_64(path)
}
