//! Replacing a file atomically, and the temporary files that leaves behind
//! when a build is killed.
//!
//! A new file is written to a temporary file in the same folder
//! ([`stage`]); then ([`commit`]) the bytes of every staged file are synced
//! to disk, each is renamed over its old file, and each folder is synced: a
//! reader (or a host serving the folder) sees the old file or the new one,
//! never a part, even after a power cut. Syncing once for all the files
//! rather than once per file is what makes a first build of a thousand
//! feeds take seconds, not tens of seconds, on disks where a sync is slow.
//! Temporary files are named `.feedgen-XXXXXX.tmp`, a name feedgen
//! reserves, so that the next build can recognise and remove those a killed
//! build left without ever mistaking someone else's file for one.

use std::collections::BTreeSet;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use crate::cache::Meta;

use super::WriteError;

const PREFIX: &str = ".feedgen-";
const SUFFIX: &str = ".tmp";
const RANDOM_LEN: usize = 6;

/// Whether a file name is one of feedgen's temporary files.
pub(crate) fn is_temporary_name(name: &str) -> bool {
    name.strip_prefix(PREFIX)
        .and_then(|rest| rest.strip_suffix(SUFFIX))
        .is_some_and(|random| random.len() == RANDOM_LEN && random.bytes().all(|byte| byte.is_ascii_alphanumeric()))
}

/// A file written under a temporary name in its destination's folder,
/// waiting for [`commit`]. Dropped uncommitted, it removes its temporary.
#[derive(Debug)]
pub(super) struct Staged {
    temporary: tempfile::TempPath,
    path: PathBuf,
}

/// A new, empty temporary file in `folder`, named as feedgen reserves.
fn temporary_in(folder: &Path) -> io::Result<tempfile::NamedTempFile> {
    let mut builder = tempfile::Builder::new();
    builder.prefix(PREFIX).suffix(SUFFIX).rand_bytes(RANDOM_LEN);
    #[cfg(unix)]
    {
        // What `fs::write` would give (0o666 less the umask), not tempfile's
        // private 0o600: static hosts often read as another user.
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(fs::Permissions::from_mode(0o666));
    }
    builder.tempfile_in(folder)
}

/// Write `bytes` to a temporary file beside `path`, whose folder must exist.
pub(super) fn stage(path: &Path, bytes: &[u8]) -> Result<Staged, WriteError> {
    let folder = path.parent().unwrap_or(Path::new("."));
    let mut temporary = temporary_in(folder).map_err(WriteError::at("write", folder))?;
    temporary.write_all(bytes).map_err(WriteError::at("write", path))?;
    Ok(Staged { temporary: temporary.into_temp_path(), path: path.to_owned() })
}

/// Create `path` holding `bytes`, durably, unless something is there
/// already (then fail with [`io::ErrorKind::AlreadyExists`], changing
/// nothing). The file appears complete or not at all: the bytes go to a
/// temporary file beside it, which is moved into place only if the name is
/// free at that moment. Its folder must exist.
pub(crate) fn create_new(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let folder = path.parent().unwrap_or(Path::new("."));
    let mut temporary = temporary_in(folder)?;
    temporary.write_all(bytes)?;
    temporary.as_file().sync_all()?;
    temporary.persist_noclobber(path).map_err(|error| error.error)?;
    sync_folder(folder)
}

/// Put staged files in place, durably: [`sync`] them, then [`put_in_place`].
pub(super) fn commit(staged: Vec<Staged>) -> Result<(), WriteError> {
    sync(&staged)?;
    put_in_place(staged).map(drop)
}

/// The folders that hold `staged` files.
fn folders_of(staged: &[Staged]) -> BTreeSet<PathBuf> {
    staged.iter().map(|file| file.path.parent().unwrap_or(Path::new(".")).to_owned()).collect()
}

/// Make the bytes of staged files durable, before any of them is put in
/// place. Nothing visible changes: a failure here leaves every file as it
/// was.
pub(super) fn sync(staged: &[Staged]) -> Result<(), WriteError> {
    sync_contents(staged, &folders_of(staged))
}

