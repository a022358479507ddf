//! `feedgen init`: a starter site in a folder, a commented `feedgen.yaml`
//! and one example record, so that `feedgen build` works there at once.
//!
//! It never overwrites: when any file it would write is already there it
//! writes nothing and names them, because a starter is worth less than
//! whatever someone already put at those paths.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use thiserror::Error;

use crate::config::CONFIG_FILE_NAME;
use crate::model::local_path;
use crate::write::create_new;

/// The starter configuration: `base_url` (a placeholder) and `input` set,
/// every other setting shown commented out with its default.
pub(crate) const CONFIG_TEMPLATE: &str = include_str!("init/feedgen.yaml");

/// The `base_url` the starter configuration sets, for the user to change:
/// a build that still uses it warns.
pub const PLACEHOLDER_BASE_URL: &str = "https://example.com/feeds/";

/// The example record, in the folder the starter configuration reads.
pub(crate) const RECORD_TEMPLATE: &str = include_str!("init/hello-feedgen.md");

/// Where the example record goes, `/`-separated, relative to the site folder.
pub(crate) const RECORD_PATH: &str = "articles/hello-feedgen.md";

/// Every file of the starter site: `/`-separated path relative to the site
/// folder, and contents. Written in this order.
const STARTER: [(&str, &str); 2] = [(CONFIG_FILE_NAME, CONFIG_TEMPLATE), (RECORD_PATH, RECORD_TEMPLATE)];

/// Why `init` wrote nothing.
#[derive(Debug, Error)]
pub enum InitError {
    /// Files of the starter are already there.
    #[error("{}", already_there(.0))]
    Exists(Vec<PathBuf>),
    /// A folder or file could not be created.
    #[error("cannot create {}: {source}", .path.display())]
    Create {
        /// The folder or file.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
}

fn already_there(paths: &[PathBuf]) -> String {
    let names: Vec<String> = paths.iter().map(|path| path.display().to_string()).collect();
    let (what, them) = match names.as_slice() {
        [one] => (format!("{one} already exists"), "it"),
        many => (format!("{} already exist", many.join(" and ")), "them"),
    };
    format!("{what}; feedgen init never overwrites, so it wrote nothing: move {them} away, or init another folder")
}

/// Write the starter site into `dir` (created if missing) and return the
/// paths written, `dir` joined with each file's name.
///
/// When any of those paths exists (as a file, a folder or a link), nothing
/// is written. Each file appears complete or not at all, and only where
/// nothing is: one created meanwhile (a race) is never replaced, and
/// makes `init` remove the files it had already written.
pub fn init(dir: &Path) -> Result<Vec<PathBuf>, InitError> {
    let paths: Vec<PathBuf> = STARTER.iter().map(|(name, _)| local_path(dir, name)).collect();
    let existing: Vec<PathBuf> = paths.iter().filter(|path| path.symlink_metadata().is_ok()).cloned().collect();
    if !existing.is_empty() {
        return Err(InitError::Exists(existing));
    }
    let mut written = Vec::new();
    for (path, (_, text)) in paths.into_iter().zip(STARTER) {
        if let Err(error) = create(&path, text) {
            // Best effort: leave the folder as it was, not half a starter.
            for path in &written {
                let _ = fs::remove_file(path);
            }
            return Err(error);
        }
        written.push(path);
    }
    Ok(written)
}

/// Create `path`, and the folders on its way, holding `text`.
fn create(path: &Path, text: &str) -> Result<(), InitError> {
    let folder = path.parent().unwrap_or(Path::new(""));
    fs::create_dir_all(folder).map_err(|source| InitError::Create { path: folder.to_owned(), source })?;
    create_new(path, text.as_bytes()).map_err(|source| match source.kind() {
        io::ErrorKind::AlreadyExists => InitError::Exists(vec![path.to_owned()]),
        _ => InitError::Create { path: path.to_owned(), source },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_starter_configuration_sets_the_placeholder_base_url() {
        assert!(CONFIG_TEMPLATE.lines().any(|line| line == format!("base_url: {PLACEHOLDER_BASE_URL}")));
    }

    #[test]
    fn writes_the_templates_into_a_new_folder() {
        let dir = tempfile::tempdir().unwrap();
        let site = dir.path().join("a/site");
        let written = init(&site).unwrap();
        assert_eq!(written, [site.join("feedgen.yaml"), site.join("articles/hello-feedgen.md")]);
        assert_eq!(fs::read_to_string(&written[0]).unwrap(), CONFIG_TEMPLATE);
        assert_eq!(fs::read_to_string(&written[1]).unwrap(), RECORD_TEMPLATE);
    }

    #[cfg(unix)]
    #[test]
    fn a_dangling_link_counts_as_there_and_every_file_there_is_named() {
        let dir = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink(dir.path().join("nowhere"), dir.path().join("feedgen.yaml")).unwrap();
        fs::create_dir(dir.path().join("articles")).unwrap();
        fs::write(dir.path().join(RECORD_PATH), "mine").unwrap();
        let error = init(dir.path()).unwrap_err();
        let expected = [dir.path().join("feedgen.yaml"), dir.path().join(RECORD_PATH)];
        assert!(matches!(&error, InitError::Exists(paths) if paths == &expected), "{error}");
        assert!(!dir.path().join("nowhere").exists());
        assert_eq!(fs::read_to_string(dir.path().join(RECORD_PATH)).unwrap(), "mine");
    }

    #[test]
    fn a_file_that_cannot_be_created_leaves_none_written() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("articles"), "a file where the folder goes").unwrap();
        let error = init(dir.path()).unwrap_err();
        assert!(matches!(&error, InitError::Create { path, .. } if path == &dir.path().join("articles")), "{error}");
        assert!(!dir.path().join("feedgen.yaml").exists(), "the configuration written first was not removed");
    }
}
