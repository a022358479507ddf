//! Property tests: whatever text a record's fields hold (control
//! characters, `]]>`, `<`, `&`, quotes, entities, emoji), every output file
//! parses with a strict XML parser and an independent feed parser, holds
//! the right number of items, and shows titles as the literal text.

mod common;

use std::path::Path;

use feedgen::reference::plain_text;
use feedgen::{LoadOptions, Parsed, parse_record};
use proptest::prelude::*;
use serde_yaml::{Mapping, Value};

use common::*;

/// Text built from pieces that have broken feeds before, plus any character.
fn hostile_text() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        4 => any::<char>().prop_map(String::from),
        1 => prop::sample::select(vec![
            "]]>", "<", ">", "&", "&amp;", "&amp;amp;", "&#1;", "&#x0;", "&#8217;", "\"", "'", "🦀", "人工知能",
            "\u{0}", "\u{1}", "\u{B}", "\u{1F}", "\u{7F}", "\u{85}", "\u{FFFE}", "\u{FFFF}", "\u{FEFF}", "\r\n",
            "\t", "---", "<b>bold</b>", "<script>alert(1)</script>", "<a href=\"javascript:x()\">j</a>",
            "<img src=x onerror=alert(1)>", "<![CDATA[", "<?xml ?>", "<!-- c -->", " ",
        ])
        .prop_map(str::to_owned),
    ];
    prop::collection::vec(piece, 0..12).prop_map(|pieces| pieces.concat())
}

/// One record's text fields.
#[derive(Debug, Clone)]
struct Fields {
    title: String,
    excerpt: String,
    featured: String,
    body: String,
    kind: String,
    category: String,
    topics: Vec<String>,
    tags: Vec<String>,
    provider_name: String,
    provider_domain: String,
    image_title: String,
    related_title: String,
    related_provider: String,
    link_query: String,
}

fn fields() -> impl Strategy<Value = Fields> {
    let names = || prop::collection::vec(hostile_text(), 0..3);
    (
        (hostile_text(), hostile_text(), hostile_text(), hostile_text(), hostile_text(), hostile_text()),
        (names(), names(), hostile_text(), hostile_text()),
        (hostile_text(), hostile_text(), hostile_text(), hostile_text()),
    )
        .prop_map(|((title, excerpt, featured, body, kind, category), (topics, tags, name, domain), rest)| {
            Fields {
                title,
                excerpt,
                featured,
                body,
                kind,
                category,
                topics,
                tags,
                provider_name: name,
                provider_domain: domain,
                image_title: rest.0,
                related_title: rest.1,
                related_provider: rest.2,
                link_query: rest.3,
            }
        })
}

fn map(entries: Vec<(&str, Value)>) -> Value {
    Value::Mapping(entries.into_iter().map(|(key, value)| (Value::from(key), value)).collect::<Mapping>())
}

fn strings(values: &[String]) -> Value {
    Value::Sequence(values.iter().map(|value| Value::from(value.as_str())).collect())
}

/// The record file for `fields`: YAML written by serde_yaml, so any string
/// survives the trip into the front matter; the link is unique per index
/// (the hostile part sits in the query, where it cannot change the path).
fn record_file(index: usize, fields: &Fields) -> String {
    let link = format!("https://ok.test/item/{index}?q={}", fields.link_query);
    let yaml = map(vec![
        ("title", fields.title.as_str().into()),
        ("publishedDateTime", format!("2025-01-{:02}T10:00:00Z", index + 1).into()),
        ("originalUrl", link.into()),
        ("excerpt", fields.excerpt.as_str().into()),
        ("featuredContent", fields.featured.as_str().into()),
        ("type", fields.kind.as_str().into()),
        ("category", fields.category.as_str().into()),
        ("topics", strings(&fields.topics)),
        ("tags", strings(&fields.tags)),
        (
            "provider",
            map(vec![
                ("name", fields.provider_name.as_str().into()),
                ("domain", fields.provider_domain.as_str().into()),
            ]),
        ),
        (
            "images",
            Value::Sequence(vec![map(vec![
                ("url", "https://ok.test/a.jpg".into()),
                ("width", 640.into()),
                ("height", 480.into()),
                ("title", fields.image_title.as_str().into()),
            ])]),
        ),
        (
            "related",
            Value::Sequence(vec![map(vec![
                ("title", fields.related_title.as_str().into()),
                ("webUrl", format!("https://related.test/{index}").into()),
                ("provider", map(vec![("name", fields.related_provider.as_str().into())])),
            ])]),
        ),
        ("secured", "SECRET-never-shown".into()),
    ]);
    format!("---\n{}---\n{}", serde_yaml::to_string(&yaml).unwrap(), fields.body)
}

