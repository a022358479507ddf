//! Nothing published is lost by a misconfigured build: an empty or wrong
//! input, a build that would remove most feeds, an output folder that is
//! the input. Each case is run through the binary and checked on its exit
//! code, its message, and the output folder afterwards (every file's bytes
//! and mtime as they were, no temporary file left).

mod common;

use std::fs;
use std::path::Path;

use common::*;

const CONFIG: &str = "title: Safe Site\nbase_url: https://safe.test/feeds/\ninput: records\n";

/// A record in `topic`, from provider `domain`.
fn record(name: &str, topic: &str, domain: &str) -> String {
    format!(
        "---\ntitle: {name}\npublishedDateTime: 2025-05-01T10:00:00Z\noriginalUrl: https://{domain}/{name}\n\
         topics: [{topic}]\nprovider: {{name: {domain}, domain: {domain}}}\n---\n"
    )
}

/// A site whose earlier build published four feeds (all, two topics, one
/// provider) from two records.
fn published_site() -> tempfile::TempDir {
    let site = records_dir(&[
        ("feedgen.yaml", CONFIG),
        ("records/a.md", &record("a", "Rust", "one.test")),
        ("records/b.md", &record("b", "Go", "one.test")),
    ]);
    let built = run_feedgen(site.path(), &["build", "-q"], &[]);
    assert_eq!(built.status.code(), Some(0), "{}", stderr_of(&built));
    site
}

/// The output folder's files with their mtimes, and no temporary file.
fn settled_output(site: &Path) -> Files {
    let files = snapshot(&site.join("feeds"));
    let leftovers: Vec<&String> =
        files.keys().filter(|path| feedgen::reference::is_temporary_name(path.rsplit('/').next().unwrap())).collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
    files
}

type Files = std::collections::BTreeMap<String, (Vec<u8>, std::time::SystemTime)>;

/// Fail naming the paths whose bytes or mtime differ (the files are too
/// large to print).
fn assert_unchanged(after: &Files, before: &Files, context: &str) {
    let changed: Vec<&String> =
        before.keys().chain(after.keys()).filter(|path| before.get(*path) != after.get(*path)).collect();
    assert!(changed.is_empty(), "{context}: these files changed: {changed:?}");
}

/// Run `args` in `site`, expecting exit 1 with a message containing each of
/// `expected`, and the output folder untouched.
fn refused(site: &Path, args: &[&str], expected: &[&str]) -> String {
    let before = settled_output(site);
    let run = run_feedgen(site, args, &[]);
    let message = stderr_of(&run);
    assert_eq!(run.status.code(), Some(1), "{args:?}: {message}");
    for part in expected {
        assert!(message.contains(part), "{args:?}: no {part:?} in {message}");
    }
    assert_unchanged(&settled_output(site), &before, &format!("{args:?}"));
    message
}

#[test]
fn an_empty_input_never_replaces_published_feeds() {
    let site = published_site();
    fs::create_dir(site.path().join("empty")).unwrap();
    refused(
        site.path(),
        &["build", "--input", "empty"],
        &["found no record in empty", "feeds holds 4 feeds", "remove 3 feeds and leave 1 feed empty", "--allow-empty"],
    );
}

#[test]
fn a_folder_of_non_records_counts_as_empty() {
    let site = published_site();
    let notes = site.path().join("notes");
    fs::create_dir(&notes).unwrap();
    fs::write(notes.join("README.txt"), "no front matter here").unwrap();
    refused(site.path(), &["build", "--input", "notes"], &["found no record in notes"]);
}

#[test]
fn records_that_publish_nothing_are_refused_as_if_their_files_were_deleted() {
    let site = published_site();
    let drafts = site.path().join("drafts");
    fs::create_dir(&drafts).unwrap();
    let draft = record("d", "Rust", "one.test").replace("---\ntitle", "---\npublished: false\ntitle");
    fs::write(drafts.join("d.md"), draft).unwrap();
    let future = record("f", "Rust", "one.test").replace("2025-05-01", "2999-01-01");
    fs::write(drafts.join("f.md"), future).unwrap();
    refused(site.path(), &["build", "--input", "drafts"], &["found no record to publish in drafts (of 2 records"]);
}

