//! The build cache's file: how it is laid out, checked, read one record
//! file's entry at a time, and written while the build runs.
//!
//! It starts with a line naming the format and the build of feedgen that
//! wrote it, then the payload's length (8 bytes) and its XXH3-128 hash (16
//! bytes): a cache written by another build, cut short or damaged is
//! recognised and ignored, never trusted. The payload holds:
//!
//! 1. the entries, each its length (4 bytes) and its encoding
//!    (`StoredEntry`), in about the order the build that wrote them met
//!    their files (those it found unchanged, copied, last); an entry the
//!    index does not name (one that build replaced) is never read;
//! 2. the lists: with archives, the keys of the record files of each
//!    archive page's items (8 bytes each), feed after feed and page after
//!    page as the head lists them; checked with the rest, but read and
//!    held only by a build of edited words, a feed at a time;
//! 3. the [`Head`];
//! 4. the index: for each entry, its path's key (a 64-bit hash) and where
//!    the entry starts (8 bytes each), sorted;
//! 5. where the lists, the head and the index start (8 bytes each).
//!
//! A build reads the whole file once, streaming, to check its hash, then
//! keeps only the head and the index: each entry is read from the file
//! when the build meets its record file. A new cache is written the same
//! way: an entry as soon as a record file is found new or changed, the
//! unchanged entries copied over at the end. Memory follows the number of
//! record files (16 bytes each), not what is kept of them.
//!
//! The file is replaced whole, by renaming a complete temporary file over
//! it, so two builds sharing a cache each leave a whole file (the last
//! one's). It is not synced to disk: after a crash, a file cut short is
//! ignored like any damaged one.

use std::cell::RefCell;
use std::fs::{self, File};
use std::io;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use xxhash_rust::xxh3::Xxh3;

use super::store::Head;

