//! The build cache's file: what it holds, and how it is read and written.
//!
//! The file starts with a line naming the format and feedgen's version,
//! then the length and a 128-bit hash of the rest: a cache written by
//! another version, cut short or damaged is recognised and ignored, never
//! trusted. It is replaced whole, by renaming a complete temporary file
//! over it, so two builds sharing a cache each leave a whole file (the
//! last one's). It is not synced to disk: after a crash, a file cut short
//! is ignored like any damaged one.
//!
//! Each record's entry keeps what the file turned out to be as bytes of
//! its own, read back only when the build needs the record: a cache is
//! read in one piece, and its entries are not decoded (nor written again)
//! for nothing.

use std::borrow::Cow;
use std::fs;
use std::io::{self, Seek, SeekFrom, Write};
use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use std::sync::atomic::{AtomicU64, Ordering};

use xxhash_rust::xxh3::{Xxh3, xxh3_128, xxh3_128_with_seed};

use chrono::{DateTime, Utc};

use super::records::{Index, Meta};
use crate::load::RecordProblem;
use crate::model::{Duplicate, Family, Feed};

/// The first line of a cache file: the format, and the version of feedgen
/// that wrote it (a new version may gather or render differently).
fn header() -> String {
    format!("feedgen build cache 5, feedgen {} ({})\n", env!("CARGO_PKG_VERSION"), program_identity())
}

/// Which build of the program is running: its executable's size and
/// modification time. A version number alone would let a feedgen rebuilt
/// from changed sources (a fix, say) trust what an older build cached;
/// a program rebuilt or reinstalled has another executable.
fn program_identity() -> String {
    static IDENTITY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    IDENTITY
        .get_or_init(|| {
            let executable = std::env::current_exe().and_then(fs::metadata);
            match executable.and_then(|metadata| Ok((metadata.len(), metadata.modified()?))) {
                Ok((len, modified)) => {
                    let since = modified.duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
                    format!("{len:x}-{:x}", since.as_nanos())
                }
                Err(_) => "unknown build".to_owned(),
            }
        })
        .clone()
}

/// What a cache file holds before its record files' entries (which follow
/// it, `entries` of them, each encoded on its own: read and written one at
/// a time, never all held twice).
#[derive(Debug, Serialize, Deserialize)]
pub(super) struct Head {
    /// When the build that saved it started, in nanoseconds since the Unix
    /// epoch: what its record entries are as of.
    pub(super) saved_at: i128,
    /// Whether unpublished records were read (and so kept) as records.
    pub(super) include_unpublished: bool,
    /// What the last build that wrote the output folder left there.
    pub(super) output: Option<Output>,
    /// How many entries follow.
    pub(super) entries: u64,
}

/// One record file, as written: its path (the bytes of its name), what
/// identifies its version, and what it was (an encoded `Outcome`).
#[derive(Debug, Serialize, Deserialize)]
pub(super) struct StoredEntry<'a> {
    #[serde(borrow)]
    pub(super) path: Cow<'a, [u8]>,
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
/// it, and its items' record files.
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
    pub(super) members: Vec<u8>,
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
    pub(super) files: usize,
}

/// A cache file, read: its bytes, and where each entry's parts are in them.
#[derive(Debug, Default)]
pub(super) struct Loaded {
    pub(super) bytes: Vec<u8>,
    pub(super) saved_at: i128,
    pub(super) include_unpublished: bool,
    pub(super) output: Option<Output>,
}

/// One record file's entry as read, its outcome left encoded in
/// [`Loaded::bytes`], at `outcome`.
#[derive(Debug)]
pub(super) struct LoadedEntry<'a> {
    /// The bytes of its path's name.
    pub(super) path: &'a [u8],
    pub(super) meta: Meta,
    pub(super) hash: u128,
    pub(super) outcome: Range<usize>,
}

/// Why a cache file was not used.
#[derive(Debug)]
pub(super) enum Unusable {
    /// There is none yet.
    Missing,
    /// It could not be read, or is not a whole cache of this version.
    Broken(String),
}

/// The path whose name is `bytes`, as [`path_bytes`] wrote it.
pub(super) fn path_of(bytes: &[u8]) -> PathBuf {
    #[cfg(unix)]
    return PathBuf::from(<std::ffi::OsStr as std::os::unix::ffi::OsStrExt>::from_bytes(bytes));
    #[cfg(not(unix))]
    return String::from_utf8_lossy(bytes).into_owned().into();
}

/// The bytes of `path`'s name (elsewhere than on Unix, a name that is not
/// Unicode is stored lossily: it only misses the cache).
pub(super) fn path_bytes(path: &Path) -> Cow<'_, [u8]> {
    #[cfg(unix)]
    return std::os::unix::ffi::OsStrExt::as_bytes(path.as_os_str()).into();
    #[cfg(not(unix))]
    return match path.to_string_lossy() {
        std::borrow::Cow::Borrowed(text) => text.as_bytes().into(),
        std::borrow::Cow::Owned(text) => text.into_bytes().into(),
    };
}