#[test]
fn allow_empty_as_a_flag_or_a_setting_lets_an_empty_build_go_on() {
    let site = published_site();
    fs::create_dir(site.path().join("empty")).unwrap();
    let flag = run_feedgen(site.path(), &["build", "-q", "--input", "empty", "--allow-empty"], &[]);
    assert_eq!(flag.status.code(), Some(0), "{}", stderr_of(&flag));
    let tree = read_tree(&site.path().join("feeds"));
    assert!(tree.contains_key("all.json") && !tree.contains_key("topics/rust.json"), "{:?}", tree.keys());

    let site = published_site();
    fs::write(site.path().join("feedgen.yaml"), format!("{CONFIG}allow_empty: true\n")).unwrap();
    fs::remove_dir_all(site.path().join("records")).unwrap();
    fs::create_dir(site.path().join("records")).unwrap();
    let setting = run_feedgen(site.path(), &["build", "-q"], &[]);
    assert_eq!(setting.status.code(), Some(0), "{}", stderr_of(&setting));
}

#[test]
fn a_build_removing_more_than_half_the_feeds_stops_and_names_them() {
    let site = published_site();
    fs::write(site.path().join("records/b.md"), record("b", "Rust", "one.test")).unwrap();
    // all, topics/rust and providers/one-test stay; topics/go goes: 1 of 4.
    let one_of_four = run_feedgen(site.path(), &["build", "-q"], &[]);
    assert_eq!(one_of_four.status.code(), Some(0), "{}", stderr_of(&one_of_four));

    for (name, topic) in [("a", "Zig"), ("b", "Zig")] {
        fs::write(site.path().join(format!("records/{name}.md")), record(name, topic, "two.test")).unwrap();
    }
    // topics/rust and providers/one-test would go: 2 of 3.
    refused(
        site.path(),
        &["build"],
        &["a build would remove 2 of the 3 feeds in feeds (providers/one-test, topics/rust)", "--allow-empty"],
    );
    let allowed = run_feedgen(site.path(), &["build", "-q", "--allow-empty"], &[]);
    assert_eq!(allowed.status.code(), Some(0), "{}", stderr_of(&allowed));
    assert!(site.path().join("feeds/topics/zig.json").is_file());
    assert!(!site.path().join("feeds/topics/rust.json").exists());
}

#[test]
fn check_and_build_check_report_what_a_build_would_refuse() {
    let site = published_site();
    fs::create_dir(site.path().join("empty")).unwrap();
    for args in [&["check", "--input", "empty", "--output", "feeds"][..], &["build", "--check", "--input", "empty"]] {
        refused(site.path(), args, &["found no record in empty", "feeds holds 4 feeds"]);
    }
    fs::write(site.path().join("feedgen.yaml"), CONFIG.replace("input: records", "input: empty")).unwrap();
    refused(site.path(), &["check"], &["found no record in empty"]);
    fs::write(site.path().join("feedgen.yaml"), CONFIG).unwrap();
    for (name, topic) in [("a", "Zig"), ("b", "Zig")] {
        fs::write(site.path().join(format!("records/{name}.md")), record(name, topic, "two.test")).unwrap();
    }
    for args in [&["check"][..], &["build", "--check"], &["check", "--quiet"]] {
        refused(site.path(), args, &["a build would remove 3 of the 4 feeds in feeds"]);
    }
    // `--input` alone checks some records (new ones, before a commit), not
    // what a build of only them would do to the site.
    for args in [&["check", "--allow-empty"][..], &["check", "--output", "elsewhere"], &["check", "--input", "records"]]
    {
        let run = run_feedgen(site.path(), args, &[]);
        assert_eq!(run.status.code(), Some(0), "{args:?}: {}", stderr_of(&run));
    }
}

