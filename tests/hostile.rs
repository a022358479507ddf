//! The hostile fixture corpus in `tests/fixtures/hostile`: records written to
//! break feeds, slugs, parsers and the unpublished guarantee, and the tests
//! over them. The fixtures are committed byte for byte (`.gitattributes` has
//! `tests/fixtures/** -text`); a few hold bytes no editor should touch (raw
//! control characters, a BOM, CRLF, Latin-1, UTF-16), which
//! `binary_fixtures_keep_their_bytes` checks.
//!
//! `valid/`: valid but nasty; a build over it must succeed and be clean.
//! - `ctrl-chars-everywhere.md`: every character XML forbids, DEL and C1
//!   controls (YAML `\0`, `\x01`…`\x1F`, `\x7F`, `\x80`, `\x85`, `\x9F`,
//!   `\uFFFE`, `\uFFFF`, `\e`, `\a`, `\v`, `\f`, `\N`) in the title, excerpt
//!   (also as `&#1;`, `&#x7F;`, `&#0;`), type, category, topics (one made only of
//!   controls), tags, provider name and domain, image title, related title and
//!   related provider; the same characters raw in the Markdown body.
//! - `cdata-terminators.md`: `]]>` in title, link, excerpt (text and
//!   attribute) and body (text, code span, fenced code holding
//!   `]]></content:encoded><script>`); `<b>bold</b>` and quotes in the title.
//! - `entities-att.md`: `AT&amp;T`, `Customer &amp; Partner`, `&#8217;` in the
//!   excerpt; a literal `&` in the title.
//! - `entities-double.md`: `&amp;amp;` and `&amp;lt;b&amp;gt;` in the excerpt,
//!   `Fish &amp; Chips` as a title (shown as written), entities in the body.
//! - `script-excerpt.md`: twenty ways to smuggle script through an excerpt:
//!   `<script>`, `onerror`/`onclick`/`onmouseover`/`ontoggle`/`onload`,
//!   `javascript:` in every case and entity disguise, `vbscript:`, `data:`
//!   images and links, `<svg>`, `<style>`, `<object>`, `<form action>`,
//!   `<meta refresh>`, `<base>`, `style=` URLs, `<iframe>`/`<embed>`.
//! - `script-featured.md`: `featuredContent` with an https iframe carrying
//!   `onload`, iframes with `javascript:`, `data:` and `srcdoc`, `<script>`,
//!   `<video onerror>`.
//! - `markdown-raw-html.md`: a Markdown body with `javascript:`/`data:`
//!   links and images (inline and by reference), raw `<script>`,
//!   `<iframe src="javascript:…">`, `onclick`, `onerror`, `style`.
//! - `topics-punctuation.md`: topics `C++`, `C#`, `C`, `../../etc/x`, `..`, `/`,
//!   `Open Source`.
//! - `topics-scripts.md`: `人工知能`, `🦀 Rust`, a 300-character name, `Security`.
//! - `topics-case-and-spacing.md`: `SECURITY`, `  open   source `, `c`, and
//!   `café` written composed and decomposed (NFC and NFD), in flow style.
//! - `provider-traversal.md`: provider domain `../../evil`.
//! - `provider-www-case.md`, `provider-domain-path.md`: `WWW.Example.COM` and
//!   `https://www.example.com./news/feed?x=1` (one provider feed).
//! - `provider-unicode.md`: provider domain `bücher.example`.
//! - `odd-yaml.md`: quoted keys (both quote styles), an anchor used once,
//!   flow mappings and sequences, folded and literal block scalars, `!!str`,
//!   `!!seq` and `!!int` tags, comments, a tab escape in a topic, an unknown
//!   nested key, `secured` as a block scalar, front matter closed by `...`.
//! - `crlf-bom.md`: UTF-8 byte-order mark and CRLF line endings throughout.
//! - `long-title.md`: a 5,000-character title.
//! - `bare-minimum.txt`: only the required fields (no topics, no provider),
//!   `webUrl` only, a Jekyll-style date, a `.txt` extension.
//! - `nested/deeper/in-subfolder.html`: a record two folders down, `.html`.
//! - `raw-line-breaks-in-yaml.md`: raw U+0085, U+2028 and U+2029 inside a
//!   quoted YAML title (the YAML parser takes them as line breaks), a raw
//!   tab and no-break space in the excerpt.
//! - `images-and-related.md`: markup, `&`, quotes, `]]>` and a control
//!   character in image titles, an image URL with `<`, `>` and `]]>`, related
//!   titles with `<script>`, an untitled related link, a provider logo, and
//!   `secured` values nested under `provider` and `related`.
//! - `unicode-everywhere.md`: emoji, astral characters, right-to-left text and
//!   bidi controls in the title, an IDN link with a non-ASCII path and query.
//! - `topics-reserved-names.md`: topics `CON`, `nul`, `LPT1`, `Aux` (Windows
//!   device names).
//! - `leap-second.md`: `publishedDateTime: 2016-12-31T23:59:60Z`.
//!
//! `invalid/`: each must be refused with an error naming the file (and the
//! line where it is known): an unparseable date (`yesterday`), an impossible
//! date (`2021-02-30`), years RSS cannot write (`-0001-01-01` published,
//! `+10000-01-01` updated; these used to panic), an integer overflow in
//! `quality`, a missing, a blank and an invisible (controls only)
//! title, links that are relative (`/news/1`), `javascript:` and `ftp://`,
//! Latin-1 bytes (`caf\xE9`), UTF-16 with a BOM, bad YAML indentation, an
//! unclosed quote, a raw control character inside YAML, a duplicate key,
//! front matter that is a list, two "billion laughs" alias bombs (in `tags`
//! and in `published`), `published: no`, `published: yes`,
//! `published: "false"` and unclosed front matter. The over-the-cap case is
//! generated by a test.
//!
//! `warned/`: records that build, leaving out secondary data they cannot
//! use, each with a warning: a `data:` image URL, relative and missing
//! image URLs (also a provider logo), a `javascript:` related link beside
//! a usable one, related articles with no link or a relative one, and a
//! related article whose date is not one.
//!
//! `unpublished/`: `published: false` drafts, each with a marker word of its
//! own (in its file name, title, link, topic and provider) and a `secured`
//! value: a valid draft (`Zephyrquill`, which also carries the shared
//! topics `Security` and `+C` that would rename or re-slug published feeds), an
//! unparseable date (`Marrowgleam`, whose provider domain is the published
//! `example.com`), no link (`Quibbletorn`), a YAML type error
//! (`Vantablink`), an alias bomb (`Glimmerwick`), a draft sharing a
//! published record's link with a later update (`Brackenfume`), a CRLF+BOM
//! draft spelled `published: False` (`Orbweft`), a flow-style draft
//! (`Lumenrasp`), plus a hidden file (`Hushpetal`) and a file in a hidden
//! folder (`Thornquaver`), which are never read at all.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::*;
use feedgen::BuildError;

// ------------------------------------------------------------------ helpers

fn fixture(folder: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/hostile").join(folder)
}

/// The files feedgen reads in `dir`: recursively, hidden entries skipped,
/// in path order.
fn record_files(dir: &Path) -> Vec<PathBuf> {
    walkdir::WalkDir::new(dir)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|entry| entry.depth() == 0 || !entry.file_name().to_string_lossy().starts_with('.'))
        .filter_map(Result::ok)
        .filter(|entry| entry.file_type().is_file())
        .map(|entry| entry.into_path())
        .collect()
}

