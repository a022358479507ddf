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
//! facts (digested once per record) and the names of its neighbours
//! ([`page_fingerprints`]).

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::iter::{IntoParallelIterator, IntoParallelRefIterator, ParallelIterator};
use xxhash_rust::xxh3::{Xxh3, xxh3_128};

use super::records::{Meta, Records};
use super::store::{Output, StoredFeed};
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

/// What each archive page's documents are made from, by feed then page
/// (oldest first): [`settings_hash`], the feed's own fields, the page's
/// name and its neighbours' (which it links to), and per item its
/// [`item_digests`]. `archive` must keep its records' facts
/// (`Keeping::Files`).
pub(super) fn page_fingerprints(
    feeds: &[Feed],
    archive: &Archive,
    settings: u128,
    hash_of: &(dyn Fn(&Path) -> Option<u128> + Sync),
    topic_names: &TopicNames,
) -> Result<Vec<Vec<u128>>, PageError> {
    let digests = item_digests(feeds, archive, hash_of, topic_names)?;
    let records = archive.records();
    let digest_of = |stored: &Stored| match records.binary_search(stored) {
        Ok(index) => Ok(digests[index]),
        Err(_) => Err(PageError::Temporary(std::io::Error::other("an archived item has no facts"))),
    };
    (0..feeds.len())
        .into_par_iter()
        .map(|index| {
            let pages = archive.pages(index);
            (0..pages.len())
                .map(|number| {
                    let mut fields = feed_fields(settings, &feeds[index]);
                    fields.text(&pages[number].name);
                    fields.maybe(number.checked_sub(1).map(|older| pages[older].name.as_str()));
                    fields.maybe(pages.get(number + 1).map(|newer| newer.name.as_str()));
                    for stored in archive.stored(&pages[number])? {
                        fields.0.update(&digest_of(&stored)?.to_le_bytes());
                    }
                    Ok(fields.0.digest128())
                })
                .collect()
        })
        .collect()
}

/// What each record of `archive` makes of an item, in the order of
/// [`Archive::records`], worked out once however many feeds hold it: its
/// id, the hash of its record file (`hash_of`, by path), the display names
/// of its topics (`topic_names`) and the pages of those and of its
/// provider.
fn item_digests(
    feeds: &[Feed],
    archive: &Archive,
    hash_of: &(dyn Fn(&Path) -> Option<u128> + Sync),
    topic_names: &TopicNames,
) -> Result<Vec<u128>, PageError> {
    let directory = Directory::new(feeds);
    archive
        .records()
        .par_iter()
        .map(|&stored| {
            let facts = archive.facts(stored)?;
            let path = super::path_of(&facts.path);
            let hash = hash_of(&path).ok_or(PageError::Changed(path))?;
            let mut fields = Fields(Xxh3::new());
            fields.text(&facts.id);
            fields.0.update(&hash.to_le_bytes());
            for topic in topic_names.renamed(&facts.topics) {
                fields.maybe(directory.topic(&topic));
                fields.text(&topic);
            }
            fields.maybe(facts.domain.as_deref().and_then(|domain| directory.provider(domain)));
            Ok(fields.0.digest128())
        })
        .collect()
}

/// Which of `feeds` (with `fingerprints`) the last build's `output` still
/// holds as it left them: same fingerprint, and every file of theirs, and
/// the manifest, with the metadata it noted. By feed, how many items the
/// size budget left out of each kept feed; the noted metadata of the
/// kept feeds' files, and of the files of the archive pages (`pages`: by
/// feed, each page's name and fingerprint) kept likewise, by path; and how
/// many pages are kept.
pub(super) fn kept(
    feeds: &[Feed],
    fingerprints: &[u128],
    pages: &[Vec<(String, u128)>],
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
                stored.pages.iter().map(|(name, fingerprint)| (name.as_str(), *fingerprint)).collect();
            for (name, page_fingerprint) in pages {
                if stored_pages.get(name.as_str()) != Some(page_fingerprint) {
                    continue;
                }
                let paths = settings.formats.iter().map(|&format| feed.archive_path(name, format));
                if let Some(files) = all_as_noted(paths.chain([feed.archive_page_path(name)]).collect()) {
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
