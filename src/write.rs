//! Stage 6: putting rendered files into the output folder.

use std::fs;
use std::path::{Path, PathBuf};

use thiserror::Error;

use crate::render::OutputFile;

/// A file or folder of the output could not be written.
#[derive(Debug, Error)]
#[error("cannot write {}: {source}", .path.display())]
pub struct WriteError {
    /// What could not be written.
    pub path: PathBuf,
    /// Why.
    pub source: std::io::Error,
}

/// Where a `/`-separated output path lives on this system.
pub fn local_path(output: &Path, relative: &str) -> PathBuf {
    relative.split('/').fold(output.to_owned(), |path, part| path.join(part))
}

/// Write every file under `output`, creating folders as needed.
pub fn write_files(output: &Path, files: &[OutputFile]) -> Result<(), WriteError> {
    for file in files {
        let path = local_path(output, &file.path);
        let fail = |source| WriteError { path: path.clone(), source };
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).map_err(fail)?;
        }
        fs::write(&path, &file.bytes).map_err(fail)?;
    }
    Ok(())
}
