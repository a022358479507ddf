//! Stage 4: putting rendered files into the output folder, touching as
//! little as possible.
//!
//! Static hosts and feed readers key their caches on mtime and ETag, and CI
//! commits the folder, so a file whose bytes did not change is left alone.
//! A file that did change is replaced [atomically](atomic), so a build
//! killed at any moment leaves every feed either as it was or fully new.
//! Files no longer produced are removed, but only those the
//! [manifest](manifest) lists as written by feedgen, and only when the
//! [guard](crate::guard) agrees that the build is not throwing published
//! feeds away.
//!
//! A build asked to stop (Ctrl-C) or failing before its files are put in
//! place leaves the folder as it was: its temporary files are removed and
//! the manifest is restored. Once files start being put in place (renames,
//! a few milliseconds) the build finishes.
//!
//! feedgen only ever writes regular files inside real folders, so anything
//! else at one of its paths (a link, a folder, a link to a folder on the way)
//! is someone else's and is neither written through nor removed.

mod atomic;
mod lock;
mod manifest;
mod prune;
mod undo;

use std::collections::BTreeSet;
use std::fs;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use rayon::iter::{IntoParallelIterator, ParallelIterator};
use thiserror::Error;

use crate::model::IDS_NAME;
pub(crate) use crate::model::MANIFEST_NAME;
use crate::model::local_path;
pub(crate) use atomic::{create_new, is_temporary_name};

use crate::cache::{Meta, OWN_FILES};
use crate::guard::{Guard, Refusal, feed_of};
use crate::progress::{Progress, Stage};
use crate::render::{Files, RenderError};

/// The output folder could not be read or written as a build needs.
#[derive(Debug, Error)]
pub enum WriteError {
    /// A file or folder could not be read, written or removed.
    #[error("cannot {doing} {}: {source}", .path.display())]
    Io {
        /// "read", "write" or "remove".
        doing: &'static str,
        /// The file or folder.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
    /// Files in the way of the output are not feedgen's to overwrite.
    #[error("{}", in_the_way(.0))]
    NotOurs(Vec<PathBuf>),
    /// A file could not be rendered (a bug in feedgen, not bad input).
    #[error(transparent)]
    Render(#[from] RenderError),
    /// The manifest holds a line that is not a path inside the folder.
    #[error(
        "{}:{line}: {message}; this file lists what feedgen wrote here: fix the line, or delete the output folder and build again",
        .path.display()
    )]
    BadManifest {
        /// The manifest.
        path: PathBuf,
        /// The offending line, from 1.
        line: usize,
        /// What is wrong with it.
        message: String,
    },
    /// The build would throw published feeds away; nothing was written.
    #[error(transparent)]
    Refused(#[from] Refusal),
    /// Asked to stop before any file was put in place: the folder is as it was.
    #[error("stopped before any file was written; {} is as it was", .0.display())]
    Stopped(PathBuf),
    /// Writing failed before any file was put in place (a full disk), and
    /// the folder was restored as it was.
    #[error("{source}; nothing was changed in {}", .output.display())]
    Undone {
        /// The output folder.
        output: PathBuf,
        /// What failed.
        source: Box<WriteError>,
    },
    /// Writing failed while files were being put in place: some are new,
    /// the others as they were, each whole; the manifest lists them all.
    #[error(
        "{source}; some files in {} are new and the others as they were (each one whole): fix the cause and \
         build again",
        .output.display()
    )]
    PartlyWritten {
        /// The output folder.
        output: PathBuf,
        /// What failed.
        source: Box<WriteError>,
    },
}

/// What a write reports its progress to, and the flag that asks it to stop.
#[derive(Clone, Copy)]
pub(crate) struct Control<'a> {
    /// Told how far the write got.
    pub progress: &'a dyn Progress,
    /// Set (by a signal handler, say) to ask the write to stop.
    pub stop: &'a AtomicBool,
}

impl Control<'_> {
    /// Whether the write has been asked to stop.
    fn stopped(&self) -> bool {
        self.stop.load(Ordering::Relaxed)
    }
}

