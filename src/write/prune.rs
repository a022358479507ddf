//! Removing feeds a build no longer produces, and the folders that leaves
//! empty. Only paths from the manifest (and feedgen's own temporary files)
//! get here, so nothing feedgen did not write is ever removed; a folder that
//! still holds anything (a file someone else put there) stays, and so does
//! anything that is not a real folder.

use std::collections::BTreeSet;
use std::fs;
use std::io;
use std::path::Path;

use super::{Entry, WriteError, entry_at};
use crate::model::local_path;
use crate::progress::Progress;

/// Remove every file in `stale` (paths relative to `output`), then every
/// folder above them or above the already `gone` paths that is left empty.
/// `output` itself always stays.
pub(super) fn remove(
    output: &Path,
    stale: &[String],
    gone: &[String],
    progress: &dyn Progress,
) -> Result<(), WriteError> {
    for relative in stale {
        let path = local_path(output, relative);
        match fs::remove_file(&path) {
            Ok(()) => {}
            Err(error) if error.kind() == io::ErrorKind::NotFound => {}
            Err(source) => return Err(WriteError::Io { doing: "remove", path, source }),
        }
        progress.advance(1);
    }
    let folders: BTreeSet<&str> = stale.iter().chain(gone).flat_map(|path| folders_above(path)).collect();
    for folder in deepest_first(folders) {
        if entry_at(output, folder)? != Entry::Folder {
            continue;
        }
        let path = local_path(output, folder);
        match fs::remove_dir(&path) {
            Ok(()) => {}
            Err(error) if matches!(error.kind(), io::ErrorKind::DirectoryNotEmpty | io::ErrorKind::NotFound) => {}
            Err(source) => return Err(WriteError::Io { doing: "remove", path, source }),
        }
    }
    Ok(())
}

/// `a/b/c.xml` → `a/b`, `a`.
fn folders_above(relative: &str) -> impl Iterator<Item = &str> {
    relative.match_indices('/').map(|(end, _)| &relative[..end])
}

/// Folders ordered so that every folder comes before its parent.
fn deepest_first(folders: BTreeSet<&str>) -> Vec<&str> {
    let mut ordered: Vec<&str> = folders.into_iter().collect();
    ordered.sort_by_key(|folder| std::cmp::Reverse(folder.matches('/').count()));
    ordered
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::progress::Silent;

    #[test]
    fn folders_above_a_path_are_every_prefix() {
        assert_eq!(folders_above("a/b/c.xml").collect::<Vec<_>>(), ["a", "a/b"]);
        assert_eq!(folders_above("all.json").count(), 0);
    }

    #[test]
    fn emptied_folders_go_and_folders_with_other_files_stay() {
        let dir = tempfile::tempdir().unwrap();
        for file in ["topics/deep/x.json", "topics/y.json", "providers/p.json", "providers/CNAME"] {
            let path = dir.path().join(file);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(path, "x").unwrap();
        }
        let stale = ["topics/deep/x.json", "topics/y.json", "providers/p.json"].map(String::from);
        fs::create_dir_all(dir.path().join("empty/left")).unwrap();
        let gone = ["empty/left/already-removed.json".to_owned()];
        remove(dir.path(), &stale, &gone, &Silent).unwrap();
        assert!(!dir.path().join("topics").exists());
        assert!(!dir.path().join("empty").exists(), "folders above files already gone are pruned too");
        assert!(dir.path().join("providers/CNAME").is_file());
        assert!(dir.path().is_dir());
    }
}
