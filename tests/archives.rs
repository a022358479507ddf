//! Archives (RFC 5005): walking a feed from its subscription document
//! through `prev-archive` links (JSON Feed: `next_url`) gives every
//! published item of the feed once, newest first; adding, back-dating or
//! deleting a record rewrites only the documents whose items change; every
//! archive file is well-formed and read by an independent parser.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;

use feedgen::Settings;
use proptest::prelude::*;

use common::*;

/// Where the test settings host the output folder.
const BASE: &str = "https://feeds.test/out/";

/// Test settings with archives on, `limit` items per subscription document
/// and `per_page` per archive document.
fn archive_settings(input: &Path, output: &Path, limit: usize, per_page: usize) -> Settings {
    let mut settings = settings(input, output);
    (settings.archives, settings.limit, settings.archive_items) = (true, limit, per_page);
    settings
}

/// The three feed formats: extension, and how a document's item ids and
/// links to its neighbours are read.
const FORMATS: [&str; 3] = [".rss.xml", ".atom.xml", ".json"];

/// What one feed document says about itself.
#[derive(Debug, Default)]
struct Document {
    /// Its items' ids, in document order.
    ids: Vec<String>,
    /// `rel="current"` (JSON Feed: `feed_url` of an archive document).
    current: Option<String>,
    /// `prev-archive` (JSON Feed: `next_url`).
    prev_archive: Option<String>,
    /// `next-archive` (not in JSON Feed).
    next_archive: Option<String>,
    /// Whether it carries `fh:archive`.
    marked_archive: bool,
}

const ATOM: &str = "http://www.w3.org/2005/Atom";
const HISTORY: &str = "http://purl.org/syndication/history/1.0";

fn read_document(path: &str, bytes: &[u8]) -> Document {
    parse_feed(path, bytes);
    if path.ends_with(".json") {
        let json: serde_json::Value = serde_json::from_slice(bytes).unwrap();
        let ids = json["items"].as_array().unwrap().iter().map(|item| item["id"].as_str().unwrap().to_owned());
        let own = json["feed_url"].as_str().map(str::to_owned);
        return Document {
            ids: ids.collect(),
            current: own.filter(|url| path.contains("/archive/") && url != &format!("{BASE}{path}")),
            prev_archive: json["next_url"].as_str().map(str::to_owned),
            ..Document::default()
        };
    }
    let text = std::str::from_utf8(bytes).unwrap();
    let xml = roxmltree::Document::parse(text).unwrap();
    let id_element = if path.ends_with(".rss.xml") { "guid" } else { "id" };
    let item_element = if path.ends_with(".rss.xml") { "item" } else { "entry" };
    let mut document = Document::default();
    for node in xml.descendants() {
        let parent = node.parent_element().map(|parent| parent.tag_name().name());
        match (node.tag_name().namespace(), node.tag_name().name()) {
            (_, name) if name == id_element && parent == Some(item_element) => {
                document.ids.push(node.text().unwrap_or_default().to_owned());
            }
            (Some(ATOM), "link") if parent != Some("entry") => {
                let href = node.attribute("href").map(str::to_owned);
                match node.attribute("rel") {
                    Some("current") => document.current = href,
                    Some("prev-archive") => document.prev_archive = href,
                    Some("next-archive") => document.next_archive = href,
                    _ => {}
                }
            }
            (Some(HISTORY), "archive") => document.marked_archive = true,
            _ => {}
        }
    }
    document
}

/// The path in the output folder of a URL under [`BASE`].
fn local(url: &str) -> &str {
    url.strip_prefix(BASE).unwrap_or_else(|| panic!("{url} is not under {BASE}"))
}

