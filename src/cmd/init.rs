//! `feedgen init [DIR]`: write a starter site and say what to do next.

use std::path::{Component, Path, PathBuf};

use clap::Args;
use feedgen::CONFIG_FILE_NAME;

use super::Failure;

/// Options of `feedgen init`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  feedgen init my-feeds && cd my-feeds && feedgen build\n  \
                        feedgen init    # in the current folder")]
pub(crate) struct InitArgs {
    /// Folder to start the site in; created if missing.
    #[arg(value_name = "DIR", default_value = ".")]
    dir: PathBuf,
}

/// Whether `dir` is the working directory (`.`, or nothing at all).
fn is_working_directory(dir: &Path) -> bool {
    dir.components().all(|component| component == Component::CurDir)
}

/// `text` as one word for a POSIX shell: as it is when that is safe,
/// otherwise single-quoted.
fn shell_word(text: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "/._-+,:@%".contains(c);
    if !text.is_empty() && text.chars().all(plain) {
        text.to_owned()
    } else {
        format!("'{}'", text.replace('\'', r"'\''"))
    }
}

/// The commands to run next, for the site in `dir`.
fn next_step(dir: &Path) -> String {
    let build = "feedgen build";
    let run = if is_working_directory(dir) {
        build.to_owned()
    } else {
        format!("cd {} && {build}", shell_word(&dir.to_string_lossy()))
    };
    format!("next: {run} (and set base_url in {CONFIG_FILE_NAME} to where the feeds will be hosted)")
}

/// Run `feedgen init`. Files already there are a usage error (exit 2; see
/// `Failure`'s `From<InitError>`).
pub(crate) fn run(args: InitArgs) -> Result<(), Failure> {
    let written = feedgen::init(&args.dir)?;
    for path in &written {
        eprintln!("created {}", path.display());
    }
    eprintln!("{}", next_step(&args.dir));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_next_step_changes_into_the_folder_unless_it_is_the_working_directory() {
        assert!(next_step(Path::new(".")).starts_with("next: feedgen build ("));
        assert!(next_step(Path::new("")).starts_with("next: feedgen build ("));
        assert!(next_step(Path::new("sites/news")).starts_with("next: cd sites/news && feedgen build ("));
    }

    #[test]
    fn a_folder_name_the_shell_would_split_is_quoted() {
        assert_eq!(shell_word("my feeds"), "'my feeds'");
        assert_eq!(shell_word("it's"), r"'it'\''s'");
        assert_eq!(shell_word("$HOME"), "'$HOME'");
        assert_eq!(shell_word("~/feeds"), "'~/feeds'");
    }
}