impl WriteError {
    /// Turns an I/O error while `doing` something to `path` into a `WriteError`.
    fn at<'a>(doing: &'static str, path: &'a Path) -> impl FnOnce(io::Error) -> WriteError + 'a {
        move |source| WriteError::Io { doing, path: path.to_owned(), source }
    }
}

fn in_the_way(paths: &[PathBuf]) -> String {
    let names: Vec<String> = paths.iter().map(|path| path.display().to_string()).collect();
    let (what, them) = match names.as_slice() {
        [one] => (format!("{one} is"), "it"),
        many => (format!("{} files are ({})", many.len(), many.join(", ")), "them"),
    };
    format!(
        "{what} in the way: feedgen did not write {them} (its {MANIFEST_NAME} does not list {them}, or {them} \
         is a link or a folder), and it never overwrites what it did not write; move {them} away, or build \
         into another folder with --output"
    )
}

/// How a build's files differ from the output folder, by `/`-separated path
/// relative to it, each list sorted. The manifest and the id list count as
/// files.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Changes {
    /// Produced, and not on disk yet.
    pub added: Vec<String>,
    /// Produced, and on disk with other bytes.
    pub changed: Vec<String>,
    /// Produced, and on disk with exactly these bytes: left alone.
    pub unchanged: Vec<String>,
    /// Written by an earlier build and no longer produced, or temporary
    /// files a killed build left: removed.
    pub removed: Vec<String>,
}

impl Changes {
    /// True when the folder already holds exactly what the build produces.
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.changed.is_empty() && self.removed.is_empty()
    }
}

/// What is at an output path, looked at without following links.
#[derive(Debug, PartialEq, Eq)]
enum Entry {
    /// Nothing, or not all the folders on the way.
    Missing,
    /// A regular file of this many bytes, in real folders.
    File(u64),
    /// A real folder, in real folders.
    Folder,
    /// Anything else: a link (here or on the way), a device, a file where a
    /// folder should be.
    Foreign,
}

/// The metadata of `path` itself (a link is not followed, unless `follow`),
/// or `None` when nothing is there.
fn look(path: &Path, follow: bool) -> Result<Option<fs::Metadata>, WriteError> {
    match if follow { fs::metadata(path) } else { fs::symlink_metadata(path) } {
        Ok(metadata) => Ok(Some(metadata)),
        Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(WriteError::Io { doing: "read", path: path.to_owned(), source }),
    }
}

/// What is at `relative` under `output`; `""` is the output folder itself,
/// which may be a link (where the folder lives is the user's choice).
fn entry_at(output: &Path, relative: &str) -> Result<Entry, WriteError> {
    let (folders, name) = relative.rsplit_once('/').unwrap_or(("", relative));
    let mut path = output.to_owned();
    for folder in folders.split('/').filter(|folder| !folder.is_empty()) {
        path.push(folder);
        match look(&path, false)? {
            Some(metadata) if metadata.is_dir() => {}
            Some(_) => return Ok(Entry::Foreign),
            None => return Ok(Entry::Missing),
        }
    }
    let is_output = name.is_empty();
    if !is_output {
        path.push(name);
    }
    Ok(match look(&path, is_output)? {
        Some(metadata) if metadata.is_dir() => Entry::Folder,
        Some(metadata) if metadata.is_file() && !is_output => Entry::File(metadata.len()),
        Some(_) => Entry::Foreign,
        None => Entry::Missing,
    })
}

/// What is on disk where a file goes, as far as it can be told without
/// rendering the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Slot {
    /// Nothing yet.
    Free,
    /// A regular file of this many bytes that feedgen wrote, or that holds
    /// what it would write (a folder built before manifests is adopted).
    File(u64),
}

/// The output folder before a build: what is where, what the build may
/// touch, and what it will remove.
struct Before {
    /// Where each of the build's files goes, by index.
    slots: Vec<Slot>,
    /// The paths the manifest on disk lists.
    listed: BTreeSet<String>,
    /// Listed files no longer produced, and feedgen's leftover temporary
    /// files, to remove; sorted.
    removed: Vec<String>,
    /// Listed paths no longer produced whose files are already gone: their
    /// folders may still need pruning.
    gone: Vec<String>,
    /// The manifest this build leaves behind.
    manifest: Vec<u8>,
}