/// Walk feed `stem` in the format with `extension` from its subscription
/// document through every archive document, checking each one's links;
/// returns every item id in walking order and the archive documents
/// visited.
fn walk(tree: &BTreeMap<String, Vec<u8>>, stem: &str, extension: &str) -> (Vec<String>, Vec<String>) {
    let subscription = format!("{stem}{extension}");
    let first = read_document(&subscription, &tree[&subscription]);
    assert!(!first.marked_archive && first.current.is_none() && first.next_archive.is_none(), "{subscription}");
    let mut ids = first.ids;
    let (mut visited, mut newer, mut next) = (Vec::new(), None::<String>, first.prev_archive);
    while let Some(url) = next {
        let path = local(&url).to_owned();
        assert!(path.starts_with(&format!("{stem}/archive/")), "{path} is not in {stem}'s archive folder");
        assert!(!visited.contains(&path), "{path} is visited twice");
        let bytes = tree.get(&path).unwrap_or_else(|| panic!("{path} is linked but not written"));
        let document = read_document(&path, bytes);
        assert!(!document.ids.is_empty(), "{path} is empty");
        assert_eq!(document.current.as_deref(), Some(format!("{BASE}{subscription}").as_str()), "{path}: current");
        if extension != ".json" {
            assert!(document.marked_archive, "{path} has no fh:archive");
            assert_eq!(document.next_archive, newer.as_ref().map(|newer| format!("{BASE}{newer}")), "{path}");
        }
        ids.extend(document.ids);
        newer = Some(path.clone());
        visited.push(path);
        next = document.prev_archive;
    }
    (ids, visited)
}

/// Every feed of an output tree: the stems of its subscription documents.
fn feed_stems(tree: &BTreeMap<String, Vec<u8>>) -> BTreeSet<String> {
    tree.keys()
        .filter(|path| !path.contains("/archive/"))
        .filter_map(|path| path.strip_suffix(".json"))
        .map(str::to_owned)
        .collect()
}

/// Each feed's items, newest first, as a build that keeps every item in
/// the subscription document (`limit: 0`) writes them.
fn every_item(input: &Path) -> BTreeMap<String, Vec<String>> {
    let out = tempfile::tempdir().unwrap();
    let mut settings = settings(input, out.path());
    settings.limit = 0;
    let tree = build_tree(&settings);
    feed_stems(&tree)
        .into_iter()
        .map(|stem| {
            let path = format!("{stem}.json");
            let ids = read_document(&path, &tree[&path]).ids;
            (stem, ids)
        })
        .collect()
}

/// Walk every feed of `tree` in every format and compare with `expected`;
/// every archive document written is on some walk, and every archive page
/// is safe HTML.
fn assert_walks_give_every_item(tree: &BTreeMap<String, Vec<u8>>, expected: &BTreeMap<String, Vec<String>>) {
    assert_eq!(feed_stems(tree), expected.keys().cloned().collect::<BTreeSet<_>>());
    let mut visited = BTreeSet::new();
    for (stem, ids) in expected {
        for extension in FORMATS {
            let (walked, documents) = walk(tree, stem, extension);
            assert_eq!(&walked, ids, "{stem}{extension}: the walk differs from the feed's items");
            visited.extend(documents);
        }
    }
    let written: BTreeSet<String> =
        tree.keys().filter(|path| path.contains("/archive/") && is_feed(path)).cloned().collect();
    assert_eq!(written, visited, "archive documents written but not linked, or linked but not written");
    for (path, bytes) in tree.iter().filter(|(path, _)| path.contains("/archive/") && path.ends_with(".html")) {
        let problems = page_problems(std::str::from_utf8(bytes).unwrap());
        assert!(problems.is_empty(), "{path}: {problems:?}");
        let document = path.trim_end_matches(".html");
        assert!(FORMATS.iter().all(|extension| tree.contains_key(&format!("{document}{extension}"))), "{path}");
    }
}

/// One record drawn for a corpus: link (from a small pool, so links
/// repeat), day of publication and of update (from 2025-09-01, about four
/// months, so that some are in the future of the tests' now,
/// 2026-01-01), topics, provider, and whether it is published.
type Drawn = (usize, i64, i64, Vec<&'static str>, Option<&'static str>, bool);

fn drawn_record() -> impl Strategy<Value = Drawn> {
    let topics = prop::collection::vec(prop::sample::select(vec!["AI", "ai", "Rust", "Go"]), 0..3);
    let provider = prop::option::of(prop::sample::select(vec!["a.test", "b.test"]));
    (0..14usize, 0..130i64, 0..6i64, topics, provider, prop::bool::weighted(0.85))
}