#[test]
fn an_input_read_twice_does_not_count_its_invalid_records_as_published() {
    let site = published_site();
    for name in ["a", "b"] {
        let broken = record(name, "Rust", "one.test").replace("2025-05-01T10:00:00Z", "yesterday");
        fs::write(site.path().join(format!("records/{name}.md")), broken).unwrap();
    }
    for args in [
        &["build", "--skip-invalid", "--input", "records", "--input", "records"][..],
        &["build", "--check", "--skip-invalid", "--input", "records", "--input", "records/."],
    ] {
        let message = refused(site.path(), args, &["found no record to publish in records, records"]);
        assert!(message.contains("of 4 records"), "{args:?}: {message}");
    }
}

#[test]
fn one_record_file_as_the_input_is_an_input_of_one_record() {
    let site = records_dir(&[("one.md", &record("solo", "Rust", "one.test"))]);
    let args = [
        "build",
        "-q",
        "--config",
        "/dev/null",
        "--input",
        "one.md",
        "--base-url",
        "https://safe.test/",
        "--output",
        "out",
    ];
    let run = run_feedgen(site.path(), &args, &[]);
    assert_eq!(run.status.code(), Some(0), "{}", stderr_of(&run));
    let feed = parse_feed("topics/rust.json", &fs::read(site.path().join("out/topics/rust.json")).unwrap());
    assert_eq!(entry_links(&feed), ["https://one.test/solo"]);
}

#[test]
fn an_output_folder_that_is_the_input_is_refused_before_anything_is_written() {
    let site = records_dir(&[("records/a.md", &record("a", "Rust", "one.test"))]);
    let before = read_tree(site.path());
    for output in ["records", "records/", "./records/../records"] {
        let args = ["build", "--config", "/dev/null", "--input", "records", "--base-url", "https://safe.test/"];
        let run = run_feedgen(site.path(), &[&args[..], &["--output", output]].concat(), &[]);
        let message = stderr_of(&run);
        assert_eq!(run.status.code(), Some(2), "{output}: {message}");
        assert!(message.contains("the output folder") && message.contains("is the input folder records"), "{message}");
        assert_eq!(read_tree(site.path()), before, "{output}: something was written");
    }
}

#[test]
fn an_input_inside_the_output_folder_is_refused_since_the_records_would_be_published() {
    let site = records_dir(&[("site/records/a.md", &record("a", "Rust", "one.test"))]);
    let before = read_tree(site.path());
    let args = [
        "build",
        "--config",
        "/dev/null",
        "--input",
        "site/records",
        "--output",
        "site",
        "--base-url",
        "https://s.test/",
    ];
    let run = run_feedgen(site.path(), &args, &[]);
    let message = stderr_of(&run);
    assert_eq!(run.status.code(), Some(2), "{message}");
    assert!(message.contains("the input site/records is inside the output folder site"), "{message}");
    assert_eq!(read_tree(site.path()), before, "something was written");
}

#[cfg(unix)]
#[test]
fn an_output_folder_that_is_the_input_under_another_name_is_refused() {
    let site = records_dir(&[("records/a.md", &record("a", "Rust", "one.test"))]);
    std::os::unix::fs::symlink(site.path().join("records"), site.path().join("out")).unwrap();
    let args =
        ["build", "--config", "/dev/null", "--input", "records", "--output", "out", "--base-url", "https://s.test/"];
    let run = run_feedgen(site.path(), &args, &[]);
    assert_eq!(run.status.code(), Some(2), "{}", stderr_of(&run));
    assert!(stderr_of(&run).contains("the output folder out is the input folder records"), "{}", stderr_of(&run));
}