fn file_name(path: &Path) -> String {
    path.file_name().unwrap().to_string_lossy().into_owned()
}

/// Characters that must never reach a feed: those XML 1.0 forbids, DEL and
/// the C1 controls.
fn is_forbidden(c: char) -> bool {
    matches!(c, '\u{0}'..='\u{8}' | '\u{B}' | '\u{C}' | '\u{E}'..='\u{1F}' | '\u{7F}'..='\u{9F}' | '\u{FFFE}' | '\u{FFFF}')
}

/// Markup and URL schemes that must not survive sanitising, lowercase.
const DANGEROUS: [&str; 5] = ["<script", "javascript:", "onerror", "onclick", "data:"];

/// The fields that hold HTML (or, for JSON `summary`, text derived from it):
/// RSS `description`/`content:encoded`, Atom `summary`/`content`, JSON
/// `content_html`/`summary`. Titles and names are plain text, where `<b>`
/// is just text.
const HTML_FIELDS: [&str; 5] = ["description", "encoded", "summary", "content", "content_html"];

fn assert_no_forbidden_characters(where_: &str, text: &str) {
    if let Some(c) = text.chars().find(|&c| is_forbidden(c)) {
        panic!("{where_}: holds the forbidden character U+{:04X} in {text:?}", c as u32);
    }
}

fn assert_nothing_dangerous(where_: &str, text: &str) {
    let lower = text.to_lowercase();
    for needle in DANGEROUS {
        assert!(!lower.contains(needle), "{where_}: holds {needle:?} in {text:?}");
    }
}

/// Every string a reader gets from `bytes` once the format is decoded, with
/// the element, attribute or key holding it: XML text, CDATA and attribute
/// values, or JSON strings (HTML inside them is still HTML, so escaped
/// markup shows up here as markup); the lines of any other file (the
/// manifest).
fn decoded_strings(name: &str, bytes: &[u8]) -> Vec<(String, String)> {
    let text = std::str::from_utf8(bytes).unwrap();
    let mut strings = Vec::new();
    if name.ends_with(".xml") {
        let document = roxmltree::Document::parse(text).unwrap();
        for node in document.descendants() {
            if node.is_text() {
                let parent = node.parent_element().map(|p| p.tag_name().name().to_owned()).unwrap_or_default();
                strings.push((parent, node.text().unwrap_or_default().to_owned()));
            }
            for attribute in node.attributes() {
                strings.push((format!("@{}", attribute.name()), attribute.value().to_owned()));
            }
        }
    } else if name.ends_with(".json") {
        fn walk(key: &str, value: &serde_json::Value, out: &mut Vec<(String, String)>) {
            match value {
                serde_json::Value::String(s) => out.push((key.to_owned(), s.clone())),
                serde_json::Value::Array(items) => items.iter().for_each(|item| walk(key, item, out)),
                serde_json::Value::Object(map) => {
                    for (key, item) in map {
                        out.push(("key".to_owned(), key.clone()));
                        walk(key, item, out);
                    }
                }
                _ => {}
            }
        }
        walk("", &serde_json::from_slice(bytes).unwrap(), &mut strings);
    } else {
        strings.extend(text.lines().map(|line| (name.to_owned(), line.to_owned())));
    }
    strings
}

/// What a reader shows for an HTML fragment: tags dropped, entities decoded
/// once, whitespace collapsed.
fn visible_text(html: &str) -> String {
    let mut text = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                text.push(' ');
            }
            _ if !in_tag => text.push(c),
            _ => {}
        }
    }
    let decoded = html_escape::decode_html_entities(&text).into_owned();
    decoded.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The one entry whose link starts with `link` (links are canonicalised,
/// so fixtures with odd characters are found by their unambiguous start).
fn entry<'a>(feed: &'a feed_rs::model::Feed, link: &str) -> &'a feed_rs::model::Entry {
    let found: Vec<_> =
        feed.entries.iter().filter(|entry| entry.links.iter().any(|l| l.href.starts_with(link))).collect();
    assert_eq!(found.len(), 1, "entries linking to {link}");
    found[0]
}

/// The full content a reader gets: `content`, else the summary (RSS puts
/// the content in `description` when there is no excerpt).
fn full_content(entry: &feed_rs::model::Entry) -> String {
    entry
        .content
        .as_ref()
        .and_then(|c| c.body.clone())
        .or_else(|| entry.summary.as_ref().map(|t| t.content.clone()))
        .unwrap_or_default()
}

/// The item element (RSS `item`, Atom `entry`) whose link is `link`.
fn xml_item<'a, 'input>(document: &'a roxmltree::Document<'input>, link: &str) -> roxmltree::Node<'a, 'input> {
    document
        .descendants()
        .filter(|node| node.has_tag_name("item") || node.has_tag_name("entry"))
        .find(|item| {
            item.children().any(|child| {
                child.has_tag_name("link")
                    && (child.text().is_some_and(|t| t.starts_with(link))
                        || child.attribute("href").is_some_and(|h| h.starts_with(link)))
            })
        })
        .unwrap_or_else(|| panic!("no item links to {link}"))
}

fn child_text<'a>(item: roxmltree::Node<'a, '_>, name: &str) -> &'a str {
    item.children().find(|child| child.has_tag_name(name)).and_then(|child| child.text()).unwrap_or_default()
}

/// A feed's display name: its title after "<site> — ".
fn feed_name(json: &[u8]) -> String {
    let value: serde_json::Value = serde_json::from_slice(json).unwrap();
    let title = value["title"].as_str().unwrap();
    title.strip_prefix("Test Site — ").unwrap_or(title).to_owned()
}

fn item_count(json: &[u8]) -> usize {
    let value: serde_json::Value = serde_json::from_slice(json).unwrap();
    value["items"].as_array().unwrap().len()
}

/// Display name → (output path without extension, item count) for every
/// feed of `family` (`topics` or `providers`).
fn feeds_of(tree: &BTreeMap<String, Vec<u8>>, family: &str) -> BTreeMap<String, (String, usize)> {
    tree.iter()
        .filter(|(path, _)| path.starts_with(&format!("{family}/")) && path.ends_with(".json"))
        .map(|(path, bytes)| (feed_name(bytes), (path.trim_end_matches(".json").to_owned(), item_count(bytes))))
        .collect()
}

fn copy_files(files: &[PathBuf], to: &Path) {
    for file in files {
        fs::copy(file, to.join(file_name(file))).unwrap();
    }
}

const GOOD: &str = "---\ntitle: A good record\npublishedDateTime: 2025-01-01T00:00:00Z\noriginalUrl: https://good.hostile.test/1\n---\n";

/// The errors of a plan over `settings`, which must fail on invalid records;
/// each rendered with `prefix` removed.
fn record_errors(settings: &feedgen::Settings, prefix: &Path) -> Vec<(PathBuf, String)> {
    match feedgen::plan(settings) {
        Err(BuildError::InvalidRecords(errors)) => {
            let prefix = format!("{}{}", prefix.display(), std::path::MAIN_SEPARATOR);
            errors.iter().map(|error| (error.path.clone(), error.to_string().replacen(&prefix, "", 1))).collect()
        }
        Err(other) => panic!("expected invalid records, got {other}"),
        Ok(_) => panic!("expected invalid records, the build succeeded"),
    }
}