/// The HTML fragments of an output file, as a reader receives them:
/// an item's RSS `description`/`content:encoded`, Atom `summary`/`content`,
/// JSON `content_html`.
fn html_fragments(path: &str, bytes: &[u8]) -> Vec<String> {
    if path.ends_with(".json") {
        let json: serde_json::Value = serde_json::from_slice(bytes).unwrap();
        let items = json["items"].as_array().unwrap();
        return items.iter().filter_map(|item| item["content_html"].as_str().map(str::to_owned)).collect();
    }
    let document = roxmltree::Document::parse(std::str::from_utf8(bytes).unwrap()).unwrap();
    document
        .descendants()
        .filter(|node| matches!(node.tag_name().name(), "description" | "encoded" | "summary" | "content"))
        .filter(|node| node.parent_element().is_some_and(|parent| matches!(parent.tag_name().name(), "item" | "entry")))
        .filter_map(|node| node.text().map(str::to_owned))
        .collect()
}

/// The first script element, event-handler attribute or `javascript:`/
/// `data:` URL in an HTML fragment, parsed as a browser would.
fn unsafe_markup(html: &str) -> Option<String> {
    let fragment = scraper::Html::parse_fragment(html);
    fragment.tree.values().filter_map(|node| node.as_element()).find_map(|element| {
        if matches!(element.name(), "script" | "style" | "object" | "embed") {
            return Some(format!("<{}>", element.name()));
        }
        element.attrs().find_map(|(name, value)| {
            let value = value.trim().to_ascii_lowercase();
            let bad = name.starts_with("on") || value.starts_with("javascript:") || value.starts_with("data:");
            bad.then(|| format!("{name}={value:?}"))
        })
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn any_text_in_any_field_gives_clean_feeds_with_every_item(records in prop::collection::vec(fields(), 1..4)) {
        let mut loaded = Vec::new();
        for (index, fields) in records.iter().enumerate() {
            let file = record_file(index, fields);
            let path = Path::new("prop.md");
            let parsed = parse_record(path, file.as_bytes(), LoadOptions::default());
            if plain_text(&fields.title).is_empty() {
                let errors = parsed.expect_err("a record without a visible title must be refused");
                prop_assert!(errors.iter().all(|error| error.message.starts_with("title:")), "{errors:?}");
                continue;
            }
            match parsed {
                Ok(Parsed::Record(record, _)) => loaded.push(*record),
                other => prop_assert!(false, "record {index} was not loaded: {other:?}\n{file}"),
            }
        }
        let expected_titles: Vec<String> = records
            .iter()
            .rev()
            .map(|fields| plain_text(&fields.title))
            .filter(|title| !title.is_empty())
            .collect();

        let settings = settings(Path::new("unused"), Path::new("unused"));
        let plan = feedgen::reference::render_records(loaded, &settings).unwrap();
        for file in &plan.files {
            prop_assert!(!file.bytes.windows(18).any(|w| w == b"SECRET-never-shown"), "{} leaks", file.path);
            if file.path.ends_with(".html") {
                let problems = page_problems(std::str::from_utf8(&file.bytes).unwrap());
                prop_assert!(problems.is_empty(), "{}: {problems:?}", file.path);
                continue;
            }
            if file.path.ends_with(".opml") {
                assert_well_formed_xml(&file.path, &file.bytes);
                continue;
            }
            let feed = parse_feed(&file.path, &file.bytes);
            prop_assert!(!feed.entries.is_empty() || expected_titles.is_empty(), "{} is empty", file.path);
            for html in html_fragments(&file.path, &file.bytes) {
                prop_assert!(unsafe_markup(&html).is_none(), "{}: {:?} in {html}", file.path, unsafe_markup(&html));
            }
            if file.path.starts_with("all.") {
                let titles: Vec<String> =
                    feed.entries.iter().map(|entry| entry.title.as_ref().unwrap().content.clone()).collect();
                prop_assert_eq!(&titles, &expected_titles, "{}", file.path);
            }
        }
    }
}

/// Date text: a year from far outside the range feeds can state to far
/// beyond it, in each accepted spelling, or anything at all.
fn date_text() -> impl Strategy<Value = String> {
    let spelled = (-20_000i32..20_000, 1u32..=12, 1u32..=28, 0u32..24, 0u32..60, -14i32..=14, 0usize..4).prop_map(
        |(year, month, day, hour, minute, offset, spelling)| match spelling {
            0 => format!("{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:00{offset:+03}:00"),
            1 => format!("{year:04}-{month:02}-{day:02} {hour:02}:{minute:02}:00 {offset:+03}00"),
            2 => format!("{year:04}-{month:02}-{day:02}"),
            _ => format!("{year}-{month}-{day} {hour}:{minute}"),
        },
    );
    prop_oneof![3 => spelled, 1 => any::<String>()]
}

proptest! {
    #[test]
    fn any_date_is_either_refused_with_a_message_or_rendered(published in date_text(), updated in date_text()) {
        let file = format!(
            "---\ntitle: T\npublishedDateTime: {}\nupdatedDateTime: {}\noriginalUrl: https://ok.test/d\ntopics: [Dates]\n---\n",
            serde_yaml::to_string(&published).unwrap().trim_end(),
            serde_yaml::to_string(&updated).unwrap().trim_end(),
        );
        let mut settings = settings(Path::new("unused"), Path::new("unused"));
        settings.include_future = true;
        match parse_record(Path::new("d.md"), file.as_bytes(), LoadOptions::default()) {
            Ok(Parsed::Record(record, _)) => {
                let plan = feedgen::reference::render_records(vec![*record], &settings).unwrap();
                for output in plan.files.iter().filter(|output| is_feed(&output.path)) {
                    prop_assert_eq!(parse_feed(&output.path, &output.bytes).entries.len(), 1);
                }
            }
            Ok(other) => prop_assert!(false, "{other:?}"),
            Err(errors) => {
                let about_dates = |message: &str| message.starts_with("publishedDateTime: ") || message.starts_with("updatedDateTime: ");
                prop_assert!(errors.iter().all(|error| about_dates(&error.message)), "{errors:?}");
            }
        }
    }
}

/// `PROPTEST_CASES` when set (for a longer hunt), else `default`.
fn env_cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES").ok().and_then(|cases| cases.parse().ok()).unwrap_or(default)
}

/// The secured value of [`SECURED_RECORDS`]: no four letters of it in a row
/// may appear in any problem.
const SECRET: &str = "QZXWVKJPLM";

/// Records with a `secured` value in each of the forms YAML allows, beside
/// fields with problems of their own.
const SECURED_RECORDS: [&str; 7] = [
    "---\ntitle: T\nsecured: QZXWVKJPLM\npublishedDateTime: 2025-01-01\noriginalUrl: https://ok.test/s\nheat: hot\n---\n",
    "---\ntitle: T\npublishedDateTime: 2025-01-01\nsecured: \"QZXWVKJPLM\"\nwebUrl: https://ok.test/s\nautor: A\n---\n",
    "---\nsecured: |\n  QZXWVKJPLM\n  QZXWVKJPLM\ntitle: T\npublishedDateTime: soon\noriginalUrl: https://ok.test/s\n---\n",
    "---\ntitle: T\npublishedDateTime: 2025-01-01\noriginalUrl: https://ok.test/s\nsecured: >-\n  QZXWVKJPLM\n---\n",
    "---\ntitle: T\npublishedDateTime: 2025-01-01\noriginalUrl: https://ok.test/s\nrelated:\n  - title: R\n    secured: QZXWVKJPLM\n    webUrl: /r\n---\n",
    "---\ntitle: T\npublishedDateTime: 2025-01-01\noriginalUrl: x\nprovider: {name: P, secured: 'QZXWVKJPLM', nmae: N}\n---\n",
    "---\nTitel: T\npublishedDatetime: 2025-01-01\nsecured: QZXWVKJPLM\nwebURL: https://ok.test/s\nimages:\n  - url: /x.png\n    secured: QZXWVKJPLM\n---\n",
];

/// One edit: delete the character at a place, or insert one there.
#[derive(Debug, Clone)]
enum Edit {
    Delete(prop::sample::Index),
    Insert(prop::sample::Index, char),
}

fn edit() -> impl Strategy<Value = Edit> {
    let inserted = prop::sample::select(vec![':', '"', '\'', ' ', '\n', '-', '[', '{', '#', '|', '>', '\t', '&', '*']);
    prop_oneof![
        any::<prop::sample::Index>().prop_map(Edit::Delete),
        (any::<prop::sample::Index>(), inserted).prop_map(|(at, c)| Edit::Insert(at, c)),
    ]
}

/// `text` after `edits`, none of them inside the word `secured` (breaking
/// the key itself is another matter: see the excerpt module's tests).
fn edited(text: &str, edits: &[Edit]) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    for edit in edits {
        let index = match edit {
            Edit::Delete(at) | Edit::Insert(at, _) => at.index(chars.len()),
        };
        let word: String = chars.iter().collect();
        let protected = word.match_indices("secured").any(|(start, _)| (start..=start + 7).contains(&index));
        match edit {
            _ if protected => {}
            Edit::Delete(_) => {
                chars.remove(index);
            }
            Edit::Insert(_, c) => chars.insert(index, *c),
        }
    }
    chars.into_iter().collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(env_cases(512)))]
    #[test]
    fn no_problem_shows_a_secured_value_however_the_record_is_broken(
        template in prop::sample::select(SECURED_RECORDS.to_vec()),
        edits in prop::collection::vec(edit(), 0..3),
    ) {
        let text = edited(template, &edits);
        let warn = Some(feedgen::WarnOptions { future_after: Some(chrono::DateTime::UNIX_EPOCH) });
        let options = LoadOptions { include_unpublished: true, warn };
        let problems = match parse_record(Path::new("s.md"), text.as_bytes(), options) {
            Ok(Parsed::Record(_, warnings)) => warnings,
            Ok(_) => Vec::new(),
            Err(errors) => errors,
        };
        for problem in &problems {
            let excerpt = problem.excerpt.as_ref().map_or("", |excerpt| excerpt.text.as_str());
            let shown = format!("{problem}\n{excerpt}");
            for fragment in SECRET.as_bytes().windows(4) {
                let fragment = std::str::from_utf8(fragment).unwrap();
                prop_assert!(!shown.contains(fragment), "{fragment} shown for\n{text}\n{shown}");
            }
        }
    }
}
