//! Stage 6: putting rendered files into the output folder, touching as
//! little as possible.
//!
//! Static hosts and feed readers key their caches on mtime and ETag, and CI
//! commits the folder, so a file whose bytes did not change is left alone.
//! A file that did change is replaced atomically (written to a temporary
//! file in its folder, synced, then renamed over the old one), so a build
//! killed at any moment leaves every feed either as it was or fully new.
//! Files no longer produced are removed, but only those the
//! [manifest](manifest) lists as written by feedgen.

mod leftovers;
mod manifest;
mod prune;

use std::collections::BTreeSet;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use atomic_write_file::AtomicWriteFile;
use thiserror::Error;

pub use manifest::MANIFEST_NAME;

use crate::progress::{Progress, Stage};
use crate::render::OutputFile;

/// The output folder could not be read or written as a build needs.
#[derive(Debug, Error)]
pub enum WriteError {
    /// A file or folder could not be read, written or removed.
    #[error("cannot write {}: {source}", .path.display())]
    Io {
        /// What could not be written.
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

fn in_the_way(paths: &[PathBuf]) -> String {
    let names: Vec<String> = paths.iter().map(|path| path.display().to_string()).collect();
    let (what, them) = match names.as_slice() {
        [one] => (format!("{one} is"), "it"),
        many => (format!("{} files are ({})", many.len(), many.join(", ")), "them"),
    };
    format!(
        "{what} in the way: feedgen did not write {them} (its {MANIFEST_NAME} does not list {them}), \
         and it never overwrites files it did not write; move {them} away, or build into another folder with --output"
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
    /// Written by an earlier build and no longer produced, or left behind
    /// by a build that was killed: removed.
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

fn io_error(path: &Path) -> impl FnOnce(io::Error) -> WriteError + '_ {
    move |source| WriteError::Io { path: path.to_owned(), source }
}

/// What is at an output path now.
enum OnDisk {
    Missing,
    Same,
    Different,
}

fn on_disk(path: &Path, bytes: &[u8]) -> Result<OnDisk, WriteError> {
    let metadata = match fs::metadata(path) {
        Ok(metadata) => metadata,
        Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(OnDisk::Missing),
        Err(source) => return Err(WriteError::Io { path: path.to_owned(), source }),
    };
    if !metadata.is_file() || metadata.len() != bytes.len() as u64 {
        return Ok(OnDisk::Different);
    }
    let current = fs::read(path).map_err(io_error(path))?;
    Ok(if current == bytes { OnDisk::Same } else { OnDisk::Different })
}

/// A build's files compared with the folder: the changes, plus what
/// applying them needs.
struct Comparison {
    changes: Changes,
    /// The paths the manifest on disk lists.
    listed: BTreeSet<String>,
    /// The manifest this build leaves behind.
    manifest: OutputFile,
}

fn compare_files(output: &Path, files: &[OutputFile]) -> Result<Comparison, WriteError> {
    let listed = manifest::read(output)?;
    let manifest = OutputFile {
        path: MANIFEST_NAME.to_owned(),
        bytes: manifest::render(files.iter().map(|file| file.path.as_str())),
    };
    let mut changes = Changes::default();
    let mut not_ours = Vec::new();
    for file in files.iter().chain([&manifest]) {
        let path = local_path(output, &file.path);
        match on_disk(&path, &file.bytes)? {
            OnDisk::Missing => changes.added.push(file.path.clone()),
            OnDisk::Same => changes.unchanged.push(file.path.clone()),
            OnDisk::Different if file.path == MANIFEST_NAME || listed.contains(&file.path) => {
                changes.changed.push(file.path.clone());
            }
            OnDisk::Different => not_ours.push(path),
        }
    }
    if !not_ours.is_empty() {
        return Err(WriteError::NotOurs(not_ours));
    }
    let produced: BTreeSet<&str> = files.iter().map(|file| file.path.as_str()).collect();
    changes.removed = listed
        .iter()
        .filter(|path| !produced.contains(path.as_str()))
        .filter(|path| fs::symlink_metadata(local_path(output, path)).is_ok_and(|meta| meta.is_file()))
        .cloned()
        .collect();
    let known = produced.iter().copied().chain(listed.iter().map(String::as_str)).chain([MANIFEST_NAME]);
    changes.removed.extend(leftovers::find(output, known)?);
    for list in [&mut changes.added, &mut changes.changed, &mut changes.unchanged, &mut changes.removed] {
        list.sort();
    }
    Ok(Comparison { changes, listed, manifest })
}

/// Compare a build's `files` with the folder `output`, writing nothing.
pub fn compare(output: &Path, files: &[OutputFile]) -> Result<Changes, WriteError> {
    compare_files(output, files).map(|comparison| comparison.changes)
}

/// Replace `path` with `bytes` atomically: the old file stays whole until
/// the new one, complete and synced, is renamed over it.
fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), WriteError> {
    let fail = io_error(path);
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).map_err(io_error(parent))?;
    }
    let mut file = AtomicWriteFile::open(path).map_err(io_error(path))?;
    file.write_all(bytes).and_then(|()| file.commit()).map_err(fail)
}

/// Bring `output` to exactly `files` (plus the manifest): write what is new
/// or changed, remove what feedgen wrote before and no longer produces.
///
/// Order keeps one promise at every instant, so that a build killed
/// anywhere never turns feedgen's files into strangers: every file feedgen
/// wrote is listed in the manifest on disk. New paths are added to the
/// manifest before their files are written, and dropped from it only after
/// their files are gone.
pub fn write(output: &Path, files: &[OutputFile], progress: &dyn Progress) -> Result<Changes, WriteError> {
    let Comparison { changes, listed, manifest } = compare_files(output, files)?;
    let manifest_path = local_path(output, MANIFEST_NAME);
    let to_write: BTreeSet<&str> = changes.added.iter().chain(&changes.changed).map(String::as_str).collect();
    let feeds_to_write: Vec<&OutputFile> = files.iter().filter(|file| to_write.contains(file.path.as_str())).collect();
    progress.begin(Stage::Write, feeds_to_write.len() + changes.removed.len());

    let mut manifest_is_final = !to_write.contains(MANIFEST_NAME);
    if files.iter().any(|file| !listed.contains(&file.path)) {
        let every_path = listed.iter().map(String::as_str).chain(files.iter().map(|file| file.path.as_str()));
        let listing_both = manifest::render(every_path);
        write_atomically(&manifest_path, &listing_both)?;
        manifest_is_final = listing_both == manifest.bytes;
    }
    for file in feeds_to_write {
        write_atomically(&local_path(output, &file.path), &file.bytes)?;
        progress.advance(1);
    }
    prune::remove(output, &changes.removed, progress)?;
    if !manifest_is_final {
        write_atomically(&manifest_path, &manifest.bytes)?;
    }
    Ok(changes)
}
