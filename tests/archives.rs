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

use common::history::*;
use common::*;

/// Test settings with archives on, `limit` items per subscription document
/// and `per_page` per archive document.
fn archive_settings(input: &Path, output: &Path, limit: usize, per_page: usize) -> Settings {
    let mut settings = settings(input, output);
    (settings.archives, settings.limit, settings.archive_items) = (true, limit, per_page);
    settings
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
/// changed and removed. The builds go through the build cache, which must
/// have rendered no archive document but those.
fn archive_changes(change: impl FnOnce(&Path)) -> (BTreeMap<String, Vec<u8>>, BTreeSet<String>) {
    let input = tempfile::tempdir().unwrap();
    daily_records(input.path(), 100);
    let out = tempfile::tempdir().unwrap();
    let settings = archive_settings(input.path(), &out.path().join("feeds"), 10, 20);
    assert!(settings.cache.is_some());
    let before = build_tree(&settings);
    change(input.path());
    let report = feedgen::build(&settings).unwrap();
    let after = read_tree(&settings.output);
    let paths: BTreeSet<&String> = before.keys().chain(after.keys()).collect();
    let changed: BTreeSet<String> = paths
        .into_iter()
        .filter(|path| path.contains("/archive/") && before.get(*path) != after.get(*path))
        .cloned()
        .collect();
    assert_walks_give_every_item(&after, &every_item(input.path()));
    let rendered = archive_documents(changed.iter().filter(|path| after.contains_key(*path)));
    assert_eq!(report.archives - report.archives_kept, rendered.len(), "archive documents rendered: {rendered:?}");
    (before, changed)
}

/// The archive documents (`<feed>/archive/<page>`, formats and page for
/// people together) among `paths`.
fn archive_documents<'a>(paths: impl Iterator<Item = &'a String>) -> BTreeSet<&'a str> {
    let suffixes: Vec<&str> = FORMATS.iter().copied().chain([".html"]).collect();
    paths.filter_map(|path| suffixes.iter().find_map(|suffix| path.strip_suffix(suffix))).collect()
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
fn an_edited_title_rewrites_only_the_archive_documents_that_hold_it() {
    let (_, changed) = archive_changes(|input| {
        let edited = daily_record(40).replace("title: Day 40", "title: Day forty");
        fs::write(input.join("d040.md"), edited).unwrap();
    });
    // Day 40 is 11 December 2024, 2024's 41st item: its third document.
    assert_eq!(changed, documents(&["2024.3"]));
}

/// A `build --check` with other archive settings saves a cache that
/// knows the pages but not their records; a title edit built after it
/// must still render the page that shows the record.
#[test]
fn an_edited_title_after_a_check_with_other_settings_rewrites_its_documents() {
    let input = tempfile::tempdir().unwrap();
    daily_records(input.path(), 100);
    let out = tempfile::tempdir().unwrap();
    let settings = archive_settings(input.path(), &out.path().join("feeds"), 10, 20);
    feedgen::build(&settings).unwrap();
    let other = Settings { archive_items: 7, ..settings.clone() };
    feedgen::run(&other, feedgen::Mode::Compare, &feedgen::Silent, &Default::default()).unwrap();
    let edited = daily_record(40).replace("title: Day 40", "title: Day forty");
    fs::write(input.path().join("d040.md"), edited).unwrap();
    feedgen::build(&settings).unwrap();
    let without_cache = Settings { cache: None, output: out.path().join("fresh"), ..settings.clone() };
    let fresh = build_tree(&without_cache);
    let mut built = read_tree(&settings.output);
    built.remove(feedgen::IDS_NAME);
    assert_eq!(
        built.keys().collect::<Vec<_>>(),
        fresh.keys().filter(|path| *path != feedgen::IDS_NAME).collect::<Vec<_>>()
    );
    for (path, bytes) in &built {
        assert!(fresh[path] == *bytes, "{path} differs from a build without the cache");
    }
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
