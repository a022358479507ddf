//! The W3C Feed Validation Service rules feedgen follows, one test per rule.
//!
//! The rules were read from the validator's source (`w3c/feedvalidator`,
//! the code behind validator.w3.org/feed), which cannot run here; each test
//! checks the condition that source checks, on every RSS and Atom file built
//! from three corpora: the newsroom fixtures, the example records, and
//! `tests/fixtures/validator`, records written to provoke each rule
//! (relative links, characters URLs may not hold, entities, embeds, tags the
//! validator flags, a record with nothing but a title, unshowable characters).
//! The message names in the test docs are the validator's.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use chrono::{DateTime, Datelike, FixedOffset};
use common::*;
use roxmltree::{Document, Node};

const ATOM: &str = "http://www.w3.org/2005/Atom";
const MEDIA: &str = "http://search.yahoo.com/mrss/";
const CONTENT: &str = "http://purl.org/rss/1.0/modules/content/";

fn validator_fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/validator")
}

/// Every file of one build over the three corpora, and the archive
/// documents and pages of a second build with archives on (one item per
/// feed, two per archive document), so that every rule covers them too.
static OUTPUT: LazyLock<BTreeMap<String, String>> = LazyLock::new(|| {
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/records");
    let mut settings = settings(&newsroom(), Path::new("unused"));
    settings.inputs = vec![newsroom(), examples, validator_fixtures()];
    let plan = feedgen::plan(&settings).unwrap();
    (settings.archives, settings.limit, settings.archive_items) = (true, 1, 2);
    let archived = feedgen::plan(&settings).unwrap().files.into_iter().filter(|file| file.path.contains("/archive/"));
    let files = plan.files.into_iter().chain(archived);
    let output: BTreeMap<String, String> =
        files.map(|file| (file.path, String::from_utf8(file.bytes).unwrap())).collect();
    assert!(output.keys().filter(|path| path.contains("/archive/")).count() > 100);
    output
});

/// Calls `check` with every parsed document whose path ends in `suffix`.
fn each_document(suffix: &str, mut check: impl FnMut(&str, &Document)) {
    let mut seen = 0;
    for (path, text) in OUTPUT.iter().filter(|(path, _)| path.ends_with(suffix)) {
        let document = Document::parse(text).unwrap_or_else(|error| panic!("{path}: {error}"));
        check(path, &document);
        seen += 1;
    }
    assert!(seen > 10, "only {seen} {suffix} files");
}

fn elements<'a, 'input>(
    document: &'a Document<'input>,
    namespace: Option<&'a str>,
    name: &'a str,
) -> impl Iterator<Item = Node<'a, 'input>> {
    document.descendants().filter(move |node| {
        node.is_element() && node.tag_name().name() == name && node.tag_name().namespace() == namespace
    })
}

fn text_of<'a>(node: Node<'a, '_>) -> &'a str {
    node.text().unwrap_or_default()
}

/// Every HTML fragment in the XML feeds: RSS `description` and
/// `content:encoded` of items, Atom `summary`/`content` of type html.
fn html_fragments() -> Vec<(String, String)> {
    let mut fragments = Vec::new();
    each_document(".rss.xml", |path, document| {
        for item in elements(document, None, "item") {
            for child in item.children().filter(|child| {
                let name = child.tag_name();
                (name.name() == "description" && name.namespace().is_none())
                    || (name.name() == "encoded" && name.namespace() == Some(CONTENT))
            }) {
                fragments.push((path.to_owned(), text_of(child).to_owned()));
            }
        }
    });
    each_document(".atom.xml", |path, document| {
        for node in elements(document, Some(ATOM), "summary").chain(elements(document, Some(ATOM), "content")) {
            if node.attribute("type") == Some("html") {
                fragments.push((path.to_owned(), text_of(node).to_owned()));
            }
        }
    });
    fragments
}

/// The validator's `rfc2396_full` pattern: scheme, then only characters
/// RFC 2396 allows unescaped.
fn is_full_uri(value: &str) -> bool {
    let Some((scheme, rest)) = value.split_once(':') else { return false };
    let scheme_ok = scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme.chars().all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c));
    let rest_ok =
        !rest.is_empty() && rest.chars().all(|c| c.is_ascii_alphanumeric() || ";/?:@&=+$.-_!~*'()%,#".contains(c));
    scheme_ok && rest_ok
}

