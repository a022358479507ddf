//! What a build produces: files for the output folder, where each lives on
//! disk, and the two names feedgen keeps there for itself.

use std::path::{Path, PathBuf};

/// The manifest's file name, directly in the output folder: the list of
/// files feedgen wrote. The writer keeps it; the loader skips any folder
/// that holds one, so a build never reads another build's output.
pub const MANIFEST_NAME: &str = ".feedgen-manifest";

/// The id guard's file name, beside the manifest: the id each record file
/// published, so that a build can warn when one changes (`crate::ids`).
pub const IDS_NAME: &str = ".feedgen-ids";

/// The file of feed documents a hub has not been told about yet (`build
/// --ping` with a hub that failed), beside the manifest: the next `build
/// --ping` announces them too.
pub(crate) const PINGS_NAME: &str = ".feedgen-pings";

/// One file of the output folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputFile {
    /// Path relative to the output folder, `/`-separated.
    pub path: String,
    /// The file's complete contents.
    pub bytes: Vec<u8>,
}

/// Where a `/`-separated output path lives on this system.
pub fn local_path(output: &Path, relative: &str) -> PathBuf {
    relative.split('/').fold(output.to_owned(), |path, part| path.join(part))
}
