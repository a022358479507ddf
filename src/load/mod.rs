//! Stage 1: reading record files from the input folders.
//!
//! Records marked `published: false` are dropped here, before anything else
//! sees them (unless the build asks for them): that is how "an unpublished
//! record has no effect" is guaranteed rather than hoped for. A draft that is
//! unpublished may also be unfinished, so its other problems are not reported.

mod date;
mod depth;
mod excerpt;
mod front_matter;
mod problem;
mod raw;
mod unknown;
mod validate;
mod warn;
mod yaml;

use std::collections::{BTreeSet, HashMap};
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};

use chrono::{DateTime, Utc};
use rayon::iter::{ParallelBridge, ParallelIterator};
use same_file::Handle;
use thiserror::Error;

pub use excerpt::Excerpt;
pub use front_matter::Position;
pub use problem::RecordProblem;

pub(crate) use front_matter::Locator;
pub(crate) use unknown::{nearest, shortened};
pub(crate) use yaml::explain;

use crate::model::MANIFEST_NAME;
use crate::model::Record;
use crate::progress::{Progress, Stage};
use front_matter::{Unclosed, YAML_FIRST_LINE, position_of};
use raw::{PublishedFlag, PublishedValue, RawRecord, marked_unpublished};

/// Record files larger than this are refused unread (1 MiB): real records
/// are a few kilobytes, and the cap bounds what one bad file can cost.
pub const MAX_RECORD_BYTES: u64 = 1024 * 1024;

/// Which records loading keeps, and what else it looks for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LoadOptions {
    /// Keep (and validate) `published: false` records too.
    pub include_unpublished: bool,
    /// Also look for what `feedgen check` warns about in a valid record
    /// (unknown keys, a date in the future); `None` for a build, which does
    /// not pay for looking. Secondary data left out of a record (an image
    /// or related article without a usable link) is warned about either
    /// way: validation finds it at no cost.
    pub warn: Option<WarnOptions>,
}

/// What `feedgen check` warns about in a valid record, beyond unknown keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WarnOptions {
    /// Warn about records dated after this moment, which a build leaves
    /// out; `None` when future records are built (`--future`).
    pub future_after: Option<DateTime<Utc>>,
}

/// What one file turned out to be.
#[derive(Debug, Clone, PartialEq)]
pub enum Parsed {
    /// A valid record that the build keeps, and the warnings about it in
    /// the order of the file: data left out of it, and what
    /// [`LoadOptions::warn`] asks for.
    Record(Box<Record>, Vec<RecordProblem>),
    /// A `published: false` record, left out.
    Unpublished,
    /// A file without front matter, skipped as Jekyll does.
    NoFrontMatter,
}

/// One file found under the inputs, and what reading it gave.
#[derive(Debug)]
pub(crate) struct FileRead {
    /// The position of the input it was found under, in the inputs given.
    pub input: usize,
    /// Its position in the walk of all inputs: the same file has the same
    /// place in every walk while the folders do not change, which is how
    /// [`paths_at`] finds it again.
    pub place: u32,
    /// The file.
    pub path: PathBuf,
    /// What the file turned out to be, or every problem with it.
    pub outcome: Result<Parsed, Vec<RecordProblem>>,
}