/// **MissingAtomSelfLink / MissingSelf, RelativeSelf, SelfNotAtom**: every
/// feed links to itself with an absolute URL under `base_url` and the media
/// type of its own format.
#[test]
fn every_feed_has_an_absolute_self_link_of_its_own_type() {
    for (suffix, namespace, container, media_type) in [
        (".rss.xml", Some(ATOM), "channel", "application/rss+xml"),
        (".atom.xml", Some(ATOM), "feed", "application/atom+xml"),
    ] {
        each_document(suffix, |path, document| {
            let links: Vec<Node> = elements(document, namespace, "link")
                .filter(|link| link.parent_element().unwrap().tag_name().name() == container)
                .filter(|link| link.attribute("rel") == Some("self"))
                .collect();
            assert_eq!(links.len(), 1, "{path}");
            assert_eq!(links[0].attribute("href"), Some(format!("https://feeds.test/out/{path}").as_str()), "{path}");
            assert_eq!(links[0].attribute("type"), Some(media_type), "{path}");
        });
    }
}

/// **InvalidRFC2822Date, IncorrectDOW**: RSS dates are RFC 822 with a
/// four-digit year, a numeric zone and the right day of the week.
#[test]
fn rss_dates_are_rfc_822_with_the_right_weekday() {
    each_document(".rss.xml", |path, document| {
        for node in elements(document, None, "pubDate").chain(elements(document, None, "lastBuildDate")) {
            let text = text_of(node);
            let date = DateTime::parse_from_rfc2822(text).unwrap_or_else(|e| panic!("{path}: {text:?}: {e}"));
            let (weekday, rest) = text.split_once(", ").unwrap();
            assert_eq!(weekday, date.weekday().to_string(), "{path}: {text}");
            let fields: Vec<&str> = rest.split(' ').collect();
            assert!(fields.len() == 5 && fields[2].len() == 4 && fields[4] == "+0000", "{path}: {text}");
        }
    });
}

/// **InvalidRFC3339Date**: Atom dates are RFC 3339 date-times with an offset.
#[test]
fn atom_dates_are_rfc_3339() {
    each_document(".atom.xml", |path, document| {
        for name in ["updated", "published"] {
            for node in elements(document, Some(ATOM), name) {
                let text = text_of(node);
                assert!(DateTime::parse_from_rfc3339(text).is_ok() && text.len() == 25, "{path}: {text:?}");
            }
        }
    });
}

fn dates_in(document: &Document) -> Vec<DateTime<FixedOffset>> {
    let rss = elements(document, None, "pubDate").chain(elements(document, None, "lastBuildDate"));
    let rss = rss.map(|node| DateTime::parse_from_rfc2822(text_of(node)).unwrap());
    let atom = elements(document, Some(ATOM), "updated").chain(elements(document, Some(ATOM), "published"));
    rss.chain(atom.map(|node| DateTime::parse_from_rfc3339(text_of(node)).unwrap())).collect()
}

/// **ImplausibleDate**: no date before 1990, including the date of a feed
/// with no items, which cannot come from the clock.
#[test]
fn no_date_is_before_1990_even_in_an_empty_feed() {
    for suffix in [".rss.xml", ".atom.xml"] {
        each_document(suffix, |path, document| {
            assert!(dates_in(document).iter().all(|date| date.year() >= 1990), "{path}");
        });
    }
    let empty = tempfile::tempdir().unwrap();
    let plan = feedgen::plan(&settings(empty.path(), Path::new("unused"))).unwrap();
    for file in plan.files.iter().filter(|file| file.path.ends_with(".xml")) {
        let text = std::str::from_utf8(&file.bytes).unwrap();
        let dates = dates_in(&Document::parse(text).unwrap());
        assert_eq!(dates.len(), 1, "{}", file.path);
        assert_eq!(dates[0].to_rfc3339(), "1990-01-01T00:00:00+00:00", "{}", file.path);
    }
}

/// Each item's id (`guid`, Atom `id`) in one feed.
fn item_ids(document: &Document) -> Vec<String> {
    let rss = elements(document, None, "guid").map(|node| text_of(node).to_owned());
    let atom = elements(document, Some(ATOM), "entry").map(|entry| {
        let id = entry.children().find(|child| child.tag_name().name() == "id").unwrap();
        text_of(id).to_owned()
    });
    rss.chain(atom).collect()
}

