//! Gathering, driven with records in memory, against the in-memory
//! reference pipeline ([`crate::reference`]): for any records (shared
//! links, ties in update time, names that differ only in case), any limit
//! and any arrival order, the files are byte for byte the same, and so are
//! the duplicates.

use std::collections::{BTreeSet, HashMap};
use std::convert::Infallible;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use chrono::{DateTime, Duration, Utc};
use proptest::prelude::*;
use url::Url;

use super::{GatherOptions, Place, Reading, RecordSource, SelectOptions, gather};
use crate::model::{Image, OutputFile, Provider, Record};
use crate::reference::render_records;
use crate::render::render_all;
use crate::{ConfigFile, Overrides, Settings};

fn day(n: i64) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2025-01-01T00:00:00Z").unwrap().with_timezone(&Utc) + Duration::days(n)
}

/// A record with the fields grouping looks at; the rest empty.
fn record(path: &str, link: &str, published: i64, updated: i64, topics: &[&str], provider: Option<&str>) -> Record {
    Record {
        source: PathBuf::from(path),
        title: format!("Title of {path}"),
        published: day(published),
        updated: day(updated.max(published)),
        link: Url::parse(link).unwrap(),
        id: None,
        amp_web_url: None,
        cdn_amp_web_url: None,
        excerpt: Some(format!("Excerpt of <b>{path}</b> &amp; more")),
        featured_content: None,
        kind: Some("article".to_owned()),
        category: None,
        quality: None,
        heat: None,
        is_published: true,
        provider: provider.map(|domain| Provider {
            name: Some(format!("Provider {domain}")),
            domain: Some(domain.to_owned()),
            images: vec![Image {
                url: Url::parse(&format!("https://{domain}/logo-{path}.png")).unwrap(),
                width: None,
                height: None,
                is_cached: None,
                title: None,
            }],
        }),
        topics: topics.iter().map(|topic| (*topic).to_owned()).collect(),
        tags: Vec::new(),
        images: Vec::new(),
        related: Vec::new(),
        body: String::new(),
    }
}

/// Each record left out for a duplicate link: (link, kept, dropped).
type Duplicates = BTreeSet<(String, Option<String>, PathBuf, PathBuf)>;

fn settings_with_limit(limit: usize) -> Settings {
    let file = ConfigFile {
        title: Some("Test Site".into()),
        base_url: Some("https://feeds.test/out/".into()),
        home_url: Some("https://feeds.test/".into()),
        language: Some("en".into()),
        ..ConfigFile::default()
    };
    let overrides = Overrides { inputs: vec![PathBuf::from("unused")], ..Overrides::default() };
    let now = DateTime::from_timestamp(1_767_225_600, 0).unwrap();
    let mut settings = Settings::resolve(file, Path::new(""), overrides, now).unwrap();
    settings.limit = limit;
    settings
}

/// Records offered from memory in `order`, a record's place being its
/// index; a second reading, if asked for, offers them in reverse order.
struct InMemory<'a> {
    records: &'a [Record],
    order: &'a [usize],
    read_again: AtomicBool,
}

impl RecordSource for InMemory<'_> {
    type Error = Infallible;

    fn read_all(&self, reading: Reading, offer: &(dyn Fn(Record, Place) + Sync)) -> Result<u32, Infallible> {
        let order: Vec<usize> = match reading {
            Reading::First => self.order.to_vec(),
            Reading::Again => {
                self.read_again.store(true, Ordering::Relaxed);
                self.order.iter().rev().copied().collect()
            }
        };
        for index in order {
            offer(self.records[index].clone(), Place::try_from(index).unwrap());
        }
        Ok(u32::try_from(self.records.len()).unwrap())
    }

    fn paths_at(&self, places: &BTreeSet<Place>, _walked: u32) -> Result<HashMap<Place, PathBuf>, Infallible> {
        Ok(places.iter().map(|&place| (place, self.records[place as usize].source.clone())).collect())
    }

    fn read_one(&self, place: Place, _path: &Path) -> Option<Record> {
        Some(self.records[place as usize].clone())
    }
}

/// What the streaming stages make of `records` arriving in `order`, and
/// whether they needed a second reading.
fn streamed(records: &[Record], order: &[usize], settings: &Settings) -> (Vec<OutputFile>, Duplicates, bool) {
    let options = GatherOptions {
        select: SelectOptions { include_future: settings.include_future, now: settings.now },
        families: settings.families.clone(),
        limit: settings.limit,
    };
    let source = InMemory { records, order, read_again: AtomicBool::new(false) };
    let gathered = gather(&source, options, None).expect("the same records");
    let duplicates = gathered
        .duplicates
        .iter()
        .map(|d| (d.link.to_string(), d.id.clone(), d.kept.clone(), d.dropped.clone()))
        .collect();
    let files = render_all(&gathered.feeds, &settings.site, &settings.formats, None).unwrap();
    (files, duplicates, source.read_again.into_inner())
}

/// What the in-memory pipeline makes of `records`.
fn in_memory(records: &[Record], settings: &Settings) -> (Vec<OutputFile>, Duplicates) {
    let plan = render_records(records.to_vec(), settings).unwrap();
    let duplicates = plan
        .report
        .duplicates
        .iter()
        .map(|d| (d.link.to_string(), d.id.clone(), d.kept.clone(), d.dropped.clone()))
        .collect();
    (plan.files, duplicates)
}

fn paths(files: &[OutputFile]) -> Vec<&str> {
    files.iter().map(|file| file.path.as_str()).collect()
}

