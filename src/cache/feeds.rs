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
//! left them (by their metadata), is kept as it is.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::iter::{IntoParallelIterator, ParallelIterator};
use xxhash_rust::xxh3::{Xxh3, xxh3_128};

use super::records::{Meta, Records};
use super::store::Output;
use crate::config::Settings;
use crate::gather::TopicNames;
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

/// What each feed's documents are made from, by feed ([`settings_hash`]
/// included); `hash_of` gives the hash of an item's record file, by its id.
pub(super) fn fingerprints(
    feeds: &[Feed],
    settings: u128,
    hash_of: &dyn Fn(&str) -> Option<u128>,
) -> Result<Vec<u128>, String> {
    let directory = Directory::new(feeds);
    feeds
        .iter()
        .map(|feed| {
            let mut fields = Fields(Xxh3::new());
            fields.0.update(&settings.to_le_bytes());
            fields.text(feed.family.name());
            fields.text(&feed.slug);
            fields.text(&feed.key);
            fields.text(&feed.name);
            fields.maybe(feed.icon.as_deref());
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

/// Which of `feeds` (with `fingerprints`) the last build's `output` still
/// holds as it left them: same fingerprint, and every file of theirs, and
/// the manifest, with the metadata it noted. By feed, how many items the
/// size budget left out of each kept feed; and the noted metadata of the
/// kept feeds' files, by path.
pub(super) fn kept(
    feeds: &[Feed],
    fingerprints: &[u128],
    settings: &Settings,
    output: &Output,
) -> (Vec<Option<usize>>, HashMap<String, Meta>) {
    let noted: HashMap<&str, Meta> = output.files.iter().map(|(path, meta)| (path.as_str(), *meta)).collect();
    let as_noted = |path: &str| noted.get(path).filter(|&&meta| Meta::of(&settings.output.join(path)) == Some(meta));
    let earlier: HashMap<String, (u128, usize)> =
        output.feeds.iter().map(|stored| (stored.feed().stem(), (stored.fingerprint, stored.left_out))).collect();
    let mut current = HashMap::new();
    if output.settings != settings_hash(settings) || as_noted(MANIFEST_NAME).is_none() {
        return (vec![None; feeds.len()], current);
    }
    let kept = feeds
        .iter()
        .zip(fingerprints)
        .map(|(feed, fingerprint)| {
            let (noted_fingerprint, left_out) = *earlier.get(feed.stem().as_str())?;
            if noted_fingerprint != *fingerprint {
                return None;
            }
            let paths = settings.formats.iter().map(|&format| feed.path(format)).chain([feed.page_path()]);
            let files: Vec<(String, Meta)> =
                paths.map(|path| as_noted(&path).map(|&meta| (path, meta))).collect::<Option<_>>()?;
            current.extend(files);
            Some(left_out)
        })
        .collect();
    (kept, current)
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
            let changed = || LoadError::Changed(path.to_owned());
            let bytes = load::read_capped(path).map_err(|_| changed())?;
            if records.hash_of(path) != Some(xxh3_128(&bytes)) {
                return Err(changed());
            }
            let Ok(Parsed::Record(record, _)) = load::parse_capped(path, &bytes, options) else {
                return Err(changed());
            };
            let mut item = crate::prepare::prepare(&record);
            topic_names.rename(&mut item);
            Ok((path, Arc::new(item)))
        })
        .collect()
}
