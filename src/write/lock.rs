//! One build at a time per output folder.
//!
//! Two builds writing one folder at once (`feedgen serve` rebuilding while
//! `feedgen build` runs by hand, two CI steps in one checkout) would
//! interleave: one could prune a file the other had just claimed, or leave
//! a manifest that lists one build's files beside the other's. So a build
//! holds an exclusive lock on the folder while it writes, and a comparison
//! (`build --check`) a shared one, so that it never sees a build half done;
//! whoever comes second waits.
//!
//! The lock is the operating system's advisory lock (`flock`) on the folder
//! itself: nothing is written to hold it, so the folder stays exactly the
//! build's output, and it ends with the process however the process ends.
//! It is best effort: where a folder cannot be opened as a file (Windows) or
//! the file system has no locks, builds go ahead unlocked, as before.

use std::fs::File;
use std::path::Path;

/// A lock on an output folder, released when dropped.
#[derive(Debug)]
pub struct FolderLock {
    _held: Option<File>,
}

/// Wait for, then hold, the only lock on `output` (which must exist).
pub fn exclusive(output: &Path) -> FolderLock {
    FolderLock { _held: File::open(output).ok().filter(|folder| folder.lock().is_ok()) }
}

/// Wait for, then hold, a lock on `output` that other readers may share
/// but no build; none when the folder does not exist.
pub fn shared(output: &Path) -> FolderLock {
    FolderLock { _held: File::open(output).ok().filter(|folder| folder.lock_shared().is_ok()) }
}

#[cfg(all(test, unix))]
mod tests {
    use std::fs::TryLockError;

    use super::*;

    #[test]
    fn an_exclusive_lock_keeps_out_every_other_lock_until_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let held = exclusive(dir.path());
        let other = File::open(dir.path()).unwrap();
        assert!(matches!(other.try_lock_shared(), Err(TryLockError::WouldBlock)));
        drop(held);
        assert!(other.try_lock().is_ok());
    }

    #[test]
    fn shared_locks_share_but_keep_a_build_out() {
        let dir = tempfile::tempdir().unwrap();
        let (_first, _second) = (shared(dir.path()), shared(dir.path()));
        let build = File::open(dir.path()).unwrap();
        assert!(matches!(build.try_lock(), Err(TryLockError::WouldBlock)));
    }
}