/// Run the binary in an empty working directory (so no `feedgen.yaml` is
/// read) with "now" pinned to [`NOW`].
fn feedgen_cli(args: &[&str]) -> (Output, tempfile::TempDir) {
    let cwd = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_feedgen"))
        .current_dir(cwd.path())
        .args(args)
        .env_remove("FEEDGEN_BASE_URL")
        .env_remove("RUST_BACKTRACE")
        .env("SOURCE_DATE_EPOCH", NOW.to_string())
        .output()
        .unwrap();
    (output, cwd)
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// `build` arguments reading every folder in `inputs` into `output`.
fn build_args<'a>(inputs: &'a [PathBuf], output: &'a Path, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec!["build", "--base-url", "https://feeds.test/out/", "--output", output.to_str().unwrap()];
    for input in inputs {
        args.extend(["--input", input.to_str().unwrap()]);
    }
    args.extend(extra);
    args
}

/// Each unpublished fixture's marker word, and whether `--unpublished`
/// makes it appear (hidden files are never read; invalid drafts are skipped).
const MARKERS: [(&str, bool); 10] = [
    ("Zephyrquill", true),
    ("Marrowgleam", false),
    ("Quibbletorn", false),
    ("Vantablink", false),
    ("Glimmerwick", false),
    ("Brackenfume", true),
    ("Orbweft", true),
    ("Lumenrasp", true),
    ("Hushpetal", false),
    ("Thornquaver", false),
];

/// Every `secured` value in the corpus: they all start `SECRET-hostile-`.
fn secured_values() -> BTreeSet<String> {
    let mut values = BTreeSet::new();
    for folder in ["valid", "invalid", "unpublished", "warned"] {
        for entry in walkdir::WalkDir::new(fixture(folder)).into_iter().filter_map(Result::ok) {
            if !entry.file_type().is_file() {
                continue;
            }
            let text = String::from_utf8_lossy(&fs::read(entry.path()).unwrap()).into_owned();
            for (start, _) in text.match_indices("SECRET-hostile-") {
                let value: String =
                    text[start..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '-').collect();
                values.insert(value);
            }
        }
    }
    values
}

/// Nothing in `text` names an unpublished record or holds a secured value.
fn assert_no_leak(where_: &str, text: &str, markers: &[&str]) {
    let lower = text.to_lowercase();
    for marker in markers {
        assert!(!lower.contains(&marker.to_lowercase()), "{where_}: the unpublished marker {marker:?} leaked");
    }
    assert!(!lower.contains("secret-hostile"), "{where_}: a secured value leaked");
}

fn assert_same_tree(left: &BTreeMap<String, Vec<u8>>, right: &BTreeMap<String, Vec<u8>>, what: &str) {
    assert_eq!(left.keys().collect::<Vec<_>>(), right.keys().collect::<Vec<_>>(), "{what}: different files");
    for (path, bytes) in left {
        assert!(bytes == &right[path], "{what}: {path} differs");
    }
}

// ------------------------------------------------------------ the corpus

#[test]
fn corpus_has_the_promised_size() {
    let valid = record_files(&fixture("valid"));
    let invalid = record_files(&fixture("invalid"));
    let unpublished = record_files(&fixture("unpublished"));
    assert!(valid.len() >= 16, "{valid:?}");
    assert!(invalid.len() >= 10, "{invalid:?}");
    assert!(valid.len() + invalid.len() + unpublished.len() >= 30);
    assert!(valid.len() <= feedgen::DEFAULT_LIMIT, "the firehose count below assumes no truncation");
    for (marker, _) in MARKERS {
        let lower = marker.to_lowercase();
        let holder = walkdir::WalkDir::new(fixture("unpublished"))
            .into_iter()
            .filter_map(Result::ok)
            .find(|entry| entry.file_name().to_string_lossy().contains(&lower))
            .unwrap_or_else(|| panic!("no fixture file named after {marker}"));
        let text = String::from_utf8_lossy(&fs::read(holder.path()).unwrap()).to_lowercase();
        assert!(text.matches(&lower).count() >= 4, "{marker} must mark the title, link, topic and provider");
    }
    // Every published valid record carries a secured value too.
    for file in &valid {
        assert!(String::from_utf8_lossy(&fs::read(file).unwrap()).contains("SECRET-hostile-"), "{file:?}");
    }
}

#[test]
fn binary_fixtures_keep_their_bytes() {
    let latin1 = fs::read(fixture("invalid/latin1-bytes.md")).unwrap();
    assert!(latin1.windows(4).any(|w| w == b"caf\xe9") && std::str::from_utf8(&latin1).is_err());
    let utf16 = fs::read(fixture("invalid/utf16-with-bom.md")).unwrap();
    assert!(utf16.starts_with(&[0xFF, 0xFE]) || utf16.starts_with(&[0xFE, 0xFF]));
    for crlf in ["valid/crlf-bom.md", "unpublished/orbweft-crlf-bom.md"] {
        let bytes = fs::read(fixture(crlf)).unwrap();
        assert!(bytes.starts_with("\u{FEFF}---\r\n".as_bytes()), "{crlf}");
        assert_eq!(bytes.iter().filter(|&&b| b == b'\n').count(), bytes.windows(2).filter(|w| w == b"\r\n").count());
    }
    let raw = fs::read_to_string(fixture("valid/ctrl-chars-everywhere.md")).unwrap();
    assert!(raw.contains('\u{0}') && raw.contains('\u{1}') && raw.contains('\u{85}') && raw.contains('\u{FFFF}'));
    let raw_yaml = fs::read_to_string(fixture("invalid/yaml-raw-control-character.md")).unwrap();
    assert!(raw_yaml.contains("Raw \u{1} control"));
    let breaks = fs::read_to_string(fixture("valid/raw-line-breaks-in-yaml.md")).unwrap();
    assert!(breaks.contains('\u{85}') && breaks.contains('\u{2028}') && breaks.contains('\u{2029}'));
}

// ------------------------------------------------------------ 1. valid/

#[test]
fn hostile_valid_records_build_into_clean_well_formed_feeds() {
    let valid = fixture("valid");
    let out = tempfile::tempdir().unwrap();
    let settings = settings(&valid, &out.path().join("feeds"));
    let report = feedgen::build(&settings).unwrap();
    let records = record_files(&valid).len();
    assert_eq!(report.records_read, records);
    assert!(report.skipped.is_empty() && report.without_front_matter.is_empty() && report.duplicates.is_empty());
    assert_eq!((report.unpublished, report.future), (0, 0));

    let tree = feeds_only(read_tree(&settings.output));
    assert_eq!(tree.len(), report.feeds * 3, "three formats per feed");
    for (path, bytes) in &tree {
        let parsed = parse_feed(path, bytes);
        // Raw bytes: nothing dangerous, whatever the escaping.
        let raw = String::from_utf8(bytes.clone()).unwrap();
        assert_no_forbidden_characters(path, &raw);
        assert_nothing_dangerous(path, &raw);
        // Decoded: what a reader gets once the XML or JSON is read, so that
        // escaped markup (`&lt;script`) cannot hide from the byte check.
        for (field, text) in decoded_strings(path, bytes) {
            assert_no_forbidden_characters(&format!("{path} ({field})"), &text);
            if HTML_FIELDS.contains(&field.as_str()) {
                assert_nothing_dangerous(&format!("{path} ({field})"), &text);
            }
        }
        // And what an independent feed parser hands to a reader.
        for entry in &parsed.entries {
            let where_ = format!("{path} entry {}", entry.id);
            let title = &entry.title.as_ref().unwrap().content;
            assert_no_forbidden_characters(&where_, title);
            let summary = entry.summary.as_ref().map(|t| t.content.clone());
            for html in summary.into_iter().chain(entry.content.as_ref().and_then(|c| c.body.clone())) {
                assert_no_forbidden_characters(&where_, &html);
                assert_nothing_dangerous(&where_, &html);
            }
        }
    }
    for name in ["all.rss.xml", "all.atom.xml", "all.json"] {
        assert_eq!(parse_feed(name, &tree[name]).entries.len(), records, "{name}");
    }
}

