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

use std::collections::HashMap;
use std::fs;
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Mutex, PoisonError};

use crate::load::{self, RecordProblem};
use crate::model::Record;
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

/// The ids an earlier build published, read from the output folder, and
/// the changes found among the records read since.
#[derive(Debug)]
pub(crate) struct IdGuard {
    names: Names,
    /// The id each record file published, by name, and how many records
    /// read since have that name.
    published: HashMap<String, (String, AtomicU32)>,
    /// Records whose id changed, as warnings, by name.
    changes: Mutex<Vec<(String, RecordProblem)>>,
}

impl IdGuard {
    /// The guard of the output folder `output`, for records read from
    /// `inputs`. A folder without the file (a first build) remembers
    /// nothing; lines that are not `name<TAB>id` are passed over, since the
    /// file only ever adds warnings.
    pub(crate) fn open(inputs: &[PathBuf], output: &Path) -> Self {
        let path = output.join(IDS_NAME);
        let is_file = fs::symlink_metadata(&path).is_ok_and(|meta| meta.is_file());
        let text = if is_file { fs::read_to_string(&path).unwrap_or_default() } else { String::new() };
        let published = text
            .lines()
            .filter(|line| !line.starts_with('#'))
            .filter_map(|line| line.split_once('\t'))
            .map(|(name, id)| (name.to_owned(), (id.to_owned(), AtomicU32::new(0))))
            .collect();
        IdGuard { names: Names::new(inputs), published, changes: Mutex::default() }
    }

    /// Look at one record as it is read: a warning if its file published
    /// another id. From any thread.
    pub(crate) fn check(&self, record: &Record) {
        if self.published.is_empty() {
            return;
        }
        let Some(name) = self.names.name(&record.source) else { return };
        let Some((before, seen)) = self.published.get(&name) else { return };
        seen.fetch_add(1, Ordering::Relaxed);
        let now = item_id(record);
        if *before != now {
            let message = format!(
                "id changes from {before} to {now}: subscribers will see this article twice; \
                 add \"id: {before}\" to keep it"
            );
            let warning = RecordProblem::new(&record.source, None, message);
            self.changes.lock().unwrap_or_else(PoisonError::into_inner).push((name, warning));
        }
    }

    /// Every id change found, each at the record's `id` or link, by path;
    /// none for a name that more than one record has.
    pub(crate) fn changes(self) -> Vec<RecordProblem> {
        let changes = self.changes.into_inner().unwrap_or_else(PoisonError::into_inner);
        let once = |name: &String| self.published.get(name).is_some_and(|(_, seen)| seen.load(Ordering::Relaxed) == 1);
        let mut changes: Vec<RecordProblem> =
            changes.into_iter().filter(|(name, _)| once(name)).map(|(_, change)| change).collect();
        changes.sort_by(|a, b| a.path.cmp(&b.path));
        changes.into_iter().map(|change| load::pointed_at_key(change, &["id", "originalUrl", "webUrl"])).collect()
    }

    /// The file that remembers `shown` (each item's record file and id)
    /// for the next build: sorted by name, one `name<TAB>id` per line.
    pub(crate) fn render(&self, shown: &[(PathBuf, String)]) -> Vec<u8> {
        let mut lines: Vec<(String, &str)> =
            shown.iter().filter_map(|(source, id)| Some((self.names.name(source)?, id.as_str()))).collect();
        lines.sort_unstable();
        lines.dedup();
        let mut text = String::from(HEADER);
        // A name that two files share (two inputs of the same name) cannot
        // tell them apart: it is not remembered.
        for same_name in lines.chunk_by(|a, b| a.0 == b.0).filter(|same_name| same_name.len() == 1) {
            let (name, id) = &same_name[0];
            text.push_str(&format!("{name}\t{id}\n"));
        }
        text.into_bytes()
    }
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
