//! Item ids: a record's explicit `id`, and the guard that warns when an
//! edited link would change an item's id (docs/ids.md).

mod common;

use std::fs;
use std::path::Path;

use common::*;

const CONFIG: &str = "title: Ids\nbase_url: https://ids.test/feeds/\ninput: records\n";

/// A record dated on day `day` of January 2026, with `extra` front matter.
fn record(title: &str, day: u32, link: &str, extra: &str) -> String {
    format!(
        "---\ntitle: {title}\npublishedDateTime: 2026-01-{day:02}T08:00:00Z\noriginalUrl: {link}\n{extra}topics: [News]\n---\n"
    )
}

/// A site folder with `feedgen.yaml` and `records/` holding `records`.
fn site(records: &[(&str, String)]) -> tempfile::TempDir {
    let mut files: Vec<(String, String)> = records.iter().map(|(n, t)| (format!("records/{n}"), t.clone())).collect();
    files.push(("feedgen.yaml".into(), CONFIG.into()));
    let refs: Vec<(&str, &str)> = files.iter().map(|(n, t)| (n.as_str(), t.as_str())).collect();
    records_dir(&refs)
}

fn feedgen(dir: &Path, args: &[&str]) -> std::process::Output {
    run_feedgen(dir, args, &[("SOURCE_DATE_EPOCH", "1798761600")])
}

fn two_records() -> tempfile::TempDir {
    site(&[
        ("a.md", record("Alpha", 1, "http://news.test/alpha", "")),
        ("b.md", record("Beta", 2, "https://news.test/beta", "")),
    ])
}

#[test]
fn an_explicit_id_is_the_items_id_in_every_format_and_the_link_stays_the_link() {
    let dir = site(&[("a.md", record("Alpha", 1, "https://news.test/alpha", "id: tag:news.test,2026:alpha\n"))]);
    assert_eq!(feedgen(dir.path(), &["build", "-q"]).status.code(), Some(0));
    let feeds = dir.path().join("feeds");
    let rss = fs::read_to_string(feeds.join("all.rss.xml")).unwrap();
    assert!(rss.contains("<guid isPermaLink=\"false\">tag:news.test,2026:alpha</guid>"), "{rss}");
    for name in ["all.rss.xml", "all.atom.xml", "all.json"] {
        let feed = parse_feed(name, &fs::read(feeds.join(name)).unwrap());
        assert_eq!(feed.entries.len(), 1, "{name}");
        assert_eq!(feed.entries[0].id, "tag:news.test,2026:alpha", "{name}");
        assert_eq!(entry_links(&feed), ["https://news.test/alpha"], "{name}");
    }
}

#[test]
fn without_an_id_the_link_is_the_id_and_a_permalink_by_default() {
    let dir = site(&[("a.md", record("Alpha", 1, "https://news.test/alpha", ""))]);
    assert_eq!(feedgen(dir.path(), &["build", "-q"]).status.code(), Some(0));
    let rss = fs::read_to_string(dir.path().join("feeds/all.rss.xml")).unwrap();
    assert!(rss.contains("<guid>https://news.test/alpha</guid>"), "isPermaLink defaults to true: {rss}");
}

#[test]
fn an_id_that_is_not_an_absolute_uri_is_an_error_at_its_line_with_a_hint() {
    for bad in ["alpha-1", "/news/alpha", "https://news.test/a b", "1abc:x", "tag:"] {
        let dir = site(&[("a.md", record("Alpha", 1, "https://news.test/alpha", &format!("id: \"{bad}\"\n")))]);
        let output = feedgen(dir.path(), &["build"]);
        assert_eq!(output.status.code(), Some(1), "{bad}");
        let message = stderr_of(&output);
        assert!(message.contains("records/a.md:5:6: id: not an absolute URI"), "{bad}: {message}");
        assert!(message.contains("tag:example.com,2026:article-1"), "{bad}: no hint: {message}");
        assert!(!dir.path().join("feeds").exists(), "{bad}: something was written");
    }
}

