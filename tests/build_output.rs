//! What a build writes, read back with independent parsers (feed-rs for all
//! three formats, roxmltree for XML, serde_json for JSON) and checked for
//! meaning: which items are in which feed, and what each item says.

mod common;

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use common::*;

fn newsroom_tree() -> BTreeMap<String, Vec<u8>> {
    build_folder(&newsroom())
}

fn feed(tree: &BTreeMap<String, Vec<u8>>, path: &str) -> feed_rs::model::Feed {
    let bytes = tree.get(path).unwrap_or_else(|| panic!("{path} not written; have {:?}", tree.keys()));
    parse_feed(path, bytes)
}

fn utc(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text).unwrap().to_utc()
}

const VIDEO: &str = "https://gamma.test/videos/keynote";
const ALPHA_LAUNCH: &str = "https://alpha.test/news/compiler";
const ALPHA_DATABASES: &str = "https://alpha.test/news/databases";
const DELTA: &str = "https://delta.test/story";
const BETA: &str = "https://beta.test/tutorials/query-plans";
const COMMUNITY: &str = "https://community.test/notes/1";
const ZETA: &str = "https://zeta.test/windows";

#[test]
fn every_written_file_parses_with_independent_readers() {
    let tree = feeds_only(newsroom_tree());
    // 1 firehose + 4 topics + 5 providers, 3 formats each.
    assert_eq!(tree.len(), 30, "{:?}", tree.keys());
    for (path, bytes) in &tree {
        parse_feed(path, bytes);
    }
}

#[test]
fn firehose_holds_every_selected_record_newest_first_in_every_format() {
    let tree = newsroom_tree();
    let expected = [VIDEO, ALPHA_LAUNCH, ALPHA_DATABASES, DELTA, BETA, COMMUNITY, ZETA];
    for path in ["all.rss.xml", "all.atom.xml", "all.json"] {
        assert_eq!(entry_links(&feed(&tree, path)), expected, "{path}");
    }
}

#[test]
fn each_topic_feed_holds_exactly_the_records_naming_it() {
    let tree = feeds_only(newsroom_tree());
    let expected: [(&str, &[&str]); 4] = [
        ("topics/ai", &[VIDEO, ALPHA_LAUNCH, ALPHA_DATABASES]),
        ("topics/rust", &[ALPHA_LAUNCH, DELTA, ZETA]),
        ("topics/databases", &[ALPHA_DATABASES, BETA]),
        ("topics/open-source", &[BETA, COMMUNITY]),
    ];
    for (stem, links) in expected {
        for extension in [".rss.xml", ".atom.xml", ".json"] {
            let path = format!("{stem}{extension}");
            assert_eq!(entry_links(&feed(&tree, &path)), links, "{path}");
        }
    }
    let topic_files = tree.keys().filter(|path| path.starts_with("topics/")).count();
    assert_eq!(topic_files, 12, "only the four topics of selected records have feeds");
}

#[test]
fn topic_spellings_differing_in_case_and_spaces_share_one_feed_and_name() {
    let tree = newsroom_tree();
    assert_eq!(feed(&tree, "topics/ai.atom.xml").title.unwrap().content, "Test Site — AI");
    assert_eq!(feed(&tree, "topics/open-source.atom.xml").title.unwrap().content, "Test Site — Open Source");
    let all = feed(&tree, "all.atom.xml");
    let databases_entry = all.entries.iter().find(|entry| entry.id == ALPHA_DATABASES).unwrap();
    let terms: Vec<&str> = databases_entry.categories.iter().map(|c| c.term.as_str()).collect();
    assert_eq!(terms, ["AI", "Databases"], "the item's own spelling `ai ` becomes the topic's name");
}

#[test]
fn provider_feeds_are_keyed_by_domain_without_www() {
    let tree = newsroom_tree();
    let alpha = feed(&tree, "providers/alpha-test.atom.xml");
    assert_eq!(entry_links(&alpha), [ALPHA_LAUNCH, ALPHA_DATABASES]);
    assert_eq!(alpha.title.unwrap().content, "Test Site — Alpha News");
    assert_eq!(alpha.icon.map(|icon| icon.uri).as_deref(), Some("https://alpha.test/logo.png"));
    let providers: Vec<&String> = tree.keys().filter(|p| p.starts_with("providers/") && p.ends_with(".json")).collect();
    assert_eq!(
        providers,
        [
            "providers/alpha-test.json",
            "providers/beta-test.json",
            "providers/delta-test.json",
            "providers/gamma-test.json",
            "providers/zeta-test.json"
        ]
    );
}

