//! The id guard: an item's id must not change by accident.
//!
//! A reader knows an item by its id (RSS `guid`, Atom `id`, JSON Feed
//! `id`). The id is the record's `id`, else its link, so editing a link
//! (http to https, a domain move, a corrected slug) makes the item new to
//! every subscriber, who then sees the article twice. The build cannot
//! tell an edited link from a new article by the records alone, so it
//! remembers, in a hidden file beside the manifest ([`IDS_NAME`]), which
//! id each record file published, and warns when the same file now yields
//! another id, saying how to keep the old one.
//!
//! Files are known by their path inside their input folder, so that the
//! same records name the same files wherever the site is (a clone, a CI
//! runner, another output folder); a name two inputs share is not guarded.
//! Only the records
//! whose items some feed holds are remembered: they are what subscribers
//! have seen, and they are bounded by feeds × limit. The file is derived
//! from what the build publishes and nothing else, so it never changes the
//! feeds, and a build with the same input writes the same file.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::fs;
use std::path::{Component, Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError};

use crate::gather::SelectOptions;
use crate::load::{self, RecordProblem};
use crate::model::{Duplicate, Record};
use crate::prepare::item_id;

pub(crate) use crate::model::IDS_NAME;

const HEADER: &str = "# The id each record file published, by its path in its input folder:\n\
                      # feedgen warns when a record's id changes. Commit it with the feeds;\n\
                      # it is not served.\n";

/// Names record files by their path inside their input folder,
/// `/`-separated. Two inputs may hold files of the same name; such a name
/// is not guarded ([`IdGuard`] sees it twice).
#[derive(Debug)]
pub(crate) struct Names {
    /// The inputs as records' paths start with them, shortest first, so
    /// that a record is named through the outermost input that holds it.
    inputs: Vec<PathBuf>,
}

impl Names {
    /// Names for records read from `inputs`.
    pub(crate) fn new(inputs: &[PathBuf]) -> Self {
        let mut inputs = inputs.to_vec();
        inputs.sort_by_key(|input| input.components().count());
        Names { inputs }
    }

    /// The name of the record file at `source` (a path the walk of the
    /// inputs gave); `None` when it is not under an input, or its path is
    /// not text that fits on one line of the file.
    fn name(&self, source: &Path) -> Option<String> {
        let input = self.inputs.iter().find(|input| source.starts_with(input))?;
        let rest = source.strip_prefix(input).ok()?;
        // An input that is a file is named by its file name.
        let rest = if rest.as_os_str().is_empty() { Path::new(source.file_name()?) } else { rest };
        let mut parts: Vec<&str> = Vec::new();
        for part in rest.components() {
            match part {
                Component::Normal(name) => parts.push(name.to_str()?),
                _ => return None,
            }
        }
        let name = parts.join("/");
        (!name.is_empty() && !name.contains(['\t', '\n', '\r'])).then_some(name)
    }
}

/// What the list of an earlier build says about one record file.
#[derive(Debug)]
struct Remembered {
    /// The id it published.
    id: String,
    /// The first file read since with its name; another file of the same
    /// name makes the name ambiguous (two inputs of the same name).
    read_as: Mutex<Option<PathBuf>>,
}

/// An id that changed, found as the records are read.
#[derive(Debug)]
struct Change {
    name: String,
    before: String,
    warning: RecordProblem,
}

/// The ids an earlier build published, read from the output folder, and
/// the changes found among the records read since.
#[derive(Debug)]
pub(crate) struct IdGuard {
    names: Names,
    /// Which records are selected: drafts are never read, and future-dated
    /// records wait, so neither changes an id yet.
    select: SelectOptions,
    /// What each record file published, by name.
    remembered: HashMap<String, Remembered>,
    /// The ids of the list, to notice one that moved to another file (a
    /// renamed file, a new one at its old name): that is no change.
    listed_ids: HashSet<String>,
    /// The files read since that give an id of the list, with the id.
    carried_by: Mutex<Vec<(String, PathBuf)>>,
    /// Names of the list whose records wait, dated in the future: they
    /// keep their line.
    waiting: Mutex<Vec<String>>,
    /// Names that more than one file has.
    ambiguous: Mutex<HashSet<String>>,
    changes: Mutex<Vec<Change>>,
}

impl IdGuard {
    /// The guard of the output folder `output`, for records read from
    /// `inputs` and selected by `select`. A folder without the file (a
    /// first build) remembers nothing; lines that are not `name<TAB>id`
    /// (the header) are passed over, since the file only ever adds
    /// warnings.
    pub(crate) fn open(inputs: &[PathBuf], output: &Path, select: SelectOptions) -> Self {
        let path = output.join(IDS_NAME);
        let is_file = fs::symlink_metadata(&path).is_ok_and(|meta| meta.is_file());
        let bytes = if is_file { fs::read(&path).unwrap_or_default() } else { Vec::new() };
        let text = String::from_utf8_lossy(&bytes);
        let remembered: HashMap<String, Remembered> = text
            .lines()
            .filter_map(|line| line.split_once('\t'))
            .map(|(name, id)| (name.to_owned(), Remembered { id: id.to_owned(), read_as: Mutex::default() }))
            .collect();
        let listed_ids = remembered.values().map(|entry| entry.id.clone()).collect();
        IdGuard {
            names: Names::new(inputs),
            select,
            remembered,
            listed_ids,
            carried_by: Mutex::default(),
            waiting: Mutex::default(),
            ambiguous: Mutex::default(),
            changes: Mutex::default(),
        }
    }

