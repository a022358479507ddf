//! Stage 2b, with `archives` on: every feed's full history as archive
//! documents (RFC 5005), in bounded memory.
//!
//! A feed's subscription document holds its newest `limit` items; its
//! archive holds every older one, split into pages ([`partition`]). Holding
//! all of those items would not fit a million records, so as records are
//! first read, each selected one is prepared once and written to a
//! temporary file, and every feed it belongs to gets a small entry (date,
//! place, where the item is) in a bucket file ([`spill`]). Once gathering
//! has settled which record holds each link and where each feed's
//! subscription document ends, the entries are read back a bucket at a
//! time, sorted per feed and split into pages; rendering then reads each
//! page's items back from the file. Through the build cache, which hands
//! on most records without what only items show, the file keeps each
//! record's [`Facts`] (its file, and what a page's fingerprint is made
//! of) and its item only when it arrived whole; a page that is rendered
//! reads the others again ([`Reread`]). Memory never holds the items: at most
//! one bucket's entries (32 bytes each, one per item of each feed in the
//! bucket; the firehose's bucket has one per record) and, for rendering,
//! one page's items per thread; through the build cache, also where each
//! record's facts are (16 bytes each) and, for the cache, each record's
//! digest and file key (24 bytes) and each page's list of file keys (8
//! bytes per item). Only a build of records edited in their words, which
//! the cache makes without gathering, holds the items of the few pages it
//! renders ([`Archive::known`]), and not beyond a bound.

mod partition;
mod spill;

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use chrono::{DateTime, Utc};
use thiserror::Error;

use partition::partition;
use spill::{Entry, FeedNumbers, ItemsFile, Spill, read_bucket, read_exact_at};
pub(crate) use spill::{Facts, Stored};

use crate::gather::{Gathered, Keep, Place, TopicNames};
use crate::model::{Family, Feed, Format, Item, Record, Site};
use crate::render::{ItemSizes, RenderError};
use crate::{prepare, render};

/// The archives' temporary files could not be written or read.
#[derive(Debug, Error)]
#[error(
    "cannot keep the archives' temporary files in {}: {source}; they take about as much room as the records: \
     free some there, or point TMPDIR at a folder with room",
    .folder.display()
)]
pub struct ArchiveError {
    /// Where the temporary files are.
    pub folder: PathBuf,
    /// What failed.
    pub source: io::Error,
}

impl From<io::Error> for ArchiveError {
    fn from(source: io::Error) -> Self {
        ArchiveError { folder: std::env::temp_dir(), source }
    }
}

/// What the [`Collector`] writes of each record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Keeping {
    /// Its prepared item, for the archive documents to show.
    Items,
    /// Its id alone: enough to order the archives and count their pages
    /// and items (`feedgen list`), not to render them.
    Ids,
    /// Its [`Facts`], with its item when the record arrived whole, for a
    /// build through the build cache: a page's facts make its fingerprint,
    /// and a page that is rendered reads the others' records again
    /// ([`Reread`]). Never with a size budget, which weighs every item.
    Files,
}

/// Collects every selected record's item as gathering reads it
/// ([`Keep`]); [`Collector::finish`] makes the archives.
#[derive(Debug)]
pub(crate) struct Collector {
    spill: Spill,
    keeping: Keeping,
    /// With a size budget, what archive documents are weighed against.
    scales: Option<Scales>,
    /// Whether a write failed; later records are not written.
    failed: AtomicBool,
    /// The first write that failed.
    failure: Mutex<Option<io::Error>>,
    /// With [`Keeping::Files`], where each record's facts are.
    listed: Mutex<Vec<Stored>>,
}

impl Collector {
    /// Ready to keep what `keeping` says, with empty temporary files;
    /// with `scales`, archive documents keep within its budget.
    pub(crate) fn new(keeping: Keeping, scales: Option<Scales>) -> Result<Self, ArchiveError> {
        let (failed, failure) = (AtomicBool::new(false), Mutex::default());
        Ok(Collector { spill: Spill::new()?, keeping, scales, failed, failure, listed: Mutex::default() })
    }

