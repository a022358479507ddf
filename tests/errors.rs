//! Bad records are refused with a message naming the file, line and column;
//! every bad record is reported and nothing is written.

mod common;

use common::*;
use feedgen::BuildError;

/// Messages of a build over `files`, each without its folder prefix.
fn messages(files: &[(&str, &[u8])]) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    for (name, bytes) in files {
        std::fs::write(dir.path().join(name), bytes).unwrap();
    }
    let out = dir.path().join("feeds-out");
    let settings = settings(dir.path(), &out);
    let Err(BuildError::InvalidRecords(errors)) = feedgen::build(&settings) else {
        panic!("expected invalid records");
    };
    assert!(!out.exists(), "nothing may be written when a record is bad");
    let prefix = format!("{}{}", dir.path().display(), std::path::MAIN_SEPARATOR);
    errors.iter().map(|error| error.to_string().replace(&prefix, "")).collect()
}

const GOOD: &[u8] = b"---\ntitle: Good\npublishedDateTime: 2025-01-01T00:00:00Z\noriginalUrl: https://ok.test/1\n---\n";

#[test]
fn unparseable_date_points_at_the_value() {
    let bad = b"---\ntitle: T\npublishedDateTime: yesterday\noriginalUrl: https://ok.test/2\n---\n";
    assert_eq!(
        messages(&[("good.md", GOOD), ("when.md", bad)]),
        [
            "when.md:3:20: publishedDateTime: not a date: \"yesterday\"; expected an RFC 3339 date such as 2020-11-12T20:30:00Z, `2020-11-12 20:30:00 +0100` or 2020-11-12, in the years 1900 to 9999"
        ]
    );
}

#[test]
fn missing_title_and_missing_link_are_both_reported() {
    let bad = b"---\npublishedDateTime: 2025-01-01\n---\n";
    assert_eq!(
        messages(&[("empty.md", bad)]),
        [
            "empty.md:1:1: title: missing; every record needs a title",
            "empty.md:1:1: no link; set originalUrl or webUrl to an absolute http(s) URL",
        ]
    );
}

#[test]
fn a_misspelt_required_key_suggests_the_right_one() {
    let date = b"---\ntitle: T\npublishedDatetime: 2025-01-01\noriginalUrl: https://ok.test/a\n---\n";
    let title_and_link = b"---\nTitle: T\npublishedDateTime: 2025-01-01\norginalUrl: https://ok.test/b\n---\n";
    let web = b"---\ntitle: T\npublishedDateTime: 2025-01-01\nwebURL: https://ok.test/c\n---\n";
    assert_eq!(
        messages(&[("date.md", date), ("title.md", title_and_link), ("web.md", web)]),
        [
            "date.md:3:1: publishedDateTime: missing; did you mean `publishedDateTime`?",
            "title.md:2:1: title: missing; did you mean `title`?",
            "title.md:4:1: no link; did you mean `originalUrl`?",
            "web.md:4:1: no link; did you mean `webUrl`?",
        ]
    );
}

#[test]
fn a_missing_key_without_a_near_spelling_keeps_its_hint() {
    let bad = b"---\ntitle: T\ndate: 2025-01-01\nlink: https://ok.test/d\n---\n";
    assert_eq!(
        messages(&[("far.md", bad)]),
        [
            "far.md:1:1: publishedDateTime: missing; expected an RFC 3339 date such as 2020-11-12T20:30:00Z, `2020-11-12 20:30:00 +0100` or 2020-11-12, in the years 1900 to 9999",
            "far.md:1:1: no link; set originalUrl or webUrl to an absolute http(s) URL",
        ]
    );
}

#[test]
fn link_that_is_not_absolute_http_is_refused() {
    let bad =
        b"---\ntitle: T\npublishedDateTime: 2025-01-01\noriginalUrl: /news/1\nwebUrl: \"javascript:alert(1)\"\n---\n";
    assert_eq!(
        messages(&[("rel.md", bad)]),
        [
            "rel.md:4:14: originalUrl: not an absolute http(s) URL: \"/news/1\"; write a full link such as https://example.com/news/article",
            "rel.md:5:10: webUrl: not an absolute http(s) URL: \"javascript:alert(1)\"; write a full link such as https://example.com/news/article",
        ]
    );
}

/// A build over `files` that succeeds: its warnings, each without its
/// folder prefix, and the firehose's JSON Feed.
fn warnings(files: &[(&str, &[u8])]) -> (Vec<String>, String) {
    let dir = tempfile::tempdir().unwrap();
    for (name, bytes) in files {
        std::fs::write(dir.path().join(name), bytes).unwrap();
    }
    let settings = settings(dir.path(), &dir.path().join("feeds-out"));
    let report = feedgen::build(&settings).unwrap();
    let prefix = format!("{}{}", dir.path().display(), std::path::MAIN_SEPARATOR);
    let warnings = report.warnings.iter().map(|warning| warning.to_string().replace(&prefix, "")).collect();
    let firehose = std::fs::read_to_string(settings.output.join("all.json")).unwrap();
    (warnings, firehose)
}