/// The record file for `drawn`.
fn record_text((link, day, updated, topics, provider, published): &Drawn) -> String {
    let start = chrono::DateTime::parse_from_rfc3339("2025-09-01T08:00:00Z").unwrap();
    let at = |days: i64| (start + chrono::Duration::days(days)).to_rfc3339();
    let provider = provider.map(|domain| format!("provider:\n  name: P {domain}\n  domain: {domain}\n"));
    format!(
        "---\ntitle: Story {link}\npublishedDateTime: {}\nupdatedDateTime: {}\noriginalUrl: https://n.test/{link}\n\
         topics: [{}]\npublished: {published}\n{}---\n",
        at(*day),
        at(day + updated),
        topics.join(", "),
        provider.unwrap_or_default()
    )
}

fn write_corpus(dir: &Path, records: &[Drawn]) {
    for (index, drawn) in records.iter().enumerate() {
        fs::write(dir.join(format!("r{index:02}.md")), record_text(drawn)).unwrap();
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 60, ..ProptestConfig::default() })]

    #[test]
    fn walking_each_feed_gives_its_published_items_newest_first_once_each(
        records in prop::collection::vec(drawn_record(), 1..30),
        limit in 1..4usize,
        per_page in 1..4usize,
    ) {
        let input = tempfile::tempdir().unwrap();
        write_corpus(input.path(), &records);
        let out = tempfile::tempdir().unwrap();
        let tree = build_tree(&archive_settings(input.path(), out.path(), limit, per_page));
        assert_walks_give_every_item(&tree, &every_item(input.path()));
    }
}

/// A corpus for the stability tests: `count` records, one a day from
/// 1 November 2024 (so that they span two years, before the tests' now),
/// all about Rust from one provider.
fn daily_records(dir: &Path, count: usize) {
    for index in 0..count {
        fs::write(dir.join(format!("d{index:03}.md")), daily_record(index as i64)).unwrap();
    }
}

fn daily_record(day: i64) -> String {
    let at = chrono::DateTime::parse_from_rfc3339("2024-11-01T09:00:00Z").unwrap() + chrono::Duration::days(day);
    format!(
        "---\ntitle: Day {day}\npublishedDateTime: {}\noriginalUrl: https://n.test/day/{day}\ntopics: [Rust]\n\
         provider:\n  domain: a.test\n---\n",
        at.to_rfc3339()
    )
}

/// Build 100 daily records (10 items per feed, 20 per archive document),
/// change the records with `change`, build again into the same folder: the
/// archive files (documents and pages) that the second build added,
/// changed and removed.
fn archive_changes(change: impl FnOnce(&Path)) -> (BTreeMap<String, Vec<u8>>, BTreeSet<String>) {
    let input = tempfile::tempdir().unwrap();
    daily_records(input.path(), 100);
    let out = tempfile::tempdir().unwrap();
    let settings = archive_settings(input.path(), &out.path().join("feeds"), 10, 20);
    let before = build_tree(&settings);
    change(input.path());
    let after = build_tree(&settings);
    let paths: BTreeSet<&String> = before.keys().chain(after.keys()).collect();
    let changed = paths
        .into_iter()
        .filter(|path| path.contains("/archive/") && before.get(*path) != after.get(*path))
        .cloned()
        .collect();
    assert_walks_give_every_item(&after, &every_item(input.path()));
    (before, changed)
}

/// The files of archive document `page` of every feed: all three feeds
/// (firehose, topic, provider) hold every record of these tests.
fn documents(pages: &[&str]) -> BTreeSet<String> {
    let mut files = BTreeSet::new();
    for stem in ["all", "topics/rust", "providers/a-test"] {
        for page in pages {
            for extension in FORMATS.iter().chain(&[".html"]) {
                files.insert(format!("{stem}/archive/{page}{extension}"));
            }
        }
    }
    files
}

