//! The archives' temporary files: each selected record's item, written
//! once as it is read, and one fixed-size entry per (feed, item), spread
//! over a few bucket files by feed, so that memory holds neither.
//!
//! The files are anonymous temporary files (`tempfile`): the system
//! removes them when the build ends, however it ends.

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::sync::{Mutex, MutexGuard, PoisonError};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::gather::Place;
use crate::model::{Family, Item};

/// How many bucket files the entries are spread over. A bucket is read
/// whole, so more buckets hold less at once; the firehose, with an entry
/// per record, fills one alone.
const BUCKETS: usize = 16;

/// Where an item (or a record's facts) is in the items file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Stored {
    pub offset: u64,
    pub len: u32,
}

/// One item of one feed, as a bucket holds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Entry {
    /// The feed's number ([`Spill::feed_number`]).
    pub feed: u32,
    pub published: DateTime<Utc>,
    /// The record's place, to check that it held its link.
    pub place: Place,
    pub stored: Stored,
    /// How many bytes the item adds to an archive document, at most (0
    /// without a size budget).
    pub weight: u32,
}

impl Entry {
    const SIZE: usize = 36;

    fn encode(&self) -> [u8; Self::SIZE] {
        let mut bytes = [0; Self::SIZE];
        bytes[0..4].copy_from_slice(&self.feed.to_le_bytes());
        bytes[4..12].copy_from_slice(&self.published.timestamp().to_le_bytes());
        bytes[12..16].copy_from_slice(&self.published.timestamp_subsec_nanos().to_le_bytes());
        bytes[16..20].copy_from_slice(&self.place.to_le_bytes());
        bytes[20..28].copy_from_slice(&self.stored.offset.to_le_bytes());
        bytes[28..32].copy_from_slice(&self.stored.len.to_le_bytes());
        bytes[32..36].copy_from_slice(&self.weight.to_le_bytes());
        bytes
    }

    fn decode(bytes: &[u8]) -> Option<Self> {
        let u32_at = |at: usize| u32::from_le_bytes(bytes[at..at + 4].try_into().expect("four bytes"));
        let u64_at = |at: usize| u64::from_le_bytes(bytes[at..at + 8].try_into().expect("eight bytes"));
        let published = DateTime::from_timestamp(u64_at(4).cast_signed(), u32_at(12))?;
        let stored = Stored { offset: u64_at(20), len: u32_at(28) };
        Some(Entry { feed: u32_at(0), published, place: u32_at(16), stored, weight: u32_at(32) })
    }
}

/// The items file being appended to.
#[derive(Debug)]
struct Appender {
    file: BufWriter<File>,
    len: u64,
}

/// Each feed's number in the bucket entries, by family and grouping key.
pub(super) type FeedNumbers = HashMap<(Family, String), u32>;

/// The temporary files, while records arrive from any thread.
#[derive(Debug)]
pub(super) struct Spill {
    items: Mutex<Appender>,
    buckets: Vec<Mutex<BufWriter<File>>>,
    feeds: Mutex<FeedNumbers>,
}