/// The first line of a cache file: the format, and the build of feedgen
/// that wrote it (another may gather or render differently).
fn header() -> String {
    format!("feedgen build cache 8, feedgen {} ({})\n", env!("CARGO_PKG_VERSION"), program_identity())
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

/// How much of the file is read at a time when it is read in order.
const CHUNK: usize = 1024 * 1024;

/// How many bytes of an entry are read at first: most entries are shorter.
const FIRST_READ: usize = 1024;

/// Why a cache file was not used.
#[derive(Debug)]
pub(super) enum Unusable {
    /// There is none yet.
    Missing,
    /// It could not be read, or is not a whole cache of this build.
    Broken(String),
}

/// A cache file, open and checked: its head and its index in memory, its
/// entries on disk.
#[derive(Debug)]
pub(super) struct CacheFile {
    file: File,
    /// Which open cache file this is, for [`LAST_PIECE`].
    id: u64,
    /// What the file holds besides its entries.
    pub(super) head: Head,
    /// The index's keys, sorted, and where each one's entry starts.
    keys: Vec<u64>,
    starts: Vec<u64>,
    /// Where the keys of each value of their top bits begin, so that a
    /// lookup goes to the few keys that share them (keys are hashes,
    /// spread evenly) rather than searching all.
    buckets: Buckets,
    /// Where the entries are in the file.
    entries: Range<u64>,
    /// Where the lists are in the file.
    lists: Range<u64>,
}

impl CacheFile {
    /// Open the cache file at `path` and check it whole.
    pub(super) fn open(path: &Path) -> Result<CacheFile, Unusable> {
        let file = match File::open(path) {
            Ok(file) => file,
            Err(error) if error.kind() == io::ErrorKind::NotFound => return Err(Unusable::Missing),
            Err(error) => return Err(Unusable::Broken(format!("cannot read it: {error}"))),
        };
        let unreadable = |error: io::Error| Unusable::Broken(format!("cannot read it: {error}"));
        let len = file.metadata().map_err(unreadable)?.len();
        let header = header();
        let mut first = vec![0; usize::try_from(len).unwrap_or(usize::MAX).min(header.len())];
        read_at(&file, &mut first, 0).map_err(unreadable)?;
        if first != header.as_bytes() {
            let mut start = vec![0; usize::try_from(len).unwrap_or(usize::MAX).min(256)];
            read_at(&file, &mut start, 0).map_err(unreadable)?;
            let written = start.split(|&byte| byte == b'\n').next().unwrap_or_default();
            return Err(Unusable::Broken(match written.strip_prefix(b"feedgen build cache") {
                Some(_) => format!("it was written by another version ({})", String::from_utf8_lossy(written).trim()),
                None => "it is not a feedgen build cache".to_owned(),
            }));
        }
        let truncated = || Unusable::Broken("it is cut short".to_owned());
        let payload_start = header.len() as u64 + 24;
        if len < payload_start {
            return Err(truncated());
        }
        let mut sums = [0; 24];
        read_at(&file, &mut sums, header.len() as u64).map_err(unreadable)?;
        let (length, checksum) = sums.split_at(8);
        let length = u64::from_le_bytes(length.try_into().unwrap_or_default());
        if payload_start.checked_add(length) != Some(len) {
            return Err(truncated());
        }
        if u128::from_le_bytes(checksum.try_into().unwrap_or_default()) != hash_of_range(&file, payload_start..len)? {
            return Err(Unusable::Broken("its checksum does not match: it is damaged".to_owned()));
        }
        let Tables { head, keys, starts, entries, lists } = read_tables(&file, payload_start, len)
            .map_err(|why| Unusable::Broken(format!("it cannot be decoded: {why}")))?;
        let buckets = Buckets::new(&keys);
        Ok(CacheFile { file, id: new_id(), head, keys, starts, buckets, entries, lists })
    }

    /// How many entries it holds.
    pub(super) fn len(&self) -> usize {
        self.keys.len()
    }

    /// The entries whose key is `key`, by position in the index: the
    /// record file's entry is one of them, if it has one.
    pub(super) fn positions(&self, key: u64) -> Range<usize> {
        let bucket = self.buckets.of(key);
        let keys = &self.keys[bucket.clone()];
        let first = bucket.start + keys.partition_point(|&other| other < key);
        let after = first + self.keys[first..bucket.end].partition_point(|&other| other == key);
        first..after
    }

    /// The encoded entry at `position` in the index.
    pub(super) fn entry(&self, position: usize) -> io::Result<Vec<u8>> {
        entry_by_piece(&self.file, self.id, self.starts[position], self.entries.clone())
    }

    /// How many bytes the lists take.
    pub(super) fn lists_len(&self) -> u64 {
        self.lists.end - self.lists.start
    }

    /// `len` bytes of the lists, from `offset` within them.
    pub(super) fn read_lists(&self, offset: u64, len: usize) -> io::Result<Vec<u8>> {
        if offset.checked_add(len as u64).is_none_or(|end| end > self.lists_len()) {
            return Err(io::Error::new(io::ErrorKind::InvalidData, "past the end of the lists"));
        }
        let mut bytes = vec![0; len];
        read_at(&self.file, &mut bytes, self.lists.start + offset)?;
        Ok(bytes)
    }

    /// Add the lists to `writer`, as they are, a large piece at a time.
    pub(super) fn copy_lists(&self, writer: &mut Writer) -> io::Result<()> {
        let mut buffer = vec![0; CHUNK];
        let mut at = self.lists.start;
        while at < self.lists.end {
            let piece = &mut buffer[..usize::try_from(self.lists.end - at).unwrap_or(CHUNK).min(CHUNK)];
            read_at(&self.file, piece, at)?;
            writer.add(&[piece]);
            at += piece.len() as u64;
        }
        Ok(())
    }

    /// Hand `each` every entry the index holds, with its position in the
    /// index, in the order of the file: read in large pieces, in one pass.
    pub(super) fn each_in_order(&self, each: &mut dyn FnMut(usize, &[u8]) -> io::Result<()>) -> io::Result<()> {
        let mut order: Vec<u32> = (0..self.len() as u32).collect();
        order.sort_unstable_by_key(|&position| self.starts[position as usize]);
        let mut order = order.into_iter().peekable();
        let mut pieces = Pieces::new(&self.file, self.entries.clone());
        while let Some((start, body)) = pieces.next_entry()? {
            while order.peek().is_some_and(|&position| self.starts[position as usize] < start) {
                order.next();
            }
            if let Some(position) = order.next_if(|&position| self.starts[position as usize] == start) {
                each(position as usize, body)?;
            }
        }
        Ok(())
    }
}

/// How much of a cache file is read at once for an entry: entries are
/// mostly met in the order they were written (the order the walk met
/// their files), so one read serves the entries that follow too.
const PIECE: usize = 64 * 1024;

thread_local! {
    /// The piece of a cache file this thread read last.
    static LAST_PIECE: RefCell<Piece> = const { RefCell::new(Piece { file: None, start: 0, bytes: Vec::new() }) };
}

/// A number no other cache file open in this process (to read or to
/// write) has, for [`LAST_PIECE`].
fn new_id() -> u64 {
    static OPENED: AtomicU64 = AtomicU64::new(0);
    OPENED.fetch_add(1, Ordering::Relaxed)
}

/// The encoded entry that starts at `start` in `file` (numbered `id`),
/// whose entries lie in `entries` and never change: from the piece of the
/// file this thread read last when it holds the entry, else read with
/// what surrounds it when the thread reads the file in order (the entry
/// is a little way past its last piece), or alone.
fn entry_by_piece(file: &File, id: u64, start: u64, entries: Range<u64>) -> io::Result<Vec<u8>> {
    LAST_PIECE.with_borrow_mut(|piece| {
        if piece.file != Some(id) || piece.entry(start).is_none() {
            let in_order = piece.file == Some(id)
                && start >= piece.start
                && start - piece.start <= (piece.bytes.len() + PIECE) as u64;
            // From a little before: the threads that wrote neighbouring
            // entries did not always finish them in the walk's order.
            let (from, size) =
                if in_order { (start.saturating_sub(PIECE as u64 / 8), PIECE) } else { (start, FIRST_READ) };
            let from = from.max(entries.start);
            let length = usize::try_from(entries.end.saturating_sub(from)).unwrap_or(size).min(size);
            piece.file = None;
            piece.bytes.resize(length, 0);
            read_at(file, &mut piece.bytes, from)?;
            (piece.file, piece.start) = (Some(id), from);
        }
        match piece.entry(start) {
            Some(body) => Ok(body.to_vec()),
            // Longer than what was read, or damaged.
            None => read_entry(file, start, entries.end),
        }
    })
}

/// Bytes of an open cache file (by its number) from `start`.
struct Piece {
    file: Option<u64>,
    start: u64,
    bytes: Vec<u8>,
}

impl Piece {
    /// The encoded entry that starts at `start` in the file, if this piece
    /// holds all of it.
    fn entry(&self, start: u64) -> Option<&[u8]> {
        entry_within(&self.bytes, usize::try_from(start.checked_sub(self.start)?).ok()?)
    }
}

/// The encoded entry that starts at `from` in `bytes`, if they hold all of it.
fn entry_within(bytes: &[u8], from: usize) -> Option<&[u8]> {
    let length = u32::from_le_bytes(*bytes.get(from..)?.first_chunk::<4>()?) as usize;
    bytes.get(from + 4..from.checked_add(4 + length)?)
}

/// Where the sorted keys of each value of their top bits begin.
#[derive(Debug)]
struct Buckets {
    /// How many top bits choose a bucket.
    bits: u32,
    /// Where each bucket begins in the keys, and after the last, their number.
    begins: Vec<u32>,
}

impl Buckets {
    /// The buckets of `keys` (sorted): about four keys to a bucket.
    fn new(keys: &[u64]) -> Self {
        let bits = (keys.len() / 4).max(1).ilog2().min(32);
        let bucket = |key: u64| if bits == 0 { 0 } else { (key >> (64 - bits)) as usize };
        let mut begins = Vec::with_capacity((1 << bits) + 1);
        let mut position = 0;
        for value in 0..=(1usize << bits) {
            while position < keys.len() && bucket(keys[position]) < value {
                position += 1;
            }
            begins.push(position as u32);
        }
        Buckets { bits, begins }
    }

    /// The positions of the keys that share `key`'s top bits.
    fn of(&self, key: u64) -> Range<usize> {
        let value = if self.bits == 0 { 0 } else { (key >> (64 - self.bits)) as usize };
        self.begins[value] as usize..self.begins[value + 1] as usize
    }
}

/// The head, the index's keys and starts, and where the entries and the
/// lists are, of a checked file.
struct Tables {
    head: Head,
    keys: Vec<u64>,
    starts: Vec<u64>,
    entries: Range<u64>,
    lists: Range<u64>,
}

/// Read the head and the index of a checked file whose payload runs from
/// `payload_start` to `len` (see [`CacheFile::open`]).
fn read_tables(file: &File, payload_start: u64, len: u64) -> Result<Tables, String> {
    let mut trailer = [0; TRAILER];
    let trailer_start = len.checked_sub(TRAILER as u64).filter(|&start| start >= payload_start).ok_or("no trailer")?;
    read_at(file, &mut trailer, trailer_start).map_err(|error| error.to_string())?;
    let word = |bytes: &[u8]| u64::from_le_bytes(bytes.try_into().unwrap_or_default());
    let (lists_start, head_start, index_start) = (word(&trailer[..8]), word(&trailer[8..16]), word(&trailer[16..]));
    if !(payload_start <= lists_start
        && lists_start <= head_start
        && head_start <= index_start
        && index_start <= trailer_start)
        || (trailer_start - index_start) % 16 != 0
    {
        return Err("its tables are out of place".to_owned());
    }
    let head: Head = {
        let mut bytes = vec![0; usize::try_from(index_start - head_start).map_err(|error| error.to_string())?];
        read_at(file, &mut bytes, head_start).map_err(|error| error.to_string())?;
        postcard::from_bytes(&bytes).map_err(|error| error.to_string())?
    };
    let mut index = vec![0; usize::try_from(trailer_start - index_start).map_err(|error| error.to_string())?];
    read_at(file, &mut index, index_start).map_err(|error| error.to_string())?;
    let (keys, starts): (Vec<u64>, Vec<u64>) =
        index.chunks_exact(16).map(|pair| (word(&pair[..8]), word(&pair[8..]))).unzip();
    let entries = payload_start..lists_start;
    let sorted = keys.is_sorted() && u32::try_from(keys.len()).is_ok();
    if !sorted || head.entries != keys.len() as u64 || starts.iter().any(|start| !entries.contains(start)) {
        return Err("its index does not match its entries".to_owned());
    }
    Ok(Tables { head, keys, starts, entries, lists: lists_start..head_start })
}

/// Bytes of the trailer: where the lists, the head and the index start.
const TRAILER: usize = 24;

/// The XXH3-128 hash of the bytes of `file` in `range`, read in pieces.
fn hash_of_range(file: &File, range: Range<u64>) -> Result<u128, Unusable> {
    let mut hasher = Xxh3::new();
    let mut buffer = vec![0; CHUNK];
    let mut at = range.start;
    while at < range.end {
        let piece = usize::try_from(range.end - at).unwrap_or(CHUNK).min(CHUNK);
        read_at(file, &mut buffer[..piece], at)
            .map_err(|error| Unusable::Broken(format!("cannot read it: {error}")))?;
        hasher.update(&buffer[..piece]);
        at += piece as u64;
    }
    Ok(hasher.digest128())
}

/// The encoded entry that starts at `start` in `file`, whose entries end at `end`.
fn read_entry(file: &File, start: u64, end: u64) -> io::Result<Vec<u8>> {
    let damaged = || io::Error::new(io::ErrorKind::InvalidData, "an entry runs past the entries");
    let available = usize::try_from(end.checked_sub(start).ok_or_else(damaged)?).unwrap_or(usize::MAX);
    let mut bytes = vec![0; available.min(FIRST_READ)];
    read_at(file, &mut bytes, start)?;
    let length = bytes.first_chunk::<4>().map(|length| u32::from_le_bytes(*length) as usize).ok_or_else(damaged)?;
    if 4 + length > available {
        return Err(damaged());
    }
    if 4 + length > bytes.len() {
        let read = bytes.len();
        bytes.resize(4 + length, 0);
        read_at(file, &mut bytes[read..], start + read as u64)?;
    }
    bytes.truncate(4 + length);
    bytes.drain(..4);
    Ok(bytes)
}

/// The entries of a file in `range`, read in order a large piece at a time.
struct Pieces<'f> {
    file: &'f File,
    range: Range<u64>,
    /// What was read and not yet handed out, from `at`.
    buffer: Vec<u8>,
    consumed: usize,
    at: u64,
}