    /// Look at one valid record as it is read: a warning if its file
    /// published another id. From any thread.
    pub(crate) fn check(&self, record: &Record) {
        if self.remembered.is_empty() {
            return;
        }
        let name = self.names.name(&record.source);
        if !self.select.include_future && record.published > self.select.now {
            if let Some(name) = name.filter(|name| self.remembered.contains_key(name)) {
                locked(&self.waiting).push(name);
            }
            return;
        }
        let now = item_id(record);
        if self.listed_ids.contains(now.as_ref()) {
            locked(&self.carried_by).push((now.clone().into_owned(), record.source.clone()));
        }
        let Some(name) = name else { return };
        let Some(entry) = self.remembered.get(&name) else { return };
        let first = locked(&entry.read_as).get_or_insert_with(|| record.source.clone()).clone();
        if first != record.source {
            locked(&self.ambiguous).insert(name);
            return;
        }
        if entry.id != now {
            let verb = if record.id.is_some() { "set" } else { "add" };
            let message = format!(
                "id changes from {} to {now}: subscribers will see this article twice; {verb} \"id: {}\" to keep it",
                entry.id, entry.id
            );
            let warning = RecordProblem::new(&record.source, None, message);
            locked(&self.changes).push(Change { name, before: entry.id.clone(), warning });
        }
    }

    /// The changes that stand once every record is read, given the records
    /// left out as `duplicates`: not for a name two files have, nor for a
    /// record left out (it publishes nothing), nor for an id another record
    /// now publishes; by path.
    fn standing(&mut self, duplicates: &[Duplicate]) -> Vec<Change> {
        let ambiguous = std::mem::take(&mut *locked(&self.ambiguous));
        let mut changes = std::mem::take(&mut *locked(&self.changes));
        let left_out: HashSet<&Path> = duplicates.iter().map(|duplicate| duplicate.dropped.as_path()).collect();
        let carried_by = std::mem::take(&mut *locked(&self.carried_by));
        let moved =
            |id: &String| carried_by.iter().any(|(carried, by)| carried == id && !left_out.contains(by.as_path()));
        changes.retain(|change| {
            let published = !left_out.contains(change.warning.path.as_path());
            !ambiguous.contains(&change.name) && published && !moved(&change.before)
        });
        changes.sort_by(|a, b| a.warning.path.cmp(&b.warning.path));
        // A file read through two nested inputs is one change.
        changes.dedup_by(|a, b| a.name == b.name);
        changes
    }

    /// Every id change found (given the records left out as
    /// `duplicates`), each at the record's `id` or link.
    pub(crate) fn changes(mut self, duplicates: &[Duplicate]) -> Vec<RecordProblem> {
        self.standing(duplicates).into_iter().map(located).collect()
    }

    /// Every id change found (as [`IdGuard::changes`]), and the list that
    /// remembers `shown` (each item's record file and id) for the next
    /// build: sorted by name, one `name<TAB>id` per line. A file whose id
    /// changed keeps its old id there, so that the change is reported
    /// again until it is undone (an `id` line keeps the old id) or
    /// `accepted`.
    /// A record that waits, dated in the future, keeps its line too.
    pub(crate) fn finish(
        mut self,
        shown: &[(PathBuf, String)],
        duplicates: &[Duplicate],
        accepted: bool,
    ) -> (Vec<RecordProblem>, Vec<u8>) {
        let changes = self.standing(duplicates);
        let mut lines: BTreeSet<(String, String)> = shown
            .iter()
            .filter_map(|(source, id)| Some((self.names.name(source)?, id.clone())))
            .filter(|(name, _)| accepted || changes.iter().all(|change| change.name != *name))
            .collect();
        if !accepted {
            lines.extend(changes.iter().map(|change| (change.name.clone(), change.before.clone())));
        }
        let waiting = std::mem::take(&mut *locked(&self.waiting));
        lines.extend(waiting.into_iter().map(|name| {
            let id = self.remembered[&name].id.clone();
            (name, id)
        }));
        let mut text = String::from(HEADER);
        let lines: Vec<(String, String)> = lines.into_iter().collect();
        // A name that two files share (two inputs of the same name) cannot
        // tell them apart: it is not remembered.
        for same_name in lines.chunk_by(|a, b| a.0 == b.0).filter(|same_name| same_name.len() == 1) {
            let (name, id) = &same_name[0];
            text.push_str(&format!("{name}\t{id}\n"));
        }
        (changes.into_iter().map(located).collect(), text.into_bytes())
    }
}

/// A change's warning, at the record's `id` or link.
fn located(change: Change) -> RecordProblem {
    load::pointed_at_key(change.warning, &["id", "originalUrl", "webUrl"])
}

fn locked<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_files_are_named_inside_their_input() {
        let names = Names::new(&[PathBuf::from("site/articles"), PathBuf::from("site/articles/news")]);
        assert_eq!(names.name(Path::new("site/articles/2026/a.md")).as_deref(), Some("2026/a.md"));
        assert_eq!(names.name(Path::new("site/articles/news/b.md")).as_deref(), Some("news/b.md"));
        assert_eq!(names.name(Path::new("elsewhere/c.md")), None);
        let file = Names::new(&[PathBuf::from("site/one.md")]);
        assert_eq!(file.name(Path::new("site/one.md")).as_deref(), Some("one.md"));
    }

    #[test]
    fn a_path_that_cannot_be_one_line_is_not_named() {
        let names = Names::new(&[PathBuf::from("in")]);
        assert_eq!(names.name(Path::new("in/a\tb.md")), None);
        assert_eq!(names.name(Path::new("in/a\nb.md")), None);
    }
}