/// Why loading could not start, or stopped.
#[derive(Debug, Error)]
pub enum LoadError {
    /// An input folder named in configuration or on the command line is missing.
    #[error("input folder {} does not exist; check `input` in feedgen.yaml or --input", .0.display())]
    MissingInput(PathBuf),
    /// The output folder is one of the input folders: a build would read
    /// its own feeds as records and write among the records.
    #[error(
        "the output folder {} is the input folder {}: feedgen writes its feeds into the output folder and reads \
         every file of the input as a record, so they must differ; set `output` in feedgen.yaml (or --output) \
         to another folder, such as one beside the records",
        .output.display(),
        .input.display()
    )]
    OutputIsInput {
        /// The output folder, as configured.
        output: PathBuf,
        /// The input it is, as configured.
        input: PathBuf,
    },
    /// An input folder lies inside the output folder: the records, drafts
    /// and `secured` values included, would be deployed with the feeds.
    #[error(
        "the input {} is inside the output folder {}: the records (drafts and secured values too) would be \
         published with the feeds; set `output` in feedgen.yaml (or --output) to a folder outside the inputs, \
         such as feeds beside them",
        .input.display(),
        .output.display()
    )]
    InputInsideOutput {
        /// The output folder, as configured.
        output: PathBuf,
        /// The input inside it, as configured.
        input: PathBuf,
    },
    /// Files were added, removed or edited while the build read them.
    #[error("{} changed while feedgen was reading it; run the build again", .0.display())]
    Changed(PathBuf),
    /// Asked to stop before every file was read.
    #[error("stopped before every record was read")]
    Stopped,
}

/// Where records come from: the input folders (or single files), walked
/// recursively, less the build's output folder when it lies below an input.
///
/// The output folder is recognised by what it is (its device and inode,
/// not its spelling, so a link, a bind mount or another case of the name
/// is no way around it), not only by the manifest in it: it is skipped on
/// the first build too, and when it holds files that are not feedgen's.
/// Walks also stop early once asked to (a Ctrl-C).
#[derive(Debug)]
pub(crate) struct Sources<'a> {
    inputs: &'a [PathBuf],
    /// The output folder, open; `None` when it does not exist yet.
    output: Option<Handle>,
    stop: &'a AtomicBool,
}

impl<'a> Sources<'a> {
    /// The records under `inputs`, skipping `output` wherever it lies
    /// below one of them; walks stop early once `stop` is set. Every input
    /// must exist, none may be the output folder, and none may lie inside it.
    pub(crate) fn new(inputs: &'a [PathBuf], output: &Path, stop: &'a AtomicBool) -> Result<Self, LoadError> {
        inputs_exist(inputs)?;
        let handle = Handle::from_path(output).ok();
        if let Some(handle) = &handle {
            for input in inputs {
                let (output, input_given) = (output.to_owned(), input.clone());
                if Handle::from_path(input).is_ok_and(|input| input == *handle) {
                    return Err(LoadError::OutputIsInput { output, input: input_given });
                }
                if lies_inside(input, handle) {
                    return Err(LoadError::InputInsideOutput { output, input: input_given });
                }
            }
        }
        Ok(Sources { inputs, output: handle, stop })
    }

    /// The inputs, as given.
    pub(crate) fn inputs(&self) -> &[PathBuf] {
        self.inputs
    }

    /// Whether the walk has been asked to stop.
    fn stopped(&self) -> bool {
        self.stop.load(Ordering::Relaxed)
    }

    /// Whether `entry` is the build's output folder.
    fn is_output(&self, entry: &walkdir::DirEntry) -> bool {
        let Some(output) = &self.output else { return false };
        entry.depth() > 0
            && entry.file_type().is_dir()
            && Handle::from_path(entry.path()).is_ok_and(|folder| folder == *output)
    }
}

/// Every input exists, or [`LoadError::MissingInput`] names the first that
/// does not. A build checks this before anything else; so does
/// whatever watches the inputs for a build, before it starts.
pub fn inputs_exist(inputs: &[PathBuf]) -> Result<(), LoadError> {
    match inputs.iter().find(|input| !input.exists()) {
        Some(missing) => Err(LoadError::MissingInput(missing.clone())),
        None => Ok(()),
    }
}

/// Whether the names on the way let the walk of the input `input` go to
/// `path`, which is `input` itself or a path below it spelt from `input`
/// (any other path: `false`). They do unless a file or folder on the way
/// below the input is hidden, its name starting with `.` (`.git`, an
/// editor's `.a.md.swp`); the input itself may be.
pub(crate) fn is_walked(input: &Path, path: &Path) -> bool {
    path.strip_prefix(input).is_ok_and(|below| !below.iter().any(|name| name.to_string_lossy().starts_with('.')))
}