impl<'f> Pieces<'f> {
    fn new(file: &'f File, range: Range<u64>) -> Self {
        Pieces { file, at: range.start, range, buffer: Vec::new(), consumed: 0 }
    }

    /// The next entry and where it starts, or `None` after the last.
    fn next_entry(&mut self) -> io::Result<Option<(u64, &[u8])>> {
        let start = self.at;
        if start >= self.range.end {
            return Ok(None);
        }
        self.fill(4)?;
        let length = u32::from_le_bytes(self.buffer[self.consumed..self.consumed + 4].try_into().unwrap_or_default());
        self.fill(4 + length as usize)?;
        let body = self.consumed + 4..self.consumed + 4 + length as usize;
        self.consumed = body.end;
        self.at += 4 + u64::from(length);
        Ok(Some((start, &self.buffer[body])))
    }

    /// Have at least `wanted` bytes unconsumed in the buffer.
    fn fill(&mut self, wanted: usize) -> io::Result<()> {
        let unconsumed = self.buffer.len() - self.consumed;
        if unconsumed >= wanted {
            return Ok(());
        }
        let left = usize::try_from(self.range.end - self.at).unwrap_or(usize::MAX);
        if wanted > left {
            return Err(io::Error::new(io::ErrorKind::InvalidData, "an entry runs past the entries"));
        }
        self.buffer.drain(..self.consumed);
        self.consumed = 0;
        let from = self.at + unconsumed as u64;
        let size = wanted.max(CHUNK).min(left) - unconsumed;
        let read = self.buffer.len();
        self.buffer.resize(read + size, 0);
        read_at(self.file, &mut self.buffer[read..], from)
    }
}

