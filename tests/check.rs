//! `feedgen check`: exit codes, diagnostics with the source line and a
//! caret, warnings and `--strict`, colour only on a terminal.

mod common;

use std::io::Read;
use std::os::fd::{FromRawFd, OwnedFd};
use std::path::Path;
use std::process::{Command, Output, Stdio};

use common::records_dir;

const GOOD: &str =
    "---\ntitle: Good\npublishedDateTime: 2025-01-01T00:00:00Z\noriginalUrl: https://ok.test/good\n---\n";

/// 2026-01-01T00:00:00Z, the "now" of these tests.
const NOW: &str = "1767225600";

fn command(dir: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_feedgen"));
    command
        .current_dir(dir)
        .arg("check")
        .args(["--input", "records"])
        .args(args)
        .env("SOURCE_DATE_EPOCH", NOW)
        .env_remove("NO_COLOR")
        .env_remove("FEEDGEN_BASE_URL");
    command
}

fn check(dir: &Path, args: &[&str]) -> Output {
    command(dir, args).output().unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// A folder with `records/NAME` for each of `records`.
fn site(records: &[(&str, &str)]) -> tempfile::TempDir {
    let files: Vec<(String, &str)> = records.iter().map(|(name, text)| (format!("records/{name}"), *text)).collect();
    let refs: Vec<(&str, &str)> = files.iter().map(|(name, text)| (name.as_str(), *text)).collect();
    records_dir(&refs)
}

/// Records that are valid but draw one warning each: an unknown key, a
/// date after [`NOW`], and a link another record has.
fn warned_site() -> tempfile::TempDir {
    site(&[
        ("good.md", GOOD),
        (
            "typo.md",
            "---\ntitle: Typo\npublishedDatetime: 2025-01-01\npublishedDateTime: 2025-01-02\nwebUrl: https://ok.test/typo\n---\n",
        ),
        ("later.md", "---\ntitle: Later\npublishedDateTime: 2027-06-01\noriginalUrl: https://ok.test/later\n---\n"),
        ("again.md", "---\ntitle: Again\npublishedDateTime: 2024-01-01\noriginalUrl: https://ok.test/good\n---\n"),
    ])
}

#[test]
fn clean_records_exit_0_with_a_summary() {
    let dir = site(&[("good.md", GOOD), ("notes.txt", "no front matter")]);
    let output = check(dir.path(), &["--strict"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let message = stderr(&output);
    assert!(message.contains("note: records/notes.txt: no front matter; skipped"), "{message}");
    let summary = message.lines().last().unwrap();
    assert!(
        summary.starts_with("feedgen: checked 1 record: 1 valid, 0 unpublished, 0 invalid; 0 warnings; "),
        "{message}"
    );
    assert!(output.stdout.is_empty());
}

#[test]
fn invalid_records_exit_1_each_with_its_line_a_caret_and_a_hint() {
    let bad_date = "---\ntitle: T\npublishedDateTime: next tuesday # soon\noriginalUrl: https://ok.test/1\n---\n";
    let bad_type =
        "---\ntitle: T\npublishedDateTime: 2025-01-01\noriginalUrl: https://ok.test/2\nquality: \"high\"\n---\n";
    let dir = site(&[("a.md", bad_date), ("b.md", bad_type), ("good.md", GOOD)]);
    let output = check(dir.path(), &[]);
    assert_eq!(output.status.code(), Some(1));
    let expected = "\
error: records/a.md:3:20: publishedDateTime: not a date: \"next tuesday\"
  |
3 | publishedDateTime: next tuesday # soon
  |                    ^^^^^^^^^^^^
  |
  = help: expected an RFC 3339 date such as 2020-11-12T20:30:00Z, `2020-11-12 20:30:00 +0100` or 2020-11-12, in the years 1900 to 9999
error: records/b.md:5:10: invalid front matter: quality: invalid type: string, expected i64
  |
5 | quality: \"high\"
  |          ^^^^^^
  |
  = help: write a whole number, without quotes
";
    let message = stderr(&output);
    assert!(message.starts_with(expected), "{message}");
    assert!(message.contains("checked 3 records: 1 valid, 0 unpublished, 2 invalid; 0 warnings"), "{message}");
    assert!(message.ends_with("error: 2 problems in the records\n"), "{message}");
}

#[test]
fn a_misspelt_required_key_is_pointed_at_with_the_key_it_was_meant_to_be() {
    let typo = "---\ntitle: T\npublishedDatetime: 2025-01-01\noriginalUrl: https://ok.test/1\n---\n";
    let dir = site(&[("typo.md", typo)]);
    let output = check(dir.path(), &[]);
    assert_eq!(output.status.code(), Some(1));
    let expected = "\
error: records/typo.md:3:1: publishedDateTime: missing
  |
3 | publishedDatetime: 2025-01-01
  | ^^^^^^^^^^^^^^^^^
  |
  = help: did you mean `publishedDateTime`?
";
    let message = stderr(&output);
    assert!(message.starts_with(expected), "{message}");
    assert!(!message.contains("warning: "), "an invalid record draws no unknown-key warning too: {message}");
}

#[test]
fn a_tab_in_the_indentation_says_to_indent_with_spaces() {
    let tabbed =
        "---\ntitle: T\npublishedDateTime: 2025-01-01\noriginalUrl: https://ok.test/1\nprovider:\n\tname: N\n---\n";
    let backtick = "---\ntitle: T\npublishedDateTime: 2025-01-01\noriginalUrl: https://ok.test/2\ncategory: `x\n---\n";
    let dir = site(&[("tab.md", tabbed), ("tick.md", backtick)]);
    let output = check(dir.path(), &[]);
    assert_eq!(output.status.code(), Some(1));
    let expected = "\
error: records/tab.md:6:1: invalid front matter: found character that cannot start any token, while scanning for the next token
  |
6 |  name: N
  | ^
  |
  = help: indent with spaces, not tabs
error: records/tick.md:5:11: invalid front matter: found character that cannot start any token, while scanning for the next token
  |
5 | category: `x
  |           ^^
  |
  = help: quote a value that starts with @, ` or a tab
";
    let message = stderr(&output);
    assert!(message.starts_with(expected), "{message}");
}

#[test]
fn warnings_are_listed_but_pass_without_strict() {
    let dir = warned_site();
    let output = check(dir.path(), &[]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let message = stderr(&output);
    let headlines: Vec<&str> = message.lines().filter(|line| line.starts_with("warning: ")).collect();
    assert_eq!(
        headlines,
        [
            "warning: records/later.md:3:20: publishedDateTime: 2027-06-01T00:00:00Z is in the future \
             (now is 2026-01-01T00:00:00Z); a build leaves the record out until then",
            "warning: records/typo.md:3:1: publishedDatetime: unknown key, ignored",
            "warning: records/again.md:4:14: same link as records/good.md (https://ok.test/good); \
             a build keeps only records/good.md, the record updated last",
        ],
        "{message}"
    );
    assert!(message.contains("3 | publishedDatetime: …\n  | ^^^^^^^^^^^^^^^^^\n"), "{message}");
    assert!(message.contains("= help: did you mean `publishedDateTime`?"), "{message}");
    assert!(message.contains("= help: pass --future"), "{message}");
    assert!(message.contains("checked 4 records: 4 valid, 0 unpublished, 0 invalid; 3 warnings"), "{message}");
}

#[test]
fn strict_fails_on_warnings() {
    let dir = warned_site();
    let output = check(dir.path(), &["--strict"]);
    assert_eq!(output.status.code(), Some(1));
    let message = stderr(&output);
    assert_eq!(message.lines().filter(|line| line.starts_with("warning: ")).count(), 3, "{message}");
    assert!(message.ends_with("error: 3 warnings, and --strict fails the check on warnings\n"), "{message}");
}

#[test]
fn an_image_left_out_is_a_warning_of_build_and_check_and_fails_check_strict() {
    let record = "---\ntitle: T\npublishedDateTime: 2025-01-01\noriginalUrl: https://ok.test/1\nimages:\n  - url: /img/x.png\n---\n";
    let dir = site(&[("a.md", record)]);
    let warning = "\
warning: records/a.md:6:10: images[0].url: not an absolute http(s) URL: \"/img/x.png\"; image left out
  |
6 |   - url: /img/x.png
  |          ^^^^^^^^^^
  |
  = help: write a full link such as https://example.com/images/photo.jpg, or remove the image
";
    let build = common::run_feedgen(
        dir.path(),
        &["build", "--input", "records", "--base-url", "https://ok.test/feeds/"],
        &[("SOURCE_DATE_EPOCH", NOW)],
    );
    assert_eq!(build.status.code(), Some(0), "{}", stderr(&build));
    let message = stderr(&build);
    assert!(message.starts_with(warning), "{message}");
    assert!(message.lines().last().unwrap().starts_with("feedgen: read 1 record "), "{message}");
    let firehose = std::fs::read_to_string(dir.path().join("feeds/all.rss.xml")).unwrap();
    assert!(firehose.contains("https://ok.test/1") && !firehose.contains("x.png"), "{firehose}");

    let quiet = common::run_feedgen(
        dir.path(),
        &["build", "-q", "--input", "records", "--base-url", "https://ok.test/feeds/"],
        &[("SOURCE_DATE_EPOCH", NOW)],
    );
    assert_eq!((quiet.status.code(), stderr(&quiet)), (Some(0), String::new()));

    let output = check(dir.path(), &[]);
    assert_eq!(output.status.code(), Some(0));
    assert!(stderr(&output).starts_with(warning), "{}", stderr(&output));
    assert!(stderr(&output).contains("; 1 warning; "), "{}", stderr(&output));
    let strict = check(dir.path(), &["--strict"]);
    assert_eq!(strict.status.code(), Some(1));
    assert!(stderr(&strict).starts_with(warning), "{}", stderr(&strict));
    assert!(stderr(&strict).ends_with("error: 1 warning, and --strict fails the check on warnings\n"));
    let quiet = check(dir.path(), &["-q"]);
    assert_eq!((quiet.status.code(), stderr(&quiet)), (Some(0), String::new()));
}

#[test]
fn future_records_are_no_warning_with_future() {
    let dir =
        site(&[("later.md", "---\ntitle: L\npublishedDateTime: 2027-06-01\noriginalUrl: https://ok.test/l\n---\n")]);
    assert_eq!(check(dir.path(), &["--strict"]).status.code(), Some(1));
    let output = check(dir.path(), &["--strict", "--future"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let configured =
        site(&[("later.md", "---\ntitle: L\npublishedDateTime: 2027-06-01\noriginalUrl: https://ok.test/l\n---\n")]);
    std::fs::write(configured.path().join("feedgen.yaml"), "input: records\nfuture: true\n").unwrap();
    let output = check(configured.path(), &["--strict"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
}

#[test]
fn a_future_duplicate_is_no_duplicate_since_a_build_leaves_it_out() {
    let later_copy = "---\ntitle: Copy\npublishedDateTime: 2027-06-01\noriginalUrl: https://ok.test/good\n---\n";
    let dir = site(&[("good.md", GOOD), ("copy.md", later_copy)]);
    let message = stderr(&check(dir.path(), &[]));
    assert!(!message.contains("same link"), "{message}");
    let message = stderr(&check(dir.path(), &["--future"]));
    assert!(message.contains("warning: records/good.md:4:14: same link as records/copy.md"), "{message}");
}

#[test]
fn quiet_prints_errors_only_and_looks_for_no_warnings_without_strict() {
    let dir = warned_site();
    let output = check(dir.path(), &["-q"]);
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(stderr(&output), "");
    let output = check(dir.path(), &["-q", "--strict"]);
    assert_eq!(output.status.code(), Some(1));
    let message = stderr(&output);
    assert_eq!(message.lines().filter(|line| line.starts_with("warning: ")).count(), 3, "{message}");
    assert!(!message.contains("feedgen: checked"), "{message}");
}

#[test]
fn a_missing_input_folder_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let output = check(dir.path(), &[]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("input folder records does not exist"), "{}", stderr(&output));
}

#[test]
fn output_that_is_not_a_terminal_has_no_colour() {
    let dir = site(&[("a.md", "---\ntitle: T\npublishedDateTime: soon\noriginalUrl: https://ok.test/1\n---\n")]);
    let message = stderr(&check(dir.path(), &[]));
    assert!(message.contains("^^^^") && !message.contains('\u{1b}'), "{message:?}");
}

/// What `command` writes to stderr when stderr is a terminal (a
/// pseudo-terminal this test holds the other end of).
fn stderr_on_a_terminal(mut command: Command) -> String {
    let (mut leader, mut follower) = (0, 0);
    // SAFETY: openpty writes two descriptors into the integers it is given;
    // the null pointers ask for no name, settings or size.
    let opened =
        unsafe { libc::openpty(&mut leader, &mut follower, std::ptr::null_mut(), std::ptr::null(), std::ptr::null()) };
    assert_eq!(opened, 0, "openpty failed");
    // SAFETY: both descriptors were just opened and are owned only here.
    let (leader, follower) = unsafe { (OwnedFd::from_raw_fd(leader), OwnedFd::from_raw_fd(follower)) };
    let mut child = command.stdout(Stdio::null()).stderr(Stdio::from(follower)).spawn().unwrap();
    child.wait().unwrap();
    drop(command);
    let mut shown = Vec::new();
    let mut terminal = std::fs::File::from(leader);
    // Reading the leader ends with an error (EIO) once every follower is closed.
    let _ = terminal.read_to_end(&mut shown);
    String::from_utf8_lossy(&shown).into_owned()
}

#[test]
fn colour_on_a_terminal_unless_no_color_is_set() {
    let dir = site(&[("a.md", "---\ntitle: T\npublishedDateTime: soon\noriginalUrl: https://ok.test/1\n---\n")]);
    let coloured = stderr_on_a_terminal(command(dir.path(), &[]));
    assert!(coloured.contains("publishedDateTime: soon") && coloured.contains('\u{1b}'), "{coloured:?}");
    let mut plain = command(dir.path(), &[]);
    plain.env("NO_COLOR", "1");
    let plain = stderr_on_a_terminal(plain);
    assert!(plain.contains("publishedDateTime: soon") && !plain.contains('\u{1b}'), "{plain:?}");
}