#[test]
fn record_without_provider_is_only_in_the_firehose_and_its_topics() {
    let tree = newsroom_tree();
    let holders: Vec<&String> = tree
        .iter()
        .filter(|(path, _)| path.ends_with(".json"))
        .filter(|(_, bytes)| String::from_utf8_lossy(bytes).contains(COMMUNITY))
        .map(|(path, _)| path)
        .collect();
    assert_eq!(holders, ["all.json", "topics/open-source.json"]);
}

#[test]
fn item_title_dates_categories_and_author_survive_in_every_format() {
    let tree = newsroom_tree();
    for path in ["all.rss.xml", "all.atom.xml", "all.json"] {
        let parsed = feed(&tree, path);
        let entry = parsed.entries.iter().find(|entry| entry.links[0].href == ALPHA_LAUNCH).unwrap();
        assert_eq!(entry.title.as_ref().unwrap().content, "Alpha ships a \"faster\" compiler & a new linker", "{path}");
        assert_eq!(entry.published, Some(utc("2025-12-01T10:00:00Z")), "{path}");
        let terms: Vec<&str> = entry.categories.iter().map(|c| c.term.as_str()).collect();
        assert_eq!(terms, ["AI", "Rust", "compilers"], "{path}");
        let authors: Vec<&str> = entry.authors.iter().filter_map(|a| a.name.as_deref()).collect();
        assert_eq!(authors, ["Alpha News"], "{path}");
    }
    let atom = feed(&tree, "all.atom.xml");
    let entry = atom.entries.iter().find(|entry| entry.id == ALPHA_LAUNCH).unwrap();
    assert_eq!(entry.updated, Some(utc("2025-12-02T08:00:00Z")));
}

#[test]
fn feed_updated_is_the_newest_item_change_never_the_clock() {
    let tree = newsroom_tree();
    assert_eq!(feed(&tree, "all.atom.xml").updated, Some(utc("2025-12-10T18:00:00Z")));
    assert_eq!(feed(&tree, "topics/rust.atom.xml").updated, Some(utc("2025-12-02T08:00:00Z")));
    let rss = String::from_utf8(tree["topics/rust.rss.xml"].clone()).unwrap();
    assert!(rss.contains("<lastBuildDate>Tue, 2 Dec 2025 08:00:00 +0000</lastBuildDate>"), "{rss}");
}

#[test]
fn every_feed_links_to_itself_with_an_absolute_url() {
    let tree = feeds_only(newsroom_tree());
    for (path, bytes) in &tree {
        let expected = format!("https://feeds.test/out/{path}");
        if path.ends_with(".json") {
            let json: serde_json::Value = serde_json::from_slice(bytes).unwrap();
            assert_eq!(json["feed_url"], expected.as_str(), "{path}");
        } else {
            let text = std::str::from_utf8(bytes).unwrap();
            let document = roxmltree::Document::parse(text).unwrap();
            let self_link = document
                .descendants()
                .find(|node| node.tag_name().name() == "link" && node.attribute("rel") == Some("self"))
                .unwrap_or_else(|| panic!("{path} has no rel=self link"));
            assert_eq!(self_link.attribute("href"), Some(expected.as_str()), "{path}");
        }
    }
}

#[test]
fn excerpt_entities_are_decoded_exactly_once() {
    let tree = newsroom_tree();
    let json: serde_json::Value = serde_json::from_slice(&tree["all.json"]).unwrap();
    let item = json["items"].as_array().unwrap().iter().find(|item| item["id"] == ALPHA_LAUNCH).unwrap();
    assert_eq!(item["summary"], "AT&T and Customer & Partner say it\u{2019}s fast.");
    let rss = feed(&tree, "all.rss.xml");
    let entry = rss.entries.iter().find(|entry| entry.id == ALPHA_LAUNCH).unwrap();
    assert_eq!(
        entry.summary.as_ref().unwrap().content,
        "AT&amp;T and Customer &amp; Partner say it\u{2019}s <em>fast</em>.",
        "the HTML a reader renders shows `AT&T`"
    );
}

#[test]
fn same_link_is_one_item_and_the_last_updated_record_wins() {
    let tree = newsroom_tree();
    let all = feed(&tree, "all.atom.xml");
    let matching: Vec<_> = all.entries.iter().filter(|entry| entry.id == DELTA).collect();
    assert_eq!(matching.len(), 1);
    assert_eq!(matching[0].title.as_ref().unwrap().content, "Delta story, corrected version");
}

#[test]
fn jekyll_and_bare_dates_are_read() {
    let tree = newsroom_tree();
    let all = feed(&tree, "all.atom.xml");
    let published = |id: &str| all.entries.iter().find(|entry| entry.id == id).unwrap().published;
    assert_eq!(published(ALPHA_DATABASES), Some(utc("2025-11-20T08:30:00Z")));
    assert_eq!(published(BETA), Some(utc("2025-10-05T00:00:00Z")));
}