/// A new cache file, written as the build runs: entries are added as they
/// come and can be read back; [`Writer::finish`] adds the head and the
/// index and puts the file in place. When no temporary file can be made
/// (an unwritable cache folder), or writing to it fails (a full disk), the
/// entries from then on are held in memory and the cache is not saved. A
/// writer dropped unfinished (a build that failed) leaves nothing behind:
/// its temporary file goes, and so do the folders it made, if empty.
pub(super) struct Writer {
    /// The temporary file, when one could be made.
    file: Option<tempfile::NamedTempFile>,
    /// Why the cache cannot be saved, once it cannot.
    problem: Option<String>,
    /// The folders made for the file, innermost first.
    made: Vec<PathBuf>,
    /// Which open cache file this is, for [`LAST_PIECE`].
    id: u64,
    /// Bytes not yet written, which start at `written` in the file.
    pending: Vec<u8>,
    written: u64,
    /// The payload's hash so far, `pending` included.
    hasher: Xxh3,
    /// Where the payload starts.
    payload_start: u64,
}

impl std::fmt::Debug for Writer {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let file = self.file.as_ref().map(tempfile::NamedTempFile::path);
        formatter
            .debug_struct("Writer")
            .field("file", &file)
            .field("problem", &self.problem)
            .field("written", &self.written)
            .finish_non_exhaustive()
    }
}