/// The folders (relative, "" for the output folder) that may hold files at
/// `paths`, and so feedgen's temporary files (the output folder always may:
/// the manifest lives there).
fn folders_of<'a>(paths: impl IntoIterator<Item = &'a str>) -> BTreeSet<&'a str> {
    paths.into_iter().map(|path| path.rsplit_once('/').map_or("", |(folder, _)| folder)).collect()
}

/// Temporary files a killed build left in `folders`, as sorted relative paths.
fn leftovers(output: &Path, folders: BTreeSet<&str>) -> Result<Vec<String>, WriteError> {
    let mut found = Vec::new();
    for folder in folders {
        if entry_at(output, folder)? != Entry::Folder {
            continue;
        }
        let dir = local_path(output, folder);
        for entry in fs::read_dir(&dir).map_err(WriteError::at("read", &dir))? {
            let entry = entry.map_err(WriteError::at("read", &dir))?;
            let is_file = entry.file_type().is_ok_and(|kind| kind.is_file());
            match entry.file_name().to_str() {
                Some(name) if is_file && is_temporary_name(name) => {
                    found.push(if folder.is_empty() { name.to_owned() } else { format!("{folder}/{name}") });
                }
                _ => {}
            }
        }
    }
    found.sort();
    Ok(found)
}

/// Whether the regular file at `path`, `len` bytes long, holds exactly
/// `bytes` (read only when the lengths agree, a block at a time into a
/// buffer on the stack: an unchanged rebuild compares every feed, and this
/// way comparing them allocates nothing).
fn holds(path: &Path, len: u64, bytes: &[u8]) -> Result<bool, WriteError> {
    if len != bytes.len() as u64 {
        return Ok(false);
    }
    let mut file = fs::File::open(path).map_err(WriteError::at("read", path))?;
    let mut block = [0; 64 * 1024];
    let mut expected = bytes;
    loop {
        let read = file.read(&mut block).map_err(WriteError::at("read", path))?;
        if read == 0 {
            return Ok(expected.is_empty());
        }
        match expected.split_at_checked(read) {
            Some((head, rest)) if head == &block[..read] => expected = rest,
            _ => return Ok(false),
        }
    }
}

/// Every path of `files`.
fn paths_of(files: &dyn Files) -> impl Iterator<Item = &str> {
    (0..files.count()).map(|index| files.path(index))
}

/// The paths the manifest of `output` lists: every file an earlier build
/// wrote there; none when there is no manifest (or no folder).
pub(crate) fn listed(output: &Path) -> Result<BTreeSet<String>, WriteError> {
    if matches!(entry_at(output, MANIFEST_NAME)?, Entry::Foreign | Entry::Folder) {
        return Err(WriteError::NotOurs(vec![local_path(output, MANIFEST_NAME)]));
    }
    manifest::read(output)
}

/// The manifest as `guard` finds it: what it lists, if the guard lets
/// the build of `files` go on.
fn guarded_listing(output: &Path, files: &dyn Files, guard: &Guard<'_>) -> Result<BTreeSet<String>, WriteError> {
    let listed = listed(output)?;
    guard.approve(output, &listed, paths_of(files).filter_map(feed_of))?;
    Ok(listed)
}

/// Look at the folder before writing: where each file goes, and whether
/// anything in the way is not feedgen's. Only unlisted files already at a
/// build's paths are rendered here, to see whether they can be adopted.
/// `listed` is what the manifest lists.
fn look_before(output: &Path, files: &dyn Files, listed: BTreeSet<String>) -> Result<Before, WriteError> {
    let mut slots = Vec::with_capacity(files.count());
    let mut not_ours = Vec::new();
    for (index, relative) in paths_of(files).enumerate() {
        let path = local_path(output, relative);
        let listed = listed.contains(relative);
        slots.push(match entry_at(output, relative)? {
            Entry::Missing => Slot::Free,
            Entry::File(len) if listed || holds(&path, len, &files.bytes(index)?)? => Slot::File(len),
            Entry::File(_) | Entry::Folder | Entry::Foreign => {
                not_ours.push(path);
                Slot::Free
            }
        });
    }
    if !not_ours.is_empty() {
        return Err(WriteError::NotOurs(not_ours));
    }
    let produced: BTreeSet<&str> = paths_of(files).collect();
    let mut removed = Vec::new();
    let mut gone = Vec::new();
    for path in listed.iter().filter(|path| !produced.contains(path.as_str())) {
        match entry_at(output, path)? {
            Entry::File(_) => removed.push(path.clone()),
            Entry::Missing => gone.push(path.clone()),
            Entry::Folder | Entry::Foreign => {}
        }
    }
    let every_path = produced.iter().copied().chain(listed.iter().map(String::as_str));
    let mut folders = folders_of(every_path);
    folders.insert("");
    removed.extend(leftovers(output, folders)?);
    removed.sort();
    let manifest = manifest::render(paths_of(files));
    Ok(Before { slots, listed, removed, gone, manifest })
}

