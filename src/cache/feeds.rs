//! The feed half of the build cache: which feeds' documents are still what
//! the last build wrote, so that they are neither rendered nor compared,
//! and whole items for the feeds that are rendered.
//!
//! A feed's documents are made from its fingerprint's parts and nothing
//! else: the settings that reach output, the feed's own fields, and per
//! item, in order, its id, the hash of its record file's bytes (which
//! decides everything a record makes of an item), the display names of
//! its topics (decided by every record of the topic) and the pages its
//! page links to for its topics and provider. A feed whose fingerprint is
//! the one the last build noted, and whose files are still as that build
//! left them (by their metadata), is kept as it is. With archives, a
//! feed's fingerprint also holds its archive pages' names and sizes (its
//! documents link to the newest, its page lists them all), and each
//! archive page has a fingerprint of its own, made alike from its items'
//! facts (digested once per record) and the names of its neighbours, and
//! a list of its items' record files, for a build that edits one of them
//! without gathering ([`stored_pages`]).

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::iter::{IntoParallelIterator, IntoParallelRefIterator, ParallelIterator};
use xxhash_rust::xxh3::{Xxh3, xxh3_128};

use super::records::{Meta, Records};
use super::store::{Output, StoredFeed, StoredPage, path_key};
use crate::config::Settings;
use crate::gather::TopicNames;
use crate::history::{Archive, PageError, Reread, Stored};
use crate::load::{self, LoadError, LoadOptions, Parsed};
use crate::model::{Feed, Item, MANIFEST_NAME};
use crate::render::Directory;

/// A hash of everything in `settings` that reaches the documents besides
/// the items, and feedgen's version. Written from the settings' `Debug`
/// form, so that a setting added later is covered without a change here.
pub(super) fn settings_hash(settings: &Settings) -> u128 {
    let reaching_output = (
        env!("CARGO_PKG_VERSION"),
        &settings.site,
        &settings.formats,
        &settings.families,
        settings.limit,
        settings.archives,
        settings.archive_items,
        settings.max_bytes,
    );
    xxh3_128(format!("{reaching_output:?}").as_bytes())
}

/// A hasher of fields, each written with its length so that no two
/// sequences of fields hash alike by running into each other.
struct Fields(Xxh3);

impl Fields {
    fn text(&mut self, text: &str) {
        self.0.update(&(text.len() as u64).to_le_bytes());
        self.0.update(text.as_bytes());
    }

    fn maybe(&mut self, text: Option<&str>) {
        match text {
            Some(text) => {
                self.0.update(&[1]);
                self.text(text);
            }
            None => self.0.update(&[0]),
        }
    }
}

/// A hasher that starts from `settings` and `feed`'s own fields.
fn feed_fields(settings: u128, feed: &Feed) -> Fields {
    let mut fields = Fields(Xxh3::new());
    fields.0.update(&settings.to_le_bytes());
    fields.text(feed.family.name());
    fields.text(&feed.slug);
    fields.text(&feed.key);
    fields.text(&feed.name);
    fields.maybe(feed.icon.as_deref());
    fields
}

/// What each feed's documents are made from, by feed ([`settings_hash`]
/// included, and the names and sizes of its archive pages in `archive`,
/// which its documents link to); `hash_of` gives the hash of an item's
/// record file, by its id.
pub(super) fn fingerprints(
    feeds: &[Feed],
    settings: u128,
    hash_of: &dyn Fn(&str) -> Option<u128>,
    archive: Option<&Archive>,
) -> Result<Vec<u128>, String> {
    let directory = Directory::new(feeds);
    feeds
        .iter()
        .enumerate()
        .map(|(index, feed)| {
            let mut fields = feed_fields(settings, feed);
            for page in archive.map_or(&[][..], |archive| archive.pages(index)) {
                fields.text(&page.name);
                fields.0.update(&(page.count as u64).to_le_bytes());
            }
            for item in &feed.items {
                fields.text(&item.id);
                let hash = hash_of(&item.id).ok_or_else(|| format!("no record file is known for item {}", item.id))?;
                fields.0.update(&hash.to_le_bytes());
                for topic in &item.topics {
                    fields.text(topic);
                    fields.maybe(directory.topic(topic));
                }
                let domain = item.provider.as_ref().and_then(|provider| provider.domain.as_deref());
                fields.maybe(domain.and_then(|domain| directory.provider(domain)));
            }
            Ok(fields.0.digest128())
        })
        .collect()
}