/// **DuplicateValue, DuplicateEntries, DuplicateIds**: every item has an
/// id, and no two items of a feed share one.
#[test]
fn every_item_has_an_id_unique_in_its_feed() {
    for (suffix, item) in [(".rss.xml", None), (".atom.xml", Some(ATOM))] {
        each_document(suffix, |path, document| {
            let ids = item_ids(document);
            let count = elements(document, item, if item.is_some() { "entry" } else { "item" }).count();
            assert_eq!(ids.len(), count, "{path}");
            assert_eq!(ids.iter().collect::<BTreeSet<_>>().len(), ids.len(), "{path}: {ids:?}");
        });
    }
}

/// **InvalidHttpGUID**: a `guid` without `isPermaLink="false"` is a
/// permalink and must be a full http(s) URL; feedgen's is the item's link.
#[test]
fn guids_are_permalinks_equal_to_the_item_link() {
    each_document(".rss.xml", |path, document| {
        for item in elements(document, None, "item") {
            let child = |name: &str| item.children().find(|child| child.tag_name().name() == name).unwrap();
            let guid = child("guid");
            assert_ne!(guid.attribute("isPermaLink"), Some("false"), "{path}");
            assert_eq!(text_of(guid), text_of(child("link")), "{path}");
            assert!(text_of(guid).starts_with("http"), "{path}");
        }
    });
}

/// Ids are permanent: they depend on the link alone, so editing everything
/// else about a record (title, dates, excerpt, topics) keeps its id.
#[test]
fn item_ids_survive_edits_to_everything_but_the_link() {
    let original = "---\ntitle: First\npublishedDateTime: 2025-01-01T00:00:00Z\noriginalUrl: https://ids.test/a?b=1\nexcerpt: one\ntopics: [A]\n---\n";
    let edited = "---\ntitle: Second\npublishedDateTime: 2025-01-01T00:00:00Z\nupdatedDateTime: 2025-02-01T00:00:00Z\noriginalUrl: https://ids.test/a?b=1\nexcerpt: two\ntopics: [B]\n---\nA body.\n";
    let ids = |record: &str| {
        let dir = records_dir(&[("r.md", record)]);
        let tree = build_folder(dir.path());
        ["all.rss.xml", "all.atom.xml"]
            .map(|path| item_ids(&Document::parse(std::str::from_utf8(&tree[path]).unwrap()).unwrap()))
    };
    assert_eq!(ids(original), ids(edited));
    assert_eq!(ids(original)[1], ["https://ids.test/a?b=1"]);
}

/// Every URL a feed states: links, ids, guids, media and image URLs.
fn stated_urls(document: &Document) -> Vec<String> {
    let mut urls = Vec::new();
    for node in document.descendants().filter(Node::is_element) {
        for attribute in ["href", "url"] {
            urls.extend(node.attribute(attribute).map(str::to_owned));
        }
        let name = node.tag_name().name();
        let is_url_element = matches!(name, "link" | "guid" | "url" | "icon" | "logo" | "uri")
            || (name == "id" && node.tag_name().namespace() == Some(ATOM));
        if is_url_element && node.attribute("href").is_none() {
            urls.push(text_of(node).to_owned());
        }
    }
    urls
}

/// **InvalidFullLink, InvalidUriChar**: every URL a feed states is absolute
/// and holds only characters RFC 2396 allows (the `url` crate leaves `|`,
/// `[`, `]`, `^`, `{`, `}` and `` ` `` unescaped; feedgen escapes them).
#[test]
fn every_stated_url_is_absolute_and_uses_only_allowed_characters() {
    for suffix in [".rss.xml", ".atom.xml"] {
        each_document(suffix, |path, document| {
            for url in stated_urls(document) {
                assert!(is_full_uri(&url), "{path}: {url:?}");
            }
        });
    }
    let rss = &OUTPUT["topics/validation.rss.xml"];
    assert!(
        rss.contains("https://links.test/a%7Cb/%5B1%5D/~user?tag%5B%5D=x&#x26;y=%7Bz%7D&#x26;q=%C3%A9#sec%5E2"),
        "{rss}"
    );
}