#[test]
fn an_edited_link_warns_with_the_old_id_and_how_to_keep_it() {
    let dir = two_records();
    assert_eq!(feedgen(dir.path(), &["build", "-q"]).status.code(), Some(0));
    fs::write(dir.path().join("records/a.md"), record("Alpha", 1, "https://news.test/alpha", "")).unwrap();

    let check = feedgen(dir.path(), &["check", "--strict"]);
    assert_eq!(check.status.code(), Some(1), "check --strict fails on the warning");
    let expected = "warning: records/a.md:4:14: id changes from http://news.test/alpha to https://news.test/alpha: \
                    subscribers will see this article twice; add \"id: http://news.test/alpha\" to keep it";
    assert!(stderr_of(&check).contains(expected), "{}", stderr_of(&check));
    assert!(!stderr_of(&check).contains("beta"), "only the edited record is named: {}", stderr_of(&check));

    let compare = feedgen(dir.path(), &["build", "--check", "-q"]);
    assert_eq!(compare.status.code(), Some(1));
    assert!(stderr_of(&compare).contains(expected), "{}", stderr_of(&compare));
    assert!(stderr_of(&compare).contains("1 item id change since the last build"), "{}", stderr_of(&compare));

    let build = feedgen(dir.path(), &["build"]);
    assert_eq!(build.status.code(), Some(0), "a build goes ahead");
    assert!(stderr_of(&build).contains(expected), "{}", stderr_of(&build));
    let committed = feedgen(dir.path(), &["build", "--check"]);
    assert_eq!(committed.status.code(), Some(1), "the change stands until it is undone or accepted");
    assert!(stderr_of(&committed).contains("run `feedgen build --accept-id-changes`"), "{}", stderr_of(&committed));
    assert_eq!(feedgen(dir.path(), &["check", "--strict"]).status.code(), Some(1));

    let accepted = feedgen(dir.path(), &["build", "--accept-id-changes"]);
    assert_eq!(accepted.status.code(), Some(0), "{}", stderr_of(&accepted));
    for args in [&["build", "--check"][..], &["check", "--strict"][..]] {
        let again = feedgen(dir.path(), args);
        assert_eq!(again.status.code(), Some(0), "{args:?}: {}", stderr_of(&again));
        assert!(!stderr_of(&again).contains("warning:"), "{args:?}: {}", stderr_of(&again));
    }
}

#[test]
fn an_edited_id_is_a_change_and_the_hint_says_to_set_it_back() {
    let dir = site(&[("a.md", record("Alpha", 1, "https://news.test/alpha", "id: tag:news.test,2026:a\n"))]);
    assert_eq!(feedgen(dir.path(), &["build", "-q"]).status.code(), Some(0));
    fs::write(
        dir.path().join("records/a.md"),
        record("Alpha", 1, "https://news.test/alpha", "id: tag:news.test,2026:b\n"),
    )
    .unwrap();
    let check = feedgen(dir.path(), &["check", "--strict"]);
    assert_eq!(check.status.code(), Some(1));
    let expected = "records/a.md:5:5: id changes from tag:news.test,2026:a to tag:news.test,2026:b: subscribers will \
                    see this article twice; set \"id: tag:news.test,2026:a\" to keep it";
    assert!(stderr_of(&check).contains(expected), "{}", stderr_of(&check));
}

#[test]
fn an_id_that_moved_to_another_file_did_not_change() {
    let dir = two_records();
    assert_eq!(feedgen(dir.path(), &["build", "-q"]).status.code(), Some(0));
    let records = dir.path().join("records");
    // a.md is renamed, and a new article takes its old name; b.md and a
    // third file swap contents.
    fs::rename(records.join("a.md"), records.join("old.md")).unwrap();
    fs::write(records.join("a.md"), record("Gamma", 3, "https://news.test/gamma", "")).unwrap();
    let beta = fs::read_to_string(records.join("b.md")).unwrap();
    fs::write(records.join("b.md"), record("Delta", 4, "https://news.test/delta", "")).unwrap();
    fs::write(records.join("c.md"), beta).unwrap();
    for args in [&["check", "--strict"][..], &["build"][..], &["build", "--check"][..]] {
        let output = feedgen(dir.path(), args);
        assert_eq!(output.status.code(), Some(0), "{args:?}: {}", stderr_of(&output));
        assert!(!stderr_of(&output).contains("warning:"), "{args:?}: {}", stderr_of(&output));
    }
}

