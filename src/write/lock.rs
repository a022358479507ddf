//! One build at a time per output folder.
//!
//! Two builds writing one folder at once (`feedgen serve` rebuilding while
//! `feedgen build` runs by hand, two CI steps in one checkout) would
//! interleave: one could prune a file the other had just claimed, or leave
//! a manifest that lists one build's files beside the other's. So a build
//! holds an exclusive lock on the folder while it writes, and a comparison
//! (`build --check`) a shared one, so that it never sees a build half done;
//! whoever comes second waits, unless it is asked to stop meanwhile.
//!
//! The lock is the operating system's advisory lock (`flock`) on the folder
//! itself: nothing is written to hold it, so the folder stays exactly the
//! build's output, and it ends with the process however the process ends.
//! A build that stops before writing its first build removes the folder it
//! created, so a lock is only held once the folder it was taken on is still
//! the one at the path. It is best effort: where a folder cannot be opened
//! as a file (Windows) or the file system has no locks, builds go ahead
//! unlocked, as before.

use std::fs::{File, TryLockError};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use same_file::Handle;

/// How often a build waiting for the lock looks again (and at its stop flag).
const POLL: Duration = Duration::from_millis(50);

/// A lock on an output folder, released when dropped.
#[derive(Debug)]
pub(super) struct FolderLock {
    _held: Option<File>,
}

/// Which lock to take.
#[derive(Debug, Clone, Copy)]
enum Kind {
    Exclusive,
    Shared,
}

/// Wait for, then hold, the only lock on `output`, creating the folder if
/// it is missing; `None` when `stop` is set while waiting.
pub(super) fn exclusive(output: &Path, stop: &AtomicBool) -> std::io::Result<Option<FolderLock>> {
    wait_for(output, Kind::Exclusive, stop)
}

/// Wait for, then hold, a lock on `output` that other readers may share
/// but no build; none when the folder does not exist; `None` when `stop`
/// is set while waiting.
pub(super) fn shared(output: &Path, stop: &AtomicBool) -> std::io::Result<Option<FolderLock>> {
    wait_for(output, Kind::Shared, stop)
}

fn wait_for(output: &Path, kind: Kind, stop: &AtomicBool) -> std::io::Result<Option<FolderLock>> {
    let unlocked = FolderLock { _held: None };
    loop {
        if let Kind::Exclusive = kind {
            std::fs::create_dir_all(output)?;
        }
        let Ok(folder) = File::open(output) else { return Ok(Some(unlocked)) };
        let tried = match kind {
            Kind::Exclusive => folder.try_lock(),
            Kind::Shared => folder.try_lock_shared(),
        };
        match tried {
            Ok(()) if still_at(&folder, output) => return Ok(Some(FolderLock { _held: Some(folder) })),
            // The folder was removed (or replaced) while this build waited:
            // lock the one at the path now.
            Ok(()) => {}
            Err(TryLockError::WouldBlock) if stop.load(Ordering::Relaxed) => return Ok(None),
            Err(TryLockError::WouldBlock) => std::thread::sleep(POLL),
            Err(TryLockError::Error(_)) => return Ok(Some(unlocked)),
        }
    }
}

/// Whether the open `folder` is still the folder at `path`.
fn still_at(folder: &File, path: &Path) -> bool {
    let here = folder.try_clone().and_then(Handle::from_file);
    matches!((here, Handle::from_path(path)), (Ok(here), Ok(there)) if here == there)
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    static NEVER: AtomicBool = AtomicBool::new(false);

    #[test]
    fn an_exclusive_lock_keeps_out_every_other_lock_until_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let held = exclusive(dir.path(), &NEVER).unwrap().unwrap();
        let other = File::open(dir.path()).unwrap();
        assert!(matches!(other.try_lock_shared(), Err(TryLockError::WouldBlock)));
        drop(held);
        assert!(other.try_lock().is_ok());
    }

    #[test]
    fn shared_locks_share_but_keep_a_build_out() {
        let dir = tempfile::tempdir().unwrap();
        let (_first, _second) = (shared(dir.path(), &NEVER).unwrap(), shared(dir.path(), &NEVER).unwrap());
        let build = File::open(dir.path()).unwrap();
        assert!(matches!(build.try_lock(), Err(TryLockError::WouldBlock)));
    }

    #[test]
    fn a_build_waiting_for_the_lock_stops_when_asked() {
        let dir = tempfile::tempdir().unwrap();
        let _held = exclusive(dir.path(), &NEVER).unwrap().unwrap();
        let stop = AtomicBool::new(true);
        assert!(exclusive(dir.path(), &stop).unwrap().is_none());
        assert!(shared(dir.path(), &stop).unwrap().is_none());
    }

    #[test]
    fn a_folder_removed_while_waiting_is_created_again_and_locked() {
        let parent = tempfile::tempdir().unwrap();
        let output = parent.path().join("feeds");
        let held = exclusive(&output, &NEVER).unwrap().unwrap();
        std::thread::scope(|scope| {
            let waiting = scope.spawn(|| exclusive(&output, &NEVER).unwrap().unwrap());
            std::thread::sleep(POLL * 3);
            std::fs::remove_dir(&output).unwrap();
            drop(held);
            let lock = waiting.join().unwrap();
            let other = File::open(&output).unwrap();
            assert!(matches!(other.try_lock_shared(), Err(TryLockError::WouldBlock)), "the lock is not on the folder");
            drop(lock);
        });
    }
}