fn locked<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Spill {
    /// Empty temporary files.
    pub(super) fn new() -> io::Result<Self> {
        let buckets =
            (0..BUCKETS).map(|_| Ok(Mutex::new(BufWriter::new(tempfile::tempfile()?)))).collect::<io::Result<_>>()?;
        let items = Appender { file: BufWriter::new(tempfile::tempfile()?), len: 0 };
        Ok(Spill { items: Mutex::new(items), buckets, feeds: Mutex::default() })
    }

    /// The number of the feed of `family` keyed `key`, given on first sight.
    fn feed_number(&self, family: Family, key: &str) -> u32 {
        let mut feeds = locked(&self.feeds);
        if let Some(&number) = feeds.get(&(family, key.to_owned())) {
            return number;
        }
        let number = u32::try_from(feeds.len()).expect("fewer feeds than records");
        feeds.insert((family, key.to_owned()), number);
        number
    }

    /// Write `bytes` (what is kept of the record at `place`, published at
    /// `published`, whose item weighs `weight`: [`encode_item`],
    /// [`encode_id`] or [`encode_facts`]), then `tail` right after it (the
    /// item that facts say follows them), once, and an entry for `bytes`
    /// in each of `feeds`; where `bytes` are.
    pub(super) fn add(
        &self,
        (bytes, tail): (&[u8], &[u8]),
        (published, place, weight): (DateTime<Utc>, Place, u32),
        feeds: &[(Family, &str)],
    ) -> io::Result<Stored> {
        let len = u32::try_from(bytes.len()).map_err(io::Error::other)?;
        let offset = {
            let mut items = locked(&self.items);
            items.file.write_all(bytes)?;
            items.file.write_all(tail)?;
            let offset = items.len;
            items.len += u64::from(len) + tail.len() as u64;
            offset
        };
        for &(family, key) in feeds {
            let feed = self.feed_number(family, key);
            let entry = Entry { feed, published, place, stored: Stored { offset, len }, weight };
            locked(&self.buckets[feed as usize % BUCKETS]).write_all(&entry.encode())?;
        }
        Ok(Stored { offset, len })
    }

    /// Done writing: the items file, ready to read, the feeds' numbers and
    /// the buckets, each to be read with [`read_bucket`].
    pub(super) fn finish(self) -> io::Result<(ItemsFile, FeedNumbers, Vec<File>)> {
        let items = self.items.into_inner().unwrap_or_else(PoisonError::into_inner);
        let items = ItemsFile(items.file.into_inner().map_err(io::IntoInnerError::into_error)?);
        let feeds = self.feeds.into_inner().unwrap_or_else(PoisonError::into_inner);
        let buckets = self
            .buckets
            .into_iter()
            .map(|bucket| {
                bucket
                    .into_inner()
                    .unwrap_or_else(PoisonError::into_inner)
                    .into_inner()
                    .map_err(io::IntoInnerError::into_error)
            })
            .collect::<io::Result<_>>()?;
        Ok((items, feeds, buckets))
    }
}

/// Every entry of a bucket file, decoded as it is read (the bytes are not
/// held besides the entries).
pub(super) fn read_bucket(mut file: File) -> io::Result<Vec<Entry>> {
    let len = file.seek(SeekFrom::End(0))?;
    file.rewind()?;
    let mut entries = Vec::with_capacity(usize::try_from(len).unwrap_or(0) / Entry::SIZE);
    let mut reader = BufReader::new(file);
    let mut bytes = [0; Entry::SIZE];
    for _ in 0..len / Entry::SIZE as u64 {
        reader.read_exact(&mut bytes)?;
        entries.push(Entry::decode(&bytes).ok_or_else(|| io::Error::other("a bucket entry is not what was written"))?);
    }
    Ok(entries)
}

/// The items file, read from any thread.
#[derive(Debug)]
pub(super) struct ItemsFile(File);

/// An item as the items file keeps it.
pub(super) fn encode_item(item: &Item) -> io::Result<Vec<u8>> {
    postcard::to_stdvec(item).map_err(io::Error::other)
}

/// An item's id alone, kept where the items are not needed: it reads back
/// as the start of an item would ([`ItemsFile::id`]).
pub(super) fn encode_id(id: &str) -> io::Result<Vec<u8>> {
    postcard::to_stdvec(&IdOnly { id }).map_err(io::Error::other)
}

/// What the archive keeps of a record that the build cache can read again
/// in full: its id (first, so that [`ItemsFile::id`] reads it as an
/// item's), its file, what an archive page's fingerprint is made of, and
/// the length of its item when the record arrived whole (the item then
/// follows these bytes in the items file).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Facts {
    pub id: String,
    /// The bytes of its file's path (as the build cache writes them).
    pub path: Vec<u8>,
    /// Its topics, as the record spells them (cleaned).
    pub topics: Vec<String>,
    /// Its provider's domain, normalised.
    pub domain: Option<String>,
    /// How long its item is, when it is stored after these bytes.
    pub whole: Option<u32>,
}

/// A record's [`Facts`] as the items file keeps them.
pub(super) fn encode_facts(facts: &Facts) -> io::Result<Vec<u8>> {
    postcard::to_stdvec(facts).map_err(io::Error::other)
}

/// The first field of a stored [`Item`], read without the rest: `id` must
/// stay `Item`'s first field (a test below says so).
#[derive(Deserialize)]
struct IdFirst {
    id: String,
}

/// An id, written as an [`Item`] starts.
#[derive(Serialize)]
struct IdOnly<'a> {
    id: &'a str,
}

