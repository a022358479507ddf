//! Fuzz target: arbitrary bytes as a record file, through the whole pipeline.
//!
//! The bytes go to `feedgen::parse_record` (pure, no I/O), once without
//! and once with unpublished records. When they give a record, it is rendered
//! with `feedgen::reference::render_records` together with two copies (one with another
//! link, one with the same link, so grouping and duplicate selection run),
//! in every format and every family. The output is then checked:
//! - rendering never fails;
//! - every `.xml` file is well-formed XML (roxmltree, strict);
//! - every `.json` file is valid JSON;
//! - every path is relative, `/`-separated, ASCII, without `..` or empty
//!   components, unique, and ends in a known extension;
//! - parsing with unpublished records included gives the same record as
//!   parsing without, whenever the latter gives one.
#![no_main]

use std::path::Path;
use std::sync::OnceLock;

use chrono::DateTime;
use feedgen::{ConfigFile, Family, LoadOptions, Overrides, Parsed, Record, Settings, parse_record};
use libfuzzer_sys::fuzz_target;

fn settings() -> &'static Settings {
    static SETTINGS: OnceLock<Settings> = OnceLock::new();
    SETTINGS.get_or_init(|| {
        let file = ConfigFile {
            title: Some("Fuzz <&> \"Feeds\"".into()),
            base_url: Some("https://feeds.test/out/".into()),
            language: Some("en-GB".into()),
            ..Default::default()
        };
        let overrides = Overrides { inputs: vec!["fuzz".into()], ..Default::default() };
        let now = DateTime::from_timestamp(1_767_225_600, 0).expect("fixed now");
        let mut settings = Settings::resolve(file, Path::new(""), overrides, now).expect("fuzz settings resolve");
        settings.include_future = true;
        settings.include_unpublished = true;
        settings.families = Family::ALL.to_vec();
        settings.limit = 2;
        settings
    })
}

fn check_path(path: &str) {
    assert!(!path.is_empty(), "empty output path");
    assert!(path.is_ascii(), "non-ASCII output path {path:?}");
    assert!(!path.starts_with('/'), "absolute output path {path:?}");
    assert!(!path.contains('\\'), "backslash in output path {path:?}");
    assert!(!path.contains(':'), "colon in output path {path:?}");
    for component in path.split('/') {
        assert!(!component.is_empty(), "empty component in output path {path:?}");
        assert!(component != ".." && component != ".", "dot component in output path {path:?}");
    }
    assert!(
        path.ends_with(".rss.xml") || path.ends_with(".atom.xml") || path.ends_with(".json"),
        "unexpected extension in output path {path:?}"
    );
}

fn render_and_check(record: Record) {
    let mut other = record.clone();
    other.source = "fuzz/other.md".into();
    other.link = url::Url::parse("https://other.feeds.test/a/b?c=d&e=<f>").expect("fixed url");
    let mut duplicate = record.clone();
    duplicate.source = "fuzz/duplicate.md".into();
    let records = vec![record, other, duplicate];

    let plan = match feedgen::reference::render_records(records, settings()) {
        Ok(plan) => plan,
        Err(error) => panic!("render_records failed: {error} ({error:?})"),
    };
    assert!(!plan.files.is_empty(), "no output files");
    let mut seen = std::collections::HashSet::new();
    for file in &plan.files {
        check_path(&file.path);
        assert!(seen.insert(file.path.as_str()), "duplicate output path {:?}", file.path);
        if file.path.ends_with(".xml") {
            let text = match std::str::from_utf8(&file.bytes) {
                Ok(text) => text,
                Err(error) => panic!("{} is not UTF-8: {error}", file.path),
            };
            if let Err(error) = roxmltree::Document::parse(text) {
                panic!("{} is not well-formed XML: {error}\n----\n{text}\n----", file.path);
            }
        } else if file.path.ends_with(".json") {
            if let Err(error) = serde_json::from_slice::<serde_json::Value>(&file.bytes) {
                panic!(
                    "{} is not valid JSON: {error}\n----\n{}\n----",
                    file.path,
                    String::from_utf8_lossy(&file.bytes)
                );
            }
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let path = Path::new("fuzz/record.md");
    let published_only = parse_record(path, data, LoadOptions { include_unpublished: false, warn: None });
    let with_unpublished = parse_record(path, data, LoadOptions { include_unpublished: true, warn: None });
    if let Ok(Parsed::Record(record, _)) = &published_only {
        match &with_unpublished {
            Ok(Parsed::Record(again, _)) => assert_eq!(record, again, "include_unpublished changed a published record"),
            other => panic!("record parsed without include_unpublished but not with it: {other:?}"),
        }
    }
    if let Ok(Parsed::Record(record, _)) = with_unpublished {
        render_and_check(*record);
    }
});