/// Whether a build reads `path` (`input` itself or a path below it, spelt
/// from `input`) as part of the input `input`, so that a change there can
/// change the feeds: no name on the way below the input is hidden, and no
/// folder on the way, `path` included, is an output folder (one that holds
/// a `.feedgen-manifest`), which the walk skips with all it holds. The walk
/// also skips the build's own output folder by identity; a watcher knows
/// that folder and leaves it out itself. Looks at the file system.
pub fn is_input_path(input: &Path, path: &Path) -> bool {
    let Some(below) = path.strip_prefix(input).ok().filter(|_| is_walked(input, path)) else { return false };
    let mut folder = input.to_path_buf();
    below.iter().all(|name| {
        folder.push(name);
        !folder.join(MANIFEST_NAME).is_file()
    })
}

/// Whether one of the folders above `path` (once links are resolved) is
/// the folder `folder`.
fn lies_inside(path: &Path, folder: &Handle) -> bool {
    let Ok(resolved) = path.canonicalize() else { return false };
    resolved.ancestors().skip(1).any(|above| Handle::from_path(above).is_ok_and(|above| above == *folder))
}

/// Parse one record file's bytes. Pure: no I/O, so it can be fuzzed. Each
/// problem comes with the source line it points at, when that is safe to show.
pub fn parse_record(path: &Path, bytes: &[u8], options: LoadOptions) -> Result<Parsed, Vec<RecordProblem>> {
    let excerpted = |problems: Vec<RecordProblem>| -> Vec<RecordProblem> {
        let text = String::from_utf8_lossy(bytes);
        let text = without_bom(&text);
        problems.into_iter().map(|problem| problem.excerpted_from(text)).collect()
    };
    match parse(path, bytes, options) {
        Ok(Parsed::Record(record, warnings)) if !warnings.is_empty() => Ok(Parsed::Record(record, excerpted(warnings))),
        Ok(parsed) => Ok(parsed),
        Err(problems) => Err(excerpted(problems)),
    }
}

/// `text` without the byte order mark some editors put first, which is
/// not part of the record.
fn without_bom(text: &str) -> &str {
    text.strip_prefix('\u{FEFF}').unwrap_or(text)
}

fn parse(path: &Path, bytes: &[u8], options: LoadOptions) -> Result<Parsed, Vec<RecordProblem>> {
    let text = std::str::from_utf8(bytes).map_err(|error| {
        let at = position_of(bytes, error.valid_up_to());
        vec![RecordProblem::new(path, Some(at), "not UTF-8 text").with_hint("save the file as UTF-8")]
    })?;
    let text = without_bom(text);
    let split = match front_matter::split(text) {
        Ok(Some(split)) => split,
        Ok(None) => return Ok(Parsed::NoFrontMatter),
        Err(Unclosed) => {
            let message = "front matter opened with `---` on line 1 is never closed";
            let problem =
                RecordProblem::new(path, Some(Position::START), message).with_hint("add a `---` line after it");
            return Err(vec![problem]);
        }
    };
    if !options.include_unpublished && marked_unpublished(split.yaml) {
        return Ok(Parsed::Unpublished);
    }
    if let Some(offset) = depth::yaml_too_deep(split.yaml) {
        let at = Position::in_yaml(split.yaml, YAML_FIRST_LINE, offset);
        let message = format!(
            "front matter nests more than {} levels of `[` or `{{`; records that deep are refused to keep builds fast",
            depth::MAX_YAML_FLOW_DEPTH
        );
        return Err(vec![RecordProblem::new(path, Some(at), message)]);
    }
    let keep = |published: Option<&PublishedValue>| options.include_unpublished || !PublishedValue::is_false(published);
    let mut skipped = Vec::new();
    let raw: RawRecord = match yaml::deserialize(split.yaml, options.warn.and(Some(&mut skipped))) {
        Ok(raw) => raw,
        Err(error) => {
            let flag = yaml::deserialize::<PublishedFlag>(split.yaml, None).map(|flag| flag.published);
            return match flag {
                Ok(published) if !keep(published.as_ref()) => Ok(Parsed::Unpublished),
                _ => {
                    let explained = yaml::explain(split.yaml, YAML_FIRST_LINE, &error);
                    let message = format!("invalid front matter: {}", explained.message);
                    let hint = explained.hint.map(str::to_owned);
                    Err(vec![RecordProblem { hint, ..RecordProblem::new(path, explained.position, message) }])
                }
            };
        }
    };
    if !keep(raw.published.as_ref()) {
        return Ok(Parsed::Unpublished);
    }
    let (record, mut warnings) = validate::validate(path, raw, split.yaml, split.body)?;
    if let Some(warn) = options.warn {
        warnings.extend(warn::warnings(&record, split.yaml, &skipped, warn));
    }
    warnings.sort_by_key(|warning| warning.position);
    Ok(Parsed::Record(Box::new(record), warnings))
}