/// **NonCanonicalURI**: Atom ids are in the canonical form the validator
/// compares: lowercase host, no default port or trailing dot, upper-case
/// escapes, unreserved characters unescaped.
#[test]
fn atom_ids_are_canonical_uris() {
    each_document(".atom.xml", |path, document| {
        for id in elements(document, Some(ATOM), "id").map(text_of) {
            let url = url::Url::parse(id).unwrap();
            assert_eq!(feedgen::reference::canonical(&url), id, "{path}");
            let escapes: Vec<&str> = id.match_indices('%').map(|(at, _)| &id[at + 1..at + 3]).collect();
            for hex in escapes {
                let value = u8::from_str_radix(hex, 16).unwrap();
                assert!(hex == hex.to_ascii_uppercase(), "{path}: {id}");
                assert!(!(value.is_ascii_alphanumeric() || b"-._~".contains(&value)), "{path}: {id}");
            }
        }
    });
}

/// **MissingElement author**: an Atom entry without an author needs a
/// feed-level one, so every Atom feed has one with a name.
#[test]
fn atom_feeds_have_a_feed_level_author() {
    each_document(".atom.xml", |path, document| {
        let feed = document.root_element();
        let author =
            feed.children().find(|child| child.tag_name().name() == "author").unwrap_or_else(|| panic!("{path}"));
        let name = author.children().find(|child| child.tag_name().name() == "name").unwrap();
        assert!(!text_of(name).trim().is_empty(), "{path}");
    });
}

/// **NotBlank, MissingAttribute term**: RSS categories and Atom category
/// terms are never blank.
#[test]
fn categories_are_never_blank() {
    each_document(".rss.xml", |path, document| {
        assert!(elements(document, None, "category").all(|node| !text_of(node).trim().is_empty()), "{path}");
    });
    each_document(".atom.xml", |path, document| {
        let terms = elements(document, Some(ATOM), "category").map(|node| node.attribute("term").unwrap_or_default());
        assert!(terms.into_iter().all(|term| !term.trim().is_empty()), "{path}");
    });
}

/// **MediaRssNamespace, InvalidPositiveInteger, InvalidMediaMedium,
/// MissingAttribute url**: Media RSS elements are in the Media RSS namespace
/// (with its trailing slash), have a `url`, a known `medium`, and sizes that
/// are positive integers (a record's `width: 0` is dropped).
#[test]
fn media_elements_have_the_namespace_and_attributes_media_rss_requires() {
    let mut media_seen = 0;
    each_document(".rss.xml", |path, document| {
        for node in document.descendants().filter(|node| node.tag_name().namespace() == Some(MEDIA)) {
            media_seen += 1;
            let name = node.tag_name().name();
            if name == "content" || name == "thumbnail" {
                assert!(node.attribute("url").is_some_and(is_full_uri), "{path}");
            }
            if let Some(medium) = node.attribute("medium") {
                assert!(["image", "audio", "video", "document", "executable"].contains(&medium), "{path}");
            }
            for size in ["width", "height"] {
                if let Some(value) = node.attribute(size) {
                    assert!(value.parse::<u32>().is_ok_and(|n| n > 0), "{path}: {size}={value}");
                }
            }
        }
    });
    assert!(media_seen > 0);
    let validation = &OUTPUT["topics/validation.rss.xml"];
    assert!(validation.contains("https://links.test/img/zero.jpg") && !validation.contains("width=\"0\""));
}