#[test]
fn a_second_reading_repairs_a_feed_crowded_by_superseded_records() {
    // With a limit of 1, a feed keeps 3 items. a, b and c fill it; d is
    // turned away; then newer versions of a, b and c, dated before d, make
    // the three stale without taking their place. Only d is left to show,
    // and only a second reading can find it.
    let records = [
        record("a1.md", "https://n.test/a", 10, 10, &["AI"], None),
        record("b1.md", "https://n.test/b", 9, 9, &["AI"], None),
        record("c1.md", "https://n.test/c", 8, 8, &["AI"], None),
        record("d.md", "https://n.test/d", 1, 1, &["AI"], None),
        record("a2.md", "https://n.test/a", 0, 20, &["AI"], None),
        record("b2.md", "https://n.test/b", 0, 20, &["AI"], None),
        record("c2.md", "https://n.test/c", 0, 20, &["AI"], None),
    ];
    let settings = settings_with_limit(1);
    let (files, duplicates, read_again) = streamed(&records, &[0, 1, 2, 3, 4, 5, 6], &settings);
    assert!(read_again, "the first reading cannot know d is the newest survivor");
    let (expected, expected_duplicates) = in_memory(&records, &settings);
    assert_eq!(paths(&files), paths(&expected));
    assert_eq!(files, expected);
    assert_eq!(duplicates, expected_duplicates);
    let firehose = files.iter().find(|file| file.path == "all.json").unwrap();
    assert!(String::from_utf8_lossy(&firehose.bytes).contains("https://n.test/d"));
}

#[test]
fn a_provider_icon_hidden_behind_superseded_logos_is_found_by_a_second_reading() {
    // A provider feed keeps its 3 newest logos. Those of a, b and c go
    // stale when newer versions, dated before d, replace them; d's logo was
    // turned away, yet it is the icon the feed must show.
    let provider = Some("p.test");
    let records = [
        record("a1.md", "https://n.test/a", 10, 10, &[], provider),
        record("b1.md", "https://n.test/b", 9, 9, &[], provider),
        record("c1.md", "https://n.test/c", 8, 8, &[], provider),
        record("d.md", "https://n.test/d", 1, 1, &[], provider),
        record("a2.md", "https://n.test/a", 0, 20, &[], provider),
        record("b2.md", "https://n.test/b", 0, 20, &[], provider),
        record("c2.md", "https://n.test/c", 0, 20, &[], provider),
    ];
    let settings = settings_with_limit(50);
    let (files, _, read_again) = streamed(&records, &[0, 1, 2, 3, 4, 5, 6], &settings);
    assert!(read_again);
    assert_eq!(files, in_memory(&records, &settings).0);
    let feed = files.iter().find(|file| file.path == "providers/p-test.json").unwrap();
    assert!(String::from_utf8_lossy(&feed.bytes).contains("logo-d.md.png"));
}

#[test]
fn records_tied_on_update_time_go_to_the_later_path_in_either_order() {
    let records = [
        record("b.md", "https://n.test/x", 1, 5, &["Go"], Some("b.test")),
        record("a.md", "https://n.test/x", 2, 5, &["Rust"], Some("a.test")),
    ];
    let settings = settings_with_limit(50);
    let (expected, _) = in_memory(&records, &settings);
    assert!(paths(&expected).contains(&"topics/go.json") && !paths(&expected).contains(&"topics/rust.json"));
    for order in [[0, 1], [1, 0]] {
        let (files, _, read_again) = streamed(&records, &order, &settings);
        assert_eq!(files, expected, "order {order:?}");
        assert!(!read_again, "a tie is settled without a second reading");
    }
}

/// A drawn record: link, publication and update days, topics, provider
/// and `id`.
type Pooled = (usize, i64, i64, Vec<&'static str>, Option<&'static str>, Option<&'static str>);

/// A record drawn from small pools, so that links repeat, update times tie
/// and topic spellings differ only in case; and sometimes an `id` of its
/// own from a pool that holds two of the records' links, so that ids
/// collide with ids and with links.
fn pooled_record() -> impl Strategy<Value = Pooled> {
    let topics = prop::collection::vec(prop::sample::select(vec!["AI", "ai", "Rust", "rust ", "Go", "C++"]), 0..3);
    let provider = prop::option::of(prop::sample::select(vec!["a.test", "b.test", "www.a.test"]));
    let ids = vec!["tag:n.test,2026:x", "tag:n.test,2026:y", "https://n.test/0", "https://n.test/1"];
    let id = prop::option::weighted(0.3, prop::sample::select(ids));
    (0..6usize, 0..8i64, 0..8i64, topics, provider, id)
}

/// Records from the pools, and an order for them to arrive in.
fn records_and_order() -> impl Strategy<Value = (Vec<Record>, Vec<usize>)> {
    prop::collection::vec(pooled_record(), 1..24).prop_flat_map(|drawn| {
        let records: Vec<Record> = drawn
            .iter()
            .enumerate()
            .map(|(index, (link, published, updated, topics, provider, id))| {
                let path = format!("r{index:02}.md");
                let mut record =
                    record(&path, &format!("https://n.test/{link}"), *published, *updated, topics, *provider);
                record.id = id.map(str::to_owned);
                record
            })
            .collect();
        let order: Vec<usize> = (0..records.len()).collect();
        (Just(records), Just(order).prop_shuffle())
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn streaming_matches_the_in_memory_pipeline_in_any_order(
        (records, order) in records_and_order(),
        limit in 0..4usize,
    ) {
        let settings = settings_with_limit(limit);
        let (files, duplicates, _) = streamed(&records, &order, &settings);
        let (expected, expected_duplicates) = in_memory(&records, &settings);
        prop_assert_eq!(paths(&files), paths(&expected));
        prop_assert_eq!(files, expected);
        prop_assert_eq!(duplicates, expected_duplicates);
    }
}