/// A folder below an input that holds a feedgen manifest is an output
/// folder, of this build (which [`Sources`] also knows by its place) or of
/// another one (say an old `output:`): its feeds are not records. An input
/// that is itself another build's output folder is still read.
fn is_output_folder(entry: &walkdir::DirEntry) -> bool {
    entry.depth() > 0 && entry.file_type().is_dir() && entry.path().join(MANIFEST_NAME).is_file()
}

/// Read and parse one file (see [`read_capped`] and [`parse_capped`]).
fn read_record(path: &Path, options: LoadOptions) -> Result<Parsed, Vec<RecordProblem>> {
    parse_capped(path, &read_capped(path)?, options)
}

/// Read one file's bytes, up to one byte more than [`MAX_RECORD_BYTES`]:
/// enough for [`parse_capped`] to tell that it is too large.
pub(crate) fn read_capped(path: &Path) -> Result<Vec<u8>, Vec<RecordProblem>> {
    let io_error = |error: std::io::Error| vec![RecordProblem::new(path, None, format!("cannot read: {error}"))];
    let file = fs::File::open(path).map_err(io_error)?;
    // Sized from the file's length, so that it is read in one call, not grown
    // by probing reads.
    let expected = file.metadata().map_or(0, |metadata| metadata.len()).min(MAX_RECORD_BYTES + 1);
    let mut bytes = Vec::with_capacity(usize::try_from(expected).unwrap_or(0) + 1);
    file.take(MAX_RECORD_BYTES + 1).read_to_end(&mut bytes).map_err(io_error)?;
    Ok(bytes)
}

/// Parse the bytes [`read_capped`] read. A file over [`MAX_RECORD_BYTES`]
/// is refused unread beyond the cap, unless its front matter (within the
/// cap) marks it `published: false`: a draft never fails a build.
pub(crate) fn parse_capped(path: &Path, bytes: &[u8], options: LoadOptions) -> Result<Parsed, Vec<RecordProblem>> {
    if bytes.len() as u64 <= MAX_RECORD_BYTES {
        return parse_record(path, bytes, options);
    }
    let head = String::from_utf8_lossy(bytes);
    let head = without_bom(&head);
    let is_draft = matches!(front_matter::split(head), Ok(Some(split)) if marked_unpublished(split.yaml));
    if is_draft && !options.include_unpublished {
        return Ok(Parsed::Unpublished);
    }
    let limit = MAX_RECORD_BYTES / (1024 * 1024);
    Err(vec![RecordProblem::new(path, None, format!("larger than {limit} MiB, the size limit for a record"))])
}

/// What reads one record file for [`read_all`] in place of reading and
/// parsing it: the build cache, which parses only files that changed.
pub(crate) trait RecordReader: Sync {
    /// A reading of every file starts (see [`read_all`]).
    fn begin(&self) {}

    /// What the file at `path` turns out to be, read with `options`.
    fn read(&self, path: &Path, options: LoadOptions) -> Result<Parsed, Vec<RecordProblem>>;
}