    /// The archives of `gathered`, whose feeds hold their newest `limit`
    /// items (`0`: all of them) less the number `left_out` says (by feed,
    /// for the size budget), in documents of at most `per_page` items.
    pub(crate) fn finish(
        self,
        gathered: &Gathered,
        left_out: &[usize],
        limit: usize,
        per_page: usize,
    ) -> Result<Archive, ArchiveError> {
        if let Some(error) = self.failure.into_inner().unwrap_or_else(PoisonError::into_inner) {
            return Err(error.into());
        }
        let (items, numbers, buckets) = self.spill.finish()?;
        let targets = targets(gathered, &numbers, left_out, limit);
        let mut order = Order::new()?;
        let mut pages: Vec<Vec<Page>> = gathered.feeds.iter().map(|_| Vec::new()).collect();
        for bucket in buckets {
            let mut entries = read_bucket(bucket)?;
            entries.retain(|entry| gathered.holders.contains(entry.place) && targets[entry.feed as usize].is_some());
            entries.sort_unstable_by_key(|entry| (entry.feed, entry.published, entry.place));
            for group in entries.chunk_by(|a, b| a.feed == b.feed) {
                let Some((feed, boundary)) = &targets[group[0].feed as usize] else { continue };
                let archived = oldest_first(group, boundary, &items)?;
                let room = match &self.scales {
                    Some(scales) => scales.room(&gathered.feeds[*feed])?,
                    None => u64::MAX,
                };
                pages[*feed] = order.place(&archived, per_page, room)?;
            }
        }
        let order = order.file.into_inner().map_err(io::IntoInnerError::into_error)?;
        let (keeping, mut records) = (self.keeping, self.listed.into_inner().unwrap_or_else(PoisonError::into_inner));
        records.sort_unstable();
        Ok(Archive { items, order, pages, keeping, records, topic_names: gathered.topic_names.clone() })
    }
}

impl Keep for Collector {
    fn keep(&self, record: &Record, place: Place, feeds: &[(Family, &str)]) {
        if feeds.is_empty() || self.failed.load(Ordering::Relaxed) {
            return;
        }
        let kept = match (self.keeping, &self.scales) {
            (Keeping::Files, _) => files_kept(record).map(|bytes| (bytes, 0)),
            (Keeping::Ids, None) => spill::encode_id(&prepare::labels(record).id).map(|bytes| ((bytes, Vec::new()), 0)),
            (keeping, scales) => {
                let item = Arc::new(prepare::prepare(record));
                let weight = scales.as_ref().map_or(Ok(0), |scales| scales.weight(&item));
                let bytes =
                    if keeping == Keeping::Ids { spill::encode_id(&item.id) } else { spill::encode_item(&item) };
                weight.and_then(|weight| Ok(((bytes?, Vec::new()), weight)))
            }
        };
        let added = kept.and_then(|((bytes, tail), weight)| {
            self.spill.add((&bytes, &tail), (record.published, place, weight), feeds)
        });
        if let (Ok(stored), Keeping::Files) = (&added, self.keeping) {
            self.listed.lock().unwrap_or_else(PoisonError::into_inner).push(*stored);
        }
        if let Err(error) = added {
            self.failed.store(true, Ordering::Relaxed);
            self.failure.lock().unwrap_or_else(PoisonError::into_inner).get_or_insert(error);
        }
    }
}

/// What [`Keeping::Files`] writes of `record`: its facts, and after them
/// its item if the record arrived whole (the build cache hands on records
/// it did not parse without what only items show).
fn files_kept(record: &Record) -> io::Result<(Vec<u8>, Vec<u8>)> {
    let whole = crate::cache::is_whole(record).then(|| spill::encode_item(&prepare::prepare(record))).transpose()?;
    let labels = prepare::labels(record);
    let facts = Facts {
        id: labels.id,
        path: crate::cache::path_bytes(&record.source).into_owned(),
        topics: labels.topics,
        domain: labels.provider.and_then(|provider| provider.domain),
        whole: whole.as_ref().map(|item| u32::try_from(item.len()).map_err(io::Error::other)).transpose()?,
    };
    Ok((spill::encode_facts(&facts)?, whole.unwrap_or_default()))
}

/// What archive documents are weighed against: the size budget, and what
/// the documents show besides their items.
#[derive(Debug, Clone)]
pub(crate) struct Scales {
    /// The largest a document may be, in bytes.
    max_bytes: u64,
    /// Feed-level facts the documents show.
    site: Site,
    /// The formats built: a document must fit in each.
    formats: Vec<Format>,
    /// What items weigh.
    items: ItemSizes,
}