#[test]
fn a_future_dated_record_is_not_an_id_change_yet() {
    let dir = two_records();
    assert_eq!(feedgen(dir.path(), &["build", "-q"]).status.code(), Some(0));
    let later = record("Alpha", 1, "https://news.test/alpha-2", "").replace("2026-01-01", "2031-01-01");
    fs::write(dir.path().join("records/a.md"), later).unwrap();
    let check = feedgen(dir.path(), &["check", "--strict"]);
    assert!(!stderr_of(&check).contains("id changes"), "{}", stderr_of(&check));
}

#[test]
fn a_file_whose_name_starts_with_a_hash_is_guarded() {
    let dir = site(&[("#1.md", record("Alpha", 1, "http://news.test/alpha", ""))]);
    assert_eq!(feedgen(dir.path(), &["build", "-q"]).status.code(), Some(0));
    fs::write(dir.path().join("records/#1.md"), record("Alpha", 1, "https://news.test/alpha", "")).unwrap();
    let check = feedgen(dir.path(), &["check", "--strict"]);
    assert!(stderr_of(&check).contains("records/#1.md:4:14: id changes"), "{}", stderr_of(&check));
}

#[test]
fn adding_the_old_id_keeps_the_item_and_silences_the_warning() {
    let dir = two_records();
    assert_eq!(feedgen(dir.path(), &["build", "-q"]).status.code(), Some(0));
    let before = parse_feed("all.json", &fs::read(dir.path().join("feeds/all.json")).unwrap());
    let kept = record("Alpha", 1, "https://news.test/alpha", "id: http://news.test/alpha\n");
    fs::write(dir.path().join("records/a.md"), kept).unwrap();

    let check = feedgen(dir.path(), &["check", "--strict"]);
    assert_eq!(check.status.code(), Some(0), "{}", stderr_of(&check));
    let build = feedgen(dir.path(), &["build"]);
    assert!(!stderr_of(&build).contains("warning:"), "{}", stderr_of(&build));
    let after = parse_feed("all.json", &fs::read(dir.path().join("feeds/all.json")).unwrap());
    let ids = |feed: &feed_rs::model::Feed| feed.entries.iter().map(|entry| entry.id.clone()).collect::<Vec<_>>();
    assert_eq!(ids(&after), ids(&before));
    assert_eq!(entry_links(&after)[1], "https://news.test/alpha");
}

#[test]
fn a_renamed_file_or_a_deleted_record_is_not_an_id_change() {
    let dir = two_records();
    assert_eq!(feedgen(dir.path(), &["build", "-q"]).status.code(), Some(0));
    let records = dir.path().join("records");
    fs::rename(records.join("a.md"), records.join("alpha-renamed.md")).unwrap();
    fs::remove_file(records.join("b.md")).unwrap();
    for args in [&["check", "--strict"][..], &["build"][..]] {
        let output = feedgen(dir.path(), args);
        assert_eq!(output.status.code(), Some(0), "{args:?}: {}", stderr_of(&output));
        assert!(!stderr_of(&output).contains("warning:"), "{args:?}: {}", stderr_of(&output));
    }
}

#[test]
fn a_record_made_unpublished_is_not_an_id_change_and_is_as_if_deleted() {
    let (drafted, deleted) = (two_records(), two_records());
    for dir in [&drafted, &deleted] {
        assert_eq!(feedgen(dir.path(), &["build", "-q"]).status.code(), Some(0));
    }
    let draft = record("Alpha", 1, "https://news.test/alpha-moved", "published: false\n");
    fs::write(drafted.path().join("records/a.md"), draft).unwrap();
    fs::remove_file(deleted.path().join("records/a.md")).unwrap();
    for dir in [&drafted, &deleted] {
        let output = feedgen(dir.path(), &["build"]);
        assert!(!stderr_of(&output).contains("warning:"), "{}", stderr_of(&output));
    }
    let tree = read_tree(&drafted.path().join("feeds"));
    assert_eq!(tree, read_tree(&deleted.path().join("feeds")), "every file, the id list included");
    let ids = String::from_utf8_lossy(&tree[feedgen::IDS_NAME]).into_owned();
    assert!(!ids.contains("a.md") && !ids.contains("alpha"), "{ids}");
}