/// What became of one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Added,
    Changed,
    Unchanged,
}

/// One file, settled: what became of it, its staged replacement, and, for
/// a file left as it is, its metadata, looked at before its bytes were.
type Settled = (Outcome, Option<atomic::Staged>, Option<Meta>);

/// Render file `index`, compare it with what is on disk, and (when
/// `write`) stage it if it differs.
fn settle(output: &Path, files: &dyn Files, index: usize, slot: Slot, write: bool) -> Result<Settled, WriteError> {
    let relative = files.path(index);
    let path = local_path(output, relative);
    let before = Meta::of(&path);
    if let Some(meta) = files.current(index)
        && before == Some(meta)
    {
        return Ok((Outcome::Unchanged, None, before));
    }
    let bytes = files.bytes(index)?;
    let outcome = match slot {
        Slot::Free => Outcome::Added,
        Slot::File(len) if holds(&path, len, &bytes)? => Outcome::Unchanged,
        Slot::File(_) => Outcome::Changed,
    };
    let staged = if write && outcome != Outcome::Unchanged { Some(stage(output, relative, &bytes)?) } else { None };
    Ok((outcome, staged, before.filter(|_| outcome == Outcome::Unchanged)))
}

/// The changes, the files staged, and the metadata of the files left as
/// they were, by path: what [`settle_all`] gives.
type AllSettled = (Changes, Vec<atomic::Staged>, Vec<(String, Meta)>);

/// Settle every file on all cores, in any order: the changes (sorted),
/// when `write`, the files staged to put in place, and the metadata of
/// each file left as it is, by path. Stopped or failed, it leaves no
/// temporary file behind (staged files remove themselves when dropped).
fn settle_all(
    output: &Path,
    files: &dyn Files,
    before: &Before,
    write: bool,
    control: Control<'_>,
) -> Result<AllSettled, WriteError> {
    let settled: Vec<Settled> = (0..files.count())
        .into_par_iter()
        .map(|index| {
            if control.stopped() {
                return Err(WriteError::Stopped(output.to_owned()));
            }
            let settled = settle(output, files, index, before.slots[index], write);
            control.progress.advance(1);
            settled
        })
        .collect::<Result<_, _>>()?;
    let mut changes = Changes::default();
    let mut staged = Vec::new();
    let mut kept = Vec::new();
    for (index, (outcome, file, meta)) in settled.into_iter().enumerate() {
        let list = match outcome {
            Outcome::Added => &mut changes.added,
            Outcome::Changed => &mut changes.changed,
            Outcome::Unchanged => &mut changes.unchanged,
        };
        list.push(files.path(index).to_owned());
        staged.extend(file);
        kept.extend(meta.map(|meta| (files.path(index).to_owned(), meta)));
    }
    Ok((changes, staged, kept))
}

/// How one of feedgen's own files (the manifest, the id list) changes, as
/// one more file; `None`: the build cache knows it current (the id list of
/// a build whose records did not change).
fn own_file_outcome(output: &Path, name: &str, bytes: Option<&[u8]>) -> Result<Outcome, WriteError> {
    let Some(bytes) = bytes else { return Ok(Outcome::Unchanged) };
    Ok(match entry_at(output, name)? {
        Entry::File(len) if holds(&local_path(output, name), len, bytes)? => Outcome::Unchanged,
        Entry::File(_) => Outcome::Changed,
        Entry::Missing | Entry::Folder | Entry::Foreign => Outcome::Added,
    })
}