#[test]
fn scripts_and_dangerous_urls_are_gone_but_the_text_around_them_stays() {
    let tree = build_folder(&fixture("valid"));
    let json = parse_feed("all.json", &tree["all.json"]);
    let excerpt = entry(&json, "https://xss.hostile.test/excerpt");
    let summary = &excerpt.summary.as_ref().unwrap().content;
    assert!(summary.starts_with("Safe text. js link mixed case"), "{summary:?}");
    assert!(!summary.contains("alert"), "script text survived: {summary:?}");

    let featured = entry(&json, "https://xss.hostile.test/featured");
    let html = full_content(featured);
    assert!(
        html.contains("https://video.hostile.test/embed/1"),
        "the https embed is kept (as a frame or link): {html}"
    );
    assert!(!html.contains("alert") && !html.contains("srcdoc"), "{html}");

    let html = full_content(entry(&json, "https://xss.hostile.test/markdown"));
    assert!(html.contains("<em>emphasis</em>") && html.contains("click me") && html.contains("raw link"), "{html}");
    assert!(!html.contains("alert") && !html.contains("style="), "{html}");
}

#[test]
fn forbidden_characters_are_removed_from_every_field() {
    let tree = build_folder(&fixture("valid"));
    let link = "https://ctrl.hostile.test/everywhere";
    let json = parse_feed("all.json", &tree["all.json"]);
    let item = entry(&json, link);
    assert_eq!(item.title.as_ref().unwrap().content, "Control chars in every field");
    assert_eq!(item.summary.as_ref().unwrap().content, "Excerpt with controls and entity refs.");
    assert_eq!(item.authors[0].name.as_deref(), Some("Control Press"));
    let terms: Vec<&str> = item.categories.iter().map(|c| c.term.as_str()).collect();
    assert_eq!(terms, ["TabTopic", "Control Central", "tagone"], "the all-controls topic is dropped");
    let body = full_content(item);
    assert!(body.contains("Body with raw controls:") && body.contains("end."), "{body}");

    let atom = roxmltree::Document::parse(std::str::from_utf8(&tree["all.atom.xml"]).unwrap()).unwrap();
    let entry_node = xml_item(&atom, link);
    let titles: Vec<&str> = entry_node
        .descendants()
        .filter(|node| node.has_tag_name("link"))
        .filter_map(|node| node.attribute("title"))
        .collect();
    assert_eq!(titles, ["Image title", "Related title"], "image and related titles, cleaned");
    assert!(tree.contains_key("providers/control-press-hostile-test.json"), "{:?}", tree.keys());
}

// ------------------------------------------------------------ 2. slugs