#[test]
fn record_saved_with_bom_and_crlf_loads_with_its_body() {
    let tree = newsroom_tree();
    let json: serde_json::Value = serde_json::from_slice(&tree["all.json"]).unwrap();
    let item = json["items"].as_array().unwrap().iter().find(|item| item["id"] == ZETA).unwrap();
    assert_eq!(item["title"], "Windows-edited record");
    let content = item["content_html"].as_str().unwrap();
    assert!(content.contains("<p>Body line one.</p>") && content.contains("<p>Body line two.</p>"), "{content}");
}

#[test]
fn hidden_entries_and_files_without_front_matter_are_skipped() {
    let out = tempfile::tempdir().unwrap();
    let report = feedgen::build(&settings(&newsroom(), out.path())).unwrap();
    assert_eq!(report.without_front_matter, [newsroom().join("README.txt")]);
    let tree = read_tree(out.path());
    assert!(tree.values().all(|bytes| !String::from_utf8_lossy(bytes).contains("Vexilloid")));
}

#[test]
fn scripts_and_event_handlers_are_removed_and_embeds_become_links() {
    let tree = newsroom_tree();
    let json: serde_json::Value = serde_json::from_slice(&tree["all.json"]).unwrap();
    let items = json["items"].as_array().unwrap();
    let content =
        |id: &str| items.iter().find(|item| item["id"] == id).unwrap()["content_html"].as_str().unwrap().to_owned();
    let video = content(VIDEO);
    assert!(video.contains(r#"<a href="https://video.test/embed/k1""#), "{video}");
    assert!(!video.contains("<iframe") && !video.contains("onload") && !video.contains("script"), "{video}");
    let tutorial = content(BETA);
    assert!(tutorial.contains("<strong>read it bottom-up</strong>") && !tutorial.contains("script"), "{tutorial}");
}

/// The full content of the item at `link` in the firehose's three formats
/// (RSS carries it as the description when the record has no excerpt).
fn full_contents(tree: &BTreeMap<String, Vec<u8>>, link: &str) -> Vec<String> {
    ["all.rss.xml", "all.atom.xml", "all.json"]
        .into_iter()
        .map(|path| {
            let parsed = feed(tree, path);
            let entry = parsed.entries.iter().find(|entry| entry.links[0].href == link).unwrap();
            let content = entry.content.as_ref().and_then(|content| content.body.clone());
            content
                .or_else(|| entry.summary.as_ref().map(|summary| summary.content.clone()))
                .unwrap_or_else(|| panic!("{path}: no content"))
        })
        .collect()
}

/// A link of an HTML fragment, as a reader shows it.
#[derive(Debug, PartialEq)]
struct ShownLink {
    href: String,
    /// Its text, decoded.
    text: String,
    /// The images inside it: `src`, `alt`, `width`, `height`, each if stated.
    pictures: Vec<[Option<String>; 4]>,
}

impl ShownLink {
    fn new(href: &str, text: &str, pictures: &[[Option<&str>; 4]]) -> Self {
        let pictures = pictures.iter().map(|picture| picture.map(|value| value.map(str::to_owned))).collect();
        ShownLink { href: href.to_owned(), text: text.to_owned(), pictures }
    }
}

/// The links of an HTML fragment.
fn links_of(html: &str) -> Vec<ShownLink> {
    let fragment = scraper::Html::parse_fragment(html);
    let picture = scraper::Selector::parse("img").unwrap();
    fragment
        .select(&scraper::Selector::parse("a").unwrap())
        .map(|link| ShownLink {
            href: link.attr("href").unwrap().to_owned(),
            text: link.text().collect(),
            pictures: link
                .select(&picture)
                .map(|img| ["src", "alt", "width", "height"].map(|name| img.attr(name).map(str::to_owned)))
                .collect(),
        })
        .collect()
}

#[test]
fn a_video_embed_links_with_the_title_and_first_image() {
    let contents = full_contents(&newsroom_tree(), VIDEO);
    assert!(contents.iter().all(|content| *content == contents[0]), "the formats differ: {contents:#?}");
    let thumbnail = [Some("https://video.test/thumbs/k1.jpg"), Some(""), Some("1280"), Some("720")];
    assert_eq!(
        links_of(&contents[0]),
        [ShownLink::new("https://video.test/embed/k1", "Watch the Gamma keynote", &[thumbnail])],
        "{}",
        contents[0]
    );
}

#[test]
fn a_video_link_shows_the_title_escaped_once_and_a_picture_only_when_the_record_has_one() {
    let title = r#"Q&A: "Vec<T>" & AT&amp;T, live"#;
    let record = |slug: &str, images: &str| {
        format!(
            "---\ntitle: '{title}'\npublishedDateTime: 2025-06-01T10:00:00Z\noriginalUrl: https://clips.test/{slug}\n\
             featuredContent: '<iframe src=\"https://player.test/{slug}\" title=\"YouTube video player\"></iframe>'\n{images}---\n"
        )
    };
    let pictured = record("pictured", "images:\n  - {url: https://clips.test/still.png, title: The stage}\n");
    let records = records_dir(&[("pictured.md", &pictured), ("bare.md", &record("bare", ""))]);
    let tree = build_folder(records.path());
    for path in ["all.rss.xml", "all.atom.xml", "all.json"] {
        let shown: Vec<String> =
            feed(&tree, path).entries.iter().map(|entry| entry.title.clone().unwrap().content).collect();
        assert_eq!(shown, [title, title], "{path}: the item's own title");
    }
    let still = [Some("https://clips.test/still.png"), Some("The stage"), None, None];
    for content in full_contents(&tree, "https://clips.test/pictured") {
        assert_eq!(links_of(&content), [ShownLink::new("https://player.test/pictured", title, &[still])], "{content}");
    }
    for content in full_contents(&tree, "https://clips.test/bare") {
        assert_eq!(links_of(&content), [ShownLink::new("https://player.test/bare", title, &[])], "{content}");
    }
}

#[test]
fn related_articles_become_links_and_a_list() {
    let tree = newsroom_tree();
    let atom = String::from_utf8(tree["all.atom.xml"].clone()).unwrap();
    assert!(atom.contains(r#"<link href="https://beta.test/reviews/alpha-compiler" rel="related" title="Beta reviews the Alpha compiler"/>"#));
    let rss = feed(&tree, "all.rss.xml");
    let entry = rss.entries.iter().find(|entry| entry.id == ALPHA_LAUNCH).unwrap();
    let content = entry.content.as_ref().unwrap().body.as_deref().unwrap();
    assert!(
        content.contains(
            r#"<a href="https://beta.test/reviews/alpha-compiler">Beta reviews the Alpha compiler</a> (Beta Daily)"#
        ),
        "{content}"
    );
}

#[test]
fn images_become_media_rss_and_atom_enclosures() {
    let tree = newsroom_tree();
    for path in ["all.rss.xml", "all.atom.xml"] {
        let parsed = feed(&tree, path);
        let entry = parsed.entries.iter().find(|entry| entry.id == ALPHA_LAUNCH).unwrap();
        let urls: Vec<String> = match path {
            "all.rss.xml" => entry
                .media
                .iter()
                .flat_map(|m| m.content.iter())
                .filter_map(|c| c.url.as_ref().map(|u| u.to_string()))
                .collect(),
            _ => entry.links.iter().filter(|l| l.rel.as_deref() == Some("enclosure")).map(|l| l.href.clone()).collect(),
        };
        assert_eq!(urls, ["https://alpha.test/img/compiler.jpg"], "{path}");
    }
}

#[test]
fn future_records_wait_until_now_reaches_them_or_future_is_asked() {
    let out = tempfile::tempdir().unwrap();
    let mut settings = settings(&newsroom(), &out.path().join("feeds"));
    let plan = feedgen::plan(&settings).unwrap();
    assert_eq!(plan.report.future, 1);
    assert!(!plan.files.iter().any(|file| file.path.contains("tomorrow-tech")));

    settings.now = utc("2026-06-01T00:00:00Z");
    assert!(feedgen::plan(&settings).unwrap().files.iter().any(|file| file.path == "topics/tomorrow-tech.json"));

    settings.now = common::now();
    settings.include_future = true;
    assert!(feedgen::plan(&settings).unwrap().files.iter().any(|file| file.path == "topics/tomorrow-tech.json"));
}

#[test]
fn limit_keeps_the_newest_items_and_zero_keeps_all() {
    let out = tempfile::tempdir().unwrap();
    let mut settings = settings(&newsroom(), out.path());
    settings.limit = 2;
    assert_eq!(entry_links(&feed(&build_tree(&settings), "all.json")), [VIDEO, ALPHA_LAUNCH]);
    settings.limit = 0;
    assert_eq!(entry_links(&feed(&build_tree(&settings), "all.json")).len(), 7);
}

#[test]
fn formats_and_families_are_chosen_by_settings() {
    let out = tempfile::tempdir().unwrap();
    let mut settings = settings(&newsroom(), out.path());
    settings.formats = vec![feedgen::Format::Json];
    settings.families = vec![feedgen::Family::All, feedgen::Family::Types];
    let paths: Vec<String> = feedgen::plan(&settings).unwrap().files.into_iter().map(|f| f.path).collect();
    assert_eq!(
        paths,
        [
            "all.json",
            "all.html",
            "types/article.json",
            "types/article.html",
            "types/video.json",
            "types/video.html",
            "index.html",
            "index.opml"
        ]
    );
}