/// **SecurityRisk, NotHtml, SecurityRiskAttr, DangerousStyleAttr**: HTML
/// holds only elements and attributes the validator accepts: no `script`,
/// `iframe` (embeds become links), `bdo` or `rtc`, no event handlers, no
/// `style`.
#[test]
fn html_uses_only_elements_and_attributes_the_validator_accepts() {
    const ELEMENTS: &[&str] = &[
        "a",
        "abbr",
        "acronym",
        "area",
        "article",
        "aside",
        "b",
        "bdi",
        "big",
        "blockquote",
        "br",
        "caption",
        "center",
        "cite",
        "code",
        "col",
        "colgroup",
        "data",
        "dd",
        "del",
        "details",
        "dfn",
        "div",
        "dl",
        "dt",
        "em",
        "figcaption",
        "figure",
        "footer",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hgroup",
        "hr",
        "i",
        "img",
        "ins",
        "kbd",
        "li",
        "map",
        "mark",
        "nav",
        "ol",
        "p",
        "pre",
        "q",
        "rp",
        "rt",
        "ruby",
        "s",
        "samp",
        "small",
        "span",
        "strike",
        "strong",
        "sub",
        "summary",
        "sup",
        "table",
        "tbody",
        "td",
        "th",
        "thead",
        "time",
        "tr",
        "tt",
        "u",
        "ul",
        "var",
        "wbr",
    ];
    const ATTRIBUTES: &[&str] = &[
        "alt", "cite", "colspan", "coords", "datetime", "dir", "height", "href", "hreflang", "lang", "rel", "rowspan",
        "shape", "span", "src", "start", "title", "type", "value", "width", "align", "char", "charoff", "headers",
        "scope", "abbr", "axis", "valign", "open", "reversed",
    ];
    for (path, html) in html_fragments() {
        let fragment = scraper::Html::parse_fragment(&html);
        for element in fragment.tree.values().filter_map(|node| node.as_element()) {
            if matches!(element.name(), "html" | "body") {
                continue;
            }
            assert!(ELEMENTS.contains(&element.name()), "{path}: <{}> in {html}", element.name());
            for (name, _) in element.attrs() {
                assert!(ATTRIBUTES.contains(&name), "{path}: {name}= in {html}");
            }
        }
    }
    let video = &OUTPUT["providers/embeds-test.rss.xml"];
    assert!(
        video.contains(
            r#"<a href="https://player.test/embed/Xy_1" rel="noopener noreferrer">A video, bidi overrides and ruby text</a>"#
        ),
        "{video}"
    );
    let thumbnail = r#"<img src="https://video.example/thumbs/abc123/maxres.jpg" alt="" width="1280" height="720">"#;
    assert!(html_fragments().iter().any(|(_, html)| html.contains(thumbnail)), "no video thumbnail was checked");
}

/// **ContainsRelRef**: URLs inside HTML are absolute (relative ones are
/// resolved against the article's link: readers have no page to resolve
/// them against).
#[test]
fn html_holds_no_relative_urls() {
    for (path, html) in html_fragments() {
        let fragment = scraper::Html::parse_fragment(&html);
        for element in fragment.tree.values().filter_map(|node| node.as_element()) {
            for url in [element.attr("href"), element.attr("src")].into_iter().flatten() {
                assert!(is_full_uri(url), "{path}: {url:?} in {html}");
            }
        }
    }
    let rss = &OUTPUT["topics/validation.rss.xml"];
    for resolved in
        ["https://links.test/about", "https://links.test/a%7Cb/%5B1%5D/pic.png", "https://links.test/a%7Cb/part-1"]
    {
        assert!(rss.contains(resolved), "{resolved} missing");
    }
}

/// HTML is escaped exactly once: an excerpt's `AT&amp;T` reads `AT&T`
/// once the XML and then the HTML are decoded, and `&amp;amp;` reads `&amp;`.
#[test]
fn html_is_escaped_exactly_once() {
    let fragments: Vec<String> = html_fragments()
        .into_iter()
        .filter(|(path, html)| path.starts_with("providers/entities-test") && html.contains("Partner"))
        .map(|(_, html)| scraper::Html::parse_fragment(&html).root_element().text().collect())
        .collect();
    assert_eq!(fragments.len(), 2, "one RSS description and one Atom summary");
    for text in fragments {
        assert_eq!(text, "AT&T and Customer & Partner\u{2019}s bold <tag> &amp;");
    }
}

/// **CharacterData, ContainsHTML (entity form)**: plain text writes `<`
/// and `&` as hexadecimal character references (`&#x3C;`, `&#x26;`), as the
/// RSS Profile asks, so that text containing them is not taken for
/// escaped HTML. CDATA sections hold HTML and are exempt.
#[test]
fn plain_text_writes_lt_and_amp_as_hexadecimal_references() {
    for (path, text) in OUTPUT.iter().filter(|(path, _)| path.ends_with(".xml")) {
        let outside_cdata: String = text
            .split("<![CDATA[")
            .enumerate()
            .map(|(index, part)| if index == 0 { part } else { part.split_once("]]>").map_or("", |(_, rest)| rest) })
            .collect();
        assert!(!outside_cdata.contains("&lt;") && !outside_cdata.contains("&amp;"), "{path}");
    }
    let rss = &OUTPUT["providers/entities-test.rss.xml"];
    assert!(
        rss.contains("<title>Vec&#x3C;T&gt; &#x26; friends: AT&#x26;T&apos;s &quot;plan&quot; &#x3C;/b&gt;</title>"),
        "{rss}"
    );
}