/// Every file under the inputs, as (input position, path) or a problem,
/// skipping hidden entries, the build's output folder and any other
/// folder holding a feedgen manifest. Folders are read in the order the
/// file system gives: sorting would hold a whole folder's entries in
/// memory, and nothing downstream depends on the order.
fn walk<'s>(sources: &'s Sources<'_>) -> impl Iterator<Item = (usize, Result<PathBuf, RecordProblem>)> + Send + 's {
    sources.inputs.iter().enumerate().flat_map(move |(position, input)| {
        let walker = walkdir::WalkDir::new(input).into_iter();
        let skipped = move |entry: &walkdir::DirEntry| {
            !is_walked(input, entry.path()) || is_output_folder(entry) || sources.is_output(entry)
        };
        walker.filter_entry(move |entry| !skipped(entry)).filter_map(move |entry| match entry {
            Ok(entry) if entry.file_type().is_file() => Some((position, Ok(entry.into_path()))),
            Ok(_) => None,
            Err(error) => {
                let path = error.path().unwrap_or(input).to_owned();
                Some((position, Err(RecordProblem::new(&path, None, format!("cannot read: {error}")))))
            }
        })
    })
}

/// Read and parse every file under `inputs` on all cores (through
/// `reader` when given), handing each
/// result to `visit` as soon as it is ready: from any thread, in no
/// particular order, and without ever holding more than a few files at once.
///
/// When progress is shown, the files are counted first (a second, cheap
/// walk) so that `progress` knows the total. Returns how many places the walk had (files, and
/// entries that could not be read), or [`LoadError::Stopped`] as soon as
/// `sources` is asked to stop.
pub(crate) fn read_all(
    sources: &Sources<'_>,
    options: LoadOptions,
    reader: Option<&dyn RecordReader>,
    progress: &dyn Progress,
    visit: &(dyn Fn(FileRead) + Sync),
) -> Result<u32, LoadError> {
    progress.begin(Stage::Read, if progress.is_shown() { walk(sources).count() } else { 0 });
    if let Some(reader) = reader {
        reader.begin();
    }
    let places = (0..).map(|place: u64| u32::try_from(place).unwrap_or(u32::MAX));
    let walked = AtomicU32::new(0);
    walk(sources).zip(places).par_bridge().try_for_each(|((input, found), place)| {
        if sources.stopped() {
            return Err(LoadError::Stopped);
        }
        walked.fetch_add(1, Ordering::Relaxed);
        let (path, outcome) = match found {
            Ok(path) => {
                let outcome = match reader {
                    Some(reader) => reader.read(&path, options),
                    None => read_record(&path, options),
                };
                (path, outcome)
            }
            Err(error) => (error.path.clone(), Err(vec![error])),
        };
        visit(FileRead { input, place, path, outcome });
        progress.advance(1);
        Ok(())
    })?;
    Ok(walked.into_inner())
}

/// Whether `check` holds for every file under the inputs, walked on all
/// cores without reading them; `false` as soon as it fails for one, or
/// an entry of the walk cannot be read. (The build cache asks whether any
/// record file changed.)
pub(crate) fn all_files(sources: &Sources<'_>, check: &(dyn Fn(&Path) -> bool + Sync)) -> Result<bool, LoadError> {
    let outcome = walk(sources).par_bridge().try_for_each(|(_, found)| {
        if sources.stopped() {
            return Err(None);
        }
        match found {
            Ok(path) if check(&path) => Ok(()),
            _ => Err(Some(())),
        }
    });
    match outcome {
        Ok(()) => Ok(true),
        Err(Some(())) => Ok(false),
        Err(None) => Err(LoadError::Stopped),
    }
}