/// A feed's archive pages as the cache keeps them, and its list of their
/// items' record files (see `Lists`).
pub(super) type FeedPages = (Vec<StoredPage>, Vec<u8>);

/// Each feed's archive pages as the cache keeps them, oldest first: each
/// one's name, what its documents are made from (its fingerprint:
/// [`settings_hash`], the feed's own fields, the page's name and its
/// neighbours', which it links to, and per item its [`item_digest`]) and
/// size; and the feed's list of its pages' items' record files (see
/// `Lists`). `archive` must keep its records' facts (`Keeping::Files`).
pub(super) fn stored_pages(
    feeds: &[Feed],
    archive: &Archive,
    settings: u128,
    hash_of: &(dyn Fn(&Path) -> Option<u128> + Sync),
    topic_names: &TopicNames,
) -> Result<Vec<FeedPages>, PageError> {
    let (digests, keys) = archive_records(feeds, archive, hash_of, topic_names)?;
    let stored = archive.records();
    let record_of = |item: &Stored| match stored.binary_search(item) {
        Ok(index) => Ok((digests[index], keys[index])),
        Err(_) => Err(PageError::Temporary(std::io::Error::other("an archived item has no facts"))),
    };
    (0..feeds.len())
        .into_par_iter()
        .map(|index| {
            let pages = archive.pages(index);
            let names: Vec<&str> = pages.iter().map(|page| page.name.as_str()).collect();
            let mut list = Vec::with_capacity(pages.iter().map(|page| page.count * 8).sum());
            let stored = (0..pages.len())
                .map(|number| {
                    let items = archive.stored(&pages[number])?.iter().map(record_of).collect::<Result<Vec<_>, _>>()?;
                    list.extend(items.iter().flat_map(|(_, key)| key.to_le_bytes()));
                    let digests = items.iter().map(|(digest, _)| *digest);
                    Ok(StoredPage {
                        name: names[number].to_owned(),
                        fingerprint: page_fingerprint(settings, &feeds[index], &names, number, digests),
                        count: items.len() as u64,
                    })
                })
                .collect::<Result<_, PageError>>()?;
            Ok((stored, list))
        })
        .collect()
}

/// The fingerprint of page `number` of `feed`'s archive, whose pages are
/// named `names` (oldest first), holding items with `digests` ([`item_digest`]).
pub(super) fn page_fingerprint(
    settings: u128,
    feed: &Feed,
    names: &[&str],
    number: usize,
    digests: impl Iterator<Item = u128>,
) -> u128 {
    let mut fields = feed_fields(settings, feed);
    fields.text(names[number]);
    fields.maybe(number.checked_sub(1).map(|older| names[older]));
    fields.maybe(names.get(number + 1).copied());
    for digest in digests {
        fields.0.update(&digest.to_le_bytes());
    }
    fields.0.digest128()
}

/// For each record of `archive`, in the order of [`Archive::records`],
/// worked out once however many feeds hold it: its [`item_digest`], with
/// the hash of its file from `hash_of` (by path) and its topics under
/// `topic_names`, and the key of its file's path (in two lists: 24 bytes
/// a record, where pairs would take 32).
fn archive_records(
    feeds: &[Feed],
    archive: &Archive,
    hash_of: &(dyn Fn(&Path) -> Option<u128> + Sync),
    topic_names: &TopicNames,
) -> Result<(Vec<u128>, Vec<u64>), PageError> {
    let directory = Directory::new(feeds);
    archive
        .records()
        .par_iter()
        .map(|&stored| {
            let facts = archive.facts(stored)?;
            let path = super::path_of(&facts.path);
            let hash = hash_of(&path).ok_or(PageError::Changed(path))?;
            let topics = topic_names.renamed(&facts.topics);
            let digest = item_digest(&facts.id, hash, &topics, facts.domain.as_deref(), &directory);
            Ok((digest, path_key(&facts.path)))
        })
        .collect()
}