#[test]
fn hostile_names_get_safe_bounded_slugs_inside_the_output_folder() {
    let out = tempfile::tempdir().unwrap();
    let mut settings = settings(&fixture("valid"), &out.path().join("feeds"));
    // The build cache would be beside the output folder (where the tests
    // keep it); this test is about what the build writes there.
    settings.cache = None;
    feedgen::build(&settings).unwrap();
    let siblings: Vec<String> = fs::read_dir(out.path()).unwrap().map(|e| file_name(&e.unwrap().path())).collect();
    assert_eq!(siblings, ["feeds"], "nothing may be written beside the output folder");

    let tree = feeds_only(read_tree(&settings.output));
    for path in tree.keys() {
        assert!(path.is_ascii() && !path.chars().any(|c| c.is_ascii_uppercase()), "{path}");
        assert!(!path.starts_with('/') && !path.contains('\\') && !path.contains(':'), "{path}");
        let parts: Vec<&str> = path.split('/').collect();
        assert!(parts.len() <= 2 && parts.iter().all(|part| !part.is_empty() && *part != ".." && *part != "."));
        if parts.len() == 2 {
            assert!(["topics", "providers"].contains(&parts[0]), "{path}");
        }
        let name = parts[parts.len() - 1];
        assert!(name.len() <= 100, "{path}: file name longer than 100 bytes");
        let stem = name.trim_end_matches(".rss.xml").trim_end_matches(".atom.xml").trim_end_matches(".json");
        assert!(!stem.is_empty() && stem.len() <= feedgen::reference::MAX_SLUG_BYTES, "{path}");
        assert!(stem.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'), "{path}");
        assert!(!stem.starts_with('-') && !stem.ends_with('-'), "{path}");
        assert!(settings.output.join(path).starts_with(&settings.output));
    }
}

#[test]
fn hostile_topic_names_share_or_split_feeds_as_the_contract_says() {
    let tree = build_folder(&fixture("valid"));
    let topics = feeds_of(&tree, "topics");
    let slug = |name: &str| {
        topics.get(name).map(|(path, _)| path.trim_start_matches("topics/").to_owned()).unwrap_or_else(|| {
            panic!("no topic feed named {name:?}: {:?}", topics.keys().collect::<Vec<_>>());
        })
    };
    let count = |name: &str| topics[name].1;

    // Punctuation counts: three feeds, three slugs; `c` joins `C`.
    let c_slugs: BTreeSet<String> = ["C++", "C#", "C"].into_iter().map(slug).collect();
    assert_eq!(c_slugs.len(), 3, "{c_slugs:?}");
    assert_eq!((count("C++"), count("C#"), count("C")), (1, 1, 2));

    // Case and spacing do not: one feed each, holding every spelling's record.
    let security: Vec<&String> = topics.keys().filter(|name| name.to_lowercase() == "security").collect();
    assert_eq!(security.len(), 1, "Security and SECURITY must share one feed: {security:?}");
    assert_eq!(count(security[0]), 2);
    assert_eq!(count("Open Source"), 3, "Open Source, `  open   source ` and `Open\\tSource` share one feed");
    let cafe: Vec<&String> = topics.keys().filter(|name| name.to_lowercase().contains("caf")).collect();
    assert_eq!(cafe.len(), 1, "composed and decomposed café are one topic: {cafe:?}");

    assert_eq!(slug("人工知能"), "ren-gong-zhi-neng");
    assert!(slug("🦀 Rust").contains("rust"), "{}", slug("🦀 Rust"));
    let long = topics.keys().find(|name| name.chars().count() == 300).expect("the 300-character topic");
    assert!(!slug(long).is_empty() && slug(long).len() <= feedgen::reference::MAX_SLUG_BYTES, "{}", slug(long));
    let traversal: BTreeSet<String> = ["..", "/", "../../etc/x"].into_iter().map(slug).collect();
    assert_eq!(traversal.len(), 3, "{traversal:?}");
    for s in &traversal {
        assert!(!s.is_empty() && !s.contains('.') && !s.contains('/'), "{s:?}");
    }
    assert!(!topics.keys().any(|name| name.is_empty()), "a topic made only of controls must not make a feed");
    for (device, expected) in [("CON", "con-feed"), ("nul", "nul-feed"), ("LPT1", "lpt1-feed"), ("Aux", "aux-feed")] {
        assert_eq!(slug(device), expected, "Windows device names get `-feed`");
    }
}

#[test]
fn hostile_provider_domains_are_normalised_and_contained() {
    let tree = build_folder(&fixture("valid"));
    let providers = feeds_of(&tree, "providers");
    assert_eq!(providers["Example News"], ("providers/example-com".to_owned(), 2), "{providers:?}");
    assert_eq!(providers["Bücher Presse"].0, "providers/bucher-example");
    // `../../evil` names no host: the record keeps its author but makes no
    // provider feed named after a path.
    assert!(!providers.keys().any(|name| name.contains("Traversal")), "{providers:?}");
    assert!(!tree.keys().any(|path| path.contains("evil")), "{:?}", tree.keys());
    let json = parse_feed("all.json", &tree["all.json"]);
    let author = &entry(&json, "https://providers.hostile.test/traversal").authors[0];
    assert_eq!(author.name.as_deref(), Some("Traversal Press"));
}

// ------------------------------------------------------------ 3. text round trip

#[test]
fn hostile_titles_read_back_as_literal_text() {
    let tree = build_folder(&fixture("valid"));
    let long_title = format!("{}!", "Lengthy headline words ".repeat(300).chars().take(4999).collect::<String>());
    let expected = [
        ("https://cdata.hostile.test/terminators", r#"<b>bold</b> & "quoted" 'single' ]]> done"#),
        ("https://entities.hostile.test/att", "AT&T and Customer & Partner sign a deal"),
        ("https://entities.hostile.test/double", "Fish &amp; Chips"),
        ("https://raw.hostile.test/line-breaks", "Raw NEL and LS and PS inside quotes"),
        ("https://yaml.hostile.test/odd", "Odd but legal YAML: 'quoted' key, flow style, block scalars"),
        ("https://long.hostile.test/title", long_title.as_str()),
    ];
    let json: serde_json::Value = serde_json::from_slice(&tree["all.json"]).unwrap();
    let rss_text = std::str::from_utf8(&tree["all.rss.xml"]).unwrap();
    let atom_text = std::str::from_utf8(&tree["all.atom.xml"]).unwrap();
    let rss = roxmltree::Document::parse(rss_text).unwrap();
    let atom = roxmltree::Document::parse(atom_text).unwrap();
    for name in ["all.rss.xml", "all.atom.xml", "all.json"] {
        let parsed = parse_feed(name, &tree[name]);
        for (link, title) in expected {
            let found = entry(&parsed, link).title.as_ref().unwrap();
            assert_eq!(found.content, title, "{name}: feed-rs reads the title of {link}");
        }
    }
    for (link, title) in expected {
        // The XML decoded once is the title itself: escaped once, not twice.
        assert_eq!(child_text(xml_item(&rss, link), "title"), title, "RSS title of {link}");
        let atom_title = xml_item(&atom, link).children().find(|c| c.has_tag_name("title")).unwrap();
        assert_eq!(atom_title.attribute("type").unwrap_or("text"), "text", "Atom titles are text (the default)");
        assert_eq!(atom_title.text().unwrap_or_default(), title, "Atom title of {link}");
        let items = json["items"].as_array().unwrap();
        let item = items.iter().find(|item| item["url"].as_str().unwrap().starts_with(link)).unwrap();
        assert_eq!(item["title"], title, "JSON title of {link}");
    }
}

#[test]
fn hostile_excerpts_decode_entities_exactly_once() {
    let tree = build_folder(&fixture("valid"));
    let cases = [
        ("https://entities.hostile.test/att", "AT&T and Customer & Partner\u{2019}s deal"),
        ("https://entities.hostile.test/double", "Fish &amp; Chips &lt;b&gt; \u{2019}"),
        ("https://cdata.hostile.test/terminators", "Ends ]]> early? No ]]> attr ]]>"),
    ];
    let json = parse_feed("all.json", &tree["all.json"]);
    let rss = parse_feed("all.rss.xml", &tree["all.rss.xml"]);
    let atom = parse_feed("all.atom.xml", &tree["all.atom.xml"]);
    for (link, shown) in cases {
        assert_eq!(entry(&json, link).summary.as_ref().unwrap().content, shown, "JSON summary (plain text) of {link}");
        for (format, feed) in [("RSS", &rss), ("Atom", &atom)] {
            let html = &entry(feed, link).summary.as_ref().unwrap().content;
            assert_eq!(visible_text(html), shown, "{format} summary of {link}: {html:?}");
        }
    }
    let att = &entry(&rss, "https://entities.hostile.test/att").summary.as_ref().unwrap().content;
    assert!(!att.contains("&amp;amp;") && !att.contains("AT&amp;amp;T"), "{att:?}");

    // The Markdown body decodes its entities once too.
    let body = full_content(entry(&rss, "https://entities.hostile.test/double"));
    assert_eq!(visible_text(&body), "Body: AT&T &amp; Fish \u{2019}");

    // Raw XML, decoded by a strict parser, holds the sanitised HTML once:
    // `AT&amp;T` (HTML for AT&T), never `AT&amp;amp;T`.
    for name in ["all.rss.xml", "all.atom.xml"] {
        let document = roxmltree::Document::parse(std::str::from_utf8(&tree[name]).unwrap()).unwrap();
        let item = xml_item(&document, "https://entities.hostile.test/att");
        let summary = child_text(item, if name.contains("rss") { "description" } else { "summary" });
        assert_eq!(summary, "AT&amp;T and Customer &amp; Partner\u{2019}s deal", "{name}");
    }
}

// ------------------------------------------------------------ 4. invalid/

/// Exact beginnings of the messages whose position is known.
const EXPECTED_MESSAGES: [(&str, &str); 18] = [
    ("date-yesterday.md", "date-yesterday.md:3:20: publishedDateTime: not a date: \"yesterday\"; expected"),
    ("date-negative-year.md", "date-negative-year.md:3:20: publishedDateTime: not a date: \"-0001-01-01\""),
    (
        "date-update-in-year-10000.md",
        "date-update-in-year-10000.md:4:19: updatedDateTime: not a date: \"+10000-01-01\"",
    ),
    ("quality-overflow.md", "quality-overflow.md:5:10: invalid front matter: quality: "),
    ("date-impossible.md", "date-impossible.md:3:20: publishedDateTime: not a date: \"2021-02-30\""),
    ("missing-title.md", "missing-title.md:1:1: title: missing"),
    ("blank-title.md", "blank-title.md:2:8: title: "),
    ("invisible-title.md", "invisible-title.md:2:8: title: "),
    ("link-relative.md", "link-relative.md:4:14: originalUrl: not an absolute http(s) URL: \"/news/1\""),
    ("link-javascript.md", "link-javascript.md:4:15: originalUrl: not an absolute http(s) URL: \"javascript:"),
    ("link-ftp.md", "link-ftp.md:4:9: webUrl: not an absolute http(s) URL: \"ftp://"),
    ("latin1-bytes.md", "latin1-bytes.md:2:11: not UTF-8 text"),
    ("utf16-with-bom.md", "utf16-with-bom.md:1:1: not UTF-8 text"),
    ("published-no.md", "published-no.md:5:12: published: must be true or false, not \"no\""),
    ("published-yes.md", "published-yes.md:5:12: published: must be true or false, not \"yes\""),
    ("published-quoted-false.md", "published-quoted-false.md:5:13: published: must be true or false, not \"false\""),
    (
        "unclosed-front-matter.md",
        "unclosed-front-matter.md:1:1: front matter opened with `---` on line 1 is never closed",
    ),
    ("yaml-bad-indentation.md", "yaml-bad-indentation.md:7:3: invalid front matter: "),
];

#[test]
fn each_invalid_fixture_alone_is_refused_naming_its_file() {
    for file in record_files(&fixture("invalid")) {
        let name = file_name(&file);
        let dir = tempfile::tempdir().unwrap();
        copy_files(std::slice::from_ref(&file), dir.path());
        fs::write(dir.path().join("good.md"), GOOD).unwrap();
        let out = dir.path().join("feeds-out");
        let settings = settings(dir.path(), &out);
        let errors = record_errors(&settings, dir.path());
        assert!(!errors.is_empty(), "{name}");
        for (path, message) in &errors {
            assert_eq!(file_name(path), name, "{message}");
            assert!(message.starts_with(&format!("{name}:")), "{message}");
        }
        if let Some((_, prefix)) = EXPECTED_MESSAGES.iter().find(|(file, _)| *file == name) {
            assert!(errors.iter().any(|(_, message)| message.starts_with(prefix)), "{name}: {errors:#?}");
        }
        if name.starts_with("yaml-") {
            assert!(errors.iter().all(|(_, message)| message.contains("invalid front matter")), "{errors:#?}");
        }
        if name == "yaml-raw-control-character.md" {
            assert!(errors[0].1.starts_with(&format!("{name}:2:")), "the line of the control: {errors:#?}");
        }
        assert!(matches!(feedgen::build(&settings), Err(BuildError::InvalidRecords(_))), "{name}");
        assert!(!out.exists(), "{name}: nothing may be written");
    }
}

#[test]
fn invalid_and_valid_folders_together_list_every_invalid_file_and_write_nothing() {
    let out = tempfile::tempdir().unwrap();
    let output = out.path().join("feeds");
    let mut settings = settings(&fixture("valid"), &output);
    settings.inputs.push(fixture("invalid"));
    let errors = record_errors(&settings, &fixture("invalid"));
    let named: BTreeSet<PathBuf> = errors.iter().map(|(path, _)| path.clone()).collect();
    let expected: BTreeSet<PathBuf> = record_files(&fixture("invalid")).into_iter().collect();
    assert_eq!(named, expected);
    let paths: Vec<&PathBuf> = errors.iter().map(|(path, _)| path).collect();
    assert!(paths.windows(2).all(|pair| pair[0] <= pair[1]), "errors come in path order");
    assert!(matches!(feedgen::build(&settings), Err(BuildError::InvalidRecords(_))));
    assert!(!output.exists());
    assert_eq!(fs::read_dir(out.path()).unwrap().count(), 0);
}

#[test]
fn alias_bombs_are_refused_without_being_expanded() {
    // No timing assertion: the test only has to finish.
    let bombs: Vec<PathBuf> =
        record_files(&fixture("invalid")).into_iter().filter(|path| file_name(path).contains("alias-bomb")).collect();
    assert_eq!(bombs.len(), 2);
    let dir = tempfile::tempdir().unwrap();
    copy_files(&bombs, dir.path());
    let errors = record_errors(&settings(dir.path(), &dir.path().join("out")), dir.path());
    let files: BTreeSet<String> = errors.iter().map(|(path, _)| file_name(path)).collect();
    assert_eq!(files.len(), 2, "{errors:#?}");
    // The draft with the same bomb is simply left out.
    let draft = fixture("unpublished/glimmerwick-alias-bomb.md");
    fs::copy(draft, dir.path().join("draft.md")).unwrap();
    for bomb in &bombs {
        fs::remove_file(dir.path().join(file_name(bomb))).unwrap();
    }
    let plan = feedgen::plan(&settings(dir.path(), &dir.path().join("out"))).unwrap();
    assert_eq!(plan.report.unpublished, 1);
}

#[test]
fn record_over_the_size_cap_is_refused_and_one_at_the_cap_is_read() {
    let cap = feedgen::MAX_RECORD_BYTES as usize;
    let record = |size: usize| {
        // Padding in a YAML comment keeps the record valid and its output small.
        let (head, rest) = ("---\n# ", &GOOD[4..]);
        let text = format!("{head}{}\n{rest}", "x".repeat(size - head.len() - 1 - rest.len()));
        assert_eq!(text.len(), size);
        text
    };
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("at-cap.md"), record(cap)).unwrap();
    let plan = feedgen::plan(&settings(dir.path(), &dir.path().join("out"))).unwrap();
    assert_eq!(plan.report.records_read, 1);

    fs::write(dir.path().join("over-cap.md"), record(cap + 1)).unwrap();
    let errors = record_errors(&settings(dir.path(), &dir.path().join("out")), dir.path());
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert!(errors[0].1.starts_with("over-cap.md: larger than 1 MiB"), "{errors:#?}");
}

// ------------------------------------------------------------ 5. warned/

/// The headline of each warning about `warned/`, in report order (by
/// path, then position).
const EXPECTED_WARNINGS: [&str; 8] = [
    "image-data-url.md:6:11: images[0].url: not an absolute http(s) URL: \"data:image/png;base64,iVBORw0KGgo=\"; image left out",
    "image-relative.md:9:12: provider.images[0].url: not an absolute http(s) URL: \"logo.png\"; image left out",
    "image-relative.md:10:8: images[2].url: missing; image left out",
    "image-relative.md:12:10: images[1].url: not an absolute http(s) URL: \"/img/x.png\"; image left out",
    "related-javascript-link.md:7:14: related[0].webUrl: not an absolute http(s) URL: \"javascript:alert(1)\"; related article left out",
    "related-without-link.md:5:9: related[0]: no link; related article left out",
    "related-without-link.md:9:13: related[1].webUrl: not an absolute http(s) URL: \"/news/2\"; related article left out",
    "related-without-link.md:12:24: related[2].publishedDateTime: not a date: \"soon\"; date left out",
];

#[test]
fn warned_records_build_without_the_data_they_cannot_use() {
    let warned = fixture("warned");
    let out = tempfile::tempdir().unwrap();
    let settings = settings(&warned, &out.path().join("feeds"));
    let report = feedgen::build(&settings).unwrap();
    assert!(report.skipped.is_empty(), "{:?}", report.skipped);
    let prefix = format!("{}{}", warned.display(), std::path::MAIN_SEPARATOR);
    let warnings: Vec<String> =
        report.warnings.iter().map(|warning| warning.headline().replacen(&prefix, "", 1)).collect();
    assert_eq!(warnings, EXPECTED_WARNINGS);
    assert!(report.warnings.iter().all(|warning| warning.hint.is_some()), "every warning says what to do");

    let tree = read_tree(&settings.output);
    let firehose = parse_feed("all.json", &tree["all.json"]);
    assert_eq!(firehose.entries.len(), record_files(&warned).len(), "every record builds");
    let everything: String = tree.values().map(|bytes| String::from_utf8_lossy(bytes).into_owned()).collect();
    for kept in
        ["https://warned.hostile.test/kept.png", "https://elsewhere.hostile.test/dated", "A date that is not one"]
    {
        assert!(everything.contains(kept), "{kept} is usable and must be kept");
    }
    for left_out in
        ["data:image", "logo.png", "/img/x.png", "javascript:", "/news/2", "No link at all", "Relative link"]
    {
        assert!(!everything.contains(left_out), "{left_out} must be left out");
    }
}

// ------------------------------------------------------------ 6. --skip-invalid

#[test]
fn skip_invalid_builds_exactly_the_valid_records_and_lists_every_invalid_file() {
    let (valid, invalid, unpublished) = (fixture("valid"), fixture("invalid"), fixture("unpublished"));
    let out = tempfile::tempdir().unwrap();
    let (skipping, reference, with_drafts) = (out.path().join("a"), out.path().join("b"), out.path().join("c"));

    let all = [valid.clone(), invalid.clone(), unpublished.clone()];
    let (output, _cwd) = feedgen_cli(&build_args(&all, &skipping, &["--skip-invalid"]));
    let message = stderr(&output);
    assert_eq!(output.status.code(), Some(0), "{message}");
    assert!(!message.contains("panicked"), "{message}");

    let invalid_files = record_files(&invalid);
    for file in &invalid_files {
        let line_start = format!("skipped: {}", file.display());
        assert!(
            message.lines().any(|line| line.starts_with(&line_start) && line[line_start.len()..].starts_with(':')),
            "{} is not listed as skipped:\n{message}",
            file.display()
        );
    }
    let date = format!("skipped: {}:3:20: publishedDateTime: not a date", invalid.join("date-yesterday.md").display());
    assert!(message.lines().any(|line| line.starts_with(&date)), "expected {date:?} in:\n{message}");
    for line in message.lines().filter(|line| line.starts_with("skipped: ")) {
        assert!(line.starts_with(&format!("skipped: {}", invalid.display())), "only invalid/ is skipped: {line}");
    }
    let drafts = record_files(&unpublished).len();
    let read = record_files(&valid).len() + drafts + invalid_files.len();
    let summary = format!(
        "feedgen: read {read} records (left out: {drafts} unpublished, {} invalid, 0 future, 0 duplicates); ",
        invalid_files.len()
    );
    assert!(message.lines().any(|line| line.starts_with(&summary)), "expected {summary:?} in:\n{message}");

    let (output, _cwd) = feedgen_cli(&build_args(std::slice::from_ref(&valid), &reference, &[]));
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let (output, _cwd) = feedgen_cli(&build_args(&[valid.clone(), unpublished.clone()], &with_drafts, &[]));
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let skipped_tree = read_tree(&skipping);
    assert!(!skipped_tree.is_empty());
    assert_same_tree(&skipped_tree, &read_tree(&reference), "--skip-invalid vs valid/ alone");
    assert_same_tree(&skipped_tree, &read_tree(&with_drafts), "--skip-invalid vs valid/ + unpublished/");
}

#[test]
fn skip_invalid_in_the_library_reports_the_skipped_files() {
    let out = tempfile::tempdir().unwrap();
    let mut settings = settings(&fixture("valid"), &out.path().join("feeds"));
    settings.inputs.push(fixture("invalid"));
    settings.skip_invalid = true;
    let report = feedgen::build(&settings).unwrap();
    let invalid = record_files(&fixture("invalid"));
    assert_eq!(report.invalid_records(), invalid.len());
    let skipped: BTreeSet<PathBuf> = report.skipped.iter().map(|error| error.path.clone()).collect();
    assert_eq!(skipped, invalid.into_iter().collect());
    let firehose = parse_feed("all.json", &read_tree(&settings.output)["all.json"]);
    assert_eq!(firehose.entries.len(), record_files(&fixture("valid")).len());
}

// ------------------------------------------------------------ 7. leaks

#[test]
fn unpublished_hostile_drafts_change_no_byte() {
    let out = tempfile::tempdir().unwrap();
    let alone = settings(&fixture("valid"), &out.path().join("a"));
    let mut with_drafts = settings(&fixture("valid"), &out.path().join("b"));
    with_drafts.inputs.push(fixture("unpublished"));
    let report = feedgen::build(&with_drafts).unwrap();
    assert_eq!(report.unpublished, record_files(&fixture("unpublished")).len());
    assert!(report.skipped.is_empty() && report.duplicates.is_empty(), "{report:?}");
    feedgen::build(&alone).unwrap();
    assert_same_tree(&read_tree(&with_drafts.output), &read_tree(&alone.output), "valid/ + unpublished/ vs valid/");
}

#[test]
fn no_marker_or_secured_value_leaks_in_any_mode() {
    let secrets = secured_values();
    assert!(secrets.len() >= 40, "{} secured values: {secrets:?}", secrets.len());
    let markers: Vec<&str> = MARKERS.iter().map(|(marker, _)| *marker).collect();
    let (valid, invalid, unpublished) = (fixture("valid"), fixture("invalid"), fixture("unpublished"));
    let warned = fixture("warned");
    let out = tempfile::tempdir().unwrap();
    let runs: [(&str, Vec<PathBuf>, &[&str]); 3] = [
        ("default", vec![valid.clone(), unpublished.clone(), warned.clone()], &[]),
        ("--skip-invalid", vec![valid.clone(), invalid.clone(), unpublished.clone()], &["--skip-invalid"]),
        ("-q --skip-invalid", vec![invalid.clone(), unpublished.clone(), valid.clone()], &["--skip-invalid", "-q"]),
    ];
    for (index, (mode, inputs, extra)) in runs.iter().enumerate() {
        let output_dir = out.path().join(index.to_string());
        let (output, _cwd) = feedgen_cli(&build_args(inputs, &output_dir, extra));
        assert_eq!(output.status.code(), Some(0), "{mode}: {}", stderr(&output));
        assert_no_leak(&format!("{mode}: stderr"), &stderr(&output), &markers);
        assert_no_leak(&format!("{mode}: stdout"), &String::from_utf8_lossy(&output.stdout), &markers);
        let tree = read_tree(&output_dir);
        assert!(tree.contains_key("all.json"), "{mode}");
        for (path, bytes) in &tree {
            assert_no_leak(&format!("{mode}: {path}"), &String::from_utf8_lossy(bytes), &markers);
            assert_no_leak(&format!("{mode}: {path} (path)"), path, &markers);
            for (field, text) in decoded_strings(path, bytes) {
                assert_no_leak(&format!("{mode}: {path} ({field})"), &text, &markers);
            }
        }
    }
    // Invalid records' messages do not quote their secured values either.
    let (output, _cwd) = feedgen_cli(&build_args(std::slice::from_ref(&invalid), &out.path().join("failed"), &[]));
    assert_eq!(output.status.code(), Some(1));
    assert_no_leak("errors of invalid/", &stderr(&output), &markers);
    // Nor do `feedgen check`'s errors and warnings, source lines included.
    let mut check = vec!["check", "--strict"];
    for input in [&valid, &invalid, &unpublished, &warned] {
        check.extend(["--input", input.to_str().unwrap()]);
    }
    let (output, _cwd) = feedgen_cli(&check);
    assert_eq!(output.status.code(), Some(1));
    let message = stderr(&output);
    assert!(message.contains(" | "), "no source lines shown:\n{message}");
    assert_no_leak("check --strict", &message, &markers);
}

#[test]
fn unpublished_flag_does_show_the_drafts_markers() {
    // The leak tests above would pass vacuously if the markers could never
    // reach an output; `--unpublished` shows that they can.
    let out = tempfile::tempdir().unwrap();
    let inputs = [fixture("valid"), fixture("unpublished")];
    let (output, _cwd) = feedgen_cli(&build_args(&inputs, out.path(), &["--unpublished", "--skip-invalid"]));
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let everything: String = read_tree(out.path())
        .iter()
        .map(|(path, bytes)| format!("{path}\n{}\n", String::from_utf8_lossy(bytes)))
        .collect();
    let everything = everything.to_lowercase();
    for (marker, shown) in MARKERS {
        assert_eq!(everything.contains(&marker.to_lowercase()), shown, "{marker} with --unpublished");
    }
    assert!(!everything.contains("secret-hostile"), "secured values never appear, even in previews");
    let message = stderr(&output);
    for skipped in ["marrowgleam", "quibbletorn", "vantablink", "glimmerwick"] {
        assert!(message.contains(skipped), "{skipped} is validated once drafts are included:\n{message}");
    }
    assert!(!message.to_lowercase().contains("secret-hostile"), "{message}");
}

// ------------------------------------------------------------ bugs found

/// Years RFC 822 cannot write (before 0 or after 9999) once panicked in the
/// RSS renderer (`to_rfc2822`); they are now refused as dates. The binary
/// must never panic on them, even with `--future` and `--skip-invalid`.
#[test]
fn dates_that_rfc_822_cannot_write_are_refused_without_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let far = ["date-negative-year.md", "date-update-in-year-10000.md"].map(|name| fixture("invalid").join(name));
    copy_files(&far, dir.path());
    fs::write(dir.path().join("good.md"), GOOD).unwrap();
    let settings = settings(dir.path(), &dir.path().join("out"));
    let errors = record_errors(&settings, dir.path());
    assert_eq!(errors.len(), 2, "{errors:#?}");
    for extra in [&[][..], &["--future", "--skip-invalid"][..]] {
        let inputs = [dir.path().to_owned()];
        let (output, _cwd) = feedgen_cli(&build_args(&inputs, &dir.path().join("out-cli"), extra));
        assert!(matches!(output.status.code(), Some(0 | 1)), "{extra:?}: {}", stderr(&output));
        assert!(!stderr(&output).contains("panicked"), "{extra:?}: {}", stderr(&output));
    }
}

