//! The human side of the output folder: `index.html`, `index.opml` and a
//! page per feed. Each is parsed (html5ever, roxmltree) and checked for
//! meaning: every feed listed once, every local link resolving to a file
//! of the folder, no script anywhere, autodiscovery for the feed files.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use common::*;
use scraper::{ElementRef, Html, Selector};

const BASE: &str = "https://feeds.test/out/";

fn newsroom_folder() -> BTreeMap<String, Vec<u8>> {
    let out = tempfile::tempdir().unwrap();
    build_tree(&settings(&newsroom(), out.path()))
}

fn text(tree: &BTreeMap<String, Vec<u8>>, path: &str) -> String {
    String::from_utf8(tree.get(path).unwrap_or_else(|| panic!("no {path}")).clone()).unwrap()
}

fn select<'a>(html: &'a Html, selector: &str) -> Vec<ElementRef<'a>> {
    html.select(&Selector::parse(selector).unwrap()).collect()
}

/// The pages of feeds: every `.html` but the index.
fn feed_pages(tree: &BTreeMap<String, Vec<u8>>) -> BTreeSet<String> {
    tree.keys().filter(|path| path.ends_with(".html") && *path != "index.html").cloned().collect()
}

/// `href` (as written in the document at `from`) as a path of the output
/// folder; `None` for absolute URLs, which point outside it.
fn local_target(from: &str, href: &str) -> Option<String> {
    if href.starts_with("http://") || href.starts_with("https://") {
        return None;
    }
    let mut parts: Vec<&str> = from.split('/').collect();
    parts.pop();
    for part in href.split('#').next().unwrap().split('/') {
        match part {
            ".." => assert!(parts.pop().is_some(), "{from}: {href} climbs out of the folder"),
            "." | "" => {}
            part => parts.push(part),
        }
    }
    Some(parts.join("/"))
}

#[test]
fn index_lists_every_feed_once_with_its_page_and_formats() {
    let tree = newsroom_folder();
    let index = Html::parse_document(&text(&tree, "index.html"));
    let listed: Vec<String> =
        select(&index, "ul.feeds li a.name").iter().map(|a| a.attr("href").unwrap().to_owned()).collect();
    let unique: BTreeSet<String> = listed.iter().cloned().collect();
    assert_eq!(unique.len(), listed.len(), "a feed is listed twice: {listed:?}");
    assert_eq!(unique, feed_pages(&tree));
    for entry in select(&index, "ul.feeds li") {
        let page = entry.select(&Selector::parse("a.name").unwrap()).next().unwrap().attr("href").unwrap();
        let stem = page.strip_suffix(".html").unwrap();
        let formats: Vec<&str> =
            entry.select(&Selector::parse(".formats a").unwrap()).map(|a| a.attr("href").unwrap()).collect();
        assert_eq!(formats, [format!("{stem}.rss.xml"), format!("{stem}.atom.xml"), format!("{stem}.json")]);
    }
    let headings: Vec<String> = select(&index, "section > h2").iter().map(|h| h.text().collect()).collect();
    assert_eq!(headings, ["Everything", "Topics", "Providers"]);
}

#[test]
fn index_shows_each_feeds_item_count_and_newest_date() {
    let tree = newsroom_folder();
    let index = Html::parse_document(&text(&tree, "index.html"));
    for entry in select(&index, "ul.feeds li") {
        let page = entry.select(&Selector::parse("a.name").unwrap()).next().unwrap().attr("href").unwrap();
        let feed = parse_feed("f.json", &tree[&page.replace(".html", ".json")]);
        let shown: String = entry.select(&Selector::parse(".muted").unwrap()).next().unwrap().text().collect();
        let count = feed.entries.len();
        assert!(shown.starts_with(&format!("{count} article")), "{page}: {shown:?}");
        let newest = entry.select(&Selector::parse("time").unwrap()).next().unwrap().attr("datetime").unwrap();
        let published = feed.entries[0].published.unwrap().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        assert_eq!(newest, published, "{page}");
    }
}