/// What a record makes of an item on an archive page: its `id`, the
/// `hash` of its record file, its `topics`' display names and their pages,
/// and the page of its provider (at `domain`), as `directory` has them.
pub(super) fn item_digest(
    id: &str,
    hash: u128,
    topics: &[String],
    domain: Option<&str>,
    directory: &Directory,
) -> u128 {
    let mut fields = Fields(Xxh3::new());
    fields.text(id);
    fields.0.update(&hash.to_le_bytes());
    for topic in topics {
        fields.maybe(directory.topic(topic));
        fields.text(topic);
    }
    fields.maybe(domain.and_then(|domain| directory.provider(domain)));
    fields.0.digest128()
}

/// Which of `feeds` (with `fingerprints`) the last build's `output` still
/// holds as it left them: same fingerprint, and every file of theirs, and
/// the manifest, with the metadata it noted. By feed, how many items the
/// size budget left out of each kept feed; the noted metadata of the
/// kept feeds' files, and of the files of the archive pages (`pages`, by
/// feed) kept likewise, by path; and how many pages are kept.
pub(super) fn kept(
    feeds: &[Feed],
    fingerprints: &[u128],
    pages: &[Vec<StoredPage>],
    settings: &Settings,
    output: &Output,
) -> (Vec<Option<usize>>, HashMap<String, Meta>, usize) {
    let noted: HashMap<&str, Meta> = output.files.iter().map(|(path, meta)| (path.as_str(), *meta)).collect();
    let as_noted = |path: &str| noted.get(path).filter(|&&meta| Meta::of(&settings.output.join(path)) == Some(meta));
    let all_as_noted = |paths: Vec<String>| -> Option<Vec<(String, Meta)>> {
        paths.into_iter().map(|path| as_noted(&path).map(|&meta| (path, meta))).collect()
    };
    let earlier: HashMap<String, &StoredFeed> =
        output.feeds.iter().map(|stored| (stored.feed().stem(), stored)).collect();
    let (mut current, mut pages_kept) = (HashMap::new(), 0);
    if !may_keep(output, settings) {
        return (vec![None; feeds.len()], current, 0);
    }
    let kept = feeds
        .iter()
        .zip(fingerprints)
        .zip(pages)
        .map(|((feed, fingerprint), pages)| {
            let stored = earlier.get(feed.stem().as_str())?;
            let stored_pages: HashMap<&str, u128> =
                stored.pages.iter().map(|page| (page.name.as_str(), page.fingerprint)).collect();
            for page in pages {
                if stored_pages.get(page.name.as_str()) != Some(&page.fingerprint) {
                    continue;
                }
                if let Some(files) = all_as_noted(page_files(feed, &page.name, settings)) {
                    current.extend(files);
                    pages_kept += 1;
                }
            }
            if stored.fingerprint != *fingerprint {
                return None;
            }
            let paths = settings.formats.iter().map(|&format| feed.path(format)).chain([feed.page_path()]);
            current.extend(all_as_noted(paths.collect())?);
            Some(stored.left_out)
        })
        .collect();
    (kept, current, pages_kept)
}

/// The files of `feed`'s archive page `name`: its documents in each
/// format built, and its HTML page.
pub(super) fn page_files(feed: &Feed, name: &str, settings: &Settings) -> Vec<String> {
    let documents = settings.formats.iter().map(|&format| feed.archive_path(name, format));
    documents.chain([feed.archive_page_path(name)]).collect()
}