#[test]
fn the_guard_changes_no_feed_byte_and_keeps_the_old_id_until_accepted() {
    let dir = two_records();
    assert_eq!(feedgen(dir.path(), &["build", "-q"]).status.code(), Some(0));
    fs::write(dir.path().join("records/a.md"), record("Alpha", 1, "https://news.test/alpha", "")).unwrap();
    let warned = feedgen(dir.path(), &["build"]);
    assert!(stderr_of(&warned).contains("id changes"), "{}", stderr_of(&warned));
    let fresh = feedgen(dir.path(), &["build", "-q", "--output", "fresh"]);
    assert_eq!(fresh.status.code(), Some(0));
    let (mut guarded, mut unguarded) = (read_tree(&dir.path().join("feeds")), read_tree(&dir.path().join("fresh")));
    let (kept, new) = (guarded.remove(feedgen::IDS_NAME).unwrap(), unguarded.remove(feedgen::IDS_NAME).unwrap());
    assert_eq!(guarded, unguarded, "every other file is the same");
    assert!(String::from_utf8(kept).unwrap().contains("a.md\thttp://news.test/alpha\n"), "the old id stands");
    assert!(String::from_utf8(new).unwrap().contains("a.md\thttps://news.test/alpha\n"));
}

#[test]
fn the_id_list_names_each_shown_record_by_its_path_in_the_input() {
    let dir = site(&[
        ("2026/a.md", record("Alpha", 1, "https://news.test/alpha", "")),
        ("b.md", record("Beta", 2, "https://news.test/beta", "id: urn:uuid:5f1c0e5e-0000-4000-8000-000000000001\n")),
    ]);
    assert_eq!(feedgen(dir.path(), &["build", "-q"]).status.code(), Some(0));
    let ids = fs::read_to_string(dir.path().join("feeds").join(feedgen::IDS_NAME)).unwrap();
    let entries: Vec<&str> = ids.lines().filter(|line| !line.starts_with('#')).collect();
    assert_eq!(entries, ["2026/a.md\thttps://news.test/alpha", "b.md\turn:uuid:5f1c0e5e-0000-4000-8000-000000000001"]);
}

#[test]
fn two_inputs_with_a_file_of_the_same_name_are_not_guarded() {
    let dir = records_dir(&[
        ("news/a.md", &record("Alpha", 1, "https://news.test/alpha", "")),
        ("blog/a.md", &record("Other", 2, "https://blog.test/other", "")),
    ]);
    let args = ["build", "-q", "--input", "news", "--input", "blog", "--base-url", "https://ids.test/feeds/"];
    assert_eq!(feedgen(dir.path(), &args).status.code(), Some(0));
    let ids = fs::read_to_string(dir.path().join("feeds").join(feedgen::IDS_NAME)).unwrap();
    assert!(!ids.contains("a.md"), "{ids}");
    fs::write(dir.path().join("news/a.md"), record("Alpha", 1, "https://news.test/alpha-2", "")).unwrap();
    let output =
        feedgen(dir.path(), &["build", "--input", "news", "--input", "blog", "--base-url", "https://ids.test/feeds/"]);
    assert!(!stderr_of(&output).contains("warning:"), "{}", stderr_of(&output));
}

