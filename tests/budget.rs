//! The size budget (`max_bytes`): every feed document fits, or holds a
//! single item; the three formats hold the same items, the newest; with
//! archives on, the items left out are in the archive documents.

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use feedgen::Settings;
use proptest::prelude::*;

use common::history::*;
use common::*;

/// A record of `words` words of body, published `day` days into 2025.
fn record(index: usize, day: u32, words: usize, topic: &str) -> String {
    let body: Vec<&str> = (0..words).map(|word| ["alpha", "beta & gamma", "**delta**", "ε-psilon"][word % 4]).collect();
    format!(
        "---\ntitle: Story {index}\npublishedDateTime: 2025-{:02}-{:02}T{:02}:00:00Z\n\
         originalUrl: https://budget.test/{index}\ntopics: [{topic}]\n---\n{}\n",
        1 + day / 28 % 12,
        1 + day % 28,
        index % 24,
        body.join(" ")
    )
}

/// A folder with `records/`: records of the given body sizes (in words),
/// one a day, over two topics.
fn corpus(words: &[usize]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir(dir.path().join("records")).unwrap();
    for (index, &count) in words.iter().enumerate() {
        let topic = if index % 3 == 0 { "Odd" } else { "Even" };
        let path = dir.path().join(format!("records/r{index:03}.md"));
        fs::write(path, record(index, index as u32, count, topic)).unwrap();
    }
    dir
}

/// The records of a [`corpus`].
fn records_of(dir: &tempfile::TempDir) -> std::path::PathBuf {
    dir.path().join("records")
}

fn budget_settings(input: &Path, output: &Path, max_bytes: Option<u64>, archives: bool) -> Settings {
    let mut settings = settings(input, output);
    (settings.max_bytes, settings.archives, settings.limit, settings.archive_items) = (max_bytes, archives, 8, 5);
    settings
}

fn build(input: &Path, max_bytes: Option<u64>, archives: bool) -> BTreeMap<String, Vec<u8>> {
    let out = tempfile::tempdir().unwrap();
    build_tree(&budget_settings(input, out.path(), max_bytes, archives))
}

/// Every feed document (subscription or archive) of `tree` is at most
/// `max_bytes`, or holds one item.
fn assert_every_document_fits(tree: &BTreeMap<String, Vec<u8>>, max_bytes: u64) {
    for (path, bytes) in tree.iter().filter(|(path, _)| is_feed(path)) {
        let items = read_document(path, bytes).ids.len();
        assert!(bytes.len() as u64 <= max_bytes || items == 1, "{path}: {} bytes and {items} items", bytes.len());
    }
}