#[test]
fn every_local_link_and_image_in_the_html_resolves_to_a_file_of_the_folder() {
    let tree = newsroom_folder();
    let mut checked = 0;
    for path in tree.keys().filter(|path| path.ends_with(".html")) {
        let html = Html::parse_document(&text(&tree, path));
        for element in select(&html, "[href], [src]") {
            let target = element.attr("href").or(element.attr("src")).unwrap();
            if let Some(local) = local_target(path, target) {
                assert!(tree.contains_key(&local), "{path}: {target} → {local}, which is not in the folder");
                checked += 1;
            }
        }
    }
    assert!(checked > 100, "only {checked} local links found");
}

#[test]
fn pages_and_index_have_no_scripts_nor_external_styles_and_parse_without_errors() {
    let tree = newsroom_folder();
    for path in tree.keys().filter(|path| path.ends_with(".html")) {
        let source = text(&tree, path);
        assert_eq!(page_problems(&source), Vec::<String>::new(), "{path}");
        let html = Html::parse_document(&source);
        assert_eq!(html.errors, Vec::<std::borrow::Cow<str>>::new(), "{path}: HTML5 parse errors");
        assert!(source.starts_with("<!DOCTYPE html>"), "{path}");
        assert_eq!(select(&html, "meta[name=viewport]").len(), 1, "{path}: not laid out for phones");
        assert_eq!(select(&html, "meta[name=referrer][content=no-referrer]").len(), 1, "{path}: sends referrers");
        assert!(source.contains("@media (prefers-color-scheme:dark)"), "{path}: no dark scheme");
    }
}

#[test]
fn each_page_autodiscovers_its_own_three_formats() {
    let tree = newsroom_folder();
    for page in feed_pages(&tree) {
        let html = Html::parse_document(&text(&tree, &page));
        let alternates: Vec<(String, String)> = select(&html, "head link[rel=alternate]")
            .iter()
            .map(|link| {
                (link.attr("type").unwrap().to_owned(), local_target(&page, link.attr("href").unwrap()).unwrap())
            })
            .collect();
        let stem = page.strip_suffix(".html").unwrap();
        let expected = [
            ("application/rss+xml".to_owned(), format!("{stem}.rss.xml")),
            ("application/atom+xml".to_owned(), format!("{stem}.atom.xml")),
            ("application/feed+json".to_owned(), format!("{stem}.json")),
        ];
        assert_eq!(alternates, expected, "{page}");
    }
    let index = Html::parse_document(&text(&tree, "index.html"));
    let discovered: Vec<&str> =
        select(&index, "head link[rel=alternate]").iter().map(|link| link.attr("href").unwrap()).collect();
    assert_eq!(discovered, ["all.rss.xml", "all.atom.xml", "all.json", "index.opml"]);
}

#[test]
fn a_page_shows_its_feeds_items_in_order_with_escaped_titles_and_links_to_topics_and_providers() {
    let tree = newsroom_folder();
    for page in feed_pages(&tree) {
        let html = Html::parse_document(&text(&tree, &page));
        let feed = parse_feed("f.json", &tree[&page.replace(".html", ".json")]);
        let shown: Vec<(String, String)> = select(&html, "article h2 a")
            .iter()
            .map(|a| (a.attr("href").unwrap().to_owned(), a.text().collect()))
            .collect();
        let expected: Vec<(String, String)> = feed
            .entries
            .iter()
            .map(|entry| (entry.links[0].href.clone(), entry.title.as_ref().unwrap().content.clone()))
            .collect();
        assert_eq!(shown, expected, "{page}");
    }
    let rust = Html::parse_document(&text(&tree, "topics/rust.html"));
    let topic_links: BTreeSet<&str> =
        select(&rust, "article .topics a").iter().map(|a| a.attr("href").unwrap()).collect();
    assert!(
        topic_links.contains("rust.html") && topic_links.iter().all(|href| href.ends_with(".html")),
        "{topic_links:?}"
    );
    let provider_links: BTreeSet<&str> =
        select(&rust, "article .meta a").iter().map(|a| a.attr("href").unwrap()).collect();
    assert!(!provider_links.is_empty() && provider_links.iter().all(|href| href.starts_with("../providers/")));
}