/// Rename each staged file over its destination, then sync each folder
/// once. From the first rename on, a failure leaves some files new and the
/// others as they were (each whole). Returns each file's path and metadata,
/// looked at as soon as it was in place.
pub(super) fn put_in_place(staged: Vec<Staged>) -> Result<Vec<(PathBuf, Option<Meta>)>, WriteError> {
    let folders = folders_of(&staged);
    let mut placed = Vec::with_capacity(staged.len());
    for file in staged {
        let Staged { temporary, path } = file;
        temporary.persist(&path).map_err(|error| WriteError::at("write", &path)(error.error))?;
        // Looked at at once: a program that writes the file later changes
        // what the build cache notes of it.
        let meta = Meta::of(&path);
        placed.push((path, meta));
    }
    for folder in &folders {
        sync_folder(folder).map_err(WriteError::at("write", folder))?;
    }
    Ok(placed)
}

/// Make the bytes of staged files durable: Linux syncs each file system
/// that holds one of their `folders`, once.
#[cfg(target_os = "linux")]
fn sync_contents(_staged: &[Staged], folders: &BTreeSet<PathBuf>) -> Result<(), WriteError> {
    for folder in folders {
        let handle = fs::File::open(folder).map_err(WriteError::at("write", folder))?;
        rustix::fs::syncfs(&handle).map_err(|errno| WriteError::at("write", folder)(errno.into()))?;
    }
    Ok(())
}

/// Make the bytes of `staged` durable: elsewhere, each file is synced.
#[cfg(not(target_os = "linux"))]
fn sync_contents(staged: &[Staged], _folders: &BTreeSet<PathBuf>) -> Result<(), WriteError> {
    for file in staged {
        let synced = fs::File::options().write(true).open(&file.temporary).and_then(|handle| handle.sync_all());
        synced.map_err(WriteError::at("write", &file.path))?;
    }
    Ok(())
}

/// Make a rename in `folder` durable. Only Unix can open and sync a folder.
fn sync_folder(folder: &Path) -> io::Result<()> {
    if cfg!(unix) { fs::File::open(folder)?.sync_all() } else { Ok(()) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(path: &Path, bytes: &[u8]) -> Result<(), WriteError> {
        commit(vec![stage(path, bytes)?])
    }

    #[test]
    fn only_the_reserved_pattern_is_a_temporary_name() {
        assert!(is_temporary_name(".feedgen-Ab12cD.tmp"));
        for other in [
            ".feedgen-Ab12c.tmp",
            ".feedgen-Ab12cDe.tmp",
            ".feedgen-Ab-2cD.tmp",
            ".feedgen-manifest",
            "feedgen-Ab12cD.tmp",
            ".all.json.Ab12cD",
            ".feedgen-Ab12cD.tmp.bak",
        ] {
            assert!(!is_temporary_name(other), "{other}");
        }
    }

    #[test]
    fn written_file_replaces_the_old_one_and_leaves_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("all.json");
        fs::write(&path, "old").unwrap();
        write(&path, b"new").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"new");
        let names: Vec<String> =
            fs::read_dir(dir.path()).unwrap().map(|entry| entry.unwrap().file_name().into_string().unwrap()).collect();
        assert_eq!(names, ["all.json"]);
    }

    #[test]
    fn create_new_never_replaces_what_is_there() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("feedgen.yaml");
        create_new(&path, b"first").unwrap();
        let error = create_new(&path, b"second").unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::AlreadyExists);
        assert_eq!(fs::read(&path).unwrap(), b"first");
        let names: Vec<String> =
            fs::read_dir(dir.path()).unwrap().map(|entry| entry.unwrap().file_name().into_string().unwrap()).collect();
        assert_eq!(names, ["feedgen.yaml"], "a temporary file was left");
    }

    #[cfg(unix)]
    #[test]
    fn written_file_is_readable_by_others_like_any_new_file() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let (ours, plain) = (dir.path().join("ours"), dir.path().join("plain"));
        write(&ours, b"x").unwrap();
        fs::write(&plain, b"x").unwrap();
        let mode = |path: &Path| fs::metadata(path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&ours), mode(&plain));
    }
}