/// How many bytes a [`Writer`] gathers before it writes them.
const WRITE_AT_ONCE: usize = 256 * 1024;

impl Writer {
    /// A new cache file in `folder`, created with it if need be.
    pub(super) fn create(folder: &Path) -> Writer {
        let header = header();
        let payload_start = header.len() as u64 + 24;
        let made = missing_folders(folder);
        let created = fs::create_dir_all(folder)
            .and_then(|()| tempfile::Builder::new().prefix(".feedgen-cache-").tempfile_in(folder))
            .and_then(|file| {
                let mut start = header.into_bytes();
                start.extend([0; 24]);
                write_at(file.as_file(), &start, 0)?;
                Ok(file)
            });
        let (file, problem) = match created {
            Ok(file) => (Some(file), None),
            Err(error) => (None, Some(error.to_string())),
        };
        Writer {
            file,
            problem,
            made,
            id: new_id(),
            pending: Vec::new(),
            written: payload_start,
            hasher: Xxh3::new(),
            payload_start,
        }
    }

    /// Add `parts` to the payload, one after the other, and write what is
    /// pending if it is enough: an entry is written whole or not at all.
    pub(super) fn add(&mut self, parts: &[&[u8]]) {
        for part in parts {
            self.hasher.update(part);
            self.pending.extend_from_slice(part);
        }
        if self.pending.len() >= WRITE_AT_ONCE {
            self.write_pending();
        }
    }

