//! The build cache's two shortcuts past gathering: a build over the very
//! same records as the last one, and a build over records edited only in
//! what no choice depends on (a title, a body: the words, not the links,
//! dates or names). Either way, the items each feed holds, the names and
//! the report are the last build's: the first build renders nothing, the
//! second only the feeds and archive pages that hold an edited record.
//!
//! Both need the same settings as the last build that wrote the output
//! folder (but `now`, which must not have carried a record in or out of
//! the future), that folder's files as that build left them, the same set
//! of record files, and for the second no size budget (a longer title may
//! leave an item out). With archives, the second finds the archive pages
//! that hold an edited record by the keys of their records' files, which
//! the cache lists, and holds those pages' items in memory: when they are
//! more than [`MOST_SHOWN`] (words edited across many records), the build
//! goes the long way, which reads them a page at a time.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use rayon::iter::{IntoParallelIterator, IntoParallelRefIterator, ParallelIterator};

use super::records::{Compared, Meta, Span};
use super::store::{self, Digest, Output, StoredFeed, StoredPage, Summary};
use super::{BuildCache, Current, Decided, OWN_FILES, build_key, feeds};
use crate::Report;
use crate::config::Settings;
use crate::gather::TopicNames;
use crate::history::Archive;
use crate::load::{self, LoadError, LoadOptions, Sources};
use crate::model::{Feed, Item};
use crate::render::{Directory, INDEX_PATH, OPML_PATH};

/// A build the cache can make without gathering.
#[derive(Debug)]
pub(crate) enum Shortcut {
    /// Nothing changed: the last build's report, and its files.
    Unchanged {
        /// The report, as far as a build gets before writing.
        report: Report,
        /// Every file, all current.
        files: Current,
    },
    /// Records were edited in what no choice depends on.
    Edited(Edited),
}

/// A build of records edited only in what no choice depends on: every
/// feed as the last build had it, with whole items in those that hold an
/// edited record, which are the only ones rendered with the archive pages
/// that hold one.
#[derive(Debug)]
pub(crate) struct Edited {
    /// The report, as far as a build gets before writing.
    pub report: Report,
    /// Every feed, in output order; only those to render have items.
    pub feeds: Vec<Feed>,
    /// Which feeds are kept, their files (and the index and OPML list),
    /// and every feed's fingerprint.
    pub decided: Box<Decided>,
    /// How many items the size budget left out of each feed (none).
    pub left_out: Vec<usize>,
    /// Each feed's items' record files.
    pub members: Vec<Vec<PathBuf>>,
    /// Each topic's key and display name.
    pub topic_names: Vec<(String, String)>,
    /// When no record moves in or out of the future.
    pub span: Span,
    /// With archives, every feed's pages, with the items of those to render.
    pub archive: Option<Box<Archive>>,
}

