//! The manifest: the list of files feedgen wrote into the output folder.
//!
//! It is how feedgen tells its own files from everyone else's: only files it
//! lists are ever rewritten or removed, so a `CNAME` or a hand-made
//! `robots.txt` beside the feeds is never touched. It is a hidden file, so
//! static hosts that skip dotfiles (GitHub Pages, `upload-pages-artifact`)
//! do not publish it.

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;

use super::WriteError;

use crate::model::MANIFEST_NAME;

const HEADER: &str = "# Files feedgen wrote into this folder, one per line. feedgen rewrites or\n\
                      # removes only these; every other file here is left alone.\n";

/// The manifest's bytes for a build producing `paths`: sorted, one per line.
pub(super) fn render<'a>(paths: impl IntoIterator<Item = &'a str>) -> Vec<u8> {
    let sorted: BTreeSet<&str> = paths.into_iter().collect();
    let mut text = String::from(HEADER);
    for path in sorted {
        text.push_str(path);
        text.push('\n');
    }
    text.into_bytes()
}

/// The paths listed in the manifest of `output`; none when it has no manifest.
///
/// The manifest decides what gets removed, so every line must be a plain
/// relative path that stays inside the folder; anything else is refused.
pub(super) fn read(output: &Path) -> Result<BTreeSet<String>, WriteError> {
    let path = output.join(MANIFEST_NAME);
    let text = match fs::read(&path) {
        Ok(bytes) => bytes,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(BTreeSet::new()),
        Err(source) => return Err(WriteError::Io { doing: "read", path, source }),
    };
    let Ok(text) = String::from_utf8(text) else {
        return Err(WriteError::BadManifest { path, line: 1, message: "not UTF-8 text".into() });
    };
    let mut listed = BTreeSet::new();
    for (index, line) in text.lines().enumerate() {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Err(message) = check_entry(line) {
            return Err(WriteError::BadManifest { path, line: index + 1, message });
        }
        listed.insert(line.to_owned());
    }
    Ok(listed)
}

/// An entry is `/`-separated names, none empty or hidden (which also rules
/// out `.` and `..`), with no backslash or NUL and no absolute start.
fn check_entry(entry: &str) -> Result<(), String> {
    let plain = |part: &str| !part.is_empty() && !part.starts_with('.') && !part.contains(['\\', '\0', ':']);
    if entry.split('/').all(plain) { Ok(()) } else { Err(format!("{entry:?} is not a path inside the output folder")) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manifest_with(lines: &str) -> Result<BTreeSet<String>, WriteError> {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join(MANIFEST_NAME), lines).unwrap();
        read(dir.path())
    }

    #[test]
    fn rendered_manifest_reads_back_as_the_same_paths() {
        let paths = ["topics/b.json", "all.rss.xml", "providers/a.test.atom.xml"];
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join(MANIFEST_NAME), render(paths)).unwrap();
        let read_back: Vec<String> = read(dir.path()).unwrap().into_iter().collect();
        assert_eq!(read_back, ["all.rss.xml", "providers/a.test.atom.xml", "topics/b.json"]);
    }

    #[test]
    fn missing_manifest_lists_nothing() {
        assert!(read(tempfile::tempdir().unwrap().path()).unwrap().is_empty());
    }

    #[test]
    fn entries_that_could_leave_the_folder_are_refused_with_their_line() {
        for (entry, line) in
            [("../CNAME", 3), ("/etc/passwd", 3), ("topics//x", 3), (".git/config", 3), ("a\\..\\b", 3), ("C:x", 3)]
        {
            let error = manifest_with(&format!("# header\nall.json\n{entry}\n")).unwrap_err();
            match error {
                WriteError::BadManifest { line: found, .. } => assert_eq!(found, line, "{entry}"),
                other => panic!("{entry}: {other}"),
            }
        }
    }
}