/// The paths of the files at `places` in the walk of `sources`, found by
/// walking again (nothing is parsed). `walked` is how many places
/// [`read_all`] saw: a walk of another length means files were added or
/// removed since, and places no longer name the same files.
pub(crate) fn paths_at(
    sources: &Sources<'_>,
    places: &BTreeSet<u32>,
    walked: u32,
) -> Result<HashMap<u32, PathBuf>, LoadError> {
    let mut paths = HashMap::with_capacity(places.len());
    if places.is_empty() {
        return Ok(paths);
    }
    let mut count: u32 = 0;
    for ((_, found), place) in walk(sources).zip(0..) {
        count = place + 1;
        if places.contains(&place) {
            let path = match found {
                Ok(path) => path,
                Err(error) => error.path,
            };
            paths.insert(place, path);
        }
    }
    match sources.inputs.first() {
        Some(input) if count != walked || paths.len() < places.len() => Err(LoadError::Changed(input.clone())),
        _ => Ok(paths),
    }
}

/// Read `path` again, as [`read_all`] read it: for the rare second look a
/// build needs at a record it has let go of.
pub(crate) fn reread(path: &Path, options: LoadOptions) -> Result<Parsed, Vec<RecordProblem>> {
    read_record(path, options)
}

/// What the records are, without building anything: `feedgen check`.
#[derive(Debug, Default)]
pub struct Survey {
    /// Record files read: valid, invalid or unpublished (files without
    /// front matter are not records).
    pub records_read: usize,
    /// Valid records a build would consider.
    pub valid: usize,
    /// `published: false` records left out.
    pub unpublished: usize,
    /// Files skipped for having no front matter, sorted.
    pub without_front_matter: Vec<PathBuf>,
    /// Every problem, in input order, then path order, then the file's order.
    pub errors: Vec<RecordProblem>,
    /// Every warning about a valid record, in the same order: data left
    /// out of it, and what [`LoadOptions::warn`] asks for.
    pub warnings: Vec<RecordProblem>,
}

/// Findings that arrive from many threads in any order, and leave sorted.
#[derive(Debug, Default)]
pub(crate) struct Tally {
    valid: usize,
    unpublished: usize,
    without_front_matter: Vec<(usize, PathBuf)>,
    errors: Vec<(usize, PathBuf, Vec<RecordProblem>)>,
    warnings: Vec<(usize, PathBuf, Vec<RecordProblem>)>,
}

impl Tally {
    /// Count one file; a record is only counted, the caller keeps it.
    pub(crate) fn note(&mut self, file: FileRead) -> Option<Record> {
        match file.outcome {
            Ok(Parsed::Record(record, warnings)) => {
                self.valid += 1;
                if !warnings.is_empty() {
                    self.warnings.push((file.input, file.path, warnings));
                }
                return Some(*record);
            }
            Ok(Parsed::Unpublished) => self.unpublished += 1,
            Ok(Parsed::NoFrontMatter) => self.without_front_matter.push((file.input, file.path)),
            Err(errors) => self.errors.push((file.input, file.path, errors)),
        }
        None
    }

    /// Whether some file was not a valid record.
    pub(crate) fn has_errors(&self) -> bool {
        !self.errors.is_empty()
    }

    /// Everything counted, with paths and problems in input, then path order.
    pub(crate) fn into_survey(mut self) -> Survey {
        self.without_front_matter.sort();
        let in_order =
            |(a, a_path, _): &(usize, PathBuf, _), (b, b_path, _): &(usize, PathBuf, _)| (a, a_path).cmp(&(b, b_path));
        self.errors.sort_by(in_order);
        self.warnings.sort_by(in_order);
        Survey {
            records_read: self.valid + self.unpublished + self.errors.len(),
            valid: self.valid,
            unpublished: self.unpublished,
            without_front_matter: self.without_front_matter.into_iter().map(|(_, path)| path).collect(),
            errors: self.errors.into_iter().flat_map(|(_, _, errors)| errors).collect(),
            warnings: self.warnings.into_iter().flat_map(|(_, _, warnings)| warnings).collect(),
        }
    }
}