impl BuildCache {
    /// The shortcut this build can take, if any (see the module's
    /// documentation). Looks at every record file (its metadata; its bytes
    /// if that changed; a parse if those changed too) and at every file
    /// of the output folder's.
    pub(crate) fn shortcut(&self, sources: &Sources<'_>, settings: &Settings) -> Result<Option<Shortcut>, LoadError> {
        let Some(output) = self.output.as_ref().filter(|_| self.problem.is_none()) else { return Ok(None) };
        let summary = &output.summary;
        let (latest, due) = summary.current;
        let now_in_span = settings.include_future
            || (latest.is_none_or(|latest| latest <= settings.now) && due.is_none_or(|due| settings.now < due));
        // Accepting id changes rewrites the id list the last report's
        // warnings came from.
        if summary.settings != build_key(settings) || !now_in_span || settings.accept_id_changes {
            return Ok(None);
        }
        let as_noted = output.files.par_iter().all(|(path, meta)| Meta::of(&settings.output.join(path)) == Some(*meta));
        if !as_noted {
            return Ok(None);
        }
        let options = LoadOptions { include_unpublished: settings.include_unpublished, warn: None };
        let (before, visits, edited) = (Digest::default(), AtomicUsize::new(0), Mutex::new(Vec::new()));
        let look = |path: &Path| {
            visits.fetch_add(1, Ordering::Relaxed);
            match self.records.compare(path, options) {
                Compared::Same(hash) => before.add(&store::path_bytes(path), hash),
                Compared::Alike(hash) => {
                    before.add(&store::path_bytes(path), hash);
                    edited.lock().unwrap_or_else(PoisonError::into_inner).push(path.to_owned());
                }
                Compared::Other => return false,
            }
            true
        };
        let alike = load::all_files(sources, &look)?
            && visits.into_inner() == self.records.earlier_count()
            && self.records.none_gone()
            && before.value() == summary.records;
        let edited = edited.into_inner().unwrap_or_else(PoisonError::into_inner);
        // A warning about an edited file points at a line that may have moved.
        let warned = summary.id_changes.iter().any(|problem| edited.contains(&problem.path));
        let no_shortcut_for_edits = settings.max_bytes.is_some() || warned;
        if !alike || (!edited.is_empty() && no_shortcut_for_edits) {
            return Ok(None);
        }
        let report = summary_report(summary, self.records.reused());
        if edited.is_empty() {
            let own = |path: &str| OWN_FILES.contains(&path);
            let files = output.files.iter().filter(|(path, _)| !own(path)).cloned().collect();
            return Ok(Some(Shortcut::Unchanged { report, files: Current(files) }));
        }
        Ok(self.edited(output, report, &edited, settings, options)?.map(Shortcut::Edited))
    }