/// Every feed's subscription document holds the same items, in the same
/// order, in RSS, Atom and JSON Feed; returns them by feed.
fn subscription_items(tree: &BTreeMap<String, Vec<u8>>) -> BTreeMap<String, Vec<String>> {
    feed_stems(tree)
        .into_iter()
        .map(|stem| {
            let ids: Vec<Vec<String>> = FORMATS
                .iter()
                .map(|extension| read_document(&format!("{stem}{extension}"), &tree[&format!("{stem}{extension}")]).ids)
                .collect();
            assert!(ids.iter().all(|format| format == &ids[0]), "{stem}: the formats differ: {ids:?}");
            (stem, ids[0].clone())
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn every_document_fits_with_the_newest_items_the_same_in_every_format(
        words in prop::collection::vec(prop_oneof![1..40usize, 200..2000usize], 1..30),
        max_bytes in 2_000..40_000u64,
        archives in any::<bool>(),
    ) {
        let records = corpus(&words);
        let tree = build(&records_of(&records), Some(max_bytes), archives);
        assert_every_document_fits(&tree, max_bytes);
        let unbudgeted = subscription_items(&build(&records_of(&records), None, false));
        for (stem, kept) in subscription_items(&tree) {
            let newest = &unbudgeted[&stem];
            prop_assert!(!kept.is_empty(), "{} keeps nothing", stem);
            prop_assert_eq!(&newest[..kept.len()], &kept[..], "{} keeps other items than its newest", stem);
        }
        if archives {
            assert_walks_give_every_item(&tree, &every_item(&records_of(&records)));
        } else {
            assert_one_more_item_would_not_fit(&records_of(&records), &tree, max_bytes);
        }
    }
}

/// Each feed that left items out keeps as many as fit: its newest items
/// and one more (what a build with that `limit` and no budget writes)
/// exceed `max_bytes` in some format.
fn assert_one_more_item_would_not_fit(input: &Path, tree: &BTreeMap<String, Vec<u8>>, max_bytes: u64) {
    let unbudgeted = subscription_items(&build(input, None, false));
    for (stem, kept) in subscription_items(tree) {
        if kept.len() == unbudgeted[&stem].len() {
            continue;
        }
        let out = tempfile::tempdir().unwrap();
        let mut settings = budget_settings(input, out.path(), None, false);
        settings.limit = kept.len() + 1;
        let one_more = build_tree(&settings);
        let largest = FORMATS.iter().map(|extension| one_more[&format!("{stem}{extension}")].len()).max().unwrap();
        assert!(
            largest as u64 > max_bytes,
            "{stem} keeps {} items, but {} fit in {max_bytes} bytes",
            kept.len(),
            kept.len() + 1
        );
    }
}

#[test]
fn a_budget_every_feed_fits_changes_no_byte() {
    let records = corpus(&[10, 20, 30, 40, 50]);
    let without = build(&records_of(&records), None, false);
    let roomy = build(&records_of(&records), Some(10_000_000), false);
    assert_eq!(without, roomy);
}

#[test]
fn an_item_larger_than_the_budget_is_kept_alone() {
    let records = corpus(&[5, 3000, 5]);
    let tree = build(&records_of(&records), Some(3_000), true);
    let newest_first = subscription_items(&tree);
    assert_eq!(newest_first["all"], ["https://budget.test/2"], "the newest item, alone");
    assert_every_document_fits(&tree, 3_000);
    assert_walks_give_every_item(&tree, &every_item(&records_of(&records)));
}

#[test]
fn list_and_the_summary_count_the_items_and_feeds_left_out() {
    let records = corpus(&[800, 800, 800, 800, 800, 800]);
    let out = tempfile::tempdir().unwrap();
    let settings = budget_settings(&records_of(&records), out.path(), Some(20_000), false);
    let (feeds, _) = feedgen::list(&settings).unwrap();
    let all = feeds.iter().find(|feed| feed.stem == "all").unwrap();
    assert!(all.left_out > 0 && all.items + all.left_out == 6, "{all:?}");
    let report = feedgen::build(&settings).unwrap();
    assert_eq!(report.trimmed_feeds, feeds.iter().filter(|feed| feed.left_out > 0).count());
    let built = read_document("all.json", &fs::read(out.path().join("all.json")).unwrap());
    assert_eq!(built.ids.len(), all.items);

    let dir = records.path();
    let args = [
        "build",
        "--input",
        "records",
        "--base-url",
        "https://budget.test/",
        "--max-bytes",
        "20000",
        "--output",
        "out",
    ];
    let output = run_feedgen(dir, &args, &[]);
    assert!(
        stderr_of(&output).contains(&format!("({} trimmed to fit max_bytes)", report.trimmed_feeds)),
        "{}",
        stderr_of(&output)
    );
}

#[test]
fn a_budget_of_zero_is_a_usage_error() {
    let records = corpus(&[1]);
    let output = run_feedgen(
        records.path(),
        &["build", "--input", "records", "--base-url", "https://budget.test/", "--max-bytes", "0"],
        &[],
    );
    assert_eq!(output.status.code(), Some(2), "{}", stderr_of(&output));
    assert!(stderr_of(&output).contains("--max-bytes: not a size"), "{}", stderr_of(&output));
    fs::write(records.path().join("feedgen.yaml"), "base_url: https://budget.test/\ninput: records\nmax_bytes: 0\n")
        .unwrap();
    let output = run_feedgen(records.path(), &["build"], &[]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr_of(&output));
    assert!(stderr_of(&output).contains("feedgen.yaml:3:12: max_bytes: not a size"), "{}", stderr_of(&output));
}
