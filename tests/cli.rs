//! The `feedgen` binary: exit codes, messages, configuration (precedence: `tests/precedence.rs`).

mod common;

use std::path::Path;
use std::process::{Command, Output, Stdio};

use common::*;

const RECORD: &str = "---\ntitle: Hello\npublishedDateTime: 2025-01-01T00:00:00Z\noriginalUrl: https://ok.test/hello\ntopics: [Greetings]\n---\n";

fn feedgen(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_feedgen"));
    command.current_dir(dir).args(args);
    command.env_remove("FEEDGEN_BASE_URL").env_remove("FEEDGEN_OUTPUT").env_remove("SOURCE_DATE_EPOCH");
    for (key, value) in env {
        command.env(key, value);
    }
    command.output().unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// A site folder: `feedgen.yaml` with `config`, and `records/` with `records`.
fn site(config: &str, records: &[(&str, &str)]) -> tempfile::TempDir {
    let mut files: Vec<(String, String)> =
        records.iter().map(|(n, t)| (format!("records/{n}"), t.to_string())).collect();
    files.push(("feedgen.yaml".into(), config.into()));
    let refs: Vec<(&str, &str)> = files.iter().map(|(n, t)| (n.as_str(), t.as_str())).collect();
    records_dir(&refs)
}

const CONFIG: &str = "title: CLI Site\nbase_url: https://cli.test/feeds/\ninput: records\n";

#[test]
fn build_with_config_in_working_directory_exits_0_and_summarises() {
    let dir = site(CONFIG, &[("hello.md", RECORD)]);
    let output = feedgen(dir.path(), &["build"], &[]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(dir.path().join("feeds/topics/greetings.rss.xml").is_file());
    let message = stderr(&output);
    let expected = "feedgen: read 1 record (left out: 0 unpublished, 0 invalid, 0 future, 0 duplicates); \
                    2 feeds in feeds: 12 files written, 0 unchanged, 0 removed; ";
    assert!(message.starts_with(expected), "{message}");
}

#[test]
fn quiet_build_prints_nothing() {
    let dir = site(CONFIG, &[("hello.md", RECORD), ("notes.txt", "no front matter")]);
    let output = feedgen(dir.path(), &["build", "-q"], &[]);
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(stderr(&output), "");
}

#[test]
fn bad_records_exit_1_listing_every_problem_and_writing_nothing() {
    let bad_date = "---\ntitle: T\npublishedDateTime: soon\noriginalUrl: https://ok.test/1\n---\n";
    let no_title = "---\npublishedDateTime: 2025-01-01\noriginalUrl: https://ok.test/2\n---\n";
    let dir = site(CONFIG, &[("a.md", bad_date), ("b.md", no_title), ("ok.md", RECORD)]);
    let output = feedgen(dir.path(), &["build"], &[]);
    assert_eq!(output.status.code(), Some(1));
    let message = stderr(&output);
    let lines: Vec<&str> = message.lines().filter(|line| line.starts_with("error: ")).collect();
    assert_eq!(
        lines,
        [
            "error: records/a.md:3:20: publishedDateTime: not a date: \"soon\"",
            "error: records/b.md:1:1: title: missing",
            "error: 2 problems in the records; nothing was written"
        ],
        "{message}"
    );
    assert!(message.contains("3 | publishedDateTime: soon\n  |                    ^^^^\n"), "{message}");
    assert!(message.contains("= help: every record needs a title"), "{message}");
    assert!(!dir.path().join("feeds").exists());
}

#[test]
fn missing_base_url_exits_2_and_says_how_to_set_it() {
    let dir = site("input: records\n", &[("hello.md", RECORD)]);
    let output = feedgen(dir.path(), &["build"], &[]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("base_url is not set"), "{}", stderr(&output));
}

#[test]
fn a_misspelt_configuration_key_is_pointed_at_with_the_key_it_was_meant_to_be() {
    let dir = site(&format!("{CONFIG}limt: 5\n"), &[("hello.md", RECORD)]);
    for command in ["build", "check", "list"] {
        let output = feedgen(dir.path(), &[command], &[]);
        assert_eq!(output.status.code(), Some(2), "{command}");
        let expected = "\
error: feedgen.yaml:4:1: limt: unknown key
  |
4 | limt: 5
  | ^^^^
  |
  = help: did you mean `limit`?
";
        assert_eq!(stderr(&output), expected, "{command}");
    }
    assert!(!dir.path().join("feeds").exists());
}

#[test]
fn an_unknown_configuration_key_unlike_any_lists_the_keys() {
    let dir = site(&format!("{CONFIG}frobnicate: yes\n"), &[("hello.md", RECORD)]);
    let output = feedgen(dir.path(), &["build"], &[]);
    assert_eq!(output.status.code(), Some(2));
    let message = stderr(&output);
    assert!(message.starts_with("error: feedgen.yaml:4:1: frobnicate: unknown key\n"), "{message}");
    assert!(message.contains("= help: the keys feedgen.yaml may hold are title, base_url, "), "{message}");
}

/// The headline, the caret line and the hint of the one diagnostic in `message`.
fn diagnostic_parts(message: &str) -> (&str, &str, &str) {
    let lines: Vec<&str> = message.lines().collect();
    let headline = lines.first().and_then(|line| line.strip_prefix("error: ")).unwrap_or_default();
    let caret = lines.iter().find(|line| line.contains('^')).copied().unwrap_or_default();
    let hint = lines.iter().find_map(|line| line.trim_start().strip_prefix("= help: ")).unwrap_or_default();
    (headline, caret, hint)
}

#[test]
fn a_bad_setting_in_feedgen_yaml_shows_its_line_a_caret_and_a_hint() {
    let cases = [
        (
            "language: english",
            "feedgen.yaml:4:11: language: not a language tag that starts with an ISO 639-1 code: \"english\"",
            "  |           ^^^^^^^",
            "write a two-letter code such as en",
        ),
        (
            "hub_url: ftp://hub.test/",
            "feedgen.yaml:4:10: hub_url: not an absolute http(s) URL: \"ftp://hub.test/\"",
            "  |          ^^^^^^^^^^^^^^^",
            "WebSub hub",
        ),
        (
            "home_url: /home",
            "feedgen.yaml:4:11: home_url: not an absolute http(s) URL: \"/home\"",
            "  |           ^^^^^",
            "leave home_url out",
        ),
        (
            "formats: [rss, pdf]",
            "feedgen.yaml:4:16: formats[1]: unknown value `pdf`",
            "  |                ^^^^",
            "write one of rss, atom, json",
        ),
        (
            "families: [all, topic]",
            "feedgen.yaml:4:17: families[1]: unknown value `topic`",
            "  |                 ^^^^^^",
            "did you mean `topics`?",
        ),
        (
            "families: []",
            "feedgen.yaml:4:11: families: names no family",
            "  |           ^^",
            "list at least one of all, topics",
        ),
        (
            "limit: many",
            "feedgen.yaml:4:8: limit: invalid type: string, expected usize",
            "  |        ^^^^",
            "write a whole number",
        ),
        ("author: A\nauthor: B", "feedgen.yaml:5:1: author: written twice", "  | ^^^^^^", "keep one `author:` line"),
    ];
    for (setting, headline, caret, hint) in cases {
        let dir = site(&format!("{CONFIG}{setting}\n"), &[("hello.md", RECORD)]);
        let output = feedgen(dir.path(), &["build"], &[]);
        assert_eq!(output.status.code(), Some(2), "{setting}");
        let message = stderr(&output);
        let (found_headline, found_caret, found_hint) = diagnostic_parts(&message);
        assert_eq!(found_headline, headline, "{message}");
        assert_eq!(found_caret, caret, "{message}");
        assert!(found_hint.contains(hint), "{message}");
        assert!(!dir.path().join("feeds").exists(), "{setting}");
    }
}

#[test]
fn a_bad_base_url_names_where_it_came_from() {
    let dir = site("input: records\nbase_url: not a url\n", &[("hello.md", RECORD)]);
    let message = stderr(&feedgen(dir.path(), &["build"], &[]));
    let (headline, caret, _) = diagnostic_parts(&message);
    assert_eq!(headline, "feedgen.yaml:2:11: base_url: not an absolute http(s) URL: \"not a url\"");
    assert_eq!(caret, "  |           ^^^^^^^^^");
    let hint = "write the address the output folder is served from, such as https://example.com/feeds/";
    let flag = feedgen(dir.path(), &["build", "--base-url", "/feeds/"], &[]);
    assert_eq!(flag.status.code(), Some(2));
    assert_eq!(stderr(&flag), format!("error: --base-url: not an absolute http(s) URL: \"/feeds/\"; {hint}\n"));
    let variable = feedgen(dir.path(), &["build"], &[("FEEDGEN_BASE_URL", "feeds.test")]);
    assert_eq!(variable.status.code(), Some(2));
    assert_eq!(
        stderr(&variable),
        format!("error: FEEDGEN_BASE_URL: not an absolute http(s) URL: \"feeds.test\"; {hint}\n")
    );
}

#[test]
fn a_tab_in_feedgen_yaml_says_to_indent_with_spaces() {
    let dir = site(&format!("{CONFIG}formats:\n\t- rss\n"), &[("hello.md", RECORD)]);
    let output = feedgen(dir.path(), &["build"], &[]);
    assert_eq!(output.status.code(), Some(2));
    let message = stderr(&output);
    let (headline, caret, hint) = diagnostic_parts(&message);
    assert!(headline.starts_with("feedgen.yaml:5:1: found character that cannot start any token"), "{message}");
    assert_eq!((caret, hint), ("  | ^", "indent with spaces, not tabs"), "{message}");
}

#[test]
fn usage_errors_exit_2() {
    let dir = site(CONFIG, &[("hello.md", RECORD)]);
    assert_eq!(feedgen(dir.path(), &["build", "--no-such-flag"], &[]).status.code(), Some(2));
    assert_eq!(feedgen(dir.path(), &["build", "--limit", "many"], &[]).status.code(), Some(2));
    assert_eq!(feedgen(dir.path(), &["build", "--input", "missing"], &[]).status.code(), Some(2));
    assert_eq!(feedgen(dir.path(), &["build", "--base-url", "/relative/"], &[]).status.code(), Some(2));
    assert_eq!(feedgen(dir.path(), &["build"], &[("SOURCE_DATE_EPOCH", "yesterday")]).status.code(), Some(2));
}

#[test]
fn without_config_or_input_the_build_says_what_to_pass() {
    let dir = tempfile::tempdir().unwrap();
    let output = feedgen(dir.path(), &["build", "--base-url", "https://x.test/"], &[]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("pass --input DIR"), "{}", stderr(&output));
}

#[test]
fn config_paths_are_relative_to_the_config_file() {
    let dir = site(CONFIG, &[("hello.md", RECORD)]);
    let elsewhere = tempfile::tempdir().unwrap();
    let config = dir.path().join("feedgen.yaml");
    let output = feedgen(elsewhere.path(), &["build", "--config", config.to_str().unwrap()], &[]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(dir.path().join("feeds/all.rss.xml").is_file());
}

#[test]
fn source_date_epoch_decides_which_future_records_appear() {
    let future =
        "---\ntitle: Later\npublishedDateTime: 2030-01-01T00:00:00Z\noriginalUrl: https://ok.test/later\n---\n";
    let dir = site(CONFIG, &[("hello.md", RECORD), ("later.md", future)]);
    let count = |epoch: &str, extra: &[&str]| {
        let mut args = vec!["build", "-q"];
        args.extend(extra);
        assert_eq!(feedgen(dir.path(), &args, &[("SOURCE_DATE_EPOCH", epoch)]).status.code(), Some(0));
        let json: serde_json::Value =
            serde_json::from_slice(&std::fs::read(dir.path().join("feeds/all.json")).unwrap()).unwrap();
        json["items"].as_array().unwrap().len()
    };
    assert_eq!(count("1893455999", &[]), 1, "one second before 2030");
    assert_eq!(count("1893456000", &[]), 2, "at 2030-01-01T00:00:00Z");
    assert_eq!(count("1893455999", &["--future"]), 2);
}

#[test]
fn duplicate_links_and_skipped_files_are_noted() {
    let twin = "---\ntitle: Hello again\npublishedDateTime: 2025-01-01T00:00:00Z\nupdatedDateTime: 2025-02-01T00:00:00Z\noriginalUrl: https://ok.test/hello\n---\n";
    let dir = site(CONFIG, &[("hello.md", RECORD), ("twin.md", twin), ("notes.txt", "plain")]);
    let message = stderr(&feedgen(dir.path(), &["build"], &[]));
    assert!(message.contains("note: records/notes.txt: no front matter; skipped"), "{message}");
    assert!(
        message.contains("have the same link https://ok.test/hello; kept records/twin.md (updated last)"),
        "{message}"
    );
}

#[test]
fn skip_invalid_lists_skipped_records_even_when_quiet() {
    let bad = "---\ntitle: Bad\npublishedDateTime: soon\noriginalUrl: https://ok.test/bad\n---\n";
    let dir = site(CONFIG, &[("good.md", RECORD), ("bad.md", bad)]);
    let output = feedgen(dir.path(), &["build", "--skip-invalid", "-q"], &[]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let lines: Vec<String> = stderr(&output).lines().map(str::to_owned).collect();
    assert_eq!(lines.len(), 1, "{lines:#?}");
    assert!(
        lines[0].starts_with("skipped: records/bad.md:3:20: publishedDateTime: not a date: \"soon\""),
        "{lines:#?}"
    );
    assert!(dir.path().join("feeds/all.rss.xml").is_file());
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn check_exits_0_when_current_and_1_listing_what_an_edit_changes_writing_nothing() {
    let dir = site(CONFIG, &[("hello.md", RECORD)]);
    let never_built = feedgen(dir.path(), &["build", "--check"], &[]);
    assert_eq!(never_built.status.code(), Some(1));
    assert!(
        stdout(&never_built).lines().any(|line| line == "would add: feeds/all.rss.xml"),
        "{}",
        stdout(&never_built)
    );
    assert!(!dir.path().join("feeds").exists(), "--check wrote something");

    assert_eq!(feedgen(dir.path(), &["build", "-q"], &[]).status.code(), Some(0));
    let current = feedgen(dir.path(), &["build", "--check"], &[]);
    assert_eq!(current.status.code(), Some(0), "{}", stderr(&current));
    assert_eq!(stdout(&current), "");
    assert!(stderr(&current).contains("2 feeds in feeds: current (12 files); "), "{}", stderr(&current));

    let renamed = RECORD.replace("[Greetings]", "[Salutations]");
    std::fs::write(dir.path().join("records/hello.md"), renamed).unwrap();
    let feeds = dir.path().join("feeds");
    let before = snapshot(&feeds);
    let stale = feedgen(dir.path(), &["build", "--check"], &[]);
    assert_eq!(stale.status.code(), Some(1));
    let listed: Vec<String> = stdout(&stale).lines().map(str::to_owned).collect();
    let expected = [
        "would add: feeds/topics/salutations.atom.xml",
        "would add: feeds/topics/salutations.html",
        "would add: feeds/topics/salutations.json",
        "would add: feeds/topics/salutations.rss.xml",
        "would change: feeds/.feedgen-manifest",
        "would change: feeds/all.atom.xml",
        "would change: feeds/all.html",
        "would change: feeds/all.json",
        "would change: feeds/all.rss.xml",
        "would change: feeds/index.html",
        "would change: feeds/index.opml",
        "would remove: feeds/topics/greetings.atom.xml",
        "would remove: feeds/topics/greetings.html",
        "would remove: feeds/topics/greetings.json",
        "would remove: feeds/topics/greetings.rss.xml",
    ];
    assert_eq!(listed, expected);
    assert_eq!(
        stderr(&stale),
        "error: feeds is not current: 4 files to add, 7 to change, 4 to remove; \
         run `feedgen build` and commit the result\n"
    );
    assert!(snapshot(&feeds) == before, "--check wrote something");
}

#[test]
fn summary_counts_written_unchanged_and_removed_files() {
    let other = "---\ntitle: Other\npublishedDateTime: 2025-01-02T00:00:00Z\noriginalUrl: https://ok.test/other\ntopics: [Other]\n---\n";
    let dir = site(CONFIG, &[("hello.md", RECORD), ("other.md", other)]);
    assert_eq!(feedgen(dir.path(), &["build"], &[]).status.code(), Some(0));
    std::fs::remove_file(dir.path().join("records/other.md")).unwrap();
    let message = stderr(&feedgen(dir.path(), &["build"], &[]));
    assert!(message.contains("; 2 feeds in feeds: 8 files written, 4 unchanged, 4 removed; "), "{message}");
    let message = stderr(&feedgen(dir.path(), &["build"], &[]));
    assert!(message.contains("; 2 feeds in feeds: 0 files written, 12 unchanged, 0 removed; "), "{message}");
}

#[test]
fn counts_of_one_are_singular_in_summaries_and_messages() {
    let copy = RECORD.replace("title: Hello", "title: Copy").replace("topics: [Greetings]\n", "");
    let untopical = RECORD.replace("topics: [Greetings]\n", "");
    let dir = site(CONFIG, &[("hello.md", &untopical), ("copy.md", &copy)]);
    let message = stderr(&feedgen(dir.path(), &["build"], &[]));
    let summary = message.lines().last().unwrap();
    assert!(
        summary.starts_with(
            "feedgen: read 2 records (left out: 0 unpublished, 0 invalid, 0 future, 1 duplicate); 1 feed in feeds: "
        ),
        "{message}"
    );
    std::fs::remove_file(dir.path().join("records/copy.md")).unwrap();
    std::fs::write(dir.path().join("records/hello.md"), untopical.replace("title: Hello\n", "")).unwrap();
    let output = feedgen(dir.path(), &["check"], &[]);
    assert_eq!(output.status.code(), Some(1));
    let message = stderr(&output);
    assert!(
        message.contains("feedgen: checked 1 record: 0 valid, 0 unpublished, 1 invalid; 0 warnings; "),
        "{message}"
    );
    assert!(message.ends_with("error: 1 problem in the records\n"), "{message}");
    let output = feedgen(dir.path(), &["build"], &[]);
    assert!(stderr(&output).ends_with("error: 1 problem in the records; nothing was written\n"), "{}", stderr(&output));
}

#[test]
fn a_file_feedgen_did_not_write_in_the_way_exits_2_and_stays() {
    let dir = site(CONFIG, &[("hello.md", RECORD)]);
    std::fs::create_dir_all(dir.path().join("feeds")).unwrap();
    std::fs::write(dir.path().join("feeds/all.json"), "{}").unwrap();
    for args in [&["build"][..], &["build", "--check"]] {
        let output = feedgen(dir.path(), args, &[]);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        let message = stderr(&output);
        assert!(message.contains("feeds/all.json is in the way: feedgen did not write it"), "{message}");
        assert!(message.contains("move it away, or build into another folder with --output"), "{message}");
    }
    assert_eq!(std::fs::read(dir.path().join("feeds/all.json")).unwrap(), b"{}");
}

#[test]
fn check_validates_every_record_writes_nothing_and_fails_on_a_bad_one() {
    let draft = "---\ntitle: Draft\npublished: false\n---\n";
    let dir = site(CONFIG, &[("hello.md", RECORD), ("draft.md", draft), ("notes.txt", "no front matter")]);
    let output = feedgen(dir.path(), &["check"], &[]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let message = stderr(&output);
    assert!(message.contains("note: records/notes.txt: no front matter; skipped"), "{message}");
    assert!(message.contains("feedgen: checked 2 records: 1 valid, 1 unpublished, 0 invalid; "), "{message}");
    assert!(!dir.path().join("feeds").exists(), "check wrote the output folder");

    let bad = "---\ntitle: Bad\npublishedDateTime: yesterday\noriginalUrl: https://ok.test/bad\n---\n";
    std::fs::write(dir.path().join("records/bad.md"), bad).unwrap();
    let output = feedgen(dir.path(), &["check", "--quiet"], &[]);
    assert_eq!(output.status.code(), Some(1));
    let message = stderr(&output);
    assert!(message.starts_with("error: records/bad.md:3:20: publishedDateTime: not a date"), "{message}");
    assert!(message.ends_with("error: 1 problem in the records\n"), "{message}");
}

#[test]
fn list_shows_each_feed_with_its_item_count_and_newest_date_and_writes_nothing() {
    let other = "---\ntitle: Other\npublishedDateTime: 2025-01-02T08:00:00Z\noriginalUrl: https://ok.test/other\ntopics: [Greetings]\n---\n";
    let dir = site(CONFIG, &[("hello.md", RECORD), ("other.md", other)]);
    let table = feedgen(dir.path(), &["list"], &[]);
    assert_eq!(table.status.code(), Some(0), "{}", stderr(&table));
    assert_eq!(
        stdout(&table),
        "FEED              ITEMS  NEWEST      NAME\n\
         all                   2  2025-01-02  \n\
         topics/greetings      2  2025-01-02  Greetings\n"
    );

    let json = feedgen(dir.path(), &["list", "--json"], &[]);
    assert_eq!(json.status.code(), Some(0), "{}", stderr(&json));
    let listed: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(
        listed,
        serde_json::json!([
            {"family": "all", "slug": "all", "path": "all", "name": "", "items": 2, "newest": "2025-01-02T08:00:00Z",
             "left_out": 0, "archives": 0, "archived_items": 0},
            {"family": "topics", "slug": "greetings", "path": "topics/greetings", "name": "Greetings", "items": 2,
             "newest": "2025-01-02T08:00:00Z", "left_out": 0, "archives": 0, "archived_items": 0},
        ])
    );

    let archived = feedgen(dir.path(), &["list", "--archives", "--limit", "1"], &[]);
    assert_eq!(archived.status.code(), Some(0), "{}", stderr(&archived));
    assert_eq!(
        stdout(&archived),
        "FEED              ITEMS  NEWEST      ARCHIVES  ARCHIVED  NAME\n\
         all                   1  2025-01-02         1         1  \n\
         topics/greetings      1  2025-01-02         1         1  Greetings\n"
    );
    assert!(!dir.path().join("feeds").exists(), "list wrote something");
}

#[test]
fn list_fails_like_build_on_an_invalid_record() {
    let dir = site(CONFIG, &[("hello.md", RECORD), ("bad.md", "---\ntitle: Bad\n---\n")]);
    let output = feedgen(dir.path(), &["list"], &[]);
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).contains("bad.md"), "{}", stderr(&output));
    assert_eq!(stdout(&output), "");
}

/// Run feedgen in `dir` with its stdout a pipe closed before it writes:
/// its exit status and stderr.
fn with_stdout_closed(dir: &Path, args: &[&str]) -> (Option<i32>, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_feedgen"));
    command.current_dir(dir).args(args);
    command.env_remove("FEEDGEN_BASE_URL").env_remove("FEEDGEN_OUTPUT").env_remove("SOURCE_DATE_EPOCH");
    let mut child = command.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    drop(child.stdout.take());
    let output = child.wait_with_output().unwrap();
    (output.status.code(), stderr(&output))
}

#[test]
fn a_closed_stdout_ends_a_command_quietly_and_stale_output_still_fails() {
    // Enough records that the reader has gone long before list or build
    // --check has read them and writes its first line.
    let records: Vec<(String, String)> = (0..300)
        .map(|i| {
            let record = format!(
                "---\ntitle: T{i}\npublishedDateTime: 2025-01-01T00:00:00Z\noriginalUrl: https://ok.test/{i}\n\
                 topics: [Topic {i}]\n---\n"
            );
            (format!("r{i}.md"), record)
        })
        .collect();
    let records: Vec<(&str, &str)> = records.iter().map(|(name, text)| (name.as_str(), text.as_str())).collect();
    let dir = site(CONFIG, &records);
    let quiet_ends: [&[&str]; 5] =
        [&["list"], &["list", "--json"], &["completions", "bash"], &["man"], &["man", "--dir", "man1"]];
    for args in quiet_ends {
        let (code, message) = with_stdout_closed(dir.path(), args);
        assert_eq!((code, message.as_str()), (Some(0), ""), "{args:?}");
    }
    let (code, message) = with_stdout_closed(dir.path(), &["build", "--check"]);
    assert!(!message.contains("panicked"), "{message}");
    assert_eq!(code, Some(1), "{message}");
    assert!(message.starts_with("error: feeds is not current: "), "{message}");
}

#[test]
fn completions_are_written_for_every_shell() {
    let dir = tempfile::tempdir().unwrap();
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let output = feedgen(dir.path(), &["completions", shell], &[]);
        assert_eq!(output.status.code(), Some(0), "{shell}: {}", stderr(&output));
        let script = stdout(&output);
        let names_serve = script.contains("serve") || !cfg!(feature = "serve");
        assert!(script.contains("feedgen") && names_serve && script.contains("base-url"), "{shell}");
    }
    assert_eq!(feedgen(dir.path(), &["completions", "tcsh"], &[]).status.code(), Some(2));
}

#[test]
fn the_man_page_is_roff_naming_every_command() {
    let dir = tempfile::tempdir().unwrap();
    let output = feedgen(dir.path(), &["man"], &[]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let page = stdout(&output);
    assert!(page.contains(".TH feedgen 1"), "{page}");
    for command in ["init", "build", "check", "serve", "list", "completions"] {
        if command == "serve" && !cfg!(feature = "serve") {
            continue;
        }
        assert!(page.contains(command), "the man page does not name {command}");
    }
}

#[test]
fn man_dir_writes_a_page_per_command_and_prints_their_paths() {
    let dir = tempfile::tempdir().unwrap();
    let output = feedgen(dir.path(), &["man", "--dir", "man/man1"], &[]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let commands = ["init", "build", "check", "serve", "list", "completions", "man"];
    let commands = commands.into_iter().filter(|command| *command != "serve" || cfg!(feature = "serve"));
    let pages: Vec<String> =
        std::iter::once("feedgen".to_owned()).chain(commands.map(|command| format!("feedgen-{command}"))).collect();
    let expected: Vec<String> = pages.iter().map(|page| format!("man/man1/{page}.1")).collect();
    assert_eq!(stdout(&output).lines().collect::<Vec<_>>(), expected);
    let written: std::collections::BTreeSet<String> = read_tree(dir.path()).into_keys().collect();
    assert_eq!(written, expected.iter().cloned().collect(), "the files written are the paths printed");
    for page in &pages {
        let roff = std::fs::read_to_string(dir.path().join(format!("man/man1/{page}.1"))).unwrap();
        let escaped = page.replace('-', "\\-");
        assert!(roff.contains(&format!(".TH {page} 1  \"feedgen {}\"", env!("CARGO_PKG_VERSION"))), "{roff}");
        assert!(roff.contains(&format!(".SH NAME\n{escaped} \\- ")), "{roff}");
    }
    let main_page = std::fs::read_to_string(dir.path().join("man/man1/feedgen.1")).unwrap();
    assert_eq!(stdout(&feedgen(dir.path(), &["man"], &[])), main_page, "plain `feedgen man` prints the main page");
    let referred: Vec<&str> = main_page.lines().filter(|line| line.ends_with("(1)")).collect();
    let listed: Vec<String> = pages[1..].iter().map(|page| format!("{}(1)", page.replace('-', "\\-"))).collect();
    assert_eq!(referred, listed, "the main page refers to exactly the pages written");
}

#[test]
fn man_dir_that_cannot_be_created_exits_1_naming_it() {
    let dir = site(CONFIG, &[]);
    let output = feedgen(dir.path(), &["man", "--dir", "feedgen.yaml/man1"], &[]);
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).starts_with("error: cannot write feedgen.yaml/man1: "), "{}", stderr(&output));
    assert_eq!(stdout(&output), "");
}