    /// The build of [`Shortcut::Edited`]: the feeds and archive pages
    /// that hold one of the `edited` record files, made whole, with their
    /// new fingerprints; `None` when the cache cannot say which hold them,
    /// or the pages are too many to hold.
    fn edited(
        &self,
        output: &Output,
        mut report: Report,
        edited: &[PathBuf],
        settings: &Settings,
        options: LoadOptions,
    ) -> Result<Option<Edited>, LoadError> {
        let edited: Vec<Vec<u8>> = edited.iter().map(|path| store::path_bytes(path).into_owned()).collect();
        let edited: HashSet<&[u8]> = edited.iter().map(Vec::as_slice).collect();
        let Some(members) = output.feeds.iter().map(StoredFeed::member_paths).collect::<Option<Vec<_>>>() else {
            return Ok(None);
        };
        let rendered: Vec<bool> = members
            .iter()
            .map(|paths| paths.iter().any(|path| edited.contains(store::path_bytes(path).as_ref())))
            .collect();
        let topic_names = TopicNames::from_pairs(&output.topic_names);
        let Some(pages_shown) = self.pages_holding(output, &edited) else { return Ok(None) };
        let wanted: HashSet<&Path> = members
            .iter()
            .zip(&rendered)
            .filter(|(_, rendered)| **rendered)
            .flat_map(|(paths, _)| paths)
            .chain(pages_shown.values().flatten())
            .map(PathBuf::as_path)
            .collect();
        let whole = feeds::whole_items(wanted, &self.records, &topic_names, options)?;
        let mut feeds: Vec<Feed> = output.feeds.iter().map(|stored| stored.feed()).collect();
        for ((feed, paths), _) in feeds.iter_mut().zip(&members).zip(&rendered).filter(|(_, rendered)| **rendered) {
            feed.items = paths.iter().map(|path| whole[path.as_path()].clone()).collect();
        }
        let mut pages: Vec<Vec<StoredPage>> = output.feeds.iter().map(|stored| stored.pages.clone()).collect();
        let archive = if settings.archives {
            let hash_of = |path: &Path| self.records.hash_of(path);
            let shown =
                shown_pages(&feeds, &mut pages, &pages_shown, &whole, &hash_of, feeds::settings_hash(settings))?;
            let listed: Vec<Vec<(String, usize)>> = pages
                .iter()
                .map(|pages| pages.iter().map(|page| (page.name.clone(), page.count as usize)).collect())
                .collect();
            // Temporary files that cannot be written fail the build
            // without the shortcut too, which says so in full.
            let Ok(archive) = Archive::known(&listed, &shown) else { return Ok(None) };
            Some(Box::new(archive))
        } else {
            None
        };
        let files: HashMap<&str, &Path> = feeds
            .iter()
            .zip(&members)
            .flat_map(|(feed, paths)| {
                feed.items.iter().zip(paths).map(|(item, path)| (item.id.as_str(), path.as_path()))
            })
            .collect();
        let hash_of = |id: &str| files.get(id).and_then(|path| self.records.hash_of(path));
        let computed = feeds::fingerprints(&feeds, feeds::settings_hash(settings), &hash_of, archive.as_deref())
            .map_err(|_| LoadError::Changed(edited_path(edited.iter().next())))?;
        let fingerprints = output
            .feeds
            .iter()
            .zip(computed)
            .zip(&rendered)
            .map(|((stored, computed), rendered)| if *rendered { computed } else { stored.fingerprint })
            .collect();
        let noted: HashMap<&str, Meta> = output.files.iter().map(|(path, meta)| (path.as_str(), *meta)).collect();
        let mut kept_paths = vec![INDEX_PATH.to_owned(), OPML_PATH.to_owned()];
        for (feed, _) in feeds.iter().zip(&rendered).filter(|(_, rendered)| !**rendered) {
            kept_paths.extend(settings.formats.iter().map(|&format| feed.path(format)).chain([feed.page_path()]));
        }
        for (index, (feed, pages)) in feeds.iter().zip(&pages).enumerate() {
            for (number, page) in pages.iter().enumerate() {
                if !pages_shown.contains_key(&(index, number)) {
                    kept_paths.extend(feeds::page_files(feed, &page.name, settings));
                }
            }
        }
        let mut current = HashMap::new();
        for path in kept_paths {
            // A file the last build could not note is not known current.
            let Some(&meta) = noted.get(path.as_str()) else { return Ok(None) };
            current.insert(path, meta);
        }
        let kept = output
            .feeds
            .iter()
            .zip(&rendered)
            .map(|(stored, rendered)| (!rendered).then_some(stored.left_out))
            .collect::<Vec<_>>();
        report.feeds_kept = kept.iter().flatten().count();
        report.archives_kept = report.archives.saturating_sub(pages_shown.len());
        let archives_kept = report.archives_kept;
        Ok(Some(Edited {
            report,
            left_out: output.feeds.iter().map(|stored| stored.left_out).collect(),
            feeds,
            decided: Box::new(Decided { kept, current, archives_kept, fingerprints, pages, lists: None }),
            members,
            topic_names: output.topic_names.clone(),
            span: output.summary.current,
            archive,
        }))
    }

    /// The archive pages (by feed and page number) of the last build's
    /// `output` that hold one of the `edited` record files, with their
    /// items' record files, oldest first; `None` when the cache cannot
    /// name those files, or they are more than [`MOST_SHOWN`].
    fn pages_holding(&self, output: &Output, edited: &HashSet<&[u8]>) -> Option<ByPage<Vec<PathBuf>>> {
        let keys: HashSet<u64> = edited.iter().map(|path| store::path_key(path)).collect();
        // Each feed's list: where it starts and how long it is. Lists that
        // do not match the pages (not saved with them) name nothing.
        let (mut starts, mut sizes, mut end) = (Vec::new(), Vec::new(), 0u64);
        for stored in &output.feeds {
            let items = stored.pages.iter().try_fold(0u64, |items, page| items.checked_add(page.count))?;
            let size = items.checked_mul(8)?;
            starts.push(end);
            sizes.push(usize::try_from(size).ok()?);
            end = end.checked_add(size)?;
        }
        if end != self.records.lists_len() {
            return None;
        }
        let holding: Vec<Vec<PageKeys>> = (0..output.feeds.len())
            .into_par_iter()
            .map(|feed| {
                let list = self.records.read_lists(starts[feed], sizes[feed])?;
                let mut found = Vec::new();
                let mut listed =
                    list.chunks_exact(8).map(|key| u64::from_le_bytes(key.try_into().expect("eight bytes")));
                for (number, page) in output.feeds[feed].pages.iter().enumerate() {
                    let page_keys: Vec<u64> = listed.by_ref().take(page.count as usize).collect();
                    if page_keys.iter().any(|key| keys.contains(key)) {
                        found.push(((feed, number), page_keys));
                    }
                }
                Some(found)
            })
            .collect::<Option<_>>()?;
        let holding: Vec<PageKeys> = holding.into_iter().flatten().collect();
        if holding.iter().map(|(_, keys)| keys.len()).sum::<usize>() > MOST_SHOWN {
            return None;
        }
        holding
            .into_iter()
            .map(|(page, keys)| {
                let paths = keys.into_iter().map(|key| self.records.path_of_key(key)).collect::<Option<Vec<_>>>()?;
                Some((page, paths))
            })
            .collect()
    }
}