const HEAD: &str = "---\ntitle: Deep\npublishedDateTime: 2025-01-01\noriginalUrl: https://deep.hostile.test/1\n";

/// The errors of building `records` alone, as `file:line:col: message`.
fn errors_of(records: &[(&str, &str)]) -> Vec<String> {
    let dir = records_dir(records);
    let errors = record_errors(&settings(dir.path(), &dir.path().join("out")), dir.path());
    errors.into_iter().map(|(_, message)| message).collect()
}

/// Deep nesting makes the YAML scanner, the Markdown parser and the HTML
/// parser quadratic (100,000 levels of `[` in 200 KB did not finish in 30
/// s), so records nesting past the limits are refused before parsing.
#[test]
fn deeply_nested_yaml_is_refused_before_parsing() {
    let depth = 100_000;
    let record = format!("{HEAD}ignored: {}{}\n---\n", "[".repeat(depth), "]".repeat(depth));
    assert_eq!(
        errors_of(&[("yaml.md", &record)]),
        [
            "yaml.md:5:138: front matter nests more than 128 levels of `[` or `{`; records that deep are refused to keep builds fast"
        ]
    );
    let within = format!("{HEAD}ignored: {}{}\n---\n", "[".repeat(128), "]".repeat(128));
    let dir = records_dir(&[("yaml.md", &within)]);
    assert_eq!(feedgen::plan(&settings(dir.path(), &dir.path().join("out"))).unwrap().report.records_read, 1);
}

