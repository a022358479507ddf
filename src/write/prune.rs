//! Removing feeds a build no longer produces, and the folders that leaves
//! empty. Only paths from the manifest get here, so nothing feedgen did not
//! write is ever removed; a folder that still holds anything (a file
//! someone else put there) stays.

use std::collections::BTreeSet;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use super::{WriteError, local_path};
use crate::progress::Progress;

/// Remove every file in `stale` (paths relative to `output`), then every
/// folder between them and `output` that is left empty. `output` itself
/// always stays.
pub fn remove(output: &Path, stale: &[String], progress: &dyn Progress) -> Result<(), WriteError> {
    let mut folders = BTreeSet::new();
    for relative in stale {
        let path = local_path(output, relative);
        match fs::remove_file(&path) {
            Ok(()) => {}
            Err(error) if error.kind() == io::ErrorKind::NotFound => {}
            Err(source) => return Err(WriteError::Io { path, source }),
        }
        folders.extend(folders_above(relative).map(|folder| local_path(output, folder)));
        progress.advance(1);
    }
    for folder in deepest_first(folders) {
        match fs::remove_dir(&folder) {
            Ok(()) => {}
            Err(error) if matches!(error.kind(), io::ErrorKind::DirectoryNotEmpty | io::ErrorKind::NotFound) => {}
            Err(source) => return Err(WriteError::Io { path: folder, source }),
        }
    }
    Ok(())
}

/// `a/b/c.xml` → `a/b`, `a`.
fn folders_above(relative: &str) -> impl Iterator<Item = &str> {
    relative.match_indices('/').map(|(end, _)| &relative[..end])
}

/// Folders ordered so that every folder comes before its parent.
fn deepest_first(folders: BTreeSet<PathBuf>) -> Vec<PathBuf> {
    let mut ordered: Vec<PathBuf> = folders.into_iter().collect();
    ordered.sort_by_key(|folder| std::cmp::Reverse(folder.components().count()));
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
        let stale = ["topics/deep/x.json", "topics/y.json", "providers/p.json", "gone/already.json"].map(String::from);
        remove(dir.path(), &stale, &Silent).unwrap();
        assert!(!dir.path().join("topics").exists());
        assert!(dir.path().join("providers/CNAME").is_file());
        assert!(dir.path().is_dir());
    }
}