/// Something of each of a few archive pages, by feed (its index among the
/// feeds) and page number (oldest first).
type ByPage<T> = HashMap<(usize, usize), T>;

/// An archive page (by feed and page number) and the keys of its items'
/// record files, oldest first.
type PageKeys = ((usize, usize), Vec<u64>);

/// The most archived items (counted once per page) that a build of edited
/// records holds in memory to render the pages that show them: a few
/// hundred per edited record (one page of up to `archive_items` in each of
/// its feeds), so that editing tens of records goes this way, and tens of
/// megabytes of items at most.
const MOST_SHOWN: usize = 10_000;

/// The items of the archive pages `shown` (by feed and page number, their
/// record files oldest first: `whole` has their items, `hash_of` their
/// files' hashes), oldest first, with each one's new fingerprint set in
/// `pages`. A file whose item is missing changed during the build.
fn shown_pages(
    feeds: &[Feed],
    pages: &mut [Vec<StoredPage>],
    shown: &ByPage<Vec<PathBuf>>,
    whole: &HashMap<&Path, Arc<Item>>,
    hash_of: &dyn Fn(&Path) -> Option<u128>,
    settings: u128,
) -> Result<ByPage<Vec<Arc<Item>>>, LoadError> {
    let directory = Directory::new(feeds);
    let mut items = HashMap::new();
    for (&(feed, number), paths) in shown {
        let mut page_items = Vec::with_capacity(paths.len());
        let mut digests = Vec::with_capacity(paths.len());
        for path in paths {
            let changed = || LoadError::Changed(path.clone());
            let item = whole.get(path.as_path()).ok_or_else(changed)?;
            let domain = item.provider.as_ref().and_then(|provider| provider.domain.as_deref());
            let hash = hash_of(path).ok_or_else(changed)?;
            digests.push(feeds::item_digest(&item.id, hash, &item.topics, domain, &directory));
            page_items.push(Arc::clone(item));
        }
        let names: Vec<&str> = pages[feed].iter().map(|page| page.name.as_str()).collect();
        let fingerprint = feeds::page_fingerprint(settings, &feeds[feed], &names, number, digests.into_iter());
        pages[feed][number].fingerprint = fingerprint;
        items.insert((feed, number), page_items);
    }
    Ok(items)
}

/// The path to name when an edited file changed during the build.
fn edited_path(path: Option<&&[u8]>) -> PathBuf {
    path.map_or_else(PathBuf::new, |path| store::path_of(path))
}

/// What the last build reported, as this build's report before writing;
/// `reused` record files came from the cache unparsed.
fn summary_report(summary: &Summary, reused: usize) -> Report {
    Report {
        records_read: summary.records_read,
        unpublished: summary.unpublished,
        future: summary.future,
        duplicates: summary.duplicates.clone(),
        published: summary.published,
        without_front_matter: summary.without_front_matter.clone(),
        skipped: summary.skipped.clone(),
        warnings: summary.warnings.clone(),
        id_changes: summary.id_changes.clone(),
        feeds: summary.feeds,
        trimmed_feeds: summary.trimmed_feeds,
        archives: summary.archives,
        files: summary.files,
        feeds_kept: summary.feeds,
        archives_kept: summary.archives,
        records_reused: reused,
        ..Report::default()
    }
}