#[test]
fn deeply_nested_markdown_and_html_are_refused_before_parsing() {
    let depth = 40_000;
    let list = format!("{HEAD}---\n{}x\n", "- ".repeat(depth));
    let quote = format!("{HEAD}---\nintro\n\n{} x\n", ">".repeat(depth));
    let divs = format!("{HEAD}excerpt: \"{}x\"\n---\n", "<div>".repeat(depth));
    let body_divs = format!("{HEAD}---\n{}x\n", "<div>".repeat(depth));
    let errors =
        errors_of(&[("list.md", &list), ("quote.md", &quote), ("divs.md", &divs), ("body-divs.md", &body_divs)]);
    let refused = "records that deep are refused to keep builds fast";
    assert_eq!(
        errors,
        [
            format!("body-divs.md:6:1: body: HTML nests more than 256 elements deep; {refused}"),
            format!("divs.md:5:10: excerpt: HTML nests more than 256 elements deep; {refused}"),
            format!("list.md:6:1: body: a line opens more than 32 nested lists or quotes; {refused}"),
            format!("quote.md:8:1: body: a line opens more than 32 nested lists or quotes; {refused}"),
        ]
    );
}

#[test]
fn yaml_error_messages_speak_in_file_positions_only() {
    let cases = [
        ("yaml-unclosed-quote.md", "line 2 column 8"),
        ("yaml-bad-indentation.md", "line 6 column 3"),
        ("yaml-raw-control-character.md", "position 12"),
    ];
    for (name, front_matter_position) in cases {
        let dir = tempfile::tempdir().unwrap();
        copy_files(&[fixture("invalid").join(name)], dir.path());
        let errors = record_errors(&settings(dir.path(), &dir.path().join("out")), dir.path());
        for (_, message) in &errors {
            assert!(!message.contains(front_matter_position), "{name}: {message}");
        }
    }
    // The raw control character is on line 2, column 13, not column 1.
    let dir = tempfile::tempdir().unwrap();
    copy_files(&[fixture("invalid/yaml-raw-control-character.md")], dir.path());
    let errors = record_errors(&settings(dir.path(), &dir.path().join("out")), dir.path());
    assert!(errors[0].1.starts_with("yaml-raw-control-character.md:2:13: "), "{errors:#?}");
}