impl Scales {
    /// Scales for documents of at most `max_bytes` in each of `formats`,
    /// shown by `site`.
    pub(crate) fn new(max_bytes: u64, site: &Site, formats: &[Format]) -> Result<Self, RenderError> {
        let items = ItemSizes::new(site, formats)?;
        Ok(Scales { max_bytes, site: site.clone(), formats: formats.to_vec(), items })
    }

    /// How many bytes `item` adds to an archive document in the heaviest
    /// format, with room to spare: its topics are measured as the record
    /// spells them, and a topic's display name (chosen once every record
    /// is read) may be spelled longer.
    fn weight(&self, item: &Arc<Item>) -> io::Result<u32> {
        let heaviest = self.items.heaviest(item).map_err(io::Error::other)?;
        let spare = 64 + 12 * item.topics.iter().map(String::len).sum::<usize>();
        Ok(u32::try_from(heaviest + spare).unwrap_or(u32::MAX))
    }

    /// How many bytes of items an archive document of `feed` has room for.
    fn room(&self, feed: &Feed) -> io::Result<u64> {
        let mut heaviest = 0;
        for &format in &self.formats {
            heaviest = heaviest.max(render::empty_archive_size(feed, &self.site, format).map_err(io::Error::other)?);
        }
        Ok(self.max_bytes.saturating_sub(heaviest as u64))
    }
}

/// The oldest item a feed's subscription document holds (its date and id):
/// the feed's archive holds the items older than that.
type Boundary = (DateTime<Utc>, String);

/// For each feed number of the spill, the feed's index among the gathered
/// feeds and its boundary, if it has an archive: its subscription document
/// is full, at `limit` items, or left items out (`left_out`, by feed).
fn targets(
    gathered: &Gathered,
    numbers: &FeedNumbers,
    left_out: &[usize],
    limit: usize,
) -> Vec<Option<(usize, Boundary)>> {
    let index: HashMap<(Family, &str), usize> =
        gathered.feeds.iter().enumerate().map(|(index, feed)| ((feed.family, feed.key.as_str()), index)).collect();
    let mut targets = vec![None; numbers.len()];
    for ((family, key), &number) in numbers {
        let Some(&feed) = index.get(&(*family, key.as_str())) else { continue };
        let items = &gathered.feeds[feed].items;
        if ((limit > 0 && items.len() >= limit) || left_out[feed] > 0)
            && let Some(oldest) = items.last()
        {
            targets[number as usize] = Some((feed, (oldest.published, oldest.id.clone())));
        }
    }
    targets
}

/// The entries of one feed (sorted by date, then place) that its archive
/// holds, oldest first: by date, and on one date by id, descending, as
/// feeds order items (newest first, ties by id) read backwards. Ids are
/// read only for entries that share a date with another or the boundary.
fn oldest_first(group: &[Entry], boundary: &Boundary, items: &ItemsFile) -> io::Result<Vec<Entry>> {
    let (oldest_kept, oldest_kept_id) = boundary;
    let mut archived = Vec::with_capacity(group.len());
    for same_date in group.chunk_by(|a, b| a.published == b.published) {
        let published = same_date[0].published;
        if published > *oldest_kept {
            break;
        }
        if same_date.len() == 1 && published < *oldest_kept {
            archived.push(same_date[0]);
            continue;
        }
        let mut with_ids =
            same_date.iter().map(|entry| Ok((items.id(entry.stored)?, *entry))).collect::<io::Result<Vec<_>>>()?;
        with_ids.retain(|(id, _)| published < *oldest_kept || id > oldest_kept_id);
        with_ids.sort_unstable_by(|a, b| b.0.cmp(&a.0));
        archived.extend(with_ids.into_iter().map(|(_, entry)| entry));
    }
    Ok(archived)
}

/// The file of every archived item's place in the items file, page after
/// page, each page oldest first.
struct Order {
    file: BufWriter<File>,
    /// How many items are written.
    placed: u64,
}

/// Bytes per item in the order file: offset and length.
const ORDER_ENTRY: usize = 12;

impl Order {
    /// An empty order file.
    fn new() -> io::Result<Self> {
        Ok(Order { file: BufWriter::new(tempfile::tempfile()?), placed: 0 })
    }