#[test]
fn an_output_folder_below_the_input_is_skipped_even_before_its_first_build() {
    // `feeds/` exists without a manifest and holds a file that reads as a
    // record: it is not one of the site's records.
    let site = records_dir(&[
        ("records/a.md", &record("a", "Rust", "one.test")),
        ("records/feeds/stray.md", &record("stray", "Stray", "stray.test")),
    ]);
    let args = [
        "build",
        "--config",
        "/dev/null",
        "--input",
        "records",
        "--output",
        "records/feeds",
        "--base-url",
        "https://safe.test/",
    ];
    let run = run_feedgen(site.path(), &args, &[]);
    let message = stderr_of(&run);
    assert_eq!(run.status.code(), Some(0), "{message}");
    assert!(message.starts_with("feedgen: read 1 record"), "{message}");
    let feed = parse_feed("all.json", &fs::read(site.path().join("records/feeds/all.json")).unwrap());
    assert_eq!(entry_links(&feed), ["https://one.test/a"]);
    assert!(site.path().join("records/feeds/stray.md").is_file(), "a file feedgen did not write was touched");
}

#[test]
fn a_build_with_the_starter_placeholder_base_url_warns_once() {
    let site = tempfile::tempdir().unwrap();
    let init = run_feedgen(site.path(), &["init"], &[]);
    assert_eq!(init.status.code(), Some(0), "{}", stderr_of(&init));
    let build = run_feedgen(site.path(), &["build"], &[]);
    let message = stderr_of(&build);
    assert_eq!(build.status.code(), Some(0), "{message}");
    assert_eq!(message.matches("warning: base_url is still https://example.com/feeds/").count(), 1, "{message}");
    let elsewhere = run_feedgen(site.path(), &["build"], &[("FEEDGEN_BASE_URL", "https://mine.test/feeds/")]);
    assert!(!stderr_of(&elsewhere).contains("warning"), "{}", stderr_of(&elsewhere));
}

/// A build that cannot write a file (here: larger than the process may
/// write, as on a full disk) fails naming the file and the cause, and
/// leaves the folder as it was: no temporary file, every byte and mtime.
#[cfg(unix)]
#[test]
fn a_write_that_fails_midway_leaves_the_folder_as_it_was() {
    use std::os::unix::process::CommandExt;
    const LIMIT: libc::rlim_t = 8 * 1024;
    let site = published_site();
    let body = "A paragraph long enough to make every feed larger than the limit. ".repeat(150);
    // A new topic too, so that the build lists new paths in the manifest
    // before it writes: that must be undone as well.
    for (name, topic) in [("a", "Rust"), ("b", "Go, Zig")] {
        let text = format!("{}{body}\n", record(name, topic, "one.test"));
        fs::write(site.path().join(format!("records/{name}.md")), text).unwrap();
    }
    let before = settled_output(site.path());
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_feedgen"));
    command.current_dir(site.path()).arg("build").env_remove("FEEDGEN_OUTPUT").env_remove("FEEDGEN_BASE_URL");
    // SAFETY: setrlimit and signal are async-signal-safe; the child only
    // lowers its own file-size limit and ignores SIGXFSZ, so that a write
    // past the limit fails with EFBIG instead of killing it.
    unsafe {
        command.pre_exec(|| {
            let limit = libc::rlimit { rlim_cur: LIMIT, rlim_max: LIMIT };
            libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
            if libc::setrlimit(libc::RLIMIT_FSIZE, &limit) == 0 { Ok(()) } else { Err(std::io::Error::last_os_error()) }
        });
    }
    let run = command.output().unwrap();
    let message = stderr_of(&run);
    assert_eq!(run.status.code(), Some(1), "{message}");
    assert!(message.starts_with("error: cannot write feeds/"), "{message}");
    assert!(message.trim_end().ends_with("; nothing was changed in feeds"), "{message}");
    assert_unchanged(&settled_output(site.path()), &before, "a failed write");
}
