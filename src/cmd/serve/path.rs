//! From a request's path to a file in the output folder, refusing anything
//! that could name a file outside it.
//!
//! Two layers, so that neither has to be perfect alone: the path is checked
//! as text first (no `..`, no backslash, no NUL, no hidden name), and the
//! file it names is then followed through any links and must still lie
//! inside the output folder.

use std::fs;
use std::path::{Path, PathBuf};

use percent_encoding::percent_decode_str;

/// The file a request path ending in `/` stands for.
const INDEX: &str = "index.html";

/// Why a request path names no file to serve.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Refusal {
    /// The path is malformed or tries to climb out of the folder (400).
    BadRequest,
    /// Nothing servable is there (404): missing, a folder, hidden, or
    /// outside the folder once links are followed.
    NotFound,
}

/// The `/`-separated path, relative to the output folder, that the raw
/// (still percent-encoded) request path `raw` names: `/` is `index.html`
/// and `/dir/` is `dir/index.html`.
///
/// Refused with [`Refusal::BadRequest`]: a path that does not start with
/// `/`, is not UTF-8 once decoded, or holds a backslash, a NUL, or a `.` or
/// `..` segment (encoded or not: `%2e%2e` is `..`, and `%2f` is a `/` like
/// any other). Refused with [`Refusal::NotFound`]: an empty segment (`//`)
/// and a hidden one (`.feedgen-manifest`, feedgen's temporary files).
pub(super) fn relative_path(raw: &str) -> Result<String, Refusal> {
    let rest = raw.strip_prefix('/').ok_or(Refusal::BadRequest)?;
    let decoded = percent_decode_str(rest).decode_utf8().map_err(|_| Refusal::BadRequest)?;
    if decoded.contains(['\\', '\0']) {
        return Err(Refusal::BadRequest);
    }
    let mut segments: Vec<&str> = decoded.split('/').collect();
    if segments.iter().any(|segment| matches!(*segment, "." | "..")) {
        return Err(Refusal::BadRequest);
    }
    if segments.last() == Some(&"") {
        segments.pop();
        segments.push(INDEX);
    }
    if segments.iter().any(|segment| segment.is_empty() || segment.starts_with('.')) {
        return Err(Refusal::NotFound);
    }
    Ok(segments.join("/"))
}

/// The file under `root` (the output folder, canonical) that `raw` names,
/// as a canonical path: links are followed, and the file must be a regular
/// file inside `root`, under no hidden name.
pub(super) fn locate(root: &Path, raw: &str) -> Result<PathBuf, Refusal> {
    let relative = relative_path(raw)?;
    let candidate = relative.split('/').fold(root.to_owned(), |path, segment| path.join(segment));
    let file = fs::canonicalize(candidate).map_err(|_| Refusal::NotFound)?;
    let inside = file.strip_prefix(root).map_err(|_| Refusal::NotFound)?;
    let hidden = inside.iter().any(|part| part.to_string_lossy().starts_with('.'));
    if hidden || !file.is_file() {
        return Err(Refusal::NotFound);
    }
    Ok(file)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folders_stand_for_their_index() {
        assert_eq!(relative_path("/"), Ok("index.html".to_owned()));
        assert_eq!(relative_path("/topics/"), Ok("topics/index.html".to_owned()));
        assert_eq!(relative_path("/topics/rust.json"), Ok("topics/rust.json".to_owned()));
    }

    #[test]
    fn percent_escapes_are_decoded() {
        assert_eq!(relative_path("/topics/ren%20gong.json"), Ok("topics/ren gong.json".to_owned()));
        assert_eq!(relative_path("/topics%2Frust.json"), Ok("topics/rust.json".to_owned()));
        assert_eq!(relative_path("/%E4%BA%BA.json"), Ok("人.json".to_owned()));
        assert_eq!(relative_path("/%252e%252e/x"), Ok("%2e%2e/x".to_owned()), "decoded once only");
    }

    #[test]
    fn climbing_and_malformed_paths_are_bad_requests() {
        for raw in [
            "/../Cargo.toml",
            "/topics/../../secret",
            "/%2e%2e/secret",
            "/%2E%2E%2Fsecret",
            "/..%2fsecret",
            "/./all.json",
            "/topics/.",
            "/..\\secret",
            "/%5c..%5csecret",
            "/all.json%00.html",
            "/%ff.json",
            "all.json",
            "*",
            "",
        ] {
            assert_eq!(relative_path(raw), Err(Refusal::BadRequest), "{raw}");
        }
    }

    #[test]
    fn hidden_names_and_empty_segments_are_not_found() {
        for raw in ["/.feedgen-manifest", "/topics/.feedgen-abc123.tmp", "/%2efeedgen-manifest", "//all.json"] {
            assert_eq!(relative_path(raw), Err(Refusal::NotFound), "{raw}");
        }
    }

    #[test]
    fn located_files_are_regular_files_inside_the_root() {
        let outer = tempfile::tempdir().unwrap();
        let root = outer.path().join("feeds");
        fs::create_dir_all(root.join("topics")).unwrap();
        fs::write(root.join("all.json"), "{}").unwrap();
        fs::write(outer.path().join("secret.txt"), "secret").unwrap();
        let root = fs::canonicalize(root).unwrap();
        assert_eq!(locate(&root, "/all.json"), Ok(root.join("all.json")));
        assert_eq!(locate(&root, "/missing.json"), Err(Refusal::NotFound));
        assert_eq!(locate(&root, "/topics"), Err(Refusal::NotFound), "a folder");
        assert_eq!(locate(&root, "/topics/"), Err(Refusal::NotFound), "a folder without an index");
        assert_eq!(locate(&root, "/all.json/x"), Err(Refusal::NotFound), "a file used as a folder");
    }

    #[cfg(unix)]
    #[test]
    fn links_out_of_the_root_or_to_hidden_files_are_not_found() {
        let outer = tempfile::tempdir().unwrap();
        let root = outer.path().join("feeds");
        fs::create_dir_all(&root).unwrap();
        fs::write(outer.path().join("secret.txt"), "secret").unwrap();
        fs::write(root.join(".feedgen-manifest"), "all.json\n").unwrap();
        fs::write(root.join("all.json"), "{}").unwrap();
        std::os::unix::fs::symlink(outer.path().join("secret.txt"), root.join("leak.txt")).unwrap();
        std::os::unix::fs::symlink(root.join(".feedgen-manifest"), root.join("manifest.txt")).unwrap();
        std::os::unix::fs::symlink(root.join("all.json"), root.join("latest.json")).unwrap();
        let root = fs::canonicalize(root).unwrap();
        assert_eq!(locate(&root, "/leak.txt"), Err(Refusal::NotFound));
        assert_eq!(locate(&root, "/manifest.txt"), Err(Refusal::NotFound));
        assert_eq!(locate(&root, "/latest.json"), Ok(root.join("all.json")), "a link inside the folder is fine");
    }
}