impl ItemsFile {
    /// A new items file holding `items`, and where each one is in it.
    pub(super) fn holding<'i>(items: impl Iterator<Item = &'i Item>) -> io::Result<(ItemsFile, Vec<Stored>)> {
        let (mut file, mut offset, mut places) = (BufWriter::new(tempfile::tempfile()?), 0, Vec::new());
        for item in items {
            let bytes = encode_item(item)?;
            let len = u32::try_from(bytes.len()).map_err(io::Error::other)?;
            file.write_all(&bytes)?;
            places.push(Stored { offset, len });
            offset += u64::from(len);
        }
        Ok((ItemsFile(file.into_inner().map_err(io::IntoInnerError::into_error)?), places))
    }

    fn bytes(&self, stored: Stored) -> io::Result<Vec<u8>> {
        let mut bytes = vec![0; stored.len as usize];
        read_exact_at(&self.0, &mut bytes, stored.offset)?;
        Ok(bytes)
    }

    /// The item stored at `stored`.
    pub(super) fn item(&self, stored: Stored) -> io::Result<Item> {
        postcard::from_bytes(&self.bytes(stored)?).map_err(io::Error::other)
    }

    /// The facts stored at `stored` ([`encode_facts`]).
    pub(super) fn facts(&self, stored: Stored) -> io::Result<Facts> {
        postcard::from_bytes(&self.bytes(stored)?).map_err(io::Error::other)
    }

    /// The id of the item stored at `stored`.
    pub(super) fn id(&self, stored: Stored) -> io::Result<String> {
        let bytes = self.bytes(stored)?;
        let (first, _) = postcard::take_from_bytes::<IdFirst>(&bytes).map_err(io::Error::other)?;
        Ok(first.id)
    }
}

/// Fill `buffer` from `file` at `offset`, leaving the file's position alone
/// where the system allows, so that threads read at once.
#[cfg(unix)]
pub(super) fn read_exact_at(file: &File, buffer: &mut [u8], offset: u64) -> io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(file, buffer, offset)
}

/// Fill `buffer` from `file` at `offset`.
#[cfg(windows)]
pub(super) fn read_exact_at(file: &File, mut buffer: &mut [u8], mut offset: u64) -> io::Result<()> {
    while !buffer.is_empty() {
        match std::os::windows::fs::FileExt::seek_read(file, buffer, offset)? {
            0 => return Err(io::ErrorKind::UnexpectedEof.into()),
            read => {
                buffer = &mut buffer[read..];
                offset += read as u64;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    /// An item with id `id`, about AI, with nothing optional.
    pub(in crate::history) fn plain_item(id: &str) -> Item {
        let published = DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        Item {
            id: id.into(),
            link: id.into(),
            title: format!("Title of {id}"),
            published,
            updated: published,
            summary_html: None,
            summary_text: None,
            content_html: None,
            kind: None,
            category: None,
            topics: vec!["AI".into()],
            tags: Vec::new(),
            provider: None,
            images: Vec::new(),
            related: Vec::new(),
        }
    }

    #[test]
    fn an_item_its_id_alone_and_a_records_facts_read_back_from_their_stored_bytes() {
        let item = Item {
            link: "https://n.test/a?x".into(),
            summary_html: Some("<p>s</p>".into()),
            summary_text: Some("s".into()),
            images: vec![crate::model::ItemImage {
                url: "https://n.test/a.png".into(),
                width: Some(640),
                height: None,
                title: Some("Caption".into()),
                media_type: Some("image/png"),
            }],
            ..plain_item("https://n.test/a")
        };
        let bytes = encode_item(&item).unwrap();
        let (first, _) = postcard::take_from_bytes::<IdFirst>(&bytes).unwrap();
        assert_eq!(first.id, item.id);
        assert_eq!(postcard::from_bytes::<Item>(&bytes).unwrap(), item);
        let (alone, _) = postcard::take_from_bytes::<IdFirst>(&encode_id(&item.id).unwrap()).unwrap();
        assert_eq!(alone.id, item.id);
        let facts = Facts {
            id: item.id.clone(),
            path: b"records/a.md".to_vec(),
            topics: item.topics.clone(),
            domain: Some("n.test".into()),
            whole: Some(9),
        };
        let (first, _) = postcard::take_from_bytes::<IdFirst>(&encode_facts(&facts).unwrap()).unwrap();
        assert_eq!(first.id, item.id);
        assert_eq!(postcard::from_bytes::<Facts>(&encode_facts(&facts).unwrap()).unwrap(), facts);
    }

    #[test]
    fn an_entry_reads_back_as_written() {
        let published = DateTime::from_timestamp(-86_400 * 365 * 40, 123_456_789).unwrap();
        let entry =
            Entry { feed: 7, published, place: 42, stored: Stored { offset: 1 << 40, len: 9000 }, weight: 70_000 };
        assert_eq!(Entry::decode(&entry.encode()), Some(entry));
    }
}