    /// Split one feed's archived items, oldest first, into pages of at
    /// most `per_page` items that weigh at most `room` bytes, and write
    /// them down.
    fn place(&mut self, archived: &[Entry], per_page: usize, room: u64) -> io::Result<Vec<Page>> {
        let mut pages = Vec::new();
        let weighed = archived.iter().map(|entry| (entry.published, u64::from(entry.weight)));
        for sheet in partition(weighed, per_page, room) {
            pages.push(Page { name: sheet.name, count: sheet.count, first: Some(self.placed) });
            self.placed += sheet.count as u64;
        }
        self.write(archived.iter().map(|entry| entry.stored))?;
        Ok(pages)
    }

    /// Write down where the items at `places` are, in that order.
    fn write(&mut self, places: impl Iterator<Item = Stored>) -> io::Result<()> {
        for stored in places {
            self.file.write_all(&stored.offset.to_le_bytes())?;
            self.file.write_all(&stored.len.to_le_bytes())?;
        }
        Ok(())
    }
}

/// One archive document of a feed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Page {
    /// Its name in the feed's archive folder (`2026`, `2026.2`).
    pub name: String,
    /// How many items it holds.
    pub count: usize,
    /// Where its items start in the order file, in items; `None` when
    /// they are not at hand ([`Archive::known`]).
    first: Option<u64>,
}

/// Every feed's archive: its pages, and their items on disk (unless it was
/// collected keeping [`Keeping::Ids`]: then reading a page's items fails;
/// made by [`Archive::known`], it has the items of the pages to render only).
#[derive(Debug)]
pub(crate) struct Archive {
    items: ItemsFile,
    order: File,
    /// Each feed's pages (by its index among the gathered feeds), oldest first.
    pages: Vec<Vec<Page>>,
    keeping: Keeping,
    /// With [`Keeping::Files`], where each record's facts are, in the
    /// order of the items file.
    records: Vec<Stored>,
    topic_names: TopicNames,
}

/// Reads a record again in full, for an archive collected keeping
/// [`Keeping::Files`] whose page shows a record that arrived without what
/// only items show.
pub(crate) trait Reread: Sync + std::fmt::Debug {
    /// The item of the record in the file at `path`, whose id is `id`;
    /// `None` when the file is no longer what this build read.
    fn reread(&self, path: &Path, id: &str) -> Option<Item>;
}

/// A page's items could not be read.
#[derive(Debug, Error)]
pub(crate) enum PageError {
    /// The archives' temporary files failed.
    #[error("cannot read the archives' temporary file in {folder}: {0}", folder = std::env::temp_dir().display())]
    Temporary(#[from] io::Error),
    /// A record file changed since this build read it.
    #[error("{} changed while feedgen was reading it; run the build again", .0.display())]
    Changed(PathBuf),
}

impl Archive {
    /// The pages of feed `feed` (its index among the gathered feeds),
    /// oldest first; none when it has no archive.
    pub(crate) fn pages(&self, feed: usize) -> &[Page] {
        self.pages.get(feed).map_or(&[], Vec::as_slice)
    }

    /// How many archive documents (pages) there are in all.
    pub(crate) fn page_count(&self) -> usize {
        self.pages.iter().map(Vec::len).sum()
    }

    /// An archive whose pages a build cache knew: by feed (by its index
    /// among the feeds), each page's name and number of items, oldest
    /// first. Only the pages in `shown` (by feed and page number, with
    /// their items oldest first, topics under their display names) can be
    /// read; they are the ones rendered.
    pub(crate) fn known(
        pages: &[Vec<(String, usize)>],
        shown: &HashMap<(usize, usize), Vec<Arc<Item>>>,
    ) -> Result<Archive, ArchiveError> {
        let mut listed: Vec<&(usize, usize)> = shown.keys().collect();
        listed.sort_unstable();
        let (items, places) = ItemsFile::holding(listed.iter().flat_map(|key| shown[key].iter().map(Arc::as_ref)))?;
        let mut order = Order::new()?;
        order.write(places.into_iter())?;
        let mut firsts = HashMap::new();
        for key in listed {
            firsts.insert(*key, order.placed);
            order.placed += shown[key].len() as u64;
        }
        let pages = pages
            .iter()
            .enumerate()
            .map(|(feed, pages)| {
                let page = |(number, (name, count)): (usize, &(String, usize))| Page {
                    name: name.clone(),
                    count: *count,
                    first: firsts.get(&(feed, number)).copied(),
                };
                pages.iter().enumerate().map(page).collect()
            })
            .collect();
        let order = order.file.into_inner().map_err(io::IntoInnerError::into_error)?;
        let topic_names = TopicNames::default();
        Ok(Archive { items, order, pages, keeping: Keeping::Items, records: Vec::new(), topic_names })
    }

