//! Stage 6: putting rendered files into the output folder, touching as
//! little as possible.
//!
//! Static hosts and feed readers key their caches on mtime and ETag, and CI
//! commits the folder, so a file whose bytes did not change is left alone.
//! A file that did change is replaced [atomically](atomic), so a build
//! killed at any moment leaves every feed either as it was or fully new.
//! Files no longer produced are removed, but only those the
//! [manifest](manifest) lists as written by feedgen.
//!
//! feedgen only ever writes regular files inside real folders, so anything
//! else at one of its paths (a link, a folder, a link to a folder on the way)
//! is someone else's and is neither written through nor removed.

mod atomic;
mod manifest;
mod prune;

use std::collections::BTreeSet;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use thiserror::Error;

pub use atomic::is_temporary_name;
pub use manifest::MANIFEST_NAME;

use crate::progress::{Progress, Stage};
use crate::render::OutputFile;

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
/// relative to it, each list sorted. The manifest counts as a file.
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

/// Where a `/`-separated output path lives on this system.
pub fn local_path(output: &Path, relative: &str) -> PathBuf {
    relative.split('/').fold(output.to_owned(), |path, part| path.join(part))
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

/// A build's files compared with the folder: the changes, plus what
/// applying them needs.
struct Comparison {
    changes: Changes,
    /// The paths the manifest on disk lists.
    listed: BTreeSet<String>,
    /// Listed paths no longer produced whose files are already gone: their
    /// folders may still need pruning.
    gone: Vec<String>,
    /// The manifest this build leaves behind.
    manifest: OutputFile,
}

/// The folders (relative, "" for the output folder) that may hold files at
/// `paths`, and so feedgen's temporary files.
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
/// `bytes` (read only when the lengths agree).
fn holds(path: &Path, len: u64, bytes: &[u8]) -> Result<bool, WriteError> {
    Ok(len == bytes.len() as u64 && fs::read(path).map_err(WriteError::at("read", path))? == bytes)
}

fn compare_files(output: &Path, files: &[OutputFile]) -> Result<Comparison, WriteError> {
    if entry_at(output, MANIFEST_NAME)? == Entry::Foreign {
        return Err(WriteError::NotOurs(vec![local_path(output, MANIFEST_NAME)]));
    }
    let listed = manifest::read(output)?;
    let manifest = OutputFile {
        path: MANIFEST_NAME.to_owned(),
        bytes: manifest::render(files.iter().map(|file| file.path.as_str())),
    };
    let mut changes = Changes::default();
    let mut not_ours = Vec::new();
    for file in files.iter().chain([&manifest]) {
        let path = local_path(output, &file.path);
        let ours = file.path == MANIFEST_NAME || listed.contains(&file.path);
        match entry_at(output, &file.path)? {
            Entry::Missing => changes.added.push(file.path.clone()),
            Entry::File(len) if holds(&path, len, &file.bytes)? => changes.unchanged.push(file.path.clone()),
            Entry::File(_) if ours => changes.changed.push(file.path.clone()),
            Entry::File(_) | Entry::Folder | Entry::Foreign => not_ours.push(path),
        }
    }
    if !not_ours.is_empty() {
        return Err(WriteError::NotOurs(not_ours));
    }
    let produced: BTreeSet<&str> = files.iter().map(|file| file.path.as_str()).collect();
    let mut gone = Vec::new();
    for path in listed.iter().filter(|path| !produced.contains(path.as_str())) {
        match entry_at(output, path)? {
            Entry::File(_) => changes.removed.push(path.clone()),
            Entry::Missing => gone.push(path.clone()),
            Entry::Folder | Entry::Foreign => {}
        }
    }
    let every_path = produced.iter().copied().chain(listed.iter().map(String::as_str));
    changes.removed.extend(leftovers(output, folders_of(every_path))?);
    for list in [&mut changes.added, &mut changes.changed, &mut changes.unchanged, &mut changes.removed] {
        list.sort();
    }
    Ok(Comparison { changes, listed, gone, manifest })
}

/// Compare a build's `files` with the folder `output`, writing nothing.
pub fn compare(output: &Path, files: &[OutputFile]) -> Result<Changes, WriteError> {
    compare_files(output, files).map(|comparison| comparison.changes)
}

/// Write `bytes` to the output path `relative`, creating its folders.
fn put(output: &Path, relative: &str, bytes: &[u8]) -> Result<(), WriteError> {
    let path = local_path(output, relative);
    if let Some(folder) = path.parent() {
        fs::create_dir_all(folder).map_err(WriteError::at("write", folder))?;
    }
    atomic::write(&path, bytes)
}

/// Before any new file is written, list it in the manifest, beside what the
/// manifest already lists: a build killed while writing must not leave a
/// file of feedgen's that the manifest does not claim. Returns whether the
/// manifest on disk is now the final one.
fn claim_new_paths(output: &Path, comparison: &Comparison, files: &[OutputFile]) -> Result<bool, WriteError> {
    let manifest_changes = comparison.changes.unchanged.iter().all(|path| path != MANIFEST_NAME);
    let new_paths = files.iter().any(|file| !comparison.listed.contains(&file.path));
    if !new_paths {
        return Ok(!manifest_changes);
    }
    let listed = comparison.listed.iter().map(String::as_str);
    let old_and_new = manifest::render(listed.chain(files.iter().map(|file| file.path.as_str())));
    put(output, MANIFEST_NAME, &old_and_new)?;
    Ok(old_and_new == comparison.manifest.bytes)
}

/// Bring `output` to exactly `files` (plus the manifest): write what is new
/// or changed, remove what feedgen wrote before and no longer produces.
///
/// The order keeps one promise at every instant: every file feedgen wrote
/// is listed in the manifest on disk. New paths are listed before their
/// files are written, and dropped from the list only after their files are
/// gone.
pub fn write(output: &Path, files: &[OutputFile], progress: &dyn Progress) -> Result<Changes, WriteError> {
    let comparison = compare_files(output, files)?;
    let changes = &comparison.changes;
    let to_write: BTreeSet<&str> = changes.added.iter().chain(&changes.changed).map(String::as_str).collect();
    let feeds_to_write: Vec<&OutputFile> = files.iter().filter(|file| to_write.contains(file.path.as_str())).collect();
    progress.begin(Stage::Write, feeds_to_write.len() + changes.removed.len());

    let manifest_is_final = claim_new_paths(output, &comparison, files)?;
    for file in feeds_to_write {
        put(output, &file.path, &file.bytes)?;
        progress.advance(1);
    }
    prune::remove(output, &changes.removed, &comparison.gone, progress)?;
    if !manifest_is_final {
        put(output, MANIFEST_NAME, &comparison.manifest.bytes)?;
    }
    Ok(comparison.changes)
}