    /// Write what is pending to the file, while it can be written; if
    /// that fails, the rest is held in memory and the cache is not saved.
    fn write_pending(&mut self) {
        let Some(file) = self.file.as_ref().filter(|_| self.problem.is_none()) else { return };
        match write_at(file.as_file(), &self.pending, self.written) {
            Ok(()) => {
                self.written += self.pending.len() as u64;
                self.pending.clear();
            }
            Err(error) => self.problem = Some(error.to_string()),
        }
    }

    /// Where the next byte of the payload goes in the file.
    pub(super) fn position(&self) -> u64 {
        self.written + self.pending.len() as u64
    }

    /// Add an encoded entry; returns where it starts.
    pub(super) fn add_entry(&mut self, entry: &[u8]) -> u64 {
        let start = self.position();
        self.add(&[&(entry.len() as u32).to_le_bytes(), entry]);
        start
    }

    /// The encoded entry this writer added at `start`.
    pub(super) fn entry(&self, start: u64) -> io::Result<Vec<u8>> {
        if start >= self.written {
            let from = usize::try_from(start - self.written).unwrap_or(usize::MAX);
            return entry_within(&self.pending, from)
                .map(<[u8]>::to_vec)
                .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, "no entry there"));
        }
        match &self.file {
            Some(file) => entry_by_piece(file.as_file(), self.id, start, self.payload_start..self.written),
            None => Err(io::Error::new(io::ErrorKind::NotFound, "no entry there")),
        }
    }

    /// Add `head` and the index (each entry's key and start, in any order),
    /// and put the file in place at `path`: the lists are what was added
    /// since `lists_start` (see [`Writer::position`]).
    pub(super) fn finish(
        mut self,
        lists_start: u64,
        head: &Head,
        mut index: Vec<(u64, u64)>,
        path: &Path,
    ) -> io::Result<()> {
        let head_start = self.position();
        // Streamed, not encoded whole first: with archives, the head lists
        // every archived item of every feed, tens of megabytes.
        let mut buffered = io::BufWriter::with_capacity(CHUNK, &mut self);
        postcard::to_io(head, &mut buffered).map_err(io::Error::other)?;
        io::Write::flush(&mut buffered)?;
        drop(buffered);
        let index_start = self.position();
        index.sort_unstable();
        for (key, start) in index {
            self.add(&[&key.to_le_bytes(), &start.to_le_bytes()]);
        }
        self.add(&[&lists_start.to_le_bytes(), &head_start.to_le_bytes(), &index_start.to_le_bytes()]);
        self.write_pending();
        if let Some(problem) = self.problem.take() {
            return Err(io::Error::other(problem));
        }
        let file = self.file.take().ok_or_else(|| io::Error::other("no temporary file"))?;
        let mut sums = (self.position() - self.payload_start).to_le_bytes().to_vec();
        sums.extend(self.hasher.digest128().to_le_bytes());
        write_at(file.as_file(), &sums, self.payload_start - 24)?;
        file.persist(path).map_err(|error| error.error)?;
        self.made.clear();
        Ok(())
    }
}