#[test]
fn the_archives_of_a_hundred_days_are_years_of_at_most_twenty() {
    let (before, _) = archive_changes(|_| {});
    let archived: BTreeSet<&str> =
        before.keys().filter_map(|path| path.strip_prefix("all/archive/")?.strip_suffix(".json")).collect();
    // 100 days from 1 November 2024, the newest 10 (30 January to 8
    // February 2025) in the subscription document: 61 items of 2024, 29 of
    // 2025.
    let expected = ["2024", "2024.2", "2024.3", "2024.4", "2025", "2025.2"];
    assert_eq!(archived, BTreeSet::from(expected));
    assert_eq!(documents(&expected), before.keys().filter(|path| path.contains("/archive/")).cloned().collect());
}

#[test]
fn a_new_record_rewrites_only_the_newest_archive_document() {
    let (_, changed) = archive_changes(|input| fs::write(input.join("new.md"), daily_record(100)).unwrap());
    assert_eq!(changed, documents(&["2025.2"]));
}

#[test]
fn a_new_record_that_fills_the_newest_archive_document_starts_the_next_one() {
    let (_, changed) = archive_changes(|input| {
        for day in 100..112 {
            fs::write(input.join(format!("new{day}.md")), daily_record(day)).unwrap();
        }
    });
    // 2025's second document takes 11 more items (9 + 11 = 20, full), and
    // the twelfth starts its third: the old newest gets its link.
    assert_eq!(changed, documents(&["2025.2", "2025.3"]));
}

#[test]
fn a_back_dated_record_rewrites_only_the_documents_of_its_year_from_its_place_on() {
    let (_, changed) = archive_changes(|input| {
        let back_dated = daily_record(30).replace("https://n.test/day/30", "https://n.test/late");
        fs::write(input.join("late.md"), back_dated).unwrap();
    });
    // 1 December 2024 is 2024's 31st item: its second document on shift.
    assert_eq!(changed, documents(&["2024.2", "2024.3", "2024.4"]));
}

#[test]
fn a_deleted_record_rewrites_only_the_documents_of_its_year_from_its_place_on() {
    let (_, changed) = archive_changes(|input| fs::remove_file(input.join("d065.md")).unwrap());
    // Day 65 is 5 January 2025: both of 2025's documents shift by one.
    assert_eq!(changed, documents(&["2025", "2025.2"]));
}

#[test]
fn turning_archives_off_removes_them_without_tripping_the_guard() {
    let input = tempfile::tempdir().unwrap();
    daily_records(input.path(), 60);
    let out = tempfile::tempdir().unwrap();
    let mut settings = archive_settings(input.path(), out.path(), 5, 10);
    let with = build_tree(&settings);
    assert!(with.keys().filter(|path| path.contains("/archive/")).count() > 20);
    settings.archives = false;
    let report = feedgen::build(&settings).unwrap();
    assert!(report.output.removed.iter().all(|path| path.contains("/archive/")));
    assert!(!read_tree(out.path()).keys().any(|path| path.contains("/archive/")));
}

#[test]
fn list_counts_each_feeds_archive_documents_and_items() {
    let input = tempfile::tempdir().unwrap();
    daily_records(input.path(), 100);
    let out = tempfile::tempdir().unwrap();
    let (feeds, report) = feedgen::list(&archive_settings(input.path(), out.path(), 10, 20)).unwrap();
    assert_eq!(report.archives, 18);
    for feed in feeds {
        assert_eq!((feed.items, feed.archives, feed.archived_items), (10, 6, 90), "{}", feed.stem);
    }
}

#[test]
fn build_check_reports_a_stale_archive_document() {
    let input = tempfile::tempdir().unwrap();
    daily_records(input.path(), 40);
    let out = tempfile::tempdir().unwrap();
    let settings = archive_settings(input.path(), out.path(), 5, 10);
    feedgen::build(&settings).unwrap();
    let stale = out.path().join("topics/rust/archive/2024.atom.xml");
    fs::write(&stale, fs::read_to_string(&stale).unwrap().replace("Day 3", "Day three")).unwrap();
    let compared = feedgen::run(&settings, feedgen::Mode::Compare, &feedgen::Silent, &Default::default()).unwrap();
    assert_eq!(compared.output.changed, ["topics/rust/archive/2024.atom.xml"]);
}
