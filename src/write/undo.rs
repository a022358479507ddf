//! Undoing a write that stopped (Ctrl-C) or failed (a full disk) before any
//! file was put in place, so that the folder is left as it was.
//!
//! By then the build may have listed its new paths in the manifest (see
//! `claim_new_paths`), created folders for them, and staged temporary
//! files. The temporary files remove themselves when dropped; the rest is
//! put back here: the manifest's bytes and mtime, and the folders the build
//! created and left empty, the output folder itself included.

use std::fs;
use std::io;
use std::path::Path;
use std::time::SystemTime;

use super::{MANIFEST_NAME, Outcome, WriteError, own_file_outcome, prune, put};
use crate::model::local_path;
use crate::progress::Silent;

/// What the folder was like before a build touched it.
#[derive(Debug)]
pub(super) struct Undo {
    /// The manifest's bytes and mtime (`None`: there was none).
    manifest: Option<(Vec<u8>, SystemTime)>,
    /// Whether the output folder existed.
    output_was_there: bool,
}

impl Undo {
    /// Note what `output` is like now; `output_was_there` says whether the
    /// folder existed before the build created it.
    pub(super) fn note(output: &Path, output_was_there: bool) -> Result<Self, WriteError> {
        let path = local_path(output, MANIFEST_NAME);
        let read = fs::read(&path).and_then(|bytes| Ok((bytes, fs::metadata(&path)?.modified()?)));
        let manifest = match read {
            Ok(file) => Some(file),
            Err(error) if error.kind() == io::ErrorKind::NotFound => None,
            Err(source) => return Err(WriteError::Io { doing: "read", path, source }),
        };
        Ok(Undo { manifest, output_was_there })
    }

    /// Put `output` back as it was, after `error` stopped the build before
    /// it put any file in place, having claimed `new_paths`. Returns the
    /// error to report: `error` itself for a stop, `error` saying that
    /// nothing changed for a failure, or what went wrong putting things back.
    pub(super) fn roll_back(self, output: &Path, new_paths: &[String], error: WriteError) -> WriteError {
        match self.restore(output, new_paths) {
            Err(undoing) => undoing,
            Ok(()) if matches!(error, WriteError::Stopped(_)) => error,
            Ok(()) => WriteError::Undone { output: output.to_owned(), source: Box::new(error) },
        }
    }

    fn restore(self, output: &Path, new_paths: &[String]) -> Result<(), WriteError> {
        let path = local_path(output, MANIFEST_NAME);
        match &self.manifest {
            Some((bytes, modified)) => {
                if own_file_outcome(output, MANIFEST_NAME, Some(bytes))? != Outcome::Unchanged {
                    put(output, MANIFEST_NAME, bytes)?;
                    let restored =
                        fs::File::options().write(true).open(&path).and_then(|file| file.set_modified(*modified));
                    restored.map_err(WriteError::at("write", &path))?;
                }
            }
            None => match fs::remove_file(&path) {
                Ok(()) => {}
                Err(error) if error.kind() == io::ErrorKind::NotFound => {}
                Err(source) => return Err(WriteError::Io { doing: "remove", path, source }),
            },
        }
        prune::remove(output, &[], new_paths, &Silent)?;
        if !self.output_was_there {
            let _ = fs::remove_dir(output);
        }
        Ok(())
    }
}