/// Whether a build with `settings` may keep any file the last build left
/// in `output`: the same settings reach the documents, and the manifest is
/// still as that build left it (a folder checked out afresh, or written
/// by a build without the cache, is not).
pub(super) fn may_keep(output: &Output, settings: &Settings) -> bool {
    output.settings == settings_hash(settings)
        && output
            .files
            .iter()
            .any(|(path, meta)| path == MANIFEST_NAME && Meta::of(&settings.output.join(path)) == Some(*meta))
}

/// Make whole the items of the feeds that are to be rendered (`rendered`
/// says which): the items made from records the cache kept light are made
/// again from their files, read in full ([`whole_items`]). `files` names
/// each item's file by its id.
pub(super) fn make_whole(
    feeds: &mut [Feed],
    rendered: &[bool],
    files: &HashMap<&str, &Path>,
    records: &Records,
    topic_names: &TopicNames,
    options: LoadOptions,
) -> Result<(), LoadError> {
    let file_of =
        |item: &Item| files.get(item.id.as_str()).copied().ok_or_else(|| LoadError::Changed(PathBuf::from(&item.id)));
    // Each file once, though its item may be in several feeds: asking the
    // cache reads its entry.
    let mut parsed: HashMap<&Path, bool> = HashMap::new();
    for (feed, _) in feeds.iter().zip(rendered).filter(|(_, rendered)| **rendered) {
        for item in &feed.items {
            let path = file_of(item)?;
            parsed.entry(path).or_insert_with(|| records.was_parsed(path));
        }
    }
    let wanted: HashSet<&Path> = parsed.iter().filter(|(_, parsed)| !**parsed).map(|(path, _)| *path).collect();
    let whole = whole_items(wanted, records, topic_names, options)?;
    for (feed, _) in feeds.iter_mut().zip(rendered).filter(|(_, rendered)| **rendered) {
        for item in &mut feed.items {
            let path = file_of(item)?;
            match whole.get(path) {
                Some(whole) if whole.id == item.id => *item = Arc::clone(whole),
                None if parsed.get(path) == Some(&true) => {}
                _ => return Err(LoadError::Changed(path.to_owned())),
            }
        }
    }
    Ok(())
}

/// The whole items of the records at `paths`, read in full and parsed on
/// all cores, their topics under `topic_names`, by path. A file whose bytes
/// are no longer those this build read (or that is no longer a record) is
/// an error: it changed during the build.
pub(super) fn whole_items<'p>(
    paths: impl IntoParallelIterator<Item = &'p Path>,
    records: &Records,
    topic_names: &TopicNames,
    options: LoadOptions,
) -> Result<HashMap<&'p Path, Arc<Item>>, LoadError> {
    paths
        .into_par_iter()
        .map(|path| {
            let mut item = whole_item(path, records, options).ok_or_else(|| LoadError::Changed(path.to_owned()))?;
            topic_names.rename(&mut item);
            Ok((path, Arc::new(item)))
        })
        .collect()
}

/// The item of the record at `path`, read in full, its topics as the
/// record spells them; `None` if the file's bytes are no longer those this
/// build read, or it is no longer a record.
fn whole_item(path: &Path, records: &Records, options: LoadOptions) -> Option<Item> {
    let bytes = load::read_capped(path).ok()?;
    if records.hash_of(path) != Some(xxh3_128(&bytes)) {
        return None;
    }
    let Ok(Parsed::Record(record, _)) = load::parse_capped(path, &bytes, options) else { return None };
    Some(crate::prepare::prepare(&record))
}

/// Reads archived records again in full, through the cache, for the
/// archive pages that are rendered.
#[derive(Debug)]
pub(super) struct Rereader<'a> {
    pub(super) records: &'a Records,
    pub(super) options: LoadOptions,
}

impl Reread for Rereader<'_> {
    fn reread(&self, path: &Path, id: &str) -> Option<Item> {
        whole_item(path, self.records, self.options).filter(|item| item.id == id)
    }
}
