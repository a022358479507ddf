//! The build cache's file: what it holds, and how it is read and written.
//!
//! The file starts with a line naming the format and feedgen's version,
//! then the length and a 128-bit hash of the rest: a cache written by
//! another version, cut short or damaged is recognised and ignored, never
//! trusted. It is replaced whole, by renaming a complete temporary file
//! over it, so two builds sharing a cache each leave a whole file (the
//! last one's).

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use xxhash_rust::xxh3::xxh3_128;

use super::records::{Entry, Meta};

/// The first line of a cache file: the format, and the version of feedgen
/// that wrote it (a new version may gather or render differently).
fn header() -> String {
    format!("feedgen build cache 1, feedgen {}\n", env!("CARGO_PKG_VERSION"))
}

/// What a cache file holds.
#[derive(Debug, Default, Serialize, Deserialize)]
pub(super) struct Stored {
    /// When it was saved, in nanoseconds since the Unix epoch.
    pub(super) saved_at: i128,
    /// Whether unpublished records were read (and so kept) as records.
    pub(super) include_unpublished: bool,
    /// Every record file the last build read, by path.
    pub(super) records: Vec<(PathBuf, Entry)>,
    /// What the last build that wrote the output folder left there.
    pub(super) output: Option<Output>,
}

/// What a build left in the output folder: enough to tell, without
/// reading them, that a feed's files are still what it wrote.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(super) struct Output {
    /// The hash of the settings the files were rendered with.
    pub(super) settings: u128,
    /// Each feed's fingerprint (what its documents were made from) and
    /// how many items the size budget left out of it, by the feed's stem.
    pub(super) feeds: Vec<(String, u128, usize)>,
    /// The metadata of every file the build left, the manifest included,
    /// by path in the folder.
    pub(super) files: Vec<(String, Meta)>,
}

/// Why a cache file was not used.
#[derive(Debug)]
pub(super) enum Unusable {
    /// There is none yet.
    Missing,
    /// It could not be read, or is not a whole cache of this version.
    Broken(String),
}

/// Read the cache file at `path`.
pub(super) fn read(path: &Path) -> Result<Stored, Unusable> {
    let bytes = match fs::read(path) {
        Ok(bytes) => bytes,
        Err(error) if error.kind() == io::ErrorKind::NotFound => return Err(Unusable::Missing),
        Err(error) => return Err(Unusable::Broken(format!("cannot read it: {error}"))),
    };
    let header = header();
    let Some(rest) = bytes.strip_prefix(header.as_bytes()) else {
        let written = bytes.split(|&byte| byte == b'\n').next().unwrap_or_default();
        return Err(Unusable::Broken(match written.strip_prefix(b"feedgen build cache") {
            Some(_) => format!("it was written by another version ({})", String::from_utf8_lossy(written).trim()),
            None => "it is not a feedgen build cache".to_owned(),
        }));
    };
    let truncated = || Unusable::Broken("it is cut short".to_owned());
    let (length, rest) = rest.split_first_chunk::<8>().ok_or_else(truncated)?;
    let (checksum, payload) = rest.split_first_chunk::<16>().ok_or_else(truncated)?;
    if u64::from_le_bytes(*length) != payload.len() as u64 {
        return Err(truncated());
    }
    if u128::from_le_bytes(*checksum) != xxh3_128(payload) {
        return Err(Unusable::Broken("its checksum does not match: it is damaged".to_owned()));
    }
    postcard::from_bytes(payload).map_err(|error| Unusable::Broken(format!("it cannot be decoded: {error}")))
}

/// Write `stored` as the cache file at `path`, atomically, creating its folder.
pub(super) fn write(path: &Path, stored: &Stored) -> io::Result<()> {
    let payload = postcard::to_stdvec(stored).map_err(io::Error::other)?;
    let folder = path.parent().filter(|folder| !folder.as_os_str().is_empty()).unwrap_or(Path::new("."));
    fs::create_dir_all(folder)?;
    let mut file = tempfile::Builder::new().prefix(".feedgen-cache-").tempfile_in(folder)?;
    file.write_all(header().as_bytes())?;
    file.write_all(&(payload.len() as u64).to_le_bytes())?;
    file.write_all(&xxh3_128(&payload).to_le_bytes())?;
    file.write_all(&payload)?;
    file.as_file().sync_data()?;
    file.persist(path).map_err(|error| error.error)?;
    Ok(())
}