#[test]
fn related_links_on_a_page_sit_under_a_related_heading_as_in_the_feeds() {
    let tree = newsroom_folder();
    let html = Html::parse_document(&text(&tree, "all.html"));
    let with_related: Vec<String> = select(&html, "article")
        .iter()
        .filter_map(|article| {
            let children: Vec<ElementRef> = article.children().filter_map(ElementRef::wrap).collect();
            let list = children.iter().position(|child| child.value().classes().any(|class| class == "related"))?;
            let heading = &children[list - 1];
            assert_eq!(heading.value().name(), "h3", "one level below the item's h2");
            assert_eq!(heading.text().collect::<String>(), "Related");
            let title = article.select(&Selector::parse("h2 a").unwrap()).next().unwrap();
            Some(title.attr("href").unwrap().to_owned())
        })
        .collect();
    let json: serde_json::Value = serde_json::from_slice(&tree["all.json"]).unwrap();
    let feed_related: Vec<String> = json["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|item| item["content_html"].as_str().is_some_and(|html| html.contains("<h2>Related</h2>")))
        .map(|item| item["url"].as_str().unwrap().to_owned())
        .collect();
    assert!(!feed_related.is_empty(), "the newsroom has related articles");
    assert_eq!(with_related, feed_related);
    assert_eq!(select(&html, "h3").len(), with_related.len(), "a Related heading without links");
}

#[test]
fn images_on_pages_state_their_size_and_alternative_text() {
    let tree = newsroom_folder();
    let mut images = 0;
    for page in feed_pages(&tree) {
        let html = Html::parse_document(&text(&tree, &page));
        for image in select(&html, "article > img") {
            images += 1;
            assert!(!image.attr("alt").unwrap_or_default().is_empty(), "{page}: an image without alt text");
            assert!(image.attr("src").unwrap().starts_with("https://"), "{page}");
        }
    }
    assert!(images > 0, "the newsroom has images");
    let all = Html::parse_document(&text(&tree, "all.html"));
    assert!(
        select(&all, "article > img")
            .iter()
            .any(|image| image.attr("width").is_some() && image.attr("height").is_some()),
        "no image states its size"
    );
}

#[test]
fn opml_lists_every_feed_once_by_family_with_absolute_urls() {
    let tree = newsroom_folder();
    let source = text(&tree, "index.opml");
    let opml = roxmltree::Document::parse(&source).unwrap();
    let root = opml.root_element();
    assert_eq!((root.tag_name().name(), root.attribute("version")), ("opml", Some("2.0")));
    let body = root.children().find(|node| node.has_tag_name("body")).unwrap();
    let mut listed: Vec<String> = Vec::new();
    let mut families: Vec<&str> = Vec::new();
    for group in body.children().filter(|node| node.has_tag_name("outline")) {
        families.push(group.attribute("text").unwrap());
        for outline in group.children().filter(|node| node.has_tag_name("outline")) {
            let xml_url = outline.attribute("xmlUrl").unwrap();
            let path = xml_url.strip_prefix(BASE).unwrap_or_else(|| panic!("{xml_url} is not under {BASE}"));
            assert!(tree.contains_key(path) && path.ends_with(".rss.xml"), "{xml_url}");
            let html_url = outline.attribute("htmlUrl").unwrap();
            assert_eq!(html_url, format!("{BASE}{}", path.replace(".rss.xml", ".html")));
            assert_eq!(outline.attribute("type"), Some("rss"));
            assert!(!outline.attribute("text").unwrap().is_empty());
            listed.push(path.to_owned());
        }
    }
    assert_eq!(families, ["Everything", "Topics", "Providers"]);
    let rss_feeds: Vec<String> = tree.keys().filter(|path| path.ends_with(".rss.xml")).cloned().collect();
    listed.sort();
    assert_eq!(listed, rss_feeds, "every feed, once");
}

#[test]
fn a_hub_url_gives_every_feed_a_hub_link_in_every_format() {
    let out = tempfile::tempdir().unwrap();
    let mut settings = settings(&newsroom(), out.path());
    let hub = "https://hub.test/websub";
    settings.site.hub_url = Some(hub.parse().unwrap());
    let tree = feeds_only(build_tree(&settings));
    for (path, bytes) in &tree {
        let source = std::str::from_utf8(bytes).unwrap();
        if path.ends_with(".json") {
            let json: serde_json::Value = serde_json::from_str(source).unwrap();
            assert_eq!(json["hubs"], serde_json::json!([{ "type": "WebSub", "url": hub }]), "{path}");
        } else {
            let xml = roxmltree::Document::parse(source).unwrap();
            let hubs: Vec<&str> = xml
                .descendants()
                .filter(|node| node.has_tag_name("link") && node.attribute("rel") == Some("hub"))
                .map(|node| node.attribute("href").unwrap())
                .collect();
            assert_eq!(hubs, [hub], "{path}");
        }
    }

    let without = feeds_only(newsroom_folder());
    assert!(
        without.values().all(|bytes| {
            let text = String::from_utf8_lossy(bytes);
            !text.contains("rel=\"hub\"") && !text.contains("\"hubs\"")
        }),
        "a hub link without hub_url"
    );
}

#[test]
fn feeds_name_their_page_as_the_html_alternate() {
    let tree = newsroom_folder();
    let atom = roxmltree::Document::parse(std::str::from_utf8(&tree["topics/rust.atom.xml"]).unwrap()).unwrap();
    let alternate = atom
        .root_element()
        .children()
        .find(|node| node.has_tag_name("link") && node.attribute("rel") == Some("alternate"))
        .unwrap();
    assert_eq!(alternate.attribute("href"), Some(format!("{BASE}topics/rust.html").as_str()));
    let json: serde_json::Value = serde_json::from_slice(&tree["topics/rust.json"]).unwrap();
    assert_eq!(json["home_page_url"], format!("{BASE}topics/rust.html"));
    let rss = parse_feed("all.rss.xml", &tree["all.rss.xml"]);
    assert_eq!(rss.links[0].href, format!("{BASE}all.html"));
}

#[test]
fn hostile_records_give_pages_without_scripts_handlers_or_forbidden_characters() {
    let hostile = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/hostile/valid");
    let tree = build_folder(&hostile);
    let pages: Vec<&String> = tree.keys().filter(|path| path.ends_with(".html")).collect();
    assert!(pages.len() > 10, "{pages:?}");
    for path in pages {
        let source = text(&tree, path);
        assert_eq!(page_problems(&source), Vec::<String>::new(), "{path}");
        let lower = source.to_lowercase();
        assert!(!lower.contains("<script") && !lower.contains("javascript:"), "{path}");
        assert_eq!(Html::parse_document(&source).errors, Vec::<std::borrow::Cow<str>>::new(), "{path}");
    }
    assert_well_formed_xml("index.opml", &tree["index.opml"]);
}

#[test]
fn hub_url_must_be_an_absolute_web_url() {
    let resolve = |hub: &str| {
        let file = feedgen::ConfigFile {
            base_url: Some(BASE.into()),
            hub_url: Some(hub.into()),
            input: vec!["records".into()],
            ..Default::default()
        };
        feedgen::Settings::resolve(file, std::path::Path::new(""), Default::default(), now())
    };
    let settings = resolve("https://hub.test/websub").unwrap();
    assert_eq!(settings.site.hub_url.unwrap().as_str(), "https://hub.test/websub");
    for bad in ["hub.test", "ftp://hub.test/", "javascript:alert(1)"] {
        let error = resolve(bad).unwrap_err().to_string();
        assert!(error.starts_with("hub_url: not an absolute http(s) URL: "), "{bad}: {error}");
        assert!(error.contains("write the address of a WebSub hub"), "{bad}: {error}");
    }
}
