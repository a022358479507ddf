//! Every output is well-formed whatever the records hold, and the same input
//! gives the same bytes.

mod common;

use std::path::Path;

use common::*;

/// Characters XML forbids, as YAML double-quoted escapes, plus the sequences
/// that break naive escaping (`]]>`, `<`, `&`, quotes) and non-ASCII text.
const HOSTILE_YAML: &str =
    r#"\0\x01\x08\x0B\x0C\x1F\x7F\x85\uFFFE\uFFFF ]]> <b>bold</b> &amp; & \" ' 🦀 人工知能 \u202E"#;

/// The same characters written raw, for the Markdown body (not YAML).
const HOSTILE_RAW: &str = "\u{0}\u{1}\u{8}\u{B}\u{C}\u{1F}\u{FFFE}\u{FFFF} ]]> <b>bold</b> &amp; & \" ' 🦀";

fn hostile_record(index: usize) -> String {
    let h = HOSTILE_YAML;
    format!(
        "---\n\
         title: \"Title {index} {h}\"\n\
         excerpt: \"<p>{h}</p>\"\n\
         featuredContent: \"<iframe src='https://v.test/{index}'></iframe>{h}\"\n\
         publishedDateTime: 2025-0{month}-01T00:00:00Z\n\
         originalUrl: \"https://hostile.test/{index}/a]]>b<c>&d\\\"e'f\"\n\
         type: \"video {h}\"\n\
         category: \"news {h}\"\n\
         provider:\n  name: \"Provider {h}\"\n  domain: \"hostile{index}.test\"\n  images:\n    - url: \"https://hostile.test/logo.png?a=1&b=]]>\"\n\
         topics:\n  - \"Topic {h}\"\n  - \"{h}\"\n\
         tags:\n  - \"Tag {h}\"\n\
         images:\n  - url: \"https://hostile.test/i.jpg?x=<y>&z\"\n    title: \"Image {h}\"\n\
         related:\n  - title: \"Related {h}\"\n    webUrl: \"https://hostile.test/r?q=]]>\"\n    provider:\n      name: \"RP {h}\"\n\
         ---\n\
         Body {HOSTILE_RAW}\n\n<script>alert(1)</script>\n",
        month = index + 1
    )
}

#[test]
fn control_characters_and_cdata_terminators_in_every_field_give_well_formed_output() {
    let records = records_dir(&[("one.md", &hostile_record(1)), ("two.md", &hostile_record(2))]);
    let tree = feeds_only(build_folder(records.path()));
    assert!(tree.len() >= 9, "{:?}", tree.keys());
    for (path, bytes) in &tree {
        let parsed = parse_feed(path, bytes);
        let expected_items = if path.starts_with("all.") || path.starts_with("topics/") { 2 } else { 1 };
        assert_eq!(parsed.entries.len(), expected_items, "{path}");
        for entry in &parsed.entries {
            let title = &entry.title.as_ref().unwrap().content;
            assert!(title.starts_with("Title ") && title.contains("]]> <b>bold</b> &amp; & \" '"), "{path}: {title:?}");
            assert!(!title.chars().any(|c| c.is_control()), "{path}: {title:?}");
        }
        let text = String::from_utf8_lossy(bytes);
        assert!(!text.contains("<script"), "{path} holds a script element");
    }
}

#[test]
fn forbidden_characters_in_configuration_strings_are_removed() {
    let records = records_dir(&[("one.md", &hostile_record(1))]);
    let out = tempfile::tempdir().unwrap();
    let file = feedgen::ConfigFile {
        title: Some("Site \u{1} ]]> & <x>".into()),
        description: Some("Desc \u{B}\u{FFFF}".into()),
        author: Some("Au\u{0}thor".into()),
        base_url: Some("https://feeds.test/".into()),
        ..Default::default()
    };
    let overrides = feedgen::Overrides {
        inputs: vec![records.path().to_owned()],
        output: Some(out.path().to_owned()),
        no_cache: true,
        ..Default::default()
    };
    let settings = feedgen::Settings::resolve(file, Path::new(""), overrides, now()).unwrap();
    for (path, bytes) in feeds_only(build_tree(&settings)) {
        let parsed = parse_feed(&path, &bytes);
        assert!(parsed.title.unwrap().content.starts_with("Site ]]> & <x>"), "{path}");
    }
}

#[test]
fn two_builds_of_the_same_input_are_byte_identical() {
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/records");
    for input in [newsroom(), examples] {
        let first = build_folder(&input);
        let second = build_folder(&input);
        assert!(!first.is_empty());
        assert!(first == second, "{} built twice differs", input.display());
    }
}