    /// Where the items of `page` are in the items file, oldest first.
    pub(crate) fn stored(&self, page: &Page) -> io::Result<Vec<Stored>> {
        let first = page.first.ok_or_else(|| io::Error::other("the items of a page kept unchanged are not at hand"))?;
        let mut order = vec![0; page.count * ORDER_ENTRY];
        read_exact_at(&self.order, &mut order, first * ORDER_ENTRY as u64)?;
        Ok(order
            .chunks_exact(ORDER_ENTRY)
            .map(|bytes| {
                let offset = u64::from_le_bytes(bytes[..8].try_into().expect("eight bytes"));
                let len = u32::from_le_bytes(bytes[8..].try_into().expect("four bytes"));
                Stored { offset, len }
            })
            .collect())
    }

    /// Where each record's facts are, in the order of the items file
    /// (sorted): every record kept, for an archive collected keeping
    /// [`Keeping::Files`]; none otherwise.
    pub(crate) fn records(&self) -> &[Stored] {
        &self.records
    }

    /// The facts stored at `stored`, one of [`Archive::records`].
    pub(crate) fn facts(&self, stored: Stored) -> io::Result<Facts> {
        self.items.facts(stored)
    }

    /// The items of `page`, newest first, as the feed shows them; records
    /// kept by their files (when not whole) are read again by `reread`.
    pub(crate) fn items(&self, page: &Page, reread: Option<&dyn Reread>) -> Result<Vec<Arc<Item>>, PageError> {
        let mut items = self
            .stored(page)?
            .into_iter()
            .map(|stored| {
                let mut item = match self.keeping {
                    Keeping::Files => self.item_of_facts(stored, reread)?,
                    Keeping::Items | Keeping::Ids => self.items.item(stored)?,
                };
                self.topic_names.rename(&mut item);
                Ok(Arc::new(item))
            })
            .collect::<Result<Vec<_>, PageError>>()?;
        items.reverse();
        Ok(items)
    }

    /// The item whose facts are stored at `stored`: stored after them, or
    /// read again from its file.
    fn item_of_facts(&self, stored: Stored, reread: Option<&dyn Reread>) -> Result<Item, PageError> {
        let facts = self.items.facts(stored)?;
        if let Some(len) = facts.whole {
            return Ok(self.items.item(Stored { offset: stored.offset + u64::from(stored.len), len })?);
        }
        let path = crate::cache::path_of(&facts.path);
        match reread.and_then(|reread| reread.reread(&path, &facts.id)) {
            Some(item) => Ok(item),
            None => Err(PageError::Changed(path)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(id: &str) -> Arc<Item> {
        Arc::new(spill::tests::plain_item(id))
    }

    fn ids(items: &[Arc<Item>]) -> Vec<&str> {
        items.iter().map(|item| item.id.as_str()).collect()
    }

    #[test]
    fn a_known_archive_reads_the_pages_it_shows_newest_first_and_refuses_the_others() {
        let pages =
            vec![vec![("2024".to_owned(), 2), ("2025".to_owned(), 1)], Vec::new(), vec![("2025".to_owned(), 3)]];
        let shown =
            HashMap::from([((0, 0), vec![item("a"), item("b")]), ((2, 0), vec![item("c"), item("d"), item("e")])]);
        let archive = Archive::known(&pages, &shown).unwrap();
        assert_eq!(archive.page_count(), 3);
        let names: Vec<(&str, usize)> = archive.pages(0).iter().map(|page| (page.name.as_str(), page.count)).collect();
        assert_eq!(names, [("2024", 2), ("2025", 1)]);
        assert!(archive.pages(1).is_empty());
        assert_eq!(ids(&archive.items(&archive.pages(0)[0], None).unwrap()), ["b", "a"]);
        assert_eq!(ids(&archive.items(&archive.pages(2)[0], None).unwrap()), ["e", "d", "c"]);
        assert!(matches!(archive.items(&archive.pages(0)[1], None), Err(PageError::Temporary(_))));
    }
}