/// The id list must be a regular file (or nothing yet): anything else at
/// its name is someone else's.
fn check_id_list_is_ours(output: &Path) -> Result<(), WriteError> {
    match entry_at(output, IDS_NAME)? {
        Entry::Folder | Entry::Foreign => Err(WriteError::NotOurs(vec![local_path(output, IDS_NAME)])),
        Entry::Missing | Entry::File(_) => Ok(()),
    }
}

/// Sort every list, with feedgen's own files filed by their `outcomes`.
fn finish_changes(mut changes: Changes, outcomes: [(&str, Outcome); 2], removed: Vec<String>) -> Changes {
    for (name, outcome) in outcomes {
        let list = match outcome {
            Outcome::Added => &mut changes.added,
            Outcome::Changed => &mut changes.changed,
            Outcome::Unchanged => &mut changes.unchanged,
        };
        list.push(name.to_owned());
    }
    changes.removed = removed;
    for list in [&mut changes.added, &mut changes.changed, &mut changes.unchanged] {
        list.sort();
    }
    changes
}

/// Compare a build's `files` with the folder `output`, writing nothing,
/// if `guard` would let the build write them; stop early once asked to.
pub(crate) fn compare(
    output: &Path,
    files: &dyn Files,
    id_list: Option<&[u8]>,
    guard: &Guard<'_>,
    control: Control<'_>,
) -> Result<Changes, WriteError> {
    let stopped = || WriteError::Stopped(output.to_owned());
    let _no_build_meanwhile =
        lock::shared(output, control.stop).map_err(WriteError::at("read", output))?.ok_or_else(stopped)?;
    let before = look_before(output, files, guarded_listing(output, files, guard)?)?;
    control.progress.begin(Stage::Write, files.count());
    let (changes, _, _) = settle_all(output, files, &before, false, control)?;
    let manifest = own_file_outcome(output, MANIFEST_NAME, Some(&before.manifest))?;
    let ids = own_file_outcome(output, IDS_NAME, id_list)?;
    Ok(finish_changes(changes, [(MANIFEST_NAME, manifest), (IDS_NAME, ids)], before.removed))
}

/// Stage `bytes` for the output path `relative`, creating its folders.
fn stage(output: &Path, relative: &str, bytes: &[u8]) -> Result<atomic::Staged, WriteError> {
    let path = local_path(output, relative);
    if let Some(folder) = path.parent() {
        fs::create_dir_all(folder).map_err(WriteError::at("write", folder))?;
    }
    atomic::stage(&path, bytes)
}

/// Write `bytes` as feedgen's own file `name` in `output` (a file no
/// build lists, such as the list of documents left to announce), at once,
/// atomically.
pub(crate) fn put_own_file(output: &Path, name: &str, bytes: &[u8]) -> Result<(), WriteError> {
    put(output, name, bytes)
}

/// Write `bytes` to the output path `relative` at once, atomically.
fn put(output: &Path, relative: &str, bytes: &[u8]) -> Result<(), WriteError> {
    atomic::commit(vec![stage(output, relative, bytes)?])
}

/// Before any new file is written, list it in the manifest, beside what the
/// manifest already lists: a build killed while writing must not leave a
/// file of feedgen's that the manifest does not claim.
fn claim_new_paths(output: &Path, before: &Before, files: &dyn Files) -> Result<(), WriteError> {
    if paths_of(files).all(|path| before.listed.contains(path)) {
        return Ok(());
    }
    let listed = before.listed.iter().map(String::as_str);
    put(output, MANIFEST_NAME, &manifest::render(listed.chain(paths_of(files))))
}

