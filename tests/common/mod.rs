//! Helpers shared by the integration tests: building into a temporary
//! folder and reading the result back with independent parsers.

#![allow(dead_code)] // each test crate uses a different subset

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use feedgen::Settings;
use feedgen::{ConfigFile, Overrides};

pub(crate) mod history;

/// A stop flag nobody sets: for builds that run to the end.
pub(crate) static NEVER: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// The moment tests treat as "now": 2026-01-01T00:00:00Z.
pub(crate) const NOW: i64 = 1_767_225_600;

pub(crate) fn now() -> DateTime<Utc> {
    DateTime::from_timestamp(NOW, 0).unwrap()
}

/// The hand-written fixture corpus in `tests/fixtures/newsroom`.
pub(crate) fn newsroom() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/newsroom")
}

/// Settings for a build of `input` into `output` with test defaults.
pub(crate) fn settings(input: &Path, output: &Path) -> Settings {
    let file = ConfigFile {
        title: Some("Test Site".into()),
        base_url: Some("https://feeds.test/out/".into()),
        home_url: Some("https://feeds.test/".into()),
        language: Some("en".into()),
        ..Default::default()
    };
    // The build cache beside the output folder (not in the working
    // directory, the package's): it goes with the test's folder.
    let cache = Some(output.parent().unwrap_or(output).join(".feedgen-cache"));
    let overrides =
        Overrides { inputs: vec![input.to_owned()], output: Some(output.to_owned()), cache, ..Default::default() };
    Settings::resolve(file, Path::new(""), overrides, now()).unwrap()
}

/// Every file under `dir`, by `/`-separated relative path (empty when `dir`
/// does not exist).
pub(crate) fn read_tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|entry| entry.file_type().is_file())
        .map(|entry| {
            let relative = entry.path().strip_prefix(dir).unwrap().to_string_lossy().replace('\\', "/");
            (relative, fs::read(entry.path()).unwrap())
        })
        .collect()
}

/// Every file under `dir` with its bytes and mtime: a folder nobody touched
/// compares equal.
pub(crate) fn snapshot(dir: &Path) -> BTreeMap<String, (Vec<u8>, std::time::SystemTime)> {
    read_tree(dir)
        .into_iter()
        .map(|(path, bytes)| {
            let modified = fs::metadata(dir.join(&path)).unwrap().modified().unwrap();
            (path, (bytes, modified))
        })
        .collect()
}

/// The feeds of an output tree: its RSS, Atom and JSON files, without
/// feedgen's manifest, the pages, the index and the OPML list.
pub(crate) fn feeds_only(tree: BTreeMap<String, Vec<u8>>) -> BTreeMap<String, Vec<u8>> {
    tree.into_iter()
        .filter(|(path, _)| path.ends_with(".rss.xml") || path.ends_with(".atom.xml") || path.ends_with(".json"))
        .collect()
}

/// Build `settings` and return the output folder's files.
pub(crate) fn build_tree(settings: &Settings) -> BTreeMap<String, Vec<u8>> {
    feedgen::build(settings).unwrap();
    read_tree(&settings.output)
}

/// Build the records in `input` into a fresh temporary folder.
pub(crate) fn build_folder(input: &Path) -> BTreeMap<String, Vec<u8>> {
    let out = tempfile::tempdir().unwrap();
    build_tree(&settings(input, &out.path().join("feeds")))
}

/// Write `files` (name → text) into a fresh temporary folder.
pub(crate) fn records_dir(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        let path = dir.path().join(name);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }
    dir
}

/// Parse an XML document strictly (roxmltree refuses anything ill-formed,
/// including characters XML forbids), panicking with the file name.
pub(crate) fn assert_well_formed_xml(name: &str, bytes: &[u8]) {
    let text = std::str::from_utf8(bytes).unwrap_or_else(|e| panic!("{name}: not UTF-8: {e}"));
    if let Err(error) = roxmltree::Document::parse(text) {
        panic!("{name}: ill-formed XML: {error}\n{text}");
    }
}

/// Whether an output path is a feed (RSS, Atom or JSON Feed), not a page,
/// the index or the OPML list.
pub(crate) fn is_feed(path: &str) -> bool {
    path.ends_with(".rss.xml") || path.ends_with(".atom.xml") || path.ends_with(".json")
}

/// Everything that makes one of feedgen's HTML documents unsafe or not
/// self-contained, parsed as a browser would (html5ever): script elements,
/// event-handler attributes, `javascript:`/`data:` URLs, `<link>`s other
/// than feed autodiscovery, style elements other than one in the head,
/// frames and plugins, and characters XML forbids.
pub(crate) fn page_problems(html: &str) -> Vec<String> {
    let document = scraper::Html::parse_document(html);
    let mut problems: Vec<String> = Vec::new();
    let mut styles = 0;
    for node in document.tree.nodes() {
        let Some(element) = node.value().as_element() else { continue };
        match element.name() {
            "script" | "object" | "embed" | "iframe" | "frame" | "base" => {
                problems.push(format!("<{}>", element.name()))
            }
            "style" => {
                styles += 1;
                let in_head = node.parent().and_then(|parent| parent.value().as_element().map(|e| e.name() == "head"));
                if styles > 1 || in_head != Some(true) {
                    problems.push("a <style> other than the head's".to_owned());
                }
            }
            "link" if element.attr("rel") != Some("alternate") => {
                problems.push(format!("<link rel={:?}>", element.attr("rel")))
            }
            _ => {}
        }
        for (name, value) in element.attrs() {
            let value = value.trim().to_ascii_lowercase();
            if name.starts_with("on") || value.starts_with("javascript:") || value.starts_with("data:") {
                problems.push(format!("{name}={value:?}"));
            }
        }
    }
    if let Some(c) = html
        .chars()
        .find(|&c| matches!(c, '\u{0}'..='\u{8}' | '\u{B}' | '\u{C}' | '\u{E}'..='\u{1F}' | '\u{FFFE}' | '\u{FFFF}'))
    {
        problems.push(format!("the forbidden character U+{:04X}", c as u32));
    }
    problems
}

/// Parse any output file with the independent parsers that fit it: every
/// feed with `feed-rs`, XML strictly with roxmltree, JSON with serde_json.
pub(crate) fn parse_feed(name: &str, bytes: &[u8]) -> feed_rs::model::Feed {
    if name.ends_with(".xml") {
        assert_well_formed_xml(name, bytes);
    } else {
        serde_json::from_slice::<serde_json::Value>(bytes).unwrap_or_else(|e| panic!("{name}: invalid JSON: {e}"));
    }
    feed_rs::parser::parse(bytes).unwrap_or_else(|e| panic!("{name}: feed-rs cannot read it: {e}"))
}

/// The links of a parsed feed's entries, in feed order.
pub(crate) fn entry_links(feed: &feed_rs::model::Feed) -> Vec<String> {
    feed.entries.iter().map(|entry| entry.links[0].href.clone()).collect()
}

/// Run the `feedgen` binary in `dir` with `args`, the environment variables
/// it reads removed and then `env` set.
pub(crate) fn run_feedgen(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> std::process::Output {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_feedgen"));
    command.current_dir(dir).args(args);
    for name in ["FEEDGEN_BASE_URL", "FEEDGEN_OUTPUT", "SOURCE_DATE_EPOCH"] {
        command.env_remove(name);
    }
    command.envs(env.iter().copied());
    command.output().unwrap()
}

/// What a run printed on stderr.
pub(crate) fn stderr_of(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// What a run printed on stdout.
pub(crate) fn stdout_of(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}
