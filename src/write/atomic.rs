//! Replacing a file atomically, and the temporary files that leaves behind
//! when a build is killed.
//!
//! A new file is written to a temporary file in the same folder, synced to
//! disk, renamed over the old one, and the folder is synced: a reader (or a
//! host serving the folder) sees the old file or the new one, never a part.
//! Temporary files are named `.feedgen-XXXXXX.tmp`, a name feedgen
//! reserves, so that the next build can recognise and remove those a killed
//! build left without ever mistaking someone else's file for one.

use std::fs;
use std::io::{self, Write};
use std::path::Path;

use super::WriteError;

const PREFIX: &str = ".feedgen-";
const SUFFIX: &str = ".tmp";
const RANDOM_LEN: usize = 6;

/// Whether a file name is one of feedgen's temporary files.
pub fn is_temporary_name(name: &str) -> bool {
    name.strip_prefix(PREFIX)
        .and_then(|rest| rest.strip_suffix(SUFFIX))
        .is_some_and(|random| random.len() == RANDOM_LEN && random.bytes().all(|byte| byte.is_ascii_alphanumeric()))
}

/// Replace (or create) `path` with `bytes`, atomically and durably. Its
/// folder must exist.
pub fn write(path: &Path, bytes: &[u8]) -> Result<(), WriteError> {
    let folder = path.parent().unwrap_or(Path::new("."));
    let mut builder = tempfile::Builder::new();
    builder.prefix(PREFIX).suffix(SUFFIX).rand_bytes(RANDOM_LEN);
    #[cfg(unix)]
    {
        // What `fs::write` would give (0o666 less the umask), not tempfile's
        // private 0o600: static hosts often read as another user.
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(fs::Permissions::from_mode(0o666));
    }
    let mut temporary = builder.tempfile_in(folder).map_err(WriteError::at("write", folder))?;
    temporary.write_all(bytes).and_then(|()| temporary.as_file().sync_all()).map_err(WriteError::at("write", path))?;
    temporary.persist(path).map_err(|error| WriteError::at("write", path)(error.error))?;
    sync_folder(folder).map_err(WriteError::at("write", folder))
}

/// Make a rename in `folder` durable. Only Unix can open and sync a folder.
fn sync_folder(folder: &Path) -> io::Result<()> {
    if cfg!(unix) { fs::File::open(folder)?.sync_all() } else { Ok(()) }
}

#[cfg(test)]
mod tests {
    use super::*;

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
