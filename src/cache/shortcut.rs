//! The build cache's two shortcuts past gathering: a build over the very
//! same records as the last one, and a build over records edited only in
//! what no choice depends on (a title, a body: the words, not the links,
//! dates or names). Either way, the items each feed holds, the names and
//! the report are the last build's: the first build renders nothing, the
//! second only the feeds that hold an edited record.
//!
//! Both need the same settings as the last build that wrote the output
//! folder (but `now`, which must not have carried a record in or out of
//! the future), that folder's files as that build left them, the same set
//! of record files, and for the second neither a size budget (a longer
//! title may leave an item out) nor archives (an edited record may be on
//! any archive page, which the cache does not list by record).

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError};

use rayon::iter::{IntoParallelRefIterator, ParallelIterator};

use super::records::{Compared, Meta, Span};
use super::store::{self, Digest, Output, StoredFeed, Summary};
use super::{BuildCache, Current, Decided, OWN_FILES, build_key, feeds};
use crate::Report;
use crate::config::Settings;
use crate::gather::TopicNames;
use crate::load::{self, LoadError, LoadOptions, Sources};
use crate::model::Feed;
use crate::render::{INDEX_PATH, OPML_PATH};

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
/// edited record, which are the only ones rendered.
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
        // Edited records may be on archive pages, which the cache does not
        // list by record: those builds read the records again.
        let no_shortcut_for_edits = settings.max_bytes.is_some() || settings.archives || warned;
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

    /// The build of [`Shortcut::Edited`]: the feeds that hold one of the
    /// `edited` record files, made whole, with their new fingerprints;
    /// `None` when the cache cannot say which feeds hold them.
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
        let wanted: HashSet<&Path> = members
            .iter()
            .zip(&rendered)
            .filter(|(_, rendered)| **rendered)
            .flat_map(|(paths, _)| paths.iter().map(PathBuf::as_path))
            .collect();
        let whole = feeds::whole_items(wanted, &self.records, &topic_names, options)?;
        let mut feeds: Vec<Feed> = output.feeds.iter().map(|stored| stored.feed()).collect();
        for ((feed, paths), _) in feeds.iter_mut().zip(&members).zip(&rendered).filter(|(_, rendered)| **rendered) {
            feed.items = paths.iter().map(|path| whole[path.as_path()].clone()).collect();
        }
        let files: HashMap<&str, &Path> = feeds
            .iter()
            .zip(&members)
            .flat_map(|(feed, paths)| {
                feed.items.iter().zip(paths).map(|(item, path)| (item.id.as_str(), path.as_path()))
            })
            .collect();
        let hash_of = |id: &str| files.get(id).and_then(|path| self.records.hash_of(path));
        let computed = feeds::fingerprints(&feeds, feeds::settings_hash(settings), &hash_of, None)
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
        let pages = output.feeds.iter().map(|stored| stored.pages.clone()).collect();
        Ok(Some(Edited {
            report,
            left_out: output.feeds.iter().map(|stored| stored.left_out).collect(),
            feeds,
            decided: Box::new(Decided { kept, current, archives_kept: 0, fingerprints, pages }),
            members,
            topic_names: output.topic_names.clone(),
            span: output.summary.current,
        }))
    }
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
