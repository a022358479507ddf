//! Temporary files a killed build may leave behind.
//!
//! The atomic writer (`atomic-write-file`) links a complete temporary file
//! into the folder as `.<name>.<6 letters or digits>` and then renames it
//! over `<name>`; on systems without anonymous temporary files it writes
//! there from the start. A build killed in between leaves that file. It is
//! feedgen's own, so the next build removes it.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io;
use std::path::Path;

use super::{WriteError, local_path};

/// Length of the random suffix the atomic writer adds.
const SUFFIX_LEN: usize = 6;

/// Whether `entry` is a temporary file for one of `names` (`.<name>.<suffix>`).
fn is_temporary_for(entry: &str, names: &BTreeSet<&str>) -> bool {
    let Some(rest) = entry.strip_prefix('.') else { return false };
    let Some((name, suffix)) = rest.rsplit_once('.') else { return false };
    suffix.len() == SUFFIX_LEN && suffix.bytes().all(|byte| byte.is_ascii_alphanumeric()) && names.contains(name)
}

/// Every leftover temporary file beside the files at `paths` (relative to
/// `output`), as sorted relative paths.
pub fn find<'a>(output: &Path, paths: impl IntoIterator<Item = &'a str>) -> Result<Vec<String>, WriteError> {
    let mut names_by_folder: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for path in paths {
        let (folder, name) = path.rsplit_once('/').unwrap_or(("", path));
        names_by_folder.entry(folder).or_default().insert(name);
    }
    let mut found = Vec::new();
    for (folder, names) in names_by_folder {
        let dir = if folder.is_empty() { output.to_owned() } else { local_path(output, folder) };
        let entries = match fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(error) if matches!(error.kind(), io::ErrorKind::NotFound | io::ErrorKind::NotADirectory) => continue,
            Err(source) => return Err(WriteError::Io { path: dir, source }),
        };
        for entry in entries {
            let entry = entry.map_err(|source| WriteError::Io { path: dir.clone(), source })?;
            let name = entry.file_name();
            let Some(name) = name.to_str() else { continue };
            if is_temporary_for(name, &names) && entry.file_type().is_ok_and(|kind| kind.is_file()) {
                found.push(if folder.is_empty() { name.to_owned() } else { format!("{folder}/{name}") });
            }
        }
    }
    found.sort();
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_dot_name_dot_six_alphanumerics_of_a_known_name_is_temporary() {
        let names = BTreeSet::from(["all.json", "rust.rss.xml"]);
        assert!(is_temporary_for(".all.json.Jx9cls", &names));
        assert!(is_temporary_for(".rust.rss.xml.000000", &names));
        for other in [
            ".all.json.Jx9cl",
            ".all.json.Jx9cl-",
            ".other.json.Jx9cls",
            "all.json.Jx9cls",
            ".all.json",
            ".all.json.Jx9clsX",
        ] {
            assert!(!is_temporary_for(other, &names), "{other}");
        }
    }

    #[test]
    fn leftovers_are_found_beside_known_files_only() {
        let dir = tempfile::tempdir().unwrap();
        for file in
            ["topics/.go.json.abc123", "topics/.go.json.seven77", ".all.json.XYZ789", "providers/.go.json.abc123"]
        {
            let path = dir.path().join(file);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(path, "x").unwrap();
        }
        let found = find(dir.path(), ["topics/go.json", "all.json", "missing/x.json"]).unwrap();
        assert_eq!(found, [".all.json.XYZ789", "topics/.go.json.abc123"]);
    }
}