/// `problem` (about the file at its path) pointed at the first of `keys`
/// written at the top level of the file's front matter, with that line's
/// excerpt; unchanged when the file cannot be read or names none of them.
/// For a problem found after the record was let go of, such as a duplicate.
pub(crate) fn pointed_at_key(problem: RecordProblem, keys: &[&str]) -> RecordProblem {
    let Ok(bytes) = fs::read(&problem.path) else { return problem };
    let text = String::from_utf8_lossy(&bytes);
    let text = without_bom(&text);
    let Ok(Some(split)) = front_matter::split(text) else { return problem };
    let locator = front_matter::Locator::new(split.yaml);
    match keys.iter().find_map(|key| locator.key(key)) {
        Some(at) => RecordProblem { position: Some(at), ..problem }.excerpted_from(text),
        None => problem,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The headlines of the problems with `text`, after checking that no
    /// message quotes `PASTED` or `SECRET` and no excerpt shows `SECRET`.
    fn problems(text: &str) -> Vec<String> {
        let errors = parse_record(Path::new("r.md"), text.as_bytes(), LoadOptions::default()).unwrap_err();
        for error in &errors {
            let excerpt = error.excerpt.as_ref().map(|excerpt| excerpt.text.as_str());
            assert!(!error.to_string().contains("PASTED") && !error.to_string().contains("SECRET"), "{error:?}");
            assert!(!excerpt.unwrap_or_default().contains("SECRET"), "{error:?}");
        }
        errors.iter().map(RecordProblem::headline).collect()
    }

    #[test]
    fn a_value_that_lost_its_key_is_not_quoted_in_the_error() {
        assert_eq!(
            problems("---\nsecured SECRET-lost-colon\n---\n"),
            ["r.md:2:1: invalid front matter: invalid type: string, expected front matter made of `key: value` lines"]
        );
        let nested = problems(
            "---\ntitle: T\npublishedDateTime: 2025-01-01\noriginalUrl: https://a.test/\nheat: \"PASTED \\\" still\"\n---\n",
        );
        assert_eq!(nested, ["r.md:5:7: invalid front matter: heat: invalid type: string, expected i64"]);
    }

    #[test]
    fn a_secured_line_folded_into_a_value_is_not_quoted() {
        let folded = "---\ntitle: T\npublishedDateTime: 2020-01-01\n  secured SECRET-folded\noriginalUrl: https://a.test/\n---\n";
        assert_eq!(problems(folded), ["r.md:3:20: publishedDateTime: not a date"]);
        let joined =
            "---\ntitle: T\npublishedDateTime: 2020-01-01secured:- SECRET-joined\noriginalUrl: https://a.test/\n---\n";
        assert_eq!(problems(joined), ["r.md:3:20: publishedDateTime: not a date"]);
        let folded_link =
            "---\ntitle: T\npublishedDateTime: 2020-01-01\noriginalUrl: x\n  secured SECRET-folded\n---\n";
        assert_eq!(problems(folded_link), ["r.md:4:14: originalUrl: not an absolute http(s) URL"]);
        let folded_flag = "---\ntitle: T\npublishedDateTime: 2020-01-01\noriginalUrl: https://a.test/\npublished: true\n  secured SECRET-folded\n---\n";
        assert_eq!(problems(folded_flag), ["r.md:5:12: published: must be true or false"]);
    }

    #[test]
    fn a_near_spelling_that_may_be_part_of_a_secured_value_is_not_pointed_at() {
        let text = "---\nsecured: >-\n  SECRET\nTitle: SECRET\npublishedDateTime: 2020-01-01\noriginalUrl: https://a.test/\n---\n";
        assert_eq!(problems(text), ["r.md:1:1: title: missing"]);
        let errors = parse_record(Path::new("r.md"), text.as_bytes(), LoadOptions::default()).unwrap_err();
        assert_eq!(errors[0].hint.as_deref(), Some("every record needs a title"));
    }

    #[test]
    fn an_empty_published_value_is_refused_not_published() {
        for empty in ["", " ~", " null"] {
            let text = format!(
                "---\ntitle: T\npublishedDateTime: 2020-01-01\noriginalUrl: https://a.test/\npublished:{empty}\n---\n"
            );
            let found = problems(&text);
            assert_eq!(found.len(), 1, "{empty:?}: {found:?}");
            assert!(
                found[0].starts_with("r.md:5:") && found[0].contains("published: must be true or false"),
                "{found:?}"
            );
        }
    }

    #[test]
    fn a_draft_too_deep_or_broken_to_parse_is_left_out() {
        let deep = format!("---\npublished: false # draft\nx: {}\n---\n", "[".repeat(1000));
        let broken = "---\ntitle: \"unclosed\npublished: False\n---\n";
        for text in [deep.as_str(), broken] {
            let parsed = parse_record(Path::new("r.md"), text.as_bytes(), LoadOptions::default());
            assert_eq!(parsed, Ok(Parsed::Unpublished));
        }
    }

    #[test]
    fn the_walk_skips_hidden_names_below_the_input_only() {
        let input = Path::new(".records");
        assert!(is_walked(input, input));
        assert!(is_walked(input, Path::new(".records/a.md")));
        assert!(is_walked(input, Path::new(".records/deep/b.md")));
        assert!(is_walked(input, Path::new(".records/a.md.swp")));
        assert!(!is_walked(input, Path::new(".records/.a.md.swp")));
        assert!(!is_walked(input, Path::new(".records/.git/index")));
        assert!(!is_walked(input, Path::new(".records/drafts/.hidden/c.md")));
        assert!(!is_walked(input, Path::new("records/a.md")), "not below the input");
    }

    #[test]
    fn nothing_in_an_output_folder_below_an_input_is_read() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("site");
        fs::create_dir_all(input.join("feeds/topics")).unwrap();
        fs::create_dir_all(input.join("articles")).unwrap();
        fs::write(input.join("feeds").join(MANIFEST_NAME), "all.json\n").unwrap();
        assert!(is_input_path(&input, &input.join("articles/a.md")));
        assert!(is_input_path(&input, &input.join("feeds-notes.md")));
        assert!(!is_input_path(&input, &input.join("feeds")));
        assert!(!is_input_path(&input, &input.join("feeds/all.json")));
        assert!(!is_input_path(&input, &input.join("feeds/topics/ai.json")));
        assert!(!is_input_path(&input, &input.join("articles/.a.md.swp")), "hidden");
        assert!(!is_input_path(&input, &dir.path().join("elsewhere.md")), "not below the input");
    }

    #[test]
    fn merge_key_text_in_a_value_changes_nothing() {
        let text = "---\ntitle: 2024\nexcerpt: cout << x\npublishedDateTime: 2020-01-01\noriginalUrl: https://a.test/\nheat: hot\n---\n";
        assert_eq!(problems(text), ["r.md:6:7: invalid front matter: heat: invalid type: string, expected i64"]);
    }

    #[test]
    fn null_entries_in_name_lists_are_no_names() {
        let text = "---\ntitle: T\npublishedDateTime: 2025-01-01\noriginalUrl: https://a.test/\ntopics: [AI, ~, null, Null, '']\ntags: [~, x]\n---\n";
        let Ok(Parsed::Record(record, _)) = parse_record(Path::new("r.md"), text.as_bytes(), LoadOptions::default())
        else {
            panic!("not loaded")
        };
        assert_eq!((record.topics, record.tags), (vec!["AI".to_owned()], vec!["x".to_owned()]));
    }

    #[test]
    fn merge_keys_are_applied_before_reading_the_record() {
        let draft = "---\nd: &d {published: false}\n<<: *d\ntitle: T\npublishedDateTime: 2025-01-01\noriginalUrl: https://a.test/\n---\n";
        assert_eq!(parse_record(Path::new("r.md"), draft.as_bytes(), LoadOptions::default()), Ok(Parsed::Unpublished));
        let defaults = "---\nd: &d {title: From defaults}\n<<: *d\npublishedDateTime: 2025-01-01\noriginalUrl: https://a.test/\n---\n";
        let Ok(Parsed::Record(record, _)) =
            parse_record(Path::new("r.md"), defaults.as_bytes(), LoadOptions::default())
        else {
            panic!("not loaded")
        };
        assert_eq!(record.title, "From defaults");
    }
}
