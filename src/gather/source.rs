//! What gathering needs from the files, as an interface: the build reads
//! the inputs through the loader, tests offer records from memory.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use super::Place;
use crate::model::Record;

/// Which reading of the records [`RecordSource::read_all`] is asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Reading {
    /// The first: every file, each once (the source may count and check
    /// what it reads here, and fail once it has read everything).
    First,
    /// A second reading, rarely needed (see [`super::gather`]): the records
    /// alone, counted nowhere.
    Again,
}

/// Records, read in any order and from any thread, each at its [`Place`]:
/// a number the source gives every file of its walk, the same on every
/// reading while the files do not change.
pub(crate) trait RecordSource: Sync {
    /// Why reading failed.
    type Error: Send;

    /// Hand every valid record to `offer`, with its place, and return how
    /// many places the walk had, so that two readings can be told apart.
    fn read_all(&self, reading: Reading, offer: &(dyn Fn(Record, Place) + Sync)) -> Result<u32, Self::Error>;

    /// The path of each place in `places`, of a walk that had `walked`
    /// places; an error if the files changed since.
    fn paths_at(&self, places: &BTreeSet<Place>, walked: u32) -> Result<HashMap<Place, PathBuf>, Self::Error>;

    /// The record at `place` (whose path is `path`) read again, or `None`
    /// when it is no longer a valid record.
    fn read_one(&self, place: Place, path: &Path) -> Option<Record>;
}