/// Bytes added to the payload ([`Writer::add`]).
impl io::Write for Writer {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.add(&[bytes]);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Drop for Writer {
    /// Unfinished: remove the temporary file, then the folders made for it
    /// that are empty.
    fn drop(&mut self) {
        self.file = None;
        for folder in &self.made {
            let _ = fs::remove_dir(folder);
        }
    }
}

/// The folders on the way to `folder` (itself included) that do not
/// exist, innermost first.
fn missing_folders(folder: &Path) -> Vec<PathBuf> {
    let mut missing = Vec::new();
    let mut at = folder;
    while !at.as_os_str().is_empty() && fs::symlink_metadata(at).is_err() {
        missing.push(at.to_owned());
        match at.parent() {
            Some(parent) => at = parent,
            None => break,
        }
    }
    missing
}

/// Read exactly `buffer.len()` bytes of `file` from `offset`, leaving any
/// cursor alone: threads read one file at once.
fn read_at(file: &File, buffer: &mut [u8], offset: u64) -> io::Result<()> {
    #[cfg(unix)]
    return std::os::unix::fs::FileExt::read_exact_at(file, buffer, offset);
    #[cfg(windows)]
    {
        let (mut buffer, mut offset) = (buffer, offset);
        while !buffer.is_empty() {
            match std::os::windows::fs::FileExt::seek_read(file, buffer, offset) {
                Ok(0) => return Err(io::ErrorKind::UnexpectedEof.into()),
                Ok(read) => {
                    buffer = &mut buffer[read..];
                    offset += read as u64;
                }
                Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
                Err(error) => return Err(error),
            }
        }
        Ok(())
    }
    #[cfg(not(any(unix, windows)))]
    return Err(io::Error::new(io::ErrorKind::Unsupported, "positioned reads"));
}

/// Write all of `bytes` into `file` at `offset`, leaving any cursor alone.
fn write_at(file: &File, bytes: &[u8], offset: u64) -> io::Result<()> {
    #[cfg(unix)]
    return std::os::unix::fs::FileExt::write_all_at(file, bytes, offset);
    #[cfg(windows)]
    {
        let (mut bytes, mut offset) = (bytes, offset);
        while !bytes.is_empty() {
            match std::os::windows::fs::FileExt::seek_write(file, bytes, offset) {
                Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                Ok(written) => {
                    bytes = &bytes[written..];
                    offset += written as u64;
                }
                Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
                Err(error) => return Err(error),
            }
        }
        Ok(())
    }
    #[cfg(not(any(unix, windows)))]
    return Err(io::Error::new(io::ErrorKind::Unsupported, "positioned writes"));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head(entries: u64) -> Head {
        Head { saved_at: 7, include_unpublished: false, output: None, entries, digest: 9 }
    }

    /// An entry's bytes: `length` bytes, each saying which entry it is.
    fn body(which: u8, length: usize) -> Vec<u8> {
        vec![which; length]
    }

    #[test]
    fn entries_of_any_length_are_read_back_from_the_writer_and_from_the_file() {
        let folder = tempfile::tempdir().unwrap();
        let mut writer = Writer::create(folder.path());
        // Short ones, one longer than the first read, one longer than the
        // writer's buffer and the reader's piece, and an empty one.
        let lengths = [10, 300, FIRST_READ + 17, WRITE_AT_ONCE + CHUNK + 3, 0, 5];
        let mut index = Vec::new();
        for (which, &length) in lengths.iter().enumerate() {
            let start = writer.add_entry(&body(which as u8, length));
            // Read back at once, while it may still be pending.
            assert_eq!(writer.entry(start).unwrap(), body(which as u8, length));
            // Keys that collide, two by two.
            index.push(((which / 2) as u64, start));
        }
        for (which, &(_, start)) in index.iter().enumerate() {
            assert_eq!(writer.entry(start).unwrap(), body(which as u8, lengths[which]), "entry {which}");
        }
        let path = folder.path().join("build.cache");
        let lists_start = writer.position();
        writer.finish(lists_start, &head(lengths.len() as u64), index.clone(), &path).unwrap();

        let file = CacheFile::open(&path).unwrap();
        assert_eq!((file.head.saved_at, file.head.digest, file.len()), (7, 9, lengths.len()));
        for key in 0..3 {
            let found: Vec<Vec<u8>> = file.positions(key).map(|position| file.entry(position).unwrap()).collect();
            let expected: Vec<Vec<u8>> =
                (key as usize * 2..key as usize * 2 + 2).map(|which| body(which as u8, lengths[which])).collect();
            assert_eq!(found, expected, "key {key}");
        }
        assert!(file.positions(3).is_empty() && file.positions(u64::MAX).is_empty());
        let mut in_order = Vec::new();
        file.each_in_order(&mut |position, bytes| {
            in_order.push((position, bytes.to_vec()));
            Ok(())
        })
        .unwrap();
        let expected: Vec<(usize, Vec<u8>)> =
            lengths.iter().enumerate().map(|(which, &length)| (which, body(which as u8, length))).collect();
        assert_eq!(in_order, expected, "every entry, in the order written");
    }

    #[test]
    fn an_entry_that_fills_the_write_buffer_is_written_whole_and_read_back() {
        let folder = tempfile::tempdir().unwrap();
        let mut writer = Writer::create(folder.path());
        // Leaves the buffer two bytes short of being written: the next
        // entry's length alone would fill it.
        let first = writer.add_entry(&body(1, WRITE_AT_ONCE - 6));
        let second = writer.add_entry(&body(2, 10));
        let third = writer.add_entry(&body(3, 20));
        for (start, which, length) in [(first, 1, WRITE_AT_ONCE - 6), (second, 2, 10), (third, 3, 20)] {
            assert_eq!(writer.entry(start).unwrap(), body(which, length), "entry {which}");
        }
    }

    #[test]
    fn a_writer_dropped_unfinished_leaves_no_file_and_no_folder_it_made() {
        let root = tempfile::tempdir().unwrap();
        let folder = root.path().join("made/for/it");
        let mut writer = Writer::create(&folder);
        writer.add_entry(b"an entry");
        assert_eq!(fs::read_dir(&folder).unwrap().count(), 1, "its temporary file");
        drop(writer);
        assert_eq!(fs::read_dir(root.path()).unwrap().count(), 0);

        // A folder that was there stays, and so does what it holds.
        fs::create_dir(root.path().join("there")).unwrap();
        fs::write(root.path().join("there/other"), "").unwrap();
        drop(Writer::create(&root.path().join("there")));
        assert_eq!(fs::read_dir(root.path().join("there")).unwrap().count(), 1);
    }

    #[test]
    fn lookups_find_every_key_among_many() {
        let folder = tempfile::tempdir().unwrap();
        let mut writer = Writer::create(folder.path());
        let keys: Vec<u64> = (0..5000u64).map(|n| n.wrapping_mul(0x9E37_79B9_7F4A_7C15)).collect();
        let index: Vec<(u64, u64)> = keys.iter().map(|&key| (key, writer.add_entry(&key.to_le_bytes()))).collect();
        let path = folder.path().join("build.cache");
        let lists_start = writer.position();
        writer.finish(lists_start, &head(keys.len() as u64), index, &path).unwrap();
        let file = CacheFile::open(&path).unwrap();
        for &key in &keys {
            let positions = file.positions(key);
            assert_eq!(positions.len(), 1, "{key:x}");
            assert_eq!(file.entry(positions.start).unwrap(), key.to_le_bytes());
            assert!(file.positions(key ^ 1).is_empty());
        }
    }

    #[test]
    fn a_file_whose_index_does_not_match_its_entries_is_refused() {
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("build.cache");
        let mut writer = Writer::create(folder.path());
        let start = writer.add_entry(b"one");
        // The head says two entries; the index holds one.
        let lists_start = writer.position();
        writer.finish(lists_start, &head(2), vec![(1, start)], &path).unwrap();
        match CacheFile::open(&path) {
            Err(Unusable::Broken(why)) => assert!(why.contains("its index does not match"), "{why}"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_writer_without_a_folder_keeps_its_entries_and_does_not_save() {
        let folder = tempfile::tempdir().unwrap();
        let not_a_folder = folder.path().join("file");
        fs::write(&not_a_folder, "").unwrap();
        let mut writer = Writer::create(&not_a_folder);
        let starts: Vec<u64> = (0..3).map(|which| writer.add_entry(&body(which, WRITE_AT_ONCE))).collect();
        for (which, &start) in starts.iter().enumerate() {
            assert_eq!(writer.entry(start).unwrap(), body(which as u8, WRITE_AT_ONCE));
        }
        let path = folder.path().join("build.cache");
        let lists_start = writer.position();
        assert!(writer.finish(lists_start, &head(0), Vec::new(), &path).is_err());
        assert!(!path.exists());
    }
}