/// Bring `output` to exactly `files` (plus the manifest and `id_list`,
/// the [id guard](crate::ids)'s file, written last, unless `None`: left as it is): write what is new
/// or changed, remove what feedgen wrote before and no longer produces;
/// but first let `guard` look at what the folder holds, and write nothing
/// if it refuses. A file the build cache vouches for ([`Files::current`])
/// is left alone unread while its metadata is as the cache noted. With
/// `noted`, the metadata of every file left (feedgen's own too) is added
/// to it for the build cache: of a file left as it was, as it was before
/// it was compared; of a file written, as soon as it was in place. So a
/// program that writes one of the files meanwhile leaves it with other
/// metadata than the cache notes, and the next build looks at it again.
///
/// The order keeps one promise at every instant: every file feedgen wrote
/// is listed in the manifest on disk. New paths are listed before their
/// files are written, and dropped from the list only after their files are
/// gone. No other build writes or compares the folder meanwhile (see `write::lock`).
///
/// Asked to stop (waiting for the lock, rendering, staging, or once the
/// staged files are synced), or when a file cannot be staged or synced, the
/// build puts no file in place and is [undone](undo): the folder is left as
/// it was. The stop flag is not looked at once files start being renamed
/// into place: those renames and the removals after them finish. A rename
/// that fails leaves some files new and the others as they were, all
/// listed in the manifest.
pub(crate) fn write(
    output: &Path,
    files: &dyn Files,
    id_list: Option<&[u8]>,
    guard: &Guard<'_>,
    control: Control<'_>,
    noted: Option<&mut Vec<(String, Meta)>>,
) -> Result<Changes, WriteError> {
    let stopped = || WriteError::Stopped(output.to_owned());
    if control.stopped() {
        return Err(stopped());
    }
    let output_was_there = entry_at(output, "")? != Entry::Missing;
    let only_build = lock::exclusive(output, control.stop).map_err(WriteError::at("write", output))?;
    let Some(_only_build) = only_build else {
        if !output_was_there {
            let _ = fs::remove_dir(output);
        }
        return Err(stopped());
    };
    let listed = guarded_listing(output, files, guard)?;
    check_id_list_is_ours(output)?;
    let undo = undo::Undo::note(output, output_was_there)?;
    let before = look_before(output, files, listed)?;
    let manifest = own_file_outcome(output, MANIFEST_NAME, Some(&before.manifest))?;
    let ids = own_file_outcome(output, IDS_NAME, id_list)?;
    control.progress.begin(Stage::Write, files.count() + before.removed.len());
    let staged = claim_new_paths(output, &before, files)
        .and_then(|()| settle_all(output, files, &before, true, control))
        .and_then(|(changes, staged, kept)| {
            atomic::sync(&staged)?;
            if control.stopped() { Err(stopped()) } else { Ok((changes, staged, kept)) }
        });
    let (changes, mut metas) = match staged {
        Ok((changes, staged, kept)) => {
            let placed = atomic::put_in_place(staged)
                .map_err(|error| WriteError::PartlyWritten { output: output.to_owned(), source: Box::new(error) })?;
            let placed = placed.into_iter().filter_map(|(path, meta)| Some((path, meta?)));
            let by_path: std::collections::HashMap<PathBuf, Meta> = placed.collect();
            let written = paths_of(files).filter_map(|relative| {
                by_path.get(&local_path(output, relative)).map(|meta| (relative.to_owned(), *meta))
            });
            let mut metas = kept;
            metas.extend(written);
            (changes, metas)
        }
        Err(error) => {
            let new_paths: Vec<String> =
                paths_of(files).filter(|path| !before.listed.contains(*path)).map(str::to_owned).collect();
            return Err(undo.roll_back(output, &new_paths, error));
        }
    };
    prune::remove(output, &before.removed, &before.gone, control.progress)?;
    if own_file_outcome(output, MANIFEST_NAME, Some(&before.manifest))? != Outcome::Unchanged {
        put(output, MANIFEST_NAME, &before.manifest)?;
    }
    if let Some(id_list) = id_list.filter(|_| ids != Outcome::Unchanged) {
        put(output, IDS_NAME, id_list)?;
    }
    if let Some(noted) = noted {
        metas
            .extend(OWN_FILES.iter().filter_map(|name| Some((name.to_string(), Meta::of(&local_path(output, name))?))));
        noted.append(&mut metas);
    }
    Ok(finish_changes(changes, [(MANIFEST_NAME, manifest), (IDS_NAME, ids)], before.removed))
}