#[test]
fn records_sharing_an_id_are_one_item_the_one_updated_last() {
    let dir = site(&[
        (
            "a.md",
            record(
                "Alpha",
                1,
                "https://news.test/alpha",
                "id: tag:news.test,2026:one\nupdatedDateTime: 2026-01-05T00:00:00Z\n",
            ),
        ),
        ("b.md", record("Beta", 2, "https://news.test/beta", "id: tag:news.test,2026:one\n")),
        ("c.md", record("Gamma", 3, "https://news.test/gamma", "id: https://news.test/delta\n")),
        ("d.md", record("Delta", 4, "https://news.test/delta", "")),
    ]);
    let build = feedgen(dir.path(), &["build"]);
    assert_eq!(build.status.code(), Some(0), "{}", stderr_of(&build));
    let notes = stderr_of(&build);
    assert!(
        notes
            .contains("note: records/a.md and records/b.md have the same id tag:news.test,2026:one; kept records/a.md"),
        "{notes}"
    );
    assert!(
        notes.contains(
            "note: records/d.md and records/c.md have the same id https://news.test/delta; kept records/d.md"
        ),
        "{notes}"
    );
    assert!(notes.contains("(left out: 0 unpublished, 0 invalid, 0 future, 2 duplicates)"), "{notes}");
    for name in ["all.rss.xml", "all.atom.xml", "all.json"] {
        let feed = parse_feed(name, &fs::read(dir.path().join("feeds").join(name)).unwrap());
        let ids: Vec<&str> = feed.entries.iter().map(|entry| entry.id.as_str()).collect();
        assert_eq!(ids, ["https://news.test/delta", "tag:news.test,2026:one"], "{name}");
    }
    let check = feedgen(dir.path(), &["check", "--strict"]);
    assert_eq!(check.status.code(), Some(1));
    assert!(
        stderr_of(&check).contains("records/b.md:5:5: same id as records/a.md (tag:news.test,2026:one)"),
        "{}",
        stderr_of(&check)
    );
}

#[test]
fn a_future_dated_record_keeps_its_line_while_it_waits_and_warns_when_its_time_comes() {
    let dir = two_records();
    assert_eq!(feedgen(dir.path(), &["build", "-q"]).status.code(), Some(0));
    let later = record("Alpha", 1, "https://news.test/alpha-2", "").replace("2026-01-01", "2031-01-01");
    fs::write(dir.path().join("records/a.md"), later).unwrap();
    assert_eq!(feedgen(dir.path(), &["build", "-q"]).status.code(), Some(0));
    let ids = fs::read_to_string(dir.path().join("feeds").join(feedgen::IDS_NAME)).unwrap();
    assert!(ids.contains("a.md\thttp://news.test/alpha\n"), "{ids}");
    let in_2032 = run_feedgen(dir.path(), &["check", "--strict"], &[("SOURCE_DATE_EPOCH", "1956528000")]);
    assert!(stderr_of(&in_2032).contains("records/a.md:4:14: id changes"), "{}", stderr_of(&in_2032));
}

#[test]
fn an_old_id_carried_only_by_a_record_left_out_has_not_moved() {
    let dir = two_records();
    assert_eq!(feedgen(dir.path(), &["build", "-q"]).status.code(), Some(0));
    let records = dir.path().join("records");
    fs::write(records.join("a.md"), record("Alpha", 1, "https://news.test/alpha", "")).unwrap();
    // c.md carries a.md's old id, but loses its link to d.md, updated later.
    fs::write(records.join("c.md"), record("Gamma", 3, "https://news.test/gamma", "id: http://news.test/alpha\n"))
        .unwrap();
    fs::write(records.join("d.md"), record("Gamma", 4, "https://news.test/gamma", "")).unwrap();
    for args in [&["check", "--strict"][..], &["build"][..]] {
        let output = feedgen(dir.path(), args);
        assert!(stderr_of(&output).contains("records/a.md:4:14: id changes"), "{args:?}: {}", stderr_of(&output));
    }
}

#[test]
fn a_record_left_out_for_a_duplicate_link_is_not_an_id_change() {
    let dir = two_records();
    assert_eq!(feedgen(dir.path(), &["build", "-q"]).status.code(), Some(0));
    // a.md takes b.md's link, and loses it to b.md, updated later.
    fs::write(dir.path().join("records/a.md"), record("Alpha", 1, "https://news.test/beta", "")).unwrap();
    let check = feedgen(dir.path(), &["check", "--strict"]);
    assert!(!stderr_of(&check).contains("id changes"), "{}", stderr_of(&check));
    assert!(stderr_of(&check).contains("same link as records/b.md"), "{}", stderr_of(&check));
}