/// Read the cache file at `path`, its record files' entries into `index`.
pub(super) fn read(path: &Path, index: &mut Index) -> Result<Loaded, Unusable> {
    let bytes = match fs::read(path) {
        Ok(bytes) => bytes,
        Err(error) if error.kind() == io::ErrorKind::NotFound => return Err(Unusable::Missing),
        Err(error) => return Err(Unusable::Broken(format!("cannot read it: {error}"))),
    };
    let header = header();
    let Some(rest) = bytes.strip_prefix(header.as_bytes()) else {
        let written = bytes.split(|&byte| byte == b'\n').next().unwrap_or_default();
        return Err(Unusable::Broken(match written.strip_prefix(b"feedgen build cache") {
            Some(_) => format!("it was written by another version ({})", String::from_utf8_lossy(written).trim()),
            None => "it is not a feedgen build cache".to_owned(),
        }));
    };
    let truncated = || Unusable::Broken("it is cut short".to_owned());
    let (length, rest) = rest.split_first_chunk::<8>().ok_or_else(truncated)?;
    let (checksum, payload) = rest.split_first_chunk::<16>().ok_or_else(truncated)?;
    if u64::from_le_bytes(*length) != payload.len() as u64 {
        return Err(truncated());
    }
    if u128::from_le_bytes(*checksum) != xxh3_128(payload) {
        return Err(Unusable::Broken("its checksum does not match: it is damaged".to_owned()));
    }
    let broken = |error: postcard::Error| Unusable::Broken(format!("it cannot be decoded: {error}"));
    let (head, mut rest) = postcard::take_from_bytes::<Head>(payload).map_err(broken)?;
    let start = bytes.as_ptr() as usize;
    let within = |part: &[u8]| {
        let from = (part.as_ptr() as usize).checked_sub(start).filter(|from| from + part.len() <= bytes.len());
        from.map(|from| from..from + part.len()).ok_or_else(|| Unusable::Broken("it cannot be decoded".to_owned()))
    };
    index.reserve(usize::try_from(head.entries).unwrap_or(0).min(payload.len()));
    for _ in 0..head.entries {
        let (entry, after) = postcard::take_from_bytes::<StoredEntry<'_>>(rest).map_err(broken)?;
        rest = after;
        let outcome = within(entry.outcome)?;
        index.add(LoadedEntry { path: &entry.path, meta: entry.meta, hash: entry.hash, outcome });
    }
    if !rest.is_empty() {
        return Err(Unusable::Broken("it has more than its entries".to_owned()));
    }
    let Head { saved_at, include_unpublished, output, .. } = head;
    Ok(Loaded { bytes, saved_at, include_unpublished, output })
}

/// What hands each entry to write to the function it is given.
pub(super) type Entries<'a> = dyn FnMut(&mut dyn FnMut(&StoredEntry<'_>) -> io::Result<()>) -> io::Result<()> + 'a;

/// Write a cache file at `path`, atomically, creating its folder: `head`,
/// then the entries `entries` gives (as many as `head` says), each to the
/// function it is handed. The payload is hashed as it is written, never
/// held whole.
pub(super) fn write(path: &Path, head: &Head, entries: &mut Entries<'_>) -> io::Result<()> {
    let folder = path.parent().filter(|folder| !folder.as_os_str().is_empty()).unwrap_or(Path::new("."));
    fs::create_dir_all(folder)?;
    let mut file = tempfile::Builder::new().prefix(".feedgen-cache-").tempfile_in(folder)?;
    write_to(file.as_file_mut(), head, entries)?;
    file.persist(path).map_err(|error| error.error)?;
    Ok(())
}

/// Write the cache into `file`, as [`write`] does.
fn write_to(file: &mut fs::File, head: &Head, entries: &mut Entries<'_>) -> io::Result<()> {
    let header = header();
    file.write_all(header.as_bytes())?;
    file.write_all(&[0; 24])?;
    // The serialiser writes a few bytes at a time: buffered before they
    // are hashed and written, a large block at a time.
    let hashed = Hashed { out: &mut *file, hasher: Xxh3::new(), length: 0 };
    let mut buffered = io::BufWriter::with_capacity(256 * 1024, hashed);
    postcard::to_io(head, &mut buffered).map_err(io::Error::other)?;
    entries(&mut |entry| postcard::to_io(entry, &mut buffered).map(drop).map_err(io::Error::other))?;
    let Hashed { hasher, length, .. } = buffered.into_inner().map_err(io::IntoInnerError::into_error)?;
    file.seek(SeekFrom::Start(header.len() as u64))?;
    file.write_all(&length.to_le_bytes())?;
    file.write_all(&hasher.digest128().to_le_bytes())
}

/// A writer that hashes and counts what goes through it.
struct Hashed<W> {
    out: W,
    hasher: Xxh3,
    length: u64,
}

impl<W: Write> Write for Hashed<W> {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        let written = self.out.write(bytes)?;
        self.hasher.update(&bytes[..written]);
        self.length += written as u64;
        Ok(written)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

/// A digest of a set of files, each known by its path and the hash of its
/// bytes, in any order: the sums of each one's own hash, in two halves.
#[derive(Debug, Default)]
pub(super) struct Digest(AtomicU64, AtomicU64);

impl Digest {
    /// Count in the file at `path` whose bytes hash to `hash`.
    pub(super) fn add(&self, path: &[u8], hash: u128) {
        let own = xxh3_128_with_seed(path, (hash as u64) ^ ((hash >> 64) as u64));
        self.0.fetch_add(own as u64, Ordering::Relaxed);
        self.1.fetch_add((own >> 64) as u64, Ordering::Relaxed);
    }

    /// The digest of the files counted in.
    pub(super) fn value(self) -> u128 {
        (u128::from(self.1.into_inner()) << 64) | u128::from(self.0.into_inner())
    }
}