#[test]
fn secondary_data_without_a_usable_link_is_left_out_with_a_warning() {
    let record = b"---\ntitle: T\npublishedDateTime: 2025-01-01\noriginalUrl: https://ok.test/3\nimages:\n  - url: \"ftp://x.test/a.jpg\"\n  - url: https://ok.test/b.jpg\nrelated:\n  - title: R\n    publishedDateTime: soon\n    webUrl: https://ok.test/r\n  - title: Nowhere\n---\n";
    let (found, firehose) = warnings(&[("nested.md", record)]);
    assert_eq!(
        found,
        [
            "nested.md:6:11: images[0].url: not an absolute http(s) URL: \"ftp://x.test/a.jpg\"; image left out; write a full link such as https://example.com/images/photo.jpg, or remove the image",
            "nested.md:8:9: related[1]: no link; related article left out; set originalUrl or webUrl to an absolute http(s) URL, or remove the entry",
            "nested.md:10:24: related[0].publishedDateTime: not a date: \"soon\"; date left out; expected an RFC 3339 date such as 2020-11-12T20:30:00Z, `2020-11-12 20:30:00 +0100` or 2020-11-12, in the years 1900 to 9999",
        ]
    );
    let feed: serde_json::Value = serde_json::from_str(&firehose).unwrap();
    let item = &feed["items"][0];
    assert_eq!(item["url"], "https://ok.test/3", "the record itself builds");
    assert_eq!(item["image"], "https://ok.test/b.jpg", "the usable image is kept, the other left out");
    let content = item["content_html"].as_str().unwrap();
    assert!(content.contains("https://ok.test/r") && !content.contains("Nowhere"), "{content}");
    assert!(!firehose.contains("ftp://"), "{firehose}");
}

#[test]
fn an_unusable_related_link_beside_a_usable_one_is_ignored_with_a_warning() {
    let record = b"---\ntitle: T\npublishedDateTime: 2025-01-01\noriginalUrl: https://ok.test/4\nrelated:\n  - title: R\n    originalUrl: \"javascript:alert(1)\"\n    webUrl: https://ok.test/related\n---\n";
    let (found, firehose) = warnings(&[("js.md", record)]);
    assert_eq!(
        found,
        [
            "js.md:7:19: related[0].originalUrl: not an absolute http(s) URL: \"javascript:alert(1)\"; ignored, the entry links to its webUrl; write a full link such as https://example.com/news/article, or remove the entry"
        ]
    );
    assert!(firehose.contains("https://ok.test/related") && !firehose.contains("javascript:"), "{firehose}");
}

