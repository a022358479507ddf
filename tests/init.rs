//! `feedgen init`: a starter site that builds with no flags, written only
//! where nothing is; and the hint to run it where there is no site.

mod common;

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;

use common::*;
use feedgen::{Overrides, Settings, read_config};

/// The starter files `feedgen init` writes, as the library embeds them.
const CONFIG_TEMPLATE: &str = include_str!("../src/init/feedgen.yaml");
const RECORD_TEMPLATE: &str = include_str!("../src/init/hello-feedgen.md");
/// Where the example record goes, as docs/getting-started.md says.
const RECORD_PATH: &str = "articles/hello-feedgen.md";

/// `SOURCE_DATE_EPOCH` for builds of the starter: 2027-01-15, after the
/// example record's date, so that it is not held back as a future record.
const AFTER_THE_EXAMPLE: &str = "1800000000";

/// A fresh folder with a starter site in `site/`.
fn initialised() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let output = run_feedgen(dir.path(), &["init", "site"], &[]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    dir
}

#[test]
fn init_creates_the_folder_writes_the_starter_and_names_each_file() {
    let dir = tempfile::tempdir().unwrap();
    let output = run_feedgen(dir.path(), &["init", "new/site"], &[]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    assert_eq!(
        stderr_of(&output),
        "created new/site/feedgen.yaml\n\
         created new/site/articles/hello-feedgen.md\n\
         next: cd new/site && feedgen build (and set base_url in feedgen.yaml to where the feeds will be hosted)\n"
    );
    assert_eq!(stdout_of(&output), "");
    assert_eq!(fs::read_to_string(dir.path().join("new/site/feedgen.yaml")).unwrap(), CONFIG_TEMPLATE);
    assert_eq!(fs::read_to_string(dir.path().join("new/site").join(RECORD_PATH)).unwrap(), RECORD_TEMPLATE);
}

#[test]
fn init_without_a_folder_starts_the_site_in_the_working_directory() {
    let dir = tempfile::tempdir().unwrap();
    let output = run_feedgen(dir.path(), &["init"], &[]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    assert!(dir.path().join("feedgen.yaml").is_file());
    assert!(dir.path().join(RECORD_PATH).is_file());
    assert!(
        stderr_of(&output)
            .ends_with("next: feedgen build (and set base_url in feedgen.yaml to where the feeds will be hosted)\n")
    );
}

#[test]
fn the_starter_site_builds_with_no_flags_and_holds_the_example_item() {
    let dir = initialised();
    let site = dir.path().join("site");
    let output = run_feedgen(&site, &["build"], &[("SOURCE_DATE_EPOCH", AFTER_THE_EXAMPLE)]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    let feeds = site.join("feeds");
    for name in ["all.rss.xml", "all.atom.xml", "all.json", "index.html", "index.opml"] {
        assert!(feeds.join(name).is_file(), "{name} was not written");
    }
    assert!(feeds.join("topics/getting-started.json").is_file(), "the example's topic has no feed");
    assert!(feeds.join("providers/example-com.json").is_file(), "the example's provider has no feed");
    let json: serde_json::Value = serde_json::from_slice(&fs::read(feeds.join("all.json")).unwrap()).unwrap();
    assert_eq!(json["feed_url"], "https://example.com/feeds/all.json");
    let titles: Vec<&str> =
        json["items"].as_array().unwrap().iter().map(|item| item["title"].as_str().unwrap()).collect();
    assert_eq!(titles, ["Hello, feedgen"]);
}

#[test]
fn the_starter_site_passes_check() {
    let dir = initialised();
    let output = run_feedgen(&dir.path().join("site"), &["check"], &[]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    assert!(
        stderr_of(&output).contains("checked 1 record: 1 valid, 0 unpublished, 0 invalid"),
        "{}",
        stderr_of(&output)
    );
}

#[test]
fn a_second_init_exits_2_names_the_files_and_changes_neither() {
    let dir = initialised();
    let site = dir.path().join("site");
    fs::write(site.join("feedgen.yaml"), "title: Mine\n").unwrap();
    let before = snapshot(&site);
    let output = run_feedgen(dir.path(), &["init", "site"], &[]);
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        stderr_of(&output),
        "error: site/feedgen.yaml and site/articles/hello-feedgen.md already exist; feedgen init never \
         overwrites, so it wrote nothing: move them away, or init another folder\n"
    );
    assert!(snapshot(&site) == before, "init changed the site");
}

#[test]
fn init_with_only_the_record_there_refuses_and_writes_no_configuration() {
    let dir = records_dir(&[(RECORD_PATH, "my own article")]);
    let output = run_feedgen(dir.path(), &["init"], &[]);
    assert_eq!(output.status.code(), Some(2));
    let message = stderr_of(&output);
    assert!(message.starts_with("error: ./articles/hello-feedgen.md already exists; "), "{message}");
    assert!(!dir.path().join("feedgen.yaml").exists(), "the configuration was written");
    assert_eq!(fs::read_to_string(dir.path().join(RECORD_PATH)).unwrap(), "my own article");
}

#[test]
fn the_starter_configuration_parses_as_written() {
    let dir = initialised();
    let file = read_config(&dir.path().join("site/feedgen.yaml")).unwrap();
    assert_eq!(file.base_url.as_deref(), Some("https://example.com/feeds/"));
    assert_eq!(file.input, [Path::new("articles")]);
}

/// The template with every commented-out setting (`# key: value`) turned on.
fn uncommented(template: &str) -> String {
    let lines: Vec<&str> = template
        .lines()
        .map(|line| line.strip_prefix("# ").filter(|rest| setting_key(rest).is_some()).unwrap_or(line))
        .collect();
    lines.join("\n")
}

/// The key of a YAML line `key: value` (or `key:`) whose key is a setting
/// name (lowercase letters and `_`), if it is one.
fn setting_key(line: &str) -> Option<&str> {
    let (key, rest) = line.split_once(':')?;
    let is_name = !key.is_empty() && key.chars().all(|c| c.is_ascii_lowercase() || c == '_');
    (is_name && (rest.is_empty() || rest.starts_with(' '))).then_some(key)
}

#[test]
fn the_defaults_the_starter_configuration_shows_are_real_settings_and_the_real_defaults() {
    let resolve = |text: &str| {
        let path = tempfile::NamedTempFile::new().unwrap();
        fs::write(path.path(), text).unwrap();
        let file = read_config(path.path()).unwrap_or_else(|error| panic!("{error}\n{text}"));
        Settings::resolve(file, Path::new(""), Overrides::default(), now()).unwrap()
    };
    let as_written = resolve(CONFIG_TEMPLATE);
    let all_on = resolve(&uncommented(CONFIG_TEMPLATE));
    assert_eq!(all_on.site.title, as_written.site.title);
    assert_eq!(all_on.output, as_written.output);
    assert_eq!(all_on.limit, as_written.limit);
    assert_eq!((all_on.archives, all_on.archive_items), (as_written.archives, as_written.archive_items));
    assert_eq!((all_on.ping, all_on.ping_timeout), (as_written.ping, as_written.ping_timeout));
    assert_eq!(all_on.formats, as_written.formats);
    assert_eq!(all_on.families, as_written.families);
    assert_eq!(all_on.include_unpublished, as_written.include_unpublished);
    assert_eq!(all_on.include_future, as_written.include_future);
    assert_eq!(all_on.allow_empty, as_written.allow_empty);
}

#[test]
fn the_starter_configuration_shows_every_setting_the_guide_documents() {
    let guide = fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/configuration.md")).unwrap();
    let section = guide.split("\n## Configuration\n").nth(1).expect("a Configuration section");
    let block = section.split("```yaml\n").nth(1).and_then(|rest| rest.split("```").next()).expect("a yaml block");
    let documented: BTreeSet<&str> = block.lines().filter_map(setting_key).collect();
    let shown: BTreeSet<&str> =
        CONFIG_TEMPLATE.lines().filter_map(|line| setting_key(line.strip_prefix("# ").unwrap_or(line))).collect();
    assert_eq!(shown, documented);
}

#[test]
fn the_example_record_says_published_true_and_has_no_secured_field() {
    let front_matter = RECORD_TEMPLATE.split("---\n").nth(1).unwrap();
    assert!(front_matter.lines().any(|line| line.starts_with("published: true")), "{front_matter}");
    assert!(!RECORD_TEMPLATE.contains("secured"), "the example record holds a secured field");
}

#[test]
fn without_feedgen_yaml_or_input_every_command_says_to_run_init_and_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let commands: &[&str] =
        if cfg!(feature = "serve") { &["build", "check", "list", "serve"] } else { &["build", "check", "list"] };
    for &command in commands {
        let output = run_feedgen(dir.path(), &[command], &[("FEEDGEN_BASE_URL", "https://x.test/")]);
        assert_eq!(output.status.code(), Some(2), "{command}");
        assert_eq!(
            stderr_of(&output),
            "error: no feedgen.yaml in this folder and no --input: run `feedgen init` to create a starter site, \
             or pass --input DIR (and --base-url URL)\n",
            "{command}"
        );
    }
    assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0, "something was written");
}

#[test]
fn with_input_but_no_feedgen_yaml_the_missing_base_url_is_named() {
    let dir = records_dir(&[("articles/a.md", RECORD_TEMPLATE)]);
    let output = run_feedgen(dir.path(), &["build", "--input", "articles"], &[]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr_of(&output).starts_with("error: base_url is not set: "), "{}", stderr_of(&output));
}

#[test]
fn with_feedgen_yaml_but_no_input_the_message_says_to_set_input() {
    let dir = records_dir(&[("feedgen.yaml", "base_url: https://x.test/\n")]);
    for command in ["build", "check"] {
        let output = run_feedgen(dir.path(), &[command], &[]);
        assert_eq!(output.status.code(), Some(2), "{command}");
        assert_eq!(
            stderr_of(&output),
            "error: no input folders: set `input:` in feedgen.yaml or pass --input DIR\n",
            "{command}"
        );
    }
}