/// **NeedDescriptionBeforeContent**: an RSS item with `content:encoded`
/// also has a `description` before it (without an excerpt, the content is
/// the description).
#[test]
fn rss_items_have_a_description_before_any_content_encoded() {
    each_document(".rss.xml", |path, document| {
        for item in elements(document, None, "item") {
            let names: Vec<&str> =
                item.children().filter(Node::is_element).map(|child| child.tag_name().name()).collect();
            if let Some(content) = names.iter().position(|&name| name == "encoded") {
                let description = names.iter().position(|&name| name == "description");
                assert!(description.is_some_and(|at| at < content), "{path}: {names:?}");
            }
        }
    });
}

/// **MissingTextualContent**: every Atom entry has a summary or content
/// (the title stands in for a record that has nothing else).
#[test]
fn atom_entries_have_a_summary_or_content() {
    each_document(".atom.xml", |path, document| {
        for entry in elements(document, Some(ATOM), "entry") {
            let has_text = entry.children().any(|child| matches!(child.tag_name().name(), "summary" | "content"));
            assert!(has_text, "{path}");
        }
    });
    assert!(OUTPUT["all.atom.xml"].contains("<summary>Nothing but a title</summary>"));
}

/// **ImageUrlFormat**: an RSS channel `image` is GIF, JPEG or PNG; a
/// provider's SVG logo is left to Atom's `icon` and JSON's `favicon`.
#[test]
fn rss_channel_images_are_gif_jpeg_or_png() {
    each_document(".rss.xml", |path, document| {
        for image in elements(document, None, "image") {
            let url = text_of(image.children().find(|child| child.tag_name().name() == "url").unwrap());
            let extension = url.rsplit('.').next().unwrap().to_ascii_lowercase();
            assert!(["gif", "jpg", "jpeg", "png"].contains(&extension.as_str()), "{path}: {url}");
        }
    });
    assert!(OUTPUT["providers/entities-test.rss.xml"].contains("<url>https://entities.test/logo.png</url>"));
    assert!(!OUTPUT["providers/links-test.rss.xml"].contains("<image>"));
    assert!(OUTPUT["providers/links-test.atom.xml"].contains("<icon>https://links.test/logo.svg</icon>"));
}

/// **InvalidLanguage**: the language is an ISO 639 code; configuration
/// refuses anything else.
#[test]
fn language_is_an_iso_639_code() {
    each_document(".rss.xml", |path, document| {
        assert!(elements(document, None, "language").all(|node| text_of(node) == "en"), "{path}");
    });
    let file = |language: &str| feedgen::ConfigFile {
        base_url: Some("https://feeds.test/".into()),
        language: Some(language.into()),
        input: vec!["in".into()],
        ..Default::default()
    };
    let resolve = |language| feedgen::Settings::resolve(file(language), Path::new(""), Default::default(), now());
    for good in ["en", "en-GB", "zh-Hant", "PT-br"] {
        assert!(resolve(good).is_ok(), "{good}");
    }
    for bad in ["english", "xx", "e", "en_GB", "yue"] {
        assert!(resolve(bad).is_err(), "{bad}");
    }
}

/// **BadCharacters**: no C1 control and no U+FFFD replacement character
/// anywhere, in text or in HTML.
#[test]
fn no_text_holds_c1_controls_or_replacement_characters() {
    for (path, text) in OUTPUT.iter() {
        let bad = text.chars().find(|&c| ('\u{80}'..='\u{9F}').contains(&c) || c == '\u{FFFD}' || c == '\u{FDD0}');
        assert_eq!(bad, None, "{path}");
    }
    assert!(OUTPUT["all.rss.xml"].contains("Characters readers cannot show: end"));
}

/// **DuplicateItemSemantics, InvalidContact**: RSS `author` must be an
/// e-mail address, so the provider is `dc:creator` and `author` is never
/// written.
#[test]
fn rss_items_name_the_provider_with_dc_creator_not_author() {
    each_document(".rss.xml", |path, document| {
        assert_eq!(elements(document, None, "author").count(), 0, "{path}");
    });
    assert!(OUTPUT["providers/entities-test.rss.xml"].contains("<dc:creator>Entities &#x26; Co</dc:creator>"));
}