#[test]
fn warnings_are_reported_once_even_for_records_read_again() {
    // Records that share a link with the same update time (a tie, settled
    // by reading the winner again), and newer versions of links that push
    // older ones out of a feed of one item (which may take a second reading
    // of every record), each with an image that cannot be used.
    let record = |link: &str, published: &str, updated: &str| {
        format!(
            "---\ntitle: T\npublishedDateTime: {published}\nupdatedDateTime: {updated}\noriginalUrl: https://ok.test/{link}\ntopics: [AI]\nimages:\n  - url: /relative.png\n---\n"
        )
    };
    let files = [
        ("tie-a.md", record("tie", "2025-01-05", "2025-01-05")),
        ("tie-b.md", record("tie", "2025-01-05", "2025-01-05")),
        ("a1.md", record("a", "2025-01-10", "2025-01-10")),
        ("b1.md", record("b", "2025-01-09", "2025-01-09")),
        ("c1.md", record("c", "2025-01-08", "2025-01-08")),
        ("d.md", record("d", "2025-01-01", "2025-01-01")),
        ("a2.md", record("a", "2024-12-01", "2025-02-01")),
        ("b2.md", record("b", "2024-12-01", "2025-02-01")),
        ("c2.md", record("c", "2024-12-01", "2025-02-01")),
    ];
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in &files {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    let mut settings = settings(dir.path(), &dir.path().join("feeds-out"));
    settings.limit = 1;
    let report = feedgen::build(&settings).unwrap();
    let mut warned: Vec<String> = report
        .warnings
        .iter()
        .map(|warning| warning.path.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    let mut expected: Vec<String> = files.iter().map(|(name, _)| (*name).to_owned()).collect();
    warned.sort();
    expected.sort();
    assert_eq!(warned, expected, "one warning per file, each once");
}

#[test]
fn yaml_syntax_and_type_errors_carry_serde_yaml_positions() {
    let syntax = b"---\ntitle: T\ntopics: [unclosed\n---\n";
    let wrong_type =
        b"---\ntitle: T\npublishedDateTime: 2025-01-01\noriginalUrl: https://ok.test/4\nquality: high\n---\n";
    let found = messages(&[("syntax.md", syntax), ("type.md", wrong_type)]);
    assert_eq!(found.len(), 2, "{found:#?}");
    assert!(found[0].starts_with("syntax.md:4:1: invalid front matter: "), "{found:#?}");
    assert_eq!(
        found[1],
        "type.md:5:10: invalid front matter: quality: invalid type: string, expected i64; write a whole number, without quotes"
    );
}

#[test]
fn published_that_is_not_a_boolean_never_publishes() {
    for spelling in ["no", "off", "yes", "\"false\"", "0"] {
        let bad = format!(
            "---\ntitle: T\npublishedDateTime: 2025-01-01\noriginalUrl: https://ok.test/5\npublished: {spelling}\n---\n"
        );
        let shown = spelling.trim_matches('"');
        assert_eq!(
            messages(&[("flag.md", bad.as_bytes())]),
            [format!(
                "flag.md:5:{}: published: must be true or false, not \"{shown}\"; write `published: false` to keep a draft out",
                if spelling.starts_with('"') { 13 } else { 12 }
            )]
        );
    }
}

/// Found by fuzzing: chrono parses `-05-1-2`, and formatting that year as
/// an RSS date panicked.
#[test]
fn dates_outside_the_years_feeds_can_state_are_refused() {
    for date in ["-05-1-2", "+10000-01-01", "1899-12-31", "9999-12-31T23:59:59-01:00"] {
        let bad = format!("---\ntitle: A\npublishedDateTime: \"{date}\"\noriginalUrl: https://ok.test/y\n---\n");
        let found = messages(&[("year.md", bad.as_bytes())]);
        assert_eq!(found.len(), 1, "{date}: {found:?}");
        assert!(found[0].starts_with("year.md:3:21: publishedDateTime: not a date:"), "{date}: {found:?}");
    }
}

#[test]
fn bytes_that_are_not_utf8_are_refused_with_their_position() {
    let bad = b"---\ntitle: caf\xe9\n---\n";
    assert_eq!(messages(&[("latin1.md", bad)]), ["latin1.md:2:11: not UTF-8 text; save the file as UTF-8"]);
}

#[test]
fn unclosed_front_matter_is_refused() {
    assert_eq!(
        messages(&[("open.md", b"---\ntitle: T\n")]),
        ["open.md:1:1: front matter opened with `---` on line 1 is never closed; add a `---` line after it"]
    );
}

#[test]
fn every_bad_record_is_reported_in_path_order() {
    let bad = b"---\ntitle: T\n---\n";
    let found = messages(&[("c.md", bad), ("a.md", bad), ("good.md", GOOD), ("b.md", bad)]);
    let files: Vec<&str> = found.iter().map(|m| m.split(':').next().unwrap()).collect();
    assert_eq!(files, ["a.md", "a.md", "b.md", "b.md", "c.md", "c.md"]);
}

#[test]
fn oversized_record_is_refused_unread() {
    let mut huge = GOOD.to_vec();
    huge.resize(feedgen::MAX_RECORD_BYTES as usize + 1, b'x');
    assert_eq!(messages(&[("huge.md", &huge)]), ["huge.md: larger than 1 MiB, the size limit for a record"]);
}

/// Nine levels of ten aliases each: a billion strings if expanded.
const ALIAS_BOMB: &str = "a: &a [x, x, x, x, x, x, x, x, x, x]\n\
    b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n\
    d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n\
    f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\ng: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]\n\
    h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g, *g]\ni: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h, *h]\n";

#[test]
fn yaml_alias_bomb_in_a_read_field_is_refused() {
    let bomb = format!(
        "---\n{ALIAS_BOMB}title: T\npublishedDateTime: 2025-01-01\noriginalUrl: https://ok.test/6\ntags: *i\n---\n"
    );
    let found = messages(&[("bomb.md", bomb.as_bytes())]);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(found[0].starts_with("bomb.md:") && found[0].contains("invalid front matter"), "{found:#?}");
}

#[test]
fn yaml_alias_bomb_under_unknown_keys_is_never_expanded() {
    let dir = tempfile::tempdir().unwrap();
    let record =
        format!("---\n{ALIAS_BOMB}title: T\npublishedDateTime: 2025-01-01\noriginalUrl: https://ok.test/7\n---\n");
    std::fs::write(dir.path().join("bomb.md"), record).unwrap();
    let plan = feedgen::plan(&settings(dir.path(), &dir.path().join("out"))).unwrap();
    assert_eq!(plan.report.records_read, 1);
}

#[test]
fn missing_input_folder_is_a_load_error() {
    let out = tempfile::tempdir().unwrap();
    let settings = settings(&out.path().join("no-such-folder"), out.path());
    assert!(matches!(feedgen::plan(&settings), Err(BuildError::Load(_))));
}