#[test]
fn escaped_markup_in_an_excerpt_stays_text_and_is_markup_nowhere() {
    let record = "---\ntitle: Escaped\npublishedDateTime: 2025-01-01\noriginalUrl: https://escaped.hostile.test/1\n\
                  excerpt: \"&lt;script&gt;alert(1)&lt;/script&gt; and <textarea><script>alert(2)</script></textarea>\"\n---\n";
    let dir = records_dir(&[("escaped.md", record)]);
    for (path, bytes) in build_folder(dir.path()) {
        for (field, text) in decoded_strings(&path, &bytes) {
            // JSON Feed's `summary` is plain text by the spec: there the
            // escaped markup (and text inside a textarea) is rightly the
            // literal text `<script>…`.
            let is_json_text = path.ends_with(".json") && field == "summary";
            if HTML_FIELDS.contains(&field.as_str()) && !is_json_text {
                assert!(!text.to_lowercase().contains("<script"), "{path} ({field}): {text:?}");
            }
            if is_json_text {
                assert_eq!(text, "<script>alert(1)</script> and <script>alert(2)</script>", "{path}");
            }
        }
    }
}

#[test]
fn draft_flag_from_a_yaml_merge_key_is_not_published() {
    let merged = "---\ndefaults: &draft\n  published: false\n<<: *draft\ntitle: Quenchmoor merged draft\n\
                  publishedDateTime: 2025-01-01\noriginalUrl: https://quenchmoor.hostile.test/draft\n---\n";
    let dir = records_dir(&[("quenchmoor.md", merged), ("good.md", GOOD)]);
    let out = dir.path().join("out");
    // Merge keys are honoured, as in Jekyll: the draft is left out.
    let plan = feedgen::plan(&settings(dir.path(), &out)).unwrap();
    assert_eq!(plan.report.unpublished, 1);
    for file in &plan.files {
        let text = String::from_utf8_lossy(&file.bytes).to_lowercase();
        assert!(!text.contains("quenchmoor"), "the merged draft was published in {}", file.path);
    }
}
