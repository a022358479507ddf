//! Walking feeds through their archives (RFC 5005): what the archive and
//! size budget tests check every document against.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use super::*;

/// Where the test settings host the output folder.
pub(crate) const BASE: &str = "https://feeds.test/out/";

/// The three feed formats: extension, and how a document's item ids and
/// links to its neighbours are read.
pub(crate) const FORMATS: [&str; 3] = [".rss.xml", ".atom.xml", ".json"];

/// What one feed document says about itself.
#[derive(Debug, Default)]
pub(crate) struct Document {
    /// Its items' ids, in document order.
    pub(crate) ids: Vec<String>,
    /// `rel="current"` (JSON Feed: `feed_url` of an archive document).
    pub(crate) current: Option<String>,
    /// `prev-archive` (JSON Feed: `next_url`).
    pub(crate) prev_archive: Option<String>,
    /// `next-archive` (not in JSON Feed).
    pub(crate) next_archive: Option<String>,
    /// Whether it carries `fh:archive`.
    pub(crate) marked_archive: bool,
}

pub(crate) const ATOM: &str = "http://www.w3.org/2005/Atom";
pub(crate) const HISTORY: &str = "http://purl.org/syndication/history/1.0";

pub(crate) fn read_document(path: &str, bytes: &[u8]) -> Document {
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
pub(crate) fn local(url: &str) -> &str {
    url.strip_prefix(BASE).unwrap_or_else(|| panic!("{url} is not under {BASE}"))
}

/// Walk feed `stem` in the format with `extension` from its subscription
/// document through every archive document, checking each one's links;
/// returns every item id in walking order and the archive documents
/// visited.
pub(crate) fn walk(tree: &BTreeMap<String, Vec<u8>>, stem: &str, extension: &str) -> (Vec<String>, Vec<String>) {
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
pub(crate) fn feed_stems(tree: &BTreeMap<String, Vec<u8>>) -> BTreeSet<String> {
    tree.keys()
        .filter(|path| !path.contains("/archive/"))
        .filter_map(|path| path.strip_suffix(".json"))
        .map(str::to_owned)
        .collect()
}

/// Each feed's items, newest first, as a build that keeps every item in
/// the subscription document (`limit: 0`) writes them.
pub(crate) fn every_item(input: &Path) -> BTreeMap<String, Vec<String>> {
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
pub(crate) fn assert_walks_give_every_item(tree: &BTreeMap<String, Vec<u8>>, expected: &BTreeMap<String, Vec<String>>) {
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
